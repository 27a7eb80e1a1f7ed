//! What the probes and the metrics scrape read: whether storage answers, and the metrics text
//! with the connection pools' state.

use std::time::Duration;

use opending_domain::secret::Purpose;

use crate::Core;

/// How long readiness waits for storage before calling it unavailable.
pub const READY_WITHIN: Duration = Duration::from_secs(1);

/// Whether storage answered a round trip within [`READY_WITHIN`].
#[derive(Debug)]
pub enum Storage {
    /// It did.
    Ready,
    /// It answered an error (logged here, not shown to the caller).
    Failed,
    /// It did not answer in time.
    TimedOut,
}

/// Storage's answer to a ping, and which backend it is (`sqlite` or `postgres`).
pub async fn storage(core: &Core) -> (&'static str, Storage) {
    let backend = core.store.backend();
    let state = match tokio::time::timeout(READY_WITHIN, core.store.ping()).await {
        Ok(Ok(())) => Storage::Ready,
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "health check: storage unavailable");
            Storage::Failed
        }
        Err(_) => {
            tracing::warn!("health check: storage did not answer within 1 s");
            Storage::TimedOut
        }
    };
    (backend, state)
}

/// Whether `presented` (a bearer token, `""` when none) may read the metrics: always when no
/// metrics token is configured. Keyed hashes compare in constant time; the length of the
/// presented value leaks nothing.
pub fn metrics_allowed(core: &Core, presented: &str) -> bool {
    match &core.metrics_token_hash {
        Some(expected) => core.key.hash(Purpose::AdminKey, presented.as_bytes()) == *expected,
        None => true,
    }
}

/// The Prometheus text of this instance's metrics, with the pools' state sampled now.
pub fn metrics(core: &Core) -> String {
    core.metrics.render(&core.store.pool_state())
}
