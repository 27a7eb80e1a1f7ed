//! DingTalk's HTTP-callback crypto (docs/dingtalk/dingtalk-wire-2.md §H8): the encrypted,
//! signed envelope of every event POSTed to an app's callback URL, and of the app's answer.
//!
//! * key: Base64 of the 43-character `EncodingAESKey` plus `=` (32 bytes); AES-256-CBC with the
//!   key's first 16 bytes as IV;
//! * plaintext: 16 random bytes ‖ message length (4 bytes, big-endian) ‖ message ‖ own id (the
//!   app's key), PKCS#7-padded to a multiple of **32** bytes; ciphertext Base64-encoded;
//! * signature: SHA-1 hex of `token`, `timestamp`, `nonce` and `encrypt`, sorted, concatenated.
//!
//! Pure: the caller supplies the random bytes, so the same inputs give the same envelope.

use aes::cipher::{block_padding::NoPadding, BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use base64::{
    alphabet,
    engine::{general_purpose::STANDARD, GeneralPurpose, GeneralPurposeConfig},
    Engine as _,
};
use serde::{Deserialize, Serialize};
use sha1::{Digest, Sha1};

type Enc = cbc::Encryptor<aes::Aes256>;
type Dec = cbc::Decryptor<aes::Aes256>;

/// The padding block DingTalk uses (PKCS#7 over 32 bytes, not AES's 16).
const BLOCK: usize = 32;
/// Longest message accepted for decryption (an answer or a pushed event), in bytes of Base64.
pub const MAX_ENCRYPTED_LEN: usize = 256 * 1024;

/// Why an envelope was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallbackError {
    /// The token is not 3–32 letters or digits.
    #[error("the callback token must be 3 to 32 letters or digits")]
    BadToken,
    /// The AES key is not 43 Base64 characters of a 32-byte key.
    #[error("the EncodingAESKey must be 43 characters of Base64 (a 32-byte key)")]
    BadAesKey,
    /// The signature does not match.
    #[error("the signature does not match")]
    BadSignature,
    /// The ciphertext is not Base64, not whole blocks, or its padding or length is wrong.
    #[error("the ciphertext is malformed")]
    Malformed,
    /// It decrypted, but for another app.
    #[error("the message was encrypted for another app")]
    WrongRecipient,
    /// The message is longer than [`MAX_ENCRYPTED_LEN`].
    #[error("the message is too long")]
    TooLong,
}

/// The body DingTalk POSTs: `{"encrypt": "…"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EncryptedBody {
    /// The Base64 ciphertext.
    pub encrypt: String,
}

/// What the receiver answers: the encrypted `success`, signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EncryptedAnswer {
    /// SHA-1 signature over token, `timeStamp`, `nonce` and `encrypt`.
    pub msg_signature: String,
    /// Unix milliseconds, as a string.
    #[serde(rename = "timeStamp")]
    pub time_stamp: String,
    /// A random string.
    pub nonce: String,
    /// The Base64 ciphertext of `success`.
    pub encrypt: String,
}

/// One app's callback crypto: its token, AES key and own id.
#[derive(Clone)]
pub struct CallbackCrypto {
    token: String,
    key: [u8; 32],
    own_id: String,
}

impl std::fmt::Debug for CallbackCrypto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallbackCrypto")
            .field("own_id", &self.own_id)
            .finish_non_exhaustive()
    }
}

/// Base64 as Python's `base64.b64decode` reads an `EncodingAESKey`: the bits past the 32nd
/// byte of a 43-character key are whatever the key's last character carries, so they are
/// ignored rather than refused.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true),
);

