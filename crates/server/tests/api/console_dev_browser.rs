//! The developer backend and the operator pages in a real browser: Debian's headless Chromium,
//! driven by playwright-core from `tests/browser/console-dev.e2e.cjs`, against the server
//! running in this process. Alice signs in, creates an app, reads the secret the page shows
//! once, gets an app token with it through `POST /v1.0/oauth2/{corpId}/token`, adds
//! `Contact.Org.Read` and sees the same token read authInfos, rotates the secret and sees the
//! old one refused, and deletes the app; the operator signs in with the admin key and works
//! the orgs, users and point catalogue pages. Its screenshots are those of `docs/console/`
//! (see `docs/console.md`; `OPENDING_UPDATE_SCREENSHOTS=1` writes them there).
//!
//! SQLite only, and the same skip/require policy as `browser.rs`: without Chromium, node or
//! playwright-core it says what is missing and skips, unless `OPENDING_REQUIRE_BROWSER=1`.

use crate::{browser_helpers::*, helpers::*};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_developer_console_and_operator_pages_in_headless_chromium() {
    if skip_browser_test("console browser test") {
        return;
    }
    let app = TestApp::spawn(Backend::sqlite()).await;
    let world = json!({
        "acme": ACME,
        "hr": HR.0,
        "alice": {"login": ALICE.1, "password": ALICE.2},
    });
    BrowserScript {
        script: "console-dev.e2e.cjs",
        world,
        shots_dir: "docs/console",
        env: vec![("OPENDING_ADMIN_KEY", ADMIN_KEY.to_owned())],
        scenarios: 9,
        shots: SHOTS,
    }
    .run(&app)
    .await;
    // What the browser did is in the store: the custom point and the operator's org.
    let points = app.core.store.list_points().await.unwrap();
    assert!(points
        .iter()
        .any(|p| p.code.as_str() == "Acme.Expense.Read"));
    let orgs = app.core.store.list_orgs().await.unwrap();
    assert!(orgs.iter().any(|o| o.name == "Umbrella Corp"));
    app.stop_soon().await;
}

/// The screenshots the script writes in docs/console/.
const SHOTS: &[&str] = &[
    "dev-list-en",
    "dev-list-zh",
    "dev-list-phone-zh",
    "dev-new-en",
    "dev-new-phone-zh",
    "dev-secret-en",
    "dev-app-en",
    "dev-app-zh",
    "dev-app-phone-zh",
    "dev-app-error-en",
    "dev-rotate-confirm-en",
    "dev-rotated-en",
    "dev-delete-confirm-en",
    "operator-login-en",
    "operator-orgs-en",
    "operator-orgs-zh",
    "operator-users-en",
    "operator-points-en",
    "operator-points-phone-zh",
];
