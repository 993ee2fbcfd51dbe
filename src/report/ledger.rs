//! The consent ledger for people and scripts (`iysync ledger show|stats`): a recipient's ledger
//! row and audit history, and the ledger's counts, as text or JSON (masked under `--redact`).

use serde_json::{Value, json};

use crate::ledger::{self, RecipientReport, Stats};
use crate::privacy::{Shown, sanitize};
use crate::record::{self, timestamp};

pub(crate) fn time(at: Option<i64>) -> Value {
    at.map_or(Value::Null, |t| Value::String(timestamp::format_rfc3339(t)))
}

pub(crate) fn time_text(at: Option<i64>) -> String {
    at.map_or_else(|| "-".to_string(), timestamp::format_rfc3339)
}

pub(crate) fn permission_text(p: Option<record::Permission>) -> &'static str {
    p.map_or("none", record::Permission::as_str)
}

pub(crate) fn report_json(report: &RecipientReport, shown: Shown) -> Value {
    let s = &report.state;
    json!({
        "partner": report.partner,
        "channel": report.channel.as_str(),
        "recipient": shown.recipient(&report.recipient),
        "permission": s.permission.map(record::Permission::as_str),
        "consent_at": time(s.consent_at),
        "sent_at": time(s.sent_at),
        "pending": s.pending.as_ref().map(|p| json!({
            "permission": p.permission.as_str(),
            "consent_at": time(Some(p.consent_at)),
            "steps": p.steps.iter().map(ledger::Step::as_str).collect::<Vec<_>>(),
            "refused": p.refused.as_deref().map(|m| sanitize(m).into_owned()),
        })),
        "history": report.history.iter().map(|h| json!({
            "permission": h.permission,
            "consent_at": time(Some(h.consent_at)),
            "endpoint": h.endpoint,
            "sent_at": time(Some(h.sent_at)),
            "input": h.input,
            "line": h.line,
            "run_id": h.run_id,
        })).collect::<Vec<_>>(),
    })
}

pub(crate) fn report_text(report: &RecipientReport, shown: Shown, out: &mut String) {
    let s = &report.state;
    out.push_str(&format!(
        "  partner {}: {} (consent {}, sent {})\n",
        sanitize(&report.partner),
        permission_text(s.permission),
        time_text(s.consent_at),
        time_text(s.sent_at)
    ));
    if let Some(p) = &s.pending {
        out.push_str(&format!(
            "    pending: {} (consent {}), still to send: {}{}\n",
            p.permission.as_str(),
            timestamp::format_rfc3339(p.consent_at),
            p.steps.describe(),
            p.refused
                .as_deref()
                .map(|m| format!("; refused: {}", shown.value(m)))
                .unwrap_or_default()
        ));
    }
    if report.history.is_empty() {
        out.push_str("    history: none acknowledged\n");
    }
    for h in &report.history {
        let from = match (&h.input, h.line) {
            (Some(f), Some(l)) => format!("{}:{l}", sanitize(f)),
            (Some(f), None) => sanitize(f).into_owned(),
            _ => "-".to_string(),
        };
        out.push_str(&format!(
            "    {}  {:<17}  {:<4}  consent {}  from {}  run {}\n",
            timestamp::format_rfc3339(h.sent_at),
            h.endpoint,
            h.permission,
            timestamp::format_rfc3339(h.consent_at),
            from,
            h.run_id
        ));
    }
}

pub(crate) fn stats_text(s: &Stats, out: &mut String) {
    out.push_str(&format!(
        "partner {}: {} keys\n",
        sanitize(&s.partner),
        s.keys
    ));
    for (name, c) in [("email", &s.email), ("sms", &s.sms)] {
        out.push_str(&format!(
            "  {name:<5}  ONAY {}  RET {}{}\n",
            c.onay,
            c.ret,
            if c.none > 0 {
                format!("  nothing acknowledged yet {}", c.none)
            } else {
                String::new()
            }
        ));
    }
    out.push_str(&format!(
        "  pending {} (refused by Insider {})\n",
        s.pending, s.refused
    ));
    match &s.last_run {
        Some(r) => out.push_str(&format!(
            "  last run {} ({}): started {}, finished {}, {}\n",
            r.run_id,
            r.mode,
            timestamp::format_rfc3339(r.started_at),
            time_text(r.finished_at),
            r.status.as_deref().unwrap_or("did not finish")
        )),
        None => out.push_str("  no run yet\n"),
    }
}
