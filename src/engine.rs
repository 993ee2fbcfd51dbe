//! The two-pass engine every data command runs on, beside [`pipeline`]: pass one judges every row,
//! counts, resolves and spools the valid records ([`first_pass`], [`resolve_inputs`]); pass two
//! reads the spool back and hands on the records the resolution selects ([`second_pass`]).
//!
//! Commands only choose the sinks: what becomes of the problems of pass one ([`RowSink`]) and of
//! the records of pass two.

use crate::error::Error;
use crate::input::{self, ChunkReader, Decoder, FileFacts, ReadOptions, Source};
use crate::output::Outputs;
use crate::output::rejects::Rejects;
use crate::pipeline;
use crate::printer::Printer;
use crate::record::{Code, Field, Outcome, Problem, Record, Rules};
use crate::report::progress::Progress;
use crate::report::reporting::Reporting;
use crate::report::{Located, Summary};
use crate::resolve::{Observation, Pos, Resolution, Shards};
use crate::spool::{self, Spool};
use std::path::Path;

/// What every data command derives from the shared flags.
pub struct Setup {
    pub sources: Vec<Source>,
    pub rules: Rules,
    pub decoder: Decoder,
    pub read: ReadOptions,
    /// Each source's file-level facts: the files' from the pre-flight, stdin's once it is read.
    pub facts: input::SharedFacts,
    pub jobs: usize,
    pub color: bool,
    pub progress: bool,
    /// What reaches stderr.
    pub printer: Printer,
    /// When the run began: the elapsed time of the summary and report counts everything,
    /// writing and sending included.
    pub started: std::time::Instant,
    /// `--html PATH`: the report for people ([`crate::report::html`]).
    pub html: Option<std::path::PathBuf>,
    /// `--report PATH`: the summary and every problem as one JSON document.
    pub report: Option<std::path::PathBuf>,
}

impl Setup {
    /// The outputs every data command may write (`--report`, `--html`), to which a command adds
    /// its own before [`Outputs::check`] (SPEC §9): no command can forget one of them.
    pub fn outputs(&self, force: bool) -> Outputs<'_> {
        Outputs::new(&self.sources)
            .force(force)
            .report(self.report.as_deref())
            .html(self.html.as_deref())
    }

    pub fn reader(&self) -> ChunkReader {
        ChunkReader::with_options(self.sources.clone(), self.read, self.facts.clone())
    }

    /// The facts of the sources read so far, in order.
    pub fn file_facts(&self) -> Vec<FileFacts> {
        self.facts
            .lock()
            .map(|f| f.iter().flatten().cloned().collect())
            .unwrap_or_default()
    }

    /// One pass over the inputs: every chunk judged (with `hooks`) and handed to `sink` in order.
    /// Fixes carry their messages only when `fix_messages` (see [`Rules::fix_messages`]).
    pub fn pass(
        &self,
        fix_messages: bool,
        hooks: pipeline::Hooks<'_>,
        sink: impl FnMut(pipeline::JudgedChunk) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let mut rules = self.rules.clone();
        rules.fix_messages = fix_messages;
        pipeline::run(self.reader(), &rules, self.decoder, self.jobs, hooks, sink)
    }

    /// The time since the run began.
    pub fn elapsed(&self) -> std::time::Duration {
        self.started.elapsed()
    }

    pub fn progress(&self, what: &str) -> Progress {
        let total = self
            .sources
            .iter()
            .map(Source::size)
            .try_fold(0u64, |acc, l| l.map(|l| acc + l));
        let progress = Progress::new(self.progress, total, what);
        self.printer.attach(progress.bar());
        progress
    }
}

/// Where the first pass sends what it finds, row by row, in input order.
pub trait RowSink {
    /// The problems of one row; `invalid` rows carry their original bytes in `raw`.
    fn problems(
        &mut self,
        located: &[Located],
        invalid: bool,
        raw: Option<&[u8]>,
    ) -> Result<(), Error>;

