//! The driver of `iysync sync` (SPEC §11): the resolved records of the inputs planned against the
//! ledger ([`plan_inputs`]; the plan's changes spooled to a temporary file, never all in
//! memory), then streamed through one upload session in SPEC §11's order
//! ([`send_plan`]): every unsubscribe (all acknowledged before any upsert is sent), every upsert,
//! then the resubscribes of the keys whose upsert Insider acknowledged.
//!
//! The ledger is the journal: [`LedgerHook`] records each acknowledged request in one
//! transaction ([`Ledger::record_ack`]) and each refusal ([`Ledger::record_refused`]); nothing
//! else marks a change as sent. A run stopped at any point leaves the rest pending, and the next
//! run plans it again.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use tempfile::TempDir;

use super::Step;
use super::plan::{Action, Change, Held, Origin, Plan, Planner};
use super::spool::{Changes, Entry, Spooling};
use super::store::{Baseline, Endpoint, Ledger, PartnerId, RunId, RunMode};
use crate::cli::SendArgs;
use crate::engine::second_pass;
use crate::error::Error;
use crate::insider::client::Endpoint as ApiEndpoint;
use crate::insider::session::{self, Ack, Acknowledge, Destination, Kind, Refused, Session, Shape};
use crate::output::insider::UpsertOptions;
use crate::printer::Printer;
use crate::record::{Permission, Record};
use crate::report::Upload;
use crate::report::progress::Progress;
use crate::resolve::{Pos, Resolution};
use crate::spool::Spool;

impl From<ApiEndpoint> for Endpoint {
    fn from(e: ApiEndpoint) -> Endpoint {
        match e {
            ApiEndpoint::Upsert => Endpoint::Upsert,
            ApiEndpoint::EmailUnsubscribe => Endpoint::EmailUnsubscribe,
            ApiEndpoint::SmsUnsubscribe => Endpoint::SmsUnsubscribe,
            ApiEndpoint::EmailSubscribe => Endpoint::EmailSubscribe,
            ApiEndpoint::SmsSubscribe => Endpoint::SmsSubscribe,
        }
    }
}

/// The plan, its changes spooled to disk in key order ([`Changes`]): memory holds the counts,
/// the stale warnings and the held-back opt-ins, never the actions.
pub struct Planned {
    /// The counts, `stale`, `held` and the ledger's keys (its `actions` and `updates` are in
    /// the spool).
    pub plan: Plan,
    changes: Changes,
    /// The number of input files: an earlier run's pending change `i` is shown at line `i + 1`
    /// of the file after them ([`EARLIER`]).
    inputs: usize,
}

/// The "file" of the pending changes of earlier runs, in the rejects file and messages.
pub const EARLIER: &str = "(pending from an earlier run)";

/// Pass two for `sync`: every resolved record (withheld keys are never selected) planned against
/// `ledger` (`partner: None`: the partner has no rows yet), the plan's actions (each with the
/// input record it sends) and ledger-only updates written to a spool as the merge finds them.
/// `inputs` is the number of input files.
pub fn plan_inputs(
    ledger: &Ledger,
    partner: Option<PartnerId>,
    spool: Spool,
    jobs: usize,
    resolution: &Resolution,
    inputs: usize,
) -> Result<Planned, Error> {
    plan_inputs_in(
        ledger,
        partner,
        spool,
        jobs,
        resolution,
        inputs,
        Changes::new()?,
    )
}

