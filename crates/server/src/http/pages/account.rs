//! "My authorizations" (`/account`), with links to the orgs the user administers (their pages
//! are in `org/`).

use std::sync::Arc;

use axum::{
    extract::{Form, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
    Router,
};
use minijinja::context;
use opending_domain::{ClientId, Role};
use serde::Deserialize;

use super::{i18n, PageCtx};
use crate::{
    service::{consents, memberships, Error},
    Core,
};

/// Routes.
pub fn router() -> Router<Arc<Core>> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/account") }))
        .route("/account", get(account))
        .route("/account/authorizations/revoke", post(revoke))
}

async fn account(State(core): State<Arc<Core>>, page: PageCtx) -> Result<Response, Error> {
    let Some(user) = &page.user else {
        return Ok(page.to_sign_in());
    };
    let grants: Vec<_> = consents::authorizations(&core, &user.union_id)
        .await?
        .into_iter()
        .map(|a| {
            let points: Vec<_> = a
                .points
                .iter()
                .map(|(code, name)| context! { code => code, name => name })
                .collect();
            context! {
                client_id => a.client_id,
                app_name => a.app_name,
                org_name => a.org_name.unwrap_or_else(|| "—".to_owned()),
                points => points,
            }
        })
        .collect();
    let admin_orgs: Vec<_> = memberships::orgs_of(&core, &user.union_id)
        .await?
        .into_iter()
        .filter(|m| m.role == Role::Admin)
        .map(|m| context! { corp_id => m.org.corp_id.as_str(), name => m.org.name })
        .collect();
    Ok(page.render(
        &core,
        StatusCode::OK,
        "account.html",
        context! { grants => grants, admin_orgs => admin_orgs },
    ))
}

#[derive(Deserialize)]
struct RevokeForm {
    csrf: String,
    client_id: String,
}

async fn revoke(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    page: PageCtx,
    Form(f): Form<RevokeForm>,
) -> Result<Response, Error> {
    let Some(user) = &page.user else {
        return Ok(page.to_sign_in());
    };
    if !page.csrf_ok(&core, &f.csrf) {
        return Ok(page.error_page(
            &core,
            StatusCode::FORBIDDEN,
            "bad_request",
            i18n::t(page.lang, "bad_csrf"),
        ));
    }
    let Ok(client) = ClientId::parse(f.client_id) else {
        return Ok(page.error_page(
            &core,
            StatusCode::BAD_REQUEST,
            "bad_request",
            i18n::t(page.lang, "client_unknown"),
        ));
    };
    consents::revoke_own_consent(&core, &origin, &client, &user.union_id).await?;
    Ok(Redirect::to("/account").into_response())
}
