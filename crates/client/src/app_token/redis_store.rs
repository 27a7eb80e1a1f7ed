//! A [`TokenStore`] in Redis (feature `redis`): every process pointing at the same Redis uses
//! the same app token, and a `SET NX PX` lock lets only one of them fetch it.
//!
//! Keys are `<prefix><cache key>` holding the [`CachedToken`] as JSON with a Redis expiry at
//! the token's own expiry; locks are `<prefix>lock|<cache key>` holding a random owner value,
//! released by a compare-and-delete script so a lock that timed out and passed to another
//! holder is never released by the old one.

use std::{fmt, time::Duration};

use async_trait::async_trait;
use rand::Rng;
use redis::{aio::ConnectionManager, AsyncCommands, Script};

use super::store::{now_ms, CachedToken, LockAttempt, StoreLock, TokenStore};
use crate::{error::StoreError, Secret};

const REMOVE_IF_SCRIPT: &str = r#"
local v = redis.call('GET', KEYS[1])
if v and cjson.decode(v)['accessToken'] == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"#;

const UNLOCK_SCRIPT: &str = r#"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"#;

/// App tokens in Redis, shared by every process using the same Redis and prefix.
///
/// ```no_run
/// # async fn demo() -> Result<(), opending_client::Error> {
/// use std::sync::Arc;
/// use opending_client::{AppTokenManager, Client, Credentials, RedisStore, TokenSource};
///
/// let store = RedisStore::connect("redis://127.0.0.1:6379/").await?;
/// let tokens = AppTokenManager::builder(
///     Client::new()?,
///     Credentials::new("dingxxxxxxxx", "secret"),
///     TokenSource::Corp("dingcorpid".into()),
/// )
/// .store(Arc::new(store))
/// .build();
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisStore {
    conn: ConnectionManager,
    prefix: String,
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

fn redis_err(what: &str) -> impl FnOnce(redis::RedisError) -> StoreError + '_ {
    move |e| StoreError::new(format!("redis {what} failed"), e)
}

impl RedisStore {
    /// Connects to `url` (e.g. `redis://127.0.0.1:6379/`, `rediss://…` is not enabled), with a
    /// 2 s connection and response timeout and automatic reconnection. Keys start with
    /// `opending-client:`.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let client = redis::Client::open(url).map_err(redis_err("URL parsing"))?;
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Duration::from_secs(2))
            .set_response_timeout(Duration::from_secs(2))
            .set_number_of_retries(2);
        let conn = ConnectionManager::new_with_config(client, config)
            .await
            .map_err(redis_err("connecting"))?;
        Ok(Self::from_connection(conn))
    }

    /// Uses an existing connection manager.
    pub fn from_connection(conn: ConnectionManager) -> Self {
        Self {
            conn,
            prefix: "opending-client:".to_owned(),
        }
    }

    /// Puts every key under `prefix` instead (to separate environments sharing one Redis).
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    fn lock_key(&self, key: &str) -> String {
        format!("{}lock|{key}", self.prefix)
    }
}

#[async_trait]
impl TokenStore for RedisStore {
    async fn get(&self, key: &str) -> Result<Option<CachedToken>, StoreError> {
        let mut conn = self.conn.clone();
        let raw: Option<String> = conn.get(self.key(key)).await.map_err(redis_err("GET"))?;
        match raw {
            None => Ok(None),
            Some(raw) => match serde_json::from_str(&raw) {
                Ok(t) => Ok(Some(t)),
                Err(e) => {
                    // Written by an incompatible version: treat as missing, it gets replaced.
                    tracing::warn!(error = %e, "unreadable token in Redis; ignoring it");
                    Ok(None)
                }
            },
        }
    }

    async fn put(&self, key: &str, token: &CachedToken) -> Result<(), StoreError> {
        let mut conn = self.conn.clone();
        let json =
            serde_json::to_string(token).map_err(|e| StoreError::new("encoding the token", e))?;
        let ttl_ms = (token.expires_at_ms - now_ms()).max(1) as u64;
        let () = conn
            .pset_ex(self.key(key), json, ttl_ms)
            .await
            .map_err(redis_err("SET"))?;
        Ok(())
    }

    async fn remove_if(&self, key: &str, access_token: &Secret) -> Result<(), StoreError> {
        let mut conn = self.conn.clone();
        let _: i64 = Script::new(REMOVE_IF_SCRIPT)
            .key(self.key(key))
            .arg(access_token.expose())
            .invoke_async(&mut conn)
            .await
            .map_err(redis_err("compare-and-delete"))?;
        Ok(())
    }

    async fn try_lock(&self, key: &str, ttl: Duration) -> Result<LockAttempt, StoreError> {
        let mut conn = self.conn.clone();
        let owner = format!("{:032x}", rand::thread_rng().gen::<u128>());
        let lock_key = self.lock_key(key);
        let set: Option<String> = redis::cmd("SET")
            .arg(&lock_key)
            .arg(&owner)
            .arg("NX")
            .arg("PX")
            .arg(ttl.as_millis().max(1) as u64)
            .query_async(&mut conn)
            .await
            .map_err(redis_err("SET NX"))?;
        Ok(match set {
            Some(_) => LockAttempt::Acquired(Box::new(RedisLock {
                conn,
                key: lock_key,
                owner,
            })),
            None => LockAttempt::Busy,
        })
    }
}

struct RedisLock {
    conn: ConnectionManager,
    key: String,
    owner: String,
}

#[async_trait]
impl StoreLock for RedisLock {
    async fn release(self: Box<Self>) -> Result<(), StoreError> {
        let mut conn = self.conn.clone();
        let _: i64 = Script::new(UNLOCK_SCRIPT)
            .key(&self.key)
            .arg(&self.owner)
            .invoke_async(&mut conn)
            .await
            .map_err(redis_err("unlock"))?;
        Ok(())
    }
}
