//! JSAPI tickets: one per (app, org), kept while live and renewed in place, never past a day
//! from its creation (the rule is `opending_domain::jsapi`'s; the upsert applies it atomically).

use async_trait::async_trait;
use opending_domain::{
    jsapi::{JsapiTicket, MAX_AGE, TICKET_TTL},
    token::TokenNonce,
    ClientId, CorpId, UnixTime,
};

use crate::{
    backend::Backend,
    exec::{corrupt, stmt, Row},
    StoreError, StoreResult,
};

/// JSAPI tickets.
#[async_trait]
pub trait JsapiTicketStore: Send + Sync {
    /// Keeps the live ticket of `candidate`'s (app, org), its expiry renewed to
    /// `opending_domain::jsapi::renewed_expiry` of its creation, or takes `candidate` when
    /// there is none or it expired. Atomic across instances: concurrent callers all get the
    /// same ticket back.
    async fn issue_jsapi_ticket(
        &self,
        candidate: &JsapiTicket,
        now: UnixTime,
    ) -> StoreResult<JsapiTicket>;
    /// The ticket of (app, org) if it is live at `now` (what `dd.config` signatures are
    /// checked against).
    async fn live_jsapi_ticket(
        &self,
        client_id: &ClientId,
        corp_id: &CorpId,
        now: UnixTime,
    ) -> StoreResult<Option<JsapiTicket>>;
    /// Makes the ticket of (app, org) expire at `at`; returns whether one existed.
    async fn expire_jsapi_ticket(
        &self,
        client_id: &ClientId,
        corp_id: &CorpId,
        at: UnixTime,
    ) -> StoreResult<bool>;
}

fn ticket(r: &dyn Row) -> StoreResult<JsapiTicket> {
    Ok(JsapiTicket {
        client_id: super::client_id(r, "client_id")?,
        corp_id: super::corp_id(r, "corp_id")?,
        nonce: TokenNonce::from_hex(&r.text("nonce")?).map_err(|e| corrupt("nonce", e))?,
        created_at: UnixTime(r.int("created_at")?),
        expires_at: UnixTime(r.int("expires_at")?),
    })
}

#[async_trait]
impl<B: Backend> JsapiTicketStore for B {
    async fn issue_jsapi_ticket(&self, c: &JsapiTicket, now: UnixTime) -> StoreResult<JsapiTicket> {
        // A live ticket keeps its nonce and creation and is extended by the TTL, capped at
        // MAX_AGE from its creation; an expired one is replaced by the candidate.
        let upsert = stmt!(
            "INSERT INTO jsapi_tickets (client_id, corp_id, nonce, created_at, expires_at)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (client_id, corp_id) DO UPDATE SET
    nonce      = CASE WHEN jsapi_tickets.expires_at > $6 THEN jsapi_tickets.nonce ELSE excluded.nonce END,
    expires_at = CASE
        WHEN jsapi_tickets.expires_at <= $6 THEN excluded.expires_at
        WHEN jsapi_tickets.created_at + $8 < $6 + $7 THEN jsapi_tickets.created_at + $8
        ELSE $6 + $7 END,
    created_at = CASE WHEN jsapi_tickets.expires_at > $6 THEN jsapi_tickets.created_at ELSE excluded.created_at END
RETURNING client_id, corp_id, nonce, created_at, expires_at",
            c.client_id.as_str(),
            c.corp_id.as_str(),
            c.nonce.to_hex(),
            c.created_at.0,
            c.expires_at.0,
            now.0,
            TICKET_TTL,
            MAX_AGE
        );
        self.write(move |tx| {
            Box::pin(async move {
                tx.one(&upsert, ticket)
                    .await
                    .map_err(|e| e.on_write("a JSAPI ticket"))?
                    .ok_or_else(|| StoreError::Corrupt("the ticket upsert returned no row".into()))
            })
        })
        .await
    }

    async fn live_jsapi_ticket(
        &self,
        client_id: &ClientId,
        corp_id: &CorpId,
        now: UnixTime,
    ) -> StoreResult<Option<JsapiTicket>> {
        self.one(
            stmt!(
                "SELECT client_id, corp_id, nonce, created_at, expires_at FROM jsapi_tickets \
                 WHERE client_id = $1 AND corp_id = $2 AND expires_at > $3",
                client_id.as_str(),
                corp_id.as_str(),
                now.0
            ),
            ticket,
        )
        .await
    }

    async fn expire_jsapi_ticket(
        &self,
        client_id: &ClientId,
        corp_id: &CorpId,
        at: UnixTime,
    ) -> StoreResult<bool> {
        let update = stmt!(
            "UPDATE jsapi_tickets SET expires_at = $3 WHERE client_id = $1 AND corp_id = $2",
            client_id.as_str(),
            corp_id.as_str(),
            at.0
        );
        self.write(move |tx| Box::pin(async move { Ok(tx.execute(&update).await? > 0) }))
            .await
    }
}
