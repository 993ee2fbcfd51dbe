//! `iysync sync` against a reference model of SPEC §11's table: random sequences of daily files
//! (ONAY and RET, emails and phones, stale rows, duplicates within a day, readable invalid RET
//! rows that withhold their key, recipients Insider refuses on some days), each synced by the real
//! binary against the in-process simulator. After every day the ledger (`iysync ledger show
//! --format json`) and what the simulator received must be what the model says, the order rules
//! of SPEC §11 must hold, and nobody whose latest word is RET may be opted in or resubscribed.
//!
//! The model is written here from SPEC §2 and §11, not with the library's planner:
//!
//! - a day's resolved record per key: the latest valid row, RET winning a tie, the last in input
//!   order among equal rows; a key whose winner is ONAY and that has a readable invalid RET row
//!   whose time is unreadable or not earlier than that ONAY is withheld (never planned); the
//!   same rule holds against a pending ONAY of an earlier run that would be sent again (a key
//!   with no valid row that day, or whose valid word is an older RET): it is not sent, and counts
//!   as withheld;
//! - per key the model keeps the word Insider last acknowledged and a pending change (word, time,
//!   steps still to send: 1 unsubscribe, 2 upsert, 4 resubscribe, as the README documents);
//! - the table: absent → ONAY: upsert true; absent → RET: unsubscribe, upsert false;
//!   ONAY → later RET: unsubscribe, upsert false; RET → later ONAY: upsert true, resubscribe;
//!   same word: nothing (the later time is kept); another word not later: nothing, `stale`;
//!   "later" is a later instant, or the same instant for a RET over an ONAY (SPEC §2);
//! - a pending (refused) change is what the ledger knows last: it is sent again, whether or not
//!   the day's file mentions the key, unless the file's word supersedes it; a refused change that
//!   the file's word supersedes with the ONAY Insider already acknowledged is dropped (Insider
//!   never applied it), nothing sent; superseded by the RET Insider acknowledged, the RET is sent
//!   again in full (unsubscribe, upsert false); a withheld key's pending opt-out is sent again;
//! - sending: every unsubscribe, then every upsert, then the resubscribes of keys whose upsert
//!   (true) Insider has acknowledged; each acknowledged step sets the acknowledged word and adds
//!   an audit row (endpoint, word, time, file, line); a refused step stays pending.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use proptest::prelude::*;
use serde_json::Value;
use support::sim::{EMAIL_SUBSCRIBE, EMAIL_UNSUBSCRIBE, SMS_SUBSCRIBE, SMS_UNSUBSCRIBE, UPSERT};
use support::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum P {
    Onay,
    Ret,
}

impl P {
    fn text(self) -> &'static str {
        match self {
            P::Onay => "ONAY",
            P::Ret => "RET",
        }
    }
}

/// A recipient of the pool: how it may be written, its identifier at Insider, and its channel.
struct Who {
    forms: &'static [&'static str],
    insider: &'static str,
    email: bool,
}

const POOL: [Who; 4] = [
    Who {
        forms: &["a@example.com", "A@Example.COM"],
        insider: "a@example.com",
        email: true,
    },
    Who {
        forms: &["b@example.com", "B@EXAMPLE.COM"],
        insider: "b@example.com",
        email: true,
    },
    Who {
        forms: &["05321234560", "+90 532 123 45 60", "532 123 45 60"],
        insider: "+905321234560",
        email: false,
    },
    Who {
        forms: &["05421234561", "0542 123 45 61"],
        insider: "+905421234561",
        email: false,
    },
];

const UNSUB: u8 = 1;
const UPS: u8 = 2;
const RESUB: u8 = 4;

/// A step's endpoint for a recipient.
fn path_of(step: u8, who: usize) -> &'static str {
    match (step, POOL[who].email) {
        (UNSUB, true) => EMAIL_UNSUBSCRIBE,
        (UNSUB, false) => SMS_UNSUBSCRIBE,
        (RESUB, true) => EMAIL_SUBSCRIBE,
        (RESUB, false) => SMS_SUBSCRIBE,
        _ => UPSERT,
    }
}

