//! The sync queue: claims as leases with `FOR UPDATE SKIP LOCKED`.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::PostgresStore;
use crate::domain::{IntegrationId, TenantId};
use crate::store::jobs::ClaimedRow;
use crate::store::{ClaimScope, ClaimedJob, JobInfo, JobStore, StoreResult};

#[async_trait]
impl JobStore for PostgresStore {
    async fn claim_job(
        &self,
        worker: &str,
        scope: ClaimScope,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> StoreResult<Option<ClaimedJob>> {
        // A worker of the server claims across workspaces; a workspace's own scheduler (whose
        // role sees only its rows anyway) within its own.
        let mut tx = match scope.tenant {
            Some(tenant) => self.tenant_tx(tenant).await?,
            None => self.all_tenants_tx().await?,
        };
        let row: Option<ClaimedRow> = sqlx::query_as(
            "WITH candidate AS ( \
                SELECT tenant_id, integration_id FROM sync_jobs \
                WHERE (lease_until IS NULL OR lease_until < $2) \
                  AND ($3::uuid IS NULL OR tenant_id = $3) \
                  AND ($4::uuid IS NULL OR integration_id = $4) \
                  AND ($4::uuid IS NOT NULL OR next_run_at <= $2 OR requested_at IS NOT NULL) \
                ORDER BY requested_at ASC NULLS LAST, next_run_at \
                LIMIT 1 FOR UPDATE SKIP LOCKED) \
             UPDATE sync_jobs j SET claimed_by = $1, lease_until = $5 FROM candidate c \
             WHERE j.tenant_id = c.tenant_id AND j.integration_id = c.integration_id \
             RETURNING j.tenant_id, j.integration_id, j.interval_minutes, \
                       j.requested_at IS NOT NULL AS requested, j.run_id",
        )
        .bind(worker)
        .bind(now)
        .bind(scope.tenant)
        .bind(scope.integration)
        .bind(lease_until)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(row.map(|row| row.claimed_at(now)))
    }

    async fn extend_lease(
        &self,
        job: &ClaimedJob,
        worker: &str,
        run: Uuid,
        until: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let statement = sqlx::query(
            "UPDATE sync_jobs SET lease_until = $4, run_id = $5 \
             WHERE tenant_id = $1 AND integration_id = $2 AND claimed_by = $3",
        )
        .bind(job.tenant_id)
        .bind(job.integration_id)
        .bind(worker)
        .bind(until)
        .bind(run);
        self.changed_one(job.tenant_id, statement).await
    }

    async fn release_job(
        &self,
        job: &ClaimedJob,
        worker: &str,
        next_run_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let statement = sqlx::query(
            "UPDATE sync_jobs SET claimed_by = NULL, lease_until = NULL, run_id = NULL, \
             requested_at = CASE WHEN requested_at > $5 THEN requested_at END, \
             next_run_at = $4 \
             WHERE tenant_id = $1 AND integration_id = $2 AND claimed_by = $3",
        )
        .bind(job.tenant_id)
        .bind(job.integration_id)
        .bind(worker)
        .bind(next_run_at)
        .bind(job.claimed_at);
        self.execute_as(job.tenant_id, statement).await
    }

    async fn request_sync(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
    ) -> StoreResult<bool> {
        let statement = sqlx::query(
            "UPDATE sync_jobs SET requested_at = now() \
             WHERE tenant_id = $1 AND integration_id = $2",
        )
        .bind(tenant)
        .bind(integration);
        self.changed_one(tenant, statement).await
    }

    async fn set_sync_interval(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        minutes: i32,
    ) -> StoreResult<bool> {
        let statement = sqlx::query(
            "UPDATE sync_jobs SET next_run_at = next_run_at \
             - make_interval(mins => interval_minutes) + make_interval(mins => $3), \
             interval_minutes = $3 \
             WHERE tenant_id = $1 AND integration_id = $2",
        )
        .bind(tenant)
        .bind(integration)
        .bind(minutes);
        self.changed_one(tenant, statement).await
    }

    async fn job_info(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
    ) -> StoreResult<Option<JobInfo>> {
        let statement = sqlx::query_as(
            "SELECT interval_minutes, next_run_at, requested_at, claimed_by, lease_until \
             FROM sync_jobs WHERE tenant_id = $1 AND integration_id = $2",
        )
        .bind(tenant)
        .bind(integration);
        self.as_tenant(tenant, async |tx| statement.fetch_optional(tx).await)
            .await
    }
}
