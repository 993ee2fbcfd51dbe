//! The record spool: every valid record of pass one, in input order, compactly encoded in an
//! unnamed temporary file, so pass two writes the resolved state without reading or judging the
//! input again.
//!
//! The worker threads encode a chunk's valid records ([`encode`]); the in-order consumer appends
//! them to the spool as one frame ([`Writer::frame`]). Pass two reads the frames back in the same
//! order ([`Spool::frames`]). What pass two writes is therefore exactly what pass one judged and
//! resolved, even if an input file changes in between, and stdin, pipes and gzip files need no
//! copy of their own.
//!
//! The file is created with `O_TMPFILE` (or unlinked as soon as it is created where the file
//! system lacks that), so no other user can open it and the recipients it holds disappear when the
//! process ends, however it ends. It takes about 45 bytes a valid row in the temporary directory
//! (`TMPDIR`); where that is a tmpfs, those bytes are memory.
//!
//! A frame is `file: u32 LE`, `length: u32 LE`, `checksum: u64 LE` (XXH3-64 of the records, seeded
//! with the file index), then `length` bytes of records. A frame that does not match its checksum
//! is an error, so a damaged spool cannot turn a RET into an ONAY unnoticed. A record is its line
//! (LEB128), a flag byte (bit 0: SMS, bit 1: RET, bit 2: external id present), the timestamp
//! (zigzag LEB128), then the recipient, the platform and the external id when present, each as a
//! LEB128 length and UTF-8 bytes.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};

use xxhash_rust::xxh3::xxh3_64_with_seed;

use crate::error::Error;
use crate::record::{Channel, CompactString, Permission, Record};

/// A frame's header: file index, length and checksum of its records.
const HEAD: usize = 16;

/// A frame's checksum covers its place in the spool and its file index too: a frame read out of
/// order, twice, or as another file's would be checked against the wrong winners.
fn checksum(seq: u64, file: u32, records: &[u8]) -> u64 {
    xxh3_64_with_seed(records, (seq << 32) ^ u64::from(file))
}

const SMS: u8 = 1;
const RET: u8 = 2;
const EXTERNAL_ID: u8 = 4;

fn put_varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn put_text(out: &mut Vec<u8>, text: &str) {
    put_varint(out, text.len() as u64);
    out.extend_from_slice(text.as_bytes());
}

/// Appends one record, found on `line` of its file, to a frame being built.
pub fn encode(out: &mut Vec<u8>, line: u64, record: &Record) {
    put_varint(out, line);
    let mut flags = 0;
    if record.channel == Channel::Sms {
        flags |= SMS;
    }
    if record.permission == Permission::Ret {
        flags |= RET;
    }
    if record.external_id.is_some() {
        flags |= EXTERNAL_ID;
    }
    out.push(flags);
    let t = record.timestamp;
    put_varint(out, ((t << 1) ^ (t >> 63)) as u64);
    put_text(out, &record.recipient);
    put_text(out, &record.platform);
    if let Some(id) = &record.external_id {
        put_text(out, id);
    }
}

/// Where the temporary directory is, for messages.
fn temp_dir() -> String {
    std::env::temp_dir().display().to_string()
}

fn write_error(e: io::Error) -> Error {
    Error::io(crate::tr!("err-spool-write", dir = temp_dir()), e)
}

/// The spool being written by pass one.
pub struct Writer {
    /// Frames are a chunk's worth of records each: written as they come, without a buffer.
    file: File,
    /// Frames written so far, and the longest; kept in memory, to check the file against.
    frames: u64,
    longest: u32,
}

impl Writer {
    pub fn new() -> Result<Writer, Error> {
        let file = tempfile::tempfile()
            .map_err(|e| Error::io(crate::tr!("err-spool-create", dir = temp_dir()), e))?;
        Ok(Writer {
            file,
            frames: 0,
            longest: 0,
        })
    }

