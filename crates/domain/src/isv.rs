//! Third-party ("ISV") apps: suite tickets, the signature of DingTalk's signed calls, and the
//! lifetimes of the tokens minted anew on each request (docs/dingtalk/dingtalk-wire-2.md §A2–A4,
//! §B, §F; docs/dingtalk/decisions.md §20–21).
//!
//! **Suite tickets.** Each third-party app has a current ticket, replaced every
//! [`SUITE_TICKET_PERIOD`] by default; a request may carry the current or the previous one
//! (DingTalk documents no lifetime for a superseded ticket, only "use the latest pushed"). A
//! ticket is replaced lazily: the first read after it fell due rotates it, so nothing runs
//! while nobody asks; a previous ticket older than two periods is forgotten. Like app tokens,
//! a ticket's value is derived from a stored nonce with the server's key.
//!
//! **Signed calls** (`/service/get_corp_token`, `/service/get_auth_info`) carry `accessKey`,
//! `timestamp` (milliseconds), `suiteTicket` and `signature` =
//! Base64(HMAC-SHA256(secret, timestamp + "\n" + suiteTicket)) (§A2).

use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::{
    secret::{HashKey, Purpose},
    token::TokenNonce,
    ClientId, LegacyCode, Secret, UnixTime,
};

/// Default seconds between two suite tickets (DingTalk: "定时每5个小时推送一次").
pub const SUITE_TICKET_PERIOD: i64 = 5 * 3600;
/// How far (ms) a signed call's `timestamp` may be from the server's clock (DingTalk: 1 min).
pub const SIGNATURE_WINDOW_MS: i64 = 60_000;
/// Seconds a corp token (`corpAccessToken`, `get_corp_token`) lives.
pub const CORP_TOKEN_TTL: i64 = 7200;
/// Seconds a suite token (`suiteAccessToken`, `get_suite_token`) lives.
pub const SUITE_TOKEN_TTL: i64 = 7200;
/// Seconds an SSO token (`ssoAccessToken`, `/sso/gettoken`) lives (DingTalk: 3600, not 7200).
pub const SSO_TOKEN_TTL: i64 = 3600;
/// Live tokens of one kind kept per (app, org) — or per org for SSO tokens. Each request
/// mints a new one and the earlier ones stay valid until their expiry, as DingTalk documents;
/// past this many, the oldest go, so a client calling in a loop cannot grow storage without
/// bound.
pub const MAX_LIVE_MINTED: i64 = 32;

/// A third-party app's suite ticket, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuiteTicket {
    /// The app.
    pub client_id: ClientId,
    /// What the current ticket's value is derived from.
    pub nonce: TokenNonce,
    /// What the previous ticket's value was derived from, while it is still accepted.
    pub previous: Option<TokenNonce>,
    /// When the current ticket was made.
    pub rotated_at: UnixTime,
}

impl SuiteTicket {
    /// The first ticket of an app, made at `now`.
    pub fn mint(rng: &mut (impl RngCore + ?Sized), client_id: ClientId, now: UnixTime) -> Self {
        Self {
            client_id,
            nonce: TokenNonce::generate(rng),
            previous: None,
            rotated_at: now,
        }
    }

    /// Whether the current ticket is due to be replaced at `now`.
    pub fn is_due(&self, now: UnixTime, period: i64) -> bool {
        now.0 >= self.rotated_at.0 + period
    }

    /// When the current ticket falls due.
    pub fn next_rotation(&self, period: i64) -> UnixTime {
        UnixTime(self.rotated_at.0 + period)
    }

    /// The ticket that replaces this one at `now`: a new current ticket, this one becoming the
    /// previous — unless it is older than two periods, when no previous is kept.
    pub fn rotated(&self, rng: &mut (impl RngCore + ?Sized), now: UnixTime, period: i64) -> Self {
        let recent = now.0 < self.rotated_at.0 + 2 * period;
        Self {
            client_id: self.client_id.clone(),
            nonce: TokenNonce::generate(rng),
            previous: recent.then_some(self.nonce),
            rotated_at: now,
        }
    }

