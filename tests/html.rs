//! `--html PATH` (SPEC §12): one self-contained file, parsed here with an HTML parser.

mod support;

use scraper::{Html, Selector};
use support::*;

fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap_or_else(|e| panic!("{s}: {e:?}"))
}

fn texts(doc: &Html, s: &str) -> Vec<String> {
    doc.select(&sel(s))
        .map(|e| e.text().collect::<String>().trim().to_string())
        .collect()
}

/// The report of `cmd` on `input` with `extra` flags, parsed.
fn report(cmd: &str, input: &std::path::Path, extra: &[&str], code: i32) -> (Html, String) {
    let dir = tempdir();
    let path = dir.path().join("rapor.html");
    let mut c = iysync(cmd);
    c.arg(input).arg("--html").arg(&path).args(extra);
    if cmd == "convert" {
        c.args(["--to", "netmera", "--out"])
            .arg(dir.path().join("out"));
    }
    c.assert().code(code);
    let text = read(&path);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).map(|m| m.permissions().mode() & 0o777);
        assert_eq!(mode.ok(), Some(0o600), "the report holds recipients");
    }
    (Html::parse_document(&text), text)
}

fn self_contained(doc: &Html, text: &str) {
    assert_eq!(doc.select(&sel("script")).count(), 0, "no script");
    for attr in ["src", "href"] {
        for e in doc.select(&sel(&format!("[{attr}]"))) {
            let v = e.value().attr(attr).unwrap_or_default();
            assert!(
                v.starts_with('#') || v.starts_with("data:"),
                "external {attr}={v}"
            );
        }
    }
    assert!(
        !text.contains("http://")
            || text.matches("http://").count()
                == text.matches("http://www.w3.org/2000/svg").count()
    );
    assert!(!text.contains("https://"), "no external resource");
    assert!(
        !text.contains("@import") && !text.contains("url("),
        "no external style"
    );
    assert_eq!(doc.select(&sel("meta[name=viewport]")).count(), 1, "phone");
    assert!(text.contains("@media print"), "printable");
}

#[test]
fn validate_report_of_the_messy_file() {
    let (doc, text) = report("validate", &fixture("messy.csv"), &[], 1);
    self_contained(&doc, &text);
    assert_eq!(texts(&doc, "title"), ["iysync report"]);
    assert_eq!(texts(&doc, "dd[data-key=html-rows]"), ["27"]);
    assert_eq!(texts(&doc, "dd[data-key=html-invalid]"), ["13"]);
    assert_eq!(texts(&doc, "dd[data-key=html-conflicts]"), ["1"]);
    // One bar per code counted in the summary (errors, warnings and fixes).
    let bars: Vec<String> = doc
        .select(&sel("svg.chart g.bar"))
        .filter_map(|g| g.value().attr("data-code").map(String::from))
        .collect();
    assert_eq!(bars.len(), 20, "{bars:?}");
    assert_eq!(doc.select(&sel("svg.chart rect.bar")).count(), 20);
    assert!(bars.contains(&"invalid_email".to_string()));
    // Rows of each code, and the conflicts and withheld keys apart.
    let rows = doc
        .select(&sel("#rows article[data-code=invalid_email] tbody tr"))
        .count();
    assert_eq!(rows, 2);
    let warnings = texts(&doc, "#warnings article h3 code");
    assert_eq!(warnings, ["conflict", "withheld"]);
    assert!(text.contains("kullanici@localhost"), "the row, unmasked");
}

#[test]
fn at_most_20_rows_per_code_and_every_one_counted() {
    let dir = tempdir();
    let mut data = String::new();
    for i in 0..250 {
        data.push_str(&format!("u{i}@localhost;web;ONAY;01.06.2025 10:00:00\n"));
    }
    let input = write(dir.path(), "bad.csv", data);
    let (doc, _) = report("validate", &input, &[], 1);
    for article in doc.select(&sel("article.code")) {
        let n = article.select(&sel("tbody tr")).count();
        assert!(n <= 20, "{n} rows");
    }
    let rows = doc
        .select(&sel("article[data-code=invalid_email] tbody tr"))
        .count();
    assert_eq!(rows, 20);
    assert_eq!(texts(&doc, "dd[data-key=html-invalid]"), ["250"]);
    let bar = texts(&doc, "g.bar[data-code=invalid_email] text");
    assert_eq!(bar, ["invalid_email", "250"]);
}