    /// Appends the records of one chunk of input file `file` (from [`encode`]).
    pub fn frame(&mut self, file: usize, records: &[u8]) -> Result<(), Error> {
        if records.is_empty() {
            return Ok(());
        }
        let (Ok(file), Ok(len)) = (u32::try_from(file), u32::try_from(records.len())) else {
            return Err(Error::io(
                crate::tr!("err-spool-chunk"),
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    crate::tr!("err-spool-chunk-why"),
                ),
            ));
        };
        let mut head = [0u8; HEAD];
        head[..4].copy_from_slice(&file.to_le_bytes());
        head[4..8].copy_from_slice(&len.to_le_bytes());
        head[8..].copy_from_slice(&checksum(self.frames, file, records).to_le_bytes());
        self.file
            .write_all(&head)
            .and_then(|()| self.file.write_all(records))
            .map_err(write_error)?;
        self.frames += 1;
        self.longest = self.longest.max(len);
        Ok(())
    }

    /// Ends writing; the spool is read from its start.
    pub fn finish(self) -> Result<Spool, Error> {
        let mut file = self.file;
        file.seek(SeekFrom::Start(0)).map_err(write_error)?;
        Ok(Spool {
            file,
            frames: self.frames,
            longest: self.longest,
        })
    }
}

/// A finished spool, read once by pass two.
pub struct Spool {
    file: File,
    frames: u64,
    longest: u32,
}

fn damaged(what: &str) -> Error {
    Error::io(
        crate::tr!("err-spool-damaged"),
        io::Error::new(io::ErrorKind::InvalidData, what.to_string()),
    )
}

/// Reads records out of one frame. `None` is a record that does not decode (the caller says so).
struct Cursor<'a> {
    bytes: &'a [u8],
}

impl<'a> Cursor<'a> {
    #[inline]
    fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.bytes.split_first()?;
        self.bytes = rest;
        Some(b)
    }

    #[inline]
    fn varint(&mut self) -> Option<u64> {
        let first = self.byte()?;
        if first < 0x80 {
            return Some(u64::from(first));
        }
        let mut n = u64::from(first & 0x7f);
        let mut shift = 7;
        loop {
            let b = self.byte()?;
            n |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Some(n);
            }
            shift += 7;
            if shift >= 64 {
                return None;
            }
        }
    }

    #[inline]
    fn raw_text(&mut self) -> Option<&'a [u8]> {
        let len = usize::try_from(self.varint()?).ok()?;
        let (text, rest) = self.bytes.split_at_checked(len)?;
        self.bytes = rest;
        Some(text)
    }

    #[inline]
    fn text(&mut self) -> Option<CompactString> {
        crate::input::as_text(self.raw_text()?).map(CompactString::from)
    }

    /// The next record's line and flags.
    fn head(&mut self) -> Option<(u64, u8)> {
        let line = self.varint()?;
        let flags = self.byte()?;
        (flags & !(SMS | RET | EXTERNAL_ID) == 0).then_some((line, flags))
    }

    /// Passes over the rest of a record (after [`Cursor::head`]).
    fn skip(&mut self, flags: u8) -> Option<()> {
        self.varint()?;
        self.raw_text()?;
        self.raw_text()?;
        if flags & EXTERNAL_ID != 0 {
            self.raw_text()?;
        }
        Some(())
    }

    /// The rest of a record (after [`Cursor::head`]).
    fn body(&mut self, flags: u8) -> Option<Record> {
        let z = self.varint()?;
        let timestamp = ((z >> 1) as i64) ^ -((z & 1) as i64);
        let recipient = self.text()?;
        let platform = self.text()?;
        let external_id = if flags & EXTERNAL_ID != 0 {
            Some(self.text()?)
        } else {
            None
        };
        let channel = if flags & SMS != 0 {
            Channel::Sms
        } else {
            Channel::Email
        };
        let permission = if flags & RET != 0 {
            Permission::Ret
        } else {
            Permission::Onay
        };
        Some(Record {
            channel,
            recipient,
            platform,
            permission,
            timestamp,
            external_id,
        })
    }
}

/// One frame read back: the records of one chunk of input file `file`.
pub struct Frame {
    pub file: usize,
    bytes: Vec<u8>,
}

