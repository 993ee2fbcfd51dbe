//! Writing outputs: Netmera upload files, Insider Upsert bodies, the rejects file. No network here.
//!
//! Output safety (SPEC §9) lives here, in one place: [`guard`] checks every output of a run
//! against every input and every other output before anything is read or written, and refuses
//! symlinks; [`atomic`] writes every file under a temporary name and moves it into place when
//! complete, and locks and stages output directories.

pub mod atomic;
pub mod guard;
pub mod insider;
pub mod netmera;
pub mod rejects;
pub mod writers;

use std::io;

pub use atomic::{AtomicFile, OutputDir};
pub use guard::Outputs;

/// Standard output for machine output. A closed stdout (`iysync … | head`) is not an error: once
/// the reader is gone, further output is dropped and the run goes on, so its exit code, report and
/// rejects still tell the truth about the data.
#[derive(Debug)]
pub struct Stdout {
    inner: io::Stdout,
    closed: bool,
}

impl Stdout {
    pub fn new() -> Stdout {
        Stdout {
            inner: io::stdout(),
            closed: false,
        }
    }
}

impl Stdout {
    /// Writes `text` to stdout at once (a closed stdout is not an error, see [`Stdout`]).
    pub fn print(text: &str) {
        use std::io::Write;
        let mut out = Stdout::new();
        let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
    }
}

impl Default for Stdout {
    fn default() -> Stdout {
        Stdout::new()
    }
}

impl io::Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.closed {
            return Ok(buf.len());
        }
        match self.inner.write(buf) {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(buf.len())
            }
            other => other,
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.closed {
            return Ok(());
        }
        match self.inner.flush() {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(())
            }
            other => other,
        }
    }
}
