//! The ceiling: the rows the engine syncs, built straight from the fakes' data, written with one
//! raw `COPY ... FROM STDIN` per table in one transaction. And the engine's own write path
//! (`write_batch`, one transaction per page) fed from memory, without any HTTP.
//!
//! `COPY FROM` is refused on tables with row-level security in force, so the transaction that
//! sets the tenant also lifts `FORCE ROW LEVEL SECURITY` (the bench's role owns the tables) and
//! puts it back before it commits; triggers and indexes work as for the engine.

use integrations_bench::copy_text::Line;
use integrations_core::store::{PostgresStore, SyncBatch, SyncStore};
use integrations_fake_servers::data;
use integrations_fake_servers::FakeConfig;
use integrations_providers::{AdInsightRow, PancakeOrder};
use sqlx::{Postgres, Transaction};
use uuid::Uuid;

use crate::setup::SHOP_ID;

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

/// The engine's write path alone: `write_batch` per page of `page_size`, each with a checkpoint,
/// one after the other. Returns the rows written.
pub async fn write_path_orders(
    store: &dyn SyncStore,
    tenant: Uuid,
    integration: Uuid,
    orders: &[PancakeOrder],
    page_size: usize,
) -> anyhow::Result<usize> {
    let mut written = 0;
    for (page, rows) in orders.chunks(page_size.max(1)).enumerate() {
        let cursor = format!(
            r#"{{"watermark":null,"window":{{"nextPage":{}}}}}"#,
            page + 2
        );
        written += store
            .write_batch(
                tenant,
                integration,
                SyncBatch::Orders {
                    shop_id: SHOP_ID,
                    orders: rows,
                },
                Some(("orders", &cursor)),
            )
            .await?;
    }
    Ok(written)
}