/// The endpoint's name in the ledger's audit.
fn audit_name(step: u8, who: usize) -> &'static str {
    match (step, POOL[who].email) {
        (UNSUB, true) => "email_unsubscribe",
        (UNSUB, false) => "sms_unsubscribe",
        (RESUB, true) => "email_subscribe",
        (RESUB, false) => "sms_subscribe",
        _ => "upsert",
    }
}

/// Consent times are minutes after 15.05.2025 10:00:00 (Europe/Istanbul).
fn netmera_time(minute: i64) -> String {
    format!("15.05.2025 10:{minute:02}:00")
}

#[derive(Clone, Debug)]
enum Row {
    Valid {
        who: usize,
        form: usize,
        p: P,
        minute: i64,
    },
    /// A readable RET whose timestamp is unreadable: withholds a key whose winner is ONAY.
    UnreadableRet { who: usize },
    /// A readable RET with an empty platform: withholds a key whose winning ONAY is not later.
    NoPlatformRet { who: usize, minute: i64 },
    /// `RED`: invalid and not a RET; holds nothing back.
    Red { who: usize, minute: i64 },
}

impl Row {
    fn line(&self) -> String {
        match *self {
            Row::Valid {
                who,
                form,
                p,
                minute,
            } => {
                let forms = POOL[who].forms;
                format!(
                    "{};web;{};{}",
                    forms[form % forms.len()],
                    p.text(),
                    netmera_time(minute)
                )
            }
            Row::UnreadableRet { who } => {
                format!("{};web;RET;99.99.2025 99:99", POOL[who].forms[0])
            }
            Row::NoPlatformRet { who, minute } => {
                format!("{};;RET;{}", POOL[who].forms[0], netmera_time(minute))
            }
            Row::Red { who, minute } => {
                format!("{};web;RED;{}", POOL[who].forms[0], netmera_time(minute))
            }
        }
    }

    fn is_valid(&self) -> bool {
        matches!(self, Row::Valid { .. })
    }
}

#[derive(Clone, Debug)]
struct Day {
    rows: Vec<Row>,
    /// (step, recipient) pairs Insider refuses this day.
    refuse: BTreeSet<(u8, usize)>,
    /// Aim this day's invalid rows at a recipient refused the day before, with, at this minute,
    /// an ONAY row, a RET row, or (2) no valid row of that recipient at all (so that a pending
    /// change meets a withheld key more often than by chance).
    follow: Option<(i64, u8)>,
}

/// Where a word came from: the day's file and the 1-based line.
type Origin = (String, u64);

#[derive(Clone, Debug, PartialEq)]
struct Pending {
    p: P,
    minute: i64,
    steps: u8,
    origin: Origin,
}

#[derive(Clone, Debug, Default, PartialEq)]
struct Key {
    /// The word Insider last acknowledged and its consent time.
    acked: Option<(P, i64)>,
    pending: Option<Pending>,
    /// (endpoint, word, minute, file, line) per acknowledged step, in order.
    audit: Vec<(String, P, i64, String, u64)>,
}

/// SPEC §2: `(p, at)` replaces `(known, known_at)`.
fn later(p: P, at: i64, known: P, known_at: i64) -> bool {
    at > known_at || (at == known_at && p == P::Ret && known == P::Onay)
}

/// The steps from what Insider acknowledged to `p` (SPEC §11's table).
fn steps_to(acked: Option<P>, p: P) -> u8 {
    match (acked, p) {
        (_, P::Ret) => UNSUB | UPS,
        (Some(P::Ret), P::Onay) => UPS | RESUB,
        (_, P::Onay) => UPS,
    }
}

