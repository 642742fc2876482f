//! Webhook endpoints, deliveries and what a delivery writes. Inherent methods, not a store
//! trait: only the PostgreSQL server has them (see `store/webhooks.rs`).

use chrono::{DateTime, Utc};
use sqlx::{Postgres, Transaction};

use super::rows::write_orders;
use super::{map_err, PostgresStore};
use crate::domain::{IntegrationId, TenantId};
use crate::store::webhooks::{DeliveryRecord, WebhookEndpointRecord, WebhookTarget};
use crate::store::StoreResult;

/// What a delivery asks to write.
pub enum DeliveryWrite<'a> {
    Order(&'a integrations_providers::PancakeOrder),
    Stock {
        variation_id: &'a str,
        warehouse_id: &'a str,
        remain_quantity: i64,
        changed_at: Option<DateTime<Utc>>,
    },
    /// Nothing to write but the log line.
    Nothing,
}

/// A delivery's log line.
pub struct DeliveryLog<'a> {
    pub kind: &'a str,
    pub outcome: &'a str,
    pub size_bytes: usize,
    pub reference: Option<&'a str>,
}

impl PostgresStore {
    /// The server's public URL for webhooks (see `server_identity.webhook_base_url`).
    pub async fn webhook_base_url(&self) -> StoreResult<Option<String>> {
        let url: Option<Option<String>> =
            sqlx::query_scalar("SELECT webhook_base_url FROM server_identity")
                .fetch_optional(&self.pool)
                .await
                .map_err(map_err)?;
        Ok(url.flatten())
    }

