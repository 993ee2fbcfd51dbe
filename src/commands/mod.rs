//! Commands: thin glue between the command line and the modules that do the work.

pub mod convert;
pub mod ledger;
pub mod upload;
pub mod validate;

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use crate::cli::{ChannelArg, ColorChoice, CommonArgs, DelimiterArg, Encoding, Format};
use crate::error::Error;
use crate::input::{self, ChunkReader, Decoder, Delimiter, FileFacts, ReadOptions, Source};
use crate::output::rejects::Rejects;
use crate::pipeline;
use crate::privacy::Shown;
use crate::record::{Channel, Code, Field, Outcome, Problem, Record, Rules, timestamp};
use crate::report::document::ReportFile;
use crate::report::formats::Printer;
use crate::report::progress::Progress;
use crate::report::{Located, Summary, Upload};
use crate::resolve::{Observation, Pos, Resolution, Shards, key_of};
use crate::spool::{self, Spool};

/// What every data command derives from the shared flags.
pub struct Setup {
    pub sources: Vec<Source>,
    pub rules: Rules,
    pub decoder: Decoder,
    pub read: ReadOptions,
    /// Each source's file-level facts: the files' from the pre-flight, stdin's once it is read.
    pub facts: input::SharedFacts,
    pub jobs: usize,
    pub quiet: bool,
    pub color: bool,
    pub progress: bool,
}

/// `--redact` is on by default when the `CI` environment variable is set (to anything but
/// empty, `0` or `false`).
pub fn ci_redaction() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false"))
}

fn color_enabled(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stderr().is_terminal()
        }
    }
}

