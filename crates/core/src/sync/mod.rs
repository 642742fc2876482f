//! The data sync engine: pulls Pancake POS orders, variations and stock, and Meta Ads daily
//! insights per ad, into the database, visibly and reliably.
//!
//! - **Exactly once.** Every batch is upserted on its natural key in one transaction with the
//!   stream's checkpoint, so a sync killed at any moment resumes after the last stored batch
//!   with no row lost or doubled.
//! - **Fast on a slow API.** Pancake's order pages take seconds each and its rate limit is
//!   unpublished: pages are fetched concurrently under an [`AdaptiveLimit`] that grows while
//!   answers are quick and clean and halves on a 429 or rising latency; history is backfilled
//!   in time windows. The limit a key met is kept per integration (with a digest of its sealed
//!   credentials) and the next run starts under it, probing above it only now and then.
//! - **One worker per integration.** Jobs are claimed as leases (`FOR UPDATE SKIP LOCKED` in
//!   PostgreSQL), so apps and headless workers share the work without doing it twice, and a
//!   dead worker's job is taken over when its lease runs out.
//!
//! `engine` runs one claimed job from a small context (store, provider clients, settings,
//! progress board) and credentials the service opened; `streams` hold each provider's
//! streams. The service (`service/sync.rs`) claims jobs and decides what a run means for the
//! integration. Dependencies: `store`, `provider`, `domain`, `error`; never the service.

pub(crate) mod engine;
mod limit;
mod progress;
mod streams;

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

pub use limit::{AdaptiveLimit, Learned};
pub(crate) use progress::ProgressBoard;

use crate::store::SyncRunRecord;

/// Why a run started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[ts(export)]
pub enum SyncTrigger {
    Schedule,
    Manual,
}

impl SyncTrigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Schedule => "SCHEDULE",
            Self::Manual => "MANUAL",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[ts(export)]
pub enum SyncOutcome {
    Running,
    Succeeded,
    Failed,
    /// The app or worker stopped mid-run; the next run resumed from the last checkpoint.
    Interrupted,
}

impl SyncOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "RUNNING",
            Self::Succeeded => "SUCCEEDED",
            Self::Failed => "FAILED",
            Self::Interrupted => "INTERRUPTED",
        }
    }

    fn parse(text: &str) -> Self {
        match text {
            "SUCCEEDED" => Self::Succeeded,
            "FAILED" => Self::Failed,
            "INTERRUPTED" => Self::Interrupted,
            _ => Self::Running,
        }
    }
}

/// One run of one integration's sync, as the history page shows it.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SyncRun {
    pub id: Uuid,
    pub integration_id: Uuid,
    pub trigger: SyncTrigger,
    pub outcome: SyncOutcome,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// Records written per stream (`orders`, `variations`, `stock`, `insights`, `ads`).
    #[ts(type = "Record<string, number>")]
    pub counts: BTreeMap<String, i64>,
    /// Why it failed, in words a shop owner can act on (no secret in it).
    pub error: Option<String>,
    /// The provider's stable code for a failure, e.g. `PROVIDER_AUTH_REJECTED`.
    pub error_code: Option<String>,
}

impl From<SyncRunRecord> for SyncRun {
    fn from(record: SyncRunRecord) -> Self {
        Self {
            id: record.id,
            integration_id: record.integration_id,
            trigger: if record.trigger == "MANUAL" {
                SyncTrigger::Manual
            } else {
                SyncTrigger::Schedule
            },
            outcome: SyncOutcome::parse(&record.outcome),
            started_at: record.started_at,
            finished_at: record.finished_at,
            counts: record.counts,
            error: record.error,
            error_code: record.error_code,
        }
    }
}

/// A running sync's progress, sent to the UI (progress bars) and the CLI as it goes.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SyncProgress {
    pub integration_id: Uuid,
    pub run_id: Uuid,
    pub integration_name: String,
    /// The stream being synced: `orders`, `variations`, `insights`.
    pub stream: String,
    /// Records written so far in this run, all streams.
    #[ts(type = "number")]
    pub records: i64,
    /// Work units (pages or day windows) done and known so far in this stream; the bar is
    /// `done / total` and `total` grows as pages are discovered.
    pub done: u32,
    pub total: u32,
    /// Set on the last event of a run.
    pub outcome: Option<SyncOutcome>,
    pub error: Option<String>,
    pub error_code: Option<String>,
}

