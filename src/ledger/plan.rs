//! The plan of a sync (SPEC §11): each resolved input record diffed against the ledger.
//!
//! | ledger | input | sent |
//! |---|---|---|
//! | absent | ONAY | upsert (`true`) |
//! | absent | RET | unsubscribe, then upsert (`false`) |
//! | ONAY | RET, later | unsubscribe, then upsert (`false`) |
//! | RET | ONAY, later | upsert (`true`), then resubscribe |
//! | same permission | any time | nothing (the ledger keeps the later consent time) |
//! | other permission | not later | nothing; `stale` warning |
//!
//! "Later" follows SPEC §2: a later instant, or the same instant when the input says RET and
//! the ledger ONAY (a RET is never lost to an ONAY of the same second). A key with a pending
//! change of an earlier run (refused, or stopped half-way) compares the input with that pending
//! word, and the pending steps are planned again whether or not the inputs mention the key.
//! Keys the inputs do not mention are otherwise left alone (inputs may be daily deltas).
//!
//! [`Planner`] sorts the resolved records in the ledger's key order through an external sort
//! (at most [`PLAN_BUFFER`] in memory, sorted runs in `TMPDIR`) and merges them with one ordered
//! read of the ledger in one read transaction: a merge join over the partner's rows, or one
//! indexed lookup per key (and an ordered walk of the pending rows) when the inputs are a small
//! delta of a large ledger. Only the plan's changes are kept ([`Plan`]), or handed on as they
//! are found ([`Sink`]: `--baseline` writes them to the ledger in batches, and `sync` to a
//! temporary file with the record of each action, [`super::spool`]).

use std::cmp::Ordering;

use compact_str::CompactString;

use super::spool::{Fields, put_signed, put_varint};
use super::store::{Cursor, KeyState, Ledger, PartnerId, Reading, SEEK_RATIO};
use super::{
    Step, Steps, SyncCounts, channel_code, channel_of_code, permission_code, permission_of_code,
    supersedes,
};
use crate::error::Error;
use crate::record::{Channel, Permission, Record};
use crate::resolve::{Pos, order};

/// The transition a planned key makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Absent from the ledger (or nothing acknowledged yet).
    New,
    /// ONAY → RET.
    OptOut,
    /// RET → ONAY.
    OptIn,
    /// A pending change of an earlier run, planned again.
    Pending,
}

/// Where an action's word came from, for the audit table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// This run's input file `file` (index in the run's inputs) and 1-based line.
    Input { file: usize, line: u64 },
    /// A pending change of an earlier run: the `inputs.input_id` and line it was planned from.
    Earlier {
        input_id: Option<i64>,
        line: Option<i64>,
    },
}

/// What to send for one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    pub channel: Channel,
    /// Canonical: lower-case email, or E.164 digits without `+`.
    pub recipient: CompactString,
    pub kind: Kind,
    /// The word Insider acknowledged last (`None`: nothing yet).
    pub acknowledged: Option<Permission>,
    /// The word to send: the upsert's `*_optin` is `permission == ONAY`.
    pub permission: Permission,
    pub consent_at: i64,
    /// The steps to send, in SPEC §11's order: unsubscribe, upsert, resubscribe.
    pub steps: Steps,
    pub origin: Origin,
    /// The message of an earlier refusal, if any.
    pub refused: Option<String>,
}

impl Action {
    /// The upsert's `email_optin` / `sms_optin`.
    pub fn optin(&self) -> bool {
        self.permission == Permission::Onay
    }
}

/// A ledger-only change: nothing is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Update {
    pub channel: Channel,
    pub recipient: CompactString,
    /// The later consent time of the same permission (kept when later than the ledger's).
    pub consent_at: i64,
    /// The input's word is the acknowledged one again: a pending change it supersedes is dropped.
    pub clear_pending: bool,
}

/// One change of a plan, as [`super::Ledger::begin_sending_from`] records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Action(Action),
    Update(Update),
}

/// An input record older than what the ledger knows (`stale` warning).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stale {
    pub channel: Channel,
    pub recipient: CompactString,
    pub file: usize,
    pub line: u64,
    pub permission: Permission,
    pub consent_at: i64,
    pub ledger_permission: Permission,
    pub ledger_consent_at: i64,
}

