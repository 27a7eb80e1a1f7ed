//! Permission points: the catalogue, and the points each app added.

use async_trait::async_trait;
use opending_domain::{ClientId, PermissionCode, PermissionPoint};

use crate::{
    backend::Backend,
    exec::{corrupt, stmt, Row},
    StoreError, StoreResult,
};

/// The point catalogue and apps' points.
#[async_trait]
pub trait PointStore: Send + Sync {
    /// Adds a point to the catalogue unless its code exists; returns whether it was added.
    async fn ensure_point(&self, point: &PermissionPoint) -> StoreResult<bool>;
    /// Changes a custom point's name, kind, grant type and description; `NotFound` if there is
    /// no such custom point (built-in points never change).
    async fn update_point(&self, point: &PermissionPoint) -> StoreResult<()>;
    /// The catalogue, by code.
    async fn list_points(&self) -> StoreResult<Vec<PermissionPoint>>;
    /// One point.
    async fn get_point(&self, code: &PermissionCode) -> StoreResult<Option<PermissionPoint>>;
    /// Deletes a point with every app addition and org grant of it; `NotFound` if absent.
    async fn delete_point(&self, code: &PermissionCode) -> StoreResult<()>;

    /// Adds a point to an app (idempotent); `NotFound` if app or point does not exist.
    async fn add_app_point(&self, client_id: &ClientId, code: &PermissionCode) -> StoreResult<()>;
    /// Removes a point from an app; returns whether it had it.
    async fn remove_app_point(
        &self,
        client_id: &ClientId,
        code: &PermissionCode,
    ) -> StoreResult<bool>;
    /// The points an app added, by code.
    async fn list_app_points(&self, client_id: &ClientId) -> StoreResult<Vec<PermissionPoint>>;
    /// The app-type points an app added, by code.
    async fn list_app_type_points(&self, client_id: &ClientId) -> StoreResult<Vec<PermissionCode>>;
}

/// The point row's columns, for `concat!`.
macro_rules! point_columns {
    () => {
        "code, name, kind, grant_type, description, builtin"
    };
}

fn point(r: &dyn Row) -> StoreResult<PermissionPoint> {
    Ok(PermissionPoint {
        code: super::permission(r, "code")?,
        name: r.text("name")?,
        kind: r.text("kind")?.parse().map_err(|e| corrupt("kind", e))?,
        grant_type: r
            .text("grant_type")?
            .parse()
            .map_err(|e| corrupt("grant_type", e))?,
        description: r.text("description")?,
        builtin: r.int("builtin")? != 0,
    })
}

pub(crate) fn code(r: &dyn Row) -> StoreResult<PermissionCode> {
    super::permission(r, "code")
}

#[async_trait]
impl<B: Backend> PointStore for B {
    async fn ensure_point(&self, p: &PermissionPoint) -> StoreResult<bool> {
        let added = self
            .write_one(stmt!(
                "INSERT INTO permission_points (code, name, kind, grant_type, description, builtin) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (code) DO NOTHING",
                p.code.as_str(),
                &p.name,
                p.kind.as_str(),
                p.grant_type.as_str(),
                &p.description,
                i64::from(p.builtin)
            ))
            .await?;
        Ok(added > 0)
    }

    async fn update_point(&self, p: &PermissionPoint) -> StoreResult<()> {
        let update = stmt!(
            "UPDATE permission_points SET name = $2, kind = $3, grant_type = $4, description = $5 \
             WHERE code = $1 AND builtin = 0",
            p.code.as_str(),
            &p.name,
            p.kind.as_str(),
            p.grant_type.as_str(),
            &p.description
        );
        let missing = StoreError::NotFound(format!("custom point {}", p.code));
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

    async fn list_points(&self) -> StoreResult<Vec<PermissionPoint>> {
        const LIST: &str = concat!(
            "SELECT ",
            point_columns!(),
            " FROM permission_points ORDER BY code"
        );
        self.all(stmt!(LIST), point).await
    }

    async fn get_point(&self, code_: &PermissionCode) -> StoreResult<Option<PermissionPoint>> {
        const GET: &str = concat!(
            "SELECT ",
            point_columns!(),
            " FROM permission_points WHERE code = $1"
        );
        self.one(stmt!(GET, code_.as_str()), point).await
    }

    async fn delete_point(&self, code_: &PermissionCode) -> StoreResult<()> {
        let delete = stmt!(
            "DELETE FROM permission_points WHERE code = $1",
            code_.as_str()
        );
        let missing = StoreError::NotFound(format!("point {code_}"));
        self.change(move |tx| {
            Box::pin(async move {
                if tx.execute(&delete).await? == 0 {
                    return Err(missing);
                }
                Ok(())
            })
        })
        .await
    }

    async fn add_app_point(&self, client_id: &ClientId, code_: &PermissionCode) -> StoreResult<()> {
        let insert = stmt!(
            "INSERT INTO app_points (client_id, code) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            client_id.as_str(),
            code_.as_str()
        );
        self.change(move |tx| {
            Box::pin(async move {
                tx.execute(&insert)
                    .await
                    .map_err(|e| e.on_write("the app's point"))?;
                Ok(())
            })
        })
        .await
    }

    async fn remove_app_point(
        &self,
        client_id: &ClientId,
        code_: &PermissionCode,
    ) -> StoreResult<bool> {
        let delete = stmt!(
            "DELETE FROM app_points WHERE client_id = $1 AND code = $2",
            client_id.as_str(),
            code_.as_str()
        );
        self.change(move |tx| Box::pin(async move { Ok(tx.execute(&delete).await? > 0) }))
            .await
    }

    async fn list_app_points(&self, client_id: &ClientId) -> StoreResult<Vec<PermissionPoint>> {
        const LIST: &str = concat!(
            "SELECT ",
            point_columns!(),
            " FROM permission_points WHERE code IN (SELECT code FROM app_points WHERE client_id = $1) \
             ORDER BY code"
        );
        self.all(stmt!(LIST, client_id.as_str()), point).await
    }

    async fn list_app_type_points(&self, client_id: &ClientId) -> StoreResult<Vec<PermissionCode>> {
        self.all(
            stmt!(
                "SELECT ap.code FROM app_points ap JOIN permission_points p ON p.code = ap.code \
                 WHERE ap.client_id = $1 AND p.grant_type = 'app' ORDER BY ap.code",
                client_id.as_str()
            ),
            code,
        )
        .await
    }
}
