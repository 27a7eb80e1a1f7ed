//! Records of user-delegated authorization: authorization codes, user access and refresh
//! tokens, users' consents, and type-1 requests waiting for an org admin.
//!
//! Codes and tokens are random and stored only as keyed hashes. Every access and refresh token
//! belongs to a *family*: the hash of the code it came from. Replaying a code, or reusing a
//! rotated refresh token after the grace window, revokes the whole family (docs/dingtalk/decisions.md §9–10).

use serde::{Deserialize, Serialize};

use crate::{ClientId, KeyedHash, PermissionCode, UnionId, UnixTime};

/// Space-separated point codes, as stored.
pub fn join_codes(codes: &[PermissionCode]) -> String {
    codes
        .iter()
        .map(PermissionCode::as_str)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Parses the stored form; unknown junk is dropped.
pub fn split_codes(s: &str) -> Vec<PermissionCode> {
    let mut v: Vec<PermissionCode> = s
        .split_whitespace()
        .filter_map(|c| PermissionCode::parse(c).ok())
        .collect();
    v.sort();
    v.dedup();
    v
}

/// An authorization code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthCode {
    /// Lookup hash of the code.
    pub code_hash: KeyedHash,
    /// The app it was issued to.
    pub client_id: ClientId,
    /// The user who consented.
    pub union_id: UnionId,
    /// The org the user authorized in (`None`: none chosen).
    pub corp_id: Option<String>,
    /// Consented delegated points.
    pub scopes: Vec<PermissionCode>,
    /// The browser flow's redirect URI, bound to the code.
    pub redirect_uri: Option<String>,
    /// When it was issued.
    pub created_at: UnixTime,
    /// When it stops working.
    pub expires_at: UnixTime,
    /// When it was exchanged, if it was.
    pub used_at: Option<UnixTime>,
}

impl AuthCode {
    /// Why `client` cannot exchange this (unused) code at `now`, if it cannot.
    pub fn refusal(&self, client: &ClientId, now: UnixTime) -> Option<CodeRefusal> {
        if &self.client_id != client {
            Some(CodeRefusal::OtherApp)
        } else if self.expires_at <= now {
            Some(CodeRefusal::Expired)
        } else {
            None
        }
    }
}

/// Why an unused code is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeRefusal {
    /// It was issued to another app.
    OtherApp,
    /// It has expired.
    Expired,
}

/// What consuming a code found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeUse {
    /// First use: the code as it was.
    Fresh(AuthCode),
    /// The code was used before: a replay.
    Replayed(AuthCode),
    /// No such code.
    Unknown,
}

/// A user access token or refresh token record (which one depends on the table).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserTokenRecord {
    /// Lookup hash.
    pub token_hash: KeyedHash,
    /// Family: hex hash of the code the chain started from.
    pub family: String,
    /// The app.
    pub client_id: ClientId,
    /// The user.
    pub union_id: UnionId,
    /// The org the user authorized in, if any.
    pub corp_id: Option<String>,
    /// Consented points.
    pub scopes: Vec<PermissionCode>,
    /// Issue time.
    pub issued_at: UnixTime,
    /// Expiry.
    pub expires_at: UnixTime,
    /// Refresh tokens only: when it was rotated (used).
    pub rotated_at: Option<UnixTime>,
}

/// A user's consent to an app, as the "my authorizations" page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserGrant {
    /// The app.
    pub client_id: ClientId,
    /// The org the consent was given in (`""`: none).
    pub corp_id: String,
    /// The point.
    pub code: PermissionCode,
    /// When.
    pub granted_at: UnixTime,
}

/// Status of a type-1 request waiting for an org admin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RequestStatus {
    /// Waiting.
    Pending,
    /// An admin granted the points.
    Approved,
    /// An admin refused.
    Rejected,
}

impl RequestStatus {
    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Rejected => "rejected",
        }
    }
}

impl std::str::FromStr for RequestStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "pending" => Ok(Self::Pending),
            "approved" => Ok(Self::Approved),
            "rejected" => Ok(Self::Rejected),
            o => Err(format!("unknown request status {o:?}")),
        }
    }
}

/// A type-1 openAuth request by a non-admin, waiting for an admin of the org.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthRequest {
    /// Request id.
    pub id: String,
    /// The app asking for points.
    pub client_id: ClientId,
    /// The org asked.
    pub corp_id: crate::CorpId,
    /// The member who asked.
    pub requested_by: UnionId,
    /// App-type points asked for.
    pub points: Vec<PermissionCode>,
    /// Where it stands.
    pub status: RequestStatus,
    /// When it was made.
    pub created_at: UnixTime,
    /// The admin who decided.
    pub decided_by: Option<UnionId>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(client: &str, expires_at: i64) -> AuthCode {
        AuthCode {
            code_hash: KeyedHash::from_hex(&"ab".repeat(32)).unwrap(),
            client_id: ClientId::parse(client).unwrap(),
            union_id: UnionId::parse("aliceUnionId0000000001").unwrap(),
            corp_id: None,
            scopes: vec![],
            redirect_uri: None,
            created_at: UnixTime(0),
            expires_at: UnixTime(expires_at),
            used_at: None,
        }
    }

    /// Another app's code is refused before its expiry is looked at; a code expires at its
    /// `expires_at` exactly.
    #[test]
    fn a_code_is_refused_to_other_apps_and_at_its_expiry() {
        let (mine, other) = (
            ClientId::parse("dingacmehr").unwrap(),
            ClientId::parse("suitecrm").unwrap(),
        );
        let c = code("dingacmehr", 100);
        assert_eq!(c.refusal(&mine, UnixTime(99)), None);
        assert_eq!(c.refusal(&mine, UnixTime(100)), Some(CodeRefusal::Expired));
        assert_eq!(c.refusal(&other, UnixTime(99)), Some(CodeRefusal::OtherApp));
        assert_eq!(
            c.refusal(&other, UnixTime(100)),
            Some(CodeRefusal::OtherApp)
        );
    }
}
