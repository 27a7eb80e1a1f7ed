//! The org directory (通讯录): departments and members' staff profiles, declared by seed
//! files and the admin faces, and read by apps through DingTalk's `/topapi/` directory calls
//! and their older GET forms (docs/dingtalk/dingtalk-wire-2.md §D).
//!
//! Every read is made with an app token (internal app in its org, third-party app's corp
//! token in an installing org) holding the call's permission point, and sees only the token's
//! org. The personal fields follow the field points and DingTalk's masking for third-party
//! apps ([`FieldAccess`]); a field the app may not see is absent, never empty.

use std::collections::{HashMap, HashSet};

use opending_domain::{
    directory::{
        self, check_parent, parse_dept_id, parse_userid, Department, FieldAccess, Seat, Staff,
        DEPARTMENT_MEMBER_POINT, DEPARTMENT_POINT, EMAIL_POINT, MAX_DEPARTMENTS, MAX_PAGE,
        MEMBER_POINT, MOBILE_LOOKUP_POINT, MOBILE_POINT, ROOT_DEPT,
    },
    event::EventType,
    ApiError, CorpId, Distribution, ErrorCode, LegacyCode, Principal, Role, UnionId, User,
};
use opending_store::Member;
use opending_wire as wire;
use serde_json::{Map, Value};

use super::{Declared, Result};
use crate::Core;

/// A legacy parameter error with DingTalk's code for it.
fn legacy(code: LegacyCode, msg: impl Into<String>) -> super::Error {
    let msg = msg.into();
    ApiError::with_message(ErrorCode::InvalidParameter, msg.clone())
        .with_legacy(code)
        .with_legacy_message(msg)
        .into()
}

/// 400002 `无效的参数` naming the parameter.
fn bad_param(name: &str) -> super::Error {
    legacy(LegacyCode::BadParameter, format!("无效的参数: {name}"))
}

/// 40035 `不合法的参数` naming the parameter.
fn invalid_param(name: &str) -> super::Error {
    legacy(
        LegacyCode::InvalidParameter,
        format!("不合法的参数: {name}"),
    )
}

fn no_user() -> super::Error {
    ApiError::with_message(ErrorCode::NotFound, "找不到该用户")
        .with_legacy(LegacyCode::UserNotFound)
        .into()
}

fn no_dept() -> super::Error {
    ApiError::with_message(ErrorCode::NotFound, "部门不存在")
        .with_legacy(LegacyCode::DeptNotFound)
        .into()
}

/// A required integer parameter: absent → 400002, not an integer → 40035.
pub fn int_param(name: &str, value: Option<&str>) -> Result<i64> {
    let v = value.ok_or_else(|| bad_param(name))?;
    v.trim().parse().map_err(|_| invalid_param(name))
}

/// A required boolean parameter (`true`/`false`): absent → 400002, anything else → 40035.
pub fn bool_param(name: &str, value: Option<&str>) -> Result<bool> {
    match value.ok_or_else(|| bad_param(name))?.trim() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(invalid_param(name)),
    }
}

/// The app behind a token and what it may see, after checking it holds `point`.
struct Reader {
    corp: CorpId,
    access: FieldAccess,
    third_party: bool,
}

async fn reader(core: &Core, principal: &Principal, point: &str) -> Result<Reader> {
    principal.require(&[point])?;
    let app = core
        .store
        .get_app(&principal.client_id)
        .await?
        .ok_or_else(|| super::Error::Internal(anyhow::anyhow!("token's app vanished")))?;
    let third_party = app.distribution == Distribution::ThirdParty;
    Ok(Reader {
        corp: principal.corp_id.clone(),
        access: FieldAccess::new(
            third_party,
            principal.has(MOBILE_POINT),
            principal.has(EMAIL_POINT),
        ),
        third_party,
    })
}

/// `Some(value)` when the app may see it and it is set.
fn shown(allowed: bool, value: &str) -> Option<String> {
    (allowed && !value.is_empty()).then(|| value.to_owned())
}

async fn person(core: &Core, m: &Member) -> Result<User> {
    core.store
        .get_user(&m.membership.union_id)
        .await?
        .ok_or_else(|| super::Error::Internal(anyhow::anyhow!("member's user vanished")))
}

