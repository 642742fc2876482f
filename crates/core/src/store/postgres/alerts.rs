//! Alerts, their thresholds and the facts their rules read.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::PostgresStore;
use crate::domain::{IntegrationId, TenantId};
use crate::store::alerts::ALERT_COLUMNS;
use crate::store::{AlertRecord, AlertStore, StoreResult, TokenExpiryRecord};

#[async_trait]
impl AlertStore for PostgresStore {
    async fn alerts(&self, tenant: TenantId, limit: i64) -> StoreResult<Vec<AlertRecord>> {
        let sql = format!(
            "SELECT {ALERT_COLUMNS} FROM alerts WHERE tenant_id = $1 \
             ORDER BY fired_at DESC, id LIMIT $2"
        );
        let statement = sqlx::query_as(&sql).bind(tenant).bind(limit);
        self.as_tenant(tenant, async |tx| statement.fetch_all(tx).await)
            .await
    }

    async fn open_alerts(&self, tenant: TenantId) -> StoreResult<Vec<AlertRecord>> {
        let sql = format!(
            "SELECT {ALERT_COLUMNS} FROM alerts WHERE tenant_id = $1 AND cleared_at IS NULL \
             ORDER BY fired_at DESC, id"
        );
        self.tenant_rows(&sql, tenant).await
    }

    async fn fire_alert(&self, alert: &AlertRecord) -> StoreResult<bool> {
        let statement = sqlx::query(
            "INSERT INTO alerts (tenant_id, id, rule, subject, integration_id, fired_at, \
             details) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (tenant_id, rule, subject) WHERE cleared_at IS NULL DO NOTHING",
        )
        .bind(alert.tenant_id)
        .bind(alert.id)
        .bind(&alert.rule)
        .bind(&alert.subject)
        .bind(alert.integration_id)
        .bind(alert.fired_at)
        .bind(&alert.details);
        self.changed_one(alert.tenant_id, statement).await
    }

    async fn clear_alert(
        &self,
        tenant: TenantId,
        id: uuid::Uuid,
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let statement = sqlx::query(
            "UPDATE alerts SET cleared_at = $3 \
             WHERE tenant_id = $1 AND id = $2 AND cleared_at IS NULL",
        )
        .bind(tenant)
        .bind(id)
        .bind(at);
        self.changed_one(tenant, statement).await
    }

    async fn dismiss_alert(
        &self,
        tenant: TenantId,
        id: uuid::Uuid,
        at: DateTime<Utc>,
    ) -> StoreResult<Option<AlertRecord>> {
        let sql = format!(
            "UPDATE alerts SET dismissed_at = coalesce(dismissed_at, $3) \
             WHERE tenant_id = $1 AND id = $2 RETURNING {ALERT_COLUMNS}"
        );
        let statement = sqlx::query_as(&sql).bind(tenant).bind(id).bind(at);
        self.as_tenant(tenant, async |tx| statement.fetch_optional(tx).await)
            .await
    }

    async fn alert_settings(&self, tenant: TenantId) -> StoreResult<Option<String>> {
        let sql = "SELECT settings FROM alert_settings WHERE tenant_id = $1";
        self.tenant_value(sql, tenant).await
    }

    async fn set_alert_settings(&self, tenant: TenantId, settings: &str) -> StoreResult<()> {
        let statement = sqlx::query(
            "INSERT INTO alert_settings (tenant_id, settings) VALUES ($1, $2) \
             ON CONFLICT (tenant_id) DO UPDATE SET settings = excluded.settings",
        )
        .bind(tenant)
        .bind(settings);
        self.execute_as(tenant, statement).await
    }

    async fn last_order_at(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
    ) -> StoreResult<Option<DateTime<Utc>>> {
        let statement = sqlx::query_scalar(
            "SELECT max(inserted_at) FROM pancake_orders \
             WHERE tenant_id = $1 AND integration_id = $2",
        )
        .bind(tenant)
        .bind(integration);
        self.as_tenant(tenant, async |tx| statement.fetch_one(tx).await)
            .await
    }

    async fn orders_between(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        after: DateTime<Utc>,
        through: DateTime<Utc>,
    ) -> StoreResult<i64> {
        let statement = sqlx::query_scalar(
            "SELECT count(*) FROM pancake_orders WHERE tenant_id = $1 AND integration_id = $2 \
             AND inserted_at > $3 AND inserted_at <= $4",
        )
        .bind(tenant)
        .bind(integration)
        .bind(after)
        .bind(through);
        self.as_tenant(tenant, async |tx| statement.fetch_one(tx).await)
            .await
    }

    async fn token_expiries(&self, tenant: TenantId) -> StoreResult<Vec<TokenExpiryRecord>> {
        let sql =
            "SELECT integration_id, expires_at, checked_at FROM meta_tokens WHERE tenant_id = $1";
        self.tenant_rows(sql, tenant).await
    }

    async fn record_token_expiry(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        expires_at: Option<DateTime<Utc>>,
        checked_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let statement = sqlx::query(
            "INSERT INTO meta_tokens (tenant_id, integration_id, expires_at, checked_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (tenant_id, integration_id) DO UPDATE \
             SET expires_at = excluded.expires_at, checked_at = excluded.checked_at",
        )
        .bind(tenant)
        .bind(integration)
        .bind(expires_at)
        .bind(checked_at);
        self.execute_as(tenant, statement).await
    }
}
