//! The org directory (DingTalk's 通讯录): departments as a tree under the org, and each member's
//! staff profile — the org-scoped `userid`, title, job number, departments, manager — as the
//! directory reads (docs/dingtalk/dingtalk-wire-2.md §D) return them. The person (unionId,
//! name, mobile, email) is the [`User`](crate::User); the profile is per membership.

use rand::{Rng, RngCore};
use serde::{Deserialize, Serialize};

use crate::{CorpId, Role};

/// The root department: the org itself (`dept_id` 1, never stored, never removed).
pub const ROOT_DEPT: i64 = 1;

/// The most departments one org may hold (a bound on what a caller can make the server keep).
pub const MAX_DEPARTMENTS: usize = 10_000;

/// The most departments one member may sit in.
pub const MAX_SEATS: usize = 100;

/// The largest page the directory listings answer (`size` of `topapi/v2/user/list`): DingTalk's
/// documented maximum for the listings (100).
pub const MAX_PAGE: i64 = 100;

/// Longest `extension` (JSON text), as DingTalk documents it.
pub const MAX_EXTENSION: usize = 2000;

/// Longest free-text profile field (title, job number, work place, remark, …), in characters.
pub const MAX_FIELD: usize = 200;

/// A department id: a positive integer; 1 is the org's root.
pub fn parse_dept_id(id: i64) -> Result<i64, String> {
    if id >= 1 {
        Ok(id)
    } else {
        Err(format!("department id {id} must be a positive integer"))
    }
}

/// A fresh department id in DingTalk's shape (nine digits, e.g. `379661095`).
pub fn generate_dept_id(rng: &mut (impl RngCore + ?Sized)) -> i64 {
    rng.gen_range(100_000_000..1_000_000_000)
}

/// Checks a userid set by hand (seed file, admin API, org pages): 1 to 64 ASCII letters,
/// digits, `_`, `-` or `.` — DingTalk's userids are such strings (`manager4220`, `0447…`).
pub fn parse_userid(s: &str) -> Result<String, String> {
    let s = s.trim();
    if (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
    {
        Ok(s.to_owned())
    } else {
        Err(format!(
            "userid {s:?} must be 1 to 64 ASCII letters, digits, '_', '-' or '.'"
        ))
    }
}

/// A department of an org (never the root, which is the org).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Department {
    /// The org.
    pub corp_id: CorpId,
    /// Its id (> 1).
    pub dept_id: i64,
    /// Its name.
    pub name: String,
    /// Its parent (1 for a top-level department).
    pub parent_id: i64,
    /// Its place among its siblings (smaller first).
    pub order: i64,
    /// The userids of its managers (主管).
    pub managers: Vec<String>,
}

/// A member's seat in a department.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Seat {
    /// The department (1: the root).
    pub dept_id: i64,
    /// The member's place in it (smaller first).
    #[serde(default)]
    pub order: i64,
    /// Whether the member leads it (部门主管).
    #[serde(default)]
    pub leader: bool,
}

/// A member's staff profile in an org. Text fields are empty when unset.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Staff {
    /// The org-scoped userid.
    pub userid: String,
    /// 职位.
    pub title: String,
    /// 工号.
    pub job_number: String,
    /// 办公地点.
    pub work_place: String,
    /// 备注.
    pub remark: String,
    /// 扩展属性: JSON text (an object), at most [`MAX_EXTENSION`] characters.
    pub extension: String,
    /// 企业邮箱.
    pub org_email: String,
    /// 分机号.
    pub telephone: String,
    /// 入职时间, Unix milliseconds.
    pub hired_date: Option<i64>,
    /// 老板.
    pub boss: bool,
    /// The userid of the direct manager (直属主管), empty when none.
    pub manager_userid: String,
    /// Activated (激活了钉钉).
    pub active: bool,
    /// The departments, in order; empty means the root only.
    pub seats: Vec<Seat>,
}

impl Staff {
    /// The profile a new member starts with: the userid, active, in the root department.
    pub fn new(userid: String) -> Self {
        Self {
            userid,
            active: true,
            ..Self::default()
        }
    }

