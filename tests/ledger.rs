//! `iysync ledger show|stats`: the real binary on a ledger filled through the library's API.

mod support;

use std::path::Path;

use iysync::ledger::{Endpoint, Ledger, Planner, RunMode};
use iysync::record::{Channel, Permission};
use iysync::resolve::Pos;
use predicates::prelude::*;
use support::{bare, tempdir};

/// 15.05.2025 14:23:00 +03:00.
const T0: i64 = 1_747_308_180;
const SENT: i64 = 1_795_338_000;

/// Day 1: an email opt-in and an SMS opt-out, both acknowledged; day 2: the SMS key opts in and
/// Insider refuses its upsert.
fn fill(path: &Path) {
    let mut l = Ledger::open(path).expect("open");
    let p = l.partner("Acme").expect("partner");
    let run = l
        .begin_run(p, RunMode::Sync, &["day1.csv".to_string()], SENT)
        .expect("run");
    let mut planner = Planner::new();
    planner
        .push_key(
            Pos::new(0, 3),
            Channel::Email,
            "user@example.com",
            Permission::Onay,
            T0,
        )
        .expect("push");
    planner
        .push_key(
            Pos::new(0, 7),
            Channel::Sms,
            "905321234567",
            Permission::Ret,
            T0,
        )
        .expect("push");
    let plan = planner.plan(&l, p).expect("plan");
    l.begin_sending(p, run, &plan).expect("begin");
    let unsub: Vec<_> = plan.unsubscribes().collect();
    l.record_ack(p, run, Endpoint::SmsUnsubscribe, &unsub, SENT)
        .expect("ack");
    let upserts: Vec<_> = plan.upserts().collect();
    l.record_ack(p, run, Endpoint::Upsert, &upserts, SENT + 1)
        .expect("ack");
    l.finish_run(run, SENT + 2, "ok", &plan.counts)
        .expect("finish");

    let run = l
        .begin_run(p, RunMode::Sync, &["day2.csv".to_string()], SENT + 86_400)
        .expect("run");
    let mut planner = Planner::new();
    planner
        .push_key(
            Pos::new(0, 1),
            Channel::Sms,
            "905321234567",
            Permission::Onay,
            T0 + 60,
        )
        .expect("push");
    let plan = planner.plan(&l, p).expect("plan");
    assert_eq!(plan.counts.opt_in, 1);
    l.begin_sending(p, run, &plan).expect("begin");
    let refused: Vec<_> = plan.upserts().map(|a| (a, "invalid phone")).collect();
    l.record_refused(p, run, Endpoint::Upsert, &refused)
        .expect("refused");
    l.finish_run(run, SENT + 86_500, "refused", &plan.counts)
        .expect("finish");
}

/// Opens the ledger again in this process. A child spawned by a test running in parallel holds a
/// copy of every descriptor between its fork and its exec, the lock file's included, so the lock
/// released by `fill` may stay taken for that instant: retry for a while.
fn open_again(path: &Path) -> Ledger {
    for _ in 0..200 {
        match Ledger::open(path) {
            Ok(l) => return l,
            Err(e) if e.to_string().contains("is using") => {
                std::thread::sleep(std::time::Duration::from_millis(25))
            }
            Err(e) => panic!("{e}"),
        }
    }
    panic!("the ledger's lock was never released")
}

fn ledger_cmd(args: &[&str]) -> assert_cmd::Command {
    let mut c = bare();
    c.env_remove("INSIDER_PARTNER_NAME")
        .arg("ledger")
        .args(args);
    c
}

#[test]
fn show_prints_the_row_and_the_history_of_recipients_written_as_in_the_input() {
    let dir = tempdir();
    let path = dir.path().join("ledger.sqlite3");
    fill(&path);
    let state = path.to_str().expect("utf-8 path");
    ledger_cmd(&["show", "--state", state, " User@Example.COM ", "0532 123 45 67"])
        .assert()
        .success()
        .stdout(predicate::str::contains("email user@example.com (written  User@Example.COM )"))
        .stdout(predicate::str::contains("partner acme: ONAY (consent 2025-05-15 14:23:00 +03:00"))
        .stdout(predicate::str::contains("upsert             ONAY  consent 2025-05-15 14:23:00 +03:00  from day1.csv:3  run 1"))
        .stdout(predicate::str::contains("sms 905321234567"))
        .stdout(predicate::str::contains("sms_unsubscribe    RET"))
        .stdout(predicate::str::contains("from day1.csv:7"))
        .stdout(predicate::str::contains(
            "pending: ONAY (consent 2025-05-15 14:24:00 +03:00), still to send: upsert+resubscribe; refused: upsert: invalid phone",
        ));
}

