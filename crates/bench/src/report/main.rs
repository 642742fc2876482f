//! `report-bench`: how fast the analytics dashboard's report comes back over a year of data,
//! from PostgreSQL and from the offline mirror of shared mode.
//!
//! One workspace is signed up through the core, with its stores (Pancake integrations) and one
//! Meta ad account created through the core too; a year of ads, daily insights and orders is
//! then `COPY`ed into a database of the bench's own (`bench_<uuid>`, next to `TEST_DATABASE_URL`
//! or `--database-url`, dropped at the end). Every figure is `Core::report`, the path of the
//! dashboard and the CLI: first online (the report comes from PostgreSQL), then, after the
//! core's link has pulled the rows into its mirror and the database has been cut off, offline
//! (the report comes from the mirror, a SQLite file). Figures are printed, never asserted; the
//! one check is that both places give the same report, and the totals the fixture implies.

mod fixture;

use std::collections::HashSet;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use clap::Parser;
use integrations_bench::database::Database;
use integrations_core::analytics::assignment::SpendPlan;
use integrations_core::analytics::{
    build_report, Report, ReportGrouping, ReportQuery, ReportSource,
};
use integrations_core::gateway::HttpProviders;
use integrations_core::store::prelude::*;
use integrations_core::store::{AggregateKey, PostgresStore, SqliteStore, SyncedTable};
use integrations_core::{
    Core, CoreConfig, Credentials, DatabaseTarget, IntegrationConfig, LinkMode, NewIntegration,
    Session,
};
use integrations_providers::{HttpSettings, MetaClient, PancakeClient};
use secrecy::SecretString;
use uuid::Uuid;

use fixture::Fixture;

/// The bar for the dashboard query.
const TARGET_MS: f64 = 200.0;

#[derive(Parser, Debug)]
#[command(
    name = "report-bench",
    about = "Speed of the analytics report (Core::report) from PostgreSQL and from the mirror"
)]
struct Args {
    /// Pancake stores (integrations) of the workspace.
    #[arg(long, default_value_t = 10)]
    stores: usize,
    /// Meta ads of the ad account, each with one insights row per day.
    #[arg(long, default_value_t = 500)]
    ads: usize,
    /// Campaigns the ads belong to.
    #[arg(long, default_value_t = 25)]
    campaigns: usize,
    /// Days of data, ending yesterday (Vietnam time).
    #[arg(long, default_value_t = 365)]
    days: u32,
    /// Orders per store per day. 40 is a busy small shop selling through Facebook, Pancake's
    /// typical customer (tens of orders a day): with 10 stores, about 146,000 orders a year, as
    /// many rows as the year of insights of 500 ads. Raise it to see how the report scales
    /// (275 gives sync-bench's 100,000 orders per shop per year).
    #[arg(long, default_value_t = 40)]
    orders_per_store_per_day: u32,
    /// Timed runs of each report after one warm-up run.
    #[arg(long, default_value_t = 20)]
    repeat: usize,
    /// Leave the tables as the load left them, without `VACUUM (ANALYZE)` (no planner
    /// statistics, no visibility map: what a report sees right after a big first sync, before
    /// autovacuum has been by).
    #[arg(long)]
    no_vacuum: bool,
    /// Keep the bench database and the mirror file at the end (their places are printed), to
    /// look at query plans; drop the database by hand afterwards.
    #[arg(long)]
    keep: bool,
    /// A maintenance database of the PostgreSQL server to bench on.
    #[arg(long, env = "TEST_DATABASE_URL", hide_env_values = true)]
    database_url: String,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let database = match Database::create(&args.database_url).await {
        Ok(database) => database,
        Err(err) => {
            eprintln!("report-bench: {err:#}");
            return ExitCode::FAILURE;
        }
    };
    let result = run(&args, &database).await;
    let dropped = if args.keep {
        println!("\nkept: database {} (drop it by hand)", database.name());
        database.reopen().await
    } else {
        database.drop_now().await
    };
    let mut code = ExitCode::SUCCESS;
    for err in [result.err(), dropped.err()].into_iter().flatten() {
        eprintln!("report-bench: {err:#}");
        code = ExitCode::FAILURE;
    }
    code
}

