//! The ledger's rules: SPEC §11's table and order, pending changes, the guard, the schema and the
//! acknowledgement transactions, and a property test against a plain model of the table.

use std::collections::BTreeMap;
use std::path::Path;

use proptest::prelude::*;

use super::*;
use crate::record::{Channel, Permission};
use crate::resolve::Pos;

const T0: i64 = 1_750_000_000;
const NOW: i64 = 1_795_338_000;

/// Opens the test's ledger. A process spawned by a test running in parallel holds a copy of every
/// descriptor between its fork and its exec, so a lock just released may stay taken for that
/// instant: retry for a while.
fn open_retry(path: &Path) -> Result<Ledger, crate::error::Error> {
    let mut tries = 0;
    loop {
        match Ledger::open(path) {
            Err(e) if e.to_string().contains("is using") && tries < 200 => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(25));
            }
            other => return other,
        }
    }
}

fn ledger(dir: &Path) -> Ledger {
    open_retry(&dir.join("ledger.sqlite3")).expect("open the ledger")
}

type In = (Channel, &'static str, Permission, i64);

fn email(r: &'static str, p: Permission, t: i64) -> In {
    (Channel::Email, r, p, t)
}

/// What a step sent: (endpoint, recipient, optin for upserts).
type Sent = (Endpoint, String, Option<bool>);

/// A driver as `iysync sync` will be: plan, guard-free, begin_sending, then the three phases in
/// SPEC §11's order; `refuse(action, step)` makes Insider refuse that record.
fn sync_day(
    ledger: &mut Ledger,
    partner: PartnerId,
    inputs: &[In],
    refuse: &dyn Fn(&Action, Step) -> bool,
) -> (Plan, Vec<Sent>) {
    let run = ledger
        .begin_run(partner, RunMode::Sync, &["day.csv".to_string()], NOW)
        .expect("run");
    let mut planner = Planner::new();
    for (i, (c, r, p, t)) in inputs.iter().enumerate() {
        planner
            .push_key(Pos::new(0, i as u64 + 1), *c, r, *p, *t)
            .expect("push");
    }
    let plan = planner.plan(ledger, partner).expect("plan");
    ledger.begin_sending(partner, run, &plan).expect("begin");
    let mut sent = Vec::new();
    let mut phase = |ledger: &mut Ledger, step: Step, actions: Vec<&Action>| {
        for channel in [Channel::Email, Channel::Sms] {
            let endpoint = Endpoint::for_step(step, channel);
            let batch: Vec<&Action> = actions
                .iter()
                .copied()
                .filter(|a| endpoint == Endpoint::Upsert || a.channel == channel)
                .filter(|_| endpoint != Endpoint::Upsert || channel == Channel::Email)
                .collect();
            if batch.is_empty() {
                continue;
            }
            let (refused, acked): (Vec<&Action>, Vec<&Action>) =
                batch.iter().partition(|a| refuse(a, step));
            for a in &batch {
                sent.push((
                    endpoint,
                    a.recipient.to_string(),
                    (step == Step::Upsert).then(|| a.optin()),
                ));
            }
            ledger
                .record_ack(partner, run, endpoint, &acked, NOW)
                .expect("ack");
            let refused: Vec<(&Action, &str)> = refused.iter().map(|a| (*a, "refused")).collect();
            ledger
                .record_refused(partner, run, endpoint, &refused)
                .expect("refused");
        }
    };
    phase(ledger, Step::Unsubscribe, plan.unsubscribes().collect());
    phase(ledger, Step::Upsert, plan.upserts().collect());
    let ready = ledger.ready_to_resubscribe(partner, &plan).expect("ready");
    phase(ledger, Step::Resubscribe, ready);
    ledger
        .finish_run(run, NOW, "ok", &plan.counts)
        .expect("finish");
    (plan, sent)
}

fn never(_: &Action, _: Step) -> bool {
    false
}

fn sent_names(sent: &[Sent]) -> Vec<String> {
    sent.iter()
        .map(|(e, r, o)| match o {
            Some(o) => format!("{}:{r}:{o}", e.as_str()),
            None => format!("{}:{r}", e.as_str()),
        })
        .collect()
}

fn word(ledger: &Ledger, partner: PartnerId, r: &str) -> Option<(Permission, i64)> {
    ledger
        .state(partner, Channel::Email, r)
        .expect("state")
        .and_then(|s| s.permission.zip(s.consent_at))
}

use Permission::{Onay, Ret};

#[test]
fn absent_onay_is_one_upsert_true() {
    let dir = tempfile::tempdir().expect("dir");
    let mut l = ledger(dir.path());
    let p = l.partner("Acme").expect("partner");
    let (plan, sent) = sync_day(&mut l, p, &[email("a@x.com", Onay, T0)], &never);
    assert_eq!(sent_names(&sent), ["upsert:a@x.com:true"]);
    assert_eq!(plan.counts.new, 1);
    assert_eq!(word(&l, p, "a@x.com"), Some((Onay, T0)));
}

#[test]
fn absent_ret_is_unsubscribe_then_upsert_false() {
    let dir = tempfile::tempdir().expect("dir");
    let mut l = ledger(dir.path());
    let p = l.partner("acme").expect("partner");
    let (_, sent) = sync_day(&mut l, p, &[email("a@x.com", Ret, T0)], &never);
    assert_eq!(
        sent_names(&sent),
        ["email_unsubscribe:a@x.com", "upsert:a@x.com:false"]
    );
    let state = l
        .state(p, Channel::Email, "a@x.com")
        .expect("s")
        .expect("row");
    assert_eq!(state.permission, Some(Ret));
    assert_eq!(state.pending, None, "both steps acknowledged");
}

#[test]
fn the_second_day_sends_exactly_the_table_in_its_order() {
    let dir = tempfile::tempdir().expect("dir");
    let mut l = ledger(dir.path());
    let p = l.partner("acme").expect("partner");
    let day1 = [
        email("out@x.com", Onay, T0),
        email("in@x.com", Ret, T0),
        email("same@x.com", Onay, T0),
        email("stale@x.com", Ret, T0 + 100),
    ];
    sync_day(&mut l, p, &day1, &never);
    let day2 = [
        email("out@x.com", Ret, T0 + 10),
        email("in@x.com", Onay, T0 + 10),
        email("same@x.com", Onay, T0 + 50),
        email("stale@x.com", Onay, T0 + 50),
        email("new@x.com", Onay, T0 + 10),
    ];
    let (plan, sent) = sync_day(&mut l, p, &day2, &never);
    assert_eq!(
        sent_names(&sent),
        [
            "email_unsubscribe:out@x.com",
            "upsert:in@x.com:true",
            "upsert:new@x.com:true",
            "upsert:out@x.com:false",
            "email_subscribe:in@x.com",
        ]
    );
    assert_eq!(
        plan.counts,
        SyncCounts {
            unchanged: 1,
            new: 1,
            opt_out: 1,
            opt_in: 1,
            stale: 1,
            pending: 0
        }
    );
    assert_eq!(plan.stale.len(), 1);
    assert_eq!(plan.stale[0].recipient, "stale@x.com");
    assert_eq!(plan.stale[0].ledger_permission, Ret);
    // Same permission: nothing sent, the later consent time kept.
    assert_eq!(word(&l, p, "same@x.com"), Some((Onay, T0 + 50)));
    assert_eq!(word(&l, p, "stale@x.com"), Some((Ret, T0 + 100)));
    // The same file again sends nothing.
    let (plan, sent) = sync_day(&mut l, p, &day2, &never);
    assert!(sent.is_empty(), "{sent:?}");
    assert_eq!(plan.counts.unchanged, 4);
    assert_eq!(plan.counts.stale, 1);
}

#[test]
fn same_permission_earlier_time_keeps_the_ledgers_time() {
    let dir = tempfile::tempdir().expect("dir");
    let mut l = ledger(dir.path());
    let p = l.partner("acme").expect("partner");
    sync_day(&mut l, p, &[email("a@x.com", Onay, T0 + 10)], &never);
    let (plan, sent) = sync_day(&mut l, p, &[email("a@x.com", Onay, T0)], &never);
    assert!(sent.is_empty());
    assert!(plan.updates.is_empty());
    assert_eq!(word(&l, p, "a@x.com"), Some((Onay, T0 + 10)));
}

#[test]
fn other_permission_at_the_same_time_ret_wins_onay_is_stale() {
    let dir = tempfile::tempdir().expect("dir");
    let mut l = ledger(dir.path());
    let p = l.partner("acme").expect("partner");
    sync_day(
        &mut l,
        p,
        &[email("a@x.com", Onay, T0), email("b@x.com", Ret, T0)],
        &never,
    );
    let (plan, sent) = sync_day(
        &mut l,
        p,
        &[email("a@x.com", Ret, T0), email("b@x.com", Onay, T0)],
        &never,
    );
    assert_eq!(
        sent_names(&sent),
        ["email_unsubscribe:a@x.com", "upsert:a@x.com:false"]
    );
    assert_eq!(plan.counts.stale, 1);
    assert_eq!(plan.stale[0].recipient, "b@x.com");
}

#[test]
fn keys_the_input_does_not_mention_are_left_alone() {
    let dir = tempfile::tempdir().expect("dir");
    let mut l = ledger(dir.path());
    let p = l.partner("acme").expect("partner");
    sync_day(&mut l, p, &[email("a@x.com", Ret, T0)], &never);
    let (plan, sent) = sync_day(&mut l, p, &[email("b@x.com", Onay, T0)], &never);
    assert_eq!(sent_names(&sent), ["upsert:b@x.com:true"]);
    assert_eq!(plan.actions.len(), 1);
    assert_eq!(word(&l, p, "a@x.com"), Some((Ret, T0)));
}

#[test]
fn a_refused_unsubscribe_stays_pending_and_is_planned_again_without_the_input() {
    let dir = tempfile::tempdir().expect("dir");
    let mut l = ledger(dir.path());
    let p = l.partner("acme").expect("partner");
    sync_day(&mut l, p, &[email("a@x.com", Onay, T0)], &never);
    let refuse_unsub = |_: &Action, s: Step| s == Step::Unsubscribe;
    let (_, sent) = sync_day(&mut l, p, &[email("a@x.com", Ret, T0 + 5)], &refuse_unsub);
    // The upsert (false) is still sent: opt-outs never wait.
    assert_eq!(
        sent_names(&sent),
        ["email_unsubscribe:a@x.com", "upsert:a@x.com:false"]
    );
    let state = l
        .state(p, Channel::Email, "a@x.com")
        .expect("s")
        .expect("row");
    assert_eq!(state.permission, Some(Ret));
    let pending = state.pending.expect("unsubscribe pending");
    assert_eq!(pending.steps, Steps(Step::Unsubscribe.bit()));
    // The next night's file does not mention the key: the unsubscribe is planned again.
    let (plan, sent) = sync_day(&mut l, p, &[], &never);
    assert_eq!(plan.counts.pending, 1);
    assert_eq!(sent_names(&sent), ["email_unsubscribe:a@x.com"]);
    assert_eq!(
        l.state(p, Channel::Email, "a@x.com")
            .expect("s")
            .expect("row")
            .pending,
        None
    );
}

#[test]
fn a_refused_upsert_blocks_the_resubscribe_until_it_is_acknowledged() {
    let dir = tempfile::tempdir().expect("dir");
    let mut l = ledger(dir.path());
    let p = l.partner("acme").expect("partner");
    sync_day(&mut l, p, &[email("a@x.com", Ret, T0)], &never);
    let refuse_upsert = |_: &Action, s: Step| s == Step::Upsert;
    let (_, sent) = sync_day(&mut l, p, &[email("a@x.com", Onay, T0 + 5)], &refuse_upsert);
    assert_eq!(sent_names(&sent), ["upsert:a@x.com:true"], "no resubscribe");
    let state = l
        .state(p, Channel::Email, "a@x.com")
        .expect("s")
        .expect("row");
    assert_eq!(state.permission, Some(Ret), "nothing acknowledged");
    let pending = state.pending.expect("pending");
    assert_eq!(pending.refused.as_deref(), Some("upsert: refused"));
    // Next night, same word in the input: the pending change is planned again, in order.
    let (plan, sent) = sync_day(&mut l, p, &[email("a@x.com", Onay, T0 + 5)], &never);
    assert_eq!(plan.counts.pending, 1);
    assert_eq!(plan.counts.unchanged, 0);
    assert_eq!(
        sent_names(&sent),
        ["upsert:a@x.com:true", "email_subscribe:a@x.com"]
    );
    assert_eq!(word(&l, p, "a@x.com"), Some((Onay, T0 + 5)));
}

#[test]
fn a_later_ret_supersedes_a_pending_opt_in() {
    let dir = tempfile::tempdir().expect("dir");
    let mut l = ledger(dir.path());
    let p = l.partner("acme").expect("partner");
    sync_day(&mut l, p, &[email("a@x.com", Ret, T0)], &never);
    let refuse_upsert = |_: &Action, s: Step| s == Step::Upsert;
    sync_day(&mut l, p, &[email("a@x.com", Onay, T0 + 5)], &refuse_upsert);
    // The person opts out again later. Insider refused the opt-in, so it should still have RET,
    // but the opt-out is sent again in full: whatever the refusal says, it is right and harmless.
    let (plan, sent) = sync_day(&mut l, p, &[email("a@x.com", Ret, T0 + 9)], &never);
    assert_eq!(
        sent_names(&sent),
        ["email_unsubscribe:a@x.com", "upsert:a@x.com:false"]
    );
    assert_eq!(plan.counts.opt_out, 1);
    let state = l
        .state(p, Channel::Email, "a@x.com")
        .expect("s")
        .expect("row");
    assert_eq!(state.pending, None, "the pending opt-in is gone");
    assert_eq!(state.permission, Some(Ret));
    assert_eq!(state.consent_at, Some(T0 + 9));
    // An input older than the pending word is stale, and the pending steps are still planned.
    sync_day(&mut l, p, &[email("b@x.com", Ret, T0)], &never);
    sync_day(&mut l, p, &[email("b@x.com", Onay, T0 + 5)], &refuse_upsert);
    let (plan, sent) = sync_day(&mut l, p, &[email("b@x.com", Ret, T0 + 2)], &never);
    assert_eq!(plan.counts.stale, 1);
    assert_eq!(plan.counts.pending, 1);
    assert_eq!(
        sent_names(&sent),
        ["upsert:b@x.com:true", "email_subscribe:b@x.com"]
    );
}

#[test]
fn a_run_stopped_before_acknowledgements_leaves_its_plan_pending() {
    let dir = tempfile::tempdir().expect("dir");
    let mut l = ledger(dir.path());
    let p = l.partner("acme").expect("partner");
    let run = l
        .begin_run(p, RunMode::Sync, &["d.csv".into()], NOW)
        .expect("run");
    let mut planner = Planner::new();
    planner
        .push_key(Pos::new(0, 1), Channel::Sms, "905321234567", Ret, T0)
        .expect("push");
    let plan = planner.plan(&l, p).expect("plan");
    l.begin_sending(p, run, &plan).expect("begin");
    drop(l); // killed before any answer
    let mut l = ledger(dir.path());
    let state = l
        .state(p, Channel::Sms, "905321234567")
        .expect("s")
        .expect("row");
    assert_eq!(state.permission, None, "nothing recorded as acknowledged");
    let (_, sent) = sync_day(&mut l, p, &[], &never);
    assert_eq!(
        sent_names(&sent),
        ["sms_unsubscribe:905321234567", "upsert:905321234567:false"]
    );
}

/// A pending opt-in whose outcome is unknown (the run was killed after sending it, or it timed
/// out after Insider applied it), then a later RET that equals the acknowledged word: Insider may
/// hold ONAY now, so the RET is sent again in full (unsubscribe, then upsert false), not dropped.
#[test]
fn a_later_ret_after_a_pending_opt_in_of_unknown_outcome_is_sent_in_full() {
    let dir = tempfile::tempdir().expect("dir");
    let mut l = ledger(dir.path());
    let p = l.partner("acme").expect("partner");
    sync_day(&mut l, p, &[email("a@x.com", Ret, T0)], &never);
    let run = l
        .begin_run(p, RunMode::Sync, &["d2.csv".into()], NOW)
        .expect("run");
    let mut planner = Planner::new();
    planner
        .push_key(Pos::new(0, 1), Channel::Email, "a@x.com", Onay, T0 + 5)
        .expect("push");
    let plan = planner.plan(&l, p).expect("plan");
    l.begin_sending(p, run, &plan).expect("begin");
    drop(l); // the upsert (true) went out; no answer was recorded
    let mut l = ledger(dir.path());
    let (plan, sent) = sync_day(&mut l, p, &[email("a@x.com", Ret, T0 + 9)], &never);
    assert_eq!(plan.counts.opt_out, 1, "{:?}", plan.counts);
    assert_eq!(
        sent_names(&sent),
        ["email_unsubscribe:a@x.com", "upsert:a@x.com:false"]
    );
    let state = l
        .state(p, Channel::Email, "a@x.com")
        .expect("s")
        .expect("row");
    assert_eq!(state.permission, Some(Ret));
    assert_eq!(state.pending, None);
}

/// A withheld key's pending change of an earlier run is not planned (the inputs hold it back).
#[test]
fn a_withheld_key_s_pending_change_is_not_planned() {
    let dir = tempfile::tempdir().expect("dir");
    let mut l = ledger(dir.path());
    let p = l.partner("acme").expect("partner");
    let run = l
        .begin_run(p, RunMode::Sync, &["d1.csv".into()], NOW)
        .expect("run");
    let mut planner = Planner::new();
    planner
        .push_key(Pos::new(0, 1), Channel::Email, "a@x.com", Onay, T0)
        .expect("push");
    let plan = planner.plan(&l, p).expect("plan");
    l.begin_sending(p, run, &plan).expect("begin");
    drop(l); // nothing acknowledged: the opt-in stays pending
    let l = ledger(dir.path());
    let held = |c: Channel, r: &str| c == Channel::Email && r == "a@x.com";
    let plan = Planner::new().plan_except(&l, p, &held).expect("plan");
    assert!(plan.actions.is_empty(), "{:?}", plan.actions);
    // Without the hold it is planned again.
    let plan = Planner::new().plan(&l, p).expect("plan");
    assert_eq!(plan.actions.len(), 1);
}

#[test]
fn merge_join_and_lookups_make_the_same_plan() {
    let dir = tempfile::tempdir().expect("dir");
    let mut l = ledger(dir.path());
    let p = l.partner("acme").expect("partner");
    let day1: Vec<In> = (0..40)
        .map(|i| {
            let r: &'static str = Box::leak(format!("u{i:02}@x.com").into_boxed_str());
            email(r, if i % 3 == 0 { Ret } else { Onay }, T0 + i)
        })
        .collect();
    sync_day(&mut l, p, &day1, &never);
    let plan_with = |seek: bool| {
        let mut planner = Planner::new();
        for i in (0..60).rev().step_by(2) {
            let r = format!("u{i:02}@x.com");
            let perm = if i % 3 == 1 { Ret } else { Onay };
            planner
                .push_key(Pos::new(0, i as u64 + 1), Channel::Email, &r, perm, T0 + 30)
                .expect("push");
        }
        planner
            .push_key(Pos::new(0, 99), Channel::Sms, "905321234567", Onay, T0)
            .expect("push");
        planner
            .plan_with(&l, p, Some(seek), &|_, _| false)
            .expect("plan")
    };
    let a = plan_with(true);
    let b = plan_with(false);
    assert_eq!(a, b);
    assert!(a.counts.opt_in > 0 && a.counts.opt_out > 0 && a.counts.new > 0);
}

#[test]
fn a_key_pushed_twice_keeps_the_later_word() {
    let dir = tempfile::tempdir().expect("dir");
    let mut l = ledger(dir.path());
    let p = l.partner("acme").expect("partner");
    let (_, sent) = sync_day(
        &mut l,
        p,
        &[email("a@x.com", Ret, T0), email("a@x.com", Onay, T0)],
        &never,
    );
    assert_eq!(
        sent_names(&sent),
        ["email_unsubscribe:a@x.com", "upsert:a@x.com:false"]
    );
}

// ---- the guard ----

#[test]
fn guard_percent_has_a_floor_of_100_keys() {
    let ten = MaxChanges::default();
    assert_eq!(ten, MaxChanges::Percent(1000));
    assert_eq!(ten.allowed(500), 100, "10% of 500 is under the floor");
    assert_eq!(ten.allowed(5_000), 500);
    assert!(check_guard(100, 500, ten).is_ok());
    let err = check_guard(101, 500, ten).expect_err("over the floor");
    assert!(matches!(err, crate::error::Error::Usage(_)));
    let text = err.to_string();
    assert!(
        text.contains("flips 101 of the ledger's 500 keys"),
        "{text}"
    );
    assert!(text.contains("--max-changes 101 (or 21%)"), "{text}");
    assert!(check_guard(500, 5_000, ten).is_ok());
    assert!(check_guard(501, 5_000, ten).is_err());
}

#[test]
fn guard_absolute_and_fractional_limits() {
    let five: MaxChanges = "5".parse().expect("parse");
    assert_eq!(five, MaxChanges::Keys(5));
    assert!(check_guard(5, 1_000_000, five).is_ok());
    assert!(check_guard(6, 1_000_000, five).is_err());
    let half: MaxChanges = "2.5%".parse().expect("parse");
    assert_eq!(half, MaxChanges::Percent(250));
    assert_eq!(half.to_string(), "2.5%");
    assert_eq!(half.allowed(100_000), 2_500);
    assert_eq!(
        "50%".parse::<MaxChanges>().expect("p").allowed(10_000),
        5_000
    );
    for bad in ["", "%", "ten", "-5", "1.234%", "101%", "5 %x"] {
        assert!(bad.parse::<MaxChanges>().is_err(), "{bad:?}");
    }
}

#[test]
fn a_first_sync_flips_nothing_and_half_flipped_is_stopped() {
    let dir = tempfile::tempdir().expect("dir");
    let mut l = ledger(dir.path());
    let p = l.partner("acme").expect("partner");
    let day1: Vec<In> = (0..400)
        .map(|i| {
            let r: &'static str = Box::leak(format!("k{i}@x.com").into_boxed_str());
            email(r, Onay, T0)
        })
        .collect();
    let (plan, _) = sync_day(&mut l, p, &day1, &never);
    assert_eq!(plan.flips(), 0);
    assert!(check_guard(plan.flips(), plan.ledger_keys, MaxChanges::default()).is_ok());
    let day2: Vec<In> = day1
        .iter()
        .take(200)
        .map(|(c, r, _, _)| (*c, *r, Ret, T0 + 1))
        .collect();
    let mut planner = Planner::new();
    for (i, (c, r, perm, t)) in day2.iter().enumerate() {
        planner
            .push_key(Pos::new(0, i as u64), *c, r, *perm, *t)
            .expect("push");
    }
    let plan = planner.plan(&l, p).expect("plan");
    assert_eq!(plan.ledger_keys, 400);
    assert_eq!(plan.flips(), 200);
    assert!(check_guard(plan.flips(), plan.ledger_keys, MaxChanges::default()).is_err());
}

// ---- the store ----

#[test]
fn a_fresh_ledger_is_0600_wal_and_at_the_current_version() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("state").join("ledger.sqlite3");
    let l = Ledger::open(&path).expect("open");
    assert_eq!(l.schema_version().expect("v"), store::SCHEMA_VERSION);
    let mode: String = l
        .connection()
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .expect("mode");
    assert_eq!(mode, "wal");
    let sync: i64 = l
        .connection()
        .query_row("PRAGMA synchronous", [], |r| r.get(0))
        .expect("sync");
    assert_eq!(sync, 2, "FULL");
    let migrations: i64 = l
        .connection()
        .query_row("SELECT count(*) FROM schema_migrations", [], |r| r.get(0))
        .expect("migrations");
    assert_eq!(migrations, store::SCHEMA_VERSION);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let dir_mode = std::fs::metadata(path.parent().expect("parent"))
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(dir_mode & 0o777, 0o700);
    }
}

