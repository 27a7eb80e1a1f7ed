//! [`ApiRequest`]: one call to describe — operation name, method, path, query, JSON body, how
//! it authenticates, and whether it may be sent twice.

use std::fmt;

use reqwest::Method;

use crate::{error::Result, Credentials, Error, Secret};

/// How a request authenticates.
#[derive(Clone)]
pub(crate) enum Auth {
    None,
    /// `x-acs-dingtalk-access-token: <token>` (DingTalk's protected APIs).
    AccessToken(Secret),
    /// `Authorization: Basic` with client credentials (opending's introspection).
    Basic(Credentials),
    /// `Authorization: Bearer <key>` (opending's admin key).
    Bearer(Secret),
}

/// One API request, for [`Client::send`](crate::Client::send). The typed methods
/// ([`Client::get_token`](crate::Client::get_token) and
/// friends) build these; build one yourself for any other DingTalk API.
#[derive(Clone)]
pub struct ApiRequest {
    pub(crate) operation: &'static str,
    pub(crate) method: Method,
    pub(crate) segments: Vec<String>,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) body: Option<Vec<u8>>,
    pub(crate) auth: Auth,
    pub(crate) idempotent: bool,
    /// Query parameters that are secrets (`appsecret`, `access_token`): added to the URL only
    /// when sending, never to a log line or an error.
    pub(crate) secret_query: Vec<(String, Secret)>,
    /// DingTalk's legacy (oapi) envelope: a 200 whose `errcode` is not 0 is an error.
    pub(crate) legacy: bool,
}

impl fmt::Debug for ApiRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Bodies and credentials stay out: they may hold secrets.
        f.debug_struct("ApiRequest")
            .field("operation", &self.operation)
            .field("method", &self.method)
            .field("segments", &self.segments)
            .field("query", &self.query)
            .finish_non_exhaustive()
    }
}

impl ApiRequest {
    /// A request named `operation` (for logs and errors, e.g. `GetUser`) to `path` under the
    /// base URL. `path`'s segments are sent as given; add untrusted parts with
    /// [`ApiRequest::segment`], which percent-encodes them. GET, HEAD, PUT and DELETE count as
    /// idempotent, POST does not (see [`ApiRequest::idempotent`]).
    pub fn new(operation: &'static str, method: Method, path: &str) -> Self {
        let idempotent = matches!(
            method,
            Method::GET | Method::HEAD | Method::PUT | Method::DELETE
        );
        Self {
            operation,
            method,
            segments: path
                .split('/')
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
            query: Vec::new(),
            body: None,
            auth: Auth::None,
            idempotent,
            secret_query: Vec::new(),
            legacy: false,
        }
    }

    /// Appends one path segment; `/`, `?`, `%` and other special characters are encoded.
    pub fn segment(mut self, segment: &str) -> Self {
        self.segments.push(segment.to_owned());
        self
    }

    /// Adds a query parameter.
    pub fn query(mut self, name: &str, value: &str) -> Self {
        self.query.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Adds a query parameter whose value is a secret: it goes on the wire, never into a log
    /// line, an error or this request's `Debug`.
    pub fn query_secret(mut self, name: &str, value: Secret) -> Self {
        self.secret_query.push((name.to_owned(), value));
        self
    }

    /// Reads the answer in DingTalk's legacy (oapi) envelope: always HTTP 200, a failure
    /// being an `errcode` other than 0 ([`ApiError::code`](crate::ApiError::code) is then the
    /// errcode as text, e.g. `"40014"`).
    pub fn legacy(mut self) -> Self {
        self.legacy = true;
        self
    }

    /// Authenticates a legacy (oapi) call: the token goes as `?access_token=` (the legacy
    /// family ignores the v1.0 header), and the answer is read as [`ApiRequest::legacy`].
    pub fn legacy_access_token(self, token: Secret) -> Self {
        self.query_secret("access_token", token).legacy()
    }

    /// Sends `body` as JSON (`Content-Type: application/json; charset=utf-8`).
    pub fn json(mut self, body: &impl serde::Serialize) -> Result<Self> {
        let bytes = serde_json::to_vec(body)
            .map_err(|e| Error::Config(format!("request body does not serialize: {e}")))?;
        self.body = Some(bytes);
        Ok(self)
    }

    /// Authenticates with `x-acs-dingtalk-access-token` (an app or user access token).
    pub fn access_token(mut self, token: Secret) -> Self {
        self.auth = Auth::AccessToken(token);
        self
    }

    /// Authenticates with HTTP Basic client credentials (opending's introspection).
    pub fn basic_auth(mut self, credentials: Credentials) -> Self {
        self.auth = Auth::Basic(credentials);
        self
    }

    /// Authenticates with `Authorization: Bearer` (opending's admin key).
    pub fn bearer(mut self, key: Secret) -> Self {
        self.auth = Auth::Bearer(key);
        self
    }

    /// Whether sending the request twice does no harm. Non-idempotent requests are retried
    /// only when the server certainly did not act on them.
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = idempotent;
        self
    }
}