fn directory_user(m: &Member, u: &User, a: FieldAccess) -> wire::DirectoryUser {
    let s = &m.staff;
    wire::DirectoryUser {
        userid: s.userid.clone(),
        unionid: u.union_id.to_string(),
        name: u.nick.clone(),
        avatar: u.avatar_url.clone(),
        state_code: u.state_code.clone().filter(|_| a.mobile),
        mobile: u.mobile.clone().filter(|_| a.mobile),
        hide_mobile: false,
        telephone: shown(a.private, &s.telephone),
        job_number: s.job_number.clone(),
        title: s.title.clone(),
        email: u.email.clone().filter(|_| a.email),
        org_email: shown(a.email, &s.org_email),
        work_place: shown(a.email, &s.work_place),
        remark: shown(a.email, &s.remark),
        extension: shown(a.email, &s.extension),
        exclusive_account: false,
        dept_id_list: s.dept_ids(),
        dept_order_list: s
            .dept_ids()
            .into_iter()
            .map(|d| wire::DeptOrder {
                dept_id: d,
                order: s.seat(d).map_or(0, |x| x.order),
            })
            .collect(),
        hired_date: s.hired_date.filter(|_| a.private),
        active: s.active,
        real_authed: true,
        senior: false,
        admin: m.membership.role == Role::Admin,
        boss: s.boss,
        leader_in_dept: s
            .dept_ids()
            .into_iter()
            .map(|d| wire::DeptLeader {
                dept_id: d,
                leader: s.seat(d).is_some_and(|x| x.leader),
            })
            .collect(),
        role_list: match m.membership.role {
            Role::Admin => vec![wire::DirectoryRole {
                id: 1,
                name: "主管理员".into(),
                group_name: "默认".into(),
            }],
            Role::Member => Vec::new(),
        },
        manager_userid: shown(true, &s.manager_userid),
        union_emp_ext: Default::default(),
    }
}

fn listed_user(m: &Member, u: &User, a: FieldAccess, dept: i64) -> wire::ListedUser {
    let full = directory_user(m, u, a);
    let seat = m.staff.seat(dept);
    wire::ListedUser {
        userid: full.userid,
        unionid: full.unionid,
        name: full.name,
        avatar: full.avatar,
        state_code: full.state_code,
        mobile: full.mobile,
        hide_mobile: full.hide_mobile,
        telephone: full.telephone,
        job_number: full.job_number,
        title: full.title,
        email: full.email,
        org_email: full.org_email,
        work_place: full.work_place,
        remark: full.remark,
        dept_id_list: full.dept_id_list,
        dept_order: seat.map_or(0, |s| s.order),
        extension: full.extension,
        hired_date: full.hired_date,
        active: full.active,
        admin: full.admin,
        boss: full.boss,
        leader: seat.is_some_and(|s| s.leader),
        exclusive_account: a.private.then_some(false),
    }
}

/// The member a userid names in the org: 33012 when malformed, 60121 when unknown.
async fn by_userid(core: &Core, corp: &CorpId, userid: Option<&str>) -> Result<Member> {
    let userid = userid.ok_or_else(|| bad_param("userid"))?;
    let userid = parse_userid(userid).map_err(|_| {
        super::Error::from(
            ApiError::with_message(ErrorCode::InvalidParameter, "无效的USERID")
                .with_legacy(LegacyCode::InvalidUserid),
        )
    })?;
    core.store
        .member_by_userid(corp, &userid)
        .await?
        .ok_or_else(no_user)
}

/// The member a unionId names in the org (60121 when malformed or not a member).
async fn by_unionid(core: &Core, corp: &CorpId, unionid: Option<&str>) -> Result<Member> {
    let unionid = unionid.ok_or_else(|| bad_param("unionid"))?;
    let unionid = UnionId::parse(unionid).map_err(|_| no_user())?;
    core.store.member(corp, &unionid).await?.ok_or_else(no_user)
}

/// The org's departments by id, checking `dept_id` exists (the root always does).
async fn departments(core: &Core, corp: &CorpId) -> Result<HashMap<i64, Department>> {
    Ok(core
        .store
        .departments_of(corp)
        .await?
        .into_iter()
        .map(|d| (d.dept_id, d))
        .collect())
}

fn known(depts: &HashMap<i64, Department>, dept_id: i64) -> Result<()> {
    if dept_id == ROOT_DEPT || depts.contains_key(&dept_id) {
        Ok(())
    } else {
        Err(no_dept())
    }
}

/// A member's userid in an org (`None` for a non-member).
pub async fn userid_of(core: &Core, corp: &CorpId, union_id: &UnionId) -> Result<Option<String>> {
    Ok(core
        .store
        .member(corp, union_id)
        .await?
        .map(|m| m.staff.userid))
}

