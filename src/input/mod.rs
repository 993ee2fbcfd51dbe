//! Reading consent files: paths or stdin, gzip, BOM, CRLF, encodings, and cutting the byte stream
//! into chunks at line boundaries with exact 1-based line numbers per file.

pub mod detect;
pub mod fields;

pub use detect::{Delimiter, Encoding, FileFacts, LineEnds, ReadOptions};

use std::borrow::Cow;
use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, BufRead, BufReader, IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use flate2::read::MultiGzDecoder;

use crate::error::Error;

/// One input: a file, or stdin (`-`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// How the source is named in messages (`-` is shown as `<stdin>`).
    pub name: String,
    /// `None` for stdin.
    pub path: Option<PathBuf>,
}

impl Source {
    pub fn file(path: &Path) -> Source {
        Source {
            name: path.display().to_string(),
            path: Some(path.to_path_buf()),
        }
    }

    pub fn stdin() -> Source {
        Source {
            name: "<stdin>".to_string(),
            path: None,
        }
    }

    /// The size on disk, when known (for the progress bar).
    pub fn size(&self) -> Option<u64> {
        self.path
            .as_ref()
            .and_then(|p| std::fs::metadata(p).ok())
            .map(|m| m.len())
    }
}

/// Turns the command line's FILE arguments into sources. No file means stdin, unless stdin is a
/// terminal (then the user forgot the file, and waiting for typed input would look like a hang).
pub fn sources(files: &[PathBuf]) -> Result<Vec<Source>, Error> {
    if files.is_empty() {
        if io::stdin().is_terminal() {
            return Err(Error::Usage(crate::tr!("err-no-input")));
        }
        return Ok(vec![Source::stdin()]);
    }
    let mut out = Vec::with_capacity(files.len());
    let mut stdin_seen = false;
    for f in files {
        if f.as_os_str() == "-" {
            if stdin_seen {
                return Err(Error::Usage(crate::tr!("err-stdin-twice")));
            }
            stdin_seen = true;
            out.push(Source::stdin());
        } else {
            out.push(Source::file(f));
        }
    }
    Ok(out)
}

/// The text encoding of the input.
#[derive(Debug, Clone, Copy, Default)]
pub struct Decoder {
    /// `None`: UTF-8, and anything else is an invalid row.
    legacy: Option<&'static encoding_rs::Encoding>,
}

impl Decoder {
    pub fn utf8() -> Decoder {
        Decoder { legacy: None }
    }

    /// Turkish legacy exports (`windows-1254`; `iso-8859-9` is decoded as its superset windows-1254,
    /// as browsers do).
    pub fn windows_1254() -> Decoder {
        Decoder {
            legacy: Some(encoding_rs::WINDOWS_1254),
        }
    }

    /// The first `chars` characters of a line cut with `…`: its text, and its bytes in this
    /// encoding (what the rejects file and `--invalid-out` show of a line too long to keep).
    pub fn cut(&self, bytes: &[u8], chars: usize) -> (String, Vec<u8>) {
        let text = match self.decode(bytes) {
            Ok(t) | Err(t) => t,
        };
        let mut cut: String = text.chars().take(chars).collect();
        cut.push('…');
        let raw = match self.legacy {
            None => cut.as_bytes().to_vec(),
            Some(enc) => enc.encode(&cut).0.into_owned(),
        };
        (cut, raw)
    }

    /// Decodes one line: `Ok` text, or `Err` with the text decoded lossily (replacement characters).
    pub fn decode<'a>(&self, bytes: &'a [u8]) -> Result<Cow<'a, str>, Cow<'a, str>> {
        match self.legacy {
            None => as_text(bytes)
                .map(Cow::Borrowed)
                .ok_or_else(|| String::from_utf8_lossy(bytes)),
            Some(enc) => Ok(enc.decode_without_bom_handling(bytes).0),
        }
    }
}

/// `bytes` as text when they are UTF-8. Rows and their fields are short and nearly always ASCII,
/// which is checked several times faster than UTF-8 (`str::from_utf8` costs ~100 instructions a
/// call on short texts, most of it set-up).
#[inline]
pub fn as_text(bytes: &[u8]) -> Option<&str> {
    if bytes.is_ascii() {
        // SAFETY: every ASCII byte sequence is valid UTF-8.
        Some(unsafe { std::str::from_utf8_unchecked(bytes) })
    } else {
        std::str::from_utf8(bytes).ok()
    }
}

