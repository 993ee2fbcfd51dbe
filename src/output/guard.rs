//! The same-file rule of SPEC §9, checked once before a run reads or writes anything: no output
//! may be an input (same device and inode, whatever symlinks or hard links lead there) or another
//! output of the same run, and no output path may be a symbolic link. Standard input redirected
//! from a regular file is that file. Every output's directory must exist (but an output
//! directory's own, created by the run), and a rejects file or report replaces only an earlier
//! one of its kind without `--force`.
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
            return Err(Error::Usage(crate::tr!(
                "err-out-is-dir",
                what = what,
                path = path.display()
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
    Error::Usage(crate::tr!(
        "err-out-symlink",
        what = what,
        path = path.display()
    ))
}

/// The directory a file is written in (`.` for a bare name).
fn parent_of(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// Exit 2 when the directory an output file goes in does not exist (or is no directory): said
/// now, before anything is read or sent, not when the file is first written.
fn parent_exists(what: &str, path: &Path) -> Result<(), Error> {
    let parent = parent_of(path);
    let mut shown = parent.display().to_string();
    if !shown.ends_with('/') {
        shown.push('/');
    }
    match std::fs::metadata(parent) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => Err(Error::Usage(crate::tr!(
            "err-out-parent-not-dir",
            dir = shown,
            what = what,
            path = path.display()
        ))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Error::Usage(crate::tr!(
            "err-out-parent-missing",
            dir = shown,
            what = what
        ))),
        Err(_) => Ok(()), // writing there will say what is wrong
    }
}

/// Whether the regular file at `path` begins with `prefix` (an earlier run's file of a kind
/// iysync writes). Never opens anything but a regular file (a FIFO would block).
pub fn file_starts_with(path: &Path, prefix: &[u8]) -> bool {
    use std::io::Read;
    let is_file = std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file());
    if !is_file {
        return false;
    }
    let mut head = Vec::with_capacity(prefix.len());
    match std::fs::File::open(path) {
        Ok(f) => {
            let _ = f.take(prefix.len() as u64).read_to_end(&mut head);
            head == prefix
        }
        Err(_) => false,
    }
}

/// The name of the default rejects file in an output directory (`convert --out DIR`).
pub const DIR_REJECTS: &str = "rejects.csv";

/// Whether `name` in the output directory `dir` belongs to the set of files a run leaves there
/// (and the next run with `--force` replaces as a whole): the converted files ([`is_ours`]) and
/// the default rejects file `rejects.csv` when it is one (recognised by its first bytes).
pub fn is_in_set(dir: &Path, name: &str) -> bool {
    is_ours(name)
        || (name == DIR_REJECTS && crate::output::rejects::is_earlier_rejects(&dir.join(name)))
}

/// What an output file is, for the rules that differ between them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Its directory must exist; replacing an existing file is decided where it is written.
    Plain,
    /// `--html`: an earlier HTML report is replaced; any other file only with `--force`.
    Html,
    /// Its directory is created when missing (a journal).
    CreatesDir,
    /// A rejects file: an earlier rejects file there is replaced, anything else only with --force.
    Rejects,
    /// A `--report`: an earlier report there is replaced, anything else only with --force.
    Report,
}

/// What stdin leads to when it is a regular file (`iysync … < file`): its (device, inode).
#[cfg(unix)]
fn stdin_file() -> Option<(u64, u64)> {
    use std::os::fd::AsFd;
    let fd = std::io::stdin().as_fd().try_clone_to_owned().ok()?;
    let meta = std::fs::File::from(fd).metadata().ok()?;
    meta.is_file().then(|| inode_of(&meta))
}

#[cfg(not(unix))]
fn stdin_file() -> Option<(u64, u64)> {
    None
}

/// Every input and output of one run, checked together by [`Outputs::check`].
pub struct Outputs<'a> {
    inputs: &'a [Source],
    files: Vec<(String, PathBuf, Kind)>,
    dirs: Vec<(String, PathBuf)>,
    force: bool,
}

impl<'a> Outputs<'a> {
    pub fn new(inputs: &'a [Source]) -> Outputs<'a> {
        Outputs {
            inputs,
            files: Vec::new(),
            dirs: Vec::new(),
            force: false,
        }
    }

    /// `--force` was given: a rejects file or report path holding another file may be replaced.
    pub fn force(mut self, force: bool) -> Outputs<'a> {
        self.force = force;
        self
    }

