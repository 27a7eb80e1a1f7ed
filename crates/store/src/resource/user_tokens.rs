//! Users' access and refresh tokens: a family per code exchange, refresh tokens rotated.

use async_trait::async_trait;
use opending_domain::{
    grant::{join_codes, split_codes, UserTokenRecord},
    KeyedHash, UnixTime,
};

use crate::{
    backend::Backend,
    exec::{stmt, Row, Stmt, TokenLock, Tx},
    StoreResult,
};

/// User access and refresh tokens.
#[async_trait]
pub trait UserTokenStore: Send + Sync {
    /// A user access token by hash.
    async fn find_user_token(&self, hash: &KeyedHash) -> StoreResult<Option<UserTokenRecord>>;
    /// A refresh token by hash (with when it was rotated, if it was).
    async fn find_refresh_token(&self, hash: &KeyedHash) -> StoreResult<Option<UserTokenRecord>>;
    /// Rotates a refresh token: marks `old` rotated and stores its successor pair, in one
    /// transaction. Returns false, storing nothing, when `old` was rotated before or is gone.
    async fn rotate_refresh(
        &self,
        old: &KeyedHash,
        now: UnixTime,
        access: &UserTokenRecord,
        refresh: &UserTokenRecord,
    ) -> StoreResult<bool>;
    /// Revokes every access and refresh token of a family; returns how many.
    async fn revoke_family(&self, family: &str) -> StoreResult<u64>;
    /// Revokes one user access token; returns whether it existed.
    async fn revoke_user_token(&self, hash: &KeyedHash) -> StoreResult<bool>;
    /// Every user access token, oldest first.
    async fn list_user_tokens(&self) -> StoreResult<Vec<UserTokenRecord>>;
    /// Makes a user access token or a code expire at `at`; returns whether one existed.
    async fn expire_user_token_or_code(&self, hash: &KeyedHash, at: UnixTime) -> StoreResult<bool>;
}

/// The token row's columns (both tables), for `concat!`.
macro_rules! token_columns {
    () => {
        "token_hash, family, client_id, union_id, corp_id, scopes, issued_at, expires_at"
    };
}

fn token(r: &dyn Row) -> StoreResult<UserTokenRecord> {
    Ok(UserTokenRecord {
        token_hash: super::hash(r, "token_hash")?,
        family: r.text("family")?,
        client_id: super::client_id(r, "client_id")?,
        union_id: super::union_id(r, "union_id")?,
        corp_id: super::opt_corp(r, "corp_id")?,
        scopes: split_codes(&r.text("scopes")?),
        issued_at: UnixTime(r.int("issued_at")?),
        expires_at: UnixTime(r.int("expires_at")?),
        rotated_at: None,
    })
}

fn refresh_token(r: &dyn Row) -> StoreResult<UserTokenRecord> {
    Ok(UserTokenRecord {
        rotated_at: r.opt_int("rotated_at")?.map(UnixTime),
        ..token(r)?
    })
}

/// Stores a user's access token (`refresh: false`) or refresh token.
fn insert(t: &UserTokenRecord, refresh: bool) -> Stmt {
    const ACCESS: &str = concat!(
        "INSERT INTO user_tokens (",
        token_columns!(),
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    );
    const REFRESH: &str = concat!(
        "INSERT INTO refresh_tokens (",
        token_columns!(),
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    );
    stmt!(
        if refresh { REFRESH } else { ACCESS },
        t.token_hash.to_hex(),
        t.family.as_str(),
        t.client_id.as_str(),
        t.union_id.as_str(),
        t.corp_id.clone().unwrap_or_default(),
        join_codes(&t.scopes),
        t.issued_at.0,
        t.expires_at.0
    )
}

/// An access token and its refresh token, to store together ([`store_pair`]).
pub(crate) struct Pair([Stmt; 2]);

impl Pair {
    pub(crate) fn new(access: &UserTokenRecord, refresh: &UserTokenRecord) -> Self {
        Self([insert(access, false), insert(refresh, true)])
    }
}

