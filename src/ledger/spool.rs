//! The plan's changes on disk: the actions (each with the record its bodies are built from) and
//! the ledger-only updates of a sync, in key order as the merge finds them, in an unnamed `0600`
//! temporary file in `TMPDIR` (gone when the run ends, however it ends). Memory holds only the
//! counts: the send phases read the file in order, and an acknowledged request's actions are
//! read back by their byte offsets, which are the positions the session's items carry.
//!
//! An entry is `length: u32 LE`, `checksum: u64 LE` (XXH3-64 of the payload, seeded with the
//! entry's offset, so a damaged file or a read at a wrong offset is an error, never another
//! word), then the payload: a tag byte (`0` update, `1` action) and the fields, integers as
//! LEB128 (times zigzag), texts as a LEB128 length and UTF-8 bytes.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::os::unix::fs::FileExt;

use compact_str::CompactString;
use xxhash_rust::xxh3::xxh3_64_with_seed;

use super::plan::{Action, Kind, Origin, Sink, Update};
use super::{Step, Steps, channel_code, channel_of_code, permission_code, permission_of_code};
use crate::error::Error;
use crate::record::{Permission, Record};

/// An entry's header: payload length and checksum.
const HEAD: usize = 12;
/// Bytes read at a time, in order.
const WINDOW: usize = 256 << 10;
/// Bytes read at a time by offset (an acknowledged request's records: nearby in the file for an
/// upsert, scattered among the other channel's for an unsubscribe).
const NEAR: usize = 16 << 10;
/// The largest offset a session item's position can carry (its line field).
const MAX_OFFSET: u64 = (1 << 40) - 1;

const UPDATE: u8 = 0;
const ACTION: u8 = 1;

/// One entry read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// An action, its ordinal among the file's actions, and the input record it was planned from
    /// (`None`: an earlier run's pending change).
    Action {
        action: Action,
        ordinal: u64,
        record: Option<Record>,
    },
    Update(Update),
}

/// The spool being written, then read.
pub struct Changes {
    file: File,
    writer: Option<BufWriter<File>>,
    /// Bytes written so far (the next entry's offset).
    len: u64,
    buf: Vec<u8>,
    actions: u64,
    updates: u64,
    /// Actions per step: unsubscribe, upsert, resubscribe.
    steps: [u64; 3],
}

fn io_error(e: std::io::Error) -> Error {
    let dir = std::env::temp_dir().display().to_string();
    Error::io(crate::tr!("err-plan-spool-io", dir = dir), e)
}

fn damaged(offset: u64) -> Error {
    Error::Usage(crate::tr!(
        "err-plan-spool-damaged",
        offset = crate::i18n::Arg::N(offset)
    ))
}

pub(super) fn put_varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

pub(super) fn put_signed(out: &mut Vec<u8>, n: i64) {
    put_varint(out, ((n << 1) ^ (n >> 63)) as u64);
}

fn put_text(out: &mut Vec<u8>, text: &str) {
    put_varint(out, text.len() as u64);
    out.extend_from_slice(text.as_bytes());
}

fn put_option(out: &mut Vec<u8>, n: Option<i64>) {
    match n {
        Some(n) => {
            out.push(1);
            put_signed(out, n);
        }
        None => out.push(0),
    }
}

fn kind_code(kind: Kind) -> u8 {
    match kind {
        Kind::New => 0,
        Kind::OptOut => 1,
        Kind::OptIn => 2,
        Kind::Pending => 3,
    }
}

fn kind_of(code: u8) -> Option<Kind> {
    [Kind::New, Kind::OptOut, Kind::OptIn, Kind::Pending]
        .get(usize::from(code))
        .copied()
}

fn word_code(p: Option<Permission>) -> u8 {
    p.map_or(2, |p| permission_code(p) as u8)
}

fn word_of(code: u8) -> Option<Option<Permission>> {
    match code {
        2 => Some(None),
        c => permission_of_code(i64::from(c)).map(Some),
    }
}

/// Reads a payload's fields in order.
pub(super) struct Fields<'a>(pub(super) &'a [u8]);

