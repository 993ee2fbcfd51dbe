//! The upload client against the simulator, over real HTTP on 127.0.0.1; and the journal.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use iysync::insider::{
    CancelToken, ClientConfig, Endpoint, Event, Journal, Request, RequestResult, Secret, Stats,
    UploadError, default_path, upload,
};
use serde_json::{Value, json};
use support::Canned;
use support::sim::{EMAIL_SUBSCRIBE, EMAIL_UNSUBSCRIBE, SMS_SUBSCRIBE, SMS_UNSUBSCRIBE, UPSERT};
use support::{Sim, SimConfig};

const UCD: &str = "ucd-token";
const UNSUB: &str = "unsubscribe-token";
const RESUB: &str = "resubscribe-token";

fn config(sim: &Sim, token: &str) -> ClientConfig {
    // Mixed case on purpose: the client must send it lower-cased.
    let mut cfg = ClientConfig::new("MyBrand", Secret::new(token));
    cfg.unification_url = sim.base_url();
    cfg.contact_url = format!("{}/", sim.base_url());
    cfg.rate_per_min = 600_000;
    cfg.concurrency = 4;
    cfg.max_retries = 5;
    cfg.timeout = Duration::from_secs(5);
    // Short backoff: the schedule itself is unit-tested (client::backoff_wait).
    cfg.backoff_base = Duration::from_millis(10);
    cfg.backoff_cap = Duration::from_millis(500);
    cfg.drain = Duration::from_secs(1);
    cfg
}

fn email(i: usize) -> String {
    format!("user{i}@example.com")
}

fn phone(i: usize) -> String {
    format!("+90532{:07}", i)
}

fn upsert_request(seq: u64, users: Vec<Value>) -> Request {
    let records = users.len();
    Request {
        seq,
        endpoint: Endpoint::Upsert,
        body: serde_json::to_vec(&json!({"skip_hook": true, "users": users})).unwrap(),
        records,
    }
}

fn email_user(i: usize, optin: bool) -> Value {
    json!({"identifiers": {"email": email(i)}, "attributes": {"email_optin": optin}})
}

/// `n` upsert requests of `per` email users each; user ids are unique across requests.
fn upsert_requests(n: usize, per: usize) -> Vec<Request> {
    (0..n)
        .map(|r| {
            let users = (0..per).map(|u| email_user(r * per + u, true)).collect();
            upsert_request(r as u64, users)
        })
        .collect()
}

#[derive(Default, Debug)]
struct Seen {
    sent: usize,
    retries: Vec<(u64, u32, Duration, String)>,
    rate_waits: usize,
    done_events: usize,
    done: Vec<(u64, RequestResult)>,
}

fn run(cfg: &ClientConfig, requests: Vec<Request>) -> (Result<Stats, UploadError>, Seen) {
    run_with(cfg, requests, CancelToken::new(), |_, _| Ok(()))
}

fn run_with(
    cfg: &ClientConfig,
    requests: Vec<Request>,
    cancel: CancelToken,
    mut after_done: impl FnMut(u64, &RequestResult) -> std::io::Result<()>,
) -> (Result<Stats, UploadError>, Seen) {
    let mut seen = Seen::default();
    let mut done = Vec::new();
    let result = {
        let seen = &mut seen;
        upload(
            cfg,
            requests.into_iter(),
            cancel,
            |event| match event {
                Event::Sent { .. } => seen.sent += 1,
                Event::Retry {
                    seq,
                    attempt,
                    wait,
                    reason,
                } => seen.retries.push((seq, attempt, wait, reason)),
                Event::RateWait(_) => seen.rate_waits += 1,
                Event::Done { .. } => seen.done_events += 1,
            },
            |seq, result| {
                after_done(seq, result)?;
                done.push((seq, result.clone()));
                Ok(())
            },
        )
    };
    seen.done = done;
    (result, seen)
}

fn accepted_clean(r: &RequestResult) -> bool {
    matches!(r, RequestResult::Accepted { refused } if refused.is_empty())
}

