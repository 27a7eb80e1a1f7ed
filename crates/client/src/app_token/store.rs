//! Where cached app tokens live: the [`TokenStore`] trait, the in-memory default, and the
//! arithmetic of when a token is due for refresh.

use std::{
    collections::HashMap,
    fmt,
    sync::RwLock,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::{error::StoreError, Secret};

/// Milliseconds since the Unix epoch, by the wall clock (shared stores compare across
/// processes, so a monotonic clock will not do).
pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// A cached access token and the two moments that matter.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CachedToken {
    /// The token.
    pub access_token: Secret,
    /// When it stops being usable, Unix milliseconds (as far as the client trusts the server).
    pub expires_at_ms: i64,
    /// From when on it should be replaced, Unix milliseconds (before `expires_at_ms`).
    pub refresh_at_ms: i64,
}

impl fmt::Debug for CachedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachedToken")
            .field("access_token", &self.access_token)
            .field("expires_at_ms", &self.expires_at_ms)
            .field("refresh_at_ms", &self.refresh_at_ms)
            .finish()
    }
}

impl CachedToken {
    /// Whether it may be handed out without asking the server (before `refresh_at_ms`).
    pub fn is_fresh(&self, now_ms: i64) -> bool {
        now_ms < self.refresh_at_ms
    }

    /// Whether it has not yet expired (usable, though maybe due for refresh).
    pub fn is_live(&self, now_ms: i64) -> bool {
        now_ms < self.expires_at_ms
    }
}

/// How a server's `expires_in` turns into cache times.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lifetimes {
    /// Refresh this long before expiry (default 5 min). Never more than half the lifetime,
    /// so a short-lived token is not refreshed on every use.
    pub refresh_margin: Duration,
    /// The shortest time a fetched token is used before asking again (default 30 s), whatever
    /// `expires_in` says: an `expires_in` of 0 or less must not turn into a refetch loop.
    pub min_cache_time: Duration,
    /// The longest lifetime believed (default 1 day); larger `expires_in` values are clamped.
    pub max_lifetime: Duration,
}

impl Default for Lifetimes {
    fn default() -> Self {
        Self {
            refresh_margin: Duration::from_secs(300),
            min_cache_time: Duration::from_secs(30),
            max_lifetime: Duration::from_secs(24 * 3600),
        }
    }
}

impl Lifetimes {
    /// The cache entry for `token`, fetched at `now_ms` with the server's `expires_in` seconds.
    pub fn entry(&self, token: Secret, expires_in: i64, now_ms: i64) -> CachedToken {
        let max_ms = self.max_lifetime.as_millis() as i64;
        let min_ms = self.min_cache_time.as_millis() as i64;
        let told_ms = expires_in.saturating_mul(1000);
        if expires_in <= 0 {
            tracing::warn!(
                expires_in,
                cache_ms = min_ms,
                "the server sent a non-positive expires_in; caching the token for the minimum time"
            );
        } else if told_ms > max_ms {
            tracing::warn!(
                expires_in,
                max_s = max_ms / 1000,
                "the server sent an implausibly long expires_in; clamping"
            );
        }
        let lifetime_ms = told_ms.clamp(0, max_ms).max(min_ms);
        let margin_ms = (self.refresh_margin.as_millis() as i64).min(lifetime_ms / 2);
        let refresh_after_ms = (lifetime_ms - margin_ms).max(min_ms);
        CachedToken {
            access_token: token,
            expires_at_ms: now_ms.saturating_add(lifetime_ms),
            refresh_at_ms: now_ms.saturating_add(refresh_after_ms),
        }
    }
}

/// The outcome of [`TokenStore::try_lock`].
pub enum LockAttempt {
    /// The lock is ours until released (or its time-to-live runs out).
    Acquired(Box<dyn StoreLock>),
    /// Someone else holds it: wait, and look for the token they are fetching.
    Busy,
    /// This store has no shared lock; the manager's in-process lock is all there is.
    Unsupported,
}

impl fmt::Debug for LockAttempt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Acquired(_) => "Acquired",
            Self::Busy => "Busy",
            Self::Unsupported => "Unsupported",
        })
    }
}

/// A held refresh lock of a shared store.
#[async_trait]
pub trait StoreLock: Send + Sync {
    /// Gives the lock back (only if it is still ours).
    async fn release(self: Box<Self>) -> Result<(), StoreError>;
}

/// Storage for cached app tokens, keyed by an opaque string naming (server, app, org).
///
/// The default is [`MemoryStore`] (one process). A shared store (such as `RedisStore` with
/// the `redis` feature) lets several processes use one token, and with [`TokenStore::try_lock`]
/// lets only one of them fetch it.
#[async_trait]
pub trait TokenStore: Send + Sync + fmt::Debug {
    /// The token stored under `key`, if any.
    async fn get(&self, key: &str) -> Result<Option<CachedToken>, StoreError>;

