//! `serve --demo`: the demo user signs in, administers the demo org, and runs the openAuth test
//! page's flow for the internal app, whose registered origins are the server's own.

use opending_testkit::both_backends;
use serde_json::json;

use crate::{
    browser_helpers::{browser, csrf_in},
    helpers::TestApp,
};

both_backends! {
    async fn the_demo_user_signs_in_and_the_test_page_gets_a_code(backend: Backend) {
        let app = TestApp::spawn_with(backend, |c| c.demo = true).await;
        let world = app.demo.clone().expect("demo world");
        let password = world.user_password.clone().expect("password on the first start");
        let (secret, _) = world.secrets.clone().expect("secrets on the first start");
        assert_eq!(world.user_login, "demo");

        // The test page names the internal app and the demo org, and loads the SDK script.
        let b = browser();
        let page = b.get(format!("{}/demo/openauth", app.base)).send().await.unwrap();
        assert_eq!(page.status(), 200);
        let html = page.text().await.unwrap();
        assert!(html.contains(&world.internal_client_id) && html.contains(&world.demo_corp_id));
        assert!(html.contains("/sdk/openauth.js") && html.contains("/static/demo.js"));
        assert_eq!(b.get(format!("{}/static/demo.js", app.base)).send().await.unwrap().status(), 200);

        // What openauth.js asks first, from the page's own origin: the request can succeed.
        let params = [
            ("type", "0"),
            ("clientId", world.internal_client_id.as_str()),
            ("corpId", world.demo_corp_id.as_str()),
            ("rpcScope", "Contact.User.Read"),
        ];
        let check: serde_json::Value = b
            .get(format!("{}/openauth/api/precheck", app.base))
            .query(&params)
            .query(&[("origin", app.base.as_str())])
            .send().await.unwrap().json().await.unwrap();
        assert_eq!(check["ok"], true, "{check}");

        // Sign in with the printed password.
        let login = b.get(format!("{}/login", app.base)).send().await.unwrap().text().await.unwrap();
        let r = b
            .post(format!("{}/login", app.base))
            .form(&[
                ("csrf", csrf_in(&login).as_str()),
                ("login", "demo"),
                ("password", password.as_str()),
                ("next", "/account"),
            ])
            .send().await.unwrap();
        assert_eq!(r.status(), 303, "sign-in failed: {}", r.text().await.unwrap());

        // Admin of the demo org: its member page opens.
        let org = b.get(format!("{}/org/{}/members", app.base, world.demo_corp_id)).send().await.unwrap();
        assert_eq!(org.status(), 200);

        // The consent popup and its decision, as openauth.js drives them.
        let popup = b
            .get(format!("{}/openauth", app.base))
            .query(&params)
            .query(&[("origin", app.base.as_str())])
            .send().await.unwrap();
        assert_eq!(popup.status(), 200);
        let csrf = csrf_in(&popup.text().await.unwrap());
        let decision: serde_json::Value = b
            .post(format!("{}/openauth/api/decision", app.base))
            .header("x-csrf-token", csrf)
            .json(&json!({
                "type": "0", "clientId": world.internal_client_id, "corpId": world.demo_corp_id,
                "rpcScope": "Contact.User.Read", "decision": "allow", "origin": app.base,
            }))
            .send().await.unwrap().json().await.unwrap();
        assert_eq!(decision["status"], "ok", "{decision}");
        let code = decision["result"]["authCode"].as_str().unwrap().to_owned();

        // The code the page shows turns into a user token for the demo user.
        let token = app
            .user_token(json!({"clientId": world.internal_client_id, "clientSecret": secret, "code": code, "grantType": "authorization_code"}))
            .await;
        assert_eq!(token.status, 200, "{:?}", token.body);
        let me = app.user_info(token.body["accessToken"].as_str().unwrap(), "me").await;
        assert_eq!(me.status, 200, "{:?}", me.body);
        assert_eq!(me.body["nick"], "Demo User");
        app.stop().await;
    }

    async fn a_restart_keeps_the_demo_user_and_an_emulator_reset_recreates_it(backend: Backend) {
        let first = TestApp::spawn_with(backend.clone(), |c| c.demo = true).await;
        let world = first.demo.clone().unwrap();
        first.stop().await;
        let again = TestApp::spawn_with(backend, |c| {
            c.demo = true;
            c.emulator.enabled = true;
        })
        .await;
        let same = again.demo.clone().unwrap();
        assert_eq!(same.internal_client_id, world.internal_client_id);
        assert_eq!(same.user_login, "demo");
        assert!(same.user_password.is_none() && same.secrets.is_none());

        // A reset wipes everything and makes a new demo world, user included.
        let r = again.post_json("/_opending/reset", &json!({})).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        let page = reqwest::get(format!("{}/demo/openauth", again.base)).await.unwrap();
        let html = page.text().await.unwrap();
        assert!(!html.contains(&world.internal_client_id), "the old world is gone");
        assert!(html.contains(">demo<"), "a new demo user: {html}");
        again.stop().await;
    }
}
