//! Org administration pages (`/org/{corpId}/…`) at the HTTP level: who may see them, CSRF on
//! every change, the last-admin rule, and bad input answered with a clear page, never a 5xx.

use crate::{browser_helpers::*, helpers::*};
use reqwest::Client;

/// GET a page: (status, body).
async fn get(app: &TestApp, b: &Client, path: &str) -> (u16, String) {
    let r = b.get(format!("{}{path}", app.base)).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// POST a form: (status, Location header, body).
async fn post(
    app: &TestApp,
    b: &Client,
    path: &str,
    form: &[(&str, &str)],
) -> (u16, String, String) {
    let r = b
        .post(format!("{}{path}", app.base))
        .form(form)
        .send()
        .await
        .unwrap();
    let loc = r
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (r.status().as_u16(), loc, r.text().await.unwrap())
}

/// The CSRF token of a signed-in browser (from its account page).
async fn csrf(app: &TestApp, b: &Client) -> String {
    csrf_in(&get(app, b, "/account").await.1)
}

async fn installation_status(app: &TestApp, client: &str, corp: &str) -> Option<String> {
    let a = app
        .send(app.admin(
            reqwest::Method::GET,
            &format!("/installations?clientId={client}&corpId={corp}"),
        ))
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    a.body
        .as_array()
        .unwrap()
        .first()
        .map(|i| i["status"].as_str().unwrap().to_owned())
}

/// The ids of the events listed on an audit page, in order (`data-event-id`).
fn event_ids(html: &str) -> Vec<i64> {
    html.split("data-event-id=\"")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].parse().unwrap())
        .collect()
}

/// The kinds of the events listed on an audit page (`data-kind`).
fn event_kinds(html: &str) -> Vec<String> {
    html.split("data-kind=\"")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].to_owned())
        .collect()
}

/// The `href` of the page link `rel` ("next" or "prev"), unescaped.
fn page_link(html: &str, rel: &str) -> Option<String> {
    let end = html.find(&format!("\" rel=\"{rel}\""))?;
    let start = html[..end].rfind("href=\"")? + 6;
    Some(
        html[start..end]
            .replace("&amp;", "&")
            .replace("&#x2f;", "/"),
    )
}

/// The ids of an org's events (newest first) as the admin API lists them, with `query` added.
async fn api_event_ids(app: &TestApp, corp: &str, query: &str) -> Vec<i64> {
    app.core.audit.flush().await;
    let a = app
        .send(app.admin(
            reqwest::Method::GET,
            &format!("/audit?org={corp}&limit=1000{query}"),
        ))
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    a.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect()
}

/// A bad-input case: path, form, expected status, words the page must say.
type Case<'a> = (String, Vec<(&'a str, &'a str)>, u16, &'a str);

const TABS: [&str; 5] = [
    "members",
    "installations",
    "requests",
    "certification",
    "audit",
];

