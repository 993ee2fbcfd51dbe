//! An upload session: the resolved records of one or more commands turned into request bodies
//! ([`Planner`]), sent to a [`Destination`] (there is none under `--dry-run`) or written out, with
//! every acknowledged request handed to the [`Acknowledge`] hooks (the resume journal; a ledger
//! can be another) before it counts as done, and what was acknowledged in an earlier run
//! ([`Resume`]) skipped.
//!
//! A session is driven command by command: [`Session::send`] sends the records of one [`Kind`]
//! (`iysync sync` can send every unsubscribe, then the upserts, then the resubscribes through one
//! session); sequence numbers go on across calls, and the counters add up.
//!
//! Unlike the client, the limiter and the journal, this module knows records and reports: it is
//! the bridge between them and the rest of iysync.

use std::cell::Cell;
use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, sync_channel};
use std::time::Duration;

use xxhash_rust::xxh3::Xxh3;

use crate::error::Error;
use crate::i18n::Arg;
use crate::input::Source;
use crate::insider::client::{
    CancelToken, ClientConfig, DEFAULT_BACKOFF_BASE, DEFAULT_BACKOFF_CAP, DEFAULT_DRAIN, Endpoint,
    Event, Request, RequestResult, Secret, UploadError, upload,
};
use crate::insider::journal::{self, Journal, Key as JournalKey, Opened, normalize_url};
use crate::lock::Lock;
use crate::output::insider::{Batcher, Body, UpsertOptions, contact_item, upsert_user};
use crate::output::netmera;
use crate::output::writers::BodyFilesByName;
use crate::printer::Printer;
use crate::privacy::scrub_recipients;
use crate::record::{Channel, Code, Field, Permission, Problem, Record};
use crate::report::Upload;
use crate::report::progress::Progress;
use crate::resolve::Pos;

/// Which upload command runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Upsert,
    Unsubscribe,
    Resubscribe,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Upsert => "upsert",
            Kind::Unsubscribe => "unsubscribe",
            Kind::Resubscribe => "resubscribe",
        }
    }

    /// The environment variable holding the command's token.
    pub fn token_env(self) -> &'static str {
        match self {
            Kind::Upsert => "INSIDER_UCD_TOKEN",
            Kind::Unsubscribe => "INSIDER_UNSUBSCRIBE_TOKEN",
            Kind::Resubscribe => "INSIDER_RESUBSCRIBE_TOKEN",
        }
    }

    /// The endpoint a record goes to, or `None` when the command does not apply to it (ONAY rows
    /// in `unsubscribe`, RET rows in `resubscribe`). Consent safety lives here: only a resolved
    /// ONAY is ever resubscribed.
    pub fn endpoint(self, r: &Record) -> Option<Endpoint> {
        match (self, r.permission, r.channel) {
            (Kind::Upsert, _, _) => Some(Endpoint::Upsert),
            (Kind::Unsubscribe, Permission::Ret, Channel::Email) => {
                Some(Endpoint::EmailUnsubscribe)
            }
            (Kind::Unsubscribe, Permission::Ret, Channel::Sms) => Some(Endpoint::SmsUnsubscribe),
            (Kind::Resubscribe, Permission::Onay, Channel::Email) => Some(Endpoint::EmailSubscribe),
            (Kind::Resubscribe, Permission::Onay, Channel::Sms) => Some(Endpoint::SmsSubscribe),
            _ => None,
        }
    }

    /// The endpoints of the command, email first.
    fn endpoints(self) -> (Endpoint, Endpoint) {
        match self {
            Kind::Upsert => (Endpoint::Upsert, Endpoint::Upsert),
            Kind::Unsubscribe => (Endpoint::EmailUnsubscribe, Endpoint::SmsUnsubscribe),
            Kind::Resubscribe => (Endpoint::EmailSubscribe, Endpoint::SmsSubscribe),
        }
    }

    /// Insider's documented rate for the command's endpoints (requests per minute).
    pub fn default_rate_per_min(self) -> u32 {
        self.endpoints().0.default_rate_per_min()
    }
}

/// Everything that shapes the bodies of one command.
#[derive(Debug, Clone)]
pub struct Shape {
    pub kind: Kind,
    /// Upsert bodies.
    pub upsert: UpsertOptions,
    /// Records per contact API request.
    pub max_contacts: usize,
    /// Email unsubscribe group name (`unsubscribe`).
    pub group: Option<String>,
    /// Email resubscribe group id (`resubscribe`).
    pub group_id: Option<u64>,
}

/// One record in a request body: where it came from and the record in Netmera form (the `row`
/// column of the rejects file when the API refuses it).
#[derive(Debug)]
struct Item {
    pos: Pos,
    raw: Vec<u8>,
}

