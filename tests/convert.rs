//! `iysync convert` end to end: Netmera files, Insider bodies, rejects, resolution.

mod support;

use std::path::Path;

use predicates::prelude::*;
use serde_json::Value;
use support::*;

fn convert(files: &[&Path], extra: &[&str], out: &Path) -> assert_cmd::assert::Assert {
    let mut c = iysync("convert");
    for f in files {
        c.arg(f);
    }
    c.arg("--out").arg(out).args(extra).assert()
}

fn bodies(dir: &Path) -> Vec<(String, Value, usize)> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.retain(|n| n.starts_with("upsert-"));
    names.sort();
    names
        .into_iter()
        .map(|n| {
            let bytes = std::fs::read(dir.join(&n)).unwrap_or_default();
            let len = bytes.len();
            (n, json(&bytes), len)
        })
        .collect()
}

fn users(bodies: &[(String, Value, usize)]) -> Vec<Value> {
    bodies
        .iter()
        .flat_map(|(_, b, _)| b["users"].as_array().cloned().unwrap_or_default())
        .collect()
}

#[test]
fn netmera_files_hold_the_resolved_state_in_exact_format() {
    let dir = tempdir();
    let out = dir.path().join("out");
    convert(&[&fixture("messy.csv")], &["--to", "netmera"], &out).code(1);
    assert_eq!(
        read(&out.join("email.csv")),
        "ayse.yilmaz@example.com;EMAIL;ONAY;15.05.2025 14:23:00;user123\n\
         mehmet.demir@example.com;mobileapp;RET;16.05.2025 09:10:00\n\
         zeynep.kaya@example.com.tr;web;ONAY;01.06.2025 18:45:30\n\
         hakan.polat@example.com;web;ONAY;12.06.2025 10:00:00\n\
         irem.yildiz@example.com;web;RET;12.06.2025 10:00:00\n"
    );
    assert_eq!(
        read(&out.join("sms.csv")),
        "905321234567;SMS;RET;05.06.2025 09:05:00\n\
         905331234562;SMS;ONAY;06.06.2025 10:00:00\n\
         905441234567;SMS;ONAY;07.06.2025 10:00:00\n\
         905051112233;SMS;ONAY;08.06.2025 10:00:00\n\
         905551234567;web;RET;09.06.2025 10:00:00\n\
         447911123456;SMS;ONAY;13.06.2025 10:00:00\n"
    );
    // kemal.dogan is withheld: a later-or-undated invalid RET row holds his ONAY back.
    assert!(!read(&out.join("email.csv")).contains("kemal"));
}

#[test]
fn rejects_have_one_row_per_invalid_row() {
    let dir = tempdir();
    let out = dir.path().join("out");
    convert(&[&fixture("messy.csv")], &["--to", "netmera"], &out).code(1);
    let bytes = std::fs::read(out.join("rejects.csv")).unwrap_or_default();
    assert!(bytes.starts_with(b"\xEF\xBB\xBFfile;line;code;message;row\n"));
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(&bytes[3..]);
    let rows: Vec<csv::StringRecord> = reader.records().flatten().collect();
    assert_eq!(rows.len(), 13);
    let lines: Vec<&str> = rows.iter().map(|r| &r[1]).collect();
    assert_eq!(
        lines,
        [
            "10", "11", "12", "13", "14", "15", "16", "17", "18", "19", "20", "21", "28"
        ]
    );
    assert_eq!(&rows[0][2], "field_count");
    assert_eq!(&rows[0][4], "can.ozturk@example.org;form;ONAY");
    assert_eq!(
        &rows[11][4],
        "gizem.kurt@example.com;\"web;ONAY;10.06.2025 10:00:00"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for f in ["rejects.csv", "email.csv", "sms.csv"] {
            let mode = std::fs::metadata(out.join(f))
                .map(|m| m.permissions().mode() & 0o777)
                .unwrap_or(0);
            assert_eq!(mode, 0o600, "{f}");
        }
    }
}