    /// Sets the server's public URL: the schema owner or the server role only.
    pub async fn set_webhook_base_url(&self, url: Option<&str>) -> StoreResult<()> {
        sqlx::query("UPDATE server_identity SET webhook_base_url = $1")
            .bind(url)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    /// The endpoint of an integration, by its id alone: the one lookup across workspaces the
    /// server makes, before it knows whose delivery it holds (trusted sessions only; a
    /// workspace role finds only its own).
    pub async fn webhook_target(
        &self,
        integration: IntegrationId,
    ) -> StoreResult<Option<WebhookTarget>> {
        let mut tx = self.all_tenants_tx().await?;
        let target = sqlx::query_as(
            "SELECT e.tenant_id, e.integration_id, e.secret_hash, i.external_id \
             FROM webhook_endpoints e JOIN integrations i \
               ON i.tenant_id = e.tenant_id AND i.id = e.integration_id \
             WHERE e.integration_id = $1 AND i.provider = 'PANCAKE_POS'",
        )
        .bind(integration)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(target)
    }

    pub async fn webhook_endpoint(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
    ) -> StoreResult<Option<WebhookEndpointRecord>> {
        let mut tx = self.tenant_tx(tenant).await?;
        let endpoint = sqlx::query_as(
            "SELECT tenant_id, integration_id, secret_sealed, registered_url, registered_at, \
             created_at FROM webhook_endpoints WHERE tenant_id = $1 AND integration_id = $2",
        )
        .bind(tenant)
        .bind(integration)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(endpoint)
    }

    /// Creates the endpoint unless it exists; returns the one stored (a concurrent creation
    /// wins, so both callers hold the same secret).
    pub async fn create_webhook_endpoint(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        secret_sealed: &str,
        secret_hash: &str,
    ) -> StoreResult<WebhookEndpointRecord> {
        let mut tx = self.tenant_tx(tenant).await?;
        sqlx::query(
            "INSERT INTO webhook_endpoints (tenant_id, integration_id, secret_sealed, secret_hash) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (tenant_id, integration_id) DO NOTHING",
        )
        .bind(tenant)
        .bind(integration)
        .bind(secret_sealed)
        .bind(secret_hash)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        let endpoint = sqlx::query_as(
            "SELECT tenant_id, integration_id, secret_sealed, registered_url, registered_at, \
             created_at FROM webhook_endpoints WHERE tenant_id = $1 AND integration_id = $2",
        )
        .bind(tenant)
        .bind(integration)
        .fetch_one(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(endpoint)
    }

    /// Records that the endpoint is registered with Pancake at `url` (or no longer: `None`).
    pub async fn set_webhook_registration(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        url: Option<&str>,
    ) -> StoreResult<()> {
        let mut tx = self.tenant_tx(tenant).await?;
        sqlx::query(
            "UPDATE webhook_endpoints SET registered_url = $3, \
             registered_at = CASE WHEN $3::text IS NULL THEN NULL ELSE now() END \
             WHERE tenant_id = $1 AND integration_id = $2",
        )
        .bind(tenant)
        .bind(integration)
        .bind(url)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)
    }

    /// Removes the endpoint: deliveries to it are then refused as for an unknown integration.
    pub async fn delete_webhook_endpoint(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
    ) -> StoreResult<()> {
        let mut tx = self.tenant_tx(tenant).await?;
        sqlx::query("DELETE FROM webhook_endpoints WHERE tenant_id = $1 AND integration_id = $2")
            .bind(tenant)
            .bind(integration)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        tx.commit().await.map_err(map_err)
    }

    /// Writes what a delivery carries and its log line (its outcome told by `outcome_of`
    /// whether a row changed), in one transaction of its workspace. Returns whether a row
    /// changed (false: older than what is stored).
    pub async fn apply_delivery(
        &self,
        target: &WebhookTarget,
        shop_id: i64,
        write: DeliveryWrite<'_>,
        log: DeliveryLog<'_>,
        outcome_of: fn(bool) -> &'static str,
    ) -> StoreResult<bool> {
        let (tenant, integration) = (target.tenant_id, target.integration_id);
        let mut tx = self.tenant_tx(tenant).await?;
        let changed =
            match write {
                DeliveryWrite::Order(order) => {
                    write_orders(
                        &mut tx,
                        tenant,
                        integration,
                        shop_id,
                        std::slice::from_ref(order),
                    )
                    .await?
                        > 0
                }
                DeliveryWrite::Stock {
                    variation_id,
                    warehouse_id,
                    remain_quantity,
                    changed_at,
                } => sqlx::query(
                    "INSERT INTO pancake_stock (tenant_id, integration_id, shop_id, variation_id, \
                     warehouse_id, remain_quantity, changed_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, coalesce($7, now())) \
                     ON CONFLICT (tenant_id, shop_id, variation_id, warehouse_id) DO UPDATE SET \
                         remain_quantity = excluded.remain_quantity, \
                         changed_at = excluded.changed_at \
                     WHERE pancake_stock.changed_at IS NULL \
                        OR excluded.changed_at >= pancake_stock.changed_at",
                )
                .bind(tenant)
                .bind(integration)
                .bind(shop_id)
                .bind(variation_id)
                .bind(warehouse_id)
                .bind(remain_quantity)
                .bind(changed_at)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?
                .rows_affected()
                    > 0,
                DeliveryWrite::Nothing => false,
            };
        let log = DeliveryLog {
            outcome: outcome_of(changed),
            ..log
        };
        insert_delivery(&mut tx, tenant, integration, &log).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(changed)
    }

    /// Logs a delivery that wrote nothing (refused, or of a kind nothing stores).
    pub async fn log_delivery(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        log: &DeliveryLog<'_>,
    ) -> StoreResult<()> {
        let mut tx = self.tenant_tx(tenant).await?;
        insert_delivery(&mut tx, tenant, integration, log).await?;
        tx.commit().await.map_err(map_err)
    }

    /// The latest deliveries to an integration, newest first.
    pub async fn webhook_deliveries(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        limit: i64,
    ) -> StoreResult<Vec<DeliveryRecord>> {
        let mut tx = self.tenant_tx(tenant).await?;
        let rows = sqlx::query_as(
            "SELECT integration_id, received_at, kind, outcome, size_bytes, reference \
             FROM webhook_deliveries WHERE tenant_id = $1 AND integration_id = $2 \
             ORDER BY received_at DESC, id DESC LIMIT $3",
        )
        .bind(tenant)
        .bind(integration)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(rows)
    }

    /// Forgets deliveries older than `before`, in every workspace (the server's housekeeping).
    pub async fn prune_deliveries(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        let mut tx = self.all_tenants_tx().await?;
        let pruned = sqlx::query("DELETE FROM webhook_deliveries WHERE received_at < $1")
            .bind(before)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?
            .rows_affected();
        tx.commit().await.map_err(map_err)?;
        Ok(pruned)
    }
}

async fn insert_delivery(
    tx: &mut Transaction<'static, Postgres>,
    tenant: TenantId,
    integration: IntegrationId,
    log: &DeliveryLog<'_>,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO webhook_deliveries (tenant_id, integration_id, kind, outcome, size_bytes, \
         reference) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(tenant)
    .bind(integration)
    .bind(log.kind)
    .bind(log.outcome)
    .bind(i32::try_from(log.size_bytes).unwrap_or(i32::MAX))
    .bind(log.reference)
    .execute(&mut **tx)
    .await
    .map_err(map_err)?;
    Ok(())
}
