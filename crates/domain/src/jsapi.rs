//! JSAPI tickets: what a page's `dd.config` signature is computed with (docs/dingtalk/
//! dingtalk-wire-2.md §E). One ticket per (app, org); fetching it while it is live returns the
//! same ticket and extends it by [`TICKET_TTL`], but a ticket never lives past [`MAX_AGE`]
//! from its creation, renewals included (§E3); after that a fetch makes a new one.
//!
//! Like an app token, a ticket's value is derived from a stored random nonce with the server's
//! key ([`derive_ticket`]), so the database holds no ticket and another instance with the key
//! computes the same value.

use rand::RngCore;

use crate::{
    secret::{HashKey, Purpose},
    token::TokenNonce,
    ClientId, CorpId, Secret, UnixTime,
};

/// Seconds a fetch makes a ticket live for (DingTalk: 7200).
pub const TICKET_TTL: i64 = 7200;
/// Seconds after its creation past which no ticket lives (DingTalk: 24 h).
pub const MAX_AGE: i64 = 86_400;

/// A JSAPI ticket as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsapiTicket {
    /// The app.
    pub client_id: ClientId,
    /// The org it was fetched for.
    pub corp_id: CorpId,
    /// What the value is derived from.
    pub nonce: TokenNonce,
    /// When this ticket was made (renewals do not move it).
    pub created_at: UnixTime,
    /// When it stops working.
    pub expires_at: UnixTime,
}

impl JsapiTicket {
    /// A candidate ticket for (app, org), made at `now`.
    pub fn mint(
        rng: &mut (impl RngCore + ?Sized),
        client_id: ClientId,
        corp_id: CorpId,
        now: UnixTime,
    ) -> Self {
        Self {
            client_id,
            corp_id,
            nonce: TokenNonce::generate(rng),
            created_at: now,
            expires_at: renewed_expiry(now, now),
        }
    }

    /// Seconds of validity left at `now` (never negative).
    pub fn expires_in(&self, now: UnixTime) -> i64 {
        (self.expires_at.0 - now.0).max(0)
    }
}

/// The expiry a fetch at `now` gives a ticket made at `created_at`: [`TICKET_TTL`] from now,
/// but never past [`MAX_AGE`] from its creation.
pub fn renewed_expiry(created_at: UnixTime, now: UnixTime) -> UnixTime {
    UnixTime((now.0 + TICKET_TTL).min(created_at.0 + MAX_AGE))
}

/// The ticket's value for a nonce: 64 characters of lowercase hex (DingTalk's are opaque
/// strings of about that length).
pub fn derive_ticket(key: &HashKey, nonce: &TokenNonce) -> Secret {
    Secret::new(key.hash(Purpose::JsapiTicket, &nonce.0).to_hex())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renewals_extend_by_two_hours_but_never_past_a_day() {
        let made = UnixTime(1_000_000);
        assert_eq!(renewed_expiry(made, made), UnixTime(1_007_200));
        assert_eq!(
            renewed_expiry(made, UnixTime(1_003_600)),
            UnixTime(1_010_800)
        );
        // 23 h after creation: capped at 24 h.
        assert_eq!(
            renewed_expiry(made, UnixTime(1_082_800)),
            UnixTime(1_086_400)
        );
    }

    #[test]
    fn values_are_derived_per_nonce() {
        let key = HashKey::from_bytes([7; 32]);
        let (a, b) = (TokenNonce([1; 16]), TokenNonce([2; 16]));
        assert_eq!(derive_ticket(&key, &a), derive_ticket(&key, &a));
        assert_ne!(derive_ticket(&key, &a), derive_ticket(&key, &b));
        let v = derive_ticket(&key, &a);
        assert!(v.expose().len() == 64 && v.expose().bytes().all(|b| b.is_ascii_hexdigit()));
    }
}