/// A run of whole lines from one source.
#[derive(Debug)]
pub struct Chunk {
    pub file: usize,
    /// 1-based number of the chunk's first line in its file.
    pub first_line: u64,
    pub data: Vec<u8>,
    /// `Some(length)`: the chunk is one line longer than [`MAX_LINE`] that was skipped, and
    /// `data` holds only its first bytes.
    pub long_line: Option<u64>,
}

impl Chunk {
    /// The chunk's lines with their numbers, without `\n` or `\r\n`.
    pub fn lines(&self) -> impl Iterator<Item = (u64, &[u8])> {
        let data = match self.data.last() {
            Some(b'\n') => &self.data[..self.data.len() - 1],
            _ => &self.data[..],
        };
        let mut rest = (!self.data.is_empty()).then_some(data);
        let mut number = self.first_line;
        std::iter::from_fn(move || {
            let r = rest?;
            let (line, next) = match memchr::memchr(b'\n', r) {
                Some(i) => (&r[..i], Some(&r[i + 1..])),
                None => (r, None),
            };
            rest = next;
            number += 1;
            Some((number - 1, line.strip_suffix(b"\r").unwrap_or(line)))
        })
    }
}

const CHUNK: usize = 96 * 1024;

/// The longest line read as a row (SPEC §8); longer ones are `line_too_long`, skipped without
/// being held in memory.
pub const MAX_LINE: usize = 64 * 1024;

/// How much of a skipped long line is kept: enough for its first fields (a RET there still holds
/// its key back) and for the 200 characters the rejects file shows.
const LONG_PREFIX: usize = 1024;

/// Counts the bytes taken from the underlying file (compressed bytes for gzip), for progress.
struct Counting<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// An opened source: its text as UTF-8 (or the legacy encoding) with LF or CRLF line ends, the
/// first bytes of it already read (and the header row removed), and its file-level facts.
pub struct Opened {
    pub reader: Box<dyn Read + Send>,
    pub head: Vec<u8>,
    pub facts: FileFacts,
}

/// Opens a source for reading: gzip is decompressed (detected by its magic bytes), the head is
/// classified (refusing what is not consent text), UTF-16 is decoded and lone CRs translated.
pub fn open(
    source: &Source,
    options: &ReadOptions,
    count: Arc<AtomicU64>,
) -> Result<Opened, Error> {
    let raw: Box<dyn Read + Send> = match &source.path {
        Some(p) => Box::new(
            File::open(p)
                .map_err(|e| Error::io(crate::tr!("err-cannot-open", path = p.display()), e))?,
        ),
        None => Box::new(io::stdin()),
    };
    let cannot_read = |e| Error::io(crate::tr!("err-cannot-read", path = &source.name), e);
    let mut buffered = BufReader::with_capacity(CHUNK, Counting { inner: raw, count });
    let magic = buffered.fill_buf().map_err(cannot_read)?;
    let gzip = magic.starts_with(&[0x1f, 0x8b]);
    let mut reader: Box<dyn Read + Send> = if gzip {
        Box::new(BufReader::with_capacity(
            CHUNK,
            MultiGzDecoder::new(buffered),
        ))
    } else {
        Box::new(buffered)
    };
    let mut head = vec![0; detect::HEAD];
    let n = read_full(reader.as_mut(), &mut head).map_err(cannot_read)?;
    head.truncate(n);
    // Whether the head holds the whole file.
    let mut complete = n < detect::HEAD;
    let (encoding, bom) = detect::sniff(&source.name, &head, options)?;
    match encoding {
        Encoding::Utf16Le | Encoding::Utf16Be => {
            let mut decoded = detect::Utf16Reader::new(
                io::Cursor::new(head).chain(reader),
                encoding == Encoding::Utf16Be,
            );
            let mut text = vec![0; detect::HEAD];
            let n = read_full(&mut decoded, &mut text).map_err(cannot_read)?;
            text.truncate(n);
            complete = n < detect::HEAD;
            if let Some(at) = memchr::memchr(0, &text) {
                return Err(Error::Usage(crate::tr!(
                    "err-utf16-nul",
                    file = &source.name,
                    at = at
                )));
            }
            head = text;
            reader = Box::new(decoded);
        }
        _ if bom => {
            head.drain(..3);
        }
        // A file shorter than a BOM.
        _ if head.len() < 3 && !head.is_empty() && b"\xEF\xBB\xBF".starts_with(&head) => {
            head.clear();
        }
        _ => {}
    }
    let line_ends = detect::line_ends(&head);
    if line_ends == LineEnds::Cr {
        let mut lines = detect::CrLines::new(reader);
        let n = lines.translate(&mut head);
        head.truncate(n);
        reader = Box::new(lines);
    }
    detect::check_delimiter(&source.name, &head, options.delimiter)?;
    let first = match memchr::memchr(b'\n', &head) {
        Some(i) => Some(i + 1),
        // The whole file is one line.
        None if complete => Some(head.len()),
        None => None,
    };
    let header_row = first.is_some_and(|end| {
        let line = &head[..end];
        let line = line.strip_suffix(b"\n").unwrap_or(line);
        detect::is_header(line.strip_suffix(b"\r").unwrap_or(line), options.delimiter)
    });
    if let (true, Some(end)) = (header_row, first) {
        head.drain(..end);
    }
    Ok(Opened {
        reader,
        head,
        facts: FileFacts {
            file: source.name.clone(),
            gzip,
            encoding,
            bom,
            line_ends,
            delimiter: options.delimiter,
            header_row,
        },
    })
}

