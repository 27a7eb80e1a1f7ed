//! What opending cannot produce on purpose — 503s, rate-limit answers, HTML ban pages, dropped
//! connections, slow answers, absurd `expires_in` values — from a small local stub.

use std::{
    sync::atomic::Ordering,
    time::{Duration, Instant},
};

use opending_client::{
    error::codes,
    model::{GetTokenRequest, GetUserTokenRequest},
    AppTokenManager, Client, Credentials, Error, RetryPolicy, Secret, TokenSource, TransportKind,
};
use serde_json::{json, Value};

use crate::{
    helpers::client_for,
    stub::{dropping_server, error, token, Reply, Stub},
};

fn creds() -> Credentials {
    Credentials::new("dingstub", "stub-secret")
}

fn get_token_request() -> GetTokenRequest {
    GetTokenRequest::client_credentials(&creds())
}

#[tokio::test]
async fn a_503_is_retried_with_backoff() {
    let stub = Stub::start(|n| {
        if n < 2 {
            error(503, "ServiceUnavailable")
        } else {
            token("t1", 7200)
        }
    })
    .await;
    let started = Instant::now();
    let answer = stub
        .client()
        .get_token("dingcorp", &get_token_request())
        .await
        .unwrap();
    assert_eq!(answer.access_token.expose(), "t1");
    assert_eq!(stub.hits(), 3);
    // Two waits of at least 10 ms and 20 ms (half of 20 ms and 40 ms).
    assert!(started.elapsed() >= Duration::from_millis(30));
}

#[tokio::test]
async fn retries_stop_where_the_policy_says() {
    let stub = Stub::start(|_| error(502, "BadGateway")).await;
    let err = stub
        .client()
        .get_token("dingcorp", &get_token_request())
        .await
        .unwrap_err();
    assert_eq!(stub.hits(), 3, "first attempt and two retries");
    assert_eq!((err.status(), err.code()), (Some(502), Some("BadGateway")));
    assert!(err.is_retryable());
    assert!(
        err.to_string()
            .contains("the server failed; try again later"),
        "{err}"
    );
    let none = Client::builder()
        .base_url(&stub.base)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    none.get_token("dingcorp", &get_token_request())
        .await
        .unwrap_err();
    assert_eq!(stub.hits(), 4);
}

#[tokio::test]
async fn rate_limit_answers_are_retried() {
    let stub = Stub::start(|n| match n {
        0 => error(403, codes::QPS_LIMIT_FOR_APPKEY_AND_API),
        1 => error(403, codes::QPS_LIMIT_FOR_API),
        2 => error(403, codes::IP_LIMIT),
        _ => token("t1", 7200),
    })
    .await;
    let client = Client::builder()
        .base_url(&stub.base)
        .retry(RetryPolicy {
            max_retries: 3,
            initial_backoff: Duration::from_millis(10),
            max_backoff: Duration::from_millis(50),
        })
        .build()
        .unwrap();
    client
        .get_token("dingcorp", &get_token_request())
        .await
        .unwrap();
    assert_eq!(stub.hits(), 4);
    // A rate limiter refused the request, so even a code exchange may be sent again.
    let stub = Stub::start(|n| {
        if n == 0 {
            error(403, codes::QPS_LIMIT_FOR_API)
        } else {
            Reply::Json(
                200,
                json!({"accessToken": "a", "refreshToken": "r", "expireIn": 7200}),
            )
        }
    })
    .await;
    stub.client()
        .get_user_token(&GetUserTokenRequest::authorization_code(&creds(), "code"))
        .await
        .unwrap();
    assert_eq!(stub.hits(), 2);
}

#[tokio::test]
async fn other_client_errors_are_never_retried() {
    for (status, code) in [
        (400, codes::INVALID_CLIENT),
        (401, codes::UNAUTHORIZED_CLIENT),
        (403, codes::ACCESS_TOKEN_PERMISSION_DENIED),
        (404, "NotFound"),
        (400, codes::INVALID_AUTHENTICATION),
    ] {
        let stub = Stub::start(move |_| error(status, code)).await;
        let err = stub
            .client()
            .get_token("dingcorp", &get_token_request())
            .await
            .unwrap_err();
        assert_eq!(stub.hits(), 1, "{code} is not retried");
        assert_eq!(err.code(), Some(code));
        assert_eq!(
            err.request_id(),
            Some("STUB-REQUEST-ID"),
            "the body's request id wins"
        );
        assert!(!err.is_retryable());
    }
}

