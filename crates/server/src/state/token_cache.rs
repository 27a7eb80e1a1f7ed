//! The principal cache of one instance: resolved access tokens and a negative cache of tokens
//! that resolved to nothing, keyed by the token's keyed hash. The rules that fill and read it
//! are `service/auth.rs`'s.

use std::{
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::Duration,
};

use moka::sync::Cache;
use opending_domain::Principal;

/// Longest a resolved principal is trusted without asking storage again (a safety net: the
/// change feed normally empties the cache long before).
const POSITIVE_TTL: Duration = Duration::from_secs(300);
/// Longest an unknown token is remembered as unknown.
const NEGATIVE_TTL: Duration = Duration::from_secs(60);

/// The principal cache of one instance.
pub struct TokenCache {
    pub(crate) positive: Cache<[u8; 32], Arc<Principal>>,
    pub(crate) negative: Cache<[u8; 32], ()>,
    pub(crate) generation: AtomicU64,
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCache")
            .field("positive", &self.positive.entry_count())
            .field("negative", &self.negative.entry_count())
            .finish()
    }
}

impl TokenCache {
    /// Caches of at most `capacity` principals and `negative_capacity` unknown tokens.
    pub fn new(capacity: u64, negative_capacity: u64) -> Self {
        Self {
            positive: Cache::builder()
                .max_capacity(capacity)
                .time_to_live(POSITIVE_TTL)
                .build(),
            negative: Cache::builder()
                .max_capacity(negative_capacity)
                .time_to_live(NEGATIVE_TTL)
                .build(),
            generation: AtomicU64::new(0),
        }
    }

    /// Forgets everything; called on every change that may withdraw a right.
    pub fn invalidate_all(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.positive.invalidate_all();
        self.negative.invalidate_all();
    }

    /// Entries held now (positive, negative), after pending maintenance.
    pub fn entry_counts(&self) -> (u64, u64) {
        self.positive.run_pending_tasks();
        self.negative.run_pending_tasks();
        (self.positive.entry_count(), self.negative.entry_count())
    }
}
