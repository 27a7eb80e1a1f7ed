//! `/v1.0/oauth2/*`: app tokens (`{corpId}/token`, legacy `accessToken`) and user tokens
//! (docs/dingtalk/dingtalk-wire.md §1, §4).

use serde::{Deserialize, Serialize};

use crate::{Credentials, Secret};

/// Body of `POST /v1.0/oauth2/{corpId}/token` (DingTalk `GetToken`). Snake case on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetTokenRequest {
    /// `client_id`: the app's clientId.
    pub client_id: String,
    /// `client_secret`: the app's client secret.
    pub client_secret: Secret,
    /// `grant_type`: always `client_credentials`.
    pub grant_type: String,
}

impl GetTokenRequest {
    /// A `client_credentials` request for these credentials.
    pub fn client_credentials(credentials: &Credentials) -> Self {
        Self {
            client_id: credentials.client_id.clone(),
            client_secret: credentials.client_secret.clone(),
            grant_type: "client_credentials".to_owned(),
        }
    }
}

/// Answer of `POST /v1.0/oauth2/{corpId}/token`: `{"access_token","expires_in"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GetTokenResponse {
    /// `access_token`: the app access token (opending: 32 lowercase hex digits).
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9a-f]{32}$"))]
    pub access_token: Secret,
    /// `expires_in`: seconds of validity (DingTalk: 7200).
    pub expires_in: i64,
}

/// Body of the legacy `POST /v1.0/oauth2/accessToken` (DingTalk `GetAccessToken`), for
/// internal apps. Camel case on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetAccessTokenRequest {
    /// `appKey`: the app's clientId.
    pub app_key: String,
    /// `appSecret`: the app's client secret.
    pub app_secret: Secret,
}

impl GetAccessTokenRequest {
    /// A request for these credentials.
    pub fn new(credentials: &Credentials) -> Self {
        Self {
            app_key: credentials.client_id.clone(),
            app_secret: credentials.client_secret.clone(),
        }
    }
}

/// Answer of `POST /v1.0/oauth2/accessToken`: `{"accessToken","expireIn"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GetAccessTokenResponse {
    /// `accessToken`: the app access token (opending: 32 lowercase hex digits).
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9a-f]{32}$"))]
    pub access_token: Secret,
    /// `expireIn`: seconds of validity.
    pub expire_in: i64,
}

/// `grantType` of a user token request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum GrantType {
    /// `authorization_code`: exchange an auth code from the browser flow or openAuth.
    #[serde(rename = "authorization_code")]
    AuthorizationCode,
    /// `refresh_token`: exchange a refresh token for a new pair.
    #[serde(rename = "refresh_token")]
    RefreshToken,
}

/// Body of `POST /v1.0/oauth2/userAccessToken` (DingTalk `GetUserToken`). Camel case on the
/// wire; `code` and `refreshToken` are left out when unset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetUserTokenRequest {
    /// `clientId`: the app's clientId.
    pub client_id: String,
    /// `clientSecret`: the app's client secret.
    pub client_secret: Secret,
    /// `code`: the auth code, for [`GrantType::AuthorizationCode`].
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub code: Option<Secret>,
    /// `refreshToken`: the refresh token, for [`GrantType::RefreshToken`].
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub refresh_token: Option<Secret>,
    /// `grantType`.
    pub grant_type: GrantType,
}

impl GetUserTokenRequest {
    /// Exchanges an auth code (single use, valid a few minutes).
    pub fn authorization_code(credentials: &Credentials, code: impl Into<Secret>) -> Self {
        Self {
            client_id: credentials.client_id.clone(),
            client_secret: credentials.client_secret.clone(),
            code: Some(code.into()),
            refresh_token: None,
            grant_type: GrantType::AuthorizationCode,
        }
    }

    /// Exchanges a refresh token; the answer carries a new refresh token that replaces it.
    pub fn refresh_token(credentials: &Credentials, refresh_token: impl Into<Secret>) -> Self {
        Self {
            client_id: credentials.client_id.clone(),
            client_secret: credentials.client_secret.clone(),
            code: None,
            refresh_token: Some(refresh_token.into()),
            grant_type: GrantType::RefreshToken,
        }
    }
}

/// Answer of `POST /v1.0/oauth2/userAccessToken`: `{"accessToken","refreshToken","expireIn","corpId"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GetUserTokenResponse {
    /// `accessToken`: the user access token (for `x-acs-dingtalk-access-token`; opending: 32
    /// lowercase hex digits).
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9a-f]{32}$"))]
    pub access_token: Secret,
    /// `refreshToken`: valid 30 days; refreshing rotates it (opending: 32 lowercase hex digits).
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9a-f]{32}$"))]
    pub refresh_token: Secret,
    /// `expireIn`: seconds of validity of the access token (DingTalk: 7200).
    pub expire_in: i64,
    /// `corpId`: the org the user authorized in; only with scope `openid corpid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corp_id: Option<String>,
}

/// Answer of `POST /v1.0/oauth2/jsapiTickets` (no request body): `{"jsapiTicket","expireIn"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreateJsapiTicketResponse {
    /// `jsapiTicket`: the ticket `dd.config` signatures are computed with.
    pub jsapi_ticket: Secret,
    /// `expireIn`: seconds of validity left.
    pub expire_in: i64,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn creds() -> Credentials {
        Credentials::new("cid", "csec")
    }

    #[test]
    fn app_token_bodies_use_the_wire_names() {
        let body = serde_json::to_value(GetTokenRequest::client_credentials(&creds())).unwrap();
        assert_eq!(
            body,
            json!({"client_id": "cid", "client_secret": "csec", "grant_type": "client_credentials"})
        );
        let resp: GetTokenResponse =
            serde_json::from_value(json!({"access_token": "t", "expires_in": 7200, "x": 1}))
                .unwrap();
        assert_eq!((resp.access_token.expose(), resp.expires_in), ("t", 7200));
        let legacy = serde_json::to_value(GetAccessTokenRequest::new(&creds())).unwrap();
        assert_eq!(legacy, json!({"appKey": "cid", "appSecret": "csec"}));
        let resp: GetAccessTokenResponse =
            serde_json::from_value(json!({"accessToken": "t", "expireIn": 7200})).unwrap();
        assert_eq!(resp.expire_in, 7200);
    }

    #[test]
    fn user_token_bodies_match_the_captured_requests() {
        // docs/dingtalk/dingtalk-wire.md §1.3: the official SDK's bytes.
        let code = GetUserTokenRequest::authorization_code(&creds(), "authcode1");
        assert_eq!(
            serde_json::to_string(&code).unwrap(),
            r#"{"clientId":"cid","clientSecret":"csec","code":"authcode1","grantType":"authorization_code"}"#
        );
        let refresh = GetUserTokenRequest::refresh_token(&creds(), "rt1");
        assert_eq!(
            serde_json::to_value(&refresh).unwrap(),
            json!({"clientId": "cid", "clientSecret": "csec", "grantType": "refresh_token", "refreshToken": "rt1"})
        );
        let resp: GetUserTokenResponse = serde_json::from_value(json!({
            "accessToken": "a", "refreshToken": "r", "expireIn": 7200, "corpId": "dingcorp"
        }))
        .unwrap();
        assert_eq!(resp.corp_id.as_deref(), Some("dingcorp"));
        let no_corp: GetUserTokenResponse = serde_json::from_value(json!({
            "accessToken": "a", "refreshToken": "r", "expireIn": 7200
        }))
        .unwrap();
        assert_eq!(no_corp.corp_id, None);
        assert!(!format!("{code:?}{resp:?}").contains("authcode1"));
    }
}
