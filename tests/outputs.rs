//! SPEC §9 end to end: no output overwrites an input or another output, no symlink is followed,
//! nothing partial is left under a final name (errors, Ctrl-C, SIGTERM, a full disk), output
//! directories are locked, and the rejects file exists only when something was rejected.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::prelude::OutputAssertExt;
use predicates::prelude::*;
use support::*;

const ROWS: &str = "ayse@example.com;web;ONAY;15.05.2025 14:23:00\n\
                    bad-email;web;ONAY;15.05.2025 14:23:00\n\
                    905331234562;SMS;RET;15.05.2025 14:23:00\n";

/// An input holding one invalid row (so a rejects file would be written).
fn input(dir: &Path, name: &str) -> PathBuf {
    write(dir, name, ROWS)
}

fn assert_untouched(path: &Path) {
    assert_eq!(read(path), ROWS, "{} was changed", path.display());
}

/// Every name in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Every file in `dir` with its bytes, hidden ones (the lock) left out.
fn contents(dir: &Path) -> Vec<(String, Vec<u8>)> {
    names(dir)
        .into_iter()
        .filter(|n| !n.starts_with('.'))
        .map(|n| {
            let bytes = std::fs::read(dir.join(&n)).unwrap_or_default();
            (n, bytes)
        })
        .collect()
}

#[test]
fn an_output_naming_an_input_is_refused_before_anything_is_read() {
    let dir = tempdir();
    let input = input(dir.path(), "in.csv");
    let link = dir.path().join("link.csv");
    std::os::unix::fs::symlink(&input, &link).expect("symlink");
    let hard = dir.path().join("hard.csv");
    std::fs::hard_link(&input, &hard).expect("hard link");
    let out = dir.path().join("out");
    for target in [&input, &link, &hard] {
        for flag in ["--rejects", "--report"] {
            iysync("convert")
                .arg(&input)
                .args(["--to", "netmera", "--out"])
                .arg(&out)
                .arg(flag)
                .arg(target)
                .assert()
                .code(2)
                .stderr(predicate::str::contains("rows read").not());
            assert_untouched(&input);
        }
        for flag in ["--valid-out", "--invalid-out", "--report"] {
            iysync("validate")
                .arg(&input)
                .arg(flag)
                .arg(target)
                .arg("--force")
                .assert()
                .code(2)
                .stderr(predicate::str::contains("rows read").not());
            assert_untouched(&input);
        }
        iysync("upsert")
            .arg(&input)
            .arg("--dry-run")
            .arg("--rejects")
            .arg(target)
            .assert()
            .code(2);
        assert_untouched(&input);
    }
    // The message names both paths.
    iysync("validate")
        .arg(&input)
        .arg("--invalid-out")
        .arg(&hard)
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("hard.csv")
                .and(predicate::str::contains("in.csv"))
                .and(predicate::str::contains("same file")),
        );
    assert!(!out.exists(), "nothing was written, not even the directory");
}

#[test]
fn the_default_rejects_path_being_the_input_is_refused() {
    let dir = tempdir();
    let d = dir.path().join("d");
    std::fs::create_dir(&d).expect("mkdir");
    let input = input(&d, "rejects.csv");
    iysync("convert")
        .arg(&input)
        .args(["--to", "netmera", "--out"])
        .arg(&d)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--rejects"));
    assert_untouched(&input);
}

#[test]
fn an_input_with_the_name_of_an_output_in_the_output_directory_is_refused() {
    let dir = tempdir();
    let e = dir.path().join("e");
    std::fs::create_dir(&e).expect("mkdir");
    let input = input(&e, "email.csv");
    iysync("convert")
        .arg(&input)
        .args(["--to", "netmera", "--force", "--out"])
        .arg(&e)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("email.csv"));
    assert_untouched(&input);
    // Through a symlink to the directory, too.
    let alias = dir.path().join("alias");
    std::os::unix::fs::symlink(&e, &alias).expect("symlink");
    iysync("convert")
        .arg(&input)
        .args(["--to", "netmera", "--force", "--out"])
        .arg(&alias)
        .assert()
        .code(2);
    assert_untouched(&input);
}

