//! Nothing partial under a final name (SPEC §9): every output is written under a temporary name
//! in its own directory and renamed into place once complete. Temporaries are removed when
//! dropped, so a run that fails or is interrupted leaves the final names as they were.
//!
//! - [`AtomicFile`]: one file (`--report`, the rejects file, `--valid-out`, `--invalid-out`).
//! - [`OutputDir`]: a directory of converted files (`convert --out DIR`, `--dry-run --out DIR`):
//!   locked for the run, its files staged in a hidden directory inside it (mode 0700) and moved
//!   into place together at the end; with `--force`, the earlier run's set is replaced as a whole
//!   only then, under the marker `.iysync-incomplete` (see [`OutputDir::commit`]). Leftovers of
//!   killed runs are removed when the directory is opened.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::lock::Lock;
use crate::output::guard::is_in_set;

fn parent_of(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// The error without the temporary path `tempfile` adds to its messages: messages name the final
/// path, which is what the user gave.
fn plain(e: io::Error) -> io::Error {
    let code = e.raw_os_error().or_else(|| {
        e.get_ref()
            .and_then(|inner| inner.source())
            .and_then(|s| s.downcast_ref::<io::Error>())
            .and_then(io::Error::raw_os_error)
    });
    match code {
        Some(code) => io::Error::from_raw_os_error(code),
        None => io::Error::from(e.kind()),
    }
}

/// A file being written under a temporary name (`.iysync-*.part`, mode 0600) beside its final
/// path. [`AtomicFile::commit`] renames it into place; dropping it removes it. The temporary is
/// locked (`flock`) while it is written, so that [`OutputDir::open`] can tell a live run's
/// temporary from one left behind by a killed run.
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
            return Err(Error::Usage(crate::tr!(
                "err-exists-force",
                path = path.display()
            )));
        }
        // tempfile creates the file 0600 with O_EXCL, under a random name.
        let tmp = tempfile::Builder::new()
            .prefix(TMP_PREFIX)
            .suffix(TMP_SUFFIX)
            .tempfile_in(parent_of(path))
            .map_err(|e| {
                Error::io(
                    crate::tr!("err-cannot-create", path = path.display()),
                    plain(e),
                )
            })?;
        // Best effort: without the lock the temporary is only at risk of being taken for a
        // leftover by a run on the same directory.
        let _ = tmp.as_file().try_lock();
        Ok(AtomicFile {
            path: path.to_path_buf(),
            tmp,
            overwrite,
        })
    }

    /// A second handle on the temporary file, from its start (to read back what was written).
    pub fn reopen(&self) -> Result<File, Error> {
        self.tmp.reopen().map_err(|e| {
            Error::io(
                crate::tr!("err-read-back", path = self.path.display()),
                plain(e),
            )
        })
    }

    /// Moves the complete file into place (a rename: a symlink planted there meanwhile is
    /// replaced, never followed).
    pub fn commit(self) -> Result<(), Error> {
        let to = self.path.clone();
        self.commit_as(&to)
    }

    /// Moves the complete file to `to` instead of its path (into a staging directory, to be
    /// moved into place with the set there); messages still name its path.
    pub fn commit_as(mut self, to: &Path) -> Result<(), Error> {
        let ctx = |p: &Path| crate::tr!("err-cannot-write", path = p.display());
        self.tmp
            .flush()
            .map_err(|e| Error::io(ctx(&self.path), e))?;
        let path = self.path;
        let persisted = if self.overwrite {
            self.tmp.persist(to)
        } else {
            self.tmp.persist_noclobber(to)
        };
        persisted.map_err(|e| Error::io(ctx(&path), plain(e.error)))?;
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
        .map_err(|e| Error::io(crate::tr!("err-cannot-create", path = path.display()), e))
}

/// How temporary files ([`AtomicFile`]) are named: `.iysync-<random>.part`.
const TMP_PREFIX: &str = ".iysync-";
const TMP_SUFFIX: &str = ".part";
/// How staging directories are named: `.iysync-staging-<random>`.
const STAGING_PREFIX: &str = ".iysync-staging-";
/// Present while an output directory's set of files is being replaced ([`OutputDir::commit`]):
/// what is there then is an incomplete set.
pub const INCOMPLETE: &str = ".iysync-incomplete";

/// An output directory for the run: locked (`.iysync.lock`), checked for an earlier run's files,
/// and written through a staging directory (`.iysync-staging-*`, mode 0700) inside it.
///
/// The set of files a run leaves there (see [`is_in_set`]) is replaced as a whole by
/// [`OutputDir::commit`]: at any moment the directory holds either the earlier set, or a part of
/// ONE run's set together with the marker `.iysync-incomplete`, never a mix of two runs.
#[derive(Debug)]
pub struct OutputDir {
    dir: PathBuf,
    force: bool,
    staging: Option<tempfile::TempDir>,
    _lock: Lock,
}

