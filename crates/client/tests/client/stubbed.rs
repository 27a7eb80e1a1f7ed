//! What opending cannot produce on purpose, from a small local stub: an HTML ban page, a
//! success body of the wrong shape, absurd `expires_in` values, a slow failing token endpoint;
//! and the exact bytes the client sends, checked against the official SDK's captured requests
//! (docs/dingtalk/dingtalk-wire.md §1.3).

use std::time::Duration;

use opending_client::{
    model::GetTokenRequest, AppTokenManager, Client, Credentials, Error, RetryPolicy, Secret,
    TokenSource,
};
use serde_json::{json, Value};

use crate::stub::{token, Reply, Stub};

fn creds() -> Credentials {
    Credentials::new("dingstub", "stub-secret")
}

fn get_token_request() -> GetTokenRequest {
    GetTokenRequest::client_credentials(&creds())
}

/// Regression (issue 17, item 14): a redirect is never followed. A 307 to another host would
/// send the JSON body with the client secret (and the token header) there.
#[tokio::test]
async fn redirects_are_not_followed() {
    let elsewhere = Stub::start(|_| token("stolen", 7200)).await;
    let to = format!("{}/v1.0/oauth2/dingcorp/token", elsewhere.base);
    let stub = Stub::start(move |_| Reply::Redirect(307, to.clone())).await;
    let err = stub
        .client()
        .get_token("dingcorp", &get_token_request())
        .await
        .unwrap_err();
    assert_eq!(elsewhere.hits(), 0, "the redirect was followed");
    assert_eq!(err.status(), Some(307), "{err}");
}

#[tokio::test]
async fn an_html_ban_page_is_reported_readably() {
    let stub = Stub::start(|_| {
        Reply::Html(
            403,
            "<html>\n<body>Access denied: too many requests from your IP</body>\n</html>",
        )
    })
    .await;
    let err = stub
        .client()
        .get_token("dingcorp", &get_token_request())
        .await
        .unwrap_err();
    assert_eq!(stub.hits(), 1);
    assert_eq!((err.status(), err.code()), (Some(403), None));
    assert_eq!(
        err.message(),
        Some("<html> <body>Access denied: too many requests from your IP</body> </html>")
    );
    assert!(
        err.to_string()
            .starts_with("GetToken failed with HTTP 403: <html>"),
        "{err}"
    );
}

#[tokio::test]
async fn a_success_body_of_the_wrong_shape_is_a_decode_error() {
    let stub =
        Stub::start(|_| Reply::Json(200, json!({"accessToken": "camel-case-by-mistake"}))).await;
    let err = stub
        .client()
        .get_token("dingcorp", &get_token_request())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode { status: 200, .. }), "{err:?}");
    assert!(
        err.to_string().contains("missing field `access_token`"),
        "{err}"
    );
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn absurd_expires_in_values_never_cause_a_refetch_loop() {
    for expires_in in [0, -7200] {
        let stub = Stub::start(move |n| token(&format!("t{n}"), expires_in)).await;
        let manager =
            AppTokenManager::builder(stub.client(), creds(), TokenSource::Corp("dingcorp".into()))
                .min_cache_time(Duration::from_secs(2))
                .build();
        for _ in 0..20 {
            assert_eq!(manager.get_token().await.unwrap().expose(), "t0");
        }
        assert_eq!(
            stub.hits(),
            1,
            "expires_in {expires_in}: cached for the minimum time"
        );
    }
    // A lifetime of 10^12 seconds is clamped: still served from the cache, once.
    let stub = Stub::start(|n| token(&format!("t{n}"), 1_000_000_000_000)).await;
    let manager = AppTokenManager::new(stub.client(), creds(), "dingcorp");
    for _ in 0..5 {
        manager.get_token().await.unwrap();
    }
    assert_eq!(stub.hits(), 1);
}

#[tokio::test]
async fn callers_waiting_on_a_failing_fetch_share_its_error() {
    let stub =
        Stub::start(|_| Reply::Slow(Duration::from_millis(300), json!({"not": "a token"}))).await;
    let client = Client::builder()
        .base_url(&stub.base)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let manager = AppTokenManager::new(client, creds(), "dingcorp");
    let calls: Vec<_> = (0..20)
        .map(|_| {
            let m = manager.clone();
            tokio::spawn(async move { m.get_token().await })
        })
        .collect();
    for call in calls {
        assert!(matches!(call.await.unwrap(), Err(Error::Decode { .. })));
    }
    assert_eq!(
        stub.hits(),
        1,
        "one fetch failed; the waiters did not each try again"
    );
}

#[tokio::test]
async fn requests_carry_the_wire_format() {
    let stub = Stub::start(|n| match n {
        0 => token("t1", 7200),
        _ => Reply::Json(200, json!({"orgName": "Stub Org", "authLevel": 0})),
    })
    .await;
    let client = stub.client();
    client
        .get_token("dingcorp", &get_token_request())
        .await
        .unwrap();
    let info = client
        .get_org_auth_info(&Secret::new("tok123"), Some("dingother"))
        .await
        .unwrap();
    assert_eq!(info.org_name, "Stub Org");
    let seen = stub.seen.lock().unwrap().clone();
    assert_eq!(
        (seen[0].method.as_str(), seen[0].uri.path()),
        ("POST", "/v1.0/oauth2/dingcorp/token")
    );
    assert_eq!(
        seen[0].headers["content-type"],
        "application/json; charset=utf-8"
    );
    assert_eq!(seen[0].headers["accept"], "application/json");
    assert_eq!(
        serde_json::from_slice::<Value>(&seen[0].body).unwrap(),
        json!({"client_id": "dingstub", "client_secret": "stub-secret", "grant_type": "client_credentials"})
    );
    assert_eq!(
        seen[1].uri.to_string(),
        "/v1.0/contact/organizations/authInfos?targetCorpId=dingother"
    );
    assert_eq!(
        seen[1].headers["x-acs-dingtalk-access-token"], "tok123",
        "raw token, no scheme"
    );
    assert!(seen[1].body.is_empty() && !seen[1].headers.contains_key("content-type"));
}