impl Frame {
    /// The frame's size in bytes.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Calls `f(line, record)` for every record of the frame, in order; stops at the first error.
    pub fn for_each(&self, f: impl FnMut(u64, Record) -> Result<(), Error>) -> Result<(), Error> {
        self.for_each_on(|_| true, f)
    }

    /// Calls `f(line, record)` for the records of the frame on the lines `wanted` picks, in order
    /// (the others are passed over undecoded); stops at the first error.
    pub fn for_each_on(
        &self,
        wanted: impl Fn(u64) -> bool,
        mut f: impl FnMut(u64, Record) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let malformed = || damaged("a record does not decode");
        let mut cursor = Cursor { bytes: &self.bytes };
        while !cursor.bytes.is_empty() {
            let (line, flags) = cursor.head().ok_or_else(malformed)?;
            if wanted(line) {
                f(line, cursor.body(flags).ok_or_else(malformed)?)?;
            } else {
                cursor.skip(flags).ok_or_else(malformed)?;
            }
        }
        Ok(())
    }
}

/// The frames of a spool, in order.
pub struct Frames {
    spool: Spool,
    /// Frames read so far.
    read: u64,
}

fn read_error(e: io::Error) -> Error {
    match e.kind() {
        io::ErrorKind::UnexpectedEof => damaged("a frame is cut short"),
        _ => Error::io(crate::tr!("err-spool-read"), e),
    }
}

impl Frames {
    fn next_frame(&mut self) -> Result<Option<Frame>, Error> {
        let spool = &mut self.spool;
        let mut head = [0u8; HEAD];
        match spool.file.read_exact(&mut head[..1]) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                // A spool cut between two frames ends early.
                return if self.read == spool.frames {
                    Ok(None)
                } else {
                    Err(damaged("the spool ends early"))
                };
            }
            Err(e) => return Err(read_error(e)),
        }
        spool.file.read_exact(&mut head[1..]).map_err(read_error)?;
        let [a, b, c, d, e, f, g, h, sum @ ..] = head;
        let file = u32::from_le_bytes([a, b, c, d]);
        let len = u32::from_le_bytes([e, f, g, h]);
        if self.read >= spool.frames || len > spool.longest {
            return Err(damaged("a frame was never written"));
        }
        // Read into spare capacity: no zero-filling of memory about to be overwritten.
        let mut bytes = Vec::with_capacity(len as usize);
        (&mut spool.file)
            .take(u64::from(len))
            .read_to_end(&mut bytes)
            .map_err(read_error)?;
        if bytes.len() != len as usize {
            return Err(damaged("a frame is cut short"));
        }
        if checksum(self.read, file, &bytes) != u64::from_le_bytes(sum) {
            return Err(damaged("a frame does not match its checksum"));
        }
        self.read += 1;
        Ok(Some(Frame {
            file: file as usize,
            bytes,
        }))
    }
}

impl Iterator for Frames {
    type Item = Result<Frame, Error>;

    fn next(&mut self) -> Option<Result<Frame, Error>> {
        self.next_frame().transpose()
    }
}

impl Spool {
    /// A second handle on the same spool, for one more pass once this one's is done (the two
    /// share their read position: [`Spool::rewound`] it before that pass).
    pub fn try_clone(&self) -> Result<Spool, Error> {
        Ok(Spool {
            file: self.file.try_clone().map_err(write_error)?,
            frames: self.frames,
            longest: self.longest,
        })
    }

    /// The spool read from its start again.
    pub fn rewound(mut self) -> Result<Spool, Error> {
        self.file.seek(SeekFrom::Start(0)).map_err(write_error)?;
        Ok(self)
    }

