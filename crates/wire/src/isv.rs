//! Third-party ("ISV") apps and SSO into an app's admin backend: the v1.0 bodies of
//! `suiteAccessToken`, `corpAccessToken`, `apps/authInfo`, `ssoAccessToken`, `ssoUserInfo` and
//! `authRules/user`, and the legacy bodies of `/service/*` and `/sso/*`
//! (docs/dingtalk/dingtalk-wire-2.md §A3–A5, §B, §F).

use serde::{Deserialize, Serialize};

use crate::Secret;

/// Body of `POST /v1.0/oauth2/suiteAccessToken` (`GetSuiteAccessToken`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetSuiteAccessTokenRequest {
    /// `suiteKey`: the third-party app's key (its clientId).
    pub suite_key: String,
    /// `suiteSecret`: its secret.
    pub suite_secret: Secret,
    /// `suiteTicket`: the latest suite ticket (any string for a custom app).
    pub suite_ticket: Secret,
}

impl GetSuiteAccessTokenRequest {
    /// A request for the app `credentials` (suite key and secret) with `suite_ticket`.
    pub fn new(credentials: &crate::Credentials, suite_ticket: &Secret) -> Self {
        Self {
            suite_key: credentials.client_id.clone(),
            suite_secret: credentials.client_secret.clone(),
            suite_ticket: suite_ticket.clone(),
        }
    }
}

/// Body of `POST /v1.0/oauth2/corpAccessToken` (`GetCorpAccessToken`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetCorpAccessTokenRequest {
    /// `authCorpId`: the org that installed the app.
    pub auth_corp_id: String,
    /// `suiteKey`.
    pub suite_key: String,
    /// `suiteSecret`.
    pub suite_secret: Secret,
    /// `suiteTicket`.
    pub suite_ticket: Secret,
}

impl GetCorpAccessTokenRequest {
    /// A request for the app `credentials` in the org `auth_corp_id`, with `suite_ticket`.
    pub fn new(
        credentials: &crate::Credentials,
        auth_corp_id: &str,
        suite_ticket: &Secret,
    ) -> Self {
        Self {
            auth_corp_id: auth_corp_id.to_owned(),
            suite_key: credentials.client_id.clone(),
            suite_secret: credentials.client_secret.clone(),
            suite_ticket: suite_ticket.clone(),
        }
    }
}

/// Body of `POST /v1.0/oauth2/ssoAccessToken` (`GetSsoAccessToken`): note the lowercase
/// `corpid`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetSsoAccessTokenRequest {
    /// `corpid`: the org.
    pub corpid: String,
    /// `ssoSecret`: the org's SSO secret.
    #[serde(rename = "ssoSecret")]
    pub sso_secret: Secret,
}

impl GetSsoAccessTokenRequest {
    /// A request for an org's SSO token: `credentials` are the org's corpId and SSO secret.
    pub fn new(credentials: &crate::Credentials) -> Self {
        Self {
            corpid: credentials.client_id.clone(),
            sso_secret: credentials.client_secret.clone(),
        }
    }
}

/// Answer of `GET /v1.0/oauth2/apps/authInfo?authCorpId=` (`GetAuthInfo`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct GetAuthInfoResponse {
    /// `authAppInfo`: the app's agent in the org.
    pub auth_app_info: AuthAppInfo,
    /// `authCorpInfo`: the org.
    pub auth_corp_info: AuthCorpInfo,
    /// `authUserInfo`: the admin who authorized the app.
    pub auth_user_info: AuthUserInfo,
}

/// `authAppInfo`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AuthAppInfo {
    /// `agentList`: one agent per app.
    pub agent_list: Vec<AuthAgent>,
}

/// One entry of `agentList`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AuthAgent {
    /// `agentId`.
    pub agent_id: i64,
    /// `agentName`.
    pub agent_name: String,
    /// `appId`.
    pub app_id: i64,
    /// `adminList`: userids of the app's admins in the org.
    pub admin_list: Vec<String>,
}

/// `authCorpInfo`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AuthCorpInfo {
    /// `authChannel`.
    pub auth_channel: String,
    /// `authChannelType`: empty, or `STAR_ACTIVITY`.
    pub auth_channel_type: String,
    /// `authLevel`: 0 none, 1 高级, 2 中级, 3 初级.
    pub auth_level: i64,
    /// `corpLogoUrl`.
    pub corp_logo_url: String,
    /// `corpName`.
    pub corp_name: String,
    /// `industry`.
    pub industry: String,
    /// `inviteCode`.
    pub invite_code: String,
    /// `inviteUrl`.
    pub invite_url: String,
    /// `licenseCode`.
    pub license_code: String,
}

/// `authUserInfo`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AuthUserInfo {
    /// `userId`: the authorizing admin's userid.
    pub user_id: String,
}

/// Answer of `GET /v1.0/oauth2/ssoUserInfo?code=` (`GetSsoUserInfo`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct GetSsoUserInfoResponse {
    /// `corpId`.
    pub corp_id: String,
    /// `corpName`.
    pub corp_name: String,
    /// `userId`: the admin's userid in the org.
    pub user_id: String,
    /// `email`.
    pub email: String,
    /// `userName`.
    pub user_name: String,
    /// `avatar`.
    pub avatar: String,
    /// `isAdmin`.
    pub is_admin: bool,
}

/// Answer of `GET /v1.0/oauth2/authRules/user` (`GetPersonalAuthRule`): what the user token's
/// user granted the app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GetPersonalAuthRuleResponse {
    /// `result`: one entry per resource.
    pub result: Vec<PersonalAuthRule>,
}

/// One entry of `result`: a resource (`Contact.User`) and the items granted on it
/// (`Read`, `mobile`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PersonalAuthRule {
    /// `resource`.
    pub resource: String,
    /// `authItems`.
    pub auth_items: Vec<String>,
}