    /// A key-level warning (`conflict`, `withheld`), known once the whole input is read.
    fn warning(&mut self, located: &Located) -> Result<(), Error>;

    /// Whether the fixes of valid rows are wanted (they are counted either way). Placing every
    /// fix at its file and line costs allocations on the hot path; sinks that drop them say so.
    fn wants_fixes(&self) -> bool {
        true
    }
}

/// Pass one over the input: judges every row, counts, resolves, and hands rows and problems to
/// `sink`; with `spool`, every valid record is spooled for a second pass. Returns the summary
/// (with the resolution added) and the resolution.
pub fn first_pass(
    setup: &Setup,
    progress: &mut Progress,
    sink: &mut dyn RowSink,
    mut spool: Option<&mut spool::Writer>,
) -> Result<(Summary, Resolution), Error> {
    let mut summary = Summary::default();
    // Rows are observed by the resolver on the worker threads, in shards; the in-order consumer
    // below only counts and reports.
    // 64 shards even with one job: each shard's table grows on its own, so growth never needs the
    // old and new copies of the whole table at once (peak memory stays near 24 bytes a key / load).
    let shards = Shards::new(64);
    let observe = |chunk: &pipeline::JudgedChunk| {
        let mut batch = Vec::with_capacity(chunk.rows.len());
        for row in &chunk.rows {
            let pos = Pos::new(chunk.file, row.line);
            match &row.outcome {
                Outcome::Valid { record, .. } => batch.push(Observation {
                    pos,
                    key: row.key,
                    permission: record.permission,
                    timestamp: record.timestamp,
                }),
                Outcome::Invalid { hold: Some(h), .. } => shards.observe_hold_key(pos, row.key, h),
                _ => {}
            }
        }
        shards.observe_batch(&batch);
    };
    let names: Vec<&str> = setup.sources.iter().map(|s| s.name.as_str()).collect();
    let wants_fixes = sink.wants_fixes();
    let encode = |out: &mut Vec<u8>, line: u64, record: &Record| spool::encode(out, line, record);
    setup.pass(
        wants_fixes,
        pipeline::Hooks {
            observe: Some(&observe),
            render: spool.is_some().then_some(&encode),
            fixed_rows: wants_fixes && setup.html.is_some(),
        },
        |chunk| {
            crate::signals::check()?;
            if let Some(w) = spool.as_deref_mut() {
                w.frame(chunk.file, &chunk.output)?;
            }
            summary.count(&chunk);
            for row in &chunk.rows {
                let (problems, invalid) = match &row.outcome {
                    Outcome::Blank => continue,
                    Outcome::Valid { fixes, .. } => (fixes, false),
                    Outcome::Invalid { problems, .. } => (problems, true),
                };
                if problems.is_empty() || (!invalid && !wants_fixes) {
                    continue;
                }
                let located: Vec<Located> = problems
                    .iter()
                    .map(|p| Located {
                        file: names[chunk.file].to_string(),
                        line: row.line,
                        problem: p.clone(),
                    })
                    .collect();
                sink.problems(&located, invalid, row.raw.as_deref())?;
            }
            progress.read(chunk.bytes_read, chunk.rows.len() as u64 + chunk.blank);
            Ok(())
        },
    )?;
    let resolution = shards.finish();
    summary.add_resolution(&resolution, true);
    // File-level facts, once per file: a skipped header row is a warning at its line 1.
    summary.files = setup.file_facts();
    for facts in summary.files.iter().filter(|f| f.header_row) {
        let located = Located {
            file: facts.file.clone(),
            line: 1,
            problem: Problem::warning(
                Field::Row,
                Code::HeaderRow,
                &crate::record::message::HEADER_ROW,
            ),
        };
        *summary.by_code.entry(Code::HeaderRow.as_str()).or_default() += 1;
        sink.warning(&located)?;
    }
    for (pos, warning) in &resolution.warnings {
        let located = Located {
            file: names[pos.file()].to_string(),
            line: pos.line(),
            problem: warning.clone(),
        };
        sink.warning(&located)?;
    }
    Ok((summary, resolution))
}

