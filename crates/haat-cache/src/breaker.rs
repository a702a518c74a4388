//! A circuit breaker for a dependency Haat can live without (the shared Redis level):
//! after `threshold` failures in a row it opens and calls are skipped for `cooldown`;
//! then one trial call is let through, and its success closes the breaker again.
//!
//! Written by hand: the few crates that offer one either wrap the call (which fights
//! with the timeout and fire-and-forget writes here) or pull in a framework.

use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug)]
struct State {
    failures: u32,
    open_until: Option<Instant>,
    trial: bool,
}

#[derive(Debug)]
pub struct Breaker {
    name: &'static str,
    threshold: u32,
    cooldown: Duration,
    state: Mutex<State>,
}

impl Breaker {
    pub fn new(name: &'static str, threshold: u32, cooldown: Duration) -> Breaker {
        metrics::gauge!("haat_cache_breaker_open", "dependency" => name).set(0.0);
        Breaker {
            name,
            threshold: threshold.max(1),
            cooldown,
            state: Mutex::new(State {
                failures: 0,
                open_until: None,
                trial: false,
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// May a call go through now? While open: no, except one trial once the cooldown
    /// has passed.
    pub fn allow(&self) -> bool {
        let mut state = self.lock();
        match state.open_until {
            None => true,
            Some(until) if Instant::now() < until || state.trial => false,
            Some(_) => {
                state.trial = true;
                true
            }
        }
    }

    pub fn is_open(&self) -> bool {
        self.lock().open_until.is_some()
    }

    pub fn success(&self) {
        let mut state = self.lock();
        state.failures = 0;
        if state.open_until.take().is_some() {
            state.trial = false;
            metrics::gauge!("haat_cache_breaker_open", "dependency" => self.name).set(0.0);
            tracing::info!(dependency = self.name, "circuit closed: dependency is back");
        }
    }

    pub fn failure(&self, reason: &str) {
        let mut state = self.lock();
        state.failures = state.failures.saturating_add(1);
        let was_open = state.open_until.is_some();
        if state.trial || state.failures >= self.threshold {
            state.open_until = Some(Instant::now() + self.cooldown);
            state.trial = false;
            if !was_open {
                metrics::counter!("haat_cache_breaker_trips_total", "dependency" => self.name)
                    .increment(1);
                metrics::gauge!("haat_cache_breaker_open", "dependency" => self.name).set(1.0);
                tracing::warn!(
                    dependency = self.name,
                    failures = state.failures,
                    cooldown_ms = u64::try_from(self.cooldown.as_millis()).unwrap_or(u64::MAX),
                    reason,
                    "circuit opened: skipping the dependency"
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_the_threshold_and_closes_after_a_good_trial() {
        let breaker = Breaker::new("test", 3, Duration::from_millis(50));
        assert!(breaker.allow());
        breaker.failure("x");
        breaker.failure("x");
        assert!(breaker.allow(), "two failures are not enough");
        breaker.success();
        breaker.failure("x");
        breaker.failure("x");
        assert!(!breaker.is_open(), "a success resets the count");
        breaker.failure("x");
        assert!(breaker.is_open());
        assert!(!breaker.allow(), "open: calls are skipped");
        std::thread::sleep(Duration::from_millis(60));
        assert!(breaker.allow(), "after the cooldown one trial goes through");
        assert!(!breaker.allow(), "only one");
        breaker.failure("still down");
        assert!(!breaker.allow(), "a failed trial opens it again");
        std::thread::sleep(Duration::from_millis(60));
        assert!(breaker.allow());
        breaker.success();
        assert!(!breaker.is_open());
        assert!(breaker.allow() && breaker.allow());
    }
}
