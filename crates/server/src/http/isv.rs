//! Third-party ("ISV") apps on both families: `POST /v1.0/oauth2/suiteAccessToken`,
//! `POST /v1.0/oauth2/corpAccessToken`, `GET /v1.0/oauth2/apps/authInfo`, and the legacy
//! `/service/get_suite_token`, `/service/get_corp_token`, `/service/get_auth_info`
//! (docs/dingtalk/dingtalk-wire-2.md §A2–A5, §B). Thin: read the parameters, call
//! `service::isv`, encode DingTalk's exact bodies; errors go through the renderer of the path's
//! family.

use std::sync::Arc;

use axum::{
    extract::State,
    response::Response,
    routing::{get, post},
    Router,
};
use opending_domain::{ApiError, ErrorCode, LegacyCode, Secret};
use opending_wire as wire;
use serde::Deserialize;

use super::{
    body::{required, JsonBody, LegacyParams},
    context,
    error::ErrorBody,
    extract::{ApiQuery, PresentedToken},
    oauth2::no_store,
};
use crate::{
    service::{
        isv::{self, AuthInfo, SignedCall, SuiteCredentials},
        Error,
    },
    Core,
};

/// The OpenAPI description of these routes (merged into `/openapi.json`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    suite_access_token,
    corp_access_token,
    auth_info,
    get_suite_token,
    get_suite_token_by_query,
    get_corp_token,
    get_auth_info_legacy
))]
pub struct ApiDoc;

/// Routes of the ISV surface.
pub fn router() -> Router<Arc<Core>> {
    Router::new()
        .route("/v1.0/oauth2/suiteAccessToken", post(suite_access_token))
        .route("/v1.0/oauth2/corpAccessToken", post(corp_access_token))
        .route("/v1.0/oauth2/apps/authInfo", get(auth_info))
        .route(
            "/service/get_suite_token",
            post(get_suite_token).get(get_suite_token_by_query),
        )
        .route("/service/get_corp_token", post(get_corp_token))
        .route("/service/get_auth_info", post(get_auth_info_legacy))
}

/// The v1.0 bodies' `suiteKey`, `suiteSecret`, `suiteTicket`, each required.
fn credentials(
    key: Option<String>,
    secret: Option<String>,
    ticket: Option<String>,
) -> Result<SuiteCredentials, Error> {
    let suite_key = required("suiteKey", key)?;
    context::note_client(&suite_key);
    Ok(SuiteCredentials {
        suite_key,
        suite_secret: Secret::new(required("suiteSecret", secret)?),
        suite_ticket: required("suiteTicket", ticket)?,
    })
}

/// `GetSuiteAccessToken` request; absent and `""` count as missing.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SuiteTokenBody {
    /// The suite key (the third-party app's clientId).
    #[schema(required = true)]
    suite_key: Option<String>,
    /// The suite secret.
    #[schema(required = true)]
    suite_secret: Option<String>,
    /// The latest suite ticket (any string for a custom app).
    #[schema(required = true)]
    suite_ticket: Option<String>,
}

#[utoipa::path(
    post,
    path = "/v1.0/oauth2/suiteAccessToken",
    tag = "isv",
    operation_id = "getSuiteAccessToken",
    request_body(content = SuiteTokenBody, content_type = "application/json"),
    responses(
        (status = 200, description = "A new suite token on each call (7200 s): opens `apps/authInfo`", body = wire::GetAccessTokenResponse),
        (status = 400, description = "`invalidClientIdOrSecret` (unknown suite key or wrong secret), `invalidSuiteTicket`, `invalid.request`, `Missingbody`", body = ErrorBody),
        (status = 403, description = "`Forbidden.AccessDenied.*` rate limits", body = ErrorBody),
    )
)]
async fn suite_access_token(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    JsonBody(body): JsonBody<SuiteTokenBody>,
) -> Result<Response, Error> {
    let creds = credentials(body.suite_key, body.suite_secret, body.suite_ticket)?;
    let issued = isv::suite_token(&core, &origin, creds).await?;
    Ok(no_store(wire::GetAccessTokenResponse {
        access_token: issued.access_token.expose().into(),
        expire_in: issued.expires_in,
    }))
}

