//! Commands: thin glue between the command line ([`crate::cli`]) and the modules that do the work
//! ([`crate::engine`], [`crate::output`], [`crate::insider`]). Each command reads as its steps.

pub mod convert;
pub mod ledger;
pub mod sync;
pub mod upload;
pub mod validate;

use std::io::IsTerminal;
use std::str::FromStr;

use crate::cli::{ChannelArg, ColorChoice, CommonArgs, DelimiterArg, Encoding};
use crate::engine::Setup;
use crate::error::Error;
use crate::input::{self, Decoder, Delimiter, ReadOptions};
use crate::printer::Printer;
use crate::privacy::Shown;
use crate::record::{Channel, Rules, timestamp};

/// `--redact` is on by default when the `CI` environment variable is set (to anything but
/// empty, `0` or `false`).
pub fn ci_redaction() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false"))
}

fn color_enabled(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stderr().is_terminal()
        }
    }
}

impl Setup {
    pub fn new(args: &CommonArgs) -> Result<Setup, Error> {
        let started = std::time::Instant::now();
        let tz = chrono_tz::Tz::from_str(&args.timezone).map_err(|_| {
            Error::Usage(crate::tr!(
                "err-timezone",
                value = format!("{:?}", args.timezone)
            ))
        })?;
        let now = match &args.now {
            Some(text) => timestamp::parse_now(text).map_err(Error::Usage)?,
            None => chrono::Utc::now().timestamp(),
        };
        let mut rules = Rules::new(tz, now);
        rules.channel = args.channel.map(|c| match c {
            ChannelArg::Email => Channel::Email,
            ChannelArg::Sms => Channel::Sms,
        });
        rules.strict = args.strict;
        rules.shown = Shown {
            redact: args.redact || ci_redaction(),
        };
        let decoder = match args.encoding {
            None | Some(Encoding::Utf8) => Decoder::utf8(),
            Some(Encoding::Windows1254 | Encoding::Iso88599) => Decoder::windows_1254(),
        };
        if args.files.len() > crate::resolve::MAX_FILES {
            return Err(Error::Usage(crate::tr!(
                "err-too-many-files",
                n = args.files.len(),
                max = crate::resolve::MAX_FILES
            )));
        }
        let jobs = match args.jobs {
            Some(0) => return Err(Error::Usage(crate::tr!("err-jobs-zero"))),
            Some(n) => n,
            None => std::thread::available_parallelism().map_or(1, |n| n.get()),
        };
        let delimiter = match args.delimiter {
            DelimiterArg::Semicolon => Delimiter::SEMICOLON,
            DelimiterArg::Comma => Delimiter::COMMA,
            DelimiterArg::Tab => Delimiter::TAB,
        };
        rules.delimiter = delimiter.0;
        let read = ReadOptions {
            delimiter,
            legacy: !matches!(args.encoding, None | Some(Encoding::Utf8)),
        };
        let sources = input::sources(&args.files)?;
        // Pre-flight: a file that is not consent text stops the run before anything is written.
        let facts = input::inspect(&sources, &read)?;
        Ok(Setup {
            sources,
            rules,
            decoder,
            read,
            facts: std::sync::Arc::new(std::sync::Mutex::new(facts)),
            jobs,
            printer: Printer::new(args.quiet),
            color: color_enabled(args.color),
            progress: !args.no_progress && !args.quiet,
            started,
            html: args.html.clone(),
            report: args.report.clone(),
        })
    }
}
