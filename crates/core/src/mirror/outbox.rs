//! Edits made offline: queued in the mirror's outbox, shown at once on top of the mirror, and
//! applied in order when the server answers, each only on the version it was made on (else it
//! becomes a conflict for the user to settle).

use std::collections::HashSet;

use chrono::{DateTime, Utc};

use super::link::is_unavailable;
use super::{ChangeConflict, ConflictChoice, LinkMode, OfflineChange, QueuedChange, SharedStore};
use crate::domain::{IntegrationId, IntegrationStatus, TenantId};
use crate::store::prelude::*;
use crate::store::{IntegrationRecord, OutboxEntry, StoreError, StoreResult};

impl SharedStore {
    /// The mirror's rows with the tenant's pending offline edits applied on top, in order.
    pub(super) async fn overlaid(&self, tenant: TenantId) -> StoreResult<Vec<IntegrationRecord>> {
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
    pub(super) async fn queue_update(
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
        if current.edit_version != expected_version {
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
            // Only an edit moves the edit version: a sync that finished on the server meanwhile
            // is no conflict.
            if on_server.edit_version != entry.base_version {
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
                        .outbox_done(&entry, Some(stored.edit_version))
                        .await?;
                    rebased.insert(
                        (entry.integration_id, entry.base_version),
                        stored.edit_version,
                    );
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
    pub(super) async fn copy_to_mirror(&self, stored: &IntegrationRecord) {
        if let Err(err) = self.mirror.put_integration_copy(stored).await {
            tracing::warn!(error = %err, "could not copy a written row into the mirror");
        }
    }

    /// Whether an integration has edits waiting in the outbox (new edits then queue behind
    /// them rather than overtake them).
    pub(super) async fn has_pending(
        &self,
        tenant: TenantId,
        id: IntegrationId,
    ) -> StoreResult<bool> {
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
                            .probe(server.update_integration(&next, current.edit_version))
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
            row_version: 7,
            edit_version: 3,
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
