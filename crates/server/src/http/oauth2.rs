//! `/v1.0/oauth2/*`: the app token endpoints and introspection. Thin: decode, call the service,
//! encode with DingTalk's exact field names and JSON types.

use std::sync::Arc;

use axum::{
    extract::{rejection::PathRejection, Path, State},
    http::{header, HeaderMap, HeaderValue},
    response::{IntoResponse, Response},
    routing::post,
    Json, Router,
};
use base64::Engine;
use opending_domain::{ApiError, Secret};
use opending_wire as wire;
use serde::{Deserialize, Serialize};

use super::{
    body::{required, JsonBody, JsonOrForm},
    context,
    error::ErrorBody,
};
use crate::{
    service::{app_token, introspect, user_token, Error},
    Core,
};

/// The OpenAPI description of these routes (merged into `/openapi.json`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    token,
    legacy_access_token,
    introspect_token,
    user_access_token,
    jsapi_tickets,
    personal_auth_rules
))]
pub struct ApiDoc;

/// Routes under `/v1.0/oauth2`.
pub fn router() -> Router<Arc<Core>> {
    Router::new()
        .route("/v1.0/oauth2/{corp_id}/token", post(token))
        .route("/v1.0/oauth2/accessToken", post(legacy_access_token))
        .route("/v1.0/oauth2/introspect", post(introspect_token))
        .route("/v1.0/oauth2/userAccessToken", post(user_access_token))
        .route("/v1.0/oauth2/jsapiTickets", post(jsapi_tickets))
        .route(
            "/v1.0/oauth2/authRules/user",
            axum::routing::get(personal_auth_rules),
        )
}

/// Token responses must not be cached (RFC 6749 §5.1).
pub(super) fn no_store(body: impl Serialize) -> Response {
    let mut resp = Json(body).into_response();
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// `GetToken` request (docs/dingtalk/dingtalk-wire.md §4.1); absent, `null` and `""` all count as missing.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenBody {
    /// The app's clientId (AppKey / SuiteKey).
    #[schema(required = true)]
    client_id: Option<String>,
    /// The app's client secret.
    #[schema(required = true)]
    client_secret: Option<String>,
    /// Exactly `client_credentials`.
    #[schema(required = true)]
    grant_type: Option<String>,
}

#[utoipa::path(
    post,
    path = "/v1.0/oauth2/{corpId}/token",
    tag = "oauth2",
    operation_id = "getToken",
    params(("corpId" = String, Path, description = "The org the app runs in")),
    request_body(content = TokenBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The app token (one per app and org; renewed by every request)", body = wire::GetTokenResponse),
        (status = 400, description = "`invalid.request`, `Missingbody`, `invalid.client`, `unsupported.grant.type`", body = ErrorBody),
        (status = 401, description = "`unauthorized.client`: the app may not run in that org", body = ErrorBody),
        (status = 403, description = "`Forbidden.AccessDenied.*` rate limits", body = ErrorBody),
    )
)]
async fn token(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    path: Result<Path<String>, PathRejection>,
    JsonBody(body): JsonBody<TokenBody>,
) -> Result<Response, Error> {
    let Path(corp_id) =
        path.map_err(|e| ApiError::invalid_request(format!("path parameter corpId: {e}")))?;
    let client_id = required("client_id", body.client_id)?;
    context::note_client(&client_id);
    let req = app_token::TokenRequest {
        client_id,
        client_secret: Secret::new(required("client_secret", body.client_secret)?),
        grant_type: required("grant_type", body.grant_type)?,
        corp_id,
    };
    let issued = app_token::issue(&core, &origin, req).await?;
    Ok(no_store(wire::GetTokenResponse {
        access_token: issued.access_token.expose().into(),
        expires_in: issued.expires_in,
    }))
}

/// Legacy `accessToken` request.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LegacyBody {
    /// The app's clientId.
    #[schema(required = true)]
    app_key: Option<String>,
    /// The app's client secret.
    #[schema(required = true)]
    app_secret: Option<String>,
}

#[utoipa::path(
    post,
    path = "/v1.0/oauth2/accessToken",
    tag = "oauth2",
    operation_id = "getAccessToken",
    request_body(content = LegacyBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The app token in the app's owner org", body = wire::GetAccessTokenResponse),
        (status = 400, description = "`invalid.request`, `Missingbody`, `invalid.client`", body = ErrorBody),
        (status = 401, description = "`unauthorized.client`: the app may not run in that org", body = ErrorBody),
        (status = 403, description = "`Forbidden.AccessDenied.*` rate limits", body = ErrorBody),
    )
)]
async fn legacy_access_token(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    JsonBody(body): JsonBody<LegacyBody>,
) -> Result<Response, Error> {
    let app_key = required("appKey", body.app_key)?;
    context::note_client(&app_key);
    let app_secret = Secret::new(required("appSecret", body.app_secret)?);
    let issued = app_token::issue_legacy(&core, &origin, &app_key, &app_secret).await?;
    Ok(no_store(wire::GetAccessTokenResponse {
        access_token: issued.access_token.expose().into(),
        expire_in: issued.expires_in,
    }))
}