#[test]
fn an_output_that_is_another_output_is_refused() {
    let dir = tempdir();
    let input = input(dir.path(), "in.csv");
    let n = dir.path().join("n");
    // --rejects onto the converted output.
    iysync("convert")
        .arg(&input)
        .args(["--to", "netmera", "--out"])
        .arg(&n)
        .arg("--rejects")
        .arg(n.join("email.csv"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("would replace"));
    assert!(!n.join("email.csv").exists());
    // --report and --rejects on one file.
    let same = dir.path().join("same.txt");
    iysync("convert")
        .arg(&input)
        .args(["--to", "netmera", "--out"])
        .arg(&n)
        .arg("--rejects")
        .arg(&same)
        .arg("--report")
        .arg(&same)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("same file"));
    iysync("validate")
        .arg(&input)
        .arg("--valid-out")
        .arg(&same)
        .arg("--invalid-out")
        .arg(&same)
        .assert()
        .code(2);
    assert!(!same.exists());
}

#[test]
fn a_symlink_at_an_output_path_is_refused_and_its_target_untouched() {
    let dir = tempdir();
    let input = input(dir.path(), "in.csv");
    let precious = write(dir.path(), "precious.txt", "keep me");
    let n = dir.path().join("n");
    std::fs::create_dir(&n).expect("mkdir");
    std::os::unix::fs::symlink(&precious, n.join("rejects.csv")).expect("symlink");
    iysync("convert")
        .arg(&input)
        .args(["--to", "netmera", "--out"])
        .arg(&n)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("symbolic link"));
    assert_eq!(read(&precious), "keep me");
    assert_eq!(names(&n), ["rejects.csv"], "nothing written beside it");
    // At a converted file's name, even with --force.
    std::fs::remove_file(n.join("rejects.csv")).expect("rm");
    std::os::unix::fs::symlink(&precious, n.join("email.csv")).expect("symlink");
    iysync("convert")
        .arg(&input)
        .args(["--to", "netmera", "--force", "--out"])
        .arg(&n)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("symbolic link"));
    assert_eq!(read(&precious), "keep me");
    // --report and --valid-out too.
    let link = dir.path().join("link.json");
    std::os::unix::fs::symlink(&precious, &link).expect("symlink");
    iysync("validate")
        .arg(&input)
        .arg("--report")
        .arg(&link)
        .assert()
        .code(2);
    iysync("validate")
        .arg(&input)
        .arg("--valid-out")
        .arg(&link)
        .arg("--force")
        .assert()
        .code(2);
    assert_eq!(read(&precious), "keep me");
}

#[test]
fn no_rejects_no_file_and_the_summary_says_so() {
    let dir = tempdir();
    let out = dir.path().join("out");
    iysync("convert")
        .arg(fixture("sms-clean.csv"))
        .args(["--to", "netmera", "--out"])
        .arg(&out)
        .assert()
        .code(0)
        .stderr(predicate::str::contains("no rejects"));
    assert!(!out.join("rejects.csv").exists());
    // A rerun over an earlier run's rejects: the stale file goes with the old set.
    write(
        &out,
        "rejects.csv",
        "\u{feff}file;line;code;message;row\nold.csv;1;field_count;x;y\n",
    );
    iysync("convert")
        .arg(fixture("sms-clean.csv"))
        .args(["--to", "netmera", "--force", "--out"])
        .arg(&out)
        .assert()
        .code(0);
    assert!(!out.join("rejects.csv").exists());
}