#[test]
fn insider_bodies_map_identifiers_and_attributes() {
    let dir = tempdir();
    let out = dir.path().join("out");
    convert(&[&fixture("messy.csv")], &["--to", "insider"], &out).code(1);
    let b = bodies(&out);
    assert_eq!(b.len(), 1);
    assert_eq!(b[0].0, "upsert-000001.json");
    let users = users(&b);
    assert_eq!(users.len(), 11);
    for u in &users {
        let ids = &u["identifiers"];
        let attrs = &u["attributes"];
        if let Some(email) = ids["email"].as_str() {
            assert!(email.contains('@'));
            assert!(
                attrs["email_optin"].is_boolean() && attrs.get("sms_optin").is_none(),
                "{u}"
            );
        } else {
            let phone = ids["phone_number"].as_str().unwrap_or_default();
            assert!(
                phone.starts_with('+') && phone[1..].bytes().all(|c| c.is_ascii_digit()),
                "{u}"
            );
            assert!(
                attrs["sms_optin"].is_boolean() && attrs.get("email_optin").is_none(),
                "{u}"
            );
        }
    }
    let find = |id: &str| {
        users
            .iter()
            .find(|u| u["identifiers"]["email"] == id || u["identifiers"]["phone_number"] == id)
            .cloned()
    };
    assert_eq!(
        find("irem.yildiz@example.com").map(|u| u["attributes"]["email_optin"].clone()),
        Some(false.into())
    );
    assert_eq!(
        find("+905321234567").map(|u| u["attributes"]["sms_optin"].clone()),
        Some(false.into())
    );
    assert_eq!(
        find("+905331234562").map(|u| u["attributes"]["sms_optin"].clone()),
        Some(true.into())
    );
    assert_eq!(find("kemal.dogan@example.com"), None);
}

#[test]
fn insider_options_external_id_skip_hook_and_consent_event() {
    let dir = tempdir();
    let out = dir.path().join("out");
    convert(
        &[&fixture("email-clean.csv")],
        &[
            "--to",
            "insider",
            "--external-id-as",
            "custom:crm_id",
            "--skip-hook",
            "--consent-event",
            "iys_consent",
        ],
        &out,
    )
    .code(0);
    let b = bodies(&out);
    assert_eq!(b[0].1["skip_hook"], true);
    let u = &b[0].1["users"][0];
    assert_eq!(u["identifiers"]["custom"]["crm_id"], "user123");
    assert_eq!(u["events"][0]["event_name"], "iys_consent");
    assert_eq!(u["events"][0]["timestamp"], "2025-05-15T14:23:00+03:00");
    assert_eq!(
        u["events"][0]["event_params"]["custom"]["permission"],
        "ONAY"
    );
    assert_eq!(
        u["events"][0]["event_params"]["custom"]["platform"],
        "EMAIL"
    );
    let out2 = dir.path().join("out2");
    convert(
        &[&fixture("email-clean.csv")],
        &["--to", "insider", "--external-id-as", "uuid"],
        &out2,
    )
    .code(0);
    let b = bodies(&out2);
    assert_eq!(b[0].1["users"][0]["identifiers"]["uuid"], "user123");
    assert!(b[0].1.get("skip_hook").is_none());
}

#[test]
fn insider_bodies_split_at_1000_users() {
    let dir = tempdir();
    let mut data = String::new();
    for i in 0..2500 {
        data.push_str(&format!(
            "user{i}@example.com;web;ONAY;15.05.2025 14:23:00\n"
        ));
    }
    let f = write(dir.path(), "many.csv", data);
    let out = dir.path().join("out");
    convert(&[&f], &["--to", "insider"], &out).code(0);
    let b = bodies(&out);
    let counts: Vec<usize> = b
        .iter()
        .map(|(_, v, _)| v["users"].as_array().map_or(0, Vec::len))
        .collect();
    assert_eq!(counts, [1000, 1000, 500]);
    // Input order is kept across bodies.
    assert_eq!(
        b[1].1["users"][0]["identifiers"]["email"],
        "user1000@example.com"
    );
}