/// RFC 7662 request, JSON or form-encoded; the caller may instead authenticate with
/// `Authorization: Basic` (client credentials) or `Bearer` (admin key).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntrospectBody {
    /// The token to look at.
    #[schema(required = true)]
    token: Option<String>,
    /// Accepted and ignored (RFC 7662 §2.1).
    token_type_hint: Option<String>,
    /// The calling app, unless `Authorization` is sent.
    client_id: Option<String>,
    /// Its client secret.
    client_secret: Option<String>,
}

/// Who is calling: `Authorization: Basic` (client credentials), `Authorization: Bearer` (admin
/// key), or `client_id`/`client_secret` in the body. Public for the fuzz target.
pub fn caller(headers: &HeaderMap, body: &mut IntrospectBody) -> Result<introspect::Caller, Error> {
    let refused = || {
        Error::from(ApiError::new(
            opending_domain::ErrorCode::IntrospectionUnauthorized,
        ))
    };
    if let Some(auth) = headers.get(header::AUTHORIZATION) {
        let auth = auth.to_str().map_err(|_| refused())?;
        if let Some(key) = auth.strip_prefix("Bearer ") {
            return Ok(introspect::Caller::Admin(Secret::new(key.trim())));
        }
        if let Some(b64) = auth.strip_prefix("Basic ") {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(b64.trim())
                .map_err(|_| refused())?;
            let decoded = String::from_utf8(decoded).map_err(|_| refused())?;
            let (id, secret) = decoded.split_once(':').ok_or_else(refused)?;
            // RFC 6749 §2.3.1: both halves are form-urlencoded before joining.
            let decode = |s: &str| -> String {
                form_urlencoded::parse(format!("x={s}").as_bytes())
                    .next()
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default()
            };
            return Ok(introspect::Caller::App {
                client_id: decode(id),
                client_secret: Secret::new(decode(secret)),
            });
        }
        return Err(refused());
    }
    match (body.client_id.take(), body.client_secret.take()) {
        (Some(id), Some(secret)) if !id.is_empty() => Ok(introspect::Caller::App {
            client_id: id,
            client_secret: Secret::new(secret),
        }),
        _ => Err(refused()),
    }
}

#[utoipa::path(
    post,
    path = "/v1.0/oauth2/introspect",
    tag = "oauth2",
    operation_id = "introspect",
    request_body(
        description = "The token, and the caller's client credentials unless given in `Authorization`",
        content(
            (IntrospectBody = "application/json"),
            (IntrospectBody = "application/x-www-form-urlencoded"),
        )
    ),
    security((), ("clientBasic" = []), ("adminKey" = [])),
    responses(
        (status = 200, description = "RFC 7662 answer; an inactive token carries only `active: false`", body = crate::service::introspect::Introspection),
        (status = 400, description = "`invalid.request`, `Missingbody`", body = ErrorBody),
        (status = 401, description = "`invalid.client`: the caller is not a known app with that secret, nor the admin", body = ErrorBody),
        (status = 403, description = "`Forbidden.AccessDenied.*` rate limits", body = ErrorBody),
    )
)]
async fn introspect_token(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    headers: HeaderMap,
    JsonOrForm(mut body): JsonOrForm<IntrospectBody>,
) -> Result<Response, Error> {
    let _ = body.token_type_hint.take();
    let caller = caller(&headers, &mut body)?;
    if let introspect::Caller::App { client_id, .. } = &caller {
        context::note_client(client_id);
    }
    let token = required("token", body.token)?;
    let answer = introspect::introspect(&core, &origin, caller, &token).await?;
    Ok(no_store(answer))
}

/// `GetUserToken` request: `authorization_code` with `code`, or `refresh_token` with
/// `refreshToken`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UserTokenBody {
    /// The app's clientId.
    #[schema(required = true)]
    client_id: Option<String>,
    /// The app's client secret.
    #[schema(required = true)]
    client_secret: Option<String>,
    /// The authorization code (with `authorization_code`).
    code: Option<String>,
    /// The refresh token (with `refresh_token`).
    refresh_token: Option<String>,
    /// `authorization_code` or `refresh_token`.
    #[schema(required = true)]
    grant_type: Option<String>,
}

#[utoipa::path(
    post,
    path = "/v1.0/oauth2/userAccessToken",
    tag = "oauth2",
    operation_id = "getUserToken",
    request_body(content = UserTokenBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The user token and its refresh token", body = wire::GetUserTokenResponse),
        (status = 400, description = "`invalid.request`, `Missingbody`, `invalid.client`, `unsupported.grant.type`, `invalid.grant`", body = ErrorBody),
        (status = 401, description = "`unauthorized.client`: the app may not run in that org", body = ErrorBody),
        (status = 403, description = "`Forbidden.AccessDenied.*` rate limits", body = ErrorBody),
    )
)]
async fn user_access_token(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    JsonBody(body): JsonBody<UserTokenBody>,
) -> Result<Response, Error> {
    let client_id = required("clientId", body.client_id)?;
    context::note_client(&client_id);
    let req = user_token::UserTokenRequest {
        client_id,
        client_secret: Secret::new(required("clientSecret", body.client_secret)?),
        grant_type: required("grantType", body.grant_type)?,
        code: body.code,
        refresh_token: body.refresh_token,
    };
    let issued = user_token::exchange(&core, &origin, req).await?;
    Ok(no_store(wire::GetUserTokenResponse {
        access_token: issued.access_token.expose().into(),
        refresh_token: issued.refresh_token.expose().into(),
        expire_in: issued.expire_in,
        corp_id: issued.corp_id,
    }))
}