#[test]
fn upsert_applies_users_and_sends_lower_case_partner() {
    let sim = Sim::start(SimConfig::default());
    let mut requests = upsert_requests(3, 10);
    requests.push(upsert_request(
        3,
        vec![json!({
            "identifiers": {"phone_number": phone(1), "custom": {"crm_id": "c-1"}},
            "attributes": {"sms_optin": false, "custom": {"iys_platform": "web"}},
            "events": [{"event_name": "iys_consent", "timestamp": "2025-05-15T14:23:00+03:00",
                        "event_params": {"custom": {"permission": "RET"}}}]
        })],
    ));
    let (result, seen) = run(&config(&sim, UCD), requests);
    let stats = result.unwrap();
    assert_eq!(stats.requests, 4);
    assert_eq!(stats.retries, 0);
    assert_eq!(seen.sent, 4);
    assert_eq!(seen.done_events, 4);
    assert!(seen.done.iter().all(|(_, r)| accepted_clean(r)));
    for i in 0..30 {
        let user = sim.user(&email(i)).unwrap();
        assert_eq!(user.email_optin, Some(true));
        assert_eq!(user.applications, 1);
        assert_eq!(user.skip_hook, Some(true));
    }
    let user = sim.user(&phone(1)).unwrap();
    assert_eq!(user.sms_optin, Some(false));
    assert_eq!(user.identifiers["custom"]["crm_id"], "c-1");
    assert_eq!(sim.user("custom:crm_id=c-1"), Some(user.clone()));
    assert_eq!(user.attributes["custom"]["iys_platform"], "web");
    assert_eq!(user.events.len(), 1);
    assert!(
        sim.log()
            .iter()
            .all(|r| r.partner.as_deref() == Some("mybrand") && r.path == UPSERT)
    );
}

#[test]
fn contact_endpoints_with_groups() {
    let sim = Sim::start(SimConfig::default());
    let req = |seq, endpoint, body: Value, records| Request {
        seq,
        endpoint,
        body: serde_json::to_vec(&body).unwrap(),
        records,
    };
    let unsub = config(&sim, UNSUB);
    let (r, _) = run(
        &unsub,
        vec![
            req(
                1,
                Endpoint::EmailUnsubscribe,
                json!({"emails": [email(1), email(2)], "group_name": "newsletter"}),
                2,
            ),
            req(
                2,
                Endpoint::EmailUnsubscribe,
                json!({"emails": [email(3)]}),
                1,
            ),
            req(
                3,
                Endpoint::SmsUnsubscribe,
                json!({"phone_numbers": [phone(1)]}),
                1,
            ),
        ],
    );
    assert_eq!(r.unwrap().requests, 3);
    let resub = config(&sim, RESUB);
    let (r, seen) = run(
        &resub,
        vec![
            req(
                1,
                Endpoint::EmailSubscribe,
                json!({"emails": [email(4)], "group_id": 7}),
                1,
            ),
            req(
                2,
                Endpoint::SmsSubscribe,
                json!({"phone_numbers": [phone(2), phone(3)]}),
                2,
            ),
        ],
    );
    assert_eq!(r.unwrap().requests, 2);
    assert!(seen.done.iter().all(|(_, r)| accepted_clean(r)));

    let unsubscribed: Vec<_> = sim.unsubscribed_emails().into_iter().collect();
    assert_eq!(
        unsubscribed,
        vec![
            (email(1), Some("newsletter".to_string())),
            (email(2), Some("newsletter".to_string())),
            (email(3), None),
        ]
    );
    assert_eq!(
        sim.subscribed_emails().into_iter().collect::<Vec<_>>(),
        vec![(email(4), Some("7".to_string()))]
    );
    assert_eq!(
        sim.unsubscribed_phones().into_iter().collect::<Vec<_>>(),
        vec![phone(1)]
    );
    assert_eq!(sim.subscribed_phones().len(), 2);
    for path in [
        EMAIL_UNSUBSCRIBE,
        EMAIL_SUBSCRIBE,
        SMS_UNSUBSCRIBE,
        SMS_SUBSCRIBE,
    ] {
        assert!(sim.requests_on(path) >= 1, "{path}");
    }
    assert_eq!(sim.contact_applications(SMS_SUBSCRIBE, &phone(2)), 1);
}

#[test]
fn each_endpoint_needs_its_own_token() {
    let sim = Sim::start(SimConfig::default());
    // The unsubscribe token on the resubscribe endpoint.
    let request = Request {
        seq: 1,
        endpoint: Endpoint::EmailSubscribe,
        body: serde_json::to_vec(&json!({"emails": [email(1)]})).unwrap(),
        records: 1,
    };
    let (r, seen) = run(&config(&sim, UNSUB), vec![request]);
    match r {
        Err(UploadError::Auth {
            status: 401,
            message,
        }) => assert_eq!(message, "Unauthorized"),
        other => panic!("{other:?}"),
    }
    assert!(seen.done.is_empty());
    assert!(sim.subscribed_emails().is_empty());
}

