//! `/operator/orgs`: every org (paginated) and creating one.

use std::sync::Arc;

use axum::{
    extract::{Form, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use minijinja::context;
use serde::Deserialize;

use super::{bad_csrf, csrf_ok, operator, render};
use crate::{
    http::pages::{console::PageQuery, i18n, paging::paginate, PageCtx},
    service::{
        orgs::{self, NewOrg},
        Error,
    },
    Core,
};

async fn page_of(
    core: &Core,
    page: &PageCtx,
    cookie: &str,
    q: &PageQuery,
    status: StatusCode,
    error: Option<String>,
    name: &str,
) -> Result<Response, Error> {
    let mut orgs = orgs::list_orgs(core).await?;
    orgs.reverse();
    let (orgs, pager) = paginate(orgs, q.page.as_deref(), "/operator/orgs");
    let notice = (q.notice.as_deref() == Some("created"))
        .then(|| i18n::t(page.lang, "operator_org_created"));
    Ok(render(
        core,
        page,
        cookie,
        status,
        "operator_orgs.html",
        context! { orgs => orgs, pager => pager, error => error, notice => notice, name => name, base_path => "/operator/orgs" },
    ))
}

pub(super) async fn show(
    State(core): State<Arc<Core>>,
    page: PageCtx,
    Query(q): Query<PageQuery>,
) -> Result<Response, Error> {
    let cookie = match operator(&page) {
        Ok(c) => c,
        Err(r) => return Ok(*r),
    };
    page_of(&core, &page, &cookie, &q, StatusCode::OK, None, "").await
}

#[derive(Deserialize, Default)]
pub(super) struct OrgForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    corp_id: String,
}

pub(super) async fn create(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    page: PageCtx,
    Form(f): Form<OrgForm>,
) -> Result<Response, Error> {
    let cookie = match operator(&page) {
        Ok(c) => c,
        Err(r) => return Ok(*r),
    };
    if !csrf_ok(&core, &cookie, &f.csrf) {
        return Ok(bad_csrf(&core, &page));
    }
    let corp_id = f.corp_id.trim();
    let input = NewOrg {
        name: f.name.clone(),
        corp_id: (!corp_id.is_empty()).then(|| corp_id.to_owned()),
    };
    match orgs::create_org(&core, &origin, input).await {
        Ok(_) => Ok(Redirect::to("/operator/orgs?notice=created").into_response()),
        Err(Error::Api(api)) => {
            let msg = format!("{}{}", i18n::t(page.lang, "invalid_input"), api.message());
            page_of(
                &core,
                &page,
                &cookie,
                &PageQuery::default(),
                StatusCode::BAD_REQUEST,
                Some(msg),
                &f.name,
            )
            .await
        }
        Err(e) => Err(e),
    }
}
