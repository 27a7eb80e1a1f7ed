//! Failures injected by the server's emulator mode (`/_opending/faults`): 5xx answers, rate
//! limits, slow answers and dropped connections, and how the client retries — or does not.

use std::time::{Duration, Instant};

use opending_client::{
    error::codes,
    model::{GetTokenRequest, GetUserTokenRequest},
    AppTokenManager, Client, Error, RetryPolicy, TokenSource, TransportKind,
};
use serde_json::json;

use crate::helpers::*;

const USER_TOKEN_ROUTE: &str = "/v1.0/oauth2/userAccessToken";

fn hr_request() -> GetTokenRequest {
    GetTokenRequest::client_credentials(&creds(HR))
}

fn error_fault(code: &str, times: Option<u64>) -> serde_json::Value {
    let mut rule =
        json!({"pathPrefix": "/v1.0/oauth2/", "action": {"kind": "error", "code": code}});
    if let Some(n) = times {
        rule["times"] = json!(n);
    }
    rule
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_503_is_retried_with_backoff() {
    let server = TestServer::emulator().await;
    server
        .fault(error_fault("ServiceUnavailable", Some(2)))
        .await;
    let started = Instant::now();
    let answer = server
        .client()
        .get_token(ACME, &hr_request())
        .await
        .unwrap();
    assert_eq!(answer.expires_in, 7200);
    assert_eq!(server.token_requests(), 3, "two 503s, then the token");
    // Two waits of at least 10 ms and 20 ms (half of 20 ms and 40 ms).
    assert!(started.elapsed() >= Duration::from_millis(30));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_stop_where_the_policy_says() {
    let server = TestServer::emulator().await;
    server.fault(error_fault("server.error", None)).await;
    let err = server
        .client()
        .get_token(ACME, &hr_request())
        .await
        .unwrap_err();
    assert_eq!(server.token_requests(), 3, "first attempt and two retries");
    assert_eq!(
        (err.status(), err.code()),
        (Some(500), Some("server.error"))
    );
    assert!(err.is_retryable());
    assert!(
        err.to_string()
            .contains("the server failed; try again later"),
        "{err}"
    );
    let none = Client::builder()
        .base_url(&server.base)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    none.get_token(ACME, &hr_request()).await.unwrap_err();
    assert_eq!(server.token_requests(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_answers_are_retried() {
    let server = TestServer::emulator().await;
    for code in [
        codes::QPS_LIMIT_FOR_APPKEY_AND_API,
        codes::QPS_LIMIT_FOR_API,
        codes::IP_LIMIT,
    ] {
        server.fault(error_fault(code, Some(1))).await;
    }
    let client = Client::builder()
        .base_url(&server.base)
        .retry(RetryPolicy {
            max_retries: 3,
            initial_backoff: Duration::from_millis(10),
            max_backoff: Duration::from_millis(50),
        })
        .build()
        .unwrap();
    client.get_token(ACME, &hr_request()).await.unwrap();
    assert_eq!(server.token_requests(), 4);
    // A rate limiter refused it, so even a code exchange may be sent again: the retry reaches
    // the real endpoint (which refuses this made-up code).
    server
        .fault(error_fault(codes::QPS_LIMIT_FOR_API, Some(1)))
        .await;
    let err = server
        .client()
        .get_user_token(&GetUserTokenRequest::authorization_code(
            &creds(HR),
            "made-up-code",
        ))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(codes::INVALID_GRANT));
    assert_eq!(server.core.journal.count("POST", USER_TOKEN_ROUTE), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_5xx_on_a_code_exchange_is_not_retried() {
    // The server may have spent the code before failing: a second exchange would be a replay.
    let server = TestServer::emulator().await;
    server.fault(error_fault("server.error", None)).await;
    let err = server
        .client()
        .get_user_token(&GetUserTokenRequest::authorization_code(&creds(HR), "code"))
        .await
        .unwrap_err();
    assert_eq!(server.core.journal.count("POST", USER_TOKEN_ROUTE), 1);
    assert!(
        err.is_retryable(),
        "retryable in itself, but not for this request"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_denied_permission_is_never_retried() {
    let server = TestServer::emulator().await;
    server.fault(json!({"pathPrefix": "/v1.0/contact/", "action": {"kind": "error", "code": codes::ACCESS_TOKEN_PERMISSION_DENIED}})).await;
    let client = server.client();
    let token = client
        .get_token(ACME, &hr_request())
        .await
        .unwrap()
        .access_token;
    let err = client.get_org_auth_info(&token, None).await.unwrap_err();
    assert_eq!(err.status(), Some(403));
    assert!(!err.is_retryable());
    assert_eq!(
        server
            .core
            .journal
            .count("GET", "/v1.0/contact/organizations/authInfos"),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_answers_time_out() {
    let server = TestServer::emulator().await;
    server.fault(json!({"pathPrefix": "/v1.0/oauth2/", "times": 1, "action": {"kind": "latency", "ms": 3000}})).await;
    let client = Client::builder()
        .base_url(&server.base)
        .timeout(Duration::from_millis(300))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let err = client.get_token(ACME, &hr_request()).await.unwrap_err();
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_connections_are_retried_when_safe() {
    let server = TestServer::emulator().await;
    server
        .fault(json!({"pathPrefix": "/v1.0/oauth2/", "times": 2, "action": {"kind": "drop"}}))
        .await;
    let answer = server.client().get_token(ACME, &hr_request()).await;
    assert!(answer.is_ok(), "{answer:?}");
    assert_eq!(server.token_requests(), 3);
    // A code exchange whose answer was lost may have been processed: not resent.
    server
        .fault(json!({"pathPrefix": "/v1.0/oauth2/userAccessToken", "action": {"kind": "drop"}}))
        .await;
    let err = server
        .client()
        .get_user_token(&GetUserTokenRequest::authorization_code(&creds(HR), "code"))
        .await
        .unwrap_err();
    let Error::Transport(t) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(t.kind, TransportKind::Other);
    assert_eq!(server.core.journal.count("POST", USER_TOKEN_ROUTE), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_during_refresh_keeps_the_live_token() {
    let server = TestServer::spawn_with(Backend::sqlite(), |c| {
        c.emulator.enabled = true;
        c.app_token_ttl = 4;
    })
    .await;
    let manager =
        AppTokenManager::builder(server.client(), creds(HR), TokenSource::Corp(ACME.into()))
            .refresh_margin(Duration::from_secs(3))
            .min_cache_time(Duration::from_millis(100))
            .build();
    let first = manager.get_token().await.unwrap();
    server.fault(error_fault("ServiceUnavailable", None)).await;
    // Refresh is due after 2 s (half the lifetime); expiry after 4 s.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(
        manager.get_token().await.unwrap(),
        first,
        "the refresh failed; the live token is kept"
    );
    assert_eq!(
        server.token_requests(),
        4,
        "one refresh attempt with two retries"
    );
    assert_eq!(manager.get_token().await.unwrap(), first);
    assert_eq!(
        server.token_requests(),
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

#[tokio::test]
async fn a_refused_connection_says_what_to_check() {
    // Port 1: below the ephemeral range, so no server another test starts on port 0 can be
    // listening there (a port bound and released here could be taken meanwhile).
    let port = 1;
    let err = client_for(&format!("http://127.0.0.1:{port}"))
        .get_token("dingcorp", &hr_request())
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