#[test]
fn unauthorized_stops_at_once() {
    let sim = Sim::start(SimConfig::default());
    let mut cfg = config(&sim, "wrong-token");
    cfg.concurrency = 1;
    let (r, seen) = run(&cfg, upsert_requests(20, 2));
    match r {
        Err(UploadError::Auth {
            status: 401,
            message,
        }) => assert_eq!(message, "unauthorized"),
        other => panic!("{other:?}"),
    }
    assert_eq!(sim.requests_total(), 1, "nothing may be sent after a 401");
    assert!(seen.done.is_empty());
    assert!(seen.retries.is_empty());

    // With several in flight, at most those already on the wire reach the server.
    let sim = Sim::start(SimConfig {
        latency: Duration::from_millis(100),
        ..SimConfig::default()
    });
    let mut cfg = config(&sim, "wrong-token");
    cfg.concurrency = 4;
    let (r, _) = run(&cfg, upsert_requests(50, 1));
    assert!(matches!(r, Err(UploadError::Auth { .. })));
    assert!(sim.requests_total() <= 4, "{}", sim.requests_total());

    // Contact API answering "Unauthorized" with HTTP 200.
    let sim = Sim::start(SimConfig {
        contact_errors_as_200: true,
        ..SimConfig::default()
    });
    let mut cfg = config(&sim, UCD);
    cfg.concurrency = 1;
    let request = |seq| Request {
        seq,
        endpoint: Endpoint::SmsUnsubscribe,
        body: serde_json::to_vec(&json!({"phone_numbers": [phone(1)]})).unwrap(),
        records: 1,
    };
    let (r, _) = run(&cfg, vec![request(1), request(2)]);
    assert!(
        matches!(r, Err(UploadError::Auth { status: 200, .. })),
        "{r:?}"
    );
    assert_eq!(sim.requests_total(), 1);
}

#[test]
fn bad_requests_are_rejected_not_retried() {
    let sim = Sim::start(SimConfig {
        max_body_bytes: 2_000,
        max_contact_items: 2,
        ..SimConfig::default()
    });
    let no_users = Request {
        seq: 2,
        endpoint: Endpoint::Upsert,
        body: br#"{"skip_hook":true}"#.to_vec(),
        records: 3,
    };
    let big = upsert_request(3, (100..200).map(|i| email_user(i, true)).collect());
    assert!(big.body.len() > 2_000);
    let requests = vec![
        upsert_request(1, vec![email_user(1, true)]),
        no_users,
        big,
        upsert_request(4, vec![email_user(4, true)]),
    ];
    let (r, seen) = run(&config(&sim, UCD), requests);
    assert_eq!(r.unwrap().requests, 4);
    assert!(seen.retries.is_empty());
    assert_eq!(sim.requests_total(), 4);
    let mut done = seen.done;
    done.sort_by_key(|(seq, _)| *seq);
    assert!(accepted_clean(&done[0].1));
    assert_eq!(
        done[1].1,
        RequestResult::Rejected {
            status: 400,
            message: "users must be defined: bad request".into()
        }
    );
    assert_eq!(
        done[2].1,
        RequestResult::Rejected {
            status: 400,
            message: "request body is bigger than maximum allowed size 2,000 bytes".into()
        }
    );
    assert_eq!(done[2].1.refused_count(100), 100);
    assert!(accepted_clean(&done[3].1));
    assert_eq!(sim.applications(&email(150)), 0);

    // Contact API: too many items.
    let too_many = Request {
        seq: 9,
        endpoint: Endpoint::EmailUnsubscribe,
        body: serde_json::to_vec(&json!({"emails": [email(1), email(2), email(3)]})).unwrap(),
        records: 3,
    };
    let (r, seen) = run(&config(&sim, UNSUB), vec![too_many]);
    assert_eq!(r.unwrap().requests, 1);
    assert_eq!(
        seen.done[0].1,
        RequestResult::Rejected {
            status: 400,
            message: "Bad request".into()
        }
    );
    assert!(sim.unsubscribed_emails().is_empty());
}

