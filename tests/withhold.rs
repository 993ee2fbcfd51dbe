//! SPEC §2/§8 with the real binary: an invalid row that plainly says RET — behind invisible
//! characters, punctuation or full-width digits — holds its recipient back from every output.

mod support;

use std::path::{Path, PathBuf};

use serde_json::Value;
use support::*;

/// The reproductions: (older valid ONAY row, newer or undated invalid RET row, the
/// recipient as it would appear in Insider bodies, as it would appear in Netmera files).
fn cases() -> Vec<(&'static str, String, &'static str, &'static str)> {
    let email_onay = "x@example.com;web;ONAY;01.05.2025 10:00:00";
    let phone_onay = "905321234567;SMS;ONAY;01.05.2025 10:00:00";
    let mut cases = Vec::new();
    for p in [
        "RET\u{200b}",
        "\u{feff}RET",
        "RET.",
        "(RET)",
        "ＲＥＴ",
        "RET\u{2060}",
    ] {
        for ts in ["15.05.2025 10:00:00", "31.02.2025 10:00:00", ""] {
            cases.push((
                email_onay,
                format!("x@example.com;web;{p};{ts}"),
                "x@example.com",
                "x@example.com",
            ));
        }
    }
    for r in [
        "０５３２１２３４５６７",
        "٠٥٣٢١٢٣٤٥٦٧",
        "0532\u{200b}123 45 67",
    ] {
        for ts in ["15.05.2025 10:00:00", "31.02.2025 10:00:00"] {
            cases.push((
                phone_onay,
                format!("{r};SMS;RET;{ts}"),
                "+905321234567",
                "905321234567",
            ));
        }
    }
    cases
}

/// `a.csv`: the older ONAY and a recipient that stays; `b.csv`: a filler row, then the invalid RET.
fn files(dir: &Path, onay: &str, ret: &str) -> (PathBuf, PathBuf) {
    let a = write(
        dir,
        "a.csv",
        format!("keep@example.com;web;ONAY;01.05.2025 10:00:00\n{onay}\n"),
    );
    let b = write(
        dir,
        "b.csv",
        format!("other@example.com;web;RET;02.05.2025 10:00:00\n{ret}\n"),
    );
    (a, b)
}

#[test]
fn convert_to_insider_leaves_the_recipient_out() {
    for (onay, ret, insider, _) in cases() {
        let dir = tempdir();
        let (a, b) = files(dir.path(), onay, &ret);
        let out = iysync("convert")
            .current_dir(dir.path())
            .arg(&a)
            .arg(&b)
            .args(["--to", "insider", "--out", "-", "--no-progress"])
            .assert()
            .code(1)
            .get_output()
            .stdout
            .clone();
        let text = String::from_utf8_lossy(&out);
        assert!(
            !text.contains(insider),
            "{ret:?}: {insider} must not be emitted at all:\n{text}"
        );
        assert!(text.contains("keep@example.com"), "{ret:?}:\n{text}");
        assert!(text.contains("other@example.com"), "{ret:?}:\n{text}");
    }
}

#[test]
fn convert_to_netmera_with_history_leaves_the_recipient_out() {
    for (onay, ret, _, netmera) in cases() {
        let dir = tempdir();
        let (a, b) = files(dir.path(), onay, &ret);
        let out = dir.path().join("out");
        iysync("convert")
            .arg(&a)
            .arg(&b)
            .args([
                "--to",
                "netmera",
                "--keep-history",
                "--no-progress",
                "--out",
            ])
            .arg(&out)
            .assert()
            .code(1);
        for f in ["email.csv", "sms.csv"] {
            let p = out.join(f);
            if p.exists() {
                let text = read(&p);
                assert!(
                    !text.contains(netmera),
                    "{ret:?}: {f} holds {netmera}:\n{text}"
                );
            }
        }
        assert!(read(&out.join("email.csv")).contains("keep@example.com"));
    }
}