    /// The department ids (`dept_id_list`): the seats', or `[1]` for a member of the root only.
    pub fn dept_ids(&self) -> Vec<i64> {
        if self.seats.is_empty() {
            vec![ROOT_DEPT]
        } else {
            self.seats.iter().map(|s| s.dept_id).collect()
        }
    }

    /// The seat in `dept_id`, if any (the root counts when the member has no other seat).
    pub fn seat(&self, dept_id: i64) -> Option<Seat> {
        if self.seats.is_empty() && dept_id == ROOT_DEPT {
            return Some(Seat {
                dept_id,
                order: 0,
                leader: false,
            });
        }
        self.seats.iter().copied().find(|s| s.dept_id == dept_id)
    }

    /// Checks the profile's fields: lengths, the extension as a JSON object, unique seats.
    pub fn validate(&self) -> Result<(), String> {
        parse_userid(&self.userid)?;
        for (name, value) in [
            ("title", &self.title),
            ("jobNumber", &self.job_number),
            ("workPlace", &self.work_place),
            ("remark", &self.remark),
            ("orgEmail", &self.org_email),
            ("telephone", &self.telephone),
        ] {
            if value.chars().count() > MAX_FIELD || value.chars().any(char::is_control) {
                return Err(format!(
                    "{name} must be at most {MAX_FIELD} characters without control characters"
                ));
            }
        }
        if !self.manager_userid.is_empty() {
            parse_userid(&self.manager_userid).map_err(|e| format!("managerUserid: {e}"))?;
        }
        if !self.extension.is_empty() {
            if self.extension.chars().count() > MAX_EXTENSION {
                return Err(format!(
                    "extension must be at most {MAX_EXTENSION} characters"
                ));
            }
            match serde_json::from_str::<serde_json::Value>(&self.extension) {
                Ok(serde_json::Value::Object(_)) => {}
                _ => return Err("extension must be a JSON object, as text".into()),
            }
        }
        if let Some(ms) = self.hired_date {
            if !(0..=253_402_300_799_000).contains(&ms) {
                return Err("hiredDate must be Unix milliseconds".into());
            }
        }
        if self.seats.len() > MAX_SEATS {
            return Err(format!("at most {MAX_SEATS} departments per member"));
        }
        let mut seen = std::collections::HashSet::new();
        for s in &self.seats {
            parse_dept_id(s.dept_id)?;
            if !seen.insert(s.dept_id) {
                return Err(format!("department {} is listed twice", s.dept_id));
            }
        }
        Ok(())
    }
}

/// Checks a department's own fields (not where it sits in the tree).
pub fn validate_department(d: &Department) -> Result<(), String> {
    if d.dept_id <= ROOT_DEPT {
        return Err(format!(
            "department id {} must be greater than 1 (1 is the org itself)",
            d.dept_id
        ));
    }
    parse_dept_id(d.parent_id)?;
    if d.parent_id == d.dept_id {
        return Err(format!("department {} cannot be its own parent", d.dept_id));
    }
    crate::org::parse_name("department name", &d.name)?;
    if d.managers.len() > MAX_SEATS {
        return Err(format!("at most {MAX_SEATS} managers per department"));
    }
    for m in &d.managers {
        parse_userid(m)?;
    }
    Ok(())
}

/// Whether putting `dept` under `new_parent` keeps the tree a tree: the parent exists (or is
/// the root) and is not `dept` itself or one of its descendants. `parents` maps every
/// department of the org to its parent, as stored now.
pub fn check_parent(
    parents: &std::collections::HashMap<i64, i64>,
    dept: i64,
    new_parent: i64,
) -> Result<(), String> {
    if new_parent == ROOT_DEPT {
        return Ok(());
    }
    if !parents.contains_key(&new_parent) {
        return Err(format!("parent department {new_parent} does not exist"));
    }
    let mut at = new_parent;
    for _ in 0..=parents.len() {
        if at == dept {
            return Err(format!(
                "department {dept} cannot move under its own descendant {new_parent}"
            ));
        }
        match parents.get(&at) {
            Some(&p) if p != ROOT_DEPT => at = p,
            _ => return Ok(()),
        }
    }
    Err("the department tree has a cycle".into())
}

