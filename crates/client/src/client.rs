//! [`Client`]: one HTTP connection pool, a base URL, timeouts and a retry policy; every call
//! goes through [`Client::send`], which adds DingTalk's headers, retries what is worth retrying,
//! parses DingTalk's error bodies and records a `tracing` span.

use std::{fmt, sync::Arc, time::Duration};

use reqwest::{header, Url};
use serde::de::DeserializeOwned;
use tracing::Instrument;

use crate::{
    error::{ApiError, Error, Result, TransportError},
    model::{ErrorBody, LegacyErrorBody},
    request::{ApiRequest, Auth},
    RetryPolicy,
};

/// Real DingTalk's API host.
pub const DINGTALK_BASE_URL: &str = "https://api.dingtalk.com";

/// The header carrying an access token on DingTalk's protected APIs (the raw token, no scheme).
pub const ACCESS_TOKEN_HEADER: &str = "x-acs-dingtalk-access-token";

/// The response header with DingTalk's request id.
pub const REQUEST_ID_HEADER: &str = "x-acs-request-id";

/// A client for DingTalk's API, or for any opending server. Cheap to clone (the connection
/// pool is shared); build one per process and pass it around.
///
/// ```no_run
/// # async fn demo() -> Result<(), opending_client::Error> {
/// use std::time::Duration;
/// use opending_client::Client;
///
/// let dingtalk = Client::new()?; // https://api.dingtalk.com
/// let local = Client::builder()
///     .base_url("http://127.0.0.1:8080")
///     .timeout(Duration::from_secs(5))
///     .build()?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base: Url,
    timeout: Duration,
    retry: RetryPolicy,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base.as_str())
            .field("timeout", &self.inner.timeout)
            .field("retry", &self.inner.retry)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client for real DingTalk (`https://api.dingtalk.com`) with the default settings.
    pub fn new() -> Result<Self> {
        Self::builder().build()
    }

    /// A builder, starting from the defaults: DingTalk's base URL, 5 s to connect, 10 s per
    /// attempt (the official SDKs' values), [`RetryPolicy::default`].
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The base URL every path is appended to.
    pub fn base_url(&self) -> &Url {
        &self.inner.base
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    /// Sends `request`, retrying as the [`RetryPolicy`] allows, and decodes a 2xx JSON answer
    /// as `T`. Use it for DingTalk APIs this crate has no typed method for:
    ///
    /// ```no_run
    /// # async fn demo(client: opending_client::Client, token: opending_client::Secret) -> Result<(), opending_client::Error> {
    /// use opending_client::{ApiRequest, reqwest::Method};
    ///
    /// let me: serde_json::Value = client
    ///     .send(ApiRequest::new("GetUser", Method::GET, "/v1.0/contact/users/me").access_token(token))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn send<T: DeserializeOwned>(&self, request: ApiRequest) -> Result<T> {
        let url = self.url(&request)?;
        let span = tracing::info_span!(
            "dingtalk",
            op = request.operation,
            method = %request.method,
            path = %url.path(),
            status = tracing::field::Empty,
            code = tracing::field::Empty,
            request_id = tracing::field::Empty,
            attempts = tracing::field::Empty,
        );
        self.send_with_retries(&request, url).instrument(span).await
    }

    async fn send_with_retries<T: DeserializeOwned>(
        &self,
        request: &ApiRequest,
        url: Url,
    ) -> Result<T> {
        let policy = &self.inner.retry;
        let span = tracing::Span::current();
        let mut retry = 0;
        loop {
            let result = self.send_once(request, url.clone()).await;
            span.record("attempts", retry + 1);
            let err = match result {
                Ok(value) => return Ok(value),
                Err(err) => err,
            };
            if let Some(api) = err.api() {
                span.record("status", api.status);
                if let Some(code) = &api.code {
                    span.record("code", code.as_str());
                }
                if let Some(rid) = &api.request_id {
                    span.record("request_id", rid.as_str());
                }
            }
            let may_retry = retry < policy.max_retries
                && err.is_retryable()
                && (request.idempotent || err.was_not_processed());
            if !may_retry {
                tracing::debug!(error = %err, "call failed");
                return Err(err);
            }
            let delay = policy.delay(retry, err.retry_after());
            tracing::warn!(
                retry = retry + 1,
                delay_ms = delay.as_millis() as u64,
                error = %err,
                "call failed; retrying"
            );
            tokio::time::sleep(delay).await;
            retry += 1;
        }
    }

    async fn send_once<T: DeserializeOwned>(&self, request: &ApiRequest, url: Url) -> Result<T> {
        let op = request.operation;
        // `url` holds no secret query parameter; reqwest's own error would name the URL sent,
        // which may (`appsecret`, `access_token`), so its URL is left out.
        let transport = |e: reqwest::Error| {
            Error::from(TransportError::new(op, url.to_string(), e.without_url()))
        };
        let mut sent = url.clone();
        if !request.secret_query.is_empty() {
            sent.query_pairs_mut()
                .extend_pairs(request.secret_query.iter().map(|(k, v)| (k, v.expose())));
        }
        let mut builder = self
            .inner
            .http
            .request(request.method.clone(), sent)
            .timeout(self.inner.timeout)
            .header(header::ACCEPT, "application/json");
        builder = match &request.auth {
            Auth::None => builder,
            Auth::AccessToken(t) => builder.header(ACCESS_TOKEN_HEADER, t.expose()),
            // RFC 6749 §2.3.1: each half is form-urlencoded before joining (opending decodes).
            Auth::Basic(c) => builder.basic_auth(
                form_encode(&c.client_id),
                Some(form_encode(c.client_secret.expose())),
            ),
            Auth::Bearer(k) => builder.bearer_auth(k.expose()),
        };
        if let Some(body) = &request.body {
            builder = builder
                .header(header::CONTENT_TYPE, "application/json; charset=utf-8")
                .body(body.clone());
        }
        let response = builder.send().await.map_err(transport)?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.map_err(transport)?;
        tracing::Span::current().record("status", status);
        if (200..300).contains(&status) {
            // An empty 2xx body reads as `null`, so `T = ()` works for 204s.
            let text: &[u8] = if bytes.is_empty() { b"null" } else { &bytes };
            let decode = |e: serde_json::Error| Error::Decode {
                operation: op,
                status,
                detail: e.to_string(),
            };
            if request.legacy {
                let value: serde_json::Value = serde_json::from_slice(text).map_err(decode)?;
                if let Some(err) = legacy_error(op, &headers, &value) {
                    return Err(err.into());
                }
                return serde_json::from_value(value).map_err(decode);
            }
            return serde_json::from_slice(text).map_err(decode);
        }
        Err(parse_error(op, status, &headers, &bytes).into())
    }

    fn url(&self, request: &ApiRequest) -> Result<Url> {
        let mut url = self.inner.base.clone();
        {
            let mut segments = url
                .path_segments_mut()
                .map_err(|()| Error::Config("the base URL cannot take a path".into()))?;
            segments.pop_if_empty();
            segments.extend(request.segments.iter().map(String::as_str));
        }
        if !request.query.is_empty() {
            url.query_pairs_mut().extend_pairs(&request.query);
        }
        Ok(url)
    }
}