/// Pre-flight: opens and classifies every file input before anything is written or sent, so a
/// refused file (a workbook, binary data, another delimiter) or a missing one stops the run
/// first. Stdin and other streams (a FIFO, `<(…)`) cannot be looked at in advance without
/// consuming them; they are classified when they are reached.
pub fn inspect(sources: &[Source], options: &ReadOptions) -> Result<Vec<Option<FileFacts>>, Error> {
    sources
        .iter()
        .map(|s| {
            let stream = s
                .path
                .as_ref()
                .is_none_or(|p| std::fs::metadata(p).is_ok_and(|m| !m.is_file()));
            if stream {
                return Ok(None);
            }
            open(s, options, Arc::default()).map(|o| Some(o.facts))
        })
        .collect()
}

/// The facts of every source, filled in as each one is opened.
pub type SharedFacts = Arc<Mutex<Vec<Option<FileFacts>>>>;

/// A line longer than [`MAX_LINE`] being skipped.
struct LongLine {
    line: u64,
    prefix: Vec<u8>,
    length: u64,
}

/// Reads all sources in order and yields chunks of whole lines.
pub struct ChunkReader {
    sources: Vec<Source>,
    options: ReadOptions,
    next_source: usize,
    current: Option<(usize, Box<dyn Read + Send>)>,
    /// The start of a line whose end is not read yet: at most [`MAX_LINE`] (+1) bytes.
    carry: Vec<u8>,
    skipping: Option<LongLine>,
    ready: VecDeque<Chunk>,
    next_line: u64,
    pub bytes_read: Arc<AtomicU64>,
    facts: SharedFacts,
}

impl ChunkReader {
    pub fn new(sources: Vec<Source>) -> ChunkReader {
        let facts = Arc::new(Mutex::new(vec![None; sources.len()]));
        ChunkReader::with_options(sources, ReadOptions::default(), facts)
    }

    /// A reader with the command line's options, recording each source's facts in `facts`.
    pub fn with_options(
        sources: Vec<Source>,
        options: ReadOptions,
        facts: SharedFacts,
    ) -> ChunkReader {
        ChunkReader {
            sources,
            options,
            next_source: 0,
            current: None,
            carry: Vec::new(),
            skipping: None,
            ready: VecDeque::new(),
            next_line: 1,
            bytes_read: Arc::new(AtomicU64::new(0)),
            facts,
        }
    }

    /// The facts of the sources opened so far.
    pub fn facts(&self) -> SharedFacts {
        self.facts.clone()
    }

    /// The capacity of the buffer the reader keeps between chunks (memory use, for tests).
    pub fn buffer_capacity(&self) -> usize {
        self.carry.capacity() + self.skipping.as_ref().map_or(0, |l| l.prefix.capacity())
    }

