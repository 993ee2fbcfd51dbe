//! One test per rule and per fix of SPEC §1.

use super::*;

const NOW: i64 = 1_795_338_000; // 2026-11-22T12:00:00+03:00

fn rules() -> Rules {
    Rules::new(timestamp::ISTANBUL, NOW)
}

fn judge_with(line: &str, rules: &Rules) -> Outcome {
    judge(line, rules)
}

fn valid(line: &str) -> (Record, Vec<Problem>) {
    match judge(line, &rules()) {
        Outcome::Valid { record, fixes } => (record, fixes),
        other => panic!("{line:?} should be valid, got {other:?}"),
    }
}

fn fix_codes(line: &str) -> Vec<(Field, Code)> {
    valid(line).1.iter().map(|p| (p.field, p.code)).collect()
}

fn invalid_codes_with(line: &str, rules: &Rules) -> Vec<(Field, Code)> {
    match judge_with(line, rules) {
        Outcome::Invalid { problems, .. } => problems.iter().map(|p| (p.field, p.code)).collect(),
        other => panic!("{line:?} should be invalid, got {other:?}"),
    }
}

fn invalid_codes(line: &str) -> Vec<(Field, Code)> {
    invalid_codes_with(line, &rules())
}

fn hold(line: &str) -> Option<Hold> {
    match judge(line, &rules()) {
        Outcome::Invalid { hold, .. } => hold,
        other => panic!("{line:?} should be invalid, got {other:?}"),
    }
}

#[test]
fn exact_netmera_rows_are_valid_without_fixes() {
    let (r, fixes) = valid("user@example.com;mobileapp;ONAY;15.05.2025 14:23:00;user123");
    assert!(fixes.is_empty());
    assert_eq!(r.channel, Channel::Email);
    assert_eq!(r.recipient, "user@example.com");
    assert_eq!(r.platform, "mobileapp");
    assert_eq!(r.permission, Permission::Onay);
    assert_eq!(r.external_id.as_deref(), Some("user123"));
    let (r, fixes) = valid("905331234562;SMS;RET;15.05.2025 14:23:00");
    assert!(fixes.is_empty());
    assert_eq!(r.channel, Channel::Sms);
    assert_eq!(r.permission, Permission::Ret);
    assert_eq!(r.external_id, None);
    assert_eq!(r.insider_recipient(), "+905331234562");
}

#[test]
fn blank_lines_are_blank() {
    assert_eq!(judge("", &rules()), Outcome::Blank);
    assert_eq!(judge("  \t ", &rules()), Outcome::Blank);
}

#[test]
fn fix_whitespace_around_fields() {
    assert_eq!(
        fix_codes("user@example.com; mobileapp; ONAY; 15.05.2025 14:23:00; user123"),
        [
            (Field::Platform, Code::FixWhitespace),
            (Field::Permission, Code::FixWhitespace),
            (Field::Timestamp, Code::FixWhitespace),
            (Field::ExternalId, Code::FixWhitespace)
        ]
    );
    let (r, _) = valid(" user@example.com ;web;ONAY;15.05.2025 14:23:00");
    assert_eq!(r.recipient, "user@example.com");
}

#[test]
fn fix_quotes_from_spreadsheets() {
    let (r, fixes) = valid("\"user@example.com\";\"web\";\"ONAY\";\"15.05.2025 14:23:00\"");
    assert_eq!(r.recipient, "user@example.com");
    assert!(fixes.iter().all(|p| p.code == Code::FixQuotes));
    assert_eq!(fixes.len(), 4);
}

#[test]
fn fix_permission_case() {
    for p in ["onay", "Onay", "oNaY"] {
        let line = format!("user@example.com;web;{p};15.05.2025 14:23:00");
        assert_eq!(
            fix_codes(&line),
            [(Field::Permission, Code::FixPermissionCase)]
        );
        assert_eq!(valid(&line).0.permission, Permission::Onay);
    }
    assert_eq!(
        valid("user@example.com;web;ret;15.05.2025 14:23:00")
            .0
            .permission,
        Permission::Ret
    );
}

#[test]
fn fix_email_upper_case_and_spaces() {
    let (r, fixes) = valid("  User@Example.COM ;web;ONAY;15.05.2025 14:23:00");
    assert_eq!(r.recipient, "user@example.com");
    assert_eq!(fixes.len(), 1);
    assert_eq!(fixes[0].code, Code::FixEmail);
    assert!(fixes[0].message.contains("lower-cased") && fixes[0].message.contains("trimmed"));
}

