//! The ledger database: SQLite (bundled, no system library), one file, `0600`, locked for a run.
//!
//! - Journal mode WAL with `synchronous=FULL`: every committed acknowledgement is on disk before
//!   the next request is sent, even across a power cut (NORMAL would only survive a process
//!   crash). The cost is one fsync per acknowledged request, nothing next to a request's round trip.
//! - The schema is versioned: `PRAGMA user_version` holds the version and `schema_migrations` one
//!   row per applied migration. A ledger of a newer version is refused (exit 2), never changed.
//! - `PRAGMA application_id` marks the file as an iysync ledger, so that `--state` pointed at
//!   another SQLite database is refused instead of changed.
//! - Compact on disk: `consents` and `audit` are WITHOUT ROWID tables keyed by what they are
//!   looked up by; partners, endpoints and input files are small lookup tables; permissions
//!   and times are integers (1 ONAY / 0 RET, Unix seconds). See the README ("Nightly sync") for
//!   every table and column.

use std::collections::HashMap;
use std::fs::OpenOptions;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction, params};
use serde::Serialize;

use super::plan::{Action, Change, Origin, Plan, Sink, Update};
use super::{
    Step, Steps, SyncCounts, channel_code, channel_of_code, permission_code, permission_of_code,
};
use crate::error::Error;
use crate::lock::Lock;
use crate::record::{Channel, Permission};

/// `PRAGMA application_id` of a ledger: "IYSL".
pub const APPLICATION_ID: i64 = 0x4959_534c;

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Each migration takes the schema from its index to its index + 1.
const MIGRATIONS: &[(&str, &str)] = &[
    (
        "consents, audit, runs and their lookup tables",
        r#"
CREATE TABLE schema_migrations (
    version     INTEGER PRIMARY KEY,
    applied_at  INTEGER NOT NULL,
    description TEXT NOT NULL
);
CREATE TABLE meta (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO meta (name, value) VALUES ('next_key_id', 1);
CREATE TABLE partners (
    partner_id INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    keys       INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE endpoints (
    endpoint_id INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE
);
INSERT INTO endpoints (endpoint_id, name) VALUES
    (0, 'baseline'), (1, 'upsert'),
    (2, 'email_unsubscribe'), (3, 'sms_unsubscribe'),
    (4, 'email_subscribe'), (5, 'sms_subscribe');
CREATE TABLE consents (
    partner_id         INTEGER NOT NULL,
    channel            INTEGER NOT NULL,
    recipient          TEXT NOT NULL,
    key_id             INTEGER NOT NULL,
    permission         INTEGER,
    consent_at         INTEGER,
    sent_at            INTEGER,
    pending_permission INTEGER,
    pending_consent_at INTEGER,
    pending_steps      INTEGER,
    pending_refused    TEXT,
    pending_input      INTEGER,
    pending_line       INTEGER,
    PRIMARY KEY (partner_id, channel, recipient)
) WITHOUT ROWID;
CREATE TABLE runs (
    run_id      INTEGER PRIMARY KEY,
    partner_id  INTEGER NOT NULL,
    mode        TEXT NOT NULL,
    started_at  INTEGER NOT NULL,
    finished_at INTEGER,
    status      TEXT,
    counts      TEXT
);
CREATE TABLE inputs (
    input_id INTEGER PRIMARY KEY,
    run_id   INTEGER NOT NULL,
    position INTEGER NOT NULL,
    path     TEXT NOT NULL
);
CREATE TABLE requests (
    request_id  INTEGER PRIMARY KEY,
    run_id      INTEGER NOT NULL,
    endpoint_id INTEGER NOT NULL,
    sent_at     INTEGER NOT NULL,
    records     INTEGER NOT NULL
);
CREATE TABLE audit (
    key_id     INTEGER NOT NULL,
    request_id INTEGER NOT NULL,
    permission INTEGER NOT NULL,
    consent_at INTEGER NOT NULL,
    input_id   INTEGER,
    line       INTEGER,
    PRIMARY KEY (key_id, request_id)
) WITHOUT ROWID;
"#,
    ),
    (
        "pending index and readable views",
        r#"
CREATE INDEX consents_pending ON consents (partner_id) WHERE pending_steps IS NOT NULL;
CREATE VIEW consent_state AS
SELECT p.name AS partner,
       CASE c.channel WHEN 0 THEN 'email' ELSE 'sms' END AS channel,
       c.recipient,
       CASE c.permission WHEN 1 THEN 'ONAY' WHEN 0 THEN 'RET' END AS permission,
       datetime(c.consent_at, 'unixepoch') AS consent_at_utc,
       datetime(c.sent_at, 'unixepoch') AS sent_at_utc,
       CASE c.pending_permission WHEN 1 THEN 'ONAY' WHEN 0 THEN 'RET' END AS pending_permission,
       datetime(c.pending_consent_at, 'unixepoch') AS pending_consent_at_utc,
       c.pending_steps,
       c.pending_refused
FROM consents c JOIN partners p USING (partner_id);
CREATE VIEW audit_log AS
SELECT p.name AS partner,
       CASE c.channel WHEN 0 THEN 'email' ELSE 'sms' END AS channel,
       c.recipient,
       CASE a.permission WHEN 1 THEN 'ONAY' ELSE 'RET' END AS permission,
       datetime(a.consent_at, 'unixepoch') AS consent_at_utc,
       e.name AS endpoint,
       datetime(r.sent_at, 'unixepoch') AS sent_at_utc,
       i.path AS input,
       a.line,
       r.run_id
FROM audit a
JOIN requests r USING (request_id)
JOIN endpoints e USING (endpoint_id)
JOIN consents c ON c.key_id = a.key_id
JOIN partners p ON p.partner_id = c.partner_id
LEFT JOIN inputs i ON i.input_id = a.input_id;
"#,
    ),
];

/// A partner's row in `partners`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PartnerId(pub i64);

/// A run's row in `runs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RunId(pub i64);

/// What a run did, as written in `runs.mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunMode {
    Sync,
    Baseline,
}

impl RunMode {
    fn as_str(self) -> &'static str {
        match self {
            RunMode::Sync => "sync",
            RunMode::Baseline => "baseline",
        }
    }
}

/// The Insider endpoints an acknowledgement can come from (`endpoints` table), plus the
/// baseline, which records a state without sending it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    Baseline,
    Upsert,
    EmailUnsubscribe,
    SmsUnsubscribe,
    EmailSubscribe,
    SmsSubscribe,
}

impl Endpoint {
    pub fn id(self) -> i64 {
        match self {
            Endpoint::Baseline => 0,
            Endpoint::Upsert => 1,
            Endpoint::EmailUnsubscribe => 2,
            Endpoint::SmsUnsubscribe => 3,
            Endpoint::EmailSubscribe => 4,
            Endpoint::SmsSubscribe => 5,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Endpoint::Baseline => "baseline",
            Endpoint::Upsert => "upsert",
            Endpoint::EmailUnsubscribe => "email_unsubscribe",
            Endpoint::SmsUnsubscribe => "sms_unsubscribe",
            Endpoint::EmailSubscribe => "email_subscribe",
            Endpoint::SmsSubscribe => "sms_subscribe",
        }
    }

