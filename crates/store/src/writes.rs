//! The writes on the request path — app tokens, codes, user tokens, the audit log — written once
//! as statement and parameters, and run two ways: on SQLite through the group-commit writer
//! (`group_commit.rs`, one transaction for every write waiting at that moment), on PostgreSQL
//! through the pool, one transaction each (PostgreSQL commits concurrent transactions in parallel
//! and groups their WAL flushes itself).

use std::sync::LazyLock;

use async_trait::async_trait;
use opending_domain::{
    grant::{join_codes, AuthCode, CodeUse, UserTokenRecord},
    token::AppToken,
    AuditEvent, KeyedHash, UnixTime,
};

use crate::{sql::RowExt, StoreError, StoreResult};

/// A statement parameter, bound the same way by either runner.
#[derive(Debug, Clone)]
pub(crate) enum Param {
    Int(i64),
    Text(String),
    OptText(Option<String>),
}

impl From<i64> for Param {
    fn from(v: i64) -> Self {
        Self::Int(v)
    }
}

impl From<String> for Param {
    fn from(v: String) -> Self {
        Self::Text(v)
    }
}

impl From<&str> for Param {
    fn from(v: &str) -> Self {
        Self::Text(v.to_owned())
    }
}

impl From<Option<&str>> for Param {
    fn from(v: Option<&str>) -> Self {
        Self::OptText(v.map(str::to_owned))
    }
}

impl rusqlite::ToSql for Param {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        match self {
            Self::Int(v) => v.to_sql(),
            Self::Text(v) => v.to_sql(),
            Self::OptText(v) => v.to_sql(),
        }
    }
}

/// One statement with its parameters.
pub(crate) struct Stmt {
    pub sql: &'static str,
    pub params: Vec<Param>,
}

/// Binds `stmt`'s parameters to an sqlx query (PostgreSQL's runner).
pub(crate) fn sqlx_query(
    stmt: &Stmt,
) -> sqlx::query::Query<'_, sqlx::Postgres, sqlx::postgres::PgArguments> {
    stmt.params
        .iter()
        .fold(sqlx::query(stmt.sql), |q, p| match p {
            Param::Int(v) => q.bind(*v),
            Param::Text(v) => q.bind(v.as_str()),
            Param::OptText(v) => q.bind(v.as_deref()),
        })
}

/// Prepares `stmt` on SQLite with its parameters bound by number: SQLite numbers `$N`
/// placeholders in order of first appearance, not by `N` (sqlx binds them by `N`, as
/// PostgreSQL does), so each is bound by its name.
fn sqlite_prepare<'c>(
    conn: &'c rusqlite::Connection,
    stmt: &Stmt,
) -> rusqlite::Result<rusqlite::CachedStatement<'c>> {
    let mut st = conn.prepare_cached(stmt.sql)?;
    for i in 1..=st.parameter_count() {
        let name = st.parameter_name(i).unwrap_or_default();
        let param = name
            .strip_prefix('$')
            .and_then(|n| n.parse::<usize>().ok())
            .and_then(|n| stmt.params.get(n.wrapping_sub(1)))
            .ok_or_else(|| rusqlite::Error::InvalidParameterName(name.to_owned()))?;
        st.raw_bind_parameter(i, param)?;
    }
    Ok(st)
}

/// Runs `stmt` on SQLite; rows changed.
pub(crate) fn sqlite_execute(conn: &rusqlite::Connection, stmt: &Stmt) -> rusqlite::Result<usize> {
    sqlite_prepare(conn, stmt)?.raw_execute()
}

