//! One printer for everything people read on stderr (as uv's `Printer`): the summary, warnings,
//! the problems of a run and the notes that go with an error. It alone decides what reaches
//! stderr: nothing but errors under `--quiet`, and never a line in the middle of the progress bar
//! (the bar is cleared while a line is printed and drawn again below it).
//!
//! Machine output (`validate --format json`, `convert --out -`) goes to stdout, never through here.

use std::io::{self, IsTerminal, Write};
use std::sync::{Arc, Mutex};

use indicatif::ProgressBar;

/// What reaches stderr. Cheap to clone; every clone shares the progress bar in use.
#[derive(Clone, Debug, Default)]
pub struct Printer {
    quiet: bool,
    bar: Arc<Mutex<Option<ProgressBar>>>,
}

impl Printer {
    /// `quiet`: `--quiet`, only an error that stops the run is printed.
    pub fn new(quiet: bool) -> Printer {
        Printer {
            quiet,
            bar: Arc::default(),
        }
    }

    pub fn is_quiet(&self) -> bool {
        self.quiet
    }

    /// The bar to clear while printing (the one shown now), or none.
    pub fn attach(&self, bar: Option<&ProgressBar>) {
        *self.bar.lock().unwrap_or_else(|e| e.into_inner()) = bar.cloned();
    }

    /// Text for people (the summary): nothing under `--quiet`.
    pub fn say(&self, text: &str) {
        if !self.quiet {
            self.write(text.as_bytes());
        }
    }

    /// A warning: never changes the exit code; nothing under `--quiet`.
    pub fn warn(&self, message: &str) {
        self.say(&format!(
            "{}\n",
            crate::tr!("warn-prefix", message = message)
        ));
    }

    /// A line that belongs to an error (what was done before it): printed even under `--quiet`.
    pub fn note(&self, message: &str) {
        self.write(format!("iysync: {message}\n").as_bytes());
    }

    /// A stream for problem lines, line-buffered on a terminal and block-buffered otherwise (a
    /// million problems piped to a file must not cost a million writes).
    /// Under `--quiet`, nothing: problems go only where a file or a machine format was asked for.
    pub fn problems(&self) -> Box<dyn Write> {
        if self.quiet {
            return Box::new(io::sink());
        }
        let raw = Raw(self.clone());
        if io::stderr().is_terminal() {
            Box::new(io::LineWriter::new(raw))
        } else {
            Box::new(io::BufWriter::with_capacity(64 * 1024, raw))
        }
    }

    fn write(&self, bytes: &[u8]) {
        // stderr that cannot be written to has nobody to tell.
        let _ = self.write_all(bytes);
    }

    fn write_all(&self, bytes: &[u8]) -> io::Result<()> {
        let bar = self.bar.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let write = || {
            let mut err = io::stderr().lock();
            err.write_all(bytes).and_then(|()| err.flush())
        };
        match bar {
            Some(bar) if !bar.is_finished() => bar.suspend(write),
            _ => write(),
        }
    }
}

/// Unbuffered writes through the printer (buffered by [`Printer::problems`]).
struct Raw(Printer);

impl Write for Raw {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write_all(buf)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_finished_bar_is_left_alone() {
        let printer = Printer::new(false);
        let bar = ProgressBar::hidden();
        printer.attach(Some(&bar));
        bar.finish_and_clear();
        // Nothing to suspend: the line is written plainly (and does not hang or panic).
        printer.write(b"");
        printer.attach(None);
        assert!(printer.bar.lock().map(|b| b.is_none()).unwrap_or(false));
    }
}
