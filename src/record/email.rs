//! Email recipients: İYS accepts plain ASCII addresses with a dotted domain.

use compact_str::CompactString;
use email_address::{EmailAddress, Options};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailError {
    /// Letters outside ASCII (`ş`, `ı`, …), which İYS refuses.
    NonAscii,
    /// Not an address, or a domain without a dot.
    Malformed,
}

const OPTIONS: Options = Options {
    minimum_sub_domains: 2,
    allow_domain_literal: false,
    allow_display_text: false,
};

/// Validates an email (already trimmed) and returns it lower-cased.
pub fn normalize(raw: &str) -> Result<CompactString, EmailError> {
    if let Some(lower) = fast_normalize(raw) {
        return Ok(lower);
    }
    if !raw.is_ascii() {
        return Err(EmailError::NonAscii);
    }
    let mut lower = CompactString::from(raw);
    lower.as_mut_str().make_ascii_lowercase();
    if EmailAddress::parse_with_options(&lower, OPTIONS).is_err() {
        return Err(EmailError::Malformed);
    }
    // The crate accepts quoted local parts and comments that no sender system means; keep the
    // common, unambiguous shape only: no quotes, spaces or brackets anywhere.
    if lower.bytes().any(|c| {
        matches!(
            c,
            b'"' | b' ' | b'(' | b')' | b'[' | b']' | b'<' | b'>' | b',' | b'\\'
        )
    }) {
        return Err(EmailError::Malformed);
    }
    Ok(lower)
}

/// Byte classes of the fast path: the local part's characters, a domain label's, letters.
const LOCAL: u8 = 1;
const LABEL: u8 = 2;
const ALPHA: u8 = 4;

const CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = if b.is_ascii_alphabetic() {
            LOCAL | LABEL | ALPHA
        } else if b.is_ascii_digit() || b == b'-' {
            LOCAL | LABEL
        } else if matches!(b, b'.' | b'_' | b'%' | b'+') {
            LOCAL
        } else {
            0
        };
        c += 1;
    }
    t
};

/// The common shape in one pass over the bytes, lower-cased: `Some` exactly when the address is
/// ASCII and [`fast_ok`] accepts its lower-cased form (a property test holds the two together), so
/// it never accepts what the parser refuses. `None` sends the address to the parser.
fn fast_normalize(raw: &str) -> Option<CompactString> {
    let b = raw.as_bytes();
    let at = memchr::memchr(b'@', b)?;
    let (local, domain) = (&b[..at], &b[at + 1..]);
    if local.is_empty()
        || local.len() > 64
        || domain.len() > 253
        || local[0] == b'.'
        || local[local.len() - 1] == b'.'
    {
        return None;
    }
    let mut upper = false;
    let mut prev_dot = false;
    for &c in local {
        let dot = c == b'.';
        if CLASS[usize::from(c)] & LOCAL == 0 || (dot && prev_dot) {
            return None;
        }
        prev_dot = dot;
        upper |= c.is_ascii_uppercase();
    }
    // Labels: checked at each dot and at the end; the last one is the TLD.
    let (mut labels, mut len, mut first, mut last, mut letters) = (0, 0usize, 0u8, 0u8, true);
    let label_ok =
        |len: usize, first: u8, last: u8| (1..=63).contains(&len) && first != b'-' && last != b'-';
    for &c in domain {
        if c == b'.' {
            if !label_ok(len, first, last) {
                return None;
            }
            labels += 1;
            len = 0;
            letters = true;
            continue;
        }
        let class = CLASS[usize::from(c)];
        if class & LABEL == 0 {
            return None;
        }
        if len == 0 {
            first = c;
        }
        last = c;
        len += 1;
        letters &= class & ALPHA != 0;
        upper |= c.is_ascii_uppercase();
    }
    if !label_ok(len, first, last) || len < 2 || !letters || labels < 1 {
        return None;
    }
    let mut lower = CompactString::from(raw);
    if upper {
        lower.as_mut_str().make_ascii_lowercase();
    }
    Some(lower)
}