    fn next_chunk(&mut self) -> Result<Option<Chunk>, Error> {
        loop {
            if let Some(chunk) = self.ready.pop_front() {
                return Ok(Some(chunk));
            }
            let Some((file, reader)) = self.current.as_mut() else {
                let Some(source) = self.sources.get(self.next_source) else {
                    return Ok(None);
                };
                let opened = open(source, &self.options, self.bytes_read.clone())?;
                let file = self.next_source;
                self.next_source += 1;
                self.next_line = if opened.facts.header_row { 2 } else { 1 };
                if let Ok(mut facts) = self.facts.lock()
                    && let Some(slot) = facts.get_mut(file)
                {
                    *slot = Some(opened.facts);
                }
                self.carry.clear();
                self.skipping = None;
                self.current = Some((file, opened.reader));
                self.absorb(file, opened.head);
                continue;
            };
            let file = *file;
            let cannot_read = |e| {
                Error::io(
                    crate::tr!("err-cannot-read", path = &self.sources[file].name),
                    e,
                )
            };
            if let Some(long) = self.skipping.as_mut() {
                // Skipping a long line: read on, keeping nothing, until its end.
                let mut buf = std::mem::take(&mut self.carry);
                buf.clear();
                buf.resize(CHUNK, 0);
                let n = read_full(reader.as_mut(), &mut buf).map_err(cannot_read)?;
                buf.truncate(n);
                match memchr::memchr(b'\n', &buf) {
                    None => {
                        long.length += n as u64;
                        buf.clear();
                        self.carry = buf;
                        if n == 0 {
                            self.current = None;
                            self.end_long_line(file);
                        }
                    }
                    Some(i) => {
                        long.length += i as u64;
                        if i > 0 && buf[i - 1] == b'\r' {
                            long.length -= 1;
                        }
                        self.end_long_line(file);
                        buf.drain(..=i);
                        self.absorb(file, buf);
                    }
                }
                continue;
            }
            let mut buf = std::mem::take(&mut self.carry);
            let start = buf.len();
            buf.resize(start + CHUNK, 0);
            let n = read_full(reader.as_mut(), &mut buf[start..]).map_err(cannot_read)?;
            buf.truncate(start + n);
            if n == 0 {
                // End of this source: what is left is its last line (without a final newline).
                self.current = None;
                if !buf.is_empty() {
                    let chunk = self.make_chunk(file, buf);
                    self.ready.push_back(chunk);
                }
                continue;
            }
            self.absorb(file, buf);
        }
    }

    /// Takes bytes that continue the current line: the whole lines become a chunk, a partial
    /// last line is carried to the next read, or skipped when it is already too long.
    fn absorb(&mut self, file: usize, mut buf: Vec<u8>) {
        let tail = memchr::memrchr(b'\n', &buf).map_or(0, |i| i + 1);
        let partial = buf.len() - tail;
        // A CR that may be the first half of a CRLF is not part of the line.
        let cr = usize::from(buf.last() == Some(&b'\r'));
        if partial - cr.min(partial) > MAX_LINE {
            let prefix = buf[tail..tail + LONG_PREFIX].to_vec();
            buf.truncate(tail);
            let length = partial as u64;
            if buf.is_empty() {
                self.carry = buf;
            } else {
                let chunk = self.make_chunk(file, buf);
                self.ready.push_back(chunk);
            }
            self.skipping = Some(LongLine {
                line: self.next_line,
                prefix,
                length,
            });
            self.next_line += 1;
        } else if tail == 0 {
            self.carry = buf;
        } else {
            self.carry = buf.split_off(tail);
            let chunk = self.make_chunk(file, buf);
            self.ready.push_back(chunk);
        }
    }

    fn end_long_line(&mut self, file: usize) {
        if let Some(long) = self.skipping.take() {
            self.ready.push_back(Chunk {
                file,
                first_line: long.line,
                data: long.prefix,
                long_line: Some(long.length),
            });
        }
    }

    fn make_chunk(&mut self, file: usize, data: Vec<u8>) -> Chunk {
        let first_line = self.next_line;
        let newlines = memchr::memchr_iter(b'\n', &data).count() as u64;
        self.next_line += newlines;
        if data.last() != Some(&b'\n') {
            self.next_line += 1;
        }
        Chunk {
            file,
            first_line,
            data,
            long_line: None,
        }
    }
}

impl Iterator for ChunkReader {
    type Item = Result<Chunk, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.next_chunk() {
            Ok(Some(c)) => Some(Ok(c)),
            Ok(None) => None,
            Err(e) => {
                // Stop after the first I/O error.
                self.next_source = self.sources.len();
                self.current = None;
                self.ready.clear();
                Some(Err(e))
            }
        }
    }
}

