//! In-process fake Pancake POS and Meta Graph API servers.
//!
//! They answer like the real APIs as described in `shared/reference/` (envelopes, paging,
//! error bodies and statuses, rate limits, usage headers) with seeded, deterministic data
//! generated lazily (tens of thousands of orders per shop, months of daily insights), so tests,
//! demos and benchmarks run offline. Both bind `127.0.0.1:0` by default.
//!
//! ```no_run
//! # async fn demo() {
//! let pancake = integrations_fake_servers::start_pancake(Default::default()).await.unwrap();
//! let meta = integrations_fake_servers::start_meta(Default::default()).await.unwrap();
//! println!("{} {}", pancake.base_url, meta.base_url);
//! # }
//! ```
//!
//! # Scenarios
//!
//! The credential selects the behaviour. Only the part before the first `:` counts, so tests
//! can make keys unique (`rate-limited-then-ok:test-7`) and "once per key" scenarios stay
//! independent.
//!
//! Pancake POS (`?api_key=`; base URL ends in `/api/v1`):
//!
//! | key | behaviour |
//! |---|---|
//! | `one-shop` | one shop, 6036602 "Shop thời trang"; full data under it |
//! | `three-shops` | 6036602 "Shop thời trang", 7012345 "Mỹ phẩm Hà Nội", 8024680 "Giày dép Sài Gòn" |
//! | `duplicate-shops` | the three shops, 6036602 listed twice |
//! | `data-shops` | like `three-shops` but the list is under `data` instead of `shops` |
//! | `no-shops` | `{success:true, shops:[]}` |
//! | `rejected` (and any unknown key) | 403 `{success:false,message:"api_key is invalid",error_code:105}` |
//! | `no-permission` | `/shops` like `one-shop`; shop endpoints 403 "Insufficient permissions" |
//! | `slow` | like `one-shop` after [`FakeConfig::slow_delay`] |
//! | `rate-limited-then-ok` | first request per key: 429 + `Retry-After` + error_code 106; then `one-shop` |
//! | `rate-limited` | always 429 / 106 |
//! | `storm` | like `one-shop`, but order requests 3 to 9 of the key are answered 429 / 106 |
//! | `server-error` | always 500 |
//! | `server-error-then-ok` | first request per key: 500; then `one-shop` |
//! | `malformed` | 200 with invalid JSON |
//! | `truncated` | 200, `Content-Length` of the full body, connection cut half-way |
//! | `success-false-200` | 200 `{success:false,message:"Missing access_token",error_code:101}` |
//! | `echo-key` | 400 `{success:false,message,error_code:100}` whose message quotes the whole key from character [`ECHO_OFFSET`] on |
//! | `changing-orders` | like `one-shop`, but the orders change while a client pages through them: see [`OrderChurn`] (per key and shop; [`FakePancake::orders_now`] gives the list as it stands) |
//! | `disabled-mid-sync` | like `one-shop`, but from the third order-list request per key on: 403 / 105 (the key was disabled) |
//! | `oversized` | like `one-shop`, but every 200 answer is padded (a `padding` string) to at least [`FakeConfig::oversized_body_bytes`], with its `Content-Length` |
//! | `endless` | 200, a JSON list of shops that never ends, streamed without `Content-Length` |
//!
//! Meta (`Authorization: Bearer`; base URL is the origin, versions v25.0–v27.0 are served,
//! older ones answer code 2635 "deprecated version"):
//!
//! | token | behaviour |
//! |---|---|
//! | `meta-one-account` | `act_1234567890` (ACTIVE, VND, Asia/Ho_Chi_Minh) with 12 ads and daily insights |
//! | `meta-many-accounts` | 57 accounts (3 pages of 25), mixed statuses; the first is `act_1234567890` |
//! | `meta-no-accounts` | no accounts |
//! | `meta-expired` | 400 code 190 subcode 463 |
//! | `meta-disabled-account` | `act_2222222222`, account_status 2 |
//! | `meta-grace-period` | `act_3333333333`, account_status 9 |
//! | `meta-rate-limited-then-ok` | first request per token: 400 code 80004 (17 on `/me`) with usage headers and `estimated_time_to_regain_access` 1 minute; then `meta-one-account` |
//! | `meta-high-usage` | like `meta-one-account`, usage headers at 95 % |
//! | `meta-server-error` | always 500 code 1 |
//! | `meta-malformed` | 200 with invalid JSON |
//! | `meta-report-fails` | like `meta-one-account`, async reports end `Job Failed` |
//! | `meta-echo-token` | 400 code 190 whose message quotes the whole token from character [`ECHO_OFFSET`] on |
//! | `meta-paging-loop` | like `meta-one-account`, but `/me/adaccounts` answers every page with the same `paging.next` and no cursors, forever |
//! | `meta-report-500-once` | like `meta-one-account`, but the first report `POST` per token creates the job and then answers 500 code 2 |
//! | `meta-expires-mid-sync` | like `meta-one-account`, but insights of any window after the earliest one a token asked for: 400 code 190 subcode 463 (expired) |
//! | `meta-oversized` | like `meta-one-account`, but every 200 answer is padded to at least [`FakeConfig::oversized_body_bytes`], with its `Content-Length` |
//! | `meta-expires-soon` | like `meta-one-account`, but `debug_token` says the token expires in 3 days (every other token: `expires_at` 0, never) |
//! | `meta-endless` | 200, a `data` list that never ends, streamed without `Content-Length` |
//! | anything else | 400 code 190 without subcode ("Invalid OAuth access token") |
//!
//! Fixture ids: Pancake shops above; the fashion shop's orders carry `ad_id`s of the 12 ads of
//! `act_1234567890` (about a third of its online orders). See [`data`].

