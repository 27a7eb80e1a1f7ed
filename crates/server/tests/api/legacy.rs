//! DingTalk's legacy (oapi) family: `GET /gettoken`, the legacy envelope of every failure
//! (HTTP 200, `errcode`/`errmsg`), unknown legacy paths, and the token shared with v1.0
//! (docs/dingtalk/dingtalk-wire-2.md §1, §A1; docs/dingtalk/decisions.md §19–20).

use crate::helpers::*;
use serde_json::{json, Value};

impl TestApp {
    async fn gettoken(&self, query: &str) -> Answer {
        self.send(self.http.get(format!("{}/gettoken?{query}", self.base)))
            .await
    }
}

/// The exact failure body: HTTP 200, `{"errcode","errmsg"}` and nothing else.
fn assert_legacy(a: &Answer, errcode: i64, errmsg: &str) {
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(
        a.body,
        json!({"errcode": errcode, "errmsg": errmsg}),
        "{}",
        a.body
    );
}

/// The keys of a JSON object answer, in the order they were sent.
async fn sent_keys(req: reqwest::RequestBuilder) -> Vec<String> {
    let text = req.send().await.unwrap().text().await.unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    let mut keys: Vec<(usize, String)> = v
        .as_object()
        .unwrap()
        .keys()
        .map(|k| (text.find(&format!("\"{k}\":")).unwrap(), k.clone()))
        .collect();
    keys.sort();
    keys.into_iter().map(|(_, k)| k).collect()
}

impl TestApp {
    async fn legacy_ticket(&self, query: &str) -> Answer {
        self.send(
            self.http
                .get(format!("{}/get_jsapi_ticket?{query}", self.base)),
        )
        .await
    }

    async fn v1_ticket(&self, token: Option<&str>) -> Answer {
        let mut req = self
            .http
            .post(format!("{}/v1.0/oauth2/jsapiTickets", self.base));
        if let Some(t) = token {
            req = req.header("x-acs-dingtalk-access-token", t);
        }
        self.send(req).await
    }
}