#[test]
fn fix_phone_forms() {
    for form in [
        "0532 123 45 67",
        "(0532) 123-45-67",
        "532 123 45 67",
        "+90 532 123 45 67",
        "90 532 123 45 67",
        "0090 532 123 45 67",
        "05321234567",
        "5321234567",
        "+905321234567",
    ] {
        let line = format!("{form};SMS;ONAY;15.05.2025 14:23:00");
        let (r, fixes) = valid(&line);
        assert_eq!(r.recipient, "905321234567", "{form}");
        assert_eq!(
            fixes.iter().map(|p| p.code).collect::<Vec<_>>(),
            [Code::FixPhoneFormat],
            "{form}"
        );
    }
}

#[test]
fn foreign_numbers_with_country_code_are_accepted() {
    let (r, _) = valid("+44 7911 123456;SMS;ONAY;15.05.2025 14:23:00");
    assert_eq!(r.recipient, "447911123456");
}

#[test]
fn fix_timestamp_variants() {
    for ts in [
        "5.5.2025 14:23:00",
        "15.05.2025 14:23",
        "2025-05-15 14:23:00",
        "2025-05-15 14:23",
    ] {
        let line = format!("user@example.com;web;ONAY;{ts}");
        assert_eq!(
            fix_codes(&line),
            [(Field::Timestamp, Code::FixTimestampFormat)],
            "{ts}"
        );
    }
}

#[test]
fn fix_trailing_separator() {
    let (r, fixes) = valid("user@example.com;web;ONAY;15.05.2025 14:23:00;");
    assert_eq!(r.external_id, None);
    assert_eq!(fixes[0].code, Code::FixTrailingSeparator);
}

#[test]
fn one_fix_per_field_in_field_order() {
    let codes = fix_codes(" \"USER@example.com\" ; web ;onay;2025-05-15 14:23");
    assert_eq!(
        codes,
        [
            (Field::Recipient, Code::FixEmail),
            (Field::Platform, Code::FixWhitespace),
            (Field::Permission, Code::FixPermissionCase),
            (Field::Timestamp, Code::FixTimestampFormat)
        ]
    );
}

#[test]
fn field_count() {
    assert_eq!(
        invalid_codes("user@example.com;web;ONAY"),
        [(Field::Row, Code::FieldCount)]
    );
    assert_eq!(
        invalid_codes("a;b;c;d;e;f;g"),
        [(Field::Row, Code::FieldCount)]
    );
    assert_eq!(invalid_codes("just text"), [(Field::Row, Code::FieldCount)]);
}

#[test]
fn empty_recipient() {
    assert_eq!(
        invalid_codes(";web;ONAY;15.05.2025 14:23:00"),
        [(Field::Recipient, Code::EmptyRecipient)]
    );
}

#[test]
fn invalid_email() {
    for e in [
        "user@localhost",
        "user@@example.com",
        "şule@example.com",
        "user@exa mple.com",
    ] {
        let line = format!("{e};web;ONAY;15.05.2025 14:23:00");
        assert_eq!(
            invalid_codes(&line),
            [(Field::Recipient, Code::InvalidEmail)],
            "{e}"
        );
    }
}

#[test]
fn invalid_phone() {
    for p in ["0532 123 45 6", "0532 ABC 45 67", "12345", "+999 123"] {
        let line = format!("{p};SMS;ONAY;15.05.2025 14:23:00");
        assert_eq!(
            invalid_codes(&line),
            [(Field::Recipient, Code::InvalidPhone)],
            "{p}"
        );
    }
}

#[test]
fn not_mobile() {
    for p in ["212 123 45 67", "0212 123 45 67", "902121234567"] {
        let line = format!("{p};SMS;ONAY;15.05.2025 14:23:00");
        assert_eq!(
            invalid_codes(&line),
            [(Field::Recipient, Code::NotMobile)],
            "{p}"
        );
    }
}

