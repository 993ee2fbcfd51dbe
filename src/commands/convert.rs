//! `iysync convert`: resolve the input and write Insider Upsert bodies or Netmera upload files.
//!
//! Pass one judges, resolves (a compact summary per key) and spools the valid records; pass two
//! reads the spool and writes the winning records, in input order (with `--keep-history`, every
//! row of the keys not withheld, in time order).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use crate::cli::{ConvertArgs, InsiderBodyArgs, Target};
use crate::commands::{
    Render, Resolved, Setup, default_rejects_path, rejects_shown, resolve_inputs, second_pass,
};
use crate::error::{Error, Status};
use crate::output::atomic::create_new_private;
use crate::output::guard::DIR_REJECTS;
use crate::output::insider::{Batcher, Body, ExternalIdAs, UpsertOptions, write_upsert_user};
use crate::output::{OutputDir, Outputs, netmera};
use crate::record::{Channel, Code, Field, Problem, Record};
use crate::report::Located;
use crate::resolve::order;

/// Upsert options from the command line.
pub fn upsert_options(args: &InsiderBodyArgs) -> Result<UpsertOptions, Error> {
    if args.max_users == 0 || args.max_bytes < 64 {
        return Err(Error::Usage(
            "--max-users must be at least 1 and --max-bytes at least 64".to_string(),
        ));
    }
    Ok(UpsertOptions {
        external_id_as: ExternalIdAs::parse(args.external_id_as.as_deref())
            .map_err(Error::Usage)?,
        skip_hook: args.skip_hook,
        consent_event: args.consent_event.clone(),
        max_users: args.max_users,
        max_bytes: args.max_bytes,
    })
}

/// Where converted output goes.
enum Out {
    Dir(PathBuf),
    Stdout,
}