/// A record that was not applied: its position, its row in Netmera form, and why.
#[derive(Debug)]
pub struct Refused {
    pub pos: Pos,
    pub row: Vec<u8>,
    pub problem: Problem,
    /// Refused by the API in this run (it counts in `records_refused`), or never sent (too
    /// large for any body, or refused in an earlier run).
    pub sent: bool,
}

impl Refused {
    fn new(item: Item, problem: Problem, sent: bool) -> Refused {
        Refused {
            pos: item.pos,
            row: item.raw,
            problem,
            sent,
        }
    }
}

/// Builds the bodies of one command, in a deterministic order.
struct Planner {
    kind: Kind,
    upsert: Option<Batcher<Item>>,
    email: Option<Batcher<Item>>,
    sms: Option<Batcher<Item>>,
    opts: UpsertOptions,
    skipped: u64,
    too_large: Vec<Refused>,
}

impl Planner {
    fn new(shape: &Shape) -> Planner {
        let kind = shape.kind;
        let group = match kind {
            Kind::Unsubscribe => shape
                .group
                .as_deref()
                .map(|g| ("group_name", serde_json::Value::from(g))),
            Kind::Resubscribe => shape
                .group_id
                .map(|g| ("group_id", serde_json::Value::from(g))),
            Kind::Upsert => None,
        };
        let max = shape.max_contacts;
        let contact = kind != Kind::Upsert;
        Planner {
            kind,
            upsert: (!contact).then(|| Batcher::upsert(&shape.upsert)),
            email: contact.then(|| Batcher::contact("emails", group.clone(), max)),
            sms: contact.then(|| Batcher::contact("phone_numbers", None, max)),
            opts: shape.upsert.clone(),
            skipped: 0,
            too_large: Vec::new(),
        }
    }

    /// Adds a record; returns a finished body when one is full.
    fn push(&mut self, record: &Record, item: Item) -> Option<(Endpoint, Body<Item>)> {
        let Some(endpoint) = self.kind.endpoint(record) else {
            self.skipped += 1;
            return None;
        };
        let (batcher, json) = match endpoint {
            Endpoint::Upsert => (self.upsert.as_mut(), upsert_user(record, &self.opts)),
            Endpoint::EmailUnsubscribe | Endpoint::EmailSubscribe => {
                (self.email.as_mut(), contact_item(record))
            }
            Endpoint::SmsUnsubscribe | Endpoint::SmsSubscribe => {
                (self.sms.as_mut(), contact_item(record))
            }
        };
        match batcher?.push(&json, item) {
            Ok(body) => body.map(|b| (endpoint, b)),
            Err((too_large, item)) => {
                self.too_large
                    .push(Refused::new(item, too_large.problem(), false));
                None
            }
        }
    }

    /// The last bodies, partly filled.
    fn finish(self) -> Vec<(Endpoint, Body<Item>)> {
        let (email, sms) = self.kind.endpoints();
        [
            (Endpoint::Upsert, self.upsert),
            (email, self.email),
            (sms, self.sms),
        ]
        .into_iter()
        .filter_map(|(endpoint, b)| Some((endpoint, b.and_then(Batcher::finish)?)))
        .collect()
    }
}

/// What was planned: every request built, sent or not.
#[derive(Debug, Default, Clone)]
pub struct Plan {
    pub records: u64,
    pub requests: u64,
    pub bytes: u64,
    /// (requests, records) by endpoint.
    pub by_endpoint: BTreeMap<Endpoint, (u64, u64)>,
    /// Resolved records the command does not apply to (ONAY in `unsubscribe`, RET in `resubscribe`).
    pub not_applicable: u64,
    /// Records of requests acknowledged in an earlier run (not sent again).
    pub in_journal: u64,
}

/// What was acknowledged in an earlier run: skipped, but for its refusals (rejects again).
#[derive(Debug, Default)]
pub struct Resume {
    /// Body hash of each acknowledged request, by sequence number.
    done: BTreeMap<u64, u64>,
    /// (index in the body, message) of the records refused, by sequence number.
    refused: HashMap<u64, Vec<(usize, String)>>,
}

impl Resume {
    pub fn from_journal(journal: &Journal) -> Resume {
        let mut refused: HashMap<u64, Vec<(usize, String)>> = HashMap::new();
        for (seq, i, msg) in journal.previously_refused() {
            refused.entry(seq).or_default().push((i, msg.to_string()));
        }
        Resume {
            done: journal.done_bodies(),
            refused,
        }
    }
}

/// One acknowledged request, as the [`Acknowledge`] hooks see it.
#[derive(Debug)]
pub struct Ack<'a> {
    pub seq: u64,
    pub endpoint: Endpoint,
    /// xxh3 of the body, so that a changed plan under the same sequence number is sent again.
    pub body_hash: u64,
    /// Where each record of the body came from, in body order.
    pub records: &'a [Pos],
    pub accepted: usize,
    /// (index in the body, server message) of the refused records.
    pub refused: &'a [(usize, String)],
}

