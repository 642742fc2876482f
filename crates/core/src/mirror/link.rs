//! The link to the server: probing it, noticing it come and go, and the background loop that
//! applies the outbox and pulls while it answers.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use super::{LinkMode, SharedStore};
use crate::domain::TenantId;
use crate::store::{PostgresStore, StoreError, StoreResult};

/// How long the one-round-trip probe may take before the server counts as gone. With
/// [`PULL_INTERVAL`] this bounds how late a lost server is noticed (about 2 s).
const PROBE_TIMEOUT: Duration = Duration::from_millis(1000);
/// Any other call to the server (a pull, a flush, a user's read or write) may take this long
/// before the server counts as gone: several round trips, on a far-away server too, but never
/// the minutes a silently dropped connection would otherwise hang.
pub(super) const CALL_TIMEOUT: Duration = Duration::from_secs(8);
/// How often the mirror is refreshed while online: another client's edit shows within this.
const PULL_INTERVAL: Duration = Duration::from_secs(1);
/// Retry delays while offline: 1 s, doubling up to this.
const MAX_RETRY_DELAY: Duration = Duration::from_secs(8);

/// What the UI can watch: the mode and a counter that moves whenever shown data may have
/// changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkSnapshot {
    pub mode: LinkMode,
    pub data_version: u64,
}

pub(super) fn is_unavailable(err: &StoreError) -> bool {
    matches!(err, StoreError::Unavailable(_))
}

/// A server call that may not hang: past `limit` the server counts as gone.
pub(super) async fn bounded<T, F>(limit: Duration, call: F) -> StoreResult<T>
where
    F: std::future::Future<Output = StoreResult<T>>,
{
    match tokio::time::timeout(limit, call).await {
        Ok(result) => result,
        Err(_) => Err(StoreError::Unavailable(
            "the server did not answer in time".into(),
        )),
    }
}

impl SharedStore {
    pub fn mode(&self) -> LinkMode {
        self.state.borrow().mode
    }

    pub fn subscribe(&self) -> watch::Receiver<LinkSnapshot> {
        self.state.subscribe()
    }

    /// Pull this tenant's rows from now on (the signed-in one).
    pub fn follow(&self, tenant: Option<TenantId>) {
        *self.followed.lock().expect("follow lock") = tenant;
        self.wake.notify_one();
    }

    fn followed(&self) -> Option<TenantId> {
        *self.followed.lock().expect("follow lock")
    }

    pub(super) fn bump(&self) {
        let version = self.data_version.fetch_add(1, Ordering::SeqCst) + 1;
        self.state
            .send_modify(|snapshot| snapshot.data_version = version);
    }

    fn set_mode(&self, mode: LinkMode) {
        if self.mode() == mode {
            return;
        }
        match mode {
            LinkMode::Offline => tracing::warn!("shared database unreachable; working offline"),
            LinkMode::Online => tracing::info!("shared database reachable; online"),
            _ => {}
        }
        let version = self.data_version.fetch_add(1, Ordering::SeqCst) + 1;
        self.state.send_modify(|snapshot| {
            snapshot.mode = mode;
            snapshot.data_version = version;
        });
    }

    /// A call found the server gone: switch to the mirror now rather than at the next probe.
    pub(super) fn lost(&self, detail: &str) {
        tracing::debug!(%detail, "shared database call failed");
        self.set_mode(LinkMode::Offline);
        self.wake.notify_one();
    }

    /// The server, migrated. Fails with `Unavailable` if it does not answer.
    pub(super) async fn ready(&self) -> StoreResult<&PostgresStore> {
        self.migrated
            .get_or_try_init(|| async {
                tokio::time::timeout(PROBE_TIMEOUT * 4, self.server.migrate())
                    .await
                    .map_err(|_| StoreError::Unavailable("migration timed out".into()))?
            })
            .await?;
        Ok(&self.server)
    }

    pub(super) async fn probe<T, F>(&self, call: F) -> StoreResult<T>
    where
        F: std::future::Future<Output = StoreResult<T>>,
    {
        bounded(CALL_TIMEOUT, call).await
    }

