//! `GET /console`: the apps of the user's orgs, newest first, paginated.

use std::sync::Arc;

use axum::{
    extract::{Query, State},
    http::StatusCode,
    response::Response,
};
use minijinja::context;

use super::{user, PageQuery};
use crate::{
    http::pages::{i18n, paging::paginate, PageCtx},
    service::{apps, Error},
    Core,
};

pub(super) async fn show(
    State(core): State<Arc<Core>>,
    page: PageCtx,
    Query(q): Query<PageQuery>,
) -> Result<Response, Error> {
    let me = match user(&page) {
        Ok(u) => u,
        Err(r) => return Ok(*r),
    };
    let orgs = super::my_orgs(&core, &me).await?;
    let (apps, pager) = paginate(
        apps::apps_of_member(&core, &me.union_id).await?,
        q.page.as_deref(),
        "/console",
    );
    let rows: Vec<_> = apps
        .into_iter()
        .map(|(a, o)| {
            context! {
                client_id => a.client_id.as_str(),
                name => a.name,
                org_name => o.name,
                distribution => a.distribution.as_str(),
            }
        })
        .collect();
    let notice = match q.notice.as_deref() {
        Some("deleted") => Some(i18n::t(page.lang, "console_deleted")),
        _ => None,
    };
    Ok(page.render(
        &core,
        StatusCode::OK,
        "console_list.html",
        context! { apps => rows, pager => pager, has_orgs => !orgs.is_empty(), notice => notice, base_path => "/console" },
    ))
}
