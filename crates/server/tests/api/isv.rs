//! Third-party ("ISV") apps on both families: suite tickets, suite tokens, corp tokens by
//! credentials (v1.0) and by a signed call (legacy), `apps/authInfo` and `/service/get_auth_info`
//! (docs/dingtalk/dingtalk-wire-2.md §A2–A5, §B; docs/dingtalk/decisions.md §20–21).

use crate::helpers::*;
use serde_json::{json, Value};

/// The third-party app of the seeded world, installed by Globex (active) and Initech
/// (suspended), not by Acme.
const SUITE: (&str, &str) = TRAVEL;

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// Java's `URLEncoder.encode` of a Base64 signature, as DingTalk's docs prescribe.
fn url_encode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

impl TestApp {
    /// The app's current suite ticket, through the admin API.
    async fn suite_ticket(&self, client: &str) -> Value {
        let a = self
            .send(self.admin(
                reqwest::Method::GET,
                &format!("/apps/{client}/suite-ticket"),
            ))
            .await;
        assert_eq!(a.status, 200, "{}", a.body);
        a.body
    }

    async fn current_ticket(&self, client: &str) -> String {
        self.suite_ticket(client).await["suiteTicket"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    async fn suite_access_token(&self, key: &str, secret: &str, ticket: &str) -> Answer {
        self.post_json(
            "/v1.0/oauth2/suiteAccessToken",
            &json!({"suiteKey": key, "suiteSecret": secret, "suiteTicket": ticket}),
        )
        .await
    }

    async fn corp_access_token(&self, corp: &str, key: &str, secret: &str, ticket: &str) -> Answer {
        self.post_json(
            "/v1.0/oauth2/corpAccessToken",
            &json!({"authCorpId": corp, "suiteKey": key, "suiteSecret": secret, "suiteTicket": ticket}),
        )
        .await
    }

    async fn v1_auth_info(&self, token: Option<&str>, corp: Option<&str>) -> Answer {
        let mut req = self
            .http
            .get(format!("{}/v1.0/oauth2/apps/authInfo", self.base));
        if let Some(c) = corp {
            req = req.query(&[("authCorpId", c)]);
        }
        if let Some(t) = token {
            req = req.header("x-acs-dingtalk-access-token", t);
        }
        self.send(req).await
    }

    /// `POST /service/get_corp_token`, signed with `secret` over (`timestamp`, `ticket`).
    async fn signed_corp_token(
        &self,
        key: &str,
        secret: &str,
        timestamp: &str,
        ticket: &str,
        body: &str,
    ) -> Answer {
        let sig = opending_domain::isv::signature(secret, timestamp, ticket);
        let url = format!(
            "{}/service/get_corp_token?accessKey={key}&timestamp={timestamp}&suiteTicket={}&signature={}",
            self.base,
            url_encode(ticket),
            url_encode(&sig)
        );
        self.send(
            self.http
                .post(url)
                .header("content-type", "application/json")
                .body(body.to_owned()),
        )
        .await
    }
}

fn assert_legacy_error(a: &Answer, errcode: i64) {
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["errcode"], errcode, "{}", a.body);
    assert!(
        a.body["errmsg"].as_str().is_some_and(|m| !m.is_empty()),
        "{}",
        a.body
    );
    assert!(a.body.get("access_token").is_none(), "{}", a.body);
}

opending_testkit::both_backends! {
    async fn suite_tokens_need_the_secret_and_a_current_or_previous_ticket(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let (key, secret) = SUITE;
        let first = app.current_ticket(key).await;
        assert_eq!(first.len(), 40, "{first}");
        // Reading again gives the same ticket until it is replaced.
        assert_eq!(app.current_ticket(key).await, first);
        let a = app.suite_access_token(key, secret, &first).await;
        assert_eq!(a.status, 200, "{}", a.body);
        assert_eq!(a.body["expireIn"], 7200);
        let t1 = a.body["accessToken"].as_str().unwrap().to_owned();
        assert_eq!(a.headers["cache-control"], "no-store");
        // A new token on each call; both work.
        let t2 = app.suite_access_token(key, secret, &first).await.body["accessToken"].as_str().unwrap().to_owned();
        assert_ne!(t1, t2);
        for t in [&t1, &t2] {
            assert_eq!(app.v1_auth_info(Some(t), Some(GLOBEX)).await.status, 200);
        }
        // Rotation: the new ticket and the one before it are accepted, an older one is not.
        let r = app.send(app.admin(reqwest::Method::POST, &format!("/apps/{key}/suite-ticket/rotate"))).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let second = r.body["suiteTicket"].as_str().unwrap().to_owned();
        assert_ne!(second, first);
        assert_eq!(r.body["previousSuiteTicket"], first.as_str());
        assert_eq!(app.suite_access_token(key, secret, &second).await.status, 200);
        assert_eq!(app.suite_access_token(key, secret, &first).await.status, 200);
        app.send(app.admin(reqwest::Method::POST, &format!("/apps/{key}/suite-ticket/rotate"))).await;
        app.suite_access_token(key, secret, &first).await.assert_error(400, "invalidSuiteTicket");
        // Credentials come first: a wrong secret, an unknown key and an internal app's key get
        // the same answer whatever the ticket.
        app.suite_access_token(key, "wrong-secret-0123456789", &second).await.assert_error(400, "invalidClientIdOrSecret");
        app.suite_access_token(key, "wrong-secret-0123456789", "TestSuiteTicket").await.assert_error(400, "invalidClientIdOrSecret");
        app.suite_access_token("suitenosuch", secret, &second).await.assert_error(400, "invalidClientIdOrSecret");
        app.suite_access_token(HR.0, HR.1, "TestSuiteTicket").await.assert_error(400, "invalidClientIdOrSecret");
        app.suite_access_token(key, secret, "TestSuiteTicket").await.assert_error(400, "invalidSuiteTicket");
        // Missing fields.
        let a = app.post_json("/v1.0/oauth2/suiteAccessToken", &json!({"suiteKey": key, "suiteSecret": secret})).await;
        a.assert_error(400, "invalid.request");
        assert!(a.body["message"].as_str().unwrap().contains("suiteTicket"), "{}", a.body);
        app.post_json("/v1.0/oauth2/suiteAccessToken", &json!({"suiteKey": 5})).await.assert_error(400, "invalid.request");
        // Internal apps have no ticket.
        let a = app.send(app.admin(reqwest::Method::GET, &format!("/apps/{}/suite-ticket", HR.0))).await;
        assert_eq!(a.status, 400, "{}", a.body);
    }

    async fn corp_tokens_are_new_each_time_and_follow_the_installation(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let (key, secret) = SUITE;
        let ticket = app.current_ticket(key).await;
        let a = app.corp_access_token(GLOBEX, key, secret, &ticket).await;
        assert_eq!(a.status, 200, "{}", a.body);
        assert_eq!(a.body["expireIn"], 7200);
        let t1 = a.body["accessToken"].as_str().unwrap().to_owned();
        let t2 = app.corp_access_token(GLOBEX, key, secret, &ticket).await.body["accessToken"].as_str().unwrap().to_owned();
        assert_ne!(t1, t2, "a new corp token on each call");
        // Both are app tokens of the app in Globex, on both families (Globex granted the app
        // Contact.Org.Read).
        for t in [&t1, &t2] {
            let info = app.auth_infos(Some(t), Some(GLOBEX)).await;
            assert_eq!(info.status, 200, "{}", info.body);
            let ticket = app.send(app.http.get(format!("{}/get_jsapi_ticket?access_token={t}", app.base))).await;
            assert_eq!(ticket.body["errcode"], 0, "{}", ticket.body);
            let seen = app.introspect_admin(t).await;
            assert_eq!((seen.body["active"].as_bool(), seen.body["client_id"].as_str()), (Some(true), Some(key)), "{}", seen.body);
        }
        // Not installed, suspended, unknown org: one answer.
        app.corp_access_token(ACME, key, secret, &ticket).await.assert_error(400, "invalidAuthInfo");
        app.corp_access_token(INITECH, key, secret, &ticket).await.assert_error(400, "invalidAuthInfo");
        app.corp_access_token("dingnosuchorg", key, secret, &ticket).await.assert_error(400, "invalidAuthInfo");
        app.corp_access_token("bad corp!", key, secret, &ticket).await.assert_error(400, "invalidAuthInfo");
        // Credentials before the ticket and the org.
        app.corp_access_token(GLOBEX, key, "wrong-secret-0123456789", &ticket).await.assert_error(400, "invalidSuiteKey");
        app.corp_access_token(GLOBEX, "suitenosuch", secret, &ticket).await.assert_error(400, "invalidSuiteKey");
        app.corp_access_token(GLOBEX, key, secret, "TestSuiteTicket").await.assert_error(400, "invalidSuiteTicket");
        // Suspending the app in Globex ends its corp tokens there at once.
        let s = app.send(app.admin(reqwest::Method::POST, &format!("/apps/{key}/installations/{GLOBEX}/suspend"))).await;
        assert!(s.status < 300, "{}", s.body);
        app.auth_infos(Some(&t1), Some(GLOBEX)).await.assert_error(400, "InvalidAuthentication");
        app.corp_access_token(GLOBEX, key, secret, &ticket).await.assert_error(400, "invalidAuthInfo");
    }

    async fn custom_apps_take_any_ticket(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let created = app.send(app.admin(reqwest::Method::POST, "/apps").json(&json!({
            "name": "Custom", "ownerCorpId": ACME, "distribution": "third-party",
            "clientId": "suitecustom", "clientSecret": "custom-secret-0123456789", "custom": true
        }))).await;
        assert_eq!(created.status, 201, "{}", created.body);
        assert_eq!(created.body["custom"], true);
        let i = app.send(app.admin(reqwest::Method::PUT, &format!("/apps/suitecustom/installations/{GLOBEX}"))).await;
        assert!(i.status < 300, "{}", i.body);
        let a = app.corp_access_token(GLOBEX, "suitecustom", "custom-secret-0123456789", "TestSuiteTicket").await;
        assert_eq!(a.status, 200, "{}", a.body);
        // The signed legacy form too, with the documented test ticket.
        let ts = now_ms().to_string();
        let b = app.signed_corp_token("suitecustom", "custom-secret-0123456789", &ts, "Test", &format!(r#"{{"auth_corpid":"{GLOBEX}"}}"#)).await;
        assert_eq!(b.body["errcode"], 0, "{}", b.body);
        // No longer custom: the ticket must be the app's own again.
        let p = app.send(app.admin(reqwest::Method::PATCH, "/apps/suitecustom").json(&json!({"custom": false}))).await;
        assert_eq!((p.status, &p.body["custom"]), (200, &json!(false)), "{}", p.body);
        app.corp_access_token(GLOBEX, "suitecustom", "custom-secret-0123456789", "TestSuiteTicket").await.assert_error(400, "invalidSuiteTicket");
        // An internal app cannot be custom.
        let bad = app.send(app.admin(reqwest::Method::PATCH, &format!("/apps/{}", HR.0)).json(&json!({"custom": true}))).await;
        assert_eq!(bad.status, 400, "{}", bad.body);
    }

    async fn auth_info_shows_the_installation_to_a_suite_token(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let (key, secret) = SUITE;
        let ticket = app.current_ticket(key).await;
        let suite = app.suite_access_token(key, secret, &ticket).await.body["accessToken"].as_str().unwrap().to_owned();
        let a = app.v1_auth_info(Some(&suite), Some(GLOBEX)).await;
        assert_eq!(a.status, 200, "{}", a.body);
        let carol = opending_domain::user::userid(
            &opending_domain::CorpId::parse(GLOBEX).unwrap(),
            &opending_domain::UnionId::parse(CAROL.0).unwrap(),
        );
        let agent = &a.body["authAppInfo"]["agentList"][0];
        assert_eq!(agent["agentName"], "Travel Booking");
        assert!(agent["agentId"].as_i64().unwrap() >= 1_000_000_000, "{agent}");
        assert!(agent["appId"].is_i64(), "{agent}");
        assert_eq!(agent["adminList"], json!([carol]));
        assert_eq!(a.body["authCorpInfo"]["corpName"], "Globex");
        assert_eq!(a.body["authCorpInfo"]["authLevel"], 0);
        assert_eq!(a.body["authUserInfo"], json!({"userId": carol}));
        // Every documented key of the corp info is there, with its type.
        for k in ["authChannel", "authChannelType", "corpLogoUrl", "industry", "inviteCode", "inviteUrl", "licenseCode"] {
            assert!(a.body["authCorpInfo"][k].is_string(), "{k}: {}", a.body);
        }
        // The same agentId the admin API shows.
        let shown = app.send(app.admin(reqwest::Method::GET, &format!("/apps/{key}"))).await;
        assert_eq!(shown.body["agentId"], agent["agentId"]);
        // Not installed (or suspended): orgNotAuthApp; no corp: invalidCorpId.
        app.v1_auth_info(Some(&suite), Some(ACME)).await.assert_error(400, "orgNotAuthApp");
        app.v1_auth_info(Some(&suite), Some(INITECH)).await.assert_error(400, "orgNotAuthApp");
        app.v1_auth_info(Some(&suite), None).await.assert_error(400, "invalidCorpId");
        // Token problems.
        app.v1_auth_info(None, Some(GLOBEX)).await.assert_error(400, "AuthenticationFailed.MissingParameter");
        app.v1_auth_info(Some("0123456789abcdef0123456789abcdef"), Some(GLOBEX)).await.assert_error(400, "InvalidAuthentication");
        let corp = app.corp_access_token(GLOBEX, key, secret, &ticket).await.body["accessToken"].as_str().unwrap().to_owned();
        app.v1_auth_info(Some(&corp), Some(GLOBEX)).await.assert_error(400, "InvalidAuthentication");
        // A suite token is not an app token anywhere else.
        app.auth_infos(Some(&suite), Some(GLOBEX)).await.assert_error(400, "InvalidAuthentication");
        // Revoked with the app's tokens.
        let r = app.send(app.admin(reqwest::Method::POST, "/tokens/revoke").json(&json!({"clientId": key}))).await;
        assert_eq!(r.status, 200, "{}", r.body);
        app.v1_auth_info(Some(&suite), Some(GLOBEX)).await.assert_error(400, "InvalidAuthentication");
    }

    async fn legacy_suite_tokens_and_signed_corp_tokens(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let (key, secret) = SUITE;
        let ticket = app.current_ticket(key).await;
        // get_suite_token: JSON (dingtalk-sdk) and form (the docs' curl).
        let url = format!("{}/service/get_suite_token", app.base);
        let a = app.send(app.http.post(&url).json(&json!({"suite_key": key, "suite_secret": secret, "suite_ticket": ticket}))).await;
        assert_eq!((a.status, &a.body["errcode"], &a.body["errmsg"]), (200, &json!(0), &json!("ok")), "{}", a.body);
        assert_eq!(a.body["expires_in"], 7200);
        let suite = a.body["suite_access_token"].as_str().unwrap().to_owned();
        let b = app.send(app.http.post(&url).form(&[("suite_key", key), ("suite_secret", secret), ("suite_ticket", &ticket)])).await;
        assert_eq!(b.body["errcode"], 0, "{}", b.body);
        assert_legacy_error(&app.send(app.http.post(&url).json(&json!({"suite_secret": secret, "suite_ticket": ticket}))).await, 41021);
        assert_legacy_error(&app.send(app.http.post(&url).json(&json!({"suite_key": key, "suite_ticket": ticket}))).await, 41024);
        assert_legacy_error(&app.send(app.http.post(&url).json(&json!({"suite_key": key, "suite_secret": secret}))).await, 41023);
        assert_legacy_error(&app.send(app.http.post(&url).json(&json!({"suite_key": key, "suite_secret": "nope-nope-nope-nope", "suite_ticket": ticket}))).await, 40088);
        assert_legacy_error(&app.send(app.http.post(&url).json(&json!({"suite_key": key, "suite_secret": secret, "suite_ticket": "stale"}))).await, 40085);
        assert_legacy_error(&app.send(app.http.post(&url).body("{not json")).await, 40035);

        // get_corp_token, signed (§A2): JSON body, then form body.
        let body = format!(r#"{{"auth_corpid":"{GLOBEX}"}}"#);
        let ts = now_ms().to_string();
        let a = app.signed_corp_token(key, secret, &ts, &ticket, &body).await;
        assert_eq!((a.body["errcode"].as_i64(), a.body["errmsg"].as_str(), a.body["expires_in"].as_i64()), (Some(0), Some("ok"), Some(7200)), "{}", a.body);
        let corp = a.body["access_token"].as_str().unwrap().to_owned();
        assert_eq!(app.auth_infos(Some(&corp), Some(GLOBEX)).await.status, 200);
        // A replay inside the minute is a new call (DingTalk's signature has no nonce): a new token.
        let again = app.signed_corp_token(key, secret, &ts, &ticket, &format!("auth_corpid={GLOBEX}")).await;
        assert_eq!(again.body["errcode"], 0, "{}", again.body);
        assert_ne!(again.body["access_token"], corp.as_str());
        // Each failure its own errcode.
        let old = (now_ms() - 120_000).to_string();
        assert_legacy_error(&app.signed_corp_token(key, secret, &old, &ticket, &body).await, 853002);
        let future = (now_ms() + 120_000).to_string();
        assert_legacy_error(&app.signed_corp_token(key, secret, &future, &ticket, &body).await, 853002);
        assert_legacy_error(&app.signed_corp_token(key, secret, "yesterday", &ticket, &body).await, 853001);
        assert_legacy_error(&app.signed_corp_token(key, "wrong-secret-0123456789", &ts, &ticket, &body).await, 853004);
        assert_legacy_error(&app.signed_corp_token("suitenosuch", secret, &ts, &ticket, &body).await, 853003);
        assert_legacy_error(&app.signed_corp_token(HR.0, HR.1, &ts, &ticket, &body).await, 853003);
        assert_legacy_error(&app.signed_corp_token(key, secret, &ts, "TestSuiteTicket", &body).await, 853005);
        assert_legacy_error(&app.signed_corp_token(key, secret, &ts, &ticket, "{}").await, 41027);
        assert_legacy_error(&app.signed_corp_token(key, secret, &ts, &ticket, &format!(r#"{{"auth_corpid":"{ACME}"}}"#)).await, 40079);
        assert_legacy_error(&app.signed_corp_token(key, secret, &ts, &ticket, &format!(r#"{{"auth_corpid":"{INITECH}"}}"#)).await, 40079);
        // An unencoded `+` in the signature arrives as a space and is still read.
        let sig = opending_domain::isv::signature(secret, &ts, &ticket);
        let raw = app.send(app.http.post(format!("{}/service/get_corp_token?accessKey={key}&timestamp={ts}&suiteTicket={ticket}&signature={sig}", app.base)).json(&json!({"auth_corpid": GLOBEX}))).await;
        assert_eq!(raw.body["errcode"], 0, "{}", raw.body);
        // The retired permanent-code form.
        let old_flow = app.send(app.http.post(format!("{}/service/get_corp_token?suite_access_token={suite}", app.base)).json(&json!({"auth_corpid": GLOBEX, "permanent_code": "x"}))).await;
        assert_legacy_error(&old_flow, 40084);

        // get_auth_info: signed, and with a suite token.
        let info = app.send(app.http.post(format!(
            "{}/service/get_auth_info?accessKey={key}&timestamp={ts}&suiteTicket={ticket}&signature={}",
            app.base, url_encode(&sig)
        )).json(&json!({"auth_corpid": GLOBEX, "suite_key": key}))).await;
        assert_eq!(info.body["errcode"], 0, "{}", info.body);
        assert_eq!(info.body["auth_corp_info"]["corpid"], GLOBEX);
        assert_eq!(info.body["auth_corp_info"]["corp_name"], "Globex");
        assert_eq!(info.body["auth_info"]["agent"][0]["agent_name"], "Travel Booking");
        let by_token = app.send(app.http.post(format!("{}/service/get_auth_info?suite_access_token={suite}", app.base)).json(&json!({"auth_corpid": GLOBEX}))).await;
        assert_eq!(by_token.body["errcode"], 0, "{}", by_token.body);
        assert_eq!(by_token.body["auth_info"], info.body["auth_info"]);
        let bad = app.send(app.http.post(format!("{}/service/get_auth_info?suite_access_token=0123456789abcdef0123456789abcdef", app.base)).json(&json!({"auth_corpid": GLOBEX}))).await;
        assert_legacy_error(&bad, 48003);
        let none = app.send(app.http.post(format!("{}/service/get_auth_info?suite_access_token={suite}", app.base)).json(&json!({"auth_corpid": ACME}))).await;
        assert_legacy_error(&none, 40079);
    }
}