/// Whether `token` is a valid callback token (3–32 ASCII letters or digits).
pub fn valid_token(token: &str) -> bool {
    (3..=32).contains(&token.len()) && token.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The 32-byte key of a 43-character `EncodingAESKey`.
pub fn decode_aes_key(aes_key: &str) -> Result<[u8; 32], CallbackError> {
    if aes_key.len() != 43 {
        return Err(CallbackError::BadAesKey);
    }
    let bytes = LENIENT
        .decode(format!("{aes_key}="))
        .map_err(|_| CallbackError::BadAesKey)?;
    bytes.try_into().map_err(|_| CallbackError::BadAesKey)
}

/// The 43-character `EncodingAESKey` of a 32-byte key.
pub fn encode_aes_key(key: &[u8; 32]) -> String {
    let mut s = STANDARD.encode(key);
    s.pop();
    s
}

/// SHA-1 hex of the four parts sorted and concatenated (DingTalk's `DingTalkSigner`).
pub fn signature(token: &str, timestamp: &str, nonce: &str, encrypt: &str) -> String {
    let mut parts = [token, timestamp, nonce, encrypt];
    parts.sort_unstable();
    hex_lower(&Sha1::digest(parts.concat().as_bytes()))
}

fn hex_lower(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// Compares two strings in time independent of where they differ.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

impl CallbackCrypto {
    /// The crypto of an app with this `token`, `EncodingAESKey` and own id (its key).
    pub fn new(token: &str, aes_key: &str, own_id: &str) -> Result<Self, CallbackError> {
        if !valid_token(token) {
            return Err(CallbackError::BadToken);
        }
        Ok(Self {
            token: token.to_owned(),
            key: decode_aes_key(aes_key)?,
            own_id: own_id.to_owned(),
        })
    }

    /// The own id mixed into every message.
    pub fn own_id(&self) -> &str {
        &self.own_id
    }

    /// Encrypts `message` with the 16 `random` bytes in front.
    pub fn encrypt(&self, random: [u8; 16], message: &str) -> String {
        let mut plain = Vec::with_capacity(20 + message.len() + self.own_id.len() + BLOCK);
        plain.extend_from_slice(&random);
        plain.extend_from_slice(&(message.len() as u32).to_be_bytes());
        plain.extend_from_slice(message.as_bytes());
        plain.extend_from_slice(self.own_id.as_bytes());
        let pad = BLOCK - plain.len() % BLOCK;
        plain.extend(std::iter::repeat_n(pad as u8, pad));
        let len = plain.len();
        let enc = Enc::new(&self.key.into(), self.key[..16].into());
        let out = enc
            .encrypt_padded_mut::<NoPadding>(&mut plain, len)
            .expect("whole blocks");
        STANDARD.encode(out)
    }

    /// Decrypts `encrypt` (without checking a signature) into the message, checking the own id.
    pub fn decrypt(&self, encrypt: &str) -> Result<String, CallbackError> {
        if encrypt.len() > MAX_ENCRYPTED_LEN {
            return Err(CallbackError::TooLong);
        }
        let mut data = STANDARD
            .decode(encrypt.trim())
            .map_err(|_| CallbackError::Malformed)?;
        if data.is_empty() || data.len() % 16 != 0 {
            return Err(CallbackError::Malformed);
        }
        let dec = Dec::new(&self.key.into(), self.key[..16].into());
        let plain = dec
            .decrypt_padded_mut::<NoPadding>(&mut data)
            .map_err(|_| CallbackError::Malformed)?;
        let pad = *plain.last().ok_or(CallbackError::Malformed)? as usize;
        if pad == 0 || pad > BLOCK || pad > plain.len() {
            return Err(CallbackError::Malformed);
        }
        let content = &plain[..plain.len() - pad];
        if content.len() < 20 {
            return Err(CallbackError::Malformed);
        }
        let len = u32::from_be_bytes(content[16..20].try_into().expect("4 bytes")) as usize;
        let rest = &content[20..];
        if len > rest.len() {
            return Err(CallbackError::Malformed);
        }
        let (message, id) = rest.split_at(len);
        if id != self.own_id.as_bytes() {
            return Err(CallbackError::WrongRecipient);
        }
        String::from_utf8(message.to_vec()).map_err(|_| CallbackError::Malformed)
    }

    /// The signature of an envelope under this app's token.
    pub fn sign(&self, timestamp: &str, nonce: &str, encrypt: &str) -> String {
        signature(&self.token, timestamp, nonce, encrypt)
    }

    /// Checks the signature, then decrypts.
    pub fn verify_and_decrypt(
        &self,
        signature: &str,
        timestamp: &str,
        nonce: &str,
        encrypt: &str,
    ) -> Result<String, CallbackError> {
        if !same(&self.sign(timestamp, nonce, encrypt), signature) {
            return Err(CallbackError::BadSignature);
        }
        self.decrypt(encrypt)
    }

    /// The signed, encrypted answer carrying `message` (`success` for a handled event).
    pub fn answer(
        &self,
        random: [u8; 16],
        message: &str,
        time_stamp: &str,
        nonce: &str,
    ) -> EncryptedAnswer {
        let encrypt = self.encrypt(random, message);
        EncryptedAnswer {
            msg_signature: self.sign(time_stamp, nonce, &encrypt),
            time_stamp: time_stamp.to_owned(),
            nonce: nonce.to_owned(),
            encrypt,
        }
    }

    /// Checks an answer's signature and decrypts it.
    pub fn open_answer(&self, a: &EncryptedAnswer) -> Result<String, CallbackError> {
        self.verify_and_decrypt(&a.msg_signature, &a.time_stamp, &a.nonce, &a.encrypt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

    #[test]
    fn round_trip_and_refusals() {
        let c = CallbackCrypto::new("tok123", KEY, "dingapp").unwrap();
        let e = c.encrypt([7; 16], "{\"EventType\":\"check_url\"}");
        assert_eq!(c.decrypt(&e).unwrap(), "{\"EventType\":\"check_url\"}");
        // 32-byte padding: 16 + 4 + 25 + 7 = 52 → 64 bytes of ciphertext.
        assert_eq!(STANDARD.decode(&e).unwrap().len(), 64);
        let other = CallbackCrypto::new("tok123", KEY, "dingother").unwrap();
        assert_eq!(other.decrypt(&e), Err(CallbackError::WrongRecipient));
        let a = c.answer([1; 16], "success", "1700000000000", "n0nce");
        assert_eq!(c.open_answer(&a).unwrap(), "success");
        let mut forged = a.clone();
        forged.nonce = "other".into();
        assert_eq!(c.open_answer(&forged), Err(CallbackError::BadSignature));
        assert_eq!(c.decrypt("not base64!"), Err(CallbackError::Malformed));
        assert_eq!(
            c.decrypt(&STANDARD.encode([0u8; 15])),
            Err(CallbackError::Malformed)
        );
        assert!(CallbackCrypto::new("a", KEY, "x").is_err());
        assert!(CallbackCrypto::new("tok123", "short", "x").is_err());
        let canonical = encode_aes_key(&decode_aes_key(KEY).unwrap());
        assert_eq!(decode_aes_key(&canonical), decode_aes_key(KEY));
    }

    /// Made by PyPI `dingtalk-sdk` 1.3.8, an implementation independent of this one:
    /// `DingTalkCrypto("tok123", KEY, "dingapp").encrypt_message("success", nonce="n0nce",
    /// timestamp="1700000000000")`.
    #[test]
    fn opens_what_dingtalk_sdk_encrypted() {
        let c = CallbackCrypto::new("tok123", KEY, "dingapp").unwrap();
        let answer = EncryptedAnswer {
            msg_signature: "3980ea695861ef4209ea45fd50c8712fa06da858".into(),
            time_stamp: "1700000000000".into(),
            nonce: "n0nce".into(),
            encrypt: "lS6LK2VIeywu6hLblPtULIe0GrspB4892l1FD7U3+RiYEmFQk/4h8eCIwJXzRpsDFeGuCKPr0idkeHBO0XJhrg==".into(),
        };
        assert_eq!(c.open_answer(&answer).unwrap(), "success");
    }

    #[test]
    fn signature_sorts_its_parts() {
        assert_eq!(signature("b", "a", "d", "c"), signature("a", "b", "c", "d"));
        assert_eq!(
            signature("a", "b", "c", "d"),
            hex_lower(&Sha1::digest(b"abcd"))
        );
    }
}
