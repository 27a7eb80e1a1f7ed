//! Receiving DingTalk's HTTP callbacks: verify and decrypt a push, and build the encrypted
//! `success` answer DingTalk waits for (docs/events.md). No I/O: plug it into any web framework.
//!
//! ```
//! use opending_client::callback::CallbackReceiver;
//!
//! # fn handle(signature: &str, timestamp: &str, nonce: &str, body: &[u8]) -> Result<String, Box<dyn std::error::Error>> {
//! let receiver = CallbackReceiver::new("cbtoken123", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", "dingappkey")?;
//! // The query's signature/timestamp/nonce and the POST body `{"encrypt": "..."}`:
//! let event = receiver.open(signature, timestamp, nonce, body)?;
//! println!("{}", event["EventType"]);
//! // Answer with this JSON, or DingTalk counts the push as failed and sends it again.
//! Ok(serde_json::to_string(&receiver.success())?)
//! # }
//! ```

use opending_wire::callback::{CallbackCrypto, EncryptedAnswer, EncryptedBody};
pub use opending_wire::callback::{CallbackError, MAX_ENCRYPTED_LEN};
use rand::{distributions::Alphanumeric, Rng, RngCore};

/// Why a push was refused.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The body is not `{"encrypt": "..."}`.
    #[error("the body is not DingTalk's encrypted envelope: {0}")]
    Body(serde_json::Error),
    /// The signature, ciphertext or recipient is wrong.
    #[error(transparent)]
    Crypto(#[from] CallbackError),
    /// The plaintext is not a JSON object.
    #[error("the decrypted message is not JSON: {0}")]
    Plaintext(serde_json::Error),
}

/// An app's side of DingTalk's HTTP callbacks: its token, `EncodingAESKey` and key.
#[derive(Debug, Clone)]
pub struct CallbackReceiver {
    crypto: CallbackCrypto,
}

impl CallbackReceiver {
    /// The receiver of the app whose key (clientId / suiteKey) is `app_key`, registered with
    /// `token` and `aes_key`.
    pub fn new(token: &str, aes_key: &str, app_key: &str) -> Result<Self, CallbackError> {
        Ok(Self {
            crypto: CallbackCrypto::new(token, aes_key, app_key)?,
        })
    }

    /// Verifies and decrypts one push: the query's `signature`, `timestamp` and `nonce`, and
    /// the raw body. The event's plaintext (`EventType` and its fields).
    pub fn open(
        &self,
        signature: &str,
        timestamp: &str,
        nonce: &str,
        body: &[u8],
    ) -> Result<serde_json::Value, OpenError> {
        let body: EncryptedBody = serde_json::from_slice(body).map_err(OpenError::Body)?;
        let plain = self
            .crypto
            .verify_and_decrypt(signature, timestamp, nonce, &body.encrypt)?;
        serde_json::from_str(&plain).map_err(OpenError::Plaintext)
    }

    /// The answer that acknowledges a push: `success`, encrypted and signed.
    pub fn success(&self) -> EncryptedAnswer {
        self.answer("success")
    }

    /// An encrypted, signed answer carrying `message`.
    pub fn answer(&self, message: &str) -> EncryptedAnswer {
        let mut rng = rand::thread_rng();
        let mut random = [0u8; 16];
        rng.fill_bytes(&mut random);
        let nonce: String = (&mut rng)
            .sample_iter(&Alphanumeric)
            .take(16)
            .map(char::from)
            .collect();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0);
        self.crypto
            .answer(random, message, &now.to_string(), &nonce)
    }

    /// The crypto itself, to encrypt or check anything else.
    pub fn crypto(&self) -> &CallbackCrypto {
        &self.crypto
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_push_opens_and_the_answer_verifies() {
        let r = CallbackReceiver::new(
            "cbtoken123",
            "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
            "dingapp",
        )
        .unwrap();
        let enc = r.crypto().encrypt([3; 16], r#"{"EventType":"check_url"}"#);
        let sig = r.crypto().sign("1700000000000", "abc", &enc);
        let body = serde_json::to_vec(&EncryptedBody { encrypt: enc }).unwrap();
        let v = r.open(&sig, "1700000000000", "abc", &body).unwrap();
        assert_eq!(v["EventType"], "check_url");
        assert!(matches!(
            r.open("0000", "1700000000000", "abc", &body),
            Err(OpenError::Crypto(CallbackError::BadSignature))
        ));
        assert_eq!(r.crypto().open_answer(&r.success()).unwrap(), "success");
    }
}
