//! Duplicate resolution (SPEC §2): one record per (channel, canonical recipient), latest timestamp
//! wins, ties go to RET, and readable invalid RET rows can withhold a key.
//!
//! Only a compact summary is kept per key (24 bytes in the map: a 96-bit hash of the key, the
//! winner's position, its timestamp and flags), never the records themselves; the winners are
//! picked out of the second pass (over the spooled records) by their position (a bit per input
//! line).

pub mod order;
mod table;

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use table::KeyTable;

use xxhash_rust::xxh3::xxh3_128_with_seed;

use crate::record::message::{self, Message, Value};
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
    let seed = match channel {
        Channel::Email => 0x6d61_696c,
        Channel::Sms => 0x0073_6d73,
    };
    xxh3_128_with_seed(recipient.as_bytes(), seed)
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
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// 96 bits of the key hash (a collision among 10^7 keys: ~10^-15), in 4-byte words so a map
/// bucket is 24 bytes: this key and an [`Entry`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Key([u32; 3]);

impl Key {
    /// Marks an empty slot of the key table.
    const EMPTY: Key = Key([0, 0, 0]);
}

impl From<u128> for Key {
    fn from(k: u128) -> Key {
        let key = Key([k as u32, (k >> 32) as u32, (k >> 64) as u32]);
        // The one hash whose 96 bits are all zero shares its key with the hash 1 (a 2^-96 event).
        if key == Key::EMPTY {
            Key([1, 0, 0])
        } else {
            key
        }
    }
}

impl std::hash::Hash for Key {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(u64::from(self.0[0]) | (u64::from(self.0[1]) << 32));
    }
}

type Fast = BuildHasherDefault<PassThrough>;

const UNREADABLE: i64 = i64::MAX;

const ONAY_AT_BEST: u8 = 1;
const RET_AT_BEST: u8 = 2;
const WINNER_RET: u8 = 4;
const WITHHELD: u8 = 8;

/// The per-key summary, 12 bytes: the winner's position (56 bits) with the flags in the top byte,
/// and the winning timestamp as seconds after `base` (valid timestamps are never before it).
#[derive(Debug, Clone, Copy)]
struct Entry {
    packed: [u32; 2],
    best: u32,
}

impl Entry {
    const EMPTY: Entry = Entry {
        packed: [0, 0],
        best: 0,
    };

    fn new(winner: Pos, best: u32, flags: u8) -> Entry {
        let mut e = Entry {
            packed: [0, 0],
            best,
        };
        e.set(winner, flags);
        e
    }

    fn set(&mut self, winner: Pos, flags: u8) {
        let v = (winner.0 & POS_MASK) | (u64::from(flags) << 56);
        self.packed = [v as u32, (v >> 32) as u32];
    }

    fn raw(&self) -> u64 {
        u64::from(self.packed[0]) | (u64::from(self.packed[1]) << 32)
    }

    fn winner(&self) -> Pos {
        Pos(self.raw() & POS_MASK)
    }

    fn flags(&self) -> u8 {
        (self.raw() >> 56) as u8
    }

    fn set_winner(&mut self, winner: Pos) {
        let flags = self.flags();
        self.set(winner, flags);
    }

    fn add_flags(&mut self, flags: u8) {
        let winner = self.winner();
        let flags = self.flags() | flags;
        self.set(winner, flags);
    }
}

/// Positions use 56 bits: 16 for the file, 40 for the line.
const POS_MASK: u64 = (1 << 56) - 1;

/// Files one run can read (positions keep 16 bits for the file).
pub const MAX_FILES: usize = 1 << 16;

/// A valid row as resolution sees it.
#[derive(Debug, Clone, Copy)]
pub struct Observation {
    pub pos: Pos,
    /// From [`key_of`].
    pub key: u128,
    pub permission: Permission,
    pub timestamp: i64,
}

/// Pass one: observes every valid row and every readable invalid RET row.
pub struct Resolver {
    map: KeyTable,
    /// Holds are rare (invalid RET rows): kept apart so the main map stays small.
    holds: HashMap<Key, (i64, Pos), Fast>,
    base: i64,
    valid_rows: u64,
}

impl Default for Resolver {
    fn default() -> Resolver {
        Resolver::new()
    }
}

impl Resolver {
    pub fn new() -> Resolver {
        Resolver {
            map: KeyTable::default(),
            holds: HashMap::default(),
            base: timestamp::floor(),
            valid_rows: 0,
        }
    }

