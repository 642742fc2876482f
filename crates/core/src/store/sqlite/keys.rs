//! Data keys, and key rotation in one transaction.

use async_trait::async_trait;
use chrono::Utc;
use sqlx::SqliteExecutor;

use super::{next_row_version, ts, SqliteStore};
use crate::domain::TenantId;
use crate::store::{KeyStore, Reencryption, StoreError, StoreResult, TenantKeyRecord};

async fn insert_key<'e>(
    db: impl SqliteExecutor<'e>,
    tenant: TenantId,
    key: &TenantKeyRecord,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO tenant_keys (tenant_id, version, wrapped_key, workspace_wrapped_key, \
         created_at) VALUES (?, ?, ?, ?, ?)",
    )
    .bind(tenant.to_string())
    .bind(i64::from(key.version))
    .bind(&key.wrapped_key)
    .bind(&key.workspace_wrapped_key)
    .bind(ts(Utc::now()))
    .execute(db)
    .await?;
    Ok(())
}

#[async_trait]
impl KeyStore for SqliteStore {
    async fn tenant_keys(&self, tenant: TenantId) -> StoreResult<Vec<TenantKeyRecord>> {
        let sql = "SELECT version, wrapped_key, workspace_wrapped_key FROM tenant_keys \
                   WHERE tenant_id = ? ORDER BY version";
        self.tenant_rows(sql, tenant).await
    }

    async fn insert_tenant_key(&self, tenant: TenantId, key: &TenantKeyRecord) -> StoreResult<()> {
        insert_key(&self.pool, tenant, key).await
    }

    async fn rotate_tenant_key(
        &self,
        tenant: TenantId,
        key: &TenantKeyRecord,
        reencryptions: &[Reencryption],
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        insert_key(&mut *tx, tenant, key).await?;
        for change in reencryptions {
            let version = next_row_version(&mut tx).await?;
            let updated = sqlx::query(
                "UPDATE integrations SET credentials = ?, row_version = ?, updated_at = ? \
                 WHERE tenant_id = ? AND id = ? AND credentials = ?",
            )
            .bind(&change.new)
            .bind(version)
            .bind(ts(Utc::now()))
            .bind(tenant.to_string())
            .bind(change.integration_id.to_string())
            .bind(&change.old)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if updated != 1 {
                return Err(StoreError::Stale);
            }
        }
        Ok(tx.commit().await?)
    }
}
