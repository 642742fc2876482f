//! Pancake POS: orders by update time, read exactly while the shop keeps changing them (see
//! [`sync_orders`]), and the catalogue of variations with their stock.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Duration, DurationRound, Utc};
use futures::stream::{FuturesUnordered, StreamExt};
use integrations_providers::{
    OrderTimeField, OrdersQuery, Page, PancakeClient, PancakeOrder, ProviderError,
};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::store::SyncBatch;
use crate::sync::engine::{RunContext, RunFailure};

/// The orders stream's checkpoint: every order updated up to `watermark` is stored, and of the
/// window in progress, everything but its `unread` spans.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct OrdersCursor {
    watermark: Option<DateTime<Utc>>,
    window: Option<OrdersWindow>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct OrdersWindow {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    /// Update-time spans not read yet, each from its first unread second. Missing in a
    /// checkpoint of the page-numbered reader this one replaced: that window is read again.
    #[serde(default)]
    unread: Option<Vec<Span>>,
}

/// Orders updated from `from` to `to` (whole seconds, both included).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Span {
    from: DateTime<Utc>,
    to: DateTime<Utc>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PagesCursor {
    /// A pass over the catalogue in progress: the next page to read.
    next_page: Option<u32>,
}

/// The shop a run reads, and how it reaches it.
#[derive(Clone, Copy)]
pub(in crate::sync) struct Shop<'a> {
    pub client: &'a PancakeClient,
    pub api_key: &'a SecretString,
    pub id: i64,
}

const SECOND: Duration = Duration::seconds(1);

/// Passes over one crowded second before the run gives up on it (the next run tries again).
const CROWD_PASSES: u32 = 6;

fn whole_second(t: DateTime<Utc>) -> DateTime<Utc> {
    t.duration_trunc(SECOND).unwrap_or(t)
}

/// Orders by update time, from the last watermark (minus an overlap, as the API surfaces some
/// edits late) or a year back on the first run, up to the second before the run began.
///
/// The list is paged over while the shop changes it: an order edited after its page was read
/// leaves its place, and every later row moves up one. Reading by page number would skip the
/// row that slides onto a page already read, for good. So orders are read by keyset instead,
/// as far as the API allows it (no cursor, whole-second bounds): each request is the *first*
/// page of a span from the last second seen, sorted oldest change first; the rows of that
/// second are read again and stored idempotently. Whatever moved, every row that sat still is
/// in the next answer. A second holding a full page or more (a bulk edit) is paged by number
/// on its own and checked against `total_entries` until one pass saw the same count throughout
/// and every row of it. Edits made meanwhile carry a later time than the run's horizon, so the
/// next run reads them.
///
/// The range is cut into spans of `order_window` read side by side under the adaptive limit,
/// and a span with many pages left is cut again whenever the limit has room for more. Each
/// answer is stored with the spans still unread, so a run stopped at any point resumes there.
pub(in crate::sync) async fn sync_orders(
    ctx: &RunContext<'_>,
    shop: Shop<'_>,
) -> Result<(), RunFailure> {
    const STREAM: &str = "orders";
    let settings = ctx.settings();
    let mut cursor: OrdersCursor = ctx.load_cursor(STREAM).await?;
    // Nothing later is read: the current second's orders may still change while it is read.
    let horizon = whole_second(Utc::now()) - SECOND;
    let span_length = settings.order_window.max(Duration::minutes(1));
    let mut done_pages = 0u32;
    let mut known_pages = 0u32;
    // Keyset reading hands some orders over twice (the rows of the second a request resumes
    // from, a crowded second's passes): the run counts each order once.
    let mut counted: HashSet<i64> = HashSet::new();
    loop {
        // A window a stopped run left unread comes first; then the range up to this horizon.
        let window = match cursor.window.take() {
            Some(window) => window,
            None => {
                let start = whole_second(match cursor.watermark {
                    Some(watermark) => watermark - settings.order_overlap,
                    None => horizon - settings.order_backfill,
                });
                OrdersWindow {
                    start,
                    end: horizon.max(start),
                    unread: None,
                }
            }
        };
        let unread = window.unread.clone().unwrap_or_else(|| {
            cut_every(
                Span {
                    from: window.start,
                    to: window.end,
                },
                span_length,
            )
        });
        // While a transaction is being stored, the reader goes on: as many answers as the next
        // transaction takes may wait (at least one per request in flight), so the next one is
        // full rather than one or two pages. A store slower than the fetch then pays its fixed
        // costs once per `orders_per_transaction` orders, not once per couple of pages.
        let waiting = settings
            .orders_per_transaction
            .div_ceil(settings.order_page_size.max(1) as usize)
            .max(settings.max_concurrency)
            .max(1);
        let (batches_tx, mut batches_rx) = tokio::sync::mpsc::channel(waiting);
        let reader = WindowReader {
            ctx,
            shop,
            watermark: cursor.watermark,
            window: window.clone(),
            page_size: settings.order_page_size.max(1),
        };
        let storer = async {
            while let Some(batch) = batches_rx.recv().await {
                let mut batch: OrdersBatch = batch?;
                // Answers already waiting join this one in the same transaction: they came in
                // the order their checkpoints hold, so the last one's covers them all.
                let mut pages = 1;
                let mut failed = None;
                while batch.orders.len() < settings.orders_per_transaction {
                    match batches_rx.try_recv() {
                        Ok(Ok(next)) => {
                            batch.orders.extend(next.orders);
                            batch.checkpoint = next.checkpoint;
                            batch.more_pages += next.more_pages;
                            pages += 1;
                        }
                        Ok(Err(failure)) => {
                            failed = Some(failure);
                            break;
                        }
                        Err(_) => break,
                    }
                }
                let written = ctx
                    .store(
                        STREAM,
                        SyncBatch::Orders {
                            shop_id: shop.id,
                            orders: &batch.orders,
                        },
                        &batch.checkpoint,
                    )
                    .await?;
                let fresh = batch
                    .orders
                    .iter()
                    .filter(|order| counted.insert(order.id))
                    .count();
                ctx.count(STREAM, fresh.min(written));
                done_pages += pages;
                known_pages += batch.more_pages;
                known_pages = known_pages.max(done_pages);
                ctx.progress(STREAM, done_pages, known_pages);
                // What came before the failure is stored; then the run stops.
                if let Some(failure) = failed {
                    return Err(failure);
                }
            }
            Ok::<(), RunFailure>(())
        };
        let ((), stored) = futures::join!(reader.read(unread, batches_tx), storer);
        stored?;
        cursor = OrdersCursor {
            watermark: Some(window.end),
            window: None,
        };
        ctx.store(
            STREAM,
            SyncBatch::Orders {
                shop_id: shop.id,
                orders: &[],
            },
            &cursor,
        )
        .await?;
        ctx.remember_limit().await?;
        if window.end >= horizon {
            return Ok(());
        }
    }
}

