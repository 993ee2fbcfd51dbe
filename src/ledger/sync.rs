//! The driver of `iysync sync` (SPEC §11): the resolved records of the inputs planned against the
//! ledger ([`plan_inputs`]), then sent through one upload session in SPEC §11's order
//! ([`send_plan`]): every unsubscribe (all acknowledged before any upsert is sent), every upsert,
//! then the resubscribes of the keys whose upsert Insider acknowledged.
//!
//! The ledger is the journal: [`LedgerHook`] records each acknowledged request in one
//! transaction ([`Ledger::record_ack`]) and each refusal ([`Ledger::record_refused`]); nothing
//! else marks a change as sent. A run stopped at any point leaves the rest pending, and the next
//! run plans it again.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use tempfile::TempDir;

use super::plan::{Action, Held, Origin, Plan, Planner};
use super::store::{Baseline, Endpoint, Ledger, PartnerId, RunId};
use super::{Step, channel_code};
use crate::cli::SendArgs;
use crate::engine::{second_pass, second_pass_where};
use crate::error::Error;
use crate::insider::client::Endpoint as ApiEndpoint;
use crate::insider::session::{self, Ack, Acknowledge, Destination, Kind, Refused, Session, Shape};
use crate::output::insider::UpsertOptions;
use crate::printer::Printer;
use crate::record::{Permission, Record};
use crate::report::Upload;
use crate::report::progress::Progress;
use crate::resolve::{Pos, Resolution, Selection};
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

/// The plan with what to send for each action.
pub struct Planned {
    pub plan: Plan,
    /// The record sent for `plan.actions[i]`: the input's record, or one built from the action
    /// for a pending change of an earlier run that today's inputs do not mention.
    records: Vec<Option<Record>>,
    /// Where `plan.actions[i]` came from: its input position, or `(inputs, i + 1)` for an
    /// earlier run's pending change (named [`EARLIER`] in the rejects file).
    positions: Vec<Pos>,
    by_pos: HashMap<Pos, usize>,
}

/// The "file" of the pending changes of earlier runs, in the rejects file and messages.
pub const EARLIER: &str = "(pending from an earlier run)";

/// Pass two for `sync`: every resolved record (withheld keys are never selected) planned against
/// `ledger` (`partner: None`: the partner has no rows yet), and the records of the plan's actions
/// read back from the spool. `inputs` is the number of input files.
pub fn plan_inputs(
    ledger: &Ledger,
    partner: Option<PartnerId>,
    spool: Spool,
    jobs: usize,
    resolution: &Resolution,
    inputs: usize,
) -> Result<Planned, Error> {
    let again = spool.try_clone()?;
    let planner = fill_planner(spool, jobs, resolution)?;
    // A partner the ledger does not know has no rows: nothing is acknowledged for any key.
    // Withheld keys are never planned: not even an earlier run's pending change of them.
    let withheld = |channel: crate::record::Channel, recipient: &str| {
        resolution.is_withheld_key(crate::resolve::key_of(channel, recipient))
    };
    let mut plan = planner.plan_except(ledger, partner.unwrap_or(PartnerId(-1)), &withheld)?;
    hold_back_earlier_opt_ins(&mut plan, resolution);
    let mut positions = Vec::with_capacity(plan.actions.len());
    let mut by_pos = HashMap::with_capacity(plan.actions.len());
    let mut wanted = Selection::default();
    for (i, action) in plan.actions.iter().enumerate() {
        let pos = match action.origin {
            Origin::Input { file, line } => {
                wanted.insert(Pos::new(file, line));
                Pos::new(file, line)
            }
            Origin::Earlier { .. } => Pos::new(inputs, i as u64 + 1),
        };
        positions.push(pos);
        by_pos.insert(pos, i);
    }
    let mut records: Vec<Option<Record>> = vec![None; plan.actions.len()];
    if !wanted.is_empty() {
        // Only the actions' records are decoded (a daily delta's are few).
        let pick = |pos: Pos| wanted.contains(pos.file(), pos.line());
        second_pass_where(
            again.rewound()?,
            jobs,
            &pick,
            &|pos, _| pick(pos),
            None,
            |pos, record, _| {
                crate::signals::check()?;
                if let Some(&i) = by_pos.get(&pos) {
                    records[i] = Some(record.clone());
                }
                Ok(())
            },
        )?;
    }
    // In place: no second vector of every record.
    for (r, a) in records.iter_mut().zip(&plan.actions) {
        if r.is_none() {
            *r = Some(record_of(a));
        }
    }
    Ok(Planned {
        plan,
        records,
        positions,
        by_pos,
    })
}

