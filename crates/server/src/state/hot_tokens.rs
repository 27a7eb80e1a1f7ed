//! App tokens handed out this second, for repeat requests; the rules are
//! `service/app_token.rs`'s.

use std::{sync::Arc, time::Duration};

use moka::sync::Cache;
use opending_domain::{ClientId, CorpId, KeyedHash, Secret};

/// The hot path of repeat token requests, kept authoritative and durable.
///
/// Expiries are whole seconds, so a token handed out in the current second already carries,
/// in storage, exactly the expiry a repeat request would renew it to: answering it again from
/// memory needs no write, and the answer survives `kill -9` like the first one. What memory
/// cannot know is whether something changed since — a rotated secret, an uninstall, a
/// revocation, possibly by another process sharing the database. So each entry remembers the
/// change counter as of the storage read it was built from (read in the same statement, see
/// [`opending_store::AppInOrg::change_seq`]), and a hit requires a fresh read of that counter ([`opending_store::Store::fresh_change_seq`], a few microseconds
/// on SQLite) to still show the same value: any change committed anywhere since moves it. The
/// presented secret is compared in constant time against the keyed hash read then.
pub struct HotTokens {
    pub(crate) cache: Cache<(ClientId, CorpId), Arc<Hot>>,
}

/// One hand-out remembered for its second.
pub(crate) struct Hot {
    /// The change counter as of the read of the app (before its token was written).
    pub(crate) seq: i64,
    pub(crate) secret_hash: KeyedHash,
    pub(crate) expires_at: opending_domain::UnixTime,
    pub(crate) value: Secret,
}

impl std::fmt::Debug for HotTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HotTokens")
            .field("entries", &self.cache.entry_count())
            .finish()
    }
}

impl HotTokens {
    /// At most `capacity` (app, org) pairs, each kept two seconds at most (an entry is only
    /// useful within the second it was made in).
    pub fn new(capacity: u64) -> Self {
        Self {
            cache: Cache::builder()
                .max_capacity(capacity)
                .time_to_live(Duration::from_secs(2))
                .build(),
        }
    }

    /// Entries held now, after pending maintenance.
    pub fn entry_count(&self) -> u64 {
        self.cache.run_pending_tasks();
        self.cache.entry_count()
    }
}
