//! The JSON report document, written as problems arrive so a large run never holds them all:
//! `{"problems":[…],"summary":{…},"upload":{…},"timing":{…}}`.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use super::{Located, Summary, Upload};
use crate::error::Error;
use crate::output::AtomicFile;

/// The version of the report's shape (SPEC §12), first in every document.
pub const SCHEMA: &str = "iysync.report/1";

/// How every report document begins.
const START: &[u8] = b"{\"schema\":\"iysync.report/1\",\"problems\":[";

/// How the documents of versions before the schema began.
const START_BEFORE_SCHEMA: &[u8] = b"{\"problems\":[";

/// Whether the file at `path` is a report document (of an earlier run): it begins as
/// [`Document::start`] begins one (or as documents began before they carried a schema).
pub fn is_earlier_report(path: &Path) -> bool {
    crate::output::guard::file_starts_with(path, START)
        || crate::output::guard::file_starts_with(path, START_BEFORE_SCHEMA)
}

/// A streaming writer of the report document. `limit` caps the problems written (`--max-problems`
/// for printed documents); the number left out is stated in the document.
pub struct Document<W: Write> {
    out: W,
    first: bool,
    limit: Option<u64>,
    written: u64,
    omitted: u64,
    /// Blocks of one command, written after `upload` (`sync`, `upload_by_endpoint`).
    blocks: Vec<(&'static str, serde_json::Value)>,
}

#[derive(Serialize)]
struct Timing {
    elapsed_seconds: f64,
    /// Only when rows were read.
    #[serde(skip_serializing_if = "Option::is_none")]
    rows_per_second: Option<u64>,
}

impl<W: Write> Document<W> {
    pub fn start(mut out: W, limit: Option<u64>) -> io::Result<Document<W>> {
        out.write_all(START)?;
        Ok(Document {
            out,
            first: true,
            limit,
            written: 0,
            omitted: 0,
            blocks: Vec::new(),
        })
    }

    /// A block of the document that one command adds (written by [`Document::finish`]).
    pub fn block(&mut self, name: &'static str, value: serde_json::Value) {
        self.blocks.push((name, value));
    }

    /// The writer the document goes to (for a printer that writes nothing else there).
    pub fn get_mut(&mut self) -> &mut W {
        &mut self.out
    }

    pub fn problem(&mut self, p: &Located) -> io::Result<()> {
        if self.limit.is_some_and(|l| self.written >= l) {
            self.omitted += 1;
            return Ok(());
        }
        if !self.first {
            self.out.write_all(b",")?;
        }
        self.first = false;
        self.out.write_all(b"\n")?;
        self.out.write_all(p.to_json().as_bytes())?;
        self.written += 1;
        Ok(())
    }

    pub fn finish(
        mut self,
        summary: &Summary,
        upload: Option<&Upload>,
        elapsed: Duration,
    ) -> io::Result<W> {
        self.out.write_all(b"\n],\"summary\":")?;
        serde_json::to_writer(&mut self.out, summary)?;
        self.out.write_all(b",\"files\":")?;
        serde_json::to_writer(&mut self.out, &summary.files)?;
        if let Some(u) = upload {
            self.out.write_all(b",\"upload\":")?;
            serde_json::to_writer(&mut self.out, u)?;
        }
        for (name, value) in &self.blocks {
            write!(self.out, ",\"{name}\":")?;
            serde_json::to_writer(&mut self.out, value)?;
        }
        if self.omitted > 0 {
            write!(self.out, ",\"problems_omitted\":{}", self.omitted)?;
        }
        let secs = elapsed.as_secs_f64();
        let timing = Timing {
            elapsed_seconds: (secs * 1000.0).round() / 1000.0,
            rows_per_second: super::rows_per_second(summary.rows, elapsed),
        };
        self.out.write_all(b",\"timing\":")?;
        serde_json::to_writer(&mut self.out, &timing)?;
        self.out.write_all(b"}\n")?;
        self.out.flush()?;
        Ok(self.out)
    }
}

/// The `--report PATH` file: written to a private temporary file beside PATH and moved into place
/// when complete, so a reader never sees half a report (SPEC §9).
pub struct ReportFile {
    path: PathBuf,
    doc: Document<io::BufWriter<AtomicFile>>,
}

impl ReportFile {
    pub fn create(path: &Path) -> Result<ReportFile, Error> {
        let tmp = AtomicFile::create(path, true)?;
        let doc = Document::start(io::BufWriter::new(tmp), None)
            .map_err(|e| Error::io(crate::tr!("err-write-report", path = path.display()), e))?;
        Ok(ReportFile {
            path: path.to_path_buf(),
            doc,
        })
    }

    pub fn problem(&mut self, p: &Located) -> Result<(), Error> {
        self.doc.problem(p).map_err(|e| {
            Error::io(
                crate::tr!("err-write-report", path = self.path.display()),
                e,
            )
        })
    }

    /// A block of the document that one command adds (`sync`).
    pub fn block(&mut self, name: &'static str, value: serde_json::Value) {
        self.doc.block(name, value);
    }

    /// Every problem of one row.
    pub fn problems(&mut self, located: &[Located]) -> Result<(), Error> {
        located.iter().try_for_each(|p| self.problem(p))
    }

    pub fn finish(
        self,
        summary: &Summary,
        upload: Option<&Upload>,
        elapsed: Duration,
    ) -> Result<(), Error> {
        let ctx = || crate::tr!("err-write-report", path = self.path.display());
        let buf = self
            .doc
            .finish(summary, upload, elapsed)
            .map_err(|e| Error::io(ctx(), e))?;
        buf.into_inner()
            .map_err(|e| Error::io(ctx(), e.into_error()))?
            .commit()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Code, Field, Problem};

    #[test]
    fn document_is_valid_json_with_limit_stated() {
        let mut doc = Document::start(Vec::new(), Some(1)).unwrap_or_else(|e| panic!("{e}"));
        for line in 1..=3 {
            let p = Located {
                file: "a.csv".into(),
                line,
                problem: Problem::error(Field::Row, Code::FieldCount, "bad"),
            };
            doc.problem(&p).unwrap_or_else(|e| panic!("{e}"));
        }
        let out = doc
            .finish(
                &Summary::default(),
                Some(&Upload::default()),
                Duration::from_millis(5),
            )
            .unwrap_or_else(|e| panic!("{e}"));
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(v["problems"].as_array().map(Vec::len), Some(1));
        assert_eq!(v["problems"][0]["code"], "field_count");
        assert_eq!(v["problems_omitted"], 2);
        assert_eq!(v["upload"]["requests"], 0);
        assert_eq!(v["summary"]["rows"], 0);
        assert_eq!(v["schema"], SCHEMA);
        assert!(
            v["timing"].get("rows_per_second").is_none(),
            "no rows/s when no rows were read"
        );
    }
}
