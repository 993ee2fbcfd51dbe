//! Resume journal: one JSON line per acknowledged request, durable before `record` returns.
//!
//! Layout: a header line `{"journal":"iysync","version":2,"run_key":"…","partner":"…",
//! "unification_url":"…","contact_url":"…"}` and then one line per acknowledged request:
//! `{"seq":N,"body":H,"accepted":N,"refused":[[index,"message"],…]}`. The header names the
//! destination (partner, base URLs) so a run against another account or host never resumes it.
//! It holds no tokens and no recipients: request bodies are never written, and refusal
//! messages are scrubbed of anything that looks like an email address or a phone number
//! (Insider's messages echo the refused value, e.g. "not a valid email address: x@y.z").
//!
//! A torn last line (crash mid-write) is dropped when the journal is opened; a complete line
//! that does not parse is skipped (its request counts as not done, so it is sent again).

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::privacy::scrub_recipients;
use serde::{Deserialize, Serialize};

const MAGIC: &str = "iysync";
const VERSION: u32 = 2;
/// Every journal file starts with these bytes; anything else is not ours to truncate.
const HEADER_PREFIX: &[u8] = br#"{"journal":"iysync""#;

#[derive(Serialize, Deserialize)]
struct Header {
    journal: String,
    version: u32,
    run_key: String,
    #[serde(default)]
    partner: String,
    #[serde(default)]
    unification_url: String,
    #[serde(default)]
    contact_url: String,
}

/// What a journal belongs to: a run key (inputs and options) and the destination.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Key {
    pub run_key: String,
    /// Partner name, lower-cased.
    pub partner: String,
    pub unification_url: String,
    pub contact_url: String,
}

impl Key {
    /// A key for `run_key` and a destination; the partner is lower-cased and the URLs lose a
    /// trailing `/`.
    pub fn new(run_key: &str, partner: &str, unification_url: &str, contact_url: &str) -> Key {
        Key {
            run_key: run_key.to_string(),
            partner: partner.trim().to_lowercase(),
            unification_url: normalize_url(unification_url),
            contact_url: normalize_url(contact_url),
        }
    }
}

impl From<&str> for Key {
    fn from(run_key: &str) -> Key {
        Key {
            run_key: run_key.to_string(),
            ..Key::default()
        }
    }
}

/// Scheme and host lower-cased, no trailing `/`.
pub fn normalize_url(url: &str) -> String {
    let url = url.trim();
    if url.is_empty() {
        return String::new();
    }
    match reqwest::Url::parse(url) {
        Ok(u) => u.as_str().trim_end_matches('/').to_string(),
        Err(_) => url.trim_end_matches('/').to_string(),
    }
}

/// How [`Journal::open`] found the journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opened {
    /// No journal there (or an empty file): started anew.
    Created,
    /// A journal of the same key: what it holds is skipped.
    Resumed,
    /// `--restart`: started anew on purpose.
    Restarted,
    /// A journal of another key, started anew; why, in words ("written for partner brand-a").
    Discarded(String),
}

#[derive(Serialize, Deserialize)]
struct Line {
    seq: u64,
    /// A hash of the request body: a rerun skips a request only when its body is the same.
    #[serde(default)]
    body: u64,
    accepted: usize,
    #[serde(default)]
    refused: Vec<(usize, String)>,
}

#[derive(Debug, Clone)]
struct Entry {
    body: u64,
    accepted: usize,
    refused: Vec<(usize, String)>,
}

/// An open resume journal.
#[derive(Debug)]
pub struct Journal {
    file: File,
    len: u64,
    entries: BTreeMap<u64, Entry>,
    skipped_lines: usize,
    opened: Opened,
}

impl Journal {
    /// Opens or creates the journal at `path` (mode 0600 on unix; missing parent directories
    /// are created 0700). When the existing journal was written for another key (run key,
    /// partner or base URLs), or `restart` is true, it is truncated and started anew
    /// ([`Journal::opened`] says which). A file that is not an iysync journal is never
    /// truncated: that is an `InvalidData` error.
    pub fn open(path: &Path, key: impl Into<Key>, restart: bool) -> io::Result<Journal> {
        let key: Key = key.into();
        create_parent(path)?;
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(path)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let meta = file.metadata()?;
            if meta.permissions().mode() & 0o077 != 0 {
                file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
            }
        }
        let mut content = Vec::new();
        file.read_to_end(&mut content)?;

