//! `/operator/points`: the permission-point catalogue (paginated) and adding custom points.

use std::sync::Arc;

use axum::{
    extract::{Form, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use minijinja::context;
use opending_domain::{GrantType, PointKind};
use serde::Deserialize;

use super::{bad_csrf, csrf_ok, operator, render};
use crate::{
    http::pages::{console::PageQuery, i18n, paging::paginate, PageCtx},
    service::{
        points::{self, NewPoint},
        Error,
    },
    Core,
};

#[derive(Deserialize, Default, Clone)]
pub(super) struct PointForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    grant_type: String,
    #[serde(default)]
    description: String,
}

async fn page_of(
    core: &Core,
    page: &PageCtx,
    cookie: &str,
    q: &PageQuery,
    status: StatusCode,
    error: Option<String>,
    f: &PointForm,
) -> Result<Response, Error> {
    let (points, pager) = paginate(
        points::list_points(core).await?,
        q.page.as_deref(),
        "/operator/points",
    );
    let rows: Vec<_> = points
        .into_iter()
        .map(|p| {
            context! {
                code => p.code.as_str(),
                name => p.name,
                kind => p.kind.as_str(),
                grant_type => p.grant_type.as_str(),
                description => p.description,
                builtin => p.builtin,
            }
        })
        .collect();
    let notice = (q.notice.as_deref() == Some("created"))
        .then(|| i18n::t(page.lang, "operator_point_created"));
    Ok(render(
        core,
        page,
        cookie,
        status,
        "operator_points.html",
        context! {
            points => rows, pager => pager, error => error, notice => notice, base_path => "/operator/points",
            form => context! { code => f.code.clone(), name => f.name.clone(), kind => f.kind.clone(), grant_type => f.grant_type.clone(), description => f.description.clone() },
        },
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
    page_of(
        &core,
        &page,
        &cookie,
        &q,
        StatusCode::OK,
        None,
        &PointForm::default(),
    )
    .await
}

pub(super) async fn create(
    State(core): State<Arc<Core>>,
    page: PageCtx,
    Form(f): Form<PointForm>,
) -> Result<Response, Error> {
    let cookie = match operator(&page) {
        Ok(c) => c,
        Err(r) => return Ok(*r),
    };
    if !csrf_ok(&core, &cookie, &f.csrf) {
        return Ok(bad_csrf(&core, &page));
    }
    let again = |msg: String| {
        let f = f.clone();
        let (core, page, cookie) = (core.clone(), page.clone(), cookie.clone());
        async move {
            let msg = format!("{}{}", i18n::t(page.lang, "invalid_input"), msg);
            page_of(
                &core,
                &page,
                &cookie,
                &PageQuery::default(),
                StatusCode::BAD_REQUEST,
                Some(msg),
                &f,
            )
            .await
        }
    };
    let (Ok(kind), Ok(grant_type)) = (
        f.kind.parse::<PointKind>(),
        f.grant_type.parse::<GrantType>(),
    ) else {
        return again("kind must be rpc or field, grant type app or delegated".into()).await;
    };
    let input = NewPoint {
        code: f.code.trim().to_owned(),
        name: f.name.clone(),
        kind,
        grant_type,
        description: f.description.trim().to_owned(),
    };
    match points::create_point(&core, input).await {
        Ok(_) => Ok(Redirect::to("/operator/points?notice=created").into_response()),
        Err(Error::Api(api)) => again(api.message().to_owned()).await,
        Err(e) => Err(e),
    }
}