/// Runs `stmt` on SQLite; its first row, decoded.
pub(crate) fn sqlite_row<T>(
    conn: &rusqlite::Connection,
    stmt: &Stmt,
    decode: impl FnOnce(&rusqlite::Row<'_>) -> StoreResult<T>,
) -> StoreResult<Option<T>> {
    let mut st = sqlite_prepare(conn, stmt)?;
    let mut rows = st.raw_query();
    match rows.next()? {
        Some(row) => decode(row).map(Some),
        None => Ok(None),
    }
}

impl RowExt for rusqlite::Row<'_> {
    fn text(&self, col: &str) -> StoreResult<String> {
        Ok(self.get(col)?)
    }
    fn opt_text(&self, col: &str) -> StoreResult<Option<String>> {
        Ok(self.get(col)?)
    }
    fn int(&self, col: &str) -> StoreResult<i64> {
        Ok(self.get(col)?)
    }
    fn opt_int(&self, col: &str) -> StoreResult<Option<i64>> {
        Ok(self.get(col)?)
    }
}

/// Keeps or takes the app token ([`crate::sql::ISSUE_APP_TOKEN`]).
pub(crate) fn issue_app_token(c: &AppToken, now: UnixTime) -> Stmt {
    Stmt {
        sql: crate::sql::ISSUE_APP_TOKEN,
        params: vec![
            c.client_id.as_str().into(),
            c.corp_id.as_str().into(),
            c.nonce.to_hex().into(),
            c.token_hash.to_hex().into(),
            c.issued_at.0.into(),
            c.expires_at.0.into(),
            now.0.into(),
        ],
    }
}

/// The audit log's columns, as written.
macro_rules! audit_insert {
    ($rows:literal) => {
        concat!(
            "INSERT INTO audit_events (at, kind, request_id, actor, actor_id, client_id, corp_id, source, details) ",
            $rows
        )
    };
}

/// Appends many audit events in one statement (PostgreSQL), in the order of the arrays.
const APPEND_AUDIT_PG: &str = audit_insert!(
    "SELECT at, kind, request_id, actor, actor_id, client_id, corp_id, source, details \
     FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[]) \
     WITH ORDINALITY AS e (at, kind, request_id, actor, actor_id, client_id, corp_id, source, details, n) ORDER BY n"
);

/// An event's details as stored: a JSON object.
fn audit_details(e: &AuditEvent) -> String {
    serde_json::to_string(&e.details).unwrap_or_else(|_| "{}".to_owned())
}

/// Appends one audit event.
pub(crate) fn append_audit(e: &AuditEvent) -> Stmt {
    Stmt {
        sql: audit_insert!("VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"),
        params: vec![
            e.at.0.into(),
            e.kind.as_str().into(),
            e.request_id.as_deref().into(),
            e.actor.as_str().into(),
            e.actor_id.as_deref().into(),
            e.client_id.as_deref().into(),
            e.corp_id.as_deref().into(),
            e.source.as_deref().into(),
            audit_details(e).into(),
        ],
    }
}

static CREATE_CODE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "INSERT INTO auth_codes ({}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL)",
        crate::sql_delegation::CODE_COLUMNS
    )
});

/// Stores a new authorization code.
pub(crate) fn create_code(c: &AuthCode) -> Stmt {
    Stmt {
        sql: CREATE_CODE.as_str(),
        params: vec![
            c.code_hash.to_hex().into(),
            c.client_id.as_str().into(),
            c.union_id.as_str().into(),
            c.corp_id.clone().unwrap_or_default().into(),
            join_codes(&c.scopes).into(),
            c.redirect_uri.as_deref().into(),
            c.created_at.0.into(),
            c.expires_at.0.into(),
        ],
    }
}

static USE_CODE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "UPDATE auth_codes SET used_at = $2 WHERE code_hash = $1 AND used_at IS NULL RETURNING {}",
        crate::sql_delegation::CODE_COLUMNS
    )
});
static FIND_CODE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {} FROM auth_codes WHERE code_hash = $1",
        crate::sql_delegation::CODE_COLUMNS
    )
});

/// Marks a code used, unless it was; returns it as it was before.
pub(crate) fn use_code(hash: &KeyedHash, now: UnixTime) -> Stmt {
    Stmt {
        sql: USE_CODE.as_str(),
        params: vec![hash.to_hex().into(), now.0.into()],
    }
}

