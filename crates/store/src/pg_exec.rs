//! PostgreSQL's side of the executor: a [`Stmt`] bound as an sqlx query, and a row read as a
//! [`Row`] (used by the backend, `postgres.rs`, and its batches, `pg_batch.rs`).

use sqlx::{postgres::PgArguments, Postgres};

use crate::{
    exec::{Param, Row, Stmt},
    StoreResult,
};

/// `stmt` as an sqlx query, its parameters bound in order.
pub(crate) fn bind(stmt: &Stmt) -> sqlx::query::Query<'_, Postgres, PgArguments> {
    stmt.params
        .iter()
        .fold(sqlx::query(&stmt.sql), |q, p| match p {
            Param::Int(v) => q.bind(*v),
            Param::OptInt(v) => q.bind(*v),
            Param::Text(v) => q.bind(v.as_str()),
            Param::OptText(v) => q.bind(v.as_deref()),
            Param::Ints(v) => q.bind(v.as_slice()),
            Param::Texts(v) => q.bind(v.as_slice()),
        })
}

impl Row for sqlx::postgres::PgRow {
    fn text(&self, col: &str) -> StoreResult<String> {
        Ok(sqlx::Row::try_get(self, col)?)
    }
    fn opt_text(&self, col: &str) -> StoreResult<Option<String>> {
        Ok(sqlx::Row::try_get(self, col)?)
    }
    fn int(&self, col: &str) -> StoreResult<i64> {
        Ok(sqlx::Row::try_get(self, col)?)
    }
    fn opt_int(&self, col: &str) -> StoreResult<Option<i64>> {
        Ok(sqlx::Row::try_get(self, col)?)
    }
}
