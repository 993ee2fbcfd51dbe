//! The consent ledger for people and scripts (`iysync ledger show|stats`): a recipient's ledger
//! row and audit history, and the ledger's counts, as text in the language of the run (numbers
//! grouped, times written for people) or JSON (RFC 3339, never translated; masked under `--redact`).

use serde_json::{Value, json};

use crate::i18n::{Arg, Lang};
use crate::ledger::{self, RecipientReport, Stats, Step};
use crate::privacy::{Shown, sanitize};
use crate::record::{self, Channel, timestamp};

pub(crate) fn time(at: Option<i64>) -> Value {
    at.map_or(Value::Null, |t| Value::String(timestamp::format_rfc3339(t)))
}

/// A time for people, in Istanbul time with its offset: `2025-05-15 14:23:00 +03:00` in English,
/// `15.05.2025 14:23:00 +03:00` in Turkish (the İYS way of writing a date).
pub(crate) fn time_for_people(lang: Lang, at: i64) -> String {
    let utc = chrono::DateTime::<chrono::Utc>::from_timestamp(at, 0).unwrap_or_default();
    let local = utc.with_timezone(&timestamp::ISTANBUL);
    let format = match lang {
        Lang::En => "%Y-%m-%d %H:%M:%S %:z",
        Lang::Tr => "%d.%m.%Y %H:%M:%S %:z",
    };
    local.format(format).to_string()
}

fn time_text(lang: Lang, at: Option<i64>) -> String {
    at.map_or_else(|| "-".to_string(), |t| time_for_people(lang, t))
}

fn permission_text(lang: Lang, p: Option<record::Permission>) -> String {
    p.map_or_else(
        || lang.t("ledger-permission-none"),
        |p| p.as_str().to_string(),
    )
}

/// A channel's name for people (`email`/`sms`, `e-posta`/`SMS`).
pub(crate) fn channel_text(lang: Lang, channel: Channel) -> String {
    match channel {
        Channel::Email => lang.t("ledger-email"),
        Channel::Sms => lang.t("ledger-sms"),
    }
}

fn steps_text(lang: Lang, steps: ledger::Steps) -> String {
    if steps.is_empty() {
        return "-".to_string();
    }
    let names: Vec<String> = steps
        .iter()
        .map(|s| lang.t(&format!("ledger-step-{}", Step::as_str(s))))
        .collect();
    // English keeps the endpoints' names joined as they were (`upsert+resubscribe`).
    names.join(match lang {
        Lang::En => "+",
        Lang::Tr => " + ",
    })
}

/// A run's status (`ok`, `refused`, `guard` …) for people; an unknown one as stored.
fn status_text(lang: Lang, status: Option<&str>) -> String {
    let key = format!("ledger-status-{}", status.unwrap_or("unfinished"));
    let text = lang.t(&key);
    if text == key {
        status.map_or(text, |s| sanitize(s).into_owned())
    } else {
        text
    }
}

