//! Permission points (权限点): what a token may do (docs/dingtalk/decisions.md §15–16).
//!
//! A point has a code, a display name, a kind (`rpc` gates an API, `field` gates fields of a
//! response) and a grant type (`app`: held by app tokens, granted to the app per org;
//! `delegated`: held by user tokens, consented by the user). An app can only ever receive
//! points it has *added* (applied for).

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

use crate::{app::Distribution, CorpId};

/// Longest point code.
pub const MAX_CODE_LEN: usize = 100;

/// A permission point code such as `Contact.Org.Read`: 1–100 ASCII letters, digits, `.`, `_`
/// or `-`, starting with a letter (so `.default`, openAuth's "all app points", is never a code).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PermissionCode(String);

impl PermissionCode {
    /// Parses a code.
    pub fn parse(s: impl Into<String>) -> Result<Self, String> {
        let s = s.into();
        let valid = !s.is_empty()
            && s.len() <= MAX_CODE_LEN
            && s.as_bytes()[0].is_ascii_alphabetic()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
        if valid {
            Ok(Self(s))
        } else {
            Err(format!(
                "permission point code {s:?} must be 1 to {MAX_CODE_LEN} ASCII letters, digits, '.', '_' or '-', starting with a letter"
            ))
        }
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PermissionCode {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(s)
    }
}

impl From<PermissionCode> for String {
    fn from(c: PermissionCode) -> String {
        c.0
    }
}

impl fmt::Display for PermissionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for PermissionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

macro_rules! text_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        // Each variant's text is its name in lower case: said once more here for utoipa, which
        // cannot read the `rename` literal through the macro (tests/api/openapi.rs checks it).
        #[serde(rename_all = "lowercase")]
        pub enum $name {
            $($(#[$vdoc])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            /// The stored and wire name.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }
        }

        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($text => Ok(Self::$variant),)+
                    other => Err(format!(
                        "unknown {} {other:?}: expected {}",
                        stringify!($name),
                        [$($text),+].join(" or ")
                    )),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

text_enum!(
    /// What a point gates.
    PointKind {
        /// An API (used in `rpcScope`).
        Rpc = "rpc",
        /// Fields of a response (used in `fieldScope`).
        Field = "field",
    }
);

text_enum!(
    /// Who grants a point.
    GrantType {
        /// Held by app tokens; granted to the app by an org (or at once in the owner org for
        /// internal apps).
        App = "app",
        /// Held by user tokens; consented by the user.
        Delegated = "delegated",
    }
);

/// A point of the catalogue.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PermissionPoint {
    /// The code.
    pub code: PermissionCode,
    /// Display name (DingTalk's Chinese name for built-ins).
    pub name: String,
    /// rpc or field.
    pub kind: PointKind,
    /// app or delegated.
    pub grant_type: GrantType,
    /// What it allows.
    pub description: String,
    /// Built-in points cannot be deleted or changed.
    pub builtin: bool,
}

/// The built-in catalogue (docs/dingtalk/decisions.md §15; display names from DingTalk's pages).
pub fn builtin_points() -> Vec<PermissionPoint> {
    let p = |code: &str, name: &str, kind, grant_type, description: &str| PermissionPoint {
        code: PermissionCode::parse(code).expect("built-in codes are valid"),
        name: name.to_owned(),
        kind,
        grant_type,
        description: description.to_owned(),
        builtin: true,
    };
    use GrantType::*;
    use PointKind::*;
    vec![
        p("qyapi_base", "调用企业API时需要具备的基本权限", Rpc, App,
          "Base permission for app access tokens (POST /v1.0/oauth2/{corpId}/token); every app holds it."),
        p("open_app_api_base", "获取钉钉开放接口用户访问凭证的基础权限", Rpc, Delegated,
          "Base permission for user access tokens (POST /v1.0/oauth2/userAccessToken); every app holds it."),
        p("Contact.Org.Read", "通讯录组织基础信息读权限", Rpc, App,
          "Read an org's certification info (GET /v1.0/contact/organizations/authInfos)."),
        p("Contact.User.Read", "通讯录个人信息读权限", Rpc, Delegated,
          "Read a user's profile (GET /v1.0/contact/users/{unionId})."),
        p("Contact.User.mobile", "个人手机号信息", Field, Delegated,
          "Adds mobile and stateCode to the user profile."),
        p("Contact.User.email", "邮箱等个人信息", Field, Delegated,
          "Adds email to the user profile."),
        p("qyapi_get_member", "成员信息读权限", Rpc, App,
          "Read the org directory's members (topapi/v2/user/get, topapi/user/getbyunionid, topapi/user/listid, topapi/user/count)."),
        p("qyapi_get_department_list", "通讯录部门信息读权限", Rpc, App,
          "Read the org's departments (topapi/v2/department/listsub, get, listsubid, listparentbyuser)."),
        p("qyapi_get_department_member", "通讯录部门成员读权限", Rpc, App,
          "List a department's members with their profiles (topapi/v2/user/list)."),
        p("qyapi_get_member_by_mobile", "根据手机号获取成员基本信息权限", Rpc, App,
          "Find a member by mobile number (topapi/v2/user/getbymobile; internal apps only)."),
        p("fieldMobile", "企业员工手机号信息", Field, App,
          "Adds mobile and state_code to the directory reads (internal apps only)."),
        p("fieldEmail", "邮箱等个人信息", Field, App,
          "Adds email, org_email, work_place, remark and extension to the directory reads (internal apps only)."),
        p("Todo.Todo.Read", "待办读权限", Rpc, Delegated, "Read the user's to-dos."),
        p("Todo.Todo.Write", "待办写权限", Rpc, Delegated, "Create and update the user's to-dos."),
    ]
}

/// Points every app holds without adding them.
pub const BASE_POINTS: [&str; 2] = ["qyapi_base", "open_app_api_base"];

/// The app-type points an app's token carries in `corp` (docs/dingtalk/decisions.md §16): the app-type points
/// it added, restricted — unless it is an internal app in its owner org — to those the org
/// granted it. `added` must hold only app-type points.
pub fn effective_app_points<'a>(
    distribution: Distribution,
    owner: &CorpId,
    corp: &CorpId,
    added: impl IntoIterator<Item = &'a PermissionCode>,
    granted_by_org: &[PermissionCode],
) -> Vec<PermissionCode> {
    let internal_at_home = distribution == Distribution::Internal && owner == corp;
    let mut points: Vec<PermissionCode> = added
        .into_iter()
        .filter(|c| internal_at_home || granted_by_org.contains(c))
        .cloned()
        .collect();
    points.push(PermissionCode::parse(BASE_POINTS[0]).expect("valid"));
    points.sort();
    points.dedup();
    points
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(v: &[&str]) -> Vec<PermissionCode> {
        v.iter()
            .map(|c| PermissionCode::parse(*c).unwrap())
            .collect()
    }

    #[test]
    fn codes_parse_strictly() {
        assert!(PermissionCode::parse("Contact.Org.Read").is_ok());
        assert!(PermissionCode::parse("qyapi_base").is_ok());
        for bad in ["", ".default", "a b", "a/b", "中文", &"a".repeat(101)] {
            assert!(PermissionCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn internal_apps_hold_added_points_at_home_only_through_grants_elsewhere() {
        let owner = CorpId::parse("dingowner").unwrap();
        let other = CorpId::parse("dingother").unwrap();
        let added = codes(&["Contact.Org.Read"]);
        let home = effective_app_points(Distribution::Internal, &owner, &owner, &added, &[]);
        assert_eq!(home, codes(&["Contact.Org.Read", "qyapi_base"]));
        let away = effective_app_points(Distribution::Internal, &owner, &other, &added, &added);
        assert_eq!(away, codes(&["Contact.Org.Read", "qyapi_base"]));
        let ungranted = effective_app_points(Distribution::ThirdParty, &owner, &other, &added, &[]);
        assert_eq!(ungranted, codes(&["qyapi_base"]));
    }

    #[test]
    fn grants_of_points_the_app_did_not_add_have_no_effect() {
        let owner = CorpId::parse("dingowner").unwrap();
        let corp = CorpId::parse("dingcorp").unwrap();
        let granted = codes(&["Contact.Org.Read", "Custom.Thing"]);
        let eff = effective_app_points(
            Distribution::ThirdParty,
            &owner,
            &corp,
            &codes(&["Custom.Thing"]),
            &granted,
        );
        assert_eq!(eff, codes(&["Custom.Thing", "qyapi_base"]));
    }

    #[test]
    fn builtins_are_consistent() {
        let b = builtin_points();
        assert_eq!(b.len(), 14);
        let org_read = b
            .iter()
            .find(|p| p.code.as_str() == "Contact.Org.Read")
            .unwrap();
        assert_eq!(
            (org_read.kind, org_read.grant_type),
            (PointKind::Rpc, GrantType::App)
        );
        let mobile = b
            .iter()
            .find(|p| p.code.as_str() == "Contact.User.mobile")
            .unwrap();
        assert_eq!(
            (mobile.kind, mobile.grant_type),
            (PointKind::Field, GrantType::Delegated)
        );
        assert_eq!(
            "delegated".parse::<GrantType>().unwrap(),
            GrantType::Delegated
        );
        assert!("both".parse::<PointKind>().is_err());
    }
}
