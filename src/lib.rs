//! iysync: move İYS consent records (ONAY/RET) between systems.
//!
//! The pipeline: [`input`] reads and splits lines → [`record`] judges each row → [`resolve`] keeps
//! one record per recipient, while [`spool`] keeps the valid records for the second pass →
//! [`output`] writes files or [`insider`] sends them; [`report`] tells what happened. [`commands`]
//! glues them together for each subcommand of [`cli`].

// The surface for tests and benches (documented, kept small): the reading, judging, resolving
// and spooling core, and the Insider client. Everything else is private to the binary, so the
// dead-code lint sees it.
mod cli;
mod commands;
mod engine;
mod error;
pub mod i18n;
pub mod input;
pub mod insider;
pub mod ledger;
mod lock;
mod output;
pub mod pipeline;
mod printer;
mod privacy;
pub mod record;
mod report;
pub mod resolve;
mod signals;
pub mod spool;

use clap::{CommandFactory, Parser};

use crate::cli::{Cli, Command};
use crate::error::{Error, Status};

/// Parses the command line, runs the command and returns its exit code.
pub fn main_exit_code() -> u8 {
    let cli = Cli::parse();
    // The language first: every message of the run, the errors of the first checks included,
    // is written in it (clap's own parse errors above stay English).
    i18n::set(cli.command.lang());
    let result = run(cli);
    if let Err(e) = &result
        && !e.is_broken_pipe()
    {
        eprintln!(
            "{}",
            tr!("err-prefix", message = privacy::sanitize(&e.to_string()))
        );
    }
    error::exit_code(&result)
}

fn run(cli: Cli) -> Result<Status, Error> {
    match cli.command {
        Command::Validate(args) => commands::validate::run(&args),
        Command::Convert(args) => commands::convert::run(&args),
        Command::Upsert(args) => commands::upload::upsert(&args),
        Command::Unsubscribe(args) => commands::upload::unsubscribe(&args),
        Command::Resubscribe(args) => commands::upload::resubscribe(&args),
        Command::Sync(args) => commands::sync::run(&args),
        Command::Ledger(cmd) => commands::ledger::run(&cmd),
        Command::Completions { shell } => {
            let mut cmd = Cli::command();
            let mut out = std::io::stdout().lock();
            clap_complete::generate(shell, &mut cmd, "iysync", &mut out);
            Ok(Status::Success)
        }
        Command::Man { command } => {
            let mut out = std::io::stdout().lock();
            cli::render_man(command.as_deref(), &mut out)
                .ok_or_else(|| {
                    Error::Usage(tr!("err-no-man-page", command = format!("{command:?}")))
                })?
                .map_err(|e| Error::io(tr!("err-write-man-page"), e))?;
            Ok(Status::Success)
        }
    }
}
