//! Driving the pages like a browser would (cookies, CSRF tokens, no automatic redirects).

use crate::helpers::*;
use serde_json::{json, Value};

/// A cookie-keeping client that does not follow redirects.
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The value of `name="csrf" value="…"` or `data-csrf="…"` in a page.
pub fn csrf_in(html: &str) -> String {
    for marker in ["name=\"csrf\" value=\"", "data-csrf=\""] {
        if let Some(i) = html.find(marker) {
            let rest = &html[i + marker.len()..];
            return rest[..rest.find('"').unwrap()].to_owned();
        }
    }
    panic!("no CSRF token in page:\n{html}")
}

impl TestApp {
    /// A browser signed in as `(union, login, password)`.
    pub async fn signed_in(&self, (_, login, password): (&str, &str, &str)) -> reqwest::Client {
        let b = browser();
        let page = b
            .get(format!("{}/login", self.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let csrf = csrf_in(&page);
        let r = b
            .post(format!("{}/login", self.base))
            .form(&[
                ("csrf", csrf.as_str()),
                ("login", login),
                ("password", password),
                ("next", "/account"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            303,
            "sign-in failed: {}",
            r.text().await.unwrap()
        );
        b
    }

    /// Opens the consent page for `params` and posts `decision` through the JSON API, as the
    /// page's script does. Returns the component's result.
    pub async fn openauth(&self, b: &reqwest::Client, params: &Value, decision: &str) -> Value {
        let mut q: Vec<(String, String)> = params
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    v.as_str()
                        .map(str::to_owned)
                        .unwrap_or_else(|| v.to_string()),
                )
            })
            .collect();
        // Only HR registered an origin (docs/examples/world.yaml); other apps get no postMessage.
        let origin = (params["clientId"] == HR.0).then_some("https://hr.acme.example");
        if let Some(o) = origin {
            q.push(("origin".into(), o.into()));
        }
        let page = b
            .get(format!("{}/openauth", self.base))
            .query(&q)
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        let csrf = csrf_in(&html);
        let mut body = params.clone();
        body["decision"] = json!(decision);
        if let Some(o) = origin {
            body["origin"] = json!(o);
        }
        let r = b
            .post(format!("{}/openauth/api/decision", self.base))
            .header("x-csrf-token", csrf)
            .json(&body)
            .send()
            .await
            .unwrap();
        r.json().await.unwrap()
    }

    /// A type-0 authCode for HR in Acme, consented by `user`.
    pub async fn hr_code(&self, user: (&str, &str, &str), rpc: &str, field: &str) -> String {
        let b = self.signed_in(user).await;
        let r = self
            .openauth(&b, &json!({"type": "0", "clientId": HR.0, "corpId": ACME, "rpcScope": rpc, "fieldScope": field}), "allow")
            .await;
        assert_eq!(r["status"], "ok", "{r}");
        r["result"]["authCode"].as_str().unwrap().to_owned()
    }

    /// `POST /v1.0/oauth2/userAccessToken`.
    pub async fn user_token(&self, body: Value) -> Answer {
        self.post_json("/v1.0/oauth2/userAccessToken", &body).await
    }

    /// Exchanges a code for HR.
    pub async fn exchange(&self, code: &str) -> Answer {
        self.user_token(json!({"clientId": HR.0, "clientSecret": HR.1, "code": code, "grantType": "authorization_code", "refreshToken": ""}))
            .await
    }

    /// Refreshes for HR.
    pub async fn refresh(&self, refresh: &str) -> Answer {
        self.user_token(json!({"clientId": HR.0, "clientSecret": HR.1, "refreshToken": refresh, "grantType": "refresh_token"}))
            .await
    }

    /// `GET /v1.0/contact/users/{which}`.
    pub async fn user_info(&self, token: &str, which: &str) -> Answer {
        self.send(
            self.http
                .get(format!("{}/v1.0/contact/users/{which}", self.base))
                .header("x-acs-dingtalk-access-token", token),
        )
        .await
    }
}
