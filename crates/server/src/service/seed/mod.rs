//! Seed files: a declared world (orgs, apps with fixed credentials, installations) applied at
//! start (`--seed`) or on demand (`opending admin apply`). Applying the same document twice
//! changes nothing. Schema: `docs/seed-file.md`.
//!
//! A seed declares what must exist; it never deletes what it does not mention. The document's
//! shape, ids, names, secrets and duplicates are checked before the first write; references to
//! things in storage are checked as it applies, in order (points, orgs, apps, installations,
//! users), so a failing document may be partly applied — fix it and apply again.

use super::{
    apps::{self, AppDeclaration, AppUris},
    installations, memberships, orgs, points, users, Declared, Result,
};
use crate::Core;

mod doc;

use doc::invalid;
pub use doc::{
    parse, ApplyReport, SeedApp, SeedDoc, SeedInstallation, SeedMembership, SeedOrg, SeedUser,
};

impl ApplyReport {
    /// Counts one declaration under `id` ("org X", "user Y").
    fn count(&mut self, id: String, declared: Declared) {
        match declared {
            Declared::Created => self.created.push(id),
            Declared::Updated(what) => self.updated.push(format!("{id}: {}", what.join(", "))),
            Declared::Unchanged => self.unchanged += 1,
        }
    }
}

/// Names the declaration an InvalidParameter came from (`app X: …`).
fn within(id: &str) -> impl Fn(super::Error) -> super::Error + '_ {
    move |e| match e {
        super::Error::Api(a) => invalid(format!("{id}: {}", a.message())),
        other => other,
    }
}

/// Applies a document through the resource services' declarations. Idempotent: a second
/// application reports everything unchanged. Audited as one event.
pub async fn apply(core: &Core, origin: &crate::Origin, doc: &SeedDoc) -> Result<ApplyReport> {
    let mut report = ApplyReport::default();
    // The users' argon2 work (tens of milliseconds each: most of a start-up with a seed) runs
    // on the blocking pool while the rest of the document is applied.
    let mut passwords = Vec::with_capacity(doc.users.len());
    for u in &doc.users {
        passwords.push(users::start_password_check(core, &u.new_user()).await?);
    }
    for p in &doc.points {
        let id = format!("point {}", p.code);
        match points::declare_point(core, p.clone()).await? {
            // A point's report names it, not its fields.
            Declared::Updated(_) => report.updated.push(id),
            other => report.count(id, other),
        }
    }
    for o in &doc.orgs {
        let id = format!("org {}", o.corp_id);
        let declared = orgs::declare(core, &o.corp_id, &o.name).await?;
        report.count(id.clone(), declared);
        if let Some(info) = &o.auth_info {
            if orgs::declare_auth_info(core, &o.corp_id, info).await? {
                report.updated.push(format!("{id}: authInfo"));
            }
        }
        if !o.departments.is_empty() {
            for (dept, declared) in
                super::directory::declare_departments(core, &o.corp_id, &o.departments)
                    .await
                    .map_err(within(&id))?
            {
                report.count(format!("{id}: department {dept}"), declared);
            }
        }
        if let Some(secret) = &o.sso_secret {
            if super::sso::declare_secret(core, &o.corp_id, secret)
                .await
                .map_err(within(&id))?
            {
                report.updated.push(format!("{id}: ssoSecret"));
            }
        }
    }
    for a in &doc.apps {
        apply_app(core, origin, a, &mut report).await?;
    }
    for i in &doc.installations {
        let id = format!("installation {}@{}", i.client_id, i.corp_id);
        let declared =
            installations::declare_installation(core, &i.client_id, &i.corp_id, i.status).await?;
        report.count(id.clone(), declared);
        if !i.grants.is_empty() {
            let before = points::org_grants(core, i.client_id.as_str(), i.corp_id.as_str()).await?;
            let after = points::declare_grants(
                core,
                origin,
                i.client_id.as_str(),
                i.corp_id.as_str(),
                &i.grants,
            )
            .await
            .map_err(within(&id))?;
            if before != after {
                report.updated.push(format!("{id}: grants"));
            }
        }
    }
    for (u, password) in doc.users.iter().zip(passwords) {
        let (union_id, declared) = users::declare_user(core, &u.new_user(), password).await?;
        let id = format!("user {union_id}");
        report.count(id.clone(), declared);
        for m in &u.orgs {
            let membership = opending_domain::Membership {
                corp_id: m.corp_id.clone(),
                union_id: union_id.clone(),
                role: m.role,
            };
            if memberships::declare_membership(core, &membership).await? {
                report.updated.push(format!(
                    "{id}: member of {} as {}",
                    m.corp_id,
                    m.role.as_str()
                ));
            }
            let staff = m.staff();
            if !staff.is_empty()
                && super::directory::declare_staff(core, &m.corp_id, &union_id, &staff)
                    .await
                    .map_err(within(&format!("{id} in {}", m.corp_id)))?
            {
                report
                    .updated
                    .push(format!("{id}: directory profile in {}", m.corp_id));
            }
        }
    }
    if !report.created.is_empty() || !report.updated.is_empty() {
        let event = super::audit::admin_action(core, origin, "apply_seed")
            .detail("created", report.created.len())
            .detail("updated", report.updated.len());
        super::audit::record(core, origin, event).await?;
    }
    Ok(report)
}

async fn apply_app(
    core: &Core,
    origin: &crate::Origin,
    a: &SeedApp,
    report: &mut ApplyReport,
) -> Result<()> {
    let id = format!("app {}", a.client_id);
    let (declared, generated) = apps::declare_app(
        core,
        AppDeclaration {
            client_id: &a.client_id,
            name: &a.name,
            owner: &a.owner,
            distribution: a.distribution,
            client_secret: a.client_secret.as_ref(),
            custom: a.custom,
            admin_url: a.admin_url.as_deref(),
        },
    )
    .await?;
    if let Some(s) = generated {
        report
            .generated_secrets
            .insert(a.client_id.to_string(), s.expose().to_owned());
    }
    let added = add_points(core, origin, a).await.map_err(within(&id))?;
    let callback = match &a.event_callback {
        Some(cb) => super::events::declare_callback(core, &a.client_id, cb)
            .await
            .map_err(within(&id))?,
        None => false,
    };
    let more = [
        added.then_some("points"),
        callback.then_some("eventCallback"),
    ];
    let declared = match declared {
        Declared::Created => Declared::Created,
        Declared::Updated(mut what) => {
            what.extend(more.into_iter().flatten());
            Declared::Updated(what)
        }
        Declared::Unchanged => Declared::from_changes(more.into_iter().flatten().collect()),
    };
    report.count(id, declared);
    Ok(())
}

/// Adds the app's declared points and URIs it lacks; returns whether any was added.
async fn add_points(core: &Core, origin: &crate::Origin, a: &SeedApp) -> Result<bool> {
    let mut added = false;
    if !a.redirect_uris.is_empty() || !a.origins.is_empty() {
        let before = apps::app_uris(core, a.client_id.as_str()).await?;
        let wanted = AppUris {
            redirect_uris: a.redirect_uris.clone(),
            origins: a.origins.clone(),
        };
        let after = apps::add_app_uris(core, origin, a.client_id.as_str(), &wanted).await?;
        added |= before != after;
    }
    if a.points.is_empty() {
        return Ok(added);
    }
    Ok(
        points::add_missing_app_points(core, origin, a.client_id.as_str(), &a.points).await?
            || added,
    )
}
