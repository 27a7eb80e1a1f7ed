//! Server-rendered pages: sign-in, the openAuth consent page and its JS, the browser login
//! flow, "my authorizations" and the org administration pages (`org/`).
//!
//! Every page is sent with a strict CSP (`frame-ancestors 'none'` against clickjacking, no
//! inline script), and every form carries a CSRF token derived from the session (or, before
//! sign-in, from a pre-session cookie). Cookies are HttpOnly and SameSite=Lax, and Secure when
//! the server is reached over https.

pub mod account;
pub mod browser;
pub mod console;
pub mod dd;
pub mod demo;
pub mod i18n;
pub mod openauth;
pub mod operator;
pub mod org;
pub mod paging;
pub mod signin;

use std::sync::{Arc, LazyLock};

use axum::{
    extract::FromRequestParts,
    http::{header, request::Parts, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Redirect, Response},
    routing::get,
    Router,
};
use cookie::{Cookie, SameSite};
use minijinja::{context, Environment, Value};
use opending_domain::User;

use self::i18n::Lang;
use crate::{
    service::{session, Error},
    Core,
};

/// What the confirmation page (`confirm.html`) asks before a destructive change: one shape
/// for the console's (delete an app, rotate its secret) and the org pages' (remove a member,
/// uninstall an app).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Confirm {
    /// Page title and heading.
    pub title: String,
    /// What the change is about (an app's or a member's name), shown under the heading.
    pub subject: String,
    /// Its id (clientId, unionId), shown next to it.
    pub subject_id: String,
    /// The warning.
    pub message: String,
    /// Where the form posts.
    pub action: String,
    /// Where "Cancel" goes.
    pub back: String,
    /// The button's words.
    pub button: String,
    /// The button's id (for tests and the browser scripts).
    pub button_id: String,
}

impl Confirm {
    /// The template's view.
    pub fn view(&self) -> Value {
        Value::from_serialize(self)
    }
}

/// A form that carries only its CSRF token. Missing fields default to empty so a form
/// without a token gets the "expired form" page, not an extractor's bare 422.
#[derive(Debug, serde::Deserialize, Default)]
pub struct CsrfForm {
    /// The token.
    #[serde(default)]
    pub csrf: String,
}

/// Percent-encodes a path segment.
pub fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Session cookie name.
pub const SESSION_COOKIE: &str = "opending_session";
/// Pre-session cookie name (CSRF for the sign-in form).
pub const PRESESSION_COOKIE: &str = "opending_pre";
/// Operator sign-in cookie name (see `service::operator`).
pub const OPERATOR_COOKIE: &str = "opending_operator";
/// Language cookie name.
pub const LANG_COOKIE: &str = "opending_lang";

static TEMPLATES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    for (name, src) in [
        (
            "layout.html",
            include_str!("../../../templates/layout.html"),
        ),
        ("login.html", include_str!("../../../templates/login.html")),
        (
            "consent.html",
            include_str!("../../../templates/consent.html"),
        ),
        (
            "authorize.html",
            include_str!("../../../templates/authorize.html"),
        ),
        ("error.html", include_str!("../../../templates/error.html")),
        ("pager.html", include_str!("../../../templates/pager.html")),
        (
            "confirm.html",
            include_str!("../../../templates/confirm.html"),
        ),
        (
            "account.html",
            include_str!("../../../templates/account.html"),
        ),
        (
            "dd_authcode.html",
            include_str!("../../../templates/dd_authcode.html"),
        ),
        (
            "demo_openauth.html",
            include_str!("../../../templates/demo_openauth.html"),
        ),
    ]
    .into_iter()
    .chain(org::TEMPLATES.iter().copied())
    .chain(console::TEMPLATES.iter().copied())
    .chain(operator::TEMPLATES.iter().copied())
    {
        env.add_template(name, src).expect("templates parse");
    }
    env
});

/// Routes of every page and static file.
pub fn router() -> Router<Arc<Core>> {
    Router::new()
        .route(
            "/static/style.css",
            get(|| {
                static_file(
                    "text/css; charset=utf-8",
                    include_str!("../../../static/style.css"),
                )
            }),
        )
        .route(
            "/static/consent.js",
            get(|| {
                static_file(
                    "text/javascript; charset=utf-8",
                    include_str!("../../../static/consent.js"),
                )
            }),
        )
        .route(
            "/static/demo.js",
            get(|| {
                static_file(
                    "text/javascript; charset=utf-8",
                    include_str!("../../../static/demo.js"),
                )
            }),
        )
        .route(
            "/sdk/openauth.js",
            get(|| {
                static_file(
                    "text/javascript; charset=utf-8",
                    include_str!("../../../static/openauth.js"),
                )
            }),
        )
        .merge(signin::router())
        .merge(openauth::router())
        .merge(dd::router())
        .merge(demo::router())
        .merge(browser::router())
        .merge(account::router())
        .merge(org::router())
        .merge(console::router())
        .merge(operator::router())
}

