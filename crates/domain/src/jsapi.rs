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

/// The page URL as DingTalk's official sample signs it: without its `#fragment`, the query
/// percent-decoded (`+` read as a space, as Java's `URLDecoder`), the rest unchanged
/// (docs/dingtalk/dingtalk-wire-2.md §E4).
pub fn normalize_url(url: &str) -> String {
    let url = without_fragment(url);
    match url.split_once('?') {
        None => url.to_owned(),
        Some((base, query)) => {
            let spaced = query.replace('+', " ");
            let decoded = percent_encoding::percent_decode_str(&spaced).decode_utf8_lossy();
            format!("{base}?{decoded}")
        }
    }
}

fn without_fragment(url: &str) -> &str {
    url.split_once('#').map_or(url, |(before, _)| before)
}

/// The string a `dd.config` signature is computed over.
fn plain(ticket: &str, nonce: &str, timestamp: &str, url: &str) -> String {
    format!("jsapi_ticket={ticket}&noncestr={nonce}&timestamp={timestamp}&url={url}")
}

/// The `dd.config` signature DingTalk's sample makes: lowercase hex SHA-256 over
/// `jsapi_ticket=…&noncestr=…&timestamp=…&url=<normalized url>`.
pub fn config_signature(ticket: &str, nonce: &str, timestamp: &str, url: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(plain(
        ticket,
        nonce,
        timestamp,
        &normalize_url(url),
    )))
}

/// Whether `presented` is a `dd.config` signature of the page at `url` with this ticket,
/// nonce and timestamp. As the signatures in the wild differ (§E4), SHA-256 or SHA-1, over the
/// normalized URL or the raw one (without fragment), are each accepted; compared in constant
/// time, case-insensitively.
pub fn config_signature_matches(
    ticket: &str,
    nonce: &str,
    timestamp: &str,
    url: &str,
    presented: &str,
) -> bool {
    use sha1::Sha1;
    use sha2::{Digest, Sha256};
    use subtle::ConstantTimeEq;
    let presented = presented.trim().to_ascii_lowercase();
    let mut ok = subtle::Choice::from(0);
    for u in [normalize_url(url), without_fragment(url).to_owned()] {
        let text = plain(ticket, nonce, timestamp, &u);
        for digest in [
            hex::encode(Sha256::digest(text.as_bytes())),
            hex::encode(Sha1::digest(text.as_bytes())),
        ] {
            ok |= digest.as_bytes().ct_eq(presented.as_bytes());
        }
    }
    ok.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The computed vectors of docs/dingtalk/dingtalk-wire-2.md §E4.
    #[test]
    fn config_signatures_match_the_spec_vectors() {
        let (t, n, ts) = ("dWk81eLxxxx", "abcdefg", "1700000000000");
        let url = "https://example.com/app/index.html?a=1&b=%E4%B8%AD";
        assert_eq!(
            config_signature(t, n, ts, url),
            "00780f4909ee90a949a297f5483ad911638d573ef1b63e39841930ec2e11c422"
        );
        for sig in [
            "00780f4909ee90a949a297f5483ad911638d573ef1b63e39841930ec2e11c422",
            "88526801926a132ae9d62f8c88a70ddd0eb26e68",
            "164b680533f8051a6fd4c136195a394761f63840",
            "62e9f3332c70f961f63fc66082ed387f0ddd5f7c56e26f902321d0a39c6f3c4c",
            "00780F4909EE90A949A297F5483AD911638D573EF1B63E39841930EC2E11C422",
        ] {
            assert!(config_signature_matches(t, n, ts, url, sig), "{sig}");
            assert!(
                config_signature_matches(t, n, ts, &format!("{url}#/x"), sig),
                "{sig}"
            );
        }
        let good = config_signature(t, n, ts, url);
        assert!(!config_signature_matches(t, "other", ts, url, &good));
        assert!(!config_signature_matches(t, n, "1700000000001", url, &good));
        assert!(!config_signature_matches(
            t,
            n,
            ts,
            "https://example.com:443/app/index.html?a=1&b=%E4%B8%AD",
            &good
        ));
        assert!(!config_signature_matches("other", n, ts, url, &good));
        assert!(!config_signature_matches(t, n, ts, url, ""));
    }

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