    /// An output file; `what` names it in messages (e.g. "--valid-out"). Its directory must exist.
    pub fn file(mut self, what: impl Into<String>, path: &Path) -> Outputs<'a> {
        self.files
            .push((what.into(), path.to_path_buf(), Kind::Plain));
        self
    }

    /// An output file when given.
    pub fn maybe(self, what: &str, path: Option<&Path>) -> Outputs<'a> {
        match path {
            Some(p) => self.file(what, p),
            None => self,
        }
    }

    /// An output file whose directory the run creates when missing (a journal), when given.
    pub fn maybe_creating_dir(mut self, what: &str, path: Option<&Path>) -> Outputs<'a> {
        if let Some(p) = path {
            self.files
                .push((what.to_string(), p.to_path_buf(), Kind::CreatesDir));
        }
        self
    }

    /// The rejects file: an earlier rejects file at its path is replaced; any other file there
    /// only with `--force`.
    pub fn rejects(mut self, what: impl Into<String>, path: &Path) -> Outputs<'a> {
        self.files
            .push((what.into(), path.to_path_buf(), Kind::Rejects));
        self
    }

    /// `--report`, when given: an earlier report at its path is replaced; any other file there
    /// only with `--force`.
    pub fn report(mut self, path: Option<&Path>) -> Outputs<'a> {
        if let Some(p) = path {
            self.files
                .push(("--report".to_string(), p.to_path_buf(), Kind::Report));
        }
        self
    }

    /// `--html`, when given: an earlier HTML report at its path is replaced; any other file
    /// there only with `--force`.
    pub fn html(mut self, path: Option<&Path>) -> Outputs<'a> {
        if let Some(p) = path {
            self.files
                .push(("--html".to_string(), p.to_path_buf(), Kind::Html));
        }
        self
    }

    /// An output directory: every file the run may write or replace in it is an output.
    pub fn dir(mut self, what: impl Into<String>, path: &Path) -> Outputs<'a> {
        self.dirs.push((what.into(), path.to_path_buf()));
        self
    }

    /// Exit 2 (a usage error) when an output is an input or another output, is a symlink, would
    /// go in a directory that does not exist, or (rejects file, report) would replace a file that
    /// is not an earlier one of its kind without `--force`. Nothing is read or written here but
    /// metadata and the first bytes of the files a rejects file or report would replace.
    pub fn check(&self) -> Result<(), Error> {
        // The inputs: where they lead (following symlinks), and where their own path is. Stdin
        // redirected from a file (`< file`) is that file.
        let mut inputs: Vec<(String, (u64, u64), Option<PathBuf>)> = Vec::new();
        for source in self.inputs {
            let Some(path) = &source.path else {
                if let Some(inode) = stdin_file() {
                    inputs.push((crate::tr!("err-stdin-redirected"), inode, None));
                }
                continue;
            };
            let Ok(meta) = std::fs::metadata(path) else {
                continue; // reading it will say what is wrong
            };
            let link_abs = Some(place_abs(path));
            inputs.push((path.display().to_string(), inode_of(&meta), link_abs));
        }
        // Output directories (created by the run when missing).
        let mut dirs = Vec::new();
        for (what, dir) in &self.dirs {
            match std::fs::metadata(dir) {
                Ok(m) if !m.is_dir() => {
                    return Err(Error::Usage(crate::tr!(
                        "err-out-dir-not-dir",
                        what = what,
                        dir = dir.display()
                    )));
                }
                _ => {}
            }
            dirs.push((what.as_str(), dir.as_path(), resolve_dirs(dir)));
        }
        let mut outs: Vec<(&str, Place)> = Vec::new();
        // A rejects file or report that would replace another kind of file (said after the
        // same-file rule, whose message is the more useful).
        let mut replaces_other = None;
        for (what, path, kind) in &self.files {
            let place = output_place(what, path)?;
            let in_out_dir = dirs
                .iter()
                .any(|(_, _, abs)| place.abs.parent() == Some(abs.as_path()));
            if *kind != Kind::CreatesDir && !in_out_dir {
                parent_exists(what, path)?;
            }
            if place.inode.is_some() && !self.force {
                let (earlier, kind_name) = match kind {
                    Kind::Rejects => (
                        crate::output::rejects::is_earlier_rejects(path),
                        crate::tr!("err-kind-rejects"),
                    ),
                    Kind::Report => (
                        crate::report::document::is_earlier_report(path),
                        crate::tr!("err-kind-report"),
                    ),
                    Kind::Html => (
                        crate::report::html::is_earlier_html(path),
                        crate::tr!("err-kind-html"),
                    ),
                    Kind::Plain | Kind::CreatesDir => (true, String::new()),
                };
                // An empty file holds nothing to lose (`--report "$(mktemp)"` in a script).
                let empty =
                    std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file() && m.len() == 0);
                if !earlier && !empty && replaces_other.is_none() {
                    replaces_other = Some(Error::Usage(crate::tr!(
                        "err-out-exists-not-ours",
                        what = what,
                        path = path.display(),
                        kind = kind_name
                    )));
                }
            }
            outs.push((what, place));
        }
        let files = outs.len();
        // An input with the name of an output in an output directory clashes with it.
        for (input, _, link_abs) in &inputs {
            for (what, dir, abs) in &dirs {
                let Some(link_abs) = link_abs else { continue };
                let name = link_abs
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                if link_abs.parent() == Some(abs.as_path()) && is_ours(&name) {
                    return Err(Error::Usage(crate::tr!(
                        "err-input-in-out-dir",
                        input = input,
                        what = what,
                        dir = dir.display()
                    )));
                }
            }
        }
        // Their existing files of the set (replaced with --force) are outputs too; the default
        // rejects file there is the same output as the run's rejects file when that is its path.
        for (what, dir, _) in &dirs {
            let Ok(entries) = std::fs::read_dir(dir) else {
                continue;
            };
            for entry in entries.flatten() {
                if is_in_set(dir, &entry.file_name().to_string_lossy()) {
                    let place = output_place(what, &entry.path())?;
                    if outs[..files].iter().any(|(_, o)| o.abs == place.abs) {
                        continue;
                    }
                    outs.push((what, place));
                }
            }
        }
        // Against the inputs.
        for (what, out) in &outs {
            for (input, inode, link_abs) in &inputs {
                if out.inode == Some(*inode) || link_abs.as_ref() == Some(&out.abs) {
                    return Err(Error::Usage(crate::tr!(
                        "err-out-is-input",
                        what = what,
                        path = out.shown.display(),
                        input = input
                    )));
                }
            }
        }
        // Against each other.
        for (i, (what_a, a)) in outs.iter().enumerate() {
            for (what_b, b) in &outs[i + 1..] {
                if a.abs == b.abs || (a.inode.is_some() && a.inode == b.inode) {
                    return Err(Error::Usage(crate::tr!(
                        "err-out-same-file",
                        what_a = what_a,
                        path_a = a.shown.display(),
                        what_b = what_b,
                        path_b = b.shown.display()
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
                    return Err(Error::Usage(crate::tr!(
                        "err-out-in-out-dir",
                        what_a = what_a,
                        path = a.shown.display(),
                        what_d = what_d,
                        dir = dir.display()
                    )));
                }
            }
        }
        match replaces_other {
            Some(e) => Err(e),
            None => Ok(()),
        }
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
        std::fs::create_dir(dir.path().join("x")).expect("mkdir");
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
    #[test]
    fn an_output_in_a_missing_directory_is_refused_unless_the_run_creates_it() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let nd = dir.path().join("nd");
        let err = Outputs::new(&[])
            .file("--valid-out", &nd.join("v.csv"))
            .check()
            .expect_err("missing directory");
        let text = err.to_string();
        assert!(
            text.contains(&format!(
                "the directory {}/ for --valid-out does not exist",
                nd.display()
            )),
            "{text}"
        );
        let file = write(dir.path(), "f", "x");
        let err = Outputs::new(&[])
            .report(Some(&file.join("r.json")))
            .check()
            .expect_err("not a directory");
        assert!(err.to_string().contains("is not a directory"), "{err}");
        // In the output directory (created by the run) and for a journal (its directory is
        // created), a missing directory is fine.
        Outputs::new(&[])
            .rejects("--rejects", &nd.join("rejects.csv"))
            .dir("--out", &nd)
            .maybe_creating_dir("--journal", Some(&nd.join("j/journal")))
            .check()
            .expect("created by the run");
    }

    fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).expect("write");
        p
    }

    #[test]
    fn rejects_and_reports_replace_only_their_own_kind_without_force() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let notes = write(dir.path(), "notes.txt", "mine");
        let rejects = write(
            dir.path(),
            "r.csv",
            "\u{feff}file;line;code;message;row\na;1;b;c;d\n",
        );
        let report = write(dir.path(), "r.json", "{\"problems\":[\n],\"summary\":{}}");
        for (ok, outputs) in [
            (false, Outputs::new(&[]).rejects("--rejects", &notes)),
            (false, Outputs::new(&[]).report(Some(&notes))),
            (false, Outputs::new(&[]).rejects("--rejects", &report)),
            (false, Outputs::new(&[]).report(Some(&rejects))),
            (true, Outputs::new(&[]).rejects("--rejects", &rejects)),
            (true, Outputs::new(&[]).report(Some(&report))),
            (
                true,
                Outputs::new(&[]).force(true).rejects("--rejects", &notes),
            ),
            (true, Outputs::new(&[]).force(true).report(Some(&notes))),
            (true, Outputs::new(&[]).file("--valid-out", &notes)),
        ] {
            match outputs.check() {
                Ok(()) => assert!(ok, "accepted"),
                Err(e) => {
                    assert!(!ok, "{e}");
                    assert!(e.to_string().contains("--force"), "{e}");
                }
            }
        }
    }

    #[test]
    fn the_default_rejects_file_of_an_output_directory_belongs_to_its_set() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let earlier = write(
            dir.path(),
            "rejects.csv",
            "\u{feff}file;line;code;message;row\n",
        );
        assert!(is_in_set(dir.path(), "rejects.csv"));
        assert!(is_in_set(dir.path(), "email.csv"));
        // An input that is that file is refused even when this run's rejects go elsewhere (the
        // replacement would remove it).
        let inputs = sources(&[&earlier]);
        let err = Outputs::new(&inputs)
            .rejects("--rejects", &dir.path().join("other.csv"))
            .dir("--out", dir.path())
            .force(true)
            .check()
            .expect_err("the earlier rejects file is an output");
        assert!(err.to_string().contains("same file"), "{err}");
        // Someone else's file of that name is not.
        std::fs::write(&earlier, "mine").expect("write");
        assert!(!is_in_set(dir.path(), "rejects.csv"));
    }
}
