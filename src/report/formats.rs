//! `validate --format text|json|jsonl|github|junit`. Text goes to stderr for people; the others are
//! stable machine contracts on stdout. `--max-problems` limits what is printed, never what is counted.

use std::io::{self, Seek, Write};
use std::time::Duration;

use super::document::Document;
use super::{Located, Summary, is_shown};
use crate::cli::Format;
use crate::privacy::sanitize;
use crate::record::Severity;

/// Prints problems in one format as they arrive; nothing is held back for the end but the JUnit
/// cases (spooled to a temporary file) and the summary.
pub struct Printer<W: Write> {
    format: Format,
    out: Out<W>,
    err: Box<dyn Write>,
    color: bool,
    limit: Option<u64>,
    printed: u64,
    omitted: u64,
    /// Text: at most [`PER_CODE`] problems of each code are printed; the others are counted here.
    by_code: std::collections::BTreeMap<&'static str, (u64, u64)>,
    junit: Option<Junit>,
}

/// How many problems of one code the text format prints (SPEC §12); the rest are counted in one
/// "… and N more" line per code.
pub const PER_CODE: u64 = 20;

/// The printer's standard output: for `json`, the document written to it as problems arrive
/// (`{"problems":[` at once, each problem when it is found, the summary last), so memory does not
/// grow with the number of problems.
enum Out<W: Write> {
    Plain(W),
    Json(Document<W>),
}

impl<W: Write> Out<W> {
    fn get(&mut self) -> &mut W {
        match self {
            Out::Plain(w) => w,
            Out::Json(doc) => doc.get_mut(),
        }
    }
}

struct Junit {
    spool: io::BufWriter<std::fs::File>,
    failures: u64,
}

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() && c != '\n' && c != '\t' => {
                out.push_str(&format!("&#x{:x};", c as u32))
            }
            c => out.push(c),
        }
    }
    out
}

/// GitHub workflow-command escaping: data and property values.
fn gh_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn gh_prop(s: &str) -> String {
    gh_data(s).replace(':', "%3A").replace(',', "%2C")
}

impl<W: Write> Printer<W> {
    pub fn new(
        format: Format,
        out: W,
        err: Box<dyn Write>,
        color: bool,
        limit: Option<u64>,
    ) -> io::Result<Printer<W>> {
        let out = match format {
            Format::Json => Out::Json(Document::start(out, limit)?),
            _ => Out::Plain(out),
        };
        let junit = match format {
            Format::Junit => Some(Junit {
                spool: io::BufWriter::new(tempfile::tempfile()?),
                failures: 0,
            }),
            _ => None,
        };
        Ok(Printer {
            format,
            out,
            err,
            color,
            limit,
            printed: 0,
            omitted: 0,
            by_code: std::collections::BTreeMap::new(),
            junit,
        })
    }

    fn room(&mut self, n: u64) -> bool {
        if self.limit.is_some_and(|l| self.printed >= l) {
            self.omitted += n;
            false
        } else {
            self.printed += n;
            true
        }
    }

    /// Whether this format prints fixes (text, GitHub and JUnit show errors and warnings only).
    pub fn prints_fixes(&self) -> bool {
        matches!(self.format, Format::Json | Format::Jsonl)
    }

