//! Storage errors, in the terms the services need.

/// What went wrong in storage.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A row with that key exists already.
    #[error("conflict: {0}")]
    Conflict(String),
    /// A row the operation needs does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// A stored value could not be read back (corruption or a foreign write).
    #[error("corrupt row: {0}")]
    Corrupt(String),
    /// The database failed or could not be reached.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// SQLite failed a write of the group-commit writer (`group_commit.rs`).
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The batch this write was committed with failed, so this write was not committed either.
    #[error("{0}")]
    Batch(std::sync::Arc<StoreError>),
    /// Migrations failed.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl StoreError {
    /// Maps unique and foreign-key violations of a write to `Conflict` / `NotFound`.
    pub(crate) fn from_write(err: sqlx::Error, what: &str) -> Self {
        if let Some(db) = err.as_database_error() {
            if db.is_unique_violation() {
                return Self::Conflict(what.to_owned());
            }
            if db.is_foreign_key_violation() {
                return Self::NotFound(format!("a record that {what} refers to"));
            }
        }
        Self::Database(err)
    }

    /// [`Self::from_write`] for the group-commit writer's errors.
    pub(crate) fn from_sqlite(err: rusqlite::Error, what: &str) -> Self {
        use rusqlite::ffi;
        if let rusqlite::Error::SqliteFailure(e, _) = &err {
            match e.extended_code {
                ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                    return Self::Conflict(what.to_owned())
                }
                ffi::SQLITE_CONSTRAINT_FOREIGNKEY => {
                    return Self::NotFound(format!("a record that {what} refers to"))
                }
                _ => {}
            }
        }
        Self::Sqlite(err)
    }
}