mod churn;
pub mod data;
mod meta;
mod pancake;
mod updates;

pub use updates::{start_updates, FakeUpdates};

pub use churn::OrderChurn;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Data volume, timing and limits of a fake server.
#[derive(Debug, Clone)]
pub struct FakeConfig {
    /// Seed of all generated data.
    pub seed: u64,
    /// Orders generated per shop.
    pub orders_per_shop: u32,
    /// Days of history (orders and insights) ending at `end_time`.
    pub days: u32,
    /// The fixture "now".
    pub end_time: DateTime<Utc>,
    /// Added to every answer (to simulate the slow order endpoint).
    pub latency: Duration,
    /// Requests per second above which the server answers 429 (`None`: no limit).
    pub rate_limit_per_sec: Option<u32>,
    /// Delay of the `slow` scenario.
    pub slow_delay: Duration,
    /// `Retry-After` seconds sent with 429s.
    pub retry_after_secs: u64,
    /// Address to bind (port 0 = random).
    pub bind: SocketAddr,
    /// Size the `oversized` scenarios pad their answers to. The default is above the clients'
    /// default cap for small answers (8 MiB) and below the one for pages (64 MiB).
    pub oversized_body_bytes: usize,
    /// How the `changing-orders` scenario changes orders under a reader.
    pub churn: OrderChurn,
    /// Ads of the Graph fake's account (the first 12 are the fixture's; more are added to the
    /// same campaigns and ad sets, for benchmarks of large accounts).
    pub ads: usize,
}

impl Default for FakeConfig {
    fn default() -> Self {
        Self {
            seed: 42,
            orders_per_shop: 30_000,
            days: 180,
            end_time: data::default_end(),
            latency: Duration::ZERO,
            rate_limit_per_sec: None,
            slow_delay: Duration::from_secs(5),
            retry_after_secs: 1,
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            oversized_body_bytes: 9 * 1024 * 1024,
            churn: OrderChurn::default(),
            ads: data::ads().len(),
        }
    }
}

impl FakeConfig {
    /// First instant of the fixture history.
    pub fn start(&self) -> DateTime<Utc> {
        self.end_time - chrono::Duration::days(i64::from(self.days.max(1)))
    }

    pub(crate) fn span_seconds(&self) -> u64 {
        u64::from(self.days.max(1)) * 86_400
    }
}

