//! The org's openAuth type-1 requests (`toAdmin`): a member asked to grant an app org
//! permissions; an admin approves (the points are granted at once, so the app's existing
//! tokens gain them) or rejects.

use std::sync::Arc;

use axum::{
    extract::{Form, Path, Query, State},
    http::StatusCode,
    response::Response,
    routing::{get, post},
    Router,
};
use minijinja::context;

use super::{when, CsrfForm, OrgAdmin, Shown};
use crate::{
    http::pages::i18n,
    service::{openauth, Error},
    Core,
};

/// Routes (the URLs the queue had on the account page, kept).
pub fn router() -> Router<Arc<Core>> {
    Router::new()
        .route("/org/{corp_id}/requests", get(list))
        .route("/org/{corp_id}/requests/{id}/{action}", post(decide))
}

async fn list(
    State(core): State<Arc<Core>>,
    admin: OrgAdmin,
    Query(shown): Query<Shown>,
) -> Result<Response, Error> {
    let pending = openauth::pending_requests(&core, &admin.org.corp_id).await?;
    let (pending, view) = shown.view(&admin, "requests", pending);
    let mut rows = Vec::new();
    for r in pending {
        let app_name = crate::service::apps::app_name(&core, &r.client_id)
            .await?
            .unwrap_or_default();
        let by = crate::service::users::nick_of(&core, &r.requested_by)
            .await?
            .unwrap_or_default();
        let points: Vec<&str> = r.points.iter().map(|p| p.as_str()).collect();
        rows.push(context! {
            id => r.id.clone(),
            client_id => r.client_id.as_str(),
            app_name => app_name,
            requested_by => by,
            points => points,
            requested_at => when(r.created_at.0),
        });
    }
    Ok(admin.render(
        &core,
        StatusCode::OK,
        "org/requests.html",
        "requests",
        context! {
            requests => rows,
            ..view
        },
    ))
}

async fn decide(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    admin: OrgAdmin,
    Path((_, id, action)): Path<(String, String, String)>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, Error> {
    if let Some(r) = admin.refuse_bad_csrf(&core, &f.csrf) {
        return Ok(r);
    }
    let (approve, done) = match action.as_str() {
        "approve" => (true, "request_approved"),
        "reject" => (false, "request_rejected"),
        _ => {
            return Ok(admin.page.error_page(
                &core,
                StatusCode::NOT_FOUND,
                "not_found",
                i18n::t(admin.page.lang, "not_found"),
            ))
        }
    };
    // Another org's request, an unknown id and one decided already all read the same.
    if !openauth::decide_request(
        &core,
        &origin,
        &admin.org.corp_id,
        &id,
        &admin.user,
        approve,
    )
    .await?
    {
        return Ok(admin.page.error_page(
            &core,
            StatusCode::NOT_FOUND,
            "not_found",
            i18n::t(admin.page.lang, "org_request_not_pending"),
        ));
    }
    Ok(admin.done("requests", done))
}
