//! `iysync upsert|unsubscribe|resubscribe`: send the resolved state to Insider.
//!
//! Pass one judges and resolves; pass two (on its own thread) builds request bodies lazily and
//! feeds them to the client, which sends them concurrently under a rate limit. Every acknowledged
//! request is written to the journal before it counts as done, so a rerun sends only the rest.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::sync_channel;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use xxhash_rust::xxh3::Xxh3;

use crate::cli::UploadArgs;
use crate::commands::convert::upsert_options;
use crate::commands::{
    Reporting, Resolved, Setup, default_rejects_path, rejects_shown, resolve_inputs, second_pass,
};
use crate::error::{Error, Status};
use crate::insider::journal::normalize_url;
use crate::insider::journal::scrub_recipients;
use crate::insider::{
    CancelToken, ClientConfig, DEFAULT_BACKOFF_BASE, DEFAULT_BACKOFF_CAP, DEFAULT_DRAIN, Endpoint,
    Event, Journal, JournalKey, Opened, Request, RequestResult, Secret, UploadError,
    check_base_url, default_path, upload,
};
use crate::lock::Lock;
use crate::output::atomic::create_new_private;
use crate::output::insider::{Batcher, Body, UpsertOptions, contact_item, upsert_user};
use crate::output::netmera;
use crate::output::{OutputDir, Outputs};
use crate::privacy::sanitize;
use crate::record::{Channel, Code, Field, Permission, Problem, Record};
use crate::report::{Located, Upload};
use crate::resolve::Pos;

/// Which upload command runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Upsert,
    Unsubscribe,
    Resubscribe,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Upsert => "upsert",
            Kind::Unsubscribe => "unsubscribe",
            Kind::Resubscribe => "resubscribe",
        }
    }

    fn token_env(self) -> &'static str {
        match self {
            Kind::Upsert => "INSIDER_UCD_TOKEN",
            Kind::Unsubscribe => "INSIDER_UNSUBSCRIBE_TOKEN",
            Kind::Resubscribe => "INSIDER_RESUBSCRIBE_TOKEN",
        }
    }

    /// The endpoint a record goes to, or `None` when the command does not apply to it (ONAY rows
    /// in `unsubscribe`, RET rows in `resubscribe`). Consent safety lives here: only a resolved
    /// ONAY is ever resubscribed.
    fn endpoint(self, r: &Record) -> Option<Endpoint> {
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
}

fn endpoint_name(e: Endpoint) -> &'static str {
    match e {
        Endpoint::Upsert => "upsert",
        Endpoint::EmailUnsubscribe => "email-unsubscribe",
        Endpoint::EmailSubscribe => "email-subscribe",
        Endpoint::SmsUnsubscribe => "sms-unsubscribe",
        Endpoint::SmsSubscribe => "sms-subscribe",
    }
}

/// One record in a request body: where it came from and the record in Netmera form (the `row`
/// column of the rejects file when the API refuses it).
struct Item {
    pos: Pos,
    raw: Vec<u8>,
}

/// Builds the bodies of one command, in a deterministic order.
struct Planner {
    kind: Kind,
    upsert: Option<Batcher<Item>>,
    email: Option<Batcher<Item>>,
    sms: Option<Batcher<Item>>,
    opts: UpsertOptions,
    skipped: u64,
    too_large: Vec<(Item, Problem)>,
}