impl<'a> Fields<'a> {
    pub(super) fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }

    pub(super) fn varint(&mut self) -> Option<u64> {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            n |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Some(n);
            }
        }
        None
    }

    pub(super) fn signed(&mut self) -> Option<i64> {
        let n = self.varint()?;
        Some(((n >> 1) as i64) ^ -((n & 1) as i64))
    }

    fn text(&mut self) -> Option<&'a str> {
        let n = usize::try_from(self.varint()?).ok()?;
        if n > self.0.len() {
            return None;
        }
        let (text, rest) = self.0.split_at(n);
        self.0 = rest;
        std::str::from_utf8(text).ok()
    }

    fn option(&mut self) -> Option<Option<i64>> {
        match self.byte()? {
            0 => Some(None),
            1 => self.signed().map(Some),
            _ => None,
        }
    }
}

fn decode(payload: &[u8]) -> Option<Entry> {
    let mut f = Fields(payload);
    match f.byte()? {
        UPDATE => {
            let channel = channel_of_code(i64::from(f.byte()?))?;
            let clear_pending = match f.byte()? {
                0 => false,
                1 => true,
                _ => return None,
            };
            let consent_at = f.signed()?;
            let recipient = CompactString::from(f.text()?);
            f.0.is_empty().then_some(Entry::Update(Update {
                channel,
                recipient,
                consent_at,
                clear_pending,
            }))
        }
        ACTION => {
            let channel = channel_of_code(i64::from(f.byte()?))?;
            let kind = kind_of(f.byte()?)?;
            let acknowledged = word_of(f.byte()?)?;
            let permission = permission_of_code(i64::from(f.byte()?))?;
            let steps = Steps(f.byte()?);
            let consent_at = f.signed()?;
            let ordinal = f.varint()?;
            let origin = match f.byte()? {
                0 => Origin::Input {
                    file: usize::try_from(f.varint()?).ok()?,
                    line: f.varint()?,
                },
                1 => Origin::Earlier {
                    input_id: f.option()?,
                    line: f.option()?,
                },
                _ => return None,
            };
            let recipient = CompactString::from(f.text()?);
            let refused = match f.byte()? {
                0 => None,
                1 => Some(f.text()?.to_string()),
                _ => return None,
            };
            let record = match f.byte()? {
                0 => None,
                1 => {
                    let platform = CompactString::from(f.text()?);
                    let permission = permission_of_code(i64::from(f.byte()?))?;
                    let timestamp = f.signed()?;
                    let external_id = match f.byte()? {
                        0 => None,
                        1 => Some(CompactString::from(f.text()?)),
                        _ => return None,
                    };
                    Some(Record {
                        channel,
                        recipient: recipient.clone(),
                        platform,
                        permission,
                        timestamp,
                        external_id,
                    })
                }
                _ => return None,
            };
            f.0.is_empty().then_some(Entry::Action {
                action: Action {
                    channel,
                    recipient,
                    kind,
                    acknowledged,
                    permission,
                    consent_at,
                    steps,
                    origin,
                    refused,
                },
                ordinal,
                record,
            })
        }
        _ => None,
    }
}

impl Changes {
    /// An empty spool in `TMPDIR`.
    pub fn new() -> Result<Changes, Error> {
        Changes::in_dir(std::env::temp_dir())
    }

    /// An empty spool in `dir`.
    pub fn in_dir(dir: impl AsRef<std::path::Path>) -> Result<Changes, Error> {
        let file = tempfile::tempfile_in(dir).map_err(io_error)?;
        let writer = BufWriter::with_capacity(WINDOW, file.try_clone().map_err(io_error)?);
        Ok(Changes {
            file,
            writer: Some(writer),
            len: 0,
            buf: Vec::with_capacity(256),
            actions: 0,
            updates: 0,
            steps: [0; 3],
        })
    }

    /// Actions written.
    pub fn actions(&self) -> u64 {
        self.actions
    }

    /// Ledger-only updates written.
    pub fn updates(&self) -> u64 {
        self.updates
    }

    /// Actions that send `step`.
    pub fn with_step(&self, step: Step) -> u64 {
        self.steps[step as usize]
    }

    /// Bytes on disk.
    pub fn bytes(&self) -> u64 {
        self.len
    }