/// [`plan_inputs`] into a given spool of changes (tests give one in their own directory).
pub fn plan_inputs_in(
    ledger: &Ledger,
    partner: Option<PartnerId>,
    spool: Spool,
    jobs: usize,
    resolution: &Resolution,
    inputs: usize,
    mut changes: Changes,
) -> Result<Planned, Error> {
    let planner = fill_planner(spool, jobs, resolution)?;
    // A partner the ledger does not know has no rows: nothing is acknowledged for any key.
    // Withheld keys are never planned: not even an earlier run's pending change of them.
    let withheld = |channel: crate::record::Channel, recipient: &str| {
        resolution.is_withheld_key(crate::resolve::key_of(channel, recipient))
    };
    let mut held = Vec::new();
    let mut hold = |a: &Action| match hold_back_earlier_opt_ins(a, resolution) {
        Some(h) => {
            held.push(h);
            true
        }
        None => false,
    };
    let mut sink = Spooling {
        changes: &mut changes,
        hold: &mut hold,
    };
    let partner = partner.unwrap_or(PartnerId(-1));
    let mut plan = planner.plan_into(ledger.reading(), partner, None, &withheld, &mut sink)?;
    plan.held = held;
    changes.finish()?;
    Ok(Planned {
        plan,
        changes,
        inputs,
    })
}

/// SPEC §2's `withheld` rule against the ledger: an ONAY of an earlier run (a pending opt-in
/// planned again) is not sent when an invalid RET row of today's inputs may be later than it (its
/// time unreadable, or not earlier). The resolver withholds a key against the inputs' own ONAY;
/// here the ONAY is the ledger's, for a key the inputs mention only in such a row, or whose
/// valid rows are older RETs. The change stays pending for the run that has the row fixed: the
/// action is dropped before it is spooled (nothing of it is sent or recorded).
fn hold_back_earlier_opt_ins(a: &Action, resolution: &Resolution) -> Option<Held> {
    if a.permission != Permission::Onay || !matches!(a.origin, Origin::Earlier { .. }) {
        return None;
    }
    let key = crate::resolve::key_of(a.channel, &a.recipient);
    let (hold_at, pos) = resolution.withholds(key, a.consent_at)?;
    Some(Held {
        channel: a.channel,
        recipient: a.recipient.clone(),
        pos,
        hold_at,
        onay_at: a.consent_at,
    })
}

/// Every resolved record of the spool, pushed into a planner (sorted on disk when large).
fn fill_planner(spool: Spool, jobs: usize, resolution: &Resolution) -> Result<Planner, Error> {
    let mut planner = Planner::new();
    second_pass(spool, jobs, resolution, false, None, |pos, record, _| {
        crate::signals::check()?;
        planner.push(pos, record)
    })?;
    Ok(planner)
}

/// `--baseline`: every resolved record planned against the ledger and recorded as acknowledged
/// as the plan goes, in batched transactions ([`Baseline`]), so that memory never holds every
/// key's action, in a run of its own in the `runs` table. Returns the plan (its counts and stale
/// warnings; no actions), the keys recorded and the run (still to finish). The ledger is read
/// through a second connection, a snapshot of the ledger as it was before the baseline began.
/// Stopped part-way (Ctrl-C, an error), the batches committed stay (a rerun records the rest)
/// and the run says how it ended, as far as the ledger can still be written.
pub fn baseline_inputs(
    ledger: &mut Ledger,
    partner: PartnerId,
    input_names: &[String],
    (spool, jobs, resolution): (Spool, usize, &Resolution),
    at: i64,
) -> Result<(Plan, u64, RunId), Error> {
    let run = ledger.begin_run(partner, RunMode::Baseline, input_names, at)?;
    let recorded = (|| {
        let planner = fill_planner(spool, jobs, resolution)?;
        let withheld = |channel: crate::record::Channel, recipient: &str| {
            resolution.is_withheld_key(crate::resolve::key_of(channel, recipient))
        };
        let reader = ledger.read_connection()?;
        let mut baseline = Baseline::new(ledger, partner, run, at);
        let plan = planner.plan_into(reader.reading(), partner, None, &withheld, &mut baseline)?;
        Ok((plan, baseline.finish()?))
    })();
    match recorded {
        Ok((plan, recorded)) => Ok((plan, recorded, run)),
        Err(e) => {
            let status = match e {
                Error::Interrupted | Error::Terminated => "interrupted",
                _ => "aborted",
            };
            let _ = ledger.finish_run(run, at, status, &Default::default());
            Err(e)
        }
    }
}

