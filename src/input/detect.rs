//! File-level facts (SPEC §8), decided once per file from its first bytes: gzip, the encoding and
//! its byte-order mark, the line ends, the delimiter and a header row; and the refusals of files
//! that are not consent text at all (a ZIP/xlsx workbook, binary or BOM-less UTF-16 data).
//!
//! Only the unusual files pay for what is found here: UTF-16 is decoded and lone-CR line ends are
//! translated by reader wrappers that plain UTF-8 LF/CRLF files never go through.

use std::io::{self, Read};

use serde::Serialize;

use crate::error::Error;

/// How many bytes of a file (after gunzip) are looked at.
pub const HEAD: usize = 64 * 1024;

/// How many non-blank lines of the head the delimiter check looks at.
const DELIMITER_LINES: usize = 100;

/// The text encoding a file was read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Encoding {
    #[serde(rename = "utf-8")]
    Utf8,
    #[serde(rename = "utf-16le")]
    Utf16Le,
    #[serde(rename = "utf-16be")]
    Utf16Be,
    /// `--encoding windows-1254` (or iso-8859-9).
    #[serde(rename = "windows-1254")]
    Windows1254,
}

impl Encoding {
    fn label(self) -> &'static str {
        match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Utf16Le => "UTF-16LE",
            Encoding::Utf16Be => "UTF-16BE",
            Encoding::Windows1254 => "windows-1254",
        }
    }
}

/// What ends the file's records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LineEnds {
    Lf,
    Crlf,
    /// Lone CRs (classic Mac "CSV"): translated to LF on reading.
    Cr,
}

/// The delimiter between fields (`--delimiter`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delimiter(pub u8);

impl Delimiter {
    pub const SEMICOLON: Delimiter = Delimiter(b';');
    pub const COMMA: Delimiter = Delimiter(b',');
    pub const TAB: Delimiter = Delimiter(b'\t');

    /// As `--delimiter` spells it.
    pub fn flag(self) -> &'static str {
        match self.0 {
            b',' => ",",
            b'\t' => "tab",
            _ => ";",
        }
    }

    /// As a message shows it, in the run's language.
    fn shown(self) -> String {
        match self.0 {
            b',' => "`,`".to_string(),
            b'\t' => crate::i18n::lang().t("delimiter-tab"),
            _ => "`;`".to_string(),
        }
    }
}

impl Default for Delimiter {
    fn default() -> Delimiter {
        Delimiter::SEMICOLON
    }
}

impl Serialize for Delimiter {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.flag())
    }
}

/// How files are read: the options of the command line that shape reading.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReadOptions {
    pub delimiter: Delimiter,
    /// `--encoding windows-1254`: rows are decoded from the legacy encoding, line by line.
    pub legacy: bool,
}

/// The file-level facts of one input, reported once (`"files"` in the JSON report).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileFacts {
    pub file: String,
    pub gzip: bool,
    pub encoding: Encoding,
    pub bom: bool,
    pub line_ends: LineEnds,
    pub delimiter: Delimiter,
    /// The first line was a header row (skipped; reported as `header_row`).
    pub header_row: bool,
}

impl FileFacts {
    /// A note for people in `lang`, when the file is anything but plain `;`-separated UTF-8 with
    /// LF ends: the file's name and each unusual fact (see [`FileFacts::note_keys`]).
    pub fn note_in(&self, lang: crate::i18n::Lang) -> Option<String> {
        let parts: Vec<String> = self
            .note_keys()
            .into_iter()
            .map(|key| {
                let encoding = crate::i18n::Arg::S(self.encoding.label().to_string());
                lang.ta(key, &[("encoding", encoding)])
            })
            .collect();
        (!parts.is_empty()).then(|| {
            format!(
                "{}: {}",
                crate::privacy::sanitize(&self.file),
                parts.join(", ")
            )
        })
    }

