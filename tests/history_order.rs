//! `convert --to netmera --keep-history` and `validate --valid-out` write each recipient's rows in
//! time order (SPEC §9): importing them with "last row wins" or with "latest time wins" ends in
//! the resolved state, never opted in after a RET.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use proptest::prelude::*;
use support::*;

fn convert(files: &[&Path], extra: &[&str], out: &Path) -> assert_cmd::assert::Assert {
    let mut c = iysync("convert");
    for f in files {
        c.arg(f);
    }
    c.args(["--to", "netmera", "--no-progress"])
        .arg("--out")
        .arg(out)
        .args(extra)
        .assert()
}

fn valid_out(files: &[&Path], extra: &[&str], out: &Path) -> assert_cmd::assert::Assert {
    let mut c = iysync("validate");
    for f in files {
        c.arg(f);
    }
    c.arg("--no-progress")
        .arg("--valid-out")
        .arg(out)
        .args(extra)
        .assert()
}

/// A Netmera line's recipient, permission and timestamp (as `yyyyMMddHHmmss`, sortable).
fn fields(line: &str) -> (&str, &str, String) {
    let f: Vec<&str> = line.split(';').collect();
    assert!(f.len() >= 4, "not a Netmera line: {line:?}");
    let t = f[3];
    // dd.MM.yyyy HH:mm:ss
    let when = format!("{}{}{}{}", &t[6..10], &t[3..5], &t[0..2], &t[11..]);
    (f[0], f[2], when)
}

/// Importing with "last row wins": each recipient ends with their last line.
fn last_row_wins(text: &str) -> BTreeMap<String, String> {
    let mut state = BTreeMap::new();
    for line in text.lines() {
        state.insert(fields(line).0.to_string(), line.to_string());
    }
    state
}

/// Importing with "latest time wins", keeping the first line seen at an equal time (the least
/// favourable reading for a RET written after an ONAY): each recipient's permission.
fn latest_time_wins(text: &str) -> BTreeMap<String, String> {
    let mut state: BTreeMap<String, (String, String)> = BTreeMap::new();
    for line in text.lines() {
        let (who, permission, when) = fields(line);
        match state.get(who) {
            Some((t, _)) if *t >= when => {}
            _ => {
                state.insert(who.to_string(), (when, permission.to_string()));
            }
        }
    }
    state.into_iter().map(|(k, (_, p))| (k, p)).collect()
}

fn permissions(state: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    state
        .iter()
        .map(|(k, line)| (k.clone(), fields(line).1.to_string()))
        .collect()
}

/// The resolved state of the inputs, from `convert --to netmera` without history.
fn resolved(files: &[&Path], dir: &Path) -> BTreeMap<String, String> {
    let out = dir.join("resolved");
    let code = convert(files, &[], &out).get_output().status.code();
    assert!(matches!(code, Some(0 | 1)), "convert exited {code:?}");
    let mut text = read(&out.join("email.csv"));
    text.push_str(&read(&out.join("sms.csv")));
    last_row_wins(&text)
}

/// Both import readings of `text` end in `expected` (the resolved lines).
fn imports_end_resolved(text: &str, expected: &BTreeMap<String, String>) {
    assert_eq!(
        &last_row_wins(text),
        expected,
        "last row wins over:\n{text}"
    );
    assert_eq!(
        latest_time_wins(text),
        permissions(expected),
        "latest time wins over:\n{text}"
    );
}

const NEWER_RET_FIRST: &str = "x@example.com;web;RET;15.05.2025 10:00:00\n\
                               905321234567;SMS;RET;20.05.2025 10:00:00\n\
                               x@example.com;form;ONAY;01.05.2025 10:00:00\n\
                               905321234567;SMS;ONAY;19.05.2025 10:00:00;u1\n";

#[test]
fn keep_history_writes_a_newer_ret_after_an_older_onay() {
    let dir = tempdir();
    let f = write(dir.path(), "in.csv", NEWER_RET_FIRST);
    let out = dir.path().join("out");
    convert(&[&f], &["--keep-history"], &out).code(0);
    let email = read(&out.join("email.csv"));
    let sms = read(&out.join("sms.csv"));
    assert_eq!(
        email,
        "x@example.com;form;ONAY;01.05.2025 10:00:00\nx@example.com;web;RET;15.05.2025 10:00:00\n"
    );
    assert_eq!(
        sms,
        "905321234567;SMS;ONAY;19.05.2025 10:00:00;u1\n905321234567;SMS;RET;20.05.2025 10:00:00\n"
    );
    let expected = resolved(&[&f], dir.path());
    imports_end_resolved(&format!("{email}{sms}"), &expected);
    assert!(expected.values().all(|l| l.contains(";RET;")));
}

