//! Orgs (tenants) and their certification info.

use async_trait::async_trait;
use opending_domain::{CorpId, Org, OrgAuthInfo, UnixTime};

use crate::{
    backend::Backend,
    exec::{stmt, Row},
    StoreError, StoreResult,
};

/// Orgs.
#[async_trait]
pub trait OrgStore: Send + Sync {
    /// Creates an org; `Conflict` if the corpId exists.
    async fn create_org(&self, org: &Org) -> StoreResult<()>;
    /// Renames an org; `NotFound` if it does not exist.
    async fn rename_org(&self, corp_id: &CorpId, name: &str) -> StoreResult<()>;
    /// One org.
    async fn get_org(&self, corp_id: &CorpId) -> StoreResult<Option<Org>>;
    /// All orgs, oldest first.
    async fn list_orgs(&self) -> StoreResult<Vec<Org>>;
    /// An org's certification info (`None`: never set, i.e. level 0).
    async fn get_org_auth_info(&self, corp_id: &CorpId) -> StoreResult<Option<OrgAuthInfo>>;
    /// Sets an org's certification info; `NotFound` if the org does not exist.
    async fn put_org_auth_info(&self, corp_id: &CorpId, info: &OrgAuthInfo) -> StoreResult<()>;
}

fn org(r: &dyn Row) -> StoreResult<Org> {
    Ok(Org {
        corp_id: super::corp_id(r, "corp_id")?,
        name: r.text("name")?,
        created_at: UnixTime(r.int("created_at")?),
    })
}

fn auth_info(r: &dyn Row) -> StoreResult<OrgAuthInfo> {
    Ok(OrgAuthInfo {
        auth_level: r.int("auth_level")?,
        license_org_name: r.opt_text("license_org_name")?,
        registration_num: r.opt_text("registration_num")?,
        unified_social_credit: r.opt_text("unified_social_credit")?,
        organization_code: r.opt_text("organization_code")?,
        legal_person: r.opt_text("legal_person")?,
        license_url: r.opt_text("license_url")?,
    })
}

#[async_trait]
impl<B: Backend> OrgStore for B {
    async fn create_org(&self, o: &Org) -> StoreResult<()> {
        let insert = stmt!(
            "INSERT INTO orgs (corp_id, name, created_at) VALUES ($1, $2, $3)",
            o.corp_id.as_str(),
            &o.name,
            o.created_at.0
        );
        self.change(move |tx| {
            Box::pin(async move {
                tx.execute(&insert)
                    .await
                    .map_err(|e| e.on_write("an org with this corpId"))?;
                Ok(())
            })
        })
        .await
    }

    async fn rename_org(&self, corp_id: &CorpId, name: &str) -> StoreResult<()> {
        let update = stmt!(
            "UPDATE orgs SET name = $2 WHERE corp_id = $1",
            corp_id.as_str(),
            name
        );
        let missing = StoreError::NotFound(format!("org {corp_id}"));
        self.change(move |tx| {
            Box::pin(async move {
                if tx.execute(&update).await? == 0 {
                    return Err(missing);
                }
                Ok(())
            })
        })
        .await
    }

    async fn get_org(&self, corp_id: &CorpId) -> StoreResult<Option<Org>> {
        self.one(
            stmt!(
                "SELECT corp_id, name, created_at FROM orgs WHERE corp_id = $1",
                corp_id.as_str()
            ),
            org,
        )
        .await
    }

    async fn list_orgs(&self) -> StoreResult<Vec<Org>> {
        self.all(
            stmt!("SELECT corp_id, name, created_at FROM orgs ORDER BY created_at, corp_id"),
            org,
        )
        .await
    }

    async fn get_org_auth_info(&self, corp_id: &CorpId) -> StoreResult<Option<OrgAuthInfo>> {
        self.one(
            stmt!(
                "SELECT auth_level, license_org_name, registration_num, unified_social_credit, \
                        organization_code, legal_person, license_url \
                 FROM org_auth_info WHERE corp_id = $1",
                corp_id.as_str()
            ),
            auth_info,
        )
        .await
    }

    async fn put_org_auth_info(&self, corp_id: &CorpId, i: &OrgAuthInfo) -> StoreResult<()> {
        let upsert = stmt!(
            "INSERT INTO org_auth_info (corp_id, auth_level, license_org_name, registration_num, \
                 unified_social_credit, organization_code, legal_person, license_url) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (corp_id) DO UPDATE SET auth_level = excluded.auth_level, \
                 license_org_name = excluded.license_org_name, \
                 registration_num = excluded.registration_num, \
                 unified_social_credit = excluded.unified_social_credit, \
                 organization_code = excluded.organization_code, \
                 legal_person = excluded.legal_person, license_url = excluded.license_url",
            corp_id.as_str(),
            i.auth_level,
            &i.license_org_name,
            &i.registration_num,
            &i.unified_social_credit,
            &i.organization_code,
            &i.legal_person,
            &i.license_url
        );
        self.change(move |tx| {
            Box::pin(async move {
                tx.execute(&upsert)
                    .await
                    .map_err(|e| e.on_write("the org's certification info"))?;
                Ok(())
            })
        })
        .await
    }
}
