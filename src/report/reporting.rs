//! Problems of the commands that write or send data: a few on stderr, every one in `--report`,
//! every invalid or refused row in the rejects file.

use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::cli::Format;
use crate::engine::{RowSink, Setup};
use crate::error::Error;
use crate::input::Decoder;
use crate::output::rejects::Rejects;
use crate::record::Problem;
use crate::report::document::ReportFile;
use crate::report::formats::Printer;
use crate::report::html::{Figures, HtmlReport};
use crate::report::{Located, Summary, Upload};

/// Problems of commands that write or send data: a few on stderr (all of them are in the rejects
/// file and the report), every one in `--report`, every invalid row in the rejects file.
pub struct Reporting {
    printer: Option<Printer<io::Sink>>,
    pub report: Option<ReportFile>,
    pub rejects: Rejects,
    /// `--html`: the first rows of each code (and `sync`'s figures), written at the end.
    pub html: Option<HtmlReport>,
    decoder: Decoder,
}

impl Reporting {
    pub fn new(setup: &Setup, report: Option<&Path>, rejects: Rejects) -> Result<Reporting, Error> {
        let printer = if setup.printer.is_quiet() {
            None
        } else {
            Some(
                Printer::new(
                    Format::Text,
                    io::sink(),
                    setup.printer.problems(),
                    setup.color,
                    None,
                )
                .map_err(|e| Error::io(crate::tr!("err-write-stderr"), e))?,
            )
        };
        Ok(Reporting {
            printer,
            report: report.map(ReportFile::create).transpose()?,
            rejects,
            html: HtmlReport::of(setup),
            decoder: setup.decoder,
        })
    }

    /// Writes one row to the rejects file (its original bytes, decoded as the input was).
    pub fn reject(
        &mut self,
        file: &str,
        line: u64,
        problems: &[Problem],
        raw: &[u8],
    ) -> Result<(), Error> {
        let text = match self.decoder.decode(raw) {
            Ok(t) | Err(t) => t,
        };
        self.rejects.write(file, line, problems, &text)
    }

    /// Adds a problem found after the first pass (a record the API refused) to the report and stderr.
    fn late_problem(&mut self, located: &Located, raw: Option<&[u8]>) -> Result<(), Error> {
        if let Some(p) = self.printer.as_mut() {
            p.row(std::slice::from_ref(located), true)
                .map_err(|e| Error::io(crate::tr!("err-write-stderr"), e))?;
        }
        if let Some(r) = self.report.as_mut() {
            r.problem(located)?;
        }
        if let Some(h) = self.html.as_mut() {
            h.problems(std::slice::from_ref(located), raw);
        }
        Ok(())
    }

    /// A record refused after the first pass (by the API, or too large for any body): on stderr,
    /// in the report, and its row (`raw`, the record in Netmera form) in the rejects file.
    pub fn refuse(
        &mut self,
        summary: &mut Summary,
        file: &str,
        line: u64,
        problem: Problem,
        raw: &[u8],
    ) -> Result<(), Error> {
        // Counted by its code like any problem (the summary's errors line, the HTML chart).
        *summary.by_code.entry(problem.code.as_str()).or_default() += 1;
        let located = Located {
            file: file.to_string(),
            line,
            problem,
        };
        self.late_problem(&located, Some(raw))?;
        self.reject(file, line, std::slice::from_ref(&located.problem), raw)
    }

    /// The records an upload or a sync refused or never sent (too large for any body, refused in
    /// an earlier run), each at its input's file (`names`) and line: on stderr, in the report,
    /// the HTML report and the rejects file. Returns how many were never sent.
    pub fn refused_records(
        &mut self,
        summary: &mut Summary,
        refused: Vec<crate::insider::session::Refused>,
        names: &[&str],
    ) -> Result<u64, Error> {
        let mut unsent = 0u64;
        for r in refused {
            unsent += u64::from(!r.sent);
            self.refuse(
                summary,
                names[r.pos.file()],
                r.pos.line(),
                r.problem,
                &r.row,
            )?;
        }
        Ok(unsent)
    }

    /// A dry run's plan: on stdout, and in the HTML report.
    pub fn dry_run(&mut self, plan: &str) {
        if let Some(h) = self.html.as_mut() {
            h.dry_run(plan);
        }
        crate::output::Stdout::print(plan);
    }

    /// Writes out the problems printed so far (stderr is block-buffered when not a terminal).
    pub fn flush(&mut self) -> Result<(), Error> {
        if let Some(p) = self.printer.as_mut() {
            p.flush()
                .map_err(|e| Error::io(crate::tr!("err-write-stderr"), e))?;
        }
        Ok(())
    }

    /// Ends the rejects file, the printed problems and the report. The rejects file's path when
    /// something was rejected (otherwise there is none, SPEC §9).
    pub fn finish(
        self,
        summary: &Summary,
        upload: Option<&Upload>,
        elapsed: Duration,
    ) -> Result<Option<PathBuf>, Error> {
        let path = self.rejects.finish()?;
        if let Some(p) = self.printer {
            p.finish(summary, elapsed)
                .map_err(|e| Error::io(crate::tr!("err-write-stderr"), e))?;
        }
        if let Some(r) = self.report {
            r.finish(summary, upload, elapsed)?;
        }
        if let Some(h) = self.html {
            h.finish(&Figures {
                summary,
                upload,
                elapsed,
            })?;
        }
        Ok(path)
    }
}

impl RowSink for Reporting {
    fn problems(
        &mut self,
        located: &[Located],
        invalid: bool,
        raw: Option<&[u8]>,
    ) -> Result<(), Error> {
        if let Some(p) = self.printer.as_mut() {
            p.row(located, invalid)
                .map_err(|e| Error::io(crate::tr!("err-write-stderr"), e))?;
        }
        if let Some(r) = self.report.as_mut() {
            r.problems(located)?;
        }
        if let Some(h) = self.html.as_mut() {
            h.problems(located, raw);
        }
        if let (true, Some(raw), Some(first)) = (invalid, raw, located.first()) {
            let problems: Vec<Problem> = located.iter().map(|l| l.problem.clone()).collect();
            self.reject(&first.file, first.line, &problems, raw)?;
        }
        Ok(())
    }

    /// Fixes are never printed on stderr here (only errors and warnings are); the report has them.
    fn wants_fixes(&self) -> bool {
        self.report.is_some() || self.html.is_some()
    }

    fn warning(&mut self, located: &Located) -> Result<(), Error> {
        if let Some(p) = self.printer.as_mut() {
            p.warning(located)
                .map_err(|e| Error::io(crate::tr!("err-write-stderr"), e))?;
        }
        if let Some(r) = self.report.as_mut() {
            r.problem(located)?;
        }
        if let Some(h) = self.html.as_mut() {
            h.problems(std::slice::from_ref(located), None);
        }
        if located.problem.code == crate::record::Code::Withheld {
            self.rejects.withholding(&located.file, located.line);
        }
        Ok(())
    }
}
