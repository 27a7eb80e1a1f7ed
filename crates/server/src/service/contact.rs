//! The contact API: `GET /v1.0/contact/organizations/authInfos` (seed 003).
//!
//! An app reads the certification info of its own org, or of another org only where it may run
//! (internal in its owner org, third-party where installed and active).

use opending_domain::{orgauth::AuthInfoView, ApiError, CorpId, ErrorCode, Principal};

use super::Result;
use crate::Core;

/// The point this API needs.
pub const ORG_READ: &str = "Contact.Org.Read";

/// Org certification info for `target` (or the token's own org).
pub async fn org_auth_info(
    core: &Core,
    principal: &Principal,
    target: Option<&str>,
) -> Result<AuthInfoView> {
    principal.require(&[ORG_READ])?;
    let unknown =
        || ApiError::with_message(ErrorCode::InvalidSystemParam, "无效的企业targetCorpId");
    let corp = match target.filter(|t| !t.is_empty()) {
        None => principal.corp_id.clone(),
        Some(t) => CorpId::parse(t).map_err(|_| unknown())?,
    };
    let Some(org) = core.store.get_org(&corp).await? else {
        return Err(unknown().into());
    };
    if corp != principal.corp_id {
        let standing = core.store.app_in_org(&principal.client_id, &corp).await?;
        let allowed = standing.is_some_and(|s| {
            s.app
                .may_run_in(&corp, s.org_exists, s.installation)
                .is_ok()
        });
        if !allowed {
            tracing::debug!(target_corp = %corp, "authInfos refused: the org has not authorized this app");
            return Err(ApiError::new(ErrorCode::PermissionDenied).into());
        }
    }
    let info = core
        .store
        .get_org_auth_info(&corp)
        .await?
        .unwrap_or_default();
    Ok(AuthInfoView::new(org.name, info))
}