    /// The endpoint that carries `step` for `channel`.
    pub fn for_step(step: Step, channel: Channel) -> Endpoint {
        match (step, channel) {
            (Step::Upsert, _) => Endpoint::Upsert,
            (Step::Unsubscribe, Channel::Email) => Endpoint::EmailUnsubscribe,
            (Step::Unsubscribe, Channel::Sms) => Endpoint::SmsUnsubscribe,
            (Step::Resubscribe, Channel::Email) => Endpoint::EmailSubscribe,
            (Step::Resubscribe, Channel::Sms) => Endpoint::SmsSubscribe,
        }
    }

    /// The step this endpoint carries, and the one channel it accepts (`None`: both).
    fn step(self) -> Option<(Step, Option<Channel>)> {
        match self {
            Endpoint::Baseline => None,
            Endpoint::Upsert => Some((Step::Upsert, None)),
            Endpoint::EmailUnsubscribe => Some((Step::Unsubscribe, Some(Channel::Email))),
            Endpoint::SmsUnsubscribe => Some((Step::Unsubscribe, Some(Channel::Sms))),
            Endpoint::EmailSubscribe => Some((Step::Resubscribe, Some(Channel::Email))),
            Endpoint::SmsSubscribe => Some((Step::Resubscribe, Some(Channel::Sms))),
        }
    }

    fn of_id(id: i64) -> Option<Endpoint> {
        [
            Endpoint::Baseline,
            Endpoint::Upsert,
            Endpoint::EmailUnsubscribe,
            Endpoint::SmsUnsubscribe,
            Endpoint::EmailSubscribe,
            Endpoint::SmsSubscribe,
        ]
        .into_iter()
        .find(|e| e.id() == id)
    }
}

/// A change planned for a key and not yet fully acknowledged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingState {
    pub permission: Permission,
    pub consent_at: i64,
    /// The steps still to send.
    pub steps: Steps,
    /// Insider's message when it refused the last attempt; `None` when the change was merely
    /// not acknowledged yet (e.g. the second step of a run that was stopped).
    pub refused: Option<String>,
    pub input_id: Option<i64>,
    pub line: Option<i64>,
}

/// A key's row in `consents`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyState {
    pub key_id: i64,
    /// The last word Insider acknowledged (`None`: nothing acknowledged yet).
    pub permission: Option<Permission>,
    pub consent_at: Option<i64>,
    pub sent_at: Option<i64>,
    pub pending: Option<PendingState>,
}

/// One audit row, joined with its request, endpoint and input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryEntry {
    pub permission: &'static str,
    pub consent_at: i64,
    pub endpoint: &'static str,
    pub sent_at: i64,
    pub input: Option<String>,
    pub line: Option<i64>,
    pub run_id: i64,
}

/// `iysync ledger show`: a key's row and history under one partner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipientReport {
    pub partner: String,
    pub channel: Channel,
    pub recipient: String,
    pub state: KeyState,
    pub history: Vec<HistoryEntry>,
}

/// `iysync ledger stats`, per partner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stats {
    pub partner: String,
    pub keys: u64,
    /// `[channel][ONAY, RET, none]`: keys by channel and acknowledged permission.
    pub email: PermissionCounts,
    pub sms: PermissionCounts,
    pub pending: u64,
    pub refused: u64,
    pub last_run: Option<RunSummary>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct PermissionCounts {
    #[serde(rename = "ONAY")]
    pub onay: u64,
    #[serde(rename = "RET")]
    pub ret: u64,
    /// Keys with nothing acknowledged yet (their first change was refused).
    pub none: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunSummary {
    pub run_id: i64,
    pub mode: String,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub status: Option<String>,
    pub counts: Option<serde_json::Value>,
}

/// An open ledger. Opened with [`Ledger::open`] it holds the ledger's lock for as long as it
/// lives; [`Ledger::open_for_reading`] reads beside a running sync (WAL readers never block).
pub struct Ledger {
    conn: Connection,
    path: PathBuf,
    _lock: Option<Lock>,
    /// The input files of the runs begun by this handle: (run, position) → `inputs.input_id`.
    inputs: HashMap<(i64, usize), i64>,
}

fn db_error(path: &Path, what: &str, e: rusqlite::Error) -> Error {
    Error::Usage(crate::tr!(
        "err-ledger-db",
        path = path.display(),
        what = action(what),
        error = e
    ))
}

/// A write of a run's acknowledgement or refusal that failed: what and why, with no advice (the
/// caller says what happens to the records, and another --state would forget them).
fn write_error(path: &Path, what: &str, e: rusqlite::Error) -> Error {
    Error::Usage(crate::tr!(
        "err-ledger-write",
        path = path.display(),
        what = action(what),
        error = e
    ))
}

/// What the ledger could not do ("record the plan"), in the run's language: the English phrase
/// is its own message id, as in gettext (`ledger-do-record-the-plan`; a test checks that every
/// phrase of this file has one); a phrase without one is shown as written.
fn action(what: &str) -> String {
    crate::i18n::lang().t_or(&action_key(what), what)
}

pub(crate) fn action_key(what: &str) -> String {
    let mut key = String::from("ledger-do");
    for word in what
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        key.push('-');
        key.push_str(&word.to_ascii_lowercase());
    }
    key
}

/// The lock file beside a ledger: `ledger.sqlite3.lock`.
pub fn lock_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