#[test]
fn an_older_ledger_is_migrated_keeping_its_rows() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("ledger.sqlite3");
    {
        let mut old = Ledger::create_at_version(&path, 1).expect("v1");
        assert_eq!(old.schema_version().expect("v"), 1);
        let p = old.partner("acme").expect("partner");
        let run = old.begin_run(p, RunMode::Sync, &[], NOW).expect("run");
        let action = Action {
            channel: Channel::Email,
            recipient: "a@x.com".into(),
            kind: Kind::New,
            acknowledged: None,
            permission: Onay,
            consent_at: T0,
            steps: Steps(Step::Upsert.bit()),
            origin: Origin::Earlier {
                input_id: None,
                line: None,
            },
            refused: None,
        };
        old.record_ack(p, run, Endpoint::Upsert, &[&action], NOW)
            .expect("ack at v1");
    }
    let l = open_retry(&path).expect("migrated");
    assert_eq!(l.schema_version().expect("v"), store::SCHEMA_VERSION);
    let p = l.find_partner("ACME").expect("p").expect("known");
    assert_eq!(word(&l, p, "a@x.com"), Some((Onay, T0)));
    let shown: i64 = l
        .connection()
        .query_row("SELECT count(*) FROM audit_log", [], |r| r.get(0))
        .expect("the view of version 2");
    assert_eq!(shown, 1);
}

