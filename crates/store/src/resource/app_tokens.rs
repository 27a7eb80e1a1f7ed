//! App tokens: one live token per (app, org), renewed in place.

use async_trait::async_trait;
use opending_domain::{
    token::{AppToken, TokenNonce},
    ClientId, CorpId, KeyedHash, UnixTime,
};

use crate::{
    backend::Backend,
    exec::{corrupt, stmt, Row, Stmt, TokenLock},
    StoreError, StoreResult,
};

/// App tokens.
#[async_trait]
pub trait AppTokenStore: Send + Sync {
    /// Stores `candidate` unless a live token exists for its (app, org); either way the live
    /// token's expiry becomes `candidate.expires_at`. Atomic across instances: concurrent
    /// callers all get the same token back.
    async fn issue_app_token(&self, candidate: &AppToken, now: UnixTime) -> StoreResult<AppToken>;
    /// The app token with this lookup hash, live or not.
    async fn find_app_token(&self, hash: &KeyedHash) -> StoreResult<Option<AppToken>>;
    /// Revokes one app token — or corp, suite or SSO token (the minted kinds); returns whether
    /// it existed.
    async fn revoke_app_token(&self, hash: &KeyedHash) -> StoreResult<bool>;
    /// Revokes an app's tokens — app tokens and users' access and refresh tokens — in one org
    /// or everywhere; returns how many access tokens (app and user) went.
    async fn revoke_app_tokens(
        &self,
        client_id: &ClientId,
        corp_id: Option<&CorpId>,
    ) -> StoreResult<u64>;
    /// Every app token, oldest first.
    async fn list_app_tokens(&self) -> StoreResult<Vec<AppToken>>;
    /// Makes an app token expire at `at`; returns whether it existed.
    async fn expire_app_token(&self, hash: &KeyedHash, at: UnixTime) -> StoreResult<bool>;
}

pub(crate) fn app_token(r: &dyn Row) -> StoreResult<AppToken> {
    Ok(AppToken {
        client_id: super::client_id(r, "client_id")?,
        corp_id: super::corp_id(r, "corp_id")?,
        nonce: TokenNonce::from_hex(&r.text("nonce")?).map_err(|e| corrupt("nonce", e))?,
        token_hash: super::hash(r, "token_hash")?,
        issued_at: UnixTime(r.int("issued_at")?),
        expires_at: UnixTime(r.int("expires_at")?),
    })
}

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
pub(crate) fn issue(c: &AppToken, now: UnixTime) -> Stmt {
    stmt!(
        app_token_upsert!("VALUES ($1, $2, $3, $4, $5, $6)"),
        c.client_id.as_str(),
        c.corp_id.as_str(),
        c.nonce.to_hex(),
        c.token_hash.to_hex(),
        c.issued_at.0,
        c.expires_at.0,
        now.0
    )
}

/// Keeps or takes many app tokens in one statement (PostgreSQL's batch): one array per
/// column, in the order given (which is the order their rows are locked in), no two rows for
/// one key.
pub(crate) const ISSUE_APP_TOKENS_PG: &str = app_token_upsert!(
    "SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[])"
);

#[async_trait]
impl<B: Backend> AppTokenStore for B {
    async fn issue_app_token(&self, candidate: &AppToken, now: UnixTime) -> StoreResult<AppToken> {
        if let Some(batched) = self.batched_app_token(candidate, now) {
            return batched.await;
        }
        let upsert = issue(candidate, now);
        self.write(move |tx| {
            Box::pin(async move {
                tx.one(&upsert, app_token)
                    .await
                    .map_err(|e| e.on_write("an app token"))?
                    .ok_or_else(|| StoreError::Corrupt("the token upsert returned no row".into()))
            })
        })
        .await
    }

    async fn find_app_token(&self, hash: &KeyedHash) -> StoreResult<Option<AppToken>> {
        self.one(
            stmt!(
                "SELECT client_id, corp_id, nonce, token_hash, issued_at, expires_at \
                 FROM app_tokens WHERE token_hash = $1",
                hash.to_hex()
            ),
            app_token,
        )
        .await
    }

    async fn revoke_app_token(&self, hash: &KeyedHash) -> StoreResult<bool> {
        let delete = stmt!(
            "DELETE FROM app_tokens WHERE token_hash = $1",
            hash.to_hex()
        );
        let minted = stmt!(
            "DELETE FROM minted_tokens WHERE token_hash = $1",
            hash.to_hex()
        );
        self.change(move |tx| {
            Box::pin(async move {
                let app = tx.execute(&delete).await?;
                Ok(app + tx.execute(&minted).await? > 0)
            })
        })
        .await
    }

    async fn revoke_app_tokens(
        &self,
        client_id: &ClientId,
        corp_id: Option<&CorpId>,
    ) -> StoreResult<u64> {
        let client = client_id.as_str().to_owned();
        let corp = corp_id.map(|c| c.as_str().to_owned());
        self.change(move |tx| {
            Box::pin(async move {
                tx.lock(TokenLock::App(&client), true).await?;
                // App tokens, and access tokens users gave the app (refresh tokens go too, so
                // they cannot mint new ones; only access tokens are counted).
                let mut revoked = 0;
                for table in super::TOKEN_TABLES {
                    let gone = super::delete_from(
                        tx,
                        table,
                        "client_id = $1 AND ($2 IS NULL OR corp_id = $2)",
                        vec![client.as_str().into(), corp.clone().into()],
                    )
                    .await?;
                    if table != "refresh_tokens" {
                        revoked += gone;
                    }
                }
                Ok(revoked)
            })
        })
        .await
    }

    async fn list_app_tokens(&self) -> StoreResult<Vec<AppToken>> {
        self.all(
            stmt!(
                "SELECT client_id, corp_id, nonce, token_hash, issued_at, expires_at FROM app_tokens \
                 ORDER BY issued_at, client_id, corp_id"
            ),
            app_token,
        )
        .await
    }

    async fn expire_app_token(&self, hash: &KeyedHash, at: UnixTime) -> StoreResult<bool> {
        let update = stmt!(
            "UPDATE app_tokens SET expires_at = $2 WHERE token_hash = $1",
            hash.to_hex(),
            at.0
        );
        self.change(move |tx| Box::pin(async move { Ok(tx.execute(&update).await? > 0) }))
            .await
    }
}
