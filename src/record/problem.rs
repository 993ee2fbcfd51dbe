//! Problems found in a row: stable reason codes, severities and the field they concern.

use std::fmt;

use serde::Serialize;

use super::message::Message;
use crate::i18n::Lang;

/// Stable reason codes (SPEC §3). Their `as_str` spelling is a public contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Code {
    FieldCount,
    EmptyRecipient,
    InvalidEmail,
    InvalidPhone,
    NotMobile,
    InvalidPermission,
    InvalidTimestamp,
    TimestampTooEarly,
    TimestampInFuture,
    EmptyPlatform,
    InvalidCharacters,
    InvalidEncoding,
    UnbalancedQuote,
    WrongChannel,
    ApiRefused,
    FixWhitespace,
    FixQuotes,
    FixEmail,
    FixPhoneFormat,
    FixPermissionCase,
    FixTimestampFormat,
    FixTrailingSeparator,
    FixInvisible,
    Conflict,
    Withheld,
    /// `sync`: the ledger knows a later word for the key than the input's.
    Stale,
    LineTooLong,
    HeaderRow,
}

impl Code {
    pub const ALL: [Code; 28] = [
        Code::FieldCount,
        Code::EmptyRecipient,
        Code::InvalidEmail,
        Code::InvalidPhone,
        Code::NotMobile,
        Code::InvalidPermission,
        Code::InvalidTimestamp,
        Code::TimestampTooEarly,
        Code::TimestampInFuture,
        Code::EmptyPlatform,
        Code::InvalidCharacters,
        Code::InvalidEncoding,
        Code::UnbalancedQuote,
        Code::WrongChannel,
        Code::ApiRefused,
        Code::FixWhitespace,
        Code::FixQuotes,
        Code::FixEmail,
        Code::FixPhoneFormat,
        Code::FixPermissionCase,
        Code::FixTimestampFormat,
        Code::FixTrailingSeparator,
        Code::FixInvisible,
        Code::Conflict,
        Code::Withheld,
        Code::Stale,
        Code::LineTooLong,
        Code::HeaderRow,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Code::FieldCount => "field_count",
            Code::EmptyRecipient => "empty_recipient",
            Code::InvalidEmail => "invalid_email",
            Code::InvalidPhone => "invalid_phone",
            Code::NotMobile => "not_mobile",
            Code::InvalidPermission => "invalid_permission",
            Code::InvalidTimestamp => "invalid_timestamp",
            Code::TimestampTooEarly => "timestamp_too_early",
            Code::TimestampInFuture => "timestamp_in_future",
            Code::EmptyPlatform => "empty_platform",
            Code::InvalidCharacters => "invalid_characters",
            Code::InvalidEncoding => "invalid_encoding",
            Code::UnbalancedQuote => "unbalanced_quote",
            Code::WrongChannel => "wrong_channel",
            Code::ApiRefused => "api_refused",
            Code::FixWhitespace => "fix_whitespace",
            Code::FixQuotes => "fix_quotes",
            Code::FixEmail => "fix_email",
            Code::FixPhoneFormat => "fix_phone_format",
            Code::FixPermissionCase => "fix_permission_case",
            Code::FixTimestampFormat => "fix_timestamp_format",
            Code::FixTrailingSeparator => "fix_trailing_separator",
            Code::FixInvisible => "fix_invisible",
            Code::Conflict => "conflict",
            Code::Withheld => "withheld",
            Code::Stale => "stale",
            Code::LineTooLong => "line_too_long",
            Code::HeaderRow => "header_row",
        }
    }

    pub fn is_fix(self) -> bool {
        self.as_str().starts_with("fix_")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
    Fix,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Fix => "fix",
        }
    }
}

/// The field a problem concerns; `Row` for problems of the whole line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Row,
    Recipient,
    Platform,
    Permission,
    Timestamp,
    ExternalId,
}

impl Field {
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Row => "row",
            Field::Recipient => "recipient",
            Field::Platform => "platform",
            Field::Permission => "permission",
            Field::Timestamp => "timestamp",
            Field::ExternalId => "external_id",
        }
    }

    /// The field at a 0-based column of the Netmera layout.
    pub fn of_column(index: usize) -> Field {
        match index {
            0 => Field::Recipient,
            1 => Field::Platform,
            2 => Field::Permission,
            3 => Field::Timestamp,
            4 => Field::ExternalId,
            _ => Field::Row,
        }
    }
}

/// One problem of one row, before it is placed at a file and line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub field: Field,
    pub code: Code,
    pub severity: Severity,
    pub message: Message,
}

impl Problem {
    pub fn error(field: Field, code: Code, message: impl Into<Message>) -> Problem {
        Problem {
            field,
            code,
            severity: Severity::Error,
            message: message.into(),
        }
    }

    pub fn fix(field: Field, code: Code, message: impl Into<Message>) -> Problem {
        Problem {
            field,
            code,
            severity: Severity::Fix,
            message: message.into(),
        }
    }

    pub fn warning(field: Field, code: Code, message: impl Into<Message>) -> Problem {
        Problem {
            field,
            code,
            severity: Severity::Warning,
            message: message.into(),
        }
    }
}

impl Problem {
    /// The message in `lang`, for people: the text summary, the HTML report, the rejects file.
    /// A text that is not in the catalogues ([`Message::literal`]) follows the code's Turkish
    /// description in Turkish.
    pub fn text(&self, lang: Lang) -> ProblemText<'_> {
        ProblemText {
            problem: self,
            lang,
        }
    }
}

/// A problem's message in a language ([`Problem::text`]), formatted on demand.
#[derive(Clone, Copy)]
pub struct ProblemText<'a> {
    problem: &'a Problem,
    lang: Lang,
}

impl fmt::Display for ProblemText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let message = &self.problem.message;
        if self.lang != Lang::En && message.is_literal() {
            let description = crate::i18n::describe(self.lang, self.problem.code);
            write!(f, "{description} (")?;
            message.write(self.lang, f)?;
            return f.write_str(")");
        }
        message.write(self.lang, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_serialize_as_their_stable_names() {
        for code in Code::ALL {
            let json = serde_json::to_string(&code).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
        }
    }

    #[test]
    fn the_readme_reason_table_names_every_code() {
        let readme = include_str!("../../README.md");
        let table = readme
            .split("### Reason codes")
            .nth(1)
            .and_then(|rest| rest.split("\n## ").next())
            .unwrap_or_default();
        for code in Code::ALL {
            assert!(
                table.contains(&format!("`{}`", code.as_str())),
                "README's reason-code table lacks {}",
                code.as_str()
            );
        }
    }

    #[test]
    fn only_fix_codes_are_fixes() {
        assert!(Code::FixQuotes.is_fix());
        assert!(!Code::InvalidEmail.is_fix());
        assert!(!Code::Conflict.is_fix());
    }
}
