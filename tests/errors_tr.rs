//! The errors that stop a run, in Turkish (SPEC §12): `--lang tr`, or `LANG=tr_TR.UTF-8` with no
//! flag. Each still names the path or flag it is about and keeps its exit code; the English texts
//! are asserted by the tests of each command.

mod support;

use std::path::Path;

use support::*;

/// stderr of a run that must stop with `code`.
fn stops(cmd: &mut assert_cmd::Command, code: i32) -> String {
    let out = cmd.assert().code(code).get_output().clone();
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The error of `stderr` (its last line, after any summary or note) is in Turkish's frame, not
/// English's, and holds every one of `parts`.
fn turkish(stderr: &str, parts: &[&str]) {
    let error = stderr.lines().last().unwrap_or_default();
    assert!(error.starts_with("iysync: hata: "), "{stderr}");
    assert!(!stderr.contains("iysync: error:"), "{stderr}");
    for part in parts {
        assert!(error.contains(part), "{part:?} missing in: {error}");
    }
}

/// A ledger at `state` holding one key (a baseline of `a@example.com`'s ONAY), to read.
fn baseline_of_one(dir: &Path, state: &Path) {
    let input = write(
        dir,
        "in.csv",
        "a@example.com;web;ONAY;01.06.2024 10:00:00\n",
    );
    iysync("sync")
        .arg(&input)
        .args([
            "--baseline",
            "--partner",
            "mybrand",
            "--no-progress",
            "--state",
        ])
        .arg(state)
        .assert()
        .code(0);
}

fn shown(p: &Path) -> String {
    p.display().to_string()
}

#[test]
fn a_missing_input_file_is_told_in_turkish_with_its_path() {
    let dir = tempdir();
    let missing = dir.path().join("yok.csv");
    let err = stops(iysync("validate").arg(&missing).args(["--lang", "tr"]), 2);
    turkish(&err, &[&shown(&missing), "açılamadı"]);
    // The OS's own text follows, as the OS gives it.
    assert!(err.contains("os error 2"), "{err}");
}

#[test]
fn lang_comes_from_the_environment_without_the_flag() {
    let dir = tempdir();
    let missing = dir.path().join("yok.csv");
    let err = stops(
        iysync("validate").env("LANG", "tr_TR.UTF-8").arg(&missing),
        2,
    );
    turkish(&err, &[&shown(&missing), "açılamadı"]);
    // And --lang en wins over the environment.
    let err = stops(
        iysync("validate")
            .env("LANG", "tr_TR.UTF-8")
            .arg(&missing)
            .args(["--lang", "en"]),
        2,
    );
    assert!(err.starts_with("iysync: error: cannot open "), "{err}");
}

#[test]
fn an_xlsx_workbook_is_refused_with_how_to_save_it_in_turkish() {
    let dir = tempdir();
    let xlsx = write(dir.path(), "rapor.xlsx", b"PK\x03\x04\x14\x00\x06\x00rest");
    let err = stops(iysync("validate").arg(&xlsx).args(["--lang", "tr"]), 2);
    turkish(
        &err,
        &[
            &shown(&xlsx),
            "ZIP arşivi",
            "izin CSV dosyası değil",
            "CSV UTF-8 olarak kaydedin",
            "Farklı Kaydet",
        ],
    );
}

#[test]
fn a_comma_separated_file_gets_the_delimiter_hint_in_turkish() {
    let dir = tempdir();
    let csv = write(
        dir.path(),
        "virgul.csv",
        "a@example.com,web,ONAY,01.05.2025 10:00:00\nb@example.com,web,RET,01.05.2025 10:00:00\n",
    );
    let err = stops(iysync("validate").arg(&csv).args(["--lang", "tr"]), 2);
    turkish(&err, &[&shown(&csv), "--delimiter ,", "ile ayrılmış"]);
}

#[test]
fn an_output_that_names_an_input_is_refused_in_turkish() {
    let dir = tempdir();
    let input = write(
        dir.path(),
        "girdi.csv",
        "a@example.com;web;ONAY;01.05.2025 10:00:00\n",
    );
    let err = stops(
        iysync("validate")
            .arg(&input)
            .arg("--valid-out")
            .arg(&input)
            .args(["--lang", "tr"]),
        2,
    );
    turkish(
        &err,
        &[
            "--valid-out",
            &shown(&input),
            "girdi dosyasıyla aynı dosya",
            "başka bir yol seçin",
        ],
    );
    assert_eq!(
        read(&input),
        "a@example.com;web;ONAY;01.05.2025 10:00:00\n",
        "the input is untouched"
    );
}

#[test]
fn a_refused_overwrite_says_to_pass_force_in_turkish() {
    let dir = tempdir();
    let input = write(
        dir.path(),
        "girdi.csv",
        "a@example.com;web;ONAY;01.05.2025 10:00:00\n",
    );
    let notes = write(dir.path(), "notlar.txt", "önemli notlar\n");
    let err = stops(
        iysync("validate")
            .arg(&input)
            .arg("--report")
            .arg(&notes)
            .args(["--lang", "tr"]),
        2,
    );
    turkish(
        &err,
        &["--report", &shown(&notes), "zaten var", "--force verin"],
    );
    assert_eq!(read(&notes), "önemli notlar\n", "nothing was replaced");
    // An existing --valid-out is refused the same way (written in place, so --force or another path).
    let valid = write(dir.path(), "gecerli.csv", "eski\n");
    let err = stops(
        iysync("validate")
            .arg(&input)
            .arg("--valid-out")
            .arg(&valid)
            .args(["--lang", "tr"]),
        2,
    );
    turkish(&err, &[&shown(&valid), "zaten var", "--force verin"]);
    assert_eq!(read(&valid), "eski\n");
}

#[test]
fn a_missing_output_directory_is_told_in_turkish() {
    let dir = tempdir();
    let input = write(
        dir.path(),
        "girdi.csv",
        "a@example.com;web;ONAY;01.05.2025 10:00:00\n",
    );
    let report = dir.path().join("yok").join("rapor.json");
    let err = stops(
        iysync("validate")
            .arg(&input)
            .arg("--report")
            .arg(&report)
            .args(["--lang", "tr"]),
        2,
    );
    turkish(&err, &["--report", "dizini yok", "dizini oluşturun"]);
}

#[test]
fn a_missing_token_and_partner_are_told_in_turkish_before_any_request() {
    let sim = Sim::start(SimConfig::default());
    let err = stops(
        iysync("upsert")
            .env("INSIDER_PARTNER_NAME", "mybrand")
            .arg(fixture("email-clean.csv"))
            .arg("--unification-url")
            .arg(sim.base_url())
            .args(["--lang", "tr"]),
        2,
    );
    turkish(
        &err,
        &[
            "INSIDER_UCD_TOKEN",
            "--token-file",
            "token'ı yok",
            "tanımlayın",
        ],
    );
    let err = stops(
        iysync("unsubscribe")
            .env("INSIDER_UNSUBSCRIBE_TOKEN", "unsubscribe-token")
            .arg(fixture("email-clean.csv"))
            .arg("--contact-url")
            .arg(sim.base_url())
            .args(["--lang", "tr"]),
        2,
    );
    turkish(
        &err,
        &["--partner", "INSIDER_PARTNER_NAME", "partner adı yok"],
    );
    // A URL check, before the setup: in Turkish too.
    let err = stops(
        iysync("upsert")
            .env("INSIDER_PARTNER_NAME", "mybrand")
            .env("INSIDER_UCD_TOKEN", "ucd-token")
            .arg(fixture("email-clean.csv"))
            .args(["--unification-url", "http://example.com"])
            .args(["--lang", "tr"]),
        2,
    );
    turkish(&err, &["--unification-url", "https kullanın"]);
    assert_eq!(sim.requests_total(), 0);
}

#[test]
fn an_auth_refusal_aborts_with_exit_3_in_turkish() {
    let sim = Sim::start(SimConfig::default());
    let dir = tempdir();
    let journal = dir.path().join("upsert.journal");
    let err = stops(
        iysync("upsert")
            .env("INSIDER_PARTNER_NAME", "mybrand")
            .env("INSIDER_UCD_TOKEN", "YANLIS-TOKEN")
            .env("IYSYNC_TEST_TIME_SCALE", "0.01")
            .arg(fixture("email-clean.csv"))
            .arg("--unification-url")
            .arg(sim.base_url())
            .arg("--journal")
            .arg(&journal)
            .arg("--rejects")
            .arg(dir.path().join("rejects.csv"))
            .args(["--concurrency", "1", "--lang", "tr"]),
        3,
    );
    turkish(
        &err,
        &[
            "yükleme durduruldu",
            "Insider kimlik bilgilerini reddetti (HTTP 401",
            "partner adını ve token'ı kontrol edin",
            "yeniden çalıştırdığınızda",
        ],
    );
    assert!(!err.contains("YANLIS-TOKEN"), "{err}");
    // The note beside the error names the journal, in Turkish too.
    assert!(
        err.contains(&format!(
            "iysync: gönderilen 1 isteğin 0 tanesini Insider teslim aldı; bunlar {} içine kaydedildi",
            shown(&journal)
        )),
        "{err}"
    );
    assert!(sim.users().is_empty());
}

#[test]
fn an_answer_that_is_not_insiders_stops_in_turkish() {
    let sim = Sim::start(SimConfig {
        canned: Some(Canned::html(404)),
        ..SimConfig::default()
    });
    let dir = tempdir();
    let err = stops(
        iysync("upsert")
            .env("INSIDER_PARTNER_NAME", "mybrand")
            .env("INSIDER_UCD_TOKEN", "ucd-token")
            .arg(fixture("email-clean.csv"))
            .arg("--unification-url")
            .arg(sim.base_url())
            .arg("--journal")
            .arg(dir.path().join("upsert.journal"))
            .arg("--rejects")
            .arg(dir.path().join("rejects.csv"))
            .args(["--lang", "tr"]),
        3,
    );
    turkish(
        &err,
        &[
            "HTTP 404",
            // The answer as iysync describes it: its size in Turkish too.
            " bayt: \"",
            "Insider API'sinin verdiği bir yanıt değil",
            "--unification-url",
            "yeniden çalıştırın",
        ],
    );
}

#[test]
fn a_held_lock_names_the_other_run_in_turkish() {
    let dir = tempdir();
    let out = dir.path().join("cikti");
    std::fs::create_dir(&out).expect("mkdir");
    let lock_path = out.join(".iysync.lock");
    let lock = std::fs::File::create(&lock_path).expect("lock file");
    std::fs::write(&lock_path, "4711").expect("pid");
    lock.try_lock().expect("the test holds the lock");
    let err = stops(
        iysync("convert")
            .arg(fixture("email-clean.csv"))
            .args(["--to", "netmera", "--out"])
            .arg(&out)
            .args(["--lang", "tr"]),
        2,
    );
    turkish(
        &err,
        &[
            "başka bir iysync çalıştırması (pid 4711) tarafından kullanılıyor",
            &shown(&out),
            &shown(&lock_path),
            "bitmesini bekleyin",
        ],
    );
    drop(lock);
}

#[test]
fn english_stays_the_default() {
    let dir = tempdir();
    let missing = dir.path().join("missing.csv");
    let err = stops(iysync("validate").arg(&missing), 2);
    assert!(
        err.starts_with(&format!("iysync: error: cannot open {}", shown(&missing))),
        "{err}"
    );
}

#[test]
fn the_ledger_commands_stop_in_turkish() {
    let dir = tempdir();
    let state = dir.path().join("ledger.sqlite3");
    // A ledger to read: a baseline of one record.
    baseline_of_one(dir.path(), &state);
    let err = stops(
        bare()
            .args(["ledger", "show", "--lang", "tr", "--state"])
            .arg(&state)
            .arg("kimse"),
        2,
    );
    turkish(&err, &["\"kimse\"", "bir alıcı değil"]);
    let err = stops(
        bare()
            .args(["ledger", "stats", "--partner", "başka", "--state"])
            .arg(&state)
            .env("LANG", "tr_TR.UTF-8"),
        2,
    );
    turkish(&err, &[&shown(&state), "\"başka\"", "partner yok"]);
}

#[test]
fn warnings_and_the_ledger_history_are_in_turkish_too() {
    let sim = Sim::start(SimConfig::default());
    let dir = tempdir();
    let token = write(dir.path(), "token.txt", "ucd-token\n");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&token, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    }
    let out = iysync("upsert")
        .env("INSIDER_PARTNER_NAME", "mybrand")
        .arg(fixture("email-clean.csv"))
        .arg("--unification-url")
        .arg(sim.base_url())
        .arg("--token-file")
        .arg(&token)
        .arg("--journal")
        .arg(dir.path().join("j.jsonl"))
        .args(["--lang", "tr", "--no-progress"])
        .assert()
        .code(0)
        .get_output()
        .clone();
    let err = String::from_utf8_lossy(&out.stderr);
    #[cfg(unix)]
    assert!(
        err.lines().any(|l| l.starts_with("iysync: uyarı: ")),
        "{err}"
    );
    assert!(!err.contains("iysync: warning:"), "{err}");
    // `ledger show`'s history names the endpoint in Turkish.
    let state = dir.path().join("ledger.sqlite3");
    baseline_of_one(dir.path(), &state);
    let out = bare()
        .args(["ledger", "show", "--lang", "tr", "--state"])
        .arg(&state)
        .arg("a@example.com")
        .assert()
        .code(0)
        .get_output()
        .clone();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("başlangıç kaydı"), "{text}");
}