/// Told of every acknowledged request before it counts as done: the journal (so that a rerun
/// sends only the rest), or a ledger. An error stops the upload.
pub trait Acknowledge {
    fn acknowledged(&mut self, ack: &Ack<'_>) -> std::io::Result<()>;
}

impl Acknowledge for Journal {
    fn acknowledged(&mut self, ack: &Ack<'_>) -> std::io::Result<()> {
        self.record_body(ack.seq, ack.body_hash, ack.accepted, ack.refused)
    }
}

/// How requests are paced and retried.
#[derive(Debug, Clone)]
pub struct Pacing {
    /// Requests per minute; the command's default when `None`.
    pub rate: Option<u32>,
    pub concurrency: usize,
    pub max_retries: u32,
    pub timeout: Duration,
    pub max_wait: Duration,
}

/// Where requests go: an account and its hosts, with a token per command. There is none under
/// `--dry-run`.
#[derive(Debug, Clone)]
pub struct Destination {
    pub partner: String,
    pub unification_url: String,
    pub contact_url: String,
    pub tokens: Vec<(Kind, Secret)>,
    pub pacing: Pacing,
}

impl Destination {
    /// The client's configuration for one command.
    fn config(&self, kind: Kind) -> Result<ClientConfig, Error> {
        let token = self
            .tokens
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, t)| t.clone())
            .ok_or_else(|| {
                Error::Usage(crate::tr!(
                    "err-no-token-for",
                    command = kind.name(),
                    env = kind.token_env()
                ))
            })?;
        let scale = test_time_scale();
        Ok(ClientConfig {
            unification_url: self.unification_url.clone(),
            contact_url: self.contact_url.clone(),
            partner: self.partner.clone(),
            token,
            rate_per_min: self.pacing.rate.unwrap_or(kind.default_rate_per_min()),
            concurrency: self.pacing.concurrency,
            max_retries: self.pacing.max_retries,
            timeout: self.pacing.timeout.max(Duration::from_secs(1)),
            max_wait: self.pacing.max_wait,
            backoff_base: DEFAULT_BACKOFF_BASE.mul_f64(scale),
            backoff_cap: DEFAULT_BACKOFF_CAP.mul_f64(scale),
            drain: DEFAULT_DRAIN.mul_f64(scale),
        })
    }

    /// The base URLs a command sends to (unification, contact); the one it does not use is empty,
    /// so that it does not change the journal key.
    pub fn urls(&self, kind: Kind) -> (&str, &str) {
        urls_of(kind, &self.unification_url, &self.contact_url)
    }
}

/// The base URLs `kind` uses of (unification, contact); the other is empty.
pub fn urls_of<'a>(kind: Kind, unification: &'a str, contact: &'a str) -> (&'a str, &'a str) {
    match kind {
        Kind::Upsert => (unification, ""),
        Kind::Unsubscribe | Kind::Resubscribe => ("", contact),
    }
}

/// Test-only knob (hidden, not a documented option): `IYSYNC_TEST_TIME_SCALE=0.01` shortens the
/// retry backoff and the drain after a signal by that factor, so that tests of outages and hung
/// servers run in a fraction of a second. Values outside (0, 1] are ignored.
fn test_time_scale() -> f64 {
    std::env::var("IYSYNC_TEST_TIME_SCALE")
        .ok()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|f| *f > 0.0 && *f <= 1.0)
        .unwrap_or(1.0)
}

/// Identifies a run for the journal: the command, the destination (partner, lower-cased, and
/// the base URLs it uses), `shape` (every option that shapes the bodies, as text), and the inputs'
/// names and contents (so a changed file, another account or another host never resumes an old
/// journal).
pub fn run_key(
    kind: Kind,
    partner: &str,
    (unification, contact): (&str, &str),
    shape: &str,
    sources: &[Source],
) -> Result<String, Error> {
    let mut h = Xxh3::new();
    h.update(
        format!(
            "{}|{}|{}|",
            partner.trim().to_lowercase(),
            normalize_url(unification),
            normalize_url(contact)
        )
        .as_bytes(),
    );
    h.update(shape.as_bytes());
    let mut buf = vec![0u8; 1 << 20];
    for source in sources {
        h.update(source.name.as_bytes());
        h.update(&[0]);
        if let Some(p) = &source.path {
            let mut f = std::fs::File::open(p)
                .map_err(|e| Error::io(crate::tr!("err-cannot-read", path = &source.name), e))?;
            loop {
                let n = f.read(&mut buf).map_err(|e| {
                    Error::io(crate::tr!("err-cannot-read", path = &source.name), e)
                })?;
                if n == 0 {
                    break;
                }
                h.update(&buf[..n]);
            }
        }
    }
    Ok(format!("{}-{:032x}", kind.name(), h.digest128()))
}

