//! The sync engine against the fake Pancake and Graph servers, on both stores: every row
//! exactly once, resumption after a crash, a 429 storm, a credential that dies mid-sync, and
//! two workers racing for one integration.

mod common;

use std::collections::BTreeSet;
use std::fmt::Debug;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use common::{
    assert_stale_edit_loses_nothing, fake_providers, fast_http, new_meta, new_pancake,
    query_number, Backend, TestEnv,
};
use integrations_core::gateway::HttpProviders;
use integrations_core::store::{ClaimScope, SyncedTable};
use integrations_core::{
    Credentials, IntegrationStatus, IntegrationUpdate, Session, SyncOutcome, SyncRun, SyncSettings,
};
use integrations_fake_servers::{start_meta, FakeConfig, FakeMeta, FakePancake, RecordedRequest};
use integrations_providers::{HttpSettings, InsightsFlow, InsightsQuery, MetaClient};
use secrecy::SecretString;
use tracing::instrument::WithSubscriber;
use uuid::Uuid;

const ORDERS: u32 = 450;
const DAYS: u32 = 20;

struct Fixture {
    env: TestEnv,
    pancake: FakePancake,
    meta: FakeMeta,
    session: Session,
}

fn fake_config() -> FakeConfig {
    FakeConfig {
        orders_per_shop: ORDERS,
        days: DAYS,
        // The data ends now, so a sync "up to now" covers all of it.
        end_time: Utc::now() - chrono::Duration::minutes(1),
        ..FakeConfig::default()
    }
}

fn settings() -> SyncSettings {
    SyncSettings {
        order_backfill: chrono::Duration::days(i64::from(DAYS) + 4),
        order_window: chrono::Duration::days(7),
        order_page_size: 25,
        variation_page_size: 10,
        meta_backfill_days: 20,
        meta_window_days: 7,
        initial_concurrency: 2,
        max_concurrency: 6,
        retry_backoff: Duration::from_millis(20),
        ..SyncSettings::default()
    }
}

async fn fixture_with(backend: Backend, config: FakeConfig) -> Fixture {
    fixture_with_meta_http(backend, config, fast_http()).await
}

/// A fixture whose Graph client runs with `meta_http`.
async fn fixture_with_meta_http(
    backend: Backend,
    config: FakeConfig,
    meta_http: HttpSettings,
) -> Fixture {
    WindowsInHand::before_any_run();
    let (pancake, meta, providers) = fake_providers(config).await;
    let providers = std::sync::Arc::new(HttpProviders {
        pancake: providers.pancake.with_settings(fast_http()).unwrap(),
        meta: MetaClient::new(&meta.base_url, "v27.0", meta_http).unwrap(),
    });
    let mut env = TestEnv::with_providers(backend, providers).await;
    env.core.set_sync_settings(settings());
    let session = env.sign_up_owner().await;
    Fixture {
        env,
        pancake,
        meta,
        session,
    }
}

async fn fixture(backend: Backend) -> Fixture {
    fixture_with(backend, fake_config()).await
}

impl Fixture {
    /// Syncs `integration` once as the test worker; the run must succeed.
    async fn sync_succeeded(&self, integration: Uuid) -> SyncRun {
        self.env.sync_succeeded(&self.session, integration).await
    }

    async fn pancake(&self, key: &str) -> Uuid {
        let shop = new_pancake("Shop thời trang", "6036602", key);
        self.env
            .create_enabled_integration(&self.session, shop)
            .await
    }

    async fn meta(&self, token: &str) -> Uuid {
        let ads = new_meta("Quảng cáo Meta", "act_1234567890", token);
        self.env
            .create_enabled_integration(&self.session, ads)
            .await
    }

    async fn count(&self, id: Uuid, table: SyncedTable) -> i64 {
        self.env
            .store()
            .synced_count(self.session.tenant_id(), id, table)
            .await
            .unwrap()
    }

    /// What the fake serves for the whole backfill in one plain request per page, read with
    /// an independent client: the number the sync must end up with.
    async fn meta_rows_expected(&self, token: &str) -> usize {
        meta_rows_between(&self.meta, token, meta_backfill_start(), meta_today()).await
    }
}

/// Today in the fake ad account's time zone.
fn meta_today() -> chrono::NaiveDate {
    Utc::now()
        .with_timezone(&chrono_tz::Asia::Ho_Chi_Minh)
        .date_naive()
}

/// The first day a first sync of insights reads.
fn meta_backfill_start() -> chrono::NaiveDate {
    meta_today() - chrono::Duration::days(settings().meta_backfill_days - 1)
}

/// What `meta` serves for those days in one plain request per page, read with an independent
/// client.
async fn meta_rows_between(
    meta: &FakeMeta,
    token: &str,
    since: chrono::NaiveDate,
    until: chrono::NaiveDate,
) -> usize {
    let client = MetaClient::new(&meta.base_url, "v27.0", fast_http()).unwrap();
    client
        .insights_with(
            &SecretString::from(token),
            &InsightsQuery::new("act_1234567890", since, until, "VND"),
            InsightsFlow::Sync,
        )
        .await
        .unwrap()
        .len()
}

/// Waits for the progress event of the first insights window of `ads` stored.
async fn first_insights_window_stored(
    progress: &mut tokio::sync::broadcast::Receiver<integrations_core::SyncProgress>,
    ads: Uuid,
) {
    loop {
        let event = progress.recv().await.unwrap();
        if event.integration_id == ads && event.stream == "insights" && event.done >= 1 {
            break;
        }
    }
}

/// A run cut while Graph holds (part of) the `second` window: only the first window is stored;
/// released and taken over, the run goes on from the first window's checkpoint, less the
/// lookback (which reaches back past the first day of the backfill): every day from there to
/// today, once.
async fn only_the_first_window_is_stored_then_the_resumed_run_stores_every_day_once(
    f: &Fixture,
    token: &str,
    ads: Uuid,
    first: chrono::NaiveDate,
    second: chrono::NaiveDate,
) {
    let first_rows =
        meta_rows_between(&f.meta, token, first, second - chrono::Duration::days(1)).await;
    assert!(first_rows > 0);
    assert_eq!(
        f.count(ads, SyncedTable::MetaAdInsights).await,
        first_rows as i64
    );

    f.meta.handle.release_insights();
    let resumed = common::take_over_the_run(&f.env, &f.session, ads).await;
    assert_eq!(
        resumed.outcome,
        SyncOutcome::Succeeded,
        "{:?}",
        resumed.error
    );
    let through = second - chrono::Duration::days(1);
    let resumed_from = through - chrono::Duration::days(settings().meta_lookback_days - 1);
    let expected = meta_rows_between(&f.meta, token, resumed_from.min(first), meta_today()).await;
    assert_eq!(
        f.count(ads, SyncedTable::MetaAdInsights).await,
        expected as i64
    );
    assert_eq!(f.count(ads, SyncedTable::MetaAds).await, 12);
}