/// What the model expects of one day.
#[derive(Debug, Default, PartialEq)]
struct Expect {
    /// Per endpoint path, the sorted items received (`id` or `id=optin` for upserts).
    received: BTreeMap<String, Vec<String>>,
    stale: u64,
    exit: i32,
    withheld: u64,
}

#[derive(Default)]
struct Model {
    keys: BTreeMap<usize, Key>,
}

struct Send {
    who: usize,
    p: P,
    minute: i64,
    steps: u8,
    origin: Origin,
}

impl Model {
    fn day(&mut self, file: &str, day: &Day) -> Expect {
        let mut expect = Expect::default();
        // Resolution (SPEC §2): winner per key, then holds.
        let mut winners: BTreeMap<usize, (P, i64, u64)> = BTreeMap::new();
        let mut holds: BTreeMap<usize, Vec<Option<i64>>> = BTreeMap::new();
        for (i, row) in day.rows.iter().enumerate() {
            let line = i as u64 + 1;
            match *row {
                Row::Valid { who, p, minute, .. } => {
                    let replace = match winners.get(&who) {
                        None => true,
                        // Later wins; a tie goes to RET; equal rows: the last in input order.
                        Some(&(wp, wm, _)) => later(p, minute, wp, wm) || (p == wp && minute == wm),
                    };
                    if replace {
                        winners.insert(who, (p, minute, line));
                    }
                }
                Row::UnreadableRet { who } => holds.entry(who).or_default().push(None),
                Row::NoPlatformRet { who, minute } => {
                    holds.entry(who).or_default().push(Some(minute))
                }
                Row::Red { .. } => {}
            }
        }
        let withheld: BTreeSet<usize> = winners
            .iter()
            .filter(|(who, (p, minute, _))| {
                *p == P::Onay
                    && holds
                        .get(who)
                        .is_some_and(|h| h.iter().any(|t| t.is_none_or(|t| t >= *minute)))
            })
            .map(|(who, _)| *who)
            .collect();
        expect.withheld = withheld.len() as u64;
        // A pending ONAY of an earlier run, sent again, is held back by a RET row that may be
        // later than it.
        let holds_back = |who: usize, pending: &Pending| {
            pending.p == P::Onay
                && holds
                    .get(&who)
                    .is_some_and(|h| h.iter().any(|t| t.is_none_or(|t| t >= pending.minute)))
        };
        let mut held_back = 0u64;

        // The plan.
        let mut sends = Vec::new();
        let mentioned: BTreeSet<usize> = winners.keys().copied().collect();
        for (&who, &(p, minute, line)) in &winners {
            let key = self.keys.entry(who).or_default();
            if withheld.contains(&who) {
                // Held back, but an earlier run's pending opt-out is sent again (it never waits).
                if let Some(q) = key.pending.as_ref().filter(|q| q.p == P::Ret) {
                    sends.push(Send {
                        who,
                        p: q.p,
                        minute: q.minute,
                        steps: q.steps,
                        origin: q.origin.clone(),
                    });
                }
                continue;
            }
            let origin = (file.to_string(), line);
            let resend = |pending: &Pending, minute: i64, origin: Origin| Send {
                who,
                p: pending.p,
                minute,
                steps: pending.steps,
                origin,
            };
            let known = key.pending.as_ref().map(|q| (q.p, q.minute)).or(key.acked);
            match known {
                None => sends.push(Send {
                    who,
                    p,
                    minute,
                    steps: steps_to(None, p),
                    origin,
                }),
                Some((kp, _)) if kp == p => match &key.pending {
                    // The input repeats the pending word: it is sent again (from the later row).
                    Some(q) if minute > q.minute => sends.push(resend(q, minute, origin)),
                    Some(q) => sends.push(resend(q, q.minute, q.origin.clone())),
                    None => {
                        if let Some(acked) = key.acked.as_mut() {
                            acked.1 = acked.1.max(minute);
                        }
                    }
                },
                Some((kp, km)) if later(p, minute, kp, km) => match key.acked {
                    None => sends.push(Send {
                        who,
                        p,
                        minute,
                        steps: steps_to(None, p),
                        origin,
                    }),
                    // Insider still holds `p` (the pending change was refused): drop it. Not
                    // for a RET: an opt-out is sent again in full whatever the refusal says.
                    Some((ap, am)) if ap == p && p == P::Onay => {
                        key.pending = None;
                        key.acked = Some((ap, am.max(minute)));
                    }
                    Some((ap, _)) => sends.push(Send {
                        who,
                        p,
                        minute,
                        steps: steps_to(Some(ap), p),
                        origin,
                    }),
                },
                Some(_) => {
                    expect.stale += 1;
                    if let Some(q) = &key.pending {
                        if holds_back(who, q) {
                            held_back += 1;
                        } else {
                            sends.push(resend(q, q.minute, q.origin.clone()));
                        }
                    }
                }
            }
        }
        // Pending changes of keys the day does not mention.
        for (&who, key) in &self.keys {
            if mentioned.contains(&who) {
                continue;
            }
            if let Some(q) = &key.pending {
                if holds_back(who, q) {
                    held_back += 1;
                    continue;
                }
                sends.push(Send {
                    who,
                    p: q.p,
                    minute: q.minute,
                    steps: q.steps,
                    origin: q.origin.clone(),
                });
            }
        }

        expect.withheld += held_back;

        // Sending, phase by phase.
        let mut refused_any = false;
        for step in [UNSUB, UPS, RESUB] {
            for s in sends.iter_mut().filter(|s| s.steps & step != 0) {
                let key = self.keys.entry(s.who).or_default();
                // Held back until Insider has acknowledged the upsert (true) of this word (a
                // later row of the same ONAY does not need another upsert first).
                if step == RESUB && (s.steps & UPS != 0 || key.acked.map(|a| a.0) != Some(P::Onay))
                {
                    continue;
                }
                let id = POOL[s.who].insider;
                let item = match step {
                    UPS => format!("{id}={}", s.p == P::Onay),
                    _ => id.to_string(),
                };
                expect
                    .received
                    .entry(path_of(step, s.who).to_string())
                    .or_default()
                    .push(item);
                if day.refuse.contains(&(step, s.who)) {
                    refused_any = true;
                    continue;
                }
                s.steps &= !step;
                key.acked = Some((s.p, s.minute));
                key.audit.push((
                    audit_name(step, s.who).to_string(),
                    s.p,
                    s.minute,
                    s.origin.0.clone(),
                    s.origin.1,
                ));
            }
        }
        for s in sends {
            let key = self.keys.entry(s.who).or_default();
            key.pending = (s.steps != 0).then_some(Pending {
                p: s.p,
                minute: s.minute,
                steps: s.steps,
                origin: s.origin,
            });
        }
        for items in expect.received.values_mut() {
            items.sort();
        }
        let invalid = day.rows.iter().any(|r| !r.is_valid());
        expect.exit = i32::from(invalid || refused_any);
        expect
    }
}