/// SPEC §2's `withheld` rule against the ledger: an ONAY of an earlier run (a pending opt-in
/// planned again) is not sent when an invalid RET row of today's inputs may be later than it (its
/// time unreadable, or not earlier). The resolver withholds a key against the inputs' own ONAY;
/// here the ONAY is the ledger's, for a key the inputs mention only in such a row, or whose
/// valid rows are older RETs. The change stays pending for the run that has the row fixed.
fn hold_back_earlier_opt_ins(plan: &mut Plan, resolution: &Resolution) {
    let mut held = Vec::new();
    plan.actions.retain(|a| {
        if a.permission != Permission::Onay || !matches!(a.origin, Origin::Earlier { .. }) {
            return true;
        }
        let key = crate::resolve::key_of(a.channel, &a.recipient);
        match resolution.withholds(key, a.consent_at) {
            Some((hold_at, pos)) => {
                held.push(Held {
                    channel: a.channel,
                    recipient: a.recipient.clone(),
                    pos,
                    hold_at,
                    onay_at: a.consent_at,
                });
                false
            }
            None => true,
        }
    });
    plan.held = held;
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
/// key's action. Returns the plan (its counts and stale warnings; no actions) and the keys
/// recorded. The ledger is read through a second connection, a snapshot of the ledger as it
/// was before the baseline began.
pub fn baseline_inputs(
    ledger: &mut Ledger,
    partner: PartnerId,
    run: RunId,
    spool: Spool,
    jobs: usize,
    resolution: &Resolution,
    at: i64,
) -> Result<(Plan, u64), Error> {
    let planner = fill_planner(spool, jobs, resolution)?;
    let withheld = |channel: crate::record::Channel, recipient: &str| {
        resolution.is_withheld_key(crate::resolve::key_of(channel, recipient))
    };
    let reader = ledger.read_connection()?;
    let mut baseline = Baseline::new(ledger, partner, run, at);
    let plan = planner.plan_into(reader.reading(), partner, None, &withheld, &mut baseline)?;
    let recorded = baseline.finish()?;
    Ok((plan, recorded))
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
    /// Which commands the plan sends (their tokens are needed).
    pub fn kinds(&self) -> Vec<Kind> {
        let mut kinds = Vec::new();
        if self.plan.unsubscribes().next().is_some() {
            kinds.push(Kind::Unsubscribe);
        }
        if self.plan.upserts().next().is_some() {
            kinds.push(Kind::Upsert);
        }
        if self.plan.resubscribes().next().is_some() {
            kinds.push(Kind::Resubscribe);
        }
        kinds
    }

    /// The indices of the actions `keep` keeps, in plan order (their records are borrowed
    /// when sent, not copied).
    fn items(&self, keep: impl Fn(&Action) -> bool) -> Vec<usize> {
        self.plan
            .actions
            .iter()
            .enumerate()
            .filter(|(_, a)| keep(a))
            .map(|(i, _)| i)
            .collect()
    }

    /// The position and record of action `i`.
    fn item(&self, i: usize) -> Option<(Pos, &Record)> {
        let record = self.records.get(i)?.as_ref()?;
        Some((*self.positions.get(i)?, record))
    }
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
        let (mut done, mut not) = (Vec::new(), Vec::new());
        for (i, pos) in ack.records.iter().enumerate() {
            let action = self
                .planned
                .by_pos
                .get(pos)
                .and_then(|&a| self.planned.plan.actions.get(a))
                .ok_or_else(|| {
                    std::io::Error::other(
                        "internal error: an acknowledged record is not in the plan",
                    )
                })?;
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
            let message = format!(
                "Insider answered a request to its {} endpoint ({records} records), but the ledger could not record the answer: {e}. Nothing more was sent. Those records stay pending in the ledger {path}, as do those of any request still in flight, and the next `iysync sync` on this ledger sends them again: check the disk space and the file (sqlite3 {path} 'PRAGMA integrity_check') first, and keep this --state (another ledger would not know what was sent)",
                endpoint.as_str()
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
    if send.dry_run || planned.plan.is_empty() {
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
            return Err(Error::Usage(format!(
                "sync does not take {flag}: the ledger (--state) is its journal, and its three tokens come from INSIDER_UCD_TOKEN, INSIDER_UNSUBSCRIBE_TOKEN and INSIDER_RESUBSCRIBE_TOKEN"
            )));
        }
    }
    session::check_urls(send)?;
    session::partner_name(send, " (the ledger keeps each partner's keys apart)")
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
    let plan = &planned.plan;
    let mut phases = Vec::new();
    let mut held_back = 0u64;
    for (kind, shape, phase) in [
        (Kind::Unsubscribe, &shapes.unsubscribe, "unsubscribing"),
        (Kind::Upsert, &shapes.upsert, "upserting"),
        (Kind::Resubscribe, &shapes.resubscribe, "resubscribing"),
    ] {
        let items = match kind {
            Kind::Unsubscribe => planned.items(|a| a.steps.contains(Step::Unsubscribe)),
            Kind::Upsert => planned.items(|a| a.steps.contains(Step::Upsert)),
            // Only the keys whose upsert (`true`) Insider acknowledged; all of them in a dry run.
            Kind::Resubscribe => match &journal {
                Some(j) => {
                    let ready: HashSet<(i64, &str)> = j
                        .ledger
                        .borrow()
                        .ready_to_resubscribe(j.partner, plan)?
                        .into_iter()
                        .map(|a| (channel_code(a.channel), a.recipient.as_str()))
                        .collect();
                    let all = plan.resubscribes().count() as u64;
                    let items = planned.items(|a| {
                        a.permission == Permission::Onay
                            && a.steps.contains(Step::Resubscribe)
                            && ready.contains(&(channel_code(a.channel), a.recipient.as_str()))
                    });
                    held_back = all - items.len() as u64;
                    items
                }
                None => planned.items(|a| a.steps.contains(Step::Resubscribe)),
            },
        };
        let before = session.counters();
        if !items.is_empty() {
            session.set_phase(phase);
            progress.phase(phase, Some(items.len() as u64));
            session.send(
                shape,
                Box::new(move |each| {
                    for (pos, record) in items.iter().filter_map(|&i| planned.item(i)) {
                        if !each(pos, record) {
                            break;
                        }
                    }
                    Ok(())
                }),
                progress,
            )?;
        }
        phases.push((kind, minus(session.counters(), before)));
    }
    // A failure to record an acknowledgement is told as the ledger's, not as a journal's.
    let failure = session.take_failure();
    let failure = ledger_failure.borrow_mut().take().or(failure);
    Ok(Sent {
        counters: session.counters(),
        phases,
        refused: session.take_refused(),
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
