//! The SQL of [`crate::DelegationStore`], written once for both backends.

use opending_domain::{
    grant::{split_codes, AuthCode, AuthRequest, UserGrant, UserTokenRecord},
    Membership, UnionId, UnixTime, User,
};

use crate::{
    sql::{client_id, corp_id, hash, RowExt},
    StoreError, StoreResult,
};

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}

pub(crate) fn union_id(r: &impl RowExt, col: &str) -> StoreResult<UnionId> {
    UnionId::parse(r.text(col)?).map_err(|e| corrupt(col, e))
}

fn opt_corp(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

pub(crate) const USER_COLUMNS: &str =
    "union_id, login, nick, avatar_url, mobile, state_code, email, created_at";

pub(crate) fn user(r: &impl RowExt) -> StoreResult<User> {
    Ok(User {
        union_id: union_id(r, "union_id")?,
        login: r.text("login")?,
        nick: r.text("nick")?,
        avatar_url: r.text("avatar_url")?,
        mobile: r.opt_text("mobile")?,
        state_code: r.opt_text("state_code")?,
        email: r.opt_text("email")?,
        created_at: UnixTime(r.int("created_at")?),
    })
}

pub(crate) fn membership(r: &impl RowExt) -> StoreResult<Membership> {
    Ok(Membership {
        corp_id: corp_id(r, "corp_id")?,
        union_id: union_id(r, "union_id")?,
        role: r.text("role")?.parse().map_err(|e| corrupt("role", e))?,
    })
}

pub(crate) const CODE_COLUMNS: &str =
    "code_hash, client_id, union_id, corp_id, scopes, redirect_uri, created_at, expires_at, used_at";

pub(crate) fn code(r: &impl RowExt) -> StoreResult<AuthCode> {
    Ok(AuthCode {
        code_hash: hash(r, "code_hash")?,
        client_id: client_id(r, "client_id")?,
        union_id: union_id(r, "union_id")?,
        corp_id: opt_corp(r.text("corp_id")?),
        scopes: split_codes(&r.text("scopes")?),
        redirect_uri: r.opt_text("redirect_uri")?,
        created_at: UnixTime(r.int("created_at")?),
        expires_at: UnixTime(r.int("expires_at")?),
        used_at: r.opt_int("used_at")?.map(UnixTime),
    })
}

pub(crate) const TOKEN_COLUMNS: &str =
    "token_hash, family, client_id, union_id, corp_id, scopes, issued_at, expires_at";

pub(crate) fn token(r: &impl RowExt, rotated: bool) -> StoreResult<UserTokenRecord> {
    Ok(UserTokenRecord {
        token_hash: hash(r, "token_hash")?,
        family: r.text("family")?,
        client_id: client_id(r, "client_id")?,
        union_id: union_id(r, "union_id")?,
        corp_id: opt_corp(r.text("corp_id")?),
        scopes: split_codes(&r.text("scopes")?),
        issued_at: UnixTime(r.int("issued_at")?),
        expires_at: UnixTime(r.int("expires_at")?),
        rotated_at: if rotated {
            r.opt_int("rotated_at")?.map(UnixTime)
        } else {
            None
        },
    })
}

pub(crate) fn grant(r: &impl RowExt) -> StoreResult<UserGrant> {
    Ok(UserGrant {
        client_id: client_id(r, "client_id")?,
        corp_id: r.text("corp_id")?,
        code: crate::sql::code(r, "code")?,
        granted_at: UnixTime(r.int("granted_at")?),
    })
}

pub(crate) const REQUEST_COLUMNS: &str =
    "id, client_id, corp_id, requested_by, points, status, created_at, decided_by";

pub(crate) fn request(r: &impl RowExt) -> StoreResult<AuthRequest> {
    Ok(AuthRequest {
        id: r.text("id")?,
        client_id: client_id(r, "client_id")?,
        corp_id: corp_id(r, "corp_id")?,
        requested_by: union_id(r, "requested_by")?,
        points: split_codes(&r.text("points")?),
        status: r
            .text("status")?
            .parse()
            .map_err(|e| corrupt("status", e))?,
        created_at: UnixTime(r.int("created_at")?),
        decided_by: r
            .opt_text("decided_by")?
            .map(UnionId::parse)
            .transpose()
            .map_err(|e| corrupt("decided_by", e))?,
    })
}

/// Expands [`crate::DelegationStore`] for a backend (same contract as `impl_store!`).
macro_rules! impl_delegation_store {
    ($ty:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl crate::DelegationStore for $ty {
            async fn create_user(&self, u: &opending_domain::User, password_hash: &str) -> crate::StoreResult<()> {
                sqlx::query(
                    "INSERT INTO users (union_id, login, nick, avatar_url, mobile, state_code, email, password_hash, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(u.union_id.as_str())
                .bind(&u.login)
                .bind(&u.nick)
                .bind(&u.avatar_url)
                .bind(&u.mobile)
                .bind(&u.state_code)
                .bind(&u.email)
                .bind(password_hash)
                .bind(u.created_at.0)
                .execute(self.writer())
                .await
                .map_err(|e| crate::StoreError::from_write(e, "a user with this unionId or login"))?;
                Ok(())
            }

            async fn update_user(&self, u: &opending_domain::User) -> crate::StoreResult<()> {
                let done = sqlx::query(
                    "UPDATE users SET login = $2, nick = $3, avatar_url = $4, mobile = $5, state_code = $6, email = $7 \
                     WHERE union_id = $1",
                )
                .bind(u.union_id.as_str())
                .bind(&u.login)
                .bind(&u.nick)
                .bind(&u.avatar_url)
                .bind(&u.mobile)
                .bind(&u.state_code)
                .bind(&u.email)
                .execute(self.writer())
                .await
                .map_err(|e| crate::StoreError::from_write(e, "a user with this login"))?;
                if done.rows_affected() == 0 {
                    return Err(crate::StoreError::NotFound(format!("user {}", u.union_id)));
                }
                Ok(())
            }

            async fn set_password(&self, union_id: &opending_domain::UnionId, password_hash: &str) -> crate::StoreResult<()> {
                let mut tx = self.writer().begin().await?;
                let done = sqlx::query("UPDATE users SET password_hash = $2 WHERE union_id = $1")
                    .bind(union_id.as_str())
                    .bind(password_hash)
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(crate::StoreError::NotFound(format!("user {union_id}")));
                }
                // A new password ends every session.
                sqlx::query("DELETE FROM sessions WHERE union_id = $1")
                    .bind(union_id.as_str())
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn get_user(&self, union_id: &opending_domain::UnionId) -> crate::StoreResult<Option<opending_domain::User>> {
                let row = sqlx::query(&format!("SELECT {} FROM users WHERE union_id = $1", crate::sql_delegation::USER_COLUMNS))
                    .bind(union_id.as_str())
                    .fetch_optional(self.reader())
                    .await?;
                row.as_ref().map(crate::sql_delegation::user).transpose()
            }

            async fn get_user_by_login(&self, login: &str) -> crate::StoreResult<Option<(opending_domain::User, String)>> {
                let row = sqlx::query(&format!(
                    "SELECT {}, password_hash FROM users WHERE login = $1",
                    crate::sql_delegation::USER_COLUMNS
                ))
                .bind(login)
                .fetch_optional(self.reader())
                .await?;
                match row {
                    Some(r) => Ok(Some((crate::sql_delegation::user(&r)?, crate::sql::RowExt::text(&r, "password_hash")?))),
                    None => Ok(None),
                }
            }

            async fn list_users(&self) -> crate::StoreResult<Vec<opending_domain::User>> {
                let rows = sqlx::query(&format!("SELECT {} FROM users ORDER BY login", crate::sql_delegation::USER_COLUMNS))
                    .fetch_all(self.reader())
                    .await?;
                rows.iter().map(crate::sql_delegation::user).collect()
            }

            async fn delete_user(&self, union_id: &opending_domain::UnionId) -> crate::StoreResult<()> {
                let mut tx = self.writer().begin().await?;
                let done = sqlx::query("DELETE FROM users WHERE union_id = $1")
                    .bind(union_id.as_str())
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(crate::StoreError::NotFound(format!("user {union_id}")));
                }
                Self::bump(&mut tx).await?;
                self.commit_change(tx).await
            }

            async fn put_membership(&self, m: &opending_domain::Membership) -> crate::StoreResult<()> {
                let mut tx = self.writer().begin().await?;
                sqlx::query(
                    "INSERT INTO memberships (corp_id, union_id, role) VALUES ($1, $2, $3) \
                     ON CONFLICT (corp_id, union_id) DO UPDATE SET role = excluded.role",
                )
                .bind(m.corp_id.as_str())
                .bind(m.union_id.as_str())
                .bind(m.role.as_str())
                .execute(&mut *tx)
                .await
                .map_err(|e| crate::StoreError::from_write(e, "the membership"))?;
                Self::bump(&mut tx).await?;
                self.commit_change(tx).await
            }

            async fn delete_membership(&self, corp: &opending_domain::CorpId, union_id: &opending_domain::UnionId) -> crate::StoreResult<()> {
                let mut tx = self.writer().begin().await?;
                let done = sqlx::query("DELETE FROM memberships WHERE corp_id = $1 AND union_id = $2")
                    .bind(corp.as_str())
                    .bind(union_id.as_str())
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(crate::StoreError::NotFound(format!("membership of {union_id} in {corp}")));
                }
                // What the user holds in that org goes with the membership: tokens and codes
                // issued for it, and those issued without an org by its internal apps (their
                // org is the app's owner org).
                Self::lock_revoked(&mut tx, crate::postgres::TokenLock::User(union_id.as_str())).await?;
                for table in ["user_tokens", "refresh_tokens", "auth_codes"] {
                    sqlx::query(&format!(
                        "DELETE FROM {table} WHERE union_id = $2 AND (corp_id = $1 OR (corp_id = '' \
                         AND client_id IN (SELECT client_id FROM apps WHERE owner_corp_id = $1)))"
                    ))
                    .bind(corp.as_str())
                    .bind(union_id.as_str())
                    .execute(&mut *tx)
                    .await?;
                }
                Self::bump(&mut tx).await?;
                self.commit_change(tx).await
            }

            async fn get_role(&self, corp: &opending_domain::CorpId, union_id: &opending_domain::UnionId) -> crate::StoreResult<Option<opending_domain::Role>> {
                let row = sqlx::query("SELECT role FROM memberships WHERE corp_id = $1 AND union_id = $2")
                    .bind(corp.as_str())
                    .bind(union_id.as_str())
                    .fetch_optional(self.reader())
                    .await?;
                match row {
                    Some(r) => Ok(Some(crate::sql::RowExt::text(&r, "role")?.parse().map_err(crate::StoreError::Corrupt)?)),
                    None => Ok(None),
                }
            }

            async fn memberships_of(&self, union_id: &opending_domain::UnionId) -> crate::StoreResult<Vec<opending_domain::Membership>> {
                let rows = sqlx::query("SELECT corp_id, union_id, role FROM memberships WHERE union_id = $1 ORDER BY corp_id")
                    .bind(union_id.as_str())
                    .fetch_all(self.reader())
                    .await?;
                rows.iter().map(crate::sql_delegation::membership).collect()
            }

            async fn members_of(&self, corp: &opending_domain::CorpId) -> crate::StoreResult<Vec<opending_domain::Membership>> {
                let rows = sqlx::query("SELECT corp_id, union_id, role FROM memberships WHERE corp_id = $1 ORDER BY union_id")
                    .bind(corp.as_str())
                    .fetch_all(self.reader())
                    .await?;
                rows.iter().map(crate::sql_delegation::membership).collect()
            }

            async fn add_app_uri(&self, client: &opending_domain::ClientId, kind: crate::UriKind, uri: &str) -> crate::StoreResult<()> {
                sqlx::query("INSERT INTO app_uris (client_id, kind, uri) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
                    .bind(client.as_str())
                    .bind(kind.as_str())
                    .bind(uri)
                    .execute(self.writer())
                    .await
                    .map_err(|e| crate::StoreError::from_write(e, "the URI"))?;
                Ok(())
            }

            async fn remove_app_uri(&self, client: &opending_domain::ClientId, kind: crate::UriKind, uri: &str) -> crate::StoreResult<bool> {
                let mut tx = self.writer().begin().await?;
                let done = sqlx::query("DELETE FROM app_uris WHERE client_id = $1 AND kind = $2 AND uri = $3")
                    .bind(client.as_str())
                    .bind(kind.as_str())
                    .bind(uri)
                    .execute(&mut *tx)
                    .await?;
                if kind == crate::UriKind::Redirect {
                    // A code is bound to its redirect URI: unused codes sent to this one die with it.
                    sqlx::query("DELETE FROM auth_codes WHERE client_id = $1 AND redirect_uri = $2 AND used_at IS NULL")
                        .bind(client.as_str())
                        .bind(uri)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(done.rows_affected() > 0)
            }

            async fn app_uris(&self, client: &opending_domain::ClientId, kind: crate::UriKind) -> crate::StoreResult<Vec<String>> {
                let rows = sqlx::query("SELECT uri FROM app_uris WHERE client_id = $1 AND kind = $2 ORDER BY uri")
                    .bind(client.as_str())
                    .bind(kind.as_str())
                    .fetch_all(self.reader())
                    .await?;
                rows.iter().map(|r| crate::sql::RowExt::text(r, "uri")).collect()
            }

            async fn create_session(
                &self,
                id_hash: &opending_domain::KeyedHash,
                union_id: &opending_domain::UnionId,
                now: opending_domain::UnixTime,
                expires_at: opending_domain::UnixTime,
            ) -> crate::StoreResult<()> {
                sqlx::query("INSERT INTO sessions (id_hash, union_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
                    .bind(id_hash.to_hex())
                    .bind(union_id.as_str())
                    .bind(now.0)
                    .bind(expires_at.0)
                    .execute(self.writer())
                    .await
                    .map_err(|e| crate::StoreError::from_write(e, "the session"))?;
                Ok(())
            }

            async fn session_user(&self, id_hash: &opending_domain::KeyedHash, now: opending_domain::UnixTime) -> crate::StoreResult<Option<opending_domain::UnionId>> {
                let row = sqlx::query("SELECT union_id FROM sessions WHERE id_hash = $1 AND expires_at > $2")
                    .bind(id_hash.to_hex())
                    .bind(now.0)
                    .fetch_optional(self.reader())
                    .await?;
                row.as_ref().map(|r| crate::sql_delegation::union_id(r, "union_id")).transpose()
            }

            async fn delete_session(&self, id_hash: &opending_domain::KeyedHash) -> crate::StoreResult<()> {
                sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
                    .bind(id_hash.to_hex())
                    .execute(self.writer())
                    .await?;
                Ok(())
            }

            async fn create_code(&self, c: &opending_domain::grant::AuthCode) -> crate::StoreResult<()> {
                crate::writes::RequestWrites::create_code(self, c).await
            }

            async fn redeem_code(
                &self,
                code_hash: &opending_domain::KeyedHash,
                now: opending_domain::UnixTime,
                tokens_for: crate::TokensFor,
            ) -> crate::StoreResult<opending_domain::grant::CodeUse> {
                crate::writes::RequestWrites::redeem_code(self, code_hash, now, tokens_for).await
            }

            async fn find_user_token(&self, h: &opending_domain::KeyedHash) -> crate::StoreResult<Option<opending_domain::grant::UserTokenRecord>> {
                let row = sqlx::query(&format!("SELECT {} FROM user_tokens WHERE token_hash = $1", crate::sql_delegation::TOKEN_COLUMNS))
                    .bind(h.to_hex())
                    .fetch_optional(self.reader())
                    .await?;
                row.as_ref().map(|r| crate::sql_delegation::token(r, false)).transpose()
            }

            async fn find_refresh_token(&self, h: &opending_domain::KeyedHash) -> crate::StoreResult<Option<opending_domain::grant::UserTokenRecord>> {
                crate::reads::RequestReads::find_refresh_token(self, h).await
            }

            async fn rotate_refresh(
                &self,
                old: &opending_domain::KeyedHash,
                now: opending_domain::UnixTime,
                access: &opending_domain::grant::UserTokenRecord,
                refresh: &opending_domain::grant::UserTokenRecord,
            ) -> crate::StoreResult<bool> {
                crate::writes::RequestWrites::rotate_refresh(self, old, now, access, refresh).await
            }

            async fn revoke_family(&self, family: &str) -> crate::StoreResult<u64> {
                let mut tx = self.writer().begin().await?;
                // Waits for, and then keeps out, any rotation in this family.
                Self::lock_revoked(&mut tx, crate::postgres::TokenLock::Family(family)).await?;
                let a = sqlx::query("DELETE FROM user_tokens WHERE family = $1").bind(family).execute(&mut *tx).await?;
                let r = sqlx::query("DELETE FROM refresh_tokens WHERE family = $1").bind(family).execute(&mut *tx).await?;
                Self::bump(&mut tx).await?;
                self.commit_change(tx).await?;
                Ok(a.rows_affected() + r.rows_affected())
            }

            async fn revoke_user_token(&self, h: &opending_domain::KeyedHash) -> crate::StoreResult<bool> {
                let mut tx = self.writer().begin().await?;
                let done = sqlx::query("DELETE FROM user_tokens WHERE token_hash = $1").bind(h.to_hex()).execute(&mut *tx).await?;
                Self::bump(&mut tx).await?;
                self.commit_change(tx).await?;
                Ok(done.rows_affected() > 0)
            }

            async fn add_user_grants(
                &self,
                client: &opending_domain::ClientId,
                union_id: &opending_domain::UnionId,
                corp: &str,
                codes: &[opending_domain::PermissionCode],
                now: opending_domain::UnixTime,
            ) -> crate::StoreResult<()> {
                let mut tx = self.writer().begin().await?;
                for code in codes {
                    sqlx::query(
                        "INSERT INTO user_grants (client_id, union_id, corp_id, code, granted_at) VALUES ($1, $2, $3, $4, $5) \
                         ON CONFLICT (client_id, union_id, corp_id, code) DO UPDATE SET granted_at = excluded.granted_at",
                    )
                    .bind(client.as_str())
                    .bind(union_id.as_str())
                    .bind(corp)
                    .bind(code.as_str())
                    .bind(now.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| crate::StoreError::from_write(e, "the consent"))?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn user_grants(&self, union_id: &opending_domain::UnionId) -> crate::StoreResult<Vec<opending_domain::grant::UserGrant>> {
                let rows = sqlx::query(
                    "SELECT client_id, corp_id, code, granted_at FROM user_grants WHERE union_id = $1 ORDER BY client_id, corp_id, code",
                )
                .bind(union_id.as_str())
                .fetch_all(self.reader())
                .await?;
                rows.iter().map(crate::sql_delegation::grant).collect()
            }

            async fn revoke_user_app(&self, client: &opending_domain::ClientId, union_id: &opending_domain::UnionId) -> crate::StoreResult<u64> {
                let mut tx = self.writer().begin().await?;
                Self::lock_revoked(&mut tx, crate::postgres::TokenLock::User(union_id.as_str())).await?;
                sqlx::query("DELETE FROM user_grants WHERE client_id = $1 AND union_id = $2")
                    .bind(client.as_str()).bind(union_id.as_str()).execute(&mut *tx).await?;
                let a = sqlx::query("DELETE FROM user_tokens WHERE client_id = $1 AND union_id = $2")
                    .bind(client.as_str()).bind(union_id.as_str()).execute(&mut *tx).await?;
                let r = sqlx::query("DELETE FROM refresh_tokens WHERE client_id = $1 AND union_id = $2")
                    .bind(client.as_str()).bind(union_id.as_str()).execute(&mut *tx).await?;
                Self::bump(&mut tx).await?;
                self.commit_change(tx).await?;
                Ok(a.rows_affected() + r.rows_affected())
            }

            async fn list_user_tokens(&self) -> crate::StoreResult<Vec<opending_domain::grant::UserTokenRecord>> {
                let rows = sqlx::query(&format!("SELECT {} FROM user_tokens ORDER BY issued_at, token_hash", crate::sql_delegation::TOKEN_COLUMNS))
                    .fetch_all(self.reader())
                    .await?;
                rows.iter().map(|r| crate::sql_delegation::token(r, false)).collect()
            }

            async fn list_codes(&self) -> crate::StoreResult<Vec<opending_domain::grant::AuthCode>> {
                let rows = sqlx::query(&format!("SELECT {} FROM auth_codes ORDER BY created_at, code_hash", crate::sql_delegation::CODE_COLUMNS))
                    .fetch_all(self.reader())
                    .await?;
                rows.iter().map(crate::sql_delegation::code).collect()
            }

            async fn expire_user_token_or_code(&self, h: &opending_domain::KeyedHash, at: opending_domain::UnixTime) -> crate::StoreResult<bool> {
                let mut tx = self.writer().begin().await?;
                let a = sqlx::query("UPDATE user_tokens SET expires_at = $2 WHERE token_hash = $1")
                    .bind(h.to_hex()).bind(at.0).execute(&mut *tx).await?;
                let c = sqlx::query("UPDATE auth_codes SET expires_at = $2 WHERE code_hash = $1")
                    .bind(h.to_hex()).bind(at.0).execute(&mut *tx).await?;
                Self::bump(&mut tx).await?;
                self.commit_change(tx).await?;
                Ok(a.rows_affected() + c.rows_affected() > 0)
            }

            async fn create_auth_request(&self, r: &opending_domain::grant::AuthRequest) -> crate::StoreResult<()> {
                sqlx::query(
                    "INSERT INTO auth_requests (id, client_id, corp_id, requested_by, points, status, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&r.id)
                .bind(r.client_id.as_str())
                .bind(r.corp_id.as_str())
                .bind(r.requested_by.as_str())
                .bind(opending_domain::grant::join_codes(&r.points))
                .bind(r.status.as_str())
                .bind(r.created_at.0)
                .execute(self.writer())
                .await
                .map_err(|e| crate::StoreError::from_write(e, "the request"))?;
                Ok(())
            }

            async fn auth_requests(&self, corp: &opending_domain::CorpId, status: opending_domain::grant::RequestStatus) -> crate::StoreResult<Vec<opending_domain::grant::AuthRequest>> {
                let rows = sqlx::query(&format!(
                    "SELECT {} FROM auth_requests WHERE corp_id = $1 AND status = $2 ORDER BY created_at, id",
                    crate::sql_delegation::REQUEST_COLUMNS
                ))
                .bind(corp.as_str())
                .bind(status.as_str())
                .fetch_all(self.reader())
                .await?;
                rows.iter().map(crate::sql_delegation::request).collect()
            }

            async fn get_auth_request(&self, id: &str) -> crate::StoreResult<Option<opending_domain::grant::AuthRequest>> {
                let row = sqlx::query(&format!("SELECT {} FROM auth_requests WHERE id = $1", crate::sql_delegation::REQUEST_COLUMNS))
                    .bind(id)
                    .fetch_optional(self.reader())
                    .await?;
                row.as_ref().map(crate::sql_delegation::request).transpose()
            }

            async fn decide_auth_request(
                &self,
                id: &str,
                status: opending_domain::grant::RequestStatus,
                by: &opending_domain::UnionId,
                at: opending_domain::UnixTime,
            ) -> crate::StoreResult<bool> {
                let done = sqlx::query(
                    "UPDATE auth_requests SET status = $2, decided_by = $3, decided_at = $4 WHERE id = $1 AND status = 'pending'",
                )
                .bind(id)
                .bind(status.as_str())
                .bind(by.as_str())
                .bind(at.0)
                .execute(self.writer())
                .await?;
                Ok(done.rows_affected() > 0)
            }
        }
    };
}
pub(crate) use impl_delegation_store;
