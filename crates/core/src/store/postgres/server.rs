//! What the server's process reads across workspaces for its health and metrics, and its
//! leases handed back when it stops.

use super::PostgresStore;
use crate::store::StoreResult;

/// Sync runs per provider and outcome, with the records they wrote.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SyncRunTotals {
    pub provider: String,
    pub outcome: String,
    pub runs: i64,
    pub records: i64,
}

/// Seconds since an enabled integration's last successful sync.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LagRow {
    pub integration_id: uuid::Uuid,
    pub provider: String,
    pub seconds: f64,
}

impl PostgresStore {
    /// Fails with [`crate::store::StoreError::Migration`] when the schema is behind.
    pub async fn check_schema_version(&self) -> StoreResult<()> {
        self.ping().await?;
        self.check_schema().await
    }

    pub async fn sync_run_totals(&self) -> StoreResult<Vec<SyncRunTotals>> {
        self.across_tenants(async |tx| {
            sqlx::query_as(
                "SELECT i.provider, r.outcome, count(*) AS runs, \
                        coalesce(sum((SELECT coalesce(sum(value::bigint), 0) \
                                      FROM jsonb_each_text(r.counts))), 0)::bigint AS records \
                 FROM sync_runs r JOIN integrations i \
                   ON i.tenant_id = r.tenant_id AND i.id = r.integration_id \
                 GROUP BY 1, 2 ORDER BY 1, 2",
            )
            .fetch_all(&mut *tx)
            .await
        })
        .await
    }

    pub async fn success_lag(&self) -> StoreResult<Vec<LagRow>> {
        self.across_tenants(async |tx| {
            sqlx::query_as(
                "SELECT i.id AS integration_id, i.provider, \
                        extract(epoch FROM now() - max(r.finished_at))::float8 AS seconds \
                 FROM integrations i JOIN sync_runs r \
                   ON r.tenant_id = i.tenant_id AND r.integration_id = i.id \
                  AND r.outcome = 'SUCCEEDED' \
                 WHERE i.enabled GROUP BY i.id, i.provider ORDER BY i.id",
            )
            .fetch_all(&mut *tx)
            .await
        })
        .await
    }

    /// Frees the jobs `worker` holds and marks its running runs interrupted.
    pub async fn release_worker_leases(&self, worker: &str) -> StoreResult<u64> {
        let mut tx = self.all_tenants_tx().await?;
        sqlx::query(
            "UPDATE sync_runs SET outcome = 'INTERRUPTED', finished_at = now(), \
             error = 'The sync stopped before it finished (the server was stopped); the next \
             run resumes from the last saved point.' \
             WHERE worker = $1 AND outcome = 'RUNNING'",
        )
        .bind(worker)
        .execute(&mut *tx)
        .await?;
        let released = sqlx::query(
            "UPDATE sync_jobs SET claimed_by = NULL, lease_until = NULL WHERE claimed_by = $1",
        )
        .bind(worker)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        Ok(released)
    }
}