/// One report the dashboard asks for.
struct Shape {
    label: &'static str,
    query: ReportQuery,
}

fn shapes(fixture: &Fixture, store: Uuid) -> Vec<Shape> {
    let to = fixture.last_day;
    let last = |days: i64| (to - chrono::Duration::days(days - 1)).max(fixture.first_day);
    let query = |from, by, store| ReportQuery {
        from,
        to,
        store,
        by,
        time_zone: None,
    };
    let year = last(365);
    vec![
        Shape {
            label: "last 30 days by day",
            query: query(last(30), ReportGrouping::Day, None),
        },
        Shape {
            label: "last 365 days by day",
            query: query(year, ReportGrouping::Day, None),
        },
        Shape {
            label: "365 days by campaign",
            query: query(year, ReportGrouping::Campaign, None),
        },
        Shape {
            label: "365 days by ad",
            query: query(year, ReportGrouping::Ad, None),
        },
        Shape {
            label: "365 days by day, one store",
            query: query(year, ReportGrouping::Day, Some(store)),
        },
        Shape {
            label: "365 days by campaign, one store",
            query: query(year, ReportGrouping::Campaign, Some(store)),
        },
        Shape {
            label: "365 days by store",
            query: query(year, ReportGrouping::Store, None),
        },
    ]
}

/// The timings of one report, in milliseconds, sorted.
struct Timing {
    label: &'static str,
    rows: usize,
    ms: Vec<f64>,
}

impl Timing {
    fn percentile(&self, p: f64) -> f64 {
        // Nearest rank.
        let rank = ((p * self.ms.len() as f64).ceil() as usize).clamp(1, self.ms.len());
        self.ms[rank - 1]
    }
}