/// The "slow down" answers from Graph that this process's syncs met and cut their limit for.
async fn meta_slow_downs(f: &Fixture) -> u64 {
    let metrics = f.env.core.server_metrics().await.unwrap();
    metrics
        .throttled
        .iter()
        .find(|(provider, _)| *provider == "META_ADS")
        .map_or(0, |(_, count)| *count)
}

/// Whether Graph has answered the insights window starting `since`.
fn insights_answered(requests: &[RecordedRequest], since: chrono::NaiveDate) -> bool {
    let since = format!("%22since%22%3A%22{since}%22");
    requests
        .iter()
        .any(|r| r.path.ends_with("/insights") && r.status == 200 && r.query.contains(&since))
}

/// The insights windows a run has in hand (read, waiting for the storer), as its "insights
/// window in hand" events tell: Graph having answered a window is not the run having read the
/// answer, which under load may still be on its way when the test acts on Graph's log.
#[derive(Clone, Default)]
struct WindowsInHand(Arc<InHand>);

#[derive(Default)]
struct InHand {
    /// The first day of each window in hand.
    since: Mutex<BTreeSet<String>>,
    arrived: tokio::sync::Notify,
}

impl WindowsInHand {
    /// Makes the runs' "window in hand" events wanted, before any run of these tests starts.
    /// Tracing caches whether an event is wanted where it is first reached, asking only that
    /// thread's subscriber while there is one subscriber or none: another test's run (with no
    /// subscriber of its own) reaching it first while a watched run's is the only one would
    /// cache "never" for every run (tokio-rs/tracing#3611), and the watched run's test would
    /// wait for good. A global subscriber that wants the same events (and tells no one) makes
    /// every answer "always".
    fn before_any_run() {
        static GLOBAL: std::sync::Once = std::sync::Once::new();
        GLOBAL.call_once(|| {
            tracing::subscriber::set_global_default(Self::default())
                .expect("no other global subscriber in these tests");
        });
    }

    /// `run`, with its events told to this.
    fn watch<F: Future>(&self, run: F) -> impl Future<Output = F::Output> {
        run.with_subscriber(self.clone())
    }

    /// Waits until the run holds the windows starting on each of `days`. The run tells of a
    /// window in the poll that puts it in its queue, and nothing the test does on hearing of it
    /// reaches the run before that poll has ended: the window is waiting there.
    async fn wait_for(&self, days: &[chrono::NaiveDate]) {
        loop {
            // Made before the check, so a window arriving between the two is not missed.
            let arrived = self.0.arrived.notified();
            let held =
                |day: &chrono::NaiveDate| self.0.since.lock().unwrap().contains(&day.to_string());
            if days.iter().all(held) {
                return;
            }
            arrived.await;
        }
    }
}

impl tracing::Subscriber for WindowsInHand {
    fn enabled(&self, metadata: &tracing::Metadata<'_>) -> bool {
        metadata.is_event() && metadata.target().starts_with("integrations_core::sync")
    }

    fn event(&self, event: &tracing::Event<'_>) {
        #[derive(Default)]
        struct Fields {
            message: String,
            since: String,
        }
        impl tracing::field::Visit for Fields {
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn Debug) {
                match field.name() {
                    "message" => self.message = format!("{value:?}"),
                    "since" => self.since = format!("{value:?}"),
                    _ => {}
                }
            }
        }
        let mut fields = Fields::default();
        event.record(&mut fields);
        if fields.message == "insights window in hand" {
            self.0.since.lock().unwrap().insert(fields.since);
            self.0.arrived.notify_waiters();
        }
    }

    // Spans are not enabled: none is ever made.
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

/// Settings that cut the fake account's 12 ads into slices of 5: two of 5, one of 2, and the
/// rest (every ad but those 12, so none here).
fn sliced(settings: SyncSettings) -> SyncSettings {
    SyncSettings {
        meta_ads_per_slice: 5,
        ..settings
    }
}

/// The ad filter of an insights request: (`IN`?, ids), or `None` for the whole account.
fn ad_filter(request: &RecordedRequest) -> Option<(bool, Vec<String>)> {
    let (_, filtering) = url::form_urlencoded::parse(request.query.as_bytes())
        .find(|(name, _)| name == "filtering")?;
    let filtering: serde_json::Value = serde_json::from_str(&filtering).unwrap();
    let [condition] = filtering.as_array().unwrap().as_slice() else {
        panic!("one condition: {filtering}");
    };
    assert_eq!(condition["field"], "ad.id");
    let ids = condition["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| id.as_str().unwrap().to_owned())
        .collect();
    match condition["operator"].as_str().unwrap() {
        "IN" => Some((true, ids)),
        "NOT_IN" => Some((false, ids)),
        other => panic!("operator {other}"),
    }
}

/// Graph's good answers to insights requests of the window starting `since`.
fn insights_answers(
    requests: &[RecordedRequest],
    since: chrono::NaiveDate,
) -> Vec<RecordedRequest> {
    let since = format!("%22since%22%3A%22{since}%22");
    requests
        .iter()
        .filter(|r| r.path.ends_with("/insights") && r.status == 200 && r.query.contains(&since))
        .cloned()
        .collect()
}

/// The fake account's ads, as Graph lists them.
async fn listed_ads(meta: &FakeMeta, token: &str) -> Vec<String> {
    let client = MetaClient::new(&meta.base_url, "v27.0", fast_http()).unwrap();
    let mut ads = client
        .ad_ids(&SecretString::from(token), "act_1234567890")
        .await
        .unwrap();
    ads.sort();
    ads
}

async fn every_order_and_insight_is_stored_exactly_once(backend: Backend) {
    let f = fixture(backend).await;
    let shop = f.pancake("one-shop:exact").await;
    let ads = f.meta("meta-one-account:exact").await;
    let mut progress = f.env.core.subscribe_sync();

    let run = f.sync_succeeded(shop).await;
    assert_eq!(
        f.count(shop, SyncedTable::PancakeOrders).await,
        i64::from(ORDERS)
    );
    assert!(f.count(shop, SyncedTable::PancakeVariations).await > 0);
    assert!(f.count(shop, SyncedTable::PancakeStock).await > 0);
    // Each order counted once, though keyset reading hands some over twice.
    assert_eq!(run.counts["orders"], i64::from(ORDERS));
    // Several windows and pages went out, more than one at a time.
    assert!(f.pancake.handle.path_count("/orders") > (ORDERS / 25) as usize);

    // Progress came as it went, and the last event says how it ended.
    let mut last = None;
    while let Ok(event) = progress.try_recv() {
        if event.integration_id == shop {
            last = Some(event);
        }
    }
    assert_eq!(last.unwrap().outcome, Some(SyncOutcome::Succeeded));

    // The integration follows the run.
    let after = f.env.core.get_integration(&f.session, shop).await.unwrap();
    assert_eq!(after.status, IntegrationStatus::Active);
    assert!(after.last_sync_at.is_some());
    let history = f.env.core.sync_history(&f.session, shop, 10).await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].counts, run.counts);

    // A second run re-reads only the overlap: nothing doubles.
    let requests_before = f.pancake.handle.request_count();
    let again = f
        .env
        .core
        .sync_integration(&f.session, shop, "test-worker")
        .await
        .unwrap();
    assert_eq!(again.outcome, SyncOutcome::Succeeded);
    assert_eq!(
        f.count(shop, SyncedTable::PancakeOrders).await,
        i64::from(ORDERS)
    );
    let overlap_start = (run.started_at - settings().order_overlap).timestamp() - 2;
    let reread: Vec<_> = f.pancake.handle.requests()[requests_before..]
        .iter()
        .filter(|request| request.path.ends_with("/orders"))
        .map(|request| query_number(&request.query, "startDateTime").unwrap())
        .collect();
    assert!(!reread.is_empty() && reread.len() < 10, "{reread:?}");
    assert!(
        reread.iter().all(|start| *start >= overlap_start),
        "{reread:?}"
    );

    // Meta: every ad-day of the backfill, once, with exact money.
    f.sync_succeeded(ads).await;
    let expected = f.meta_rows_expected("meta-one-account:exact").await;
    assert!(expected > 0);
    assert_eq!(
        f.count(ads, SyncedTable::MetaAdInsights).await,
        expected as i64
    );
    assert_eq!(f.count(ads, SyncedTable::MetaAds).await, 12);
}

