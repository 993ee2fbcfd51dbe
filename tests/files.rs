//! Real-world files (SPEC §8): the reproductions of issue 10, run through the real binary.

mod support;

use support::{iysync, read, tempdir, write};

const A: &[u8] = b"x@example.com;web;ONAY;01.05.2025 10:00:00\n";
const MAC: &[u8] =
    b"y@example.com;web;ONAY;15.05.2025 10:00:00\rx@example.com;web;RET;15.05.2025 10:00:00\r";

fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
    let mut out = if big_endian {
        vec![0xFE, 0xFF]
    } else {
        vec![0xFF, 0xFE]
    };
    for unit in text.encode_utf16() {
        out.extend_from_slice(&if big_endian {
            unit.to_be_bytes()
        } else {
            unit.to_le_bytes()
        });
    }
    out
}

/// The NDJSON bodies of `convert --to insider --out -`, as one string.
fn insider_out(files: &[&std::path::Path]) -> String {
    let out = iysync("convert")
        .args(files)
        .args(["--to", "insider", "--out", "-", "--no-progress"])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

fn x_opted_out(bodies: &str) {
    assert!(
        bodies.contains(
            r#"{"identifiers":{"email":"x@example.com"},"attributes":{"email_optin":false}}"#
        ),
        "x's latest word is RET: {bodies}"
    );
    assert!(!bodies.contains(r#""email":"x@example.com"},"attributes":{"email_optin":true}"#));
}

#[test]
fn a_classic_mac_csv_is_read_as_its_records() {
    let dir = tempdir();
    let a = write(dir.path(), "a.csv", A);
    let mac = write(dir.path(), "mac.csv", MAC);
    let bodies = insider_out(&[&a, &mac]);
    x_opted_out(&bodies);
    assert!(bodies.contains(r#""email":"y@example.com"},"attributes":{"email_optin":true}"#));
}

#[test]
fn a_utf16_file_with_a_bom_holding_the_ret_is_decoded() {
    let text = "y@example.com;web;ONAY;15.05.2025 10:00:00\r\nx@example.com;web;RET;15.05.2025 10:00:00\r\n";
    for be in [false, true] {
        let dir = tempdir();
        let a = write(dir.path(), "a.csv", A);
        let u = write(dir.path(), "unicode.txt", utf16(text, be));
        x_opted_out(&insider_out(&[&a, &u]));
        // Reported once as a file-level fact: in the report's "files" and on stderr.
        let report = dir.path().join("r.json");
        let out = iysync("validate")
            .arg(&u)
            .arg("--report")
            .arg(&report)
            .output()
            .expect("runs");
        assert!(out.status.success());
        let v: serde_json::Value = serde_json::from_str(&read(&report)).expect("json");
        let enc = if be { "utf-16be" } else { "utf-16le" };
        assert_eq!(v["files"][0]["encoding"], enc);
        assert_eq!(v["files"][0]["bom"], true);
        assert_eq!(v["files"][0]["line_ends"], "crlf");
        assert_eq!(v["summary"]["rows"], 2);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let label = if be { "UTF-16BE" } else { "UTF-16LE" };
        assert_eq!(stderr.matches(label).count(), 1, "{stderr}");
    }
}

#[test]
fn an_xlsx_workbook_is_refused_before_anything_is_written() {
    let dir = tempdir();
    let a = write(dir.path(), "a.csv", A);
    let xlsx = write(
        dir.path(),
        "consents.xlsx",
        b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00",
    );
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).expect("mkdir");
    let report = dir.path().join("r.json");
    let out = iysync("convert")
        .arg(&a)
        .arg(&xlsx)
        .args(["--to", "netmera", "--no-progress", "--out"])
        .arg(&out_dir)
        .arg("--report")
        .arg(&report)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("consents.xlsx is a ZIP archive"),
        "{stderr}"
    );
    assert!(stderr.contains("save it as CSV UTF-8"), "{stderr}");
    let left: Vec<_> = std::fs::read_dir(&out_dir).expect("read_dir").collect();
    assert!(left.is_empty(), "nothing is written: {left:?}");
    assert!(!report.exists());
    // Uploads stop before anything is sent (no token needed to be refused first).
    let out = iysync("upsert")
        .arg(&xlsx)
        .args(["--dry-run", "--partner", "p", "--no-progress"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_file_with_nul_bytes_and_no_bom_is_refused() {
    let dir = tempdir();
    // UTF-16LE without its BOM.
    let mut data = utf16("x@example.com;web;RET;15.05.2025 10:00:00\n", false);
    data.drain(..2);
    let f = write(dir.path(), "nobom.csv", data);
    let out = iysync("validate").arg(&f).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("nobom.csv is a binary file, or UTF-16 text without a byte-order mark"),
        "{stderr}"
    );
    assert!(stderr.contains("save it as CSV UTF-8"), "{stderr}");
    // From stdin too, classified when it is reached.
    let out = iysync("validate")
        .arg("-")
        .write_stdin(std::fs::read(&f).expect("read"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_comma_file_is_refused_with_the_hint_and_read_with_the_flag() {
    let dir = tempdir();
    let f = write(
        dir.path(),
        "comma.csv",
        "x@example.com,web,ONAY,01.05.2025 10:00:00\r\ny@example.com,web,RET,01.05.2025 10:00:00\r\n",
    );
    let out = iysync("validate").arg(&f).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--delimiter ,"), "{stderr}");
    let out_dir = dir.path().join("n");
    let out = iysync("convert")
        .arg(&f)
        .args([
            "--delimiter",
            ",",
            "--to",
            "netmera",
            "--no-progress",
            "--out",
        ])
        .arg(&out_dir)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Outputs stay `;`-separated (Netmera's format).
    assert_eq!(
        read(&out_dir.join("email.csv")),
        "x@example.com;web;ONAY;01.05.2025 10:00:00\ny@example.com;web;RET;01.05.2025 10:00:00\n"
    );
    // Tabs likewise.
    let t = write(
        dir.path(),
        "t.tsv",
        "x@example.com\tweb\tONAY\t01.05.2025 10:00:00\n",
    );
    let out = iysync("validate").arg(&t).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--delimiter tab"));
    iysync("validate")
        .arg(&t)
        .args(["--delimiter", "tab"])
        .assert()
        .success();
}

#[test]
fn a_header_row_is_skipped_and_reported_once_as_a_warning() {
    let dir = tempdir();
    let f = write(
        dir.path(),
        "h.csv",
        "alici;kaynak;izin;tarih\nx@example.com;web;ONAY;01.05.2025 10:00:00\nbad;web;ONAY;01.05.2025 10:00:00\n",
    );
    let report = dir.path().join("r.json");
    let out = iysync("validate")
        .arg(&f)
        .arg("--report")
        .arg(&report)
        .output()
        .expect("runs");
    // The invalid third row decides the exit code; the warning does not.
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_str(&read(&report)).expect("json");
    assert_eq!(v["summary"]["rows"], 2);
    assert_eq!(v["summary"]["invalid"], 1);
    let headers: Vec<&serde_json::Value> = v["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .filter(|p| p["code"] == "header_row")
        .collect();
    assert_eq!(headers.len(), 1);
    assert_eq!(headers[0]["line"], 1);
    assert_eq!(headers[0]["severity"], "warning");
    assert_eq!(v["files"][0]["header_row"], true);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("h.csv:1: warning[header_row]"), "{stderr}");
    assert!(stderr.contains("h.csv:3: error"), "{stderr}");
    // Every machine format carries it.
    for (format, needle) in [
        ("json", "\"code\":\"header_row\""),
        ("jsonl", "\"code\":\"header_row\""),
        ("github", "::warning file="),
    ] {
        let out = iysync("validate")
            .arg(&f)
            .args(["--format", format])
            .output()
            .expect("runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(stdout.matches(needle).count(), 1, "{format}: {stdout}");
    }
    // A header-only file of valid rows exits 0; never a rejects row for the header.
    let g = write(
        dir.path(),
        "g.csv",
        "email;platform;permission;date\nx@example.com;web;ONAY;01.05.2025 10:00:00\n",
    );
    let out_dir = dir.path().join("o");
    let out = iysync("convert")
        .arg(&g)
        .args(["--to", "netmera", "--no-progress", "--out"])
        .arg(&out_dir)
        .output()
        .expect("runs");
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("g.csv:1: warning[header_row]"), "{stderr}");
    let rejects = out_dir.join("rejects.csv");
    if rejects.exists() {
        assert!(!read(&rejects).contains("header_row"));
    }
}

#[test]
fn a_line_too_long_is_invalid_and_the_next_line_is_read() {
    let dir = tempdir();
    let mut data = b"x@example.com;web;ONAY;01.05.2025 10:00:00;".to_vec();
    data.extend_from_slice(&vec![b'A'; 3 * 1024 * 1024]);
    data.extend_from_slice(b"\ny@example.com;web;ONAY;01.05.2025 10:00:00\n");
    let f = write(dir.path(), "long.csv", data);
    let report = dir.path().join("r.json");
    let rejects = dir.path().join("rej.csv");
    let out = iysync("convert")
        .arg(&f)
        .args(["--to", "netmera", "--no-progress", "--out"])
        .arg(dir.path().join("o"))
        .arg("--rejects")
        .arg(&rejects)
        .arg("--report")
        .arg(&report)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_str(&read(&report)).expect("json");
    assert_eq!(v["summary"]["rows"], 2);
    assert_eq!(v["summary"]["invalid"], 1);
    assert_eq!(v["problems"][0]["code"], "line_too_long");
    assert_eq!(v["problems"][0]["line"], 1);
    assert_eq!(
        read(&dir.path().join("o").join("email.csv")),
        "y@example.com;web;ONAY;01.05.2025 10:00:00\n"
    );
    let rejected = read(&rejects);
    assert!(rejected.contains("line_too_long"), "{rejected}");
    assert!(rejected.contains('…'), "{rejected}");
    assert!(
        rejected.len() < 2000,
        "only a prefix is shown: {} bytes",
        rejected.len()
    );
}
