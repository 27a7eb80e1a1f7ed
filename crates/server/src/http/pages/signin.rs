//! `/login` and `/logout`.

use std::{net::SocketAddr, sync::Arc};

use axum::{
    extract::{ConnectInfo, Form, Query, State},
    http::{header, StatusCode},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
    Router,
};
use minijinja::context;
use serde::Deserialize;

use super::{i18n, safe_next, PageCtx, PRESESSION_COOKIE, SESSION_COOKIE};
use crate::{
    service::{session, Error},
    Core,
};

/// Routes.
pub fn router() -> Router<Arc<Core>> {
    Router::new()
        .route("/login", get(show).post(submit))
        .route("/logout", post(sign_out))
}

#[derive(Deserialize, Default)]
struct NextQuery {
    next: Option<String>,
}

async fn show(
    State(core): State<Arc<Core>>,
    mut page: PageCtx,
    Query(q): Query<NextQuery>,
) -> Response {
    let next = safe_next(q.next.as_deref().unwrap_or("/account")).to_owned();
    if page.user.is_some() {
        return Redirect::to(&next).into_response();
    }
    // A pre-session cookie gives the form a CSRF token before there is a session.
    let mut set = None;
    if page.presession.is_none() {
        let pre = session::new_presession(&core).expose().to_owned();
        set = Some(page.cookie(PRESESSION_COOKIE, pre.clone(), 3600));
        page.presession = Some(pre);
    }
    let mut r = page.render(
        &core,
        StatusCode::OK,
        "login.html",
        context! { next => next, login => "" },
    );
    if let Some(c) = set {
        r.headers_mut().append(header::SET_COOKIE, c);
    }
    r
}

#[derive(Deserialize)]
struct SignInForm {
    csrf: String,
    login: String,
    password: String,
    next: Option<String>,
}

async fn submit(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    page: PageCtx,
    Form(form): Form<SignInForm>,
) -> Result<Response, Error> {
    let next = safe_next(form.next.as_deref().unwrap_or("/account")).to_owned();
    let again = |key: &str| {
        page.render(
            &core,
            StatusCode::BAD_REQUEST,
            "login.html",
            context! { next => next.clone(), login => form.login.clone(), error => i18n::t(page.lang, key) },
        )
    };
    if page.user.is_some() || !page.csrf_ok(&core, &form.csrf) {
        return Ok(again("bad_csrf"));
    }
    // The one client address (a trusted proxy's X-Forwarded-For, else the peer).
    let address = crate::http::context::client_address().unwrap_or(peer.ip());
    match session::sign_in(&core, &origin, &form.login, &form.password, address).await? {
        Ok((sid, _user)) => {
            // A brand-new session id (never the pre-session one): no session fixation.
            let mut r = Redirect::to(&next).into_response();
            let h = r.headers_mut();
            h.append(
                header::SET_COOKIE,
                page.cookie(
                    SESSION_COOKIE,
                    sid.expose().to_owned(),
                    core.lifetimes.session,
                ),
            );
            h.append(
                header::SET_COOKIE,
                page.cookie(PRESESSION_COOKIE, String::new(), 0),
            );
            Ok(r)
        }
        Err(session::SignInError::BadCredentials) => Ok(again("bad_credentials")),
        Err(session::SignInError::Throttled) => {
            let mut r = again("throttled");
            *r.status_mut() = StatusCode::TOO_MANY_REQUESTS;
            Ok(r)
        }
    }
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf: String,
}

async fn sign_out(
    State(core): State<Arc<Core>>,
    page: PageCtx,
    Form(form): Form<CsrfForm>,
) -> Result<Response, Error> {
    if !page.csrf_ok(&core, &form.csrf) {
        return Ok(page.error_page(
            &core,
            StatusCode::FORBIDDEN,
            "bad_request",
            i18n::t(page.lang, "bad_csrf"),
        ));
    }
    if let Some(s) = &page.session {
        session::sign_out(&core, s).await?;
    }
    let mut r = Redirect::to("/login").into_response();
    r.headers_mut().append(
        header::SET_COOKIE,
        page.cookie(SESSION_COOKIE, String::new(), 0),
    );
    Ok(r)
}
