//! `/operator/login` (the admin key) and `/operator/logout`.

use std::sync::Arc;

use axum::{
    extract::{Form, State},
    http::{header, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use minijinja::context;
use serde::Deserialize;

use super::bad_csrf;
use crate::{
    http::pages::{i18n, CsrfForm, PageCtx, OPERATOR_COOKIE, PRESESSION_COOKIE},
    service::{operator, session},
    Core,
};

pub(super) async fn show(State(core): State<Arc<Core>>, mut page: PageCtx) -> Response {
    if page.operator.is_some() {
        return Redirect::to("/operator/orgs").into_response();
    }
    // Like `/login`: a pre-session cookie gives the form a CSRF token when nobody is signed in.
    let mut set = None;
    if page.user.is_none() && page.presession.is_none() {
        let pre = session::new_presession(&core).expose().to_owned();
        set = Some(page.cookie(PRESESSION_COOKIE, pre.clone(), 3600));
        page.presession = Some(pre);
    }
    let status = if core.admin_key_hash.is_some() {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    let mut r = page.render(
        &core,
        status,
        "operator_login.html",
        context! { disabled => core.admin_key_hash.is_none() },
    );
    if let Some(c) = set {
        r.headers_mut().append(header::SET_COOKIE, c);
    }
    r
}

#[derive(Deserialize, Default)]
pub(super) struct KeyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    admin_key: String,
}

pub(super) async fn submit(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    page: PageCtx,
    Form(f): Form<KeyForm>,
) -> Response {
    if !page.csrf_ok(&core, &f.csrf) {
        return bad_csrf(&core, &page);
    }
    let refused = |status, error: String| {
        page.render(
            &core,
            status,
            "operator_login.html",
            context! { error => error, disabled => core.admin_key_hash.is_none() },
        )
    };
    match operator::sign_in(&core, &origin, &f.admin_key).await {
        Ok(Ok(cookie)) => {
            let mut r = Redirect::to("/operator/orgs").into_response();
            r.headers_mut().append(
                header::SET_COOKIE,
                page.cookie(OPERATOR_COOKIE, cookie, operator::OPERATOR_LIFETIME),
            );
            r
        }
        Ok(Err(operator::SignInError::WrongKey)) => refused(
            StatusCode::BAD_REQUEST,
            i18n::t(page.lang, "operator_bad_key").to_owned(),
        ),
        // 429 like `/login`'s throttle: the page says how long to wait (docs/security.md).
        Ok(Err(operator::SignInError::Throttled(wait))) => {
            let minutes = wait.as_secs().div_ceil(60).max(1).to_string();
            let error = i18n::t(page.lang, "operator_throttled").replace("{minutes}", &minutes);
            refused(StatusCode::TOO_MANY_REQUESTS, error)
        }
        Err(e) => e.into_response(),
    }
}

pub(super) async fn sign_out(
    State(core): State<Arc<Core>>,
    page: PageCtx,
    Form(f): Form<CsrfForm>,
) -> Response {
    let Some(cookie) = &page.operator else {
        return Redirect::to("/operator/login").into_response();
    };
    if !super::csrf_ok(&core, cookie, &f.csrf) {
        return bad_csrf(&core, &page);
    }
    let mut r = Redirect::to("/operator/login").into_response();
    r.headers_mut().append(
        header::SET_COOKIE,
        page.cookie(OPERATOR_COOKIE, String::new(), 0),
    );
    r
}
