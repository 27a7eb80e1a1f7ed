//! The org administration pages in a real browser: headless Chromium runs
//! `tests/browser/console-org.e2e.cjs` against the server in this process. Carol (Globex's admin)
//! approves a `toAdmin` request and the app's existing token gains the point; she suspends an
//! installation and its token is refused by the real API, then resumes it. The script writes the
//! screenshots in `docs/console/org-*.png` (desktop, Chinese and English, and a phone width).
//!
//! Same policy as `browser.rs`: SQLite only; skips with a notice when Chromium, node or
//! playwright-core is missing, unless `OPENDING_REQUIRE_BROWSER=1`.

use std::{process::Command, time::Duration};

use crate::{
    browser::{assert_png, chromium, missing, repo},
    helpers::*,
};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn org_administration_in_headless_chromium() {
    if let Some(what) = missing() {
        if std::env::var("OPENDING_REQUIRE_BROWSER").as_deref() == Ok("1") {
            panic!("the browser test needs {what} (OPENDING_REQUIRE_BROWSER=1); run scripts/test to install it");
        }
        eprintln!("NOTICE: skipping the org console browser test: missing {what}; run scripts/test to install it");
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
    let shots = repo().join("docs/console");
    let mut cmd = Command::new("node");
    cmd.current_dir(repo().join("tests/browser"))
        .arg("console-org.e2e.cjs")
        .env("OPENDING_BASE", &app.base)
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
        stdout.lines().any(|l| l == "5 passed, 0 failed"),
        "every scenario ran:\n{stdout}"
    );
    // The approval is stored: CRM holds Contact.Org.Read in Globex.
    let token = app.token_value(GLOBEX, CRM).await;
    assert_eq!(app.auth_infos(Some(&token), None).await.status, 200);
    for name in [
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
    ] {
        assert_png(&shots.join(format!("{name}.png")));
    }
    tokio::time::timeout(Duration::from_secs(10), app.stop())
        .await
        .expect("the server stops");
}
