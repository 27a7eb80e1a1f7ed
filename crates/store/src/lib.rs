//! Storage for opending: the [`Store`] trait, and its SQLite and PostgreSQL implementations.
//!
//! Both backends run the same SQL (written once in [`sql`]) against their own migrations, so the
//! behaviour is identical; only connection set-up and change notification differ. Every write that
//! hands a caller a token or secret is committed before the caller sees it, so it survives a
//! `kill -9` of the server.

use async_trait::async_trait;
use opending_domain::{
    token::AppToken, App, ClientId, CorpId, Installation, InstallationStatus, KeyedHash, Org,
    OrgAuthInfo, PermissionCode, PermissionPoint, UnixTime,
};

mod audit;
mod changes;
mod console;
mod delegation;
mod error;
mod group_commit;
mod pg_batch;
mod postgres;
mod reads;
mod sql;
mod sql_delegation;
mod sqlite;
mod writes;

pub use audit::AuditStore;
pub use changes::ChangeFeed;
pub use console::{AppProfile, ConsoleStore};
pub use delegation::{DelegationStore, TokensFor, UriKind};
pub use error::StoreError;
pub use postgres::PgStore;
pub use sqlite::SqliteStore;

/// Result of a storage call.
pub type StoreResult<T> = Result<T, StoreError>;

/// Everything the token endpoint needs to know about an app in an org, read in one query.
#[derive(Debug, Clone)]
pub struct AppInOrg {
    /// The app.
    pub app: App,
    /// Whether the org exists.
    pub org_exists: bool,
    /// The app's installation in the org, if any.
    pub installation: Option<InstallationStatus>,
    /// The change counter ([`Store::fresh_change_seq`]) as of this read: read in the same
    /// statement, so no change committed after the rest of this was read can be at or below it.
    pub change_seq: i64,
}

/// Which installations to list.
#[derive(Debug, Clone, Default)]
pub struct InstallationFilter {
    /// Only this app's.
    pub client_id: Option<ClientId>,
    /// Only in this org.
    pub corp_id: Option<CorpId>,
}

/// One connection pool's state at one instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolState {
    /// Which pool: `read` or `write` (SQLite), `main` (PostgreSQL).
    pub pool: &'static str,
    /// Open connections.
    pub size: u32,
    /// Open connections not in use.
    pub idle: u32,
    /// Most connections the pool opens.
    pub max: u32,
}

fn pool_state<DB: sqlx::Database>(name: &'static str, pool: &sqlx::Pool<DB>) -> PoolState {
    PoolState {
        pool: name,
        size: pool.size(),
        idle: pool.num_idle() as u32,
        max: pool.options().get_max_connections(),
    }
}

