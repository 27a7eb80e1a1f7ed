//! A real browser through the pages: Debian's headless Chromium, driven by playwright-core from
//! `tests/browser/openauth.e2e.cjs`, against the server running in this process. The script
//! serves a small demo app (a page that loads `/sdk/openauth.js` and calls `openAuth`) on a port
//! registered here as the app's origin and redirect URI, then walks openAuth type 0 (sign-in in
//! the popup, consent, the authCode reaching the opener, the user token), Deny and a closed popup
//! (cancel), forged postMessages from a foreign origin (ignored), type 1 by a member (toAdmin,
//! then the admin approves in another browser), the browser login flow on a phone-sized screen,
//! and "my authorizations". It writes the screenshots in `docs/screenshots/` (see
//! `docs/pages.md`).
//!
//! Runs on SQLite only: the pages' storage paths run on both backends in `delegation.rs`, and
//! two Chromiums at once would fight over the screenshots and the machine's two cores.
//!
//! When Chromium, node or playwright-core is missing the test says exactly what and skips —
//! unless `OPENDING_REQUIRE_BROWSER=1` (set by `.ci/run`), which makes that a failure.
//! `scripts/test` installs all three.

use std::{
    path::{Path, PathBuf},
    process::Command,
    time::Duration,
};

use crate::helpers::*;
use reqwest::Method;
use serde_json::json;

pub(crate) fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub(crate) fn chromium() -> PathBuf {
    std::env::var_os("OPENDING_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"))
}

/// What is missing to run the browser test, if anything.
pub(crate) fn missing() -> Option<String> {
    let mut missing = Vec::new();
    let chromium = chromium();
    if !chromium.exists() {
        missing.push(format!(
            "{} (Debian package chromium: apt-get install chromium)",
            chromium.display()
        ));
    }
    if Command::new("node").arg("--version").output().is_err() {
        missing.push("node on PATH (Debian package nodejs)".to_owned());
    }
    if !repo()
        .join("tests/browser/node_modules/playwright-core/package.json")
        .exists()
    {
        missing
            .push("npm playwright-core in tests/browser (cd tests/browser && npm ci)".to_owned());
    }
    (!missing.is_empty()).then(|| missing.join(", "))
}

/// A free port on 127.0.0.1 for the demo app (its origin must be registered before it runs).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn register_uris(app: &TestApp, client_id: &str, redirect_uris: &[&str], origins: &[&str]) {
    let a = app
        .send(
            app.admin(Method::POST, &format!("/apps/{client_id}/uris"))
                .json(&json!({"redirectUris": redirect_uris, "origins": origins})),
        )
        .await;
    assert_eq!(a.status, 200, "registering URIs of {client_id}: {}", a.body);
    for o in origins {
        assert!(
            a.body["origins"].as_array().unwrap().contains(&json!(o)),
            "{}",
            a.body
        );
    }
}

pub(crate) fn assert_png(path: &Path) {
    let bytes =
        std::fs::read(path).unwrap_or_else(|e| panic!("screenshot {}: {e}", path.display()));
    assert!(
        bytes.starts_with(b"\x89PNG\r\n\x1a\n") && bytes.len() > 5_000,
        "{} is not a real PNG screenshot",
        path.display()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openauth_and_the_browser_login_flow_in_headless_chromium() {
    if let Some(what) = missing() {
        if std::env::var("OPENDING_REQUIRE_BROWSER").as_deref() == Ok("1") {
            panic!("the browser test needs {what} (OPENDING_REQUIRE_BROWSER=1); run scripts/test to install it");
        }
        eprintln!(
            "NOTICE: skipping the browser test: missing {what}; run scripts/test to install it"
        );
        return;
    }
    let app = TestApp::spawn(Backend::sqlite()).await;
    let demo_port = free_port();
    let demo = format!("http://127.0.0.1:{demo_port}");
    register_uris(&app, HR.0, &[&format!("{demo}/callback")], &[&demo]).await;
    register_uris(&app, CRM.0, &[], &[&demo]).await;

    // Before: CRM's token in Globex lacks Contact.Org.Read (Globex never granted it).
    let crm_token = app.token_value(GLOBEX, CRM).await;
    app.auth_infos(Some(&crm_token), None)
        .await
        .assert_error(403, "Forbidden.AccessDenied.AccessTokenPermissionDenied");

    let user = |(union_id, login, password): (&str, &str, &str), mobile: &str| json!({"unionId": union_id, "login": login, "password": password, "mobile": mobile});
    let world = json!({
        "hr": {"clientId": HR.0, "clientSecret": HR.1},
        "crm": {"clientId": CRM.0, "clientSecret": CRM.1},
        "acme": ACME,
        "globex": GLOBEX,
        "alice": user(ALICE, "13800000001"),
        "carol": user(CAROL, ""),
    });
    let shots = repo().join("docs/screenshots");
    let mut cmd = Command::new("node");
    cmd.current_dir(repo().join("tests/browser"))
        .arg("openauth.e2e.cjs")
        .env("OPENDING_BASE", &app.base)
        .env("OPENDING_DEMO_PORT", demo_port.to_string())
        .env("OPENDING_WORLD", world.to_string())
        .env("OPENDING_SCREENSHOTS", &shots)
        .env("OPENDING_CHROMIUM", chromium());
    let out = tokio::task::spawn_blocking(move || cmd.output().expect("node starts"))
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    assert!(
        out.status.success(),
        "the browser test failed:\n{stdout}\n{stderr}"
    );
    assert!(
        stdout.lines().any(|l| l == "9 passed, 0 failed"),
        "every scenario ran:\n{stdout}"
    );

    // After: the same app token gained the point the admin approved in the browser.
    let a = app.auth_infos(Some(&crm_token), None).await;
    assert_eq!(a.status, 200, "{}", a.body);
    // Alice's consents from the browser are stored: type 0 in Acme, the login flow in Globex.
    let grants = app
        .core
        .store
        .user_grants(&opending_domain::UnionId::parse(ALICE.0).unwrap())
        .await
        .unwrap();
    let held = |corp: &str, code: &str| {
        grants
            .iter()
            .any(|g| g.client_id.as_str() == HR.0 && g.corp_id == corp && g.code.as_str() == code)
    };
    assert!(
        held(ACME, "Contact.User.mobile") && held(GLOBEX, "Contact.User.Read"),
        "{grants:?}"
    );

    for name in [
        "signin-zh",
        "signin-en",
        "signin-phone-zh",
        "consent-type0-zh",
        "consent-type0-en",
        "consent-error-en",
        "consent-type1-toadmin-zh",
        "consent-type1-toadmin-en",
        "authorize-phone-en",
        "authorize-phone-zh",
        "org-requests-en",
        "org-requests-zh",
        "account-zh",
        "account-en",
    ] {
        assert_png(&shots.join(format!("{name}.png")));
    }
    tokio::time::timeout(Duration::from_secs(10), app.stop())
        .await
        .expect("the server stops");
}