#[tokio::test]
async fn a_5xx_after_a_code_exchange_is_not_retried() {
    // The server may have spent the code before failing: a second exchange would be a replay.
    let stub = Stub::start(|_| error(500, "server.error")).await;
    let err = stub
        .client()
        .get_user_token(&GetUserTokenRequest::authorization_code(&creds(), "code"))
        .await
        .unwrap_err();
    assert_eq!(stub.hits(), 1);
    assert!(
        err.is_retryable(),
        "retryable in itself, but not for this request"
    );
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
async fn slow_answers_time_out() {
    let stub = Stub::start(|_| Reply::Slow(Duration::from_secs(3), json!({}))).await;
    let client = Client::builder()
        .base_url(&stub.base)
        .timeout(Duration::from_millis(200))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let err = client
        .get_token("dingcorp", &get_token_request())
        .await
        .unwrap_err();
    let Error::Transport(t) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(t.kind, TransportKind::Timeout);
    assert!(err.is_retryable());
    assert!(
        err.to_string().contains("no answer from http://127.0.0.1:"),
        "{err}"
    );
}

#[tokio::test]
async fn dropped_connections_are_retried_when_safe() {
    let (base, conns) = dropping_server(2, r#"{"access_token":"t1","expires_in":7200}"#).await;
    let answer = client_for(&base)
        .get_token("dingcorp", &get_token_request())
        .await
        .unwrap();
    assert_eq!(answer.access_token.expose(), "t1");
    assert_eq!(conns.load(Ordering::SeqCst), 3);
    // A code exchange whose connection broke after sending may have been processed: not resent.
    let (base, conns) = dropping_server(usize::MAX, "").await;
    let err = client_for(&base)
        .get_user_token(&GetUserTokenRequest::authorization_code(&creds(), "code"))
        .await
        .unwrap_err();
    let Error::Transport(t) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(t.kind, TransportKind::Other);
    assert_eq!(conns.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_refused_connection_says_what_to_check() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let err = client_for(&format!("http://127.0.0.1:{port}"))
        .get_token("dingcorp", &get_token_request())
        .await
        .unwrap_err();
    let Error::Transport(t) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(t.kind, TransportKind::Connect);
    let shown = err.to_string();
    assert!(
        shown.contains(&format!(
            "could not connect to http://127.0.0.1:{port}/v1.0/oauth2/dingcorp/token"
        )),
        "{shown}"
    );
    assert!(
        shown.contains("is the server running and the base URL right?"),
        "{shown}"
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
async fn an_outage_during_refresh_keeps_the_live_token() {
    let stub = Stub::start(|n| {
        if n == 0 {
            token("t0", 4)
        } else {
            error(503, "ServiceUnavailable")
        }
    })
    .await;
    let manager =
        AppTokenManager::builder(stub.client(), creds(), TokenSource::Corp("dingcorp".into()))
            .refresh_margin(Duration::from_secs(3))
            .min_cache_time(Duration::from_millis(100))
            .build();
    assert_eq!(manager.get_token().await.unwrap().expose(), "t0");
    // Refresh is due after 2 s (half the lifetime); expiry after 4 s.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(
        manager.get_token().await.unwrap().expose(),
        "t0",
        "the refresh failed; the live token is kept"
    );
    assert_eq!(stub.hits(), 4, "one refresh attempt with two retries");
    assert_eq!(manager.get_token().await.unwrap().expose(), "t0");
    assert_eq!(
        stub.hits(),
        4,
        "no new attempt within a second of the failure"
    );
    tokio::time::sleep(Duration::from_millis(2000)).await;
    let err = manager.get_token().await.unwrap_err();
    assert_eq!(
        err.status(),
        Some(503),
        "past expiry the failure is reported"
    );
}
