//! The legacy personal login (docs/dingtalk/dingtalk-wire-2.md §G): `/connect/qrconnect` and
//! `/connect/oauth2/sns_authorize` lead into the browser login flow under the older names,
//! `/oauth2/challenge.htm` is `/oauth2/auth` with comma-separated scopes, and
//! `POST /sns/getuserinfo_bycode` answers the user for a signed call, once per code.

use serde_json::json;

use crate::{browser_helpers::*, helpers::*};

const CALLBACK: &str = "https://hr.acme.example/callback";

/// Follows the older authorize page as a signed-in browser: the redirect, the consent form,
/// the decision; answers the `code` sent back to the callback.
async fn personal_code(app: &TestApp, entry: &str) -> String {
    let b = app.signed_in(ALICE).await;
    let r = b.get(format!("{}{entry}", app.base)).send().await.unwrap();
    assert!(r.status().is_redirection(), "{}", r.status());
    let to = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(to.starts_with("/oauth2/auth?"), "{to}");
    let page = b.get(format!("{}{to}", app.base)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let csrf = csrf_in(&page.text().await.unwrap());
    let r = b
        .post(format!("{}/oauth2/auth/decision", app.base))
        .form(&[
            ("csrf", csrf.as_str()),
            ("client_id", HR.0),
            ("redirect_uri", CALLBACK),
            ("scope", "openid"),
            ("state", "st"),
            ("decision", "allow"),
        ])
        .send()
        .await
        .unwrap();
    let back = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(back.starts_with(&format!("{CALLBACK}?")), "{back}");
    let url = reqwest::Url::parse(&back).unwrap();
    let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(q.get("state").map(String::as_str), Some("st"));
    assert_eq!(
        q.get("code"),
        q.get("authCode"),
        "both names carry the code"
    );
    q["code"].clone()
}

fn signature(secret: &str, timestamp: &str) -> String {
    let sig = opending_domain::isv::sns_signature(secret, timestamp);
    form_urlencoded::byte_serialize(sig.as_bytes()).collect()
}

both_backends! {
    async fn the_older_personal_login_answers_the_user_for_a_signed_call(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let entry = format!("/connect/qrconnect?appid={}&response_type=code&scope=snsapi_login&state=st&redirect_uri={}", HR.0, form_urlencoded::byte_serialize(CALLBACK.as_bytes()).collect::<String>());
        let code = personal_code(&app, &entry).await;
        let ts = (app.core.now().0 * 1000).to_string();
        let call = |ts: &str, sig: &str, key: &str, body: serde_json::Value| {
            app.send(app.http.post(format!("{}/sns/getuserinfo_bycode?accessKey={key}&timestamp={ts}&signature={sig}", app.base)).json(&body))
        };
        let r = call(&ts, &signature(HR.1, &ts), HR.0, json!({"tmp_auth_code": code})).await;
        assert_eq!(r.status, 200);
        assert_eq!((r.body["errcode"].as_i64(), r.body["errmsg"].as_str()), (Some(0), Some("ok")), "{}", r.body);
        let u = &r.body["user_info"];
        assert_eq!((u["nick"].as_str(), u["unionid"].as_str(), u["main_org_auth_high_level"].as_bool()), (Some("Alice Chen"), Some(ALICE.0), Some(false)));
        assert!(u["openid"].as_str().is_some_and(|o| !o.is_empty() && o != ALICE.0));
        // Single use; the signature's failures; a missing code.
        assert_eq!(call(&ts, &signature(HR.1, &ts), HR.0, json!({"tmp_auth_code": code})).await.body["errcode"], 40078);
        assert_eq!(call(&ts, &signature("wrong-secret", &ts), HR.0, json!({"tmp_auth_code": "x"})).await.body["errcode"], 853004);
        assert_eq!(call(&ts, &signature(HR.1, &ts), "dingnosuchapp", json!({"tmp_auth_code": "x"})).await.body["errcode"], 853003);
        let stale = ((app.core.now().0 - 120) * 1000).to_string();
        assert_eq!(call(&stale, &signature(HR.1, &stale), HR.0, json!({"tmp_auth_code": "x"})).await.body["errcode"], 853002);
        assert_eq!(call("soon", &signature(HR.1, "soon"), HR.0, json!({"tmp_auth_code": "x"})).await.body["errcode"], 853001);
        assert_eq!(call(&ts, &signature(HR.1, &ts), HR.0, json!({})).await.body["errcode"], 41026);
        // A code for another app, through the account-password page and the JustAuth entry.
        let entry = format!("/connect/oauth2/sns_authorize?appid={}&response_type=code&scope=snsapi_login&state=st&redirect_uri={}", HR.0, form_urlencoded::byte_serialize(CALLBACK.as_bytes()).collect::<String>());
        let code = personal_code(&app, &entry).await;
        let dir_ts = ts.clone();
        assert_eq!(call(&dir_ts, &signature(DIR.1, &dir_ts), DIR.0, json!({"tmp_auth_code": code})).await.body["errcode"], 40078);
        let challenge = format!("/oauth2/challenge.htm?response_type=code&client_id={}&scope=openid%2Ccorpid&redirect_uri={}&prompt=consent&org_type=&corpId=&exclusiveLogin=false&exclusiveCorpId=&state=st", HR.0, form_urlencoded::byte_serialize(CALLBACK.as_bytes()).collect::<String>());
        let b = app.signed_in(ALICE).await;
        let r = b.get(format!("{}{challenge}", app.base)).send().await.unwrap();
        let to = r.headers()["location"].to_str().unwrap().to_owned();
        assert!(to.contains("scope=openid+corpid") && !to.contains("org_type") && !to.contains("exclusiveCorpId"), "{to}");
        assert_eq!(b.get(format!("{}{to}", app.base)).send().await.unwrap().status(), 200);
    }
}
