//! Time order for the files that keep every row (`convert --to netmera --keep-history`,
//! `validate --valid-out`; SPEC §9): a stable external sort of rendered lines by
//! (timestamp, permission with ONAY before RET), ties kept in the order the lines were pushed
//! (input order).
//!
//! Written in that order, a file ends in the resolved state whether it is imported with "last
//! row wins" or with "latest time wins": a recipient's last row is their latest one, and at the
//! latest instant a RET comes after any ONAY. (The ONAY rows tied with a RET at a key's latest
//! instant are left out before they get here, see `Resolution::is_losing_tie`.)
//!
//! Memory stays within a budget: lines are gathered in memory, and each time the budget is full
//! they are sorted and written out as a run to an unnamed temporary file (0600, in `TMPDIR`,
//! gone when the process ends however it ends). The runs are then merged (a k-way merge over a
//! binary heap), at most [`FAN_IN`] at a time; more runs are first merged into longer ones. The
//! order is total (every pushed line has its own sequence number), so the result does not depend
//! on the budget, the number of runs or how they were merged: the same input gives the same bytes.
//!
//! A run is a sequence of `timestamp: i64 LE`, `rank: u64 LE` (bit 63: RET, the rest: sequence
//! number), `length: u32 LE` and the line's bytes. Its count and XXH3-64 checksum are kept in
//! memory and checked when it has been read back, so a damaged run is an error, never a
//! reordered or changed consent.
//!
//! The order is a type parameter ([`Order`]): [`ByTime`] above, or another one that compares
//! the two words of a [`Place`] and then, on a tie, the lines themselves (the sync's planner
//! sorts its records by recipient this way, `crate::ledger::plan`).

use std::cmp::Ordering;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::marker::PhantomData;
use std::path::{Path, PathBuf};

use xxhash_rust::xxh3::Xxh3;

use crate::error::Error;
use crate::record::Permission;

/// The default memory budget of one sorter (the lines and their sort entries).
pub const BUDGET: usize = 16 << 20;

/// At most this many runs are read at once (each holds a file and a 64 KiB buffer).
pub const FAN_IN: usize = 64;

/// Read and write buffer of a run.
const RUN_BUFFER: usize = 64 << 10;

/// A line's place in the order. For [`ByTime`]: timestamp, then ONAY before RET, then push
/// order. Other orders give both words their own meaning (e.g. a key's first 16 bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Place {
    pub timestamp: i64,
    /// [`ByTime`]: bit 63 RET; below it, the sequence number.
    pub rank: u64,
}

/// The order of a [`Sorter`]: a total order of (place, line) pairs.
pub trait Order {
    /// Whether the sorter puts the push sequence number in the low bits of `rank` (so that equal
    /// places keep their push order); otherwise `rank` is taken as pushed.
    const SEQUENCED: bool;
    /// What the sorting is for, in messages ("cannot write a temporary file … to {PURPOSE}"): a
    /// catalogue key (`order-purpose-…`).
    const PURPOSE: &'static str;
    fn cmp(a: &Place, a_line: &[u8], b: &Place, b_line: &[u8]) -> Ordering;
}

/// Time order (the default): the place alone decides.
pub struct ByTime;

impl Order for ByTime {
    const SEQUENCED: bool = true;
    const PURPOSE: &'static str = "order-purpose-history";
    #[inline]
    fn cmp(a: &Place, _: &[u8], b: &Place, _: &[u8]) -> Ordering {
        a.cmp(b)
    }
}

const RET_BIT: u64 = 1 << 63;

/// A line gathered in memory: its place and where its bytes are in the arena.
#[derive(Clone, Copy)]
struct Entry {
    place: Place,
    start: u32,
    len: u32,
}

const ENTRY: usize = std::mem::size_of::<Entry>();

/// Sorts lines by time (or by another [`Order`]) on disk when they do not fit in memory. Push
/// lines in input order, then [`Sorter::finish`] hands them back in order.
pub struct Sorter<O: Order = ByTime> {
    dir: PathBuf,
    budget: usize,
    fan_in: usize,
    seq: u64,
    arena: Vec<u8>,
    entries: Vec<Entry>,
    /// Spilled runs with their merge level (0: written from memory; n+1: merged from level n).
    runs: Vec<(u32, Run)>,
    order: PhantomData<O>,
}

