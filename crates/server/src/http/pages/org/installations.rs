//! Third-party apps installed in an org: list, install by clientId, suspend, resume, uninstall.
//! Suspending or uninstalling revokes the app's tokens in the org at once (`service::admin`).

use std::sync::Arc;

use axum::{
    extract::{Form, Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post},
    Router,
};
use minijinja::context;
use opending_domain::InstallationStatus;
use serde::Deserialize;

use super::{urlencode, when, CsrfForm, OrgAdmin, Shown};
use crate::{
    http::pages::i18n,
    service::{apps, installations, sso, Error},
    Core,
};

/// Routes.
pub fn router() -> Router<Arc<Core>> {
    Router::new()
        .route("/org/{corp_id}/installations", get(page).post(install))
        .route(
            "/org/{corp_id}/installations/{client_id}/{action}",
            post(change),
        )
        .route(
            "/org/{corp_id}/installations/{client_id}/uninstall",
            get(confirm_uninstall).post(uninstall),
        )
        .route("/org/{corp_id}/sso-secret", post(rotate_sso_secret))
}

/// The installations page, with a notice after a change or an error after a refused one.
async fn page(
    State(core): State<Arc<Core>>,
    admin: OrgAdmin,
    Query(shown): Query<Shown>,
) -> Result<Response, Error> {
    page_with(core, admin, shown, None).await
}

/// The page, showing a just-made SSO secret (this once) when given.
async fn page_with(
    core: Arc<Core>,
    admin: OrgAdmin,
    shown: Shown,
    sso_secret: Option<String>,
) -> Result<Response, Error> {
    let core = &core;
    let all =
        installations::list_installations(core, None, Some(admin.org.corp_id.as_str())).await?;
    let (installs, view) = shown.view(&admin, "installations", all);
    let mut rows = Vec::new();
    for row in installations::installation_rows(core, installs).await? {
        let i = &row.installation;
        let has_admin_backend = !apps::admin_url(core, &i.client_id).await?.is_empty();
        rows.push(context! {
            admin_backend => has_admin_backend && i.status == InstallationStatus::Active,
            client_id => i.client_id.as_str(),
            client_id_url => urlencode(i.client_id.as_str()),
            name => row.app_name,
            owner => row.owner_name,
            active => i.status == InstallationStatus::Active,
            installed_at => when(i.created_at.0),
            granted => row.granted,
        });
    }
    Ok(admin.render(
        core,
        shown.status(),
        "org/installations.html",
        "installations",
        context! {
            installations => rows,
            sso_secret => sso_secret,
            ..view
        },
    ))
}

#[derive(Debug, Deserialize)]
struct InstallForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    client_id: String,
}

async fn install(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    admin: OrgAdmin,
    Form(f): Form<InstallForm>,
) -> Result<Response, Error> {
    if let Some(r) = admin.refuse_bad_csrf(&core, &f.csrf) {
        return Ok(r);
    }
    match installations::install_new(&core, &origin, &f.client_id, admin.org.corp_id.as_str()).await
    {
        Ok(_) => Ok(admin.done("installations", "app_installed")),
        Err(e) => {
            let mut shown = Shown::failed(e)?;
            shown.typed = f.client_id.chars().take(200).collect();
            page(State(core), admin, Query(shown)).await
        }
    }
}

async fn change(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    admin: OrgAdmin,
    Path((_, client_id, action)): Path<(String, String, String)>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, Error> {
    if let Some(r) = admin.refuse_bad_csrf(&core, &f.csrf) {
        return Ok(r);
    }
    let corp = admin.org.corp_id.as_str();
    let (result, done) = match action.as_str() {
        "suspend" => (
            installations::suspend(&core, &origin, &client_id, corp)
                .await
                .map(drop),
            "app_suspended",
        ),
        "resume" => (
            installations::resume(&core, &origin, &client_id, corp)
                .await
                .map(drop),
            "app_resumed",
        ),
        "admin-backend" => {
            // SSO: the admin goes to the app's admin backend with a single-use code.
            return match sso::open_admin_backend(&core, &origin, corp, &client_id, None).await {
                Ok(url) => Ok(axum::response::Redirect::to(&url).into_response()),
                Err(e) => page(State(core), admin, Query(Shown::failed(e)?)).await,
            };
        }
        _ => {
            return Ok(admin.page.error_page(
                &core,
                StatusCode::NOT_FOUND,
                "not_found",
                i18n::t(admin.page.lang, "not_found"),
            ))
        }
    };
    match result {
        Ok(()) => Ok(admin.done("installations", done)),
        Err(e) => page(State(core), admin, Query(Shown::failed(e)?)).await,
    }
}

async fn confirm_uninstall(
    State(core): State<Arc<Core>>,
    admin: OrgAdmin,
    Path((_, client_id)): Path<(String, String)>,
) -> Result<Response, Error> {
    let inst = match installations::existing(&core, &client_id, admin.org.corp_id.as_str()).await {
        Ok(i) => i,
        Err(e) => return page(State(core), admin, Query(Shown::failed(e)?)).await,
    };
    let name = apps::app_name(&core, &inst.client_id)
        .await?
        .unwrap_or_default();
    Ok(admin.confirm(
        &core,
        "installations",
        ("org_uninstall", "org_uninstall"),
        (name, inst.client_id.as_str()),
        admin.url(&format!(
            "installations/{}/uninstall",
            urlencode(&client_id)
        )),
    ))
}

async fn uninstall(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    admin: OrgAdmin,
    Path((_, client_id)): Path<(String, String)>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, Error> {
    if let Some(r) = admin.refuse_bad_csrf(&core, &f.csrf) {
        return Ok(r);
    }
    match installations::uninstall_existing(&core, &origin, &client_id, admin.org.corp_id.as_str())
        .await
    {
        Ok(()) => Ok(admin.done("installations", "app_uninstalled")),
        Err(e) => page(State(core), admin, Query(Shown::failed(e)?)).await,
    }
}

/// Gives the org a new SSO secret and shows it this once.
async fn rotate_sso_secret(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    admin: OrgAdmin,
    Form(f): Form<CsrfForm>,
) -> Result<Response, Error> {
    if let Some(r) = admin.refuse_bad_csrf(&core, &f.csrf) {
        return Ok(r);
    }
    match sso::rotate_secret(&core, &origin, admin.org.corp_id.as_str()).await {
        Ok(secret) => {
            let secret = secret.expose().to_owned();
            page_with(core, admin, Shown::default(), Some(secret)).await
        }
        Err(e) => page(State(core), admin, Query(Shown::failed(e)?)).await,
    }
}
