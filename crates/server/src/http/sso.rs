//! SSO into an app's admin backend on both families: `POST /v1.0/oauth2/ssoAccessToken`,
//! `GET /v1.0/oauth2/ssoUserInfo`, `GET /sso/gettoken`, `GET /sso/getuserinfo`
//! (docs/dingtalk/dingtalk-wire-2.md §F). Thin: read, call `service::sso`, encode.

use std::sync::Arc;

use axum::{
    extract::State,
    response::Response,
    routing::{get, post},
    Router,
};
use opending_domain::{ApiError, LegacyCode, Secret};
use opending_wire as wire;
use serde::Deserialize;

use super::{
    body::{required, JsonBody, LegacyParams},
    error::ErrorBody,
    extract::{ApiQuery, PresentedToken},
    oauth2::no_store,
};
use crate::{
    service::{sso, Error},
    Core,
};

/// The OpenAPI description of these routes (merged into `/openapi.json`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(sso_access_token, sso_user_info, sso_gettoken, sso_getuserinfo))]
pub struct ApiDoc;

/// Routes.
pub fn router() -> Router<Arc<Core>> {
    Router::new()
        .route("/v1.0/oauth2/ssoAccessToken", post(sso_access_token))
        .route("/v1.0/oauth2/ssoUserInfo", get(sso_user_info))
        .route("/sso/gettoken", get(sso_gettoken))
        .route("/sso/getuserinfo", get(sso_getuserinfo))
}

/// `GetSsoAccessToken` request (note the lowercase `corpid`).
#[derive(Deserialize, utoipa::ToSchema)]
pub struct SsoTokenBody {
    /// The org.
    #[schema(required = true)]
    corpid: Option<String>,
    /// The org's SSO secret.
    #[serde(rename = "ssoSecret")]
    #[schema(required = true)]
    sso_secret: Option<String>,
}

#[utoipa::path(
    post,
    path = "/v1.0/oauth2/ssoAccessToken",
    tag = "sso",
    operation_id = "getSsoAccessToken",
    request_body(content = SsoTokenBody, content_type = "application/json"),
    responses(
        (status = 200, description = "A new SSO token (3600 s) on each call", body = wire::GetAccessTokenResponse),
        (status = 400, description = "`invalidClientIdOrSecret` (unknown org or wrong SSO secret), `invalid.request`, `Missingbody`", body = ErrorBody),
        (status = 403, description = "`Forbidden.AccessDenied.*` rate limits", body = ErrorBody),
    )
)]
async fn sso_access_token(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    JsonBody(body): JsonBody<SsoTokenBody>,
) -> Result<Response, Error> {
    let corpid = required("corpid", body.corpid)?;
    let secret = Secret::new(required("ssoSecret", body.sso_secret)?);
    let issued = sso::token(&core, &origin, &corpid, &secret).await?;
    Ok(no_store(wire::GetAccessTokenResponse {
        access_token: issued.access_token.expose().into(),
        expire_in: issued.expires_in,
    }))
}

/// `ssoUserInfo`'s query.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CodeQuery {
    /// The SSO code the admin arrived with.
    code: Option<String>,
}

#[utoipa::path(
    get,
    path = "/v1.0/oauth2/ssoUserInfo",
    tag = "sso",
    operation_id = "getSsoUserInfo",
    params(CodeQuery, ("x-acs-dingtalk-access-token" = String, Header, description = "An SSO token")),
    responses(
        (status = 200, description = "The org admin who opened the app's admin backend (the code is used up)", body = wire::GetSsoUserInfoResponse),
        (status = 400, description = "`AuthenticationFailed.MissingParameter`, `invalidToken` (not a live SSO token), `invalidCode` (unknown, used, expired, another org's)", body = ErrorBody),
    )
)]
async fn sso_user_info(
    State(core): State<Arc<Core>>,
    PresentedToken(token): PresentedToken,
    ApiQuery(q): ApiQuery<CodeQuery>,
) -> Result<Response, Error> {
    let user = sso::user_info(&core, token.as_deref(), q.code.as_deref().unwrap_or("")).await?;
    Ok(no_store(wire::GetSsoUserInfoResponse {
        corp_id: user.corp_id.to_string(),
        corp_name: user.corp_name,
        user_id: user.userid,
        email: user.email,
        user_name: user.name,
        avatar: user.avatar,
        is_admin: user.is_admin,
    }))
}

/// What the `/sso/*` calls answer, always with HTTP 200 (the OpenAPI document's view).
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum SsoAnswer {
    /// An SSO token.
    Token(wire::SsoTokenLegacyResponse),
    /// The admin.
    User(wire::SsoUserInfoLegacyResponse),
    /// A failure.
    Failure(wire::LegacyErrorBody),
}

#[utoipa::path(
    get,
    path = "/sso/gettoken",
    tag = "legacy",
    operation_id = "legacySsoGetToken",
    params(
        ("corpid" = String, Query, description = "The org"),
        ("corpsecret" = String, Query, description = "The org's SSO secret"),
    ),
    responses(
        (status = 200, description = "Always 200: a new SSO token (`errcode` 0, 3600 s), or 40035 (missing parameter), 40089 (unknown org or wrong secret), 90018/90002, -1", body = SsoAnswer),
    )
)]
async fn sso_gettoken(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    params: LegacyParams,
) -> Result<Response, Error> {
    let (Some(corpid), Some(secret)) = (params.get("corpid"), params.get("corpsecret")) else {
        return Err(
            ApiError::invalid_request("corpid and corpsecret are required")
                .with_legacy(LegacyCode::InvalidParameter)
                .into(),
        );
    };
    let issued = sso::token(&core, &origin, corpid, &Secret::new(secret)).await?;
    Ok(no_store(wire::SsoTokenLegacyResponse {
        access_token: issued.access_token.expose().into(),
        errcode: 0,
        errmsg: "ok".into(),
    }))
}

#[utoipa::path(
    get,
    path = "/sso/getuserinfo",
    tag = "legacy",
    operation_id = "legacySsoGetUserInfo",
    params(
        ("access_token" = String, Query, description = "An SSO token"),
        ("code" = String, Query, description = "The SSO code"),
    ),
    responses(
        (status = 200, description = "Always 200: the admin (`errcode` 0), or 41001 (no token), 40014 (not a live SSO token), 41007 (bad code), -1", body = SsoAnswer),
    )
)]
async fn sso_getuserinfo(
    State(core): State<Arc<Core>>,
    PresentedToken(token): PresentedToken,
    params: LegacyParams,
) -> Result<Response, Error> {
    let user = sso::user_info(&core, token.as_deref(), params.get("code").unwrap_or("")).await?;
    Ok(no_store(wire::SsoUserInfoLegacyResponse {
        errcode: 0,
        errmsg: "ok".into(),
        is_sys: user.is_admin,
        user_info: wire::isv::SsoLegacyUser {
            name: user.name,
            avatar: user.avatar,
            userid: user.userid,
            email: user.email,
        },
        corp_info: wire::isv::SsoLegacyCorp {
            corpid: user.corp_id.to_string(),
            corp_name: user.corp_name,
        },
    }))
}
