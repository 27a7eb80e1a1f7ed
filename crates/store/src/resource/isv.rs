//! Third-party apps' suite tickets, the tokens minted anew on each request (ISV corp tokens,
//! suite tokens, SSO tokens), orgs' SSO secrets and SSO codes.

use async_trait::async_trait;
use opending_domain::{
    isv::{MintedKind, MintedToken, SsoCode, SuiteTicket},
    token::TokenNonce,
    ClientId, CorpId, KeyedHash, UnixTime,
};

use crate::{
    backend::Backend,
    exec::{corrupt, stmt, Row},
    StoreError, StoreResult,
};

/// Suite tickets, minted tokens and SSO.
#[async_trait]
pub trait IsvStore: Send + Sync {
    /// An app's suite ticket, if it has one yet.
    async fn suite_ticket(&self, client_id: &ClientId) -> StoreResult<Option<SuiteTicket>>;
    /// Stores `next` as the app's ticket if the stored one was made at `replacing` (`None`:
    /// if there is none yet), and returns whichever is stored afterwards: concurrent rotations
    /// (on any instance) agree on one winner. `NotFound` if the app does not exist.
    async fn swap_suite_ticket(
        &self,
        next: &SuiteTicket,
        replacing: Option<UnixTime>,
    ) -> StoreResult<SuiteTicket>;

    /// Stores a minted token; in the same transaction drops the expired tokens of its kind and
    /// owner, and all but the newest `keep` live ones. `NotFound` if its app or org is gone.
    async fn put_minted_token(
        &self,
        token: &MintedToken,
        now: UnixTime,
        keep: i64,
    ) -> StoreResult<()>;
    /// The minted token with this lookup hash, live or not.
    async fn find_minted_token(&self, hash: &KeyedHash) -> StoreResult<Option<MintedToken>>;

    /// Sets an org's SSO secret (its keyed hash), replacing any earlier one and ending the SSO
    /// tokens made with it. `NotFound` if the org does not exist.
    async fn set_sso_secret(
        &self,
        corp_id: &CorpId,
        hash: &KeyedHash,
        now: UnixTime,
    ) -> StoreResult<()>;
    /// The keyed hash of an org's SSO secret, if it has one.
    async fn sso_secret(&self, corp_id: &CorpId) -> StoreResult<Option<KeyedHash>>;
    /// Stores a new SSO code. `NotFound` if its org, user or app is gone.
    async fn put_sso_code(&self, code: &SsoCode) -> StoreResult<()>;
    /// Takes (deletes and returns) the SSO code with this hash, if it exists and is live at
    /// `now`: each code is used once.
    async fn take_sso_code(&self, hash: &KeyedHash, now: UnixTime) -> StoreResult<Option<SsoCode>>;
}

fn nonce(r: &dyn Row, col: &str) -> StoreResult<TokenNonce> {
    TokenNonce::from_hex(&r.text(col)?).map_err(|e| corrupt(col, e))
}

fn suite_ticket(r: &dyn Row) -> StoreResult<SuiteTicket> {
    Ok(SuiteTicket {
        client_id: super::client_id(r, "client_id")?,
        nonce: nonce(r, "nonce")?,
        previous: match r.opt_text("previous_nonce")? {
            Some(_) => Some(nonce(r, "previous_nonce")?),
            None => None,
        },
        rotated_at: UnixTime(r.int("rotated_at")?),
    })
}

fn minted(r: &dyn Row) -> StoreResult<MintedToken> {
    let kind = r.text("kind")?;
    Ok(MintedToken {
        kind: MintedKind::parse(&kind).ok_or_else(|| corrupt("kind", kind))?,
        token_hash: super::hash(r, "token_hash")?,
        client_id: match r.opt_text("client_id")? {
            Some(_) => Some(super::client_id(r, "client_id")?),
            None => None,
        },
        corp_id: match r.opt_text("corp_id")? {
            Some(_) => Some(super::corp_id(r, "corp_id")?),
            None => None,
        },
        issued_at: UnixTime(r.int("issued_at")?),
        expires_at: UnixTime(r.int("expires_at")?),
    })
}

fn sso_code(r: &dyn Row) -> StoreResult<SsoCode> {
    Ok(SsoCode {
        code_hash: super::hash(r, "code_hash")?,
        corp_id: super::corp_id(r, "corp_id")?,
        union_id: super::union_id(r, "union_id")?,
        client_id: super::client_id(r, "client_id")?,
        expires_at: UnixTime(r.int("expires_at")?),
    })
}

const TICKET: &str =
    "SELECT client_id, nonce, previous_nonce, rotated_at FROM suite_tickets WHERE client_id = $1";

/// The filter for the minted tokens of one kind and owner: parameter `$k` the kind, `$k+1`
/// the app, `$k+2` the org (either may be NULL; `IS NOT DISTINCT FROM`, spelled out so both
/// backends read it).
fn same_owner(k: usize) -> String {
    let (c, o) = (k + 1, k + 2);
    format!(
        "kind = ${k} AND ((client_id IS NULL AND ${c} IS NULL) OR client_id = ${c}) \
         AND ((corp_id IS NULL AND ${o} IS NULL) OR corp_id = ${o})"
    )
}

#[async_trait]
impl<B: Backend> IsvStore for B {
    async fn suite_ticket(&self, client_id: &ClientId) -> StoreResult<Option<SuiteTicket>> {
        self.one(stmt!(TICKET, client_id.as_str()), suite_ticket)
            .await
    }

