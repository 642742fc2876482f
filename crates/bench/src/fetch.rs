//! The provider side alone: the pages the engine asks for, fetched and parsed with the real
//! clients the way the engine does (one task; a window's first page, then its other pages
//! concurrently; insights one window after another), and thrown away. Together with the write
//! path alone, it tells where a sync's time goes.

use chrono::{FixedOffset, Utc};
use futures::stream::{FuturesUnordered, StreamExt};
use integrations_core::SyncSettings;
use integrations_providers::{
    HttpSettings, InsightsQuery, MetaClient, OrderTimeField, OrdersQuery, PancakeClient,
};
use secrecy::SecretString;

use crate::setup::{AD_ACCOUNT, META_TOKEN, PANCAKE_KEY, SHOP_ID};

/// Like the engine's clients: no in-client retries.
fn http() -> HttpSettings {
    HttpSettings {
        max_attempts: 1,
        ..HttpSettings::default()
    }
}

/// Every order page of a first sync over `settings.order_backfill`. Returns the rows fetched.
pub async fn orders(base_url: &str, settings: &SyncSettings) -> anyhow::Result<usize> {
    let client = PancakeClient::new(base_url, http())?;
    let key = SecretString::from(PANCAKE_KEY);
    let now = Utc::now();
    let mut start = now - settings.order_backfill;
    let mut rows = 0;
    while start < now {
        let end = (start + settings.order_window).min(now);
        let query = |page| OrdersQuery {
            page_number: page,
            page_size: settings.order_page_size,
            start: Some(start),
            end: Some(end),
            time_field: OrderTimeField::UpdatedAt,
            option_sort: Some("last_updated_order_asc".to_owned()),
            filter_status: Vec::new(),
            include_removed: true,
        };
        let first = client.orders_page(&key, SHOP_ID, &query(1)).await?;
        rows += first.data.len();
        let total = first.total_pages.unwrap_or(1);
        let mut next = 2;
        let mut in_flight = FuturesUnordered::new();
        loop {
            while next <= total && in_flight.len() < settings.max_concurrency {
                let query = query(next);
                let (client, key) = (&client, &key);
                in_flight.push(async move { client.orders_page(key, SHOP_ID, &query).await });
                next += 1;
            }
            match in_flight.next().await {
                Some(page) => rows += page?.data.len(),
                None => break,
            }
        }
        start = end;
    }
    Ok(rows)
}

/// Every insights window of a first sync over `settings.meta_backfill_days`, one at a time.
pub async fn insights(base_url: &str, settings: &SyncSettings) -> anyhow::Result<usize> {
    let client = MetaClient::new(base_url, "v27.0", http())?;
    let token = SecretString::from(META_TOKEN);
    let account = client.ad_account(&token, AD_ACCOUNT).await?;
    // The fake account's zone, Asia/Ho_Chi_Minh, is UTC+7 all year.
    let zone = FixedOffset::east_opt(7 * 3600).expect("UTC+7 is a valid offset");
    let today = Utc::now().with_timezone(&zone).date_naive();
    let mut since = today - chrono::Duration::days(settings.meta_backfill_days - 1);
    let window = chrono::Duration::days(settings.meta_window_days.max(1) - 1);
    let mut rows = 0;
    while since <= today {
        let until = (since + window).min(today);
        let query = InsightsQuery::new(AD_ACCOUNT, since, until, &account.currency);
        rows += client.insights(&token, &query).await?.len();
        since = until + chrono::Duration::days(1);
    }
    Ok(rows)
}
