//! `sync-bench`: how fast the sync engine moves Pancake orders and Meta insights from the fake
//! servers into PostgreSQL, next to a raw `COPY` of the same rows into the same tables (the
//! ceiling); and, against a fake that answers slowly and rate-limits, how much its concurrent
//! paging gains over one request at a time. With `--store sqlite`, the same instant backfill
//! into a new SQLite file opened as the standalone app opens it, next to a prepared `INSERT`
//! loop in one transaction (SQLite has no `COPY`).
//!
//! Each PostgreSQL run creates its own database `bench_<uuid>` next to `TEST_DATABASE_URL` (or
//! `--database-url`, a maintenance database reachable by a role with CREATEDB) and drops it at
//! the end; a SQLite run's files live in a temporary directory, removed at the end. Figures are
//! printed, never asserted: this is not a test.

mod copy;
mod cpu;
mod fetch;
mod setup;
mod sqlite_insert;

use std::process::ExitCode;
use std::time::{Duration, Instant};

use chrono::Utc;
use clap::{Parser, ValueEnum};
use integrations_core::store::{PostgresStore, SqliteStore, SyncedTable};
use integrations_core::SyncSettings;
use integrations_fake_servers::{FakeConfig, FakeHandle};
use integrations_providers::{AdInsightRow, PancakeOrder};
use tracing_subscriber::filter::{EnvFilter, Targets};
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::Layer as _;
use uuid::Uuid;

use integrations_bench::database::Database;
use setup::{Bench, BenchStore, EngineFigures, LastRun, Target};

#[derive(Parser, Debug)]
#[command(
    name = "sync-bench",
    about = "Sync throughput of the engine against the fake servers, next to a raw COPY"
)]
struct Args {
    /// Orders synced with the instant fake.
    #[arg(long, default_value_t = 100_000)]
    orders: u32,
    /// Meta insights rows (12 ads × days) synced with the instant fake. Meta keeps 37 months of
    /// insights and the engine reads no further back, so at most about 13,300 rows.
    #[arg(long, default_value_t = 13_000)]
    insights: u32,
    /// Days of order history the instant fake spreads the orders over (synced in 7-day windows).
    #[arg(long, default_value_t = 365)]
    days: u32,
    /// Orders per page (the engine's `order_page_size`) with the instant fake.
    #[arg(long, default_value_t = 100)]
    page_size: u32,
    /// Most requests in flight (the engine's `max_concurrency`).
    #[arg(long, default_value_t = SyncSettings::default().max_concurrency)]
    max_concurrency: usize,
    /// Delay the slow fake adds to every answer, in milliseconds.
    #[arg(long, default_value_t = 500)]
    delay_ms: u64,
    /// Requests per second above which the slow fake answers 429 (0: no limit).
    #[arg(long, default_value_t = 8)]
    rate_limit: u32,
    /// Orders synced with the slow fake.
    #[arg(long, default_value_t = 20_000)]
    slow_orders: u32,
    /// Days of order history of the slow fake.
    #[arg(long, default_value_t = 30)]
    slow_days: u32,
    /// Orders per page with the slow fake.
    #[arg(long, default_value_t = 100)]
    slow_page_size: u32,
    /// Insights rows synced with the slow fake.
    #[arg(long, default_value_t = 10_000)]
    slow_insights: u32,
    /// Ads of the Graph fake's account in the `meta-windows` scenario.
    #[arg(long, default_value_t = 200)]
    meta_ads: usize,
    /// Days of the `meta-windows` backfill (30-day windows).
    #[arg(long, default_value_t = 90)]
    meta_backfill_days: u32,
    /// Delays added to every Graph answer in the `meta-windows` scenario, in milliseconds.
    #[arg(long, value_delimiter = ',', default_values_t = [0, 100])]
    meta_latencies_ms: Vec<u64>,
    /// Orders the engine stores together in one transaction at most (the engine's
    /// `orders_per_transaction`), from the answers already waiting.
    #[arg(long, default_value_t = SyncSettings::default().orders_per_transaction)]
    orders_per_transaction: usize,
    /// Also run the write path with one thing changed at a time (bigger transactions, no row
    /// trigger, no items JSON, two writers) and the fake's and the client's JSON work without
    /// HTTP, to see where the time goes.
    #[arg(long)]
    diagnose: bool,
    /// Which scenarios to run.
    #[arg(long, value_enum, default_value_t = Only::All)]
    only: Only,
    /// Session settings for every connection to the bench database, as libpq's `options`
    /// (e.g. `-c synchronous_commit=off`, to see what the commits cost).
    #[arg(long)]
    pg_options: Option<String>,
    /// The database the engine writes to: a PostgreSQL database of the bench's own (shared
    /// mode), or a new SQLite file as the standalone app opens it (instant scenario only: the
    /// slow one measures the rate limit, which no store changes).
    #[arg(long, value_enum, default_value_t = StoreKind::Postgres)]
    store: StoreKind,
    /// Directory the SQLite file is made in (a temporary directory inside it, removed at the
    /// end). The standalone app keeps its file on the user's disk: bench on a disk, not tmpfs.
    #[arg(long, default_value_os_t = std::env::temp_dir())]
    sqlite_dir: std::path::PathBuf,
    /// A maintenance database of the PostgreSQL server to bench on (`--store postgres`).
    #[arg(long, env = "TEST_DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum StoreKind {
    Postgres,
    Sqlite,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Only {
    All,
    Instant,
    Slow,
    /// Only the Meta insights backfill with windows one at a time and side by side.
    MetaWindows,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let last_run = LastRun::default();
    // Engine logs on stderr only when RUST_LOG asks; the end-of-run figures are always caught.
    let logs = std::env::var_os("RUST_LOG").map(|_| {
        tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .with_filter(EnvFilter::from_default_env())
    });
    tracing_subscriber::registry()
        .with(
            last_run
                .clone()
                .with_filter(Targets::new().with_target("integrations_core", tracing::Level::INFO)),
        )
        .with(logs)
        .init();

    if args.store == StoreKind::Sqlite {
        let target = Target::Sqlite {
            parent: args.sqlite_dir.clone(),
        };
        return match run(&args, &target, &last_run).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("sync-bench: {err:#}");
                ExitCode::FAILURE
            }
        };
    }
    let Some(admin_url) = args.database_url.as_deref() else {
        eprintln!("sync-bench: set TEST_DATABASE_URL or --database-url (or use --store sqlite)");
        return ExitCode::FAILURE;
    };
    let database = match Database::create(admin_url).await {
        Ok(database) => database,
        Err(err) => {
            eprintln!("sync-bench: {err:#}");
            return ExitCode::FAILURE;
        }
    };
    let url = match &args.pg_options {
        Some(options) => {
            let joint = if database.url.contains('?') { '&' } else { '?' };
            format!("{}{joint}options={}", database.url, url_encode(options))
        }
        None => database.url.clone(),
    };
    let result = run(&args, &Target::Postgres(url), &last_run).await;
    let dropped = database.drop_now().await;
    let mut code = ExitCode::SUCCESS;
    for err in [result.err(), dropped.err()].into_iter().flatten() {
        eprintln!("sync-bench: {err:#}");
        code = ExitCode::FAILURE;
    }
    code
}

