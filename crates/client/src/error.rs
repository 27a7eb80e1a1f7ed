//! The one error type of the crate, with what DingTalk said and whether trying again may help.
//!
//! DingTalk's error bodies are `{"code","requestid","message"[,"accessdenieddetail":
//! {"requiredScopes":[…]}]}` (docs/dingtalk/dingtalk-wire.md §2.1, §4.5); [`ApiError`] keeps every part, and
//! its `Display` adds a hint saying what to do about the common codes.

use std::{fmt, sync::Arc, time::Duration};

/// DingTalk codes (and opending's) that the crate acts on.
pub mod codes {
    /// Invalid, expired or revoked access token (HTTP 400).
    pub const INVALID_AUTHENTICATION: &str = "InvalidAuthentication";
    /// The token lacks a permission point (HTTP 403, with `requiredScopes`).
    pub const ACCESS_TOKEN_PERMISSION_DENIED: &str =
        "Forbidden.AccessDenied.AccessTokenPermissionDenied";
    /// Rate limit per app and API (HTTP 403).
    pub const QPS_LIMIT_FOR_APPKEY_AND_API: &str = "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi";
    /// Global rate limit of an API (HTTP 403).
    pub const QPS_LIMIT_FOR_API: &str = "Forbidden.AccessDenied.QpsLimitForApi";
    /// Rate limit per source address (HTTP 403).
    pub const IP_LIMIT: &str = "Forbidden.AccessDenied.IpLimit";
    /// Unknown client or wrong client secret.
    pub const INVALID_CLIENT: &str = "invalid.client";
    /// The app may not run in that org (HTTP 401).
    pub const UNAUTHORIZED_CLIENT: &str = "unauthorized.client";
    /// Unknown, expired, used or foreign auth code or refresh token.
    pub const INVALID_GRANT: &str = "invalid.grant";
    /// The org has not authorized the app to read another org (contact API).
    pub const PERMISSION_DENIED: &str = "permission.denied";
    /// Unsupported `grant_type`.
    pub const UNSUPPORTED_GRANT_TYPE: &str = "unsupported.grant.type";

    /// The rate-limit codes: a request answered with one of them was not processed, so it is
    /// always safe to send again after a pause.
    pub const RATE_LIMITS: [&str; 5] = [
        QPS_LIMIT_FOR_APPKEY_AND_API,
        QPS_LIMIT_FOR_API,
        IP_LIMIT,
        LEGACY_QPS_LIMIT_FOR_APPKEY_AND_API,
        LEGACY_QPS_LIMIT_FOR_API,
    ];
    /// Legacy errcode 90018: the app's per-API rate limit.
    pub const LEGACY_QPS_LIMIT_FOR_APPKEY_AND_API: &str = "90018";
    /// Legacy errcode 90002: the API's global limit.
    pub const LEGACY_QPS_LIMIT_FOR_API: &str = "90002";
    /// Legacy errcode -1: `系统繁忙`, try again.
    pub const LEGACY_SYSTEM_BUSY: &str = "-1";
    /// Legacy errcode 40096: wrong appkey or appsecret.
    pub const LEGACY_INVALID_APPKEY_OR_SECRET: &str = "40096";
    /// Legacy errcode 40014: unknown, expired or revoked access token.
    pub const LEGACY_INVALID_ACCESS_TOKEN: &str = "40014";
    /// Legacy errcode 41001: no `access_token` parameter.
    pub const LEGACY_MISSING_ACCESS_TOKEN: &str = "41001";
    /// Legacy errcode 60011: the token lacks a permission.
    pub const LEGACY_NO_PERMISSION: &str = "60011";
    /// An unknown or expired SSO token (`ssoUserInfo`, HTTP 400).
    pub const INVALID_TOKEN: &str = "invalidToken";
    /// Legacy errcode 48003: an unknown, expired or revoked suite token.
    pub const LEGACY_INVALID_SUITE_TOKEN: &str = "48003";
    /// Unknown suite key or wrong secret (`suiteAccessToken`), unknown org or wrong SSO
    /// secret (`ssoAccessToken`).
    pub const INVALID_CLIENT_ID_OR_SECRET: &str = "invalidClientIdOrSecret";
    /// Unknown suite key or wrong secret (`corpAccessToken`).
    pub const INVALID_SUITE_KEY: &str = "invalidSuiteKey";
    /// The suite ticket is not the current (or previous) one.
    pub const INVALID_SUITE_TICKET: &str = "invalidSuiteTicket";
    /// The org has not installed the app, or suspended it (`corpAccessToken`, `apps/authInfo`).
    pub const INVALID_AUTH_INFO: &str = "invalidAuthInfo";
    /// Legacy errcode 40088: unknown suite key or wrong suite secret.
    pub const LEGACY_INVALID_SUITE_KEY_OR_SECRET: &str = "40088";
    /// Legacy errcode 40085: the suite ticket is not valid.
    pub const LEGACY_INVALID_SUITE_TICKET: &str = "40085";
    /// Legacy errcode 40089: unknown corpid or wrong corpsecret (SSO).
    pub const LEGACY_INVALID_CORPID_OR_SECRET: &str = "40089";
    /// Legacy errcode 40079: the org has not installed the app, or suspended it.
    pub const LEGACY_NOT_AUTHORIZED: &str = "40079";
    /// Legacy errcodes 853001–853005: a signed call's timestamp, key, signature or ticket.
    pub const LEGACY_SIGNED_CALL: [&str; 5] = ["853001", "853002", "853003", "853004", "853005"];
}