        if !content.is_empty() && !looks_like_journal(&content) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                crate::tr!("err-not-a-journal", path = path.display()),
            ));
        }

        let parsed = if restart {
            Err(Opened::Restarted)
        } else if content.is_empty() {
            Err(Opened::Created)
        } else {
            parse(&content, &key).map_err(Opened::Discarded)
        };
        let mut journal = match parsed {
            Ok((entries, valid_len, skipped_lines)) => {
                if valid_len < content.len() as u64 {
                    file.set_len(valid_len)?;
                    file.sync_data()?;
                }
                Journal {
                    file,
                    len: valid_len,
                    entries,
                    skipped_lines,
                    opened: Opened::Resumed,
                }
            }
            Err(opened) => {
                file.set_len(0)?;
                let mut header = serde_json::to_vec(&Header {
                    journal: MAGIC.to_string(),
                    version: VERSION,
                    run_key: key.run_key.clone(),
                    partner: key.partner.clone(),
                    unification_url: key.unification_url.clone(),
                    contact_url: key.contact_url.clone(),
                })
                .map_err(io::Error::other)?;
                header.push(b'\n');
                file.seek(SeekFrom::Start(0))?;
                file.write_all(&header)?;
                file.sync_data()?;
                Journal {
                    file,
                    len: header.len() as u64,
                    entries: BTreeMap::new(),
                    skipped_lines: 0,
                    opened,
                }
            }
        };
        journal.file.seek(SeekFrom::Start(journal.len))?;
        Ok(journal)
    }

    /// How the journal was found: created, resumed, restarted or discarded (and why).
    pub fn opened(&self) -> &Opened {
        &self.opened
    }

    /// True when request `seq` was acknowledged in this or an earlier run.
    pub fn is_done(&self, seq: u64) -> bool {
        self.entries.contains_key(&seq)
    }

    /// Appends one acknowledged request and syncs it to disk before returning.
    /// Refusal messages are scrubbed of email addresses and phone numbers.
    pub fn record(
        &mut self,
        seq: u64,
        accepted: usize,
        refused: &[(usize, String)],
    ) -> io::Result<()> {
        self.record_body(seq, 0, accepted, refused)
    }

    /// [`record`](Self::record) with a hash of the request body, so a rerun can tell whether the
    /// request it would send under the same sequence number is the one acknowledged.
    pub fn record_body(
        &mut self,
        seq: u64,
        body: u64,
        accepted: usize,
        refused: &[(usize, String)],
    ) -> io::Result<()> {
        let refused: Vec<(usize, String)> = refused
            .iter()
            .map(|(i, m)| (*i, scrub_recipients(m)))
            .collect();
        let line = Line {
            seq,
            body,
            accepted,
            refused,
        };
        let mut bytes = serde_json::to_vec(&line).map_err(io::Error::other)?;
        bytes.push(b'\n');
        let written = self
            .file
            .write_all(&bytes)
            .and_then(|()| self.file.sync_data());
        if let Err(e) = written {
            // Do not leave a partial line for the next append to glue onto.
            let _ = self.file.set_len(self.len);
            let _ = self.file.seek(SeekFrom::Start(self.len));
            return Err(e);
        }
        self.len += bytes.len() as u64;
        self.entries.insert(
            seq,
            Entry {
                body,
                accepted: line.accepted,
                refused: line.refused,
            },
        );
        Ok(())
    }

    /// Every acknowledged request: sequence number → body hash (0 when not recorded).
    pub fn done_bodies(&self) -> BTreeMap<u64, u64> {
        self.entries.iter().map(|(s, e)| (*s, e.body)).collect()
    }

    /// Number of distinct requests acknowledged.
    pub fn done_count(&self) -> usize {
        self.entries.len()
    }

    /// Records accepted over all acknowledged requests.
    pub fn accepted_count(&self) -> usize {
        self.entries.values().map(|e| e.accepted).sum()
    }

    /// Lines that were complete but unreadable (skipped; their requests count as not done).
    pub fn skipped_lines(&self) -> usize {
        self.skipped_lines
    }

    /// (seq, index in that request's array, scrubbed message) of every refused record,
    /// by seq then index.
    pub fn previously_refused(&self) -> impl Iterator<Item = (u64, usize, &str)> {
        self.entries
            .iter()
            .flat_map(|(seq, e)| e.refused.iter().map(move |(i, m)| (*seq, *i, m.as_str())))
    }
}