#[test]
fn insider_bodies_split_below_5_000_000_bytes() {
    let dir = tempdir();
    let mut data = String::new();
    // Each user carries a ~60 kB platform (rows stay under the 64 KiB line limit) in its consent
    // event: about 83 fit in a body.
    let platform = "p".repeat(60_000);
    for i in 0..180 {
        data.push_str(&format!(
            "user{i}@example.com;{platform};ONAY;15.05.2025 14:23:00\n"
        ));
    }
    let f = write(dir.path(), "big.csv", data);
    let out = dir.path().join("out");
    convert(&[&f], &["--to", "insider", "--consent-event", "iys"], &out).code(0);
    let b = bodies(&out);
    assert!(
        b.iter().all(|(_, _, len)| *len <= 5_000_000),
        "{:?}",
        b.iter().map(|x| x.2).collect::<Vec<_>>()
    );
    assert!(
        b.iter().any(|(_, _, len)| *len > 4_900_000),
        "bodies are filled near the limit"
    );
    let counts: Vec<usize> = b
        .iter()
        .map(|(_, v, _)| v["users"].as_array().map_or(0, Vec::len))
        .collect();
    assert_eq!(counts.len(), 3, "{counts:?}");
    assert_eq!(counts.iter().sum::<usize>(), 180);
    assert!(
        counts[0] == counts[1] && counts[2] < counts[0],
        "{counts:?}"
    );
}

#[test]
fn configurable_caps_and_oversized_records_go_to_rejects() {
    let dir = tempdir();
    let mut data = String::new();
    for i in 0..10 {
        data.push_str(&format!(
            "user{i}@example.com;web;ONAY;15.05.2025 14:23:00\n"
        ));
    }
    data.push_str(&format!(
        "huge@example.com;{};ONAY;15.05.2025 14:23:00\n",
        "x".repeat(5000)
    ));
    let f = write(dir.path(), "f.csv", data);
    let out = dir.path().join("out");
    convert(
        &[&f],
        &[
            "--to",
            "insider",
            "--max-users",
            "4",
            "--max-bytes",
            "2000",
            "--consent-event",
            "e",
        ],
        &out,
    )
    .code(1);
    let b = bodies(&out);
    assert!(
        b.iter()
            .all(|(_, v, len)| *len <= 2000 && v["users"].as_array().map_or(0, Vec::len) <= 4)
    );
    assert_eq!(users(&b).len(), 10);
    let rejects = read(&out.join("rejects.csv"));
    assert!(rejects.contains("f.csv;11;api_refused;"), "{rejects}");
}

#[test]
fn out_dash_writes_one_body_per_line() {
    let dir = tempdir();
    let mut c = iysync("convert");
    let out = c
        .current_dir(dir.path())
        .arg(fixture("sms-clean.csv"))
        .args(["--to", "insider", "--out", "-", "--max-users", "2"])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8_lossy(&out);
    let lines: Vec<Value> = text.lines().map(|l| json(l.as_bytes())).collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(
        lines[0]["users"][0]["identifiers"]["phone_number"],
        "+905331234562"
    );
    // Nothing rejected, so no rejects file (SPEC §9), not even a header-only one.
    assert!(
        !dir.path()
            .join("iysync-rejects-20261122T090000Z.csv")
            .exists()
    );
}

#[test]
fn keep_history_keeps_every_valid_row_but_withheld_keys() {
    let dir = tempdir();
    let out = dir.path().join("out");
    convert(
        &[&fixture("messy.csv")],
        &["--to", "netmera", "--keep-history"],
        &out,
    )
    .code(1);
    let email = read(&out.join("email.csv"));
    let sms = read(&out.join("sms.csv"));
    // 14 valid rows: kemal.dogan's is withheld, and irem.yildiz's ONAY loses the tie with her RET
    // at the same time (history never ends a tie opted in).
    assert_eq!(email.lines().count() + sms.lines().count(), 12);
    assert_eq!(email.matches("hakan.polat").count(), 2);
    assert_eq!(email.matches("irem.yildiz").count(), 1);
    assert!(email.contains("irem.yildiz@example.com;web;RET;"));
    assert!(!email.contains("kemal"));
}

