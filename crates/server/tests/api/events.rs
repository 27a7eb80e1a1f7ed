//! Events: the outbox, Stream mode's connections/open and WebSocket frames, redelivery, the
//! emulator's raise and listing, directory changes raising their events, HTTP callbacks.

use std::time::Duration;

use futures_util::SinkExt;
use opending_testkit::stream::{ack_with, closed_within, data_of, next_event, Socket};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::*;

/// An emulator with fast retries.
async fn emulator(backend: Backend) -> TestApp {
    TestApp::spawn_with(backend, |c| {
        c.emulator.enabled = true;
        c.events.retry_base_ms = 50;
        c.events.retry_max_ms = 200;
        c.events.poll_interval_ms = 50;
    })
    .await
}

/// `connections/open` for `app`, subscribed to events.
async fn open(app: &TestApp, client: (&str, &str)) -> Answer {
    app.post_json(
        "/v1.0/gateway/connections/open",
        &json!({"clientId": client.0, "clientSecret": client.1,
                "subscriptions": [{"type": "EVENT", "topic": "*"}], "ua": "test/1"}),
    )
    .await
}

/// A Stream connection of `client`; the endpoint is this server as the request reached it.
async fn connect(app: &TestApp, client: (&str, &str)) -> Socket {
    let (_, body) = opending_testkit::stream::open(&app.base, client).await;
    assert_eq!(body["endpoint"], format!("ws://{}/connect", app.addr));
    opending_testkit::stream::connect(&app.base, client).await
}

async fn ack(ws: &mut Socket, frame: &Value, code: i64, data: Value) {
    ack_with(ws, frame, code, data).await
}

