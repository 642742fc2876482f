//! The analytics report against hand-computed figures, on both stores: which orders count, on
//! which local day (23:30 on the last day counts; 00:00 the day after does not), the cash
//! fallback for shops without catalogue prices, attribution to campaigns and ads, orders from
//! ads Meta did not report, and one store alone (its spend per store: tests/spend_per_store.rs). Then the two stores side by side.
//!
//! The fixture (Asia/Ho_Chi_Minh, UTC+7; range 2026-11-01 … 2026-11-03; money in đồng):
//!
//! | store | order | created (UTC)        | local day | status        | ad   | revenue   |
//! |-------|-------|----------------------|-----------|---------------|------|-----------|
//! | HN    | 1     | 2026-10-31 17:30     | 11-01     | 3 received    | a1   | 450,000 ¹ |
//! | HN    | 2     | 2026-10-31 16:30     | 10-31     | 1 confirmed   | a1   | — (before)|
//! | HN    | 3     | 2026-11-03 16:30     | 11-03 23:30 | 2 shipped   | a2   | 300,000   |
//! | HN    | 4     | 2026-11-03 17:00     | 11-04     | 3 received    | —    | — (after) |
//! | HN    | 5     | 2026-11-02 05:00     | 11-02     | 6 canceled    | a1   | —         |
//! | HN    | 6     | 2026-11-02 06:00     | 11-02     | 5 returned    | —    | —         |
//! | HN    | 7     | 2026-11-02 07:00     | 11-02     | 16 collected  | 9999 | 200,000 ² |
//! | SG    | 1     | 2026-11-01 10:00     | 11-01     | 0 new         | —    | 100,000 ³ |
//! | SG    | 2     | 2026-11-02 23:59:59  | 11-03     | 7 deleted     | —    | —         |
//! | SG    | 3     | 2026-11-02 16:59:59  | 11-02 23:59:59 | 9 pick-up | a3  | 75,000    |
//! | SG    | 4     | 2026-11-01 01:00     | 11-01     | 15 part. ret. | a1   | —         |
//! | SG    | 5     | 2026-11-03 02:00     | 11-03     | 2 shipped     | 8888 | 45,000    |
//!
//! ¹ 500,000 less a 50,000 discount, shipping not counted. ² `total_price` 0: cod 220,000 less
//! 20,000 shipping. ³ 120,000 less 20,000 discount.
//!
//! Meta (VND): a1 and a2 in campaign c1 "Khuyến mãi Tết", a3 in c2 "Bộ sưu tập mới".
//! a1: 11-01 spend 100,000 / value 400,000 (2 purchases), 11-03 spend 50,000 / value 150,000
//! (1); a2: 11-02 spend 30,000; a3: 11-03 spend 200,000 / value 90,000 (1). Outside the range:
//! a1 on 10-31 (999,999) and a3 on 11-04 (777,777).

mod common;

use common::{meta_ads, pancake, report_query, write_insights, write_orders, Backend, TestEnv};
use integrations_core::analytics::{
    Report, ReportGrouping, ReportQuery, ReportRowKind, ReportSource, ReportWarning,
};
use integrations_core::Session;
use integrations_providers::{AdInsightRow, PancakeOrder};
use serde_json::json;
use uuid::Uuid;

struct Fixture {
    env: TestEnv,
    session: Session,
    hanoi: Uuid,
}

/// Pancake's own shape: integer money, UTC timestamps without an offset.
fn order(
    id: i64,
    shop: i64,
    created: &str,
    status: i64,
    money: [i64; 4],
    ad: Option<&str>,
) -> PancakeOrder {
    let [total_price, total_discount, shipping_fee, cod] = money;
    PancakeOrder::from_value(json!({
        "id": id, "shop_id": shop, "status": status,
        "inserted_at": created, "updated_at": created,
        "total_price": total_price, "total_discount": total_discount,
        "shipping_fee": shipping_fee, "cod": cod, "order_currency": "VND",
        "ad_id": ad, "items": []
    }))
    .unwrap()
}

