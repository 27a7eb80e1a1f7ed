//! The org directory's legacy bodies (docs/dingtalk/dingtalk-wire-2.md §C2, §C3, §D): the
//! `/topapi/` answers (`{"errcode":0,"errmsg":"ok","result":…,"request_id"}`) and the older GET
//! answers with their fields at the top level. Optional fields DingTalk leaves out when unset,
//! or when the app may not see them, are `Option`s skipped when `None`.

use serde::{Deserialize, Serialize};

/// A `/topapi/` success: `{"errcode":0,"errmsg":"ok","result":…,"request_id"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TopapiResponse<T> {
    /// `errcode`: `0`.
    pub errcode: i64,
    /// `errmsg`: `"ok"`.
    pub errmsg: String,
    /// `result`.
    pub result: T,
    /// `request_id`.
    #[serde(default)]
    pub request_id: String,
}

impl<T> TopapiResponse<T> {
    /// A success answer.
    pub fn ok(result: T, request_id: String) -> Self {
        Self {
            errcode: 0,
            errmsg: "ok".to_owned(),
            result,
            request_id,
        }
    }
}

/// `result` of `topapi/user/getbyunionid`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserIdByUnionId {
    /// `contact_type`: 0 an employee, 1 an external contact.
    pub contact_type: i64,
    /// `userid`.
    pub userid: String,
}

/// `dept_order_list` entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeptOrder {
    /// `dept_id`.
    pub dept_id: i64,
    /// `order`.
    pub order: i64,
}

/// `leader_in_dept` entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeptLeader {
    /// `dept_id`.
    pub dept_id: i64,
    /// `leader`.
    pub leader: bool,
}

/// `role_list` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DirectoryRole {
    /// `id`.
    pub id: i64,
    /// `name`.
    pub name: String,
    /// `group_name`.
    pub group_name: String,
}

/// `result` of `topapi/v2/user/get`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DirectoryUser {
    /// `userid`.
    pub userid: String,
    /// `unionid`.
    pub unionid: String,
    /// `name`.
    pub name: String,
    /// `avatar` (`""` for the default avatar).
    pub avatar: String,
    /// `state_code`: with the mobile field point, internal apps only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_code: Option<String>,
    /// `mobile`: with the mobile field point, internal apps only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile: Option<String>,
    /// `hide_mobile`.
    pub hide_mobile: bool,
    /// `telephone`: internal apps only, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub telephone: Option<String>,
    /// `job_number`.
    pub job_number: String,
    /// `title`.
    pub title: String,
    /// `email`: with the email field point, internal apps only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// `org_email`: with the email field point, internal apps only, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_email: Option<String>,
    /// `work_place`: as `org_email`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub work_place: Option<String>,
    /// `remark`: as `org_email`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remark: Option<String>,
    /// `extension`: JSON text, as `org_email`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension: Option<String>,
    /// `exclusive_account`.
    pub exclusive_account: bool,
    /// `dept_id_list`.
    pub dept_id_list: Vec<i64>,
    /// `dept_order_list`.
    pub dept_order_list: Vec<DeptOrder>,
    /// `hired_date`: Unix ms, internal apps only, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hired_date: Option<i64>,
    /// `active`.
    pub active: bool,
    /// `real_authed`.
    pub real_authed: bool,
    /// `senior`.
    pub senior: bool,
    /// `admin`.
    pub admin: bool,
    /// `boss`.
    pub boss: bool,
    /// `leader_in_dept`.
    pub leader_in_dept: Vec<DeptLeader>,
    /// `role_list`.
    pub role_list: Vec<DirectoryRole>,
    /// `manager_userid`: when a direct manager is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager_userid: Option<String>,
    /// `union_emp_ext`: `{}` outside associated orgs.
    #[serde(default)]
    pub union_emp_ext: std::collections::BTreeMap<String, String>,
}

