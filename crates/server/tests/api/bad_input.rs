//! Bad input gets a clear 4xx JSON error: never a panic, a 5xx or a hang.

use crate::helpers::*;
use serde_json::json;

fn token_path() -> String {
    format!("/v1.0/oauth2/{ACME}/token")
}

async fn raw(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> Answer {
    let mut req = app
        .http
        .request(method, format!("{}{path}", app.base))
        .body(body);
    if let Some(ct) = content_type {
        req = req.header("content-type", ct);
    }
    app.send(req).await
}

opending_testkit::both_backends! {
    async fn malformed_bodies_are_invalid_requests(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let cases: Vec<(&str, Vec<u8>, &str)> = vec![
            ("malformed JSON", b"{\"client_id\": ".to_vec(), "not valid JSON"),
            ("array", b"[1,2]".to_vec(), "JSON object"),
            ("null", b"null".to_vec(), "JSON object"),
            ("wrong type", br#"{"client_id":1,"client_secret":"x","grant_type":"client_credentials"}"#.to_vec(), "client_id"),
            ("unknown field", br#"{"client_id":"a","client_secret":"b","grant_type":"client_credentials","scope":"x"}"#.to_vec(), "scope"),
            ("missing field", br#"{"client_id":"a","grant_type":"client_credentials"}"#.to_vec(), "client_secret is required"),
            ("empty string", br#"{"client_id":"","client_secret":"b","grant_type":"client_credentials"}"#.to_vec(), "client_id is required"),
            ("non-UTF-8", b"{\"client_id\":\"\xff\xfe\"}".to_vec(), "UTF-8"),
        ];
        for (what, body, needle) in cases {
            let a = raw(&app, reqwest::Method::POST, &token_path(), Some("application/json"), body).await;
            a.assert_error(400, "invalid.request");
            let msg = a.body["message"].as_str().unwrap();
            assert!(msg.contains(needle), "{what}: message {msg:?} should mention {needle:?}");
        }
    }

    async fn missing_or_oversized_bodies(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let empty = raw(&app, reqwest::Method::POST, &token_path(), Some("application/json"), vec![]).await;
        empty.assert_error(400, "Missingbody");
        let mut big = br#"{"client_id":""#.to_vec();
        big.extend(std::iter::repeat_n(b'a', 70 * 1024));
        big.extend(br#"","client_secret":"b","grant_type":"client_credentials"}"#);
        let a = raw(&app, reqwest::Method::POST, &token_path(), Some("application/json"), big).await;
        a.assert_error(400, "invalid.request");
        assert!(a.body["message"].as_str().unwrap().contains("65536"));
    }

    async fn content_type_and_method_are_checked(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let form = raw(&app, reqwest::Method::POST, &token_path(), Some("application/x-www-form-urlencoded"),
            b"client_id=a&client_secret=b&grant_type=client_credentials".to_vec()).await;
        form.assert_error(400, "Missingbody");
        assert!(form.body["message"].as_str().unwrap().contains("Content-Type"));
        // The charset parameter is fine, as is no content type at all.
        let body = serde_json::to_vec(&json!({"client_id": HR.0, "client_secret": HR.1, "grant_type": "client_credentials"})).unwrap();
        let ok = raw(&app, reqwest::Method::POST, &token_path(), Some("application/json; charset=utf-8"), body.clone()).await;
        assert_eq!(ok.status, 200, "{}", ok.body);
        let ok = raw(&app, reqwest::Method::POST, &token_path(), None, body).await;
        assert_eq!(ok.status, 200, "{}", ok.body);
        let get = raw(&app, reqwest::Method::GET, &token_path(), None, vec![]).await;
        get.assert_error(405, "MethodNotAllowed");
        let nowhere = raw(&app, reqwest::Method::GET, "/v1.0/oauth2/nothing/here/at/all", None, vec![]).await;
        nowhere.assert_error(404, "NotFound");
    }

    async fn chunked_bodies_work(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let body = serde_json::to_vec(&json!({"client_id": HR.0, "client_secret": HR.1, "grant_type": "client_credentials"})).unwrap();
        // A streamed body has no Content-Length, so reqwest sends it chunked (as the Node SDK does).
        let stream = futures_stream(body);
        let req = app.http.post(format!("{}{}", app.base, token_path()))
            .header("content-type", "application/json; charset=utf-8")
            .body(reqwest::Body::wrap_stream(stream));
        let a = app.send(req).await;
        assert_eq!(a.status, 200, "{}", a.body);
    }

    async fn odd_corp_ids_are_refused_cleanly(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let long = "a".repeat(5000);
        // HTTP clients normalise `..` away, so send that one over a raw socket.
        let body = format!(r#"{{"client_id":"{}","client_secret":"{}","grant_type":"client_credentials"}}"#, HR.0, HR.1);
        let dotdot = raw_http(&app, &format!("POST /v1.0/oauth2/../token HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}", body.len())).await;
        assert!(dotdot.starts_with("HTTP/1.1 400"), "{dotdot}");
        assert!(dotdot.contains("invalid.request") && dotdot.contains("corpId"), "{dotdot}");
        for corp in ["a%2Fb", "%E4%BC%81%E4%B8%9A", long.as_str(), "ding%00x", "%20"] {
            let a = app.post_json(&format!("/v1.0/oauth2/{corp}/token"),
                &json!({"client_id": HR.0, "client_secret": HR.1, "grant_type": "client_credentials"})).await;
            assert!((400..500).contains(&a.status), "{corp}: {} {}", a.status, a.body);
            assert_eq!(a.code(), "invalid.request", "{corp}: {}", a.body);
            assert!(a.body["message"].as_str().unwrap().contains("corpId"), "{corp}: {}", a.body);
        }
        // A syntactically fine but unknown corpId is an authorization question.
        app.app_token("dingunknown", HR).await.assert_error(401, "unauthorized.client");
    }
}

async fn raw_http(app: &TestApp, request: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(app.base.trim_start_matches("http://"))
        .await
        .unwrap();
    s.write_all(request.as_bytes()).await.unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    out
}

fn futures_stream(
    body: Vec<u8>,
) -> impl futures_core::Stream<Item = Result<Vec<u8>, std::io::Error>> {
    let (a, b) = body.split_at(body.len() / 2);
    let chunks = vec![Ok(a.to_vec()), Ok(b.to_vec())];
    tokio_stream::iter(chunks)
}