/// A code, used or not.
pub(crate) fn find_code(hash: &KeyedHash) -> Stmt {
    Stmt {
        sql: FIND_CODE.as_str(),
        params: vec![hash.to_hex().into()],
    }
}

/// What [`use_code`] and [`find_code`] found, as a [`CodeUse`].
pub(crate) fn code_use(
    fresh: Option<AuthCode>,
    used: impl FnOnce() -> StoreResult<Option<AuthCode>>,
) -> StoreResult<CodeUse> {
    if let Some(mut c) = fresh {
        c.used_at = None;
        return Ok(CodeUse::Fresh(c));
    }
    Ok(match used()? {
        Some(c) => CodeUse::Replayed(c),
        None => CodeUse::Unknown,
    })
}

static INSERT_USER_TOKEN: LazyLock<String> = LazyLock::new(|| insert_token_sql("user_tokens"));
static INSERT_REFRESH_TOKEN: LazyLock<String> =
    LazyLock::new(|| insert_token_sql("refresh_tokens"));

fn insert_token_sql(table: &str) -> String {
    format!(
        "INSERT INTO {table} ({}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        crate::sql_delegation::TOKEN_COLUMNS
    )
}

/// Stores a user's access token (`refresh: false`) or refresh token.
fn insert_token(t: &UserTokenRecord, refresh: bool) -> Stmt {
    Stmt {
        sql: if refresh {
            INSERT_REFRESH_TOKEN.as_str()
        } else {
            INSERT_USER_TOKEN.as_str()
        },
        params: vec![
            t.token_hash.to_hex().into(),
            t.family.as_str().into(),
            t.client_id.as_str().into(),
            t.union_id.as_str().into(),
            t.corp_id.clone().unwrap_or_default().into(),
            join_codes(&t.scopes).into(),
            t.issued_at.0.into(),
            t.expires_at.0.into(),
        ],
    }
}

/// Stores an access token and its refresh token.
fn insert_pair(access: &UserTokenRecord, refresh: &UserTokenRecord) -> [Stmt; 2] {
    [insert_token(access, false), insert_token(refresh, true)]
}

/// Marks a refresh token rotated; changes no row when it was rotated before (or is gone).
pub(crate) fn mark_rotated(old: &KeyedHash, now: UnixTime) -> Stmt {
    Stmt {
        sql: "UPDATE refresh_tokens SET rotated_at = $2 \
              WHERE token_hash = $1 AND rotated_at IS NULL",
        params: vec![old.to_hex().into(), now.0.into()],
    }
}

/// The request path's writes, each backend running them its own way (see the module header).
#[async_trait]
pub(crate) trait RequestWrites {
    /// See [`crate::Store::issue_app_token`].
    async fn issue_app_token(&self, candidate: &AppToken, now: UnixTime) -> StoreResult<AppToken>;
    /// See [`crate::AuditStore::append_audit`].
    async fn append_audit(&self, events: &[AuditEvent]) -> StoreResult<()>;
    /// See [`crate::DelegationStore::create_code`].
    async fn create_code(&self, code: &AuthCode) -> StoreResult<()>;
    /// See [`crate::DelegationStore::redeem_code`].
    async fn redeem_code(
        &self,
        hash: &KeyedHash,
        now: UnixTime,
        tokens_for: crate::TokensFor,
    ) -> StoreResult<CodeUse>;
    /// See [`crate::DelegationStore::rotate_refresh`].
    async fn rotate_refresh(
        &self,
        old: &KeyedHash,
        now: UnixTime,
        access: &UserTokenRecord,
        refresh: &UserTokenRecord,
    ) -> StoreResult<bool>;
}

