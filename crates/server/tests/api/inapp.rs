//! In-app login (免登): codes minted by the `dd` shim's window or the emulator, exchanged at
//! `topapi/v2/user/getuserinfo` and `/user/getuserinfo`; the shim's checks of `dd.config`
//! signatures and of the page's origin.

use serde_json::{json, Value};

use crate::{browser_helpers::*, helpers::*};

impl TestApp {
    /// A 免登 code from the emulator's control API.
    async fn login_code(&self, client: &str, corp: &str, user: &str) -> String {
        let r = self
            .send(
                self.http
                    .post(format!("{}/_opending/login-codes", self.base))
                    .json(&json!({"clientId": client, "corpId": corp, "unionId": user})),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        r.body["code"].as_str().unwrap().to_owned()
    }

    /// `POST /topapi/v2/user/getuserinfo?access_token=` with `{code}`.
    async fn getuserinfo(&self, token: &str, code: &str) -> Answer {
        self.send(
            self.http
                .post(format!(
                    "{}/topapi/v2/user/getuserinfo?access_token={token}",
                    self.base
                ))
                .json(&json!({"code": code})),
        )
        .await
    }

    /// `POST /dd/api/config` as the shim sends it.
    async fn dd_config(&self, body: &Value) -> Answer {
        let r = self
            .send(
                self.http
                    .post(format!("{}/dd/api/config", self.base))
                    .header("content-type", "text/plain")
                    .body(body.to_string()),
            )
            .await;
        assert_eq!(r.headers["access-control-allow-origin"], "*");
        r
    }
}

async fn emulator(backend: Backend) -> TestApp {
    TestApp::spawn_with(backend, |c| c.emulator.enabled = true).await
}

both_backends! {
    async fn codes_are_exchanged_once_by_their_own_app(backend: Backend) {
        let app = emulator(backend).await;
        let hr = app.token_value(ACME, HR).await;
        let code = app.login_code(HR.0, ACME, ALICE.0).await;
        let r = app.getuserinfo(&hr, &code).await;
        assert_eq!(r.status, 200);
        assert_eq!((r.body["errcode"].as_i64(), r.body["errmsg"].as_str()), (Some(0), Some("ok")), "{}", r.body);
        assert!(r.body["request_id"].is_string());
        let u = &r.body["result"];
        assert_eq!((u["userid"].as_str(), u["unionid"].as_str(), u["name"].as_str()), (Some("alice"), Some(ALICE.0), Some("Alice Chen")));
        assert_eq!((u["sys"].as_bool(), u["sys_level"].as_i64(), u["associated_unionid"].as_str()), (Some(true), Some(1), Some("")));
        assert!(u["device_id"].as_str().is_some_and(|d| !d.is_empty()));
        // Single use.
        let again = app.getuserinfo(&hr, &code).await;
        assert_eq!(again.body["errcode"], 40078, "{}", again.body);
        assert_eq!(again.body["errmsg"], "nonexistent temp auth code");
        // Another app's token, an OAuth code, a made-up code, no code.
        let other = app.login_code(HR.0, ACME, BOB.0).await;
        let dir = app.token_value(ACME, DIR).await;
        assert_eq!(app.getuserinfo(&dir, &other).await.body["errcode"], 40078);
        let oauth = app.hr_code(ALICE, "Contact.User.Read", "").await;
        assert_eq!(app.getuserinfo(&hr, &oauth).await.body["errcode"], 40078);
        assert_eq!(app.getuserinfo(&hr, "0123456789abcdef0123456789abcdef").await.body["errcode"], 40078);
        let none = app.send(app.http.post(format!("{}/topapi/v2/user/getuserinfo?access_token={hr}", app.base)).json(&json!({}))).await;
        assert_eq!(none.body["errcode"], 400002, "{}", none.body);
        let no_token = app.send(app.http.post(format!("{}/topapi/v2/user/getuserinfo", app.base)).json(&json!({"code": "x"}))).await;
        assert_eq!((no_token.body["errcode"].as_i64(), no_token.body["sub_code"].as_str()), (Some(88), Some("40000")));
        // The older GET: top-level fields, `deviceId` camel case; a member is sys_level 0.
        let bob = app.login_code(HR.0, ACME, BOB.0).await;
        let r = app.send(app.http.get(format!("{}/user/getuserinfo?access_token={hr}&code={bob}", app.base))).await;
        assert_eq!((r.body["errcode"].as_i64(), r.body["userid"].as_str(), r.body["is_sys"].as_bool(), r.body["sys_level"].as_i64()), (Some(0), Some("bob"), Some(false), Some(0)), "{}", r.body);
        assert!(r.body["deviceId"].is_string() && r.body.get("result").is_none());
        // Five minutes, by the server's clock.
        let late = app.login_code(HR.0, ACME, BOB.0).await;
        app.send(app.http.post(format!("{}/_opending/clock", app.base)).json(&json!({"advanceSeconds": 301}))).await;
        let hr = app.token_value(ACME, HR).await;
        assert_eq!(app.getuserinfo(&hr, &late).await.body["errcode"], 40078);
        // A third-party app's code in an installing org: the member's userid there.
        let travel = app.token_value(GLOBEX, TRAVEL).await;
        let carol = app.login_code(TRAVEL.0, GLOBEX, CAROL.0).await;
        let r = app.getuserinfo(&travel, &carol).await;
        let expected = opending_domain::user::userid(&opending_domain::CorpId::parse(GLOBEX).unwrap(), &opending_domain::UnionId::parse(CAROL.0).unwrap());
        assert_eq!(r.body["result"]["userid"].as_str(), Some(expected.as_str()), "{}", r.body);
        // The backdoor's own refusals.
        for (body, status) in [
            (json!({"clientId": HR.0, "corpId": GLOBEX, "unionId": CAROL.0}), 400),
            (json!({"clientId": HR.0, "corpId": ACME, "unionId": CAROL.0}), 404),
            (json!({"clientId": HR.0, "corpId": ACME}), 400),
            (json!({"clientId": HR.0, "corpId": ACME, "userid": "bob", "unionId": BOB.0}), 400),
        ] {
            let r = app.send(app.http.post(format!("{}/_opending/login-codes", app.base)).json(&body)).await;
            assert_eq!(r.status, status, "{body}: {}", r.body);
        }
        let by_userid = app.send(app.http.post(format!("{}/_opending/login-codes", app.base)).json(&json!({"clientId": HR.0, "corpId": ACME, "userid": "bob"}))).await;
        assert_eq!(by_userid.status, 201, "{}", by_userid.body);
    }

    async fn dd_config_signatures_are_checked_as_dingtalk_does(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let hr = app.token_value(ACME, HR).await;
        let ticket = app.send(app.http.get(format!("{}/get_jsapi_ticket?access_token={hr}", app.base))).await.body["ticket"].as_str().unwrap().to_owned();
        let agent = app.core.store.get_app(&opending_domain::ClientId::parse(HR.0).unwrap()).await.unwrap().unwrap().agent_id();
        let url = "https://hr.acme.example/app/index.html?a=1&b=%E4%B8%AD#/home";
        let now_ms = (app.core.now().0 * 1000).to_string();
        let sig = opending_domain::jsapi::config_signature(&ticket, "nonce-1", &now_ms, url);
        let good = json!({"agentId": agent.to_string(), "corpId": ACME, "timeStamp": now_ms, "nonceStr": "nonce-1", "signature": sig, "jsApiList": ["runtime.info"], "url": url});
        assert_eq!(app.dd_config(&good).await.body, json!({"ok": true}));
        let with = |k: &str, v: Value| { let mut b = good.clone(); b[k] = v; b };
        let stale = ((app.core.now().0 - 2 * 86_400) * 1000).to_string();
        for (body, code) in [
            (with("signature", json!("0".repeat(64))), 52013),
            (with("url", json!("https://hr.acme.example/app/other.html")), 52013),
            (with("nonceStr", json!("nonce-2")), 52013),
            (with("corpId", json!("dingnosuchorg")), 52010),
            (with("agentId", json!(12345)), 52019),
            (with("timeStamp", json!(stale)), 52018),
            (with("nonceStr", json!("")), 52015),
            (with("signature", Value::Null), 52016),
            (with("jsApiList", Value::Null), 52017),
            (with("url", json!("javascript:alert(1)")), 52014),
            (json!({}), 52010),
        ] {
            let r = app.dd_config(&body).await;
            assert_eq!(r.body["errorCode"], code, "{body}: {}", r.body);
            assert!(r.body["errorMessage"].as_str().is_some_and(|m| !m.is_empty()));
        }
        // An app that never fetched a ticket in the org: 52011.
        let dir_agent = app.core.store.get_app(&opending_domain::ClientId::parse(DIR.0).unwrap()).await.unwrap().unwrap().agent_id();
        assert_eq!(app.dd_config(&with("agentId", json!(dir_agent))).await.body["errorCode"], 52011);
        // Garbage bodies are refusals, not failures.
        let r = app.http.post(format!("{}/dd/api/config", app.base)).body("not json").send().await.unwrap();
        assert_eq!(r.status(), 200);
    }

    async fn the_shim_window_hands_a_code_to_a_registered_origin_only(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let precheck = |q: String| app.send(app.http.get(format!("{}/dd/api/precheck?{q}", app.base)));
        let ok = precheck(format!("corpId={ACME}&clientId={}&origin=https://hr.acme.example", HR.0)).await;
        assert_eq!(ok.body, json!({"ok": true}));
        // The older call names no app: the origin finds it.
        assert_eq!(precheck(format!("corpId={ACME}&origin=https://hr.acme.example")).await.body, json!({"ok": true}));
        for q in [
            format!("corpId={ACME}&clientId={}&origin=https://evil.example", HR.0),
            format!("corpId={GLOBEX}&clientId={}&origin=https://hr.acme.example", HR.0),
            format!("corpId=&clientId={}&origin=https://hr.acme.example", HR.0),
            format!("corpId={ACME}&clientId=dingnosuchapp&origin=https://hr.acme.example"),
        ] {
            let r = precheck(q.clone()).await;
            assert_eq!(r.body["errorCode"], 3, "{q}: {}", r.body);
        }
        let window = |b: reqwest::Client, q: String| {
            let base = app.base.clone();
            async move { b.get(format!("{base}/dd/authcode?{q}")).send().await.unwrap() }
        };
        let q = format!("corpId={ACME}&clientId={}&origin=https://hr.acme.example", HR.0);
        // Signed out: to sign-in, coming back.
        let r = window(browser(), q.clone()).await;
        assert_eq!(r.status(), 303);
        assert!(r.headers()["location"].to_str().unwrap().starts_with("/login?next=%2Fdd%2Fauthcode"));
        // Signed in: the code, for the registered origin only.
        let alice = app.signed_in(ALICE).await;
        let html = window(alice.clone(), q.clone()).await.text().await.unwrap().replace("&quot;", "\"").replace("&#x2f;", "/");
        assert!(html.contains("data-origin=\"https://hr.acme.example\""), "{html}");
        let code = html.split("\"code\":\"").nth(1).and_then(|s| s.split('"').next()).expect("a code").to_owned();
        let hr = app.token_value(ACME, HR).await;
        assert_eq!(app.getuserinfo(&hr, &code).await.body["result"]["userid"], "alice");
        let refused = window(alice, format!("corpId={ACME}&clientId={}&origin=https://evil.example", HR.0)).await;
        assert_eq!(refused.status(), 400);
        let body = refused.text().await.unwrap();
        assert!(!body.contains("dd-result\" data-origin=\"https://evil.example"), "{body}");
        // Carol is no member of Acme: the page is told so (errorCode 3), and gets no code.
        let carol = app.signed_in(CAROL).await;
        let html = window(carol, q).await.text().await.unwrap().replace("&quot;", "\"");
        assert!(html.contains("\"errorCode\":3") && !html.contains("\"code\":"), "{html}");
    }
}