/// DingTalk's `sys_level` of a member: 1 main admin (opending: an org admin), 100 boss, 0 the
/// others (opending has no sub-admins, DingTalk's 2).
pub fn sys_level(role: Role, boss: bool) -> i64 {
    match (role, boss) {
        (Role::Admin, _) => 1,
        (_, true) => 100,
        _ => 0,
    }
}

/// Which personal fields an app sees in the directory reads (docs/dingtalk/dingtalk-wire-2.md
/// §D0): the mobile needs the field point 企业员工手机号信息, the email-like fields 邮箱等个人信息,
/// and a third-party app never sees either, nor the other fields DingTalk keeps from them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldAccess {
    /// `state_code`, `mobile`.
    pub mobile: bool,
    /// `email`, `org_email`, `work_place`, `remark`, `extension`.
    pub email: bool,
    /// `telephone`, `hired_date`, `exclusive_account` (and everything above).
    pub private: bool,
}

impl FieldAccess {
    /// The access of an app holding (or not) the two field points; `third_party` apps get
    /// none of the gated fields whatever they hold.
    pub fn new(third_party: bool, mobile_point: bool, email_point: bool) -> Self {
        Self {
            mobile: mobile_point && !third_party,
            email: email_point && !third_party,
            private: !third_party,
        }
    }
}

/// The field point that opens `mobile` and `state_code` (企业员工手机号信息). DingTalk's
/// sources give only the display name; the code is opending's.
pub const MOBILE_POINT: &str = "fieldMobile";
/// The field point that opens `email`, `org_email`, `work_place`, `remark`, `extension`
/// (邮箱等个人信息); the code is opending's.
pub const EMAIL_POINT: &str = "fieldEmail";
/// 成员信息读权限: `user/get`, `getbyunionid`, `listid`, `count`.
pub const MEMBER_POINT: &str = "qyapi_get_member";
/// 通讯录部门信息读权限: `department/listsub`, `get`, `listsubid`, `listparentbyuser`.
pub const DEPARTMENT_POINT: &str = "qyapi_get_department_list";
/// 通讯录部门成员读权限: `user/list`.
pub const DEPARTMENT_MEMBER_POINT: &str = "qyapi_get_department_member";
/// 根据手机号获取成员基本信息权限: `getbymobile`.
pub const MOBILE_LOOKUP_POINT: &str = "qyapi_get_member_by_mobile";

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn moving_a_department_under_its_own_child_is_refused() {
        // 1 ← 10 ← 20 ← 30
        let parents = HashMap::from([(10, 1), (20, 10), (30, 20)]);
        assert!(check_parent(&parents, 10, 30).is_err());
        assert!(check_parent(&parents, 10, 10).is_err());
        assert!(check_parent(&parents, 30, 10).is_ok());
        assert!(check_parent(&parents, 20, 1).is_ok());
        assert!(check_parent(&parents, 20, 99).is_err());
    }

    #[test]
    fn profiles_are_checked() {
        let mut s = Staff::new("manager4220".into());
        assert!(s.validate().is_ok());
        assert_eq!(s.dept_ids(), vec![ROOT_DEPT]);
        s.extension = "[1]".into();
        assert!(s.validate().is_err());
        s.extension = r#"{"爱好":"旅游"}"#.into();
        assert!(s.validate().is_ok());
        s.seats = vec![
            Seat {
                dept_id: 5,
                order: 0,
                leader: false,
            };
            2
        ];
        assert!(s.validate().is_err());
        assert!(parse_userid("a b").is_err());
        assert!(parse_userid(&"x".repeat(65)).is_err());
        assert!(parse_dept_id(0).is_err());
    }

    #[test]
    fn third_party_apps_see_no_gated_fields() {
        assert_eq!(
            FieldAccess::new(true, true, true),
            FieldAccess {
                mobile: false,
                email: false,
                private: false
            }
        );
        assert!(FieldAccess::new(false, true, false).mobile);
        assert_eq!(sys_level(Role::Admin, false), 1);
        assert_eq!(sys_level(Role::Member, true), 100);
    }
}
