//! `iysync sync`: the nightly job (SPEC §11). Judge and resolve the inputs, plan them against the
//! consent ledger, stop at the guard, then send only the changes in SPEC §11's order
//! ([`crate::ledger::sync`]); the ledger records each acknowledged request as it comes.

use std::cell::RefCell;
use std::time::Duration;

use crate::cli::SyncArgs;
use crate::commands::convert::upsert_options;
use crate::engine::{Resolved, RowSink, Setup, resolve_inputs};
use crate::error::{Error, Status};
use crate::insider::check_base_url;
use crate::insider::session::{self, Destination, Kind, Pacing, Shape};
use crate::ledger::plan::Plan;
use crate::ledger::sync::{EARLIER, Journal, Shapes, plan_inputs, send_plan};
use crate::ledger::{Ledger, RunMode, check_guard};
use crate::output::insider::UpsertOptions;
use crate::output::rejects::{default_rejects_path, rejects_shown};
use crate::output::{OutputDir, Outputs};
use crate::record::{Code, Field, Problem};
use crate::report::reporting::Reporting;
use crate::report::{Located, Summary, Upload};

pub fn run(args: &SyncArgs) -> Result<Status, Error> {
    crate::signals::install()?;
    let (common, send) = (&args.common, &args.send);
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
    let setup = Setup::new(common)?;
    for (flag, url) in [
        ("--unification-url", &send.unification_url),
        ("--contact-url", &send.contact_url),
    ] {
        check_base_url(url).map_err(|m| Error::Usage(format!("{flag}: {m}")))?;
    }
    let partner_name = send
        .partner
        .as_deref()
        .unwrap_or_default()
        .trim()
        .to_string();
    if partner_name.is_empty() {
        return Err(Error::Usage(
            "no partner name: pass --partner NAME or set INSIDER_PARTNER_NAME (the ledger keeps each partner's keys apart)".into(),
        ));
    }
    let state = match &args.state {
        Some(p) => p.clone(),
        None => crate::ledger::default_path()?,
    };
    let rejects_path = send
        .rejects
        .clone()
        .unwrap_or_else(|| default_rejects_path(setup.rules.now));
    let mut outputs = Outputs::new(&setup.sources)
        .force(send.force)
        .rejects("the rejects file (--rejects)", &rejects_path)
        .report(common.report.as_deref())
        .maybe_creating_dir("--state", Some(&state));
    if let Some(dir) = &send.out {
        outputs = outputs.dir("--out", dir);
    }
    outputs.check()?;
    let mut out_dir = send
        .out
        .as_deref()
        .map(|d| OutputDir::open(d, send.force))
        .transpose()?;

    // The ledger is locked before the inputs are read; a dry run without one plans against an
    // empty ledger of its own, so that nothing is created at --state.
    let (mut ledger, _scratch) = if send.dry_run && !state.exists() {
        let dir =
            tempfile::tempdir().map_err(|e| Error::io("cannot create a temporary ledger", e))?;
        (
            Ledger::open(&dir.path().join(crate::ledger::FILE_NAME))?,
            Some(dir),
        )
    } else {
        (Ledger::open(&state)?, None)
    };
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
    let planned = plan_inputs(
        &ledger,
        partner,
        spool,
        setup.jobs,
        &resolution,
        setup.sources.len(),
    )?;
    let plan = &planned.plan;
    let mut names: Vec<&str> = setup.sources.iter().map(|s| s.name.as_str()).collect();
    names.push(EARLIER);
    for s in &plan.stale {
        *summary.by_code.entry(Code::Stale.as_str()).or_default() += 1;
        reporting.warning(&Located {
            file: names[s.file].to_string(),
            line: s.line,
            problem: Problem::warning(Field::Row, Code::Stale, format!(
                "stale: the ledger says Insider was told {} with a consent time of {}, later than this {} of {}; nothing was sent for it",
                s.ledger_permission.as_str(), time(s.ledger_consent_at), s.permission.as_str(), time(s.consent_at),
            )),
        })?;
    }
    if let Some(r) = reporting.report.as_mut() {
        r.block(
            "sync",
            serde_json::to_value(plan.counts).unwrap_or_default(),
        );
    }
    let inputs: Vec<String> = names[..setup.sources.len()]
        .iter()
        .map(|n| n.to_string())
        .collect();
    let now = setup.rules.now;
    let c = &plan.counts;
    let sync_line = format!(
        "  sync: {} unchanged, {} new, {} opt-out, {} opt-in, {} stale, {} pending\n",
        c.unchanged, c.new, c.opt_out, c.opt_in, c.stale, c.pending
    );
    if !args.baseline
        && let Err(e) = check_guard(plan.flips(), plan.ledger_keys, args.max_changes)
    {
        if let (false, Some(p)) = (send.dry_run, partner) {
            let run = ledger.begin_run(p, RunMode::Sync, &inputs, now)?;
            ledger.finish_run(run, now, "guard", &plan.counts)?;
        }
        progress.finish();
        let elapsed = progress.elapsed();
        nothing_sent(reporting, &summary, plan, elapsed)?;
        setup.printer.say(&summary.human(elapsed));
        setup.printer.say(&sync_line);
        return Err(e);
    }
    // SPEC §3: with --fail-on-invalid, one invalid row and nothing is sent (nor, with --baseline,
    // recorded); the ledger keeps what Insider acknowledged before.
    if send.fail_on_invalid && summary.invalid > 0 {
        if let (false, Some(p)) = (send.dry_run, partner) {
            let mode = match args.baseline {
                true => RunMode::Baseline,
                false => RunMode::Sync,
            };
            let run = ledger.begin_run(p, mode, &inputs, now)?;
            ledger.finish_run(run, now, "invalid", &plan.counts)?;
        }
        progress.finish();
        let elapsed = progress.elapsed();
        nothing_sent(reporting, &summary, plan, elapsed)?;
        setup.printer.say(&summary.human(elapsed));
        setup.printer.say(&sync_line);
        setup.printer.say(&format!(
            "  nothing sent: {} invalid rows and --fail-on-invalid; the ledger is unchanged; fix them (see the rejects file) and run again\n",
            summary.invalid
        ));
        return Ok(Status::DataProblems);
    }
    let partner = partner.unwrap_or(crate::ledger::PartnerId(-1));
    if args.baseline {
        let run = ledger.begin_run(partner, RunMode::Baseline, &inputs, now)?;
        ledger.baseline(partner, run, plan, now)?;
        ledger.finish_run(run, now, "ok", &plan.counts)?;
        let elapsed = progress.elapsed();
        reporting.finish(&summary, None, elapsed)?;
        setup.printer.say(&summary.human(elapsed));
        setup.printer.say(&sync_line);
        setup.printer.say(&format!(
            "  baseline: {} keys recorded in {} as acknowledged; nothing was sent\n",
            plan.actions.len(),
            state.display()
        ));
        return Ok(if summary.invalid > 0 {
            Status::DataProblems
        } else {
            Status::Success
        });
    }

    // Tokens and the destination before any request: only those the plan uses.
    let destination = match send.dry_run || plan.is_empty() {
        true => None,
        false => Some(destination(&setup, args, &partner_name, &planned.kinds())?),
    };
    let run = match send.dry_run {
        true => None,
        false => {
            let run = ledger.begin_run(partner, RunMode::Sync, &inputs, now)?;
            ledger.begin_sending(partner, run, plan)?;
            Some(run)
        }
    };
    let ledger = RefCell::new(ledger);
    let sent = send_plan(
        &planned,
        &shapes(args)?,
        destination,
        run.map(|run| Journal {
            ledger: &ledger,
            partner,
            run,
            sent_at: now,
        }),
        out_dir.as_ref().map(|d| d.staging()),
        &setup.printer,
        setup.rules.shown.redact,
        &mut progress,
    )?;
    progress.finish();
    if let (None, Some(d)) = (&sent.failure, out_dir.as_mut()) {
        d.commit()?;
    }
    let mut unsent = 0u64;
    for r in sent.refused {
        unsent += u64::from(!r.sent);
        reporting.refuse(names[r.pos.file()], r.pos.line(), r.problem, &r.row)?;
    }
    let up = sent.counters;
    let status = match &sent.failure {
        Some(Error::Interrupted | Error::Terminated) => "interrupted",
        Some(_) => "aborted",
        None if up.records_refused > 0 || sent.held_back > 0 => "refused",
        None => "ok",
    };
    if let Some(run) = run {
        ledger
            .borrow_mut()
            .finish_run(run, now, status, &plan.counts)?;
    }
    if let Some(r) = reporting.report.as_mut() {
        let by: serde_json::Map<String, serde_json::Value> = sent
            .phases
            .iter()
            .map(|(k, u)| {
                (
                    k.name().to_string(),
                    serde_json::to_value(u).unwrap_or_default(),
                )
            })
            .collect();
        r.block("upload_by_endpoint", serde_json::Value::Object(by));
    }
    if run.is_none() {
        crate::output::Stdout::print(&dry_run_text(&sent.requests, &sync_line, send));
    }
    let elapsed = progress.elapsed();
    let rejects = reporting.finish(&summary, Some(&up), elapsed)?;
    setup.printer.say(&summary.human(elapsed));
    setup.printer.say(&sync_line);
    setup
        .printer
        .say(&up.human(&rejects_shown(rejects.as_deref())));
    if let Some(e) = sent.failure {
        return Err(e);
    }
    let problems = summary.invalid > 0 || up.records_refused > 0 || unsent > 0;
    Ok(if problems {
        Status::DataProblems
    } else {
        Status::Success
    })
}

