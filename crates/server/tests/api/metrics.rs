//! `GET /metrics`: exact counter values after known requests, the optional token, and the
//! separate listener.

use crate::helpers::*;

/// Fetches `{base}/metrics`; returns the status and the text.
pub async fn scrape(app: &TestApp, base: &str, token: Option<&str>) -> (u16, String) {
    let mut req = app.http.get(format!("{base}/metrics"));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.expect("scrape sent");
    let status = resp.status().as_u16();
    if status == 200 {
        assert_eq!(
            resp.headers()["content-type"],
            "application/openmetrics-text; version=1.0.0; charset=utf-8"
        );
    }
    (status, resp.text().await.unwrap())
}

/// The value of the sample whose name and labels are exactly `series`.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .map(|v| v.trim().parse().expect("a number"))
}

#[track_caller]
fn assert_sample(text: &str, series: &str, want: f64) {
    assert_eq!(sample(text, series), Some(want), "{series} in:\n{text}");
}

const TOKEN_ROUTE: &str = "/v1.0/oauth2/{corp_id}/token";
const INFO_ROUTE: &str = "/v1.0/contact/organizations/authInfos";

opending_testkit::both_backends! {
    async fn metrics_count_known_requests_exactly(backend: Backend) {
        let pg = matches!(backend, Backend::Postgres(_));
        let app = TestApp::spawn(backend).await;
        let token = app.token_value(ACME, HR).await; // issued
        app.token_value(ACME, HR).await; // renewed (the same token again)
        app.app_token(ACME, (HR.0, "wrong")).await.assert_error(400, "invalid.client");
        assert_eq!(app.auth_infos(Some(&token), None).await.status, 200); // cache miss
        assert_eq!(app.auth_infos(Some(&token), None).await.status, 200); // cache hit
        app.auth_infos(Some("0123456789abcdef0123456789abcdef"), None)
            .await
            .assert_error(400, "InvalidAuthentication"); // refused by the value's keyed check: no cache lookup
        app.send(app.http.get(format!("{}/no/such/path/{token}", app.base)))
            .await
            .assert_error(404, "NotFound");

        let (status, m) = scrape(&app, &app.base, None).await;
        assert_eq!(status, 200);
        assert_sample(&m, &format!("opending_http_requests_total{{route=\"{TOKEN_ROUTE}\",method=\"POST\",status=\"200\",code=\"\"}}"), 2.0);
        assert_sample(&m, &format!("opending_http_requests_total{{route=\"{TOKEN_ROUTE}\",method=\"POST\",status=\"400\",code=\"invalid.client\"}}"), 1.0);
        assert_sample(&m, &format!("opending_http_requests_total{{route=\"{INFO_ROUTE}\",method=\"GET\",status=\"200\",code=\"\"}}"), 2.0);
        assert_sample(&m, &format!("opending_http_requests_total{{route=\"{INFO_ROUTE}\",method=\"GET\",status=\"400\",code=\"InvalidAuthentication\"}}"), 1.0);
        assert_sample(&m, "opending_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\",code=\"NotFound\"}", 1.0);
        assert!(!m.contains(&token), "no token ever appears in a label");
        assert!(!m.contains("/no/such/path"), "raw paths are never labels");
        assert_sample(&m, &format!("opending_http_request_duration_seconds_count{{route=\"{TOKEN_ROUTE}\"}}"), 3.0);
        assert_sample(&m, &format!("opending_http_request_duration_seconds_bucket{{le=\"+Inf\",route=\"{TOKEN_ROUTE}\"}}"), 3.0);
        assert_sample(&m, "opending_tokens_total{kind=\"app\",event=\"issued\"}", 1.0);
        assert_sample(&m, "opending_tokens_total{kind=\"app\",event=\"renewed\"}", 1.0);
        assert_sample(&m, "opending_token_cache_hits_total", 1.0);
        assert_sample(&m, "opending_token_cache_misses_total", 1.0);
        if pg {
            assert!(sample(&m, "opending_db_pool_connections{pool=\"main\"}").is_some_and(|v| v >= 1.0), "{m}");
            assert!(sample(&m, "opending_db_pool_max_connections{pool=\"main\"}").is_some_and(|v| v >= 1.0), "{m}");
        } else {
            assert_sample(&m, "opending_db_pool_max_connections{pool=\"write\"}", 1.0);
            assert!(sample(&m, "opending_db_pool_idle_connections{pool=\"read\"}").is_some(), "{m}");
        }

        // Revocations through the admin API.
        let r = app
            .send(app.admin(reqwest::Method::POST, "/tokens/revoke").json(&serde_json::json!({"token": token})))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let (_, m) = scrape(&app, &app.base, None).await;
        assert_sample(&m, "opending_tokens_total{kind=\"app\",event=\"revoked\"}", 1.0);
        assert_sample(&m, "opending_http_requests_total{route=\"/metrics\",method=\"GET\",status=\"200\",code=\"\"}", 1.0);
    }

    async fn metrics_token_and_separate_listener(backend: Backend) {
        let secret = "metrics-token-0123456789";
        let app = TestApp::spawn_with(backend.clone(), |c| {
            c.metrics_token = Some(opending_domain::Secret::new(secret));
        })
        .await;
        assert_eq!(scrape(&app, &app.base, None).await.0, 401);
        assert_eq!(scrape(&app, &app.base, Some("metrics-token-wrong-0000")).await.0, 401);
        assert_eq!(scrape(&app, &app.base, Some(secret)).await.0, 200);
        app.stop().await;

        let listen = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listen.local_addr().unwrap();
        drop(listen);
        let app = TestApp::spawn_with(backend, |c| c.metrics_listen = Some(addr)).await;
        app.token_value(ACME, HR).await;
        let main = app.send(app.http.get(format!("{}/metrics", app.base))).await;
        main.assert_error(404, "NotFound");
        let (status, m) = scrape(&app, &format!("http://{addr}"), None).await;
        assert_eq!(status, 200);
        assert_sample(&m, &format!("opending_http_requests_total{{route=\"{TOKEN_ROUTE}\",method=\"POST\",status=\"200\",code=\"\"}}"), 1.0);
    }
}
