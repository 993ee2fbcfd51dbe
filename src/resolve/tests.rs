use super::*;

fn rec(recipient: &str, permission: Permission, ts: i64) -> Record {
    Record {
        channel: if recipient.contains('@') {
            Channel::Email
        } else {
            Channel::Sms
        },
        recipient: recipient.into(),
        platform: "web".into(),
        permission,
        // Valid timestamps are never before the İYS floor; tests count seconds after it.
        timestamp: timestamp::floor() + ts,
        external_id: None,
    }
}

use Permission::{Onay, Ret};

fn resolve(rows: &[(&str, Permission, i64)]) -> (Resolution, Vec<Record>) {
    let mut r = Resolver::new();
    let records: Vec<Record> = rows.iter().map(|(a, p, t)| rec(a, *p, *t)).collect();
    for (i, record) in records.iter().enumerate() {
        r.observe(Pos::new(0, i as u64 + 1), record);
    }
    let res = r.finish();
    let winners = records
        .iter()
        .enumerate()
        .filter(|(i, _)| res.is_winner(Pos::new(0, *i as u64 + 1)))
        .map(|(_, r)| r.clone())
        .collect();
    (res, winners)
}

#[test]
fn pos_packs_file_and_line() {
    let p = Pos::new(3, 123_456_789);
    assert_eq!((p.file(), p.line()), (3, 123_456_789));
    assert!(Pos::new(0, 99) < Pos::new(1, 1));
}

#[test]
fn latest_timestamp_wins_whatever_the_order() {
    let (res, w) = resolve(&[("a@b.co", Onay, 20), ("a@b.co", Ret, 10)]);
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].permission, Onay);
    assert_eq!((res.unique, res.duplicates(), res.conflicts), (1, 1, 0));
    let (_, w) = resolve(&[
        ("a@b.co", Ret, 10),
        ("a@b.co", Onay, 20),
        ("a@b.co", Ret, 30),
    ]);
    assert_eq!(w[0].permission, Ret);
    assert_eq!(w[0].timestamp, timestamp::floor() + 30);
}

#[test]
fn equal_timestamps_with_different_permissions_resolve_to_ret_with_a_conflict() {
    for rows in [
        [("a@b.co", Onay, 10), ("a@b.co", Ret, 10)],
        [("a@b.co", Ret, 10), ("a@b.co", Onay, 10)],
    ] {
        let (res, w) = resolve(&rows);
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].permission, Ret);
        assert_eq!(res.conflicts, 1);
        assert_eq!(res.duplicates(), 1);
        assert_eq!(res.warnings.len(), 1);
        assert_eq!(res.warnings[0].1.code, Code::Conflict);
    }
}

#[test]
fn a_later_single_permission_clears_an_earlier_conflict() {
    let (res, w) = resolve(&[
        ("a@b.co", Onay, 10),
        ("a@b.co", Ret, 10),
        ("a@b.co", Onay, 20),
    ]);
    assert_eq!(res.conflicts, 0);
    assert_eq!(w[0].permission, Onay);
}

#[test]
fn among_same_permission_ties_the_last_row_wins() {
    let mut r = Resolver::new();
    let mut a = rec("a@b.co", Onay, 10);
    a.platform = "first".into();
    let mut b = a.clone();
    b.platform = "second".into();
    r.observe(Pos::new(0, 1), &a);
    r.observe(Pos::new(1, 1), &b);
    let res = r.finish();
    assert!(!res.is_winner(Pos::new(0, 1)));
    assert!(res.is_winner(Pos::new(1, 1)));
    assert_eq!(res.conflicts, 0);
}

#[test]
fn channels_are_separate_keys() {
    assert_ne!(
        key_of(Channel::Email, "905321234567"),
        key_of(Channel::Sms, "905321234567")
    );
}

fn hold(recipient: &str, ts: Option<i64>) -> Hold {
    Hold {
        channel: if recipient.contains('@') {
            Channel::Email
        } else {
            Channel::Sms
        },
        recipient: recipient.into(),
        timestamp: ts.map(|t| timestamp::floor() + t),
    }
}

fn with_hold(rows: &[(&str, Permission, i64)], h: Hold) -> Resolution {
    let mut r = Resolver::new();
    for (i, (a, p, t)) in rows.iter().enumerate() {
        r.observe(Pos::new(0, i as u64 + 1), &rec(a, *p, *t));
    }
    r.observe_hold(Pos::new(0, 100), &h);
    r.finish()
}