/// Refuses (`Conflict`) a new member of `corp` whose mobile number is another member's: in an
/// org's directory a mobile number names one member (`topapi/v2/user/getbymobile`).
pub async fn check_mobile_free(core: &Core, corp: &CorpId, user: &UnionId) -> Result<()> {
    let Some(mobile) = core.store.get_user(user).await?.and_then(|u| u.mobile) else {
        return Ok(());
    };
    match core.store.member_by_mobile(corp, &mobile).await? {
        Some(other) if other.membership.union_id != *user => Err(ApiError::with_message(
            ErrorCode::Conflict,
            format!("{user}'s mobile number is another member's in {corp}"),
        )
        .into()),
        _ => Ok(()),
    }
}

/// `topapi/user/getbyunionid`: the userid of the member with this unionId.
pub async fn userid_by_unionid(
    core: &Core,
    principal: &Principal,
    unionid: Option<&str>,
) -> Result<wire::UserIdByUnionId> {
    let r = reader(core, principal, MEMBER_POINT).await?;
    let m = by_unionid(core, &r.corp, unionid).await?;
    Ok(wire::UserIdByUnionId {
        contact_type: 0,
        userid: m.staff.userid,
    })
}

/// `topapi/v2/user/get` (and the older `/user/get`): a member's profile.
pub async fn user(
    core: &Core,
    principal: &Principal,
    userid: Option<&str>,
) -> Result<wire::DirectoryUser> {
    let r = reader(core, principal, MEMBER_POINT).await?;
    user_as(core, &r, userid).await
}

async fn user_as(core: &Core, r: &Reader, userid: Option<&str>) -> Result<wire::DirectoryUser> {
    let m = by_userid(core, &r.corp, userid).await?;
    let u = person(core, &m).await?;
    Ok(directory_user(&m, &u, r.access))
}

/// The older `/user/get`: the same member, with the older names at the top level.
pub async fn user_legacy(
    core: &Core,
    principal: &Principal,
    userid: Option<&str>,
) -> Result<wire::UserGetLegacy> {
    Ok(legacy_user(user(core, principal, userid).await?))
}

/// A member of `corp` as a third-party app's `user_modify_org` event carries it (DingTalk sends
/// those apps the whole user, in `/user/get`'s shape): what a third-party app may see, so never
/// the mobile number or email.
pub async fn user_for_third_party_event(
    core: &Core,
    corp: &CorpId,
    userid: &str,
) -> Result<wire::UserGetLegacy> {
    let r = Reader {
        corp: corp.clone(),
        access: FieldAccess::new(true, false, false),
        third_party: true,
    };
    Ok(legacy_user(user_as(core, &r, Some(userid)).await?))
}

fn legacy_user(u: wire::DirectoryUser) -> wire::UserGetLegacy {
    let order: serde_json::Map<String, serde_json::Value> = u
        .dept_order_list
        .iter()
        .map(|o| (o.dept_id.to_string(), o.order.into()))
        .collect();
    let leader: serde_json::Map<String, serde_json::Value> = u
        .leader_in_dept
        .iter()
        .map(|l| (l.dept_id.to_string(), l.leader.into()))
        .collect();
    wire::UserGetLegacy {
        errcode: 0,
        errmsg: "ok".into(),
        userid: u.userid,
        unionid: u.unionid,
        name: u.name,
        avatar: u.avatar,
        position: u.title,
        jobnumber: u.job_number,
        mobile: u.mobile,
        state_code: u.state_code,
        email: u.email,
        org_email: u.org_email,
        work_place: u.work_place,
        remark: u.remark,
        tel: u.telephone,
        hired_date: u.hired_date,
        manager_userid: u.manager_userid,
        department: u.dept_id_list,
        order_in_depts: serde_json::Value::Object(order).to_string(),
        is_leader_in_depts: serde_json::Value::Object(leader).to_string(),
        is_admin: u.admin,
        is_boss: u.boss,
        is_hide: false,
        is_senior: false,
        active: u.active,
        real_authed: u.real_authed,
    }
}

/// The paging of `topapi/v2/user/list`.
#[derive(Debug, Clone, Copy)]
pub struct Page {
    /// Where to start (0, then `next_cursor`).
    pub cursor: i64,
    /// How many (1 to [`MAX_PAGE`]).
    pub size: i64,
}

