//! Access tokens: how their values are made, found and judged alive.
//!
//! An app token must be handed out again, unchanged, to every repeat request while it is valid
//! (seed 000, docs/dingtalk/decisions.md §8), by any instance sharing the database. So the database keeps a
//! random 16-byte *nonce* per token and the value is derived as HMAC(hash key, nonce): every
//! instance holding the key can hand the same one out, and with the key configured outside the
//! database, the database alone reveals no token.
//! Tokens are looked up by a keyed hash of their value, never by the value.
//!
//! Every access token value (app and user) is 32 lowercase hex digits, like DingTalk's, made of
//! 96 bits that are random (user tokens) or derived from the nonce (app tokens) followed by a
//! 32-bit check: HMAC(hash key, those 96 bits) truncated. A presented token whose check does not
//! match cannot have been issued by a server holding the key, so it is refused without a
//! storage lookup or a cache entry ([`may_be_issued`]): a flood of made-up tokens costs one
//! HMAC each and no memory. Guessing a valid token stays a 96-bit search; forging a value that
//! passes the check (without the key) succeeds once in 2^32 tries and then only reaches the
//! lookup that every value used to reach.

use rand::RngCore;

use crate::{
    secret::{HashKey, KeyedHash, Purpose},
    ClientId, CorpId, Secret, UnixTime,
};

/// Longest token value looked up; anything longer is refused without touching storage.
pub const MAX_TOKEN_LEN: usize = 256;

/// The random part of an app token, stored in place of the token.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct TokenNonce(pub [u8; 16]);

impl TokenNonce {
    /// A fresh nonce.
    pub fn generate(rng: &mut (impl RngCore + ?Sized)) -> Self {
        let mut n = [0u8; 16];
        rng.fill_bytes(&mut n);
        Self(n)
    }

    /// Hex form, as stored.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Parses the stored hex form.
    pub fn from_hex(s: &str) -> Result<Self, String> {
        let v = hex::decode(s).map_err(|e| format!("stored nonce is not hex: {e}"))?;
        v.try_into()
            .map(Self)
            .map_err(|_| "stored nonce must be 16 bytes".to_owned())
    }
}

impl std::fmt::Debug for TokenNonce {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenNonce([redacted])")
    }
}

/// Bytes of an access token value before its check.
const BODY_LEN: usize = 12;
/// Bytes of the check.
const CHECK_LEN: usize = 4;

/// The value for a 96-bit body: the body, then its check, in lowercase hex.
fn seal(key: &HashKey, body: &[u8; BODY_LEN]) -> Secret {
    let check = key.hash(Purpose::TokenCheck, body);
    let mut v = [0u8; BODY_LEN + CHECK_LEN];
    v[..BODY_LEN].copy_from_slice(body);
    v[BODY_LEN..].copy_from_slice(&check.0[..CHECK_LEN]);
    Secret::new(hex::encode(v))
}

/// The app token value for a nonce: 32 lowercase hex digits, shaped like DingTalk's.
pub fn derive_app_token(key: &HashKey, nonce: &TokenNonce) -> Secret {
    let mac = key.hash(Purpose::AppTokenDerivation, &nonce.0);
    let mut body = [0u8; BODY_LEN];
    body.copy_from_slice(&mac.0[..BODY_LEN]);
    seal(key, &body)
}

/// A fresh user access token value: 96 random bits and their check, 32 lowercase hex digits.
pub fn random_access_token(key: &HashKey, rng: &mut (impl RngCore + ?Sized)) -> Secret {
    let mut body = [0u8; BODY_LEN];
    rng.fill_bytes(&mut body);
    seal(key, &body)
}

/// The access and refresh token a refresh token is rotated into, derived from its value: a
/// retry of the same refresh (a client that lost the answer) gets the same pair again, and
/// nobody without the key and the old value can compute it. The access token has the usual
/// shape (96 bits and their check); the refresh token is 128 bits in 32 lowercase hex digits,
/// like a random one.
pub fn successor_pair(key: &HashKey, old_refresh: &str) -> (Secret, Secret) {
    let mac = key.hash(Purpose::RefreshSuccessor, old_refresh.as_bytes());
    let mut body = [0u8; BODY_LEN];
    body.copy_from_slice(&mac.0[..BODY_LEN]);
    (seal(key, &body), Secret::new(hex::encode(&mac.0[16..32])))
}

/// Whether `token` can be an access token this server (or another holding the key) issued:
/// 32 lowercase hex digits whose last 8 are the check of the first 24 (constant time).
pub fn may_be_issued(key: &HashKey, token: &str) -> bool {
    use subtle::ConstantTimeEq;
    let t = token.as_bytes();
    if t.len() != 2 * (BODY_LEN + CHECK_LEN)
        || !t.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        return false;
    }
    let Ok(bytes) = hex::decode(t) else {
        return false;
    };
    let check = key.hash(Purpose::TokenCheck, &bytes[..BODY_LEN]);
    check.0[..CHECK_LEN].ct_eq(&bytes[BODY_LEN..]).into()
}

/// The keyed hash under which an access token is stored and looked up.
pub fn access_token_hash(key: &HashKey, token: &str) -> KeyedHash {
    key.hash(Purpose::AccessToken, token.as_bytes())
}

