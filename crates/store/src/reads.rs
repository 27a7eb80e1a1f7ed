//! The point reads of the token endpoints — an app with its standing in an org, an app, a
//! refresh token — written once and run two ways: on a SQLite file inline on the caller's
//! thread (one indexed read takes microseconds, less than handing it to an sqlx worker thread
//! and back; see `InlineReader` in `sqlite.rs`), on PostgreSQL through the pool (the app in
//! its org batched with the reads waiting at the same moment: `pg_batch.rs`).

use std::sync::LazyLock;

use async_trait::async_trait;
use opending_domain::{grant::UserTokenRecord, App, ClientId, CorpId, KeyedHash};

use crate::{
    sql::RowExt,
    writes::{sqlite_row, sqlx_query, Stmt},
    AppInOrg, StoreError, StoreResult,
};

/// The app-in-org read around the keys it reads: `$from` joins `apps a`, `$corp` names the org.
macro_rules! app_in_org_query {
    (extra: $extra:literal, from: $from:literal, corp: $corp:literal, where: $where:literal) => {
        concat!(
            "SELECT a.client_id, a.name, a.owner_corp_id, a.distribution, a.secret_hash, a.created_at,
       o.corp_id AS org_corp_id, i.status AS installation_status,
       (SELECT CAST(value AS BIGINT) FROM meta WHERE name = 'change_seq') AS change_seq",
            $extra,
            "\nFROM ",
            $from,
            "\nLEFT JOIN orgs o ON o.corp_id = ",
            $corp,
            "\nLEFT JOIN installations i ON i.client_id = a.client_id AND i.corp_id = ",
            $corp,
            $where
        )
    };
}

const APP_IN_ORG: &str = app_in_org_query!(
    extra: "",
    from: "apps a",
    corp: "$2",
    where: "\nWHERE a.client_id = $1"
);

/// Many app-in-org reads in one statement (PostgreSQL): `$1` the apps, `$2` the orgs; each
/// row's `n` is the 1-based position of the key it answers (keys without an app get no row).
pub(crate) const APP_IN_ORGS_PG: &str = app_in_org_query!(
    extra: ", k.n",
    from: "unnest($1::text[], $2::text[]) WITH ORDINALITY AS k (client_id, corp_id, n)
JOIN apps a ON a.client_id = k.client_id",
    corp: "k.corp_id",
    where: ""
);

static GET_APP: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {} FROM apps WHERE client_id = $1",
        crate::sql::APP_COLUMNS
    )
});

static FIND_REFRESH: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {}, rotated_at FROM refresh_tokens WHERE token_hash = $1",
        crate::sql_delegation::TOKEN_COLUMNS
    )
});

pub(crate) fn app_in_org(client_id: &ClientId, corp_id: &CorpId) -> Stmt {
    Stmt {
        sql: APP_IN_ORG,
        params: vec![client_id.as_str().into(), corp_id.as_str().into()],
    }
}

pub(crate) fn app_in_org_row(r: &impl RowExt) -> StoreResult<AppInOrg> {
    let installation = match r.opt_text("installation_status")? {
        Some(s) => Some(s.parse().map_err(StoreError::Corrupt)?),
        None => None,
    };
    Ok(AppInOrg {
        app: crate::sql::app(r)?,
        org_exists: r.opt_text("org_corp_id")?.is_some(),
        installation,
        change_seq: r.int("change_seq")?,
    })
}

fn get_app(client_id: &ClientId) -> Stmt {
    Stmt {
        sql: GET_APP.as_str(),
        params: vec![client_id.as_str().into()],
    }
}

fn find_refresh(hash: &KeyedHash) -> Stmt {
    Stmt {
        sql: FIND_REFRESH.as_str(),
        params: vec![hash.to_hex().into()],
    }
}

fn refresh_row(r: &impl RowExt) -> StoreResult<UserTokenRecord> {
    crate::sql_delegation::token(r, true)
}

/// The token endpoints' point reads, each backend running them its own way (see the module
/// header).
#[async_trait]
pub(crate) trait RequestReads {
    /// See [`crate::Store::app_in_org`].
    async fn app_in_org(
        &self,
        client_id: &ClientId,
        corp_id: &CorpId,
    ) -> StoreResult<Option<AppInOrg>>;
    /// See [`crate::Store::get_app`].
    async fn get_app(&self, client_id: &ClientId) -> StoreResult<Option<App>>;
    /// See [`crate::DelegationStore::find_refresh_token`].
    async fn find_refresh_token(&self, hash: &KeyedHash) -> StoreResult<Option<UserTokenRecord>>;
}

#[async_trait]
impl RequestReads for crate::SqliteStore {
    async fn app_in_org(
        &self,
        client_id: &ClientId,
        corp_id: &CorpId,
    ) -> StoreResult<Option<AppInOrg>> {
        let stmt = app_in_org(client_id, corp_id);
        // The in-memory store's fresh counter is its in-process count (see `fresh_seq`): take
        // that, before the read, so both come from the same source.
        let count_before = self.in_process_change_count();
        let mut found = self
            .read_inline(move |c| sqlite_row(c, &stmt, |r| app_in_org_row(r)))
            .await?;
        if let (Some(f), Some(count)) = (found.as_mut(), count_before) {
            f.change_seq = count;
        }
        Ok(found)
    }

    async fn get_app(&self, client_id: &ClientId) -> StoreResult<Option<App>> {
        let stmt = get_app(client_id);
        self.read_inline(move |c| sqlite_row(c, &stmt, |r| crate::sql::app(r)))
            .await
    }

    async fn find_refresh_token(&self, hash: &KeyedHash) -> StoreResult<Option<UserTokenRecord>> {
        let stmt = find_refresh(hash);
        self.read_inline(move |c| sqlite_row(c, &stmt, |r| refresh_row(r)))
            .await
    }
}

#[async_trait]
impl RequestReads for crate::PgStore {
    async fn app_in_org(
        &self,
        client_id: &ClientId,
        corp_id: &CorpId,
    ) -> StoreResult<Option<AppInOrg>> {
        self.batched()
            .app_in_org
            .run((client_id.clone(), corp_id.clone()))
            .await
    }

    async fn get_app(&self, client_id: &ClientId) -> StoreResult<Option<App>> {
        let stmt = get_app(client_id);
        let row = sqlx_query(&stmt).fetch_optional(self.pool()).await?;
        row.as_ref().map(crate::sql::app).transpose()
    }

    async fn find_refresh_token(&self, hash: &KeyedHash) -> StoreResult<Option<UserTokenRecord>> {
        let stmt = find_refresh(hash);
        let row = sqlx_query(&stmt).fetch_optional(self.pool()).await?;
        row.as_ref().map(refresh_row).transpose()
    }
}