/// Meta's own shape: decimal strings, purchases among the actions.
fn insight(
    ad: &str,
    day: &str,
    spend: i64,
    impressions: i64,
    clicks: i64,
    purchases: i64,
    value: i64,
) -> AdInsightRow {
    let (campaign, campaign_name) = match ad {
        "a3" => ("c2", "Bộ sưu tập mới"),
        _ => ("c1", "Khuyến mãi Tết"),
    };
    AdInsightRow::from_value(
        json!({
            "date_start": day, "date_stop": day, "account_id": "1234567890",
            "campaign_id": campaign, "campaign_name": campaign_name,
            "adset_id": format!("s-{campaign}"), "adset_name": "Người mua ở Hà Nội",
            "ad_id": ad, "ad_name": format!("Quảng cáo {ad}"),
            "spend": spend.to_string(), "impressions": impressions.to_string(),
            "clicks": clicks.to_string(), "reach": impressions.to_string(),
            "actions": [{"action_type": "omni_purchase", "value": purchases.to_string()},
                        {"action_type": "purchase", "value": purchases.to_string()}],
            "action_values": [{"action_type": "omni_purchase", "value": value.to_string()},
                              {"action_type": "purchase", "value": value.to_string()}]
        }),
        "VND",
    )
    .unwrap()
}

async fn fixture(backend: Backend) -> Fixture {
    let env = TestEnv::new(backend).await;
    let session = env.sign_up_owner().await;
    let tenant = session.tenant_id();
    let [hanoi, saigon, meta] = env
        .create_integrations(
            &session,
            [
                ("Cửa hàng Hà Nội", pancake("101")),
                ("Cửa hàng Sài Gòn", pancake("202")),
                ("Quảng cáo Meta", meta_ads("act_1234567890")),
            ],
        )
        .await;

    let hanoi_orders = [
        order(
            1,
            101,
            "2026-10-31T17:30:00",
            3,
            [500_000, 50_000, 30_000, 480_000],
            Some("a1"),
        ),
        order(
            2,
            101,
            "2026-10-31T16:30:00",
            1,
            [1_000_000, 0, 0, 1_000_000],
            Some("a1"),
        ),
        order(
            3,
            101,
            "2026-11-03T16:30:00",
            2,
            [300_000, 0, 25_000, 325_000],
            Some("a2"),
        ),
        order(
            4,
            101,
            "2026-11-03T17:00:00",
            3,
            [800_000, 0, 0, 800_000],
            None,
        ),
        order(
            5,
            101,
            "2026-11-02T05:00:00",
            6,
            [600_000, 0, 0, 600_000],
            Some("a1"),
        ),
        order(
            6,
            101,
            "2026-11-02T06:00:00",
            5,
            [250_000, 0, 0, 250_000],
            None,
        ),
        order(
            7,
            101,
            "2026-11-02T07:00:00",
            16,
            [0, 0, 20_000, 220_000],
            Some("9999"),
        ),
    ];
    let saigon_orders = [
        order(
            1,
            202,
            "2026-11-01T10:00:00",
            0,
            [120_000, 20_000, 0, 100_000],
            None,
        ),
        order(
            2,
            202,
            "2026-11-02T23:59:59",
            7,
            [90_000, 0, 0, 90_000],
            None,
        ),
        order(
            3,
            202,
            "2026-11-02T16:59:59",
            9,
            [75_000, 0, 15_000, 90_000],
            Some("a3"),
        ),
        order(
            4,
            202,
            "2026-11-01T01:00:00",
            15,
            [66_000, 0, 0, 66_000],
            Some("a1"),
        ),
        order(
            5,
            202,
            "2026-11-03T02:00:00",
            2,
            [45_000, 0, 0, 45_000],
            Some("8888"),
        ),
    ];
    let insights = [
        insight("a1", "2026-10-31", 999_999, 1, 1, 1, 1),
        insight("a1", "2026-11-01", 100_000, 1000, 50, 2, 400_000),
        insight("a1", "2026-11-03", 50_000, 500, 20, 1, 150_000),
        insight("a2", "2026-11-02", 30_000, 300, 10, 0, 0),
        insight("a3", "2026-11-03", 200_000, 2000, 80, 1, 90_000),
        insight("a3", "2026-11-04", 777_777, 1, 1, 1, 1),
    ];
    let store = env.store();
    write_orders(store, tenant, hanoi, 101, &hanoi_orders).await;
    write_orders(store, tenant, saigon, 202, &saigon_orders).await;
    write_insights(store, tenant, meta, &insights).await;
    Fixture {
        env,
        session,
        hanoi,
    }
}

