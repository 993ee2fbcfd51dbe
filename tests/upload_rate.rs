//! The achieved request rate against the simulator with real latency. A measurement, not a
//! check of speed in the ordinary test run: it is ignored by `cargo test` and run by
//! `scripts/bench.sh` (`cargo test --release --test upload_rate -- --ignored --nocapture`).

mod support;

use std::time::{Duration, Instant};

use support::*;

#[test]
#[ignore = "a measurement; run by scripts/bench.sh"]
fn upsert_rate_with_50ms_latency_and_a_25000_per_minute_cap() {
    let requests: usize = std::env::var("IYSYNC_RATE_REQUESTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5000);
    let sim = Sim::start(SimConfig {
        latency: Duration::from_millis(50),
        window_limit: Some(25_000),
        window: Duration::from_secs(60),
        ..SimConfig::default()
    });
    let dir = tempdir();
    let mut data = String::new();
    for i in 0..requests {
        data.push_str(&format!(
            "user{i}@example.com;web;ONAY;15.05.2025 14:23:00\n"
        ));
    }
    let f = write(dir.path(), "rate.csv", data);
    let start = Instant::now();
    iysync("upsert")
        .env("INSIDER_UCD_TOKEN", "ucd-token")
        .env("INSIDER_PARTNER_NAME", "mybrand")
        .arg(&f)
        .arg("--unification-url")
        .arg(sim.base_url())
        .arg("--journal")
        .arg(dir.path().join("j"))
        .arg("--rejects")
        .arg(dir.path().join("r.csv"))
        .args([
            "--max-users",
            "1",
            "--rate",
            "25000",
            "--concurrency",
            "32",
            "-q",
            "--no-progress",
        ])
        .assert()
        .code(0);
    let secs = start.elapsed().as_secs_f64();
    let per_min = sim.requests_total() as f64 / secs * 60.0;
    println!(
        "upload rate: {} requests in {secs:.2} s = {per_min:.0} requests/min ({:.1}% of 25,000); 429s: {}",
        sim.requests_total(),
        per_min / 25_000.0 * 100.0,
        sim.status_count(429)
    );
    assert_eq!(sim.users().len(), requests);
}
