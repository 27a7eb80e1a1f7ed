//! An org's certification info (企业认证信息), as `GET /v1.0/contact/organizations/authInfos`
//! returns it (seed 003).

use serde::{Deserialize, Serialize};

/// Certification level.
pub mod level {
    /// No certification: only `authLevel` and `orgName` are returned.
    pub const NONE: i64 = 0;
    /// 高级认证.
    pub const ADVANCED: i64 = 1;
    /// 中级认证.
    pub const INTERMEDIATE: i64 = 2;
}

/// Stored certification details; every text field optional.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OrgAuthInfo {
    /// 0 none, 1 advanced (高级认证), 2 intermediate (中级认证).
    #[serde(default)]
    pub auth_level: i64,
    /// Company name on the business licence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license_org_name: Option<String>,
    /// Business registration number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_num: Option<String>,
    /// Unified social credit code (18 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unified_social_credit: Option<String>,
    /// Organisation code (e.g. `11111111-1`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_code: Option<String>,
    /// Legal representative.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_person: Option<String>,
    /// URL of the licence image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license_url: Option<String>,
}

impl OrgAuthInfo {
    /// Checks the level and field lengths.
    pub fn validate(&self) -> Result<(), String> {
        if !(level::NONE..=level::INTERMEDIATE).contains(&self.auth_level) {
            return Err(format!(
                "authLevel must be 0, 1 or 2, not {}",
                self.auth_level
            ));
        }
        for (name, v) in [
            ("licenseOrgName", &self.license_org_name),
            ("registrationNum", &self.registration_num),
            ("unifiedSocialCredit", &self.unified_social_credit),
            ("organizationCode", &self.organization_code),
            ("legalPerson", &self.legal_person),
            ("licenseUrl", &self.license_url),
        ] {
            if v.as_ref()
                .is_some_and(|s| s.chars().count() > 500 || s.chars().any(char::is_control))
            {
                return Err(format!(
                    "{name} must be at most 500 characters without control characters"
                ));
            }
        }
        Ok(())
    }
}

/// The response body of authInfos: with level 0, only `authLevel` and `orgName`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthInfoView {
    /// The org's name in DingTalk.
    pub org_name: String,
    /// Certification details (flattened), absent at level 0.
    #[serde(flatten)]
    pub info: OrgAuthInfo,
}

impl AuthInfoView {
    /// The view DingTalk returns for this org.
    pub fn new(org_name: String, info: OrgAuthInfo) -> Self {
        let info = if info.auth_level == level::NONE {
            OrgAuthInfo::default()
        } else {
            info
        };
        Self { org_name, info }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_zero_shows_only_level_and_name() {
        let info = OrgAuthInfo {
            auth_level: 0,
            legal_person: Some("张三".into()),
            ..Default::default()
        };
        let v = serde_json::to_value(AuthInfoView::new("测试".into(), info)).unwrap();
        assert_eq!(v, serde_json::json!({"orgName": "测试", "authLevel": 0}));
    }

    #[test]
    fn certified_orgs_show_their_details() {
        let info = OrgAuthInfo {
            auth_level: 1,
            legal_person: Some("张三".into()),
            ..Default::default()
        };
        let v = serde_json::to_value(AuthInfoView::new("测试".into(), info)).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"orgName": "测试", "authLevel": 1, "legalPerson": "张三"})
        );
        assert!(OrgAuthInfo {
            auth_level: 3,
            ..Default::default()
        }
        .validate()
        .is_err());
    }
}
