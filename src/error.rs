//! Errors classified where they happen, and the one place they become exit codes (SPEC §5).

use std::io;

/// What a command that ran to the end found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Everything was valid and (for uploads) accepted.
    Success,
    /// Invalid rows, or records refused by the API.
    DataProblems,
}

impl Status {
    /// `DataProblems` when the run found invalid rows or refused records, else `Success`.
    pub fn of(problems: bool) -> Status {
        if problems {
            Status::DataProblems
        } else {
            Status::Success
        }
    }
}

/// Why a command stopped early.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad flags, bad configuration, missing credentials.
    #[error("{0}")]
    Usage(String),
    /// A file or stream could not be read or written.
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: io::Error,
    },
    /// The upload stopped: authentication refused, retries exhausted.
    #[error("{0}")]
    Aborted(String),
    /// Ctrl-C (SIGINT).
    #[error("{}", crate::tr!("err-interrupted"))]
    Interrupted,
    /// SIGTERM.
    #[error("{}", crate::tr!("err-terminated"))]
    Terminated,
}

impl Error {
    pub fn io(context: impl Into<String>, source: io::Error) -> Error {
        Error::Io {
            context: context.into(),
            source,
        }
    }

    /// A closed stdout (`iysync … | head`) ends the run quietly; it is not a failure.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Io { source, .. } if source.kind() == io::ErrorKind::BrokenPipe)
    }
}

/// The exit code of every outcome, in one place.
pub fn exit_code(result: &Result<Status, Error>) -> u8 {
    match result {
        Ok(Status::Success) => 0,
        Ok(Status::DataProblems) => 1,
        Err(e) if e.is_broken_pipe() => 0,
        Err(Error::Usage(_) | Error::Io { .. }) => 2,
        Err(Error::Aborted(_)) => 3,
        Err(Error::Interrupted) => 130,
        Err(Error::Terminated) => 143,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_outcome_has_its_spec_exit_code() {
        assert_eq!(exit_code(&Ok(Status::Success)), 0);
        assert_eq!(exit_code(&Ok(Status::DataProblems)), 1);
        assert_eq!(exit_code(&Err(Error::Usage("x".into()))), 2);
        assert_eq!(exit_code(&Err(Error::io("x", io::Error::other("y")))), 2);
        assert_eq!(exit_code(&Err(Error::Aborted("x".into()))), 3);
        assert_eq!(exit_code(&Err(Error::Interrupted)), 130);
        assert_eq!(exit_code(&Err(Error::Terminated)), 143);
        let pipe = Error::io("stdout", io::Error::from(io::ErrorKind::BrokenPipe));
        assert_eq!(exit_code(&Err(pipe)), 0);
    }
}
