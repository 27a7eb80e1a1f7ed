//! PostgreSQL backend: for several instances sharing one database.

use std::time::Duration;

use sqlx::{
    migrate::Migrator,
    postgres::{PgConnectOptions, PgPoolOptions},
    PgPool,
};

use crate::{sql, StoreResult};

/// The PostgreSQL store.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
}

sql::impl_row_ext!(sqlx::postgres::PgRow);
sql::impl_store!(PgStore);

impl PgStore {
    const MIGRATOR: Migrator = sqlx::migrate!("./migrations/postgres");
    const BACKEND: &'static str = "postgres";

    /// Connects to `url` with at most `max_connections`, failing a checkout after
    /// `acquire_timeout` so an outage answers fast instead of hanging.
    pub async fn connect(
        url: &str,
        max_connections: u32,
        acquire_timeout: Duration,
    ) -> StoreResult<Self> {
        let opts: PgConnectOptions = url.parse()?;
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(acquire_timeout)
            .connect_with(opts)
            .await?;
        Ok(Self { pool })
    }

    /// The underlying pool (for change notification).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    fn reader(&self) -> &PgPool {
        &self.pool
    }

    fn writer(&self) -> &PgPool {
        &self.pool
    }
}