/// The token: from `--token-file` (warning when others can read it) or the environment, never
/// from the command line.
pub fn read_token(
    kind: Kind,
    token_file: Option<&Path>,
    printer: &Printer,
) -> Result<Secret, Error> {
    let Some(p) = token_file else {
        let token = std::env::var(kind.token_env()).unwrap_or_default();
        if token.trim().is_empty() {
            return Err(Error::Usage(crate::tr!(
                "err-no-token",
                env = kind.token_env()
            )));
        }
        return Ok(Secret::new(token.trim()));
    };
    let token = std::fs::read_to_string(p)
        .map_err(|e| Error::io(crate::tr!("err-token-file-read", path = p.display()), e))?;
    if token.trim().is_empty() {
        return Err(Error::Usage(crate::tr!(
            "err-token-file-empty",
            path = p.display(),
            env = kind.token_env()
        )));
    }
    #[cfg(unix)]
    if let Ok(meta) = std::fs::metadata(p) {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            printer.warn(&crate::tr!(
                "warn-token-file-mode",
                path = p.display(),
                mode = format!("{mode:03o}")
            ));
        }
    }
    #[cfg(not(unix))]
    let _ = printer;
    Ok(Secret::new(token.trim()))
}

/// The journal key of a run of `kind` to `destination`: its [`run_key`] and destination.
pub fn journal_key(
    destination: &Destination,
    kind: Kind,
    shape: &str,
    sources: &[Source],
) -> Result<JournalKey, Error> {
    let urls = destination.urls(kind);
    let key = run_key(kind, &destination.partner, urls, shape, sources)?;
    Ok(JournalKey::new(&key, &destination.partner, urls.0, urls.1))
}

/// An open journal, locked for the run.
pub struct OpenJournal {
    pub path: PathBuf,
    pub journal: Journal,
    _lock: Lock,
}

/// Opens the journal of a run at `path` (default: in the user's state directory, named by
/// `key`), locked so that a second run stops (exit 2, naming the first's pid) before anything is
/// read from it or sent. Warns when it was not resumed or had unreadable lines.
pub fn open_journal(
    path: Option<&Path>,
    key: JournalKey,
    restart: bool,
    printer: &Printer,
) -> Result<OpenJournal, Error> {
    let path = match path {
        Some(p) => p.to_path_buf(),
        None => {
            let state = dirs::state_dir()
                .or_else(dirs::data_local_dir)
                .ok_or_else(|| Error::Usage(crate::tr!("err-no-state-dir-journal")))?;
            journal::default_path(&state, &key.run_key)
        }
    };
    journal::create_parent(&path)
        .map_err(|e| Error::io(crate::tr!("err-journal-dir", path = path.display()), e))?;
    let lock = Lock::acquire(
        &lock_path(&path),
        &crate::tr!("err-what-journal", path = path.display()),
    )?;
    let journal = Journal::open(&path, key, restart)
        .map_err(|e| Error::io(crate::tr!("err-journal-open", path = path.display()), e))?;
    if let Opened::Discarded(why) = journal.opened() {
        printer.warn(&crate::tr!(
            "warn-journal-discarded",
            path = path.display(),
            why = why
        ));
    }
    if journal.skipped_lines() > 0 {
        printer.warn(&crate::tr!(
            "warn-journal-skipped",
            n = crate::i18n::Arg::N(journal.skipped_lines() as u64),
            path = path.display()
        ));
    }
    Ok(OpenJournal {
        path,
        journal,
        _lock: lock,
    })
}

/// Journal lock file: `<journal>.lock` beside the journal.
fn lock_path(journal: &Path) -> PathBuf {
    let mut name = journal
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".lock");
    journal.with_file_name(name)
}

/// Feeds a session the records of one command, in order: calls its argument for each (which
/// returns `false` once the session takes no more).
pub type Feed<'f> =
    dyn FnOnce(&mut dyn FnMut(Pos, &Record) -> bool) -> Result<(), Error> + Send + 'f;

/// Requests built but not yet acknowledged: endpoint, body hash and items, by sequence number.
type InFlight = Mutex<HashMap<u64, (Endpoint, u64, Vec<Item>)>>;

/// One upload session; see the module docs.
pub struct Session<'a> {
    destination: Option<Destination>,
    resume: Resume,
    hooks: Vec<&'a mut dyn Acknowledge>,
    bodies_dir: Option<(PathBuf, BodyFilesByName)>,
    printer: Printer,
    redact: bool,
    seq: u64,
    plan: Plan,
    counters: Upload,
    acknowledged: u64,
    refused: Vec<Refused>,
    /// Why sending stopped, once it has: nothing more is sent.
    failure: Option<Error>,
    /// What the progress bar says while sending.
    phase: &'static str,
}

