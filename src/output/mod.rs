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

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

use crate::error::Error;

pub use atomic::{AtomicFile, OutputDir};
pub use guard::{Outputs, is_ours};

/// Creates a file that will hold recipients: mode 0600, and never over an existing file unless `force`.
pub fn create_private(path: &Path, force: bool) -> Result<File, Error> {
    let mut opts = OpenOptions::new();
    opts.write(true);
    if force {
        opts.create(true).truncate(true);
    } else {
        opts.create_new(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    match opts.open(path) {
        Ok(f) => {
            #[cfg(unix)]
            if force {
                // An existing file keeps its mode on truncation: tighten it.
                use std::os::unix::fs::PermissionsExt;
                let _ = f.set_permissions(std::fs::Permissions::from_mode(0o600));
            }
            Ok(f)
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Err(Error::Usage(format!(
            "{} already exists; pass --force to overwrite it, or choose another path",
            path.display()
        ))),
        Err(e) => Err(Error::io(format!("cannot create {}", path.display()), e)),
    }
}

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

/// Creates an output directory (and parents) if needed.
pub fn ensure_dir(dir: &Path) -> Result<(), Error> {
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::io(format!("cannot create the directory {}", dir.display()), e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_files_are_0600_and_not_overwritten() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let p = dir.path().join("out.csv");
        create_private(&p, false).unwrap_or_else(|e| panic!("{e}"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&p)
                .map(|m| m.permissions().mode() & 0o777)
                .unwrap_or(0);
            assert_eq!(mode, 0o600);
        }
        assert!(matches!(create_private(&p, false), Err(Error::Usage(_))));
        assert!(create_private(&p, true).is_ok());
    }
}
