//! What the contact API reads on every request, kept in memory: each org's card and whether an
//! app may run in an org. The reads that fill it are `service/contact_cache.rs`'s.

use std::{
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::Duration,
};

use moka::sync::Cache;
use opending_domain::{ClientId, CorpId, OrgAuthInfo};

/// Most orgs and (app, org) standings kept.
const CAPACITY: u64 = 10_000;
/// Longest an entry is trusted without asking storage again.
const TTL: Duration = Duration::from_secs(300);

/// An org as the contact API shows it.
#[derive(Debug, Clone)]
pub struct OrgCard {
    /// The org's name.
    pub name: String,
    /// Its certification info (default: level 0).
    pub auth_info: OrgAuthInfo,
}

/// The contact API's cache of one instance.
pub struct ContactCache {
    pub(crate) orgs: Cache<CorpId, Option<Arc<OrgCard>>>,
    pub(crate) may_run: Cache<(ClientId, CorpId), bool>,
    pub(crate) generation: AtomicU64,
}

impl std::fmt::Debug for ContactCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ContactCache")
            .field("orgs", &self.orgs.entry_count())
            .field("may_run", &self.may_run.entry_count())
            .finish()
    }
}

impl Default for ContactCache {
    fn default() -> Self {
        Self {
            orgs: Cache::builder()
                .max_capacity(CAPACITY)
                .time_to_live(TTL)
                .build(),
            may_run: Cache::builder()
                .max_capacity(CAPACITY)
                .time_to_live(TTL)
                .build(),
            generation: AtomicU64::new(0),
        }
    }
}

impl ContactCache {
    /// Forgets everything; called on every change.
    pub fn invalidate_all(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.orgs.invalidate_all();
        self.may_run.invalidate_all();
    }
}
