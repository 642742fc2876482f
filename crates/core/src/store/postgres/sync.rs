//! Run history, checkpoints, and the synced rows (written by `rows.rs`).

use async_trait::async_trait;
use uuid::Uuid;

use super::rows::{write_checkpoint, write_insights, write_orders, write_variations};
use super::PostgresStore;
use crate::domain::{IntegrationId, TenantId};
use crate::store::{StoreResult, SyncBatch, SyncRunRecord, SyncStore, SyncedTable};

#[async_trait]
impl SyncStore for PostgresStore {
    async fn insert_run(&self, run: &SyncRunRecord) -> StoreResult<()> {
        let statement = sqlx::query(
            "INSERT INTO sync_runs (tenant_id, id, integration_id, trigger, outcome, started_at, \
             finished_at, counts, error, error_code, worker) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(run.tenant_id)
        .bind(run.id)
        .bind(run.integration_id)
        .bind(&run.trigger)
        .bind(&run.outcome)
        .bind(run.started_at)
        .bind(run.finished_at)
        .bind(serde_json::to_value(&run.counts).unwrap_or_default())
        .bind(&run.error)
        .bind(&run.error_code)
        .bind(&run.worker);
        self.execute_as(run.tenant_id, statement).await
    }

    async fn update_run(&self, run: &SyncRunRecord) -> StoreResult<()> {
        let statement = sqlx::query(
            "UPDATE sync_runs SET outcome = $3, finished_at = $4, counts = $5, error = $6, \
             error_code = $7 WHERE tenant_id = $1 AND id = $2",
        )
        .bind(run.tenant_id)
        .bind(run.id)
        .bind(&run.outcome)
        .bind(run.finished_at)
        .bind(serde_json::to_value(&run.counts).unwrap_or_default())
        .bind(&run.error)
        .bind(&run.error_code);
        self.execute_as(run.tenant_id, statement).await
    }

    async fn interrupt_run(&self, tenant: TenantId, run: Uuid) -> StoreResult<()> {
        let statement = sqlx::query(
            "UPDATE sync_runs SET outcome = 'INTERRUPTED', finished_at = now(), \
             error = 'The sync stopped before it finished (the app or worker was closed); the \
             next run resumed from the last saved point.' \
             WHERE tenant_id = $1 AND id = $2 AND outcome = 'RUNNING'",
        )
        .bind(tenant)
        .bind(run);
        self.execute_as(tenant, statement).await
    }

    async fn runs(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        limit: i64,
    ) -> StoreResult<Vec<SyncRunRecord>> {
        let statement = sqlx::query_as(
            "SELECT tenant_id, id, integration_id, trigger, outcome, started_at, finished_at, \
             counts, error, error_code, worker FROM sync_runs \
             WHERE tenant_id = $1 AND integration_id = $2 ORDER BY started_at DESC, id LIMIT $3",
        )
        .bind(tenant)
        .bind(integration)
        .bind(limit);
        self.as_tenant(tenant, async |tx| statement.fetch_all(tx).await)
            .await
    }

    async fn cursor(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        stream: &str,
    ) -> StoreResult<Option<String>> {
        let statement = sqlx::query_scalar(
            "SELECT cursor::text FROM sync_cursors \
             WHERE tenant_id = $1 AND integration_id = $2 AND stream = $3",
        )
        .bind(tenant)
        .bind(integration)
        .bind(stream);
        self.as_tenant(tenant, async |tx| statement.fetch_optional(tx).await)
            .await
    }

    async fn write_batch(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        batch: SyncBatch<'_>,
        checkpoint: Option<(&str, &str)>,
    ) -> StoreResult<usize> {
        let mut tx = self.tenant_tx(tenant).await?;
        let written = match batch {
            SyncBatch::Orders { shop_id, orders } => {
                write_orders(&mut tx, tenant, integration, shop_id, orders).await?
            }
            SyncBatch::Variations {
                shop_id,
                variations,
            } => write_variations(&mut tx, tenant, integration, shop_id, variations).await?,
            SyncBatch::Insights { currency, rows } => {
                write_insights(&mut tx, tenant, integration, currency, rows).await?
            }
        };
        write_checkpoint(&mut tx, tenant, integration, checkpoint).await?;
        tx.commit().await?;
        Ok(written)
    }

    async fn synced_count(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        table: SyncedTable,
    ) -> StoreResult<i64> {
        let sql = format!(
            "SELECT count(*) FROM {} WHERE tenant_id = $1 AND integration_id = $2",
            table.name()
        );
        let statement = sqlx::query_scalar(&sql).bind(tenant).bind(integration);
        self.as_tenant(tenant, async |tx| statement.fetch_one(tx).await)
            .await
    }
}
