//! The rejects file: one row per invalid input row (and per record the API refused), made to open
//! in a spreadsheet: UTF-8 with a BOM, `;`-delimited, RFC 4180 quoting, header
//! `file;line;code;message;row`.
//!
//! SPEC §9: it exists only when something was rejected (it is created at the first reject, under
//! a temporary name, and moved into place by [`Rejects::finish`]); a cell a spreadsheet would
//! read as a formula is prefixed with `'`; the invalid RET row that withholds a key says so.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt::Write as _;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::output::atomic::AtomicFile;
use crate::privacy::Shown;
use crate::record::Problem;
use crate::record::message::{self, Message, Value};

const BOM: &[u8] = b"\xEF\xBB\xBF";
const HEADER: [&str; 5] = ["file", "line", "code", "message", "row"];

type Writer = csv::Writer<BufWriter<AtomicFile>>;

pub struct Rejects {
    path: PathBuf,
    writer: Option<Writer>,
    rows: u64,
    shown: Shown,
    /// Rows (file cell, line) that withhold a key: their message gets a note at the end.
    withholding: HashSet<(String, u64)>,
    /// Already ended by [`Rejects::stage`].
    staged: bool,
}

/// A cell that begins with `=`, `+`, `-`, `@`, a tab or a CR is prefixed with `'`, so a
/// spreadsheet shows it as text instead of running it as a formula.
pub fn cell(value: &str) -> Cow<'_, str> {
    match value.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => Cow::Owned(format!("'{value}")),
        _ => Cow::Borrowed(value),
    }
}

/// The value a [`cell`] was made from.
fn uncell(value: &str) -> &str {
    match value.strip_prefix('\'') {
        Some(rest) if cell(rest).len() != rest.len() => rest,
        _ => value,
    }
}

fn start(path: &Path) -> Result<Writer, Error> {
    let mut buf = BufWriter::new(AtomicFile::create(path, true)?);
    buf.write_all(BOM)
        .map_err(|e| Error::io(crate::tr!("err-cannot-write", path = path.display()), e))?;
    let mut writer = csv::WriterBuilder::new().delimiter(b';').from_writer(buf);
    writer.write_record(HEADER).map_err(|e| {
        Error::io(
            crate::tr!("err-cannot-write", path = path.display()),
            e.into(),
        )
    })?;
    Ok(writer)
}

fn close(path: &Path, writer: Writer) -> Result<AtomicFile, Error> {
    let ctx = || crate::tr!("err-cannot-write", path = path.display());
    writer
        .into_inner()
        .map_err(|e| Error::io(ctx(), e.into_error()))?
        .into_inner()
        .map_err(|e| Error::io(ctx(), e.into_error()))
}

impl Rejects {
    /// The rejects file of this run at `path` (replaced when the run rejects something: it is
    /// this run's report, and a rerun must not be blocked by the last one's). Nothing is created
    /// before the first reject.
    pub fn create(path: &Path, shown: Shown) -> Rejects {
        Rejects {
            path: path.to_path_buf(),
            writer: None,
            rows: 0,
            shown,
            withholding: HashSet::new(),
            staged: false,
        }
    }

    /// One rejected row: its first problem's code, all its messages joined by ` | `.
    pub fn write(
        &mut self,
        file: &str,
        line: u64,
        problems: &[Problem],
        row: &str,
    ) -> Result<(), Error> {
        let code = problems
            .first()
            .map(|p| p.code.as_str())
            .unwrap_or_default();
        // In the language of the run (the code and the header stay as they are).
        let lang = crate::i18n::lang();
        let mut message = String::new();
        for (i, p) in problems.iter().enumerate() {
            if i > 0 {
                message.push_str(" | ");
            }
            let _ = write!(message, "{}", p.text(lang));
        }
        if self.staged {
            return Err(Error::io(
                crate::tr!("err-cannot-write", path = self.path.display()),
                std::io::Error::other(crate::tr!("err-rejects-complete")),
            ));
        }
        let writer = match &mut self.writer {
            Some(w) => w,
            None => self.writer.insert(start(&self.path)?),
        };
        writer
            .write_record([
                &*cell(file),
                &line.to_string(),
                code,
                &cell(&message),
                &cell(row),
            ])
            .map_err(|e| {
                Error::io(
                    crate::tr!("err-cannot-write", path = self.path.display()),
                    e.into(),
                )
            })?;
        self.rows += 1;
        Ok(())
    }

    /// The invalid row at `file:line` withholds its key (known only once the input is read):
    /// its message will say so.
    pub fn withholding(&mut self, file: &str, line: u64) {
        self.withholding.insert((cell(file).into_owned(), line));
    }

