//! The message of a problem: a catalogue key (`i18n/*/problems.ftl`) and its arguments, rendered in
//! the language of whoever reads it (SPEC §12). The text summary, the HTML report and the rejects
//! file render in the run's language; the machine formats and `--report` in English, which stays
//! stable for CI greps.
//!
//! Building a message on the hot path costs no more than the values it carries: a message without
//! arguments allocates nothing, and the words are only looked up when it is rendered. Rendering
//! does not go through Fluent per problem (9M problems are written at about 1M rows/s): each key
//! is rendered by Fluent once per language with placeholders for its arguments
//! ([`crate::i18n::Template`]), and every message of that key is that template with its values put
//! in. The texts stay in the catalogues alone.

use std::fmt;
use std::sync::{Arc, OnceLock};

use crate::i18n::{Lang, Template};

/// A catalogue key and the names of its arguments, in the order a [`Message`] gives their values.
pub struct Key {
    pub id: &'static str,
    pub args: &'static [&'static str],
    templates: OnceLock<[Template; 2]>,
}

impl Key {
    pub const fn new(id: &'static str, args: &'static [&'static str]) -> Key {
        Key {
            id,
            args,
            templates: OnceLock::new(),
        }
    }

    fn template(&self, lang: Lang) -> &Template {
        let [en, tr] = self.templates.get_or_init(|| {
            [
                Template::compile(Lang::En, self.id, self.args),
                Template::compile(Lang::Tr, self.id, self.args),
            ]
        });
        match lang {
            Lang::En => en,
            Lang::Tr => tr,
        }
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id)
    }
}

impl PartialEq for Key {
    fn eq(&self, other: &Key) -> bool {
        self.id == other.id
    }
}

impl Eq for Key {}

/// A value put into a message. Values from the input are kept verbatim in every language (they
/// are already cut at 200 characters and escaped, SPEC §8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// Shown in double quotes, escaped as Rust's `{:?}` does (`"RED"`).
    Quoted(String),
    /// Shown as it is.
    Text(String),
    Static(&'static str),
    /// A count, grouped in the language's notation (`70,000` / `70.000`).
    Num(u64),
    /// A character named by its code point (`U+200B`).
    CodePoint(char),
    /// A character in single quotes, escaped (`';'`, `'\n'`).
    Char(char),
    /// The note that a value holds an invisible character (` (it contains … U+200B; remove it)`),
    /// or nothing.
    Invisible(Option<char>),
    /// A Netmera timestamp (`15.05.2025 14:23:00`) of Unix seconds.
    Time(i64),
}

/// The notes a fix adds after its own text, each one `; `-joined ([`Message::with_layout`]).
const NOTE_QUOTES: u8 = 1;
const NOTE_TRIMMED: u8 = 2;

/// A problem's message. `Default` is the empty message (fixes nobody reads, [`super::Rules`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Message {
    key: Option<&'static Key>,
    /// The key's values in the order of [`Key::args`]; for a message without a key, the text
    /// itself ([`Message::literal`]). Shared: a problem is cloned on its way to each output.
    args: Option<Arc<[Value]>>,
    notes: u8,
}

impl Message {
    /// A message of `key` with its values (as many as the key has arguments, in their order).
    pub fn new<const N: usize>(key: &'static Key, args: [Value; N]) -> Message {
        debug_assert_eq!(key.args.len(), N, "the arguments of {}", key.id);
        Message {
            key: Some(key),
            args: (N > 0).then(|| Arc::from(args)),
            notes: 0,
        }
    }

    /// A message of a key without arguments (allocates nothing).
    pub fn of(key: &'static Key) -> Message {
        Message {
            key: Some(key),
            args: None,
            notes: 0,
        }
    }

    /// A text that is not in the catalogues, shown as it is in every language (in Turkish after
    /// the code's description). For messages built elsewhere that have no key yet.
    pub fn literal(text: impl Into<String>) -> Message {
        let text = text.into();
        if text.is_empty() {
            return Message::default();
        }
        Message {
            key: None,
            args: Some(Arc::from([Value::Text(text)])),
            notes: 0,
        }
    }

    /// Adds the notes of a field's layout: quotes removed, surrounding whitespace trimmed.
    pub fn with_layout(mut self, quoted: bool, trimmed: bool) -> Message {
        if quoted {
            self.notes |= NOTE_QUOTES;
        }
        if trimmed {
            self.notes |= NOTE_TRIMMED;
        }
        self
    }

