//! Runs one claimed job: the streams of its provider, each page or day window stored with its
//! checkpoint, the lease kept alive, progress reported as it goes, and the run recorded. The
//! engine works from a [`SyncContext`] (store, clients, settings, progress) and the credentials
//! the service opened for it; what a run means for the integration's status is the service's.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Mutex;
use std::time::Instant;

use chrono::{DateTime, Utc};
use integrations_providers::ProviderError;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::streams::{meta, pancake};
use super::{
    AdaptiveLimit, Learned, ProgressBoard, SyncOutcome, SyncProgress, SyncRun, SyncSettings,
    SyncTrigger,
};
use crate::domain::{Credentials, IntegrationConfig, IntegrationId, TenantId};
use crate::error::{CoreError, CoreResult};
use crate::provider::SyncClients;
use crate::store::{ClaimedJob, IntegrationRecord, Store, StoreError, SyncBatch, SyncRunRecord};

/// What a run needs from outside, and nothing more.
pub(crate) struct SyncContext<'a> {
    pub store: &'a dyn Store,
    /// `None`: this build's provider gateway cannot sync.
    pub clients: Option<SyncClients>,
    pub settings: &'a SyncSettings,
    pub progress: &'a ProgressBoard,
}

/// Why a run stopped early, already in words for the user (no secret in them).
#[derive(Debug)]
pub(crate) struct RunFailure {
    pub message: String,
    pub code: Option<String>,
    /// The provider no longer accepts the credential: the user must reconnect.
    pub reconnect: bool,
}

impl From<ProviderError> for RunFailure {
    fn from(err: ProviderError) -> Self {
        Self {
            reconnect: err.is_auth_failure(),
            code: Some(err.code().to_owned()),
            message: err.to_string(),
        }
    }
}

impl From<CoreError> for RunFailure {
    fn from(err: CoreError) -> Self {
        Self {
            code: Some(err.code().as_str().to_owned()),
            message: err.to_string(),
            reconnect: false,
        }
    }
}

impl From<StoreError> for RunFailure {
    fn from(err: StoreError) -> Self {
        CoreError::from(err).into()
    }
}

/// One run in progress.
pub(super) struct RunContext<'a> {
    sync: &'a SyncContext<'a>,
    job: &'a ClaimedJob,
    worker: &'a str,
    run_id: Uuid,
    integration_name: String,
    counts: Mutex<BTreeMap<String, i64>>,
    last_lease: Mutex<Instant>,
    limit: AdaptiveLimit,
    /// Whose learned limit this run keeps (see [`RememberedLimit`]), once the provider is known.
    limit_owner: std::sync::OnceLock<String>,
}

/// Not a stream of rows: the checkpoint under this name is what the runs of a Pancake
/// integration learned of its rate limit, so the next run starts under it instead of finding it
/// again with 429s.
const LIMIT_STREAM: &str = "pancake.limit";

/// A learned limit and the credentials it was learned with: Pancake limits each API key, so a
/// new key (a reconnect) starts afresh. The credentials are named by a digest of their sealed
/// form, which holds nothing of the key in the clear.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RememberedLimit {
    credentials: String,
    /// `None`: those credentials' runs have learned nothing yet.
    learned: Option<Learned>,
}

fn credentials_digest(sealed: &str) -> String {
    use base64::Engine as _;
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("integrations.limit-owner.v1:{sealed}").as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest[..12])
}

