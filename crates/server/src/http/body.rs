//! Request bodies: JSON (Content-Length or chunked, as the official SDKs send it) or, where
//! RFC 7662 wants it, form-encoded. At most 64 KiB. Every malformation is a 400 whose message
//! names the problem (docs/dingtalk/decisions.md §6–7); an empty string counts as a missing field.

use axum::{
    body::Bytes,
    extract::{FromRequest, Request},
    http::{header, HeaderMap},
};
use opending_domain::{ApiError, ErrorCode};
use serde::de::DeserializeOwned;

use crate::service::Error;

/// Largest accepted body.
pub const MAX_BODY: usize = 64 * 1024;

/// How the body is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// `application/json` (any charset), or no content type at all.
    Json,
    /// `application/x-www-form-urlencoded`.
    Form,
}

fn encoding(headers: &HeaderMap, allow_form: bool) -> Result<Encoding, Error> {
    let Some(ct) = headers.get(header::CONTENT_TYPE) else {
        return Ok(Encoding::Json);
    };
    let ct = ct.to_str().unwrap_or("").to_ascii_lowercase();
    let essence = ct.split(';').next().unwrap_or("").trim();
    match essence {
        "application/json" => Ok(Encoding::Json),
        "application/x-www-form-urlencoded" if allow_form => Ok(Encoding::Form),
        // Real DingTalk treats a non-JSON body as no body at all (docs/dingtalk/dingtalk-wire.md §4.1).
        _ => Err(ApiError::with_message(
            ErrorCode::MissingBody,
            format!(
                "body is mandatory for this action. (Content-Type must be application/json, not {:?})",
                if essence.is_empty() { "(empty)" } else { essence }
            ),
        )
        .into()),
    }
}

async fn read(req: Request) -> Result<Bytes, Error> {
    match axum::body::to_bytes(req.into_body(), MAX_BODY).await {
        Ok(b) if b.iter().all(u8::is_ascii_whitespace) => {
            Err(ApiError::new(ErrorCode::MissingBody).into())
        }
        Ok(b) => Ok(b),
        Err(e) => {
            let too_large = std::error::Error::source(&e)
                .is_some_and(|s| s.is::<http_body_util::LengthLimitError>())
                || e.to_string().contains("length limit");
            Err(ApiError::invalid_request(if too_large {
                format!("request body exceeds {MAX_BODY} bytes")
            } else {
                "the request body could not be read".to_owned()
            })
            .into())
        }
    }
}

/// Decodes a JSON request body into `T` with the DingTalk-style 400s of docs/api.md (UTF-8, one
/// JSON object, field-naming messages). The `JsonBody` extractor's parser; public for the fuzz
/// targets.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    if std::str::from_utf8(bytes).is_err() {
        return Err(ApiError::invalid_request("request body is not valid UTF-8").into());
    }
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(ApiError::invalid_request("request body must be a JSON object").into());
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let msg = if inner.is_syntax() || inner.is_eof() {
            format!("request body is not valid JSON: {inner}")
        } else if path == "." {
            format!("request body: {inner}")
        } else {
            format!("{path}: {inner}")
        };
        ApiError::invalid_request(msg).into()
    })
}

/// Decodes a form-encoded request body into `T` (the `JsonOrForm` extractor's form half).
pub fn parse_form<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    serde_urlencoded::from_bytes(bytes)
        .map_err(|e| ApiError::invalid_request(format!("form body: {e}")).into())
}

/// A JSON body decoded into `T`, with DingTalk-style errors.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = Error;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Error> {
        encoding(req.headers(), false)?;
        let bytes = read(req).await?;
        parse_json(&bytes).map(JsonBody)
    }
}

/// A body that may be JSON or form-encoded (RFC 7662 introspection).
#[derive(Debug)]
pub struct JsonOrForm<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonOrForm<T> {
    type Rejection = Error;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Error> {
        let enc = encoding(req.headers(), true)?;
        let bytes = read(req).await?;
        match enc {
            Encoding::Json => parse_json(&bytes),
            Encoding::Form => parse_form(&bytes),
        }
        .map(JsonOrForm)
    }
}

