//! `GET /console/apps/{clientId}` (credentials, basic info, third-party settings and suite
//! ticket, event subscription, URIs, permission points, danger zone), `POST …/settings` (name
//! and icon), `POST …/isv` (custom app, admin backend URL) and `POST …/events[/remove]` (the
//! HTTP callback).

use std::{collections::BTreeMap, sync::Arc};

use axum::{
    extract::{Form, Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use minijinja::{context, Value};
use opending_domain::ErrorCode;
use serde::Deserialize;

use super::{form_user, input_error, refused, user, PageQuery};
use crate::{
    http::pages::{i18n, PageCtx},
    service::{apps, points, Error},
    Core,
};

/// The catalogue's group of a point: the first part of its code (`Contact.User.Read` →
/// `Contact`); codes without a dot (`qyapi_base`) are the basic points.
fn group_of(code: &str) -> &str {
    code.split_once('.').map(|(g, _)| g).unwrap_or("")
}

/// Renders the app page; `error` re-shows it after a refused change.
pub(super) async fn render(
    core: &Core,
    page: &PageCtx,
    client_id: &str,
    status: StatusCode,
    error: Option<String>,
    notice: Option<&str>,
) -> Result<Response, Error> {
    let app = match apps::open_app(core, &page.origin, client_id).await {
        Ok(a) => a,
        Err(e) => return refused(core, page, e),
    };
    let uris = apps::app_uris(core, app.app.client_id.as_str()).await?;
    let added: Vec<String> = points::app_points(core, app.app.client_id.as_str())
        .await?
        .into_iter()
        .map(|p| p.code.as_str().to_owned())
        .collect();
    let mut groups: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for p in points::list_points(core).await? {
        let code = p.code.as_str();
        groups
            .entry(group_of(code).to_owned())
            .or_default()
            .push(context! {
                code => code,
                name => p.name,
                description => p.description,
                kind => p.kind.as_str(),
                grant_type => p.grant_type.as_str(),
                added => added.iter().any(|a| a == code),
            });
    }
    let groups: Vec<Value> = groups
        .into_iter()
        .map(|(g, points)| {
            let name = if g.is_empty() {
                i18n::t(page.lang, "console_group_basic").to_owned()
            } else {
                g
            };
            context! { name => name, points => points }
        })
        .collect();
    // A third-party app's suite ticket: to those who may change the app (it signs its
    // corp-token requests, with the secret).
    let isv = if app.app.distribution == opending_domain::Distribution::ThirdParty {
        let ticket = if app.can_manage {
            let t =
                crate::service::isv::ticket(core, &page.origin, app.app.client_id.as_str()).await?;
            Some(context! {
                value => t.suite_ticket,
                previous => t.previous_suite_ticket,
                rotated_at => crate::http::pages::org::when(t.rotated_at),
                next_rotation_at => crate::http::pages::org::when(t.next_rotation_at),
            })
        } else {
            None
        };
        Some(context! {
            custom => app.app.custom,
            admin_url => app.profile.admin_url.clone(),
            ticket => ticket,
        })
    } else {
        None
    };
    let callback = crate::service::events::callback(core, &page.origin, app.app.client_id.as_str())
        .await?
        .map(|c| {
            context! {
                url => c.url,
                verified_at => crate::http::pages::org::when(c.verified_at),
            }
        });
    let creator = match &app.profile.created_by {
        Some(u) => crate::service::users::nick_of(core, u).await?,
        None => None,
    };
    Ok(page.render(
        core,
        status,
        "console_app.html",
        context! {
            app => context! {
                client_id => app.app.client_id.as_str(),
                name => app.app.name.clone(),
                icon_url => app.profile.icon_url.clone(),
                initial => app.app.name.chars().next().map(String::from).unwrap_or_default(),
                distribution => app.app.distribution.as_str(),
                owner_name => app.owner.name.clone(),
                owner_corp_id => app.owner.corp_id.as_str(),
                creator => creator,
            },
            can_manage => app.can_manage,
            isv => isv,
            callback => callback,
            redirect_uris => uris.redirect_uris,
            origins => uris.origins,
            groups => groups,
            added_count => added.len(),
            error => error,
            notice => notice,
        },
    ))
}

pub(super) async fn show(
    State(core): State<Arc<Core>>,
    page: PageCtx,
    Path(client_id): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Response, Error> {
    if let Err(r) = user(&page) {
        return Ok(*r);
    }
    let notice = match q.notice.as_deref() {
        Some("saved") => Some(i18n::t(page.lang, "console_saved")),
        _ => None,
    };
    render(&core, &page, &client_id, StatusCode::OK, None, notice).await
}

/// After a change: back to the app page, or the page again with what was wrong.
pub(super) async fn after_change(
    core: &Core,
    page: &PageCtx,
    client_id: &str,
    done: Result<(), Error>,
    anchor: &str,
) -> Result<Response, Error> {
    match done {
        Ok(()) => Ok(Redirect::to(&format!(
            "/console/apps/{}?notice=saved#{anchor}",
            urlencode(client_id)
        ))
        .into_response()),
        Err(Error::Api(api))
            if matches!(
                api.code,
                ErrorCode::InvalidParameter | ErrorCode::Conflict | ErrorCode::NotFound
            ) =>
        {
            // NotFound here is an unknown point or URI; an app the user may not see is
            // answered 404 by `render` itself.
            let msg = input_error(page, &api);
            render(
                core,
                page,
                client_id,
                StatusCode::BAD_REQUEST,
                Some(msg),
                None,
            )
            .await
        }
        Err(e) => refused(core, page, e),
    }
}

pub(super) use crate::http::pages::urlencode;

#[derive(Deserialize, Default)]
pub(super) struct SettingsForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    icon_url: String,
}

pub(super) async fn save(
    State(core): State<Arc<Core>>,
    page: PageCtx,
    Path(client_id): Path<String>,
    Form(f): Form<SettingsForm>,
) -> Result<Response, Error> {
    if let Err(r) = form_user(&core, &page, &f.csrf) {
        return Ok(*r);
    }
    let done = apps::update_app(&core, &page.origin, &client_id, &f.name, &f.icon_url).await;
    after_change(&core, &page, &client_id, done, "basic").await
}

#[derive(Deserialize, Default)]
pub(super) struct IsvForm {
    #[serde(default)]
    csrf: String,
    /// Present (`on`) when the box is ticked.
    #[serde(default)]
    custom: Option<String>,
    #[serde(default)]
    admin_url: String,
}

/// A third-party app's settings: custom (定制应用) and the admin backend's URL.
pub(super) async fn save_isv(
    State(core): State<Arc<Core>>,
    page: PageCtx,
    Path(client_id): Path<String>,
    Form(f): Form<IsvForm>,
) -> Result<Response, Error> {
    if let Err(r) = form_user(&core, &page, &f.csrf) {
        return Ok(*r);
    }
    let settings = apps::IsvSettings {
        custom: Some(f.custom.is_some()),
        admin_url: Some(f.admin_url),
    };
    let done = apps::update_isv_settings(&core, &page.origin, &client_id, settings)
        .await
        .map(drop);
    after_change(&core, &page, &client_id, done, "isv").await
}

#[derive(Deserialize, Default)]
pub(super) struct CallbackForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    token: String,
    #[serde(default)]
    aes_key: String,
}

/// Registers the app's HTTP callback (after the URL passes DingTalk's check).
pub(super) async fn save_callback(
    State(core): State<Arc<Core>>,
    page: PageCtx,
    Path(client_id): Path<String>,
    Form(f): Form<CallbackForm>,
) -> Result<Response, Error> {
    if let Err(r) = form_user(&core, &page, &f.csrf) {
        return Ok(*r);
    }
    let input = crate::service::events::CallbackInput {
        url: f.url.trim().to_owned(),
        token: f.token.trim().to_owned(),
        aes_key: f.aes_key.trim().to_owned(),
    };
    let done = crate::service::events::set_callback(&core, &page.origin, &client_id, input)
        .await
        .map(drop);
    after_change(&core, &page, &client_id, done, "events").await
}

#[derive(Deserialize, Default)]
pub(super) struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

/// Removes the app's HTTP callback: its events go over Stream again.
pub(super) async fn remove_callback(
    State(core): State<Arc<Core>>,
    page: PageCtx,
    Path(client_id): Path<String>,
    Form(f): Form<CsrfOnly>,
) -> Result<Response, Error> {
    if let Err(r) = form_user(&core, &page, &f.csrf) {
        return Ok(*r);
    }
    let done = crate::service::events::delete_callback(&core, &page.origin, &client_id).await;
    after_change(&core, &page, &client_id, done, "events").await
}