impl Default for Sorter {
    fn default() -> Sorter {
        Sorter::new()
    }
}

impl Sorter {
    /// A sorter with the default budget, spilling to the temporary directory (`TMPDIR`).
    pub fn new() -> Sorter {
        Sorter::with_limits(std::env::temp_dir(), BUDGET, FAN_IN)
    }

    /// A sorter holding about `budget` bytes in memory, spilling to `dir`, merging at most
    /// `fan_in` runs at a time (at least 2).
    pub fn with_limits(dir: impl Into<PathBuf>, budget: usize, fan_in: usize) -> Sorter {
        Sorter::ordered(dir, budget, fan_in)
    }

    /// Adds a line (its bytes as they will be written) of a row at `timestamp` with `permission`.
    pub fn push(
        &mut self,
        timestamp: i64,
        permission: Permission,
        line: &[u8],
    ) -> Result<(), Error> {
        let ret = if permission == Permission::Ret {
            RET_BIT
        } else {
            0
        };
        self.push_at(timestamp, ret, line)
    }
}

impl<O: Order> Sorter<O> {
    /// A sorter in the order `O`, holding about `budget` bytes in memory, spilling to `dir`,
    /// merging at most `fan_in` runs at a time (at least 2).
    pub fn ordered(dir: impl Into<PathBuf>, budget: usize, fan_in: usize) -> Sorter<O> {
        Sorter {
            dir: dir.into(),
            budget: budget.max(2 * ENTRY),
            fan_in: fan_in.max(2),
            seq: 0,
            arena: Vec::new(),
            entries: Vec::new(),
            runs: Vec::new(),
            order: PhantomData,
        }
    }

    /// Lines pushed so far.
    pub fn len(&self) -> u64 {
        self.seq
    }

    pub fn is_empty(&self) -> bool {
        self.seq == 0
    }

    /// How many runs went to disk so far (for tests and measurements).
    pub fn runs(&self) -> usize {
        self.runs.len()
    }

    /// Adds a line at the place (`first`, `rank`); with [`Order::SEQUENCED`], the push sequence
    /// number is or-ed into `rank`.
    pub fn push_at(&mut self, first: i64, rank: u64, line: &[u8]) -> Result<(), Error> {
        let Ok(len) = u32::try_from(line.len()) else {
            return Err(Error::io(
                crate::tr!("err-order-line", purpose = purpose::<O>()),
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    crate::tr!("err-order-line-why"),
                ),
            ));
        };
        if self.entries.is_empty() && self.entries.capacity() == 0 {
            // Sized once: the arena and the entries never grow by doubling past the budget.
            let entries = (self.budget / 4 / ENTRY).max(1);
            self.entries.reserve_exact(entries);
            self.arena.reserve_exact(self.budget - entries * ENTRY);
        }
        let full = self.entries.len() == self.entries.capacity()
            || self.arena.len() + line.len() > self.arena.capacity();
        if full && !self.entries.is_empty() {
            self.spill()?;
        }
        if self.arena.len() + line.len() > u32::MAX as usize {
            self.spill()?;
        }
        let rank = if O::SEQUENCED { rank | self.seq } else { rank };
        self.seq += 1;
        self.entries.push(Entry {
            place: Place {
                timestamp: first,
                rank,
            },
            start: self.arena.len() as u32,
            len,
        });
        // A line longer than the whole arena still goes in (alone): the arena grows for it.
        self.arena.extend_from_slice(line);
        Ok(())
    }

    /// Sorts the lines in memory and writes them out as a run; merges runs when `fan_in` of one
    /// level have gathered, so no more than `fan_in` runs a level are ever open.
    fn sort_in_memory(&mut self) {
        let arena = &self.arena;
        self.entries.sort_unstable_by(|a, b| {
            O::cmp(&a.place, line_of(arena, a), &b.place, line_of(arena, b))
        });
    }

    fn spill(&mut self) -> Result<(), Error> {
        self.sort_in_memory();
        let mut run = RunWriter::<O>::new(&self.dir)?;
        for e in &self.entries {
            run.write(e.place, line_of(&self.arena, e))?;
        }
        self.runs.push((0, run.finish()?));
        self.entries.clear();
        self.arena.clear();
        loop {
            let n = self.runs.len();
            if n < self.fan_in {
                break;
            }
            let level = self.runs[n - 1].0;
            if self.runs[n - self.fan_in..]
                .iter()
                .any(|(l, _)| *l != level)
            {
                break;
            }
            let group: Vec<Run> = self.runs.drain(n - self.fan_in..).map(|(_, r)| r).collect();
            let merged = merge_into_run::<O>(&self.dir, group)?;
            self.runs.push((level + 1, merged));
        }
        Ok(())
    }

    /// Hands every line pushed to `each`, in time order.
    pub fn finish(mut self, mut each: impl FnMut(&[u8]) -> Result<(), Error>) -> Result<(), Error> {
        self.sort_in_memory();
        if self.runs.is_empty() {
            // Everything fitted in memory: no file was ever written.
            for e in &self.entries {
                each(line_of(&self.arena, e))?;
            }
            return Ok(());
        }
        // The lines in memory are one more source: leave room for them.
        while self.runs.len() >= self.fan_in {
            let group: Vec<Run> = self.runs.drain(..self.fan_in).map(|(_, r)| r).collect();
            let merged = merge_into_run::<O>(&self.dir, group)?;
            self.runs.push((u32::MAX, merged));
        }
        let mut sources = Vec::with_capacity(self.runs.len() + 1);
        for (_, run) in self.runs.drain(..) {
            sources.push(Source::<O>::open(run, &self.dir)?);
        }
        let Sorter { arena, entries, .. } = self;
        sources.push(Source::Memory {
            entries,
            arena,
            at: 0,
        });
        merge::<O>(sources, |_, line| each(line))
    }
}

