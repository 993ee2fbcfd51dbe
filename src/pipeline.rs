//! The streaming core every command shares: chunks of lines are read in order, judged on worker
//! threads (or inline with one job), and handed back in input order, so line numbers, reports and
//! outputs are the same whatever the number of jobs.

use std::collections::BTreeMap;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread;

use crate::error::Error;
use crate::input::{Chunk, ChunkReader, Decoder, MAX_LINE};
use crate::record::{self, Outcome, Record, Rules};
use crate::resolve::key_of;

/// One judged line.
#[derive(Debug)]
pub struct JudgedRow {
    pub line: u64,
    pub outcome: Outcome,
    /// The original bytes, kept for invalid rows only (rejects, `--invalid-out`).
    pub raw: Option<Vec<u8>>,
    /// The resolution key of a valid row, or of the key an invalid row holds back, in a pass that
    /// observes rows ([`Hooks::observe`]); 0 otherwise. Hashed here, on the worker threads, to keep
    /// the in-order consumer light.
    pub key: u128,
}

/// The judged lines of one chunk, in order.
#[derive(Debug)]
pub struct JudgedChunk {
    pub file: usize,
    /// The chunk's non-blank lines. Blank lines are only counted ([`JudgedChunk::blank`]): a
    /// file of nothing but line ends costs no memory per line.
    pub rows: Vec<JudgedRow>,
    /// Blank lines in the chunk (skipped, counted as `blank`).
    pub blank: u64,
    /// The output [`Hooks::render`] gave the chunk's valid rows, in order, in one buffer.
    pub output: Vec<u8>,
    /// Bytes of input consumed so far when this chunk was read (for progress).
    pub bytes_read: u64,
}

/// Output rendered on the worker thread for each valid row from its line number and record (the
/// spool's encoding of it), appended to the chunk's buffer, so the in-order consumer only copies
/// bytes.
pub type Render<'a> = Option<&'a (dyn Fn(&mut Vec<u8>, u64, &Record) + Sync)>;

/// What a pass does besides judging, on the worker threads.
#[derive(Clone, Copy, Default)]
pub struct Hooks<'a> {
    pub observe: Observe<'a>,
    pub render: Render<'a>,
    /// Keep the bytes of valid rows that needed fixes too, not only of invalid ones (the HTML
    /// report shows the row of each fix it lists; a copy of ~5% of the rows, only when asked).
    pub fixed_rows: bool,
}

/// Work done on the worker thread right after a chunk is judged, before it is handed back in
/// order (e.g. feeding a sharded resolver). Must not depend on the order chunks arrive in.
pub type Observe<'a> = Option<&'a (dyn Fn(&JudgedChunk) + Sync)>;

/// How many characters of a line too long to read are shown (SPEC §8).
const LONG_SHOWN: usize = 200;

/// Judges every line of a chunk. A pure function of the chunk and the rules (`bytes_read` is only
/// carried along).
pub fn judge_chunk(
    chunk: &Chunk,
    rules: &Rules,
    decoder: Decoder,
    hooks: Hooks<'_>,
    bytes_read: u64,
) -> JudgedChunk {
    // A typical row is 40-80 bytes; the vector grows for shorter ones, up to MAX_LINES rows.
    let mut rows = Vec::with_capacity((chunk.data.len() / 40 + 1).min(MAX_LINES));
    let mut blank = 0;
    let mut output = Vec::new();
    if hooks.render.is_some() {
        // Spooled records are shorter than their rows; one allocation in the usual case.
        output.reserve(chunk.data.len());
    }
    for (line, bytes) in chunk.lines() {
        // A BOM at the start of a line (files concatenated with `cat`) is a file-level fact too.
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        // A skipped long line is one line holding the first bytes of it.
        let length = chunk.long_line.unwrap_or(bytes.len() as u64);
        let (outcome, raw) = if length > MAX_LINE as u64 {
            // Only a prefix is shown (and, for a skipped line, was kept).
            let (text, raw) = decoder.cut(&bytes[..bytes.len().min(LONG_SHOWN * 4)], LONG_SHOWN);
            (record::judge_too_long(&text, length, rules), Some(raw))
        } else {
            let outcome = match decoder.decode(bytes) {
                Ok(text) => record::judge(&text, rules),
                Err(lossy) => record::judge_undecodable(&lossy, rules),
            };
            let keep = match &outcome {
                Outcome::Invalid { .. } => true,
                Outcome::Valid { fixes, .. } => hooks.fixed_rows && !fixes.is_empty(),
                Outcome::Blank => false,
            };
            let raw = keep.then(|| bytes.to_vec());
            (outcome, raw)
        };
        if matches!(outcome, Outcome::Blank) {
            blank += 1;
            continue;
        }
        let key = match &outcome {
            _ if hooks.observe.is_none() => 0,
            Outcome::Valid { record, .. } => key_of(record.channel, &record.recipient),
            Outcome::Invalid { hold: Some(h), .. } => key_of(h.channel, &h.recipient),
            _ => 0,
        };
        if let (Outcome::Valid { record, .. }, Some(render)) = (&outcome, hooks.render) {
            render(&mut output, line, record);
        }
        rows.push(JudgedRow {
            line,
            outcome,
            raw,
            key,
        });
    }
    JudgedChunk {
        file: chunk.file,
        rows,
        blank,
        output,
        bytes_read,
    }
}