/// One entry of `topapi/v2/user/list`'s `list`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListedUser {
    /// `userid`.
    pub userid: String,
    /// `unionid`.
    pub unionid: String,
    /// `name`.
    pub name: String,
    /// `avatar`.
    pub avatar: String,
    /// `state_code`: as in [`DirectoryUser`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_code: Option<String>,
    /// `mobile`: as in [`DirectoryUser`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile: Option<String>,
    /// `hide_mobile`.
    pub hide_mobile: bool,
    /// `telephone`: as in [`DirectoryUser`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub telephone: Option<String>,
    /// `job_number`.
    pub job_number: String,
    /// `title`.
    pub title: String,
    /// `email`: as in [`DirectoryUser`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// `org_email`: as in [`DirectoryUser`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_email: Option<String>,
    /// `work_place`: as in [`DirectoryUser`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub work_place: Option<String>,
    /// `remark`: as in [`DirectoryUser`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remark: Option<String>,
    /// `dept_id_list`.
    pub dept_id_list: Vec<i64>,
    /// `dept_order`: the member's order in the listed department.
    pub dept_order: i64,
    /// `extension`: as in [`DirectoryUser`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension: Option<String>,
    /// `hired_date`: as in [`DirectoryUser`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hired_date: Option<i64>,
    /// `active`.
    pub active: bool,
    /// `admin`.
    pub admin: bool,
    /// `boss`.
    pub boss: bool,
    /// `leader`: whether the member leads the listed department.
    pub leader: bool,
    /// `exclusive_account`: internal apps only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exclusive_account: Option<bool>,
}

/// `result` of `topapi/v2/user/list`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserPage {
    /// `has_more`.
    pub has_more: bool,
    /// `next_cursor`: only when `has_more`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<i64>,
    /// `list`.
    pub list: Vec<ListedUser>,
}

/// `result` of `topapi/user/listid`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserIdList {
    /// `userid_list`.
    pub userid_list: Vec<String>,
}

/// `result` of `topapi/v2/user/getbymobile`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserIdOnly {
    /// `userid`.
    pub userid: String,
}

/// `result` of `topapi/user/count`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserCount {
    /// `count`.
    pub count: i64,
}

/// One entry of `topapi/v2/department/listsub`'s `result`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubDepartment {
    /// `auto_add_user`.
    pub auto_add_user: bool,
    /// `create_dept_group`.
    pub create_dept_group: bool,
    /// `dept_id`.
    pub dept_id: i64,
    /// `name`.
    pub name: String,
    /// `parent_id`.
    pub parent_id: i64,
}

/// `result` of `topapi/v2/department/get`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DepartmentDetail {
    /// `dept_id`.
    pub dept_id: i64,
    /// `name`.
    pub name: String,
    /// `parent_id`: absent for the root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<i64>,
    /// `order`.
    pub order: i64,
    /// `create_dept_group`.
    pub create_dept_group: bool,
    /// `auto_add_user`.
    pub auto_add_user: bool,
    /// `group_contain_sub_dept`.
    pub group_contain_sub_dept: bool,
    /// `dept_manager_userid_list`.
    pub dept_manager_userid_list: Vec<String>,
    /// `outer_dept`.
    pub outer_dept: bool,
    /// `hide_dept`.
    pub hide_dept: bool,
    /// `auto_approve_apply`.
    pub auto_approve_apply: bool,
    /// `member_count`: members in the department and below.
    pub member_count: i64,
    /// `owning_member_count`: direct members.
    pub owning_member_count: i64,
    /// `brief`.
    pub brief: String,
}

/// `result` of `topapi/v2/department/listsubid`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeptIdList {
    /// `dept_id_list`.
    pub dept_id_list: Vec<i64>,
}

/// One entry of `topapi/v2/department/listparentbyuser`'s `parent_list`: the path from one of
/// the member's departments up to the root, the department first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ParentPath {
    /// `parent_dept_id_list`.
    pub parent_dept_id_list: Vec<i64>,
}

/// `result` of `topapi/v2/department/listparentbyuser`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ParentPaths {
    /// `parent_list`.
    pub parent_list: Vec<ParentPath>,
}