async fn run(args: &Args, database: &Database) -> anyhow::Result<()> {
    print_machine(&database.url).await?;

    // The workspace, its stores and its ad account, through the core as the app makes them.
    let dir = tempfile::tempdir()?;
    let mut config = CoreConfig::standalone(dir.path().to_path_buf());
    config.database = DatabaseTarget::Postgres {
        url: SecretString::from(database.url.clone()),
    };
    let master = integrations_core::crypto::MasterKey::generate();
    config.master_key = Some(SecretString::from(master.to_base64().to_string()));
    // Nothing here calls a provider; clients that would find nobody are enough.
    let providers = HttpProviders {
        pancake: PancakeClient::new("http://127.0.0.1:9", HttpSettings::default())?,
        meta: MetaClient::new("http://127.0.0.1:9", "v27.0", HttpSettings::default())?,
    };
    let core = config.open(Arc::new(providers)).await?;
    if core.check_link().await != LinkMode::Online {
        bail!("the core did not reach PostgreSQL");
    }
    let session = core
        .sign_up(
            "Chuỗi cửa hàng Bench",
            "chu-chuoi@bench.vn",
            &SecretString::from("bench mật khẩu 123"),
        )
        .await?
        .session;
    let tenant = session.tenant_id();
    let mut stores = Vec::with_capacity(args.stores);
    for i in 0..args.stores {
        let new = NewIntegration {
            name: fixture::store_name(i),
            description: Some("Cửa hàng trên Pancake POS".into()),
            credentials: Credentials::pancake(SecretString::from(format!("bench-key-{i}"))),
            config: IntegrationConfig::PancakePos {
                shop_id: (fixture::FIRST_SHOP_ID + i as i64).to_string(),
            },
        };
        stores.push(core.create_integration(&session, new).await?.id);
    }
    let meta = core
        .create_integration(
            &session,
            NewIntegration {
                name: "Quảng cáo Meta – chuỗi cửa hàng".into(),
                description: None,
                credentials: Credentials::meta(SecretString::from("bench-meta-token")),
                config: IntegrationConfig::MetaAds {
                    ad_account_id: "act_1234567890".into(),
                },
            },
        )
        .await?
        .id;
    let Some(&first_store) = stores.first() else {
        bail!("--stores must be at least 1");
    };

    // The year of data, ending yesterday: every day of the range is a full day.
    let made = Instant::now();
    let yesterday = fixture::today_in_vietnam() - chrono::Duration::days(1);
    let fixture = Fixture::generate(
        args.stores,
        args.ads,
        args.campaigns,
        args.days,
        args.orders_per_store_per_day,
        yesterday,
    );
    let generated = made.elapsed();
    let server = PostgresStore::connect(&database.url).await?;
    let loading = Instant::now();
    fixture.copy_into(&server, tenant, &stores, meta).await?;
    let loaded = loading.elapsed();
    let vacuumed = if args.no_vacuum {
        None
    } else {
        let started = Instant::now();
        for table in ["pancake_orders", "meta_ad_insights", "meta_ads"] {
            sqlx::query(&format!("VACUUM (ANALYZE) {table}"))
                .execute(server.pool())
                .await?;
        }
        Some(started.elapsed())
    };
    let (orders, insights) = row_counts(&server, tenant, &stores, meta).await?;
    println!(
        "fixture: {} stores, {} ads in {} campaigns, {} days ({} to {}, Asia/Ho_Chi_Minh); \
         {} orders ({} a store a day), {} insights rows; generated in {:.1} s",
        args.stores,
        args.ads,
        args.campaigns.clamp(1, args.ads.max(1)),
        args.days,
        fixture.first_day,
        fixture.last_day,
        thousands(orders),
        args.orders_per_store_per_day,
        thousands(insights),
        generated.as_secs_f64()
    );
    println!(
        "PostgreSQL load (COPY, one transaction, setup only): {:.1} s{}",
        loaded.as_secs_f64(),
        match vacuumed {
            Some(took) => format!("; VACUUM (ANALYZE) {:.1} s", took.as_secs_f64()),
            None => "; no VACUUM/ANALYZE (--no-vacuum)".to_owned(),
        }
    );

    // Spend per store: the campaigns assigned through the core as the Campaigns page does, most
    // to one store, some shared among two or three (uneven shares, so rows leave remainders),
    // some to no store, and a fifth left unassigned.
    let assigned = assign_campaigns(&core, &session, &stores).await?;
    println!("campaigns: {assigned}");

    let shapes = shapes(&fixture, first_store);
    println!(
        "\n## PostgreSQL: Core::report online (shared mode), {} timed runs after one warm-up",
        args.repeat
    );
    let (online, online_reports) = measure(&core, &session, &shapes, args.repeat, |source| {
        matches!(source, ReportSource::Server)
    })
    .await?;
    print_table(&online);
    breakdown(&server, tenant, &shapes, args.repeat).await?;

    // The core's link pulls the workspace into its mirror, as the app does every second.
    let pulling = Instant::now();
    core.follow(Some(&session));
    if core.check_link().await != LinkMode::Online {
        bail!("the core lost PostgreSQL before pulling the mirror");
    }
    let pulled = pulling.elapsed();
    let mirror_file = dir
        .path()
        .join(integrations_core::config::mirror_file_name(&database.url)?);
    let mirror = SqliteStore::open(&mirror_file).await?;
    let (mirrored_orders, mirrored_insights) = row_counts(&mirror, tenant, &stores, meta).await?;
    let size = std::fs::metadata(&mirror_file).map_or(0, |m| m.len());
    println!(
        "\nmirror: the core's first pull took {:.1} s: {} orders, {} insights rows in a {:.0} MB \
         SQLite file",
        pulled.as_secs_f64(),
        thousands(mirrored_orders),
        thousands(mirrored_insights),
        size as f64 / 1e6
    );
    if (mirrored_orders, mirrored_insights) != (orders, insights) {
        bail!("the mirror holds other rows than the server");
    }

    // The server goes away; the next link check notices and reports come from the mirror.
    let ended = database.cut_off().await?;
    if core.check_link().await != LinkMode::Offline {
        bail!("the core still reaches PostgreSQL after the database was cut off");
    }
    println!(
        "PostgreSQL cut off (connections refused, {ended} open ones ended): the core is offline"
    );
    println!(
        "\n## Mirror (SQLite file): Core::report offline (shared mode), {} timed runs after one \
         warm-up",
        args.repeat
    );
    let (offline, offline_reports) = measure(&core, &session, &shapes, args.repeat, |source| {
        matches!(source, ReportSource::Mirror { .. })
    })
    .await?;
    print_table(&offline);
    breakdown(&mirror, tenant, &shapes, args.repeat).await?;
    mirror.pool().close().await;
    if args.keep {
        println!("\nkept: mirror file {}", mirror_file.display());
        let _ = dir.keep();
    }

    // The one check: both places give the same report, and the figures the fixture implies.
    let (revenue, counted, spend) = fixture.expected_totals();
    let year = 1; // "last 365 days by day"
    println!("\n## Sanity ({}, whole range)", shapes[year].label);
    println!(
        "fixture:    revenue {} VND from {} counted orders, spend {} VND",
        thousands(revenue),
        thousands(counted),
        thousands(spend)
    );
    let mut failed = Vec::new();
    for (place, reports) in [
        ("PostgreSQL", &online_reports),
        ("mirror", &offline_reports),
    ] {
        let totals = &reports[year].totals;
        println!(
            "{:<11} revenue {} VND from {} counted orders, spend {} VND",
            format!("{place}:"),
            thousands(totals.revenue_minor),
            thousands(totals.orders),
            thousands(totals.spend_minor)
        );
        // The "365 days" range covers the whole fixture unless it is longer than a year.
        if args.days <= 365
            && (totals.revenue_minor, totals.orders, totals.spend_minor)
                != (revenue, counted, spend)
        {
            failed.push(format!("{place}'s totals differ from the fixture's"));
        }
    }
    // All stores, with the spend of no store, are the account.
    if let Some(by_store) = shapes
        .iter()
        .position(|shape| shape.query.by == ReportGrouping::Store && shape.query.store.is_none())
    {
        for (place, reports) in [
            ("PostgreSQL", &online_reports),
            ("mirror", &offline_reports),
        ] {
            if reports[by_store].totals != reports[year].totals {
                failed.push(format!(
                    "{place}: by store the totals differ from the account's"
                ));
            }
            let rows: i64 = reports[by_store]
                .rows
                .iter()
                .map(|row| row.metrics.spend_minor)
                .sum();
            if rows != spend {
                failed.push(format!(
                    "{place}: the stores' spend adds up to {rows}, not {spend}"
                ));
            }
        }
    }
    for ((shape, online), offline) in shapes.iter().zip(&online_reports).zip(&offline_reports) {
        if !same_figures(online, offline) {
            failed.push(format!(
                "{}: PostgreSQL and the mirror give different reports",
                shape.label
            ));
        }
    }
    if !failed.is_empty() {
        bail!("{}", failed.join("; "));
    }
    println!(
        "the {} reports are identical from PostgreSQL and from the mirror (rows, totals, warnings)",
        shapes.len()
    );
    Ok(())
}

