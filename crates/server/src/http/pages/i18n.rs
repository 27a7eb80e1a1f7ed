//! Page strings in Chinese and English. The language comes from `?lang=`, else the
//! `opending_lang` cookie, else `Accept-Language`.

use std::collections::BTreeMap;

/// A page language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// 简体中文.
    Zh,
    /// English.
    En,
}

impl Lang {
    /// `zh` or `en`.
    pub fn code(self) -> &'static str {
        match self {
            Self::Zh => "zh",
            Self::En => "en",
        }
    }

    /// The HTML `lang` attribute.
    pub fn tag(self) -> &'static str {
        match self {
            Self::Zh => "zh-CN",
            Self::En => "en",
        }
    }

    /// The other language.
    pub fn other(self) -> Self {
        match self {
            Self::Zh => Self::En,
            Self::En => Self::Zh,
        }
    }

    /// Parses `zh…` / `en…`.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim().to_ascii_lowercase();
        if s.starts_with("zh") {
            Some(Self::Zh)
        } else if s.starts_with("en") {
            Some(Self::En)
        } else {
            None
        }
    }

    /// The first supported language of an `Accept-Language` header (default Chinese, as
    /// DingTalk's own pages).
    pub fn from_accept_language(h: &str) -> Self {
        h.split(',')
            .find_map(|part| Self::parse(part.split(';').next().unwrap_or("")))
            .unwrap_or(Self::Zh)
    }
}

