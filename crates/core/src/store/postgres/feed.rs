//! The server's side of the mirror feed: everything of one tenant written since a cursor.

use sqlx::{FromRow, Row};
use uuid::Uuid;

use super::accounts::select_tenant;
use super::assignments::ASSIGNMENT_COLUMNS;
use super::integrations::INTEGRATION_COLUMNS;
use super::keys::select_keys;
use super::{set_local, PostgresStore};
use crate::domain::TenantId;
use crate::store::alerts::ALERT_COLUMNS;
use crate::store::{
    AlertRecord, Changes, ColumnKind, IntegrationRecord, PullCursor, SpendAssignmentRecord,
    StoreResult, SyncRunRecord, MIRRORED_SYNC_TABLES,
};

impl PostgresStore {
    /// Everything of `tenant` written since `cursor`, read from one snapshot.
    pub async fn pull_changes(&self, tenant: TenantId, cursor: PullCursor) -> StoreResult<Changes> {
        let mut tx = self.begin().await?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await?;
        set_local(&mut tx, "app.tenant_id", &tenant.to_string()).await?;
        let horizon: i64 =
            sqlx::query_scalar("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
                .fetch_one(&mut *tx)
                .await?;
        let since = |table: &str, columns: &str| {
            format!(
                "SELECT {columns} FROM {table} WHERE tenant_id = $1 \
                 AND (row_version > $2 OR write_xid >= $3::bigint::text::xid8)"
            )
        };
        // What every `since` statement binds: the tenant and the cursor.
        macro_rules! bind_since {
            ($query:expr) => {
                $query
                    .bind(tenant)
                    .bind(cursor.last_version)
                    .bind(cursor.horizon)
            };
        }
        let integrations: Vec<IntegrationRecord> =
            bind_since!(sqlx::query_as(&since("integrations", INTEGRATION_COLUMNS)))
                .fetch_all(&mut *tx)
                .await?;
        let spend_assignments: Vec<SpendAssignmentRecord> = bind_since!(sqlx::query_as(&since(
            "spend_assignments",
            ASSIGNMENT_COLUMNS
        )))
        .fetch_all(&mut *tx)
        .await?;
        let alert_rows = bind_since!(sqlx::query(&since(
            "alerts",
            &format!("{ALERT_COLUMNS}, row_version")
        )))
        .fetch_all(&mut *tx)
        .await?;
        let alert_settings: Option<(String, i64)> = bind_since!(sqlx::query_as(&since(
            "alert_settings",
            "settings, row_version"
        )))
        .fetch_optional(&mut *tx)
        .await?;
        let mut max_synced = cursor.last_version;
        let run_rows = bind_since!(sqlx::query(&since(
            "sync_runs",
            "tenant_id, id, integration_id, trigger, outcome, started_at, finished_at, counts, \
             error, error_code, worker, row_version",
        )))
        .fetch_all(&mut *tx)
        .await?;
        let mut synced = Vec::new();
        for (table, columns) in MIRRORED_SYNC_TABLES {
            let fields: Vec<String> = columns
                .iter()
                .map(|(name, kind)| {
                    let value = match kind {
                        ColumnKind::Uuid | ColumnKind::Json => format!("{name}::text"),
                        ColumnKind::Timestamp => format!(
                            "to_char({name} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
                        ),
                        ColumnKind::Date => format!("to_char({name}, 'YYYY-MM-DD')"),
                        _ => (*name).to_owned(),
                    };
                    format!("'{name}', {value}")
                })
                .collect();
            let rows: Vec<(serde_json::Value, i64)> = bind_since!(sqlx::query_as(&since(
                table,
                &format!("jsonb_build_object({}), row_version", fields.join(", ")),
            )))
            .fetch_all(&mut *tx)
            .await?;
            for (row, version) in rows {
                synced.push((*table, row));
                max_synced = max_synced.max(version);
            }
        }
        let tombstones = bind_since!(sqlx::query(&format!(
            "{} AND table_name IN ('integrations', 'sync_runs')",
            since("tombstones", "table_name, row_id, row_version")
        )))
        .fetch_all(&mut *tx)
        .await?;
        let mut last_version = max_synced;
        let mut deleted_integrations = Vec::with_capacity(tombstones.len());
        let mut deleted_sync_runs = Vec::new();
        for row in &tombstones {
            let id = row.try_get::<Uuid, _>("row_id")?;
            if row.try_get::<&str, _>("table_name")? == "sync_runs" {
                deleted_sync_runs.push(id);
            } else {
                deleted_integrations.push(id);
            }
            last_version = last_version.max(row.try_get::<i64, _>("row_version")?);
        }
        let mut sync_runs = Vec::with_capacity(run_rows.len());
        for row in &run_rows {
            last_version = last_version.max(row.try_get::<i64, _>("row_version")?);
            sync_runs.push(SyncRunRecord::from_row(row)?);
        }
        for record in &integrations {
            last_version = last_version.max(record.row_version);
        }
        for record in &spend_assignments {
            last_version = last_version.max(record.version);
        }
        let mut alerts = Vec::with_capacity(alert_rows.len());
        for row in &alert_rows {
            let version = row.try_get::<i64, _>("row_version")?;
            last_version = last_version.max(version);
            alerts.push((AlertRecord::from_row(row)?, version));
        }
        if let Some((_, version)) = &alert_settings {
            last_version = last_version.max(*version);
        }
        // Small and rarely changed: sent whole every time.
        let tenant_record = select_tenant(tenant).fetch_optional(&mut *tx).await?;
        let keys = select_keys(tenant).fetch_all(&mut *tx).await?;
        tx.commit().await?;
        Ok(Changes {
            tenant: tenant_record,
            keys,
            integrations,
            deleted_integrations,
            sync_runs,
            deleted_sync_runs,
            spend_assignments,
            alerts,
            alert_settings,
            synced,
            cursor: PullCursor {
                last_version,
                horizon,
            },
        })
    }
}
