//! Installations: which apps an org has installed, and their status.

use async_trait::async_trait;
use opending_domain::{ClientId, CorpId, Installation, InstallationStatus, UnixTime};

use crate::{
    backend::Backend,
    exec::{corrupt, stmt, Row, TokenLock, Tx},
    StoreError, StoreResult,
};

/// Which installations to list.
#[derive(Debug, Clone, Default)]
pub struct InstallationFilter {
    /// Only this app's.
    pub client_id: Option<ClientId>,
    /// Only in this org.
    pub corp_id: Option<CorpId>,
}

/// Installations.
#[async_trait]
pub trait InstallationStore: Send + Sync {
    /// Installs an app in an org or changes the installation's status. Suspending revokes the
    /// app's tokens in that org (app and user tokens) in the same transaction. `NotFound` if the
    /// app or the org does not exist.
    async fn put_installation(&self, inst: &Installation) -> StoreResult<()>;
    /// One installation.
    async fn get_installation(
        &self,
        client_id: &ClientId,
        corp_id: &CorpId,
    ) -> StoreResult<Option<Installation>>;
    /// Installations matching a filter, oldest first.
    async fn list_installations(
        &self,
        filter: &InstallationFilter,
    ) -> StoreResult<Vec<Installation>>;
    /// Removes an installation, the org's grants and the app's tokens in that org (app and user
    /// tokens); `NotFound` if absent.
    async fn delete_installation(&self, client_id: &ClientId, corp_id: &CorpId) -> StoreResult<()>;
}

fn installation(r: &dyn Row) -> StoreResult<Installation> {
    Ok(Installation {
        client_id: super::client_id(r, "client_id")?,
        corp_id: super::corp_id(r, "corp_id")?,
        status: r
            .text("status")?
            .parse()
            .map_err(|e| corrupt("status", e))?,
        created_at: UnixTime(r.int("created_at")?),
    })
}

/// Deletes an app's app, user and refresh tokens in one org (suspension, uninstall):
/// withdrawing the app from the org withdraws every token it holds there.
async fn withdraw_tokens(tx: &mut dyn Tx, client_id: &str, corp_id: &str) -> StoreResult<()> {
    tx.lock(TokenLock::App(client_id), true).await?;
    for table in super::TOKEN_TABLES {
        super::delete_from(
            tx,
            table,
            "client_id = $1 AND corp_id = $2",
            vec![client_id.into(), corp_id.into()],
        )
        .await?;
    }
    Ok(())
}

#[async_trait]
impl<B: Backend> InstallationStore for B {
    async fn put_installation(&self, inst: &Installation) -> StoreResult<()> {
        let upsert = stmt!(
            "INSERT INTO installations (client_id, corp_id, status, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (client_id, corp_id) DO UPDATE SET status = excluded.status",
            inst.client_id.as_str(),
            inst.corp_id.as_str(),
            inst.status.as_str(),
            inst.created_at.0
        );
        let withdraw = (inst.status != InstallationStatus::Active).then(|| {
            (
                inst.client_id.as_str().to_owned(),
                inst.corp_id.as_str().to_owned(),
            )
        });
        self.change(move |tx| {
            Box::pin(async move {
                tx.execute(&upsert)
                    .await
                    .map_err(|e| e.on_write("an installation"))?;
                if let Some((client, corp)) = &withdraw {
                    withdraw_tokens(tx, client, corp).await?;
                }
                Ok(())
            })
        })
        .await
    }

    async fn get_installation(
        &self,
        client_id: &ClientId,
        corp_id: &CorpId,
    ) -> StoreResult<Option<Installation>> {
        self.one(
            stmt!(
                "SELECT client_id, corp_id, status, created_at FROM installations \
                 WHERE client_id = $1 AND corp_id = $2",
                client_id.as_str(),
                corp_id.as_str()
            ),
            installation,
        )
        .await
    }

    async fn list_installations(
        &self,
        filter: &InstallationFilter,
    ) -> StoreResult<Vec<Installation>> {
        self.all(
            stmt!(
                "SELECT client_id, corp_id, status, created_at FROM installations \
                 WHERE ($1 IS NULL OR client_id = $1) AND ($2 IS NULL OR corp_id = $2) \
                 ORDER BY created_at, client_id, corp_id",
                filter.client_id.as_ref().map(ClientId::as_str),
                filter.corp_id.as_ref().map(CorpId::as_str)
            ),
            installation,
        )
        .await
    }

    async fn delete_installation(&self, client_id: &ClientId, corp_id: &CorpId) -> StoreResult<()> {
        let (client, corp) = (client_id.as_str().to_owned(), corp_id.as_str().to_owned());
        self.change(move |tx| {
            Box::pin(async move {
                let keys = || vec![client.as_str().into(), corp.as_str().into()];
                let filter = "client_id = $1 AND corp_id = $2";
                if super::delete_from(tx, "installations", filter, keys()).await? == 0 {
                    return Err(StoreError::NotFound(format!(
                        "installation of {client} in {corp}"
                    )));
                }
                withdraw_tokens(tx, &client, &corp).await?;
                super::delete_from(tx, "org_grants", filter, keys()).await?;
                Ok(())
            })
        })
        .await
    }
}
