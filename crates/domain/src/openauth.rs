//! The rules of DingTalk's openAuth component (seed 002, docs/dingtalk/decisions.md §9, §16–17): which
//! requests are well-formed, and which numeric error code each malformed one gets.
//!
//! Type 0 (委托授权) asks a user to consent to delegated points and yields an authCode; type 1
//! (应用授权) asks an org admin to grant app-type points (or `.default`: all the app added).

use serde::Serialize;

use crate::{GrantType, PermissionCode, PermissionPoint, PointKind};

/// An openAuth failure: a numeric code and DingTalk's message for it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenAuthError {
    /// The numeric code (seed 002, plus the admin-consent codes of docs/dingtalk/dingtalk-wire.md §4.6).
    pub error_code: u32,
    /// What it means.
    pub error_message: &'static str,
}

macro_rules! codes {
    ($($(#[$doc:meta])* $name:ident = $code:literal, $msg:literal;)+) => {
        $($(#[$doc])* pub const $name: OpenAuthError = OpenAuthError { error_code: $code, error_message: $msg };)+
        /// Every code, for documentation and tests.
        pub const ALL: &[OpenAuthError] = &[$($name),+];
    };
}

codes! {
    /// 400001 空请求: no parameters at all.
    EMPTY_REQUEST = 400001, "空请求。";
    /// 400002 (opending): neither rpcScope nor fieldScope given.
    NO_SCOPE = 400002, "rpcScope与fieldScope至少传一项。";
    /// 400006 clientId missing.
    CLIENT_ID_REQUIRED = 400006, "clientId 参数必填。";
    /// 400007 corpId missing.
    CORP_ID_REQUIRED = 400007, "corpId参数必填。";
    /// 400008 no signed-in user.
    NO_USER = 400008, "用户身份ID为空，请联系钉钉。";
    /// 400009 the org does not exist.
    BAD_CORP_ID = 400009, "corpId无效。";
    /// 500201 unknown point code.
    BAD_SCOPE_CODE = 500201, "权限点code错误。";
    /// 500202 rpcScope needs rpc-type points.
    RPC_SCOPE_NEEDS_RPC = 500202, "rpcScope参数需要填写rpc类型的权限点。";
    /// 500203 fieldScope needs field-type points.
    FIELD_SCOPE_NEEDS_FIELD = 500203, "fieldScope参数需要填写field类型的权限点。";
    /// 500204 app authorization needs app-type points.
    APP_AUTH_NEEDS_APP_POINTS = 500204, "应用授权需要填写应用类型的权限点。";
    /// 500205 delegated authorization needs delegated-type points.
    DELEGATED_AUTH_NEEDS_DELEGATED_POINTS = 500205, "委托授权需要填写委托类型的权限点";
    /// 500101 no such app.
    APP_NOT_FOUND = 500101, "应用不存在。";
    /// 500102 the app added no points.
    APP_HAS_NO_SCOPES = 500102, "应用未添加任何权限点。";
    /// 500103 the app could not be loaded.
    APP_LOAD_FAILED = 500103, "获取应用信息失败。";
    /// 500104 the app has not added that point.
    SCOPE_NOT_ADDED = 500104, "应用未添加该权限点，请在开发者后台添加。";
    /// 500404 the grant could not be recorded.
    GRANT_UPDATE_FAILED = 500404, "更新授权记录失败。";
    /// 500408 the user is not a member of the org.
    NOT_A_MEMBER = 500408, "用户不是该组织的成员。";
    /// 70003 the third-party app is not installed (opened) in the org.
    APP_NOT_OPENED = 70003, "应用未在该组织开通。";
    /// 52026 (DingTalk's client code for a page outside the app's safe domains, 无效的安全微应用
    /// URL): the calling page's origin is not registered for the app.
    ORIGIN_NOT_REGISTERED = 52026, "无效的安全微应用URL。";
}

/// Delegated (0) or app (1) authorization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum AuthType {
    /// 委托授权: a user consents; yields an authCode.
    Delegated,
    /// 应用授权: an org admin grants app-type points.
    App,
}

/// The component's parameters, as received (all optional strings).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenAuthParams {
    /// `type`: 0 or 1 (default 0).
    #[serde(rename = "type", default)]
    pub auth_type: Option<String>,
    /// `clientId`.
    #[serde(default)]
    pub client_id: Option<String>,
    /// `corpId`.
    #[serde(default)]
    pub corp_id: Option<String>,
    /// `rpcScope`, comma-separated.
    #[serde(default)]
    pub rpc_scope: Option<String>,
    /// `fieldScope`, comma-separated.
    #[serde(default)]
    pub field_scope: Option<String>,
}

/// A request that passed the shape checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShapedRequest {
    /// 0 or 1.
    pub auth_type: AuthType,
    /// The app.
    pub client_id: String,
    /// The org.
    pub corp_id: String,
    /// rpcScope codes as given (may hold `.default` for type 1).
    pub rpc: Vec<String>,
    /// fieldScope codes as given.
    pub field: Vec<String>,
}

fn split(s: &Option<String>) -> Vec<String> {
    s.as_deref()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .collect()
}

fn present(s: &Option<String>) -> bool {
    s.as_deref().is_some_and(|v| !v.trim().is_empty())
}

/// Checks the parameters' shape (codes 400001, 400006, 400007, 400002).
pub fn shape(p: &OpenAuthParams) -> Result<ShapedRequest, OpenAuthError> {
    if !present(&p.client_id)
        && !present(&p.corp_id)
        && !present(&p.rpc_scope)
        && !present(&p.field_scope)
    {
        return Err(EMPTY_REQUEST);
    }
    if !present(&p.client_id) {
        return Err(CLIENT_ID_REQUIRED);
    }
    if !present(&p.corp_id) {
        return Err(CORP_ID_REQUIRED);
    }
    let auth_type = match p.auth_type.as_deref().map(str::trim) {
        None | Some("") | Some("0") => AuthType::Delegated,
        Some("1") => AuthType::App,
        Some(_) => return Err(EMPTY_REQUEST),
    };
    let (rpc, field) = (split(&p.rpc_scope), split(&p.field_scope));
    if rpc.is_empty() && field.is_empty() {
        return Err(NO_SCOPE);
    }
    Ok(ShapedRequest {
        auth_type,
        client_id: p.client_id.clone().unwrap_or_default().trim().to_owned(),
        corp_id: p.corp_id.clone().unwrap_or_default().trim().to_owned(),
        rpc,
        field,
    })
}

/// Resolves the requested codes against the catalogue and the app's added points (codes
/// 500102, 500201–500205, 500104). `lookup` finds a catalogue point; `added` are the app's
/// points. Returns the points to consent to (type 0) or grant (type 1), sorted.
pub fn resolve_points(
    req: &ShapedRequest,
    added: &[PermissionPoint],
    lookup: impl Fn(&str) -> Option<PermissionPoint>,
) -> Result<Vec<PermissionPoint>, OpenAuthError> {
    if added.is_empty() {
        return Err(APP_HAS_NO_SCOPES);
    }
    let mut out: Vec<PermissionPoint> = Vec::new();
    let wanted_grant = match req.auth_type {
        AuthType::Delegated => GrantType::Delegated,
        AuthType::App => GrantType::App,
    };
    let wrong_grant = match req.auth_type {
        AuthType::Delegated => DELEGATED_AUTH_NEEDS_DELEGATED_POINTS,
        AuthType::App => APP_AUTH_NEEDS_APP_POINTS,
    };
    for (codes, kind, wrong_kind) in [
        (&req.rpc, PointKind::Rpc, RPC_SCOPE_NEEDS_RPC),
        (&req.field, PointKind::Field, FIELD_SCOPE_NEEDS_FIELD),
    ] {
        for code in codes {
            if code == ".default" && req.auth_type == AuthType::App && kind == PointKind::Rpc {
                out.extend(
                    added
                        .iter()
                        .filter(|p| p.grant_type == GrantType::App)
                        .cloned(),
                );
                continue;
            }
            let point = PermissionCode::parse(code.as_str())
                .ok()
                .and_then(|c| lookup(c.as_str()))
                .ok_or(BAD_SCOPE_CODE)?;
            if req.auth_type == AuthType::App && kind == PointKind::Field {
                return Err(APP_AUTH_NEEDS_APP_POINTS);
            }
            if point.kind != kind {
                return Err(wrong_kind);
            }
            if point.grant_type != wanted_grant {
                return Err(wrong_grant);
            }
            if !added.iter().any(|a| a.code == point.code) {
                return Err(SCOPE_NOT_ADDED);
            }
            out.push(point);
        }
    }
    out.sort_by(|a, b| a.code.cmp(&b.code));
    out.dedup_by(|a, b| a.code == b.code);
    if out.is_empty() {
        return Err(APP_HAS_NO_SCOPES);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::permission::builtin_points;

    fn params(t: &str, rpc: &str, field: &str) -> OpenAuthParams {
        OpenAuthParams {
            auth_type: Some(t.into()),
            client_id: Some("suiteapp".into()),
            corp_id: Some("dingcorp".into()),
            rpc_scope: Some(rpc.into()),
            field_scope: Some(field.into()),
        }
    }

    fn lookup(c: &str) -> Option<PermissionPoint> {
        builtin_points().into_iter().find(|p| p.code.as_str() == c)
    }

    fn added(codes: &[&str]) -> Vec<PermissionPoint> {
        codes.iter().map(|c| lookup(c).unwrap()).collect()
    }

    #[test]
    fn shape_errors_come_in_order() {
        assert_eq!(shape(&OpenAuthParams::default()), Err(EMPTY_REQUEST));
        let mut p = params("0", "Contact.User.Read", "");
        p.client_id = None;
        assert_eq!(shape(&p), Err(CLIENT_ID_REQUIRED));
        let mut p = params("0", "Contact.User.Read", "");
        p.corp_id = Some(" ".into());
        assert_eq!(shape(&p), Err(CORP_ID_REQUIRED));
        assert_eq!(shape(&params("0", " , ", "")), Err(NO_SCOPE));
        let ok = shape(&params(
            "0",
            "Contact.User.Read, Todo.Todo.Read",
            "Contact.User.mobile",
        ))
        .unwrap();
        assert_eq!(ok.rpc, vec!["Contact.User.Read", "Todo.Todo.Read"]);
        assert_eq!(ok.field, vec!["Contact.User.mobile"]);
    }

    #[test]
    fn point_errors() {
        let all = added(&[
            "Contact.User.Read",
            "Contact.User.mobile",
            "Contact.Org.Read",
        ]);
        let r = |t, rpc, field, add: &[PermissionPoint]| {
            resolve_points(&shape(&params(t, rpc, field)).unwrap(), add, lookup)
        };
        assert_eq!(r("0", "Nope.Nope", "", &all), Err(BAD_SCOPE_CODE));
        assert_eq!(
            r("0", "Contact.User.mobile", "", &all),
            Err(RPC_SCOPE_NEEDS_RPC)
        );
        assert_eq!(
            r("0", "", "Contact.User.Read", &all),
            Err(FIELD_SCOPE_NEEDS_FIELD)
        );
        assert_eq!(
            r("1", "Contact.User.Read", "", &all),
            Err(APP_AUTH_NEEDS_APP_POINTS)
        );
        assert_eq!(
            r("0", "Contact.Org.Read", "", &all),
            Err(DELEGATED_AUTH_NEEDS_DELEGATED_POINTS)
        );
        assert_eq!(r("0", "Todo.Todo.Read", "", &all), Err(SCOPE_NOT_ADDED));
        assert_eq!(r("0", "Contact.User.Read", "", &[]), Err(APP_HAS_NO_SCOPES));
        let ok = r("0", "Contact.User.Read", "Contact.User.mobile", &all).unwrap();
        assert_eq!(ok.len(), 2);
        let d = r("1", ".default", "", &all).unwrap();
        assert_eq!(
            d.iter().map(|p| p.code.as_str()).collect::<Vec<_>>(),
            vec!["Contact.Org.Read"]
        );
        assert_eq!(ALL.len(), 19);
    }
}
