//! `iysync sync`: the nightly job (SPEC §11). Judge and resolve the inputs, plan them against the
//! consent ledger, stop at the guard (or at an invalid row under `--fail-on-invalid`), then send
//! only the changes in SPEC §11's order ([`crate::ledger::sync`]); the ledger records each
//! acknowledged request as it comes.

use std::cell::RefCell;
use std::path::Path;

use crate::cli::SyncArgs;
use crate::commands::convert::upsert_options;
use crate::engine::{Resolved, Setup, resolve_inputs};
use crate::error::{Error, Status};
use crate::ledger::sync::{
    EARLIER, Journal, Shapes, baseline_inputs, check_send_args, destination, open_ledger,
    plan_inputs, send_plan,
};
use crate::ledger::{PartnerId, Plan, RunMode, check_guard};
use crate::output::OutputDir;
use crate::output::rejects::{default_rejects_path, rejects_shown};
use crate::report::Summary;
use crate::report::sync::{
    baseline_line, dry_run_text, finish_unsent, invalid_line, report_endpoints, report_plan,
    sync_line,
};

pub fn run(args: &SyncArgs) -> Result<Status, Error> {
    crate::signals::install()?;
    let (common, send) = (&args.common, &args.send);
    let partner_name = check_send_args(send)?;
    let setup = Setup::new(common)?;
    let state = match &args.state {
        Some(p) => p.clone(),
        None => crate::ledger::default_path()?,
    };
    let rejects_path = send
        .rejects
        .clone()
        .unwrap_or_else(|| default_rejects_path(setup.rules.now));
    let mut out_dir = check_outputs(&setup, args, &state, &rejects_path)?;
    // The ledger is locked before the inputs are read.
    let (mut ledger, _scratch) = open_ledger(&state, send.dry_run)?;
    let partner = match send.dry_run {
        true => ledger.find_partner(&partner_name)?,
        false => Some(ledger.partner(&partner_name)?),
    };

    let Resolved {
        mut reporting,
        mut summary,
        resolution,
        mut progress,
        spool,
    } = resolve_inputs(&setup, &rejects_path, common.report.as_deref())?;
    progress.phase("planning", None);
    let inputs = setup.sources.len();
    let now = setup.rules.now;
    let mut names: Vec<&str> = setup.sources.iter().map(|s| s.name.as_str()).collect();
    let input_names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    names.push(EARLIER);
    let mode = match args.baseline {
        true => RunMode::Baseline,
        false => RunMode::Sync,
    };
    // --baseline records the keys as the plan goes (in batches), unless --fail-on-invalid
    // stops it: then it is planned like any run and nothing is recorded.
    if let (true, false, Some(partner)) = (
        args.baseline,
        send.fail_on_invalid && summary.invalid > 0,
        partner,
    ) {
        let input = (spool, setup.jobs, &resolution);
        let (plan, recorded, run) =
            baseline_inputs(&mut ledger, partner, &input_names, input, now)?;
        report_plan(&mut reporting, &mut summary, &plan, &names)?;
        ledger.finish_run(run, now, "ok", &plan.counts)?;
        let elapsed = setup.elapsed();
        reporting.finish(&summary, None, elapsed)?;
        setup.printer.say(&summary.human(elapsed));
        setup.printer.say(&sync_line(&plan.counts));
        setup.printer.say(&baseline_line(recorded as usize, &state));
        return Ok(Status::of(summary.invalid > 0));
    }
    let planned = plan_inputs(&ledger, partner, spool, setup.jobs, &resolution, inputs)?;
    let plan = &planned.plan;
    report_plan(&mut reporting, &mut summary, plan, &names)?;

    // Stopped before sending: nothing is sent (nor recorded by --baseline), the run is in `runs`.
    if let Some((why, stop)) = stop(args, plan, &summary) {
        if let (false, Some(p)) = (send.dry_run, partner) {
            let run = ledger.begin_run(p, mode, &input_names, now)?;
            ledger.finish_run(run, now, why, &plan.counts)?;
        }
        progress.finish();
        let skipped = planned.actions();
        finish_unsent(
            reporting,
            &summary,
            &plan.counts,
            skipped,
            setup.elapsed(),
            &setup.printer,
        )?;
        if why == "invalid" {
            setup.printer.say(&invalid_line(summary.invalid));
        }
        return stop;
    }
    if args.baseline {
        // Unreachable (--baseline needs a partner, which only --dry-run lacks, and the two
        // conflict), but a baseline never sends.
        return Err(Error::Usage(
            "internal error: --baseline reached the sending phase; nothing was sent".to_string(),
        ));
    }
    let partner = partner.unwrap_or(PartnerId(-1));

    // Tokens and the destination before any request: only those the plan uses.
    let destination = destination(send, &partner_name, &planned, &setup.printer)?;
    let run = match send.dry_run {
        true => None,
        false => Some(planned.begin_run(&mut ledger, partner, &input_names, now)?),
    };
    let ledger = RefCell::new(ledger);
    let (upsert, c) = (upsert_options(&args.insider)?, args.contacts.max_contacts);
    let shapes = Shapes::new(upsert, c, args.group.clone(), args.group_id);
    let journal = run.map(|run| Journal {
        ledger: &ledger,
        partner,
        run,
        sent_at: now,
    });
    let bodies = out_dir.as_ref().map(|d| d.staging());
    let redact = setup.rules.shown.redact;
    let sent = send_plan(
        &planned,
        &shapes,
        destination,
        journal,
        bodies,
        &setup.printer,
        redact,
        &mut progress,
    )?;
    progress.finish();
    if let (None, Some(d)) = (&sent.failure, out_dir.as_mut()) {
        d.commit()?;
    }

    // The ledger's run, the report, the rejects file and the summary.
    let run_status = sent.status();
    let unsent = reporting.refused_records(&mut summary, sent.refused, &names)?;
    if let Some(run) = run {
        let mut ledger = ledger.borrow_mut();
        ledger.finish_run(run, now, run_status, &plan.counts)?;
    }
    report_endpoints(&mut reporting, &sent.phases);
    if run.is_none() {
        reporting.dry_run(&dry_run_text(&sent.requests, &plan.counts, send));
    }
    let up = sent.counters;
    let elapsed = setup.elapsed();
    let rejects = reporting.finish(&summary, Some(&up), elapsed)?;
    setup.printer.say(&summary.human(elapsed));
    setup.printer.say(&sync_line(&plan.counts));
    setup
        .printer
        .say(&up.human(&rejects_shown(rejects.as_deref())));
    if let Some(e) = sent.failure {
        return Err(e);
    }
    Ok(Status::of(
        summary.invalid > 0 || up.records_refused > 0 || unsent > 0,
    ))
}