impl Ledger {
    /// Opens (creating it `0600` when missing) the ledger at `path` for a run: takes its lock
    /// (a second run stops with exit 2 naming the first's pid), refuses a newer schema or a file
    /// that is not a ledger, and migrates an older schema.
    pub fn open(path: &Path) -> Result<Ledger, Error> {
        crate::insider::journal::create_parent(path).map_err(|e| {
            Error::io(
                crate::tr!("err-ledger-create-dir", path = path.display()),
                e,
            )
        })?;
        let what = crate::tr!("err-what-ledger", path = path.display());
        let lock = Lock::acquire(&lock_path(path), &what)?;
        create_private_file(path)?;
        let lock = lock.and_file(path, &what)?;
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| db_error(path, "open it", e))?;
        let mut ledger = Ledger {
            conn,
            path: path.to_path_buf(),
            _lock: Some(lock),
            inputs: HashMap::new(),
        };
        ledger.configure()?;
        ledger.migrate(SCHEMA_VERSION)?;
        Ok(ledger)
    }

    /// Opens an existing ledger to read it (`iysync ledger show|stats`), without its lock, so it
    /// can be read while a sync runs. An older schema is migrated under the lock first.
    pub fn open_for_reading(path: &Path) -> Result<Ledger, Error> {
        match std::fs::symlink_metadata(path) {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::Usage(crate::tr!(
                    "err-ledger-none",
                    path = path.display()
                )));
            }
            Err(e) => {
                return Err(Error::io(
                    crate::tr!("err-ledger-read", path = path.display()),
                    e,
                ));
            }
        }
        let version = {
            let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE)
                .map_err(|e| db_error(path, "open it", e))?;
            check_identity(&conn, path)?
        };
        if version < SCHEMA_VERSION {
            drop(Ledger::open(path)?);
        }
        let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE)
            .map_err(|e| db_error(path, "open it", e))?;
        let ledger = Ledger {
            conn,
            path: path.to_path_buf(),
            _lock: None,
            inputs: HashMap::new(),
        };
        ledger
            .conn
            .busy_timeout(std::time::Duration::from_secs(5))
            .map_err(|e| db_error(path, "set its busy timeout", e))?;
        check_identity(&ledger.conn, path)?;
        Ok(ledger)
    }

    /// The schema version of the ledger at `path`, read without changing the file; a file that
    /// is not a ledger, or of a newer version, is refused.
    pub fn version_at(path: &Path) -> Result<i64, Error> {
        let conn = open_untouched(path).map_err(|e| db_error(path, "open it", e))?;
        check_identity(&conn, path)
    }

    /// `--dry-run` on a ledger of an older schema: the ledger at `path` is locked for the run,
    /// copied as it is (`VACUUM INTO`, which reads its WAL too) to `copy`, and the copy migrated;
    /// the ledger itself is never written.
    pub fn open_migrated_copy(path: &Path, copy: &Path) -> Result<Ledger, Error> {
        let what = crate::tr!("err-what-ledger", path = path.display());
        let lock = Lock::acquire(&lock_path(path), &what)?.and_file(path, &what)?;
        {
            let conn = open_untouched(path).map_err(|e| db_error(path, "open it", e))?;
            check_identity(&conn, path)?;
            let target = copy.to_str().ok_or_else(|| {
                Error::Usage(crate::tr!(
                    "err-ledger-copy-path",
                    path = path.display(),
                    copy = copy.display()
                ))
            })?;
            conn.execute("VACUUM INTO ?1", [target])
                .map_err(|e| db_error(path, "copy it for the dry run", e))?;
        }
        let conn = Connection::open_with_flags(
            copy,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| db_error(copy, "open it", e))?;
        let mut ledger = Ledger {
            conn,
            path: copy.to_path_buf(),
            _lock: Some(lock),
            inputs: HashMap::new(),
        };
        ledger.configure()?;
        ledger.migrate(SCHEMA_VERSION)?;
        Ok(ledger)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn configure(&mut self) -> Result<(), Error> {
        let path = self.path.clone();
        let mode: String = self
            .conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(|e| db_error(&path, "switch it to WAL mode", e))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(Error::Usage(crate::tr!(
                "err-ledger-wal",
                path = path.display(),
                mode = mode
            )));
        }
        self.conn
            .execute_batch(
                "PRAGMA synchronous = FULL; PRAGMA foreign_keys = OFF; PRAGMA cache_size = -16384;",
            )
            .map_err(|e| db_error(&path, "configure it", e))?;
        self.conn
            .busy_timeout(std::time::Duration::from_secs(5))
            .map_err(|e| db_error(&path, "set its busy timeout", e))?;
        Ok(())
    }

    /// Takes the schema to `target` (≤ [`SCHEMA_VERSION`]), each migration in its own
    /// transaction. A newer ledger is refused untouched.
    fn migrate(&mut self, target: i64) -> Result<(), Error> {
        let path = self.path.clone();
        let mut version = check_identity(&self.conn, &path)?;
        while version < target {
            let (description, sql) = MIGRATIONS[version as usize];
            let tx = self
                .conn
                .transaction()
                .map_err(|e| db_error(&path, "begin a migration", e))?;
            tx.execute_batch(sql)
                .map_err(|e| db_error(&path, "migrate it to the new schema", e))?;
            tx.execute(
                "INSERT INTO schema_migrations (version, applied_at, description) VALUES (?1, ?2, ?3)",
                params![version + 1, chrono::Utc::now().timestamp(), description],
            )
            .map_err(|e| db_error(&path, "record a migration", e))?;
            tx.execute_batch(&format!(
                "PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {};",
                version + 1
            ))
            .map_err(|e| db_error(&path, "record the schema version", e))?;
            tx.commit()
                .map_err(|e| db_error(&path, "commit a migration", e))?;
            version += 1;
        }
        Ok(())
    }

    /// The partner's id, created on first use (names are lower-cased, as sent to Insider).
    pub fn partner(&mut self, name: &str) -> Result<PartnerId, Error> {
        let name = name.trim().to_lowercase();
        let path = self.path.clone();
        self.conn
            .execute(
                "INSERT INTO partners (name) VALUES (?1) ON CONFLICT (name) DO NOTHING",
                [&name],
            )
            .map_err(|e| db_error(&path, "record the partner", e))?;
        self.conn
            .query_row(
                "SELECT partner_id FROM partners WHERE name = ?1",
                [&name],
                |r| r.get(0),
            )
            .map(PartnerId)
            .map_err(|e| db_error(&path, "read the partner", e))
    }

    /// An existing partner's id (`None` when the ledger has never seen it).
    pub fn find_partner(&self, name: &str) -> Result<Option<PartnerId>, Error> {
        let name = name.trim().to_lowercase();
        self.conn
            .query_row(
                "SELECT partner_id FROM partners WHERE name = ?1",
                [&name],
                |r| r.get(0),
            )
            .optional()
            .map(|o| o.map(PartnerId))
            .map_err(|e| db_error(&self.path, "read the partner", e))
    }

    /// The ledger's keys under `partner` (kept as a counter: no scan).
    pub fn key_count(&self, partner: PartnerId) -> Result<u64, Error> {
        self.conn
            .query_row(
                "SELECT keys FROM partners WHERE partner_id = ?1",
                [partner.0],
                |r| r.get::<_, i64>(0),
            )
            .optional()
            .map(|k| k.unwrap_or(0).max(0) as u64)
            .map_err(|e| db_error(&self.path, "count its keys", e))
    }

    /// Starts a run: its row in `runs`, and one row per input file in `inputs` (`inputs[i]` is the
    /// file that [`Origin::Input`]'s `file: i` refers to).
    pub fn begin_run(
        &mut self,
        partner: PartnerId,
        mode: RunMode,
        inputs: &[String],
        started_at: i64,
    ) -> Result<RunId, Error> {
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction()
            .map_err(|e| db_error(&path, "begin a run", e))?;
        tx.execute(
            "INSERT INTO runs (partner_id, mode, started_at) VALUES (?1, ?2, ?3)",
            params![partner.0, mode.as_str(), started_at],
        )
        .map_err(|e| db_error(&path, "record the run", e))?;
        let run = tx.last_insert_rowid();
        let mut ids = Vec::with_capacity(inputs.len());
        for (position, input) in inputs.iter().enumerate() {
            tx.execute(
                "INSERT INTO inputs (run_id, position, path) VALUES (?1, ?2, ?3)",
                params![run, position as i64, input],
            )
            .map_err(|e| db_error(&path, "record the run's inputs", e))?;
            ids.push(((run, position), tx.last_insert_rowid()));
        }
        tx.commit()
            .map_err(|e| db_error(&path, "commit the run", e))?;
        self.inputs.extend(ids);
        Ok(RunId(run))
    }

    /// Ends a run: its finish time, status (`ok`, `refused`, `interrupted`, `guard`, …) and the
    /// `sync` counts.
    pub fn finish_run(
        &mut self,
        run: RunId,
        finished_at: i64,
        status: &str,
        counts: &SyncCounts,
    ) -> Result<(), Error> {
        let counts = serde_json::to_string(counts).unwrap_or_default();
        self.conn
            .execute(
                "UPDATE runs SET finished_at = ?2, status = ?3, counts = ?4 WHERE run_id = ?1",
                params![run.0, finished_at, status, counts],
            )
            .map(|_| ())
            .map_err(|e| db_error(&self.path, "record the end of the run", e))
    }

    /// Records one acknowledged request: for every action, the step `endpoint` carries is done;
    /// the key's row takes the action's word (creating the row on a key's first acknowledgement),
    /// its remaining steps stay pending, and one audit row is appended. All in ONE transaction,
    /// with the request's row: an error (or a crash) part-way records nothing of the request.
    pub fn record_ack(
        &mut self,
        partner: PartnerId,
        run: RunId,
        endpoint: Endpoint,
        actions: &[&Action],
        sent_at: i64,
    ) -> Result<(), Error> {
        let path = self.path.clone();
        let inputs = &self.inputs;
        let tx = self
            .conn
            .transaction()
            .map_err(|e| write_error(&path, "begin recording an acknowledgement", e))?;
        let request = insert_request(&tx, run, endpoint, actions.len(), sent_at)
            .map_err(|e| write_error(&path, "record the request", e))?;
        for action in actions {
            let step = match endpoint.step() {
                Some((step, channel)) => {
                    if channel.is_some_and(|c| c != action.channel) || !action.steps.contains(step)
                    {
                        return Err(Error::Usage(format!(
                            "internal error: {} acknowledged for a {} record whose plan is {}; nothing of this request was recorded",
                            endpoint.as_str(),
                            action.channel.as_str(),
                            action.steps.describe()
                        )));
                    }
                    Some(step)
                }
                None => None,
            };
            acknowledge(&tx, inputs, partner, run, request, action, step, sent_at)
                .map_err(|e| write_error(&path, "record an acknowledgement", e))?;
        }
        tx.commit()
            .map_err(|e| write_error(&path, "commit an acknowledgement", e))
    }

    /// Records that Insider refused `endpoint`'s step for these actions (with its message): the
    /// change stays pending, marked refused, and is planned again by the next run. The
    /// acknowledged word is unchanged.
    pub fn record_refused(
        &mut self,
        partner: PartnerId,
        run: RunId,
        endpoint: Endpoint,
        refused: &[(&Action, &str)],
    ) -> Result<(), Error> {
        let path = self.path.clone();
        let inputs = &self.inputs;
        let tx = self
            .conn
            .transaction()
            .map_err(|e| write_error(&path, "begin recording a refusal", e))?;
        for (action, message) in refused {
            let message = format!("{}: {message}", endpoint.as_str());
            mark_pending(&tx, inputs, partner, run, action, Some(&message))
                .map_err(|e| write_error(&path, "record a refusal", e))?;
        }
        tx.commit()
            .map_err(|e| write_error(&path, "commit a refusal", e))
    }

    /// `--baseline`: records the plan's words as acknowledged without sending anything (one
    /// audit row per key, endpoint `baseline`), and the later consent times of unchanged keys.
    /// Stale records change nothing; pending changes of keys the inputs do not mention stay.
    /// Written in batches ([`Baseline`]); returns the keys recorded. `plan` is taken as it is:
    /// plan it with a sink that [leaves pending changes](Sink::leaves_pending) alone, as the
    /// streamed baseline does, so that a key Insider refused is not recorded as acknowledged.
    pub fn baseline(
        &mut self,
        partner: PartnerId,
        run: RunId,
        plan: &Plan,
        at: i64,
    ) -> Result<u64, Error> {
        let mut baseline = Baseline::new(self, partner, run, at);
        for action in &plan.actions {
            baseline.action(action.clone())?;
        }
        for update in &plan.updates {
            baseline.update(update.clone())?;
        }
        baseline.finish()
    }

    /// Before the first request of a run: records every planned change as pending
    /// (unacknowledged; the acknowledged words are untouched) and the plan's ledger-only
    /// updates, in one transaction. A run stopped before its changes are acknowledged thus
    /// leaves them pending, and the next run plans them again even when its inputs no longer
    /// mention the keys. Never call it under `--dry-run`, or when the guard stopped the run.
    pub fn begin_sending(
        &mut self,
        partner: PartnerId,
        run: RunId,
        plan: &Plan,
    ) -> Result<(), Error> {
        let updates = plan.updates.iter().cloned().map(Change::Update);
        let actions = plan.actions.iter().cloned().map(Change::Action);
        self.begin_sending_from(partner, run, &mut updates.chain(actions).map(Ok))
    }

    /// [`Ledger::begin_sending`] for a plan read as it goes (the spool of a large plan): every
    /// change `changes` yields, in one transaction. An error of `changes` records nothing.
    pub fn begin_sending_from(
        &mut self,
        partner: PartnerId,
        run: RunId,
        changes: &mut dyn Iterator<Item = Result<Change, Error>>,
    ) -> Result<(), Error> {
        let path = self.path.clone();
        let inputs = &self.inputs;
        let tx = self
            .conn
            .transaction()
            .map_err(|e| db_error(&path, "begin recording the plan", e))?;
        for change in changes {
            match change? {
                Change::Update(u) => apply_updates_in(&tx, partner, std::slice::from_ref(&u))
                    .map_err(|e| db_error(&path, "update consent times", e))?,
                Change::Action(a) => mark_pending(&tx, inputs, partner, run, &a, None)
                    .map_err(|e| db_error(&path, "record the plan", e))?,
            }
        }
        tx.commit()
            .map_err(|e| db_error(&path, "commit the plan", e))
    }

    /// Records the plan's ledger-only updates (a later consent time for the same permission,
    /// pending changes superseded by the input's word): nothing is sent for them. One
    /// transaction; call it once the run is going to send (never under `--dry-run`).
    pub fn apply_updates(&mut self, partner: PartnerId, plan: &Plan) -> Result<(), Error> {
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction()
            .map_err(|e| db_error(&path, "begin the ledger updates", e))?;
        apply_updates_in(&tx, partner, &plan.updates)
            .map_err(|e| db_error(&path, "update consent times", e))?;
        tx.commit()
            .map_err(|e| db_error(&path, "commit the ledger updates", e))
    }

    /// Of the plan's resubscribes, those whose upsert Insider has acknowledged (the ledger no
    /// longer lists it as pending for the same word): only these may be sent (SPEC §11: nobody
    /// is resubscribed before Insider has their consent).
    pub fn ready_to_resubscribe<'p>(
        &self,
        partner: PartnerId,
        plan: &'p Plan,
    ) -> Result<Vec<&'p Action>, Error> {
        let mut ready = Vec::new();
        for action in plan.resubscribes() {
            if self.is_ready_to_resubscribe(partner, action)? {
                ready.push(action);
            }
        }
        Ok(ready)
    }

    /// Whether `action`'s resubscribe may be sent: it has one, and the ledger holds its upsert
    /// (`true`) as acknowledged, the resubscribe still pending for the same word.
    pub fn is_ready_to_resubscribe(
        &self,
        partner: PartnerId,
        action: &Action,
    ) -> Result<bool, Error> {
        if action.permission != Permission::Onay || !action.steps.contains(Step::Resubscribe) {
            return Ok(false);
        }
        let state = self.state(partner, action.channel, &action.recipient)?;
        Ok(state.is_some_and(|s| {
            s.permission == Some(Permission::Onay)
                && s.pending.as_ref().is_some_and(|p| {
                    p.permission == Permission::Onay
                        && p.consent_at == action.consent_at
                        && p.steps.contains(Step::Resubscribe)
                        && !p.steps.contains(Step::Upsert)
                })
        }))
    }

    /// A key's row, if the ledger has one.
    pub fn state(
        &self,
        partner: PartnerId,
        channel: Channel,
        recipient: &str,
    ) -> Result<Option<KeyState>, Error> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {STATE_COLUMNS} FROM consents WHERE partner_id = ?1 AND channel = ?2 AND recipient = ?3"
            ))
            .map_err(|e| db_error(&self.path, "read a key", e))?;
        stmt.query_row(
            params![partner.0, channel_code(channel), recipient],
            key_state,
        )
        .optional()
        .map_err(|e| db_error(&self.path, "read a key", e))
    }

    /// The ledger's own connection, to read it in key order ([`Reading::in_order`]).
    pub fn reading(&self) -> Reading<'_> {
        Reading {
            conn: &self.conn,
            path: &self.path,
        }
    }

    /// A second connection to the same ledger, for reading it (in one read transaction, a
    /// snapshot: WAL readers see the ledger as it was when they began) while this handle writes,
    /// as `--baseline` does when it records keys as the plan goes.
    pub fn read_connection(&self) -> Result<ReadConnection, Error> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| db_error(&self.path, "open it for reading", e))?;
        conn.execute_batch("PRAGMA cache_size = -16384;")
            .map_err(|e| db_error(&self.path, "configure it", e))?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(|e| db_error(&self.path, "set its busy timeout", e))?;
        Ok(ReadConnection {
            conn,
            path: self.path.clone(),
        })
    }

    /// The partners the ledger knows, by name.
    pub fn partners(&self) -> Result<Vec<(PartnerId, String)>, Error> {
        let err = |e| db_error(&self.path, "read the partners", e);
        let mut stmt = self
            .conn
            .prepare("SELECT partner_id, name FROM partners ORDER BY name")
            .map_err(err)?;
        let rows = stmt
            .query_map([], |r| Ok((PartnerId(r.get(0)?), r.get(1)?)))
            .map_err(err)?;
        rows.collect::<Result<_, _>>().map_err(err)
    }

    /// `iysync ledger show`: the row and the audit history of a key, under every partner that
    /// has it (or only `partner`).
    pub fn show(
        &self,
        partner: Option<PartnerId>,
        channel: Channel,
        recipient: &str,
    ) -> Result<Vec<RecipientReport>, Error> {
        let err = |e| db_error(&self.path, "read a key's history", e);
        let mut out = Vec::new();
        for (id, name) in self.partners()? {
            if partner.is_some_and(|p| p != id) {
                continue;
            }
            let Some(state) = self.state(id, channel, recipient)? else {
                continue;
            };
            let mut stmt = self
                .conn
                .prepare_cached(
                    "SELECT a.permission, a.consent_at, r.endpoint_id, r.sent_at, i.path, a.line, r.run_id
                     FROM audit a JOIN requests r ON r.request_id = a.request_id
                     LEFT JOIN inputs i ON i.input_id = a.input_id
                     WHERE a.key_id = ?1 ORDER BY a.request_id",
                )
                .map_err(err)?;
            let history = stmt
                .query_map([state.key_id], |r| {
                    Ok(HistoryEntry {
                        permission: permission_of_code(r.get(0)?).map_or("?", Permission::as_str),
                        consent_at: r.get(1)?,
                        endpoint: Endpoint::of_id(r.get(2)?).map_or("?", Endpoint::as_str),
                        sent_at: r.get(3)?,
                        input: r.get(4)?,
                        line: r.get(5)?,
                        run_id: r.get(6)?,
                    })
                })
                .map_err(err)?
                .collect::<Result<Vec<_>, _>>()
                .map_err(err)?;
            out.push(RecipientReport {
                partner: name,
                channel,
                recipient: recipient.to_string(),
                state,
                history,
            });
        }
        Ok(out)
    }

    /// `iysync ledger stats`, one entry per partner.
    pub fn stats(&self) -> Result<Vec<Stats>, Error> {
        let err = |e| db_error(&self.path, "count its keys", e);
        let mut out = Vec::new();
        for (id, name) in self.partners()? {
            let mut stats = Stats {
                partner: name,
                keys: self.key_count(id)?,
                email: PermissionCounts::default(),
                sms: PermissionCounts::default(),
                pending: 0,
                refused: 0,
                last_run: None,
            };
            let mut stmt = self
                .conn
                .prepare_cached(
                    "SELECT channel, permission, count(*) FROM consents WHERE partner_id = ?1 GROUP BY channel, permission",
                )
                .map_err(err)?;
            let mut rows = stmt.query([id.0]).map_err(err)?;
            while let Some(row) = rows.next().map_err(err)? {
                let counts = match channel_of_code(row.get(0).map_err(err)?) {
                    Some(Channel::Email) => &mut stats.email,
                    Some(Channel::Sms) => &mut stats.sms,
                    None => continue,
                };
                let n = row.get::<_, i64>(2).map_err(err)?.max(0) as u64;
                match row
                    .get::<_, Option<i64>>(1)
                    .map_err(err)?
                    .and_then(permission_of_code)
                {
                    Some(Permission::Onay) => counts.onay += n,
                    Some(Permission::Ret) => counts.ret += n,
                    None => counts.none += n,
                }
            }
            drop(rows);
            let (pending, refused): (i64, i64) = self
                .conn
                .query_row(
                    "SELECT count(*), count(pending_refused) FROM consents INDEXED BY consents_pending WHERE partner_id = ?1 AND pending_steps IS NOT NULL",
                    [id.0],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .map_err(err)?;
            stats.pending = pending.max(0) as u64;
            stats.refused = refused.max(0) as u64;
            stats.last_run = self
                .conn
                .query_row(
                    "SELECT run_id, mode, started_at, finished_at, status, counts FROM runs WHERE partner_id = ?1 ORDER BY run_id DESC LIMIT 1",
                    [id.0],
                    |r| {
                        let counts: Option<String> = r.get(5)?;
                        Ok(RunSummary {
                            run_id: r.get(0)?,
                            mode: r.get(1)?,
                            started_at: r.get(2)?,
                            finished_at: r.get(3)?,
                            status: r.get(4)?,
                            counts: counts.and_then(|c| serde_json::from_str(&c).ok()),
                        })
                    },
                )
                .optional()
                .map_err(err)?;
            out.push(stats);
        }
        Ok(out)
    }

    /// The schema version of the open ledger.
    pub fn schema_version(&self) -> Result<i64, Error> {
        self.conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| db_error(&self.path, "read its schema version", e))
    }

    /// The connection, for tests and tools that inspect the tables.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// Opens a ledger at an older schema `version`, for the migration tests.
    #[doc(hidden)]
    pub fn create_at_version(path: &Path, version: i64) -> Result<Ledger, Error> {
        let lock = Lock::acquire(&lock_path(path), "the ledger")?;
        create_private_file(path)?;
        let conn = Connection::open(path).map_err(|e| db_error(path, "open it", e))?;
        let mut ledger = Ledger {
            conn,
            path: path.to_path_buf(),
            _lock: Some(lock),
            inputs: HashMap::new(),
        };
        ledger.configure()?;
        ledger.migrate(version.min(SCHEMA_VERSION))?;
        Ok(ledger)
    }
}

