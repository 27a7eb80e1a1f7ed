//! Org administration pages (`/org/{corpId}/…`): members and roles, installed third-party
//! apps, openAuth type-1 (`toAdmin`) requests, the org's certification info and its audit
//! events.
//!
//! Every page goes through one guard, [`OrgAdmin`], and one render helper,
//! [`OrgAdmin::render`]. The guard answers, in this order:
//! - not signed in: a redirect to sign-in that comes back to the page;
//! - the org does not exist, or the user is not a member of it: **404**, the same page for
//!   both, so nobody can learn which corpIds exist by probing URLs;
//! - a member without the admin role: **403** ("only admins…"): members already know the org
//!   exists, so saying why is more useful than pretending it does not.
//!
//! The rules themselves live in `service/` (the same functions the admin API calls); handlers
//! here only read forms, check the CSRF token and pick a page.

pub mod audit;
pub mod certification;
pub mod directory;
pub mod installations;
pub mod members;
pub mod requests;

use std::sync::Arc;

use axum::{
    extract::{FromRequestParts, Path},
    http::{request::Parts, StatusCode},
    response::{IntoResponse, Redirect, Response},
    Router,
};
use minijinja::{context, Value};
use opending_domain::{CorpId, Org, Role, User};

use serde::Deserialize;

use super::{i18n, paging::paginate, Confirm, PageCtx};
use crate::{service::Error, Core};

/// The org pages' templates (registered with the others in `pages/mod.rs`).
pub(super) const TEMPLATES: &[(&str, &str)] = &[
    (
        "org/nav.html",
        include_str!("../../../../templates/org/nav.html"),
    ),
    (
        "org/members.html",
        include_str!("../../../../templates/org/members.html"),
    ),
    (
        "org/installations.html",
        include_str!("../../../../templates/org/installations.html"),
    ),
    (
        "org/requests.html",
        include_str!("../../../../templates/org/requests.html"),
    ),
    (
        "org/certification.html",
        include_str!("../../../../templates/org/certification.html"),
    ),
    (
        "org/audit.html",
        include_str!("../../../../templates/org/audit.html"),
    ),
    (
        "org/directory.html",
        include_str!("../../../../templates/org/directory.html"),
    ),
    (
        "org/directory_member.html",
        include_str!("../../../../templates/org/directory_member.html"),
    ),
];

/// Routes of every org page.
pub fn router() -> Router<Arc<Core>> {
    Router::new()
        .route(
            "/org/{corp_id}",
            axum::routing::get(|Path(corp): Path<String>| async move {
                Redirect::to(&format!("/org/{}/members", urlencode(&corp)))
            }),
        )
        .merge(members::router())
        .merge(installations::router())
        .merge(requests::router())
        .merge(certification::router())
        .merge(audit::router())
        .merge(directory::router())
}

/// A signed-in admin of the org named in the path: the guard of every org page.
#[derive(Debug, Clone)]
pub struct OrgAdmin {
    /// The browser's context (language, CSRF).
    pub page: PageCtx,
    /// The admin.
    pub user: User,
    /// The org.
    pub org: Org,
}

impl FromRequestParts<Arc<Core>> for OrgAdmin {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, core: &Arc<Core>) -> Result<Self, Response> {
        let page = PageCtx::from_request_parts(parts, core)
            .await
            .map_err(IntoResponse::into_response)?;
        let Some(user) = page.user.clone() else {
            return Err(page.to_sign_in());
        };
        let corp = Path::<Vec<(String, String)>>::from_request_parts(parts, core)
            .await
            .ok()
            .and_then(|Path(p)| p.into_iter().find(|(k, _)| k == "corp_id"))
            .map(|(_, v)| v)
            .unwrap_or_default();
        let not_found = || {
            page.error_page(
                core,
                StatusCode::NOT_FOUND,
                "not_found",
                i18n::t(page.lang, "org_not_found"),
            )
        };
        let Ok(corp) = CorpId::parse(corp) else {
            return Err(not_found());
        };
        let role = crate::service::memberships::role_of(core, &corp, &user.union_id)
            .await
            .map_err(IntoResponse::into_response)?;
        match role {
            None => return Err(not_found()),
            Some(Role::Member) => {
                return Err(page.error_page(
                    core,
                    StatusCode::FORBIDDEN,
                    "error",
                    i18n::t(page.lang, "not_admin"),
                ))
            }
            Some(Role::Admin) => {}
        }
        page.origin
            .set_acting(crate::origin::Acting::User(user.union_id.to_string()));
        let Some(org) = crate::service::orgs::find(core, &corp)
            .await
            .map_err(IntoResponse::into_response)?
        else {
            return Err(not_found());
        };
        Ok(Self { page, user, org })
    }
}

impl OrgAdmin {
    /// Renders an org page: the org, the active tab of the org navigation, and `extra`.
    pub fn render(
        &self,
        core: &Core,
        status: StatusCode,
        template: &str,
        tab: &str,
        extra: Value,
    ) -> Response {
        let base = context! {
            org => context! { corp_id => self.org.corp_id.as_str(), name => self.org.name.clone() },
            tab => tab,
        };
        self.page
            .render(core, status, template, context! { ..base, ..extra })
    }