/// An ONAY of an earlier run (a pending opt-in) not sent because an invalid RET row of the inputs
/// may be the person's latest word (SPEC §2 `withheld`, against the ledger's ONAY).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    pub channel: Channel,
    pub recipient: CompactString,
    /// The invalid RET row: its input position and its time (`None`: unreadable).
    pub pos: Pos,
    pub hold_at: Option<i64>,
    /// The pending ONAY's consent time.
    pub onay_at: i64,
}

/// The plan: actions in key order, ledger-only updates, stale warnings and the counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub actions: Vec<Action>,
    pub updates: Vec<Update>,
    pub stale: Vec<Stale>,
    /// Pending opt-ins held back by the inputs' invalid RET rows (their changes stay pending).
    pub held: Vec<Held>,
    pub counts: SyncCounts,
    /// The ledger's keys under the partner when the plan was made (the guard's base).
    pub ledger_keys: u64,
}

impl Plan {
    /// ONAY↔RET flips of this run (what `--max-changes` limits).
    pub fn flips(&self) -> u64 {
        self.counts.opt_out + self.counts.opt_in
    }

    /// Nothing to send.
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }

    fn with_step(&self, step: Step) -> impl Iterator<Item = &Action> {
        self.actions.iter().filter(move |a| a.steps.contains(step))
    }

    /// Phase 1: every unsubscribe (all acknowledged before any upsert is sent).
    pub fn unsubscribes(&self) -> impl Iterator<Item = &Action> {
        self.with_step(Step::Unsubscribe)
    }

    /// Phase 2: every upsert.
    pub fn upserts(&self) -> impl Iterator<Item = &Action> {
        self.with_step(Step::Upsert)
    }

    /// Phase 3: the resubscribes; send only those [`Ledger::ready_to_resubscribe`] returns.
    pub fn resubscribes(&self) -> impl Iterator<Item = &Action> {
        self.with_step(Step::Resubscribe)
    }
}

/// What the table says for one key: a pure function of the ledger row and the input record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Decision {
    /// The counter this input record goes to (`None`: no input record).
    pub counted: Option<Counted>,
    /// What to send: word, time, steps, and whether it is an earlier run's pending change
    /// (its origin is then the earlier run's).
    pub send: Option<(Permission, i64, Steps, bool)>,
    pub kind: Option<Kind>,
    /// A ledger-only update: the consent time, and whether a pending change is dropped.
    pub update: Option<(i64, bool)>,
    /// The ledger's later word when the input is stale.
    pub stale: Option<(Permission, i64)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counted {
    Unchanged,
    New,
    OptOut,
    OptIn,
    Stale,
    Pending,
}

