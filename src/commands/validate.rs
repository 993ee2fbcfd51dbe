//! `iysync validate`: judge every row, count duplicates and conflicts, print a report.

use std::io::{self, BufWriter, Write};
use std::path::Path;

use crate::cli::ValidateArgs;
use crate::engine::{RowSink, Setup, first_pass, second_pass};
use crate::error::{Error, Status};
use crate::output::{AtomicFile, netmera};
use crate::report::Located;
use crate::report::document::ReportFile;
use crate::report::formats::Printer;
use crate::report::html::{Figures, HtmlReport};
use crate::resolve::order;
use crate::spool;

struct Sinks<'a, W: Write> {
    printer: Printer<W>,
    report: Option<ReportFile>,
    html: Option<HtmlReport>,
    valid_out: Option<(&'a Path, BufWriter<AtomicFile>)>,
    invalid_out: Option<(&'a Path, BufWriter<AtomicFile>)>,
}

fn write_to(
    target: &mut Option<(&Path, BufWriter<AtomicFile>)>,
    bytes: &[u8],
) -> Result<(), Error> {
    if let Some((p, w)) = target.as_mut() {
        w.write_all(bytes)
            .map_err(|e| Error::io(crate::tr!("err-cannot-write", path = p.display()), e))?;
    }
    Ok(())
}

fn out_err(e: io::Error) -> Error {
    Error::io(crate::tr!("err-write-report-stdout"), e)
}

impl<W: Write> RowSink for Sinks<'_, W> {
    fn problems(
        &mut self,
        located: &[Located],
        invalid: bool,
        raw: Option<&[u8]>,
    ) -> Result<(), Error> {
        if let Some(raw) = raw {
            write_to(&mut self.invalid_out, raw)?;
            write_to(&mut self.invalid_out, b"\n")?;
        }
        self.printer.row(located, invalid).map_err(out_err)?;
        if let Some(r) = self.report.as_mut() {
            r.problems(located)?;
        }
        if let Some(h) = self.html.as_mut() {
            h.problems(located, raw);
        }
        Ok(())
    }

    /// Fixes are printed in JSON and JSON Lines only; the report has them too.
    fn wants_fixes(&self) -> bool {
        self.report.is_some() || self.html.is_some() || self.printer.prints_fixes()
    }

    fn warning(&mut self, located: &Located) -> Result<(), Error> {
        self.printer.warning(located).map_err(out_err)?;
        if let Some(r) = self.report.as_mut() {
            r.problem(located)?;
        }
        if let Some(h) = self.html.as_mut() {
            h.problems(std::slice::from_ref(located), None);
        }
        Ok(())
    }
}

/// An output file, written under a temporary name until the run ends (SPEC §9).
fn open_out(
    path: &Option<std::path::PathBuf>,
    force: bool,
) -> Result<Option<(&Path, BufWriter<AtomicFile>)>, Error> {
    match path {
        Some(p) => Ok(Some((
            p.as_path(),
            BufWriter::new(AtomicFile::create(p, force)?),
        ))),
        None => Ok(None),
    }
}

pub fn run(args: &ValidateArgs) -> Result<Status, Error> {
    crate::signals::install()?;
    let setup = Setup::new(&args.common)?;
    // SPEC §9, before anything is read or written: no output is an input or another output.
    setup
        .outputs(args.force)
        .maybe("--valid-out", args.valid_out.as_deref())
        .maybe("--invalid-out", args.invalid_out.as_deref())
        .check()?;
    // --valid-out holds the valid rows of keys that are not withheld, so it needs the resolution
    // first: the valid records are spooled for a second pass.
    let mut spool = args
        .valid_out
        .is_some()
        .then(spool::Writer::new)
        .transpose()?;
    let printer = Printer::new(
        args.format,
        BufWriter::new(crate::output::Stdout::new()),
        setup.printer.problems(),
        setup.color,
        args.max_problems,
    )
    .map_err(out_err)?;
    let mut sinks = Sinks {
        printer,
        report: args
            .common
            .report
            .as_deref()
            .map(ReportFile::create)
            .transpose()?,
        html: HtmlReport::of(&setup),
        valid_out: open_out(&args.valid_out, args.force)?,
        invalid_out: open_out(&args.invalid_out, args.force)?,
    };
    let mut progress = setup.progress("validate");
    let (summary, resolution) = first_pass(&setup, &mut progress, &mut sinks, spool.as_mut())?;
    if let (Some((path, w)), Some(spool)) = (sinks.valid_out.as_mut(), spool) {
        // Every recipient's rows in time order (SPEC §9), sorted on disk when they do not fit.
        let mut sorter = order::Sorter::new();
        second_pass(
            spool.finish()?,
            setup.jobs,
            &resolution,
            true,
            Some(&netmera::write_line),
            |_, record, line| {
                crate::signals::check()?;
                sorter.push(record.timestamp, record.permission, line)
            },
        )?;
        sorter.finish(|line| {
            w.write_all(line)
                .map_err(|e| Error::io(crate::tr!("err-cannot-write", path = path.display()), e))
        })?;
    }
    progress.finish();
    crate::signals::check()?;
    for (p, w) in sinks.valid_out.into_iter().chain(sinks.invalid_out) {
        w.into_inner()
            .map_err(|e| {
                Error::io(
                    crate::tr!("err-cannot-write", path = p.display()),
                    e.into_error(),
                )
            })?
            .commit()?;
    }
    let elapsed = setup.elapsed();
    sinks.printer.finish(&summary, elapsed).map_err(out_err)?;
    if let Some(r) = sinks.report {
        r.finish(&summary, None, elapsed)?;
    }
    if let Some(h) = sinks.html {
        h.finish(&Figures {
            summary: &summary,
            upload: None,
            elapsed,
        })?;
    }
    setup.printer.say(&summary.human(elapsed));
    Ok(Status::of(summary.invalid > 0))
}