impl Setup {
    pub fn new(args: &CommonArgs) -> Result<Setup, Error> {
        let tz = chrono_tz::Tz::from_str(&args.timezone).map_err(|_| {
            Error::Usage(format!(
                "--timezone {:?} is not an IANA time zone; use a name such as Europe/Istanbul or UTC",
                args.timezone
            ))
        })?;
        let now = match &args.now {
            Some(text) => timestamp::parse_now(text).map_err(Error::Usage)?,
            None => chrono::Utc::now().timestamp(),
        };
        let mut rules = Rules::new(tz, now);
        rules.channel = args.channel.map(|c| match c {
            ChannelArg::Email => Channel::Email,
            ChannelArg::Sms => Channel::Sms,
        });
        rules.strict = args.strict;
        rules.shown = Shown {
            redact: args.redact || ci_redaction(),
        };
        let decoder = match args.encoding {
            None | Some(Encoding::Utf8) => Decoder::utf8(),
            Some(Encoding::Windows1254 | Encoding::Iso88599) => Decoder::windows_1254(),
        };
        if args.files.len() > crate::resolve::MAX_FILES {
            return Err(Error::Usage(format!(
                "{} input files given; one run reads at most {} (concatenate them first)",
                args.files.len(),
                crate::resolve::MAX_FILES
            )));
        }
        let jobs = match args.jobs {
            Some(0) => return Err(Error::Usage("--jobs must be at least 1".to_string())),
            Some(n) => n,
            None => std::thread::available_parallelism().map_or(1, |n| n.get()),
        };
        let delimiter = match args.delimiter {
            DelimiterArg::Semicolon => Delimiter::SEMICOLON,
            DelimiterArg::Comma => Delimiter::COMMA,
            DelimiterArg::Tab => Delimiter::TAB,
        };
        rules.delimiter = delimiter.0;
        let read = ReadOptions {
            delimiter,
            legacy: !matches!(args.encoding, None | Some(Encoding::Utf8)),
        };
        let sources = input::sources(&args.files)?;
        // Pre-flight: a file that is not consent text stops the run before anything is written.
        let facts = input::inspect(&sources, &read)?;
        Ok(Setup {
            sources,
            rules,
            decoder,
            read,
            facts: std::sync::Arc::new(std::sync::Mutex::new(facts)),
            jobs,
            quiet: args.quiet,
            color: color_enabled(args.color),
            progress: !args.no_progress && !args.quiet,
        })
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

    pub fn progress(&self, what: &str) -> Progress {
        let total = self
            .sources
            .iter()
            .map(Source::size)
            .try_fold(0u64, |acc, l| l.map(|l| acc + l));
        Progress::new(self.progress, total, what)
    }

    /// The summary for people, on stderr, unless `--quiet`.
    pub fn say(&self, text: &str) {
        if !self.quiet {
            let mut err = std::io::stderr().lock();
            let _ = err.write_all(text.as_bytes());
        }
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
                "the first line is a header row (its permission is not ONAY/RET and its first field is not a recipient); it was skipped and is not counted as a row",
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

/// Problems of commands that write or send data: a few on stderr (all of them are in the rejects
/// file and the report), every one in `--report`, every invalid row in the rejects file.
pub struct Reporting {
    printer: Option<Printer<io::Sink>>,
    pub report: Option<ReportFile>,
    pub rejects: Rejects,
    decoder: Decoder,
}

/// How many problems commands other than `validate` print on stderr before pointing to the rejects file.
pub const SHOWN_PROBLEMS: u64 = 20;

impl Reporting {
    pub fn new(setup: &Setup, report: Option<&Path>, rejects: Rejects) -> Result<Reporting, Error> {
        let printer = if setup.quiet {
            None
        } else {
            Some(
                Printer::new(
                    Format::Text,
                    io::sink(),
                    crate::report::formats::problem_stream(),
                    setup.color,
                    Some(SHOWN_PROBLEMS),
                )
                .map_err(|e| Error::io("cannot write to stderr", e))?,
            )
        };
        Ok(Reporting {
            printer,
            report: report.map(ReportFile::create).transpose()?,
            rejects,
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
    pub fn late_problem(&mut self, located: &Located) -> Result<(), Error> {
        if let Some(p) = self.printer.as_mut() {
            p.row(std::slice::from_ref(located), true)
                .map_err(|e| Error::io("cannot write to stderr", e))?;
        }
        if let Some(r) = self.report.as_mut() {
            r.problem(located)?;
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
                .map_err(|e| Error::io("cannot write to stderr", e))?;
        }
        if let Some(r) = self.report {
            r.finish(summary, upload, elapsed)?;
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
                .map_err(|e| Error::io("cannot write to stderr", e))?;
        }
        if let Some(r) = self.report.as_mut() {
            r.problems(located)?;
        }
        if let (true, Some(raw), Some(first)) = (invalid, raw, located.first()) {
            let problems: Vec<Problem> = located.iter().map(|l| l.problem.clone()).collect();
            self.reject(&first.file, first.line, &problems, raw)?;
        }
        Ok(())
    }

    /// Fixes are never printed on stderr here (only errors and warnings are); the report has them.
    fn wants_fixes(&self) -> bool {
        self.report.is_some()
    }

    fn warning(&mut self, located: &Located) -> Result<(), Error> {
        if let Some(p) = self.printer.as_mut() {
            p.warning(located)
                .map_err(|e| Error::io("cannot write to stderr", e))?;
        }
        if let Some(r) = self.report.as_mut() {
            r.problem(located)?;
        }
        if located.problem.code == crate::record::Code::Withheld {
            self.rejects.withholding(&located.file, located.line);
        }
        Ok(())
    }
}

/// How the summary line names the rejects file: its path, or "no rejects" when there is none.
pub fn rejects_shown(path: Option<&Path>) -> String {
    match path {
        Some(p) => format!("rejects: {}", p.display()),
        None => "no rejects".to_string(),
    }
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
    if let Some(p) = reporting.printer.as_mut() {
        p.flush()
            .map_err(|e| Error::io("cannot write to stderr", e))?;
    }
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
        let winner = |line| keep_history || resolution.is_winner(Pos::new(frame.file, line));
        frame.for_each_on(winner, |line, record| {
            if keep_history {
                let key = key_of(record.channel, &record.recipient);
                if resolution.is_withheld_key(key)
                    || resolution.is_losing_tie(key, record.permission, record.timestamp)
                {
                    return Ok(());
                }
            }
            let start = done.output.len();
            if let Some(render) = render {
                render(&mut done.output, &record);
            }
            let pos = Pos::new(frame.file, line);
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

/// The default rejects path when no output directory holds it: `./iysync-rejects-<time>.csv`.
pub fn default_rejects_path(now: i64) -> PathBuf {
    let stamp = chrono::DateTime::<chrono::Utc>::from_timestamp(now, 0)
        .unwrap_or_default()
        .format("%Y%m%dT%H%M%SZ");
    PathBuf::from(format!("iysync-rejects-{stamp}.csv"))
}
