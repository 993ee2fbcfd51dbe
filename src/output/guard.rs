//! The same-file rule of SPEC §9, checked once before a run reads or writes anything: no output
//! may be an input (same device and inode, whatever symlinks or hard links lead there) or another
//! output of the same run, and no output path may be a symbolic link.
//!
//! An output directory (`convert --out DIR`, `--dry-run --out DIR`) counts as all the files the run
//! may write or replace in it (see [`is_ours`]): an input named `DIR/email.csv` clashes with it.

use std::path::{Component, Path, PathBuf};

use crate::error::Error;
use crate::input::Source;

/// Names of the files `convert` (and `--dry-run --out`) write in an output directory, and
/// replace there with `--force`.
pub fn is_ours(name: &str) -> bool {
    let numbered = |rest: Option<&str>, ext: &str| {
        rest.and_then(|r| r.strip_suffix(ext))
            .is_some_and(|n| n.len() == 6 && n.bytes().all(|b| b.is_ascii_digit()))
    };
    let netmera = |base: &str| {
        name == format!("{base}.csv") || numbered(name.strip_prefix(&format!("{base}-")), ".csv")
    };
    let body = |base: &str| numbered(name.strip_prefix(&format!("{base}-")), ".json");
    [
        "upsert",
        "email-unsubscribe",
        "email-subscribe",
        "sms-unsubscribe",
        "sms-subscribe",
    ]
    .into_iter()
    .any(body)
        || netmera("email")
        || netmera("sms")
}

/// Where a path leads: its absolute form with every directory resolved (the last component kept
/// as written), and the (device, inode) of what is there, when something is.
#[derive(Debug, Clone)]
struct Place {
    shown: PathBuf,
    abs: PathBuf,
    inode: Option<(u64, u64)>,
}

/// The absolute form of `path` with its directories resolved through symlinks: the nearest
/// existing ancestor is canonicalized and the rest appended (a directory may not exist yet).
fn resolve_dirs(path: &Path) -> PathBuf {
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .unwrap_or_else(|_| PathBuf::from("."))
            .join(path)
    };
    let mut tail: Vec<std::ffi::OsString> = Vec::new();
    let mut cur = abs.as_path();
    loop {
        if let Ok(c) = std::fs::canonicalize(cur) {
            let mut out = c;
            for part in tail.iter().rev() {
                if part == ".." {
                    out.pop();
                } else if part != "." {
                    out.push(part);
                }
            }
            return out;
        }
        match (cur.parent(), cur.components().next_back()) {
            (Some(parent), Some(Component::Normal(name))) => {
                tail.push(name.to_os_string());
                cur = parent;
            }
            (Some(parent), Some(Component::ParentDir)) => {
                tail.push("..".into());
                cur = parent;
            }
            (Some(parent), _) => cur = parent,
            (None, _) => return abs,
        }
    }
}

#[cfg(unix)]
fn inode_of(m: &std::fs::Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (m.dev(), m.ino())
}

#[cfg(not(unix))]
fn inode_of(_m: &std::fs::Metadata) -> (u64, u64) {
    (0, 0)
}

/// The absolute form of a path with its directories resolved, its last component as written.
fn place_abs(path: &Path) -> PathBuf {
    match (path.parent(), path.file_name()) {
        (Some(parent), Some(name)) => {
            let parent = if parent.as_os_str().is_empty() {
                Path::new(".")
            } else {
                parent
            };
            resolve_dirs(parent).join(name)
        }
        _ => resolve_dirs(path),
    }
}

/// An output path: refused when it is a symbolic link or a directory.
fn output_place(what: &str, path: &Path) -> Result<Place, Error> {
    let abs = place_abs(path);
    let inode = match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => return Err(symlink(what, path)),
        Ok(m) if m.is_dir() => {
            return Err(Error::Usage(format!(
                "{what} {} is a directory; give the path of a file",
                path.display()
            )));
        }
        Ok(m) => Some(inode_of(&m)),
        Err(_) => None,
    };
    Ok(Place {
        shown: path.to_path_buf(),
        abs,
        inode,
    })
}