    /// The problems of one row (all of them, fixes included); `invalid` when the row is invalid.
    pub fn row(&mut self, problems: &[Located], invalid: bool) -> io::Result<()> {
        match self.format {
            Format::Json => {
                if let Out::Json(doc) = &mut self.out {
                    for p in problems {
                        doc.problem(p)?;
                    }
                }
                Ok(())
            }
            Format::Jsonl => {
                for p in problems {
                    if self.room(1) {
                        writeln!(self.out.get(), "{}", p.to_jsonl())?;
                    }
                }
                Ok(())
            }
            Format::Text => {
                for p in problems.iter().filter(|p| is_shown(&p.problem)) {
                    let (shown, more) = self.by_code.entry(p.problem.code.as_str()).or_default();
                    if *shown >= PER_CODE {
                        *more += 1;
                        continue;
                    }
                    *shown += 1;
                    if self.room(1) {
                        self.one(p)?;
                    }
                }
                Ok(())
            }
            Format::Github => {
                for p in problems.iter().filter(|p| is_shown(&p.problem)) {
                    if self.room(1) {
                        self.one(p)?;
                    }
                }
                Ok(())
            }
            Format::Junit => {
                if !invalid {
                    return Ok(());
                }
                let shown = self.room(1);
                let Some(j) = self.junit.as_mut() else {
                    return Ok(());
                };
                j.failures += 1;
                if !shown {
                    return Ok(());
                }
                let Some(first) = problems.first() else {
                    return Ok(());
                };
                let body: Vec<String> = problems
                    .iter()
                    .map(|p| {
                        format!(
                            "{} ({}): {}",
                            p.problem.code.as_str(),
                            p.problem.field.as_str(),
                            p.problem.message
                        )
                    })
                    .collect();
                writeln!(
                    j.spool,
                    "    <testcase classname=\"{}\" name=\"line {}\" file=\"{}\" line=\"{}\">\n      <failure type=\"{}\" message=\"{}\">{}</failure>\n    </testcase>",
                    xml_escape(&first.file),
                    first.line,
                    xml_escape(&first.file),
                    first.line,
                    first.problem.code.as_str(),
                    xml_escape(&first.problem.message.to_string()),
                    xml_escape(&body.join("\n"))
                )
            }
        }
    }

    /// A key-level warning (`conflict`, `withheld`), known once the input is read.
    pub fn warning(&mut self, p: &Located) -> io::Result<()> {
        match self.format {
            Format::Junit => Ok(()),
            _ => self.row(std::slice::from_ref(p), false),
        }
    }

    fn one(&mut self, p: &Located) -> io::Result<()> {
        let file = sanitize(&p.file);
        match self.format {
            Format::Github => {
                let kind = match p.problem.severity {
                    Severity::Error => "error",
                    _ => "warning",
                };
                writeln!(
                    self.out.get(),
                    "::{kind} file={},line={},title={}::{}",
                    gh_prop(&file),
                    p.line,
                    gh_prop(p.problem.code.as_str()),
                    gh_data(&format!(
                        "{}: {}",
                        p.problem.field.as_str(),
                        p.problem.message
                    ))
                )
            }
            _ => {
                let lang = crate::i18n::lang();
                let message = p.problem.text(lang);
                let color = match p.problem.severity {
                    Severity::Error => "\x1b[1;31m",
                    Severity::Warning => "\x1b[1;33m",
                    Severity::Fix => "\x1b[1;36m",
                };
                let label = lang.t(&format!("severity-{}", p.problem.severity.as_str()));
                let field = lang.t(&format!(
                    "field-{}",
                    p.problem.field.as_str().replace('_', "-")
                ));
                if self.color {
                    writeln!(
                        self.err,
                        "\x1b[1m{file}:{}\x1b[0m: {color}{label}\x1b[0m[{}] {field}: {message}",
                        p.line,
                        p.problem.code.as_str(),
                    )
                } else {
                    writeln!(
                        self.err,
                        "{file}:{}: {label}[{}] {field}: {message}",
                        p.line,
                        p.problem.code.as_str(),
                    )
                }
            }
        }
    }