/// The storage port: every read and write the server makes.
#[async_trait]
pub trait Store: DelegationStore + AuditStore + ConsoleStore + Send + Sync + 'static {
    /// Applies pending migrations.
    async fn migrate(&self) -> StoreResult<()>;
    /// Cheap round trip, for readiness checks.
    async fn ping(&self) -> StoreResult<()>;
    /// Which backend this is (`sqlite` or `postgres`), for logs.
    fn backend(&self) -> &'static str;
    /// Changes that may withdraw a right (revocation, rotation, uninstall, suspension, point or
    /// grant removal), made by this process or — within about a second — by any other process
    /// sharing the database. Caches of authorizations drop their entries on each.
    fn changes(&self) -> &ChangeFeed;
    /// The state of each connection pool, sampled now (for metrics).
    fn pool_state(&self) -> Vec<PoolState> {
        Vec::new()
    }

    /// Reads a server metadata value.
    async fn meta_get(&self, name: &str) -> StoreResult<Option<String>>;
    /// Stores `value` under `name` unless a value is there; returns the value that is stored.
    async fn meta_init(&self, name: &str, value: &str) -> StoreResult<String>;

    /// Creates an org; `Conflict` if the corpId exists.
    async fn create_org(&self, org: &Org) -> StoreResult<()>;
    /// Renames an org; `NotFound` if it does not exist.
    async fn rename_org(&self, corp_id: &CorpId, name: &str) -> StoreResult<()>;
    /// One org.
    async fn get_org(&self, corp_id: &CorpId) -> StoreResult<Option<Org>>;
    /// All orgs, oldest first.
    async fn list_orgs(&self) -> StoreResult<Vec<Org>>;

    /// Creates an app; `Conflict` if the clientId exists, `NotFound` if the owner org does not.
    async fn create_app(&self, app: &App) -> StoreResult<()>;
    /// One app.
    async fn get_app(&self, client_id: &ClientId) -> StoreResult<Option<App>>;
    /// Apps, optionally only those owned by one org, oldest first.
    async fn list_apps(&self, owner: Option<&CorpId>) -> StoreResult<Vec<App>>;
    /// Renames an app; `NotFound` if it does not exist.
    async fn rename_app(&self, client_id: &ClientId, name: &str) -> StoreResult<()>;
    /// Replaces an app's secret hash and, in the same transaction, revokes all its tokens (app
    /// tokens and users' tokens).
    async fn set_app_secret(&self, client_id: &ClientId, hash: &KeyedHash) -> StoreResult<()>;
    /// Deletes an app with its installations and tokens; `NotFound` if it does not exist.
    async fn delete_app(&self, client_id: &ClientId) -> StoreResult<()>;
    /// An app with its standing in an org, in one read.
    async fn app_in_org(
        &self,
        client_id: &ClientId,
        corp_id: &CorpId,
    ) -> StoreResult<Option<AppInOrg>>;

    /// Installs an app in an org or changes the installation's status. Suspending revokes the
    /// app's tokens in that org (app and user tokens) in the same transaction.
    async fn put_installation(&self, inst: &Installation) -> StoreResult<()>;
    /// One installation.
    async fn get_installation(
        &self,
        client_id: &ClientId,
        corp_id: &CorpId,
    ) -> StoreResult<Option<Installation>>;
    /// Installations matching a filter.
    async fn list_installations(
        &self,
        filter: &InstallationFilter,
    ) -> StoreResult<Vec<Installation>>;
    /// Removes an installation, the org's grants and the app's tokens in that org (app and user
    /// tokens); `NotFound` if absent.
    async fn delete_installation(&self, client_id: &ClientId, corp_id: &CorpId) -> StoreResult<()>;

    /// Stores `candidate` unless a live token exists for its (app, org); either way the live
    /// token's expiry becomes `candidate.expires_at`. Atomic across instances: concurrent
    /// callers all get the same token back.
    async fn issue_app_token(&self, candidate: &AppToken, now: UnixTime) -> StoreResult<AppToken>;
    /// The app token with this lookup hash, live or not.
    async fn find_app_token(&self, hash: &KeyedHash) -> StoreResult<Option<AppToken>>;
    /// Revokes one app token; returns whether it existed.
    async fn revoke_app_token(&self, hash: &KeyedHash) -> StoreResult<bool>;
    /// Revokes an app's tokens — app tokens and users' access and refresh tokens — in one org
    /// or everywhere; returns how many access tokens went.
    async fn revoke_app_tokens(
        &self,
        client_id: &ClientId,
        corp_id: Option<&CorpId>,
    ) -> StoreResult<u64>;

    /// Adds a point to the catalogue unless its code exists; returns whether it was added.
    async fn ensure_point(&self, point: &PermissionPoint) -> StoreResult<bool>;
    /// Changes a custom point's name, kind, grant type and description.
    async fn update_point(&self, point: &PermissionPoint) -> StoreResult<()>;
    /// The catalogue, by code.
    async fn list_points(&self) -> StoreResult<Vec<PermissionPoint>>;
    /// One point.
    async fn get_point(&self, code: &PermissionCode) -> StoreResult<Option<PermissionPoint>>;
    /// Deletes a point with every app addition and org grant of it; `NotFound` if absent.
    async fn delete_point(&self, code: &PermissionCode) -> StoreResult<()>;

    /// Adds a point to an app (idempotent); `NotFound` if app or point does not exist.
    async fn add_app_point(&self, client_id: &ClientId, code: &PermissionCode) -> StoreResult<()>;
    /// Removes a point from an app; returns whether it had it.
    async fn remove_app_point(
        &self,
        client_id: &ClientId,
        code: &PermissionCode,
    ) -> StoreResult<bool>;
    /// The points an app added, by code.
    async fn list_app_points(&self, client_id: &ClientId) -> StoreResult<Vec<PermissionPoint>>;

    /// An org grants an app-type point to an app (idempotent).
    async fn grant_org_point(
        &self,
        client_id: &ClientId,
        corp_id: &CorpId,
        code: &PermissionCode,
    ) -> StoreResult<()>;
    /// Withdraws an org's grant; returns whether it existed.
    async fn revoke_org_point(
        &self,
        client_id: &ClientId,
        corp_id: &CorpId,
        code: &PermissionCode,
    ) -> StoreResult<bool>;
    /// The points an org granted to an app, by code.
    async fn list_org_grants(
        &self,
        client_id: &ClientId,
        corp_id: &CorpId,
    ) -> StoreResult<Vec<PermissionCode>>;
    /// The app-type points an app added, by code.
    async fn list_app_type_points(&self, client_id: &ClientId) -> StoreResult<Vec<PermissionCode>>;

    /// An org's certification info (`None`: never set, i.e. level 0).
    async fn get_org_auth_info(&self, corp_id: &CorpId) -> StoreResult<Option<OrgAuthInfo>>;
    /// Sets an org's certification info; `NotFound` if the org does not exist.
    async fn put_org_auth_info(&self, corp_id: &CorpId, info: &OrgAuthInfo) -> StoreResult<()>;

    /// The current value of the change counter.
    async fn change_seq(&self) -> StoreResult<i64>;
    /// The change counter as of now, as a fresh read that sees every change committed by any
    /// process sharing the database — what a hot path reads to prove that nothing it keeps in
    /// memory was withdrawn. Cheap: on SQLite a synchronous read on a dedicated connection (no
    /// hand-off to a worker thread); the in-memory store cannot be shared, so its in-process
    /// count of changes is exact; PostgreSQL reads the counter.
    async fn fresh_change_seq(&self) -> StoreResult<i64>;

    /// Deletes every org, app, user, token, code, grant and custom point (the emulator's reset);
    /// server metadata (the hash key) stays.
    async fn wipe(&self) -> StoreResult<()>;
    /// Every app token, oldest first.
    async fn list_app_tokens(&self) -> StoreResult<Vec<AppToken>>;
    /// Makes an app token expire at `at`; returns whether it existed.
    async fn expire_app_token(&self, hash: &KeyedHash, at: UnixTime) -> StoreResult<bool>;
}
