//! The typed API calls, named after the official SDKs' operations.

use reqwest::Method;

use crate::{
    model::{
        CreateJsapiTicketResponse, GetAccessTokenRequest, GetAccessTokenResponse,
        GetAuthInfoLegacyResponse, GetAuthInfoResponse, GetCorpAccessTokenRequest,
        GetJsapiTicketLegacyResponse, GetPersonalAuthRuleResponse, GetSsoAccessTokenRequest,
        GetSsoUserInfoResponse, GetSuiteAccessTokenRequest, GetSuiteTokenLegacyResponse,
        GetTokenLegacyResponse, GetTokenRequest, GetTokenResponse, GetUserTokenRequest,
        GetUserTokenResponse, IntrospectRequest, Introspection, IntrospectionAuth, OrgAuthInfo,
        SsoTokenLegacyResponse, SsoUserInfoLegacyResponse, User,
    },
    ApiRequest, Client, Credentials, Result, Secret, SignedQuery,
};

impl Client {
    /// `POST /v1.0/oauth2/{corpId}/token` (DingTalk `GetToken`): the app access token of an
    /// app in an org — the owner org for an internal app, an installing org for a third-party
    /// app. Within its validity the same token comes back, renewed.
    ///
    /// Most code wants an [`AppTokenManager`](crate::AppTokenManager) instead, which caches.
    pub async fn get_token(
        &self,
        corp_id: &str,
        request: &GetTokenRequest,
    ) -> Result<GetTokenResponse> {
        self.send(
            ApiRequest::new("GetToken", Method::POST, "/v1.0/oauth2")
                .segment(corp_id)
                .segment("token")
                .json(request)?
                .idempotent(true),
        )
        .await
    }

    /// `POST /v1.0/oauth2/accessToken` (DingTalk `GetAccessToken`): the legacy app token
    /// endpoint, for internal apps (`appKey`/`appSecret`).
    pub async fn get_access_token(
        &self,
        request: &GetAccessTokenRequest,
    ) -> Result<GetAccessTokenResponse> {
        self.send(
            ApiRequest::new("GetAccessToken", Method::POST, "/v1.0/oauth2/accessToken")
                .json(request)?
                .idempotent(true),
        )
        .await
    }

    /// `GET /gettoken?appkey=&appsecret=` (legacy oapi): an internal app's token, the same
    /// one [`Client::get_access_token`] returns. A failure is an [`ApiError`](crate::ApiError)
    /// whose `code` is the legacy errcode (`"40096"`: wrong key or secret). The secret goes
    /// in the query, as DingTalk wants it, and never into a log line or an error.
    pub async fn get_token_legacy(
        &self,
        credentials: &Credentials,
    ) -> Result<GetTokenLegacyResponse> {
        self.send(
            ApiRequest::new("gettoken", Method::GET, "/gettoken")
                .query("appkey", &credentials.client_id)
                .query_secret("appsecret", credentials.client_secret.clone())
                .legacy(),
        )
        .await
    }

    /// `GET /get_jsapi_ticket?access_token=` (legacy oapi): the JSAPI ticket of the token's
    /// (app, org), the same one [`Client::create_jsapi_ticket`] returns. Sign a page's
    /// `dd.config` with it using [`jsapi_signature`](crate::jsapi_signature).
    pub async fn get_jsapi_ticket(
        &self,
        app_token: &Secret,
    ) -> Result<GetJsapiTicketLegacyResponse> {
        self.send(
            ApiRequest::new("get_jsapi_ticket", Method::GET, "/get_jsapi_ticket")
                .legacy_access_token(app_token.clone()),
        )
        .await
    }

    /// `POST /v1.0/oauth2/jsapiTickets` (DingTalk `CreateJsapiTicket`, no body): the JSAPI
    /// ticket of the token's (app, org). A re-fetch returns the same ticket, renewed, until a
    /// day after its creation.
    pub async fn create_jsapi_ticket(
        &self,
        app_token: &Secret,
    ) -> Result<CreateJsapiTicketResponse> {
        self.send(
            ApiRequest::new(
                "CreateJsapiTicket",
                Method::POST,
                "/v1.0/oauth2/jsapiTickets",
            )
            .access_token(app_token.clone())
            .idempotent(true),
        )
        .await
    }

    /// `POST /v1.0/oauth2/userAccessToken` (DingTalk `GetUserToken`): exchanges an auth code
    /// or a refresh token for a user access token and a new refresh token.
    ///
    /// Not retried once the server may have acted on it: an auth code is single use, and a
    /// refresh token rotates. Most code wants a [`UserTokenSession`](crate::UserTokenSession).
    pub async fn get_user_token(
        &self,
        request: &GetUserTokenRequest,
    ) -> Result<GetUserTokenResponse> {
        self.send(
            ApiRequest::new("GetUserToken", Method::POST, "/v1.0/oauth2/userAccessToken")
                .json(request)?
                .idempotent(false),
        )
        .await
    }

