//! What the fast paths answer from memory stays authoritative and durable: the app token hot
//! path (service/app_token.rs), the contact cache (service/contact_cache.rs) and the check
//! every access token carries (domain token.rs). No timing is asserted.

use crate::helpers::*;
use opending_server::config::Config;
use reqwest::Method;
use serde_json::json;

/// Frozen clocks (deterministic emulator runs), so that every request of a test falls in the
/// same second and the hot path is taken whenever it may be.
fn frozen(c: &mut Config) {
    c.emulator.deterministic = Some(7);
}

fn corp(id: &str) -> opending_domain::CorpId {
    opending_domain::CorpId::parse(id).unwrap()
}

opending_testkit::both_backends! {
    async fn a_secret_rotated_through_another_instance_is_refused_on_the_very_next_request(backend: Backend) {
        let a = TestApp::spawn_with(backend.clone(), frozen).await;
        let b = TestApp::spawn_with(backend, frozen).await;
        let first = b.token_value(ACME, HR).await;
        assert_eq!(b.core.hot_tokens.entry_count(), 1, "the first answer is remembered");
        assert_eq!(b.token_value(ACME, HR).await, first, "the repeat is the same token");
        // A rotates: B has no in-process signal of it (on SQLite only the 250 ms poll would
        // tell it), yet its very next answer must refuse the old secret.
        let r = a.send(a.admin(Method::POST, &format!("/apps/{}/rotate-secret", HR.0))).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let new_secret = r.body["clientSecret"].as_str().unwrap().to_owned();
        b.app_token(ACME, HR).await.assert_error(400, "invalid.client");
        let fresh = b.token_value(ACME, (HR.0, &new_secret)).await;
        assert_ne!(fresh, first);
        assert_eq!(b.token_value(ACME, (HR.0, &new_secret)).await, fresh);
        b.app_token(ACME, HR).await.assert_error(400, "invalid.client");

        // Likewise a suspension through A stops B's hot answers at once.
        let t = b.token_value(GLOBEX, TRAVEL).await;
        assert_eq!(b.token_value(GLOBEX, TRAVEL).await, t);
        let s = a.send(a.admin(Method::POST, &format!("/apps/{}/installations/{GLOBEX}/suspend", TRAVEL.0))).await;
        assert!(s.status < 300, "{}", s.body);
        b.app_token(GLOBEX, TRAVEL).await.assert_error(401, "unauthorized.client");
    }

    async fn a_profile_changed_anywhere_reaches_users_me_on_every_instance(backend: Backend) {
        // users/me answers from the contact cache; a profile change is a change like any
        // other: the instance that made it answers the new profile at once, another instance
        // once the change feed reaches it (NOTIFY on PostgreSQL, a 250 ms poll on SQLite).
        let a = TestApp::spawn(backend.clone()).await;
        let b = TestApp::spawn(backend).await;
        let code = b.hr_code(ALICE, "Contact.User.Read", "Contact.User.mobile").await;
        let token = b.exchange(&code).await.body["accessToken"].as_str().unwrap().to_owned();
        let code_a = a.hr_code(ALICE, "Contact.User.Read", "Contact.User.mobile").await;
        let token_a = a.exchange(&code_a).await.body["accessToken"].as_str().unwrap().to_owned();
        for (app, t) in [(&a, &token_a), (&b, &token)] {
            let me = app.user_info(t, "me").await;
            assert_eq!((me.body["nick"].as_str(), me.body["mobile"].as_str()), (Some("Alice Chen"), Some("13800000001")), "{}", me.body);
        }
        let doc = r#"{"users":[{"unionId":"aliceUnionId0000000001","login":"alice","password":"alice-password-1","nick":"Alice Renamed","mobile":"13800000099","stateCode":"86","email":"alice@acme.example","avatarUrl":"https://example.com/alice.png","orgs":[{"corpId":"dingacme","role":"admin"},{"corpId":"dingglobex"}]}]}"#;
        let r = a.send(a.admin(Method::POST, "/apply").body(doc)).await;
        assert_eq!(r.body["updated"][0], "user aliceUnionId0000000001: profile", "{}", r.body);
        let me = a.user_info(&token_a, "me").await;
        assert_eq!((me.body["nick"].as_str(), me.body["mobile"].as_str()), (Some("Alice Renamed"), Some("13800000099")), "at once on the instance that changed it: {}", me.body);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let me = b.user_info(&token, "me").await;
            if me.body["nick"] == "Alice Renamed" {
                assert_eq!(me.body["mobile"], "13800000099");
                break;
            }
            assert!(std::time::Instant::now() < deadline, "the other instance kept the old profile: {}", me.body);
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    async fn a_token_answered_from_memory_is_valid_after_a_restart(backend: Backend) {
        let a = TestApp::spawn_with(backend.clone(), frozen).await;
        let first = a.app_token(ACME, HR).await;
        assert_eq!(first.status, 200, "{}", first.body);
        let again = a.app_token(ACME, HR).await;
        assert_eq!(again.body, first.body, "same token, same expireIn");
        let token = again.body["access_token"].as_str().unwrap().to_owned();
        a.stop().await;
        let b = TestApp::spawn_with(backend, frozen).await;
        let i = b.introspect_admin(&token).await;
        assert_eq!(i.body["active"], true, "{}", i.body);
        assert_eq!(b.auth_infos(Some(&token), None).await.status, 200);
        assert_eq!(b.token_value(ACME, HR).await, token);
    }

    async fn made_up_tokens_are_refused_before_storage_and_leave_nothing_behind(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let valid = app.token_value(ACME, HR).await;
        assert!(opending_domain::token::may_be_issued(&app.core.key, &valid));
        let refused = |a: &Answer| {
            a.assert_error(400, "InvalidAuthentication");
            assert_eq!(a.body["message"], "不合法的access_token");
        };
        // The valid token with one digit changed, and a flood of random 32-hex values.
        let last = if valid.ends_with('0') { "1" } else { "0" };
        refused(&app.auth_infos(Some(&format!("{}{last}", &valid[..31])), None).await);
        for _ in 0..100 {
            let made_up = format!("{:032x}", rand::random::<u128>());
            if opending_domain::token::may_be_issued(&app.core.key, &made_up) {
                continue; // one chance in 2^32
            }
            refused(&app.auth_infos(Some(&made_up), None).await);
        }
        assert_eq!(app.core.tokens.entry_counts().1, 0, "no negative cache entry for made-up tokens");
        // A never-issued value that carries a valid check goes to storage and is refused there.
        let checked = opending_domain::token::random_access_token(&app.core.key, &mut rand::thread_rng());
        refused(&app.auth_infos(Some(checked.expose()), None).await);
        assert_eq!(app.core.tokens.entry_counts().1, 1);
        // With the user token table gone, a checked value now fails in storage, a made-up one
        // is still refused cleanly: it never reaches storage.
        app.sql("DROP TABLE user_tokens").await;
        let checked = opending_domain::token::random_access_token(&app.core.key, &mut rand::thread_rng());
        assert_eq!(app.auth_infos(Some(checked.expose()), None).await.status, 500);
        refused(&app.auth_infos(Some("0123456789abcdef0123456789abcdef"), None).await);
        assert_eq!(app.auth_infos(Some(&valid), None).await.status, 200);
    }

    async fn org_changes_reach_the_contact_cache_of_both_instances(backend: Backend) {
        let a = TestApp::spawn(backend.clone()).await;
        let b = TestApp::spawn(backend).await;
        let token = a.token_value(GLOBEX, TRAVEL).await;
        for app in [&a, &b] {
            let r = app.auth_infos(Some(&token), None).await;
            assert_eq!(r.body, json!({"orgName": "Globex", "authLevel": 0}), "cached now");
        }
        let r = a.send(a.admin(Method::PUT, &format!("/orgs/{GLOBEX}/auth-info"))
            .json(&json!({"authLevel": 2, "legalPerson": "Hank Scorpio"}))).await;
        assert_eq!(r.status, 200, "{}", r.body);
        a.core.store.rename_org(&corp(GLOBEX), "Globex Corporation").await.unwrap();
        let expected = json!({"orgName": "Globex Corporation", "authLevel": 2, "legalPerson": "Hank Scorpio"});
        assert_eq!(a.auth_infos(Some(&token), None).await.body, expected, "at once on the instance that changed it");
        // The other instance learns it from the change feed (NOTIFY, or the SQLite poll).
        let started = std::time::Instant::now();
        loop {
            let r = b.auth_infos(Some(&token), None).await;
            assert_eq!(r.status, 200, "{}", r.body);
            if r.body == expected {
                break;
            }
            assert!(started.elapsed() < std::time::Duration::from_secs(2), "still stale: {}", r.body);
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
    }
}