impl OutputDir {
    /// Creates the directory if needed and takes its lock (a second run on it stops here, exit
    /// 2, naming this one's pid), then removes what killed runs left behind (staging directories,
    /// temporary files). Without `force`, an earlier run's files there are an error, and so is
    /// the marker of a run that was stopped while replacing them; with `force` they stay
    /// untouched until [`OutputDir::commit`].
    pub fn open(dir: &Path, force: bool) -> Result<OutputDir, Error> {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::io(crate::tr!("err-create-dir", dir = dir.display()), e))?;
        let lock = Lock::acquire(
            &dir.join(".iysync.lock"),
            &crate::tr!("err-what-out-dir", dir = dir.display()),
        )?;
        remove_leftovers(dir)?;
        if !force && std::fs::symlink_metadata(dir.join(INCOMPLETE)).is_ok() {
            return Err(Error::Usage(crate::tr!(
                "err-out-dir-incomplete",
                dir = dir.display(),
                marker = dir.join(INCOMPLETE).display()
            )));
        }
        if !force && let Some(name) = set_in(dir)?.into_iter().next() {
            return Err(Error::Usage(crate::tr!(
                "err-out-dir-holds",
                dir = dir.display(),
                name = name
            )));
        }
        let mut builder = tempfile::Builder::new();
        builder.prefix(STAGING_PREFIX);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(0o700));
        }
        let staging = builder.tempdir_in(dir).map_err(|e| {
            Error::io(
                crate::tr!("err-create-staging", dir = dir.display()),
                plain(e),
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

    /// The output directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where a file of the new set is written until [`OutputDir::commit`].
    pub fn staged(&self, name: &str) -> PathBuf {
        self.staging().join(name)
    }

    /// Replaces the earlier set with the complete new one, in a critical section (a second
    /// Ctrl-C or SIGTERM waits for its end): the marker `.iysync-incomplete` is written, every
    /// file of the earlier set removed, the new set moved in, and the marker removed. A failure
    /// at any step stops there (exit 2) and leaves the marker, so the next run knows what it
    /// finds is incomplete. The lock is kept until the `OutputDir` is dropped.
    pub fn commit(&mut self) -> Result<(), Error> {
        let Some(staging) = self.staging.take() else {
            return Ok(());
        };
        let _critical = crate::signals::Critical::enter();
        let earlier = set_in(&self.dir)?;
        if !self.force
            && let Some(name) = earlier.first()
        {
            return Err(Error::Usage(crate::tr!(
                "err-out-dir-appeared",
                dir = self.dir.display(),
                name = name
            )));
        }
        let mut names: Vec<String> = std::fs::read_dir(staging.path())
            .map_err(|e| {
                Error::io(
                    crate::tr!("err-cannot-read", path = staging.path().display()),
                    e,
                )
            })?
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        let marker = self.dir.join(INCOMPLETE);
        let incomplete = |what: String| {
            crate::tr!(
                "err-out-dir-left-incomplete",
                what = what,
                dir = self.dir.display(),
                marker = marker.display()
            )
        };
        write_marker(&marker)?;
        sync_dir(&self.dir).map_err(|e| {
            Error::io(
                incomplete(crate::tr!("err-cannot-sync", path = self.dir.display())),
                e,
            )
        })?;
        for name in &earlier {
            let stale = self.dir.join(name);
            std::fs::remove_file(&stale).map_err(|e| {
                Error::io(
                    incomplete(crate::tr!("err-remove-earlier", path = stale.display())),
                    e,
                )
            })?;
        }
        for name in &names {
            let to = self.dir.join(name);
            std::fs::rename(staging.path().join(name), &to).map_err(|e| {
                Error::io(
                    incomplete(crate::tr!("err-move-into-place", path = to.display())),
                    e,
                )
            })?;
        }
        sync_dir(&self.dir).map_err(|e| {
            Error::io(
                incomplete(crate::tr!("err-cannot-sync", path = self.dir.display())),
                e,
            )
        })?;
        std::fs::remove_file(&marker).map_err(|e| {
            Error::io(
                incomplete(crate::tr!("err-cannot-remove", path = marker.display())),
                e,
            )
        })?;
        staging
            .close()
            .map_err(|e| Error::io(crate::tr!("err-clean-up", dir = self.dir.display()), e))
    }
}

/// Writes the marker of a set being replaced (0600; never through a symlink).
fn write_marker(marker: &Path) -> Result<(), Error> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    let text = format!(
        "iysync (pid {}) is replacing the files in this directory. If this file is still here when no\n\
         iysync runs, that run was stopped midway: the files here are an incomplete set. Run again\n\
         with --force to replace them.\n",
        std::process::id()
    );
    opts.open(marker)
        .and_then(|mut f| f.write_all(text.as_bytes()).and_then(|()| f.sync_all()))
        .map_err(|e| Error::io(crate::tr!("err-cannot-write", path = marker.display()), e))
}

/// Makes the directory's entries (renames, removals) durable.
fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// Removes what runs killed at once (SIGKILL, a second Ctrl-C) left in `dir`: staging
/// directories (full of bodies) and temporary files. Called with the directory's lock held, so
/// no other run is staging there; a temporary file a live run is still writing (another command
/// writing its report there) is locked by that run and left alone.
fn remove_leftovers(dir: &Path) -> Result<(), Error> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| Error::io(crate::tr!("err-cannot-read", path = dir.display()), e))?;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if name.starts_with(STAGING_PREFIX) && kind.is_dir() {
            // `remove_dir_all` never follows a symlink inside.
            std::fs::remove_dir_all(&path).map_err(|e| {
                Error::io(crate::tr!("err-remove-leftover", path = path.display()), e)
            })?;
        } else if name.starts_with(TMP_PREFIX)
            && name.ends_with(TMP_SUFFIX)
            && kind.is_file()
            && is_abandoned(&path)
        {
            std::fs::remove_file(&path).map_err(|e| {
                Error::io(crate::tr!("err-remove-leftover", path = path.display()), e)
            })?;
        }
    }
    Ok(())
}