#[async_trait]
impl RequestWrites for crate::SqliteStore {
    async fn issue_app_token(&self, candidate: &AppToken, now: UnixTime) -> StoreResult<AppToken> {
        let stmt = issue_app_token(candidate, now);
        self.group_commit()
            .run(move |conn| {
                sqlite_row(conn, &stmt, |r| crate::sql::app_token(r))
                    .map_err(|e| on_write(e, "an app token"))?
                    .ok_or_else(|| StoreError::Corrupt("the token upsert returned no row".into()))
            })
            .await
    }

    async fn append_audit(&self, events: &[AuditEvent]) -> StoreResult<()> {
        if events.is_empty() {
            return Ok(());
        }
        let stmts: Vec<Stmt> = events.iter().map(append_audit).collect();
        self.group_commit()
            .run(move |conn| {
                for stmt in &stmts {
                    sqlite_execute(conn, stmt)?;
                }
                Ok(())
            })
            .await
    }

    async fn create_code(&self, code: &AuthCode) -> StoreResult<()> {
        let stmt = create_code(code);
        self.group_commit()
            .run(move |conn| {
                sqlite_execute(conn, &stmt).map_err(|e| StoreError::from_sqlite(e, "the code"))?;
                Ok(())
            })
            .await
    }

    async fn redeem_code(
        &self,
        hash: &KeyedHash,
        now: UnixTime,
        tokens_for: crate::TokensFor,
    ) -> StoreResult<CodeUse> {
        let (used, found) = (use_code(hash, now), find_code(hash));
        self.group_commit()
            .run(move |conn| {
                let fresh = sqlite_row(conn, &used, |r| crate::sql_delegation::code(r))?;
                if let Some((access, refresh)) = fresh.as_ref().and_then(tokens_for) {
                    for stmt in &insert_pair(&access, &refresh) {
                        sqlite_execute(conn, stmt)?;
                    }
                }
                code_use(fresh, || {
                    sqlite_row(conn, &found, |r| crate::sql_delegation::code(r))
                })
            })
            .await
    }

    async fn rotate_refresh(
        &self,
        old: &KeyedHash,
        now: UnixTime,
        access: &UserTokenRecord,
        refresh: &UserTokenRecord,
    ) -> StoreResult<bool> {
        let mark = mark_rotated(old, now);
        let pair = insert_pair(access, refresh);
        self.group_commit()
            .run(move |conn| {
                if sqlite_execute(conn, &mark)? == 0 {
                    return Ok(false);
                }
                for stmt in &pair {
                    sqlite_execute(conn, stmt)?;
                }
                Ok(true)
            })
            .await
    }
}

/// A write's error in the caller's terms: constraint violations as `Conflict` / `NotFound`.
fn on_write(e: StoreError, what: &str) -> StoreError {
    match e {
        StoreError::Sqlite(e) => StoreError::from_sqlite(e, what),
        other => other,
    }
}

#[async_trait]
impl RequestWrites for crate::PgStore {
    async fn issue_app_token(&self, candidate: &AppToken, now: UnixTime) -> StoreResult<AppToken> {
        self.batched()
            .app_tokens
            .run((candidate.clone(), now))
            .await
    }

    async fn append_audit(&self, events: &[AuditEvent]) -> StoreResult<()> {
        if events.is_empty() {
            return Ok(());
        }
        // One statement for the lot, a row per event in order, not a round trip each.
        let text = |f: fn(&AuditEvent) -> Option<&str>| -> Vec<Option<String>> {
            events.iter().map(|e| f(e).map(str::to_owned)).collect()
        };
        sqlx::query(APPEND_AUDIT_PG)
            .bind(events.iter().map(|e| e.at.0).collect::<Vec<_>>())
            .bind(text(|e| Some(e.kind.as_str())))
            .bind(text(|e| e.request_id.as_deref()))
            .bind(text(|e| Some(e.actor.as_str())))
            .bind(text(|e| e.actor_id.as_deref()))
            .bind(text(|e| e.client_id.as_deref()))
            .bind(text(|e| e.corp_id.as_deref()))
            .bind(text(|e| e.source.as_deref()))
            .bind(events.iter().map(audit_details).collect::<Vec<_>>())
            .execute(self.pool())
            .await?;
        Ok(())
    }

