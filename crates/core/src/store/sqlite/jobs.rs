//! The sync queue: claims as leases under SQLite's write lock.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{ts, SqliteQuery, SqliteStore};
use crate::domain::{IntegrationId, TenantId};
use crate::store::jobs::ClaimedRow;
use crate::store::{ClaimScope, ClaimedJob, JobInfo, JobStore, StoreResult};

/// A statement on one integration's job, which `?1` and `?2` name (its tenant and integration).
fn on_job(sql: &str, tenant: TenantId, integration: IntegrationId) -> SqliteQuery<'_> {
    sqlx::query(sql)
        .bind(tenant.to_string())
        .bind(integration.to_string())
}

#[async_trait]
impl JobStore for SqliteStore {
    async fn claim_job(
        &self,
        worker: &str,
        scope: ClaimScope,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> StoreResult<Option<ClaimedJob>> {
        let row: Option<ClaimedRow> = self
            .write_returning(|_| {
                sqlx::query_as(
                    "UPDATE sync_jobs SET claimed_by = ?1, lease_until = ?5 \
                     WHERE rowid = ( \
                        SELECT rowid FROM sync_jobs \
                        WHERE (lease_until IS NULL OR lease_until < ?2) \
                          AND (?3 IS NULL OR tenant_id = ?3) \
                          AND (?4 IS NULL OR integration_id = ?4) \
                          AND (?4 IS NOT NULL OR next_run_at <= ?2 OR requested_at IS NOT NULL) \
                        ORDER BY requested_at IS NULL, requested_at, next_run_at LIMIT 1) \
                     RETURNING tenant_id, integration_id, interval_minutes, \
                               requested_at IS NOT NULL AS requested, run_id",
                )
                .bind(worker)
                .bind(ts(now))
                .bind(scope.tenant.map(|t| t.to_string()))
                .bind(scope.integration.map(|i| i.to_string()))
                .bind(ts(lease_until))
            })
            .await?;
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
            "UPDATE sync_jobs SET lease_until = ?4, run_id = ?5 \
             WHERE tenant_id = ?1 AND integration_id = ?2 AND claimed_by = ?3",
        )
        .bind(job.tenant_id.to_string())
        .bind(job.integration_id.to_string())
        .bind(worker)
        .bind(ts(until))
        .bind(run.to_string());
        self.changed_one(statement).await
    }

    async fn release_job(
        &self,
        job: &ClaimedJob,
        worker: &str,
        next_run_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE sync_jobs SET claimed_by = NULL, lease_until = NULL, run_id = NULL, \
             requested_at = CASE WHEN requested_at > ?5 THEN requested_at END, next_run_at = ?4 \
             WHERE tenant_id = ?1 AND integration_id = ?2 AND claimed_by = ?3",
        )
        .bind(job.tenant_id.to_string())
        .bind(job.integration_id.to_string())
        .bind(worker)
        .bind(ts(next_run_at))
        .bind(ts(job.claimed_at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn request_sync(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
    ) -> StoreResult<bool> {
        let statement = on_job(
            "UPDATE sync_jobs SET requested_at = ?3 WHERE tenant_id = ?1 AND integration_id = ?2",
            tenant,
            integration,
        )
        .bind(ts(Utc::now()));
        self.changed_one(statement).await
    }

    async fn set_sync_interval(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        minutes: i32,
    ) -> StoreResult<bool> {
        let Some(info) = self.job_info(tenant, integration).await? else {
            return Ok(false);
        };
        let next = info.next_run_at - chrono::Duration::minutes(info.interval_minutes.into())
            + chrono::Duration::minutes(minutes.into());
        let statement = on_job(
            "UPDATE sync_jobs SET interval_minutes = ?3, next_run_at = ?4 \
             WHERE tenant_id = ?1 AND integration_id = ?2",
            tenant,
            integration,
        )
        .bind(minutes)
        .bind(ts(next));
        self.changed_one(statement).await
    }

    async fn job_info(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
    ) -> StoreResult<Option<JobInfo>> {
        Ok(sqlx::query_as(
            "SELECT interval_minutes, next_run_at, requested_at, claimed_by, lease_until \
             FROM sync_jobs WHERE tenant_id = ? AND integration_id = ?",
        )
        .bind(tenant.to_string())
        .bind(integration.to_string())
        .fetch_optional(&self.pool)
        .await?)
    }
}
