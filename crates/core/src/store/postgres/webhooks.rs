//! Webhook endpoints, deliveries and what a delivery writes. Inherent methods, not a store
//! trait: only the PostgreSQL server has them (see `store/webhooks.rs`).

use chrono::{DateTime, Utc};
use sqlx::{Postgres, Transaction};

use super::rows::{write_orders, write_variations};
use super::PostgresStore;
use crate::domain::{IntegrationId, TenantId};
use crate::store::webhooks::{DeliveryRecord, WebhookEndpointRecord, WebhookTarget};
use crate::store::StoreResult;

/// What a delivery asks to write.
pub enum DeliveryWrite<'a> {
    Order(&'a integrations_providers::PancakeOrder),
    /// A product's variations, as a sync writes them; those older than the stored ones are left.
    Variations(&'a [integrations_providers::PancakeVariation]),
    Stock {
        variation_id: &'a str,
        warehouse_id: &'a str,
        remain_quantity: i64,
        changed_at: Option<DateTime<Utc>>,
    },
    /// Nothing to write but the log line.
    Nothing,
}

/// A delivery's one transaction: opened across workspaces to find the endpoint by the id in the
/// path ([`PostgresStore::open_delivery`]), then narrowed to the endpoint's workspace to write
/// what the delivery carries and its log line ([`DeliveryTx::take`]), or the refusal's
/// ([`DeliveryTx::refuse`]). Dropped (an unknown integration, a sender that stalls), it rolls
/// back at once, in the background: a dropped transaction would otherwise wait for its
/// connection's next use, holding its locks.
pub struct DeliveryTx {
    tx: Option<Transaction<'static, Postgres>>,
}

impl Drop for DeliveryTx {
    fn drop(&mut self) {
        if let (Some(tx), Ok(runtime)) = (self.tx.take(), tokio::runtime::Handle::try_current()) {
            runtime.spawn(async move {
                let _ = tx.rollback().await;
            });
        }
    }
}

/// Refused deliveries logged per integration and hour at most: past it, a refusal is only
/// counted in the server's metrics, so a caller without the secret cannot fill a workspace's log.
pub const REFUSALS_LOGGED_PER_HOUR: i64 = 100;

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
                .await?;
        Ok(url.flatten())
    }

    /// Sets the server's public URL: the schema owner or the server role only.
    pub async fn set_webhook_base_url(&self, url: Option<&str>) -> StoreResult<()> {
        sqlx::query("UPDATE server_identity SET webhook_base_url = $1")
            .bind(url)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Opens a delivery's transaction and finds the endpoint of the integration in its path,
    /// by its id alone: the one lookup across workspaces the server makes, before it knows whose
    /// delivery it holds (trusted sessions only; a workspace role finds only its own).
    pub async fn open_delivery(
        &self,
        integration: IntegrationId,
    ) -> StoreResult<(DeliveryTx, Option<WebhookTarget>)> {
        let mut tx = self.all_tenants_tx().await?;
        let target = sqlx::query_as(
            "SELECT e.tenant_id, e.integration_id, e.secret_hash, i.external_id \
             FROM webhook_endpoints e JOIN integrations i \
               ON i.tenant_id = e.tenant_id AND i.id = e.integration_id \
             WHERE e.integration_id = $1 AND i.provider = 'PANCAKE_POS'",
        )
        .bind(integration)
        .fetch_optional(&mut *tx)
        .await?;
        Ok((DeliveryTx { tx: Some(tx) }, target))
    }

    pub async fn webhook_endpoint(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
    ) -> StoreResult<Option<WebhookEndpointRecord>> {
        let statement = sqlx::query_as(
            "SELECT tenant_id, integration_id, secret_sealed, registered_url, registered_at, \
             created_at FROM webhook_endpoints WHERE tenant_id = $1 AND integration_id = $2",
        )
        .bind(tenant)
        .bind(integration);
        self.as_tenant(tenant, async |tx| statement.fetch_optional(tx).await)
            .await
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
        .await?;
        let endpoint = sqlx::query_as(
            "SELECT tenant_id, integration_id, secret_sealed, registered_url, registered_at, \
             created_at FROM webhook_endpoints WHERE tenant_id = $1 AND integration_id = $2",
        )
        .bind(tenant)
        .bind(integration)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(endpoint)
    }

    /// Records that the endpoint is registered with Pancake at `url` (or no longer: `None`).
    pub async fn set_webhook_registration(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        url: Option<&str>,
    ) -> StoreResult<()> {
        let statement = sqlx::query(
            "UPDATE webhook_endpoints SET registered_url = $3, \
             registered_at = CASE WHEN $3::text IS NULL THEN NULL ELSE now() END \
             WHERE tenant_id = $1 AND integration_id = $2",
        )
        .bind(tenant)
        .bind(integration)
        .bind(url);
        self.execute_as(tenant, statement).await
    }

    /// Removes the endpoint: deliveries to it are then refused as for an unknown integration.
    pub async fn delete_webhook_endpoint(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
    ) -> StoreResult<()> {
        let statement = sqlx::query(
            "DELETE FROM webhook_endpoints WHERE tenant_id = $1 AND integration_id = $2",
        )
        .bind(tenant)
        .bind(integration);
        self.execute_as(tenant, statement).await
    }

    /// The latest deliveries to an integration, newest first.
    pub async fn webhook_deliveries(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        limit: i64,
    ) -> StoreResult<Vec<DeliveryRecord>> {
        let statement = sqlx::query_as(
            "SELECT integration_id, received_at, kind, outcome, size_bytes, reference \
             FROM webhook_deliveries WHERE tenant_id = $1 AND integration_id = $2 \
             ORDER BY received_at DESC, id DESC LIMIT $3",
        )
        .bind(tenant)
        .bind(integration)
        .bind(limit);
        self.as_tenant(tenant, async |tx| statement.fetch_all(tx).await)
            .await
    }

    /// Forgets deliveries older than `before`, in every workspace (the server's housekeeping).
    pub async fn prune_deliveries(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        self.across_tenants(async |tx| {
            sqlx::query("DELETE FROM webhook_deliveries WHERE received_at < $1")
                .bind(before)
                .execute(&mut *tx)
                .await
                .map(|done| done.rows_affected())
        })
        .await
    }
}