#[test]
fn rejects_cells_never_start_a_formula() {
    let dir = tempdir();
    let input = write(
        dir.path(),
        "=evil.csv",
        "=HYPERLINK(\"http://x\")@example.com;web;ONAY;15.05.2025 14:23:00\n\
         +90 532 ab;SMS;ONAY;15.05.2025 14:23:00\n\
         -x;web;ONAY;15.05.2025 14:23:00\n\
         @SUM(A1);web;ONAY;15.05.2025 14:23:00\n",
    );
    assert!(input.exists());
    let out = dir.path().join("out");
    iysync("convert")
        .current_dir(dir.path())
        .arg("=evil.csv")
        .args(["--to", "netmera", "--out"])
        .arg(&out)
        .assert()
        .code(1);
    let bytes = std::fs::read(out.join("rejects.csv")).expect("rejects written");
    let text = String::from_utf8_lossy(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes));
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(text.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), 4, "{text}");
    for row in &rows {
        for cell in row.iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{cell:?} in {text}"
            );
        }
        assert!(row[0].starts_with("'"), "{text}");
        assert!(row[4].starts_with("'"), "{text}");
    }
}

#[test]
fn the_withholding_row_says_so_in_the_rejects_file() {
    let dir = tempdir();
    let out = dir.path().join("out");
    iysync("convert")
        .arg(fixture("messy.csv"))
        .args(["--to", "netmera", "--out"])
        .arg(&out)
        .assert()
        .code(1);
    let text = read(&out.join("rejects.csv"));
    let withholding: Vec<&str> = text.lines().filter(|l| l.contains("holds")).collect();
    assert_eq!(withholding.len(), 1, "{text}");
    assert!(withholding[0].contains(";28;"), "{text}");
    assert!(
        withholding[0].contains("this RET row holds kemal.dogan@example.com back"),
        "{text}"
    );
    // Masked under --redact.
    let out2 = dir.path().join("out2");
    iysync("convert")
        .arg(fixture("messy.csv"))
        .args(["--to", "netmera", "--redact", "--out"])
        .arg(&out2)
        .assert()
        .code(1);
    let text = read(&out2.join("rejects.csv"));
    assert!(text.contains("holds k***@example.com back"), "{text}");
}

// ---- interrupted and failing runs ----

/// A large input: `n` distinct ONAY email rows.
fn big_input(dir: &Path, n: usize) -> PathBuf {
    let mut data = String::with_capacity(n * 48);
    for i in 0..n {
        data.push_str(&format!(
            "user{i}@example.com;web;ONAY;15.05.2025 14:23:00\n"
        ));
    }
    write(dir, "big.csv", data)
}

/// `convert` as a child process (so it can be signalled).
fn spawn_convert(args: &[&std::ffi::OsStr], tmp: &Path) -> Child {
    let bin = assert_cmd::cargo::cargo_bin("iysync");
    std::process::Command::new(bin)
        .arg("convert")
        .args(["--now", NOW, "--no-progress", "--jobs", "2"])
        .args(args)
        .env_remove("CI")
        .env("TMPDIR", tmp)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn iysync")
}

/// Waits until a file in a staging directory of `out` holds data, then stops the process
/// (SIGSTOP) so the test acts while it is surely mid-run.
fn stop_when_writing(child: &mut Child, out: &Path) {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let written = names(out)
            .into_iter()
            .filter(|n| n.starts_with(".iysync-staging-"))
            .flat_map(|s| {
                std::fs::read_dir(out.join(s))
                    .map(|d| d.flatten().collect::<Vec<_>>())
                    .unwrap_or_default()
            })
            .any(|e| e.metadata().is_ok_and(|m| m.len() > 0));
        if written {
            // SAFETY: kill(2) on our own child.
            unsafe { libc::kill(child.id() as i32, libc::SIGSTOP) };
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("the run ended ({status}) before a body file appeared");
        }
        assert!(Instant::now() < deadline, "no body file appeared");
        std::thread::sleep(Duration::from_millis(2));
    }
}

fn signal(child: &Child, sig: i32) {
    // SAFETY: kill(2) on our own child.
    unsafe { libc::kill(child.id() as i32, sig) };
}

