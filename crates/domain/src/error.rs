//! DingTalk's error catalogue: every error opending answers, with its HTTP status, its `code`
//! and its default `message` (docs/dingtalk/decisions.md §1–6, docs/dingtalk/dingtalk-wire.md §4).
//!
//! The HTTP layer renders an [`ApiError`] to `{"code","requestid","message"}` in exactly one
//! place; nothing else decides statuses or codes.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

/// One entry of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ErrorCode {
    /// 400 `invalid.request`: a malformed request to `/v1.0/oauth2/*` (docs/dingtalk/decisions.md §6).
    InvalidRequest,
    /// 400 `Missingbody`: no JSON body where one is required (real DingTalk's answer).
    MissingBody,
    /// 400 `invalid.client`: unknown client or wrong secret; one answer for both.
    InvalidClient,
    /// 401 `invalid.client`: bad credentials on the introspection endpoint (RFC 7662 §2.1).
    IntrospectionUnauthorized,
    /// 400 `unsupported.grant.type`.
    UnsupportedGrantType,
    /// 401 `unauthorized.client`: the app may not run in that org (docs/dingtalk/decisions.md §2, §14).
    UnauthorizedClient,
    /// 400 `invalid.grant`: unknown, expired, used or foreign code or refresh token.
    InvalidGrant,
    /// 500 `server.error` on the oauth2 endpoints; never carries internals.
    ServerError,
    /// 400 `InvalidAuthentication`: missing, unknown, expired or revoked access token.
    InvalidAuthentication,
    /// 403 `Forbidden.AccessDenied.AccessTokenPermissionDenied` (+ `requiredScopes`).
    AccessTokenPermissionDenied,
    /// 403 `Forbidden.AccessDenied.QpsLimitForAppkeyAndApi`.
    QpsLimitForAppkeyAndApi,
    /// 403 `Forbidden.AccessDenied.QpsLimitForApi` (the API's global limit).
    QpsLimitForApi,
    /// 403 `Forbidden.AccessDenied.IpLimit`.
    IpLimit,
    /// 400 `invalidParameter.system.param` on `/v1.0/contact/*`.
    InvalidSystemParam,
    /// 400 `permission.denied` on `/v1.0/contact/*`.
    PermissionDenied,
    /// 500 `service.system.error` on `/v1.0/contact/*`; never carries internals.
    ServiceSystemError,
    /// 404 `NotFound`: no such route or resource.
    NotFound,
    /// 405 `MethodNotAllowed`.
    MethodNotAllowed,
    /// 401 `Unauthorized`: the admin API without a valid admin key.
    AdminUnauthorized,
    /// 409 `Conflict`: the resource exists already.
    Conflict,
    /// 400 `InvalidParameter`: malformed input to the admin API.
    InvalidParameter,
    /// 503 `ServiceUnavailable`: not ready (storage unreachable).
    ServiceUnavailable,
    /// 400 `AuthenticationFailed.MissingParameter`: no `x-acs-dingtalk-access-token` on a
    /// `/v1.0/oauth2/` API that needs one (observed, docs/dingtalk/dingtalk-wire-2.md §B3).
    MissingAuthParameter,
    /// 400 `invalidSuiteTicket`: not the suite's current or previous ticket.
    InvalidSuiteTicket,
    /// 400 `invalidSuiteKey`: unknown suite key, or a wrong secret for it (one answer).
    InvalidSuiteKey,
    /// 400 `invalidClientIdOrSecret`: unknown suite key or wrong secret on
    /// `suiteAccessToken`; a wrong corpId or SSO secret on `ssoAccessToken`.
    InvalidClientIdOrSecret,
    /// 400 `invalidAuthInfo`: the org has not installed the app, or suspended it.
    InvalidAuthInfo,
    /// 400 `orgNotAuthApp`: `apps/authInfo` for an org that has not installed the app.
    OrgNotAuthApp,
    /// 400 `invalidCorpId`: a missing or malformed corpId parameter.
    InvalidCorpId,
    /// 400 `invalidCode`: an unknown, expired or used SSO code.
    InvalidCode,
    /// 400 `invalidToken`: the SSO token is unknown or expired.
    InvalidToken,
}

