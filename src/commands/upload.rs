//! `iysync upsert|unsubscribe|resubscribe`: send the resolved state to Insider.
//!
//! Pass one judges and resolves; pass two feeds the resolved records to an upload session
//! ([`crate::insider::session`]), which builds the request bodies on a thread of its own while the
//! client sends them. Every acknowledged request is in the journal before it counts as done, so a
//! rerun sends only the rest.

use crate::cli::{
    CommonArgs, InsiderBodyArgs, ResubscribeArgs, SendArgs, UnsubscribeArgs, UpsertArgs,
};
use crate::commands::convert::upsert_options;
use crate::engine::{Resolved, Setup, resolve_inputs, second_pass};
use crate::error::{Error, Status};
use crate::insider::session::{self, Kind, Resume, Session, Shape};
use crate::output::OutputDir;
use crate::output::insider::{DEFAULT_MAX_CONTACTS, UpsertOptions};
use crate::output::rejects::{default_rejects_path, rejects_shown};

pub fn upsert(args: &UpsertArgs) -> Result<Status, Error> {
    let shape = Shape {
        kind: Kind::Upsert,
        upsert: upsert_options(&args.insider)?,
        max_contacts: DEFAULT_MAX_CONTACTS,
        group: None,
        group_id: None,
    };
    run(&args.common, &args.send, &shape, Some(&args.insider))
}

pub fn unsubscribe(args: &UnsubscribeArgs) -> Result<Status, Error> {
    let shape = Shape {
        kind: Kind::Unsubscribe,
        upsert: UpsertOptions::default(),
        max_contacts: args.contacts.max_contacts,
        group: args.group.clone(),
        group_id: None,
    };
    run(&args.common, &args.send, &shape, None)
}

pub fn resubscribe(args: &ResubscribeArgs) -> Result<Status, Error> {
    let shape = Shape {
        kind: Kind::Resubscribe,
        upsert: UpsertOptions::default(),
        max_contacts: args.contacts.max_contacts,
        group: None,
        group_id: args.group_id,
    };
    run(&args.common, &args.send, &shape, None)
}

fn run(
    common: &CommonArgs,
    args: &SendArgs,
    shape: &Shape,
    insider: Option<&InsiderBodyArgs>,
) -> Result<Status, Error> {
    crate::signals::install()?;
    let setup = Setup::new(common)?;
    session::check_urls(args)?;
    let destination = (!args.dry_run)
        .then(|| session::destination(args, shape.kind, &setup.printer))
        .transpose()?;
    let rejects_path = args
        .rejects
        .clone()
        .unwrap_or_else(|| default_rejects_path(setup.rules.now));
    // SPEC §9: no output is an input or another output; an output directory is locked and staged.
    let mut outputs = setup
        .outputs(args.force)
        .rejects(crate::tr!("err-what-rejects"), &rejects_path)
        .maybe_creating_dir("--journal", args.journal.as_deref());
    if let Some(dir) = &args.out {
        outputs = outputs.dir("--out", dir);
    }
    outputs.check()?;
    let mut out_dir = args
        .out
        .as_deref()
        .map(|dir| OutputDir::open(dir, args.force))
        .transpose()?;
    // The journal is locked before the input is read: a second run on it stops at once (exit 2,
    // naming the first run's pid), not after judging the whole input.
    let mut journal = match &destination {
        Some(d) => Some(session::open_journal(
            args.journal.as_deref(),
            session::journal_key(
                d,
                shape.kind,
                &session::shape_text(shape, insider, common),
                &setup.sources,
            )?,
            args.restart,
            &setup.printer,
        )?),
        None => None,
    };
    let Resolved {
        mut reporting,
        mut summary,
        resolution,
        mut progress,
        spool,
    } = resolve_inputs(&setup, &rejects_path, common.report.as_deref())?;
    progress.finish();

    if args.fail_on_invalid && summary.invalid > 0 {
        let up = crate::report::Upload {
            skipped: resolution.records(),
            ..Default::default()
        };
        let elapsed = setup.elapsed();
        reporting.finish(&summary, Some(&up), elapsed)?;
        setup.printer.say(&summary.human(elapsed));
        let text = crate::i18n::lang().ta(
            "upload-nothing-sent",
            &[("invalid", crate::i18n::Arg::N(summary.invalid))],
        );
        setup.printer.say(&format!("  {text}\n"));
        return Ok(Status::DataProblems);
    }

    let journal_path = journal.as_ref().map(|j| j.path.clone());
    let mut session = Session::new(destination, &setup.printer, setup.rules.shown.redact);
    if let Some(j) = journal.as_mut() {
        session.resume(Resume::from_journal(&j.journal));
        session.on_acknowledged(&mut j.journal);
    }
    if let Some(d) = &out_dir {
        session.write_bodies_to(d.staging());
    }
    let (jobs, resolution) = (setup.jobs, &resolution);
    session.send(
        shape,
        Box::new(move |each| {
            second_pass(spool, jobs, resolution, false, None, |pos, record, _| {
                if each(pos, record) {
                    Ok(())
                } else {
                    Err(Error::Interrupted)
                }
            })
        }),
        &mut progress,
    )?;
    let failure = session.take_failure();
    if let (None, Some(d)) = (&failure, out_dir.as_mut()) {
        d.commit()?;
    }

    // Records refused by the API, too large for any body, or refused in an earlier run: all go to
    // the rejects file (exit 1); only the first count in `records_refused` (never more than sent).
    let names: Vec<&str> = setup.sources.iter().map(|s| s.name.as_str()).collect();
    let unsent = reporting.refused_records(&mut summary, session.take_refused(), &names)?;
    if let (Some(e), Some(path)) = (&failure, &journal_path)
        && !matches!(e, Error::Usage(_))
    {
        setup.printer.note(&crate::tr!(
            "note-acknowledged",
            acknowledged = crate::i18n::Arg::N(session.acknowledged()),
            requests = crate::i18n::Arg::N(session.counters().requests),
            path = path.display()
        ));
    }
    if session.is_dry_run() {
        let (unification, contact) = (&args.unification_url, &args.contact_url);
        let text = session
            .plan()
            .text(shape.kind, unification, contact, args.out.as_deref());
        reporting.dry_run(&text);
    }
    let up = session.counters();
    let elapsed = setup.elapsed();
    let rejects_path = reporting.finish(&summary, Some(&up), elapsed)?;
    setup.printer.say(&summary.human(elapsed));
    setup
        .printer
        .say(&up.human(&rejects_shown(rejects_path.as_deref())));
    if let Some(e) = failure {
        return Err(e);
    }
    let problems = summary.invalid > 0 || up.records_refused > 0 || unsent > 0;
    Ok(Status::of(problems))
}
