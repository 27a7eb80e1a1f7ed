//! `POST /sns/getuserinfo_bycode` (docs/dingtalk/dingtalk-wire-2.md §G2): the user behind a
//! personal-login code, for a caller that signs the timestamp with its app secret. Thin:
//! `service::sns` decides.

use std::sync::Arc;

use axum::{
    extract::State,
    response::{IntoResponse, Response},
    routing::post,
    Router,
};
use opending_wire as wire;

use super::body::LegacyParams;
use crate::{
    service::{sns, Error},
    Core,
};

/// The OpenAPI description of this route (merged into `/openapi.json`).
#[derive(utoipa::OpenApi)]
#[openapi(paths(getuserinfo_bycode))]
pub struct ApiDoc;

/// Routes.
pub fn router() -> Router<Arc<Core>> {
    Router::new().route("/sns/getuserinfo_bycode", post(getuserinfo_bycode))
}

/// What it answers, always with HTTP 200.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum SnsAnswer {
    /// `errcode` 0 and the user.
    User(wire::SnsUserInfoResponse),
    /// A failure.
    Failure(wire::LegacyErrorBody),
}

#[utoipa::path(
    post,
    path = "/sns/getuserinfo_bycode",
    tag = "legacy",
    operation_id = "legacySnsGetuserinfoBycode",
    params(
        ("accessKey" = String, Query, description = "The app's clientId (appId / AppKey)"),
        ("timestamp" = String, Query, description = "Milliseconds, within a minute of the server's clock"),
        ("signature" = String, Query, description = "URL-encoded Base64 of HMAC-SHA256(app secret, timestamp)"),
    ),
    request_body(description = "`{\"tmp_auth_code\"}` (JSON or form)", content = String),
    responses((status = 200, description = "Always 200: `{\"errcode\":0,\"errmsg\":\"ok\",\"user_info\":{\"nick\",\"unionid\",\"openid\",\"main_org_auth_high_level\"}}`; or 853001–853004 (the signature), 41026 (no code), 40078 (an unknown, used, expired or another app's code), 90018/90002, -1", body = SnsAnswer))
)]
async fn getuserinfo_bycode(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    params: LegacyParams,
) -> Result<Response, Error> {
    let call = sns::SnsCall {
        access_key: params.get("accessKey").unwrap_or_default().to_owned(),
        timestamp: params.get("timestamp").unwrap_or_default().to_owned(),
        signature: params.get("signature").unwrap_or_default().to_owned(),
        code: params.get("tmp_auth_code").map(str::to_owned),
    };
    if !call.access_key.is_empty() {
        super::context::note_client(&call.access_key);
    }
    let answer = sns::user_info_by_code(&core, &origin, &call).await?;
    Ok(super::oauth2::no_store(answer).into_response())
}
