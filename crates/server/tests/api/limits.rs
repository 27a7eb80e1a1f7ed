//! Rate limits: per app and API (`QpsLimitForAppkeyAndApi`), per address on the token, sign-in
//! and consent endpoints (`IpLimit`), wrong client secrets per (clientId, address), wrong admin
//! keys per address (admin API and operator sign-in together), trusted
//! proxies, and the emulator's default.
//!
//! No test depends on timing: each drives requests until the limit answers (with a rate of 1/s
//! and at most 50 tries, refilling can never keep up), then checks what happened around it.

use crate::helpers::*;
use opending_server::config::Config;
use serde_json::{json, Value};

/// Limits on, everything generous except what a test tightens.
fn limits_on(c: &mut Config) {
    c.limits.enabled = Some(true);
    c.limits.app_api_per_second = 1000;
    c.limits.app_api_burst = 1000;
    c.limits.address_per_second = 1000;
    c.limits.address_burst = 1000;
}

const TRIES: usize = 50;

/// Sends `req` until it is refused with 403 `code`; returns how many passed before, and the
/// refusal.
async fn until_refused<'a>(
    code: &str,
    mut req: impl FnMut(usize) -> std::pin::Pin<Box<dyn std::future::Future<Output = Answer> + 'a>>,
) -> (usize, Answer) {
    for i in 0..TRIES {
        let a = req(i).await;
        if a.status == 403 {
            a.assert_error(403, code);
            return (i, a);
        }
        assert_eq!(a.status, 200, "before the limit: {}", a.body);
    }
    panic!("no {code} after {TRIES} requests");
}

/// The exact shape of a rate-limit body.
fn assert_limit_body(a: &Answer, code: &str) {
    a.assert_error(403, code);
    let obj = a.body.as_object().unwrap();
    let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["code", "message", "requestid"], "{}", a.body);
    let msg = a.body["message"].as_str().unwrap();
    let when = msg
        .strip_prefix("请求过于频繁，限制将在 ")
        .and_then(|m| m.strip_suffix(" 结束"))
        .unwrap_or_else(|| panic!("DingTalk's wording: {msg}"));
    // `YYYY-MM-DD HH:MM:SS`
    assert_eq!(when.len(), 19, "{when}");
    assert_eq!(&when[4..5], "-");
    assert_eq!(&when[10..11], " ");
}

fn with_forwarded(app: &TestApp, path: &str, body: &Value, from: &str) -> reqwest::RequestBuilder {
    app.http
        .post(format!("{}{path}", app.base))
        .header("x-forwarded-for", from)
        .json(body)
}

fn token_body((id, secret): (&str, &str)) -> Value {
    json!({"client_id": id, "client_secret": secret, "grant_type": "client_credentials"})
}