#[test]
fn a_newer_ledger_is_refused_untouched() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("ledger.sqlite3");
    drop(Ledger::open(&path).expect("open"));
    {
        let conn = rusqlite::Connection::open(&path).expect("raw");
        conn.execute_batch(&format!(
            "PRAGMA user_version = {}",
            store::SCHEMA_VERSION + 1
        ))
        .expect("bump");
    }
    let before = std::fs::read(&path).expect("bytes");
    let err = open_retry(&path).err().expect("refused");
    assert_eq!(crate::error::exit_code(&Err(err.clone_usage())), 2);
    let text = err.to_string();
    assert!(
        text.contains("newer than this iysync understands"),
        "{text}"
    );
    assert!(text.contains("upgrade iysync"), "{text}");
    assert!(Ledger::open_for_reading(&path).is_err());
    assert_eq!(std::fs::read(&path).expect("bytes"), before);
}

trait CloneUsage {
    fn clone_usage(&self) -> crate::error::Error;
}

impl CloneUsage for crate::error::Error {
    fn clone_usage(&self) -> crate::error::Error {
        match self {
            crate::error::Error::Usage(m) => crate::error::Error::Usage(m.clone()),
            other => crate::error::Error::Aborted(other.to_string()),
        }
    }
}

#[test]
fn another_sqlite_database_is_not_taken_for_a_ledger() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("other.db");
    {
        let conn = rusqlite::Connection::open(&path).expect("raw");
        conn.execute_batch("CREATE TABLE t (x)").expect("table");
    }
    let err = Ledger::open(&path).err().expect("refused");
    assert!(err.to_string().contains("not an iysync ledger"), "{err}");
}

