//! What `iysync sync` tells people (SPEC §11): its summary line, the `stale` warnings, the
//! `--dry-run` plan, and the `upload_by_endpoint` report block.

use std::path::Path;
use std::time::Duration;

use crate::cli::SendArgs;

use crate::engine::RowSink;
use crate::error::Error;
use crate::i18n::{self, Arg};
use crate::insider::session::{self, Kind};
use crate::ledger::{Held, Plan, Stale, SyncCounts};
use crate::printer::Printer;
use crate::record::{Code, Field, Problem};
use crate::report::reporting::Reporting;
use crate::report::{Located, Summary, Upload};

/// The `sync:` line of the people's summary, in the language of the run.
pub fn sync_line(c: &SyncCounts) -> String {
    let text = i18n::lang().ta(
        "sync-line",
        &[
            ("unchanged", Arg::N(c.unchanged)),
            ("new", Arg::N(c.new)),
            ("opt_out", Arg::N(c.opt_out)),
            ("opt_in", Arg::N(c.opt_in)),
            ("stale", Arg::N(c.stale)),
            ("pending", Arg::N(c.pending)),
        ],
    );
    format!("  {text}\n")
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
                    crate::record::Value::Time(s.ledger_consent_at),
                    crate::record::Value::Static(s.permission.as_str()),
                    crate::record::Value::Time(s.consent_at),
                ],
            ),
        ),
    }
}

/// The `withheld` warning of a pending opt-in held back by an invalid RET row of the inputs.
pub fn held_warning(h: &Held, file: &str) -> Located {
    Located {
        file: file.to_string(),
        line: h.pos.line(),
        problem: Problem::warning(
            Field::Row,
            Code::Withheld,
            crate::record::Message::new(
                &crate::record::message::WITHHELD_PENDING,
                [crate::record::Value::Time(h.onay_at)],
            ),
        ),
    }
}

/// The plan of `sync --dry-run`: its size, its counts, each endpoint's requests and records, and
/// where the bodies went, in the language of the run.
pub fn dry_run_text(p: &session::Plan, counts: &SyncCounts, send: &SendArgs) -> String {
    let lang = i18n::lang();
    let mut text = lang.ta(
        "sync-dry-run",
        &[
            ("records", Arg::N(p.records)),
            ("requests", Arg::N(p.requests)),
            ("bytes", Arg::N(p.bytes)),
        ],
    );
    text.push('\n');
    text.push_str(&sync_line(counts));
    for (endpoint, (requests, records)) in &p.by_endpoint {
        let base = if endpoint.is_contact() {
            &send.contact_url
        } else {
            &send.unification_url
        };
        let url = format!("{}{}", base.trim_end_matches('/'), endpoint.path());
        let line = lang.ta(
            "dry-run-endpoint",
            &[
                ("url", Arg::S(url)),
                ("requests", Arg::N(*requests)),
                ("records", Arg::N(*records)),
            ],
        );
        text.push_str(&format!("  {line}\n"));
    }
    if let Some(dir) = &send.out {
        let line = lang.ta(
            "dry-run-bodies",
            &[("dir", Arg::S(dir.display().to_string()))],
        );
        text.push_str(&format!("  {line}\n"));
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
    for h in &plan.held {
        *summary.by_code.entry(Code::Withheld.as_str()).or_default() += 1;
        if let Some(r) = summary.resolved.as_mut() {
            r.withheld += 1;
        }
        reporting.warning(&held_warning(h, names[h.pos.file()]))?;
    }
    if let Some(r) = reporting.report.as_mut() {
        r.block(
            "sync",
            serde_json::to_value(plan.counts).unwrap_or_default(),
        );
    }
    if let Some(h) = reporting.html.as_mut() {
        h.sync_counts(plan.counts);
    }
    Ok(())
}

/// Each endpoint's upload figures: the report's `upload_by_endpoint` block and the HTML
/// report's sync section.
pub fn report_endpoints(reporting: &mut Reporting, phases: &[(Kind, Upload)]) {
    if let Some(r) = reporting.report.as_mut() {
        r.block("upload_by_endpoint", by_endpoint(phases));
    }
    if let Some(h) = reporting.html.as_mut() {
        h.sync_endpoints(phases);
    }
}

/// The line of a run `--fail-on-invalid` stopped.
pub fn invalid_line(invalid: u64) -> String {
    let text = i18n::lang().ta("sync-invalid", &[("invalid", Arg::N(invalid))]);
    format!("  {text}\n")
}

/// The line of a `--baseline` run.
pub fn baseline_line(keys: usize, state: &Path) -> String {
    let text = i18n::lang().ta(
        "sync-baseline",
        &[
            ("keys", Arg::N(keys as u64)),
            ("state", Arg::S(state.display().to_string())),
        ],
    );
    format!("  {text}\n")
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
