//! The org's directory (通讯录): departments (add, rename, move, remove) and each member's staff
//! profile (userid, title, departments, manager…), through `service::directory` — the same
//! functions the admin API and the CLI call.

use std::{collections::HashMap, sync::Arc};

use axum::{
    extract::{Form, Path, Query, State},
    http::StatusCode,
    response::Response,
    routing::{get, post},
    Router,
};
use minijinja::context;
use opending_domain::directory::{Seat, ROOT_DEPT};
use serde::Deserialize;

use super::{urlencode, OrgAdmin, Shown};
use crate::{
    http::pages::i18n,
    service::{
        directory::{self, DepartmentInput, DepartmentView, StaffInput},
        memberships, Error,
    },
    Core,
};

/// Routes.
pub fn router() -> Router<Arc<Core>> {
    Router::new()
        .route("/org/{corp_id}/directory", get(page))
        .route("/org/{corp_id}/directory/departments", post(put_department))
        .route(
            "/org/{corp_id}/directory/departments/{dept_id}/remove",
            post(remove_department),
        )
        .route(
            "/org/{corp_id}/directory/members/{union_id}",
            get(member_page).post(save_member),
        )
}

/// Each department's path from the root (`研发部 / 平台组`).
fn paths(depts: &[DepartmentView]) -> HashMap<i64, String> {
    let by_id: HashMap<i64, &DepartmentView> = depts.iter().map(|d| (d.dept_id, d)).collect();
    depts
        .iter()
        .map(|d| {
            let mut names = vec![d.name.clone()];
            let mut at = d.parent_id;
            while let Some(p) = by_id.get(&at) {
                names.push(p.name.clone());
                if names.len() > depts.len() {
                    break;
                }
                at = p.parent_id;
            }
            names.reverse();
            (d.dept_id, names.join(" / "))
        })
        .collect()
}

async fn page(
    State(core): State<Arc<Core>>,
    admin: OrgAdmin,
    Query(shown): Query<Shown>,
) -> Result<Response, Error> {
    show(&core, &admin, shown).await
}

async fn show(core: &Core, admin: &OrgAdmin, shown: Shown) -> Result<Response, Error> {
    let corp = admin.org.corp_id.as_str();
    let mut depts = directory::list_departments(core, &admin.page.origin, corp).await?;
    let names = paths(&depts);
    depts.sort_by(|a, b| names[&a.dept_id].cmp(&names[&b.dept_id]));
    let mut parents = vec![context! { dept_id => ROOT_DEPT, path => admin.org.name.clone() }];
    parents.extend(depts.iter().map(|d| {
        context! { dept_id => d.dept_id, path => format!("{} / {}", admin.org.name, names[&d.dept_id]) }
    }));
    let departments: Vec<_> = depts
        .iter()
        .map(|d| {
            context! {
                dept_id => d.dept_id, name => d.name.clone(), parent_id => d.parent_id,
                order => d.order, managers => d.managers.join(", "), path => names[&d.dept_id].clone(),
            }
        })
        .collect();
    let mut members = Vec::new();
    let list = memberships::members(core, corp).await?;
    for (m, user) in memberships::with_users(core, list).await? {
        let staff = directory::profile(core, &admin.page.origin, corp, m.union_id.as_str()).await?;
        let seats: Vec<String> = staff
            .dept_ids()
            .into_iter()
            .map(|d| {
                names
                    .get(&d)
                    .cloned()
                    .unwrap_or_else(|| admin.org.name.clone())
            })
            .collect();
        members.push(context! {
            union_id => m.union_id.as_str(), union_id_url => urlencode(m.union_id.as_str()),
            nick => user.map(|u| u.nick).unwrap_or_default(), userid => staff.userid,
            title => staff.title, departments => seats.join(", "),
        });
    }
    let (_, view) = shown.view(admin, "directory", Vec::<()>::new());
    Ok(admin.render(
        core,
        shown.status(),
        "org/directory.html",
        "directory",
        context! { departments => departments, parents => parents, members => members, ..view },
    ))
}

/// The add-or-change department form.
#[derive(Debug, Deserialize)]
struct DepartmentForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    dept_id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    parent_id: String,
    #[serde(default)]
    order: String,
    #[serde(default)]
    managers: String,
}

