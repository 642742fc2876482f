//! The outbox: edits made offline, in the order they must reach the server.

use chrono::{DateTime, Utc};

use super::{next_row_version, ts, SqliteStore};
use crate::domain::{IntegrationId, TenantId};
use crate::store::{OutboxEntry, StoreResult};

impl SqliteStore {
    pub async fn outbox_push(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        integration_name: &str,
        change: &str,
        base_version: i64,
        queued_at: DateTime<Utc>,
    ) -> StoreResult<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO outbox (tenant_id, integration_id, integration_name, change, \
             base_version, queued_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING seq",
        )
        .bind(tenant.to_string())
        .bind(integration.to_string())
        .bind(integration_name)
        .bind(change)
        .bind(base_version)
        .bind(ts(queued_at))
        .fetch_one(&self.pool)
        .await?)
    }

    /// The outbox in the order it must be applied; all tenants when `tenant` is `None`.
    pub async fn outbox(&self, tenant: Option<TenantId>) -> StoreResult<Vec<OutboxEntry>> {
        Ok(sqlx::query_as(
            "SELECT seq, tenant_id, integration_id, integration_name, change, base_version, \
             state = 'CONFLICT' AS conflict, queued_at FROM outbox \
             WHERE ?1 IS NULL OR tenant_id = ?1 ORDER BY seq",
        )
        .bind(tenant.map(|t| t.to_string()))
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn outbox_mark_conflict(&self, seq: i64) -> StoreResult<()> {
        sqlx::query("UPDATE outbox SET state = 'CONFLICT' WHERE seq = ?")
            .bind(seq)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Removes an entry the server has accepted (or the user has let go). Later entries for the
    /// same integration were queued on top of the same base version; with `applied_as` they
    /// move onto the version the server gave, in the same transaction, so a crash between two
    /// entries cannot turn the second into a false conflict.
    pub async fn outbox_done(
        &self,
        entry: &OutboxEntry,
        applied_as: Option<i64>,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        next_row_version(&mut tx).await?;
        sqlx::query("DELETE FROM outbox WHERE seq = ?")
            .bind(entry.seq)
            .execute(&mut *tx)
            .await?;
        if let Some(version) = applied_as {
            sqlx::query(
                "UPDATE outbox SET base_version = ? WHERE tenant_id = ? AND integration_id = ? \
                 AND base_version = ? AND state = 'PENDING' AND seq > ?",
            )
            .bind(version)
            .bind(entry.tenant_id.to_string())
            .bind(entry.integration_id.to_string())
            .bind(entry.base_version)
            .bind(entry.seq)
            .execute(&mut *tx)
            .await?;
        }
        Ok(tx.commit().await?)
    }
}
