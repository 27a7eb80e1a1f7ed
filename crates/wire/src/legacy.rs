//! The legacy (oapi) envelope: every answer is HTTP 200 with a numeric `errcode` (`0` and
//! `errmsg` `"ok"` on success), fields at the top level except under `/topapi/`, where the
//! payload is in `result` and a `request_id` is added (docs/dingtalk/dingtalk-wire-2.md §1.3).

use serde::{Deserialize, Serialize};

use crate::Secret;

/// A legacy failure: `{"errcode","errmsg"}`; on `/topapi/*` token and permission failures are
/// `{"errcode":88,"sub_code","sub_msg","errmsg","request_id"}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LegacyErrorBody {
    /// `errcode`: DingTalk's numeric code (never 0 here).
    pub errcode: i64,
    /// `sub_code`: with errcode 88, the underlying code as a string (`"40014"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_code: Option<String>,
    /// `sub_msg`: with errcode 88, the underlying message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_msg: Option<String>,
    /// `errmsg`: DingTalk's message (Chinese where DingTalk's is).
    #[serde(default)]
    pub errmsg: String,
    /// `request_id`: on `/topapi/*` answers only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// Answer of `GET /gettoken?appkey=&appsecret=`:
/// `{"errcode":0,"access_token","errmsg":"ok","expires_in"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GetTokenLegacyResponse {
    /// `errcode`: `0`.
    pub errcode: i64,
    /// `access_token`: the app token, the same one the v1.0 endpoints hand out
    /// (opending: 32 lowercase hex digits).
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9a-f]{32}$"))]
    pub access_token: Secret,
    /// `errmsg`: `"ok"`.
    pub errmsg: String,
    /// `expires_in`: seconds of validity (DingTalk: 7200).
    pub expires_in: i64,
}

impl GetTokenLegacyResponse {
    /// A success answer.
    pub fn ok(access_token: Secret, expires_in: i64) -> Self {
        Self {
            errcode: 0,
            access_token,
            errmsg: "ok".to_owned(),
            expires_in,
        }
    }
}

/// Answer of `GET /get_jsapi_ticket?access_token=`:
/// `{"errcode":0,"ticket","errmsg":"ok","expires_in"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GetJsapiTicketLegacyResponse {
    /// `errcode`: `0`.
    pub errcode: i64,
    /// `ticket`: the JSAPI ticket `dd.config` signatures are computed with (the same one
    /// `POST /v1.0/oauth2/jsapiTickets` hands out).
    pub ticket: Secret,
    /// `errmsg`: `"ok"`.
    pub errmsg: String,
    /// `expires_in`: seconds of validity left.
    pub expires_in: i64,
}

impl GetJsapiTicketLegacyResponse {
    /// A success answer.
    pub fn ok(ticket: Secret, expires_in: i64) -> Self {
        Self {
            errcode: 0,
            ticket,
            errmsg: "ok".to_owned(),
            expires_in,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn bodies_keep_dingtalks_keys_and_order() {
        let ok = GetTokenLegacyResponse::ok(Secret::new("96fc7a7a"), 7200);
        assert_eq!(
            serde_json::to_string(&ok).unwrap(),
            r#"{"errcode":0,"access_token":"96fc7a7a","errmsg":"ok","expires_in":7200}"#
        );
        let plain = LegacyErrorBody {
            errcode: 40096,
            errmsg: "不合法的appKey或appSecret".into(),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_value(&plain).unwrap(),
            json!({"errcode": 40096, "errmsg": "不合法的appKey或appSecret"})
        );
        let wrapped = LegacyErrorBody {
            errcode: 88,
            sub_code: Some("40014".into()),
            sub_msg: Some("不合法的access_token".into()),
            errmsg: "ding talk error[subcode=40014,submsg=不合法的access_token]".into(),
            request_id: Some("16l4ew3d47pdp".into()),
        };
        assert_eq!(
            serde_json::to_string(&wrapped).unwrap(),
            r#"{"errcode":88,"sub_code":"40014","sub_msg":"不合法的access_token","errmsg":"ding talk error[subcode=40014,submsg=不合法的access_token]","request_id":"16l4ew3d47pdp"}"#
        );
    }
}
