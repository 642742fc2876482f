use super::*;

#[path = "../../tests/common/report_rows.rs"]
mod report_rows;
use report_rows::kind_key_spend_revenue;

fn query(by: ReportGrouping) -> ReportQuery {
    ReportQuery {
        from: "2026-11-01".parse().unwrap(),
        to: "2026-11-03".parse().unwrap(),
        store: None,
        by,
        time_zone: None,
    }
}

fn orders(key: Option<&str>, revenue: i64, count: i64) -> OrderAggregate {
    OrderAggregate {
        key: key.map(str::to_string),
        currency: Some("VND".into()),
        revenue_minor: revenue,
        orders: count,
    }
}

fn insight(key: &str, spend: i64, value: i64) -> InsightAggregate {
    InsightAggregate {
        key: key.into(),
        currency: "VND".into(),
        spend_minor: spend,
        impressions: 1000,
        clicks: 10,
        purchases: 1,
        purchase_value_minor: value,
    }
}

/// `insight`'s figures, spent in US dollars (the shop sells in đồng).
fn in_usd(mut insight: InsightAggregate) -> InsightAggregate {
    insight.currency = "USD".into();
    insight
}

fn ad(id: &str, campaign: &str) -> AdRecord {
    AdRecord {
        ad_id: id.into(),
        ad_name: Some(format!("Quảng cáo {id}")),
        adset_id: Some(format!("s-{campaign}")),
        adset_name: None,
        campaign_id: Some(campaign.into()),
        campaign_name: Some(format!("Chiến dịch {campaign}")),
    }
}

/// The report of the whole account (no assignment involved).
fn build(
    query: &ReportQuery,
    orders: &[OrderAggregate],
    insights: &[InsightAggregate],
    ads: &[AdRecord],
) -> Report {
    let inputs = ReportInputs {
        orders,
        insights,
        ads,
        ..ReportInputs::default()
    };
    build_report(query, DEFAULT_TIME_ZONE, inputs, ReportSource::Local)
}

#[test]
fn every_day_of_the_range_has_a_row_and_ratios_follow_the_sums() {
    let report = build(
        &query(ReportGrouping::Day),
        &[
            orders(Some("2026-11-01"), 300_000, 2),
            orders(Some("2026-11-03"), 100_001, 3),
        ],
        &[insight("2026-11-01", 100_000, 250_000)],
        &[],
    );
    let days: Vec<&str> = report.rows.iter().map(|r| r.key.as_str()).collect();
    assert_eq!(days, ["2026-11-01", "2026-11-02", "2026-11-03"]);
    let first = &report.rows[0].metrics;
    assert_eq!(first.roas_pos, Some(3.0));
    assert_eq!(first.roas_meta, Some(2.5));
    assert_eq!(first.average_order_value_minor, Some(150_000));
    let empty = &report.rows[1].metrics;
    assert_eq!(
        (empty.roas_pos, empty.average_order_value_minor),
        (None, None)
    );
    // 100,001 / 3 = 33,333.67 rounds half up to 33,334.
    assert_eq!(
        report.rows[2].metrics.average_order_value_minor,
        Some(33_334)
    );
    assert_eq!(report.rows[2].metrics.roas_pos, None, "no spend that day");
    assert_eq!(report.totals.revenue_minor, 400_001);
    assert_eq!(report.totals.orders, 5);
    assert_eq!(report.totals.spend_minor, 100_000);
}

