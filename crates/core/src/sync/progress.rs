//! Where runs report as they go: a broadcast of every event (the app's listeners, the CLI's
//! progress lines) and the latest event of each recent run (for UIs that poll).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::sync::broadcast;

use super::SyncProgress;
use crate::domain::{IntegrationId, TenantId};

/// How long a finished sync stays in [`ProgressBoard::current`], so a polling UI sees how it
/// ended.
const FINISHED_VISIBLE: Duration = Duration::from_secs(20);

pub struct ProgressBoard {
    events: broadcast::Sender<SyncProgress>,
    /// The latest progress of each sync run lately, with its tenant.
    latest: Mutex<HashMap<IntegrationId, (TenantId, Instant, SyncProgress)>>,
}

impl Default for ProgressBoard {
    fn default() -> Self {
        Self {
            events: broadcast::channel(256).0,
            latest: Mutex::default(),
        }
    }
}

impl ProgressBoard {
    pub fn publish(&self, tenant: TenantId, progress: SyncProgress) {
        self.latest.lock().expect("progress lock").insert(
            progress.integration_id,
            (tenant, Instant::now(), progress.clone()),
        );
        let _ = self.events.send(progress);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<SyncProgress> {
        self.events.subscribe()
    }

    /// The tenant's syncs running now (or finished in the last seconds), by integration name.
    pub fn current(&self, tenant: TenantId) -> Vec<SyncProgress> {
        let mut latest = self.latest.lock().expect("progress lock");
        latest.retain(|_, (_, at, progress)| {
            progress.outcome.is_none() || at.elapsed() < FINISHED_VISIBLE
        });
        let mut list: Vec<SyncProgress> = latest
            .values()
            .filter(|(owner, _, _)| *owner == tenant)
            .map(|(_, _, progress)| progress.clone())
            .collect();
        list.sort_by(|a, b| a.integration_name.cmp(&b.integration_name));
        list
    }
}