fn query(by: ReportGrouping) -> ReportQuery {
    report_query(by, None)
}

impl Fixture {
    async fn report(&self, query: ReportQuery) -> Report {
        self.env.core.report(&self.session, &query).await.unwrap()
    }

    /// A second workspace on the same database, with no data of its own.
    async fn other_workspace(&self) -> Session {
        self.env.sign_up_other().await
    }
}

/// (key, spend, Meta purchase value, revenue, orders) of each row.
fn figures(report: &Report) -> Vec<(String, i64, i64, i64, i64)> {
    report
        .rows
        .iter()
        .map(|row| {
            let m = &row.metrics;
            (
                row.key.clone(),
                m.spend_minor,
                m.meta_purchase_value_minor,
                m.revenue_minor,
                m.orders,
            )
        })
        .collect()
}

fn rows(expected: &[(&str, i64, i64, i64, i64)]) -> Vec<(String, i64, i64, i64, i64)> {
    expected
        .iter()
        .map(|&(key, spend, value, revenue, orders)| {
            (key.to_string(), spend, value, revenue, orders)
        })
        .collect()
}

async fn totals_follow_the_rules(backend: Backend) {
    let f = fixture(backend).await;
    let report = f.report(query(ReportGrouping::Day)).await;
    let t = &report.totals;
    assert_eq!(t.revenue_minor, 1_170_000);
    assert_eq!(t.orders, 6);
    assert_eq!(t.average_order_value_minor, Some(195_000));
    assert_eq!(t.spend_minor, 380_000);
    assert_eq!((t.impressions, t.clicks, t.meta_purchases), (3_800, 160, 4));
    assert_eq!(t.meta_purchase_value_minor, 640_000);
    assert_eq!(t.roas_pos, Some(1_170_000.0 / 380_000.0));
    assert_eq!(t.roas_meta, Some(640_000.0 / 380_000.0));
    assert_eq!(report.time_zone, "Asia/Ho_Chi_Minh");
    assert_eq!(report.spend_currency.as_deref(), Some("VND"));
    assert_eq!(report.revenue_currency.as_deref(), Some("VND"));
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    let expected_source = match backend {
        Backend::Sqlite => ReportSource::Local,
        Backend::Postgres => ReportSource::Server,
    };
    assert_eq!(report.source, expected_source);
}

async fn days_are_local_and_the_last_evening_counts(backend: Backend) {
    let f = fixture(backend).await;
    let report = f.report(query(ReportGrouping::Day)).await;
    assert_eq!(
        figures(&report),
        rows(&[
            ("2026-11-01", 100_000, 400_000, 550_000, 2),
            ("2026-11-02", 30_000, 0, 275_000, 2),
            // HN 3 at 23:30 local on the last day is in; HN 4 at 00:00 the next day is not.
            ("2026-11-03", 250_000, 240_000, 345_000, 2),
        ])
    );
    // The same orders in UTC days: different days, different orders in range.
    let mut utc = query(ReportGrouping::Day);
    utc.time_zone = Some("UTC".into());
    let report = f.report(utc).await;
    assert_eq!(report.time_zone, "UTC");
    let revenue: Vec<i64> = report
        .rows
        .iter()
        .map(|r| r.metrics.revenue_minor)
        .collect();
    assert_eq!(revenue, [100_000, 275_000, 1_145_000]);
}