/// The record of an action whose input is not at hand: its key, word and consent time.
fn record_of(a: &Action) -> Record {
    Record {
        channel: a.channel,
        recipient: a.recipient.clone(),
        platform: "iysync".into(),
        permission: a.permission,
        timestamp: a.consent_at,
        external_id: None,
    }
}

impl Planned {
    /// Actions to send.
    pub fn actions(&self) -> u64 {
        self.changes.actions()
    }

    /// Nothing to send.
    pub fn is_empty(&self) -> bool {
        self.changes.actions() == 0
    }

    /// Which commands the plan sends (their tokens are needed).
    pub fn kinds(&self) -> Vec<Kind> {
        [
            (Kind::Unsubscribe, Step::Unsubscribe),
            (Kind::Upsert, Step::Upsert),
            (Kind::Resubscribe, Step::Resubscribe),
        ]
        .into_iter()
        .filter(|(_, step)| self.changes.with_step(*step) > 0)
        .map(|(kind, _)| kind)
        .collect()
    }

    /// Before the first request: every planned change recorded as pending and the ledger-only
    /// updates applied, in one transaction ([`Ledger::begin_sending_from`]), read from the spool.
    pub fn begin_sending(
        &self,
        ledger: &mut Ledger,
        partner: PartnerId,
        run: RunId,
    ) -> Result<(), Error> {
        let mut reader = self.changes.read()?;
        let mut changes = std::iter::from_fn(|| match reader.next_entry() {
            Ok(Some((_, Entry::Action { action, .. }))) => Some(Ok(Change::Action(action))),
            Ok(Some((_, Entry::Update(u)))) => Some(Ok(Change::Update(u))),
            Ok(None) => None,
            Err(e) => Some(Err(e)),
        });
        ledger.begin_sending_from(partner, run, &mut changes)
    }

    /// A sync run begun in the ledger, and its plan recorded as pending before any request
    /// ([`Planned::begin_sending`]).
    pub fn begin_run(
        &self,
        ledger: &mut Ledger,
        partner: PartnerId,
        input_names: &[String],
        now: i64,
    ) -> Result<RunId, Error> {
        let run = ledger.begin_run(partner, RunMode::Sync, input_names, now)?;
        self.begin_sending(ledger, partner, run)?;
        Ok(run)
    }

    /// The actions at the offsets the session's items carry (their positions' lines).
    fn actions_at(&self, records: &[Pos]) -> Result<Vec<(Action, u64)>, Error> {
        let offsets: Vec<u64> = records.iter().map(|p| p.line()).collect();
        self.changes
            .read_at(&offsets)?
            .into_iter()
            .map(|e| match e {
                Entry::Action {
                    action, ordinal, ..
                } => Ok((action, ordinal)),
                Entry::Update(_) => Err(Error::Usage(
                    "internal error: an acknowledged record is not in the plan".to_string(),
                )),
            })
            .collect()
    }

    /// Where an action came from, for the rejects file: its input position, or `(inputs,
    /// ordinal + 1)` for an earlier run's pending change (named [`EARLIER`]).
    fn shown_at(&self, action: &Action, ordinal: u64) -> Pos {
        match action.origin {
            Origin::Input { file, line } => Pos::new(file, line),
            Origin::Earlier { .. } => Pos::new(self.inputs, ordinal + 1),
        }
    }

