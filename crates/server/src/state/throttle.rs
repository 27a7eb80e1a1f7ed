//! Counters of failed sign-ins of one instance; the rules are `service/session.rs`'s.

use std::{net::IpAddr, time::Duration};

use moka::sync::Cache;

/// Failed sign-ins allowed per account within [`THROTTLE_WINDOW`].
pub const MAX_FAILURES_PER_ACCOUNT: u32 = 5;
/// Failed sign-ins allowed per address within [`THROTTLE_WINDOW`].
pub const MAX_FAILURES_PER_ADDRESS: u32 = 20;
/// How long failures are remembered.
pub const THROTTLE_WINDOW: Duration = Duration::from_secs(15 * 60);

/// Counters of failed sign-ins (in memory, per instance). Both are keyed by fixed-size values
/// (a digest of the login as typed, the address's limit key), so their 100 000-entry caps bound
/// their bytes as well.
pub struct SignInThrottle {
    pub(crate) per_account: Cache<[u8; 16], u32>,
    pub(crate) per_address: Cache<IpAddr, u32>,
}

impl std::fmt::Debug for SignInThrottle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SignInThrottle")
    }
}

impl Default for SignInThrottle {
    fn default() -> Self {
        Self {
            per_account: Cache::builder()
                .max_capacity(100_000)
                .time_to_live(THROTTLE_WINDOW)
                .build(),
            per_address: Cache::builder()
                .max_capacity(100_000)
                .time_to_live(THROTTLE_WINDOW)
                .build(),
        }
    }
}