    /// The catalogue keys of the file's unusual facts, in the order a note tells them (the
    /// encoding's takes `$encoding`); none for a plain file.
    pub fn note_keys(&self) -> Vec<&'static str> {
        let mut keys = Vec::new();
        if self.gzip {
            keys.push("facts-gzip");
        }
        if self.encoding != Encoding::Utf8 || self.bom {
            let decoded = matches!(self.encoding, Encoding::Utf16Le | Encoding::Utf16Be);
            keys.push(match (self.bom, decoded) {
                (false, false) => "facts-encoding",
                (true, false) => "facts-encoding-bom",
                (false, true) => "facts-encoding-decoded",
                (true, true) => "facts-encoding-bom-decoded",
            });
        }
        match self.line_ends {
            LineEnds::Lf => {}
            LineEnds::Crlf => keys.push("facts-crlf"),
            LineEnds::Cr => keys.push("facts-cr"),
        }
        match self.delimiter.0 {
            b',' => keys.push("facts-comma"),
            b'\t' => keys.push("facts-tab"),
            _ => {}
        }
        if self.header_row {
            keys.push("facts-header");
        }
        keys
    }
}

/// The encoding of the head's first bytes, or a refusal.
pub fn sniff(name: &str, head: &[u8], options: &ReadOptions) -> Result<(Encoding, bool), Error> {
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        return Err(Error::Usage(crate::tr!(
            "err-file-zip",
            file = name,
            save_as = crate::tr!("err-save-as")
        )));
    }
    let utf16 = if head.starts_with(b"\xFF\xFE") {
        Some(Encoding::Utf16Le)
    } else if head.starts_with(b"\xFE\xFF") {
        Some(Encoding::Utf16Be)
    } else {
        None
    };
    if let Some(enc) = utf16 {
        if options.legacy {
            return Err(Error::Usage(crate::tr!(
                "err-utf16-with-encoding",
                file = name,
                encoding = enc.label()
            )));
        }
        return Ok((enc, true));
    }
    if let Some(at) = memchr::memchr(0, head) {
        let save_as = crate::tr!("err-save-as");
        return Err(Error::Usage(if head.starts_with(b"\xD0\xCF\x11\xE0") {
            crate::tr!("err-file-xls", file = name, save_as = save_as)
        } else {
            crate::tr!("err-file-binary", file = name, at = at, save_as = save_as)
        }));
    }
    let bom = head.starts_with(b"\xEF\xBB\xBF");
    let encoding = if options.legacy {
        Encoding::Windows1254
    } else {
        Encoding::Utf8
    };
    Ok((encoding, bom))
}

/// The line ends of a (decoded) head: the end of its first line, or lone CRs when it has no LF.
pub fn line_ends(head: &[u8]) -> LineEnds {
    match memchr::memchr(b'\n', head) {
        Some(i) if i > 0 && head[i - 1] == b'\r' => LineEnds::Crlf,
        Some(_) => LineEnds::Lf,
        None if memchr::memchr(b'\r', head).is_some() => LineEnds::Cr,
        None => LineEnds::Lf,
    }
}

/// The complete lines of a head (without `\r\n`/`\n`), or the whole head when it holds no line end.
fn head_lines(head: &[u8]) -> impl Iterator<Item = &[u8]> {
    let complete = match memchr::memrchr(b'\n', head) {
        Some(i) => &head[..i],
        None => head,
    };
    complete
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
}

/// Refuses a file none of whose first 100 non-blank lines holds the delimiter while most of them
/// hold the same number of one of the other delimiters: it was written with that one.
pub fn check_delimiter(name: &str, head: &[u8], delimiter: Delimiter) -> Result<(), Error> {
    let lines: Vec<&[u8]> = head_lines(head)
        .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
        .take(DELIMITER_LINES)
        .collect();
    if lines.is_empty()
        || lines
            .iter()
            .any(|l| memchr::memchr(delimiter.0, l).is_some())
    {
        return Ok(());
    }
    for other in [Delimiter::SEMICOLON, Delimiter::COMMA, Delimiter::TAB] {
        if other == delimiter {
            continue;
        }
        let mut counts = std::collections::BTreeMap::<usize, usize>::new();
        for l in &lines {
            *counts
                .entry(memchr::memchr_iter(other.0, l).count())
                .or_default() += 1;
        }
        let Some((&per_line, &n)) = counts
            .iter()
            .filter(|(c, _)| **c > 0)
            .max_by_key(|(_, n)| **n)
        else {
            continue;
        };
        if n * 2 > lines.len() {
            return Err(Error::Usage(crate::tr!(
                "err-wrong-delimiter",
                file = name,
                lines = lines.len(),
                delimiter = delimiter.shown(),
                n = n,
                per_line = per_line,
                other = other.shown(),
                flag = other.flag()
            )));
        }
    }
    Ok(())
}