async fn run(args: &Args, target: &Target, last_run: &LastRun) -> anyhow::Result<()> {
    let url = match target {
        Target::Postgres(url) => url,
        Target::Sqlite { parent } => {
            print_machine_sqlite(parent).await?;
            if args.diagnose {
                anyhow::bail!("--diagnose runs on PostgreSQL only");
            }
            if args.only == Only::Slow {
                anyhow::bail!("the slow scenario runs on PostgreSQL only");
            }
            if args.only == Only::MetaWindows {
                return meta_windows(args, target, last_run).await;
            }
            return instant(args, target, last_run).await;
        }
    };
    print_machine(url).await?;
    if args.only == Only::MetaWindows {
        return meta_windows(args, target, last_run).await;
    }
    if args.only != Only::Slow {
        instant(args, target, last_run).await?;
    }
    if args.only != Only::Instant {
        slow(args, target, last_run).await?;
    }
    Ok(())
}

/// The SQLite library and the settings a new file gets from the standalone store, read back
/// from the file rather than assumed.
async fn print_machine_sqlite(parent: &std::path::Path) -> anyhow::Result<()> {
    let dir = tempfile::tempdir_in(parent)?;
    let store = SqliteStore::open(&dir.path().join("settings.db")).await?;
    let (version, journal, synchronous): (String, String, i64) = sqlx::query_as(
        "SELECT sqlite_version(), (SELECT journal_mode FROM pragma_journal_mode), \
         (SELECT synchronous FROM pragma_synchronous)",
    )
    .fetch_one(store.pool())
    .await?;
    store.pool().close().await;
    let synchronous = match synchronous {
        0 => "OFF",
        1 => "NORMAL",
        2 => "FULL",
        3 => "EXTRA",
        _ => "?",
    };
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    println!(
        "machine: {cores} cores; SQLite {version}, a file in {} (journal_mode={journal}, \
         synchronous={synchronous})",
        parent.display()
    );
    Ok(())
}

