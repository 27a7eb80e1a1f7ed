//! What the contact API reads on every request, kept in memory: each org's name with its
//! certification info, and whether an app may run in an org.
//!
//! Like the principal cache (`auth.rs`), both are emptied by the store's change feed — inline
//! for this process's changes, by NOTIFY or polling for other processes' — and every store
//! method that changes an org, its certification info, an app or an installation moves the
//! change counter. A generation counter keeps a read that raced with a change from putting a
//! stale answer back. Both are bounded; a safety-net TTL bounds any staleness the feed missed.

use std::{
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc,
    },
    time::Duration,
};

use moka::sync::Cache;
use opending_domain::{ClientId, CorpId, OrgAuthInfo};

use super::Result;
use crate::Core;

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
    orgs: Cache<CorpId, Option<Arc<OrgCard>>>,
    may_run: Cache<(ClientId, CorpId), bool>,
    generation: AtomicU64,
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

    /// The org with its certification info; `None` if it does not exist.
    pub async fn org(&self, core: &Core, corp: &CorpId) -> Result<Option<Arc<OrgCard>>> {
        if let Some(hit) = self.orgs.get(corp) {
            return Ok(hit);
        }
        let generation = self.generation.load(Ordering::SeqCst);
        let card = match core.store.get_org(corp).await? {
            Some(org) => {
                let auth_info = core
                    .store
                    .get_org_auth_info(corp)
                    .await?
                    .unwrap_or_default();
                Some(Arc::new(OrgCard {
                    name: org.name,
                    auth_info,
                }))
            }
            None => None,
        };
        if self.generation.load(Ordering::SeqCst) == generation {
            self.orgs.insert(corp.clone(), card.clone());
        }
        Ok(card)
    }

    /// Whether `app` may run in `corp` (internal in its owner org, third-party where installed
    /// and active).
    pub async fn may_run(&self, core: &Core, app: &ClientId, corp: &CorpId) -> Result<bool> {
        let key = (app.clone(), corp.clone());
        if let Some(hit) = self.may_run.get(&key) {
            return Ok(hit);
        }
        let generation = self.generation.load(Ordering::SeqCst);
        let allowed = core
            .store
            .app_in_org(app, corp)
            .await?
            .is_some_and(|s| s.app.may_run_in(corp, s.org_exists, s.installation).is_ok());
        if self.generation.load(Ordering::SeqCst) == generation {
            self.may_run.insert(key, allowed);
        }
        Ok(allowed)
    }
}
