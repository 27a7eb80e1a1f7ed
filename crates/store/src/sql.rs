//! The SQL, written once for both backends.
//!
//! Statements use `$1…$N` placeholders, `ON CONFLICT` and `RETURNING`, which SQLite and
//! PostgreSQL both understand; [`impl_store!`] expands the same method bodies for each backend's
//! pool type. Rows are decoded through [`RowExt`] into domain types, refusing anything malformed.

use opending_domain::{
    token::{AppToken, TokenNonce},
    App, ClientId, CorpId, Installation, KeyedHash, Org, PermissionCode, PermissionPoint, UnixTime,
};

use crate::{StoreError, StoreResult};

/// Typed column access shared by both backends' row types.
pub(crate) trait RowExt {
    fn text(&self, col: &str) -> StoreResult<String>;
    fn opt_text(&self, col: &str) -> StoreResult<Option<String>>;
    fn int(&self, col: &str) -> StoreResult<i64>;
    fn opt_int(&self, col: &str) -> StoreResult<Option<i64>>;
}

macro_rules! impl_row_ext {
    ($row:ty) => {
        impl crate::sql::RowExt for $row {
            fn text(&self, col: &str) -> crate::StoreResult<String> {
                sqlx::Row::try_get::<String, _>(self, col).map_err(crate::StoreError::Database)
            }
            fn opt_text(&self, col: &str) -> crate::StoreResult<Option<String>> {
                sqlx::Row::try_get::<Option<String>, _>(self, col)
                    .map_err(crate::StoreError::Database)
            }
            fn int(&self, col: &str) -> crate::StoreResult<i64> {
                sqlx::Row::try_get::<i64, _>(self, col).map_err(crate::StoreError::Database)
            }
            fn opt_int(&self, col: &str) -> crate::StoreResult<Option<i64>> {
                sqlx::Row::try_get::<Option<i64>, _>(self, col).map_err(crate::StoreError::Database)
            }
        }
    };
}
pub(crate) use impl_row_ext;

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}

pub(crate) fn corp_id(r: &impl RowExt, col: &str) -> StoreResult<CorpId> {
    CorpId::parse(r.text(col)?).map_err(|e| corrupt(col, e))
}

pub(crate) fn client_id(r: &impl RowExt, col: &str) -> StoreResult<ClientId> {
    ClientId::parse(r.text(col)?).map_err(|e| corrupt(col, e))
}

pub(crate) fn hash(r: &impl RowExt, col: &str) -> StoreResult<KeyedHash> {
    KeyedHash::from_hex(&r.text(col)?).map_err(|e| corrupt(col, e))
}

pub(crate) fn org(r: &impl RowExt) -> StoreResult<Org> {
    Ok(Org {
        corp_id: corp_id(r, "corp_id")?,
        name: r.text("name")?,
        created_at: UnixTime(r.int("created_at")?),
    })
}

pub(crate) fn app(r: &impl RowExt) -> StoreResult<App> {
    Ok(App {
        client_id: client_id(r, "client_id")?,
        name: r.text("name")?,
        owner_corp_id: corp_id(r, "owner_corp_id")?,
        distribution: r
            .text("distribution")?
            .parse()
            .map_err(|e| corrupt("distribution", e))?,
        secret_hash: hash(r, "secret_hash")?,
        created_at: UnixTime(r.int("created_at")?),
    })
}

pub(crate) fn installation(r: &impl RowExt) -> StoreResult<Installation> {
    Ok(Installation {
        client_id: client_id(r, "client_id")?,
        corp_id: corp_id(r, "corp_id")?,
        status: r
            .text("status")?
            .parse()
            .map_err(|e| corrupt("status", e))?,
        created_at: UnixTime(r.int("created_at")?),
    })
}

pub(crate) fn app_token(r: &impl RowExt) -> StoreResult<AppToken> {
    Ok(AppToken {
        client_id: client_id(r, "client_id")?,
        corp_id: corp_id(r, "corp_id")?,
        nonce: TokenNonce::from_hex(&r.text("nonce")?).map_err(|e| corrupt("nonce", e))?,
        token_hash: hash(r, "token_hash")?,
        issued_at: UnixTime(r.int("issued_at")?),
        expires_at: UnixTime(r.int("expires_at")?),
    })
}

