//! The whole command line, defined in one place (clap derive). Doc comments become `--help`.

use std::path::PathBuf;

use clap::builder::RangedU64ValueParser;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::insider::{DEFAULT_CONTACT_URL, DEFAULT_UNIFICATION_URL};
use crate::output::insider::{DEFAULT_MAX_BYTES, DEFAULT_MAX_CONTACTS, DEFAULT_MAX_USERS};

/// A count that must be at least 1 (`--jobs`, `--concurrency`, …).
fn at_least_one() -> RangedU64ValueParser<usize> {
    RangedU64ValueParser::new().range(1..)
}

/// Move İYS consent records (ONAY/RET) between systems: validate Netmera-format consent files,
/// convert them to Insider Upsert batches or clean Netmera uploads, and send them to Insider.
#[derive(Debug, Parser)]
#[command(name = "iysync", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// The input format, the exit codes and the environment: the end of every data command's
/// `--help` and man page.
macro_rules! data_help {
    ($examples:literal) => {
        concat!(
            "Examples:\n",
            $examples,
            "\n\nInput:\n",
            "  One record per line, no header, `;` between fields (--delimiter for others):\n",
            "    recipient;platform;permission;timestamp[;external_id]\n",
            "    user@example.com;mobileapp;ONAY;15.05.2025 14:23:00;user123\n",
            "    905331234562;SMS;RET;15.05.2025 14:23:00;user456\n",
            "  recipient: an email address or a phone number; permission: ONAY or RET; timestamp:\n",
            "  dd.MM.yyyy HH:mm:ss in Turkish local time (--timezone). `.gz` files are read as they are.\n",
            "\n",
            "Exit status:\n",
            "  0 success · 1 data problems (invalid rows, records refused by the API) · 2 usage,\n",
            "  configuration or I/O error · 3 upload aborted · 130 interrupted (143 terminated)\n",
            "\n",
            "Environment:\n",
            "  LC_ALL, LC_MESSAGES, LANG  the language when --lang is not given (tr* is Turkish)\n",
            "  CI                         turns --redact on\n",
            "  NO_COLOR                   no colours with --color auto\n",
            "  INSIDER_PARTNER_NAME       --partner (upload commands)\n",
            "  INSIDER_UCD_TOKEN, INSIDER_UNSUBSCRIBE_TOKEN, INSIDER_RESUBSCRIBE_TOKEN\n",
            "                             the API tokens of upsert, unsubscribe, resubscribe"
        )
    };
}

/// Writes the man page of one command (`iysync-<name>(1)`), or of iysync itself (`None`):
/// clap's sections, then (for a data command) EXAMPLES and INPUT FORMAT, EXIT STATUS, ENVIRONMENT.
/// `None` back when there is no such command.
pub fn render_man(
    command: Option<&str>,
    w: &mut dyn std::io::Write,
) -> Option<std::io::Result<()>> {
    use clap::CommandFactory;
    let root = Cli::command();
    let cmd = match command {
        None => root,
        Some(name) => {
            let (_, full) = MAN_NAMES.iter().find(|(n, _)| *n == name)?;
            let sub = root.find_subcommand(name)?.clone();
            sub.name(*full).bin_name(*full)
        }
    };
    let man = clap_mangen::Man::new(cmd.clone());
    let render = |w: &mut dyn std::io::Write| -> std::io::Result<()> {
        man.render_title(w)?;
        man.render_name_section(w)?;
        man.render_synopsis_section(w)?;
        man.render_description_section(w)?;
        man.render_options_section(w)?;
        if cmd.get_subcommands().next().is_some() {
            man.render_subcommands_section(w)?;
        }
        if let Some(after) = cmd.get_after_long_help() {
            // Everything above "Exit status:" (examples and the input format).
            let text = after.to_string();
            let head = text.split("\n\nExit status:").next().unwrap_or_default();
            writeln!(w, ".SH EXAMPLES")?;
            for line in head.lines().filter(|l| !l.is_empty() && *l != "Examples:") {
                if line == "Input:" {
                    writeln!(w, ".SH \"INPUT FORMAT\"")?;
                    continue;
                }
                writeln!(w, ".br\n{}", roff_escape(line.trim_start()))?;
            }
        }
        w.write_all(MAN_TAIL.as_bytes())?;
        if command.is_some() {
            writeln!(w, ".SH SEE ALSO\niysync(1)")?;
        } else {
            let pages: Vec<String> = MAN_NAMES.iter().map(|(_, f)| format!("{f}(1)")).collect();
            writeln!(w, ".SH SEE ALSO\n{}", pages.join(", "))?;
        }
        if cmd.get_version().is_some() {
            man.render_version_section(w)?;
        }
        Ok(())
    };
    Some(render(w))
}

