//! Syncing, as the operations see it: the queue (claiming due jobs, "Sync now", schedules),
//! the history, progress, and what a finished run means for its integration. The runs
//! themselves are the engine's (`crate::sync::engine`).

use chrono::{DateTime, Utc};
use futures::stream::{FuturesUnordered, StreamExt};

use super::Core;
use crate::auth::Session;
use crate::domain::{IntegrationId, IntegrationStatus, TenantId};
use crate::error::{CoreError, CoreResult};
use crate::store::{ClaimScope, ClaimedJob, SyncOutcome};
use crate::sync::engine::{self, RunFailure, SyncContext};
use crate::sync::{SyncProgress, SyncRun, SyncSchedule};

impl Core {
    /// The syncs of this workspace running now (or finished in the last seconds), with their
    /// latest progress: what progress bars show.
    pub fn sync_activity(&self, session: &Session) -> Vec<SyncProgress> {
        self.sync_progress.current(session.tenant_id())
    }

    /// Claims and runs due jobs in `scope`, up to `parallel` at a time, until none is due.
    /// Returns the runs. The app's scheduler and `integrations worker` call this in a loop.
    pub async fn run_due_jobs(
        &self,
        worker: &str,
        scope: ClaimScope,
        parallel: usize,
    ) -> CoreResult<Vec<SyncRun>> {
        // A slot that frees up takes the next due job at once; a long backfill in one slot
        // does not hold the others back.
        let mut runs = Vec::new();
        let mut slots = FuturesUnordered::new();
        for _ in 0..parallel.max(1) {
            slots.push(self.run_next_job(worker, scope));
        }
        let mut first_error = None;
        while let Some(result) = slots.next().await {
            match result {
                Ok(Some(run)) => {
                    runs.push(run);
                    slots.push(self.run_next_job(worker, scope));
                }
                Ok(None) => {}
                Err(err) => {
                    tracing::warn!(error = %err, "a sync job failed to run");
                    first_error.get_or_insert(err);
                }
            }
        }
        match first_error {
            Some(err) if runs.is_empty() => Err(err),
            _ => Ok(runs),
        }
    }

    /// Resolves when "Sync now" asked for work (the in-app scheduler sleeps on this).
    pub async fn sync_requested(&self) {
        self.sync_wake.notified().await;
    }

    /// "Sync all now": asks every enabled integration of the workspace to sync.
    pub async fn sync_all(&self, session: &Session) -> CoreResult<usize> {
        self.require_online("Syncing")?;
        let mut asked = 0;
        for integration in self.list_integrations(session).await? {
            if integration.enabled
                && self
                    .store
                    .request_sync(session.tenant_id(), integration.id)
                    .await?
            {
                asked += 1;
            }
        }
        self.sync_wake.notify_one();
        Ok(asked)
    }

    /// Progress of every sync this core runs, as it happens.
    pub fn subscribe_sync(&self) -> tokio::sync::broadcast::Receiver<SyncProgress> {
        self.sync_progress.subscribe()
    }

    /// Claims one job in `scope` that is due (or asked for) and runs it to the end. `None`
    /// when there is nothing to do (or another worker holds it).
    pub async fn run_next_job(
        &self,
        worker: &str,
        scope: ClaimScope,
    ) -> CoreResult<Option<SyncRun>> {
        let now = Utc::now();
        let claimed = self
            .store
            .claim_job(worker, scope, now, now + self.sync_settings.lease)
            .await?;
        match claimed {
            Some(job) => self.execute(job, worker).await.map(Some),
            None => Ok(None),
        }
    }

    /// "Sync now", run here and waited for: the CLI's `sync ID` and the app's button.
    pub async fn sync_integration(
        &self,
        session: &Session,
        id: IntegrationId,
        worker: &str,
    ) -> CoreResult<SyncRun> {
        self.require_online("Syncing")?;
        let record = self
            .store
            .get_integration(session.tenant_id(), id)
            .await?
            .ok_or_else(CoreError::integration_not_found)?;
        if !record.enabled {
            return Err(CoreError::Validation(
                "Turn this integration on first: only enabled integrations sync.".into(),
            ));
        }
        self.store.request_sync(session.tenant_id(), id).await?;
        let scope = ClaimScope {
            tenant: Some(session.tenant_id()),
            integration: Some(id),
        };
        match self.run_next_job(worker, scope).await? {
            Some(run) => Ok(run),
            None => Err(CoreError::Conflict(
                "This integration is being synced right now (by this app or another computer). \
                 Its progress shows in the sync history."
                    .into(),
            )),
        }
    }

    /// Asks for a sync at the next chance, by whichever worker comes first.
    pub async fn sync_now(&self, session: &Session, id: IntegrationId) -> CoreResult<SyncSchedule> {
        self.require_online("Syncing")?;
        let requested = self.store.request_sync(session.tenant_id(), id).await?;
        if !requested {
            return Err(CoreError::Validation(
                "Turn this integration on first: only enabled integrations sync.".into(),
            ));
        }
        self.sync_wake.notify_one();
        self.sync_schedule(session, id)
            .await?
            .ok_or_else(CoreError::integration_not_found)
    }

