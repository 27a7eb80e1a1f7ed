//! A typed client for an opending emulator's control API (`/_opending/…`, docs/emulator.md):
//! reset, seeds, the clock, minted codes, issued tokens, the request journal, fault injection,
//! suite tickets, SSO codes and JSAPI ticket expiry.
//! Enabled by the `emulator` cargo feature.

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{ApiRequest, Client, Result, Secret, SuiteTickets};

/// The emulator's control API, over a [`Client`] pointed at the emulator.
#[derive(Debug, Clone)]
pub struct EmulatorClient {
    client: Client,
}

/// The server's clock.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ClockView {
    /// Server time, Unix seconds.
    pub now: i64,
    /// Seconds the clock was moved by.
    pub offset_seconds: i64,
}

/// A code to mint without the consent page.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct MintCode {
    /// The app's clientId.
    pub client_id: String,
    /// The user's unionId.
    pub union_id: String,
    /// The org (the user must be a member).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub corp_id: Option<String>,
    /// Delegated points the app added.
    pub scopes: Vec<String>,
    /// A redirect URI to bind.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_uri: Option<String>,
}

impl MintCode {
    /// A code for (app, user) with no org and no points yet.
    pub fn new(client_id: impl Into<String>, union_id: impl Into<String>) -> Self {
        Self {
            client_id: client_id.into(),
            union_id: union_id.into(),
            corp_id: None,
            scopes: Vec::new(),
            redirect_uri: None,
        }
    }

    /// In this org.
    pub fn corp(mut self, corp_id: impl Into<String>) -> Self {
        self.corp_id = Some(corp_id.into());
        self
    }

    /// With this point.
    pub fn scope(mut self, code: impl Into<String>) -> Self {
        self.scopes.push(code.into());
        self
    }
}

/// A minted code.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Minted {
    /// The authorization code.
    pub auth_code: String,
    /// Its id in [`EmulatorClient::tokens`].
    pub id: String,
}

impl std::fmt::Debug for Minted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Minted")
            .field("auth_code", &"[redacted]")
            .field("id", &self.id)
            .finish()
    }
}

/// A token or code as the emulator lists it.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Issued {
    /// `app_access_token`, `user_access_token` or `auth_code`.
    pub kind: String,
    /// Id for [`EmulatorClient::expire`] / [`EmulatorClient::revoke`].
    pub id: String,
    /// The app.
    pub client_id: String,
    /// The org, if any.
    #[serde(default)]
    pub corp_id: Option<String>,
    /// The user, for user tokens and codes.
    #[serde(default)]
    pub union_id: Option<String>,
    /// Points.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Issue time, Unix seconds.
    pub issued_at: i64,
    /// Expiry, Unix seconds.
    pub expires_at: i64,
    /// Whether it works now.
    pub active: bool,
    /// Plaintext, only for backdoor-minted values and deterministic runs.
    #[serde(default)]
    pub value: Option<String>,
}

impl std::fmt::Debug for Issued {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issued")
            .field("kind", &self.kind)
            .field("id", &self.id)
            .field("client_id", &self.client_id)
            .field("active", &self.active)
            .field("value", &self.value.as_ref().map(|_| "[redacted]"))
            .finish_non_exhaustive()
    }
}

/// One journal entry.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct JournalEntry {
    /// Position in the journal.
    pub seq: u64,
    /// When, Unix milliseconds.
    pub at_ms: i64,
    /// HTTP method.
    pub method: String,
    /// Path (no query).
    pub path: String,
    /// Route template.
    #[serde(default)]
    pub route: Option<String>,
    /// HTTP status.
    pub status: u16,
    /// DingTalk error code, if any.
    #[serde(default)]
    pub error_code: Option<String>,
    /// The calling app, when known.
    #[serde(default)]
    pub client_id: Option<String>,
    /// Microseconds to answer.
    pub latency_us: u64,
}

/// Requests counted per route.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct RouteCount {
    /// HTTP method.
    pub method: String,
    /// Route template.
    pub route: String,
    /// Requests answered.
    pub count: u64,
}

/// A filter for [`EmulatorClient::requests`].
#[derive(Debug, Clone, Default)]
pub struct JournalQuery {
    /// Only paths starting with this.
    pub path_prefix: Option<String>,
    /// Only this app.
    pub client_id: Option<String>,
    /// Only this status.
    pub status: Option<u16>,
}

/// A third-party app's suite ticket as the emulator holds it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct SuiteTicketView {
    /// The app.
    pub client_id: String,
    /// The current ticket.
    pub suite_ticket: String,
    /// The previous ticket, still accepted.
    #[serde(default)]
    pub previous_suite_ticket: Option<String>,
    /// When the current ticket was made (Unix seconds).
    pub rotated_at: i64,
    /// When it will be replaced (Unix seconds).
    pub next_rotation_at: i64,
    /// A custom app: any ticket is accepted.
    pub custom: bool,
}