/// The ledger's view of a key, as `iysync ledger show --format json` gives it, in the model's
/// terms.
fn ledger_keys(state: &Path) -> BTreeMap<usize, Key> {
    let mut cmd = bare();
    cmd.env_remove("INSIDER_PARTNER_NAME")
        .args(["ledger", "show", "--format", "json", "--state"])
        .arg(state);
    for who in &POOL {
        cmd.arg(who.forms[0]);
    }
    let out = cmd.output().expect("ledger show");
    assert!(
        out.status.success(),
        "ledger show: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = json(&out.stdout);
    let minute = |v: &Value| -> i64 {
        let s = v.as_str().expect("a time");
        let rest = s
            .strip_prefix("2025-05-15T10:")
            .unwrap_or_else(|| panic!("unexpected time {s}"));
        rest[..2].parse().expect("minute")
    };
    let word = |v: &Value| match v.as_str() {
        Some("ONAY") => P::Onay,
        Some("RET") => P::Ret,
        other => panic!("unexpected permission {other:?}"),
    };
    let mut keys = BTreeMap::new();
    for (who, r) in doc["recipients"]
        .as_array()
        .expect("recipients")
        .iter()
        .enumerate()
    {
        if r["found"] != true {
            continue;
        }
        let partners = r["partners"].as_array().expect("partners");
        assert_eq!(partners.len(), 1, "{r}");
        let row = &partners[0];
        let acked = (!row["permission"].is_null())
            .then(|| (word(&row["permission"]), minute(&row["consent_at"])));
        let pending = (!row["pending"].is_null()).then(|| {
            let q = &row["pending"];
            assert!(
                !q["refused"].is_null(),
                "every pending change here was refused: {q}"
            );
            let mut steps = 0;
            for s in q["steps"].as_array().expect("steps") {
                steps |= match s.as_str() {
                    Some("unsubscribe") => UNSUB,
                    Some("upsert") => UPS,
                    Some("resubscribe") => RESUB,
                    other => panic!("unexpected step {other:?}"),
                };
            }
            // The ledger keeps where the pending word came from; the audit shows it once sent.
            Pending {
                p: word(&q["permission"]),
                minute: minute(&q["consent_at"]),
                steps,
                origin: (String::new(), 0),
            }
        });
        let audit = row["history"]
            .as_array()
            .expect("history")
            .iter()
            .map(|h| {
                (
                    h["endpoint"].as_str().expect("endpoint").to_string(),
                    word(&h["permission"]),
                    minute(&h["consent_at"]),
                    h["input"].as_str().unwrap_or("-").to_string(),
                    h["line"].as_u64().unwrap_or(0),
                )
            })
            .collect();
        keys.insert(
            who,
            Key {
                acked,
                pending,
                audit,
            },
        );
    }
    keys
}

/// What the simulator received in `received`, per endpoint path, sorted like [`Expect`].
fn items_of(received: &[(String, Value)]) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (path, body) in received {
        let items = out.entry(path.clone()).or_default();
        if path == UPSERT {
            for u in body["users"].as_array().expect("users") {
                let id = u["identifiers"]["email"]
                    .as_str()
                    .or(u["identifiers"]["phone_number"].as_str())
                    .expect("an identifier");
                let optin = u["attributes"]["email_optin"]
                    .as_bool()
                    .or(u["attributes"]["sms_optin"].as_bool())
                    .expect("an optin");
                items.push(format!("{id}={optin}"));
            }
        } else {
            let list = body["emails"]
                .as_array()
                .or(body["phone_numbers"].as_array())
                .expect("contacts");
            for item in list {
                items.push(item.as_str().expect("a contact").to_string());
            }
        }
    }
    for items in out.values_mut() {
        items.sort();
    }
    out
}

