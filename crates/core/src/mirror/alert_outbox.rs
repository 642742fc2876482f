//! Alert dismissals and threshold changes made while the server could not be reached.
//!
//! Alerts are fired and cleared on the server only (one episode, once, for every computer), but
//! dismissing one and changing the thresholds are the user's own edits: offline they go into
//! `alert_outbox` and show at once on top of the mirror (a queued dismissal marks its alert, the
//! latest queued thresholds are the workspace's), and are applied in order when the server
//! answers again, like the integrations' outbox. A dismissal keeps the server's earlier one if
//! the alert was dismissed elsewhere meanwhile; thresholds are the last written (a change made
//! on another computer meanwhile is replaced, as an online change would replace it).

use chrono::{DateTime, SubsecRound, Utc};
use uuid::Uuid;

use super::SharedStore;
use crate::domain::TenantId;
use crate::store::prelude::*;
use crate::store::{AlertRecord, StoreError, StoreResult};

/// A row of `alert_outbox`: seq, tenant, kind, alert id, settings, when.
type QueuedAlertChange = (i64, String, String, Option<String>, Option<String>, String);

fn sqlite_err(err: sqlx::Error) -> StoreError {
    StoreError::Database(format!("alert outbox: {err}"))
}

fn parse_at(text: &str) -> StoreResult<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|at| at.with_timezone(&Utc))
        .map_err(|err| StoreError::Database(format!("alert outbox: bad time {text:?}: {err}")))
}

impl SharedStore {
    /// Queues a dismissal made offline; the alert as it now reads, or `None` if the mirror has
    /// no such alert (one computed offline is not stored anywhere and cannot be dismissed).
    pub(super) async fn queue_dismissal(
        &self,
        tenant: TenantId,
        id: Uuid,
        at: DateTime<Utc>,
    ) -> StoreResult<Option<AlertRecord>> {
        // The server keeps microseconds: the time shown now is the one it will store.
        let at = at.trunc_subsecs(6);
        let _guard = self.outbox_lock.lock().await;
        let Some(mut record) = self.mirrored_alert(tenant, id).await? else {
            return Ok(None);
        };
        self.overlay_dismissals(tenant, std::slice::from_mut(&mut record))
            .await?;
        if record.dismissed_at.is_none() {
            sqlx::query(
                "INSERT INTO alert_outbox (tenant_id, kind, alert_id, at) \
                 VALUES (?, 'dismiss', ?, ?)",
            )
            .bind(tenant.to_string())
            .bind(id.to_string())
            .bind(at.to_rfc3339())
            .execute(self.mirror.pool())
            .await
            .map_err(sqlite_err)?;
            record.dismissed_at = Some(at);
            self.bump();
        }
        Ok(Some(record))
    }

    /// Queues thresholds set offline (JSON, already checked by the service).
    pub(super) async fn queue_alert_settings(
        &self,
        tenant: TenantId,
        settings: &str,
    ) -> StoreResult<()> {
        let _guard = self.outbox_lock.lock().await;
        sqlx::query(
            "INSERT INTO alert_outbox (tenant_id, kind, settings, at) VALUES (?, 'settings', ?, ?)",
        )
        .bind(tenant.to_string())
        .bind(settings)
        .bind(Utc::now().to_rfc3339())
        .execute(self.mirror.pool())
        .await
        .map_err(sqlite_err)?;
        self.bump();
        Ok(())
    }

    async fn mirrored_alert(&self, tenant: TenantId, id: Uuid) -> StoreResult<Option<AlertRecord>> {
        // The list is bounded by the service's own limit; an alert beyond it is long cleared.
        Ok(self
            .mirror
            .alerts(tenant, i64::MAX)
            .await?
            .into_iter()
            .find(|record| record.id == id))
    }

    /// Marks the alerts whose dismissal waits in the outbox as dismissed then.
    pub(super) async fn overlay_dismissals(
        &self,
        tenant: TenantId,
        records: &mut [AlertRecord],
    ) -> StoreResult<()> {
        let queued: Vec<(String, String)> = sqlx::query_as(
            "SELECT alert_id, at FROM alert_outbox \
             WHERE tenant_id = ? AND kind = 'dismiss' ORDER BY seq",
        )
        .bind(tenant.to_string())
        .fetch_all(self.mirror.pool())
        .await
        .map_err(sqlite_err)?;
        for (id, at) in queued {
            if let Some(record) = records
                .iter_mut()
                .find(|record| record.id.to_string() == id && record.dismissed_at.is_none())
            {
                record.dismissed_at = Some(parse_at(&at)?);
            }
        }
        Ok(())
    }

    /// The latest thresholds set offline and not yet applied, if any.
    pub(super) async fn queued_alert_settings(
        &self,
        tenant: TenantId,
    ) -> StoreResult<Option<String>> {
        sqlx::query_scalar(
            "SELECT settings FROM alert_outbox WHERE tenant_id = ? AND kind = 'settings' \
             ORDER BY seq DESC LIMIT 1",
        )
        .bind(tenant.to_string())
        .fetch_optional(self.mirror.pool())
        .await
        .map_err(sqlite_err)
    }

    /// Applies the queued dismissals and threshold changes to the server, oldest first. Stops
    /// at the first that cannot reach it (the rest wait for the next round).
    pub(super) async fn flush_alert_changes(&self) -> StoreResult<()> {
        let _guard = self.outbox_lock.lock().await;
        let entries: Vec<QueuedAlertChange> = sqlx::query_as(
            "SELECT seq, tenant_id, kind, alert_id, settings, at FROM alert_outbox ORDER BY seq",
        )
        .fetch_all(self.mirror.pool())
        .await
        .map_err(sqlite_err)?;
        if entries.is_empty() {
            return Ok(());
        }
        let server = self.ready().await?;
        for (seq, tenant, kind, alert, settings, at) in entries {
            let Ok(tenant) = Uuid::parse_str(&tenant) else {
                self.drop_outbox_entry("alert_outbox", seq).await?;
                continue;
            };
            match (kind.as_str(), alert, settings) {
                ("dismiss", Some(alert), _) => {
                    if let Ok(alert) = Uuid::parse_str(&alert) {
                        let at = parse_at(&at)?;
                        // None: not on the server (another workspace's id): nothing to do.
                        if let Some(record) =
                            self.probe(server.dismiss_alert(tenant, alert, at)).await?
                        {
                            tracing::debug!(alert = %record.id, "offline dismissal applied");
                        }
                    }
                }
                ("settings", _, Some(settings)) => {
                    self.probe(server.set_alert_settings(tenant, &settings))
                        .await?;
                }
                _ => {}
            }
            self.drop_outbox_entry("alert_outbox", seq).await?;
        }
        self.bump();
        Ok(())
    }
}
