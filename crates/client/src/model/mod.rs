//! Request and response bodies with DingTalk's exact wire names (docs/dingtalk/dingtalk-wire.md
//! §1–2): the [`opending_wire`] crate's, which the opending server serializes too, so the two
//! cannot disagree.
//!
//! Responses ignore unknown fields, and fields DingTalk may leave out are `Option`s, so a newer
//! server never breaks an older client. Secret-bearing fields are [`Secret`](crate::Secret)s.

mod introspect;

pub use introspect::IntrospectionAuth;
pub use opending_wire::{
    AuthAgent, AuthAppInfo, AuthCorpInfo, AuthUserInfo, CreateJsapiTicketResponse,
    DepartmentDetail, DeptIdList, DeptLeader, DeptOrder, DirectoryRole, DirectoryUser, ErrorBody,
    GetAccessTokenRequest, GetAccessTokenResponse, GetAuthInfoLegacyResponse, GetAuthInfoResponse,
    GetCorpAccessTokenRequest, GetJsapiTicketLegacyResponse, GetPersonalAuthRuleResponse,
    GetSsoAccessTokenRequest, GetSsoUserInfoResponse, GetSuiteAccessTokenRequest,
    GetSuiteTokenLegacyResponse, GetTokenLegacyResponse, GetTokenRequest, GetTokenResponse,
    GetUserTokenRequest, GetUserTokenResponse, GrantType, InAppUserInfo, IntrospectRequest,
    Introspection, LegacyAgent, LegacyAuthCorpInfo, LegacyAuthInfo, LegacyErrorBody, ListedUser,
    OrgAuthInfo, ParentPath, ParentPaths, PersonalAuthRule, SsoLegacyCorp, SsoLegacyUser,
    SsoTokenLegacyResponse, SsoUserInfoLegacyResponse, SubDepartment, TopapiResponse, User,
    UserCount, UserIdByUnionId, UserIdList, UserIdOnly, UserPage,
};