async fn campaigns_and_ads_meet_their_sales(backend: Backend) {
    let f = fixture(backend).await;
    let report = f.report(query(ReportGrouping::Campaign)).await;
    assert_eq!(
        figures(&report),
        rows(&[
            ("c2", 200_000, 90_000, 75_000, 1),
            ("c1", 180_000, 550_000, 750_000, 2),
            ("", 0, 0, 245_000, 2),
            ("", 0, 0, 100_000, 1),
        ])
    );
    let kinds: Vec<ReportRowKind> = report.rows.iter().map(|r| r.kind).collect();
    assert_eq!(
        kinds,
        [
            ReportRowKind::Campaign,
            ReportRowKind::Campaign,
            ReportRowKind::UnknownAd,
            ReportRowKind::NoAd
        ]
    );
    assert_eq!(report.rows[1].name.as_deref(), Some("Khuyến mãi Tết"));
    assert_eq!(report.rows[1].metrics.roas_pos, Some(750_000.0 / 180_000.0));

    let report = f.report(query(ReportGrouping::Ad)).await;
    assert_eq!(
        figures(&report),
        rows(&[
            ("a3", 200_000, 90_000, 75_000, 1),
            ("a1", 150_000, 550_000, 450_000, 1),
            ("a2", 30_000, 0, 300_000, 1),
            ("9999", 0, 0, 200_000, 1),
            ("8888", 0, 0, 45_000, 1),
            ("", 0, 0, 100_000, 1),
        ])
    );
    assert_eq!(report.rows[1].name.as_deref(), Some("Quảng cáo a1"));
    assert_eq!(
        report.rows[1].campaign_name.as_deref(),
        Some("Khuyến mãi Tết")
    );
    assert_eq!(report.rows[3].kind, ReportRowKind::UnknownAd);
    assert_eq!(
        report.totals.revenue_minor, 1_170_000,
        "every counted order is in some row"
    );
}

async fn one_store_alone(backend: Backend) {
    let f = fixture(backend).await;
    let mut q = query(ReportGrouping::Day);
    q.store = Some(f.hanoi);
    let report = f.report(q).await;
    let revenue: Vec<i64> = report
        .rows
        .iter()
        .map(|r| r.metrics.revenue_minor)
        .collect();
    assert_eq!(revenue, [450_000, 200_000, 300_000]);
    assert_eq!(report.totals.orders, 3);
    // No campaign is assigned to a store yet (tests/spend_per_store.rs assigns them): none of
    // the spend is this store's, and the report names whose spend belongs to no store.
    assert_eq!(report.totals.spend_minor, 0);
    assert_eq!(report.totals.roas_pos, None);
    assert_eq!(
        report.warnings,
        [ReportWarning::UnassignedSpend {
            spend_minor: 380_000,
            campaigns: vec!["Bộ sưu tập mới".into(), "Khuyến mãi Tết".into()],
        }]
    );
}

async fn bad_queries_get_clear_errors(backend: Backend) {
    let f = fixture(backend).await;
    let mut q = query(ReportGrouping::Day);
    q.from = "2026-11-05".parse().unwrap();
    let err = f.env.core.report(&f.session, &q).await.unwrap_err();
    assert_eq!(err.code(), integrations_core::ErrorCode::Validation);
    assert!(err.to_string().contains("after it ends"), "{err}");

    let mut q = query(ReportGrouping::Day);
    q.store = Some(Uuid::new_v4());
    let err = f.env.core.report(&f.session, &q).await.unwrap_err();
    assert_eq!(err.code(), integrations_core::ErrorCode::NotFound);

    // Another workspace sees none of these figures.
    let other = f.other_workspace().await;
    let report = f
        .env
        .core
        .report(&other, &query(ReportGrouping::Ad))
        .await
        .unwrap();
    assert!(report.rows.is_empty());
    assert_eq!(
        (report.totals.revenue_minor, report.totals.spend_minor),
        (0, 0)
    );
}