#[test]
fn campaigns_gather_their_ads_and_unknown_and_missing_ads_have_rows_of_their_own() {
    let ads = [ad("a1", "c1"), ad("a2", "c1"), ad("a3", "c2")];
    let insights = [
        insight("a1", 100_000, 400_000),
        insight("a2", 50_000, 0),
        insight("a3", 300_000, 100_000),
    ];
    let sales = [
        orders(Some("a1"), 200_000, 1),
        orders(Some("a2"), 100_000, 1),
        orders(Some("a9"), 70_000, 1),
        orders(Some("a8"), 30_000, 2),
        orders(None, 999_000, 4),
    ];
    let report = build(&query(ReportGrouping::Campaign), &sales, &insights, &ads);
    assert_eq!(
        kind_key_spend_revenue(&report),
        [
            (ReportRowKind::Campaign, "c2", 300_000, 0),
            (ReportRowKind::Campaign, "c1", 150_000, 300_000),
            (ReportRowKind::UnknownAd, "", 0, 100_000),
            (ReportRowKind::NoAd, "", 0, 999_000),
        ]
    );
    assert_eq!(report.rows[1].name.as_deref(), Some("Chiến dịch c1"));
    assert_eq!(report.rows[1].metrics.meta_purchase_value_minor, 400_000);
    assert_eq!(report.rows[2].metrics.orders, 3);

    let by_ad = build(&query(ReportGrouping::Ad), &sales, &insights, &ads);
    let unknown: Vec<&str> = by_ad
        .rows
        .iter()
        .filter(|r| r.kind == ReportRowKind::UnknownAd)
        .map(|r| r.key.as_str())
        .collect();
    assert_eq!(
        unknown,
        ["a9", "a8"],
        "one row per unknown ad, most revenue first"
    );
    let a1 = by_ad.rows.iter().find(|r| r.key == "a1").unwrap();
    assert_eq!(a1.campaign_name.as_deref(), Some("Chiến dịch c1"));
    assert_eq!(a1.metrics.roas_pos, Some(2.0));
    assert_eq!(a1.metrics.roas_meta, Some(4.0));
}

#[test]
fn spend_and_sales_in_different_currencies_get_no_pos_roas_and_a_warning() {
    let spend = in_usd(insight("2026-11-01", 1_000, 0));
    let mut q = query(ReportGrouping::Day);
    q.store = Some(uuid::Uuid::nil());
    let report = build(&q, &[orders(Some("2026-11-01"), 500_000, 1)], &[spend], &[]);
    assert_eq!(report.totals.roas_pos, None);
    assert_eq!(report.totals.roas_meta, Some(0.0));
    assert_eq!(
        report.warnings,
        [ReportWarning::CurrenciesDiffer {
            spend: "USD".into(),
            revenue: "VND".into()
        }]
    );
}

#[test]
fn the_csv_starts_with_a_bom_and_keeps_vietnamese_and_exact_money() {
    let spend = in_usd(insight("a1", 12_345, 0));
    let report = build(
        &query(ReportGrouping::Ad),
        &[orders(Some("a1"), 1_234_567, 2), orders(None, 5, 1)],
        &[spend],
        &[ad("a1", "c1")],
    );
    let csv = report_csv(&report);
    assert!(csv.starts_with('\u{feff}'));
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(
        lines[0],
        "ad_id,name,campaign,spend USD,impressions,clicks,meta_purchases,meta_purchase_value USD,\
         pos_revenue VND,pos_orders,average_order_value VND,roas_meta,roas_pos"
    );
    assert_eq!(
        lines[1],
        "a1,Quảng cáo a1,Chiến dịch c1,123.45,1000,10,1,0.00,1234567,2,617284,0.00,"
    );
    assert_eq!(lines[2], ",No ad,,0.00,0,0,0,0.00,5,1,5,,");
    assert!(lines[3].starts_with("total,,,123.45,"), "{}", lines[3]);
}

#[test]
fn money_in_minor_units_becomes_an_exact_decimal() {
    assert_eq!(minor_to_decimal(1_234_567, 0), "1234567");
    assert_eq!(minor_to_decimal(1_234_567, 2), "12345.67");
    assert_eq!(minor_to_decimal(5, 2), "0.05");
    assert_eq!(minor_to_decimal(-5, 3), "-0.005");
    assert_eq!(minor_to_decimal(i64::MIN, 2), "-92233720368547758.08");
}

#[test]
fn queries_are_checked() {
    let mut q = query(ReportGrouping::Day);
    assert_eq!(
        validate(&q, DEFAULT_TIME_ZONE).unwrap(),
        chrono_tz::Asia::Ho_Chi_Minh
    );
    q.time_zone = Some("Mars/Olympus".into());
    assert!(validate(&q, DEFAULT_TIME_ZONE)
        .unwrap_err()
        .contains("Unknown time zone"));
    q.time_zone = None;
    q.from = "2026-11-04".parse().unwrap();
    assert!(validate(&q, DEFAULT_TIME_ZONE)
        .unwrap_err()
        .contains("after it ends"));
    q.from = "2020-01-01".parse().unwrap();
    assert!(validate(&q, DEFAULT_TIME_ZONE)
        .unwrap_err()
        .contains("at most"));
}