    async fn ping(&self, server: &PostgresStore) -> StoreResult<()> {
        match tokio::time::timeout(PROBE_TIMEOUT, server.ping()).await {
            Ok(result) => result,
            Err(_) => Err(StoreError::Unavailable(
                "the server did not answer in time".into(),
            )),
        }
    }

    /// Whether the server answers now: `Ok`, `Unavailable` when it cannot be reached, any
    /// other error when it answers but refuses this computer (its access revoked or rotated).
    pub async fn reach(&self) -> StoreResult<()> {
        let server = self.ready().await?;
        self.ping(server).await
    }

    /// What the server has not received yet and would never receive without this mirror:
    /// sign-outs and refreshes made offline, and edits queued offline (not those the server
    /// already answered with a conflict, which wait for the user's choice).
    pub async fn undelivered(&self) -> StoreResult<usize> {
        let sessions = self.queued_session_changes().await?;
        let edits = self.mirror.outbox(None).await?;
        Ok(sessions + edits.iter().filter(|entry| !entry.conflict).count())
    }

    /// One round of the link: probe the server; when it answers after an absence, apply the
    /// outbox before saying online; then pull the followed tenant. Returns the mode after.
    pub async fn tick(&self) -> LinkMode {
        let was = self.mode();
        let reached = match self.ready().await {
            Ok(server) => self.ping(server).await,
            Err(err) => Err(err),
        };
        if let Err(err) = reached {
            if is_unavailable(&err) {
                self.set_mode(LinkMode::Offline);
            } else {
                tracing::error!(error = %err, "shared database refused the probe");
                self.set_mode(LinkMode::Offline);
            }
            return LinkMode::Offline;
        }
        // Sign-outs and refreshes made offline reach the server before anything else: until
        // then an older refresh token would still work there.
        if let Err(err) = self.flush_sessions().await {
            if is_unavailable(&err) {
                self.set_mode(LinkMode::Offline);
                return LinkMode::Offline;
            }
            tracing::error!(error = %err, "applying the queued sign-outs and refreshes failed");
        }
        // Alert dismissals and thresholds set offline, before the app says online too.
        if let Err(err) = self.flush_alert_changes().await {
            if is_unavailable(&err) {
                self.set_mode(LinkMode::Offline);
                return LinkMode::Offline;
            }
            tracing::error!(error = %err, "applying the queued alert changes failed");
        }
        // Queued edits go first, before the app says online (and again on every tick while any
        // wait: one queued while the last flush ran must not wait for the next outage).
        let waiting = match self.mirror.outbox(None).await {
            Ok(entries) => entries.iter().any(|entry| !entry.conflict),
            Err(err) => {
                tracing::error!(error = %err, "reading the outbox failed");
                false
            }
        };
        if waiting {
            if let Err(err) = self.flush_outbox().await {
                if is_unavailable(&err) {
                    self.set_mode(LinkMode::Offline);
                    return LinkMode::Offline;
                }
                tracing::error!(error = %err, "applying the outbox failed");
            }
        }
        if was != LinkMode::Online {
            self.set_mode(LinkMode::Online);
        }
        if let Some(tenant) = self.followed() {
            if let Err(err) = self.pull(tenant).await {
                if is_unavailable(&err) {
                    self.set_mode(LinkMode::Offline);
                    return LinkMode::Offline;
                }
                tracing::error!(error = %err, "pulling into the mirror failed");
            }
            match self.pull_revocations(tenant).await {
                Ok(0) => {}
                Ok(_) => self.bump(),
                Err(err) if is_unavailable(&err) => {
                    self.set_mode(LinkMode::Offline);
                    return LinkMode::Offline;
                }
                Err(err) => tracing::error!(error = %err, "pulling revoked sessions failed"),
            }
        }
        self.mode()
    }

    /// Runs [`Self::tick`] for ever: every second while online, with a doubling delay (up to
    /// 8 s) while offline, and at once when woken.
    pub async fn run(self: Arc<Self>) {
        let mut retry = Duration::from_secs(1);
        loop {
            let wait = match self.tick().await {
                LinkMode::Online => {
                    retry = Duration::from_secs(1);
                    PULL_INTERVAL
                }
                _ => {
                    let wait = retry;
                    retry = (retry * 2).min(MAX_RETRY_DELAY);
                    wait
                }
            };
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = self.wake.notified() => {}
            }
        }
    }
}