    fn offset(&self, ts: i64) -> u32 {
        u32::try_from(ts.saturating_sub(self.base)).unwrap_or(if ts < self.base {
            0
        } else {
            u32::MAX
        })
    }

    fn instant(&self, offset: u32) -> i64 {
        self.base + i64::from(offset)
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
        let best = self.offset(ts);
        let is_ret = permission == Permission::Ret;
        let perm_flag = if is_ret { RET_AT_BEST } else { ONAY_AT_BEST };
        let fresh = Entry::new(pos, best, perm_flag | if is_ret { WINNER_RET } else { 0 });
        let (e, inserted) = self.map.entry(Key::from(key), fresh);
        if inserted {
            return;
        }
        if best > e.best {
            *e = fresh;
        } else if best == e.best {
            e.add_flags(perm_flag);
            // Among tied rows RET wins; among rows tied with the same permission, the last one in
            // input order (decided by position, so the order of observation does not matter).
            let winner_ret = e.flags() & WINNER_RET != 0;
            if (is_ret && !winner_ret) || (is_ret == winner_ret && pos > e.winner()) {
                e.set_winner(pos);
                if is_ret {
                    e.add_flags(WINNER_RET);
                }
            }
        }
    }

    /// Observes a batch of valid rows, in any order. Each lookup's slot is prefetched a few rows
    /// ahead, so the cache misses of a large table overlap instead of following one another.
    pub fn observe_batch(&mut self, batch: &[Observation]) {
        const AHEAD: usize = 8;
        for o in batch.iter().take(AHEAD) {
            self.map.prefetch(&Key::from(o.key));
        }
        for (i, o) in batch.iter().enumerate() {
            if let Some(next) = batch.get(i + AHEAD) {
                self.map.prefetch(&Key::from(next.key));
            }
            self.observe_key(o.pos, o.key, o.permission, o.timestamp);
        }
    }

    pub fn observe_hold(&mut self, pos: Pos, hold: &Hold) {
        self.observe_hold_key(pos, key_of(hold.channel, &hold.recipient), hold);
    }

    /// Same as [`observe_hold`](Self::observe_hold) with a precomputed key.
    pub fn observe_hold_key(&mut self, pos: Pos, key: u128, hold: &Hold) {
        let ts = hold.timestamp.unwrap_or(UNREADABLE);
        let e = self.holds.entry(Key::from(key)).or_insert((ts, pos));
        // Keep the strongest hold: the latest (unreadable counts as latest), the first among equals.
        if ts > e.0 || (ts == e.0 && pos < e.1) {
            *e = (ts, pos);
        }
    }

    /// Ends pass one.
    pub fn finish(self) -> Resolution {
        let mut r = Resolution::default();
        self.finish_into(&mut r);
        r.warnings.sort_by_key(|(pos, _)| *pos);
        r
    }

    /// Adds this resolver's keys to `r` (warnings unsorted).
    fn finish_into(mut self, r: &mut Resolution) {
        r.valid_rows += self.valid_rows;
        r.unique += self.map.len() as u64;
        let warnings = &mut r.warnings;
        for (key, &(hold_ts, hold_pos)) in &self.holds {
            let Some(e) = self.map.get_mut(key) else {
                // No valid row: nothing of the inputs is sent for the key, but `sync` may hold an
                // ONAY of an earlier run for it (see `Resolution::withholds`).
                r.open_holds.insert(*key, (hold_ts, hold_pos));
                continue;
            };
            let best_ts = self.base + i64::from(e.best);
            if e.flags() & WINNER_RET != 0 {
                r.open_holds.insert(*key, (hold_ts, hold_pos));
            } else if hold_ts == UNREADABLE || hold_ts >= best_ts {
                e.add_flags(WITHHELD);
                r.withheld += 1;
                r.withheld_keys.insert(*key);
                let why = if hold_ts == UNREADABLE {
                    Message::of(&message::WITHHELD_UNREADABLE)
                } else {
                    Message::new(&message::WITHHELD_NOT_EARLIER, [Value::Time(best_ts)])
                };
                warnings.push((hold_pos, Problem::warning(Field::Row, Code::Withheld, why)));
            }
        }
        for (key, e) in self.map.iter() {
            if e.flags() & (ONAY_AT_BEST | RET_AT_BEST) == ONAY_AT_BEST | RET_AT_BEST {
                r.conflicts += 1;
                r.conflict_keys.insert(*key, self.base + i64::from(e.best));
                warnings.push((
                    e.winner(),
                    Problem::warning(
                        Field::Permission,
                        Code::Conflict,
                        Message::new(&message::CONFLICT, [Value::Time(self.instant(e.best))]),
                    ),
                ));
            }
            if e.flags() & WITHHELD != 0 {
                continue;
            }
            if e.flags() & WINNER_RET != 0 {
                r.ret += 1;
                let best = self.base + i64::from(e.best);
                if timestamp::written_time_repeats(best) {
                    r.repeated_ret_keys.insert(*key, best);
                }
            } else {
                r.onay += 1;
            }
            r.winners.insert(e.winner());
        }
    }
}