    /// The spool's frames, from the first.
    pub fn frames(self) -> Frames {
        Frames {
            spool: self,
            read: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn record(channel: Channel, recipient: &str, ts: i64, id: Option<&str>) -> Record {
        Record {
            channel,
            recipient: recipient.into(),
            platform: "web".into(),
            permission: if ts % 2 == 0 {
                Permission::Onay
            } else {
                Permission::Ret
            },
            timestamp: ts,
            external_id: id.map(CompactString::from),
        }
    }

    fn read_all(spool: Spool) -> Result<Vec<(usize, u64, Record)>, Error> {
        let mut out = Vec::new();
        for frame in spool.frames() {
            let frame = frame?;
            frame.for_each(|line, r| {
                out.push((frame.file, line, r));
                Ok(())
            })?;
        }
        Ok(out)
    }

    fn spool_of(frames: &[(usize, Vec<u8>)]) -> Spool {
        let mut w = Writer::new().expect("temporary file");
        for (file, bytes) in frames {
            w.frame(*file, bytes).expect("write");
        }
        w.finish().expect("finish")
    }

    #[test]
    fn gives_back_every_record_in_order_with_its_file_and_line() {
        let a = record(Channel::Email, "a@example.com", 1_600_000_000, None);
        let b = record(Channel::Sms, "905321234567", -5, Some("user-7"));
        let long = "x".repeat(300) + "@example.com";
        let c = record(Channel::Email, &long, i64::MAX, Some(""));
        let mut first = Vec::new();
        encode(&mut first, 1, &a);
        encode(&mut first, 200, &b);
        let mut second = Vec::new();
        encode(&mut second, u64::MAX, &c);
        let spool = spool_of(&[(0, first), (3, Vec::new()), (2, second)]);
        let got = read_all(spool).expect("read back");
        assert_eq!(got, vec![(0, 1, a), (0, 200, b), (2, u64::MAX, c)]);
    }

    #[test]
    fn records_on_unwanted_lines_are_passed_over() {
        let rows = [
            (3, record(Channel::Email, "a@example.com", 10, Some("x"))),
            (4, record(Channel::Sms, "905321234567", 11, None)),
            (9, record(Channel::Email, &"b".repeat(200), 12, Some("y"))),
            (12, record(Channel::Email, "c@example.com", 13, None)),
        ];
        let mut bytes = Vec::new();
        for (line, r) in &rows {
            encode(&mut bytes, *line, r);
        }
        let frame = spool_of(&[(1, bytes)]).frames().next();
        let frame = frame.expect("one frame").expect("read");
        let mut got = Vec::new();
        frame
            .for_each_on(
                |line| line % 3 == 0,
                |line, r| {
                    got.push((line, r));
                    Ok(())
                },
            )
            .expect("decode");
        assert_eq!(got, vec![rows[0].clone(), rows[2].clone(), rows[3].clone()]);
    }

    #[test]
    fn an_empty_spool_has_no_records() {
        assert!(read_all(spool_of(&[])).expect("read").is_empty());
    }

    #[test]
    fn records_that_do_not_decode_are_an_error_not_a_panic() {
        let mut bytes = Vec::new();
        encode(
            &mut bytes,
            7,
            &record(Channel::Email, "a@example.com", 2, Some("id")),
        );
        // Every cut of the record, and a flag byte no encoder writes.
        for cut in 1..bytes.len() {
            let spool = spool_of(&[(0, bytes[..cut].to_vec())]);
            let err = read_all(spool).expect_err("a cut record");
            assert!(err.to_string().contains("spool"), "{err}");
        }
        let mut flags = bytes.clone();
        flags[1] = 0x80;
        assert!(read_all(spool_of(&[(0, flags)])).is_err());
        let mut not_utf8 = bytes.clone();
        not_utf8[4] = 0xff;
        assert!(read_all(spool_of(&[(0, not_utf8)])).is_err());
    }

    /// The bytes of a spool file holding `frames`.
    fn spool_bytes(frames: &[(usize, Vec<u8>)]) -> (Vec<u8>, Spool) {
        let mut spool = spool_of(frames);
        let mut bytes = Vec::new();
        spool.file.read_to_end(&mut bytes).expect("read");
        (bytes, spool)
    }

    /// `spool` with its file's bytes replaced.
    fn with_bytes(spool: &Spool, bytes: &[u8]) -> Spool {
        let mut file = tempfile::tempfile().expect("temporary file");
        file.write_all(bytes).expect("write");
        file.seek(SeekFrom::Start(0)).expect("seek");
        Spool {
            file,
            frames: spool.frames,
            longest: spool.longest,
        }
    }

    /// Three frames of two files, one record each.
    fn three_frames() -> Vec<(usize, Vec<u8>)> {
        let rows = [
            (0, 1, record(Channel::Sms, "905321234567", 0, None)),
            (0, 2, record(Channel::Email, "a@example.com", 3, Some("id"))),
            (1, 1, record(Channel::Email, "b@example.com", 5, None)),
        ];
        rows.iter()
            .map(|(file, line, r)| {
                let mut bytes = Vec::new();
                encode(&mut bytes, *line, r);
                (*file, bytes)
            })
            .collect()
    }

    #[test]
    fn a_spool_cut_anywhere_is_an_error() {
        let (bytes, spool) = spool_bytes(&three_frames());
        assert_eq!(
            read_all(with_bytes(&spool, &bytes)).expect("intact").len(),
            3
        );
        // Between frames too: a spool that ends early is not a shorter spool.
        for cut in 0..bytes.len() {
            let err = read_all(with_bytes(&spool, &bytes[..cut])).expect_err("cut");
            let text = err.to_string();
            assert!(
                text.contains("cut short") || text.contains("ends early"),
                "{cut}: {err}"
            );
        }
    }

    #[test]
    fn any_changed_byte_is_an_error() {
        let (bytes, spool) = spool_bytes(&three_frames());
        // File indexes, lengths, checksums and records: flag bit 1 (RET) among them.
        for i in 0..bytes.len() {
            for bit in [1u8, 2, 0x80] {
                let mut damaged = bytes.clone();
                damaged[i] ^= bit;
                assert!(
                    read_all(with_bytes(&spool, &damaged)).is_err(),
                    "byte {i} bit {bit:#x} went unnoticed"
                );
            }
        }
    }

    #[test]
    fn frames_dropped_repeated_or_swapped_are_an_error() {
        let frames = three_frames();
        let (whole, spool) = spool_bytes(&frames);
        let one = |k: usize| {
            let (bytes, _) = spool_bytes(&frames[..=k]);
            let (before, _) = spool_bytes(&frames[..k]);
            bytes[before.len()..].to_vec()
        };
        let (a, b, c) = (one(0), one(1), one(2));
        for (what, bytes) in [
            ("dropped", [a.clone(), c.clone()].concat()),
            ("repeated", [a.clone(), b.clone(), b.clone()].concat()),
            ("swapped", [b.clone(), a.clone(), c.clone()].concat()),
            ("one more", [whole.clone(), c.clone()].concat()),
        ] {
            assert!(read_all(with_bytes(&spool, &bytes)).is_err(), "{what}");
        }
    }

    #[test]
    fn stops_at_the_first_error_of_the_caller() {
        let mut bytes = Vec::new();
        for line in 1..=3 {
            encode(
                &mut bytes,
                line,
                &record(Channel::Sms, "905321234567", 0, None),
            );
        }
        let mut seen = 0;
        let frame = spool_of(&[(0, bytes)]).frames().next();
        let result = frame.expect("one frame").expect("read").for_each(|_, _| {
            seen += 1;
            Err(Error::Interrupted)
        });
        assert!(matches!(result, Err(Error::Interrupted)));
        assert_eq!(seen, 1);
    }

    proptest! {
        #[test]
        fn any_record_round_trips(
            line in any::<u64>(),
            sms in any::<bool>(),
            ret in any::<bool>(),
            timestamp in any::<i64>(),
            recipient in ".{0,300}",
            platform in ".{0,40}",
            external_id in proptest::option::of(".{0,200}"),
        ) {
            let r = Record {
                channel: if sms { Channel::Sms } else { Channel::Email },
                recipient: recipient.into(),
                platform: platform.into(),
                permission: if ret { Permission::Ret } else { Permission::Onay },
                timestamp,
                external_id: external_id.map(CompactString::from),
            };
            let mut bytes = Vec::new();
            encode(&mut bytes, line, &r);
            encode(&mut bytes, line / 2, &r);
            let got = read_all(spool_of(&[(5, bytes)])).expect("read back");
            prop_assert_eq!(got, vec![(5, line, r.clone()), (5, line / 2, r)]);
        }
    }
}