    /// Which of this app's tickets `presented` is (constant-time in the value).
    pub fn matches(&self, key: &HashKey, presented: &str) -> TicketMatch {
        let same = |nonce: &TokenNonce| -> bool {
            derive_suite_ticket(key, nonce)
                .expose()
                .as_bytes()
                .ct_eq(presented.as_bytes())
                .into()
        };
        if same(&self.nonce) {
            TicketMatch::Current
        } else if self.previous.as_ref().is_some_and(same) {
            TicketMatch::Previous
        } else {
            TicketMatch::Unknown
        }
    }
}

/// Which kind of token a [`MintedToken`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MintedKind {
    /// A third-party app's token in an org (`corpAccessToken`, `get_corp_token`): accepted
    /// wherever an app token is.
    Corp,
    /// A third-party app's own token (`suiteAccessToken`, `get_suite_token`): accepted only by
    /// the ISV calls about the app's installations.
    Suite,
    /// An org's SSO token (`ssoAccessToken`, `/sso/gettoken`): accepted only by the SSO
    /// user-info calls.
    Sso,
}

impl MintedKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Corp => "corp",
            Self::Suite => "suite",
            Self::Sso => "sso",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Corp, Self::Suite, Self::Sso]
            .into_iter()
            .find(|k| k.as_str() == s)
    }

    /// Seconds a token of this kind lives.
    pub fn ttl(self) -> i64 {
        match self {
            Self::Corp => CORP_TOKEN_TTL,
            Self::Suite => SUITE_TOKEN_TTL,
            Self::Sso => SSO_TOKEN_TTL,
        }
    }
}

/// A token minted anew on each request, as stored: only its keyed hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MintedToken {
    /// Corp, suite or SSO.
    pub kind: MintedKind,
    /// Keyed hash of the value ([`crate::token::access_token_hash`]).
    pub token_hash: crate::KeyedHash,
    /// The app (corp and suite tokens).
    pub client_id: Option<ClientId>,
    /// The org (corp and SSO tokens).
    pub corp_id: Option<crate::CorpId>,
    /// When it was issued.
    pub issued_at: UnixTime,
    /// When it stops working.
    pub expires_at: UnixTime,
}

impl MintedToken {
    /// Whether it still works at `now`.
    pub fn is_live(&self, now: UnixTime) -> bool {
        self.expires_at > now
    }

    /// Seconds of validity left at `now` (never negative).
    pub fn expires_in(&self, now: UnixTime) -> i64 {
        (self.expires_at.0 - now.0).max(0)
    }
}

/// An SSO code as stored: single use, bound to the org admin who opened the app's admin
/// backend, the org and the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoCode {
    /// Keyed hash of the code.
    pub code_hash: crate::KeyedHash,
    /// The org.
    pub corp_id: crate::CorpId,
    /// The admin.
    pub union_id: crate::UnionId,
    /// The app whose admin backend was opened.
    pub client_id: ClientId,
    /// When it stops working.
    pub expires_at: UnixTime,
}

/// Seconds an SSO code lives (DingTalk: about five minutes, single use).
pub const SSO_CODE_TTL: i64 = 300;

/// What a presented suite ticket is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketMatch {
    /// The app's current ticket.
    Current,
    /// The ticket before it (still accepted).
    Previous,
    /// Neither.
    Unknown,
}

impl TicketMatch {
    /// Whether a request carrying this ticket is accepted.
    pub fn accepted(self) -> bool {
        self != Self::Unknown
    }
}

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A suite ticket's value for a nonce: 40 ASCII letters and digits (DingTalk's look like
/// `QsfJCEVF1h6E9fAaGwnAzbvYz…`), safe in a query string unencoded.
pub fn derive_suite_ticket(key: &HashKey, nonce: &TokenNonce) -> Secret {
    let a = key.hash(Purpose::SuiteTicket, &nonce.0);
    let b = key.hash(Purpose::SuiteTicket, &a.0);
    let chars =
        a.0.iter()
            .chain(b.0.iter())
            .take(40)
            .map(|byte| char::from(BASE62[usize::from(*byte) % BASE62.len()]))
            .collect::<String>();
    Secret::new(chars)
}