#[test]
fn recipients_are_masked_under_redact() {
    let (doc, text) = report("validate", &fixture("messy.csv"), &["--redact"], 1);
    self_contained(&doc, &text);
    for recipient in [
        "kullanici@localhost",
        "ayse@example.com",
        "05321234567",
        "0532 ABC 45 67",
    ] {
        assert!(
            !text.contains(recipient),
            "{recipient} shown under --redact"
        );
    }
}

#[test]
fn turkish_report_with_grouped_numbers() {
    let dir = tempdir();
    let mut data = String::new();
    for i in 0..1500 {
        data.push_str(&format!("u{i}@localhost;web;ONAY;01.06.2025 10:00:00\n"));
    }
    let input = write(dir.path(), "bad.csv", data);
    let (doc, _) = report("validate", &input, &["--lang", "tr"], 1);
    assert_eq!(texts(&doc, "title"), ["iysync raporu"]);
    assert_eq!(doc.root_element().value().attr("lang"), Some("tr"));
    assert_eq!(texts(&doc, "dd[data-key=html-rows]"), ["1.500"]);
    assert!(
        texts(&doc, "h3")
            .iter()
            .any(|h| h.contains("e-posta adresi geçersiz"))
    );
}

#[test]
fn convert_report_has_the_same_summary() {
    let (doc, text) = report("convert", &fixture("messy.csv"), &[], 1);
    self_contained(&doc, &text);
    assert_eq!(texts(&doc, "dd[data-key=html-rows]"), ["27"]);
    assert_eq!(doc.select(&sel("#upload")).count(), 0);
}

#[test]
fn dry_run_report_has_upload_figures() {
    let dir = tempdir();
    let path = dir.path().join("r.html");
    iysync("upsert")
        .arg(fixture("messy.csv"))
        .args(["--dry-run", "--partner", "acme", "--rejects"])
        .arg(dir.path().join("rej.csv"))
        .arg("--html")
        .arg(&path)
        .assert()
        .code(1);
    let doc = Html::parse_document(&read(&path));
    assert_eq!(doc.select(&sel("#upload dd")).count(), 6);
}

#[test]
fn html_is_an_output_guarded_like_the_others() {
    let dir = tempdir();
    let other = write(dir.path(), "notes.html", "<p>mine</p>");
    // Another file at the path is kept without --force; the input itself never.
    iysync("validate")
        .arg(fixture("email-clean.csv"))
        .arg("--html")
        .arg(&other)
        .assert()
        .code(2);
    assert_eq!(read(&other), "<p>mine</p>");
    let input = write(
        dir.path(),
        "in.csv",
        "a@example.com;web;ONAY;01.06.2025 10:00:00\n",
    );
    iysync("validate")
        .arg(&input)
        .arg("--html")
        .arg(&input)
        .assert()
        .code(2);
    // An earlier report is replaced by the next run.
    let path = dir.path().join("r.html");
    for _ in 0..2 {
        iysync("validate")
            .arg(&input)
            .arg("--html")
            .arg(&path)
            .assert()
            .code(0);
    }
    assert!(read(&path).contains("iysync report"));
}

/// A fix's sample shows the row it fixed, as an error's does (review: the row cell was empty).
#[test]
fn a_fix_shows_the_row_it_fixed() {
    let (doc, _) = report("validate", &fixture("messy.csv"), &[], 1);
    let cells = texts(
        &doc,
        "#rows article[data-code=fix_phone_format] tbody tr td:last-child",
    );
    assert!(!cells.is_empty(), "the fix's samples are listed");
    assert!(cells.iter().all(|c| !c.is_empty()), "{cells:?}");
    assert!(
        cells.iter().any(|c| c.contains("0532 123 45 67;SMS;Ret")),
        "{cells:?}"
    );
}