fn who_of_insider(id: &str) -> usize {
    POOL.iter()
        .position(|w| w.insider == id)
        .unwrap_or_else(|| panic!("not in the pool: {id}"))
}

/// The latest valid word of each key over `days` (SPEC §2 across files).
fn latest_words(days: &[Day]) -> BTreeMap<usize, (P, i64)> {
    let mut latest: BTreeMap<usize, (P, i64)> = BTreeMap::new();
    for day in days {
        for row in &day.rows {
            if let Row::Valid { who, p, minute, .. } = *row {
                let replace = latest
                    .get(&who)
                    .is_none_or(|&(lp, lm)| later(p, minute, lp, lm));
                if replace {
                    latest.insert(who, (p, minute));
                }
            }
        }
    }
    latest
}

/// SPEC §11's order within one day, and consent safety, on what arrived (in arrival order).
/// `upserted` carries, per recipient, whether its last upsert (of any day) was `true` and
/// accepted.
fn check_day(
    day_no: usize,
    received: &[(String, Value)],
    days: &[Day],
    upserted: &mut BTreeMap<usize, bool>,
) {
    let is_unsub = |p: &str| p == EMAIL_UNSUBSCRIBE || p == SMS_UNSUBSCRIBE;
    let last_unsub = received.iter().rposition(|(p, _)| is_unsub(p));
    let first_upsert = received.iter().position(|(p, _)| p == UPSERT);
    if let (Some(u), Some(f)) = (last_unsub, first_upsert) {
        assert!(
            u < f,
            "day {day_no}: an unsubscribe after an upsert: {received:?}"
        );
    }
    let latest = latest_words(&days[..=day_no]);
    let refuse = &days[day_no].refuse;
    for (path, body) in received {
        let items = items_of(&[(path.clone(), body.clone())]);
        for item in items.values().flatten() {
            let (id, optin) = match item.split_once('=') {
                Some((id, o)) => (id, Some(o == "true")),
                None => (item.as_str(), None),
            };
            let who = who_of_insider(id);
            let opts_in = path == EMAIL_SUBSCRIBE || path == SMS_SUBSCRIBE || optin == Some(true);
            if opts_in {
                assert_eq!(
                    latest.get(&who).map(|w| w.0),
                    Some(P::Onay),
                    "day {day_no}: {id} opted in or resubscribed ({path}) but its latest word is not ONAY"
                );
            }
            if path == UPSERT {
                let accepted = !refuse.contains(&(UPS, who));
                upserted.insert(who, optin == Some(true) && accepted);
            } else if path == EMAIL_SUBSCRIBE || path == SMS_SUBSCRIBE {
                assert_eq!(
                    upserted.get(&who),
                    Some(&true),
                    "day {day_no}: {id} resubscribed before Insider acknowledged its upsert (true)"
                );
            }
        }
    }
}