/// Why a signed call (§A2) was refused, each with its own documented errcode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignedCallError {
    /// 853001: `timestamp` is not a number of milliseconds.
    TimestampFormat,
    /// 853002: `timestamp` is more than a minute from the server's clock.
    TimestampSkew,
    /// 853003: `accessKey` names no app that may make signed calls.
    UnknownAccessKey,
    /// 853004: `signature` does not match.
    SignatureMismatch,
    /// 853005: `suiteTicket` is neither the app's current nor its previous ticket.
    SuiteTicket,
}

impl SignedCallError {
    /// The legacy code this refusal answers with.
    pub fn legacy(self) -> LegacyCode {
        match self {
            Self::TimestampFormat => LegacyCode::TimestampFormat,
            Self::TimestampSkew => LegacyCode::TimestampSkew,
            Self::UnknownAccessKey => LegacyCode::UnknownAccessKey,
            Self::SignatureMismatch => LegacyCode::SignatureMismatch,
            Self::SuiteTicket => LegacyCode::SignedSuiteTicket,
        }
    }
}

/// Checks a signed call's `timestamp` against the server's clock (`now_ms`).
pub fn check_timestamp(timestamp: &str, now_ms: i64) -> Result<(), SignedCallError> {
    if timestamp.is_empty()
        || timestamp.len() > 15
        || !timestamp.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(SignedCallError::TimestampFormat);
    }
    let ms: i64 = timestamp
        .parse()
        .map_err(|_| SignedCallError::TimestampFormat)?;
    if (ms - now_ms).abs() > SIGNATURE_WINDOW_MS {
        return Err(SignedCallError::TimestampSkew);
    }
    Ok(())
}