/// `GetCorpAccessToken` request.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CorpTokenBody {
    /// The org that installed the app.
    #[schema(required = true)]
    auth_corp_id: Option<String>,
    /// The suite key (or a custom app's key).
    #[schema(required = true)]
    suite_key: Option<String>,
    /// The suite secret.
    #[schema(required = true)]
    suite_secret: Option<String>,
    /// The latest suite ticket (any string for a custom app).
    #[schema(required = true)]
    suite_ticket: Option<String>,
}

#[utoipa::path(
    post,
    path = "/v1.0/oauth2/corpAccessToken",
    tag = "isv",
    operation_id = "getCorpAccessToken",
    request_body(content = CorpTokenBody, content_type = "application/json"),
    responses(
        (status = 200, description = "A new corp token on each call (7200 s; earlier ones stay valid): an app token of the app in that org, accepted by both families", body = wire::GetAccessTokenResponse),
        (status = 400, description = "`invalidSuiteKey` (unknown key or wrong secret), `invalidSuiteTicket`, `invalidAuthInfo` (not installed, suspended, no such org), `invalid.request`, `Missingbody`", body = ErrorBody),
        (status = 403, description = "`Forbidden.AccessDenied.*` rate limits", body = ErrorBody),
    )
)]
async fn corp_access_token(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    JsonBody(body): JsonBody<CorpTokenBody>,
) -> Result<Response, Error> {
    let creds = credentials(body.suite_key, body.suite_secret, body.suite_ticket)?;
    let auth_corp_id = required("authCorpId", body.auth_corp_id)?;
    let issued = isv::corp_token(&core, &origin, creds, &auth_corp_id).await?;
    Ok(no_store(wire::GetAccessTokenResponse {
        access_token: issued.access_token.expose().into(),
        expire_in: issued.expires_in,
    }))
}

/// `apps/authInfo`'s query.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(rename_all = "camelCase")]
pub struct AuthInfoQuery {
    /// The org whose authorization is asked for.
    auth_corp_id: Option<String>,
}

#[utoipa::path(
    get,
    path = "/v1.0/oauth2/apps/authInfo",
    tag = "isv",
    operation_id = "getAuthInfo",
    params(AuthInfoQuery, ("x-acs-dingtalk-access-token" = String, Header, description = "A suite token")),
    responses(
        (status = 200, description = "The org's installation of the app: agent, org, authorizing admin", body = wire::GetAuthInfoResponse),
        (status = 400, description = "`AuthenticationFailed.MissingParameter` (no token), `InvalidAuthentication` (not a live suite token), `invalidCorpId`, `orgNotAuthApp`", body = ErrorBody),
    )
)]
async fn auth_info(
    State(core): State<Arc<Core>>,
    PresentedToken(token): PresentedToken,
    ApiQuery(q): ApiQuery<AuthInfoQuery>,
) -> Result<Response, Error> {
    let app = isv::suite_app(&core, token.as_deref()).await?;
    context::note_client(app.client_id.as_str());
    let info = isv::auth_info(&core, &app, q.auth_corp_id.as_deref().unwrap_or("")).await?;
    Ok(no_store(wire::GetAuthInfoResponse {
        auth_app_info: wire::isv::AuthAppInfo {
            agent_list: vec![wire::isv::AuthAgent {
                agent_id: info.agent_id,
                agent_name: info.agent_name.clone(),
                app_id: info.app_id,
                admin_list: info.admins.clone(),
            }],
        },
        auth_corp_info: wire::isv::AuthCorpInfo {
            auth_level: info.auth_level,
            corp_name: info.corp_name.clone(),
            ..Default::default()
        },
        auth_user_info: wire::isv::AuthUserInfo {
            user_id: info.authorizing_user,
        },
    }))
}

