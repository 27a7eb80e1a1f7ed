//! "My authorizations" (`/account`) and an org admin's queue of type-1 requests
//! (`/org/{corpId}/requests`).

use std::{collections::BTreeMap, sync::Arc};

use axum::{
    extract::{Form, Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
    Router,
};
use minijinja::context;
use opending_domain::{ClientId, CorpId, Role};
use serde::Deserialize;

use super::{i18n, PageCtx};
use crate::{
    service::{openauth, Error},
    Core,
};

/// Routes.
pub fn router() -> Router<Arc<Core>> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/account") }))
        .route("/account", get(account))
        .route("/account/authorizations/revoke", post(revoke))
        .route("/org/{corp_id}/requests", get(requests))
        .route("/org/{corp_id}/requests/{id}/{action}", post(decide))
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

async fn admin_org(
    core: &Core,
    page: &PageCtx,
    corp: &str,
) -> Result<Result<opending_domain::Org, Response>, Error> {
    let Some(user) = &page.user else {
        return Ok(Err(page.to_sign_in()));
    };
    let forbidden = || {
        page.error_page(
            core,
            StatusCode::FORBIDDEN,
            "error",
            i18n::t(page.lang, "not_admin"),
        )
    };
    let Ok(corp) = CorpId::parse(corp) else {
        return Ok(Err(forbidden()));
    };
    if core.store.get_role(&corp, &user.union_id).await? != Some(Role::Admin) {
        return Ok(Err(forbidden()));
    }
    match core.store.get_org(&corp).await? {
        Some(org) => Ok(Ok(org)),
        None => Ok(Err(forbidden())),
    }
}

async fn requests(
    State(core): State<Arc<Core>>,
    page: PageCtx,
    Path(corp): Path<String>,
) -> Result<Response, Error> {
    let org = match admin_org(&core, &page, &corp).await? {
        Ok(o) => o,
        Err(r) => return Ok(r),
    };
    let mut rows = Vec::new();
    for r in openauth::pending_requests(&core, &org.corp_id).await? {
        let app_name = core
            .store
            .get_app(&r.client_id)
            .await?
            .map(|a| a.name)
            .unwrap_or_default();
        let by = core
            .store
            .get_user(&r.requested_by)
            .await?
            .map(|u| u.nick)
            .unwrap_or_default();
        let points: Vec<&str> = r.points.iter().map(|p| p.as_str()).collect();
        rows.push(context! { id => r.id.clone(), client_id => r.client_id.as_str(), app_name => app_name, requested_by => by, points => points });
    }
    Ok(page.render(
        &core,
        StatusCode::OK,
        "requests.html",
        context! {
            org => context! { corp_id => org.corp_id.as_str(), name => org.name },
            requests => rows,
        },
    ))
}

#[derive(Deserialize)]
struct CsrfForm {
    csrf: String,
}

async fn decide(
    State(core): State<Arc<Core>>,
    page: PageCtx,
    Path((corp, id, action)): Path<(String, String, String)>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, Error> {
    let org = match admin_org(&core, &page, &corp).await? {
        Ok(o) => o,
        Err(r) => return Ok(r),
    };
    if !page.csrf_ok(&core, &f.csrf) {
        return Ok(page.error_page(
            &core,
            StatusCode::FORBIDDEN,
            "bad_request",
            i18n::t(page.lang, "bad_csrf"),
        ));
    }
    let approve = match action.as_str() {
        "approve" => true,
        "reject" => false,
        _ => {
            return Ok(page.error_page(
                &core,
                StatusCode::NOT_FOUND,
                "error",
                i18n::t(page.lang, "not_found"),
            ))
        }
    };
    let admin = page.user.clone().expect("admin_org checked the user");
    openauth::decide_request(&core, &org.corp_id, &id, &admin, approve).await?;
    Ok(Redirect::to(&format!("/org/{}/requests", org.corp_id)).into_response())
}
