//! Run history, checkpoints, and the synced rows (written by `rows.rs`).

use async_trait::async_trait;
use chrono::Utc;
use sqlx::query::Query;
use sqlx::sqlite::SqliteArguments;
use sqlx::Sqlite;
use uuid::Uuid;

use super::rows::{
    begin_batch, execute_each, write_checkpoint, write_insights, write_variations, ORDER_UPSERT,
};
use super::{ts, SqliteStore};
use crate::domain::{IntegrationId, TenantId};
use crate::store::{StoreResult, SyncBatch, SyncRunRecord, SyncStore, SyncedTable};

/// Binds a run's columns in table order, from `tenant_id` to `worker` (a new run here, a pulled
/// one in the mirror).
pub(super) fn bind_run<'q>(
    query: Query<'q, Sqlite, SqliteArguments<'q>>,
    run: &'q SyncRunRecord,
) -> Query<'q, Sqlite, SqliteArguments<'q>> {
    query
        .bind(run.tenant_id.to_string())
        .bind(run.id.to_string())
        .bind(run.integration_id.to_string())
        .bind(&run.trigger)
        .bind(&run.outcome)
        .bind(ts(run.started_at))
        .bind(run.finished_at.map(ts))
        .bind(serde_json::to_string(&run.counts).unwrap_or_default())
        .bind(&run.error)
        .bind(&run.error_code)
        .bind(&run.worker)
}

#[async_trait]
impl SyncStore for SqliteStore {
    async fn insert_run(&self, run: &SyncRunRecord) -> StoreResult<()> {
        self.write_one(|version| {
            bind_run(
                sqlx::query(
                    "INSERT INTO sync_runs (tenant_id, id, integration_id, trigger, outcome, \
                     started_at, finished_at, counts, error, error_code, worker, row_version) \
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                ),
                run,
            )
            .bind(version)
        })
        .await?;
        Ok(())
    }

    async fn update_run(&self, run: &SyncRunRecord) -> StoreResult<()> {
        self.write_one(|version| {
            sqlx::query(
                "UPDATE sync_runs SET outcome = ?, finished_at = ?, counts = ?, error = ?, \
                 error_code = ?, row_version = ? WHERE tenant_id = ? AND id = ?",
            )
            .bind(&run.outcome)
            .bind(run.finished_at.map(ts))
            .bind(serde_json::to_string(&run.counts).unwrap_or_default())
            .bind(&run.error)
            .bind(&run.error_code)
            .bind(version)
            .bind(run.tenant_id.to_string())
            .bind(run.id.to_string())
        })
        .await?;
        Ok(())
    }

    async fn interrupt_run(&self, tenant: TenantId, run: Uuid) -> StoreResult<()> {
        self.write_one(|version| {
            sqlx::query(
                "UPDATE sync_runs SET outcome = 'INTERRUPTED', finished_at = ?, row_version = ?, \
                 error = 'The sync stopped before it finished (the app or worker was closed); the \
                 next run resumed from the last saved point.' \
                 WHERE tenant_id = ? AND id = ? AND outcome = 'RUNNING'",
            )
            .bind(ts(Utc::now()))
            .bind(version)
            .bind(tenant.to_string())
            .bind(run.to_string())
        })
        .await?;
        Ok(())
    }

    async fn runs(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        limit: i64,
    ) -> StoreResult<Vec<SyncRunRecord>> {
        Ok(sqlx::query_as(
            "SELECT tenant_id, id, integration_id, trigger, outcome, started_at, finished_at, \
             counts, error, error_code, worker FROM sync_runs \
             WHERE tenant_id = ? AND integration_id = ? ORDER BY started_at DESC, id LIMIT ?",
        )
        .bind(tenant.to_string())
        .bind(integration.to_string())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn cursor(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        stream: &str,
    ) -> StoreResult<Option<String>> {
        Ok(sqlx::query_scalar(
            "SELECT cursor FROM sync_cursors \
             WHERE tenant_id = ? AND integration_id = ? AND stream = ?",
        )
        .bind(tenant.to_string())
        .bind(integration.to_string())
        .bind(stream)
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn write_batch(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        batch: SyncBatch<'_>,
        checkpoint: Option<(&str, &str)>,
    ) -> StoreResult<usize> {
        let (mut tx, stamp) = begin_batch(self, tenant, integration).await?;
        let written = match batch {
            SyncBatch::Orders { shop_id, orders } => {
                execute_each(&mut tx, ORDER_UPSERT, orders, |query, order| {
                    stamp.bind_order(query, shop_id, order)
                })
                .await?
            }
            SyncBatch::Variations {
                shop_id,
                variations,
            } => write_variations(&mut tx, &stamp, shop_id, variations).await?,
            SyncBatch::Insights { currency, rows } => {
                write_insights(&mut tx, &stamp, currency, rows).await?
            }
        };
        write_checkpoint(&mut tx, &stamp, checkpoint).await?;
        tx.commit().await?;
        Ok(written)
    }

    async fn synced_count(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        table: SyncedTable,
    ) -> StoreResult<i64> {
        Ok(sqlx::query_scalar(&format!(
            "SELECT count(*) FROM {} WHERE tenant_id = ? AND integration_id = ?",
            table.name()
        ))
        .bind(tenant.to_string())
        .bind(integration.to_string())
        .fetch_one(&self.pool)
        .await?)
    }
}