/// The orders of all `stores` and the insights rows of `meta` that `store` holds.
async fn row_counts(
    store: &dyn SyncStore,
    tenant: Uuid,
    stores: &[Uuid],
    meta: Uuid,
) -> anyhow::Result<(i64, i64)> {
    let mut orders = 0;
    for &integration in stores {
        orders += store
            .synced_count(tenant, integration, SyncedTable::PancakeOrders)
            .await?;
    }
    let insights = store
        .synced_count(tenant, meta, SyncedTable::MetaAdInsights)
        .await?;
    Ok((orders, insights))
}

/// Assigns the fixture's campaigns in a fixed pattern; says what it did.
async fn assign_campaigns(
    core: &Core,
    session: &Session,
    stores: &[Uuid],
) -> anyhow::Result<String> {
    use integrations_core::analytics::assignment::{
        AssignmentChoice, CampaignAssignment, StoreShare,
    };
    let campaigns = core.list_campaigns(session).await?;
    let store = |i: usize| stores[i % stores.len()];
    let share = |i: usize, basis_points: u32| StoreShare {
        store: store(i),
        basis_points,
    };
    let mut counts = [0usize; 4];
    for (i, campaign) in campaigns.iter().enumerate() {
        let (kind, choice) = match i % 5 {
            0 => (0, None),
            1 => (1, Some(AssignmentChoice::NoStore)),
            2 if stores.len() >= 3 => (
                3,
                Some(AssignmentChoice::Stores {
                    shares: vec![share(i, 3333), share(i + 1, 3333), share(i + 2, 3334)],
                }),
            ),
            3 if stores.len() >= 2 => (
                3,
                Some(AssignmentChoice::Stores {
                    shares: vec![share(i, 6500), share(i + 1, 3500)],
                }),
            ),
            _ => (
                2,
                Some(AssignmentChoice::Stores {
                    shares: vec![share(i, 10_000)],
                }),
            ),
        };
        counts[kind] += 1;
        if let Some(choice) = choice {
            core.assign_campaign(
                session,
                CampaignAssignment {
                    campaign_id: campaign.campaign_id.clone(),
                    adset_id: None,
                    choice,
                    expected_version: Some(0),
                },
            )
            .await?;
        }
    }
    Ok(format!(
        "{} unassigned, {} to no store, {} to one store, {} shared among stores",
        counts[0], counts[1], counts[2], counts[3]
    ))
}