/// Ends the rejects file and the report of a run stopped before sending: the plan's changes all
/// `skipped`, no request.
fn nothing_sent(
    reporting: Reporting,
    summary: &Summary,
    plan: &Plan,
    elapsed: Duration,
) -> Result<(), Error> {
    let up = Upload {
        skipped: plan.actions.len() as u64,
        ..Default::default()
    };
    reporting.finish(summary, Some(&up), elapsed).map(|_| ())
}

fn time(at: i64) -> String {
    chrono::DateTime::from_timestamp(at, 0).map_or_else(|| at.to_string(), |t| t.to_rfc3339())
}

fn shapes(args: &SyncArgs) -> Result<Shapes, Error> {
    let shape = |kind| Shape {
        kind,
        upsert: UpsertOptions::default(),
        max_contacts: args.contacts.max_contacts,
        group: args.group.clone(),
        group_id: args.group_id,
    };
    Ok(Shapes {
        unsubscribe: shape(Kind::Unsubscribe),
        upsert: Shape {
            upsert: upsert_options(&args.insider)?,
            ..shape(Kind::Upsert)
        },
        resubscribe: shape(Kind::Resubscribe),
    })
}

fn dry_run_text(p: &session::Plan, sync_line: &str, send: &crate::cli::SendArgs) -> String {
    let mut text = format!(
        "dry run of `iysync sync`: {} records in {} requests, {} bytes; nothing was sent, the ledger is unchanged\n{sync_line}",
        p.records, p.requests, p.bytes
    );
    for (endpoint, (requests, records)) in &p.by_endpoint {
        let base = if endpoint.is_contact() {
            &send.contact_url
        } else {
            &send.unification_url
        };
        text.push_str(&format!(
            "  POST {}{}: {requests} requests, {records} records\n",
            base.trim_end_matches('/'),
            endpoint.path()
        ));
    }
    if let Some(dir) = &send.out {
        text.push_str(&format!("  bodies written to {}\n", dir.display()));
    }
    text
}

/// The account, hosts, the tokens of the commands the plan uses, and the pacing.
fn destination(
    setup: &Setup,
    args: &SyncArgs,
    partner: &str,
    kinds: &[Kind],
) -> Result<Destination, Error> {
    let send = &args.send;
    let tokens = kinds
        .iter()
        .map(|&k| Ok((k, session::read_token(k, None, &setup.printer)?)))
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(Destination {
        partner: partner.to_string(),
        unification_url: send.unification_url.clone(),
        contact_url: send.contact_url.clone(),
        tokens,
        pacing: Pacing {
            rate: send.rate,
            concurrency: send.concurrency,
            max_retries: send.max_retries,
            timeout: Duration::from_secs(send.timeout),
            max_wait: Duration::from_secs(send.max_wait),
        },
    })
}
