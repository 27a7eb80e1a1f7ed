//! The one place where errors become responses: DingTalk's
//! `{"code","requestid","message"[,"accessdenieddetail"]}` with the catalogue's status.
//!
//! Internal faults are logged here with their cause and answered with the path family's opaque
//! 500 (`server.error` or `service.system.error`); no internals ever reach the caller.

use axum::{
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use opending_domain::{ApiError, ErrorCode};

use super::context::{self, ErrorCodeTag, Family};
use crate::service::Error;

/// Every JSON error: DingTalk's body (the wire crate's, which the SDK reads), keys in order.
pub use opending_wire::{AccessDeniedDetail, ErrorBody};

/// Renders a catalogue error.
pub fn render(err: &ApiError) -> Response {
    let ctx = context::current();
    let request_id = ctx.as_ref().map(|c| &*c.request_id).unwrap_or("");
    let body = ErrorBody {
        code: Some(err.code.code().to_owned()),
        requestid: Some(request_id.to_owned()),
        message: Some(err.message().to_owned()),
        accessdenieddetail: (!err.required_scopes.is_empty()).then(|| AccessDeniedDetail {
            required_scopes: err.required_scopes.clone(),
        }),
    };
    let status =
        StatusCode::from_u16(err.code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut resp = (status, Json(body)).into_response();
    if err.code == ErrorCode::AdminUnauthorized {
        resp.headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    if err.code == ErrorCode::IntrospectionUnauthorized {
        resp.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"opending\""),
        );
    }
    resp.extensions_mut().insert(ErrorCodeTag(err.code.code()));
    resp
}

/// The opaque 500 of the current request's path family.
pub fn internal() -> ApiError {
    let family = context::current()
        .map(|c| c.family)
        .unwrap_or(Family::OAuth);
    ApiError::new(match family {
        Family::OAuth => ErrorCode::ServerError,
        Family::Contact => ErrorCode::ServiceSystemError,
    })
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        match self {
            Error::Api(e) => {
                if e.code.status() >= 500 {
                    tracing::error!(code = e.code.code(), "request failed");
                }
                render(&e)
            }
            Error::Internal(cause) => {
                tracing::error!(error = causes(&cause), "internal error");
                render(&internal())
            }
        }
    }
}

/// `cause: its source: …`, leaving out a source whose text the message before it already ends
/// with (sqlx and our storage errors both print their source in their own message, so `{:#}`
/// said the same thing three times).
fn causes(error: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in error.chain() {
        let text = cause.to_string();
        if out.ends_with(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

/// Fallback for unknown paths.
pub async fn not_found() -> Error {
    ApiError::new(ErrorCode::NotFound).into()
}

/// Fallback for a known path with the wrong method.
pub async fn method_not_allowed() -> Error {
    ApiError::new(ErrorCode::MethodNotAllowed).into()
}

/// Turns a panic in a handler into the opaque 500 (the panic itself is logged).
pub fn panic_response(_panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("handler panicked");
    render(&internal())
}

#[cfg(test)]
mod tests {
    use super::causes;

    #[derive(Debug, thiserror::Error)]
    #[error("database error: {0}")]
    struct Outer(#[source] Inner);

    #[derive(Debug, thiserror::Error)]
    #[error("database or disk is full")]
    struct Inner;

    #[test]
    fn a_cause_already_in_the_message_is_said_once() {
        let e = anyhow::Error::new(Outer(Inner)).context("issuing a token");
        assert_eq!(
            format!("{e:#}"),
            "issuing a token: database error: database or disk is full: database or disk is full"
        );
        assert_eq!(
            causes(&e),
            "issuing a token: database error: database or disk is full"
        );
    }
}
