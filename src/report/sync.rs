//! What `iysync sync` tells people (SPEC §11): its summary line, the `stale` warnings, the
//! `--dry-run` plan, and the `upload_by_endpoint` report block.

use std::path::Path;
use std::time::Duration;

use crate::cli::SendArgs;

use crate::engine::RowSink;
use crate::error::Error;
use crate::insider::session::{self, Kind};
use crate::ledger::{Plan, Stale, SyncCounts};
use crate::printer::Printer;
use crate::record::{Code, Field, Problem};
use crate::report::reporting::Reporting;
use crate::report::{Located, Summary, Upload};

/// The `sync:` line of the people's summary.
pub fn sync_line(c: &SyncCounts) -> String {
    format!(
        "  sync: {} unchanged, {} new, {} opt-out, {} opt-in, {} stale, {} pending\n",
        c.unchanged, c.new, c.opt_out, c.opt_in, c.stale, c.pending
    )
}

/// The warning of a record older than the ledger's other word, at its file and line.
pub fn stale_warning(s: &Stale, file: &str) -> Located {
    Located {
        file: file.to_string(),
        line: s.line,
        problem: Problem::warning(
            Field::Row,
            Code::Stale,
            crate::record::Message::new(
                &crate::record::message::STALE,
                [
                    crate::record::Value::Static(s.ledger_permission.as_str()),
                    crate::record::Value::Text(time(s.ledger_consent_at)),
                    crate::record::Value::Static(s.permission.as_str()),
                    crate::record::Value::Text(time(s.consent_at)),
                ],
            ),
        ),
    }
}

fn time(at: i64) -> String {
    chrono::DateTime::from_timestamp(at, 0).map_or_else(|| at.to_string(), |t| t.to_rfc3339())
}

/// The plan of `sync --dry-run`: its size, its counts, each endpoint's requests and records, and
/// where the bodies went.
pub fn dry_run_text(p: &session::Plan, counts: &SyncCounts, send: &SendArgs) -> String {
    let mut text = format!(
        "dry run of `iysync sync`: {} records in {} requests, {} bytes; nothing was sent, the ledger is unchanged\n{}",
        p.records,
        p.requests,
        p.bytes,
        sync_line(counts)
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

/// The `upload_by_endpoint` block: the `upload` figures of each phase.
pub fn by_endpoint(phases: &[(Kind, Upload)]) -> serde_json::Value {
    let by: serde_json::Map<String, serde_json::Value> = phases
        .iter()
        .map(|(k, u)| {
            (
                k.name().to_string(),
                serde_json::to_value(u).unwrap_or_default(),
            )
        })
        .collect();
    serde_json::Value::Object(by)
}

/// The plan in the report and on stderr: each `stale` record a warning (counted under its code),
/// and the `sync` block of the plan's counts.
pub fn report_plan(
    reporting: &mut Reporting,
    summary: &mut Summary,
    plan: &Plan,
    names: &[&str],
) -> Result<(), Error> {
    for s in &plan.stale {
        *summary.by_code.entry(Code::Stale.as_str()).or_default() += 1;
        reporting.warning(&stale_warning(s, names[s.file]))?;
    }
    if let Some(r) = reporting.report.as_mut() {
        r.block(
            "sync",
            serde_json::to_value(plan.counts).unwrap_or_default(),
        );
    }
    Ok(())
}

/// The line of a run `--fail-on-invalid` stopped.
pub fn invalid_line(invalid: u64) -> String {
    format!(
        "  nothing sent: {invalid} invalid rows and --fail-on-invalid; the ledger is unchanged; fix them (see the rejects file) and run again\n"
    )
}

/// The line of a `--baseline` run.
pub fn baseline_line(keys: usize, state: &Path) -> String {
    format!(
        "  baseline: {keys} keys recorded in {} as acknowledged; nothing was sent\n",
        state.display()
    )
}

/// Ends a run stopped before sending: the rejects file, the report (the plan's `skipped`
/// changes, no request) and the summary on stderr.
pub fn finish_unsent(
    reporting: Reporting,
    summary: &Summary,
    counts: &SyncCounts,
    skipped: u64,
    elapsed: Duration,
    printer: &Printer,
) -> Result<(), Error> {
    let up = Upload {
        skipped,
        ..Default::default()
    };
    reporting.finish(summary, Some(&up), elapsed)?;
    printer.say(&summary.human(elapsed));
    printer.say(&sync_line(counts));
    Ok(())
}