/// Whether a file's first line is a header row (`email;platform;permission;date`,
/// `alici;kaynak;izin;tarih`): its permission field is not ONAY/RET and its first field cannot be
/// a recipient (no `@`, no digit), so dropping it can never drop a consent or hide a RET.
pub fn is_header(line: &[u8], delimiter: Delimiter) -> bool {
    let Ok(line) = std::str::from_utf8(line) else {
        return false;
    };
    let fields = super::fields::split_loose_on(line, delimiter.0);
    if fields.len() < 3 {
        return false;
    }
    let permission: String = fields[2]
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    if permission == "onay" || permission == "ret" {
        return false;
    }
    let first = fields[0];
    !first.is_empty() && !first.chars().any(|c| c == '@' || c.is_numeric())
}

/// Translates lone-CR line ends (and CRLF, and LF) to LF, for files whose head has lone CRs.
pub struct CrLines<R> {
    inner: R,
    after_cr: bool,
}

impl<R> CrLines<R> {
    pub fn new(inner: R) -> CrLines<R> {
        CrLines {
            inner,
            after_cr: false,
        }
    }

    /// Translates `buf` in place, carrying the state across calls; returns the new length.
    pub fn translate(&mut self, buf: &mut [u8]) -> usize {
        let mut out = 0;
        for i in 0..buf.len() {
            let b = buf[i];
            if b == b'\n' && self.after_cr {
                self.after_cr = false;
                continue;
            }
            self.after_cr = b == b'\r';
            buf[out] = if self.after_cr { b'\n' } else { b };
            out += 1;
        }
        out
    }
}

impl<R: Read> Read for CrLines<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let n = self.inner.read(buf)?;
            if n == 0 {
                return Ok(0);
            }
            let kept = self.translate(&mut buf[..n]);
            // Only the LF of a CRLF split across reads: read on rather than signal the end.
            if kept > 0 {
                return Ok(kept);
            }
        }
    }
}

/// Decodes UTF-16 (its BOM removed) to UTF-8 as it is read (encoding_rs's streaming decoder;
/// unpaired surrogates become U+FFFD).
pub struct Utf16Reader<R> {
    inner: R,
    decoder: encoding_rs::Decoder,
    input: Vec<u8>,
    in_start: usize,
    in_end: usize,
    input_done: bool,
    output: Vec<u8>,
    out_start: usize,
    out_end: usize,
    finished: bool,
}

impl<R: Read> Utf16Reader<R> {
    pub fn new(inner: R, big_endian: bool) -> Utf16Reader<R> {
        let encoding = if big_endian {
            encoding_rs::UTF_16BE
        } else {
            encoding_rs::UTF_16LE
        };
        Utf16Reader {
            inner,
            decoder: encoding.new_decoder_with_bom_removal(),
            input: vec![0; HEAD],
            in_start: 0,
            in_end: 0,
            input_done: false,
            // Every UTF-16 code unit is at most 3 UTF-8 bytes (a surrogate pair: 4 for 4).
            output: vec![0; HEAD * 2 + 16],
            out_start: 0,
            out_end: 0,
            finished: false,
        }
    }
}

