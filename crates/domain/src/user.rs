//! Users, their org memberships, and the ids apps see them by.
//!
//! A user's `unionId` is the same for every app; an `openId` is stable per (app developer,
//! user) and differs between developers (docs/dingtalk/decisions.md §13), so it is derived, not stored:
//! HMAC(hash key, developer corpId, unionId), url-safe.

use std::str::FromStr;

use rand::{distributions::Alphanumeric, Rng, RngCore};
use serde::{Deserialize, Serialize};

use crate::{
    secret::{HashKey, Purpose},
    CorpId, UnixTime,
};

/// A user's unionId: 1 to 64 url-safe characters (`[A-Za-z0-9_-]`).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct UnionId(String);

impl UnionId {
    /// Parses a unionId.
    pub fn parse(s: impl Into<String>) -> Result<Self, String> {
        let s = s.into();
        if (1..=64).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            Ok(Self(s))
        } else {
            Err(format!(
                "unionId {s:?} must be 1 to 64 ASCII letters, digits, '_' or '-'"
            ))
        }
    }

    /// A fresh unionId: 22 alphanumerics followed by `iEiE`, like DingTalk's.
    pub fn generate(rng: &mut (impl RngCore + ?Sized)) -> Self {
        let body: String = (&mut *rng)
            .sample_iter(&Alphanumeric)
            .take(22)
            .map(char::from)
            .collect();
        Self(format!("{body}iEiE"))
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for UnionId {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(s)
    }
}

impl From<UnionId> for String {
    fn from(u: UnionId) -> String {
        u.0
    }
}

impl std::fmt::Display for UnionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::fmt::Debug for UnionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "UnionId({:?})", self.0)
    }
}

/// The openId a developer's apps see for a user.
pub fn open_id(key: &HashKey, developer: &CorpId, user: &UnionId) -> String {
    let mut input = Vec::with_capacity(developer.as_str().len() + user.as_str().len() + 1);
    input.extend_from_slice(developer.as_str().as_bytes());
    input.push(0);
    input.extend_from_slice(user.as_str().as_bytes());
    let mac = key.hash(Purpose::OpenId, &input);
    // 20 bytes as lowercase hex + a fixed tail: 44 url-safe characters.
    format!("{}iEiE", hex::encode(&mac.0[..20]))
}

/// A member's `userid` in an org: DingTalk's org-scoped user id (docs/dingtalk/decisions.md §22),
/// distinct from the cross-org unionId. Derived from (corpId, unionId) — stable, different in
/// each org, needing no storage: 17 decimal digits with a leading `0`, the shape of the userids
/// DingTalk assigns today (`0447654442691174…`). Not a secret.
pub fn userid(corp: &CorpId, user: &UnionId) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::new()
        .chain_update(b"opending/userid/v1\0")
        .chain_update(corp.as_str().as_bytes())
        .chain_update(b"\0")
        .chain_update(user.as_str().as_bytes())
        .finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    format!(
        "0{:016}",
        u64::from_be_bytes(first) % 10_000_000_000_000_000
    )
}

/// A user.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// The unionId.
    pub union_id: UnionId,
    /// Display name.
    pub nick: String,
    /// Avatar URL.
    pub avatar_url: String,
    /// Mobile number (without country code).
    pub mobile: Option<String>,
    /// Country calling code, e.g. `86`.
    pub state_code: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Sign-in name (unique).
    pub login: String,
    /// When the user was created.
    pub created_at: UnixTime,
}

/// A user's role in an org.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// An ordinary member.
    Member,
    /// An org admin: grants app authorizations, approves requests.
    Admin,
}

impl Role {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Member => "member",
            Self::Admin => "admin",
        }
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "member" => Ok(Self::Member),
            "admin" => Ok(Self::Admin),
            o => Err(format!("unknown role {o:?}: expected member or admin")),
        }
    }
}

/// A membership of a user in an org.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Membership {
    /// The org.
    pub corp_id: CorpId,
    /// The user.
    pub union_id: UnionId,
    /// member or admin.
    pub role: Role,
}

/// Checks a sign-in name: 1–64 characters, no spaces or control characters.
pub fn parse_login(s: &str) -> Result<String, String> {
    let s = s.trim();
    if s.is_empty()
        || s.chars().count() > 64
        || s.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err("login must be 1 to 64 characters without spaces".into());
    }
    Ok(s.to_owned())
}

/// Checks a new password: 8 to 200 characters.
pub fn check_password(p: &str) -> Result<(), String> {
    let n = p.chars().count();
    if !(8..=200).contains(&n) {
        return Err("password must be 8 to 200 characters".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn userids_are_per_org_stable_and_shaped_like_dingtalks() {
        let u = UnionId::parse("aliceUnionId0000000001").unwrap();
        let (a, b) = (
            CorpId::parse("dingacme").unwrap(),
            CorpId::parse("dingglobex").unwrap(),
        );
        let id = userid(&a, &u);
        assert_eq!(id, userid(&a, &u));
        assert_ne!(id, userid(&b, &u));
        assert!(id.len() == 17 && id.starts_with('0') && id.bytes().all(|c| c.is_ascii_digit()));
    }

    #[test]
    fn open_ids_are_stable_per_developer_and_differ_between_developers() {
        let key = HashKey::from_bytes([5; 32]);
        let u = UnionId::parse("userA").unwrap();
        let d1 = CorpId::parse("dingdev1").unwrap();
        let d2 = CorpId::parse("dingdev2").unwrap();
        assert_eq!(open_id(&key, &d1, &u), open_id(&key, &d1, &u));
        assert_ne!(open_id(&key, &d1, &u), open_id(&key, &d2, &u));
        assert!(open_id(&key, &d1, &u)
            .bytes()
            .all(|b| b.is_ascii_alphanumeric()));
    }

    #[test]
    fn union_ids_and_logins() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let u = UnionId::generate(&mut rng);
        assert_eq!(u.as_str().len(), 26);
        assert!(UnionId::parse(u.as_str()).is_ok());
        assert!(UnionId::parse("a b").is_err());
        assert!(parse_login(" alice ").is_ok());
        assert!(parse_login("a b").is_err());
        assert!(check_password("short").is_err());
        assert_eq!("admin".parse::<Role>().unwrap(), Role::Admin);
    }
}
