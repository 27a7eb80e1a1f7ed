//! Permission points: the catalogue, the points apps add (the developer console's "apply for
//! permission" step), and the app-type points orgs grant to apps (docs/dingtalk/decisions.md
//! §15–16). An app's points change under [`super::policy::app_to_change`], an org's grants
//! under [`super::policy::org_to_administer`].

use opending_domain::{
    ApiError, Distribution, ErrorCode, GrantType, PermissionCode, PermissionPoint, PointKind,
};
use serde::Deserialize;

use super::{bad, not_found, parse_client_id, parse_corp_id, policy, Declared, Result};
use crate::{Core, Origin};

/// Parses a point code given by an operator.
pub fn parse_code(s: &str) -> Result<PermissionCode> {
    PermissionCode::parse(s).map_err(bad)
}

/// A custom point to add to the catalogue.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewPoint {
    /// The code, e.g. `Acme.Invoice.Read`.
    pub code: String,
    /// Display name.
    pub name: String,
    /// rpc or field.
    pub kind: PointKind,
    /// app or delegated.
    pub grant_type: GrantType,
    /// What it allows.
    #[serde(default)]
    pub description: String,
}

impl NewPoint {
    fn into_point(self) -> Result<PermissionPoint> {
        let name = opending_domain::org::parse_name("name", &self.name).map_err(bad)?;
        if self.description.chars().count() > 2000 {
            return Err(bad("description is longer than 2000 characters"));
        }
        Ok(PermissionPoint {
            code: parse_code(&self.code)?,
            name,
            kind: self.kind,
            grant_type: self.grant_type,
            description: self.description,
            builtin: false,
        })
    }
}

/// The catalogue.
pub async fn list_points(core: &Core) -> Result<Vec<PermissionPoint>> {
    Ok(core.store.list_points().await?)
}

/// Adds a custom point; `Conflict` if the code exists.
pub async fn create_point(core: &Core, input: NewPoint) -> Result<PermissionPoint> {
    let point = input.into_point()?;
    if !core.store.ensure_point(&point).await? {
        return Err(ApiError::with_message(
            ErrorCode::Conflict,
            format!("point {} already exists", point.code),
        )
        .into());
    }
    tracing::info!(code = %point.code, "permission point created");
    Ok(point)
}

/// Creates a custom point or brings it to the declared state (seed files). Built-ins cannot
/// be changed.
pub async fn declare_point(core: &Core, input: NewPoint) -> Result<Declared> {
    let point = input.into_point()?;
    match core.store.get_point(&point.code).await? {
        None => {
            core.store.ensure_point(&point).await?;
            Ok(Declared::Created)
        }
        Some(existing) if existing.builtin => {
            if existing.kind != point.kind || existing.grant_type != point.grant_type {
                return Err(bad(format!(
                    "{} is a built-in point and cannot be changed",
                    point.code
                )));
            }
            Ok(Declared::Unchanged)
        }
        Some(existing) if existing == point => Ok(Declared::Unchanged),
        Some(_) => {
            core.store.update_point(&point).await?;
            Ok(Declared::Updated(vec!["point"]))
        }
    }
}

/// Deletes a custom point, with every app's addition and org's grant of it.
pub async fn delete_point(core: &Core, code: &str) -> Result<()> {
    let code = parse_code(code)?;
    match core.store.get_point(&code).await? {
        None => Err(not_found(format!("point {code} does not exist"))),
        Some(p) if p.builtin => Err(bad(format!(
            "{code} is a built-in point and cannot be deleted"
        ))),
        Some(_) => {
            core.store.delete_point(&code).await?;
            tracing::info!(code = %code, "permission point deleted");
            Ok(())
        }
    }
}

/// The points an app added.
pub async fn app_points(core: &Core, client_id: &str) -> Result<Vec<PermissionPoint>> {
    let id = parse_client_id(client_id)?;
    if core.store.get_app(&id).await?.is_none() {
        return Err(not_found(format!("app {id} does not exist")));
    }
    Ok(core.store.list_app_points(&id).await?)
}

/// Adds a catalogue point to an app (idempotent).
pub async fn add_app_point(
    core: &Core,
    origin: &Origin,
    client_id: &str,
    code: &str,
) -> Result<Vec<PermissionPoint>> {
    let id = policy::app_to_change(core, origin, client_id)
        .await?
        .app
        .client_id;
    let code = parse_code(code)?;
    if core.store.get_point(&code).await?.is_none() {
        return Err(not_found(format!("point {code} is not in the catalogue")));
    }
    core.store.add_app_point(&id, &code).await?;
    tracing::info!(client_id = %id, code = %code, "point added to app");
    Ok(core.store.list_app_points(&id).await?)
}

/// Adds each of `codes` the app has not added yet (a seed file's or the demo's declaration);
/// answers whether any was added.
pub async fn add_missing_app_points(
    core: &Core,
    origin: &Origin,
    client_id: &str,
    codes: &[String],
) -> Result<bool> {
    let have: Vec<String> = app_points(core, client_id)
        .await?
        .into_iter()
        .map(|p| p.code.into())
        .collect();
    let mut added = false;
    for code in codes.iter().filter(|c| !have.contains(c)) {
        add_app_point(core, origin, client_id, code).await?;
        added = true;
    }
    Ok(added)
}

