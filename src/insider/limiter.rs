//! A client-side rate limiter that never exceeds its rate in any window, and slows down when the
//! server says it is sending too fast (SPEC §10).
//!
//! Every attempt (first sends and retries alike) reserves a slot; slots are at least
//! `60 s / rate_per_min` apart (rounded up to the nanosecond, so that `rate_per_min` slots never
//! fit in less than a minute), with no burst allowance: any window of one minute, the first one
//! included, holds at most `rate_per_min` slots. Reservations are handed out in order, so a
//! caller that wakes up a little late does not lose throughput: the schedule, not the wake-up
//! time, decides the rate.
//!
//! Adaptive part (AIMD-like): [`Limiter::slow_down`] doubles the spacing (halves the rate) once
//! per "epoch" — all the 429s answering attempts sent at the same rate count as one signal — and
//! [`Limiter::speed_up`] shortens it by 1/16 after each accepted request, never below the
//! configured spacing. [`Limiter::pause_until`] holds every slot back until a server-given time
//! (`Retry-After`).
//!
//! Time is tokio's [`Instant`], so tests can run the limiter on paused (virtual) time.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// The slowest the limiter ever goes: one request a minute.
const SLOWEST: Duration = Duration::from_secs(60);

/// A shared limiter. Cheap to call from many tasks (one short mutex section).
#[derive(Debug)]
pub struct Limiter {
    /// Spacing at the configured rate.
    base: Duration,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    /// Earliest time of the next slot.
    tat: Instant,
    /// Current spacing (≥ `base`).
    interval: Duration,
    /// Bumped by every effective slow-down.
    epoch: u64,
    /// No slot before this time (server's `Retry-After`).
    not_before: Instant,
    /// End of the last interval during which somebody waited on the limiter.
    covered_until: Instant,
    /// Time during which at least one reservation was held back.
    throttled: Duration,
}

impl Limiter {
    /// A limiter allowing `rate_per_min` requests per minute (at least 1).
    pub fn new(rate_per_min: u32) -> Limiter {
        Limiter::new_at(rate_per_min, Instant::now())
    }