/// One answer's orders with the checkpoint that is true once they are stored.
struct OrdersBatch {
    orders: Vec<PancakeOrder>,
    checkpoint: OrdersCursor,
    /// Pages this answer newly tells of (the first answer of a span gives its count).
    more_pages: u32,
}

/// A request for the orders of one part of a window.
#[derive(Debug, Clone, Copy)]
enum Ask {
    /// The first page of the part's span, oldest change first.
    Keyset,
    /// A page of the part's crowded second, in pass `pass` over it.
    Crowd { pass: u32 },
}

/// A span of the window being read, and how far.
#[derive(Debug)]
struct Part {
    span: Span,
    state: PartState,
    /// Its pages are in the progress estimate (from its first answer, or its parent's).
    counted: bool,
}

#[derive(Debug)]
enum PartState {
    /// Ready for its next keyset request.
    Idle,
    /// A keyset request is out.
    Reading,
    /// Its first second has a full page or more: paged by number on its own.
    Crowded(Crowd),
}

/// Passes over a crowded second (`span.from` of its part) until one holds together.
#[derive(Debug)]
struct Crowd {
    pass: u32,
    /// The count of the second's rows in this pass's first answer.
    total: Option<u64>,
    /// Every answer of this pass gave that count: nothing left or joined meanwhile.
    steady: bool,
    /// Order ids seen, over the passes that all gave `seen_total`.
    seen: HashSet<i64>,
    seen_total: Option<u64>,
    pages: Option<u32>,
    next_page: u32,
    answered: u32,
}

impl Crowd {
    fn new() -> Self {
        Self {
            pass: 1,
            total: None,
            steady: true,
            seen: HashSet::new(),
            seen_total: None,
            pages: None,
            next_page: 1,
            answered: 0,
        }
    }

