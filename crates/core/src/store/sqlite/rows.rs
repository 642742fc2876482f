//! The synced rows, one statement per row (SQLite has no arrays to unnest), upserted on the
//! natural keys with the batch's row version; and the stream's checkpoint, in the same
//! transaction.

use chrono::Utc;
use integrations_providers::{AdInsightRow, PancakeOrder};
use sqlx::{Sqlite, Transaction};

use super::{next_row_version, ts, SqliteQuery, SqliteStore};
use crate::store::{order_items_json, StoreResult};

// Each table's plain insert, written once: the write path below adds its conflict clause, and
// the bench runs it alone as the ceiling the write path is measured against.
macro_rules! order_insert {
    () => {
        "INSERT INTO pancake_orders (tenant_id, integration_id, shop_id, \
         order_id, status, inserted_at, updated_at, total_price, total_discount, \
         shipping_fee, cod, currency, ad_id, page_id, utm_source, utm_campaign, \
         received_at_shop, items, row_version) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, \
                 ?15, ?16, ?17, ?18, ?19)"
    };
}
macro_rules! ad_insert {
    () => {
        "INSERT INTO meta_ads (tenant_id, integration_id, ad_id, ad_name, \
         adset_id, adset_name, campaign_id, campaign_name, row_version) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
    };
}
macro_rules! insight_insert {
    () => {
        "INSERT INTO meta_ad_insights (tenant_id, integration_id, ad_id, day, \
         currency, spend_minor, impressions, clicks, reach, purchases, \
         purchase_value_minor, row_version) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    };
}

/// An order's row; [`Stamp::bind_order`] binds its values.
pub const ORDER_INSERT: &str = order_insert!();
/// An ad's row; [`Stamp::bind_ad`] binds its values.
pub const AD_INSERT: &str = ad_insert!();
/// A daily insights row; [`Stamp::bind_insight`] binds its values.
pub const INSIGHT_INSERT: &str = insight_insert!();

/// Whose rows a batch writes and the row version they carry, as SQLite holds them (ids as text).
pub struct Stamp {
    tenant: String,
    integration: String,
    version: i64,
}

impl Stamp {
    /// Binds the `tenant_id` and `integration_id` every synced row starts with.
    fn bind_owner<'q>(&'q self, query: SqliteQuery<'q>) -> SqliteQuery<'q> {
        query.bind(&self.tenant).bind(&self.integration)
    }

    /// Binds a synced row: its owner (`tenant_id`, `integration_id`) first, then the row's own
    /// columns (`columns`), then its `row_version`.
    fn bind_row<'q>(
        &'q self,
        query: SqliteQuery<'q>,
        columns: impl FnOnce(SqliteQuery<'q>) -> SqliteQuery<'q>,
    ) -> SqliteQuery<'q> {
        columns(self.bind_owner(query)).bind(self.version)
    }

    /// Binds an order's row in [`ORDER_INSERT`]'s order.
    pub fn bind_order<'q>(
        &'q self,
        query: SqliteQuery<'q>,
        shop_id: i64,
        order: &'q PancakeOrder,
    ) -> SqliteQuery<'q> {
        self.bind_row(query, |query| {
            query
                .bind(shop_id)
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
        })
    }

    /// Binds the ad an insights row names, in [`AD_INSERT`]'s order.
    pub fn bind_ad<'q>(&'q self, query: SqliteQuery<'q>, row: &'q AdInsightRow) -> SqliteQuery<'q> {
        self.bind_row(query, |query| {
            query
                .bind(&row.ad_id)
                .bind(&row.ad_name)
                .bind(&row.adset_id)
                .bind(&row.adset_name)
                .bind(&row.campaign_id)
                .bind(&row.campaign_name)
        })
    }

    /// Binds an insights row in [`INSIGHT_INSERT`]'s order.
    pub fn bind_insight<'q>(
        &'q self,
        query: SqliteQuery<'q>,
        currency: &'q str,
        row: &'q AdInsightRow,
    ) -> SqliteQuery<'q> {
        self.bind_row(query, |query| {
            query
                .bind(&row.ad_id)
                .bind(row.date_start.format("%Y-%m-%d").to_string())
                .bind(currency)
                .bind(row.spend_minor)
                .bind(row.impressions)
                .bind(row.clicks)
                .bind(row.reach)
                .bind(row.purchases)
                .bind(row.purchase_value_minor)
        })
    }
}

