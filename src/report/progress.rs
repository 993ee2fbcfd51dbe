//! The progress bar: only when stderr is a terminal; nothing animated otherwise (SPEC §7).

use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Progress of reading (bytes, rows) and, for uploads, of sending.
pub struct Progress {
    bar: Option<ProgressBar>,
    started: Instant,
    rows: u64,
}

impl Progress {
    /// `total_bytes`: the inputs' size when known. Hidden unless `enabled` and stderr is a terminal.
    pub fn new(enabled: bool, total_bytes: Option<u64>, what: &str) -> Progress {
        let bar = (enabled && console_is_terminal()).then(|| {
            let bar = match total_bytes {
                Some(total) => ProgressBar::with_draw_target(
                    Some(total),
                    ProgressDrawTarget::stderr_with_hz(8),
                ),
                None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr_with_hz(8)),
            };
            let template = if total_bytes.is_some() {
                // The label of the time left, in the run's language (`ETA` / `kalan`).
                let eta = crate::i18n::lang().t("progress-eta").replace(['{', '}'], "");
                format!(
                    "{{prefix}} [{{elapsed_precise}}] {{wide_bar}} {{bytes}}/{{total_bytes}} · {{msg}} · {eta} {{eta}}"
                )
            } else {
                "{prefix} {spinner} [{elapsed_precise}] {bytes} · {msg}".to_string()
            };
            if let Ok(style) = ProgressStyle::with_template(&template) {
                bar.set_style(style);
            }
            bar.set_prefix(label(what));
            bar
        });
        Progress {
            bar,
            started: Instant::now(),
            rows: 0,
        }
    }

    /// The bar on the screen, if any (for [`crate::printer::Printer::attach`]).
    pub fn bar(&self) -> Option<&ProgressBar> {
        self.bar.as_ref()
    }

    /// Reading progress: bytes of input consumed and rows judged.
    pub fn read(&mut self, bytes: u64, rows: u64) {
        self.rows += rows;
        if let Some(bar) = &self.bar {
            bar.set_position(bytes);
            let secs = self.started.elapsed().as_secs_f64().max(1e-3);
            let lang = crate::i18n::lang();
            bar.set_message(lang.ta(
                "progress-rows",
                &[
                    ("rows", crate::i18n::Arg::N(self.rows)),
                    (
                        "rate",
                        crate::i18n::Arg::N((self.rows as f64 / secs) as u64),
                    ),
                ],
            ));
        }
    }

    /// Restarts the bar for a new phase (e.g. the second pass, or sending).
    pub fn phase(&mut self, what: &str, total: Option<u64>) {
        self.rows = 0;
        self.started = Instant::now();
        if let Some(bar) = &self.bar {
            bar.set_prefix(label(what));
            bar.set_position(0);
            if let Some(t) = total {
                bar.set_length(t);
            }
        }
    }

    /// A free-form status (upload counters, rate-limit waits).
    pub fn message(&self, position: u64, msg: String) {
        if let Some(bar) = &self.bar {
            bar.set_position(position);
            bar.set_message(msg);
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// A phase's label (`validate`, `reading`, `writing`, `sending`) in the language of the run.
fn label(what: &str) -> String {
    crate::i18n::lang().t(&format!("progress-{what}"))
}

fn console_is_terminal() -> bool {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn every_phase_has_a_label_in_both_languages() {
        // The phases set by validate, the engine, convert, the upload session and sync.
        for what in [
            "validate",
            "reading",
            "writing",
            "sending",
            "planning",
            "unsubscribing",
            "upserting",
            "resubscribing",
        ] {
            let key = format!("progress-{what}");
            let (en, tr) = (Lang::En.t(&key), Lang::Tr.t(&key));
            assert_ne!(en, key, "{key} in en");
            assert_ne!(tr, key, "{key} in tr");
            assert_ne!(en, tr, "{key} is translated");
        }
        assert_eq!(label("planning"), Lang::En.t("progress-planning"));
    }
}