#[test]
fn unreadable_ret_withholds_the_key() {
    let res = with_hold(&[("a@b.co", Onay, 10)], hold("a@b.co", None));
    assert_eq!(res.withheld, 1);
    assert_eq!((res.records(), res.onay, res.ret), (0, 0, 0));
    assert!(!res.is_winner(Pos::new(0, 1)));
    assert!(res.is_withheld(&rec("a@b.co", Onay, 10)));
    let w: Vec<_> = res
        .warnings
        .iter()
        .map(|(p, w)| (p.line(), w.code))
        .collect();
    assert_eq!(w, [(100, Code::Withheld)]);
}

#[test]
fn ret_not_earlier_than_the_winning_onay_withholds() {
    assert_eq!(
        with_hold(&[("a@b.co", Onay, 10)], hold("a@b.co", Some(10))).withheld,
        1
    );
    assert_eq!(
        with_hold(&[("a@b.co", Onay, 10)], hold("a@b.co", Some(11))).withheld,
        1
    );
}

#[test]
fn earlier_invalid_ret_does_not_withhold() {
    let res = with_hold(&[("a@b.co", Onay, 10)], hold("a@b.co", Some(9)));
    assert_eq!(res.withheld, 0);
    assert_eq!(res.onay, 1);
}

#[test]
fn hold_on_a_ret_winner_or_unknown_key_withholds_nothing() {
    let res = with_hold(&[("a@b.co", Ret, 10)], hold("a@b.co", None));
    assert_eq!((res.withheld, res.ret), (0, 1));
    let res = with_hold(&[("a@b.co", Onay, 10)], hold("x@b.co", None));
    assert_eq!((res.withheld, res.onay, res.unique), (0, 1, 1));
}

#[test]
fn key_summary_is_24_bytes_in_the_map() {
    assert_eq!(std::mem::size_of::<(Key, Entry)>(), 24);
}

#[test]
fn entries_pack_position_and_flags() {
    let mut e = Entry::new(Pos::new(65_535, (1 << 40) - 1), 7, WINNER_RET);
    assert_eq!(
        (e.winner(), e.flags(), e.best),
        (Pos::new(65_535, (1 << 40) - 1), WINNER_RET, 7)
    );
    e.add_flags(WITHHELD);
    e.set_winner(Pos::new(3, 9));
    assert_eq!(
        (e.winner(), e.flags()),
        (Pos::new(3, 9), WINNER_RET | WITHHELD)
    );
}

#[test]
fn selection_is_a_bitset_per_file() {
    let mut s = Selection::default();
    s.insert(Pos::new(0, 1));
    s.insert(Pos::new(2, 130));
    s.insert(Pos::new(2, 130));
    assert_eq!(s.len(), 2);
    assert!(s.contains(0, 1) && s.contains(2, 130));
    assert!(!s.contains(0, 2) && !s.contains(1, 130) && !s.contains(2, 129) && !s.contains(9, 1));
}

#[test]
fn resolution_does_not_depend_on_the_order_rows_are_observed() {
    let rows = [
        ("a@b.co", Onay, 10),
        ("a@b.co", Ret, 20),
        ("a@b.co", Onay, 20),
        ("a@b.co", Onay, 20),
        ("x@b.co", Onay, 5),
        ("x@b.co", Onay, 5),
    ];
    let records: Vec<Record> = rows.iter().map(|(a, p, t)| rec(a, *p, *t)).collect();
    let winners = |order: &[usize]| {
        let mut r = Resolver::new();
        for &i in order {
            r.observe(Pos::new(0, i as u64 + 1), &records[i]);
        }
        let res = r.finish();
        (0..records.len())
            .filter(|i| res.is_winner(Pos::new(0, *i as u64 + 1)))
            .collect::<Vec<_>>()
    };
    let forward = winners(&[0, 1, 2, 3, 4, 5]);
    assert_eq!(forward, [1, 5]);
    assert_eq!(winners(&[5, 3, 1, 4, 2, 0]), forward);
    assert_eq!(winners(&[2, 0, 5, 1, 4, 3]), forward);
}