/// The order fields `topapi/v2/user/list` accepts. opending keeps one order per department
/// (the seats' order, then userid) and answers every accepted field with it.
const ORDER_FIELDS: [&str; 5] = [
    "entry_asc",
    "entry_desc",
    "modify_asc",
    "modify_desc",
    "custom",
];

/// `topapi/v2/user/list`: a department's direct members, a page at a time.
pub async fn list_users(
    core: &Core,
    principal: &Principal,
    dept_id: i64,
    page: Page,
    order_field: Option<&str>,
) -> Result<wire::UserPage> {
    let r = reader(core, principal, DEPARTMENT_MEMBER_POINT).await?;
    if parse_dept_id(dept_id).is_err() {
        return Err(invalid_param("dept_id"));
    }
    if !(0..=i64::from(i32::MAX)).contains(&page.cursor) {
        return Err(invalid_param("cursor"));
    }
    if !(1..=MAX_PAGE).contains(&page.size) {
        return Err(invalid_param("size"));
    }
    if order_field.is_some_and(|o| !ORDER_FIELDS.contains(&o)) {
        return Err(invalid_param("order_field"));
    }
    known(&departments(core, &r.corp).await?, dept_id)?;
    // One more than the page tells whether there is a next one.
    let mut found = core
        .store
        .members_in_dept(&r.corp, dept_id, page.cursor, page.size + 1)
        .await?;
    let has_more = found.len() as i64 > page.size;
    found.truncate(page.size as usize);
    let mut list = Vec::with_capacity(found.len());
    for m in &found {
        list.push(listed_user(m, &person(core, m).await?, r.access, dept_id));
    }
    Ok(wire::UserPage {
        has_more,
        next_cursor: has_more.then_some(page.cursor + page.size),
        list,
    })
}

/// `topapi/user/listid`: the userids of a department's direct members.
pub async fn list_user_ids(
    core: &Core,
    principal: &Principal,
    dept_id: i64,
) -> Result<wire::UserIdList> {
    let r = reader(core, principal, MEMBER_POINT).await?;
    if parse_dept_id(dept_id).is_err() {
        return Err(invalid_param("dept_id"));
    }
    known(&departments(core, &r.corp).await?, dept_id)?;
    let members = core
        .store
        .members_in_dept(&r.corp, dept_id, 0, i64::MAX / 2)
        .await?;
    Ok(wire::UserIdList {
        userid_list: members.into_iter().map(|m| m.staff.userid).collect(),
    })
}

/// `topapi/v2/user/getbymobile`: the userid of the active member with this mobile (internal
/// apps only).
pub async fn userid_by_mobile(
    core: &Core,
    principal: &Principal,
    mobile: Option<&str>,
) -> Result<wire::UserIdOnly> {
    let r = reader(core, principal, MOBILE_LOOKUP_POINT).await?;
    if r.third_party {
        return Err(ApiError::permission_denied([MOBILE_LOOKUP_POINT.to_owned()]).into());
    }
    let mobile = mobile.ok_or_else(|| bad_param("mobile"))?.trim();
    if !(5..=20).contains(&mobile.len()) || !mobile.bytes().all(|b| b.is_ascii_digit()) {
        return Err(
            ApiError::with_message(ErrorCode::InvalidParameter, "企业中无效的手机号")
                .with_legacy(LegacyCode::InvalidMobile)
                .into(),
        );
    }
    let m = core
        .store
        .member_by_mobile(&r.corp, mobile)
        .await?
        .ok_or_else(no_user)?;
    Ok(wire::UserIdOnly {
        userid: m.staff.userid,
    })
}

/// `topapi/user/count`: how many members the org has.
pub async fn count(
    core: &Core,
    principal: &Principal,
    only_active: bool,
) -> Result<wire::UserCount> {
    let r = reader(core, principal, MEMBER_POINT).await?;
    Ok(wire::UserCount {
        count: core.store.count_members(&r.corp, only_active).await?,
    })
}

/// `topapi/v2/department/listsub`: a department's child departments (the root's by default).
pub async fn list_sub(
    core: &Core,
    principal: &Principal,
    dept_id: Option<i64>,
) -> Result<Vec<wire::SubDepartment>> {
    let r = reader(core, principal, DEPARTMENT_POINT).await?;
    let dept_id = dept_id.unwrap_or(ROOT_DEPT);
    let depts = departments(core, &r.corp).await?;
    known(&depts, dept_id)?;
    let mut children: Vec<&Department> =
        depts.values().filter(|d| d.parent_id == dept_id).collect();
    children.sort_by_key(|d| (d.order, d.dept_id));
    Ok(children
        .into_iter()
        .map(|d| wire::SubDepartment {
            auto_add_user: true,
            create_dept_group: false,
            dept_id: d.dept_id,
            name: d.name.clone(),
            parent_id: d.parent_id,
        })
        .collect())
}

