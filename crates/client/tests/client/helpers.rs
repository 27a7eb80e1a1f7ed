//! A real opending server in this process, and clients for it.

use std::time::Duration;

use opending_client::{reqwest, Client, Credentials, RetryPolicy, Secret};
use opending_server::config::Config;
pub use opending_testkit::*;

/// The route the journal counts app token requests under.
pub const TOKEN_ROUTE: &str = "/v1.0/oauth2/{corp_id}/token";

/// A running server (see [`Spawned`]: `base`, `core`, `backend`).
pub struct TestServer(Spawned);

impl std::ops::Deref for TestServer {
    type Target = Spawned;
    fn deref(&self) -> &Spawned {
        &self.0
    }
}

impl TestServer {
    /// A server on `backend` with the test config.
    pub async fn spawn(backend: Backend) -> Self {
        Self::spawn_with(backend, |_| {}).await
    }

    /// A server after letting the test adjust its config.
    pub async fn spawn_with(backend: Backend, adjust: impl FnOnce(&mut Config)) -> Self {
        Self(Spawned::start(backend, adjust).await)
    }

    /// A server in emulator mode (control API and fault injection under `/_opending/`).
    pub async fn emulator() -> Self {
        Self::spawn_with(Backend::sqlite(), |c| c.emulator.enabled = true).await
    }

    /// Adds a fault-injection rule (`POST /_opending/faults`), e.g.
    /// `{"pathPrefix": "/v1.0/oauth2/", "times": 2, "action": {"kind": "drop"}}`.
    pub async fn fault(&self, rule: serde_json::Value) {
        let resp = reqwest::Client::new()
            .post(format!("{}/_opending/faults", self.base))
            .json(&rule)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 201, "{:?}", resp.text().await);
    }

    /// A client for this server with quick retries.
    pub fn client(&self) -> Client {
        client_for(&self.base)
    }

    /// App token requests the server has answered so far.
    pub fn token_requests(&self) -> u64 {
        self.core.journal.count("POST", TOKEN_ROUTE)
    }

    /// Revokes a token through the admin API; returns how many were revoked.
    pub async fn revoke(&self, token: &Secret) -> u64 {
        let resp = reqwest::Client::new()
            .post(format!("{}/admin/v1/tokens/revoke", self.base))
            .bearer_auth(ADMIN_KEY)
            .json(&serde_json::json!({"token": token.expose()}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        let body: serde_json::Value = resp.json().await.unwrap();
        body["revoked"].as_u64().unwrap()
    }

    /// A request to the admin API.
    pub async fn admin(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let mut req = reqwest::Client::new()
            .request(method, format!("{}/admin/v1{path}", self.base))
            .bearer_auth(ADMIN_KEY);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        (status, resp.json().await.unwrap_or(serde_json::Value::Null))
    }
}

/// A client for `base` with short retry waits (tests should not sleep for long).
pub fn client_for(base: &str) -> Client {
    Client::builder()
        .base_url(base)
        .timeout(Duration::from_secs(10))
        .retry(RetryPolicy {
            max_retries: 2,
            initial_backoff: Duration::from_millis(20),
            max_backoff: Duration::from_millis(100),
        })
        .build()
        .unwrap()
}

/// Credentials from a seed pair.
pub fn creds((id, secret): (&str, &str)) -> Credentials {
    Credentials::new(id, secret)
}