/// Stores a token pair inside `tx`.
pub(crate) async fn store_pair(tx: &mut dyn Tx, pair: &Pair) -> StoreResult<()> {
    for insert in &pair.0 {
        tx.execute(insert).await?;
    }
    Ok(())
}

#[async_trait]
impl<B: Backend> UserTokenStore for B {
    async fn find_user_token(&self, hash: &KeyedHash) -> StoreResult<Option<UserTokenRecord>> {
        const FIND: &str = concat!(
            "SELECT ",
            token_columns!(),
            " FROM user_tokens WHERE token_hash = $1"
        );
        self.one(stmt!(FIND, hash.to_hex()), token).await
    }

    async fn find_refresh_token(&self, hash: &KeyedHash) -> StoreResult<Option<UserTokenRecord>> {
        const FIND: &str = concat!(
            "SELECT ",
            token_columns!(),
            ", rotated_at FROM refresh_tokens WHERE token_hash = $1"
        );
        self.one(stmt!(FIND, hash.to_hex()), refresh_token).await
    }

    async fn rotate_refresh(
        &self,
        old: &KeyedHash,
        now: UnixTime,
        access: &UserTokenRecord,
        refresh: &UserTokenRecord,
    ) -> StoreResult<bool> {
        // Changes no row when `old` was rotated before (or is gone).
        let mark = stmt!(
            "UPDATE refresh_tokens SET rotated_at = $2 WHERE token_hash = $1 AND rotated_at IS NULL",
            old.to_hex(),
            now.0
        );
        let pair = Pair::new(access, refresh);
        let locks = (
            access.union_id.as_str().to_owned(),
            access.client_id.as_str().to_owned(),
            access.family.clone(),
        );
        self.write(move |tx| {
            Box::pin(async move {
                // Serialized with every revocation that could cover the new pair (TokenLock).
                tx.lock_for_new_pair(&locks.0, &locks.1, &locks.2).await?;
                if tx.execute(&mark).await? == 0 {
                    return Ok(false);
                }
                store_pair(tx, &pair).await?;
                Ok(true)
            })
        })
        .await
    }

    async fn revoke_family(&self, family: &str) -> StoreResult<u64> {
        let family = family.to_owned();
        self.change(move |tx| {
            Box::pin(async move {
                // Waits for, and then keeps out, any rotation in this family.
                tx.lock(TokenLock::Family(&family), true).await?;
                let mut revoked = 0;
                for table in ["user_tokens", "refresh_tokens"] {
                    revoked +=
                        super::delete_from(tx, table, "family = $1", vec![family.as_str().into()])
                            .await?;
                }
                Ok(revoked)
            })
        })
        .await
    }

    async fn revoke_user_token(&self, hash: &KeyedHash) -> StoreResult<bool> {
        let delete = stmt!(
            "DELETE FROM user_tokens WHERE token_hash = $1",
            hash.to_hex()
        );
        self.change(move |tx| Box::pin(async move { Ok(tx.execute(&delete).await? > 0) }))
            .await
    }

    async fn list_user_tokens(&self) -> StoreResult<Vec<UserTokenRecord>> {
        const LIST: &str = concat!(
            "SELECT ",
            token_columns!(),
            " FROM user_tokens ORDER BY issued_at, token_hash"
        );
        self.all(stmt!(LIST), token).await
    }

    async fn expire_user_token_or_code(&self, hash: &KeyedHash, at: UnixTime) -> StoreResult<bool> {
        let tokens = stmt!(
            "UPDATE user_tokens SET expires_at = $2 WHERE token_hash = $1",
            hash.to_hex(),
            at.0
        );
        let codes = stmt!(
            "UPDATE auth_codes SET expires_at = $2 WHERE code_hash = $1",
            hash.to_hex(),
            at.0
        );
        self.change(move |tx| {
            Box::pin(async move { Ok(tx.execute(&tokens).await? + tx.execute(&codes).await? > 0) })
        })
        .await
    }
}
