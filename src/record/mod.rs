//! The record model and the judgement of one row: valid, fixable (valid with fixes) or invalid.
//!
//! [`judge`] is a pure function of the line and the [`Rules`], so rows can be judged on any thread
//! in any order with identical results.

pub mod email;
pub mod lenient;
pub mod message;
pub mod phone;
pub mod problem;
pub mod timestamp;

use chrono_tz::Tz;
pub use compact_str::CompactString;

use crate::input::fields::{self, RawField};
use crate::privacy::Shown;
pub use message::{Message, Value};
pub use problem::{Code, Field, Problem, Severity};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Channel {
    Email,
    Sms,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Permission {
    Onay,
    Ret,
}

impl Permission {
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::Onay => "ONAY",
            Permission::Ret => "RET",
        }
    }
}

/// A valid consent record in canonical form. Its texts are stored inline up to 24 bytes (phones,
/// platforms, most ids and many emails), so judging a row rarely allocates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub channel: Channel,
    /// Lower-case email, or E.164 digits without `+` (`905321234567`).
    pub recipient: CompactString,
    pub platform: CompactString,
    pub permission: Permission,
    /// Unix seconds.
    pub timestamp: i64,
    pub external_id: Option<CompactString>,
}

impl Record {
    /// The recipient as Insider wants it: emails as they are, phones in E.164 with `+`.
    pub fn insider_recipient(&self) -> String {
        match self.channel {
            Channel::Email => self.recipient.to_string(),
            Channel::Sms => format!("+{}", self.recipient),
        }
    }
}

/// A readable RET row that is invalid: it may still hold its key back (SPEC §2, `withheld`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hold {
    pub channel: Channel,
    pub recipient: CompactString,
    /// `None` when the timestamp is missing or unreadable.
    pub timestamp: Option<i64>,
}

/// The judgement of one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Blank,
    /// Usable; `fixes` is empty for rows already in the exact Netmera format.
    Valid {
        record: Record,
        fixes: Vec<Problem>,
    },
    /// Not usable. `problems` holds one problem per defective field, in field order.
    Invalid {
        problems: Vec<Problem>,
        hold: Option<Hold>,
    },
}

/// Everything a row is judged against.
#[derive(Debug, Clone)]
pub struct Rules {
    /// The zone timestamps are written in (`--timezone`).
    pub zone: timestamp::Zone,
    /// Unix seconds; later timestamps are in the future.
    pub now: i64,
    /// Unix seconds; earlier timestamps are too early for İYS.
    pub floor: i64,
    pub channel: Option<Channel>,
    pub strict: bool,
    pub shown: Shown,
    /// Whether fixes carry their messages. Off when nobody reads them (no `--report`, text
    /// output), which spares a few allocations on every fixed row; the codes,
    /// and so every count, are the same. Under `--strict` fixes are errors and always described.
    pub fix_messages: bool,
    /// The byte between fields (`--delimiter`; `;` by default).
    pub delimiter: u8,
}

impl Rules {
    fn describe_fixes(&self) -> bool {
        self.fix_messages || self.strict
    }

    pub fn new(tz: Tz, now: i64) -> Rules {
        Rules {
            zone: timestamp::Zone::new(tz, now),
            now,
            floor: timestamp::floor(),
            channel: None,
            strict: false,
            shown: Shown::default(),
            fix_messages: true,
            delimiter: b';',
        }
    }
}

/// Judges a line that was not valid text in its encoding: it is invalid whatever else it holds,
/// but the text decoded with replacement characters may still hold its key back.
pub fn judge_undecodable(lossy: &str, rules: &Rules) -> Outcome {
    let hold = match judge(lossy, rules) {
        Outcome::Valid { record, .. } => hold_of_record(&record),
        Outcome::Invalid { hold, .. } => hold,
        Outcome::Blank => None,
    };
    Outcome::Invalid {
        problems: vec![Problem::error(
            Field::Row,
            Code::InvalidEncoding,
            &message::INVALID_ENCODING,
        )],
        hold,
    }
}

/// Judges a line longer than [`crate::input::MAX_LINE`], of which only `prefix` was kept: it is
/// invalid (`line_too_long`), but its first fields may still read as a RET that holds its key back.
pub fn judge_too_long(prefix: &str, length: u64, rules: &Rules) -> Outcome {
    let hold = match judge(prefix, rules) {
        Outcome::Valid { record, .. } => hold_of_record(&record),
        Outcome::Invalid { hold, .. } => hold,
        Outcome::Blank => None,
    };
    Outcome::Invalid {
        problems: vec![Problem::error(
            Field::Row,
            Code::LineTooLong,
            Message::new(&message::LINE_TOO_LONG, [Value::Num(length)]),
        )],
        hold,
    }
}