/// SPEC §11's table for one key.
pub fn decide(state: Option<&KeyState>, input: Option<(Permission, i64)>) -> Decision {
    let mut d = Decision::default();
    let pending = state.and_then(|s| s.pending.as_ref());
    let replan = |d: &mut Decision| {
        if let Some(p) = pending {
            d.send = Some((p.permission, p.consent_at, p.steps, true));
            d.kind = Some(Kind::Pending);
        }
    };
    let Some((permission, at)) = input else {
        replan(&mut d);
        return d;
    };
    let acknowledged = state.and_then(|s| s.permission.zip(s.consent_at));
    let word = pending
        .map(|p| (p.permission, p.consent_at))
        .or(acknowledged);
    let Some((known, known_at)) = word else {
        d.counted = Some(Counted::New);
        d.kind = Some(Kind::New);
        d.send = Some((permission, at, Steps::to_reach(None, permission), false));
        return d;
    };
    if permission == known {
        match pending {
            Some(p) => {
                d.counted = Some(Counted::Pending);
                d.kind = Some(Kind::Pending);
                d.send = Some((
                    p.permission,
                    at.max(p.consent_at),
                    p.steps,
                    at <= p.consent_at,
                ));
            }
            None => {
                d.counted = Some(Counted::Unchanged);
                if at > known_at {
                    d.update = Some((at, false));
                }
            }
        }
    } else if supersedes(permission, at, known, known_at) {
        match acknowledged {
            None => {
                d.counted = Some(Counted::New);
                d.kind = Some(Kind::New);
                d.send = Some((permission, at, Steps::to_reach(None, permission), false));
            }
            // The input's word is what Insider acknowledged last, and the pending change it
            // supersedes was refused by Insider (never applied): it is dropped.
            // (Never for a RET: an opt-out is sent again in full, below, whatever the mark says;
            // an extra unsubscribe of someone who said RET is harmless.)
            Some((base, _))
                if base == permission
                    && permission == Permission::Onay
                    && pending.is_none_or(|p| p.refused.is_some()) =>
            {
                d.counted = Some(Counted::Unchanged);
                d.update = Some((at, true));
            }
            // Otherwise the transition from what Insider may hold: the acknowledged word, or,
            // when the input's word is that one again, the pending change whose outcome is
            // unknown (a timeout after Insider applied it, a kill, a Ctrl-C past the drain). The
            // input's word is then sent again as a full transition from it (a RET: unsubscribe,
            // then upsert false), never dropped as "already there".
            Some((base, _)) => {
                let from = match pending {
                    Some(p) if base == permission => p.permission,
                    _ => base,
                };
                let (counted, kind) = match permission {
                    Permission::Ret => (Counted::OptOut, Kind::OptOut),
                    Permission::Onay => (Counted::OptIn, Kind::OptIn),
                };
                d.counted = Some(counted);
                d.kind = Some(kind);
                d.send = Some((
                    permission,
                    at,
                    Steps::to_reach(Some(from), permission),
                    false,
                ));
            }
        }
    } else {
        d.counted = Some(Counted::Stale);
        d.stale = Some((known, known_at));
        replan(&mut d);
    }
    d
}

/// Where the plan's actions and ledger-only updates go, in key order, as the merge finds them.
/// A sink returns what the [`Plan`] should keep: [`Plan`] keeps everything (what is sent then),
/// [`super::store::Baseline`] writes them to the ledger in batches and keeps nothing.
pub trait Sink {
    fn action(&mut self, action: Action) -> Result<Option<Action>, Error>;
    fn update(&mut self, update: Update) -> Result<Option<Update>, Error>;
    /// Whether the sink takes each action with the input record it was planned from
    /// ([`Sink::action_of`]); the record is built only then.
    fn wants_records(&self) -> bool {
        false
    }
    /// An action with its input record (`None`: the action's word is not today's input record,
    /// e.g. an earlier run's pending change). Only called when [`Sink::wants_records`].
    fn action_of(
        &mut self,
        action: Action,
        record: Option<Record>,
    ) -> Result<Option<Action>, Error> {
        let _ = record;
        self.action(action)
    }
    /// Whether the keys with a pending change of an earlier run are left as they are: neither
    /// their actions nor their updates reach the sink (`--baseline`: the ledger knows Insider
    /// has not acknowledged that change, so "Insider already holds the inputs' state" is not
    /// taken for those keys; the next sync plans them).
    fn leaves_pending(&self) -> bool {
        false
    }
}

/// Keeps every action and update in the plan.
pub struct Keep;

impl Sink for Keep {
    fn action(&mut self, action: Action) -> Result<Option<Action>, Error> {
        Ok(Some(action))
    }
    fn update(&mut self, update: Update) -> Result<Option<Update>, Error> {
        Ok(Some(update))
    }
}

/// The planner's memory: the records sorted in memory before a run of them goes to disk.
pub const PLAN_BUFFER: usize = 32 << 20;

/// The order of the planner's records: (channel, recipient bytes) like the ledger's primary key,
/// then the rest of the record (so the order is total). A record's line is the key's length
/// (LEB128), its key (a channel byte, then the recipient's bytes), the permission (a byte), the
/// consent time (zigzag LEB128), the position (file and line, LEB128), then the platform and,
/// when the record has one, a `0xFF` byte (never in UTF-8) and the external id: the whole record
/// travels with its key, so the plan's actions need no second read of the inputs. The place
/// holds the key's first 16 bytes, so most comparisons end there.
pub struct ByKey;

/// Ends the platform before an external id.
const MARK: u8 = 0xFF;