/// Opens the ledger at `path` to read it without creating or changing any file: a read-only
/// connection to a WAL database would leave `-wal` and `-shm` files beside it, so when there is no
/// `-wal` (everything is in the main file) it is opened `immutable`; otherwise read-only (its
/// `-wal` holds committed changes that must be read, and the files are there already).
fn open_untouched(path: &Path) -> rusqlite::Result<Connection> {
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    match path.to_str() {
        Some(text) if !Path::new(&wal).exists() => {
            let mut uri = String::from("file:");
            for c in text.chars() {
                match c {
                    '%' => uri.push_str("%25"),
                    '?' => uri.push_str("%3f"),
                    '#' => uri.push_str("%23"),
                    c => uri.push(c),
                }
            }
            uri.push_str("?immutable=1");
            Connection::open_with_flags(uri, flags | OpenFlags::SQLITE_OPEN_URI)
        }
        _ => Connection::open_with_flags(path, flags),
    }
}

/// Keys a `--baseline` records in one transaction (one `requests` row each).
pub const BASELINE_BATCH: usize = 10_000;

/// `--baseline` as the plan goes ([`Sink`]): the actions of the inputs' keys are recorded as
/// acknowledged, and the ledger-only updates applied, [`BASELINE_BATCH`] keys a transaction,
/// so that memory holds one batch, never the whole plan. A run killed part-way leaves whole
/// batches, each a key's input word acknowledged; a rerun finds those keys unchanged and
/// records the rest. Pending changes of earlier runs are not recorded (nothing was sent).
pub struct Baseline<'l> {
    ledger: &'l mut Ledger,
    partner: PartnerId,
    run: RunId,
    at: i64,
    actions: Vec<Action>,
    updates: Vec<Update>,
    recorded: u64,
    batch: usize,
}