#[test]
fn sharded_batches_resolve_like_one_resolver() {
    // 3,000 rows over 700 keys, with repeated timestamps so ties and conflicts occur, observed
    // row by row in one resolver and in batches of uneven size over 1, 7 and 64 shards.
    let records: Vec<Record> = (0..3000u64)
        .map(|i| {
            let permission = if i % 3 == 0 { Ret } else { Onay };
            let ts = ((i / 700) % 2) as i64;
            rec(&format!("user{}@example.com", i % 700), permission, ts)
        })
        .collect();
    let outcome = |res: Resolution| {
        let winners: Vec<usize> = (0..records.len())
            .filter(|i| res.is_winner(Pos::new(0, *i as u64 + 1)))
            .collect();
        (
            winners,
            res.unique,
            res.duplicates(),
            res.conflicts,
            res.onay,
            res.ret,
            res.warnings.len(),
        )
    };
    let mut one = Resolver::new();
    for (i, r) in records.iter().enumerate() {
        one.observe(Pos::new(0, i as u64 + 1), r);
    }
    let expected = outcome(one.finish());
    assert!(
        expected.3 > 0,
        "the data should hold conflicts: {expected:?}"
    );
    for shards in [1, 7, 64] {
        let s = Shards::new(shards);
        let batch: Vec<Observation> = records
            .iter()
            .enumerate()
            .map(|(i, r)| Observation {
                pos: Pos::new(0, i as u64 + 1),
                key: key_of(r.channel, &r.recipient),
                permission: r.permission,
                timestamp: r.timestamp,
            })
            .collect();
        for part in batch.chunks(333).rev() {
            s.observe_batch(part);
        }
        assert_eq!(outcome(s.finish()), expected, "{shards} shards");
    }
}

#[test]
fn selection_without_history_is_the_winners_and_with_history_every_row_but_a_losing_tie() {
    let rows = [
        ("a@b.co", Onay, 5),
        ("a@b.co", Onay, 10),
        ("a@b.co", Ret, 10),
        ("c@d.co", Onay, 3),
    ];
    let (res, _) = resolve(&rows);
    let records: Vec<Record> = rows.iter().map(|(a, p, t)| rec(a, *p, *t)).collect();
    let selected = |history: bool| -> Vec<u64> {
        (1..=records.len() as u64)
            .filter(|&line| {
                let pos = Pos::new(0, line);
                res.may_select(pos, history)
                    && res.selects(pos, &records[line as usize - 1], history)
            })
            .collect()
    };
    // The resolved records: the RET of the tie, and c@d.co.
    assert_eq!(selected(false), [3, 4]);
    // The history: the earlier ONAY too, but never the ONAY tied with the winning RET.
    assert_eq!(selected(true), [1, 3, 4]);
    // A withheld key gives nothing, with or without history.
    let held = with_hold(&[("a@b.co", Onay, 10)], hold("a@b.co", None));
    let r = rec("a@b.co", Onay, 10);
    assert!(!held.selects(Pos::new(0, 1), &r, false));
    assert!(!held.selects(Pos::new(0, 1), &r, true));
}

#[test]
fn holds_that_withhold_nothing_today_still_withhold_an_onay_of_an_earlier_run() {
    let key = |a: &str| key_of(Channel::Email, a);
    let at = |t: i64| timestamp::floor() + t;
    // No valid row today: an unreadable RET withholds any ONAY the ledger holds.
    let res = with_hold(&[("x@b.co", Onay, 5)], hold("a@b.co", None));
    assert_eq!(
        res.withholds(key("a@b.co"), at(1_000)),
        Some((None, Pos::new(0, 100)))
    );
    // A readable one, an ONAY not later than it.
    let res = with_hold(&[], hold("a@b.co", Some(20)));
    assert_eq!(
        res.withholds(key("a@b.co"), at(20)),
        Some((Some(at(20)), Pos::new(0, 100)))
    );
    assert_eq!(
        res.withholds(key("a@b.co"), at(19)).map(|h| h.0),
        Some(Some(at(20)))
    );
    assert_eq!(res.withholds(key("a@b.co"), at(21)), None);
    // Today's word is RET: the hold is kept for an ONAY later than that RET.
    let res = with_hold(&[("a@b.co", Ret, 10)], hold("a@b.co", None));
    assert_eq!(
        res.withholds(key("a@b.co"), at(50)).map(|h| h.1),
        Some(Pos::new(0, 100))
    );
    // A hold that withheld today's ONAY is that key's warning already; other keys are free.
    let res = with_hold(&[("a@b.co", Onay, 10)], hold("a@b.co", None));
    assert_eq!(res.withholds(key("a@b.co"), at(50)), None);
    assert_eq!(res.withholds(key("x@b.co"), at(50)), None);
}