/// Comma-separated values, trimmed, empty ones dropped.
fn list(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The refusal of a number that is not one.
fn not_a_number(admin: &OrgAdmin, what: &str) -> Shown {
    Shown::refused(
        StatusCode::BAD_REQUEST,
        format!("{}: {what}", i18n::t(admin.page.lang, "org_not_a_number")),
    )
}

async fn put_department(
    State(core): State<Arc<Core>>,
    admin: OrgAdmin,
    Form(f): Form<DepartmentForm>,
) -> Result<Response, Error> {
    if let Some(r) = admin.refuse_bad_csrf(&core, &f.csrf) {
        return Ok(r);
    }
    let (Ok(dept_id), Ok(parent_id)) = (f.dept_id.trim().parse(), f.parent_id.trim().parse())
    else {
        return show(&core, &admin, not_a_number(&admin, "ID")).await;
    };
    let input = DepartmentInput {
        dept_id,
        name: f.name,
        parent_id,
        order: f.order.trim().parse().unwrap_or(0),
        managers: list(&f.managers),
    };
    match directory::put_department(&core, &admin.page.origin, admin.org.corp_id.as_str(), input)
        .await
    {
        Ok(_) => Ok(admin.done("directory", "department_saved")),
        Err(e) => show(&core, &admin, Shown::failed(e)?).await,
    }
}

async fn remove_department(
    State(core): State<Arc<Core>>,
    admin: OrgAdmin,
    Path((_, dept_id)): Path<(String, String)>,
    Form(f): Form<super::CsrfForm>,
) -> Result<Response, Error> {
    if let Some(r) = admin.refuse_bad_csrf(&core, &f.csrf) {
        return Ok(r);
    }
    let Ok(dept_id) = dept_id.parse() else {
        return show(&core, &admin, not_a_number(&admin, "ID")).await;
    };
    match directory::delete_department(
        &core,
        &admin.page.origin,
        admin.org.corp_id.as_str(),
        dept_id,
    )
    .await
    {
        Ok(()) => Ok(admin.done("directory", "department_removed")),
        Err(e) => show(&core, &admin, Shown::failed(e)?).await,
    }
}

/// The profile form's fields: (form name, i18n key, max length).
const FIELDS: [(&str, &str, usize); 8] = [
    ("userid", "org_userid", 64),
    ("title", "org_title", 200),
    ("job_number", "org_job_number", 200),
    ("work_place", "org_work_place", 200),
    ("org_email", "org_org_email", 200),
    ("telephone", "org_telephone", 200),
    ("manager_userid", "org_manager", 64),
    ("remark", "org_remark", 200),
];

async fn member_page(
    State(core): State<Arc<Core>>,
    admin: OrgAdmin,
    Path((_, union_id)): Path<(String, String)>,
) -> Result<Response, Error> {
    show_member(&core, &admin, &union_id, None, StatusCode::OK).await
}

async fn show_member(
    core: &Core,
    admin: &OrgAdmin,
    union_id: &str,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, Error> {
    let corp = admin.org.corp_id.as_str();
    let staff = match directory::profile(core, &admin.page.origin, corp, union_id).await {
        Ok(s) => s,
        Err(e) => {
            let (status, message) = super::failure(e)?;
            return Ok(admin.page.error_page(core, status, "error", &message));
        }
    };
    let nick = match opending_domain::UnionId::parse(union_id) {
        Ok(u) => crate::service::users::nick_of(core, &u).await?,
        Err(_) => None,
    };
    let value = |name: &str| match name {
        "userid" => staff.userid.clone(),
        "title" => staff.title.clone(),
        "job_number" => staff.job_number.clone(),
        "work_place" => staff.work_place.clone(),
        "org_email" => staff.org_email.clone(),
        "telephone" => staff.telephone.clone(),
        "manager_userid" => staff.manager_userid.clone(),
        _ => staff.remark.clone(),
    };
    let fields: Vec<_> = FIELDS
        .iter()
        .map(|(name, key, max)| {
            context! { name => *name, label => i18n::t(admin.page.lang, key), value => value(name), max => *max }
        })
        .collect();
    let departments = staff
        .seats
        .iter()
        .map(|s| s.dept_id.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    Ok(admin.render(
        core,
        status,
        "org/directory_member.html",
        "directory",
        context! {
            member => context! {
                union_id => union_id, union_id_url => urlencode(union_id),
                nick => nick.unwrap_or_default(),
                departments => departments, boss => staff.boss, active => staff.active,
            },
            fields => fields,
            form_error => error,
        },
    ))
}

/// The profile form.
#[derive(Debug, Deserialize)]
struct ProfileForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    userid: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    job_number: String,
    #[serde(default)]
    work_place: String,
    #[serde(default)]
    org_email: String,
    #[serde(default)]
    telephone: String,
    #[serde(default)]
    manager_userid: String,
    #[serde(default)]
    remark: String,
    #[serde(default)]
    departments: String,
    /// Present (`on`) when ticked.
    #[serde(default)]
    boss: Option<String>,
    /// Present (`on`) when ticked.
    #[serde(default)]
    active: Option<String>,
}

async fn save_member(
    State(core): State<Arc<Core>>,
    admin: OrgAdmin,
    Path((_, union_id)): Path<(String, String)>,
    Form(f): Form<ProfileForm>,
) -> Result<Response, Error> {
    if let Some(r) = admin.refuse_bad_csrf(&core, &f.csrf) {
        return Ok(r);
    }
    let mut seats = Vec::new();
    for id in list(&f.departments) {
        let Ok(dept_id) = id.parse() else {
            let msg = format!("{}: {id}", i18n::t(admin.page.lang, "org_not_a_number"));
            return show_member(&core, &admin, &union_id, Some(msg), StatusCode::BAD_REQUEST).await;
        };
        seats.push(Seat {
            dept_id,
            order: 0,
            leader: false,
        });
    }
    let input = StaffInput {
        userid: Some(f.userid),
        title: Some(f.title),
        job_number: Some(f.job_number),
        work_place: Some(f.work_place),
        org_email: Some(f.org_email),
        telephone: Some(f.telephone),
        manager_userid: Some(f.manager_userid),
        remark: Some(f.remark),
        boss: Some(f.boss.is_some()),
        active: Some(f.active.is_some()),
        departments: Some(seats),
        ..StaffInput::default()
    };
    let corp = admin.org.corp_id.as_str();
    match directory::set_profile(&core, &admin.page.origin, corp, &union_id, &input).await {
        Ok(_) => Ok(admin.done("directory", "profile_saved")),
        Err(e) => {
            let (status, message) = super::failure(e)?;
            show_member(&core, &admin, &union_id, Some(message), status).await
        }
    }
}