#[test]
fn a_second_opener_is_refused_naming_the_pid() {
    let dir = tempfile::tempdir().expect("dir");
    let first = ledger(dir.path());
    let err = Ledger::open(first.path()).err().expect("refused");
    assert!(matches!(err, crate::error::Error::Usage(_)));
    let text = err.to_string();
    assert!(
        text.contains(&format!("pid {}", std::process::id())),
        "{text}"
    );
    assert!(text.contains("ledger.sqlite3"), "{text}");
    // Reading beside a run is allowed.
    assert!(Ledger::open_for_reading(first.path()).is_ok());
}

#[test]
fn a_failure_mid_request_records_nothing_of_it() {
    let dir = tempfile::tempdir().expect("dir");
    let mut l = ledger(dir.path());
    let p = l.partner("acme").expect("partner");
    let run = l.begin_run(p, RunMode::Sync, &[], NOW).expect("run");
    let make = |r: &str, channel| Action {
        channel,
        recipient: r.into(),
        kind: Kind::New,
        acknowledged: None,
        permission: Ret,
        consent_at: T0,
        steps: Steps::to_reach(None, Ret),
        origin: Origin::Earlier {
            input_id: None,
            line: None,
        },
        refused: None,
    };
    let good = make("a@x.com", Channel::Email);
    let bad = make("905321234567", Channel::Sms);
    let err = l
        .record_ack(p, run, Endpoint::EmailUnsubscribe, &[&good, &bad], NOW)
        .expect_err("an SMS record in an email request");
    assert!(err.to_string().contains("nothing of this request"), "{err}");
    let count = |table: &str| -> i64 {
        l.connection()
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .expect("count")
    };
    assert_eq!(count("consents"), 0);
    assert_eq!(count("audit"), 0);
    assert_eq!(count("requests"), 0);
    assert_eq!(l.key_count(p).expect("keys"), 0);
}

#[test]
fn the_audit_answers_what_was_said_when_and_from_which_line() {
    let dir = tempfile::tempdir().expect("dir");
    let mut l = ledger(dir.path());
    let p = l.partner("acme").expect("partner");
    sync_day(&mut l, p, &[email("a@x.com", Ret, T0)], &never);
    let shown = l.show(None, Channel::Email, "a@x.com").expect("show");
    assert_eq!(shown.len(), 1);
    let endpoints: Vec<&str> = shown[0].history.iter().map(|h| h.endpoint).collect();
    assert_eq!(endpoints, ["email_unsubscribe", "upsert"]);
    for h in &shown[0].history {
        assert_eq!(h.permission, "RET");
        assert_eq!(h.consent_at, T0);
        assert_eq!(h.sent_at, NOW);
        assert_eq!(h.input.as_deref(), Some("day.csv"));
        assert_eq!(h.line, Some(1));
    }
    let stats = l.stats().expect("stats");
    assert_eq!(stats[0].email.ret, 1);
    assert_eq!(stats[0].keys, 1);
    assert_eq!(
        stats[0].last_run.as_ref().map(|r| r.mode.as_str()),
        Some("sync")
    );
}