    async fn create_code(&self, code: &AuthCode) -> StoreResult<()> {
        sqlx_query(&create_code(code))
            .execute(self.pool())
            .await
            .map_err(|e| StoreError::from_write(e, "the code"))?;
        Ok(())
    }

    async fn redeem_code(
        &self,
        hash: &KeyedHash,
        now: UnixTime,
        tokens_for: crate::TokensFor,
    ) -> StoreResult<CodeUse> {
        let mut tx = self.pool().begin().await?;
        // Whose code it is (that never changes) decides the locks, taken before the code's row
        // is: a revocation of that user or app then either ran first (and deleted the code) or
        // waits for the pair and deletes it too (see `TokenLock`).
        let owner = sqlx_query(&find_code(hash))
            .fetch_optional(&mut *tx)
            .await?
            .as_ref()
            .map(crate::sql_delegation::code)
            .transpose()?;
        if let Some(c) = &owner {
            crate::postgres::TokenLock::for_new_pair(
                &mut tx,
                c.union_id.as_str(),
                c.client_id.as_str(),
                &c.code_hash.to_hex(),
            )
            .await?;
        }
        let fresh = sqlx_query(&use_code(hash, now))
            .fetch_optional(&mut *tx)
            .await?
            .as_ref()
            .map(crate::sql_delegation::code)
            .transpose()?;
        let used = match &fresh {
            Some(code) => {
                if let Some((access, refresh)) = tokens_for(code) {
                    pg_insert_pair(&mut tx, &access, &refresh).await?;
                }
                None
            }
            None => sqlx_query(&find_code(hash))
                .fetch_optional(&mut *tx)
                .await?
                .as_ref()
                .map(crate::sql_delegation::code)
                .transpose()?,
        };
        tx.commit().await?;
        code_use(fresh, || Ok(used))
    }

    async fn rotate_refresh(
        &self,
        old: &KeyedHash,
        now: UnixTime,
        access: &UserTokenRecord,
        refresh: &UserTokenRecord,
    ) -> StoreResult<bool> {
        let mut tx = self.pool().begin().await?;
        // Serialized with every revocation that could cover the new pair (see `TokenLock`).
        crate::postgres::TokenLock::for_new_pair(
            &mut tx,
            access.union_id.as_str(),
            access.client_id.as_str(),
            &access.family,
        )
        .await?;
        let marked = sqlx_query(&mark_rotated(old, now))
            .execute(&mut *tx)
            .await?;
        if marked.rows_affected() == 0 {
            return Ok(false);
        }
        pg_insert_pair(&mut tx, access, refresh).await?;
        tx.commit().await?;
        Ok(true)
    }
}

/// Stores a token pair inside `tx` (PostgreSQL).
async fn pg_insert_pair(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    access: &UserTokenRecord,
    refresh: &UserTokenRecord,
) -> StoreResult<()> {
    for stmt in &insert_pair(access, refresh) {
        sqlx_query(stmt).execute(&mut **tx).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{sqlite_row, Stmt};
    use crate::sql::RowExt;

    /// `$N` binds the N-th parameter even where `$2` comes before `$1` in the text (SQLite
    /// alone would number them by first appearance).
    #[test]
    fn placeholders_bind_by_number_not_by_position() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let stmt = Stmt {
            sql: "SELECT $2 AS second, $1 AS first, $2 AS again",
            params: vec![1.into(), "two".into()],
        };
        let row = sqlite_row(&conn, &stmt, |r| {
            Ok((r.text("second")?, r.int("first")?, r.text("again")?))
        })
        .unwrap();
        assert_eq!(row, Some(("two".to_owned(), 1, "two".to_owned())));
    }
}