impl order::Order for ByKey {
    const SEQUENCED: bool = false;
    const PURPOSE: &'static str = "order-purpose-sync-plan";
    #[inline]
    fn cmp(a: &order::Place, a_line: &[u8], b: &order::Place, b_line: &[u8]) -> Ordering {
        a.cmp(b).then_with(|| {
            let (ka, kb) = (key_part(a_line), key_part(b_line));
            ka.cmp(kb).then_with(|| a_line.cmp(b_line))
        })
    }
}

/// A planner line's key and what follows it (the whole line and nothing should its length be
/// unreadable).
#[inline]
fn split_key(line: &[u8]) -> (&[u8], &[u8]) {
    // One byte for keys under 128 bytes, two under 16 KiB.
    let (n, at) = match line {
        [a, ..] if a & 0x80 == 0 => (usize::from(*a), 1),
        [a, b, ..] if b & 0x80 == 0 => (usize::from(a & 0x7f) | usize::from(*b) << 7, 2),
        _ => {
            let mut f = Fields(line);
            match f.varint().and_then(|n| usize::try_from(n).ok()) {
                Some(n) => (n, line.len() - f.0.len()),
                None => return (line, &[]),
            }
        }
    };
    match line.get(at..at + n) {
        Some(key) => (key, &line[at + n..]),
        None => (line, &[]),
    }
}

#[inline]
fn key_part(line: &[u8]) -> &[u8] {
    split_key(line).0
}

/// A record decoded from its planner line.
struct Rec<'a> {
    channel: Channel,
    /// The recipient's bytes.
    recipient: &'a [u8],
    permission: Permission,
    at: i64,
    pos: Pos,
    platform: &'a [u8],
    external_id: Option<&'a [u8]>,
}

impl Rec<'_> {
    /// The record as the inputs had it.
    fn record(&self) -> Record {
        let text = |b: &[u8]| CompactString::from(std::str::from_utf8(b).unwrap_or_default());
        Record {
            channel: self.channel,
            recipient: text(self.recipient),
            platform: text(self.platform),
            permission: self.permission,
            timestamp: self.at,
            external_id: self.external_id.map(text),
        }
    }
}

fn decode(line: &[u8]) -> Option<Rec<'_>> {
    let (key, rest) = split_key(line);
    let (&code, recipient) = key.split_first()?;
    let mut f = Fields(rest);
    let permission = permission_of_code(i64::from(f.byte()?))?;
    let at = f.signed()?;
    let file = usize::try_from(f.varint()?).ok()?;
    let line = f.varint()?;
    let rest = f.0;
    let (platform, external_id) = match memchr::memchr(MARK, rest) {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };
    Some(Rec {
        channel: channel_of_code(i64::from(code))?,
        recipient,
        permission,
        at,
        pos: Pos::new(file, line),
        platform,
        external_id,
    })
}

/// Gathers the resolved (non-withheld) records of the inputs, then plans them against the
/// ledger: the records go through an external sort in the ledger's key order (at most
/// [`PLAN_BUFFER`] in memory, sorted runs in `TMPDIR`) and are merged with one ordered read
/// of the ledger, so memory holds the plan's changes, never every record.
pub struct Planner {
    sorter: order::Sorter<ByKey>,
    line: Vec<u8>,
}

impl Default for Planner {
    fn default() -> Planner {
        Planner::new()
    }
}

impl std::fmt::Debug for Planner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Planner")
            .field("records", &self.sorter.len())
            .finish()
    }
}

impl Planner {
    pub fn new() -> Planner {
        Planner::with_buffer(std::env::temp_dir(), PLAN_BUFFER)
    }

    /// A planner holding about `bytes` of records in memory, spilling sorted runs to `dir`
    /// (tests use a small buffer to make the plan go through the disk).
    pub fn with_buffer(dir: impl Into<std::path::PathBuf>, bytes: usize) -> Planner {
        Planner {
            sorter: order::Sorter::ordered(dir, bytes, order::FAN_IN),
            line: Vec::with_capacity(64),
        }
    }

    /// Records pushed so far.
    pub fn len(&self) -> usize {
        self.sorter.len() as usize
    }

    pub fn is_empty(&self) -> bool {
        self.sorter.is_empty()
    }

    /// How many runs of records went to disk so far.
    pub fn runs(&self) -> usize {
        self.sorter.runs()
    }