#[test]
fn split_rows_makes_numbered_files() {
    let dir = tempdir();
    let out = dir.path().join("out");
    convert(
        &[&fixture("sms-clean.csv")],
        &["--to", "netmera", "--split-rows", "2"],
        &out,
    )
    .code(0);
    let parts: Vec<String> = ["sms-000001.csv", "sms-000002.csv", "sms-000003.csv"]
        .iter()
        .map(|n| read(&out.join(n)))
        .collect();
    assert_eq!(
        parts.iter().map(|p| p.lines().count()).collect::<Vec<_>>(),
        [2, 2, 1]
    );
    assert!(!out.join("sms-000004.csv").exists());
    assert!(!out.join("email-000001.csv").exists());
}

#[test]
fn existing_output_is_kept_unless_force_and_force_clears_stale_files() {
    let dir = tempdir();
    let out = dir.path().join("out");
    let mut data = String::new();
    for i in 0..2500 {
        data.push_str(&format!(
            "user{i}@example.com;web;ONAY;15.05.2025 14:23:00\n"
        ));
    }
    let big = write(dir.path(), "big.csv", data);
    convert(&[&big], &["--to", "insider"], &out).code(0);
    assert_eq!(bodies(&out).len(), 3);
    convert(&[&fixture("email-clean.csv")], &["--to", "insider"], &out)
        .code(2)
        .stderr(predicate::str::contains("--force"));
    convert(
        &[&fixture("email-clean.csv")],
        &["--to", "insider", "--force"],
        &out,
    )
    .code(0);
    assert_eq!(bodies(&out).len(), 1, "stale upsert-000002/3 removed");
}

#[test]
fn stdin_and_gzip_inputs_convert_like_files() {
    let dir = tempdir();
    let plain = std::fs::read(fixture("messy.csv")).unwrap_or_default();
    let reference = dir.path().join("ref");
    convert(&[&fixture("messy.csv")], &["--to", "netmera"], &reference).code(1);
    let gz = write(dir.path(), "messy.csv.gz", gzip(&plain));
    let from_gz = dir.path().join("gz");
    convert(&[&gz], &["--to", "netmera"], &from_gz).code(1);
    let from_stdin = dir.path().join("stdin");
    iysync("convert")
        .args(["-", "--to", "netmera", "--out"])
        .arg(&from_stdin)
        .write_stdin(gzip(&plain))
        .assert()
        .code(1);
    for d in [&from_gz, &from_stdin] {
        for f in ["email.csv", "sms.csv"] {
            assert_eq!(
                read(&d.join(f)),
                read(&reference.join(f)),
                "{}",
                d.display()
            );
        }
    }
}

#[test]
fn output_is_identical_for_any_jobs_and_reruns() {
    let dir = tempdir();
    let mut data = String::new();
    for i in 0..30_000u64 {
        let k = (i * 7919) % 9000;
        let perm = if i % 3 == 0 { "RET" } else { "onay" };
        data.push_str(&format!(
            "u{k}@Example.com; web{i};{perm};{}.05.2025 1{}:00:00\n",
            1 + i % 28,
            i % 10
        ));
        data.push_str(&format!(
            "0532 {:03} {:02} {:02};SMS;{perm};15.05.2025 14:23:00\n",
            k % 1000,
            k % 100,
            i % 100
        ));
    }
    let f = write(dir.path(), "f.csv", data);
    let mut outputs = Vec::new();
    for (name, jobs) in [("a", "1"), ("b", "2"), ("c", "2"), ("d", "4")] {
        let out = dir.path().join(name);
        let report = dir.path().join(format!("{name}.json"));
        let mut c = iysync("convert");
        c.arg(&f)
            .arg(&f)
            .args(["--to", "insider", "--force", "--jobs", jobs, "--out"])
            .arg(&out)
            .arg("--report")
            .arg(&report)
            .assert()
            .code(0);
        let mut doc = json(read(&report).as_bytes());
        doc["timing"] = Value::Null;
        outputs.push((
            bodies(&out)
                .into_iter()
                .map(|(n, v, _)| (n, v))
                .collect::<Vec<_>>(),
            doc,
        ));
    }
    for o in &outputs[1..] {
        assert!(o.0 == outputs[0].0, "bodies differ between job counts");
        assert!(o.1 == outputs[0].1, "reports differ between job counts");
    }
}

