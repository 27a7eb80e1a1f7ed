//! The org directory and in-app login (免登) calls of the legacy family (docs/dingtalk/
//! dingtalk-wire-2.md §C, §D): `/topapi/…` with an app token as `?access_token=`, answers in the
//! errcode envelope. A failure is an [`ApiError`](crate::ApiError) whose `code` is the errcode
//! (`"60121"`: no such member; `"60003"`: no such department) — for errcode 88, its `sub_code`
//! (`"40014"`, `"60011"`), so [`Error::is_invalid_token`](crate::Error::is_invalid_token) and
//! friends work as on every other call.

use reqwest::Method;
use serde::de::DeserializeOwned;

use crate::{
    model::{
        DepartmentDetail, DeptIdList, DirectoryUser, InAppUserInfo, ParentPaths, SubDepartment,
        TopapiResponse, UserCount, UserIdByUnionId, UserIdList, UserIdOnly, UserPage,
    },
    ApiRequest, Client, Result, Secret,
};

impl Client {
    /// A `/topapi/` call: POSTs `body` as JSON with the app token, answers `result`.
    async fn topapi<T: DeserializeOwned>(
        &self,
        operation: &'static str,
        path: &str,
        app_token: &Secret,
        body: serde_json::Value,
        idempotent: bool,
    ) -> Result<T> {
        let answer: TopapiResponse<T> = self
            .send(
                ApiRequest::new(operation, Method::POST, path)
                    .json(&body)?
                    .legacy_access_token(app_token.clone())
                    .idempotent(idempotent),
            )
            .await?;
        Ok(answer.result)
    }

    /// `topapi/user/getbyunionid`: the userid of the member with this unionId in the token's
    /// org (needs `qyapi_get_member`).
    pub async fn get_userid_by_unionid(
        &self,
        app_token: &Secret,
        unionid: &str,
    ) -> Result<UserIdByUnionId> {
        self.topapi(
            "topapi/user/getbyunionid",
            "/topapi/user/getbyunionid",
            app_token,
            serde_json::json!({ "unionid": unionid }),
            true,
        )
        .await
    }

    /// `topapi/v2/user/get`: a member's profile (needs `qyapi_get_member`; the mobile and
    /// e-mail fields need their field points and are never shown to third-party apps).
    pub async fn get_directory_user(
        &self,
        app_token: &Secret,
        userid: &str,
    ) -> Result<DirectoryUser> {
        self.topapi(
            "topapi/v2/user/get",
            "/topapi/v2/user/get",
            app_token,
            serde_json::json!({ "userid": userid, "language": "zh_CN" }),
            true,
        )
        .await
    }

    /// `topapi/v2/user/list`: a page of a department's direct members (`size` 1–100; start at
    /// cursor 0, then `next_cursor` while `has_more`). Needs `qyapi_get_department_member`.
    pub async fn list_directory_users(
        &self,
        app_token: &Secret,
        dept_id: i64,
        cursor: i64,
        size: i64,
    ) -> Result<UserPage> {
        self.topapi(
            "topapi/v2/user/list",
            "/topapi/v2/user/list",
            app_token,
            serde_json::json!({ "dept_id": dept_id, "cursor": cursor, "size": size }),
            true,
        )
        .await
    }

    /// `topapi/user/listid`: the userids of a department's direct members.
    pub async fn list_user_ids(&self, app_token: &Secret, dept_id: i64) -> Result<UserIdList> {
        self.topapi(
            "topapi/user/listid",
            "/topapi/user/listid",
            app_token,
            serde_json::json!({ "dept_id": dept_id }),
            true,
        )
        .await
    }

    /// `topapi/v2/user/getbymobile`: the userid of the active member with this mobile
    /// (internal apps holding `qyapi_get_member_by_mobile`).
    pub async fn get_userid_by_mobile(
        &self,
        app_token: &Secret,
        mobile: &str,
    ) -> Result<UserIdOnly> {
        self.topapi(
            "topapi/v2/user/getbymobile",
            "/topapi/v2/user/getbymobile",
            app_token,
            serde_json::json!({ "mobile": mobile }),
            true,
        )
        .await
    }

    /// `topapi/user/count`: how many members the org has (only the activated ones with
    /// `only_active`).
    pub async fn count_users(&self, app_token: &Secret, only_active: bool) -> Result<UserCount> {
        self.topapi(
            "topapi/user/count",
            "/topapi/user/count",
            app_token,
            serde_json::json!({ "only_active": only_active }),
            true,
        )
        .await
    }

    /// `topapi/v2/department/listsub`: a department's child departments (`None`: the root's).
    pub async fn list_sub_departments(
        &self,
        app_token: &Secret,
        dept_id: Option<i64>,
    ) -> Result<Vec<SubDepartment>> {
        let body = match dept_id {
            Some(d) => serde_json::json!({ "dept_id": d }),
            None => serde_json::json!({}),
        };
        self.topapi(
            "topapi/v2/department/listsub",
            "/topapi/v2/department/listsub",
            app_token,
            body,
            true,
        )
        .await
    }

    /// `topapi/v2/department/get`: one department (1 is the org itself).
    pub async fn get_department(
        &self,
        app_token: &Secret,
        dept_id: i64,
    ) -> Result<DepartmentDetail> {
        self.topapi(
            "topapi/v2/department/get",
            "/topapi/v2/department/get",
            app_token,
            serde_json::json!({ "dept_id": dept_id }),
            true,
        )
        .await
    }

    /// `topapi/v2/department/listsubid`: the ids of a department's child departments.
    pub async fn list_sub_department_ids(
        &self,
        app_token: &Secret,
        dept_id: i64,
    ) -> Result<DeptIdList> {
        self.topapi(
            "topapi/v2/department/listsubid",
            "/topapi/v2/department/listsubid",
            app_token,
            serde_json::json!({ "dept_id": dept_id }),
            true,
        )
        .await
    }

    /// `topapi/v2/department/listparentbyuser`: for each of a member's departments, the path
    /// up to the root.
    pub async fn list_parent_departments_by_user(
        &self,
        app_token: &Secret,
        userid: &str,
    ) -> Result<ParentPaths> {
        self.topapi(
            "topapi/v2/department/listparentbyuser",
            "/topapi/v2/department/listparentbyuser",
            app_token,
            serde_json::json!({ "userid": userid }),
            true,
        )
        .await
    }

    /// `topapi/v2/user/getuserinfo` (免登): who the in-app login code from
    /// `dd.requestAuthCode` was made for. The code is single use: not resent once the server
    /// may have taken it.
    pub async fn get_inapp_user_info(
        &self,
        app_token: &Secret,
        code: &Secret,
    ) -> Result<InAppUserInfo> {
        self.topapi(
            "topapi/v2/user/getuserinfo",
            "/topapi/v2/user/getuserinfo",
            app_token,
            serde_json::json!({ "code": code.expose() }),
            false,
        )
        .await
    }
}
