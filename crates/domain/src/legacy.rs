//! DingTalk's legacy (oapi) envelope: every answer is HTTP 200 with a numeric `errcode` and an
//! `errmsg` (docs/dingtalk/dingtalk-wire-2.md §1.3–1.5, docs/dingtalk/decisions.md §19).
//!
//! Each catalogue entry ([`ErrorCode`]) has its legacy counterpart here, in one table
//! ([`ErrorCode::legacy`]), so a rule cannot answer differently on the two families; an
//! [`ApiError`] may name a more specific legacy code ([`ApiError::legacy`]) where the legacy
//! family distinguishes what v1.0 does not (a missing token from an invalid one, `/gettoken`'s
//! own key-or-secret code). On `/topapi/*` the token and permission failures are wrapped in
//! errcode 88 with `sub_code`/`sub_msg`; everything else is answered at the top level.

use std::borrow::Cow;

use crate::error::{ApiError, ErrorCode};

/// A legacy error code with DingTalk's errmsg (kept verbatim).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LegacyCode {
    /// -1 `系统繁忙`: transient; retry.
    SystemBusy,
    /// 22: an unknown `/topapi/` method (`Invalid method[submsg=不合法ApiName，…]`).
    InvalidMethod,
    /// 404 `请求的URI地址不存在`: no such legacy path (observed on DingTalk's hosts).
    NoSuchUri,
    /// 40014 `不合法的access_token`: unknown, expired or revoked token.
    InvalidAccessToken,
    /// 41001 `缺少access_token参数`: no `access_token` parameter.
    MissingAccessToken,
    /// 40035 `不合法的参数`: a missing or malformed parameter.
    InvalidParameter,
    /// 40096 `不合法的appKey或appSecret` (observed on `/gettoken`).
    InvalidAppKeyOrSecret,
    /// 40089 `不合法的corpid或corpsecret`.
    InvalidCorpIdOrSecret,
    /// 40079 `不存在的授权信息`: the org has not authorized the app.
    NoAuthInfo,
    /// 60011 `没有调用该接口的权限`: a permission point is missing.
    NoPermission,
    /// 90018: the app's per-API rate limit.
    QpsLimitForAppkeyAndApi,
    /// 90002: the API's global limit (also the per-address limit of opending).
    QpsLimitForApi,
    /// 40085 `不存在的suiteticket`: not the app's current or previous suite ticket.
    UnknownSuiteTicket,
    /// 40088 `不合法的套件key或secret`: unknown suite key or wrong suite secret.
    InvalidSuiteKeyOrSecret,
    /// 41021 `缺少suitekey`.
    MissingSuiteKey,
    /// 41023 `缺少suiteticket`.
    MissingSuiteTicket,
    /// 41024 `缺少suitesecret`.
    MissingSuiteSecret,
    /// 41027 `需要授权企业的corpid参数`: no `auth_corpid`.
    MissingAuthCorpId,
    /// 48003 `suitetoken无效`: an unknown, expired or revoked `suite_access_token`.
    InvalidSuiteToken,
    /// 40084 `不合法的永久授权码`: the retired permanent-code flow.
    InvalidPermanentCode,
    /// 41007 `无效的ssocode`: an unknown, expired or used SSO code.
    InvalidSsoCode,
    /// 853001: a signed call's `timestamp` is not milliseconds.
    TimestampFormat,
    /// 853002: a signed call's `timestamp` is more than a minute off.
    TimestampSkew,
    /// 853003: a signed call's `accessKey` is unknown.
    UnknownAccessKey,
    /// 853004: a signed call's `signature` does not match.
    SignatureMismatch,
    /// 853005 `签名中套件ticket参数无效` (observed): a signed call's `suiteTicket`.
    SignedSuiteTicket,
    /// 60121 `找不到该用户` (observed): no member with that unionId, userid or mobile.
    UserNotFound,
    /// 60003 `部门不存在`: no such department in the org.
    DeptNotFound,
    /// 400002 `无效的参数`: a directory read's parameter is missing or malformed.
    BadParameter,
    /// 33012 `无效的USERID`: a malformed userid.
    InvalidUserid,
    /// 40104 `企业中无效的手机号`: a malformed mobile number.
    InvalidMobile,
    /// 40078 `nonexistent temp auth code` (observed): an unknown, expired, used or foreign 免登
    /// or personal-login code.
    InvalidTmpAuthCode,
    /// 41026 `缺少tmp_auth_code`.
    MissingTmpAuthCode,
}