async fn print_machine(url: &str) -> anyhow::Result<()> {
    let store = PostgresStore::connect(url).await?;
    let (version, commit): (String, String) = sqlx::query_as(
        "SELECT current_setting('server_version'), current_setting('synchronous_commit')",
    )
    .fetch_one(store.pool())
    .await?;
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    println!(
        "machine: {cores} cores; PostgreSQL {version} on this host (synchronous_commit={commit})"
    );
    Ok(())
}

/// The Meta fake has 12 ads, started 0, 10 and 20 days into its history by campaign: the days
/// of history that give about `rows` daily rows.
fn meta_days(rows: u32) -> u32 {
    (rows + 120).div_ceil(12).saturating_sub(1).max(21)
}

fn fake(orders: u32, days: u32) -> FakeConfig {
    FakeConfig {
        orders_per_shop: orders,
        days,
        // The data ends now, so a sync "up to now" covers all of it.
        end_time: Utc::now() - chrono::Duration::minutes(1),
        ..FakeConfig::default()
    }
}

fn settings(order_days: u32, meta_days: u32, page_size: u32, args: &Args) -> SyncSettings {
    SyncSettings {
        order_backfill: chrono::Duration::days(i64::from(order_days) + 2),
        order_page_size: page_size,
        meta_backfill_days: i64::from(meta_days) + 2,
        max_concurrency: args.max_concurrency,
        orders_per_transaction: args.orders_per_transaction.max(1),
        ..SyncSettings::default()
    }
}

/// One line of the instant table.
struct Measure {
    what: &'static str,
    rows: u64,
    took: Duration,
    cpu: Option<cpu::CpuUse>,
}

impl Measure {
    fn new(what: &'static str, rows: impl TryInto<u64>, took: Duration) -> Self {
        Self {
            what,
            rows: rows.try_into().unwrap_or(0),
            took,
            cpu: None,
        }
    }

    fn with_cpu(self, cpu: cpu::CpuUse) -> Self {
        Self {
            cpu: Some(cpu),
            ..self
        }
    }

    fn rate(&self) -> f64 {
        self.rows as f64 / self.took.as_secs_f64().max(1e-9)
    }
}

/// "Sync now" of `id`, timed: how long it took, the engine's end-of-run figures, and the rows
/// `table` holds after it.
async fn timed_sync(
    bench: &Bench,
    last_run: &LastRun,
    id: Uuid,
    table: SyncedTable,
) -> anyhow::Result<(Duration, EngineFigures, i64)> {
    last_run.take();
    let (_, took) = timed(bench.sync(id)).await?;
    let figures = last_run.take().unwrap_or_default();
    let rows = bench.stored(bench.session.tenant_id(), id, table).await?;
    Ok((took, figures, rows))
}

async fn timed<T>(
    future: impl std::future::Future<Output = anyhow::Result<T>>,
) -> anyhow::Result<(T, Duration)> {
    let started = Instant::now();
    let value = future.await?;
    Ok((value, started.elapsed()))
}

/// Like [`timed`], with the CPU time this process and the bench database's backends spent.
async fn measured<T>(
    bench: &Bench,
    future: impl std::future::Future<Output = anyhow::Result<T>>,
) -> anyhow::Result<(T, Duration, cpu::CpuUse)> {
    let pool = bench.store.postgres().ok().map(|store| store.pool());
    let before = cpu::Snapshot::take(pool).await;
    let (value, took) = timed(future).await?;
    Ok((value, took, before.spent(pool).await))
}