/// The parameters of a legacy (oapi) call: the query merged with the body, as DingTalk reads
/// them (docs/dingtalk/dingtalk-wire-2.md §1.2). The body is JSON when its first non-blank
/// byte is `{` (whatever the content type: real clients send JSON as a form, and the reverse),
/// else form-encoded; numbers and booleans are read as their text. A name given in both
/// places takes the body's value. At most [`MAX_BODY`] bytes, [`MAX_LEGACY_PARAMS`] names.
#[derive(Debug, Default)]
pub struct LegacyParams(pub std::collections::HashMap<String, String>);

/// Most parameters a legacy call may carry (query and body together).
pub const MAX_LEGACY_PARAMS: usize = 64;

impl LegacyParams {
    /// A parameter's value, `None` when absent or empty.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// Parses a query string and a body (the extractor's work; public for the fuzz target).
    pub fn parse(query: &str, body: &[u8]) -> Result<Self, Error> {
        let too_many = || -> Error {
            ApiError::invalid_request(format!("more than {MAX_LEGACY_PARAMS} parameters")).into()
        };
        let mut params = std::collections::HashMap::new();
        for (k, v) in form_urlencoded::parse(query.as_bytes()) {
            params.insert(k.into_owned(), v.into_owned());
            if params.len() > MAX_LEGACY_PARAMS {
                return Err(too_many());
            }
        }
        let first = body.iter().find(|b| !b.is_ascii_whitespace());
        if first == Some(&b'{') {
            let map: serde_json::Map<String, serde_json::Value> = parse_json(body)?;
            for (k, v) in map {
                let text = match v {
                    serde_json::Value::String(s) => s,
                    serde_json::Value::Number(n) => n.to_string(),
                    serde_json::Value::Bool(b) => b.to_string(),
                    serde_json::Value::Null => continue,
                    other => other.to_string(),
                };
                params.insert(k, text);
                if params.len() > MAX_LEGACY_PARAMS {
                    return Err(too_many());
                }
            }
        } else if first.is_some() {
            if std::str::from_utf8(body).is_err() {
                return Err(ApiError::invalid_request("request body is not valid UTF-8").into());
            }
            for (k, v) in form_urlencoded::parse(body) {
                params.insert(k.into_owned(), v.into_owned());
                if params.len() > MAX_LEGACY_PARAMS {
                    return Err(too_many());
                }
            }
        }
        Ok(Self(params))
    }
}

impl<S: Send + Sync> FromRequest<S> for LegacyParams {
    type Rejection = Error;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Error> {
        let query = req.uri().query().unwrap_or("").to_owned();
        let bytes = match axum::body::to_bytes(req.into_body(), MAX_BODY).await {
            Ok(b) => b,
            Err(_) => {
                return Err(ApiError::invalid_request(format!(
                    "request body exceeds {MAX_BODY} bytes"
                ))
                .into())
            }
        };
        Self::parse(&query, &bytes)
    }
}

/// A required string field: absent and `""` are both "missing" (the SDKs send `""`).
pub fn required(field: &'static str, value: Option<String>) -> Result<String, Error> {
    match value {
        Some(v) if !v.is_empty() => Ok(v),
        _ => Err(ApiError::invalid_request(format!("{field} is required")).into()),
    }
}

/// Largest seed document accepted over HTTP.
pub const MAX_SEED: usize = 1024 * 1024;

/// A seed document from a request body (YAML or JSON text, any content type), with
/// `InvalidParameter` errors for oversized or non-UTF-8 bodies.
pub async fn seed_text(req: Request) -> Result<String, Error> {
    let bytes = axum::body::to_bytes(req.into_body(), MAX_SEED)
        .await
        .map_err(|_| {
            ApiError::with_message(
                ErrorCode::InvalidParameter,
                format!("seed document is larger than {MAX_SEED} bytes"),
            )
        })?;
    String::from_utf8(bytes.to_vec()).map_err(|_| {
        ApiError::with_message(
            ErrorCode::InvalidParameter,
            "seed document is not valid UTF-8",
        )
        .into()
    })
}