async fn a_sync_stopped_mid_way_resumes_without_losing_or_doubling_rows(backend: Backend) {
    let f = fixture(backend).await;
    let shop = f.pancake("one-shop:resume").await;
    let mut progress = f.env.core.subscribe_sync();
    let core = &f.env.core;
    let session = f.session.clone();
    // The first run is cut off (as by a crash) once a few pages are stored. The fake answers
    // four order pages and holds back the rest, so the run cannot have finished by then.
    f.pancake.handle.hold_order_pages_after(4);
    let first = async {
        core.sync_integration(&session, shop, "worker-that-dies")
            .await
    };
    let stop = async {
        loop {
            let event = progress.recv().await.unwrap();
            if event.integration_id == shop && event.stream == "orders" && event.done >= 4 {
                break;
            }
        }
    };
    tokio::select! {
        _ = first => panic!("the first run should have been cut off"),
        _ = stop => {}
    }
    let stored = f.count(shop, SyncedTable::PancakeOrders).await;
    let let_through = 4 * i64::from(settings().order_page_size);
    assert!(
        stored > 0 && stored <= let_through && let_through < i64::from(ORDERS),
        "stored {stored}"
    );
    f.pancake.handle.release_order_pages();

    // Its lease runs out (made to, rather than waited for), and another worker takes over.
    let resumed = common::take_over_the_run(&f.env, &f.session, shop).await;
    assert_eq!(
        resumed.outcome,
        SyncOutcome::Succeeded,
        "{:?}",
        resumed.error
    );
    assert_eq!(
        f.count(shop, SyncedTable::PancakeOrders).await,
        i64::from(ORDERS)
    );
    // It went on from the checkpoint instead of starting over.
    assert!(resumed.counts["orders"] < i64::from(ORDERS));
    let history = core.sync_history(&f.session, shop, 10).await.unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[1].outcome, SyncOutcome::Interrupted);
    assert_eq!(history[0].outcome, SyncOutcome::Succeeded);
}

async fn insights_windows_go_out_side_by_side_yet_are_stored_in_order_so_a_cut_resumes_exactly(
    backend: Backend,
) {
    let f = fixture(backend).await;
    let token = "meta-one-account:side-by-side";
    let ads = f.meta(token).await;
    let window = chrono::Duration::days(settings().meta_window_days);
    let first = meta_backfill_start();
    let (second, third) = (first + window, first + window * 2);
    assert!(third <= meta_today(), "the backfill has three windows");
    // Graph sits on the second window; the first and the third are answered.
    f.meta.handle.hold_insights_from(second);
    let mut progress = f.env.core.subscribe_sync();
    let core = &f.env.core;
    let session = f.session.clone();
    let run = async {
        core.sync_integration(&session, ads, "worker-that-dies")
            .await
    };
    let first_stored_and_third_answered = async {
        first_insights_window_stored(&mut progress, ads).await;
        f.meta
            .handle
            .wait_for_requests(|requests| insights_answered(requests, third))
            .await;
    };
    // The third window was answered while the second was still out: side by side. The run
    // is cut there (as by a crash).
    tokio::select! {
        _ = run => panic!("the run cannot finish while Graph holds a window back"),
        _ = first_stored_and_third_answered => {}
    }
    // Only the first window is stored: the third waits for the second, so the checkpoint
    // never passes a window not yet stored.
    only_the_first_window_is_stored_then_the_resumed_run_stores_every_day_once(
        &f, token, ads, first, second,
    )
    .await;
}

async fn insights_windows_already_waiting_are_stored_together_in_one_transaction(backend: Backend) {
    let f = fixture(backend).await;
    let token = "meta-one-account:together";
    let ads = f.meta(token).await;
    let window = chrono::Duration::days(settings().meta_window_days);
    let first = meta_backfill_start();
    let (second, third) = (first + window, first + window * 2);
    assert!(third <= meta_today(), "the backfill has three windows");
    // Graph sits on the first window until the run holds the two later ones: all three are
    // out side by side (six at once), and the later two wait in order behind the first.
    f.meta.handle.hold_insights_from(first);
    let core = &f.env.core;
    let session = f.session.clone();
    let in_hand = WindowsInHand::default();
    let run = async {
        let later_in_hand = async {
            in_hand.wait_for(&[second, third]).await;
            f.meta.handle.release_insights();
        };
        let (run, ()) = tokio::join!(
            in_hand.watch(core.sync_integration(&session, ads, "test-worker")),
            later_in_hand
        );
        run.unwrap()
    };
    let run = run.await;
    assert_eq!(run.outcome, SyncOutcome::Succeeded, "{:?}", run.error);
    let expected = f.meta_rows_expected(token).await;
    assert!(expected > 0);
    assert_eq!(
        f.count(ads, SyncedTable::MetaAdInsights).await,
        expected as i64
    );
    assert_eq!(run.counts["insights"], expected as i64);
    // Rows written in one transaction share its id (PostgreSQL) or row version (SQLite). The
    // later two windows were in the run's hands before the first was let go: they are waiting
    // when the first comes in, and go in with it (one transaction per window stores three).
    let transactions = insights_transactions(&f, ads).await;
    assert!(
        transactions < 3,
        "three windows in {transactions} transactions"
    );
}