/// Judges one line (decoded, without its line terminator).
pub fn judge(line: &str, rules: &Rules) -> Outcome {
    if line.trim().is_empty() {
        return Outcome::Blank;
    }
    let mut fields = match fields::split_on(line, rules.delimiter) {
        Ok(f) => f,
        Err(u) => {
            let loose = fields::split_loose_on(line, rules.delimiter);
            return Outcome::Invalid {
                problems: vec![Problem::error(
                    Field::of_column(u.column),
                    Code::UnbalancedQuote,
                    Message::new(
                        &message::UNBALANCED_QUOTE,
                        [Value::Num(u.column as u64 + 1)],
                    ),
                )],
                hold: hold_of_loose(&loose, rules),
            };
        }
    };

    let mut fixes: Vec<Problem> = Vec::new();
    // A trailing `;` (an empty sixth field, or an empty fifth one) is a harmless separator.
    let mut trailing = false;
    if fields.count() == 6 && fields[5].text.is_empty() && !fields[5].quoted {
        fields.pop();
        trailing = true;
    }
    if fields.count() == 5 && fields[4].text.is_empty() {
        trailing = true;
    }
    if fields.count() != 4 && fields.count() != 5 {
        let texts: Vec<&str> = fields.iter().map(|f| f.text.as_ref()).collect();
        return Outcome::Invalid {
            problems: vec![Problem::error(
                Field::Row,
                Code::FieldCount,
                Message::new(&message::FIELD_COUNT, [Value::Num(fields.count() as u64)]),
            )],
            hold: hold_of_loose(&texts, rules),
        };
    }

    let mut errors: Vec<Problem> = Vec::new();
    // The platform without its invisible characters, when it had any (`fix_invisible`).
    let mut platform_text: Option<CompactString> = None;
    let recipient = judge_recipient(&fields[0], rules, &mut errors, &mut fixes);
    let platform = &fields[1];
    if platform.text.is_empty() {
        errors.push(Problem::error(
            Field::Platform,
            Code::EmptyPlatform,
            &message::PLATFORM_EMPTY,
        ));
    } else if let Some(p) = unrepresentable(platform, Field::Platform) {
        errors.push(p);
    } else if let Some(cleaned) = visible_fix(platform, Field::Platform, &mut fixes, rules) {
        if cleaned.is_empty() {
            errors.push(Problem::error(
                Field::Platform,
                Code::EmptyPlatform,
                &message::PLATFORM_INVISIBLE_ONLY,
            ));
        }
        platform_text = Some(cleaned);
    }
    let permission = judge_permission(&fields[2], rules, &mut errors, &mut fixes);
    let ts = judge_timestamp(&fields[3], rules, &mut errors, &mut fixes);
    let external_id = match fields.get(4) {
        Some(f) if !f.text.is_empty() => match unrepresentable(f, Field::ExternalId) {
            Some(p) => {
                errors.push(p);
                None
            }
            None => match visible_fix(f, Field::ExternalId, &mut fixes, rules) {
                // Only invisible characters: no external id.
                Some(cleaned) if cleaned.is_empty() => None,
                Some(cleaned) => Some(cleaned),
                None => Some(CompactString::from(f.text.as_ref())),
            },
        },
        // An empty external id: only the trailing separator is reported.
        _ => None,
    };
    if trailing {
        fixes.push(Problem::fix(
            Field::ExternalId,
            Code::FixTrailingSeparator,
            if rules.describe_fixes() {
                Message::of(&message::TRAILING_SEPARATOR)
            } else {
                Message::default()
            },
        ));
    }

    match (recipient, permission, ts, errors.is_empty()) {
        (Some((channel, recipient)), Some(permission), Some(timestamp), true) => {
            let record = Record {
                channel,
                recipient,
                platform: platform_text
                    .unwrap_or_else(|| CompactString::from(platform.text.as_ref())),
                permission,
                timestamp,
                external_id,
            };
            if rules.strict && !fixes.is_empty() {
                let hold = hold_of_record(&record);
                for f in &mut fixes {
                    f.severity = Severity::Error;
                }
                fixes.sort_by_key(|p| p.field);
                return Outcome::Invalid {
                    problems: fixes,
                    hold,
                };
            }
            Outcome::Valid { record, fixes }
        }
        (recipient, permission, _, _) => {
            // Only errors are reported for an invalid row: one per defective field, in field order.
            errors.sort_by_key(|p| p.field);
            // SPEC §2/§8: the permission is read leniently first (cheap, and most invalid rows
            // are not RET), then the recipient.
            let ret = match permission {
                Some(p) => p == Permission::Ret,
                None => lenient::reads_as_ret(&fields[2].text),
            };
            let hold = if ret {
                recipient
                    .or_else(|| hold_recipient(&fields[0].text, rules))
                    .map(|(channel, recipient)| Hold {
                        channel,
                        recipient,
                        timestamp: timestamp::parse(&fields[3].text, &rules.zone)
                            .ok()
                            .map(|p| p.instant),
                    })
            } else {
                None
            };
            Outcome::Invalid {
                problems: errors,
                hold,
            }
        }
    }
}

