//! Reading consent files: paths or stdin, gzip, BOM, CRLF, encodings, and cutting the byte stream
//! into chunks at line boundaries with exact 1-based line numbers per file.

pub mod fields;

use std::borrow::Cow;
use std::fs::File;
use std::io::{self, BufRead, BufReader, IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

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
            return Err(Error::Usage(
                "no input: give one or more FILEs, or pipe the data into stdin (`-`)".to_string(),
            ));
        }
        return Ok(vec![Source::stdin()]);
    }
    let mut out = Vec::with_capacity(files.len());
    let mut stdin_seen = false;
    for f in files {
        if f.as_os_str() == "-" {
            if stdin_seen {
                return Err(Error::Usage(
                    "`-` (stdin) may be given only once".to_string(),
                ));
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

const CHUNK: usize = 256 * 1024;

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

/// Opens a source for reading, transparently decompressing gzip (detected by its magic bytes).
fn open(source: &Source, count: Arc<AtomicU64>) -> Result<Box<dyn Read + Send>, Error> {
    let raw: Box<dyn Read + Send> = match &source.path {
        Some(p) => Box::new(
            File::open(p).map_err(|e| Error::io(format!("cannot open {}", p.display()), e))?,
        ),
        None => Box::new(io::stdin()),
    };
    let mut buffered = BufReader::with_capacity(CHUNK, Counting { inner: raw, count });
    let head = buffered
        .fill_buf()
        .map_err(|e| Error::io(format!("cannot read {}", source.name), e))?;
    if head.starts_with(&[0x1f, 0x8b]) {
        Ok(Box::new(BufReader::with_capacity(
            CHUNK,
            MultiGzDecoder::new(buffered),
        )))
    } else {
        Ok(Box::new(buffered))
    }
}

/// Reads all sources in order and yields chunks of whole lines.
pub struct ChunkReader {
    sources: Vec<Source>,
    next_source: usize,
    current: Option<(usize, Box<dyn Read + Send>)>,
    carry: Vec<u8>,
    next_line: u64,
    at_file_start: bool,
    pub bytes_read: Arc<AtomicU64>,
}

impl ChunkReader {
    pub fn new(sources: Vec<Source>) -> ChunkReader {
        ChunkReader {
            sources,
            next_source: 0,
            current: None,
            carry: Vec::new(),
            next_line: 1,
            at_file_start: true,
            bytes_read: Arc::new(AtomicU64::new(0)),
        }
    }

    fn next_chunk(&mut self) -> Result<Option<Chunk>, Error> {
        loop {
            if self.current.is_none() {
                let Some(source) = self.sources.get(self.next_source) else {
                    return Ok(None);
                };
                let reader = open(source, self.bytes_read.clone())?;
                self.current = Some((self.next_source, reader));
                self.next_source += 1;
                self.next_line = 1;
                self.at_file_start = true;
                self.carry.clear();
            }
            let Some((file, reader)) = self.current.as_mut() else {
                continue;
            };
            let file = *file;
            let mut buf = std::mem::take(&mut self.carry);
            let start = buf.len();
            buf.resize(start + CHUNK, 0);
            let n = read_full(reader.as_mut(), &mut buf[start..])
                .map_err(|e| Error::io(format!("cannot read {}", self.sources[file].name), e))?;
            buf.truncate(start + n);
            if self.at_file_start && buf.len() >= 3 {
                if buf.starts_with(b"\xEF\xBB\xBF") {
                    buf.drain(..3);
                }
                self.at_file_start = false;
            } else if self.at_file_start && n == 0 {
                // A file shorter than a BOM.
                if buf.starts_with(b"\xEF\xBB")
                    && buf.len() < 3
                    && b"\xEF\xBB\xBF".starts_with(&buf)
                {
                    buf.clear();
                }
                self.at_file_start = false;
            }
            if n == 0 {
                // End of this source: what is left is its last line (without a final newline).
                self.current = None;
                if buf.is_empty() {
                    continue;
                }
                return Ok(Some(self.make_chunk(file, buf)));
            }
            match memrchr_newline(&buf) {
                Some(pos) => {
                    self.carry = buf.split_off(pos + 1);
                    return Ok(Some(self.make_chunk(file, buf)));
                }
                None => {
                    // A line longer than the buffer so far: keep reading.
                    self.carry = buf;
                }
            }
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

fn memrchr_newline(buf: &[u8]) -> Option<usize> {
    memchr::memrchr(b'\n', buf)
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

    #[test]
    fn a_line_longer_than_a_chunk_is_one_line() {
        let long = vec![b'x'; CHUNK * 2 + 17];
        let mut data = long.clone();
        data.extend_from_slice(b"\nshort\n");
        let got = read_all(&[("f", &data)]);
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].2, long);
        assert_eq!(got[1].1, 2);
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
