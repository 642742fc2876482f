//! The ceiling on SQLite, which has no `COPY`: one plain `INSERT` per row, prepared once (sqlx
//! keeps it in the connection's statement cache) and run in a loop inside one transaction, into
//! the same tables (indexes and all) the engine writes, with one row version for all of it.

use integrations_core::store::sqlite_rows::{
    begin_batch, execute_each, AD_INSERT, INSIGHT_INSERT, ORDER_INSERT,
};
use integrations_core::store::SqliteStore;
use uuid::Uuid;

use crate::setup::SHOP_ID;
use crate::Rows;

/// Inserts all `rows` in one transaction (for insights, the ads they name first). Returns the
/// orders or insights rows inserted.
pub async fn insert(
    store: &SqliteStore,
    tenant: Uuid,
    integration: Uuid,
    rows: Rows<'_>,
) -> anyhow::Result<u64> {
    let (mut tx, stamp) = begin_batch(store, tenant, integration).await?;
    let inserted = match rows {
        Rows::Orders(orders) => {
            execute_each(&mut tx, ORDER_INSERT, orders, |query, order| {
                stamp.bind_order(query, SHOP_ID, order)
            })
            .await?
        }
        Rows::Insights(rows) => {
            let mut ads = std::collections::BTreeMap::new();
            for row in rows {
                ads.insert(row.ad_id.as_str(), row);
            }
            execute_each(&mut tx, AD_INSERT, ads.into_values(), |query, row| {
                stamp.bind_ad(query, row)
            })
            .await?;
            execute_each(&mut tx, INSIGHT_INSERT, rows, |query, row| {
                stamp.bind_insight(query, "VND", row)
            })
            .await?
        }
    };
    tx.commit().await?;
    Ok(inserted as u64)
}
