//! Seed documents: applied at start and through the admin API; idempotent.

use crate::helpers::*;
use reqwest::Method;

opending_testkit::both_backends! {
    async fn applying_the_start_seed_again_changes_nothing(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let text = std::fs::read_to_string(world_seed()).unwrap();
        let token = app.token_value(ACME, HR).await;
        let r = app.send(app.admin(Method::POST, "/apply").body(text.clone())).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body["created"].as_array().unwrap().len(), 0, "{}", r.body);
        assert_eq!(r.body["updated"].as_array().unwrap().len(), 0, "{}", r.body);
        assert_eq!(r.body["unchanged"], 17);
        // Tokens survive a no-op apply.
        assert_eq!(app.introspect_admin(&token).await.body["active"], true);
    }

    async fn a_seed_can_change_and_extend_the_world(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let doc = r#"{"orgs":[{"corpId":"dingacme","name":"Acme Renamed"},{"corpId":"dingnew","name":"New Org"}],
            "apps":[{"clientId":"dingacmehr","clientSecret":"a-brand-new-secret-123","name":"Acme HR","owner":"dingacme","distribution":"internal"},
                    {"clientId":"dingnewapp","name":"New App","owner":"dingnew","distribution":"internal"}],
            "installations":[{"clientId":"suitetravel","corpId":"dinginitech","status":"active"}]}"#;
        let r = app.send(app.admin(Method::POST, "/apply").body(doc)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let secret = r.body["generatedSecrets"]["dingnewapp"].as_str().unwrap().to_owned();
        assert_eq!(app.app_token("dingnew", ("dingnewapp", &secret)).await.status, 200);
        assert_eq!(app.app_token(ACME, ("dingacmehr", "a-brand-new-secret-123")).await.status, 200);
        assert_eq!(app.app_token(INITECH, TRAVEL).await.status, 200, "installation reactivated");
        let again = app.send(app.admin(Method::POST, "/apply").body(doc)).await;
        assert_eq!(again.body["created"].as_array().unwrap().len(), 0, "{}", again.body);
        assert_eq!(again.body["updated"].as_array().unwrap().len(), 0, "{}", again.body);
    }

    async fn a_seed_changes_a_users_password_and_login(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let hash_of = |login: &'static str| {
            let core = app.core.clone();
            async move { core.store.get_user_by_login(login).await.unwrap().map(|(_, h)| h) }
        };
        let verify = opending_server::service::users::verify_password;
        let alice = |login: &str, password: &str| {
            format!(r#"{{"users":[{{"unionId":"aliceUnionId0000000001","login":"{login}","password":"{password}","nick":"Alice Chen","mobile":"13800000001","stateCode":"86","email":"alice@acme.example","avatarUrl":"https://example.com/alice.png","orgs":[{{"corpId":"dingacme","role":"admin"}},{{"corpId":"dingglobex"}}]}}]}}"#)
        };
        let before = hash_of("alice").await.unwrap();
        assert!(verify("alice-password-1", &before));

        // Same password: nothing changes, the stored hash is kept.
        let r = app.send(app.admin(Method::POST, "/apply").body(alice("alice", "alice-password-1"))).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body["updated"].as_array().unwrap().len(), 0, "{}", r.body);
        assert_eq!(hash_of("alice").await.unwrap(), before);

        // A new password replaces the hash; the old one no longer verifies.
        let r = app.send(app.admin(Method::POST, "/apply").body(alice("alice", "a-new-password-2"))).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body["updated"][0], "user aliceUnionId0000000001: password", "{}", r.body);
        let after = hash_of("alice").await.unwrap();
        assert!(verify("a-new-password-2", &after));
        assert!(!verify("alice-password-1", &after));

        // A new login with the same password: the profile changes, the password does not.
        let r = app.send(app.admin(Method::POST, "/apply").body(alice("alice2", "a-new-password-2"))).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body["updated"][0], "user aliceUnionId0000000001: profile", "{}", r.body);
        assert_eq!(hash_of("alice2").await.unwrap(), after);
        assert!(hash_of("alice").await.is_none());

        // A new login and a new password at once.
        let r = app.send(app.admin(Method::POST, "/apply").body(alice("alice3", "a-third-password-3"))).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body["updated"][0], "user aliceUnionId0000000001: profile, password", "{}", r.body);
        assert!(verify("a-third-password-3", &hash_of("alice3").await.unwrap()));
    }

    async fn bad_seeds_are_refused_with_a_reason(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        for (doc, needle) in [
            ("orgs: [{corpId: '../x', name: X}]", "corpId"),
            ("orgs: [{corpId: dingx, name: X, color: red}]", "color"),
            ("apps: [{clientId: dingq, name: Q, owner: dingnobody, distribution: internal}]", "dingnobody"),
            ("apps: [{clientId: dingq, name: Q, owner: dingacme, distribution: sideways}]", "distribution"),
            ("installations: [{clientId: dingacmehr, corpId: dingglobex}]", "internal"),
            (": : :", "seed document"),
        ] {
            let r = app.send(app.admin(Method::POST, "/apply").body(doc)).await;
            r.assert_error(400, "InvalidParameter");
            assert!(r.body["message"].as_str().unwrap().contains(needle), "{doc}: {}", r.body);
        }
    }
}
