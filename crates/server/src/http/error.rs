//! The one place where errors become responses, one renderer per envelope: on v1.0 paths
//! DingTalk's `{"code","requestid","message"[,"accessdenieddetail"]}` with the catalogue's
//! status; on legacy (oapi) paths HTTP 200 with `{"errcode","errmsg"}` (errcode 88 with
//! `sub_code`/`sub_msg` and a `request_id` under `/topapi/`), from the domain's one table of
//! legacy codes (`opending_domain::legacy`).
//!
//! Internal faults are logged here with their cause and answered with the path family's opaque
//! error (`server.error`, `service.system.error`, or errcode -1); no internals ever reach the
//! caller.

use axum::{
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use opending_domain::{ApiError, ErrorCode, Surface};
use opending_wire::LegacyErrorBody;

use super::context::{self, ErrorCodeTag, Family};
use crate::service::Error;

/// Every JSON error: DingTalk's body (the wire crate's, which the SDK reads), keys in order.
pub use opending_wire::{AccessDeniedDetail, ErrorBody};

/// Renders a catalogue error in the envelope of the current request's path family.
pub fn render(err: &ApiError) -> Response {
    let ctx = context::current();
    let request_id = ctx.as_ref().map(|c| &*c.request_id).unwrap_or("");
    if let Some(Family::Legacy(surface)) = ctx.as_ref().map(|c| c.family) {
        return render_legacy(err, surface, request_id);
    }
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

/// The legacy envelope: always HTTP 200 (docs/dingtalk/dingtalk-wire-2.md §1.3–1.4).
fn render_legacy(err: &ApiError, surface: Surface, request_id: &str) -> Response {
    let legacy = err.legacy(surface);
    let body = LegacyErrorBody {
        errcode: legacy.errcode,
        sub_code: legacy.sub_code.map(str::to_owned),
        sub_msg: legacy.sub_msg.map(|m| m.into_owned()),
        errmsg: legacy.errmsg.into_owned(),
        request_id: (surface == Surface::Topapi).then(|| legacy_request_id(request_id)),
    };
    let mut resp = (StatusCode::OK, Json(body)).into_response();
    resp.extensions_mut().insert(ErrorCodeTag(err.code.code()));
    resp
}

/// A legacy answer with any errcode (the emulator's `errcode` faults), in the envelope of
/// the current request's path (a `request_id` under `/topapi/`).
pub fn render_errcode(errcode: i64, errmsg: &str) -> Response {
    let ctx = context::current();
    let request_id = ctx.as_ref().map(|c| &*c.request_id).unwrap_or("");
    let topapi = matches!(
        ctx.as_ref().map(|c| c.family),
        Some(Family::Legacy(Surface::Topapi))
    );
    let body = LegacyErrorBody {
        errcode,
        errmsg: errmsg.to_owned(),
        request_id: topapi.then(|| legacy_request_id(request_id)),
        ..Default::default()
    };
    (StatusCode::OK, Json(body)).into_response()
}

/// The `request_id` of a `/topapi/` answer: DingTalk's are 12–13 lowercase alphanumerics
/// (`16l4ew3d47pdp`); ours are the first 13 digits of the request's id (the full id is in the
/// `x-acs-request-id` header), lowercased.
pub fn legacy_request_id(request_id: &str) -> String {
    request_id
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(13)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The opaque 500 of the current request's path family.
pub fn internal() -> ApiError {
    let family = context::current()
        .map(|c| c.family)
        .unwrap_or(Family::OAuth);
    ApiError::new(match family {
        Family::OAuth | Family::Legacy(_) => ErrorCode::ServerError,
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

/// Fallback for unknown paths; under `/topapi/` DingTalk's unknown-method answer (errcode 22
/// naming the ApiName: `dingtalk.oapi.` and the path after `/topapi/`, `/` read as `.`).
pub async fn not_found(uri: axum::http::Uri) -> Error {
    let e = ApiError::new(ErrorCode::NotFound);
    match uri.path().strip_prefix("/topapi/") {
        Some(method) => {
            let name: String = crate::telemetry::cut(method, 200).replace('/', ".");
            e.with_legacy(opending_domain::LegacyCode::InvalidMethod)
                .with_legacy_message(format!("不合法ApiName，ApiName = dingtalk.oapi.{name}"))
                .into()
        }
        None => e.into(),
    }
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
