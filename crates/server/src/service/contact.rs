//! The contact API: `GET /v1.0/contact/organizations/authInfos` (seed 003).
//!
//! An app reads the certification info of its own org, or of another org only where it may run
//! (internal in its owner org, third-party where installed and active).

use opending_domain::{orgauth::AuthInfoView, ApiError, CorpId, ErrorCode, Principal};
use opending_wire as wire;

use super::Result;
use crate::Core;

/// The point this API needs.
pub const ORG_READ: &str = "Contact.Org.Read";

/// Org certification info for `target` (or the token's own org).
pub async fn org_auth_info(
    core: &Core,
    principal: &Principal,
    target: Option<&str>,
) -> Result<wire::OrgAuthInfo> {
    principal.require(&[ORG_READ])?;
    let unknown =
        || ApiError::with_message(ErrorCode::InvalidSystemParam, "无效的企业targetCorpId");
    let corp = match target.filter(|t| !t.is_empty()) {
        None => principal.corp_id.clone(),
        Some(t) => CorpId::parse(t).map_err(|_| unknown())?,
    };
    // Both reads come from the contact cache, emptied on every change (contact_cache.rs).
    let Some(org) = core.contact_cache.org(core, &corp).await? else {
        return Err(unknown().into());
    };
    if corp != principal.corp_id
        && !core
            .contact_cache
            .may_run(core, &principal.client_id, &corp)
            .await?
    {
        tracing::debug!(target_corp = %corp, "authInfos refused: the org has not authorized this app");
        return Err(ApiError::new(ErrorCode::PermissionDenied).into());
    }
    let view = AuthInfoView::new(org.name.clone(), org.auth_info.clone());
    Ok(wire::OrgAuthInfo {
        org_name: view.org_name,
        auth_level: view.info.auth_level,
        license_org_name: view.info.license_org_name,
        registration_num: view.info.registration_num,
        unified_social_credit: view.info.unified_social_credit,
        organization_code: view.info.organization_code,
        legal_person: view.info.legal_person,
        license_url: view.info.license_url,
    })
}

/// The point `GET /v1.0/contact/users/{unionId}` needs.
pub const USER_READ: &str = "Contact.User.Read";
/// The field point that adds `mobile` and `stateCode`.
pub const USER_MOBILE: &str = "Contact.User.mobile";
/// The field point that adds `email`.
pub const USER_EMAIL: &str = "Contact.User.email";

/// A user's profile, read with a user token (docs/api.md, "Reading another user").
///
/// `me` is the token's user, with the field points (`mobile`, `stateCode`, `email`) the user
/// consented to. Another user is served only when both are members of the token's org (the
/// org the user authorized in) and the app may run there; since nobody consented on that
/// user's behalf, the field points never apply to them: only the basic profile is returned.
/// Anything else answers as an unknown unionId, so the answer does not tell whether the user
/// exists elsewhere.
pub async fn user(core: &Core, principal: &Principal, which: &str) -> Result<wire::User> {
    principal.require(&[USER_READ])?;
    let opending_domain::Subject::User(me) = &principal.subject else {
        // App tokens never hold delegated points; kept as a guard.
        return Err(ApiError::permission_denied([USER_READ.to_owned()]).into());
    };
    let invalid = || ApiError::with_message(ErrorCode::InvalidSystemParam, "无效的unionId");
    let own = which == "me" || which == me.as_str();
    let target = if own { me.as_str() } else { which };
    let target = opending_domain::UnionId::parse(target).map_err(|_| invalid())?;
    if !own {
        let corp = &principal.corp_id;
        let me = opending_domain::UnionId::parse(me.as_str()).map_err(|_| invalid())?;
        let both_members = core.store.get_role(corp, &me).await?.is_some()
            && core.store.get_role(corp, &target).await?.is_some();
        if !both_members
            || !core
                .contact_cache
                .may_run(core, &principal.client_id, corp)
                .await?
        {
            tracing::debug!(corp_id = %corp, "users/{{unionId}} refused: not a fellow member of the token's org");
            return Err(invalid().into());
        }
    }
    let Some(user) = core.contact_cache.user(core, &target).await? else {
        return Err(invalid().into());
    };
    let owner_corp_id = core
        .contact_cache
        .app_owner(core, &principal.client_id)
        .await?
        .ok_or_else(|| super::Error::Internal(anyhow::anyhow!("token's app vanished")))?;
    let with_mobile = own && principal.has(USER_MOBILE);
    let with_email = own && principal.has(USER_EMAIL);
    // The SDK's `GetUserResponseBody` (docs/dingtalk/dingtalk-wire.md §2.3): opending has no
    // visitors and no login e-mail.
    Ok(wire::User {
        nick: Some(user.nick.clone()),
        avatar_url: Some(user.avatar_url.clone()),
        mobile: user.mobile.clone().filter(|_| with_mobile),
        state_code: user.state_code.clone().filter(|_| with_mobile),
        open_id: Some(opending_domain::user::open_id(
            &core.key,
            &owner_corp_id,
            &user.union_id,
        )),
        union_id: Some(user.union_id.to_string()),
        email: user.email.clone().filter(|_| with_email),
        login_email: None,
        visitor: Some(false),
    })
}
