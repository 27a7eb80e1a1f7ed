//! Identifiers that look like DingTalk's (docs/dingtalk/decisions.md §13) and parse instead of validate.
//!
//! A `CorpId` or `ClientId` can only be built from a string that is safe to put in a URL path,
//! a log line or an SQL parameter: 1 to 64 ASCII letters, digits, `_` or `-`. Seed files may pick
//! any such value; generated ones follow DingTalk's shapes (`ding` + 32 hex for orgs, `ding…` for
//! internal apps, `suite…` for third-party apps).

use std::fmt;

use rand::{distributions::Alphanumeric, Rng, RngCore};
use serde::{Deserialize, Serialize};

/// Longest identifier accepted anywhere.
pub const MAX_ID_LEN: usize = 64;

/// Why a string is not a valid identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// The string is empty.
    #[error("{0} is empty")]
    Empty(&'static str),
    /// The string is longer than [`MAX_ID_LEN`].
    #[error("{0} is longer than {MAX_ID_LEN} characters")]
    TooLong(&'static str),
    /// The string has a character outside `[A-Za-z0-9_-]`.
    #[error("{0} may only contain ASCII letters, digits, '_' and '-'")]
    BadCharacter(&'static str),
}

fn check(what: &'static str, s: &str) -> Result<(), IdError> {
    if s.is_empty() {
        return Err(IdError::Empty(what));
    }
    if s.len() > MAX_ID_LEN {
        return Err(IdError::TooLong(what));
    }
    if !s
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err(IdError::BadCharacter(what));
    }
    Ok(())
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Parses an identifier, refusing anything unsafe (see the module docs).
            pub fn parse(s: impl Into<String>) -> Result<Self, IdError> {
                let s = s.into();
                check($what, &s)?;
                Ok(Self(s))
            }

            /// The identifier as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(s: String) -> Result<Self, IdError> {
                Self::parse(s)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

id_type!(
    /// An organisation's id (`corpId`), e.g. `ding3f9c…` (32 hex digits after `ding`).
    CorpId,
    "corpId"
);
id_type!(
    /// An app's id (`clientId`, also called AppKey / SuiteKey).
    ClientId,
    "clientId"
);

impl CorpId {
    /// A fresh corpId: `ding` followed by 32 lowercase hex digits.
    pub fn generate(rng: &mut (impl RngCore + ?Sized)) -> Self {
        let mut bytes = [0u8; 16];
        rng.fill_bytes(&mut bytes);
        Self(format!("ding{}", hex::encode(bytes)))
    }
}

impl ClientId {
    /// A fresh clientId: `ding` (internal apps) or `suite` (third-party apps) followed by 18
    /// lowercase alphanumerics.
    pub fn generate(rng: &mut (impl RngCore + ?Sized), third_party: bool) -> Self {
        let prefix = if third_party { "suite" } else { "ding" };
        let tail: String = (&mut *rng)
            .sample_iter(&Alphanumeric)
            .take(18)
            .map(|b| (b as char).to_ascii_lowercase())
            .collect();
        Self(format!("{prefix}{tail}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn accepts_dingtalk_shapes_and_refuses_unsafe_strings() {
        assert!(CorpId::parse("ding9f0e1d2c3b4a59687766554433221100").is_ok());
        assert!(ClientId::parse("suite123").is_ok());
        assert_eq!(CorpId::parse(""), Err(IdError::Empty("corpId")));
        assert_eq!(CorpId::parse(".."), Err(IdError::BadCharacter("corpId")));
        assert_eq!(CorpId::parse("a/b"), Err(IdError::BadCharacter("corpId")));
        assert_eq!(CorpId::parse("企业"), Err(IdError::BadCharacter("corpId")));
        assert_eq!(
            CorpId::parse("a".repeat(65)),
            Err(IdError::TooLong("corpId"))
        );
        assert!(CorpId::parse("a".repeat(64)).is_ok());
    }

    #[test]
    fn generated_ids_have_dingtalk_shapes() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let corp = CorpId::generate(&mut rng);
        assert!(corp.as_str().starts_with("ding") && corp.as_str().len() == 36);
        assert!(corp.as_str()[4..].bytes().all(|b| b.is_ascii_hexdigit()));
        let internal = ClientId::generate(&mut rng, false);
        let suite = ClientId::generate(&mut rng, true);
        assert!(internal.as_str().starts_with("ding") && internal.as_str().len() == 22);
        assert!(suite.as_str().starts_with("suite") && suite.as_str().len() == 23);
        assert!(CorpId::parse(corp.as_str()).is_ok() && ClientId::parse(suite.as_str()).is_ok());
    }

    #[test]
    fn deserialising_goes_through_the_parser() {
        let bad: Result<CorpId, _> = serde_json::from_str("\"../x\"");
        assert!(bad.is_err());
    }
}