/// A transaction holding the write lock, and the stamp of the rows it writes for `tenant`'s
/// `integration`.
pub async fn begin_batch(
    store: &SqliteStore,
    tenant: impl ToString,
    integration: impl ToString,
) -> StoreResult<(Transaction<'static, Sqlite>, Stamp)> {
    let mut tx = store.begin().await?;
    let version = next_row_version(&mut tx).await?;
    let stamp = Stamp {
        tenant: tenant.to_string(),
        integration: integration.to_string(),
        version,
    };
    Ok((tx, stamp))
}

/// Runs `sql` once a row, bound by `bind`. Returns the rows it changed.
pub async fn execute_each<'q, R: Sync + 'q>(
    tx: &mut Transaction<'static, Sqlite>,
    sql: &'q str,
    rows: impl IntoIterator<Item = &'q R> + Send,
    bind: impl Fn(SqliteQuery<'q>, &'q R) -> SqliteQuery<'q> + Send,
) -> StoreResult<usize> {
    let mut changed = 0;
    for row in rows {
        changed += bind(sqlx::query(sql), row)
            .execute(&mut **tx)
            .await?
            .rows_affected() as usize;
    }
    Ok(changed)
}

/// Orders, keeping the newer version of each (a late page must not undo a fresher one).
pub(super) const ORDER_UPSERT: &str = concat!(
    order_insert!(),
    " ON CONFLICT (tenant_id, shop_id, order_id) DO UPDATE SET \
     integration_id = excluded.integration_id, status = excluded.status, \
     inserted_at = excluded.inserted_at, updated_at = excluded.updated_at, \
     total_price = excluded.total_price, \
     total_discount = excluded.total_discount, \
     shipping_fee = excluded.shipping_fee, cod = excluded.cod, \
     currency = excluded.currency, ad_id = excluded.ad_id, \
     page_id = excluded.page_id, utm_source = excluded.utm_source, \
     utm_campaign = excluded.utm_campaign, \
     received_at_shop = excluded.received_at_shop, \
     items = excluded.items, row_version = excluded.row_version \
     WHERE pancake_orders.updated_at IS NULL OR excluded.updated_at IS NULL \
     OR excluded.updated_at >= pancake_orders.updated_at"
);

/// Variations, each with its stock per warehouse replaced whole.
pub(super) async fn write_variations(
    tx: &mut Transaction<'static, Sqlite>,
    stamp: &Stamp,
    shop_id: i64,
    variations: &[integrations_providers::PancakeVariation],
) -> StoreResult<usize> {
    let mut written = 0;
    for variation in variations {
        written += stamp
            .bind_owner(sqlx::query(
                "INSERT INTO pancake_variations (tenant_id, integration_id, shop_id, \
                 variation_id, product_id, product_name, sku, retail_price, \
                 remain_quantity, is_hidden, updated_at, row_version) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
                 ON CONFLICT (tenant_id, shop_id, variation_id) DO UPDATE SET \
                     integration_id = excluded.integration_id, \
                     product_id = excluded.product_id, \
                     product_name = excluded.product_name, sku = excluded.sku, \
                     retail_price = excluded.retail_price, \
                     remain_quantity = excluded.remain_quantity, \
                     is_hidden = excluded.is_hidden, updated_at = excluded.updated_at, \
                     row_version = excluded.row_version",
            ))
            .bind(shop_id)
            .bind(&variation.id)
            .bind(&variation.product_id)
            .bind(&variation.product_name)
            .bind(&variation.display_id)
            .bind(variation.retail_price)
            .bind(variation.remain_quantity)
            .bind(variation.is_hidden)
            .bind(variation.updated_at.map(ts))
            .bind(stamp.version)
            .execute(&mut **tx)
            .await?
            .rows_affected() as usize;
        sqlx::query(
            "DELETE FROM pancake_stock WHERE tenant_id = ? AND shop_id = ? \
             AND variation_id = ?",
        )
        .bind(&stamp.tenant)
        .bind(shop_id)
        .bind(&variation.id)
        .execute(&mut **tx)
        .await?;
        for stock in &variation.stock {
            stamp
                .bind_owner(sqlx::query(
                    "INSERT OR REPLACE INTO pancake_stock (tenant_id, integration_id, \
                     shop_id, variation_id, warehouse_id, remain_quantity, row_version) \
                     VALUES (?, ?, ?, ?, ?, ?, ?)",
                ))
                .bind(shop_id)
                .bind(&variation.id)
                .bind(&stock.warehouse_id)
                .bind(stock.remain_quantity)
                .bind(stamp.version)
                .execute(&mut **tx)
                .await?;
        }
    }
    Ok(written)
}