    /// Takes an answer of the current pass: `None` while the pass goes on; at its end,
    /// whether every row of the second was seen.
    fn answered(
        &mut self,
        total: u64,
        ids: impl Iterator<Item = i64>,
        page_size: u32,
    ) -> Option<bool> {
        match self.total {
            None => {
                self.total = Some(total);
                self.pages = Some(total.div_ceil(u64::from(page_size)).max(1) as u32);
                // Ids of earlier passes count only towards the same count: a tie order that
                // differs between requests, not a list that changed.
                if self.seen_total != Some(total) {
                    self.seen.clear();
                    self.seen_total = Some(total);
                }
            }
            Some(first) if first != total => self.steady = false,
            Some(_) => {}
        }
        self.seen.extend(ids);
        self.answered += 1;
        if Some(self.answered) < self.pages {
            return None;
        }
        Some(self.steady && self.seen.len() as u64 >= self.total.unwrap_or(0))
    }

    /// Starts the next pass.
    fn again(&mut self) {
        if !self.steady {
            self.seen.clear();
            self.seen_total = None;
        }
        self.pass += 1;
        self.total = None;
        self.steady = true;
        self.pages = None;
        self.next_page = 1;
        self.answered = 0;
    }
}

/// What a keyset answer means for its part.
#[derive(Debug, PartialEq, Eq)]
enum Next {
    /// Every order of the span was in the answer.
    Done,
    /// Read on from this second (its rows in this answer are read again).
    From(DateTime<Utc>),
    /// A full page of this one second: it is paged on its own.
    Crowded(DateTime<Utc>),
}

/// The orders were not sorted by update time as asked: keyset reading would skip some.
#[derive(Debug)]
struct Unsorted;

fn after_keyset(page: &Page<PancakeOrder>, span: Span) -> Result<Next, Unsorted> {
    let mut last: Option<DateTime<Utc>> = None;
    for order in &page.data {
        let at = order.updated_at.map(whole_second).ok_or(Unsorted)?;
        if last.is_some_and(|last| at < last) || at < span.from {
            return Err(Unsorted);
        }
        last = Some(at);
    }
    let (Some(first), Some(last)) = (page.data.first(), last) else {
        return Ok(Next::Done);
    };
    let complete = match page.total_entries {
        Some(total) => page.data.len() as u64 >= total,
        None => (page.data.len() as u32) < page.page_size,
    };
    // Past the span's end, every row of the span came before it.
    if complete || last > span.to {
        return Ok(Next::Done);
    }
    let first = first.updated_at.map(whole_second).ok_or(Unsorted)?;
    Ok(if first == last {
        Next::Crowded(last)
    } else {
        Next::From(last)
    })
}

/// Cuts `span` into spans of `length`, the last one shorter, sharing their boundary seconds.
fn cut_every(span: Span, length: Duration) -> Vec<Span> {
    let length = length.max(SECOND);
    let mut spans = Vec::new();
    let mut from = span.from;
    loop {
        let to = (from + length).min(span.to);
        spans.push(Span { from, to });
        if to >= span.to {
            return spans;
        }
        from = to;
    }
}

/// Cuts `span` into `parts` spans of about equal time that share their boundary seconds (so
/// an end bound read as exclusive loses nothing).
fn cut(span: Span, parts: usize) -> Vec<Span> {
    let seconds = (span.to - span.from).num_seconds().max(0);
    let parts = (parts as i64).clamp(1, seconds.max(1));
    let step = seconds / parts;
    (0..parts)
        .map(|k| Span {
            from: span.from + Duration::seconds(k * step),
            to: if k + 1 == parts {
                span.to
            } else {
                span.from + Duration::seconds((k + 1) * step)
            },
        })
        .collect()
}

struct WindowReader<'a> {
    ctx: &'a RunContext<'a>,
    shop: Shop<'a>,
    watermark: Option<DateTime<Utc>>,
    window: OrdersWindow,
    page_size: u32,
}