opending_testkit::both_backends! {
    async fn the_directory_tab_edits_departments_and_profiles(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let alice = app.signed_in(ALICE).await;
        let (status, html) = get(&app, &alice, &format!("/org/{ACME}/directory")).await;
        assert_eq!(status, 200);
        let html = html.replace("&#x2f;", "/");
        for want in ["研发部 / 平台组", "市场部", "bob", "Engineer"] {
            assert!(html.contains(want), "{want} in the directory tab:\n{html}");
        }
        let t = csrf(&app, &alice).await;
        let depts = format!("/org/{ACME}/directory/departments");
        let (status, loc, body) = post(&app, &alice, &depts, &[("csrf", &t), ("dept_id", "300"), ("name", "销售部"), ("parent_id", "200"), ("order", "0"), ("managers", "")]).await;
        assert_eq!((status, loc.as_str()), (303, format!("/org/{ACME}/directory?done=department_saved").as_str()), "{body}");
        let dir = app.token_value(ACME, DIR).await;
        let r = app.send(app.http.post(format!("{}/topapi/v2/department/listsubid?access_token={dir}", app.base)).json(&serde_json::json!({"dept_id": 200}))).await;
        assert_eq!(r.body["result"]["dept_id_list"], serde_json::json!([300]));
        // Refusals are explained on the page: a move under its own child, a department with
        // members, a number that is not one; no CSRF token is 403.
        let (status, _, body) = post(&app, &alice, &depts, &[("csrf", &t), ("dept_id", "100"), ("name", "研发部"), ("parent_id", "101"), ("order", "0"), ("managers", "alice")]).await;
        assert_eq!(status, 400);
        assert!(body.contains("descendant"), "{body}");
        let (status, _, body) = post(&app, &alice, &format!("/org/{ACME}/directory/departments/101/remove"), &[("csrf", &t)]).await;
        assert_eq!(status, 409, "{body}");
        let (status, _, _) = post(&app, &alice, &depts, &[("csrf", &t), ("dept_id", "abc"), ("name", "X"), ("parent_id", "1")]).await;
        assert_eq!(status, 400);
        let (status, _, _) = post(&app, &alice, &depts, &[("dept_id", "301"), ("name", "X"), ("parent_id", "1")]).await;
        assert_eq!(status, 403);
        let (status, loc, _) = post(&app, &alice, &format!("/org/{ACME}/directory/departments/300/remove"), &[("csrf", &t)]).await;
        assert_eq!((status, loc.contains("department_removed")), (303, true));
        // Bob's profile: shown, changed, refused with another member's userid.
        let member = format!("/org/{ACME}/directory/members/{}", BOB.0);
        let (status, html) = get(&app, &alice, &member).await;
        assert!(status == 200 && html.contains("value=\"bob\"") && html.contains("101, 200"), "{html}");
        let form = |userid: &'static str| vec![("csrf", t.clone()), ("userid", userid.to_owned()), ("title", "Staff Engineer".to_owned()), ("job_number", "0002".to_owned()), ("work_place", String::new()), ("org_email", String::new()), ("telephone", String::new()), ("manager_userid", "alice".to_owned()), ("remark", String::new()), ("departments", "100".to_owned()), ("active", "on".to_owned())];
        let r = alice.post(format!("{}{member}", app.base)).form(&form("bob")).send().await.unwrap();
        assert_eq!(r.status(), 303);
        let u = app.send(app.http.post(format!("{}/topapi/v2/user/get?access_token={dir}", app.base)).json(&serde_json::json!({"userid": "bob"}))).await;
        assert_eq!((u.body["result"]["title"].as_str(), u.body["result"]["dept_id_list"].clone()), (Some("Staff Engineer"), serde_json::json!([100])), "{}", u.body);
        let r = alice.post(format!("{}{member}", app.base)).form(&form("alice")).send().await.unwrap();
        assert_eq!(r.status(), 409);
        assert!(r.text().await.unwrap().contains("another member"));
        // Carol administers Globex, not Acme; Bob is no admin.
        let carol = app.signed_in(CAROL).await;
        assert_eq!(get(&app, &carol, &format!("/org/{ACME}/directory")).await.0, 404);
        let bob = app.signed_in(BOB).await;
        assert_eq!(get(&app, &bob, &format!("/org/{ACME}/directory")).await.0, 403);
        assert_eq!(get(&app, &alice, &format!("/org/{ACME}/directory/members/{}", CAROL.0)).await.0, 404);
    }

    async fn an_admin_of_one_org_cannot_see_or_change_another(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let alice = app.signed_in(ALICE).await; // admin of Acme, plain member of Globex
        let token = csrf(&app, &alice).await;
        for tab in TABS {
            let (s, body) = get(&app, &alice, &format!("/org/{ACME}/{tab}")).await;
            assert_eq!(s, 200, "{tab}: {body}");
            assert!(body.contains("Acme Corp"));
            // A member but not an admin: 403, saying why.
            let (s, body) = get(&app, &alice, &format!("/org/{GLOBEX}/{tab}")).await;
            assert_eq!(s, 403, "{tab}");
            assert!(!body.contains("suitecrm") && !body.contains("Carol"), "{body}");
            // Not a member, and an org that does not exist: the same 404.
            let (s, a) = get(&app, &alice, &format!("/org/{INITECH}/{tab}")).await;
            let (s2, b) = get(&app, &alice, &format!("/org/dingnosuchorg/{tab}")).await;
            assert_eq!((s, s2), (404, 404), "{tab}");
            assert_eq!(a.replace(INITECH, "X").replace("dingnosuchorg", "X").len(), b.replace(INITECH, "X").replace("dingnosuchorg", "X").len(), "indistinguishable");
        }
        // Changes aimed at other orgs, with a valid CSRF token, change nothing.
        let f = [("csrf", token.as_str())];
        assert_eq!(post(&app, &alice, &format!("/org/{GLOBEX}/installations/{}/suspend", CRM.0), &f).await.0, 403);
        assert_eq!(installation_status(&app, CRM.0, GLOBEX).await.as_deref(), Some("active"));
        assert_eq!(post(&app, &alice, &format!("/org/{INITECH}/installations/{}/resume", TRAVEL.0), &f).await.0, 404);
        assert_eq!(installation_status(&app, TRAVEL.0, INITECH).await.as_deref(), Some("suspended"));
        assert_eq!(post(&app, &alice, &format!("/org/{GLOBEX}/installations/{}/uninstall", CRM.0), &f).await.0, 403);
        assert_eq!(post(&app, &alice, &format!("/org/{GLOBEX}/members/{}/remove", CAROL.0), &f).await.0, 403);
        assert_eq!(post(&app, &alice, &format!("/org/{GLOBEX}/members"), &[("csrf", &token), ("user", "bob"), ("role", "admin")]).await.0, 403);
        // Through her own org's URLs she reaches only her own org's rows.
        let (s, _, body) = post(&app, &alice, &format!("/org/{ACME}/installations/{}/suspend", CRM.0), &f).await;
        assert_eq!(s, 404, "CRM is not installed in Acme: {body}");
        assert_eq!(installation_status(&app, CRM.0, GLOBEX).await.as_deref(), Some("active"));
        let (s, _, _) = post(&app, &alice, &format!("/org/{ACME}/members/{}/role", CAROL.0), &[("csrf", &token), ("role", "member")]).await;
        assert_eq!(s, 404, "Carol is not a member of Acme");
        let (s, _, _) = post(&app, &alice, &format!("/org/{ACME}/members/{}/remove", CAROL.0), &f).await;
        assert_eq!(s, 404);
        let m = app.send(app.admin(reqwest::Method::GET, &format!("/orgs/{GLOBEX}/members"))).await;
        assert!(m.body.to_string().contains(CAROL.0), "{}", m.body);
    }

    async fn a_member_who_is_not_an_admin_cannot_reach_the_pages(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let bob = app.signed_in(BOB).await; // member of Acme
        let token = csrf(&app, &bob).await;
        for tab in TABS {
            let (s, body) = get(&app, &bob, &format!("/org/{ACME}/{tab}")).await;
            assert_eq!(s, 403, "{tab}");
            assert!(body.contains("Only admins") || body.contains("只有该组织的管理员"), "{body}");
        }
        let (s, _, _) = post(&app, &bob, &format!("/org/{ACME}/members/{}/role", BOB.0), &[("csrf", &token), ("role", "admin")]).await;
        assert_eq!(s, 403, "no self-promotion");
        let m = app.send(app.admin(reqwest::Method::GET, &format!("/orgs/{ACME}/members"))).await;
        let bob_row = m.body.as_array().unwrap().iter().find(|r| r["unionId"] == BOB.0).unwrap().clone();
        assert_eq!(bob_row["role"], "member");
        // Not signed in: to sign-in and back.
        let anon = browser();
        let r = anon.get(format!("{}/org/{ACME}/members", app.base)).send().await.unwrap();
        assert_eq!(r.status(), 303);
        assert_eq!(r.headers()["location"], "/login?next=%2Forg%2Fdingacme%2Fmembers");
        let (s, loc, _) = post(&app, &anon, &format!("/org/{ACME}/members"), &[("csrf", ""), ("user", "bob"), ("role", "admin")]).await;
        assert_eq!(s, 303);
        assert!(loc.starts_with("/login"), "{loc}");
    }

    async fn every_change_without_a_valid_csrf_token_is_refused(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let carol = app.signed_in(CAROL).await; // admin of Globex
        // A pending toAdmin request to decide.
        let alice = app.signed_in(ALICE).await;
        let r = app.openauth(&alice, &serde_json::json!({"type": "1", "clientId": CRM.0, "corpId": GLOBEX, "rpcScope": "Contact.Org.Read"}), "allow").await;
        assert_eq!(r["status"], "toAdmin", "{r}");
        let req_id = app.core.store.auth_requests(&opending_domain::CorpId::parse(GLOBEX).unwrap(), opending_domain::grant::RequestStatus::Pending).await.unwrap()[0].id.clone();
        let posts: Vec<(String, Vec<(&str, &str)>)> = vec![
            (format!("/org/{GLOBEX}/members"), vec![("user", "bob"), ("role", "admin")]),
            (format!("/org/{GLOBEX}/members/{}/role", ALICE.0), vec![("role", "admin")]),
            (format!("/org/{GLOBEX}/members/{}/remove", ALICE.0), vec![]),
            (format!("/org/{GLOBEX}/installations"), vec![("client_id", TRAVEL.0)]),
            (format!("/org/{GLOBEX}/installations/{}/suspend", CRM.0), vec![]),
            (format!("/org/{GLOBEX}/installations/{}/resume", CRM.0), vec![]),
            (format!("/org/{GLOBEX}/installations/{}/uninstall", CRM.0), vec![]),
            (format!("/org/{GLOBEX}/requests/{req_id}/approve"), vec![]),
            (format!("/org/{GLOBEX}/requests/{req_id}/reject"), vec![]),
        ];
        // Alice's own token is a valid token, but not Carol's.
        let alices = csrf(&app, &alice).await;
        for (path, fields) in &posts {
            for bad in [None, Some(""), Some("forged"), Some(alices.as_str())] {
                let mut form = fields.clone();
                if let Some(t) = bad {
                    form.push(("csrf", t));
                }
                let (s, _, body) = post(&app, &carol, path, &form).await;
                assert_eq!(s, 403, "{path} with csrf {bad:?}: {body}");
                assert!(body.contains("expired") || body.contains("表单已过期"), "{body}");
            }
        }
        assert_eq!(installation_status(&app, CRM.0, GLOBEX).await.as_deref(), Some("active"));
        assert_eq!(installation_status(&app, TRAVEL.0, GLOBEX).await.as_deref(), Some("active"));
        let m = app.send(app.admin(reqwest::Method::GET, &format!("/orgs/{GLOBEX}/members"))).await;
        assert_eq!(m.body.as_array().unwrap().len(), 2, "{}", m.body);
        let (_, page) = get(&app, &carol, &format!("/org/{GLOBEX}/requests")).await;
        assert!(page.contains(&req_id), "still pending");
        // With the right token the same request goes through.
        let token = csrf(&app, &carol).await;
        let (s, loc, _) = post(&app, &carol, &format!("/org/{GLOBEX}/requests/{req_id}/approve"), &[("csrf", &token)]).await;
        assert_eq!((s, loc.as_str()), (303, "/org/dingglobex/requests?done=request_approved"));
        let (s, _, _) = post(&app, &carol, &format!("/org/{GLOBEX}/requests/{req_id}/approve"), &[("csrf", &token)]).await;
        assert_eq!(s, 404, "decided already");
    }

    async fn the_last_admin_can_be_neither_demoted_nor_removed(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let carol = app.signed_in(CAROL).await; // the only admin of Globex
        let token = csrf(&app, &carol).await;
        let (_, page) = get(&app, &carol, &format!("/org/{GLOBEX}/members")).await;
        assert!(page.contains("last admin") || page.contains("唯一管理员"), "{page}");
        let (s, _, body) = post(&app, &carol, &format!("/org/{GLOBEX}/members/{}/role", CAROL.0), &[("csrf", &token), ("role", "member")]).await;
        assert_eq!(s, 400, "{body}");
        assert!(body.contains("last admin") || body.contains("唯一的管理员"), "{body}");
        let (s, _, _) = post(&app, &carol, &format!("/org/{GLOBEX}/members/{}/remove", CAROL.0), &[("csrf", &token)]).await;
        assert_eq!(s, 400);
        // The admin API keeps the same rule.
        let a = app.send(app.admin(reqwest::Method::DELETE, &format!("/orgs/{GLOBEX}/members/{}", CAROL.0))).await;
        assert_eq!(a.status, 400, "{}", a.body);
        // With a second admin, Carol may step down; then she no longer sees the pages.
        let (s, loc, _) = post(&app, &carol, &format!("/org/{GLOBEX}/members/{}/role", ALICE.0), &[("csrf", &token), ("role", "admin")]).await;
        assert_eq!((s, loc.as_str()), (303, "/org/dingglobex/members?done=role_changed"));
        let (s, loc, _) = post(&app, &carol, &format!("/org/{GLOBEX}/members/{}/role", CAROL.0), &[("csrf", &token), ("role", "member")]).await;
        assert_eq!((s, loc.as_str()), (303, "/account"));
        assert_eq!(get(&app, &carol, &format!("/org/{GLOBEX}/members")).await.0, 403);
        // Alice, now the only admin, cannot remove herself either.
        let alice = app.signed_in(ALICE).await;
        let t = csrf(&app, &alice).await;
        assert_eq!(post(&app, &alice, &format!("/org/{GLOBEX}/members/{}/remove", ALICE.0), &[("csrf", &t)]).await.0, 400);
        // Removing a plain member works (after the confirmation page).
        let (s, confirm) = get(&app, &alice, &format!("/org/{GLOBEX}/members/{}/remove", CAROL.0)).await;
        assert_eq!(s, 200);
        assert!(confirm.contains("id=\"confirm\"") && confirm.contains(CAROL.0), "{confirm}");
        let (s, loc, _) = post(&app, &alice, &format!("/org/{GLOBEX}/members/{}/remove", CAROL.0), &[("csrf", &t)]).await;
        assert_eq!((s, loc.as_str()), (303, "/org/dingglobex/members?done=member_removed"));
        assert_eq!(get(&app, &carol, &format!("/org/{GLOBEX}/members")).await.0, 404);
    }

    async fn bad_input_gets_a_clear_page_never_a_5xx(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let carol = app.signed_in(CAROL).await;
        let t = csrf(&app, &carol).await;
        let t = t.as_str();
        let inst = format!("/org/{GLOBEX}/installations");
        let cases: Vec<Case> = vec![
            (inst.clone(), vec![("csrf", t), ("client_id", "")], 400, "clientId"),
            (inst.clone(), vec![("csrf", t), ("client_id", "nosuchapp")], 404, "does not exist"),
            (inst.clone(), vec![("csrf", t), ("client_id", HR.0)], 400, "internal app"),
            (inst.clone(), vec![("csrf", t), ("client_id", CRM.0)], 400, "installed already"),
            (inst.clone(), vec![("csrf", t), ("client_id", "bad id with spaces/\u{0}")], 400, ""),
            (format!("{inst}/nosuchapp/suspend"), vec![("csrf", t)], 404, "not installed"),
            (format!("{inst}/nosuchapp/resume"), vec![("csrf", t)], 404, "not installed"),
            (format!("{inst}/nosuchapp/uninstall"), vec![("csrf", t)], 404, "not installed"),
            (format!("{inst}/{}/explode", CRM.0), vec![("csrf", t)], 404, ""),
            (format!("/org/{GLOBEX}/members"), vec![("csrf", t), ("user", "nobody-here"), ("role", "member")], 404, "nobody-here"),
            (format!("/org/{GLOBEX}/members"), vec![("csrf", t), ("user", "bob"), ("role", "owner")], 400, ""),
            (format!("/org/{GLOBEX}/members"), vec![("csrf", t), ("user", "alice"), ("role", "member")], 400, "member already"),
            (format!("/org/{GLOBEX}/members"), vec![("csrf", t)], 400, ""),
            (format!("/org/{GLOBEX}/members/{}/role", ALICE.0), vec![("csrf", t), ("role", "")], 400, ""),
            (format!("/org/{GLOBEX}/members/%20bad%00/role"), vec![("csrf", t), ("role", "admin")], 404, ""),
            (format!("/org/{GLOBEX}/requests/nosuchrequest/approve"), vec![("csrf", t)], 404, ""),
            (format!("/org/{GLOBEX}/requests/nosuchrequest/maybe"), vec![("csrf", t)], 404, ""),
        ];
        for (path, form, status, says) in cases {
            let (s, _, body) = post(&app, &carol, &path, &form).await;
            assert_eq!(s, status, "{path} {form:?}: {body}");
            assert!(body.contains("<html"), "an HTML page for {path}");
            assert!(body.contains(says), "{path} says {says:?}: {body}");
        }
        // A form that is not a form, and odd queries.
        let r = carol.post(format!("{}{inst}", app.base)).header("content-type", "application/json").body("{}").send().await.unwrap();
        assert!(r.status().is_client_error(), "{}", r.status());
        for q in ["?page=abc", "?page=-1", "?page=99999999999999999999999", "?done=<script>", "?done=app_installed"] {
            let (s, body) = get(&app, &carol, &format!("/org/{GLOBEX}/members{q}")).await;
            assert_eq!(s, 200, "{q}");
            assert!(!body.contains("<script>"), "{q}");
        }
        // Installing, suspending, resuming and uninstalling work end to end, with the app's
        // token refused while suspended.
        let (s, loc, _) = post(&app, &carol, &inst, &[("csrf", t), ("client_id", "  suitetravel  ")]).await;
        assert_eq!(s, 400, "Travel is installed in Globex already: {loc}");
        let travel = app.token_value(GLOBEX, TRAVEL).await;
        let (s, loc, _) = post(&app, &carol, &format!("{inst}/{}/suspend", TRAVEL.0), &[("csrf", t)]).await;
        assert_eq!((s, loc.as_str()), (303, "/org/dingglobex/installations?done=app_suspended"));
        app.auth_infos(Some(&travel), None).await.assert_error(400, "InvalidAuthentication");
        assert_ne!(app.app_token(GLOBEX, TRAVEL).await.status, 200);
        let (s, _, _) = post(&app, &carol, &format!("{inst}/{}/resume", TRAVEL.0), &[("csrf", t)]).await;
        assert_eq!(s, 303);
        let travel = app.token_value(GLOBEX, TRAVEL).await;
        assert_eq!(app.auth_infos(Some(&travel), None).await.status, 200);
        let (s, _) = get(&app, &carol, &format!("{inst}/{}/uninstall", CRM.0)).await;
        assert_eq!(s, 200);
        let (s, loc, _) = post(&app, &carol, &format!("{inst}/{}/uninstall", CRM.0), &[("csrf", t)]).await;
        assert_eq!((s, loc.as_str()), (303, "/org/dingglobex/installations?done=app_uninstalled"));
        assert_eq!(installation_status(&app, CRM.0, GLOBEX).await, None);
        let (s, loc, _) = post(&app, &carol, &inst, &[("csrf", t), ("client_id", CRM.0)]).await;
        assert_eq!((s, loc.as_str()), (303, "/org/dingglobex/installations?done=app_installed"));
        // Certification shows what authInfos returns.
        let alice = app.signed_in(ALICE).await;
        let (s, body) = get(&app, &alice, &format!("/org/{ACME}/certification")).await;
        assert_eq!(s, 200);
        assert!(body.contains("Acme Corporation Ltd.") && body.contains("91110000000000001X"), "{body}");
    }

    async fn the_audit_tab_shows_this_orgs_events_only_filtered_and_paged(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        // Events in two orgs: app tokens (queued events; repeated hand-outs of one live token
        // fold into one event) and an installation suspended and resumed on the installations
        // tab, many times (written at once).
        let hr = app.token_value(ACME, HR).await;
        let mut tokens = vec![hr];
        for _ in 0..12 {
            tokens.push(app.token_value(GLOBEX, CRM).await);
            tokens.push(app.token_value(GLOBEX, OPS).await);
        }
        let carol = app.signed_in(CAROL).await; // admin of Globex
        let t = csrf(&app, &carol).await;
        let inst = format!("/org/{GLOBEX}/installations/{}", TRAVEL.0);
        for _ in 0..11 {
            assert_eq!(post(&app, &carol, &format!("{inst}/suspend"), &[("csrf", &t)]).await.0, 303);
            assert_eq!(post(&app, &carol, &format!("{inst}/resume"), &[("csrf", &t)]).await.0, 303);
        }
        let globex = api_event_ids(&app, GLOBEX, "").await;
        let acme = api_event_ids(&app, ACME, "").await;
        assert!(globex.len() > 20 && !acme.is_empty(), "{} {}", globex.len(), acme.len());
        let secrets = [HR.1, CRM.1, OPS.1, TRAVEL.1, ADMIN_KEY];
        let no_secrets = |html: &str| {
            for s in secrets.iter().copied().chain(tokens.iter().map(String::as_str)) {
                assert!(!html.contains(s), "a secret or token on the audit page");
            }
        };

        // Carol pages through every Globex event, newest first, 20 a page, and nothing else.
        let (s, first) = get(&app, &carol, &format!("/org/{GLOBEX}/audit")).await;
        assert_eq!(s, 200, "{first}");
        assert!(first.contains("aria-current=\"page\">Audit events") || first.contains("aria-current=\"page\">审计日志"), "the tab is current");
        no_secrets(&first);
        assert_eq!(event_ids(&first), globex[..20]);
        assert!(page_link(&first, "prev").is_none());
        let older = page_link(&first, "next").expect("an Older link");
        let (s, second) = get(&app, &carol, &older).await;
        assert_eq!(s, 200, "{second}");
        no_secrets(&second);
        assert_eq!(event_ids(&second), globex[20..globex.len().min(40)]);
        assert_eq!(page_link(&second, "prev").as_deref(), Some(format!("/org/{GLOBEX}/audit").as_str()));
        if globex.len() <= 40 {
            assert!(page_link(&second, "next").is_none(), "no Older link on the last page");
        }
        for id in &acme {
            assert!(!event_ids(&first).contains(id) && !event_ids(&second).contains(id));
        }
        // Naming another org in the query changes nothing.
        let (_, sneaky) = get(&app, &carol, &format!("/org/{GLOBEX}/audit?org={ACME}&corpId={ACME}")).await;
        assert_eq!(event_ids(&sneaky), globex[..20]);

        // Filters: by kind, by app, both; the page links keep them.
        let (s, admin_actions) = get(&app, &carol, &format!("/org/{GLOBEX}/audit?kind=admin_action")).await;
        assert_eq!(s, 200);
        let expected = api_event_ids(&app, GLOBEX, "&kind=admin_action").await;
        assert!(expected.len() >= 2, "suspend and resume");
        assert_eq!(event_ids(&admin_actions), expected[..expected.len().min(20)]);
        assert!(event_kinds(&admin_actions).iter().all(|k| k == "admin_action"));
        assert!(admin_actions.contains("status=suspended") && admin_actions.contains(TRAVEL.0), "details and app shown");
        // Carol made the change on the page: she is its actor, not "the admin API".
        app.core.audit.flush().await;
        let a = app.send(app.admin(reqwest::Method::GET, &format!("/audit?org={GLOBEX}&kind=admin_action&limit=1"))).await;
        let e = &a.body["events"][0];
        assert_eq!((e["actor"].as_str(), e["actorId"].as_str()), (Some("user"), Some(CAROL.0)), "{e}");
        assert!(admin_actions.contains(CAROL.0), "the actor on the page");
        let (_, crm) = get(&app, &carol, &format!("/org/{GLOBEX}/audit?app={}", CRM.0)).await;
        let expected = api_event_ids(&app, GLOBEX, &format!("&app={}", CRM.0)).await;
        assert_eq!(event_ids(&crm), expected[..expected.len().min(20)]);
        if expected.len() > 20 {
            let next = page_link(&crm, "next").unwrap();
            assert!(next.contains(&format!("app={}", CRM.0)) && next.contains("cursor="), "{next}");
        }
        let (_, none) = get(&app, &carol, &format!("/org/{GLOBEX}/audit?kind=secret_rotated&app={}", CRM.0)).await;
        assert!(event_ids(&none).is_empty());
        assert!(none.contains("No events match") || none.contains("没有符合筛选条件"), "{none}");
        // Bad filters: the page says why, never a 5xx.
        for q in ["kind=bogus", "cursor=abc", "cursor=-5", "app=bad%20id%00"] {
            let (s, body) = get(&app, &carol, &format!("/org/{GLOBEX}/audit?{q}")).await;
            assert_eq!(s, 400, "{q}: {body}");
            assert!(body.contains("role=\"alert\"") && event_ids(&body).is_empty(), "{q}");
        }

        // Alice, admin of Acme, sees Acme's events only; Globex's tab is not hers (403).
        let alice = app.signed_in(ALICE).await;
        let (s, mine) = get(&app, &alice, &format!("/org/{ACME}/audit?lang=en")).await;
        assert_eq!(s, 200);
        no_secrets(&mine);
        assert_eq!(event_ids(&mine), acme[..acme.len().min(20)]);
        assert!(mine.contains(HR.0) && !mine.contains(CRM.0) && !mine.contains(OPS.0), "{mine}");
        let (_, theirs) = get(&app, &alice, &format!("/org/{ACME}/audit?app={}", CRM.0)).await;
        assert!(event_ids(&theirs).is_empty(), "another org's app filtered in her org: nothing");
        assert_eq!(get(&app, &alice, &format!("/org/{GLOBEX}/audit")).await.0, 403);
        // Bob, a plain member of Acme: 403, no events.
        let bob = app.signed_in(BOB).await;
        let (s, body) = get(&app, &bob, &format!("/org/{ACME}/audit")).await;
        assert_eq!(s, 403);
        assert!(event_ids(&body).is_empty());
    }
}
