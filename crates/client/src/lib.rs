//! # opending-client
//!
//! An async Rust SDK for DingTalk Open Platform's token and contact APIs, for real DingTalk
//! (`https://api.dingtalk.com`, the default) and for any [opending] server — a self-hostable,
//! wire-compatible stand-in for DingTalk.
//!
//! What it gets right that hand-written integrations often do not:
//!
//! - **App tokens are cached and shared.** [`AppTokenManager`] keeps one token per (clientId,
//!   corpId), refreshes it ahead of expiry, and lets a hundred concurrent callers cause exactly
//!   one token request (single flight). With the `redis` feature, `RedisStore` shares the
//!   token between processes.
//! - **Odd lifetimes cannot cause a refetch loop.** An `expires_in` of 0 or less, or an absurdly
//!   large one, is clamped ([`Lifetimes`]).
//! - **A revoked token costs one retry, not an outage.**
//!   [`AppTokenManager::call_with_app_token`] drops a token the server refused with
//!   `InvalidAuthentication`, fetches a new one and retries the call once.
//! - **Rotated refresh tokens are never lost.** [`UserTokenSession`] hands each new token pair
//!   to your persistence callback *before* the new access token is used.
//! - **Errors say what happened and what to do.** [`Error`] carries the HTTP status, DingTalk's
//!   `code`, `message`, `requestid` and `requiredScopes`, tells whether retrying may help
//!   ([`Error::is_retryable`]), and its `Display` adds a hint for the common codes.
//! - **Retries only where they are safe.** 5xx, timeouts, dropped connections and the
//!   rate-limit codes are retried with jittered exponential backoff ([`RetryPolicy`]); other 4xx
//!   never are, and exchanging an auth code or refresh token is resent only if the server
//!   certainly did not act on it.
//! - **Secrets stay out of logs.** Client secrets, tokens and codes are [`Secret`]s, shown as
//!   `[redacted]` by `Debug`. Every call runs in a `tracing` span named `dingtalk` with the
//!   operation, path, status, error code, request id and attempt count.
//!
//! [opending]: https://example.invalid/opending
//!
//! ## Against real DingTalk
//!
//! ```no_run
//! use opending_client::{AppTokenManager, Client, Credentials};
//!
//! # async fn run() -> Result<(), opending_client::Error> {
//! let client = Client::new()?; // https://api.dingtalk.com
//! let app = Credentials::new("dingxxxxxxxxxxxxxxxx", std::env::var("DINGTALK_CLIENT_SECRET").unwrap());
//! // One manager per (app, org); clone it freely.
//! let tokens = AppTokenManager::new(client.clone(), app, "dingcorpid0123456789abcdef0123456");
//!
//! // Any call that needs an app token: the token comes from the cache, and a refused token is
//! // replaced and the call retried once.
//! let info = tokens
//!     .call_with_app_token(|token| {
//!         let client = client.clone();
//!         async move { client.get_org_auth_info(&token, None).await }
//!     })
//!     .await?;
//! println!("{} (auth level {})", info.org_name, info.auth_level);
//! # Ok(()) }
//! ```
//!
//! ## Against an opending server
//!
//! Only the base URL changes. Start a server with `opending serve --demo`, or in tests with
//! the seed world of the opending repository:
//!
//! ```no_run
//! use opending_client::{
//!     model::{IntrospectRequest, IntrospectionAuth},
//!     AppTokenManager, Client, Credentials,
//! };
//!
//! # async fn run() -> Result<(), opending_client::Error> {
//! let client = Client::builder().base_url("http://127.0.0.1:8080").build()?;
//! let hr = Credentials::new("dingacmehr", "acme-hr-secret-0123456789abcdef");
//! let tokens = AppTokenManager::new(client.clone(), hr.clone(), "dingacme");
//! let token = tokens.get_token().await?;
//!
//! // opending's own addition: RFC 7662 introspection, for resource servers.
//! let about = client
//!     .introspect(&IntrospectionAuth::Client(hr), &IntrospectRequest::new(token))
//!     .await?;
//! assert!(about.active);
//! println!("{:?} in {:?}, scopes {:?}", about.client_id, about.corp_id, about.scope);
//! # Ok(()) }
//! ```
//!
//! ## Errors
//!
//! ```no_run
//! # async fn run(client: opending_client::Client, token: opending_client::Secret) {
//! match client.get_org_auth_info(&token, None).await {
//!     Ok(info) => println!("{info:?}"),
//!     Err(e) if !e.required_scopes().is_empty() => {
//!         eprintln!("the app needs these permission points: {:?}", e.required_scopes());
//!     }
//!     Err(e) if e.is_invalid_token() => eprintln!("fetch a new token: {e}"),
//!     Err(e) => eprintln!("{e} (retryable: {})", e.is_retryable()),
//! }
//! # }
//! ```
//!
//! A `Display` reads like `GetOrgAuthInfo failed with HTTP 403
//! Forbidden.AccessDenied.AccessTokenPermissionDenied: 没有调用该接口的权限… (required scopes:
//! Contact.Org.Read) [request id 30EE…] — the token lacks a permission point: add it to the app
//! in the developer console (and, for third-party apps, have the org grant it)`.
//!
//! ## User tokens
//!
//! ```no_run
//! use opending_client::{Client, Credentials, UserTokenSession, UserTokens};
//!
//! # async fn run(auth_code: &str) -> Result<(), opending_client::Error> {
//! let client = Client::new()?;
//! let app = Credentials::new("dingxxxxxxxxxxxxxxxx", "secret");
//! // Exchange the code from the browser login or openAuth; `persist` runs with every new pair.
//! let session = UserTokenSession::from_code(client.clone(), app, auth_code, |tokens: UserTokens| async move {
//!     let json = serde_json::to_string(&tokens).expect("serializable");
//!     // store `json` for this user; return Err(..) if that fails
//!     # let _ = json;
//!     Ok::<(), std::io::Error>(())
//! })
//! .await?;
//! let me = session
//!     .call(|token| {
//!         let client = client.clone();
//!         async move { client.get_me(&token).await }
//!     })
//!     .await?;
//! println!("signed in as {:?} ({:?})", me.nick, me.union_id);
//! # Ok(()) }
//! ```
//!
//! Later, rebuild the session from the saved JSON with [`UserTokenSession::new`].
//!
//! ## Other APIs
//!
//! [`Client::send`] with an [`ApiRequest`] calls any DingTalk API with the same headers,
//! retries, error parsing and tracing; combine it with
//! [`AppTokenManager::call_with_app_token`] for the token handling.
//!
//! ## Features
//!
//! - `redis`: `RedisStore`, a [`TokenStore`] in Redis (via the `redis` crate on tokio).
//!
//! TLS is rustls (no OpenSSL).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod app_token;
pub mod callback;
mod client;
mod directory;
#[cfg(feature = "emulator")]
pub mod emulator;
mod endpoints;
pub mod error;
mod jsapi;
pub mod model;
mod request;
mod retry;
mod signed;
#[cfg(feature = "stream")]
pub mod stream;
mod suite_ticket;
mod user_token;

#[cfg(feature = "redis")]
pub use app_token::RedisStore;
pub use app_token::{
    AppTokenManager, AppTokenManagerBuilder, CachedToken, Lifetimes, LockAttempt, MemoryStore,
    StoreLock, TokenSource, TokenStore,
};
pub use client::{
    Client, ClientBuilder, ACCESS_TOKEN_HEADER, DINGTALK_BASE_URL, REQUEST_ID_HEADER,
};
pub use error::{ApiError, Error, Result, StoreError, TransportError, TransportKind};
pub use jsapi::{jsapi_signature, normalize_url};
pub use opending_wire::{Credentials, Secret};
pub use request::ApiRequest;
pub use retry::RetryPolicy;
pub use signed::{suite_signature, SignedQuery};
pub use suite_ticket::{SuiteTicketSource, SuiteTickets};
pub use user_token::{PersistFuture, UserTokenSession, UserTokens};

/// The `reqwest` this crate is built on (for [`ApiRequest`]'s `Method` and
/// [`ClientBuilder::http_client`]).
pub use reqwest;
