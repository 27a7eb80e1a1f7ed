//! User tokens: an access/refresh pair for one user, refreshed when due, with every rotated
//! refresh token handed to the caller's persistence callback before the new access token is
//! used.
//!
//! Refreshing rotates the refresh token: the old one stops working (after a short grace window
//! on opending, docs/dingtalk/decisions.md §10). A process that used a new access token but crashed before
//! saving the new refresh token would lose the user's authorization, so saving comes first; if
//! saving fails, the new pair is held in memory, the new access token is withheld, and saving is
//! tried again on the next call.

use std::{fmt, future::Future, pin::Pin, sync::Arc, time::Duration};

use serde::{Deserialize, Serialize};

use crate::{
    app_token::now_ms,
    model::{GetUserTokenRequest, GetUserTokenResponse},
    Client, Credentials, Error, Result, Secret,
};

/// A user's tokens, in a shape fit for saving (JSON: `accessToken`, `refreshToken`,
/// `expiresAtMs`, `corpId`).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserTokens {
    /// The user access token.
    pub access_token: Secret,
    /// The refresh token (valid 30 days; replaced at every refresh).
    pub refresh_token: Secret,
    /// When the access token expires, Unix milliseconds.
    pub expires_at_ms: i64,
    /// The org the user authorized in, when the server said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corp_id: Option<String>,
}

impl fmt::Debug for UserTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserTokens")
            .field("access_token", &self.access_token)
            .field("refresh_token", &self.refresh_token)
            .field("expires_at_ms", &self.expires_at_ms)
            .field("corp_id", &self.corp_id)
            .finish()
    }
}

impl UserTokens {
    /// The tokens of a `userAccessToken` answer received at `now_ms`. A non-positive
    /// `expireIn` makes the access token count as expiring at once (the next use refreshes).
    pub fn from_response(response: GetUserTokenResponse, now_ms: i64) -> Self {
        let expires_in_ms = response.expire_in.clamp(0, 30 * 24 * 3600) * 1000;
        Self {
            access_token: response.access_token,
            refresh_token: response.refresh_token,
            expires_at_ms: now_ms + expires_in_ms,
            corp_id: response.corp_id,
        }
    }
}

/// The boxed future a persistence callback returns.
pub type PersistFuture =
    Pin<Box<dyn Future<Output = Result<(), Box<dyn std::error::Error + Send + Sync>>> + Send>>;

type PersistFn = Arc<dyn Fn(UserTokens) -> PersistFuture + Send + Sync>;

/// One user's tokens, kept usable: [`UserTokenSession::access_token`] refreshes when the
/// access token has expired or expires within the margin (default 5 minutes), and calls the
/// persistence callback with the new pair before returning the new access token. Cheap to
/// clone; clones share the tokens, and concurrent callers trigger one refresh.
///
/// ```no_run
/// # async fn demo(code: String) -> Result<(), opending_client::Error> {
/// use opending_client::{Client, Credentials, UserTokenSession, UserTokens};
///
/// let client = Client::new()?;
/// let app = Credentials::new("dingxxxxxxxx", "secret");
/// let session = UserTokenSession::from_code(client.clone(), app, &code, |tokens: UserTokens| async move {
///     // Save `tokens` (e.g. serde_json::to_string(&tokens)) in your database here.
///     Ok::<(), std::io::Error>(())
/// })
/// .await?;
/// let me = session
///     .call(|token| {
///         let client = client.clone();
///         async move { client.get_me(&token).await }
///     })
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct UserTokenSession {
    inner: Arc<Inner>,
}

struct Inner {
    client: Client,
    credentials: Credentials,
    persist: PersistFn,
    refresh_margin: Duration,
    state: tokio::sync::Mutex<State>,
}

struct State {
    tokens: UserTokens,
    /// Whether `tokens` reached the persistence callback successfully.
    persisted: bool,
}

impl fmt::Debug for UserTokenSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserTokenSession")
            .field("client_id", &self.inner.credentials.client_id)
            .field("refresh_margin", &self.inner.refresh_margin)
            .finish_non_exhaustive()
    }
}

fn boxed_persist<F, Fut, E>(persist: F) -> PersistFn
where
    F: Fn(UserTokens) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), E>> + Send + 'static,
    E: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    Arc::new(move |tokens| {
        let fut = persist(tokens);
        Box::pin(async move { fut.await.map_err(Into::into) })
    })
}