fn line_of<'a>(arena: &'a [u8], e: &Entry) -> &'a [u8] {
    let start = e.start as usize;
    arena.get(start..start + e.len as usize).unwrap_or_default()
}

fn dir_name(dir: &Path) -> String {
    dir.display().to_string()
}

fn write_error<O: Order>(dir: &Path, e: io::Error) -> Error {
    Error::io(
        crate::tr!(
            "err-order-write",
            dir = dir_name(dir),
            purpose = purpose::<O>()
        ),
        e,
    )
}

fn read_error<O: Order>(dir: &Path, e: io::Error) -> Error {
    Error::io(
        crate::tr!(
            "err-order-read",
            dir = dir_name(dir),
            purpose = purpose::<O>()
        ),
        e,
    )
}

/// What a sort is for, in the run's language ([`Order::PURPOSE`] is its catalogue key).
fn purpose<O: Order>() -> String {
    crate::i18n::lang().t(O::PURPOSE)
}

/// A run being written.
struct RunWriter<'a, O: Order> {
    dir: &'a Path,
    out: BufWriter<File>,
    hash: Xxh3,
    count: u64,
    order: PhantomData<O>,
}

impl<'a, O: Order> RunWriter<'a, O> {
    fn new(dir: &'a Path) -> Result<RunWriter<'a, O>, Error> {
        let file = tempfile::tempfile_in(dir).map_err(|e| {
            Error::io(
                crate::tr!(
                    "err-order-create",
                    dir = dir_name(dir),
                    purpose = purpose::<O>()
                ),
                e,
            )
        })?;
        Ok(RunWriter {
            dir,
            out: BufWriter::with_capacity(RUN_BUFFER, file),
            hash: Xxh3::new(),
            count: 0,
            order: PhantomData,
        })
    }

    fn write(&mut self, place: Place, line: &[u8]) -> Result<(), Error> {
        let mut head = [0u8; 20];
        head[..8].copy_from_slice(&place.timestamp.to_le_bytes());
        head[8..16].copy_from_slice(&place.rank.to_le_bytes());
        head[16..].copy_from_slice(&(line.len() as u32).to_le_bytes());
        self.hash.update(&head);
        self.hash.update(line);
        self.count += 1;
        self.out
            .write_all(&head)
            .and_then(|()| self.out.write_all(line))
            .map_err(|e| write_error::<O>(self.dir, e))
    }

    fn finish(self) -> Result<Run, Error> {
        let dir = self.dir;
        let mut file = self
            .out
            .into_inner()
            .map_err(|e| write_error::<O>(dir, e.into_error()))?;
        file.seek(SeekFrom::Start(0))
            .map_err(|e| write_error::<O>(dir, e))?;
        Ok(Run {
            file,
            count: self.count,
            hash: self.hash.digest(),
        })
    }
}

/// A run on disk, sorted, with what it must hold.
struct Run {
    file: File,
    count: u64,
    hash: u64,
}

/// A run being read back.
struct RunReader<O: Order> {
    dir: PathBuf,
    input: BufReader<File>,
    left: u64,
    hash: Xxh3,
    expected: u64,
    place: Option<Place>,
    line: Vec<u8>,
    order: PhantomData<O>,
}

impl<O: Order> RunReader<O> {
    /// Reads the next line, or checks the run once it is all read.
    fn advance(&mut self) -> Result<(), Error> {
        if self.left == 0 {
            self.place = None;
            if self.hash.digest() != self.expected {
                return Err(read_error::<O>(
                    &self.dir,
                    io::Error::new(io::ErrorKind::InvalidData, crate::tr!("err-order-checksum")),
                ));
            }
            return Ok(());
        }
        let mut head = [0u8; 20];
        self.input
            .read_exact(&mut head)
            .map_err(|e| read_error::<O>(&self.dir, e))?;
        let word = |r: std::ops::Range<usize>| {
            let mut b = [0u8; 8];
            b[..r.len()].copy_from_slice(&head[r]);
            u64::from_le_bytes(b)
        };
        let timestamp = word(0..8) as i64;
        let rank = word(8..16);
        let len = word(16..20) as usize;
        self.line.clear();
        self.line.resize(len, 0);
        self.input
            .read_exact(&mut self.line)
            .map_err(|e| read_error::<O>(&self.dir, e))?;
        self.hash.update(&head);
        self.hash.update(&self.line);
        self.left -= 1;
        self.place = Some(Place { timestamp, rank });
        Ok(())
    }
}

/// Where the merge takes its next line from.
enum Source<O: Order> {
    Memory {
        entries: Vec<Entry>,
        arena: Vec<u8>,
        at: usize,
    },
    Run(Box<RunReader<O>>),
}

impl<O: Order> Source<O> {
    fn open(run: Run, dir: &Path) -> Result<Source<O>, Error> {
        let mut reader = Box::new(RunReader {
            dir: dir.to_path_buf(),
            input: BufReader::with_capacity(RUN_BUFFER, run.file),
            left: run.count,
            hash: Xxh3::new(),
            expected: run.hash,
            place: None,
            line: Vec::new(),
            order: PhantomData,
        });
        reader.advance()?;
        Ok(Source::Run(reader))
    }