/// A run interrupted while writing: exit status, no file under a final name changed, no
/// temporary left behind.
fn interrupted(target: &str, sig: i32, code: i32) {
    let dir = tempdir();
    let big = big_input(dir.path(), 300_000);
    let out = dir.path().join("out");
    // The earlier outputs.
    iysync("convert")
        .arg(fixture("messy.csv"))
        .args(["--to", target, "--out"])
        .arg(&out)
        .assert()
        .code(1);
    let before = contents(&out);
    assert!(before.len() >= 2, "{before:?}");
    let mut child = spawn_convert(
        &[
            big.as_os_str(),
            "--to".as_ref(),
            target.as_ref(),
            "--force".as_ref(),
            "--out".as_ref(),
            out.as_os_str(),
        ],
        dir.path(),
    );
    stop_when_writing(&mut child, &out);
    signal(&child, sig);
    signal(&child, libc::SIGCONT);
    let done = child.wait_with_output().expect("wait");
    assert_eq!(
        done.status.code(),
        Some(code),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    assert_eq!(
        contents(&out),
        before,
        "the earlier outputs are as they were"
    );
    assert_eq!(
        names(&out)
            .into_iter()
            .filter(|n| n.starts_with('.'))
            .collect::<Vec<_>>(),
        [".iysync.lock"],
        "no staging directory or temporary file left"
    );
}

#[test]
fn ctrl_c_during_a_large_insider_convert_leaves_the_earlier_bodies_whole() {
    interrupted("insider", libc::SIGINT, 130);
}

#[test]
fn sigterm_during_a_large_netmera_convert_leaves_the_earlier_files_whole() {
    interrupted("netmera", libc::SIGTERM, 143);
}

#[test]
fn ctrl_c_during_a_first_convert_leaves_no_file_under_a_final_name() {
    let dir = tempdir();
    let big = big_input(dir.path(), 300_000);
    let out = dir.path().join("out");
    let mut child = spawn_convert(
        &[
            big.as_os_str(),
            "--to".as_ref(),
            "insider".as_ref(),
            "--out".as_ref(),
            out.as_os_str(),
        ],
        dir.path(),
    );
    stop_when_writing(&mut child, &out);
    signal(&child, libc::SIGINT);
    signal(&child, libc::SIGCONT);
    let done = child.wait_with_output().expect("wait");
    assert_eq!(done.status.code(), Some(130));
    assert_eq!(names(&out), [".iysync.lock"]);
}

#[test]
fn ctrl_c_during_upsert_dry_run_bodies_leaves_no_file_under_a_final_name() {
    let dir = tempdir();
    let big = big_input(dir.path(), 300_000);
    let out = dir.path().join("out");
    let bin = assert_cmd::cargo::cargo_bin("iysync");
    let mut child = std::process::Command::new(bin)
        .arg("upsert")
        .args(["--now", NOW, "--no-progress", "--jobs", "2", "--dry-run"])
        .arg(&big)
        .arg("--rejects")
        .arg(dir.path().join("rejects.csv"))
        .arg("--out")
        .arg(&out)
        .env_remove("CI")
        .env("TMPDIR", dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn iysync");
    stop_when_writing(&mut child, &out);
    signal(&child, libc::SIGINT);
    signal(&child, libc::SIGCONT);
    let done = child.wait_with_output().expect("wait");
    assert_eq!(
        done.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    assert_eq!(names(&out), [".iysync.lock"], "no body under a final name");
}

/// A full disk, simulated by a file-size limit (RLIMIT_FSIZE, with SIGXFSZ ignored): the write
/// that crosses it fails with EFBIG, as a write to a full disk fails with ENOSPC. The limit is
/// above the spool's size and below email.csv's, so the failure comes while writing the output.
#[test]
fn a_write_error_mid_run_leaves_the_earlier_outputs_as_they_were() {
    use std::os::unix::process::CommandExt;
    let dir = tempdir();
    let big = big_input(dir.path(), 300_000);
    let out = dir.path().join("out");
    iysync("convert")
        .arg(fixture("messy.csv"))
        .args(["--to", "netmera", "--out"])
        .arg(&out)
        .assert()
        .code(1);
    let before = contents(&out);
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("iysync"));
    cmd.arg("convert")
        .args(["--now", NOW, "--no-progress", "--to", "netmera", "--force"])
        .arg(&big)
        .arg("--out")
        .arg(&out)
        .env("TMPDIR", dir.path());
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let limit = libc::rlimit {
                rlim_cur: 14_000 * 1024,
                rlim_max: 14_000 * 1024,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let done = cmd.output().expect("run");
    let stderr = String::from_utf8_lossy(&done.stderr);
    assert_eq!(done.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("email.csv"), "{stderr}");
    assert_eq!(
        contents(&out),
        before,
        "the earlier outputs are as they were"
    );
    assert_eq!(
        names(&out)
            .into_iter()
            .filter(|n| n.starts_with('.'))
            .collect::<Vec<_>>(),
        [".iysync.lock"]
    );
}

#[test]
fn a_second_run_on_the_same_directory_stops_naming_the_first() {
    let dir = tempdir();
    let big = big_input(dir.path(), 300_000);
    let out = dir.path().join("out");
    let mut first = spawn_convert(
        &[
            big.as_os_str(),
            "--to".as_ref(),
            "insider".as_ref(),
            "--force".as_ref(),
            "--out".as_ref(),
            out.as_os_str(),
        ],
        dir.path(),
    );
    stop_when_writing(&mut first, &out);
    iysync("convert")
        .arg(fixture("messy.csv"))
        .args(["--to", "insider", "--force", "--out"])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!("pid {}", first.id())));
    signal(&first, libc::SIGCONT);
    let done = first.wait_with_output().expect("wait");
    assert_eq!(
        done.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    // The first run's output, complete and alone.
    let files = contents(&out);
    assert_eq!(files.len(), 300, "{:?}", names(&out));
    let mut users = 0;
    for (name, bytes) in &files {
        assert!(name.starts_with("upsert-"), "{name}");
        let body = json(bytes);
        for user in body["users"].as_array().expect("users") {
            let email = user["identifiers"]["email"].as_str().unwrap_or_default();
            assert!(
                email.starts_with("user"),
                "{email} is not from the first run"
            );
            users += 1;
        }
    }
    assert_eq!(users, 300_000);
}

// ---- stdin, interrupted replacement, replacing other files, missing directories, leftovers ----

/// `iysync CMD … < path`: the binary as [`iysync`] sets it up, with `path` opened as its stdin
/// (a real redirect, not a pipe).
fn redirected(cmd: &str, path: &Path) -> std::process::Command {
    let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("iysync"));
    c.env_remove("CI")
        .env("NO_COLOR", "1")
        .arg(cmd)
        .args(["--now", NOW])
        .stdin(std::fs::File::open(path).expect("open the stdin file"));
    c
}

#[test]
fn stdin_redirected_from_a_file_is_an_input_no_output_may_replace() {
    let dir = tempdir();
    let clean = write(
        dir.path(),
        "clean.csv",
        "ayse@example.com;web;ONAY;15.05.2025 14:23:00\n",
    );
    // Implied stdin (no FILE).
    redirected("validate", &clean)
        .arg("--report")
        .arg(&clean)
        .arg("-q")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("<stdin>").and(predicate::str::contains("same file")));
    assert!(read(&clean).starts_with("ayse@"), "clean.csv was replaced");
    let data = input(dir.path(), "data.csv");
    redirected("convert", &data)
        .args(["-", "--to", "insider", "--out", "-", "--rejects"])
        .arg(&data)
        .assert()
        .code(2)
        .stdout("");
    assert_untouched(&data);
    redirected("validate", &data)
        .args(["-", "--force", "--valid-out"])
        .arg(&data)
        .assert()
        .code(2);
    assert_untouched(&data);
    // A file of the set in the output directory, replaced with --force.
    let email = input(dir.path(), "email.csv");
    redirected("convert", &email)
        .args(["--to", "netmera", "--out", ".", "--force"])
        .current_dir(dir.path())
        .assert()
        .code(2);
    assert_untouched(&email);
    // A pipe is not a file: it is read as before.
    let report = dir.path().join("r.json");
    iysync("validate")
        .arg("--report")
        .arg(&report)
        .arg("-q")
        .write_stdin(ROWS)
        .assert()
        .code(1);
    assert_eq!(json(read(&report).as_bytes())["summary"]["invalid"], 1);
}