impl RunContext<'_> {
    pub(super) fn tenant(&self) -> TenantId {
        self.job.tenant_id
    }

    pub(super) fn integration(&self) -> IntegrationId {
        self.job.integration_id
    }

    pub(super) fn settings(&self) -> &SyncSettings {
        self.sync.settings
    }

    /// Requests the adaptive limit lets out at once now.
    pub(super) fn concurrency(&self) -> usize {
        self.limit.limit()
    }

    fn total_records(&self) -> i64 {
        self.counts.lock().expect("counts lock").values().sum()
    }

    pub(super) fn count(&self, stream: &str, rows: usize) {
        *self
            .counts
            .lock()
            .expect("counts lock")
            .entry(stream.to_owned())
            .or_default() += rows as i64;
    }

    pub(super) fn progress(&self, stream: &str, done: u32, total: u32) {
        self.sync.progress.publish(
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
    pub(super) async fn store(
        &self,
        stream: &str,
        batch: SyncBatch<'_>,
        cursor: &impl Serialize,
    ) -> Result<usize, RunFailure> {
        let cursor = serde_json::to_string(cursor).expect("a cursor serializes");
        let written = self
            .sync
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

    async fn renew_lease(&self) -> Result<(), RunFailure> {
        let lease = self.settings().lease;
        let due = {
            let last = self.last_lease.lock().expect("lease lock");
            last.elapsed() >= lease.to_std().unwrap_or_default() / 3
        };
        if !due {
            return Ok(());
        }
        let kept = self
            .sync
            .store
            .extend_lease(self.job, self.worker, self.run_id, Utc::now() + lease)
            .await?;
        if !kept {
            return Err(RunFailure {
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
    pub(super) async fn call<T, F, Fut>(&self, request: F) -> Result<T, ProviderError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, ProviderError>>,
    {
        self.call_watching(|| 0, request).await
    }

    /// Like [`Self::call`], for a provider that also says "slow down" in good answers:
    /// `slow_downs` counts such answers (Graph's usage headers near 100 %), and one that
    /// came while this request was out cuts the limit as a 429 would, instead of counting as
    /// a clean answer.
    pub(super) async fn call_watching<T, F, Fut>(
        &self,
        slow_downs: impl Fn() -> u64,
        mut request: F,
    ) -> Result<T, ProviderError>
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
            let start = slot.started();
            let slow_downs_before = slow_downs();
            let result = request().await;
            drop(slot);
            let err = match result {
                Ok(value) => {
                    if slow_downs() > slow_downs_before {
                        self.limit.throttle();
                    } else {
                        self.limit.succeeded(started.elapsed());
                    }
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
                    self.limit.refused(start);
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

    /// Starts the limit from what earlier runs with these credentials learned, and keeps what
    /// this run learns under their name (see [`RunContext::remember_limit`]).
    async fn adopt_remembered_limit(&self, sealed_credentials: &str) -> Result<(), RunFailure> {
        // Pancake counts requests a second per key: starts are paced once a 429 shows how many.
        self.limit.pace_starts();
        let owner = credentials_digest(sealed_credentials);
        let remembered: Option<RememberedLimit> = self.load_cursor(LIMIT_STREAM).await?;
        if let Some(learned) = remembered
            .filter(|r| r.credentials == owner)
            .and_then(|r| r.learned)
        {
            self.limit.adopt(learned);
        }
        let _ = self.limit_owner.set(owner);
        Ok(())
    }

    /// Stores what the limit has learned so far, so a stopped or later run starts from it.
    pub(super) async fn remember_limit(&self) -> Result<(), RunFailure> {
        let Some(owner) = self.limit_owner.get() else {
            return Ok(());
        };
        let remembered = RememberedLimit {
            credentials: owner.clone(),
            learned: self.limit.learned(),
        };
        let cursor = serde_json::to_string(&remembered).expect("a learned limit serializes");
        self.sync
            .store
            .write_batch(
                self.tenant(),
                self.integration(),
                SyncBatch::Orders {
                    shop_id: 0,
                    orders: &[],
                },
                Some((LIMIT_STREAM, &cursor)),
            )
            .await?;
        Ok(())
    }

    /// Keeps what Graph said of the token's expiry, for the token-expiring alert.
    pub(super) async fn record_token_expiry(
        &self,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<(), RunFailure> {
        self.sync
            .store
            .record_token_expiry(self.tenant(), self.integration(), expires_at, Utc::now())
            .await?;
        Ok(())
    }

    /// The stream's checkpoint, or a fresh start if there is none (or it cannot be read).
    pub(super) async fn load_cursor<T: Default + for<'de> Deserialize<'de>>(
        &self,
        stream: &str,
    ) -> Result<T, RunFailure> {
        let text = self
            .sync
            .store
            .cursor(self.tenant(), self.integration(), stream)
            .await?;
        Ok(text
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_default())
    }
}

const LEASE_LOST: &str =
    "This sync lost its claim (the integration was turned off, or another worker took it over).";

/// A run that has ended and been recorded; its job is still claimed.
pub(crate) struct FinishedRun {
    pub run: SyncRunRecord,
    pub failure: Option<RunFailure>,
    /// Another worker holds the job now (or it was turned off): its run speaks for the
    /// integration, not this one, and the claim is not this worker's to release.
    pub lease_lost: bool,
    pub finished: DateTime<Utc>,
    peak_concurrency: usize,
    /// 429s (and other "slow down" answers) the run met: the server's metrics count them.
    pub throttled: u64,
}

/// Records a run of a claimed job and runs its streams to the end (or the first failure, or
/// the loss of the lease). `credentials` are the integration's, as the service opened them
/// (a failure to open them fails the run). The job stays claimed: see [`finish_job`].
pub(crate) async fn run_job(
    ctx: &SyncContext<'_>,
    job: &ClaimedJob,
    worker: &str,
    record: &IntegrationRecord,
    credentials: CoreResult<Credentials>,
) -> CoreResult<FinishedRun> {
    let settings = ctx.settings;
    let mut run = SyncRunRecord {
        id: Uuid::new_v4(),
        tenant_id: job.tenant_id,
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
    ctx.store.insert_run(&run).await?;
    let running = RunContext {
        sync: ctx,
        job,
        worker,
        run_id: run.id,
        integration_name: record.name.clone(),
        counts: Mutex::new(BTreeMap::new()),
        last_lease: Mutex::new(Instant::now()),
        limit: AdaptiveLimit::new(settings.initial_concurrency, settings.max_concurrency),
        limit_owner: std::sync::OnceLock::new(),
    };
    // The run id goes on the job at once, so a takeover can close this run.
    ctx.store
        .extend_lease(job, worker, run.id, Utc::now() + settings.lease)
        .await?;
    tracing::info!(integration = %job.integration_id, run = %run.id, "sync started");
    running.progress("", 0, 0);
    // The lease is renewed on a clock of its own, so a slow page or a long Meta report
    // cannot let it lapse while the run is alive; losing it stops the run.
    let heartbeat = async {
        let every = (settings.lease / 3)
            .to_std()
            .unwrap_or(std::time::Duration::from_secs(30))
            .max(std::time::Duration::from_millis(100));
        loop {
            tokio::time::sleep(every).await;
            match ctx
                .store
                .extend_lease(job, worker, run.id, Utc::now() + settings.lease)
                .await
            {
                Ok(true) => *running.last_lease.lock().expect("lease lock") = Instant::now(),
                Ok(false) => return LEASE_LOST,
                Err(err) => tracing::warn!(error = %err, "could not renew a sync lease"),
            }
        }
    };
    let result = tokio::select! {
        result = run_streams(&running, record, credentials) => result,
        lost = heartbeat => Err(RunFailure {
            message: lost.into(),
            code: None,
            reconnect: false,
        }),
    };
    let lease_lost = matches!(&result, Err(failure) if failure.message == LEASE_LOST);
    let finished = Utc::now();
    run.finished_at = Some(finished);
    run.counts = running.counts.lock().expect("counts lock").clone();
    let failure = result.err();
    match &failure {
        None => run.outcome = SyncOutcome::Succeeded.as_str().to_owned(),
        Some(failure) => {
            run.outcome = SyncOutcome::Failed.as_str().to_owned();
            run.error = Some(failure.message.clone());
            run.error_code = failure.code.clone();
        }
    }
    ctx.store.update_run(&run).await?;
    Ok(FinishedRun {
        run,
        failure,
        lease_lost,
        finished,
        peak_concurrency: running.limit.peak(),
        throttled: running.limit.throttled(),
    })
}

/// Gives a finished run's job back with its next time, and reports the end. A failed run comes
/// back sooner than the schedule; one the user must act on first (new credentials) waits a day
/// rather than knock with a dead key every hour ("Sync now" after reconnecting runs at once).
pub(crate) async fn finish_job(
    ctx: &SyncContext<'_>,
    job: &ClaimedJob,
    worker: &str,
    integration_name: String,
    finished: FinishedRun,
) -> CoreResult<SyncRun> {
    let FinishedRun {
        run,
        failure,
        finished,
        peak_concurrency,
        throttled,
        ..
    } = finished;
    let next = match &failure {
        Some(failure) if failure.reconnect => {
            finished + chrono::Duration::minutes(i64::from(job.interval_minutes).max(24 * 60))
        }
        Some(_) => finished + chrono::Duration::minutes(i64::from(job.interval_minutes).min(15)),
        None => finished + chrono::Duration::minutes(job.interval_minutes.into()),
    };
    ctx.store.release_job(job, worker, next).await?;
    tracing::info!(
        integration = %job.integration_id,
        run = %run.id,
        outcome = %run.outcome,
        peak_concurrency,
        throttled,
        "sync finished"
    );
    let run = SyncRun::from(run);
    ctx.progress.publish(
        job.tenant_id,
        SyncProgress {
            integration_id: job.integration_id,
            run_id: run.id,
            integration_name,
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

/// The streams of the integration's provider, in order.
async fn run_streams(
    ctx: &RunContext<'_>,
    record: &IntegrationRecord,
    credentials: CoreResult<Credentials>,
) -> Result<(), RunFailure> {
    let clients = ctx.sync.clients.as_ref().ok_or_else(|| RunFailure {
        message: "This build cannot reach the providers.".into(),
        code: None,
        reconnect: false,
    })?;
    let credentials = credentials?;
    let config = IntegrationConfig::from_stored(record.provider, &record.config)?;
    match (&credentials, &config) {
        (Credentials::PancakePos { api_key }, IntegrationConfig::PancakePos { shop_id }) => {
            let shop_id: i64 = shop_id.parse().map_err(|_| RunFailure {
                message: format!("The shop id {shop_id} is not a number."),
                code: Some("PROVIDER_INVALID_CONFIG".into()),
                reconnect: false,
            })?;
            ctx.adopt_remembered_limit(&record.credentials).await?;
            let shop = pancake::Shop {
                client: &clients.pancake,
                api_key,
                id: shop_id,
            };
            let synced = async {
                pancake::sync_orders(ctx, shop).await?;
                pancake::sync_variations(ctx, shop).await
            }
            .await;
            // A run that gave up on a storm of 429s has learned the most.
            let remembered = ctx.remember_limit().await;
            synced.and(remembered)
        }
        (Credentials::MetaAds { access_token }, IntegrationConfig::MetaAds { ad_account_id }) => {
            meta::sync_insights(ctx, &clients.meta, access_token, ad_account_id).await?;
            meta::check_token(ctx, &clients.meta, access_token).await;
            Ok(())
        }
        _ => Err(RunFailure {
            message: "The credentials and the configuration are for different providers.".into(),
            code: Some("PROVIDER_INVALID_CONFIG".into()),
            reconnect: false,
        }),
    }
}