    /// `GET /v1.0/contact/organizations/authInfos[?targetCorpId=]` (DingTalk
    /// `GetOrgAuthInfo`): certification info of the token's org, or of `target_corp_id`,
    /// with an **app** access token holding `Contact.Org.Read`.
    pub async fn get_org_auth_info(
        &self,
        app_token: &Secret,
        target_corp_id: Option<&str>,
    ) -> Result<OrgAuthInfo> {
        let mut request = ApiRequest::new(
            "GetOrgAuthInfo",
            Method::GET,
            "/v1.0/contact/organizations/authInfos",
        )
        .access_token(app_token.clone());
        if let Some(target) = target_corp_id {
            request = request.query("targetCorpId", target);
        }
        self.send(request).await
    }

    /// `GET /v1.0/contact/users/{unionId}` (DingTalk `GetUser`) with a **user** access token;
    /// `union_id` may be `"me"` for the user who authorized (see [`Client::get_me`]).
    pub async fn get_user(&self, user_token: &Secret, union_id: &str) -> Result<User> {
        self.send(
            ApiRequest::new("GetUser", Method::GET, "/v1.0/contact/users")
                .segment(union_id)
                .access_token(user_token.clone()),
        )
        .await
    }

    /// `GET /v1.0/contact/users/me`: the profile of the user the token belongs to.
    pub async fn get_me(&self, user_token: &Secret) -> Result<User> {
        self.get_user(user_token, "me").await
    }

    /// `POST /v1.0/oauth2/introspect`: whether a token is live, and whose (opending only; RFC
    /// 7662 shape). An app learns only about its own tokens; the admin key sees all.
    pub async fn introspect(
        &self,
        auth: &IntrospectionAuth,
        request: &IntrospectRequest,
    ) -> Result<Introspection> {
        let call = ApiRequest::new("Introspect", Method::POST, "/v1.0/oauth2/introspect")
            .json(request)?
            .idempotent(true);
        let call = match auth {
            IntrospectionAuth::Client(c) => call.basic_auth(c.clone()),
            IntrospectionAuth::AdminKey(k) => call.bearer(k.clone()),
        };
        self.send(call).await
    }

    /// `POST /v1.0/oauth2/suiteAccessToken` (DingTalk `GetSuiteAccessToken`): a third-party
    /// app's own suite token, for [`Client::get_auth_info`] and the `/service/*` calls. A new
    /// token on each call; most code wants [`AppTokenManager::suite`](crate::AppTokenManager::suite).
    pub async fn get_suite_access_token(
        &self,
        request: &GetSuiteAccessTokenRequest,
    ) -> Result<GetAccessTokenResponse> {
        self.send(
            ApiRequest::new(
                "GetSuiteAccessToken",
                Method::POST,
                "/v1.0/oauth2/suiteAccessToken",
            )
            .json(request)?
            .idempotent(true),
        )
        .await
    }

    /// `POST /v1.0/oauth2/corpAccessToken` (DingTalk `GetCorpAccessToken`): a third-party
    /// app's token in an org that installed it — an app token like
    /// [`Client::get_token`]'s, accepted by both API families. A new token on each call (the
    /// earlier ones stay valid); most code wants
    /// [`AppTokenManager::third_party`](crate::AppTokenManager::third_party).
    pub async fn get_corp_access_token(
        &self,
        request: &GetCorpAccessTokenRequest,
    ) -> Result<GetAccessTokenResponse> {
        self.send(
            ApiRequest::new(
                "GetCorpAccessToken",
                Method::POST,
                "/v1.0/oauth2/corpAccessToken",
            )
            .json(request)?
            .idempotent(true),
        )
        .await
    }

    /// `GET /v1.0/oauth2/apps/authInfo?authCorpId=` (DingTalk `GetAuthInfo`) with a **suite**
    /// token: the org's installation of the app (its agent, the org, the authorizing admin).
    pub async fn get_auth_info(
        &self,
        suite_token: &Secret,
        auth_corp_id: &str,
    ) -> Result<GetAuthInfoResponse> {
        self.send(
            ApiRequest::new("GetAuthInfo", Method::GET, "/v1.0/oauth2/apps/authInfo")
                .query("authCorpId", auth_corp_id)
                .access_token(suite_token.clone()),
        )
        .await
    }

    /// `POST /v1.0/oauth2/ssoAccessToken` (DingTalk `GetSsoAccessToken`): an org's SSO token,
    /// from its corpId and SSO secret. Most code wants
    /// [`AppTokenManager::sso`](crate::AppTokenManager::sso).
    pub async fn get_sso_access_token(
        &self,
        request: &GetSsoAccessTokenRequest,
    ) -> Result<GetAccessTokenResponse> {
        self.send(
            ApiRequest::new(
                "GetSsoAccessToken",
                Method::POST,
                "/v1.0/oauth2/ssoAccessToken",
            )
            .json(request)?
            .idempotent(true),
        )
        .await
    }