    /// A resolved record at `pos` (its file index and line in this run's inputs). The caller
    /// passes winners only, never withheld keys; should a key come twice, the later word is kept.
    pub fn push(&mut self, pos: Pos, record: &Record) -> Result<(), Error> {
        self.push_parts(
            pos,
            record.channel,
            &record.recipient,
            record.permission,
            record.timestamp,
            &record.platform,
            record.external_id.as_deref(),
        )
    }

    /// A record given by its key and word (an empty platform, no external id).
    pub fn push_key(
        &mut self,
        pos: Pos,
        channel: Channel,
        recipient: &str,
        permission: Permission,
        at: i64,
    ) -> Result<(), Error> {
        self.push_parts(pos, channel, recipient, permission, at, "", None)
    }

    #[allow(clippy::too_many_arguments)]
    fn push_parts(
        &mut self,
        pos: Pos,
        channel: Channel,
        recipient: &str,
        permission: Permission,
        at: i64,
        platform: &str,
        external_id: Option<&str>,
    ) -> Result<(), Error> {
        let line = &mut self.line;
        line.clear();
        put_varint(line, recipient.len() as u64 + 1);
        let start = line.len();
        line.push(channel_code(channel) as u8);
        line.extend_from_slice(recipient.as_bytes());
        let key = start..line.len();
        line.push(permission_code(permission) as u8);
        put_signed(line, at);
        put_varint(line, pos.file() as u64);
        put_varint(line, pos.line());
        line.extend_from_slice(platform.as_bytes());
        if let Some(id) = external_id {
            line.push(MARK);
            line.extend_from_slice(id.as_bytes());
        }
        let key = &line[key];
        let mut prefix = [0u8; 16];
        let n = key.len().min(16);
        prefix[..n].copy_from_slice(&key[..n]);
        let hi = u64::from_be_bytes(prefix[..8].try_into().unwrap_or_default());
        let lo = u64::from_be_bytes(prefix[8..].try_into().unwrap_or_default());
        // i64 order of `hi ^ sign bit` is the u64 order of `hi`.
        self.sorter.push_at((hi ^ (1 << 63)) as i64, lo, line)
    }

    /// The plan against `ledger` for `partner`, reading the ledger in one read transaction.
    pub fn plan(self, ledger: &Ledger, partner: PartnerId) -> Result<Plan, Error> {
        self.plan_with(ledger, partner, None, &|_, _| false)
    }

    /// [`Planner::plan`] for inputs that hold keys back (SPEC §2, `withheld`): a key for which
    /// `withheld(channel, canonical recipient)` is true is never planned from the inputs, nor is
    /// an earlier run's pending opt-in of it (the person's latest word may be RET): that stays in
    /// the ledger for the run that has the row fixed. An earlier run's pending opt-out of it is
    /// planned again (an opt-out never waits).
    pub fn plan_except(
        self,
        ledger: &Ledger,
        partner: PartnerId,
        withheld: &dyn Fn(Channel, &str) -> bool,
    ) -> Result<Plan, Error> {
        self.plan_with(ledger, partner, None, withheld)
    }

    /// [`Planner::plan`] with the read strategy forced (`Some(true)`: one lookup per key;
    /// `Some(false)`: the merge join), for tests and benchmarks.
    pub fn plan_with(
        self,
        ledger: &Ledger,
        partner: PartnerId,
        seek: Option<bool>,
        withheld: &dyn Fn(Channel, &str) -> bool,
    ) -> Result<Plan, Error> {
        self.plan_into(ledger.reading(), partner, seek, withheld, &mut Keep)
    }

