//! Per-row hot paths through the public API: judging one row, phone/email/timestamp normalisation,
//! a whole 1 MiB chunk and cutting chunks into pieces, the resolver's key hash and its sharded tables
//! (growth included), and the spool of valid records between passes.
//!
//! `cargo bench --bench hot_paths` (short measurement times: the whole run takes about a minute).

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use iysync::input::{Chunk, Decoder};
use iysync::pipeline::{Hooks, MAX_LINES, judge_chunk, split_chunk};
use iysync::record::Permission;
use iysync::record::{self, Channel, Outcome, Rules, email, phone, timestamp};
use iysync::resolve::{Observation, Pos, Shards, key_of};
use iysync::spool;

/// `--now 2026-11-22T12:00:00+03:00`.
const NOW: i64 = 1_795_338_000;

const EMAIL_ROW: &str = "user@example.com;mobileapp;ONAY;15.05.2025 14:23:00;user123";
const SMS_ROW: &str = "905331234562;SMS;RET;15.05.2025 14:23:00;user456";
const MESSY_ROW: &str = " User@Example.COM ; web ; onay ; 5.5.2025 14:23";
const INVALID_ROW: &str = "user@@example;web;RED;31.02.2025 10:00:00";

fn rules() -> Rules {
    Rules::new(timestamp::ISTANBUL, NOW)
}

fn kind(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::Blank => "blank",
        Outcome::Valid { fixes, .. } if fixes.is_empty() => "valid",
        Outcome::Valid { .. } => "fixable",
        Outcome::Invalid { .. } => "invalid",
    }
}

fn bench_judge(c: &mut Criterion) {
    let rules = rules();
    // Guard against benchmarking the wrong branch.
    for (row, expect) in [
        (EMAIL_ROW, "valid"),
        (SMS_ROW, "valid"),
        (MESSY_ROW, "fixable"),
        (INVALID_ROW, "invalid"),
    ] {
        let got = kind(&record::judge(row, &rules));
        assert_eq!(got, expect, "{row:?}");
    }
    let mut g = c.benchmark_group("judge");
    for (name, row) in [
        ("email_canonical", EMAIL_ROW),
        ("sms_canonical", SMS_ROW),
        ("messy_fixable", MESSY_ROW),
        ("invalid", INVALID_ROW),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| record::judge(black_box(row), black_box(&rules)))
        });
    }
    g.finish();
}

fn bench_phone(c: &mut Criterion) {
    let mut g = c.benchmark_group("phone");
    for (name, raw) in [
        ("canonical", "905321234567"),
        ("national_spaced", "0532 123 45 67"),
    ] {
        assert_eq!(phone::normalize(raw).as_deref(), Ok("905321234567"));
        assert_eq!(phone::normalize_slow(raw).as_deref(), Ok("905321234567"));
        g.bench_function(format!("normalize/{name}"), |b| {
            b.iter(|| phone::normalize(black_box(raw)))
        });
        g.bench_function(format!("normalize_slow/{name}"), |b| {
            b.iter(|| phone::normalize_slow(black_box(raw)))
        });
    }
    g.finish();
}

fn bench_timestamp(c: &mut Criterion) {
    let mut g = c.benchmark_group("timestamp");
    let zone = timestamp::Zone::new(timestamp::ISTANBUL, 1_795_338_000);
    for (name, text) in [
        ("canonical", "15.05.2025 14:23:00"),
        ("variant_short", "5.5.2025 14:23"),
        ("variant_iso", "2025-05-15 14:23:00"),
    ] {
        assert!(timestamp::parse(text, &zone).is_ok(), "{text}");
        g.bench_function(name, |b| {
            b.iter(|| timestamp::parse(black_box(text), black_box(&zone)))
        });
    }
    g.finish();
}

fn bench_email(c: &mut Criterion) {
    let mut g = c.benchmark_group("email");
    for (name, raw) in [
        ("lower", "name.surname123@example.com.tr"),
        ("upper", "Name.Surname123@Example.COM"),
    ] {
        assert!(email::normalize(raw).is_ok(), "{raw}");
        g.bench_function(name, |b| b.iter(|| email::normalize(black_box(raw))));
    }
    g.finish();
}

/// About 1 MiB of whole lines: mostly canonical email and SMS rows, some fixable and invalid ones.
fn mixed_chunk() -> (Chunk, u64) {
    const TARGET: usize = 1 << 20;
    let mut data = Vec::with_capacity(TARGET + 128);
    let mut rows = 0u64;
    let mut i = 0u64;
    while data.len() < TARGET {
        let day = 1 + i % 28;
        let month = 1 + (i / 28) % 12;
        let year = 2016 + i % 9;
        let perm = if i.is_multiple_of(3) { "RET" } else { "ONAY" };
        let line = match i % 20 {
            0 => format!(" User{i}@Example.COM ; web ; onay ; {day}.{month}.{year} 14:23"),
            1 => format!(
                "0532 {:03} {:02} {:02};SMS;ret;{year}-{month:02}-{day:02} 09:05",
                i % 1000,
                i % 100,
                (i / 100) % 100
            ),
            2 => format!("user{i}@@example;web;RED;31.02.{year} 10:00:00"),
            3..=11 => format!(
                "name.surname{i}@example.com;mobileapp;{perm};{day:02}.{month:02}.{year} 14:23:00;ext{i}"
            ),
            _ => format!(
                "9053{}{:07};SMS;{perm};{day:02}.{month:02}.{year} 08:15:30",
                i % 10,
                i % 10_000_000
            ),
        };
        data.extend_from_slice(line.as_bytes());
        data.push(b'\n');
        rows += 1;
        i += 1;
    }
    (
        Chunk {
            file: 0,
            first_line: 1,
            data,
            long_line: None,
        },
        rows,
    )
}