/// Answers that came in while the store was busy wait for the next transaction, up to its
/// `orders_per_transaction`, not just one per request in flight: with two requests at a time and
/// pages of 25, a store held up for a while finds every later page waiting and takes them all in
/// one transaction, instead of the reader stopping after two or three pages.
async fn orders_answered_while_the_store_is_busy_wait_and_go_in_together(backend: Backend) {
    let mut f = fixture(backend).await;
    f.env.core.set_sync_settings(SyncSettings {
        initial_concurrency: 2,
        max_concurrency: 2,
        ..settings()
    });
    let shop = f.pancake("one-shop:busy-store").await;
    let order_pages = |requests: &[RecordedRequest]| {
        requests
            .iter()
            .filter(|r| r.path.ends_with("/orders") && r.status == 200)
            .count()
    };
    // The first page is answered, the later ones wait at the fake until the store is held: the
    // reader cannot run ahead while the lock is being taken.
    f.pancake.handle.hold_order_pages_after(1);
    let core = &f.env.core;
    let session = f.session.clone();
    let run = async {
        let hold_the_store = async {
            f.pancake
                .handle
                .wait_for_requests(|requests| order_pages(requests) >= 1)
                .await;
            let held = StoreHeld::take(&f.env).await;
            let answered_before = order_pages(&f.pancake.handle.requests());
            f.pancake.handle.release_order_pages();
            // Pages of 25 and 450 orders: well over 12 pages are left. Before, at most the
            // channel's two and one blocked on sending were answered past a busy store.
            let kept_reading = tokio::time::timeout(
                Duration::from_secs(8),
                f.pancake
                    .handle
                    .wait_for_requests(|requests| order_pages(requests) >= answered_before + 12),
            )
            .await;
            held.release().await;
            assert!(
                kept_reading.is_ok(),
                "the reader stopped while the store was busy: {} order pages answered, {} \
                 before the store was held",
                order_pages(&f.pancake.handle.requests()),
                answered_before
            );
        };
        let (run, ()) = tokio::join!(
            core.sync_integration(&session, shop, "test-worker"),
            hold_the_store
        );
        run.unwrap()
    };
    let run = run.await;
    assert_eq!(run.outcome, SyncOutcome::Succeeded, "{:?}", run.error);
    assert_eq!(
        f.count(shop, SyncedTable::PancakeOrders).await,
        i64::from(ORDERS)
    );
    // The pages that waited went in together: more than the old channel ever let wait (two to
    // four pages). Not all twelve: when the store is let go, the last pages the fake answered
    // may still be being parsed, and the storer takes what is waiting (seen: 245 orders). All
    // but the last two are read, though: with two requests out at most, a request goes out
    // only once the run has read all but two of the answers before it.
    let largest = orders_per_transaction_stored(&f, shop).await;
    assert!(
        largest >= 5 * 25,
        "the largest transaction stored {largest} orders"
    );
}

/// Holds the store's writes up: a lock on the orders table (PostgreSQL) or the database's
/// write lock (SQLite), taken from a connection of the test's own.
enum StoreHeld {
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
    Sqlite(sqlx::pool::PoolConnection<sqlx::Sqlite>),
}

impl StoreHeld {
    async fn take(env: &TestEnv) -> Self {
        match env.backend {
            Backend::Postgres => {
                let mut tx = env.pg.as_ref().unwrap().pool().begin().await.unwrap();
                sqlx::query("LOCK TABLE pancake_orders IN EXCLUSIVE MODE")
                    .execute(&mut *tx)
                    .await
                    .unwrap();
                Self::Postgres(tx)
            }
            Backend::Sqlite => {
                let mut conn = env.sqlite.as_ref().unwrap().pool().acquire().await.unwrap();
                sqlx::query("BEGIN IMMEDIATE")
                    .execute(&mut *conn)
                    .await
                    .unwrap();
                Self::Sqlite(conn)
            }
        }
    }

    async fn release(self) {
        match self {
            Self::Postgres(tx) => tx.rollback().await.unwrap(),
            Self::Sqlite(mut conn) => {
                sqlx::query("ROLLBACK").execute(&mut *conn).await.unwrap();
            }
        }
    }
}

/// The most orders of `integration` written in one transaction (rows of one transaction share
/// its id on PostgreSQL, its row version on SQLite).
async fn orders_per_transaction_stored(f: &Fixture, integration: Uuid) -> i64 {
    let largest: Vec<(i64,)> = f
        .env
        .integration_rows(
            f.session.tenant_id(),
            integration,
            "SELECT max(n) FROM (SELECT count(*) AS n FROM pancake_orders \
             WHERE integration_id = $1 GROUP BY write_xid) AS t",
            "SELECT max(n) FROM (SELECT count(*) AS n FROM pancake_orders \
             WHERE tenant_id = ? AND integration_id = ? GROUP BY row_version)",
        )
        .await;
    largest[0].0
}

async fn a_window_failing_behind_waiting_windows_leaves_those_before_it_stored_and_checkpointed(
    backend: Backend,
) {
    let mut f = fixture(backend).await;
    // Four windows of a week, and a lookback short enough that a run resumed from the
    // checkpoint reads less than the whole backfill again.
    f.env.core.set_sync_settings(SyncSettings {
        meta_backfill_days: 28,
        meta_lookback_days: 3,
        ..settings()
    });
    let token = "meta-one-account:fails-behind";
    let ads = f.meta(token).await;
    let window = chrono::Duration::days(settings().meta_window_days);
    let first = meta_today() - chrono::Duration::days(27);
    let (second, third, fourth) = (first + window, first + window * 2, first + window * 3);
    assert!(fourth <= meta_today(), "the backfill has four windows");
    // Graph sits on the first window until the run holds the second and the third and the
    // fourth's refusal (for good): the first comes in with two windows and a failure waiting
    // behind it.
    f.meta.handle.hold_insights_from(first);
    f.meta.handle.refuse_insights_from(fourth);
    let core = &f.env.core;
    let session = f.session.clone();
    let in_hand = WindowsInHand::default();
    let run = async {
        let later_in_hand = async {
            in_hand.wait_for(&[second, third, fourth]).await;
            f.meta.handle.release_insights();
        };
        let (run, ()) = tokio::join!(
            in_hand.watch(core.sync_integration(&session, ads, "test-worker")),
            later_in_hand
        );
        run.unwrap()
    };
    let run = run.await;
    assert_eq!(run.outcome, SyncOutcome::Failed);
    assert_eq!(run.error_code.as_deref(), Some("PROVIDER_TOKEN_EXPIRED"));
    // Every window before the refused one is stored, every day once, and the checkpoint is
    // the last of them.
    let through = fourth - chrono::Duration::days(1);
    let before_it = meta_rows_between(&f.meta, token, first, through).await;
    assert!(before_it > 0);
    assert_eq!(
        f.count(ads, SyncedTable::MetaAdInsights).await,
        before_it as i64
    );
    assert_eq!(run.counts["insights"], before_it as i64);
    let cursor = f
        .env
        .store()
        .cursor(session.tenant_id(), ads, "insights")
        .await
        .unwrap()
        .expect("a checkpoint");
    let cursor: serde_json::Value = serde_json::from_str(&cursor).unwrap();
    assert_eq!(cursor["through"], through.to_string());

    // Graph answers again: the next run goes on from that checkpoint (less the lookback) and
    // ends with every day of the backfill once.
    f.meta.handle.answer_refused_insights();
    let resumed = core
        .sync_integration(&session, ads, "test-worker")
        .await
        .unwrap();
    assert_eq!(
        resumed.outcome,
        SyncOutcome::Succeeded,
        "{:?}",
        resumed.error
    );
    let expected = meta_rows_between(&f.meta, token, first, meta_today()).await;
    assert_eq!(
        f.count(ads, SyncedTable::MetaAdInsights).await,
        expected as i64
    );
    assert!(resumed.counts["insights"] < expected as i64);
    assert_eq!(f.count(ads, SyncedTable::MetaAds).await, 12);
}

