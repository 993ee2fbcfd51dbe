//! Duplicate resolution (SPEC §2): one record per (channel, canonical recipient), latest timestamp
//! wins, ties go to RET, and readable invalid RET rows can withhold a key.
//!
//! Only a compact summary is kept per key (64 bytes: a 128-bit hash of the key and the winner's
//! position and timestamp), never the records themselves; the winners are picked out of a second
//! pass over the input by their position.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use xxhash_rust::xxh3::xxh3_128;

use crate::record::{Channel, Code, Field, Hold, Permission, Problem, Record, timestamp};

/// Where a row is: its file (index in the input list) and 1-based line, packed in one `u64`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos(u64);

const LINE_BITS: u32 = 40;

impl Pos {
    pub fn new(file: usize, line: u64) -> Pos {
        Pos(((file as u64) << LINE_BITS) | (line & ((1 << LINE_BITS) - 1)))
    }
    pub fn file(self) -> usize {
        (self.0 >> LINE_BITS) as usize
    }
    pub fn line(self) -> u64 {
        self.0 & ((1 << LINE_BITS) - 1)
    }
}

/// A 128-bit hash of (channel, canonical recipient). Collisions are negligible (~2^-64 at 10^9 keys).
pub fn key_of(channel: Channel, recipient: &str) -> u128 {
    let mut buf = [0u8; 256];
    let bytes = recipient.as_bytes();
    if bytes.len() < buf.len() {
        buf[0] = channel as u8;
        buf[1..=bytes.len()].copy_from_slice(bytes);
        xxh3_128(&buf[..=bytes.len()])
    } else {
        let mut v = Vec::with_capacity(bytes.len() + 1);
        v.push(channel as u8);
        v.extend_from_slice(bytes);
        xxh3_128(&v)
    }
}

/// The keys are already uniform hashes: use their low bits directly.
#[derive(Default)]
struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes.iter().take(8) {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
    fn write_u128(&mut self, n: u128) {
        self.0 = n as u64;
    }
}

type Map = HashMap<u128, Entry, BuildHasherDefault<PassThrough>>;

const NO_HOLD: i64 = i64::MIN;
const UNREADABLE: i64 = i64::MAX;

const ONAY_AT_BEST: u8 = 1;
const RET_AT_BEST: u8 = 2;
const WINNER_RET: u8 = 4;
const HAS_VALID: u8 = 8;
const WITHHELD: u8 = 16;

#[derive(Debug, Clone, Copy)]
struct Entry {
    best_ts: i64,
    winner: Pos,
    hold_ts: i64,
    hold_pos: Pos,
    flags: u8,
}

impl Entry {
    fn empty() -> Entry {
        Entry {
            best_ts: i64::MIN,
            winner: Pos(0),
            hold_ts: NO_HOLD,
            hold_pos: Pos(0),
            flags: 0,
        }
    }
}

/// Pass one: observes every valid row and every readable invalid RET row.
#[derive(Default)]
pub struct Resolver {
    map: Map,
    valid_rows: u64,
}

impl Resolver {
    pub fn new() -> Resolver {
        Resolver::default()
    }

    pub fn observe(&mut self, pos: Pos, record: &Record) {
        self.observe_key(
            pos,
            key_of(record.channel, &record.recipient),
            record.permission,
            record.timestamp,
        );
    }

    /// Same as [`observe`](Self::observe) with a precomputed key.
    pub fn observe_key(&mut self, pos: Pos, key: u128, permission: Permission, ts: i64) {
        self.valid_rows += 1;
        let e = self.map.entry(key).or_insert_with(Entry::empty);
        let perm_flag = match permission {
            Permission::Onay => ONAY_AT_BEST,
            Permission::Ret => RET_AT_BEST,
        };
        let is_ret = permission == Permission::Ret;
        if e.flags & HAS_VALID == 0 || ts > e.best_ts {
            e.best_ts = ts;
            e.winner = pos;
            e.flags =
                (e.flags & !(ONAY_AT_BEST | RET_AT_BEST | WINNER_RET)) | HAS_VALID | perm_flag;
            if is_ret {
                e.flags |= WINNER_RET;
            }
        } else if ts == e.best_ts {
            e.flags |= perm_flag;
            // Among tied rows RET wins; among rows tied with the same permission, the last one.
            let winner_ret = e.flags & WINNER_RET != 0;
            if is_ret || !winner_ret {
                e.winner = pos;
                if is_ret {
                    e.flags |= WINNER_RET;
                }
            }
        }
    }

