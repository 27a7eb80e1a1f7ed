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
    if !dir.join("node_modules/@alicloud/dingtalk").exists() {
        return skip_or_fail(
            "the official Node SDK (npm @alicloud/dingtalk in tests/sdk/node) is not installed",
        );
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
}