    /// Writes out what is buffered of the problems printed so far (stderr is block-buffered when
    /// redirected), e.g. before a long upload starts.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.get().flush()?;
        self.err.flush()
    }

    /// Ends the output: the document, the final summary line, or the JUnit envelope.
    pub fn finish(self, summary: &Summary, elapsed: Duration) -> io::Result<()> {
        let Printer {
            format,
            out,
            mut err,
            limit,
            omitted,
            by_code,
            junit,
            ..
        } = self;
        let lang = crate::i18n::lang();
        let mut out = match out {
            Out::Json(doc) => doc.finish(summary, None, elapsed)?,
            Out::Plain(out) => out,
        };
        match format {
            Format::Json => {}
            Format::Jsonl => {
                #[derive(serde::Serialize)]
                struct Line<'a> {
                    #[serde(rename = "type")]
                    kind: &'static str,
                    schema: &'static str,
                    summary: &'a Summary,
                    #[serde(skip_serializing_if = "Option::is_none")]
                    problems_omitted: Option<u64>,
                }
                let line = Line {
                    kind: "summary",
                    schema: super::document::SCHEMA,
                    summary,
                    problems_omitted: (omitted > 0).then_some(omitted),
                };
                serde_json::to_writer(&mut out, &line)?;
                writeln!(out)?;
            }
            Format::Github => {
                if omitted > 0 {
                    writeln!(
                        out,
                        "::notice title=iysync::{} more problems not annotated (--max-problems {})",
                        omitted,
                        limit.unwrap_or_default()
                    )?;
                }
            }
            Format::Text => {
                use crate::i18n::Arg;
                let mut more = false;
                for (code, (_, n)) in by_code.iter().filter(|(_, (_, n))| *n > 0) {
                    more = true;
                    writeln!(
                        err,
                        "{}",
                        lang.ta(
                            "summary-more",
                            &[("n", Arg::N(*n)), ("code", Arg::S(code.to_string()))]
                        )
                    )?;
                }
                if omitted > 0 {
                    writeln!(
                        err,
                        "{}",
                        lang.ta(
                            "summary-max-problems",
                            &[
                                ("n", Arg::N(omitted)),
                                ("limit", Arg::N(limit.unwrap_or_default()))
                            ]
                        )
                    )?;
                } else if more {
                    writeln!(err, "  {}", lang.t("summary-more-where"))?;
                }
            }
            Format::Junit => {
                if let Some(j) = junit {
                    let mut file = j.spool.into_inner().map_err(|e| e.into_error())?;
                    file.seek(io::SeekFrom::Start(0))?;
                    writeln!(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>")?;
                    writeln!(
                        out,
                        "<testsuites name=\"iysync\" tests=\"{}\" failures=\"{}\">",
                        summary.rows, j.failures
                    )?;
                    writeln!(
                        out,
                        "  <testsuite name=\"iysync validate\" tests=\"{}\" failures=\"{}\" time=\"{:.3}\">",
                        summary.rows,
                        j.failures,
                        elapsed.as_secs_f64()
                    )?;
                    if omitted > 0 {
                        writeln!(
                            out,
                            "    <properties><property name=\"problems_omitted\" value=\"{}\"/></properties>",
                            omitted
                        )?;
                    }
                    io::copy(&mut file, &mut out)?;
                    if j.failures == 0 {
                        writeln!(
                            out,
                            "    <testcase classname=\"iysync\" name=\"all rows valid\"/>"
                        )?;
                    }
                    writeln!(out, "  </testsuite>\n</testsuites>")?;
                }
            }
        }
        out.flush()?;
        err.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::record::{Code, Field, Problem};
    use std::cell::RefCell;
    use std::rc::Rc;

    /// A writer whose bytes the test can read while the printer owns it.
    #[derive(Clone, Default)]
    struct Shared(Rc<RefCell<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.borrow_mut().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn the_json_document_is_written_as_problems_arrive() {
        let seen = Shared::default();
        let mut printer = Printer::new(
            Format::Json,
            seen.clone(),
            Box::new(io::sink()),
            false,
            None,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        for line in 1..=1000 {
            let p = Located {
                file: "a.csv".into(),
                line,
                problem: Problem::error(Field::Row, Code::FieldCount, "bad"),
            };
            printer.row(&[p], true).unwrap_or_else(|e| panic!("{e}"));
            // Nothing is held back: this problem is already out.
            let out = seen.0.borrow();
            let tail = String::from_utf8_lossy(&out[out.len().saturating_sub(200)..]).into_owned();
            assert!(tail.contains(&format!("\"line\":{line},")), "{tail}");
        }
        printer
            .finish(&Summary::default(), Duration::from_millis(1))
            .unwrap_or_else(|e| panic!("{e}"));
        let out = seen.0.borrow();
        let doc: serde_json::Value = serde_json::from_slice(&out).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(doc["problems"].as_array().map(Vec::len), Some(1000));
        assert_eq!(doc["summary"]["rows"], 0);
        let text = String::from_utf8_lossy(&out);
        assert!(
            text.starts_with("{\"schema\":\"iysync.report/1\",\"problems\":["),
            "schema, then problems first"
        );
        assert!(
            text.find("\"summary\"") > text.rfind("\"line\":1000"),
            "summary last"
        );
    }

    #[test]
    fn github_escaping() {
        assert_eq!(gh_prop("a:b,c%"), "a%3Ab%2Cc%25");
        assert_eq!(gh_data("x\ny"), "x%0Ay");
    }

    #[test]
    fn xml_escaping() {
        assert_eq!(
            xml_escape("<a & \"b\">\u{1b}"),
            "&lt;a &amp; &quot;b&quot;&gt;&#x1b;"
        );
    }
}