/// A line of text for roff: backslashes and leading dots or quotes made harmless.
fn roff_escape(line: &str) -> String {
    let escaped = line.replace('\\', "\\e").replace('-', "\\-");
    if escaped.starts_with(['.', '\'']) {
        format!("\\&{escaped}")
    } else {
        escaped
    }
}

/// EXIT STATUS and ENVIRONMENT, the same on every page (SPEC §5, §3, §6, §12).
const MAN_TAIL: &str = r#".SH "EXIT STATUS"
.TP
\fB0\fR
success
.TP
\fB1\fR
data problems: invalid rows, or records refused by the API
.TP
\fB2\fR
usage, configuration or I/O error
.TP
\fB3\fR
upload aborted (authentication refused, retries exhausted)
.TP
\fB130\fR, \fB143\fR
interrupted (SIGINT), terminated (SIGTERM)
.SH ENVIRONMENT
.TP
\fBLC_ALL\fR, \fBLC_MESSAGES\fR, \fBLANG\fR
the language of messages and reports when \-\-lang is not given (tr* is Turkish)
.TP
\fBCI\fR
turns \-\-redact on
.TP
\fBNO_COLOR\fR
no colours with \-\-color auto
.TP
\fBINSIDER_PARTNER_NAME\fR
the partner name (\-\-partner)
.TP
\fBINSIDER_UCD_TOKEN\fR, \fBINSIDER_UNSUBSCRIBE_TOKEN\fR, \fBINSIDER_RESUBSCRIBE_TOKEN\fR
the API tokens of upsert, unsubscribe and resubscribe (never on the command line)
"#;

/// The commands that have a man page of their own, and its name.
pub const MAN_NAMES: [(&str, &str); 8] = [
    ("validate", "iysync-validate"),
    ("convert", "iysync-convert"),
    ("upsert", "iysync-upsert"),
    ("unsubscribe", "iysync-unsubscribe"),
    ("resubscribe", "iysync-resubscribe"),
    ("sync", "iysync-sync"),
    ("ledger", "iysync-ledger"),
    ("completions", "iysync-completions"),
];

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check every row and print a report; writes nothing else unless asked.
    #[command(after_long_help = data_help!(
        "  iysync validate export.csv\n  iysync validate export.csv --html rapor.html --lang tr\n  iysync validate export.csv --format json > report.json\n  iysync validate legacy.csv --encoding windows-1254 --valid-out clean.csv"
    ))]
    Validate(ValidateArgs),
    /// Write Insider Upsert request bodies or Netmera upload files, and a rejects file.
    #[command(after_long_help = data_help!(
        "  iysync convert export.csv --to insider --out bodies/\n  iysync convert export.csv --to netmera --out netmera/ --html rapor.html\n  iysync convert export.csv --to insider --out - | head -1"
    ))]
    Convert(ConvertArgs),
    /// Send the resolved records to Insider's Upsert API (token: INSIDER_UCD_TOKEN).
    #[command(after_long_help = data_help!(
        "  INSIDER_UCD_TOKEN=… iysync upsert export.csv --partner acme\n  iysync upsert export.csv --partner acme --dry-run --out bodies/\n  iysync upsert export.csv --partner acme -q --report run.json --html rapor.html"
    ))]
    Upsert(UpsertArgs),
    /// Send the resolved RET records to Insider's email/SMS unsubscribe APIs
    /// (token: INSIDER_UNSUBSCRIBE_TOKEN).
    #[command(after_long_help = data_help!(
        "  INSIDER_UNSUBSCRIBE_TOKEN=… iysync unsubscribe export.csv --partner acme\n  iysync unsubscribe export.csv --partner acme --group newsletter --dry-run"
    ))]
    Unsubscribe(UnsubscribeArgs),
    /// Send the resolved ONAY records to Insider's email/SMS resubscribe APIs
    /// (token: INSIDER_RESUBSCRIBE_TOKEN).
    #[command(after_long_help = data_help!(
        "  INSIDER_RESUBSCRIBE_TOKEN=… iysync resubscribe export.csv --partner acme\n  iysync resubscribe export.csv --partner acme --group-id 3 --dry-run"
    ))]
    Resubscribe(ResubscribeArgs),
    /// The nightly job: send only what changed since the ledger's last acknowledged state (SPEC
    /// §11): opt-outs first through the unsubscribe APIs, every change with Upsert, then the
    /// resubscribes of keys back from RET to ONAY. Tokens: INSIDER_UCD_TOKEN,
    /// INSIDER_UNSUBSCRIBE_TOKEN, INSIDER_RESUBSCRIBE_TOKEN (only those the plan uses).
    #[command(after_long_help = data_help!(
        "  iysync sync export.csv --partner acme --dry-run\n  iysync sync export.csv --partner acme --baseline\n  iysync sync daily.csv --partner acme -q --report run.json --html rapor.html\n  iysync ledger show user@example.com --partner acme"
    ))]
    Sync(SyncArgs),
    /// Inspect the consent ledger of the nightly sync (SPEC §11): what Insider was told, when,
    /// from which file and line.
    #[command(subcommand)]
    Ledger(LedgerCommand),
    /// Print a shell completion script.
    Completions {
        /// The shell to generate the script for.
        shell: clap_complete::Shell,
    },
    /// Print the roff man page of iysync, or of one command (`iysync man validate`).
    Man {
        /// The command whose page to print (default: iysync's own).
        #[arg(value_name = "COMMAND", value_parser = clap::builder::PossibleValuesParser::new(MAN_NAMES.map(|(n, _)| n)))]
        command: Option<String>,
    },
}