#[test]
fn a_failed_replacement_never_leaves_two_runs_mixed() {
    let dir = tempdir();
    let small = input(dir.path(), "small.csv");
    let big = big_input(dir.path(), 300_000);
    let out = dir.path().join("o3");
    std::fs::create_dir(&out).expect("mkdir");
    // The earlier set: 30 bodies and its rejects file.
    for n in 1..=30 {
        write(&out, &format!("upsert-{n:06}.json"), "old");
    }
    write(
        &out,
        "rejects.csv",
        "\u{feff}file;line;code;message;row\nold.csv;1;x;y;z\n",
    );
    write(&out, "notes.txt", "mine");
    let mut child = spawn_convert(
        &[
            big.as_os_str(),
            "--to".as_ref(),
            "insider".as_ref(),
            "--force".as_ref(),
            "--out".as_ref(),
            out.as_os_str(),
        ],
        dir.path(),
    );
    stop_when_writing(&mut child, &out);
    // Meanwhile one file of the earlier set becomes one that cannot be removed: a non-empty
    // directory of that name.
    let obstacle = out.join("upsert-000015.json");
    std::fs::remove_file(&obstacle).expect("rm");
    std::fs::create_dir(&obstacle).expect("mkdir");
    write(&obstacle, "x", "x");
    signal(&child, libc::SIGCONT);
    let done = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&done.stderr);
    assert_eq!(done.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("incomplete") && stderr.contains("--force"),
        "{stderr}"
    );
    // Part of the earlier set and the marker; nothing of the new run.
    assert!(out.join(".iysync-incomplete").exists(), "{:?}", names(&out));
    for name in names(&out) {
        let path = out.join(&name);
        if name.starts_with('.') || path.is_dir() || name == "notes.txt" {
            continue;
        }
        assert_eq!(read(&path), "old", "{name} is from the new run");
    }
    assert!(
        !out.join("rejects.csv").exists(),
        "the earlier rejects file went first"
    );
    assert_eq!(read(&out.join("notes.txt")), "mine");
    // The next run is told what it finds (once the cause is gone).
    std::fs::remove_dir_all(&obstacle).expect("rm -r");
    iysync("convert")
        .arg(&small)
        .args(["--to", "insider", "--out"])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("incomplete set from an interrupted run")
                .and(predicate::str::contains("--force")),
        );
    // --force replaces it as usual: one run's set, alone.
    iysync("convert")
        .arg(&small)
        .args(["--to", "insider", "--force", "--out"])
        .arg(&out)
        .assert()
        .code(1);
    assert_eq!(
        names(&out),
        [
            ".iysync.lock",
            "notes.txt",
            "rejects.csv",
            "upsert-000001.json"
        ]
    );
    assert!(read(&out.join("rejects.csv")).contains("bad-email"));
    assert!(read(&out.join("upsert-000001.json")).contains("ayse@example.com"));
}