    /// Stores `token` under `key`, replacing what was there.
    async fn put(&self, key: &str, token: &CachedToken) -> Result<(), StoreError>;

    /// Removes the token under `key` if it is still `access_token`, so that a newer token
    /// fetched meanwhile by someone else survives.
    async fn remove_if(&self, key: &str, access_token: &Secret) -> Result<(), StoreError>;

    /// Tries to take the refresh lock of `key` for at most `ttl`. The default has no shared
    /// lock ([`LockAttempt::Unsupported`]).
    async fn try_lock(&self, key: &str, ttl: Duration) -> Result<LockAttempt, StoreError> {
        let _ = (key, ttl);
        Ok(LockAttempt::Unsupported)
    }
}

/// Tokens in this process's memory.
#[derive(Default)]
pub struct MemoryStore {
    tokens: RwLock<HashMap<String, CachedToken>>,
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.tokens.read().map(|t| t.len()).unwrap_or(0);
        f.debug_struct("MemoryStore").field("entries", &n).finish()
    }
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl TokenStore for MemoryStore {
    async fn get(&self, key: &str) -> Result<Option<CachedToken>, StoreError> {
        let tokens = self.tokens.read().unwrap_or_else(|e| e.into_inner());
        Ok(tokens.get(key).cloned())
    }

    async fn put(&self, key: &str, token: &CachedToken) -> Result<(), StoreError> {
        let mut tokens = self.tokens.write().unwrap_or_else(|e| e.into_inner());
        // Drop what has expired, so a long-lived process serving many orgs stays small.
        let now = now_ms();
        tokens.retain(|_, t| t.is_live(now));
        tokens.insert(key.to_owned(), token.clone());
        Ok(())
    }

    async fn remove_if(&self, key: &str, access_token: &Secret) -> Result<(), StoreError> {
        let mut tokens = self.tokens.write().unwrap_or_else(|e| e.into_inner());
        if tokens
            .get(key)
            .is_some_and(|t| t.access_token == *access_token)
        {
            tokens.remove(key);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lifetimes(margin: u64, min: u64) -> Lifetimes {
        Lifetimes {
            refresh_margin: Duration::from_secs(margin),
            min_cache_time: Duration::from_secs(min),
            max_lifetime: Duration::from_secs(86_400),
        }
    }

    #[test]
    fn refresh_ahead_by_the_margin() {
        let e = Lifetimes::default().entry(Secret::new("t"), 7200, 1_000);
        assert_eq!(e.expires_at_ms, 1_000 + 7_200_000);
        assert_eq!(e.refresh_at_ms, 1_000 + 6_900_000);
        assert!(e.is_fresh(1_000 + 6_899_999) && !e.is_fresh(1_000 + 6_900_000));
    }

    #[test]
    fn short_lifetimes_keep_at_least_half() {
        let e = lifetimes(300, 0).entry(Secret::new("t"), 4, 0);
        assert_eq!((e.refresh_at_ms, e.expires_at_ms), (2_000, 4_000));
    }

    #[test]
    fn absurd_lifetimes_are_made_safe() {
        for bad in [0, -1, i64::MIN] {
            let e = lifetimes(300, 30).entry(Secret::new("t"), bad, 0);
            assert_eq!(
                e.refresh_at_ms, 30_000,
                "expires_in {bad}: cached for the minimum"
            );
            assert_eq!(e.expires_at_ms, 30_000);
        }
        let huge = lifetimes(300, 30).entry(Secret::new("t"), i64::MAX, 0);
        assert_eq!(huge.expires_at_ms, 86_400_000);
        assert_eq!(huge.refresh_at_ms, 86_100_000);
        let tiny = lifetimes(300, 30).entry(Secret::new("t"), 1, 0);
        assert_eq!(
            tiny.refresh_at_ms, 30_000,
            "a 1 s lifetime is not refetched every call"
        );
    }

    #[tokio::test]
    async fn memory_store_removes_only_the_named_token() {
        let s = MemoryStore::new();
        let t = Lifetimes::default().entry(Secret::new("a"), 7200, now_ms());
        s.put("k", &t).await.unwrap();
        s.remove_if("k", &Secret::new("b")).await.unwrap();
        assert_eq!(s.get("k").await.unwrap(), Some(t.clone()));
        s.remove_if("k", &Secret::new("a")).await.unwrap();
        assert_eq!(s.get("k").await.unwrap(), None);
        assert!(matches!(
            s.try_lock("k", Duration::from_secs(1)).await.unwrap(),
            LockAttempt::Unsupported
        ));
    }
}
