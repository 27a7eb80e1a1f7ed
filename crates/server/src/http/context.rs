//! Per-request context: a DingTalk-style request id, the path's error vocabulary, the route,
//! the client's address and the acting user, set by the middleware (`http/request.rs`).
//!
//! It is kept in a task-local so the error renderer can put the id in every error body without
//! each handler passing it along; the services get what they need of it as an
//! [`crate::Origin`] (the extractor in `http/extract.rs`), never from here.

use std::sync::{Arc, OnceLock};

use axum::http::HeaderName;

/// Response header carrying the request id (as real DingTalk sends).
pub static REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-acs-request-id");

/// Which vocabulary and envelope a path's errors use (docs/dingtalk/decisions.md §6, §19).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// `/v1.0/oauth2/*` and everything else: `server.error`.
    OAuth,
    /// `/v1.0/contact/*`: `service.system.error`.
    Contact,
    /// DingTalk's legacy (oapi) paths: HTTP 200 with `errcode`/`errmsg`.
    Legacy(opending_domain::Surface),
}

/// The legacy (oapi) path prefixes (docs/dingtalk/decisions.md §19); they do not collide with
/// the v1.0 paths, the pages or opending's own.
const LEGACY_PREFIXES: &[&str] = &[
    "/gettoken",
    "/get_jsapi_ticket",
    "/service/",
    "/topapi/",
    "/user/",
    "/department/",
    "/sns/",
    "/sso/",
    "/connect/",
];

impl Family {
    /// The family of a request path.
    pub fn of_path(path: &str) -> Self {
        if path.starts_with("/v1.0/contact/") {
            Family::Contact
        } else if path.starts_with("/topapi/") {
            Family::Legacy(opending_domain::Surface::Topapi)
        } else if LEGACY_PREFIXES.iter().any(|p| {
            path.strip_prefix(p)
                .is_some_and(|rest| p.ends_with('/') || rest.is_empty() || rest.starts_with('/'))
        }) {
            Family::Legacy(opending_domain::Surface::Plain)
        } else {
            Family::OAuth
        }
    }
}

/// What the rest of the request can learn about itself.
#[derive(Debug, Clone)]
pub struct RequestContext {
    /// The request id, e.g. `30EE8654-1AA2-7D88-8248-9518547248AA`.
    pub request_id: Arc<str>,
    /// The path's error vocabulary.
    pub family: Family,
    /// The calling app, once a handler or extractor knows it (for the journal).
    pub client_id: Arc<OnceLock<String>>,
    /// The matched route pattern (`/v1.0/oauth2/{corp_id}/token`), if a route matched.
    pub route: Option<Arc<str>>,
    /// Who acts, once a guard established it: the signed-in person on the org administration
    /// and console pages, the admin key's holder on the admin API and the operator's pages.
    /// The services' policy and the audit log read it through [`crate::Origin`].
    pub acting: Arc<OnceLock<crate::origin::Acting>>,
    /// The client's address: the peer's, or the one a trusted proxy forwarded
    /// ([`crate::limits::Limits::client_address`]); the one address every limit and log uses.
    pub client_address: Option<std::net::IpAddr>,
}

impl RequestContext {
    /// What the services learn of this request ([`crate::Origin`]).
    pub fn origin(&self) -> crate::Origin {
        crate::Origin::request(
            self.request_id.clone(),
            self.client_address,
            self.route.clone(),
            self.acting.clone(),
        )
    }
}

/// The current request's client address.
pub fn client_address() -> Option<std::net::IpAddr> {
    current().and_then(|c| c.client_address)
}

tokio::task_local! {
    static CURRENT: RequestContext;
}

/// Runs `f` as the request that `ctx` describes (the middleware, `http/middleware.rs`).
pub async fn scope<F: std::future::Future>(ctx: RequestContext, f: F) -> F::Output {
    CURRENT.scope(ctx, f).await
}

/// The context of the request being served, if any.
pub fn current() -> Option<RequestContext> {
    CURRENT.try_with(Clone::clone).ok()
}

/// Notes which app is calling (the first call wins); shown in the request journal.
pub fn note_client(client_id: &str) {
    let _ = CURRENT.try_with(|c| c.client_id.set(client_id.to_owned()));
}

/// The error code a response carried, stashed by the renderer for the access log.
#[derive(Debug, Clone, Copy)]
pub struct ErrorCodeTag(pub &'static str);