fn hold_of_record(record: &Record) -> Option<Hold> {
    (record.permission == Permission::Ret).then(|| Hold {
        channel: record.channel,
        recipient: record.recipient.clone(),
        timestamp: Some(record.timestamp),
    })
}

/// SPEC §2: a broken row is readable when it has at least 3 fields, its recipient normalises and its
/// permission reads as RET (leniently: [`lenient::reads_as_ret`]).
fn hold_of_loose(fields: &[&str], rules: &Rules) -> Option<Hold> {
    if fields.len() < 3 || !lenient::reads_as_ret(fields[2]) {
        return None;
    }
    let (channel, recipient) = hold_recipient(fields[0].trim(), rules)?;
    let timestamp = fields
        .get(3)
        .and_then(|t| timestamp::parse(t.trim(), &rules.zone).ok())
        .map(|p| p.instant);
    Some(Hold {
        channel,
        recipient,
        timestamp,
    })
}

/// The recipient of a broken RET row, read as leniently as can be done without guessing: as
/// written, then through [`lenient::recipient_candidates`] (invisible characters dropped, NFKC,
/// Arabic-Indic digits, Unicode dashes, Turkish `İ`/`ı` in emails, surrounding punctuation).
/// Only used to decide whether a row holds a key back, where reading too much is the safe side.
fn hold_recipient(text: &str, rules: &Rules) -> Option<(Channel, CompactString)> {
    if let Ok(found) = normalize_recipient(text, rules) {
        return Some(found);
    }
    lenient::recipient_candidates(text)
        .iter()
        .find_map(|candidate| normalize_recipient(candidate, rules).ok())
}

enum RecipientError {
    Empty,
    WrongChannel(Channel),
    Email(email::EmailError),
    Phone(phone::PhoneError),
}

fn channel_of(text: &str) -> Channel {
    if memchr::memchr(b'@', text.as_bytes()).is_some() {
        Channel::Email
    } else {
        Channel::Sms
    }
}

fn normalize_recipient(
    text: &str,
    rules: &Rules,
) -> Result<(Channel, CompactString), RecipientError> {
    if text.is_empty() {
        return Err(RecipientError::Empty);
    }
    let channel = channel_of(text);
    if rules.channel.is_some_and(|forced| forced != channel) {
        return Err(RecipientError::WrongChannel(channel));
    }
    match channel {
        Channel::Email => email::normalize(text).map_err(RecipientError::Email),
        Channel::Sms => phone::normalize(text).map_err(RecipientError::Phone),
    }
    .map(|r| (channel, r))
}

