//! Storage of what the developer console adds to an app: its icon and who created it. Kept
//! beside the app row (migration `0005_console`) but out of [`opending_domain::App`], so the
//! token path, seed files and the admin API stay as they were.

use async_trait::async_trait;
use opending_domain::{ClientId, UnionId};

use crate::StoreResult;

/// The console's fields of an app.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppProfile {
    /// Icon URL (`''` when none).
    pub icon_url: String,
    /// The user who created the app in the console; `None` for apps made by the admin API,
    /// the CLI or a seed file, or whose creator was deleted.
    pub created_by: Option<UnionId>,
}

/// The console part of the storage port.
#[async_trait]
pub trait ConsoleStore: Send + Sync {
    /// An app's console fields; `None` if the app does not exist.
    async fn app_profile(&self, client_id: &ClientId) -> StoreResult<Option<AppProfile>>;
    /// Sets an app's icon URL; `NotFound` if the app does not exist.
    async fn set_app_icon(&self, client_id: &ClientId, icon_url: &str) -> StoreResult<()>;
    /// Records who created an app; `NotFound` if the app does not exist.
    async fn set_app_creator(&self, client_id: &ClientId, union_id: &UnionId) -> StoreResult<()>;
}

macro_rules! impl_console_store {
    ($ty:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl crate::ConsoleStore for $ty {
            async fn app_profile(
                &self,
                client: &opending_domain::ClientId,
            ) -> crate::StoreResult<Option<crate::AppProfile>> {
                let row = sqlx::query("SELECT icon_url, created_by FROM apps WHERE client_id = $1")
                    .bind(client.as_str())
                    .fetch_optional(self.reader())
                    .await?;
                let Some(r) = row else { return Ok(None) };
                let created_by = match crate::sql::RowExt::opt_text(&r, "created_by")? {
                    Some(s) => Some(
                        opending_domain::UnionId::parse(s)
                            .map_err(|e| crate::StoreError::Corrupt(format!("created_by: {e}")))?,
                    ),
                    None => None,
                };
                Ok(Some(crate::AppProfile {
                    icon_url: crate::sql::RowExt::text(&r, "icon_url")?,
                    created_by,
                }))
            }

            async fn set_app_icon(
                &self,
                client: &opending_domain::ClientId,
                icon_url: &str,
            ) -> crate::StoreResult<()> {
                let done = sqlx::query("UPDATE apps SET icon_url = $2 WHERE client_id = $1")
                    .bind(client.as_str())
                    .bind(icon_url)
                    .execute(self.writer())
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(crate::StoreError::NotFound(format!("app {client}")));
                }
                Ok(())
            }

            async fn set_app_creator(
                &self,
                client: &opending_domain::ClientId,
                union_id: &opending_domain::UnionId,
            ) -> crate::StoreResult<()> {
                let done = sqlx::query("UPDATE apps SET created_by = $2 WHERE client_id = $1")
                    .bind(client.as_str())
                    .bind(union_id.as_str())
                    .execute(self.writer())
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(crate::StoreError::NotFound(format!("app {client}")));
                }
                Ok(())
            }
        }
    };
}
pub(crate) use impl_console_store;