    /// Ends the file: moved into place when something was rejected (`Some(path)`); otherwise
    /// nothing is written, and a rejects file an earlier run left at the same path is removed
    /// (it would describe rows this run did not reject). After [`Rejects::stage`], only says
    /// whether there is a file.
    pub fn finish(mut self) -> Result<Option<PathBuf>, Error> {
        if self.staged {
            return Ok((self.rows > 0).then_some(self.path));
        }
        let Some(writer) = self.writer.take() else {
            remove_earlier(&self.path)?;
            return Ok(None);
        };
        let to = self.path.clone();
        self.complete(writer, &to)?;
        Ok(Some(self.path))
    }

    /// Ends the file now and, when something was rejected, moves it to `staged` instead of its
    /// path: the default rejects file of `convert --out DIR` belongs to the set of files there,
    /// and is moved into place with it ([`crate::output::OutputDir::commit`]), which also removes
    /// an earlier run's. Nothing can be written after this.
    pub fn stage(&mut self, staged: &Path) -> Result<(), Error> {
        self.staged = true;
        match self.writer.take() {
            Some(writer) => self.complete(writer, staged),
            None => Ok(()),
        }
    }

    /// Closes the file (adding the withholding notes) and moves it to `to`.
    fn complete(&self, writer: Writer, to: &Path) -> Result<(), Error> {
        let file = close(&self.path, writer)?;
        if self.withholding.is_empty() {
            file.commit_as(to)
        } else {
            self.rewrite_with_notes(file, to)
        }
    }

    /// Copies the rows to a new temporary file, adding the withholding note to the rows that
    /// withhold a key, and moves that to `to` (rejects files are small).
    fn rewrite_with_notes(&self, file: AtomicFile, to: &Path) -> Result<(), Error> {
        let ctx = || crate::tr!("err-cannot-write", path = self.path.display());
        let mut read = BufReader::new(file.reopen()?);
        let mut bom = [0u8; 3];
        read.read_exact(&mut bom).map_err(|e| Error::io(ctx(), e))?;
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(b';')
            .has_headers(true)
            .flexible(true)
            .from_reader(read);
        let mut out = start(&self.path)?;
        for record in reader.records() {
            let record = record.map_err(|e| Error::io(ctx(), e.into()))?;
            let mut fields: Vec<String> = record.iter().map(str::to_string).collect();
            let line = fields.get(1).and_then(|l| l.parse::<u64>().ok());
            let key = (
                fields.first().cloned().unwrap_or_default(),
                line.unwrap_or(0),
            );
            if line.is_some() && self.withholding.contains(&key) {
                let row = fields.get(4).map(|r| uncell(r)).unwrap_or_default();
                let recipient = row
                    .split(';')
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .trim_matches('"')
                    .trim();
                let note = Message::new(
                    &message::REJECTS_WITHHOLDING,
                    [Value::Text(self.shown.recipient(recipient))],
                );
                let note = format!(" | {}", note.render(crate::i18n::lang()));
                if let Some(message) = fields.get_mut(3) {
                    message.push_str(&note);
                }
            }
            out.write_record(&fields)
                .map_err(|e| Error::io(ctx(), e.into()))?;
        }
        close(&self.path, out)?.commit_as(to)
    }
}

/// Whether the file at `path` is a rejects file (of an earlier run): it begins with the BOM and
/// the header.
pub fn is_earlier_rejects(path: &Path) -> bool {
    let expected = format!("\u{feff}{}", HEADER.join(";"));
    crate::output::guard::file_starts_with(path, expected.as_bytes())
}

/// Removes the rejects file of an earlier run at `path`, recognised by its first bytes (anything
/// else there is left alone).
fn remove_earlier(path: &Path) -> Result<(), Error> {
    if is_earlier_rejects(path) {
        std::fs::remove_file(path).map_err(|e| {
            Error::io(
                crate::tr!("err-remove-earlier-rejects", path = path.display()),
                e,
            )
        })?;
    }
    Ok(())
}

/// How the summary line names the rejects file: its path, or "no rejects" when there is none.
pub fn rejects_shown(path: Option<&Path>) -> String {
    match path {
        Some(p) => crate::i18n::lang().ta(
            "rejects-path",
            &[("path", crate::i18n::Arg::S(p.display().to_string()))],
        ),
        None => crate::i18n::lang().t("rejects-none"),
    }
}