fn run_days(days: &[Day]) -> Result<(), TestCaseError> {
    let sim = Sim::start(SimConfig::default());
    let dir = tempdir();
    let state = dir.path().join("ledger.sqlite3");
    let mut model = Model::default();
    let mut seen = 0usize;
    let mut upserted = BTreeMap::new();
    for (d, day) in days.iter().enumerate() {
        let name = format!("day{d}.csv");
        let mut data: String = day.rows.iter().map(|r| r.line() + "\n").collect();
        if data.is_empty() {
            data.push('\n');
        }
        write(dir.path(), &name, data);
        sim.configure(|c| {
            c.refuse_at = day
                .refuse
                .iter()
                .map(|&(step, who)| {
                    (
                        path_of(step, who).to_string(),
                        POOL[who].insider.to_string(),
                    )
                })
                .collect();
        });
        let report = dir.path().join(format!("report{d}.json"));
        let out = sync_to(&sim, &state, &dir.path().join(format!("rejects{d}.csv")))
            .current_dir(dir.path())
            .args(["--max-changes", "100%", "--max-contacts", "1"])
            .arg("--report")
            .arg(&report)
            .arg(&name)
            .output()
            .expect("run sync");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let expect = model.day(&name, day);

        let received = sim.received();
        let today = &received[seen..];
        seen = received.len();
        prop_assert_eq!(
            &items_of(today),
            &expect.received,
            "day {}: what Insider received; stderr:\n{}",
            d,
            stderr
        );
        check_day(d, today, days, &mut upserted);
        prop_assert_eq!(
            out.status.code(),
            Some(expect.exit),
            "day {}: exit status; stderr:\n{}",
            d,
            stderr
        );
        let report = json(read(&report).as_bytes());
        prop_assert_eq!(
            report["sync"]["stale"].as_u64(),
            Some(expect.stale),
            "day {}: {}",
            d,
            report
        );
        prop_assert_eq!(
            report["summary"]["resolved"]["withheld"].as_u64(),
            Some(expect.withheld),
            "day {}: {}",
            d,
            report
        );

        let ledger = ledger_keys(&state);
        let modelled: BTreeMap<usize, Key> = model
            .keys
            .iter()
            .filter(|(_, k)| k.acked.is_some() || k.pending.is_some())
            .map(|(&who, k)| {
                let mut k = k.clone();
                if let Some(q) = k.pending.as_mut() {
                    q.origin = (String::new(), 0);
                }
                (who, k)
            })
            .collect();
        prop_assert_eq!(
            &ledger,
            &modelled,
            "day {}: the ledger; stderr:\n{}",
            d,
            stderr
        );
    }
    Ok(())
}