fn read_full(reader: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn read_all(files: &[(&str, &[u8])]) -> Vec<(usize, u64, Vec<u8>)> {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let mut sources = Vec::new();
        for (name, data) in files {
            let p = dir.path().join(name);
            std::fs::write(&p, data).unwrap_or_else(|e| panic!("{e}"));
            sources.push(Source::file(&p));
        }
        let mut out = Vec::new();
        for chunk in ChunkReader::new(sources) {
            let chunk = chunk.unwrap_or_else(|e| panic!("{e}"));
            for (line, bytes) in chunk.lines() {
                out.push((chunk.file, line, bytes.to_vec()));
            }
        }
        out
    }

    #[test]
    fn lines_are_numbered_per_file() {
        let got = read_all(&[("a", b"x\ny\n"), ("b", b"z")]);
        assert_eq!(
            got,
            [
                (0, 1, b"x".to_vec()),
                (0, 2, b"y".to_vec()),
                (1, 1, b"z".to_vec())
            ]
        );
    }

    #[test]
    fn crlf_and_bom_are_file_level_facts() {
        let got = read_all(&[("a", b"\xEF\xBB\xBFx\r\n\r\ny\r\n")]);
        assert_eq!(
            got,
            [
                (0, 1, b"x".to_vec()),
                (0, 2, b"".to_vec()),
                (0, 3, b"y".to_vec())
            ]
        );
    }

    #[test]
    fn gzip_is_read_transparently() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(b"a\nb\n").unwrap_or_else(|e| panic!("{e}"));
        let data = gz.finish().unwrap_or_else(|e| panic!("{e}"));
        let got = read_all(&[("f.gz", &data)]);
        assert_eq!(got, [(0, 1, b"a".to_vec()), (0, 2, b"b".to_vec())]);
    }

    #[test]
    fn long_files_keep_exact_line_numbers_across_chunks() {
        let mut data = Vec::new();
        for i in 0..100_000 {
            data.extend_from_slice(format!("line {i}\n").as_bytes());
        }
        let got = read_all(&[("big", &data)]);
        assert_eq!(got.len(), 100_000);
        for (i, (_, line, bytes)) in got.iter().enumerate() {
            assert_eq!(*line, i as u64 + 1);
            assert_eq!(bytes, format!("line {i}").as_bytes());
        }
    }

    fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
        let mut out = if big_endian {
            vec![0xFE, 0xFF]
        } else {
            vec![0xFF, 0xFE]
        };
        for unit in text.encode_utf16() {
            out.extend_from_slice(&if big_endian {
                unit.to_be_bytes()
            } else {
                unit.to_le_bytes()
            });
        }
        out
    }

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(data).expect("gzip");
        gz.finish().expect("gzip")
    }

    /// The error of reading `data` as a file (with `options`).
    fn refusal(data: &[u8], options: ReadOptions) -> Error {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("f.csv");
        std::fs::write(&p, data).expect("write");
        let facts = Arc::new(Mutex::new(vec![None]));
        let mut r = ChunkReader::with_options(vec![Source::file(&p)], options, facts);
        match r.next() {
            Some(Err(e)) => e,
            other => panic!("not refused: {other:?}"),
        }
    }

    /// The facts and lines of one file read with `options`.
    fn read_with(data: &[u8], options: ReadOptions) -> (FileFacts, Vec<(u64, Vec<u8>)>) {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("f.csv");
        std::fs::write(&p, data).expect("write");
        let facts = Arc::new(Mutex::new(vec![None]));
        let mut lines = Vec::new();
        for chunk in ChunkReader::with_options(vec![Source::file(&p)], options, facts.clone()) {
            let chunk = chunk.expect("read");
            lines.extend(chunk.lines().map(|(n, b)| (n, b.to_vec())));
        }
        let facts = facts.lock().expect("lock")[0].clone().expect("facts");
        (facts, lines)
    }

    fn numbered(lines: &[&str]) -> Vec<(u64, Vec<u8>)> {
        (1..)
            .zip(lines)
            .map(|(n, l)| (n, l.as_bytes().to_vec()))
            .collect()
    }

    #[test]
    fn lone_cr_files_are_read_as_their_records() {
        let o = ReadOptions::default();
        let (facts, lines) = read_with(b"a;1\rb;2\r\rc;3\r", o);
        assert_eq!(lines, numbered(&["a;1", "b;2", "", "c;3"]));
        assert_eq!(facts.line_ends, LineEnds::Cr);
        // Without a final CR, and with many records across chunks: exact numbers.
        let data: String = (0..100_000).map(|i| format!("r;{i}\r")).collect();
        let (_, lines) = read_with(data.trim_end().as_bytes(), o);
        assert_eq!(lines.len(), 100_000);
        assert!(
            lines
                .iter()
                .enumerate()
                .all(|(i, (n, b))| *n == i as u64 + 1 && *b == format!("r;{i}").into_bytes())
        );
        // A file with LF line ends keeps a lone CR inside its line (decided once per file).
        let (facts, lines) = read_with(b"a;1\nb\rc\n", o);
        assert_eq!(lines, numbered(&["a;1", "b\rc"]));
        assert_eq!(facts.line_ends, LineEnds::Lf);
        let (facts, _) = read_with(b"a;1\r\nb\r\n", o);
        assert_eq!(facts.line_ends, LineEnds::Crlf);
    }

    #[test]
    fn utf16_with_a_bom_is_decoded_before_lines_are_cut_also_gzipped() {
        let text = "ş@örnek.com;web;RET;15.05.2025 10:00:00\r\nb;2\r\n";
        for be in [false, true] {
            for gz in [false, true] {
                let raw = utf16(text, be);
                let data = if gz { gzip(&raw) } else { raw };
                let (facts, lines) = read_with(&data, ReadOptions::default());
                assert_eq!(
                    lines,
                    numbered(&["ş@örnek.com;web;RET;15.05.2025 10:00:00", "b;2"]),
                    "be {be} gz {gz}"
                );
                let enc = if be {
                    Encoding::Utf16Be
                } else {
                    Encoding::Utf16Le
                };
                assert_eq!((facts.encoding, facts.bom, facts.gzip), (enc, true, gz));
                assert_eq!(facts.line_ends, LineEnds::Crlf);
            }
        }
        // UTF-16 with lone CRs, longer than the head.
        let text: String = (0..50_000).map(|i| format!("r;{i}\r")).collect();
        let (facts, lines) = read_with(&utf16(&text, false), ReadOptions::default());
        assert_eq!(facts.line_ends, LineEnds::Cr);
        assert_eq!(lines.len(), 50_000);
        assert_eq!(lines[49_999], (50_000, b"r;49999".to_vec()));
    }

    #[test]
    fn nul_bytes_without_a_utf16_bom_are_refused() {
        let e = refusal(b"a\x00;\x00b\x00\n", ReadOptions::default());
        assert!(
            e.to_string()
                .contains("f.csv is a binary file, or UTF-16 text without a byte-order mark"),
            "{e}"
        );
        assert!(e.to_string().contains("save it as CSV UTF-8"), "{e}");
        assert_eq!(crate::error::exit_code(&Err(e)), 2);
        // Also inside gzip, and far into the first 64 KiB.
        let mut data = b"x;web;ONAY;01.05.2025 10:00:00\n".repeat(1500);
        data.push(0);
        let e = refusal(&gzip(&data), ReadOptions::default());
        assert!(e.to_string().contains("NUL byte"), "{e}");
    }

    #[test]
    fn zip_files_are_refused() {
        let e = refusal(
            b"PK\x03\x04\x14\x00\x06\x00\x08\x00",
            ReadOptions::default(),
        );
        assert!(
            e.to_string()
                .contains("ZIP archive (an Excel .xlsx workbook"),
            "{e}"
        );
        assert!(e.to_string().contains("save it as CSV UTF-8"), "{e}");
        assert_eq!(crate::error::exit_code(&Err(e)), 2);
    }

    #[test]
    fn the_delimiter_is_checked_and_used() {
        let comma = b"a@example.com,web,ONAY,15.05.2025 10:00:00\nb@example.com,web,RET,15.05.2025 10:00:00\n";
        let e = refusal(comma, ReadOptions::default());
        assert!(e.to_string().contains("pass --delimiter ,"), "{e}");
        let tab = b"a@example.com\tweb\tONAY\t15.05.2025 10:00:00\n";
        let e = refusal(tab, ReadOptions::default());
        assert!(e.to_string().contains("pass --delimiter tab"), "{e}");
        let o = ReadOptions {
            delimiter: Delimiter::COMMA,
            legacy: false,
        };
        let (facts, lines) = read_with(comma, o);
        assert_eq!((facts.delimiter, lines.len()), (Delimiter::COMMA, 2));
    }

    #[test]
    fn a_header_row_is_skipped_and_numbers_stay_those_of_the_file() {
        for header in ["email;platform;permission;date", "alici;kaynak;izin;tarih"] {
            for end in ["\n", "\r\n", "\r"] {
                let data =
                    format!("\u{feff}{header}{end}x@example.com;web;ONAY;01.05.2025 10:00:00{end}");
                let (facts, lines) = read_with(data.as_bytes(), ReadOptions::default());
                assert!(facts.header_row, "{header:?} {end:?}");
                assert_eq!(
                    lines,
                    [(2, b"x@example.com;web;ONAY;01.05.2025 10:00:00".to_vec())]
                );
            }
        }
        // A comma-separated header under --delimiter ,; a file of only a header.
        let o = ReadOptions {
            delimiter: Delimiter::COMMA,
            legacy: false,
        };
        let (facts, lines) = read_with(b"email,platform,permission,date\n", o);
        assert!(facts.header_row);
        assert!(lines.is_empty());
        // A first row that is a real consent row, even an invalid one, is no header.
        for first in [
            "x@example;web;RED;yesterday",
            "0532 123 45 6;web;izin;tarih",
            "nobody;web;RET;01.05.2025 10:00:00",
        ] {
            let (facts, lines) = read_with(format!("{first}\n").as_bytes(), ReadOptions::default());
            assert!(!facts.header_row, "{first}");
            assert_eq!(lines, numbered(&[first]));
        }
    }

    #[test]
    fn a_long_line_is_skipped_and_the_next_one_read_with_its_number() {
        let long = vec![b'x'; 200_000];
        let rules = crate::record::Rules::new(crate::record::timestamp::ISTANBUL, 1_800_000_000);
        for (before, end) in [("", "\n"), ("a;1\n", "\r\n"), ("a;1\rb;2\r", "\r")] {
            let mut data = before.as_bytes().to_vec();
            data.extend_from_slice(&long);
            data.extend_from_slice(format!("{end}short;1{end}").as_bytes());
            let dir = tempfile::tempdir().expect("tempdir");
            let p = dir.path().join("f.csv");
            std::fs::write(&p, &data).expect("write");
            let rows: Vec<(u64, Option<crate::record::Code>)> =
                ChunkReader::new(vec![Source::file(&p)])
                    .flat_map(|c| {
                        let c = c.expect("read");
                        crate::pipeline::judge_chunk(
                            &c,
                            &rules,
                            Decoder::utf8(),
                            Default::default(),
                            0,
                        )
                        .rows
                    })
                    .map(|r| match r.outcome {
                        crate::record::Outcome::Invalid { problems, .. } => {
                            (r.line, problems.first().map(|p| p.code))
                        }
                        _ => (r.line, None),
                    })
                    .collect();
            let n = before.matches(['\n', '\r']).count() as u64;
            let too_long = rows
                .iter()
                .filter(|r| r.1 == Some(crate::record::Code::LineTooLong))
                .collect::<Vec<_>>();
            assert_eq!(
                too_long,
                [&(n + 1, Some(crate::record::Code::LineTooLong))],
                "{before:?}"
            );
            assert_eq!(rows.last().map(|r| r.0), Some(n + 2), "{before:?}");
            assert_eq!(rows.len() as u64, n + 2, "{before:?}");
        }
        // Judged: invalid `line_too_long`, with a 200-character prefix cut with `…`.
        let mut data = b"x@example.com;web;RET;01.05.2025 10:00:00;".to_vec();
        data.extend_from_slice(&long);
        data.extend_from_slice(b"\nx@example.com;web;ONAY;01.05.2025 09:00:00\n");
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("f.csv");
        std::fs::write(&p, &data).expect("write");
        let rules = crate::record::Rules::new(crate::record::timestamp::ISTANBUL, 1_800_000_000);
        let rows: Vec<crate::pipeline::JudgedRow> = ChunkReader::new(vec![Source::file(&p)])
            .flat_map(|c| {
                let c = c.expect("read");
                crate::pipeline::judge_chunk(&c, &rules, Decoder::utf8(), Default::default(), 0)
                    .rows
            })
            .collect();
        assert_eq!(rows.len(), 2);
        match &rows[0].outcome {
            crate::record::Outcome::Invalid { problems, hold } => {
                assert_eq!(problems[0].code, crate::record::Code::LineTooLong);
                assert!(
                    hold.is_some(),
                    "the RET it starts with still holds the key back"
                );
            }
            other => panic!("{other:?}"),
        }
        let raw = String::from_utf8(rows[0].raw.clone().expect("raw")).expect("utf-8");
        assert_eq!(raw.chars().count(), 201);
        assert!(raw.ends_with('…') && raw.starts_with("x@example.com;web;RET;"));
        assert_eq!(rows[1].line, 2);
        assert!(matches!(
            rows[1].outcome,
            crate::record::Outcome::Valid { .. }
        ));
    }

    #[test]
    fn a_long_line_inside_a_chunk_is_too_long_as_well() {
        // The long line ends within one read: it is judged from the chunk, not skipped.
        let mut data = b"a\n".to_vec();
        data.extend_from_slice(&vec![b'y'; MAX_LINE + 10]);
        data.extend_from_slice(b"\nb\n");
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("f.csv");
        std::fs::write(&p, &data).expect("write");
        let rules = crate::record::Rules::new(crate::record::timestamp::ISTANBUL, 1_800_000_000);
        let rows: Vec<crate::pipeline::JudgedRow> = ChunkReader::new(vec![Source::file(&p)])
            .flat_map(|c| {
                let c = c.expect("read");
                crate::pipeline::judge_chunk(&c, &rules, Decoder::utf8(), Default::default(), 0)
                    .rows
            })
            .collect();
        let codes: Vec<(u64, Option<crate::record::Code>)> = rows
            .iter()
            .map(|r| match &r.outcome {
                crate::record::Outcome::Invalid { problems, .. } => {
                    (r.line, problems.first().map(|p| p.code))
                }
                _ => (r.line, None),
            })
            .collect();
        assert_eq!(codes[1], (2, Some(crate::record::Code::LineTooLong)));
        assert_eq!(codes.len(), 3);
        assert_eq!(codes[2].0, 3);
    }

    #[test]
    fn a_ten_megabyte_line_is_read_in_bounded_memory() {
        let mut data = b"a;1\n".to_vec();
        data.extend_from_slice(&vec![b'z'; 10 * 1024 * 1024]);
        data.extend_from_slice(b"\nb;2\n");
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("f.csv");
        std::fs::write(&p, &data).expect("write");
        let mut reader = ChunkReader::new(vec![Source::file(&p)]);
        let bound = MAX_LINE + CHUNK + LONG_PREFIX + 1;
        let mut most = 0;
        let mut lines = Vec::new();
        while let Some(chunk) = reader.next() {
            let chunk = chunk.expect("read");
            most = most
                .max(reader.buffer_capacity())
                .max(chunk.data.capacity());
            lines.extend(chunk.lines().map(|(n, b)| (n, b.len(), chunk.long_line)));
        }
        assert!(most <= bound, "held {most} bytes, more than {bound}");
        assert_eq!(
            lines,
            [
                (1, 3, None),
                (2, LONG_PREFIX, Some(10 * 1024 * 1024)),
                (3, 3, None)
            ]
        );
    }

    #[test]
    fn missing_file_is_an_io_error_naming_it() {
        let mut r = ChunkReader::new(vec![Source::file(Path::new("/no/such/file.csv"))]);
        match r.next() {
            Some(Err(e)) => assert!(e.to_string().contains("/no/such/file.csv"), "{e}"),
            other => panic!("{other:?}"),
        }
        assert!(r.next().is_none());
    }

    #[test]
    fn windows_1254_decodes_turkish_letters() {
        let d = Decoder::windows_1254();
        assert_eq!(d.decode(b"\xfe\xfd\xf0\xdd").ok().as_deref(), Some("şığİ"));
        assert!(Decoder::utf8().decode(b"\xfe").is_err());
    }

    #[test]
    fn text_is_accepted_exactly_when_it_is_utf8() {
        for ok in ["", "a@b.co;EMAIL;ONAY", "şığİ@örnek.com", "\u{7f}\u{0}"] {
            assert_eq!(as_text(ok.as_bytes()), Some(ok));
        }
        for bad in [
            &b"\xfe"[..],
            b"abc\xc3",
            b"\xed\xa0\x80",
            b"plain ascii then \x80",
        ] {
            assert_eq!(as_text(bad), None, "{bad:?}");
        }
    }
}
