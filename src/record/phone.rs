//! Phone number normalisation for İYS consent records.
//!
//! [`normalize`] turns a number as written by a user into E.164 digits without
//! the leading `+` (e.g. `905321234567`). Turkish numbers must be mobile
//! numbers; numbers of other countries only have to be valid.
//!
//! # Input grammar (shared by the fast and the slow path)
//!
//! * digits `0`–`9` (ASCII only);
//! * separators, ignored: space, tab, NBSP (U+00A0), `-`, `.`, `/`, `(`, `)`;
//! * at most one `+`, and only before the first digit (so `+90 532…` and
//!   `(+90) 532…` are accepted, `90+532…` and `++90…` are not);
//! * anything else (letters, other punctuation, non-ASCII digits) → `Invalid`;
//! * no digit at all → `Invalid`.
//!
//! # Interpretation of the digits
//!
//! With a `+`: international, used as is. Without a `+`:
//! * 12 digits starting `90` → Turkish, `+90…`;
//! * 11 digits starting `0` but not `00` → Turkish national with trunk `0`;
//! * 10 digits starting `2`–`5` → Turkish national number without trunk `0`;
//! * otherwise a `00` prefix is the international prefix (`00` → `+`);
//! * anything else is tried as international (`+` prepended).
//!
//! # Validation
//!
//! The E.164 candidate is parsed and validated with the `phonenumber` crate.
//! A number with country code 90 must be valid *and* of type
//! [`phonenumber::Type::Mobile`]. The TR metadata bundled with
//! `phonenumber 0.3.10+9.0.33` (libphonenumber 9.0.33) defines these types:
//! fixedLine (geographic 2xx/3xx/4xx), mobile, pager (`512…`, "call services"),
//! personalNumber (`592…`, GMPCS satellite), voip (`850…`), tollFree
//! (`800…`/`811…`), premiumRate (`888…`/`898…`/`900…`) and uan (7-digit
//! `444 xxxx`). Only `Mobile` can receive commercial SMS/calls as a personal
//! mobile line, so every other valid type is reported as `NotMobile` (the TR
//! fixed-line and mobile patterns are disjoint, so `FixedLineOrMobile` never
//! occurs for TR and is not accepted either). Numbers of other countries are
//! accepted when valid, whatever their type.
//!
//! # Fast path
//!
//! Parsing through the crate costs microseconds and goes through a
//! process-wide regex-cache mutex. [`normalize`] therefore first tries an
//! exact, allocation-free (apart from the output) decision for the common
//! Turkish forms whose national number is 10 digits starting `2`–`5`. It
//! re-implements the TR `generalDesc`, `fixedLine`, `mobile`, `pager` and
//! `personalNumber` patterns of the bundled metadata
//! (`assets/PhoneNumberMetadata.xml`, territory `TR`), which are the only ones
//! that can match such a number. Everything else falls back to the crate
//! ([`normalize_slow`]). Tests check exhaustively that both paths agree.

use compact_str::CompactString;
use phonenumber::{Mode, Type};

/// Why a phone number was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhoneError {
    /// Not a phone number, or not a valid one.
    Invalid,
    /// A valid Turkish number that is not a mobile number (e.g. a landline).
    NotMobile,
}

/// Turkish country calling code.
const TR_CODE: u16 = 90;

/// Normalise a phone number as written by a user (already trimmed of surrounding whitespace and quotes).
/// Ok(canonical) = E.164 digits WITHOUT the leading '+', e.g. "905321234567".
pub fn normalize(raw: &str) -> Result<CompactString, PhoneError> {
    match fast(raw) {
        Some(result) => result,
        None => normalize_slow(raw).map(CompactString::from),
    }
}

/// Whether a phone field is a number a spreadsheet wrote in scientific notation (SPEC §8:
/// `9.05321E+11`, `9,05321E+11` in a Turkish locale, `5.32123e9`): digits, an optional `.` or `,`
/// and more digits, `E` or `e`, an optional sign, digits. Such a value has lost digits for good.
pub fn is_scientific(raw: &str) -> bool {
    let b = raw.trim().as_bytes();
    let digits = |b: &[u8]| -> usize { b.iter().take_while(|c| c.is_ascii_digit()).count() };
    let mut i = digits(b);
    if i == 0 {
        return false;
    }
    if matches!(b.get(i), Some(b'.' | b',')) {
        i += 1;
        i += digits(&b[i..]);
    }
    if !matches!(b.get(i), Some(b'e' | b'E')) {
        return false;
    }
    i += 1;
    if matches!(b.get(i), Some(b'+' | b'-')) {
        i += 1;
    }
    let exponent = digits(&b[i..]);
    exponent > 0 && i + exponent == b.len()
}

