//! User-delegated authorization: openAuth, user tokens, users/{unionId}, and the pages' defences.

use crate::{browser_helpers::*, helpers::*};
use reqwest::Method;
use serde_json::json;

const ALL_USER_POINTS: &str = "Contact.User.Read";

opending_testkit::both_backends! {
    async fn a_code_becomes_a_user_token_that_reads_me(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let code = app.hr_code(ALICE, ALL_USER_POINTS, "").await;
        let t = app.exchange(&code).await;
        assert_eq!(t.status, 200, "{}", t.body);
        let obj = t.body.as_object().unwrap();
        assert_eq!(obj.keys().cloned().collect::<Vec<_>>(), vec!["accessToken", "corpId", "expireIn", "refreshToken"]);
        assert_eq!(t.body["expireIn"], 7200);
        assert_eq!(t.body["corpId"], ACME);
        let access = t.body["accessToken"].as_str().unwrap();
        let me = app.user_info(access, "me").await;
        assert_eq!(me.status, 200, "{}", me.body);
        assert_eq!(me.body["unionId"], ALICE.0);
        assert_eq!(me.body["nick"], "Alice Chen");
        assert_eq!(me.body["visitor"], false);
        assert!(me.body["openId"].as_str().unwrap().len() > 20);
        // Without the field points: no mobile, stateCode or email.
        assert!(me.body.get("mobile").is_none() && me.body.get("stateCode").is_none() && me.body.get("email").is_none(), "{}", me.body);
        // Introspection knows it is a user token.
        let i = app.introspect_admin(access).await;
        assert_eq!(i.body["token_type"], "user_access_token");
    }

    async fn field_points_add_mobile_and_email(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let code = app.hr_code(ALICE, "Contact.User.Read", "Contact.User.mobile,Contact.User.email").await;
        let access = app.exchange(&code).await.body["accessToken"].as_str().unwrap().to_owned();
        let me = app.user_info(&access, "me").await;
        assert_eq!(me.body["mobile"], "13800000001");
        assert_eq!(me.body["stateCode"], "86");
        assert_eq!(me.body["email"], "alice@acme.example");
        // Every field with its exact JSON type.
        for f in ["nick", "avatarUrl", "mobile", "openId", "unionId", "email", "stateCode"] {
            assert!(me.body[f].is_string(), "{f}: {}", me.body);
        }
        assert!(me.body["visitor"].is_boolean());
    }

    async fn users_read_only_within_a_shared_org_and_with_the_point(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let alice = app.exchange(&app.hr_code(ALICE, ALL_USER_POINTS, "").await).await.body["accessToken"].as_str().unwrap().to_owned();
        assert_eq!(app.user_info(&alice, BOB.0).await.body["nick"], "Bob Li");
        // Alice and Carol share Globex, but Alice's token is for Acme, where Carol is not.
        app.user_info(&alice, CAROL.0).await.assert_error(400, "invalidParameter.system.param");
        let bob = app.exchange(&app.hr_code(BOB, ALL_USER_POINTS, "").await).await.body["accessToken"].as_str().unwrap().to_owned();
        app.user_info(&bob, CAROL.0).await.assert_error(400, "invalidParameter.system.param");
        app.user_info(&bob, "nobodyUnionId").await.assert_error(400, "invalidParameter.system.param");
        // Without Contact.User.Read: 403 listing it.
        let field_only = app.exchange(&app.hr_code(ALICE, "", "Contact.User.mobile").await).await.body["accessToken"].as_str().unwrap().to_owned();
        let a = app.user_info(&field_only, "me").await;
        a.assert_error(403, "Forbidden.AccessDenied.AccessTokenPermissionDenied");
        assert_eq!(a.body["accessdenieddetail"]["requiredScopes"], json!(["Contact.User.Read"]));
        // An app token is not a user.
        let app_token = app.token_value(ACME, HR).await;
        app.user_info(&app_token, "me").await.assert_error(403, "Forbidden.AccessDenied.AccessTokenPermissionDenied");
        app.user_info("0123456789abcdef0123456789abcdef", "me").await.assert_error(400, "InvalidAuthentication");
    }

    // Regression (issue 17, item 2): the token holder's own field consent was applied to
    // other users, and a fellow member of *another* org could be read through it.
    async fn other_users_are_read_in_the_tokens_org_only_and_without_field_points(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let code = app.hr_code(ALICE, "Contact.User.Read", "Contact.User.mobile,Contact.User.email").await;
        let alice = app.exchange(&code).await.body["accessToken"].as_str().unwrap().to_owned();
        let me = app.user_info(&alice, "me").await;
        assert_eq!(me.body["mobile"], "13800000001", "{}", me.body);
        // Alice's own unionId is `me`, with her own consent.
        assert_eq!(app.user_info(&alice, ALICE.0).await.body["mobile"], "13800000001");
        // Bob shares Acme (the token's org): his basic profile, never his mobile or e-mail.
        let bob = app.user_info(&alice, BOB.0).await;
        assert_eq!(bob.status, 200, "{}", bob.body);
        assert_eq!(bob.body["nick"], "Bob Li");
        for f in ["mobile", "stateCode", "email"] {
            assert!(bob.body.get(f).is_none(), "{f} of another user served: {}", bob.body);
        }
        // Carol is only in Globex: HR (an Acme app) cannot see her at all.
        app.user_info(&alice, CAROL.0).await.assert_error(400, "invalidParameter.system.param");
        // Once Bob leaves Acme, he is no longer readable through an Acme token.
        let gone = app.send(app.admin(Method::DELETE, &format!("/orgs/{ACME}/members/{}", BOB.0))).await;
        assert_eq!(gone.status, 204, "{}", gone.body);
        app.user_info(&alice, BOB.0).await.assert_error(400, "invalidParameter.system.param");
    }

    // Regression (issue 17, item 5): leaving an org, or being deleted, ends the user's tokens
    // there (access and refresh) and their unused codes.
    async fn leaving_an_org_or_being_deleted_revokes_the_users_tokens(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let bob = app.exchange(&app.hr_code(BOB, ALL_USER_POINTS, "").await).await;
        let (access, refresh) = (bob.body["accessToken"].as_str().unwrap().to_owned(), bob.body["refreshToken"].as_str().unwrap().to_owned());
        let unused_code = app.hr_code(BOB, ALL_USER_POINTS, "").await;
        let alice = app.exchange(&app.hr_code(ALICE, ALL_USER_POINTS, "").await).await.body["accessToken"].as_str().unwrap().to_owned();
        assert_eq!(app.user_info(&access, "me").await.status, 200);
        let gone = app.send(app.admin(Method::DELETE, &format!("/orgs/{ACME}/members/{}", BOB.0))).await;
        assert_eq!(gone.status, 204, "{}", gone.body);
        app.user_info(&access, "me").await.assert_error(400, "InvalidAuthentication");
        app.refresh(&refresh).await.assert_error(400, "invalid.grant");
        app.exchange(&unused_code).await.assert_error(400, "invalid.grant");
        assert_eq!(app.introspect_admin(&access).await.body["active"], false);
        // Alice, still a member, keeps hers; deleting her ends them.
        assert_eq!(app.user_info(&alice, "me").await.status, 200);
        let deleted = app.send(app.admin(Method::DELETE, &format!("/users/{}", ALICE.0))).await;
        assert_eq!(deleted.status, 204, "{}", deleted.body);
        app.user_info(&alice, "me").await.assert_error(400, "InvalidAuthentication");
    }

    // Regression (issue 17, item 3): revoking a family (here by replaying its code) while
    // two clients refresh it in tight loops leaves no live token. On PostgreSQL under READ
    // COMMITTED, a rotation committed during the revocation used to keep its new pair.
    async fn revocation_cannot_be_outrun_by_concurrent_refreshes(backend: Backend) {
        let app = std::sync::Arc::new(TestApp::spawn(backend).await);
        race_refreshes_against(&app, Revocation::CodeReplay).await;
    }

    // Issue 17, item 3: every other revocation that covers a user's tokens, too.
    async fn no_revocation_of_a_user_or_an_app_is_outrun_by_concurrent_refreshes(backend: Backend) {
        let app = std::sync::Arc::new(TestApp::spawn(backend).await);
        // Alice may leave Acme only while it has another admin.
        let r = app.send(app.admin(Method::PUT, &format!("/orgs/{ACME}/members/{}", BOB.0)).json(&json!({"role": "admin"}))).await;
        assert!(r.status < 300, "{}", r.body);
        for r in [Revocation::LeavingTheOrg, Revocation::AppTokensRevoked, Revocation::ConsentWithdrawn] {
            race_refreshes_against(&app, r).await;
        }
    }

    async fn codes_are_single_use_and_replay_revokes(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let code = app.hr_code(ALICE, ALL_USER_POINTS, "").await;
        let first = app.exchange(&code).await;
        let access = first.body["accessToken"].as_str().unwrap().to_owned();
        let refresh = first.body["refreshToken"].as_str().unwrap().to_owned();
        assert_eq!(app.user_info(&access, "me").await.status, 200);
        let again = app.exchange(&code).await;
        again.assert_error(400, "invalid.grant");
        app.user_info(&access, "me").await.assert_error(400, "InvalidAuthentication");
        app.refresh(&refresh).await.assert_error(400, "invalid.grant");
    }

    async fn codes_expire_and_belong_to_their_app(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let code = app.hr_code(ALICE, ALL_USER_POINTS, "").await;
        app.core.clock.advance(301);
        app.exchange(&code).await.assert_error(400, "invalid.grant");
        let code = app.hr_code(ALICE, ALL_USER_POINTS, "").await;
        let foreign = app.user_token(json!({"clientId": OPS.0, "clientSecret": OPS.1, "code": code, "grantType": "authorization_code"})).await;
        foreign.assert_error(400, "invalid.grant");
    }

    async fn user_token_request_errors(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let code = app.hr_code(ALICE, ALL_USER_POINTS, "").await;
        app.user_token(json!({"clientId": HR.0, "clientSecret": "wrong-secret-000000", "code": code, "grantType": "authorization_code"}))
            .await.assert_error(400, "invalid.client");
        app.user_token(json!({"clientId": "dingnobody", "clientSecret": "x", "code": code, "grantType": "authorization_code"}))
            .await.assert_error(400, "invalid.client");
        app.user_token(json!({"clientId": HR.0, "clientSecret": HR.1, "code": code, "grantType": "password"}))
            .await.assert_error(400, "unsupported.grant.type");
        let missing = app.user_token(json!({"clientId": HR.0, "clientSecret": HR.1, "code": "", "grantType": "authorization_code"})).await;
        missing.assert_error(400, "invalid.request");
        assert!(missing.body["message"].as_str().unwrap().contains("code"));
        app.user_token(json!({"clientId": HR.0, "clientSecret": HR.1, "grantType": "refresh_token"}))
            .await.assert_error(400, "invalid.request");
        app.user_token(json!({"clientId": HR.0, "clientSecret": HR.1, "code": "0123456789abcdef0123456789abcdef", "grantType": "authorization_code"}))
            .await.assert_error(400, "invalid.grant");
        app.user_token(json!({"clientId": HR.0, "clientSecret": HR.1, "code": code, "grantType": "authorization_code", "extra": 1}))
            .await.assert_error(400, "invalid.request");
        // The code was not consumed by the failed attempts.
        assert_eq!(app.exchange(&code).await.status, 200);
    }

    async fn refresh_rotates_with_a_grace_window_then_revokes_the_family(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let first = app.exchange(&app.hr_code(ALICE, ALL_USER_POINTS, "").await).await;
        let r1 = first.body["refreshToken"].as_str().unwrap().to_owned();
        let second = app.refresh(&r1).await;
        assert_eq!(second.status, 200, "{}", second.body);
        let r2 = second.body["refreshToken"].as_str().unwrap().to_owned();
        let a2 = second.body["accessToken"].as_str().unwrap().to_owned();
        assert_ne!(r1, r2);
        assert_eq!(second.body["corpId"], ACME);
        // Reuse inside the grace window (a client that lost the answer) gets the same pair
        // again, with what is left of its lifetime: no second chain.
        app.core.clock.advance(5);
        for _ in 0..3 {
            let retry = app.refresh(&r1).await;
            assert_eq!(retry.status, 200, "{}", retry.body);
            assert_eq!(retry.body["refreshToken"], r2.as_str());
            assert_eq!(retry.body["accessToken"], a2.as_str());
            assert_eq!(retry.body["expireIn"], 7200 - 5);
            assert_eq!(retry.body["corpId"], ACME);
        }
        assert_eq!(app.user_info(&a2, "me").await.status, 200);
        // Reuse after the window revokes the whole family.
        app.core.clock.advance(10);
        app.refresh(&r1).await.assert_error(400, "invalid.grant");
        app.user_info(&a2, "me").await.assert_error(400, "InvalidAuthentication");
        app.refresh(&r2).await.assert_error(400, "invalid.grant");
    }

    async fn reuse_after_the_successor_moved_on_revokes_the_family_even_inside_the_window(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let first = app.exchange(&app.hr_code(ALICE, ALL_USER_POINTS, "").await).await;
        let r1 = first.body["refreshToken"].as_str().unwrap().to_owned();
        let second = app.refresh(&r1).await;
        let r2 = second.body["refreshToken"].as_str().unwrap().to_owned();
        let third = app.refresh(&r2).await;
        assert_eq!(third.status, 200, "{}", third.body);
        let a3 = third.body["accessToken"].as_str().unwrap().to_owned();
        let r3 = third.body["refreshToken"].as_str().unwrap().to_owned();
        // r1 again, one second later: its successor r2 was used, so whoever sends r1 is not
        // the client that lost r2. The family goes.
        app.core.clock.advance(1);
        app.refresh(&r1).await.assert_error(400, "invalid.grant");
        app.user_info(&a3, "me").await.assert_error(400, "InvalidAuthentication");
        app.refresh(&r3).await.assert_error(400, "invalid.grant");
        let reuse = app.send(app.admin(Method::GET, "/audit?kind=refresh_reuse")).await;
        assert_eq!(reuse.body["events"].as_array().map(Vec::len), Some(1), "{}", reuse.body);
    }

    async fn concurrent_refreshes_of_one_token_get_one_pair(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let first = app.exchange(&app.hr_code(ALICE, ALL_USER_POINTS, "").await).await;
        let r1 = first.body["refreshToken"].as_str().unwrap().to_owned();
        let answers = futures_util::future::join_all((0..8).map(|_| app.refresh(&r1))).await;
        let pairs: std::collections::HashSet<(String, String)> = answers
            .iter()
            .map(|a| {
                assert_eq!(a.status, 200, "{}", a.body);
                (a.body["accessToken"].as_str().unwrap().to_owned(), a.body["refreshToken"].as_str().unwrap().to_owned())
            })
            .collect();
        assert_eq!(pairs.len(), 1, "{pairs:?}");
        let (access, refresh) = pairs.into_iter().next().unwrap();
        assert_eq!(app.user_info(&access, "me").await.status, 200);
        assert_eq!(app.refresh(&refresh).await.status, 200);
    }

    async fn tokens_expire_on_the_clock(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let t = app.exchange(&app.hr_code(ALICE, ALL_USER_POINTS, "").await).await;
        let access = t.body["accessToken"].as_str().unwrap().to_owned();
        let refresh = t.body["refreshToken"].as_str().unwrap().to_owned();
        app.core.clock.advance(7200);
        app.user_info(&access, "me").await.assert_error(400, "InvalidAuthentication");
        let fresh = app.refresh(&refresh).await;
        assert_eq!(fresh.status, 200);
        app.core.clock.advance(30 * 24 * 3600);
        app.refresh(fresh.body["refreshToken"].as_str().unwrap()).await.assert_error(400, "invalid.grant");
    }

    async fn revoking_in_my_authorizations_kills_the_apps_tokens(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let t = app.exchange(&app.hr_code(ALICE, ALL_USER_POINTS, "").await).await;
        let access = t.body["accessToken"].as_str().unwrap().to_owned();
        let b = app.signed_in(ALICE).await;
        let page = b.get(format!("{}/account", app.base)).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("Acme HR") && page.contains("Contact.User.Read"), "{page}");
        let csrf = csrf_in(&page);
        let r = b.post(format!("{}/account/authorizations/revoke", app.base))
            .form(&[("csrf", csrf.as_str()), ("client_id", HR.0)]).send().await.unwrap();
        assert_eq!(r.status(), 303);
        app.user_info(&access, "me").await.assert_error(400, "InvalidAuthentication");
        app.refresh(t.body["refreshToken"].as_str().unwrap()).await.assert_error(400, "invalid.grant");
        let page = b.get(format!("{}/account", app.base)).send().await.unwrap().text().await.unwrap();
        assert!(!page.contains("Contact.User.Read"), "{page}");
    }

    async fn every_openauth_error_code(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let b = app.signed_in(ALICE).await;
        let p = |t: &str, client: &str, corp: &str, rpc: &str, field: &str| json!({"type": t, "clientId": client, "corpId": corp, "rpcScope": rpc, "fieldScope": field});
        let cases = [
            (json!({}), 400001),
            (p("0", HR.0, ACME, "", ""), 400002),
            (p("0", "", ACME, "Contact.User.Read", ""), 400006),
            (p("0", HR.0, "", "Contact.User.Read", ""), 400007),
            (p("0", HR.0, "dingnosuchorg", "Contact.User.Read", ""), 400009),
            (p("0", "dingnosuchapp", ACME, "Contact.User.Read", ""), 500101),
            (p("0", OPS.0, GLOBEX, "Contact.User.Read", ""), 500102),
            (p("0", HR.0, ACME, "No.Such.Point", ""), 500201),
            (p("0", HR.0, ACME, "Contact.User.mobile", ""), 500202),
            (p("0", HR.0, ACME, "", "Contact.User.Read"), 500203),
            (p("1", HR.0, ACME, "Contact.User.Read", ""), 500204),
            (p("0", HR.0, ACME, "Contact.Org.Read", ""), 500205),
            (p("0", HR.0, ACME, "Todo.Todo.Read", ""), 500104),
            (p("0", HR.0, INITECH, "Contact.User.Read", ""), 500408),
            (p("1", CRM.0, ACME, "Contact.Org.Read", ""), 70003),
        ];
        for (params, code) in cases {
            let r = app.openauth(&b, &params, "allow").await;
            assert_eq!(r["status"], "failed", "{params}: {r}");
            assert_eq!(r["result"], json!(null));
            assert_eq!(r["errorCode"], code, "{params}: {r}");
            assert!(r["errorMessage"].as_str().is_some_and(|m| !m.is_empty()));
        }
        // 400008: no signed-in user.
        let anon = browser();
        let mut body = p("0", HR.0, ACME, "Contact.User.Read", "");
        body["decision"] = json!("allow");
        let r = anon.post(format!("{}/openauth/api/decision", app.base)).json(&body).send().await.unwrap();
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["errorCode"], 400008, "{body}");
        // 500103 / 500404: storage failures.
        app.sql("DROP TABLE user_grants").await;
        let r = app.openauth(&b, &p("0", HR.0, ACME, "Contact.User.Read", ""), "allow").await;
        assert_eq!(r["errorCode"], 500404, "{r}");
        app.sql("DROP TABLE app_points").await;
        let r = app.openauth(&b, &p("0", HR.0, ACME, "Contact.User.Read", ""), "allow").await;
        assert_eq!(r["errorCode"], 500103, "{r}");
    }

    async fn deny_is_cancel(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let b = app.signed_in(ALICE).await;
        let r = app.openauth(&b, &json!({"type": "0", "clientId": HR.0, "corpId": ACME, "rpcScope": "Contact.User.Read"}), "deny").await;
        assert_eq!(r, json!({"status": "cancel", "result": null}));
    }

    async fn type_one_by_an_admin_grants_and_by_a_member_waits_for_an_admin(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let crm_token = app.token_value(GLOBEX, CRM).await;
        app.auth_infos(Some(&crm_token), None).await.assert_error(403, "Forbidden.AccessDenied.AccessTokenPermissionDenied");
        // Alice is a member (not admin) of Globex: her request goes to the admins.
        let alice = app.signed_in(ALICE).await;
        let params = json!({"type": "1", "clientId": CRM.0, "corpId": GLOBEX, "rpcScope": ".default"});
        let r = app.openauth(&alice, &params, "allow").await;
        assert_eq!(r, json!({"status": "toAdmin", "result": null}));
        // Carol, admin of Globex, approves it on the org's request page.
        let carol = app.signed_in(CAROL).await;
        let page = carol.get(format!("{}/org/{GLOBEX}/requests", app.base)).send().await.unwrap().text().await.unwrap();
        assert!(page.contains("CRM") && page.contains("Contact.Org.Read"), "{page}");
        let csrf = csrf_in(&page);
        let marker = format!("/org/{GLOBEX}/requests/");
        let i = page.find(&marker).unwrap() + marker.len();
        let id = &page[i..i + page[i..].find('/').unwrap()];
        let r = carol.post(format!("{}/org/{GLOBEX}/requests/{id}/approve", app.base)).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(app.auth_infos(Some(&crm_token), None).await.status, 200, "the app's token gained the point");
        // Alice cannot reach the admin page at all.
        let denied = alice.get(format!("{}/org/{GLOBEX}/requests", app.base)).send().await.unwrap();
        assert_eq!(denied.status(), 403);
        // An admin's own type-1 request grants at once.
        app.send(app.admin(Method::DELETE, &format!("/apps/{}/installations/{GLOBEX}/grants/Contact.Org.Read", CRM.0))).await;
        app.auth_infos(Some(&crm_token), None).await.assert_error(403, "Forbidden.AccessDenied.AccessTokenPermissionDenied");
        let r = app.openauth(&carol, &params, "allow").await;
        assert_eq!(r, json!({"status": "ok", "result": null}));
        assert_eq!(app.auth_infos(Some(&crm_token), None).await.status, 200);
    }

    async fn forms_and_the_json_api_refuse_requests_without_csrf(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let b = app.signed_in(ALICE).await;
        let params = json!({"type": "0", "clientId": HR.0, "corpId": ACME, "rpcScope": "Contact.User.Read", "decision": "allow"});
        let r = b.post(format!("{}/openauth/api/decision", app.base)).json(&params).send().await.unwrap();
        assert_eq!(r.status(), 403);
        let r = b.post(format!("{}/openauth/api/decision", app.base)).header("x-csrf-token", "forged").json(&params).send().await.unwrap();
        assert_eq!(r.status(), 403);
        for path in ["/account/authorizations/revoke", "/logout", &format!("/org/{ACME}/requests/x/approve")] {
            let r = b.post(format!("{}{path}", app.base)).form(&[("csrf", "forged"), ("client_id", HR.0)]).send().await.unwrap();
            assert_eq!(r.status(), 403, "{path}");
        }
        // Sign-in without the pre-session token.
        let anon = browser();
        let r = anon.post(format!("{}/login", app.base)).form(&[("csrf", ""), ("login", "alice"), ("password", ALICE.2)]).send().await.unwrap();
        assert_eq!(r.status(), 400);
        // The browser flow's decision form.
        let r = b.post(format!("{}/oauth2/auth/decision", app.base)).form(&[
            ("csrf", "forged"), ("client_id", HR.0), ("redirect_uri", "https://hr.acme.example/callback"),
            ("scope", "openid"), ("state", "s"), ("decision", "allow")]).send().await.unwrap();
        assert_eq!(r.status(), 403);
        assert!(r.headers().get("location").is_none());
    }

    async fn sessions_are_never_adopted_from_the_client(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        // A session id chosen by an attacker and planted in the victim's browser is worthless.
        let plain = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let r = plain.get(format!("{}/account", app.base)).header("cookie", "opending_session=attacker-chosen").send().await.unwrap();
        assert_eq!(r.status(), 303);
        // Signing in sets a fresh session id, different from the pre-session cookie.
        let b = browser();
        let login = b.get(format!("{}/login", app.base)).send().await.unwrap();
        let pre = login.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect::<Vec<_>>().join(";");
        let csrf = csrf_in(&login.text().await.unwrap());
        let r = b.post(format!("{}/login", app.base)).form(&[("csrf", csrf.as_str()), ("login", "alice"), ("password", ALICE.2)]).send().await.unwrap();
        let set: Vec<String> = r.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect();
        let session = set.iter().find(|c| c.starts_with("opending_session=")).expect("session cookie");
        assert!(session.contains("HttpOnly") && session.contains("SameSite=Lax"), "{session}");
        let value = &session["opending_session=".len()..session.find(';').unwrap()];
        assert!(!pre.contains(value));
        // Signing out ends it server-side.
        let page = b.get(format!("{}/account", app.base)).send().await.unwrap().text().await.unwrap();
        let csrf = csrf_in(&page);
        b.post(format!("{}/logout", app.base)).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
        let replay = plain.get(format!("{}/account", app.base)).header("cookie", format!("opending_session={value}")).send().await.unwrap();
        assert_eq!(replay.status(), 303, "a signed-out session is dead");
    }

    async fn pages_refuse_framing_and_foreign_origins(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        for path in ["/login", "/account"] {
            let r = app.http.get(format!("{}{path}", app.base)).send().await.unwrap();
            let csp = r.headers().get("content-security-policy").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
            if r.status() == 200 {
                assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
                assert_eq!(r.headers()["x-frame-options"], "DENY");
            }
        }
        let b = app.signed_in(ALICE).await;
        let r = b.get(format!("{}/openauth", app.base))
            .query(&[("type", "0"), ("clientId", HR.0), ("corpId", ACME), ("rpcScope", "Contact.User.Read"), ("origin", "https://evil.example")])
            .send().await.unwrap();
        assert_eq!(r.status(), 400);
        assert!(r.headers()["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"));
        let html = r.text().await.unwrap();
        assert!(!html.contains("data-origin=\"https://evil.example\""), "{html}");
        let page = b.get(format!("{}/openauth", app.base))
            .query(&[("type", "0"), ("clientId", HR.0), ("corpId", ACME), ("rpcScope", "Contact.User.Read"), ("origin", "https://hr.acme.example")])
            .send().await.unwrap().text().await.unwrap();
        let csrf = csrf_in(&page);
        let r = b.post(format!("{}/openauth/api/decision", app.base)).header("x-csrf-token", csrf)
            .json(&json!({"type": "0", "clientId": HR.0, "corpId": ACME, "rpcScope": "Contact.User.Read", "decision": "allow", "origin": "https://evil.example"}))
            .send().await.unwrap();
        assert_eq!(r.status(), 400);
    }

    async fn the_browser_login_flow_redirects_only_to_registered_uris(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let b = app.signed_in(ALICE).await;
        let auth = |redirect: &str, scope: &str| {
            b.get(format!("{}/oauth2/auth", app.base)).query(&[
                ("client_id", HR.0), ("redirect_uri", redirect), ("response_type", "code"),
                ("scope", scope), ("state", "xyz"), ("prompt", "consent")])
        };
        // Unregistered redirect URIs are refused on our own page: no redirect at all.
        for evil in ["https://evil.example/cb", "https://hr.acme.example/callback/../x", "https://hr.acme.example/callback?x=1"] {
            let r = auth(evil, "openid").send().await.unwrap();
            assert_eq!(r.status(), 400, "{evil}");
            assert!(r.headers().get("location").is_none());
        }
        // Bad scope: redirected back with an error and the state.
        let r = auth("https://hr.acme.example/callback", "profile").send().await.unwrap();
        assert_eq!(r.headers()["location"], "https://hr.acme.example/callback?error=invalid_scope&state=xyz");
        // The consent page, then allow with an org choice.
        let page = auth("https://hr.acme.example/callback", "openid corpid").send().await.unwrap();
        assert_eq!(page.status(), 200);
        assert!(page.headers()["content-security-policy"].to_str().unwrap().contains("form-action 'self' https://hr.acme.example"));
        let html = page.text().await.unwrap();
        assert!(html.contains("Acme Corp") && html.contains("Globex"), "alice picks among her orgs");
        let csrf = csrf_in(&html);
        let decide = |decision: &'static str, corp: &'static str| {
            b.post(format!("{}/oauth2/auth/decision", app.base)).form(&[
                ("csrf", csrf.clone()), ("client_id", HR.0.into()), ("redirect_uri", "https://hr.acme.example/callback".into()),
                ("scope", "openid corpid".into()), ("state", "xyz".into()), ("corp_id", corp.into()), ("decision", decision.into())])
        };
        let r = decide("allow", GLOBEX).send().await.unwrap();
        assert_eq!(r.status(), 303);
        let loc = r.headers()["location"].to_str().unwrap().to_owned();
        assert!(loc.starts_with("https://hr.acme.example/callback?code="), "{loc}");
        let pairs: std::collections::HashMap<String, String> = url_pairs(&loc);
        assert_eq!(pairs["code"], pairs["authCode"]);
        assert_eq!(pairs["state"], "xyz");
        let t = app.exchange(&pairs["code"]).await;
        assert_eq!(t.status, 200, "{}", t.body);
        assert_eq!(t.body["corpId"], GLOBEX, "the org picked in the browser");
        let me = app.user_info(t.body["accessToken"].as_str().unwrap(), "me").await;
        assert_eq!(me.body["unionId"], ALICE.0, "openid carries the basic profile");
        // Deny.
        let r = decide("deny", GLOBEX).send().await.unwrap();
        assert_eq!(r.headers()["location"], "https://hr.acme.example/callback?error=access_denied&state=xyz");
        // Plain openid: no corpId in the token response.
        let page = auth("https://hr.acme.example/callback", "openid").send().await.unwrap().text().await.unwrap();
        let csrf = csrf_in(&page);
        let r = b.post(format!("{}/oauth2/auth/decision", app.base)).form(&[
            ("csrf", csrf.as_str()), ("client_id", HR.0), ("redirect_uri", "https://hr.acme.example/callback"),
            ("scope", "openid"), ("state", "s2"), ("decision", "allow")]).send().await.unwrap();
        let pairs = url_pairs(r.headers()["location"].to_str().unwrap());
        let t = app.exchange(&pairs["code"]).await;
        assert!(t.body.get("corpId").is_none(), "{}", t.body);
    }

    async fn redirect_uris_are_https_or_loopback_and_a_code_dies_with_its_uri(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let register = |uri: &'static str| {
            app.send(app.admin(Method::POST, &format!("/apps/{}/uris", HR.0)).json(&json!({"redirectUris": [uri]})))
        };
        for bad in ["http://hr.acme.example/cb", "http://10.0.0.1/cb", "http://[::2]/cb", "http://localhost.evil.example/cb",
                    "https://user:pw@hr.acme.example/cb", "https://hr.acme.example/cb#x", "javascript:alert(1)", "https:///cb", "https://hr.acme.example\\\\@evil.example/cb", "HTTP://evil.example/cb", "/cb"] {
            register(bad).await.assert_error(400, "InvalidParameter");
        }
        for good in ["http://localhost:8080/cb", "http://127.0.0.5/cb", "http://[::1]:9000/cb", "https://hr.acme.example/other"] {
            assert_eq!(register(good).await.status, 200, "{good}");
        }
        // One registered before the rule (written to the store directly) receives no code.
        let hr = opending_domain::ClientId::parse(HR.0).unwrap();
        app.core.store.add_app_uri(&hr, opending_store::UriKind::Redirect, "http://legacy.acme.example/cb").await.unwrap();
        let b = app.signed_in(ALICE).await;
        let auth = |redirect: &'static str| {
            b.get(format!("{}/oauth2/auth", app.base)).query(&[
                ("client_id", HR.0), ("redirect_uri", redirect), ("response_type", "code"), ("scope", "openid"), ("state", "s")])
        };
        let r = auth("http://legacy.acme.example/cb").send().await.unwrap();
        assert_eq!(r.status(), 400);
        assert!(r.headers().get("location").is_none());
        // Codes for two URIs; unregistering one kills its unused code and leaves the other's.
        let mut codes = Vec::new();
        for uri in ["https://hr.acme.example/callback", "https://hr.acme.example/other"] {
            let csrf = csrf_in(&auth(uri).send().await.unwrap().text().await.unwrap());
            let r = b.post(format!("{}/oauth2/auth/decision", app.base)).form(&[
                ("csrf", csrf.as_str()), ("client_id", HR.0), ("redirect_uri", uri),
                ("scope", "openid"), ("state", "s"), ("decision", "allow")]).send().await.unwrap();
            codes.push(url_pairs(r.headers()["location"].to_str().unwrap())["code"].clone());
        }
        let removed = app.send(app.admin(Method::DELETE, &format!("/apps/{}/uris", HR.0))
            .json(&json!({"redirectUris": ["https://hr.acme.example/callback"]}))).await;
        assert_eq!(removed.status, 200, "{}", removed.body);
        app.exchange(&codes[0]).await.assert_error(400, "invalid.grant");
        assert_eq!(app.exchange(&codes[1]).await.status, 200);
    }

    async fn the_emulator_accepts_plain_http_redirect_uris_to_any_host(backend: Backend) {
        let app = TestApp::spawn_with(backend, |c| c.emulator.enabled = true).await;
        let r = app.send(app.admin(Method::POST, &format!("/apps/{}/uris", HR.0))
            .json(&json!({"redirectUris": ["http://hr.test:3000/cb"]}))).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let r = app.send(app.admin(Method::POST, &format!("/apps/{}/uris", HR.0))
            .json(&json!({"redirectUris": ["http://u:p@hr.test/cb"]}))).await;
        r.assert_error(400, "InvalidParameter");
    }

    async fn sign_in_is_throttled_per_account(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let b = browser();
        let page = b.get(format!("{}/login", app.base)).send().await.unwrap().text().await.unwrap();
        let csrf = csrf_in(&page);
        let attempt = |password: &'static str| {
            b.post(format!("{}/login", app.base)).form(&[("csrf", csrf.as_str()), ("login", "bob"), ("password", password)]).send()
        };
        for _ in 0..5 {
            assert_eq!(attempt("wrong-password").await.unwrap().status(), 400);
        }
        assert_eq!(attempt(BOB.2).await.unwrap().status(), 429, "even the right password waits");
        // Other accounts are not locked out by it.
        app.signed_in(ALICE).await;
    }

    async fn next_after_sign_in_never_leaves_the_site(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let b = browser();
        let page = b.get(format!("{}/login?next=https://evil.example", app.base)).send().await.unwrap().text().await.unwrap();
        let csrf = csrf_in(&page);
        let r = b.post(format!("{}/login", app.base)).form(&[
            ("csrf", csrf.as_str()), ("login", "alice"), ("password", ALICE.2), ("next", "//evil.example/x")]).send().await.unwrap();
        assert_eq!(r.headers()["location"], "/account");
        // Regression (issue 17, item 6): a tab after the first slash, which browsers drop.
        for (next, expected) in [("/\t/evil.example", "/account"), ("/\n/evil.example/x", "/account"), ("/\\/evil.example", "/account"), ("/openauth?type=0#x", "/openauth?type=0#x")] {
            let b = browser();
            let page = b.get(format!("{}/login", app.base)).send().await.unwrap().text().await.unwrap();
            let csrf = csrf_in(&page);
            let r = b.post(format!("{}/login", app.base)).form(&[
                ("csrf", csrf.as_str()), ("login", "alice"), ("password", ALICE.2), ("next", next)]).send().await.unwrap();
            assert_eq!(r.headers()["location"], expected, "{next:?}");
        }
    }
}