pub(crate) async fn static_file(content_type: &'static str, body: &'static str) -> Response {
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // The SDK script is loaded by apps on other origins.
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    r
}

/// What every page handler knows about the browser: cookies, language, the signed-in user and
/// the CSRF token its forms must carry.
#[derive(Debug, Clone)]
pub struct PageCtx {
    /// Page language.
    pub lang: Lang,
    /// Whether the language was picked by `?lang=` (the language switch): the page then
    /// remembers it in the language cookie, so it survives sign-in and the next pages.
    pub lang_from_query: bool,
    /// The signed-in user.
    pub user: Option<User>,
    /// The session cookie's value.
    pub session: Option<String>,
    /// The pre-session cookie's value.
    pub presession: Option<String>,
    /// Whether cookies must be `Secure`.
    pub secure: bool,
    /// The request's path and query (for `next=` after sign-in).
    pub path_and_query: String,
    /// The query without `lang=` (for the language switch link).
    pub query_without_lang: String,
    /// The operator cookie's value, when it is a genuine, unexpired operator sign-in.
    pub operator: Option<String>,
    /// The request's origin for the services; the pages' guards record who acts in it.
    pub origin: crate::Origin,
}

fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| Cookie::split_parse(v.to_owned()))
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_owned())
}

impl FromRequestParts<Arc<Core>> for PageCtx {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, core: &Arc<Core>) -> Result<Self, Error> {
        let query = parts.uri.query().unwrap_or("");
        let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        let query_lang = pairs
            .iter()
            .find(|(k, _)| k == "lang")
            .and_then(|(_, v)| Lang::parse(v));
        let lang = query_lang
            .or_else(|| cookie_value(&parts.headers, LANG_COOKIE).and_then(|v| Lang::parse(&v)))
            .unwrap_or_else(|| {
                Lang::from_accept_language(
                    parts
                        .headers
                        .get(header::ACCEPT_LANGUAGE)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or(""),
                )
            });
        let session = cookie_value(&parts.headers, SESSION_COOKIE);
        let user = match &session {
            Some(s) => session::current_user(core, s).await?,
            None => None,
        };
        let forwarded_https = parts
            .headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("https"));
        let query_without_lang = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs.iter().filter(|(k, _)| k != "lang"))
            .finish();
        Ok(Self {
            lang,
            lang_from_query: query_lang.is_some(),
            user,
            session,
            presession: cookie_value(&parts.headers, PRESESSION_COOKIE),
            secure: core.public_url.starts_with("https://") || forwarded_https,
            path_and_query: parts
                .uri
                .path_and_query()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_else(|| "/".into()),
            query_without_lang,
            operator: cookie_value(&parts.headers, OPERATOR_COOKIE)
                .filter(|c| crate::service::operator::is_operator(core, c)),
            origin: super::extract::request_origin(),
        })
    }
}

impl PageCtx {
    /// The CSRF token for this browser's forms (session-bound when signed in).
    pub fn csrf(&self, core: &Core) -> String {
        match (&self.user, &self.session, &self.presession) {
            (Some(_), Some(s), _) => session::csrf_token(core, s),
            (_, _, Some(p)) => session::csrf_token(core, p),
            _ => String::new(),
        }
    }

    /// Whether `presented` is this browser's CSRF token.
    pub fn csrf_ok(&self, core: &Core, presented: &str) -> bool {
        match (&self.user, &self.session, &self.presession) {
            (Some(_), Some(s), _) => session::csrf_ok(core, s, presented),
            (None, _, Some(p)) => session::csrf_ok(core, p, presented),
            _ => false,
        }
    }

    /// A `Set-Cookie` value.
    pub fn cookie(&self, name: &'static str, value: String, max_age_secs: i64) -> HeaderValue {
        let c = Cookie::build((name, value))
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(self.secure)
            .max_age(cookie::time::Duration::seconds(max_age_secs))
            .build();
        HeaderValue::from_str(&c.to_string()).expect("cookie values are ASCII")
    }

    /// Renders a template with the common context (strings, user, CSRF, language switch).
    pub fn render(&self, core: &Core, status: StatusCode, name: &str, extra: Value) -> Response {
        self.render_with_form_action(core, status, name, extra, None)
    }