/// The most lines a chunk handed to a worker holds. A 96 KiB chunk of typical rows (40-80
/// bytes, 1,200-2,500 lines) is judged whole, without being copied into pieces; a chunk of very
/// short lines is cut: a judged piece (its rows, their problems and the raw bytes of invalid rows)
/// takes at most ~3 MB for rows of three problems each, whatever the length of the lines, and at
/// most two pieces per job are in flight ([`ordered`]).
pub const MAX_LINES: usize = 4096;

/// Cuts `chunk` into pieces of at most `max_lines` lines (as few pieces as that allows, of
/// about equal length), in order, each with the number of its first line. A chunk within the
/// limit is returned as it is (no copy). Lines are counted by their `\n`, as the chunk reader
/// numbers them, with a SIMD search (this runs on the reading thread for every chunk).
pub fn split_chunk(mut chunk: Chunk, max_lines: usize) -> Vec<Chunk> {
    let max_lines = max_lines.max(1);
    // Every line but the last takes at least one byte (its line end).
    // A skipped long line is one line (its prefix): never cut.
    if chunk.data.len() < max_lines || chunk.long_line.is_some() {
        return vec![chunk];
    }
    let newlines = memchr::memchr_iter(b'\n', &chunk.data).count();
    let lines = newlines + usize::from(chunk.data.last() != Some(&b'\n'));
    if lines <= max_lines {
        return vec![chunk];
    }
    let per_piece = lines.div_ceil(lines.div_ceil(max_lines));
    // Where each piece after the first starts: after every per_piece-th line end.
    let cuts: Vec<usize> = memchr::memchr_iter(b'\n', &chunk.data)
        .enumerate()
        .filter(|(i, at)| (i + 1) % per_piece == 0 && at + 1 < chunk.data.len())
        .map(|(_, at)| at + 1)
        .collect();
    let mut pieces = Vec::with_capacity(cuts.len() + 1);
    let mut first_line = chunk.first_line;
    let ends = cuts.iter().skip(1).copied().chain([chunk.data.len()]);
    for (start, end) in cuts.iter().copied().zip(ends) {
        first_line += per_piece as u64;
        pieces.push(Chunk {
            file: chunk.file,
            first_line,
            data: chunk.data[start..end].to_vec(),
            long_line: None,
        });
    }
    // The first piece keeps the chunk's own buffer.
    if let Some(&first_end) = cuts.first() {
        chunk.data.truncate(first_end);
    }
    pieces.insert(0, chunk);
    pieces
}

/// Reads, judges and delivers every chunk in input order to `sink`.
pub fn run(
    reader: ChunkReader,
    rules: &Rules,
    decoder: Decoder,
    jobs: usize,
    hooks: Hooks<'_>,
    sink: impl FnMut(JudgedChunk) -> Result<(), Error>,
) -> Result<(), Error> {
    let bytes = reader.bytes_read.clone();
    // Progress is sampled as each chunk is read, on the reading thread; chunks of very short
    // lines are cut into pieces of at most MAX_LINES lines there too.
    let chunks = reader.flat_map(move |c| {
        let pieces = match c {
            Ok(c) => {
                let read = bytes.load(Ordering::Relaxed);
                split_chunk(c, MAX_LINES)
                    .into_iter()
                    .map(|p| Ok((p, read)))
                    .collect()
            }
            Err(e) => vec![Err(e)],
        };
        pieces.into_iter()
    });
    let judge = |(chunk, bytes_read): (Chunk, u64)| {
        let judged = judge_chunk(&chunk, rules, decoder, hooks, bytes_read);
        if let Some(f) = hooks.observe {
            f(&judged);
        }
        Ok(judged)
    };
    ordered(jobs, chunks, &judge, sink)
}

