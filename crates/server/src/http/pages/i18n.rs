//! Page strings in Chinese and English. The language comes from `?lang=`, else the
//! `opending_lang` cookie, else `Accept-Language`.

use std::collections::BTreeMap;

/// A page language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// 简体中文.
    Zh,
    /// English.
    En,
}

impl Lang {
    /// `zh` or `en`.
    pub fn code(self) -> &'static str {
        match self {
            Self::Zh => "zh",
            Self::En => "en",
        }
    }

    /// The HTML `lang` attribute.
    pub fn tag(self) -> &'static str {
        match self {
            Self::Zh => "zh-CN",
            Self::En => "en",
        }
    }

    /// The other language.
    pub fn other(self) -> Self {
        match self {
            Self::Zh => Self::En,
            Self::En => Self::Zh,
        }
    }

    /// Parses `zh…` / `en…`.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim().to_ascii_lowercase();
        if s.starts_with("zh") {
            Some(Self::Zh)
        } else if s.starts_with("en") {
            Some(Self::En)
        } else {
            None
        }
    }

    /// The first supported language of an `Accept-Language` header (default Chinese, as
    /// DingTalk's own pages).
    pub fn from_accept_language(h: &str) -> Self {
        h.split(',')
            .find_map(|part| Self::parse(part.split(';').next().unwrap_or("")))
            .unwrap_or(Self::Zh)
    }
}

const STRINGS: &[(&str, &str, &str)] = &[
    ("nav", "Account", "账号"),
    ("sign_in", "Sign in", "登录"),
    ("sign_out", "Sign out", "退出登录"),
    (
        "sign_in_sub",
        "Sign in to continue to the app.",
        "登录后继续授权。",
    ),
    ("login_name", "Account", "账号"),
    ("password", "Password", "密码"),
    (
        "bad_credentials",
        "The account or password is wrong.",
        "账号或密码错误。",
    ),
    (
        "throttled",
        "Too many failed attempts. Try again in 15 minutes.",
        "失败次数过多，请 15 分钟后再试。",
    ),
    (
        "bad_csrf",
        "This form has expired. Please try again.",
        "表单已过期，请重试。",
    ),
    ("other_language", "中文", "English"),
    (
        "footer",
        "DingTalk-compatible authorization",
        "兼容钉钉开放平台的授权服务",
    ),
    ("authorize", "Authorize", "授权"),
    (
        "cannot_authorize",
        "This authorization cannot continue",
        "无法完成授权",
    ),
    ("close", "Close", "关闭"),
    (
        "delegated_auth_title",
        "Allow this app to act on your behalf?",
        "允许该应用代表你访问以下信息？",
    ),
    (
        "delegated_auth_sub",
        "The app asks for these permissions in",
        "应用申请以下权限，组织：",
    ),
    (
        "app_auth_title",
        "Grant this app access to the organisation?",
        "授予该应用组织权限？",
    ),
    (
        "app_auth_sub",
        "The app asks for these organisation permissions in",
        "应用申请以下组织权限，组织：",
    ),
    (
        "to_admin_notice",
        "You are not an admin of this organisation: your request will be sent to its admins.",
        "你不是该组织的管理员，申请将发送给管理员审批。",
    ),
    ("send_to_admin", "Ask an admin", "提交管理员审批"),
    ("points", "Permissions", "权限"),
    ("allow", "Allow", "同意"),
    ("deny", "Deny", "拒绝"),
    ("login_with", "Sign in to the app", "登录第三方应用"),
    (
        "login_with_sub",
        "The app will receive your basic profile and the permissions below.",
        "应用将获得你的基本信息及以下权限。",
    ),
    ("choose_org", "Organisation", "选择组织"),
    (
        "basic_profile",
        "Basic profile (name, avatar, ids)",
        "个人基本信息（昵称、头像、ID）",
    ),
    ("error", "Error", "错误"),
    ("my_authorizations", "My authorizations", "我的授权"),
    (
        "my_authorizations_sub",
        "Apps you allowed to act on your behalf. Revoking stops their access at once.",
        "你授权过的应用。撤销后立即失效。",
    ),
    ("app", "App", "应用"),
    ("org", "Organisation", "组织"),
    ("actions", "Actions", "操作"),
    ("revoke", "Revoke", "撤销授权"),
    ("revoked", "Authorization revoked.", "已撤销授权。"),
    (
        "no_authorizations",
        "You have not authorized any app.",
        "你还没有授权任何应用。",
    ),
    ("org_admin", "Organisations you administer", "你管理的组织"),
    (
        "pending_requests",
        "Pending authorization requests",
        "待审批的授权申请",
    ),
    (
        "pending_requests_sub",
        "Members asked to grant these apps organisation permissions.",
        "成员申请为以下应用授予组织权限。",
    ),
    ("requested_by", "Requested by", "申请人"),
    ("approve", "Approve", "同意"),
    ("reject", "Reject", "拒绝"),
    ("decided", "Request decided.", "已处理。"),
    ("no_requests", "No pending requests.", "没有待审批的申请。"),
    (
        "not_admin",
        "Only admins of this organisation can see this page.",
        "只有该组织的管理员可以查看此页面。",
    ),
    ("not_found", "Not found", "页面不存在"),
    ("bad_request", "This request is not valid", "请求无效"),
    (
        "origin_not_registered",
        "This site is not registered for the app, so the result cannot be returned to it.",
        "该网站未在应用中登记，无法返回授权结果。",
    ),
    ("client_unknown", "The app does not exist.", "应用不存在。"),
    (
        "redirect_unregistered",
        "The redirect URI is not registered for the app.",
        "重定向地址未在应用中登记。",
    ),
];

/// The strings of a language, by key.
pub fn strings(lang: Lang) -> BTreeMap<&'static str, &'static str> {
    STRINGS
        .iter()
        .map(|(k, en, zh)| (*k, if lang == Lang::En { *en } else { *zh }))
        .collect()
}

/// One string.
pub fn t(lang: Lang, key: &str) -> &'static str {
    STRINGS
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, en, zh)| if lang == Lang::En { *en } else { *zh })
        .unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages() {
        assert_eq!(Lang::from_accept_language("en-US,en;q=0.9"), Lang::En);
        assert_eq!(Lang::from_accept_language("zh-CN,zh;q=0.9"), Lang::Zh);
        assert_eq!(Lang::from_accept_language("fr"), Lang::Zh);
        assert_eq!(t(Lang::En, "allow"), "Allow");
        assert_eq!(t(Lang::Zh, "allow"), "同意");
        let keys: std::collections::HashSet<_> = STRINGS.iter().map(|s| s.0).collect();
        assert_eq!(keys.len(), STRINGS.len(), "duplicate keys");
    }
}
