//! The legacy (oapi) family through the client: `/gettoken` and `/get_jsapi_ticket` in the
//! errcode envelope, the v1.0 `jsapiTickets`, and the `dd.config` signature helper.

use opending_client::{
    error::codes, jsapi_signature, model::GetAccessTokenRequest, Credentials, Error, Secret,
};

use crate::helpers::*;

/// A legacy failure: HTTP 200, the errcode as the code, DingTalk's errmsg, not retried.
fn assert_errcode(err: &Error, errcode: &str) {
    assert_eq!(
        (err.status(), err.code()),
        (Some(200), Some(errcode)),
        "{err}"
    );
    assert!(err.message().is_some_and(|m| !m.is_empty()), "{err}");
    assert!(!err.is_retryable(), "{err}");
}

both_backends! {
    async fn legacy_tokens_and_tickets_are_the_v1_ones(backend: Backend) {
        let server = TestServer::spawn(backend).await;
        let client = server.client();
        let legacy = client.get_token_legacy(&creds(HR)).await.unwrap();
        assert_eq!((legacy.errcode, legacy.errmsg.as_str(), legacy.expires_in), (0, "ok", 7200));
        let v1 = client.get_access_token(&GetAccessTokenRequest::new(&creds(HR))).await.unwrap();
        assert_eq!(legacy.access_token, v1.access_token);
        let ticket = client.get_jsapi_ticket(&legacy.access_token).await.unwrap();
        assert_eq!(ticket.errcode, 0);
        let again = client.create_jsapi_ticket(&v1.access_token).await.unwrap();
        assert_eq!(again.jsapi_ticket, ticket.ticket);
        assert!(again.expire_in > 0 && again.expire_in <= 7200);
        let sig = jsapi_signature(&ticket.ticket, "nonce", "1700000000000", "https://app.example/p?a=1");
        assert_eq!(sig.len(), 64);
    }

    async fn legacy_failures_are_errcodes_and_keep_secrets_out(backend: Backend) {
        let server = TestServer::spawn(backend).await;
        let client = server.client();
        let wrong = Credentials::new(HR.0, "wrong-secret-0123456789abcdef");
        let err = client.get_token_legacy(&wrong).await.unwrap_err();
        assert_errcode(&err, codes::LEGACY_INVALID_APPKEY_OR_SECRET);
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains("wrong-secret"), "{shown}");
        assert!(shown.contains("appKey"), "the hint names the key and secret: {shown}");
        let bad = Secret::new("0123456789abcdef0123456789abcdef");
        let err = client.get_jsapi_ticket(&bad).await.unwrap_err();
        assert_errcode(&err, codes::LEGACY_INVALID_ACCESS_TOKEN);
        assert!(err.is_invalid_token() && err.is_auth_error(), "{err}");
        assert!(!format!("{err} {err:?}").contains(bad.expose()));
        let err = client.create_jsapi_ticket(&bad).await.unwrap_err();
        assert_eq!((err.status(), err.code()), (Some(400), Some(codes::INVALID_AUTHENTICATION)), "{err}");
    }
}
