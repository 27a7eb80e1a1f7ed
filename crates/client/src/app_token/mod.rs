//! The app token manager: one cached app access token per (clientId, corpId), refreshed ahead
//! of expiry, fetched by one caller at a time, dropped and fetched again when the server
//! refuses it.
//!
//! How a call for a token goes:
//! 1. A fresh token in the store is returned at once (no lock taken).
//! 2. Otherwise the caller takes the manager's refresh lock; callers arriving meanwhile wait for
//!    it and then find the token the first one stored (single flight). A shared store's lock
//!    (Redis) extends this across processes.
//! 3. If the fetch fails with a retryable error while the old token has not yet expired, the old
//!    token is returned (refresh-ahead buys time to ride out an outage).
//! 4. If the fetch fails, the callers that were already waiting get the same error instead of
//!    each trying again; after an outage-type failure (5xx, timeout, rate limit) new callers
//!    get the live token, or the same error, for one second before the next attempt.

mod store;

#[cfg(feature = "redis")]
mod redis_store;

use std::{
    fmt,
    future::Future,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

#[cfg(feature = "redis")]
pub use redis_store::RedisStore;
pub(crate) use store::now_ms;
pub use store::{CachedToken, Lifetimes, LockAttempt, MemoryStore, StoreLock, TokenStore};
use tracing::Instrument;

use crate::{
    model::{
        GetAccessTokenRequest, GetCorpAccessTokenRequest, GetSsoAccessTokenRequest,
        GetSuiteAccessTokenRequest, GetTokenRequest,
    },
    Client, Credentials, Error, Result, Secret, SuiteTickets,
};

/// After a retryable failure to fetch, how long new callers get the live token (or the same
/// error) instead of another attempt.
const FAILURE_COOLDOWN: Duration = Duration::from_secs(1);

/// Which endpoint issues the token, and so which kind of token the manager caches.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenSource {
    /// `POST /v1.0/oauth2/{corpId}/token` for this org (internal or third-party apps).
    Corp(String),
    /// The legacy `POST /v1.0/oauth2/accessToken` (internal apps, their own org).
    Legacy,
    /// DingTalk's oapi `GET /gettoken?appkey=&appsecret=` (internal apps, their own org): the
    /// same token as [`TokenSource::Legacy`], so the two share a cache entry.
    Oapi,
    /// `POST /v1.0/oauth2/corpAccessToken`: a third-party app's token in an org that installed
    /// it, signed with the current suite ticket. The same kind of token as
    /// [`TokenSource::Corp`] for that org, so the two share a cache entry.
    SuiteCorp {
        /// The installing org.
        corp_id: String,
        /// Where the current suite ticket comes from.
        tickets: SuiteTickets,
    },
    /// `POST /v1.0/oauth2/suiteAccessToken`: the suite token of a third-party app itself
    /// (for `apps/authInfo` and the `/service/*` calls).
    Suite(SuiteTickets),
    /// `POST /v1.0/oauth2/ssoAccessToken`: an org's SSO token, for reading who opened an app's
    /// admin backend. The manager's credentials are the org's corpId and its SSO secret.
    Sso,
}

impl TokenSource {
    /// The org the tokens are for, when the source names one.
    fn corp(&self) -> Option<&str> {
        match self {
            TokenSource::Corp(c) | TokenSource::SuiteCorp { corp_id: c, .. } => Some(c),
            _ => None,
        }
    }

    /// The cache key's kind and org parts: sources that issue the same token share them.
    fn key_parts(&self) -> (&'static str, &str) {
        match self {
            TokenSource::Corp(c) | TokenSource::SuiteCorp { corp_id: c, .. } => ("app-token", c),
            TokenSource::Legacy | TokenSource::Oapi => ("app-token", "-legacy"),
            TokenSource::Suite(_) => ("suite-token", "-"),
            TokenSource::Sso => ("sso-token", "-"),
        }
    }
}

/// Caches and refreshes the app access token of one app in one org — or, by its
/// [`TokenSource`], a third-party app's suite token, or an org's SSO token. Cheap to clone:
/// clones share the cache and the refresh lock. Create one per (app, org) and keep it.
///
/// ```no_run
/// # async fn demo() -> Result<(), opending_client::Error> {
/// use opending_client::{AppTokenManager, Client, Credentials};
///
/// let client = Client::builder().base_url("http://127.0.0.1:8080").build()?;
/// let tokens = AppTokenManager::new(
///     client.clone(),
///     Credentials::new("dingacmehr", "acme-hr-secret-0123456789abcdef"),
///     "dingacme",
/// );
/// // A token from the cache, fetched only when missing or due for refresh:
/// let token = tokens.get_token().await?;
/// // A call that fetches a new token and tries once more if the server refuses the cached one:
/// let info = tokens
///     .call_with_app_token(|token| {
///         let client = client.clone();
///         async move { client.get_org_auth_info(&token, None).await }
///     })
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct AppTokenManager {
    inner: Arc<Inner>,
}