/// A legacy parameter, or the legacy error for its absence.
fn param(p: &LegacyParams, name: &'static str, missing: LegacyCode) -> Result<String, Error> {
    p.get(name).map(str::to_owned).ok_or_else(|| {
        ApiError::invalid_request(format!("{name} is required"))
            .with_legacy(missing)
            .into()
    })
}

/// What the `/service/*` calls answer, always with HTTP 200 (the OpenAPI document's view).
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(untagged)]
#[allow(dead_code, clippy::large_enum_variant)]
enum ServiceAnswer {
    /// A suite token.
    SuiteToken(wire::GetSuiteTokenLegacyResponse),
    /// A corp token.
    CorpToken(wire::GetTokenLegacyResponse),
    /// Authorization info.
    AuthInfo(wire::GetAuthInfoLegacyResponse),
    /// A failure.
    Failure(wire::LegacyErrorBody),
}

#[utoipa::path(
    post,
    path = "/service/get_suite_token",
    tag = "legacy",
    operation_id = "legacyGetSuiteToken",
    request_body(description = "`suite_key`, `suite_secret`, `suite_ticket` as JSON or form (or in the query)", content = String),
    responses(
        (status = 200, description = "Always 200: a new suite token (`errcode` 0), or 41021/41024/41023 (missing key, secret, ticket), 40088 (unknown key or wrong secret), 40085 (ticket), 90018/90002, -1", body = ServiceAnswer),
    )
)]
async fn get_suite_token(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    params: LegacyParams,
) -> Result<Response, Error> {
    let suite_key = param(&params, "suite_key", LegacyCode::MissingSuiteKey)?;
    context::note_client(&suite_key);
    let creds = SuiteCredentials {
        suite_key,
        suite_secret: Secret::new(param(
            &params,
            "suite_secret",
            LegacyCode::MissingSuiteSecret,
        )?),
        suite_ticket: param(&params, "suite_ticket", LegacyCode::MissingSuiteTicket)?,
    };
    let issued = isv::suite_token(&core, &origin, creds).await?;
    Ok(no_store(wire::GetSuiteTokenLegacyResponse {
        errcode: 0,
        errmsg: "ok".into(),
        suite_access_token: issued.access_token.expose().into(),
        expires_in: issued.expires_in,
    }))
}

#[utoipa::path(
    get,
    path = "/service/get_suite_token",
    tag = "legacy",
    operation_id = "legacyGetSuiteTokenByQuery",
    params(
        ("suite_key" = String, Query, description = "The suite key"),
        ("suite_secret" = String, Query, description = "The suite secret"),
        ("suite_ticket" = String, Query, description = "The latest suite ticket"),
    ),
    responses(
        (status = 200, description = "As the POST form (DingTalk documents only POST; GET with the parameters in the query is accepted)", body = ServiceAnswer),
    )
)]
async fn get_suite_token_by_query(
    core: State<Arc<Core>>,
    origin: crate::Origin,
    params: LegacyParams,
) -> Result<Response, Error> {
    get_suite_token(core, origin, params).await
}

/// The signed call's four query parameters, from the merged parameters.
fn signed_call(p: &LegacyParams) -> SignedCall {
    let get = |n: &str| p.get(n).unwrap_or("").to_owned();
    SignedCall {
        access_key: get("accessKey"),
        timestamp: get("timestamp"),
        suite_ticket: get("suiteTicket"),
        signature: get("signature"),
    }
}

