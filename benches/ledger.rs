//! Planning a sync against the consent ledger (SPEC §11: ≥ 1M rows/s for 5M rows against a
//! 5M-key ledger) and the ledger's size on disk (≤ 150 bytes a key).
//!
//! `cargo bench --bench ledger` (LEDGER_BENCH_KEYS, default 1,000,000, sets the ledger's and the
//! input's size). The setup fills a ledger the way a first sync does: every key acknowledged
//! through `record_ack` in requests of 500 unsubscribes and 1000 upserts, 30% of them RET;
//! the input then repeats every key with 1% of them flipped, in an order unlike the ledger's.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use iysync::ledger::{Endpoint, Ledger, Planner, RunMode};
use iysync::record::{Channel, Permission};
use iysync::resolve::Pos;

const T0: i64 = 1_747_308_180;

fn key(i: usize) -> (Channel, String) {
    if i % 10 < 7 {
        (Channel::Email, format!("customer.{i:07}@example.com"))
    } else {
        (Channel::Sms, format!("90532{:07}", i))
    }
}

fn permission(i: usize) -> Permission {
    if i % 10 == 3 || i % 10 == 8 || i % 10 == 9 {
        Permission::Ret
    } else {
        Permission::Onay
    }
}

fn bench_plan(c: &mut Criterion) {
    let n: usize = std::env::var("LEDGER_BENCH_KEYS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("ledger.sqlite3");
    let mut ledger = Ledger::open(&path).expect("open");
    let partner = ledger.partner("bench").expect("partner");

    let started = Instant::now();
    let run = ledger
        .begin_run(partner, RunMode::Sync, &["full.csv".to_string()], T0)
        .expect("run");
    let mut planner = Planner::new();
    for i in 0..n {
        let (channel, recipient) = key(i);
        planner
            .push_key(
                Pos::new(0, i as u64 + 1),
                channel,
                &recipient,
                permission(i),
                T0,
            )
            .expect("push");
    }
    let plan = planner.plan(&ledger, partner).expect("plan");
    ledger.begin_sending(partner, run, &plan).expect("begin");
    for channel in [Channel::Email, Channel::Sms] {
        let endpoint = Endpoint::for_step(iysync::ledger::Step::Unsubscribe, channel);
        let unsub: Vec<_> = plan
            .unsubscribes()
            .filter(|a| a.channel == channel)
            .collect();
        for batch in unsub.chunks(500) {
            ledger
                .record_ack(partner, run, endpoint, batch, T0 + 10)
                .expect("ack");
        }
    }
    let upserts: Vec<_> = plan.upserts().collect();
    for batch in upserts.chunks(1000) {
        ledger
            .record_ack(partner, run, Endpoint::Upsert, batch, T0 + 20)
            .expect("ack");
    }
    ledger
        .connection()
        .execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
        .expect("checkpoint");
    let bytes = std::fs::metadata(&path).expect("size").len();
    eprintln!(
        "ledger: {n} keys acknowledged like a first sync in {:.1} s; {bytes} bytes on disk = {:.1} bytes a key (consents + audit + requests)",
        started.elapsed().as_secs_f64(),
        bytes as f64 / n as f64
    );
    drop(plan);

    // The next day's input: every key again, 1% flipped a day later, in another order.
    let mut input: Vec<(Channel, String, Permission, i64)> = (0..n)
        .map(|i| {
            let (channel, recipient) = key(i);
            let flip = i % 100 == 42;
            let p = match (permission(i), flip) {
                (p, false) => p,
                (Permission::Onay, true) => Permission::Ret,
                (Permission::Ret, true) => Permission::Onay,
            };
            (channel, recipient, p, if flip { T0 + 86_400 } else { T0 })
        })
        .collect();
    // A fixed shuffle (an LCG), so the input is not already in key order.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for i in (1..input.len()).rev() {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        input.swap(i, (state >> 33) as usize % (i + 1));
    }

    let mut group = c.benchmark_group("ledger");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.throughput(Throughput::Elements(n as u64));
    group.bench_function(format!("plan {n} rows against {n} keys, 1% flipped"), |b| {
        b.iter(|| {
            let mut planner = Planner::new();
            for (i, (channel, recipient, p, t)) in input.iter().enumerate() {
                planner
                    .push_key(Pos::new(0, i as u64 + 1), *channel, recipient, *p, *t)
                    .expect("push");
            }
            let plan = planner.plan(&ledger, partner).expect("plan");
            assert_eq!(plan.flips() as usize, n / 100);
            black_box(plan)
        })
    });
    group.finish();
}

criterion_group!(benches, bench_plan);
criterion_main!(benches);
