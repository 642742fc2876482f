//! Runs one claimed job: the streams of its provider, each page or day window stored with its
//! checkpoint, progress broadcast as it goes, the run and the integration's status recorded at
//! the end.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::Mutex;
use std::time::Instant;

use chrono::{DateTime, NaiveDate, Utc};
use futures::stream::{FuturesUnordered, StreamExt};
use integrations_providers::{
    InsightsQuery, MetaClient, OrderTimeField, OrdersQuery, PancakeClient, ProviderError,
};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{
    AdaptiveLimit, SyncOutcome, SyncProgress, SyncRun, SyncSchedule, SyncSettings, SyncTrigger,
};
use crate::auth::Session;
use crate::domain::{Credentials, IntegrationConfig, IntegrationId, IntegrationStatus, TenantId};
use crate::error::{CoreError, CoreResult};
use crate::service::Core;
use crate::store::{
    ClaimScope, ClaimedJob, IntegrationRecord, StoreError, SyncBatch, SyncRunRecord,
};

/// Provider clients for syncing, without in-client retries: the engine paces and retries.
pub struct SyncClients {
    pub pancake: PancakeClient,
    pub meta: MetaClient,
}

/// Why a run stopped early, already in words for the user (no secret in them).
#[derive(Debug)]
struct Failure {
    message: String,
    code: Option<String>,
    /// The provider no longer accepts the credential: the user must reconnect.
    reconnect: bool,
}

impl From<ProviderError> for Failure {
    fn from(err: ProviderError) -> Self {
        Self {
            reconnect: err.is_auth_failure(),
            code: Some(err.code().to_owned()),
            message: err.to_string(),
        }
    }
}

impl From<CoreError> for Failure {
    fn from(err: CoreError) -> Self {
        Self {
            code: Some(err.code().as_str().to_owned()),
            message: err.to_string(),
            reconnect: false,
        }
    }
}

impl From<StoreError> for Failure {
    fn from(err: StoreError) -> Self {
        CoreError::from(err).into()
    }
}

