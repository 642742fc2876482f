//! The synced rows: one statement per batch and table, arrays unnested server-side, upserted on
//! the natural keys; and the stream's checkpoint, in the same transaction.

use chrono::{DateTime, Utc};
use sqlx::{Postgres, Transaction};

use crate::domain::{IntegrationId, TenantId};
use crate::store::{order_items_json, StoreResult};

pub(super) async fn write_checkpoint(
    tx: &mut Transaction<'static, Postgres>,
    tenant: TenantId,
    integration: IntegrationId,
    checkpoint: Option<(&str, &str)>,
) -> StoreResult<()> {
    if let Some((stream, cursor)) = checkpoint {
        sqlx::query(
            "INSERT INTO sync_cursors (tenant_id, integration_id, stream, cursor, updated_at) \
             VALUES ($1, $2, $3, $4::jsonb, now()) ON CONFLICT (tenant_id, integration_id, stream) \
             DO UPDATE SET cursor = excluded.cursor, updated_at = now()",
        )
        .bind(tenant)
        .bind(integration)
        .bind(stream)
        .bind(cursor)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// One statement per batch: arrays unnested server-side, upserted on the natural key, keeping
/// the newer version of an order (a late page must not undo a fresher one).
pub(super) async fn write_orders(
    tx: &mut Transaction<'static, Postgres>,
    tenant: TenantId,
    integration: IntegrationId,
    shop_id: i64,
    orders: &[integrations_providers::PancakeOrder],
) -> StoreResult<usize> {
    if orders.is_empty() {
        return Ok(0);
    }
    // One statement cannot touch a row twice: a page that repeats an order keeps its newest.
    let orders = newest_per_key(orders, |o| o.id, |o| o.updated_at);
    let orders = orders.as_slice();
    let ids: Vec<i64> = orders.iter().map(|o| o.id).collect();
    let statuses: Vec<i32> = orders.iter().map(|o| o.status as i32).collect();
    let inserted: Vec<Option<DateTime<Utc>>> = orders.iter().map(|o| o.inserted_at).collect();
    let updated: Vec<Option<DateTime<Utc>>> = orders.iter().map(|o| o.updated_at).collect();
    let totals: Vec<i64> = orders.iter().map(|o| o.total_price).collect();
    let discounts: Vec<i64> = orders.iter().map(|o| o.total_discount).collect();
    let shipping: Vec<i64> = orders.iter().map(|o| o.shipping_fee).collect();
    let cod: Vec<i64> = orders.iter().map(|o| o.cod).collect();
    let currency: Vec<Option<String>> = orders.iter().map(|o| o.order_currency.clone()).collect();
    let ad_ids: Vec<Option<String>> = orders.iter().map(|o| o.ad_id.clone()).collect();
    let pages: Vec<Option<String>> = orders.iter().map(|o| o.page_id.clone()).collect();
    let utm_source: Vec<Option<String>> = orders.iter().map(|o| o.utm_source.clone()).collect();
    let utm_campaign: Vec<Option<String>> = orders.iter().map(|o| o.utm_campaign.clone()).collect();
    let at_shop: Vec<Option<bool>> = orders.iter().map(|o| o.received_at_shop).collect();
    let items: Vec<String> = orders.iter().map(|o| order_items_json(o)).collect();
    let result = sqlx::query(
        "INSERT INTO pancake_orders (tenant_id, integration_id, shop_id, order_id, status, \
         inserted_at, updated_at, total_price, total_discount, shipping_fee, cod, currency, ad_id, \
         page_id, utm_source, utm_campaign, received_at_shop, items) \
         SELECT $1, $2, $3, t.order_id, t.status, t.inserted_at, t.updated_at, t.total_price, \
                t.total_discount, t.shipping_fee, t.cod, t.currency, t.ad_id, t.page_id, \
                t.utm_source, t.utm_campaign, t.received_at_shop, t.items::jsonb \
         FROM UNNEST($4::bigint[], $5::int[], $6::timestamptz[], $7::timestamptz[], \
                     $8::bigint[], $9::bigint[], $10::bigint[], $11::bigint[], $12::text[], \
                     $13::text[], $14::text[], $15::text[], $16::text[], $17::boolean[], \
                     $18::text[]) \
              AS t(order_id, status, inserted_at, updated_at, total_price, total_discount, \
                   shipping_fee, cod, currency, ad_id, page_id, utm_source, utm_campaign, \
                   received_at_shop, items) \
         ON CONFLICT (tenant_id, shop_id, order_id) DO UPDATE SET \
             integration_id = excluded.integration_id, status = excluded.status, \
             inserted_at = excluded.inserted_at, updated_at = excluded.updated_at, \
             total_price = excluded.total_price, total_discount = excluded.total_discount, \
             shipping_fee = excluded.shipping_fee, cod = excluded.cod, \
             currency = excluded.currency, ad_id = excluded.ad_id, page_id = excluded.page_id, \
             utm_source = excluded.utm_source, utm_campaign = excluded.utm_campaign, \
             received_at_shop = excluded.received_at_shop, items = excluded.items \
         WHERE pancake_orders.updated_at IS NULL OR excluded.updated_at IS NULL \
            OR excluded.updated_at >= pancake_orders.updated_at",
    )
    .bind(tenant)
    .bind(integration)
    .bind(shop_id)
    .bind(&ids)
    .bind(&statuses)
    .bind(&inserted)
    .bind(&updated)
    .bind(&totals)
    .bind(&discounts)
    .bind(&shipping)
    .bind(&cod)
    .bind(&currency)
    .bind(&ad_ids)
    .bind(&pages)
    .bind(&utm_source)
    .bind(&utm_campaign)
    .bind(&at_shop)
    .bind(&items)
    .execute(&mut **tx)
    .await?;
    Ok(result.rows_affected() as usize)
}

/// The rows with each key once: the one with the newest `at`, else the last seen. A version
/// without `at` cannot be ordered, so it is taken as the later read, as the statement's `WHERE`
/// (and SQLite's row-by-row upsert) takes it across batches.
fn newest_per_key<'a, T, K: Ord>(
    rows: &'a [T],
    key: impl Fn(&T) -> K,
    at: impl Fn(&T) -> Option<DateTime<Utc>>,
) -> Vec<&'a T> {
    let mut chosen: std::collections::BTreeMap<K, &'a T> = std::collections::BTreeMap::new();
    for row in rows {
        match chosen.entry(key(row)) {
            std::collections::btree_map::Entry::Vacant(slot) => {
                slot.insert(row);
            }
            std::collections::btree_map::Entry::Occupied(mut slot) => {
                let later_wins = match (at(row), at(slot.get())) {
                    (Some(new), Some(kept)) => new >= kept,
                    _ => true,
                };
                if later_wins {
                    slot.insert(row);
                }
            }
        }
    }
    chosen.into_values().collect()
}