/// `topapi/v2/department/listsubid`: the ids of a department's child departments.
pub async fn list_sub_ids(
    core: &Core,
    principal: &Principal,
    dept_id: i64,
) -> Result<wire::DeptIdList> {
    Ok(wire::DeptIdList {
        dept_id_list: list_sub(core, principal, Some(dept_id))
            .await?
            .into_iter()
            .map(|d| d.dept_id)
            .collect(),
    })
}

/// `topapi/v2/department/get`: one department (the root is the org).
pub async fn department(
    core: &Core,
    principal: &Principal,
    dept_id: i64,
) -> Result<wire::DepartmentDetail> {
    let r = reader(core, principal, DEPARTMENT_POINT).await?;
    let depts = departments(core, &r.corp).await?;
    known(&depts, dept_id)?;
    let direct = core
        .store
        .members_in_dept(&r.corp, dept_id, 0, i64::MAX / 2)
        .await?
        .len() as i64;
    // Members below: every member sitting in the department or one under it.
    let below: HashSet<i64> = descendants(&depts, dept_id);
    let member_count = if dept_id == ROOT_DEPT {
        core.store.count_members(&r.corp, false).await?
    } else {
        let mut n = 0;
        for d in &below {
            n += core
                .store
                .members_in_dept(&r.corp, *d, 0, i64::MAX / 2)
                .await?
                .len() as i64;
        }
        n
    };
    let (name, parent_id, order, managers) = match depts.get(&dept_id) {
        Some(d) => (
            d.name.clone(),
            Some(d.parent_id),
            d.order,
            d.managers.clone(),
        ),
        None => {
            let org =
                core.store.get_org(&r.corp).await?.ok_or_else(|| {
                    super::Error::Internal(anyhow::anyhow!("token's org vanished"))
                })?;
            (org.name, None, 0, Vec::new())
        }
    };
    Ok(wire::DepartmentDetail {
        dept_id,
        name,
        parent_id,
        order,
        create_dept_group: false,
        auto_add_user: true,
        group_contain_sub_dept: false,
        dept_manager_userid_list: managers,
        outer_dept: false,
        hide_dept: false,
        auto_approve_apply: false,
        member_count,
        owning_member_count: direct,
        brief: String::new(),
    })
}

/// `dept_id` and every department under it.
fn descendants(depts: &HashMap<i64, Department>, dept_id: i64) -> HashSet<i64> {
    let mut out = HashSet::from([dept_id]);
    let mut grew = true;
    while grew {
        grew = false;
        for d in depts.values() {
            if out.contains(&d.parent_id) && out.insert(d.dept_id) {
                grew = true;
            }
        }
    }
    out
}

/// `topapi/v2/department/listparentbyuser`: for each of the member's departments, the path up
/// to the root (the department first).
pub async fn parents_of_user(
    core: &Core,
    principal: &Principal,
    userid: Option<&str>,
) -> Result<wire::ParentPaths> {
    let r = reader(core, principal, DEPARTMENT_POINT).await?;
    let m = by_userid(core, &r.corp, userid).await?;
    let depts = departments(core, &r.corp).await?;
    let parent_list = m
        .staff
        .dept_ids()
        .into_iter()
        .map(|d| {
            let mut path = vec![d];
            let mut at = d;
            while let Some(p) = depts.get(&at).map(|x| x.parent_id) {
                path.push(p);
                if p == ROOT_DEPT || path.len() > depts.len() + 1 {
                    break;
                }
                at = p;
            }
            wire::ParentPath {
                parent_dept_id_list: path,
            }
        })
        .collect();
    Ok(wire::ParentPaths { parent_list })
}

// ---- Declaring the directory (seed files; the admin faces call the same checks) ----

/// A department as a seed file or the admin faces give it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DepartmentInput {
    /// Its id (greater than 1).
    pub dept_id: i64,
    /// Its name.
    pub name: String,
    /// Its parent (default 1, the org).
    #[serde(default = "root")]
    pub parent_id: i64,
    /// Its place among its siblings.
    #[serde(default)]
    pub order: i64,
    /// Its managers' userids.
    #[serde(default)]
    pub managers: Vec<String>,
}