impl<R: Read> Read for Utf16Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.out_start < self.out_end {
                let n = buf.len().min(self.out_end - self.out_start);
                buf[..n].copy_from_slice(&self.output[self.out_start..self.out_start + n]);
                self.out_start += n;
                return Ok(n);
            }
            if self.finished {
                return Ok(0);
            }
            if self.in_start == self.in_end && !self.input_done {
                let n = loop {
                    match self.inner.read(&mut self.input) {
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        other => break other?,
                    }
                };
                self.in_start = 0;
                self.in_end = n;
                self.input_done = n == 0;
            }
            let (result, read, written, _) = self.decoder.decode_to_utf8(
                &self.input[self.in_start..self.in_end],
                &mut self.output,
                self.input_done,
            );
            self.in_start += read;
            self.out_start = 0;
            self.out_end = written;
            if self.input_done && result == encoding_rs::CoderResult::InputEmpty {
                self.finished = true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> FileFacts {
        FileFacts {
            file: "x.csv".to_string(),
            gzip: false,
            encoding: Encoding::Utf8,
            bom: false,
            line_ends: LineEnds::Lf,
            delimiter: Delimiter::SEMICOLON,
            header_row: false,
        }
    }

    #[test]
    fn a_files_note_is_told_in_the_language_asked_for() {
        use crate::i18n::Lang;
        assert_eq!(facts().note_in(Lang::Tr), None, "a plain file has no note");
        let crlf = FileFacts {
            line_ends: LineEnds::Crlf,
            ..facts()
        };
        assert_eq!(
            crlf.note_in(Lang::En).as_deref(),
            Some("x.csv: CRLF line ends")
        );
        assert_eq!(
            crlf.note_in(Lang::Tr).as_deref(),
            Some("x.csv: Windows satır sonları (CRLF)")
        );
        let excel = FileFacts {
            gzip: true,
            encoding: Encoding::Utf16Le,
            bom: true,
            line_ends: LineEnds::Cr,
            delimiter: Delimiter::COMMA,
            header_row: true,
            ..facts()
        };
        assert_eq!(
            excel.note_in(Lang::En).as_deref(),
            Some(
                "x.csv: gzip, UTF-16LE with a BOM (decoded), lone-CR line ends (classic Mac), read as records, fields separated by `,`, header row skipped"
            )
        );
        assert_eq!(
            excel.note_in(Lang::Tr).as_deref(),
            Some(
                "x.csv: gzip, UTF-16LE (BOM'lu, UTF-8'e çevrilerek okundu), yalnızca CR satır sonları (eski Mac), kayıt olarak okundu, alanlar virgülle (`,`) ayrılmış, başlık satırı atlandı"
            )
        );
        let legacy = FileFacts {
            encoding: Encoding::Windows1254,
            delimiter: Delimiter::TAB,
            ..facts()
        };
        assert_eq!(
            legacy.note_in(Lang::En).as_deref(),
            Some("x.csv: windows-1254, fields separated by tab")
        );
    }

    fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
        let mut out = if big_endian {
            vec![0xFE, 0xFF]
        } else {
            vec![0xFF, 0xFE]
        };
        for unit in text.encode_utf16() {
            let b = if big_endian {
                unit.to_be_bytes()
            } else {
                unit.to_le_bytes()
            };
            out.extend_from_slice(&b);
        }
        out
    }

    #[test]
    fn utf16_is_decoded_through_small_and_split_reads() {
        let text = "şü@örnek.com;web;RET;15.05.2025 10:00:00\n😀\n".repeat(3000);
        for be in [false, true] {
            let data = utf16(&text, be);
            // A reader that hands out 3 bytes at a time splits code units and surrogate pairs.
            struct Trickle<'a>(&'a [u8]);
            impl Read for Trickle<'_> {
                fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                    let n = buf.len().min(3).min(self.0.len());
                    buf[..n].copy_from_slice(&self.0[..n]);
                    self.0 = &self.0[n..];
                    Ok(n)
                }
            }
            let mut out = String::new();
            Utf16Reader::new(Trickle(&data), be)
                .read_to_string(&mut out)
                .expect("decodes");
            assert_eq!(out, text, "big endian: {be}");
        }
    }

    #[test]
    fn lone_crs_become_line_feeds_and_crlf_stays_one_line_end() {
        let mut cr = CrLines::new(&b"a\rb\r\nc\r"[..]);
        let mut out = Vec::new();
        cr.read_to_end(&mut out).expect("reads");
        assert_eq!(out, b"a\nb\nc\n");
        // A CRLF split across two reads is still one line end.
        let mut t = CrLines::new(io::empty());
        let mut first = *b"x\r";
        let mut second = *b"\ny";
        assert_eq!(t.translate(&mut first), 2);
        assert_eq!(t.translate(&mut second), 1);
        assert_eq!(&second[..1], b"y");
    }

    #[test]
    fn line_ends_are_read_from_the_head() {
        assert_eq!(line_ends(b"a\nb\r\n"), LineEnds::Lf);
        assert_eq!(line_ends(b"a\r\nb\n"), LineEnds::Crlf);
        assert_eq!(line_ends(b"a\rb\r"), LineEnds::Cr);
        assert_eq!(line_ends(b"a"), LineEnds::Lf);
    }

    #[test]
    fn zip_and_nul_files_are_refused_saying_what_they_are() {
        let o = ReadOptions::default();
        let zip = sniff("book.xlsx", b"PK\x03\x04\x14\x00\x06\x00", &o).expect_err("refused");
        assert!(zip.to_string().contains("ZIP archive"), "{zip}");
        assert!(zip.to_string().contains("save it as CSV UTF-8"), "{zip}");
        let nul = sniff("u.csv", b"a\x00b\x00", &o).expect_err("refused");
        assert!(nul.to_string().contains("NUL byte at offset 1"), "{nul}");
        assert!(nul.to_string().contains("save it as CSV UTF-8"), "{nul}");
        let xls =
            sniff("old.xls", b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00", &o).expect_err("refused");
        assert!(xls.to_string().contains(".xls"), "{xls}");
        assert_eq!(
            crate::error::exit_code(&Err(zip)),
            2,
            "a refusal is a usage error"
        );
        // NULs after a UTF-16 BOM are its text, not binary data.
        assert_eq!(
            sniff("w.csv", b"\xFF\xFEa\x00", &o).ok(),
            Some((Encoding::Utf16Le, true))
        );
        assert_eq!(
            sniff("w.csv", b"\xFE\xFF\x00a", &o).ok(),
            Some((Encoding::Utf16Be, true))
        );
        assert_eq!(
            sniff("w.csv", b"\xEF\xBB\xBFa", &o).ok(),
            Some((Encoding::Utf8, true))
        );
    }

    #[test]
    fn a_comma_or_tab_file_is_refused_under_the_default_with_the_flag_to_pass() {
        let comma = b"a@example.com,web,ONAY,15.05.2025 10:00:00\nb@example.com,web,RET,15.05.2025 10:00:00\n";
        let e = check_delimiter("c.csv", comma, Delimiter::SEMICOLON).expect_err("refused");
        assert!(e.to_string().contains("--delimiter ,"), "{e}");
        assert!(check_delimiter("c.csv", comma, Delimiter::COMMA).is_ok());
        let tab = b"a@example.com\tweb\tONAY\t15.05.2025 10:00:00\n\nb\tweb\tRET\tx\n";
        let e = check_delimiter("t.tsv", tab, Delimiter::SEMICOLON).expect_err("refused");
        assert!(e.to_string().contains("--delimiter tab"), "{e}");
        assert!(check_delimiter("t.tsv", tab, Delimiter::TAB).is_ok());
        // One `;` anywhere in the first lines: the file is `;`-separated (its rows are judged).
        let mixed = b"a,b,c,d\nx;web;ONAY;15.05.2025 10:00:00\n";
        assert!(check_delimiter("m.csv", mixed, Delimiter::SEMICOLON).is_ok());
        // No agreement on a count: not refused, the rows speak for themselves.
        let noise = b"a,b\nc\nd\ne,f,g,h\n";
        assert!(check_delimiter("n.csv", noise, Delimiter::SEMICOLON).is_ok());
        assert!(check_delimiter("e.csv", b"", Delimiter::SEMICOLON).is_ok());
    }

    #[test]
    fn header_rows_are_told_from_consent_rows() {
        let d = Delimiter::SEMICOLON;
        assert!(is_header(b"email;platform;permission;date", d));
        assert!(is_header(b"alici;kaynak;izin;tarih", d));
        assert!(is_header(
            b"\"Alici\"; \"Kaynak\" ;\"Izin\";\"Tarih\";\"Id\"",
            d
        ));
        assert!(is_header(
            b"email,platform,permission,date",
            Delimiter::COMMA
        ));
        // Real rows, valid or not, are never headers.
        assert!(!is_header(b"x@example.com;web;ONAY;01.05.2025 10:00:00", d));
        assert!(!is_header(b"x@example;web;RED;yesterday", d));
        assert!(!is_header(b"0532 123 45 6;web;izin;tarih", d));
        assert!(!is_header(b"nobody;web;RET;01.05.2025 10:00:00", d));
        assert!(!is_header(b"nobody;web;ret.;01.05.2025 10:00:00", d));
        assert!(!is_header(b"email;platform", d));
        assert!(!is_header(b";platform;permission;date", d));
        assert!(!is_header(b"\xff;platform;permission;date", d));
    }
}
