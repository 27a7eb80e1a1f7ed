//! Authorization codes: minted by a consent, redeemed once for a token pair.

use async_trait::async_trait;
use opending_domain::{
    grant::{join_codes, split_codes, AuthCode, CodeUse, UserTokenRecord},
    KeyedHash, UnixTime,
};

use crate::{
    backend::Backend,
    exec::{stmt, Dialect, Row},
    resource::user_tokens::{store_pair, Pair},
    StoreResult,
};

/// Given a code just marked used, the access and refresh token to store with it, in the same
/// transaction; `None` stores none (the code is then only used up).
pub type TokensFor =
    Box<dyn FnOnce(&AuthCode) -> Option<(UserTokenRecord, UserTokenRecord)> + Send>;

/// Authorization codes.
#[async_trait]
pub trait CodeStore: Send + Sync {
    /// Stores an authorization code; `Conflict` if its hash exists, `NotFound` if its app or
    /// user does not.
    async fn create_code(&self, code: &AuthCode) -> StoreResult<()>;
    /// Redeems a code: marks it used, atomically (the first caller gets `Fresh`, later ones
    /// `Replayed`), and stores the tokens `tokens_for` makes of a fresh one in the same
    /// transaction, so a code is never used up without its tokens, nor tokens stored for a
    /// code used twice.
    async fn redeem_code(
        &self,
        code_hash: &KeyedHash,
        now: UnixTime,
        tokens_for: TokensFor,
    ) -> StoreResult<CodeUse>;
    /// Every authorization code, oldest first.
    async fn list_codes(&self) -> StoreResult<Vec<AuthCode>>;
}

/// The code row's columns, for `concat!`.
macro_rules! code_columns {
    () => {
        "code_hash, client_id, union_id, corp_id, scopes, redirect_uri, created_at, expires_at, used_at"
    };
}

fn code(r: &dyn Row) -> StoreResult<AuthCode> {
    Ok(AuthCode {
        code_hash: super::hash(r, "code_hash")?,
        client_id: super::client_id(r, "client_id")?,
        union_id: super::union_id(r, "union_id")?,
        corp_id: super::opt_corp(r, "corp_id")?,
        scopes: split_codes(&r.text("scopes")?),
        redirect_uri: r.opt_text("redirect_uri")?,
        created_at: UnixTime(r.int("created_at")?),
        expires_at: UnixTime(r.int("expires_at")?),
        used_at: r.opt_int("used_at")?.map(UnixTime),
    })
}

#[async_trait]
impl<B: Backend> CodeStore for B {
    async fn create_code(&self, c: &AuthCode) -> StoreResult<()> {
        const INSERT: &str = concat!(
            "INSERT INTO auth_codes (",
            code_columns!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL)"
        );
        self.write_one(stmt!(
            INSERT,
            c.code_hash.to_hex(),
            c.client_id.as_str(),
            c.union_id.as_str(),
            c.corp_id.clone().unwrap_or_default(),
            join_codes(&c.scopes),
            c.redirect_uri.as_deref(),
            c.created_at.0,
            c.expires_at.0
        ))
        .await
        .map_err(|e| e.on_write("the code"))?;
        Ok(())
    }

    async fn redeem_code(
        &self,
        hash: &KeyedHash,
        now: UnixTime,
        tokens_for: TokensFor,
    ) -> StoreResult<CodeUse> {
        const USE: &str = concat!(
            "UPDATE auth_codes SET used_at = $2 WHERE code_hash = $1 AND used_at IS NULL RETURNING ",
            code_columns!()
        );
        const FIND: &str = concat!(
            "SELECT ",
            code_columns!(),
            " FROM auth_codes WHERE code_hash = $1"
        );
        let (mark, find) = (stmt!(USE, hash.to_hex(), now.0), stmt!(FIND, hash.to_hex()));
        let takes_locks = self.dialect() == Dialect::Postgres;
        self.write(move |tx| {
            Box::pin(async move {
                if takes_locks {
                    // Whose code it is (that never changes) decides the locks, taken before the
                    // code's row is: a revocation of that user or app then either ran first (and
                    // deleted the code) or waits for the pair and deletes it too (TokenLock).
                    if let Some(c) = tx.one(&find, code).await? {
                        let family = c.code_hash.to_hex();
                        tx.lock_for_new_pair(c.union_id.as_str(), c.client_id.as_str(), &family)
                            .await?;
                    }
                }
                match tx.one(&mark, code).await? {
                    Some(mut fresh) => {
                        if let Some((access, refresh)) = tokens_for(&fresh) {
                            store_pair(tx, &Pair::new(&access, &refresh)).await?;
                        }
                        fresh.used_at = None;
                        Ok(CodeUse::Fresh(fresh))
                    }
                    None => Ok(match tx.one(&find, code).await? {
                        Some(used) => CodeUse::Replayed(used),
                        None => CodeUse::Unknown,
                    }),
                }
            })
        })
        .await
    }

    async fn list_codes(&self) -> StoreResult<Vec<AuthCode>> {
        const LIST: &str = concat!(
            "SELECT ",
            code_columns!(),
            " FROM auth_codes ORDER BY created_at, code_hash"
        );
        self.all(stmt!(LIST), code).await
    }
}