    pub fn observe_hold(&mut self, pos: Pos, hold: &Hold) {
        let e = self
            .map
            .entry(key_of(hold.channel, &hold.recipient))
            .or_insert_with(Entry::empty);
        let ts = hold.timestamp.unwrap_or(UNREADABLE);
        // Keep the strongest hold: the latest (unreadable counts as latest), the first among equals.
        if e.hold_ts == NO_HOLD || ts > e.hold_ts {
            e.hold_ts = ts;
            e.hold_pos = pos;
        }
    }

    /// Ends pass one.
    pub fn finish(mut self) -> Resolution {
        let mut r = Resolution {
            valid_rows: self.valid_rows,
            ..Resolution::default()
        };
        let mut warnings = Vec::new();
        for e in self.map.values_mut() {
            if e.flags & HAS_VALID == 0 {
                continue;
            }
            r.unique += 1;
            let winner_ret = e.flags & WINNER_RET != 0;
            if e.flags & (ONAY_AT_BEST | RET_AT_BEST) == ONAY_AT_BEST | RET_AT_BEST {
                r.conflicts += 1;
                warnings.push((
                    e.winner,
                    Problem::warning(
                        Field::Permission,
                        Code::Conflict,
                        format!(
                            "this recipient has both ONAY and RET at its latest time ({}); RET wins",
                            timestamp::format_netmera(e.best_ts)
                        ),
                    ),
                ));
            }
            if !winner_ret
                && e.hold_ts != NO_HOLD
                && (e.hold_ts == UNREADABLE || e.hold_ts >= e.best_ts)
            {
                e.flags |= WITHHELD;
                r.withheld += 1;
                let why = if e.hold_ts == UNREADABLE {
                    "its timestamp is unreadable".to_string()
                } else {
                    format!(
                        "its timestamp is not earlier than the winning ONAY ({})",
                        timestamp::format_netmera(e.best_ts)
                    )
                };
                warnings.push((
                    e.hold_pos,
                    Problem::warning(
                        Field::Row,
                        Code::Withheld,
                        format!(
                            "this invalid RET row may be the recipient's latest word ({why}); the recipient is left out of every output and upload — fix the row and run again"
                        ),
                    ),
                ));
                continue;
            }
            if winner_ret {
                r.ret += 1;
            } else {
                r.onay += 1;
            }
        }
        warnings.sort_by_key(|(pos, _)| *pos);
        r.warnings = warnings;
        r.map = self.map;
        r
    }
}

/// The outcome of pass one: counts, key-level warnings, and who wins.
#[derive(Default)]
pub struct Resolution {
    map: Map,
    pub valid_rows: u64,
    /// Keys with at least one valid row.
    pub unique: u64,
    pub conflicts: u64,
    pub withheld: u64,
    /// Resolved records (withheld keys excluded) by permission.
    pub onay: u64,
    pub ret: u64,
    /// `conflict` and `withheld` warnings, by position.
    pub warnings: Vec<(Pos, Problem)>,
}

impl Resolution {
    /// Valid rows whose key was already seen.
    pub fn duplicates(&self) -> u64 {
        self.valid_rows - self.unique
    }

    /// Resolved records, withheld keys excluded.
    pub fn records(&self) -> u64 {
        self.onay + self.ret
    }

    /// Whether a key is withheld.
    pub fn is_withheld(&self, record: &Record) -> bool {
        self.map
            .get(&key_of(record.channel, &record.recipient))
            .is_some_and(|e| e.flags & WITHHELD != 0)
    }

    /// Whether the valid row at `pos` is its key's resolved record (and the key is not withheld).
    pub fn is_winner(&self, pos: Pos, record: &Record) -> bool {
        self.map
            .get(&key_of(record.channel, &record.recipient))
            .is_some_and(|e| e.winner == pos && e.flags & WITHHELD == 0)
    }
}

#[cfg(test)]
mod tests;