/// Removes a point from an app; its tokens lose it on their next request.
pub async fn remove_app_point(
    core: &Core,
    origin: &Origin,
    client_id: &str,
    code: &str,
) -> Result<Vec<PermissionPoint>> {
    let id = policy::app_to_change(core, origin, client_id)
        .await?
        .app
        .client_id;
    let code = parse_code(code)?;
    if !core.store.remove_app_point(&id, &code).await? {
        return Err(not_found(format!("app {id} has not added {code}")));
    }
    tracing::info!(client_id = %id, code = %code, "point removed from app");
    Ok(core.store.list_app_points(&id).await?)
}

/// The app-type points an org granted to an app.
pub async fn org_grants(
    core: &Core,
    client_id: &str,
    corp_id: &str,
) -> Result<Vec<PermissionCode>> {
    let (id, corp) = (parse_client_id(client_id)?, parse_corp_id(corp_id)?);
    Ok(core.store.list_org_grants(&id, &corp).await?)
}

/// An org grants app-type points to a third-party app installed there. The app must have added
/// each point, and each must be app-type (openAuth's 500104 and 500204 rules). The app hears
/// of it (`org_suite_change`).
pub async fn grant(
    core: &Core,
    origin: &Origin,
    client_id: &str,
    corp_id: &str,
    codes: &[String],
) -> Result<Vec<PermissionCode>> {
    let granted = declare_grants(core, origin, client_id, corp_id, codes).await?;
    super::events::installation_changed(
        core,
        &parse_client_id(client_id)?,
        &parse_corp_id(corp_id)?,
        opending_domain::event::EventType::OrgSuiteChange,
    )
    .await?;
    Ok(granted)
}

/// [`grant`] as a seed file declares it: the same checks, no event (a seed file declares the
/// world; docs/events.md).
pub async fn declare_grants(
    core: &Core,
    origin: &Origin,
    client_id: &str,
    corp_id: &str,
    codes: &[String],
) -> Result<Vec<PermissionCode>> {
    let (id, corp) = (parse_client_id(client_id)?, parse_corp_id(corp_id)?);
    policy::org_to_administer(core, origin, &corp).await?;
    let app = core
        .store
        .get_app(&id)
        .await?
        .ok_or_else(|| not_found(format!("app {id} does not exist")))?;
    if app.distribution == Distribution::Internal {
        return Err(bad(format!(
            "{id} is an internal app: its added app-type points are effective in its owner org without grants"
        )));
    }
    if core.store.get_installation(&id, &corp).await?.is_none() {
        return Err(not_found(format!("{id} is not installed in {corp}")));
    }
    let added = core.store.list_app_type_points(&id).await?;
    let mut wanted = Vec::new();
    for c in codes {
        if c == ".default" {
            wanted.extend(added.iter().cloned());
            continue;
        }
        let code = parse_code(c)?;
        let point = core
            .store
            .get_point(&code)
            .await?
            .ok_or_else(|| not_found(format!("point {code} is not in the catalogue")))?;
        if point.grant_type != GrantType::App {
            return Err(bad(format!(
                "{code} is a delegated point: users consent to it, orgs do not grant it"
            )));
        }
        if !added.contains(&code) {
            return Err(bad(format!("{id} has not added {code}")));
        }
        wanted.push(code);
    }
    for code in &wanted {
        core.store.grant_org_point(&id, &corp, code).await?;
    }
    tracing::info!(client_id = %id, corp_id = %corp, points = wanted.len(), "org granted points");
    let event = super::audit::admin_event(core, origin, opending_domain::AuditKind::ConsentGranted)
        .app(&id)
        .org(&corp)
        .detail("points", opending_domain::grant::join_codes(&wanted));
    super::audit::record(core, origin, event).await?;
    Ok(core.store.list_org_grants(&id, &corp).await?)
}

/// An org withdraws a grant; the app's tokens there lose the point on their next request.
pub async fn revoke_grant(
    core: &Core,
    origin: &Origin,
    client_id: &str,
    corp_id: &str,
    code: &str,
) -> Result<Vec<PermissionCode>> {
    let (id, corp, code) = (
        parse_client_id(client_id)?,
        parse_corp_id(corp_id)?,
        parse_code(code)?,
    );
    policy::org_to_administer(core, origin, &corp).await?;
    if !core.store.revoke_org_point(&id, &corp, &code).await? {
        return Err(not_found(format!("{corp} has not granted {code} to {id}")));
    }
    tracing::info!(client_id = %id, corp_id = %corp, code = %code, "org grant withdrawn");
    super::events::installation_changed(
        core,
        &id,
        &corp,
        opending_domain::event::EventType::OrgSuiteChange,
    )
    .await?;
    let event = super::audit::admin_event(core, origin, opending_domain::AuditKind::ConsentRevoked)
        .app(&id)
        .org(&corp)
        .detail("points", &code);
    super::audit::record(core, origin, event).await?;
    Ok(core.store.list_org_grants(&id, &corp).await?)
}
