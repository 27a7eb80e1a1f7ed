//! `POST /v1.0/oauth2/{corpId}/token` and the legacy `POST /v1.0/oauth2/accessToken`:
//! answers and every error, as the client reports them.

use opending_client::{
    error::codes,
    model::{GetAccessTokenRequest, GetTokenRequest},
    Error,
};

use crate::helpers::*;

/// Asserts an API error with this status and code, a request id, and no retry.
pub fn assert_api_error(err: &Error, status: u16, code: &str) {
    assert_eq!(
        (err.status(), err.code()),
        (Some(status), Some(code)),
        "{err}"
    );
    let rid = err.request_id().expect("a request id");
    assert_eq!(rid.len(), 36, "{rid}");
    assert!(err.message().is_some_and(|m| !m.is_empty()), "{err}");
    assert!(!err.is_retryable(), "{err}");
}

both_backends! {
    async fn app_tokens_for_internal_and_third_party_apps(backend: Backend) {
        let server = TestServer::spawn(backend).await;
        let client = server.client();
        let hr = GetTokenRequest::client_credentials(&creds(HR));
        let first = client.get_token(ACME, &hr).await.unwrap();
        assert_eq!(first.expires_in, 7200);
        assert_eq!(first.access_token.expose().len(), 32);
        let again = client.get_token(ACME, &hr).await.unwrap();
        assert_eq!(again.access_token, first.access_token, "same token while valid");
        let travel = client.get_token(GLOBEX, &GetTokenRequest::client_credentials(&creds(TRAVEL))).await.unwrap();
        assert_ne!(travel.access_token, first.access_token);
        // The legacy endpoint gives an internal app the same token in its own org.
        let legacy = client.get_access_token(&GetAccessTokenRequest::new(&creds(HR))).await.unwrap();
        assert_eq!((legacy.access_token, legacy.expire_in), (first.access_token, 7200));
    }

    async fn app_token_errors(backend: Backend) {
        let server = TestServer::spawn(backend).await;
        let client = server.client();
        let get = |corp: &'static str, id: &str, secret: &str| {
            let client = client.clone();
            let req = GetTokenRequest::client_credentials(&opending_client::Credentials::new(id, secret));
            async move { client.get_token(corp, &req).await.unwrap_err() }
        };
        let wrong = get(ACME, HR.0, "wrong-secret-0123456789").await;
        assert_api_error(&wrong, 400, codes::INVALID_CLIENT);
        assert!(wrong.is_auth_error());
        assert!(wrong.to_string().contains("client secret is wrong"), "{wrong}");
        assert_api_error(&get(ACME, "dingnobody", "whatever-secret").await, 400, codes::INVALID_CLIENT);
        // Internal app outside its org, unknown org, suspended installation, not installed.
        assert_api_error(&get(GLOBEX, HR.0, HR.1).await, 401, codes::UNAUTHORIZED_CLIENT);
        assert_api_error(&get("dingnosuchorg", HR.0, HR.1).await, 401, codes::UNAUTHORIZED_CLIENT);
        assert_api_error(&get(INITECH, TRAVEL.0, TRAVEL.1).await, 401, codes::UNAUTHORIZED_CLIENT);
        assert_api_error(&get(ACME, TRAVEL.0, TRAVEL.1).await, 401, codes::UNAUTHORIZED_CLIENT);
        let unauthorized = get(GLOBEX, HR.0, HR.1).await;
        assert!(unauthorized.is_auth_error() && unauthorized.to_string().contains("internal app only works in its own org"), "{unauthorized}");
        // Malformed: empty secret, bad corpId, wrong grant type.
        let empty = get(ACME, HR.0, "").await;
        assert_api_error(&empty, 400, "invalid.request");
        assert_eq!(empty.message(), Some("client_secret is required"));
        let bad_corp = client.get_token("bad corp!", &GetTokenRequest::client_credentials(&creds(HR))).await.unwrap_err();
        assert_api_error(&bad_corp, 400, "invalid.request");
        let mut grant = GetTokenRequest::client_credentials(&creds(HR));
        grant.grant_type = "password".into();
        assert_api_error(&client.get_token(ACME, &grant).await.unwrap_err(), 400, codes::UNSUPPORTED_GRANT_TYPE);
        // The journal saw each request once: no 4xx was retried.
        assert_eq!(server.token_requests(), 10);
    }

    async fn legacy_access_token_errors(backend: Backend) {
        let server = TestServer::spawn(backend).await;
        let client = server.client();
        let legacy = |id: &str, secret: &str| {
            let client = client.clone();
            let req = GetAccessTokenRequest::new(&opending_client::Credentials::new(id, secret));
            async move { client.get_access_token(&req).await.unwrap_err() }
        };
        assert_api_error(&legacy(HR.0, "wrong-secret-0123456789").await, 400, codes::INVALID_CLIENT);
        let third_party = legacy(TRAVEL.0, TRAVEL.1).await;
        assert_api_error(&third_party, 401, codes::UNAUTHORIZED_CLIENT);
        let missing = legacy("", "x").await;
        assert_api_error(&missing, 400, "invalid.request");
        assert_eq!(missing.message(), Some("appKey is required"));
    }
}