async fn instant(args: &Args, target: &Target, last_run: &LastRun) -> anyhow::Result<()> {
    let pancake = fake(args.orders, args.days);
    let meta_days = meta_days(args.insights);
    let meta = fake(0, meta_days);
    let settings = settings(args.days, meta_days, args.page_size, args);
    let page = args.page_size as usize;
    let window_rows = (settings.meta_window_days * 12) as usize;
    let bench = Bench::start(
        target,
        pancake.clone(),
        meta.clone(),
        settings.clone(),
        "instant",
    )
    .await?;
    let ceiling = match &bench.store {
        BenchStore::Postgres(_) => "COPY",
        BenchStore::Sqlite(_) => "INSERT",
    };
    println!(
        "\n## Instant fake: {} orders over {} days (pages of {}, 7-day windows), \
         {} days of insights for 12 ads (30-day windows); up to {} requests in flight",
        args.orders, args.days, args.page_size, meta_days, args.max_concurrency
    );

    // Orders. The ceiling goes first, into the emptier table: the ratio errs against the engine.
    let orders = copy::fixture_orders(&pancake)?;
    let mut order_lines = vec![measure_ceiling(&bench, Rows::Orders(&orders)).await?];
    // The engine as it was, one transaction per answer, before the engine as it is (so the
    // fuller table is the one the engine as it is writes into).
    let paged = Bench::start(
        target,
        pancake.clone(),
        meta.clone(),
        SyncSettings {
            orders_per_transaction: 1,
            ..settings.clone()
        },
        "instant-paged",
    )
    .await?;
    let id = paged.pancake_integration(&paged.session, true).await?;
    let (_, took) = timed(paged.sync(id)).await?;
    let synced = paged
        .stored(paged.session.tenant_id(), id, SyncedTable::PancakeOrders)
        .await?;
    let per_answer = Measure::new("orders: engine, 1 page a transaction", synced, took);
    drop(paged);
    let id = bench.pancake_integration(&bench.session, true).await?;
    last_run.take();
    let (_, took, cpu) = measured(&bench, bench.sync(id)).await?;
    let order_figures = last_run.take().unwrap_or_default();
    let synced = bench
        .stored(bench.session.tenant_id(), id, SyncedTable::PancakeOrders)
        .await?;
    order_lines.push(Measure::new("orders: engine sync", synced, took).with_cpu(cpu));
    order_lines.push(per_answer);
    let (tenant, id) = bench.fresh_tenant("write-orders", false).await?;
    let writing = Rows::Orders(&orders).write_path(bench.store.sync_store(), tenant, id, page);
    let (written, took, cpu) = measured(&bench, writing).await?;
    order_lines.push(Measure::new("orders: write path only", written, took).with_cpu(cpu));
    let fetching = fetch::orders(&bench.pancake.base_url, &settings);
    let (fetched, took, cpu) = measured(&bench, fetching).await?;
    order_lines.push(Measure::new("orders: fetch only, no DB", fetched, took).with_cpu(cpu));
    // The write path in the engine's own transactions (answers joined up to
    // `orders_per_transaction`), beside the one-page transactions above.
    let (tenant, id) = bench.fresh_tenant("write-orders-joined", false).await?;
    let joined = settings.orders_per_transaction;
    let writing = Rows::Orders(&orders).write_path(bench.store.sync_store(), tenant, id, joined);
    let (written, took, cpu) = measured(&bench, writing).await?;
    order_lines
        .push(Measure::new("orders: write path, engine's batches", written, took).with_cpu(cpu));
    if args.diagnose {
        diagnose_orders(&bench, &orders, page, &mut order_lines).await?;
    }
    drop(orders);

    // Insights.
    let rows = copy::fixture_insights(&meta)?;
    let mut insight_lines = vec![measure_ceiling(&bench, Rows::Insights(&rows)).await?];
    let id = bench.meta_integration(&bench.session, true).await?;
    let (_, took, cpu) = measured(&bench, bench.sync(id)).await?;
    let synced = bench
        .stored(bench.session.tenant_id(), id, SyncedTable::MetaAdInsights)
        .await?;
    insight_lines.push(Measure::new("insights: engine sync", synced, took).with_cpu(cpu));
    let (tenant, id) = bench.fresh_tenant("write-insights", true).await?;
    let writing =
        Rows::Insights(&rows).write_path(bench.store.sync_store(), tenant, id, window_rows);
    let (written, took, cpu) = measured(&bench, writing).await?;
    insight_lines.push(Measure::new("insights: write path only", written, took).with_cpu(cpu));
    let fetching = fetch::insights(&bench.meta.base_url, &settings);
    let (fetched, took, cpu) = measured(&bench, fetching).await?;
    insight_lines.push(Measure::new("insights: fetch only, no DB", fetched, took).with_cpu(cpu));
    if args.diagnose {
        let (tenant, id) = bench.fresh_tenant("insights-big", true).await?;
        let store = bench.store.postgres()?;
        let writing = Rows::Insights(&rows).write_path(store, tenant, id, window_rows * 10);
        let (written, took, cpu) = measured(&bench, writing).await?;
        let line = Measure::new("insights: write path, 10× windows", written, took);
        insight_lines.push(line.with_cpu(cpu));
        let insights = Rows::Insights(&rows);
        without_touch_trigger(&bench, insights, window_rows, &mut insight_lines).await?;
    }

    println!(
        "\n| {:<38} | {:>7} | {:>7} | {:>8} | {:>9} | {:>9} | {:>9} | {:>9} | {:>9} |",
        "run",
        "rows",
        "seconds",
        "rows/s",
        format!("of {ceiling}"),
        "CPU here",
        "of fakes",
        "CPU in PG",
        "PG waited"
    );
    println!(
        "|{:-<40}|{:->9}|{:->9}|{:->10}|{:->11}|{:->11}|{:->11}|{:->11}|{:->11}|",
        ":", ":", ":", ":", ":", ":", ":", ":", ":"
    );
    for lines in [&order_lines, &insight_lines] {
        let ceiling = lines[0].rate();
        for line in lines.iter() {
            let seconds = |cpu: Option<Duration>| {
                cpu.map_or_else(|| "–".to_owned(), |cpu| format!("{:.2}", cpu.as_secs_f64()))
            };
            println!(
                "| {:<38} | {:>7} | {:>7.2} | {:>8} | {:>9} | {:>9} | {:>9} | {:>9} | {:>9} |",
                line.what,
                line.rows,
                line.took.as_secs_f64(),
                thousands(line.rate()),
                format!("{:.0} %", 100.0 * line.rate() / ceiling),
                seconds(line.cpu.map(|cpu| cpu.process)),
                seconds(line.cpu.map(|cpu| cpu.fakes)),
                seconds(line.cpu.and_then(|cpu| cpu.postgres)),
                seconds(line.cpu.and_then(|cpu| cpu.postgres_waited)),
            );
        }
    }
    if ceiling == "INSERT" {
        println!(
            "\n(INSERT loop: one plain INSERT per row, prepared once, all rows in one \
             transaction, into the same tables and indexes, the ceiling SQLite offers without \
             COPY.)"
        );
    }
    println!(
        "\n(engine sync: `sync_integration` end to end, HTTP from the in-process fake included; \
         answers already waiting stored together, up to {} orders a transaction; 1 page a \
         transaction: the same with one transaction per answer, as before; write path only: the \
         same rows from memory through the store's `write_batch`, one transaction per page of \
         {page} orders or {window_rows} insights rows; fetch only: the engine's requests with \
         the real clients, parsed and dropped; the engine's batches: the write path, {} orders a \
         transaction; CPU here: CPU seconds of this process, the fakes included; of fakes: of \
         that, the fakes' threads (a real API's share); CPU in PG: of the bench database's PostgreSQL backends; PG waited: how long \
         those backends were ready to run but waited for a core.)\n\
         engine, orders: peak concurrency limit {}, throttled {}",
        settings.orders_per_transaction,
        settings.orders_per_transaction,
        order_figures.peak_concurrency,
        order_figures.throttled
    );
    Ok(())
}

