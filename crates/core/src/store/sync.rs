//! What a sync writes: its runs (the history), each stream's checkpoint, and the synced rows
//! (orders, variations and stock, ads and their daily insights).

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::decode::{DbCounts, DbUuid};
use super::StoreResult;
use crate::domain::{IntegrationId, TenantId};

/// One sync run as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SyncRunRecord {
    #[sqlx(try_from = "DbUuid")]
    pub id: uuid::Uuid,
    #[sqlx(try_from = "DbUuid")]
    pub tenant_id: TenantId,
    #[sqlx(try_from = "DbUuid")]
    pub integration_id: IntegrationId,
    /// `SCHEDULE` or `MANUAL`.
    pub trigger: String,
    /// `RUNNING`, `SUCCEEDED`, `FAILED` or `INTERRUPTED`.
    pub outcome: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// Records written per stream.
    #[sqlx(try_from = "DbCounts")]
    pub counts: std::collections::BTreeMap<String, i64>,
    pub error: Option<String>,
    pub error_code: Option<String>,
    pub worker: String,
}

/// Rows fetched from a provider, written together with the stream's checkpoint.
#[derive(Debug, Clone, Copy)]
pub enum SyncBatch<'a> {
    Orders {
        shop_id: i64,
        orders: &'a [integrations_providers::PancakeOrder],
    },
    Variations {
        shop_id: i64,
        variations: &'a [integrations_providers::PancakeVariation],
    },
    Insights {
        currency: &'a str,
        rows: &'a [integrations_providers::AdInsightRow],
    },
}

impl SyncBatch<'_> {
    pub fn len(&self) -> usize {
        match self {
            Self::Orders { orders, .. } => orders.len(),
            Self::Variations { variations, .. } => variations.len(),
            Self::Insights { rows, .. } => rows.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// An order's lines as stored (`items`): the same JSON from both stores and the benchmark.
pub fn order_items_json(order: &integrations_providers::PancakeOrder) -> String {
    serde_json::Value::Array(
        order
            .items
            .iter()
            .map(|item| {
                serde_json::json!({
                    "variationId": item.variation_id,
                    "productId": item.product_id,
                    "name": item.name,
                    "sku": item.sku,
                    "quantity": item.quantity,
                    "price": item.price,
                    "bonus": item.is_bonus_product,
                })
            })
            .collect(),
    )
    .to_string()
}

/// The synced tables, named so no caller builds SQL from a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncedTable {
    PancakeOrders,
    PancakeVariations,
    PancakeStock,
    MetaAds,
    MetaAdInsights,
}

impl SyncedTable {
    pub fn name(self) -> &'static str {
        match self {
            Self::PancakeOrders => "pancake_orders",
            Self::PancakeVariations => "pancake_variations",
            Self::PancakeStock => "pancake_stock",
            Self::MetaAds => "meta_ads",
            Self::MetaAdInsights => "meta_ad_insights",
        }
    }
}

/// The sync engine's persistence: run history, checkpoints and synced rows.
#[async_trait]
pub trait SyncStore: Send + Sync {
    async fn insert_run(&self, run: &SyncRunRecord) -> StoreResult<()>;
    /// Writes the outcome, end, counts and error of a run.
    async fn update_run(&self, run: &SyncRunRecord) -> StoreResult<()>;
    /// Marks a run that lost its worker as INTERRUPTED (if it still says RUNNING).
    async fn interrupt_run(&self, tenant: TenantId, run: uuid::Uuid) -> StoreResult<()>;
    /// Newest first.
    async fn runs(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        limit: i64,
    ) -> StoreResult<Vec<SyncRunRecord>>;

    async fn cursor(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        stream: &str,
    ) -> StoreResult<Option<String>>;
    /// Upserts the rows on their natural keys and, in the same transaction, moves the stream's
    /// checkpoint (`Some((stream, cursor_json))`). Returns the rows written.
    async fn write_batch(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        batch: SyncBatch<'_>,
        checkpoint: Option<(&str, &str)>,
    ) -> StoreResult<usize>;
    /// Rows of a synced table for one integration (`pancake_orders`, …), for status and tests.
    async fn synced_count(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        table: SyncedTable,
    ) -> StoreResult<i64>;
}
