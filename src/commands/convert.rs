//! `iysync convert`: resolve the input and write Insider Upsert bodies or Netmera upload files.
//!
//! Pass one judges, resolves (a compact summary per key) and spools the valid records; pass two
//! reads the spool and writes the winning records, in input order (with `--keep-history`, every
//! row of the keys not withheld, in time order). The writers are in [`crate::output::writers`].

use std::path::PathBuf;

use crate::cli::{ConvertArgs, InsiderBodyArgs, Target};
use crate::engine::{Render, Resolved, Setup, resolve_inputs, second_pass};
use crate::error::{Error, Status};
use crate::i18n::{self, Arg};
use crate::output::guard::DIR_REJECTS;
use crate::output::insider::{ExternalIdAs, UpsertOptions, write_upsert_user};
use crate::output::rejects::{default_rejects_path, rejects_shown};
use crate::output::writers::{self, Layout};
use crate::output::{OutputDir, netmera};
use crate::record::Record;

/// Upsert options from the command line.
pub fn upsert_options(args: &InsiderBodyArgs) -> Result<UpsertOptions, Error> {
    Ok(UpsertOptions {
        external_id_as: ExternalIdAs::parse(args.external_id_as.as_deref())
            .map_err(Error::Usage)?,
        skip_hook: args.skip_hook,
        consent_event: args.consent_event.clone(),
        max_users: args.max_users,
        max_bytes: args.max_bytes,
    })
}

pub fn run(args: &ConvertArgs) -> Result<Status, Error> {
    crate::signals::install()?;
    let setup = Setup::new(&args.common)?;
    let out = (args.out.as_os_str() != "-").then(|| args.out.clone());
    let layout = layout(args, out.is_some())?;
    let rejects_path = match (&args.rejects, &out) {
        (Some(p), _) => p.clone(),
        (None, Some(dir)) => dir.join(DIR_REJECTS),
        (None, None) => default_rejects_path(setup.rules.now),
    };
    // SPEC §9, before anything is read or written: no output is an input or another output.
    let mut outputs = setup
        .outputs(args.force)
        .rejects(crate::tr!("err-what-rejects"), &rejects_path);
    if let Some(dir) = &out {
        outputs = outputs.dir("--out", dir);
    }
    outputs.check()?;
    // Locked for the run; the new files are staged inside it and moved into place at the end.
    let mut out_dir = out
        .as_deref()
        .map(|dir| OutputDir::open(dir, args.force))
        .transpose()?;
    let Resolved {
        mut reporting,
        mut summary,
        resolution,
        mut progress,
        spool,
    } = resolve_inputs(&setup, &rejects_path, args.common.report.as_deref())?;

    progress.phase("writing", None);
    let names: Vec<&str> = setup.sources.iter().map(|s| s.name.as_str()).collect();
    let staging: Option<PathBuf> = out_dir.as_ref().map(OutputDir::staging);
    let mut writer = writers::open(&layout, staging.as_deref(), setup.jobs)?;
    let mut refused_records = 0u64;
    let render_insider = |out: &mut Vec<u8>, r: &Record| {
        if let Layout::Insider(opts) = &layout {
            write_upsert_user(out, r, opts);
        }
    };
    let render: Render<'_> = match args.to {
        Target::Insider => &render_insider,
        Target::Netmera => &netmera::write_line,
    };
    second_pass(
        spool,
        setup.jobs,
        &resolution,
        args.keep_history,
        Some(render),
        |pos, record, rendered| {
            crate::signals::check()?;
            if let Some(problem) = writer.write(record, rendered)? {
                refused_records += 1;
                let mut row = Vec::new();
                netmera::write_line(&mut row, record);
                reporting.refuse(
                    &mut summary,
                    names[pos.file()],
                    pos.line(),
                    problem,
                    row.trim_ascii_end(),
                )?;
            }
            Ok(())
        },
    )?;
    let written = writer.finish()?;
    crate::signals::check()?;
    // The new set is complete: only now does it replace the earlier one (with --force). The
    // rejects file in the directory belongs to the set: it is moved into place with it.
    if let Some(d) = out_dir.as_mut() {
        if rejects_path == d.dir().join(DIR_REJECTS) {
            reporting.rejects.stage(&d.staged(DIR_REJECTS))?;
        }
        d.commit()?;
    }
    progress.finish();
    let elapsed = setup.elapsed();
    let rejects_path = reporting.finish(&summary, None, elapsed)?;
    setup.printer.say(&summary.human(elapsed));
    let (records, files) = (Arg::N(written.records), Arg::N(written.files));
    let rejects = Arg::S(rejects_shown(rejects_path.as_deref()));
    let wrote = match &out {
        Some(d) => i18n::lang().ta(
            "convert-wrote-dir",
            &[
                ("records", records),
                ("files", files),
                ("dir", Arg::S(d.display().to_string())),
                ("rejects", rejects),
            ],
        ),
        None => i18n::lang().ta(
            "convert-wrote-stdout",
            &[("records", records), ("files", files), ("rejects", rejects)],
        ),
    };
    setup.printer.say(&format!("  {wrote}\n"));
    drop(out_dir);
    // A signal that came while the set was being replaced (too late to stop it) is reported now.
    crate::signals::check()?;
    Ok(Status::of(summary.invalid > 0 || refused_records > 0))
}

/// What to write, from `--to` and the flags of that target (those of the other are refused).
fn layout(args: &ConvertArgs, to_dir: bool) -> Result<Layout, Error> {
    match args.to {
        Target::Insider => {
            if args.keep_history || args.split_rows.is_some() {
                return Err(Error::Usage(crate::tr!("err-netmera-only-flags")));
            }
            Ok(Layout::Insider(upsert_options(&args.insider)?))
        }
        Target::Netmera => {
            let i = &args.insider;
            if i.external_id_as.is_some() || i.skip_hook || i.consent_event.is_some() {
                return Err(Error::Usage(crate::tr!("err-insider-only-flags")));
            }
            if !to_dir {
                return Err(Error::Usage(crate::tr!("err-netmera-out-dir")));
            }
            Ok(Layout::Netmera {
                split: args.split_rows,
                keep_history: args.keep_history,
            })
        }
    }
}