fn symlink(what: &str, path: &Path) -> Error {
    Error::Usage(format!(
        "{what} {} is a symbolic link; iysync never writes through one (it could lead to an input or any other file): remove the link or choose another path",
        path.display()
    ))
}

/// Every input and output of one run, checked together by [`Outputs::check`].
pub struct Outputs<'a> {
    inputs: &'a [Source],
    files: Vec<(String, PathBuf)>,
    dirs: Vec<(String, PathBuf)>,
}

impl<'a> Outputs<'a> {
    pub fn new(inputs: &'a [Source]) -> Outputs<'a> {
        Outputs {
            inputs,
            files: Vec::new(),
            dirs: Vec::new(),
        }
    }

    /// An output file; `what` names it in messages (e.g. "--report", "the rejects file").
    pub fn file(mut self, what: impl Into<String>, path: &Path) -> Outputs<'a> {
        self.files.push((what.into(), path.to_path_buf()));
        self
    }

    /// An output file when given.
    pub fn maybe(self, what: &str, path: Option<&Path>) -> Outputs<'a> {
        match path {
            Some(p) => self.file(what, p),
            None => self,
        }
    }

    /// An output directory: every file the run may write or replace in it is an output.
    pub fn dir(mut self, what: impl Into<String>, path: &Path) -> Outputs<'a> {
        self.dirs.push((what.into(), path.to_path_buf()));
        self
    }

    /// Exit 2 (a usage error) when an output is an input or another output, or is a symlink.
    /// Nothing is read or written here but metadata.
    pub fn check(&self) -> Result<(), Error> {
        // The inputs: where they lead (following symlinks), and where their own path is.
        let mut inputs = Vec::new();
        for source in self.inputs {
            let Some(path) = &source.path else { continue };
            let Ok(meta) = std::fs::metadata(path) else {
                continue; // reading it will say what is wrong
            };
            let link_abs = Some(place_abs(path));
            inputs.push((path.clone(), inode_of(&meta), link_abs));
        }
        let mut outs: Vec<(&str, Place)> = Vec::new();
        for (what, path) in &self.files {
            outs.push((what, output_place(what, path)?));
        }
        let files = outs.len();
        // Output directories: an input with the name of an output there clashes with it.
        let mut dirs = Vec::new();
        for (what, dir) in &self.dirs {
            match std::fs::metadata(dir) {
                Ok(m) if !m.is_dir() => {
                    return Err(Error::Usage(format!(
                        "{what} {} is not a directory; give a directory (it is created when missing)",
                        dir.display()
                    )));
                }
                _ => {}
            }
            dirs.push((what.as_str(), dir.as_path(), resolve_dirs(dir)));
        }
        for (input, _, link_abs) in &inputs {
            for (what, dir, abs) in &dirs {
                let Some(link_abs) = link_abs else { continue };
                let name = link_abs
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                if link_abs.parent() == Some(abs.as_path()) && is_ours(&name) {
                    return Err(Error::Usage(format!(
                        "the input {} has the name of an output in {what} {}: the run would replace it; move the input elsewhere or choose another {what}",
                        input.display(),
                        dir.display()
                    )));
                }
            }
        }
        // Their existing files of ours (replaced with --force) are outputs too.
        for (what, dir, _) in &dirs {
            let Ok(entries) = std::fs::read_dir(dir) else {
                continue;
            };
            for entry in entries.flatten() {
                if is_ours(&entry.file_name().to_string_lossy()) {
                    outs.push((what, output_place(what, &entry.path())?));
                }
            }
        }
        // Against the inputs.
        for (what, out) in &outs {
            for (input, inode, link_abs) in &inputs {
                if out.inode == Some(*inode) || link_abs.as_ref() == Some(&out.abs) {
                    return Err(Error::Usage(format!(
                        "{what} {} is the input {} (the same file): writing it would destroy the input; choose another path for {what}",
                        out.shown.display(),
                        input.display()
                    )));
                }
            }
        }
        // Against each other.
        for (i, (what_a, a)) in outs.iter().enumerate() {
            for (what_b, b) in &outs[i + 1..] {
                if a.abs == b.abs || (a.inode.is_some() && a.inode == b.inode) {
                    return Err(Error::Usage(format!(
                        "{what_a} {} and {what_b} {} are the same file: one would overwrite the other; give them different paths",
                        a.shown.display(),
                        b.shown.display()
                    )));
                }
            }
            if i >= files {
                continue; // a file already in the directory
            }
            for (what_d, dir, abs) in &dirs {
                let name = a
                    .abs
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                if a.abs.parent() == Some(abs.as_path()) && is_ours(&name) {
                    return Err(Error::Usage(format!(
                        "{what_a} {} would replace a file the run writes in {what_d} {}; choose another path for {what_a}",
                        a.shown.display(),
                        dir.display()
                    )));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources(paths: &[&Path]) -> Vec<Source> {
        paths.iter().map(|p| Source::file(p)).collect()
    }

    #[test]
    fn recognises_only_its_own_output_names() {
        for ours in [
            "email.csv",
            "sms.csv",
            "email-000001.csv",
            "sms-000123.csv",
            "upsert-000001.json",
            "sms-unsubscribe-000002.json",
        ] {
            assert!(is_ours(ours), "{ours}");
        }
        for theirs in [
            "rejects.csv",
            "emails.csv",
            "email-1.csv",
            "upsert-1.json",
            "notes.txt",
            "upsert-00000a.json",
        ] {
            assert!(!is_ours(theirs), "{theirs}");
        }
    }

    #[test]
    fn an_output_that_is_an_input_by_any_name_is_refused() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let input = dir.path().join("in.csv");
        std::fs::write(&input, "x").expect("write");
        let hard = dir.path().join("hard.csv");
        std::fs::hard_link(&input, &hard).expect("hard link");
        let inputs = sources(&[&input]);
        for out in [input.clone(), hard.clone(), dir.path().join("./in.csv")] {
            let err = Outputs::new(&inputs)
                .file("--rejects", &out)
                .check()
                .expect_err("same file");
            assert!(err.to_string().contains("the same file"), "{err}");
        }
        // Another name in the same place is fine.
        Outputs::new(&inputs)
            .file("--rejects", &dir.path().join("r.csv"))
            .check()
            .expect("a new file");
    }

    #[test]
    fn two_outputs_on_one_path_and_outputs_in_the_output_directory_are_refused() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let a = dir.path().join("a.json");
        let err = Outputs::new(&[])
            .file("--report", &a)
            .file("--rejects", &dir.path().join("x/../a.json"))
            .check()
            .expect_err("same path");
        assert!(err.to_string().contains("same file"), "{err}");
        let out = dir.path().join("n");
        let err = Outputs::new(&[])
            .file("--rejects", &out.join("email.csv"))
            .dir("--out", &out)
            .check()
            .expect_err("replaces converted output");
        assert!(err.to_string().contains("would replace"), "{err}");
        Outputs::new(&[])
            .file("--rejects", &out.join("rejects.csv"))
            .dir("--out", &out)
            .check()
            .expect("rejects.csv is not a converted file");
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_at_output_paths_are_refused() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let target = dir.path().join("precious.csv");
        std::fs::write(&target, "keep").expect("write");
        let link = dir.path().join("r.csv");
        std::os::unix::fs::symlink(&target, &link).expect("symlink");
        let err = Outputs::new(&[])
            .file("--rejects", &link)
            .check()
            .expect_err("symlink");
        assert!(err.to_string().contains("symbolic link"), "{err}");
    }
}
