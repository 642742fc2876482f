//! Shared mode: PostgreSQL is the source of truth and a local SQLite file mirrors the signed-in
//! tenant, so the app opens at once and keeps working when the server cannot be reached.
//!
//! [`SharedStore`] is the [`Store`] the core uses in shared mode. While the server answers, reads
//! and writes go to it (and each write is copied into the mirror). When it stops answering, reads
//! come from the mirror; the edits a user may make offline (name, description, on/off) go into a
//! persistent outbox and appear at once on top of the mirror; everything else is refused with
//! [`StoreError::Offline`]. [`SharedStore::tick`], run by [`SharedStore::run`] in the background
//! (or once per command by the CLI), notices the server coming and going, applies the outbox when
//! it returns (a change that meets another made meanwhile becomes a conflict for the user) and
//! pulls the tenant's changes by row version.

mod route;
mod types;

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::{watch, Notify, OnceCell};

pub use types::{
    ChangeConflict, ConflictChoice, Connectivity, LinkMode, OfflineChange, QueuedChange,
};

use crate::domain::{IntegrationId, IntegrationStatus, TenantId};
use crate::store::prelude::*;
use crate::store::{
    IntegrationRecord, OutboxEntry, PostgresStore, SqliteStore, StoreError, StoreResult,
};

/// How long the one-round-trip probe may take before the server counts as gone. With
/// [`PULL_INTERVAL`] this bounds how late a lost server is noticed (about 2 s).
const PROBE_TIMEOUT: Duration = Duration::from_millis(1000);
/// Any other call to the server (a pull, a flush, a user's read or write) may take this long
/// before the server counts as gone: several round trips, on a far-away server too, but never
/// the minutes a silently dropped connection would otherwise hang.
const CALL_TIMEOUT: Duration = Duration::from_secs(8);
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

pub struct SharedStore {
    server: PostgresStore,
    mirror: SqliteStore,
    /// Migrations run once, the first time the server answers.
    migrated: OnceCell<()>,
    state: watch::Sender<LinkSnapshot>,
    data_version: AtomicU64,
    /// The tenant whose rows are pulled: the one signed in last.
    followed: Mutex<Option<TenantId>>,
    /// Wakes the background loop early (a write just failed, a user asked to retry).
    wake: Notify,
    /// Queuing an edit and applying the outbox never interleave (in this process), so an edit
    /// cannot slip between a flush's read of the outbox and its end.
    outbox_lock: tokio::sync::Mutex<()>,
}

fn is_unavailable(err: &StoreError) -> bool {
    matches!(err, StoreError::Unavailable(_))
}

impl SharedStore {
    /// Opens the mirror (creating it if needed) and prepares, without contacting it, the server
    /// connection: the mirror is usable at once, whether the server answers or not.
    pub async fn open(
        url: &str,
        mirror_path: &std::path::Path,
        server_fingerprint: &str,
    ) -> StoreResult<Self> {
        let server = PostgresStore::connect_lazy(url)?;
        let mirror = SqliteStore::open(mirror_path).await?;
        // It holds the signed-in user's password hash and refresh tokens: owner only.
        #[cfg(unix)]
        for suffix in ["", "-wal", "-shm"] {
            use std::os::unix::fs::PermissionsExt;
            let mut path = mirror_path.as_os_str().to_owned();
            path.push(suffix);
            if std::path::Path::new(&path).exists() {
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
                    .map_err(|err| StoreError::Database(format!("mirror permissions: {err}")))?;
            }
        }
        if mirror.bind_mirror(server_fingerprint).await? {
            tracing::warn!("the mirror held another server's data; it was emptied");
        }
        let (state, _) = watch::channel(LinkSnapshot {
            mode: LinkMode::Connecting,
            data_version: 0,
        });
        Ok(Self {
            server,
            mirror,
            migrated: OnceCell::new(),
            state,
            data_version: AtomicU64::new(0),
            followed: Mutex::new(None),
            wake: Notify::new(),
            outbox_lock: tokio::sync::Mutex::new(()),
        })
    }