/// Any failure of a call.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server answered with an HTTP error status (4xx, 5xx). Boxed to keep `Result`s small.
    #[error(transparent)]
    Api(Box<ApiError>),
    /// No answer: connection refused or dropped, timeout, TLS failure.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// A success status whose body is not what the API documents.
    #[error("{operation}: the server answered HTTP {status} with a body this client cannot read ({detail}); is the base URL pointing at a DingTalk-compatible API?")]
    Decode {
        /// The API operation, e.g. `GetToken`.
        operation: &'static str,
        /// HTTP status of the answer.
        status: u16,
        /// What did not parse.
        detail: String,
    },
    /// The client was set up wrongly (e.g. a base URL that is not a URL).
    #[error("invalid client configuration: {0}")]
    Config(String),
    /// The token store failed (e.g. Redis unreachable).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The caller's persistence callback failed to save a rotated refresh token. The new tokens
    /// are kept in memory and saving is tried again before the next use.
    #[error("saving the rotated user tokens failed: {0}; the new access token is held back until they are saved")]
    Persist(Arc<dyn std::error::Error + Send + Sync>),
}

impl From<ApiError> for Error {
    fn from(e: ApiError) -> Self {
        Error::Api(Box::new(e))
    }
}

impl Error {
    /// The HTTP status of an [`Error::Api`] (or of a [`Error::Decode`]).
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api(e) => Some(e.status),
            Error::Decode { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// DingTalk's `code`, e.g. `invalid.client`.
    pub fn code(&self) -> Option<&str> {
        self.api().and_then(|e| e.code.as_deref())
    }

    /// DingTalk's `message`.
    pub fn message(&self) -> Option<&str> {
        self.api().and_then(|e| e.message.as_deref())
    }

    /// The request id (`requestid` in the body, else the `x-acs-request-id` header): quote it
    /// when asking DingTalk support or reading opending's log.
    pub fn request_id(&self) -> Option<&str> {
        self.api().and_then(|e| e.request_id.as_deref())
    }

    /// `accessdenieddetail.requiredScopes`: the permission points that were missing.
    pub fn required_scopes(&self) -> &[String] {
        self.api().map(|e| &e.required_scopes[..]).unwrap_or(&[])
    }

    /// The [`ApiError`], when the server answered with an error.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }

    /// Whether the same request may succeed if sent again later: 5xx, 429, the rate-limit
    /// codes, timeouts, refused or dropped connections, a failing token store. Never other 4xx.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api(e) => e.is_retryable(),
            Error::Transport(_) | Error::Store(_) => true,
            Error::Decode { .. } | Error::Config(_) | Error::Persist(_) => false,
        }
    }

    /// Whether the access token used was refused as invalid, expired or revoked
    /// (`InvalidAuthentication`, `invalidToken` for SSO tokens, legacy 40014, 41001, 48003):
    /// fetch a new one and try again.
    pub fn is_invalid_token(&self) -> bool {
        matches!(
            self.code(),
            Some(
                codes::INVALID_AUTHENTICATION
                    | codes::INVALID_TOKEN
                    | codes::LEGACY_INVALID_ACCESS_TOKEN
                    | codes::LEGACY_MISSING_ACCESS_TOKEN
                    | codes::LEGACY_INVALID_SUITE_TOKEN
            )
        )
    }

    /// Whether the request was refused for who made it: bad client credentials, an app not
    /// authorized in the org, an invalid token or grant, a missing permission.
    pub fn is_auth_error(&self) -> bool {
        let Some(e) = self.api() else { return false };
        e.status == 401
            || matches!(
                e.code.as_deref(),
                Some(
                    codes::INVALID_CLIENT
                        | codes::UNAUTHORIZED_CLIENT
                        | codes::INVALID_GRANT
                        | codes::INVALID_AUTHENTICATION
                        | codes::ACCESS_TOKEN_PERMISSION_DENIED
                        | codes::PERMISSION_DENIED
                        | codes::LEGACY_INVALID_APPKEY_OR_SECRET
                        | codes::LEGACY_INVALID_ACCESS_TOKEN
                        | codes::LEGACY_MISSING_ACCESS_TOKEN
                        | codes::LEGACY_NO_PERMISSION
                        | codes::INVALID_TOKEN
                        | codes::INVALID_CLIENT_ID_OR_SECRET
                        | codes::INVALID_SUITE_KEY
                        | codes::INVALID_SUITE_TICKET
                        | codes::INVALID_AUTH_INFO
                        | codes::LEGACY_INVALID_SUITE_TOKEN
                        | codes::LEGACY_INVALID_SUITE_KEY_OR_SECRET
                        | codes::LEGACY_INVALID_SUITE_TICKET
                        | codes::LEGACY_INVALID_CORPID_OR_SECRET
                        | codes::LEGACY_NOT_AUTHORIZED
                )
            )
            || e.code
                .as_deref()
                .is_some_and(|c| codes::LEGACY_SIGNED_CALL.contains(&c))
    }

    /// Whether the server certainly did not act on the request (the connection was never made,
    /// or a rate limiter refused it), so even a non-idempotent request may be sent again.
    pub(crate) fn was_not_processed(&self) -> bool {
        match self {
            Error::Transport(t) => t.kind == TransportKind::Connect,
            Error::Api(e) => e.is_rate_limited(),
            _ => false,
        }
    }

    /// How long the server asked to wait (`Retry-After`), if it did.
    pub(crate) fn retry_after(&self) -> Option<Duration> {
        self.api().and_then(|e| e.retry_after)
    }
}

