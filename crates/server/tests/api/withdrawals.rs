//! Renewal keeps cached tokens alive; every withdrawal also reaches users' tokens; seeds refuse
//! malformed users and certification info.

use crate::helpers::*;
use reqwest::Method;
use serde_json::json;

impl TestApp {
    /// A user access token for HR, consented by Alice in Acme (through the emulator-free path:
    /// the consent page's JSON API).
    async fn alice_hr_token(&self) -> String {
        let code = self.hr_code(ALICE, "Contact.User.Read", "").await;
        self.exchange(&code).await.body["accessToken"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}

opending_testkit::both_backends! {
    async fn a_renewed_app_token_stays_valid_past_its_first_expiry_even_when_cached(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let token = app.token_value(ACME, HR).await;
        assert_eq!(app.auth_infos(Some(&token), None).await.status, 200, "now cached");
        app.core.clock.advance(7000);
        assert_eq!(app.token_value(ACME, HR).await, token, "renewed");
        app.core.clock.advance(300);
        assert_eq!(app.auth_infos(Some(&token), None).await.status, 200, "past the first expiry, still valid");
    }

    async fn rotating_the_secret_revokes_users_tokens_too(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let user = app.alice_hr_token().await;
        assert_eq!(app.user_info(&user, "me").await.status, 200);
        app.send(app.admin(Method::POST, &format!("/apps/{}/rotate-secret", HR.0))).await;
        app.user_info(&user, "me").await.assert_error(400, "InvalidAuthentication");
    }

    async fn admin_revocation_reaches_user_tokens(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let user = app.alice_hr_token().await;
        let r = app.send(app.admin(Method::POST, "/tokens/revoke").json(&json!({"token": user}))).await;
        assert_eq!(r.body["revoked"], 1);
        app.user_info(&user, "me").await.assert_error(400, "InvalidAuthentication");
        let user = app.alice_hr_token().await;
        let r = app.send(app.admin(Method::POST, "/tokens/revoke").json(&json!({"clientId": HR.0, "corpId": ACME}))).await;
        assert_eq!(r.body["revoked"], 1, "{}", r.body);
        app.user_info(&user, "me").await.assert_error(400, "InvalidAuthentication");
    }

    async fn suspending_or_uninstalling_a_third_party_app_revokes_users_tokens_there(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let mint = |who: &'static str| {
            let app = &app;
            async move {
                let b = app.signed_in(if who == "alice" { ALICE } else { CAROL }).await;
                let r = app.openauth(&b, &json!({"type": "0", "clientId": TRAVEL.0, "corpId": GLOBEX, "rpcScope": "Contact.User.Read"}), "allow").await;
                assert_eq!(r["status"], "ok", "{r}");
                let t = app.user_token(json!({"clientId": TRAVEL.0, "clientSecret": TRAVEL.1, "code": r["result"]["authCode"], "grantType": "authorization_code"})).await;
                assert_eq!(t.status, 200, "{}", t.body);
                t.body["accessToken"].as_str().unwrap().to_owned()
            }
        };
        let t = mint("carol").await;
        assert_eq!(app.user_info(&t, "me").await.status, 200);
        app.send(app.admin(Method::POST, &format!("/apps/{}/installations/{GLOBEX}/suspend", TRAVEL.0))).await;
        app.user_info(&t, "me").await.assert_error(400, "InvalidAuthentication");
        app.send(app.admin(Method::PUT, &format!("/apps/{}/installations/{GLOBEX}", TRAVEL.0))).await;
        let t = mint("alice").await;
        app.send(app.admin(Method::DELETE, &format!("/apps/{}/installations/{GLOBEX}", TRAVEL.0))).await;
        app.user_info(&t, "me").await.assert_error(400, "InvalidAuthentication");
    }

    async fn seeds_refuse_malformed_users_and_certification_info(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        for (doc, needle) in [
            ("users: [{login: zed, password: zed-password-1, nick: Zed}]", "unionId"),
            ("users: [{unionId: zedUnion1, login: zed, password: zed-password-1, nick: Zed, colour: red}]", "colour"),
            ("orgs: [{corpId: dingacme, name: Acme Corp, authInfo: {authLevel: 7}}]", "authLevel"),
            ("apps: [{clientId: dingx, clientSecret: 'has spaces in it 123', name: X, owner: dingacme, distribution: internal}]", "clientSecret"),
        ] {
            let r = app.send(app.admin(Method::POST, "/apply").body(doc)).await;
            r.assert_error(400, "InvalidParameter");
            assert!(r.body["message"].as_str().unwrap().contains(needle), "{doc}: {}", r.body);
        }
    }
}