#[test]
fn the_ledger_s_own_errors_are_in_turkish() {
    let dir = tempdir();
    let missing = dir.path().join("yok.sqlite3");
    let err = stops(
        bare()
            .args(["ledger", "stats", "--lang", "tr", "--state"])
            .arg(&missing),
        2,
    );
    turkish(&err, &[&shown(&missing), "konumunda defter yok", "--state"]);
    // An SQLite file that is not a ledger.
    let other = dir.path().join("other.sqlite3");
    {
        let conn = rusqlite::Connection::open(&other).expect("sqlite");
        conn.execute_batch("CREATE TABLE t (x)").expect("table");
    }
    let input = write(
        dir.path(),
        "in.csv",
        "a@example.com;web;ONAY;01.06.2024 10:00:00\n",
    );
    let err = stops(
        iysync("sync")
            .arg(&input)
            .args(["--baseline", "--partner", "x", "--lang", "tr", "--state"])
            .arg(&other),
        2,
    );
    turkish(&err, &[&shown(&other), "iysync defteri değil"]);
    // sync refuses the upload commands' journal flags in Turkish.
    let err = stops(
        iysync("sync")
            .arg(&input)
            .args(["--partner", "x", "--lang", "tr", "--restart", "--state"])
            .arg(dir.path().join("l.sqlite3")),
        2,
    );
    turkish(&err, &["--restart", "almaz"]);
}