impl WindowReader<'_> {
    fn query(&self, span: Span, page: u32) -> OrdersQuery {
        OrdersQuery {
            page_number: page,
            page_size: self.page_size,
            start: Some(span.from),
            end: Some(span.to),
            time_field: OrderTimeField::UpdatedAt,
            option_sort: Some("last_updated_order_asc".to_owned()),
            filter_status: Vec::new(),
            include_removed: true,
        }
    }

    async fn fetch(
        &self,
        part: u64,
        ask: Ask,
        span: Span,
        page: u32,
    ) -> (u64, Ask, Result<Page<PancakeOrder>, ProviderError>) {
        let query = self.query(span, page);
        let result = self
            .ctx
            .call(|| {
                self.shop
                    .client
                    .orders_page(self.shop.api_key, self.shop.id, &query)
            })
            .await;
        (part, ask, result)
    }

    fn checkpoint(&self, parts: &BTreeMap<u64, Part>) -> OrdersCursor {
        let mut unread: Vec<Span> = parts.values().map(|part| part.span).collect();
        unread.sort_by_key(|span| span.from);
        OrdersCursor {
            watermark: self.watermark,
            window: Some(OrdersWindow {
                unread: Some(unread),
                ..self.window.clone()
            }),
        }
    }

    /// Reads the `unread` spans of the window, sending each answer's orders with their
    /// checkpoint, in the order the checkpoints hold (a failure is sent last).
    async fn read(
        &self,
        unread: Vec<Span>,
        batches: tokio::sync::mpsc::Sender<Result<OrdersBatch, RunFailure>>,
    ) {
        let mut parts: BTreeMap<u64, Part> = BTreeMap::new();
        let mut next_id = 0u64;
        for span in unread {
            parts.insert(
                next_id,
                Part {
                    span,
                    state: PartState::Idle,
                    counted: false,
                },
            );
            next_id += 1;
        }
        let mut in_flight = FuturesUnordered::new();
        loop {
            for (id, part) in parts.iter_mut() {
                match &mut part.state {
                    PartState::Idle => {
                        part.state = PartState::Reading;
                        in_flight.push(self.fetch(*id, Ask::Keyset, part.span, 1));
                    }
                    PartState::Reading => {}
                    PartState::Crowded(crowd) => {
                        let last = crowd.pages.unwrap_or(1);
                        let second = Span {
                            from: part.span.from,
                            to: part.span.from + SECOND,
                        };
                        while crowd.next_page <= last {
                            let ask = Ask::Crowd { pass: crowd.pass };
                            in_flight.push(self.fetch(*id, ask, second, crowd.next_page));
                            crowd.next_page += 1;
                        }
                    }
                }
            }
            let Some((id, ask, result)) = in_flight.next().await else {
                return;
            };
            let page = match result {
                Ok(page) => page,
                Err(err) => {
                    let _ = batches.send(Err(err.into())).await;
                    return;
                }
            };
            let more_pages =
                match self.take(&mut parts, &mut next_id, id, ask, &page, in_flight.len()) {
                    Ok(more_pages) => more_pages,
                    Err(failure) => {
                        let _ = batches.send(Err(failure)).await;
                        return;
                    }
                };
            // The store never writes an order's raw JSON: not held while the batch waits.
            let mut orders = page.data;
            for order in &mut orders {
                order.raw = serde_json::Value::Null;
            }
            let batch = OrdersBatch {
                orders,
                checkpoint: self.checkpoint(&parts),
                more_pages,
            };
            // The storer stopped (it failed): stop asking.
            if batches.send(Ok(batch)).await.is_err() {
                return;
            }
        }
    }

    /// Moves a part on after an answer; cuts it when the limit has room for more requests.
    /// Returns the pages the answer newly tells of, for the progress estimate.
    fn take(
        &self,
        parts: &mut BTreeMap<u64, Part>,
        next_id: &mut u64,
        id: u64,
        ask: Ask,
        page: &Page<PancakeOrder>,
        in_flight: usize,
    ) -> Result<u32, RunFailure> {
        let Some(part) = parts.get_mut(&id) else {
            // An answer of a pass already given up: its rows are stored all the same.
            return Ok(0);
        };
        let pages_of = |total: Option<u64>| {
            total.map_or(0, |total| total.div_ceil(u64::from(self.page_size)) as u32)
        };
        match ask {
            Ask::Keyset => {
                let next = after_keyset(page, part.span).map_err(|Unsorted| RunFailure {
                    message: "Pancake answered orders out of update-time order, so the sync \
                              cannot tell which it has read; it stopped before storing them."
                        .into(),
                    code: Some("PROVIDER_MALFORMED_RESPONSE".into()),
                    reconnect: false,
                })?;
                let more_pages = if part.counted {
                    0
                } else {
                    part.counted = true;
                    pages_of(page.total_entries)
                };
                match next {
                    Next::Done => {
                        parts.remove(&id);
                    }
                    Next::Crowded(second) => {
                        part.span.from = second;
                        part.state = PartState::Crowded(Crowd::new());
                    }
                    Next::From(second) => {
                        part.span.from = second;
                        part.state = PartState::Idle;
                        let left = page
                            .total_entries
                            .map_or(0, |total| total.saturating_sub(page.data.len() as u64));
                        self.cut_for_room(parts, next_id, id, left, in_flight);
                    }
                }
                Ok(more_pages)
            }
            Ask::Crowd { pass, .. } => {
                let PartState::Crowded(crowd) = &mut part.state else {
                    return Ok(0);
                };
                if crowd.pass != pass {
                    return Ok(0);
                }
                let total = page.total_entries.unwrap_or(page.data.len() as u64);
                let more_pages = if crowd.total.is_none() {
                    pages_of(Some(total))
                } else {
                    0
                };
                match crowd.answered(
                    total,
                    page.data.iter().map(|order| order.id),
                    self.page_size,
                ) {
                    None => {}
                    Some(true) => {
                        part.span.from += SECOND;
                        if part.span.from > part.span.to {
                            parts.remove(&id);
                        } else {
                            part.state = PartState::Idle;
                        }
                    }
                    Some(false) if crowd.pass >= CROWD_PASSES => {
                        return Err(RunFailure {
                            message: format!(
                                "Pancake's orders updated at {} kept changing while they were \
                                 read; the next sync reads them again.",
                                part.span.from.format("%Y-%m-%d %H:%M:%S UTC")
                            ),
                            code: Some("PROVIDER_UPSTREAM_ERROR".into()),
                            reconnect: false,
                        });
                    }
                    Some(false) => crowd.again(),
                }
                Ok(more_pages)
            }
        }
    }

    /// When the limit would take more requests than the parts now make, the part `id` (with
    /// `left` rows after its last answer) is cut so the others read side by side with it.
    fn cut_for_room(
        &self,
        parts: &mut BTreeMap<u64, Part>,
        next_id: &mut u64,
        id: u64,
        left: u64,
        in_flight: usize,
    ) {
        let asking = in_flight
            + parts
                .values()
                .filter(|part| matches!(part.state, PartState::Idle))
                .count();
        let room = (self.ctx.concurrency() + 1).saturating_sub(asking);
        // Each piece should be worth a couple of pages, or cutting costs more than it saves.
        let worth = (left / (2 * u64::from(self.page_size))) as usize;
        let pieces = (room + 1).min(worth + 1);
        if pieces < 2 {
            return;
        }
        let span = parts[&id].span;
        let mut spans = cut(span, pieces).into_iter();
        if let Some(first) = spans.next() {
            if let Some(part) = parts.get_mut(&id) {
                part.span = first;
            }
        }
        for span in spans {
            // Its rows are in the count its parent's first answer gave.
            parts.insert(
                *next_id,
                Part {
                    span,
                    state: PartState::Idle,
                    counted: true,
                },
            );
            *next_id += 1;
        }
    }
}

