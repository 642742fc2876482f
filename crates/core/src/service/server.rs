//! What the shared server's process (`integrations serve`) asks of the core besides webhooks:
//! whether it is ready, the figures its metrics show, and handing back its sync leases when it
//! stops.

use std::sync::atomic::{AtomicU64, Ordering};

use super::Core;
use crate::domain::Provider;
use crate::error::CoreResult;
use crate::store::{PostgresStore, StoreError};

/// 429s met per provider by this process's syncs.
#[derive(Default)]
pub(super) struct ThrottleCounts {
    pancake: AtomicU64,
    meta: AtomicU64,
}

impl ThrottleCounts {
    pub(super) fn add(&self, provider: Provider, count: u64) {
        match provider {
            Provider::PancakePos => &self.pancake,
            Provider::MetaAds => &self.meta,
        }
        .fetch_add(count, Ordering::Relaxed);
    }

    fn get(&self, provider: Provider) -> u64 {
        match provider {
            Provider::PancakePos => &self.pancake,
            Provider::MetaAds => &self.meta,
        }
        .load(Ordering::Relaxed)
    }
}

/// `GET /readyz`: why the server is not ready, if it is not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readiness {
    Ready,
    DatabaseUnreachable,
    /// The database's schema is older than this build needs: run `admin init`.
    SchemaBehind,
}

pub use crate::store::{LagRow, SyncRunTotals};

/// The figures `GET /metrics` shows that live in the database (every workspace) or in this
/// process (429s).
#[derive(Debug, Clone, Default)]
pub struct ServerMetrics {
    pub runs: Vec<SyncRunTotals>,
    pub lag: Vec<LagRow>,
    /// 429s per provider (`META_ADS`, `PANCAKE_POS`), met by this process's syncs.
    pub throttled: Vec<(&'static str, u64)>,
}

impl Core {
    fn server_store(&self) -> Option<&PostgresStore> {
        self.shared.as_deref().map(|shared| shared.server())
    }

    /// The database answers and its schema is what this build needs.
    pub async fn readiness(&self) -> Readiness {
        let Some(store) = self.server_store() else {
            return Readiness::Ready;
        };
        match store.check_schema_version().await {
            Ok(()) => Readiness::Ready,
            Err(StoreError::Migration(_)) => Readiness::SchemaBehind,
            Err(_) => Readiness::DatabaseUnreachable,
        }
    }

    pub async fn server_metrics(&self) -> CoreResult<ServerMetrics> {
        let throttled = [Provider::MetaAds, Provider::PancakePos]
            .into_iter()
            .map(|provider| (provider.as_str(), self.throttles.get(provider)))
            .collect();
        let Some(store) = self.server_store() else {
            return Ok(ServerMetrics {
                throttled,
                ..ServerMetrics::default()
            });
        };
        Ok(ServerMetrics {
            runs: store.sync_run_totals().await?,
            lag: store.success_lag().await?,
            throttled,
        })
    }

    /// Hands back the jobs `worker` holds (a stopping server) so another takes them at once,
    /// not when their leases run out; their runs are marked interrupted. Returns the jobs.
    pub async fn release_leases(&self, worker: &str) -> CoreResult<u64> {
        match self.server_store() {
            Some(store) => Ok(store.release_worker_leases(worker).await?),
            None => Ok(0),
        }
    }
}