/// An HTTP error answer, as DingTalk sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The API operation, e.g. `GetToken`, `GetOrgAuthInfo`.
    pub operation: &'static str,
    /// HTTP status.
    pub status: u16,
    /// `code` (or `Code`); `None` when the body was not a JSON error object.
    pub code: Option<String>,
    /// `message` (or `Message`), or the start of a non-JSON body.
    pub message: Option<String>,
    /// `requestid` (or `RequestId`), else the `x-acs-request-id` response header.
    pub request_id: Option<String>,
    /// `accessdenieddetail.requiredScopes`.
    pub required_scopes: Vec<String>,
    /// The `Retry-After` header, when sent.
    pub retry_after: Option<Duration>,
}

impl ApiError {
    /// Whether sending the same request later may succeed: 5xx (except 501), 429, rate limits.
    pub fn is_retryable(&self) -> bool {
        (self.status >= 500 && self.status != 501)
            || self.status == 429
            || self.is_rate_limited()
            || self.code.as_deref() == Some(codes::LEGACY_SYSTEM_BUSY)
    }

    /// Whether a rate limiter refused the request.
    pub fn is_rate_limited(&self) -> bool {
        self.code
            .as_deref()
            .is_some_and(|c| codes::RATE_LIMITS.contains(&c))
    }

