//! DingTalk's legacy (oapi) paths: `GET /gettoken`, `GET /get_jsapi_ticket`. Thin: read the query, call the service,
//! answer in the legacy envelope (HTTP 200, `errcode`/`errmsg`; errors through the legacy
//! renderer in `error.rs`, chosen by the path's family).

use std::sync::Arc;

use axum::{extract::State, response::Response, routing::get, Router};
use opending_domain::{ApiError, ErrorCode, LegacyCode, Secret};
use opending_wire as wire;
use serde::Deserialize;

use super::{
    context,
    extract::{ApiQuery, Authenticated},
};
use crate::{
    service::{app_token, jsapi, Error},
    Core,
};

/// The OpenAPI description of these routes (merged into `/openapi.json`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(gettoken, get_jsapi_ticket))]
pub struct ApiDoc;

/// Routes of the legacy family.
pub fn router() -> Router<Arc<Core>> {
    Router::new()
        .route("/gettoken", get(gettoken))
        .route("/get_jsapi_ticket", get(get_jsapi_ticket))
}

/// `GET /gettoken`'s query: `appkey` and `appsecret` (or the retired `corpid` and
/// `corpsecret`). Only the query is read, as DingTalk does; other parameters are ignored.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct GetTokenQuery {
    /// The internal app's clientId (AppKey).
    appkey: Option<String>,
    /// Its client secret (AppSecret).
    appsecret: Option<String>,
    /// The retired org-level credential pair: refused with 40089.
    corpid: Option<String>,
    /// The retired org-level secret.
    corpsecret: Option<String>,
}

/// What `/gettoken` answers, always with HTTP 200 (the OpenAPI document's view: one of the two).
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum GetTokenAnswer {
    /// `errcode` 0 with the token.
    Token(wire::GetTokenLegacyResponse),
    /// A failure.
    Failure(wire::LegacyErrorBody),
}

fn given(v: Option<String>) -> Option<String> {
    v.filter(|v| !v.is_empty())
}

#[utoipa::path(
    get,
    path = "/gettoken",
    tag = "legacy",
    operation_id = "legacyGetToken",
    params(GetTokenQuery),
    responses(
        (status = 200, description = "Always 200: the app token (`errcode` 0, the same token as `/v1.0/oauth2/accessToken`), or `errcode` 40035 (missing parameter), 40096 (wrong appkey or appsecret), 40089 (corpid/corpsecret), 90018/90002 (rate limits), -1", body = GetTokenAnswer),
    )
)]
async fn gettoken(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    ApiQuery(q): ApiQuery<GetTokenQuery>,
) -> Result<Response, Error> {
    let (appkey, appsecret) = (given(q.appkey), given(q.appsecret));
    let Some(appkey) = appkey else {
        if given(q.corpid).is_some() && given(q.corpsecret).is_some() {
            // opending has no org-level secrets (DingTalk retired them for new orgs).
            return Err(ApiError::new(ErrorCode::InvalidClient)
                .with_legacy(LegacyCode::InvalidCorpIdOrSecret)
                .into());
        }
        return Err(missing("缺少参数 corpid or appkey"));
    };
    context::note_client(&appkey);
    let Some(appsecret) = appsecret else {
        return Err(missing("缺少参数 appsecret"));
    };
    let issued = app_token::issue_legacy(&core, &origin, &appkey, &Secret::new(appsecret))
        .await
        .map_err(|e| match e {
            // A third-party app's key is not an internal app's: the same answer as a wrong key.
            Error::Api(api) if api.code == ErrorCode::UnauthorizedClient => {
                Error::Api(api.with_legacy(LegacyCode::InvalidAppKeyOrSecret))
            }
            other => other,
        })?;
    Ok(super::oauth2::no_store(wire::GetTokenLegacyResponse::ok(
        issued.access_token.expose().into(),
        issued.expires_in,
    )))
}

/// 40035 with DingTalk's observed text.
fn missing(errmsg: &'static str) -> Error {
    ApiError::invalid_request(errmsg)
        .with_legacy_message(errmsg)
        .into()
}

/// What `/get_jsapi_ticket` answers, always with HTTP 200 (the OpenAPI document's view).
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum GetJsapiTicketAnswer {
    /// `errcode` 0 with the ticket.
    Ticket(wire::GetJsapiTicketLegacyResponse),
    /// A failure.
    Failure(wire::LegacyErrorBody),
}

#[utoipa::path(
    get,
    path = "/get_jsapi_ticket",
    tag = "legacy",
    operation_id = "legacyGetJsapiTicket",
    params(("access_token" = String, Query, description = "An app token (from `/gettoken` or either v1.0 token endpoint)")),
    responses(
        (status = 200, description = "Always 200: the JSAPI ticket of the token's (app, org) (`errcode` 0; the same ticket as `POST /v1.0/oauth2/jsapiTickets`, renewed by a re-fetch, never older than a day), or `errcode` 41001 (no token), 40014 (unknown, expired or revoked token), 60011 (a user token), 90018/90002, -1", body = GetJsapiTicketAnswer),
    )
)]
async fn get_jsapi_ticket(
    State(core): State<Arc<Core>>,
    caller: Authenticated,
) -> Result<Response, Error> {
    let issued = jsapi::ticket(&core, &caller.0).await?;
    Ok(super::oauth2::no_store(
        wire::GetJsapiTicketLegacyResponse::ok(issued.ticket.expose().into(), issued.expires_in),
    ))
}