/// Answer of `POST /service/get_suite_token`:
/// `{"errcode":0,"errmsg":"ok","suite_access_token","expires_in"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GetSuiteTokenLegacyResponse {
    /// `errcode`: `0`.
    pub errcode: i64,
    /// `errmsg`: `"ok"`.
    pub errmsg: String,
    /// `suite_access_token`.
    pub suite_access_token: Secret,
    /// `expires_in`: seconds of validity.
    pub expires_in: i64,
}

/// Answer of `GET /sso/gettoken`: `{"access_token","errcode":0,"errmsg":"ok"}` (no
/// `expires_in` in DingTalk's answer; the token lives 3600 s).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SsoTokenLegacyResponse {
    /// `access_token`: the SSO token.
    pub access_token: Secret,
    /// `errcode`: `0`.
    pub errcode: i64,
    /// `errmsg`: `"ok"`.
    pub errmsg: String,
}

/// Answer of `GET /sso/getuserinfo`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SsoUserInfoLegacyResponse {
    /// `errcode`: `0`.
    pub errcode: i64,
    /// `errmsg`: `"ok"`.
    pub errmsg: String,
    /// `is_sys`: whether the user is an admin of the org.
    pub is_sys: bool,
    /// `user_info`.
    pub user_info: SsoLegacyUser,
    /// `corp_info`.
    pub corp_info: SsoLegacyCorp,
}

/// `user_info` of `/sso/getuserinfo`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SsoLegacyUser {
    /// `name`.
    pub name: String,
    /// `avatar`.
    pub avatar: String,
    /// `userid`.
    pub userid: String,
    /// `email`.
    pub email: String,
}

/// `corp_info` of `/sso/getuserinfo`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SsoLegacyCorp {
    /// `corpid`.
    pub corpid: String,
    /// `corp_name`.
    pub corp_name: String,
}

/// Answer of `POST /service/get_auth_info` (legacy names of [`GetAuthInfoResponse`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GetAuthInfoLegacyResponse {
    /// `errcode`: `0`.
    pub errcode: i64,
    /// `errmsg`: `"ok"`.
    pub errmsg: String,
    /// `auth_user_info`: `{"userId"}` (camel case, as DingTalk sends it).
    pub auth_user_info: AuthUserInfo,
    /// `auth_corp_info`.
    pub auth_corp_info: LegacyAuthCorpInfo,
    /// `auth_info`: `{"agent":[…]}`.
    pub auth_info: LegacyAuthInfo,
}

/// `auth_corp_info` of `/service/get_auth_info`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LegacyAuthCorpInfo {
    /// `corp_type`.
    pub corp_type: i64,
    /// `corpid`.
    pub corpid: String,
    /// `auth_level`.
    pub auth_level: i64,
    /// `auth_channel`.
    pub auth_channel: String,
    /// `industry`.
    pub industry: String,
    /// `full_corp_name`.
    pub full_corp_name: String,
    /// `corp_name`.
    pub corp_name: String,
    /// `invite_url`.
    pub invite_url: String,
    /// `auth_channel_type`.
    pub auth_channel_type: String,
    /// `invite_code`.
    pub invite_code: String,
    /// `is_authenticated`.
    pub is_authenticated: bool,
    /// `license_code`.
    pub license_code: String,
    /// `corp_logo_url`.
    pub corp_logo_url: String,
}

/// `auth_info` of `/service/get_auth_info`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LegacyAuthInfo {
    /// `agent`.
    pub agent: Vec<LegacyAgent>,
}

/// One agent of `auth_info.agent`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LegacyAgent {
    /// `agentid`.
    pub agentid: i64,
    /// `agent_name`.
    pub agent_name: String,
    /// `logo_url`.
    pub logo_url: String,
    /// `appid`.
    pub appid: i64,
    /// `admin_list`.
    pub admin_list: Vec<String>,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn request_bodies_use_the_wire_names_in_the_sdks_order() {
        let body = serde_json::to_string(&GetCorpAccessTokenRequest {
            auth_corp_id: "dingcorp".into(),
            suite_key: "sk".into(),
            suite_secret: Secret::new("ss"),
            suite_ticket: "t".into(),
        })
        .unwrap();
        // The order the official SDK sends (docs/dingtalk/dingtalk-wire-2.md §B2).
        assert_eq!(
            body,
            r#"{"authCorpId":"dingcorp","suiteKey":"sk","suiteSecret":"ss","suiteTicket":"t"}"#
        );
        let sso = serde_json::to_value(GetSsoAccessTokenRequest {
            corpid: "ding1".into(),
            sso_secret: Secret::new("s"),
        })
        .unwrap();
        assert_eq!(sso, json!({"corpid": "ding1", "ssoSecret": "s"}));
    }

    #[test]
    fn auth_info_reads_dingtalks_documented_answer() {
        let doc = json!({"authAppInfo":{"agentList":[{"agentId":888,"agentName":"小程序DEMO","appId":111,"adminList":["manager975"]}]},
            "authCorpInfo":{"inviteCode":"111","industry":"201","corpName":"小程序体验HTTP","licenseCode":"111","authChannel":"123",
              "authChannelType":"1","authLevel":1,"inviteUrl":"https://wx.dingtalk.com/invite-page/xxx","corpLogoUrl":"https://static-legacy.dingtalk.com/xxx"},
            "authUserInfo":{"userId":"manager975"}});
        let parsed: GetAuthInfoResponse = serde_json::from_value(doc.clone()).unwrap();
        assert_eq!(parsed.auth_app_info.agent_list[0].agent_id, 888);
        assert_eq!(serde_json::to_value(&parsed).unwrap(), doc);
    }
}