#[test]
fn show_json_is_one_document_and_unknown_recipients_are_said_so() {
    let dir = tempdir();
    let path = dir.path().join("ledger.sqlite3");
    fill(&path);
    let out = ledger_cmd(&[
        "show",
        "--format",
        "json",
        "--state",
        path.to_str().expect("utf-8"),
        "+905321234567",
        "nobody@example.com",
    ])
    .assert()
    .success()
    .get_output()
    .stdout
    .clone();
    let doc: serde_json::Value = serde_json::from_slice(&out).expect("json");
    assert_eq!(doc["schema"], "iysync.ledger/1");
    let sms = &doc["recipients"][0];
    assert_eq!(sms["found"], true);
    let row = &sms["partners"][0];
    assert_eq!(row["permission"], "RET");
    assert_eq!(
        row["pending"]["steps"],
        serde_json::json!(["upsert", "resubscribe"])
    );
    assert_eq!(row["history"].as_array().map(Vec::len), Some(2));
    assert_eq!(row["history"][0]["endpoint"], "sms_unsubscribe");
    assert_eq!(row["history"][0]["input"], "day1.csv");
    assert_eq!(row["history"][0]["line"], 7);
    assert_eq!(doc["recipients"][1]["found"], false);
}

#[test]
fn redact_masks_recipients_in_show() {
    let dir = tempdir();
    let path = dir.path().join("ledger.sqlite3");
    fill(&path);
    let out = ledger_cmd(&[
        "show",
        "--redact",
        "--state",
        path.to_str().expect("utf-8"),
        "user@example.com",
        "905321234567",
    ])
    .assert()
    .success()
    .get_output()
    .stdout
    .clone();
    let text = String::from_utf8(out).expect("utf-8");
    assert!(text.contains("u***@example.com"), "{text}");
    assert!(text.contains("90532*****67"), "{text}");
    assert!(!text.contains("user@example.com"), "{text}");
    assert!(!text.contains("905321234567"), "{text}");
}

#[test]
fn show_refuses_what_is_not_a_recipient() {
    let dir = tempdir();
    let path = dir.path().join("ledger.sqlite3");
    fill(&path);
    ledger_cmd(&[
        "show",
        "--state",
        path.to_str().expect("utf-8"),
        "0212 123 45 67",
    ])
    .assert()
    .code(2)
    .stderr(predicate::str::contains("is not a recipient"));
}

#[test]
fn stats_counts_keys_pending_and_the_last_run() {
    let dir = tempdir();
    let path = dir.path().join("ledger.sqlite3");
    fill(&path);
    let state = path.to_str().expect("utf-8");
    ledger_cmd(&["stats", "--state", state])
        .assert()
        .success()
        .stdout(predicate::str::contains("partner acme: 2 keys"))
        .stdout(predicate::str::contains("email  ONAY 1  RET 0"))
        .stdout(predicate::str::contains("sms    ONAY 0  RET 1"))
        .stdout(predicate::str::contains("pending 1 (refused by Insider 1)"))
        .stdout(predicate::str::contains("last run 2 (sync)"))
        .stdout(predicate::str::contains(", refused\n"));
    let out = ledger_cmd(&[
        "stats",
        "--format",
        "json",
        "--state",
        state,
        "--partner",
        "ACME",
    ])
    .assert()
    .success()
    .get_output()
    .stdout
    .clone();
    let doc: serde_json::Value = serde_json::from_slice(&out).expect("json");
    let acme = &doc["partners"][0];
    assert_eq!(acme["keys"], 2);
    assert_eq!(acme["sms"]["RET"], 1);
    assert_eq!(acme["pending"], 1);
    assert_eq!(acme["last_run"]["counts"]["opt_in"], 1);
    assert_eq!(acme["last_run"]["status"], "refused");
}

#[test]
fn stats_reads_beside_a_running_sync_and_a_missing_ledger_is_exit_2() {
    let dir = tempdir();
    let path = dir.path().join("ledger.sqlite3");
    fill(&path);
    let _running = open_again(&path);
    ledger_cmd(&["stats", "--state", path.to_str().expect("utf-8")])
        .assert()
        .success();
    let missing = dir.path().join("none.sqlite3");
    ledger_cmd(&["stats", "--state", missing.to_str().expect("utf-8")])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no ledger at"));
}

#[test]
fn a_newer_ledger_is_refused_with_exit_2() {
    let dir = tempdir();
    let path = dir.path().join("ledger.sqlite3");
    fill(&path);
    {
        let conn = rusqlite::Connection::open(&path).expect("raw");
        conn.execute_batch("PRAGMA user_version = 99")
            .expect("bump");
    }
    ledger_cmd(&["stats", "--state", path.to_str().expect("utf-8")])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "schema version 99, newer than this iysync understands",
        ));
}

