//! Ctrl-C and SIGTERM, process-wide (SPEC §10): the first signal asks the run to stop cleanly (no
//! new work; outputs left under temporary names are removed, the journal and report written); a
//! second one ends the process at once with the same exit status.
//!
//! Handlers are installed once, by [`install`]; everything else only asks [`received`]. Long
//! waits poll it or use [`wait`].
//!
//! A [`Critical`] section (replacing an output directory's set of files) is not cut short: a
//! second signal inside it ends the process only when the section is left, and a first one is
//! reported by the next [`check`] as usual.

use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};
use std::time::Duration;

use crate::error::Error;

/// What the handlers know: the first signal, whether one more came while it could not end the
/// process, and how many critical sections are open.
struct State {
    /// The first stopping signal received (0: none).
    received: AtomicI32,
    /// A further signal came inside a critical section: exit when the last one is left.
    deferred: AtomicI32,
    /// Open critical sections.
    critical: AtomicUsize,
}

impl State {
    const fn new() -> State {
        State {
            received: AtomicI32::new(0),
            deferred: AtomicI32::new(0),
            critical: AtomicUsize::new(0),
        }
    }

    /// A signal arrived: the exit status to `_exit` with now, if the process must end at once.
    /// Only atomics here (it runs in the signal handler).
    fn on_signal(&self, number: i32) -> Option<i32> {
        let first =
            match self
                .received
                .compare_exchange(0, number, Ordering::SeqCst, Ordering::SeqCst)
            {
                Ok(_) => return None,
                Err(first) => first,
            };
        if self.critical.load(Ordering::SeqCst) > 0 {
            self.deferred.store(first, Ordering::SeqCst);
            // The section may have been left between the two loads: then exit here after all.
            if self.critical.load(Ordering::SeqCst) == 0
                && self.deferred.swap(0, Ordering::SeqCst) != 0
            {
                return Some(128 + first);
            }
            return None;
        }
        Some(128 + first)
    }

    fn enter(&self) {
        self.critical.fetch_add(1, Ordering::SeqCst);
    }

    /// Leaves a critical section: the exit status to `_exit` with now, if a second signal came
    /// while inside.
    fn leave(&self) -> Option<i32> {
        if self.critical.fetch_sub(1, Ordering::SeqCst) == 1 {
            match self.deferred.swap(0, Ordering::SeqCst) {
                0 => None,
                first => Some(128 + first),
            }
        } else {
            None
        }
    }

    fn received(&self) -> Option<Stop> {
        match self.received.load(Ordering::SeqCst) {
            0 => None,
            n if n == signal_hook::consts::SIGTERM => Some(Stop::Terminate),
            _ => Some(Stop::Interrupt),
        }
    }
}

static STATE: State = State::new();

/// A critical section: while one is open, a second SIGINT/SIGTERM does not end the process at
/// once; it ends it when the section is left (see [`Critical::enter`]). Used while an output
/// directory's set of files is replaced, which must run to its end or stop at a step of its own.
#[derive(Debug)]
pub struct Critical {
    _private: (),
}

impl Critical {
    /// Opens a critical section, closed when the guard is dropped.
    pub fn enter() -> Critical {
        STATE.enter();
        Critical { _private: () }
    }
}

impl Drop for Critical {
    fn drop(&mut self) {
        if let Some(status) = STATE.leave() {
            signal_hook::low_level::exit(status);
        }
    }
}

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
                // Only async-signal-safe work here: atomics, and `_exit` on the second signal
                // (outside a critical section).
                if let Some(status) = STATE.on_signal(number) {
                    signal_hook::low_level::exit(status);
                }
            };
            // SAFETY: the handler only touches atomics and calls `_exit`, both async-signal-safe.
            unsafe { signal_hook::low_level::register(number, handler) }
                .map_err(|e| crate::tr!("err-signal-handler", error = e))?;
        }
        Ok(())
    });
    result.clone().map_err(Error::Usage)
}

/// The first stopping signal received since the start, if any.
pub fn received() -> Option<Stop> {
    STATE.received()
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

    #[test]
    fn a_second_signal_ends_the_process_at_once_except_inside_a_critical_section() {
        let (int, term) = (signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM);
        // Outside: the first is recorded, the second exits with the first one's status.
        let s = State::new();
        assert_eq!(s.on_signal(int), None);
        assert_eq!(s.received(), Some(Stop::Interrupt));
        assert_eq!(s.on_signal(term), Some(130));
        assert_eq!(s.received(), Some(Stop::Interrupt), "the first one is kept");
        // Inside: the second is deferred until the section is left.
        let s = State::new();
        s.enter();
        assert_eq!(s.on_signal(term), None);
        assert_eq!(s.on_signal(int), None, "deferred inside the section");
        assert_eq!(s.received(), Some(Stop::Terminate));
        assert_eq!(s.leave(), Some(143), "exits once the section is left");
        // A single signal inside a section is only reported (by `check`), never an exit.
        let s = State::new();
        s.enter();
        s.enter();
        assert_eq!(s.on_signal(int), None);
        assert_eq!(s.leave(), None);
        assert_eq!(s.leave(), None);
        assert_eq!(s.received(), Some(Stop::Interrupt));
        // Nested: only leaving the outermost one exits.
        let s = State::new();
        s.enter();
        s.enter();
        assert_eq!(s.on_signal(int), None);
        assert_eq!(s.on_signal(int), None);
        assert_eq!(s.leave(), None);
        assert_eq!(s.leave(), Some(130));
    }
}