impl Command {
    /// `--lang` of a data command (the others take the language from the environment).
    /// The language of the run: `--lang`, else the environment's (SPEC §12).
    pub fn lang(&self) -> crate::i18n::Lang {
        match self {
            Command::Validate(a) => a.common.lang.resolve(),
            Command::Convert(a) => a.common.lang.resolve(),
            Command::Upsert(a) => a.common.lang.resolve(),
            Command::Unsubscribe(a) => a.common.lang.resolve(),
            Command::Resubscribe(a) => a.common.lang.resolve(),
            Command::Sync(a) => a.common.lang.resolve(),
            Command::Ledger(LedgerCommand::Show(a)) => a.ledger.lang.resolve(),
            Command::Ledger(LedgerCommand::Stats(a)) => a.lang.resolve(),
            Command::Completions { .. } | Command::Man { .. } => crate::i18n::Lang::from_env(),
        }
    }
}

/// Options every data command shares.
#[derive(Debug, Args, Clone)]
pub struct CommonArgs {
    /// Input files (`-` for stdin; `.gz` is read transparently). Several files are one stream.
    /// With no file and piped stdin, stdin is read.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,

    /// Print nothing but errors (no summary).
    #[arg(short, long, help_heading = "Reporting")]
    pub quiet: bool,

    /// When to use colours on stderr (honours NO_COLOR).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN", help_heading = "Reporting")]
    pub color: ColorChoice,

    /// Never show a progress bar.
    #[arg(long, help_heading = "Reporting")]
    pub no_progress: bool,