#[test]
fn partial_failures_map_to_user_indexes() {
    let sim = Sim::start(SimConfig::default());
    let users = vec![
        email_user(0, true),
        json!({"identifiers": {"email": "not-an-email"}, "attributes": {"email_optin": true}}),
        json!({"identifiers": {"phone_number": phone(2)}, "attributes": {"sms_optin": true}}),
        json!({"identifiers": {"phone_number": "12345"}, "attributes": {"sms_optin": true}}),
        json!({"identifiers": {"email": email(4)}, "attributes": {"email_optin": "yes"}}),
        json!({"attributes": {"email_optin": true}}),
    ];
    let (r, seen) = run(&config(&sim, UCD), vec![upsert_request(1, users)]);
    r.unwrap();
    let RequestResult::Accepted { refused } = &seen.done[0].1 else {
        panic!("{:?}", seen.done)
    };
    let indexes: Vec<usize> = refused.iter().map(|(i, _)| *i).collect();
    assert_eq!(indexes, vec![1, 3, 4, 5]);
    assert_eq!(
        refused[0].1,
        r"identifiers.*.regexp(^.+@.+\..+$): not a valid email address: not-an-email"
    );
    assert!(
        refused[1]
            .1
            .contains("user has an invalid phone number: 12345")
    );
    assert_eq!(
        refused[2].1,
        "attributes.email_optin.type(bool): email_optin must be boolean: yes"
    );
    assert!(refused[3].1.contains("identifiers.required"));
    assert_eq!(sim.users().len(), 2);
    assert_eq!(sim.applications(&email(0)), 1);
    assert_eq!(sim.user(&phone(2)).unwrap().sms_optin, Some(true));
    assert_eq!(sim.applications(&email(4)), 0);
}

#[test]
fn too_many_requests_honours_retry_after() {
    let sim = Sim::start(SimConfig {
        window_limit: Some(4),
        window: Duration::from_secs(1),
        ..SimConfig::default()
    });
    let t0 = Instant::now();
    let (r, seen) = run(&config(&sim, UCD), upsert_requests(10, 2));
    let stats = r.unwrap();
    assert_eq!(stats.requests, 10);
    assert!(sim.status_count(429) > 0);
    assert_eq!(stats.retries, sim.status_count(429));
    assert!(!seen.retries.is_empty());
    for (_, _, wait, reason) in &seen.retries {
        assert_eq!(*wait, Duration::from_secs(1), "{reason}");
        assert!(reason.contains("429"), "{reason}");
    }
    // 10 requests at 4 per second window need at least 2 more windows.
    assert!(t0.elapsed() >= Duration::from_secs(2), "{:?}", t0.elapsed());
    for i in 0..20 {
        assert_eq!(sim.applications(&email(i)), 1);
    }
}

#[test]
fn too_many_requests_without_retry_after_backs_off() {
    let sim = Sim::start(SimConfig {
        window_limit: Some(2),
        window: Duration::from_millis(300),
        retry_after_header: false,
        ..SimConfig::default()
    });
    let mut cfg = config(&sim, UCD);
    cfg.max_retries = 12;
    let (r, seen) = run(&cfg, upsert_requests(6, 1));
    assert_eq!(r.unwrap().requests, 6);
    assert!(!seen.retries.is_empty());
    for (_, attempt, wait, _) in &seen.retries {
        // The schedule's ceiling, shortened by at most 10 % of jitter: bounded on both sides.
        let ceiling = (cfg.backoff_base * 4u32.pow((attempt - 1).min(6))).min(cfg.backoff_cap);
        assert!(*wait <= ceiling, "{attempt}: {wait:?}");
        assert!(*wait >= ceiling.mul_f64(0.9), "{attempt}: {wait:?}");
    }
}

#[test]
fn server_errors_and_resets_are_retried_and_applied_exactly_once() {
    let sim = Sim::start(SimConfig {
        error_5xx_prob: 0.10,
        reset_prob: 0.05,
        seed: 42,
        ..SimConfig::default()
    });
    let mut cfg = config(&sim, UCD);
    cfg.concurrency = 8;
    cfg.max_retries = 10;
    let (r, seen) = run(&cfg, upsert_requests(300, 5));
    let stats = r.unwrap();
    assert_eq!(stats.requests, 300);
    assert!(sim.resets() > 0, "no reset injected");
    assert!(sim.status_count(500) + sim.status_count(503) > 0);
    let server_5xx = sim.status_count(500) + sim.status_count(503);
    assert!(stats.retries >= server_5xx && stats.retries <= server_5xx + sim.resets());
    assert_eq!(seen.retries.len() as u64, stats.retries);
    let mut seqs: Vec<u64> = seen.done.iter().map(|(s, _)| *s).collect();
    seqs.sort_unstable();
    assert_eq!(
        seqs,
        (0..300).collect::<Vec<_>>(),
        "on_done once per request"
    );
    assert!(seen.done.iter().all(|(_, r)| accepted_clean(r)));
    let users = sim.users();
    assert_eq!(users.len(), 1500);
    assert!(users.values().all(|u| u.applications == 1));
    let mut reasons: Vec<&str> = seen.retries.iter().map(|r| r.3.as_str()).collect();
    reasons.sort_unstable();
    reasons.dedup();
    eprintln!("retry reasons: {reasons:?}");
    eprintln!(
        "faults: {} resets, {} 5xx, {} retries",
        sim.resets(),
        sim.status_count(500) + sim.status_count(503),
        stats.retries
    );
}

