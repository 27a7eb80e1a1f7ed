//! Request and response bodies with DingTalk's exact wire names (docs/dingtalk/dingtalk-wire.md
//! §1–2): the [`opending_wire`] crate's, which the opending server serializes too, so the two
//! cannot disagree.
//!
//! Responses ignore unknown fields, and fields DingTalk may leave out are `Option`s, so a newer
//! server never breaks an older client. Secret-bearing fields are [`Secret`](crate::Secret)s.

mod introspect;

pub use introspect::IntrospectionAuth;
pub use opending_wire::{
    CreateJsapiTicketResponse, ErrorBody, GetAccessTokenRequest, GetAccessTokenResponse,
    GetJsapiTicketLegacyResponse, GetTokenLegacyResponse, GetTokenRequest, GetTokenResponse,
    GetUserTokenRequest, GetUserTokenResponse, GrantType, IntrospectRequest, Introspection,
    LegacyErrorBody, OrgAuthInfo, User,
};
