//! What the contact API reads on every request, kept in memory: each org's card, whether an
//! app may run in an org, users' profiles and apps' owner orgs. The reads that fill it are
//! `service/contact_cache.rs`'s.

use std::{
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::Duration,
};

use moka::sync::Cache;
use opending_domain::{user::User, ClientId, CorpId, OrgAuthInfo, UnionId};

/// Most orgs, (app, org) standings, profiles and owner orgs kept (each).
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
    /// Profiles of users that exist (an unknown unionId is asked of storage every time: a
    /// new user does not move the change counter).
    pub(crate) users: Cache<UnionId, Arc<User>>,
    /// Owner orgs of apps that exist (likewise).
    pub(crate) app_owners: Cache<ClientId, CorpId>,
    pub(crate) generation: AtomicU64,
}

impl std::fmt::Debug for ContactCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ContactCache")
            .field("orgs", &self.orgs.entry_count())
            .field("may_run", &self.may_run.entry_count())
            .field("users", &self.users.entry_count())
            .field("app_owners", &self.app_owners.entry_count())
            .finish()
    }
}

/// One of the cache's maps: at most [`CAPACITY`] entries, each trusted for [`TTL`] at most.
fn bounded<K, V>() -> Cache<K, V>
where
    K: std::hash::Hash + Eq + Send + Sync + 'static,
    V: Clone + Send + Sync + 'static,
{
    Cache::builder()
        .max_capacity(CAPACITY)
        .time_to_live(TTL)
        .build()
}

impl Default for ContactCache {
    fn default() -> Self {
        Self {
            orgs: bounded(),
            may_run: bounded(),
            users: bounded(),
            app_owners: bounded(),
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
        self.users.invalidate_all();
        self.app_owners.invalidate_all();
    }
}