fn root() -> i64 {
    ROOT_DEPT
}

/// Declares an org's departments (parents may come after their children in `input`): each is
/// created or brought to the given state. The tree is checked as a whole first, so a refused
/// declaration changes nothing.
pub async fn declare_departments(
    core: &Core,
    corp: &CorpId,
    input: &[DepartmentInput],
) -> Result<Vec<(i64, Declared)>> {
    let existing = departments(core, corp).await?;
    let mut parents: HashMap<i64, i64> = existing.iter().map(|(k, d)| (*k, d.parent_id)).collect();
    let mut wanted = Vec::with_capacity(input.len());
    for d in input {
        let dept = Department {
            corp_id: corp.clone(),
            dept_id: d.dept_id,
            name: d.name.trim().to_owned(),
            parent_id: d.parent_id,
            order: d.order,
            managers: d.managers.clone(),
        };
        directory::validate_department(&dept)
            .map_err(|e| super::bad(format!("department {}: {e}", d.dept_id)))?;
        parents.insert(dept.dept_id, dept.parent_id);
        wanted.push(dept);
    }
    if parents.len() > MAX_DEPARTMENTS {
        return Err(super::bad(format!(
            "an org holds at most {MAX_DEPARTMENTS} departments"
        )));
    }
    for d in &wanted {
        let mut others = parents.clone();
        others.remove(&d.dept_id);
        others.insert(d.dept_id, d.parent_id);
        check_parent(&others, d.dept_id, d.parent_id)
            .map_err(|e| super::bad(format!("department {}: {e}", d.dept_id)))?;
    }
    // Parents first, so a child never refers to a department not yet stored.
    let mut ordered = Vec::with_capacity(wanted.len());
    let mut placed: HashSet<i64> = existing.keys().copied().collect();
    placed.insert(ROOT_DEPT);
    let mut pending = wanted;
    while !pending.is_empty() {
        let before = pending.len();
        let (ready, rest): (Vec<_>, Vec<_>) = pending
            .into_iter()
            .partition(|d| placed.contains(&d.parent_id));
        for d in ready {
            placed.insert(d.dept_id);
            ordered.push(d);
        }
        pending = rest;
        if pending.len() == before {
            return Err(super::bad("the departments' parents form a cycle"));
        }
    }
    let mut out = Vec::with_capacity(ordered.len());
    for d in ordered {
        let declared = match existing.get(&d.dept_id) {
            None => Declared::Created,
            Some(old) if *old == d => Declared::Unchanged,
            Some(_) => Declared::Updated(vec!["department"]),
        };
        if declared != Declared::Unchanged {
            core.store.put_department(&d).await?;
        }
        out.push((d.dept_id, declared));
    }
    Ok(out)
}

/// A member's staff profile as a seed file or the admin faces give it; fields left out keep
/// their current value.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StaffInput {
    /// The org-scoped userid.
    #[serde(default)]
    pub userid: Option<String>,
    /// 职位.
    #[serde(default)]
    pub title: Option<String>,
    /// 工号.
    #[serde(default)]
    pub job_number: Option<String>,
    /// 办公地点.
    #[serde(default)]
    pub work_place: Option<String>,
    /// 备注.
    #[serde(default)]
    pub remark: Option<String>,
    /// 扩展属性: a JSON object as text.
    #[serde(default)]
    pub extension: Option<String>,
    /// 企业邮箱.
    #[serde(default)]
    pub org_email: Option<String>,
    /// 分机号.
    #[serde(default)]
    pub telephone: Option<String>,
    /// 入职时间, Unix milliseconds.
    #[serde(default)]
    pub hired_date: Option<i64>,
    /// 老板.
    #[serde(default)]
    pub boss: Option<bool>,
    /// The direct manager's userid (`""` for none).
    #[serde(default)]
    pub manager_userid: Option<String>,
    /// Activated.
    #[serde(default)]
    pub active: Option<bool>,
    /// The departments (`[]`: the root only).
    #[serde(default)]
    pub departments: Option<Vec<Seat>>,
}

