//! The Redis token store: two clients (two connection pools, two Redis connections, as two
//! processes would have) share one app token. Skipped with a notice when Redis is not at
//! 127.0.0.1:6379 (`OPENDING_TEST_REDIS_URL`), unless `OPENDING_REQUIRE_REDIS=1`.

use std::{sync::Arc, time::Duration};

use opending_client::{AppTokenManager, LockAttempt, RedisStore, Secret, TokenSource, TokenStore};

use crate::helpers::*;

/// A new connection to the test Redis, with keys under `prefix`.
async fn redis_store(prefix: &str) -> Option<RedisStore> {
    let url = std::env::var("OPENDING_TEST_REDIS_URL")
        .unwrap_or_else(|_| "redis://127.0.0.1:6379/".into());
    match RedisStore::connect(&url).await {
        Ok(store) => Some(store.with_prefix(prefix)),
        Err(e) => {
            if std::env::var("OPENDING_REQUIRE_REDIS").as_deref() == Ok("1") {
                panic!("Redis is required (OPENDING_REQUIRE_REDIS=1) but unreachable: {e}");
            }
            eprintln!("NOTICE: skipping a Redis test: {e}");
            None
        }
    }
}

/// A key prefix no other test run uses.
fn fresh_prefix() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos(),
    );
    format!(
        "opending-client-test:{:016x}{:08x}:",
        h.finish(),
        std::process::id()
    )
}

fn manager(server: &TestServer, store: &RedisStore) -> AppTokenManager {
    // A separate Client per manager: separate connection pools, like separate processes.
    AppTokenManager::builder(
        client_for(&server.base),
        creds(HR),
        TokenSource::Corp(ACME.into()),
    )
    .store(Arc::new(store.clone()))
    .build()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_clients_share_one_token_through_redis() {
    let prefix = fresh_prefix();
    let Some(store) = redis_store(&prefix).await else {
        return;
    };
    // A second connection, as another process would have.
    let Some(other) = redis_store(&prefix).await else {
        return;
    };
    let server = TestServer::spawn(Backend::sqlite()).await;
    let (a, b) = (manager(&server, &store), manager(&server, &other));
    // Fifty concurrent callers on each: one fetch between them, thanks to the Redis lock.
    let calls: Vec<_> = (0..100)
        .map(|i| {
            let m = if i % 2 == 0 { a.clone() } else { b.clone() };
            tokio::spawn(async move { m.get_token().await })
        })
        .collect();
    let mut tokens = Vec::new();
    for c in calls {
        tokens.push(c.await.unwrap().unwrap());
    }
    assert!(tokens.iter().all(|t| *t == tokens[0]));
    assert_eq!(
        server.token_requests(),
        1,
        "one token request for both clients"
    );
    // One client drops the token after the server refused it; the other fetches the next one
    // and the first sees it.
    assert_eq!(server.revoke(&tokens[0]).await, 1);
    a.invalidate(&tokens[0]).await.unwrap();
    let next = b.get_token().await.unwrap();
    assert_ne!(next, tokens[0]);
    assert_eq!(a.get_token().await.unwrap(), next);
    assert_eq!(server.token_requests(), 2);
    // A stale invalidation (of the old token) leaves the new one in place.
    b.invalidate(&tokens[0]).await.unwrap();
    assert_eq!(a.get_token().await.unwrap(), next);
    assert_eq!(server.token_requests(), 2);
    // Leave nothing behind in the shared Redis.
    a.invalidate(&next).await.unwrap();
    assert_eq!(store.get(a.cache_key()).await.unwrap(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_redis_lock_admits_one_holder() {
    let Some(store) = redis_store(&fresh_prefix()).await else {
        return;
    };
    let lock = match store.try_lock("k", Duration::from_secs(5)).await.unwrap() {
        LockAttempt::Acquired(l) => l,
        other => panic!("{other:?}"),
    };
    assert!(matches!(
        store.try_lock("k", Duration::from_secs(5)).await.unwrap(),
        LockAttempt::Busy
    ));
    lock.release().await.unwrap();
    let again = store
        .try_lock("k", Duration::from_millis(200))
        .await
        .unwrap();
    assert!(matches!(again, LockAttempt::Acquired(_)));
    // An expired lock frees itself.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(matches!(
        store.try_lock("k", Duration::from_secs(1)).await.unwrap(),
        LockAttempt::Acquired(_)
    ));
    // Tokens expire in Redis with the token.
    let entry = opending_client::Lifetimes {
        min_cache_time: Duration::ZERO,
        ..Default::default()
    }
    .entry(Secret::new("t"), 1, now_ms());
    store.put("tok", &entry).await.unwrap();
    assert_eq!(store.get("tok").await.unwrap(), Some(entry));
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(store.get("tok").await.unwrap(), None);
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}
