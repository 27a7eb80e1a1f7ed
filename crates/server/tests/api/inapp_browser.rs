//! In-app login (免登) in a real browser: Debian's headless Chromium, driven by playwright-core
//! from `tests/browser/inapp.e2e.cjs`, against the server running in this process. The script
//! serves an H5 app on an origin registered here for Acme HR: its page loads `/sdk/dingtalk.js`,
//! signs `dd.config` with the JSAPI ticket its backend fetched (and sees `dd.ready`, or
//! `dd.error` with 52013 for a tampered signature), calls `dd.requestAuthCode` (Alice signs in in
//! the window it opens), sends the code to its backend, which exchanges it at
//! `topapi/v2/user/getuserinfo`, and shows her name; the older
//! `dd.runtime.permission.requestAuthCode` finds the app by the page's origin; an org with no
//! app serving the page fails with errorCode 3 without a window. Its screenshot is
//! `docs/screenshots/inapp-h5-signed-in.png` (`OPENDING_UPDATE_SCREENSHOTS=1` writes it there).
//!
//! SQLite only, and the skip/require policy of `browser.rs`.

use crate::{
    browser::{free_port, register_uris},
    browser_helpers::*,
    helpers::*,
};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inapp_login_of_an_h5_app_in_headless_chromium() {
    if skip_browser_test("in-app login browser test") {
        return;
    }
    let app = TestApp::spawn(Backend::sqlite()).await;
    let port = free_port();
    let h5 = format!("http://127.0.0.1:{port}");
    register_uris(&app, HR.0, &[], &[&h5]).await;
    let agent_id = app
        .core
        .store
        .get_app(&opending_domain::ClientId::parse(HR.0).unwrap())
        .await
        .unwrap()
        .unwrap()
        .agent_id();
    let world = json!({
        "hr": {"clientId": HR.0, "clientSecret": HR.1, "agentId": agent_id},
        "acme": ACME,
        "globex": GLOBEX,
        "alice": {"login": ALICE.1, "password": ALICE.2},
    });
    BrowserScript {
        script: "inapp.e2e.cjs",
        world,
        shots_dir: "docs/screenshots",
        env: vec![("OPENDING_DEMO_PORT", port.to_string())],
        scenarios: 5,
        shots: &["inapp-h5-signed-in"],
    }
    .run(&app)
    .await;
    app.stop_soon().await;
}