/// Applies `work` to every item of `items` on `jobs` worker threads (inline with one job, where
/// `items` is read on a thread of its own otherwise) and hands the results to `sink` in the order
/// of `items`. Stops at the first error of `items`, `work` or `sink`.
pub fn ordered<T: Send, U: Send>(
    jobs: usize,
    items: impl Iterator<Item = Result<T, Error>> + Send,
    work: &(dyn Fn(T) -> Result<U, Error> + Sync),
    mut sink: impl FnMut(U) -> Result<(), Error>,
) -> Result<(), Error> {
    if jobs <= 1 {
        for item in items {
            sink(work(item?)?)?;
        }
        return Ok(());
    }

    thread::scope(|scope| {
        let (item_tx, item_rx) = sync_channel::<(u64, T)>(jobs * 2);
        // A worker's panic travels with its item and is raised again here, in order: otherwise
        // the item would never arrive and the run would wait for it forever.
        let (done_tx, done_rx) = sync_channel::<(u64, thread::Result<Result<U, Error>>)>(jobs * 2);
        let item_rx: Arc<Mutex<Receiver<(u64, T)>>> = Arc::new(Mutex::new(item_rx));
        // At most `in_flight` items between the reader and the sink, so one slow item (or a slow
        // sink) cannot make the results behind it pile up: the reader takes a permit for each
        // item, the sink gives it back once the item is delivered. Two a job keep every worker
        // busy while the sink takes the next result; each one is a judged piece of at most
        // MAX_LINES lines (~0.5 MB for typical rows, ~1.5 MB for rows of three problems).
        let in_flight = jobs * 2;
        let (permit_tx, permit_rx) = sync_channel::<()>(in_flight);
        for _ in 0..in_flight {
            let _ = permit_tx.send(());
        }

        let reader_done = done_tx.clone();
        scope.spawn(move || {
            for (seq, item) in (0u64..).zip(items) {
                if permit_rx.recv().is_err() {
                    return;
                }
                match item {
                    Ok(item) => {
                        if item_tx.send((seq, item)).is_err() {
                            return;
                        }
                    }
                    Err(e) => {
                        let _ = reader_done.send((seq, Ok(Err(e))));
                        return;
                    }
                }
            }
        });
        for _ in 0..jobs {
            let rx = item_rx.clone();
            let tx = done_tx.clone();
            scope.spawn(move || {
                loop {
                    let next = match rx.lock() {
                        Ok(guard) => guard.recv(),
                        Err(_) => return,
                    };
                    let Ok((seq, item)) = next else {
                        return;
                    };
                    let done = panic::catch_unwind(AssertUnwindSafe(|| work(item)));
                    if tx.send((seq, done)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(done_tx);
        drop(item_rx);

        // Reassemble in order.
        let mut pending: BTreeMap<u64, thread::Result<Result<U, Error>>> = BTreeMap::new();
        let mut next = 0u64;
        let mut outcome = Ok(());
        for (seq, done) in done_rx.iter() {
            pending.insert(seq, done);
            while let Some(done) = pending.remove(&next) {
                next += 1;
                let _ = permit_tx.send(());
                let done = done.unwrap_or_else(|p| panic::resume_unwind(p));
                if let Err(e) = done.and_then(&mut sink) {
                    outcome = Err(e);
                    break;
                }
            }
            if outcome.is_err() {
                break;
            }
        }
        // Dropping the receiver stops the workers, and dropping the permits the reader.
        drop(done_rx);
        drop(permit_tx);
        outcome
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::time::Duration;

    fn chunk(first_line: u64, data: &[u8]) -> Chunk {
        Chunk {
            file: 3,
            first_line,
            data: data.to_vec(),
            long_line: None,
        }
    }

    fn numbered(chunks: &[Chunk]) -> Vec<(u64, Vec<u8>)> {
        chunks
            .iter()
            .flat_map(|c| c.lines().map(|(n, l)| (n, l.to_vec())))
            .collect()
    }

    #[test]
    fn blank_lines_are_counted_not_kept() {
        let rules = Rules::new(chrono_tz::Europe::Istanbul, 1_800_000_000);
        let data = b"\n\r\n  \t\nuser@example.com;web;ONAY;15.05.2025 14:23:00\n\n";
        let judged = judge_chunk(
            &chunk(1, data),
            &rules,
            Decoder::utf8(),
            Hooks::default(),
            0,
        );
        assert_eq!(judged.blank, 4);
        assert_eq!(judged.rows.len(), 1);
        assert_eq!(judged.rows[0].line, 4);
        assert!(matches!(judged.rows[0].outcome, Outcome::Valid { .. }));
    }

    #[test]
    fn chunks_of_short_lines_are_cut_into_pieces_with_their_line_numbers() {
        let mut data = Vec::new();
        for i in 0..103 {
            data.extend_from_slice(match i % 4 {
                0 => &b"\n"[..],
                1 => b"x\r\n",
                2 => b"a;b;c\n",
                _ => b"  \n",
            });
        }
        data.extend_from_slice(b"last line without a line end");
        let whole = chunk(41, &data);
        let expected = numbered(std::slice::from_ref(&whole));
        for max in [1, 4, 10, 103, 104, 1000] {
            let pieces = split_chunk(chunk(41, &data), max);
            assert_eq!(numbered(&pieces), expected, "max {max}");
            assert!(
                pieces
                    .iter()
                    .all(|p| p.lines().count() <= max && p.file == 3)
            );
            assert_eq!(pieces.len(), 104usize.div_ceil(max), "max {max}");
        }
        // Within the limit: the same chunk, not a copy.
        let small = split_chunk(chunk(1, b"a\nb\n"), 2);
        assert_eq!(numbered(&small), [(1, b"a".to_vec()), (2, b"b".to_vec())]);
    }

    #[test]
    fn results_arrive_in_order_whatever_the_jobs_and_the_time_each_item_takes() {
        for jobs in 1..=4 {
            let items = (0..200u64).map(Ok);
            let work = |n: u64| {
                // Items finish out of order: every seventh one is slow.
                if n.is_multiple_of(7) {
                    thread::sleep(Duration::from_millis(2));
                }
                Ok(n * 10)
            };
            let mut got = Vec::new();
            ordered(jobs, items, &work, |n| {
                got.push(n);
                Ok(())
            })
            .expect("no error");
            assert_eq!(
                got,
                (0..200).map(|n| n * 10).collect::<Vec<_>>(),
                "jobs {jobs}"
            );
        }
    }

    #[test]
    fn the_first_error_in_order_stops_the_run() {
        for jobs in 1..=3 {
            let items = (0..100u64).map(|n| {
                if n == 60 {
                    Err(Error::Usage("reading failed".into()))
                } else {
                    Ok(n)
                }
            });
            let work = |n: u64| {
                if n == 40 {
                    Err(Error::Usage("item 40 failed".into()))
                } else {
                    Ok(n)
                }
            };
            let mut got = Vec::new();
            let result = ordered(jobs, items, &work, |n| {
                got.push(n);
                Ok(())
            });
            assert_eq!(
                result.map_err(|e| e.to_string()),
                Err("item 40 failed".to_string())
            );
            assert_eq!(got, (0..40).collect::<Vec<_>>(), "jobs {jobs}");
        }
    }

    #[test]
    fn a_panicking_item_ends_the_run_with_that_panic_instead_of_a_hang() {
        let items = (0..1000u64).map(Ok);
        let work = |n: u64| {
            assert!(n != 5, "item 5 is broken");
            Ok(n)
        };
        let mut delivered = 0;
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
            ordered(2, items, &work, |_| {
                delivered += 1;
                Ok(())
            })
        }));
        assert!(outcome.is_err(), "the panic is raised again");
        assert_eq!(delivered, 5, "the items before it were delivered");
    }

    #[test]
    fn a_slow_item_holds_back_the_reader_instead_of_piling_up_results() {
        let jobs = 2;
        let produced = AtomicUsize::new(0);
        let delivered = AtomicUsize::new(0);
        let most_ahead = AtomicUsize::new(0);
        let items = (0..500u64).map(|n| {
            let ahead = produced.fetch_add(1, Ordering::SeqCst) - delivered.load(Ordering::SeqCst);
            most_ahead.fetch_max(ahead, Ordering::SeqCst);
            Ok(n)
        });
        let work = |n: u64| {
            if n == 0 {
                thread::sleep(Duration::from_millis(200));
            }
            Ok(n)
        };
        ordered(jobs, items, &work, |_| {
            delivered.fetch_add(1, Ordering::SeqCst);
            Ok(())
        })
        .expect("no error");
        assert_eq!(delivered.load(Ordering::SeqCst), 500);
        // The permits allow jobs × 2 items in flight, plus the one the reader holds.
        let ahead = most_ahead.load(Ordering::SeqCst);
        assert!(ahead <= jobs * 2 + 1, "the reader got {ahead} items ahead");
    }
}