    pub fn mode(&self) -> LinkMode {
        self.state.borrow().mode
    }

    pub fn subscribe(&self) -> watch::Receiver<LinkSnapshot> {
        self.state.subscribe()
    }

    pub fn mirror(&self) -> &SqliteStore {
        &self.mirror
    }

    pub fn server(&self) -> &PostgresStore {
        &self.server
    }

    /// Pull this tenant's rows from now on (the signed-in one).
    pub fn follow(&self, tenant: Option<TenantId>) {
        *self.followed.lock().expect("follow lock") = tenant;
        self.wake.notify_one();
    }

    fn followed(&self) -> Option<TenantId> {
        *self.followed.lock().expect("follow lock")
    }

    fn bump(&self) {
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
    fn lost(&self, detail: &str) {
        tracing::debug!(%detail, "shared database call failed");
        self.set_mode(LinkMode::Offline);
        self.wake.notify_one();
    }

    /// The server, migrated. Fails with `Unavailable` if it does not answer.
    async fn ready(&self) -> StoreResult<&PostgresStore> {
        self.migrated
            .get_or_try_init(|| async {
                tokio::time::timeout(PROBE_TIMEOUT * 4, self.server.migrate())
                    .await
                    .map_err(|_| StoreError::Unavailable("migration timed out".into()))?
            })
            .await?;
        Ok(&self.server)
    }

    async fn probe<T, F>(&self, call: F) -> StoreResult<T>
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

    /// Brings the tenant's rows in the mirror up to date with the server.
    pub async fn pull(&self, tenant: TenantId) -> StoreResult<usize> {
        let (cursor, _) = self.mirror.mirror_cursor(tenant).await?;
        let server = self.ready().await?;
        let changes = self.probe(server.pull_changes(tenant, cursor)).await?;
        let changed = self.mirror.apply_pull(tenant, &changes, Utc::now()).await?;
        if changed > 0 {
            tracing::debug!(changed, "mirror updated");
            self.bump();
        }
        Ok(changed)
    }

    // ------------------------------------------------------------ outbox

    /// The mirror's rows with the tenant's pending offline edits applied on top, in order.
    async fn overlaid(&self, tenant: TenantId) -> StoreResult<Vec<IntegrationRecord>> {
        let mut records = self.mirror.list_integrations(tenant).await?;
        let pending = self.mirror.outbox(Some(tenant)).await?;
        for entry in pending.iter().filter(|entry| !entry.conflict) {
            if let Some(record) = records.iter_mut().find(|r| r.id == entry.integration_id) {
                apply_change(record, &parse_change(entry)?, entry.queued_at);
            }
        }
        Ok(records)
    }

    /// An edit while offline: queued if it only touches what may change offline.
    async fn queue_update(
        &self,
        next: &IntegrationRecord,
        expected_version: i64,
    ) -> StoreResult<IntegrationRecord> {
        let _guard = self.outbox_lock.lock().await;
        let current = self
            .overlaid(next.tenant_id)
            .await?
            .into_iter()
            .find(|record| record.id == next.id)
            .ok_or(StoreError::Stale)?;
        if current.version != expected_version {
            return Err(StoreError::Stale);
        }
        let change = offline_change(&current, next).ok_or(StoreError::Offline)?;
        if change.is_empty() {
            return Ok(current);
        }
        let now = Utc::now();
        self.mirror
            .outbox_push(
                next.tenant_id,
                next.id,
                &current.name,
                &serde_json::to_string(&change).expect("an offline change serializes"),
                expected_version,
                now,
            )
            .await?;
        tracing::info!(integration = %next.id, "edit queued until the server answers");
        self.bump();
        let mut queued = current;
        apply_change(&mut queued, &change, now);
        Ok(queued)
    }

    /// Applies queued edits in order. One that meets a different version on the server than
    /// the one it was made on becomes a conflict (and holds back later edits of the same
    /// integration); an edit the server already shows (a retry after a lost answer) is done.
    pub async fn flush_outbox(&self) -> StoreResult<()> {
        let _guard = self.outbox_lock.lock().await;
        let entries = self.mirror.outbox(None).await?;
        if entries.is_empty() {
            return Ok(());
        }
        let server = self.ready().await?;
        let mut held: HashSet<IntegrationId> = entries
            .iter()
            .filter(|entry| entry.conflict)
            .map(|entry| entry.integration_id)
            .collect();
        // Edits of one integration were all queued on the version the mirror had; each one that
        // lands moves the next onto the version the server gave it (followed as a chain).
        let mut rebased: std::collections::HashMap<(IntegrationId, i64), i64> =
            std::collections::HashMap::new();
        for mut entry in entries.into_iter().filter(|entry| !entry.conflict) {
            if held.contains(&entry.integration_id) {
                // Made on top of an edit that conflicts: it rests on the same stale version.
                self.mirror.outbox_mark_conflict(entry.seq).await?;
                self.bump();
                continue;
            }
            while let Some(version) = rebased.get(&(entry.integration_id, entry.base_version)) {
                entry.base_version = *version;
            }
            let change = parse_change(&entry)?;
            let on_server = self
                .probe(server.get_integration(entry.tenant_id, entry.integration_id))
                .await?;
            let Some(on_server) = on_server else {
                self.mirror.outbox_mark_conflict(entry.seq).await?;
                held.insert(entry.integration_id);
                continue;
            };
            if on_server.version != entry.base_version {
                let mut wanted = on_server.clone();
                apply_change(&mut wanted, &change, on_server.updated_at);
                if same_fields(&wanted, &on_server) {
                    // Already there (an earlier attempt landed but its answer was lost, or
                    // someone made the same change). Done, but later edits are not moved onto
                    // a version this client may not have made: they meet it as conflicts.
                    self.mirror.outbox_done(&entry, None).await?;
                } else {
                    tracing::info!(integration = %entry.integration_id, "offline edit conflicts");
                    self.mirror.outbox_mark_conflict(entry.seq).await?;
                    held.insert(entry.integration_id);
                }
                self.bump();
                continue;
            }
            let mut next = on_server.clone();
            apply_change(&mut next, &change, Utc::now());
            match self
                .probe(server.update_integration(&next, entry.base_version))
                .await
            {
                Ok(stored) => {
                    self.copy_to_mirror(&stored).await;
                    self.mirror
                        .outbox_done(&entry, Some(stored.version))
                        .await?;
                    rebased.insert((entry.integration_id, entry.base_version), stored.version);
                }
                Err(StoreError::Stale) => {
                    self.mirror.outbox_mark_conflict(entry.seq).await?;
                    held.insert(entry.integration_id);
                }
                Err(err) => return Err(err),
            }
            self.bump();
        }
        Ok(())
    }

    /// The server's copy of a row it just wrote. The write has happened whatever the mirror
    /// does, so a mirror failure is logged, not reported: the next pull brings the row.
    async fn copy_to_mirror(&self, stored: &IntegrationRecord) {
        if let Err(err) = self.mirror.put_integration_copy(stored).await {
            tracing::warn!(error = %err, "could not copy a written row into the mirror");
        }
    }

    /// Whether an integration has edits waiting in the outbox (new edits then queue behind
    /// them rather than overtake them).
    async fn has_pending(&self, tenant: TenantId, id: IntegrationId) -> StoreResult<bool> {
        Ok(self
            .mirror
            .outbox(Some(tenant))
            .await?
            .iter()
            .any(|entry| entry.integration_id == id))
    }

    /// The outbox of one tenant as the UI shows it: pending edits, and conflicts each with the
    /// server's current row as the mirror has it (none if deleted there).
    #[allow(clippy::type_complexity)]
    pub async fn queued(
        &self,
        tenant: TenantId,
    ) -> StoreResult<(
        Vec<QueuedChange>,
        Vec<(ChangeConflict, Option<IntegrationRecord>)>,
    )> {
        let entries = self.mirror.outbox(Some(tenant)).await?;
        let mut pending = Vec::new();
        let mut conflicts = Vec::new();
        for entry in entries {
            let change = parse_change(&entry)?;
            if entry.conflict {
                let server_row = self
                    .mirror
                    .get_integration(tenant, entry.integration_id)
                    .await?;
                conflicts.push((
                    ChangeConflict {
                        seq: entry.seq,
                        integration_id: entry.integration_id,
                        integration_name: entry.integration_name,
                        mine: change,
                        server: None,
                        queued_at: entry.queued_at,
                    },
                    server_row,
                ));
            } else {
                pending.push(QueuedChange {
                    seq: entry.seq,
                    integration_id: entry.integration_id,
                    integration_name: entry.integration_name,
                    change,
                    queued_at: entry.queued_at,
                });
            }
        }
        Ok((pending, conflicts))
    }

    /// When the mirror last caught up with the server for this tenant.
    pub async fn mirror_as_of(&self, tenant: TenantId) -> StoreResult<Option<DateTime<Utc>>> {
        Ok(self.mirror.mirror_cursor(tenant).await?.1)
    }

    /// Settles a conflict: `Mine` applies the offline edit on top of the server's current
    /// version (which needs the server); `Server` drops it.
    pub async fn resolve(
        &self,
        tenant: TenantId,
        seq: i64,
        choice: ConflictChoice,
    ) -> StoreResult<bool> {
        let Some(entry) = self
            .mirror
            .outbox(Some(tenant))
            .await?
            .into_iter()
            .find(|entry| entry.seq == seq && entry.conflict)
        else {
            return Ok(false);
        };
        match choice {
            ConflictChoice::Server => {
                self.mirror.outbox_done(&entry, None).await?;
            }
            ConflictChoice::Mine => {
                if self.mode() == LinkMode::Offline {
                    return Err(StoreError::Offline);
                }
                let server = self.ready().await?;
                let change = parse_change(&entry)?;
                let current = self
                    .probe(server.get_integration(tenant, entry.integration_id))
                    .await
                    .inspect_err(|err| {
                        if is_unavailable(err) {
                            self.lost("resolving a conflict")
                        }
                    })?;
                match current {
                    // Deleted on the server: there is nothing to apply "mine" to.
                    None => {
                        return Err(StoreError::Conflict(
                            crate::store::Constraint::DeletedOnServer,
                        ))
                    }
                    Some(current) => {
                        let mut next = current.clone();
                        apply_change(&mut next, &change, Utc::now());
                        let stored = self
                            .probe(server.update_integration(&next, current.version))
                            .await?;
                        self.copy_to_mirror(&stored).await;
                        self.mirror.outbox_done(&entry, None).await?;
                    }
                }
            }
        }
        self.bump();
        // Pending edits of other integrations may have waited for the server meanwhile.
        if self.mode() == LinkMode::Online {
            if let Err(err) = self.flush_outbox().await {
                if is_unavailable(&err) {
                    self.lost("flushing after a resolution");
                } else {
                    return Err(err);
                }
            }
        }
        Ok(true)
    }
}

/// A server call that may not hang: past `limit` the server counts as gone.
async fn bounded<T, F>(limit: Duration, call: F) -> StoreResult<T>
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

fn parse_change(entry: &OutboxEntry) -> StoreResult<OfflineChange> {
    serde_json::from_str(&entry.change).map_err(|err| {
        StoreError::Database(format!("unreadable outbox entry {}: {err}", entry.seq))
    })
}

/// The offline edit that turns `current` into `next`, or `None` if `next` changes anything
/// that needs the server (credentials, shop, status other than by on/off, …).
fn offline_change(current: &IntegrationRecord, next: &IntegrationRecord) -> Option<OfflineChange> {
    let change = OfflineChange {
        name: (next.name != current.name).then(|| next.name.clone()),
        description: (next.description != current.description).then(|| next.description.clone()),
        // Turning off something that was never on still changes its status to DISABLED.
        enabled: (next.enabled != current.enabled || next.status != current.status)
            .then_some(next.enabled),
    };
    let mut expected = current.clone();
    apply_change(&mut expected, &change, current.updated_at);
    same_fields(&expected, next).then_some(change)
}

/// Applies an offline edit the way the service would: turning on makes the integration
/// PENDING until its next test, turning off makes it DISABLED.
fn apply_change(record: &mut IntegrationRecord, change: &OfflineChange, at: DateTime<Utc>) {
    if let Some(name) = &change.name {
        record.name = name.clone();
    }
    if let Some(description) = &change.description {
        record.description = description.clone();
    }
    if let Some(enabled) = change.enabled {
        record.enabled = enabled;
        record.status = if enabled {
            IntegrationStatus::Pending
        } else {
            IntegrationStatus::Disabled
        };
    }
    if !change.is_empty() {
        record.updated_at = at;
    }
}

/// Equal in everything a user or the service can change (not times or versions).
fn same_fields(a: &IntegrationRecord, b: &IntegrationRecord) -> bool {
    a.name == b.name
        && a.description == b.description
        && a.enabled == b.enabled
        && a.status == b.status
        && a.credentials == b.credentials
        && a.credentials_hint == b.credentials_hint
        && a.config == b.config
        && a.external_id == b.external_id
        && a.last_error == b.last_error
        && a.last_sync_at == b.last_sync_at
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Provider;

    fn record() -> IntegrationRecord {
        let now = Utc::now();
        IntegrationRecord {
            id: uuid::Uuid::new_v4(),
            tenant_id: uuid::Uuid::new_v4(),
            name: "Shop thời trang".into(),
            provider: Provider::PancakePos,
            description: Some("Cửa hàng chính".into()),
            credentials: "ime1.1.x.y".into(),
            credentials_hint: "••••a1b2".into(),
            config: r#"{"shopId":"6036602"}"#.into(),
            external_id: "6036602".into(),
            status: IntegrationStatus::Active,
            enabled: true,
            last_error: None,
            created_at: now,
            updated_at: now,
            last_sync_at: None,
            version: 7,
        }
    }

    #[test]
    fn names_descriptions_and_on_off_may_change_offline() {
        let current = record();
        let mut next = current.clone();
        next.name = "Shop thời trang Quận 1".into();
        next.description = None;
        next.enabled = false;
        next.status = IntegrationStatus::Disabled;
        let change = offline_change(&current, &next).expect("allowed offline");
        assert_eq!(change.name.as_deref(), Some("Shop thời trang Quận 1"));
        assert_eq!(change.description, Some(None));
        assert_eq!(change.enabled, Some(false));
        let json = serde_json::to_string(&change).unwrap();
        assert_eq!(
            json,
            r#"{"name":"Shop thời trang Quận 1","description":null,"enabled":false}"#
        );
        assert_eq!(
            serde_json::from_str::<OfflineChange>(&json).unwrap(),
            change
        );
    }

    #[test]
    fn credentials_shop_and_test_results_need_the_server() {
        let current = record();
        let mut credentials = current.clone();
        credentials.credentials = "ime1.1.other.ct".into();
        assert!(offline_change(&current, &credentials).is_none());
        let mut shop = current.clone();
        shop.external_id = "7012345".into();
        assert!(offline_change(&current, &shop).is_none());
        let mut tested = current.clone();
        tested.status = IntegrationStatus::Error;
        tested.last_error = Some("Pancake POS rejected the API key.".into());
        assert!(offline_change(&current, &tested).is_none());
    }

    #[test]
    fn turning_on_offline_makes_the_integration_pending_like_the_service_does() {
        let mut current = record();
        current.enabled = false;
        current.status = IntegrationStatus::Disabled;
        let mut next = current.clone();
        next.enabled = true;
        next.status = IntegrationStatus::Pending;
        let change = offline_change(&current, &next).expect("allowed offline");
        let mut applied = current.clone();
        apply_change(&mut applied, &change, Utc::now());
        assert_eq!(applied.status, IntegrationStatus::Pending);
        assert!(applied.enabled);
    }
}