pub(super) async fn write_variations(
    tx: &mut Transaction<'static, Postgres>,
    tenant: TenantId,
    integration: IntegrationId,
    shop_id: i64,
    variations: &[integrations_providers::PancakeVariation],
) -> StoreResult<usize> {
    if variations.is_empty() {
        return Ok(0);
    }
    let ids: Vec<String> = variations.iter().map(|v| v.id.clone()).collect();
    let products: Vec<Option<String>> = variations.iter().map(|v| v.product_id.clone()).collect();
    let names: Vec<Option<String>> = variations.iter().map(|v| v.product_name.clone()).collect();
    let skus: Vec<Option<String>> = variations.iter().map(|v| v.display_id.clone()).collect();
    let prices: Vec<i64> = variations.iter().map(|v| v.retail_price).collect();
    let remain: Vec<i64> = variations.iter().map(|v| v.remain_quantity).collect();
    let hidden: Vec<bool> = variations.iter().map(|v| v.is_hidden).collect();
    let updated: Vec<Option<DateTime<Utc>>> = variations.iter().map(|v| v.updated_at).collect();
    let written = sqlx::query(
        "INSERT INTO pancake_variations (tenant_id, integration_id, shop_id, variation_id, \
         product_id, product_name, sku, retail_price, remain_quantity, is_hidden, updated_at) \
         SELECT $1, $2, $3, t.* FROM UNNEST($4::text[], $5::text[], $6::text[], $7::text[], \
         $8::bigint[], $9::bigint[], $10::boolean[], $11::timestamptz[]) AS t \
         ON CONFLICT (tenant_id, shop_id, variation_id) DO UPDATE SET \
             integration_id = excluded.integration_id, product_id = excluded.product_id, \
             product_name = excluded.product_name, sku = excluded.sku, \
             retail_price = excluded.retail_price, remain_quantity = excluded.remain_quantity, \
             is_hidden = excluded.is_hidden, updated_at = excluded.updated_at",
    )
    .bind(tenant)
    .bind(integration)
    .bind(shop_id)
    .bind(&ids)
    .bind(&products)
    .bind(&names)
    .bind(&skus)
    .bind(&prices)
    .bind(&remain)
    .bind(&hidden)
    .bind(&updated)
    .execute(&mut **tx)
    .await?
    .rows_affected() as usize;
    // Stock is the variation's current picture: replace it whole. Written after the variation,
    // so every current line has a later row version than it: a mirror drops the lines older
    // than the variation it pulls (those of a warehouse no longer listed).
    sqlx::query(
        "DELETE FROM pancake_stock WHERE tenant_id = $1 AND shop_id = $2 \
         AND variation_id = ANY($3::text[])",
    )
    .bind(tenant)
    .bind(shop_id)
    .bind(&ids)
    .execute(&mut **tx)
    .await?;
    let mut stock_variation = Vec::new();
    let mut stock_warehouse = Vec::new();
    let mut stock_remain = Vec::new();
    for variation in variations {
        for stock in &variation.stock {
            stock_variation.push(variation.id.clone());
            stock_warehouse.push(stock.warehouse_id.clone());
            stock_remain.push(stock.remain_quantity);
        }
    }
    sqlx::query(
        "INSERT INTO pancake_stock (tenant_id, integration_id, shop_id, variation_id, \
         warehouse_id, remain_quantity) \
         SELECT $1, $2, $3, t.* FROM UNNEST($4::text[], $5::text[], $6::bigint[]) AS t \
         ON CONFLICT (tenant_id, shop_id, variation_id, warehouse_id) DO UPDATE SET \
             remain_quantity = excluded.remain_quantity",
    )
    .bind(tenant)
    .bind(integration)
    .bind(shop_id)
    .bind(&stock_variation)
    .bind(&stock_warehouse)
    .bind(&stock_remain)
    .execute(&mut **tx)
    .await?;
    Ok(written)
}

