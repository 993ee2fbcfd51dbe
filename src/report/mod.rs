//! Reporting: the summary counts, problems placed at file and line, the JSON report document
//! (`--report`, `validate --format json`), the formats of `validate`, and progress.

pub mod document;
pub mod formats;
pub mod html;
pub mod ledger;
pub mod progress;
pub mod reporting;
pub mod sync;

use std::time::Duration;

use serde::Serialize;

use crate::i18n::{self, Arg, Lang};
use crate::pipeline::JudgedChunk;
use crate::record::{Channel, Outcome, Permission, Problem, Severity};
use crate::resolve::Resolution;

/// A problem placed at its file and 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    pub file: String,
    pub line: u64,
    pub problem: Problem,
}

#[derive(Serialize)]
struct LocatedJson<'a> {
    /// `"problem"` on `jsonl` lines (every line says what it is); absent in the documents.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    kind: Option<&'static str>,
    file: &'a str,
    line: u64,
    field: &'a str,
    code: &'a str,
    severity: &'a str,
    /// In English in every run (machine formats and `--report` are stable for CI greps).
    message: crate::record::message::Rendered<'a>,
}

impl Located {
    pub fn to_json(&self) -> String {
        self.json(None)
    }

    /// A `jsonl` line: the problem with `"type":"problem"`.
    pub fn to_jsonl(&self) -> String {
        self.json(Some("problem"))
    }

    fn json(&self, kind: Option<&'static str>) -> String {
        serde_json::to_string(&LocatedJson {
            kind,
            file: &self.file,
            line: self.line,
            field: self.problem.field.as_str(),
            code: self.problem.code.as_str(),
            severity: self.problem.severity.as_str(),
            message: self.problem.message.display(Lang::En),
        })
        .unwrap_or_default()
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ByChannel {
    pub email: u64,
    pub sms: u64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ByPermission {
    #[serde(rename = "ONAY")]
    pub onay: u64,
    #[serde(rename = "RET")]
    pub ret: u64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Resolved {
    pub records: u64,
    #[serde(rename = "ONAY")]
    pub onay: u64,
    #[serde(rename = "RET")]
    pub ret: u64,
    pub withheld: u64,
}

/// The summary of SPEC §3. `rows` = `valid` + `invalid`; blank lines are counted apart.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub rows: u64,
    pub valid: u64,
    pub fixed: u64,
    pub invalid: u64,
    pub blank: u64,
    pub duplicates: u64,
    pub conflicts: u64,
    pub by_channel: ByChannel,
    pub by_permission: ByPermission,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved: Option<Resolved>,
    /// Problems by code (fixes included), for a quick look.
    pub by_code: std::collections::BTreeMap<&'static str, u64>,
    /// The file-level facts of each input (the report's `"files"`, beside the summary).
    #[serde(skip)]
    pub files: Vec<crate::input::FileFacts>,
}

/// What the upload commands add to the report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Upload {
    pub requests: u64,
    pub records_sent: u64,
    pub records_accepted: u64,
    pub records_refused: u64,
    pub retries: u64,
    pub skipped: u64,
}

impl Upload {
    /// The upload's line of the people's summary; `rejects` names the rejects file.
    pub fn human(&self, rejects: &str) -> String {
        let lang = i18n::lang();
        format!(
            "  {}\n",
            lang.ta(
                "upload-line",
                &[
                    ("requests", Arg::N(self.requests)),
                    ("sent", Arg::N(self.records_sent)),
                    ("accepted", Arg::N(self.records_accepted)),
                    ("refused", Arg::N(self.records_refused)),
                    ("retries", Arg::N(self.retries)),
                    ("skipped", Arg::N(self.skipped)),
                    ("rejects", Arg::S(rejects.to_string())),
                ],
            )
        )
    }
}

/// The hint printed once under the summary when problems of `code` were found.
fn hint(code: &str) -> Option<&'static str> {
    match code {
        "invalid_encoding" => Some("hint-invalid_encoding"),
        _ => None,
    }
}

impl Summary {
    /// Counts one judged chunk.
    pub fn count(&mut self, chunk: &JudgedChunk) {
        self.blank += chunk.blank;
        for row in &chunk.rows {
            match &row.outcome {
                Outcome::Blank => self.blank += 1,
                Outcome::Valid { record, fixes } => {
                    self.valid += 1;
                    if !fixes.is_empty() {
                        self.fixed += 1;
                    }
                    for f in fixes {
                        *self.by_code.entry(f.code.as_str()).or_default() += 1;
                    }
                    match record.channel {
                        Channel::Email => self.by_channel.email += 1,
                        Channel::Sms => self.by_channel.sms += 1,
                    }
                    match record.permission {
                        Permission::Onay => self.by_permission.onay += 1,
                        Permission::Ret => self.by_permission.ret += 1,
                    }
                }
                Outcome::Invalid { problems, .. } => {
                    self.invalid += 1;
                    for p in problems {
                        *self.by_code.entry(p.code.as_str()).or_default() += 1;
                    }
                }
            }
        }
        self.rows = self.valid + self.invalid;
    }