opending_testkit::both_backends! {
    async fn burst_then_qps_limit_per_app_and_api(backend: Backend) {
        let app = TestApp::spawn_with(backend, |c| {
            limits_on(c);
            c.limits.app_api_per_second = 1;
            c.limits.app_api_burst = 3;
        }).await;
        let token = app.token_value(ACME, HR).await;
        let (passed, refusal) =
            until_refused("Forbidden.AccessDenied.QpsLimitForAppkeyAndApi", |_| {
                Box::pin(app.app_token(ACME, HR))
            })
            .await;
        assert!(passed >= 2, "the rest of the burst of 3 passes first (passed {passed})");
        assert_limit_body(&refusal, "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi");

        // Another app on the same API is not affected…
        let ops = app.app_token(GLOBEX, OPS).await;
        assert_eq!(ops.status, 200, "{}", ops.body);
        // …nor the same app on another API.
        assert_eq!(app.auth_infos(Some(&token), None).await.status, 200);
        let (passed, _) =
            until_refused("Forbidden.AccessDenied.QpsLimitForAppkeyAndApi", |_| {
                Box::pin(app.auth_infos(Some(&token), None))
            })
            .await;
        assert!(passed >= 2, "the contact API has its own budget (passed {passed} more)");
        // Naming an app with a wrong secret never spends (or is refused by) its budget.
        app.app_token(ACME, (HR.0, "wrong-secret")).await.assert_error(400, "invalid.client");
        // The refusals are counted in the metrics.
        let (_, metrics) = crate::metrics::scrape(&app, &app.base, None).await;
        assert!(
            metrics.lines().any(|l| l.starts_with("opending_rate_limited_total{kind=\"app_api\"} ")),
            "{metrics}"
        );
    }

    async fn address_limit_on_token_and_sign_in(backend: Backend) {
        let app = TestApp::spawn_with(backend, |c| {
            limits_on(c);
            c.limits.address_per_second = 1;
            c.limits.address_burst = 3;
        }).await;
        let token = app.token_value(ACME, HR).await;
        let (_, refusal) = until_refused("Forbidden.AccessDenied.IpLimit", |_| {
            Box::pin(app.app_token(GLOBEX, OPS))
        })
        .await;
        assert_limit_body(&refusal, "Forbidden.AccessDenied.IpLimit");
        // Sign-in (and the other address-limited endpoints) share the address's budget.
        let login = app
            .send(
                app.http
                    .post(format!("{}/login", app.base))
                    .form(&[("csrf", "x"), ("login", "alice"), ("password", "nope")]),
            )
            .await;
        login.assert_error(403, "Forbidden.AccessDenied.IpLimit");
        let user_token = app
            .post_json(
                "/v1.0/oauth2/userAccessToken",
                &json!({"clientId": HR.0, "clientSecret": HR.1, "code": "x", "grantType": "authorization_code"}),
            )
            .await;
        user_token.assert_error(403, "Forbidden.AccessDenied.IpLimit");
        // APIs called with a token are not address-limited.
        assert_eq!(app.auth_infos(Some(&token), None).await.status, 200);
    }

    async fn forwarded_for_counts_only_from_a_trusted_proxy(backend: Backend) {
        let tight = |c: &mut Config| {
            limits_on(c);
            c.limits.address_per_second = 1;
            c.limits.address_burst = 2;
        };
        let path = format!("/v1.0/oauth2/{ACME}/token");
        let body = token_body(HR);

        // Untrusted peer: a different X-Forwarded-For per request changes nothing.
        let app = TestApp::spawn_with(backend.clone(), tight).await;
        until_refused("Forbidden.AccessDenied.IpLimit", |i| {
            Box::pin(app.send(with_forwarded(&app, &path, &body, &format!("203.0.113.{}", i + 1))))
        })
        .await;
        app.stop().await;

        // Trusted peer: the forwarded address is the client.
        let app = TestApp::spawn_with(backend, |c| {
            tight(c);
            c.limits.trusted_proxies = vec!["127.0.0.0/8".into()];
        })
        .await;
        until_refused("Forbidden.AccessDenied.IpLimit", |_| {
            Box::pin(app.send(with_forwarded(&app, &path, &body, "203.0.113.1")))
        })
        .await;
        let other = app.send(with_forwarded(&app, &path, &body, "203.0.113.2")).await;
        assert_eq!(other.status, 200, "another client behind the proxy: {}", other.body);
        // A spoofed hop in front of the real one does not help: the nearest untrusted hop counts.
        let spoofed = app
            .send(with_forwarded(&app, &path, &body, "198.51.100.1, 203.0.113.1"))
            .await;
        spoofed.assert_error(403, "Forbidden.AccessDenied.IpLimit");
    }

    async fn secret_guessing_is_refused_but_the_real_app_keeps_working(backend: Backend) {
        let app = TestApp::spawn_with(backend, |c| {
            limits_on(c);
            c.limits.secret_failures = 3;
            c.limits.trusted_proxies = vec!["127.0.0.1".into()];
        })
        .await;
        let path = format!("/v1.0/oauth2/{ACME}/token");
        let attacker = "203.0.113.66";
        let wrong = token_body((HR.0, "guess-0123456789abcdef0123456"));
        for _ in 0..3 {
            app.send(with_forwarded(&app, &path, &wrong, attacker))
                .await
                .assert_error(400, "invalid.client");
        }
        // From now on the attacker's guesses are refused unchecked — even a right one, so a
        // guess cannot be confirmed…
        for body in [&wrong, &token_body(HR)] {
            let a = app.send(with_forwarded(&app, &path, body, attacker)).await;
            assert_limit_body(&a, "Forbidden.AccessDenied.IpLimit");
        }
        // …on every endpoint that checks this client's secret.
        let a = app
            .send(with_forwarded(
                &app,
                "/v1.0/oauth2/userAccessToken",
                &json!({"clientId": HR.0, "clientSecret": "guess", "code": "x", "grantType": "authorization_code"}),
                attacker,
            ))
            .await;
        a.assert_error(403, "Forbidden.AccessDenied.IpLimit");
        // The app's own servers, elsewhere, still get tokens during the attack.
        let real = app.send(with_forwarded(&app, &path, &token_body(HR), "198.51.100.7")).await;
        assert_eq!(real.status, 200, "{}", real.body);
        let direct = app.app_token(ACME, HR).await;
        assert_eq!(direct.status, 200, "{}", direct.body);
        // Another app is not affected at the attacker's address either.
        let ops = app
            .send(with_forwarded(&app, &format!("/v1.0/oauth2/{GLOBEX}/token"), &token_body(OPS), attacker))
            .await;
        assert_eq!(ops.status, 200, "{}", ops.body);
    }

    async fn wrong_admin_keys_on_the_admin_api_are_throttled_per_address(backend: Backend) {
        let app = TestApp::spawn_with(backend, |c| {
            limits_on(c);
            c.limits.secret_failures = 3;
            c.limits.trusted_proxies = vec!["127.0.0.1".into()];
        })
        .await;
        let call = |from: &'static str, key: Option<&'static str>| {
            let mut req = app
                .http
                .get(format!("{}/admin/v1/orgs", app.base))
                .header("x-forwarded-for", from);
            if let Some(k) = key {
                req = req.bearer_auth(k);
            }
            app.send(req)
        };
        let (guesser, operator) = ("203.0.113.9", "198.51.100.3");
        // No key at all guesses nothing and is not counted.
        for _ in 0..5 {
            call(guesser, None).await.assert_error(401, "Unauthorized");
        }
        for _ in 0..3 {
            call(guesser, Some("not-the-admin-key-0000")).await.assert_error(401, "Unauthorized");
        }
        // Used up: refused before the key is looked at, even the right one.
        for key in ["not-the-admin-key-0000", ADMIN_KEY] {
            let a = call(guesser, Some(key)).await;
            assert_limit_body(&a, "Forbidden.AccessDenied.IpLimit");
        }
        // The same counter guards the operator's sign-in page: that door is shut for the guesser too.
        let b = reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let login = b.get(format!("{}/operator/login", app.base)).header("x-forwarded-for", guesser).send().await.unwrap();
        let html = login.text().await.unwrap();
        let csrf = html.split("name=\"csrf\" value=\"").nth(1).and_then(|r| r.split('"').next()).expect("a CSRF field").to_owned();
        let p = b
            .post(format!("{}/operator/login", app.base))
            .header("x-forwarded-for", guesser)
            .form(&[("csrf", csrf.as_str()), ("admin_key", ADMIN_KEY)])
            .send()
            .await
            .unwrap();
        assert_eq!(p.status(), 429);
        // The operator elsewhere is unaffected.
        let ok = call(operator, Some(ADMIN_KEY)).await;
        assert_eq!(ok.status, 200, "{}", ok.body);
        // Each wrong key is audited with its address, never the key itself; the three fold
        // into the first row and, once its window closes, one with the count of the others.
        app.core.audit.flush().await;
        let a = app.send(app.admin(reqwest::Method::GET, "/audit?kind=sign_in_failed")).await;
        let text = a.body.to_string();
        assert!(!text.contains("not-the-admin-key") && !text.contains(ADMIN_KEY), "{text}");
        let via_api = |reason: &str| -> Vec<&Value> { a.body["events"].as_array().unwrap().iter()
            .filter(|e| e["details"]["via"] == "admin_api" && e["details"]["reason"] == reason)
            .collect() };
        let wrong = via_api("bad_admin_key");
        assert_eq!((wrong.len(), refusals(&wrong)), (2, 3), "{text}");
        assert!(wrong.iter().all(|e| e["source"] == guesser && e["actor"] == "admin"));
        // The refusals past the limit (a wrong and the right key, both refused unread).
        let throttled = via_api("throttled");
        assert_eq!((throttled.len(), refusals(&throttled)), (2, 2), "{text}");
    }

    // Regression (issue 17, item 7): introspection took the admin key with no throttle and no
    // audit, so it was an open door for guessing it.
    async fn wrong_admin_keys_at_introspection_are_throttled_and_audited(backend: Backend) {
        let app = TestApp::spawn_with(backend, |c| {
            limits_on(c);
            c.limits.secret_failures = 3;
            c.limits.trusted_proxies = vec!["127.0.0.1".into()];
        })
        .await;
        let token = app.token_value(ACME, HR).await;
        let call = |from: &'static str, key: &'static str| {
            app.send(
                app.http
                    .post(format!("{}/v1.0/oauth2/introspect", app.base))
                    .header("x-forwarded-for", from)
                    .bearer_auth(key)
                    .json(&json!({"token": token})),
            )
        };
        // Two addresses of one IPv6 /64 count as one guesser.
        let (guesser, same_64, operator) = ("2001:db8:1:2::9", "2001:db8:1:2:ffff::1", "198.51.100.3");
        for from in [guesser, same_64, guesser] {
            let a = call(from, "not-the-admin-key-0000").await;
            assert_eq!(a.status, 401, "{}", a.body);
        }
        for key in ["not-the-admin-key-0000", ADMIN_KEY] {
            assert_limit_body(&call(same_64, key).await, "Forbidden.AccessDenied.IpLimit");
        }
        let ok = call(operator, ADMIN_KEY).await;
        assert_eq!((ok.status, &ok.body["active"]), (200, &json!(true)), "{}", ok.body);
        app.core.audit.flush().await;
        let a = app.send(app.admin(reqwest::Method::GET, "/audit?kind=sign_in_failed")).await;
        let rows: Vec<&Value> = a.body["events"].as_array().unwrap().iter()
            .filter(|e| e["details"]["via"] == "introspection" && e["details"]["reason"] == "bad_admin_key")
            .collect();
        // One /64: one folded key.
        assert_eq!((rows.len(), refusals(&rows)), (2, 3), "{}", a.body);
    }

    async fn python_sdk_surfaces_the_qps_limit_unchanged(backend: Backend) {
        let app = TestApp::spawn_with(backend, |c| {
            limits_on(c);
            c.limits.app_api_per_second = 1;
            c.limits.app_api_burst = 2;
        })
        .await;
        crate::sdk::python_script(&app, "rate_limit.py").await;
    }

    async fn limits_are_off_in_emulator_mode_unless_switched_on(backend: Backend) {
        let tight = |c: &mut Config| {
            c.limits.enabled = None;
            c.emulator.enabled = true;
            c.limits.app_api_per_second = 1;
            c.limits.app_api_burst = 1;
            c.limits.address_per_second = 1;
            c.limits.address_burst = 1;
        };
        let app = TestApp::spawn_with(backend.clone(), tight).await;
        for _ in 0..TRIES {
            let a = app.app_token(ACME, HR).await;
            assert_eq!(a.status, 200, "{}", a.body);
        }
        app.stop().await;
        let app = TestApp::spawn_with(backend, |c| {
            tight(c);
            c.limits.enabled = Some(true);
            c.limits.address_per_second = 1000;
            c.limits.address_burst = 1000;
        })
        .await;
        assert_eq!(app.app_token(ACME, HR).await.status, 200);
        until_refused("Forbidden.AccessDenied.QpsLimitForAppkeyAndApi", |_| {
            Box::pin(app.app_token(ACME, HR))
        })
        .await;
    }
}