    /// IANA time zone of the input timestamps.
    #[arg(
        long,
        default_value = "Europe/Istanbul",
        value_name = "TZ",
        help_heading = "Input"
    )]
    pub timezone: String,

    /// Encoding of the input (default: UTF-8, rows with other bytes are invalid).
    #[arg(long, value_enum, value_name = "ENCODING", help_heading = "Input")]
    pub encoding: Option<Encoding>,

    /// The delimiter between the input's fields (outputs are always `;`-separated, as Netmera wants).
    #[arg(long, value_enum, default_value_t = DelimiterArg::Semicolon, value_name = "DELIMITER", help_heading = "Input")]
    pub delimiter: DelimiterArg,

    /// Accept only this channel; rows of the other kind are invalid (`wrong_channel`).
    #[arg(long, value_enum, value_name = "CHANNEL", help_heading = "Rules")]
    pub channel: Option<ChannelArg>,

    /// Treat rows that needed a repair as invalid.
    #[arg(long, help_heading = "Rules")]
    pub strict: bool,

    /// Mask recipients in every message and report (on by default when CI is set).
    #[arg(long, help_heading = "Reporting")]
    pub redact: bool,

    /// The "current time" for future-timestamp checks, RFC 3339 with offset
    /// (e.g. 2026-11-22T12:00:00+03:00).
    #[arg(long, value_name = "RFC3339", help_heading = "Rules")]
    pub now: Option<String>,

    /// Write the summary and every problem as one JSON document to PATH.
    #[arg(long, value_name = "PATH", help_heading = "Reporting")]
    pub report: Option<PathBuf>,

    /// Write a report for people to PATH: one self-contained HTML file (opens offline, prints).
    #[arg(long, value_name = "PATH", help_heading = "Reporting")]
    pub html: Option<PathBuf>,

    #[command(flatten, next_help_heading = "Reporting")]
    pub lang: LangArgs,

    /// Worker threads for parsing and validation (default: all cores).
    #[arg(long, short = 'j', value_name = "N", value_parser = at_least_one(), help_heading = "Input")]
    pub jobs: Option<usize>,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub common: CommonArgs,

    /// Report format: text (for people, on stderr) or a machine format on stdout.
    #[arg(long, value_enum, default_value_t = Format::Text, help_heading = "Reporting")]
    pub format: Format,

    /// Print at most N problems (counting is never limited).
    #[arg(long, value_name = "N", help_heading = "Reporting")]
    pub max_problems: Option<u64>,

    /// Write the valid rows, normalised to the exact Netmera format, to PATH, in time order.
    #[arg(long, value_name = "PATH", help_heading = "Output")]
    pub valid_out: Option<PathBuf>,

    /// Write the invalid rows, verbatim, to PATH.
    #[arg(long, value_name = "PATH", help_heading = "Output")]
    pub invalid_out: Option<PathBuf>,

    /// Overwrite existing output files.
    #[arg(long, help_heading = "Output")]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct ConvertArgs {
    #[command(flatten)]
    pub common: CommonArgs,

    /// Target format.
    #[arg(long, value_enum, help_heading = "Output")]
    pub to: Target,

    /// Output directory, or `-` for stdout (Insider: one body per line).
    #[arg(long, value_name = "DIR|-", help_heading = "Output")]
    pub out: PathBuf,

    #[command(flatten, next_help_heading = "Output")]
    pub insider: InsiderBodyArgs,

    /// Netmera: keep every valid row instead of the resolved state, in time order (ONAY before RET at an equal time).
    #[arg(long, help_heading = "Output")]
    pub keep_history: bool,

    /// Netmera: start a new file every N rows (email-000001.csv, …).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..), help_heading = "Output")]
    pub split_rows: Option<u64>,

    /// Where to write the rejects file (default: <out>/rejects.csv, or ./iysync-rejects-<time>.csv).
    #[arg(long, value_name = "PATH", help_heading = "Output")]
    pub rejects: Option<PathBuf>,

    /// Overwrite existing output files.
    #[arg(long, help_heading = "Output")]
    pub force: bool,
}

/// Options that shape Insider Upsert bodies.
#[derive(Debug, Args, Clone)]
pub struct InsiderBodyArgs {
    /// Send the external id as the `uuid` identifier or as a custom identifier NAME.
    #[arg(long, value_name = "uuid|custom:NAME")]
    pub external_id_as: Option<String>,

    /// Set `skip_hook: true` so imported data does not trigger journeys.
    #[arg(long)]
    pub skip_hook: bool,

    /// Add an event NAME at the consent timestamp carrying platform and permission.
    #[arg(long, value_name = "NAME")]
    pub consent_event: Option<String>,

    /// Users per Upsert request.
    #[arg(long, default_value_t = DEFAULT_MAX_USERS, value_name = "N", value_parser = at_least_one())]
    pub max_users: usize,

    /// Bytes per Upsert request body.
    #[arg(long, default_value_t = DEFAULT_MAX_BYTES, value_name = "BYTES", value_parser = RangedU64ValueParser::<usize>::new().range(64..))]
    pub max_bytes: usize,
}

impl Default for InsiderBodyArgs {
    /// The values of an upload command without these flags.
    fn default() -> InsiderBodyArgs {
        InsiderBodyArgs {
            external_id_as: None,
            skip_hook: false,
            consent_event: None,
            max_users: DEFAULT_MAX_USERS,
            max_bytes: DEFAULT_MAX_BYTES,
        }
    }
}

#[derive(Debug, Args)]
pub struct UpsertArgs {
    #[command(flatten)]
    pub common: CommonArgs,