#[test]
fn rejects_and_report_replace_only_their_own_earlier_files_without_force() {
    let dir = tempdir();
    let input = input(dir.path(), "in.csv");
    let notes = write(dir.path(), "notes.txt", "my notes");
    iysync("convert")
        .arg(&input)
        .args(["--to", "insider", "--out", "-", "--rejects"])
        .arg(&notes)
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("notes.txt").and(predicate::str::contains("--force")));
    iysync("validate")
        .arg(&input)
        .arg("--report")
        .arg(&notes)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("notes.txt"));
    assert_eq!(read(&notes), "my notes");
    // The default rejects file in the output directory too.
    let n = dir.path().join("n");
    std::fs::create_dir(&n).expect("mkdir");
    write(&n, "rejects.csv", "my notes");
    iysync("convert")
        .arg(&input)
        .args(["--to", "netmera", "--out"])
        .arg(&n)
        .assert()
        .code(2);
    assert_eq!(read(&n.join("rejects.csv")), "my notes");
    // An empty file holds nothing to lose: `--report "$(mktemp)"` works.
    let empty = write(dir.path(), "empty.json", "");
    iysync("validate")
        .arg(&input)
        .arg("--report")
        .arg(&empty)
        .assert()
        .code(predicate::in_iter([0, 1]));
    assert!(
        read(&empty).contains("\"summary\""),
        "the report was written"
    );
    // An earlier run's rejects file and report are replaced without --force.
    let rejects = dir.path().join("r.csv");
    let report = dir.path().join("r.json");
    for _ in 0..2 {
        iysync("convert")
            .arg(&input)
            .args(["--to", "insider", "--out", "-", "--rejects"])
            .arg(&rejects)
            .arg("--report")
            .arg(&report)
            .assert()
            .code(1);
    }
    assert!(read(&rejects).contains("bad-email"));
    assert_eq!(json(read(&report).as_bytes())["summary"]["invalid"], 1);
    // Anything else only with --force.
    iysync("validate")
        .arg(&input)
        .arg("--report")
        .arg(&notes)
        .arg("--force")
        .assert()
        .code(1);
    assert_eq!(json(read(&notes).as_bytes())["summary"]["invalid"], 1);
}

