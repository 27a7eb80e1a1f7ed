//! `POST /v1.0/oauth2/introspect`: opending's token introspection (RFC 7662 shape). Not a
//! DingTalk API: real DingTalk answers `404`.

use serde::{Deserialize, Serialize};

use crate::Secret;

/// Body of an introspection request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntrospectRequest {
    /// `token`: the token to examine.
    pub token: Secret,
    /// `token_type_hint`: accepted and ignored by opending.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_type_hint: Option<String>,
}

impl IntrospectRequest {
    /// Asks about `token`.
    pub fn new(token: impl Into<Secret>) -> Self {
        Self {
            token: token.into(),
            token_type_hint: None,
        }
    }
}

/// The introspection answer. An inactive token (unknown, expired, revoked, or another app's)
/// carries only `active: false`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Introspection {
    /// `active`: whether the token works now.
    pub active: bool,
    /// `client_id`: the app holding the token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// `corp_id`: the org the token is valid in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corp_id: Option<String>,
    /// `exp`: expiry, Unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
    /// `iat`: when this token value was first issued, Unix seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    /// `token_type`: `app_access_token` or `user_access_token`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_type: Option<String>,
    /// `scope`: space-separated permission points the token carries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

impl Introspection {
    /// The permission points in `scope`, split.
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.scope.as_deref().unwrap_or("").split_whitespace()
    }
}
