//! Time as the rules see it: whole Unix seconds, passed in by the caller.
//!
//! The domain never reads the system clock; the server owns a clock (which the emulator can
//! move) and hands `UnixTime` values down, so expiry is testable without sleeping.

use serde::{Deserialize, Serialize};

/// Seconds since the Unix epoch.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UnixTime(pub i64);

impl UnixTime {
    /// This instant plus `secs` seconds (saturating).
    pub fn plus(self, secs: i64) -> Self {
        Self(self.0.saturating_add(secs))
    }

    /// Whole seconds from `self` until `later` (0 if `later` is not after `self`).
    pub fn secs_until(self, later: UnixTime) -> i64 {
        (later.0 - self.0).max(0)
    }
}