    /// `None` when the form's CSRF token is this session's, else the refusal page (403).
    pub fn refuse_bad_csrf(&self, core: &Core, presented: &str) -> Option<Response> {
        (!self.page.csrf_ok(core, presented)).then(|| {
            self.page.error_page(
                core,
                StatusCode::FORBIDDEN,
                "bad_request",
                i18n::t(self.page.lang, "bad_csrf"),
            )
        })
    }

    /// Where a tab of this org lives.
    pub fn url(&self, tail: &str) -> String {
        format!("/org/{}/{tail}", self.org.corp_id)
    }

    /// A redirect back to a tab after a change, with a notice key the page shows (only keys of
    /// [`NOTICES`] are shown, so a crafted link cannot put words on the page).
    pub fn done(&self, tail: &str, notice: &str) -> Response {
        Redirect::to(&format!("{}?done={notice}", self.url(tail))).into_response()
    }

    /// The confirmation page before a destructive change on `tab`: i18n keys `title` (and
    /// `{title}_confirm`, the warning) and `button`; the form posts to `action`.
    pub fn confirm(
        &self,
        core: &Core,
        tab: &str,
        (title, button): (&str, &str),
        (subject, subject_id): (String, &str),
        action: String,
    ) -> Response {
        let lang = self.page.lang;
        let view = Confirm {
            title: i18n::t(lang, title).to_owned(),
            subject,
            subject_id: subject_id.to_owned(),
            message: i18n::t(lang, &format!("{title}_confirm")).to_owned(),
            action,
            back: self.url(tab),
            button: i18n::t(lang, button).to_owned(),
            button_id: "confirm".to_owned(),
        };
        self.render(core, StatusCode::OK, "confirm.html", tab, view.view())
    }
}

/// Notice keys a page shows after a redirect (`?done=`); the text is i18n key `org_{key}`.
pub const NOTICES: &[&str] = &[
    "member_added",
    "role_changed",
    "member_removed",
    "app_installed",
    "app_suspended",
    "app_resumed",
    "app_uninstalled",
    "request_approved",
    "request_rejected",
    "department_saved",
    "department_removed",
    "profile_saved",
];

/// The notice for `?done=key`, if `key` is one of [`NOTICES`].
pub fn notice(page: &PageCtx, done: Option<&str>) -> Option<&'static str> {
    done.filter(|d| NOTICES.contains(d))
        .map(|d| i18n::t(page.lang, &format!("org_{d}")))
}

/// What a failed service call shows: its status and message for a caller's mistake (bad input,
/// nothing there, already there), `Err` for an internal fault (logged, opaque 500).
pub fn failure(e: Error) -> Result<(StatusCode, String), Error> {
    match e {
        Error::Api(api) => Ok((
            StatusCode::from_u16(api.code.status()).unwrap_or(StatusCode::BAD_REQUEST),
            api.message().to_owned(),
        )),
        internal => Err(internal),
    }
}

pub use super::CsrfForm;

/// What a tab shows besides its rows: the page and the notice of the change just made
/// (`?page=&done=`, lenient: a bad page number shows page 1, an unknown notice none), or the
/// refusal of a change, with the status to answer. The `GET` handler of a tab takes it from
/// the query; the handlers of its forms pass it when they show the tab again.
#[derive(Debug, Default, Deserialize)]
pub struct Shown {
    /// `?page=`, from 1.
    #[serde(default)]
    pub page: Option<String>,
    /// `?done=`: the notice key of the change just made ([`NOTICES`]).
    #[serde(default)]
    pub done: Option<String>,
    /// Why a change was refused, and the status to answer.
    #[serde(skip)]
    pub refusal: Option<(StatusCode, String)>,
    /// What the refused form held, to show it again.
    #[serde(skip)]
    pub typed: String,
}

impl Shown {
    /// The first page, with a refusal.
    pub fn refused(status: StatusCode, message: String) -> Self {
        Self {
            refusal: Some((status, message)),
            ..Self::default()
        }
    }

    /// The first page, with what a failed service call says ([`failure`]); `Err` for an
    /// internal fault.
    pub fn failed(e: Error) -> Result<Self, Error> {
        let (status, message) = failure(e)?;
        Ok(Self::refused(status, message))
    }

    /// The status to answer: the refusal's, else 200.
    pub fn status(&self) -> StatusCode {
        self.refusal.as_ref().map_or(StatusCode::OK, |r| r.0)
    }

    /// The template's `{pager, notice, form_error, typed}` for tab `tab`, whose rows are `rows`;
    /// returns this page's rows.
    pub fn view<T>(&self, admin: &OrgAdmin, tab: &str, rows: Vec<T>) -> (Vec<T>, Value) {
        let (rows, pager) = paginate(rows, self.page.as_deref(), &admin.url(tab));
        let view = context! {
            pager => pager,
            notice => notice(&admin.page, self.done.as_deref()),
            form_error => self.refusal.as_ref().map(|r| r.1.clone()),
            typed => self.typed.clone(),
        };
        (rows, view)
    }
}

/// A Unix time as `YYYY-MM-DD HH:MM UTC`.
pub fn when(unix: i64) -> String {
    match cookie::time::OffsetDateTime::from_unix_timestamp(unix) {
        Ok(t) => format!(
            "{:04}-{:02}-{:02} {:02}:{:02} UTC",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute()
        ),
        Err(_) => String::new(),
    }
}

pub use super::urlencode;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_utc() {
        assert_eq!(when(0), "1970-01-01 00:00 UTC");
        assert_eq!(when(1_700_000_000), "2023-11-14 22:13 UTC");
    }
}