fn word() -> impl Strategy<Value = P> {
    prop_oneof![Just(P::Onay), Just(P::Ret)]
}

fn valid_row() -> impl Strategy<Value = Row> {
    (0..POOL.len(), 0..3usize, word(), 0..8i64).prop_map(|(who, form, p, minute)| Row::Valid {
        who,
        form,
        p,
        minute,
    })
}

fn invalid_row() -> impl Strategy<Value = Row> {
    prop_oneof![
        2 => (0..POOL.len()).prop_map(|who| Row::UnreadableRet { who }),
        2 => (0..POOL.len(), 0..8i64).prop_map(|(who, minute)| Row::NoPlatformRet { who, minute }),
        1 => (0..POOL.len(), 0..8i64).prop_map(|(who, minute)| Row::Red { who, minute }),
    ]
}

fn day() -> impl Strategy<Value = Day> {
    let invalid = prop_oneof![
        1 => Just(Vec::new()),
        1 => proptest::collection::vec(invalid_row(), 1..=2),
    ];
    let step = prop_oneof![1 => Just(UNSUB), 2 => Just(UPS), 1 => Just(RESUB)];
    let refuse = prop_oneof![
        1 => Just(BTreeSet::new()),
        2 => proptest::collection::btree_set((step, 0..POOL.len()), 1..=4),
    ];
    (
        proptest::collection::vec(valid_row(), 1..=6),
        invalid,
        refuse,
    )
        .prop_flat_map(|(valid, invalid, refuse)| {
            let rows: Vec<Row> = valid.into_iter().chain(invalid).collect();
            (
                Just(rows).prop_shuffle(),
                Just(refuse),
                proptest::option::of((0..8i64, 0..3u8)),
            )
                .prop_map(|(rows, refuse, follow)| Day {
                    rows,
                    refuse,
                    follow,
                })
        })
}

/// 2 to 4 days; see [`Day::follow`].
fn days() -> impl Strategy<Value = Vec<Day>> {
    proptest::collection::vec(day(), 2..=4).prop_map(|mut days| {
        for i in 1..days.len() {
            let (Some((minute, with)), Some(&(_, target))) =
                (days[i].follow, days[i - 1].refuse.iter().next())
            else {
                continue;
            };
            let day = &mut days[i];
            let mut aimed = false;
            for row in &mut day.rows {
                match row {
                    Row::UnreadableRet { who }
                    | Row::NoPlatformRet { who, .. }
                    | Row::Red { who, .. } => {
                        *who = target;
                        aimed = true;
                    }
                    Row::Valid { .. } => {}
                }
            }
            if !aimed {
                continue;
            }
            match with {
                0 | 1 => day.rows.push(Row::Valid {
                    who: target,
                    form: 0,
                    p: if with == 0 { P::Onay } else { P::Ret },
                    minute,
                }),
                _ => day
                    .rows
                    .retain(|r| !matches!(r, Row::Valid { who, .. } if *who == target)),
            }
            // A day needs a valid row (the files are never empty of them).
            if !day.rows.iter().any(Row::is_valid) {
                day.rows.push(Row::Valid {
                    who: (target + 1) % POOL.len(),
                    form: 0,
                    p: P::Onay,
                    minute,
                });
            }
        }
        days
    })
}

/// 16 cases unless `PROPTEST_CASES` says otherwise.
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(16);
    ProptestConfig {
        cases,
        max_shrink_iters: 256,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn daily_syncs_match_the_model_of_the_table(days in days()) {
        run_days(&days)?;
    }
}