fn form_encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Reads DingTalk's error body ([`ErrorBody`]: `code`/`Code`, `message`/`Message`,
/// `requestid`/`RequestId`, `accessdenieddetail.requiredScopes`) (docs/dingtalk/dingtalk-wire.md §2.1). A body that is not a JSON
/// object (an HTML ban page, a proxy's text) keeps its first 200 characters as the message.
fn parse_error(
    operation: &'static str,
    status: u16,
    headers: &header::HeaderMap,
    body: &[u8],
) -> ApiError {
    let header_rid = headers
        .get(REQUEST_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let retry_after = headers
        .get(header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let mut err = ApiError {
        operation,
        status,
        code: None,
        message: None,
        request_id: header_rid,
        required_scopes: Vec::new(),
        retry_after,
    };
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(value @ serde_json::Value::Object(_)) => {
            // Read as the wire crate's error body (lenient about spellings and types); a body
            // that is an object but not an error's keeps what it could read: nothing.
            let parsed: ErrorBody = serde_json::from_value(value).unwrap_or_default();
            err.code = parsed.code;
            err.message = parsed.message;
            if let Some(rid) = parsed.requestid {
                err.request_id = Some(rid);
            }
            err.required_scopes = parsed
                .accessdenieddetail
                .map(|d| d.required_scopes)
                .unwrap_or_default();
        }
        _ => {
            let text = String::from_utf8_lossy(body);
            let text: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
            if !text.is_empty() {
                let mut snippet: String = text.chars().take(200).collect();
                if snippet.len() < text.len() {
                    snippet.push('…');
                }
                err.message = Some(snippet);
            }
        }
    }
    err
}

/// A legacy (oapi) answer's failure: `errcode` other than 0, with `errmsg` and the
/// `request_id` of `/topapi/` answers (docs/dingtalk/dingtalk-wire-2.md §1.3–1.4).
fn legacy_error(
    operation: &'static str,
    headers: &header::HeaderMap,
    body: &serde_json::Value,
) -> Option<ApiError> {
    let parsed: LegacyErrorBody = serde_json::from_value(body.clone()).ok()?;
    if parsed.errcode == 0 {
        return None;
    }
    let request_id = parsed.request_id.or_else(|| {
        headers
            .get(REQUEST_ID_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    });
    // `/topapi/` wraps token and permission failures in 88 with the underlying code as
    // `sub_code` (`"40014"`, `"60011"`): that is the code callers act on.
    let code = match (parsed.errcode, parsed.sub_code) {
        (88, Some(sub)) if !sub.is_empty() => sub,
        (errcode, _) => errcode.to_string(),
    };
    Some(ApiError {
        operation,
        status: 200,
        code: Some(code),
        message: Some(parsed.errmsg).filter(|m| !m.is_empty()),
        request_id,
        required_scopes: Vec::new(),
        retry_after: None,
    })
}

/// Builds a [`Client`].
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    base_url: String,
    timeout: Duration,
    connect_timeout: Duration,
    retry: RetryPolicy,
    user_agent: String,
    http: Option<reqwest::Client>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            base_url: DINGTALK_BASE_URL.to_owned(),
            timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
            retry: RetryPolicy::default(),
            user_agent: concat!("opending-client/", env!("CARGO_PKG_VERSION")).to_owned(),
            http: None,
        }
    }
}

