//! DingTalk's official SDKs against the real server: the Python SDK (PyPI
//! `alibabacloud-dingtalk`) and the Node SDK (npm `@alicloud/dingtalk`, which sends chunked
//! bodies). The scripts live in `tests/sdk/`; `scripts/test` installs what they need.
//!
//! When an SDK is not installed the test says exactly what is missing and skips — unless
//! `OPENDING_REQUIRE_SDKS=1` (set by `.ci/run`), which makes that a failure.

use std::{path::PathBuf, process::Command};

use crate::helpers::*;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn required() -> bool {
    std::env::var("OPENDING_REQUIRE_SDKS").as_deref() == Ok("1")
}

fn skip_or_fail(what: &str) {
    if required() {
        panic!("{what} (OPENDING_REQUIRE_SDKS=1); run scripts/test to install it");
    }
    eprintln!("NOTICE: skipping official-SDK test: {what}; run scripts/test to install it");
}

/// The Python with the SDK installed: `.venv/bin/python` from `scripts/test`, else `python3`.
fn python() -> Option<PathBuf> {
    let venv = repo().join(".venv/bin/python");
    let candidates = [venv, PathBuf::from("python3")];
    candidates.into_iter().find(|py| {
        Command::new(py)
            .args(["-c", "import alibabacloud_dingtalk.oauth2_1_0.client"])
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

/// Runs a script and asserts it passed, showing its output either way.
fn run(mut cmd: Command, endpoint: &str) {
    let out = cmd
        .env("OPENDING_ENDPOINT", endpoint)
        .output()
        .expect("script starts");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    assert!(
        out.status.success(),
        "SDK script failed:\n{stdout}\n{stderr}"
    );
}

pub async fn python_script(app: &TestApp, script: &str) {
    python_script_with(app, script, &[]).await
}

/// Runs a Python SDK script with extra environment variables.
pub async fn python_script_with(app: &TestApp, script: &str, env: &[(&str, String)]) {
    let Some(py) = python() else {
        return skip_or_fail(
            "the official Python SDK (pip alibabacloud-dingtalk) is not installed",
        );
    };
    let mut cmd = Command::new(py);
    cmd.arg(repo().join("tests/sdk/python").join(script));
    for (k, v) in env {
        cmd.env(k, v);
    }
    let endpoint = app.base.trim_start_matches("http://").to_owned();
    tokio::task::spawn_blocking(move || run(cmd, &endpoint))
        .await
        .unwrap();
}

pub async fn node_script(app: &TestApp, script: &str) {
    let dir = repo().join("tests/sdk/node");
    for module in ["@alicloud/dingtalk", "dingtalk-stream"] {
        if !dir.join("node_modules").join(module).exists() {
            return skip_or_fail(&format!(
                "the official Node SDK (npm {module} in tests/sdk/node) is not installed"
            ));
        }
    }
    if Command::new("node").arg("--version").output().is_err() {
        return skip_or_fail("node is not on PATH");
    }
    let mut cmd = Command::new("node");
    cmd.current_dir(&dir).arg(script);
    let endpoint = app.base.trim_start_matches("http://").to_owned();
    tokio::task::spawn_blocking(move || run(cmd, &endpoint))
        .await
        .unwrap();
}

opending_testkit::both_backends! {
    async fn python_sdk_gets_app_tokens_and_sees_error_codes(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        python_script(&app, "app_token.py").await;
    }

    async fn node_sdk_gets_app_tokens_with_chunked_bodies(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        node_script(&app, "app_token.cjs").await;
    }

    async fn legacy_python_sdk_gets_the_shared_token_and_sees_errcodes(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let v1 = app.post_json("/v1.0/oauth2/accessToken", &serde_json::json!({"appKey": HR.0, "appSecret": HR.1})).await;
        assert_eq!(v1.status, 200, "{}", v1.body);
        let token = v1.body["accessToken"].as_str().unwrap().to_owned();
        python_script_with(&app, "legacy_token.py", &[("OPENDING_V1_TOKEN", token)]).await;
    }

    async fn legacy_python_sdk_resolves_a_unionid_and_reads_the_member(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        python_script(&app, "directory.py").await;
    }

    async fn both_python_clients_get_the_same_jsapi_ticket(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        python_script(&app, "jsapi_ticket.py").await;
    }

    async fn python_sdk_reads_org_auth_info_and_its_errors(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        python_script(&app, "contact.py").await;
    }

    async fn python_sdk_exchanges_codes_and_reads_me(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let plain = app.hr_code(ALICE, "Contact.User.Read", "").await;
        let mobile = app.hr_code(ALICE, "Contact.User.Read", "Contact.User.mobile").await;
        python_script_with(&app, "user_token.py", &[("OPENDING_CODE", plain), ("OPENDING_CODE_MOBILE", mobile)]).await;
    }

    async fn python_sdk_isv_sso_and_auth_rule_calls_work_unmodified(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let ticket = app.send(app.admin(reqwest::Method::GET, &format!("/apps/{}/suite-ticket", TRAVEL.0))).await.body["suiteTicket"].as_str().unwrap().to_owned();
        let sso_code = crate::sso::carol_opens_travel(&app).await;
        let code = app.hr_code(ALICE, "Contact.User.Read", "").await;
        let user = app.exchange(&code).await.body["accessToken"].as_str().unwrap().to_owned();
        python_script_with(&app, "isv_sso.py", &[("OPENDING_SUITE_TICKET", ticket), ("OPENDING_SSO_CODE", sso_code), ("OPENDING_USER_TOKEN", user)]).await;
    }

    async fn python_stream_sdk_receives_and_acks_an_emulated_event(backend: Backend) {
        let app = fast_events(backend).await;
        let endpoint = app.base.clone();
        python_script_with(&app, "stream.py", &[("DINGTALK_OPENAPI_ENDPOINT", endpoint)]).await;
    }

    async fn node_stream_sdk_receives_an_event_and_its_redelivery(backend: Backend) {
        let app = fast_events(backend).await;
        node_script(&app, "stream.cjs").await;
    }

    async fn http_callbacks_round_trip_with_dingtalk_sdks_crypto(backend: Backend) {
        let app = fast_events(backend).await;
        let Some(mut receiver) = CallbackReceiver::start(DIR.0, "ok").await else { return };
        let set = app.send(app.admin(reqwest::Method::PUT, &format!("/apps/{}/event-callback", DIR.0))
            .json(&serde_json::json!({"url": receiver.url(), "token": CB_TOKEN, "aesKey": CB_AES_KEY}))).await;
        assert_eq!(set.status, 200, "{}", set.body);
        assert_eq!(set.body["url"], receiver.url());
        // The URL was checked the way DingTalk checks it.
        let check = receiver.next_event().await;
        assert_eq!(check["EventType"], "check_url");

        let raised = app.post_json("/_opending/events", &serde_json::json!({
            "eventType": "org_dept_create", "corpId": ACME, "data": {"deptId": [555]}})).await;
        assert_eq!(raised.status, 201, "{}", raised.body);
        let id = raised.body["events"][0]["eventId"].as_str().unwrap().to_owned();
        let pushed = receiver.next_event().await;
        assert_eq!(pushed["EventType"], "org_dept_create");
        assert_eq!(pushed["CorpId"], ACME);
        assert_eq!(pushed["deptId"], serde_json::json!([555]));
        assert_eq!(pushed["eventId"], id.as_str());
        let done = crate::events::wait_for_state(&app, &id, "acked").await;
        assert_eq!(done["deliveries"][0]["channel"], "http");
        assert_eq!(done["deliveries"][0]["outcome"], "acked");
        let got = app.send(app.admin(reqwest::Method::GET, &format!("/apps/{}/event-callback", DIR.0))).await;
        assert_eq!(got.body["url"], receiver.url());
        assert!(got.body.get("token").is_none() && got.body.get("aesKey").is_none(), "{}", got.body);
        let gone = app.send(app.admin(reqwest::Method::DELETE, &format!("/apps/{}/event-callback", DIR.0))).await;
        assert_eq!(gone.status, 204);
    }

    async fn a_callback_that_answers_wrongly_is_refused_at_registration_and_retried_after(backend: Backend) {
        let app = fast_events(backend).await;
        let Some(html) = CallbackReceiver::start(DIR.0, "html").await else { return };
        let set = app.send(app.admin(reqwest::Method::PUT, &format!("/apps/{}/event-callback", DIR.0))
            .json(&serde_json::json!({"url": html.url(), "token": CB_TOKEN, "aesKey": CB_AES_KEY}))).await;
        set.assert_error(400, "InvalidParameter");
        assert!(set.body["message"].as_str().unwrap().contains("check_url"), "{}", set.body);
        // Another app's own id: the receiver cannot decrypt what is meant for someone else.
        let Some(other) = CallbackReceiver::start("dingsomeoneelse", "ok").await else { return };
        let set = app.send(app.admin(reqwest::Method::PUT, &format!("/apps/{}/event-callback", DIR.0))
            .json(&serde_json::json!({"url": other.url(), "token": CB_TOKEN, "aesKey": CB_AES_KEY}))).await;
        set.assert_error(400, "InvalidParameter");
        let bad_key = app.send(app.admin(reqwest::Method::PUT, &format!("/apps/{}/event-callback", DIR.0))
            .json(&serde_json::json!({"url": other.url(), "token": CB_TOKEN, "aesKey": "short"}))).await;
        bad_key.assert_error(400, "InvalidParameter");
        // A redirect is not followed, and a URL that never answers is given up on.
        for mode in ["redirect", "hang", "wrong"] {
            let Some(r) = CallbackReceiver::start(DIR.0, mode).await else { return };
            let set = app.send(app.admin(reqwest::Method::PUT, &format!("/apps/{}/event-callback", DIR.0))
                .json(&serde_json::json!({"url": r.url(), "token": CB_TOKEN, "aesKey": CB_AES_KEY}))).await;
            set.assert_error(400, "InvalidParameter");
        }
        // Unreachable.
        let nowhere = app.send(app.admin(reqwest::Method::PUT, &format!("/apps/{}/event-callback", DIR.0))
            .json(&serde_json::json!({"url": "http://127.0.0.1:1/cb", "token": CB_TOKEN, "aesKey": CB_AES_KEY}))).await;
        nowhere.assert_error(400, "InvalidParameter");

        // Registered, then the endpoint goes away: each push fails and is retried, until a
        // working endpoint is registered and takes it.
        let Some(mut first) = CallbackReceiver::start(DIR.0, "ok").await else { return };
        let set = app.send(app.admin(reqwest::Method::PUT, &format!("/apps/{}/event-callback", DIR.0))
            .json(&serde_json::json!({"url": first.url(), "token": CB_TOKEN, "aesKey": CB_AES_KEY}))).await;
        assert_eq!(set.status, 200, "{}", set.body);
        assert_eq!(first.next_event().await["EventType"], "check_url");
        drop(first);
        let raised = app.post_json("/_opending/events", &serde_json::json!({
            "eventType": "org_dept_modify", "corpId": ACME, "data": {"deptId": [100]}})).await;
        let id = raised.body["events"][0]["eventId"].as_str().unwrap().to_owned();
        let mut failing = serde_json::Value::Null;
        for _ in 0..200 {
            let list = app.send(app.http.get(format!("{}/_opending/events?clientId={}", app.base, DIR.0))).await;
            failing = list.body.as_array().unwrap().iter().find(|e| e["eventId"] == id.as_str()).cloned().unwrap();
            if failing["attempts"].as_i64().unwrap() >= 2 { break; }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(failing["state"], "pending", "{failing}");
        assert_eq!(failing["deliveries"][0]["outcome"], "unreachable", "{failing}");
        let Some(mut second) = CallbackReceiver::start(DIR.0, "ok").await else { return };
        let set = app.send(app.admin(reqwest::Method::PUT, &format!("/apps/{}/event-callback", DIR.0))
            .json(&serde_json::json!({"url": second.url(), "token": CB_TOKEN, "aesKey": CB_AES_KEY}))).await;
        assert_eq!(set.status, 200, "{}", set.body);
        assert_eq!(second.next_event().await["EventType"], "check_url");
        assert_eq!(second.next_event().await["eventId"], id.as_str());
        crate::events::wait_for_state(&app, &id, "acked").await;
    }
}

/// An emulator with fast event retries (and a 2 s answer timeout, for the callback that hangs).
async fn fast_events(backend: Backend) -> TestApp {
    TestApp::spawn_with(backend, |c| {
        c.emulator.enabled = true;
        c.events.ack_timeout_ms = 2000;
        c.events.retry_base_ms = 50;
        c.events.retry_max_ms = 200;
        c.events.poll_interval_ms = 50;
    })
    .await
}

pub const CB_TOKEN: &str = "cbtoken123";
pub const CB_AES_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

/// `tests/sdk/python/callback_server.py`: a callback endpoint on dingtalk-sdk's crypto.
pub struct CallbackReceiver {
    child: tokio::process::Child,
    lines: tokio::io::Lines<tokio::io::BufReader<tokio::process::ChildStdout>>,
    port: u16,
}

impl CallbackReceiver {
    pub async fn start(own_id: &str, mode: &str) -> Option<Self> {
        use tokio::io::AsyncBufReadExt;
        let Some(py) = python() else {
            skip_or_fail(
                "the Python SDKs (scripts/test installs them into .venv) are not installed",
            );
            return None;
        };
        let mut child = tokio::process::Command::new(py)
            .arg(repo().join("tests/sdk/python/callback_server.py"))
            .args([CB_TOKEN, CB_AES_KEY, own_id, mode])
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("callback server starts");
        let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let first = lines
            .next_line()
            .await
            .unwrap()
            .expect("it prints its port");
        let port = first.strip_prefix("port ").unwrap().parse().unwrap();
        Some(Self { child, lines, port })
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/dingtalk/callback", self.port)
    }

    /// The next plaintext the receiver decrypted.
    pub async fn next_event(&mut self) -> serde_json::Value {
        let line = tokio::time::timeout(std::time::Duration::from_secs(15), self.lines.next_line())
            .await
            .expect("a push within 15 s")
            .unwrap()
            .expect("the receiver is running");
        match line.strip_prefix("event ") {
            Some(json) => serde_json::from_str(json).unwrap(),
            None => panic!("the receiver refused a push: {line}"),
        }
    }
}

impl Drop for CallbackReceiver {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}
