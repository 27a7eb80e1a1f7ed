//! In-app login (免登, docs/dingtalk/dingtalk-wire-2.md §C, §E4–E5): outside the DingTalk
//! client, opending's `dd` shim (`/sdk/dingtalk.js`) stands in for the container. A page calls
//! `dd.requestAuthCode`; the shim asks opending for a code for the user signed in to this
//! browser, which the page's backend exchanges with an app token at
//! `topapi/v2/user/getuserinfo` (or the older `/user/getuserinfo`). `dd.config`'s signature is
//! checked against the (app, org)'s JSAPI ticket exactly as DingTalk specifies.
//!
//! Codes are single use, live five minutes, and are bound to the app and org they were made
//! for; they are not OAuth codes (`userAccessToken` never takes them, and OAuth codes are not
//! taken here: 40078).

use opending_domain::{
    directory::sys_level,
    jsapi::{config_signature_matches, derive_ticket, MAX_AGE},
    secret::Purpose,
    ApiError, App, AuditKind, ClientId, CorpId, ErrorCode, LegacyCode, Principal, Secret, UnionId,
    UnixTime, User,
};
use opending_store::LoginCode;
use opending_wire as wire;
use serde::Serialize;

use super::{audit, Result};
use crate::{Core, Origin};

/// How long a 免登 code lives (DingTalk: five minutes).
pub const CODE_TTL: i64 = 300;

/// A refusal as DingTalk's JSAPI reports it to the page: `{errorCode, errorMessage}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DdError {
    /// DingTalk's client error code (3 for `requestAuthCode`, 52010–52019 for `dd.config`).
    pub error_code: i64,
    /// Its message (DingTalk's text).
    pub error_message: String,
}

impl DdError {
    fn new(error_code: i64, error_message: impl Into<String>) -> Self {
        Self {
            error_code,
            error_message: error_message.into(),
        }
    }

    /// `requestAuthCode`'s refusal when no micro-app of the org serves the page's domain.
    fn no_app(origin: &str) -> Self {
        let host = origin.split_once("://").map_or(origin, |(_, h)| h);
        Self::new(3, format!("对应企业没有{host}域名微应用"))
    }
}

/// The app that may run in `corp` and serves pages of `origin`: the one named by `client_id`,
/// or (the older `dd.runtime.permission.requestAuthCode`, which names none) the first by
/// clientId whose registered origins include `origin`.
pub async fn app_for_page(
    core: &Core,
    corp: &str,
    client_id: Option<&str>,
    origin: &str,
) -> Result<std::result::Result<App, DdError>> {
    let refused = || Ok(Err(DdError::no_app(origin)));
    let Ok(corp) = CorpId::parse(corp) else {
        return refused();
    };
    let candidates: Vec<ClientId> = match client_id {
        Some(c) => match ClientId::parse(c) {
            Ok(c) => vec![c],
            Err(_) => return refused(),
        },
        None => {
            let mut all: Vec<ClientId> = core
                .store
                .list_apps(None)
                .await?
                .into_iter()
                .map(|a| a.client_id)
                .collect();
            all.sort();
            all
        }
    };
    for id in candidates {
        if !super::openauth::origin_allowed(core, &id, origin).await? {
            continue;
        }
        let Some(standing) = core.store.app_in_org(&id, &corp).await? else {
            continue;
        };
        if standing
            .app
            .may_run_in(&corp, standing.org_exists, standing.installation)
            .is_ok()
        {
            return Ok(Ok(standing.app));
        }
    }
    refused()
}

/// Mints a code for `user` in `corp` for `app` (which may run there and serves the page):
/// refused with errorCode 3 when the user is not a member of the org.
pub async fn mint_code(
    core: &Core,
    origin: &Origin,
    app: &App,
    corp: &CorpId,
    user: &UnionId,
) -> Result<std::result::Result<Secret, DdError>> {
    if core.store.member(corp, user).await?.is_none() {
        return Ok(Err(DdError::new(3, "当前用户不在该企业中")));
    }
    let code = core.with_rng(|rng| Secret::generate_client_secret(rng));
    let code = Secret::new(&code.expose()[..32]);
    let now = core.now();
    core.store
        .put_login_code(
            &LoginCode {
                code_hash: core.key.hash(Purpose::LoginCode, code.expose().as_bytes()),
                client_id: app.client_id.clone(),
                corp_id: corp.clone(),
                union_id: user.clone(),
                expires_at: UnixTime(now.0 + CODE_TTL),
            },
            now,
        )
        .await?;
    let event = audit::admin_event(core, origin, AuditKind::CodeIssued)
        .app(&app.client_id)
        .org(corp)
        .detail("code", "inapp");
    audit::record(core, origin, event).await?;
    Ok(Ok(code))
}

