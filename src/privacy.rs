//! Making untrusted values safe to show: terminal escaping and recipient masking (SPEC §6).

use std::borrow::Cow;

/// Escapes control characters (including ESC, so no terminal sequences survive) and Unicode
/// bidi/format controls. Printable text, Turkish letters included, is left alone.
pub fn sanitize(value: &str) -> Cow<'_, str> {
    if !value.chars().any(needs_escape) {
        return Cow::Borrowed(value);
    }
    let mut out = String::with_capacity(value.len() + 8);
    for c in value.chars() {
        if needs_escape(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Masks a recipient as written: `u***@example.com` for anything with an `@`,
/// `90533*****62` for digit strings, and a first-character-and-stars form otherwise.
pub fn mask_recipient(value: &str) -> String {
    if let Some(at) = value.rfind('@') {
        let (local, domain) = value.split_at(at);
        let first: String = local.chars().take(1).collect();
        return format!("{first}***{domain}");
    }
    let chars: Vec<char> = value.chars().collect();
    let digits = chars.iter().filter(|c| c.is_ascii_digit()).count();
    let phone_like = chars
        .iter()
        .enumerate()
        .all(|(i, &c)| c.is_ascii_digit() || (i == 0 && c == '+'));
    if phone_like && digits >= 8 {
        // Keep the first five and the last two digits, star the rest.
        let mut seen = 0usize;
        return chars
            .iter()
            .map(|&c| {
                if c == '+' {
                    return c;
                }
                seen += 1;
                if seen <= 5 || seen > digits - 2 {
                    c
                } else {
                    '*'
                }
            })
            .collect();
    }
    match chars.first() {
        Some(c) => format!("{c}***"),
        None => String::new(),
    }
}

/// How many characters of a field value a message echoes (SPEC §8).
pub const ECHO_LIMIT: usize = 200;

/// The first [`ECHO_LIMIT`] characters of `value`, and whether anything was cut.
fn clip(value: &str) -> (&str, bool) {
    match value.char_indices().nth(ECHO_LIMIT) {
        Some((end, _)) => (&value[..end], true),
        None => (value, false),
    }
}

/// How field values appear in messages: at most [`ECHO_LIMIT`] characters of them (cut with
/// `…`), recipients masked when redaction is on, always sanitised.
#[derive(Debug, Clone, Copy, Default)]
pub struct Shown {
    pub redact: bool,
}

impl Shown {
    pub fn recipient(&self, value: &str) -> String {
        let (head, cut) = clip(value);
        let mut shown = if self.redact {
            sanitize(&mask_recipient(head)).into_owned()
        } else {
            sanitize(head).into_owned()
        };
        if cut {
            shown.push('…');
        }
        shown
    }

    pub fn value(&self, value: &str) -> String {
        let (head, cut) = clip(value);
        let mut shown = sanitize(head).into_owned();
        if cut {
            shown.push('…');
        }
        shown
    }
}

/// Masks tokens that look like an email address or a phone number.
pub fn scrub_recipients(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    for (i, token) in message.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let core = token.trim_matches(|c: char| "\"'`,;:.!?()[]{}<>".contains(c));
        if looks_like_email(core) || looks_like_phone(core) {
            out.push_str(&token.replace(core, "***"));
        } else {
            out.push_str(token);
        }
    }
    out
}

fn looks_like_email(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !s.contains(['^', '$', '\\', '(', ')', '[', ']', '{', '}', '*', '|'])
}

fn looks_like_phone(s: &str) -> bool {
    let digits = s.chars().filter(char::is_ascii_digit).count();
    digits >= 7
        && s.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | '(' | ')' | '.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_email_keeping_first_letter_and_domain() {
        assert_eq!(mask_recipient("user@example.com"), "u***@example.com");
    }

    #[test]
    fn masks_phone_keeping_five_and_two_digits() {
        assert_eq!(mask_recipient("905331234562"), "90533*****62");
        assert_eq!(mask_recipient("+905331234562"), "+90533*****62");
    }

    #[test]
    fn masks_other_values() {
        assert_eq!(mask_recipient("abc"), "a***");
        assert_eq!(mask_recipient("0532 123 45 67"), "0***");
        assert_eq!(mask_recipient(""), "");
    }

    #[test]
    fn messages_echo_at_most_200_characters() {
        let shown = Shown::default();
        let exact = "é".repeat(ECHO_LIMIT);
        assert_eq!(shown.value(&exact), exact, "200 characters are shown whole");
        let long = format!("{exact}x");
        assert_eq!(shown.value(&long), format!("{exact}…"));
        let huge = format!("{}@example.com", "a".repeat(10 * 1024 * 1024));
        let echoed = shown.recipient(&huge);
        assert_eq!(echoed, format!("{}…", "a".repeat(ECHO_LIMIT)));
        let redacted = Shown { redact: true }.recipient(&huge);
        assert!(redacted.chars().count() <= ECHO_LIMIT + 1, "{redacted}");
        assert!(redacted.ends_with('…'));
        // Escaping is applied to what is shown; the cut is on characters of the value.
        let controls = "\u{1b}".repeat(300);
        let escaped = shown.value(&controls);
        assert!(!escaped.contains('\u{1b}'));
        assert_eq!(escaped, format!("{}…", "\\u{1b}".repeat(ECHO_LIMIT)));
    }

    #[test]
    fn sanitize_escapes_terminal_sequences() {
        assert_eq!(sanitize("a\u{1b}[31mb"), "a\\u{1b}[31mb");
        assert_eq!(sanitize("tab\there"), "tab\\there");
        assert_eq!(sanitize("Şükrü"), "Şükrü");
        assert!(matches!(sanitize("plain"), Cow::Borrowed(_)));
        assert_eq!(sanitize("x\u{202E}y"), "x\\u{202e}y");
    }

    #[test]
    fn scrubbing() {
        assert_eq!(
            scrub_recipients(
                "identifiers.*.regexp(^.+@.+\\..+$): not a valid email address: a.b@c.com"
            ),
            "identifiers.*.regexp(^.+@.+\\..+$): not a valid email address: ***"
        );
        assert_eq!(
            scrub_recipients(
                "identifiers.*.regexp(^\\+[1-9]\\d{6,14}$): user has an invalid phone number: +905321234567"
            ),
            "identifiers.*.regexp(^\\+[1-9]\\d{6,14}$): user has an invalid phone number: ***"
        );
        assert_eq!(
            scrub_recipients("event_group_id parameter is required on purchase event"),
            "event_group_id parameter is required on purchase event"
        );
    }
}
