//! `POST /v1.0/oauth2/introspect` (RFC 7662 shape).

use crate::helpers::*;
use serde_json::json;

opending_testkit::both_backends! {
    async fn an_app_introspects_its_own_tokens(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let token = app.token_value(GLOBEX, TRAVEL).await;
        let now = app.core.now().0;
        let a = app.send(app.http.post(format!("{}/v1.0/oauth2/introspect", app.base))
            .basic_auth(TRAVEL.0, Some(TRAVEL.1))
            .form(&[("token", token.as_str())])).await;
        assert_eq!(a.status, 200, "{}", a.body);
        assert_eq!(a.body["active"], true);
        assert_eq!(a.body["client_id"], TRAVEL.0);
        assert_eq!(a.body["corp_id"], GLOBEX);
        assert_eq!(a.body["token_type"], "app_access_token");
        let exp = a.body["exp"].as_i64().unwrap();
        assert!((now + 7199..=now + 7201).contains(&exp), "exp {exp} now {now}");
        assert!(a.body["iat"].is_i64());
        // Credentials in a JSON body work too.
        let b = app.post_json("/v1.0/oauth2/introspect",
            &json!({"token": token, "client_id": TRAVEL.0, "client_secret": TRAVEL.1})).await;
        assert_eq!(b.body["active"], true);
    }

    async fn apps_learn_nothing_about_other_tokens(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let foreign = app.token_value(ACME, HR).await;
        let a = app.post_json("/v1.0/oauth2/introspect",
            &json!({"token": foreign, "client_id": OPS.0, "client_secret": OPS.1})).await;
        assert_eq!(a.status, 200);
        assert_eq!(a.body, json!({"active": false}));
        let unknown = app.post_json("/v1.0/oauth2/introspect",
            &json!({"token": "0123456789abcdef0123456789abcdef", "client_id": OPS.0, "client_secret": OPS.1})).await;
        assert_eq!(unknown.body, json!({"active": false}));
        // The admin key sees every token.
        assert_eq!(app.introspect_admin(&foreign).await.body["active"], true);
    }

    async fn introspection_needs_valid_credentials(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let token = app.token_value(ACME, HR).await;
        let none = app.post_json("/v1.0/oauth2/introspect", &json!({"token": token})).await;
        none.assert_error(401, "invalid.client");
        assert!(none.headers.contains_key("www-authenticate"));
        let wrong = app.post_json("/v1.0/oauth2/introspect",
            &json!({"token": token, "client_id": HR.0, "client_secret": "wrong-wrong-wrong"})).await;
        wrong.assert_error(401, "invalid.client");
        let bad_admin = app.send(app.http.post(format!("{}/v1.0/oauth2/introspect", app.base))
            .bearer_auth("not-the-admin-key-at-all").json(&json!({"token": token}))).await;
        bad_admin.assert_error(401, "invalid.client");
        let missing_token = app.post_json("/v1.0/oauth2/introspect",
            &json!({"client_id": HR.0, "client_secret": HR.1})).await;
        missing_token.assert_error(400, "invalid.request");
    }
}
