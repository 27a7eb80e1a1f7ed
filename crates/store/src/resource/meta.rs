//! Server metadata (the hash key, the demo marker), the change counter, and the reset of the
//! whole database.

use async_trait::async_trait;

use crate::{
    backend::Backend,
    exec::{corrupt, stmt, Row, Stmt},
    StoreResult,
};

/// Server metadata and the change counter.
#[async_trait]
pub trait MetaStore: Send + Sync {
    /// Reads a server metadata value.
    async fn meta_get(&self, name: &str) -> StoreResult<Option<String>>;
    /// Stores `value` under `name` unless a value is there; returns the value that is stored.
    async fn meta_init(&self, name: &str, value: &str) -> StoreResult<String>;
    /// The current value of the change counter.
    async fn change_seq(&self) -> StoreResult<i64>;
    /// Deletes every org, app, user, token, code, grant and custom point (the emulator's reset);
    /// server metadata (the hash key) stays.
    async fn wipe(&self) -> StoreResult<()>;
}

fn value(r: &dyn Row) -> StoreResult<String> {
    r.text("value")
}

/// Reads the change counter.
pub(crate) fn change_seq_stmt() -> Stmt {
    stmt!("SELECT value FROM meta WHERE name = 'change_seq'")
}

/// The change counter, parsed.
pub(crate) fn parse_change_seq(v: Option<String>) -> StoreResult<i64> {
    v.ok_or_else(|| crate::StoreError::Corrupt("change_seq: missing".into()))?
        .parse()
        .map_err(|e| corrupt("change_seq", e))
}

/// Every table `wipe` empties, children before parents.
const WIPED: [&str; 28] = [
    "event_deliveries",
    "events",
    "stream_tickets",
    "event_callbacks",
    "login_codes",
    "dept_seats",
    "departments",
    "sso_codes",
    "sso_secrets",
    "minted_tokens",
    "suite_tickets",
    "jsapi_tickets",
    "auth_requests",
    "user_grants",
    "refresh_tokens",
    "user_tokens",
    "auth_codes",
    "sessions",
    "app_uris",
    "memberships",
    "users",
    "org_auth_info",
    "org_grants",
    "app_points",
    "app_tokens",
    "installations",
    "apps",
    "orgs",
];

#[async_trait]
impl<B: Backend> MetaStore for B {
    async fn meta_get(&self, name: &str) -> StoreResult<Option<String>> {
        self.one(stmt!("SELECT value FROM meta WHERE name = $1", name), value)
            .await
    }

    async fn meta_init(&self, name: &str, value_: &str) -> StoreResult<String> {
        let insert = stmt!(
            "INSERT INTO meta (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
            name,
            value_
        );
        let read = stmt!("SELECT value FROM meta WHERE name = $1", name);
        self.write(move |tx| {
            Box::pin(async move {
                tx.execute(&insert).await?;
                let stored = tx.one(&read, value).await?;
                stored.ok_or_else(|| crate::StoreError::Corrupt("meta: the value vanished".into()))
            })
        })
        .await
    }

    async fn change_seq(&self) -> StoreResult<i64> {
        parse_change_seq(self.one(change_seq_stmt(), value).await?)
    }

    async fn wipe(&self) -> StoreResult<()> {
        self.change(move |tx| {
            Box::pin(async move {
                for table in WIPED {
                    tx.execute(&Stmt::owned(format!("DELETE FROM {table}"), Vec::new()))
                        .await?;
                }
                tx.execute(&stmt!("DELETE FROM permission_points WHERE builtin = 0"))
                    .await?;
                tx.execute(&stmt!(
                    "DELETE FROM meta WHERE name IN ('demo_world', 'demo_user')"
                ))
                .await?;
                Ok(())
            })
        })
        .await
    }
}
