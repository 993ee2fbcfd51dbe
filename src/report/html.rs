//! `--html PATH`: the report for people (SPEC §12). One self-contained file: inline CSS and SVG,
//! no script, no external resource; the summary, a bar chart of the counts by code, the first
//! [`PER_CODE`] rows of each code (file, line, message, the row; masked under `--redact`), the
//! conflicts and withheld recipients, the upload figures and `sync`'s (its plan's counts and each
//! endpoint's figures), the time in the run's `--timezone`. Readable on a phone (viewport,
//! one column below 40em) and printable (`@media print`). Rendered with maud (checked at compile
//! time, every value escaped) and written like every output: temporary file, 0600, renamed.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use maud::{Markup, PreEscaped, html};

use super::{Located, Summary, Upload, severity_of};
use crate::error::Error;
use crate::i18n::{self, Arg, Lang};
use crate::input::Decoder;
use crate::insider::session::Kind;
use crate::ledger::SyncCounts;
use crate::output::AtomicFile;
use crate::privacy::{Shown, mask_recipient, scrub_recipients};
use crate::record::{Code, Severity};

/// How many rows of one code the report shows.
pub const PER_CODE: usize = 20;

/// How every HTML report begins (so a rerun may replace an earlier one, SPEC §9).
const MARK: &str = "<!DOCTYPE html>\n<!-- iysync report -->\n";

/// Whether the file at `path` is an HTML report of an earlier run.
pub fn is_earlier_html(path: &Path) -> bool {
    crate::output::guard::file_starts_with(path, MARK.as_bytes())
}

/// One row shown in the report.
#[derive(Debug, Clone)]
struct Sample {
    file: String,
    line: u64,
    message: String,
    row: Option<String>,
}

/// Collects what the report shows while the run goes on (never more than [`PER_CODE`] rows of a
/// code: memory does not grow with the input), and writes it at the end.
pub struct HtmlReport {
    path: PathBuf,
    shown: Shown,
    decoder: Decoder,
    delimiter: u8,
    /// When the run began (`--now`) and the zone it is shown in (`--timezone`).
    now: i64,
    tz: chrono_tz::Tz,
    inputs: Vec<String>,
    samples: BTreeMap<Code, Vec<Sample>>,
    /// `iysync sync`: its figures (none for the other commands).
    sync: Option<SyncFigures>,
    /// `--dry-run`: the plan as the terminal shows it (nothing was sent).
    dry_run: Option<String>,
}

/// What `iysync sync` adds: its plan's counts and each endpoint's upload figures.
#[derive(Debug, Clone, Default)]
struct SyncFigures {
    counts: SyncCounts,
    endpoints: Vec<(Kind, Upload)>,
}

/// What the run tells the report at its end.
pub struct Figures<'a> {
    pub summary: &'a Summary,
    pub upload: Option<&'a Upload>,
    pub elapsed: Duration,
}

impl HtmlReport {
    /// The report `--html` asked for, if any (the guard has checked its path, SPEC §9).
    pub fn of(setup: &crate::engine::Setup) -> Option<HtmlReport> {
        setup.html.as_deref().map(|path| HtmlReport {
            path: path.to_path_buf(),
            shown: setup.rules.shown,
            decoder: setup.decoder,
            delimiter: setup.rules.delimiter,
            now: setup.rules.now,
            tz: setup.rules.zone.tz(),
            inputs: setup.sources.iter().map(|s| s.name.clone()).collect(),
            samples: BTreeMap::new(),
            sync: None,
            dry_run: None,
        })
    }

    /// `iysync sync`: the plan's counts (the report then has its sync section).
    pub fn sync_counts(&mut self, counts: SyncCounts) {
        self.sync.get_or_insert_with(SyncFigures::default).counts = counts;
    }

    /// `iysync sync`: the upload figures of each endpoint (phase) that sent.
    pub fn sync_endpoints(&mut self, phases: &[(Kind, Upload)]) {
        self.sync.get_or_insert_with(SyncFigures::default).endpoints = phases.to_vec();
    }

    /// When the report was made, in the run's zone with its name and offset, written the
    /// language's way (`2026-11-22 12:00` / `22.11.2026 12:00`).
    fn generated_at(&self, lang: Lang) -> String {
        let utc = chrono::DateTime::<chrono::Utc>::from_timestamp(self.now, 0).unwrap_or_default();
        let local = utc.with_timezone(&self.tz);
        let date = match lang {
            Lang::En => local.format("%Y-%m-%d"),
            Lang::Tr => local.format("%d.%m.%Y"),
        };
        lang.ta(
            "html-generated-at",
            &[
                ("date", Arg::S(date.to_string())),
                ("time", Arg::S(local.format("%H:%M").to_string())),
                ("zone", Arg::S(self.tz.name().to_string())),
                ("offset", Arg::S(local.format("%:z").to_string())),
            ],
        )
    }