impl DeliveryTx {
    /// The transaction, narrowed: from here on it sees and writes the endpoint's workspace only.
    async fn narrow(&mut self, tenant: TenantId) -> StoreResult<Transaction<'static, Postgres>> {
        let mut tx = self
            .tx
            .take()
            .expect("a delivery's transaction is used once");
        sqlx::query(
            "SELECT set_config('app.tenant_id', $1, true), \
                    set_config('app.all_tenants', 'off', true)",
        )
        .bind(tenant.to_string())
        .execute(&mut *tx)
        .await?;
        Ok(tx)
    }

    /// Writes what the delivery carries and its log line (its outcome told by `outcome_of`
    /// whether a row changed), and commits. Returns whether a row changed (false: older than
    /// what is stored).
    pub async fn take(
        mut self,
        target: &WebhookTarget,
        shop_id: i64,
        write: DeliveryWrite<'_>,
        log: DeliveryLog<'_>,
        outcome_of: fn(bool) -> &'static str,
    ) -> StoreResult<bool> {
        let (tenant, integration) = (target.tenant_id, target.integration_id);
        let mut tx = self.narrow(tenant).await?;
        let changed = match write {
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
            } => {
                write_stock_change(
                    &mut tx,
                    target,
                    shop_id,
                    variation_id,
                    warehouse_id,
                    remain_quantity,
                    changed_at,
                )
                .await?
            }
            DeliveryWrite::Variations(variations) => {
                write_newer_variations(&mut tx, target, shop_id, variations).await?
            }
            DeliveryWrite::Nothing => false,
        };
        let log = DeliveryLog {
            outcome: outcome_of(changed),
            ..log
        };
        insert_delivery(&mut tx, tenant, integration, &log).await?;
        tx.commit().await?;
        Ok(changed)
    }

    /// Logs a refused delivery, unless [`REFUSALS_LOGGED_PER_HOUR`] refusals to the integration
    /// are logged already in the last hour, and commits. Returns whether it was logged.
    pub async fn refuse(
        mut self,
        target: &WebhookTarget,
        log: &DeliveryLog<'_>,
    ) -> StoreResult<bool> {
        let mut tx = self.narrow(target.tenant_id).await?;
        let logged = sqlx::query(
            "INSERT INTO webhook_deliveries (tenant_id, integration_id, kind, outcome, \
             size_bytes, reference) \
             SELECT $1, $2, $3, $4, $5, $6 \
             WHERE (SELECT count(*) FROM (SELECT 1 FROM webhook_deliveries \
                    WHERE tenant_id = $1 AND integration_id = $2 \
                      AND outcome NOT IN ('stored', 'unchanged', 'ignored') \
                      AND received_at > now() - interval '1 hour' LIMIT $7) recent) < $7",
        )
        .bind(target.tenant_id)
        .bind(target.integration_id)
        .bind(log.kind)
        .bind(log.outcome)
        .bind(i32::try_from(log.size_bytes).unwrap_or(i32::MAX))
        .bind(log.reference)
        .bind(REFUSALS_LOGGED_PER_HOUR)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            > 0;
        tx.commit().await?;
        Ok(logged)
    }
}