impl LegacyCode {
    /// Every legacy code opending answers.
    pub const ALL: &'static [LegacyCode] = &[
        LegacyCode::SystemBusy,
        LegacyCode::InvalidMethod,
        LegacyCode::NoSuchUri,
        LegacyCode::InvalidAccessToken,
        LegacyCode::MissingAccessToken,
        LegacyCode::InvalidParameter,
        LegacyCode::InvalidAppKeyOrSecret,
        LegacyCode::InvalidCorpIdOrSecret,
        LegacyCode::NoAuthInfo,
        LegacyCode::NoPermission,
        LegacyCode::QpsLimitForAppkeyAndApi,
        LegacyCode::QpsLimitForApi,
        LegacyCode::UnknownSuiteTicket,
        LegacyCode::InvalidSuiteKeyOrSecret,
        LegacyCode::MissingSuiteKey,
        LegacyCode::MissingSuiteTicket,
        LegacyCode::MissingSuiteSecret,
        LegacyCode::MissingAuthCorpId,
        LegacyCode::InvalidSuiteToken,
        LegacyCode::InvalidPermanentCode,
        LegacyCode::InvalidSsoCode,
        LegacyCode::TimestampFormat,
        LegacyCode::TimestampSkew,
        LegacyCode::UnknownAccessKey,
        LegacyCode::SignatureMismatch,
        LegacyCode::SignedSuiteTicket,
        LegacyCode::UserNotFound,
        LegacyCode::DeptNotFound,
        LegacyCode::BadParameter,
        LegacyCode::InvalidUserid,
        LegacyCode::InvalidMobile,
        LegacyCode::InvalidTmpAuthCode,
        LegacyCode::MissingTmpAuthCode,
    ];

    /// The code with this `errcode`, if opending knows it.
    pub fn from_errcode(errcode: i64) -> Option<Self> {
        Self::ALL.iter().copied().find(|c| c.errcode() == errcode)
    }

    /// The numeric `errcode`.
    pub fn errcode(self) -> i64 {
        use LegacyCode::*;
        match self {
            SystemBusy => -1,
            InvalidMethod => 22,
            NoSuchUri => 404,
            InvalidAccessToken => 40014,
            MissingAccessToken => 41001,
            InvalidParameter => 40035,
            InvalidAppKeyOrSecret => 40096,
            InvalidCorpIdOrSecret => 40089,
            NoAuthInfo => 40079,
            NoPermission => 60011,
            QpsLimitForAppkeyAndApi => 90018,
            QpsLimitForApi => 90002,
            UnknownSuiteTicket => 40085,
            InvalidSuiteKeyOrSecret => 40088,
            MissingSuiteKey => 41021,
            MissingSuiteTicket => 41023,
            MissingSuiteSecret => 41024,
            MissingAuthCorpId => 41027,
            InvalidSuiteToken => 48003,
            InvalidPermanentCode => 40084,
            InvalidSsoCode => 41007,
            TimestampFormat => 853001,
            TimestampSkew => 853002,
            UnknownAccessKey => 853003,
            SignatureMismatch => 853004,
            SignedSuiteTicket => 853005,
            UserNotFound => 60121,
            DeptNotFound => 60003,
            BadParameter => 400002,
            InvalidUserid => 33012,
            InvalidMobile => 40104,
            InvalidTmpAuthCode => 40078,
            MissingTmpAuthCode => 41026,
        }
    }

    /// DingTalk's `errmsg`.
    pub fn errmsg(self) -> &'static str {
        use LegacyCode::*;
        match self {
            SystemBusy => "系统繁忙",
            InvalidMethod => "Invalid method",
            NoSuchUri => "请求的URI地址不存在",
            InvalidAccessToken => "不合法的access_token",
            MissingAccessToken => "缺少access_token参数",
            InvalidParameter => "不合法的参数",
            InvalidAppKeyOrSecret => "不合法的appKey或appSecret",
            InvalidCorpIdOrSecret => "不合法的corpid或corpsecret",
            NoAuthInfo => "不存在的授权信息",
            NoPermission => "没有调用该接口的权限",
            QpsLimitForAppkeyAndApi => {
                "您的企业应用调用钉钉开放平台当前接口的所有请求都被暂时禁用了"
            }
            QpsLimitForApi => "您的服务器调用钉钉开放平台当前接口的所有请求都被暂时禁用了",
            UnknownSuiteTicket => "不存在的suiteticket",
            InvalidSuiteKeyOrSecret => "不合法的套件key或secret",
            MissingSuiteKey => "缺少suitekey",
            MissingSuiteTicket => "缺少suiteticket",
            MissingSuiteSecret => "缺少suitesecret",
            MissingAuthCorpId => "需要授权企业的corpid参数",
            InvalidSuiteToken => "suitetoken无效",
            InvalidPermanentCode => "不合法的永久授权码",
            InvalidSsoCode => "无效的ssocode",
            TimestampFormat => "timestamp参数格式不正确，必须是当前时间的毫秒数",
            TimestampSkew => "timestamp参数不合法，该参数值与钉钉服务器当前时间相差超过1分钟",
            UnknownAccessKey => "accessKey参数不合法，必须是钉钉开放平台存在的appId",
            SignatureMismatch => "signature参数不正确，与钉钉服务端计算出来的签名不一致，注意该参数传递时必须urlEncode",
            SignedSuiteTicket => "签名中套件ticket参数无效",
            UserNotFound => "找不到该用户",
            DeptNotFound => "部门不存在",
            BadParameter => "无效的参数",
            InvalidUserid => "无效的USERID",
            InvalidMobile => "企业中无效的手机号",
            InvalidTmpAuthCode => "nonexistent temp auth code",
            MissingTmpAuthCode => "缺少tmp_auth_code",
        }
    }

    /// On `/topapi/*`, the `sub_code` and `sub_msg` this failure is wrapped in (errcode 88), if
    /// it is one DingTalk wraps: token and permission failures.
    pub fn topapi_sub(self) -> Option<(&'static str, &'static str)> {
        match self {
            Self::InvalidAccessToken => Some(("40014", "不合法的access_token")),
            Self::MissingAccessToken => Some(("40000", "access_token is blank")),
            Self::NoPermission => Some(("60011", "没有调用该接口的权限")),
            _ => None,
        }
    }
}

