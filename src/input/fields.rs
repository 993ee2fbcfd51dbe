//! Splitting one line into fields, separated by `;` (the Netmera format) or by the delimiter
//! `--delimiter` names (`,`, tab).
//!
//! A record is one line: a quote never spans lines, so an unclosed quote is a problem of its own
//! line and cannot swallow the rows after it (SPEC §1). Spreadsheet quoting (RFC 4180, `""` for a
//! quote inside a quoted field) and whitespace around fields are undone here and remembered, so the
//! validator can report them as fixes.

use std::borrow::Cow;

/// One field as written: its text without quotes and surrounding whitespace, and what was removed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RawField<'a> {
    pub text: Cow<'a, str>,
    pub quoted: bool,
    pub trimmed: bool,
}

/// The line has a quote that is not closed, or text after a closing quote, in field `column` (0-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unbalanced {
    pub column: usize,
}

fn is_space(c: char) -> bool {
    c.is_whitespace()
}

/// Whitespace that is not the delimiter (a tab is whitespace, unless it separates the fields).
fn is_space_but(delimiter: u8) -> impl Fn(char) -> bool {
    move |c| is_space(c) && c != char::from(delimiter)
}

/// `trim_start_matches(is_space)` with a fast answer for the common case: an ASCII letter first.
fn trim_start(s: &str, delimiter: u8) -> &str {
    match s.as_bytes().first() {
        Some(&b) if b < 0x80 && !b.is_ascii_whitespace() && b != 0x0b => s,
        _ => s.trim_start_matches(is_space_but(delimiter)),
    }
}

/// `trim_end_matches(is_space)`, fast when the last byte is plain ASCII.
fn trim_end(s: &str, delimiter: u8) -> &str {
    match s.as_bytes().last() {
        Some(&b) if b < 0x80 && !b.is_ascii_whitespace() && b != 0x0b => s,
        _ => s.trim_end_matches(is_space_but(delimiter)),
    }
}

/// How many fields are kept; a row never needs more than six (five and a trailing `;`).
const KEPT: usize = 6;

/// The fields of one line, without a heap allocation: the first six are kept, the rest counted.
#[derive(Debug, Clone, Default)]
pub struct Fields<'a> {
    items: [RawField<'a>; KEPT],
    kept: usize,
    count: usize,
}

impl<'a> Fields<'a> {
    fn push(&mut self, field: RawField<'a>) {
        if self.kept < KEPT {
            self.items[self.kept] = field;
            self.kept += 1;
        }
        self.count += 1;
    }

    /// Every field of the line, including those beyond the kept ones.
    pub fn count(&self) -> usize {
        self.count
    }

    /// Drops the last field (only when all fields are kept).
    pub fn pop(&mut self) {
        if self.count == self.kept && self.kept > 0 {
            self.kept -= 1;
            self.count -= 1;
        }
    }
}

impl<'a> std::ops::Deref for Fields<'a> {
    type Target = [RawField<'a>];

    fn deref(&self) -> &[RawField<'a>] {
        &self.items[..self.kept]
    }
}

/// Splits a line (without its line terminator) into `;`-separated fields.
pub fn split(line: &str) -> Result<Fields<'_>, Unbalanced> {
    split_on(line, b';')
}

/// Splits a line (without its line terminator) into fields separated by `delimiter` (an ASCII
/// byte: `;`, `,` or a tab).
pub fn split_on(line: &str, delimiter: u8) -> Result<Fields<'_>, Unbalanced> {
    let mut fields = Fields::default();
    let mut rest = line;
    loop {
        let column = fields.count();
        let unspaced = trim_start(rest, delimiter);
        let mut trimmed = unspaced.len() != rest.len();
        if let Some(inner) = unspaced.strip_prefix('"') {
            let (text, after) = quoted(inner).ok_or(Unbalanced { column })?;
            let after_trim = after.trim_start_matches(is_space_but(delimiter));
            trimmed |= after_trim.len() != after.len();
            let content_trimmed = text.trim_matches(is_space);
            trimmed |= content_trimmed.len() != text.len();
            let text = match text {
                Cow::Borrowed(t) => Cow::Borrowed(t.trim_matches(is_space)),
                Cow::Owned(t) => Cow::Owned(t.trim_matches(is_space).to_string()),
            };
            fields.push(RawField {
                text,
                quoted: true,
                trimmed,
            });
            if after_trim.is_empty() {
                return Ok(fields);
            }
            match after_trim.strip_prefix(char::from(delimiter)) {
                Some(next) => rest = next,
                None => return Err(Unbalanced { column }),
            }
        } else {
            let (raw, next) = match memchr::memchr(delimiter, unspaced.as_bytes()) {
                Some(i) => (&unspaced[..i], Some(&unspaced[i + 1..])),
                None => (unspaced, None),
            };
            let text = trim_end(raw, delimiter);
            trimmed |= text.len() != raw.len();
            fields.push(RawField {
                text: Cow::Borrowed(text),
                quoted: false,
                trimmed,
            });
            match next {
                Some(next) => rest = next,
                None => return Ok(fields),
            }
        }
    }
}

