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
/// Serialized straight from the order, without building a `serde_json::Value` per line first.
pub fn order_items_json(order: &integrations_providers::PancakeOrder) -> String {
    let lines: Vec<StoredItem<'_>> = order.items.iter().map(StoredItem::from).collect();
    serde_json::to_string(&lines).expect("order lines serialize")
}

/// One order line as stored; its keys in the order the stored JSON has always had (sorted).
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct StoredItem<'a> {
    bonus: bool,
    name: Option<&'a str>,
    price: Option<i64>,
    product_id: Option<&'a str>,
    quantity: i64,
    sku: Option<&'a str>,
    variation_id: Option<&'a str>,
}

impl<'a> From<&'a integrations_providers::PancakeOrderItem> for StoredItem<'a> {
    fn from(item: &'a integrations_providers::PancakeOrderItem) -> Self {
        Self {
            bonus: item.is_bonus_product,
            name: item.name.as_deref(),
            price: item.price,
            product_id: item.product_id.as_deref(),
            quantity: item.quantity,
            sku: item.sku.as_deref(),
            variation_id: item.variation_id.as_deref(),
        }
    }
}

#[cfg(test)]
mod tests {
    use integrations_providers::{PancakeOrder, PancakeOrderItem};

    use super::*;

    #[test]
    fn order_lines_are_stored_as_the_same_json_text_as_before() {
        let item = |bonus, name: Option<&str>| PancakeOrderItem {
            id: Some("i1".into()),
            product_id: Some("p-1".into()),
            variation_id: None,
            quantity: 3,
            price: Some(125_000),
            discount_each_product: Some(5_000),
            name: name.map(str::to_owned),
            sku: Some("SKU \"1\"".into()),
            is_bonus_product: bonus,
        };
        let order = PancakeOrder {
            items: vec![item(false, Some("Áo dài lụa")), item(true, None)],
            ..PancakeOrder::from_value(serde_json::json!({"id": 1})).unwrap()
        };
        // What the lines were stored as when each was built as a `serde_json::Value`.
        let before = serde_json::Value::Array(
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
        .to_string();
        assert_eq!(order_items_json(&order), before);
        assert_eq!(
            order_items_json(&PancakeOrder::from_value(serde_json::json!({"id": 2})).unwrap()),
            "[]"
        );
    }
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