    fn place(&self) -> Option<Place> {
        match self {
            Source::Memory { entries, at, .. } => entries.get(*at).map(|e| e.place),
            Source::Run(r) => r.place,
        }
    }

    fn line(&self) -> &[u8] {
        match self {
            Source::Memory { entries, arena, at } => {
                entries.get(*at).map_or(&[][..], |e| line_of(arena, e))
            }
            Source::Run(r) => &r.line,
        }
    }

    /// Moves to the next line.
    fn advance(&mut self) -> Result<(), Error> {
        match self {
            Source::Memory { at, .. } => {
                *at += 1;
                Ok(())
            }
            Source::Run(r) => r.advance(),
        }
    }
}

/// The k-way merge: every line of `sources`, in order, to `each`. A binary min-heap of source
/// indices, ordered by each source's current (place, line) and then by index.
fn merge<O: Order>(
    mut sources: Vec<Source<O>>,
    mut each: impl FnMut(Place, &[u8]) -> Result<(), Error>,
) -> Result<(), Error> {
    let less = |sources: &[Source<O>], i: usize, j: usize| -> bool {
        let (a, b) = (&sources[i], &sources[j]);
        match (a.place(), b.place()) {
            (Some(pa), Some(pb)) => O::cmp(&pa, a.line(), &pb, b.line()).then(i.cmp(&j)).is_lt(),
            _ => false,
        }
    };
    let mut heap: Vec<usize> = (0..sources.len())
        .filter(|&i| sources[i].place().is_some())
        .collect();
    let sift_down = |heap: &mut Vec<usize>, sources: &[Source<O>], mut at: usize| {
        loop {
            let (l, r) = (2 * at + 1, 2 * at + 2);
            let mut min = at;
            if l < heap.len() && less(sources, heap[l], heap[min]) {
                min = l;
            }
            if r < heap.len() && less(sources, heap[r], heap[min]) {
                min = r;
            }
            if min == at {
                break;
            }
            heap.swap(at, min);
            at = min;
        }
    };
    for at in (0..heap.len() / 2).rev() {
        sift_down(&mut heap, &sources, at);
    }
    let mut done = 0u32;
    while let Some(&i) = heap.first() {
        let source = &mut sources[i];
        let Some(place) = source.place() else {
            heap.swap_remove(0);
            sift_down(&mut heap, &sources, 0);
            continue;
        };
        each(place, source.line())?;
        source.advance()?;
        if sources[i].place().is_none() {
            heap.swap_remove(0);
        }
        sift_down(&mut heap, &sources, 0);
        done = done.wrapping_add(1);
        if done.is_multiple_of(65_536) {
            crate::signals::check()?;
        }
    }
    Ok(())
}

/// Merges runs into one longer run.
fn merge_into_run<O: Order>(dir: &Path, runs: Vec<Run>) -> Result<Run, Error> {
    let mut sources = Vec::with_capacity(runs.len());
    for run in runs {
        sources.push(Source::<O>::open(run, dir)?);
    }
    let mut out = RunWriter::<O>::new(dir)?;
    merge::<O>(sources, |place, line| out.write(place, line))?;
    out.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use Permission::{Onay, Ret};

    fn sorted(sorter: Sorter) -> Vec<String> {
        let mut out = Vec::new();
        sorter
            .finish(|line| {
                out.push(String::from_utf8_lossy(line).into_owned());
                Ok(())
            })
            .expect("sorted");
        out
    }

    fn sort_with(
        budget: usize,
        fan_in: usize,
        rows: &[(i64, Permission, String)],
    ) -> (Vec<String>, usize) {
        let dir = tempfile::tempdir().expect("temporary directory");
        let mut sorter = Sorter::with_limits(dir.path(), budget, fan_in);
        for (t, p, line) in rows {
            sorter.push(*t, *p, line.as_bytes()).expect("pushed");
        }
        let runs = sorter.runs();
        (sorted(sorter), runs)
    }

    /// The reference: a stable sort by (timestamp, ONAY before RET).
    fn reference(rows: &[(i64, Permission, String)]) -> Vec<String> {
        let mut v: Vec<&(i64, Permission, String)> = rows.iter().collect();
        v.sort_by_key(|(t, p, _)| (*t, *p == Ret));
        v.into_iter().map(|(_, _, l)| l.clone()).collect()
    }

    /// Rows from a small deterministic generator: few timestamps, so ties of every kind abound.
    fn rows(n: usize, seed: u64) -> Vec<(i64, Permission, String)> {
        let mut x = seed | 1;
        (0..n)
            .map(|i| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let t = 1_700_000_000 + (x % 50) as i64 - 25;
                let p = if x >> 40 & 1 == 1 { Ret } else { Onay };
                let pad = "x".repeat((x >> 20) as usize % 40);
                (t, p, format!("{i};{t};{p:?};{pad}\n"))
            })
            .collect()
    }

