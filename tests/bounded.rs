//! Inputs that used to cost memory out of proportion: blank lines, very short lines, many
//! problems in `--format json`. Behaviour only (no timing, no memory figures: those are in
//! `scripts/bench.sh`).

mod support;

use support::*;

#[test]
fn blank_lines_are_counted_and_the_lines_after_them_keep_their_numbers() {
    let dir = tempdir();
    let mut data = "\n".repeat(300_000);
    data.push_str("user@example.com;web;ONAY;15.05.2025 14:23:00\n");
    data.push_str(&"\r\n".repeat(20_000));
    data.push_str("not-an-address;web;ONAY;15.05.2025 14:23:00\n");
    let f = write(dir.path(), "blank.csv", data);
    for jobs in ["1", "2"] {
        let out = iysync("validate")
            .arg(&f)
            .args(["--format", "json", "--jobs", jobs])
            .assert()
            .code(1)
            .get_output()
            .stdout
            .clone();
        let doc = json(&out);
        assert_eq!(doc["summary"]["blank"], 320_000, "jobs {jobs}");
        assert_eq!(doc["summary"]["rows"], 2, "jobs {jobs}");
        assert_eq!(doc["problems"][0]["line"], 320_002, "jobs {jobs}");
    }
}

#[test]
fn files_of_very_short_lines_keep_every_line_number() {
    // Chunks of many short lines are judged in pieces; every line keeps its number.
    let dir = tempdir();
    let data: String = (0..50_000)
        .map(|i| if i % 3 == 0 { "\n" } else { "x\n" })
        .collect();
    let f = write(dir.path(), "short.csv", data);
    for jobs in ["1", "2"] {
        let out = iysync("validate")
            .arg(&f)
            .args(["--format", "jsonl", "--jobs", jobs])
            .assert()
            .code(1)
            .get_output()
            .stdout
            .clone();
        let text = String::from_utf8_lossy(&out);
        let lines: Vec<u64> = text
            .lines()
            .map(|l| json(l.as_bytes()))
            .filter(|v| v["type"] != "summary" && v.get("summary").is_none())
            .filter_map(|v| v["line"].as_u64())
            .collect();
        let expected: Vec<u64> = (1..=50_000u64).filter(|n| (n - 1) % 3 != 0).collect();
        assert_eq!(lines, expected, "jobs {jobs}");
    }
}

#[test]
fn json_goes_out_as_it_is_found_and_a_closed_stdout_is_not_an_error() {
    use std::process::{Command, Stdio};
    let dir = tempdir();
    let mut data = String::new();
    for i in 0..60_000 {
        // Three problems a row: recipient, permission, timestamp.
        data.push_str(&format!("bad{i};web;RED;31.02.2025 14:23:00\n"));
    }
    let f = write(dir.path(), "bad.csv", data);
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("iysync"))
        .args([
            "validate",
            "--format",
            "json",
            "--no-progress",
            "--now",
            NOW,
        ])
        .arg(&f)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    // Like `| head -c 10`: the start of the document, then the pipe is closed.
    let mut stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
    let mut first = [0u8; 10];
    let _ = std::io::Read::read_exact(&mut stdout, &mut first);
    drop(stdout);
    let out = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(&first, b"{\"schema\":", "{stderr}");
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("60,000 rows read"), "{stderr}");
    assert!(
        !stderr.contains("Broken pipe") && !stderr.contains("panicked"),
        "{stderr}"
    );
}
