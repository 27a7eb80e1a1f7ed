//! DingTalk Open Platform's request, response and error bodies, with DingTalk's exact wire names
//! (field names, casing, JSON types), shared by the opending server and the `opending-client`
//! SDK so the two cannot disagree. Pure data: serde, and `ToSchema` with the `openapi` feature.
//!
//! Response bodies ignore unknown fields, and fields DingTalk may leave out are `Option`s, so a
//! newer server never breaks an older client. Secret-bearing fields are [`Secret`]s.
//!
//! Request bodies are what a client sends: complete. A server that must answer DingTalk's own
//! error for each missing or empty field reads its input leniently and is tested against these
//! (the opending server's `http/oauth2.rs`).

pub mod callback;
pub mod contact;
pub mod directory;
pub mod error;
pub mod event;
pub mod introspect;
pub mod isv;
pub mod legacy;
pub mod oauth2;
mod secret;
pub mod stream;

pub use contact::{OrgAuthInfo, User};
pub use directory::{
    DepartmentDetail, DeptIdList, DeptLeader, DeptOrder, DirectoryRole, DirectoryUser,
    InAppUserInfo, InAppUserInfoLegacy, ListedUser, ParentPath, ParentPaths, SnsUserInfo,
    SnsUserInfoResponse, SubDepartment, TopapiResponse, UserCount, UserGetLegacy, UserIdByUnionId,
    UserIdList, UserIdOnly, UserPage, UseridByUnionidLegacy,
};
pub use error::{AccessDeniedDetail, ErrorBody};
pub use introspect::{IntrospectRequest, Introspection};
pub use isv::{
    AuthAgent, AuthAppInfo, AuthCorpInfo, AuthUserInfo, GetAuthInfoLegacyResponse,
    GetAuthInfoResponse, GetCorpAccessTokenRequest, GetPersonalAuthRuleResponse,
    GetSsoAccessTokenRequest, GetSsoUserInfoResponse, GetSuiteAccessTokenRequest,
    GetSuiteTokenLegacyResponse, LegacyAgent, LegacyAuthCorpInfo, LegacyAuthInfo, PersonalAuthRule,
    SsoLegacyCorp, SsoLegacyUser, SsoTokenLegacyResponse, SsoUserInfoLegacyResponse,
};
pub use legacy::{GetJsapiTicketLegacyResponse, GetTokenLegacyResponse, LegacyErrorBody};
pub use oauth2::{
    CreateJsapiTicketResponse, GetAccessTokenRequest, GetAccessTokenResponse, GetTokenRequest,
    GetTokenResponse, GetUserTokenRequest, GetUserTokenResponse, GrantType,
};
pub use secret::{Credentials, Secret};