/// A resolver split by key into shards, each behind its own lock, so worker threads can observe
/// rows as they judge them. Observation does not depend on order, so the result is the same for
/// any number of shards and threads.
pub struct Shards {
    shards: Vec<std::sync::Mutex<Resolver>>,
}

impl Shards {
    pub fn new(count: usize) -> Shards {
        Shards {
            shards: (0..count.max(1))
                .map(|_| std::sync::Mutex::new(Resolver::new()))
                .collect(),
        }
    }

    /// The shard of a key: its top 32 bits (which the tables do not use) scaled to the shard
    /// count, with a multiplication rather than a division.
    fn index(&self, key: u128) -> usize {
        (((key >> 96) as u64 * self.shards.len() as u64) >> 32) as usize
    }

    fn shard(&self, key: u128) -> std::sync::MutexGuard<'_, Resolver> {
        self.lock(self.index(key))
    }

    fn lock(&self, i: usize) -> std::sync::MutexGuard<'_, Resolver> {
        self.shards[i].lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Observes a batch of valid rows (a chunk's): grouped by shard, so each shard is locked once
    /// per batch and its lookups are prefetched.
    pub fn observe_batch(&self, batch: &[Observation]) {
        let n = self.shards.len();
        let mut starts = vec![0usize; n + 1];
        for o in batch {
            starts[self.index(o.key) + 1] += 1;
        }
        for i in 0..n {
            starts[i + 1] += starts[i];
        }
        let mut fill = starts.clone();
        // Every slot is overwritten below: the copy only sizes the buffer.
        let mut grouped = batch.to_vec();
        for o in batch {
            let at = &mut fill[self.index(o.key)];
            grouped[*at] = *o;
            *at += 1;
        }
        for i in 0..n {
            let group = &grouped[starts[i]..starts[i + 1]];
            if !group.is_empty() {
                self.lock(i).observe_batch(group);
            }
        }
    }

    pub fn observe_hold_key(&self, pos: Pos, key: u128, hold: &Hold) {
        self.shard(key).observe_hold_key(pos, key, hold);
    }

    pub fn finish(self) -> Resolution {
        let mut r = Resolution::default();
        for shard in self.shards {
            shard
                .into_inner()
                .unwrap_or_else(|e| e.into_inner())
                .finish_into(&mut r);
        }
        r.warnings.sort_by_key(|(pos, _)| *pos);
        r
    }
}

/// A set of row positions, as one bitset per file (a bit per line).
#[derive(Debug, Default, Clone)]
pub struct Selection {
    files: Vec<Vec<u64>>,
    len: u64,
}

impl Selection {
    pub fn insert(&mut self, pos: Pos) {
        let (file, line) = (pos.file(), pos.line() as usize);
        if self.files.len() <= file {
            self.files.resize_with(file + 1, Vec::new);
        }
        let words = &mut self.files[file];
        if words.len() <= line / 64 {
            words.resize(line / 64 + 1, 0);
        }
        let bit = 1u64 << (line % 64);
        if words[line / 64] & bit == 0 {
            words[line / 64] |= bit;
            self.len += 1;
        }
    }