impl StaffInput {
    /// Whether the input sets nothing.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// `current` with the given fields replaced.
    fn apply(&self, current: &Staff) -> Staff {
        let pick = |v: &Option<String>, old: &String| v.clone().unwrap_or_else(|| old.clone());
        Staff {
            userid: pick(&self.userid, &current.userid).trim().to_owned(),
            title: pick(&self.title, &current.title),
            job_number: pick(&self.job_number, &current.job_number),
            work_place: pick(&self.work_place, &current.work_place),
            remark: pick(&self.remark, &current.remark),
            extension: pick(&self.extension, &current.extension),
            org_email: pick(&self.org_email, &current.org_email),
            telephone: pick(&self.telephone, &current.telephone),
            hired_date: self.hired_date.or(current.hired_date),
            boss: self.boss.unwrap_or(current.boss),
            manager_userid: pick(&self.manager_userid, &current.manager_userid),
            active: self.active.unwrap_or(current.active),
            seats: match &self.departments {
                // The root is where a member with no other seat sits: not stored as a seat.
                Some(seats) => seats
                    .iter()
                    .copied()
                    .filter(|s| s.dept_id != ROOT_DEPT)
                    .collect(),
                None => current.seats.clone(),
            },
        }
    }
}

/// Sets a member's staff profile: checks the fields, that the departments exist and that the
/// userid is not another member's (`Conflict`). Answers whether anything changed.
pub async fn declare_staff(
    core: &Core,
    corp: &CorpId,
    union_id: &UnionId,
    input: &StaffInput,
) -> Result<bool> {
    let current = core
        .store
        .member(corp, union_id)
        .await?
        .ok_or_else(|| super::not_found(format!("{union_id} is not a member of {corp}")))?;
    let staff = input.apply(&current.staff);
    staff.validate().map_err(super::bad)?;
    if staff == current.staff {
        return Ok(false);
    }
    let depts = departments(core, corp).await?;
    for s in &staff.seats {
        if !depts.contains_key(&s.dept_id) {
            return Err(super::bad(format!(
                "department {} does not exist in {corp}",
                s.dept_id
            )));
        }
    }
    if staff.userid != current.staff.userid {
        if let Some(other) = core.store.member_by_userid(corp, &staff.userid).await? {
            if other.membership.union_id != *union_id {
                return Err(ApiError::with_message(
                    ErrorCode::Conflict,
                    format!("userid {} is another member's in {corp}", staff.userid),
                )
                .into());
            }
        }
    }
    core.store.set_staff(corp, union_id, &staff).await?;
    Ok(true)
}

/// The profile fields that differ between `before` and `after`, as `user_modify_org`'s
/// `diffInfo` shows them (camelCase, DingTalk's names where it has them).
fn staff_diff(before: &Staff, after: &Staff) -> (Map<String, Value>, Map<String, Value>) {
    let as_map = |s: &Staff| match serde_json::to_value(s) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    let (b, a) = (as_map(before), as_map(after));
    let mut prev = Map::new();
    let mut curr = Map::new();
    for (k, v) in &a {
        if b.get(k) != Some(v) {
            let name = match k.as_str() {
                "title" => "position",
                "orgEmail" => "email",
                "seats" => "department",
                other => other,
            };
            let shown = |v: &Value| {
                if k == "seats" {
                    let ids: Vec<Value> = v
                        .as_array()
                        .map(|seats| {
                            seats
                                .iter()
                                .filter_map(|s| s.get("deptId").cloned())
                                .collect()
                        })
                        .unwrap_or_default();
                    Value::Array(ids)
                } else {
                    v.clone()
                }
            };
            prev.insert(name.to_owned(), b.get(k).map(shown).unwrap_or(Value::Null));
            curr.insert(name.to_owned(), shown(v));
        }
    }
    (prev, curr)
}

// ---- Managing the directory (admin API, CLI, org pages): an org's admins or the platform ----

/// A department as the admin faces show it.
pub type DepartmentView = DepartmentInput;

fn view(d: &Department) -> DepartmentView {
    DepartmentInput {
        dept_id: d.dept_id,
        name: d.name.clone(),
        parent_id: d.parent_id,
        order: d.order,
        managers: d.managers.clone(),
    }
}

/// An org's departments (the root, 1, is the org and not listed), by parent, order, id.
pub async fn list_departments(
    core: &Core,
    origin: &crate::Origin,
    corp_id: &str,
) -> Result<Vec<DepartmentView>> {
    let corp = super::parse_corp_id(corp_id)?;
    super::policy::org_to_administer(core, origin, &corp).await?;
    Ok(core
        .store
        .departments_of(&corp)
        .await?
        .iter()
        .map(view)
        .collect())
}