#[test]
fn keep_history_orders_across_files() {
    let dir = tempdir();
    let a = write(
        dir.path(),
        "a.csv",
        "x@example.com;web;RET;15.05.2025 10:00:00\ny@example.com;web;ONAY;02.05.2025 10:00:00\n",
    );
    let b = write(
        dir.path(),
        "b.csv",
        "x@example.com;web;ONAY;01.05.2025 10:00:00\ny@example.com;web;RET;01.05.2025 09:00:00\n",
    );
    let out = dir.path().join("out");
    convert(&[&a, &b], &["--keep-history"], &out).code(0);
    let email = read(&out.join("email.csv"));
    assert_eq!(
        email,
        "y@example.com;web;RET;01.05.2025 09:00:00\n\
         x@example.com;web;ONAY;01.05.2025 10:00:00\n\
         y@example.com;web;ONAY;02.05.2025 10:00:00\n\
         x@example.com;web;RET;15.05.2025 10:00:00\n"
    );
    imports_end_resolved(&email, &resolved(&[&a, &b], dir.path()));
}

#[test]
fn valid_out_writes_a_newer_ret_after_an_older_onay() {
    let dir = tempdir();
    let a = write(dir.path(), "a.csv", NEWER_RET_FIRST);
    let b = write(
        dir.path(),
        "b.csv",
        "z@example.com;web;RET;03.06.2025 10:00:00\nz@example.com;web;ONAY;02.06.2025 10:00:00\n",
    );
    let valid = dir.path().join("valid.csv");
    valid_out(&[&a, &b], &[], &valid).code(0);
    let text = read(&valid);
    assert_eq!(
        text,
        "x@example.com;form;ONAY;01.05.2025 10:00:00\n\
         x@example.com;web;RET;15.05.2025 10:00:00\n\
         905321234567;SMS;ONAY;19.05.2025 10:00:00;u1\n\
         905321234567;SMS;RET;20.05.2025 10:00:00\n\
         z@example.com;web;ONAY;02.06.2025 10:00:00\n\
         z@example.com;web;RET;03.06.2025 10:00:00\n"
    );
    imports_end_resolved(&text, &resolved(&[&a, &b], dir.path()));
}

#[test]
fn at_an_equal_instant_onay_is_written_before_ret() {
    let dir = tempdir();
    // x: RET and ONAY at the same earlier instant, then a later RET; y: the same tie, then a later
    // ONAY. (A tie at a key's latest instant keeps only the RET, as before.)
    let f = write(
        dir.path(),
        "in.csv",
        "x@example.com;web;RET;01.05.2025 10:00:00\n\
         x@example.com;web;ONAY;01.05.2025 10:00:00\n\
         x@example.com;web;RET;02.05.2025 10:00:00\n\
         y@example.com;web;ONAY;03.05.2025 10:00:00\n\
         y@example.com;web;RET;01.06.2025 10:00:00\n\
         y@example.com;web;ONAY;01.06.2025 10:00:00\n",
    );
    let expected_order = "x@example.com;web;ONAY;01.05.2025 10:00:00\n\
                          x@example.com;web;RET;01.05.2025 10:00:00\n\
                          x@example.com;web;RET;02.05.2025 10:00:00\n\
                          y@example.com;web;ONAY;03.05.2025 10:00:00\n\
                          y@example.com;web;RET;01.06.2025 10:00:00\n";
    let out = dir.path().join("out");
    convert(&[&f], &["--keep-history"], &out).code(0);
    let email = read(&out.join("email.csv"));
    assert_eq!(email, expected_order);
    let valid = dir.path().join("valid.csv");
    valid_out(&[&f], &[], &valid).code(0);
    assert_eq!(read(&valid), expected_order);
    imports_end_resolved(&email, &resolved(&[&f], dir.path()));
}