#[test]
fn baseline_records_the_state_without_sending() {
    let dir = tempfile::tempdir().expect("dir");
    let mut l = ledger(dir.path());
    let p = l.partner("acme").expect("partner");
    let run = l
        .begin_run(p, RunMode::Baseline, &["full.csv".into()], NOW)
        .expect("run");
    let mut planner = Planner::new();
    planner
        .push_key(Pos::new(0, 1), Channel::Email, "a@x.com", Ret, T0)
        .expect("push");
    planner
        .push_key(Pos::new(0, 2), Channel::Email, "b@x.com", Onay, T0)
        .expect("push");
    let plan = planner.plan(&l, p).expect("plan");
    assert_eq!(l.baseline(p, run, &plan, NOW).expect("baseline"), 2);
    assert_eq!(word(&l, p, "a@x.com"), Some((Ret, T0)));
    let state = l
        .state(p, Channel::Email, "a@x.com")
        .expect("s")
        .expect("row");
    assert_eq!(state.pending, None);
    let shown = l.show(Some(p), Channel::Email, "b@x.com").expect("show");
    assert_eq!(shown[0].history[0].endpoint, "baseline");
    // The next day with the same file sends nothing.
    let (_, sent) = sync_day(
        &mut l,
        p,
        &[email("a@x.com", Ret, T0), email("b@x.com", Onay, T0)],
        &never,
    );
    assert!(sent.is_empty());
}

#[test]
fn partners_have_their_own_keys() {
    let dir = tempfile::tempdir().expect("dir");
    let mut l = ledger(dir.path());
    let a = l.partner("acme").expect("partner");
    let b = l.partner("other").expect("partner");
    sync_day(&mut l, a, &[email("x@x.com", Ret, T0)], &never);
    let (plan, sent) = sync_day(&mut l, b, &[email("x@x.com", Ret, T0)], &never);
    assert_eq!(plan.counts.new, 1);
    assert_eq!(sent.len(), 2);
}

// ---- bounded memory: the plan through the disk, the baseline in batches ----