    /// [`Limiter::new`] starting at an explicit "now" (for tests).
    pub fn new_at(rate_per_min: u32, now: Instant) -> Limiter {
        let rate = u64::from(rate_per_min.max(1));
        let base = Duration::from_nanos(60_000_000_000u64.div_ceil(rate));
        Limiter {
            base,
            state: Mutex::new(State {
                tat: now,
                interval: base,
                epoch: 0,
                not_before: now,
                covered_until: now,
                throttled: Duration::ZERO,
            }),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The current spacing (longer than the configured rate's after 429s).
    pub fn current_interval(&self) -> Duration {
        self.state().interval
    }

    /// The current rate, in requests per minute.
    pub fn current_rate_per_min(&self) -> f64 {
        60.0 / self.current_interval().as_secs_f64()
    }

    /// Reserves the next slot and returns how long the caller must wait before sending.
    pub fn reserve(&self) -> Duration {
        self.reserve_at(Instant::now())
    }

    /// [`Limiter::reserve`] with an explicit "now" (for tests).
    pub fn reserve_at(&self, now: Instant) -> Duration {
        let mut st = self.state();
        let slot = now.max(st.tat).max(st.not_before);
        st.tat = slot + st.interval;
        if slot > now {
            let from = now.max(st.covered_until);
            if slot > from {
                st.throttled += slot - from;
            }
            st.covered_until = st.covered_until.max(slot);
        }
        slot.saturating_duration_since(now)
    }

    /// The epoch to hand back to [`Limiter::slow_down`] for an attempt sent now.
    pub fn epoch(&self) -> u64 {
        self.state().epoch
    }

    /// The server refused an attempt sent during `epoch` as too fast: halve the rate, unless
    /// that was already done for an attempt sent at the same rate. True when it slowed down.
    pub fn slow_down(&self, epoch: u64) -> bool {
        let mut st = self.state();
        if epoch != st.epoch {
            return false;
        }
        st.epoch += 1;
        st.interval = st.interval.saturating_mul(2).min(SLOWEST.max(self.base));
        true
    }

    /// An attempt was accepted: recover 1/16 of the spacing lost, never beyond the configured
    /// rate.
    pub fn speed_up(&self) {
        let mut st = self.state();
        if st.interval > self.base {
            let shorter = st.interval - st.interval / 16;
            st.interval = shorter.max(self.base);
        }
    }

    /// No slot is handed out before `until`.
    pub fn pause_until(&self, until: Instant) {
        let mut st = self.state();
        st.not_before = st.not_before.max(until);
    }

    /// Time during which at least one request was held back by the limiter.
    pub fn throttled(&self) -> Duration {
        self.state().throttled
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Most slots falling in any window of `window` length, over a sorted list of times.
    fn max_in_window(times: &[Instant], window: Duration) -> usize {
        let mut best = 0;
        let mut start = 0;
        for end in 0..times.len() {
            while times[end] - times[start] >= window {
                start += 1;
            }
            best = best.max(end - start + 1);
        }
        best
    }

    #[test]
    fn spacing_without_burst() {
        let t0 = Instant::now();
        let lim = Limiter::new_at(60_000, t0); // 1 ms interval
        assert_eq!(lim.reserve_at(t0), Duration::ZERO);
        assert_eq!(lim.reserve_at(t0), Duration::from_millis(1));
        assert_eq!(lim.reserve_at(t0), Duration::from_millis(2));
        let mut last = Duration::ZERO;
        for _ in 0..1000 {
            last = lim.reserve_at(t0);
        }
        assert_eq!(last, Duration::from_millis(1002));
        assert_eq!(lim.throttled(), Duration::from_millis(1002));
    }

    #[test]
    fn idle_time_is_not_saved_up() {
        let t0 = Instant::now();
        let lim = Limiter::new_at(60, t0); // 1 s interval
        assert_eq!(lim.reserve_at(t0), Duration::ZERO);
        let later = t0 + Duration::from_secs(100);
        assert_eq!(lim.reserve_at(later), Duration::ZERO);
        assert_eq!(lim.reserve_at(later), Duration::from_secs(1));
    }

    /// Every window of a minute, the first included, holds at most `rate` slots — also for rates
    /// that do not divide a minute into whole nanoseconds, and when callers arrive in bursts.
    #[test]
    fn never_more_than_the_rate_in_any_window() {
        for rate in [1u32, 7, 600, 25_000] {
            let t0 = Instant::now();
            let lim = Limiter::new_at(rate, t0);
            let n = (rate as usize) * 3 + 5;
            let mut times = Vec::with_capacity(n);
            let mut now = t0;
            for i in 0..n {
                // Callers arrive in clumps, sometimes after idle time.
                if i % 50 == 0 {
                    now += Duration::from_millis(((i * 7919) % 1000) as u64);
                }
                let wait = lim.reserve_at(now);
                times.push(now + wait);
            }
            times.sort();
            assert!(
                max_in_window(&times, Duration::from_secs(60)) <= rate as usize,
                "rate {rate}: {} in a minute",
                max_in_window(&times, Duration::from_secs(60))
            );
        }
    }

    #[test]
    fn slows_down_once_per_epoch_and_recovers_gradually() {
        let t0 = Instant::now();
        let lim = Limiter::new_at(600, t0); // 100 ms
        let epoch = lim.epoch();
        assert!(lim.slow_down(epoch));
        // More 429s for attempts sent at the old rate do not halve it again.
        assert!(!lim.slow_down(epoch));
        assert!(!lim.slow_down(epoch));
        assert_eq!(lim.current_interval(), Duration::from_millis(200));
        assert!(lim.slow_down(lim.epoch()));
        assert_eq!(lim.current_interval(), Duration::from_millis(400));
        lim.speed_up();
        assert_eq!(lim.current_interval(), Duration::from_millis(375));
        for _ in 0..200 {
            lim.speed_up();
        }
        assert_eq!(lim.current_interval(), lim.base, "back to the rate");
        // Never slower than one a minute.
        for _ in 0..40 {
            lim.slow_down(lim.epoch());
        }
        assert_eq!(lim.current_interval(), Duration::from_secs(60));
    }

    #[test]
    fn pause_holds_every_slot_back() {
        let t0 = Instant::now();
        let lim = Limiter::new_at(60_000, t0);
        lim.pause_until(t0 + Duration::from_secs(2));
        assert_eq!(lim.reserve_at(t0), Duration::from_secs(2));
        assert_eq!(
            lim.reserve_at(t0 + Duration::from_secs(1)),
            Duration::from_millis(1001)
        );
    }

    /// On tokio's paused clock: tasks that sleep for their reservation really go out at most
    /// `rate` a minute.
    #[tokio::test(start_paused = true)]
    async fn tasks_on_virtual_time_respect_the_rate() {
        let lim = std::sync::Arc::new(Limiter::new(120));
        let mut handles = Vec::new();
        for _ in 0..300 {
            let lim = lim.clone();
            handles.push(tokio::spawn(async move {
                let wait = lim.reserve();
                tokio::time::sleep(wait).await;
                Instant::now()
            }));
        }
        let mut times = Vec::new();
        for h in handles {
            times.push(h.await.expect("task"));
        }
        times.sort();
        assert!(max_in_window(&times, Duration::from_secs(60)) <= 120);
        assert!(times[times.len() - 1] - times[0] >= Duration::from_secs(149));
    }
}
