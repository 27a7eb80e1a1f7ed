//! Emulator mode: every control, on the in-memory store and on SQLite; absent when off;
//! deterministic runs are byte-identical.

use crate::helpers::*;
use reqwest::Method;
use serde_json::{json, Value};

async fn emulator(memory: bool) -> TestApp {
    TestApp::spawn_with(Backend::sqlite(), |c| {
        c.emulator.enabled = true;
        c.memory = memory;
    })
    .await
}

impl TestApp {
    async fn emu(&self, method: Method, path: &str, body: Option<Value>) -> Answer {
        let mut req = self
            .http
            .request(method, format!("{}/_opending{path}", self.base));
        if let Some(b) = body {
            req = req.json(&b);
        }
        self.send(req).await
    }
}

macro_rules! memory_and_sqlite {
    ($(async fn $name:ident($app:ident) $body:block)*) => {
        mod memory { use super::*; $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { let $app = emulator(true).await; $body } )* }
        mod on_sqlite { use super::*; $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() { let $app = emulator(false).await; $body } )* }
    };
}

memory_and_sqlite! {
    async fn ping_answers_an_empty_object(app) {
        let r = app.emu(Method::GET, "/ping", None).await;
        assert_eq!((r.status, r.body.clone()), (200, json!({})));
    }

    async fn reset_returns_to_the_start_seed(app) {
        let token = app.token_value(ACME, HR).await;
        let r = app.send(app.admin(Method::POST, "/orgs").json(&json!({"name": "Temp", "corpId": "dingtemp"}))).await;
        assert_eq!(r.status, 201);
        app.emu(Method::POST, "/clock", Some(json!({"advanceSeconds": 100}))).await;
        let reset = app.emu(Method::POST, "/reset", None).await;
        assert_eq!(reset.status, 200, "{}", reset.body);
        assert_eq!(reset.body["created"].as_array().unwrap().len(), 17);
        app.send(app.admin(Method::GET, "/orgs/dingtemp")).await.assert_error(404, "NotFound");
        app.auth_infos(Some(&token), None).await.assert_error(400, "InvalidAuthentication");
        assert_eq!(app.emu(Method::GET, "/clock", None).await.body["offsetSeconds"], 0);
        assert_eq!(app.token_value(ACME, HR).await.len(), 32, "the seed's apps work again");
    }

    async fn seeds_apply_at_runtime(app) {
        let doc = "orgs: [{corpId: dingruntime, name: Runtime Org}]\napps: [{clientId: dingruntimeapp, clientSecret: runtime-secret-0123456789, name: R, owner: dingruntime, distribution: internal}]";
        let r = app.send(app.http.post(format!("{}/_opending/seed", app.base)).header("content-type", "application/yaml").body(doc)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(app.app_token("dingruntime", ("dingruntimeapp", "runtime-secret-0123456789")).await.status, 200);
        let bad = app.send(app.http.post(format!("{}/_opending/seed", app.base)).body("orgs: [{corpId: '../x'}]")).await;
        bad.assert_error(400, "InvalidParameter");
    }

    async fn the_clock_drives_expiry(app) {
        let token = app.token_value(ACME, HR).await;
        let before = app.emu(Method::GET, "/clock", None).await.body["now"].as_i64().unwrap();
        let c = app.emu(Method::POST, "/clock", Some(json!({"advanceSeconds": 7200}))).await;
        assert_eq!(c.body["now"].as_i64().unwrap() - before, 7200);
        app.auth_infos(Some(&token), None).await.assert_error(400, "InvalidAuthentication");
        let set = app.emu(Method::POST, "/clock", Some(json!({"now": before}))).await;
        assert_eq!(set.body["now"], before);
        assert_eq!(app.auth_infos(Some(&token), None).await.status, 200, "back in time, the token lives again");
        app.emu(Method::POST, "/clock", Some(json!({"now": 1, "advanceSeconds": 2}))).await.assert_error(400, "InvalidParameter");
        // Regression (schemathesis): extreme values used to overflow the clock, after which
        // every request panicked; now they are refused and the clock keeps working.
        for body in [json!({"advanceSeconds": i64::MAX}), json!({"advanceSeconds": i64::MIN}), json!({"now": i64::MAX}), json!({"now": -1})] {
            app.emu(Method::POST, "/clock", Some(body)).await.assert_error(400, "InvalidParameter");
        }
        assert_eq!(app.emu(Method::GET, "/clock", None).await.status, 200);
        assert_eq!(app.token_value(ACME, HR).await.len(), 32);
    }

    async fn mint_codes_list_expire_and_revoke(app) {
        let m = app.emu(Method::POST, "/codes", Some(json!({"clientId": HR.0, "unionId": ALICE.0, "corpId": ACME, "scopes": ["Contact.User.Read", "Contact.User.mobile"]}))).await;
        assert_eq!(m.status, 201, "{}", m.body);
        let code = m.body["authCode"].as_str().unwrap().to_owned();
        let t = app.exchange(&code).await;
        assert_eq!(t.status, 200, "{}", t.body);
        let access = t.body["accessToken"].as_str().unwrap().to_owned();
        assert_eq!(app.user_info(&access, "me").await.body["mobile"], "13800000001");
        let app_token = app.token_value(ACME, HR).await;
        let list = app.emu(Method::GET, "/tokens", None).await;
        let items = list.body.as_array().unwrap();
        let code_row = items.iter().find(|i| i["kind"] == "auth_code").unwrap();
        assert_eq!(code_row["value"], code.as_str(), "backdoor codes show their plaintext");
        assert_eq!(code_row["active"], false, "used");
        let user_row = items.iter().find(|i| i["kind"] == "user_access_token").unwrap();
        assert!(user_row.get("value").is_none(), "tokens issued normally never show plaintext");
        let app_row = items.iter().find(|i| i["kind"] == "app_access_token").unwrap();
        assert!(app_row.get("value").is_none());
        // Expire and revoke by id.
        let e = app.emu(Method::POST, &format!("/tokens/{}/expire", app_row["id"].as_str().unwrap()), None).await;
        assert_eq!(e.body["expired"], true);
        app.auth_infos(Some(&app_token), None).await.assert_error(400, "InvalidAuthentication");
        let r = app.emu(Method::POST, &format!("/tokens/{}/revoke", user_row["id"].as_str().unwrap()), None).await;
        assert_eq!(r.body["revoked"], true);
        app.user_info(&access, "me").await.assert_error(400, "InvalidAuthentication");
        app.emu(Method::POST, "/tokens/zz/revoke", None).await.assert_error(400, "InvalidParameter");
        // The backdoor keeps the rules: only points the app added, only members.
        let bad = app.emu(Method::POST, "/codes", Some(json!({"clientId": HR.0, "unionId": CAROL.0, "corpId": ACME, "scopes": []}))).await;
        bad.assert_error(400, "InvalidParameter");
        let bad = app.emu(Method::POST, "/codes", Some(json!({"clientId": HR.0, "unionId": ALICE.0, "scopes": ["Todo.Todo.Write"]}))).await;
        bad.assert_error(400, "InvalidParameter");
    }

    async fn the_journal_counts_and_filters_requests(app) {
        app.token_value(ACME, HR).await;
        app.token_value(GLOBEX, TRAVEL).await;
        app.app_token(ACME, (HR.0, "wrong-secret-0000000")).await;
        let all = app.emu(Method::GET, "/requests?pathPrefix=/v1.0/oauth2/", None).await;
        assert_eq!(all.body.as_array().unwrap().len(), 3, "{}", all.body);
        let mine = app.emu(Method::GET, &format!("/requests?clientId={}&status=200", HR.0), None).await;
        assert_eq!(mine.body.as_array().unwrap().len(), 1, "{}", mine.body);
        assert_eq!(mine.body[0]["route"], "/v1.0/oauth2/{corp_id}/token");
        assert!(!all.body.to_string().contains(HR.1));
        let counts = app.emu(Method::GET, "/requests/counts", None).await;
        let token_count = counts.body.as_array().unwrap().iter().find(|c| c["route"] == "/v1.0/oauth2/{corp_id}/token").unwrap();
        assert_eq!(token_count["count"], 3);
        assert_eq!(app.emu(Method::DELETE, "/requests", None).await.body["cleared"], true);
        assert_eq!(app.emu(Method::GET, "/requests?pathPrefix=/v1.0/", None).await.body, json!([]));
    }

    async fn faults_answer_errors_add_latency_and_drop_connections(app) {
        let f = app.emu(Method::POST, "/faults", Some(json!({
            "method": "POST", "pathPrefix": "/v1.0/oauth2/", "times": 2,
            "action": {"kind": "error", "code": "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi"}}))).await;
        assert_eq!(f.status, 201, "{}", f.body);
        for _ in 0..2 {
            app.app_token(ACME, HR).await.assert_error(403, "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi");
        }
        assert_eq!(app.app_token(ACME, HR).await.status, 200, "spent after two");
        app.emu(Method::POST, "/faults", Some(json!({"pathPrefix": "/v1.0/contact/", "action": {"kind": "error", "code": "server.error", "message": "boom"}}))).await;
        let token = app.token_value(ACME, HR).await;
        let a = app.auth_infos(Some(&token), None).await;
        a.assert_error(500, "server.error");
        assert_eq!(a.body["message"], "boom");
        let list = app.emu(Method::GET, "/faults", None).await;
        assert_eq!(list.body.as_array().unwrap().len(), 1);
        let id = list.body[0]["id"].as_u64().unwrap();
        assert_eq!(app.emu(Method::DELETE, &format!("/faults/{id}"), None).await.body["cleared"], 1);
        assert_eq!(app.auth_infos(Some(&token), None).await.status, 200);
        // Latency.
        app.emu(Method::POST, "/faults", Some(json!({"pathPrefix": "/healthz", "times": 1, "action": {"kind": "latency", "ms": 300}}))).await;
        let started = std::time::Instant::now();
        app.http.get(format!("{}/healthz", app.base)).send().await.unwrap();
        assert!(started.elapsed() >= std::time::Duration::from_millis(300));
        // A dropped connection.
        app.emu(Method::POST, "/faults", Some(json!({"pathPrefix": "/healthz", "times": 1, "action": {"kind": "drop"}}))).await;
        let dropped = async { app.http.get(format!("{}/healthz", app.base)).send().await?.bytes().await }.await;
        assert!(dropped.is_err(), "the connection broke");
        assert_eq!(app.http.get(format!("{}/healthz", app.base)).send().await.unwrap().status(), 200);
        // Unknown codes and bad rules are refused.
        app.emu(Method::POST, "/faults", Some(json!({"action": {"kind": "error", "code": "No.Such"}}))).await.assert_error(400, "InvalidParameter");
        app.emu(Method::POST, "/faults", Some(json!({"probability": 2.0, "action": {"kind": "drop"}}))).await.assert_error(400, "InvalidParameter");
        assert_eq!(app.emu(Method::DELETE, "/faults", None).await.status, 200);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_control_api_is_absent_without_the_emulator() {
    let app = TestApp::spawn(Backend::sqlite()).await;
    for (m, p) in [
        (Method::GET, "/clock"),
        (Method::POST, "/reset"),
        (Method::GET, "/requests"),
        (Method::POST, "/codes"),
        (Method::GET, "/tokens"),
    ] {
        let a = app
            .send(app.http.request(m, format!("{}/_opending{p}", app.base)))
            .await;
        a.assert_error(404, "NotFound");
    }
    // And faults are never injected on a production configuration.
    assert!(app.core.emulator.is_none());
}

/// The responses of a fixed request sequence, byte for byte (bodies and request ids).
async fn transcript(seed: u64) -> Vec<String> {
    let app = TestApp::spawn_with(Backend::sqlite(), |c| {
        c.emulator.enabled = true;
        c.emulator.deterministic = Some(seed);
        c.memory = true;
        c.hash_key = None;
    })
    .await;
    let mut out = Vec::new();
    let mut record = |r: &Answer| {
        out.push(format!(
            "{} {} {}",
            r.status,
            r.headers
                .get("x-acs-request-id")
                .map(|v| v.to_str().unwrap())
                .unwrap_or(""),
            r.body
        ));
    };
    let org = app
        .send(
            app.admin(Method::POST, "/orgs")
                .json(&json!({"name": "Det"})),
        )
        .await;
    record(&org);
    let corp = org.body["corpId"].as_str().unwrap().to_owned();
    let created = app
        .send(
            app.admin(Method::POST, "/apps")
                .json(&json!({"name": "Det app", "ownerCorpId": corp, "distribution": "internal"})),
        )
        .await;
    record(&created);
    let (id, secret) = (
        created.body["clientId"].as_str().unwrap().to_owned(),
        created.body["clientSecret"].as_str().unwrap().to_owned(),
    );
    record(&app.app_token(&corp, (&id, &secret)).await);
    record(&app.app_token(&corp, (&id, "wrong-secret-000000")).await);
    record(&app.app_token(ACME, HR).await);
    let m = app.emu(Method::POST, "/codes", Some(json!({"clientId": HR.0, "unionId": ALICE.0, "corpId": ACME, "scopes": ["Contact.User.Read"]}))).await;
    record(&m);
    let t = app.exchange(m.body["authCode"].as_str().unwrap()).await;
    record(&t);
    record(
        &app.user_info(t.body["accessToken"].as_str().unwrap(), "me")
            .await,
    );
    record(&app.emu(Method::GET, "/tokens", None).await);
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deterministic_runs_are_byte_identical() {
    let a = transcript(42).await;
    let b = transcript(42).await;
    assert_eq!(a, b);
    let c = transcript(43).await;
    assert_ne!(a, c, "another seed gives other outputs");
}