impl Planner {
    fn new(kind: Kind, opts: UpsertOptions, args: &UploadArgs) -> Planner {
        let group = match kind {
            Kind::Unsubscribe => args
                .group
                .as_deref()
                .map(|g| ("group_name", serde_json::Value::from(g))),
            Kind::Resubscribe => args
                .group_id
                .map(|g| ("group_id", serde_json::Value::from(g))),
            Kind::Upsert => None,
        };
        let max = args.max_contacts;
        Planner {
            kind,
            upsert: (kind == Kind::Upsert).then(|| Batcher::upsert(&opts)),
            email: (kind != Kind::Upsert).then(|| Batcher::contact("emails", group.clone(), max)),
            sms: (kind != Kind::Upsert).then(|| Batcher::contact("phone_numbers", None, max)),
            opts,
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
        let batcher = batcher?;
        match batcher.push(&json, item) {
            Ok(body) => body.map(|b| (endpoint, b)),
            Err((too_large, item)) => {
                self.too_large.push((
                    item,
                    Problem::error(
                        Field::Row,
                        Code::ApiRefused,
                        format!(
                            "this record's user object alone is {} bytes, over the {}-byte body limit (--max-bytes); shorten its fields",
                            too_large.bytes, too_large.max
                        ),
                    ),
                ));
                None
            }
        }
    }

    fn finish(self) -> Vec<(Endpoint, Body<Item>)> {
        let email_endpoint = if self.kind == Kind::Unsubscribe {
            Endpoint::EmailUnsubscribe
        } else {
            Endpoint::EmailSubscribe
        };
        let sms_endpoint = if self.kind == Kind::Unsubscribe {
            Endpoint::SmsUnsubscribe
        } else {
            Endpoint::SmsSubscribe
        };
        let mut out = Vec::new();
        if let Some(b) = self.upsert.and_then(Batcher::finish) {
            out.push((Endpoint::Upsert, b));
        }
        if let Some(b) = self.email.and_then(Batcher::finish) {
            out.push((email_endpoint, b));
        }
        if let Some(b) = self.sms.and_then(Batcher::finish) {
            out.push((sms_endpoint, b));
        }
        out
    }
}

/// What the producer thread hands over besides the requests.
#[derive(Default)]
struct Plan {
    /// Body hash and items of requests not yet acknowledged, by sequence number.
    items: HashMap<u64, (u64, Vec<Item>)>,
    /// Records that could not go into any body.
    too_large: Vec<(Item, Problem)>,
    /// Records refused in an earlier run (from the journal), with the server's message.
    earlier_refused: Vec<(Item, String)>,
    skipped_not_applicable: u64,
    skipped_in_journal: u64,
    records_planned: u64,
    requests_planned: u64,
    bytes_planned: u64,
    by_endpoint: std::collections::BTreeMap<&'static str, (u64, u64)>,
}

/// A warning for people: never changes the exit code; silent under `--quiet`.
fn warn(setup: &Setup, message: &str) {
    setup.say(&format!("iysync: warning: {message}\n"));
}

fn read_token(setup: &Setup, kind: Kind, token_file: Option<&Path>) -> Result<Secret, Error> {
    let Some(p) = token_file else {
        let token = std::env::var(kind.token_env()).unwrap_or_default();
        if token.trim().is_empty() {
            return Err(Error::Usage(format!(
                "no API token: set {} in the environment or pass --token-file PATH (tokens are never taken from the command line)",
                kind.token_env()
            )));
        }
        return Ok(Secret::new(token.trim()));
    };
    let token = std::fs::read_to_string(p)
        .map_err(|e| Error::io(format!("cannot read the token file {}", p.display()), e))?;
    if token.trim().is_empty() {
        return Err(Error::Usage(format!(
            "the token file {} is empty; put the {} token in it (one line)",
            p.display(),
            kind.token_env()
        )));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(p) {
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                warn(
                    setup,
                    &format!(
                        "the token file {} can be read by other users (mode {mode:03o}); restrict it with `chmod 600 {}`",
                        p.display(),
                        p.display()
                    ),
                );
            }
        }
    }
    #[cfg(not(unix))]
    let _ = setup;
    Ok(Secret::new(token.trim()))
}