#[utoipa::path(
    post,
    path = "/v1.0/oauth2/jsapiTickets",
    tag = "oauth2",
    operation_id = "createJsapiTicket",
    params(("x-acs-dingtalk-access-token" = String, Header, description = "An app token")),
    responses(
        (status = 200, description = "The JSAPI ticket of the token's (app, org): the same ticket as `/get_jsapi_ticket`, renewed by a re-fetch, never older than a day", body = wire::CreateJsapiTicketResponse),
        (status = 400, description = "`InvalidAuthentication`: missing, unknown, expired or revoked token", body = ErrorBody),
        (status = 403, description = "`Forbidden.AccessDenied.AccessTokenPermissionDenied` (a user token), rate limits", body = ErrorBody),
    )
)]
async fn jsapi_tickets(
    State(core): State<Arc<Core>>,
    caller: super::extract::Authenticated,
) -> Result<Response, Error> {
    let issued = crate::service::jsapi::ticket(&core, &caller.0).await?;
    Ok(no_store(wire::CreateJsapiTicketResponse {
        jsapi_ticket: issued.ticket.expose().into(),
        expire_in: issued.expires_in,
    }))
}

#[utoipa::path(
    get,
    path = "/v1.0/oauth2/authRules/user",
    tag = "oauth2",
    operation_id = "getPersonalAuthRule",
    params(("x-acs-dingtalk-access-token" = String, Header, description = "A user token")),
    responses(
        (status = 200, description = "What the user granted the app: the token's points grouped by resource", body = wire::GetPersonalAuthRuleResponse),
        (status = 400, description = "`AuthenticationFailed.MissingParameter`, `InvalidAuthentication`", body = ErrorBody),
        (status = 403, description = "`Forbidden.AccessDenied.AccessTokenPermissionDenied` (an app token), rate limits", body = ErrorBody),
    )
)]
async fn personal_auth_rules(caller: super::extract::Authenticated) -> Result<Response, Error> {
    let rules = crate::service::consents::personal_auth_rules(&caller.0)?;
    Ok(no_store(wire::GetPersonalAuthRuleResponse {
        result: rules
            .into_iter()
            .map(|(resource, auth_items)| wire::isv::PersonalAuthRule {
                resource,
                auth_items,
            })
            .collect(),
    }))
}

/// The server reads its request bodies leniently (each missing or empty field gets DingTalk's
/// own error); these tests hold them to the wire crate's bodies, which the SDK sends.
#[cfg(test)]
mod tests {
    use super::*;

    fn reparse<T: Serialize, B: serde::de::DeserializeOwned>(sent: &T) -> B {
        let json = serde_json::to_vec(sent).expect("wire bodies serialize");
        serde_json::from_slice(&json).expect("the server accepts what the SDK sends")
    }

    #[test]
    fn every_sdk_request_parses_into_the_servers_body() {
        let creds = wire::Credentials::new("dingapp", "app-secret");
        let token: TokenBody = reparse(&wire::GetTokenRequest::client_credentials(&creds));
        assert_eq!(
            (
                token.client_id.as_deref(),
                token.client_secret.as_deref(),
                token.grant_type.as_deref()
            ),
            (
                Some("dingapp"),
                Some("app-secret"),
                Some("client_credentials")
            )
        );
        let legacy: LegacyBody = reparse(&wire::GetAccessTokenRequest::new(&creds));
        assert_eq!(
            (legacy.app_key.as_deref(), legacy.app_secret.as_deref()),
            (Some("dingapp"), Some("app-secret"))
        );
        let code: UserTokenBody = reparse(&wire::GetUserTokenRequest::authorization_code(
            &creds, "the-code",
        ));
        assert_eq!(
            (
                code.client_id.as_deref(),
                code.code.as_deref(),
                code.grant_type.as_deref()
            ),
            (
                Some("dingapp"),
                Some("the-code"),
                Some("authorization_code")
            )
        );
        assert_eq!(code.refresh_token, None);
        let refresh: UserTokenBody = reparse(&wire::GetUserTokenRequest::refresh_token(
            &creds,
            "the-refresh",
        ));
        assert_eq!(
            (
                refresh.refresh_token.as_deref(),
                refresh.grant_type.as_deref()
            ),
            (Some("the-refresh"), Some("refresh_token"))
        );
        let introspect: IntrospectBody = reparse(&wire::IntrospectRequest::new("a-token"));
        assert_eq!(introspect.token.as_deref(), Some("a-token"));
    }
}