/// The orders stream's checkpoint: everything updated before `watermark` is stored, and of the
/// window in progress, every page before `next_page`.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct OrdersCursor {
    watermark: Option<DateTime<Utc>>,
    window: Option<OrdersWindow>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct OrdersWindow {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    next_page: u32,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PagesCursor {
    /// A pass over the catalogue in progress: the next page to read.
    next_page: Option<u32>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct InsightsCursor {
    /// Every day up to this one (account time zone) has been read at least once.
    through: Option<NaiveDate>,
}

/// One run in progress.
struct RunContext<'a> {
    core: &'a Core,
    job: &'a ClaimedJob,
    worker: &'a str,
    run_id: Uuid,
    integration_name: String,
    counts: Mutex<BTreeMap<String, i64>>,
    last_lease: Mutex<Instant>,
    limit: AdaptiveLimit,
}

impl RunContext<'_> {
    fn tenant(&self) -> TenantId {
        self.job.tenant_id
    }

    fn integration(&self) -> IntegrationId {
        self.job.integration_id
    }

    fn settings(&self) -> &SyncSettings {
        &self.core.sync_settings
    }

    fn total_records(&self) -> i64 {
        self.counts.lock().expect("counts lock").values().sum()
    }

    fn count(&self, stream: &str, rows: usize) {
        *self
            .counts
            .lock()
            .expect("counts lock")
            .entry(stream.to_owned())
            .or_default() += rows as i64;
    }

    fn progress(&self, stream: &str, done: u32, total: u32) {
        self.core.publish(
            self.tenant(),
            SyncProgress {
                integration_id: self.integration(),
                run_id: self.run_id,
                integration_name: self.integration_name.clone(),
                stream: stream.to_owned(),
                records: self.total_records(),
                done,
                total,
                outcome: None,
                error: None,
                error_code: None,
            },
        );
    }

    /// Stores a batch with its checkpoint, and renews the lease now and then.
    async fn store(
        &self,
        stream: &str,
        batch: SyncBatch<'_>,
        cursor: &impl Serialize,
    ) -> Result<usize, Failure> {
        let cursor = serde_json::to_string(cursor).expect("a cursor serializes");
        let written = self
            .core
            .store
            .write_batch(
                self.tenant(),
                self.integration(),
                batch,
                Some((stream, &cursor)),
            )
            .await?;
        self.renew_lease().await?;
        Ok(written)
    }

    async fn renew_lease(&self) -> Result<(), Failure> {
        let lease = self.settings().lease;
        let due = {
            let last = self.last_lease.lock().expect("lease lock");
            last.elapsed() >= lease.to_std().unwrap_or_default() / 3
        };
        if !due {
            return Ok(());
        }
        let kept = self
            .core
            .store
            .extend_lease(self.job, self.worker, self.run_id, Utc::now() + lease)
            .await?;
        if !kept {
            return Err(Failure {
                message: "The integration was turned off during the sync; it stopped there.".into(),
                code: None,
                reconnect: false,
            });
        }
        *self.last_lease.lock().expect("lease lock") = Instant::now();
        Ok(())
    }

    /// One provider call under the adaptive limit, retried with backoff on 429s and transient
    /// failures (a 429 also halves the limit).
    async fn call<T, F, Fut>(&self, mut request: F) -> Result<T, ProviderError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, ProviderError>>,
    {
        let settings = self.settings();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let slot = self.limit.acquire().await;
            let started = Instant::now();
            let result = request().await;
            drop(slot);
            let err = match result {
                Ok(value) => {
                    self.limit.succeeded(started.elapsed());
                    return Ok(value);
                }
                Err(err) => err,
            };
            if !err.is_transient() || attempt >= settings.page_attempts {
                return Err(err);
            }
            let backoff = settings.retry_backoff * 2u32.saturating_pow(attempt.min(6) - 1);
            let wait = match &err {
                ProviderError::RateLimited { retry_after, .. } => {
                    self.limit.throttle();
                    retry_after.unwrap_or(backoff).max(backoff)
                }
                _ => backoff,
            };
            tracing::debug!(
                code = err.code(),
                attempt,
                ?wait,
                "retrying a provider call"
            );
            tokio::time::sleep(wait).await;
        }
    }
}

const LEASE_LOST: &str =
    "This sync lost its claim (the integration was turned off, or another worker took it over).";

/// How long a finished sync stays in [`Core::sync_activity`], so a polling UI sees how it ended.
const FINISHED_VISIBLE: std::time::Duration = std::time::Duration::from_secs(20);

impl Core {
    fn publish(&self, tenant: TenantId, progress: SyncProgress) {
        self.sync_activity.lock().expect("activity lock").insert(
            progress.integration_id,
            (tenant, Instant::now(), progress.clone()),
        );
        let _ = self.sync_events.send(progress);
    }

