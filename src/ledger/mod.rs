//! The consent ledger of `iysync sync` (SPEC §11): what Insider was last told about each
//! (partner, channel, canonical recipient), so that a nightly run sends only changes, in the order
//! that keeps consent safe (opt-outs first, resubscribes only after the consent upsert).
//!
//! - [`store`]: the SQLite database (schema, migrations, lock, acknowledgements, audit, runs).
//! - [`plan`]: the diff of the inputs' resolved records against the ledger (SPEC §11's table).
//! - [`spool`]: the plan's changes in a temporary file, streamed to the send phases.
//! - [`guard`]: `--max-changes N|P%`.
//!
//! The ledger changes only when Insider acknowledges a request ([`Ledger::record_ack`], one
//! transaction per request) or when the user asks for a baseline ([`Baseline`], in batches of
//! [`BASELINE_BATCH`] keys a transaction, as the plan goes).

pub mod guard;
pub mod plan;
pub mod spool;
pub mod store;
pub mod sync;

#[cfg(test)]
mod tests;

use std::path::PathBuf;

use serde::Serialize;

use crate::error::Error;
use crate::record::{Channel, Permission};

pub use guard::{MaxChanges, check_guard};
pub use plan::{
    Action, Change, Held, Keep, Kind, Origin, PLAN_BUFFER, Plan, Planner, Sink, Stale, Update,
};
pub use store::{
    BASELINE_BATCH, Baseline, Endpoint, HistoryEntry, KeyState, Ledger, PartnerId, PendingState,
    RecipientReport, RunId, RunMode, Stats,
};

/// The file name of the ledger in the state directory.
pub const FILE_NAME: &str = "ledger.sqlite3";

/// `<user state dir>/iysync/ledger.sqlite3` (e.g. `~/.local/state/iysync/ledger.sqlite3`; the
/// local data directory on systems without a state directory).
pub fn default_path() -> Result<PathBuf, Error> {
    let state = dirs::state_dir()
        .or_else(dirs::data_local_dir)
        .ok_or_else(|| Error::Usage(crate::tr!("err-ledger-no-state-dir")))?;
    Ok(state.join("iysync").join(FILE_NAME))
}

/// One step of a transition, as sent to one kind of endpoint. A key's pending steps are kept as
/// a bitmask of these in the ledger (`consents.pending_steps`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    Unsubscribe,
    Upsert,
    Resubscribe,
}

impl Step {
    pub const ALL: [Step; 3] = [Step::Unsubscribe, Step::Upsert, Step::Resubscribe];

    pub fn bit(self) -> u8 {
        match self {
            Step::Unsubscribe => 1,
            Step::Upsert => 2,
            Step::Resubscribe => 4,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Step::Unsubscribe => "unsubscribe",
            Step::Upsert => "upsert",
            Step::Resubscribe => "resubscribe",
        }
    }
}

/// A set of [`Step`]s (bit 1 unsubscribe, 2 upsert, 4 resubscribe).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Steps(pub u8);

impl Steps {
    pub const NONE: Steps = Steps(0);

    /// What reaching `target` from `acknowledged` takes (SPEC §11's table): a RET is an
    /// unsubscribe then an upsert (`false`); an ONAY is an upsert (`true`), then a resubscribe
    /// when Insider was last told RET.
    pub fn to_reach(acknowledged: Option<Permission>, target: Permission) -> Steps {
        match (acknowledged, target) {
            (_, Permission::Ret) => Steps(Step::Unsubscribe.bit() | Step::Upsert.bit()),
            (Some(Permission::Ret), Permission::Onay) => {
                Steps(Step::Upsert.bit() | Step::Resubscribe.bit())
            }
            (_, Permission::Onay) => Steps(Step::Upsert.bit()),
        }
    }

    pub fn contains(self, step: Step) -> bool {
        self.0 & step.bit() != 0
    }

    pub fn without(self, step: Step) -> Steps {
        Steps(self.0 & !step.bit())
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Step> {
        Step::ALL.into_iter().filter(move |s| self.contains(*s))
    }

    /// `unsubscribe+upsert`, or `-` for none.
    pub fn describe(self) -> String {
        if self.is_empty() {
            return "-".to_string();
        }
        self.iter().map(Step::as_str).collect::<Vec<_>>().join("+")
    }
}

/// The `sync` block of the report (SPEC §11). Each input record is counted once in `unchanged`,
/// `new`, `opt_out`, `opt_in` or `stale`; `pending` counts the keys whose pending change of an
/// earlier run is planned again (an input record that agrees with it counts there instead of in
/// `unchanged`; a stale one counts in both).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct SyncCounts {
    pub unchanged: u64,
    pub new: u64,
    pub opt_out: u64,
    pub opt_in: u64,
    pub stale: u64,
    pub pending: u64,
}

/// 0 for email, 1 for SMS, as stored in `consents.channel`.
pub fn channel_code(channel: Channel) -> i64 {
    match channel {
        Channel::Email => 0,
        Channel::Sms => 1,
    }
}

pub fn channel_of_code(code: i64) -> Option<Channel> {
    match code {
        0 => Some(Channel::Email),
        1 => Some(Channel::Sms),
        _ => None,
    }
}

/// 1 for ONAY, 0 for RET, as stored in `permission` columns.
pub fn permission_code(permission: Permission) -> i64 {
    match permission {
        Permission::Onay => 1,
        Permission::Ret => 0,
    }
}

pub fn permission_of_code(code: i64) -> Option<Permission> {
    match code {
        1 => Some(Permission::Onay),
        0 => Some(Permission::Ret),
        _ => None,
    }
}

/// Whether the word `(permission, at)` replaces the word `(known, known_at)`: a later time wins,
/// and at an equal time RET wins over ONAY (SPEC §2's tie rule, so that a RET is never lost to
/// an ONAY of the same instant).
pub fn supersedes(permission: Permission, at: i64, known: Permission, known_at: i64) -> bool {
    at > known_at || (at == known_at && permission == Permission::Ret && known == Permission::Onay)
}
