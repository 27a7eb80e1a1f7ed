//! Extractors shared by every route: the one access-token extractor, and query/path extractors
//! whose rejections are DingTalk-shaped JSON like every other error.

use std::sync::Arc;

use axum::{
    extract::{FromRequestParts, Path, Query},
    http::request::Parts,
};
use opending_domain::{ApiError, ErrorCode, Principal};
use serde::de::DeserializeOwned;

use crate::{
    service::{auth, Error},
    Core,
};

/// Header carrying the access token on every protected DingTalk API.
pub const TOKEN_HEADER: &str = "x-acs-dingtalk-access-token";

/// The caller of a protected route, resolved from `x-acs-dingtalk-access-token` on v1.0 paths
/// and from the `access_token` query parameter on legacy (oapi) paths, where DingTalk ignores
/// the header (docs/dingtalk/dingtalk-wire-2.md §1.1). Missing, unknown, expired or revoked
/// tokens are refused here: 400 `InvalidAuthentication` on v1.0; errcode 41001 (missing) or
/// 40014 on legacy paths (88 with a `sub_code` under `/topapi/`).
#[derive(Debug, Clone)]
pub struct Authenticated(pub Arc<Principal>);

impl FromRequestParts<Arc<Core>> for Authenticated {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, core: &Arc<Core>) -> Result<Self, Error> {
        let origin = request_origin();
        let PresentedToken(token) = PresentedToken::of(parts)?;
        let principal = auth::authenticate(core, token.as_deref()).await?;
        super::context::note_client(principal.client_id.as_str());
        core.limits
            .charge_request(&origin, principal.client_id.as_str(), core.now())?;
        tracing::debug!(
            client_id = %principal.client_id,
            corp_id = %principal.corp_id,
            held = %principal.scope(),
            "access token accepted"
        );
        Ok(Self(principal))
    }
}

/// The access token a request presents, not yet resolved: `x-acs-dingtalk-access-token` on
/// v1.0 paths; on legacy paths the `access_token` query parameter (`suite_access_token` on the
/// ISV calls that take a suite token), never the header (docs/dingtalk/dingtalk-wire-2.md
/// §1.1). The one place a token is read from a request: [`Authenticated`] resolves it as an
/// app or user token; the ISV and SSO calls resolve it as their own kind of token.
///
/// Missing: on legacy paths errcode 41001 (88/40000 under `/topapi/`); on `/v1.0/oauth2/`
/// `AuthenticationFailed.MissingParameter` (observed, docs/dingtalk/dingtalk-wire-2.md §B3);
/// elsewhere `Some("")`, which the resolution answers with `InvalidAuthentication`.
#[derive(Debug, Clone)]
pub struct PresentedToken(pub Option<String>);

impl PresentedToken {
    fn of(parts: &Parts) -> Result<Self, Error> {
        let legacy = matches!(
            super::context::current().map(|c| c.family),
            Some(super::context::Family::Legacy(_))
        );
        if legacy {
            let query = parts.uri.query().unwrap_or("");
            let token = form_urlencoded::parse(query.as_bytes())
                .find(|(k, _)| k == "access_token" || k == "suite_access_token")
                .map(|(_, v)| v.into_owned());
            return match token.filter(|t| !t.is_empty()) {
                Some(t) => Ok(Self(Some(t))),
                None => Err(ApiError::new(ErrorCode::InvalidAuthentication)
                    .with_legacy(opending_domain::LegacyCode::MissingAccessToken)
                    .into()),
            };
        }
        let header = parts.headers.get(TOKEN_HEADER);
        if header.is_none() && parts.uri.path().starts_with("/v1.0/oauth2/") {
            return Err(ApiError::new(ErrorCode::MissingAuthParameter).into());
        }
        Ok(Self(
            header.and_then(|v| v.to_str().ok()).map(str::to_owned),
        ))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for PresentedToken {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Error> {
        Self::of(parts)
    }
}

impl Authenticated {
    /// The permission check of a route, logged (with the request id, from the span) whichever
    /// way it goes.
    pub fn require(&self, required: &[&str]) -> Result<&Principal, Error> {
        let outcome = self.0.require(required);
        tracing::debug!(
            required = ?required,
            held = %self.0.scope(),
            allowed = outcome.is_ok(),
            "permission check"
        );
        outcome?;
        Ok(&self.0)
    }
}

/// `Query<T>` with a JSON error naming the bad parameter.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(q)| Self(q))
            .map_err(|e| ApiError::with_message(ErrorCode::InvalidParameter, e.body_text()).into())
    }
}

/// `Path<T>` with a JSON error naming the bad segment.
#[derive(Debug)]
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(p)| Self(p))
            .map_err(|e| ApiError::with_message(ErrorCode::InvalidParameter, e.body_text()).into())
    }
}

/// The origin of the request, for the services ([`crate::Origin`]): its id, the client's
/// address, the route and the cell of the acting user, taken from the request's context.
impl<S: Send + Sync> FromRequestParts<S> for crate::Origin {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(_parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(request_origin())
    }
}

/// The current request's [`crate::Origin`].
pub(crate) fn request_origin() -> crate::Origin {
    super::context::current()
        .map(|c| c.origin())
        .unwrap_or_else(|| {
            // Every route runs inside the context middleware; should one not, it is still a
            // request (audited as the admin API, never as the operator).
            crate::Origin::request("-".into(), None, None, Default::default())
        })
}
