//! The files `convert` writes: Netmera upload files (one a channel, split with `--split-rows`, in
//! time order with `--keep-history`) and Insider Upsert bodies (in a directory or on stdout), and
//! the request bodies of an upload's `--dry-run --out`. Every file is created new and private in
//! the staging directory of an [`crate::output::OutputDir`], which moves them into place at the end.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use crate::error::Error;
use crate::output::atomic::create_new_private;
use crate::output::insider::{Batcher, Body, UpsertOptions};
use crate::record::{Channel, Problem, Record};
use crate::resolve::order;

/// What `convert` writes, and how.
#[derive(Debug, Clone)]
pub enum Layout {
    /// `email.csv` and `sms.csv` (or `email-000001.csv`… every `split` rows); with `keep_history`,
    /// every selected row in time order.
    Netmera {
        split: Option<u64>,
        keep_history: bool,
    },
    /// `upsert-000001.json`…, or one body a line on stdout without a directory.
    Insider(UpsertOptions),
}

/// The writer for `layout` into `dir` (the staging directory), or stdout when there is none.
pub fn open(
    layout: &Layout,
    dir: Option<&Path>,
    jobs: usize,
) -> Result<Box<dyn ConvertWriter>, Error> {
    Ok(match (layout, dir) {
        (
            Layout::Netmera {
                split,
                keep_history,
            },
            Some(dir),
        ) => {
            let files = NetmeraWriter::new(dir, *split)?;
            if *keep_history {
                Box::new(InTimeOrder::new(files))
            } else {
                Box::new(files)
            }
        }
        (Layout::Insider(opts), dir) => Box::new(InsiderWriter::new(
            dir.map(Path::to_path_buf),
            opts.clone(),
            jobs,
        )),
        (Layout::Netmera { .. }, None) => {
            return Err(Error::Usage(crate::tr!("err-netmera-needs-out")));
        }
    })
}

/// Request bodies of a `--dry-run --out DIR`: `<endpoint>-000001.json`… per endpoint.
#[derive(Debug, Default)]
pub struct BodyFilesByName {
    counters: std::collections::HashMap<&'static str, u64>,
}

impl BodyFilesByName {
    /// Writes one body as the next file of `name` in `dir`.
    pub fn write(&mut self, dir: &Path, name: &'static str, json: &[u8]) -> Result<(), Error> {
        let n = self.counters.entry(name).or_default();
        *n += 1;
        write_body(&dir.join(format!("{name}-{n:06}.json")), json)
    }
}

/// How much a writer wrote.
#[derive(Debug, Default, Clone, Copy)]
pub struct Written {
    pub files: u64,
    pub records: u64,
}

pub trait ConvertWriter {
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
                .map_err(|e| Error::io(crate::tr!("err-cannot-write", path = p.display()), e))?;
        }
        Ok(())
    }

    fn write(&mut self, line: &[u8]) -> Result<(), Error> {
        if self.file.is_none() || self.split.is_some_and(|n| self.rows_in_file >= n) {
            self.open_next()?;
        }
        if let Some((p, w)) = self.file.as_mut() {
            w.write_all(line)
                .map_err(|e| Error::io(crate::tr!("err-cannot-write", path = p.display()), e))?;
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
        .map_err(|e| Error::io(crate::tr!("err-cannot-write", path = path.display()), e))
}

fn stopped() -> Error {
    Error::io(
        crate::tr!("err-write-bodies"),
        std::io::Error::other(crate::tr!("err-writer-stopped")),
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
                .map_err(|e| Error::io(crate::tr!("err-write-stdout"), e)),
        }
    }
}

impl ConvertWriter for InsiderWriter {
    fn write(&mut self, _record: &Record, user: &[u8]) -> Result<Option<Problem>, Error> {
        match self.batcher.push(user, ()) {
            Ok(Some(body)) => self.emit(body).map(|()| None),
            Ok(None) => Ok(None),
            Err((too_large, ())) => Ok(Some(too_large.problem())),
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
            .map_err(|e| Error::io(crate::tr!("err-write-stdout"), e))?;
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
