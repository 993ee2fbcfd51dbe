//! Nothing partial under a final name (SPEC §9): every output is written under a temporary name
//! in its own directory and renamed into place once complete. Temporaries are removed when
//! dropped, so a run that fails or is interrupted leaves the final names as they were.
//!
//! - [`AtomicFile`]: one file (`--report`, the rejects file, `--valid-out`, `--invalid-out`).
//! - [`OutputDir`]: a directory of converted files (`convert --out DIR`, `--dry-run --out DIR`):
//!   locked for the run, its files staged in a hidden directory inside it and moved into place
//!   together at the end; with `--force`, the earlier run's files are replaced (and those the new
//!   run did not write removed) only then.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::lock::Lock;
use crate::output::guard::is_ours;

fn parent_of(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// A file being written under a temporary name (`.iysync-*.part`, mode 0600) beside its final
/// path. [`AtomicFile::commit`] renames it into place; dropping it removes it.
#[derive(Debug)]
pub struct AtomicFile {
    path: PathBuf,
    tmp: tempfile::NamedTempFile,
    overwrite: bool,
}

impl AtomicFile {
    /// Starts the file. Without `overwrite`, an existing file at `path` is an error now (and
    /// again at commit, should one appear meanwhile).
    pub fn create(path: &Path, overwrite: bool) -> Result<AtomicFile, Error> {
        if !overwrite && std::fs::symlink_metadata(path).is_ok() {
            return Err(Error::Usage(format!(
                "{} already exists; pass --force to overwrite it, or choose another path",
                path.display()
            )));
        }
        // tempfile creates the file 0600 with O_EXCL, under a random name.
        let tmp = tempfile::Builder::new()
            .prefix(".iysync-")
            .suffix(".part")
            .tempfile_in(parent_of(path))
            .map_err(|e| Error::io(format!("cannot create {}", path.display()), e))?;
        Ok(AtomicFile {
            path: path.to_path_buf(),
            tmp,
            overwrite,
        })
    }

    /// A second handle on the temporary file, from its start (to read back what was written).
    pub fn reopen(&self) -> Result<File, Error> {
        self.tmp
            .reopen()
            .map_err(|e| Error::io(format!("cannot read back {}", self.path.display()), e))
    }

    /// Moves the complete file into place (a rename: a symlink planted there meanwhile is
    /// replaced, never followed).
    pub fn commit(mut self) -> Result<(), Error> {
        let ctx = |p: &Path| format!("cannot write {}", p.display());
        self.tmp
            .flush()
            .map_err(|e| Error::io(ctx(&self.path), e))?;
        let path = self.path;
        let persisted = if self.overwrite {
            self.tmp.persist(&path)
        } else {
            self.tmp.persist_noclobber(&path)
        };
        persisted.map_err(|e| Error::io(ctx(&path), e.error))?;
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.tmp.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.tmp.write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.tmp.flush()
    }
}

/// Creates a file that will hold recipients in a fresh directory (a staging directory): mode
/// 0600, never over an existing file.
pub fn create_new_private(path: &Path) -> Result<File, Error> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    opts.open(path)
        .map_err(|e| Error::io(format!("cannot create {}", path.display()), e))
}

/// An output directory for the run: locked (`.iysync.lock`), checked for an earlier run's files,
/// and written through a staging directory (`.iysync-staging-*`) inside it.
#[derive(Debug)]
pub struct OutputDir {
    dir: PathBuf,
    force: bool,
    staging: Option<tempfile::TempDir>,
    _lock: Lock,
}