/// The write path with one thing changed at a time: bigger transactions, no row trigger, no
/// items JSON, two writers at once.
async fn diagnose_orders(
    bench: &Bench,
    orders: &[PancakeOrder],
    page: usize,
    lines: &mut Vec<Measure>,
) -> anyhow::Result<()> {
    for size in [1_000, 10_000] {
        let (tenant, id) = bench.fresh_tenant(&format!("orders-{size}"), false).await?;
        let writing = Rows::Orders(orders).write_path(bench.store.sync_store(), tenant, id, size);
        let (written, took) = timed(writing).await?;
        let what = if size == 1_000 {
            "orders: write path, pages of 1,000"
        } else {
            "orders: write path, pages of 10,000"
        };
        lines.push(Measure::new(what, written, took));
    }

    without_touch_trigger(bench, Rows::Orders(orders), page, lines).await?;
    let store = bench.store.postgres()?;

    let bare: Vec<_> = orders
        .iter()
        .map(|order| PancakeOrder {
            items: Vec::new(),
            ..order.clone()
        })
        .collect();
    let (tenant, id) = bench.fresh_tenant("orders-no-items", false).await?;
    let writing = Rows::Orders(&bare).write_path(store, tenant, id, page);
    let (written, took) = timed(writing).await?;
    lines.push(Measure::new(
        "orders: write path, items '[]'",
        written,
        took,
    ));
    drop(bare);

    // The provider side without HTTP: what the fake spends making the pages' JSON, and what the
    // client spends parsing it (both share this machine's cores with the database).
    let shop = integrations_fake_servers::data::shop(setup::SHOP_ID)
        .ok_or_else(|| anyhow::anyhow!("no fake shop"))?;
    let config = &bench.pancake_config;
    let started = Instant::now();
    let bodies: Vec<String> = (1..=u64::from(config.orders_per_shop))
        .map(|id| integrations_fake_servers::data::order_json(config, shop, id).to_string())
        .collect();
    lines.push(Measure::new(
        "orders: fake makes the JSON, no HTTP",
        bodies.len(),
        started.elapsed(),
    ));
    let started = Instant::now();
    let mut parsed = 0;
    for body in &bodies {
        let value: serde_json::Value = serde_json::from_str(body)?;
        PancakeOrder::from_value(value).map_err(anyhow::Error::msg)?;
        parsed += 1;
    }
    lines.push(Measure::new(
        "orders: client parses it, no HTTP",
        parsed,
        started.elapsed(),
    ));
    drop(bodies);

    let (first, second) = orders.split_at(orders.len() / 2);
    let (tenant_a, id_a) = bench.fresh_tenant("orders-writer-a", false).await?;
    let (tenant_b, id_b) = bench.fresh_tenant("orders-writer-b", false).await?;
    let (both, took) = timed(async {
        let (a, b) = tokio::join!(
            Rows::Orders(first).write_path(store, tenant_a, id_a, page),
            Rows::Orders(second).write_path(store, tenant_b, id_b, page),
        );
        Ok(a? + b?)
    })
    .await?;
    lines.push(Measure::new("orders: write path, 2 writers", both, took));
    Ok(())
}