    /// The plan, its actions and updates handed to `sink` in key order as the merge finds them
    /// (the plan keeps what the sink gives back), the ledger read through `reading` in one read
    /// transaction: one ordered scan of the partner's rows (a merge join), or, for a small
    /// delta of a large ledger (`seek`; by default when the ledger holds more than
    /// [`SEEK_RATIO`] times the records), one lookup per record and an ordered walk of the
    /// pending rows.
    pub fn plan_into(
        self,
        reading: Reading<'_>,
        partner: PartnerId,
        seek: Option<bool>,
        withheld: &dyn Fn(Channel, &str) -> bool,
        sink: &mut dyn Sink,
    ) -> Result<Plan, Error> {
        let ledger_keys = reading.key_count(partner)?;
        let seek =
            seek.unwrap_or_else(|| (self.len() as u64).saturating_mul(SEEK_RATIO) < ledger_keys);
        let mut plan = Plan {
            ledger_keys,
            ..Plan::default()
        };
        let sorter = self.sorter;
        reading.in_order(partner, seek, |cursor| {
            let mut merge = Merge {
                cursor,
                peek: None,
                peek_recipient: Vec::new(),
                plan: &mut plan,
                sink,
                withheld,
                seen: 0,
            };
            merge.advance()?;
            // The current record (its line), kept until the next key shows it is the only one.
            let mut current: Vec<u8> = Vec::with_capacity(64);
            sorter.finish(|line| {
                if !current.is_empty() {
                    if key_part(&current) == key_part(line) {
                        // The same key twice: SPEC §2's rule keeps the later word.
                        if let (Some(kept), Some(later)) = (decode(&current), decode(line))
                            && supersedes(later.permission, later.at, kept.permission, kept.at)
                        {
                            current.clear();
                            current.extend_from_slice(line);
                        }
                        return Ok(());
                    }
                    merge.input(&current)?;
                }
                current.clear();
                current.extend_from_slice(line);
                Ok(())
            })?;
            if !current.is_empty() {
                merge.input(&current)?;
            }
            merge.rest()
        })?;
        Ok(plan)
    }
}

/// The merge of the sorted records with the ledger's rows.
struct Merge<'m, 's, 'c> {
    cursor: &'m mut Cursor<'s, 'c>,
    /// The next ledger row not yet merged.
    peek: Option<(Channel, KeyState)>,
    peek_recipient: Vec<u8>,
    plan: &'m mut Plan,
    sink: &'m mut dyn Sink,
    withheld: &'m dyn Fn(Channel, &str) -> bool,
    seen: u64,
}

