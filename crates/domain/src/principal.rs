//! Who a presented access token speaks for, and the permission check every protected route
//! makes against it.

use std::sync::Arc;

use crate::{permission::PermissionCode, ApiError, ClientId, CorpId, UnixTime};

/// Whether a token is an app's or a user's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// An app access token (client credentials).
    App,
    /// A user access token; holds the user's unionId.
    User(String),
}

/// The resolved identity behind an access token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// App or user.
    pub subject: Subject,
    /// The app the token was issued to.
    pub client_id: ClientId,
    /// The org the token is valid in (for a user token without an org: the app's owner org).
    pub corp_id: CorpId,
    /// The points the token carries, sorted.
    pub points: Arc<[PermissionCode]>,
    /// When the token was issued.
    pub issued_at: UnixTime,
    /// When the token stops working.
    pub expires_at: UnixTime,
}

impl Principal {
    /// Whether the token carries `code`.
    pub fn has(&self, code: &str) -> bool {
        self.points
            .binary_search_by(|p| p.as_str().cmp(code))
            .is_ok()
    }

    /// Succeeds when the token carries every point in `required`; otherwise the 403 with
    /// `requiredScopes` listing the missing ones (docs/dingtalk/decisions.md §4).
    pub fn require(&self, required: &[&str]) -> Result<(), ApiError> {
        let missing: Vec<String> = required
            .iter()
            .filter(|c| !self.has(c))
            .map(|c| (*c).to_owned())
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(ApiError::permission_denied(missing))
        }
    }

    /// The points as a space-separated string (the `scope` of introspection).
    pub fn scope(&self) -> String {
        self.points
            .iter()
            .map(PermissionCode::as_str)
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    #[test]
    fn require_lists_exactly_the_missing_points() {
        let p = Principal {
            subject: Subject::App,
            client_id: ClientId::parse("dingapp").unwrap(),
            corp_id: CorpId::parse("dingcorp").unwrap(),
            points: vec![
                PermissionCode::parse("Contact.Org.Read").unwrap(),
                PermissionCode::parse("qyapi_base").unwrap(),
            ]
            .into(),
            issued_at: UnixTime(0),
            expires_at: UnixTime(10),
        };
        assert!(p.require(&["Contact.Org.Read"]).is_ok());
        let err = p
            .require(&["Contact.Org.Read", "Contact.User.Read"])
            .unwrap_err();
        assert_eq!(err.code, ErrorCode::AccessTokenPermissionDenied);
        assert_eq!(err.required_scopes, vec!["Contact.User.Read"]);
        assert_eq!(p.scope(), "Contact.Org.Read qyapi_base");
    }
}