impl ClientBuilder {
    /// The API's base URL: `https://api.dingtalk.com` (the default) or an opending server such
    /// as `http://127.0.0.1:8080`. A path prefix (`https://gateway/dingtalk`) is kept.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// The longest time one attempt may take, from sending to the last byte of the answer.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The longest time to establish a connection (ignored with [`ClientBuilder::http_client`]).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How failed requests are retried.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The `User-Agent` header (default `opending-client/<version>`).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Use this `reqwest` client (proxies, custom TLS roots…); the per-attempt timeout still
    /// applies, the connect timeout and user agent are the given client's. Build it with
    /// `.redirect(reqwest::redirect::Policy::none())`, as the default client is: a followed
    /// redirect re-sends the token header and the client secret to the redirect's target.
    pub fn http_client(mut self, http: reqwest::Client) -> Self {
        self.http = Some(http);
        self
    }

    /// Builds the client. Fails on a base URL that is not an `http://` or `https://` URL.
    pub fn build(self) -> Result<Client> {
        let base = parse_base_url(&self.base_url)?;
        let http = match self.http {
            Some(http) => http,
            // Never follow a redirect: reqwest would re-send the request, with its
            // `x-acs-dingtalk-access-token` header and a JSON body holding the client secret,
            // to wherever the answer points. A 3xx is an error like any other non-2xx.
            None => reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .connect_timeout(self.connect_timeout)
                .user_agent(self.user_agent)
                .build()
                .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?,
        };
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base,
                timeout: self.timeout,
                retry: self.retry,
            }),
        })
    }
}

fn parse_base_url(raw: &str) -> Result<Url> {
    let bad = |why: &str| Error::Config(format!("base URL {raw:?} {why}"));
    if !raw.contains("://") {
        return Err(bad(
            "has no scheme; write it as http://host:port or https://host",
        ));
    }
    let url = Url::parse(raw).map_err(|e| bad(&format!("is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("must use http or https"));
    }
    if url.cannot_be_a_base() || url.host().is_none() {
        return Err(bad("has no host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("must not have a query or fragment"));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use reqwest::Method;

    use super::*;

    #[test]
    fn base_urls_are_checked_and_paths_appended() {
        for bad in ["127.0.0.1:8080", "ftp://x", "http://x?y=1", "not a url://"] {
            assert!(Client::builder().base_url(bad).build().is_err(), "{bad}");
        }
        let c = Client::builder()
            .base_url("http://h:1/prefix/")
            .build()
            .unwrap();
        let r = ApiRequest::new("X", Method::POST, "/v1.0/oauth2")
            .segment("a/b c")
            .segment("token")
            .query("targetCorpId", "ding 1&2");
        assert_eq!(
            c.url(&r).unwrap().as_str(),
            "http://h:1/prefix/v1.0/oauth2/a%2Fb%20c/token?targetCorpId=ding+1%262"
        );
        let d = Client::new().unwrap();
        assert_eq!(
            d.url(&ApiRequest::new("X", Method::GET, "/v1.0/contact/users/me"))
                .unwrap()
                .as_str(),
            "https://api.dingtalk.com/v1.0/contact/users/me"
        );
    }

    #[test]
    fn error_bodies_in_every_shape() {
        let mut h = header::HeaderMap::new();
        h.insert(REQUEST_ID_HEADER, "HDR-ID".parse().unwrap());
        let e = parse_error(
            "GetOrgAuthInfo",
            403,
            &h,
            br#"{"code":"Forbidden.AccessDenied.AccessTokenPermissionDenied","requestid":"BODY-ID","message":"m","accessdenieddetail":{"requiredScopes":["Contact.Org.Read"]}}"#,
        );
        assert_eq!(
            e.code.as_deref(),
            Some("Forbidden.AccessDenied.AccessTokenPermissionDenied")
        );
        assert_eq!(e.request_id.as_deref(), Some("BODY-ID"));
        assert_eq!(e.required_scopes, vec!["Contact.Org.Read"]);
        let pascal = parse_error(
            "X",
            400,
            &h,
            br#"{"Code":"C","Message":"M","RequestId":"R"}"#,
        );
        assert_eq!(
            (
                pascal.code.as_deref(),
                pascal.message.as_deref(),
                pascal.request_id.as_deref()
            ),
            (Some("C"), Some("M"), Some("R"))
        );
        let html = parse_error("X", 403, &h, b"<html>\n  <body>banned</body></html>");
        assert_eq!(html.code, None);
        assert_eq!(
            html.message.as_deref(),
            Some("<html> <body>banned</body></html>")
        );
        assert_eq!(html.request_id.as_deref(), Some("HDR-ID"));
        let empty = parse_error("X", 502, &header::HeaderMap::new(), b"");
        assert_eq!((empty.message, empty.request_id), (None, None));
    }
}
