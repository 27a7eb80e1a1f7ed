//! The org's audit events (`GET /org/{corpId}/audit`): what happened to the org's apps, tokens,
//! grants, installations and members, newest first, filtered by kind and app, 20 a page.
//!
//! Read through `service::audit::list` — the query the admin API's `GET /admin/v1/audit`
//! runs — with the org **always** this page's org: the query string has no `org` field, so an
//! admin sees only events recorded with their own corpId. Events never carry a secret or a
//! token value (`opending_domain::audit`), so neither can this page.

use std::sync::Arc;

use axum::{
    extract::{Query, State},
    http::StatusCode,
    response::Response,
    routing::get,
    Router,
};
use minijinja::context;
use opending_domain::AuditKind;
use serde::Deserialize;

use super::{failure, when, OrgAdmin};
use crate::{
    http::pages::paging::{link, Pager, PAGE_SIZE},
    service::{audit, Error},
    Core,
};

/// Routes.
pub fn router() -> Router<Arc<Core>> {
    Router::new().route("/org/{corp_id}/audit", get(list))
}

/// `?kind=&app=&cursor=` (all optional; unknown fields, `org` among them, are ignored).
#[derive(Debug, Default, Deserialize)]
struct AuditQuery {
    /// One kind, e.g. `secret_rotated`.
    #[serde(default)]
    kind: String,
    /// One app's clientId.
    #[serde(default)]
    app: String,
    /// The id of the last event of the previous page: this page is older than it.
    #[serde(default)]
    cursor: String,
}

async fn list(
    State(core): State<Arc<Core>>,
    admin: OrgAdmin,
    Query(q): Query<AuditQuery>,
) -> Result<Response, Error> {
    let (kind, app, cursor) = (q.kind.trim(), q.app.trim(), q.cursor.trim());
    let some = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    let filter = audit::AuditFilter {
        org: Some(admin.org.corp_id.as_str().to_owned()),
        app: some(app),
        kind: some(kind),
        cursor: some(cursor),
        // One more than shown: whether an older page exists, so "Older" never leads nowhere.
        limit: Some(PAGE_SIZE as u32 + 1),
        ..Default::default()
    };
    let (mut events, error, status) = match audit::list(&core, filter).await {
        Ok(page) => (page.events, None, StatusCode::OK),
        Err(e) => {
            let (status, message) = failure(e)?;
            (Vec::new(), Some(message), status)
        }
    };
    let base = admin.url("audit");
    let filters = [("kind", kind), ("app", app)];
    let older = (events.len() > PAGE_SIZE).then(|| {
        events.truncate(PAGE_SIZE);
        let last = events.last().map(|e| e.id.to_string()).unwrap_or_default();
        link(&base, &[filters[0], filters[1], ("cursor", &last)])
    });
    let first = (!cursor.is_empty()).then(|| link(&base, &filters));
    let rows: Vec<_> = events
        .into_iter()
        .map(|e| {
            let details: Vec<String> = e.details.iter().map(|(k, v)| format!("{k}={v}")).collect();
            context! {
                id => e.id,
                at => when(e.at.0),
                kind => e.kind.as_str(),
                actor => e.actor.as_str(),
                actor_id => e.actor_id,
                client_id => e.client_id,
                source => e.source,
                request_id => e.request_id,
                details => details,
            }
        })
        .collect();
    let kinds: Vec<_> = AuditKind::ALL
        .iter()
        .map(|k| context! { code => k.as_str(), selected => k.as_str() == kind })
        .collect();
    Ok(admin.render(
        &core,
        status,
        "org/audit.html",
        "audit",
        context! {
            events => rows,
            kinds => kinds,
            kind => kind,
            app => app.chars().take(200).collect::<String>(),
            filtered => !kind.is_empty() || !app.is_empty(),
            form_error => error,
            pager => Pager::cursor(first, older),
        },
    ))
}