/// An SSO code minted as if an org admin had opened the app's admin backend.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SsoCodeMinted {
    /// The app's admin URL with `code` appended.
    pub url: String,
    /// The single-use code.
    pub code: String,
}

impl EmulatorClient {
    /// Control API of the emulator `client` points at.
    pub fn new(client: Client) -> Self {
        Self { client }
    }

    async fn call<T: serde::de::DeserializeOwned>(
        &self,
        op: &'static str,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<T> {
        let mut req = ApiRequest::new(op, method, path);
        if let Some(b) = body {
            req = req.json(b)?;
        }
        self.client.send(req).await
    }

    /// Back to the start seed; answers the seed's apply report.
    pub async fn reset(&self) -> Result<Value> {
        self.call("emulator.reset", Method::POST, "/_opending/reset", None)
            .await
    }

    /// Applies a seed document (JSON form of the seed-file schema).
    pub async fn apply_seed(&self, doc: &Value) -> Result<Value> {
        self.call("emulator.seed", Method::POST, "/_opending/seed", Some(doc))
            .await
    }

    /// Reads the clock.
    pub async fn clock(&self) -> Result<ClockView> {
        self.call("emulator.clock", Method::GET, "/_opending/clock", None)
            .await
    }

    /// Moves the clock by `secs`.
    pub async fn advance_clock(&self, secs: i64) -> Result<ClockView> {
        self.call(
            "emulator.clock",
            Method::POST,
            "/_opending/clock",
            Some(&serde_json::json!({"advanceSeconds": secs})),
        )
        .await
    }

    /// Sets the clock to `unix_secs`.
    pub async fn set_clock(&self, unix_secs: i64) -> Result<ClockView> {
        self.call(
            "emulator.clock",
            Method::POST,
            "/_opending/clock",
            Some(&serde_json::json!({"now": unix_secs})),
        )
        .await
    }

    /// Mints an authorization code without the consent page.
    pub async fn mint_code(&self, m: &MintCode) -> Result<Minted> {
        let req = ApiRequest::new("emulator.mintCode", Method::POST, "/_opending/codes").json(m)?;
        self.client.send(req).await
    }

    /// Every issued token and code.
    pub async fn tokens(&self) -> Result<Vec<Issued>> {
        self.call("emulator.tokens", Method::GET, "/_opending/tokens", None)
            .await
    }

    /// Expires a token or code now.
    pub async fn expire(&self, id: &str) -> Result<Value> {
        self.call(
            "emulator.expire",
            Method::POST,
            &format!("/_opending/tokens/{id}/expire"),
            None,
        )
        .await
    }

    /// Revokes a token.
    pub async fn revoke(&self, id: &str) -> Result<Value> {
        self.call(
            "emulator.revoke",
            Method::POST,
            &format!("/_opending/tokens/{id}/revoke"),
            None,
        )
        .await
    }

    /// Journal entries matching `q`.
    pub async fn requests(&self, q: &JournalQuery) -> Result<Vec<JournalEntry>> {
        let mut req = ApiRequest::new("emulator.requests", Method::GET, "/_opending/requests");
        if let Some(p) = &q.path_prefix {
            req = req.query("pathPrefix", p);
        }
        if let Some(c) = &q.client_id {
            req = req.query("clientId", c);
        }
        if let Some(s) = q.status {
            req = req.query("status", &s.to_string());
        }
        self.client.send(req).await
    }

    /// Requests per route.
    pub async fn request_counts(&self) -> Result<Vec<RouteCount>> {
        self.call(
            "emulator.counts",
            Method::GET,
            "/_opending/requests/counts",
            None,
        )
        .await
    }

    /// Empties the journal.
    pub async fn clear_requests(&self) -> Result<Value> {
        self.call(
            "emulator.clearRequests",
            Method::DELETE,
            "/_opending/requests",
            None,
        )
        .await
    }

    /// Adds a fault rule (see docs/emulator.md for its shape); answers it with its id.
    pub async fn add_fault(&self, rule: &Value) -> Result<Value> {
        self.call(
            "emulator.addFault",
            Method::POST,
            "/_opending/faults",
            Some(rule),
        )
        .await
    }

    /// The fault rules.
    pub async fn faults(&self) -> Result<Vec<Value>> {
        self.call("emulator.faults", Method::GET, "/_opending/faults", None)
            .await
    }

    /// Removes every fault rule.
    pub async fn clear_faults(&self) -> Result<Value> {
        self.call(
            "emulator.clearFaults",
            Method::DELETE,
            "/_opending/faults",
            None,
        )
        .await
    }