    pub fn contains(&self, file: usize, line: u64) -> bool {
        let line = line as usize;
        self.files
            .get(file)
            .and_then(|w| w.get(line / 64))
            .is_some_and(|w| w & (1u64 << (line % 64)) != 0)
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// The outcome of pass one: counts, key-level warnings, and who wins.
#[derive(Default)]
pub struct Resolution {
    /// Positions of the resolved records (withheld keys excluded).
    pub winners: Selection,
    withheld_keys: std::collections::HashSet<Key, Fast>,
    /// The strongest invalid RET row ("hold") of each key that did not withhold it: keys with no
    /// valid row, and keys whose resolved word is RET (few, as holds are). `sync` asks them before
    /// it sends an ONAY of an earlier run ([`Resolution::withholds`]).
    open_holds: HashMap<Key, (i64, Pos), Fast>,
    /// Keys in conflict, with their latest timestamp (few: kept for `--keep-history`).
    conflict_keys: HashMap<Key, i64, Fast>,
    /// Keys whose winning RET is written with a wall-clock time an earlier instant also had (the
    /// repeated hour of a fall-back), with that RET's timestamp (few: kept for `--keep-history`).
    repeated_ret_keys: HashMap<Key, i64, Fast>,
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

    /// Whether a record's key is withheld.
    pub fn is_withheld(&self, record: &Record) -> bool {
        self.is_withheld_key(key_of(record.channel, &record.recipient))
    }

    /// Whether a key (from [`key_of`]) is withheld.
    pub fn is_withheld_key(&self, key: u128) -> bool {
        !self.withheld_keys.is_empty() && self.withheld_keys.contains(&Key::from(key))
    }

    /// The invalid RET row that withholds an ONAY of `at` for a key (from [`key_of`]) that the
    /// inputs did not resolve to ONAY: one whose time is unreadable or not earlier than `at`, as
    /// SPEC §2 withholds a key against its winning ONAY. `sync` asks this before it sends an ONAY
    /// the ledger holds (a pending opt-in of an earlier run): such a RET may be the person's
    /// latest word.
    pub fn withholds(&self, key: u128, at: i64) -> Option<(Option<i64>, Pos)> {
        if self.open_holds.is_empty() {
            return None;
        }
        let &(ts, pos) = self.open_holds.get(&Key::from(key))?;
        (ts == UNREADABLE || ts >= at).then_some(((ts != UNREADABLE).then_some(ts), pos))
    }

    /// Whether a row is an ONAY tied with a RET at its key's latest time. Such a row loses to the
    /// RET; `--keep-history` leaves it out, so a last-wins import of the history cannot end opted in.
    pub fn is_losing_tie(&self, key: u128, permission: Permission, ts: i64) -> bool {
        permission == Permission::Onay
            && !self.conflict_keys.is_empty()
            && self.conflict_keys.get(&Key::from(key)) == Some(&ts)
    }

    /// Whether the row at `pos` is its key's resolved record (and the key is not withheld).
    pub fn is_winner(&self, pos: Pos) -> bool {
        self.winners.contains(pos.file(), pos.line())
    }

    /// Whether the valid row at `pos` may be selected by [`Resolution::selects`], known before
    /// its record is decoded: with `keep_history` any row may, otherwise only the winners.
    pub fn may_select(&self, pos: Pos, keep_history: bool) -> bool {
        keep_history || self.is_winner(pos)
    }

    /// Whether pass two writes or sends the valid `record` at `pos`: its key's resolved record;
    /// with `keep_history` (SPEC §9), every row of a key that is not withheld, except an ONAY tied
    /// with a RET at the key's latest time (so that a last-wins import never ends opted in).
    pub fn selects(&self, pos: Pos, record: &Record, keep_history: bool) -> bool {
        if !keep_history {
            return self.is_winner(pos);
        }
        let key = key_of(record.channel, &record.recipient);
        !self.is_withheld_key(key)
            && !self.is_losing_tie(key, record.permission, record.timestamp)
            && !self.is_written_after_winning_ret(key, record)
    }

    /// Whether `record` is an ONAY written with a wall-clock time not earlier than its key's
    /// winning RET although it is earlier (the repeated hour of a fall-back: 03:30 before the
    /// change is written after 03:10 after it). A "latest time wins" import of the history would
    /// end opted in, so `--keep-history` leaves such a row out, as it does a losing tie.
    fn is_written_after_winning_ret(&self, key: u128, record: &Record) -> bool {
        record.permission == Permission::Onay
            && !self.repeated_ret_keys.is_empty()
            && self
                .repeated_ret_keys
                .get(&Key::from(key))
                .is_some_and(|&ret| {
                    record.timestamp < ret
                        && timestamp::written_seconds(record.timestamp)
                            >= timestamp::written_seconds(ret)
                })
    }
}

#[cfg(test)]
mod tests;