impl UserTokenSession {
    /// A session over tokens loaded from storage (so already saved). `persist` is called with
    /// every new pair.
    pub fn new<F, Fut, E>(
        client: Client,
        credentials: Credentials,
        tokens: UserTokens,
        persist: F,
    ) -> Self
    where
        F: Fn(UserTokens) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), E>> + Send + 'static,
        E: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        Self {
            inner: Arc::new(Inner {
                client,
                credentials,
                persist: boxed_persist(persist),
                refresh_margin: Duration::from_secs(300),
                state: tokio::sync::Mutex::new(State {
                    tokens,
                    persisted: true,
                }),
            }),
        }
    }

    /// Exchanges an auth code (`grantType=authorization_code`), saves the tokens through
    /// `persist`, and returns the session. Fails if saving fails: the code is spent, so the
    /// user must authorize again.
    pub async fn from_code<F, Fut, E>(
        client: Client,
        credentials: Credentials,
        code: &str,
        persist: F,
    ) -> Result<Self>
    where
        F: Fn(UserTokens) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), E>> + Send + 'static,
        E: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let response = client
            .get_user_token(&GetUserTokenRequest::authorization_code(&credentials, code))
            .await?;
        let tokens = UserTokens::from_response(response, now_ms());
        let persist = boxed_persist(persist);
        persist(tokens.clone())
            .await
            .map_err(|e| Error::Persist(Arc::from(e)))?;
        Ok(Self {
            inner: Arc::new(Inner {
                client,
                credentials,
                persist,
                refresh_margin: Duration::from_secs(300),
                state: tokio::sync::Mutex::new(State {
                    tokens,
                    persisted: true,
                }),
            }),
        })
    }

    /// Refresh this long before the access token expires (default 5 minutes; at most half of
    /// the token's lifetime is given up in practice, since a refresh yields a full lifetime).
    /// Call before sharing the session.
    pub fn with_refresh_margin(self, margin: Duration) -> Self {
        match Arc::try_unwrap(self.inner) {
            Ok(mut inner) => {
                inner.refresh_margin = margin;
                Self {
                    inner: Arc::new(inner),
                }
            }
            Err(inner) => {
                tracing::warn!("with_refresh_margin on a shared session is ignored");
                Self { inner }
            }
        }
    }

    /// A copy of the current tokens.
    pub async fn tokens(&self) -> UserTokens {
        self.inner.state.lock().await.tokens.clone()
    }

    /// A usable access token: the current one, or a new one after a refresh (saved first).
    ///
    /// If a refresh that was only due (not yet needed) fails with a retryable error, the current
    /// access token is returned while it lives.
    pub async fn access_token(&self) -> Result<Secret> {
        let mut state = self.inner.state.lock().await;
        let margin_ms = self.inner.refresh_margin.as_millis() as i64;
        let now = now_ms();
        if state.tokens.expires_at_ms - margin_ms <= now {
            match self.refresh_locked(&mut state).await {
                Ok(()) => {}
                Err(e) if e.is_retryable() && now < state.tokens.expires_at_ms => {
                    tracing::warn!(error = %e, "refreshing the user token failed; using the current one until it expires");
                }
                Err(e) => return Err(e),
            }
        }
        self.ensure_persisted(&mut state).await?;
        Ok(state.tokens.access_token.clone())
    }

    /// Refreshes now, whatever the expiry says, and returns the new access token.
    pub async fn refresh(&self) -> Result<Secret> {
        let mut state = self.inner.state.lock().await;
        self.refresh_locked(&mut state).await?;
        self.ensure_persisted(&mut state).await?;
        Ok(state.tokens.access_token.clone())
    }

    /// Runs `call` with an access token; if the server answers `InvalidAuthentication`,
    /// refreshes (unless another caller already did) and runs `call` once more.
    pub async fn call<T, F, Fut>(&self, mut call: F) -> Result<T>
    where
        F: FnMut(Secret) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let token = self.access_token().await?;
        match call(token.clone()).await {
            Err(e) if e.is_invalid_token() => {
                tracing::warn!(error = %e, "the user token was refused; refreshing and retrying once");
                let fresh = {
                    let mut state = self.inner.state.lock().await;
                    if state.tokens.access_token == token {
                        self.refresh_locked(&mut state).await?;
                    }
                    self.ensure_persisted(&mut state).await?;
                    state.tokens.access_token.clone()
                };
                call(fresh).await
            }
            other => other,
        }
    }

    async fn refresh_locked(&self, state: &mut State) -> Result<()> {
        let i = &self.inner;
        let request =
            GetUserTokenRequest::refresh_token(&i.credentials, state.tokens.refresh_token.clone());
        let response = i.client.get_user_token(&request).await?;
        let mut tokens = UserTokens::from_response(response, now_ms());
        if tokens.corp_id.is_none() {
            tokens.corp_id = state.tokens.corp_id.clone();
        }
        tracing::info!(client_id = %i.credentials.client_id, "refreshed a user token");
        // From here on the old refresh token is spent: keep the new pair whatever happens.
        state.tokens = tokens;
        state.persisted = false;
        Ok(())
    }

    async fn ensure_persisted(&self, state: &mut State) -> Result<()> {
        if state.persisted {
            return Ok(());
        }
        (self.inner.persist)(state.tokens.clone())
            .await
            .map_err(|e| Error::Persist(Arc::from(e)))?;
        state.persisted = true;
        Ok(())
    }
}