/// A day of `n` keys over two channels, with every kind of row: new, unchanged, later and
/// earlier times, flips both ways, stale words, and keys pushed twice.
fn mixed_day(n: usize, day: i64) -> Vec<(Channel, String, Permission, i64)> {
    let mut out = Vec::new();
    for i in 0..n {
        let (c, r) = if i % 4 == 3 {
            (Channel::Sms, format!("90532{:07}", i * 7919 % 10_000_000))
        } else {
            // Long shared prefixes, so that the 16-byte prefix of the sort key often ties.
            (
                Channel::Email,
                format!("customer.name.{:06}@example.com", i * 7919 % 1_000_003),
            )
        };
        let h = (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 40;
        let p = if (h + day as u64) % 5 < 2 { Ret } else { Onay };
        let t = T0 + (h % 7) as i64 + day * ((h % 3) as i64 - 1);
        out.push((c, r.clone(), p, t));
        if h.is_multiple_of(11) {
            let other = if p == Ret { Onay } else { Ret };
            out.push((c, r, other, t + (h % 2) as i64 - 1));
        }
    }
    out
}

fn push_all(planner: &mut Planner, rows: &[(Channel, String, Permission, i64)]) {
    for (i, (c, r, p, t)) in rows.iter().enumerate() {
        planner
            .push_key(Pos::new(i % 3, i as u64 + 1), *c, r, *p, *t)
            .expect("push");
    }
}

/// A ledger with keys acknowledged, some refused (pending, refused) and some left pending.
fn ledger_with_history(dir: &Path) -> (Ledger, PartnerId) {
    let mut l = ledger(dir);
    let p = l.partner("acme").expect("partner");
    let day1: Vec<In> = mixed_day(3000, 0)
        .into_iter()
        .map(|(c, r, p, t)| (c, &*Box::leak(r.into_boxed_str()), p, t))
        .collect();
    let refuse = |a: &Action, s: Step| a.recipient.len().is_multiple_of(5) && s == Step::Upsert;
    sync_day(&mut l, p, &day1, &refuse);
    // A second run stopped after planning: its changes stay pending, unacknowledged.
    let run = l
        .begin_run(p, RunMode::Sync, &["d2.csv".into()], NOW)
        .expect("run");
    let mut planner = Planner::new();
    push_all(&mut planner, &mixed_day(1500, 2));
    let plan = planner.plan(&l, p).expect("plan");
    assert!(!plan.actions.is_empty());
    l.begin_sending(p, run, &plan).expect("begin");
    (l, p)
}

/// Inputs larger than the planner's memory buffer (sorted runs on disk, merged) give exactly
/// the plan of inputs sorted in memory, with either read strategy.
#[test]
fn a_plan_through_the_disk_is_the_plan_made_in_memory() {
    let dir = tempfile::tempdir().expect("dir");
    let (l, p) = ledger_with_history(dir.path());
    let held = |c: Channel, r: &str| c == Channel::Email && r.ends_with("17@example.com");
    // The caller never pushes a withheld key (the resolution leaves it out).
    let rows: Vec<_> = mixed_day(4000, 3)
        .into_iter()
        .filter(|(c, r, _, _)| !held(*c, r))
        .collect();
    let plan = |bytes: usize, seek: Option<bool>| {
        let spill = tempfile::tempdir().expect("spill dir");
        let mut planner = Planner::with_buffer(spill.path(), bytes);
        push_all(&mut planner, &rows);
        let runs = planner.runs();
        let plan = planner.plan_with(&l, p, seek, &held).expect("plan");
        (plan, runs)
    };
    let (in_memory, runs) = plan(PLAN_BUFFER, None);
    assert_eq!(runs, 0);
    let c = in_memory.counts;
    assert!(
        c.new > 0 && c.opt_in > 0 && c.opt_out > 0 && c.stale > 0 && c.unchanged > 0,
        "{c:?}"
    );
    assert!(c.pending > 0, "{c:?}");
    assert!(!in_memory.updates.is_empty());
    for (bytes, seek) in [(4096, None), (4096, Some(true)), (1500, Some(false))] {
        let (spilled, runs) = plan(bytes, seek);
        assert!(runs > 10, "{bytes} bytes: only {runs} runs");
        assert_eq!(spilled, in_memory, "{bytes} bytes, seek {seek:?}");
    }
    // Actions come in the ledger's key order, each key once.
    let keys: Vec<(i64, &str)> = in_memory
        .actions
        .iter()
        .map(|a| (channel_code(a.channel), a.recipient.as_str()))
        .collect();
    assert!(keys.windows(2).all(|w| w[0] < w[1]));
    // Withheld keys are never planned, not even their pending opt-ins (which exist); their
    // pending opt-outs are.
    let pending_held = l
        .connection()
        .query_row(
            "SELECT count(*) FROM consents WHERE pending_steps IS NOT NULL AND recipient LIKE '%17@example.com'",
            [],
            |r| r.get::<_, i64>(0),
        )
        .expect("count");
    assert!(pending_held > 0);
    assert!(
        in_memory
            .actions
            .iter()
            .all(|a| !held(a.channel, &a.recipient) || a.permission == Ret)
    );
}

/// Every row of `consents` and `audit` under `partner`, as text, for comparing ledgers.
fn dump(l: &Ledger) -> (Vec<String>, Vec<String>) {
    let rows = |sql: &str| -> Vec<String> {
        let mut stmt = l.connection().prepare(sql).expect("prepare");
        let n = stmt.column_count();
        stmt.query_map([], |r| {
            Ok((0..n)
                .map(|i| format!("{:?}", r.get_ref(i).expect("col")))
                .collect::<Vec<_>>()
                .join("|"))
        })
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
    };
    (
        rows("SELECT * FROM consents ORDER BY partner_id, channel, recipient"),
        rows(
            "SELECT c.recipient, a.permission, a.consent_at, a.line FROM audit a JOIN consents c USING (key_id) JOIN requests r USING (request_id) WHERE r.endpoint_id = 0 ORDER BY c.recipient",
        ),
    )
}

/// The baseline written as the merge goes, in batches, leaves the ledger the baseline of the
/// whole plan leaves (pending changes, stale words and updates included).
#[test]
fn a_streamed_baseline_records_what_the_whole_plan_records() {
    let rows = mixed_day(2500, 4);
    let run_baseline = |streamed: bool| {
        let dir = tempfile::tempdir().expect("dir");
        let (mut l, p) = ledger_with_history(dir.path());
        let run = l
            .begin_run(p, RunMode::Baseline, &["full.csv".into()], NOW)
            .expect("run");
        let mut planner = Planner::with_buffer(dir.path(), 8192);
        push_all(&mut planner, &rows);
        let (plan, recorded) = if streamed {
            let reader = l.read_connection().expect("reader");
            let mut baseline = Baseline::with_batch(&mut l, p, run, NOW, 47);
            let plan = planner
                .plan_into(reader.reading(), p, None, &|_, _| false, &mut baseline)
                .expect("plan");
            assert!(plan.actions.is_empty() && plan.updates.is_empty());
            (plan, baseline.finish().expect("finish"))
        } else {
            let reader = l.read_connection().expect("reader");
            let plan = planner
                .plan_into(reader.reading(), p, None, &|_, _| false, &mut KeepFresh)
                .expect("plan");
            drop(reader);
            let recorded = l.baseline(p, run, &plan, NOW).expect("baseline");
            (plan, recorded)
        };
        let requests: i64 = l
            .connection()
            .query_row(
                "SELECT count(*) FROM requests WHERE endpoint_id = 0",
                [],
                |r| r.get(0),
            )
            .expect("requests");
        (dump(&l), plan.counts, plan.stale, recorded, requests)
    };
    let (whole, counts, stale, recorded, _) = run_baseline(false);
    let (streamed, s_counts, s_stale, s_recorded, requests) = run_baseline(true);
    assert!(recorded > 300, "{recorded}");
    assert_eq!(s_recorded, recorded);
    assert_eq!((s_counts, s_stale), (counts, stale));
    assert_eq!(streamed, whole);
    assert!(requests > 5, "one request a batch: {requests}");
}

/// Keeps the plan's actions and updates, leaving the keys with a pending change alone (as a
/// baseline does).
struct KeepFresh;

impl Sink for KeepFresh {
    fn action(&mut self, action: Action) -> Result<Option<Action>, crate::error::Error> {
        Ok(Some(action))
    }
    fn update(&mut self, update: Update) -> Result<Option<Update>, crate::error::Error> {
        Ok(Some(update))
    }
    fn leaves_pending(&self) -> bool {
        true
    }
}

/// A sink that stops the run (as a kill or Ctrl-C would) after `left` actions reach it.
struct StopAfter<'b, 'l> {
    inner: &'b mut Baseline<'l>,
    left: usize,
}

impl Sink for StopAfter<'_, '_> {
    fn action(&mut self, action: Action) -> Result<Option<Action>, crate::error::Error> {
        if self.left == 0 {
            return Err(crate::error::Error::Interrupted);
        }
        self.left -= 1;
        self.inner.action(action)
    }
    fn update(&mut self, update: Update) -> Result<Option<Update>, crate::error::Error> {
        self.inner.update(update)
    }
}

/// A baseline stopped part-way leaves whole batches, each key with the input's resolved word
/// (never another), and a rerun completes it: the ledger is then the uninterrupted baseline's.
#[test]
fn a_baseline_stopped_part_way_and_rerun_completes_correctly() {
    let rows = mixed_day(3000, 5);
    let words = |rows: &[(Channel, String, Permission, i64)]| {
        let mut w: BTreeMap<(i64, String), (Permission, i64)> = BTreeMap::new();
        for (c, r, p, t) in rows {
            let k = (channel_code(*c), r.clone());
            let keep = w
                .get(&k)
                .is_some_and(|&(kp, kt)| !supersedes(*p, *t, kp, kt));
            if !keep {
                w.insert(k, (*p, *t));
            }
        }
        w
    };
    let resolved = words(&rows);
    let baseline = |l: &mut Ledger, p: PartnerId, stop: Option<usize>| {
        let run = l
            .begin_run(p, RunMode::Baseline, &["full.csv".into()], NOW)
            .expect("run");
        let mut planner = Planner::with_buffer(std::env::temp_dir(), 16384);
        push_all(&mut planner, &rows);
        let reader = l.read_connection().expect("reader");
        let mut baseline = Baseline::with_batch(l, p, run, NOW, 250);
        let result = match stop {
            Some(left) => planner.plan_into(
                reader.reading(),
                p,
                None,
                &|_, _| false,
                &mut StopAfter {
                    inner: &mut baseline,
                    left,
                },
            ),
            None => planner.plan_into(reader.reading(), p, None, &|_, _| false, &mut baseline),
        };
        match result {
            Ok(_) => Ok(baseline.finish().expect("finish")),
            // Killed: the batch being gathered is lost, never committed.
            Err(e) => Err((e, baseline.recorded())),
        }
    };

    let dir = tempfile::tempdir().expect("dir");
    let mut l = ledger(dir.path());
    let p = l.partner("acme").expect("partner");
    let (err, recorded) = baseline(&mut l, p, Some(1234)).expect_err("stopped");
    assert!(matches!(err, crate::error::Error::Interrupted));
    assert_eq!(recorded, 1000, "whole batches of 250 only");
    drop(l);
    let mut l = ledger(dir.path());
    assert_eq!(l.key_count(p).expect("keys"), 1000);
    for ((code, r), w) in &resolved {
        let c = channel_of_code(*code).expect("channel");
        if let Some(s) = l.state(p, c, r).expect("state") {
            assert_eq!(s.permission.zip(s.consent_at), Some(*w), "{r}");
            assert_eq!(s.pending, None, "{r}");
        }
    }
    let rerun = baseline(&mut l, p, None).expect("rerun");
    assert_eq!(rerun as usize, resolved.len() - 1000);

    let other = tempfile::tempdir().expect("dir");
    let mut whole = ledger(other.path());
    let q = whole.partner("acme").expect("partner");
    baseline(&mut whole, q, None).expect("baseline");
    assert_eq!(l.key_count(p).expect("keys"), resolved.len() as u64);
    for ((code, r), w) in &resolved {
        let c = channel_of_code(*code).expect("channel");
        let s = l.state(p, c, r).expect("state").expect("row");
        assert_eq!(s.permission.zip(s.consent_at), Some(*w), "{r}");
        assert_eq!(s.pending, None, "{r}");
    }
    assert_eq!(dump(&l).0.len(), dump(&whole).0.len());
    // The next day's same file sends nothing.
    let same: Vec<In> = rows
        .iter()
        .map(|(c, r, p, t)| (*c, &*Box::leak(r.clone().into_boxed_str()), *p, *t))
        .collect();
    let (_, sent) = sync_day(&mut l, p, &same, &never);
    assert!(sent.is_empty(), "{} sent", sent.len());
}

// ---- the model ----

/// SPEC §11's table as a plain model: the word Insider has per key, and what a day sends.
#[derive(Default)]
struct Model {
    ledger: BTreeMap<String, (Permission, i64)>,
}

impl Model {
    fn day(&mut self, inputs: &BTreeMap<String, (Permission, i64)>) -> Vec<String> {
        let (mut unsub, mut upsert, mut resub) = (Vec::new(), Vec::new(), Vec::new());
        for (r, &(p, t)) in inputs {
            match self.ledger.get(r).copied() {
                None => {
                    if p == Ret {
                        unsub.push(format!("email_unsubscribe:{r}"));
                    }
                    upsert.push(format!("upsert:{r}:{}", p == Onay));
                    self.ledger.insert(r.clone(), (p, t));
                }
                Some((lp, lt)) if lp == p => {
                    self.ledger.insert(r.clone(), (p, t.max(lt)));
                }
                Some((lp, lt)) if t > lt || (t == lt && p == Ret && lp == Onay) => {
                    if p == Ret {
                        unsub.push(format!("email_unsubscribe:{r}"));
                        upsert.push(format!("upsert:{r}:false"));
                    } else {
                        upsert.push(format!("upsert:{r}:true"));
                        resub.push(format!("email_subscribe:{r}"));
                    }
                    self.ledger.insert(r.clone(), (p, t));
                }
                Some(_) => {} // stale
            }
        }
        unsub.into_iter().chain(upsert).chain(resub).collect()
    }
}

fn day_strategy() -> impl Strategy<Value = BTreeMap<String, (Permission, i64)>> {
    proptest::collection::btree_map(
        (0u8..12).prop_map(|k| format!("k{k}@x.com")),
        (any::<bool>(), 0i64..6).prop_map(|(onay, t)| (if onay { Onay } else { Ret }, T0 + t)),
        0..12,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn sync_matches_the_model_of_the_table(days in proptest::collection::vec(day_strategy(), 1..6)) {
        let dir = tempfile::tempdir().expect("dir");
        let mut l = ledger(dir.path());
        let p = l.partner("acme").expect("partner");
        let mut model = Model::default();
        for day in &days {
            let inputs: Vec<In> = day
                .iter()
                .map(|(r, &(perm, t))| {
                    let r: &'static str = Box::leak(r.clone().into_boxed_str());
                    email(r, perm, t)
                })
                .collect();
            let (_, sent) = sync_day(&mut l, p, &inputs, &never);
            prop_assert_eq!(sent_names(&sent), model.day(day));
        }
        for (r, w) in &model.ledger {
            prop_assert_eq!(word(&l, p, r), Some(*w));
        }
        prop_assert_eq!(l.key_count(p).expect("keys"), model.ledger.len() as u64);
    }

    /// With refusals, nobody whose latest word is RET is ever sent opted in or resubscribed,
    /// and once Insider accepts everything the ledger holds every key's latest word.
    #[test]
    fn refusals_never_opt_in_a_ret_and_are_caught_up(
        days in proptest::collection::vec((day_strategy(), any::<u16>()), 1..6)
    ) {
        let dir = tempfile::tempdir().expect("dir");
        let mut l = ledger(dir.path());
        let p = l.partner("acme").expect("partner");
        let mut latest: BTreeMap<String, (Permission, i64)> = BTreeMap::new();
        for (day, mask) in &days {
            for (r, &(perm, t)) in day {
                let keep = latest.get(r).is_some_and(|&(lp, lt)| !supersedes(perm, t, lp, lt));
                if !keep {
                    latest.insert(r.clone(), (perm, t));
                }
            }
            let inputs: Vec<In> = day
                .iter()
                .map(|(r, &(perm, t))| {
                    let r: &'static str = Box::leak(r.clone().into_boxed_str());
                    email(r, perm, t)
                })
                .collect();
            let mask = *mask;
            let refuse = move |a: &Action, s: Step| {
                let k: u32 = a.recipient.bytes().map(u32::from).sum();
                mask & (1 << ((k + s.bit() as u32) % 16)) != 0
            };
            let (_, sent) = sync_day(&mut l, p, &inputs, &refuse);
            for (endpoint, r, optin) in &sent {
                let opted_in = *optin == Some(true) || *endpoint == Endpoint::EmailSubscribe;
                if opted_in {
                    prop_assert_eq!(latest.get(r).map(|w| w.0), Some(Onay), "{} {:?}", r, endpoint);
                }
            }
        }
        sync_day(&mut l, p, &[], &never);
        for (r, w) in &latest {
            let state = l.state(p, Channel::Email, r).expect("state").expect("row");
            prop_assert_eq!(state.permission.zip(state.consent_at), Some(*w), "{}", r);
            prop_assert_eq!(state.pending, None);
        }
    }
}

// ---- the plan's spool of changes ----

/// Every entry of a spool, in order.
fn spooled(changes: &spool::Changes) -> Vec<(u64, spool::Entry)> {
    let mut reader = changes.read().expect("read");
    let mut all = Vec::new();
    while let Some(e) = reader.next_entry().expect("entry") {
        all.push(e);
    }
    all
}

fn record_at(
    channel: Channel,
    recipient: &str,
    p: Permission,
    t: i64,
    i: usize,
) -> crate::record::Record {
    crate::record::Record {
        channel,
        recipient: recipient.into(),
        platform: format!("plat{}", i % 4).into(),
        permission: p,
        timestamp: t,
        external_id: (!i.is_multiple_of(3)).then(|| format!("id-{i}").into()),
    }
}

/// The plan through the spool (the sink `iysync sync` uses, its sort spilled to disk) has the
/// same actions, in the same order, the same updates and counts as the plan kept in memory; each
/// action of an input record carries that record (platform, external id), an earlier run's
/// pending change none.
#[test]
fn a_plan_through_the_spool_is_the_plan_kept_in_memory() {
    let dir = tempfile::tempdir().expect("dir");
    let mut l = ledger(dir.path());
    let p = l.partner("acme").expect("partner");
    let names: Vec<&'static str> = (0..300)
        .map(|i| &*Box::leak(format!("k{i:03}@x.com").into_boxed_str()))
        .collect();
    let day1: Vec<In> = names
        .iter()
        .enumerate()
        .map(|(i, r)| email(r, if i.is_multiple_of(3) { Ret } else { Onay }, T0))
        .collect();
    // Some refused (pending, planned again), some upserts acknowledged and resubscribes left.
    let refuse = |a: &Action, s: Step| a.recipient.ends_with("7@x.com") && s == Step::Upsert;
    sync_day(&mut l, p, &day1, &refuse);
    // Day 2: flips both ways, later times (updates), stale rows, new keys, unmentioned pending.
    let day2: Vec<(Channel, String, Permission, i64)> = (0..400u32)
        .filter(|i| i % 10 != 7)
        .map(|i| {
            let r = format!("k{i:03}@x.com");
            let (perm, t) = match i % 5 {
                0 => (Onay, T0 + 10),
                1 => (Ret, T0 + 10),
                2 => (Onay, T0 + 20),
                3 => (Ret, T0 - 10),
                _ => (if i.is_multiple_of(3) { Ret } else { Onay }, T0),
            };
            (Channel::Email, r, perm, t)
        })
        .chain((0..50).map(|i| (Channel::Sms, format!("90532{i:07}"), Ret, T0)))
        .collect();
    let fill = |mut planner: Planner| {
        for (i, (c, r, perm, t)) in day2.iter().enumerate() {
            let rec = record_at(*c, r, *perm, *t, i);
            planner
                .push(Pos::new(i % 2, i as u64 + 1), &rec)
                .expect("push");
        }
        planner
    };
    let kept = fill(Planner::new()).plan(&l, p).expect("plan");
    let spill = tempfile::tempdir().expect("dir");
    let planner = fill(Planner::with_buffer(spill.path(), 4096));
    assert!(planner.runs() > 1, "the sort went through the disk");
    let mut changes = spool::Changes::in_dir(spill.path()).expect("spool");
    let mut hold = |_: &Action| false;
    let mut sink = spool::Spooling {
        changes: &mut changes,
        hold: &mut hold,
    };
    let plan = planner
        .plan_into(l.reading(), p, None, &|_, _| false, &mut sink)
        .expect("plan");
    changes.finish().expect("finish");
    assert!(
        plan.actions.is_empty() && plan.updates.is_empty(),
        "nothing kept"
    );
    assert_eq!(plan.counts, kept.counts);
    assert_eq!(plan.stale, kept.stale);
    assert!(kept.counts.pending > 0 && kept.counts.opt_in > 0 && kept.counts.opt_out > 0);
    assert!(!kept.updates.is_empty() && !kept.stale.is_empty());
    let (mut actions, mut updates) = (Vec::new(), Vec::new());
    for (_, entry) in spooled(&changes) {
        match entry {
            spool::Entry::Action {
                action,
                ordinal,
                record,
            } => {
                assert_eq!(ordinal, actions.len() as u64);
                match action.origin {
                    Origin::Input { file, line } => {
                        let i = line as usize - 1;
                        assert_eq!(file, i % 2);
                        let (c, r, perm, t) = &day2[i];
                        assert_eq!(record, Some(record_at(*c, r, *perm, *t, i)));
                    }
                    Origin::Earlier { .. } => assert_eq!(record, None),
                }
                actions.push(action);
            }
            spool::Entry::Update(u) => updates.push(u),
        }
    }
    assert_eq!(actions, kept.actions);
    assert_eq!(updates, kept.updates);
    assert_eq!(changes.actions(), kept.actions.len() as u64);
    for step in Step::ALL {
        let n = kept
            .actions
            .iter()
            .filter(|a| a.steps.contains(step))
            .count();
        assert_eq!(changes.with_step(step), n as u64, "{step:?}");
    }
}

fn spool_action(i: usize) -> (Action, Option<crate::record::Record>) {
    let channel = if i.is_multiple_of(4) {
        Channel::Sms
    } else {
        Channel::Email
    };
    let recipient = match channel {
        Channel::Sms => format!("90532{i:07}"),
        Channel::Email => format!("someone.with.a.long.address.{i}@example.com"),
    };
    let permission = if i.is_multiple_of(3) { Ret } else { Onay };
    let origin = match i % 5 {
        0 => Origin::Earlier {
            input_id: (i.is_multiple_of(2)).then_some(i as i64),
            line: Some(i as i64 + 1),
        },
        _ => Origin::Input {
            file: i % 3,
            line: i as u64 + 1,
        },
    };
    let action = Action {
        channel,
        recipient: recipient.as_str().into(),
        kind: [Kind::New, Kind::OptOut, Kind::OptIn, Kind::Pending][i % 4],
        acknowledged: [None, Some(Onay), Some(Ret)][i % 3],
        permission,
        consent_at: T0 - 500 + i as i64,
        steps: Steps::to_reach([None, Some(Ret)][i % 2], permission),
        origin,
        refused: (i.is_multiple_of(7)).then(|| format!("upsert: refused {i} ✓")),
    };
    let record = matches!(origin, Origin::Input { .. })
        .then(|| record_at(channel, &recipient, permission, action.consent_at, i));
    (action, record)
}

/// A spool larger than its read window (256 KiB) reads back every entry as written, in order
/// and by offset in any order.
#[test]
fn the_spool_reads_back_beyond_its_window_in_order_and_by_offset() {
    let dir = tempfile::tempdir().expect("dir");
    let mut changes = spool::Changes::in_dir(dir.path()).expect("spool");
    let mut written = Vec::new();
    for i in 0..20_000 {
        let (action, record) = spool_action(i);
        changes.push_action(&action, record.as_ref()).expect("push");
        written.push(spool::Entry::Action {
            action,
            ordinal: i as u64,
            record,
        });
        if i.is_multiple_of(9) {
            let u = Update {
                channel: Channel::Email,
                recipient: format!("u{i}@x.com").into(),
                consent_at: T0 + i as i64,
                clear_pending: i % 2 == 0,
            };
            changes.push_update(&u).expect("push");
            written.push(spool::Entry::Update(u));
        }
    }
    changes.finish().expect("finish");
    assert!(
        changes.bytes() > 4 * (256 << 10),
        "{} bytes",
        changes.bytes()
    );
    let read = spooled(&changes);
    let entries: Vec<spool::Entry> = read.iter().map(|(_, e)| e.clone()).collect();
    assert_eq!(entries, written);
    let mut offsets: Vec<u64> = read.iter().map(|(o, _)| *o).rev().collect();
    offsets.retain(|o| o % 3 != 1);
    let by_offset = changes.read_at(&offsets).expect("read at");
    let expected: Vec<spool::Entry> = read
        .iter()
        .rev()
        .filter(|(o, _)| o % 3 != 1)
        .map(|(_, e)| e.clone())
        .collect();
    assert_eq!(by_offset, expected);
    let late = Update {
        channel: Channel::Email,
        recipient: "late@x.com".into(),
        consent_at: T0,
        clear_pending: false,
    };
    assert!(
        changes.push_update(&late).is_err(),
        "written after it was read"
    );
}

/// A damaged byte of the spool (or a read at a wrong offset) is an error, never another word.
#[test]
fn a_damaged_spool_entry_is_an_error_not_another_word() {
    let dir = tempfile::tempdir().expect("dir");
    let mut changes = spool::Changes::in_dir(dir.path()).expect("spool");
    for i in 0..3 {
        let (action, record) = spool_action(i);
        changes.push_action(&action, record.as_ref()).expect("push");
    }
    changes.finish().expect("finish");
    let offsets: Vec<u64> = spooled(&changes).iter().map(|(o, _)| *o).collect();
    assert!(
        changes.read_at(&[offsets[1] + 1]).is_err(),
        "a wrong offset"
    );
    // The second entry's permission byte (tag, channel, kind, acknowledged, permission).
    changes.damage(offsets[1] + 12 + 4);
    assert!(changes.read_at(&[offsets[0], offsets[2]]).is_ok());
    assert!(changes.read_at(&[offsets[1]]).is_err());
    let mut reader = changes.read().expect("read");
    assert!(reader.next_entry().expect("first").is_some());
    assert!(reader.next_entry().is_err());
}

/// Every phrase the ledger's errors name (`db_error(…, "record the plan", …)`) has its text in
/// both catalogues, so a Turkish error never falls back to the English phrase.
#[test]
fn every_ledger_action_is_in_both_catalogues() {
    let source = include_str!("store.rs");
    let mut phrases = std::collections::BTreeSet::new();
    for call in ["db_error(", "write_error("] {
        for (at, _) in source.match_indices(call) {
            let rest = &source[at + call.len()..];
            let Some(quote) = rest.find('"') else {
                continue;
            };
            // The phrase is the second argument: a literal right after the path's comma.
            if rest[..quote].contains(')') || !rest[..quote].trim_end().ends_with(',') {
                continue;
            }
            let phrase = &rest[quote + 1..];
            if let Some(end) = phrase.find('"') {
                phrases.insert(&phrase[..end]);
            }
        }
    }
    assert!(phrases.len() > 30, "the phrases are found: {phrases:?}");
    for phrase in phrases {
        let key = super::store::action_key(phrase);
        for lang in [crate::i18n::Lang::En, crate::i18n::Lang::Tr] {
            assert_ne!(lang.t(&key), key, "{phrase:?} has no {key} in {lang:?}");
        }
        assert_eq!(
            crate::i18n::Lang::En.t(&key),
            phrase,
            "the English text is the phrase"
        );
    }
}

/// The guard's base counts the keys Insider acknowledged a word for: a first run whose records
/// were all refused adds none (review: it added every key it tried, widening `--max-changes N%`).
#[test]
fn keys_count_from_their_first_acknowledgement() {
    let dir = tempfile::tempdir().expect("dir");
    let mut l = ledger(dir.path());
    let p = l.partner("acme").expect("partner");
    let all = |_: &Action, _: Step| true;
    const WHO: [&str; 5] = ["u0@x.com", "u1@x.com", "u2@x.com", "u3@x.com", "u4@x.com"];
    let day: Vec<In> = WHO.iter().map(|w| email(w, Onay, T0)).collect();
    sync_day(&mut l, p, &day, &all);
    assert_eq!(l.key_count(p).expect("count"), 0, "nothing acknowledged");
    sync_day(&mut l, p, &day, &never);
    assert_eq!(l.key_count(p).expect("count"), 5);
    // A later word for a counted key does not count it again.
    let later: Vec<In> = WHO.iter().map(|w| email(w, Ret, T0 + 9)).collect();
    sync_day(&mut l, p, &later, &never);
    assert_eq!(l.key_count(p).expect("count"), 5);
}
