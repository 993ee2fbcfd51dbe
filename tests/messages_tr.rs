//! SPEC §12: problem messages in Turkish where people read them (the text summary, the rejects
//! file's message column), in English in the machine formats and `--report`.

mod support;

use support::*;

/// English that must not be left in a Turkish message.
const ENGLISH: &[&str] = &[
    "is not",
    "did you mean",
    "remove it",
    "written as",
    "neither",
    "in the future",
    "may be the recipient's latest word",
    "both ONAY and RET",
    "holds",
];

fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The problem lines of the text summary (`file:line: kind[code] field: message`).
fn problem_lines(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.starts_with("fixtures/messy.csv:") || l.contains("/messy.csv:"))
        .collect()
}

#[test]
fn the_text_summary_gives_each_detail_in_turkish() {
    let out = iysync("validate")
        .arg("fixtures/messy.csv")
        .args(["--lang", "tr"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .assert()
        .code(1)
        .get_output()
        .clone();
    let err = stderr_of(&out);
    let lines = problem_lines(&err);
    assert!(lines.len() >= 15, "{err}");
    for line in &lines {
        for word in ENGLISH {
            assert!(!line.contains(word), "{word:?} left in {line:?}");
        }
    }
    let has = |needle: &str| {
        assert!(
            lines.iter().any(|l| l.contains(needle)),
            "no line with {needle:?} in\n{err}"
        )
    };
    // The severity and the field are Turkish too; the reason code stays as it is.
    assert!(
        lines
            .iter()
            .all(|l| !l.contains(": error[") && !l.contains(": warning[")),
        "{err}"
    );
    // The values of the rows, verbatim, in Turkish sentences.
    has(
        "fixtures/messy.csv:16: hata[invalid_permission] izin: izin \"RED\" ne ONAY ne RET; RET mi demek istediniz?",
    );
    has("izin zamanı \"31.02.2025 10:00:00\" gerçek bir tarih ve saat değil");
    has("izin zamanı \"01.01.2030 10:00:00\" ileri bir tarihte");
    has("\"kullanici@localhost\" geçerli bir e-posta adresi değil");
    has("\"0212 123 45 67\" bir Türkiye numarası ama cep telefonu (5xx) değil");
    has("hata[field_count] satır: `;` ile ayrılmış 4 ya da 5 alan bekleniyordu");
    has("alıcı boş");
    // Known once the input is read: the conflict and the withheld key.
    has(
        "uyarı[conflict] izin: bu alıcının en son izin zamanında (12.06.2025 10:00:00) hem ONAY hem RET var; RET geçerli sayıldı",
    );
    has("uyarı[withheld] satır: bu geçersiz RET satırı alıcının en son izin kararı olabilir");
}

#[test]
fn machine_formats_and_the_report_stay_in_english() {
    let dir = tempdir();
    let report = dir.path().join("report.json");
    let out = iysync("validate")
        .arg("fixtures/messy.csv")
        .args(["--lang", "tr", "--format", "json", "--report"])
        .arg(&report)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .assert()
        .code(1)
        .get_output()
        .clone();
    for doc in [json(&out.stdout), json(read(&report).as_bytes())] {
        let messages: Vec<&str> = doc["problems"]
            .as_array()
            .expect("a problem list")
            .iter()
            .filter_map(|p| p["message"].as_str())
            .collect();
        assert!(
            messages.contains(&"permission \"RED\" is neither ONAY nor RET; did you mean RET?"),
            "{messages:#?}"
        );
        assert!(
            messages
                .iter()
                .any(|m| m.starts_with("this invalid RET row may be the recipient's latest word")),
            "{messages:#?}"
        );
        assert!(
            !messages.iter().any(|m| m.contains("değil")),
            "{messages:#?}"
        );
    }
}

#[test]
fn the_rejects_message_column_is_turkish_with_the_withholding_note() {
    let dir = tempdir();
    let out_dir = dir.path().join("out");
    iysync("convert")
        .arg(support::fixture("messy.csv"))
        .args(["--lang", "tr", "--to", "netmera", "--out"])
        .arg(&out_dir)
        .assert()
        .code(1);
    let rejects = read(&out_dir.join("rejects.csv"));
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(rejects.trim_start_matches('\u{feff}').as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("a row")).collect();
    assert_eq!(rows.len(), 13, "{rejects}");
    for row in &rows {
        let message = &row[3];
        assert!(!message.is_empty(), "{row:?}");
        for word in ENGLISH {
            assert!(!message.contains(word), "{word:?} left in {message:?}");
        }
    }
    let message_of = |code: &str, needle: &str| {
        assert!(
            rows.iter().any(|r| &r[2] == code && r[3].contains(needle)),
            "no {code} row with {needle:?} in\n{rejects}"
        )
    };
    message_of(
        "invalid_permission",
        "izin \"RED\" ne ONAY ne RET; RET mi demek istediniz?",
    );
    message_of("invalid_email", "\"şule@example.com\"");
    // The invalid RET row that withholds kemal.dogan's key says so, in Turkish.
    message_of(
        "invalid_timestamp",
        " | bu RET satırı kemal.dogan@example.com alıcısını bekletiyor: bu alıcı için hiçbir şey yazılmadı ya da gönderilmedi",
    );
}

#[test]
fn the_html_report_gives_each_detail_in_turkish() {
    let dir = tempdir();
    let html = dir.path().join("rapor.html");
    iysync("validate")
        .arg(support::fixture("messy.csv"))
        .args(["--lang", "tr", "--html"])
        .arg(&html)
        .assert()
        .code(1);
    let page = read(&html);
    assert!(
        page.contains("ne ONAY ne RET; RET mi demek istediniz?"),
        "{page}"
    );
    assert!(
        page.contains("hem ONAY hem RET var; RET geçerli sayıldı"),
        "{page}"
    );
    for word in ENGLISH {
        assert!(!page.contains(word), "{word:?} left in the report");
    }
}