impl<'a> Session<'a> {
    /// `destination`: `None` under `--dry-run` (nothing is sent). `redact`: mask recipients in
    /// the API's messages.
    pub fn new(destination: Option<Destination>, printer: &Printer, redact: bool) -> Session<'a> {
        Session {
            destination,
            resume: Resume::default(),
            hooks: Vec::new(),
            bodies_dir: None,
            printer: printer.clone(),
            redact,
            seq: 0,
            plan: Plan::default(),
            counters: Upload::default(),
            acknowledged: 0,
            refused: Vec::new(),
            failure: None,
            phase: "sending",
        }
    }

    /// What the progress bar shows while the next [`Session::send`] sends (`unsubscribing`…).
    pub fn set_phase(&mut self, phase: &'static str) {
        self.phase = phase;
    }

    /// Skips what an earlier run had acknowledged.
    pub fn resume(&mut self, resume: Resume) {
        self.resume = resume;
    }

    /// Tells `hook` of every acknowledged request (before it counts as done).
    pub fn on_acknowledged(&mut self, hook: &'a mut dyn Acknowledge) {
        self.hooks.push(hook);
    }

    /// `--dry-run --out`: writes every body to `dir` (`<endpoint>-000001.json`…).
    pub fn write_bodies_to(&mut self, dir: PathBuf) {
        self.bodies_dir = Some((dir, BodyFilesByName::default()));
    }

    pub fn is_dry_run(&self) -> bool {
        self.destination.is_none()
    }

    /// What was planned so far.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// The counters of the report, so far.
    pub fn counters(&self) -> Upload {
        let mut up = self.counters;
        up.skipped += self.plan.not_applicable + self.plan.in_journal;
        up
    }

    /// Requests acknowledged so far.
    pub fn acknowledged(&self) -> u64 {
        self.acknowledged
    }

    /// The records that were not applied, for the rejects file (taken once).
    pub fn take_refused(&mut self) -> Vec<Refused> {
        std::mem::take(&mut self.refused)
    }

    /// Why sending stopped (taken once): the client gave up, a signal came, or an
    /// acknowledgement could not be recorded. What was acknowledged before is in the hooks.
    pub fn take_failure(&mut self) -> Option<Error> {
        self.failure.take()
    }

    /// Sends the records of one command that `feed` gives, planned into bodies on a thread of
    /// their own while the client sends them (or, under `--dry-run`, counts and writes them).
    /// An error here is the feed's or the planner's; a failure to send is kept for
    /// [`Session::take_failure`] and makes later calls send nothing.
    pub fn send(
        &mut self,
        shape: &Shape,
        feed: Box<Feed<'_>>,
        progress: &mut Progress,
    ) -> Result<(), Error> {
        if self.failure.is_some() {
            return Ok(());
        }
        let in_flight: InFlight = Mutex::default();
        let (tx, rx) = sync_channel::<Request>(4);
        let config = self
            .destination
            .as_ref()
            .map(|d| d.config(shape.kind))
            .transpose()?;
        let first_seq = self.seq;
        let resume = std::mem::take(&mut self.resume);
        let (result, produced) = std::thread::scope(|scope| {
            let resume = &resume;
            let in_flight = &in_flight;
            let producer = scope.spawn(move || {
                let mut planned = Planned {
                    seq: first_seq,
                    ..Planned::default()
                };
                let mut planner = Planner::new(shape);
                let mut open = true;
                let send = |planned: &mut Planned, endpoint: Endpoint, body: Body<Item>| {
                    // Ctrl-C or SIGTERM: no more bodies (the sender or the dry run stops too).
                    if crate::signals::received().is_some() {
                        return false;
                    }
                    planned.seq += 1;
                    match planned.add(resume, in_flight, endpoint, body) {
                        Some(request) => tx.send(request).is_ok(),
                        None => true,
                    }
                };
                let fed = feed(&mut |pos, record| {
                    let mut raw = Vec::new();
                    netmera::write_line(&mut raw, record);
                    raw.pop();
                    if let Some((endpoint, body)) = planner.push(record, Item { pos, raw }) {
                        open = open && send(&mut planned, endpoint, body);
                    }
                    // Stop reading when the uploader has stopped taking requests.
                    open
                });
                // A feed stopped because the uploader stopped is not an error of its own.
                let fed = fed.or_else(|e| if open { Err(e) } else { Ok(()) });
                planned.plan.not_applicable = planner.skipped;
                // Records too large for any body first, then the earlier run's refusals.
                let earlier =
                    std::mem::replace(&mut planned.refused, std::mem::take(&mut planner.too_large));
                planned.refused.extend(earlier);
                for (endpoint, body) in planner.finish() {
                    if open {
                        open = send(&mut planned, endpoint, body);
                    }
                }
                fed.map(|()| planned)
            });
            let result = match &config {
                Some(cfg) => self.upload(cfg, rx, in_flight, progress),
                None => self.dry_run(rx, in_flight),
            };
            let produced = producer
                .join()
                .unwrap_or_else(|_| Err(Error::Usage(crate::tr!("err-planner-stopped"))));
            (result, produced)
        });
        self.resume = resume;
        // A failure to send comes first: the planner stops because of it (and then the records
        // it had planned still count).
        let planned = match (result, produced) {
            (Err(e), produced) => {
                self.failure = Some(e);
                match produced {
                    Ok(planned) => planned,
                    Err(_) => return Ok(()),
                }
            }
            (Ok(()), produced) => produced?,
        };
        self.seq = planned.seq;
        self.plan.merge(planned.plan);
        self.refused.extend(planned.refused);
        Ok(())
    }

    /// `--dry-run`: everything but the network. With `--out DIR`, writes the bodies.
    fn dry_run(&mut self, rx: Receiver<Request>, in_flight: &InFlight) -> Result<(), Error> {
        for request in rx {
            // Nothing answers a dry run's request: its items are let go at once, so that memory
            // holds the requests in the channel, not every record planned.
            in_flight
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&request.seq);
            // Ctrl-C or SIGTERM: 130 / 143, and the bodies written so far are never committed.
            crate::signals::check()?;
            if let Some((dir, files)) = self.bodies_dir.as_mut() {
                files.write(dir, request.endpoint.name(), &request.body)?;
            }
        }
        // The planner stops at a signal too: the run must not end as if it had finished.
        crate::signals::check()
    }

    fn upload(
        &mut self,
        cfg: &ClientConfig,
        rx: Receiver<Request>,
        in_flight: &InFlight,
        progress: &mut Progress,
    ) -> Result<(), Error> {
        progress.phase(self.phase, None);
        let counters = Cell::new(self.counters);
        let mut rate_wait = Duration::ZERO;
        // Partial-failure indices that are not in their request (a server bug): ignored.
        let mut out_of_range = 0u64;
        let mut refused = Vec::new();
        let (hooks, redact, acknowledged) = (&mut self.hooks, self.redact, &mut self.acknowledged);
        let result = upload(
            cfg,
            rx.into_iter(),
            CancelToken::new().with_signals(),
            |event| {
                let mut up = counters.get();
                match event {
                    // Counted when sent, so that the report of an aborted run says what went out.
                    Event::Sent { records, .. } => {
                        up.requests += 1;
                        up.records_sent += records as u64;
                    }
                    Event::Retry { .. } => up.retries += 1,
                    Event::RateWait(d) => rate_wait = d,
                    _ => {}
                }
                counters.set(up);
                progress.message(up.records_sent, progress_line(&up, rate_wait));
            },
            |seq, result| {
                let (endpoint, hash, items) = in_flight
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .remove(&seq)
                    .unwrap_or((Endpoint::Upsert, 0, Vec::new()));
                let refusals: Vec<(usize, String)> = match result {
                    RequestResult::Accepted { refused } => {
                        let (inside, outside): (Vec<_>, Vec<_>) =
                            refused.iter().cloned().partition(|(i, _)| *i < items.len());
                        out_of_range += outside.len() as u64;
                        inside
                    }
                    RequestResult::Rejected { status, message } => (0..items.len())
                        .map(|i| (i, format!("HTTP {status}: {message}")))
                        .collect(),
                };
                let accepted = items.len().saturating_sub(refusals.len());
                let positions: Vec<Pos> = items.iter().map(|i| i.pos).collect();
                let ack = Ack {
                    seq,
                    endpoint,
                    body_hash: hash,
                    records: &positions,
                    accepted,
                    refused: &refusals,
                };
                for hook in hooks.iter_mut() {
                    hook.acknowledged(&ack)?;
                }
                *acknowledged += 1;
                let mut up = counters.get();
                up.records_accepted += accepted as u64;
                up.records_refused += refusals.len() as u64;
                counters.set(up);
                take_refused(items, refusals, &mut refused, |msg| {
                    (api_problem(msg, redact), true)
                });
                Ok(())
            },
        );
        progress.finish();
        self.counters = counters.get();
        self.refused.extend(refused);
        if out_of_range > 0 {
            self.printer.warn(&crate::tr!(
                "warn-refused-out-of-range",
                n = crate::i18n::Arg::N(out_of_range)
            ));
        }
        match result {
            Ok(stats) => {
                self.counters.retries = stats.retries;
                Ok(())
            }
            Err(e) => Err(upload_error(e)),
        }
    }
}