/// Another writer holding the store: the checkpoints' table locked (PostgreSQL; every batch
/// writes its checkpoint) or the file's write lock taken (SQLite), until [`let_writes_go`]. A
/// storer's transaction waits behind it.
enum WritesHeld {
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
    Sqlite(sqlx::pool::PoolConnection<sqlx::Sqlite>),
}

async fn hold_writes(f: &Fixture) -> WritesHeld {
    match f.env.backend {
        Backend::Postgres => {
            let mut tx = f.env.pg_tenant_tx(f.session.tenant_id()).await;
            sqlx::query("LOCK TABLE sync_cursors IN SHARE MODE")
                .execute(&mut *tx)
                .await
                .unwrap();
            WritesHeld::Postgres(tx)
        }
        Backend::Sqlite => {
            let pool = f.env.sqlite.as_ref().unwrap().pool();
            let mut connection = pool.acquire().await.unwrap();
            sqlx::query("BEGIN IMMEDIATE")
                .execute(&mut *connection)
                .await
                .unwrap();
            WritesHeld::Sqlite(connection)
        }
    }
}

async fn let_writes_go(held: WritesHeld) {
    match held {
        WritesHeld::Postgres(tx) => tx.rollback().await.unwrap(),
        WritesHeld::Sqlite(mut connection) => {
            sqlx::query("ROLLBACK")
                .execute(&mut *connection)
                .await
                .unwrap();
        }
    }
}

async fn while_the_storer_is_behind_the_reader_keeps_one_window_out(backend: Backend) {
    let mut f = fixture_with(
        backend,
        FakeConfig {
            // Windows sent together are out together.
            latency: Duration::from_millis(20),
            ..fake_config()
        },
    )
    .await;
    // Twenty windows of a week, and from the start as many requests out as the ceiling allows.
    f.env.core.set_sync_settings(SyncSettings {
        meta_backfill_days: 140,
        initial_concurrency: 6,
        ..settings()
    });
    let token = "meta-one-account:storer-behind";
    let ads = f.meta(token).await;
    let window = chrono::Duration::days(settings().meta_window_days);
    let first = meta_today() - chrono::Duration::days(139);
    let nth = |n: i32| first + window * (n - 1);
    // Graph sits on the first window while the five after it are answered: the reader is
    // wide while the storer waits for its first window.
    f.meta.handle.hold_insights_from(first);
    let core = &f.env.core;
    let session = f.session.clone();
    let observed = async {
        f.meta
            .handle
            .wait_for_requests(|requests| (2..=6).all(|n| insights_answered(requests, nth(n))))
            .await;
        // Another writer holds the store: the storer, once it has the first window, is stuck
        // writing it, with the windows after it coming in behind.
        let held = hold_writes(&f).await;
        f.meta.handle.release_insights();
        f.meta
            .handle
            .wait_for_requests(|requests| insights_answered(requests, first))
            .await;
        f.meta.handle.recount_insights_in_flight();
        f.meta
            .handle
            .wait_for_requests(|requests| insights_answered(requests, nth(8)))
            .await;
        let most = f.meta.handle.most_insights_in_flight();
        let_writes_go(held).await;
        most
    };
    let (run, most) = tokio::join!(
        core.sync_integration(&session, ads, "test-worker"),
        observed
    );
    let run = run.unwrap();
    assert_eq!(run.outcome, SyncOutcome::Succeeded, "{:?}", run.error);
    // Windows 7 and 8 went out while the storer was behind: one at a time (six at once
    // would only have taken cores from the database).
    assert_eq!(most, 1, "windows out at once while the storer was behind");
    let expected = meta_rows_between(&f.meta, token, first, meta_today()).await;
    assert_eq!(
        f.count(ads, SyncedTable::MetaAdInsights).await,
        expected as i64
    );
}

/// The transactions the insights of `integration` were written in.
async fn insights_transactions(f: &Fixture, integration: Uuid) -> i64 {
    let count: Vec<(i64,)> = f
        .env
        .integration_rows(
            f.session.tenant_id(),
            integration,
            "SELECT count(DISTINCT write_xid::text) FROM meta_ad_insights \
             WHERE integration_id = $1",
            "SELECT count(DISTINCT row_version) FROM meta_ad_insights \
             WHERE tenant_id = ? AND integration_id = ?",
        )
        .await;
    count[0].0
}

async fn a_windows_ads_go_out_in_slices_side_by_side_and_every_day_and_ad_is_stored_once(
    backend: Backend,
) {
    let mut f = fixture_with(
        backend,
        FakeConfig {
            // Slices sent together are out together.
            latency: Duration::from_millis(30),
            ..fake_config()
        },
    )
    .await;
    // The whole backfill is one window: requests out together are slices of it.
    f.env.core.set_sync_settings(sliced(SyncSettings {
        meta_window_days: 30,
        ..settings()
    }));
    let token = "meta-one-account:slices";
    let ads = f.meta(token).await;
    let run = f.sync_succeeded(ads).await;
    assert!(f.meta.handle.most_insights_in_flight() >= 2);

    // Three slices of the listed ads, apart, and one for every ad but those.
    let answers = insights_answers(&f.meta.handle.requests(), meta_backfill_start());
    let mut filters: Vec<_> = answers.iter().map(|r| ad_filter(r).unwrap()).collect();
    filters.sort();
    let listed = listed_ads(&f.meta, token).await;
    assert_eq!(listed.len(), 12);
    let (rest, slices) = filters.split_first().unwrap();
    assert_eq!(*rest, (false, listed.clone()));
    let mut in_slices: Vec<String> = slices
        .iter()
        .flat_map(|(only, ids)| {
            assert!(*only && ids.len() <= 5);
            ids.clone()
        })
        .collect();
    in_slices.sort();
    assert_eq!(in_slices, listed);

    // Every ad-day once: stored, and counted by the run.
    let expected = f.meta_rows_expected(token).await;
    assert!(expected > 0);
    assert_eq!(
        f.count(ads, SyncedTable::MetaAdInsights).await,
        expected as i64
    );
    assert_eq!(run.counts["insights"], expected as i64);
    assert_eq!(f.count(ads, SyncedTable::MetaAds).await, 12);
}

