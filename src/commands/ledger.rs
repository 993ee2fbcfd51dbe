//! `iysync ledger show|stats`: reading the consent ledger (SPEC §11), for people (text on stdout)
//! and for scripts (`--format json`). The ledger is read without its lock, so it can be inspected
//! while a sync runs.

use std::io::Write;
use std::path::PathBuf;

use serde_json::json;

use crate::cli::{LedgerArgs, LedgerCommand, LedgerFormat, LedgerShowArgs};
use crate::error::{Error, Status};
use crate::i18n::{self, Arg};
use crate::ledger::{self, Ledger, PartnerId, Stats};
use crate::privacy::{Shown, sanitize};
use crate::record::{self, Channel, Outcome, Rules, timestamp};
use crate::report::ledger::{channel_text, report_json, report_text, stats_text};

pub fn run(cmd: &LedgerCommand) -> Result<Status, Error> {
    match cmd {
        LedgerCommand::Show(args) => show(args),
        LedgerCommand::Stats(args) => stats(args),
    }
}

fn open(args: &LedgerArgs) -> Result<(Ledger, Option<PartnerId>), Error> {
    let path: PathBuf = match &args.state {
        Some(p) => p.clone(),
        None => ledger::default_path()?,
    };
    let ledger = Ledger::open_for_reading(&path)?;
    let partner = match &args.partner {
        Some(name) => Some(ledger.find_partner(name)?.ok_or_else(|| {
            Error::Usage(crate::tr!(
                "err-ledger-no-partner",
                path = path.display(),
                partner = format!("{:?}", name.to_lowercase())
            ))
        })?),
        None => None,
    };
    Ok((ledger, partner))
}

fn shown(args: &LedgerArgs) -> Shown {
    Shown {
        redact: args.redact || super::ci_redaction(),
    }
}

fn print(text: &str) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| Error::io(crate::tr!("err-write-stdout"), e))
}

/// Normalises a recipient exactly as a consent file's recipient field: a synthetic row is judged
/// with the record module's rules, so emails are lower-cased and phones written in any common
/// form become E.164 digits.
pub fn normalise(recipient: &str) -> Result<(Channel, String), String> {
    if recipient.contains([';', '\n', '\r']) {
        return Err(crate::tr!("err-recipient-separator"));
    }
    let rules = Rules::new(timestamp::ISTANBUL, chrono::Utc::now().timestamp());
    let row = format!("{recipient};ledger;ONAY;01.06.2020 00:00:00");
    match record::judge(&row, &rules) {
        Outcome::Valid { record, .. } => Ok((record.channel, record.recipient.to_string())),
        Outcome::Invalid { problems, .. } => Err(problems
            .iter()
            .map(|p| p.text(i18n::lang()).to_string())
            .collect::<Vec<_>>()
            .join("; ")),
        Outcome::Blank => Err(crate::tr!("err-recipient-empty")),
    }
}

fn show(args: &LedgerShowArgs) -> Result<Status, Error> {
    let shown = shown(&args.ledger);
    // Every recipient is read before the ledger is opened: a typo stops the command at once.
    let mut keys = Vec::with_capacity(args.recipients.len());
    for written in &args.recipients {
        let key = normalise(written).map_err(|why| {
            Error::Usage(crate::tr!(
                "err-not-a-recipient",
                value = format!("{:?}", shown.recipient(written)),
                why = why
            ))
        })?;
        keys.push((written, key));
    }
    let (ledger, partner) = open(&args.ledger)?;
    let mut text = String::new();
    let mut docs = Vec::new();
    for (written, (channel, canonical)) in keys {
        let reports = ledger.show(partner, channel, &canonical)?;
        match args.ledger.format {
            LedgerFormat::Json => docs.push(json!({
                "input": shown.recipient(written),
                "channel": channel.as_str(),
                "recipient": shown.recipient(&canonical),
                "found": !reports.is_empty(),
                "partners": reports.iter().map(|r| report_json(r, shown)).collect::<Vec<_>>(),
            })),
            LedgerFormat::Text => {
                let lang = i18n::lang();
                text.push_str(&format!(
                    "{} {}",
                    channel_text(lang, channel),
                    shown.recipient(&canonical)
                ));
                if written.trim() != canonical {
                    let w = lang.ta(
                        "ledger-written",
                        &[("written", Arg::S(shown.recipient(written)))],
                    );
                    text.push_str(&format!(" {w}"));
                }
                text.push('\n');
                if reports.is_empty() {
                    text.push_str(&format!("  {}\n", lang.t("ledger-not-found")));
                }
                for r in &reports {
                    report_text(i18n::lang(), r, shown, &mut text);
                }
            }
        }
    }
    if args.ledger.format == LedgerFormat::Json {
        let doc = json!({"schema": "iysync.ledger/1", "recipients": docs});
        text = format!("{doc}\n");
    }
    print(&text)?;
    Ok(Status::Success)
}

fn stats(args: &LedgerArgs) -> Result<Status, Error> {
    let (ledger, partner) = open(args)?;
    let names = match partner {
        Some(id) => ledger
            .partners()?
            .into_iter()
            .filter(|(p, _)| *p == id)
            .map(|(_, n)| n)
            .collect::<Vec<_>>(),
        None => Vec::new(),
    };
    let all: Vec<Stats> = ledger
        .stats()?
        .into_iter()
        .filter(|s| partner.is_none() || names.contains(&s.partner))
        .collect();
    let text = match args.format {
        LedgerFormat::Json => {
            let doc = json!({
                "schema": "iysync.ledger/1",
                "path": ledger.path().display().to_string(),
                "schema_version": ledger.schema_version()?,
                "partners": all,
            });
            format!("{doc}\n")
        }
        LedgerFormat::Text => {
            let lang = i18n::lang();
            let path = sanitize(&ledger.path().display().to_string()).into_owned();
            let schema = ledger.schema_version()?.to_string();
            let mut out = lang.ta(
                "ledger-header",
                &[("path", Arg::S(path)), ("schema", Arg::S(schema))],
            );
            out.push('\n');
            if all.is_empty() {
                out.push_str(&format!("  {}\n", lang.t("ledger-empty")));
            }
            for s in &all {
                stats_text(lang, s, &mut out);
            }
            out
        }
    };
    print(&text)?;
    Ok(Status::Success)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipients_are_normalised_like_the_input() {
        assert_eq!(
            normalise(" User@Example.COM "),
            Ok((Channel::Email, "user@example.com".to_string()))
        );
        assert_eq!(
            normalise("0532 123 45 67"),
            Ok((Channel::Sms, "905321234567".to_string()))
        );
        assert_eq!(
            normalise("+90 (532) 123-45-67"),
            Ok((Channel::Sms, "905321234567".to_string()))
        );
        assert!(normalise("0212 123 45 67").is_err(), "a landline");
        assert!(normalise("a;b@x.com").is_err());
        assert!(normalise("").is_err());
    }
}
