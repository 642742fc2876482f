//! Integrations.

use async_trait::async_trait;

use super::PostgresStore;
use crate::domain::{IntegrationId, TenantId};
use crate::store::integrations::bind_edited_fields;
use crate::store::{IntegrationRecord, IntegrationStore, StoreError, StoreResult, SyncOutcome};

pub(super) const INTEGRATION_COLUMNS: &str =
    "tenant_id, id, name, provider, description, credentials, \
     credentials_hint, config::text AS config, external_id, status, enabled, last_error, \
     created_at, updated_at, last_sync_at, row_version, edit_version";

#[async_trait]
impl IntegrationStore for PostgresStore {
    async fn list_integrations(&self, tenant: TenantId) -> StoreResult<Vec<IntegrationRecord>> {
        let sql = format!(
            "SELECT {INTEGRATION_COLUMNS} FROM integrations WHERE tenant_id = $1 \
             ORDER BY created_at, id"
        );
        self.tenant_rows(&sql, tenant).await
    }

    async fn get_integration(
        &self,
        tenant: TenantId,
        id: IntegrationId,
    ) -> StoreResult<Option<IntegrationRecord>> {
        let sql = format!(
            "SELECT {INTEGRATION_COLUMNS} FROM integrations WHERE tenant_id = $1 AND id = $2"
        );
        let statement = sqlx::query_as(&sql).bind(tenant).bind(id);
        self.as_tenant(tenant, async |tx| statement.fetch_optional(tx).await)
            .await
    }

    async fn insert_integration(
        &self,
        record: &IntegrationRecord,
    ) -> StoreResult<IntegrationRecord> {
        self.as_tenant(record.tenant_id, async |tx| {
            let sql = format!(
                "INSERT INTO integrations (tenant_id, id, name, provider, description, \
                 credentials, credentials_hint, config, external_id, status, enabled, \
                 last_error, created_at, updated_at, last_sync_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11, $12, $13, $13, $14) \
                 RETURNING {INTEGRATION_COLUMNS}"
            );
            let query = sqlx::query_as(&sql)
                .bind(record.tenant_id)
                .bind(record.id)
                .bind(&record.name)
                .bind(record.provider.as_str());
            bind_edited_fields!(query, record)
                .bind(record.created_at)
                .bind(record.last_sync_at)
                .fetch_one(&mut *tx)
                .await
        })
        .await
    }

    async fn update_integration(
        &self,
        record: &IntegrationRecord,
        expected_version: i64,
    ) -> StoreResult<IntegrationRecord> {
        let sql = format!(
            "UPDATE integrations SET name = $3, description = $4, credentials = $5, \
             credentials_hint = $6, config = $7::jsonb, external_id = $8, status = $9, \
             enabled = $10, last_error = $11, last_sync_at = $12, \
             edit_version = edit_version + 1 \
             WHERE tenant_id = $1 AND id = $2 AND edit_version = $13 \
             RETURNING {INTEGRATION_COLUMNS}"
        );
        let query = sqlx::query_as(&sql)
            .bind(record.tenant_id)
            .bind(record.id)
            .bind(&record.name);
        let statement = bind_edited_fields!(query, record)
            .bind(record.last_sync_at)
            .bind(expected_version);
        self.as_tenant(record.tenant_id, async |tx| {
            statement.fetch_optional(tx).await
        })
        .await?
        .ok_or(StoreError::Stale)
    }

    async fn record_sync_outcome(
        &self,
        tenant: TenantId,
        id: IntegrationId,
        outcome: &SyncOutcome,
    ) -> StoreResult<Option<IntegrationRecord>> {
        let sql = format!(
            "UPDATE integrations SET last_sync_at = COALESCE($3, last_sync_at), \
             last_error = $4, \
             status = CASE WHEN status = 'DISABLED' OR $5::text IS NULL THEN status \
             ELSE $5 END \
             WHERE tenant_id = $1 AND id = $2 \
             RETURNING {INTEGRATION_COLUMNS}"
        );
        let statement = sqlx::query_as(&sql)
            .bind(tenant)
            .bind(id)
            .bind(outcome.synced_at)
            .bind(&outcome.last_error)
            .bind(outcome.status.map(|status| status.as_str()));
        self.as_tenant(tenant, async |tx| statement.fetch_optional(tx).await)
            .await
    }

    async fn delete_integration(&self, tenant: TenantId, id: IntegrationId) -> StoreResult<bool> {
        let statement = sqlx::query("DELETE FROM integrations WHERE tenant_id = $1 AND id = $2")
            .bind(tenant)
            .bind(id);
        self.changed_one(tenant, statement).await
    }
}
