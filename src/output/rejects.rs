//! The rejects file: one row per invalid input row (and per record the API refused), made to open
//! in a spreadsheet: UTF-8 with a BOM, `;`-delimited, RFC 4180 quoting, header
//! `file;line;code;message;row`.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::record::Problem;

pub struct Rejects {
    path: PathBuf,
    writer: csv::Writer<BufWriter<File>>,
    rows: u64,
}

impl Rejects {
    /// Creates (or replaces: it is this run's report, and a rerun must not be blocked by the last
    /// one's) the rejects file, mode 0600.
    pub fn create(path: &Path) -> Result<Rejects, Error> {
        let file = super::create_private(path, true)?;
        let mut buf = BufWriter::new(file);
        buf.write_all(b"\xEF\xBB\xBF")
            .map_err(|e| Error::io(format!("cannot write {}", path.display()), e))?;
        let mut writer = csv::WriterBuilder::new().delimiter(b';').from_writer(buf);
        writer
            .write_record(["file", "line", "code", "message", "row"])
            .map_err(|e| Error::io(format!("cannot write {}", path.display()), e.into()))?;
        Ok(Rejects {
            path: path.to_path_buf(),
            writer,
            rows: 0,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn rows(&self) -> u64 {
        self.rows
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
        let message = problems
            .iter()
            .map(|p| p.message.as_str())
            .collect::<Vec<_>>()
            .join(" | ");
        self.writer
            .write_record([file, &line.to_string(), code, &message, row])
            .map_err(|e| Error::io(format!("cannot write {}", self.path.display()), e.into()))?;
        self.rows += 1;
        Ok(())
    }

    pub fn finish(mut self) -> Result<(), Error> {
        self.writer
            .flush()
            .map_err(|e| Error::io(format!("cannot write {}", self.path.display()), e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Code, Field};

    #[test]
    fn spreadsheet_friendly_rejects() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let p = dir.path().join("rejects.csv");
        let mut r = Rejects::create(&p).unwrap_or_else(|e| panic!("{e}"));
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
        r.finish().unwrap_or_else(|e| panic!("{e}"));
        let text = std::fs::read_to_string(&p).unwrap_or_default();
        assert_eq!(
            text,
            "\u{feff}file;line;code;message;row\nin.csv;7;invalid_email;\"bad \"\"email\"\" | RED; did you mean RET?\";\"x@y;web;RED;1\"\n"
        );
    }
}
