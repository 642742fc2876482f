//! Integrations.

use async_trait::async_trait;
use chrono::Utc;

use super::{next_row_version, ts, SqliteStore};
use crate::domain::{IntegrationId, TenantId};
use crate::store::integrations::bind_edited_fields;
use crate::store::{IntegrationRecord, IntegrationStore, StoreResult, SyncOutcome};

pub(super) const INTEGRATION_COLUMNS: &str =
    "tenant_id, id, name, provider, description, credentials, \
     credentials_hint, config, external_id, status, enabled, last_error, created_at, updated_at, \
     last_sync_at, row_version, edit_version";

#[async_trait]
impl IntegrationStore for SqliteStore {
    async fn list_integrations(&self, tenant: TenantId) -> StoreResult<Vec<IntegrationRecord>> {
        let sql = format!(
            "SELECT {INTEGRATION_COLUMNS} FROM integrations WHERE tenant_id = ? \
             ORDER BY created_at, id"
        );
        self.tenant_rows(&sql, tenant).await
    }

    async fn get_integration(
        &self,
        tenant: TenantId,
        id: IntegrationId,
    ) -> StoreResult<Option<IntegrationRecord>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {INTEGRATION_COLUMNS} FROM integrations WHERE tenant_id = ? AND id = ?"
        ))
        .bind(tenant.to_string())
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn insert_integration(
        &self,
        record: &IntegrationRecord,
    ) -> StoreResult<IntegrationRecord> {
        let mut tx = self.begin().await?;
        let version = next_row_version(&mut tx).await?;
        let sql = format!(
            "INSERT INTO integrations (tenant_id, id, name, provider, description, credentials, \
             credentials_hint, config, external_id, status, enabled, last_error, created_at, \
             updated_at, last_sync_at, row_version) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13, ?14, ?15) \
             RETURNING {INTEGRATION_COLUMNS}"
        );
        let row = bind_integration_columns!(sqlx::query_as(&sql), record)
            .bind(ts(record.created_at))
            .bind(record.last_sync_at.map(ts))
            .bind(version)
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(row)
    }

    async fn update_integration(
        &self,
        record: &IntegrationRecord,
        expected_version: i64,
    ) -> StoreResult<IntegrationRecord> {
        let sql = format!(
            "UPDATE integrations SET name = ?1, description = ?2, credentials = ?3, \
             credentials_hint = ?4, config = ?5, external_id = ?6, status = ?7, enabled = ?8, \
             last_error = ?9, last_sync_at = ?10, updated_at = ?11, row_version = ?12, \
             edit_version = edit_version + 1 \
             WHERE tenant_id = ?13 AND id = ?14 AND edit_version = ?15 \
             RETURNING {INTEGRATION_COLUMNS}"
        );
        self.write_or_stale(|version| {
            bind_edited_fields!(sqlx::query_as(&sql).bind(&record.name), record)
                .bind(record.last_sync_at.map(ts))
                .bind(ts(Utc::now()))
                .bind(version)
                .bind(record.tenant_id.to_string())
                .bind(record.id.to_string())
                .bind(expected_version)
        })
        .await
    }

    async fn record_sync_outcome(
        &self,
        tenant: TenantId,
        id: IntegrationId,
        outcome: &SyncOutcome,
    ) -> StoreResult<Option<IntegrationRecord>> {
        let sql = format!(
            "UPDATE integrations SET last_sync_at = COALESCE(?1, last_sync_at), \
             last_error = ?2, \
             status = CASE WHEN status = 'DISABLED' OR ?3 IS NULL THEN status ELSE ?3 END, \
             updated_at = ?4, row_version = ?5 \
             WHERE tenant_id = ?6 AND id = ?7 \
             RETURNING {INTEGRATION_COLUMNS}"
        );
        self.write_returning(|version| {
            sqlx::query_as(&sql)
                .bind(outcome.synced_at.map(ts))
                .bind(&outcome.last_error)
                .bind(outcome.status.map(|status| status.as_str()))
                .bind(ts(Utc::now()))
                .bind(version)
                .bind(tenant.to_string())
                .bind(id.to_string())
        })
        .await
    }

    async fn delete_integration(&self, tenant: TenantId, id: IntegrationId) -> StoreResult<bool> {
        let statement = sqlx::query("DELETE FROM integrations WHERE tenant_id = ? AND id = ?")
            .bind(tenant.to_string())
            .bind(id.to_string());
        self.changed_one(statement).await
    }
}