async fn a_window_whose_last_slice_is_out_is_not_stored_so_a_cut_resumes_exactly(backend: Backend) {
    let mut f = fixture(backend).await;
    f.env.core.set_sync_settings(sliced(settings()));
    let token = "meta-one-account:slice-cut";
    let ads = f.meta(token).await;
    let window = chrono::Duration::days(settings().meta_window_days);
    let first = meta_backfill_start();
    let second = first + window;
    assert!(
        second + window <= meta_today(),
        "the backfill has three windows"
    );
    // Graph sits on the second window's slice of its sixth listed ad; its other slices are
    // answered.
    let listed = listed_ads(&f.meta, token).await;
    f.meta.handle.hold_insights_slice(second, &listed[5]);
    let mut progress = f.env.core.subscribe_sync();
    let core = &f.env.core;
    let session = f.session.clone();
    let run = async {
        core.sync_integration(&session, ads, "worker-that-dies")
            .await
    };
    let first_stored_and_other_slices_answered = async {
        first_insights_window_stored(&mut progress, ads).await;
        f.meta
            .handle
            .wait_for_requests(|requests| insights_answers(requests, second).len() == 3)
            .await;
    };
    tokio::select! {
        _ = run => panic!("the run cannot finish while Graph holds a slice back"),
        _ = first_stored_and_other_slices_answered => {}
    }
    // Three slices of the second window are in, yet none of it is stored: only the first
    // window, whose checkpoint the run is cut at.
    only_the_first_window_is_stored_then_the_resumed_run_stores_every_day_once(
        &f, token, ads, first, second,
    )
    .await;
}

async fn usage_near_graphs_limit_sends_insights_windows_one_at_a_time(backend: Backend) {
    // Every Graph answer says usage is at 95 %, the app's included.
    windows_go_one_at_a_time_for(backend, "meta-high-usage:t1").await;
}

async fn an_ad_accounts_own_high_usage_sends_its_windows_one_at_a_time(backend: Backend) {
    // The account's usage is at 95 %, the app's at 3 %: the signal is the account's.
    windows_go_one_at_a_time_for(backend, "meta-busy-account:t1").await;
}

async fn windows_go_one_at_a_time_for(backend: Backend, token: &str) {
    let mut f = fixture_with_meta_http(
        backend,
        FakeConfig {
            // Two slices sent together are out together.
            latency: Duration::from_millis(30),
            ..fake_config()
        },
        HttpSettings {
            // The client's own pause before its next request, kept short for the test.
            high_usage_pause: Duration::from_millis(1),
            ..fast_http()
        },
    )
    .await;
    // One window in three ad slices (6, 6 and the rest): few requests, as the sync's Graph
    // client pauses 10 s before each request after a high-usage answer.
    f.env.core.set_sync_settings(SyncSettings {
        meta_window_days: 30,
        meta_ads_per_slice: 6,
        ..settings()
    });
    let ads = f.meta(token).await;
    f.sync_succeeded(ads).await;
    // Every answer cut the engine's limit as a 429 would, so from two requests out at first
    // it went down to one: the slices went one by one.
    assert!(meta_slow_downs(&f).await > 0);
    assert_eq!(f.meta.handle.most_insights_in_flight(), 1);
    let answers = insights_answers(&f.meta.handle.requests(), meta_backfill_start());
    assert_eq!(answers.len(), 3, "two slices and the rest");
    let expected = f.meta_rows_expected(token).await;
    assert!(expected > 0);
    assert_eq!(
        f.count(ads, SyncedTable::MetaAdInsights).await,
        expected as i64
    );
}

async fn graphs_request_limit_slows_the_insights_down_but_loses_nothing(backend: Backend) {
    let config = fake_config();
    // The same data without a limit, to count what the sync must end up with.
    let unlimited = start_meta(config.clone()).await.unwrap();
    let mut f = fixture_with(
        backend,
        FakeConfig {
            rate_limit_per_sec: Some(2),
            ..config
        },
    )
    .await;
    // At 2 requests a second, the few requests of the account, its ads and its windows take
    // a few seconds: more than the tight retry budget of the other tests.
    f.env.core.set_sync_settings(SyncSettings {
        page_attempts: 12,
        ..settings()
    });
    let token = "meta-one-account:limited";
    let ads = f.meta(token).await;
    f.sync_succeeded(ads).await;
    // Graph's "(#4) Application request limit reached" answers came, cut the engine's limit
    // and were waited out.
    assert!(f.meta.handle.status_count(400) > 0, "the limit was met");
    assert!(meta_slow_downs(&f).await > 0);
    let expected = meta_rows_between(&unlimited, token, meta_backfill_start(), meta_today()).await;
    assert!(expected > 0);
    assert_eq!(
        f.count(ads, SyncedTable::MetaAdInsights).await,
        expected as i64
    );
}

async fn a_429_storm_slows_the_sync_down_but_loses_nothing(backend: Backend) {
    // The `storm` key meets seven 429s in a row whatever the client's speed, so the storm
    // happens on a busy machine too.
    let f = fixture_with(
        backend,
        FakeConfig {
            retry_after_secs: 0,
            ..fake_config()
        },
    )
    .await;
    let shop = f.pancake("storm:t1").await;
    f.sync_succeeded(shop).await;
    assert_eq!(f.pancake.handle.status_count(429), 7, "the storm happened");
    assert_eq!(
        f.count(shop, SyncedTable::PancakeOrders).await,
        i64::from(ORDERS)
    );
}

/// What runs of a Pancake integration learned of its rate limit, as stored.
async fn learned_limit(f: &Fixture, shop: Uuid) -> serde_json::Value {
    let text = f
        .env
        .store()
        .cursor(f.session.tenant_id(), shop, "pancake.limit")
        .await
        .unwrap()
        .expect("a run keeps what it learned of the limit");
    serde_json::from_str(&text).unwrap()
}