#[test]
fn exports_never_overwrite_each_other() {
    let dir = tempfile::tempdir().unwrap();
    let report = build(
        &query(ReportGrouping::Campaign),
        &[orders(None, 5, 1)],
        &[],
        &[],
    );
    let first = save_report_csv(&report, dir.path()).unwrap();
    let second = save_report_csv(&report, dir.path()).unwrap();
    assert_eq!(
        first.file_name().unwrap(),
        "ad-spend-vs-sales_2026-11-01_2026-11-03_by-campaign.csv"
    );
    assert_eq!(
        second.file_name().unwrap(),
        "ad-spend-vs-sales_2026-11-01_2026-11-03_by-campaign (2).csv"
    );
    assert_eq!(
        std::fs::read_to_string(&second).unwrap(),
        report_csv(&report)
    );
}

#[test]
fn spend_in_several_currencies_gets_no_roas_and_orders_without_one_take_the_accounts() {
    let usd = in_usd(insight("2026-11-01", 1_000, 5_000));
    let report = build(
        &query(ReportGrouping::Day),
        &[orders(Some("2026-11-01"), 500_000, 1)],
        &[insight("2026-11-01", 100_000, 200_000), usd],
        &[],
    );
    assert_eq!(
        (report.totals.roas_meta, report.totals.roas_pos),
        (None, None)
    );
    assert!(report
        .warnings
        .contains(&ReportWarning::SeveralSpendCurrencies {
            currencies: vec!["USD".into(), "VND".into()]
        }));

    let mut unknown = orders(Some("2026-11-01"), 300_000, 1);
    unknown.currency = None;
    let report = build(
        &query(ReportGrouping::Day),
        &[unknown],
        &[insight("2026-11-01", 100_000, 0)],
        &[],
    );
    assert_eq!(report.revenue_currency.as_deref(), Some("VND"));
    assert_eq!(report.totals.roas_pos, Some(3.0));
    assert_eq!(
        report.warnings,
        [ReportWarning::OrderCurrencyAssumed {
            currency: "VND".into()
        }]
    );
}

#[test]
fn names_that_look_like_formulas_stay_text_in_the_csv() {
    let mut evil = ad("a1", "c1");
    evil.ad_name = Some("=HYPERLINK(\"http://x\",\"Bấm\")".into());
    evil.campaign_name = Some("+Tết, \"sale\"".into());
    let report = build(
        &query(ReportGrouping::Ad),
        &[],
        &[insight("a1", -5, 0)],
        &[evil],
    );
    let csv = report_csv(&report);
    let line = csv.lines().nth(1).unwrap();
    assert!(
        line.starts_with(
            "a1,\"'=HYPERLINK(\"\"http://x\"\",\"\"Bấm\"\")\",\"'+Tết, \"\"sale\"\"\",-5,"
        ),
        "{line}"
    );
}

#[test]
fn days_outside_two_thousand_to_twenty_one_hundred_are_refused() {
    let mut q = query(ReportGrouping::Day);
    q.to = "2101-01-01".parse().unwrap();
    q.from = "2100-12-30".parse().unwrap();
    assert!(validate(&q, DEFAULT_TIME_ZONE)
        .unwrap_err()
        .contains("outside"));
    q.from = NaiveDate::MIN;
    q.to = NaiveDate::MIN;
    assert!(validate(&q, DEFAULT_TIME_ZONE)
        .unwrap_err()
        .contains("outside"));
}

fn owned(owner: &str, ad: &str, spend: i64) -> OwnedInsightAggregate {
    OwnedInsightAggregate {
        owner: owner.into(),
        figures: insight(ad, spend, 0),
    }
}