    /// The problems of one row (`raw`: its original bytes, for invalid rows).
    /// A dry run's plan (requests, records, bytes per endpoint), shown in its own section.
    pub fn dry_run(&mut self, plan: &str) {
        self.dry_run = Some(plan.to_string());
    }

    pub fn problems(&mut self, located: &[Located], raw: Option<&[u8]>) {
        for p in located {
            let list = self.samples.entry(p.problem.code).or_default();
            if list.len() >= PER_CODE {
                continue;
            }
            let row = raw.map(|r| {
                let text = match self.decoder.decode(r) {
                    Ok(t) | Err(t) => t,
                };
                shown_row(&text, self.delimiter, self.shown)
            });
            list.push(Sample {
                file: p.file.clone(),
                line: p.line,
                message: p.problem.text(i18n::lang()).to_string(),
                row,
            });
        }
    }

    /// Writes the report (to a temporary file first, moved into place when complete).
    pub fn finish(self, figures: &Figures<'_>) -> Result<(), Error> {
        let page = self.render(i18n::lang(), figures);
        let ctx = || crate::tr!("err-write-html", path = self.path.display());
        // The guard refused a path holding anything but an earlier HTML report (without --force).
        let mut file = AtomicFile::create(&self.path, true)?;
        file.write_all(page.as_bytes())
            .map_err(|e| Error::io(ctx(), e))?;
        file.commit()
    }

    /// The whole page.
    pub fn render(&self, lang: Lang, f: &Figures<'_>) -> String {
        let s = f.summary;
        let t = |k: &str| lang.t(k);
        let n = |v: u64| lang.num(v);
        let title = t("html-title");
        let notes: Vec<String> = s.files.iter().filter_map(|f| f.note_in(lang)).collect();
        let mut counts: Vec<(&&str, &u64)> = s.by_code.iter().collect();
        // Errors first, then warnings, then fixes; the most frequent first within each.
        let rank = |c: &str| match severity_of(c) {
            Severity::Error => 0,
            Severity::Warning => 1,
            Severity::Fix => 2,
        };
        counts.sort_by(|a, b| (rank(a.0), b.1).cmp(&(rank(b.0), a.1)).then(a.0.cmp(b.0)));
        let (warnings, problems): (Vec<_>, Vec<_>) = self
            .samples
            .iter()
            .partition(|(code, _)| severity_of(code.as_str()) == Severity::Warning);
        let figures = [
            ("html-rows", s.rows, ""),
            ("html-valid", s.valid, "ok"),
            ("html-fixed", s.fixed, ""),
            (
                "html-invalid",
                s.invalid,
                if s.invalid > 0 { "bad" } else { "" },
            ),
            ("html-blank", s.blank, ""),
            ("html-duplicates", s.duplicates, ""),
            (
                "html-conflicts",
                s.conflicts,
                if s.conflicts > 0 { "warn" } else { "" },
            ),
            (
                "html-withheld",
                s.resolved.map_or(0, |r| r.withheld),
                if s.resolved.is_some_and(|r| r.withheld > 0) {
                    "warn"
                } else {
                    ""
                },
            ),
            ("html-email", s.by_channel.email, ""),
            ("html-sms", s.by_channel.sms, ""),
            ("html-onay", s.by_permission.onay, ""),
            ("html-ret", s.by_permission.ret, ""),
        ];
        let markup = html! {
            html lang=(lang.code()) {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    title { (title) }
                    style { (PreEscaped(CSS)) }
                }
                body {
                    header {
                        h1 { (title) }
                        p.meta { (lang.ta("html-generated", &[
                            ("version", Arg::S(env!("CARGO_PKG_VERSION").to_string())),
                            ("now", Arg::S(self.generated_at(lang))),
                        ])) " · " (t("html-elapsed")) " "
                            (lang.ta("html-seconds", &[("secs", Arg::S(lang.secs(f.elapsed.as_secs_f64())))])) }
                        p.meta { (t("html-inputs")) ": " (self.inputs.join(", ")) }
                        @if !notes.is_empty() {
                            div #file-notes {
                                p.meta { (t("html-file-notes")) ":" }
                                ul.meta { @for note in &notes { li { (note) } } }
                            }
                        }
                        @if self.shown.redact { p.meta { (t("html-redacted")) } }
                    }
                    section #summary {
                        h2 { (t("html-summary")) }
                        dl.figures {
                            @for (key, value, class) in figures {
                                div class=(format!("figure {class}")) {
                                    dt { (t(key)) }
                                    dd data-key=(key) { (n(value)) }
                                }
                            }
                        }
                    }
                    @if let Some(u) = f.upload {
                        section #upload {
                            h2 { (t("html-upload")) }
                            dl.figures {
                                @for (key, value) in [
                                    ("html-requests", u.requests),
                                    ("html-sent", u.records_sent),
                                    ("html-accepted", u.records_accepted),
                                    ("html-refused", u.records_refused),
                                    ("html-retries", u.retries),
                                    ("html-skipped", u.skipped),
                                ] {
                                    div.figure { dt { (t(key)) } dd data-key=(key) { (n(value)) } }
                                }
                            }
                        }
                    }
                    @if let Some(sync) = &self.sync { (sync_section(sync, lang)) }
                    @if let Some(plan) = &self.dry_run {
                        section #dry-run {
                            h2 { (t("html-dry-run")) }
                            pre { (plan.trim_end()) }
                        }
                    }
                    section #by-code {
                        h2 { (t("html-by-code")) }
                        @if counts.is_empty() {
                            p { (t("html-no-problems")) }
                        } @else {
                            (chart(&counts, lang))
                        }
                    }
                    @if !problems.is_empty() {
                        section #rows {
                            h2 { (lang.ta("html-first-rows", &[("n", Arg::N(PER_CODE as u64))])) }
                            @for (code, list) in &problems {
                                (samples(**code, list, s, lang))
                            }
                        }
                    }
                    @if !warnings.is_empty() {
                        section #warnings {
                            h2 { (t("html-warnings")) }
                            @for (code, list) in &warnings {
                                (samples(**code, list, s, lang))
                            }
                        }
                    }
                }
            }
        };
        format!("{MARK}{}", markup.into_string())
    }
}

