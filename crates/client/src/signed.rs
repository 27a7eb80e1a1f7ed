//! DingTalk's signed calls (docs/dingtalk/dingtalk-wire-2.md §A2): a third-party or custom
//! app proves it holds its secret and the current suite ticket with
//! `?accessKey=&timestamp=&suiteTicket=&signature=`, the signature being Base64 of
//! HMAC-SHA256(secret, `timestamp` + `"\n"` + `suiteTicket`).

use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::{ApiRequest, Credentials, Secret};

/// The signature of a signed call: standard, padded Base64 of HMAC-SHA256 keyed with the
/// suite (or custom app) secret over `timestamp` + `"\n"` + `suite_ticket`. Put it in the query
/// URL-encoded (`+` → `%2B`, `/` → `%2F`, `=` → `%3D`); [`SignedQuery`] does all of it.
pub fn suite_signature(secret: &Secret, timestamp: &str, suite_ticket: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.expose().as_bytes())
        .expect("HMAC accepts any key length");
    mac.update(timestamp.as_bytes());
    mac.update(b"\n");
    mac.update(suite_ticket.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// The four query parameters of a signed call, made at one instant. DingTalk refuses a
/// timestamp more than a minute from its clock (853002), so make one per request.
#[derive(Clone)]
pub struct SignedQuery {
    /// `accessKey`: the suite key (the app's clientId) or custom key.
    pub access_key: String,
    /// `timestamp`: milliseconds since the Unix epoch, as a decimal string.
    pub timestamp: String,
    /// `suiteTicket`: the ticket signed (any string for a custom app).
    pub suite_ticket: Secret,
    /// `signature`: [`suite_signature`] of the above.
    pub signature: String,
}

impl std::fmt::Debug for SignedQuery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignedQuery")
            .field("access_key", &self.access_key)
            .field("timestamp", &self.timestamp)
            .finish_non_exhaustive()
    }
}

impl SignedQuery {
    /// Signs now with the app's `credentials` and `suite_ticket`.
    pub fn now(credentials: &Credentials, suite_ticket: &Secret) -> Self {
        Self::at(
            credentials,
            suite_ticket,
            crate::app_token::now_ms().to_string(),
        )
    }

    /// Signs with a given `timestamp` (milliseconds): for tests and for clocks kept elsewhere.
    pub fn at(credentials: &Credentials, suite_ticket: &Secret, timestamp: String) -> Self {
        let signature = suite_signature(
            &credentials.client_secret,
            &timestamp,
            suite_ticket.expose(),
        );
        Self {
            access_key: credentials.client_id.clone(),
            timestamp,
            suite_ticket: suite_ticket.clone(),
            signature,
        }
    }

    /// Adds the four parameters to `request` (the ticket as a secret query parameter, kept
    /// out of logs).
    pub fn apply(self, request: ApiRequest) -> ApiRequest {
        request
            .query("accessKey", &self.access_key)
            .query("timestamp", &self.timestamp)
            .query("signature", &self.signature)
            .query_secret("suiteTicket", self.suite_ticket)
            .legacy()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// docs/dingtalk/dingtalk-wire-2.md §A2, the computed vector.
    #[test]
    fn the_spec_vector_signs_as_documented() {
        let secret = Secret::new("testSuiteSecret");
        assert_eq!(
            suite_signature(&secret, "1527130370219", "TestSuiteTicket"),
            "5PMX0+4w0TR03H51PTcORqTVqeQPOxuuuy1hk2aFKKg="
        );
        let q = SignedQuery::at(
            &Credentials::new("suitekey", "testSuiteSecret"),
            &Secret::new("TestSuiteTicket"),
            "1527130370219".into(),
        );
        assert_eq!(q.signature, "5PMX0+4w0TR03H51PTcORqTVqeQPOxuuuy1hk2aFKKg=");
        assert!(!format!("{q:?}").contains("TestSuiteTicket"));
        // A different ticket or timestamp is a different signature.
        assert_ne!(
            suite_signature(&secret, "1527130370220", "TestSuiteTicket"),
            q.signature
        );
        assert_ne!(
            suite_signature(&secret, "1527130370219", "OtherTicket"),
            q.signature
        );
    }
}
