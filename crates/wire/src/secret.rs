//! Strings that must never reach a log: client secrets, access and refresh tokens, auth codes.
//!
//! [`Secret`] prints `[redacted]` in `Debug`, has no `Display`, and hands its value out only
//! through [`Secret::expose`], so every place a secret leaves the process is easy to find; its
//! bytes are zeroed when it is dropped.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A secret string. `Debug` shows `Secret([redacted])`; the value is reached only through
/// [`Secret::expose`]. Serializes as the plain string (it goes on the wire as is).
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself. Call only where it must leave the process: a request body or header.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the value is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Drop for Secret {
    /// Overwrites the value's bytes before its memory is freed, so a freed secret does not
    /// linger in the heap (copies a caller made with [`Secret::expose`] are theirs to manage).
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.0);
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self)
    }
}

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Secret {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        <String as utoipa::PartialSchema>::schema()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Secret {}

/// An app's client credentials: `clientId` (AppKey / SuiteKey) and its secret.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Credentials {
    /// The app's clientId (also called AppKey, SuiteKey or AppId).
    pub client_id: String,
    /// The app's client secret (AppSecret / SuiteSecret).
    pub client_secret: Secret,
}

impl Credentials {
    /// Client credentials from a clientId and its secret.
    pub fn new(client_id: impl Into<String>, client_secret: impl Into<Secret>) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let s = Secret::new("hunter2-very-secret");
        assert_eq!(format!("{s:?}"), "Secret([redacted])");
        let c = Credentials::new("dingapp", "hunter2-very-secret");
        let shown = format!("{c:?}");
        assert!(
            shown.contains("dingapp") && !shown.contains("hunter2"),
            "{shown}"
        );
        assert_eq!(
            serde_json::to_string(&s).unwrap(),
            "\"hunter2-very-secret\""
        );
        let back: Secret = serde_json::from_str("\"abc\"").unwrap();
        assert_eq!(back.expose(), "abc");
    }
}