/// Whether every byte of `bytes` has `class` (no branch per byte).
#[cfg(test)]
fn all_in(bytes: &[u8], class: u8) -> bool {
    bytes
        .iter()
        .fold(class, |acc, &c| acc & CLASS[usize::from(c)])
        == class
}

/// The common shape, checked without the parser: `local@label.label…` with letters, digits and
/// `._%+-` in the local part, letters, digits and `-` in labels, no empty label, and a TLD of letters.
/// Anything it does not accept goes to the parser; it never accepts what the parser refuses.
/// The reference [`fast_normalize`] is tested against.
#[cfg(test)]
fn fast_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let Some(at) = memchr::memchr(b'@', b) else {
        return false;
    };
    let (local, domain) = (&b[..at], &b[at + 1..]);
    if local.is_empty()
        || local.len() > 64
        || domain.len() > 253
        || local[0] == b'.'
        || local[local.len() - 1] == b'.'
        || !all_in(local, LOCAL)
        || local.windows(2).any(|w| w == b"..")
    {
        return false;
    }
    // Domain labels: letters, digits and `-`, none empty, none starting or ending with `-`,
    // at most 63 bytes; at least two labels; a TLD of at least two letters.
    let mut labels = 0;
    let mut last: &[u8] = &[];
    for label in domain.split(|&c| c == b'.') {
        if label.is_empty()
            || label.len() > 63
            || label[0] == b'-'
            || label[label.len() - 1] == b'-'
            || !all_in(label, LABEL)
        {
            return false;
        }
        labels += 1;
        last = label;
    }
    labels >= 2 && last.len() >= 2 && all_in(last, ALPHA)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_addresses_pass_and_are_lower_cased() {
        assert_eq!(normalize("user@example.com"), Ok("user@example.com".into()));
        assert_eq!(
            normalize("User.Name+tag@Example.COM.tr"),
            Ok("user.name+tag@example.com.tr".into())
        );
    }

    #[test]
    fn domain_needs_a_dot() {
        assert_eq!(normalize("user@localhost"), Err(EmailError::Malformed));
    }

    #[test]
    fn malformed_addresses_fail() {
        for bad in [
            "",
            "user",
            "@example.com",
            "user@",
            "us er@example.com",
            "user@@example.com",
            "user@exa mple.com",
            "user@.example.com",
            "user@example..com",
            "\"user\"@example.com",
            "User <user@example.com>",
            "user@[1.2.3.4]",
            "user.@example.com",
            "us..er@example.com",
            "user@-example.com",
            "user@example-.com",
        ] {
            assert_eq!(normalize(bad), Err(EmailError::Malformed), "{bad:?}");
        }
    }

    #[test]
    fn non_ascii_letters_are_refused() {
        assert_eq!(normalize("şükrü@example.com"), Err(EmailError::NonAscii));
        assert_eq!(normalize("user@örnek.com.tr"), Err(EmailError::NonAscii));
    }

    #[test]
    fn fast_path_never_accepts_what_the_parser_refuses() {
        for s in ["a@b.co", "a.b-c_d%e+f@x-y.z.com", "1@2.com", "a@b.c1"] {
            if fast_ok(s) {
                assert!(EmailAddress::parse_with_options(s, OPTIONS).is_ok(), "{s}");
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn one_pass_fast_path_is_the_reference_on_lower_case(
            s in "[a-zA-Z0-9._%+@ş-]{0,10}(@|\\.)?[a-zA-Z0-9.-]{0,10}(\\.[a-zA-Z]{0,3})?"
        ) {
            let expected = (s.is_ascii() && fast_ok(&s.to_ascii_lowercase()))
                .then(|| CompactString::from(s.to_ascii_lowercase()));
            proptest::prop_assert_eq!(fast_normalize(&s), expected, "{}", s);
        }

        #[test]
        fn fast_path_agrees_with_parser(s in "[a-z0-9._%+-]{0,8}@[a-z0-9.-]{0,12}") {
            if fast_ok(&s) {
                proptest::prop_assert!(EmailAddress::parse_with_options(&s, OPTIONS).is_ok(), "{}", s);
            }
        }
    }
}