    fn write_entry(&mut self) -> Result<u64, Error> {
        let offset = self.len;
        if offset > MAX_OFFSET {
            return Err(Error::Usage(crate::tr!("err-plan-spool-too-large")));
        }
        let Some(writer) = self.writer.as_mut() else {
            return Err(Error::Usage(
                "internal error: a change was added to the plan after it was read".to_string(),
            ));
        };
        let payload = &self.buf;
        let len = u32::try_from(payload.len()).map_err(|_| damaged(offset))?;
        let mut head = [0u8; HEAD];
        head[..4].copy_from_slice(&len.to_le_bytes());
        head[4..].copy_from_slice(&xxh3_64_with_seed(payload, offset).to_le_bytes());
        writer.write_all(&head).map_err(io_error)?;
        writer.write_all(payload).map_err(io_error)?;
        self.len += (HEAD + payload.len()) as u64;
        Ok(offset)
    }

    /// Appends an action and the input record it sends (`None`: built from the action).
    pub fn push_action(&mut self, a: &Action, record: Option<&Record>) -> Result<(), Error> {
        let out = &mut self.buf;
        out.clear();
        out.push(ACTION);
        out.push(channel_code(a.channel) as u8);
        out.push(kind_code(a.kind));
        out.push(word_code(a.acknowledged));
        out.push(permission_code(a.permission) as u8);
        out.push(a.steps.0);
        put_signed(out, a.consent_at);
        put_varint(out, self.actions);
        match a.origin {
            Origin::Input { file, line } => {
                out.push(0);
                put_varint(out, file as u64);
                put_varint(out, line);
            }
            Origin::Earlier { input_id, line } => {
                out.push(1);
                put_option(out, input_id);
                put_option(out, line);
            }
        }
        put_text(out, &a.recipient);
        match &a.refused {
            Some(m) => {
                out.push(1);
                put_text(out, m);
            }
            None => out.push(0),
        }
        match record {
            Some(r) if r.channel == a.channel && r.recipient == a.recipient => {
                out.push(1);
                put_text(out, &r.platform);
                out.push(permission_code(r.permission) as u8);
                put_signed(out, r.timestamp);
                match &r.external_id {
                    Some(id) => {
                        out.push(1);
                        put_text(out, id);
                    }
                    None => out.push(0),
                }
            }
            Some(_) => {
                return Err(Error::Usage(
                    "internal error: an action of the plan was given another key's record"
                        .to_string(),
                ));
            }
            None => out.push(0),
        }
        self.write_entry()?;
        self.actions += 1;
        for step in a.steps.iter() {
            self.steps[step as usize] += 1;
        }
        Ok(())
    }

    /// Appends a ledger-only update.
    pub fn push_update(&mut self, u: &Update) -> Result<(), Error> {
        let out = &mut self.buf;
        out.clear();
        out.push(UPDATE);
        out.push(channel_code(u.channel) as u8);
        out.push(u8::from(u.clear_pending));
        put_signed(out, u.consent_at);
        put_text(out, &u.recipient);
        self.write_entry()?;
        self.updates += 1;
        Ok(())
    }

    /// Ends writing: everything is on the file, to be read.
    pub fn finish(&mut self) -> Result<(), Error> {
        if let Some(mut w) = self.writer.take() {
            w.flush().map_err(io_error)?;
        }
        Ok(())
    }

    fn check_read(&self) -> Result<(), Error> {
        match self.writer {
            Some(_) => Err(Error::Usage(
                "internal error: the plan's changes were read before they were all written"
                    .to_string(),
            )),
            None => Ok(()),
        }
    }

    /// Every entry in order, with its offset (read in windows of [`WINDOW`] bytes).
    pub fn read(&self) -> Result<Reader<'_>, Error> {
        self.check_read()?;
        Ok(Reader {
            window: Window::new(&self.file, self.len, WINDOW),
            next: 0,
        })
    }

    /// The entries at `offsets` (ascending offsets read in as few reads as they allow).
    pub fn read_at(&self, offsets: &[u64]) -> Result<Vec<Entry>, Error> {
        self.check_read()?;
        let mut window = Window::new(&self.file, self.len, NEAR);
        offsets.iter().map(|&o| window.entry(o)).collect()
    }
}