async fn the_limit_a_storm_taught_is_kept_for_the_next_runs_of_that_key_and_not_a_new_one(
    backend: Backend,
) {
    let f = fixture_with(
        backend,
        FakeConfig {
            retry_after_secs: 0,
            ..fake_config()
        },
    )
    .await;
    let shop = f.pancake("storm:remembered").await;
    let sync = || async {
        f.sync_succeeded(shop).await;
    };
    sync().await;
    let taught = learned_limit(&f, shop).await;
    assert!(
        taught["learned"]["ceiling"].as_u64().is_some(),
        "the storm left a ceiling: {taught}"
    );
    let stored = taught.to_string();
    assert!(!stored.contains("storm"), "no trace of the key: {stored}");

    // The storm is spent: this run meets no 429, so a ceiling in its checkpoint is one it
    // started under, read back from the database.
    let before = f.pancake.handle.status_count(429);
    sync().await;
    assert_eq!(f.pancake.handle.status_count(429), before);
    let kept = learned_limit(&f, shop).await;
    assert_eq!(kept["credentials"], taught["credentials"]);
    assert!(kept["learned"]["ceiling"].as_u64().is_some(), "{kept}");

    // A new key (a reconnect) has a limit of its own: it starts afresh.
    let current = f.env.core.get_integration(&f.session, shop).await.unwrap();
    f.env
        .core
        .update_integration(
            &f.session,
            shop,
            IntegrationUpdate {
                credentials: Some(Credentials::pancake(SecretString::from("one-shop:new-key"))),
                expected_version: Some(current.version),
                ..IntegrationUpdate::default()
            },
        )
        .await
        .unwrap();
    sync().await;
    let fresh = learned_limit(&f, shop).await;
    assert_ne!(fresh["credentials"], taught["credentials"]);
    assert!(fresh["learned"]["ceiling"].is_null(), "{fresh}");
}

async fn pancakes_rate_limit_is_met_in_one_burst_on_a_first_backfill_and_never_once_learned(
    backend: Backend,
) {
    // Instant answers: the first backfill outruns four requests a second at once and meets
    // the limit; what it learns must keep it, and the next run, under the limit from then on.
    const PER_SECOND: u32 = 4;
    let f = fixture_with(
        backend,
        FakeConfig {
            orders_per_shop: 300,
            rate_limit_per_sec: Some(PER_SECOND),
            retry_after_secs: 1,
            ..fake_config()
        },
    )
    .await;
    let shop = f.pancake("one-shop:paced").await;
    let sync = || async {
        f.sync_succeeded(shop).await;
        f.count(shop, SyncedTable::PancakeOrders).await
    };
    assert_eq!(sync().await, 300);
    let first = f.pancake.handle.status_count(429);
    assert!(first > 0, "the first backfill met the limit");
    // The requests out when the first 429 came, and no more: after it, none went before the
    // provider's second was over, and no second (and a sixteenth) held more than it showed.
    // Unpaced, the same backfill met a burst of 429s in every second it lasted.
    assert!(
        first <= settings().max_concurrency,
        "{first} 429s on the first backfill"
    );
    let learned = learned_limit(&f, shop).await;
    // What the 429 showed: the starts before it, fewer if two out at once arrived the other
    // way round, never more.
    let per_second = learned["learned"]["perSecond"].as_u64().expect("a rate");
    assert!(
        (2..=u64::from(PER_SECOND)).contains(&per_second),
        "{learned}"
    );
    let orders_pages = f.pancake.handle.path_count("/orders");

    // The next run, later (in a second of the provider's of its own), starts paced at what
    // was learned: not a single 429.
    f.pancake.handle.end_rate_limit_second();
    assert_eq!(sync().await, 300);
    assert!(f.pancake.handle.path_count("/orders") > orders_pages);
    assert_eq!(
        f.pancake.handle.status_count(429),
        first,
        "none on the next run"
    );
}

/// The fake's `meta-expires-mid-sync` token answers only the earliest window it was asked for so
/// far: windows side by side that reach it latest first would all be answered, and the token
/// would never die. One window at a time, it dies after the first.
fn one_window_at_a_time(f: &mut Fixture) {
    f.env.core.set_sync_settings(SyncSettings {
        initial_concurrency: 1,
        max_concurrency: 1,
        ..settings()
    });
}

async fn a_credential_that_dies_mid_sync_sets_error_and_asks_to_reconnect(backend: Backend) {
    let mut f = fixture(backend).await;
    one_window_at_a_time(&mut f);
    let ads = f.meta("meta-expires-mid-sync:t1").await;
    let mut progress = f.env.core.subscribe_sync();
    let run = f
        .env
        .core
        .sync_integration(&f.session, ads, "test-worker")
        .await
        .unwrap();
    assert_eq!(run.outcome, SyncOutcome::Failed);
    assert_eq!(run.error_code.as_deref(), Some("PROVIDER_TOKEN_EXPIRED"));
    // The window read before the token died is kept.
    assert!(f.count(ads, SyncedTable::MetaAdInsights).await > 0);
    let after = f.env.core.get_integration(&f.session, ads).await.unwrap();
    assert_eq!(after.status, IntegrationStatus::Error);
    assert!(after.last_error.unwrap().contains("Reconnect"));
    // It does not knock with the dead token every hour: the next try is a day away.
    let schedule = f
        .env
        .core
        .sync_schedule(&f.session, ads)
        .await
        .unwrap()
        .unwrap();
    assert!(schedule.next_run_at > Utc::now() + chrono::Duration::hours(23));
    let mut last = None;
    while let Ok(event) = progress.try_recv() {
        last = Some(event);
    }
    let last = last.unwrap();
    assert_eq!(last.outcome, Some(SyncOutcome::Failed));
    assert_eq!(last.error_code.as_deref(), Some("PROVIDER_TOKEN_EXPIRED"));

    let shop = f.pancake("disabled-mid-sync:k1").await;
    let run = f
        .env
        .core
        .sync_integration(&f.session, shop, "test-worker")
        .await
        .unwrap();
    assert_eq!(run.outcome, SyncOutcome::Failed);
    assert_eq!(run.error_code.as_deref(), Some("PROVIDER_AUTH_REJECTED"));
    assert!(!run.error.unwrap().contains("disabled-mid-sync:k1"));
    let after = f.env.core.get_integration(&f.session, shop).await.unwrap();
    assert_eq!(after.status, IntegrationStatus::Error);
}

async fn two_workers_racing_for_one_integration_run_it_once(backend: Backend) {
    let f = fixture_with(
        backend,
        FakeConfig {
            latency: Duration::from_millis(20),
            ..fake_config()
        },
    )
    .await;
    let shop = f.pancake("one-shop:race").await;
    let scope = ClaimScope {
        tenant: Some(f.session.tenant_id()),
        integration: Some(shop),
    };
    let core = &f.env.core;
    let (a, b) = tokio::join!(
        core.run_next_job("worker-a", scope),
        core.run_next_job("worker-b", scope)
    );
    let ran: Vec<_> = [a.unwrap(), b.unwrap()].into_iter().flatten().collect();
    assert_eq!(ran.len(), 1, "exactly one worker ran it");
    assert_eq!(ran[0].outcome, SyncOutcome::Succeeded);
    assert_eq!(
        core.sync_history(&f.session, shop, 10).await.unwrap().len(),
        1
    );
}

