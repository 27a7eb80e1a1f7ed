//! What a resource's code runs statements through: a statement with its parameters ([`Stmt`]),
//! a row to decode ([`Row`]), and the open transaction or connection ([`Tx`]) each backend
//! implements once — SQLite over rusqlite (`sqlite.rs`), PostgreSQL over sqlx (`postgres.rs`).
//!
//! Statements use `$1…$N` placeholders, `ON CONFLICT` and `RETURNING`, which SQLite and
//! PostgreSQL both understand, so a resource writes each statement once for both.

use std::borrow::Cow;

use async_trait::async_trait;

use crate::{StoreError, StoreResult};

/// A statement parameter, bound the same way by either backend.
#[derive(Debug, Clone)]
pub(crate) enum Param {
    Int(i64),
    OptInt(Option<i64>),
    Text(String),
    OptText(Option<String>),
    /// An array of integers (PostgreSQL only: `unnest` of a batch).
    Ints(Vec<i64>),
    /// An array of optional texts (PostgreSQL only: `unnest` of a batch).
    Texts(Vec<Option<String>>),
}

impl From<i64> for Param {
    fn from(v: i64) -> Self {
        Self::Int(v)
    }
}

impl From<Option<i64>> for Param {
    fn from(v: Option<i64>) -> Self {
        Self::OptInt(v)
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

impl From<&String> for Param {
    fn from(v: &String) -> Self {
        Self::Text(v.clone())
    }
}

impl From<Option<&str>> for Param {
    fn from(v: Option<&str>) -> Self {
        Self::OptText(v.map(str::to_owned))
    }
}

impl From<Option<String>> for Param {
    fn from(v: Option<String>) -> Self {
        Self::OptText(v)
    }
}

impl From<&Option<String>> for Param {
    fn from(v: &Option<String>) -> Self {
        Self::OptText(v.clone())
    }
}

/// One statement with its parameters (`params[0]` is `$1`).
#[derive(Debug, Clone)]
pub(crate) struct Stmt {
    pub sql: Cow<'static, str>,
    pub params: Vec<Param>,
}

impl Stmt {
    /// A statement whose text is fixed.
    pub(crate) fn new(sql: &'static str, params: Vec<Param>) -> Self {
        Self {
            sql: Cow::Borrowed(sql),
            params,
        }
    }

    /// A statement whose text is built at run time (a table name, an `IN` list).
    pub(crate) fn owned(sql: String, params: Vec<Param>) -> Self {
        Self {
            sql: Cow::Owned(sql),
            params,
        }
    }
}

/// Builds a [`Stmt`]: `stmt!(sql, a, b, …)` with each parameter converted by `Param::from`.
macro_rules! stmt {
    ($sql:expr $(, $param:expr)* $(,)?) => {
        crate::exec::Stmt::new($sql, vec![$(crate::exec::Param::from($param)),*])
    };
}
pub(crate) use stmt;

/// Typed column access, the same for both backends' rows.
pub(crate) trait Row {
    fn text(&self, col: &str) -> StoreResult<String>;
    fn opt_text(&self, col: &str) -> StoreResult<Option<String>>;
    fn int(&self, col: &str) -> StoreResult<i64>;
    fn opt_int(&self, col: &str) -> StoreResult<Option<i64>>;
}

/// A decoder of one row.
pub(crate) type Decode<T> = fn(&dyn Row) -> StoreResult<T>;

/// Which backend a [`Tx`] runs on, for the few statements that differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    Sqlite,
    Postgres,
}

/// A callback handed each row of a result.
pub(crate) type EachRow<'a> = dyn FnMut(&dyn Row) -> StoreResult<()> + Send + 'a;

/// An open transaction (a write) or connection (a read) that runs statements.
#[async_trait]
pub(crate) trait Tx: Send {
    /// Which backend this is.
    fn dialect(&self) -> Dialect;
    /// Runs `stmt`; rows changed.
    async fn execute(&mut self, stmt: &Stmt) -> StoreResult<u64>;
    /// Runs `stmt` and hands `each` its rows, at most `limit` of them (all when `None`).
    async fn query(
        &mut self,
        stmt: &Stmt,
        limit: Option<usize>,
        each: &mut EachRow<'_>,
    ) -> StoreResult<()>;
}

/// Moves the change counter (see `changes.rs`).
const BUMP_CHANGE_SEQ: &str =
    "UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE name = 'change_seq'";

impl dyn Tx + '_ {
    /// The first row of `stmt`, decoded.
    pub(crate) async fn one<T: Send>(
        &mut self,
        stmt: &Stmt,
        decode: Decode<T>,
    ) -> StoreResult<Option<T>> {
        let mut found = None;
        self.query(stmt, Some(1), &mut |r| {
            found = Some(decode(r)?);
            Ok(())
        })
        .await?;
        Ok(found)
    }

