//! Reports for people (SPEC §12): counts by code, at most 20 printed problems per code, `-q`,
//! grouped numbers and count agreement, the schema and `type` of the machine formats, Turkish.

mod support;

use support::*;

/// `n` rows with an invalid email and one with too few fields.
fn many_bad_emails(dir: &std::path::Path, n: usize) -> std::path::PathBuf {
    let mut text = String::new();
    for i in 0..n {
        text.push_str(&format!("user{i}@localhost;web;ONAY;01.06.2025 10:00:00\n"));
    }
    text.push_str("a@example.com;web\n");
    write(dir, "bad.csv", text)
}

fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn at_most_20_problems_per_code_are_printed_and_the_rest_counted() {
    let dir = tempdir();
    let input = many_bad_emails(dir.path(), 1204);
    let report = dir.path().join("r.json");
    let out = iysync("validate")
        .arg(&input)
        .arg("--report")
        .arg(&report)
        .assert()
        .code(1)
        .get_output()
        .clone();
    let err = stderr_of(&out);
    assert_eq!(err.matches("error[invalid_email]").count(), 20, "{err}");
    assert_eq!(err.matches("error[field_count]").count(), 1, "{err}");
    assert!(err.contains("… and 1,184 more invalid_email"), "{err}");
    assert!(!err.contains("more field_count"), "{err}");
    assert!(
        err.contains("errors: invalid_email 1,204, field_count 1"),
        "{err}"
    );
    assert!(err.contains("1,205 rows read"), "{err}");
    // The report still carries every problem.
    let doc = json(read(&report).as_bytes());
    assert_eq!(doc["schema"], "iysync.report/1");
    let problems = doc["problems"].as_array().map(Vec::len).unwrap_or(0);
    assert_eq!(problems, 1205);
}

#[test]
fn convert_prints_20_per_code_and_keeps_every_reject() {
    let dir = tempdir();
    let input = many_bad_emails(dir.path(), 30);
    let out_dir = dir.path().join("out");
    let out = iysync("convert")
        .arg(&input)
        .args(["--to", "netmera", "--out"])
        .arg(&out_dir)
        .assert()
        .code(1)
        .get_output()
        .clone();
    let err = stderr_of(&out);
    assert_eq!(err.matches("error[invalid_email]").count(), 20, "{err}");
    assert!(err.contains("… and 10 more invalid_email"), "{err}");
    let rejects = read(&out_dir.join("rejects.csv"));
    assert_eq!(rejects.lines().count(), 1 + 31, "{rejects}");
}

#[test]
fn quiet_prints_nothing_on_stderr() {
    let dir = tempdir();
    let input = many_bad_emails(dir.path(), 3);
    let out = iysync("validate")
        .arg(&input)
        .arg("-q")
        .assert()
        .code(1)
        .get_output()
        .clone();
    assert_eq!(stderr_of(&out), "", "validate -q");
    let out = iysync("convert")
        .arg(&input)
        .args(["-q", "--to", "netmera", "--out"])
        .arg(dir.path().join("out"))
        .assert()
        .code(1)
        .get_output()
        .clone();
    assert_eq!(stderr_of(&out), "", "convert -q");
    // An error that stops the run is still printed.
    let out = iysync("validate")
        .arg(dir.path().join("missing.csv"))
        .arg("-q")
        .assert()
        .get_output()
        .clone();
    assert!(!stderr_of(&out).is_empty());
}

#[test]
fn nouns_agree_with_their_counts() {
    let dir = tempdir();
    let input = write(
        dir.path(),
        "one.csv",
        "a@example.com;web;ONAY;01.06.2025 10:00:00\n",
    );
    let out = iysync("convert")
        .arg(&input)
        .args(["--to", "insider", "--out"])
        .arg(dir.path().join("out"))
        .assert()
        .code(0)
        .get_output()
        .clone();
    let err = stderr_of(&out);
    assert!(err.contains("1 row read:"), "{err}");
    assert!(err.contains("0 duplicates, 0 conflicts"), "{err}");
    assert!(err.contains("wrote 1 record in 1 file to"), "{err}");
}