opending_testkit::both_backends! {
    async fn jsapi_tickets_are_one_per_app_and_org_on_both_families(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let (id, secret) = HR;
        let legacy_token = app.gettoken(&format!("appkey={id}&appsecret={secret}")).await.body["access_token"].as_str().unwrap().to_owned();
        let a = app.legacy_ticket(&format!("access_token={legacy_token}")).await;
        assert_eq!(a.status, 200, "{}", a.body);
        assert_eq!((a.body["errcode"].as_i64(), a.body["errmsg"].as_str()), (Some(0), Some("ok")), "{}", a.body);
        let url = format!("{}/get_jsapi_ticket?access_token={legacy_token}", app.base);
        assert_eq!(sent_keys(app.http.get(&url)).await, ["errcode", "ticket", "errmsg", "expires_in"]);
        let ticket = a.body["ticket"].as_str().unwrap().to_owned();
        assert!(ticket.len() == 64 && ticket.bytes().all(|b| b.is_ascii_hexdigit()), "{ticket}");
        assert_eq!(a.body["expires_in"], 7200);
        // A v1.0 token on the legacy endpoint, and the v1.0 endpoint: the same ticket.
        let v1_token = app.token_value(ACME, HR).await;
        assert_eq!(v1_token, legacy_token);
        let b = app.v1_ticket(Some(&v1_token)).await;
        assert_eq!(b.status, 200, "{}", b.body);
        assert_eq!(b.body, json!({"jsapiTicket": ticket, "expireIn": 7200}));
        assert_eq!(b.headers["cache-control"], "no-store");
        // Another org of a third-party app has its own.
        let travel = app.token_value(GLOBEX, TRAVEL).await;
        let other = app.legacy_ticket(&format!("access_token={travel}")).await;
        assert_eq!(other.body["errcode"], 0, "{}", other.body);
        assert_ne!(other.body["ticket"], ticket.as_str());
        let again = app.v1_ticket(Some(&travel)).await;
        assert_eq!(again.body["jsapiTicket"], other.body["ticket"]);
    }

    async fn jsapi_tickets_refuse_bad_tokens_in_each_familys_shape(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let token = app.token_value(ACME, HR).await;
        assert_legacy(&app.legacy_ticket("").await, 41001, "缺少access_token参数");
        assert_legacy(&app.legacy_ticket("access_token=").await, 41001, "缺少access_token参数");
        assert_legacy(&app.legacy_ticket("access_token=0123456789abcdef0123456789abcdef").await, 40014, "不合法的access_token");
        assert_legacy(&app.legacy_ticket(&format!("access_token={}", "z".repeat(300))).await, 40014, "不合法的access_token");
        // A user token holds no app points: a missing permission, never a token error (which
        // would send dingtalk-sdk into its refetch loop).
        let code = app.hr_code(ALICE, "Contact.User.Read", "").await;
        let user = app.exchange(&code).await.body["accessToken"].as_str().unwrap().to_owned();
        assert_legacy(&app.legacy_ticket(&format!("access_token={user}")).await, 60011, "没有调用该接口的权限");
        app.v1_ticket(Some(&user)).await.assert_error(403, "Forbidden.AccessDenied.AccessTokenPermissionDenied");
        // The legacy family reads the query only, never the v1.0 header.
        let header_only = app.send(app.http.get(format!("{}/get_jsapi_ticket", app.base)).header("x-acs-dingtalk-access-token", &token)).await;
        assert_legacy(&header_only, 41001, "缺少access_token参数");
        // A revoked token is refused at once, on both families.
        let r = app.send(app.admin(reqwest::Method::POST, "/tokens/revoke").json(&json!({"token": token}))).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_legacy(&app.legacy_ticket(&format!("access_token={token}")).await, 40014, "不合法的access_token");
        app.v1_ticket(Some(&token)).await.assert_error(400, "InvalidAuthentication");
        // No header at all: the gateway's own answer (docs/dingtalk/dingtalk-wire-2.md §E2).
        app.v1_ticket(None).await.assert_error(400, "AuthenticationFailed.MissingParameter");
        // The wrong method on the v1.0 path is v1.0's 405; on the legacy path, the legacy 404.
        let get = app.send(app.http.get(format!("{}/v1.0/oauth2/jsapiTickets", app.base))).await;
        assert_eq!(get.status, 405, "{}", get.body);
        let post = app.send(app.http.post(format!("{}/get_jsapi_ticket?access_token=x", app.base))).await;
        assert_legacy(&post, 404, "请求的URI地址不存在");
    }

    async fn gettoken_hands_out_the_apps_one_live_token(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let (id, secret) = HR;
        let a = app.gettoken(&format!("appkey={id}&appsecret={secret}")).await;
        assert_eq!(a.status, 200, "{}", a.body);
        let url = format!("{}/gettoken?appkey={id}&appsecret={secret}", app.base);
        assert_eq!(sent_keys(app.http.get(&url)).await, ["errcode", "access_token", "errmsg", "expires_in"]);
        assert_eq!((a.body["errcode"].as_i64(), a.body["errmsg"].as_str()), (Some(0), Some("ok")));
        assert_eq!(a.body["expires_in"], 7200);
        let token = a.body["access_token"].as_str().unwrap().to_owned();
        assert!(token.len() == 32 && token.bytes().all(|b| b.is_ascii_hexdigit()), "{token}");
        assert_eq!(a.headers["cache-control"], "no-store");
        // One family: the same token again, and from both v1.0 endpoints.
        let again = app.gettoken(&format!("appkey={id}&appsecret={secret}")).await;
        assert_eq!(again.body["access_token"], token.as_str());
        assert_eq!(app.token_value(ACME, HR).await, token);
        let v1 = app.post_json("/v1.0/oauth2/accessToken", &json!({"appKey": id, "appSecret": secret})).await;
        assert_eq!(v1.body["accessToken"], token.as_str(), "{}", v1.body);
        // …and it works on the v1.0 family.
        let info = app.auth_infos(Some(&token), None).await;
        assert_eq!(info.status, 200, "{}", info.body);
        assert_eq!(info.body["orgName"], "Acme Corp");
    }

    async fn gettoken_refuses_with_dingtalks_errcodes(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let (id, secret) = HR;
        assert_legacy(&app.gettoken(&format!("appkey={id}&appsecret=wrong-secret-0123456789")).await, 40096, "不合法的appKey或appSecret");
        assert_legacy(&app.gettoken(&format!("appkey=dingnosuchapp&appsecret={secret}")).await, 40096, "不合法的appKey或appSecret");
        assert_legacy(&app.gettoken("appkey=not%20an%20id!&appsecret=x").await, 40096, "不合法的appKey或appSecret");
        // A third-party app's key is not an internal app's.
        assert_legacy(&app.gettoken(&format!("appkey={}&appsecret={}", TRAVEL.0, TRAVEL.1)).await, 40096, "不合法的appKey或appSecret");
        assert_legacy(&app.gettoken("").await, 40035, "缺少参数 corpid or appkey");
        assert_legacy(&app.gettoken("appkey=&appsecret=").await, 40035, "缺少参数 corpid or appkey");
        assert_legacy(&app.gettoken(&format!("appkey={id}")).await, 40035, "缺少参数 appsecret");
        assert_legacy(&app.gettoken(&format!("corpid={ACME}&corpsecret=whatever")).await, 40089, "不合法的corpid或corpsecret");
        // Only the query is read: the same parameters in a form body are missing ones.
        let form = app.send(app.http.get(format!("{}/gettoken", app.base)).form(&[("appkey", id), ("appsecret", secret)])).await;
        assert_legacy(&form, 40035, "缺少参数 corpid or appkey");
        // Bytes that are not UTF-8 make a key that exists nowhere.
        assert_legacy(&app.gettoken("appkey=%ff%fe&appsecret=x").await, 40096, "不合法的appKey或appSecret");
        // The wrong method and unknown legacy paths answer in the legacy shape too.
        let post = app.send(app.http.post(format!("{}/gettoken?appkey={id}&appsecret={secret}", app.base))).await;
        assert_legacy(&post, 404, "请求的URI地址不存在");
        let unknown = app.send(app.http.get(format!("{}/service/no_such_api", app.base))).await;
        assert_legacy(&unknown, 404, "请求的URI地址不存在");
        // An oversized parameter is refused, never a 5xx.
        let long = "x".repeat(5_000);
        let big = app.gettoken(&format!("appkey={long}&appsecret={long}")).await;
        assert!(big.status == 200 || big.status == 414 || big.status == 431, "{}: {}", big.status, big.body);
        if big.status == 200 {
            assert_ne!(big.body["errcode"], 0, "{}", big.body);
        }
    }

    async fn an_unknown_topapi_method_is_errcode_22_with_a_request_id(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let a = app.send(app.http.post(format!("{}/topapi/v2/user/notexist", app.base)).json(&json!({}))).await;
        assert_eq!(a.status, 200, "{}", a.body);
        let url = format!("{}/topapi/v2/user/notexist", app.base);
        assert_eq!(sent_keys(app.http.post(&url).json(&json!({}))).await, ["errcode", "sub_msg", "errmsg", "request_id"]);
        assert_eq!(a.body["errcode"], 22);
        assert_eq!(a.body["sub_msg"], "不合法ApiName，ApiName = dingtalk.oapi.v2.user.notexist");
        assert_eq!(a.body["errmsg"], "Invalid method[submsg=不合法ApiName，ApiName = dingtalk.oapi.v2.user.notexist]");
        let rid = a.body["request_id"].as_str().unwrap();
        assert!(rid.len() == 13 && rid.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_lowercase()), "{rid}");
        let header = a.headers["x-acs-request-id"].to_str().unwrap().to_ascii_lowercase().replace('-', "");
        assert!(header.starts_with(rid), "{header} / {rid}");
    }

    async fn the_legacy_family_is_rate_limited_like_v1(backend: Backend) {
        let app = TestApp::spawn_with(backend, |c| {
            c.limits.enabled = Some(true);
            c.limits.app_api_per_second = 1;
            c.limits.app_api_burst = 1;
            c.limits.address_per_second = 1000;
            c.limits.address_burst = 1000;
        })
        .await;
        let (id, secret) = HR;
        let mut refused = None;
        for _ in 0..50 {
            let a = app.gettoken(&format!("appkey={id}&appsecret={secret}")).await;
            assert_eq!(a.status, 200, "{}", a.body);
            if a.body["errcode"] != 0 {
                refused = Some(a);
                break;
            }
        }
        let a = refused.expect("the app's per-API limit answers");
        assert_eq!(a.body["errcode"], 90018, "{}", a.body);
        assert_eq!(a.body["errmsg"], "您的企业应用调用钉钉开放平台当前接口的所有请求都被暂时禁用了");
        let mut keys: Vec<&String> = a.body.as_object().unwrap().keys().collect();
        keys.sort();
        assert_eq!(keys, ["errcode", "errmsg"]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emulator_faults_answer_in_the_legacy_envelope() {
    let app = TestApp::spawn_with(Backend::sqlite(), |c| c.emulator.enabled = true).await;
    let fault = app
        .send(
            app.http
                .post(format!("{}/_opending/faults", app.base))
                .json(&json!({
                    "pathPrefix": "/gettoken",
                    "action": {"kind": "error", "code": "Forbidden.AccessDenied.QpsLimitForApi"},
                    "times": 1
                })),
        )
        .await;
    assert_eq!(fault.status, 201, "{}", fault.body);
    let (id, secret) = HR;
    let a = app
        .gettoken(&format!("appkey={id}&appsecret={secret}"))
        .await;
    assert_legacy(
        &a,
        90002,
        "您的服务器调用钉钉开放平台当前接口的所有请求都被暂时禁用了",
    );
    // The rule was for one request: the next one gets its token.
    let b = app
        .gettoken(&format!("appkey={id}&appsecret={secret}"))
        .await;
    assert_eq!(b.body["errcode"], 0, "{}", b.body);
    // The journal saw both, under the route.
    let counts = app
        .send(
            app.http
                .get(format!("{}/_opending/requests/counts", app.base)),
        )
        .await;
    assert!(
        counts.body.to_string().contains("/gettoken"),
        "{}",
        counts.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_emulator_injects_errcodes_and_expires_jsapi_tickets() {
    let app = TestApp::spawn_with(Backend::sqlite(), |c| c.emulator.enabled = true).await;
    let emu = |path: &str| format!("{}/_opending{path}", app.base);
    // Any errcode, with DingTalk's text for the ones opending knows, or the given one.
    let f = app.send(app.http.post(emu("/faults")).json(&json!({"pathPrefix": "/gettoken", "action": {"kind": "errcode", "errcode": 90018}, "times": 1}))).await;
    assert_eq!(f.status, 201, "{}", f.body);
    let (id, secret) = HR;
    let a = app
        .gettoken(&format!("appkey={id}&appsecret={secret}"))
        .await;
    assert_legacy(
        &a,
        90018,
        "您的企业应用调用钉钉开放平台当前接口的所有请求都被暂时禁用了",
    );
    app.send(app.http.post(emu("/faults")).json(&json!({"pathPrefix": "/get_jsapi_ticket", "action": {"kind": "errcode", "errcode": 60020, "errmsg": "访问ip不在白名单之中"}, "times": 1}))).await;
    let t = app.legacy_ticket("access_token=x").await;
    assert_legacy(&t, 60020, "访问ip不在白名单之中");
    for bad in [
        json!({"kind": "errcode", "errcode": 0}),
        json!({"kind": "errcode", "errcode": "x"}),
        json!({"kind": "errcode", "errcode": 1, "errmsg": "m".repeat(2000)}),
    ] {
        let r = app
            .send(app.http.post(emu("/faults")).json(&json!({"action": bad})))
            .await;
        assert_eq!(r.status, 400, "{bad}: {}", r.body);
    }
    // Expiring a JSAPI ticket makes the next fetch a new one.
    let token = app.token_value(ACME, HR).await;
    let first = app
        .legacy_ticket(&format!("access_token={token}"))
        .await
        .body["ticket"]
        .clone();
    let r = app
        .send(
            app.http
                .post(emu(&format!("/jsapi-tickets/{id}/{ACME}/expire"))),
        )
        .await;
    assert_eq!(r.body, json!({"expired": true}), "{}", r.body);
    let second = app
        .legacy_ticket(&format!("access_token={token}"))
        .await
        .body["ticket"]
        .clone();
    assert!(second.is_string());
    assert_ne!(first, second);
    let none = app
        .send(
            app.http
                .post(emu(&format!("/jsapi-tickets/{id}/{GLOBEX}/expire"))),
        )
        .await;
    assert_eq!(none.body, json!({"expired": false}));
    let bad = app
        .send(app.http.post(emu("/jsapi-tickets/not%20an%20id/x/expire")))
        .await;
    assert_eq!(bad.status, 400, "{}", bad.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ip_ban_preset_answers_outside_both_envelopes() {
    let app = TestApp::spawn_with(Backend::sqlite(), |c| c.emulator.enabled = true).await;
    let emu = |path: &str| format!("{}/_opending{path}", app.base);
    let (id, secret) = HR;
    // JSON, on a legacy path: no errcode for a client to read.
    let f = app
        .send(
            app.http
                .post(emu("/faults"))
                .json(&json!({"pathPrefix": "/gettoken", "action": {"kind": "ipBan"}, "times": 1})),
        )
        .await;
    assert_eq!(f.status, 201, "{}", f.body);
    let a = app
        .gettoken(&format!("appkey={id}&appsecret={secret}"))
        .await;
    assert_eq!(a.status, 200);
    assert_eq!(
        (
            a.body["status"].as_i64(),
            a.body["punish"].as_str(),
            a.body["source"].as_str(),
            a.body["wait"].as_i64()
        ),
        (Some(1111), Some("deny"), Some("x5"), Some(5)),
        "{}",
        a.body
    );
    assert!(a.body.get("errcode").is_none() && a.body.get("code").is_none());
    assert_eq!(a.body["uuid"].as_str().map(str::len), Some(32));
    // HTML with a chosen status, on a v1.0 path.
    let f = app.send(app.http.post(emu("/faults")).json(&json!({"pathPrefix": "/v1.0/", "action": {"kind": "ipBan", "html": true, "status": 403}, "times": 1}))).await;
    assert_eq!(f.status, 201, "{}", f.body);
    let r = app
        .http
        .post(format!("{}/v1.0/oauth2/accessToken", app.base))
        .json(&json!({"appKey": id, "appSecret": secret}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(r.text().await.unwrap().contains("<html"));
    // The next request is served.
    assert_eq!(
        app.gettoken(&format!("appkey={id}&appsecret={secret}"))
            .await
            .body["errcode"],
        0
    );
    for bad in [
        json!({"kind": "ipBan", "status": 99}),
        json!({"kind": "ipBan", "html": "yes"}),
        json!({"kind": "ipBan", "extra": 1}),
    ] {
        let r = app
            .send(app.http.post(emu("/faults")).json(&json!({"action": bad})))
            .await;
        assert_eq!(r.status, 400, "{bad}: {}", r.body);
    }
}
