//! How the pending-cancel queue retries: the backoff schedule, the lease that keeps two workers
//! off one cancel, how long a cancel may stay pending before a person must look, and the slower
//! periodic schedule for refusals DANA says to retry periodically.

use std::time::Duration;

use rand::Rng;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuePolicy {
    /// Seconds before each retry: the n-th entry after the n-th try, the last one repeating.
    pub backoff: Vec<u64>,
    /// How long a claim on a cancel lasts. Longer than one DANA exchange plus a status check.
    pub lease_seconds: i64,
    /// A cancel still pending after this long stops retrying and waits for a person.
    pub max_age_seconds: i64,
    /// How often the worker looks for due cancels.
    pub poll: Duration,
    /// Whether this server runs a worker at all.
    pub worker: bool,
    /// Seconds between resends of a cancel DANA refused with a "retry periodically" code.
    pub periodic_seconds: i64,
    /// At most this many attempts answered "retry periodically", the first included; then the
    /// cancel settles as failed (1: no periodic retries).
    pub periodic_attempts: usize,
}

impl Default for QueuePolicy {
    fn default() -> Self {
        Self {
            backoff: vec![30, 60, 120, 300, 600],
            lease_seconds: 60,
            max_age_seconds: 60 * 60,
            poll: Duration::from_secs(1),
            worker: true,
            periodic_seconds: 60 * 60,
            periodic_attempts: 24,
        }
    }
}

impl QueuePolicy {
    /// Seconds to wait after `tries` tries, with ±10% jitter so that a burst of pending cancels
    /// (DANA rate-limiting us, say) does not come back in lockstep.
    pub fn delay_after(&self, tries: usize) -> i64 {
        let base = self.base_delay(tries);
        let spread = base / 10;
        if spread == 0 {
            return base as i64;
        }
        let jitter = rand::rng().random_range(0..=2 * spread);
        (base - spread + jitter) as i64
    }

    fn base_delay(&self, tries: usize) -> u64 {
        let index = tries
            .saturating_sub(1)
            .min(self.backoff.len().saturating_sub(1));
        self.backoff.get(index).copied().unwrap_or(30)
    }
}

/// Parses `30,60,120`: at least one delay, each 1 s to 1 day.
pub fn parse_backoff(text: &str) -> Option<Vec<u64>> {
    let delays: Option<Vec<u64>> = text
        .split(',')
        .map(|d| d.trim().parse().ok().filter(|d| (1..=86_400).contains(d)))
        .collect();
    delays.filter(|d| !d.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_then_repeats_with_bounded_jitter() {
        let policy = QueuePolicy::default();
        for (tries, base) in [(1, 30), (2, 60), (3, 120), (4, 300), (5, 600), (9, 600)] {
            for _ in 0..50 {
                let d = policy.delay_after(tries);
                assert!(
                    (base * 9 / 10..=base * 11 / 10).contains(&d),
                    "{tries}: {d}"
                );
            }
        }
        let spread: std::collections::HashSet<_> = (0..50).map(|_| policy.delay_after(5)).collect();
        assert!(spread.len() > 1, "jitter varies the delay");
    }

    #[test]
    fn backoff_text() {
        assert_eq!(parse_backoff("30, 60,120"), Some(vec![30, 60, 120]));
        assert_eq!(parse_backoff("1"), Some(vec![1]));
        assert_eq!(parse_backoff(""), None);
        assert_eq!(parse_backoff("0,5"), None);
        assert_eq!(parse_backoff("5,x"), None);
    }
}