#[utoipa::path(
    post,
    path = "/service/get_corp_token",
    tag = "legacy",
    operation_id = "legacyGetCorpToken",
    params(
        ("accessKey" = String, Query, description = "The suite key (or a custom app's key)"),
        ("timestamp" = String, Query, description = "Milliseconds, within a minute of the server's clock"),
        ("suiteTicket" = String, Query, description = "The latest suite ticket (any string for a custom app)"),
        ("signature" = String, Query, description = "Base64(HMAC-SHA256(secret, timestamp + \"\\n\" + suiteTicket)), URL-encoded"),
    ),
    request_body(description = "`auth_corpid` as JSON or form", content = String),
    responses(
        (status = 200, description = "Always 200: a new corp token (`errcode` 0; earlier ones stay valid), or 853001–853005 (signature), 41027 (no `auth_corpid`), 40079 (not installed or suspended), 40084 (the retired permanent-code form), 90018/90002, -1", body = ServiceAnswer),
    )
)]
async fn get_corp_token(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    params: LegacyParams,
) -> Result<Response, Error> {
    if params.get("suite_access_token").is_some() || params.get("permanent_code").is_some() {
        // The old flow (a permanent code from the HTTP-callback install) is not served.
        return Err(
            ApiError::invalid_request("the permanent-code flow is not served")
                .with_legacy(LegacyCode::InvalidPermanentCode)
                .into(),
        );
    }
    let call = signed_call(&params);
    context::note_client(&call.access_key);
    let auth_corpid = param(&params, "auth_corpid", LegacyCode::MissingAuthCorpId)?;
    let issued = isv::corp_token_signed(&core, &origin, &call, &auth_corpid).await?;
    Ok(no_store(wire::GetTokenLegacyResponse::ok(
        issued.access_token.expose().into(),
        issued.expires_in,
    )))
}

#[utoipa::path(
    post,
    path = "/service/get_auth_info",
    tag = "legacy",
    operation_id = "legacyGetAuthInfo",
    params(
        ("accessKey" = Option<String>, Query, description = "Signed form: the suite key"),
        ("timestamp" = Option<String>, Query, description = "Signed form: milliseconds"),
        ("suiteTicket" = Option<String>, Query, description = "Signed form: the latest suite ticket"),
        ("signature" = Option<String>, Query, description = "Signed form: the signature"),
        ("suite_access_token" = Option<String>, Query, description = "Token form: a suite token"),
    ),
    request_body(description = "`auth_corpid` (and optionally `suite_key`) as JSON or form", content = String),
    responses(
        (status = 200, description = "Always 200: the org's installation of the app (`errcode` 0), or 853001–853005, 48003 (suite token), 41027, 40079, 90018/90002, -1", body = ServiceAnswer),
    )
)]
async fn get_auth_info_legacy(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    params: LegacyParams,
) -> Result<Response, Error> {
    let app = match params.get("suite_access_token") {
        Some(token) => isv::suite_app(&core, Some(token))
            .await
            .map_err(|e| match e {
                Error::Api(api) if api.code != ErrorCode::MissingAuthParameter => {
                    Error::Api(api.with_legacy(LegacyCode::InvalidSuiteToken))
                }
                other => other,
            })?,
        None => isv::verify_signed(&core, &origin, &signed_call(&params)).await?,
    };
    context::note_client(app.client_id.as_str());
    let corp = param(&params, "auth_corpid", LegacyCode::MissingAuthCorpId)?;
    let info: AuthInfo = isv::auth_info(&core, &app, &corp).await?;
    Ok(no_store(wire::GetAuthInfoLegacyResponse {
        errcode: 0,
        errmsg: "ok".into(),
        auth_user_info: wire::isv::AuthUserInfo {
            user_id: info.authorizing_user.clone(),
        },
        auth_corp_info: wire::isv::LegacyAuthCorpInfo {
            corp_type: 0,
            corpid: info.corp_id.to_string(),
            auth_level: info.auth_level,
            auth_channel: String::new(),
            industry: String::new(),
            full_corp_name: info.corp_name.clone(),
            corp_name: info.corp_name.clone(),
            invite_url: String::new(),
            auth_channel_type: String::new(),
            invite_code: String::new(),
            is_authenticated: info.auth_level > 0,
            license_code: String::new(),
            corp_logo_url: String::new(),
        },
        auth_info: wire::isv::LegacyAuthInfo {
            agent: vec![wire::isv::LegacyAgent {
                agentid: info.agent_id,
                agent_name: info.agent_name,
                logo_url: String::new(),
                appid: info.app_id,
                admin_list: info.admins,
            }],
        },
    }))
}