    /// Runs of one integration, newest first.
    pub async fn sync_history(
        &self,
        session: &Session,
        id: IntegrationId,
        limit: i64,
    ) -> CoreResult<Vec<SyncRun>> {
        let runs = self
            .store
            .runs(session.tenant_id(), id, limit.clamp(1, 500))
            .await?;
        Ok(runs.into_iter().map(SyncRun::from).collect())
    }

    /// The integration's schedule; `None` while it is turned off.
    pub async fn sync_schedule(
        &self,
        session: &Session,
        id: IntegrationId,
    ) -> CoreResult<Option<SyncSchedule>> {
        let info = self.store.job_info(session.tenant_id(), id).await?;
        Ok(info.map(|info| SyncSchedule {
            integration_id: id,
            interval_minutes: info.interval_minutes,
            next_run_at: info.next_run_at,
            requested: info.requested_at.is_some(),
            running: info.lease_until.is_some_and(|until| until > Utc::now()),
        }))
    }

    /// How often it syncs by itself: 5 minutes to 7 days.
    pub async fn set_sync_interval(
        &self,
        session: &Session,
        id: IntegrationId,
        minutes: i32,
    ) -> CoreResult<SyncSchedule> {
        if !(5..=10_080).contains(&minutes) {
            return Err(CoreError::Validation(
                "The sync interval must be between 5 minutes and 7 days.".into(),
            ));
        }
        self.require_online("Changing the schedule")?;
        let set = self
            .store
            .set_sync_interval(session.tenant_id(), id, minutes)
            .await?;
        if !set {
            return Err(CoreError::Validation(
                "Turn this integration on first: only enabled integrations have a schedule.".into(),
            ));
        }
        self.sync_schedule(session, id)
            .await?
            .ok_or_else(CoreError::integration_not_found)
    }

    /// Runs a claimed job; whatever happens, the claim is given back (a failure before the run
    /// could start retries in a few minutes rather than when the lease runs out).
    async fn execute(&self, job: ClaimedJob, worker: &str) -> CoreResult<SyncRun> {
        let result = self.execute_claimed(&job, worker).await;
        if result.is_err() {
            let retry = Utc::now() + chrono::Duration::minutes(5);
            if let Err(err) = self.store.release_job(&job, worker, retry).await {
                tracing::warn!(error = %err, "could not release a sync job after a failure");
            }
        }
        result
    }

    /// The service's part of a run: the integration and its credentials for the engine, then
    /// what the run means for the integration's status before the job is given back.
    async fn execute_claimed(&self, job: &ClaimedJob, worker: &str) -> CoreResult<SyncRun> {
        let tenant = job.tenant_id;
        if let Some(abandoned) = job.abandoned_run {
            self.store.interrupt_run(tenant, abandoned).await?;
        }
        let Some(record) = self
            .store
            .get_integration(tenant, job.integration_id)
            .await?
        else {
            return Err(CoreError::integration_not_found());
        };
        // Opened here, used by the engine; a failure to open them fails the run, recorded.
        let credentials = self
            .keyring(tenant)
            .await
            .and_then(|keyring| Self::open(&keyring, &record));
        let ctx = SyncContext {
            store: self.store.as_ref(),
            clients: self.providers.sync_clients(),
            settings: &self.sync_settings,
            progress: &self.sync_progress,
        };
        let finished = engine::run_job(&ctx, job, worker, &record, credentials).await?;
        self.throttles.add(record.provider, finished.throttled);
        if finished.lease_lost {
            return Ok(SyncRun::from(finished.run));
        }
        self.record_outcome(tenant, job, finished.failure.as_ref(), finished.finished)
            .await?;
        let run = engine::finish_job(&ctx, job, worker, record.name, finished).await?;
        self.alerts_after_sync(tenant).await;
        Ok(run)
    }

    /// lastSyncAt and status follow the run: a success proves the credential (ACTIVE); a
    /// credential the provider refuses needs the user (ERROR, "reconnect"). Written beside what
    /// a user edits, not as an edit: an Edit dialog opened before the run ended still saves.
    async fn record_outcome(
        &self,
        tenant: TenantId,
        job: &ClaimedJob,
        failure: Option<&RunFailure>,
        finished: DateTime<Utc>,
    ) -> CoreResult<()> {
        let outcome = match failure {
            None => SyncOutcome {
                synced_at: Some(finished),
                last_error: None,
                status: Some(IntegrationStatus::Active),
            },
            Some(failure) if failure.reconnect => SyncOutcome {
                synced_at: None,
                last_error: Some(format!(
                    "{} Reconnect this integration with new credentials.",
                    failure.message
                )),
                status: Some(IntegrationStatus::Error),
            },
            Some(failure) => SyncOutcome {
                synced_at: None,
                last_error: Some(failure.message.clone()),
                status: None,
            },
        };
        // An integration deleted meanwhile has nothing to show it on.
        self.store
            .record_sync_outcome(tenant, job.integration_id, &outcome)
            .await?;
        Ok(())
    }
}