    /// The records of the actions with `step` (`ready`: only the ordinals set there), each at
    /// its offset in the spool, to `each` until it takes no more.
    fn feed(
        &self,
        step: Step,
        ready: Option<&[u64]>,
        each: &mut dyn FnMut(Pos, &Record) -> bool,
    ) -> Result<(), Error> {
        let mut reader = self.changes.read()?;
        while let Some((offset, entry)) = reader.next_entry()? {
            let Entry::Action {
                action,
                ordinal,
                record,
            } = entry
            else {
                continue;
            };
            if !action.steps.contains(step) || ready.is_some_and(|r| !bit(r, ordinal)) {
                continue;
            }
            let record = record.unwrap_or_else(|| record_of(&action));
            if !each(Pos::new(0, offset), &record) {
                break;
            }
        }
        Ok(())
    }

    /// The ordinals (a bitset) of the resubscribes whose upsert Insider acknowledged, and how
    /// many there are.
    fn ready_to_resubscribe(
        &self,
        ledger: &Ledger,
        partner: PartnerId,
    ) -> Result<(Vec<u64>, u64), Error> {
        let mut bits = vec![0u64; self.changes.actions().div_ceil(64) as usize];
        let mut ready = 0;
        let mut reader = self.changes.read()?;
        while let Some((_, entry)) = reader.next_entry()? {
            if let Entry::Action {
                action, ordinal, ..
            } = entry
                && ledger.is_ready_to_resubscribe(partner, &action)?
                && let Some(word) = bits.get_mut((ordinal / 64) as usize)
            {
                *word |= 1 << (ordinal % 64);
                ready += 1;
            }
        }
        Ok((bits, ready))
    }
}

fn bit(bits: &[u64], i: u64) -> bool {
    bits.get((i / 64) as usize)
        .is_some_and(|w| w & (1 << (i % 64)) != 0)
}

/// Records every acknowledged request in the ledger (one transaction a request), and the
/// records Insider refused as pending, refused (planned again next run).
struct LedgerHook<'l> {
    ledger: &'l RefCell<Ledger>,
    partner: PartnerId,
    run: RunId,
    planned: &'l Planned,
    sent_at: i64,
    /// Why an acknowledgement could not be recorded: the run's error (the session only knows it
    /// as a journal's).
    failure: &'l RefCell<Option<Error>>,
}

impl Acknowledge for LedgerHook<'_> {
    fn acknowledged(&mut self, ack: &Ack<'_>) -> std::io::Result<()> {
        let endpoint = Endpoint::from(ack.endpoint);
        let refused: HashMap<usize, &str> =
            ack.refused.iter().map(|(i, m)| (*i, m.as_str())).collect();
        // A spool that cannot be read back stops the run with its own message: the request's
        // records stay pending (nothing of them is recorded).
        let actions = self.planned.actions_at(ack.records).map_err(|e| {
            let message = e.to_string();
            *self.failure.borrow_mut() = Some(e);
            std::io::Error::other(message)
        })?;
        let (mut done, mut not) = (Vec::new(), Vec::new());
        for (i, (action, _)) in actions.iter().enumerate() {
            match refused.get(&i) {
                Some(message) => not.push((action, *message)),
                None => done.push(action),
            }
        }
        let mut ledger = self.ledger.borrow_mut();
        // The request's records stay pending (begin_sending marked them so, and nothing of the
        // failed transaction is kept): the next run plans them again, with or without inputs
        // that mention them. So do the records of requests answered after this one.
        let path = ledger.path().display().to_string();
        let records = ack.records.len();
        let failure = self.failure;
        let other = |e: Error| {
            let message = crate::tr!(
                "err-sync-ack-unrecorded",
                endpoint = endpoint.as_str(),
                records = crate::i18n::Arg::N(records as u64),
                error = e,
                path = &path
            );
            *failure.borrow_mut() = Some(Error::Usage(message.clone()));
            std::io::Error::other(message)
        };
        if !done.is_empty() {
            ledger
                .record_ack(self.partner, self.run, endpoint, &done, self.sent_at)
                .map_err(other)?;
        }
        if !not.is_empty() {
            ledger
                .record_refused(self.partner, self.run, endpoint, &not)
                .map_err(other)?;
        }
        Ok(())
    }
}