/// Daily insights, and the names of their ads, ad sets and campaigns.
pub(super) async fn write_insights(
    tx: &mut Transaction<'static, Sqlite>,
    stamp: &Stamp,
    currency: &str,
    rows: &[AdInsightRow],
) -> StoreResult<usize> {
    const AD_UPSERT: &str = concat!(
        ad_insert!(),
        " ON CONFLICT (tenant_id, ad_id) DO UPDATE SET \
         integration_id = excluded.integration_id, \
         ad_name = excluded.ad_name, adset_id = excluded.adset_id, \
         adset_name = excluded.adset_name, \
         campaign_id = excluded.campaign_id, \
         campaign_name = excluded.campaign_name, \
         row_version = excluded.row_version"
    );
    const INSIGHT_UPSERT: &str = concat!(
        insight_insert!(),
        " ON CONFLICT (tenant_id, ad_id, day) DO UPDATE SET \
         integration_id = excluded.integration_id, \
         currency = excluded.currency, spend_minor = excluded.spend_minor, \
         impressions = excluded.impressions, clicks = excluded.clicks, \
         reach = excluded.reach, purchases = excluded.purchases, \
         purchase_value_minor = excluded.purchase_value_minor, \
         row_version = excluded.row_version"
    );
    // Every row of an ad names it again: upsert each ad once a batch (with its last row's
    // names, as upserting each row in turn left them), not once a row; on a 90-day backfill the
    // ads' upserts were half the statements and most of the time.
    let mut ads: Vec<&AdInsightRow> = Vec::new();
    let mut seen = std::collections::HashMap::new();
    for row in rows {
        match seen.entry(row.ad_id.as_str()) {
            std::collections::hash_map::Entry::Occupied(slot) => ads[*slot.get()] = row,
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(ads.len());
                ads.push(row);
            }
        }
    }
    execute_each(tx, AD_UPSERT, ads, |query, row| stamp.bind_ad(query, row)).await?;
    execute_each(tx, INSIGHT_UPSERT, rows, |query, row| {
        stamp.bind_insight(query, currency, row)
    })
    .await
}

pub(super) async fn write_checkpoint(
    tx: &mut Transaction<'static, Sqlite>,
    stamp: &Stamp,
    checkpoint: Option<(&str, &str)>,
) -> StoreResult<()> {
    if let Some((stream, cursor)) = checkpoint {
        stamp
            .bind_owner(sqlx::query(
                "INSERT INTO sync_cursors (tenant_id, integration_id, stream, cursor, updated_at) \
                 VALUES (?, ?, ?, ?, ?) ON CONFLICT (tenant_id, integration_id, stream) \
                 DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at",
            ))
            .bind(stream)
            .bind(cursor)
            .bind(ts(Utc::now()))
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}