/// Slow reference path: same contract, always via the phonenumber crate (no fast path). Used by tests/benches.
pub fn normalize_slow(raw: &str) -> Result<String, PhoneError> {
    // Deliberately written independently of the byte-level scanner of the
    // fast path, so that the agreement tests also cover the input grammar.
    let mut plus = false;
    let mut digits = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            '0'..='9' => digits.push(c),
            '+' if !plus && digits.is_empty() => plus = true,
            ' ' | '\t' | '\u{a0}' | '-' | '.' | '/' | '(' | ')' => {}
            _ => return Err(PhoneError::Invalid),
        }
    }
    if digits.is_empty() {
        return Err(PhoneError::Invalid);
    }

    // With '+', or 12 digits starting "90": already international.
    let international = if plus || (digits.len() == 12 && digits.starts_with("90")) {
        digits
    } else if digits.len() == 11 && digits.starts_with('0') && !digits.starts_with("00") {
        format!("90{}", &digits[1..])
    } else if digits.len() == 10 && digits.starts_with(['2', '3', '4', '5']) {
        format!("90{digits}")
    } else if let Some(rest) = digits.strip_prefix("00") {
        rest.to_owned()
    } else {
        digits
    };

    let number =
        phonenumber::parse(None, format!("+{international}")).map_err(|_| PhoneError::Invalid)?;
    if !phonenumber::is_valid(&number) {
        return Err(PhoneError::Invalid);
    }
    if number.code().value() == TR_CODE
        && number.number_type(&phonenumber::metadata::DATABASE) != Type::Mobile
    {
        return Err(PhoneError::NotMobile);
    }

    let e164 = number.format().mode(Mode::E164).to_string();
    match e164.strip_prefix('+') {
        Some(stripped) => Ok(stripped.to_owned()),
        None => Ok(e164),
    }
}

/// Longest digit string the fast path looks at (`0090` + 10 digits = 14).
const FAST_MAX_DIGITS: usize = 16;

/// Exact fast path. `None` means "not sure, ask the crate".
fn fast(raw: &str) -> Option<Result<CompactString, PhoneError>> {
    let bytes = raw.as_bytes();
    // Already canonical ("90" + 10 digits): the output is the input.
    if let [b'9', b'0', national @ ..] = bytes
        && let Ok(national) = <&[u8; 10]>::try_from(national)
        && let Some(kind) = classify_tr(national)
    {
        return Some(match kind {
            TrKind::Mobile => Ok(CompactString::from(raw)),
            TrKind::OtherValid => Err(PhoneError::NotMobile),
            TrKind::Invalid => Err(PhoneError::Invalid),
        });
    }
    let mut buf = [0u8; FAST_MAX_DIGITS];
    let mut len = 0usize;
    let mut plus = false;
    let mut i = 0usize;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'0'..=b'9' => {
                if len == FAST_MAX_DIGITS {
                    return None;
                }
                buf[len] = b;
                len += 1;
            }
            b'+' if !plus && len == 0 => plus = true,
            b' ' | b'\t' | b'-' | b'.' | b'/' | b'(' | b')' => {}
            // U+00A0 NO-BREAK SPACE is C2 A0 in UTF-8.
            0xC2 if bytes.get(i + 1) == Some(&0xA0) => i += 1,
            _ => return Some(Err(PhoneError::Invalid)),
        }
        i += 1;
    }
    let digits = &buf[..len];
    if digits.is_empty() {
        return Some(Err(PhoneError::Invalid));
    }

    let national: &[u8] = match (plus, digits) {
        // "+90…" or "90…" (12 digits).
        (_, [b'9', b'0', rest @ ..]) if digits.len() == 12 => rest,
        // "0…" (11 digits, not "00…").
        (false, [b'0', rest @ ..]) if digits.len() == 11 && !rest.starts_with(b"0") => rest,
        // Bare national number (10 digits; first digit checked below).
        (false, _) if digits.len() == 10 => digits,
        // "0090…" (14 digits).
        (false, [b'0', b'0', b'9', b'0', rest @ ..]) if digits.len() == 14 => rest,
        _ => return None,
    };
    let national: &[u8; 10] = national.try_into().ok()?;

    let verdict = match classify_tr(national)? {
        TrKind::Mobile => {
            let mut out = [0u8; 12];
            out[..2].copy_from_slice(b"90");
            out[2..].copy_from_slice(national);
            // All ASCII digits, so this cannot fail; stay total anyway.
            Ok(CompactString::from(std::str::from_utf8(&out).ok()?))
        }
        TrKind::OtherValid => Err(PhoneError::NotMobile),
        TrKind::Invalid => Err(PhoneError::Invalid),
    };
    Some(verdict)
}

