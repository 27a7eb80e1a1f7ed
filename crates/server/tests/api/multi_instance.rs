//! Two servers sharing one PostgreSQL database.

use crate::helpers::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_one_postgres_share_tokens() {
    let Some(backend) = Backend::postgres().await else {
        return;
    };
    let a = TestApp::spawn(backend.clone()).await;
    let b = TestApp::spawn(backend).await;
    let from_a = a.token_value(GLOBEX, TRAVEL).await;
    assert_eq!(b.introspect_admin(&from_a).await.body["active"], true);
    assert_eq!(
        b.token_value(GLOBEX, TRAVEL).await,
        from_a,
        "B hands out A's live token"
    );
    // Revocation through one is seen by the other on its next request.
    let r = a
        .send(
            a.admin(reqwest::Method::POST, "/tokens/revoke")
                .json(&json!({"token": from_a})),
        )
        .await;
    assert_eq!(r.body["revoked"], 1);
    assert_eq!(b.introspect_admin(&from_a).await.body["active"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_first_requests_to_two_servers_yield_one_token() {
    let Some(backend) = Backend::postgres().await else {
        return;
    };
    let a = TestApp::spawn(backend.clone()).await;
    let b = TestApp::spawn(backend).await;
    let mut tasks = Vec::new();
    for i in 0..40 {
        let base = if i % 2 == 0 {
            a.base.clone()
        } else {
            b.base.clone()
        };
        let http = a.http.clone();
        tasks.push(tokio::spawn(async move {
            let r = http
                .post(format!("{base}/v1.0/oauth2/{ACME}/token"))
                .json(&json!({"client_id": HR.0, "client_secret": HR.1, "grant_type": "client_credentials"}))
                .send().await.unwrap();
            assert_eq!(r.status(), 200);
            r.json::<serde_json::Value>().await.unwrap()["access_token"].as_str().unwrap().to_owned()
        }));
    }
    let mut tokens = std::collections::HashSet::new();
    for t in tasks {
        tokens.insert(t.await.unwrap());
    }
    assert_eq!(tokens.len(), 1, "{tokens:?}");
}

/// Polls `b` until the token is refused; returns how long that took.
async fn refused_within(
    b: &TestApp,
    token: &str,
    limit: std::time::Duration,
) -> std::time::Duration {
    let started = std::time::Instant::now();
    loop {
        let a = b.auth_infos(Some(token), None).await;
        if a.status == 400 {
            a.assert_error(400, "InvalidAuthentication");
            return started.elapsed();
        }
        assert_eq!(a.status, 200, "{}", a.body);
        assert!(
            started.elapsed() < limit,
            "still accepted after {:?}",
            started.elapsed()
        );
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
}

opending_testkit::both_backends! {
    async fn revocation_on_one_instance_reaches_the_other_within_a_second(backend: Backend) {
        // Two servers on one database: PostgreSQL (LISTEN/NOTIFY), or one SQLite file (polling).
        let a = TestApp::spawn(backend.clone()).await;
        let b = TestApp::spawn(backend).await;
        let limit = std::time::Duration::from_secs(1);

        let token = a.token_value(ACME, HR).await;
        assert_eq!(b.auth_infos(Some(&token), None).await.status, 200, "B has it cached now");
        let r = a.send(a.admin(reqwest::Method::POST, "/tokens/revoke").json(&json!({"token": token}))).await;
        assert_eq!(r.body["revoked"], 1);
        a.auth_infos(Some(&token), None).await.assert_error(400, "InvalidAuthentication");
        let took = refused_within(&b, &token, limit).await;
        eprintln!("revocation reached the second instance in {took:?}");

        let token = a.token_value(GLOBEX, TRAVEL).await;
        assert_eq!(b.auth_infos(Some(&token), None).await.status, 200);
        let u = a.send(a.admin(reqwest::Method::DELETE, &format!("/apps/{}/installations/{GLOBEX}", TRAVEL.0))).await;
        assert_eq!(u.status, 204);
        let took = refused_within(&b, &token, limit).await;
        eprintln!("uninstall reached the second instance in {took:?}");
    }
}

mod events {
    //! Two instances on one PostgreSQL share one event outbox.

    use opending_testkit::stream::{ack, next_event, Socket};
    use serde_json::{json, Value};

    use crate::helpers::*;

    async fn instance(backend: Backend) -> TestApp {
        TestApp::spawn_with(backend, |c| {
            c.emulator.enabled = true;
            c.events.ack_timeout_ms = 1000;
            c.events.poll_interval_ms = 100;
            c.events.retry_base_ms = 50;
        })
        .await
    }

    async fn connect(app: &TestApp) -> Socket {
        opending_testkit::stream::connect(&app.base, DIR).await
    }

    async fn acked(app: &TestApp, id: &str) -> Value {
        crate::events::wait_for_state(app, id, "acked").await
    }

    async fn raise(app: &TestApp, dept: i64) -> String {
        let r = app
            .post_json(
                "/_opending/events",
                &json!({"eventType": "org_dept_create", "corpId": ACME, "data": {"deptId": [dept]}}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        r.body["events"][0]["eventId"].as_str().unwrap().to_owned()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_event_raised_on_one_instance_reaches_a_connection_on_the_other_once() {
        let Some(backend) = Backend::postgres().await else {
            return;
        };
        let a = instance(backend.clone()).await;
        let b = instance(backend).await;
        let mut ws = connect(&b).await;
        let id = raise(&a, 61).await;
        let f = next_event(&mut ws).await;
        assert_eq!(f["headers"]["eventId"], id.as_str());
        ack(&mut ws, &f).await;
        let e = acked(&a, &id).await;
        assert_eq!(e["attempts"], 1, "delivered once: {e}");
        assert_eq!(e["deliveries"].as_array().unwrap().len(), 1);
        assert_eq!(e["deliveries"][0]["instance"], b.core.instance_id.as_str());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_instance_that_dies_mid_delivery_leaves_its_event_to_the_other() {
        let Some(backend) = Backend::postgres().await else {
            return;
        };
        let a = instance(backend.clone()).await;
        let b = instance(backend).await;
        let mut on_a = connect(&a).await;
        let id = raise(&b, 62).await;
        let f = next_event(&mut on_a).await;
        assert_eq!(f["headers"]["eventId"], id.as_str());
        // A goes away before the app acknowledges: its delivery is cut off, its lease held.
        let a_id = a.core.instance_id.clone();
        a.stop().await;
        let mut on_b = connect(&b).await;
        let again = next_event(&mut on_b).await;
        assert_eq!(again["headers"]["eventId"], id.as_str());
        assert_eq!(again["headers"]["messageId"], f["headers"]["messageId"]);
        ack(&mut on_b, &again).await;
        let e = acked(&b, &id).await;
        let by: Vec<&str> = e["deliveries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["instance"].as_str().unwrap())
            .collect();
        assert_eq!(by, [a_id.as_str(), b.core.instance_id.as_str()]);
    }
}
