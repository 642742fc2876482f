//! The ceiling: the rows the engine syncs, built straight from the fakes' data, written with one
//! raw `COPY ... FROM STDIN` per table in one transaction (see [`integrations_bench::tables`]).
//! And the engine's own write path (`write_batch`, one transaction per page) fed from memory,
//! without any HTTP.

use std::borrow::Cow;

use integrations_bench::tables::{AdRow, Figures, InsightRow, OrderRow, TenantCopy};
use integrations_core::store::{PostgresStore, SyncBatch, SyncStore};
use integrations_fake_servers::data;
use integrations_fake_servers::FakeConfig;
use integrations_providers::{AdInsightRow, PancakeOrder};
use uuid::Uuid;

use crate::setup::SHOP_ID;
use crate::Rows;

/// Every order of the fake shop (removed ones too, as the engine asks for them), as the
/// client parses them; the raw JSON is dropped (it is not stored).
pub fn fixture_orders(config: &FakeConfig) -> anyhow::Result<Vec<PancakeOrder>> {
    let shop = data::shop(SHOP_ID).ok_or_else(|| anyhow::anyhow!("no fake shop {SHOP_ID}"))?;
    (1..=u64::from(config.orders_per_shop))
        .map(|id| {
            let mut order = PancakeOrder::from_value(data::order_json(config, shop, id))
                .map_err(anyhow::Error::msg)?;
            order.raw = serde_json::Value::Null;
            Ok(order)
        })
        .collect()
}

/// Every daily insights row of the fake ad account over its whole history.
pub fn fixture_insights(config: &FakeConfig) -> anyhow::Result<Vec<AdInsightRow>> {
    let mut rows = Vec::new();
    let mut day = config.start().date_naive();
    while day <= config.end_time.date_naive() {
        for ad in data::ads() {
            if data::ad_active_on(config, ad, day) {
                let mut row = AdInsightRow::from_value(data::insights_row(config, ad, day), "VND")
                    .map_err(anyhow::Error::msg)?;
                row.raw = serde_json::Value::Null;
                rows.push(row);
            }
        }
        day = day.succ_opt().unwrap_or(day + chrono::Duration::days(1));
    }
    Ok(rows)
}

impl Rows<'_> {
    /// The ceiling: one `COPY` of the rows in one transaction (for insights, the ads they name
    /// first, into `meta_ads`). Returns the orders or insights rows copied.
    pub async fn copy(
        self,
        store: &PostgresStore,
        tenant: Uuid,
        integration: Uuid,
    ) -> anyhow::Result<u64> {
        let integration = integration.to_string();
        let mut copy = TenantCopy::begin(store.pool(), tenant).await?;
        let copied = match self {
            Rows::Orders(orders) => {
                copy.rows(orders.iter().map(|order| OrderRow {
                    integration_id: &integration,
                    shop_id: SHOP_ID,
                    order_id: order.id,
                    status: order.status,
                    inserted_at: order.inserted_at,
                    updated_at: order.updated_at,
                    total_price: order.total_price,
                    total_discount: order.total_discount,
                    shipping_fee: order.shipping_fee,
                    cod: order.cod,
                    currency: order.order_currency.as_deref(),
                    ad_id: order.ad_id.as_deref(),
                    page_id: order.page_id.as_deref(),
                    utm_source: order.utm_source.as_deref(),
                    utm_campaign: order.utm_campaign.as_deref(),
                    received_at_shop: order.received_at_shop,
                    items: Cow::Owned(integrations_core::store::order_items_json(order)),
                }))
                .await?
            }
            Rows::Insights(rows) => {
                let mut ads = std::collections::BTreeMap::new();
                for row in rows {
                    ads.insert(row.ad_id.as_str(), row);
                }
                copy.rows(ads.into_iter().map(|(ad_id, row)| AdRow {
                    integration_id: &integration,
                    ad_id,
                    ad_name: row.ad_name.as_deref(),
                    adset_id: row.adset_id.as_deref(),
                    adset_name: row.adset_name.as_deref(),
                    campaign_id: row.campaign_id.as_deref(),
                    campaign_name: row.campaign_name.as_deref(),
                }))
                .await?;
                copy.rows(rows.iter().map(|row| InsightRow {
                    integration_id: &integration,
                    currency: "VND",
                    ad_id: &row.ad_id,
                    day: row.date_start,
                    figures: Figures {
                        spend_minor: row.spend_minor,
                        impressions: row.impressions,
                        clicks: row.clicks,
                        reach: row.reach,
                        purchases: row.purchases,
                        purchase_value_minor: row.purchase_value_minor,
                    },
                }))
                .await?
            }
        };
        copy.commit().await?;
        Ok(copied)
    }

    /// The engine's write path alone: one `write_batch` per page of `page_size` orders or
    /// window of `page_size` insights rows, each with the checkpoint the engine saves with it,
    /// one after the other. Returns the rows written.
    pub async fn write_path(
        self,
        store: &dyn SyncStore,
        tenant: Uuid,
        integration: Uuid,
        page_size: usize,
    ) -> anyhow::Result<usize> {
        let page_size = page_size.max(1);
        let pages: Vec<(SyncBatch<'_>, &str, String)> = match self {
            Rows::Orders(orders) => orders
                .chunks(page_size)
                .enumerate()
                .map(|(page, orders)| {
                    let batch = SyncBatch::Orders {
                        shop_id: SHOP_ID,
                        orders,
                    };
                    let cursor = format!(
                        r#"{{"watermark":null,"window":{{"nextPage":{}}}}}"#,
                        page + 2
                    );
                    (batch, "orders", cursor)
                })
                .collect(),
            Rows::Insights(rows) => rows
                .chunks(page_size)
                .map(|window| {
                    let through = window.last().map(|row| row.date_start);
                    let batch = SyncBatch::Insights {
                        currency: "VND",
                        rows: window,
                    };
                    let cursor = serde_json::json!({ "through": through }).to_string();
                    (batch, "insights", cursor)
                })
                .collect(),
        };
        let mut written = 0;
        for (batch, stream, cursor) in pages {
            written += store
                .write_batch(tenant, integration, batch, Some((stream, &cursor)))
                .await?;
        }
        Ok(written)
    }
}

/// Turns the row-version trigger (`<table>_touch`) of a synced table off or on again: for
/// measuring what it costs, never left off.
pub async fn set_touch_trigger(
    store: &PostgresStore,
    table: &str,
    enabled: bool,
) -> anyhow::Result<()> {
    let action = if enabled { "ENABLE" } else { "DISABLE" };
    sqlx::query(&format!(
        "ALTER TABLE {table} {action} TRIGGER {table}_touch"
    ))
    .execute(store.pool())
    .await?;
    Ok(())
}