    async fn swap_suite_ticket(
        &self,
        next: &SuiteTicket,
        replacing: Option<UnixTime>,
    ) -> StoreResult<SuiteTicket> {
        let client = next.client_id.as_str().to_owned();
        let previous = next.previous.map(|n| n.to_hex());
        let write = match replacing {
            None => stmt!(
                "INSERT INTO suite_tickets (client_id, nonce, previous_nonce, rotated_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (client_id) DO NOTHING",
                client.as_str(),
                next.nonce.to_hex(),
                previous,
                next.rotated_at.0
            ),
            Some(at) => stmt!(
                "UPDATE suite_tickets SET nonce = $2, previous_nonce = $3, rotated_at = $4 \
                 WHERE client_id = $1 AND rotated_at = $5",
                client.as_str(),
                next.nonce.to_hex(),
                previous,
                next.rotated_at.0,
                at.0
            ),
        };
        let read = stmt!(TICKET, client.as_str());
        self.write(move |tx| {
            Box::pin(async move {
                tx.execute(&write)
                    .await
                    .map_err(|e| e.on_write("the app's suite ticket"))?;
                tx.one(&read, suite_ticket)
                    .await?
                    .ok_or_else(|| StoreError::NotFound(format!("app {client}")))
            })
        })
        .await
    }

    async fn put_minted_token(&self, t: &MintedToken, now: UnixTime, keep: i64) -> StoreResult<()> {
        let (kind, client, corp) = (
            t.kind.as_str(),
            t.client_id.as_ref().map(|c| c.as_str().to_owned()),
            t.corp_id.as_ref().map(|c| c.as_str().to_owned()),
        );
        let insert = stmt!(
            "INSERT INTO minted_tokens (token_hash, kind, client_id, corp_id, issued_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
            t.token_hash.to_hex(),
            kind,
            client.clone(),
            corp.clone(),
            t.issued_at.0,
            t.expires_at.0
        );
        let expired = crate::exec::Stmt::owned(
            format!(
                "DELETE FROM minted_tokens WHERE token_hash <> $1 AND {} AND expires_at <= $5",
                same_owner(2)
            ),
            vec![
                t.token_hash.to_hex().into(),
                kind.into(),
                client.clone().into(),
                corp.clone().into(),
                now.0.into(),
            ],
        );
        // The newest `keep` stay (by issue time, the hash breaking ties); older ones go.
        let surplus = crate::exec::Stmt::owned(
            format!(
                "DELETE FROM minted_tokens WHERE {owner} AND token_hash NOT IN (\
                 SELECT token_hash FROM minted_tokens WHERE {owner} \
                 ORDER BY issued_at DESC, token_hash DESC LIMIT $4)",
                owner = same_owner(1)
            ),
            vec![kind.into(), client.into(), corp.into(), keep.into()],
        );
        self.write(move |tx| {
            Box::pin(async move {
                tx.execute(&insert)
                    .await
                    .map_err(|e| e.on_write("a token"))?;
                tx.execute(&expired).await?;
                tx.execute(&surplus).await?;
                Ok(())
            })
        })
        .await
    }

    async fn find_minted_token(&self, hash: &KeyedHash) -> StoreResult<Option<MintedToken>> {
        self.one(
            stmt!(
                "SELECT token_hash, kind, client_id, corp_id, issued_at, expires_at \
                 FROM minted_tokens WHERE token_hash = $1",
                hash.to_hex()
            ),
            minted,
        )
        .await
    }

    async fn set_sso_secret(
        &self,
        corp_id: &CorpId,
        hash: &KeyedHash,
        now: UnixTime,
    ) -> StoreResult<()> {
        let upsert = stmt!(
            "INSERT INTO sso_secrets (corp_id, secret_hash, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (corp_id) DO UPDATE SET secret_hash = excluded.secret_hash, \
             created_at = excluded.created_at",
            corp_id.as_str(),
            hash.to_hex(),
            now.0
        );
        let tokens = stmt!(
            "DELETE FROM minted_tokens WHERE kind = 'sso' AND corp_id = $1",
            corp_id.as_str()
        );
        self.change(move |tx| {
            Box::pin(async move {
                tx.execute(&upsert)
                    .await
                    .map_err(|e| e.on_write("the org's SSO secret"))?;
                tx.execute(&tokens).await?;
                Ok(())
            })
        })
        .await
    }

    async fn sso_secret(&self, corp_id: &CorpId) -> StoreResult<Option<KeyedHash>> {
        self.one(
            stmt!(
                "SELECT secret_hash FROM sso_secrets WHERE corp_id = $1",
                corp_id.as_str()
            ),
            |r| super::hash(r, "secret_hash"),
        )
        .await
    }

    async fn put_sso_code(&self, c: &SsoCode) -> StoreResult<()> {
        let insert = stmt!(
            "INSERT INTO sso_codes (code_hash, corp_id, union_id, client_id, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
            c.code_hash.to_hex(),
            c.corp_id.as_str(),
            c.union_id.as_str(),
            c.client_id.as_str(),
            c.expires_at.0
        );
        self.write(move |tx| {
            Box::pin(async move {
                tx.execute(&insert)
                    .await
                    .map_err(|e| e.on_write("an SSO code"))?;
                Ok(())
            })
        })
        .await
    }

    async fn take_sso_code(&self, hash: &KeyedHash, now: UnixTime) -> StoreResult<Option<SsoCode>> {
        let take = stmt!(
            "DELETE FROM sso_codes WHERE code_hash = $1 \
             RETURNING code_hash, corp_id, union_id, client_id, expires_at",
            hash.to_hex()
        );
        let found = self
            .write(move |tx| Box::pin(async move { tx.one(&take, sso_code).await }))
            .await?;
        Ok(found.filter(|c| c.expires_at > now))
    }
}
