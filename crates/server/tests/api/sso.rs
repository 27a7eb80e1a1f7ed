//! SSO into an app's admin backend (docs/dingtalk/dingtalk-wire-2.md §F): the org's SSO secret,
//! SSO tokens on both families, codes minted when an org admin opens the app's admin backend,
//! and `authRules/user` (what a user token was granted).

use crate::{browser_helpers::csrf_in, helpers::*};
use serde_json::json;

const GLOBEX_SSO: &str = "globex-sso-secret-0123456789";

impl TestApp {
    async fn sso_token(&self, corp: &str, secret: &str) -> Answer {
        self.post_json(
            "/v1.0/oauth2/ssoAccessToken",
            &json!({"corpid": corp, "ssoSecret": secret}),
        )
        .await
    }

    async fn sso_user(&self, token: Option<&str>, code: &str) -> Answer {
        let mut req = self
            .http
            .get(format!("{}/v1.0/oauth2/ssoUserInfo", self.base))
            .query(&[("code", code)]);
        if let Some(t) = token {
            req = req.header("x-acs-dingtalk-access-token", t);
        }
        self.send(req).await
    }
}

/// A page's HTML.
async fn page(app: &TestApp, b: &reqwest::Client, path: &str) -> String {
    b.get(format!("{}{path}", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Posts a CSRF-only form; the raw response.
async fn post_csrf(
    app: &TestApp,
    b: &reqwest::Client,
    path: &str,
    csrf: &str,
) -> reqwest::Response {
    b.post(format!("{}{path}", app.base))
        .form(&[("csrf", csrf)])
        .send()
        .await
        .unwrap()
}

/// Carol (Globex's admin) opening Travel Booking's admin backend, through the org page.
pub async fn carol_opens_travel(app: &TestApp) -> String {
    let carol = app.signed_in(CAROL).await;
    let html = page(app, &carol, &format!("/org/{GLOBEX}/installations")).await;
    assert!(html.contains("admin-backend"), "{html}");
    let resp = post_csrf(
        app,
        &carol,
        &format!("/org/{GLOBEX}/installations/{}/admin-backend", TRAVEL.0),
        &csrf_in(&html),
    )
    .await;
    assert_eq!(
        resp.status().as_u16(),
        303,
        "{}",
        resp.text().await.unwrap()
    );
    let to = resp.headers()["location"].to_str().unwrap().to_owned();
    let code = to
        .strip_prefix("https://travel.example/admin?code=")
        .unwrap_or_else(|| panic!("{to}"));
    code.to_owned()
}

opending_testkit::both_backends! {
    async fn an_org_admin_carries_a_single_use_code_into_the_apps_admin_backend(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let a = app.sso_token(GLOBEX, GLOBEX_SSO).await;
        assert_eq!(a.status, 200, "{}", a.body);
        assert_eq!(a.body["expireIn"], 3600);
        let token = a.body["accessToken"].as_str().unwrap().to_owned();
        let code = carol_opens_travel(&app).await;
        let u = app.sso_user(Some(&token), &code).await;
        assert_eq!(u.status, 200, "{}", u.body);
        let carol = opending_domain::user::userid(
            &opending_domain::CorpId::parse(GLOBEX).unwrap(),
            &opending_domain::UnionId::parse(CAROL.0).unwrap(),
        );
        assert_eq!(u.body, json!({"corpId": GLOBEX, "corpName": "Globex", "userId": carol, "email": "", "userName": "Carol Wang", "avatar": "", "isAdmin": true}));
        // Single use.
        app.sso_user(Some(&token), &code).await.assert_error(400, "invalidCode");
        // Another org's SSO token does not take Globex's codes.
        let code = carol_opens_travel(&app).await;
        let acme = app.sso_token(ACME, "acme-sso-secret-0123456789ab").await.body["accessToken"].as_str().unwrap().to_owned();
        app.sso_user(Some(&acme), &code).await.assert_error(400, "invalidCode");
        // Token problems.
        app.sso_user(None, &code).await.assert_error(400, "AuthenticationFailed.MissingParameter");
        app.sso_user(Some("0123456789abcdef0123456789abcdef"), &code).await.assert_error(400, "invalidToken");
        let app_token = app.token_value(GLOBEX, TRAVEL).await;
        app.sso_user(Some(&app_token), &code).await.assert_error(400, "invalidToken");
        app.sso_user(Some(&token), "").await.assert_error(400, "invalidCode");
        // Credentials.
        app.sso_token(GLOBEX, "wrong-wrong-wrong-wrong").await.assert_error(400, "invalidClientIdOrSecret");
        app.sso_token(INITECH, GLOBEX_SSO).await.assert_error(400, "invalidClientIdOrSecret");
        app.post_json("/v1.0/oauth2/ssoAccessToken", &json!({"corpid": GLOBEX})).await.assert_error(400, "invalid.request");
        // The SSO token opens nothing else.
        app.auth_infos(Some(&token), Some(GLOBEX)).await.assert_error(400, "InvalidAuthentication");
    }

    async fn legacy_sso_and_secret_rotation(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let get = |q: String| app.send(app.http.get(format!("{}{q}", app.base)));
        let t = get(format!("/sso/gettoken?corpid={GLOBEX}&corpsecret={GLOBEX_SSO}")).await;
        assert_eq!((t.body["errcode"].as_i64(), t.body["errmsg"].as_str()), (Some(0), Some("ok")), "{}", t.body);
        let token = t.body["access_token"].as_str().unwrap().to_owned();
        let code = carol_opens_travel(&app).await;
        let u = get(format!("/sso/getuserinfo?access_token={token}&code={code}")).await;
        assert_eq!(u.body["errcode"], 0, "{}", u.body);
        assert_eq!(u.body["is_sys"], true);
        assert_eq!(u.body["user_info"]["name"], "Carol Wang");
        assert_eq!(u.body["corp_info"], json!({"corpid": GLOBEX, "corp_name": "Globex"}));
        let again = get(format!("/sso/getuserinfo?access_token={token}&code={code}")).await;
        assert_eq!(again.body, json!({"errcode": 41007, "errmsg": "无效的ssocode"}));
        let bad = get(format!("/sso/gettoken?corpid={GLOBEX}&corpsecret=nope")).await;
        assert_eq!(bad.body, json!({"errcode": 40089, "errmsg": "不合法的corpid或corpsecret"}));
        assert_eq!(get("/sso/gettoken".into()).await.body["errcode"], 40035);
        assert_eq!(get(format!("/sso/getuserinfo?code={code}")).await.body["errcode"], 41001);
        assert_eq!(get(format!("/sso/getuserinfo?access_token=0123456789abcdef0123456789abcdef&code={code}")).await.body["errcode"], 40014);
        // The org admin rotates the secret on the org page: shown once; old tokens end.
        let carol = app.signed_in(CAROL).await;
        let html = page(&app, &carol, &format!("/org/{GLOBEX}/installations")).await;
        let resp = post_csrf(&app, &carol, &format!("/org/{GLOBEX}/sso-secret"), &csrf_in(&html)).await;
        assert_eq!(resp.status().as_u16(), 200);
        let shown = resp.text().await.unwrap();
        let secret = shown.split("id=\"sso-secret\"").nth(1).and_then(|s| s.split('>').nth(1)).and_then(|s| s.split('<').next()).unwrap_or_else(|| panic!("{shown}")).to_owned();
        assert_eq!(secret.len(), 64, "{secret}");
        app.sso_user(Some(&token), &carol_opens_travel(&app).await).await.assert_error(400, "invalidToken");
        app.sso_token(GLOBEX, GLOBEX_SSO).await.assert_error(400, "invalidClientIdOrSecret");
        assert_eq!(app.sso_token(GLOBEX, &secret).await.status, 200);
        // A member who is not an admin cannot.
        let bob = app.signed_in(BOB).await;
        let csrf = csrf_in(&page(&app, &bob, "/account").await);
        let refused = post_csrf(&app, &bob, &format!("/org/{ACME}/sso-secret"), &csrf).await;
        assert!(refused.status().as_u16() >= 400, "{}", refused.status());
        assert_eq!(app.sso_token(ACME, "acme-sso-secret-0123456789ab").await.status, 200);
    }

    async fn auth_rules_list_what_the_user_granted(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let code = app.hr_code(ALICE, "Contact.User.Read", "Contact.User.mobile").await;
        let user = app.exchange(&code).await.body["accessToken"].as_str().unwrap().to_owned();
        let get = |t: Option<String>| {
            let mut req = app.http.get(format!("{}/v1.0/oauth2/authRules/user", app.base));
            if let Some(t) = t {
                req = req.header("x-acs-dingtalk-access-token", t);
            }
            app.send(req)
        };
        let a = get(Some(user)).await;
        assert_eq!(a.status, 200, "{}", a.body);
        assert_eq!(a.body, json!({"result": [{"resource": "Contact.User", "authItems": ["Read", "mobile"]}]}));
        get(Some(app.token_value(ACME, HR).await)).await.assert_error(403, "Forbidden.AccessDenied.AccessTokenPermissionDenied");
        get(None).await.assert_error(400, "AuthenticationFailed.MissingParameter");
        get(Some("nope".into())).await.assert_error(400, "InvalidAuthentication");
    }
}