/// Why a run sends nothing, as its status in `runs`, and how it ends: the guard (exit 2; not
/// under --baseline, which sends nothing), then an invalid row under --fail-on-invalid (exit 1).
fn stop(
    args: &SyncArgs,
    plan: &Plan,
    summary: &Summary,
) -> Option<(&'static str, Result<Status, Error>)> {
    if !args.baseline
        && let Err(e) = check_guard(plan.flips(), plan.ledger_keys, args.max_changes)
    {
        return Some(("guard", Err(e)));
    }
    (args.send.fail_on_invalid && summary.invalid > 0)
        .then_some(("invalid", Ok(Status::DataProblems)))
}

/// SPEC §9: no output is an input or another output; the `--out` directory locked and staged.
fn check_outputs(
    setup: &Setup,
    args: &SyncArgs,
    state: &Path,
    rejects: &Path,
) -> Result<Option<OutputDir>, Error> {
    let send = &args.send;
    let mut outputs = setup
        .outputs(send.force)
        .rejects(crate::tr!("err-what-rejects"), rejects)
        .maybe_creating_dir("--state", Some(state));
    if let Some(dir) = &send.out {
        outputs = outputs.dir("--out", dir);
    }
    outputs.check()?;
    send.out
        .as_deref()
        .map(|d| OutputDir::open(d, send.force))
        .transpose()
}
