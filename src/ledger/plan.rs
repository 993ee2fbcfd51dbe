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
//! [`Planner`] gathers the resolved records compactly (40 bytes a record plus the recipient's
//! bytes), sorts them in the ledger's key order, and reads the ledger in one read transaction:
//! a merge join over the partner's rows, or one indexed lookup per key when the inputs are a
//! small delta of a large ledger. Only the plan's changes are kept as records.

use std::cmp::Ordering;

use compact_str::CompactString;

use super::store::{KeyState, Ledger, PartnerId};
use super::{Step, Steps, SyncCounts, supersedes};
use crate::error::Error;
use crate::record::{Channel, Permission, Record};
use crate::resolve::Pos;

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

/// The plan: actions in key order, ledger-only updates, stale warnings and the counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub actions: Vec<Action>,
    pub updates: Vec<Update>,
    pub stale: Vec<Stale>,
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
            Some((base, _))
                if base == permission && pending.is_none_or(|p| p.refused.is_some()) =>
            {
                d.counted = Some(Counted::Unchanged);
                d.update = Some((at, true));
            }
            // The same, but the pending change's outcome is unknown (a timeout after Insider
            // applied it, a kill, a Ctrl-C past the drain): Insider may hold the other word now.
            // The input's word is sent again as a full transition from it (a RET: unsubscribe,
            // then upsert false), never dropped as "already there".
            Some((base, _)) if base == permission => {
                let from = pending.map_or(base, |p| p.permission);
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
            Some((base, _)) => {
                let (counted, kind) = match permission {
                    Permission::Ret => (Counted::OptOut, Kind::OptOut),
                    Permission::Onay => (Counted::OptIn, Kind::OptIn),
                };
                d.counted = Some(counted);
                d.kind = Some(kind);
                d.send = Some((
                    permission,
                    at,
                    Steps::to_reach(Some(base), permission),
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

#[derive(Debug, Clone, Copy)]
struct Entry {
    /// The recipient's first bytes, big-endian: most comparisons end here.
    prefix: u64,
    offset: u32,
    len: u32,
    channel: Channel,
    permission: Permission,
    at: i64,
    pos: Pos,
}

/// Gathers the resolved (non-withheld) records of the inputs, then plans them against the ledger.
#[derive(Debug, Default)]
pub struct Planner {
    arena: Vec<u8>,
    entries: Vec<Entry>,
}

fn prefix_of(bytes: &[u8]) -> u64 {
    let mut buf = [0u8; 8];
    let n = bytes.len().min(8);
    buf[..n].copy_from_slice(&bytes[..n]);
    u64::from_be_bytes(buf)
}

impl Planner {
    pub fn new() -> Planner {
        Planner::default()
    }

    pub fn with_capacity(records: usize) -> Planner {
        Planner {
            arena: Vec::with_capacity(records * 20),
            entries: Vec::with_capacity(records),
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// A resolved record at `pos` (its file index and line in this run's inputs). The caller
    /// passes winners only, never withheld keys; should a key come twice, the later word is kept.
    pub fn push(&mut self, pos: Pos, record: &Record) -> Result<(), Error> {
        self.push_key(
            pos,
            record.channel,
            &record.recipient,
            record.permission,
            record.timestamp,
        )
    }

    pub fn push_key(
        &mut self,
        pos: Pos,
        channel: Channel,
        recipient: &str,
        permission: Permission,
        at: i64,
    ) -> Result<(), Error> {
        let bytes = recipient.as_bytes();
        let offset = u32::try_from(self.arena.len())
            .ok()
            .filter(|o| o.checked_add(bytes.len() as u32).is_some())
            .ok_or_else(|| {
                Error::Usage(
                    "more than 4 GiB of recipients in one sync; split the input into several runs"
                        .to_string(),
                )
            })?;
        self.arena.extend_from_slice(bytes);
        self.entries.push(Entry {
            prefix: prefix_of(bytes),
            offset,
            len: bytes.len() as u32,
            channel,
            permission,
            at,
            pos,
        });
        Ok(())
    }

    fn bytes(&self, e: &Entry) -> &[u8] {
        &self.arena[e.offset as usize..(e.offset + e.len) as usize]
    }

    fn cmp(&self, a: &Entry, b: &Entry) -> Ordering {
        (a.channel, a.prefix)
            .cmp(&(b.channel, b.prefix))
            .then_with(|| self.bytes(a).cmp(self.bytes(b)))
    }

    fn recipient(&self, e: &Entry) -> CompactString {
        CompactString::from(std::str::from_utf8(self.bytes(e)).unwrap_or_default())
    }

    /// Sorts the records in the ledger's key order (channel, then recipient bytes) and keeps one
    /// per key (SPEC §2's rule, should the caller pass a key twice).
    fn sort(&mut self) {
        let mut entries = std::mem::take(&mut self.entries);
        entries.sort_unstable_by(|a, b| self.cmp(a, b));
        entries.dedup_by(|later, kept| {
            if self.cmp(later, kept) != Ordering::Equal {
                return false;
            }
            if supersedes(later.permission, later.at, kept.permission, kept.at) {
                *kept = *later;
            }
            true
        });
        self.entries = entries;
    }

    /// The plan against `ledger` for `partner`, reading the ledger in one read transaction.
    pub fn plan(self, ledger: &Ledger, partner: PartnerId) -> Result<Plan, Error> {
        self.plan_with(ledger, partner, None, &|_, _| false)
    }

    /// [`Planner::plan`] for inputs that hold keys back (SPEC §2, `withheld`): a key for which
    /// `withheld(channel, canonical recipient)` is true is never planned, not even an earlier
    /// run's pending change of it (which could be an opt-in of someone whose latest word may be
    /// RET); its pending change stays in the ledger for the run that has the row fixed.
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
        mut self,
        ledger: &Ledger,
        partner: PartnerId,
        seek: Option<bool>,
        withheld: &dyn Fn(Channel, &str) -> bool,
    ) -> Result<Plan, Error> {
        self.sort();
        let mut plan = Plan {
            ledger_keys: ledger.key_count(partner)?,
            ..Plan::default()
        };
        let mut next = 0usize;
        {
            let this = &self;
            let plan = &mut plan;
            let mut visit = |i: usize, state: KeyState| {
                while next < i {
                    this.apply(plan, next, None);
                    next += 1;
                }
                this.apply(plan, i, Some(&state));
                next = i + 1;
            };
            let key = |i: usize| {
                let e = &this.entries[i];
                (e.channel, this.bytes(e))
            };
            match seek {
                Some(seek) => {
                    ledger.visit_keys_with(partner, this.entries.len(), &key, seek, &mut visit)?
                }
                None => ledger.visit_keys(partner, this.entries.len(), &key, &mut visit)?,
            }
        }
        while next < self.entries.len() {
            self.apply(&mut plan, next, None);
            next += 1;
        }
        // Pending changes of keys the inputs do not mention.
        for (channel, recipient, state) in ledger.pending_keys(partner)? {
            let found = self
                .entries
                .binary_search_by(|e| {
                    (e.channel, self.bytes(e)).cmp(&(channel, recipient.as_bytes()))
                })
                .is_ok();
            if !found && !withheld(channel, &recipient) {
                let decision = decide(Some(&state), None);
                push_decision(
                    &mut plan,
                    channel,
                    CompactString::from(recipient),
                    &state,
                    decision,
                    None,
                );
            }
        }
        plan.actions.sort_by(|a, b| {
            (a.channel, a.recipient.as_bytes()).cmp(&(b.channel, b.recipient.as_bytes()))
        });
        Ok(plan)
    }

    fn apply(&self, plan: &mut Plan, i: usize, state: Option<&KeyState>) {
        let e = &self.entries[i];
        let decision = decide(state, Some((e.permission, e.at)));
        let counts = &mut plan.counts;
        match decision.counted {
            Some(Counted::Unchanged) => counts.unchanged += 1,
            Some(Counted::New) => counts.new += 1,
            Some(Counted::OptOut) => counts.opt_out += 1,
            Some(Counted::OptIn) => counts.opt_in += 1,
            Some(Counted::Stale) => counts.stale += 1,
            Some(Counted::Pending) | None => {}
        }
        if decision.send.is_none() && decision.update.is_none() && decision.stale.is_none() {
            return;
        }
        let recipient = self.recipient(e);
        if let Some((ledger_permission, ledger_consent_at)) = decision.stale {
            plan.stale.push(Stale {
                channel: e.channel,
                recipient: recipient.clone(),
                file: e.pos.file(),
                line: e.pos.line(),
                permission: e.permission,
                consent_at: e.at,
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
        push_decision(
            plan,
            e.channel,
            recipient,
            state.unwrap_or(&empty),
            decision,
            Some(e.pos),
        );
    }
}

fn push_decision(
    plan: &mut Plan,
    channel: Channel,
    recipient: CompactString,
    state: &KeyState,
    decision: Decision,
    pos: Option<Pos>,
) {
    if let Some((consent_at, clear_pending)) = decision.update {
        plan.updates.push(Update {
            channel,
            recipient: recipient.clone(),
            consent_at,
            clear_pending,
        });
    }
    let Some((permission, consent_at, steps, earlier)) = decision.send else {
        return;
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
    plan.actions.push(Action {
        channel,
        recipient,
        kind,
        acknowledged: state.permission,
        permission,
        consent_at,
        steps,
        origin,
        refused: state.pending.as_ref().and_then(|p| p.refused.clone()),
    });
}
