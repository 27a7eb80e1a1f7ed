//! Consents: what a person authorized apps to do (the "My authorizations" page) and their
//! withdrawal, which ends the app's tokens for them.

use opending_domain::{CorpId, UnionId};

use super::Result;
use crate::{Core, Origin};

/// A signed-in user withdraws their consents to an app, which kills its tokens for them;
/// returns how many tokens went.
pub async fn revoke_own_consent(
    core: &Core,
    origin: &Origin,
    client: &opending_domain::ClientId,
    union_id: &UnionId,
) -> Result<u64> {
    let n = core.store.revoke_user_app(client, union_id).await?;
    tracing::info!(client_id = %client, union_id = %union_id, revoked_tokens = n, "user revoked an app's authorization");
    let event = opending_domain::AuditEvent::new(
        opending_domain::AuditKind::ConsentRevoked,
        core.now(),
        opending_domain::ActorKind::User,
        Some(union_id.to_string()),
    )
    .app(client)
    .detail("revoked", n);
    super::audit::record(core, origin, event).await?;
    Ok(n)
}

/// One app a user has authorized ("My authorizations"): the app and the org it was
/// authorized in, with the points consented to (code and display name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    /// The app.
    pub client_id: String,
    /// Its name (empty when the app is gone).
    pub app_name: String,
    /// The org's name, or `None` for a consent given without an org.
    pub org_name: Option<String>,
    /// The points: (code, display name from the catalogue).
    pub points: Vec<(String, String)>,
}

/// The user's consents, one entry per (app, org), ordered by app and org.
pub async fn authorizations(core: &Core, union_id: &UnionId) -> Result<Vec<Authorization>> {
    let catalogue = core.store.list_points().await?;
    let mut by_app: std::collections::BTreeMap<(String, String), Vec<(String, String)>> =
        Default::default();
    for g in core.store.user_grants(union_id).await? {
        let name = catalogue
            .iter()
            .find(|p| p.code == g.code)
            .map(|p| p.name.clone())
            .unwrap_or_default();
        by_app
            .entry((g.client_id.to_string(), g.corp_id.clone()))
            .or_default()
            .push((g.code.as_str().to_owned(), name));
    }
    let mut out = Vec::with_capacity(by_app.len());
    for ((client, corp), points) in by_app {
        let app_name = match opending_domain::ClientId::parse(client.as_str()) {
            Ok(id) => core.store.get_app(&id).await?.map(|a| a.name),
            Err(_) => None,
        };
        let org_name = match CorpId::parse(corp.as_str()) {
            Ok(id) => Some(
                core.store
                    .get_org(&id)
                    .await?
                    .map(|o| o.name)
                    .unwrap_or_default(),
            ),
            Err(_) => None,
        };
        out.push(Authorization {
            client_id: client,
            app_name: app_name.unwrap_or_default(),
            org_name,
            points,
        });
    }
    Ok(out)
}

/// `GET /v1.0/oauth2/authRules/user`: what the user behind a user token granted the app, as
/// DingTalk's `{resource, authItems}` pairs — each point the token carries (the user's consent,
/// limited to the points the app still has added) split at its last `.`: `Contact.User.Read`
/// and `Contact.User.mobile` make `{"resource":"Contact.User","authItems":["Read","mobile"]}`.
/// The base point every user token carries is left out. An app token has no user: 403.
pub fn personal_auth_rules(
    principal: &opending_domain::Principal,
) -> Result<Vec<(String, Vec<String>)>> {
    if !matches!(principal.subject, opending_domain::Subject::User(_)) {
        return Err(opending_domain::ApiError::with_message(
            opending_domain::ErrorCode::AccessTokenPermissionDenied,
            "authRules/user needs a user access token",
        )
        .into());
    }
    let mut rules: Vec<(String, Vec<String>)> = Vec::new();
    for point in principal.points.iter().map(|p| p.as_str()) {
        if point == "open_app_api_base" {
            continue;
        }
        let (resource, item) = match point.rsplit_once('.') {
            Some((r, i)) => (r.to_owned(), Some(i.to_owned())),
            None => (point.to_owned(), None),
        };
        match rules.iter_mut().find(|(r, _)| *r == resource) {
            Some((_, items)) => items.extend(item),
            None => rules.push((resource, item.into_iter().collect())),
        }
    }
    Ok(rules)
}