impl<'l> Baseline<'l> {
    pub fn new(ledger: &'l mut Ledger, partner: PartnerId, run: RunId, at: i64) -> Baseline<'l> {
        Baseline::with_batch(ledger, partner, run, at, BASELINE_BATCH)
    }

    /// With `batch` keys a transaction (tests).
    pub fn with_batch(
        ledger: &'l mut Ledger,
        partner: PartnerId,
        run: RunId,
        at: i64,
        batch: usize,
    ) -> Baseline<'l> {
        Baseline {
            ledger,
            partner,
            run,
            at,
            actions: Vec::new(),
            updates: Vec::new(),
            recorded: 0,
            batch: batch.max(1),
        }
    }

    /// Keys recorded so far (committed).
    pub fn recorded(&self) -> u64 {
        self.recorded
    }

    /// Commits what is gathered, in one transaction.
    fn flush(&mut self) -> Result<(), Error> {
        if self.actions.is_empty() && self.updates.is_empty() {
            return Ok(());
        }
        let path = self.ledger.path.clone();
        let inputs = &self.ledger.inputs;
        let tx = self
            .ledger
            .conn
            .transaction()
            .map_err(|e| db_error(&path, "begin the baseline", e))?;
        if !self.actions.is_empty() {
            let request = insert_request(
                &tx,
                self.run,
                Endpoint::Baseline,
                self.actions.len(),
                self.at,
            )
            .map_err(|e| db_error(&path, "record the baseline", e))?;
            for action in &self.actions {
                acknowledge(
                    &tx,
                    inputs,
                    self.partner,
                    self.run,
                    request,
                    action,
                    None,
                    self.at,
                )
                .map_err(|e| db_error(&path, "record the baseline", e))?;
            }
        }
        apply_updates_in(&tx, self.partner, &self.updates)
            .map_err(|e| db_error(&path, "record the baseline", e))?;
        tx.commit()
            .map_err(|e| db_error(&path, "commit the baseline", e))?;
        self.recorded += self.actions.len() as u64;
        self.actions.clear();
        self.updates.clear();
        Ok(())
    }