    /// Like [`PageCtx::render`], allowing forms on the page to end in a redirect to `target`
    /// (CSP `form-action` covers redirects after submission).
    pub fn render_with_form_action(
        &self,
        core: &Core,
        status: StatusCode,
        name: &str,
        extra: Value,
        target: Option<&str>,
    ) -> Response {
        let mut q = self.query_without_lang.clone();
        if !q.is_empty() {
            q.push('&');
        }
        q.push_str("lang=");
        q.push_str(self.lang.other().code());
        let base = context! {
            t => i18n::strings(self.lang),
            lang_tag => self.lang.tag(),
            other_lang => self.lang.other().code(),
            other_lang_query => q,
            user => self.user.as_ref().map(|u| context! { nick => u.nick.clone(), union_id => u.union_id.to_string() }),
            csrf => self.csrf(core),
            operator => self.operator.is_some(),
        };
        let ctx = context! { ..base, ..extra };
        let html = match TEMPLATES.get_template(name).and_then(|t| t.render(ctx)) {
            Ok(h) => h,
            Err(e) => {
                tracing::error!(error = %e, template = name, "rendering failed");
                return (StatusCode::INTERNAL_SERVER_ERROR, "page rendering failed")
                    .into_response();
            }
        };
        let mut r = (status, axum::response::Html(html)).into_response();
        page_headers(r.headers_mut(), target);
        if self.lang_from_query {
            r.headers_mut().append(
                header::SET_COOKIE,
                self.cookie(LANG_COOKIE, self.lang.code().to_owned(), 365 * 24 * 3600),
            );
        }
        r
    }

    /// An error page.
    pub fn error_page(
        &self,
        core: &Core,
        status: StatusCode,
        title_key: &str,
        message: &str,
    ) -> Response {
        self.render(
            core,
            status,
            "error.html",
            context! { title => i18n::t(self.lang, title_key), message => message },
        )
    }

    /// Redirects to sign-in, coming back here afterwards.
    pub fn to_sign_in(&self) -> Response {
        let next = form_urlencoded::Serializer::new(String::new())
            .append_pair("next", &self.path_and_query)
            .finish();
        Redirect::to(&format!("/login?{next}")).into_response()
    }
}

/// Security headers of every page.
fn page_headers(h: &mut HeaderMap, form_target: Option<&str>) {
    let form_action = match form_target {
        Some(t) => format!("'self' {t}"),
        None => "'self'".to_owned(),
    };
    let csp = format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; connect-src 'self'; \
         form-action {form_action}; frame-ancestors 'none'; base-uri 'none'"
    );
    if let Ok(v) = HeaderValue::from_str(&csp) {
        h.insert(header::CONTENT_SECURITY_POLICY, v);
    }
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

/// A same-site path to go to after sign-in: `next` resolved as a URL against this server's own
/// origin, by the WHATWG parser browsers use (which drops tabs and newlines, and reads `\` as
/// `/`), and kept only when it stays on that origin; then only its path, query and fragment are
/// used. Anything else goes to `/account`.
pub fn safe_next(next: &str) -> String {
    const HOME: &str = "/account";
    let base = url::Url::parse("http://opending.invalid/").expect("a valid base URL");
    if !next.starts_with('/') {
        return HOME.to_owned();
    }
    match base.join(next) {
        Ok(u) if u.origin() == base.origin() => {
            let mut local = u.path().to_owned();
            if let Some(q) = u.query() {
                local.push('?');
                local.push_str(q);
            }
            if let Some(f) = u.fragment() {
                local.push('#');
                local.push_str(f);
            }
            local
        }
        _ => HOME.to_owned(),
    }
}

/// A JSON answer any origin may read (no credentials, no caching): for the checks
/// `/sdk/dingtalk.js` and `/sdk/openauth.js` run, which say only what the page could learn
/// anyway.
pub(crate) fn cors_json(body: impl serde::Serialize) -> axum::response::Response {
    use axum::{
        http::{header, HeaderValue},
        response::IntoResponse,
    };
    let mut r = axum::Json(body).into_response();
    let h = r.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// The calling page's origin: the browser's `Origin` header (which a page cannot forge), else
/// what the query says.
pub(crate) fn page_origin(headers: &axum::http::HeaderMap, stated: &str) -> String {
    headers
        .get(axum::http::header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .filter(|o| *o != "null")
        .map_or_else(|| stated.to_owned(), str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_never_leaves_the_site() {
        assert_eq!(safe_next("/openauth?type=0"), "/openauth?type=0");
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "javascript:alert(1)",
            "",
            "/\t/evil.example",
            "/\n/evil.example",
            "\t//evil.example",
            "/\r\n/evil.example",
            "/\\/evil.example",
            "http://opending.invalid:81/",
        ] {
            assert_eq!(safe_next(bad), "/account", "{bad}");
        }
    }
}