/// Runs every shape once to warm up, then `repeat` times timed. Returns the timings and the
/// last report of each shape.
async fn measure(
    core: &Core,
    session: &Session,
    shapes: &[Shape],
    repeat: usize,
    expected_source: impl Fn(&ReportSource) -> bool,
) -> anyhow::Result<(Vec<Timing>, Vec<Report>)> {
    let mut timings = Vec::new();
    let mut reports = Vec::new();
    for shape in shapes {
        let mut report = core
            .report(session, &shape.query)
            .await
            .with_context(|| shape.label)?;
        if !expected_source(&report.source) {
            bail!("{}: the report came from {:?}", shape.label, report.source);
        }
        let mut ms = Vec::with_capacity(repeat);
        for _ in 0..repeat.max(1) {
            let started = Instant::now();
            report = core.report(session, &shape.query).await?;
            ms.push(millis(started.elapsed()));
        }
        ms.sort_by(f64::total_cmp);
        timings.push(Timing {
            label: shape.label,
            rows: report.rows.len(),
            ms,
        });
        reports.push(report);
    }
    Ok((timings, reports))
}

/// Where a report's time goes: the store's reads and the assembly, each timed alone (`repeat`
/// times, medians), straight on the store `Core::report` reads. A store's figures read the spend
/// split among stores (every owner's by ad, and for days the chosen store's by day), with the
/// split's plan made once beforehand, as its inputs are small.
async fn breakdown(
    store: &dyn Store,
    tenant: Uuid,
    shapes: &[Shape],
    repeat: usize,
) -> anyhow::Result<()> {
    println!(
        "\nmedians of the steps, on the store itself:\n\n| {:<31} | {:>10} | {:>8} | {:>8} | {:>9} |",
        "report", "orders ms", "insights", "ads", "assembly"
    );
    println!(
        "|{:-<33}|{:->12}|{:->10}|{:->10}|{:->11}|",
        ":", ":", ":", ":", ":"
    );
    let ads = store.report_ads(tenant).await?;
    let assignments = store.spend_assignments(tenant).await?;
    let store_ids: HashSet<Uuid> = store
        .list_integrations(tenant)
        .await?
        .into_iter()
        .filter(|record| record.provider == integrations_core::Provider::PancakePos)
        .map(|record| record.id)
        .collect();
    let plan = SpendPlan::new(&ads, &assignments, &store_ids);
    for shape in shapes {
        let query = &shape.query;
        let zone = integrations_core::analytics::validate(
            query,
            integrations_core::analytics::DEFAULT_TIME_ZONE,
        )
        .map_err(anyhow::Error::msg)?;
        let (key, filter) = integrations_core::analytics::plan(query, zone);
        let per_store = query.store.is_some() || query.by == ReportGrouping::Store;
        let owner = query.store.map(|id| id.to_string());
        let mut steps: [Vec<f64>; 4] = Default::default();
        for _ in 0..repeat.max(1) {
            let started = Instant::now();
            let orders = store.report_orders(tenant, &filter, key).await?;
            steps[0].push(millis(started.elapsed()));
            let started = Instant::now();
            let insights = if per_store {
                let split = |key, owner| {
                    store.report_split_insights(
                        tenant,
                        query.from,
                        query.to,
                        key,
                        &plan.shares,
                        owner,
                    )
                };
                let by_ad = split(AggregateKey::Ad, None).await?;
                match query.by {
                    ReportGrouping::Day => split(AggregateKey::Day, owner.as_deref())
                        .await?
                        .into_iter()
                        .map(|row| row.figures)
                        .collect(),
                    _ => by_ad
                        .into_iter()
                        .filter(|row| owner.as_deref().is_none_or(|o| row.owner == o))
                        .map(|row| row.figures)
                        .collect(),
                }
            } else {
                store
                    .report_insights(tenant, query.from, query.to, key)
                    .await?
            };
            steps[1].push(millis(started.elapsed()));
            let started = Instant::now();
            let ads = match key {
                AggregateKey::Day | AggregateKey::Store => Vec::new(),
                AggregateKey::Ad => store.report_ads(tenant).await?,
            };
            steps[2].push(millis(started.elapsed()));
            let started = Instant::now();
            let inputs = integrations_core::analytics::ReportInputs {
                orders: &orders,
                insights: &insights,
                ads: &ads,
                ..Default::default()
            };
            let report = build_report(query, zone.name(), inputs, ReportSource::Local);
            steps[3].push(millis(started.elapsed()));
            std::hint::black_box(report);
        }
        let [orders, insights, ads, assembly] = steps.map(|mut ms| {
            ms.sort_by(f64::total_cmp);
            ms[ms.len() / 2]
        });
        println!(
            "| {:<31} | {:>10.1} | {:>8.1} | {:>8.1} | {:>9.2} |",
            shape.label, orders, insights, ads, assembly
        );
    }
    Ok(())
}

