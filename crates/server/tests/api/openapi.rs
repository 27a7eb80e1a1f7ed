//! `/openapi.json`: a valid OpenAPI 3.1 document; every route the router serves is described
//! (or named below as not an API); live answers, successes and errors, match the schemas.
//!
//! Route coverage reads the routing code itself: every `.route("<path>", get(..).post(..))` in
//! `crates/server/src/http/**/*.rs`, so a route added without a `#[utoipa::path]` entry in its
//! module's `ApiDoc` fails `every_route_is_described` (see docs/api.md, "OpenAPI document").

use std::{collections::BTreeSet, path::Path};

use crate::helpers::*;
use reqwest::Method;
use serde_json::{json, Value};

/// Routes that answer HTML, CSS, JavaScript or other non-JSON text: deliberately not in the
/// document. A new page goes here; a new JSON endpoint gets a `#[utoipa::path]` instead.
/// Method `*` matches any method; a path ending in `/*` matches everything below it (for a
/// family of pages such as `/console/*`). A route both described and matched here fails.
const NOT_AN_API: &[(&str, &str)] = &[
    ("GET", "/"),
    ("GET", "/account"),
    ("POST", "/account/authorizations/revoke"),
    ("*", "/org/*"),
    // The org's audit events page (HTML); the JSON query is `GET /admin/v1/audit`.
    ("GET", "/org/{corp_id}/audit"),
    ("GET", "/console"),
    ("*", "/console/*"),
    ("GET", "/operator"),
    ("*", "/operator/*"),
    ("GET", "/metrics"),
    ("GET", "/oauth2/auth"),
    ("POST", "/oauth2/auth/decision"),
    ("GET", "/openauth"),
    ("GET", "/login"),
    ("POST", "/login"),
    ("POST", "/logout"),
    ("GET", "/static/*"),
    ("GET", "/sdk/openauth.js"),
    ("GET", "/sdk/dingtalk.js"),
    ("GET", "/dd/authcode"),
    // The demo world's openAuth test page (HTML).
    ("GET", "/demo/openauth"),
    ("GET", "/oauth2/challenge.htm"),
    ("GET", "/connect/qrconnect"),
    ("GET", "/connect/oauth2/sns_authorize"),
];

/// `{corp_id}` and `{corpId}` alike become `{}`.
fn shape(path: &str) -> String {
    let mut out = String::new();
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push_str("{}");
            }
            '}' => in_param = false,
            _ if in_param => {}
            _ => out.push(c),
        }
    }
    out
}

/// Every (method, path shape) registered with `.route(..)` in the HTTP sources.
fn routes_in_source() -> BTreeSet<(String, String)> {
    fn walk(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, files);
            } else if p.extension().is_some_and(|x| x == "rs") {
                files.push(p);
            }
        }
    }
    let mut files = Vec::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src/http"),
        &mut files,
    );
    let method_re = ["get", "post", "put", "delete", "patch"];
    let mut routes = BTreeSet::new();
    for f in files {
        let src = std::fs::read_to_string(&f).unwrap();
        let mut rest = src.as_str();
        while let Some(i) = rest.find(".route(") {
            rest = &rest[i + ".route(".len()..];
            // The call's text up to its closing parenthesis.
            let mut depth = 1;
            let end = rest
                .char_indices()
                .find(|&(_, c)| {
                    match c {
                        '(' => depth += 1,
                        ')' => depth -= 1,
                        _ => {}
                    }
                    depth == 0
                })
                .map(|(i, _)| i)
                .unwrap_or(rest.len());
            let call = &rest[..end];
            let Some(q1) = call.find('"') else { continue };
            let Some(q2) = call[q1 + 1..].find('"') else {
                continue;
            };
            let path = &call[q1 + 1..q1 + 1 + q2];
            let chain = &call[q1 + 2 + q2..];
            // Method routers at the top level of the chain (`get(a).post(b)`,
            // `axum::routing::delete(c)`), not calls inside a handler closure's body.
            let mut depth = 0;
            for (at, c) in chain.char_indices() {
                match c {
                    '(' => {
                        if depth == 0 {
                            let word: String = chain[..at]
                                .chars()
                                .rev()
                                .take_while(|c| c.is_alphanumeric() || *c == '_')
                                .collect::<Vec<_>>()
                                .into_iter()
                                .rev()
                                .collect();
                            if method_re.contains(&word.as_str()) {
                                routes.insert((word.to_uppercase(), shape(path)));
                            }
                        }
                        depth += 1;
                    }
                    ')' => depth -= 1,
                    _ => {}
                }
            }
        }
    }
    routes
}