/// Creates or changes one department (a move is a change of `parentId`); the tree stays a tree.
pub async fn put_department(
    core: &Core,
    origin: &crate::Origin,
    corp_id: &str,
    input: DepartmentInput,
) -> Result<DepartmentView> {
    let corp = super::parse_corp_id(corp_id)?;
    super::policy::org_to_administer(core, origin, &corp).await?;
    if core.store.get_org(&corp).await?.is_none() {
        return Err(super::not_found(format!("org {corp} does not exist")));
    }
    let declared = declare_departments(core, &corp, std::slice::from_ref(&input)).await?;
    for (id, d) in &declared {
        let kind = match d {
            Declared::Created => EventType::OrgDeptCreate,
            Declared::Updated(_) => EventType::OrgDeptModify,
            Declared::Unchanged => continue,
        };
        super::events::departments_changed(core, &corp, kind, &[*id]).await?;
    }
    if declared.iter().any(|(_, d)| *d != Declared::Unchanged) {
        let event = super::audit::admin_action(core, origin, "put_department")
            .org(&corp)
            .detail("department", input.dept_id);
        super::audit::record(core, origin, event).await?;
    }
    let stored = core
        .store
        .departments_of(&corp)
        .await?
        .into_iter()
        .find(|d| d.dept_id == input.dept_id)
        .ok_or_else(|| super::Error::Internal(anyhow::anyhow!("department vanished")))?;
    Ok(view(&stored))
}

/// Removes a department: refused (`Conflict`) while it has child departments or members.
pub async fn delete_department(
    core: &Core,
    origin: &crate::Origin,
    corp_id: &str,
    dept_id: i64,
) -> Result<()> {
    let corp = super::parse_corp_id(corp_id)?;
    super::policy::org_to_administer(core, origin, &corp).await?;
    let depts = departments(core, &corp).await?;
    if !depts.contains_key(&dept_id) {
        return Err(super::not_found(format!("department {dept_id} of {corp}")));
    }
    let conflict =
        |msg: String| -> super::Error { ApiError::with_message(ErrorCode::Conflict, msg).into() };
    if depts.values().any(|d| d.parent_id == dept_id) {
        return Err(conflict(format!(
            "department {dept_id} has departments under it: move or remove them first"
        )));
    }
    if !core
        .store
        .members_in_dept(&corp, dept_id, 0, 1)
        .await?
        .is_empty()
    {
        return Err(conflict(format!(
            "department {dept_id} has members: move them first"
        )));
    }
    core.store.delete_department(&corp, dept_id).await?;
    super::events::departments_changed(core, &corp, EventType::OrgDeptRemove, &[dept_id]).await?;
    let event = super::audit::admin_action(core, origin, "delete_department")
        .org(&corp)
        .detail("department", dept_id);
    super::audit::record(core, origin, event).await?;
    Ok(())
}

/// A member's staff profile.
pub async fn profile(
    core: &Core,
    origin: &crate::Origin,
    corp_id: &str,
    union_id: &str,
) -> Result<Staff> {
    let corp = super::parse_corp_id(corp_id)?;
    super::policy::org_to_administer(core, origin, &corp).await?;
    let user = super::users::parse_union_id(union_id)?;
    Ok(core
        .store
        .member(&corp, &user)
        .await?
        .ok_or_else(|| super::not_found(format!("{user} is not a member of {corp}")))?
        .staff)
}

/// Changes a member's staff profile (the fields given); answers the profile.
pub async fn set_profile(
    core: &Core,
    origin: &crate::Origin,
    corp_id: &str,
    union_id: &str,
    input: &StaffInput,
) -> Result<Staff> {
    let corp = super::parse_corp_id(corp_id)?;
    super::policy::org_to_administer(core, origin, &corp).await?;
    let user = super::users::parse_union_id(union_id)?;
    let before = core.store.member(&corp, &user).await?.map(|m| m.staff);
    if declare_staff(core, &corp, &user, input).await? {
        if let (Some(before), Some(after)) = (
            before,
            core.store.member(&corp, &user).await?.map(|m| m.staff),
        ) {
            let (prev, curr) = staff_diff(&before, &after);
            super::events::member_changed(core, &corp, &after.userid, prev, curr).await?;
        }
        let event = super::audit::admin_action(core, origin, "set_profile")
            .org(&corp)
            .detail("user", &user);
        super::audit::record(core, origin, event).await?;
    }
    profile(core, origin, corp_id, union_id).await
}