/// A temporary file no live run holds (its writer locks it, see [`AtomicFile::create`]).
fn is_abandoned(path: &Path) -> bool {
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    opts.open(path).is_ok_and(|f| f.try_lock().is_ok())
}

/// The names of the files of the set in `dir` (see [`is_in_set`]), sorted.
fn set_in(dir: &Path) -> Result<Vec<String>, Error> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| Error::io(crate::tr!("err-cannot-read", path = dir.display()), e))?;
    let mut names: Vec<String> = entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| is_in_set(dir, n))
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
    #[cfg(unix)]
    #[test]
    fn staging_is_private_and_leftovers_of_killed_runs_are_removed() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("temporary directory");
        let stale = dir.path().join(".iysync-staging-old");
        std::fs::create_dir(&stale).expect("mkdir");
        std::fs::write(stale.join("upsert-000001.json"), "{}").expect("w");
        std::fs::write(dir.path().join(".iysync-dead.part"), "half").expect("w");
        // A temporary a live run is still writing there (a report) is left alone.
        let mut live = AtomicFile::create(&dir.path().join("report.json"), false).expect("create");
        live.write_all(b"whole").expect("write");
        let mut out = OutputDir::open(dir.path(), false).expect("open");
        let staging = out.staging();
        let mode = std::fs::metadata(&staging)
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700, "staging directory mode");
        let hidden: Vec<String> = names(dir.path())
            .into_iter()
            .filter(|n| n != ".iysync.lock" && !n.starts_with(".iysync-staging-"))
            .collect();
        assert_eq!(
            hidden.len(),
            1,
            "only the live temporary is left: {hidden:?}"
        );
        assert!(!stale.exists());
        live.commit().expect("the live run's file lands");
        assert_eq!(
            std::fs::read(dir.path().join("report.json")).expect("r"),
            b"whole"
        );
        out.commit().expect("commit");
    }

    #[test]
    fn a_failed_replacement_leaves_the_marker_and_the_next_run_needs_force() {
        let dir = tempfile::tempdir().expect("temporary directory");
        for n in 1..=3 {
            std::fs::write(dir.path().join(format!("upsert-{n:06}.json")), "old").expect("w");
        }
        let mut out = OutputDir::open(dir.path(), true).expect("open");
        std::fs::write(out.staged("upsert-000001.json"), "new").expect("w");
        // The second earlier file cannot be removed.
        let obstacle = dir.path().join("upsert-000002.json");
        std::fs::remove_file(&obstacle).expect("rm");
        std::fs::create_dir(&obstacle).expect("mkdir");
        std::fs::write(obstacle.join("x"), "x").expect("w");
        let err = out.commit().expect_err("cannot remove a directory");
        assert!(err.to_string().contains(INCOMPLETE), "{err}");
        drop(out);
        // The marker and what is left of the earlier set; nothing of the new one.
        assert_eq!(
            names(dir.path()),
            [
                INCOMPLETE,
                ".iysync.lock",
                "upsert-000002.json",
                "upsert-000003.json"
            ]
        );
        std::fs::remove_dir_all(&obstacle).expect("rm -r");
        let err = OutputDir::open(dir.path(), false).expect_err("incomplete");
        assert!(matches!(err, Error::Usage(_)), "{err}");
        assert!(err.to_string().contains("incomplete set"), "{err}");
        let mut out = OutputDir::open(dir.path(), true).expect("open with --force");
        std::fs::write(out.staged("upsert-000001.json"), "new").expect("w");
        out.commit().expect("commit");
        drop(out);
        assert_eq!(names(dir.path()), [".iysync.lock", "upsert-000001.json"]);
    }

    #[test]
    fn messages_name_the_final_path_not_the_temporary() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let p = dir.path().join("nd").join("r.json");
        let err = AtomicFile::create(&p, true).expect_err("no directory");
        let text = err.to_string();
        assert!(text.contains(&p.display().to_string()), "{text}");
        assert!(!text.contains(".part"), "{text}");
    }
}