/// Type of a Turkish 10-digit national significant number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TrKind {
    Mobile,
    /// Valid, but not mobile (fixed line, pager, personal number).
    OtherValid,
    Invalid,
}

/// Classify a 10-digit TR national number starting with `2`–`5`, exactly as
/// `phonenumber::is_valid` + `number_type` do with the bundled TR metadata.
/// Returns `None` for a first digit outside `2`–`5` (not handled here).
///
/// For such numbers the TR `generalDesc` (`(?:[2-58]\d\d|900)\d{7}`) always
/// matches; premiumRate, tollFree, voip (`8…`/`900…`) and uan (7 digits)
/// never do. The checks of the crate's `number_type`, in its order, that can
/// match are personalNumber, pager, fixedLine and mobile; these patterns
/// (all with possibleLengths national="10") are mutually disjoint:
///
/// ```text
/// personalNumber: 592(?:21[12]|461)\d{4}
/// pager:          512\d{7}
/// fixedLine:      (?:2(?:1[26]|[28][2468]|[3-5][268]|[67][246])
///                   |3(?:[13][28]|[24-6][2468]|[78][02468]|92)
///                   |4(?:[16][246]|[23578][2468]|4[26]))\d{7}
/// mobile:         561(?:011|61\d)\d{4}
///                 |5(?:[03-5]\d|1[06]|24|6[24]|7[245]|9[46])\d{7}
/// ```
fn classify_tr(n: &[u8; 10]) -> Option<TrKind> {
    if !n.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let d = |i: usize| n[i] - b'0';
    let (a, b, c) = (d(0), d(1), d(2));
    let even_nonzero = |x: u8| matches!(x, 2 | 4 | 6 | 8);
    let kind = match a {
        5 => {
            let mobile = match b {
                0 | 3 | 4 | 5 => true,
                1 => matches!(c, 0 | 6),
                2 => c == 4,
                6 => {
                    matches!(c, 2 | 4)
                        || (c == 1 && ((d(3), d(4), d(5)) == (0, 1, 1) || (d(3), d(4)) == (6, 1)))
                }
                7 => matches!(c, 2 | 4 | 5),
                9 => matches!(c, 4 | 6),
                _ => false,
            };
            let pager = (b, c) == (1, 2);
            let personal = (b, c) == (9, 2)
                && ((d(3), d(4)) == (2, 1) && matches!(d(5), 1 | 2)
                    || (d(3), d(4), d(5)) == (4, 6, 1));
            if mobile {
                TrKind::Mobile
            } else if pager || personal {
                TrKind::OtherValid
            } else {
                TrKind::Invalid
            }
        }
        2..=4 => {
            let fixed = match (a, b) {
                (2, 1) => matches!(c, 2 | 6),
                (2, 2 | 8) => even_nonzero(c),
                (2, 3..=5) => matches!(c, 2 | 6 | 8),
                (2, 6 | 7) => matches!(c, 2 | 4 | 6),
                (3, 1 | 3) => matches!(c, 2 | 8),
                (3, 2 | 4..=6) => even_nonzero(c),
                (3, 7 | 8) => matches!(c, 0 | 2 | 4 | 6 | 8),
                (3, 9) => c == 2,
                (4, 1 | 6) => matches!(c, 2 | 4 | 6),
                (4, 2 | 3 | 5 | 7 | 8) => even_nonzero(c),
                (4, 4) => matches!(c, 2 | 6),
                _ => false,
            };
            if fixed {
                TrKind::OtherValid
            } else {
                TrKind::Invalid
            }
        }
        _ => return None,
    };
    Some(kind)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const MOBILE: &str = "905321234567";

    fn both(raw: &str) -> Result<String, PhoneError> {
        let fast = normalize(raw).map(String::from);
        let slow = normalize_slow(raw);
        assert_eq!(fast, slow, "fast/slow disagree on {raw:?}");
        fast
    }

    fn ok(raw: &str) {
        assert_eq!(both(raw).as_deref(), Ok(MOBILE), "input {raw:?}");
    }

    #[test]
    fn canonical() {
        ok("905321234567");
    }

    #[test]
    fn national_with_trunk_zero() {
        ok("0532 123 45 67");
        ok("05321234567");
    }

    #[test]
    fn parenthesised_area_code() {
        ok("(0532) 123-45-67");
    }

    #[test]
    fn national_without_trunk_zero() {
        ok("532 123 45 67");
        ok("5321234567");
    }

    #[test]
    fn plus_country_code() {
        ok("+90 532 123 45 67");
        ok("+905321234567");
        ok("(+90) 532 123 45 67");
        ok("+ 90 532 123 45 67");
    }

    #[test]
    fn country_code_without_plus() {
        ok("90 532 123 45 67");
    }

    #[test]
    fn double_zero_international_prefix() {
        ok("0090 532 123 45 67");
        ok("00905321234567");
    }

    #[test]
    fn dots_slashes_tabs_nbsp() {
        ok("0532.123.45.67");
        ok("0532/123/45/67");
        ok("0532/123.45-67");
        ok("0532\t123\t45\t67");
        ok("0532\u{a0}123\u{a0}45\u{a0}67");
        ok("+90.532.123.45.67");
    }

    #[test]
    fn every_mobile_block_of_the_metadata() {
        for prefix in [
            "501", "505", "530", "539", "541", "549", "551", "559", "510", "516", "524", "562",
            "564", "572", "574", "575", "594", "596",
        ] {
            let raw = format!("0{prefix}1234567");
            assert_eq!(both(&raw), Ok(format!("90{prefix}1234567")), "{raw}");
        }
        assert_eq!(both("05610111234").as_deref(), Ok("905610111234"));
        assert_eq!(both("05616151234").as_deref(), Ok("905616151234"));
        assert_eq!(both("05610121234"), Err(PhoneError::Invalid));
    }

    #[test]
    fn landline_is_not_mobile() {
        assert_eq!(both("0212 123 45 67"), Err(PhoneError::NotMobile));
        assert_eq!(both("212 123 45 67"), Err(PhoneError::NotMobile));
        assert_eq!(both("+90 312 123 45 67"), Err(PhoneError::NotMobile));
        assert_eq!(both("902161234567"), Err(PhoneError::NotMobile));
    }

    #[test]
    fn other_valid_turkish_types_are_not_mobile() {
        // pager 512, personal number 592 21x, voip 850, toll free 800,
        // premium 900, UAN 444 xxxx.
        for raw in [
            "0512 123 45 67",
            "0592 211 12 34",
            "0592 461 12 34",
            "0850 123 45 67",
            "+90 800 123 45 67",
            "+90 900 123 45 67",
            "+90 444 1 444",
        ] {
            assert_eq!(both(raw), Err(PhoneError::NotMobile), "{raw}");
        }
    }

    #[test]
    fn unassigned_turkish_is_invalid() {
        for raw in [
            "0580 123 45 67",
            "0520 123 45 67",
            "0592 999 99 99",
            "0211 123 45 67",
        ] {
            assert_eq!(both(raw), Err(PhoneError::Invalid), "{raw}");
        }
    }

    #[test]
    fn letters_and_other_characters_are_invalid() {
        for raw in [
            "0532 123 45 6a",
            "O532 123 45 67",
            "tel:+905321234567",
            "0532_123_45_67",
            "0532,123,45,67",
            "+90 532 123 45 67 ext 1",
            "05321234567\u{200b}",
            "٠٥٣٢١٢٣٤٥٦٧",
        ] {
            assert_eq!(both(raw), Err(PhoneError::Invalid), "{raw:?}");
        }
    }

    #[test]
    fn misplaced_plus_is_invalid() {
        for raw in [
            "++905321234567",
            "90+5321234567",
            "905321234567+",
            "+90 +532",
        ] {
            assert_eq!(both(raw), Err(PhoneError::Invalid), "{raw:?}");
        }
    }

    #[test]
    fn empty_is_invalid() {
        for raw in ["", " ", "+", "()", "-./"] {
            assert_eq!(both(raw), Err(PhoneError::Invalid), "{raw:?}");
        }
    }

    #[test]
    fn wrong_length_is_invalid() {
        for raw in [
            "0532 123 45 6",
            "0532 123 45 678",
            "90 532 123 45 6",
            "90 532 123 45 678",
            "+90 532 123 45 6",
            "+90 532 123 45 678",
            "0090 532 123 45 6",
            "1",
            "12345678901234567890123456789",
        ] {
            assert_eq!(both(raw), Err(PhoneError::Invalid), "{raw:?}");
        }
    }

    #[test]
    fn valid_foreign_numbers() {
        assert_eq!(both("+44 7911 123456").as_deref(), Ok("447911123456"));
        assert_eq!(both("0044 7911 123456").as_deref(), Ok("447911123456"));
        assert_eq!(both("+49 1512 3456789").as_deref(), Ok("4915123456789"));
        // No '+', not one of the Turkish forms: tried as international.
        assert_eq!(both("4915123456789").as_deref(), Ok("4915123456789"));
        // Foreign landlines are fine (any type).
        assert_eq!(both("+1 650 253 0000").as_deref(), Ok("16502530000"));
        assert_eq!(both("+33 1 42 68 53 00").as_deref(), Ok("33142685300"));
    }

    /// Spec consequence worth knowing: a 9-digit Turkish national number
    /// without trunk 0 is not one of the Turkish forms, so it is tried as
    /// international and may be a valid foreign number (+53 = Cuba).
    #[test]
    fn short_bare_national_is_tried_as_international() {
        assert_eq!(both("532 123 45 6").as_deref(), Ok("532123456"));
    }

    #[test]
    fn invalid_foreign_numbers() {
        for raw in ["+44 791234567", "+49 1234", "+1 253 0000", "+999 123456789"] {
            assert_eq!(both(raw), Err(PhoneError::Invalid), "{raw}");
        }
    }

    /// Exhaustive agreement over the digits the TR patterns look at: every
    /// 5-digit prefix `5xxxx` (random suffix), every 4-digit prefix
    /// `2xxx`–`4xxx` (zero and random suffix; fixed-line patterns depend on 3
    /// digits) and every 6-digit prefix `561xxx`/`592xxx` (the only patterns
    /// looking at the 4th–6th digit), rotating through four written forms.
    /// About 18k slow-path calls: ~2 s in a debug build.
    #[test]
    fn exhaustive_prefixes_fast_equals_slow() {
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut rand_digits = |n: usize| -> String {
            (0..n)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    char::from(b'0' + (seed % 10) as u8)
                })
                .collect()
        };
        let mut nationals = Vec::new();
        for p in 50_000..60_000u32 {
            nationals.push(format!("{p}{}", rand_digits(5)));
        }
        for p in 2_000..5_000u32 {
            nationals.push(format!("{p}000000"));
            nationals.push(format!("{p}{}", rand_digits(6)));
        }
        for p in (561_000..562_000u32).chain(592_000..593_000) {
            nationals.push(format!("{p}{}", rand_digits(4)));
        }
        for (i, n) in nationals.iter().enumerate() {
            let form = match i % 4 {
                0 => format!("90{n}"),
                1 => format!("0{n}"),
                2 => n.clone(),
                _ => format!("+90 {n}"),
            };
            // One written form per number, rotating through the four.
            let expected = normalize_slow(&form);
            assert_eq!(normalize(&form).map(String::from), expected, "{form}");
            assert!(fast(&form).is_some(), "fast path declined {form}");
        }
    }

    /// Insert separators: one choice per digit, index past the list = none.
    fn spaced(s: &str, seps: &[usize]) -> String {
        const SEPS: [&str; 8] = [" ", "-", ".", "/", "(", ")", "\t", "\u{a0}"];
        let mut out = String::new();
        for (i, c) in s.chars().enumerate() {
            out.push(c);
            if let Some(sep) = seps.get(i).and_then(|&k| SEPS.get(k)) {
                out.push_str(sep);
            }
        }
        out
    }

    fn tr_national() -> impl Strategy<Value = String> {
        prop_oneof![
            (2u8..=5, "[0-9]{9}").prop_map(|(a, rest)| format!("{a}{rest}")),
            // Every 5xx block, uniformly.
            (0u8..100, "[0-9]{7}").prop_map(|(xx, rest)| format!("5{xx:02}{rest}")),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]

        #[test]
        fn turkish_forms_fast_equals_slow(
            n in tr_national(),
            form in 0u8..4,
            seps in prop::collection::vec(0usize..24, 14),
        ) {
            let written = match form {
                0 => format!("90{n}"),
                1 => format!("0{n}"),
                2 => n.clone(),
                _ => format!("+90 {n}"),
            };
            let raw = spaced(&written, &seps);
            prop_assert!(fast(&raw).is_some(), "fast path declined {:?}", raw);
            let fast_result = normalize(&raw).map(String::from);
            prop_assert_eq!(&fast_result, &normalize_slow(&raw), "{:?}", raw);
            if let Ok(canonical) = fast_result {
                prop_assert_eq!(canonical, format!("90{n}"));
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(5_000))]

        #[test]
        fn arbitrary_strings_agree(raw in any::<String>()) {
            prop_assert_eq!(normalize(&raw).map(String::from), normalize_slow(&raw), "{:?}", raw);
        }

        #[test]
        fn phone_like_strings_agree(raw in "[+]?[0-9 ()./\t\u{a0}+-]{0,20}[a-zO]?[0-9]{0,3}") {
            prop_assert_eq!(normalize(&raw).map(String::from), normalize_slow(&raw), "{:?}", raw);
        }
    }
}