    fn maybe_flush(&mut self) -> Result<(), Error> {
        if self.actions.len() + self.updates.len() >= self.batch {
            self.flush()?;
            // Between two transactions: a Ctrl-C stops here with whole batches recorded.
            crate::signals::check()?;
        }
        Ok(())
    }

    /// Commits the last batch; returns the keys recorded.
    pub fn finish(mut self) -> Result<u64, Error> {
        self.flush()?;
        Ok(self.recorded)
    }
}

impl Sink for Baseline<'_> {
    fn leaves_pending(&self) -> bool {
        true
    }

    fn action(&mut self, action: Action) -> Result<Option<Action>, Error> {
        // Only the inputs' words are recorded: an earlier run's pending change was never sent.
        if matches!(action.origin, Origin::Input { .. }) {
            self.actions.push(action);
            self.maybe_flush()?;
        }
        Ok(None)
    }

    fn update(&mut self, update: Update) -> Result<Option<Update>, Error> {
        self.updates.push(update);
        self.maybe_flush()?;
        Ok(None)
    }
}

/// A second connection to a ledger, only read ([`Ledger::read_connection`]).
pub struct ReadConnection {
    conn: Connection,
    path: PathBuf,
}

impl ReadConnection {
    pub fn reading(&self) -> Reading<'_> {
        Reading {
            conn: &self.conn,
            path: &self.path,
        }
    }
}

/// A connection to read a ledger through.
#[derive(Clone, Copy)]
pub struct Reading<'c> {
    conn: &'c Connection,
    path: &'c Path,
}

/// How many more ledger keys than input keys make one lookup per key cheaper than a scan.
pub const SEEK_RATIO: u64 = 16;

impl<'c> Reading<'c> {
    /// The ledger's keys under `partner` (kept as a counter: no scan).
    pub fn key_count(&self, partner: PartnerId) -> Result<u64, Error> {
        self.conn
            .query_row(
                "SELECT keys FROM partners WHERE partner_id = ?1",
                [partner.0],
                |r| r.get::<_, i64>(0),
            )
            .optional()
            .map(|k| k.unwrap_or(0).max(0) as u64)
            .map_err(|e| db_error(self.path, "count its keys", e))
    }