/// An integration's schedule.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct SyncSchedule {
    pub integration_id: Uuid,
    pub interval_minutes: i32,
    pub next_run_at: DateTime<Utc>,
    /// "Sync now" was asked and not yet started.
    pub requested: bool,
    /// A worker (this app or another) holds the job now.
    pub running: bool,
}

/// The engine's knobs. Defaults suit the real APIs; tests and the benchmark tighten them.
#[derive(Debug, Clone)]
pub struct SyncSettings {
    /// How far back the first sync of a store reads orders.
    pub order_backfill: chrono::Duration,
    /// Backfill window: history is read in windows of this length, each checkpointed.
    pub order_window: chrono::Duration,
    /// Re-read before the last watermark: the API surfaces some edits late.
    pub order_overlap: chrono::Duration,
    /// Orders per page (the API's maximum is undocumented; production clients use 100–200).
    pub order_page_size: u32,
    /// Answers already waiting are stored together up to this many orders, so a transaction's
    /// fixed cost (round trips, commit, checkpoint) is paid once for several pages (1: one
    /// transaction per answer). As many answers as this takes may wait while a transaction is
    /// stored (at least one per request in flight).
    pub orders_per_transaction: usize,
    pub variation_page_size: u32,
    /// Days of insights the first Meta sync reads.
    pub meta_backfill_days: i64,
    /// Days re-read on every Meta sync: attribution keeps changing recent numbers.
    pub meta_lookback_days: i64,
    /// Days per insights request (each one checkpointed).
    pub meta_window_days: i64,
    /// A window's ads are read in slices of this many side by side (one more slice takes the
    /// ads not listed), at most one slice fewer than `max_concurrency`; 0: a window in one
    /// request.
    pub meta_ads_per_slice: usize,
    /// Insights windows already waiting are stored together up to this many rows (ad-days),
    /// as orders are by `orders_per_transaction` (1: one transaction per window).
    pub insights_per_transaction: usize,
    /// Concurrent requests: start, floor and ceiling of the adaptive limit.
    pub initial_concurrency: usize,
    pub max_concurrency: usize,
    /// Attempts per page before the run fails (429s and 5xx are retried with backoff).
    pub page_attempts: u32,
    /// Backoff before the first retry of a page; doubles per retry.
    pub retry_backoff: Duration,
    /// How long a claim lasts without renewal: a dead worker's job is free after this.
    pub lease: chrono::Duration,
    /// Worker-side timeout of one page request.
    pub request_timeout: Duration,
}

impl Default for SyncSettings {
    fn default() -> Self {
        Self {
            order_backfill: chrono::Duration::days(365),
            order_window: chrono::Duration::days(7),
            order_overlap: chrono::Duration::minutes(30),
            order_page_size: 100,
            orders_per_transaction: 5_000,
            variation_page_size: 100,
            meta_backfill_days: 90,
            meta_lookback_days: 28,
            meta_window_days: 30,
            meta_ads_per_slice: 50,
            insights_per_transaction: 5_000,
            initial_concurrency: 2,
            max_concurrency: 12,
            page_attempts: 8,
            retry_backoff: Duration::from_millis(500),
            lease: chrono::Duration::seconds(120),
            request_timeout: Duration::from_secs(30),
        }
    }
}

impl SyncSettings {
    /// The defaults, with `INTEGRATIONS_SYNC_BACKFILL_DAYS` (history read by a first sync, for
    /// orders and insights) and `INTEGRATIONS_SYNC_LOOKBACK_DAYS` (insight days re-read on
    /// every sync) applied when set to a positive number.
    pub fn from_env() -> Self {
        let days = |name: &str| {
            std::env::var(name)
                .ok()
                .and_then(|value| value.trim().parse::<i64>().ok())
                .filter(|days| (1..=3650).contains(days))
        };
        let mut settings = Self::default();
        if let Some(backfill) = days("INTEGRATIONS_SYNC_BACKFILL_DAYS") {
            settings.order_backfill = chrono::Duration::days(backfill);
            settings.meta_backfill_days = backfill;
        }
        if let Some(lookback) = days("INTEGRATIONS_SYNC_LOOKBACK_DAYS") {
            settings.meta_lookback_days = lookback;
        }
        settings
    }
}
