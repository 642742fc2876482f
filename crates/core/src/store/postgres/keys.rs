//! Data keys, and key rotation in one transaction.

use async_trait::async_trait;
use sqlx::{Postgres, Transaction};

use super::{PgQueryAs, PostgresStore};
use crate::domain::TenantId;
use crate::store::{KeyStore, Reencryption, StoreError, StoreResult, TenantKeyRecord};

/// The tenant's keys, oldest first (also read by the mirror feed).
pub(super) fn select_keys(tenant: TenantId) -> PgQueryAs<'static, TenantKeyRecord> {
    sqlx::query_as(
        "SELECT version, wrapped_key, workspace_wrapped_key FROM tenant_keys \
         WHERE tenant_id = $1 ORDER BY version",
    )
    .bind(tenant)
}

async fn insert_key(
    tx: &mut Transaction<'static, Postgres>,
    tenant: TenantId,
    key: &TenantKeyRecord,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO tenant_keys (tenant_id, version, wrapped_key, workspace_wrapped_key) \
         VALUES ($1, $2, $3, $4)",
    )
    .bind(tenant)
    .bind(key.version as i32)
    .bind(&key.wrapped_key)
    .bind(&key.workspace_wrapped_key)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[async_trait]
impl KeyStore for PostgresStore {
    async fn tenant_keys(&self, tenant: TenantId) -> StoreResult<Vec<TenantKeyRecord>> {
        self.as_tenant(tenant, async |tx| select_keys(tenant).fetch_all(tx).await)
            .await
    }

    async fn insert_tenant_key(&self, tenant: TenantId, key: &TenantKeyRecord) -> StoreResult<()> {
        let mut tx = self.tenant_tx(tenant).await?;
        insert_key(&mut tx, tenant, key).await?;
        Ok(tx.commit().await?)
    }

    async fn rotate_tenant_key(
        &self,
        tenant: TenantId,
        key: &TenantKeyRecord,
        reencryptions: &[Reencryption],
    ) -> StoreResult<()> {
        let mut tx = self.tenant_tx(tenant).await?;
        insert_key(&mut tx, tenant, key).await?;
        for change in reencryptions {
            let updated = sqlx::query(
                "UPDATE integrations SET credentials = $4 \
                 WHERE tenant_id = $1 AND id = $2 AND credentials = $3",
            )
            .bind(tenant)
            .bind(change.integration_id)
            .bind(&change.old)
            .bind(&change.new)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if updated != 1 {
                return Err(StoreError::Stale);
            }
        }
        Ok(tx.commit().await?)
    }

    async fn master_public_key(&self) -> StoreResult<Option<String>> {
        // A database that `admin init` never prepared has no such table: no public key.
        let found = sqlx::query_scalar("SELECT master_public_key FROM server_identity")
            .fetch_optional(&self.pool)
            .await;
        match found {
            Ok(key) => Ok(key),
            Err(sqlx::Error::Database(db)) if db.code().as_deref() == Some("42P01") => Ok(None),
            Err(err) => Err(err.into()),
        }
    }

    async fn workspace_escrow(&self, tenant: TenantId) -> StoreResult<Option<String>> {
        let sql = "SELECT escrowed_key FROM workspace_access WHERE tenant_id = $1";
        self.tenant_value(sql, tenant).await
    }
}