/// A generated file of `n` valid rows over few recipients and instants, rows out of time order.
fn shuffled_history(n: usize) -> String {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut text = String::new();
    for _ in 0..n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let key = x % 97;
        let day = 1 + (x >> 8) % 28;
        let hour = (x >> 16) % 3 + 10;
        let permission = if (x >> 24).is_multiple_of(3) {
            "RET"
        } else {
            "ONAY"
        };
        let platform = ["web", "form", "mobileapp"][((x >> 32) % 3) as usize];
        if key.is_multiple_of(2) {
            text.push_str(&format!(
                "user{key}@example.com;{platform};{permission};{day:02}.05.2025 {hour}:00:00\n"
            ));
        } else {
            text.push_str(&format!(
                "9053212{key:05};{platform};{permission};{day:02}.05.2025 {hour}:00:00;id{key}\n"
            ));
        }
    }
    text
}

fn parts(dir: &Path, base: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    v.retain(|p| {
        p.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with(&format!("{base}-")))
    });
    v.sort();
    v
}

#[test]
fn split_rows_keeps_the_time_order_across_parts() {
    let dir = tempdir();
    let f = write(dir.path(), "in.csv", shuffled_history(500));
    let whole = dir.path().join("whole");
    convert(&[&f], &["--keep-history"], &whole).code(0);
    let split = dir.path().join("split");
    convert(&[&f], &["--keep-history", "--split-rows", "7"], &split).code(0);
    for base in ["email", "sms"] {
        let parts = parts(&split, base);
        assert!(parts.len() > 10, "{base}: {} parts", parts.len());
        let joined: String = parts.iter().map(|p| read(p)).collect();
        assert_eq!(joined, read(&whole.join(format!("{base}.csv"))), "{base}");
        for p in &parts[..parts.len() - 1] {
            assert_eq!(read(p).lines().count(), 7, "{}", p.display());
        }
    }
    let expected = resolved(&[&f], dir.path());
    let mut all = read(&whole.join("email.csv"));
    all.push_str(&read(&whole.join("sms.csv")));
    imports_end_resolved(&all, &expected);
}

#[test]
fn one_job_and_two_jobs_write_the_same_bytes() {
    let dir = tempdir();
    // Enough rows for several chunks of input.
    let f = write(dir.path(), "in.csv", shuffled_history(60_000));
    let mut outputs = Vec::new();
    for jobs in ["1", "2"] {
        let out = dir.path().join(format!("out-{jobs}"));
        convert(&[&f], &["--keep-history", "-j", jobs], &out).code(0);
        let valid = dir.path().join(format!("valid-{jobs}.csv"));
        valid_out(&[&f], &["-j", jobs], &valid).code(0);
        outputs.push((
            std::fs::read(out.join("email.csv")).expect("email.csv"),
            std::fs::read(out.join("sms.csv")).expect("sms.csv"),
            std::fs::read(&valid).expect("valid.csv"),
        ));
    }
    assert!(outputs[0] == outputs[1], "-j1 and -j2 differ");
    let (email, sms, valid) = &outputs[0];
    let expected = resolved(&[&f], dir.path());
    let text = String::from_utf8_lossy(valid);
    imports_end_resolved(&text, &expected);
    assert_eq!(text.len(), email.len() + sms.len());
}

