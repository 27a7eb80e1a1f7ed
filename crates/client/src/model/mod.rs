//! Request and response bodies with DingTalk's exact wire names (docs/dingtalk/dingtalk-wire.md §1–2).
//!
//! Responses ignore unknown fields, and fields DingTalk may leave out are `Option`s, so a newer
//! server never breaks an older client. Secret-bearing fields are [`Secret`](crate::Secret)s.

mod contact;
mod introspect;
mod oauth2;

pub use contact::{OrgAuthInfo, User};
pub use introspect::{IntrospectRequest, Introspection, IntrospectionAuth};
pub use oauth2::{
    GetAccessTokenRequest, GetAccessTokenResponse, GetTokenRequest, GetTokenResponse,
    GetUserTokenRequest, GetUserTokenResponse, GrantType,
};