    /// The syncs of this workspace running now (or finished in the last seconds), with their
    /// latest progress: what progress bars show.
    pub fn sync_activity(&self, session: &Session) -> Vec<SyncProgress> {
        let mut activity = self.sync_activity.lock().expect("activity lock");
        activity.retain(|_, (_, at, progress)| {
            progress.outcome.is_none() || at.elapsed() < FINISHED_VISIBLE
        });
        let mut list: Vec<SyncProgress> = activity
            .values()
            .filter(|(tenant, _, _)| *tenant == session.tenant_id())
            .map(|(_, _, progress)| progress.clone())
            .collect();
        list.sort_by(|a, b| a.integration_name.cmp(&b.integration_name));
        list
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
        self.sync_events.subscribe()
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

    async fn execute_claimed(&self, job: &ClaimedJob, worker: &str) -> CoreResult<SyncRun> {
        let job = job.clone();
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
        let mut run = SyncRunRecord {
            id: Uuid::new_v4(),
            tenant_id: tenant,
            integration_id: job.integration_id,
            trigger: if job.requested {
                SyncTrigger::Manual
            } else {
                SyncTrigger::Schedule
            }
            .as_str()
            .to_owned(),
            outcome: SyncOutcome::Running.as_str().to_owned(),
            started_at: Utc::now(),
            finished_at: None,
            counts: BTreeMap::new(),
            error: None,
            error_code: None,
            worker: worker.to_owned(),
        };
        self.store.insert_run(&run).await?;
        let ctx = RunContext {
            core: self,
            job: &job,
            worker,
            run_id: run.id,
            integration_name: record.name.clone(),
            counts: Mutex::new(BTreeMap::new()),
            last_lease: Mutex::new(Instant::now()),
            limit: AdaptiveLimit::new(
                self.sync_settings.initial_concurrency,
                self.sync_settings.max_concurrency,
            ),
        };
        // The run id goes on the job at once, so a takeover can close this run.
        self.store
            .extend_lease(&job, worker, run.id, Utc::now() + self.sync_settings.lease)
            .await?;
        tracing::info!(integration = %job.integration_id, run = %run.id, "sync started");
        ctx.progress("", 0, 0);
        // The lease is renewed on a clock of its own, so a slow page or a long Meta report
        // cannot let it lapse while the run is alive; losing it stops the run.
        let heartbeat = async {
            let every = (self.sync_settings.lease / 3)
                .to_std()
                .unwrap_or(std::time::Duration::from_secs(30))
                .max(std::time::Duration::from_millis(100));
            loop {
                tokio::time::sleep(every).await;
                match self
                    .store
                    .extend_lease(&job, worker, run.id, Utc::now() + self.sync_settings.lease)
                    .await
                {
                    Ok(true) => *ctx.last_lease.lock().expect("lease lock") = Instant::now(),
                    Ok(false) => return LEASE_LOST,
                    Err(err) => tracing::warn!(error = %err, "could not renew a sync lease"),
                }
            }
        };
        let result = tokio::select! {
            result = self.run_streams(&ctx, &record) => result,
            lost = heartbeat => Err(Failure {
                message: lost.into(),
                code: None,
                reconnect: false,
            }),
        };
        let lease_lost = matches!(&result, Err(failure) if failure.message == LEASE_LOST);
        let finished = Utc::now();
        run.finished_at = Some(finished);
        run.counts = ctx.counts.lock().expect("counts lock").clone();
        let failure = result.err();
        match &failure {
            None => run.outcome = SyncOutcome::Succeeded.as_str().to_owned(),
            Some(failure) => {
                run.outcome = SyncOutcome::Failed.as_str().to_owned();
                run.error = Some(failure.message.clone());
                run.error_code = failure.code.clone();
            }
        }
        self.store.update_run(&run).await?;
        if lease_lost {
            // Another worker holds the job now (or it was turned off): its run speaks for the
            // integration, not this one.
            return Ok(SyncRun::from(run));
        }
        self.record_outcome(tenant, &job, failure.as_ref(), finished)
            .await?;
        // A failed run comes back sooner than the schedule; one the user must act on first (new
        // credentials) waits a day rather than knock with a dead key every hour ("Sync now"
        // after reconnecting runs at once).
        let next = match &failure {
            Some(failure) if failure.reconnect => {
                finished + chrono::Duration::minutes(i64::from(job.interval_minutes).max(24 * 60))
            }
            Some(_) => {
                finished + chrono::Duration::minutes(i64::from(job.interval_minutes).min(15))
            }
            None => finished + chrono::Duration::minutes(job.interval_minutes.into()),
        };
        self.store.release_job(&job, worker, next).await?;
        tracing::info!(
            integration = %job.integration_id,
            run = %run.id,
            outcome = %run.outcome,
            peak_concurrency = ctx.limit.peak(),
            throttled = ctx.limit.throttled(),
            "sync finished"
        );
        let run = SyncRun::from(run);
        self.publish(
            tenant,
            SyncProgress {
                integration_id: job.integration_id,
                run_id: run.id,
                integration_name: record.name,
                stream: String::new(),
                records: run.counts.values().sum(),
                done: 1,
                total: 1,
                outcome: Some(run.outcome),
                error: run.error.clone(),
                error_code: run.error_code.clone(),
            },
        );
        Ok(run)
    }

    /// lastSyncAt and status follow the run: a success proves the credential (ACTIVE); a
    /// credential the provider refuses needs the user (ERROR, "reconnect").
    async fn record_outcome(
        &self,
        tenant: TenantId,
        job: &ClaimedJob,
        failure: Option<&Failure>,
        finished: DateTime<Utc>,
    ) -> CoreResult<()> {
        let outcome = self
            .mutate_in(tenant, job.integration_id, None, |record| {
                let disabled = record.status == IntegrationStatus::Disabled;
                match failure {
                    None => {
                        record.last_sync_at = Some(finished);
                        record.last_error = None;
                        if !disabled {
                            record.status = IntegrationStatus::Active;
                        }
                    }
                    Some(failure) if failure.reconnect => {
                        record.last_error = Some(format!(
                            "{} Reconnect this integration with new credentials.",
                            failure.message
                        ));
                        if !disabled {
                            record.status = IntegrationStatus::Error;
                        }
                    }
                    Some(failure) => record.last_error = Some(failure.message.clone()),
                }
                Ok(())
            })
            .await;
        match outcome {
            Ok(_) | Err(CoreError::NotFound(_)) => Ok(()),
            Err(err) => Err(err),
        }
    }

    async fn run_streams(
        &self,
        ctx: &RunContext<'_>,
        record: &IntegrationRecord,
    ) -> Result<(), Failure> {
        let clients = self.providers.sync_clients().ok_or_else(|| Failure {
            message: "This build cannot reach the providers.".into(),
            code: None,
            reconnect: false,
        })?;
        let keyring = self.keyring(ctx.tenant()).await?;
        let credentials = Self::open(&keyring, record)?;
        let config = IntegrationConfig::from_stored(record.provider, &record.config)?;
        match (&credentials, &config) {
            (Credentials::PancakePos { api_key }, IntegrationConfig::PancakePos { shop_id }) => {
                let shop_id: i64 = shop_id.parse().map_err(|_| Failure {
                    message: format!("The shop id {shop_id} is not a number."),
                    code: Some("PROVIDER_INVALID_CONFIG".into()),
                    reconnect: false,
                })?;
                self.sync_orders(ctx, &clients.pancake, api_key, shop_id)
                    .await?;
                self.sync_variations(ctx, &clients.pancake, api_key, shop_id)
                    .await
            }
            (
                Credentials::MetaAds { access_token },
                IntegrationConfig::MetaAds { ad_account_id },
            ) => {
                self.sync_insights(ctx, &clients.meta, access_token, ad_account_id)
                    .await
            }
            _ => Err(Failure {
                message: "The credentials and the configuration are for different providers."
                    .into(),
                code: Some("PROVIDER_INVALID_CONFIG".into()),
                reconnect: false,
            }),
        }
    }

    async fn load_cursor<T: Default + for<'de> Deserialize<'de>>(
        &self,
        ctx: &RunContext<'_>,
        stream: &str,
    ) -> Result<T, Failure> {
        let text = self
            .store
            .cursor(ctx.tenant(), ctx.integration(), stream)
            .await?;
        Ok(text
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_default())
    }

    /// Orders by update time: history in windows, then from the last watermark (minus an
    /// overlap) to now. Within a window, pages go out concurrently under the adaptive limit.
    async fn sync_orders(
        &self,
        ctx: &RunContext<'_>,
        client: &PancakeClient,
        api_key: &SecretString,
        shop_id: i64,
    ) -> Result<(), Failure> {
        const STREAM: &str = "orders";
        let settings = &self.sync_settings;
        let mut cursor: OrdersCursor = self.load_cursor(ctx, STREAM).await?;
        let sync_start = Utc::now();
        // A window no longer than the overlap would never move forward.
        let order_window = settings
            .order_window
            .max(settings.order_overlap * 2)
            .max(chrono::Duration::minutes(1));
        let mut done_pages = 0u32;
        let mut known_pages = 0u32;
        loop {
            let window = match cursor.window {
                Some(window) => window,
                None => {
                    let start = match cursor.watermark {
                        Some(watermark) => watermark - settings.order_overlap,
                        None => sync_start - settings.order_backfill,
                    };
                    OrdersWindow {
                        start,
                        end: (start + order_window).min(sync_start),
                        next_page: 1,
                    }
                }
            };
            let query = |page: u32| OrdersQuery {
                page_number: page,
                page_size: settings.order_page_size,
                start: Some(window.start),
                end: Some(window.end),
                time_field: OrderTimeField::UpdatedAt,
                option_sort: Some("last_updated_order_asc".to_owned()),
                filter_status: Vec::new(),
                include_removed: true,
            };
            let fetch = |page: u32| {
                let query = query(page);
                async move {
                    let result = ctx
                        .call(|| client.orders_page(api_key, shop_id, &query))
                        .await;
                    (page, result)
                }
            };
            // The first page says how many there are; the rest go out together.
            let (first_page, first) = fetch(window.next_page).await;
            let first = first?;
            let total = first.total_pages.unwrap_or(if first.has_more() {
                first_page + 1
            } else {
                first_page
            });
            known_pages += total.saturating_sub(first_page) + 1;
            // Fetching and storing overlap: one side keeps requests in flight (and reads their
            // answers) while the other commits pages, in whatever order they arrive.
            let (pages_tx, mut pages_rx) =
                tokio::sync::mpsc::channel(settings.max_concurrency.max(1));
            let fetcher = async {
                // Owned here, so the channel closes when fetching ends.
                let pages_tx = pages_tx;
                let mut next_to_fetch = first_page + 1;
                let mut in_flight = FuturesUnordered::new();
                loop {
                    while next_to_fetch <= total && in_flight.len() < settings.max_concurrency {
                        in_flight.push(fetch(next_to_fetch));
                        next_to_fetch += 1;
                    }
                    let Some((page, result)) = in_flight.next().await else {
                        return;
                    };
                    let failed = result.is_err();
                    if let Ok(rows) = &result {
                        if rows.total_pages.is_none()
                            && rows.has_more()
                            && next_to_fetch <= page + 1
                        {
                            // Without a page count, one page at a time.
                            in_flight.push(fetch(page + 1));
                            next_to_fetch = page + 2;
                        }
                    }
                    // The storer stopped (it failed): stop asking.
                    if pages_tx.send((page, result)).await.is_err() || failed {
                        return;
                    }
                }
            };
            let storer = async {
                let mut stored = BTreeSet::new();
                let mut frontier = first_page;
                let mut next = Some((first_page, first));
                loop {
                    let (page, rows) = match next.take() {
                        Some(item) => item,
                        None => match pages_rx.recv().await {
                            Some((page, result)) => (page, result?),
                            None => return Ok::<(), Failure>(()),
                        },
                    };
                    stored.insert(page);
                    while stored.remove(&frontier) {
                        frontier += 1;
                    }
                    // Pages before `frontier` are all stored: a resumed run starts there.
                    let checkpoint = OrdersCursor {
                        watermark: cursor.watermark,
                        window: Some(OrdersWindow {
                            next_page: frontier,
                            ..window
                        }),
                    };
                    let written = ctx
                        .store(
                            STREAM,
                            SyncBatch::Orders {
                                shop_id,
                                orders: &rows.data,
                            },
                            &checkpoint,
                        )
                        .await?;
                    ctx.count(STREAM, written);
                    done_pages += 1;
                    ctx.progress(STREAM, done_pages, known_pages);
                }
            };
            let ((), stored) = futures::join!(fetcher, storer);
            stored?;
            // Whatever the pages said, the window is complete now.
            cursor = OrdersCursor {
                watermark: Some(window.end),
                window: None,
            };
            ctx.store(
                STREAM,
                SyncBatch::Orders {
                    shop_id,
                    orders: &[],
                },
                &cursor,
            )
            .await?;
            if window.end >= sync_start {
                return Ok(());
            }
        }
    }

    /// The catalogue with stock per warehouse: a full pass each run, resumable by page.
    async fn sync_variations(
        &self,
        ctx: &RunContext<'_>,
        client: &PancakeClient,
        api_key: &SecretString,
        shop_id: i64,
    ) -> Result<(), Failure> {
        const STREAM: &str = "variations";
        let cursor: PagesCursor = self.load_cursor(ctx, STREAM).await?;
        let mut page = cursor.next_page.unwrap_or(1);
        let size = self.sync_settings.variation_page_size;
        loop {
            let rows = ctx
                .call(|| client.variations_page(api_key, shop_id, page, size))
                .await?;
            // An empty page ends the pass whatever the page count says.
            let more = rows.has_more() && !rows.data.is_empty();
            let checkpoint = PagesCursor {
                next_page: more.then_some(page + 1),
            };
            let written = ctx
                .store(
                    STREAM,
                    SyncBatch::Variations {
                        shop_id,
                        variations: &rows.data,
                    },
                    &checkpoint,
                )
                .await?;
            ctx.count(STREAM, written);
            ctx.count(
                "stock",
                rows.data.iter().map(|v| v.stock.len()).sum::<usize>(),
            );
            ctx.progress(STREAM, page, rows.total_pages.unwrap_or(page));
            if !more {
                return Ok(());
            }
            page += 1;
        }
    }

    /// Daily insights per ad, by day windows in the account's time zone: history on the first
    /// run, then from the last day read minus the lookback (attribution keeps changing them).
    async fn sync_insights(
        &self,
        ctx: &RunContext<'_>,
        client: &MetaClient,
        token: &SecretString,
        ad_account_id: &str,
    ) -> Result<(), Failure> {
        const STREAM: &str = "insights";
        let settings = &self.sync_settings;
        let account = ctx.call(|| client.ad_account(token, ad_account_id)).await?;
        let zone: chrono_tz::Tz = account.timezone_name.parse().unwrap_or(chrono_tz::UTC);
        let today = Utc::now().with_timezone(&zone).date_naive();
        let mut cursor: InsightsCursor = self.load_cursor(ctx, STREAM).await?;
        let mut since = match cursor.through {
            Some(through) => through - chrono::Duration::days(settings.meta_lookback_days - 1),
            None => today - chrono::Duration::days(settings.meta_backfill_days - 1),
        }
        .min(today);
        // Meta keeps insights for 37 months and refuses older start dates.
        let oldest = today - chrono::Duration::days(37 * 30);
        since = since.max(oldest);
        let window_days = settings.meta_window_days.max(1);
        let total = ((today - since).num_days() / window_days + 1) as u32;
        let mut done = 0;
        let mut ads = BTreeSet::new();
        // The next window is fetched while the last one is stored; windows stay in order, so
        // the checkpoint only ever moves forward.
        let (windows_tx, mut windows_rx) = tokio::sync::mpsc::channel(1);
        let fetcher = async {
            // Owned here, so the channel closes when fetching ends.
            let windows_tx = windows_tx;
            while since <= today {
                let until = (since + chrono::Duration::days(window_days - 1)).min(today);
                let query = InsightsQuery::new(ad_account_id, since, until, &account.currency);
                let result = ctx.call(|| client.insights(token, &query)).await;
                let failed = result.is_err();
                if windows_tx.send((until, result)).await.is_err() || failed {
                    return;
                }
                since = until + chrono::Duration::days(1);
            }
        };
        let storer = async {
            while let Some((until, result)) = windows_rx.recv().await {
                let rows = result?;
                ads.extend(rows.iter().map(|row| row.ad_id.clone()));
                cursor.through = Some(cursor.through.map_or(until, |through| through.max(until)));
                let written = ctx
                    .store(
                        STREAM,
                        SyncBatch::Insights {
                            currency: &account.currency,
                            rows: &rows,
                        },
                        &cursor,
                    )
                    .await?;
                ctx.count(STREAM, written);
                done += 1;
                ctx.progress(STREAM, done, total);
            }
            Ok::<(), Failure>(())
        };
        let ((), stored) = futures::join!(fetcher, storer);
        stored?;
        ctx.count("ads", ads.len());
        Ok(())
    }
}
