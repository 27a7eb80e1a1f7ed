//! The request journal: counters per route, and entries without secrets.

use crate::helpers::*;

const TOKEN_ROUTE: &str = "/v1.0/oauth2/{corp_id}/token";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_journal_counts_requests_and_records_no_secrets() {
    let app = TestApp::spawn_with(Backend::sqlite(), |c| c.emulator.enabled = true).await;
    for _ in 0..3 {
        app.token_value(ACME, HR).await;
    }
    app.app_token(ACME, (HR.0, "wrong-secret-0000000")).await;
    assert_eq!(app.core.journal.count("POST", TOKEN_ROUTE), 4);
    let entries = app.core.journal.entries(&Default::default());
    let last = entries.last().unwrap();
    assert_eq!(last.route.as_deref(), Some(TOKEN_ROUTE));
    assert_eq!(last.status, 400);
    assert_eq!(last.error_code.as_deref(), Some("invalid.client"));
    assert_eq!(last.client_id.as_deref(), Some(HR.0));
    let dump = serde_json::to_string(&entries).unwrap();
    assert!(
        !dump.contains(HR.1) && !dump.contains("wrong-secret"),
        "{dump}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_emulator_only_counters_are_kept() {
    let app = TestApp::spawn(Backend::sqlite()).await;
    app.token_value(ACME, HR).await;
    assert_eq!(app.core.journal.count("POST", TOKEN_ROUTE), 1);
    assert!(app.core.journal.entries(&Default::default()).is_empty());
}
