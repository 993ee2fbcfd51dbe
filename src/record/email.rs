//! Email recipients: İYS accepts plain ASCII addresses with a dotted domain.

use compact_str::CompactString;
use email_address::{EmailAddress, Options};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailError {
    /// Letters outside ASCII (`ş`, `ı`, …), which İYS refuses.
    NonAscii,
    /// Not an address, or a domain without a dot.
    Malformed,
    /// Over a length limit (SPEC §8): 254 characters in all, 64 before the `@`, 63 a domain label.
    TooLong,
    /// No domain name after the `@` (SPEC §8): an IP literal (`[1.2.3.4]`), an IP address or a
    /// numeric domain (`1.2.3.4`, `123.456`), or a top-level domain that is not letters (`.c1`),
    /// nor `xn--` punycode, or of one letter only (no such TLD exists).
    NotADomainName,
}

/// SPEC §8 limits (RFC 5321: a path of 256 octets with its brackets, a local part of 64, a label of 63).
pub const MAX_LEN: usize = 254;
pub const MAX_LOCAL: usize = 64;
pub const MAX_LABEL: usize = 63;

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
    // Limits first: a 10 MB "address" is refused without parsing it.
    if raw.len() > MAX_LEN {
        return Err(EmailError::TooLong);
    }
    let mut lower = CompactString::from(raw);
    lower.as_mut_str().make_ascii_lowercase();
    if let Some((local, domain)) = lower.rsplit_once('@') {
        if local.len() > MAX_LOCAL || domain.split('.').any(|l| l.len() > MAX_LABEL) {
            return Err(EmailError::TooLong);
        }
        if !domain_is_a_name(domain) {
            return Err(EmailError::NotADomainName);
        }
    }
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
    // Domain labels are host names: letters, digits and `-` (the crate also takes `_`, `!`, `#`…).
    if let Some((_, domain)) = lower.rsplit_once('@')
        && !domain
            .bytes()
            .all(|c| c == b'.' || CLASS[usize::from(c)] & LABEL != 0)
    {
        return Err(EmailError::Malformed);
    }
    Ok(lower)
}

/// Whether a (lower-case) domain of letters, digits, `-` and dots ends in a real top-level
/// domain: at least two letters, or `xn--` punycode. A bracketed IP literal is no name either.
/// Other domains (no dot, an empty last label, other characters) are left to the parser.
fn domain_is_a_name(domain: &str) -> bool {
    if domain.starts_with('[') && domain.ends_with(']') {
        return false;
    }
    if !domain
        .bytes()
        .all(|c| c == b'.' || CLASS[usize::from(c)] & LABEL != 0)
    {
        return true;
    }
    match domain.rsplit_once('.') {
        Some((_, tld)) if !tld.is_empty() => tld_ok(tld.as_bytes()),
        _ => true,
    }
}

