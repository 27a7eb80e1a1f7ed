//! `/v1.0/contact/*`: org certification info and user profiles.

use serde::{Deserialize, Serialize};

/// Answer of `GET /v1.0/contact/organizations/authInfos` (DingTalk `GetOrgAuthInfo`).
///
/// For an uncertified org (`authLevel` 0) only `authLevel` and `orgName` are sent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrgAuthInfo {
    /// `orgName`: the org's name.
    #[serde(default)]
    pub org_name: String,
    /// `authLevel`: 0 none, 1 高级认证 (advanced), 2 中级认证 (intermediate).
    #[serde(default)]
    pub auth_level: i64,
    /// `licenseOrgName`: the name on the business licence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license_org_name: Option<String>,
    /// `registrationNum`: registration number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_num: Option<String>,
    /// `unifiedSocialCredit`: unified social credit code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unified_social_credit: Option<String>,
    /// `organizationCode`: organization code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_code: Option<String>,
    /// `legalPerson`: legal representative.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_person: Option<String>,
    /// `licenseUrl`: picture of the licence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license_url: Option<String>,
}

/// Answer of `GET /v1.0/contact/users/{unionId|me}` (DingTalk `GetUser`), read with a **user**
/// access token. `mobile`/`stateCode` need the field permission `Contact.User.mobile`, `email`
/// its own; without them they are absent, not an error.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    /// `nick`: display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nick: Option<String>,
    /// `avatarUrl`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar_url: Option<String>,
    /// `mobile`: phone number without the country code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile: Option<String>,
    /// `stateCode`: the phone's country code, e.g. `86`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_code: Option<String>,
    /// `openId`: stable per (app developer, user).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_id: Option<String>,
    /// `unionId`: stable across the apps of one developer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub union_id: Option<String>,
    /// `email`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// `loginEmail`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login_email: Option<String>,
    /// `visitor`: whether the user is a guest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visitor: Option<bool>,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn org_auth_info_reads_both_shapes() {
        let full: OrgAuthInfo = serde_json::from_value(json!({
            "orgName": "Acme Corp", "authLevel": 1, "licenseOrgName": "Acme Ltd.",
            "registrationNum": "1", "unifiedSocialCredit": "2", "organizationCode": "3",
            "legalPerson": "W", "licenseUrl": "https://x"
        }))
        .unwrap();
        assert_eq!(full.legal_person.as_deref(), Some("W"));
        let bare: OrgAuthInfo =
            serde_json::from_value(json!({"orgName": "Globex", "authLevel": 0})).unwrap();
        assert_eq!(
            serde_json::to_value(&bare).unwrap(),
            json!({"orgName": "Globex", "authLevel": 0})
        );
    }

    #[test]
    fn user_uses_the_wire_names() {
        let u: User = serde_json::from_value(json!({
            "nick": "张三", "avatarUrl": "https://a", "mobile": "13800000000", "stateCode": "86",
            "openId": "o", "unionId": "u", "email": "a@b.com", "loginEmail": "l@b.com",
            "visitor": false, "unknownField": 1
        }))
        .unwrap();
        assert_eq!(u.state_code.as_deref(), Some("86"));
        assert_eq!(u.visitor, Some(false));
        assert_eq!(u.login_email.as_deref(), Some("l@b.com"));
        let minimal: User = serde_json::from_value(json!({"nick": "n", "unionId": "u"})).unwrap();
        assert_eq!(minimal.mobile, None);
    }
}