#[test]
fn retries_exhausted_stops_the_upload() {
    let sim = Sim::start(SimConfig {
        fail_first: 1_000,
        ..SimConfig::default()
    });
    let mut cfg = config(&sim, UCD);
    cfg.concurrency = 1;
    cfg.max_retries = 2;
    let (r, seen) = run(&cfg, upsert_requests(5, 1));
    match r {
        Err(UploadError::RetriesExhausted { seq: 0, last }) => {
            assert!(last.contains("500"), "{last}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        sim.requests_total(),
        3,
        "1 attempt + 2 retries, then nothing"
    );
    assert_eq!(seen.retries.len(), 2);
    assert!(seen.done.is_empty());
}

#[test]
fn timeouts_are_retried() {
    let sim = Sim::start(SimConfig {
        latency: Duration::from_millis(400),
        ..SimConfig::default()
    });
    let mut cfg = config(&sim, UCD);
    cfg.timeout = Duration::from_millis(150);
    cfg.max_retries = 1;
    let (r, seen) = run(&cfg, upsert_requests(1, 1));
    match r {
        Err(UploadError::RetriesExhausted { last, .. }) => {
            assert!(last.contains("timed out"), "{last}")
        }
        other => panic!("{other:?}"),
    }
    assert!(seen.retries[0].3.contains("timed out"));
}

#[test]
fn cancel_stops_new_requests_and_reports_interrupted() {
    let sim = Sim::start(SimConfig {
        latency: Duration::from_millis(20),
        ..SimConfig::default()
    });
    let cancel = CancelToken::new();
    let trigger = cancel.clone();
    let mut count = 0;
    let (r, seen) = run_with(
        &config(&sim, UCD),
        upsert_requests(200, 1),
        cancel,
        move |_, _| {
            count += 1;
            if count == 5 {
                trigger.cancel();
            }
            Ok(())
        },
    );
    assert!(matches!(r, Err(UploadError::Interrupted)), "{r:?}");
    let acknowledged = seen.done.len();
    // The token fired while the 5th answer was being handled (its worker waits for that);
    // each of the 3 other workers finishes at most the one request it had on the wire, and
    // nothing new starts after that — whatever the timing.
    assert!((5..=8).contains(&acknowledged), "{acknowledged}");
    // Everything the server applied was acknowledged (in-flight answers were awaited).
    assert_eq!(sim.users().len(), acknowledged);
}

#[test]
fn on_done_failure_stops_with_journal_error() {
    let sim = Sim::start(SimConfig::default());
    let mut cfg = config(&sim, UCD);
    cfg.concurrency = 1;
    let (r, _) = run_with(
        &cfg,
        upsert_requests(50, 1),
        CancelToken::new(),
        |seq, _| {
            if seq == 2 {
                Err(std::io::Error::other("disk full"))
            } else {
                Ok(())
            }
        },
    );
    assert!(matches!(r, Err(UploadError::Journal(_))), "{r:?}");
    assert!(sim.requests_total() <= 4);
}

#[test]
fn a_panicking_callback_does_not_hang() {
    let sim = Sim::start(SimConfig::default());
    let mut cfg = config(&sim, UCD);
    cfg.concurrency = 1;
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        upload(
            &cfg,
            upsert_requests(100, 1).into_iter(),
            CancelToken::new(),
            |_| {},
            |_, _| panic!("callback bug"),
        )
    }));
    assert!(outcome.is_err());
}

#[test]
fn requests_are_pulled_lazily_through_a_bounded_queue() {
    let sim = Sim::start(SimConfig::default());
    let mut cfg = config(&sim, UCD);
    cfg.concurrency = 4;
    let pulled = Arc::new(AtomicUsize::new(0));
    let counter = pulled.clone();
    let requests = (0..2_000u64).map(move |seq| {
        counter.fetch_add(1, Ordering::SeqCst);
        upsert_request(seq, vec![email_user(seq as usize, true)])
    });
    let mut done = 0usize;
    let mut max_ahead = 0usize;
    let stats = upload(
        &cfg,
        requests,
        CancelToken::new(),
        |_| {},
        |_, _| {
            done += 1;
            max_ahead = max_ahead.max(pulled.load(Ordering::SeqCst) - done);
            Ok(())
        },
    )
    .unwrap();
    assert_eq!(stats.requests, 2_000);
    // queue (2 × concurrency) + in flight (concurrency) + answers in transit + 1 in hand
    assert!(max_ahead <= 4 * 2 + 4 + 4 * 4 + 16 + 1, "{max_ahead}");
}

