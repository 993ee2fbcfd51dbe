//! A smooth client-side rate limiter (GCRA, the "virtual scheduling" form of a token bucket).
//!
//! Every attempt (first sends and retries alike) reserves a slot; slots are spaced
//! `60 s / rate_per_min` apart, with a small burst allowance after idle time. Reservations
//! are handed out in order, so a caller that wakes up a little late does not lose throughput:
//! the schedule, not the wake-up time, decides the rate.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A shared GCRA limiter. Cheap to call from many tasks (one short mutex section).
#[derive(Debug)]
pub struct Limiter {
    interval: Duration,
    tolerance: Duration,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    /// Theoretical arrival time of the next request.
    tat: Instant,
    /// End of the last interval during which somebody waited on the limiter.
    covered_until: Instant,
    /// Wall-clock time during which at least one reservation was held back.
    throttled: Duration,
}

impl Limiter {
    /// A limiter allowing `rate_per_min` requests per minute (at least 1) with bursts of
    /// at most `burst` requests (at least 1) after idle time.
    pub fn new(rate_per_min: u32, burst: u32) -> Limiter {
        let rate = u64::from(rate_per_min.max(1));
        let interval = Duration::from_nanos(60_000_000_000 / rate);
        let tolerance = interval * (burst.max(1) - 1);
        let now = Instant::now();
        Limiter {
            interval,
            tolerance,
            state: Mutex::new(State {
                tat: now,
                covered_until: now,
                throttled: Duration::ZERO,
            }),
        }
    }

    /// The spacing between two slots.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// Reserves the next slot and returns how long the caller must wait before sending.
    pub fn reserve(&self) -> Duration {
        self.reserve_at(Instant::now())
    }

    /// [`Limiter::reserve`] with an explicit "now" (for tests).
    pub fn reserve_at(&self, now: Instant) -> Duration {
        let mut st = self.state.lock().unwrap_or_else(|e| e.into_inner());
        // Earliest conforming time: tat - tolerance, but never before now.
        let slot = if st.tat > now + self.tolerance {
            st.tat - self.tolerance
        } else {
            now
        };
        st.tat = st.tat.max(slot) + self.interval;
        if slot > now {
            let from = now.max(st.covered_until);
            if slot > from {
                st.throttled += slot - from;
            }
            st.covered_until = st.covered_until.max(slot);
        }
        slot.saturating_duration_since(now)
    }

    /// Wall-clock time during which at least one request was held back by the limiter.
    pub fn throttled(&self) -> Duration {
        self.state
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .throttled
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spacing_and_burst() {
        let lim = Limiter::new(60_000, 3); // 1 ms interval
        let t0 = Instant::now();
        assert_eq!(lim.reserve_at(t0), Duration::ZERO);
        assert_eq!(lim.reserve_at(t0), Duration::ZERO);
        assert_eq!(lim.reserve_at(t0), Duration::ZERO);
        assert_eq!(lim.reserve_at(t0), Duration::from_millis(1));
        assert_eq!(lim.reserve_at(t0), Duration::from_millis(2));
        // 1000 reservations at the same instant are spread over ~1 s: the rate holds.
        let mut last = Duration::ZERO;
        for _ in 0..1000 {
            last = lim.reserve_at(t0);
        }
        assert_eq!(last, Duration::from_millis(1002));
        assert_eq!(lim.throttled(), Duration::from_millis(1002));
    }

    #[test]
    fn idle_time_is_not_saved_up_beyond_the_burst() {
        let lim = Limiter::new(60, 2); // 1 s interval
        let t0 = Instant::now();
        assert_eq!(lim.reserve_at(t0), Duration::ZERO);
        let later = t0 + Duration::from_secs(100);
        assert_eq!(lim.reserve_at(later), Duration::ZERO);
        assert_eq!(lim.reserve_at(later), Duration::ZERO);
        assert_eq!(lim.reserve_at(later), Duration::from_secs(1));
    }
}
