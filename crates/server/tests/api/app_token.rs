//! `POST /v1.0/oauth2/{corpId}/token` and the legacy `POST /v1.0/oauth2/accessToken`.

use crate::helpers::*;
use serde_json::json;

opending_testkit::both_backends! {
    async fn internal_app_gets_a_token_in_its_org(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let a = app.app_token(ACME, HR).await;
        assert_eq!(a.status, 200, "{}", a.body);
        let obj = a.body.as_object().unwrap();
        assert_eq!(obj.len(), 2, "exactly access_token and expires_in: {}", a.body);
        let token = a.body["access_token"].as_str().expect("access_token is a string");
        assert_eq!(token.len(), 32);
        assert!(token.bytes().all(|b| b.is_ascii_hexdigit()));
        assert!(a.body["expires_in"].is_i64(), "expires_in is a JSON integer");
        assert_eq!(a.body["expires_in"], 7200);
        assert_eq!(a.headers["cache-control"], "no-store");
        assert!(a.headers.contains_key("x-acs-request-id"));
    }

    async fn repeat_requests_get_the_same_token_renewed(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let first = app.token_value(ACME, HR).await;
        let exp1 = app.introspect_admin(&first).await.body["exp"].as_i64().unwrap();
        app.core.clock.advance(3000);
        let a = app.app_token(ACME, HR).await;
        assert_eq!(a.body["access_token"], first.as_str());
        assert_eq!(a.body["expires_in"], 7200, "renewed to a full lifetime");
        let exp2 = app.introspect_admin(&first).await.body["exp"].as_i64().unwrap();
        assert_eq!(exp2 - exp1, 3000, "expiry moved with the renewal");
    }

    async fn a_new_token_after_expiry(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let first = app.token_value(ACME, HR).await;
        app.core.clock.advance(7199);
        assert_eq!(app.introspect_admin(&first).await.body["active"], true);
        app.core.clock.advance(1);
        assert_eq!(app.introspect_admin(&first).await.body["active"], false, "expired at exactly 7200 s");
        let second = app.token_value(ACME, HR).await;
        assert_ne!(first, second);
        assert_eq!(app.introspect_admin(&second).await.body["active"], true);
        assert_eq!(app.introspect_admin(&first).await.body["active"], false);
    }

    async fn tokens_are_per_app_and_org(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let travel_globex = app.token_value(GLOBEX, TRAVEL).await;
        let ops_globex = app.token_value(GLOBEX, OPS).await;
        let r = app.send(app.admin(reqwest::Method::PUT, "/apps/suitetravel/installations/dingacme")).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let travel_acme = app.token_value(ACME, TRAVEL).await;
        assert_ne!(travel_globex, ops_globex);
        assert_ne!(travel_globex, travel_acme);
        let i = app.introspect_admin(&travel_acme).await;
        assert_eq!((i.body["client_id"].as_str(), i.body["corp_id"].as_str()), (Some("suitetravel"), Some(ACME)));
    }

    async fn unknown_client_and_wrong_secret_get_one_answer(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let unknown = app.app_token(ACME, ("dingnosuchapp", "whatever-secret-123")).await;
        let wrong = app.app_token(ACME, (HR.0, "wrong-secret-0123456789")).await;
        let malformed_id = app.app_token(ACME, ("no/such app", "x")).await;
        for a in [&unknown, &wrong, &malformed_id] {
            a.assert_error(400, "invalid.client");
            assert_eq!(a.body["message"], "invalid.client");
        }
        let strip = |v: &serde_json::Value| {
            let mut v = v.clone();
            v.as_object_mut().unwrap().remove("requestid");
            v
        };
        assert_eq!(strip(&unknown.body), strip(&wrong.body));
        // A secret of another app does not work either.
        app.app_token(ACME, (HR.0, TRAVEL.1)).await.assert_error(400, "invalid.client");
    }

    async fn only_client_credentials_is_supported(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        for grant in ["authorization_code", "password", "CLIENT_CREDENTIALS"] {
            let a = app.post_json(
                &format!("/v1.0/oauth2/{ACME}/token"),
                &json!({"client_id": HR.0, "client_secret": HR.1, "grant_type": grant}),
            ).await;
            a.assert_error(400, "unsupported.grant.type");
            assert_eq!(a.body["message"], "unsupported.grant.type");
        }
    }

    async fn apps_outside_their_orgs_are_unauthorized(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        // Internal app outside its owner org.
        app.app_token(GLOBEX, HR).await.assert_error(401, "unauthorized.client");
        // Third-party app where it is not installed (even its developer's own org).
        app.app_token(ACME, TRAVEL).await.assert_error(401, "unauthorized.client");
        // Third-party app where its installation is suspended.
        app.app_token(INITECH, TRAVEL).await.assert_error(401, "unauthorized.client");
        // Unknown org.
        app.app_token("dingnosuchorg", HR).await.assert_error(401, "unauthorized.client");
        // And where it is installed and active, it works.
        assert_eq!(app.app_token(GLOBEX, TRAVEL).await.status, 200);
    }

    async fn concurrent_first_requests_end_with_one_token(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let mut tasks = Vec::new();
        for _ in 0..40 {
            let (http, base) = (app.http.clone(), app.base.clone());
            tasks.push(tokio::spawn(async move {
                let r = http
                    .post(format!("{base}/v1.0/oauth2/{GLOBEX}/token"))
                    .json(&json!({"client_id": TRAVEL.0, "client_secret": TRAVEL.1, "grant_type": "client_credentials"}))
                    .send().await.unwrap();
                assert_eq!(r.status(), 200);
                r.json::<serde_json::Value>().await.unwrap()["access_token"].as_str().unwrap().to_owned()
            }));
        }
        let mut tokens = std::collections::HashSet::new();
        for t in tasks {
            tokens.insert(t.await.unwrap());
        }
        assert_eq!(tokens.len(), 1, "one token for concurrent first requests: {tokens:?}");
    }

    async fn batched_first_requests_are_answered_pair_by_pair(backend: Backend) {
        // Concurrent first requests for several apps and orgs share write batches
        // (`group_commit.rs`, `pg_batch.rs`): each pair's callers all get that pair's one
        // stored token, and a pair whose write fails (a trigger refuses it here) fails alone:
        // the pairs batched with it still get theirs.
        let postgres = matches!(backend, Backend::Postgres(_));
        let app = TestApp::spawn(backend).await;
        if postgres {
            app.sql("CREATE FUNCTION refuse_crm() RETURNS trigger AS $$ BEGIN \
                     IF NEW.client_id = 'suitecrm' THEN RAISE EXCEPTION 'refused'; END IF; \
                     RETURN NEW; END $$ LANGUAGE plpgsql").await;
            app.sql("CREATE TRIGGER refuse_crm BEFORE INSERT ON app_tokens \
                     FOR EACH ROW EXECUTE FUNCTION refuse_crm()").await;
        } else {
            app.sql("CREATE TRIGGER refuse_crm BEFORE INSERT ON app_tokens \
                     WHEN NEW.client_id = 'suitecrm' BEGIN SELECT RAISE(ABORT, 'refused'); END").await;
        }
        let pairs = [(ACME, HR), (GLOBEX, TRAVEL), (GLOBEX, OPS), (GLOBEX, CRM)];
        let mut tasks = Vec::new();
        for i in 0..80 {
            let (corp, (id, secret)) = pairs[i % pairs.len()];
            let (http, base) = (app.http.clone(), app.base.clone());
            tasks.push(tokio::spawn(async move {
                let r = http
                    .post(format!("{base}/v1.0/oauth2/{corp}/token"))
                    .json(&json!({"client_id": id, "client_secret": secret, "grant_type": "client_credentials"}))
                    .send().await.unwrap();
                (id, r.status().as_u16(), r.json::<serde_json::Value>().await.unwrap())
            }));
        }
        let mut tokens: std::collections::BTreeMap<&str, std::collections::BTreeSet<String>> = Default::default();
        for t in tasks {
            let (id, status, body) = t.await.unwrap();
            if id == CRM.0 {
                assert_eq!((status, body["code"].as_str()), (500, Some("server.error")), "{body}");
            } else {
                assert_eq!(status, 200, "{id}: {body}");
                tokens.entry(id).or_default().insert(body["access_token"].as_str().unwrap().to_owned());
            }
        }
        assert_eq!(tokens.len(), 3);
        let mut all = std::collections::BTreeSet::new();
        for (corp, (id, _)) in &pairs[..3] {
            let mine = &tokens[id];
            assert_eq!(mine.len(), 1, "{id}: one token for all its callers: {mine:?}");
            let token = mine.first().unwrap();
            let i = app.introspect_admin(token).await;
            assert_eq!((i.body["client_id"].as_str(), i.body["corp_id"].as_str()), (Some(*id), Some(*corp)));
            assert_eq!(i.body["active"], true);
            all.insert(token.clone());
        }
        assert_eq!(all.len(), 3, "a token per pair");
    }

    async fn legacy_access_token_serves_internal_apps(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let a = app.post_json("/v1.0/oauth2/accessToken", &json!({"appKey": HR.0, "appSecret": HR.1})).await;
        assert_eq!(a.status, 200, "{}", a.body);
        assert_eq!(a.body.as_object().unwrap().len(), 2);
        assert_eq!(a.body["expireIn"], 7200);
        // The same token as the corpId endpoint hands out for (app, owner org).
        let t = app.token_value(ACME, HR).await;
        assert_eq!(a.body["accessToken"], t.as_str());
        let wrong = app.post_json("/v1.0/oauth2/accessToken", &json!({"appKey": HR.0, "appSecret": "nope-nope-nope-nope"})).await;
        wrong.assert_error(400, "invalid.client");
        let unknown = app.post_json("/v1.0/oauth2/accessToken", &json!({"appKey": "dingnobody", "appSecret": "nope-nope-nope-nope"})).await;
        unknown.assert_error(400, "invalid.client");
        let third = app.post_json("/v1.0/oauth2/accessToken", &json!({"appKey": TRAVEL.0, "appSecret": TRAVEL.1})).await;
        third.assert_error(401, "unauthorized.client");
        let missing = app.post_json("/v1.0/oauth2/accessToken", &json!({"appKey": HR.0, "appSecret": ""})).await;
        missing.assert_error(400, "invalid.request");
        assert!(missing.body["message"].as_str().unwrap().contains("appSecret"));
    }

    async fn storage_failure_is_an_opaque_server_error(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        app.sql("DROP TABLE app_tokens").await;
        let a = app.app_token(ACME, HR).await;
        a.assert_error(500, "server.error");
        assert_eq!(a.body["message"], "server.error", "no internals: {}", a.body);
        let text = a.body.to_string().to_lowercase();
        assert!(!text.contains("sql") && !text.contains("table"), "{text}");
    }

    async fn configured_lifetime_is_used(backend: Backend) {
        let app = TestApp::spawn_with(backend, |c| c.app_token_ttl = 60).await;
        let a = app.app_token(ACME, HR).await;
        assert_eq!(a.body["expires_in"], 60);
    }
}
