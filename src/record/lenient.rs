//! Lenient reading for holding keys back (SPEC §2, §8), and the invisible characters it drops.
//!
//! An invalid row holds its key back when it is readable: its permission reads as RET and its
//! recipient normalises. "Reads as" is deliberately generous — reading too much only withholds a
//! key (nothing is sent), reading too little sends an opt-in the person has taken back. None of this
//! makes a row valid: it only runs for rows that are already invalid, so the valid hot path never
//! pays for it.

use unicode_normalization::UnicodeNormalization;

/// Characters that show as nothing: Unicode's default-ignorable code points (BOM, zero-width
/// space/joiners, soft hyphen, word joiner and the invisible operators, bidi marks and embeddings,
/// variation selectors, Hangul fillers, tags) and the line/paragraph separators U+2028/U+2029.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF0}'..='\u{FFF8}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0000}'..='\u{E0FFF}'
    )
}

/// The first invisible character of `text`, if any (for messages that say what to remove).
pub fn first_invisible(text: &str) -> Option<char> {
    if text.is_ascii() {
        return None;
    }
    text.chars().find(|&c| is_invisible(c))
}

/// `text` without its invisible characters (borrowed when it has none).
pub fn without_invisible(text: &str) -> std::borrow::Cow<'_, str> {
    if first_invisible(text).is_none() {
        return std::borrow::Cow::Borrowed(text);
    }
    std::borrow::Cow::Owned(text.chars().filter(|&c| !is_invisible(c)).collect())
}

/// Invisible characters dropped, then Unicode NFKC (full-width digits, letters and punctuation
/// become ASCII), then Arabic-Indic and extended Arabic-Indic digits read as ASCII digits,
/// Unicode dashes and the minus sign as `-`, and Turkish `İ`/`ı` as `i`.
pub fn fold(text: &str) -> String {
    text.chars()
        .filter(|&c| !is_invisible(c))
        .nfkc()
        .map(|c| match c {
            '\u{0660}'..='\u{0669}' => char::from(b'0' + (c as u32 - 0x0660) as u8),
            '\u{06F0}'..='\u{06F9}' => char::from(b'0' + (c as u32 - 0x06F0) as u8),
            '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE58}' | '\u{FE63}' | '\u{FF0D}' => '-',
            'İ' | 'ı' => 'i',
            c => c,
        })
        // NFKC can leave a default-ignorable character it produced itself (none today); drop again.
        .filter(|&c| !is_invisible(c))
        .collect()
}

/// Whether an (invalid) permission field reads as RET: trimmed and case-folded, or after
/// [`fold`] with any surrounding punctuation, symbols or spaces dropped (`RET.`, `"RET"`, `(RET)`,
/// `RET!`, `RET\u{200B}`, `ＲＥＴ`). `RED` and anything with other letters inside do not.
pub fn reads_as_ret(text: &str) -> bool {
    let text = text.trim();
    if text.eq_ignore_ascii_case("RET") {
        return true;
    }
    // Far longer than any spelling of RET with decoration: not worth folding.
    if text.len() > 256 {
        return false;
    }
    let core = |s: &str| {
        s.trim_matches(|c: char| !c.is_alphanumeric())
            .eq_ignore_ascii_case("RET")
    };
    // ASCII folds to itself (no invisible characters, NFKC leaves it alone): no allocation.
    if text.is_ascii() {
        return core(text);
    }
    core(&fold(text))
}

/// The spellings of a recipient a lenient reading tries, in order, after the text as written:
/// folded; folded with surrounding punctuation dropped (a leading `+` or `(` kept, for phones);
/// folded with every surrounding non-alphanumeric character dropped. Emails are lower-cased.
pub fn recipient_candidates(text: &str) -> Vec<String> {
    if text.len() > 1024 {
        // No recipient is this long; holding on a misread of such a field is not worth the work.
        return Vec::new();
    }
    let folded = if text.is_ascii() {
        text.to_string()
    } else {
        fold(text)
    };
    let lower = |s: &str| {
        if s.contains('@') {
            s.to_lowercase()
        } else {
            s.to_string()
        }
    };
    let first = folded.trim();
    let second = first
        .trim_start_matches(|c: char| !c.is_alphanumeric() && c != '+' && c != '(')
        .trim_end_matches(|c: char| !c.is_alphanumeric() && c != ')');
    let third = first.trim_matches(|c: char| !c.is_alphanumeric() && c != '+');
    let mut out: Vec<String> = Vec::with_capacity(3);
    for s in [first, second, third] {
        let s = lower(s);
        if !s.is_empty() && !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_reads_full_width_and_arabic_indic_digits() {
        assert_eq!(fold("０５３２１２３４５６７"), "05321234567");
        assert_eq!(fold("٠٥٣٢١٢٣٤٥٦٧"), "05321234567");
        assert_eq!(fold("۰۵۳۲۱۲۳۴۵۶۷"), "05321234567");
        assert_eq!(fold("ＲＥＴ"), "RET");
        assert_eq!(fold("R\u{200B}E\u{00AD}T\u{FEFF}"), "RET");
    }

    #[test]
    fn without_invisible_borrows_clean_text() {
        assert!(matches!(
            without_invisible("web"),
            std::borrow::Cow::Borrowed("web")
        ));
        assert!(matches!(
            without_invisible("Şükrü"),
            std::borrow::Cow::Borrowed(_)
        ));
        assert_eq!(without_invisible("w\u{200B}e\u{2060}b"), "web");
    }

    #[test]
    fn ret_spellings() {
        for yes in [
            "RET",
            " ret ",
            "RET.",
            "\"RET\"",
            "(RET)",
            "RET!",
            "RET,",
            "ＲＥＴ",
            "ｒｅｔ",
            "RET\u{200B}",
            "\u{FEFF}RET",
            "R\u{200D}ET",
        ] {
            assert!(reads_as_ret(yes), "{yes:?}");
        }
        for no in [
            "RED",
            "ONAY",
            "RETT",
            "REТ",
            "",
            "R E T",
            "RET RET",
            "ＲＥＤ",
            "RET1",
            "1RET",
        ] {
            assert!(!reads_as_ret(no), "{no:?}");
        }
    }
}