/// One request as the fake saw it.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// HTTP method.
    pub method: String,
    /// Path.
    pub path: String,
    /// Raw query string.
    pub query: String,
    /// Headers as `(lower-case name, value)`.
    pub headers: Vec<(String, String)>,
    /// Status answered.
    pub status: u16,
}

/// Counters and the request log.
#[derive(Debug, Default)]
pub(crate) struct Stats {
    requests: Mutex<Vec<RecordedRequest>>,
    /// Keys/tokens that already had their one failure.
    once: Mutex<std::collections::HashSet<String>>,
    /// Requests seen per key, for scenarios that change after a number of calls.
    hits: Mutex<std::collections::HashMap<String, u32>>,
    window: Mutex<Option<(Instant, u32)>>,
    /// Order pages asked for so far, and how many of them may be answered (`None`: all).
    order_pages: Mutex<(usize, Option<usize>)>,
    /// Wakes the order pages held back when they may go.
    order_pages_released: tokio::sync::Notify,
    /// Graph insights requests for the window starting this day wait (`None`: none do); with an
    /// ad id, only the requests whose ad filter lets that ad through (one slice of the window).
    insights_held: Mutex<Option<(chrono::NaiveDate, Option<String>)>>,
    insights_released: tokio::sync::Notify,
    /// Graph insights requests for the window starting this day are refused (`None`: none are).
    insights_refused: Mutex<Option<chrono::NaiveDate>>,
    /// Wakes whoever waits for the log to show something.
    recorded: tokio::sync::Notify,
    /// The earliest day each token has asked insights from.
    earliest: Mutex<std::collections::HashMap<String, chrono::NaiveDate>>,
    /// Graph insights requests being answered now, and the most there ever were at once.
    pub(crate) insights_in_flight: std::sync::atomic::AtomicUsize,
    pub(crate) insights_most_in_flight: std::sync::atomic::AtomicUsize,
}

impl Stats {
    pub(crate) fn record(&self, r: RecordedRequest) {
        if let Ok(mut v) = self.requests.lock() {
            v.push(r);
        }
        self.recorded.notify_waiters();
    }

    /// Records a request with the status it was answered with.
    pub(crate) fn record_answered(
        &self,
        method: &axum::http::Method,
        uri: &axum::http::Uri,
        headers: &axum::http::HeaderMap,
        response: &axum::response::Response,
    ) {
        self.record(RecordedRequest {
            method: method.to_string(),
            path: uri.path().to_owned(),
            query: uri.query().unwrap_or("").to_owned(),
            headers: header_pairs(headers),
            status: response.status().as_u16(),
        });
    }

    /// True the first time `key` is seen.
    /// Counts one more call for `key` and returns the count (1 for the first).
    pub(crate) fn hit(&self, key: &str) -> u32 {
        self.hits
            .lock()
            .map(|mut hits| {
                let count = hits.entry(key.to_owned()).or_default();
                *count += 1;
                *count
            })
            .unwrap_or(1)
    }

    pub(crate) fn first_time(&self, key: &str) -> bool {
        self.once
            .lock()
            .map(|mut s| s.insert(key.to_owned()))
            .unwrap_or(false)
    }

    /// Waits while order pages are held back and this one (counted here) is past the limit.
    pub(crate) async fn order_page_turn(&self) {
        let turn = self
            .order_pages
            .lock()
            .map(|mut pages| {
                pages.0 += 1;
                pages.0
            })
            .unwrap_or(0);
        loop {
            // Made before the check, so a release between the two is not missed.
            let released = self.order_pages_released.notified();
            let may_go = self
                .order_pages
                .lock()
                .map_or(true, |pages| pages.1.is_none_or(|limit| turn <= limit));
            if may_go {
                return;
            }
            released.await;
        }
    }

    /// The earliest of `day` and the days `key` gave here before.
    pub(crate) fn earliest(&self, key: &str, day: chrono::NaiveDate) -> chrono::NaiveDate {
        self.earliest
            .lock()
            .map(|mut earliest| {
                let seen = earliest.entry(key.to_owned()).or_insert(day);
                *seen = (*seen).min(day);
                *seen
            })
            .unwrap_or(day)
    }