struct Inner {
    client: Client,
    credentials: Credentials,
    source: TokenSource,
    store: Arc<dyn TokenStore>,
    lifetimes: Lifetimes,
    lock_ttl: Duration,
    key: String,
    refresh: tokio::sync::Mutex<()>,
    last_failure: Mutex<Option<(Instant, Error)>>,
}

impl fmt::Debug for AppTokenManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppTokenManager")
            .field("client_id", &self.inner.credentials.client_id)
            .field("source", &self.inner.source)
            .field("store", &self.inner.store)
            .field("lifetimes", &self.inner.lifetimes)
            .finish_non_exhaustive()
    }
}

impl AppTokenManager {
    /// A manager for the app `credentials` in org `corp_id`, caching in memory with the default
    /// [`Lifetimes`].
    pub fn new(client: Client, credentials: Credentials, corp_id: impl Into<String>) -> Self {
        Self::builder(client, credentials, TokenSource::Corp(corp_id.into())).build()
    }

    /// A manager of a third-party app's tokens in the org `corp_id` that installed it, from
    /// `POST /v1.0/oauth2/corpAccessToken` signed with the suite ticket `tickets` gives at the
    /// time of each fetch.
    pub fn third_party(
        client: Client,
        credentials: Credentials,
        corp_id: impl Into<String>,
        tickets: SuiteTickets,
    ) -> Self {
        let source = TokenSource::SuiteCorp {
            corp_id: corp_id.into(),
            tickets,
        };
        Self::builder(client, credentials, source).build()
    }

    /// A manager of a third-party app's suite token (`POST /v1.0/oauth2/suiteAccessToken`).
    pub fn suite(client: Client, credentials: Credentials, tickets: SuiteTickets) -> Self {
        Self::builder(client, credentials, TokenSource::Suite(tickets)).build()
    }

    /// A manager of the SSO token of the org `corp_id` (`POST /v1.0/oauth2/ssoAccessToken`),
    /// whose SSO secret is `sso_secret`.
    pub fn sso(client: Client, corp_id: impl Into<String>, sso_secret: impl Into<Secret>) -> Self {
        let credentials = Credentials::new(corp_id.into(), sso_secret.into());
        Self::builder(client, credentials, TokenSource::Sso).build()
    }

    /// A builder for other stores, lifetimes or token sources.
    pub fn builder(
        client: Client,
        credentials: Credentials,
        source: TokenSource,
    ) -> AppTokenManagerBuilder {
        AppTokenManagerBuilder {
            client,
            credentials,
            source,
            store: None,
            lifetimes: Lifetimes::default(),
            lock_ttl: Duration::from_secs(15),
        }
    }

    /// A manager for the same app in another org, sharing the client, store and settings
    /// (for a third-party app installed in many orgs). A manager of corp tokens from
    /// `corpAccessToken` keeps its suite tickets; any other gets `/v1.0/oauth2/{corpId}/token`.
    pub fn for_corp(&self, corp_id: impl Into<String>) -> Self {
        let i = &self.inner;
        let corp_id = corp_id.into();
        let source = match &i.source {
            TokenSource::SuiteCorp { tickets, .. } | TokenSource::Suite(tickets) => {
                TokenSource::SuiteCorp {
                    corp_id,
                    tickets: tickets.clone(),
                }
            }
            _ => TokenSource::Corp(corp_id),
        };
        AppTokenManagerBuilder {
            client: i.client.clone(),
            credentials: i.credentials.clone(),
            source,
            store: Some(i.store.clone()),
            lifetimes: i.lifetimes.clone(),
            lock_ttl: i.lock_ttl,
        }
        .build()
    }

    /// The app's clientId.
    pub fn client_id(&self) -> &str {
        &self.inner.credentials.client_id
    }

    /// The org, or `None` for the legacy endpoints and suite tokens (for an SSO token, the
    /// org is the [`AppTokenManager::client_id`]).
    pub fn corp_id(&self) -> Option<&str> {
        self.inner.source.corp()
    }