/// Polls the emulator's listing until `pred` holds for the event `id`.
async fn event_until(app: &TestApp, id: &str, pred: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..300 {
        let list = app
            .send(app.http.get(format!("{}/_opending/events", app.base)))
            .await;
        assert_eq!(list.status, 200, "{}", list.body);
        if let Some(e) = list
            .body
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["eventId"] == id)
        {
            if pred(e) {
                return e.clone();
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("event {id} never reached the expected state");
}

/// Polls until the event `id` is in `state`.
pub async fn wait_for_state(app: &TestApp, id: &str, state: &str) -> Value {
    event_until(app, id, |e| e["state"] == state).await
}

async fn raise(app: &TestApp, body: Value) -> Answer {
    app.post_json("/_opending/events", &body).await
}

both_backends! {
    async fn stream_delivers_a_raised_event_and_takes_its_ack(backend: Backend) {
        let app = emulator(backend).await;
        let mut ws = connect(&app, DIR).await;
        let r = raise(&app, json!({"eventType": "user_add_org", "corpId": ACME,
            "data": {"userId": ["u-new"]}})).await;
        assert_eq!(r.status, 201, "{}", r.body);
        let events = r.body["events"].as_array().unwrap();
        // Only apps of Acme holding qyapi_get_member: the directory app.
        assert_eq!(events.len(), 1, "{}", r.body);
        assert_eq!(events[0]["clientId"], DIR.0);
        let id = events[0]["eventId"].as_str().unwrap().to_owned();

        let frame = next_event(&mut ws).await;
        assert_eq!(frame["specVersion"], "1.0");
        let h = &frame["headers"];
        assert_eq!(h["topic"], "*");
        assert_eq!(h["eventType"], "user_add_org");
        assert_eq!(h["eventId"], id.as_str());
        assert_eq!(h["messageId"], id.as_str());
        assert_eq!(h["eventCorpId"], ACME);
        assert_eq!(h["contentType"], "application/json");
        // Numbers travel as numeric strings (the Python SDK int()s them).
        assert!(h["time"].as_str().unwrap().parse::<i64>().is_ok());
        assert!(h["eventBornTime"].as_str().unwrap().parse::<i64>().is_ok());
        let data: Value = data_of(&frame);
        assert_eq!(data["userId"], json!(["u-new"]));
        assert!(data["timeStamp"].as_str().unwrap().parse::<i64>().is_ok());

        // The Python SDK's ACK: code 200 with the event's own data echoed.
        ack(&mut ws, &frame, 200, data.clone()).await;
        let e = event_until(&app, &id, |e| e["state"] == "acked").await;
        assert_eq!(e["attempts"], 1);
        assert_eq!(e["deliveries"][0]["channel"], "stream");
        assert_eq!(e["deliveries"][0]["outcome"], "acked");

        // The journal shows the attempt.
        let mut seen = false;
        for _ in 0..100 {
            let j = app.send(app.http.get(format!("{}/_opending/requests?method=EVENT", app.base))).await;
            seen = j.body.as_array().unwrap().iter().any(|e| e["path"] == "/events/user_add_org"
                && e["status"] == 200 && e["clientId"] == DIR.0);
            if seen { break; }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(seen, "the journal lists the acknowledged attempt");
    }

    async fn a_later_or_failed_ack_is_redelivered_with_the_same_message_id(backend: Backend) {
        let app = emulator(backend).await;
        let mut ws = connect(&app, DIR).await;
        let r = raise(&app, json!({"eventType": "org_dept_create", "corpId": ACME,
            "data": {"deptId": [4242]}})).await;
        let id = r.body["events"][0]["eventId"].as_str().unwrap().to_owned();
        let first = next_event(&mut ws).await;
        // The Node SDK's "consumer failed, try later".
        ack(&mut ws, &first, 200, json!({"status": "LATER", "message": "busy"})).await;
        let second = next_event(&mut ws).await;
        assert_eq!(second["headers"]["messageId"], first["headers"]["messageId"]);
        // The Python SDK's default handler: 404 "not implement".
        ack(&mut ws, &second, 404, json!({})).await;
        let third = next_event(&mut ws).await;
        assert_eq!(third["headers"]["eventId"], id.as_str());
        ack(&mut ws, &third, 200, json!({"status": "SUCCESS"})).await;
        let e = event_until(&app, &id, |e| e["state"] == "acked").await;
        assert_eq!(e["attempts"], 3);
        let outcomes: Vec<&str> = e["deliveries"].as_array().unwrap().iter()
            .map(|d| d["outcome"].as_str().unwrap()).collect();
        assert_eq!(outcomes, ["refused", "refused", "acked"]);
    }

    async fn an_apps_events_arrive_in_the_order_they_were_raised(backend: Backend) {
        let app = emulator(backend).await;
        for dept in [1001, 1002, 1003] {
            let r = raise(&app, json!({"eventType": "org_dept_create", "corpId": ACME,
                "data": {"deptId": [dept]}})).await;
            assert_eq!(r.status, 201, "{}", r.body);
        }
        // Raised before any connection: pending until one comes.
        let mut ws = connect(&app, DIR).await;
        for dept in [1001, 1002, 1003] {
            let f = next_event(&mut ws).await;
            let data = data_of(&f);
            assert_eq!(data["deptId"], json!([dept]));
            ack(&mut ws, &f, 200, json!({})).await;
        }
    }

    async fn directory_changes_raise_their_events(backend: Backend) {
        let app = emulator(backend).await;
        let a = app.send(app.admin(reqwest::Method::PUT, &format!("/orgs/{ACME}/departments/777"))
            .json(&json!({"name": "Research", "parentId": 1}))).await;
        assert!(a.status < 300, "{}", a.body);
        let list = app.send(app.http.get(format!(
            "{}/_opending/events?eventType=org_dept_create&clientId={}", app.base, DIR.0))).await;
        let events = list.body.as_array().unwrap();
        assert_eq!(events.len(), 1, "{}", list.body);
        assert_eq!(events[0]["data"]["deptId"], json!([777]));
        assert_eq!(events[0]["corpId"], ACME);
        // An app without the department point hears nothing.
        let hr = app.send(app.http.get(format!(
            "{}/_opending/events?clientId={}", app.base, HR.0))).await;
        assert_eq!(hr.body, json!([]));
    }

    async fn connections_open_refuses_bad_credentials_and_tickets_are_single_use(backend: Backend) {
        let app = emulator(backend).await;
        open(&app, (DIR.0, "wrong-secret")).await.assert_error(400, "invalidClientIdOrSecret");
        open(&app, ("dingnosuchapp", "whatever")).await.assert_error(400, "invalidClientIdOrSecret");
        let missing = app.post_json("/v1.0/gateway/connections/open", &json!({"clientId": DIR.0})).await;
        missing.assert_error(400, "invalid.request");
        let bad_sub = app.post_json("/v1.0/gateway/connections/open", &json!({"clientId": DIR.0,
            "clientSecret": DIR.1, "subscriptions": [{"type": "NOPE", "topic": "*"}]})).await;
        bad_sub.assert_error(400, "invalid.request");

        let a = open(&app, DIR).await;
        let ticket = a.body["ticket"].as_str().unwrap();
        assert_eq!(ticket.len(), 36);
        let url = format!("ws://{}/connect?ticket={ticket}", app.addr);
        let (_ws, _) = tokio_tungstenite::connect_async(&url).await.expect("first use");
        let again = tokio_tungstenite::connect_async(&url).await;
        match again {
            Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => assert_eq!(resp.status(), 401),
            other => panic!("a reused ticket must be refused: {other:?}"),
        }
        let forged = tokio_tungstenite::connect_async(format!("ws://{}/connect?ticket=forged", app.addr)).await;
        assert!(matches!(forged, Err(tokio_tungstenite::tungstenite::Error::Http(r)) if r.status() == 401));
        // Not an upgrade.
        let plain = app.send(app.http.get(format!("{}/connect?ticket=x", app.base))).await;
        plain.assert_error(400, "invalid.request");
    }

    async fn a_third_party_app_gets_its_suite_ticket_on_connecting_and_on_rotation(backend: Backend) {
        let app = emulator(backend).await;
        let mut ws = connect(&app, CRM).await;
        let first = next_event(&mut ws).await;
        assert_eq!(first["headers"]["eventType"], "suite_ticket");
        let data = data_of(&first);
        let current = app.send(app.http.get(format!("{}/_opending/suite-tickets/{}", app.base, CRM.0))).await;
        assert_eq!(data["suiteTicket"], current.body["suiteTicket"]);
        ack(&mut ws, &first, 200, data).await;
        // Raising suite_ticket without data rotates the ticket and announces the new one.
        let r = raise(&app, json!({"eventType": "suite_ticket", "clientId": CRM.0})).await;
        assert_eq!(r.status, 201, "{}", r.body);
        let second = next_event(&mut ws).await;
        let data = data_of(&second);
        assert_ne!(data["suiteTicket"], current.body["suiteTicket"]);
        let now = app.send(app.http.get(format!("{}/_opending/suite-tickets/{}", app.base, CRM.0))).await;
        assert_eq!(data["suiteTicket"], now.body["suiteTicket"]);
    }

    async fn the_emulator_refuses_what_it_cannot_raise(backend: Backend) {
        let app = emulator(backend).await;
        raise(&app, json!({"eventType": "chat_add_member", "corpId": ACME})).await
            .assert_error(400, "InvalidParameter");
        raise(&app, json!({"eventType": "user_add_org"})).await.assert_error(400, "InvalidParameter");
        raise(&app, json!({"eventType": "user_add_org", "corpId": ACME, "data": [1]})).await
            .assert_error(400, "InvalidParameter");
        let big = "x".repeat(20_000);
        raise(&app, json!({"eventType": "user_add_org", "corpId": ACME, "data": {"big": big}})).await
            .assert_error(400, "InvalidParameter");
        // Globex's apps hold no member point: nobody would receive it.
        raise(&app, json!({"eventType": "user_add_org", "corpId": GLOBEX})).await
            .assert_error(400, "InvalidParameter");
        raise(&app, json!({"eventType": "suite_ticket", "clientId": HR.0})).await
            .assert_error(400, "InvalidParameter");
        raise(&app, json!({"eventType": "user_add_org", "corpId": "dingnosuchorg"})).await
            .assert_error(404, "NotFound");
    }

    async fn a_connection_that_stops_acking_is_dropped_and_the_event_goes_to_the_next(backend: Backend) {
        let app = TestApp::spawn_with(backend, |c| {
            c.emulator.enabled = true;
            c.events.ack_timeout_ms = 300;
            c.events.retry_base_ms = 50;
            c.events.poll_interval_ms = 50;
        }).await;
        let mut silent = connect(&app, DIR).await;
        let r = raise(&app, json!({"eventType": "org_dept_remove", "corpId": ACME,
            "data": {"deptId": [9]}})).await;
        let id = r.body["events"][0]["eventId"].as_str().unwrap().to_owned();
        let f = next_event(&mut silent).await;
        assert_eq!(f["headers"]["eventId"], id.as_str());
        // No ACK: after the timeout the server closes this connection.
        assert!(closed_within(&mut silent, Duration::from_secs(10)).await, "the silent connection was not dropped");
        let mut next = connect(&app, DIR).await;
        let again = next_event(&mut next).await;
        assert_eq!(again["headers"]["eventId"], id.as_str());
        ack(&mut next, &again, 200, json!({})).await;
        let e = event_until(&app, &id, |e| e["state"] == "acked").await;
        assert_eq!(e["deliveries"][0]["outcome"], "timeout");
    }

    async fn oversized_and_malformed_frames_close_the_connection_not_the_server(backend: Backend) {
        let app = TestApp::spawn_with(backend, |c| {
            c.emulator.enabled = true;
            c.events.max_frame_bytes = 4096;
        }).await;
        let mut ws = connect(&app, DIR).await;
        for _ in 0..20 {
            if ws.send(Message::Text("not json".into())).await.is_err() { break; }
        }
        let mut big = connect(&app, DIR).await;
        let _ = big.send(Message::Text("x".repeat(10_000).into())).await;
        for w in [&mut ws, &mut big] {
            assert!(closed_within(w, Duration::from_secs(10)).await, "the connection was not closed");
        }
        assert_eq!(open(&app, DIR).await.status, 200, "the server still answers");
    }

    async fn connections_are_bounded_per_app(backend: Backend) {
        let app = TestApp::spawn_with(backend, |c| {
            c.emulator.enabled = true;
            c.events.max_connections_per_app = 2;
        }).await;
        let _one = connect(&app, DIR).await;
        let _two = connect(&app, DIR).await;
        let a = open(&app, DIR).await;
        let url = format!("{}?ticket={}", a.body["endpoint"].as_str().unwrap(), a.body["ticket"].as_str().unwrap());
        match tokio_tungstenite::connect_async(url).await {
            Err(tokio_tungstenite::tungstenite::Error::Http(r)) => assert_eq!(r.status(), 503),
            other => panic!("a third connection must be refused: {other:?}"),
        }
        // Another app is not affected.
        let _crm = connect(&app, CRM).await;
    }

    async fn outside_emulator_mode_callbacks_go_only_where_the_operator_allows(backend: Backend) {
        let closed = TestApp::spawn(backend.clone()).await;
        let body = json!({"url": "http://127.0.0.1:1/cb", "token": "cbtoken123",
            "aesKey": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"});
        let r = closed.send(closed.admin(reqwest::Method::PUT, &format!("/apps/{}/event-callback", DIR.0)).json(&body)).await;
        r.assert_error(400, "InvalidParameter");
        assert!(r.body["message"].as_str().unwrap().contains("callback_allow"), "{}", r.body);
        for bad in ["ftp://example.com/cb", "not a url", "http:///nohost"] {
            let r = closed.send(closed.admin(reqwest::Method::PUT, &format!("/apps/{}/event-callback", DIR.0))
                .json(&json!({"url": bad, "token": "cbtoken123", "aesKey": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"}))).await;
            r.assert_error(400, "InvalidParameter");
        }
        drop(closed);
        let open_to = TestApp::spawn_with(backend, |c| {
            c.events.callback_allow = vec!["http://127.0.0.1:1/".into()];
            c.events.ack_timeout_ms = 1000;
        }).await;
        let r = open_to.send(open_to.admin(reqwest::Method::PUT, &format!("/apps/{}/event-callback", DIR.0)).json(&body)).await;
        r.assert_error(400, "InvalidParameter");
        assert!(r.body["message"].as_str().unwrap().contains("check_url"), "allowed, then checked: {}", r.body);
    }

    async fn many_idle_connections_are_held_and_forgotten_when_they_go(backend: Backend) {
        let app = TestApp::spawn_with(backend, |c| {
            c.emulator.enabled = true;
            c.events.max_connections_per_app = 400;
        }).await;
        let mut sockets = Vec::new();
        for _ in 0..300 {
            sockets.push(connect(&app, DIR).await);
        }
        assert_eq!(app.core.stream.len(), 300);
        assert_eq!(open(&app, DIR).await.status, 200, "the server still answers");
        drop(sockets);
        for _ in 0..200 {
            if app.core.stream.is_empty() { break; }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        assert!(app.core.stream.is_empty(), "{} connections left", app.core.stream.len());
    }

    async fn a_seed_file_declares_an_apps_callback(backend: Backend) {
        let app = emulator(backend).await;
        let seed = |key: &str| json!({"apps": [{"clientId": DIR.0, "clientSecret": DIR.1,
            "name": "Acme Directory", "owner": ACME, "distribution": "internal",
            "eventCallback": {"url": "http://127.0.0.1:9/hooks/dingtalk", "token": "cbtoken123", "aesKey": key}}]});
        let good = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
        let r = app.post_json("/_opending/seed", &seed(good)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.body["updated"].to_string().contains("eventCallback"), "{}", r.body);
        let again = app.post_json("/_opending/seed", &seed(good)).await;
        assert!(!again.body["updated"].to_string().contains("eventCallback"), "unchanged: {}", again.body);
        let got = app.send(app.admin(reqwest::Method::GET, &format!("/apps/{}/event-callback", DIR.0))).await;
        assert_eq!(got.body["url"], "http://127.0.0.1:9/hooks/dingtalk");
        let bad = app.post_json("/_opending/seed", &seed("too-short")).await;
        bad.assert_error(400, "InvalidParameter");
    }

    async fn an_event_refused_max_attempts_times_is_given_up_and_the_next_one_flows(backend: Backend) {
        let app = TestApp::spawn_with(backend, |c| {
            c.emulator.enabled = true;
            c.events.max_attempts = 2;
            c.events.retry_base_ms = 50;
            c.events.poll_interval_ms = 50;
        }).await;
        let mut ws = connect(&app, DIR).await;
        let first = raise(&app, json!({"eventType": "org_dept_create", "corpId": ACME, "data": {"deptId": [1]}})).await;
        let first = first.body["events"][0]["eventId"].as_str().unwrap().to_owned();
        let second = raise(&app, json!({"eventType": "org_dept_create", "corpId": ACME, "data": {"deptId": [2]}})).await;
        let second = second.body["events"][0]["eventId"].as_str().unwrap().to_owned();
        for _ in 0..2 {
            let f = next_event(&mut ws).await;
            assert_eq!(f["headers"]["eventId"], first.as_str());
            ack(&mut ws, &f, 500, json!({})).await;
        }
        let failed = event_until(&app, &first, |e| e["state"] == "failed").await;
        assert_eq!(failed["attempts"], 2);
        assert!(failed.get("nextAttemptAt").is_none(), "{failed}");
        let f = next_event(&mut ws).await;
        assert_eq!(f["headers"]["eventId"], second.as_str(), "the app's queue moves on");
        ack(&mut ws, &f, 200, json!({})).await;
        event_until(&app, &second, |e| e["state"] == "acked").await;
        let listed = app.send(app.http.get(format!("{}/_opending/events?state=failed", app.base))).await;
        assert_eq!(listed.body.as_array().unwrap().len(), 1, "{}", listed.body);
        app.send(app.http.get(format!("{}/_opending/events?state=nope", app.base))).await
            .assert_error(400, "InvalidParameter");
    }

    async fn installation_grants_and_member_changes_reach_a_third_party_app(backend: Backend) {
        let app = emulator(backend).await;
        let admin = |m: reqwest::Method, p: &str| app.admin(m, p);
        // CRM (a third-party app) is installed in Acme, adds the member point, Acme grants it.
        let r = app.send(admin(reqwest::Method::PUT, &format!("/apps/{}/installations/{ACME}", CRM.0))).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let r = app.send(admin(reqwest::Method::PUT, &format!("/apps/{}/points/qyapi_get_member", CRM.0))).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let r = app.send(admin(reqwest::Method::POST, &format!("/apps/{}/installations/{ACME}/grants", CRM.0))
            .json(&json!({"points": ["qyapi_get_member"]}))).await;
        assert_eq!(r.status, 200, "{}", r.body);
        // Bob's title changes.
        let r = app.send(admin(reqwest::Method::PATCH, &format!("/orgs/{ACME}/members/{}/profile", BOB.0))
            .json(&json!({"title": "Lead"}))).await;
        assert_eq!(r.status, 200, "{}", r.body);
        // Suspended, then resumed, then removed.
        for (m, p) in [
            (reqwest::Method::POST, format!("/apps/{}/installations/{ACME}/suspend", CRM.0)),
            (reqwest::Method::PUT, format!("/apps/{}/installations/{ACME}", CRM.0)),
            (reqwest::Method::DELETE, format!("/apps/{}/installations/{ACME}", CRM.0)),
        ] {
            let r = app.send(admin(m, &p)).await;
            assert!(r.status < 300, "{p}: {}", r.body);
        }
        let list = app.send(app.http.get(format!("{}/_opending/events?clientId={}", app.base, CRM.0))).await;
        let events = list.body.as_array().unwrap();
        let types: Vec<&str> = events.iter().map(|e| e["eventType"].as_str().unwrap()).collect();
        assert_eq!(types, ["org_suite_auth", "org_suite_change", "user_modify_org",
            "org_micro_app_stop", "org_micro_app_restore", "org_suite_relieve"], "{}", list.body);
        let auth = &events[0]["data"];
        assert_eq!((auth["AuthCorpId"].as_str(), auth["SuiteKey"].as_str()), (Some(ACME), Some(CRM.0)));
        assert!(auth["AgentId"].as_i64().is_some() && auth["TimeStamp"].as_i64().is_some(), "{auth}");
        assert_eq!(events[1]["data"]["Scopes"], json!(["qyapi_get_member"]));
        // A third-party app gets the whole user, without mobile or email.
        let user = &events[2]["data"];
        assert_eq!((user["userid"].as_str(), user["position"].as_str()), (Some("bob"), Some("Lead")), "{user}");
        assert_eq!(user["errcode"], 0);
        assert!(user.get("mobile").is_none() && user.get("email").is_none(), "{user}");
        // The internal directory app gets the diff.
        let dir = app.send(app.http.get(format!("{}/_opending/events?clientId={}&eventType=user_modify_org", app.base, DIR.0))).await;
        let diff = &dir.body[0]["data"]["diffInfo"];
        assert_eq!((diff["prev"]["position"].as_str(), diff["curr"]["position"].as_str()), (Some("Engineer"), Some("Lead")), "{}", dir.body);
    }
}
