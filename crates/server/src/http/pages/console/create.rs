//! `GET /console/apps/new` and `POST /console/apps`: create an app in one of the user's orgs.
//! The answer shows the clientId and the client secret, this once (the secret is stored only
//! as a keyed hash, and the page is sent `no-store`).

use std::sync::Arc;

use axum::{
    extract::{Form, State},
    http::StatusCode,
    response::Response,
};
use minijinja::{context, Value};
use opending_domain::{Distribution, ErrorCode, User};
use serde::Deserialize;

use super::{form_user, input_error, refused, user};
use crate::{
    http::pages::{i18n, PageCtx},
    service::{
        apps::{self, NewApp},
        Error,
    },
    Core,
};

#[derive(Deserialize, Default)]
pub(super) struct CreateForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    corp_id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    distribution: String,
    #[serde(default)]
    icon_url: String,
}

async fn form(
    core: &Core,
    page: &PageCtx,
    me: &User,
    status: StatusCode,
    f: &CreateForm,
    error: Option<String>,
) -> Result<Response, Error> {
    let orgs: Vec<Value> = super::my_orgs(core, me)
        .await?
        .into_iter()
        .map(|m| context! { corp_id => m.org.corp_id.as_str(), name => m.org.name })
        .collect();
    Ok(page.render(
        core,
        status,
        "console_new.html",
        context! {
            orgs => orgs,
            error => error,
            form => context! {
                corp_id => f.corp_id.clone(),
                name => f.name.clone(),
                distribution => if f.distribution.is_empty() { "internal".to_owned() } else { f.distribution.clone() },
                icon_url => f.icon_url.clone(),
            },
        },
    ))
}

pub(super) async fn show(State(core): State<Arc<Core>>, page: PageCtx) -> Result<Response, Error> {
    let me = match user(&page) {
        Ok(u) => u,
        Err(r) => return Ok(*r),
    };
    form(
        &core,
        &page,
        &me,
        StatusCode::OK,
        &CreateForm::default(),
        None,
    )
    .await
}

pub(super) async fn submit(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    page: PageCtx,
    Form(f): Form<CreateForm>,
) -> Result<Response, Error> {
    let me = match form_user(&core, &page, &f.csrf) {
        Ok(u) => u,
        Err(r) => return Ok(*r),
    };
    let Ok(distribution) = f.distribution.parse::<Distribution>() else {
        let msg = i18n::t(page.lang, "console_pick_distribution").to_owned();
        return form(&core, &page, &me, StatusCode::BAD_REQUEST, &f, Some(msg)).await;
    };
    let input = NewApp {
        name: f.name.clone(),
        owner_corp_id: f.corp_id.clone(),
        distribution,
        client_id: None,
        client_secret: None,
        icon_url: f.icon_url.clone(),
        custom: false,
    };
    match apps::create_app(&core, &origin, input).await {
        Ok(view) => Ok(page.render(
            &core,
            StatusCode::OK,
            "console_secret.html",
            context! {
                title => i18n::t(page.lang, "console_created"),
                client_id => view.client_id,
                name => view.name,
                client_secret => view.client_secret,
            },
        )),
        Err(Error::Api(api)) if api.code == ErrorCode::InvalidParameter => {
            let msg = input_error(&page, &api);
            form(&core, &page, &me, StatusCode::BAD_REQUEST, &f, Some(msg)).await
        }
        Err(e) => refused(&core, &page, e),
    }
}