/// The engine's write path alone for insights, in windows of `window_rows` rows.
pub async fn write_path_insights(
    store: &dyn SyncStore,
    tenant: Uuid,
    integration: Uuid,
    rows: &[AdInsightRow],
    window_rows: usize,
) -> anyhow::Result<usize> {
    let mut written = 0;
    for window in rows.chunks(window_rows.max(1)) {
        let through = window.last().map(|row| row.date_start);
        let cursor = serde_json::json!({ "through": through }).to_string();
        written += store
            .write_batch(
                tenant,
                integration,
                SyncBatch::Insights {
                    currency: "VND",
                    rows: window,
                },
                Some(("insights", &cursor)),
            )
            .await?;
    }
    Ok(written)
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

/// `COPY pancake_orders` of all `orders` in one transaction. Returns the rows copied.
pub async fn copy_orders(
    store: &PostgresStore,
    tenant: Uuid,
    integration: Uuid,
    orders: &[PancakeOrder],
) -> anyhow::Result<u64> {
    let mut tx = tenant_tx(store, tenant, "pancake_orders").await?;
    let mut copy = tx
        .copy_in_raw(
            "COPY pancake_orders (tenant_id, integration_id, shop_id, order_id, status, \
             inserted_at, updated_at, total_price, total_discount, shipping_fee, cod, currency, \
             ad_id, page_id, utm_source, utm_campaign, received_at_shop, items) FROM STDIN",
        )
        .await?;
    let (tenant, integration) = (tenant.to_string(), integration.to_string());
    let mut line = Line::default();
    for order in orders {
        line.text(&tenant);
        line.text(&integration);
        line.value(SHOP_ID);
        line.value(order.id);
        line.value(order.status as i32);
        line.time(order.inserted_at);
        line.time(order.updated_at);
        line.value(order.total_price);
        line.value(order.total_discount);
        line.value(order.shipping_fee);
        line.value(order.cod);
        line.opt_text(order.order_currency.as_deref());
        line.opt_text(order.ad_id.as_deref());
        line.opt_text(order.page_id.as_deref());
        line.opt_text(order.utm_source.as_deref());
        line.opt_text(order.utm_campaign.as_deref());
        match order.received_at_shop {
            Some(at_shop) => line.value(if at_shop { "t" } else { "f" }),
            None => line.null(),
        }
        line.text(&integrations_core::store::order_items_json(order));
        line.end_into(&mut copy).await?;
    }
    let copied = line.finish(copy).await?;
    finish(tx, "pancake_orders").await?;
    Ok(copied)
}

/// `COPY meta_ads` (the ads named by the rows) and `COPY meta_ad_insights` in one transaction.
/// Returns the insights rows copied.
pub async fn copy_insights(
    store: &PostgresStore,
    tenant: Uuid,
    integration: Uuid,
    rows: &[AdInsightRow],
) -> anyhow::Result<u64> {
    let mut tx = tenant_tx(store, tenant, "meta_ad_insights").await?;
    lift_force(&mut tx, "meta_ads").await?;
    let (tenant, integration) = (tenant.to_string(), integration.to_string());

    let mut ads = std::collections::BTreeMap::new();
    for row in rows {
        ads.insert(row.ad_id.as_str(), row);
    }
    let mut line = Line::default();
    for (ad_id, row) in ads {
        line.text(&tenant);
        line.text(&integration);
        line.text(ad_id);
        line.opt_text(row.ad_name.as_deref());
        line.opt_text(row.adset_id.as_deref());
        line.opt_text(row.adset_name.as_deref());
        line.opt_text(row.campaign_id.as_deref());
        line.opt_text(row.campaign_name.as_deref());
        line.end();
    }
    let copy = tx
        .copy_in_raw(
            "COPY meta_ads (tenant_id, integration_id, ad_id, ad_name, adset_id, adset_name, \
             campaign_id, campaign_name) FROM STDIN",
        )
        .await?;
    line.finish(copy).await?;

    let mut copy = tx
        .copy_in_raw(
            "COPY meta_ad_insights (tenant_id, integration_id, currency, ad_id, day, spend_minor, \
             impressions, clicks, reach, purchases, purchase_value_minor) FROM STDIN",
        )
        .await?;
    for row in rows {
        line.text(&tenant);
        line.text(&integration);
        line.value("VND");
        line.text(&row.ad_id);
        line.day(row.date_start);
        line.value(row.spend_minor);
        line.value(row.impressions);
        line.value(row.clicks);
        line.value(row.reach);
        line.value(row.purchases);
        line.value(row.purchase_value_minor);
        line.end_into(&mut copy).await?;
    }
    let copied = line.finish(copy).await?;
    restore_force(&mut tx, "meta_ads").await?;
    finish(tx, "meta_ad_insights").await?;
    Ok(copied)
}

/// A transaction as the tenant (`app.tenant_id`, as the store sets it), with `table` open to COPY.
async fn tenant_tx(
    store: &PostgresStore,
    tenant: Uuid,
    table: &str,
) -> anyhow::Result<Transaction<'static, Postgres>> {
    let mut tx = store.pool().begin().await?;
    sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
        .bind(tenant.to_string())
        .execute(&mut *tx)
        .await?;
    lift_force(&mut tx, table).await?;
    Ok(tx)
}

async fn finish(mut tx: Transaction<'static, Postgres>, table: &str) -> anyhow::Result<()> {
    restore_force(&mut tx, table).await?;
    tx.commit().await?;
    Ok(())
}

async fn lift_force(tx: &mut Transaction<'static, Postgres>, table: &str) -> anyhow::Result<()> {
    sqlx::query(&format!("ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY"))
        .execute(&mut **tx)
        .await?;
    Ok(())
}

async fn restore_force(tx: &mut Transaction<'static, Postgres>, table: &str) -> anyhow::Result<()> {
    sqlx::query(&format!("ALTER TABLE {table} FORCE ROW LEVEL SECURITY"))
        .execute(&mut **tx)
        .await?;
    Ok(())
}