pub fn run(args: &ConvertArgs) -> Result<Status, Error> {
    crate::signals::install()?;
    let setup = Setup::new(&args.common)?;
    let out = if args.out.as_os_str() == "-" {
        Out::Stdout
    } else {
        Out::Dir(args.out.clone())
    };
    let opts = upsert_options(&args.insider)?;
    match args.to {
        Target::Insider => {
            if args.keep_history || args.split_rows.is_some() {
                return Err(Error::Usage(
                    "--keep-history and --split-rows are for --to netmera; Insider bodies carry the resolved state".to_string(),
                ));
            }
        }
        Target::Netmera => {
            if args.insider.external_id_as.is_some()
                || args.insider.skip_hook
                || args.insider.consent_event.is_some()
            {
                return Err(Error::Usage(
                    "--external-id-as, --skip-hook and --consent-event are for --to insider"
                        .to_string(),
                ));
            }
            if matches!(out, Out::Stdout) {
                return Err(Error::Usage(
                    "--to netmera writes email.csv and sms.csv: give a directory with --out"
                        .to_string(),
                ));
            }
            if args.split_rows == Some(0) {
                return Err(Error::Usage("--split-rows must be at least 1".to_string()));
            }
        }
    }
    let rejects_path = match (&args.rejects, &out) {
        (Some(p), _) => p.clone(),
        (None, Out::Dir(dir)) => dir.join(DIR_REJECTS),
        (None, Out::Stdout) => default_rejects_path(setup.rules.now),
    };
    // SPEC §9, before anything is read or written: no output is an input or another output.
    let mut outputs = Outputs::new(&setup.sources)
        .force(args.force)
        .rejects("the rejects file (--rejects)", &rejects_path)
        .report(args.common.report.as_deref());
    if let Out::Dir(dir) = &out {
        outputs = outputs.dir("--out", dir);
    }
    outputs.check()?;
    // Locked for the run; the new files are staged inside it and moved into place at the end.
    let mut out_dir = match &out {
        Out::Dir(dir) => Some(OutputDir::open(dir, args.force)?),
        Out::Stdout => None,
    };
    let Resolved {
        mut reporting,
        summary,
        resolution,
        mut progress,
        spool,
    } = resolve_inputs(&setup, &rejects_path, args.common.report.as_deref())?;

    progress.phase("writing", None);
    let names: Vec<String> = setup.sources.iter().map(|s| s.name.clone()).collect();
    let staging = out_dir.as_ref().map(OutputDir::staging);
    let mut writer: Box<dyn ConvertWriter> = match (args.to, &staging) {
        (Target::Netmera, Some(dir)) => {
            let files = NetmeraWriter::new(dir, args.split_rows)?;
            if args.keep_history {
                Box::new(InTimeOrder::new(files))
            } else {
                Box::new(files)
            }
        }
        (Target::Insider, Some(dir)) => Box::new(InsiderWriter::new(
            Some(dir.clone()),
            opts.clone(),
            setup.jobs,
        )),
        (Target::Insider, None) => Box::new(InsiderWriter::new(None, opts.clone(), setup.jobs)),
        (Target::Netmera, None) => {
            return Err(Error::Usage("--to netmera needs --out DIR".to_string()));
        }
    };
    let keep_history = args.keep_history;
    let mut refused_records = 0u64;
    let render_insider = |out: &mut Vec<u8>, r: &Record| write_upsert_user(out, r, &opts);
    let render: Render<'_> = match args.to {
        Target::Insider => &render_insider,
        Target::Netmera => &netmera::write_line,
    };
    second_pass(
        spool,
        setup.jobs,
        &resolution,
        keep_history,
        Some(render),
        |pos, record, rendered| {
            crate::signals::check()?;
            if let Some(refused) = writer.write(record, rendered)? {
                refused_records += 1;
                let located = Located {
                    file: names[pos.file()].clone(),
                    line: pos.line(),
                    problem: refused.clone(),
                };
                reporting.late_problem(&located)?;
                let mut line = Vec::new();
                netmera::write_line(&mut line, record);
                reporting.reject(
                    &located.file,
                    located.line,
                    &[refused],
                    line.trim_ascii_end(),
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
    let elapsed = progress.elapsed();
    let rejects_path = reporting.finish(&summary, None, elapsed)?;
    setup.say(&summary.human(elapsed));
    setup.say(&format!(
        "  wrote {} records in {} {}; {}\n",
        written.records,
        written.files,
        match out {
            Out::Dir(d) => format!("files to {}", d.display()),
            Out::Stdout => "bodies to stdout".to_string(),
        },
        rejects_shown(rejects_path.as_deref())
    ));
    drop(out_dir);
    // A signal that came while the set was being replaced (too late to stop it) is reported now.
    crate::signals::check()?;
    Ok(if summary.invalid > 0 || refused_records > 0 {
        Status::DataProblems
    } else {
        Status::Success
    })
}

/// How much a writer wrote.
#[derive(Debug, Default, Clone, Copy)]
pub struct Written {
    pub files: u64,
    pub records: u64,
}

trait ConvertWriter {
    /// Writes one record, already rendered; `Some(problem)` when the record cannot be written (it
    /// goes to rejects).
    fn write(&mut self, record: &Record, rendered: &[u8]) -> Result<Option<Problem>, Error>;
    fn finish(self: Box<Self>) -> Result<Written, Error>;
}

/// One channel's Netmera file(s), split every `split` rows when asked.
struct NetmeraPart {
    dir: PathBuf,
    base: &'static str,
    split: Option<u64>,
    file: Option<(PathBuf, BufWriter<File>)>,
    rows_in_file: u64,
    files: u64,
}

impl NetmeraPart {
    fn new(dir: &Path, base: &'static str, split: Option<u64>) -> Result<NetmeraPart, Error> {
        let mut part = NetmeraPart {
            dir: dir.to_path_buf(),
            base,
            split,
            file: None,
            rows_in_file: 0,
            files: 0,
        };
        if split.is_none() {
            // Without splitting, email.csv and sms.csv always exist, empty or not.
            part.open_next()?;
        }
        Ok(part)
    }

    fn open_next(&mut self) -> Result<(), Error> {
        self.close()?;
        self.files += 1;
        let name = match self.split {
            None => format!("{}.csv", self.base),
            Some(_) => format!("{}-{:06}.csv", self.base, self.files),
        };
        let path = self.dir.join(name);
        let f = create_new_private(&path)?;
        self.file = Some((path, BufWriter::new(f)));
        self.rows_in_file = 0;
        Ok(())
    }

    fn close(&mut self) -> Result<(), Error> {
        if let Some((p, mut w)) = self.file.take() {
            w.flush()
                .map_err(|e| Error::io(format!("cannot write {}", p.display()), e))?;
        }
        Ok(())
    }

    fn write(&mut self, line: &[u8]) -> Result<(), Error> {
        if self.file.is_none() || self.split.is_some_and(|n| self.rows_in_file >= n) {
            self.open_next()?;
        }
        if let Some((p, w)) = self.file.as_mut() {
            w.write_all(line)
                .map_err(|e| Error::io(format!("cannot write {}", p.display()), e))?;
        }
        self.rows_in_file += 1;
        Ok(())
    }
}

struct NetmeraWriter {
    email: NetmeraPart,
    sms: NetmeraPart,
    records: u64,
}

impl NetmeraWriter {
    fn new(dir: &Path, split: Option<u64>) -> Result<NetmeraWriter, Error> {
        Ok(NetmeraWriter {
            email: NetmeraPart::new(dir, "email", split)?,
            sms: NetmeraPart::new(dir, "sms", split)?,
            records: 0,
        })
    }
}

impl ConvertWriter for NetmeraWriter {
    fn write(&mut self, record: &Record, rendered: &[u8]) -> Result<Option<Problem>, Error> {
        match record.channel {
            Channel::Email => self.email.write(rendered)?,
            Channel::Sms => self.sms.write(rendered)?,
        }
        self.records += 1;
        Ok(None)
    }

    fn finish(mut self: Box<Self>) -> Result<Written, Error> {
        self.email.close()?;
        self.sms.close()?;
        Ok(Written {
            files: self.email.files + self.sms.files,
            records: self.records,
        })
    }
}

/// `--keep-history`: every row of a recipient in time order (SPEC §9), each channel's file sorted
/// on its own (on disk when it does not fit in memory, see [`order`]), then written out as usual
/// (split with `--split-rows`).
struct InTimeOrder {
    files: NetmeraWriter,
    email: order::Sorter,
    sms: order::Sorter,
}

impl InTimeOrder {
    fn new(files: NetmeraWriter) -> InTimeOrder {
        InTimeOrder {
            files,
            email: order::Sorter::new(),
            sms: order::Sorter::new(),
        }
    }
}

impl ConvertWriter for InTimeOrder {
    fn write(&mut self, record: &Record, rendered: &[u8]) -> Result<Option<Problem>, Error> {
        let sorter = match record.channel {
            Channel::Email => &mut self.email,
            Channel::Sms => &mut self.sms,
        };
        sorter.push(record.timestamp, record.permission, rendered)?;
        Ok(None)
    }

    fn finish(self: Box<Self>) -> Result<Written, Error> {
        let InTimeOrder {
            mut files,
            email,
            sms,
        } = *self;
        let mut records = 0;
        email.finish(|line| {
            records += 1;
            files.email.write(line)
        })?;
        sms.finish(|line| {
            records += 1;
            files.sms.write(line)
        })?;
        files.records += records;
        Box::new(files).finish()
    }
}

/// Writes one body file (in the staging directory).
fn write_body(path: &Path, json: &[u8]) -> Result<(), Error> {
    let mut f = create_new_private(path)?;
    f.write_all(json)
        .map_err(|e| Error::io(format!("cannot write {}", path.display()), e))
}

fn stopped() -> Error {
    Error::io(
        "cannot write the Upsert bodies",
        std::io::Error::other("the thread writing them stopped unexpectedly"),
    )
}

/// Writes body files on threads of their own (one a job), so the file system's time (creating and
/// filling ~4,400 files for 5M rows) is spread over the cores and overlaps with decoding, rendering
/// and batching the next bodies. At most a few bodies wait. A thread that meets an error stops;
/// the error is returned by `finish` (or by `write` once no thread is left).
struct BodyFiles {
    tx: Option<SyncSender<(PathBuf, Vec<u8>)>>,
    threads: Vec<JoinHandle<Result<(), Error>>>,
}

impl BodyFiles {
    fn new(threads: usize) -> BodyFiles {
        let (tx, rx) = sync_channel::<(PathBuf, Vec<u8>)>(4);
        let rx = Arc::new(Mutex::new(rx));
        let threads = (0..threads.max(1))
            .map(|_| {
                let rx = rx.clone();
                std::thread::spawn(move || {
                    loop {
                        let next = match rx.lock() {
                            Ok(rx) => rx.recv(),
                            Err(_) => return Err(stopped()),
                        };
                        let Ok((path, json)) = next else {
                            return Ok(());
                        };
                        write_body(&path, &json)?;
                    }
                })
            })
            .collect();
        BodyFiles {
            tx: Some(tx),
            threads,
        }
    }

    fn write(&mut self, path: PathBuf, json: Vec<u8>) -> Result<(), Error> {
        if let Some(tx) = &self.tx
            && tx.send((path, json)).is_ok()
        {
            return Ok(());
        }
        // Every thread has stopped: the first error, or (never expected) a body with nowhere to go.
        self.finish()?;
        Err(stopped())
    }

    /// Waits for every body to be written; the first error, if any.
    fn finish(&mut self) -> Result<(), Error> {
        drop(self.tx.take());
        let mut first = Ok(());
        for thread in self.threads.drain(..) {
            let done = match thread.join() {
                Ok(done) => done,
                Err(_) => Err(stopped()),
            };
            first = first.and(done);
        }
        first
    }
}

impl Drop for BodyFiles {
    /// On an early return (an error elsewhere) the bodies already handed over are written whole.
    fn drop(&mut self) {
        let _ = self.finish();
    }
}

/// Upsert bodies to `upsert-000001.json`… in a directory (written on threads of their own with
/// more than one job), or one per line on stdout.
struct InsiderWriter {
    dir: Option<PathBuf>,
    files: Option<BodyFiles>,
    batcher: Batcher<()>,
    opts: UpsertOptions,
    stdout: BufWriter<crate::output::Stdout>,
    written: Written,
}

impl InsiderWriter {
    fn new(dir: Option<PathBuf>, opts: UpsertOptions, jobs: usize) -> InsiderWriter {
        InsiderWriter {
            files: (dir.is_some() && jobs > 1).then(|| BodyFiles::new(jobs)),
            dir,
            batcher: Batcher::upsert(&opts),
            opts,
            stdout: BufWriter::new(crate::output::Stdout::new()),
            written: Written::default(),
        }
    }

    fn emit(&mut self, body: Body<()>) -> Result<(), Error> {
        self.written.files += 1;
        self.written.records += body.items.len() as u64;
        match &self.dir {
            Some(dir) => {
                let path = dir.join(format!("upsert-{:06}.json", self.written.files));
                match self.files.as_mut() {
                    Some(files) => files.write(path, body.json),
                    None => write_body(&path, &body.json),
                }
            }
            None => self
                .stdout
                .write_all(&body.json)
                .and_then(|()| self.stdout.write_all(b"\n"))
                .map_err(|e| Error::io("cannot write to stdout", e)),
        }
    }
}

impl ConvertWriter for InsiderWriter {
    fn write(&mut self, _record: &Record, user: &[u8]) -> Result<Option<Problem>, Error> {
        match self.batcher.push(user, ()) {
            Ok(Some(body)) => self.emit(body).map(|()| None),
            Ok(None) => Ok(None),
            Err((too_large, ())) => Ok(Some(Problem::error(
                Field::Row,
                Code::ApiRefused,
                format!(
                    "this record's Upsert user object alone is {} bytes, over the {}-byte body limit (--max-bytes); shorten its fields",
                    too_large.bytes, too_large.max
                ),
            ))),
        }
    }

    fn finish(mut self: Box<Self>) -> Result<Written, Error> {
        let batcher = std::mem::replace(&mut self.batcher, Batcher::upsert(&self.opts));
        if let Some(body) = batcher.finish() {
            self.emit(body)?;
        }
        if let Some(files) = self.files.as_mut() {
            files.finish()?;
        }
        self.stdout
            .flush()
            .map_err(|e| Error::io("cannot write to stdout", e))?;
        Ok(self.written)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_written_on_their_thread_land_whole_and_in_place() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let mut files = BodyFiles::new(2);
        for n in 1..=20u8 {
            let path = dir.path().join(format!("upsert-{n:06}.json"));
            files
                .write(path, vec![b'x'; 1000 * usize::from(n)])
                .expect("queued");
        }
        files.finish().expect("written");
        for n in 1..=20u8 {
            let path = dir.path().join(format!("upsert-{n:06}.json"));
            let len = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
            assert_eq!(len, 1000 * u64::from(n), "{}", path.display());
        }
    }

    #[test]
    fn a_body_that_cannot_be_written_is_an_error_naming_its_file() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let missing = dir.path().join("no-such-dir").join("upsert-000001.json");
        let mut files = BodyFiles::new(2);
        // The error comes back from this call or, once a thread has met it, from `finish`.
        let first = files.write(missing, b"{}".to_vec());
        let finished = files.finish();
        let err = match (first, finished) {
            (Err(e), Ok(())) | (Ok(()), Err(e)) => e,
            other => panic!("exactly one error expected, got {other:?}"),
        };
        assert!(err.to_string().contains("no-such-dir"), "{err}");
        // Nothing is accepted once the thread has stopped.
        assert!(files.write(dir.path().join("b.json"), Vec::new()).is_err());
        assert!(!dir.path().join("b.json").exists());
    }
}