    /// A third-party app's current suite ticket (made on first read, rotated when due).
    pub async fn suite_ticket(&self, client_id: &str) -> Result<SuiteTicketView> {
        let req = ApiRequest::new(
            "emulator.suiteTicket",
            Method::GET,
            "/_opending/suite-tickets",
        )
        .segment(client_id);
        self.client.send(req).await
    }

    /// Replaces a third-party app's suite ticket now, as DingTalk's push does; the replaced one
    /// stays accepted as the previous.
    pub async fn rotate_suite_ticket(&self, client_id: &str) -> Result<SuiteTicketView> {
        let req = ApiRequest::new(
            "emulator.rotateSuiteTicket",
            Method::POST,
            "/_opending/suite-tickets",
        )
        .segment(client_id)
        .segment("rotate");
        self.client.send(req).await
    }

    /// A [`SuiteTickets`] source reading the app's current ticket from the emulator on each
    /// fetch: for tests of code that gets suite or corp tokens.
    pub fn suite_tickets(&self, client_id: &str) -> SuiteTickets {
        let emulator = self.clone();
        let client_id = client_id.to_owned();
        SuiteTickets::from_fn(move || {
            let emulator = emulator.clone();
            let client_id = client_id.clone();
            async move {
                let view = emulator.suite_ticket(&client_id).await?;
                Ok(Secret::new(view.suite_ticket))
            }
        })
    }

    /// Mints an SSO code as if the org admin `union_id` had opened the app's admin backend
    /// from the org pages (the app must run in the org and have an admin URL).
    pub async fn mint_sso_code(
        &self,
        corp_id: &str,
        client_id: &str,
        union_id: &str,
    ) -> Result<SsoCodeMinted> {
        self.call(
            "emulator.ssoCode",
            Method::POST,
            "/_opending/sso-codes",
            Some(
                &serde_json::json!({"corpId": corp_id, "clientId": client_id, "unionId": union_id}),
            ),
        )
        .await
    }

    /// Ends the JSAPI ticket of (app, org) now: the next fetch makes a new one.
    pub async fn expire_jsapi_ticket(&self, client_id: &str, corp_id: &str) -> Result<Value> {
        let req = ApiRequest::new(
            "emulator.expireJsapiTicket",
            Method::POST,
            "/_opending/jsapi-tickets",
        )
        .segment(client_id)
        .segment(corp_id)
        .segment("expire");
        self.client.send(req).await
    }

    /// Mints an in-app login (免登) code for the member `union_id` of `corp_id` in `client_id`,
    /// as if the page had called `dd.requestAuthCode` inside DingTalk.
    pub async fn mint_login_code(
        &self,
        client_id: &str,
        corp_id: &str,
        union_id: &str,
    ) -> Result<Secret> {
        #[derive(Deserialize)]
        struct Minted {
            code: String,
        }
        let minted: Minted = self
            .call(
                "emulator.loginCode",
                Method::POST,
                "/_opending/login-codes",
                Some(&serde_json::json!({"clientId": client_id, "corpId": corp_id, "unionId": union_id})),
            )
            .await?;
        Ok(Secret::new(minted.code))
    }

    /// Raises an event (`POST /_opending/events`): `event_type` in `corp_id` (org events) or
    /// to `client_id` (an app's own events), with `data` as its payload (`None`: the default —
    /// for `suite_ticket`, a rotated ticket). The events made, one per recipient app, as JSON.
    pub async fn raise_event(
        &self,
        event_type: &str,
        corp_id: Option<&str>,
        client_id: Option<&str>,
        data: Option<serde_json::Value>,
    ) -> Result<Vec<serde_json::Value>> {
        #[derive(Deserialize)]
        struct Raised {
            events: Vec<serde_json::Value>,
        }
        let mut body = serde_json::json!({"eventType": event_type});
        if let Some(c) = corp_id {
            body["corpId"] = c.into();
        }
        if let Some(c) = client_id {
            body["clientId"] = c.into();
        }
        if let Some(d) = data {
            body["data"] = d;
        }
        let raised: Raised = self
            .call(
                "emulator.raiseEvent",
                Method::POST,
                "/_opending/events",
                Some(&body),
            )
            .await?;
        Ok(raised.events)
    }

    /// Events with their delivery attempts (`GET /_opending/events`), oldest first, optionally
    /// only `client_id`'s.
    pub async fn events(&self, client_id: Option<&str>) -> Result<Vec<serde_json::Value>> {
        let mut req = ApiRequest::new("emulator.events", Method::GET, "/_opending/events");
        if let Some(c) = client_id {
            req = req.query("clientId", c);
        }
        self.client.send(req).await
    }
}