/// A buffered positional reader of the spool (`pread`: it shares no file offset with others).
struct Window<'f> {
    file: &'f File,
    len: u64,
    buf: Vec<u8>,
    /// The file offset of `buf[0]`.
    start: u64,
    /// Bytes read at a time (more for an entry larger than that).
    size: usize,
}

impl<'f> Window<'f> {
    fn new(file: &'f File, len: u64, size: usize) -> Window<'f> {
        Window {
            file,
            len,
            buf: Vec::new(),
            start: 0,
            size,
        }
    }

    /// `n` bytes at `offset`, reading the file when they are not in the window.
    fn bytes(&mut self, offset: u64, n: usize) -> Result<&[u8], Error> {
        let end = offset
            .checked_add(n as u64)
            .ok_or_else(|| damaged(offset))?;
        if end > self.len {
            return Err(damaged(offset));
        }
        let inside = offset >= self.start && end <= self.start + self.buf.len() as u64;
        if !inside {
            let want = (n.max(self.size) as u64).min(self.len - offset) as usize;
            self.buf.resize(want, 0);
            self.file
                .read_exact_at(&mut self.buf, offset)
                .map_err(io_error)?;
            self.start = offset;
        }
        let at = (offset - self.start) as usize;
        Ok(&self.buf[at..at + n])
    }

    /// The entry at `offset`, checked, and its length with the header.
    fn entry_and_len(&mut self, offset: u64) -> Result<(Entry, u64), Error> {
        let head = self.bytes(offset, HEAD)?;
        let len = u32::from_le_bytes([head[0], head[1], head[2], head[3]]) as usize;
        let sum = u64::from_le_bytes(head[4..12].try_into().map_err(|_| damaged(offset))?);
        let payload = self.bytes(offset + HEAD as u64, len)?;
        if xxh3_64_with_seed(payload, offset) != sum {
            return Err(damaged(offset));
        }
        let entry = decode(payload).ok_or_else(|| damaged(offset))?;
        Ok((entry, (HEAD + len) as u64))
    }

    fn entry(&mut self, offset: u64) -> Result<Entry, Error> {
        self.entry_and_len(offset).map(|(e, _)| e)
    }
}

/// The spool's entries in order.
pub struct Reader<'f> {
    window: Window<'f>,
    next: u64,
}

impl Reader<'_> {
    /// The next entry and its offset; `None` at the end.
    pub fn next_entry(&mut self) -> Result<Option<(u64, Entry)>, Error> {
        if self.next >= self.window.len {
            return Ok(None);
        }
        let offset = self.next;
        let (entry, len) = self.window.entry_and_len(offset)?;
        self.next += len;
        Ok(Some((offset, entry)))
    }
}

/// The spool as the planner's sink: every action (with its input record) and update written,
/// nothing kept in memory. `hold` drops an action before it is written (returns `true`): the
/// pending opt-ins that today's invalid RET rows hold back.
pub struct Spooling<'c, 'h> {
    pub changes: &'c mut Changes,
    pub hold: &'h mut dyn FnMut(&Action) -> bool,
}

impl Sink for Spooling<'_, '_> {
    fn action(&mut self, action: Action) -> Result<Option<Action>, Error> {
        self.action_of(action, None)
    }

    fn update(&mut self, update: Update) -> Result<Option<Update>, Error> {
        self.changes.push_update(&update)?;
        Ok(None)
    }

    fn wants_records(&self) -> bool {
        true
    }

    fn action_of(
        &mut self,
        action: Action,
        record: Option<Record>,
    ) -> Result<Option<Action>, Error> {
        if !(self.hold)(&action) {
            self.changes.push_action(&action, record.as_ref())?;
        }
        Ok(None)
    }
}

#[cfg(test)]
impl Changes {
    /// Flips a byte of the file at `offset` (a damaged disk, for tests).
    pub(crate) fn damage(&self, offset: u64) {
        let mut b = [0u8];
        self.file
            .read_exact_at(&mut b, offset)
            .expect("read a byte");
        b[0] ^= 0x01;
        self.file.write_all_at(&b, offset).expect("write a byte");
    }
}