/// Identifies a run for the journal: the command, the destination (partner, lower-cased, and
/// base URLs), every option that shapes the bodies, and the inputs' names and contents (so a
/// changed file, another account or another host never resumes an old journal).
fn run_key(kind: Kind, args: &UploadArgs, setup: &Setup, partner: &str) -> Result<String, Error> {
    let mut h = Xxh3::new();
    let c = &args.common;
    let (unification, contact) = destination(kind, args);
    h.update(
        format!(
            "{}|{}|{}|",
            partner.trim().to_lowercase(),
            normalize_url(unification),
            normalize_url(contact)
        )
        .as_bytes(),
    );
    let shape = format!(
        "{}|{:?}|{:?}|{:?}|{:?}|{}|{}|{:?}|{:?}|{:?}|{:?}|{:?}|{}|{:?}",
        kind.name(),
        args.insider.external_id_as,
        args.insider.skip_hook,
        args.insider.consent_event,
        args.insider.max_users,
        args.insider.max_bytes,
        args.max_contacts,
        args.group,
        args.group_id,
        c.channel,
        c.encoding,
        c.strict,
        c.timezone,
        c.files.len(),
    );
    h.update(shape.as_bytes());
    let mut buf = vec![0u8; 1 << 20];
    for source in &setup.sources {
        h.update(source.name.as_bytes());
        h.update(&[0]);
        if let Some(p) = &source.path {
            let mut f = std::fs::File::open(p)
                .map_err(|e| Error::io(format!("cannot read {}", source.name), e))?;
            loop {
                let n = f
                    .read(&mut buf)
                    .map_err(|e| Error::io(format!("cannot read {}", source.name), e))?;
                if n == 0 {
                    break;
                }
                h.update(&buf[..n]);
            }
        }
    }
    Ok(format!("{}-{:032x}", kind.name(), h.digest128()))
}

fn body_hash(body: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(body)
}

fn upload_error(e: UploadError) -> Error {
    match e {
        UploadError::Auth { .. }
        | UploadError::RetriesExhausted { .. }
        | UploadError::Unexpected { .. }
        | UploadError::Tls { .. }
        | UploadError::WaitTooLong { .. } => Error::Aborted(format!(
            "upload aborted: {e}; what was acknowledged is in the journal, rerun the same command to send the rest"
        )),
        // SIGINT → 130, SIGTERM → 143.
        UploadError::Interrupted => {
            crate::signals::received().map_or(Error::Interrupted, |stop| stop.error())
        }
        UploadError::Config(m) => Error::Usage(m),
        UploadError::Journal(io) => Error::io("cannot write the journal", io),
    }
}