#[test]
fn by_store_every_store_has_a_row_and_spend_of_no_store_comes_last_and_apart() {
    let hn = uuid::Uuid::from_u128(1);
    let sg = uuid::Uuid::from_u128(2);
    let stores = [(hn, "Hà Nội".to_string()), (sg, "Sài Gòn".to_string())];
    let q = query(ReportGrouping::Store);
    let insights = [
        insight(&sg.to_string(), 300, 0),
        insight(crate::store::NO_STORE_OWNER, 50, 0),
        insight(crate::store::UNASSIGNED_OWNER, 70, 0),
    ];
    let orders = [orders(Some(&hn.to_string()), 900, 3)];
    let inputs = ReportInputs {
        orders: &orders,
        insights: &insights,
        stores: &stores,
        ..ReportInputs::default()
    };
    let report = build_report(&q, DEFAULT_TIME_ZONE, inputs, ReportSource::Local);
    let rows: Vec<(ReportRowKind, Option<&str>, i64, i64)> = report
        .rows
        .iter()
        .map(|r| {
            (
                r.kind,
                r.name.as_deref(),
                r.metrics.spend_minor,
                r.metrics.revenue_minor,
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (ReportRowKind::Store, Some("Sài Gòn"), 300, 0),
            (ReportRowKind::Store, Some("Hà Nội"), 0, 900),
            (ReportRowKind::Unassigned, None, 70, 0),
            (ReportRowKind::NoStore, None, 50, 0),
        ]
    );
    assert_eq!(report.totals.spend_minor, 420, "all of it, in some row");
    // One store chosen: its row alone.
    let mut one = query(ReportGrouping::Store);
    one.store = Some(hn);
    let inputs = ReportInputs {
        orders: &orders,
        insights: &[],
        stores: &stores,
        account_currencies: Some(vec!["VND".into()]),
        ..ReportInputs::default()
    };
    let report = build_report(&one, DEFAULT_TIME_ZONE, inputs, ReportSource::Local);
    assert_eq!(report.rows.len(), 1);
    assert_eq!(
        report.spend_currency.as_deref(),
        Some("VND"),
        "a store without spend reads in the account's currency"
    );
    let csv = report_csv(&report);
    assert!(csv.starts_with("\u{feff}store_id,name,"), "{csv}");
}

#[test]
fn warnings_name_unassigned_campaigns_and_reassignments_since_the_range_began() {
    use crate::store::{SpendAssignmentRecord, UNASSIGNED_OWNER};
    let zone: chrono_tz::Tz = DEFAULT_TIME_ZONE.parse().unwrap();
    let ads = [ad("a1", "c1"), ad("a2", "c2"), ad("a3", "c3")];
    let record = |campaign: &str, reassigned: Option<&str>| SpendAssignmentRecord {
        tenant_id: uuid::Uuid::nil(),
        campaign_id: campaign.into(),
        adset_id: String::new(),
        shares: Some("[]".into()),
        decided_at: None,
        reassigned_at: reassigned.map(|at| at.parse().unwrap()),
        changed_by: None,
        updated_at: chrono::Utc::now(),
        version: 2,
    };
    // c2 reassigned at 00:30 on 1 November in Vietnam (the range's first day); c3 the day
    // before, which no day of the range ever showed otherwise.
    let assignments = [
        record("c2", Some("2026-10-31T17:30:00Z")),
        record("c3", Some("2026-10-31T16:30:00Z")),
    ];
    let plan = assignment::SpendPlan::new(&ads, &assignments, &Default::default());
    let by_ad = [
        owned(UNASSIGNED_OWNER, "a1", 1_000),
        owned(crate::store::NO_STORE_OWNER, "a2", 500),
        owned(crate::store::NO_STORE_OWNER, "a3", 500),
    ];
    let warnings = assignment_warnings(&query(ReportGrouping::Day), zone, &by_ad, &plan, &ads);
    assert_eq!(
        warnings,
        [
            ReportWarning::UnassignedSpend {
                spend_minor: 1_000,
                campaigns: vec!["Chiến dịch c1".into()],
            },
            ReportWarning::Reassigned {
                campaign_id: "c2".into(),
                campaign_name: Some("Chiến dịch c2".into()),
                adset_id: None,
                adset_name: None,
                at: "2026-10-31T17:30:00Z".parse().unwrap(),
            },
        ]
    );
}