/// The items at the refused indexes, with their problems, into `out`.
fn take_refused(
    items: Vec<Item>,
    refusals: Vec<(usize, String)>,
    out: &mut Vec<Refused>,
    problem: impl Fn(&str) -> (Problem, bool),
) {
    let mut items: Vec<Option<Item>> = items.into_iter().map(Some).collect();
    for (i, msg) in refusals {
        if let Some(item) = items.get_mut(i).and_then(Option::take) {
            let (problem, sent) = problem(&msg);
            out.push(Refused::new(item, problem, sent));
        }
    }
}

fn progress_line(up: &Upload, rate_wait: Duration) -> String {
    let lang = crate::i18n::lang();
    let line = lang.ta(
        "progress-upload",
        &[
            ("requests", Arg::N(up.requests)),
            ("accepted", Arg::N(up.records_accepted)),
            ("refused", Arg::N(up.records_refused)),
            ("retries", Arg::N(up.retries)),
        ],
    );
    if rate_wait.is_zero() {
        line
    } else {
        lang.ta(
            "progress-upload-wait",
            &[
                ("line", Arg::S(line)),
                ("wait", Arg::S(lang.secs(rate_wait.as_secs_f64()))),
            ],
        )
    }
}

/// What the planner thread hands back.
#[derive(Default)]
struct Planned {
    seq: u64,
    plan: Plan,
    refused: Vec<Refused>,
}

