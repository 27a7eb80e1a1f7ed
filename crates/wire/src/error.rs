//! DingTalk's error body: `{"code","requestid","message"[,"accessdenieddetail":
//! {"requiredScopes":[…]}]}` (docs/dingtalk/dingtalk-wire.md §2.1).
//!
//! It is read leniently, as gateways and older APIs vary: `Code`/`Message`/`RequestId`
//! spellings, numeric codes, empty strings (read as absent) and non-string scopes (skipped).

use std::fmt;

use serde::{
    de::{self, IgnoredAny, Visitor},
    Deserialize, Deserializer, Serialize,
};

/// An error answer's body. opending sends every field but `accessdenieddetail`, in this order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// `code`: the catalogue code, e.g. `invalid.client` or `InvalidAuthentication`.
    #[serde(
        default,
        alias = "Code",
        deserialize_with = "lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub code: Option<String>,
    /// `requestid`: the request id, also sent as the `x-acs-request-id` header.
    #[serde(
        default,
        alias = "RequestId",
        alias = "requestId",
        deserialize_with = "lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub requestid: Option<String>,
    /// `message`: DingTalk's message (Chinese where DingTalk's is).
    #[serde(
        default,
        alias = "Message",
        deserialize_with = "lenient",
        skip_serializing_if = "Option::is_none"
    )]
    pub message: Option<String>,
    /// `accessdenieddetail`: only on a permission error (403).
    #[serde(
        default,
        alias = "AccessDeniedDetail",
        deserialize_with = "detail_if_object",
        skip_serializing_if = "Option::is_none"
    )]
    pub accessdenieddetail: Option<AccessDeniedDetail>,
}

/// The permission points a 403 `AccessTokenPermissionDenied` names.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccessDeniedDetail {
    /// `requiredScopes`: exactly the points the token lacks.
    #[serde(rename = "requiredScopes", default, deserialize_with = "strings_only")]
    pub required_scopes: Vec<String>,
}

/// A string, or a number as its text; anything else (and `""`) is absent.
fn lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    d.deserialize_any(LenientText { numbers: true })
}

/// The detail when it is an object; anything else is absent.
fn detail_if_object<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<AccessDeniedDetail>, D::Error> {
    struct Detail;
    impl<'de> Visitor<'de> for Detail {
        type Value = Option<AccessDeniedDetail>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            AccessDeniedDetail::deserialize(de::value::MapAccessDeserializer::new(map)).map(Some)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_any(self)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok(None)
        }
    }
    d.deserialize_any(Detail)
}

/// The strings of an array, skipping other values.
fn strings_only<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    struct Texts;
    impl<'de> Visitor<'de> for Texts {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an array")
        }
        fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(item) = seq.next_element::<Text>()? {
                out.extend(item.0);
            }
            Ok(out)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
    }
    d.deserialize_any(Texts)
}

/// A string item of [`strings_only`] (numbers and others are skipped).
struct Text(Option<String>);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Only strings name scopes; a number is skipped, not read as its text.
        d.deserialize_any(LenientText { numbers: false }).map(Text)
    }
}

/// Reads a string (`""` as absent), a number as its text when `numbers`, anything else as
/// absent.
struct LenientText {
    numbers: bool,
}

impl<'de> Visitor<'de> for LenientText {
    type Value = Option<String>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string or a number")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok((!v.is_empty()).then(|| v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok((!v.is_empty()).then_some(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(self.numbers.then(|| v.to_string()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(self.numbers.then(|| v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(self.numbers.then(|| v.to_string()))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn opending_writes_dingtalks_keys_in_order() {
        let body = ErrorBody {
            code: Some("Forbidden.AccessDenied.AccessTokenPermissionDenied".into()),
            requestid: Some("RID".into()),
            message: Some("m".into()),
            accessdenieddetail: Some(AccessDeniedDetail {
                required_scopes: vec!["Contact.Org.Read".into()],
            }),
        };
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"code":"Forbidden.AccessDenied.AccessTokenPermissionDenied","requestid":"RID","message":"m","accessdenieddetail":{"requiredScopes":["Contact.Org.Read"]}}"#
        );
    }

    #[test]
    fn other_spellings_numbers_and_empties_are_read() {
        let b: ErrorBody =
            serde_json::from_value(json!({"Code": 40014, "Message": "", "RequestId": "R"}))
                .unwrap();
        assert_eq!(b.code.as_deref(), Some("40014"));
        assert_eq!(b.message, None);
        assert_eq!(b.requestid.as_deref(), Some("R"));
        let b: ErrorBody = serde_json::from_value(json!({
            "code": null, "message": {"nested": true}, "requestId": "r2",
            "accessdenieddetail": {"requiredScopes": ["A.B", 3, null, "C.D"]}, "extra": [1]
        }))
        .unwrap();
        assert_eq!((b.code, b.message), (None, None));
        let odd: ErrorBody = serde_json::from_value(json!({
            "code": "C", "accessdenieddetail": "not an object"
        }))
        .unwrap();
        assert_eq!(
            (odd.code.as_deref(), odd.accessdenieddetail),
            (Some("C"), None)
        );
        assert_eq!(b.requestid.as_deref(), Some("r2"));
        assert_eq!(
            b.accessdenieddetail.unwrap().required_scopes,
            ["A.B", "C.D"]
        );
    }
}