#[test]
fn validate_reports_the_key_as_withheld_on_the_invalid_row() {
    for (onay, ret, _, _) in cases() {
        let dir = tempdir();
        let (a, b) = files(dir.path(), onay, &ret);
        let out = iysync("validate")
            .arg(&a)
            .arg(&b)
            .args(["--format", "json", "--no-progress"])
            .assert()
            .code(1)
            .get_output()
            .stdout
            .clone();
        let doc = json(&out);
        let withheld: Vec<&Value> = doc["problems"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["code"] == "withheld")
            .collect();
        assert_eq!(withheld.len(), 1, "{ret:?}: {doc}");
        let w = withheld[0];
        assert!(
            w["file"].as_str().is_some_and(|f| f.ends_with("b.csv")),
            "{w}"
        );
        assert_eq!(w["line"], 2, "{ret:?}");
        assert_eq!(w["severity"], "warning");
        assert_eq!(doc["summary"]["resolved"]["withheld"], 1, "{ret:?}");
        // The row itself stays invalid, with its own code.
        let codes: Vec<&str> = doc["problems"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["line"] == 2 && p["severity"] == "error")
            .filter_map(|p| p["code"].as_str())
            .collect();
        assert!(!codes.is_empty(), "{ret:?}: {doc}");
        assert_eq!(doc["summary"]["invalid"], 1, "{ret:?}");
    }
}

#[test]
fn red_holds_nothing_and_an_earlier_decorated_ret_loses_to_a_later_onay() {
    let dir = tempdir();
    let a = write(
        dir.path(),
        "a.csv",
        "x@example.com;web;ONAY;01.05.2025 10:00:00\ny@example.com;web;ONAY;20.05.2025 10:00:00\n",
    );
    let b = write(
        dir.path(),
        "b.csv",
        "x@example.com;web;RED.;15.05.2025 10:00:00\ny@example.com;web;RET.;15.05.2025 10:00:00\n",
    );
    let out = iysync("convert")
        .current_dir(dir.path())
        .arg(&a)
        .arg(&b)
        .args(["--to", "insider", "--out", "-", "--no-progress"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8_lossy(&out);
    // RED is not RET: x's ONAY goes out. y's RET. is earlier than y's ONAY: no hold.
    assert!(text.contains("x@example.com"), "{text}");
    assert!(text.contains("y@example.com"), "{text}");
}

#[test]
fn invisible_characters_in_platform_and_external_id_never_reach_an_output() {
    let dir = tempdir();
    let input = write(
        dir.path(),
        "in.csv",
        "x@example.com;w\u{200b}eb;ONAY;01.05.2025 10:00:00;id\u{feff}7\n",
    );
    let out = dir.path().join("out");
    iysync("convert")
        .arg(&input)
        .args(["--to", "netmera", "--no-progress", "--out"])
        .arg(&out)
        .assert()
        .code(0);
    assert_eq!(
        read(&out.join("email.csv")),
        "x@example.com;web;ONAY;01.05.2025 10:00:00;id7\n"
    );
    let body = iysync("convert")
        .current_dir(dir.path())
        .arg(&input)
        .args([
            "--to",
            "insider",
            "--out",
            "-",
            "--no-progress",
            "--external-id-as",
            "custom:crm_id",
            "--consent-event",
            "consent",
        ])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8_lossy(&body);
    assert!(
        !text.contains('\u{200b}') && !text.contains('\u{feff}'),
        "{text}"
    );
    assert!(
        !text.contains("\\u200b") && !text.contains("\\ufeff"),
        "{text}"
    );
    assert!(text.contains("id7") && text.contains("\"web\""), "{text}");
    let report = iysync("validate")
        .arg(&input)
        .args(["--format", "json"])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let doc = json(&report);
    let codes: Vec<(&str, &str)> = doc["problems"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| Some((p["field"].as_str()?, p["code"].as_str()?)))
        .collect();
    assert_eq!(
        codes,
        [
            ("platform", "fix_invisible"),
            ("external_id", "fix_invisible")
        ]
    );
    assert_eq!(doc["summary"]["fixed"], 1);
}