    #[command(flatten, next_help_heading = "Upload")]
    pub insider: InsiderBodyArgs,

    #[command(flatten)]
    pub send: SendArgs,
}

#[derive(Debug, Args)]
pub struct UnsubscribeArgs {
    #[command(flatten)]
    pub common: CommonArgs,

    #[command(flatten)]
    pub contacts: ContactArgs,

    /// Email unsubscribe group name (3–29 characters).
    #[arg(long, value_name = "NAME", value_parser = group_name, help_heading = "Upload")]
    pub group: Option<String>,

    #[command(flatten)]
    pub send: SendArgs,
}

#[derive(Debug, Args)]
pub struct ResubscribeArgs {
    #[command(flatten)]
    pub common: CommonArgs,

    #[command(flatten)]
    pub contacts: ContactArgs,

    /// Email resubscribe group id.
    #[arg(long, value_name = "N", help_heading = "Upload")]
    pub group_id: Option<u64>,

    #[command(flatten)]
    pub send: SendArgs,
}

/// `--group`: Insider's limit on unsubscribe group names.
#[derive(Debug, Args)]
pub struct SyncArgs {
    #[command(flatten)]
    pub common: CommonArgs,

    #[command(flatten, next_help_heading = "Upload")]
    pub insider: InsiderBodyArgs,

    #[command(flatten)]
    pub contacts: ContactArgs,

    /// Email unsubscribe group name (the unsubscribe requests).
    #[arg(long, value_name = "NAME", value_parser = group_name, help_heading = "Upload")]
    pub group: Option<String>,

    /// Email resubscribe group id (the resubscribe requests).
    #[arg(long, value_name = "N", help_heading = "Upload")]
    pub group_id: Option<u64>,

    /// The consent ledger (default: <user state dir>/iysync/ledger.sqlite3).
    #[arg(long, value_name = "PATH", help_heading = "Sync")]
    pub state: Option<std::path::PathBuf>,

    /// Send nothing when the plan flips (ONAY<->RET) more than N keys or P% of the ledger's keys
    /// (a percentage allows at least 100 keys).
    #[arg(
        long,
        value_name = "N|P%",
        default_value = "10%",
        help_heading = "Sync"
    )]
    pub max_changes: crate::ledger::MaxChanges,

    /// Record the inputs' resolved state as acknowledged without sending anything (for an
    /// account already loaded by a full upsert).
    #[arg(long, conflicts_with = "dry_run", help_heading = "Sync")]
    pub baseline: bool,

    #[command(flatten)]
    pub send: SendArgs,
}

fn group_name(text: &str) -> Result<String, String> {
    let n = text.chars().count();
    if (3..=29).contains(&n) {
        Ok(text.to_string())
    } else {
        Err(format!(
            "must be 3 to 29 characters long (Insider's limit); {n} given"
        ))
    }
}

/// Options of the contact (unsubscribe/resubscribe) APIs.
#[derive(Debug, Args, Clone)]
#[command(next_help_heading = "Upload")]
pub struct ContactArgs {
    /// Records per contact API request.
    #[arg(long, default_value_t = DEFAULT_MAX_CONTACTS, value_name = "N", value_parser = at_least_one())]
    pub max_contacts: usize,
}

/// Options every upload command shares: where to send, how fast, and what to keep.
#[derive(Debug, Args, Clone)]
#[command(next_help_heading = "Upload")]
pub struct SendArgs {
    /// Partner name (sent lower-case).
    #[arg(long, env = "INSIDER_PARTNER_NAME", value_name = "NAME")]
    pub partner: Option<String>,

    /// Read the API token from this file instead of the environment.
    #[arg(long, value_name = "PATH")]
    pub token_file: Option<PathBuf>,

    /// Do everything but the network: print the plan; with --out, write the exact bodies.
    #[arg(long)]
    pub dry_run: bool,