impl ErrorCode {
    /// The legacy code of this catalogue entry (the one table, see the module header).
    pub fn legacy(self) -> LegacyCode {
        use ErrorCode::*;
        match self {
            InvalidRequest | MissingBody | InvalidSystemParam | InvalidParameter
            | UnsupportedGrantType | InvalidGrant | Conflict => LegacyCode::InvalidParameter,
            InvalidClient | IntrospectionUnauthorized | AdminUnauthorized => {
                LegacyCode::InvalidAppKeyOrSecret
            }
            UnauthorizedClient => LegacyCode::NoAuthInfo,
            InvalidAuthentication | InvalidToken => LegacyCode::InvalidAccessToken,
            MissingAuthParameter => LegacyCode::MissingAccessToken,
            InvalidSuiteTicket => LegacyCode::UnknownSuiteTicket,
            InvalidSuiteKey | InvalidClientIdOrSecret => LegacyCode::InvalidSuiteKeyOrSecret,
            InvalidAuthInfo | OrgNotAuthApp => LegacyCode::NoAuthInfo,
            InvalidCorpId => LegacyCode::InvalidParameter,
            InvalidCode => LegacyCode::InvalidSsoCode,
            AccessTokenPermissionDenied | PermissionDenied => LegacyCode::NoPermission,
            QpsLimitForAppkeyAndApi => LegacyCode::QpsLimitForAppkeyAndApi,
            QpsLimitForApi | IpLimit => LegacyCode::QpsLimitForApi,
            NotFound | MethodNotAllowed => LegacyCode::NoSuchUri,
            ServerError | ServiceSystemError | ServiceUnavailable => LegacyCode::SystemBusy,
        }
    }
}

/// Which legacy surface a path belongs to (how its failures are shaped).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    /// `/topapi/*`: `request_id` on every answer, token and permission failures wrapped in 88.
    Topapi,
    /// Every other legacy path (`/gettoken`, `/get_jsapi_ticket`, `/service/*`, …): top-level
    /// `errcode`/`errmsg`, no `request_id`.
    Plain,
}

/// A failure as the legacy envelope carries it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegacyError {
    /// `errcode`.
    pub errcode: i64,
    /// `errmsg`.
    pub errmsg: Cow<'static, str>,
    /// `sub_code` (errcode 88 on `/topapi/*`).
    pub sub_code: Option<&'static str>,
    /// `sub_msg` (errcode 88, and 22's unknown method, on `/topapi/*`).
    pub sub_msg: Option<Cow<'static, str>>,
}

impl ApiError {
    /// This error with a specific legacy code (what the legacy family tells apart and v1.0
    /// does not).
    pub fn with_legacy(mut self, code: LegacyCode) -> Self {
        self.legacy = Some(code);
        self
    }

    /// The legacy code this error answers with.
    pub fn legacy_code(&self) -> LegacyCode {
        self.legacy.unwrap_or_else(|| self.code.legacy())
    }

