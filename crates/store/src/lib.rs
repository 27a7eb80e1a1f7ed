//! Storage for opending: the [`Store`] port, and its SQLite and PostgreSQL backends.
//!
//! The port is cut by resource (`resource/`): each module holds one narrow trait, its
//! statements and its row decoders, and implements the trait once for every backend. A backend
//! (`sqlite.rs`, `postgres.rs`) only runs statements: SQLite through rusqlite (point reads
//! inline on the caller's thread, every write through the group-commit writer), PostgreSQL
//! through sqlx (the hottest statements batched). Both run the same SQL against their own
//! migrations, so the behaviour is identical; the contract suite (`tests/contract.rs`) holds
//! every backend to it. Every write that hands a caller a token or secret is committed before
//! the caller sees it, so it survives a `kill -9` of the server.

use async_trait::async_trait;
use opending_domain::{App, InstallationStatus};

mod backend;
mod changes;
mod error;
mod exec;
mod fresh_read;
mod group_commit;
mod pg_batch;
mod pg_exec;
mod postgres;
pub mod resource;
mod sqlite;

pub use changes::ChangeFeed;
pub use error::StoreError;
pub use postgres::PgStore;
pub use resource::{
    app_tokens::AppTokenStore,
    apps::{AppProfile, AppStore, UriKind},
    audit::AuditStore,
    auth_requests::AuthRequestStore,
    codes::{CodeStore, TokensFor},
    directory::{DirectoryStore, LoginCode, Member},
    events::{
        AfterAttempt, CallbackRow, DeliveryRecord, EventFilter, EventStore, NewEvent, StoredEvent,
    },
    grants::GrantStore,
    installations::{InstallationFilter, InstallationStore},
    isv::IsvStore,
    jsapi_tickets::JsapiTicketStore,
    memberships::MembershipStore,
    meta::MetaStore,
    orgs::OrgStore,
    points::PointStore,
    sessions::SessionStore,
    user_tokens::UserTokenStore,
    users::UserStore,
};
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

/// One connection pool's state at one instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolState {
    /// Which pool: `read` or `write` (SQLite), `main` (PostgreSQL).
    pub pool: &'static str,
    /// Open connections.
    pub size: u32,
    /// Open connections not in use.
    pub idle: u32,
    /// Most connections the pool opens (SQLite's `read`: most it keeps open while idle).
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

/// The storage port: every resource's trait, and what concerns the database as a whole.
#[async_trait]
pub trait Store:
    MetaStore
    + OrgStore
    + AppStore
    + InstallationStore
    + PointStore
    + GrantStore
    + AppTokenStore
    + JsapiTicketStore
    + IsvStore
    + UserStore
    + MembershipStore
    + DirectoryStore
    + EventStore
    + SessionStore
    + CodeStore
    + UserTokenStore
    + AuthRequestStore
    + AuditStore
    + Send
    + Sync
    + 'static
{
    /// Applies pending migrations.
    async fn migrate(&self) -> StoreResult<()>;
    /// Cheap round trip, for readiness checks.
    async fn ping(&self) -> StoreResult<()>;
    /// Which backend this is (`sqlite` or `postgres`), for logs.
    fn backend(&self) -> &'static str;
    /// Closes every connection, for a process that is about to exit: SQLite copies its
    /// write-ahead log into the database file and removes it, so the data directory holds one
    /// self-contained file. Calls after this fail.
    async fn close(&self);
    /// Changes that may withdraw a right (revocation, rotation, uninstall, suspension, point or
    /// grant removal), made by this process or — within about a second — by any other process
    /// sharing the database. Caches of authorizations drop their entries on each.
    fn changes(&self) -> &ChangeFeed;
    /// The state of each connection pool, sampled now (for metrics).
    fn pool_state(&self) -> Vec<PoolState>;
    /// The change counter as of now, as a fresh read that sees every change committed by any
    /// process sharing the database — what a hot path reads to prove that nothing it keeps in
    /// memory was withdrawn. Cheap: on SQLite a synchronous read on a dedicated connection (no
    /// hand-off to a worker thread); the in-memory store cannot be shared, so its in-process
    /// count of changes is exact; PostgreSQL reads the counter.
    async fn fresh_change_seq(&self) -> StoreResult<i64>;
}