    /// Whether insights of the window starting `since` are to be refused.
    pub(crate) fn insights_refused(&self, since: chrono::NaiveDate) -> bool {
        self.insights_refused
            .lock()
            .is_ok_and(|refused| *refused == Some(since))
    }

    /// Waits while insights of the window starting `since` are held back; `asks_for` says
    /// whether the request's ad filter lets an ad through.
    pub(crate) async fn insights_turn(
        &self,
        since: chrono::NaiveDate,
        asks_for: impl Fn(&str) -> bool,
    ) {
        loop {
            // Made before the check, so a release between the two is not missed.
            let released = self.insights_released.notified();
            let held = self.insights_held.lock().is_ok_and(|held| match &*held {
                Some((day, ad)) => *day == since && ad.as_deref().is_none_or(&asks_for),
                None => false,
            });
            if !held {
                return;
            }
            released.await;
        }
    }

    /// True when this request is over the per-second limit.
    pub(crate) fn over_limit(&self, limit: Option<u32>) -> bool {
        let Some(limit) = limit else { return false };
        let Ok(mut w) = self.window.lock() else {
            return false;
        };
        let now = Instant::now();
        match w.as_mut() {
            Some((start, count)) if now.duration_since(*start) < Duration::from_secs(1) => {
                *count += 1;
                *count > limit
            }
            _ => {
                *w = Some((now, 1));
                1 > limit
            }
        }
    }
}

/// A running fake server. Dropping it stops the server.
#[derive(Debug)]
pub struct FakeHandle {
    addr: SocketAddr,
    stats: Arc<Stats>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl FakeHandle {
    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Answers the next `pages` order pages asked for and holds back (leaves unanswered) every
    /// one after them until [`FakeHandle::release_order_pages`]: a test stops a sync at a known
    /// page instead of racing it.
    pub fn hold_order_pages_after(&self, pages: usize) {
        if let Ok(mut order_pages) = self.stats.order_pages.lock() {
            order_pages.1 = Some(order_pages.0 + pages);
        }
    }

    /// Ends the second the rate limit is counting now, as the time between two scheduled
    /// syncs would: a test's next run starts with the limit's count at zero instead of in the
    /// second the last run ended in.
    pub fn end_rate_limit_second(&self) {
        if let Ok(mut window) = self.stats.window.lock() {
            *window = None;
        }
    }

    /// Answers the order pages held back, and all later ones.
    pub fn release_order_pages(&self) {
        if let Ok(mut order_pages) = self.stats.order_pages.lock() {
            order_pages.1 = None;
        }
        self.stats.order_pages_released.notify_waiters();
    }

    /// Leaves Graph's insights of the window starting `since` unanswered until
    /// [`FakeHandle::release_insights`], while every other window is answered: a test holds an
    /// early window back and sees what the sync does with the later ones.
    pub fn hold_insights_from(&self, since: chrono::NaiveDate) {
        if let Ok(mut held) = self.stats.insights_held.lock() {
            *held = Some((since, None));
        }
    }

    /// Like [`FakeHandle::hold_insights_from`], for one ad slice of the window: only the
    /// requests whose `filtering` lets `ad_id` through wait; the window's other slices are
    /// answered.
    pub fn hold_insights_slice(&self, since: chrono::NaiveDate, ad_id: &str) {
        if let Ok(mut held) = self.stats.insights_held.lock() {
            *held = Some((since, Some(ad_id.to_owned())));
        }
    }

    /// Refuses Graph's insights of the window starting `since`, as for a token that expired
    /// just then (400 code 190 subcode 463: not worth a retry), until
    /// [`FakeHandle::answer_refused_insights`]; every other window is answered.
    pub fn refuse_insights_from(&self, since: chrono::NaiveDate) {
        if let Ok(mut refused) = self.stats.insights_refused.lock() {
            *refused = Some(since);
        }
    }

    /// Answers the window [`FakeHandle::refuse_insights_from`] refused, from now on.
    pub fn answer_refused_insights(&self) {
        if let Ok(mut refused) = self.stats.insights_refused.lock() {
            *refused = None;
        }
    }

    /// Answers the insights held back, and all later ones.
    pub fn release_insights(&self) {
        if let Ok(mut held) = self.stats.insights_held.lock() {
            *held = None;
        }
        self.stats.insights_released.notify_waiters();
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.stats
            .requests
            .lock()
            .map(|v| v.clone())
            .unwrap_or_default()
    }

    /// Waits until the request log satisfies `done` (checked at every request answered).
    pub async fn wait_for_requests(&self, done: impl Fn(&[RecordedRequest]) -> bool) {
        loop {
            // Made before the check, so a request answered between the two is not missed.
            let recorded = self.stats.recorded.notified();
            if done(&self.requests()) {
                return;
            }
            recorded.await;
        }
    }

    /// The most Graph insights requests (reports included) that were out at once.
    pub fn most_insights_in_flight(&self) -> usize {
        self.stats
            .insights_most_in_flight
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Starts counting [`FakeHandle::most_insights_in_flight`] afresh from the requests out now.
    pub fn recount_insights_in_flight(&self) {
        let now = self
            .stats
            .insights_in_flight
            .load(std::sync::atomic::Ordering::SeqCst);
        self.stats
            .insights_most_in_flight
            .store(now, std::sync::atomic::Ordering::SeqCst);
    }

    /// Number of requests so far.
    pub fn request_count(&self) -> usize {
        self.requests().len()
    }

    /// Number of answers with `status`.
    pub fn status_count(&self, status: u16) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.status == status)
            .count()
    }