impl Planned {
    /// Counts a body; the request to send, or `None` when this very body was acknowledged in an
    /// earlier run (a changed plan under the same journal, another clock or file, is sent again).
    fn add(
        &mut self,
        resume: &Resume,
        in_flight: &InFlight,
        endpoint: Endpoint,
        body: Body<Item>,
    ) -> Option<Request> {
        let seq = self.seq;
        let records = body.items.len();
        let hash = body_hash(&body.json);
        self.plan.requests += 1;
        self.plan.records += records as u64;
        self.plan.bytes += body.json.len() as u64;
        let e = self.plan.by_endpoint.entry(endpoint).or_default();
        e.0 += 1;
        e.1 += records as u64;
        if resume.done.get(&seq) == Some(&hash) {
            self.plan.in_journal += records as u64;
            if let Some(refused) = resume.refused.get(&seq) {
                take_refused(body.items, refused.clone(), &mut self.refused, |msg| {
                    (
                        api_problem(&format!("{msg} (refused in an earlier run)"), true),
                        false,
                    )
                });
            }
            return None;
        }
        in_flight
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(seq, (endpoint, hash, body.items));
        Some(Request {
            seq,
            endpoint,
            body: body.json,
            records,
        })
    }
}

impl Plan {
    /// The plan for people (`--dry-run`), with the base URLs it would send to and the directory
    /// the bodies were written to.
    pub fn text(&self, kind: Kind, unification: &str, contact: &str, out: Option<&Path>) -> String {
        let lang = crate::i18n::lang();
        let command = || Arg::S(kind.name().to_string());
        let mut text = lang.ta(
            "upload-dry-run",
            &[
                ("command", command()),
                ("records", Arg::N(self.records)),
                ("requests", Arg::N(self.requests)),
                ("bytes", Arg::N(self.bytes)),
            ],
        );
        text.push('\n');
        let mut line = |t: String| {
            text.push_str("  ");
            text.push_str(&t);
            text.push('\n');
        };
        for (endpoint, (requests, records)) in &self.by_endpoint {
            let base = if endpoint.is_contact() {
                contact
            } else {
                unification
            };
            let url = format!("{}{}", base.trim_end_matches('/'), endpoint.path());
            line(lang.ta(
                "dry-run-endpoint",
                &[
                    ("url", Arg::S(url)),
                    ("requests", Arg::N(*requests)),
                    ("records", Arg::N(*records)),
                ],
            ));
        }
        if self.not_applicable > 0 {
            line(lang.ta(
                "upload-dry-run-skipped",
                &[("n", Arg::N(self.not_applicable)), ("command", command())],
            ));
        }
        if let Some(dir) = out {
            line(lang.ta(
                "dry-run-bodies",
                &[("dir", Arg::S(dir.display().to_string()))],
            ));
        }
        text
    }

    fn merge(&mut self, other: Plan) {
        self.records += other.records;
        self.requests += other.requests;
        self.bytes += other.bytes;
        for (endpoint, (requests, records)) in other.by_endpoint {
            let e = self.by_endpoint.entry(endpoint).or_default();
            e.0 += requests;
            e.1 += records;
        }
        self.not_applicable += other.not_applicable;
        self.in_journal += other.in_journal;
    }
}

fn body_hash(body: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(body)
}