    /// `GET /v1.0/oauth2/ssoUserInfo?code=` (DingTalk `GetSsoUserInfo`) with an **SSO** token:
    /// the org admin who opened the app's admin backend with `code`. The code is single use,
    /// so the call is not resent once the server may have acted on it.
    pub async fn get_sso_user_info(
        &self,
        sso_token: &Secret,
        code: &Secret,
    ) -> Result<GetSsoUserInfoResponse> {
        self.send(
            ApiRequest::new("GetSsoUserInfo", Method::GET, "/v1.0/oauth2/ssoUserInfo")
                .query_secret("code", code.clone())
                .access_token(sso_token.clone())
                .idempotent(false),
        )
        .await
    }

    /// `GET /v1.0/oauth2/authRules/user` (DingTalk `GetPersonalAuthRule`) with a **user**
    /// token: what the user granted the app.
    pub async fn get_personal_auth_rule(
        &self,
        user_token: &Secret,
    ) -> Result<GetPersonalAuthRuleResponse> {
        self.send(
            ApiRequest::new(
                "GetPersonalAuthRule",
                Method::GET,
                "/v1.0/oauth2/authRules/user",
            )
            .access_token(user_token.clone()),
        )
        .await
    }

    /// `POST /service/get_suite_token` (legacy oapi): the suite token in the errcode envelope,
    /// the same kind [`Client::get_suite_access_token`] returns.
    pub async fn get_suite_token_legacy(
        &self,
        credentials: &Credentials,
        suite_ticket: &Secret,
    ) -> Result<GetSuiteTokenLegacyResponse> {
        let body = serde_json::json!({
            "suite_key": credentials.client_id,
            "suite_secret": credentials.client_secret.expose(),
            "suite_ticket": suite_ticket.expose(),
        });
        self.send(
            ApiRequest::new("get_suite_token", Method::POST, "/service/get_suite_token")
                .json(&body)?
                .idempotent(true)
                .legacy(),
        )
        .await
    }

    /// `POST /service/get_corp_token` (legacy oapi), a **signed call** (see [`SignedQuery`]):
    /// a third-party or custom app's token in the org `auth_corp_id`, in the errcode envelope.
    /// A custom app (定制应用) may sign any ticket. Signed at each attempt's start.
    pub async fn get_corp_token_signed(
        &self,
        credentials: &Credentials,
        suite_ticket: &Secret,
        auth_corp_id: &str,
    ) -> Result<GetTokenLegacyResponse> {
        let request = ApiRequest::new("get_corp_token", Method::POST, "/service/get_corp_token")
            .json(&serde_json::json!({ "auth_corpid": auth_corp_id }))?
            .idempotent(true);
        self.send(SignedQuery::now(credentials, suite_ticket).apply(request))
            .await
    }

    /// `POST /service/get_auth_info` (legacy oapi), a **signed call**: the org's installation
    /// of the app, in the errcode envelope.
    pub async fn get_auth_info_signed(
        &self,
        credentials: &Credentials,
        suite_ticket: &Secret,
        auth_corp_id: &str,
    ) -> Result<GetAuthInfoLegacyResponse> {
        let request = ApiRequest::new("get_auth_info", Method::POST, "/service/get_auth_info")
            .json(&serde_json::json!({ "auth_corpid": auth_corp_id }))?
            .idempotent(true);
        self.send(SignedQuery::now(credentials, suite_ticket).apply(request))
            .await
    }

    /// `GET /sso/gettoken?corpid=&corpsecret=` (legacy oapi): an org's SSO token from its
    /// corpId and SSO secret (`credentials`), in the errcode envelope.
    pub async fn get_sso_token_legacy(
        &self,
        credentials: &Credentials,
    ) -> Result<SsoTokenLegacyResponse> {
        self.send(
            ApiRequest::new("sso_gettoken", Method::GET, "/sso/gettoken")
                .query("corpid", &credentials.client_id)
                .query_secret("corpsecret", credentials.client_secret.clone())
                .legacy(),
        )
        .await
    }

    /// `GET /sso/getuserinfo?access_token=&code=` (legacy oapi) with an **SSO** token: the
    /// admin who opened the app's admin backend. The code is single use.
    pub async fn get_sso_user_info_legacy(
        &self,
        sso_token: &Secret,
        code: &Secret,
    ) -> Result<SsoUserInfoLegacyResponse> {
        self.send(
            ApiRequest::new("sso_getuserinfo", Method::GET, "/sso/getuserinfo")
                .query_secret("code", code.clone())
                .legacy_access_token(sso_token.clone())
                .idempotent(false),
        )
        .await
    }
}
