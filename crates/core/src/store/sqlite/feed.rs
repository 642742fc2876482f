//! The mirror's side of the feed: a copy of the signed-in tenant's rows, exactly as the server
//! has them (row versions and credential ciphertext included), kept up to date by pulls. The
//! reads go through the ordinary store traits; the methods here are the mirror's own.

use chrono::{DateTime, Utc};
use sqlx::{Row, Sqlite, Transaction};

use super::accounts::bind_user;
use super::sync::bind_run;
use super::{next_row_version, parse_ts, ts, SqliteStore};
use crate::domain::{IntegrationId, TenantId};
use crate::store::{
    AlertRecord, Changes, ColumnKind, IntegrationRecord, IntegrationStore, PullCursor,
    SpendAssignmentRecord, StoreResult, TenantRecord, UserRecord, MIRRORED_SYNC_TABLES,
};

/// The mirrored tables a tenant's rows are in (by `tenant_id`), children before parents.
const TENANT_TABLES: [&str; 8] = [
    "alerts",
    "alert_settings",
    "spend_assignments",
    "integrations",
    "tenant_keys",
    "refresh_tokens",
    "users",
    "mirror_state",
];

/// The mirror's copy of its workspace, as the server has it (a pull, or a sign-in).
async fn upsert_tenant_copy(
    tx: &mut Transaction<'static, Sqlite>,
    tenant: &TenantRecord,
) -> StoreResult<()> {
    const UPSERT: &str = "INSERT INTO tenants (id, name, created_at, time_zone) \
         VALUES (?, ?, ?, ?) \
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, time_zone = excluded.time_zone";
    bind_tenant_columns!(sqlx::query(UPSERT), tenant)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Writes the server's copy of a row, replacing the mirror's unless the mirror already holds a
/// newer version. `OR REPLACE` also removes a row that a uniqueness rule says this one replaces
/// (a store reconnected under a new integration): the server is the truth. Rows of a tenant
/// the mirror does not hold (not the signed-in one) are left out.
async fn put_mirrored_integration(
    tx: &mut Transaction<'static, Sqlite>,
    record: &IntegrationRecord,
) -> StoreResult<bool> {
    let newer_here: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM integrations WHERE id = ? AND row_version >= ?")
            .bind(record.id.to_string())
            .bind(record.row_version)
            .fetch_optional(&mut **tx)
            .await?;
    let tenant_known: Option<i64> = sqlx::query_scalar("SELECT 1 FROM tenants WHERE id = ?")
        .bind(record.tenant_id.to_string())
        .fetch_optional(&mut **tx)
        .await?;
    if newer_here.is_some() || tenant_known.is_none() {
        return Ok(false);
    }
    // A row the server replaced under a uniqueness rule (the one Meta Ads account, a store
    // reconnected as a new integration) gives way: the server is the truth.
    sqlx::query(
        "DELETE FROM integrations WHERE tenant_id = ?1 AND id <> ?2 AND provider = ?3 \
         AND (?3 = 'META_ADS' OR external_id = ?4)",
    )
    .bind(record.tenant_id.to_string())
    .bind(record.id.to_string())
    .bind(record.provider.as_str())
    .bind(&record.external_id)
    .execute(&mut **tx)
    .await?;
    // An upsert, not INSERT OR REPLACE: a replace deletes first, and the delete would take the
    // integration's mirrored sync history with it.
    const UPSERT: &str =
        "INSERT INTO integrations (tenant_id, id, name, provider, description, credentials, \
         credentials_hint, config, external_id, status, enabled, last_error, created_at, \
         updated_at, last_sync_at, row_version, edit_version) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17) \
         ON CONFLICT (tenant_id, id) DO UPDATE SET name = excluded.name, \
             description = excluded.description, credentials = excluded.credentials, \
             credentials_hint = excluded.credentials_hint, config = excluded.config, \
             external_id = excluded.external_id, status = excluded.status, \
             enabled = excluded.enabled, last_error = excluded.last_error, \
             updated_at = excluded.updated_at, last_sync_at = excluded.last_sync_at, \
             row_version = excluded.row_version, edit_version = excluded.edit_version";
    bind_integration_columns!(sqlx::query(UPSERT), record)
        .bind(ts(record.created_at))
        .bind(ts(record.updated_at))
        .bind(record.last_sync_at.map(ts))
        .bind(record.row_version)
        .bind(record.edit_version)
        .execute(&mut **tx)
        .await?;
    Ok(true)
}

/// The server's copy of a decision, unless the mirror already holds that version or a newer
/// one, and only for the tenant the mirror holds.
async fn put_mirrored_assignment(
    tx: &mut Transaction<'static, Sqlite>,
    record: &SpendAssignmentRecord,
) -> StoreResult<bool> {
    const UPSERT: &str =
        "INSERT INTO spend_assignments (tenant_id, campaign_id, adset_id, shares, decided_at, \
         reassigned_at, changed_by, created_at, updated_at, row_version) \
         SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9 \
         WHERE EXISTS (SELECT 1 FROM tenants WHERE id = ?1) \
         ON CONFLICT (tenant_id, campaign_id, adset_id) DO UPDATE SET shares = excluded.shares, \
             decided_at = excluded.decided_at, reassigned_at = excluded.reassigned_at, \
             changed_by = excluded.changed_by, updated_at = excluded.updated_at, \
             row_version = excluded.row_version \
         WHERE spend_assignments.row_version < excluded.row_version";
    let written = bind_assignment_columns!(sqlx::query(UPSERT), record)
        .bind(ts(record.updated_at))
        .bind(record.version)
        .execute(&mut **tx)
        .await?
        .rows_affected();
    Ok(written > 0)
}

/// One synced row from the server, upserted whole (only for integrations the mirror holds).
async fn put_mirrored_synced_row(
    tx: &mut Transaction<'static, Sqlite>,
    tenant: TenantId,
    table: &str,
    row: &serde_json::Value,
) -> StoreResult<usize> {
    let Some((_, columns)) = MIRRORED_SYNC_TABLES.iter().find(|(name, _)| *name == table) else {
        return Ok(0);
    };
    if row.get("tenant_id").and_then(|v| v.as_str()) != Some(tenant.to_string().as_str()) {
        return Ok(0);
    }
    let names: Vec<&str> = columns.iter().map(|(name, _)| *name).collect();
    let placeholders: Vec<String> = (1..=names.len()).map(|i| format!("?{i}")).collect();
    let sql = format!(
        "INSERT OR REPLACE INTO {table} ({}) SELECT {} \
         WHERE EXISTS (SELECT 1 FROM integrations WHERE tenant_id = ?1 AND id = ?2)",
        names.join(", "),
        placeholders.join(", ")
    );
    let mut query = sqlx::query(&sql);
    for (name, kind) in columns.iter() {
        let value = row.get(*name).unwrap_or(&serde_json::Value::Null);
        query = match (kind, value) {
            (_, serde_json::Value::Null) => query.bind(None::<String>),
            (ColumnKind::Int, value) => query.bind(value.as_i64()),
            (ColumnKind::Bool, value) => query.bind(value.as_bool()),
            (_, serde_json::Value::String(text)) => query.bind(text.clone()),
            (_, other) => query.bind(other.to_string()),
        };
    }
    let written = query.execute(&mut **tx).await?.rows_affected() as usize;
    if table == "pancake_variations" && written > 0 {
        // A variation's stock is its current picture: the server rewrites every line of it
        // after the variation, so its lines carry later row versions. A line older than the
        // variation is of a warehouse it no longer lists (removed in Pancake): gone here too.
        // Lines of the same pull stay whichever of the two this mirror applies first.
        sqlx::query(
            "DELETE FROM pancake_stock WHERE tenant_id = ? AND shop_id = ? AND variation_id = ? \
             AND row_version < ?",
        )
        .bind(tenant.to_string())
        .bind(row.get("shop_id").and_then(|v| v.as_i64()))
        .bind(row.get("variation_id").and_then(|v| v.as_str()))
        .bind(row.get("row_version").and_then(|v| v.as_i64()))
        .execute(&mut **tx)
        .await?;
    }
    Ok(written)
}

/// The server's copy of an alert, unless the mirror already holds that version or a newer one.
async fn put_mirrored_alert(
    tx: &mut Transaction<'static, Sqlite>,
    alert: &AlertRecord,
    version: i64,
) -> StoreResult<usize> {
    const UPSERT: &str =
        "INSERT INTO alerts (tenant_id, id, rule, subject, integration_id, fired_at, cleared_at, \
         dismissed_at, details, row_version) \
         SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10 \
         WHERE EXISTS (SELECT 1 FROM tenants WHERE id = ?1) \
         ON CONFLICT (tenant_id, id) DO UPDATE SET cleared_at = excluded.cleared_at, \
             dismissed_at = excluded.dismissed_at, details = excluded.details, \
             row_version = excluded.row_version \
         WHERE alerts.row_version < excluded.row_version";
    Ok(bind_alert_columns!(sqlx::query(UPSERT), alert)
        .bind(alert.cleared_at.map(ts))
        .bind(alert.dismissed_at.map(ts))
        .bind(&alert.details)
        .bind(version)
        .execute(&mut **tx)
        .await?
        .rows_affected() as usize)
}

impl SqliteStore {
    /// Ties this file to one server. A file that mirrored another server is emptied first (its
    /// outbox too: those edits were for rows this server does not have). Returns whether it was.
    pub async fn bind_mirror(&self, server: &str) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        next_row_version(&mut tx).await?;
        let current: Option<String> =
            sqlx::query_scalar("SELECT server FROM mirror_meta WHERE id = 1")
                .fetch_optional(&mut *tx)
                .await?;
        let wiped = match current.as_deref() {
            Some(same) if same == server => false,
            previous => {
                for table in TENANT_TABLES.iter().chain(&[
                    "tenants",
                    "login_throttle",
                    "outbox",
                    "session_outbox",
                    "alert_outbox",
                ]) {
                    sqlx::query(&format!("DELETE FROM {table}"))
                        .execute(&mut *tx)
                        .await?;
                }
                sqlx::query("INSERT OR REPLACE INTO mirror_meta (id, server) VALUES (1, ?)")
                    .bind(server)
                    .execute(&mut *tx)
                    .await?;
                previous.is_some()
            }
        };
        tx.commit().await?;
        Ok(wiped)
    }

    pub async fn mirror_cursor(
        &self,
        tenant: TenantId,
    ) -> StoreResult<(PullCursor, Option<DateTime<Utc>>)> {
        let row = sqlx::query(
            "SELECT last_version, horizon, as_of FROM mirror_state WHERE tenant_id = ?",
        )
        .bind(tenant.to_string())
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok((PullCursor::default(), None));
        };
        let as_of: Option<String> = row.try_get("as_of")?;
        Ok((
            PullCursor {
                last_version: row.try_get("last_version")?,
                horizon: row.try_get("horizon")?,
            },
            as_of.as_deref().map(parse_ts).transpose()?,
        ))
    }

    /// Applies one pull in one transaction and moves the cursor. Returns how many rows
    /// actually changed (a re-read row the mirror already has does not count).
    pub async fn apply_pull(
        &self,
        tenant: TenantId,
        changes: &Changes,
        as_of: DateTime<Utc>,
    ) -> StoreResult<usize> {
        let mut tx = self.begin().await?;
        next_row_version(&mut tx).await?;
        let mut changed = 0;
        if let Some(record) = &changes.tenant {
            upsert_tenant_copy(&mut tx, record).await?;
        }
        for key in &changes.keys {
            sqlx::query(
                // A rotation of the workspace's access re-wraps every key: take the new wraps.
                "INSERT INTO tenant_keys (tenant_id, version, wrapped_key, workspace_wrapped_key, \
                 created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (tenant_id, version) DO UPDATE \
                 SET wrapped_key = excluded.wrapped_key, \
                     workspace_wrapped_key = excluded.workspace_wrapped_key",
            )
            .bind(tenant.to_string())
            .bind(key.version as i64)
            .bind(&key.wrapped_key)
            .bind(&key.workspace_wrapped_key)
            .bind(ts(as_of))
            .execute(&mut *tx)
            .await?;
        }
        // Deletes first: a row removed on the server may hold a shop id that a row arriving in
        // the same pull now holds.
        for id in &changes.deleted_integrations {
            changed += sqlx::query("DELETE FROM integrations WHERE tenant_id = ? AND id = ?")
                .bind(tenant.to_string())
                .bind(id.to_string())
                .execute(&mut *tx)
                .await?
                .rows_affected() as usize;
        }
        for record in &changes.integrations {
            if record.tenant_id == tenant && put_mirrored_integration(&mut tx, record).await? {
                changed += 1;
            }
        }
        for record in &changes.spend_assignments {
            if record.tenant_id == tenant && put_mirrored_assignment(&mut tx, record).await? {
                changed += 1;
            }
        }
        // Cleared episodes first: a new open one of the same rule and subject may come in the
        // same pull, and the mirror too holds one open episode per rule and subject.
        let mut alerts: Vec<&(AlertRecord, i64)> = changes
            .alerts
            .iter()
            .filter(|(alert, _)| alert.tenant_id == tenant)
            .collect();
        alerts.sort_by_key(|(alert, _)| alert.cleared_at.is_none());
        for (alert, version) in alerts {
            changed += put_mirrored_alert(&mut tx, alert, *version).await?;
        }
        if let Some((settings, version)) = &changes.alert_settings {
            changed += sqlx::query(
                "INSERT INTO alert_settings (tenant_id, settings, row_version) VALUES (?, ?, ?) \
                 ON CONFLICT (tenant_id) DO UPDATE SET settings = excluded.settings, \
                     row_version = excluded.row_version \
                 WHERE alert_settings.row_version < excluded.row_version",
            )
            .bind(tenant.to_string())
            .bind(settings)
            .bind(version)
            .execute(&mut *tx)
            .await?
            .rows_affected() as usize;
        }
        for (table, row) in &changes.synced {
            changed += put_mirrored_synced_row(&mut tx, tenant, table, row).await?;
        }
        for id in &changes.deleted_sync_runs {
            changed += sqlx::query("DELETE FROM sync_runs WHERE tenant_id = ? AND id = ?")
                .bind(tenant.to_string())
                .bind(id.to_string())
                .execute(&mut *tx)
                .await?
                .rows_affected() as usize;
        }
        for run in changes
            .sync_runs
            .iter()
            .filter(|run| run.tenant_id == tenant)
        {
            // Only runs of integrations the mirror holds (they all are, after the loop above).
            // The filter above makes the run's tenant this one.
            changed += bind_run(
                sqlx::query(
                    "INSERT INTO sync_runs (tenant_id, id, integration_id, trigger, outcome, \
                     started_at, finished_at, counts, error, error_code, worker) \
                     SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11 \
                     WHERE EXISTS (SELECT 1 FROM integrations WHERE tenant_id = ?1 AND id = ?3) \
                     ON CONFLICT (tenant_id, id) DO UPDATE SET outcome = excluded.outcome, \
                         finished_at = excluded.finished_at, counts = excluded.counts, \
                         error = excluded.error, error_code = excluded.error_code \
                     WHERE sync_runs.outcome IS NOT excluded.outcome \
                        OR sync_runs.finished_at IS NOT excluded.finished_at \
                        OR sync_runs.counts IS NOT excluded.counts",
                ),
                run,
            )
            .execute(&mut *tx)
            .await?
            .rows_affected() as usize;
        }
        sqlx::query(
            "INSERT INTO mirror_state (tenant_id, last_version, horizon, as_of) \
             VALUES (?, ?, ?, ?) ON CONFLICT (tenant_id) DO UPDATE SET \
             last_version = excluded.last_version, horizon = excluded.horizon, \
             as_of = excluded.as_of",
        )
        .bind(tenant.to_string())
        .bind(changes.cursor.last_version)
        .bind(changes.cursor.horizon)
        .bind(ts(as_of))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(changed)
    }

    /// The server's copy of one row after a write made online, so the mirror need not wait
    /// for the next pull.
    pub async fn put_integration_copy(&self, record: &IntegrationRecord) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        next_row_version(&mut tx).await?;
        put_mirrored_integration(&mut tx, record).await?;
        Ok(tx.commit().await?)
    }

    /// The server's copy of a decision it just wrote.
    pub async fn put_assignment_copy(&self, record: &SpendAssignmentRecord) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        next_row_version(&mut tx).await?;
        put_mirrored_assignment(&mut tx, record).await?;
        Ok(tx.commit().await?)
    }

    pub async fn remove_integration_copy(
        &self,
        tenant: TenantId,
        id: IntegrationId,
    ) -> StoreResult<()> {
        self.delete_integration(tenant, id).await.map(|_| ())
    }

    /// Keeps a user who just proved their password (and their workspace) for offline sign-in,
    /// and drops every other workspace's mirrored rows: the file mirrors the signed-in tenant.
    /// Outboxes are kept: they hold edits their authors made and expect to reach the server.
    pub async fn remember_user(&self, tenant: &TenantRecord, user: &UserRecord) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        next_row_version(&mut tx).await?;
        for table in TENANT_TABLES {
            sqlx::query(&format!("DELETE FROM {table} WHERE tenant_id <> ?"))
                .bind(tenant.id.to_string())
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("DELETE FROM tenants WHERE id <> ?")
            .bind(tenant.id.to_string())
            .execute(&mut *tx)
            .await?;
        upsert_tenant_copy(&mut tx, tenant).await?;
        // Another user of this workspace may have used the same email before it moved.
        sqlx::query("DELETE FROM users WHERE lower(email) = lower(?) AND id <> ?")
            .bind(&user.email)
            .bind(user.id.to_string())
            .execute(&mut *tx)
            .await?;
        const UPSERT_USER: &str = "INSERT INTO users (tenant_id, id, email, password_hash, \
             role, created_at) VALUES (?, ?, ?, ?, 'OWNER', ?) ON CONFLICT (tenant_id, id) \
             DO UPDATE SET email = excluded.email, password_hash = excluded.password_hash";
        bind_user(sqlx::query(UPSERT_USER), user)
            .execute(&mut *tx)
            .await?;
        Ok(tx.commit().await?)
    }
}
