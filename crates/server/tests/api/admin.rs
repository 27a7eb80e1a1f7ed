//! The `/admin/v1/` API, and that every withdrawal of a right takes effect on the next request.

use crate::helpers::*;
use reqwest::Method;
use serde_json::json;

opending_testkit::both_backends! {
    async fn admin_api_needs_the_key_and_is_absent_without_one(backend: Backend) {
        let app = TestApp::spawn(backend.clone()).await;
        let none = app.send(app.http.get(format!("{}/admin/v1/orgs", app.base))).await;
        none.assert_error(401, "Unauthorized");
        let wrong = app.send(app.http.get(format!("{}/admin/v1/orgs", app.base)).bearer_auth("wrong-key-wrong-key")).await;
        wrong.assert_error(401, "Unauthorized");
        let ok = app.send(app.admin(Method::GET, "/orgs")).await;
        assert_eq!(ok.status, 200);
        assert_eq!(ok.body.as_array().unwrap().len(), 3);
        app.stop().await;
        let closed = TestApp::spawn_with(backend, |c| c.admin_key = None).await;
        let a = closed.send(closed.http.get(format!("{}/admin/v1/orgs", closed.base)).bearer_auth(ADMIN_KEY)).await;
        a.assert_error(404, "NotFound");
    }

    async fn create_org_and_app_then_get_a_token(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let org = app.send(app.admin(Method::POST, "/orgs").json(&json!({"name": "Umbrella"}))).await;
        assert_eq!(org.status, 201, "{}", org.body);
        let corp = org.body["corpId"].as_str().unwrap().to_owned();
        assert!(corp.starts_with("ding") && corp.len() == 36, "{corp}");
        let created = app.send(app.admin(Method::POST, "/apps")
            .json(&json!({"name": "Umbrella Ops", "ownerCorpId": corp, "distribution": "internal"}))).await;
        assert_eq!(created.status, 201, "{}", created.body);
        let id = created.body["clientId"].as_str().unwrap().to_owned();
        let secret = created.body["clientSecret"].as_str().unwrap().to_owned();
        assert!(id.starts_with("ding"));
        assert_eq!(secret.len(), 64);
        assert_eq!(app.app_token(&corp, (&id, &secret)).await.status, 200);
        // The secret is shown once: never again.
        let shown = app.send(app.admin(Method::GET, &format!("/apps/{id}"))).await;
        assert_eq!(shown.status, 200);
        assert!(shown.body.get("clientSecret").is_none());
        assert!(!shown.body.to_string().contains(&secret));
        // Third-party apps get a suite id.
        let suite = app.send(app.admin(Method::POST, "/apps")
            .json(&json!({"name": "Market app", "ownerCorpId": corp, "distribution": "third-party"}))).await;
        assert!(suite.body["clientId"].as_str().unwrap().starts_with("suite"));
        // Conflicts and missing references are 4xx.
        let dup = app.send(app.admin(Method::POST, "/orgs").json(&json!({"name": "Again", "corpId": ACME}))).await;
        dup.assert_error(409, "Conflict");
        let orphan = app.send(app.admin(Method::POST, "/apps")
            .json(&json!({"name": "X", "ownerCorpId": "dingnobody", "distribution": "internal"}))).await;
        orphan.assert_error(404, "NotFound");
        let bad = app.send(app.admin(Method::POST, "/orgs").json(&json!({"name": "  "}))).await;
        bad.assert_error(400, "InvalidParameter");
    }

    async fn rotating_a_secret_revokes_tokens_at_once(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let token = app.token_value(ACME, HR).await;
        let r = app.send(app.admin(Method::POST, &format!("/apps/{}/rotate-secret", HR.0))).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let new_secret = r.body["clientSecret"].as_str().unwrap().to_owned();
        assert_eq!(app.introspect_admin(&token).await.body["active"], false);
        app.app_token(ACME, HR).await.assert_error(400, "invalid.client");
        let fresh = app.token_value(ACME, (HR.0, &new_secret)).await;
        assert_ne!(fresh, token);
    }

    async fn deleting_an_app_revokes_its_tokens(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let token = app.token_value(GLOBEX, TRAVEL).await;
        let d = app.send(app.admin(Method::DELETE, &format!("/apps/{}", TRAVEL.0))).await;
        assert_eq!(d.status, 204);
        assert_eq!(app.introspect_admin(&token).await.body["active"], false);
        app.app_token(GLOBEX, TRAVEL).await.assert_error(400, "invalid.client");
        let again = app.send(app.admin(Method::DELETE, &format!("/apps/{}", TRAVEL.0))).await;
        again.assert_error(404, "NotFound");
    }

    async fn suspend_reactivate_and_uninstall(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let token = app.token_value(GLOBEX, TRAVEL).await;
        let s = app.send(app.admin(Method::POST, &format!("/apps/{}/installations/{GLOBEX}/suspend", TRAVEL.0))).await;
        assert_eq!((s.status, s.body["status"].as_str()), (200, Some("suspended")), "{}", s.body);
        assert_eq!(app.introspect_admin(&token).await.body["active"], false);
        app.app_token(GLOBEX, TRAVEL).await.assert_error(401, "unauthorized.client");
        let r = app.send(app.admin(Method::PUT, &format!("/apps/{}/installations/{GLOBEX}", TRAVEL.0))).await;
        assert_eq!(r.body["status"], "active");
        let t2 = app.token_value(GLOBEX, TRAVEL).await;
        let u = app.send(app.admin(Method::DELETE, &format!("/apps/{}/installations/{GLOBEX}", TRAVEL.0))).await;
        assert_eq!(u.status, 204);
        assert_eq!(app.introspect_admin(&t2).await.body["active"], false);
        app.app_token(GLOBEX, TRAVEL).await.assert_error(401, "unauthorized.client");
        // Internal apps cannot be installed anywhere.
        let i = app.send(app.admin(Method::PUT, &format!("/apps/{}/installations/{GLOBEX}", HR.0))).await;
        i.assert_error(400, "InvalidParameter");
        let list = app.send(app.admin(Method::GET, "/installations?clientId=suitetravel")).await;
        assert_eq!(list.body.as_array().unwrap().len(), 1, "{}", list.body);
    }

    async fn revoking_tokens_by_value_and_by_app(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let t1 = app.token_value(ACME, HR).await;
        let r = app.send(app.admin(Method::POST, "/tokens/revoke").json(&json!({"token": t1}))).await;
        assert_eq!(r.body["revoked"], 1, "{}", r.body);
        assert_eq!(app.introspect_admin(&t1).await.body["active"], false);
        let t2 = app.token_value(ACME, HR).await;
        assert_ne!(t1, t2, "a revoked token is never handed out again");
        let r = app.send(app.admin(Method::POST, "/tokens/revoke").json(&json!({"clientId": HR.0}))).await;
        assert_eq!(r.body["revoked"], 1);
        assert_eq!(app.introspect_admin(&t2).await.body["active"], false);
        let bad = app.send(app.admin(Method::POST, "/tokens/revoke").json(&json!({}))).await;
        bad.assert_error(400, "InvalidParameter");
    }
}
