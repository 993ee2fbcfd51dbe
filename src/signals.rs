//! Ctrl-C and SIGTERM, process-wide (SPEC §10): the first signal asks the run to stop cleanly (no
//! new work; outputs left under temporary names are removed, the journal and report written); a
//! second one ends the process at once with the same exit status.
//!
//! Handlers are installed once, by [`install`]; everything else only asks [`received`]. Long
//! waits poll it or use [`wait`].

use std::sync::atomic::{AtomicI32, Ordering};
use std::time::Duration;

use crate::error::Error;

/// The first stopping signal received (0: none).
static RECEIVED: AtomicI32 = AtomicI32::new(0);

/// A signal that asks the run to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// SIGINT (Ctrl-C): exit status 130.
    Interrupt,
    /// SIGTERM: exit status 143.
    Terminate,
}

impl Stop {
    /// The error that ends the run, carrying its exit status (see [`crate::error::exit_code`]).
    pub fn error(self) -> Error {
        match self {
            Stop::Interrupt => Error::Interrupted,
            Stop::Terminate => Error::Terminated,
        }
    }

    fn number(self) -> i32 {
        match self {
            Stop::Interrupt => signal_hook::consts::SIGINT,
            Stop::Terminate => signal_hook::consts::SIGTERM,
        }
    }
}

/// Installs the handlers for SIGINT and SIGTERM. Safe to call more than once; only the first call
/// installs them.
pub fn install() -> Result<(), Error> {
    static ONCE: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();
    let result = ONCE.get_or_init(|| {
        for stop in [Stop::Interrupt, Stop::Terminate] {
            let number = stop.number();
            let handler = move || {
                // Only async-signal-safe work here: an atomic swap, and `_exit` on the second.
                let first = RECEIVED.swap(number, Ordering::SeqCst);
                if first != 0 {
                    signal_hook::low_level::exit(128 + first);
                }
            };
            // SAFETY: the handler only touches an atomic and calls `_exit`, both async-signal-safe.
            unsafe { signal_hook::low_level::register(number, handler) }
                .map_err(|e| format!("cannot install the signal handler: {e}"))?;
        }
        Ok(())
    });
    result.clone().map_err(Error::Usage)
}

/// The first stopping signal received since the start, if any.
pub fn received() -> Option<Stop> {
    match RECEIVED.load(Ordering::SeqCst) {
        0 => None,
        n if n == signal_hook::consts::SIGTERM => Some(Stop::Terminate),
        _ => Some(Stop::Interrupt),
    }
}

/// `Err` with the signal's error once a stopping signal was received: the check between two
/// units of work.
pub fn check() -> Result<(), Error> {
    match received() {
        Some(stop) => Err(stop.error()),
        None => Ok(()),
    }
}

/// Resolves when a stopping signal has been received (polled every 20 ms: the handler itself may
/// not wake a task).
pub async fn wait() -> Stop {
    loop {
        if let Some(stop) = received() {
            return stop;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_signal_has_its_exit_status() {
        assert_eq!(crate::error::exit_code(&Err(Stop::Interrupt.error())), 130);
        assert_eq!(crate::error::exit_code(&Err(Stop::Terminate.error())), 143);
    }
}