pub(crate) fn code(r: &impl RowExt, col: &str) -> StoreResult<PermissionCode> {
    PermissionCode::parse(r.text(col)?).map_err(|e| corrupt(col, e))
}

pub(crate) fn point(r: &impl RowExt) -> StoreResult<PermissionPoint> {
    Ok(PermissionPoint {
        code: code(r, "code")?,
        name: r.text("name")?,
        kind: r.text("kind")?.parse().map_err(|e| corrupt("kind", e))?,
        grant_type: r
            .text("grant_type")?
            .parse()
            .map_err(|e| corrupt("grant_type", e))?,
        description: r.text("description")?,
        builtin: r.int("builtin")? != 0,
    })
}

pub(crate) const POINT_COLUMNS: &str = "code, name, kind, grant_type, description, builtin";

/// Moves the change counter (see `changes.rs`).
pub(crate) const BUMP_CHANGE_SEQ: &str =
    "UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS TEXT) WHERE name = 'change_seq'";

pub(crate) const APP_COLUMNS: &str =
    "client_id, name, owner_corp_id, distribution, secret_hash, created_at";

/// The app-token upsert around its rows: keep the live token, or take the candidate; always
/// renew the expiry (docs/dingtalk/decisions.md §8). `$7` is the time of the write.
macro_rules! app_token_upsert {
    ($rows:literal) => {
        concat!(
            "INSERT INTO app_tokens (client_id, corp_id, nonce, token_hash, issued_at, expires_at)\n",
            $rows,
            "
ON CONFLICT (client_id, corp_id) DO UPDATE SET
    nonce      = CASE WHEN app_tokens.expires_at > $7 THEN app_tokens.nonce      ELSE excluded.nonce END,
    token_hash = CASE WHEN app_tokens.expires_at > $7 THEN app_tokens.token_hash ELSE excluded.token_hash END,
    issued_at  = CASE WHEN app_tokens.expires_at > $7 THEN app_tokens.issued_at  ELSE excluded.issued_at END,
    expires_at = excluded.expires_at
RETURNING client_id, corp_id, nonce, token_hash, issued_at, expires_at"
        )
    };
}

/// Keeps or takes one app token.
pub(crate) const ISSUE_APP_TOKEN: &str = app_token_upsert!("VALUES ($1, $2, $3, $4, $5, $6)");

/// Keeps or takes many app tokens in one statement (PostgreSQL): one array per column, in the
/// order given (which is the order their rows are locked in), no two rows for one key.
pub(crate) const ISSUE_APP_TOKENS_PG: &str = app_token_upsert!(
    "SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[])"
);