    /// Requests whose path ends with `suffix`.
    pub fn path_count(&self, suffix: &str) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.path.ends_with(suffix))
            .count()
    }

    /// True when `needle` appears in any request's query string.
    pub fn seen_in_query(&self, needle: &str) -> bool {
        self.requests().iter().any(|r| r.query.contains(needle))
    }

    /// True when `needle` appears in any request header value.
    pub fn seen_in_headers(&self, needle: &str) -> bool {
        self.requests()
            .iter()
            .any(|r| r.headers.iter().any(|(_, v)| v.contains(needle)))
    }

    /// Stop the server and wait for it.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for FakeHandle {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// The fake Pancake POS server.
pub struct FakePancake {
    /// Base URL to give the client, e.g. `http://127.0.0.1:41234/api/v1`.
    pub base_url: String,
    /// Counters, log and lifetime.
    pub handle: FakeHandle,
    state: Arc<pancake::State>,
}

impl std::fmt::Debug for FakePancake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakePancake")
            .field("base_url", &self.base_url)
            .field("handle", &self.handle)
            .finish_non_exhaustive()
    }
}

impl FakePancake {
    /// Removes a warehouse from the shop it belongs to: from now on no variation lists stock
    /// in it, and `/warehouses` leaves it out (for every key).
    pub fn remove_warehouse(&self, warehouse_id: &str) {
        self.state
            .removed_warehouses
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(warehouse_id.to_owned());
    }

    /// The shop's webhook settings as last registered (`PUT /shops/{id}`), if ever.
    pub fn webhook(&self, shop_id: i64) -> Option<serde_json::Value> {
        self.state
            .webhooks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&shop_id)
            .cloned()
    }

    /// Does what Pancake does when orders change: posts each of `orders` (bare Order objects)
    /// to the shop's registered webhook URL with its registered headers, `parallel` at a time.
    /// Returns each delivery's HTTP status; none if no webhook is enabled. Plain `http://`
    /// only (the receiver on loopback).
    pub async fn deliver_orders(
        &self,
        shop_id: i64,
        orders: &[serde_json::Value],
        parallel: usize,
    ) -> Vec<u16> {
        let Some(settings) = self.webhook(shop_id) else {
            return Vec::new();
        };
        if settings["webhook_enable"] != serde_json::Value::Bool(true) {
            return Vec::new();
        }
        let url = settings["webhook_url"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let headers: Vec<(String, String)> = settings["webhook_headers"]
            .as_object()
            .map(|headers| {
                headers
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                    .collect()
            })
            .unwrap_or_default();
        use futures_util::StreamExt;
        futures_util::stream::iter(orders)
            .map(|order| post_json(&url, &headers, order.to_string()))
            .buffered(parallel.max(1))
            .collect()
            .await
    }

    /// Every order of a shop as the API holds it now for `key` (deleted ones included), by id:
    /// what a sync must end up with. Under `changing-orders` this is the key's changed list.
    /// `None` for a shop the fixture does not have.
    pub fn orders_now(&self, key: &str, shop_id: i64) -> Option<Vec<serde_json::Value>> {
        let shop = data::shop(shop_id)?;
        let scenario = key.split(':').next().unwrap_or("");
        if scenario == "changing-orders" {
            return Some(self.state.all_orders(key, shop));
        }
        let cfg = &self.state.config;
        Some(
            (1..=u64::from(cfg.orders_per_shop))
                .map(|id| data::order_json(cfg, shop, id))
                .collect(),
        )
    }
}