/// A stock line moves only forward in time; the variation's total (over its warehouses, as
/// Pancake gives it and a sync stores it) follows the lines.
async fn write_stock_change(
    tx: &mut Transaction<'static, Postgres>,
    target: &WebhookTarget,
    shop_id: i64,
    variation_id: &str,
    warehouse_id: &str,
    remain_quantity: i64,
    changed_at: Option<DateTime<Utc>>,
) -> StoreResult<bool> {
    let changed = sqlx::query(
        "INSERT INTO pancake_stock (tenant_id, integration_id, shop_id, variation_id, \
         warehouse_id, remain_quantity, changed_at) \
         VALUES ($1, $2, $3, $4, $5, $6, coalesce($7, now())) \
         ON CONFLICT (tenant_id, shop_id, variation_id, warehouse_id) DO UPDATE SET \
             remain_quantity = excluded.remain_quantity, \
             changed_at = excluded.changed_at \
         WHERE pancake_stock.changed_at IS NULL \
            OR excluded.changed_at >= pancake_stock.changed_at",
    )
    .bind(target.tenant_id)
    .bind(target.integration_id)
    .bind(shop_id)
    .bind(variation_id)
    .bind(warehouse_id)
    .bind(remain_quantity)
    .bind(changed_at)
    .execute(&mut **tx)
    .await?
    .rows_affected()
        > 0;
    if changed {
        sqlx::query(
            "UPDATE pancake_variations v SET remain_quantity = lines.total \
             FROM (SELECT coalesce(sum(remain_quantity), 0)::bigint AS total FROM pancake_stock \
                   WHERE tenant_id = $1 AND shop_id = $2 AND variation_id = $3) lines \
             WHERE v.tenant_id = $1 AND v.shop_id = $2 AND v.variation_id = $3 \
               AND v.remain_quantity <> lines.total",
        )
        .bind(target.tenant_id)
        .bind(shop_id)
        .bind(variation_id)
        .execute(&mut **tx)
        .await?;
    }
    Ok(changed)
}

/// A product's variations, written as a sync writes them (the variation, and its stock per
/// warehouse replaced whole when the delivery lists it), except those whose stored
/// `updated_at` is newer: a late delivery never undoes a fresher sync or delivery.
async fn write_newer_variations(
    tx: &mut Transaction<'static, Postgres>,
    target: &WebhookTarget,
    shop_id: i64,
    variations: &[integrations_providers::PancakeVariation],
) -> StoreResult<bool> {
    let ids: Vec<String> = variations.iter().map(|v| v.id.clone()).collect();
    let stored: std::collections::HashMap<String, Option<DateTime<Utc>>> = sqlx::query_as(
        "SELECT variation_id, updated_at FROM pancake_variations \
         WHERE tenant_id = $1 AND shop_id = $2 AND variation_id = ANY($3::text[]) FOR UPDATE",
    )
    .bind(target.tenant_id)
    .bind(shop_id)
    .bind(&ids)
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .collect();
    let mut newer = Vec::new();
    for variation in variations {
        let older = match stored.get(&variation.id) {
            Some(Some(stored_at)) => variation.updated_at.is_none_or(|at| at < *stored_at),
            _ => false,
        };
        if older {
            continue;
        }
        let mut variation = variation.clone();
        // No stock per warehouse in the delivery: keep the stored lines (a sync's write
        // replaces them whole with what it is given).
        if variation.raw.get("variations_warehouses").is_none() {
            let lines: Vec<(String, i64)> = sqlx::query_as(
                "SELECT warehouse_id, remain_quantity FROM pancake_stock \
                 WHERE tenant_id = $1 AND shop_id = $2 AND variation_id = $3",
            )
            .bind(target.tenant_id)
            .bind(shop_id)
            .bind(&variation.id)
            .fetch_all(&mut **tx)
            .await?;
            variation.stock = lines
                .into_iter()
                .map(
                    |(warehouse_id, remain_quantity)| integrations_providers::VariationStock {
                        warehouse_id,
                        remain_quantity,
                        actual_remain_quantity: None,
                        available_quantity: None,
                        avg_price: None,
                    },
                )
                .collect();
        }
        // No total either: the lines' sum, which is what Pancake's total is.
        if variation.raw.get("remain_quantity").is_none() {
            variation.remain_quantity = variation.stock.iter().map(|s| s.remain_quantity).sum();
        }
        newer.push(variation);
    }
    Ok(write_variations(tx, target.tenant_id, target.integration_id, shop_id, &newer).await? > 0)
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
    .await?;
    Ok(())
}