impl ErrorCode {
    /// Every entry of the catalogue.
    pub const ALL: &'static [ErrorCode] = &[
        ErrorCode::InvalidRequest,
        ErrorCode::MissingBody,
        ErrorCode::InvalidClient,
        ErrorCode::IntrospectionUnauthorized,
        ErrorCode::UnsupportedGrantType,
        ErrorCode::UnauthorizedClient,
        ErrorCode::InvalidGrant,
        ErrorCode::ServerError,
        ErrorCode::InvalidAuthentication,
        ErrorCode::AccessTokenPermissionDenied,
        ErrorCode::QpsLimitForAppkeyAndApi,
        ErrorCode::QpsLimitForApi,
        ErrorCode::IpLimit,
        ErrorCode::InvalidSystemParam,
        ErrorCode::PermissionDenied,
        ErrorCode::ServiceSystemError,
        ErrorCode::NotFound,
        ErrorCode::MethodNotAllowed,
        ErrorCode::AdminUnauthorized,
        ErrorCode::Conflict,
        ErrorCode::InvalidParameter,
        ErrorCode::ServiceUnavailable,
        ErrorCode::MissingAuthParameter,
        ErrorCode::InvalidSuiteTicket,
        ErrorCode::InvalidSuiteKey,
        ErrorCode::InvalidClientIdOrSecret,
        ErrorCode::InvalidAuthInfo,
        ErrorCode::OrgNotAuthApp,
        ErrorCode::InvalidCorpId,
        ErrorCode::InvalidCode,
        ErrorCode::InvalidToken,
    ];

    /// The entry with this wire `code` (the first, for `invalid.client`'s two statuses).
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|c| c.code() == code)
    }

    /// The HTTP status.
    pub fn status(self) -> u16 {
        use ErrorCode::*;
        match self {
            InvalidRequest
            | MissingBody
            | InvalidClient
            | UnsupportedGrantType
            | InvalidGrant
            | InvalidAuthentication
            | InvalidSystemParam
            | PermissionDenied
            | InvalidParameter
            | MissingAuthParameter
            | InvalidSuiteTicket
            | InvalidSuiteKey
            | InvalidClientIdOrSecret
            | InvalidAuthInfo
            | OrgNotAuthApp
            | InvalidCorpId
            | InvalidCode
            | InvalidToken => 400,
            IntrospectionUnauthorized | UnauthorizedClient | AdminUnauthorized => 401,
            AccessTokenPermissionDenied | QpsLimitForAppkeyAndApi | QpsLimitForApi | IpLimit => 403,
            NotFound => 404,
            MethodNotAllowed => 405,
            Conflict => 409,
            ServerError | ServiceSystemError => 500,
            ServiceUnavailable => 503,
        }
    }

    /// The wire `code`.
    pub fn code(self) -> &'static str {
        use ErrorCode::*;
        match self {
            InvalidRequest => "invalid.request",
            MissingBody => "Missingbody",
            InvalidClient | IntrospectionUnauthorized => "invalid.client",
            UnsupportedGrantType => "unsupported.grant.type",
            UnauthorizedClient => "unauthorized.client",
            InvalidGrant => "invalid.grant",
            ServerError => "server.error",
            InvalidAuthentication => "InvalidAuthentication",
            AccessTokenPermissionDenied => "Forbidden.AccessDenied.AccessTokenPermissionDenied",
            QpsLimitForAppkeyAndApi => "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi",
            QpsLimitForApi => "Forbidden.AccessDenied.QpsLimitForApi",
            IpLimit => "Forbidden.AccessDenied.IpLimit",
            InvalidSystemParam => "invalidParameter.system.param",
            PermissionDenied => "permission.denied",
            ServiceSystemError => "service.system.error",
            NotFound => "NotFound",
            MethodNotAllowed => "MethodNotAllowed",
            AdminUnauthorized => "Unauthorized",
            Conflict => "Conflict",
            InvalidParameter => "InvalidParameter",
            ServiceUnavailable => "ServiceUnavailable",
            MissingAuthParameter => "AuthenticationFailed.MissingParameter",
            InvalidSuiteTicket => "invalidSuiteTicket",
            InvalidSuiteKey => "invalidSuiteKey",
            InvalidClientIdOrSecret => "invalidClientIdOrSecret",
            InvalidAuthInfo => "invalidAuthInfo",
            OrgNotAuthApp => "orgNotAuthApp",
            InvalidCorpId => "invalidCorpId",
            InvalidCode => "invalidCode",
            InvalidToken => "invalidToken",
        }
    }

    /// The default `message`: DingTalk's own text where the wire has one (kept verbatim, Chinese
    /// included), otherwise a short English sentence.
    pub fn default_message(self) -> &'static str {
        use ErrorCode::*;
        match self {
            InvalidRequest => "invalid.request",
            MissingBody => "body is mandatory for this action.",
            InvalidClient | IntrospectionUnauthorized => "invalid.client",
            UnsupportedGrantType => "unsupported.grant.type",
            UnauthorizedClient => "unauthorized.client",
            InvalidGrant => "invalid.grant",
            ServerError => "server.error",
            InvalidAuthentication => "不合法的access_token",
            AccessTokenPermissionDenied => "没有调用该接口的权限，接口权限申请参考：https://open.dingtalk.com/document/orgapp-server/add-api-permission",
            QpsLimitForAppkeyAndApi | QpsLimitForApi | IpLimit => "请求过于频繁",
            InvalidSystemParam => "系统参数为空",
            PermissionDenied => "没有权限获取企业认证信息",
            ServiceSystemError => "系统错误",
            NotFound => "the requested resource does not exist",
            MethodNotAllowed => "this HTTP method is not allowed on this path",
            AdminUnauthorized => "a valid admin key is required (Authorization: Bearer <key>)",
            Conflict => "the resource already exists",
            InvalidParameter => "invalid parameter",
            ServiceUnavailable => "the service is not ready",
            MissingAuthParameter => "缺少参数：x-acs-dingtalk-access-token",
            InvalidSuiteTicket => "suiteTicket无效",
            InvalidSuiteKey => "suitekey不合法",
            InvalidClientIdOrSecret => "clientId或者clientSecret错误",
            InvalidAuthInfo => "授权关系不存在",
            OrgNotAuthApp => "企业未授权开通应用",
            InvalidCorpId => "参数错误",
            InvalidCode => "无效的授权码",
            InvalidToken => "无效的token",
        }
    }
}