/// The shapes of the three commands' bodies.
pub struct Shapes {
    pub unsubscribe: Shape,
    pub upsert: Shape,
    pub resubscribe: Shape,
}

impl Shapes {
    /// Upserts with `upsert`'s options; contacts per unsubscribe or resubscribe body, the
    /// unsubscribe group's name and the resubscribe group's id as given.
    pub fn new(
        upsert: UpsertOptions,
        max_contacts: usize,
        group: Option<String>,
        group_id: Option<u64>,
    ) -> Shapes {
        let shape = |kind| Shape {
            kind,
            upsert: UpsertOptions::default(),
            max_contacts,
            group: group.clone(),
            group_id,
        };
        Shapes {
            unsubscribe: shape(Kind::Unsubscribe),
            upsert: Shape {
                upsert,
                ..shape(Kind::Upsert)
            },
            resubscribe: shape(Kind::Resubscribe),
        }
    }
}

/// The ledger of a run at `state`, locked for the run. A dry run never changes `state`: without
/// a ledger it plans against an empty one of its own, and on a ledger of an older schema against
/// a migrated copy (both in a temporary directory, removed when dropped).
pub fn open_ledger(state: &Path, dry_run: bool) -> Result<(Ledger, Option<TempDir>), Error> {
    if dry_run {
        let exists = state.exists();
        if !exists || Ledger::version_at(state)? < super::store::SCHEMA_VERSION {
            let dir = tempfile::tempdir()
                .map_err(|e| Error::io("cannot create a temporary ledger", e))?;
            let scratch = dir.path().join(super::FILE_NAME);
            let ledger = match exists {
                true => Ledger::open_migrated_copy(state, &scratch)?,
                false => Ledger::open(&scratch)?,
            };
            return Ok((ledger, Some(dir)));
        }
    }
    Ok((Ledger::open(state)?, None))
}

/// The account, hosts, the tokens of the commands the plan uses, and the pacing; none for a dry
/// run or a plan with nothing to send (no token is needed then).
pub fn destination(
    send: &SendArgs,
    partner: &str,
    planned: &Planned,
    printer: &Printer,
) -> Result<Option<Destination>, Error> {
    if send.dry_run || planned.is_empty() {
        return Ok(None);
    }
    let tokens = planned
        .kinds()
        .into_iter()
        .map(|k| Ok((k, session::read_token(k, None, printer)?)))
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(Some(Destination::from_send_args(send, partner, tokens)))
}

/// The upload flags `sync` refuses (the ledger is its journal, its tokens come from the
/// environment), the base URLs, and the partner's name (trimmed, required).
pub fn check_send_args(send: &SendArgs) -> Result<String, Error> {
    for (given, flag) in [
        (send.journal.is_some(), "--journal"),
        (send.restart, "--restart"),
        (send.token_file.is_some(), "--token-file"),
    ] {
        if given {
            return Err(Error::Usage(crate::tr!("err-sync-flag", flag = flag)));
        }
    }
    session::check_urls(send)?;
    session::partner_name(send, &crate::tr!("err-sync-partner-why"))
}

/// Where the acknowledgements go: `None` under `--dry-run`.
pub struct Journal<'l> {
    pub ledger: &'l RefCell<Ledger>,
    pub partner: PartnerId,
    pub run: RunId,
    pub sent_at: i64,
}

/// What sending did.
pub struct Sent {
    pub counters: Upload,
    /// The counters of each phase: unsubscribe, upsert, resubscribe.
    pub phases: Vec<(Kind, Upload)>,
    pub refused: Vec<Refused>,
    pub failure: Option<Error>,
    pub acknowledged: u64,
    /// What was planned into requests (the `--dry-run` text).
    pub requests: session::Plan,
    /// Resubscribes held back because their upsert was not acknowledged.
    pub held_back: u64,
}