    /// Calls `f` with a cursor over the partner's rows in key order (channel, then recipient
    /// bytes), all in one read transaction. `seek: false`: every row of the partner (a merge
    /// join reads them all); `seek: true`: only the rows with a pending change, and
    /// [`Cursor::lookup`] finds any other key by its primary key (for a small delta of a large
    /// ledger).
    pub fn in_order<T>(
        &self,
        partner: PartnerId,
        seek: bool,
        f: impl FnOnce(&mut Cursor<'_, '_>) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let path = self.path;
        let err = |e| db_error(path, "read the ledger", e);
        self.conn.execute_batch("BEGIN").map_err(err)?;
        let result = (|| {
            let sql = if seek {
                format!(
                    "SELECT channel, recipient, {STATE_COLUMNS} FROM consents INDEXED BY consents_pending WHERE partner_id = ?1 AND pending_steps IS NOT NULL ORDER BY channel, recipient"
                )
            } else {
                format!(
                    "SELECT channel, recipient, {STATE_COLUMNS} FROM consents WHERE partner_id = ?1 ORDER BY channel, recipient"
                )
            };
            let mut stmt = self.conn.prepare_cached(&sql).map_err(err)?;
            let mut lookup = match seek {
                true => Some(
                    self.conn
                        .prepare_cached(&format!(
                            "SELECT {STATE_COLUMNS} FROM consents WHERE partner_id = ?1 AND channel = ?2 AND recipient = ?3"
                        ))
                        .map_err(err)?,
                ),
                false => None,
            };
            let rows = stmt.query([partner.0]).map_err(err)?;
            let mut cursor = Cursor {
                rows,
                lookup: lookup.as_mut(),
                partner,
                path,
            };
            f(&mut cursor)
        })();
        let end = self.conn.execute_batch("COMMIT").map_err(err);
        let value = result?;
        end?;
        Ok(value)
    }
}

/// The partner's ledger rows in key order ([`Reading::in_order`]).
pub struct Cursor<'s, 'c> {
    rows: rusqlite::Rows<'s>,
    lookup: Option<&'s mut rusqlite::CachedStatement<'c>>,
    partner: PartnerId,
    path: &'c Path,
}

impl Cursor<'_, '_> {
    /// The next row: its channel and state, its recipient's bytes in `recipient`.
    pub fn next(&mut self, recipient: &mut Vec<u8>) -> Result<Option<(Channel, KeyState)>, Error> {
        let path = self.path;
        let err = |e| db_error(path, "read the ledger", e);
        while let Some(row) = self.rows.next().map_err(err)? {
            let Some(channel) = channel_of_code(row.get(0).map_err(err)?) else {
                continue;
            };
            let bytes = row
                .get_ref(1)
                .and_then(|v| v.as_bytes().map_err(rusqlite::Error::from))
                .map_err(err)?;
            recipient.clear();
            recipient.extend_from_slice(bytes);
            return Ok(Some((channel, key_state_at(row, 2).map_err(err)?)));
        }
        Ok(None)
    }

    /// Whether the cursor only walks the pending rows, other keys being looked up.
    pub fn seeks(&self) -> bool {
        self.lookup.is_some()
    }

    /// A key's row by its primary key (seek mode; `None` in scan mode, where every row comes
    /// through [`Cursor::next`]).
    pub fn lookup(&mut self, channel: Channel, recipient: &str) -> Result<Option<KeyState>, Error> {
        let path = self.path;
        let partner = self.partner;
        match self.lookup.as_mut() {
            Some(stmt) => stmt
                .query_row(
                    params![partner.0, channel_code(channel), recipient],
                    key_state,
                )
                .optional()
                .map_err(|e| db_error(path, "read a key", e)),
            None => Ok(None),
        }
    }
}

const STATE_COLUMNS: &str = "key_id, permission, consent_at, sent_at, pending_permission, pending_consent_at, pending_steps, pending_refused, pending_input, pending_line";

fn key_state(row: &rusqlite::Row<'_>) -> rusqlite::Result<KeyState> {
    key_state_at(row, 0)
}

fn key_state_at(row: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<KeyState> {
    let pending_permission: Option<i64> = row.get(at + 4)?;
    let pending_consent_at: Option<i64> = row.get(at + 5)?;
    let pending_steps: Option<i64> = row.get(at + 6)?;
    let pending = match (
        pending_permission.and_then(permission_of_code),
        pending_consent_at,
        pending_steps,
    ) {
        (Some(permission), Some(consent_at), Some(steps)) if steps & 7 != 0 => Some(PendingState {
            permission,
            consent_at,
            steps: Steps((steps & 7) as u8),
            refused: row.get(at + 7)?,
            input_id: row.get(at + 8)?,
            line: row.get(at + 9)?,
        }),
        _ => None,
    };
    Ok(KeyState {
        key_id: row.get(at)?,
        permission: row
            .get::<_, Option<i64>>(at + 1)?
            .and_then(permission_of_code),
        consent_at: row.get(at + 2)?,
        sent_at: row.get(at + 3)?,
        pending,
    })
}

/// Reads the schema version, refusing a file that is not an iysync ledger or is newer.
fn check_identity(conn: &Connection, path: &Path) -> Result<i64, Error> {
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| db_error(path, "read its schema version", e))?;
    let app: i64 = conn
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .map_err(|e| db_error(path, "read its application id", e))?;
    let tables: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))
        .map_err(|e| db_error(path, "read its tables", e))?;
    if (app != APPLICATION_ID && (version != 0 || tables != 0)) || (app == 0 && tables != 0) {
        return Err(Error::Usage(crate::tr!(
            "err-ledger-not-ours",
            path = path.display()
        )));
    }
    if version > SCHEMA_VERSION {
        return Err(Error::Usage(crate::tr!(
            "err-ledger-newer",
            path = path.display(),
            version = version,
            known = SCHEMA_VERSION
        )));
    }
    Ok(version)
}

/// Creates the ledger file `0600` when missing (SQLite would create it with the umask's mode);
/// refuses a symlink at its path (SPEC §9). Its `-wal` and `-shm` files take its mode.
fn create_private_file(path: &Path) -> Result<(), Error> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            return Err(Error::Usage(crate::tr!(
                "err-ledger-symlink",
                path = path.display()
            )));
        }
        Ok(_) => return Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            return Err(Error::io(
                crate::tr!("err-ledger-read", path = path.display()),
                e,
            ));
        }
    }
    let mut opts = OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    match opts.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(Error::io(
            crate::tr!("err-ledger-create", path = path.display()),
            e,
        )),
    }
}

