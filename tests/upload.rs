//! `iysync upsert|unsubscribe|resubscribe`: the real binary against the in-process Insider
//! simulator over real HTTP on 127.0.0.1. Assertions are on what the server applied.

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use predicates::prelude::*;
use support::*;

const UCD: &str = "ucd-token";
const UNSUB: &str = "unsubscribe-token";
const RESUB: &str = "resubscribe-token";

struct Run {
    dir: tempfile::TempDir,
}

impl Run {
    fn new() -> Run {
        Run { dir: tempdir() }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The binary for `cmd` aimed at `sim`, with the right token, a journal and rejects in the
    /// temp dir; the partner name in mixed case (it must be sent lower-case).
    fn cmd(&self, cmd: &str, sim: &Sim) -> Command {
        self.cmd_at(cmd, sim, NOW)
    }

    fn cmd_at(&self, cmd: &str, sim: &Sim, now: &str) -> Command {
        let mut c = iysync_at(cmd, now);
        let (var, token) = match cmd {
            "upsert" => ("INSIDER_UCD_TOKEN", UCD),
            "unsubscribe" => ("INSIDER_UNSUBSCRIBE_TOKEN", UNSUB),
            _ => ("INSIDER_RESUBSCRIBE_TOKEN", RESUB),
        };
        c.env(var, token)
            // Test-only: backoff and the drain after a signal 100 times shorter.
            .env("IYSYNC_TEST_TIME_SCALE", "0.01")
            .env("INSIDER_PARTNER_NAME", "MyBrand")
            .arg("--unification-url")
            .arg(sim.base_url())
            .arg("--contact-url")
            .arg(sim.base_url())
            .arg("--journal")
            .arg(self.path(&format!("{cmd}.journal")))
            .arg("--rejects")
            .arg(self.path(&format!("{cmd}-rejects.csv")))
            .arg("--report")
            .arg(self.path(&format!("{cmd}-report.json")))
            .arg("--force");
        c
    }

    fn report(&self, cmd: &str) -> serde_json::Value {
        json(read(&self.path(&format!("{cmd}-report.json"))).as_bytes())
    }
}

fn messy() -> PathBuf {
    fixture("messy.csv")
}

#[test]
fn upsert_applies_the_resolved_state() {
    let sim = Sim::start(SimConfig::default());
    let run = Run::new();
    run.cmd("upsert", &sim).arg(messy()).assert().code(1);
    let users = sim.users();
    assert_eq!(users.len(), 11);
    let optin = |id: &str| {
        sim.user(id)
            .and_then(|u| u.email_optin.or(u.sms_optin))
            .unwrap_or_else(|| panic!("{id} not applied"))
    };
    assert!(optin("ayse.yilmaz@example.com"));
    assert!(!optin("mehmet.demir@example.com"));
    assert!(
        !optin("irem.yildiz@example.com"),
        "conflict resolves to RET"
    );
    assert!(!optin("+905321234567"));
    assert!(optin("+905331234562"));
    assert!(
        sim.user("kemal.dogan@example.com").is_none(),
        "withheld keys are never sent"
    );
    let report = run.report("upsert");
    assert_eq!(report["upload"]["requests"], 1);
    assert_eq!(report["upload"]["records_sent"], 11);
    assert_eq!(report["upload"]["records_accepted"], 11);
    assert_eq!(report["upload"]["records_refused"], 0);
    assert_eq!(report["summary"]["invalid"], 13);
}

#[test]
fn clean_upsert_exits_0_and_sends_lower_case_partner() {
    let sim = Sim::start(SimConfig::default());
    let run = Run::new();
    run.cmd("upsert", &sim)
        .arg(fixture("sms-clean.csv"))
        .assert()
        .code(0);
    assert_eq!(sim.users().len(), 5);
    assert!(
        sim.log()
            .iter()
            .all(|r| r.partner.as_deref() == Some("mybrand"))
    );
}

#[test]
fn unsubscribe_sends_only_resolved_ret_records() {
    let sim = Sim::start(SimConfig::default());
    let run = Run::new();
    run.cmd("unsubscribe", &sim)
        .arg(messy())
        .args(["--group", "newsletter"])
        .assert()
        .code(1);
    let emails: Vec<(String, Option<String>)> = sim.unsubscribed_emails().into_iter().collect();
    assert_eq!(
        emails,
        [
            (
                "irem.yildiz@example.com".to_string(),
                Some("newsletter".to_string())
            ),
            (
                "mehmet.demir@example.com".to_string(),
                Some("newsletter".to_string())
            )
        ]
    );
    let phones: Vec<String> = sim.unsubscribed_phones().into_iter().collect();
    assert_eq!(phones, ["+905321234567", "+905551234567"]);
    assert!(sim.subscribed_emails().is_empty() && sim.subscribed_phones().is_empty());
    let report = run.report("unsubscribe");
    assert_eq!(report["upload"]["records_sent"], 4);
    assert_eq!(
        report["upload"]["skipped"], 7,
        "ONAY records are not for unsubscribe"
    );
}

#[test]
fn resubscribe_never_resubscribes_a_ret_latest_recipient() {
    let sim = Sim::start(SimConfig::default());
    let run = Run::new();
    run.cmd("resubscribe", &sim)
        .arg(messy())
        .args(["--group-id", "42"])
        .assert()
        .code(1);
    let emails: Vec<String> = sim
        .subscribed_emails()
        .into_iter()
        .map(|(e, _)| e)
        .collect();
    assert_eq!(
        emails,
        [
            "ayse.yilmaz@example.com",
            "hakan.polat@example.com",
            "zeynep.kaya@example.com.tr"
        ]
    );
    assert!(
        sim.subscribed_emails()
            .iter()
            .all(|(_, g)| g.as_deref() == Some("42"))
    );
    let phones: Vec<String> = sim.subscribed_phones().into_iter().collect();
    assert_eq!(
        phones,
        [
            "+447911123456",
            "+905051112233",
            "+905331234562",
            "+905441234567"
        ]
    );
    // RET-latest (irem: conflict; mehmet; 905321234567) and withheld (kemal) are never there.
    for never in [
        "irem.yildiz@example.com",
        "mehmet.demir@example.com",
        "kemal.dogan@example.com",
    ] {
        assert!(!emails.iter().any(|e| e == never), "{never}");
    }
    assert!(!phones.iter().any(|p| p == "+905321234567"));
}

#[test]
fn wrong_token_stops_at_once_with_exit_3_and_nothing_applied() {
    let sim = Sim::start(SimConfig::default());
    let run = Run::new();
    let secret = "WRONG-SECRET-TOKEN-4711";
    let out = run
        .cmd("upsert", &sim)
        .env("INSIDER_UCD_TOKEN", secret)
        .arg(fixture("email-clean.csv"))
        .args(["--max-users", "1", "--concurrency", "1"])
        .assert()
        .code(3)
        .get_output()
        .clone();
    assert!(sim.users().is_empty());
    assert_eq!(sim.requests_total(), 1, "no retries, no further requests");
    let everything = format!(
        "{}{}{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        read(&run.path("upsert-report.json")),
        read(&run.path("upsert.journal"))
    );
    assert!(!everything.contains(secret));
    assert!(String::from_utf8_lossy(&out.stderr).contains("refused the credentials"));
    // The report is written even when the upload is aborted, and counts what was sent.
    let report = run.report("upsert");
    assert_eq!(report["upload"]["requests"], 1);
    assert_eq!(report["upload"]["records_sent"], 1);
    assert_eq!(report["upload"]["records_accepted"], 0);
    assert_eq!(report["upload"]["records_refused"], 0);
}

#[test]
fn missing_credentials_exit_2_before_any_request() {
    let sim = Sim::start(SimConfig::default());
    let run = Run::new();
    run.cmd("upsert", &sim)
        .env_remove("INSIDER_UCD_TOKEN")
        .arg(fixture("email-clean.csv"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("INSIDER_UCD_TOKEN"));
    run.cmd("unsubscribe", &sim)
        .env_remove("INSIDER_PARTNER_NAME")
        .arg(fixture("email-clean.csv"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("partner"));
    assert_eq!(sim.requests_total(), 0);
}

#[test]
fn token_file_is_read_and_tokens_are_not_command_line_flags() {
    let sim = Sim::start(SimConfig::default());
    let run = Run::new();
    let token = write(run.dir.path(), "token", format!("{UCD}\n"));
    run.cmd("upsert", &sim)
        .env_remove("INSIDER_UCD_TOKEN")
        .arg(fixture("email-clean.csv"))
        .arg("--token-file")
        .arg(&token)
        .assert()
        .code(0);
    assert_eq!(sim.users().len(), 5);
    run.cmd("upsert", &sim)
        .arg(fixture("email-clean.csv"))
        .args(["--token", "x"])
        .assert()
        .code(2);
}

#[test]
fn http_is_refused_except_on_loopback() {
    let run = Run::new();
    iysync("upsert")
        .env("INSIDER_UCD_TOKEN", UCD)
        .env("INSIDER_PARTNER_NAME", "b")
        .arg(fixture("email-clean.csv"))
        .args([
            "--unification-url",
            "http://unification.example.com",
            "--journal",
        ])
        .arg(run.path("j"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--unification-url"));
}

#[test]
fn partial_failures_map_back_to_their_rows() {
    let sim = Sim::start(SimConfig::default());
    sim.configure(|c| {
        c.refuse_identifiers
            .insert("zeynep.kaya@example.com.tr".to_string());
        c.refuse_identifiers.insert("+905441234567".to_string());
    });
    let run = Run::new();
    run.cmd("upsert", &sim).arg(messy()).assert().code(1);
    assert_eq!(sim.users().len(), 9);
    let rejects = read(&run.path("upsert-rejects.csv"));
    let refused: Vec<&str> = rejects
        .lines()
        .filter(|l| l.contains(";api_refused;"))
        .collect();
    assert_eq!(refused.len(), 2, "{rejects}");
    assert!(
        refused
            .iter()
            .any(|l| l.contains("messy.csv;3;") && l.contains("zeynep.kaya@example.com.tr")),
        "{rejects}"
    );
    assert!(
        refused
            .iter()
            .any(|l| l.contains("messy.csv;6;") && l.contains("905441234567")),
        "{rejects}"
    );
    let report = run.report("upsert");
    assert_eq!(report["upload"]["records_refused"], 2);
    assert_eq!(report["upload"]["records_accepted"], 9);
    assert!(
        report["problems"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|p| p["code"] == "api_refused" && p["line"] == 3)
    );
}

#[test]
fn a_400_refuses_its_records_without_retry() {
    let sim = Sim::start(SimConfig {
        max_body_bytes: 300,
        ..SimConfig::default()
    });
    let run = Run::new();
    run.cmd("upsert", &sim)
        .arg(fixture("email-clean.csv"))
        .assert()
        .code(1);
    assert_eq!(sim.requests_total(), 1);
    assert!(sim.users().is_empty());
    let rejects = read(&run.path("upsert-rejects.csv"));
    assert_eq!(
        rejects
            .lines()
            .filter(|l| l.contains(";api_refused;"))
            .count(),
        5,
        "{rejects}"
    );
}

fn many(dir: &Path, n: usize) -> PathBuf {
    let mut data = String::new();
    for i in 0..n {
        let perm = if i % 4 == 0 { "RET" } else { "ONAY" };
        data.push_str(&format!(
            "user{i}@example.com;web;{perm};15.05.2025 14:23:00\n"
        ));
        data.push_str(&format!("9053212{i:05};SMS;{perm};15.05.2025 14:23:00\n"));
    }
    write(dir, "many.csv", data)
}

#[test]
fn faults_are_retried_and_every_record_applied_once() {
    let sim = Sim::start(SimConfig {
        error_5xx_prob: 0.10,
        reset_prob: 0.05,
        seed: 7,
        ..SimConfig::default()
    });
    let run = Run::new();
    let f = many(run.dir.path(), 500);
    run.cmd("upsert", &sim)
        .arg(&f)
        .args([
            "--max-users",
            "5",
            "--max-retries",
            "10",
            "--concurrency",
            "8",
        ])
        .assert()
        .code(0);
    let users = sim.users();
    assert_eq!(users.len(), 1000);
    assert!(
        users.values().all(|u| u.applications == 1),
        "nothing applied twice"
    );
    assert!(
        sim.status_count(500) + sim.status_count(503) + sim.resets() > 0,
        "faults were injected"
    );
    let report = run.report("upsert");
    assert_eq!(report["upload"]["records_accepted"], 1000);
    assert!(report["upload"]["retries"].as_u64().is_some_and(|r| r > 0));
}

#[test]
fn a_low_server_cap_is_waited_out_without_losing_records() {
    let sim = Sim::start(SimConfig {
        window_limit: Some(5),
        window: Duration::from_secs(1),
        ..SimConfig::default()
    });
    let run = Run::new();
    let f = many(run.dir.path(), 40);
    run.cmd("unsubscribe", &sim)
        .arg(&f)
        .args([
            "--max-contacts",
            "1",
            "--rate",
            "100000",
            "--max-retries",
            "20",
        ])
        .assert()
        .code(0);
    assert!(sim.status_count(429) > 0, "the cap was hit");
    assert_eq!(sim.unsubscribed_emails().len(), 10);
    assert_eq!(sim.unsubscribed_phones().len(), 10);
}

#[test]
fn retries_exhausted_abort_with_exit_3() {
    let sim = Sim::start(SimConfig {
        fail_first: 1000,
        ..SimConfig::default()
    });
    let run = Run::new();
    run.cmd("upsert", &sim)
        .arg(fixture("email-clean.csv"))
        .args(["--max-retries", "2"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("after all retries"));
    assert_eq!(sim.requests_total(), 3);
}

#[test]
fn fail_on_invalid_sends_nothing() {
    let sim = Sim::start(SimConfig::default());
    let run = Run::new();
    run.cmd("upsert", &sim)
        .arg(messy())
        .arg("--fail-on-invalid")
        .assert()
        .code(1);
    assert_eq!(sim.requests_total(), 0);
    run.cmd("upsert", &sim)
        .arg(fixture("email-clean.csv"))
        .arg("--fail-on-invalid")
        .assert()
        .code(0);
    assert_eq!(sim.users().len(), 5);
}

#[test]
fn dry_run_needs_no_token_sends_nothing_and_writes_the_exact_bodies() {
    let sim = Sim::start(SimConfig::default());
    let run = Run::new();
    let out = run.path("bodies");
    let secret = "SECRET-IN-ENV-0042";
    let output = run
        .cmd("unsubscribe", &sim)
        .env("INSIDER_UNSUBSCRIBE_TOKEN", secret)
        .arg(messy())
        .args(["--dry-run", "--out"])
        .arg(&out)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("dry run"))
        .stdout(predicate::str::contains(
            "/email/v2/unsubscribe: 1 request, 2 records",
        ))
        .stdout(predicate::str::contains(
            "/sms/v2/unsubscribe: 1 request, 2 records",
        ))
        .get_output()
        .clone();
    assert_eq!(sim.requests_total(), 0);
    let email = json(&std::fs::read(out.join("email-unsubscribe-000001.json")).unwrap_or_default());
    assert_eq!(
        email,
        serde_json::json!({"emails": ["mehmet.demir@example.com", "irem.yildiz@example.com"]})
    );
    let sms = json(&std::fs::read(out.join("sms-unsubscribe-000001.json")).unwrap_or_default());
    assert_eq!(
        sms,
        serde_json::json!({"phone_numbers": ["+905321234567", "+905551234567"]})
    );
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!all.contains(secret));
    // And without any token at all.
    run.cmd("upsert", &sim)
        .env_remove("INSIDER_UCD_TOKEN")
        .arg(fixture("email-clean.csv"))
        .arg("--dry-run")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("5 records in 1 request,"));
    assert_eq!(sim.requests_total(), 0);
}

#[test]
fn rerun_after_success_sends_nothing_again() {
    let sim = Sim::start(SimConfig::default());
    let run = Run::new();
    let f = many(run.dir.path(), 50);
    run.cmd("upsert", &sim)
        .arg(&f)
        .args(["--max-users", "10"])
        .assert()
        .code(0);
    let first = sim.requests_total();
    assert_eq!(first, 10);
    run.cmd("upsert", &sim)
        .arg(&f)
        .args(["--max-users", "10"])
        .assert()
        .code(0);
    assert_eq!(
        sim.requests_total(),
        first,
        "all acknowledged: nothing sent again"
    );
    assert_eq!(run.report("upsert")["upload"]["skipped"], 100);
    run.cmd("upsert", &sim)
        .arg(&f)
        .args(["--max-users", "10", "--restart"])
        .assert()
        .code(0);
    assert_eq!(sim.requests_total(), 2 * first);
    // The journal holds no recipients.
    let journal = read(&run.path("upsert.journal"));
    assert!(
        !journal.contains("@example.com") && !journal.contains("90532"),
        "{journal}"
    );
}

fn spawn(run: &Run, sim: &Sim, f: &Path) -> std::process::Child {
    let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("iysync"));
    c.args(["upsert", "--now", NOW, "--no-progress", "-q"])
        .env_remove("CI")
        .env("INSIDER_UCD_TOKEN", UCD)
        .env("IYSYNC_TEST_TIME_SCALE", "0.01")
        .env("INSIDER_PARTNER_NAME", "mybrand")
        .arg(f)
        .arg("--unification-url")
        .arg(sim.base_url())
        .arg("--journal")
        .arg(run.path("upsert.journal"))
        .arg("--rejects")
        .arg(run.path("upsert-rejects.csv"))
        .args(["--force", "--max-users", "2", "--concurrency", "2"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    c.spawn().unwrap_or_else(|e| panic!("{e}"))
}

fn wait_for_requests(sim: &Sim, n: u64) {
    let start = std::time::Instant::now();
    while sim.requests_total() < n {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the upload did not start"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn sigkill_mid_run_then_rerun_applies_everything_once_more_at_most_in_flight() {
    let sim = Sim::start(SimConfig {
        latency: Duration::from_millis(20),
        ..SimConfig::default()
    });
    let run = Run::new();
    let f = many(run.dir.path(), 100);
    let mut child = spawn(&run, &sim, &f);
    wait_for_requests(&sim, 20);
    let _ = child.kill();
    let _ = child.wait();
    let before = sim.users().len();
    assert!(before < 200, "killed mid-run ({before} applied)");
    run.cmd("upsert", &sim)
        .arg(&f)
        .args(["--max-users", "2", "--concurrency", "2"])
        .assert()
        .code(0);
    let users = sim.users();
    assert_eq!(users.len(), 200);
    let twice: u64 = users
        .values()
        .map(|u| u.applications.saturating_sub(1))
        .sum();
    // Only requests in flight at the kill can be applied twice: a worker takes no new request
    // before its last answer is journaled, so at most --concurrency (2) requests of 2 users.
    assert!(twice <= 4, "{twice} users applied twice");
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_cleanly_with_exit_130_and_resumes() {
    let sim = Sim::start(SimConfig {
        latency: Duration::from_millis(20),
        ..SimConfig::default()
    });
    let run = Run::new();
    let f = many(run.dir.path(), 100);
    let child = spawn(&run, &sim, &f);
    wait_for_requests(&sim, 10);
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(status.success());
    let out = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let applied = sim.users().len();
    assert!(applied < 200);
    run.cmd("upsert", &sim)
        .arg(&f)
        .args(["--max-users", "2", "--concurrency", "2"])
        .assert()
        .code(0);
    let users = sim.users();
    assert_eq!(users.len(), 200);
    assert!(
        users.values().all(|u| u.applications == 1),
        "a clean stop acknowledges what was applied"
    );
}

#[test]
fn a_changed_plan_under_the_same_journal_is_sent_again() {
    let sim = Sim::start(SimConfig::default());
    let run = Run::new();
    // b@ is dated 11:00 on the 22nd: in the future at 10:00, valid at 12:00.
    let f = write(
        run.dir.path(),
        "j.csv",
        "a@example.com;web;ONAY;15.05.2025 14:23:00\nb@example.com;web;RET;22.11.2026 11:00:00\nc@example.com;web;RET;15.05.2025 14:23:00\n",
    );
    run.cmd_at("upsert", &sim, "2026-11-22T10:00:00+03:00")
        .args(["--max-users", "2"])
        .arg(&f)
        .assert()
        .code(1);
    assert!(sim.user("b@example.com").is_none());
    run.cmd("upsert", &sim)
        .args(["--max-users", "2"])
        .arg(&f)
        .assert()
        .code(0);
    assert_eq!(
        sim.user("b@example.com").and_then(|u| u.email_optin),
        Some(false),
        "b's RET was sent"
    );
}

#[test]
fn api_messages_are_redacted_under_ci() {
    let sim = Sim::start(SimConfig::default());
    sim.configure(|c| {
        c.refuse_identifiers
            .insert("zeynep.kaya@example.com.tr".to_string());
    });
    let run = Run::new();
    let out = run
        .cmd("upsert", &sim)
        .env("CI", "true")
        .arg(messy())
        .assert()
        .code(1)
        .get_output()
        .clone();
    let shown = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stderr),
        read(&run.path("upsert-report.json"))
    );
    assert!(shown.contains("api_refused"), "{shown}");
    assert!(!shown.contains("zeynep.kaya@example.com.tr"), "{shown}");
}

#[test]
fn reruns_are_not_blocked_by_the_last_rejects_file() {
    let dir = tempdir();
    for _ in 0..2 {
        // messy.csv has invalid rows: a rejects file each time (none is written without rejects).
        iysync("unsubscribe")
            .current_dir(dir.path())
            .arg(fixture("messy.csv"))
            .arg("--dry-run")
            .assert()
            .code(1);
    }
    assert!(
        dir.path()
            .join("iysync-rejects-20261122T090000Z.csv")
            .exists()
    );
}

// ---- SPEC §10: answers, signals, journals ----

fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Lines of a journal after its header.
fn journal_entries(run: &Run, cmd: &str) -> usize {
    read(&run.path(&format!("{cmd}.journal")))
        .lines()
        .skip(1)
        .count()
}

#[test]
fn another_partner_or_host_never_skips_anything() {
    let sim = Sim::start(SimConfig {
        partner: "brand-a".into(),
        ..SimConfig::default()
    });
    let run = Run::new();
    let f = fixture("email-clean.csv");
    run.cmd("upsert", &sim)
        .env("INSIDER_PARTNER_NAME", "Brand-A")
        .arg(&f)
        .assert()
        .code(0);
    assert_eq!(sim.requests_total(), 1);
    // The same command for another account, with the same journal: everything is sent.
    sim.configure(|c| c.partner = "brand-b".into());
    let out = run
        .cmd("upsert", &sim)
        .env("INSIDER_PARTNER_NAME", "brand-b")
        .arg(&f)
        .assert()
        .code(0)
        .get_output()
        .clone();
    assert_eq!(sim.requests_total(), 2, "sent again for brand-b");
    assert!(
        stderr_of(&out).contains("was not resumed: it was written for partner `brand-a`"),
        "{}",
        stderr_of(&out)
    );
    assert_eq!(run.report("upsert")["upload"]["skipped"], 0);
    // And against another host.
    let other = Sim::start(SimConfig {
        partner: "brand-b".into(),
        ..SimConfig::default()
    });
    iysync("upsert")
        .env("INSIDER_UCD_TOKEN", UCD)
        .env("INSIDER_PARTNER_NAME", "brand-b")
        .arg("--unification-url")
        .arg(other.base_url())
        .arg("--journal")
        .arg(run.path("upsert.journal"))
        .arg("--rejects")
        .arg(run.path("upsert-rejects.csv"))
        .arg(&f)
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "it was written for --unification-url",
        ));
    assert_eq!(other.users().len(), 5, "the other host got every record");
}

#[test]
fn answers_that_are_not_insiders_stop_with_exit_3_and_a_corrected_rerun_applies_everything_once() {
    for canned in [
        Canned::html(404),
        Canned::new(405, "application/json", r#"{"error":"method not allowed"}"#),
        Canned::html(413),
        Canned::html(200),
        Canned::new(200, "application/json", r#"{"data":{"successful":{"count""#),
        Canned::new(200, "application/json", ""),
        Canned::new(200, "text/plain", "garbage\u{1b}[2J"),
    ] {
        let sim = Sim::start(SimConfig {
            canned: Some(canned.clone()),
            ..SimConfig::default()
        });
        let run = Run::new();
        let f = fixture("email-clean.csv");
        let out = run
            .cmd("upsert", &sim)
            .arg(&f)
            .args(["--max-users", "2", "--concurrency", "1"])
            .assert()
            .code(3)
            .get_output()
            .clone();
        let err = stderr_of(&out);
        assert!(err.contains(&format!("HTTP {}", canned.status)), "{err}");
        assert!(err.contains("Check the URL"), "{err}");
        assert!(!err.contains('\u{1b}'), "the answer is escaped: {err}");
        assert_eq!(sim.requests_total(), 1, "{canned:?}: stopped at once");
        assert!(sim.users().is_empty());
        assert_eq!(journal_entries(&run, "upsert"), 0, "nothing journaled");
        let rejects = run.path("upsert-rejects.csv");
        assert!(
            !rejects.exists() || !read(&rejects).contains("api_refused"),
            "nothing refused"
        );
        let report = run.report("upsert");
        assert_eq!(report["upload"]["requests"], 1);
        assert_eq!(report["upload"]["records_refused"], 0);
        // The URL fixed: the rerun applies every record exactly once.
        sim.configure(|c| c.canned = None);
        run.cmd("upsert", &sim)
            .arg(&f)
            .args(["--max-users", "2", "--concurrency", "1"])
            .assert()
            .code(0);
        let users = sim.users();
        assert_eq!(users.len(), 5, "{canned:?}");
        assert!(users.values().all(|u| u.applications == 1));
    }
}

/// Runs `upsert email-clean.csv` (3 requests of at most 2 users, one at a time) against a
/// simulator answering `canned`: exit 3 after one request, nothing applied, journaled or
/// refused; then the server fixed, a rerun applies every record exactly once. Returns the first
/// run's stderr.
fn upsert_unknown_outcome_then_rerun(canned: Canned) -> String {
    let sim = Sim::start(SimConfig {
        canned: Some(canned.clone()),
        ..SimConfig::default()
    });
    let run = Run::new();
    let f = fixture("email-clean.csv");
    let args = ["--max-users", "2", "--concurrency", "1"];
    let out = run
        .cmd("upsert", &sim)
        .arg(&f)
        .args(args)
        .assert()
        .code(3)
        .get_output()
        .clone();
    let err = stderr_of(&out);
    assert_eq!(
        sim.requests_total(),
        1,
        "{canned:?}: stopped at once\n{err}"
    );
    assert!(sim.users().is_empty(), "{canned:?}");
    assert_eq!(
        journal_entries(&run, "upsert"),
        0,
        "{canned:?}: nothing journaled"
    );
    let rejects = run.path("upsert-rejects.csv");
    assert!(
        !rejects.exists() || !read(&rejects).contains("api_refused"),
        "{canned:?}: nothing refused"
    );
    let report = run.report("upsert");
    assert_eq!(report["upload"]["requests"], 1);
    assert_eq!(report["upload"]["records_refused"], 0);
    assert_eq!(report["upload"]["records_accepted"], 0);
    // The server fixed: the rerun sends everything (nothing was "refused in an earlier run")
    // and applies every record exactly once.
    sim.configure(|c| c.canned = None);
    run.cmd("upsert", &sim).arg(&f).args(args).assert().code(0);
    assert_eq!(sim.requests_total(), 1 + 3, "{canned:?}");
    let users = sim.users();
    assert_eq!(users.len(), 5, "{canned:?}");
    assert!(users.values().all(|u| u.applications == 1), "{canned:?}");
    let report = run.report("upsert");
    assert_eq!(report["upload"]["skipped"], 0, "{canned:?}");
    assert_eq!(report["upload"]["records_accepted"], 5, "{canned:?}");
    assert_eq!(journal_entries(&run, "upsert"), 3);
    err
}

#[test]
fn a_400_with_an_error_string_that_is_not_insiders_body_refuses_nothing() {
    for canned in [
        Canned::spring_boot_400(support::sim::UPSERT),
        Canned::oauth_400(
            "invalid_request",
            Some("The request is missing a required parameter"),
        ),
        Canned::oauth_400("invalid_request", None),
        Canned::json(400, r#"{"error":"Bad Request"}"#),
    ] {
        let err = upsert_unknown_outcome_then_rerun(canned.clone());
        assert!(err.contains("answered HTTP 400 Bad Request"), "{err}");
        assert!(err.contains("nothing was recorded as refused"), "{err}");
        assert!(err.contains("Check the URL"), "{err}");
    }
}

#[test]
fn upsert_failures_insider_counts_but_cannot_map_stop_with_exit_3() {
    for (canned, said) in [
        (
            Canned::json(
                200,
                r#"{"data":{"fail":{"count":2,"errors":{"0.email":["invalid"],"1.email":["invalid"]}}}}"#,
            ),
            "Insider reported 2 failed users, of which 0 could be mapped to rows (2 error keys do not name a user",
        ),
        (
            Canned::json(
                200,
                r#"{"data":{"successful":{"count":0},"fail":{"count":2,"errors":{"users.0.identifiers.email":["invalid"]}}}}"#,
            ),
            "Insider reported 2 failed users, of which 1 could be mapped to rows,",
        ),
    ] {
        let err = upsert_unknown_outcome_then_rerun(canned);
        assert!(err.contains(said), "{err}");
        assert!(err.contains("a rerun sends it again"), "{err}");
        assert!(err.contains("--unification-url"), "{err}");
    }
}

/// `unsubscribe` of 2 emails and 2 phones (4 requests, one at a time) against a simulator
/// answering `canned`: exit 3 after one request, nothing applied, journaled or refused; then a
/// rerun against the fixed server applies every opt-out exactly once.
fn unsubscribe_unknown_outcome_then_rerun(canned: Canned) -> String {
    use support::sim::{EMAIL_UNSUBSCRIBE, SMS_UNSUBSCRIBE};
    let sim = Sim::start(SimConfig {
        canned: Some(canned.clone()),
        ..SimConfig::default()
    });
    let run = Run::new();
    let f = many(run.dir.path(), 8);
    let args = ["--max-contacts", "1", "--concurrency", "1"];
    let out = run
        .cmd("unsubscribe", &sim)
        .arg(&f)
        .args(args)
        .assert()
        .code(3)
        .get_output()
        .clone();
    let err = stderr_of(&out);
    assert_eq!(
        sim.requests_total(),
        1,
        "{canned:?}: stopped at once, no retry\n{err}"
    );
    assert!(sim.unsubscribed_emails().is_empty() && sim.unsubscribed_phones().is_empty());
    assert_eq!(
        journal_entries(&run, "unsubscribe"),
        0,
        "{canned:?}: nothing journaled"
    );
    let rejects = run.path("unsubscribe-rejects.csv");
    assert!(
        !rejects.exists() || !read(&rejects).contains("api_refused"),
        "{canned:?}: nothing refused"
    );
    assert_eq!(run.report("unsubscribe")["upload"]["records_refused"], 0);
    sim.configure(|c| c.canned = None);
    run.cmd("unsubscribe", &sim)
        .arg(&f)
        .args(args)
        .assert()
        .code(0);
    assert_eq!(sim.requests_total(), 1 + 4, "{canned:?}");
    let emails = sim.unsubscribed_emails();
    let phones = sim.unsubscribed_phones();
    assert_eq!((emails.len(), phones.len()), (2, 2), "{canned:?}");
    for (email, _) in &emails {
        assert_eq!(sim.contact_applications(EMAIL_UNSUBSCRIBE, email), 1);
    }
    for phone in &phones {
        assert_eq!(sim.contact_applications(SMS_UNSUBSCRIBE, phone), 1);
    }
    assert_eq!(
        run.report("unsubscribe")["upload"]["skipped"].as_u64(),
        Some(12)
    );
    assert_eq!(journal_entries(&run, "unsubscribe"), 4);
    err
}

#[test]
fn contact_status_messages_other_than_insiders_three_refuse_nothing() {
    for canned in [
        Canned::json(
            200,
            r#"{"statusMessage":"Service temporarily unavailable"}"#,
        ),
        Canned::json(200, r#"{"statusMessage":"success"}"#),
        // Insider refuses with 400; a 200 "Bad request" is not one of its answers.
        Canned::json(200, r#"{"statusMessage":"Bad request"}"#),
        Canned::json(
            400,
            r#"{"statusMessage":"Bad request","path":"/email/v2/unsubscribe"}"#,
        ),
    ] {
        let err = unsubscribe_unknown_outcome_then_rerun(canned.clone());
        assert!(
            err.contains(&format!("answered HTTP {}", canned.status)),
            "{err}"
        );
        assert!(err.contains("nothing was recorded as refused"), "{err}");
        assert!(err.contains("Check the URL"), "{err}");
    }
}

#[test]
fn a_contact_unauthorized_is_a_credentials_failure_whatever_the_status() {
    for status in [400, 200] {
        let err = unsubscribe_unknown_outcome_then_rerun(Canned::json(
            status,
            r#"{"statusMessage":"Unauthorized"}"#,
        ));
        assert!(
            err.contains(&format!(
                "Insider refused the credentials (HTTP {status}: Unauthorized)"
            )),
            "{err}"
        );
        assert!(
            err.contains("check the partner name and the token"),
            "{err}"
        );
    }
}

#[test]
fn refusal_messages_echo_at_most_200_characters_of_insiders_text_escaped() {
    let long = format!(
        "users must be defined: {}\u{1b}[2J\u{202e} bad request",
        "very long explanation ".repeat(30)
    );
    let sim = Sim::start(SimConfig {
        canned: Some(Canned::json(
            400,
            &serde_json::json!({ "error": long }).to_string(),
        )),
        ..SimConfig::default()
    });
    let run = Run::new();
    let f = fixture("email-clean.csv");
    let check = |rejects: &str, note: &str| {
        let refused: Vec<&str> = rejects
            .lines()
            .filter(|l| l.contains(";api_refused;"))
            .collect();
        assert_eq!(refused.len(), 5, "{rejects}");
        for line in refused {
            let (_, message) = line
                .split_once("Insider refused this record: HTTP 400: ")
                .expect("the refusal message");
            let insider = message
                .split_once('…')
                .map(|(head, _)| head)
                .expect("cut with …");
            assert!(
                insider.starts_with("users must be defined: very long"),
                "{line}"
            );
            assert!(
                insider.chars().count() <= 200,
                "{}",
                insider.chars().count()
            );
            assert!(
                !line.contains('\u{1b}') && !line.contains('\u{202e}'),
                "{line}"
            );
            assert!(message.contains(note), "{line}");
        }
    };
    let out = run
        .cmd("upsert", &sim)
        .arg(&f)
        .assert()
        .code(1)
        .get_output()
        .clone();
    assert_eq!(sim.requests_total(), 1);
    assert!(sim.users().is_empty());
    assert!(!stderr_of(&out).contains('\u{1b}'));
    check(&read(&run.path("upsert-rejects.csv")), "");
    // The journal holds the refusal (Insider's own answer), bounded too.
    let journal = read(&run.path("upsert.journal"));
    assert_eq!(journal_entries(&run, "upsert"), 1);
    assert!(!journal.contains("very long explanation ".repeat(12).as_str()));
    assert_eq!(run.report("upsert")["upload"]["records_refused"], 5);
    // A rerun sends nothing (Insider refused them) and reports them again, just as bounded.
    sim.configure(|c| c.canned = None);
    run.cmd("upsert", &sim).arg(&f).assert().code(1);
    assert_eq!(sim.requests_total(), 1);
    assert!(sim.users().is_empty());
    check(
        &read(&run.path("upsert-rejects.csv")),
        "(refused in an earlier run)",
    );
}

#[test]
fn a_retry_after_longer_than_max_wait_stops_saying_how_long() {
    let sim = Sim::start(SimConfig {
        fail_first: 1,
        fail_first_status: 429,
        retry_after_value: Some("100000".into()),
        ..SimConfig::default()
    });
    let run = Run::new();
    let f = fixture("email-clean.csv");
    let out = run
        .cmd("upsert", &sim)
        .arg(&f)
        .assert()
        .code(3)
        .get_output()
        .clone();
    let err = stderr_of(&out);
    assert!(err.contains("asked to wait 27h 46m 40s"), "{err}");
    assert!(err.contains("--max-wait 300s"), "{err}");
    assert_eq!(journal_entries(&run, "upsert"), 0);
    // An HTTP date, with a shorter --max-wait.
    let at = std::time::SystemTime::now() + Duration::from_secs(120);
    sim.configure(|c| {
        c.fail_first = 2;
        c.retry_after_value = Some(httpdate::fmt_http_date(at));
    });
    let out = run
        .cmd("upsert", &sim)
        .arg(&f)
        .args(["--max-wait", "30"])
        .assert()
        .code(3)
        .get_output()
        .clone();
    let err = stderr_of(&out);
    assert!(
        err.contains("asked to wait 1m 5") || err.contains("asked to wait 2m 0s"),
        "{err}"
    );
    assert!(err.contains("--max-wait 30s"), "{err}");
    // A server that is ready again: everything applied once.
    sim.configure(|c| c.fail_first = 0);
    run.cmd("upsert", &sim).arg(&f).assert().code(0);
    assert!(sim.users().values().all(|u| u.applications == 1));
    assert_eq!(sim.users().len(), 5);
}

#[test]
fn a_server_capped_below_rate_slows_the_client_and_uses_no_retries() {
    let sim = Sim::start(SimConfig {
        window_limit: Some(3),
        window: Duration::from_secs(1),
        ..SimConfig::default()
    });
    let run = Run::new();
    let f = many(run.dir.path(), 16);
    run.cmd("unsubscribe", &sim)
        .arg(&f)
        .args([
            "--max-contacts",
            "1",
            "--rate",
            "100000",
            "--max-retries",
            "0",
        ])
        .assert()
        .code(0);
    assert!(sim.status_count(429) > 0, "the cap was hit");
    assert_eq!(sim.unsubscribed_emails().len(), 4);
    assert_eq!(sim.unsubscribed_phones().len(), 4);
    let report = run.report("unsubscribe");
    assert_eq!(report["upload"]["records_accepted"], 8);
}

#[test]
fn a_two_minute_outage_is_ridden_out_with_the_default_retries() {
    // 1.2 s of 503s with the backoff at 1/100 scale (IYSYNC_TEST_TIME_SCALE): two minutes.
    let sim = Sim::start(SimConfig {
        storm: Some(Duration::from_millis(1200)),
        ..SimConfig::default()
    });
    let run = Run::new();
    let f = fixture("email-clean.csv");
    run.cmd("upsert", &sim)
        .arg(&f)
        .args(["--max-users", "1", "--concurrency", "1"])
        .assert()
        .code(0);
    assert!(sim.status_count(503) > 0);
    assert!(sim.users().values().all(|u| u.applications == 1));
    assert_eq!(sim.users().len(), 5);
}

#[test]
fn partial_failure_indices_outside_the_request_are_ignored_with_a_warning() {
    let sim = Sim::start(SimConfig {
        phantom_failure_index: Some(99),
        ..SimConfig::default()
    });
    let run = Run::new();
    let out = run
        .cmd("upsert", &sim)
        .arg(fixture("email-clean.csv"))
        .args(["--max-users", "2"])
        .assert()
        .code(0)
        .get_output()
        .clone();
    assert!(
        stderr_of(&out).contains("positions that are not in their request"),
        "{}",
        stderr_of(&out)
    );
    let report = run.report("upsert");
    assert_eq!(report["upload"]["records_sent"], 5);
    assert_eq!(report["upload"]["records_accepted"], 5);
    assert_eq!(report["upload"]["records_refused"], 0);
    let rejects = run.path("upsert-rejects.csv");
    assert!(
        !rejects.exists() || !read(&rejects).contains("api_refused"),
        "{}",
        read(&rejects)
    );
}

#[test]
fn an_empty_or_shared_token_file_is_reported() {
    let sim = Sim::start(SimConfig::default());
    let run = Run::new();
    let empty = write(run.dir.path(), "empty-token", "\n");
    run.cmd("upsert", &sim)
        .env_remove("INSIDER_UCD_TOKEN")
        .arg(fixture("email-clean.csv"))
        .arg("--token-file")
        .arg(&empty)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is empty"))
        .stderr(predicate::str::contains("set INSIDER_UCD_TOKEN").not());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let token = write(run.dir.path(), "token", UCD);
        std::fs::set_permissions(&token, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        run.cmd("upsert", &sim)
            .env_remove("INSIDER_UCD_TOKEN")
            .arg(fixture("email-clean.csv"))
            .arg("--token-file")
            .arg(&token)
            .assert()
            .code(0)
            .stderr(predicate::str::contains(
                "can be read by other users (mode 644)",
            ));
    }
    assert_eq!(sim.requests_total(), 1);
}

#[test]
fn unreadable_journal_lines_are_warned_about_and_their_requests_sent_again() {
    let sim = Sim::start(SimConfig::default());
    let run = Run::new();
    let f = many(run.dir.path(), 4);
    run.cmd("upsert", &sim)
        .arg(&f)
        .args(["--max-users", "2"])
        .assert()
        .code(0);
    assert_eq!(sim.requests_total(), 4);
    // Damage the last entry.
    let path = run.path("upsert.journal");
    let text = read(&path);
    let mut lines: Vec<&str> = text.lines().collect();
    let last = lines.len() - 1;
    lines[last] = "{not json";
    std::fs::write(&path, lines.join("\n") + "\n").expect("write journal");
    run.cmd("upsert", &sim)
        .arg(&f)
        .args(["--max-users", "2"])
        .assert()
        .code(0)
        .stderr(predicate::str::contains("1 unreadable line in the journal"));
    assert_eq!(
        sim.requests_total(),
        5,
        "only the damaged entry's request again"
    );
}

#[test]
fn tls_with_an_untrusted_certificate_exits_3_at_once_and_ssl_cert_file_makes_it_work() {
    let (sim, ca) = Sim::start_tls(SimConfig::default());
    let run = Run::new();
    let f = fixture("email-clean.csv");
    let out = run
        .cmd("upsert", &sim)
        .env_remove("SSL_CERT_FILE")
        .env_remove("SSL_CERT_DIR")
        .arg(&f)
        .assert()
        .code(3)
        .get_output()
        .clone();
    let err = stderr_of(&out);
    assert!(err.contains("no secure connection to 127.0.0.1:"), "{err}");
    assert!(
        err.contains("not issued by a certificate authority this system trusts"),
        "{err}"
    );
    assert!(
        !err.contains("OtherError") && !err.contains("UnknownIssuer"),
        "{err}"
    );
    assert_eq!(sim.connections(), 1, "not retried");
    assert_eq!(sim.requests_total(), 0);
    // The CA given with SSL_CERT_FILE (as for a corporate proxy): it works.
    let ca_file = write(run.dir.path(), "ca.pem", ca);
    run.cmd("upsert", &sim)
        .env("SSL_CERT_FILE", &ca_file)
        .env_remove("SSL_CERT_DIR")
        .arg(&f)
        .assert()
        .code(0);
    assert_eq!(sim.users().len(), 5);
}

/// The binary in the background, with a report, against `sim`; `scaled`: the drain after a
/// signal (and the backoff) at 1/100 scale.
fn spawn_with(run: &Run, sim: &Sim, f: &Path, scaled: bool, extra: &[&str]) -> std::process::Child {
    let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("iysync"));
    if scaled {
        c.env("IYSYNC_TEST_TIME_SCALE", "0.01");
    }
    c.args(["upsert", "--now", NOW, "--no-progress"])
        .env_remove("CI")
        .env("INSIDER_UCD_TOKEN", UCD)
        .env("INSIDER_PARTNER_NAME", "mybrand")
        .arg(f)
        .arg("--unification-url")
        .arg(sim.base_url())
        .arg("--journal")
        .arg(run.path("upsert.journal"))
        .arg("--rejects")
        .arg(run.path("upsert-rejects.csv"))
        .arg("--report")
        .arg(run.path("upsert-report.json"))
        .args(["--force", "--timeout", "120"])
        .args(extra)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    c.spawn().unwrap_or_else(|e| panic!("{e}"))
}

#[cfg(unix)]
fn signal(child: &std::process::Child, sig: &str) {
    let status = std::process::Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(status.success());
}

#[cfg(unix)]
#[test]
fn a_signal_during_a_request_never_answered_stops_after_the_drain_with_the_report() {
    for (sig, code) in [("-INT", 130), ("-TERM", 143)] {
        let sim = Sim::start(SimConfig {
            hang: true,
            ..SimConfig::default()
        });
        let run = Run::new();
        let f = fixture("email-clean.csv");
        // The drain (10 s) at 1/100 scale; the request timeout is 120 s.
        let child = spawn_with(&run, &sim, &f, true, &["--max-users", "1"]);
        wait_for_requests(&sim, 1);
        signal(&child, sig);
        let out = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(out.status.code(), Some(code), "{}", stderr_of(&out));
        let report = run.report("upsert");
        assert!(
            report["upload"]["requests"]
                .as_u64()
                .is_some_and(|n| n >= 1)
        );
        assert_eq!(report["upload"]["records_accepted"], 0);
        assert_eq!(journal_entries(&run, "upsert"), 0);
        // The server back: a rerun applies everything once.
        sim.configure(|c| c.hang = false);
        run.cmd("upsert", &sim)
            .arg(&f)
            .args(["--max-users", "1"])
            .assert()
            .code(0);
        assert_eq!(sim.users().len(), 5);
        assert!(sim.users().values().all(|u| u.applications == 1));
    }
}

#[cfg(unix)]
#[test]
fn a_second_signal_exits_at_once() {
    let sim = Sim::start(SimConfig {
        hang: true,
        ..SimConfig::default()
    });
    let run = Run::new();
    let f = fixture("email-clean.csv");
    // Full 10 s drain (no time scale): only the second signal can end the run this early.
    let child = spawn_with(&run, &sim, &f, false, &[]);
    wait_for_requests(&sim, 1);
    signal(&child, "-INT");
    std::thread::sleep(Duration::from_millis(200));
    signal(&child, "-INT");
    let out = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(130));
    assert!(
        !run.path("upsert-report.json").exists(),
        "exited before the drain ended and the report was written"
    );
}

/// The journal is locked before the input is read: a second run stops at once, without
/// judging (and reporting the problems of) the whole input first.
#[cfg(unix)]
#[test]
fn a_second_run_on_a_locked_journal_stops_before_reading_its_input() {
    let sim = Sim::start(SimConfig {
        hang: true,
        ..SimConfig::default()
    });
    let run = Run::new();
    let f = messy();
    let first = spawn_with(&run, &sim, &f, true, &["--concurrency", "1"]);
    wait_for_requests(&sim, 1);
    let second = run
        .cmd("upsert", &sim)
        .env("INSIDER_PARTNER_NAME", "mybrand")
        .arg(&f)
        .args(["--concurrency", "1"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!("pid {}", first.id())));
    let stderr = String::from_utf8_lossy(&second.get_output().stderr).into_owned();
    assert!(
        !stderr.contains("messy.csv:"),
        "the second run judged its input before stopping: {stderr}"
    );
    signal(&first, "-INT");
    let out = first.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(130), "{}", stderr_of(&out));
}

#[cfg(unix)]
#[test]
fn two_runs_on_the_same_journal_the_second_stops_naming_the_first() {
    let sim = Sim::start(SimConfig {
        hang: true,
        ..SimConfig::default()
    });
    let run = Run::new();
    let f = fixture("email-clean.csv");
    let first = spawn_with(
        &run,
        &sim,
        &f,
        true,
        &["--max-users", "1", "--concurrency", "1"],
    );
    wait_for_requests(&sim, 1);
    run.cmd("upsert", &sim)
        .env("INSIDER_PARTNER_NAME", "mybrand")
        .arg(&f)
        .args(["--max-users", "1", "--concurrency", "1"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!("pid {}", first.id())));
    assert_eq!(sim.requests_total(), 1, "the second run sent nothing");
    signal(&first, "-INT");
    let out = first.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status.code(), Some(130), "{}", stderr_of(&out));
    sim.configure(|c| c.hang = false);
    run.cmd("upsert", &sim)
        .arg(&f)
        .args(["--max-users", "1", "--concurrency", "1"])
        .assert()
        .code(0);
    assert!(sim.users().values().all(|u| u.applications == 1));
    assert_eq!(sim.users().len(), 5);
}

#[test]
fn a_turkish_dry_run_prints_the_plan_in_turkish() {
    let sim = Sim::start(SimConfig::default());
    let run = Run::new();
    let html = run.dir.path().join("r.html");
    run.cmd("upsert", &sim)
        .env_remove("INSIDER_UCD_TOKEN")
        .arg(fixture("email-clean.csv"))
        .args(["--dry-run", "--lang", "tr", "--html"])
        .arg(&html)
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "`iysync upsert` deneme çalıştırması: 1 istekte 5 kayıt,",
        ))
        .stdout(predicate::str::contains("hiçbir şey gönderilmedi"))
        .stdout(predicate::str::contains(
            "/api/user/v1/upsert: 1 istek, 5 kayıt",
        ));
    assert_eq!(sim.requests_total(), 0);
    // The HTML report says it was a dry run and shows the plan.
    let page = std::fs::read_to_string(&html).expect("html");
    assert!(
        page.contains("Deneme çalıştırması: hiçbir şey gönderilmedi"),
        "{page}"
    );
    assert!(
        page.contains("/api/user/v1/upsert: 1 istek, 5 kayıt"),
        "{page}"
    );
}

/// Records Insider refused are counted by their code in the summary like any problem (review:
/// the errors line and the HTML chart left them out).
#[test]
fn refused_records_are_counted_by_code_in_the_summary_and_the_html() {
    let sim = Sim::start(SimConfig::default());
    sim.configure(|c| {
        c.refuse_identifiers
            .insert("zeynep.kaya@example.com.tr".to_string());
    });
    let run = Run::new();
    let html = run.dir.path().join("r.html");
    run.cmd("upsert", &sim)
        .arg(fixture("email-clean.csv"))
        .arg("--html")
        .arg(&html)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("errors: api_refused 1"));
    let page = std::fs::read_to_string(&html).expect("html");
    assert!(page.contains("api_refused"), "the chart lists the code");
    assert!(
        page.contains("zeynep.kaya@example.com.tr;web;ONAY"),
        "the refused record's row is shown"
    );
    assert!(!page.contains("No problems"), "a refusal is a problem");
}
