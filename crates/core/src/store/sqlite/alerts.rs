//! Alerts, their thresholds and the facts their rules read.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{ts, SqliteStore};
use crate::domain::{IntegrationId, TenantId};
use crate::store::alerts::ALERT_COLUMNS;
use crate::store::{AlertRecord, AlertStore, StoreResult, TokenExpiryRecord};

#[async_trait]
impl AlertStore for SqliteStore {
    async fn alerts(&self, tenant: TenantId, limit: i64) -> StoreResult<Vec<AlertRecord>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {ALERT_COLUMNS} FROM alerts WHERE tenant_id = ? \
             ORDER BY fired_at DESC, id LIMIT ?"
        ))
        .bind(tenant.to_string())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn open_alerts(&self, tenant: TenantId) -> StoreResult<Vec<AlertRecord>> {
        let sql = format!(
            "SELECT {ALERT_COLUMNS} FROM alerts WHERE tenant_id = ? AND cleared_at IS NULL \
             ORDER BY fired_at DESC, id"
        );
        self.tenant_rows(&sql, tenant).await
    }

    async fn fire_alert(&self, alert: &AlertRecord) -> StoreResult<bool> {
        // The partial unique index refuses a second open episode; OR IGNORE makes that "not
        // fired" rather than an error.
        const INSERT: &str = "INSERT OR IGNORE INTO alerts (tenant_id, id, rule, subject, \
             integration_id, fired_at, details, row_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
        let fired = self
            .write_one(|version| {
                bind_alert_columns!(sqlx::query(INSERT), alert)
                    .bind(&alert.details)
                    .bind(version)
            })
            .await?;
        Ok(fired == 1)
    }

    async fn clear_alert(
        &self,
        tenant: TenantId,
        id: uuid::Uuid,
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let cleared = self
            .write_one(|version| {
                sqlx::query(
                    "UPDATE alerts SET cleared_at = ?, row_version = ? \
                     WHERE tenant_id = ? AND id = ? AND cleared_at IS NULL",
                )
                .bind(ts(at))
                .bind(version)
                .bind(tenant.to_string())
                .bind(id.to_string())
            })
            .await?;
        Ok(cleared == 1)
    }

    async fn dismiss_alert(
        &self,
        tenant: TenantId,
        id: uuid::Uuid,
        at: DateTime<Utc>,
    ) -> StoreResult<Option<AlertRecord>> {
        let sql = format!(
            "UPDATE alerts SET dismissed_at = coalesce(dismissed_at, ?), row_version = ? \
             WHERE tenant_id = ? AND id = ? RETURNING {ALERT_COLUMNS}"
        );
        self.write_returning(|version| {
            sqlx::query_as(&sql)
                .bind(ts(at))
                .bind(version)
                .bind(tenant.to_string())
                .bind(id.to_string())
        })
        .await
    }

    async fn alert_settings(&self, tenant: TenantId) -> StoreResult<Option<String>> {
        let sql = "SELECT settings FROM alert_settings WHERE tenant_id = ?";
        self.tenant_value(sql, tenant).await
    }

    async fn set_alert_settings(&self, tenant: TenantId, settings: &str) -> StoreResult<()> {
        self.write_one(|version| {
            sqlx::query(
                "INSERT INTO alert_settings (tenant_id, settings, row_version) VALUES (?, ?, ?) \
                 ON CONFLICT (tenant_id) DO UPDATE SET settings = excluded.settings, \
                 row_version = excluded.row_version",
            )
            .bind(tenant.to_string())
            .bind(settings)
            .bind(version)
        })
        .await?;
        Ok(())
    }

    async fn last_order_at(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
    ) -> StoreResult<Option<DateTime<Utc>>> {
        let at: Option<String> = sqlx::query_scalar(
            "SELECT max(inserted_at) FROM pancake_orders \
             WHERE tenant_id = ? AND integration_id = ?",
        )
        .bind(tenant.to_string())
        .bind(integration.to_string())
        .fetch_one(&self.pool)
        .await?;
        at.as_deref().map(super::parse_ts).transpose()
    }

    async fn orders_between(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        after: DateTime<Utc>,
        through: DateTime<Utc>,
    ) -> StoreResult<i64> {
        Ok(sqlx::query_scalar(
            "SELECT count(*) FROM pancake_orders WHERE tenant_id = ? AND integration_id = ? \
             AND inserted_at > ? AND inserted_at <= ?",
        )
        .bind(tenant.to_string())
        .bind(integration.to_string())
        .bind(ts(after))
        .bind(ts(through))
        .fetch_one(&self.pool)
        .await?)
    }

    async fn token_expiries(&self, tenant: TenantId) -> StoreResult<Vec<TokenExpiryRecord>> {
        let sql =
            "SELECT integration_id, expires_at, checked_at FROM meta_tokens WHERE tenant_id = ?";
        self.tenant_rows(sql, tenant).await
    }

    async fn record_token_expiry(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        expires_at: Option<DateTime<Utc>>,
        checked_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        self.write_one(|version| {
            sqlx::query(
                "INSERT INTO meta_tokens (tenant_id, integration_id, expires_at, checked_at, \
                 row_version) VALUES (?, ?, ?, ?, ?) ON CONFLICT (tenant_id, integration_id) \
                 DO UPDATE SET expires_at = excluded.expires_at, checked_at = excluded.checked_at, \
                 row_version = excluded.row_version",
            )
            .bind(tenant.to_string())
            .bind(integration.to_string())
            .bind(expires_at.map(ts))
            .bind(ts(checked_at))
            .bind(version)
        })
        .await?;
        Ok(())
    }
}
