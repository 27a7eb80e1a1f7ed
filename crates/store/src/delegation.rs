//! Storage of user-delegated authorization: users and memberships, app URIs, sessions, codes,
//! user tokens, consents and type-1 requests. Same SQL on both backends (see `sql.rs`).

use async_trait::async_trait;
use opending_domain::{
    grant::{AuthCode, AuthRequest, CodeUse, RequestStatus, UserGrant, UserTokenRecord},
    ClientId, CorpId, KeyedHash, Membership, PermissionCode, Role, UnionId, UnixTime, User,
};

use crate::StoreResult;

/// Given a code just marked used, the access and refresh token to store with it, in the same
/// transaction; `None` stores none (the code is then only used up).
pub type TokensFor =
    Box<dyn FnOnce(&AuthCode) -> Option<(UserTokenRecord, UserTokenRecord)> + Send>;

/// Which registered URI list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UriKind {
    /// Browser-flow redirect URIs (exact match).
    Redirect,
    /// Origins openAuth may post its result to.
    Origin,
}

impl UriKind {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Redirect => "redirect",
            Self::Origin => "origin",
        }
    }
}

/// The delegated-authorization part of the storage port.
#[async_trait]
pub trait DelegationStore: Send + Sync {
    /// Creates a user; `Conflict` if the unionId or login exists.
    async fn create_user(&self, user: &User, password_hash: &str) -> StoreResult<()>;
    /// Replaces a user's profile fields (not the password).
    async fn update_user(&self, user: &User) -> StoreResult<()>;
    /// Sets a user's password hash.
    async fn set_password(&self, union_id: &UnionId, password_hash: &str) -> StoreResult<()>;
    /// One user.
    async fn get_user(&self, union_id: &UnionId) -> StoreResult<Option<User>>;
    /// A user and password hash by sign-in name.
    async fn get_user_by_login(&self, login: &str) -> StoreResult<Option<(User, String)>>;
    /// All users, by login.
    async fn list_users(&self) -> StoreResult<Vec<User>>;
    /// Deletes a user with memberships, sessions, tokens and consents.
    async fn delete_user(&self, union_id: &UnionId) -> StoreResult<()>;

    /// Adds a member or changes a member's role.
    async fn put_membership(&self, m: &Membership) -> StoreResult<()>;
    /// Removes a member; `NotFound` if absent.
    async fn delete_membership(&self, corp_id: &CorpId, union_id: &UnionId) -> StoreResult<()>;
    /// A user's role in an org.
    async fn get_role(&self, corp_id: &CorpId, union_id: &UnionId) -> StoreResult<Option<Role>>;
    /// A user's memberships.
    async fn memberships_of(&self, union_id: &UnionId) -> StoreResult<Vec<Membership>>;
    /// An org's members.
    async fn members_of(&self, corp_id: &CorpId) -> StoreResult<Vec<Membership>>;

    /// Registers a redirect URI or origin for an app (idempotent).
    async fn add_app_uri(&self, client_id: &ClientId, kind: UriKind, uri: &str) -> StoreResult<()>;
    /// Unregisters one; returns whether it was there. Removing a redirect URI also deletes the
    /// app's unused codes issued for it, in the same transaction.
    async fn remove_app_uri(
        &self,
        client_id: &ClientId,
        kind: UriKind,
        uri: &str,
    ) -> StoreResult<bool>;
    /// An app's URIs of one kind.
    async fn app_uris(&self, client_id: &ClientId, kind: UriKind) -> StoreResult<Vec<String>>;

    /// Stores a session.
    async fn create_session(
        &self,
        id_hash: &KeyedHash,
        union_id: &UnionId,
        now: UnixTime,
        expires_at: UnixTime,
    ) -> StoreResult<()>;
    /// The user of a live session.
    async fn session_user(
        &self,
        id_hash: &KeyedHash,
        now: UnixTime,
    ) -> StoreResult<Option<UnionId>>;
    /// Ends a session.
    async fn delete_session(&self, id_hash: &KeyedHash) -> StoreResult<()>;

    /// Stores an authorization code.
    async fn create_code(&self, code: &AuthCode) -> StoreResult<()>;
    /// Redeems a code: marks it used, atomically (the first caller gets `Fresh`, later ones
    /// `Replayed`), and stores the tokens `tokens_for` makes of a fresh one in the same
    /// transaction, so a code is never used up without its tokens, nor tokens stored for a
    /// code used twice.
    async fn redeem_code(
        &self,
        code_hash: &KeyedHash,
        now: UnixTime,
        tokens_for: TokensFor,
    ) -> StoreResult<CodeUse>;
    /// A user access token by hash.
    async fn find_user_token(&self, hash: &KeyedHash) -> StoreResult<Option<UserTokenRecord>>;
    /// A refresh token by hash.
    async fn find_refresh_token(&self, hash: &KeyedHash) -> StoreResult<Option<UserTokenRecord>>;
    /// Rotates a refresh token: marks `old` rotated and stores its successor pair, in one
    /// transaction. Returns false, storing nothing, when `old` was rotated before or is gone.
    async fn rotate_refresh(
        &self,
        old: &KeyedHash,
        now: UnixTime,
        access: &UserTokenRecord,
        refresh: &UserTokenRecord,
    ) -> StoreResult<bool>;
    /// Revokes every access and refresh token of a family; returns how many.
    async fn revoke_family(&self, family: &str) -> StoreResult<u64>;
    /// Revokes one user access token; returns whether it existed.
    async fn revoke_user_token(&self, hash: &KeyedHash) -> StoreResult<bool>;

    /// Records a user's consent to points for an app.
    async fn add_user_grants(
        &self,
        client_id: &ClientId,
        union_id: &UnionId,
        corp_id: &str,
        codes: &[PermissionCode],
        now: UnixTime,
    ) -> StoreResult<()>;
    /// A user's consents.
    async fn user_grants(&self, union_id: &UnionId) -> StoreResult<Vec<UserGrant>>;
    /// Withdraws a user's consents to an app and kills its tokens for the user; returns how
    /// many tokens went.
    async fn revoke_user_app(&self, client_id: &ClientId, union_id: &UnionId) -> StoreResult<u64>;

    /// Stores a type-1 request.
    async fn create_auth_request(&self, r: &AuthRequest) -> StoreResult<()>;
    /// An org's requests with a status.
    async fn auth_requests(
        &self,
        corp_id: &CorpId,
        status: RequestStatus,
    ) -> StoreResult<Vec<AuthRequest>>;
    /// One request.
    async fn get_auth_request(&self, id: &str) -> StoreResult<Option<AuthRequest>>;
    /// Decides a pending request; returns false if it was not pending.
    async fn decide_auth_request(
        &self,
        id: &str,
        status: RequestStatus,
        by: &UnionId,
        at: UnixTime,
    ) -> StoreResult<bool>;

    /// Every user access token, oldest first.
    async fn list_user_tokens(&self) -> StoreResult<Vec<UserTokenRecord>>;
    /// Every authorization code, oldest first.
    async fn list_codes(&self) -> StoreResult<Vec<AuthCode>>;
    /// Makes a user access token or a code expire at `at`; returns whether one existed.
    async fn expire_user_token_or_code(&self, hash: &KeyedHash, at: UnixTime) -> StoreResult<bool>;
}
