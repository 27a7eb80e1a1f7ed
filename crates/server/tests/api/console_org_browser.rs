//! The org administration pages in a real browser: headless Chromium runs
//! `tests/browser/console-org.e2e.cjs` against the server in this process. Carol (Globex's admin)
//! approves a `toAdmin` request and the app's existing token gains the point; she suspends an
//! installation and its token is refused by the real API, then resumes it; the audit events tab
//! then shows both changes (and the filter by kind). The script's screenshots are
//! `docs/console/org-*.png` (desktop, Chinese and English, and a phone width;
//! `OPENDING_UPDATE_SCREENSHOTS=1` writes them there).
//!
//! Same policy as `browser.rs`: SQLite only; skips with a notice when Chromium, node or
//! playwright-core is missing, unless `OPENDING_REQUIRE_BROWSER=1` (`skip_browser_test`).

use crate::{browser_helpers::*, helpers::*};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn org_administration_in_headless_chromium() {
    if skip_browser_test("org console browser test") {
        return;
    }
    let app = TestApp::spawn(Backend::sqlite()).await;
    // Alice, a plain member of Globex, asks its admins to grant CRM Contact.Org.Read.
    let alice = app.signed_in(ALICE).await;
    let r = app
        .openauth(&alice, &json!({"type": "1", "clientId": CRM.0, "corpId": GLOBEX, "rpcScope": "Contact.Org.Read"}), "allow")
        .await;
    assert_eq!(r["status"], "toAdmin", "{r}");

    let user = |(union_id, login, password): (&str, &str, &str)| json!({"unionId": union_id, "login": login, "password": password});
    let world = json!({
        "crm": {"clientId": CRM.0, "clientSecret": CRM.1},
        "travel": {"clientId": TRAVEL.0, "clientSecret": TRAVEL.1},
        "acme": ACME,
        "globex": GLOBEX,
        "alice": user(ALICE),
        "carol": user(CAROL),
    });
    BrowserScript {
        script: "console-org.e2e.cjs",
        world,
        shots_dir: "docs/console",
        env: Vec::new(),
        scenarios: 6,
        shots: SHOTS,
    }
    .run(&app)
    .await;
    // The approval is stored: CRM holds Contact.Org.Read in Globex.
    let token = app.token_value(GLOBEX, CRM).await;
    assert_eq!(app.auth_infos(Some(&token), None).await.status, 200);
    app.stop_soon().await;
}

/// The screenshots the script writes in docs/console/.
const SHOTS: &[&str] = &[
    "org-members-en",
    "org-members-zh",
    "org-members-error-en",
    "org-requests-en",
    "org-requests-empty-en",
    "org-installations-en",
    "org-installations-zh",
    "org-installations-suspended-en",
    "org-uninstall-confirm-en",
    "org-certification-en",
    "org-certification-zh",
    "org-certification-empty-en",
    "org-forbidden-en",
    "org-members-phone-zh",
    "org-installations-phone-zh",
    "org-requests-phone-zh",
    "org-certification-phone-zh",
    "org-audit-en",
    "org-audit-zh",
    "org-audit-filtered-en",
    "org-audit-empty-en",
    "org-audit-phone-zh",
];