/// `iysync sync`'s figures: the plan's counts, and each endpoint's requests and records.
fn sync_section(sync: &SyncFigures, lang: Lang) -> Markup {
    let c = &sync.counts;
    let counts = [
        ("html-sync-unchanged", c.unchanged, ""),
        ("html-sync-new", c.new, ""),
        ("html-sync-opt-out", c.opt_out, ""),
        ("html-sync-opt-in", c.opt_in, ""),
        (
            "html-sync-stale",
            c.stale,
            if c.stale > 0 { "warn" } else { "" },
        ),
        (
            "html-sync-pending",
            c.pending,
            if c.pending > 0 { "warn" } else { "" },
        ),
    ];
    let columns = [
        "html-requests",
        "html-sent",
        "html-accepted",
        "html-refused",
        "html-retries",
    ];
    html! {
        section #sync {
            h2 { (lang.t("html-sync")) }
            dl.figures {
                @for (key, value, class) in counts {
                    div class=(format!("figure {class}")) {
                        dt { (lang.t(key)) }
                        dd data-key=(key) { (lang.num(value)) }
                    }
                }
            }
            h3 { (lang.t("html-sync-endpoints")) }
            @if sync.endpoints.is_empty() {
                p { (lang.t("html-sync-none-sent")) }
            } @else {
                div.scroll {
                    table.endpoints {
                        thead { tr {
                            th { (lang.t("html-endpoint")) }
                            @for key in columns { th { (lang.t(key)) } }
                        } }
                        tbody {
                            @for (kind, u) in &sync.endpoints {
                                tr data-endpoint=(kind.name()) {
                                    td { (lang.t(&format!("html-endpoint-{}", kind.name()))) }
                                    @for (key, value) in [
                                        ("html-requests", u.requests),
                                        ("html-sent", u.records_sent),
                                        ("html-accepted", u.records_accepted),
                                        ("html-refused", u.records_refused),
                                        ("html-retries", u.retries),
                                    ] {
                                        td.num data-key=(key) { (lang.num(value)) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The counts by code as horizontal bars, one per code, longest first.
fn chart(counts: &[(&&str, &u64)], lang: Lang) -> Markup {
    const ROW: usize = 26;
    const LABEL: usize = 190;
    const WIDTH: usize = 600;
    let max = counts.iter().map(|(_, n)| **n).max().unwrap_or(1).max(1);
    let height = counts.len() * ROW + 4;
    html! {
        svg.chart xmlns="http://www.w3.org/2000/svg" role="img"
            viewBox=(format!("0 0 {WIDTH} {height}")) width="100%"
            aria-label=(lang.t("html-by-code")) {
            @for (i, (code, count)) in counts.iter().enumerate() {
                @let y = i * ROW + 2;
                @let w = ((**count as f64 / max as f64) * (WIDTH - LABEL - 70) as f64).max(2.0);
                g.bar data-code=(code) {
                    text x=(LABEL - 6) y=(y + 17) text-anchor="end" { (code) }
                    rect class=(format!("bar {}", severity_class(code)))
                        x=(LABEL) y=(y + 3) width=(format!("{w:.1}")) height=(ROW - 8) rx="3" {}
                    text x=(format!("{:.1}", LABEL as f64 + w + 6.0)) y=(y + 17) { (lang.num(**count)) }
                }
            }
        }
    }
}

fn severity_class(code: &str) -> &'static str {
    match severity_of(code) {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Fix => "fix",
    }
}

/// The first rows of one code, with how many there are in all.
fn samples(code: Code, list: &[Sample], s: &Summary, lang: Lang) -> Markup {
    let total = s
        .by_code
        .get(code.as_str())
        .copied()
        .unwrap_or(list.len() as u64);
    html! {
        article.code data-code=(code.as_str()) {
            h3 {
                code { (code.as_str()) } " — " (i18n::describe(lang, code))
            }
            p.meta { (lang.ta("html-shown-of", &[
                ("shown", Arg::N(list.len() as u64)),
                ("total", Arg::N(total)),
            ])) }
            div.scroll {
                table {
                    thead { tr {
                        th { (lang.t("html-file")) } th { (lang.t("html-line")) }
                        th { (lang.t("html-message")) } th { (lang.t("html-row")) }
                    } }
                    tbody {
                        @for r in list {
                            tr {
                                td.file { (r.file) }
                                td.num { (r.line) }
                                td { (r.message) }
                                td { @if let Some(row) = &r.row { code.row { (row) } } }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A row as the report shows it: control characters made visible, long rows cut, and under
/// `--redact` the recipient (its first field) and anything that looks like one masked.
fn shown_row(text: &str, delimiter: u8, shown: Shown) -> String {
    let value = shown.value(text);
    if !shown.redact {
        return value;
    }
    let delim = char::from(delimiter);
    let masked: Vec<String> = value
        .split(delim)
        .enumerate()
        .map(|(i, field)| {
            if i == 0 {
                let core = field.trim().trim_matches('"').trim();
                if core.is_empty() {
                    field.to_string()
                } else {
                    field.replace(core, &mask_recipient(core))
                }
            } else {
                scrub_recipients(field)
            }
        })
        .collect();
    masked.join(&delim.to_string())
}

const CSS: &str = r#"
:root{--fg:#1d2330;--muted:#5b6475;--bg:#fff;--line:#dde2ea;--err:#c62828;--warn:#b26a00;--fix:#1e6fb8;--ok:#2e7d32}
*{box-sizing:border-box}
body{margin:0 auto;max-width:72em;padding:1em;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.2em;margin:1.4em 0 .5em;border-bottom:1px solid var(--line)}h3{font-size:1em;margin:1.2em 0 .2em}
.meta{color:var(--muted);margin:.2em 0;overflow-wrap:anywhere}
.figures{display:grid;grid-template-columns:repeat(auto-fill,minmax(9em,1fr));gap:.5em;margin:0}
.figure{border:1px solid var(--line);border-radius:6px;padding:.4em .6em}
.figure dt{color:var(--muted);font-size:.85em}.figure dd{margin:0;font-size:1.35em;font-variant-numeric:tabular-nums}
.figure.bad dd{color:var(--err)}.figure.warn dd{color:var(--warn)}.figure.ok dd{color:var(--ok)}
.chart{max-width:100%;width:46em;height:auto;font-size:13px}.chart text{fill:var(--fg)}
.bar.error{fill:var(--err)}.bar.warning{fill:var(--warn)}.bar.fix{fill:var(--fix)}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.9em}
th,td{border-bottom:1px solid var(--line);padding:.3em .4em;text-align:left;vertical-align:top}
th{background:#f4f6f9}td.num{text-align:right;font-variant-numeric:tabular-nums}
td.file{overflow-wrap:anywhere}code.row{white-space:pre-wrap;overflow-wrap:anywhere;font-size:.95em}
@media (max-width:40em){body{padding:.6em;font-size:14px}.figures{grid-template-columns:repeat(2,1fr)}
table,thead,tbody,tr,th,td{display:block}thead{display:none}tr{border:1px solid var(--line);border-radius:6px;margin:.4em 0;padding:.2em}td{border:0}td.num{text-align:left}}
@media print{body{max-width:none;font-size:11pt}.scroll{overflow:visible}article.code{break-inside:avoid-page}h2{break-after:avoid}
.figure{break-inside:avoid}a{color:inherit}}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_masked_under_redact() {
        let shown = Shown { redact: true };
        let row = shown_row("ali@example.com;web;ONAY;01.06.2025 10:00:00", b';', shown);
        assert!(!row.contains("ali@example.com"), "{row}");
        assert!(row.contains(";web;ONAY;"), "{row}");
        let plain = shown_row("ali@example.com;web", b';', Shown { redact: false });
        assert_eq!(plain, "ali@example.com;web");
    }
}