/// What ends a family in [`race_refreshes_against`].
#[derive(Debug, Clone, Copy)]
enum Revocation {
    /// The family's code exchanged again.
    CodeReplay,
    /// The user removed from the org (then added back for the next round).
    LeavingTheOrg,
    /// All of the app's tokens revoked through the admin API.
    AppTokensRevoked,
    /// The user withdraws the app's authorization on the account page.
    ConsentWithdrawn,
}

/// 15 rounds of: two loops refreshing the family's newest token side by side (both often
/// present the same one: the second gets the same successor) while `how` revokes it; then no
/// token either loop got may be active, and the newest refresh token must be refused.
async fn race_refreshes_against(app: &std::sync::Arc<TestApp>, how: Revocation) {
    use std::sync::{
        atomic::{AtomicUsize, Ordering::SeqCst},
        Arc, Mutex,
    };
    let alice = app.signed_in(ALICE).await;
    for round in 0..15 {
        let code = app.hr_code(ALICE, ALL_USER_POINTS, "").await;
        let first = app.exchange(&code).await;
        assert_eq!(first.status, 200, "{how:?} round {round}: {}", first.body);
        let latest = Arc::new(Mutex::new(
            first.body["refreshToken"].as_str().unwrap().to_owned(),
        ));
        let mut loops = Vec::new();
        let progress = Arc::new(AtomicUsize::new(0));
        for _ in 0..2 {
            let (app, progress, latest) = (app.clone(), progress.clone(), latest.clone());
            loops.push(tokio::spawn(async move {
                let mut issued = Vec::new();
                // Bounded: a chain that survived the revocation would refresh forever.
                for _ in 0..300 {
                    let refresh = latest.lock().unwrap().clone();
                    let r = app.refresh(&refresh).await;
                    if r.status != 200 {
                        break;
                    }
                    issued.push(r.body["accessToken"].as_str().unwrap().to_owned());
                    *latest.lock().unwrap() = r.body["refreshToken"].as_str().unwrap().to_owned();
                    progress.fetch_add(1, SeqCst);
                }
                issued
            }));
        }
        while progress.load(SeqCst) < 4 && !loops.iter().all(|l| l.is_finished()) {
            tokio::task::yield_now().await;
        }
        match how {
            Revocation::CodeReplay => app.exchange(&code).await.assert_error(400, "invalid.grant"),
            Revocation::LeavingTheOrg => {
                let r = app
                    .send(app.admin(Method::DELETE, &format!("/orgs/{ACME}/members/{}", ALICE.0)))
                    .await;
                assert!(r.status < 300, "{}", r.body);
            }
            Revocation::AppTokensRevoked => {
                let r = app
                    .send(
                        app.admin(Method::POST, "/tokens/revoke")
                            .json(&json!({"clientId": HR.0})),
                    )
                    .await;
                assert_eq!(r.status, 200, "{}", r.body);
            }
            Revocation::ConsentWithdrawn => {
                let page = alice
                    .get(format!("{}/account", app.base))
                    .send()
                    .await
                    .unwrap()
                    .text()
                    .await
                    .unwrap();
                let r = alice
                    .post(format!("{}/account/authorizations/revoke", app.base))
                    .form(&[("csrf", csrf_in(&page).as_str()), ("client_id", HR.0)])
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 303);
            }
        }
        for l in loops {
            for access in l.await.unwrap() {
                let i = app.introspect_admin(&access).await;
                assert_eq!(
                    i.body["active"], false,
                    "{how:?} round {round}: a token outlived its revocation"
                );
            }
        }
        let last = latest.lock().unwrap().clone();
        app.refresh(&last).await.assert_error(400, "invalid.grant");
        if let Revocation::LeavingTheOrg = how {
            let r = app
                .send(
                    app.admin(Method::PUT, &format!("/orgs/{ACME}/members/{}", ALICE.0))
                        .json(&json!({"role": "admin"})),
                )
                .await;
            assert!(r.status < 300, "{}", r.body);
        }
    }
}

fn url_pairs(url: &str) -> std::collections::HashMap<String, String> {
    let q = url.split_once('?').map(|(_, q)| q).unwrap_or("");
    q.split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}