/// An app access token as stored: one per (app, org) at a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppToken {
    /// The app holding it.
    pub client_id: ClientId,
    /// The org it is valid in.
    pub corp_id: CorpId,
    /// What the value is derived from.
    pub nonce: TokenNonce,
    /// Lookup hash of the value.
    pub token_hash: KeyedHash,
    /// When this value was first issued.
    pub issued_at: UnixTime,
    /// When it stops working; renewed by every repeat request.
    pub expires_at: UnixTime,
}

impl AppToken {
    /// Whether the token still works at `now`.
    pub fn is_live(&self, now: UnixTime) -> bool {
        self.expires_at > now
    }

    /// Seconds of validity left at `now`, as sent in `expires_in` / `expireIn`.
    pub fn expires_in(&self, now: UnixTime) -> i64 {
        now.secs_until(self.expires_at)
    }
}

/// A freshly minted app token, ready to be stored with "keep the live one, else take this"
/// semantics (the storage layer decides atomically which one wins).
#[derive(Debug, Clone)]
pub struct NewAppToken {
    /// The record to store if no live token exists.
    pub record: AppToken,
}

impl NewAppToken {
    /// Mints a candidate token for (app, org) valid for `ttl` seconds from `now`.
    pub fn mint(
        key: &HashKey,
        rng: &mut (impl RngCore + ?Sized),
        client_id: ClientId,
        corp_id: CorpId,
        now: UnixTime,
        ttl: i64,
    ) -> Self {
        let nonce = TokenNonce::generate(rng);
        let value = derive_app_token(key, &nonce);
        Self {
            record: AppToken {
                client_id,
                corp_id,
                nonce,
                token_hash: access_token_hash(key, value.expose()),
                issued_at: now,
                expires_at: now.plus(ttl),
            },
        }
    }
}

#[cfg(test)]
mod check_tests {
    use super::*;

    #[test]
    fn issued_values_pass_the_check_and_others_do_not() {
        let key = HashKey::generate(&mut rand::thread_rng());
        let other = HashKey::generate(&mut rand::thread_rng());
        let app = derive_app_token(&key, &TokenNonce::generate(&mut rand::thread_rng()));
        let user = random_access_token(&key, &mut rand::thread_rng());
        for v in [&app, &user] {
            let v = v.expose();
            assert_eq!(v.len(), 32);
            assert!(v
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
            assert!(may_be_issued(&key, v));
            assert!(!may_be_issued(&other, v), "the check depends on the key");
            assert!(!may_be_issued(&key, &v.to_uppercase()));
            // Any change to the body breaks the check.
            let flipped = format!("{}{}", if &v[..1] == "0" { "1" } else { "0" }, &v[1..]);
            assert!(!may_be_issued(&key, &flipped));
        }
        assert!(!may_be_issued(&key, "0123456789abcdef0123456789abcdef"));
        assert!(!may_be_issued(&key, ""));
        assert!(!may_be_issued(&key, "zz"));
    }

    #[test]
    fn a_refresh_tokens_successor_is_stable_shaped_and_keyed() {
        let key = HashKey::from_bytes([7; 32]);
        let (access, refresh) = successor_pair(&key, "0123456789abcdef0123456789abcdef");
        assert!(may_be_issued(&key, access.expose()));
        assert_eq!(refresh.expose().len(), 32);
        assert!(refresh
            .expose()
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        assert_eq!(
            successor_pair(&key, "0123456789abcdef0123456789abcdef"),
            (access.clone(), refresh.clone())
        );
        // Another value, or another key, gives another pair; the two halves never coincide.
        let (a2, r2) = successor_pair(&key, "0123456789abcdef0123456789abcdee");
        assert_ne!((a2, r2), (access.clone(), refresh.clone()));
        let other = HashKey::from_bytes([8; 32]);
        assert_ne!(
            successor_pair(&other, "0123456789abcdef0123456789abcdef").0,
            access
        );
        assert_ne!(access.expose(), refresh.expose());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn derived_token_is_stable_and_hash_matches() {
        let key = HashKey::from_bytes([3; 32]);
        let mut rng = rand::rngs::StdRng::seed_from_u64(5);
        let t = NewAppToken::mint(
            &key,
            &mut rng,
            ClientId::parse("dingapp").unwrap(),
            CorpId::parse("dingcorp").unwrap(),
            UnixTime(1000),
            7200,
        );
        let value = derive_app_token(&key, &t.record.nonce);
        assert_eq!(value.expose().len(), 32);
        assert_eq!(access_token_hash(&key, value.expose()), t.record.token_hash);
        assert_eq!(derive_app_token(&key, &t.record.nonce), value);
        // Another key derives another value from the same nonce.
        assert_ne!(
            derive_app_token(&HashKey::from_bytes([4; 32]), &t.record.nonce),
            value
        );
        assert!(t.record.is_live(UnixTime(8199)));
        assert!(!t.record.is_live(UnixTime(8200)));
        assert_eq!(t.record.expires_in(UnixTime(1000)), 7200);
        assert_eq!(t.record.expires_in(UnixTime(9000)), 0);
    }
}