const STRINGS: &[(&str, &str, &str)] = &[
    ("nav", "Account", "账号"),
    ("sign_in", "Sign in", "登录"),
    ("sign_out", "Sign out", "退出登录"),
    (
        "sign_in_sub",
        "Sign in to continue to the app.",
        "登录后继续授权。",
    ),
    ("login_name", "Account", "账号"),
    ("password", "Password", "密码"),
    (
        "bad_credentials",
        "The account or password is wrong.",
        "账号或密码错误。",
    ),
    (
        "throttled",
        "Too many failed attempts. Try again in 15 minutes.",
        "失败次数过多，请 15 分钟后再试。",
    ),
    (
        "bad_csrf",
        "This form has expired. Please try again.",
        "表单已过期，请重试。",
    ),
    ("other_language", "中文", "English"),
    (
        "footer",
        "DingTalk-compatible authorization",
        "兼容钉钉开放平台的授权服务",
    ),
    ("authorize", "Authorize", "授权"),
    (
        "cannot_authorize",
        "This authorization cannot continue",
        "无法完成授权",
    ),
    ("close", "Close", "关闭"),
    (
        "delegated_auth_title",
        "Allow this app to act on your behalf?",
        "允许该应用代表你访问以下信息？",
    ),
    (
        "delegated_auth_sub",
        "The app asks for these permissions in",
        "应用申请以下权限，组织：",
    ),
    (
        "app_auth_title",
        "Grant this app access to the organisation?",
        "授予该应用组织权限？",
    ),
    (
        "app_auth_sub",
        "The app asks for these organisation permissions in",
        "应用申请以下组织权限，组织：",
    ),
    (
        "to_admin_notice",
        "You are not an admin of this organisation: your request will be sent to its admins.",
        "你不是该组织的管理员，申请将发送给管理员审批。",
    ),
    ("send_to_admin", "Ask an admin", "提交管理员审批"),
    ("points", "Permissions", "权限"),
    ("allow", "Allow", "同意"),
    ("deny", "Deny", "拒绝"),
    ("login_with", "Sign in to the app", "登录第三方应用"),
    (
        "login_with_sub",
        "The app will receive your basic profile and the permissions below.",
        "应用将获得你的基本信息及以下权限。",
    ),
    ("choose_org", "Organisation", "选择组织"),
    (
        "basic_profile",
        "Basic profile (name, avatar, ids)",
        "个人基本信息（昵称、头像、ID）",
    ),
    ("error", "Error", "错误"),
    ("my_authorizations", "My authorizations", "我的授权"),
    (
        "my_authorizations_sub",
        "Apps you allowed to act on your behalf. Revoking stops their access at once.",
        "你授权过的应用。撤销后立即失效。",
    ),
    ("app", "App", "应用"),
    ("org", "Organisation", "组织"),
    ("actions", "Actions", "操作"),
    ("revoke", "Revoke", "撤销授权"),
    ("revoked", "Authorization revoked.", "已撤销授权。"),
    (
        "no_authorizations",
        "You have not authorized any app.",
        "你还没有授权任何应用。",
    ),
    ("org_admin", "Organisations you administer", "你管理的组织"),
    (
        "pending_requests",
        "Pending authorization requests",
        "待审批的授权申请",
    ),
    (
        "pending_requests_sub",
        "Members asked to grant these apps organisation permissions.",
        "成员申请为以下应用授予组织权限。",
    ),
    ("requested_by", "Requested by", "申请人"),
    ("approve", "Approve", "同意"),
    ("reject", "Reject", "拒绝"),
    ("decided", "Request decided.", "已处理。"),
    ("no_requests", "No pending requests.", "没有待审批的申请。"),
    (
        "not_admin",
        "Only admins of this organisation can see this page.",
        "只有该组织的管理员可以查看此页面。",
    ),
    ("not_found", "Not found", "页面不存在"),
    ("bad_request", "This request is not valid", "请求无效"),
    (
        "origin_not_registered",
        "This site is not registered for the app, so the result cannot be returned to it.",
        "该网站未在应用中登记，无法返回授权结果。",
    ),
    ("client_unknown", "The app does not exist.", "应用不存在。"),
    (
        "redirect_unregistered",
        "The redirect URI is not registered for the app.",
        "重定向地址未在应用中登记。",
    ),
    (
        "redirect_insecure",
        "The redirect URI uses plain http to another machine; only https (or http to localhost) may receive a code.",
        "重定向地址使用了指向其他主机的 http；只有 https（或指向本机的 http）地址可以接收授权码。",
    ),
    // Org administration (pages/org/).
    ("org_not_found", "This organisation does not exist, or you are not a member of it.", "该组织不存在，或你不是该组织的成员。"),
    ("org_bad_role", "Choose the role: member or admin.", "请选择角色：成员或管理员。"),
    ("org_member_not_found", "This user is not a member of the organisation.", "该用户不是本组织成员。"),
    ("org_last_admin", "This member is the organisation's last admin: make another member admin first.", "该成员是组织唯一的管理员：请先将其他成员设为管理员。"),
    ("org_remove_member", "Remove member", "移除成员"),
    ("org_remove_member_confirm", "They lose access to the organisation's pages and can no longer authorize apps in it. Their account stays.", "移除后，该用户将无法访问本组织页面，也不能再为本组织授权应用。其账号保留。"),
    ("org_remove", "Remove", "移除"),
    ("org_uninstall", "Uninstall", "卸载"),
    ("org_uninstall_confirm", "The app loses its access to the organisation at once: its tokens here stop working. It can be installed again later.", "卸载后应用立即失去本组织的访问权限，其在本组织的凭证立即失效。之后可重新安装。"),
    ("org_request_not_pending", "This request does not exist or was decided already.", "该申请不存在或已处理。"),
    ("org_member_added", "Member added.", "已添加成员。"),
    ("org_role_changed", "Role changed.", "已修改角色。"),
    ("org_member_removed", "Member removed.", "已移除成员。"),
    ("org_app_installed", "App installed.", "已安装应用。"),
    ("org_app_suspended", "App suspended: its tokens in this organisation no longer work.", "已停用应用：其在本组织的凭证已失效。"),
    ("org_app_resumed", "App resumed.", "已恢复应用。"),
    ("org_app_uninstalled", "App uninstalled.", "已卸载应用。"),
    ("org_request_approved", "Request approved: the app holds the permissions now.", "已同意申请：应用已获得相应权限。"),
    ("org_request_rejected", "Request rejected.", "已拒绝申请。"),
    ("org_admin_badge", "Admin", "管理员"),
    ("org_nav", "Organisation administration", "组织管理"),
    ("org_members", "Members", "成员"),
    ("org_installed_apps", "Installed apps", "已安装应用"),
    ("org_pending_requests_tab", "Authorization requests", "授权申请"),
    ("org_certification", "Certification", "认证信息"),
    ("org_members_sub", "People who belong to the organisation. Admins install apps and approve authorization requests.", "组织成员。管理员可以安装应用、审批授权申请。"),
    ("org_member", "Member", "成员"),
    ("org_role", "Role", "角色"),
    ("org_you", "you", "你"),
    ("org_role_admin", "Admin", "管理员"),
    ("org_role_member", "Member", "成员"),
    ("org_last_admin_hint", "(last admin)", "（唯一管理员）"),
    ("org_save", "Save", "保存"),
    ("org_no_members", "The organisation has no members yet.", "组织还没有成员。"),
    ("org_add_member", "Add a member", "添加成员"),
    ("org_user_login_or_union", "Sign-in name or unionId", "登录名或 unionId"),
    ("org_add", "Add", "添加"),
    ("org_add_member_hint", "The user must have an account already; ask the platform operator to create one.", "用户须已有账号；如无账号，请联系平台管理员创建。"),
    ("org_installed_apps_sub", "Third-party apps this organisation installed. Suspending or uninstalling stops their access at once.", "本组织安装的第三方应用。停用或卸载后立即失去访问权限。"),
    ("org_status", "Status", "状态"),
    ("org_granted_points", "Granted permissions", "已授予权限"),
    ("org_developed_by", "Developed by", "开发方"),
    ("org_active", "Active", "正常"),
    ("org_suspended", "Suspended", "已停用"),
    ("org_installed_at", "Installed", "安装于"),
    ("org_none", "None", "无"),
    ("org_suspend", "Suspend", "停用"),
    ("org_resume", "Resume", "恢复"),
    ("org_no_installations", "No third-party app is installed.", "尚未安装第三方应用。"),
    ("org_install_app", "Install a third-party app", "安装第三方应用"),
    ("org_install", "Install", "安装"),
    ("org_install_hint", "The app's developer gives you its ClientId. Internal apps run only in their own organisation and cannot be installed.", "ClientId 由应用开发方提供。企业内部应用只能在其所属组织使用，无法安装。"),
    ("org_admin_backend", "Admin backend", "管理后台"),
    ("org_sso_secret", "SSO secret", "SSO 密钥"),
    ("org_sso_secret_hint", "Apps' admin backends use it to learn which admin arrived (ssoAccessToken, then ssoUserInfo with the code). A new secret ends the SSO tokens of the old one.", "应用管理后台用它识别进入的管理员（ssoAccessToken，再以 code 调用 ssoUserInfo）。生成新密钥后，旧密钥的 SSO 令牌立即失效。"),
    ("org_sso_secret_shown", "The new SSO secret, shown this once:", "新的 SSO 密钥（仅显示这一次）："),
    ("org_sso_secret_rotate", "Generate a new SSO secret", "生成新的 SSO 密钥"),
    ("org_certification_sub", "What apps read from the organisation's certification (authInfos).", "应用通过 authInfos 接口读取的组织认证信息。"),
    ("org_auth_level", "Certification level", "认证等级"),
    ("org_auth_level_0", "Not certified", "未认证"),
    ("org_auth_level_1", "Advanced certification", "高级认证"),
    ("org_auth_level_2", "Intermediate certification", "中级认证"),
    ("org_license_org_name", "Name on the business licence", "营业执照企业名称"),
    ("org_registration_num", "Registration number", "注册号"),
    ("org_unified_social_credit", "Unified social credit code", "统一社会信用代码"),
    ("org_organization_code", "Organisation code", "组织机构代码"),
    ("org_legal_person", "Legal representative", "法定代表人"),
    ("org_license_url", "Licence image", "营业执照图片"),
    ("org_not_provided", "Not provided", "未提供"),
    ("org_created_at", "Created", "创建于"),
    ("org_certification_hint", "Certification is set by the platform operator after checking the licence; it cannot be changed here.", "认证信息由平台管理员审核营业执照后设置，此处不可修改。"),
    ("org_manage", "Manage", "管理"),
    // The developer backend and the operator pages (docs/console.md).
    ("console", "Developer console", "开发者后台"),
    ("console_apps", "My apps", "我的应用"),
    (
        "console_apps_sub",
        "Apps of the organisations you are a member of.",
        "你所在组织的应用。",
    ),
    ("console_new_app", "Create app", "创建应用"),
    ("console_create", "Create", "创建"),
    ("console_app_name", "App name", "应用名称"),
    ("console_icon_url", "Icon URL", "应用图标地址"),
    ("console_distribution", "Type", "应用类型"),
    ("dist_internal", "Internal app", "企业内部应用"),
    ("dist_third-party", "Third-party app", "第三方企业应用"),
    (
        "dist_internal_hint",
        "Runs only in the organisation that owns it.",
        "仅在所属组织内使用。",
    ),
    (
        "dist_third_party_hint",
        "Runs in every organisation that installs it.",
        "可被其他组织安装使用。",
    ),
    (
        "console_pick_distribution",
        "Choose the app type: internal or third-party.",
        "请选择应用类型：企业内部应用或第三方企业应用。",
    ),
    (
        "console_no_apps",
        "No apps yet. Create one to get a ClientId and ClientSecret.",
        "还没有应用。创建应用后即可获得 ClientId 和 ClientSecret。",
    ),
    (
        "console_no_orgs",
        "You are not a member of any organisation, so you cannot create apps yet.",
        "你还不是任何组织的成员，暂时无法创建应用。",
    ),
    ("console_created", "App created", "应用已创建"),
    ("console_rotated", "New ClientSecret", "新的 ClientSecret"),
    (
        "console_secret_once",
        "Copy the ClientSecret now: it is shown only this once and cannot be shown again.",
        "请立即复制 ClientSecret：它只显示这一次，之后无法再次查看。",
    ),
    ("console_secret_saved", "I have saved it — continue", "我已保存，继续"),
    ("console_credentials", "Credentials", "凭证与基础信息"),
    (
        "console_secret_hidden",
        "Stored only as a hash; rotate it to get a new one.",
        "仅保存哈希值，如需新的密钥请重置。",
    ),
    ("console_rotate", "Rotate secret", "重置密钥"),
    ("console_rotate_title", "Rotate the ClientSecret?", "重置 ClientSecret？"),
    (
        "console_rotate_warning",
        "The current secret stops working at once and every token of the app is revoked.",
        "当前密钥将立即失效，应用的所有访问凭证都会被撤销。",
    ),
    ("console_basic", "Basic info", "基础信息"),
    ("console_isv", "Third-party app", "第三方应用"),
    ("dd_title", "Signing in", "免登"),
    ("demo_missing_title", "No demo world", "没有演示数据"),
    (
        "demo_missing",
        "Start the server with --demo to create the demo world and this page.",
        "使用 --demo 启动服务器以创建演示数据和本页面。",
    ),
    ("demo_title", "openAuth test page", "openAuth 测试页"),
    (
        "demo_intro",
        "This page plays a DingTalk H5 app of Demo Org: it loads /sdk/openauth.js and calls openAuth, as an app calls dingtalk-design-libs. The internal app has this server's origin registered.",
        "本页面模拟 Demo Org 的钉钉 H5 应用：加载 /sdk/openauth.js 并调用 openAuth，与应用调用 dingtalk-design-libs 相同。内部应用已登记本服务器的来源。",
    ),
    ("demo_sign_in_as", "Sign in as", "登录账号"),
    ("demo_authorize", "Authorize (type 0, Contact.User.Read)", "授权（type 0，Contact.User.Read）"),
    ("demo_result", "Result", "结果"),
    (
        "demo_next",
        "Exchange the code for a user token with the app's secret (printed at first start), then read the user:",
        "用应用密钥（首次启动时打印）换取用户访问凭证，然后读取用户信息：",
    ),
    ("org_directory", "Directory", "通讯录"),
    (
        "org_directory_sub",
        "Departments and each member's staff profile, as apps read them (topapi/…).",
        "部门与成员信息，应用通过 topapi 接口读取。",
    ),
    ("org_departments", "Departments", "部门"),
    ("org_department", "Department", "部门"),
    ("org_dept_edit", "Name and parent", "名称与上级部门"),
    ("org_dept_name", "Name", "部门名称"),
    ("org_dept_parent", "Parent", "上级部门"),
    ("org_dept_managers", "Managers", "部门主管"),
    ("org_no_departments", "No departments yet: every member is in the org itself.", "暂无部门：所有成员都在企业根部门。"),
    ("org_add_department", "Add a department", "添加部门"),
    ("org_staff", "Members' profiles", "成员信息"),
    ("org_edit_profile", "Edit", "编辑"),
    ("org_dept_ids_hint", "department ids, comma-separated; empty: the org itself", "部门 ID，逗号分隔；留空为根部门"),
    ("org_boss", "Boss (老板)", "老板"),
    ("org_active_member", "Activated", "已激活"),
    ("org_userid", "userid", "userid"),
    ("org_title", "Title", "职位"),
    ("org_job_number", "Job number", "工号"),
    ("org_work_place", "Work place", "办公地点"),
    ("org_org_email", "Org e-mail", "企业邮箱"),
    ("org_telephone", "Extension", "分机号"),
    ("org_manager", "Manager's userid", "直属主管 userid"),
    ("org_remark", "Remark", "备注"),
    ("org_not_a_number", "not a number", "不是数字"),
    ("org_department_saved", "Department saved.", "部门已保存。"),
    ("org_department_removed", "Department removed.", "部门已删除。"),
    ("org_profile_saved", "Profile saved.", "成员信息已保存。"),
    ("dd_signing_in", "Signing you in to", "正在登录"),
    ("console_ticket_rotated", "Pushed", "推送于"),
    ("console_ticket_next", "next", "下次"),
    (
        "console_ticket_previous",
        "the previous ticket is still accepted",
        "上一个 ticket 仍然有效",
    ),
    ("console_custom", "Custom app (定制应用)", "定制应用"),
    (
        "console_custom_hint",
        "A custom app may sign its token requests with any suite ticket.",
        "定制应用获取凭证时可使用任意 suiteTicket。",
    ),
    ("console_admin_url", "Admin backend URL", "应用管理后台地址"),
    (
        "console_admin_url_hint",
        "Where an org admin lands, with ?code= for SSO, when opening the app's admin backend.",
        "企业管理员进入应用管理后台时跳转的地址（附带 ?code= 用于免登）。",
    ),
    ("console_events", "Event subscription", "事件订阅"),
    (
        "console_events_hint",
        "Without an HTTP callback, the app receives its events over Stream mode (it connects out; no public URL). With one, each event is POSTed to it encrypted, and the URL must answer DingTalk's check first.",
        "未配置 HTTP 回调时，应用通过 Stream 模式接收事件（由应用主动连接，无需公网地址）。配置后，事件加密后推送到该地址，且该地址须先通过钉钉的校验。",
    ),
    ("console_events_mode_stream", "Stream mode", "Stream 模式"),
    ("console_events_mode_http", "HTTP callback", "HTTP 推送"),
    ("console_callback_url", "Callback URL", "请求网址"),
    ("console_callback_token", "Token", "签名 Token"),
    ("console_callback_aes_key", "EncodingAESKey", "加密 aes_key"),
    (
        "console_callback_verified",
        "Checked",
        "校验通过于",
    ),
    ("console_callback_save", "Check and save", "校验并保存"),
    ("console_callback_remove", "Back to Stream mode", "改回 Stream 模式"),
    ("console_uris", "Sign-in and openAuth", "登录与授权配置"),
    ("console_redirect_uris", "Redirect URIs", "重定向地址"),
    (
        "console_redirect_hint",
        "Where the browser login flow may return (matched exactly).",
        "浏览器登录授权完成后可跳转的地址（完全匹配）。",
    ),
    ("console_origins", "openAuth origins", "openAuth 来源"),
    (
        "console_origins_hint",
        "Sites (https://host[:port]) that may receive openAuth results.",
        "可接收 openAuth 授权结果的网站（https://域名[:端口]）。",
    ),
    ("console_none", "None yet.", "暂无。"),
    ("console_points", "Permission points", "权限管理"),
    (
        "console_points_hint",
        "Add the points the app needs. App points take effect for the app's tokens; delegated points are asked of users.",
        "申请应用需要的权限。应用权限对应用凭证生效；个人权限需用户授权。",
    ),
    ("console_group_basic", "Basic", "基础权限"),
    ("console_added", "Added", "已申请"),
    ("kind_rpc", "API", "接口权限"),
    ("kind_field", "Field", "字段权限"),
    ("grant_app", "App", "应用权限"),
    ("grant_delegated", "Delegated", "个人权限"),
    ("console_danger", "Delete app", "删除应用"),
    (
        "console_delete_hint",
        "Deleting removes the app, its installations, grants and tokens.",
        "删除后应用及其安装、授权和访问凭证都将被移除。",
    ),
    ("console_delete", "Delete app", "删除应用"),
    ("console_delete_title", "Delete this app?", "删除该应用？"),
    (
        "console_delete_warning",
        "This cannot be undone: the app, its installations, grants and tokens go at once.",
        "此操作不可撤销：应用及其安装、授权和访问凭证将立即删除。",
    ),
    ("console_deleted", "App deleted.", "应用已删除。"),
    ("console_saved", "Saved.", "已保存。"),
    ("console_created_by", "created by", "创建者"),
    (
        "console_read_only",
        "Only the app's creator and the admins of its organisation can change it.",
        "只有应用创建者和所属组织的管理员可以修改该应用。",
    ),
    (
        "console_not_found",
        "This app does not exist, or belongs to an organisation you are not a member of.",
        "应用不存在，或不属于你所在的组织。",
    ),
    (
        "console_not_manager",
        "Only the app's creator and the admins of its organisation can change it.",
        "只有应用创建者和所属组织的管理员可以修改该应用。",
    ),
    ("invalid_input", "Please check the input: ", "输入有误："),
    ("optional", "(optional)", "（选填）"),
    ("cancel", "Cancel", "取消"),
    ("save", "Save", "保存"),
    ("add", "Add", "添加"),
    ("remove", "Remove", "移除"),
    ("pagination", "Pages", "分页"),
    ("prev_page", "Previous", "上一页"),
    ("next_page", "Next", "下一页"),
    ("operator", "Operator", "平台运营"),
    ("operator_sign_in", "Platform operator sign-in", "平台运营登录"),
    (
        "operator_sign_in_sub",
        "Sign in with the server's admin key.",
        "使用服务器的管理密钥登录。",
    ),
    ("operator_admin_key", "Admin key", "管理密钥"),
    ("operator_bad_key", "The admin key is wrong.", "管理密钥错误。"),
    (
        "operator_disabled",
        "The admin key is not configured on this server, so there are no operator pages.",
        "该服务器未配置管理密钥，平台运营页面不可用。",
    ),
    ("operator_sign_out", "Leave operator mode", "退出运营模式"),
    ("operator_orgs", "Organisations", "组织"),
    ("operator_users", "Users", "用户"),
    ("operator_points", "Permission points", "权限点"),
    ("operator_org_name", "Organisation name", "组织名称"),
    ("operator_generated", "generated when empty", "留空自动生成"),
    ("operator_create_org", "Create organisation", "创建组织"),
    ("operator_org_created", "Organisation created.", "组织已创建。"),
    ("operator_no_orgs", "No organisations yet.", "还没有组织。"),
    ("operator_no_users", "No users yet.", "还没有用户。"),
    ("operator_memberships", "Organisations", "所在组织"),
    ("operator_add_point", "Add a custom point", "添加自定义权限点"),
    ("operator_point_code", "Code", "权限点编码"),
    ("operator_point_name", "Name", "名称"),
    ("operator_point_kind", "Kind", "类别"),
    ("operator_point_grant", "Grant type", "授权类型"),
    ("operator_point_desc", "Description", "说明"),
    ("operator_point_created", "Point added to the catalogue.", "权限点已添加。"),
    ("operator_catalogue", "Catalogue", "权限点目录"),
    ("operator_custom", "custom", "自定义"),
    // Pagination of a log (http/pages/paging.rs, `Pager::cursor`).
    ("newest_page", "Newest", "最新"),
    ("older_page", "Older", "更早"),
    // The org's audit events (templates/org/audit.html).
    ("org_audit", "Audit events", "审计日志"),
    (
        "org_audit_sub",
        "Security events of this organisation: tokens, consents and grants, installations, members. Newest first.",
        "本组织的安全事件：令牌、授权、应用安装与成员变更，最新的在前。",
    ),
    ("org_audit_filter", "Filter events", "筛选事件"),
    ("org_audit_kind", "Event", "事件"),
    ("org_audit_all_kinds", "All events", "全部事件"),
    ("org_audit_app", "App", "应用"),
    ("org_audit_apply", "Filter", "筛选"),
    ("org_audit_clear", "Clear", "清除"),
    ("org_audit_time", "Time", "时间"),
    ("org_audit_actor", "By", "操作者"),
    ("org_audit_address", "Address", "来源地址"),
    ("org_audit_request", "Request ID", "请求 ID"),
    (
        "org_audit_none",
        "No events have been recorded for this organisation yet.",
        "本组织还没有审计事件。",
    ),
    (
        "org_audit_none_match",
        "No events match these filters.",
        "没有符合筛选条件的事件。",
    ),
    (
        "org_audit_hint",
        "Events never contain secrets or token values. Request IDs match the x-acs-request-id of API responses and the server's logs.",
        "事件中不含任何密钥或令牌值。请求 ID 与接口响应的 x-acs-request-id 及服务器日志一致。",
    ),
    ("audit_kind_token_issued", "Token issued", "签发令牌"),
    ("audit_kind_token_renewed", "Token renewed", "续期令牌"),
    ("audit_kind_token_revoked", "Tokens revoked", "吊销令牌"),
    ("audit_kind_code_issued", "Authorization code issued", "签发授权码"),
    ("audit_kind_code_exchanged", "Authorization code exchanged", "兑换授权码"),
    ("audit_kind_code_replayed", "Authorization code replayed", "授权码重放"),
    ("audit_kind_refresh_reuse", "Refresh token reused", "刷新令牌重复使用"),
    ("audit_kind_secret_rotated", "Secret rotated", "重置密钥"),
    ("audit_kind_consent_granted", "Permission granted", "授予权限"),
    ("audit_kind_consent_revoked", "Permission withdrawn", "撤回权限"),
    ("audit_kind_sign_in_succeeded", "Signed in", "登录成功"),
    ("audit_kind_sign_in_failed", "Sign-in refused", "登录失败"),
    ("audit_kind_admin_action", "Administrative change", "管理操作"),
    ("audit_actor_app", "App", "应用"),
    ("audit_actor_user", "User", "用户"),
    ("audit_actor_admin", "Admin API", "管理接口"),
    ("audit_actor_operator", "Operator (CLI)", "运维（命令行）"),
    ("audit_actor_system", "opending", "系统"),
    // The operator sign-in throttle (http/pages/operator/signin.rs).
    (
        "operator_throttled",
        "Too many wrong admin keys from your address. Try again in {minutes} min.",
        "你的地址输入错误的管理员密钥次数过多，请 {minutes} 分钟后再试。",
    ),
];