/// A top-level domain of letters (two or more), or `xn--` followed by letters, digits and `-`
/// (not ending with `-`).
fn tld_ok(tld: &[u8]) -> bool {
    if let Some(rest) = tld.strip_prefix(b"xn--") {
        return !rest.is_empty()
            && rest.iter().all(|&c| CLASS[usize::from(c)] & LABEL != 0)
            && rest.last() != Some(&b'-');
    }
    tld.len() >= 2 && tld.iter().all(|c| c.is_ascii_alphabetic())
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
    if b.len() > MAX_LEN
        || local.is_empty()
        || local.len() > MAX_LOCAL
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

/// The common shape, checked without the parser: at most 254 bytes, `local@label.label…` with
/// letters, digits and `._%+-` in a local part of at most 64, letters, digits and `-` in labels of
/// at most 63, no empty label, and a TLD of at least two letters (`xn--` TLDs go to the parser).
/// Anything it does not accept goes to the parser; it never accepts what the parser refuses.
/// The reference [`fast_normalize`] is tested against.
#[cfg(test)]
fn fast_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let Some(at) = memchr::memchr(b'@', b) else {
        return false;
    };
    let (local, domain) = (&b[..at], &b[at + 1..]);
    if b.len() > MAX_LEN
        || local.is_empty()
        || local.len() > MAX_LOCAL
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
            "user.@example.com",
            "us..er@example.com",
            "user@-example.com",
            "user@example-.com",
        ] {
            assert_eq!(normalize(bad), Err(EmailError::Malformed), "{bad:?}");
        }
    }

    /// `local@` and a domain of `len` characters ending in `.com`, in labels of at most 63.
    fn address(local: usize, domain: usize) -> String {
        let mut labels = Vec::new();
        let mut left = domain - 4;
        while left > 0 {
            let n = left.min(63);
            // Never leave a lone dot: a label needs at least one character after its dot.
            let n = if left > n && left - n == 1 { n - 1 } else { n };
            labels.push("d".repeat(n));
            left -= n;
            left = left.saturating_sub(1); // the dot before the next label
        }
        let domain = format!("{}.com", labels.join("."));
        format!("{}@{domain}", "a".repeat(local))
    }

    #[test]
    fn length_limits_of_spec_8() {
        let ok = |s: &str| normalize(s).map(|_| ());
        // Local part: 64 accepted, 65 refused.
        assert_eq!(ok(&format!("{}@example.com", "a".repeat(64))), Ok(()));
        assert_eq!(
            ok(&format!("{}@example.com", "a".repeat(65))),
            Err(EmailError::TooLong)
        );
        // Labels: 63 accepted, 64 refused (inner label and TLD-side label alike).
        assert_eq!(ok(&format!("u@{}.com", "b".repeat(63))), Ok(()));
        assert_eq!(
            ok(&format!("u@{}.com", "b".repeat(64))),
            Err(EmailError::TooLong)
        );
        assert_eq!(
            ok(&format!("u@x.{}.com", "B".repeat(64))),
            Err(EmailError::TooLong)
        );
        // The whole address: 254 accepted, 255 refused.
        let at_limit = address(64, 189);
        assert_eq!(at_limit.len(), 254, "{at_limit}");
        assert_eq!(ok(&at_limit), Ok(()));
        assert_eq!(ok(&at_limit.to_uppercase()), Ok(()), "the slow path too");
        let over = address(64, 190);
        assert_eq!(over.len(), 255, "{over}");
        assert_eq!(ok(&over), Err(EmailError::TooLong));
        assert_eq!(
            ok(&format!("{}@example.com", "a".repeat(10 * 1024 * 1024))),
            Err(EmailError::TooLong)
        );
    }

    #[test]
    fn ip_and_numeric_domains_are_no_domain_names() {
        for bad in [
            "user@[1.2.3.4]",
            "user@[IPv6:2001:db8::1]",
            "user@1.2.3.4",
            "user@123.456",
            "user@example.c1",
            "user@example.123",
            "User@Example.C",
            "user@example.c",
            "user@example.x-y",
        ] {
            assert_eq!(normalize(bad), Err(EmailError::NotADomainName), "{bad:?}");
        }
        // Numeric labels before the TLD are fine (163.com is a real mail provider).
        assert_eq!(normalize("user@163.com"), Ok("user@163.com".into()));
    }

    #[test]
    fn punycode_top_level_domains_are_accepted() {
        assert_eq!(
            normalize("user@example.xn--p1ai"),
            Ok("user@example.xn--p1ai".into())
        );
        assert_eq!(
            normalize("User@XN--RNEK-ZOA.XN--P1AI"),
            Ok("user@xn--rnek-zoa.xn--p1ai".into())
        );
        assert_eq!(
            normalize("user@example.xn--"),
            Err(EmailError::NotADomainName)
        );
        assert_eq!(
            normalize("user@example.xn--p1ai-"),
            Err(EmailError::NotADomainName),
            "a TLD ending in `-`"
        );
    }

    #[test]
    fn domain_labels_are_host_names() {
        for bad in [
            "user@ex_ample.com",
            "user@ex!ample.com",
            "user@ex#ample.com",
        ] {
            assert_eq!(normalize(bad), Err(EmailError::Malformed), "{bad:?}");
        }
    }

    /// SPEC §1 and §8 written out independently of both paths: what an accepted address must be.
    fn spec_ok(s: &str) -> bool {
        let Some((local, domain)) = s.rsplit_once('@') else {
            return false;
        };
        let labels: Vec<&str> = domain.split('.').collect();
        let tld = labels.last().copied().unwrap_or_default();
        let host = |l: &str| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
        };
        s.is_ascii()
            && s.len() <= 254
            && !local.is_empty()
            && local.len() <= 64
            && labels.len() >= 2
            && labels.iter().all(|l| host(l))
            && ((tld.len() >= 2 && tld.bytes().all(|c| c.is_ascii_alphabetic()))
                || (tld.starts_with("xn--") && tld.len() > 4))
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

        /// Addresses around every limit (local 64, label 63, whole 254) and with numeric,
        /// one-letter and `xn--` TLDs: the fast path is its reference, and whatever either path
        /// accepts obeys SPEC §8.
        #[test]
        fn both_paths_obey_spec_8_near_the_limits(
            s in "[a-zA-Z0-9._+-]{55,70}@([a-zA-Z0-9-]{1,66}\\.){1,3}([a-zA-Z]{1,3}|[0-9]{1,3}|xn--[a-z0-9]{1,4}|[a-z][0-9])"
        ) {
            let expected = fast_ok(&s.to_ascii_lowercase())
                .then(|| CompactString::from(s.to_ascii_lowercase()));
            proptest::prop_assert_eq!(fast_normalize(&s), expected, "{}", s);
            if fast_ok(&s) {
                proptest::prop_assert!(spec_ok(&s), "fast path accepted {}", s);
            }
            if let Ok(lower) = normalize(&s) {
                proptest::prop_assert!(spec_ok(&lower), "normalize accepted {}", s);
            }
        }
    }
}