#[test]
fn invalid_permission_including_red() {
    assert_eq!(
        invalid_codes("user@example.com;web;RED;15.05.2025 14:23:00"),
        [(Field::Permission, Code::InvalidPermission)]
    );
    assert_eq!(
        invalid_codes("user@example.com;web;YES;15.05.2025 14:23:00"),
        [(Field::Permission, Code::InvalidPermission)]
    );
    match judge("user@example.com;web;red;15.05.2025 14:23:00", &rules()) {
        Outcome::Invalid { problems, .. } => {
            assert!(problems[0].message.contains("did you mean RET"))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn invalid_and_impossible_timestamps() {
    for ts in ["31.02.2025 10:00:00", "15-05-2025", "yesterday", ""] {
        let line = format!("user@example.com;web;ONAY;{ts}");
        assert_eq!(
            invalid_codes(&line),
            [(Field::Timestamp, Code::InvalidTimestamp)],
            "{ts}"
        );
    }
}

#[test]
fn timestamp_too_early_and_in_future() {
    assert_eq!(
        invalid_codes("user@example.com;web;ONAY;30.04.2015 23:59:59"),
        [(Field::Timestamp, Code::TimestampTooEarly)]
    );
    assert!(judge("user@example.com;web;ONAY;01.05.2015 00:00:00", &rules()) != Outcome::Blank);
    assert_eq!(
        valid("user@example.com;web;ONAY;01.05.2015 00:00:00")
            .0
            .timestamp,
        timestamp::floor()
    );
    assert_eq!(
        invalid_codes("user@example.com;web;ONAY;22.11.2026 12:00:01"),
        [(Field::Timestamp, Code::TimestampInFuture)]
    );
    valid("user@example.com;web;ONAY;22.11.2026 12:00:00");
}

#[test]
fn floor_is_istanbul_whatever_the_timezone() {
    let mut utc = rules();
    utc.zone = timestamp::Zone::new(chrono_tz::UTC, utc.now);
    // 30.04.2015 21:00:00 UTC is exactly 01.05.2015 00:00:00 in Istanbul.
    assert!(matches!(
        judge("a@b.co;web;ONAY;30.04.2015 21:00:00", &utc),
        Outcome::Valid { .. }
    ));
    assert_eq!(
        invalid_codes_with("a@b.co;web;ONAY;30.04.2015 20:59:59", &utc),
        [(Field::Timestamp, Code::TimestampTooEarly)]
    );
}

#[test]
fn empty_platform() {
    assert_eq!(
        invalid_codes("user@example.com;;ONAY;15.05.2025 14:23:00"),
        [(Field::Platform, Code::EmptyPlatform)]
    );
    assert_eq!(
        invalid_codes("user@example.com; ;ONAY;15.05.2025 14:23:00"),
        [(Field::Platform, Code::EmptyPlatform)]
    );
}

#[test]
fn unbalanced_quote() {
    assert_eq!(
        invalid_codes("user@example.com;\"web;ONAY;15.05.2025 14:23:00"),
        [(Field::Platform, Code::UnbalancedQuote)]
    );
}

#[test]
fn wrong_channel() {
    let mut sms_only = rules();
    sms_only.channel = Some(Channel::Sms);
    assert_eq!(
        invalid_codes_with("user@example.com;web;ONAY;15.05.2025 14:23:00", &sms_only),
        [(Field::Recipient, Code::WrongChannel)]
    );
    assert!(matches!(
        judge("905321234567;SMS;ONAY;15.05.2025 14:23:00", &sms_only),
        Outcome::Valid { .. }
    ));
}

#[test]
fn invalid_encoding() {
    match judge_undecodable("user@example.com;web;ONAY;15.05.2025 14:23:00", &rules()) {
        Outcome::Invalid { problems, hold } => {
            assert_eq!(problems[0].code, Code::InvalidEncoding);
            assert_eq!(hold, None);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn several_defects_one_problem_per_field_in_order() {
    assert_eq!(
        invalid_codes("bad@; ;REDD;31.02.2025 10:00:00;x"),
        [
            (Field::Recipient, Code::InvalidEmail),
            (Field::Platform, Code::EmptyPlatform),
            (Field::Permission, Code::InvalidPermission),
            (Field::Timestamp, Code::InvalidTimestamp)
        ]
    );
}

#[test]
fn strict_turns_fixes_into_errors() {
    let mut strict = rules();
    strict.strict = true;
    match judge(" user@example.com;web;ONAY;15.05.2025 14:23:00", &strict) {
        Outcome::Invalid { problems, .. } => {
            assert_eq!(problems.len(), 1);
            assert_eq!(problems[0].code, Code::FixWhitespace);
            assert_eq!(problems[0].severity, Severity::Error);
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        judge("user@example.com;web;ONAY;15.05.2025 14:23:00", &strict),
        Outcome::Valid { .. }
    ));
}

#[test]
fn readable_invalid_ret_rows_hold_their_key() {
    // Future-dated RET: readable timestamp.
    let h = hold("user@example.com;web;RET;22.11.2030 12:00:00");
    assert_eq!(
        h.as_ref().map(|h| h.recipient.as_str()),
        Some("user@example.com")
    );
    assert!(h.and_then(|h| h.timestamp).is_some());
    // Unreadable timestamp, lower-case ret, phone in another written form.
    let h = hold("0532 123 45 67;SMS; ret ;31.02.2025 10:00:00");
    assert_eq!(
        h,
        Some(Hold {
            channel: Channel::Sms,
            recipient: "905321234567".into(),
            timestamp: None
        })
    );
    // Only three fields.
    assert!(hold("user@example.com;web;RET").is_some());
    // Empty platform.
    assert!(hold("user@example.com;;RET;15.05.2025 14:23:00").is_some());
    // Unclosed quote elsewhere in the row.
    assert!(hold("user@example.com;\"web;RET;15.05.2025 14:23:00").is_some());
}

#[test]
fn unreadable_rows_hold_nothing() {
    assert_eq!(hold("user@example.com;web;RED;22.11.2030 12:00:00"), None);
    assert_eq!(hold("user@example.com;web;ONAY;22.11.2030 12:00:00"), None);
    assert_eq!(hold("user@localhost;web;RET;22.11.2030 12:00:00"), None);
    assert_eq!(hold("user@example.com;RET"), None);
}

#[test]
fn redaction_masks_recipients_in_messages() {
    let mut r = rules();
    r.shown.redact = true;
    match judge("user@localhost;web;ONAY;15.05.2025 14:23:00", &r) {
        Outcome::Invalid { problems, .. } => {
            assert!(
                !problems[0].message.contains("user@localhost"),
                "{}",
                problems[0].message
            );
            assert!(problems[0].message.contains("u***@localhost"));
        }
        other => panic!("{other:?}"),
    }
    match judge("0532 123 45 67;SMS;ONAY;15.05.2025 14:23:00", &r) {
        Outcome::Valid { fixes, .. } => {
            assert!(
                !fixes[0].message.contains("905321234567"),
                "{}",
                fixes[0].message
            );
            assert!(
                !fixes[0].message.contains("123 45 67"),
                "{}",
                fixes[0].message
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn control_characters_are_escaped_in_messages() {
    match judge(
        "user@example.com;web;\u{1b}[2J;15.05.2025 14:23:00",
        &rules(),
    ) {
        Outcome::Invalid { problems, .. } => assert!(!problems[0].message.contains('\u{1b}')),
        other => panic!("{other:?}"),
    }
}

#[test]
fn invalid_characters_in_quoted_platform_or_external_id() {
    assert_eq!(
        invalid_codes("x@y.com;\"web;RET\";ONAY;15.05.2025 14:23:00;\"id;1\""),
        [
            (Field::Platform, Code::InvalidCharacters),
            (Field::ExternalId, Code::InvalidCharacters)
        ]
    );
    assert_eq!(
        invalid_codes("x@y.com;w\u{1}eb;ONAY;15.05.2025 14:23:00"),
        [(Field::Platform, Code::InvalidCharacters)]
    );
}

#[test]
fn trailing_whitespace_after_the_last_separator_is_one_fix() {
    assert_eq!(
        fix_codes("user@example.com;web;ONAY;15.05.2025 14:23:00; "),
        [(Field::ExternalId, Code::FixTrailingSeparator)]
    );
}

#[test]
fn slightly_garbled_ret_recipients_still_hold_their_key() {
    let h = hold("\u{FEFF}905321234567;SMS;RET;16.05.2025 14:23:00;\u{1}");
    assert_eq!(h.map(|h| h.recipient), Some("905321234567".into()));
    let h = hold("İLKER@EXAMPLE.COM;web;RET;31.02.2025 10:00:00");
    assert_eq!(h.map(|h| h.recipient), Some("ilker@example.com".into()));
    let h = hold("0532\u{2011}123\u{2011}4567;SMS;RET;31.02.2025 10:00:00");
    assert_eq!(h.map(|h| h.recipient), Some("905321234567".into()));
    let h = hold("user@example.com\u{200B};web;RET;31.02.2025 10:00:00");
    assert_eq!(h.map(|h| h.recipient), Some("user@example.com".into()));
}

#[test]
fn fixes_without_messages_keep_their_codes_and_strict_still_explains() {
    let line = r#" "User@Example.COM" ; web ;onay; 5.3.2025 9:07;"#;
    let described = valid(line);
    let mut quiet_rules = rules();
    quiet_rules.fix_messages = false;
    let Outcome::Valid { record, fixes } = judge(line, &quiet_rules) else {
        panic!("{line:?} should be valid");
    };
    assert_eq!(record, described.0);
    let codes = |ps: &[Problem]| -> Vec<(Field, Code, Severity)> {
        ps.iter().map(|p| (p.field, p.code, p.severity)).collect()
    };
    assert_eq!(codes(&fixes), codes(&described.1));
    assert_eq!(
        fixes.len(),
        5,
        "recipient, platform, permission, timestamp, trailing `;`"
    );
    assert!(fixes.iter().all(|p| p.message.is_empty()));
    assert!(described.1.iter().all(|p| !p.message.is_empty()));
    // Under --strict the fixes are errors: they are described whatever the setting.
    quiet_rules.strict = true;
    let Outcome::Invalid { problems, .. } = judge(line, &quiet_rules) else {
        panic!("{line:?} should be invalid under --strict");
    };
    assert!(!problems.is_empty() && problems.iter().all(|p| !p.message.is_empty()));
}