#[test]
fn an_output_in_a_missing_directory_is_refused_before_anything_is_sent() {
    let dir = tempdir();
    let input = input(dir.path(), "in.csv");
    let said = |flag: &str| {
        predicate::str::contains(format!(
            "the directory {}/",
            dir.path().join("nd").display()
        ))
        .and(predicate::str::contains(flag))
        .and(predicate::str::contains("does not exist"))
        .and(predicate::str::contains(".part").not())
    };
    iysync("convert")
        .arg(&input)
        .args(["--to", "insider", "--out", "-", "--rejects"])
        .arg(dir.path().join("nd/r.csv"))
        .assert()
        .code(2)
        .stdout("")
        .stderr(said("--rejects"));
    iysync("validate")
        .arg(&input)
        .arg("--report")
        .arg(dir.path().join("nd/x.json"))
        .assert()
        .code(2)
        .stderr(said("--report"));
    let sim = Sim::start(SimConfig::default());
    iysync("upsert")
        .arg(&input)
        .env("INSIDER_UCD_TOKEN", "t")
        .env("INSIDER_PARTNER_NAME", "brand")
        .arg("--unification-url")
        .arg(sim.base_url())
        .arg("--journal")
        .arg(dir.path().join("j/upsert.journal"))
        .arg("--rejects")
        .arg(dir.path().join("nd/r.csv"))
        .assert()
        .code(2)
        .stderr(said("--rejects"));
    assert_eq!(sim.requests_total(), 0, "nothing was sent");
    assert!(!dir.path().join("nd").exists());
    // The --out directory itself is still created, with the rejects file in it.
    let out = dir.path().join("new/out");
    iysync("convert")
        .arg(&input)
        .args(["--to", "netmera", "--out"])
        .arg(&out)
        .assert()
        .code(1);
    assert!(out.join("rejects.csv").exists());
}

#[test]
fn leftovers_of_killed_runs_are_removed_by_the_next_run() {
    let dir = tempdir();
    let input = input(dir.path(), "in.csv");
    let out = dir.path().join("out");
    iysync("convert")
        .arg(&input)
        .args(["--to", "netmera", "--out"])
        .arg(&out)
        .assert()
        .code(1);
    // What a SIGKILL mid-run leaves: a staging directory full of bodies, a temporary file.
    let staging = out.join(".iysync-staging-AbC123");
    std::fs::create_dir(&staging).expect("mkdir");
    write(&staging, "email.csv", "ayse@example.com;...\n");
    write(&out, ".iysync-Xy12Z9.part", "half a rejects file");
    iysync("convert")
        .arg(&input)
        .args(["--to", "netmera", "--force", "--out"])
        .arg(&out)
        .assert()
        .code(1);
    assert_eq!(
        names(&out),
        [".iysync.lock", "email.csv", "rejects.csv", "sms.csv"]
    );
}