fn insert_request(
    tx: &Transaction<'_>,
    run: RunId,
    endpoint: Endpoint,
    records: usize,
    sent_at: i64,
) -> rusqlite::Result<i64> {
    tx.prepare_cached(
        "INSERT INTO requests (run_id, endpoint_id, sent_at, records) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![run.0, endpoint.id(), sent_at, records as i64])?;
    Ok(tx.last_insert_rowid())
}

fn current(
    tx: &Transaction<'_>,
    partner: PartnerId,
    action: &Action,
) -> rusqlite::Result<Option<KeyState>> {
    tx.prepare_cached(&format!(
        "SELECT {STATE_COLUMNS} FROM consents WHERE partner_id = ?1 AND channel = ?2 AND recipient = ?3"
    ))?
    .query_row(
        params![
            partner.0,
            channel_code(action.channel),
            action.recipient.as_str()
        ],
        key_state,
    )
    .optional()
}

fn new_key_id(tx: &Transaction<'_>) -> rusqlite::Result<i64> {
    // Read, then bumped (not `UPDATE … RETURNING`: SQLite gathers RETURNING rows in a temporary
    // table, whose page cache is allocated and freed on every call, at a high system-time cost
    // for a baseline of millions of keys).
    let id: i64 = tx
        .prepare_cached("SELECT value FROM meta WHERE name = 'next_key_id'")?
        .query_row([], |r| r.get(0))?;
    tx.prepare_cached("UPDATE meta SET value = value + 1 WHERE name = 'next_key_id'")?
        .execute([])?;
    Ok(id)
}

fn origin_ids(
    inputs: &HashMap<(i64, usize), i64>,
    run: RunId,
    origin: &Origin,
) -> (Option<i64>, Option<i64>) {
    match origin {
        Origin::Input { file, line } => (
            inputs.get(&(run.0, *file)).copied(),
            Some(i64::try_from(*line).unwrap_or(i64::MAX)),
        ),
        Origin::Earlier { input_id, line } => (*input_id, *line),
    }
}

/// One action's acknowledgement of `step` (`None`: every step, the baseline).
#[allow(clippy::too_many_arguments)]
fn acknowledge(
    tx: &Transaction<'_>,
    inputs: &HashMap<(i64, usize), i64>,
    partner: PartnerId,
    run: RunId,
    request: i64,
    action: &Action,
    step: Option<Step>,
    sent_at: i64,
) -> rusqlite::Result<()> {
    let state = current(tx, partner, action)?;
    // The steps still to send for this word: those recorded for it, or the action's own.
    let steps = match state.as_ref().and_then(|s| s.pending.as_ref()) {
        Some(p) if p.permission == action.permission && p.consent_at == action.consent_at => {
            p.steps
        }
        _ => action.steps,
    };
    let left = match step {
        Some(step) => steps.without(step),
        None => Steps::NONE,
    };
    let (input_id, line) = origin_ids(inputs, run, &action.origin);
    let key_id = match &state {
        Some(s) => s.key_id,
        None => new_key_id(tx)?,
    };
    // `partners.keys` counts the keys Insider has acknowledged a word for (the guard's base): a
    // key counts from its first acknowledgement, not from its first attempt.
    if state.as_ref().is_none_or(|s| s.permission.is_none()) {
        tx.prepare_cached("UPDATE partners SET keys = keys + 1 WHERE partner_id = ?1")?
            .execute([partner.0])?;
    }
    let permission = permission_code(action.permission);
    let (pending_permission, pending_at, pending_steps, pending_input, pending_line) =
        if left.is_empty() {
            (None, None, None, None, None)
        } else {
            (
                Some(permission),
                Some(action.consent_at),
                Some(i64::from(left.0)),
                input_id,
                line,
            )
        };
    tx.prepare_cached(
        "INSERT INTO consents (partner_id, channel, recipient, key_id, permission, consent_at, sent_at,
             pending_permission, pending_consent_at, pending_steps, pending_refused, pending_input, pending_line)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, NULL, ?11, ?12)
         ON CONFLICT (partner_id, channel, recipient) DO UPDATE SET
             permission = excluded.permission, consent_at = excluded.consent_at, sent_at = excluded.sent_at,
             pending_permission = excluded.pending_permission, pending_consent_at = excluded.pending_consent_at,
             pending_steps = excluded.pending_steps,
             pending_refused = CASE WHEN excluded.pending_steps IS NULL THEN NULL ELSE consents.pending_refused END,
             pending_input = excluded.pending_input, pending_line = excluded.pending_line",
    )?
    .execute(params![
        partner.0,
        channel_code(action.channel),
        action.recipient.as_str(),
        key_id,
        permission,
        action.consent_at,
        sent_at,
        pending_permission,
        pending_at,
        pending_steps,
        pending_input,
        pending_line
    ])?;
    tx.prepare_cached(
        "INSERT INTO audit (key_id, request_id, permission, consent_at, input_id, line)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (key_id, request_id) DO NOTHING",
    )?
    .execute(params![
        key_id,
        request,
        permission,
        action.consent_at,
        input_id,
        line
    ])?;
    Ok(())
}

/// Marks an action's change as pending (refused with `message`, or merely unacknowledged),
/// keeping the steps already acknowledged for the same word.
fn mark_pending(
    tx: &Transaction<'_>,
    inputs: &HashMap<(i64, usize), i64>,
    partner: PartnerId,
    run: RunId,
    action: &Action,
    message: Option<&str>,
) -> rusqlite::Result<()> {
    let state = current(tx, partner, action)?;
    let same_word = state
        .as_ref()
        .and_then(|s| s.pending.as_ref())
        .filter(|p| p.permission == action.permission && p.consent_at == action.consent_at);
    let steps = same_word.map_or(action.steps, |p| p.steps);
    // A change planned for sending again is a new attempt: an earlier refusal says nothing of its
    // outcome (a timeout after Insider applied it, a kill), so the mark is not carried over (only
    // `record_refused` sets it, for this attempt). The planner drops a pending change only when it
    // was refused, so a stale mark could drop a change Insider may hold.
    let (input_id, line) = origin_ids(inputs, run, &action.origin);
    let key_id = match &state {
        Some(s) => s.key_id,
        None => new_key_id(tx)?,
    };
    tx.prepare_cached(
        "INSERT INTO consents (partner_id, channel, recipient, key_id, permission, consent_at, sent_at,
             pending_permission, pending_consent_at, pending_steps, pending_refused, pending_input, pending_line)
         VALUES (?1, ?2, ?3, ?4, NULL, NULL, NULL, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (partner_id, channel, recipient) DO UPDATE SET
             pending_permission = excluded.pending_permission, pending_consent_at = excluded.pending_consent_at,
             pending_steps = excluded.pending_steps, pending_refused = excluded.pending_refused,
             pending_input = excluded.pending_input, pending_line = excluded.pending_line",
    )?
    .execute(params![
        partner.0,
        channel_code(action.channel),
        action.recipient.as_str(),
        key_id,
        permission_code(action.permission),
        action.consent_at,
        i64::from(steps.0),
        message,
        input_id,
        line
    ])?;
    Ok(())
}

fn apply_updates_in(
    tx: &Transaction<'_>,
    partner: PartnerId,
    updates: &[Update],
) -> rusqlite::Result<()> {
    let mut later = tx.prepare_cached(
        "UPDATE consents SET consent_at = ?4 WHERE partner_id = ?1 AND channel = ?2 AND recipient = ?3 AND consent_at < ?4",
    )?;
    let mut clear = tx.prepare_cached(
        "UPDATE consents SET pending_permission = NULL, pending_consent_at = NULL, pending_steps = NULL,
             pending_refused = NULL, pending_input = NULL, pending_line = NULL
         WHERE partner_id = ?1 AND channel = ?2 AND recipient = ?3",
    )?;
    for update in updates {
        let key = params![
            partner.0,
            channel_code(update.channel),
            update.recipient.as_str(),
            update.consent_at
        ];
        if update.clear_pending {
            clear.execute(params![
                partner.0,
                channel_code(update.channel),
                update.recipient.as_str()
            ])?;
        }
        later.execute(key)?;
    }
    Ok(())
}