/// The write path of `rows` in batches of `batch` with the synced table's row trigger off.
async fn without_touch_trigger(
    bench: &Bench,
    rows: Rows<'_>,
    batch: usize,
    lines: &mut Vec<Measure>,
) -> anyhow::Result<()> {
    let label = rows.pick("orders-no-trigger", "insights-no-trigger");
    let (tenant, id) = bench.fresh_tenant(label, rows.is_meta()).await?;
    let store = bench.store.postgres()?;
    let table = rows.pick("pancake_orders", "meta_ad_insights");
    copy::set_touch_trigger(store, table, false).await?;
    let writing = rows.write_path(store, tenant, id, batch);
    let result = timed(writing).await;
    copy::set_touch_trigger(store, table, true).await?;
    let (written, took) = result?;
    let what = rows.pick(
        "orders: write path, no row trigger",
        "insights: write path, no row trigger",
    );
    lines.push(Measure::new(what, written, took));
    Ok(())
}

/// The ceiling of `rows` in a new workspace: one `COPY` into PostgreSQL, an `INSERT` loop into
/// SQLite.
async fn measure_ceiling(bench: &Bench, rows: Rows<'_>) -> anyhow::Result<Measure> {
    let label = rows.pick("copy-orders", "copy-insights");
    let (tenant, id) = bench.fresh_tenant(label, rows.is_meta()).await?;
    let (copied, took, cpu, what) = match &bench.store {
        BenchStore::Postgres(store) => {
            let (copied, took, cpu) = measured(bench, rows.copy(store, tenant, id)).await?;
            let what = rows.pick("orders: COPY (ceiling)", "insights: COPY (ceiling)");
            (copied, took, cpu, what)
        }
        BenchStore::Sqlite(store) => {
            let (inserted, took, cpu) =
                measured(bench, sqlite_insert::insert(store, tenant, id, rows)).await?;
            let what = rows.pick(
                "orders: INSERT loop (ceiling)",
                "insights: INSERT loop (ceiling)",
            );
            (inserted, took, cpu, what)
        }
    };
    Ok(Measure::new(what, copied, took).with_cpu(cpu))
}

/// The rows of one synced stream, written past the engine.
#[derive(Clone, Copy)]
enum Rows<'a> {
    Orders(&'a [PancakeOrder]),
    Insights(&'a [AdInsightRow]),
}

impl Rows<'_> {
    /// `orders` for orders, `insights` for insights.
    fn pick<T>(self, orders: T, insights: T) -> T {
        match self {
            Rows::Orders(_) => orders,
            Rows::Insights(_) => insights,
        }
    }

    /// Whether the rows are a Meta integration's.
    fn is_meta(self) -> bool {
        self.pick(false, true)
    }
}

