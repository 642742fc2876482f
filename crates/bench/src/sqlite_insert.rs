//! The ceiling on SQLite, which has no `COPY`: one plain `INSERT` per row, prepared once (sqlx
//! keeps it in the connection's statement cache) and run in a loop inside one transaction, into
//! the same tables (indexes and all) the engine writes, with one row version for all of it.

use integrations_core::store::{order_items_json, SqliteStore};
use integrations_providers::{AdInsightRow, PancakeOrder};
use sqlx::{Sqlite, Transaction};
use uuid::Uuid;

use crate::setup::SHOP_ID;

/// The store's text form of a time (RFC 3339, microseconds, `Z`), as its own rows hold it.
fn ts(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// A transaction holding the write lock, and the row version its rows carry.
async fn begin(store: &SqliteStore) -> anyhow::Result<(Transaction<'static, Sqlite>, i64)> {
    let mut tx = store.pool().begin().await?;
    let version: i64 = sqlx::query_scalar(
        "UPDATE row_version_counter SET value = value + 1 WHERE id = 1 RETURNING value",
    )
    .fetch_one(&mut *tx)
    .await?;
    Ok((tx, version))
}

/// Inserts all `orders` in one transaction. Returns the rows inserted.
pub async fn insert_orders(
    store: &SqliteStore,
    tenant: Uuid,
    integration: Uuid,
    orders: &[PancakeOrder],
) -> anyhow::Result<u64> {
    let (mut tx, version) = begin(store).await?;
    let (tenant, integration) = (tenant.to_string(), integration.to_string());
    let mut inserted = 0;
    for order in orders {
        inserted += sqlx::query(
            "INSERT INTO pancake_orders (tenant_id, integration_id, shop_id, order_id, status, \
             inserted_at, updated_at, total_price, total_discount, shipping_fee, cod, currency, \
             ad_id, page_id, utm_source, utm_campaign, received_at_shop, items, row_version) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, \
                     ?17, ?18, ?19)",
        )
        .bind(&tenant)
        .bind(&integration)
        .bind(SHOP_ID)
        .bind(order.id)
        .bind(order.status)
        .bind(order.inserted_at.map(ts))
        .bind(order.updated_at.map(ts))
        .bind(order.total_price)
        .bind(order.total_discount)
        .bind(order.shipping_fee)
        .bind(order.cod)
        .bind(&order.order_currency)
        .bind(&order.ad_id)
        .bind(&order.page_id)
        .bind(&order.utm_source)
        .bind(&order.utm_campaign)
        .bind(order.received_at_shop)
        .bind(order_items_json(order))
        .bind(version)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    }
    tx.commit().await?;
    Ok(inserted)
}

/// Inserts the ads the rows name, then all insights `rows`, in one transaction. Returns the
/// insights rows inserted.
pub async fn insert_insights(
    store: &SqliteStore,
    tenant: Uuid,
    integration: Uuid,
    rows: &[AdInsightRow],
) -> anyhow::Result<u64> {
    let (mut tx, version) = begin(store).await?;
    let (tenant, integration) = (tenant.to_string(), integration.to_string());
    let mut ads = std::collections::BTreeMap::new();
    for row in rows {
        ads.insert(row.ad_id.as_str(), row);
    }
    for (ad_id, row) in ads {
        sqlx::query(
            "INSERT INTO meta_ads (tenant_id, integration_id, ad_id, ad_name, adset_id, \
             adset_name, campaign_id, campaign_name, row_version) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&tenant)
        .bind(&integration)
        .bind(ad_id)
        .bind(&row.ad_name)
        .bind(&row.adset_id)
        .bind(&row.adset_name)
        .bind(&row.campaign_id)
        .bind(&row.campaign_name)
        .bind(version)
        .execute(&mut *tx)
        .await?;
    }
    let mut inserted = 0;
    for row in rows {
        inserted += sqlx::query(
            "INSERT INTO meta_ad_insights (tenant_id, integration_id, ad_id, day, currency, \
             spend_minor, impressions, clicks, reach, purchases, purchase_value_minor, \
             row_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&tenant)
        .bind(&integration)
        .bind(&row.ad_id)
        .bind(row.date_start.format("%Y-%m-%d").to_string())
        .bind("VND")
        .bind(row.spend_minor)
        .bind(row.impressions)
        .bind(row.clicks)
        .bind(row.reach)
        .bind(row.purchases)
        .bind(row.purchase_value_minor)
        .bind(version)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    }
    tx.commit().await?;
    Ok(inserted)
}
