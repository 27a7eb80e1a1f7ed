//! Members and roles of an org: list (paginated), add an existing user, change a role, remove.
//! The last admin can be neither demoted nor removed (`service::users`).

use std::sync::Arc;

use axum::{
    extract::{Form, Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
    Router,
};
use minijinja::context;
use opending_domain::Role;
use serde::Deserialize;

use super::{failure, urlencode, OrgAdmin, Shown};
use crate::{
    http::pages::i18n,
    service::{memberships, users, Error},
    Core,
};

/// Routes.
pub fn router() -> Router<Arc<Core>> {
    Router::new()
        .route("/org/{corp_id}/members", get(page).post(add))
        .route("/org/{corp_id}/members/{union_id}/role", post(set_role))
        .route(
            "/org/{corp_id}/members/{union_id}/remove",
            get(confirm_remove).post(remove),
        )
}

/// The members page, with a notice after a change or an error after a refused one.
async fn page(
    State(core): State<Arc<Core>>,
    admin: OrgAdmin,
    Query(shown): Query<Shown>,
) -> Result<Response, Error> {
    let core = &core;
    let members = memberships::members(core, admin.org.corp_id.as_str()).await?;
    let admins = members.iter().filter(|m| m.role == Role::Admin).count();
    let (members, view) = shown.view(&admin, "members", members);
    let mut rows = Vec::new();
    for (m, user) in memberships::with_users(core, members).await? {
        let is_admin = m.role == Role::Admin;
        rows.push(context! {
            union_id => m.union_id.as_str(),
            union_id_url => urlencode(m.union_id.as_str()),
            nick => user.as_ref().map(|u| u.nick.clone()).unwrap_or_default(),
            login => user.as_ref().map(|u| u.login.clone()).unwrap_or_default(),
            role => m.role.as_str(),
            is_admin => is_admin,
            is_me => m.union_id == admin.user.union_id,
            last_admin => is_admin && admins == 1,
        });
    }
    Ok(admin.render(
        core,
        shown.status(),
        "org/members.html",
        "members",
        context! { members => rows, ..view },
    ))
}

/// The add-member form.
#[derive(Debug, Deserialize)]
struct AddForm {
    #[serde(default)]
    csrf: String,
    /// Sign-in name or unionId.
    #[serde(default)]
    user: String,
    #[serde(default)]
    role: String,
}

/// `member` / `admin` from a form.
fn role(s: &str) -> Option<Role> {
    match s {
        "member" => Some(Role::Member),
        "admin" => Some(Role::Admin),
        _ => None,
    }
}

/// The members page again with "not a role" (400), for a form whose role is not one.
async fn bad_role(core: Arc<Core>, admin: OrgAdmin) -> Result<Response, Error> {
    let msg = i18n::t(admin.page.lang, "org_bad_role").to_owned();
    page(
        State(core),
        admin,
        Query(Shown::refused(StatusCode::BAD_REQUEST, msg)),
    )
    .await
}

async fn add(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    admin: OrgAdmin,
    Form(f): Form<AddForm>,
) -> Result<Response, Error> {
    if let Some(r) = admin.refuse_bad_csrf(&core, &f.csrf) {
        return Ok(r);
    }
    let Some(role) = role(&f.role) else {
        return bad_role(core, admin).await;
    };
    match memberships::add_member(&core, &origin, admin.org.corp_id.as_str(), &f.user, role).await {
        Ok(_) => Ok(admin.done("members", "member_added")),
        Err(e) => page(State(core), admin, Query(Shown::failed(e)?)).await,
    }
}

/// A form that carries only the CSRF token and, for a role change, the role.
#[derive(Debug, Deserialize)]
struct RoleForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    role: String,
}

async fn set_role(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    admin: OrgAdmin,
    Path((_, union_id)): Path<(String, String)>,
    Form(f): Form<RoleForm>,
) -> Result<Response, Error> {
    if let Some(r) = admin.refuse_bad_csrf(&core, &f.csrf) {
        return Ok(r);
    }
    let Some(role) = role(&f.role) else {
        return bad_role(core, admin).await;
    };
    if let Some(r) = not_a_member(&core, &admin, &union_id).await? {
        return Ok(r);
    }
    match memberships::set_membership(&core, &origin, admin.org.corp_id.as_str(), &union_id, role)
        .await
    {
        // Having demoted themselves, the admin can no longer see the page.
        Ok(_) if union_id == admin.user.union_id.as_str() && role != Role::Admin => {
            Ok(Redirect::to("/account").into_response())
        }
        Ok(_) => Ok(admin.done("members", "role_changed")),
        Err(e) => {
            let (status, msg) = failure(e)?;
            let shown = Shown::refused(status, last_admin_text(&admin, msg));
            page(State(core), admin, Query(shown)).await
        }
    }
}

/// The 404 page when `union_id` is not a member of this org (a role change must never add
/// someone, nor reach another org's member).
async fn not_a_member(
    core: &Core,
    admin: &OrgAdmin,
    union_id: &str,
) -> Result<Option<Response>, Error> {
    let member = match users::parse_union_id(union_id) {
        Ok(id) => crate::service::memberships::role_of(core, &admin.org.corp_id, &id)
            .await?
            .is_some(),
        Err(_) => false,
    };
    Ok((!member).then(|| {
        admin.page.error_page(
            core,
            StatusCode::NOT_FOUND,
            "not_found",
            i18n::t(admin.page.lang, "org_member_not_found"),
        )
    }))
}

/// The last-admin refusal in the page's language; other messages as the service wrote them.
fn last_admin_text(admin: &OrgAdmin, msg: String) -> String {
    if msg == memberships::LAST_ADMIN {
        i18n::t(admin.page.lang, "org_last_admin").to_owned()
    } else {
        msg
    }
}

async fn confirm_remove(
    State(core): State<Arc<Core>>,
    admin: OrgAdmin,
    Path((_, union_id)): Path<(String, String)>,
) -> Result<Response, Error> {
    if let Some(r) = not_a_member(&core, &admin, &union_id).await? {
        return Ok(r);
    }
    let nick = match users::parse_union_id(&union_id) {
        Ok(id) => users::nick_of(&core, &id).await?,
        Err(_) => None,
    }
    .unwrap_or_default();
    Ok(admin.confirm(
        &core,
        "members",
        ("org_remove_member", "org_remove"),
        (nick, &union_id),
        admin.url(&format!("members/{}/remove", urlencode(&union_id))),
    ))
}

async fn remove(
    State(core): State<Arc<Core>>,
    origin: crate::Origin,
    admin: OrgAdmin,
    Path((_, union_id)): Path<(String, String)>,
    Form(f): Form<RoleForm>,
) -> Result<Response, Error> {
    if let Some(r) = admin.refuse_bad_csrf(&core, &f.csrf) {
        return Ok(r);
    }
    if let Some(r) = not_a_member(&core, &admin, &union_id).await? {
        return Ok(r);
    }
    match memberships::remove_membership(&core, &origin, admin.org.corp_id.as_str(), &union_id)
        .await
    {
        Ok(()) if union_id == admin.user.union_id.as_str() => {
            Ok(Redirect::to("/account").into_response())
        }
        Ok(()) => Ok(admin.done("members", "member_removed")),
        Err(e) => {
            let (status, msg) = failure(e)?;
            let shown = Shown::refused(status, last_admin_text(&admin, msg));
            page(State(core), admin, Query(shown)).await
        }
    }
}