/// Requests a fake answered, by kind, since `before`.
struct Answers {
    ok: usize,
    limited: usize,
}

fn answers(handle: &FakeHandle, limited_status: u16, before: usize) -> Answers {
    let requests = handle.requests();
    let new = &requests[before.min(requests.len())..];
    Answers {
        ok: new.iter().filter(|r| r.status == 200).count(),
        limited: new.iter().filter(|r| r.status == limited_status).count(),
    }
}

async fn slow(args: &Args, target: &Target, last_run: &LastRun) -> anyhow::Result<()> {
    let delay = Duration::from_millis(args.delay_ms);
    let limit = (args.rate_limit > 0).then_some(args.rate_limit);
    let meta_days = meta_days(args.slow_insights);
    let slow_fake = |orders, days| FakeConfig {
        latency: delay,
        rate_limit_per_sec: limit,
        retry_after_secs: 1,
        ..fake(orders, days)
    };
    let settings = settings(args.slow_days, meta_days, args.slow_page_size, args);
    let bench = Bench::start(
        target,
        slow_fake(args.slow_orders, args.slow_days),
        slow_fake(0, meta_days),
        settings,
        "slow",
    )
    .await?;
    println!(
        "\n## Slow fake: {} ms per answer, 429 above {} requests/s (Retry-After 1 s); \
         {} orders over {} days in pages of {}, {} days of insights; up to {} in flight",
        args.delay_ms,
        limit.map_or("no".to_owned(), |l| l.to_string()),
        args.slow_orders,
        args.slow_days,
        args.slow_page_size,
        meta_days,
        args.max_concurrency
    );

    let mut lines = Vec::new();
    let id = bench.pancake_integration(&bench.session, true).await?;
    // The first backfill finds the limit; the second (everything forgotten but the learned
    // limit, as a new run of the same key and shop) starts under it.
    for stream in ["orders, 1st run", "orders, 2nd run"] {
        if stream != "orders, 1st run" {
            bench.forget_all_but_the_limit(id).await?;
        }
        let before = bench.pancake.handle.request_count();
        let (took, figures, rows) =
            timed_sync(&bench, last_run, id, SyncedTable::PancakeOrders).await?;
        let seen = answers(&bench.pancake.handle, 429, before);
        lines.push((stream, rows, seen, took, figures));
    }

    let id = bench.meta_integration(&bench.session, true).await?;
    let before = bench.meta.handle.request_count();
    let (took, figures, rows) =
        timed_sync(&bench, last_run, id, SyncedTable::MetaAdInsights).await?;
    // The Graph fake says "slow down" as Meta does: 400 with code 4, not 429.
    let seen = answers(&bench.meta.handle, 400, before);
    lines.push(("insights", rows, seen, took, figures));

    println!(
        "\n| {:<15} | {:>6} | {:>11} | {:>12} | {:>9} | {:>6} | {:>9} | {:>10} | {:>12} | {:>8} | {:>10} | {:>9} |",
        "stream",
        "rows",
        "answers 200",
        "rate-limited",
        "limited %",
        "wall s",
        "fastest s",
        "of fastest",
        "sequential s",
        "speed-up",
        "peak limit",
        "throttled"
    );
    println!(
        "|{:-<17}|{:->8}|{:->13}|{:->14}|{:->11}|{:->8}|{:->11}|{:->12}|{:->14}|{:->10}|{:->12}|{:->11}|",
        ":", ":", ":", ":", ":", ":", ":", ":", ":", ":", ":", ":"
    );
    for (stream, rows, seen, took, figures) in lines {
        let EngineFigures {
            peak_concurrency,
            throttled,
        } = figures;
        let sequential = delay.as_secs_f64() * seen.ok as f64;
        let wall = took.as_secs_f64().max(1e-9);
        // The rate limit allows no quicker run than its answers at the limit's rate.
        let fastest = limit.map(|per_sec| seen.ok as f64 / f64::from(per_sec));
        println!(
            "| {:<15} | {:>6} | {:>11} | {:>12} | {:>9} | {:>6.1} | {:>9} | {:>10} | {:>12.1} | {:>8} | {:>10} | {:>9} |",
            stream,
            rows,
            seen.ok,
            seen.limited,
            format!(
                "{:.1} %",
                100.0 * seen.limited as f64 / (seen.ok + seen.limited).max(1) as f64
            ),
            wall,
            fastest.map_or("-".to_owned(), |s| format!("{s:.1}")),
            fastest.map_or("-".to_owned(), |s| format!("{:.0} %", 100.0 * s / wall)),
            sequential,
            format!("{:.1}×", sequential / wall),
            peak_concurrency,
            throttled,
        );
    }
    println!(
        "\n(limited %: rate-limited answers of all answers; fastest s: the answers 200 at the \
         rate limit, the quickest run it allows; of fastest: that over the wall time; \
         sequential s: the answers 200 × {} ms, one request at a time without a single \
         rate-limit; rate-limited: 429s from the Pancake fake, 400 code 4 from the Graph fake; \
         peak limit and throttled: the engine's own end-of-run figures; orders, 2nd run: the \
         same backfill again with everything forgotten but the limit the 1st run learned; \
         insights windows go side by side under the limit, each window's pages one after another.)",
        args.delay_ms
    );
    Ok(())
}

