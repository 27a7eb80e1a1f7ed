//! `TestApp`: a real server on port 0, in this process, against a fresh SQLite directory or
//! PostgreSQL database (see `opending-testkit`), seeded with `docs/examples/world.yaml`.

use opending_server::config::Config;
pub use opending_testkit::*;
use serde_json::Value;

/// A running server (see [`Spawned`]: `base`, `core`, `backend`) and a client for it.
pub struct TestApp {
    pub http: reqwest::Client,
    server: Spawned,
}

impl std::ops::Deref for TestApp {
    type Target = Spawned;
    fn deref(&self) -> &Spawned {
        &self.server
    }
}

/// A response reduced to what tests look at.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Answer {
    /// The DingTalk error code.
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("<none>")
    }

    /// Asserts a DingTalk error body with this status and code, and a request id matching the
    /// response header.
    pub fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(
            (self.status, self.code()),
            (status, code),
            "body: {}",
            self.body
        );
        let rid = self.body["requestid"].as_str().expect("requestid");
        assert_eq!(rid.len(), 36, "requestid looks like a UUID: {rid}");
        assert_eq!(self.headers["x-acs-request-id"].to_str().unwrap(), rid);
        assert!(self.body["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
}

impl TestApp {
    /// Spawns a server on `backend` with the default test config.
    pub async fn spawn(backend: Backend) -> Self {
        Self::spawn_with(backend, |_| {}).await
    }

    /// Spawns a server after letting the test adjust its config.
    pub async fn spawn_with(backend: Backend, adjust: impl FnOnce(&mut Config)) -> Self {
        Self {
            http: reqwest::Client::new(),
            server: Spawned::start(backend, adjust).await,
        }
    }

    /// Stops the server gracefully and waits for it.
    pub async fn stop(self) {
        self.server.stop().await
    }

    async fn answer(resp: reqwest::Response) -> Answer {
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|_| panic!("response is JSON: {text:?}"))
        };
        Answer {
            status,
            headers,
            body,
        }
    }

    /// Sends any request built from `self.http`.
    pub async fn send(&self, req: reqwest::RequestBuilder) -> Answer {
        Self::answer(req.send().await.expect("request sent")).await
    }

    /// POST JSON to a path.
    pub async fn post_json(&self, path: &str, body: &Value) -> Answer {
        self.send(self.http.post(format!("{}{path}", self.base)).json(body))
            .await
    }

    /// `POST /v1.0/oauth2/{corp}/token` with client credentials.
    pub async fn app_token(&self, corp: &str, (id, secret): (&str, &str)) -> Answer {
        self.post_json(
            &format!("/v1.0/oauth2/{corp}/token"),
            &serde_json::json!({"client_id": id, "client_secret": secret, "grant_type": "client_credentials"}),
        )
        .await
    }

    /// The token value of a successful `app_token` call.
    pub async fn token_value(&self, corp: &str, client: (&str, &str)) -> String {
        let a = self.app_token(corp, client).await;
        assert_eq!(a.status, 200, "token request failed: {}", a.body);
        a.body["access_token"].as_str().unwrap().to_owned()
    }

    /// Introspects with the admin key.
    pub async fn introspect_admin(&self, token: &str) -> Answer {
        self.send(
            self.http
                .post(format!("{}/v1.0/oauth2/introspect", self.base))
                .bearer_auth(ADMIN_KEY)
                .json(&serde_json::json!({"token": token})),
        )
        .await
    }

    /// `GET /v1.0/contact/organizations/authInfos` with an optional token and target.
    pub async fn auth_infos(&self, token: Option<&str>, target: Option<&str>) -> Answer {
        let mut req = self.http.get(format!(
            "{}/v1.0/contact/organizations/authInfos",
            self.base
        ));
        if let Some(t) = target {
            req = req.query(&[("targetCorpId", t)]);
        }
        if let Some(t) = token {
            req = req.header("x-acs-dingtalk-access-token", t);
        }
        self.send(req).await
    }

    /// A request to the admin API with the admin key.
    pub fn admin(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}/admin/v1{path}", self.base))
            .bearer_auth(ADMIN_KEY)
    }

    /// Runs raw SQL against this test's database (to break storage on purpose).
    pub async fn sql(&self, statement: &str) {
        opending_testkit::run_sql(&self.backend, statement).await
    }
}