/// `<state_dir>/iysync/journals/<run_key>.jsonl` (`state_dir` is the user's state root, e.g.
/// `~/.local/state`; the key is reduced to `[0-9A-Za-z_-]`, at most 64 characters).
pub fn default_path(state_dir: &Path, run_key: &str) -> PathBuf {
    let mut key: String = run_key
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .take(64)
        .collect();
    if key.is_empty() {
        key.push_str("default");
    }
    state_dir
        .join("iysync")
        .join("journals")
        .join(format!("{key}.jsonl"))
}

/// Creates the missing parent directories of a journal (0700 on unix).
pub fn create_parent(path: &Path) -> io::Result<()> {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => create_private_dir(parent),
        _ => Ok(()),
    }
}

fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

fn looks_like_journal(content: &[u8]) -> bool {
    let n = content.len().min(HEADER_PREFIX.len());
    // A shorter content is a header torn while the journal was being created.
    content[..n] == HEADER_PREFIX[..n]
}

type Parsed = (BTreeMap<u64, Entry>, u64, usize);

/// Entries, length of the valid prefix, and the number of skipped lines; `Err(why)` when the
/// journal must be started anew (no complete header, another version or another key).
fn parse(content: &[u8], key: &Key) -> Result<Parsed, String> {
    let header_end = content
        .iter()
        .position(|&b| b == b'\n')
        .ok_or_else(|| crate::tr!("journal-header-incomplete"))?;
    let header: Header = serde_json::from_slice(&content[..header_end])
        .map_err(|_| crate::tr!("journal-header-unreadable"))?;
    if header.journal != MAGIC || header.version != VERSION {
        return Err(crate::tr!(
            "journal-other-version",
            version = header.version
        ));
    }
    if header.partner != key.partner {
        return Err(crate::tr!(
            "journal-other-partner",
            partner = &header.partner
        ));
    }
    for (name, was, is) in [
        (
            "--unification-url",
            &header.unification_url,
            &key.unification_url,
        ),
        ("--contact-url", &header.contact_url, &key.contact_url),
    ] {
        if was != is {
            return Err(crate::tr!("journal-other-url", flag = name, url = was));
        }
    }
    if header.run_key != key.run_key {
        return Err(crate::tr!("journal-other-run"));
    }
    let mut entries = BTreeMap::new();
    let mut skipped = 0;
    let mut pos = header_end + 1;
    while pos < content.len() {
        let Some(rel) = content[pos..].iter().position(|&b| b == b'\n') else {
            break; // torn last line: dropped
        };
        let line = &content[pos..pos + rel];
        match serde_json::from_slice::<Line>(line) {
            Ok(l) => {
                entries.insert(
                    l.seq,
                    Entry {
                        body: l.body,
                        accepted: l.accepted,
                        refused: l.refused,
                    },
                );
            }
            Err(_) => skipped += 1,
        }
        pos += rel + 1;
    }
    Ok((entries, pos as u64, skipped))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(partner: &str, url: &str) -> Key {
        Key::new("upsert-1", partner, url, "https://contact.useinsider.com")
    }

    #[test]
    fn another_partner_or_host_never_resumes() {
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("j.jsonl");
        let a = key("Brand-A", "https://unification.useinsider.com/");
        let mut j = Journal::open(&path, a.clone(), false).expect("open");
        assert_eq!(j.opened(), &Opened::Created);
        j.record(1, 5, &[]).expect("record");
        drop(j);
        let header = std::fs::read_to_string(&path).expect("read");
        assert!(
            header.starts_with(r#"{"journal":"iysync","version":2,"run_key":"upsert-1","partner":"brand-a","unification_url":"https://unification.useinsider.com""#),
            "{header}"
        );
        // Same destination, partner in another case and a trailing slash: resumed.
        let j = Journal::open(
            &path,
            key("brand-a", "https://UNIFICATION.useinsider.com"),
            false,
        )
        .expect("open");
        assert_eq!(j.opened(), &Opened::Resumed);
        assert!(j.is_done(1));
        drop(j);
        let j = Journal::open(
            &path,
            key("brand-b", "https://unification.useinsider.com"),
            false,
        )
        .expect("open");
        assert_eq!(
            j.opened(),
            &Opened::Discarded("it was written for partner `brand-a`".into())
        );
        assert!(!j.is_done(1));
        drop(j);
        let j =
            Journal::open(&path, key("brand-b", "https://eu.example.com"), false).expect("open");
        match j.opened() {
            Opened::Discarded(why) => assert!(why.contains("--unification-url"), "{why}"),
            other => panic!("{other:?}"),
        }
    }
}
