//! The admin API: the audit log.

use std::sync::Arc;

use axum::{
    extract::State,
    response::{IntoResponse, Response},
    Json,
};

use super::AdminKeyRefused;
use crate::{
    http::{error::ErrorBody, extract::ApiQuery as Query},
    service::Error,
    Core,
};

/// `GET /admin/v1/audit?org=&app=&kind=&since=&until=&limit=&cursor=`: the audit log, newest
/// first, one page at a time.
#[utoipa::path(
    get,
    path = "/admin/v1/audit",
    tag = "admin",
    operation_id = "admin_audit",
    params(crate::service::audit::AuditFilter),
    security(("adminKey" = [])),
    responses(
        (status = 200, description = "One page of audit events, newest first", body = crate::service::audit::AuditPage),
        (status = 400, description = "`invalid.request`, `InvalidParameter`: a bad filter", body = ErrorBody),
        AdminKeyRefused,
    )
)]
pub(super) async fn audit_log(
    State(core): State<Arc<Core>>,
    Query(f): Query<crate::service::audit::AuditFilter>,
) -> Result<Response, Error> {
    Ok(Json(crate::service::audit::list(&core, f).await?).into_response())
}