pub(super) async fn write_insights(
    tx: &mut Transaction<'static, Postgres>,
    tenant: TenantId,
    integration: IntegrationId,
    currency: &str,
    rows: &[integrations_providers::AdInsightRow],
) -> StoreResult<usize> {
    if rows.is_empty() {
        return Ok(0);
    }
    // The names of each ad, once per batch (the last row wins: the newest day).
    let mut ads: std::collections::BTreeMap<&str, &integrations_providers::AdInsightRow> =
        std::collections::BTreeMap::new();
    for row in rows {
        ads.insert(row.ad_id.as_str(), row);
    }
    let ad_ids: Vec<String> = ads.keys().map(|id| (*id).to_owned()).collect();
    let ad_names: Vec<Option<String>> = ads.values().map(|r| r.ad_name.clone()).collect();
    let adset_ids: Vec<Option<String>> = ads.values().map(|r| r.adset_id.clone()).collect();
    let adset_names: Vec<Option<String>> = ads.values().map(|r| r.adset_name.clone()).collect();
    let campaign_ids: Vec<Option<String>> = ads.values().map(|r| r.campaign_id.clone()).collect();
    let campaign_names: Vec<Option<String>> =
        ads.values().map(|r| r.campaign_name.clone()).collect();
    sqlx::query(
        "INSERT INTO meta_ads (tenant_id, integration_id, ad_id, ad_name, adset_id, adset_name, \
         campaign_id, campaign_name) \
         SELECT $1, $2, t.* FROM UNNEST($3::text[], $4::text[], $5::text[], $6::text[], \
         $7::text[], $8::text[]) AS t \
         ON CONFLICT (tenant_id, ad_id) DO UPDATE SET integration_id = excluded.integration_id, \
             ad_name = excluded.ad_name, adset_id = excluded.adset_id, \
             adset_name = excluded.adset_name, campaign_id = excluded.campaign_id, \
             campaign_name = excluded.campaign_name \
         WHERE (meta_ads.ad_name, meta_ads.adset_id, meta_ads.adset_name, meta_ads.campaign_id, \
                meta_ads.campaign_name) IS DISTINCT FROM (excluded.ad_name, excluded.adset_id, \
                excluded.adset_name, excluded.campaign_id, excluded.campaign_name)",
    )
    .bind(tenant)
    .bind(integration)
    .bind(&ad_ids)
    .bind(&ad_names)
    .bind(&adset_ids)
    .bind(&adset_names)
    .bind(&campaign_ids)
    .bind(&campaign_names)
    .execute(&mut **tx)
    .await?;
    let rows = newest_per_key(rows, |r| (r.ad_id.clone(), r.date_start), |_| None);
    let rows = rows.as_slice();
    let ids: Vec<String> = rows.iter().map(|r| r.ad_id.clone()).collect();
    let days: Vec<chrono::NaiveDate> = rows.iter().map(|r| r.date_start).collect();
    let spend: Vec<i64> = rows.iter().map(|r| r.spend_minor).collect();
    let impressions: Vec<i64> = rows.iter().map(|r| r.impressions).collect();
    let clicks: Vec<i64> = rows.iter().map(|r| r.clicks).collect();
    let reach: Vec<i64> = rows.iter().map(|r| r.reach).collect();
    let purchases: Vec<i64> = rows.iter().map(|r| r.purchases).collect();
    let value: Vec<i64> = rows.iter().map(|r| r.purchase_value_minor).collect();
    let written = sqlx::query(
        "INSERT INTO meta_ad_insights (tenant_id, integration_id, currency, ad_id, day, \
         spend_minor, impressions, clicks, reach, purchases, purchase_value_minor) \
         SELECT $1, $2, $3, t.* FROM UNNEST($4::text[], $5::date[], $6::bigint[], $7::bigint[], \
         $8::bigint[], $9::bigint[], $10::bigint[], $11::bigint[]) AS t \
         ON CONFLICT (tenant_id, ad_id, day) DO UPDATE SET \
             integration_id = excluded.integration_id, currency = excluded.currency, \
             spend_minor = excluded.spend_minor, impressions = excluded.impressions, \
             clicks = excluded.clicks, reach = excluded.reach, purchases = excluded.purchases, \
             purchase_value_minor = excluded.purchase_value_minor",
    )
    .bind(tenant)
    .bind(integration)
    .bind(currency)
    .bind(&ids)
    .bind(&days)
    .bind(&spend)
    .bind(&impressions)
    .bind(&clicks)
    .bind(&reach)
    .bind(&purchases)
    .bind(&value)
    .execute(&mut **tx)
    .await?
    .rows_affected() as usize;
    Ok(written)
}