impl Sent {
    /// The run's status in the ledger's `runs` table.
    pub fn status(&self) -> &'static str {
        match &self.failure {
            Some(Error::Interrupted | Error::Terminated) => "interrupted",
            Some(_) => "aborted",
            None if self.counters.records_refused > 0 || self.held_back > 0 => "refused",
            None => "ok",
        }
    }
}

/// Sends the plan in SPEC §11's order through one session (`destination: None`: a dry run,
/// bodies written to `bodies` when given).
#[allow(clippy::too_many_arguments)]
pub fn send_plan(
    planned: &Planned,
    shapes: &Shapes,
    destination: Option<Destination>,
    journal: Option<Journal<'_>>,
    bodies: Option<PathBuf>,
    printer: &Printer,
    redact: bool,
    progress: &mut Progress,
) -> Result<Sent, Error> {
    let ledger_failure = RefCell::new(None);
    let mut hook = journal.as_ref().map(|j| LedgerHook {
        ledger: j.ledger,
        partner: j.partner,
        run: j.run,
        planned,
        sent_at: j.sent_at,
        failure: &ledger_failure,
    });
    let mut session = Session::new(destination, printer, redact);
    if let Some(h) = hook.as_mut() {
        session.on_acknowledged(h);
    }
    if let Some(dir) = bodies {
        session.write_bodies_to(dir);
    }
    let mut phases = Vec::new();
    let mut held_back = 0u64;
    for (kind, step, shape, phase) in [
        (
            Kind::Unsubscribe,
            Step::Unsubscribe,
            &shapes.unsubscribe,
            "unsubscribing",
        ),
        (Kind::Upsert, Step::Upsert, &shapes.upsert, "upserting"),
        (
            Kind::Resubscribe,
            Step::Resubscribe,
            &shapes.resubscribe,
            "resubscribing",
        ),
    ] {
        let all = planned.changes.with_step(step);
        // Only the keys whose upsert (`true`) Insider acknowledged; all of them in a dry run.
        let (ready, count) = match (&journal, step) {
            (Some(j), Step::Resubscribe) if all > 0 => {
                let (bits, ready) = planned.ready_to_resubscribe(&j.ledger.borrow(), j.partner)?;
                held_back = all - ready;
                (Some(bits), ready)
            }
            _ => (None, all),
        };
        let before = session.counters();
        if count > 0 {
            session.set_phase(phase);
            progress.phase(phase, Some(count));
            session.send(
                shape,
                Box::new(move |each| planned.feed(step, ready.as_deref(), each)),
                progress,
            )?;
        }
        phases.push((kind, minus(session.counters(), before)));
    }
    // A failure to record an acknowledgement is told as the ledger's, not as a journal's.
    let failure = session.take_failure();
    let failure = ledger_failure.borrow_mut().take().or(failure);
    // A signal that stopped the phases between two requests leaves no failure in the session:
    // the run still ends as interrupted (130/143), with what was not sent left pending.
    let failure = failure.or_else(|| crate::signals::received().map(|s| s.error()));
    // The session's items are at their offsets in the spool: the rejects show the input's file
    // and line.
    let mut refused = session.take_refused();
    let at: Vec<Pos> = refused.iter().map(|r| r.pos).collect();
    for (r, (action, ordinal)) in refused.iter_mut().zip(planned.actions_at(&at)?) {
        r.pos = planned.shown_at(&action, ordinal);
    }
    Ok(Sent {
        counters: session.counters(),
        phases,
        refused,
        failure,
        acknowledged: session.acknowledged(),
        requests: session.plan().clone(),
        held_back,
    })
}

fn minus(a: Upload, b: Upload) -> Upload {
    Upload {
        requests: a.requests - b.requests,
        records_sent: a.records_sent - b.records_sent,
        records_accepted: a.records_accepted - b.records_accepted,
        records_refused: a.records_refused - b.records_refused,
        retries: a.retries.saturating_sub(b.retries),
        skipped: a.skipped.saturating_sub(b.skipped),
    }
}
