//! "My authorizations" (`/account`), with links to the orgs the user administers (their pages
//! are in `org/`).

use std::{collections::BTreeMap, sync::Arc};

use axum::{
    extract::{Form, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
    Router,
};
use minijinja::context;
use opending_domain::{ClientId, CorpId, Role};
use serde::Deserialize;

use super::{i18n, PageCtx};
use crate::{service::Error, Core};

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
    let catalogue = core.store.list_points().await?;
    let mut by_app: BTreeMap<(String, String), Vec<minijinja::Value>> = BTreeMap::new();
    for g in core.store.user_grants(&user.union_id).await? {
        let name = catalogue
            .iter()
            .find(|p| p.code == g.code)
            .map(|p| p.name.clone())
            .unwrap_or_default();
        by_app
            .entry((g.client_id.to_string(), g.corp_id.clone()))
            .or_default()
            .push(context! { code => g.code.as_str(), name => name });
    }
    let mut grants = Vec::new();
    for ((client, corp), points) in by_app {
        let app_name = match ClientId::parse(client.as_str()) {
            Ok(id) => core
                .store
                .get_app(&id)
                .await?
                .map(|a| a.name)
                .unwrap_or_default(),
            Err(_) => String::new(),
        };
        let org_name = match CorpId::parse(corp.as_str()) {
            Ok(id) => core
                .store
                .get_org(&id)
                .await?
                .map(|o| o.name)
                .unwrap_or_default(),
            Err(_) => "—".to_owned(),
        };
        grants.push(context! { client_id => client, app_name => app_name, org_name => org_name, points => points });
    }
    let mut admin_orgs = Vec::new();
    for m in core.store.memberships_of(&user.union_id).await? {
        if m.role == Role::Admin {
            if let Some(o) = core.store.get_org(&m.corp_id).await? {
                admin_orgs.push(context! { corp_id => o.corp_id.as_str(), name => o.name });
            }
        }
    }
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
    crate::service::users::revoke_own_consent(&core, &client, &user.union_id).await?;
    Ok(Redirect::to("/account").into_response())
}