/// Reads a quoted field's content after its opening quote: the content (with `""` undone) and the
/// text after the closing quote, or `None` when the quote is never closed.
fn quoted(s: &str) -> Option<(Cow<'_, str>, &str)> {
    let mut owned: Option<String> = None;
    let mut start = 0;
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'"' {
            if bytes.get(i + 1) == Some(&b'"') {
                let buf = owned.get_or_insert_with(String::new);
                buf.push_str(&s[start..=i]);
                i += 2;
                start = i;
                continue;
            }
            let text = match owned {
                Some(mut buf) => {
                    buf.push_str(&s[start..i]);
                    Cow::Owned(buf)
                }
                None => Cow::Borrowed(&s[..i]),
            };
            return Some((text, &s[i + 1..]));
        }
        i += 1;
    }
    None
}

/// A forgiving split used only to judge whether a broken row is still readable (SPEC §2):
/// plain `;` splitting with quotes and whitespace stripped.
pub fn split_loose(line: &str) -> Vec<&str> {
    split_loose_on(line, b';')
}

/// [`split_loose`] on another delimiter.
pub fn split_loose_on(line: &str, delimiter: u8) -> Vec<&str> {
    let space = is_space_but(delimiter);
    line.split(char::from(delimiter))
        .map(|f| f.trim_matches(|c: char| space(c) || c == '"'))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(line: &str) -> Vec<String> {
        split(line)
            .map(|f| f.iter().map(|f| f.text.to_string()).collect())
            .unwrap_or_default()
    }

    #[test]
    fn plain_fields() {
        let f = split("a;b;ONAY;15.05.2025 14:23:00;x").unwrap_or_default();
        assert_eq!(f.len(), 5);
        assert!(f.iter().all(|f| !f.quoted && !f.trimmed));
        assert_eq!(f[3].text, "15.05.2025 14:23:00");
    }

    #[test]
    fn whitespace_around_fields_is_trimmed_and_remembered() {
        let f = split("a; b ;ONAY").unwrap_or_default();
        assert_eq!(texts("a; b ;ONAY"), ["a", "b", "ONAY"]);
        assert!(!f[0].trimmed && f[1].trimmed && !f[2].trimmed);
    }

    #[test]
    fn unicode_and_control_whitespace_is_trimmed_too() {
        assert_eq!(
            texts("\u{a0}a\u{a0};\u{b}b\u{b};\u{3000}c"),
            ["a", "b", "c"]
        );
    }

    #[test]
    fn quoted_fields_are_unquoted() {
        let f = split("\"a;b\";\"say \"\"hi\"\"\"; \" c \" ;d").unwrap_or_default();
        assert_eq!(f[0].text, "a;b");
        assert!(f[0].quoted && !f[0].trimmed);
        assert_eq!(f[1].text, "say \"hi\"");
        assert_eq!(f[2].text, "c");
        assert!(f[2].quoted && f[2].trimmed);
        assert_eq!(f[3].text, "d");
    }

    #[test]
    fn empty_fields_count() {
        assert_eq!(texts(";;"), ["", "", ""]);
        assert_eq!(texts("a;b;c;d;"), ["a", "b", "c", "d", ""]);
        assert_eq!(texts("\"\";x"), ["", "x"]);
    }

    #[test]
    fn fields_beyond_six_are_counted_not_kept() {
        let f = split("a;b;c;d;e;f;g;h").unwrap_or_default();
        assert_eq!((f.len(), f.count()), (6, 8));
        assert_eq!(f[5].text, "f");
    }

    #[test]
    fn unclosed_quote_is_unbalanced() {
        assert_eq!(split("a;\"b;c;d").err(), Some(Unbalanced { column: 1 }));
        assert_eq!(split("\"a\"x;b").err(), Some(Unbalanced { column: 0 }));
    }

    #[test]
    fn quote_inside_an_unquoted_field_is_literal() {
        assert_eq!(texts("ab\"c;d"), ["ab\"c", "d"]);
    }

    #[test]
    fn other_delimiters_split_the_same_way() {
        let f = split_on("a, \"b,c\" ,ONAY", b',').unwrap_or_default();
        let t: Vec<&str> = f.iter().map(|f| f.text.as_ref()).collect();
        assert_eq!(t, ["a", "b,c", "ONAY"]);
        // A tab delimiter is not trimmed away as whitespace: empty fields stay fields.
        let f = split_on("a\t\t b\t", b'\t').unwrap_or_default();
        let t: Vec<&str> = f.iter().map(|f| f.text.as_ref()).collect();
        assert_eq!(t, ["a", "", "b", ""]);
        // Under `,` a `;` is data.
        assert_eq!(split_on("a;b,c", b',').map(|f| f.count()), Ok(2));
        assert_eq!(split_loose_on("a\t\"RET\"\tx", b'\t'), ["a", "RET", "x"]);
    }

    #[test]
    fn loose_split_strips_quotes() {
        assert_eq!(split_loose("a; \"RET;x"), ["a", "RET", "x"]);
    }
}
