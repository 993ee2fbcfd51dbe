//! Advisory locks for the run (SPEC §9): an output directory, a journal and a ledger are each
//! used by one run at a time. The lock is an OS file lock (`flock`) on a small lock file beside
//! the thing it guards, holding the owner's pid so that a second run can say which run it met.
//! The OS releases it when the process ends, however it ends, so a crash never leaves a stale lock.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use crate::error::Error;

/// A held lock; released when dropped (or when the process ends).
#[derive(Debug)]
pub struct Lock {
    _file: File,
    /// The guarded file itself, locked too (see [`Lock::and_file`]).
    _guarded: Option<File>,
}

impl Lock {
    /// Takes the lock at `path` (created 0600 if missing) without waiting. `what` names the
    /// guarded thing in the message (e.g. "the output directory out/").
    pub fn acquire(path: &Path, what: &str) -> Result<Lock, Error> {
        let mut opts = OpenOptions::new();
        opts.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            // O_NOFOLLOW: a symlink planted at the lock path is refused, never followed.
            opts.mode(0o600).custom_flags(libc::O_NOFOLLOW);
        }
        let mut file = opts
            .open(path)
            .map_err(|e| Error::io(crate::tr!("err-lock-create", path = path.display()), e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut pid = String::new();
                let _ = file.read_to_string(&mut pid);
                let pid = pid.trim();
                return Err(Error::Usage(if pid.is_empty() {
                    crate::tr!("err-lock-held", what = what, path = path.display())
                } else {
                    crate::tr!(
                        "err-lock-held-pid",
                        pid = pid,
                        what = what,
                        path = path.display()
                    )
                }));
            }
            Err(TryLockError::Error(e)) => {
                return Err(Error::io(crate::tr!("err-lock", path = path.display()), e));
            }
        }
        let pid = std::process::id().to_string();
        file.set_len(0)
            .and_then(|()| file.seek(SeekFrom::Start(0)))
            .and_then(|_| file.write_all(pid.as_bytes()))
            .and_then(|()| file.flush())
            .map_err(|e| Error::io(crate::tr!("err-lock-write", path = path.display()), e))?;
        Ok(Lock {
            _file: file,
            _guarded: None,
        })
    }

    /// Also locks the guarded file itself (which must exist), so that a second run that reaches
    /// it by another name (a hard link, another path to the same inode) is refused too: the
    /// lock file beside it is named after the path, the file's own lock belongs to its inode.
    /// (`flock` is apart from the POSIX record locks SQLite takes on the same file.)
    pub fn and_file(mut self, path: &Path, what: &str) -> Result<Lock, Error> {
        let mut opts = OpenOptions::new();
        opts.read(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.custom_flags(libc::O_NOFOLLOW);
        }
        let file = opts
            .open(path)
            .map_err(|e| Error::io(crate::tr!("err-lock", path = path.display()), e))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(Error::Usage(crate::tr!(
                    "err-lock-held-inode",
                    what = what,
                    path = path.display()
                )));
            }
            Err(TryLockError::Error(e)) => {
                return Err(Error::io(crate::tr!("err-lock", path = path.display()), e));
            }
        }
        self._guarded = Some(file);
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_is_refused_naming_the_holder() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join(".iysync.lock");
        let first = Lock::acquire(&path, "the directory").expect("first lock");
        let err = Lock::acquire(&path, "the directory").expect_err("second lock refused");
        let text = err.to_string();
        assert!(matches!(err, Error::Usage(_)), "{text}");
        assert!(
            text.contains(&format!("pid {}", std::process::id())),
            "{text}"
        );
        drop(first);
        Lock::acquire(&path, "the directory").expect("free again once released");
    }

    #[cfg(unix)]
    #[test]
    fn a_file_reached_by_another_name_is_locked_too() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let file = dir.path().join("ledger.sqlite3");
        std::fs::write(&file, "x").expect("write");
        let other = dir.path().join("again.sqlite3");
        std::fs::hard_link(&file, &other).expect("hard link");
        let lock_of = |p: &Path| {
            let mut name = p.as_os_str().to_owned();
            name.push(".lock");
            std::path::PathBuf::from(name)
        };
        let first = Lock::acquire(&lock_of(&file), "the ledger")
            .and_then(|l| l.and_file(&file, "the ledger"))
            .expect("first");
        let err = Lock::acquire(&lock_of(&other), "the ledger")
            .and_then(|l| l.and_file(&other, "the ledger"))
            .expect_err("the same file by another name");
        assert!(matches!(err, Error::Usage(_)), "{err}");
        drop(first);
        Lock::acquire(&lock_of(&other), "the ledger")
            .and_then(|l| l.and_file(&other, "the ledger"))
            .expect("free once released");
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_at_the_lock_path_is_not_followed() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let target = dir.path().join("precious.csv");
        std::fs::write(&target, "keep me").expect("write");
        let link = dir.path().join(".iysync.lock");
        std::os::unix::fs::symlink(&target, &link).expect("symlink");
        assert!(Lock::acquire(&link, "the directory").is_err());
        assert_eq!(
            std::fs::read_to_string(&target).ok().as_deref(),
            Some("keep me")
        );
    }
}
