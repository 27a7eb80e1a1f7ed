//! JSAPI tickets (`GET /get_jsapi_ticket`, `POST /v1.0/oauth2/jsapiTickets`): one ticket per
//! (app, org) for the org the caller's token is valid in, shared by both endpoints, renewed on
//! a re-fetch, never living past a day from its creation (`opending_domain::jsapi`).

use opending_domain::{
    jsapi::{derive_ticket, JsapiTicket},
    ApiError, Principal, Secret, Subject,
};

use super::Result;
use crate::Core;

/// The point the ticket endpoints need (DingTalk: `qyapi_base`, which every app holds).
pub const BASE: &str = "qyapi_base";

/// A ticket handed out.
#[derive(Debug)]
pub struct IssuedTicket {
    /// The ticket.
    pub ticket: Secret,
    /// Seconds of validity left.
    pub expires_in: i64,
}

/// The ticket of the token's (app, org): the live one, renewed, or a new one. Needs an app
/// token (a user token holds no app points: answered as a missing permission).
pub async fn ticket(core: &Core, principal: &Principal) -> Result<IssuedTicket> {
    if !matches!(principal.subject, Subject::App) {
        return Err(ApiError::permission_denied([BASE.to_owned()]).into());
    }
    principal.require(&[BASE])?;
    let now = core.now();
    let candidate = core.with_rng(|rng| {
        JsapiTicket::mint(
            rng,
            principal.client_id.clone(),
            principal.corp_id.clone(),
            now,
        )
    });
    let stored = core.store.issue_jsapi_ticket(&candidate, now).await?;
    tracing::debug!(client_id = %stored.client_id, corp_id = %stored.corp_id, renewed = stored.nonce != candidate.nonce, "JSAPI ticket handed out");
    Ok(IssuedTicket {
        ticket: derive_ticket(&core.key, &stored.nonce),
        expires_in: stored.expires_in(now),
    })
}
