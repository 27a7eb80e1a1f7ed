//! The typed API calls, named after the official SDKs' operations.

use reqwest::Method;

use crate::{
    model::{
        CreateJsapiTicketResponse, GetAccessTokenRequest, GetAccessTokenResponse,
        GetJsapiTicketLegacyResponse, GetTokenLegacyResponse, GetTokenRequest, GetTokenResponse,
        GetUserTokenRequest, GetUserTokenResponse, IntrospectRequest, Introspection,
        IntrospectionAuth, OrgAuthInfo, User,
    },
    ApiRequest, Client, Credentials, Result, Secret,
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
}