/// The signature of a signed call: Base64 (standard, padded) of
/// HMAC-SHA256(`secret`, `timestamp` + "\n" + `suite_ticket`) (§A2). The caller URL-encodes it.
pub fn signature(secret: &str, timestamp: &str, suite_ticket: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts any key length");
    mac.update(timestamp.as_bytes());
    mac.update(b"\n");
    mac.update(suite_ticket.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Whether `presented` (already percent-decoded once) is the signature of this call, in
/// constant time. A client that forgot to encode `+` sends a space, which the query decoding
/// made of it: spaces are read back as `+`.
pub fn signature_matches(
    secret: &str,
    timestamp: &str,
    suite_ticket: &str,
    presented: &str,
) -> bool {
    let expected = signature(secret, timestamp, suite_ticket);
    let presented = presented.trim_end_matches('\n').replace(' ', "+");
    expected.as_bytes().ct_eq(presented.as_bytes()).into()
}

/// The signature of the personal-login call `sns/getuserinfo_bycode` (§G2): Base64 of
/// HMAC-SHA256 keyed with the app secret over the `timestamp` alone (what DingTalk's reference
/// page and every client do; another page's `timestamp + "\n" + secret` contradicts them).
pub fn sns_signature(secret: &str, timestamp: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts any key length");
    mac.update(timestamp.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Whether `presented` (percent-decoded once) is [`sns_signature`] of `timestamp`, in constant
/// time; spaces (an unencoded `+`) read back as `+`.
pub fn sns_signature_matches(secret: &str, timestamp: &str, presented: &str) -> bool {
    let expected = sns_signature(secret, timestamp);
    let presented = presented.trim_end_matches('\n').replace(' ', "+");
    expected.as_bytes().ct_eq(presented.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    /// docs/dingtalk/dingtalk-wire-2.md §G2, the computed vector.
    #[test]
    fn the_sns_vector_signs_as_documented() {
        let sig = sns_signature("testappSecret", "1546084445901");
        assert_eq!(sig, "HCbG3xNE3vzhO+u7qCUL1jS5hsu2n5r2cFhnTrtyDAE=");
        assert!(sns_signature_matches(
            "testappSecret",
            "1546084445901",
            &sig
        ));
        assert!(sns_signature_matches(
            "testappSecret",
            "1546084445901",
            &sig.replace('+', " ")
        ));
        assert!(!sns_signature_matches("other", "1546084445901", &sig));
    }

    #[test]
    fn the_spec_vector_signs_as_documented() {
        // docs/dingtalk/dingtalk-wire-2.md §A2, computed vector.
        let sig = signature("testSuiteSecret", "1527130370219", "TestSuiteTicket");
        assert_eq!(sig, "5PMX0+4w0TR03H51PTcORqTVqeQPOxuuuy1hk2aFKKg=");
        assert!(signature_matches(
            "testSuiteSecret",
            "1527130370219",
            "TestSuiteTicket",
            &sig
        ));
        // `+` sent unencoded arrives as a space.
        assert!(signature_matches(
            "testSuiteSecret",
            "1527130370219",
            "TestSuiteTicket",
            "5PMX0 4w0TR03H51PTcORqTVqeQPOxuuuy1hk2aFKKg="
        ));
        assert!(!signature_matches(
            "testSuiteSecret",
            "1527130370220",
            "TestSuiteTicket",
            &sig
        ));
        assert!(!signature_matches(
            "other",
            "1527130370219",
            "TestSuiteTicket",
            &sig
        ));
    }

    #[test]
    fn timestamps_are_milliseconds_within_a_minute() {
        let now = 1_700_000_000_000;
        assert_eq!(check_timestamp("1700000000000", now), Ok(()));
        assert_eq!(check_timestamp("1700000060000", now), Ok(()));
        assert_eq!(
            check_timestamp("1700000060001", now),
            Err(SignedCallError::TimestampSkew)
        );
        assert_eq!(
            check_timestamp("1699999939999", now),
            Err(SignedCallError::TimestampSkew)
        );
        // Seconds instead of milliseconds are far off, not malformed.
        assert_eq!(
            check_timestamp("1700000000", now),
            Err(SignedCallError::TimestampSkew)
        );
        for bad in ["", "-1", "1.5e12", "abc", "1700000000000000000000", " 1"] {
            assert_eq!(
                check_timestamp(bad, now),
                Err(SignedCallError::TimestampFormat),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn tickets_rotate_keeping_the_previous_one_for_a_while() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(5);
        let key = HashKey::from_bytes([9; 32]);
        let app = ClientId::parse("suitetravel").unwrap();
        let first = SuiteTicket::mint(&mut rng, app, UnixTime(1000));
        let v1 = derive_suite_ticket(&key, &first.nonce);
        assert_eq!(v1.expose().len(), 40);
        assert!(v1.expose().bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_eq!(first.matches(&key, v1.expose()), TicketMatch::Current);
        assert!(!first.is_due(
            UnixTime(1000 + SUITE_TICKET_PERIOD - 1),
            SUITE_TICKET_PERIOD
        ));
        assert!(first.is_due(UnixTime(1000 + SUITE_TICKET_PERIOD), SUITE_TICKET_PERIOD));
        let second = first.rotated(
            &mut rng,
            UnixTime(1000 + SUITE_TICKET_PERIOD),
            SUITE_TICKET_PERIOD,
        );
        let v2 = derive_suite_ticket(&key, &second.nonce);
        assert_ne!(v1, v2);
        assert_eq!(second.matches(&key, v2.expose()), TicketMatch::Current);
        assert_eq!(second.matches(&key, v1.expose()), TicketMatch::Previous);
        assert_eq!(
            second.matches(&key, "TestSuiteTicket"),
            TicketMatch::Unknown
        );
        // Read again long after: the old ticket is not kept as the previous one.
        let late = second.rotated(
            &mut rng,
            UnixTime(1000 + 4 * SUITE_TICKET_PERIOD),
            SUITE_TICKET_PERIOD,
        );
        assert_eq!(late.previous, None);
        assert_eq!(late.matches(&key, v2.expose()), TicketMatch::Unknown);
    }
}
