//! The org's certification info, as `GET /v1.0/contact/organizations/authInfos` returns it to
//! apps. Read-only here: certification is the platform's statement about the org (DingTalk
//! verifies the licence), so the operator sets it (admin API, seed files), not the org itself.

use std::sync::Arc;

use axum::{extract::State, http::StatusCode, response::Response, routing::get, Router};
use minijinja::context;

use super::OrgAdmin;
use crate::{
    service::{orgs, Error},
    Core,
};

/// Routes.
pub fn router() -> Router<Arc<Core>> {
    Router::new().route("/org/{corp_id}/certification", get(show))
}

async fn show(State(core): State<Arc<Core>>, admin: OrgAdmin) -> Result<Response, Error> {
    let info = orgs::org_auth_info(&core, admin.org.corp_id.as_str()).await?;
    let level_key = match info.auth_level {
        1 => "org_auth_level_1",
        2 => "org_auth_level_2",
        _ => "org_auth_level_0",
    };
    let fields: Vec<_> = [
        ("org_license_org_name", &info.license_org_name),
        ("org_registration_num", &info.registration_num),
        ("org_unified_social_credit", &info.unified_social_credit),
        ("org_organization_code", &info.organization_code),
        ("org_legal_person", &info.legal_person),
        ("org_license_url", &info.license_url),
    ]
    .into_iter()
    .map(|(key, v)| context! { key => key, value => v.clone().unwrap_or_default() })
    .collect();
    Ok(admin.render(
        &core,
        StatusCode::OK,
        "org/certification.html",
        "certification",
        context! {
            auth_level => info.auth_level,
            level_key => level_key,
            fields => fields,
            created_at => super::when(admin.org.created_at.0),
        },
    ))
}