fn mode_text(lang: Lang, mode: &str) -> String {
    let key = format!("ledger-mode-{mode}");
    let text = lang.t(&key);
    if text == key {
        sanitize(mode).into_owned()
    } else {
        text
    }
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

pub(crate) fn report_text(lang: Lang, report: &RecipientReport, shown: Shown, out: &mut String) {
    let s = &report.state;
    let row = lang.ta(
        "ledger-row",
        &[
            ("partner", Arg::S(sanitize(&report.partner).into_owned())),
            ("permission", Arg::S(permission_text(lang, s.permission))),
            ("consent", Arg::S(time_text(lang, s.consent_at))),
            ("sent", Arg::S(time_text(lang, s.sent_at))),
        ],
    );
    out.push_str(&format!("  {row}\n"));
    if let Some(p) = &s.pending {
        let mut line = lang.ta(
            "ledger-pending-row",
            &[
                ("permission", Arg::S(p.permission.as_str().to_string())),
                ("consent", Arg::S(time_for_people(lang, p.consent_at))),
                ("steps", Arg::S(steps_text(lang, p.steps))),
            ],
        );
        if let Some(m) = p.refused.as_deref() {
            line.push_str(&lang.ta(
                "ledger-pending-refused",
                &[("message", Arg::S(shown.value(m)))],
            ));
        }
        out.push_str(&format!("    {line}\n"));
    }
    if report.history.is_empty() {
        out.push_str(&format!("    {}\n", lang.t("ledger-history-none")));
    }
    for h in &report.history {
        let from = match (&h.input, h.line) {
            (Some(f), Some(l)) => format!("{}:{l}", sanitize(f)),
            (Some(f), None) => sanitize(f).into_owned(),
            _ => "-".to_string(),
        };
        let line = lang.ta(
            "ledger-history",
            &[
                ("sent", Arg::S(time_for_people(lang, h.sent_at))),
                (
                    "endpoint",
                    Arg::S(format!("{:<17}", endpoint_for_people(lang, h.endpoint))),
                ),
                ("permission", Arg::S(format!("{:<4}", h.permission))),
                ("consent", Arg::S(time_for_people(lang, h.consent_at))),
                ("from", Arg::S(from)),
                ("run", Arg::S(h.run_id.to_string())),
            ],
        );
        out.push_str(&format!("    {line}\n"));
    }
}

pub(crate) fn stats_text(lang: Lang, s: &Stats, out: &mut String) {
    let head = lang.ta(
        "ledger-partner-keys",
        &[
            ("partner", Arg::S(sanitize(&s.partner).into_owned())),
            ("keys", Arg::N(s.keys)),
        ],
    );
    out.push_str(&format!("{head}\n"));
    let names = [
        (channel_text(lang, Channel::Email), &s.email),
        (channel_text(lang, Channel::Sms), &s.sms),
    ];
    let width = names
        .iter()
        .map(|(n, _)| n.chars().count())
        .max()
        .unwrap_or(0);
    for (name, c) in &names {
        let mut line = lang.ta(
            "ledger-channel",
            &[
                ("channel", Arg::S(format!("{name:<width$}"))),
                ("onay", Arg::N(c.onay)),
                ("ret", Arg::N(c.ret)),
            ],
        );
        if c.none > 0 {
            line.push_str("  ");
            line.push_str(&lang.ta("ledger-channel-none", &[("n", Arg::N(c.none))]));
        }
        out.push_str(&format!("  {line}\n"));
    }
    let pending = lang.ta(
        "ledger-pending",
        &[
            ("pending", Arg::N(s.pending)),
            ("refused", Arg::N(s.refused)),
        ],
    );
    out.push_str(&format!("  {pending}\n"));
    let last = match &s.last_run {
        Some(r) => lang.ta(
            "ledger-last-run",
            &[
                ("run", Arg::S(r.run_id.to_string())),
                ("mode", Arg::S(mode_text(lang, &r.mode))),
                ("started", Arg::S(time_for_people(lang, r.started_at))),
                ("finished", Arg::S(time_text(lang, r.finished_at))),
                ("status", Arg::S(status_text(lang, r.status.as_deref()))),
            ],
        ),
        None => lang.t("ledger-no-run"),
    };
    out.push_str(&format!("  {last}\n"));
}

/// An audit row's endpoint (`upsert`, `email_unsubscribe`, `baseline`, …) in `lang`; a name this
/// build does not know is shown as stored.
fn endpoint_for_people(lang: Lang, stored: &str) -> String {
    lang.t_or(
        &format!("ledger-endpoint-{}", stored.replace('_', "-")),
        stored,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::store::{PermissionCounts, RunSummary};

    fn stats() -> Stats {
        Stats {
            partner: "acme".to_string(),
            keys: 5_000_123,
            email: PermissionCounts {
                onay: 4_000_000,
                ret: 1_000_000,
                none: 0,
            },
            sms: PermissionCounts {
                onay: 100,
                ret: 0,
                none: 23,
            },
            pending: 1_500,
            refused: 2,
            last_run: Some(RunSummary {
                run_id: 7,
                mode: "baseline".to_string(),
                started_at: 1_747_308_180,
                finished_at: None,
                status: None,
                counts: None,
            }),
        }
    }

    #[test]
    fn stats_group_their_numbers_and_write_times_for_people() {
        let mut en = String::new();
        stats_text(Lang::En, &stats(), &mut en);
        assert!(en.contains("partner acme: 5,000,123 keys\n"), "{en}");
        assert!(
            en.contains("  email  ONAY 4,000,000  RET 1,000,000\n"),
            "{en}"
        );
        assert!(
            en.contains("  sms    ONAY 100  RET 0  nothing acknowledged yet 23\n"),
            "{en}"
        );
        assert!(
            en.contains("  pending 1,500 (refused by Insider 2)\n"),
            "{en}"
        );
        assert!(
            en.contains("last run 7 (baseline): started 2025-05-15 14:23:00 +03:00, finished -, did not finish"),
            "{en}"
        );
        let mut tr = String::new();
        stats_text(Lang::Tr, &stats(), &mut tr);
        assert!(tr.contains("partner acme: 5.000.123 alıcı\n"), "{tr}");
        assert!(
            tr.contains("  e-posta  ONAY 4.000.000  RET 1.000.000\n"),
            "{tr}"
        );
        assert!(
            tr.contains("  SMS      ONAY 100  RET 0  henüz bildirilmemiş 23\n"),
            "{tr}"
        );
        assert!(
            tr.contains("  bekleyen 1.500 (Insider'ın reddettiği 2)\n"),
            "{tr}"
        );
        assert!(
            tr.contains("son çalıştırma 7 (başlangıç kaydı): başlangıç 15.05.2025 14:23:00 +03:00, bitiş -, bitmedi"),
            "{tr}"
        );
    }

    #[test]
    fn an_unknown_status_or_mode_is_shown_as_stored() {
        assert_eq!(status_text(Lang::Tr, Some("later")), "later");
        assert_eq!(
            status_text(Lang::Tr, Some("guard")),
            "koruma durdurdu (--max-changes)"
        );
        assert_eq!(mode_text(Lang::En, "other"), "other");
    }
}