/// A refusal from the API. Insider's messages echo the refused value, so under `--redact` anything
/// that looks like an email or a phone number is masked.
fn api_problem(message: &str, redact: bool) -> Problem {
    // At most 200 characters of Insider's text, cut with `…` and escaped (SPEC §6, §8); the note
    // that the refusal is an earlier run's is kept.
    const EARLIER: &str = " (refused in an earlier run)";
    let (text, key) = match message.strip_suffix(EARLIER) {
        Some(text) => (text, &crate::record::message::API_REFUSED_EARLIER),
        None => (message, &crate::record::message::API_REFUSED),
    };
    let text = if redact {
        scrub_recipients(text)
    } else {
        text.to_string()
    };
    Problem::error(
        Field::Row,
        Code::ApiRefused,
        crate::record::Message::new(
            key,
            [crate::record::Value::Text(
                crate::privacy::Shown::default().value(&text),
            )],
        ),
    )
}

fn upload_error(e: UploadError) -> Error {
    match e {
        UploadError::RetriesExhausted { .. } | UploadError::WaitTooLong { .. } => {
            Error::Aborted(crate::tr!("err-upload-aborted-rerun", error = e))
        }
        // The same command would meet the same answer: the message says what to check first.
        UploadError::Auth { .. } | UploadError::Unexpected { .. } | UploadError::Tls { .. } => {
            Error::Aborted(crate::tr!("err-upload-aborted-fix", error = e))
        }
        // SIGINT → 130, SIGTERM → 143.
        UploadError::Interrupted => {
            crate::signals::received().map_or(Error::Interrupted, |stop| stop.error())
        }
        UploadError::Config(m) => Error::Usage(m),
        UploadError::Journal(io) => Error::io(crate::tr!("err-journal-write"), io),
    }
}
/// Every option that shapes the bodies, as the journal key has always spelled them (a changed
/// spelling would make every earlier journal unresumable).
pub(crate) fn shape_text(
    shape: &Shape,
    insider: Option<&crate::cli::InsiderBodyArgs>,
    c: &crate::cli::CommonArgs,
) -> String {
    let defaults = crate::cli::InsiderBodyArgs::default();
    let i = insider.unwrap_or(&defaults);
    format!(
        "{}|{:?}|{:?}|{:?}|{:?}|{}|{}|{:?}|{:?}|{:?}|{:?}|{:?}|{}|{:?}",
        shape.kind.name(),
        i.external_id_as,
        i.skip_hook,
        i.consent_event,
        i.max_users,
        i.max_bytes,
        shape.max_contacts,
        shape.group,
        shape.group_id,
        c.channel,
        c.encoding,
        c.strict,
        c.timezone,
        c.files.len(),
    )
}

/// The account, hosts, token and pacing of a real run.
pub(crate) fn destination(
    args: &crate::cli::SendArgs,
    kind: Kind,
    printer: &crate::printer::Printer,
) -> Result<Destination, Error> {
    let partner = partner_name(args, "")?;
    let token = read_token(kind, args.token_file.as_deref(), printer)?;
    Ok(Destination::from_send_args(
        args,
        &partner,
        vec![(kind, token)],
    ))
}

/// The base URLs of the send flags, checked here rather than by clap, whose message would repeat
/// the URL (and any credentials in it).
pub(crate) fn check_urls(args: &crate::cli::SendArgs) -> Result<(), Error> {
    for (flag, url) in [
        ("--unification-url", &args.unification_url),
        ("--contact-url", &args.contact_url),
    ] {
        crate::insider::check_base_url(url).map_err(|m| Error::Usage(format!("{flag}: {m}")))?;
    }
    Ok(())
}

/// The partner's name from `--partner` / `INSIDER_PARTNER_NAME`, trimmed and required; `why` is
/// added to the message when it is missing.
pub(crate) fn partner_name(args: &crate::cli::SendArgs, why: &str) -> Result<String, Error> {
    let partner = args.partner.as_deref().unwrap_or_default().trim();
    if partner.is_empty() {
        return Err(Error::Usage(crate::tr!("err-no-partner", why = why)));
    }
    Ok(partner.to_string())
}

impl Destination {
    /// The account, hosts and pacing the send flags give, with the tokens of the commands to send.
    pub(crate) fn from_send_args(
        args: &crate::cli::SendArgs,
        partner: &str,
        tokens: Vec<(Kind, Secret)>,
    ) -> Destination {
        Destination {
            partner: partner.to_string(),
            unification_url: args.unification_url.clone(),
            contact_url: args.contact_url.clone(),
            tokens,
            pacing: Pacing {
                rate: args.rate,
                concurrency: args.concurrency,
                max_retries: args.max_retries,
                timeout: std::time::Duration::from_secs(args.timeout),
                max_wait: std::time::Duration::from_secs(args.max_wait),
            },
        }
    }
}