fn bench_chunk(c: &mut Criterion) {
    let rules = rules();
    let (chunk, rows) = mixed_chunk();
    let judged = judge_chunk(&chunk, &rules, Decoder::utf8(), Hooks::default(), 0).rows;
    assert_eq!(judged.len() as u64, rows);
    let invalid = judged
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Invalid { .. }))
        .count();
    assert_eq!(
        invalid as u64,
        rows.div_ceil(20),
        "only the RED rows are invalid"
    );
    let mut g = c.benchmark_group("judge_chunk");
    g.throughput(Throughput::Elements(rows));
    g.bench_function("mixed_1MiB", |b| {
        b.iter(|| {
            judge_chunk(
                black_box(&chunk),
                black_box(&rules),
                Decoder::utf8(),
                Hooks::default(),
                0,
            )
        })
    });
    g.finish();
}

fn bench_key(c: &mut Criterion) {
    let mut g = c.benchmark_group("key_of");
    g.bench_function("email", |b| {
        b.iter(|| {
            key_of(
                black_box(Channel::Email),
                black_box("name.surname123@example.com"),
            )
        })
    });
    g.bench_function("sms", |b| {
        b.iter(|| key_of(black_box(Channel::Sms), black_box("905321234567")))
    });
    g.finish();
}

fn bench_spool(c: &mut Criterion) {
    let rules = rules();
    let (chunk, _) = mixed_chunk();
    let records: Vec<(u64, record::Record)> =
        judge_chunk(&chunk, &rules, Decoder::utf8(), Hooks::default(), 0)
            .rows
            .into_iter()
            .filter_map(|r| match r.outcome {
                Outcome::Valid { record, .. } => Some((r.line, record)),
                _ => None,
            })
            .collect();
    let mut frame = Vec::new();
    for (line, r) in &records {
        spool::encode(&mut frame, *line, r);
    }
    let mut g = c.benchmark_group("spool");
    g.throughput(Throughput::Elements(records.len() as u64));
    g.bench_function("encode_chunk", |b| {
        let mut out = Vec::with_capacity(frame.len());
        b.iter(|| {
            out.clear();
            for (line, r) in black_box(&records) {
                spool::encode(&mut out, *line, r);
            }
            out.len()
        })
    });
    // Through a temporary file: write the frame, read it back, decode every record.
    g.bench_function("round_trip_chunk", |b| {
        b.iter(|| {
            let mut w = spool::Writer::new().expect("temporary file");
            w.frame(0, black_box(&frame)).expect("write");
            let mut n = 0;
            for f in w.finish().expect("finish").frames() {
                f.expect("read")
                    .for_each(|_, r| {
                        n += r.recipient.len();
                        Ok(())
                    })
                    .expect("decode");
            }
            n
        })
    });
    g.finish();
}

/// Cutting a 256 KiB chunk into pieces of at most MAX_LINES lines (per row: the cost the reading
/// thread adds to every row), for typical rows and for blank lines.
fn bench_split(c: &mut Criterion) {
    let (mixed, _) = mixed_chunk();
    let typical = mixed.data[..256 * 1024].to_vec();
    let typical_rows = memchr_count(&typical);
    let blank = vec![b'\n'; 256 * 1024];
    let mut g = c.benchmark_group("split_chunk");
    for (name, data, rows) in [
        ("typical_256KiB", &typical, typical_rows),
        ("blank_256KiB", &blank, blank.len() as u64),
    ] {
        g.throughput(Throughput::Elements(rows));
        g.bench_function(name, |b| {
            b.iter(|| {
                let chunk = Chunk {
                    file: 0,
                    first_line: 1,
                    data: data.clone(),
                    long_line: None,
                };
                split_chunk(black_box(chunk), MAX_LINES).len()
            })
        });
    }
    g.finish();
}

fn memchr_count(data: &[u8]) -> u64 {
    data.iter().filter(|&&b| b == b'\n').count() as u64
}

/// The resolver's per-key cost: 1M new keys observed in batches of a piece's size into fresh
/// sharded tables (every growth step included), then the same keys again (lookups only).
fn bench_resolve(c: &mut Criterion) {
    const KEYS: u64 = 1_000_000;
    let batches: Vec<Vec<Observation>> = (0..KEYS)
        .map(|i| Observation {
            pos: Pos::new(0, i + 1),
            key: key_of(Channel::Email, &format!("user{i}@example.com")),
            permission: Permission::Onay,
            timestamp: 1_600_000_000 + i as i64,
        })
        .collect::<Vec<_>>()
        .chunks(MAX_LINES)
        .map(<[Observation]>::to_vec)
        .collect();
    let mut g = c.benchmark_group("resolve");
    g.throughput(Throughput::Elements(KEYS));
    g.sample_size(10);
    g.bench_function("observe_1M_new_keys", |b| {
        b.iter(|| {
            let shards = Shards::new(64);
            for batch in &batches {
                shards.observe_batch(black_box(batch));
            }
            shards.finish().unique
        })
    });
    let shards = Shards::new(64);
    for batch in &batches {
        shards.observe_batch(batch);
    }
    g.bench_function("observe_1M_seen_keys", |b| {
        b.iter(|| {
            for batch in &batches {
                shards.observe_batch(black_box(batch));
            }
        })
    });
    g.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(20)
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench_judge, bench_phone, bench_timestamp, bench_email, bench_chunk, bench_key,
        bench_spool, bench_split, bench_resolve
}
criterion_main!(benches);