/// The emulator's backdoor: a code for the member (by `union_id` or `userid`) of `corp` in
/// `client_id`, which must run there — no browser, no registered origin needed.
pub async fn mint_for(
    core: &Core,
    origin: &Origin,
    client_id: &str,
    corp_id: &str,
    union_id: Option<&str>,
    userid: Option<&str>,
) -> Result<Secret> {
    let id = super::parse_client_id(client_id)?;
    let corp = super::parse_corp_id(corp_id)?;
    let standing = core
        .store
        .app_in_org(&id, &corp)
        .await?
        .ok_or_else(|| super::not_found(format!("app {id} does not exist")))?;
    standing
        .app
        .may_run_in(&corp, standing.org_exists, standing.installation)
        .map_err(|_| super::bad(format!("app {id} does not run in {corp}")))?;
    let member = match (union_id, userid) {
        (Some(u), None) => {
            let u = UnionId::parse(u).map_err(super::bad)?;
            core.store.member(&corp, &u).await?
        }
        (None, Some(userid)) => core.store.member_by_userid(&corp, userid).await?,
        _ => return Err(super::bad("give exactly one of unionId and userid")),
    }
    .ok_or_else(|| super::not_found(format!("no such member of {corp}")))?;
    match mint_code(
        core,
        origin,
        &standing.app,
        &corp,
        &member.membership.union_id,
    )
    .await?
    {
        Ok(code) => Ok(code),
        Err(e) => Err(super::bad(e.error_message)),
    }
}

/// The member a code was made for, taken (used up) with a token of the same app in the same
/// org: 40078 otherwise (unknown, expired, used, another app's or org's, an OAuth code).
async fn take(
    core: &Core,
    principal: &Principal,
    code: Option<&str>,
) -> Result<(User, i64, String)> {
    principal.require(&[opending_domain::permission::BASE_POINTS[0]])?;
    let Some(code) = code else {
        return Err(ApiError::invalid_request("code is required")
            .with_legacy(LegacyCode::BadParameter)
            .into());
    };
    let refused = || -> super::Error {
        ApiError::with_message(ErrorCode::InvalidGrant, "nonexistent temp auth code")
            .with_legacy(LegacyCode::InvalidTmpAuthCode)
            .into()
    };
    let hash = core.key.hash(Purpose::LoginCode, code.as_bytes());
    let taken = core
        .store
        .take_login_code(&hash, core.now())
        .await?
        .ok_or_else(refused)?;
    if taken.client_id != principal.client_id || taken.corp_id != principal.corp_id {
        return Err(refused());
    }
    let member = core
        .store
        .member(&taken.corp_id, &taken.union_id)
        .await?
        .ok_or_else(refused)?;
    let user = core
        .store
        .get_user(&taken.union_id)
        .await?
        .ok_or_else(refused)?;
    let level = sys_level(member.membership.role, member.staff.boss);
    Ok((user, level, member.staff.userid))
}

/// A device id for the answers: stable per (org, user), not a secret.
fn device_id(corp: &CorpId, user: &UnionId) -> String {
    opending_domain::user::userid(corp, user)
        .chars()
        .rev()
        .collect::<String>()
}

/// `topapi/v2/user/getuserinfo`: who the code was made for.
pub async fn user_info(
    core: &Core,
    principal: &Principal,
    code: Option<&str>,
) -> Result<wire::InAppUserInfo> {
    let (user, level, userid) = take(core, principal, code).await?;
    Ok(wire::InAppUserInfo {
        associated_unionid: String::new(),
        unionid: user.union_id.to_string(),
        device_id: device_id(&principal.corp_id, &user.union_id),
        sys_level: level,
        name: user.nick,
        sys: level == 1,
        userid,
    })
}

/// The older `GET /user/getuserinfo`: the same, at the top level.
pub async fn user_info_legacy(
    core: &Core,
    principal: &Principal,
    code: Option<&str>,
) -> Result<wire::InAppUserInfoLegacy> {
    let (user, level, userid) = take(core, principal, code).await?;
    Ok(wire::InAppUserInfoLegacy {
        errcode: 0,
        errmsg: "ok".into(),
        sys_level: level,
        is_sys: level == 1,
        name: user.nick,
        device_id: device_id(&principal.corp_id, &user.union_id),
        userid,
    })
}