    /// This error in the legacy envelope of `surface`. The errmsg is DingTalk's, or the
    /// error's own message where it was given one for the legacy family (a parameter error
    /// naming the parameter).
    pub fn legacy(&self, surface: Surface) -> LegacyError {
        let code = self.legacy_code();
        let own = self.legacy_message.clone();
        if let (Surface::Topapi, Some((sub_code, sub_msg))) = (surface, code.topapi_sub()) {
            let sub_msg: Cow<'static, str> = own.unwrap_or(Cow::Borrowed(sub_msg));
            return LegacyError {
                errcode: 88,
                errmsg: format!("ding talk error[subcode={sub_code},submsg={sub_msg}]").into(),
                sub_code: Some(sub_code),
                sub_msg: Some(sub_msg),
            };
        }
        if code == LegacyCode::InvalidMethod {
            // `{"errcode":22,"sub_msg":"不合法ApiName，ApiName = …","errmsg":"Invalid
            // method[submsg=…]"}`: the message given is the sub_msg.
            let sub_msg = own.unwrap_or(Cow::Borrowed("不合法ApiName"));
            return LegacyError {
                errcode: code.errcode(),
                errmsg: format!("{}[submsg={sub_msg}]", code.errmsg()).into(),
                sub_code: None,
                sub_msg: Some(sub_msg),
            };
        }
        LegacyError {
            errcode: code.errcode(),
            errmsg: own.unwrap_or(Cow::Borrowed(code.errmsg())),
            sub_code: None,
            sub_msg: None,
        }
    }

    /// This error with a legacy errmsg of its own (e.g. `/gettoken`'s observed
    /// `缺少参数 corpid or appkey`).
    pub fn with_legacy_message(mut self, msg: impl Into<Cow<'static, str>>) -> Self {
        self.legacy_message = Some(msg.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_catalogue_entry_has_a_legacy_answer_and_none_is_a_retry_trap() {
        for &code in ErrorCode::ALL {
            let l = ApiError::new(code).legacy(Surface::Plain);
            assert_ne!(l.errcode, 0, "{code:?} must not look like success");
            // dingtalk-sdk refetches the token and retries without bound on these: only a
            // token failure may answer them (docs/dingtalk/dingtalk-wire-2.md §1.4).
            if [33001, 40001, 42001, 40014].contains(&l.errcode) {
                assert!(
                    matches!(
                        code,
                        ErrorCode::InvalidAuthentication | ErrorCode::InvalidToken
                    ),
                    "{code:?}"
                );
            }
        }
    }

    #[test]
    fn topapi_wraps_token_and_permission_failures_in_88() {
        let invalid = ApiError::new(ErrorCode::InvalidAuthentication);
        assert_eq!(
            invalid.legacy(Surface::Plain),
            LegacyError {
                errcode: 40014,
                errmsg: "不合法的access_token".into(),
                sub_code: None,
                sub_msg: None,
            }
        );
        let wrapped = invalid.legacy(Surface::Topapi);
        assert_eq!(wrapped.errcode, 88);
        assert_eq!(
            wrapped.errmsg,
            "ding talk error[subcode=40014,submsg=不合法的access_token]"
        );
        assert_eq!(
            (wrapped.sub_code, wrapped.sub_msg),
            (Some("40014"), Some("不合法的access_token".into()))
        );
        let missing = ApiError::new(ErrorCode::InvalidAuthentication)
            .with_legacy(LegacyCode::MissingAccessToken);
        assert_eq!(missing.legacy(Surface::Plain).errcode, 41001);
        assert_eq!(
            missing.legacy(Surface::Topapi).sub_msg,
            Some("access_token is blank".into())
        );
        // Business errors stay at the top level on topapi too.
        let qps = ApiError::new(ErrorCode::QpsLimitForAppkeyAndApi).legacy(Surface::Topapi);
        assert_eq!((qps.errcode, qps.sub_code), (90018, None));
        let method = ApiError::new(ErrorCode::NotFound)
            .with_legacy(LegacyCode::InvalidMethod)
            .with_legacy_message("不合法ApiName，ApiName = dingtalk.oapi.v2.user.notexist")
            .legacy(Surface::Topapi);
        assert_eq!(method.errcode, 22);
        assert_eq!(
            method.errmsg,
            "Invalid method[submsg=不合法ApiName，ApiName = dingtalk.oapi.v2.user.notexist]"
        );
        assert_eq!(method.sub_code, None);
    }

    #[test]
    fn an_own_legacy_message_replaces_dingtalks() {
        let e = ApiError::invalid_request("appkey is required")
            .with_legacy_message("缺少参数 corpid or appkey");
        let l = e.legacy(Surface::Plain);
        assert_eq!(
            (l.errcode, l.errmsg.as_ref()),
            (40035, "缺少参数 corpid or appkey")
        );
        // The v1.0 rendering keeps its own message.
        assert_eq!(e.message(), "appkey is required");
    }
}