    /// Where the tokens come from.
    pub fn source(&self) -> &TokenSource {
        &self.inner.source
    }

    /// The store key of this (server, app, org).
    pub fn cache_key(&self) -> &str {
        &self.inner.key
    }

    /// A usable app access token: the cached one while fresh, else a newly fetched one.
    pub async fn get_token(&self) -> Result<Secret> {
        let span = tracing::debug_span!(
            "app_token",
            client_id = %self.inner.credentials.client_id,
            corp_id = self.corp_id().unwrap_or("-"),
        );
        async {
            if let Some(t) = self.inner.store.get(&self.inner.key).await? {
                if t.is_fresh(store::now_ms()) {
                    return Ok(t.access_token);
                }
            }
            self.refresh_slow().await
        }
        .instrument(span)
        .await
    }

    /// Forgets `token` if it is still the cached one (the server refused it), so the next
    /// [`AppTokenManager::get_token`] fetches a new one.
    pub async fn invalidate(&self, token: &Secret) -> Result<()> {
        tracing::info!(client_id = %self.inner.credentials.client_id, corp_id = self.corp_id().unwrap_or("-"), "dropping a refused app token");
        Ok(self.inner.store.remove_if(&self.inner.key, token).await?)
    }

    /// Runs `call` with a token; if the server answers `InvalidAuthentication` (the token was
    /// revoked or expired early), drops the token, fetches a new one and runs `call` once more.
    pub async fn call_with_app_token<T, F, Fut>(&self, mut call: F) -> Result<T>
    where
        F: FnMut(Secret) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let token = self.get_token().await?;
        match call(token.clone()).await {
            Err(e) if e.is_invalid_token() => {
                tracing::warn!(error = %e, "the app token was refused; fetching a new one and retrying once");
                self.invalidate(&token).await?;
                let fresh = self.get_token().await?;
                call(fresh).await
            }
            other => other,
        }
    }

    async fn refresh_slow(&self) -> Result<Secret> {
        let i = &self.inner;
        let arrived = Instant::now();
        let _guard = i.refresh.lock().await;
        // Whoever held the lock may have just stored a token, or just failed.
        let cached = i.store.get(&i.key).await?;
        if let Some(t) = &cached {
            if t.is_fresh(store::now_ms()) {
                return Ok(t.access_token.clone());
            }
        }
        if let Some((at, err)) = &*i.last_failure.lock().unwrap_or_else(|e| e.into_inner()) {
            // Callers that queued behind a failed fetch share its outcome.
            if *at > arrived {
                return Err(err.clone());
            }
            // Shortly after an outage-type failure, do not hammer the server: serve the live
            // token if there is one, else the same error.
            if err.is_retryable() && at.elapsed() < FAILURE_COOLDOWN {
                return match cached {
                    Some(old) if old.is_live(store::now_ms()) => Ok(old.access_token),
                    _ => Err(err.clone()),
                };
            }
        }
        let result = self.fetch_shared().await;
        match result {
            Ok(token) => {
                *i.last_failure.lock().unwrap_or_else(|e| e.into_inner()) = None;
                Ok(token)
            }
            Err(err) => {
                *i.last_failure.lock().unwrap_or_else(|e| e.into_inner()) =
                    Some((Instant::now(), err.clone()));
                match cached {
                    Some(old) if err.is_retryable() && old.is_live(store::now_ms()) => {
                        tracing::warn!(error = %err, "refreshing the app token failed; using the current one until it expires");
                        Ok(old.access_token)
                    }
                    _ => Err(err),
                }
            }
        }
    }

    /// Fetches under the store's shared lock, when it has one.
    async fn fetch_shared(&self) -> Result<Secret> {
        let i = &self.inner;
        let started = Instant::now();
        loop {
            match i.store.try_lock(&i.key, i.lock_ttl).await? {
                LockAttempt::Unsupported => return self.fetch_and_store().await,
                LockAttempt::Acquired(lock) => {
                    let result = match i.store.get(&i.key).await {
                        // Another process may have stored one while we waited for the lock.
                        Ok(Some(t)) if t.is_fresh(store::now_ms()) => Ok(t.access_token),
                        _ => self.fetch_and_store().await,
                    };
                    if let Err(e) = lock.release().await {
                        tracing::warn!(error = %e, "releasing the token store lock failed; it expires by itself");
                    }
                    return result;
                }
                LockAttempt::Busy => {
                    if let Some(t) = i.store.get(&i.key).await? {
                        if t.is_fresh(store::now_ms()) {
                            return Ok(t.access_token);
                        }
                    }
                    if started.elapsed() > i.lock_ttl {
                        tracing::warn!(
                            "another holder kept the token lock too long; fetching anyway"
                        );
                        return self.fetch_and_store().await;
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
    }

    async fn fetch_and_store(&self) -> Result<Secret> {
        let i = &self.inner;
        let (token, expires_in) = match &i.source {
            TokenSource::Corp(corp) => {
                let r = i
                    .client
                    .get_token(corp, &GetTokenRequest::client_credentials(&i.credentials))
                    .await?;
                (r.access_token, r.expires_in)
            }
            TokenSource::Legacy => {
                let r = i
                    .client
                    .get_access_token(&GetAccessTokenRequest::new(&i.credentials))
                    .await?;
                (r.access_token, r.expire_in)
            }
            TokenSource::Oapi => {
                let r = i.client.get_token_legacy(&i.credentials).await?;
                (r.access_token, r.expires_in)
            }
            TokenSource::SuiteCorp { corp_id, tickets } => {
                let ticket = tickets.current().await?;
                let request = GetCorpAccessTokenRequest::new(&i.credentials, corp_id, &ticket);
                let r = i.client.get_corp_access_token(&request).await?;
                (r.access_token, r.expire_in)
            }
            TokenSource::Suite(tickets) => {
                let ticket = tickets.current().await?;
                let request = GetSuiteAccessTokenRequest::new(&i.credentials, &ticket);
                let r = i.client.get_suite_access_token(&request).await?;
                (r.access_token, r.expire_in)
            }
            TokenSource::Sso => {
                let request = GetSsoAccessTokenRequest::new(&i.credentials);
                let r = i.client.get_sso_access_token(&request).await?;
                (r.access_token, r.expire_in)
            }
        };
        let entry = i.lifetimes.entry(token, expires_in, store::now_ms());
        tracing::info!(
            expires_in,
            kind = self.inner.source.key_parts().0,
            "fetched a token"
        );
        i.store.put(&i.key, &entry).await?;
        Ok(entry.access_token)
    }
}

/// Builds an [`AppTokenManager`].
pub struct AppTokenManagerBuilder {
    client: Client,
    credentials: Credentials,
    source: TokenSource,
    store: Option<Arc<dyn TokenStore>>,
    lifetimes: Lifetimes,
    lock_ttl: Duration,
}

impl fmt::Debug for AppTokenManagerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppTokenManagerBuilder")
            .field("credentials", &self.credentials)
            .field("source", &self.source)
            .field("lifetimes", &self.lifetimes)
            .finish_non_exhaustive()
    }
}

impl AppTokenManagerBuilder {
    /// Where tokens are cached (default: a [`MemoryStore`] of this manager's own).
    pub fn store(mut self, store: Arc<dyn TokenStore>) -> Self {
        self.store = Some(store);
        self
    }

    /// How `expires_in` turns into cache times.
    pub fn lifetimes(mut self, lifetimes: Lifetimes) -> Self {
        self.lifetimes = lifetimes;
        self
    }

    /// Refresh this long before expiry (default 5 minutes).
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.lifetimes.refresh_margin = margin;
        self
    }

    /// Use a fetched token at least this long (default 30 s).
    pub fn min_cache_time(mut self, min: Duration) -> Self {
        self.lifetimes.min_cache_time = min;
        self
    }

    /// How long a shared store's refresh lock is held at most, and how long others wait for
    /// it before fetching anyway (default 15 s).
    pub fn lock_ttl(mut self, ttl: Duration) -> Self {
        self.lock_ttl = ttl;
        self
    }

    /// Builds the manager.
    pub fn build(self) -> AppTokenManager {
        let (kind, corp) = self.source.key_parts();
        // The server's URL is part of the key: a token of one server is never offered to another.
        let key = format!(
            "{kind}|{}|{}|{}",
            self.client.base_url().as_str().trim_end_matches('/'),
            self.credentials.client_id,
            corp
        );
        AppTokenManager {
            inner: Arc::new(Inner {
                client: self.client,
                credentials: self.credentials,
                source: self.source,
                store: self.store.unwrap_or_else(|| Arc::new(MemoryStore::new())),
                lifetimes: self.lifetimes,
                lock_ttl: self.lock_ttl,
                key,
                refresh: tokio::sync::Mutex::new(()),
                last_failure: Mutex::new(None),
            }),
        }
    }
}