impl OutputDir {
    /// Creates the directory if needed and takes its lock (a second run on it stops here, exit
    /// 2, naming this one's pid). Without `force`, an earlier run's files there are an error;
    /// with it they stay untouched until [`OutputDir::commit`].
    pub fn open(dir: &Path, force: bool) -> Result<OutputDir, Error> {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::io(format!("cannot create the directory {}", dir.display()), e))?;
        let lock = Lock::acquire(
            &dir.join(".iysync.lock"),
            &format!("the output directory {}", dir.display()),
        )?;
        if !force && let Some(name) = ours_in(dir)?.into_iter().next() {
            return Err(Error::Usage(format!(
                "{} already holds converted output ({name}); pass --force to replace it, or choose another --out",
                dir.display()
            )));
        }
        let staging = tempfile::Builder::new()
            .prefix(".iysync-staging-")
            .tempdir_in(dir)
            .map_err(|e| {
                Error::io(
                    format!("cannot create a staging directory in {}", dir.display()),
                    e,
                )
            })?;
        Ok(OutputDir {
            dir: dir.to_path_buf(),
            force,
            staging: Some(staging),
            _lock: lock,
        })
    }

    /// The staging directory: the new set is written there until [`OutputDir::commit`].
    pub fn staging(&self) -> PathBuf {
        match &self.staging {
            Some(s) => s.path().to_path_buf(),
            None => self.dir.clone(),
        }
    }

    /// Where a file of the new set is written until [`OutputDir::commit`].
    #[cfg(test)]
    pub fn staged(&self, name: &str) -> PathBuf {
        self.staging().join(name)
    }

    /// Moves the complete new set into place; with `force`, then removes the earlier run's files
    /// that the new set did not replace. The lock is kept until the `OutputDir` is dropped.
    pub fn commit(&mut self) -> Result<(), Error> {
        let Some(staging) = self.staging.take() else {
            return Ok(());
        };
        let earlier = if self.force {
            ours_in(&self.dir)?
        } else {
            Vec::new()
        };
        let mut names: Vec<String> = std::fs::read_dir(staging.path())
            .map_err(|e| Error::io(format!("cannot read {}", staging.path().display()), e))?
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        for name in &names {
            let to = self.dir.join(name);
            std::fs::rename(staging.path().join(name), &to)
                .map_err(|e| Error::io(format!("cannot move {} into place", to.display()), e))?;
        }
        for name in earlier {
            if names.binary_search(&name).is_err() {
                let stale = self.dir.join(&name);
                std::fs::remove_file(&stale).map_err(|e| {
                    Error::io(
                        format!("cannot remove the earlier run's {}", stale.display()),
                        e,
                    )
                })?;
            }
        }
        staging
            .close()
            .map_err(|e| Error::io(format!("cannot clean up in {}", self.dir.display()), e))
    }
}

/// The names of our files in `dir`, sorted.
fn ours_in(dir: &Path) -> Result<Vec<String>, Error> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| Error::io(format!("cannot read {}", dir.display()), e))?;
    let mut names: Vec<String> = entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| is_ours(n))
        .collect();
    names.sort();
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .expect("read_dir")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_file_appears_only_when_committed_and_is_private() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let p = dir.path().join("r.json");
        let mut f = AtomicFile::create(&p, false).expect("create");
        f.write_all(b"half").expect("write");
        assert!(!p.exists());
        f.commit().expect("commit");
        assert_eq!(std::fs::read(&p).expect("read"), b"half");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&p).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(matches!(
            AtomicFile::create(&p, false),
            Err(Error::Usage(_))
        ));
        let dropped = AtomicFile::create(&p, true).expect("create");
        drop(dropped);
        assert_eq!(names(dir.path()), ["r.json"], "the temporary is gone");
        assert_eq!(std::fs::read(&p).expect("read"), b"half");
    }

    #[test]
    fn a_forced_set_replaces_the_earlier_one_only_at_commit() {
        let dir = tempfile::tempdir().expect("temporary directory");
        for n in 1..=3 {
            std::fs::write(dir.path().join(format!("upsert-{n:06}.json")), "old").expect("w");
        }
        std::fs::write(dir.path().join("notes.txt"), "mine").expect("w");
        assert!(OutputDir::open(dir.path(), false).is_err());
        let mut out = OutputDir::open(dir.path(), true).expect("open");
        assert!(
            OutputDir::open(dir.path(), true).is_err(),
            "locked for the run"
        );
        std::fs::write(out.staged("upsert-000001.json"), "new").expect("w");
        // Nothing of the earlier set changed yet.
        for n in 1..=3 {
            let p = dir.path().join(format!("upsert-{n:06}.json"));
            assert_eq!(std::fs::read_to_string(p).expect("r"), "old");
        }
        out.commit().expect("commit");
        drop(out);
        assert_eq!(
            names(dir.path()),
            [".iysync.lock", "notes.txt", "upsert-000001.json"]
        );
        let p = dir.path().join("upsert-000001.json");
        assert_eq!(std::fs::read_to_string(p).expect("r"), "new");
    }

    #[test]
    fn an_abandoned_set_leaves_the_directory_as_it_was() {
        let dir = tempfile::tempdir().expect("temporary directory");
        std::fs::write(dir.path().join("email.csv"), "old").expect("w");
        let out = OutputDir::open(dir.path(), true).expect("open");
        std::fs::write(out.staged("email.csv"), "partial").expect("w");
        drop(out);
        assert_eq!(names(dir.path()), [".iysync.lock", "email.csv"]);
        let p = dir.path().join("email.csv");
        assert_eq!(std::fs::read_to_string(p).expect("r"), "old");
    }
}