/// Expands the [`crate::Store`] implementation for a backend type that has `reader()`,
/// `writer()` (both `&sqlx::Pool<DB>`), `MIGRATOR` and `BACKEND`.
macro_rules! impl_store {
    ($ty:ty, $db:ty) => {
        impl $ty {
            /// Takes the exclusive lock of what a revocation revokes, inside `tx` and before any
            /// row lock (PostgreSQL; see `postgres::TokenLock`).
            async fn lock_revoked(
                tx: &mut sqlx::Transaction<'_, $db>,
                lock: crate::postgres::TokenLock<'_>,
            ) -> crate::StoreResult<()> {
                if Self::TOKEN_LOCKS {
                    sqlx::query(crate::postgres::TokenLock::sql(true))
                        .bind(lock.key())
                        .execute(&mut **tx)
                        .await?;
                }
                Ok(())
            }

            /// Bumps the change counter inside `tx` (and, on PostgreSQL, queues a NOTIFY that
            /// is delivered on commit).
            async fn bump(tx: &mut sqlx::Transaction<'_, $db>) -> crate::StoreResult<()> {
                sqlx::query(crate::sql::BUMP_CHANGE_SEQ).execute(&mut **tx).await?;
                if let Some(notify) = Self::NOTIFY {
                    sqlx::query(notify).execute(&mut **tx).await?;
                }
                Ok(())
            }

            /// Deletes an app's app, user and refresh tokens in one org (suspension, uninstall):
            /// withdrawing the app from the org withdraws every token it holds there.
            async fn delete_tokens_in_org(
                tx: &mut sqlx::Transaction<'_, $db>,
                client_id: &str,
                corp_id: &str,
            ) -> crate::StoreResult<()> {
                Self::lock_revoked(tx, crate::postgres::TokenLock::App(client_id)).await?;
                for table in ["app_tokens", "user_tokens", "refresh_tokens"] {
                    sqlx::query(&format!("DELETE FROM {table} WHERE client_id = $1 AND corp_id = $2"))
                        .bind(client_id)
                        .bind(corp_id)
                        .execute(&mut **tx)
                        .await?;
                }
                Ok(())
            }

            /// Commits `tx` and tells this process's subscribers.
            async fn commit_change(&self, tx: sqlx::Transaction<'_, $db>) -> crate::StoreResult<()> {
                tx.commit().await?;
                self.changes.notify();
                Ok(())
            }
        }

        #[async_trait::async_trait]
        impl crate::Store for $ty {
            fn changes(&self) -> &crate::ChangeFeed {
                &self.changes
            }

            async fn migrate(&self) -> crate::StoreResult<()> {
                Self::MIGRATOR.run(self.writer()).await?;
                Ok(())
            }

            async fn ping(&self) -> crate::StoreResult<()> {
                sqlx::query("SELECT 1").execute(self.reader()).await?;
                Ok(())
            }

            fn backend(&self) -> &'static str {
                Self::BACKEND
            }

            fn pool_state(&self) -> Vec<crate::PoolState> {
                self.pool_states()
            }

            async fn meta_get(&self, name: &str) -> crate::StoreResult<Option<String>> {
                let row = sqlx::query("SELECT value FROM meta WHERE name = $1")
                    .bind(name)
                    .fetch_optional(self.reader())
                    .await?;
                row.map(|r| crate::sql::RowExt::text(&r, "value")).transpose()
            }

            async fn meta_init(&self, name: &str, value: &str) -> crate::StoreResult<String> {
                sqlx::query("INSERT INTO meta (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
                    .bind(name)
                    .bind(value)
                    .execute(self.writer())
                    .await?;
                let row = sqlx::query("SELECT value FROM meta WHERE name = $1")
                    .bind(name)
                    .fetch_one(self.writer())
                    .await?;
                crate::sql::RowExt::text(&row, "value")
            }

            async fn create_org(&self, org: &opending_domain::Org) -> crate::StoreResult<()> {
                let mut tx = self.writer().begin().await?;
                sqlx::query("INSERT INTO orgs (corp_id, name, created_at) VALUES ($1, $2, $3)")
                    .bind(org.corp_id.as_str())
                    .bind(&org.name)
                    .bind(org.created_at.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| crate::StoreError::from_write(e, "an org with this corpId"))?;
                Self::bump(&mut tx).await?;
                self.commit_change(tx).await
            }

            async fn rename_org(&self, corp_id: &opending_domain::CorpId, name: &str) -> crate::StoreResult<()> {
                let mut tx = self.writer().begin().await?;
                let done = sqlx::query("UPDATE orgs SET name = $2 WHERE corp_id = $1")
                    .bind(corp_id.as_str())
                    .bind(name)
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(crate::StoreError::NotFound(format!("org {corp_id}")));
                }
                Self::bump(&mut tx).await?;
                self.commit_change(tx).await
            }

            async fn get_org(&self, corp_id: &opending_domain::CorpId) -> crate::StoreResult<Option<opending_domain::Org>> {
                let row = sqlx::query("SELECT corp_id, name, created_at FROM orgs WHERE corp_id = $1")
                    .bind(corp_id.as_str())
                    .fetch_optional(self.reader())
                    .await?;
                row.as_ref().map(crate::sql::org).transpose()
            }

            async fn list_orgs(&self) -> crate::StoreResult<Vec<opending_domain::Org>> {
                let rows = sqlx::query("SELECT corp_id, name, created_at FROM orgs ORDER BY created_at, corp_id")
                    .fetch_all(self.reader())
                    .await?;
                rows.iter().map(crate::sql::org).collect()
            }

            async fn create_app(&self, app: &opending_domain::App) -> crate::StoreResult<()> {
                let mut tx = self.writer().begin().await?;
                sqlx::query(
                    "INSERT INTO apps (client_id, name, owner_corp_id, distribution, secret_hash, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(app.client_id.as_str())
                .bind(&app.name)
                .bind(app.owner_corp_id.as_str())
                .bind(app.distribution.as_str())
                .bind(app.secret_hash.to_hex())
                .bind(app.created_at.0)
                .execute(&mut *tx)
                .await
                .map_err(|e| crate::StoreError::from_write(e, "an app with this clientId"))?;
                Self::bump(&mut tx).await?;
                self.commit_change(tx).await
            }

            async fn get_app(&self, client_id: &opending_domain::ClientId) -> crate::StoreResult<Option<opending_domain::App>> {
                crate::reads::RequestReads::get_app(self, client_id).await
            }

            async fn list_apps(&self, owner: Option<&opending_domain::CorpId>) -> crate::StoreResult<Vec<opending_domain::App>> {
                let sql = format!(
                    "SELECT {} FROM apps WHERE ($1 IS NULL OR owner_corp_id = $1) ORDER BY created_at, client_id",
                    crate::sql::APP_COLUMNS
                );
                let rows = sqlx::query(&sql)
                    .bind(owner.map(|c| c.as_str().to_owned()))
                    .fetch_all(self.reader())
                    .await?;
                rows.iter().map(crate::sql::app).collect()
            }

            async fn rename_app(&self, client_id: &opending_domain::ClientId, name: &str) -> crate::StoreResult<()> {
                let mut tx = self.writer().begin().await?;
                let done = sqlx::query("UPDATE apps SET name = $2 WHERE client_id = $1")
                    .bind(client_id.as_str())
                    .bind(name)
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(crate::StoreError::NotFound(format!("app {client_id}")));
                }
                Self::bump(&mut tx).await?;
                self.commit_change(tx).await
            }

            async fn set_app_secret(&self, client_id: &opending_domain::ClientId, hash: &opending_domain::KeyedHash) -> crate::StoreResult<()> {
                let mut tx = self.writer().begin().await?;
                let done = sqlx::query("UPDATE apps SET secret_hash = $2 WHERE client_id = $1")
                    .bind(client_id.as_str())
                    .bind(hash.to_hex())
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(crate::StoreError::NotFound(format!("app {client_id}")));
                }
                // A new secret revokes every token of the app: app tokens, and users' tokens.
                Self::lock_revoked(&mut tx, crate::postgres::TokenLock::App(client_id.as_str())).await?;
                for table in ["app_tokens", "user_tokens", "refresh_tokens"] {
                    sqlx::query(&format!("DELETE FROM {table} WHERE client_id = $1"))
                        .bind(client_id.as_str())
                        .execute(&mut *tx)
                        .await?;
                }
                Self::bump(&mut tx).await?;
                self.commit_change(tx).await
            }

            async fn delete_app(&self, client_id: &opending_domain::ClientId) -> crate::StoreResult<()> {
                let mut tx = self.writer().begin().await?;
                let done = sqlx::query("DELETE FROM apps WHERE client_id = $1")
                    .bind(client_id.as_str())
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(crate::StoreError::NotFound(format!("app {client_id}")));
                }
                Self::bump(&mut tx).await?;
                self.commit_change(tx).await
            }

            async fn app_in_org(
                &self,
                client_id: &opending_domain::ClientId,
                corp_id: &opending_domain::CorpId,
            ) -> crate::StoreResult<Option<crate::AppInOrg>> {
                crate::reads::RequestReads::app_in_org(self, client_id, corp_id).await
            }

            async fn put_installation(&self, inst: &opending_domain::Installation) -> crate::StoreResult<()> {
                let mut tx = self.writer().begin().await?;
                sqlx::query(
                    "INSERT INTO installations (client_id, corp_id, status, created_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (client_id, corp_id) DO UPDATE SET status = excluded.status",
                )
                .bind(inst.client_id.as_str())
                .bind(inst.corp_id.as_str())
                .bind(inst.status.as_str())
                .bind(inst.created_at.0)
                .execute(&mut *tx)
                .await
                .map_err(|e| crate::StoreError::from_write(e, "an installation"))?;
                if inst.status != opending_domain::InstallationStatus::Active {
                    Self::delete_tokens_in_org(&mut tx, inst.client_id.as_str(), inst.corp_id.as_str()).await?;
                }
                Self::bump(&mut tx).await?;
                self.commit_change(tx).await
            }

            async fn get_installation(
                &self,
                client_id: &opending_domain::ClientId,
                corp_id: &opending_domain::CorpId,
            ) -> crate::StoreResult<Option<opending_domain::Installation>> {
                let row = sqlx::query(
                    "SELECT client_id, corp_id, status, created_at FROM installations WHERE client_id = $1 AND corp_id = $2",
                )
                .bind(client_id.as_str())
                .bind(corp_id.as_str())
                .fetch_optional(self.reader())
                .await?;
                row.as_ref().map(crate::sql::installation).transpose()
            }

            async fn list_installations(&self, filter: &crate::InstallationFilter) -> crate::StoreResult<Vec<opending_domain::Installation>> {
                let rows = sqlx::query(
                    "SELECT client_id, corp_id, status, created_at FROM installations \
                     WHERE ($1 IS NULL OR client_id = $1) AND ($2 IS NULL OR corp_id = $2) \
                     ORDER BY created_at, client_id, corp_id",
                )
                .bind(filter.client_id.as_ref().map(|c| c.as_str().to_owned()))
                .bind(filter.corp_id.as_ref().map(|c| c.as_str().to_owned()))
                .fetch_all(self.reader())
                .await?;
                rows.iter().map(crate::sql::installation).collect()
            }

            async fn delete_installation(
                &self,
                client_id: &opending_domain::ClientId,
                corp_id: &opending_domain::CorpId,
            ) -> crate::StoreResult<()> {
                let mut tx = self.writer().begin().await?;
                let done = sqlx::query("DELETE FROM installations WHERE client_id = $1 AND corp_id = $2")
                    .bind(client_id.as_str())
                    .bind(corp_id.as_str())
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(crate::StoreError::NotFound(format!("installation of {client_id} in {corp_id}")));
                }
                Self::delete_tokens_in_org(&mut tx, client_id.as_str(), corp_id.as_str()).await?;
                sqlx::query("DELETE FROM org_grants WHERE client_id = $1 AND corp_id = $2")
                    .bind(client_id.as_str())
                    .bind(corp_id.as_str())
                    .execute(&mut *tx)
                    .await?;
                Self::bump(&mut tx).await?;
                self.commit_change(tx).await
            }

            async fn issue_app_token(
                &self,
                candidate: &opending_domain::token::AppToken,
                now: opending_domain::UnixTime,
            ) -> crate::StoreResult<opending_domain::token::AppToken> {
                crate::writes::RequestWrites::issue_app_token(self, candidate, now).await
            }

            async fn find_app_token(&self, hash: &opending_domain::KeyedHash) -> crate::StoreResult<Option<opending_domain::token::AppToken>> {
                let row = sqlx::query(
                    "SELECT client_id, corp_id, nonce, token_hash, issued_at, expires_at FROM app_tokens WHERE token_hash = $1",
                )
                .bind(hash.to_hex())
                .fetch_optional(self.reader())
                .await?;
                row.as_ref().map(crate::sql::app_token).transpose()
            }

            async fn revoke_app_token(&self, hash: &opending_domain::KeyedHash) -> crate::StoreResult<bool> {
                let mut tx = self.writer().begin().await?;
                let done = sqlx::query("DELETE FROM app_tokens WHERE token_hash = $1")
                    .bind(hash.to_hex())
                    .execute(&mut *tx)
                    .await?;
                Self::bump(&mut tx).await?;
                self.commit_change(tx).await?;
                Ok(done.rows_affected() > 0)
            }

            async fn revoke_app_tokens(
                &self,
                client_id: &opending_domain::ClientId,
                corp_id: Option<&opending_domain::CorpId>,
            ) -> crate::StoreResult<u64> {
                let mut tx = self.writer().begin().await?;
                let mut revoked = 0;
                Self::lock_revoked(&mut tx, crate::postgres::TokenLock::App(client_id.as_str())).await?;
                // App tokens, and access tokens users gave the app (refresh tokens go too, so
                // they cannot mint new ones; only access tokens are counted).
                for table in ["app_tokens", "user_tokens", "refresh_tokens"] {
                    let done = sqlx::query(&format!("DELETE FROM {table} WHERE client_id = $1 AND ($2 IS NULL OR corp_id = $2)"))
                        .bind(client_id.as_str())
                        .bind(corp_id.map(|c| c.as_str().to_owned()))
                        .execute(&mut *tx)
                        .await?;
                    if table != "refresh_tokens" {
                        revoked += done.rows_affected();
                    }
                }
                Self::bump(&mut tx).await?;
                self.commit_change(tx).await?;
                Ok(revoked)
            }

            async fn ensure_point(&self, p: &opending_domain::PermissionPoint) -> crate::StoreResult<bool> {
                let done = sqlx::query(
                    "INSERT INTO permission_points (code, name, kind, grant_type, description, builtin) \
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (code) DO NOTHING",
                )
                .bind(p.code.as_str())
                .bind(&p.name)
                .bind(p.kind.as_str())
                .bind(p.grant_type.as_str())
                .bind(&p.description)
                .bind(i64::from(p.builtin))
                .execute(self.writer())
                .await?;
                Ok(done.rows_affected() > 0)
            }

            async fn update_point(&self, p: &opending_domain::PermissionPoint) -> crate::StoreResult<()> {
                let mut tx = self.writer().begin().await?;
                let done = sqlx::query(
                    "UPDATE permission_points SET name = $2, kind = $3, grant_type = $4, description = $5 \
                     WHERE code = $1 AND builtin = 0",
                )
                .bind(p.code.as_str())
                .bind(&p.name)
                .bind(p.kind.as_str())
                .bind(p.grant_type.as_str())
                .bind(&p.description)
                .execute(&mut *tx)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(crate::StoreError::NotFound(format!("custom point {}", p.code)));
                }
                Self::bump(&mut tx).await?;
                self.commit_change(tx).await
            }

            async fn list_points(&self) -> crate::StoreResult<Vec<opending_domain::PermissionPoint>> {
                let rows = sqlx::query(&format!("SELECT {} FROM permission_points ORDER BY code", crate::sql::POINT_COLUMNS))
                    .fetch_all(self.reader())
                    .await?;
                rows.iter().map(crate::sql::point).collect()
            }

            async fn get_point(&self, code: &opending_domain::PermissionCode) -> crate::StoreResult<Option<opending_domain::PermissionPoint>> {
                let row = sqlx::query(&format!("SELECT {} FROM permission_points WHERE code = $1", crate::sql::POINT_COLUMNS))
                    .bind(code.as_str())
                    .fetch_optional(self.reader())
                    .await?;
                row.as_ref().map(crate::sql::point).transpose()
            }

            async fn delete_point(&self, code: &opending_domain::PermissionCode) -> crate::StoreResult<()> {
                let mut tx = self.writer().begin().await?;
                let done = sqlx::query("DELETE FROM permission_points WHERE code = $1")
                    .bind(code.as_str())
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(crate::StoreError::NotFound(format!("point {code}")));
                }
                Self::bump(&mut tx).await?;
                self.commit_change(tx).await
            }

            async fn add_app_point(&self, client_id: &opending_domain::ClientId, code: &opending_domain::PermissionCode) -> crate::StoreResult<()> {
                let mut tx = self.writer().begin().await?;
                sqlx::query("INSERT INTO app_points (client_id, code) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                    .bind(client_id.as_str())
                    .bind(code.as_str())
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| crate::StoreError::from_write(e, "the app's point"))?;
                Self::bump(&mut tx).await?;
                self.commit_change(tx).await
            }

            async fn remove_app_point(&self, client_id: &opending_domain::ClientId, code: &opending_domain::PermissionCode) -> crate::StoreResult<bool> {
                let mut tx = self.writer().begin().await?;
                let done = sqlx::query("DELETE FROM app_points WHERE client_id = $1 AND code = $2")
                    .bind(client_id.as_str())
                    .bind(code.as_str())
                    .execute(&mut *tx)
                    .await?;
                Self::bump(&mut tx).await?;
                self.commit_change(tx).await?;
                Ok(done.rows_affected() > 0)
            }

            async fn list_app_points(&self, client_id: &opending_domain::ClientId) -> crate::StoreResult<Vec<opending_domain::PermissionPoint>> {
                let sql = format!(
                    "SELECT {} FROM permission_points WHERE code IN (SELECT code FROM app_points WHERE client_id = $1) ORDER BY code",
                    crate::sql::POINT_COLUMNS
                );
                let rows = sqlx::query(&sql).bind(client_id.as_str()).fetch_all(self.reader()).await?;
                rows.iter().map(crate::sql::point).collect()
            }

            async fn grant_org_point(
                &self,
                client_id: &opending_domain::ClientId,
                corp_id: &opending_domain::CorpId,
                code: &opending_domain::PermissionCode,
            ) -> crate::StoreResult<()> {
                let mut tx = self.writer().begin().await?;
                sqlx::query("INSERT INTO org_grants (client_id, corp_id, code) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
                    .bind(client_id.as_str())
                    .bind(corp_id.as_str())
                    .bind(code.as_str())
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| crate::StoreError::from_write(e, "the grant"))?;
                Self::bump(&mut tx).await?;
                self.commit_change(tx).await
            }

            async fn revoke_org_point(
                &self,
                client_id: &opending_domain::ClientId,
                corp_id: &opending_domain::CorpId,
                code: &opending_domain::PermissionCode,
            ) -> crate::StoreResult<bool> {
                let mut tx = self.writer().begin().await?;
                let done = sqlx::query("DELETE FROM org_grants WHERE client_id = $1 AND corp_id = $2 AND code = $3")
                    .bind(client_id.as_str())
                    .bind(corp_id.as_str())
                    .bind(code.as_str())
                    .execute(&mut *tx)
                    .await?;
                Self::bump(&mut tx).await?;
                self.commit_change(tx).await?;
                Ok(done.rows_affected() > 0)
            }

            async fn list_org_grants(
                &self,
                client_id: &opending_domain::ClientId,
                corp_id: &opending_domain::CorpId,
            ) -> crate::StoreResult<Vec<opending_domain::PermissionCode>> {
                let rows = sqlx::query("SELECT code FROM org_grants WHERE client_id = $1 AND corp_id = $2 ORDER BY code")
                    .bind(client_id.as_str())
                    .bind(corp_id.as_str())
                    .fetch_all(self.reader())
                    .await?;
                rows.iter().map(|r| crate::sql::code(r, "code")).collect()
            }

            async fn list_app_type_points(&self, client_id: &opending_domain::ClientId) -> crate::StoreResult<Vec<opending_domain::PermissionCode>> {
                let rows = sqlx::query(
                    "SELECT ap.code FROM app_points ap JOIN permission_points p ON p.code = ap.code \
                     WHERE ap.client_id = $1 AND p.grant_type = 'app' ORDER BY ap.code",
                )
                .bind(client_id.as_str())
                .fetch_all(self.reader())
                .await?;
                rows.iter().map(|r| crate::sql::code(r, "code")).collect()
            }

            async fn get_org_auth_info(&self, corp_id: &opending_domain::CorpId) -> crate::StoreResult<Option<opending_domain::OrgAuthInfo>> {
                let row = sqlx::query(
                    "SELECT auth_level, license_org_name, registration_num, unified_social_credit, \
                            organization_code, legal_person, license_url FROM org_auth_info WHERE corp_id = $1",
                )
                .bind(corp_id.as_str())
                .fetch_optional(self.reader())
                .await?;
                let Some(r) = row else { return Ok(None) };
                use crate::sql::RowExt;
                Ok(Some(opending_domain::OrgAuthInfo {
                    auth_level: r.int("auth_level")?,
                    license_org_name: r.opt_text("license_org_name")?,
                    registration_num: r.opt_text("registration_num")?,
                    unified_social_credit: r.opt_text("unified_social_credit")?,
                    organization_code: r.opt_text("organization_code")?,
                    legal_person: r.opt_text("legal_person")?,
                    license_url: r.opt_text("license_url")?,
                }))
            }

            async fn put_org_auth_info(&self, corp_id: &opending_domain::CorpId, i: &opending_domain::OrgAuthInfo) -> crate::StoreResult<()> {
                let mut tx = self.writer().begin().await?;
                sqlx::query(
                    "INSERT INTO org_auth_info (corp_id, auth_level, license_org_name, registration_num, \
                         unified_social_credit, organization_code, legal_person, license_url) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                     ON CONFLICT (corp_id) DO UPDATE SET auth_level = excluded.auth_level, \
                         license_org_name = excluded.license_org_name, registration_num = excluded.registration_num, \
                         unified_social_credit = excluded.unified_social_credit, \
                         organization_code = excluded.organization_code, legal_person = excluded.legal_person, \
                         license_url = excluded.license_url",
                )
                .bind(corp_id.as_str())
                .bind(i.auth_level)
                .bind(&i.license_org_name)
                .bind(&i.registration_num)
                .bind(&i.unified_social_credit)
                .bind(&i.organization_code)
                .bind(&i.legal_person)
                .bind(&i.license_url)
                .execute(&mut *tx)
                .await
                .map_err(|e| crate::StoreError::from_write(e, "the org's certification info"))?;
                Self::bump(&mut tx).await?;
                self.commit_change(tx).await
            }

            async fn wipe(&self) -> crate::StoreResult<()> {
                let mut tx = self.writer().begin().await?;
                for table in [
                    "auth_requests", "user_grants", "refresh_tokens", "user_tokens", "auth_codes", "sessions",
                    "app_uris", "memberships", "users", "org_auth_info", "org_grants", "app_points",
                    "app_tokens", "installations", "apps", "orgs",
                ] {
                    sqlx::query(&format!("DELETE FROM {table}")).execute(&mut *tx).await?;
                }
                sqlx::query("DELETE FROM permission_points WHERE builtin = 0").execute(&mut *tx).await?;
                sqlx::query("DELETE FROM meta WHERE name = 'demo_world'").execute(&mut *tx).await?;
                Self::bump(&mut tx).await?;
                self.commit_change(tx).await
            }

            async fn list_app_tokens(&self) -> crate::StoreResult<Vec<opending_domain::token::AppToken>> {
                let rows = sqlx::query(
                    "SELECT client_id, corp_id, nonce, token_hash, issued_at, expires_at FROM app_tokens ORDER BY issued_at, client_id, corp_id",
                )
                .fetch_all(self.reader())
                .await?;
                rows.iter().map(crate::sql::app_token).collect()
            }

            async fn expire_app_token(&self, hash: &opending_domain::KeyedHash, at: opending_domain::UnixTime) -> crate::StoreResult<bool> {
                let mut tx = self.writer().begin().await?;
                let done = sqlx::query("UPDATE app_tokens SET expires_at = $2 WHERE token_hash = $1")
                    .bind(hash.to_hex())
                    .bind(at.0)
                    .execute(&mut *tx)
                    .await?;
                Self::bump(&mut tx).await?;
                self.commit_change(tx).await?;
                Ok(done.rows_affected() > 0)
            }

            async fn fresh_change_seq(&self) -> crate::StoreResult<i64> {
                self.fresh_seq().await
            }

            async fn change_seq(&self) -> crate::StoreResult<i64> {
                let row = sqlx::query("SELECT value FROM meta WHERE name = 'change_seq'")
                    .fetch_one(self.reader())
                    .await?;
                let v = crate::sql::RowExt::text(&row, "value")?;
                v.parse().map_err(|e| crate::StoreError::Corrupt(format!("change_seq: {e}")))
            }
        }
    };
}
pub(crate) use impl_store;
