//! The audit log: security events recorded by the services, queried through
//! `GET /admin/v1/audit` with filters and cursor pagination, append-only, and never holding a
//! secret or a token.

use crate::helpers::*;
use opending_domain::{ClientId, PermissionCode, UnionId};
use serde_json::{json, Value};

async fn audit(app: &TestApp, query: &str) -> Answer {
    app.send(app.admin(reqwest::Method::GET, &format!("/audit{query}")))
        .await
}

/// `n` concurrent requests for HR's token in Acme; their token values.
async fn futures_join(app: &TestApp, n: usize) -> Vec<String> {
    let all = (0..n).map(|_| app.token_value(ACME, HR));
    futures_util::future::join_all(all).await
}

fn kinds(page: &Value) -> Vec<String> {
    page["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect()
}

both_backends! {
    async fn a_flood_of_refused_sign_ins_folds_into_a_few_rows_with_counts(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let b = crate::browser_helpers::browser();
        let page = b.get(format!("{}/login", app.base)).send().await.unwrap().text().await.unwrap();
        let csrf = crate::browser_helpers::csrf_in(&page);
        let attempt = || b.post(format!("{}/login", app.base))
            .form(&[("csrf", csrf.as_str()), ("login", "bob"), ("password", "wrong-password")]).send();
        // 5 wrong passwords, then 195 refused by the throttle, all from one address.
        for _ in 0..200 {
            assert!(matches!(attempt().await.unwrap().status().as_u16(), 400 | 429));
        }
        let rows = |page: &Answer| -> Vec<(String, u64)> {
            page.body["events"].as_array().unwrap().iter()
                .map(|e| (e["details"]["reason"].as_str().unwrap().to_owned(),
                          e["details"]["count"].as_str().map_or(1, |c| c.parse::<u64>().unwrap())))
                .collect()
        };
        let now = rows(&audit(&app, "?kind=sign_in_failed&limit=1000").await);
        assert_eq!(now.len(), 2, "one row per reason so far: {now:?}");
        // The window closes: the next refusal writes the summary of the last one and opens anew;
        // at shutdown the other window's summary is written too.
        app.core.clock.advance(61);
        assert_eq!(attempt().await.unwrap().status(), 429);
        app.core.audit.flush().await;
        let all = rows(&audit(&app, "?kind=sign_in_failed&limit=1000").await);
        assert_eq!(all.len(), 5, "{all:?}");
        let total = |reason: &str| all.iter().filter(|(r, _)| r == reason).map(|(_, n)| n).sum::<u64>();
        assert_eq!((total("bad_credentials"), total("throttled")), (5, 196), "{all:?}");
        let summaries = audit(&app, "?kind=sign_in_failed&limit=1000").await;
        let summary = summaries.body["events"].as_array().unwrap().iter()
            .find(|e| e["details"]["count"] == "194").expect("the throttled window's summary");
        assert_eq!(summary["details"]["login"], "bob");
        assert_eq!(summary["source"], "127.0.0.1");
        assert!(summary["details"]["firstAt"].is_string() && summary["details"]["lastAt"].is_string(), "{summary}");
    }

    async fn repeated_hand_outs_of_a_live_app_token_fold_into_one_event(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let first = app.token_value(ACME, HR).await;
        // Many concurrent repeats, as a busy app sends them: the same live token each time.
        let repeats = futures_join(&app, 40).await;
        assert!(repeats.iter().all(|t| *t == first));
        let other = app.token_value(GLOBEX, OPS).await;
        assert_ne!(other, first);
        app.core.audit.flush().await;
        let page = audit(&app, &format!("?app={}&kind=token_issued,token_renewed&limit=1000", HR.0)).await;
        let events = page.body["events"].as_array().unwrap();
        let issued: Vec<&Value> = events.iter().filter(|e| e["kind"] == "token_issued").collect();
        let renewed: Vec<&Value> = events.iter().filter(|e| e["kind"] == "token_renewed").collect();
        assert_eq!(issued.len(), 1, "{}", page.body);
        // Every repeat is accounted for, in fewer rows than requests (the writer folds what it
        // gathers at once; how many rows depends on timing, the total does not).
        let counted: u64 = renewed.iter().map(|e| e["details"]["count"].as_str().unwrap().parse::<u64>().unwrap()).sum();
        assert_eq!(counted, 40, "{}", page.body);
        assert!(renewed.len() < 40, "folded: {} rows for 40 renewals", renewed.len());
        assert!(renewed.iter().all(|e| e["source"] == "127.0.0.1" && e["details"]["token"] == "app"));
        // The other app's token is its own event.
        let ops = audit(&app, &format!("?app={}&kind=token_issued", OPS.0)).await;
        assert_eq!(kinds(&ops.body), ["token_issued"]);
    }

    async fn security_events_are_recorded_without_secrets(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let mut handled: Vec<String> = vec![
            HR.1.into(), TRAVEL.1.into(), OPS.1.into(), ADMIN_KEY.into(), HASH_KEY.into(),
            ALICE.2.into(), "wrong-password-xyz".into(),
        ];

        // Token issued (then renewed: the same live token handed out again).
        let token = app.token_value(ACME, HR).await;
        let again = app.token_value(ACME, HR).await;
        assert_eq!(token, again);
        handled.push(token.clone());

        // Code issued, exchanged, replayed; refresh renewed.
        let core = &app.core;
        let code = opending_server::service::user_token::mint_code(
            core, &opending_server::Origin::operator(),
            ClientId::parse(HR.0).unwrap(),
            UnionId::parse(ALICE.0).unwrap(),
            Some(ACME.into()),
            vec![PermissionCode::parse("Contact.User.Read").unwrap()],
            None,
        )
        .await
        .unwrap();
        let code = code.expose().to_owned();
        let r = app.exchange(&code).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let (access, refresh) = (
            r.body["accessToken"].as_str().unwrap().to_owned(),
            r.body["refreshToken"].as_str().unwrap().to_owned(),
        );
        let r = app.refresh(&refresh).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(app.exchange(&code).await.status, 400);
        handled.extend([code, access, refresh]);
        handled.push(r.body["accessToken"].as_str().unwrap().to_owned());
        handled.push(r.body["refreshToken"].as_str().unwrap().to_owned());

        // Sign-in failure and success (the service the sign-in page calls).
        let ip: std::net::IpAddr = "127.0.0.9".parse().unwrap();
        use opending_server::service::session as s;
        assert!(s::sign_in(core, &opending_server::Origin::operator(), ALICE.1, "wrong-password-xyz", ip).await.unwrap().is_err());
        let (session, _) = s::sign_in(core, &opending_server::Origin::operator(), ALICE.1, ALICE.2, ip).await.unwrap().unwrap();
        handled.push(session.expose().to_owned());

        // Secret rotated and a token revoked, through the admin API.
        let r = app.send(app.admin(reqwest::Method::POST, &format!("/apps/{}/rotate-secret", TRAVEL.0))).await;
        assert_eq!(r.status, 200, "{}", r.body);
        handled.push(r.body["clientSecret"].as_str().unwrap().to_owned());
        let r = app.send(app.admin(reqwest::Method::POST, "/tokens/revoke").json(&json!({"token": token}))).await;
        assert_eq!(r.status, 200, "{}", r.body);

        app.core.audit.flush().await;
        let all = audit(&app, "?limit=1000").await;
        assert_eq!(all.status, 200, "{}", all.body);
        let k = kinds(&all.body);
        for wanted in [
            "token_issued", "token_renewed", "code_issued", "code_exchanged", "code_replayed",
            "sign_in_failed", "sign_in_succeeded", "secret_rotated", "token_revoked", "admin_action",
        ] {
            assert!(k.iter().any(|x| x == wanted), "{wanted} missing from {k:?}");
        }
        // Never a secret or a token, in any field.
        let text = all.body.to_string();
        for secret in &handled {
            assert!(!text.contains(secret.as_str()), "the audit log holds a secret or token: {secret}");
        }

        // Filters: the rotation, by the admin, from the test's address, with the request id.
        let r = audit(&app, &format!("?kind=secret_rotated&app={}", TRAVEL.0)).await;
        let events = r.body["events"].as_array().unwrap();
        assert_eq!(events.len(), 1, "{}", r.body);
        let e = &events[0];
        assert_eq!(e["actor"], "admin");
        assert_eq!(e["clientId"], TRAVEL.0);
        assert_eq!(e["corpId"], ACME);
        assert_eq!(e["source"], "127.0.0.1");
        assert_eq!(e["requestId"].as_str().unwrap().len(), 36);
        let r = audit(&app, &format!("?org={ACME}&kind=sign_in_failed")).await;
        assert!(r.body["events"].as_array().unwrap().is_empty(), "sign-ins have no org");
        let r = audit(&app, "?kind=sign_in_failed").await;
        let e = &r.body["events"][0];
        assert_eq!((e["actor"].as_str(), e["source"].as_str()), (Some("user"), Some("127.0.0.9")));
        assert_eq!(e["details"]["login"], ALICE.1);
        assert_eq!(e["details"]["reason"], "bad_credentials");
        let r = audit(&app, &format!("?kind=code_replayed&app={}", HR.0)).await;
        assert_eq!(r.body["events"][0]["actor"], "app");
        assert!(r.body["events"][0]["details"]["revoked"].is_string(), "{}", r.body);

        // Pagination: newest first, pages that do not overlap.
        let p1 = audit(&app, "?limit=3").await;
        let cursor = p1.body["nextCursor"].as_str().expect("a next page").to_owned();
        let p2 = audit(&app, &format!("?limit=3&cursor={cursor}")).await;
        let ids = |p: &Value| p["events"].as_array().unwrap().iter().map(|e| e["id"].as_i64().unwrap()).collect::<Vec<_>>();
        let (a, b) = (ids(&p1.body), ids(&p2.body));
        assert!(a.windows(2).all(|w| w[0] > w[1]) && a.last() > b.first(), "{a:?} then {b:?}");

        // Bad filters are 400s.
        audit(&app, "?kind=nonsense").await.assert_error(400, "InvalidParameter");
        audit(&app, "?limit=0").await.assert_error(400, "InvalidParameter");
        audit(&app, "?cursor=abc").await.assert_error(400, "InvalidParameter");

        // Append-only: the database itself refuses to rewrite or delete an event.
        for statement in ["DELETE FROM audit_events", "UPDATE audit_events SET kind = 'x'"] {
            let b = app.backend.clone();
            let s = statement.to_owned();
            let outcome = tokio::spawn(async move { run_sql(&b, &s).await }).await;
            assert!(outcome.is_err(), "{statement} was allowed");
        }
        app.stop().await;
    }
}