/// What `dd.config` carries (the page's own `location.href` as `url`).
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConfigCheck {
    /// The app's agentId (a number or its text).
    #[serde(default)]
    pub agent_id: Option<serde_json::Value>,
    /// The org.
    #[serde(default)]
    pub corp_id: Option<String>,
    /// The timestamp signed.
    #[serde(default)]
    pub time_stamp: Option<serde_json::Value>,
    /// The nonce signed.
    #[serde(default)]
    pub nonce_str: Option<String>,
    /// The signature.
    #[serde(default)]
    pub signature: Option<String>,
    /// The JSAPIs the page will call.
    #[serde(default)]
    pub js_api_list: Option<Vec<String>>,
    /// The page's URL.
    #[serde(default)]
    pub url: Option<String>,
}

fn text(v: &Option<serde_json::Value>) -> Option<String> {
    match v {
        Some(serde_json::Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        _ => None,
    }
}

/// Checks a `dd.config` as the DingTalk client does (§E4, §E5): the org (52010), the app by
/// its agentId (52019), a live JSAPI ticket of (app, org) (52011), each parameter (52014–52018),
/// then the signature (52013). A numeric timestamp more than a day old (no ticket lives longer)
/// or more than five minutes ahead is refused as stale (52018); a non-numeric one is opaque, as
/// DingTalk treats it.
pub async fn check_config(
    core: &Core,
    c: &ConfigCheck,
) -> Result<std::result::Result<(), DdError>> {
    let corp = match c.corp_id.as_deref().map(CorpId::parse) {
        Some(Ok(corp)) if core.store.get_org(&corp).await?.is_some() => corp,
        _ => return Ok(Err(DdError::new(52010, "无效的corpid"))),
    };
    let Some(agent_id) = text(&c.agent_id).and_then(|a| a.parse::<i64>().ok()) else {
        return Ok(Err(DdError::new(52019, "无效的agentid")));
    };
    let mut app = None;
    for a in core.store.list_apps(None).await? {
        if a.agent_id() == agent_id {
            app = Some(a);
            break;
        }
    }
    let Some(app) = app else {
        return Ok(Err(DdError::new(52019, "无效的agentid")));
    };
    let runs = match core.store.app_in_org(&app.client_id, &corp).await? {
        Some(s) => s
            .app
            .may_run_in(&corp, s.org_exists, s.installation)
            .is_ok(),
        None => false,
    };
    if !runs {
        return Ok(Err(DdError::new(52019, "无效的agentid")));
    }
    let now = core.now();
    let Some(ticket) = core
        .store
        .live_jsapi_ticket(&app.client_id, &corp, now)
        .await?
    else {
        return Ok(Err(DdError::new(52011, "jsapi ticket 读取失败")));
    };
    let Some(url) = c
        .url
        .as_deref()
        .filter(|u| u.starts_with("http://") || u.starts_with("https://"))
    else {
        return Ok(Err(DdError::new(52014, "无效的url参数")));
    };
    let Some(nonce) = c
        .nonce_str
        .as_deref()
        .filter(|n| !n.is_empty() && n.len() <= 256)
    else {
        return Ok(Err(DdError::new(52015, "无效的随机字符串参数")));
    };
    let Some(signature) = c
        .signature
        .as_deref()
        .filter(|s| !s.is_empty() && s.len() <= 128)
    else {
        return Ok(Err(DdError::new(52016, "无效的签名参数")));
    };
    if c.js_api_list.as_ref().is_none_or(|l| l.len() > 500) {
        return Ok(Err(DdError::new(52017, "无效的jsapi列表参数")));
    }
    let Some(timestamp) = text(&c.time_stamp).filter(|t| t.len() <= 64) else {
        return Ok(Err(DdError::new(52018, "无效的时间戳")));
    };
    if let Ok(n) = timestamp.parse::<i64>() {
        let secs = if n > 100_000_000_000 { n / 1000 } else { n };
        if secs < now.0 - MAX_AGE || secs > now.0 + 300 {
            return Ok(Err(DdError::new(52018, "无效的时间戳")));
        }
    }
    let value = derive_ticket(&core.key, &ticket.nonce);
    if !config_signature_matches(value.expose(), nonce, &timestamp, url, signature) {
        return Ok(Err(DdError::new(52013, "签名校验失败")));
    }
    Ok(Ok(()))
}