/// `GET /user/getUseridByUnionid`: `{"errcode":0,"errmsg":"ok","contactType":0,"userid"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UseridByUnionidLegacy {
    /// `errcode`: `0`.
    pub errcode: i64,
    /// `errmsg`: `"ok"`.
    pub errmsg: String,
    /// `contactType`: 0 an employee.
    pub contact_type: i64,
    /// `userid`.
    pub userid: String,
}

/// `GET /user/get`: the member at the top level, with the older names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct UserGetLegacy {
    /// `errcode`: `0`.
    pub errcode: i64,
    /// `errmsg`: `"ok"`.
    pub errmsg: String,
    /// `userid`.
    pub userid: String,
    /// `unionid`.
    pub unionid: String,
    /// `name`.
    pub name: String,
    /// `avatar`.
    pub avatar: String,
    /// `position`: the title.
    pub position: String,
    /// `jobnumber`.
    pub jobnumber: String,
    /// `mobile`: as `DirectoryUser::mobile`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile: Option<String>,
    /// `stateCode`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_code: Option<String>,
    /// `email`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// `orgEmail`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_email: Option<String>,
    /// `workPlace`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub work_place: Option<String>,
    /// `remark`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remark: Option<String>,
    /// `tel`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tel: Option<String>,
    /// `hiredDate`: Unix ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hired_date: Option<i64>,
    /// `managerUserid`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager_userid: Option<String>,
    /// `department`: the department ids.
    pub department: Vec<i64>,
    /// `orderInDepts`: JSON text `{"<dept>":<order>,…}`.
    pub order_in_depts: String,
    /// `isLeaderInDepts`: JSON text `{"<dept>":<bool>,…}`.
    pub is_leader_in_depts: String,
    /// `isAdmin`.
    pub is_admin: bool,
    /// `isBoss`.
    pub is_boss: bool,
    /// `isHide`.
    pub is_hide: bool,
    /// `isSenior`.
    pub is_senior: bool,
    /// `active`.
    pub active: bool,
    /// `realAuthed`.
    pub real_authed: bool,
}

/// `result` of `topapi/v2/user/getuserinfo` (免登).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InAppUserInfo {
    /// `associated_unionid`: `""` outside associated orgs.
    pub associated_unionid: String,
    /// `unionid`.
    pub unionid: String,
    /// `device_id`.
    pub device_id: String,
    /// `sys_level`: 1 main admin, 2 sub-admin, 100 boss, 0 others.
    pub sys_level: i64,
    /// `name`.
    pub name: String,
    /// `sys`: an admin.
    pub sys: bool,
    /// `userid`.
    pub userid: String,
}

/// `GET /user/getuserinfo` (免登, older): the member at the top level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InAppUserInfoLegacy {
    /// `errcode`: `0`.
    pub errcode: i64,
    /// `errmsg`: `"ok"`.
    pub errmsg: String,
    /// `sys_level`.
    pub sys_level: i64,
    /// `is_sys`.
    pub is_sys: bool,
    /// `name`.
    pub name: String,
    /// `deviceId` (camel case, as DingTalk sends it).
    #[serde(rename = "deviceId")]
    pub device_id: String,
    /// `userid`.
    pub userid: String,
}

/// `POST /sns/getuserinfo_bycode`: `{"errcode":0,"errmsg":"ok","user_info":{…}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SnsUserInfoResponse {
    /// `errcode`: `0`.
    pub errcode: i64,
    /// `errmsg`: `"ok"`.
    pub errmsg: String,
    /// `user_info`.
    pub user_info: SnsUserInfo,
}

/// `user_info` of `sns/getuserinfo_bycode`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SnsUserInfo {
    /// `nick`.
    pub nick: String,
    /// `unionid`.
    pub unionid: String,
    /// `openid`: per developer (the app's owner org).
    pub openid: String,
    /// `main_org_auth_high_level`: whether the user's main org is highly certified (opending:
    /// `false`).
    pub main_org_auth_high_level: bool,
}