fn judge_recipient(
    field: &RawField<'_>,
    rules: &Rules,
    errors: &mut Vec<Problem>,
    fixes: &mut Vec<Problem>,
) -> Option<(Channel, CompactString)> {
    let text = field.text.as_ref();
    // Built only when a message needs it: most rows have none.
    let shown = || rules.shown.recipient(text);
    match normalize_recipient(text, rules) {
        Ok((channel, canonical)) => {
            let email = || Message::of(&message::FIX_EMAIL);
            let phone = || {
                Message::new(
                    &message::FIX_PHONE,
                    [
                        Value::Quoted(shown()),
                        Value::Text(rules.shown.recipient(&canonical)),
                    ],
                )
            };
            let own: Repair<'_> = match channel {
                Channel::Email => (Code::FixEmail, &email),
                Channel::Sms => (Code::FixPhoneFormat, &phone),
            };
            let repair = (canonical != text).then_some(own);
            field_fix(fixes, Field::Recipient, field, repair, rules);
            Some((channel, canonical))
        }
        Err(e) => {
            let value = || [Value::Quoted(shown())];
            let (code, message) = match e {
                RecipientError::Empty => {
                    (Code::EmptyRecipient, Message::of(&message::RECIPIENT_EMPTY))
                }
                // The forced channel is the other one.
                RecipientError::WrongChannel(found) => (
                    Code::WrongChannel,
                    Message::new(
                        match found {
                            Channel::Email => &message::WRONG_CHANNEL_EMAIL,
                            Channel::Sms => &message::WRONG_CHANNEL_SMS,
                        },
                        value(),
                    ),
                ),
                RecipientError::Email(email::EmailError::NonAscii) => (
                    Code::InvalidEmail,
                    match lenient::first_invisible(text) {
                        Some(c) => Message::new(
                            &message::EMAIL_INVISIBLE,
                            [Value::Quoted(shown()), Value::CodePoint(c)],
                        ),
                        None => Message::new(&message::EMAIL_NON_ASCII, value()),
                    },
                ),
                RecipientError::Email(email::EmailError::Malformed) => (
                    Code::InvalidEmail,
                    Message::new(&message::EMAIL_MALFORMED, value()),
                ),
                RecipientError::Email(email::EmailError::TooLong) => (
                    Code::InvalidEmail,
                    Message::new(
                        &message::EMAIL_TOO_LONG,
                        [
                            Value::Quoted(shown()),
                            Value::Num(email::MAX_LEN as u64),
                            Value::Num(email::MAX_LOCAL as u64),
                            Value::Num(email::MAX_LABEL as u64),
                        ],
                    ),
                ),
                RecipientError::Email(email::EmailError::NotADomainName) => (
                    Code::InvalidEmail,
                    Message::new(&message::EMAIL_NOT_A_DOMAIN, value()),
                ),
                RecipientError::Phone(phone::PhoneError::Invalid) if phone::is_scientific(text) => {
                    (
                        Code::InvalidPhone,
                        Message::new(&message::PHONE_SCIENTIFIC, value()),
                    )
                }
                RecipientError::Phone(phone::PhoneError::Invalid) => (
                    Code::InvalidPhone,
                    Message::new(
                        &message::PHONE_INVALID,
                        [Value::Quoted(shown()), invisible_hint(text)],
                    ),
                ),
                RecipientError::Phone(phone::PhoneError::NotMobile) => (
                    Code::NotMobile,
                    Message::new(&message::PHONE_NOT_MOBILE, value()),
                ),
            };
            errors.push(Problem::error(Field::Recipient, code, message));
            None
        }
    }
}

fn judge_permission(
    field: &RawField<'_>,
    rules: &Rules,
    errors: &mut Vec<Problem>,
    fixes: &mut Vec<Problem>,
) -> Option<Permission> {
    let text = field.text.as_ref();
    let permission = if text.eq_ignore_ascii_case("ONAY") {
        Permission::Onay
    } else if text.eq_ignore_ascii_case("RET") {
        Permission::Ret
    } else {
        let key = if text.eq_ignore_ascii_case("RED") {
            &message::PERMISSION_RED
        } else {
            &message::PERMISSION_INVALID
        };
        errors.push(Problem::error(
            Field::Permission,
            Code::InvalidPermission,
            Message::new(
                key,
                [Value::Quoted(rules.shown.value(text)), invisible_hint(text)],
            ),
        ));
        return None;
    };
    let describe = || {
        Message::new(
            &message::FIX_PERMISSION,
            [
                Value::Quoted(rules.shown.value(text)),
                Value::Static(permission.as_str()),
            ],
        )
    };
    let repair: Option<Repair<'_>> =
        (text != permission.as_str()).then_some((Code::FixPermissionCase, &describe));
    field_fix(fixes, Field::Permission, field, repair, rules);
    Some(permission)
}