/// The workspace's time zone decides the days when the query names none.
async fn the_workspace_time_zone_sets_the_days(backend: Backend) {
    let f = fixture(backend).await;
    let account = f.env.core.current_account(&f.session).await.unwrap();
    assert_eq!(
        account.time_zone, "Asia/Ho_Chi_Minh",
        "a new workspace is in Vietnam"
    );
    let account = f.env.core.set_time_zone(&f.session, " UTC ").await.unwrap();
    assert_eq!(account.time_zone, "UTC");
    let report = f.report(query(ReportGrouping::Day)).await;
    assert_eq!(report.time_zone, "UTC");
    let revenue: Vec<i64> = report
        .rows
        .iter()
        .map(|r| r.metrics.revenue_minor)
        .collect();
    assert_eq!(revenue, [100_000, 275_000, 1_145_000]);

    let err = f
        .env
        .core
        .set_time_zone(&f.session, "Sài Gòn")
        .await
        .unwrap_err();
    assert_eq!(err.code(), integrations_core::ErrorCode::Validation);
    assert!(err.to_string().contains("Unknown time zone"), "{err}");
    assert_eq!(
        f.env
            .core
            .current_account(&f.session)
            .await
            .unwrap()
            .time_zone,
        "UTC"
    );

    let other = f.other_workspace().await;
    let theirs = f.env.core.current_account(&other).await.unwrap();
    assert_eq!(
        theirs.time_zone, "Asia/Ho_Chi_Minh",
        "another workspace keeps its own"
    );
}

/// SQLite reads fractions of a second to the millisecond: an order in the last tenth of a
/// millisecond of the range's last day must still count on that day, as in PostgreSQL.
async fn the_last_instant_of_the_last_day_counts_on_it(backend: Backend) {
    let f = fixture(backend).await;
    let late = order(
        8,
        101,
        "2026-11-03T16:59:59.999900",
        3,
        [10_000, 0, 0, 10_000],
        None,
    );
    write_orders(f.env.store(), f.session.tenant_id(), f.hanoi, 101, &[late]).await;
    let report = f.report(query(ReportGrouping::Day)).await;
    let last = report.rows.last().unwrap();
    assert_eq!(last.key, "2026-11-03");
    assert_eq!(
        (last.metrics.revenue_minor, last.metrics.orders),
        (355_000, 3)
    );
    let rows: i64 = report.rows.iter().map(|r| r.metrics.revenue_minor).sum();
    assert_eq!(
        rows, report.totals.revenue_minor,
        "the rows add up to the total"
    );
}

on_both_stores!(
    the_last_instant_of_the_last_day_counts_on_it,
    the_workspace_time_zone_sets_the_days,
    totals_follow_the_rules,
    days_are_local_and_the_last_evening_counts,
    campaigns_and_ads_meet_their_sales,
    one_store_alone,
    bad_queries_get_clear_errors,
);

/// The same data in PostgreSQL and in SQLite gives the same report, for every grouping and a
/// time zone with daylight saving (whose changeover day the SQL names outright).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_and_sqlite_agree() {
    let pg = fixture(Backend::Postgres).await;
    let lite = fixture(Backend::Sqlite).await;
    let mut queries: Vec<ReportQuery> = [
        ReportGrouping::Day,
        ReportGrouping::Campaign,
        ReportGrouping::Ad,
    ]
    .into_iter()
    .map(query)
    .collect();
    let mut daylight = query(ReportGrouping::Day);
    daylight.time_zone = Some("America/Los_Angeles".into());
    daylight.from = "2026-10-30".parse().unwrap();
    daylight.to = "2026-11-04".parse().unwrap();
    queries.push(daylight);
    for q in queries {
        let a = pg.report(q.clone()).await;
        let b = lite.report(q.clone()).await;
        assert_eq!(a.rows, b.rows, "{q:?}");
        assert_eq!(a.totals, b.totals, "{q:?}");
        assert!(a.totals.orders > 0, "{q:?}");
    }
}
