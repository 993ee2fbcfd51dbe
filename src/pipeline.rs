//! The streaming core every command shares: chunks of lines are read in order, judged on worker
//! threads (or inline with one job), and handed back in input order, so line numbers, reports and
//! outputs are the same whatever the number of jobs.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::mpsc::{Receiver, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread;

use crate::error::Error;
use crate::input::{Chunk, ChunkReader, Decoder};
use crate::record::{self, Outcome, Record, Rules};
use crate::resolve::key_of;

/// One judged line.
#[derive(Debug)]
pub struct JudgedRow {
    pub line: u64,
    pub outcome: Outcome,
    /// The original bytes, kept for invalid rows only (rejects, `--invalid-out`).
    pub raw: Option<Vec<u8>>,
    /// Where the row's output from [`Hooks::render`] is in [`JudgedChunk::output`] (valid rows,
    /// when a renderer is given; empty otherwise).
    pub rendered: Range<usize>,
    /// The resolution key of a valid row, or of the key an invalid row holds back, in a pass that
    /// observes rows ([`Hooks::observe`]); 0 otherwise. Hashed here, on the worker threads, to keep
    /// the in-order consumer light.
    pub key: u128,
}

/// The judged lines of one chunk, in order.
#[derive(Debug)]
pub struct JudgedChunk {
    pub file: usize,
    pub rows: Vec<JudgedRow>,
    /// The rendered output of the chunk's rows, one buffer for all of them.
    pub output: Vec<u8>,
    /// Bytes of input consumed so far when this chunk was read (for progress).
    pub bytes_read: u64,
}

impl JudgedChunk {
    /// The output [`Hooks::render`] gave a row of this chunk.
    pub fn rendered(&self, row: &JudgedRow) -> &[u8] {
        self.output.get(row.rendered.clone()).unwrap_or_default()
    }
}

/// Which lines to judge, by (file, line); `None` judges every line.
pub type Select<'a> = Option<&'a (dyn Fn(usize, u64) -> bool + Sync)>;

/// Output rendered on the worker thread for each valid (selected) row, e.g. its Netmera line or
/// Upsert user object, appended to the chunk's buffer, so the in-order consumer only copies bytes.
pub type Render<'a> = Option<&'a (dyn Fn(&mut Vec<u8>, &Record) + Sync)>;

/// What a pass does besides judging, on the worker threads.
#[derive(Clone, Copy, Default)]
pub struct Hooks<'a> {
    pub select: Select<'a>,
    pub observe: Observe<'a>,
    pub render: Render<'a>,
}

/// Work done on the worker thread right after a chunk is judged, before it is handed back in
/// order (e.g. feeding a sharded resolver). Must not depend on the order chunks arrive in.
pub type Observe<'a> = Option<&'a (dyn Fn(&JudgedChunk) + Sync)>;

/// Judges every (selected) line of a chunk. A pure function of the chunk and the rules
/// (`bytes_read` is only carried along).
pub fn judge_chunk(
    chunk: &Chunk,
    rules: &Rules,
    decoder: Decoder,
    hooks: Hooks<'_>,
    bytes_read: u64,
) -> JudgedChunk {
    let select = hooks.select;
    let mut rows = Vec::with_capacity(chunk.data.len() / 48 + 1);
    let mut output = Vec::new();
    if hooks.render.is_some() {
        // Rendered rows are about as long as the input rows; one allocation in the usual case.
        output.reserve(chunk.data.len() * 2);
    }
    for (line, bytes) in chunk.lines() {
        if select.is_some_and(|f| !f(chunk.file, line)) {
            continue;
        }
        // A BOM at the start of a line (files concatenated with `cat`) is a file-level fact too.
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        let outcome = match decoder.decode(bytes) {
            Ok(text) => record::judge(&text, rules),
            Err(lossy) => record::judge_undecodable(&lossy, rules),
        };
        let raw = matches!(outcome, Outcome::Invalid { .. }).then(|| bytes.to_vec());
        let key = match &outcome {
            _ if hooks.observe.is_none() => 0,
            Outcome::Valid { record, .. } => key_of(record.channel, &record.recipient),
            Outcome::Invalid { hold: Some(h), .. } => key_of(h.channel, &h.recipient),
            _ => 0,
        };
        let start = output.len();
        if let (Outcome::Valid { record, .. }, Some(render)) = (&outcome, hooks.render) {
            render(&mut output, record);
        }
        rows.push(JudgedRow {
            line,
            outcome,
            raw,
            rendered: start..output.len(),
            key,
        });
    }
    JudgedChunk {
        file: chunk.file,
        rows,
        output,
        bytes_read,
    }
}

/// Reads, judges and delivers every chunk in input order to `sink`.
pub fn run(
    reader: ChunkReader,
    rules: &Rules,
    decoder: Decoder,
    jobs: usize,
    hooks: Hooks<'_>,
    mut sink: impl FnMut(JudgedChunk) -> Result<(), Error>,
) -> Result<(), Error> {
    let bytes = reader.bytes_read.clone();
    let read = move || bytes.load(std::sync::atomic::Ordering::Relaxed);
    if jobs <= 1 {
        for chunk in reader {
            let chunk = chunk?;
            let judged = judge_chunk(&chunk, rules, decoder, hooks, read());
            if let Some(f) = hooks.observe {
                f(&judged);
            }
            sink(judged)?;
        }
        return Ok(());
    }

    thread::scope(|scope| {
        let (chunk_tx, chunk_rx) = sync_channel::<(u64, Chunk, u64)>(jobs * 2);
        let (done_tx, done_rx) = sync_channel::<(u64, Result<JudgedChunk, Error>)>(jobs * 2);
        let chunk_rx: Arc<Mutex<Receiver<(u64, Chunk, u64)>>> = Arc::new(Mutex::new(chunk_rx));

        let reader_done = done_tx.clone();
        scope.spawn(move || {
            for (seq, chunk) in (0u64..).zip(reader) {
                match chunk {
                    Ok(chunk) => {
                        if chunk_tx.send((seq, chunk, read())).is_err() {
                            return;
                        }
                    }
                    Err(e) => {
                        let _ = reader_done.send((seq, Err(e)));
                        return;
                    }
                }
            }
        });
        for _ in 0..jobs {
            let rx = chunk_rx.clone();
            let tx = done_tx.clone();
            scope.spawn(move || {
                loop {
                    let next = match rx.lock() {
                        Ok(guard) => guard.recv(),
                        Err(_) => return,
                    };
                    let Ok((seq, chunk, bytes_read)) = next else {
                        return;
                    };
                    let judged = judge_chunk(&chunk, rules, decoder, hooks, bytes_read);
                    if let Some(f) = hooks.observe {
                        f(&judged);
                    }
                    if tx.send((seq, Ok(judged))).is_err() {
                        return;
                    }
                }
            });
        }
        drop(done_tx);
        drop(chunk_rx);

        // Reassemble in order.
        let mut pending: BTreeMap<u64, Result<JudgedChunk, Error>> = BTreeMap::new();
        let mut next = 0u64;
        let mut outcome = Ok(());
        for (seq, judged) in done_rx.iter() {
            pending.insert(seq, judged);
            while let Some(judged) = pending.remove(&next) {
                next += 1;
                if let Err(e) = judged.and_then(&mut sink) {
                    outcome = Err(e);
                    break;
                }
            }
            if outcome.is_err() {
                break;
            }
        }
        // Dropping the receiver stops the workers and the reader.
        drop(done_rx);
        outcome
    })
}