/// Everything pass one leaves for the commands that write or send the resolved state.
pub struct Resolved {
    pub reporting: Reporting,
    pub summary: Summary,
    pub resolution: Resolution,
    pub progress: Progress,
    /// Every valid record of pass one, for the second pass ([`second_pass`]).
    pub spool: Spool,
}

/// Shared start of `convert` and the upload commands: the rejects file and report are opened, and
/// pass one judges, resolves and spools everything.
pub fn resolve_inputs(
    setup: &Setup,
    rejects: &Path,
    report: Option<&Path>,
) -> Result<Resolved, Error> {
    // The spool first: when TMPDIR cannot hold it, no rejects file or report is left behind.
    let mut spool = spool::Writer::new()?;
    let mut reporting = Reporting::new(setup, report, Rejects::create(rejects, setup.rules.shown))?;
    let mut progress = setup.progress("reading");
    let (summary, resolution) = first_pass(setup, &mut progress, &mut reporting, Some(&mut spool))?;
    // The problems found are on stderr now, not after the writing or sending that follows.
    reporting.flush()?;
    Ok(Resolved {
        reporting,
        summary,
        resolution,
        progress,
        spool: spool.finish()?,
    })
}

/// Writes a record's output for pass two: its Netmera line, its Upsert user object.
pub type Render<'a> = &'a (dyn Fn(&mut Vec<u8>, &Record) + Sync);

/// Pass two: calls `emit` for every resolved record in input order (every valid row of a key that
/// is not withheld, with `keep_history`), read back from the spool of pass one, with its output
/// from `render` (empty without a renderer). Frames are decoded and rendered on `jobs` threads.
pub fn second_pass(
    spool: Spool,
    jobs: usize,
    resolution: &Resolution,
    keep_history: bool,
    render: Option<Render<'_>>,
    emit: impl FnMut(Pos, &Record, &[u8]) -> Result<(), Error>,
) -> Result<(), Error> {
    second_pass_where(
        spool,
        jobs,
        &|pos| resolution.may_select(pos, keep_history),
        &|pos, record| resolution.selects(pos, record, keep_history),
        render,
        emit,
    )
}

/// [`second_pass`] with the selection given: `may_select(pos)` before a record is decoded (a
/// `false` skips it undecoded), then `selects(pos, record)`.
pub fn second_pass_where(
    spool: Spool,
    jobs: usize,
    may_select: &(dyn Fn(Pos) -> bool + Sync),
    selects: &(dyn Fn(Pos, &Record) -> bool + Sync),
    render: Option<Render<'_>>,
    mut emit: impl FnMut(Pos, &Record, &[u8]) -> Result<(), Error>,
) -> Result<(), Error> {
    /// The wanted records of one frame, with their output.
    struct Rendered {
        records: Vec<(Pos, Record, std::ops::Range<usize>)>,
        output: Vec<u8>,
    }
    let pick = |frame: spool::Frame| {
        // A spooled record is about 45 bytes, its rendering about twice that.
        let mut done = Rendered {
            records: Vec::with_capacity(frame.len() / 32 + 1),
            output: Vec::with_capacity(if render.is_some() { frame.len() * 2 } else { 0 }),
        };
        // Without history only the winners' lines are wanted, known before decoding.
        let wanted = |line| may_select(Pos::new(frame.file, line));
        frame.for_each_on(wanted, |line, record| {
            let pos = Pos::new(frame.file, line);
            if !selects(pos, &record) {
                return Ok(());
            }
            let start = done.output.len();
            if let Some(render) = render {
                render(&mut done.output, &record);
            }
            done.records.push((pos, record, start..done.output.len()));
            Ok(())
        })?;
        Ok(done)
    };
    pipeline::ordered(jobs, spool.frames(), &pick, |done| {
        for (pos, record, range) in &done.records {
            emit(
                *pos,
                record,
                done.output.get(range.clone()).unwrap_or_default(),
            )?;
        }
        Ok(())
    })
}