/// The fake Graph API server.
#[derive(Debug)]
pub struct FakeMeta {
    /// Origin to give the client, e.g. `http://127.0.0.1:41235`.
    pub base_url: String,
    /// Counters, log and lifetime.
    pub handle: FakeHandle,
}

/// A request as a fake answers it: what it was sent, with the query's pairs parsed.
pub(crate) struct Request<'a> {
    pub method: &'a axum::http::Method,
    pub path: &'a str,
    pub pairs: Vec<(String, String)>,
    pub headers: &'a axum::http::HeaderMap,
    pub body: &'a [u8],
}

/// A fake server's behaviour. [`router`] gives it every request and logs each one with the
/// status it was answered with.
pub(crate) trait Fake: Send + Sync + 'static {
    fn stats(&self) -> &Stats;

    fn respond(
        &self,
        request: Request<'_>,
    ) -> impl std::future::Future<Output = axum::response::Response> + Send;
}

pub(crate) fn router<F: Fake>(fake: Arc<F>) -> axum::Router {
    axum::Router::new().fallback(handle::<F>).with_state(fake)
}

async fn handle<F: Fake>(
    axum::extract::State(fake): axum::extract::State<Arc<F>>,
    method: axum::http::Method,
    uri: axum::http::Uri,
    headers: axum::http::HeaderMap,
    body: bytes::Bytes,
) -> axum::response::Response {
    let request = Request {
        method: &method,
        path: uri.path(),
        pairs: query_pairs(uri.query().unwrap_or("")),
        headers: &headers,
        body: &body,
    };
    let response = fake.respond(request).await;
    fake.stats()
        .record_answered(&method, &uri, &headers, &response);
    response
}

async fn serve(
    bind: SocketAddr,
    make: impl FnOnce(String, Arc<Stats>) -> axum::Router,
) -> std::io::Result<(String, FakeHandle)> {
    let listener = tokio::net::TcpListener::bind(bind).await?;
    let addr = listener.local_addr()?;
    let origin = format!("http://{addr}");
    let stats = Arc::new(Stats::default());
    let app = make(origin.clone(), stats.clone());
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await;
    });
    Ok((
        origin,
        FakeHandle {
            addr,
            stats,
            shutdown: Some(tx),
            task: Some(task),
        },
    ))
}

/// Start a fake Pancake POS server.
pub async fn start_pancake(config: FakeConfig) -> std::io::Result<FakePancake> {
    let bind = config.bind;
    let mut state = None;
    let (origin, handle) = serve(bind, |_, stats| {
        let shared = Arc::new(pancake::State::new(config, stats));
        state = Some(shared.clone());
        router(shared)
    })
    .await?;
    Ok(FakePancake {
        base_url: format!("{origin}/api/v1"),
        handle,
        state: state.expect("serve builds the router"),
    })
}

/// Start a fake Graph API server.
pub async fn start_meta(config: FakeConfig) -> std::io::Result<FakeMeta> {
    let bind = config.bind;
    let (origin, handle) = serve(bind, |origin, stats| {
        router(Arc::new(meta::State {
            config,
            stats,
            origin,
            reports: Mutex::new(HashMap::new()),
        }))
    })
    .await?;
    Ok(FakeMeta {
        base_url: origin,
        handle,
    })
}