    /// The catalogue key (`None` for the empty message and literals).
    pub fn key(&self) -> Option<&'static str> {
        self.key.map(|k| k.id)
    }

    pub fn is_empty(&self) -> bool {
        self.key.is_none() && self.args.is_none() && self.notes == 0
    }

    fn args(&self) -> &[Value] {
        self.args.as_deref().unwrap_or_default()
    }

    /// The catalogue keys the message is rendered from: its own, the invisible-character hint it
    /// holds, the layout notes.
    pub fn keys(&self) -> Vec<&'static str> {
        let mut keys: Vec<&'static str> = self.key.map(|k| k.id).into_iter().collect();
        if self
            .args()
            .iter()
            .any(|a| matches!(a, Value::Invisible(Some(_))))
        {
            keys.push(INVISIBLE_HINT.id);
        }
        for (bit, key) in [
            (NOTE_QUOTES, &NOTE_QUOTES_KEY),
            (NOTE_TRIMMED, &NOTE_TRIMMED_KEY),
        ] {
            if self.notes & bit != 0 {
                keys.push(key.id);
            }
        }
        keys
    }

    /// Whether the text is not in the catalogues ([`Message::literal`]).
    pub fn is_literal(&self) -> bool {
        self.key.is_none() && self.args.is_some()
    }

    /// The message in `lang`.
    pub fn render(&self, lang: Lang) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = self.write(lang, &mut out);
        out
    }

    /// The message in `lang`, as a value to format or serialise without building a String.
    pub fn display(&self, lang: Lang) -> Rendered<'_> {
        Rendered {
            message: self,
            lang,
        }
    }

    /// Writes the message in `lang` to `out`.
    pub fn write(&self, lang: Lang, out: &mut impl fmt::Write) -> fmt::Result {
        let mut first = true;
        match self.key {
            Some(key) => {
                write_key(key, self.args(), lang, out)?;
                first = false;
            }
            None => {
                if let Some(Value::Text(text)) = self.args().first() {
                    out.write_str(text)?;
                    first = false;
                }
            }
        }
        for (bit, key) in [
            (NOTE_QUOTES, &NOTE_QUOTES_KEY),
            (NOTE_TRIMMED, &NOTE_TRIMMED_KEY),
        ] {
            if self.notes & bit != 0 {
                if !first {
                    out.write_str("; ")?;
                }
                write_key(key, &[], lang, out)?;
                first = false;
            }
        }
        Ok(())
    }
}

/// The English message, as the checks always wrote it.
impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write(Lang::En, f)
    }
}

impl From<&str> for Message {
    fn from(text: &str) -> Message {
        Message::literal(text)
    }
}

impl From<String> for Message {
    fn from(text: String) -> Message {
        Message::literal(text)
    }
}

impl From<&'static Key> for Message {
    fn from(key: &'static Key) -> Message {
        Message::of(key)
    }
}

/// A message in a language, formatted on demand ([`Message::display`]).
#[derive(Clone, Copy)]
pub struct Rendered<'a> {
    message: &'a Message,
    lang: Lang,
}

impl fmt::Display for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.message.write(self.lang, f)
    }
}

impl serde::Serialize for Rendered<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

fn write_key(key: &Key, args: &[Value], lang: Lang, out: &mut impl fmt::Write) -> fmt::Result {
    key.template(lang).write(out, |i, out| match args.get(i) {
        Some(v) => write_value(v, lang, out),
        None => Ok(()),
    })
}

fn write_value(value: &Value, lang: Lang, out: &mut dyn fmt::Write) -> fmt::Result {
    match value {
        // In double quotes. The value is already escaped for a terminal (`privacy::sanitize`:
        // invisible and control characters as `\u{200b}`), so only a quote is escaped here (a
        // second escaping would show `\\u{200b}`); a control character left is escaped anyway.
        Value::Quoted(s) => {
            out.write_char('"')?;
            for c in s.chars() {
                match c {
                    '"' => out.write_str("\\\"")?,
                    c if c.is_control() => write!(out, "{}", c.escape_debug())?,
                    c => out.write_char(c)?,
                }
            }
            out.write_char('"')
        }
        Value::Text(s) => out.write_str(s),
        Value::Static(s) => out.write_str(s),
        Value::Num(n) => out.write_str(&lang.num(*n)),
        Value::CodePoint(c) => write!(out, "U+{:04X}", *c as u32),
        Value::Char(c) => write!(out, "{c:?}"),
        Value::Invisible(None) => Ok(()),
        Value::Invisible(Some(c)) => {
            let mut inner = Adapter(out);
            write_key(&INVISIBLE_HINT, &[Value::CodePoint(*c)], lang, &mut inner)
        }
        Value::Time(t) => out.write_str(&super::timestamp::format_netmera(*t)),
    }
}