/// The default rejects path when no output directory holds it: `./iysync-rejects-<time>.csv`.
pub fn default_rejects_path(now: i64) -> PathBuf {
    let stamp = chrono::DateTime::<chrono::Utc>::from_timestamp(now, 0)
        .unwrap_or_default()
        .format("%Y%m%dT%H%M%SZ");
    PathBuf::from(format!("iysync-rejects-{stamp}.csv"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Code, Field};

    #[test]
    fn spreadsheet_friendly_rejects() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let p = dir.path().join("rejects.csv");
        let mut r = Rejects::create(&p, Shown::default());
        let problems = [
            Problem::error(Field::Recipient, Code::InvalidEmail, "bad \"email\""),
            Problem::error(
                Field::Permission,
                Code::InvalidPermission,
                "RED; did you mean RET?",
            ),
        ];
        r.write("in.csv", 7, &problems, "x@y;web;RED;1")
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(!p.exists(), "nothing under the final name before finish");
        assert_eq!(r.finish().ok().flatten().as_deref(), Some(p.as_path()));
        let text = std::fs::read_to_string(&p).unwrap_or_default();
        assert_eq!(
            text,
            "\u{feff}file;line;code;message;row\nin.csv;7;invalid_email;\"bad \"\"email\"\" | RED; did you mean RET?\";\"x@y;web;RED;1\"\n"
        );
    }

    #[test]
    fn no_rejects_no_file_and_an_earlier_one_goes() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let p = dir.path().join("rejects.csv");
        assert_eq!(
            Rejects::create(&p, Shown::default()).finish().ok(),
            Some(None)
        );
        assert!(!p.exists());
        std::fs::write(&p, "\u{feff}file;line;code;message;row\nold;1;x;y;z\n").expect("w");
        Rejects::create(&p, Shown::default())
            .finish()
            .expect("finish");
        assert!(!p.exists(), "an earlier run's rejects file is removed");
        std::fs::write(&p, "someone else's file").expect("w");
        Rejects::create(&p, Shown::default())
            .finish()
            .expect("finish");
        assert!(p.exists(), "other files are left alone");
    }

    #[test]
    fn formula_cells_are_prefixed() {
        for (raw, shown) in [
            ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"),
            ("+905321234567", "'+905321234567"),
            ("-1", "'-1"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("ok", "ok"),
            ("'=", "'="),
        ] {
            assert_eq!(cell(raw), shown);
            if raw != "'=" {
                assert_eq!(uncell(&cell(raw)), raw);
            }
        }
        let dir = tempfile::tempdir().expect("temporary directory");
        let p = dir.path().join("rejects.csv");
        let mut r = Rejects::create(&p, Shown::default());
        let problem = [Problem::error(Field::Row, Code::FieldCount, "=bad")];
        r.write("=f.csv", 1, &problem, "@x;=1;+2;-3")
            .expect("write");
        r.finish().expect("finish");
        let text = std::fs::read_to_string(&p).unwrap_or_default();
        assert!(
            text.ends_with("'=f.csv;1;field_count;'=bad;\"'@x;=1;+2;-3\"\n"),
            "{text}"
        );
    }

    #[test]
    fn the_withholding_row_says_so() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let p = dir.path().join("rejects.csv");
        let mut r = Rejects::create(&p, Shown { redact: true });
        let problem = [Problem::error(
            Field::Timestamp,
            Code::InvalidTimestamp,
            "bad date",
        )];
        r.write("a.csv", 3, &problem, "kemal@example.com;web;RET;31.02.2025")
            .expect("write");
        r.write("a.csv", 4, &problem, "other@example.com;web;ONAY;x")
            .expect("write");
        r.withholding("a.csv", 3);
        r.finish().expect("finish");
        let text = std::fs::read_to_string(&p).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            lines[1].contains("bad date | this RET row holds k***@example.com back"),
            "{text}"
        );
        assert!(!lines[2].contains("holds"), "{text}");
        assert!(text.starts_with('\u{feff}'), "{text}");
        assert_eq!(std::fs::read_dir(dir.path()).expect("dir").count(), 1);
    }
    #[test]
    fn a_staged_rejects_file_goes_to_the_staging_directory() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let staging = tempfile::tempdir_in(dir.path()).expect("staging");
        let p = dir.path().join("rejects.csv");
        let staged = staging.path().join("rejects.csv");
        let mut r = Rejects::create(&p, Shown::default());
        let problem = [Problem::error(Field::Row, Code::FieldCount, "bad")];
        r.write("a.csv", 1, &problem, "x").expect("write");
        r.withholding("a.csv", 1);
        r.stage(&staged).expect("stage");
        assert!(r.write("a.csv", 2, &problem, "y").is_err(), "complete");
        assert_eq!(r.finish().expect("finish").as_deref(), Some(p.as_path()));
        assert!(!p.exists(), "moved into place with the set, not now");
        assert!(
            std::fs::read_to_string(&staged)
                .expect("r")
                .contains("holds")
        );
        // Nothing rejected: nothing staged, and nothing removed here either (the set's
        // replacement removes an earlier one).
        std::fs::write(&p, "\u{feff}file;line;code;message;row\n").expect("w");
        let mut r = Rejects::create(&p, Shown::default());
        r.stage(&staging.path().join("other.csv")).expect("stage");
        assert_eq!(r.finish().expect("finish"), None);
        assert!(p.exists());
    }
}
