//! `/v1.0/contact/*`: the contact API over the one token extractor.

use std::{collections::HashMap, sync::Arc};

use axum::{extract::State, routing::get, Json, Router};
use opending_domain::orgauth::AuthInfoView;

use super::extract::{ApiQuery, Authenticated};
use crate::{
    service::{contact, Error},
    Core,
};

/// Routes under `/v1.0/contact`.
pub fn router() -> Router<Arc<Core>> {
    Router::new()
        .route("/v1.0/contact/organizations/authInfos", get(org_auth_info))
        .route("/v1.0/contact/users/{union_id}", get(user))
}

async fn org_auth_info(
    State(core): State<Arc<Core>>,
    caller: Authenticated,
    ApiQuery(query): ApiQuery<HashMap<String, String>>,
) -> Result<Json<AuthInfoView>, Error> {
    let principal = caller.require(&[contact::ORG_READ])?;
    let target = query.get("targetCorpId").map(String::as_str);
    Ok(Json(
        contact::org_auth_info(&core, principal, target).await?,
    ))
}

async fn user(
    State(core): State<Arc<Core>>,
    caller: Authenticated,
    super::extract::ApiPath(union_id): super::extract::ApiPath<String>,
) -> Result<Json<contact::UserView>, Error> {
    let principal = caller.require(&[contact::USER_READ])?;
    Ok(Json(contact::user(&core, principal, &union_id).await?))
}
