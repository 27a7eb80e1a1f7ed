//! Personal login of the legacy sns flow (docs/dingtalk/dingtalk-wire-2.md §G): the authorize
//! pages `/connect/qrconnect` and `/connect/oauth2/sns_authorize` are the browser login flow
//! under DingTalk's older parameter names (the HTTP face maps them), and
//! `POST /sns/getuserinfo_bycode` turns the `code` it sends back into the user, for a caller
//! that signs the timestamp with the app secret — what JustAuth's legacy class and the older
//! Keycloak providers call.

use opending_domain::grant::CodeUse;
use opending_domain::{
    isv::{check_timestamp, sns_signature_matches, SignedCallError},
    secret::Purpose,
    user::open_id,
    ApiError, ClientId, ErrorCode, LegacyCode,
};
use opending_wire as wire;

use super::{isv::signed, Result};
use crate::{Core, Origin};

/// A `getuserinfo_bycode` call: the signed query and the body's `tmp_auth_code`.
#[derive(Debug, Clone, Default)]
pub struct SnsCall {
    /// `accessKey`: the app's clientId (appId / AppKey).
    pub access_key: String,
    /// `timestamp`: milliseconds.
    pub timestamp: String,
    /// `signature`: Base64 HMAC-SHA256(app secret, timestamp), percent-decoded.
    pub signature: String,
    /// `tmp_auth_code`: the code the authorize page sent back.
    pub code: Option<String>,
}

fn bad_code() -> super::Error {
    ApiError::with_message(ErrorCode::InvalidGrant, "nonexistent temp auth code")
        .with_legacy(LegacyCode::InvalidTmpAuthCode)
        .into()
}

/// `POST /sns/getuserinfo_bycode`: checks the signature (853001–853004), then uses the code up
/// (single use; 40078 when unknown, used, expired or another app's; 41026 when missing) and
/// answers who signed in: nick, unionId and the developer-scoped openId.
pub async fn user_info_by_code(
    core: &Core,
    origin: &Origin,
    call: &SnsCall,
) -> Result<wire::SnsUserInfoResponse> {
    let now_ms = core.now().0.saturating_mul(1000);
    check_timestamp(&call.timestamp, now_ms).map_err(signed)?;
    core.limits
        .secret_gate_for(origin, &call.access_key, core.now())?;
    let app = match ClientId::parse(&call.access_key) {
        Ok(id) => core.store.get_app(&id).await?,
        Err(_) => None,
    };
    let secret = match &app {
        Some(a) => match core.store.app_sealed_secret(&a.client_id).await? {
            Some(sealed) => core.key.open(&sealed),
            None => None,
        },
        None => None,
    };
    let matches = sns_signature_matches(
        secret.as_ref().map_or("decoy", |s| s.expose()),
        &call.timestamp,
        &call.signature,
    );
    let Some(app) = app else {
        core.limits
            .secret_failed_for(origin, &call.access_key, core.now());
        return Err(signed(SignedCallError::UnknownAccessKey));
    };
    if secret.is_none() || !matches {
        core.limits
            .secret_failed_for(origin, &call.access_key, core.now());
        return Err(signed(SignedCallError::SignatureMismatch));
    }
    core.limits
        .charge_request(origin, &call.access_key, core.now())?;
    let Some(code) = call.code.as_deref().filter(|c| !c.is_empty()) else {
        return Err(ApiError::invalid_request("tmp_auth_code is required")
            .with_legacy(LegacyCode::MissingTmpAuthCode)
            .into());
    };
    let now = core.now();
    let hash = core.key.hash(Purpose::AuthCode, code.as_bytes());
    // Used up without tokens: this flow answers the user, not a token pair.
    let used = core
        .store
        .redeem_code(&hash, now, Box::new(|_| None))
        .await?;
    let CodeUse::Fresh(c) = used else {
        return Err(bad_code());
    };
    if c.refusal(&app.client_id, now).is_some() {
        return Err(bad_code());
    }
    let user = core
        .store
        .get_user(&c.union_id)
        .await?
        .ok_or_else(bad_code)?;
    Ok(wire::SnsUserInfoResponse {
        errcode: 0,
        errmsg: "ok".into(),
        user_info: wire::SnsUserInfo {
            nick: user.nick,
            unionid: user.union_id.to_string(),
            openid: open_id(&core.key, &app.owner_corp_id, &user.union_id),
            main_org_auth_high_level: false,
        },
    })
}