/// A valid row (or, now and then, an invalid RET that holds its key back) over a small key space.
fn row() -> impl Strategy<Value = String> {
    (
        0..4usize,
        1..4u32,
        10..12u32,
        prop::bool::ANY,
        0..3usize,
        prop::option::of(0..3u32),
        0..12u32,
    )
        .prop_map(|(key, day, hour, ret, platform, id, invalid)| {
            let recipient = [
                "a@example.com",
                "b@example.com",
                "905321234567",
                "905331234568",
            ][key];
            let permission = if ret { "RET" } else { "ONAY" };
            let platform = ["web", "form", "SMS"][platform];
            if invalid == 0 {
                // Readable as RET, timestamp unreadable: the key is withheld.
                return format!("{recipient};{platform};RET;3x.05.2025");
            }
            let id = id.map(|n| format!(";id{n}")).unwrap_or_default();
            format!("{recipient};{platform};{permission};0{day}.05.2025 {hour}:00:00{id}")
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn last_row_wins_over_the_history_is_the_resolved_state(
        rows in proptest::collection::vec(row(), 1..30),
        cut in 0..30usize,
    ) {
        let dir = tempdir();
        let cut = cut.min(rows.len());
        let a = write(dir.path(), "a.csv", rows[..cut].iter().map(|r| format!("{r}\n")).collect::<String>());
        let b = write(dir.path(), "b.csv", rows[cut..].iter().map(|r| format!("{r}\n")).collect::<String>());
        let out = dir.path().join("history");
        let code = convert(&[&a, &b], &["--keep-history"], &out).get_output().status.code();
        prop_assert!(matches!(code, Some(0 | 1)));
        let mut history = read(&out.join("email.csv"));
        history.push_str(&read(&out.join("sms.csv")));
        let expected = resolved(&[&a, &b], dir.path());
        prop_assert_eq!(&last_row_wins(&history), &expected, "history:\n{}", history);
        prop_assert_eq!(latest_time_wins(&history), permissions(&expected));
        let valid = dir.path().join("valid.csv");
        let code = valid_out(&[&a, &b], &[], &valid).get_output().status.code();
        prop_assert!(matches!(code, Some(0 | 1)));
        prop_assert_eq!(&last_row_wins(&read(&valid)), &expected);
    }
}

#[test]
fn a_history_larger_than_the_memory_budget_is_sorted_on_disk_and_leaves_nothing_behind() {
    let dir = tempdir();
    // Over 174,000 rows of one channel fill the 16 MiB budget of its sorter: runs go to disk.
    let mut text = String::with_capacity(250_000 * 48);
    for i in (0..250_000u32).rev() {
        let (day, minute) = (1 + i % 28, i % 60);
        let permission = if i % 3 == 0 { "RET" } else { "ONAY" };
        text.push_str(&format!(
            "u{}@example.com;web;{permission};{day:02}.05.2025 10:{minute:02}:00\n",
            i % 5000
        ));
    }
    let f = write(dir.path(), "in.csv", &text);
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).expect("TMPDIR");
    let out = dir.path().join("out");
    iysync("convert")
        .arg(&f)
        .args([
            "--to",
            "netmera",
            "--keep-history",
            "--no-progress",
            "--out",
        ])
        .arg(&out)
        .env("TMPDIR", &tmp)
        .assert()
        .code(0);
    let email = read(&out.join("email.csv"));
    assert_eq!(email.lines().count(), 250_000);
    let times: Vec<String> = email.lines().map(|l| fields(l).2).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "not in time order");
    imports_end_resolved(&email, &resolved(&[&f], dir.path()));
    let left: Vec<_> = std::fs::read_dir(&tmp).expect("TMPDIR").flatten().collect();
    assert!(left.is_empty(), "temporary files left: {left:?}");
}

/// 08.11.2015 in Istanbul: 03:00–04:00 was lived twice (the fall-back). An ONAY at 00:30 UTC is
/// written 03:30, after a later RET at 01:10 UTC written 03:10: a "latest time wins" import of the
/// history would end opted in, so the ONAY is left out of the history (as a losing tie is).
#[test]
fn an_onay_written_after_a_later_ret_in_the_repeated_fall_back_hour_is_left_out() {
    let dir = tempdir();
    let f = write(
        dir.path(),
        "dst.csv",
        "d@example.com;web;ONAY;08.11.2015 00:30:00\n\
         d@example.com;web;RET;08.11.2015 01:10:00\n\
         e@example.com;web;ONAY;08.11.2015 00:10:00\n\
         e@example.com;web;RET;08.11.2015 01:20:00\n\
         k@example.com;web;ONAY;07.11.2015 23:50:00\n\
         k@example.com;web;RET;08.11.2015 01:30:00\n",
    );
    let out = dir.path().join("out");
    convert(&[&f], &["--keep-history", "--timezone", "UTC"], &out).code(0);
    let email = read(&out.join("email.csv"));
    // d's ONAY (written 03:30) is after its RET (03:10); e's ONAY (03:10) equals its RET's time
    // (03:20 is later: kept); k's ONAY (02:50) is before its RET (03:30): kept.
    assert_eq!(
        email,
        "k@example.com;web;ONAY;08.11.2015 02:50:00\n\
         e@example.com;web;ONAY;08.11.2015 03:10:00\n\
         d@example.com;web;RET;08.11.2015 03:10:00\n\
         e@example.com;web;RET;08.11.2015 03:20:00\n\
         k@example.com;web;RET;08.11.2015 03:30:00\n"
    );
    let expected = {
        let tz = ["--timezone", "UTC"];
        let out = dir.path().join("resolved");
        convert(&[&f], &tz, &out).code(0);
        last_row_wins(&read(&out.join("email.csv")))
    };
    imports_end_resolved(&email, &expected);
    let valid = dir.path().join("valid.csv");
    valid_out(&[&f], &["--timezone", "UTC"], &valid).code(0);
    imports_end_resolved(&read(&valid), &expected);
}
