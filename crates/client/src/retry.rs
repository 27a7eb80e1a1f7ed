//! When and how long to wait before sending a failed request again.
//!
//! Exponential backoff with "equal jitter": the n-th wait is drawn uniformly from
//! `[d/2, d]` where `d = min(max_backoff, initial_backoff · 2ⁿ)`, so many clients that failed
//! together do not come back together. A `Retry-After` header, when sent, is honoured up to
//! `max_backoff`.

use std::time::Duration;

use rand::Rng;

/// How often and how patiently a failed request is sent again.
///
/// Only failures worth retrying are retried ([`Error::is_retryable`](crate::Error::is_retryable)):
/// 5xx, 429, DingTalk's rate-limit codes, timeouts and broken connections — never another 4xx.
/// Requests that must not be repeated once processed (exchanging an auth code or a refresh
/// token) are retried only when the server certainly did not act on them: the connection was
/// refused, or a rate limiter turned them away.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0 disables retrying).
    pub max_retries: u32,
    /// The first wait.
    pub initial_backoff: Duration,
    /// The longest wait.
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    /// Three retries, waiting about 0.2 s, 0.4 s and 0.8 s, never more than 10 s.
    fn default() -> Self {
        Self {
            max_retries: 3,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(10),
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    pub fn none() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// The wait before retry number `retry` (0 for the first), honouring `retry_after`.
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        let factor = 2u32.saturating_pow(retry.min(16));
        let ceiling = self
            .initial_backoff
            .saturating_mul(factor)
            .min(self.max_backoff);
        let half = ceiling / 2;
        let jittered = half + rand::thread_rng().gen_range(Duration::ZERO..=half);
        match retry_after {
            Some(asked) => asked.min(self.max_backoff).max(jittered),
            None => jittered,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_jittered_and_capped() {
        let p = RetryPolicy {
            max_retries: 10,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(1),
        };
        for _ in 0..100 {
            let d0 = p.delay(0, None);
            assert!(
                d0 >= Duration::from_millis(50) && d0 <= Duration::from_millis(100),
                "{d0:?}"
            );
            let d2 = p.delay(2, None);
            assert!(
                d2 >= Duration::from_millis(200) && d2 <= Duration::from_millis(400),
                "{d2:?}"
            );
            let d9 = p.delay(9, None);
            assert!(
                d9 >= Duration::from_millis(500) && d9 <= Duration::from_secs(1),
                "{d9:?}"
            );
        }
        let samples: std::collections::HashSet<_> = (0..50).map(|_| p.delay(3, None)).collect();
        assert!(samples.len() > 1, "the wait is jittered");
        assert_eq!(
            p.delay(0, Some(Duration::from_secs(30))),
            Duration::from_secs(1)
        );
        assert!(p.delay(0, Some(Duration::from_millis(700))) >= Duration::from_millis(700));
        assert!(p.delay(u32::MAX, None) <= Duration::from_secs(1));
    }
}