    #[test]
    fn lines_come_back_in_time_order() {
        let rows = vec![
            (30, Ret, "c\n".to_string()),
            (10, Onay, "a\n".to_string()),
            (20, Ret, "b\n".to_string()),
            (-5, Onay, "before 1970\n".to_string()),
        ];
        let (out, runs) = sort_with(BUDGET, FAN_IN, &rows);
        assert_eq!(runs, 0, "small inputs never touch the disk");
        assert_eq!(out, ["before 1970\n", "a\n", "b\n", "c\n"]);
    }

    #[test]
    fn at_an_equal_instant_onay_comes_before_ret() {
        let rows = vec![
            (10, Ret, "ret first pushed\n".to_string()),
            (10, Onay, "onay\n".to_string()),
            (10, Ret, "ret second pushed\n".to_string()),
        ];
        let (out, _) = sort_with(BUDGET, FAN_IN, &rows);
        assert_eq!(out, ["onay\n", "ret first pushed\n", "ret second pushed\n"]);
    }

    #[test]
    fn equal_places_keep_the_push_order() {
        let rows: Vec<_> = (0..1000)
            .map(|i| (7, if i % 2 == 0 { Onay } else { Ret }, format!("{i}\n")))
            .collect();
        let (out, _) = sort_with(BUDGET, FAN_IN, &rows);
        let onay: Vec<String> = (0..1000).step_by(2).map(|i| format!("{i}\n")).collect();
        let ret: Vec<String> = (1..1000).step_by(2).map(|i| format!("{i}\n")).collect();
        assert_eq!(out, [onay, ret].concat());
    }