/// The base URLs a command sends to (unification, contact); the one it does not use is empty, so
/// that it does not change the journal key.
fn destination(kind: Kind, args: &UploadArgs) -> (&str, &str) {
    match kind {
        Kind::Upsert => (&args.unification_url, ""),
        Kind::Unsubscribe | Kind::Resubscribe => ("", &args.contact_url),
    }
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

pub fn run(args: &UploadArgs, kind: Kind) -> Result<Status, Error> {
    crate::signals::install()?;
    let setup = Setup::new(&args.common)?;
    check_flags(args, kind)?;
    let opts = upsert_options(&args.insider)?;
    let credentials = if args.dry_run {
        None
    } else {
        let partner = args.partner.clone().unwrap_or_default();
        if partner.trim().is_empty() {
            return Err(Error::Usage(
                "no partner name: pass --partner NAME or set INSIDER_PARTNER_NAME".to_string(),
            ));
        }
        Some((
            partner.trim().to_string(),
            read_token(&setup, kind, args.token_file.as_deref())?,
        ))
    };
    let rejects_path = args
        .rejects
        .clone()
        .unwrap_or_else(|| default_rejects_path(setup.rules.now));
    // SPEC §9: no output is an input or another output; an output directory is locked and staged.
    let mut outputs = Outputs::new(&setup.sources)
        .force(args.force)
        .rejects("the rejects file (--rejects)", &rejects_path)
        .report(args.common.report.as_deref())
        .maybe_creating_dir("--journal", args.journal.as_deref());
    if let Some(dir) = &args.out {
        outputs = outputs.dir("--out", dir);
    }
    outputs.check()?;
    let mut out_dir = match (args.dry_run, &args.out) {
        (true, Some(dir)) => Some(OutputDir::open(dir, args.force)?),
        _ => None,
    };
    let Resolved {
        mut reporting,
        summary,
        resolution,
        mut progress,
        spool,
    } = resolve_inputs(&setup, &rejects_path, args.common.report.as_deref())?;
    progress.finish();
    let mut up = Upload::default();

    if args.fail_on_invalid && summary.invalid > 0 {
        up.skipped = resolution.records();
        let elapsed = progress.elapsed();
        reporting.finish(&summary, Some(&up), elapsed)?;
        setup.say(&summary.human(elapsed));
        setup.say(&format!(
            "  nothing sent: {} invalid rows and --fail-on-invalid; fix them (see the rejects file) and run again\n",
            summary.invalid
        ));
        return Ok(Status::DataProblems);
    }

    let (journal, _journal_lock) = match (&credentials, args.dry_run) {
        (Some((partner, _)), false) => {
            let key = run_key(kind, args, &setup, partner)?;
            let path = match &args.journal {
                Some(p) => p.clone(),
                None => {
                    let state =
                        dirs::state_dir()
                            .or_else(dirs::data_local_dir)
                            .ok_or_else(|| {
                                Error::Usage(
                                    "no state directory on this system: pass --journal PATH"
                                        .to_string(),
                                )
                            })?;
                    default_path(&state, &key)
                }
            };
            crate::insider::journal::create_parent(&path).map_err(|e| {
                Error::io(
                    format!(
                        "cannot create the directory of the journal {}",
                        path.display()
                    ),
                    e,
                )
            })?;
            // One run per journal: a second one stops here (exit 2, naming the first's pid)
            // before anything is read from the journal or sent.
            let lock = Lock::acquire(
                &lock_path(&path),
                &format!("the journal {}", path.display()),
            )?;
            let (unification, contact) = destination(kind, args);
            let journal_key = JournalKey::new(&key, partner, unification, contact);
            let j = Journal::open(&path, journal_key, args.restart)
                .map_err(|e| Error::io(format!("cannot open the journal {}", path.display()), e))?;
            if let Opened::Discarded(why) = j.opened() {
                warn(
                    &setup,
                    &format!(
                        "the journal {} was not resumed: {why}; it was started anew and every request is sent",
                        path.display()
                    ),
                );
            }
            if j.skipped_lines() > 0 {
                warn(
                    &setup,
                    &format!(
                        "{} unreadable lines in the journal {} were skipped; their requests are sent again",
                        j.skipped_lines(),
                        path.display()
                    ),
                );
            }
            (Some((path, j)), Some(lock))
        }
        _ => (None, None),
    };
    let done: BTreeMap<u64, u64> = journal
        .as_ref()
        .map(|(_, j)| j.done_bodies())
        .unwrap_or_default();
    let earlier: HashMap<u64, Vec<(usize, String)>> = journal
        .as_ref()
        .map(|(_, j)| {
            let mut m: HashMap<u64, Vec<(usize, String)>> = HashMap::new();
            for (seq, i, msg) in j.previously_refused() {
                m.entry(seq).or_default().push((i, msg.to_string()));
            }
            m
        })
        .unwrap_or_default();

    let plan = Arc::new(Mutex::new(Plan::default()));
    let names: Vec<String> = setup.sources.iter().map(|s| s.name.clone()).collect();
    let (tx, rx) = sync_channel::<Request>(4);
    let outcome: Result<Result<Status, Error>, Error> = std::thread::scope(|scope| {
        let producer_plan = plan.clone();
        let setup_ref = &setup;
        let resolution_ref = &resolution;
        let producer = scope.spawn(move || -> Result<(), Error> {
            let mut planner = Planner::new(kind, opts, args);
            let mut seq = 0u64;
            let mut send = |endpoint: Endpoint, body: Body<Item>| -> bool {
                seq += 1;
                let mut p = producer_plan.lock().unwrap_or_else(|e| e.into_inner());
                p.requests_planned += 1;
                p.records_planned += body.items.len() as u64;
                p.bytes_planned += body.json.len() as u64;
                let e = p.by_endpoint.entry(endpoint_name(endpoint)).or_default();
                e.0 += 1;
                e.1 += body.items.len() as u64;
                // Skipped only when this very body was acknowledged: a changed plan (another
                // clock, another file) under the same journal is sent again.
                if done.get(&seq) == Some(&body_hash(&body.json)) {
                    p.skipped_in_journal += body.items.len() as u64;
                    if let Some(refused) = earlier.get(&seq) {
                        let mut items: Vec<Option<Item>> =
                            body.items.into_iter().map(Some).collect();
                        for (i, msg) in refused {
                            if let Some(item) = items.get_mut(*i).and_then(Option::take) {
                                p.earlier_refused.push((item, msg.clone()));
                            }
                        }
                    }
                    return true;
                }
                let records = body.items.len();
                p.items.insert(seq, (body_hash(&body.json), body.items));
                drop(p);
                tx.send(Request {
                    seq,
                    endpoint,
                    body: body.json,
                    records,
                })
                .is_ok()
            };
            let mut open = true;
            second_pass(
                spool,
                setup_ref.jobs,
                resolution_ref,
                false,
                None,
                |pos, record, _| {
                    let mut raw = Vec::new();
                    netmera::write_line(&mut raw, record);
                    raw.pop();
                    if let Some((endpoint, body)) = planner.push(record, Item { pos, raw }) {
                        open = open && send(endpoint, body);
                    }
                    // Stop reading when the uploader has stopped taking requests.
                    if open {
                        Ok(())
                    } else {
                        Err(Error::Interrupted)
                    }
                },
            )
            .or_else(|e| if open { Err(e) } else { Ok(()) })?;
            let skipped = planner.skipped;
            let too_large = std::mem::take(&mut planner.too_large);
            for (endpoint, body) in planner.finish() {
                if open {
                    open = send(endpoint, body);
                }
            }
            let mut p = producer_plan.lock().unwrap_or_else(|e| e.into_inner());
            p.skipped_not_applicable = skipped;
            p.too_large = too_large;
            Ok(())
        });

        let result = if let Some((partner, token)) = &credentials {
            send_all(
                args,
                kind,
                partner,
                token.clone(),
                rx,
                &plan,
                &mut reporting,
                &names,
                journal,
                &mut up,
                &mut progress,
                setup_ref.rules.shown.redact,
            )
        } else {
            dry_run(out_dir.as_ref(), rx)
        };
        let produced = producer.join().unwrap_or_else(|_| {
            Err(Error::Usage(
                "internal error: the request planner stopped".to_string(),
            ))
        });
        match (result, produced) {
            (Err(e), _) => Ok(Err(e)),
            (Ok(_), Err(e)) => Err(e),
            (Ok(()), Ok(())) => Ok(Ok(Status::Success)),
        }
    });
    let outcome = outcome?;
    if let (Ok(_), Some(d)) = (&outcome, out_dir.as_mut()) {
        d.commit()?;
    }

    // What the planner found besides the requests: records that fit no body, refusals of an
    // earlier run of the same command. Both go to the rejects file (exit 1), but neither counts
    // in `records_refused`, which only counts refusals of records this run sent (so it never
    // exceeds `records_sent`); the earlier refusals are among `skipped`.
    let mut p = plan.lock().unwrap_or_else(|e| e.into_inner());
    up.skipped += p.skipped_not_applicable + p.skipped_in_journal;
    let mut rejected_unsent = 0u64;
    for (item, problem) in std::mem::take(&mut p.too_large) {
        refuse(&mut reporting, &names, &item, problem)?;
        rejected_unsent += 1;
    }
    for (item, msg) in std::mem::take(&mut p.earlier_refused) {
        refuse(
            &mut reporting,
            &names,
            &item,
            api_problem(&format!("{msg} (refused in an earlier run)"), true),
        )?;
        rejected_unsent += 1;
    }
    if args.dry_run {
        print_plan(args, kind, &p);
    }
    drop(p);

    let elapsed = progress.elapsed();
    let rejects_path = reporting.finish(&summary, Some(&up), elapsed)?;
    setup.say(&summary.human(elapsed));
    setup.say(&format!(
        "  upload: {} requests, {} records sent, {} accepted, {} refused, {} retries, {} skipped; {}\n",
        up.requests,
        up.records_sent,
        up.records_accepted,
        up.records_refused,
        up.retries,
        up.skipped,
        rejects_shown(rejects_path.as_deref())
    ));
    outcome?;
    Ok(
        if summary.invalid > 0 || up.records_refused > 0 || rejected_unsent > 0 {
            Status::DataProblems
        } else {
            Status::Success
        },
    )
}

fn check_flags(args: &UploadArgs, kind: Kind) -> Result<(), Error> {
    if let Some(g) = &args.group {
        if kind != Kind::Unsubscribe {
            return Err(Error::Usage(
                "--group is for unsubscribe (email unsubscribe groups)".to_string(),
            ));
        }
        let n = g.chars().count();
        if !(3..=29).contains(&n) {
            return Err(Error::Usage(format!(
                "--group must be 3 to 29 characters long (Insider's limit); {n} given"
            )));
        }
    }
    if args.group_id.is_some() && kind != Kind::Resubscribe {
        return Err(Error::Usage(
            "--group-id is for resubscribe (email resubscribe groups)".to_string(),
        ));
    }
    if kind != Kind::Upsert
        && (args.insider.external_id_as.is_some()
            || args.insider.skip_hook
            || args.insider.consent_event.is_some())
    {
        return Err(Error::Usage(
            "--external-id-as, --skip-hook and --consent-event are for upsert".to_string(),
        ));
    }
    if args.out.is_some() && !args.dry_run {
        return Err(Error::Usage(
            "--out writes the request bodies of a --dry-run; add --dry-run".to_string(),
        ));
    }
    if args.concurrency == 0 || args.max_contacts == 0 || args.rate == Some(0) {
        return Err(Error::Usage(
            "--concurrency, --max-contacts and --rate must be at least 1".to_string(),
        ));
    }
    check_base_url(&args.unification_url)
        .map_err(|m| Error::Usage(format!("--unification-url: {m}")))?;
    check_base_url(&args.contact_url).map_err(|m| Error::Usage(format!("--contact-url: {m}")))?;
    Ok(())
}

/// A refusal from the API. Insider's messages echo the refused value, so under `--redact` anything
/// that looks like an email or a phone number is masked.
fn api_problem(message: &str, redact: bool) -> Problem {
    let message = if redact {
        scrub_recipients(message)
    } else {
        message.to_string()
    };
    Problem::error(
        Field::Row,
        Code::ApiRefused,
        format!("Insider refused this record: {}", sanitize(&message)),
    )
}

fn refuse(
    reporting: &mut Reporting,
    names: &[String],
    item: &Item,
    problem: Problem,
) -> Result<(), Error> {
    let located = Located {
        file: names[item.pos.file()].clone(),
        line: item.pos.line(),
        problem,
    };
    reporting.late_problem(&located)?;
    reporting.reject(
        &located.file,
        located.line,
        std::slice::from_ref(&located.problem),
        &item.raw,
    )
}

#[allow(clippy::too_many_arguments)]
fn send_all(
    args: &UploadArgs,
    kind: Kind,
    partner: &str,
    token: Secret,
    rx: std::sync::mpsc::Receiver<Request>,
    plan: &Mutex<Plan>,
    reporting: &mut Reporting,
    names: &[String],
    journal: Option<(PathBuf, Journal)>,
    up: &mut Upload,
    progress: &mut crate::report::progress::Progress,
    redact: bool,
) -> Result<(), Error> {
    let Some((journal_path, mut journal)) = journal else {
        return Err(Error::Usage("internal error: no journal".to_string()));
    };
    let default_rate = match kind {
        Kind::Upsert => Endpoint::Upsert.default_rate_per_min(),
        _ => Endpoint::EmailUnsubscribe.default_rate_per_min(),
    };
    let scale = test_time_scale();
    let cfg = ClientConfig {
        unification_url: args.unification_url.clone(),
        contact_url: args.contact_url.clone(),
        partner: partner.to_string(),
        token,
        rate_per_min: args.rate.unwrap_or(default_rate),
        concurrency: args.concurrency,
        max_retries: args.max_retries,
        timeout: Duration::from_secs(args.timeout.max(1)),
        max_wait: Duration::from_secs(args.max_wait),
        backoff_base: DEFAULT_BACKOFF_BASE.mul_f64(scale),
        backoff_cap: DEFAULT_BACKOFF_CAP.mul_f64(scale),
        drain: DEFAULT_DRAIN.mul_f64(scale),
    };
    progress.phase("sending", None);
    let refusals: RefCell<Vec<(Item, Problem)>> = RefCell::new(Vec::new());
    let counters = RefCell::new(*up);
    let mut rate_wait = Duration::ZERO;
    let mut acknowledged = 0u64;
    // Partial-failure indices that are not in their request (a server bug): ignored.
    let mut out_of_range = 0u64;
    let result = upload(
        &cfg,
        rx.into_iter(),
        CancelToken::new().with_signals(),
        |event| {
            let mut up = counters.borrow_mut();
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
            progress.message(
                up.records_sent,
                format!(
                    "{} requests, {} accepted, {} refused, {} retries{}",
                    up.requests,
                    up.records_accepted,
                    up.records_refused,
                    up.retries,
                    if rate_wait.is_zero() {
                        String::new()
                    } else {
                        format!(", rate-limit wait {rate_wait:.1?}")
                    }
                ),
            );
        },
        |seq, result| {
            let (hash, items) = plan
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .items
                .remove(&seq)
                .unwrap_or_default();
            let refused: Vec<(usize, String)> = match result {
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
            let accepted = items.len().saturating_sub(refused.len());
            journal.record_body(seq, hash, accepted, &refused)?;
            acknowledged += 1;
            let mut up = counters.borrow_mut();
            up.records_accepted += accepted as u64;
            up.records_refused += refused.len() as u64;
            let mut items: Vec<Option<Item>> = items.into_iter().map(Some).collect();
            for (i, msg) in refused {
                if let Some(item) = items.get_mut(i).and_then(Option::take) {
                    refusals
                        .borrow_mut()
                        .push((item, api_problem(&msg, redact)));
                }
            }
            Ok(())
        },
    );
    progress.finish();
    *up = counters.into_inner();
    if out_of_range > 0 && !args.common.quiet {
        eprintln!(
            "iysync: warning: Insider reported {out_of_range} refused records at positions that are not in their request; they were ignored (those requests count as accepted)"
        );
    }
    for (item, problem) in refusals.into_inner() {
        refuse(reporting, names, &item, problem)?;
    }
    match result {
        Ok(stats) => {
            up.retries = stats.retries;
            Ok(())
        }
        Err(e) => {
            let e = upload_error(e);
            if !matches!(e, Error::Usage(_)) {
                eprintln!(
                    "iysync: {acknowledged} of the {} requests sent were acknowledged and are recorded in {}",
                    up.requests,
                    journal_path.display()
                );
            }
            Err(e)
        }
    }
}

/// `--dry-run`: everything but the network. Counts the plan; with `--out DIR` writes the bodies.
fn dry_run(out: Option<&OutputDir>, rx: std::sync::mpsc::Receiver<Request>) -> Result<(), Error> {
    let mut counters: HashMap<&'static str, u64> = HashMap::new();
    for request in rx {
        if let Some(dir) = out {
            let name = endpoint_name(request.endpoint);
            let n = counters.entry(name).or_default();
            *n += 1;
            let path = dir.staged(&format!("{name}-{n:06}.json"));
            let mut f = create_new_private(&path)?;
            f.write_all(&request.body)
                .map_err(|e| Error::io(format!("cannot write {}", path.display()), e))?;
        }
    }
    Ok(())
}

fn print_plan(args: &UploadArgs, kind: Kind, p: &Plan) {
    let mut out = String::new();
    out.push_str(&format!(
        "dry run of `iysync {}`: {} records in {} requests, {} bytes; nothing was sent\n",
        kind.name(),
        p.records_planned,
        p.requests_planned,
        p.bytes_planned
    ));
    for (name, (requests, records)) in &p.by_endpoint {
        let endpoint = match *name {
            "upsert" => Endpoint::Upsert,
            "email-unsubscribe" => Endpoint::EmailUnsubscribe,
            "email-subscribe" => Endpoint::EmailSubscribe,
            "sms-unsubscribe" => Endpoint::SmsUnsubscribe,
            _ => Endpoint::SmsSubscribe,
        };
        let base = if endpoint.is_contact() {
            &args.contact_url
        } else {
            &args.unification_url
        };
        out.push_str(&format!(
            "  POST {}{}: {requests} requests, {records} records\n",
            base.trim_end_matches('/'),
            endpoint.path()
        ));
    }
    if p.skipped_not_applicable > 0 {
        out.push_str(&format!(
            "  {} resolved records are not for {} (skipped)\n",
            p.skipped_not_applicable,
            kind.name()
        ));
    }
    if let Some(dir) = &args.out {
        out.push_str(&format!("  bodies written to {}\n", dir.display()));
    }
    let mut stdout = crate::output::Stdout::new();
    let _ = stdout
        .write_all(out.as_bytes())
        .and_then(|()| stdout.flush());
}