    /// With --dry-run: write the exact request bodies to DIR.
    #[arg(
        long,
        value_name = "DIR",
        requires = "dry_run",
        help_heading = "Output"
    )]
    pub out: Option<PathBuf>,

    /// Send nothing when any row is invalid.
    #[arg(long)]
    pub fail_on_invalid: bool,

    /// Requests per minute (default: 25000 for upsert, 600 for the contact APIs).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub rate: Option<u32>,

    /// Requests in flight at once.
    #[arg(long, default_value_t = 8, value_name = "N", value_parser = at_least_one())]
    pub concurrency: usize,

    /// Retries per request after 5xx, timeouts and connection errors (429s slow the run down
    /// instead and do not count).
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub max_retries: u32,

    /// Seconds before a request times out.
    #[arg(long, default_value_t = 30, value_name = "SECS")]
    pub timeout: u64,

    /// Longest single wait before a retry; a server asking (Retry-After) for more stops the run
    /// (exit 3).
    #[arg(long, default_value_t = 300, value_name = "SECS")]
    pub max_wait: u64,

    /// Base URL of the Upsert API (https only, except loopback).
    #[arg(long, default_value = DEFAULT_UNIFICATION_URL, value_name = "URL")]
    pub unification_url: String,

    /// Base URL of the contact (unsubscribe/subscribe) APIs (https only, except loopback).
    #[arg(long, default_value = DEFAULT_CONTACT_URL, value_name = "URL")]
    pub contact_url: String,

    /// Resume journal (default: in the user's state directory, keyed by inputs and options).
    #[arg(long, value_name = "PATH")]
    pub journal: Option<PathBuf>,

    /// Ignore the journal and send everything again.
    #[arg(long)]
    pub restart: bool,

    /// Where to write the rejects file (default: ./iysync-rejects-<time>.csv).
    #[arg(long, value_name = "PATH", help_heading = "Output")]
    pub rejects: Option<PathBuf>,

    /// Overwrite existing output files.
    #[arg(long, help_heading = "Output")]
    pub force: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Encoding {
    #[value(name = "utf-8")]
    Utf8,
    #[value(name = "windows-1254")]
    Windows1254,
    #[value(name = "iso-8859-9")]
    Iso88599,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DelimiterArg {
    #[value(name = ";", alias = "semicolon")]
    Semicolon,
    #[value(name = ",", alias = "comma")]
    Comma,
    #[value(name = "tab")]
    Tab,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LangArg {
    En,
    Tr,
}

/// `--lang`, shared by the data commands and `iysync ledger`.
#[derive(Debug, Args, Clone, Copy, Default)]
pub struct LangArgs {
    /// Language of messages, summaries and reports (default: from LC_ALL, LC_MESSAGES, LANG;
    /// tr* is Turkish).
    #[arg(long, value_enum, value_name = "LANG")]
    pub lang: Option<LangArg>,
}

impl LangArgs {
    /// The language asked for, or the environment's (SPEC §12).
    pub fn resolve(self) -> crate::i18n::Lang {
        match self.lang {
            Some(LangArg::En) => crate::i18n::Lang::En,
            Some(LangArg::Tr) => crate::i18n::Lang::Tr,
            None => crate::i18n::Lang::from_env(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ChannelArg {
    Email,
    Sms,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    Jsonl,
    Github,
    Junit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Target {
    Insider,
    Netmera,
}

#[derive(Debug, Subcommand)]
pub enum LedgerCommand {
    /// Show the ledger row and the audit history of each recipient (written as in the input).
    ///
    /// Example: iysync ledger show user@example.com "0532 123 45 67"
    Show(LedgerShowArgs),
    /// Count the ledger's keys per channel and permission, the pending changes, and the last run.
    Stats(LedgerArgs),
}

/// Options of every `iysync ledger` command.
#[derive(Debug, Args, Clone)]
pub struct LedgerArgs {
    /// The ledger (default: <user state dir>/iysync/ledger.sqlite3).
    #[arg(long, value_name = "PATH")]
    pub state: Option<PathBuf>,

    /// Only this partner's keys (default: every partner in the ledger).
    #[arg(long, env = "INSIDER_PARTNER_NAME", value_name = "NAME")]
    pub partner: Option<String>,

    /// Output format: text for people, or one JSON document.
    #[arg(long, value_enum, default_value_t = LedgerFormat::Text)]
    pub format: LedgerFormat,

    /// Mask recipients (on by default when CI is set).
    #[arg(long)]
    pub redact: bool,

    #[command(flatten)]
    pub lang: LangArgs,
}

#[derive(Debug, Args)]
pub struct LedgerShowArgs {
    #[command(flatten)]
    pub ledger: LedgerArgs,

    /// Recipients, written as in a consent file (emails in any case, phones in any common form).
    #[arg(value_name = "RECIPIENT", required = true)]
    pub recipients: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LedgerFormat {
    Text,
    Json,
}