#[test]
fn resume_after_interruption_sends_only_what_was_not_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state/journal.jsonl");
    let sim = Sim::start(SimConfig {
        latency: Duration::from_millis(5),
        ..SimConfig::default()
    });
    let cfg = config(&sim, UCD);
    let all = upsert_requests(100, 3);

    let mut journal = Journal::open(&path, "key1", false).unwrap();
    let cancel = CancelToken::new();
    let trigger = cancel.clone();
    let r = upload(
        &cfg,
        all.clone().into_iter(),
        cancel,
        |_| {},
        |seq, result| {
            let RequestResult::Accepted { refused } = result else {
                unreachable!()
            };
            journal.record(seq, 3 - refused.len(), refused)?;
            if journal.done_count() == 30 {
                trigger.cancel();
            }
            Ok(())
        },
    );
    assert!(matches!(r, Err(UploadError::Interrupted)));
    let first_run = journal.done_count();
    drop(journal);

    let mut journal = Journal::open(&path, "key1", false).unwrap();
    assert_eq!(journal.done_count(), first_run);
    let pending: Vec<Request> = all
        .into_iter()
        .filter(|r| !journal.is_done(r.seq))
        .collect();
    assert_eq!(pending.len(), 100 - first_run);
    let stats = upload(
        &cfg,
        pending.into_iter(),
        CancelToken::new(),
        |_| {},
        |seq, _| journal.record(seq, 3, &[]),
    )
    .unwrap();
    assert_eq!(stats.requests as usize, 100 - first_run);
    assert_eq!(journal.done_count(), 100);
    assert_eq!(journal.accepted_count(), 300);
    let users = sim.users();
    assert_eq!(users.len(), 300);
    assert!(users.values().all(|u| u.applications == 1));
}

#[test]
fn throttling_does_not_use_up_retries_and_slows_down() {
    // The server takes 3 requests a second; the client is allowed far more, and no retries.
    let sim = Sim::start(SimConfig {
        window_limit: Some(3),
        window: Duration::from_secs(1),
        ..SimConfig::default()
    });
    let mut cfg = config(&sim, UCD);
    cfg.max_retries = 0;
    cfg.concurrency = 4;
    let (r, seen) = run(&cfg, upsert_requests(8, 1));
    let stats = r.expect("429s do not use up --max-retries");
    assert_eq!(stats.requests, 8);
    assert!(sim.status_count(429) > 0, "the cap was hit");
    // Every 429 paused everybody until the window ended: at most one burst of refusals per
    // window, not a retry storm.
    assert!(sim.status_count(429) <= 8, "{:?}", sim.statuses());
    assert!(seen.retries.iter().all(|r| r.3.contains("429")));
    for i in 0..8 {
        assert_eq!(sim.applications(&email(i)), 1);
    }
}

#[test]
fn retry_after_zero_is_not_a_hot_loop() {
    let sim = Sim::start(SimConfig {
        fail_first: 2,
        fail_first_status: 429,
        retry_after_value: Some("0".into()),
        ..SimConfig::default()
    });
    let mut cfg = config(&sim, UCD);
    cfg.concurrency = 1;
    let (r, seen) = run(&cfg, upsert_requests(1, 1));
    r.expect("upload");
    assert_eq!(seen.retries.len(), 2);
    for (_, _, wait, _) in &seen.retries {
        assert!(*wait >= Duration::from_millis(500), "{wait:?}");
    }
}

#[test]
fn a_wait_longer_than_max_wait_stops_with_what_was_asked() {
    for value in [
        "100000".to_string(),
        httpdate::fmt_http_date(std::time::SystemTime::now() + Duration::from_secs(3600)),
    ] {
        let sim = Sim::start(SimConfig {
            fail_first: 1,
            fail_first_status: 429,
            retry_after_value: Some(value.clone()),
            ..SimConfig::default()
        });
        let mut cfg = config(&sim, UCD);
        cfg.max_wait = Duration::from_secs(60);
        let (r, seen) = run(&cfg, upsert_requests(1, 1));
        match r {
            Err(e @ UploadError::WaitTooLong { .. }) => {
                let m = e.to_string();
                assert!(m.contains("--max-wait 60s"), "{m}");
                if value == "100000" {
                    assert!(m.contains("27h 46m 40s"), "{m}");
                } else {
                    assert!(m.contains("59m") || m.contains("1h 0m"), "{m}");
                }
            }
            other => panic!("{value}: {other:?}"),
        }
        assert!(seen.done.is_empty());
        assert_eq!(sim.requests_total(), 1);
    }
}

