//! Pancake POS: orders by update time (history in windows, pages concurrently under the
//! adaptive limit) and the catalogue of variations with their stock.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use futures::stream::{FuturesUnordered, StreamExt};
use integrations_providers::{OrderTimeField, OrdersQuery, PancakeClient};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::store::SyncBatch;
use crate::sync::engine::{RunContext, RunFailure};

/// The orders stream's checkpoint: everything updated before `watermark` is stored, and of the
/// window in progress, every page before `next_page`.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct OrdersCursor {
    watermark: Option<DateTime<Utc>>,
    window: Option<OrdersWindow>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct OrdersWindow {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    next_page: u32,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PagesCursor {
    /// A pass over the catalogue in progress: the next page to read.
    next_page: Option<u32>,
}

/// Orders by update time: history in windows, then from the last watermark (minus an
/// overlap) to now. Within a window, pages go out concurrently under the adaptive limit.
pub(in crate::sync) async fn sync_orders(
    ctx: &RunContext<'_>,
    client: &PancakeClient,
    api_key: &SecretString,
    shop_id: i64,
) -> Result<(), RunFailure> {
    const STREAM: &str = "orders";
    let settings = ctx.settings();
    let mut cursor: OrdersCursor = ctx.load_cursor(STREAM).await?;
    let sync_start = Utc::now();
    // A window no longer than the overlap would never move forward.
    let order_window = settings
        .order_window
        .max(settings.order_overlap * 2)
        .max(chrono::Duration::minutes(1));
    let mut done_pages = 0u32;
    let mut known_pages = 0u32;
    loop {
        let window = match cursor.window {
            Some(window) => window,
            None => {
                let start = match cursor.watermark {
                    Some(watermark) => watermark - settings.order_overlap,
                    None => sync_start - settings.order_backfill,
                };
                OrdersWindow {
                    start,
                    end: (start + order_window).min(sync_start),
                    next_page: 1,
                }
            }
        };
        let query = |page: u32| OrdersQuery {
            page_number: page,
            page_size: settings.order_page_size,
            start: Some(window.start),
            end: Some(window.end),
            time_field: OrderTimeField::UpdatedAt,
            option_sort: Some("last_updated_order_asc".to_owned()),
            filter_status: Vec::new(),
            include_removed: true,
        };
        let fetch = |page: u32| {
            let query = query(page);
            async move {
                let result = ctx
                    .call(|| client.orders_page(api_key, shop_id, &query))
                    .await;
                (page, result)
            }
        };
        // The first page says how many there are; the rest go out together.
        let (first_page, first) = fetch(window.next_page).await;
        let first = first?;
        let total = first.total_pages.unwrap_or(if first.has_more() {
            first_page + 1
        } else {
            first_page
        });
        known_pages += total.saturating_sub(first_page) + 1;
        // Fetching and storing overlap: one side keeps requests in flight (and reads their
        // answers) while the other commits pages, in whatever order they arrive.
        let (pages_tx, mut pages_rx) = tokio::sync::mpsc::channel(settings.max_concurrency.max(1));
        let fetcher = async {
            // Owned here, so the channel closes when fetching ends.
            let pages_tx = pages_tx;
            let mut next_to_fetch = first_page + 1;
            let mut in_flight = FuturesUnordered::new();
            loop {
                while next_to_fetch <= total && in_flight.len() < settings.max_concurrency {
                    in_flight.push(fetch(next_to_fetch));
                    next_to_fetch += 1;
                }
                let Some((page, result)) = in_flight.next().await else {
                    return;
                };
                let failed = result.is_err();
                if let Ok(rows) = &result {
                    if rows.total_pages.is_none() && rows.has_more() && next_to_fetch <= page + 1 {
                        // Without a page count, one page at a time.
                        in_flight.push(fetch(page + 1));
                        next_to_fetch = page + 2;
                    }
                }
                // The storer stopped (it failed): stop asking.
                if pages_tx.send((page, result)).await.is_err() || failed {
                    return;
                }
            }
        };
        let storer = async {
            let mut stored = BTreeSet::new();
            let mut frontier = first_page;
            let mut next = Some((first_page, first));
            loop {
                let (page, rows) = match next.take() {
                    Some(item) => item,
                    None => match pages_rx.recv().await {
                        Some((page, result)) => (page, result?),
                        None => return Ok::<(), RunFailure>(()),
                    },
                };
                stored.insert(page);
                while stored.remove(&frontier) {
                    frontier += 1;
                }
                // Pages before `frontier` are all stored: a resumed run starts there.
                let checkpoint = OrdersCursor {
                    watermark: cursor.watermark,
                    window: Some(OrdersWindow {
                        next_page: frontier,
                        ..window
                    }),
                };
                let written = ctx
                    .store(
                        STREAM,
                        SyncBatch::Orders {
                            shop_id,
                            orders: &rows.data,
                        },
                        &checkpoint,
                    )
                    .await?;
                ctx.count(STREAM, written);
                done_pages += 1;
                ctx.progress(STREAM, done_pages, known_pages);
            }
        };
        let ((), stored) = futures::join!(fetcher, storer);
        stored?;
        // Whatever the pages said, the window is complete now.
        cursor = OrdersCursor {
            watermark: Some(window.end),
            window: None,
        };
        ctx.store(
            STREAM,
            SyncBatch::Orders {
                shop_id,
                orders: &[],
            },
            &cursor,
        )
        .await?;
        if window.end >= sync_start {
            return Ok(());
        }
    }
}

/// The catalogue with stock per warehouse: a full pass each run, resumable by page.
pub(in crate::sync) async fn sync_variations(
    ctx: &RunContext<'_>,
    client: &PancakeClient,
    api_key: &SecretString,
    shop_id: i64,
) -> Result<(), RunFailure> {
    const STREAM: &str = "variations";
    let cursor: PagesCursor = ctx.load_cursor(STREAM).await?;
    let mut page = cursor.next_page.unwrap_or(1);
    let size = ctx.settings().variation_page_size;
    loop {
        let rows = ctx
            .call(|| client.variations_page(api_key, shop_id, page, size))
            .await?;
        // An empty page ends the pass whatever the page count says.
        let more = rows.has_more() && !rows.data.is_empty();
        let checkpoint = PagesCursor {
            next_page: more.then_some(page + 1),
        };
        let written = ctx
            .store(
                STREAM,
                SyncBatch::Variations {
                    shop_id,
                    variations: &rows.data,
                },
                &checkpoint,
            )
            .await?;
        ctx.count(STREAM, written);
        ctx.count(
            "stock",
            rows.data.iter().map(|v| v.stock.len()).sum::<usize>(),
        );
        ctx.progress(STREAM, page, rows.total_pages.unwrap_or(page));
        if !more {
            return Ok(());
        }
        page += 1;
    }
}
