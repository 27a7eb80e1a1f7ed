//! Secrets and how they are kept: never in logs, never at rest.
//!
//! Client secrets, tokens, codes and the admin key are stored as HMAC-SHA256 under the server's
//! hash key ([`HashKey`]), with a purpose label so a hash made for one use can never match another.
//! High-entropy random values need no slow hash (argon2id is kept for human passwords). When the
//! key is configured outside the database (`hash_key`), a stolen database alone reveals no
//! secret or token and allows no offline guessing; when it is left to be generated, it is kept
//! in the database and that protection is gone (docs/security.md). Comparisons are constant-time.

use std::fmt;

use hmac::{Hmac, Mac};
use rand::{distributions::Alphanumeric, Rng, RngCore};
use sha2::Sha256;
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

/// A secret string: `Debug` and `Display` print `[redacted]`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret.
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }

    /// The secret itself; call only where it must leave the process (a response body).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// A fresh client secret: 64 ASCII alphanumerics (about 381 bits), like DingTalk's.
    pub fn generate_client_secret(rng: &mut (impl RngCore + ?Sized)) -> Self {
        Self(
            (&mut *rng)
                .sample_iter(&Alphanumeric)
                .take(64)
                .map(char::from)
                .collect(),
        )
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl<'de> serde::Deserialize<'de> for Secret {
    /// Accepts a string, or a number taken as its decimal text (an all-digit key given in an
    /// environment variable arrives as a number).
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Secret;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Secret, E> {
                Ok(Secret(v.to_owned()))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Secret, E> {
                Ok(Secret(v.to_string()))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Secret, E> {
                Ok(Secret(v.to_string()))
            }
            fn visit_u128<E: serde::de::Error>(self, v: u128) -> Result<Secret, E> {
                Ok(Secret(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// What a keyed hash is for; part of the MAC input so hashes of one kind never match another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// An app's client secret.
    ClientSecret,
    /// Looking up an access token by its value.
    AccessToken,
    /// Deriving an app access token's value from its stored nonce.
    AppTokenDerivation,
    /// The admin key.
    AdminKey,
    /// The fingerprint that tells which hash key a database was set up with.
    KeyFingerprint,
    /// Deriving a user's openId for an app developer.
    OpenId,
    /// Looking up a refresh token.
    RefreshToken,
    /// Looking up an authorization code.
    AuthCode,
    /// Looking up a browser session.
    Session,
    /// Deriving a form's CSRF token from its session.
    Csrf,
    /// The check carried in every access token's value (see `token.rs`).
    TokenCheck,
    /// Deriving the pair a refresh token is rotated into from its value (see `token.rs`).
    RefreshSuccessor,
    /// Deriving a JSAPI ticket's value from its stored nonce (see `jsapi.rs`).
    JsapiTicket,
    /// Deriving a suite ticket's value from its stored nonce (see `isv.rs`).
    SuiteTicket,
    /// Deriving the key that seals client secrets at rest ([`HashKey::seal`]).
    SecretSeal,
    /// Looking up an SSO code.
    SsoCode,
    /// Looking up an in-app login (免登) code.
    LoginCode,
    /// Looking up a Stream connection ticket.
    StreamTicket,
}

impl Purpose {
    fn label(self) -> &'static [u8] {
        match self {
            Self::ClientSecret => b"opending/client-secret/v1\0",
            Self::AccessToken => b"opending/access-token/v1\0",
            Self::AppTokenDerivation => b"opending/app-token-derivation/v1\0",
            Self::AdminKey => b"opending/admin-key/v1\0",
            Self::KeyFingerprint => b"opending/key-fingerprint/v1\0",
            Self::OpenId => b"opending/open-id/v1\0",
            Self::RefreshToken => b"opending/refresh-token/v1\0",
            Self::AuthCode => b"opending/auth-code/v1\0",
            Self::Session => b"opending/session/v1\0",
            Self::Csrf => b"opending/csrf/v1\0",
            Self::TokenCheck => b"opending/token-check/v1\0",
            Self::RefreshSuccessor => b"opending/refresh-successor/v1\0",
            Self::JsapiTicket => b"opending/jsapi-ticket/v1\0",
            Self::SuiteTicket => b"opending/suite-ticket/v1\0",
            Self::SecretSeal => b"opending/secret-seal/v1\0",
            Self::SsoCode => b"opending/sso-code/v1\0",
            Self::LoginCode => b"opending/login-code/v1\0",
            Self::StreamTicket => b"opending/stream-ticket/v1\0",
        }
    }
}

/// The server's 32-byte key for keyed hashes. `Debug` never shows it.
#[derive(Clone)]
pub struct HashKey([u8; 32]);

impl HashKey {
    /// A key from raw bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// A fresh random key.
    pub fn generate(rng: &mut (impl RngCore + ?Sized)) -> Self {
        let mut k = [0u8; 32];
        rng.fill_bytes(&mut k);
        Self(k)
    }

    /// Parses 64 hex digits.
    pub fn from_hex(s: &str) -> Result<Self, String> {
        let bytes = hex::decode(s.trim()).map_err(|e| format!("hash key is not hex: {e}"))?;
        let arr: [u8; 32] = bytes
            .try_into()
            .map_err(|_| "hash key must be 32 bytes (64 hex digits)".to_owned())?;
        Ok(Self(arr))
    }

    /// The key as 64 hex digits (for storing it where the operator asked).
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Seals a client secret for storage: XChaCha20-Poly1305 under a key derived from this
    /// one, with a random nonce; hex of nonce and ciphertext. Only what a server must compute
    /// *with* the secret is sealed (DingTalk's signed calls are an HMAC keyed by the app's
    /// secret, docs/dingtalk/dingtalk-wire-2.md §A2); lookups still go by keyed hash. Like the
    /// hashes, a sealed secret is useless without the key.
    pub fn seal(&self, rng: &mut (impl RngCore + ?Sized), plaintext: &str) -> String {
        use chacha20poly1305::{aead::Aead, KeyInit, XChaCha20Poly1305, XNonce};
        let cipher = XChaCha20Poly1305::new(&self.hash(Purpose::SecretSeal, b"").0.into());
        let mut nonce = [0u8; 24];
        rng.fill_bytes(&mut nonce);
        let sealed = cipher
            .encrypt(XNonce::from_slice(&nonce), plaintext.as_bytes())
            .expect("XChaCha20-Poly1305 seals any message shorter than 256 GiB");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        hex::encode(out)
    }

    /// Opens what [`HashKey::seal`] sealed under this key; `None` when it was sealed under
    /// another key, or is damaged.
    pub fn open(&self, sealed: &str) -> Option<Secret> {
        use chacha20poly1305::{aead::Aead, KeyInit, XChaCha20Poly1305, XNonce};
        let bytes = hex::decode(sealed).ok()?;
        if bytes.len() < 24 {
            return None;
        }
        let (nonce, ciphertext) = bytes.split_at(24);
        let cipher = XChaCha20Poly1305::new(&self.hash(Purpose::SecretSeal, b"").0.into());
        let plain = cipher.decrypt(XNonce::from_slice(nonce), ciphertext).ok()?;
        String::from_utf8(plain).ok().map(Secret::new)
    }

    /// HMAC-SHA256 of `value` for `purpose`.
    pub fn hash(&self, purpose: Purpose, value: &[u8]) -> KeyedHash {
        let mut mac = HmacSha256::new_from_slice(&self.0).expect("HMAC accepts any key length");
        mac.update(purpose.label());
        mac.update(value);
        KeyedHash(mac.finalize().into_bytes().into())
    }

    /// A value that identifies this key without revealing it.
    pub fn fingerprint(&self) -> KeyedHash {
        self.hash(Purpose::KeyFingerprint, b"")
    }
}

impl fmt::Debug for HashKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HashKey([redacted])")
    }
}

/// A 32-byte keyed hash, compared in constant time.
#[derive(Clone, Copy, Eq)]
pub struct KeyedHash(pub [u8; 32]);

impl KeyedHash {
    /// Lowercase hex, the form stored in the database.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Parses the stored hex form.
    pub fn from_hex(s: &str) -> Result<Self, String> {
        let bytes = hex::decode(s).map_err(|e| format!("stored hash is not hex: {e}"))?;
        bytes
            .try_into()
            .map(Self)
            .map_err(|_| "stored hash must be 32 bytes".to_owned())
    }
}

impl PartialEq for KeyedHash {
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl fmt::Debug for KeyedHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyedHash({}…)", &self.to_hex()[..8])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn sealed_secrets_open_only_under_their_key() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let key = HashKey::from_bytes([3; 32]);
        let sealed = key.seal(&mut rng, "the-suite-secret");
        assert!(!sealed.contains("the-suite-secret"));
        assert_eq!(key.open(&sealed).unwrap().expose(), "the-suite-secret");
        // A fresh nonce each time, the same plaintext.
        assert_ne!(key.seal(&mut rng, "the-suite-secret"), sealed);
        assert!(HashKey::from_bytes([4; 32]).open(&sealed).is_none());
        let mut damaged = sealed.clone().into_bytes();
        damaged[60] = if damaged[60] == b'0' { b'1' } else { b'0' };
        assert!(key.open(std::str::from_utf8(&damaged).unwrap()).is_none());
        assert!(key.open("zz").is_none() && key.open("00").is_none());
    }

    #[test]
    fn hashes_depend_on_key_and_purpose() {
        let a = HashKey::from_bytes([1; 32]);
        let b = HashKey::from_bytes([2; 32]);
        let h = a.hash(Purpose::ClientSecret, b"s");
        assert_eq!(h, a.hash(Purpose::ClientSecret, b"s"));
        assert_ne!(h, b.hash(Purpose::ClientSecret, b"s"));
        assert_ne!(h, a.hash(Purpose::AccessToken, b"s"));
        assert_eq!(KeyedHash::from_hex(&h.to_hex()).unwrap(), h);
    }

    #[test]
    fn secrets_never_print() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s:?} {s}"), "Secret([redacted]) [redacted]");
        assert!(!format!("{:?}", HashKey::from_bytes([9; 32])).contains('9'));
    }

    #[test]
    fn generated_client_secrets_are_long_and_alphanumeric() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let s = Secret::generate_client_secret(&mut rng);
        assert_eq!(s.expose().len(), 64);
        assert!(s.expose().bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_ne!(s, Secret::generate_client_secret(&mut rng));
    }

    #[test]
    fn hash_key_hex_round_trip_and_errors() {
        let k = HashKey::from_bytes([0xab; 32]);
        assert_eq!(
            HashKey::from_hex(&k.to_hex()).unwrap().fingerprint(),
            k.fingerprint()
        );
        assert!(HashKey::from_hex("zz").is_err());
        assert!(HashKey::from_hex("abcd").is_err());
    }
}