fn judge_timestamp(
    field: &RawField<'_>,
    rules: &Rules,
    errors: &mut Vec<Problem>,
    fixes: &mut Vec<Problem>,
) -> Option<i64> {
    let text = field.text.as_ref();
    let shown = || rules.shown.value(text);
    let parsed = match timestamp::parse(text, &rules.zone) {
        Ok(p) => p,
        Err(e) => {
            let key = match e {
                timestamp::TimestampError::Unparsable => &message::TIMESTAMP_UNPARSABLE,
                timestamp::TimestampError::Impossible => &message::TIMESTAMP_IMPOSSIBLE,
                timestamp::TimestampError::Skipped => &message::TIMESTAMP_SKIPPED,
            };
            errors.push(Problem::error(
                Field::Timestamp,
                Code::InvalidTimestamp,
                Message::new(key, [Value::Quoted(shown()), invisible_hint(text)]),
            ));
            return None;
        }
    };
    if parsed.instant < rules.floor {
        errors.push(Problem::error(
            Field::Timestamp,
            Code::TimestampTooEarly,
            Message::new(&message::TIMESTAMP_TOO_EARLY, [Value::Quoted(shown())]),
        ));
        return None;
    }
    if parsed.instant > rules.now {
        errors.push(Problem::error(
            Field::Timestamp,
            Code::TimestampInFuture,
            Message::new(&message::TIMESTAMP_IN_FUTURE, [Value::Quoted(shown())]),
        ));
        return None;
    }
    let describe = || {
        Message::new(
            &message::FIX_TIMESTAMP,
            [Value::Quoted(shown()), Value::Time(parsed.instant)],
        )
    };
    let repair: Option<Repair<'_>> =
        (!parsed.canonical).then_some((Code::FixTimestampFormat, &describe));
    field_fix(fixes, Field::Timestamp, field, repair, rules);
    Some(parsed.instant)
}

/// A value the Netmera format cannot carry: a `;` (possible inside spreadsheet quotes) or a control
/// character such as a line break. Written out, it would shift or split the row.
fn unrepresentable(field: &RawField<'_>, which: Field) -> Option<Problem> {
    // Printable ASCII other than `;` is fine: decided per byte, without decoding characters.
    if field
        .text
        .bytes()
        .all(|b| (0x20..0x7f).contains(&b) && b != b';')
    {
        return None;
    }
    let bad = field.text.chars().find(|&c| c == ';' || c.is_control())?;
    Some(Problem::error(
        which,
        Code::InvalidCharacters,
        Message::new(
            match which {
                Field::Platform => &message::UNREPRESENTABLE_PLATFORM,
                _ => &message::UNREPRESENTABLE_EXTERNAL_ID,
            },
            [Value::Char(bad)],
        ),
    ))
}

/// Fix for a field whose value is taken as it is (platform, external id): quotes, whitespace and
/// invisible characters (SPEC §8, `fix_invisible`: they never reach an output). Returns the value
/// without its invisible characters (and whitespace they hid at its ends) when it had any; `None`
/// when the field is used as it is. Plain ASCII is decided without looking at characters.
fn visible_fix(
    field: &RawField<'_>,
    which: Field,
    fixes: &mut Vec<Problem>,
    rules: &Rules,
) -> Option<CompactString> {
    let text = field.text.as_ref();
    let Some(first) = lenient::first_invisible(text) else {
        field_fix(fixes, which, field, None, rules);
        return None;
    };
    let cleaned = lenient::without_invisible(text);
    let describe = || {
        let count = text.chars().filter(|&c| lenient::is_invisible(c)).count();
        if count == 1 {
            Message::new(&message::FIX_INVISIBLE_ONE, [Value::CodePoint(first)])
        } else {
            Message::new(
                &message::FIX_INVISIBLE_MANY,
                [Value::Num(count as u64), Value::CodePoint(first)],
            )
        }
    };
    field_fix(
        fixes,
        which,
        field,
        Some((Code::FixInvisible, &describe)),
        rules,
    );
    Some(CompactString::from(cleaned.trim()))
}

/// The hint of an invalid field that holds an invisible character (nothing when it holds none).
fn invisible_hint(text: &str) -> Value {
    Value::Invisible(lenient::first_invisible(text))
}

/// A field's own repair: its code, and how to describe it (only called when fixes are described).
type Repair<'a> = (Code, &'a dyn Fn() -> Message);

/// Records the one fix of a field, if it needed any: its own repair (the most specific code) and
/// the removal of quotes or whitespace around it, in one message (left empty when
/// [`Rules::fix_messages`] is off).
fn field_fix(
    fixes: &mut Vec<Problem>,
    which: Field,
    field: &RawField<'_>,
    repair: Option<Repair<'_>>,
    rules: &Rules,
) {
    let Some(code) = repair.map(|r| r.0).or_else(|| layout_code(field)) else {
        return;
    };
    if !rules.describe_fixes() {
        fixes.push(Problem::fix(which, code, Message::default()));
        return;
    }
    let message = repair.map(|r| (r.1)()).unwrap_or_default();
    fixes.push(Problem::fix(
        which,
        code,
        message.with_layout(field.quoted, field.trimmed),
    ));
}

fn layout_code(field: &RawField<'_>) -> Option<Code> {
    if field.quoted {
        Some(Code::FixQuotes)
    } else if field.trimmed {
        Some(Code::FixWhitespace)
    } else {
        None
    }
}

#[cfg(test)]
mod tests;
