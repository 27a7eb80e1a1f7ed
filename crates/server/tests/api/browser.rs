//! A real browser through the pages: Debian's headless Chromium, driven by playwright-core from
//! `tests/browser/openauth.e2e.cjs`, against the server running in this process. The script
//! serves a small demo app (a page that loads `/sdk/openauth.js` and calls `openAuth`) on a port
//! registered here as the app's origin and redirect URI, then walks openAuth type 0 (sign-in in
//! the popup, consent, the authCode reaching the opener, the user token), Deny and a closed popup
//! (cancel), forged postMessages from a foreign origin (ignored), type 1 by a member (toAdmin,
//! then the admin approves in another browser), the browser login flow on a phone-sized screen,
//! and "my authorizations". Its screenshots are those of `docs/screenshots/` (see
//! `docs/pages.md`; `OPENDING_UPDATE_SCREENSHOTS=1` writes them there).
//!
//! Runs on SQLite only: the pages' storage paths run on both backends in `delegation.rs`, and
//! two Chromiums at once would fight over the screenshots and the machine's two cores.
//!
//! When Chromium, node or playwright-core is missing the test says exactly what and skips —
//! unless `OPENDING_REQUIRE_BROWSER=1` (set by `.ci/run`), which makes that a failure.
//! `scripts/test` installs all three.

use crate::{browser_helpers::*, helpers::*};
use reqwest::Method;
use serde_json::json;

/// A free port on 127.0.0.1 for the demo app (its origin must be registered before it runs),
/// below the kernel's ephemeral range (32768 and up here): a port the kernel hands out for
/// port 0 could be taken, between this check and the script's listen, by a server another test
/// starts meanwhile; one below the range cannot.
pub(crate) fn free_port() -> u16 {
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    (0..2000u32)
        .map(|i| 20_000 + ((seed.wrapping_add(i.wrapping_mul(7919))) % 10_000) as u16)
        .find(|p| std::net::TcpListener::bind(("127.0.0.1", *p)).is_ok())
        .expect("a free port between 20000 and 30000")
}

pub(crate) async fn register_uris(
    app: &TestApp,
    client_id: &str,
    redirect_uris: &[&str],
    origins: &[&str],
) {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openauth_and_the_browser_login_flow_in_headless_chromium() {
    if skip_browser_test("browser test") {
        return;
    }
    let app = TestApp::spawn(Backend::sqlite()).await;
    let demo_port = free_port();
    let demo = format!("http://127.0.0.1:{demo_port}");
    register_uris(&app, HR.0, &[&format!("{demo}/callback")], &[&demo]).await;
    register_uris(&app, CRM.0, &[], &[&demo]).await;
    register_uris(&app, TRAVEL.0, &[], &[&demo]).await;

    // Before: CRM's token in Globex lacks Contact.Org.Read (Globex never granted it).
    let crm_token = app.token_value(GLOBEX, CRM).await;
    app.auth_infos(Some(&crm_token), None)
        .await
        .assert_error(403, "Forbidden.AccessDenied.AccessTokenPermissionDenied");

    let user = |(union_id, login, password): (&str, &str, &str), mobile: &str| json!({"unionId": union_id, "login": login, "password": password, "mobile": mobile});
    let world = json!({
        "hr": {"clientId": HR.0, "clientSecret": HR.1},
        "crm": {"clientId": CRM.0, "clientSecret": CRM.1},
        "ops": {"clientId": OPS.0, "clientSecret": OPS.1},
        "travel": {"clientId": TRAVEL.0, "clientSecret": TRAVEL.1},
        "acme": ACME,
        "globex": GLOBEX,
        "initech": INITECH,
        "alice": user(ALICE, "13800000001"),
        "carol": user(CAROL, ""),
    });
    BrowserScript {
        script: "openauth.e2e.cjs",
        world,
        shots_dir: "docs/screenshots",
        env: vec![("OPENDING_DEMO_PORT", demo_port.to_string())],
        scenarios: 12,
        shots: SHOTS,
    }
    .run(&app)
    .await;

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

    app.stop_soon().await;
}

/// The screenshots the script writes in docs/screenshots/.
const SHOTS: &[&str] = &[
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
];

/// The demo world's openAuth test page (`serve --demo`): the demo user signs in in the popup
/// with the printed password and the code reaches the page (`tests/browser/demo.e2e.cjs`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_test_page_in_headless_chromium() {
    if skip_browser_test("demo page browser test") {
        return;
    }
    let app = TestApp::spawn_with(Backend::sqlite(), |c| c.demo = true).await;
    let w = app.demo.clone().expect("demo world");
    let world = json!({
        "clientId": w.internal_client_id,
        "clientSecret": w.secrets.clone().expect("secrets").0,
        "corpId": w.demo_corp_id,
        "login": w.user_login,
        "password": w.user_password.clone().expect("password"),
    });
    BrowserScript {
        script: "demo.e2e.cjs",
        world,
        shots_dir: "docs/screenshots",
        env: vec![],
        scenarios: 1,
        shots: &["demo-openauth-en", "demo-openauth-result-en"],
    }
    .run(&app)
    .await;
    app.stop_soon().await;
}
