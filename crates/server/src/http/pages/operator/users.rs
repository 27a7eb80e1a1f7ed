//! `/operator/users`: every user (paginated) with their orgs.

use std::sync::Arc;

use axum::{
    extract::{Query, State},
    http::StatusCode,
    response::Response,
};
use minijinja::context;

use super::{operator, render};
use crate::{
    http::pages::{console::PageQuery, paging::paginate, PageCtx},
    service::Error,
    Core,
};

pub(super) async fn show(
    State(core): State<Arc<Core>>,
    page: PageCtx,
    Query(q): Query<PageQuery>,
) -> Result<Response, Error> {
    let cookie = match operator(&page) {
        Ok(c) => c,
        Err(r) => return Ok(*r),
    };
    let (users, pager) = paginate(
        crate::service::users::list_users(&core).await?,
        q.page.as_deref(),
        "/operator/users",
    );
    let mut rows = Vec::new();
    for u in users {
        let orgs: Vec<String> = crate::service::memberships::memberships_of(&core, &u.union_id)
            .await?
            .into_iter()
            .map(|m| format!("{} ({})", m.corp_id, m.role.as_str()))
            .collect();
        rows.push(context! {
            union_id => u.union_id.as_str(),
            login => u.login,
            nick => u.nick,
            orgs => orgs,
        });
    }
    Ok(render(
        &core,
        &page,
        &cookie,
        StatusCode::OK,
        "operator_users.html",
        context! { users => rows, pager => pager, base_path => "/operator/users" },
    ))
}