    /// What to do about this error, for the common codes.
    pub fn hint(&self) -> Option<&'static str> {
        let hint = match self.code.as_deref() {
            Some(codes::INVALID_CLIENT | codes::LEGACY_INVALID_APPKEY_OR_SECRET) => "the clientId or client secret is wrong; check both (a rotated secret invalidates the old one)",
            Some(codes::UNAUTHORIZED_CLIENT) => "the app may not get tokens in this org: an internal app only works in its own org, a third-party app only where it is installed and active",
            Some(codes::UNSUPPORTED_GRANT_TYPE) => "the grant type is not supported by this endpoint",
            Some(codes::INVALID_GRANT) => "the auth code or refresh token is unknown, expired, already used or belongs to another app; start the authorization again",
            Some(
                codes::INVALID_AUTHENTICATION
                | codes::INVALID_TOKEN
                | codes::LEGACY_INVALID_ACCESS_TOKEN
                | codes::LEGACY_MISSING_ACCESS_TOKEN
                | codes::LEGACY_INVALID_SUITE_TOKEN,
            ) => "the access token is invalid, expired or revoked; fetch a new one",
            Some(
                codes::INVALID_CLIENT_ID_OR_SECRET
                | codes::INVALID_SUITE_KEY
                | codes::LEGACY_INVALID_SUITE_KEY_OR_SECRET
                | codes::LEGACY_INVALID_CORPID_OR_SECRET,
            ) => "the key (suite key, or corpId for SSO) or its secret is wrong; check both",
            Some(codes::INVALID_SUITE_TICKET | codes::LEGACY_INVALID_SUITE_TICKET) => "the suite ticket is not the latest one DingTalk pushed; use the newest ticket (a custom app may use any)",
            Some(codes::INVALID_AUTH_INFO | codes::LEGACY_NOT_AUTHORIZED) => "the org has not installed this app, or has suspended it",
            Some(c) if codes::LEGACY_SIGNED_CALL.contains(&c) => "the signed call was refused: sign with the current time in milliseconds (within a minute of the server's clock), the app's key and secret and the latest suite ticket, and URL-encode the signature",
            Some(codes::ACCESS_TOKEN_PERMISSION_DENIED | codes::LEGACY_NO_PERMISSION) => "the token lacks a permission point: add it to the app in the developer console (and, for third-party apps, have the org grant it)",
            Some(codes::PERMISSION_DENIED) => "the target org has not authorized this app",
            Some(c) if codes::RATE_LIMITS.contains(&c) => "rate limited: slow down and try again later",
            _ if self.status >= 500 => "the server failed; try again later",
            _ if self.status == 404 => "no such API on this server; check the base URL (opending does not serve every DingTalk API)",
            _ => return None,
        };
        Some(hint)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} failed with HTTP {}", self.operation, self.status)?;
        if let Some(code) = &self.code {
            write!(f, " {code}")?;
        }
        if let Some(message) = self
            .message
            .as_deref()
            .filter(|m| Some(*m) != self.code.as_deref())
        {
            write!(f, ": {message}")?;
        }
        if !self.required_scopes.is_empty() {
            write!(f, " (required scopes: {})", self.required_scopes.join(", "))?;
        }
        if let Some(rid) = &self.request_id {
            write!(f, " [request id {rid}]")?;
        }
        if let Some(hint) = self.hint() {
            write!(f, " — {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// Why no answer arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportKind {
    /// The connection could not be made (refused, DNS, TLS handshake): nothing was sent.
    Connect,
    /// No complete answer within the timeout.
    Timeout,
    /// The connection broke after the request was sent, or the body could not be read.
    Other,
}

/// A request that got no answer.
#[derive(Debug, Clone)]
pub struct TransportError {
    /// The API operation, e.g. `GetToken`.
    pub operation: &'static str,
    /// The URL called (never carries secrets: tokens travel in headers and bodies).
    pub url: String,
    /// What kind of failure.
    pub kind: TransportKind,
    source: Arc<reqwest::Error>,
}

impl TransportError {
    pub(crate) fn new(operation: &'static str, url: String, source: reqwest::Error) -> Self {
        let kind = if source.is_connect() {
            TransportKind::Connect
        } else if source.is_timeout() {
            TransportKind::Timeout
        } else {
            TransportKind::Other
        };
        Self {
            operation,
            url,
            kind,
            source: Arc::new(source),
        }
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The whole cause chain: reqwest's top-level message alone rarely says what happened.
        let mut cause = String::new();
        let mut next: Option<&dyn std::error::Error> = std::error::Error::source(&*self.source);
        while let Some(e) = next {
            cause.push_str(": ");
            cause.push_str(&e.to_string());
            next = e.source();
        }
        match self.kind {
            TransportKind::Connect => write!(
                f,
                "{}: could not connect to {}{cause} — is the server running and the base URL right?",
                self.operation, self.url
            ),
            TransportKind::Timeout => write!(
                f,
                "{}: no answer from {} in time{cause} — the server is slow or unreachable; raise the timeout or try later",
                self.operation, self.url
            ),
            TransportKind::Other => write!(
                f,
                "{}: the request to {} failed{cause}",
                self.operation, self.url
            ),
        }
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.source)
    }
}