#[test]
fn an_http_date_retry_after_is_obeyed() {
    let at = std::time::SystemTime::now() + Duration::from_secs(2);
    let sim = Sim::start(SimConfig {
        fail_first: 1,
        fail_first_status: 503,
        retry_after_value: Some(httpdate::fmt_http_date(at)),
        ..SimConfig::default()
    });
    let cfg = config(&sim, UCD);
    let (r, seen) = run(&cfg, upsert_requests(1, 1));
    r.expect("upload");
    // The date has a resolution of a second: the wait is between 1 and 2 s, never the 10 ms
    // backoff the client would choose by itself.
    let wait = seen.retries[0].2;
    assert!(
        wait >= Duration::from_millis(900) && wait <= Duration::from_secs(2),
        "{wait:?}"
    );
}

#[test]
fn answers_that_are_not_insiders_are_never_passed_on_as_refusals() {
    for canned in [
        Canned::html(404),
        Canned::html(405),
        Canned::html(413),
        Canned::html(200),
        Canned::new(200, "application/json", r#"{"data":{"successful":{"cou"#),
        Canned::new(200, "application/json", ""),
        Canned::new(400, "text/html", "<html>Bad Request</html>"),
        Canned::new(302, "text/html", "moved"),
    ] {
        let sim = Sim::start(SimConfig {
            canned: Some(canned.clone()),
            ..SimConfig::default()
        });
        let mut cfg = config(&sim, UCD);
        cfg.concurrency = 1;
        let (r, seen) = run(&cfg, upsert_requests(3, 2));
        match r {
            Err(e @ UploadError::Unexpected { .. }) => {
                let m = e.to_string();
                assert!(m.contains(&format!("HTTP {}", canned.status)), "{m}");
                assert!(m.contains("Check the URL"), "{m}");
            }
            other => panic!("{canned:?}: {other:?}"),
        }
        assert!(seen.done.is_empty(), "{canned:?}: nothing reported as done");
        assert_eq!(
            sim.requests_total(),
            1,
            "{canned:?}: stopped at once, no retries"
        );
    }
}

#[test]
fn a_signal_like_cancel_gives_requests_on_the_wire_only_the_drain_time() {
    let sim = Sim::start(SimConfig {
        hang: true,
        ..SimConfig::default()
    });
    let mut cfg = config(&sim, UCD);
    cfg.timeout = Duration::from_secs(60);
    cfg.drain = Duration::from_millis(200);
    let cancel = CancelToken::new();
    let trigger = cancel.clone();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        trigger.cancel();
    });
    // Without the drain bound this would wait for the 60 s timeout.
    let (r, seen) = run_with(&cfg, upsert_requests(5, 1), cancel, |_, _| Ok(()));
    assert!(matches!(r, Err(UploadError::Interrupted)), "{r:?}");
    assert!(seen.done.is_empty());
    assert!(seen.sent >= 1);
}