/// The strings of a language, by key.
pub fn strings(lang: Lang) -> BTreeMap<&'static str, &'static str> {
    STRINGS
        .iter()
        .map(|(k, en, zh)| (*k, if lang == Lang::En { *en } else { *zh }))
        .collect()
}

/// One string.
pub fn t(lang: Lang, key: &str) -> &'static str {
    STRINGS
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, en, zh)| if lang == Lang::En { *en } else { *zh })
        .unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages() {
        assert_eq!(Lang::from_accept_language("en-US,en;q=0.9"), Lang::En);
        assert_eq!(Lang::from_accept_language("zh-CN,zh;q=0.9"), Lang::Zh);
        assert_eq!(Lang::from_accept_language("fr"), Lang::Zh);
        assert_eq!(t(Lang::En, "allow"), "Allow");
        assert_eq!(t(Lang::Zh, "allow"), "同意");
        let keys: std::collections::HashSet<_> = STRINGS.iter().map(|s| s.0).collect();
        assert_eq!(keys.len(), STRINGS.len(), "duplicate keys");
        // Every audit kind and actor has a label in both languages.
        for k in opending_domain::AuditKind::ALL {
            for lang in [Lang::En, Lang::Zh] {
                assert_ne!(t(lang, &format!("audit_kind_{}", k.as_str())), "", "{k}");
            }
        }
        for a in ["app", "user", "admin", "operator", "system"] {
            assert!(a.parse::<opending_domain::ActorKind>().is_ok());
            assert_ne!(t(Lang::Zh, &format!("audit_actor_{a}")), "", "{a}");
        }
    }
}