/// The catalogue with stock per warehouse: a full pass each run, resumable by page.
pub(in crate::sync) async fn sync_variations(
    ctx: &RunContext<'_>,
    shop: Shop<'_>,
) -> Result<(), RunFailure> {
    const STREAM: &str = "variations";
    let cursor: PagesCursor = ctx.load_cursor(STREAM).await?;
    let mut page = cursor.next_page.unwrap_or(1);
    let size = ctx.settings().variation_page_size;
    loop {
        let rows = ctx
            .call(|| {
                shop.client
                    .variations_page(shop.api_key, shop.id, page, size)
            })
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
                    shop_id: shop.id,
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

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(second: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_780_000_000 + second, 0).unwrap()
    }

    fn order(id: i64, second: i64) -> PancakeOrder {
        PancakeOrder::from_value(serde_json::json!({
            "id": id,
            "updated_at": at(second).format("%Y-%m-%dT%H:%M:%S%.6f").to_string(),
        }))
        .unwrap()
    }

    fn page(rows: &[(i64, i64)], total: Option<u64>) -> Page<PancakeOrder> {
        Page {
            data: rows
                .iter()
                .map(|(id, second)| order(*id, *second))
                .collect(),
            page_number: 1,
            page_size: 3,
            total_entries: total,
            total_pages: None,
        }
    }

    fn span(from: i64, to: i64) -> Span {
        Span {
            from: at(from),
            to: at(to),
        }
    }

    #[test]
    fn a_full_page_reads_on_from_its_last_second_and_a_short_one_ends_the_span() {
        let whole = span(0, 100);
        let full = page(&[(1, 3), (2, 5), (3, 5)], Some(9));
        assert_eq!(after_keyset(&full, whole).unwrap(), Next::From(at(5)));
        let last = page(&[(4, 5), (5, 7)], Some(2));
        assert_eq!(after_keyset(&last, whole).unwrap(), Next::Done);
        // Without a count, a page shorter than asked is the last.
        let short = page(&[(4, 5), (5, 7)], None);
        assert_eq!(after_keyset(&short, whole).unwrap(), Next::Done);
        assert_eq!(
            after_keyset(&page(&[], Some(0)), whole).unwrap(),
            Next::Done
        );
        // A page capped below the size asked for still has more after it when the count says so.
        let capped = page(&[(1, 3), (2, 5)], Some(9));
        assert_eq!(after_keyset(&capped, whole).unwrap(), Next::From(at(5)));
    }

    #[test]
    fn a_page_past_the_end_of_a_cut_span_ends_it() {
        // Asked before the span was cut to end at second 4: every row up to 4 came first.
        let full = page(&[(1, 3), (2, 4), (3, 6)], Some(9));
        assert_eq!(after_keyset(&full, span(0, 4)).unwrap(), Next::Done);
    }

    #[test]
    fn a_full_page_of_one_second_is_crowded() {
        let full = page(&[(1, 5), (2, 5), (3, 5)], Some(9));
        assert_eq!(
            after_keyset(&full, span(5, 100)).unwrap(),
            Next::Crowded(at(5))
        );
    }

    #[test]
    fn orders_not_sorted_by_update_time_or_without_one_stop_the_read() {
        let whole = span(0, 100);
        assert!(after_keyset(&page(&[(1, 5), (2, 3), (3, 6)], Some(9)), whole).is_err());
        assert!(after_keyset(&page(&[(1, 5), (2, 6)], Some(9)), span(6, 100)).is_err());
        let mut undated = page(&[(1, 5), (2, 6), (3, 7)], Some(9));
        undated.data[1].updated_at = None;
        assert!(after_keyset(&undated, whole).is_err());
    }

    #[test]
    fn spans_are_cut_with_shared_boundary_seconds() {
        assert_eq!(
            cut_every(span(0, 25), Duration::seconds(10)),
            vec![span(0, 10), span(10, 20), span(20, 25)]
        );
        assert_eq!(
            cut_every(span(0, 0), Duration::seconds(10)),
            vec![span(0, 0)]
        );
        assert_eq!(cut(span(0, 9), 3), vec![span(0, 3), span(3, 6), span(6, 9)]);
        // Never into pieces of less than a second.
        assert_eq!(cut(span(0, 2), 5), vec![span(0, 1), span(1, 2)]);
        assert_eq!(cut(span(4, 4), 3), vec![span(4, 4)]);
    }

    #[test]
    fn a_crowded_second_is_done_when_one_pass_saw_the_same_count_and_every_row() {
        let mut crowd = Crowd::new();
        assert_eq!(crowd.answered(5, [1, 2].into_iter(), 2), None);
        assert_eq!(crowd.answered(5, [3, 4].into_iter(), 2), None);
        assert_eq!(crowd.answered(5, [5].into_iter(), 2), Some(true));
    }

    #[test]
    fn a_crowded_second_whose_count_changed_is_read_again_from_scratch() {
        let mut crowd = Crowd::new();
        crowd.answered(5, [1, 2].into_iter(), 2);
        // Order 2 left the second: 3 slid onto page 1, page 2 starts at 4.
        crowd.answered(4, [4, 5].into_iter(), 2);
        assert_eq!(crowd.answered(4, std::iter::empty(), 2), Some(false));
        crowd.again();
        assert_eq!(crowd.pass, 2);
        crowd.answered(4, [1, 3].into_iter(), 2);
        assert_eq!(crowd.answered(4, [4, 5].into_iter(), 2), Some(true));
    }

    #[test]
    fn ids_of_passes_with_the_same_count_add_up_when_ties_come_in_another_order() {
        let mut crowd = Crowd::new();
        crowd.answered(4, [1, 2].into_iter(), 2);
        assert_eq!(crowd.answered(4, [2, 3].into_iter(), 2), Some(false));
        crowd.again();
        crowd.answered(4, [4, 1].into_iter(), 2);
        assert_eq!(crowd.answered(4, [2, 3].into_iter(), 2), Some(true));
    }
}
