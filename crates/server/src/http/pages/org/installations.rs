//! Third-party apps installed in an org: list, install by clientId, suspend, resume, uninstall.
//! Suspending or uninstalling revokes the app's tokens in the org at once (`service::admin`).

use std::sync::Arc;

use axum::{
    extract::{Form, Path, Query, State},
    http::StatusCode,
    response::Response,
    routing::{get, post},
    Router,
};
use minijinja::context;
use opending_domain::InstallationStatus;
use serde::Deserialize;

use super::{failure, members::ListQuery, notice, urlencode, when, OrgAdmin, Paging};
use crate::{
    http::pages::i18n,
    service::{admin, org, Error},
    Core,
};

/// Routes.
pub fn router() -> Router<Arc<Core>> {
    Router::new()
        .route("/org/{corp_id}/installations", get(list).post(install))
        .route(
            "/org/{corp_id}/installations/{client_id}/{action}",
            post(change),
        )
        .route(
            "/org/{corp_id}/installations/{client_id}/uninstall",
            get(confirm_uninstall).post(uninstall),
        )
}

async fn list(
    State(core): State<Arc<Core>>,
    admin: OrgAdmin,
    Query(q): Query<ListQuery>,
) -> Result<Response, Error> {
    let notice = notice(&admin.page, q.done.as_deref());
    page(&core, &admin, q.page(), notice, None, StatusCode::OK).await
}

async fn page(
    core: &Core,
    admin: &OrgAdmin,
    page_no: Option<usize>,
    notice: Option<&str>,
    error: Option<(String, String)>,
    status: StatusCode,
) -> Result<Response, Error> {
    let all = admin::list_installations(core, None, Some(admin.org.corp_id.as_str())).await?;
    let (installs, paging) = Paging::cut(all, page_no);
    let mut rows = Vec::new();
    for i in installs {
        let app = core.store.get_app(&i.client_id).await?;
        let owner = match &app {
            Some(a) => core.store.get_org(&a.owner_corp_id).await?.map(|o| o.name),
            None => None,
        };
        let granted: Vec<String> = core
            .store
            .list_org_grants(&i.client_id, &i.corp_id)
            .await?
            .into_iter()
            .map(|c| c.as_str().to_owned())
            .collect();
        rows.push(context! {
            client_id => i.client_id.as_str(),
            client_id_url => urlencode(i.client_id.as_str()),
            name => app.map(|a| a.name).unwrap_or_default(),
            owner => owner.unwrap_or_default(),
            active => i.status == InstallationStatus::Active,
            installed_at => when(i.created_at.0),
            granted => granted,
        });
    }
    let (form_error, typed) = error.unzip();
    Ok(admin.render(
        core,
        status,
        "org/installations.html",
        "installations",
        context! {
            installations => rows,
            paging => paging.view(),
            notice => notice,
            form_error => form_error,
            typed => typed,
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
    admin: OrgAdmin,
    Form(f): Form<InstallForm>,
) -> Result<Response, Error> {
    if let Some(r) = admin.refuse_bad_csrf(&core, &f.csrf) {
        return Ok(r);
    }
    match org::install_new(&core, &f.client_id, admin.org.corp_id.as_str()).await {
        Ok(_) => Ok(admin.done("installations", "app_installed")),
        Err(e) => {
            let (status, msg) = failure(e)?;
            let typed = f.client_id.chars().take(200).collect();
            page(&core, &admin, None, None, Some((msg, typed)), status).await
        }
    }
}

#[derive(Debug, Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

async fn change(
    State(core): State<Arc<Core>>,
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
            admin::suspend(&core, &client_id, corp).await.map(drop),
            "app_suspended",
        ),
        "resume" => (
            org::resume(&core, &client_id, corp).await.map(drop),
            "app_resumed",
        ),
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
        Err(e) => {
            let (status, msg) = failure(e)?;
            page(
                &core,
                &admin,
                None,
                None,
                Some((msg, String::new())),
                status,
            )
            .await
        }
    }
}

async fn confirm_uninstall(
    State(core): State<Arc<Core>>,
    admin: OrgAdmin,
    Path((_, client_id)): Path<(String, String)>,
) -> Result<Response, Error> {
    let inst = match org::existing(&core, &client_id, admin.org.corp_id.as_str()).await {
        Ok(i) => i,
        Err(e) => {
            let (status, msg) = failure(e)?;
            return page(
                &core,
                &admin,
                None,
                None,
                Some((msg, String::new())),
                status,
            )
            .await;
        }
    };
    let name = core
        .store
        .get_app(&inst.client_id)
        .await?
        .map(|a| a.name)
        .unwrap_or_default();
    let lang = admin.page.lang;
    Ok(admin.confirm(
        &core,
        "installations",
        format!("{} · {name}", i18n::t(lang, "org_uninstall")),
        i18n::t(lang, "org_uninstall_confirm").to_owned(),
        admin.url(&format!(
            "installations/{}/uninstall",
            urlencode(&client_id)
        )),
        "org_uninstall",
    ))
}

async fn uninstall(
    State(core): State<Arc<Core>>,
    admin: OrgAdmin,
    Path((_, client_id)): Path<(String, String)>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, Error> {
    if let Some(r) = admin.refuse_bad_csrf(&core, &f.csrf) {
        return Ok(r);
    }
    match org::uninstall(&core, &client_id, admin.org.corp_id.as_str()).await {
        Ok(()) => Ok(admin.done("installations", "app_uninstalled")),
        Err(e) => {
            let (status, msg) = failure(e)?;
            page(
                &core,
                &admin,
                None,
                None,
                Some((msg, String::new())),
                status,
            )
            .await
        }
    }
}