async fn only_enabled_integrations_have_a_schedule(backend: Backend) {
    let f = fixture(backend).await;
    let shop = f.pancake("one-shop:schedule").await;
    let schedule = f
        .env
        .core
        .sync_schedule(&f.session, shop)
        .await
        .unwrap()
        .expect("enabled: scheduled");
    assert_eq!(schedule.interval_minutes, 60);
    let changed = f
        .env
        .core
        .set_sync_interval(&f.session, shop, 30)
        .await
        .unwrap();
    assert_eq!(changed.interval_minutes, 30);
    assert_eq!(
        f.env
            .core
            .set_sync_interval(&f.session, shop, 1)
            .await
            .unwrap_err()
            .code(),
        integrations_core::ErrorCode::Validation
    );
    f.env
        .core
        .disable_integration(&f.session, shop)
        .await
        .unwrap();
    assert!(f
        .env
        .core
        .sync_schedule(&f.session, shop)
        .await
        .unwrap()
        .is_none());
    let err = f
        .env
        .core
        .sync_integration(&f.session, shop, "test-worker")
        .await
        .unwrap_err();
    assert_eq!(err.code(), integrations_core::ErrorCode::Validation);
    // Nothing was fetched for a disabled integration.
    assert_eq!(f.pancake.handle.path_count("/orders"), 0);
    let _ = &f.meta;
}

/// An Edit dialog opened before a sync finished saves with the version it was opened on: a
/// run's lastSyncAt, status and error are not an edit, whether it succeeded or failed. An edit
/// made in between by someone else still makes that version stale.
async fn an_edit_opened_before_a_sync_finished_saves_but_not_over_a_real_edit(backend: Backend) {
    let mut f = fixture(backend).await;
    let shop = f.pancake("one-shop:edit").await;
    let opened = f.env.core.get_integration(&f.session, shop).await.unwrap();
    assert!(opened.last_sync_at.is_none());
    f.sync_succeeded(shop).await;
    let synced = f.env.core.get_integration(&f.session, shop).await.unwrap();
    assert_eq!(synced.status, IntegrationStatus::Active);
    assert!(synced.last_sync_at.is_some());
    assert_eq!(synced.version, opened.version, "a sync is not an edit");

    let saved = f
        .env
        .core
        .update_integration(
            &f.session,
            shop,
            IntegrationUpdate {
                name: Some("Shop thời trang – Quận 1".into()),
                expected_version: Some(opened.version),
                ..IntegrationUpdate::default()
            },
        )
        .await
        .expect("the dialog opened before the sync saves");
    assert_eq!(saved.name, "Shop thời trang – Quận 1");
    assert!(saved.version > opened.version);
    // The run's outcome stays as it was recorded.
    assert_eq!(saved.last_sync_at, synced.last_sync_at);
    assert_eq!(saved.status, IntegrationStatus::Active);

    // Someone else's edit in between: the same dialog is now stale, and nothing is lost.
    let stale = IntegrationUpdate {
        description: Some(Some("Cửa hàng chính".into())),
        expected_version: Some(opened.version),
        ..IntegrationUpdate::default()
    };
    assert_stale_edit_loses_nothing(&f.env.core, &f.session, &saved, stale).await;

    // A run that fails (the token dies mid-way) records its error, and is no edit either.
    one_window_at_a_time(&mut f);
    let ads = f.meta("meta-expires-mid-sync:edit").await;
    let opened = f.env.core.get_integration(&f.session, ads).await.unwrap();
    let run = f
        .env
        .core
        .sync_integration(&f.session, ads, "test-worker")
        .await
        .unwrap();
    assert_eq!(run.outcome, SyncOutcome::Failed);
    let failed = f.env.core.get_integration(&f.session, ads).await.unwrap();
    assert_eq!(failed.status, IntegrationStatus::Error);
    assert_eq!(failed.version, opened.version);
    let renamed = f
        .env
        .core
        .update_integration(
            &f.session,
            ads,
            IntegrationUpdate {
                name: Some("Quảng cáo Meta – Tết".into()),
                expected_version: Some(opened.version),
                ..IntegrationUpdate::default()
            },
        )
        .await
        .expect("the dialog opened before the failed run saves");
    assert_eq!(renamed.status, IntegrationStatus::Error);
    assert_eq!(renamed.last_error, failed.last_error);
}

/// A warehouse removed in Pancake takes its stock lines with it at the next sync; the other
/// warehouse's lines stay.
async fn stock_of_a_warehouse_removed_in_pancake_is_gone_after_the_next_sync(backend: Backend) {
    const LINE: &str = "variation_id || '/' || warehouse_id";
    let f = fixture(backend).await;
    let shop = f.pancake("one-shop:warehouse").await;
    let tenant = f.session.tenant_id();
    let sync = || async {
        f.sync_succeeded(shop).await;
    };
    sync().await;
    let before = f.env.synced_rows(tenant, shop, "pancake_stock", LINE).await;
    let warehouses: std::collections::BTreeSet<&str> = before
        .keys()
        .map(|line| line.split_once('/').unwrap().1)
        .collect();
    assert_eq!(warehouses.len(), 2, "{warehouses:?}");
    let gone = *warehouses.last().unwrap();

    f.pancake.remove_warehouse(gone);
    sync().await;
    let after = f.env.synced_rows(tenant, shop, "pancake_stock", LINE).await;
    let kept: std::collections::BTreeMap<String, String> = before
        .iter()
        .filter(|(line, _)| !line.ends_with(&format!("/{gone}")))
        .map(|(line, row)| (line.clone(), row.clone()))
        .collect();
    assert!(!kept.is_empty());
    assert_eq!(after, kept);
}

on_both_stores!(
    every_order_and_insight_is_stored_exactly_once,
    a_sync_stopped_mid_way_resumes_without_losing_or_doubling_rows,
    a_429_storm_slows_the_sync_down_but_loses_nothing,
    the_limit_a_storm_taught_is_kept_for_the_next_runs_of_that_key_and_not_a_new_one,
    pancakes_rate_limit_is_met_in_one_burst_on_a_first_backfill_and_never_once_learned,
    a_credential_that_dies_mid_sync_sets_error_and_asks_to_reconnect,
    two_workers_racing_for_one_integration_run_it_once,
    only_enabled_integrations_have_a_schedule,
    an_edit_opened_before_a_sync_finished_saves_but_not_over_a_real_edit,
    stock_of_a_warehouse_removed_in_pancake_is_gone_after_the_next_sync,
    insights_windows_go_out_side_by_side_yet_are_stored_in_order_so_a_cut_resumes_exactly,
    insights_windows_already_waiting_are_stored_together_in_one_transaction,
    orders_answered_while_the_store_is_busy_wait_and_go_in_together,
    a_window_failing_behind_waiting_windows_leaves_those_before_it_stored_and_checkpointed,
    while_the_storer_is_behind_the_reader_keeps_one_window_out,
    a_windows_ads_go_out_in_slices_side_by_side_and_every_day_and_ad_is_stored_once,
    a_window_whose_last_slice_is_out_is_not_stored_so_a_cut_resumes_exactly,
    usage_near_graphs_limit_sends_insights_windows_one_at_a_time,
    an_ad_accounts_own_high_usage_sends_its_windows_one_at_a_time,
    graphs_request_limit_slows_the_insights_down_but_loses_nothing,
);
