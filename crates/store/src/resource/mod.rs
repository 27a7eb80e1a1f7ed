//! The resources, one module each: its port trait, its statements and its row decoders. Each
//! trait is implemented once, for every [`Backend`](crate::backend::Backend), so SQLite and
//! PostgreSQL run the same statements; [`crate::Store`] is the sum of them.

use opending_domain::{ClientId, CorpId, KeyedHash, PermissionCode, UnionId};

use crate::{
    exec::{corrupt, Row},
    StoreResult,
};

pub mod app_tokens;
pub mod apps;
pub mod audit;
pub mod auth_requests;
pub mod codes;
pub mod directory;
pub mod events;
pub mod grants;
pub mod installations;
pub mod isv;
pub mod jsapi_tickets;
pub mod memberships;
pub mod meta;
pub mod orgs;
pub mod points;
pub mod sessions;
pub mod user_tokens;
pub mod users;

pub(crate) fn corp_id(r: &dyn Row, col: &str) -> StoreResult<CorpId> {
    CorpId::parse(r.text(col)?).map_err(|e| corrupt(col, e))
}

pub(crate) fn client_id(r: &dyn Row, col: &str) -> StoreResult<ClientId> {
    ClientId::parse(r.text(col)?).map_err(|e| corrupt(col, e))
}

pub(crate) fn union_id(r: &dyn Row, col: &str) -> StoreResult<UnionId> {
    UnionId::parse(r.text(col)?).map_err(|e| corrupt(col, e))
}

pub(crate) fn hash(r: &dyn Row, col: &str) -> StoreResult<KeyedHash> {
    KeyedHash::from_hex(&r.text(col)?).map_err(|e| corrupt(col, e))
}

pub(crate) fn permission(r: &dyn Row, col: &str) -> StoreResult<PermissionCode> {
    PermissionCode::parse(r.text(col)?).map_err(|e| corrupt(col, e))
}

/// A `corp_id` column where `''` means "no org" (user tokens and codes issued without one).
pub(crate) fn opt_corp(r: &dyn Row, col: &str) -> StoreResult<Option<String>> {
    let s = r.text(col)?;
    Ok((!s.is_empty()).then_some(s))
}

/// Deletes, in one table, the rows matching `filter` (whose parameters are `params`); rows
/// deleted. For the cascades that withdraw tokens from several tables alike.
pub(crate) async fn delete_from(
    tx: &mut dyn crate::exec::Tx,
    table: &str,
    filter: &str,
    params: Vec<crate::exec::Param>,
) -> StoreResult<u64> {
    tx.execute(&crate::exec::Stmt::owned(
        format!("DELETE FROM {table} WHERE {filter}"),
        params,
    ))
    .await
}

/// The tables holding what an app was given: its own tokens (app tokens, and the corp and
/// suite tokens minted anew on each request), and users' access and refresh tokens.
pub(crate) const TOKEN_TABLES: [&str; 4] = [
    "app_tokens",
    "minted_tokens",
    "user_tokens",
    "refresh_tokens",
];
