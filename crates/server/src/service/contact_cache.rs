//! What the contact API reads on every request, kept in memory: each org's name with its
//! certification info, and whether an app may run in an org.
//!
//! Like the principal cache (`auth.rs`), both are emptied by the store's change feed — inline
//! for this process's changes, by NOTIFY or polling for other processes' — and every store
//! method that changes an org, its certification info, an app or an installation moves the
//! change counter. A generation counter keeps a read that raced with a change from putting a
//! stale answer back. Both are bounded; a safety-net TTL bounds any staleness the feed missed.

use std::sync::{atomic::Ordering, Arc};

use opending_domain::{user::User, ClientId, CorpId, UnionId};

use super::Result;
pub use crate::state::contact_cache::{ContactCache, OrgCard};
use crate::Core;

impl ContactCache {
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

    /// The user's profile; `None` if there is no such user.
    pub async fn user(&self, core: &Core, union_id: &UnionId) -> Result<Option<Arc<User>>> {
        if let Some(hit) = self.users.get(union_id) {
            return Ok(Some(hit));
        }
        let generation = self.generation.load(Ordering::SeqCst);
        let Some(user) = core.store.get_user(union_id).await? else {
            return Ok(None);
        };
        let user = Arc::new(user);
        if self.generation.load(Ordering::SeqCst) == generation {
            self.users.insert(union_id.clone(), user.clone());
        }
        Ok(Some(user))
    }

    /// The org that owns `app`; `None` if there is no such app.
    pub async fn app_owner(&self, core: &Core, app: &ClientId) -> Result<Option<CorpId>> {
        if let Some(hit) = self.app_owners.get(app) {
            return Ok(Some(hit));
        }
        let generation = self.generation.load(Ordering::SeqCst);
        let Some(owner) = core.store.get_app(app).await?.map(|a| a.owner_corp_id) else {
            return Ok(None);
        };
        if self.generation.load(Ordering::SeqCst) == generation {
            self.app_owners.insert(app.clone(), owner.clone());
        }
        Ok(Some(owner))
    }
}
