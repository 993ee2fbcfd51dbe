//! `iysync validate`: judge every row, count duplicates and conflicts, print a report.

use std::io::{self, BufWriter, Write};

use crate::cli::ValidateArgs;
use crate::commands::Setup;
use crate::error::{Error, Status};
use crate::output::{create_private, netmera};
use crate::pipeline::{self, JudgedChunk};
use crate::record::Outcome;
use crate::report::document::ReportFile;
use crate::report::formats::Printer;
use crate::report::{Located, Summary};
use crate::resolve::{Pos, Resolver};

pub fn run(args: &ValidateArgs) -> Result<Status, Error> {
    let setup = Setup::new(&args.common)?;
    let mut valid_out = match &args.valid_out {
        Some(p) => Some((p, BufWriter::new(create_private(p, args.force)?))),
        None => None,
    };
    let mut invalid_out = match &args.invalid_out {
        Some(p) => Some((p, BufWriter::new(create_private(p, args.force)?))),
        None => None,
    };
    let mut report = match &args.common.report {
        Some(p) => Some(ReportFile::create(p)?),
        None => None,
    };
    let stdout = io::stdout().lock();
    let out_err = |e: io::Error| Error::io("cannot write the report to stdout", e);
    let mut printer = Printer::new(
        args.format,
        BufWriter::new(stdout),
        Box::new(io::stderr()),
        setup.color,
        args.max_problems,
    )
    .map_err(out_err)?;
    let mut progress = setup.progress("validate");
    let mut summary = Summary::default();
    let mut resolver = Resolver::new();
    let names: Vec<String> = setup.sources.iter().map(|s| s.name.clone()).collect();
    let mut line_buf = Vec::with_capacity(64 * 1024);

    pipeline::run(
        setup.reader(),
        &setup.rules,
        setup.decoder,
        setup.jobs,
        |chunk: JudgedChunk| {
            summary.count(&chunk);
            line_buf.clear();
            for row in &chunk.rows {
                let pos = Pos::new(chunk.file, row.line);
                let (problems, invalid) =
                    match &row.outcome {
                        Outcome::Blank => continue,
                        Outcome::Valid { record, fixes } => {
                            resolver.observe(pos, record);
                            if valid_out.is_some() {
                                netmera::write_line(&mut line_buf, record);
                            }
                            (fixes, false)
                        }
                        Outcome::Invalid { problems, hold } => {
                            if let Some(h) = hold {
                                resolver.observe_hold(pos, h);
                            }
                            if let (Some((p, w)), Some(raw)) = (invalid_out.as_mut(), &row.raw) {
                                w.write_all(raw).and_then(|()| w.write_all(b"\n")).map_err(
                                    |e| Error::io(format!("cannot write {}", p.display()), e),
                                )?;
                            }
                            (problems, true)
                        }
                    };
                if problems.is_empty() {
                    continue;
                }
                let located: Vec<Located> = problems
                    .iter()
                    .map(|p| Located {
                        file: names[chunk.file].clone(),
                        line: row.line,
                        problem: p.clone(),
                    })
                    .collect();
                printer.row(&located, invalid).map_err(out_err)?;
                if let Some(r) = report.as_mut() {
                    for l in &located {
                        r.problem(l)?;
                    }
                }
            }
            if let Some((p, w)) = valid_out.as_mut() {
                w.write_all(&line_buf)
                    .map_err(|e| Error::io(format!("cannot write {}", p.display()), e))?;
            }
            progress.read(chunk.bytes_read, chunk.rows.len() as u64);
            Ok(())
        },
    )?;
    progress.finish();

    let resolution = resolver.finish();
    summary.add_resolution(&resolution, true);
    for (pos, warning) in &resolution.warnings {
        let located = Located {
            file: names[pos.file()].clone(),
            line: pos.line(),
            problem: warning.clone(),
        };
        printer.warning(&located).map_err(out_err)?;
        if let Some(r) = report.as_mut() {
            r.problem(&located)?;
        }
    }
    for (p, mut w) in valid_out.into_iter().chain(invalid_out) {
        w.flush()
            .map_err(|e| Error::io(format!("cannot write {}", p.display()), e))?;
    }
    let elapsed = progress.elapsed();
    printer.finish(&summary, elapsed).map_err(out_err)?;
    if let Some(r) = report {
        r.finish(&summary, None, elapsed)?;
    }
    setup.say(&summary.human(elapsed));
    Ok(if summary.invalid > 0 {
        Status::DataProblems
    } else {
        Status::Success
    })
}