/// A token store failure.
#[derive(Debug, Clone, thiserror::Error)]
#[error("token store: {message}")]
pub struct StoreError {
    message: String,
    #[source]
    source: Option<Arc<dyn std::error::Error + Send + Sync>>,
}

impl StoreError {
    /// A store failure described by `message`, caused by `source`.
    pub fn new(
        message: impl Into<String>,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Self {
            message: message.into(),
            source: Some(Arc::from(source.into())),
        }
    }

    /// A store failure with no underlying error.
    pub fn msg(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            source: None,
        }
    }
}

/// Result of a call.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, code: &str) -> ApiError {
        ApiError {
            operation: "GetToken",
            status,
            code: Some(code.to_owned()),
            message: Some(code.to_owned()),
            request_id: Some("7C6F-REQ".into()),
            required_scopes: vec![],
            retry_after: None,
        }
    }

    #[test]
    fn retryable_is_5xx_and_rate_limits_only() {
        assert!(Error::from(api(500, "server.error")).is_retryable());
        assert!(Error::from(api(503, "ServiceUnavailable")).is_retryable());
        assert!(Error::from(api(403, codes::QPS_LIMIT_FOR_API)).is_retryable());
        assert!(Error::from(api(403, codes::IP_LIMIT)).is_retryable());
        assert!(!Error::from(api(403, codes::ACCESS_TOKEN_PERMISSION_DENIED)).is_retryable());
        assert!(!Error::from(api(400, codes::INVALID_CLIENT)).is_retryable());
        assert!(!Error::from(api(401, codes::UNAUTHORIZED_CLIENT)).is_retryable());
        assert!(!Error::from(api(501, "NotImplemented")).is_retryable());
    }

    #[test]
    fn display_says_what_happened_and_what_to_do() {
        let e = Error::from(api(400, codes::INVALID_CLIENT));
        let s = e.to_string();
        assert!(
            s.starts_with("GetToken failed with HTTP 400 invalid.client [request id 7C6F-REQ]"),
            "{s}"
        );
        assert!(s.contains("client secret is wrong"), "{s}");
        let mut denied = api(403, codes::ACCESS_TOKEN_PERMISSION_DENIED);
        denied.operation = "GetOrgAuthInfo";
        denied.message = Some("没有调用该接口的权限".into());
        denied.required_scopes = vec!["Contact.Org.Read".into()];
        let s = Error::from(denied).to_string();
        assert!(
            s.contains(": 没有调用该接口的权限 (required scopes: Contact.Org.Read)"),
            "{s}"
        );
        assert!(Error::from(api(400, codes::INVALID_AUTHENTICATION)).is_invalid_token());
        assert!(Error::from(api(400, codes::INVALID_AUTHENTICATION)).is_auth_error());
        assert!(!Error::from(api(400, "invalid.request")).is_auth_error());
    }
}