    /// Every row of `stmt`, decoded.
    pub(crate) async fn all<T: Send>(
        &mut self,
        stmt: &Stmt,
        decode: Decode<T>,
    ) -> StoreResult<Vec<T>> {
        let mut found = Vec::new();
        self.query(stmt, None, &mut |r| {
            found.push(decode(r)?);
            Ok(())
        })
        .await?;
        Ok(found)
    }

    /// Bumps the change counter inside this transaction (and, on PostgreSQL, queues a NOTIFY
    /// that other instances receive on commit).
    pub(crate) async fn bump_change_seq(&mut self) -> StoreResult<()> {
        self.execute(&Stmt::new(BUMP_CHANGE_SEQ, Vec::new()))
            .await?;
        if self.dialect() == Dialect::Postgres {
            let notify = format!("SELECT pg_notify('{}', '')", crate::changes::CHANNEL);
            self.execute(&Stmt::owned(notify, Vec::new())).await?;
        }
        Ok(())
    }

    /// Takes `lock` for the rest of this transaction, exclusively or shared (PostgreSQL; SQLite's
    /// one writer never overlaps two writes, so there it does nothing). See [`TokenLock`].
    pub(crate) async fn lock(&mut self, lock: TokenLock<'_>, exclusive: bool) -> StoreResult<()> {
        if self.dialect() == Dialect::Postgres {
            let sql = if exclusive {
                "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))"
            } else {
                "SELECT pg_advisory_xact_lock_shared(hashtextextended($1, 0))"
            };
            self.execute(&Stmt::new(sql, vec![lock.key().into()]))
                .await?;
        }
        Ok(())
    }

    /// What storing a new token pair takes: its user's and app's locks shared, its family's
    /// exclusively, in that order (see [`TokenLock`]).
    pub(crate) async fn lock_for_new_pair(
        &mut self,
        union_id: &str,
        client_id: &str,
        family: &str,
    ) -> StoreResult<()> {
        self.lock(TokenLock::User(union_id), false).await?;
        self.lock(TokenLock::App(client_id), false).await?;
        self.lock(TokenLock::Family(family), true).await
    }
}

/// What a token write serializes on, on PostgreSQL (SQLite's one writer never overlaps two
/// writes). Under READ COMMITTED a revocation's `DELETE`s do not see a token pair that a
/// rotation or a code exchange commits while they run, so the pair would outlive the
/// revocation. Each revocation therefore takes the transaction-scoped advisory lock of what it
/// revokes — one family (code replay, refresh reuse), a user (leaving an org, withdrawing
/// consent), an app (its secret rotated, its tokens revoked, suspended or uninstalled in an
/// org) — exclusively, and every write that stores a pair takes its user's and its app's
/// shared and its family's exclusively, always in the order user, app, family and before any
/// row lock, so the two never interleave and never deadlock: whichever comes second sees
/// everything the first did. Advisory locks need no table; keys whose hashes collide only wait
/// for each other.
#[derive(Debug, Clone, Copy)]
pub(crate) enum TokenLock<'a> {
    /// Every token of one user (a union id).
    User(&'a str),
    /// Every token of one app (a client id).
    App(&'a str),
    /// One token family (the hash of the code it came from).
    Family(&'a str),
}

impl TokenLock<'_> {
    /// The lock's key (hashed to the advisory lock's number by the statement).
    fn key(&self) -> String {
        match self {
            Self::User(u) => format!("opending/tokens-of-user/{u}"),
            Self::App(a) => format!("opending/tokens-of-app/{a}"),
            Self::Family(f) => format!("opending/token-family/{f}"),
        }
    }
}

/// A value read back that does not parse.
pub(crate) fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}

impl StoreError {
    /// A write's error in the caller's terms: unique and foreign-key violations become
    /// `Conflict` (`what` exists already) and `NotFound` (what `what` refers to), on either
    /// backend; anything else stays as it was.
    pub(crate) fn on_write(self, what: &str) -> Self {
        match self {
            Self::Database(e) => Self::from_write(e, what),
            Self::Sqlite(e) => Self::from_sqlite(e, what),
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Param;

    #[test]
    fn parameters_convert_from_what_resources_bind() {
        assert!(matches!(Param::from(7), Param::Int(7)));
        assert!(matches!(Param::from(None::<i64>), Param::OptInt(None)));
        assert!(matches!(Param::from("a"), Param::Text(s) if s == "a"));
        assert!(matches!(Param::from(Some("b")), Param::OptText(Some(s)) if s == "b"));
        assert!(matches!(Param::from(&None::<String>), Param::OptText(None)));
    }
}
