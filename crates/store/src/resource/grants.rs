//! Grants: an org's grants of app-type points to an app, and users' consents to an app.

use async_trait::async_trait;
use opending_domain::{grant::UserGrant, ClientId, CorpId, PermissionCode, UnionId, UnixTime};

use crate::{
    backend::Backend,
    exec::{stmt, Row, TokenLock},
    StoreResult,
};

/// Org grants and user consents.
#[async_trait]
pub trait GrantStore: Send + Sync {
    /// An org grants an app-type point to an app (idempotent); `NotFound` if the app, the org
    /// or the point does not exist.
    async fn grant_org_point(
        &self,
        client_id: &ClientId,
        corp_id: &CorpId,
        code: &PermissionCode,
    ) -> StoreResult<()>;
    /// Withdraws an org's grant; returns whether it existed.
    async fn revoke_org_point(
        &self,
        client_id: &ClientId,
        corp_id: &CorpId,
        code: &PermissionCode,
    ) -> StoreResult<bool>;
    /// The points an org granted to an app, by code.
    async fn list_org_grants(
        &self,
        client_id: &ClientId,
        corp_id: &CorpId,
    ) -> StoreResult<Vec<PermissionCode>>;

    /// Records a user's consent to points for an app (again: the consent's time moves).
    async fn add_user_grants(
        &self,
        client_id: &ClientId,
        union_id: &UnionId,
        corp_id: &str,
        codes: &[PermissionCode],
        now: UnixTime,
    ) -> StoreResult<()>;
    /// A user's consents, by app, org and point.
    async fn user_grants(&self, union_id: &UnionId) -> StoreResult<Vec<UserGrant>>;
    /// Withdraws a user's consents to an app and kills its tokens for the user; returns how
    /// many tokens (access and refresh) went.
    async fn revoke_user_app(&self, client_id: &ClientId, union_id: &UnionId) -> StoreResult<u64>;
}

fn grant(r: &dyn Row) -> StoreResult<UserGrant> {
    Ok(UserGrant {
        client_id: super::client_id(r, "client_id")?,
        corp_id: r.text("corp_id")?,
        code: super::permission(r, "code")?,
        granted_at: UnixTime(r.int("granted_at")?),
    })
}

#[async_trait]
impl<B: Backend> GrantStore for B {
    async fn grant_org_point(
        &self,
        client_id: &ClientId,
        corp_id: &CorpId,
        code: &PermissionCode,
    ) -> StoreResult<()> {
        let insert = stmt!(
            "INSERT INTO org_grants (client_id, corp_id, code) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            client_id.as_str(),
            corp_id.as_str(),
            code.as_str()
        );
        self.change(move |tx| {
            Box::pin(async move {
                tx.execute(&insert)
                    .await
                    .map_err(|e| e.on_write("the grant"))?;
                Ok(())
            })
        })
        .await
    }

    async fn revoke_org_point(
        &self,
        client_id: &ClientId,
        corp_id: &CorpId,
        code: &PermissionCode,
    ) -> StoreResult<bool> {
        let delete = stmt!(
            "DELETE FROM org_grants WHERE client_id = $1 AND corp_id = $2 AND code = $3",
            client_id.as_str(),
            corp_id.as_str(),
            code.as_str()
        );
        self.change(move |tx| Box::pin(async move { Ok(tx.execute(&delete).await? > 0) }))
            .await
    }

    async fn list_org_grants(
        &self,
        client_id: &ClientId,
        corp_id: &CorpId,
    ) -> StoreResult<Vec<PermissionCode>> {
        self.all(
            stmt!(
                "SELECT code FROM org_grants WHERE client_id = $1 AND corp_id = $2 ORDER BY code",
                client_id.as_str(),
                corp_id.as_str()
            ),
            super::points::code,
        )
        .await
    }

    async fn add_user_grants(
        &self,
        client_id: &ClientId,
        union_id: &UnionId,
        corp_id: &str,
        codes: &[PermissionCode],
        now: UnixTime,
    ) -> StoreResult<()> {
        let inserts: Vec<_> = codes
            .iter()
            .map(|code| {
                stmt!(
                    "INSERT INTO user_grants (client_id, union_id, corp_id, code, granted_at) \
                     VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (client_id, union_id, corp_id, code) DO UPDATE SET granted_at = excluded.granted_at",
                    client_id.as_str(),
                    union_id.as_str(),
                    corp_id,
                    code.as_str(),
                    now.0
                )
            })
            .collect();
        self.write(move |tx| {
            Box::pin(async move {
                for insert in &inserts {
                    tx.execute(insert)
                        .await
                        .map_err(|e| e.on_write("the consent"))?;
                }
                Ok(())
            })
        })
        .await
    }

    async fn user_grants(&self, union_id: &UnionId) -> StoreResult<Vec<UserGrant>> {
        self.all(
            stmt!(
                "SELECT client_id, corp_id, code, granted_at FROM user_grants WHERE union_id = $1 \
                 ORDER BY client_id, corp_id, code",
                union_id.as_str()
            ),
            grant,
        )
        .await
    }

    async fn revoke_user_app(&self, client_id: &ClientId, union_id: &UnionId) -> StoreResult<u64> {
        let (client, user) = (client_id.as_str().to_owned(), union_id.as_str().to_owned());
        self.change(move |tx| {
            Box::pin(async move {
                tx.lock(TokenLock::User(&user), true).await?;
                let keys = || vec![client.as_str().into(), user.as_str().into()];
                let filter = "client_id = $1 AND union_id = $2";
                super::delete_from(tx, "user_grants", filter, keys()).await?;
                let access = super::delete_from(tx, "user_tokens", filter, keys()).await?;
                let refresh = super::delete_from(tx, "refresh_tokens", filter, keys()).await?;
                Ok(access + refresh)
            })
        })
        .await
    }
}