#[test]
fn tls_with_an_untrusted_certificate_stops_at_once_in_plain_words() {
    let (sim, _ca) = Sim::start_tls(SimConfig::default());
    assert!(sim.base_url().starts_with("https://127.0.0.1:"));
    let cfg = config(&sim, UCD);
    let (r, seen) = run(&cfg, upsert_requests(3, 1));
    match r {
        Err(e @ UploadError::Tls { .. }) => {
            let m = e.to_string();
            assert!(
                m.contains("not issued by a certificate authority this system trusts"),
                "{m}"
            );
            assert!(m.contains("SSL_CERT_FILE"), "{m}");
            assert!(
                !m.contains("OtherError") && !m.contains("UnknownIssuer"),
                "{m}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(seen.retries.is_empty(), "TLS failures are not retried");
    assert_eq!(sim.requests_total(), 0);
}

#[test]
fn config_errors_before_any_request() {
    let sim = Sim::start(SimConfig::default());
    let mut cfg = config(&sim, UCD);
    cfg.unification_url = "http://example.com".into();
    let (r, _) = run(&cfg, upsert_requests(1, 1));
    assert!(matches!(r, Err(UploadError::Config(_))), "{r:?}");
    let mut cfg = config(&sim, "");
    cfg.concurrency = 1;
    let (r, _) = run(&cfg, upsert_requests(1, 1));
    assert!(matches!(r, Err(UploadError::Config(_))), "{r:?}");
    let cfg = config(&sim, "bad\ntoken");
    let (r, _) = run(&cfg, upsert_requests(1, 1));
    match r {
        Err(UploadError::Config(m)) => assert!(!m.contains("bad")),
        other => panic!("{other:?}"),
    }
    assert_eq!(sim.requests_total(), 0);
}

#[test]
fn secret_debug_does_not_leak() {
    let cfg = ClientConfig::new("mybrand", Secret::new("top-secret-value"));
    let shown = format!("{cfg:?} {:?} {}", cfg.token, cfg.token);
    assert!(!shown.contains("top-secret-value"), "{shown}");
    assert!(shown.contains("***"));
    assert_eq!(cfg.token.expose(), "top-secret-value");
}

// ---- journal ----

fn read(path: &std::path::Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn journal_records_and_reopens() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a/b/run.jsonl");
    let mut j = Journal::open(&path, "abc123", false).unwrap();
    assert_eq!(j.done_count(), 0);
    j.record(1, 1000, &[]).unwrap();
    j.record(
        7,
        998,
        &[
            (
                3,
                "identifiers.*.regexp(^.+@.+\\..+$): not a valid email address: x.y@example.com"
                    .into(),
            ),
            (9, "user has an invalid phone number: +905321234567".into()),
        ],
    )
    .unwrap();
    j.record(7, 998, &[]).unwrap(); // a duplicate acknowledgement counts once
    drop(j);

    let text = read(&path);
    assert!(
        !text.contains("x.y@example.com") && !text.contains("905321234567"),
        "{text}"
    );

    let j = Journal::open(&path, "abc123", false).unwrap();
    assert!(j.is_done(1) && j.is_done(7) && !j.is_done(2));
    assert_eq!(j.done_count(), 2);
    // The last record of a seq wins.
    assert_eq!(j.previously_refused().count(), 0);
    drop(j);

    let mut j = Journal::open(&path, "abc123", false).unwrap();
    j.record(
        8,
        1,
        &[(
            0,
            "attributes.email_optin.type(bool): email_optin must be boolean: yes".into(),
        )],
    )
    .unwrap();
    let refused: Vec<_> = j.previously_refused().collect();
    assert_eq!(
        refused,
        vec![(
            8,
            0,
            "attributes.email_optin.type(bool): email_optin must be boolean: yes"
        )]
    );

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn journal_ignores_a_torn_last_line() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.jsonl");
    let mut j = Journal::open(&path, "k", false).unwrap();
    j.record(1, 5, &[]).unwrap();
    j.record(2, 5, &[]).unwrap();
    drop(j);
    // Crash in the middle of writing seq 3.
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    f.write_all(br#"{"seq":3,"accep"#).unwrap();
    drop(f);

    let mut j = Journal::open(&path, "k", false).unwrap();
    assert_eq!(j.done_count(), 2);
    assert!(!j.is_done(3));
    j.record(3, 5, &[]).unwrap();
    drop(j);
    let j = Journal::open(&path, "k", false).unwrap();
    assert_eq!(j.done_count(), 3);
    assert_eq!(j.skipped_lines(), 0);
    assert!(!read(&path).contains("accep\""));
}

#[test]
fn journal_key_change_or_restart_truncates() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.jsonl");
    let mut j = Journal::open(&path, "k1", false).unwrap();
    j.record(1, 5, &[]).unwrap();
    drop(j);
    let j = Journal::open(&path, "k2", false).unwrap();
    assert_eq!(j.done_count(), 0);
    drop(j);
    let mut j = Journal::open(&path, "k2", false).unwrap();
    j.record(4, 5, &[]).unwrap();
    drop(j);
    assert_eq!(Journal::open(&path, "k2", false).unwrap().done_count(), 1);
    assert_eq!(Journal::open(&path, "k2", true).unwrap().done_count(), 0);
    assert_eq!(Journal::open(&path, "k2", false).unwrap().done_count(), 0);
}

#[test]
fn journal_refuses_to_overwrite_other_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("precious.csv");
    std::fs::write(&path, "a;b;c\n").unwrap();
    let err = Journal::open(&path, "k", true).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
    assert_eq!(read(&path), "a;b;c\n");
    // A header torn at creation is started anew.
    let path = dir.path().join("torn.jsonl");
    std::fs::write(&path, r#"{"journal":"iy"#).unwrap();
    assert_eq!(Journal::open(&path, "k", false).unwrap().done_count(), 0);
}

#[test]
fn journal_default_path() {
    let p = default_path(std::path::Path::new("/state"), "ab12/../cd");
    assert_eq!(
        p,
        std::path::Path::new("/state/iysync/journals/ab12cd.jsonl")
    );
}
