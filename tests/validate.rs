//! `iysync validate` end to end: the real binary on the fixtures, every format and exit code.

mod support;

use predicates::prelude::*;
use support::*;

fn messy_json() -> serde_json::Value {
    let out = iysync("validate")
        .arg(fixture("messy.csv"))
        .args(["--format", "json"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    json(&out)
}

#[test]
fn clean_files_exit_0() {
    for f in ["email-clean.csv", "sms-clean.csv"] {
        iysync("validate")
            .arg(fixture(f))
            .assert()
            .code(0)
            .stderr(predicate::str::contains(
                "5 rows read: 5 valid (0 fixed), 0 invalid",
            ));
    }
}

#[test]
fn messy_file_reports_every_reason_code_and_exits_1() {
    let doc = messy_json();
    let codes: std::collections::BTreeSet<String> = doc["problems"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p["code"].as_str().map(String::from))
        .collect();
    for code in [
        "field_count",
        "empty_recipient",
        "invalid_email",
        "invalid_phone",
        "not_mobile",
        "invalid_permission",
        "invalid_timestamp",
        "timestamp_too_early",
        "timestamp_in_future",
        "empty_platform",
        "unbalanced_quote",
        "conflict",
        "withheld",
        "fix_whitespace",
        "fix_quotes",
        "fix_email",
        "fix_phone_format",
        "fix_permission_case",
        "fix_timestamp_format",
        "fix_trailing_separator",
    ] {
        assert!(codes.contains(code), "{code} missing from {codes:?}");
    }
    let s = &doc["summary"];
    assert_eq!(s["rows"], 27);
    assert_eq!(s["valid"], 14);
    assert_eq!(s["invalid"], 13);
    assert_eq!(s["blank"], 1);
    assert_eq!(s["fixed"], 9);
    assert_eq!(s["duplicates"], 2);
    assert_eq!(s["conflicts"], 1);
    assert_eq!(s["by_channel"]["email"], 8);
    assert_eq!(s["by_channel"]["sms"], 6);
    assert_eq!(s["by_permission"]["ONAY"], 10);
    assert_eq!(s["by_permission"]["RET"], 4);
    assert_eq!(s["resolved"]["withheld"], 1);
    assert_eq!(
        s["rows"],
        s["valid"].as_u64().unwrap_or(0) + s["invalid"].as_u64().unwrap_or(0)
    );
}

#[test]
fn every_problem_carries_file_line_field_code_severity_message() {
    let doc = messy_json();
    for p in doc["problems"].as_array().into_iter().flatten() {
        for key in ["file", "line", "field", "code", "severity", "message"] {
            assert!(!p[key].is_null(), "{key} missing in {p}");
        }
        assert!(p["file"].as_str().is_some_and(|f| f.ends_with("messy.csv")));
        assert!(p["line"].as_u64().is_some_and(|l| (1..=28).contains(&l)));
    }
    // The withheld key is reported on the invalid RET row's line; the conflict on the winner's.
    let find = |code: &str| {
        doc["problems"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|p| p["code"] == code)
            .map(|p| (p["line"].as_u64(), p["severity"].clone()))
    };
    assert_eq!(find("withheld"), Some((Some(28), "warning".into())));
    assert_eq!(find("conflict"), Some((Some(25), "warning".into())));
    assert_eq!(find("field_count"), Some((Some(10), "error".into())));
}

#[test]
fn rows_after_an_unclosed_quote_are_read() {
    let doc = messy_json();
    let lines: Vec<u64> = doc["problems"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["code"] == "unbalanced_quote")
        .filter_map(|p| p["line"].as_u64())
        .collect();
    assert_eq!(lines, [21]);
    // Line 22 onwards still counted: 6 valid rows follow the broken one.
    assert_eq!(doc["summary"]["valid"], 14);
}

#[test]
fn text_format_goes_to_stderr_with_locations() {
    iysync("validate")
        .arg(fixture("messy.csv"))
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains(
            "messy.csv:12: error[invalid_email] recipient:",
        ))
        .stderr(predicate::str::contains("messy.csv:28: warning[withheld]"))
        .stderr(predicate::str::contains("27 rows read"));
}

#[test]
fn jsonl_is_one_problem_per_line_and_a_final_summary() {
    let out = iysync("validate")
        .arg(fixture("messy.csv"))
        .args(["--format", "jsonl"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8_lossy(&out);
    let lines: Vec<serde_json::Value> = text.lines().map(|l| json(l.as_bytes())).collect();
    let (last, problems) = lines.split_last().unwrap_or_else(|| panic!("no output"));
    assert_eq!(last["summary"]["invalid"], 13);
    assert!(
        problems
            .iter()
            .all(|p| p["code"].is_string() && p["line"].is_u64())
    );
    assert_eq!(
        problems.len(),
        messy_json()["problems"].as_array().map_or(0, Vec::len)
    );
}

#[test]
fn github_annotations_for_errors_and_warnings_only() {
    let out = iysync("validate")
        .arg(fixture("messy.csv"))
        .args(["--format", "github"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8_lossy(&out);
    let errors = text
        .lines()
        .filter(|l| l.starts_with("::error file="))
        .count();
    let warnings = text
        .lines()
        .filter(|l| l.starts_with("::warning file="))
        .count();
    assert_eq!(errors, 13, "{text}");
    assert_eq!(warnings, 2, "{text}");
    assert!(!text.contains("fix_"), "fixes are not annotated: {text}");
    assert!(text.contains("line=12,title=invalid_email::"));
}

#[test]
fn github_annotates_fixes_as_errors_under_strict() {
    let out = iysync("validate")
        .arg(fixture("messy.csv"))
        .args(["--format", "github", "--strict"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8_lossy(&out);
    assert!(
        text.lines()
            .any(|l| l.starts_with("::error") && l.contains("title=fix_phone_format")),
        "{text}"
    );
}

#[test]
fn junit_has_one_failing_case_per_invalid_row() {
    let out = iysync("validate")
        .arg(fixture("messy.csv"))
        .args(["--format", "junit"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8_lossy(&out);
    assert!(text.starts_with("<?xml"));
    assert_eq!(text.matches("<failure ").count(), 13);
    assert!(text.contains("failures=\"13\""));
    assert!(text.contains("tests=\"27\""));
    assert!(text.trim_end().ends_with("</testsuites>"));
}

#[test]
fn max_problems_limits_printing_not_counting() {
    let out = iysync("validate")
        .arg(fixture("messy.csv"))
        .args(["--format", "json", "--max-problems", "3"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let doc = json(&out);
    assert_eq!(doc["problems"].as_array().map(Vec::len), Some(3));
    assert!(doc["problems_omitted"].as_u64().is_some_and(|n| n > 0));
    assert_eq!(doc["summary"]["invalid"], 13);
    iysync("validate")
        .arg(fixture("messy.csv"))
        .args(["--max-problems", "2"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "more problems not shown (--max-problems 2)",
        ))
        .stderr(predicate::str::contains("13 invalid"));
}

#[test]
fn report_file_holds_the_same_summary_and_every_problem() {
    let dir = tempdir();
    let report = dir.path().join("report.json");
    iysync("validate")
        .arg(fixture("messy.csv"))
        .args(["--max-problems", "1"])
        .arg("--report")
        .arg(&report)
        .assert()
        .code(1);
    let doc = json(read(&report).as_bytes());
    let printed = messy_json();
    assert_eq!(doc["summary"], printed["summary"]);
    assert_eq!(doc["problems"], printed["problems"]);
    assert!(doc.get("upload").is_none());
}

#[test]
fn stdin_dash_and_piped_stdin_are_read() {
    let data = std::fs::read(fixture("email-clean.csv")).unwrap_or_default();
    iysync("validate")
        .arg("-")
        .write_stdin(data.clone())
        .assert()
        .code(0)
        .stderr(predicate::str::contains("5 rows read"));
    iysync("validate")
        .write_stdin(data)
        .assert()
        .code(0)
        .stderr(predicate::str::contains("5 rows read"));
}

#[test]
fn several_files_are_one_stream_with_per_file_lines() {
    let out = iysync("validate")
        .arg(fixture("email-clean.csv"))
        .arg(fixture("messy.csv"))
        .args(["--format", "json"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let doc = json(&out);
    assert_eq!(doc["summary"]["rows"], 32);
    // ayse.yilmaz, mehmet.demir and zeynep.kaya are valid in both files: duplicates across files.
    assert_eq!(doc["summary"]["duplicates"], 5);
    let first = &doc["problems"][0];
    assert!(
        first["file"]
            .as_str()
            .is_some_and(|f| f.ends_with("messy.csv"))
    );
}

#[test]
fn gzip_input_gives_the_same_result() {
    let dir = tempdir();
    let plain = std::fs::read(fixture("messy.csv")).unwrap_or_default();
    let gz = write(dir.path(), "messy.csv.gz", gzip(&plain));
    let out = iysync("validate")
        .arg(&gz)
        .args(["--format", "json"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    assert_eq!(json(&out)["summary"], messy_json()["summary"]);
    // gzip through stdin too.
    iysync("validate")
        .write_stdin(gzip(&plain))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("27 rows read"));
}

#[test]
fn bom_and_crlf_are_not_fixes() {
    let dir = tempdir();
    let f = write(
        dir.path(),
        "bom.csv",
        "\u{feff}user@example.com;web;ONAY;15.05.2025 14:23:00\r\n905321234567;SMS;RET;15.05.2025 14:23:00\r\n",
    );
    iysync("validate")
        .arg(&f)
        .assert()
        .code(0)
        .stderr(predicate::str::contains("2 valid (0 fixed)"));
}

#[test]
fn legacy_turkish_encodings() {
    iysync("validate")
        .arg(fixture("windows-1254.csv"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("invalid_encoding"))
        .stderr(predicate::str::contains("--encoding windows-1254"));
    for enc in ["windows-1254", "iso-8859-9"] {
        let dir = tempdir();
        let valid = dir.path().join("valid.csv");
        iysync("validate")
            .arg(fixture("windows-1254.csv"))
            .args(["--encoding", enc])
            .arg("--valid-out")
            .arg(&valid)
            .assert()
            .code(0)
            .stderr(predicate::str::contains("2 valid (0 fixed)"));
        let text = read(&valid);
        assert!(text.contains("Gülşen Işık"), "{text}");
        assert!(text.contains("Iğdır-Şanlıurfa"), "{text}");
    }
}

#[test]
fn valid_and_invalid_out() {
    let dir = tempdir();
    let valid = dir.path().join("valid.csv");
    let invalid = dir.path().join("invalid.csv");
    iysync("validate")
        .arg(fixture("messy.csv"))
        .arg("--valid-out")
        .arg(&valid)
        .arg("--invalid-out")
        .arg(&invalid)
        .assert()
        .code(1);
    let v = read(&valid);
    // 14 valid rows: kemal.dogan's is withheld; irem.yildiz's ONAY lost its tie with her RET.
    assert_eq!(v.lines().count(), 12);
    assert!(
        v.starts_with("ayse.yilmaz@example.com;EMAIL;ONAY;15.05.2025 14:23:00;user123\n"),
        "{v}"
    );
    assert!(
        v.contains("\n905321234567;SMS;RET;05.06.2025 09:05:00\n"),
        "{v}"
    );
    assert!(
        v.contains("\n905051112233;SMS;ONAY;08.06.2025 10:00:00\n"),
        "{v}"
    );
    assert!(!v.contains("; "));
    let i = read(&invalid);
    assert_eq!(i.lines().count(), 13);
    assert!(
        i.contains("gizem.kurt@example.com;\"web;ONAY;10.06.2025 10:00:00"),
        "{i}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for p in [&valid, &invalid] {
            let mode = std::fs::metadata(p)
                .map(|m| m.permissions().mode() & 0o777)
                .unwrap_or(0);
            assert_eq!(mode, 0o600);
        }
    }
    // Existing outputs are not overwritten without --force.
    iysync("validate")
        .arg(fixture("messy.csv"))
        .arg("--valid-out")
        .arg(&valid)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("already exists; pass --force"));
}

#[test]
fn strict_counts_fixed_rows_as_invalid() {
    let out = iysync("validate")
        .arg(fixture("messy.csv"))
        .args(["--format", "json", "--strict"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let s = &json(&out)["summary"];
    assert_eq!(s["valid"], 5);
    assert_eq!(s["invalid"], 22);
    assert_eq!(s["fixed"], 0);
}

#[test]
fn channel_forces_one_kind() {
    let out = iysync("validate")
        .arg(fixture("email-clean.csv"))
        .arg(fixture("sms-clean.csv"))
        .args(["--format", "json", "--channel", "sms"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let doc = json(&out);
    assert_eq!(doc["summary"]["invalid"], 5);
    assert!(
        doc["problems"]
            .as_array()
            .into_iter()
            .flatten()
            .all(|p| p["code"] == "wrong_channel")
    );
}

#[test]
fn ci_redacts_every_recipient_everywhere() {
    let data = read(&fixture("messy.csv"));
    let secrets = recipients_of(&data);
    assert!(secrets.len() > 20);
    let dir = tempdir();
    for format in ["text", "json", "jsonl", "github", "junit"] {
        let report = dir.path().join(format!("{format}.json"));
        let out = iysync("validate")
            .env("CI", "true")
            .arg(fixture("messy.csv"))
            .args(["--format", format])
            .arg("--report")
            .arg(&report)
            .assert()
            .code(1)
            .get_output()
            .clone();
        let all = format!(
            "{}{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            read(&report)
        );
        for s in &secrets {
            assert!(!all.contains(s.as_str()), "{format}: {s} leaked");
        }
        assert!(
            all.contains("k***@localhost"),
            "{format}: masked form expected"
        );
    }
}

#[test]
fn redact_flag_masks_phone_numbers() {
    iysync("validate")
        .arg(fixture("messy.csv"))
        .arg("--redact")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("0532 ABC 45 67").not())
        .stderr(predicate::str::contains("0***"));
}

#[test]
fn terminal_escapes_in_fields_are_neutralised() {
    let dir = tempdir();
    let f = write(
        dir.path(),
        "evil.csv",
        "user@example.com;web;\x1b]0;pwned\x07;15.05.2025 14:23:00\n",
    );
    let out = iysync("validate")
        .arg(&f)
        .assert()
        .code(1)
        .get_output()
        .clone();
    assert!(
        !out.stderr.contains(&0x1b),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!out.stderr.contains(&0x07));
}

#[test]
fn usage_and_io_errors_exit_2() {
    iysync("validate")
        .arg("/no/such/file.csv")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot open /no/such/file.csv"));
    iysync("validate")
        .arg(fixture("email-clean.csv"))
        .args(["--timezone", "Mars/Olympus"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not an IANA time zone"));
    bare()
        .args(["validate", "--now", "yesterday"])
        .arg(fixture("email-clean.csv"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("RFC 3339"));
    bare()
        .args(["validate", "--format", "xml"])
        .assert()
        .code(2);
}

#[test]
fn timezone_shifts_future_check() {
    let dir = tempdir();
    // 22.11.2026 10:00 UTC is 13:00 in Istanbul: after --now (12:00 +03:00).
    let f = write(
        dir.path(),
        "tz.csv",
        "user@example.com;web;ONAY;22.11.2026 10:00:00\n",
    );
    iysync("validate").arg(&f).assert().code(0);
    iysync("validate")
        .arg(&f)
        .args(["--timezone", "UTC"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("timestamp_in_future"));
}

#[test]
fn quiet_prints_no_summary() {
    iysync("validate")
        .arg(fixture("email-clean.csv"))
        .arg("-q")
        .assert()
        .code(0)
        .stderr("");
}

#[test]
fn closed_stdout_is_not_an_error() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let dir = tempdir();
    let mut data = String::new();
    for i in 0..50_000 {
        data.push_str(&format!("bad{i}@localhost;web;ONAY;15.05.2025 14:23:00\n"));
    }
    let f = write(dir.path(), "many.csv", data);
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("iysync"))
        .args(["validate", "--format", "jsonl", "--now", NOW])
        .arg(&f)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    // Read one line, then close the pipe, like `| head -1`.
    let mut stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
    let mut first = [0u8; 16];
    let _ = std::io::Read::read(&mut stdout, &mut first);
    drop(stdout);
    let out = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    let _ = std::io::stderr().flush();
    // Not an error: the run goes on without stdout, and its exit code still tells the truth
    // about the data (every row here is invalid), so `| head` cannot turn a CI gate green.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("50,000 rows read"), "{stderr}");
    assert!(
        !stderr.contains("Broken pipe") && !stderr.contains("panicked"),
        "{stderr}"
    );
}

#[test]
fn valid_out_leaves_withheld_keys_out() {
    let dir = tempdir();
    let valid = dir.path().join("valid.csv");
    iysync("validate")
        .arg(fixture("messy.csv"))
        .arg("--valid-out")
        .arg(&valid)
        .assert()
        .code(1);
    let v = read(&valid);
    assert!(!v.contains("kemal.dogan"), "{v}");
    assert!(!v.contains("irem.yildiz@example.com;web;ONAY"), "{v}");
    assert_eq!(v.lines().count(), 12);
}

#[test]
fn color_is_chosen_by_flag_and_no_color() {
    let colored = bare()
        .args(["validate", "--now", NOW, "--color", "always"])
        .arg(fixture("messy.csv"))
        .assert()
        .code(1)
        .get_output()
        .stderr
        .clone();
    assert!(
        colored.windows(2).any(|w| w == b"\x1b["),
        "--color always colours"
    );
    for (flag, no_color) in [("never", None), ("auto", Some("1"))] {
        let mut c = bare();
        c.args(["validate", "--now", NOW, "--color", flag])
            .arg(fixture("messy.csv"));
        match no_color {
            Some(v) => c.env("NO_COLOR", v),
            None => c.env_remove("NO_COLOR"),
        };
        let plain = c.assert().code(1).get_output().stderr.clone();
        assert!(!plain.contains(&0x1b), "--color {flag} must not colour");
    }
}

#[test]
fn summary_gives_elapsed_time_and_rate() {
    iysync("validate")
        .arg(fixture("email-clean.csv"))
        .assert()
        .code(0)
        .stderr(
            predicate::str::is_match(r"\d+\.\d\d s, [\d,]+ rows/s")
                .unwrap_or_else(|e| panic!("{e}")),
        );
}

#[test]
fn reports_are_identical_for_any_number_of_jobs() {
    let dir = tempdir();
    let mut data = String::new();
    let messy = read(&fixture("messy.csv"));
    for _ in 0..400 {
        data.push_str(&messy);
    }
    let f = write(dir.path(), "big.csv", data);
    let run = |jobs: &str| {
        let out = iysync("validate")
            .arg(&f)
            .args(["--format", "json", "--jobs", jobs])
            .assert()
            .code(1)
            .get_output()
            .stdout
            .clone();
        let mut doc = json(&out);
        doc["timing"] = serde_json::Value::Null;
        doc
    };
    let one = run("1");
    assert_eq!(one["summary"]["rows"], 27 * 400);
    assert_eq!(one, run("2"));
    assert_eq!(one, run("3"));
}