/// An error on its way to the caller: a catalogue entry, an optional specific message, and the
/// permission points that were required (rendered as `accessdenieddetail.requiredScopes`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// Which catalogue entry.
    pub code: ErrorCode,
    /// Overrides the default message when set.
    pub message: Option<Cow<'static, str>>,
    /// Points the caller lacked; only for permission errors.
    pub required_scopes: Vec<String>,
    /// A more specific legacy code than the entry's own ([`crate::legacy`]).
    pub legacy: Option<crate::legacy::LegacyCode>,
    /// A legacy errmsg of its own, instead of DingTalk's text for the legacy code.
    pub legacy_message: Option<Cow<'static, str>>,
}

impl ApiError {
    /// The catalogue entry with its default message.
    pub fn new(code: ErrorCode) -> Self {
        Self {
            code,
            message: None,
            required_scopes: Vec::new(),
            legacy: None,
            legacy_message: None,
        }
    }

    /// The catalogue entry with a specific message.
    pub fn with_message(code: ErrorCode, message: impl Into<Cow<'static, str>>) -> Self {
        Self {
            code,
            message: Some(message.into()),
            required_scopes: Vec::new(),
            legacy: None,
            legacy_message: None,
        }
    }

    /// `invalid.request` naming what is wrong.
    pub fn invalid_request(message: impl Into<Cow<'static, str>>) -> Self {
        Self::with_message(ErrorCode::InvalidRequest, message)
    }

    /// 403 permission denied, listing the points that were needed.
    pub fn permission_denied(required: impl IntoIterator<Item = String>) -> Self {
        Self {
            code: ErrorCode::AccessTokenPermissionDenied,
            message: None,
            required_scopes: required.into_iter().collect(),
            legacy: None,
            legacy_message: None,
        }
    }

    /// The message to send.
    pub fn message(&self) -> &str {
        self.message
            .as_deref()
            .unwrap_or_else(|| self.code.default_message())
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({}): {}",
            self.code.code(),
            self.code.status(),
            self.message()
        )
    }
}

impl std::error::Error for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_endpoint_codes_match_the_seed() {
        assert_eq!(
            (
                ErrorCode::InvalidClient.status(),
                ErrorCode::InvalidClient.code()
            ),
            (400, "invalid.client")
        );
        assert_eq!(ErrorCode::UnsupportedGrantType.status(), 400);
        // docs/dingtalk/decisions.md §2: the reference page's 401 wins.
        assert_eq!(ErrorCode::UnauthorizedClient.status(), 401);
        assert_eq!(ErrorCode::ServerError.status(), 500);
        // docs/dingtalk/decisions.md §3: invalid tokens are 400, not 401.
        assert_eq!(ErrorCode::InvalidAuthentication.status(), 400);
        assert_eq!(
            ErrorCode::InvalidAuthentication.default_message(),
            "不合法的access_token"
        );
    }

    #[test]
    fn messages_default_and_override() {
        assert_eq!(
            ApiError::new(ErrorCode::InvalidClient).message(),
            "invalid.client"
        );
        assert_eq!(
            ApiError::invalid_request("client_id is required").message(),
            "client_id is required"
        );
        let e = ApiError::permission_denied(["Contact.Org.Read".to_owned()]);
        assert_eq!(e.code.status(), 403);
        assert_eq!(e.required_scopes, vec!["Contact.Org.Read"]);
    }
}