    /// Adds what resolution found. `with_resolved` for commands that work on the resolved state.
    pub fn add_resolution(&mut self, r: &Resolution, with_resolved: bool) {
        self.duplicates = r.duplicates();
        self.conflicts = r.conflicts;
        for (_, w) in &r.warnings {
            *self.by_code.entry(w.code.as_str()).or_default() += 1;
        }
        if with_resolved {
            self.resolved = Some(Resolved {
                records: r.records(),
                onay: r.onay,
                ret: r.ret,
                withheld: r.withheld,
            });
        }
    }

    /// The people's summary, a few lines for stderr, in the language of the run.
    pub fn human(&self, elapsed: Duration) -> String {
        self.human_in(i18n::lang(), elapsed)
    }

    /// The people's summary in `lang`: the counts, the counts by code (errors, warnings, fixes),
    /// each file's note and each code's hint once, the time and (when rows were read) rows/s.
    pub fn human_in(&self, lang: Lang, elapsed: Duration) -> String {
        let mut s = String::new();
        let mut line = |text: String| {
            if !s.is_empty() {
                s.push_str("  ");
            }
            s.push_str(&text);
            s.push('\n');
        };
        line(lang.ta(
            "summary-rows",
            &[
                ("rows", Arg::N(self.rows)),
                ("valid", Arg::N(self.valid)),
                ("fixed", Arg::N(self.fixed)),
                ("invalid", Arg::N(self.invalid)),
                ("blank", Arg::N(self.blank)),
                ("duplicates", Arg::N(self.duplicates)),
                ("conflicts", Arg::N(self.conflicts)),
            ],
        ));
        line(lang.ta(
            "summary-by",
            &[
                ("email", Arg::N(self.by_channel.email)),
                ("sms", Arg::N(self.by_channel.sms)),
                ("onay", Arg::N(self.by_permission.onay)),
                ("ret", Arg::N(self.by_permission.ret)),
            ],
        ));
        if let Some(r) = &self.resolved {
            line(lang.ta(
                "summary-resolved",
                &[
                    ("records", Arg::N(r.records)),
                    ("onay", Arg::N(r.onay)),
                    ("ret", Arg::N(r.ret)),
                    ("withheld", Arg::N(r.withheld)),
                ],
            ));
        }
        for (key, severity) in [
            ("summary-errors", Severity::Error),
            ("summary-warnings", Severity::Warning),
            ("summary-fixes", Severity::Fix),
        ] {
            // The most frequent first: 12,000 rows of one mistake are seen at once.
            let mut counts: Vec<(&&str, &u64)> = self
                .by_code
                .iter()
                .filter(|(c, _)| severity_of(c) == severity)
                .collect();
            counts.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            let list: Vec<String> = counts
                .iter()
                .map(|(c, n)| format!("{c} {}", lang.num(**n)))
                .collect();
            if !list.is_empty() {
                line(lang.ta(key, &[("list", Arg::S(list.join(", ")))]));
            }
        }
        for note in self.files.iter().filter_map(|f| f.note_in(lang)) {
            line(lang.ta("summary-file", &[("note", Arg::S(note))]));
        }
        for key in self.by_code.keys().filter_map(|c| hint(c)) {
            line(lang.t(key));
        }
        let secs = elapsed.as_secs_f64();
        match rows_per_second(self.rows, elapsed) {
            Some(rate) => line(lang.ta(
                "summary-time",
                &[("secs", Arg::S(lang.secs(secs))), ("rate", Arg::N(rate))],
            )),
            None => line(lang.ta("summary-time-no-rows", &[("secs", Arg::S(lang.secs(secs)))])),
        }
        s
    }
}

/// Rows per second, only when rows were read and the time is long enough to mean something.
pub fn rows_per_second(rows: u64, elapsed: Duration) -> Option<u64> {
    let secs = elapsed.as_secs_f64();
    (rows > 0 && secs >= 0.001).then(|| (rows as f64 / secs).round() as u64)
}

/// The severity a code is counted under in the summary: errors, warnings (`conflict`,
/// `withheld`, `header_row`) or fixes (`fix_*`; errors under `--strict`, counted as fixes here).
pub fn severity_of(code: &str) -> Severity {
    if code.starts_with("fix_") {
        Severity::Fix
    } else if matches!(code, "conflict" | "withheld" | "header_row") {
        Severity::Warning
    } else {
        Severity::Error
    }
}

/// Whether a problem is shown to people and annotated in CI: errors and warnings; fixes only when
/// `--strict` made them errors (their severity is then `error`).
pub fn is_shown(p: &Problem) -> bool {
    p.severity != Severity::Fix
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::JudgedRow;
    use crate::record::{Code, Field, Record};

    fn valid(channel: Channel, permission: Permission, fixes: Vec<Problem>) -> JudgedRow {
        JudgedRow {
            line: 1,
            outcome: Outcome::Valid {
                record: Record {
                    channel,
                    recipient: "x".into(),
                    platform: "web".into(),
                    permission,
                    timestamp: 0,
                    external_id: None,
                },
                fixes,
            },
            raw: None,
            key: 0,
        }
    }

    #[test]
    fn counts_follow_the_settled_rules() {
        let fix = Problem::fix(Field::Platform, Code::FixWhitespace, "x");
        let chunk = JudgedChunk {
            file: 0,
            bytes_read: 0,
            blank: 2,
            output: Vec::new(),
            rows: vec![
                valid(Channel::Email, Permission::Onay, vec![]),
                valid(Channel::Sms, Permission::Ret, vec![fix.clone(), fix]),
                JudgedRow {
                    line: 3,
                    outcome: Outcome::Blank,
                    raw: None,
                    key: 0,
                },
                JudgedRow {
                    line: 4,
                    outcome: Outcome::Invalid {
                        problems: vec![Problem::error(Field::Row, Code::FieldCount, "x")],
                        hold: None,
                    },
                    raw: Some(b"x".to_vec()),
                    key: 0,
                },
            ],
        };
        let mut s = Summary::default();
        s.count(&chunk);
        assert_eq!(
            (s.rows, s.valid, s.fixed, s.invalid, s.blank),
            (3, 2, 1, 1, 3)
        );
        assert_eq!(s.by_channel, ByChannel { email: 1, sms: 1 });
        assert_eq!(s.by_permission, ByPermission { onay: 1, ret: 1 });
        assert_eq!(s.by_code.get("fix_whitespace"), Some(&2));
        let json = serde_json::to_value(&s).unwrap_or_default();
        assert_eq!(json["by_permission"]["ONAY"], 1);
        assert!(json.get("resolved").is_none());
    }
}