#[test]
fn the_ledger_opens_in_a_stock_sqlite3_shell() {
    let Ok(out) = std::process::Command::new("sqlite3")
        .arg("-version")
        .output()
    else {
        eprintln!("no sqlite3 shell on this machine: skipped");
        return;
    };
    if !out.status.success() {
        return;
    }
    let dir = tempdir();
    let path = dir.path().join("ledger.sqlite3");
    fill(&path);
    let out = std::process::Command::new("sqlite3")
        .arg(&path)
        .arg("SELECT endpoint, permission, input, line FROM audit_log WHERE recipient = '905321234567' ORDER BY sent_at_utc;")
        .output()
        .expect("sqlite3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "sms_unsubscribe|RET|day1.csv|7\nupsert|RET|day1.csv|7\n"
    );
}

#[test]
fn show_speaks_turkish_under_lang_tr_with_readable_dates_and_json_stays_as_it_is() {
    let dir = tempdir();
    let path = dir.path().join("ledger.sqlite3");
    fill(&path);
    let state = path.to_str().expect("utf-8 path");
    let out = ledger_cmd(&[
        "show",
        "--lang",
        "tr",
        "--state",
        state,
        " User@Example.COM ",
        "0532 123 45 67",
        "nobody@example.com",
    ])
    .assert()
    .success()
    .get_output()
    .stdout
    .clone();
    let text = String::from_utf8(out).expect("utf-8");
    for want in [
        "e-posta user@example.com (yazıldığı gibi:  User@Example.COM )",
        "partner acme: ONAY (izin zamanı 15.05.2025 14:23:00 +03:00, gönderim zamanı ",
        "upsert             ONAY  izin zamanı 15.05.2025 14:23:00 +03:00  girdi day1.csv:3  çalıştırma 1",
        "SMS 905321234567",
        "bekleyen: ONAY (izin zamanı 15.05.2025 14:24:00 +03:00), gönderilecek: güncelleme/ekleme (upsert) + yeniden abone etme; Insider'ın reddi: upsert: invalid phone",
        "e-posta nobody@example.com\n  defterde yok: ",
    ] {
        assert!(text.contains(want), "{want:?} in\n{text}");
    }
    for english in [
        "consent ",
        "from ",
        "pending",
        "written",
        "not in the ledger",
    ] {
        assert!(!text.contains(english), "{english:?} left in\n{text}");
    }
    // The language comes from the environment too; JSON is never translated (RFC 3339 times).
    let out = ledger_cmd(&[
        "show",
        "--format",
        "json",
        "--state",
        state,
        "user@example.com",
    ])
    .env("LANG", "tr_TR.UTF-8")
    .assert()
    .success()
    .get_output()
    .stdout
    .clone();
    let doc: serde_json::Value = serde_json::from_slice(&out).expect("json");
    let acme = &doc["recipients"][0]["partners"][0];
    assert_eq!(acme["consent_at"], "2025-05-15T14:23:00+03:00");
    assert_eq!(acme["history"][0]["endpoint"], "upsert");
}

#[test]
fn stats_speaks_turkish_under_lang_tr() {
    let dir = tempdir();
    let path = dir.path().join("ledger.sqlite3");
    fill(&path);
    let state = path.to_str().expect("utf-8");
    let out = ledger_cmd(&["stats", "--state", state, "--lang", "tr"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).expect("utf-8");
    for want in [
        "defter ",
        "(şema ",
        "partner acme: 2 alıcı\n",
        "  e-posta  ONAY 1  RET 0\n",
        "  SMS      ONAY 0  RET 1\n",
        "  bekleyen 1 (Insider'ın reddettiği 1)\n",
        "  son çalıştırma 2 (senkronizasyon): başlangıç 23.11.2026 ",
        ", Insider bazı kayıtları reddetti\n",
    ] {
        assert!(text.contains(want), "{want:?} in\n{text}");
    }
    assert!(
        !text.contains("keys") && !text.contains("last run"),
        "{text}"
    );
    // LANG=tr picks Turkish too; --lang en wins over it.
    ledger_cmd(&["stats", "--state", state])
        .env("LANG", "tr_TR.UTF-8")
        .assert()
        .success()
        .stdout(predicate::str::contains("2 alıcı"));
    ledger_cmd(&["stats", "--state", state, "--lang", "en"])
        .env("LANG", "tr_TR.UTF-8")
        .assert()
        .success()
        .stdout(predicate::str::contains("2 keys"));
}
