//! The sync queue: one job per enabled integration (a database trigger keeps them in step),
//! claimed by workers as leases.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::decode::DbUuid;
use super::StoreResult;
use crate::domain::{IntegrationId, TenantId};

/// A job claimed by a worker: this integration is its to sync until `lease_until`.
#[derive(Debug, Clone)]
pub struct ClaimedJob {
    pub tenant_id: TenantId,
    pub integration_id: IntegrationId,
    pub interval_minutes: i32,
    /// Asked for with "Sync now" (rather than due by schedule).
    pub requested: bool,
    /// A run of an earlier claim that ended without releasing (its worker died).
    pub abandoned_run: Option<uuid::Uuid>,
    /// When it was claimed: a "Sync now" asked after this survives the release.
    pub claimed_at: DateTime<Utc>,
}

/// The row a claim returns, read alike from both dialects (see [`DbUuid`]).
#[derive(sqlx::FromRow)]
pub(super) struct ClaimedRow {
    tenant_id: DbUuid,
    integration_id: DbUuid,
    interval_minutes: i32,
    requested: bool,
    run_id: Option<DbUuid>,
}

impl ClaimedRow {
    pub(super) fn claimed_at(self, at: DateTime<Utc>) -> ClaimedJob {
        ClaimedJob {
            tenant_id: self.tenant_id.into(),
            integration_id: self.integration_id.into(),
            interval_minutes: self.interval_minutes,
            requested: self.requested,
            abandoned_run: self.run_id.map(Into::into),
            claimed_at: at,
        }
    }
}

/// Which jobs a worker may claim.
#[derive(Debug, Clone, Copy, Default)]
pub struct ClaimScope {
    /// Only this tenant's (the desktop app syncs its signed-in workspace).
    pub tenant: Option<TenantId>,
    /// Only this integration, due or not (`integrations sync ID`, "Sync now").
    pub integration: Option<IntegrationId>,
}

/// An integration's place in the queue, for display.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct JobInfo {
    pub interval_minutes: i32,
    pub next_run_at: DateTime<Utc>,
    pub requested_at: Option<DateTime<Utc>>,
    pub claimed_by: Option<String>,
    pub lease_until: Option<DateTime<Utc>>,
}

/// Where each integration's syncs stand in the queue.
#[async_trait]
pub trait JobStore: Send + Sync {
    /// Claims one job in scope that is due (or requested, or the one named) and not leased,
    /// skipping jobs another worker holds: PostgreSQL `FOR UPDATE SKIP LOCKED`, SQLite's write
    /// lock. Jobs exist only for enabled integrations.
    async fn claim_job(
        &self,
        worker: &str,
        scope: ClaimScope,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> StoreResult<Option<ClaimedJob>>;
    /// Keeps the lease while the run goes on; false if the job was lost (disabled meanwhile).
    async fn extend_lease(
        &self,
        job: &ClaimedJob,
        worker: &str,
        run: uuid::Uuid,
        until: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Ends the claim and schedules the next run.
    async fn release_job(
        &self,
        job: &ClaimedJob,
        worker: &str,
        next_run_at: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// "Sync now": false if the integration has no job (it is not enabled).
    async fn request_sync(&self, tenant: TenantId, integration: IntegrationId)
        -> StoreResult<bool>;
    async fn set_sync_interval(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        minutes: i32,
    ) -> StoreResult<bool>;
    async fn job_info(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
    ) -> StoreResult<Option<JobInfo>>;
}