fn same_figures(a: &Report, b: &Report) -> bool {
    (
        &a.rows,
        &a.totals,
        &a.warnings,
        &a.spend_currency,
        &a.revenue_currency,
    ) == (
        &b.rows,
        &b.totals,
        &b.warnings,
        &b.spend_currency,
        &b.revenue_currency,
    )
}

fn print_table(timings: &[Timing]) {
    println!(
        "\n| {:<31} | {:>5} | {:>7} | {:>7} | {:>7} | {:>7} | {:>15} |",
        "report", "rows", "min ms", "median", "p95", "max", "median < 200 ms"
    );
    println!(
        "|{:-<33}|{:->7}|{:->9}|{:->9}|{:->9}|{:->9}|:{:-<15}:|",
        ":", ":", ":", ":", ":", ":", ""
    );
    for timing in timings {
        let median = timing.percentile(0.5);
        println!(
            "| {:<31} | {:>5} | {:>7.1} | {:>7.1} | {:>7.1} | {:>7.1} | {:^15} |",
            timing.label,
            timing.rows,
            timing.ms[0],
            median,
            timing.percentile(0.95),
            timing.ms[timing.ms.len() - 1],
            if median < TARGET_MS { "yes" } else { "NO" }
        );
    }
}

async fn print_machine(url: &str) -> anyhow::Result<()> {
    let store = PostgresStore::connect(url).await?;
    let version: String = sqlx::query_scalar("SELECT current_setting('server_version')")
        .fetch_one(store.pool())
        .await?;
    store.pool().close().await;
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    println!("machine: {cores} cores; PostgreSQL {version} on this host; SQLite (bundled)");
    Ok(())
}

fn millis(took: Duration) -> f64 {
    took.as_secs_f64() * 1_000.0
}

/// `146000` → `146,000`.
fn thousands(value: i64) -> String {
    let digits = value.unsigned_abs().to_string();
    let mut out = String::new();
    if value < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