/// Every (method, path shape) the document describes.
fn routes_in_document(doc: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for m in ["get", "post", "put", "delete", "patch"] {
            if item.get(m).is_some() {
                out.insert((m.to_uppercase(), shape(path)));
            }
        }
    }
    out
}

async fn emulator_app() -> TestApp {
    TestApp::spawn_with(Backend::sqlite(), |c| c.emulator.enabled = true).await
}

async fn document(app: &TestApp) -> Value {
    let r = app
        .http
        .get(format!("{}/openapi.json", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/json");
    r.json().await.unwrap()
}

/// Checks `body` against the schema the document gives for this operation and status.
fn check(doc: &Value, method: &str, path: &str, status: u16, body: &Value) {
    let op = &doc["paths"][path][method.to_lowercase()];
    assert!(op.is_object(), "{method} {path} is not in the document");
    let resp = &op["responses"][status.to_string()];
    assert!(
        resp.is_object(),
        "{method} {path}: status {status} is not documented (body {body})"
    );
    let schema = &resp["content"]["application/json"]["schema"];
    assert!(
        schema.is_object(),
        "{method} {path} {status}: no JSON schema"
    );
    let mut root = schema.clone();
    root["components"] = doc["components"].clone();
    let validator = jsonschema::draft202012::new(&root)
        .unwrap_or_else(|e| panic!("{method} {path} {status}: schema does not compile: {e}"));
    let errors: Vec<String> = validator
        .iter_errors(body)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "{method} {path} {status}: {body} breaks the schema: {errors:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_document_is_openapi_3_1() {
    let app = emulator_app().await;
    let doc = document(&app).await;
    let version = doc["openapi"].as_str().unwrap();
    assert!(version.starts_with("3.1."), "openapi = {version}");
    assert_eq!(doc["info"]["title"], "opending");
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["appToken"]["type"], "apiKey");
    assert_eq!(schemes["appToken"]["in"], "header");
    assert_eq!(schemes["appToken"]["name"], "x-acs-dingtalk-access-token");
    assert_eq!(schemes["adminKey"]["scheme"], "bearer");
    // Every operation has a unique id and answers JSON errors with the error body.
    let mut ids = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (m, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap().to_owned();
            assert!(ids.insert(id.clone()), "duplicate operationId {id}");
            for (status, r) in op["responses"].as_object().unwrap() {
                if status.starts_with('4') || status.starts_with('5') {
                    let s = &r["content"]["application/json"]["schema"];
                    assert!(s.is_object(), "{m} {path} {status}: no JSON body");
                }
            }
        }
    }
    // The error body is DingTalk's, with exactly its field names.
    let err = &doc["components"]["schemas"]["ErrorBody"];
    let props: BTreeSet<_> = err["properties"].as_object().unwrap().keys().collect();
    assert_eq!(
        props,
        ["accessdenieddetail", "code", "message", "requestid"]
            .iter()
            .map(|s| s.to_string())
            .collect::<BTreeSet<_>>()
            .iter()
            .collect()
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_is_described() {
    let app = emulator_app().await;
    let doc = document(&app).await;
    let served = routes_in_source();
    assert!(
        served.len() > 40,
        "the route scan found too little: {served:?}"
    );
    let described = routes_in_document(&doc);
    let is_page = |route: &(String, String)| NOT_AN_API.iter().any(|page| matches(page, route));
    let missing: Vec<_> = served
        .iter()
        .filter(|r| !described.contains(*r) && !is_page(r))
        .collect();
    assert!(
        missing.is_empty(),
        "routes without an OpenAPI description (add #[utoipa::path] to the handler and list it in \
         its module's ApiDoc, or add an HTML page to NOT_AN_API): {missing:?}"
    );
    let phantom: Vec<_> = described.difference(&served).collect();
    assert!(phantom.is_empty(), "described but not routed: {phantom:?}");
    let stale: Vec<_> = NOT_AN_API
        .iter()
        .filter(|page| !served.iter().any(|r| matches(page, r)))
        .collect();
    assert!(
        stale.is_empty(),
        "NOT_AN_API names routes that do not exist: {stale:?}"
    );
    let both: Vec<_> = described.iter().filter(|r| is_page(r)).collect();
    assert!(
        both.is_empty(),
        "routes both described and listed in NOT_AN_API: {both:?}"
    );
    app.stop().await;
}

/// Whether a `NOT_AN_API` entry covers a (method, path shape).
fn matches((m, p): &(&str, &str), (method, path): &(String, String)) -> bool {
    (*m == "*" || m == method)
        && match p.strip_suffix("/*") {
            Some(prefix) => path.starts_with(&format!("{}/", shape(prefix))),
            None => shape(p) == *path,
        }
}

opending_testkit::both_backends! {
    async fn live_answers_match_the_document(backend: Backend) {
        let app = TestApp::spawn(backend).await;
        let doc = {
            // The document does not depend on the mode; read it from this server.
            document(&app).await
        };
        let token_path = "/v1.0/oauth2/{corpId}/token";

        let ok = app.app_token(ACME, HR).await;
        check(&doc, "POST", token_path, ok.status, &ok.body);
        let token = ok.body["access_token"].as_str().unwrap().to_owned();
        let bad = app.app_token(ACME, (HR.0, "wrong-secret-0123456789")).await;
        check(&doc, "POST", token_path, bad.status, &bad.body);
        let foreign = app.app_token(INITECH, HR).await;
        check(&doc, "POST", token_path, foreign.status, &foreign.body);
        let empty = app.post_json(&format!("/v1.0/oauth2/{ACME}/token"), &json!({})).await;
        check(&doc, "POST", token_path, empty.status, &empty.body);

        let legacy = app.post_json("/v1.0/oauth2/accessToken", &json!({"appKey": HR.0, "appSecret": HR.1})).await;
        check(&doc, "POST", "/v1.0/oauth2/accessToken", legacy.status, &legacy.body);

        let user = app.post_json("/v1.0/oauth2/userAccessToken", &json!({"clientId": HR.0, "clientSecret": HR.1, "grantType": "authorization_code", "code": "nope"})).await;
        check(&doc, "POST", "/v1.0/oauth2/userAccessToken", user.status, &user.body);

        let active = app.introspect_admin(&token).await;
        assert_eq!(active.body["active"], true);
        check(&doc, "POST", "/v1.0/oauth2/introspect", active.status, &active.body);
        let inactive = app.introspect_admin("0123456789abcdef0123456789abcdef").await;
        check(&doc, "POST", "/v1.0/oauth2/introspect", inactive.status, &inactive.body);
        let refused = app.post_json("/v1.0/oauth2/introspect", &json!({"token": token})).await;
        check(&doc, "POST", "/v1.0/oauth2/introspect", refused.status, &refused.body);

        let info = app.auth_infos(Some(&token), None).await;
        check(&doc, "GET", "/v1.0/contact/organizations/authInfos", info.status, &info.body);
        let no_token = app.auth_infos(None, None).await;
        check(&doc, "GET", "/v1.0/contact/organizations/authInfos", no_token.status, &no_token.body);
        let denied = app.send(app.http.get(format!("{}/v1.0/contact/users/{}", app.base, ALICE.0)).header("x-acs-dingtalk-access-token", &token)).await;
        check(&doc, "GET", "/v1.0/contact/users/{unionId}", denied.status, &denied.body);

        let health = app.send(app.http.get(format!("{}/healthz", app.base))).await;
        check(&doc, "GET", "/healthz", health.status, &health.body);

        for (path, template) in [
            ("/orgs", "/admin/v1/orgs"),
            ("/apps", "/admin/v1/apps"),
            ("/points", "/admin/v1/points"),
            ("/users", "/admin/v1/users"),
            ("/installations", "/admin/v1/installations"),
            ("/orgs/dingacme/members", "/admin/v1/orgs/{corpId}/members"),
            ("/orgs/dingacme/auth-info", "/admin/v1/orgs/{corpId}/auth-info"),
            ("/apps/dingacmehr/uris", "/admin/v1/apps/{clientId}/uris"),
            ("/apps/dingacmehr/points", "/admin/v1/apps/{clientId}/points"),
            ("/orgs/nosuchorg", "/admin/v1/orgs/{corpId}"),
        ] {
            let r = app.send(app.admin(Method::GET, path)).await;
            check(&doc, "GET", &format!("/admin/v1{}", &template["/admin/v1".len()..]), r.status, &r.body);
        }
        let created = app.send(app.admin(Method::POST, "/apps").json(&json!({"name": "Doc", "ownerCorpId": ACME, "distribution": "internal"}))).await;
        assert_eq!(created.status, 201, "{}", created.body);
        check(&doc, "POST", "/admin/v1/apps", created.status, &created.body);
        let unauthorized = app.send(app.http.get(format!("{}/admin/v1/orgs", app.base))).await;
        check(&doc, "GET", "/admin/v1/orgs", unauthorized.status, &unauthorized.body);
        app.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emulator_answers_match_the_document() {
    let app = emulator_app().await;
    let doc = document(&app).await;
    for (m, path) in [
        (Method::GET, "/_opending/clock"),
        (Method::GET, "/_opending/tokens"),
        (Method::GET, "/_opending/requests"),
        (Method::GET, "/_opending/requests/counts"),
        (Method::GET, "/_opending/faults"),
        (Method::GET, "/_opending/ping"),
    ] {
        app.token_value(ACME, HR).await;
        let r = app
            .send(app.http.request(m.clone(), format!("{}{path}", app.base)))
            .await;
        check(&doc, m.as_str(), path, r.status, &r.body);
    }
    let minted = app
        .post_json(
            "/_opending/codes",
            &json!({"clientId": HR.0, "unionId": ALICE.0, "corpId": ACME, "scopes": ["Contact.User.Read"]}),
        )
        .await;
    check(
        &doc,
        "POST",
        "/_opending/codes",
        minted.status,
        &minted.body,
    );
    // A user token from the minted code, and the profile it reads.
    let code = minted.body["authCode"].as_str().unwrap();
    let user = app
        .post_json(
            "/v1.0/oauth2/userAccessToken",
            &json!({"clientId": HR.0, "clientSecret": HR.1, "grantType": "authorization_code", "code": code}),
        )
        .await;
    assert_eq!(user.status, 200, "{}", user.body);
    check(
        &doc,
        "POST",
        "/v1.0/oauth2/userAccessToken",
        user.status,
        &user.body,
    );
    let token = user.body["accessToken"].as_str().unwrap();
    let me = app
        .send(
            app.http
                .get(format!("{}/v1.0/contact/users/me", app.base))
                .header("x-acs-dingtalk-access-token", token),
        )
        .await;
    assert_eq!(me.status, 200, "{}", me.body);
    check(
        &doc,
        "GET",
        "/v1.0/contact/users/{unionId}",
        me.status,
        &me.body,
    );
    app.stop().await;
}