#[test]
fn limits_config_parses_and_defaults() {
    let c = Config::default();
    assert!(c.limits_enabled(), "on by default");
    assert_eq!(
        (c.limits.app_api_per_second, c.limits.app_api_burst),
        (20, 40)
    );
    assert!(c.limits.trusted_proxies.is_empty());
    let mut emu = Config::default();
    emu.emulator.enabled = true;
    assert!(!emu.limits_enabled(), "off by default in emulator mode");

    let dir = tempdir::Dir::new();
    let path = dir.path().join("opending.toml");
    std::fs::write(
        &path,
        "metrics_listen = \"127.0.0.1:9090\"\n\
         metrics_token = \"metrics-token-0123456789\"\n\
         [emulator]\nenabled = true\n\
         [limits]\nenabled = true\napp_api_per_second = 5\napp_api_burst = 7\n\
         address_per_second = 9\naddress_burst = 11\nsecret_failures = 4\n\
         secret_failure_window_s = 60\ntrusted_proxies = [\"10.0.0.0/8\", \"192.0.2.1\", \"::1\"]\n",
    )
    .unwrap();
    let c = Config::load(Some(&path), &Default::default()).unwrap();
    assert!(c.limits_enabled(), "switched on in emulator mode");
    let l = &c.limits;
    assert_eq!(
        (
            l.app_api_per_second,
            l.app_api_burst,
            l.address_per_second,
            l.address_burst
        ),
        (5, 7, 9, 11)
    );
    assert_eq!((l.secret_failures, l.secret_failure_window_s), (4, 60));
    assert_eq!(l.trusted_networks().unwrap().len(), 3);
    assert_eq!(c.metrics_listen, Some("127.0.0.1:9090".parse().unwrap()));

    for bad in [
        "[limits]\ntrusted_proxies = [\"10.0.0.0/33\"]\n",
        "[limits]\napp_api_per_second = 0\n",
        "[limits]\nno_such_setting = 1\n",
        "metrics_token = \"short\"\n",
    ] {
        std::fs::write(&path, bad).unwrap();
        assert!(
            Config::load(Some(&path), &Default::default()).is_err(),
            "{bad}"
        );
    }
}

/// How many refused attempts audit rows stand for (a folded row carries `count`).
fn refusals(rows: &[&Value]) -> u64 {
    rows.iter()
        .map(|e| {
            e["details"]["count"]
                .as_str()
                .map_or(1, |c| c.parse::<u64>().unwrap())
        })
        .sum()
}
