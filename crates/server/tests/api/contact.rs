//! `GET /v1.0/contact/organizations/authInfos` (seed 003), permission points, the token
//! extractor, and withdrawals taking effect on the very next request.

use crate::helpers::*;
use reqwest::Method;
use serde_json::json;

fn assert_denied(a: &Answer, scopes: &[&str]) {
    a.assert_error(403, "Forbidden.AccessDenied.AccessTokenPermissionDenied");
    assert_eq!(
        a.body["accessdenieddetail"],
        json!({"requiredScopes": scopes}),
        "{}",
        a.body
    );
}

opending_testkit::both_backends! {
    async fn an_internal_app_reads_its_own_org(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let token = app.token_value(ACME, HR).await;
        let a = app.auth_infos(Some(&token), None).await;
        assert_eq!(a.status, 200, "{}", a.body);
        assert_eq!(a.body, json!({
            "orgName": "Acme Corp",
            "authLevel": 1,
            "licenseOrgName": "Acme Corporation Ltd.",
            "registrationNum": "110000000000001",
            "unifiedSocialCredit": "91110000000000001X",
            "organizationCode": "10000000-1",
            "legalPerson": "Wile E. Coyote",
            "licenseUrl": "https://example.com/acme-license.png",
        }));
        assert!(a.body["authLevel"].is_i64());
        let explicit = app.auth_infos(Some(&token), Some(ACME)).await;
        assert_eq!(explicit.body, a.body);
        let empty_target = app.auth_infos(Some(&token), Some("")).await;
        assert_eq!(empty_target.body, a.body, "an empty targetCorpId means the token's org");
    }

    async fn uncertified_orgs_show_only_level_and_name(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let token = app.token_value(GLOBEX, TRAVEL).await;
        let a = app.auth_infos(Some(&token), None).await;
        assert_eq!(a.status, 200, "{}", a.body);
        assert_eq!(a.body, json!({"orgName": "Globex", "authLevel": 0}));
        // Setting certification info through the admin API shows up at once.
        let r = app.send(app.admin(Method::PUT, &format!("/orgs/{GLOBEX}/auth-info"))
            .json(&json!({"authLevel": 2, "legalPerson": "Hank Scorpio"}))).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let b = app.auth_infos(Some(&token), None).await;
        assert_eq!(b.body, json!({"orgName": "Globex", "authLevel": 2, "legalPerson": "Hank Scorpio"}));
        let bad = app.send(app.admin(Method::PUT, &format!("/orgs/{GLOBEX}/auth-info")).json(&json!({"authLevel": 7}))).await;
        bad.assert_error(400, "InvalidParameter");
    }

    async fn missing_unknown_expired_and_revoked_tokens_are_invalid(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let missing = app.auth_infos(None, None).await;
        missing.assert_error(400, "InvalidAuthentication");
        assert!(missing.body["message"].as_str().unwrap().starts_with("不合法的access_token"));
        for bogus in ["0123456789abcdef0123456789abcdef", "x", &"f".repeat(300), "tok en"] {
            let a = app.auth_infos(Some(bogus), None).await;
            a.assert_error(400, "InvalidAuthentication");
            assert_eq!(a.body["message"], "不合法的access_token");
        }
        let token = app.token_value(ACME, HR).await;
        assert_eq!(app.auth_infos(Some(&token), None).await.status, 200);
        app.core.clock.advance(7200);
        app.auth_infos(Some(&token), None).await.assert_error(400, "InvalidAuthentication");
        let fresh = app.token_value(ACME, HR).await;
        assert_eq!(app.auth_infos(Some(&fresh), None).await.status, 200);
        let r = app.send(app.admin(Method::POST, "/tokens/revoke").json(&json!({"token": fresh}))).await;
        assert_eq!(r.body["revoked"], 1);
        app.auth_infos(Some(&fresh), None).await.assert_error(400, "InvalidAuthentication");
    }

    async fn the_point_must_be_effective(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        // An internal app that never added the point.
        let ops = app.token_value(GLOBEX, OPS).await;
        assert_denied(&app.auth_infos(Some(&ops), None).await, &["Contact.Org.Read"]);
        // A third-party app that added it, in an org that did not grant it.
        let crm = app.token_value(GLOBEX, CRM).await;
        assert_denied(&app.auth_infos(Some(&crm), None).await, &["Contact.Org.Read"]);
        // The org grants it: the very next call succeeds with the same token.
        let g = app.send(app.admin(Method::POST, &format!("/apps/{}/installations/{GLOBEX}/grants", CRM.0))
            .json(&json!({"points": ["Contact.Org.Read"]}))).await;
        assert_eq!(g.status, 200, "{}", g.body);
        assert_eq!(app.auth_infos(Some(&crm), None).await.status, 200);
        // And withdraws it: the very next call is refused.
        let w = app.send(app.admin(Method::DELETE, &format!("/apps/{}/installations/{GLOBEX}/grants/Contact.Org.Read", CRM.0))).await;
        assert_eq!(w.status, 200, "{}", w.body);
        assert_denied(&app.auth_infos(Some(&crm), None).await, &["Contact.Org.Read"]);
        // An internal app gains the point by adding it, and loses it by removing it.
        let add = app.send(app.admin(Method::PUT, &format!("/apps/{}/points/Contact.Org.Read", OPS.0))).await;
        assert_eq!(add.status, 200, "{}", add.body);
        assert_eq!(app.auth_infos(Some(&ops), None).await.status, 200);
        let rm = app.send(app.admin(Method::DELETE, &format!("/apps/{}/points/Contact.Org.Read", OPS.0))).await;
        assert_eq!(rm.status, 200);
        assert_denied(&app.auth_infos(Some(&ops), None).await, &["Contact.Org.Read"]);
    }

    async fn unknown_target_orgs_are_invalid_parameters(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let token = app.token_value(ACME, HR).await;
        for target in ["dingnosuchorg", "../etc", "中文", &"a".repeat(100)] {
            let a = app.auth_infos(Some(&token), Some(target)).await;
            a.assert_error(400, "invalidParameter.system.param");
            assert_eq!(a.body["message"], "无效的企业targetCorpId", "{target}");
        }
    }

    async fn apps_read_only_orgs_that_authorized_them(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        // Third-party app installed in Globex, not in Acme (its developer's own org).
        let travel = app.token_value(GLOBEX, TRAVEL).await;
        assert_eq!(app.auth_infos(Some(&travel), Some(GLOBEX)).await.status, 200);
        let a = app.auth_infos(Some(&travel), Some(ACME)).await;
        a.assert_error(400, "permission.denied");
        assert_eq!(a.body["message"], "没有权限获取企业认证信息");
        // Suspended installation in Initech.
        app.auth_infos(Some(&travel), Some(INITECH)).await.assert_error(400, "permission.denied");
        // Internal app of Acme asking about Globex.
        let hr = app.token_value(ACME, HR).await;
        app.auth_infos(Some(&hr), Some(GLOBEX)).await.assert_error(400, "permission.denied");
        // Once Acme installs the app, it may read Acme too.
        app.send(app.admin(Method::PUT, &format!("/apps/{}/installations/{ACME}", TRAVEL.0))).await;
        assert_eq!(app.auth_infos(Some(&travel), Some(ACME)).await.status, 200);
    }

    async fn every_withdrawal_takes_effect_on_the_next_call(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let check = |token: String| {
            let app = &app;
            async move { app.auth_infos(Some(&token), None).await }
        };
        // Suspension.
        let t = app.token_value(GLOBEX, TRAVEL).await;
        assert_eq!(check(t.clone()).await.status, 200);
        app.send(app.admin(Method::POST, &format!("/apps/{}/installations/{GLOBEX}/suspend", TRAVEL.0))).await;
        check(t).await.assert_error(400, "InvalidAuthentication");
        // Reinstall (grants went with the suspension? no: suspension keeps grants) and uninstall.
        app.send(app.admin(Method::PUT, &format!("/apps/{}/installations/{GLOBEX}", TRAVEL.0))).await;
        let t = app.token_value(GLOBEX, TRAVEL).await;
        assert_eq!(check(t.clone()).await.status, 200, "grants survive a suspension");
        app.send(app.admin(Method::DELETE, &format!("/apps/{}/installations/{GLOBEX}", TRAVEL.0))).await;
        check(t).await.assert_error(400, "InvalidAuthentication");
        // Secret rotation.
        let t = app.token_value(ACME, HR).await;
        assert_eq!(check(t.clone()).await.status, 200);
        app.send(app.admin(Method::POST, &format!("/apps/{}/rotate-secret", HR.0))).await;
        check(t).await.assert_error(400, "InvalidAuthentication");
        // Deleting a custom point removes it from every token at once.
        let p = app.send(app.admin(Method::POST, "/points").json(&json!({
            "code": "Acme.Invoice.Read", "name": "Read invoices", "kind": "rpc", "grantType": "app"}))).await;
        assert_eq!(p.status, 201, "{}", p.body);
        app.send(app.admin(Method::PUT, &format!("/apps/{}/points/Acme.Invoice.Read", OPS.0))).await;
        let ops = app.token_value(GLOBEX, OPS).await;
        let i = app.introspect_admin(&ops).await;
        assert!(i.body["scope"].as_str().unwrap().contains("Acme.Invoice.Read"), "{}", i.body);
        let d = app.send(app.admin(Method::DELETE, "/points/Acme.Invoice.Read")).await;
        assert_eq!(d.status, 204);
        let i = app.introspect_admin(&ops).await;
        assert!(!i.body["scope"].as_str().unwrap().contains("Acme.Invoice.Read"), "{}", i.body);
        let builtin = app.send(app.admin(Method::DELETE, "/points/Contact.Org.Read")).await;
        builtin.assert_error(400, "InvalidParameter");
    }

    async fn storage_failure_is_an_opaque_service_error(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let token = app.token_value(ACME, HR).await;
        app.sql("DROP TABLE org_auth_info").await;
        let a = app.auth_infos(Some(&token), None).await;
        a.assert_error(500, "service.system.error");
        assert_eq!(a.body["message"], "系统错误");
    }

    async fn introspection_shows_effective_points(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let hr = app.token_value(ACME, HR).await;
        assert_eq!(app.introspect_admin(&hr).await.body["scope"], "Contact.Org.Read qyapi_base");
        let crm = app.token_value(GLOBEX, CRM).await;
        assert_eq!(app.introspect_admin(&crm).await.body["scope"], "qyapi_base");
    }

    async fn granting_checks_the_app_and_the_point(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let grant = |app_id: &str, corp: &str, points: serde_json::Value| {
            app.admin(Method::POST, &format!("/apps/{app_id}/installations/{corp}/grants")).json(&json!({"points": points}))
        };
        // A delegated point is consented by users, never granted by orgs.
        app.send(app.admin(Method::PUT, &format!("/apps/{}/points/Contact.User.Read", CRM.0))).await;
        let a = app.send(grant(CRM.0, GLOBEX, json!(["Contact.User.Read"]))).await;
        a.assert_error(400, "InvalidParameter");
        // A point the app has not added.
        let b = app.send(grant(TRAVEL.0, GLOBEX, json!(["Todo.Todo.Read"]))).await;
        b.assert_error(400, "InvalidParameter");
        // Not installed there.
        let c = app.send(grant(CRM.0, ACME, json!(["Contact.Org.Read"]))).await;
        c.assert_error(404, "NotFound");
        // `.default` grants every app-type point the app added.
        let d = app.send(grant(CRM.0, GLOBEX, json!([".default"]))).await;
        assert_eq!(d.body, json!(["Contact.Org.Read"]), "{}", d.body);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_invalid_tokens_leaves_memory_bounded() {
    let app = TestApp::spawn_with(Backend::sqlite(), |c| {
        c.negative_token_cache_capacity = 10_000
    })
    .await;
    let core = app.core.clone();
    for i in 0..100_000u32 {
        let token = format!("{i:032x}");
        let r = opending_server::service::auth::authenticate(&core, Some(&token)).await;
        assert!(r.is_err());
    }
    let (positive, negative) = core.tokens.entry_counts();
    assert_eq!(positive, 0);
    assert!(
        negative <= 10_000,
        "negative cache holds {negative} entries"
    );
    // Through HTTP too, and a valid token still works afterwards.
    for i in 0..500u32 {
        let a = app
            .auth_infos(Some(&format!("{:032x}", 1_000_000 + i)), None)
            .await;
        assert_eq!(a.status, 400);
    }
    let token = app.token_value(ACME, HR).await;
    assert_eq!(app.auth_infos(Some(&token), None).await.status, 200);
}