/// `&mut dyn fmt::Write` as a sized writer.
struct Adapter<'a>(&'a mut dyn fmt::Write);

impl fmt::Write for Adapter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0.write_str(s)
    }
}

macro_rules! keys {
    ($($name:ident = $id:literal [$($arg:literal),*];)*) => {
        $(pub static $name: Key = Key::new($id, &[$($arg),*]);)*
        /// Every key of `i18n/*/problems.ftl`.
        pub static ALL: &[&Key] = &[$(&$name),*];
    };
}

keys! {
    NOTE_QUOTES_KEY = "problem-note-quotes" [];
    NOTE_TRIMMED_KEY = "problem-note-trimmed" [];
    INVISIBLE_HINT = "problem-invisible-hint" ["char"];
    INVALID_ENCODING = "problem-invalid-encoding" [];
    LINE_TOO_LONG = "problem-line-too-long" ["length"];
    UNBALANCED_QUOTE = "problem-unbalanced-quote" ["column"];
    FIELD_COUNT = "problem-field-count" ["found"];
    PLATFORM_EMPTY = "problem-platform-empty" [];
    PLATFORM_INVISIBLE_ONLY = "problem-platform-invisible-only" [];
    TRAILING_SEPARATOR = "problem-fix-trailing-separator" [];
    RECIPIENT_EMPTY = "problem-recipient-empty" [];
    WRONG_CHANNEL_EMAIL = "problem-wrong-channel-email" ["value"];
    WRONG_CHANNEL_SMS = "problem-wrong-channel-sms" ["value"];
    EMAIL_INVISIBLE = "problem-email-invisible" ["value", "char"];
    EMAIL_NON_ASCII = "problem-email-non-ascii" ["value"];
    EMAIL_MALFORMED = "problem-email-malformed" ["value"];
    EMAIL_TOO_LONG = "problem-email-too-long" ["value", "max", "local", "label"];
    EMAIL_NOT_A_DOMAIN = "problem-email-not-a-domain" ["value"];
    PHONE_SCIENTIFIC = "problem-phone-scientific" ["value"];
    PHONE_INVALID = "problem-phone-invalid" ["value", "invisible"];
    PHONE_NOT_MOBILE = "problem-phone-not-mobile" ["value"];
    PERMISSION_RED = "problem-permission-red" ["value", "invisible"];
    PERMISSION_INVALID = "problem-permission-invalid" ["value", "invisible"];
    TIMESTAMP_UNPARSABLE = "problem-timestamp-unparsable" ["value", "invisible"];
    TIMESTAMP_IMPOSSIBLE = "problem-timestamp-impossible" ["value", "invisible"];
    TIMESTAMP_SKIPPED = "problem-timestamp-skipped" ["value", "invisible"];
    TIMESTAMP_TOO_EARLY = "problem-timestamp-too-early" ["value"];
    TIMESTAMP_IN_FUTURE = "problem-timestamp-in-future" ["value"];
    UNREPRESENTABLE_PLATFORM = "problem-unrepresentable-platform" ["char"];
    UNREPRESENTABLE_EXTERNAL_ID = "problem-unrepresentable-external-id" ["char"];
    FIX_EMAIL = "problem-fix-email" [];
    FIX_PHONE = "problem-fix-phone" ["value", "canonical"];
    FIX_PERMISSION = "problem-fix-permission" ["value", "canonical"];
    FIX_TIMESTAMP = "problem-fix-timestamp" ["value", "canonical"];
    FIX_INVISIBLE_ONE = "problem-fix-invisible-one" ["char"];
    FIX_INVISIBLE_MANY = "problem-fix-invisible-many" ["count", "char"];
    WITHHELD_UNREADABLE = "problem-withheld-unreadable" [];
    WITHHELD_NOT_EARLIER = "problem-withheld-not-earlier" ["time"];
    WITHHELD_PENDING = "problem-withheld-pending" ["time"];
    CONFLICT = "problem-conflict" ["time"];
    STALE = "problem-stale" ["ledger_permission", "ledger_time", "permission", "time"];
    API_REFUSED = "problem-api-refused" ["text"];
    API_REFUSED_EARLIER = "problem-api-refused-earlier" ["text"];
    TOO_LARGE = "problem-too-large" ["bytes", "max"];
    HEADER_ROW = "problem-header-row" [];
    REJECTS_WITHHOLDING = "problem-rejects-withholding" ["recipient"];
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn messages_without_arguments_allocate_nothing_and_are_small() {
        let m = Message::of(&INVALID_ENCODING);
        assert!(m.args.is_none());
        assert!(std::mem::size_of::<Message>() <= 32);
        assert!(std::mem::size_of::<super::super::Problem>() <= 40);
    }

    #[test]
    fn every_key_renders_every_argument_in_both_languages() {
        for key in ALL {
            for lang in [Lang::En, Lang::Tr] {
                let t = key.template(lang);
                assert!(
                    !t.is_missing(),
                    "{} is not in the {lang:?} catalogue",
                    key.id
                );
                for (i, name) in key.args.iter().enumerate() {
                    assert!(t.uses(i), "{} in {lang:?} does not show ${name}", key.id);
                }
                let text = t.literal_text();
                assert!(
                    !text.contains('{'),
                    "{} in {lang:?} has a stray placeable: {text}",
                    key.id
                );
            }
        }
    }

    #[test]
    fn templates_render_as_fluent_does() {
        // The fast path and Fluent agree: the same values through both.
        let args = [("value", "\"RED\""), ("invisible", "")];
        for lang in [Lang::En, Lang::Tr] {
            let fluent = lang.ta(
                PERMISSION_RED.id,
                &args.map(|(k, v)| (k, crate::i18n::Arg::S(v.to_string()))),
            );
            let fast = Message::new(
                &PERMISSION_RED,
                [Value::Quoted("RED".into()), Value::Invisible(None)],
            )
            .render(lang);
            assert_eq!(fast, fluent);
        }
    }

    /// English words that a Turkish message must not have kept.
    pub(crate) const ENGLISH: &[&str] = &[
        "is not",
        "did you mean",
        "remove it",
        " the ",
        "written as",
        "removed",
        "write ",
        "contains",
        "neither",
        "trimmed",
        "found ",
        "refused",
        " row",
        "recipient",
    ];

    /// A value for each argument, by its name.
    fn sample(name: &str) -> Value {
        match name {
            "value" => Value::Quoted("örnek değer".into()),
            "char" => Value::CodePoint('\u{200B}'),
            "invisible" => Value::Invisible(Some('\u{2060}')),
            "time" => Value::Time(1_749_538_800),
            "canonical" | "permission" => Value::Static("RET"),
            "ledger_permission" => Value::Static("ONAY"),
            "ledger_time" => Value::Text("2025-06-01T10:00:00+03:00".into()),
            "text" => Value::Text("X-17".into()),
            "recipient" => Value::Text("u***@example.com".into()),
            _ => Value::Num(70_000),
        }
    }

    #[test]
    fn every_key_reads_in_turkish() {
        for key in ALL {
            let m = Message {
                key: Some(key),
                args: Some(key.args.iter().map(|a| sample(a)).collect()),
                notes: 0,
            };
            let (en, tr) = (m.render(Lang::En), m.render(Lang::Tr));
            assert_ne!(en, tr, "{} is not translated", key.id);
            for word in ENGLISH {
                assert!(!tr.contains(word), "{}: {word:?} in {tr:?}", key.id);
            }
            for (name, value) in key.args.iter().zip(m.args().iter()) {
                let shown = match value {
                    Value::Num(_) => continue,
                    Value::Invisible(_) => "U+2060".to_string(),
                    v => {
                        let mut s = String::new();
                        write_value(v, Lang::Tr, &mut s).expect("a String");
                        s
                    }
                };
                assert!(
                    tr.contains(&shown),
                    "{}: ${name} {shown:?} not in {tr:?}",
                    key.id
                );
                assert!(
                    en.contains(&shown),
                    "{}: ${name} {shown:?} not in {en:?}",
                    key.id
                );
            }
        }
        // Numbers are grouped in each language's notation.
        let long = Message::new(&LINE_TOO_LONG, [Value::Num(70_000)]);
        assert!(long.render(Lang::En).contains("70,000 bytes"));
        assert!(long.render(Lang::Tr).contains("70.000 bayt"));
    }

    #[test]
    fn literals_and_notes() {
        assert_eq!(Message::literal("as it is").render(Lang::Tr), "as it is");
        assert!(Message::literal("").is_empty());
        let m = Message::of(&FIX_EMAIL).with_layout(true, true);
        assert_eq!(
            m.render(Lang::En),
            "upper-case letters lower-cased; quotes removed; surrounding whitespace trimmed"
        );
        let only = Message::default().with_layout(false, true);
        assert_eq!(only.to_string(), "surrounding whitespace trimmed");
        assert!(!only.is_empty());
    }
}