#[test]
fn jsonl_lines_say_what_they_are() {
    let out = iysync("validate")
        .arg(fixture("messy.csv"))
        .args(["--format", "jsonl"])
        .assert()
        .code(1)
        .get_output()
        .clone();
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<serde_json::Value> = text.lines().map(|l| json(l.as_bytes())).collect();
    let (last, problems) = lines.split_last().unwrap_or_else(|| panic!("no lines"));
    assert!(problems.iter().all(|l| l["type"] == "problem"));
    assert_eq!(last["type"], "summary");
    assert_eq!(last["schema"], "iysync.report/1");
}

#[test]
fn no_rows_no_rate() {
    let dir = tempdir();
    let input = write(dir.path(), "empty.csv", "\n\n");
    let report = dir.path().join("r.json");
    let out = iysync("validate")
        .arg(&input)
        .arg("--report")
        .arg(&report)
        .assert()
        .code(0)
        .get_output()
        .clone();
    let err = stderr_of(&out);
    assert!(!err.contains("rows/s"), "{err}");
    let doc = json(read(&report).as_bytes());
    assert!(doc["timing"]["elapsed_seconds"].is_number());
    assert!(doc["timing"].get("rows_per_second").is_none(), "{doc}");
}

#[test]
fn turkish_from_the_environment_and_from_lang() {
    let dir = tempdir();
    let input = many_bad_emails(dir.path(), 1500);
    let run = |cmd: &mut assert_cmd::Command| stderr_of(&cmd.assert().code(1).get_output().clone());
    let by_env = run(iysync("validate").arg(&input).env("LANG", "tr_TR.UTF-8"));
    assert!(by_env.contains("1.501 satır okundu"), "{by_env}");
    assert!(
        by_env.contains("1.500 geçersiz") || by_env.contains("1.501 geçersiz"),
        "{by_env}"
    );
    assert!(by_env.contains("hatalar: invalid_email 1.500"), "{by_env}");
    assert!(
        by_env.contains("… ve invalid_email kodlu 1.480 sorun daha"),
        "{by_env}"
    );
    assert!(
        by_env.contains("\"user0@localhost\" geçerli bir e-posta adresi değil"),
        "{by_env}"
    );
    // LC_ALL wins over LANG; --lang wins over both.
    let by_lc_all = run(iysync("validate")
        .arg(&input)
        .env("LANG", "tr_TR.UTF-8")
        .env("LC_ALL", "en_US.UTF-8"));
    assert!(by_lc_all.contains("1,501 rows read"), "{by_lc_all}");
    let by_flag = run(iysync("validate")
        .arg(&input)
        .args(["--lang", "tr"])
        .env("LC_ALL", "en_US.UTF-8"));
    assert!(by_flag.contains("1.501 satır okundu"), "{by_flag}");
}

#[test]
fn the_rejects_message_column_is_turkish_and_the_header_is_not() {
    let dir = tempdir();
    let input = many_bad_emails(dir.path(), 2);
    let out_dir = dir.path().join("out");
    iysync("convert")
        .arg(&input)
        .args(["--lang", "tr", "--to", "netmera", "--out"])
        .arg(&out_dir)
        .assert()
        .code(1);
    let rejects = read(&out_dir.join("rejects.csv"));
    assert!(
        rejects.starts_with("\u{feff}file;line;code;message;row"),
        "{rejects}"
    );
    assert!(
        rejects
            .contains(";invalid_email;\"\"\"user0@localhost\"\" geçerli bir e-posta adresi değil"),
        "{rejects}"
    );
}

/// A legacy export's hint (`--encoding windows-1254`) is printed once, after the summary, not on
/// every `invalid_encoding` line (SPEC §12: file-level hints once), in both languages.
#[test]
fn the_encoding_hint_is_printed_once() {
    for (lang, hint) in [("en", "hint: "), ("tr", "ipucu: ")] {
        let out = iysync("validate")
            .arg(fixture("windows-1254.csv"))
            .args(["--lang", lang])
            .assert()
            .code(1)
            .get_output()
            .clone();
        let err = stderr_of(&out);
        assert!(err.contains("invalid_encoding"), "{err}");
        assert_eq!(err.matches("--encoding windows-1254").count(), 1, "{err}");
        assert!(
            err.lines()
                .any(|l| l.trim_start().starts_with(hint) && l.contains("windows-1254")),
            "{err}"
        );
    }
}