/// A large account's insights backfill, with windows fetched one at a time (the engine before
/// windows went side by side: a limit of one request, whole windows), whole windows side by
/// side, and windows cut into ad slices side by side (the default), up to `--max-concurrency`
/// requests, on a loopback Graph fake answering with each added latency.
async fn meta_windows(args: &Args, target: &Target, last_run: &LastRun) -> anyhow::Result<()> {
    let days = args.meta_backfill_days.max(1);
    let defaults = SyncSettings::default();
    println!(
        "\n## Meta insights backfill: {} ads × {} days in {}-day windows; one window at a time \
         (limit 1), whole windows side by side, and windows in slices of {} ads side by side (up \
         to {} in flight)",
        args.meta_ads,
        days,
        defaults.meta_window_days,
        defaults.meta_ads_per_slice,
        args.max_concurrency
    );
    println!(
        "\n| added latency | rows | one at a time s | answers | windows side by side s | answers | in ad slices s | answers | speed-up | peak limit |"
    );
    println!("|--------------:|-----:|----------------:|--------:|-----------------------:|--------:|---------------:|--------:|---------:|-----------:|");
    for &latency_ms in &args.meta_latencies_ms {
        let mut runs = Vec::new();
        for (max_concurrency, ads_per_slice) in [
            (1, 0),
            (args.max_concurrency, 0),
            (args.max_concurrency, defaults.meta_ads_per_slice),
        ] {
            let meta_config = FakeConfig {
                ads: args.meta_ads,
                latency: Duration::from_millis(latency_ms),
                ..fake(0, days + 2)
            };
            let settings = SyncSettings {
                meta_backfill_days: i64::from(days),
                max_concurrency,
                meta_ads_per_slice: ads_per_slice,
                ..SyncSettings::default()
            };
            let label = format!("meta-windows-{latency_ms}-{max_concurrency}-{ads_per_slice}");
            let bench = Bench::start(target, fake(0, 1), meta_config, settings, &label).await?;
            let id = bench.meta_integration(&bench.session, true).await?;
            let (took, figures, rows) =
                timed_sync(&bench, last_run, id, SyncedTable::MetaAdInsights).await?;
            let answers = bench.meta.handle.status_count(200);
            runs.push((rows, answers, took, figures.peak_concurrency));
        }
        let (rows, one_answers, one, _) = runs[0];
        let (whole_rows, whole_answers, whole, _) = runs[1];
        let (sliced_rows, sliced_answers, sliced, peak) = runs[2];
        if rows != whole_rows || rows != sliced_rows {
            anyhow::bail!("the three runs stored {rows}, {whole_rows} and {sliced_rows} rows");
        }
        println!(
            "| {:>10} ms | {:>4} | {:>15.2} | {:>7} | {:>22.2} | {:>7} | {:>14.2} | {:>7} | {:>7.1}× | {:>10} |",
            latency_ms,
            rows,
            one.as_secs_f64(),
            one_answers,
            whole.as_secs_f64(),
            whole_answers,
            sliced.as_secs_f64(),
            sliced_answers,
            one.as_secs_f64() / sliced.as_secs_f64().max(1e-9),
            peak
        );
    }
    println!(
        "\n(answers: Graph's good answers, the account, the ad list, the insights pages and the \
         token check; speed-up: one at a time over in ad slices; peak limit: the ad-slices run's, \
         from the engine's end-of-run figures.)"
    );
    Ok(())
}

/// Percent-encodes everything but unreserved characters.
fn url_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `47619.3` → `47,619`.
fn thousands(value: f64) -> String {
    let digits = format!("{:.0}", value.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}