impl Merge<'_, '_, '_> {
    fn advance(&mut self) -> Result<(), Error> {
        self.peek = self.cursor.next(&mut self.peek_recipient)?;
        Ok(())
    }

    /// A ledger row the inputs do not mention: its pending change is planned again, unless the
    /// inputs hold the key back.
    fn unmentioned(&mut self, channel: Channel, state: KeyState) -> Result<(), Error> {
        if state.pending.is_none() {
            return Ok(());
        }
        let recipient = std::str::from_utf8(&self.peek_recipient).unwrap_or_default();
        // A key the inputs hold back keeps an earlier run's pending opt-in (the held RET row may
        // be the latest word), but its pending opt-out is sent again: an opt-out never waits for
        // a row to be fixed (SPEC §3), and is right whatever that row says.
        let opt_in = state
            .pending
            .as_ref()
            .is_some_and(|p| p.permission == Permission::Onay);
        if opt_in && (self.withheld)(channel, recipient) {
            return Ok(());
        }
        let recipient = CompactString::from(recipient);
        let decision = decide(Some(&state), None);
        self.decided(channel, recipient, &state, decision, None)
    }

    /// One input record (its planner line).
    fn input(&mut self, line: &[u8]) -> Result<(), Error> {
        let Some(rec) = decode(line) else {
            return Err(Error::Usage(
                "internal error: a record of the sync's plan could not be read back from its temporary file".to_string(),
            ));
        };
        self.seen += 1;
        if self.seen.is_multiple_of(65_536) {
            crate::signals::check()?;
        }
        let code = channel_code(rec.channel);
        let mut state = None;
        while let Some((channel, _)) = &self.peek {
            let ledger_key = (channel_code(*channel), self.peek_recipient.as_slice());
            match ledger_key.cmp(&(code, rec.recipient)) {
                Ordering::Less => {
                    let Some((channel, row)) = self.peek.take() else {
                        break;
                    };
                    self.unmentioned(channel, row)?;
                    self.advance()?;
                }
                Ordering::Equal => {
                    state = self.peek.take().map(|(_, s)| s);
                    self.advance()?;
                    break;
                }
                Ordering::Greater => break,
            }
        }
        let recipient = std::str::from_utf8(rec.recipient).unwrap_or_default();
        if state.is_none() && self.cursor.seeks() {
            state = self.cursor.lookup(rec.channel, recipient)?;
        }
        let decision = decide(state.as_ref(), Some((rec.permission, rec.at)));
        let counts = &mut self.plan.counts;
        match decision.counted {
            Some(Counted::Unchanged) => counts.unchanged += 1,
            Some(Counted::New) => counts.new += 1,
            Some(Counted::OptOut) => counts.opt_out += 1,
            Some(Counted::OptIn) => counts.opt_in += 1,
            Some(Counted::Stale) => counts.stale += 1,
            Some(Counted::Pending) | None => {}
        }
        if decision.send.is_none() && decision.update.is_none() && decision.stale.is_none() {
            return Ok(());
        }
        let recipient = CompactString::from(recipient);
        if let Some((ledger_permission, ledger_consent_at)) = decision.stale {
            self.plan.stale.push(Stale {
                channel: rec.channel,
                recipient: recipient.clone(),
                file: rec.pos.file(),
                line: rec.pos.line(),
                permission: rec.permission,
                consent_at: rec.at,
                ledger_permission,
                ledger_consent_at,
            });
        }
        let empty = KeyState {
            key_id: 0,
            permission: None,
            consent_at: None,
            sent_at: None,
            pending: None,
        };
        let state = state.unwrap_or(empty);
        self.decided(rec.channel, recipient, &state, decision, Some(&rec))
    }

    /// The ledger rows after the last input record.
    fn rest(&mut self) -> Result<(), Error> {
        while let Some((channel, state)) = self.peek.take() {
            self.unmentioned(channel, state)?;
            self.advance()?;
        }
        Ok(())
    }

    fn decided(
        &mut self,
        channel: Channel,
        recipient: CompactString,
        state: &KeyState,
        decision: Decision,
        rec: Option<&Rec<'_>>,
    ) -> Result<(), Error> {
        if state.pending.is_some() && self.sink.leaves_pending() {
            return Ok(());
        }
        let pos = rec.map(|r| r.pos);
        let (update, action) = to_changes(self.plan, channel, recipient, state, decision, pos);
        if let Some(u) = update
            && let Some(u) = self.sink.update(u)?
        {
            self.plan.updates.push(u);
        }
        let Some(a) = action else {
            return Ok(());
        };
        let kept = match self.sink.wants_records() {
            true => {
                // The input's record when the action sends the input's word.
                let record = match a.origin {
                    Origin::Input { .. } => rec.map(Rec::record),
                    Origin::Earlier { .. } => None,
                };
                self.sink.action_of(a, record)?
            }
            false => self.sink.action(a)?,
        };
        if let Some(a) = kept {
            self.plan.actions.push(a);
        }
        Ok(())
    }
}

fn to_changes(
    plan: &mut Plan,
    channel: Channel,
    recipient: CompactString,
    state: &KeyState,
    decision: Decision,
    pos: Option<Pos>,
) -> (Option<Update>, Option<Action>) {
    let update = decision.update.map(|(consent_at, clear_pending)| Update {
        channel,
        recipient: recipient.clone(),
        consent_at,
        clear_pending,
    });
    let Some((permission, consent_at, steps, earlier)) = decision.send else {
        return (update, None);
    };
    let kind = decision.kind.unwrap_or(Kind::Pending);
    if kind == Kind::Pending {
        plan.counts.pending += 1;
    }
    let origin = match (pos, earlier, state.pending.as_ref()) {
        (Some(pos), false, _) => Origin::Input {
            file: pos.file(),
            line: pos.line(),
        },
        (_, _, Some(p)) => Origin::Earlier {
            input_id: p.input_id,
            line: p.line,
        },
        (Some(pos), true, None) => Origin::Input {
            file: pos.file(),
            line: pos.line(),
        },
        (None, _, None) => Origin::Earlier {
            input_id: None,
            line: None,
        },
    };
    let action = Action {
        channel,
        recipient,
        kind,
        acknowledged: state.permission,
        permission,
        consent_at,
        steps,
        origin,
        refused: state.pending.as_ref().and_then(|p| p.refused.clone()),
    };
    (update, Some(action))
}