#[test]
fn convert_report_has_the_resolved_block() {
    let dir = tempdir();
    let out = dir.path().join("out");
    let report = dir.path().join("r.json");
    convert(
        &[&fixture("messy.csv")],
        &[
            "--to",
            "netmera",
            "--report",
            report.to_str().unwrap_or_default(),
        ],
        &out,
    )
    .code(1);
    let doc = json(read(&report).as_bytes());
    assert_eq!(
        doc["summary"]["resolved"],
        serde_json::json!({"records": 11, "ONAY": 7, "RET": 4, "withheld": 1})
    );
}

#[test]
fn flags_of_the_other_target_are_refused() {
    let dir = tempdir();
    convert(
        &[&fixture("email-clean.csv")],
        &["--to", "netmera", "--skip-hook"],
        &dir.path().join("a"),
    )
    .code(2);
    convert(
        &[&fixture("email-clean.csv")],
        &["--to", "insider", "--keep-history"],
        &dir.path().join("b"),
    )
    .code(2);
    iysync("convert")
        .arg(fixture("email-clean.csv"))
        .args(["--to", "netmera", "--out", "-"])
        .assert()
        .code(2);
}

#[cfg(unix)]
#[test]
fn a_pipe_given_as_a_path_is_spooled_for_the_second_pass() {
    let dir = tempdir();
    let fifo = dir.path().join("fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .map(|s| s.success());
    assert_eq!(made.ok(), Some(true));
    let data = std::fs::read(fixture("sms-clean.csv")).unwrap_or_default();
    let writer_path = fifo.clone();
    let writer = std::thread::spawn(move || std::fs::write(writer_path, data));
    let out = dir.path().join("out");
    convert(&[&fifo], &["--to", "netmera"], &out).code(0);
    let _ = writer.join();
    assert_eq!(read(&out.join("sms.csv")), read(&fixture("sms-clean.csv")));
}

#[test]
fn keep_history_never_ends_a_tie_with_the_losing_onay() {
    let dir = tempdir();
    let f = write(
        dir.path(),
        "tie.csv",
        "x@y.com;web;ONAY;14.05.2025 10:00:00\nx@y.com;web;RET;15.05.2025 14:23:00\nx@y.com;web;ONAY;15.05.2025 14:23:00\n",
    );
    let out = dir.path().join("out");
    convert(&[&f], &["--to", "netmera", "--keep-history"], &out).code(0);
    assert_eq!(
        read(&out.join("email.csv")),
        "x@y.com;web;ONAY;14.05.2025 10:00:00\nx@y.com;web;RET;15.05.2025 14:23:00\n"
    );
}

#[test]
fn a_bom_in_the_middle_of_concatenated_files_is_not_a_problem() {
    let dir = tempdir();
    let f = write(
        dir.path(),
        "cat.csv",
        "905321234567;SMS;ONAY;15.05.2025 14:23:00\n\u{feff}905321234567;SMS;RET;16.05.2025 14:23:00\n",
    );
    let out = dir.path().join("out");
    convert(&[&f], &["--to", "netmera"], &out).code(0);
    assert_eq!(
        read(&out.join("sms.csv")),
        "905321234567;SMS;RET;16.05.2025 14:23:00\n"
    );
}

#[test]
fn fields_the_netmera_format_cannot_carry_are_invalid_not_written() {
    let dir = tempdir();
    let f = write(
        dir.path(),
        "q.csv",
        "x@y.com;\"web;RET\";ONAY;15.05.2025 14:23:00;\"id;1\"\n",
    );
    let out = dir.path().join("out");
    convert(&[&f], &["--to", "netmera"], &out)
        .code(1)
        .stderr(predicate::str::contains("invalid_characters"));
    assert_eq!(read(&out.join("email.csv")), "");
}

#[test]
fn a_temporary_directory_that_cannot_hold_the_spool_is_a_clear_error() {
    let dir = tempdir();
    let out = dir.path().join("out");
    let missing = dir.path().join("no-such-dir");
    iysync("convert")
        .arg(fixture("sms-clean.csv"))
        .args(["--to", "insider", "--out"])
        .arg(&out)
        .env("TMPDIR", &missing)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("TMPDIR").and(predicate::str::contains("no-such-dir")));
    // Nothing was left behind: the spool is made before any output file.
    assert!(!out.join("rejects.csv").exists());
    assert!(bodies(&out).is_empty());
}