    #[test]
    fn spilling_with_a_tiny_budget_gives_what_memory_gives() {
        let rows = rows(5000, 42);
        let (in_memory, runs) = sort_with(BUDGET, FAN_IN, &rows);
        assert_eq!(runs, 0);
        assert_eq!(in_memory, reference(&rows));
        let (spilled, runs) = sort_with(2048, FAN_IN, &rows);
        assert!(runs > 20, "{runs} runs");
        assert_eq!(spilled, in_memory);
    }

    #[test]
    fn many_runs_are_merged_in_levels_with_the_same_result() {
        let rows = rows(20_000, 7);
        // A fan-in of 3 and a budget of a few lines: hundreds of runs, merged over several levels.
        let (out, runs) = sort_with(512, 3, &rows);
        assert!(
            runs <= 3 * 10,
            "runs are merged as they gather: {runs} left"
        );
        assert_eq!(out, reference(&rows));
        let (out_wide, _) = sort_with(4096, 2, &rows);
        assert_eq!(out_wide, out);
    }

    #[test]
    fn a_line_longer_than_the_budget_still_sorts() {
        let long = format!("{}\n", "y".repeat(10_000));
        let rows = vec![
            (3, Onay, "c\n".to_string()),
            (2, Ret, long.clone()),
            (1, Onay, "a\n".to_string()),
            (2, Onay, "b\n".to_string()),
        ];
        let (out, _) = sort_with(256, FAN_IN, &rows);
        assert_eq!(
            out,
            [
                "a\n".to_string(),
                "b\n".to_string(),
                long,
                "c\n".to_string()
            ]
        );
    }

    #[test]
    fn nothing_pushed_gives_nothing() {
        assert!(sorted(Sorter::with_limits("/nonexistent", 64, 2)).is_empty());
    }

    #[test]
    fn an_unwritable_temporary_directory_is_an_io_error_naming_it() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let missing = dir.path().join("no-such-tmp");
        let mut sorter = Sorter::with_limits(&missing, 256, FAN_IN);
        let mut result = Ok(());
        for (t, p, line) in rows(100, 3) {
            result = sorter.push(t, p, line.as_bytes());
            if result.is_err() {
                break;
            }
        }
        let err = result.expect_err("the spill must fail");
        assert!(matches!(err, Error::Io { .. }), "{err:?}");
        let text = err.to_string();
        assert!(
            text.contains("no-such-tmp") && text.contains("TMPDIR"),
            "{text}"
        );
    }

    #[test]
    fn a_damaged_run_is_an_error_not_a_reordering() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let mut w = RunWriter::<ByTime>::new(dir.path()).expect("run");
        w.write(
            Place {
                timestamp: 1,
                rank: 0,
            },
            b"x@y.com;web;RET;\n",
        )
        .expect("written");
        let mut run = w.finish().expect("finished");
        // Flip the permission bit of the only record on disk.
        run.file.seek(SeekFrom::Start(15)).expect("seek");
        run.file.write_all(&[0x80]).expect("damaged");
        run.file.seek(SeekFrom::Start(0)).expect("seek");
        let err = merge(
            vec![Source::<ByTime>::open(run, dir.path()).expect("opened")],
            |_, _| Ok(()),
        )
        .expect_err("a damaged run must be refused");
        assert!(err.to_string().contains("checksum"), "{err}");
    }
}
