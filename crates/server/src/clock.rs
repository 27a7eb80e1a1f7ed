//! The server's clock: system time plus an offset the emulator can move — or, in deterministic
//! emulator runs, a frozen instant that moves only when told to.

use std::{
    sync::atomic::{AtomicI64, Ordering},
    time::{SystemTime, UNIX_EPOCH},
};

use opending_domain::UnixTime;

/// Wall-clock time as every service sees it.
#[derive(Debug, Default)]
pub struct Clock {
    offset_secs: AtomicI64,
    /// When set, the clock does not follow the system: it stands at this instant (plus offset).
    frozen_at: Option<i64>,
}

impl Clock {
    /// A clock that stands still at `at` until moved (deterministic runs).
    pub fn frozen(at: i64) -> Self {
        Self {
            offset_secs: AtomicI64::new(0),
            frozen_at: Some(at),
        }
    }

    fn base(&self) -> i64 {
        self.frozen_at.unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0)
        })
    }

    /// The current time in whole Unix seconds.
    pub fn now(&self) -> UnixTime {
        // Saturating: the emulator bounds the offset, but a clock must never panic.
        UnixTime(
            self.base()
                .saturating_add(self.offset_secs.load(Ordering::Relaxed)),
        )
    }

    /// The current time in Unix milliseconds: the system's milliseconds within the second, or
    /// none when frozen.
    pub fn now_ms(&self) -> i64 {
        let millis = match self.frozen_at {
            Some(_) => 0,
            None => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| i64::from(d.subsec_millis()))
                .unwrap_or(0),
        };
        self.now().0.saturating_mul(1000).saturating_add(millis)
    }

    /// Moves the clock by `secs` (may be negative).
    pub fn advance(&self, secs: i64) {
        self.offset_secs.fetch_add(secs, Ordering::Relaxed);
    }

    /// Sets the clock to `at`.
    pub fn set(&self, at: UnixTime) {
        self.offset_secs
            .store(at.0.saturating_sub(self.base()), Ordering::Relaxed);
    }

    /// How far the clock is from where it would stand on its own.
    pub fn offset(&self) -> i64 {
        self.offset_secs.load(Ordering::Relaxed)
    }

    /// Back to where it would stand on its own.
    pub fn reset(&self) {
        self.offset_secs.store(0, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Regression (schemathesis): a huge offset made `now()` overflow and panic.
    #[test]
    fn extreme_offsets_saturate_instead_of_panicking() {
        let c = Clock::frozen(1_700_000_000);
        c.advance(i64::MAX);
        assert_eq!(c.now(), UnixTime(i64::MAX));
        c.reset();
        c.set(UnixTime(i64::MIN));
        assert_eq!(c.now(), UnixTime(i64::MIN + 1_700_000_000));
    }
}
