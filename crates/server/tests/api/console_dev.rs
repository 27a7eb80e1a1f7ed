//! The developer backend (`/console`) and the operator pages (`/operator`) over HTTP, as a
//! browser would drive them: who may see and change what, CSRF on every form, the secret shown
//! once, and bad input answered on the page (never a 5xx).

use crate::{browser_helpers::*, helpers::*};
use serde_json::json;

/// A page as the test sees it.
struct Page {
    status: u16,
    location: String,
    html: String,
}

async fn get(b: &reqwest::Client, app: &TestApp, path: &str) -> Page {
    page(b.get(format!("{}{path}", app.base)).send().await.unwrap()).await
}

async fn post(b: &reqwest::Client, app: &TestApp, path: &str, form: &[(&str, &str)]) -> Page {
    page(
        b.post(format!("{}{path}", app.base))
            .form(form)
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn page(r: reqwest::Response) -> Page {
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    Page {
        status,
        location,
        // Undo the template's escaping of `/`, quotes and `&` so tests can look for plain text.
        html: r
            .text()
            .await
            .unwrap()
            .replace("&#x2f;", "/")
            .replace("&quot;", "\"")
            .replace("&#x27;", "'")
            .replace("&amp;", "&"),
    }
}

/// The CSRF token of a page the browser can open.
async fn csrf(b: &reqwest::Client, app: &TestApp, path: &str) -> String {
    let p = get(b, app, path).await;
    assert_eq!(p.status, 200, "{path}: {}", p.html);
    csrf_in(&p.html)
}

/// The text of `<code id="{id}">…</code>`.
fn code_in(html: &str, id: &str) -> String {
    let marker = format!("<code id=\"{id}\">");
    let i = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {id} in:\n{html}"))
        + marker.len();
    html[i..i + html[i..].find('<').unwrap()].to_owned()
}

/// Creates an app through the console; returns (clientId, clientSecret).
async fn create(b: &reqwest::Client, app: &TestApp, corp: &str, name: &str) -> (String, String) {
    let token = csrf(b, app, "/console/apps/new").await;
    let p = post(
        b,
        app,
        "/console/apps",
        &[
            ("csrf", &token),
            ("corp_id", corp),
            ("name", name),
            ("distribution", "internal"),
            ("icon_url", ""),
        ],
    )
    .await;
    assert_eq!(p.status, 200, "{}", p.html);
    (
        code_in(&p.html, "client-id"),
        code_in(&p.html, "client-secret"),
    )
}

async fn app_name(app: &TestApp, client_id: &str) -> String {
    let id = opending_domain::ClientId::parse(client_id).unwrap();
    app.core.store.get_app(&id).await.unwrap().unwrap().name
}

opending_testkit::both_backends! {
    async fn signed_out_browsers_are_sent_to_sign_in(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let b = browser();
        for path in ["/console", "/console/apps/new", &format!("/console/apps/{}", HR.0), &format!("/console/apps/{}/rotate", HR.0)] {
            let p = get(&b, &app, path).await;
            assert!(matches!(p.status, 302 | 303), "{path}: {}", p.status);
            assert!(p.location.starts_with("/login?next=%2Fconsole"), "{path}: {}", p.location);
        }
        // A signed-out POST changes nothing and is sent to sign-in too.
        let p = post(&b, &app, &format!("/console/apps/{}/settings", HR.0), &[("csrf", "x"), ("name", "Taken over")]).await;
        assert!(p.location.starts_with("/login"), "{}", p.status);
        assert_eq!(app_name(&app, HR.0).await, "Acme HR");
    }

    async fn a_member_of_one_org_never_sees_or_changes_another_orgs_apps(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        // Bob is a member of Acme only; Globex owns dingglobexops.
        let bob = app.signed_in(BOB).await;
        let list = get(&bob, &app, "/console").await;
        assert_eq!(list.status, 200);
        assert!(list.html.contains(HR.0) && list.html.contains(TRAVEL.0), "{}", list.html);
        assert!(!list.html.contains(OPS.0), "Globex's app is listed to Bob");
        // Another org's app answers exactly as an app that does not exist.
        let other = get(&bob, &app, &format!("/console/apps/{}", OPS.0)).await;
        let missing = get(&bob, &app, "/console/apps/dingnosuchapp").await;
        assert_eq!((other.status, missing.status), (404, 404));
        assert!(!other.html.contains("Globex"), "{}", other.html);
        let token = csrf(&bob, &app, "/console").await;
        let ops = OPS.0;
        for (path, form) in [
            (format!("/console/apps/{ops}/settings"), vec![("name", "Taken over"), ("icon_url", "")]),
            (format!("/console/apps/{ops}/uris/add"), vec![("kind", "origin"), ("uri", "https://evil.example")]),
            (format!("/console/apps/{ops}/points/add"), vec![("code", "Contact.Org.Read")]),
            (format!("/console/apps/{ops}/rotate"), vec![]),
            (format!("/console/apps/{ops}/delete"), vec![]),
            (format!("/console/apps/{ops}/rotate"), vec![]),
        ] {
            let mut f = form.clone();
            f.push(("csrf", &token));
            let p = post(&bob, &app, &path, &f).await;
            assert_eq!(p.status, 404, "{path}: {}", p.html);
        }
        // …and cannot create an app in an org it is not a member of.
        let token = csrf(&bob, &app, "/console/apps/new").await;
        let p = post(&bob, &app, "/console/apps", &[("csrf", &token), ("corp_id", GLOBEX), ("name", "Sneaky"), ("distribution", "internal")]).await;
        assert_eq!(p.status, 404, "{}", p.html);
        assert!(!app.core.store.list_apps(None).await.unwrap().iter().any(|a| a.name == "Sneaky"));
        // Globex's app is untouched: same name, no origin, secret still good.
        assert_eq!(app_name(&app, OPS.0).await, "Globex Ops");
        let uris = app.send(app.admin(reqwest::Method::GET, &format!("/apps/{ops}/uris"))).await;
        assert_eq!(uris.body["origins"], json!([]), "{}", uris.body);
        assert_eq!(app.app_token(GLOBEX, OPS).await.status, 200);
        // Carol (Globex admin) does not see Acme's apps either.
        let carol = app.signed_in(CAROL).await;
        assert_eq!(get(&carol, &app, &format!("/console/apps/{}", HR.0)).await.status, 404);
        assert_eq!(get(&carol, &app, &format!("/console/apps/{}", OPS.0)).await.status, 200);
    }

    async fn members_read_apps_they_did_not_create_and_cannot_change_them(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        // HR comes from the seed file (no creator): Bob, a plain member, reads it only.
        let bob = app.signed_in(BOB).await;
        let view = get(&bob, &app, &format!("/console/apps/{}", HR.0)).await;
        assert_eq!(view.status, 200);
        assert_eq!(code_in(&view.html, "client-id"), HR.0);
        assert!(!view.html.contains("/rotate\""), "a rotate link for a non-manager");
        let token = csrf_in(&view.html);
        let p = post(&bob, &app, &format!("/console/apps/{}/rotate", HR.0), &[("csrf", &token)]).await;
        assert_eq!(p.status, 403, "{}", p.html);
        assert_eq!(get(&bob, &app, &format!("/console/apps/{}/delete", HR.0)).await.status, 403);
        assert_eq!(app.app_token(ACME, HR).await.status, 200, "the secret was not rotated");
        // Alice, Acme's admin, may change it.
        let alice = app.signed_in(ALICE).await;
        let token = csrf(&alice, &app, &format!("/console/apps/{}", HR.0)).await;
        let p = post(&alice, &app, &format!("/console/apps/{}/settings", HR.0), &[("csrf", &token), ("name", "Acme People"), ("icon_url", "https://acme.example/hr.png")]).await;
        assert_eq!(p.status, 303, "{}", p.html);
        assert_eq!(app_name(&app, HR.0).await, "Acme People");
        // An app Bob creates is his to manage.
        let (id, _) = create(&bob, &app, ACME, "Bob's tool").await;
        let token = csrf(&bob, &app, &format!("/console/apps/{id}")).await;
        let p = post(&bob, &app, &format!("/console/apps/{id}/settings"), &[("csrf", &token), ("name", "Bob's better tool"), ("icon_url", "")]).await;
        assert_eq!(p.status, 303, "{}", p.html);
        assert_eq!(app_name(&app, &id).await, "Bob's better tool");
    }

    async fn third_party_apps_show_their_suite_ticket_and_take_custom_and_admin_url(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let alice = app.signed_in(ALICE).await;
        let path = format!("/console/apps/{}", TRAVEL.0);
        let view = get(&alice, &app, &path).await;
        assert_eq!(view.status, 200);
        // The ticket shown is the one the token endpoints accept.
        let ticket = code_in(&view.html, "suite-ticket");
        let admin = app.send(app.admin(reqwest::Method::GET, &format!("/apps/{}/suite-ticket", TRAVEL.0))).await;
        assert_eq!(admin.body["suiteTicket"], ticket.as_str(), "{}", admin.body);
        assert!(view.html.contains("value=\"https://travel.example/admin\""), "{}", view.html);
        // Bob, a plain member, sees the settings read-only and no ticket.
        let bob = app.signed_in(BOB).await;
        let bobs = get(&bob, &app, &path).await;
        assert_eq!(bobs.status, 200);
        assert!(!bobs.html.contains("suite-ticket") && !bobs.html.contains(&ticket), "{}", bobs.html);
        let p = post(&bob, &app, &format!("{path}/isv"), &[("csrf", &csrf_in(&bobs.html)), ("custom", "on"), ("admin_url", "")]).await;
        assert_eq!(p.status, 403, "{}", p.html);
        // Alice marks it custom with a new admin URL: any ticket then opens a corp token.
        let token = csrf_in(&view.html);
        let p = post(&alice, &app, &format!("{path}/isv"), &[("csrf", &token), ("custom", "on"), ("admin_url", "https://travel.example/manage")]).await;
        assert_eq!((p.status, p.location.as_str()), (303, format!("{path}?notice=saved#isv").as_str()), "{}", p.html);
        let shown = app.send(app.admin(reqwest::Method::GET, &format!("/apps/{}", TRAVEL.0))).await;
        assert_eq!(shown.body["custom"], true, "{}", shown.body);
        let corp = app.send(app.http.post(format!("{}/v1.0/oauth2/corpAccessToken", app.base)).json(&json!({"authCorpId": GLOBEX, "suiteKey": TRAVEL.0, "suiteSecret": TRAVEL.1, "suiteTicket": "anything"}))).await;
        assert_eq!(corp.status, 200, "{}", corp.body);
        let view = get(&alice, &app, &path).await;
        assert!(view.html.contains("value=\"https://travel.example/manage\"") && view.html.contains(" checked"), "{}", view.html);
        // Unticking clears it; a bad URL is explained on the page and changes nothing.
        let p = post(&alice, &app, &format!("{path}/isv"), &[("csrf", &token), ("admin_url", "https://travel.example/manage")]).await;
        assert_eq!(p.status, 303, "{}", p.html);
        let p = post(&alice, &app, &format!("{path}/isv"), &[("csrf", &token), ("custom", "on"), ("admin_url", "javascript:alert(1)")]).await;
        assert_eq!(p.status, 400, "{}", p.html);
        assert!(p.html.contains("admin URL"), "{}", p.html);
        let shown = app.send(app.admin(reqwest::Method::GET, &format!("/apps/{}", TRAVEL.0))).await;
        assert_eq!(shown.body["custom"], false, "{}", shown.body);
        // An internal app has no such section, and custom is refused for it.
        let hr = get(&alice, &app, &format!("/console/apps/{}", HR.0)).await;
        assert!(!hr.html.contains("id=\"isv\""), "{}", hr.html);
        let p = post(&alice, &app, &format!("/console/apps/{}/isv", HR.0), &[("csrf", &token), ("custom", "on"), ("admin_url", "")]).await;
        assert_eq!(p.status, 400, "{}", p.html);
    }

    async fn the_event_subscription_is_set_and_removed_in_the_console(backend: Backend) {
        let app = TestApp::spawn_with(backend, |c| c.emulator.enabled = true).await;
        let Some(mut receiver) = crate::sdk::CallbackReceiver::start(DIR.0, "ok").await else { return };
        let alice = app.signed_in(ALICE).await;
        let path = format!("/console/apps/{}", DIR.0);
        let view = get(&alice, &app, &path).await;
        assert!(view.html.contains("id=\"events-mode\">Stream"), "{}", view.html);
        let token = csrf_in(&view.html);
        // A key that is not 43 characters is explained on the page.
        let p = post(&alice, &app, &format!("{path}/events"), &[("csrf", &token), ("url", &receiver.url()), ("token", "cbtoken123"), ("aes_key", "short")]).await;
        assert_eq!(p.status, 400, "{}", p.html);
        assert!(p.html.contains("form-error"), "{}", p.html);
        let p = post(&alice, &app, &format!("{path}/events"), &[("csrf", &token), ("url", &receiver.url()), ("token", crate::sdk::CB_TOKEN), ("aes_key", crate::sdk::CB_AES_KEY)]).await;
        assert_eq!((p.status, p.location.as_str()), (303, format!("{path}?notice=saved#events").as_str()), "{}", p.html);
        assert_eq!(receiver.next_event().await["EventType"], "check_url");
        let view = get(&alice, &app, &path).await;
        assert!(view.html.contains(&receiver.url()), "{}", view.html);
        assert!(!view.html.contains(crate::sdk::CB_AES_KEY), "the key is never shown again");
        // Bob, a plain member, cannot change it.
        let bob = app.signed_in(BOB).await;
        let bobs = get(&bob, &app, &path).await;
        assert!(!bobs.html.contains("save-callback"), "{}", bobs.html);
        let p = post(&bob, &app, &format!("{path}/events/remove"), &[("csrf", &csrf_in(&bobs.html))]).await;
        assert_eq!(p.status, 403, "{}", p.html);
        let p = post(&alice, &app, &format!("{path}/events/remove"), &[("csrf", &token)]).await;
        assert_eq!(p.status, 303, "{}", p.html);
        let view = get(&alice, &app, &path).await;
        assert!(view.html.contains("id=\"events-mode\">Stream"), "{}", view.html);
    }

    async fn the_secret_is_shown_once_works_and_rotation_retires_it(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let alice = app.signed_in(ALICE).await;
        let (id, secret) = create(&alice, &app, ACME, "Invoices").await;
        assert!(secret.len() >= 32, "{secret}");
        let token = app.token_value(ACME, (&id, &secret)).await;
        // Never again: not on the app page, not in the list.
        for path in [format!("/console/apps/{id}"), "/console".to_owned()] {
            let p = get(&alice, &app, &path).await;
            assert_eq!(p.status, 200);
            assert!(!p.html.contains(&secret), "{path} shows the secret");
        }
        // Rotation asks first (GET is only the confirmation), then shows the new secret once.
        let confirm = get(&alice, &app, &format!("/console/apps/{id}/rotate")).await;
        assert_eq!(confirm.status, 200);
        assert_eq!(app.app_token(ACME, (&id, &secret)).await.status, 200, "GET rotated");
        let p = post(&alice, &app, &format!("/console/apps/{id}/rotate"), &[("csrf", &csrf_in(&confirm.html))]).await;
        assert_eq!(p.status, 200, "{}", p.html);
        let fresh = code_in(&p.html, "client-secret");
        assert_ne!(fresh, secret);
        app.app_token(ACME, (&id, &secret)).await.assert_error(400, "invalid.client");
        assert_eq!(app.introspect_admin(&token).await.body["active"], false);
        assert_eq!(app.app_token(ACME, (&id, &fresh)).await.status, 200);
        // Deletion asks first too.
        let confirm = get(&alice, &app, &format!("/console/apps/{id}/delete")).await;
        let p = post(&alice, &app, &format!("/console/apps/{id}/delete"), &[("csrf", &csrf_in(&confirm.html))]).await;
        assert_eq!((p.status, p.location.as_str()), (303, "/console?notice=deleted"));
        assert_eq!(get(&alice, &app, &format!("/console/apps/{id}")).await.status, 404);
        assert_ne!(app.app_token(ACME, (&id, &fresh)).await.status, 200);
    }

    async fn points_and_uris_added_in_the_console_take_effect(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let alice = app.signed_in(ALICE).await;
        let (id, secret) = create(&alice, &app, ACME, "Directory").await;
        let token = app.token_value(ACME, (&id, &secret)).await;
        app.auth_infos(Some(&token), None).await.assert_error(403, "Forbidden.AccessDenied.AccessTokenPermissionDenied");
        let t = csrf(&alice, &app, &format!("/console/apps/{id}")).await;
        let p = post(&alice, &app, &format!("/console/apps/{id}/points/add"), &[("csrf", &t), ("code", "Contact.Org.Read")]).await;
        assert_eq!(p.status, 303, "{}", p.html);
        assert_eq!(app.auth_infos(Some(&token), None).await.status, 200);
        let view = get(&alice, &app, &format!("/console/apps/{id}")).await;
        assert!(view.html.contains("class=\"added\""), "{}", view.html);
        for (kind, uri) in [("redirect", "https://dir.acme.example/callback"), ("origin", "https://dir.acme.example")] {
            let p = post(&alice, &app, &format!("/console/apps/{id}/uris/add"), &[("csrf", &t), ("kind", kind), ("uri", uri)]).await;
            assert_eq!(p.status, 303, "{}", p.html);
        }
        let uris = app.send(app.admin(reqwest::Method::GET, &format!("/apps/{id}/uris"))).await;
        assert_eq!(uris.body, json!({"redirectUris": ["https://dir.acme.example/callback"], "origins": ["https://dir.acme.example"]}));
        let p = post(&alice, &app, &format!("/console/apps/{id}/points/remove"), &[("csrf", &t), ("code", "Contact.Org.Read")]).await;
        assert_eq!(p.status, 303, "{}", p.html);
        app.auth_infos(Some(&token), None).await.assert_error(403, "Forbidden.AccessDenied.AccessTokenPermissionDenied");
    }

    async fn every_state_changing_form_needs_its_csrf_token(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let alice = app.signed_in(ALICE).await;
        let (id, secret) = create(&alice, &app, ACME, "Guarded").await;
        let bob = app.signed_in(BOB).await;
        // Bob's token is valid for Bob's session, not for Alice's.
        let bobs = csrf(&bob, &app, "/console").await;
        let forms: Vec<(String, Vec<(&str, &str)>)> = vec![
            ("/console/apps".into(), vec![("corp_id", ACME), ("name", "Forged"), ("distribution", "internal")]),
            (format!("/console/apps/{id}/settings"), vec![("name", "Forged"), ("icon_url", "")]),
            (format!("/console/apps/{id}/uris/add"), vec![("kind", "origin"), ("uri", "https://forged.example")]),
            (format!("/console/apps/{id}/uris/remove"), vec![("kind", "origin"), ("uri", "https://forged.example")]),
            (format!("/console/apps/{id}/points/add"), vec![("code", "Contact.Org.Read")]),
            (format!("/console/apps/{id}/points/remove"), vec![("code", "Contact.Org.Read")]),
            (format!("/console/apps/{id}/rotate"), vec![]),
            (format!("/console/apps/{id}/delete"), vec![]),
            (format!("/console/apps/{}/isv", TRAVEL.0), vec![("custom", "on"), ("admin_url", "https://forged.example/admin")]),
            (format!("/console/apps/{id}/events"), vec![("url", "https://forged.example/cb"), ("token", "forged1"), ("aes_key", "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG")]),
            (format!("/console/apps/{id}/events/remove"), vec![]),
        ];
        for (path, form) in &forms {
            for token in [None, Some(""), Some("00000000000000000000000000000000"), Some(bobs.as_str())] {
                let mut f = form.clone();
                if let Some(t) = token {
                    f.push(("csrf", t));
                }
                let p = post(&alice, &app, path, &f).await;
                assert_eq!(p.status, 403, "{path} with {token:?}: {}", p.html);
            }
        }
        assert_eq!(app_name(&app, &id).await, "Guarded");
        assert_eq!(app.app_token(ACME, (&id, &secret)).await.status, 200);
        let travel = app.send(app.admin(reqwest::Method::GET, &format!("/apps/{}", TRAVEL.0))).await;
        assert_eq!(travel.body["custom"], false, "{}", travel.body);
        assert!(!app.core.store.list_apps(None).await.unwrap().iter().any(|a| a.name == "Forged"));
        // The operator's forms too.
        let op = operator(&app).await;
        for (path, form) in [("/operator/orgs", vec![("name", "Forged Org")]), ("/operator/points", vec![("code", "Forged.Point"), ("name", "F"), ("kind", "rpc"), ("grant_type", "app")]), ("/operator/logout", vec![])] {
            for token in [None, Some("nope"), Some(bobs.as_str())] {
                let mut f = form.clone();
                if let Some(t) = token {
                    f.push(("csrf", t));
                }
                assert_eq!(post(&op, &app, path, &f).await.status, 403, "{path} with {token:?}");
            }
        }
        assert!(!app.core.store.list_orgs().await.unwrap().iter().any(|o| o.name == "Forged Org"));
        // The operator sign-in form, with the right key but no token.
        let b = browser();
        get(&b, &app, "/operator/login").await;
        assert_eq!(post(&b, &app, "/operator/login", &[("admin_key", ADMIN_KEY)]).await.status, 403);
    }

    async fn bad_input_is_explained_on_the_page(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let alice = app.signed_in(ALICE).await;
        let t = csrf(&alice, &app, "/console/apps/new").await;
        for (form, expect) in [
            (vec![("corp_id", ACME), ("name", "   "), ("distribution", "internal")], "name must not be empty"),
            (vec![("corp_id", ACME), ("name", "X"), ("distribution", "internal"), ("icon_url", "javascript:alert(1)")], "icon URL"),
            (vec![("corp_id", ACME), ("name", "X"), ("distribution", "galactic")], "请选择应用类型"),
            (vec![("corp_id", ACME), ("name", &"x".repeat(300)), ("distribution", "internal")], "longer than 200"),
        ] {
            let mut f = form.clone();
            f.push(("csrf", &t));
            let p = post(&alice, &app, "/console/apps", &f).await;
            assert_eq!(p.status, 400, "{form:?}: {}", p.html);
            assert!(p.html.contains("role=\"alert\"") && p.html.contains(expect), "{form:?}: {}", p.html);
        }
        let hr = HR.0;
        for (path, form, expect) in [
            (format!("/console/apps/{hr}/settings"), vec![("name", ""), ("icon_url", "")], "name must not be empty"),
            (format!("/console/apps/{hr}/settings"), vec![("name", "HR"), ("icon_url", "http://insecure.example/x.png")], "https://"),
            (format!("/console/apps/{hr}/uris/add"), vec![("kind", "redirect"), ("uri", "not a url")], "absolute https URL"),
            (format!("/console/apps/{hr}/uris/add"), vec![("kind", "origin"), ("uri", "https://a.example/path")], "https://host[:port]"),
            (format!("/console/apps/{hr}/uris/add"), vec![("kind", "sideways"), ("uri", "https://a.example")], "redirect or origin"),
            (format!("/console/apps/{hr}/points/add"), vec![("code", "No.Such.Point")], "not in the catalogue"),
            (format!("/console/apps/{hr}/points/add"), vec![("code", "bad code!")], ""),
        ] {
            let mut f = form.clone();
            f.push(("csrf", &t));
            let p = post(&alice, &app, &path, &f).await;
            assert_eq!(p.status, 400, "{path} {form:?}: {}", p.html);
            assert!(p.html.contains("role=\"alert\"") && p.html.contains(expect), "{path} {form:?}: {}", p.html);
        }
        assert_eq!(app_name(&app, HR.0).await, "Acme HR");
        // Odd pages and ids are not errors of the server either.
        assert_eq!(get(&alice, &app, "/console?page=-3").await.status, 200);
        let odd = get(&alice, &app, "/console/apps/%00%ff").await.status;
        assert!(matches!(odd, 400 | 404), "{odd}");
    }

    async fn only_admin_key_holders_reach_the_operator_pages(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let alice = app.signed_in(ALICE).await;
        for path in ["/operator", "/operator/orgs", "/operator/users", "/operator/points"] {
            let p = get(&alice, &app, path).await;
            assert!(matches!(p.status, 302 | 303), "{path}: {}", p.status);
            assert_eq!(p.location, "/operator/login", "{path}");
        }
        let t = csrf(&alice, &app, "/console").await;
        let p = post(&alice, &app, "/operator/orgs", &[("csrf", &t), ("name", "Alice Org")]).await;
        assert_eq!(p.location, "/operator/login");
        assert!(!app.core.store.list_orgs().await.unwrap().iter().any(|o| o.name == "Alice Org"));
        assert!(!get(&alice, &app, "/console").await.html.contains("href=\"/operator\""), "operator link for a non-operator");
        // A wrong key, a forged cookie.
        let b = browser();
        let t = csrf(&b, &app, "/operator/login").await;
        let p = post(&b, &app, "/operator/login", &[("csrf", &t), ("admin_key", "not-the-admin-key-0000")]).await;
        assert_eq!(p.status, 400);
        assert!(p.html.contains("role=\"alert\""));
        let forged = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let r = forged.get(format!("{}/operator/orgs", app.base)).header("cookie", "opending_operator=99999999999.00112233445566778899aabbccddeeff00112233").send().await.unwrap();
        assert_eq!(r.status(), 303);
        // The operator lists and creates.
        let op = operator(&app).await;
        let orgs = get(&op, &app, "/operator/orgs").await;
        assert_eq!(orgs.status, 200);
        assert!(orgs.html.contains(ACME) && orgs.html.contains(GLOBEX));
        let t = csrf_in(&orgs.html);
        let p = post(&op, &app, "/operator/orgs", &[("csrf", &t), ("name", "Umbrella"), ("corp_id", "dingumbrella")]).await;
        assert_eq!(p.status, 303, "{}", p.html);
        assert!(get(&op, &app, "/operator/orgs").await.html.contains("dingumbrella"));
        let p = post(&op, &app, "/operator/orgs", &[("csrf", &t), ("name", ""), ("corp_id", "")]).await;
        assert_eq!(p.status, 400, "{}", p.html);
        let p = post(&op, &app, "/operator/orgs", &[("csrf", &t), ("name", "Again"), ("corp_id", "dingumbrella")]).await;
        assert_eq!(p.status, 400, "{}", p.html);
        let users = get(&op, &app, "/operator/users").await;
        assert!(users.html.contains(ALICE.0) && users.html.contains("carol"), "{}", users.html);
        let p = post(&op, &app, "/operator/points", &[("csrf", &t), ("code", "Acme.Invoice.Read"), ("name", "Read invoices"), ("kind", "rpc"), ("grant_type", "app"), ("description", "")]).await;
        assert_eq!(p.status, 303, "{}", p.html);
        assert!(get(&op, &app, "/operator/points").await.html.contains("Acme.Invoice.Read"));
        let p = post(&op, &app, "/operator/points", &[("csrf", &t), ("code", "Acme.Invoice.Read"), ("name", "Again"), ("kind", "rpc"), ("grant_type", "app")]).await;
        assert_eq!(p.status, 400, "{}", p.html);
        // Leaving operator mode.
        let p = post(&op, &app, "/operator/logout", &[("csrf", &t)]).await;
        assert_eq!(p.status, 303);
        assert_eq!(get(&op, &app, "/operator/orgs").await.location, "/operator/login");
    }

    async fn wrong_admin_keys_are_throttled_per_address(backend: Backend) {
        let app = TestApp::spawn_with(backend, |c| {
            c.limits.enabled = Some(true);
            c.limits.address_per_second = 1000;
            c.limits.address_burst = 1000;
            c.limits.secret_failures = 3;
            c.limits.trusted_proxies = vec!["127.0.0.1".into()];
        }).await;
        let b = browser();
        let t = csrf(&b, &app, "/operator/login").await;
        let from = |address: &'static str, key: &'static str| {
            let req = b
                .post(format!("{}/operator/login", app.base))
                .header("x-forwarded-for", address)
                .form(&[("csrf", t.as_str()), ("admin_key", key)]);
            async move { page(req.send().await.unwrap()).await }
        };
        let (guesser, operator_desk) = ("203.0.113.7", "198.51.100.2");
        for i in 0..3 {
            let p = from(guesser, "not-the-admin-key-0000").await;
            assert_eq!(p.status, 400, "wrong key {i} is only wrong: {}", p.html);
        }
        // The address has used up its guesses: refused before the key is looked at, even the
        // right one, with the reason on the page.
        for key in ["not-the-admin-key-0000", ADMIN_KEY] {
            let p = from(guesser, key).await;
            assert_eq!((p.status, p.location.as_str()), (429, ""), "{}", p.html);
            assert!(p.html.contains("role=\"alert\"") && (p.html.contains("Too many wrong admin keys") || p.html.contains("管理员密钥次数过多")), "{}", p.html);
            assert!(p.html.contains("name=\"admin_key\""), "the form is still there");
        }
        // The operator, elsewhere, signs in; a wrong key from there is counted on its own.
        let p = from(operator_desk, "not-the-admin-key-0000").await;
        assert_eq!(p.status, 400);
        let p = from(operator_desk, ADMIN_KEY).await;
        assert_eq!((p.status, p.location.as_str()), (303, "/operator/orgs"), "{}", p.html);
        // Every attempt is in the audit log, with its reason and address, never a key.
        let a = app.send(app.admin(reqwest::Method::GET, "/audit?kind=sign_in_failed,sign_in_succeeded")).await;
        assert!(!a.body.to_string().contains(ADMIN_KEY) && !a.body.to_string().contains("not-the-admin-key"), "{}", a.body);
        let mut seen: Vec<(String, String, String)> = a.body["events"].as_array().unwrap().iter()
            .filter(|e| e["details"]["via"] == "operator_login")
            .map(|e| (e["kind"].as_str().unwrap().to_owned(), e["details"]["reason"].as_str().unwrap_or("").to_owned(), e["source"].as_str().unwrap().to_owned()))
            .collect();
        seen.reverse();
        let ev = |k: &str, r: &str, s: &str| (k.to_owned(), r.to_owned(), s.to_owned());
        let wrong = |s| ev("sign_in_failed", "bad_admin_key", s);
        // Refusals fold: the first of each reason and address at once, the rest counted.
        assert_eq!(seen, [
            wrong(guesser), ev("sign_in_failed", "throttled", guesser),
            wrong(operator_desk), ev("sign_in_succeeded", "", operator_desk),
        ]);
        app.core.audit.flush().await;
        let a = app.send(app.admin(reqwest::Method::GET, "/audit?kind=sign_in_failed,sign_in_succeeded")).await;
        let mut totals = std::collections::BTreeMap::new();
        for e in a.body["events"].as_array().unwrap().iter().filter(|e| e["details"]["via"] == "operator_login") {
            let n: u64 = e["details"]["count"].as_str().map_or(1, |c| c.parse().unwrap());
            *totals.entry((e["kind"].as_str().unwrap().to_owned(), e["details"]["reason"].as_str().unwrap_or("").to_owned(), e["source"].as_str().unwrap().to_owned())).or_insert(0) += n;
        }
        assert_eq!(totals, [(wrong(guesser), 3), (ev("sign_in_failed", "throttled", guesser), 2), (wrong(operator_desk), 1), (ev("sign_in_succeeded", "", operator_desk), 1)].into_iter().collect());
        assert!(a.body["events"].as_array().unwrap().iter().filter(|e| e["details"]["via"] == "operator_login").all(|e| e["actor"] == "admin"));
        // The refusals are counted in the metrics.
        let (_, metrics) = crate::metrics::scrape(&app, &app.base, None).await;
        assert!(
            metrics.lines().any(|l| l.starts_with("opending_rate_limited_total{kind=\"admin_key_failures\"} ")),
            "{metrics}"
        );
    }

    async fn lists_are_paginated(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        for i in 0..23 {
            let a = app.send(app.admin(reqwest::Method::POST, "/apps").json(&json!({"name": format!("Bulk {i:02}"), "ownerCorpId": ACME, "distribution": "internal"}))).await;
            assert_eq!(a.status, 201, "{}", a.body);
        }
        let alice = app.signed_in(ALICE).await;
        let first = get(&alice, &app, "/console").await;
        assert!(first.html.contains("1 / 2") && first.html.contains("href=\"/console?page=2\""), "{}", first.html);
        let second = get(&alice, &app, "/console?page=2").await;
        assert!(second.html.contains("2 / 2") && second.html.contains("href=\"/console?page=1\""));
        // Every app of Alice's orgs (Acme and Globex) once, 20 on the first page.
        let rows = |html: &str| html.matches("<tr>").count() - 1; // less the header row
        let mine = app.core.store.list_apps(None).await.unwrap().into_iter().filter(|a| matches!(a.owner_corp_id.as_str(), ACME | GLOBEX)).count();
        assert_eq!((rows(&first.html), rows(&first.html) + rows(&second.html)), (20, mine));
    }
}

/// A browser signed in as the operator with the admin key.
async fn operator(app: &TestApp) -> reqwest::Client {
    let b = browser();
    let t = csrf(&b, app, "/operator/login").await;
    let p = post(
        &b,
        app,
        "/operator/login",
        &[("csrf", &t), ("admin_key", ADMIN_KEY)],
    )
    .await;
    assert_eq!((p.status, p.location.as_str()), (303, "/operator/orgs"));
    b
}