/// Shortcut: both servers with default data.
pub async fn start() -> std::io::Result<(FakePancake, FakeMeta)> {
    Ok((
        start_pancake(FakeConfig::default()).await?,
        start_meta(FakeConfig::default()).await?,
    ))
}

/// Where [`echo_message`] starts quoting the credential: ten characters before the 300-character
/// cut clients apply to upstream messages, so a client that cuts before redacting keeps a
/// prefix of the credential.
pub const ECHO_OFFSET: usize = 290;

/// An upstream error message that quotes `credential` verbatim from character [`ECHO_OFFSET`]
/// on (the text before it is plain ASCII).
pub fn echo_message(credential: &str) -> String {
    const LEAD: &str = " sent: ";
    let mut text = String::from("The request could not be processed.");
    while text.len() < ECHO_OFFSET {
        text.push_str(" Please check the request parameters and try again.");
    }
    text.truncate(ECHO_OFFSET - LEAD.len());
    text.push_str(LEAD);
    text.push_str(credential);
    text.push_str(" (not accepted)");
    text
}

/// `response` with its JSON object body grown to at least `bytes` by a `padding` string; the
/// body stays valid JSON and is sent whole, with its `Content-Length`. Other answers (not a
/// success, not an object) are returned as they are.
pub(crate) async fn padded(
    response: axum::response::Response,
    bytes: usize,
) -> axum::response::Response {
    if !response.status().is_success() {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(raw) = axum::body::to_bytes(body, usize::MAX).await else {
        return axum::response::Response::from_parts(parts, axum::body::Body::empty());
    };
    let mut value: serde_json::Value = match serde_json::from_slice(&raw) {
        Ok(value @ serde_json::Value::Object(_)) => value,
        _ => return axum::response::Response::from_parts(parts, axum::body::Body::from(raw)),
    };
    value["padding"] = serde_json::Value::String("x".repeat(bytes.saturating_sub(raw.len())));
    let text = value.to_string();
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    axum::response::Response::from_parts(parts, axum::body::Body::from(text))
}

/// A 200 JSON answer that opens with `head` and then repeats `item` forever, in chunks of about
/// 64 KiB, without `Content-Length`: a client that reads until the end never gets there.
pub(crate) fn endless(head: &'static str, item: &str) -> axum::response::Response {
    let mut chunk = String::with_capacity(64 * 1024 + item.len());
    while chunk.len() < 64 * 1024 {
        chunk.push_str(item);
        chunk.push(',');
    }
    let chunk = bytes::Bytes::from(chunk);
    let head = bytes::Bytes::from_static(head.as_bytes());
    let stream = futures_util::stream::iter(std::iter::once(head).chain(std::iter::repeat(chunk)))
        .map(Ok::<_, std::io::Error>);
    let mut response = axum::response::Response::new(axum::body::Body::from_stream(stream));
    response.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/json"),
    );
    response
}

pub(crate) fn header_pairs(headers: &axum::http::HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

pub(crate) fn query_pairs(query: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

pub(crate) fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// A minimal HTTP/1.1 POST over a fresh connection: the status, or 0 when the receiver could not
/// be reached or answered nonsense.
async fn post_json(url: &str, headers: &[(String, String)], body: String) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let Ok(parsed) = url::Url::parse(url) else {
        return 0;
    };
    let (Some(host), Some(port)) = (parsed.host_str(), parsed.port_or_known_default()) else {
        return 0;
    };
    let Ok(mut stream) = tokio::net::TcpStream::connect((host, port)).await else {
        return 0;
    };
    let mut request = format!(
        "POST {} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n",
        parsed.path(),
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(&body);
    if stream.write_all(request.as_bytes()).await.is_err() {
        return 0;
    }
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    String::from_utf8_lossy(&answer)
        .split_whitespace()
        .nth(1)
        .and_then(|status| status.parse().ok())
        .unwrap_or(0)
}
