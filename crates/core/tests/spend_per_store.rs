//! Spend per store against hand-computed figures, on both stores: a campaign's spend split
//! among three stores with its remainder, an ad set deciding for itself, a tie, a reassignment
//! (and the warning it brings), spend of no store as rows of their own, all stores adding up to
//! the account, suggestions from the orders, versions, and bad input refused by the service and
//! by the database itself.
//!
//! The fixture (Asia/Ho_Chi_Minh; range 2026-11-01 … 2026-11-03; money in đồng). Stores: Hà Nội
//! (HN), Sài Gòn (SG), Đà Nẵng (ĐN). Meta:
//!
//! | ad | campaign                   | ad set        | day   | spend   | Meta value |
//! |----|----------------------------|---------------|-------|---------|------------|
//! | a1 | c1 Khuyến mãi Tết          | s1 HN & SG    | 11-01 | 100,001 | 300,000    |
//! | a1 | c1                         | s1            | 11-02 |  50,000 | 0          |
//! | a2 | c1                         | s2 Đà Nẵng    | 11-02 |  30,000 | 60,000     |
//! | a3 | c2 Bộ sưu tập mới          | s3            | 11-03 | 200,000 | 90,000     |
//! | a4 | c3 Nhận diện thương hiệu   | s4            | 11-01 |  10,000 | 0          |
//! | a1 | (outside the range)        |               | 10-31 | 999,999 | 1          |
//!
//! The account's spend in the range: 390,001; Meta value 450,000.
//!
//! Counted orders (11-02, 10:00 local): HN 400,000 and 200,000 from a1 and 100,000 from no ad;
//! SG 200,000 from a1 and 150,000 from a3; ĐN 120,000 from a2. A canceled HN order from a1
//! (500,000) does not count, for the suggestions either.
//!
//! **c1 at 33.33 % HN, 33.33 % SG, 33.34 % ĐN** (ĐN, the largest, takes each row's remainder):
//! - a1 11-01, 100,001: 33,330.33 → 33,330 (HN), 33,330 (SG), 33,340.33 → 33,340 (ĐN); 1 đồng
//!   left → ĐN 33,341. Value 300,000: 99,990 / 99,990 / 100,020.
//! - a1 11-02, 50,000: 16,665 / 16,665 / 16,670.
//! - a2 11-02, 30,000: 9,999 / 9,999 / 10,002. Value 60,000: 19,998 / 19,998 / 20,004.
//!
//! With c2 all SG and c3 unassigned: HN 59,994; SG 259,994; ĐN 60,013; unassigned 10,000; in
//! all 390,001. Meta value HN 119,988; SG 209,988; ĐN 120,024.
//!
//! **Ad set s2 all ĐN** (a2 leaves c1's shares): HN 49,995; SG 249,995; ĐN 80,011.
//!
//! **c1 reassigned to 50 % HN, 50 % SG** (a tie: HN, listed first, takes the remainder):
//! a1 11-01 → HN 50,001, SG 50,000; a1 11-02 → 25,000 each. HN 75,001; SG 275,000; ĐN 30,000.
//!
//! **Suggestions** (whole percents of the orders' revenue): c1 HN 600,000, SG 200,000, ĐN
//! 120,000 of 920,000 → 65.2 / 21.7 / 13.0 → 65 / 21 / 13, 1 left → HN 66 %; s1 → HN 75 %,
//! SG 25 %; s2 → ĐN 100 %; c2 → SG 100 %; c3 → none.

mod common;

use common::report_rows::kind_key_spend_revenue;
use common::{
    meta_ads, pancake, report_query as query, store_shares as shares, write_insights, write_orders,
    Backend, TestEnv,
};
use integrations_core::analytics::assignment::{
    AssignmentChoice, AssignmentState, Campaign, CampaignAssignment, SpendOwner,
};
use integrations_core::analytics::{
    Report, ReportGrouping, ReportQuery, ReportRowKind, ReportWarning,
};
use integrations_core::{ErrorCode, Session};
use integrations_providers::{AdInsightRow, PancakeOrder};
use secrecy::SecretString;
use serde_json::json;
use uuid::Uuid;

struct Fixture {
    env: TestEnv,
    session: Session,
    hn: Uuid,
    sg: Uuid,
    dn: Uuid,
    meta: Uuid,
}

fn order(id: i64, shop: i64, status: i64, revenue: i64, ad: Option<&str>) -> PancakeOrder {
    PancakeOrder::from_value(json!({
        "id": id, "shop_id": shop, "status": status,
        "inserted_at": "2026-11-02T03:00:00", "updated_at": "2026-11-02T03:00:00",
        "total_price": revenue, "total_discount": 0, "shipping_fee": 0, "cod": revenue,
        "order_currency": "VND", "ad_id": ad, "items": []
    }))
    .unwrap()
}

fn insight(ad: &str, day: &str, spend: i64, value: i64) -> AdInsightRow {
    let (campaign, campaign_name, adset, adset_name) = match ad {
        "a1" => ("c1", "Khuyến mãi Tết", "s1", "Hà Nội và Sài Gòn"),
        "a2" => ("c1", "Khuyến mãi Tết", "s2", "Đà Nẵng"),
        "a3" => ("c2", "Bộ sưu tập mới", "s3", "Toàn quốc"),
        _ => ("c3", "Nhận diện thương hiệu", "s4", "Video"),
    };
    AdInsightRow::from_value(
        json!({
            "date_start": day, "date_stop": day, "account_id": "1234567890",
            "campaign_id": campaign, "campaign_name": campaign_name,
            "adset_id": adset, "adset_name": adset_name,
            "ad_id": ad, "ad_name": format!("Quảng cáo {ad}"),
            "spend": spend.to_string(), "impressions": "1000", "clicks": "10", "reach": "900",
            "actions": [{"action_type": "omni_purchase", "value": "1"}],
            "action_values": [{"action_type": "omni_purchase", "value": value.to_string()}]
        }),
        "VND",
    )
    .unwrap()
}

async fn fixture(backend: Backend) -> Fixture {
    let env = TestEnv::new(backend).await;
    let session = env
        .core
        .sign_up(
            "Chuỗi cửa hàng",
            "chu@chuoi.vn",
            &SecretString::from("mật khẩu 123"),
        )
        .await
        .unwrap()
        .session;
    let [hn, sg, dn, meta] = env
        .create_integrations(
            &session,
            [
                ("Cửa hàng Hà Nội", pancake("101")),
                ("Cửa hàng Sài Gòn", pancake("202")),
                ("Cửa hàng Đà Nẵng", pancake("303")),
                ("Quảng cáo Meta", meta_ads("act_1234567890")),
            ],
        )
        .await;
    let tenant = session.tenant_id();
    let store = env.store();
    for (integration, shop_id, orders) in [
        (
            hn,
            101,
            vec![
                order(1, 101, 3, 400_000, Some("a1")),
                order(2, 101, 2, 200_000, Some("a1")),
                order(3, 101, 3, 100_000, None),
                order(4, 101, 6, 500_000, Some("a1")),
            ],
        ),
        (
            sg,
            202,
            vec![
                order(1, 202, 3, 200_000, Some("a1")),
                order(2, 202, 16, 150_000, Some("a3")),
            ],
        ),
        (dn, 303, vec![order(1, 303, 1, 120_000, Some("a2"))]),
    ] {
        write_orders(store, tenant, integration, shop_id, &orders).await;
    }
    let insights = [
        insight("a1", "2026-10-31", 999_999, 1),
        insight("a1", "2026-11-01", 100_001, 300_000),
        insight("a1", "2026-11-02", 50_000, 0),
        insight("a2", "2026-11-02", 30_000, 60_000),
        insight("a3", "2026-11-03", 200_000, 90_000),
        insight("a4", "2026-11-01", 10_000, 0),
    ];
    write_insights(store, tenant, meta, &insights).await;
    Fixture {
        env,
        session,
        hn,
        sg,
        dn,
        meta,
    }
}

impl Fixture {
    async fn report(&self, query: ReportQuery) -> Report {
        self.env.core.report(&self.session, &query).await.unwrap()
    }

    async fn assign(
        &self,
        campaign: &str,
        adset: Option<&str>,
        choice: AssignmentChoice,
    ) -> integrations_core::CoreResult<Campaign> {
        self.env
            .assign_campaign(&self.session, campaign, adset, choice)
            .await
    }

    /// c1 a third each (ĐN the largest), c2 all Sài Gòn; c3 left unassigned.
    async fn assign_thirds(&self) {
        self.assign(
            "c1",
            None,
            shares(&[(self.hn, 3333), (self.sg, 3333), (self.dn, 3334)]),
        )
        .await
        .unwrap();
        self.assign("c2", None, shares(&[(self.sg, 10_000)]))
            .await
            .unwrap();
    }

    /// (kind, key, spend, Meta value) of each row of the report by store.
    async fn by_store(&self) -> Vec<(ReportRowKind, String, i64, i64)> {
        self.report(query(ReportGrouping::Store, None))
            .await
            .rows
            .iter()
            .map(|row| {
                (
                    row.kind,
                    row.key.clone(),
                    row.metrics.spend_minor,
                    row.metrics.meta_purchase_value_minor,
                )
            })
            .collect()
    }

    fn store_row(&self, store: Uuid, spend: i64, value: i64) -> (ReportRowKind, String, i64, i64) {
        (ReportRowKind::Store, store.to_string(), spend, value)
    }

    /// The report by store is the three stores in the order given, each (store, spend, Meta
    /// value), then the unassigned row's (spend, Meta value).
    async fn assert_by_store(&self, stores: [(Uuid, i64, i64); 3], (spend, value): (i64, i64)) {
        let mut expected: Vec<_> = stores
            .into_iter()
            .map(|(store, spend, value)| self.store_row(store, spend, value))
            .collect();
        expected.push(special(ReportRowKind::Unassigned, spend, value));
        assert_eq!(self.by_store().await, expected);
    }
}

fn special(kind: ReportRowKind, spend: i64, value: i64) -> (ReportRowKind, String, i64, i64) {
    (kind, String::new(), spend, value)
}

/// The report's warnings that a campaign was reassigned.
fn reassignments(report: &Report) -> Vec<&ReportWarning> {
    report
        .warnings
        .iter()
        .filter(|w| matches!(w, ReportWarning::Reassigned { .. }))
        .collect()
}

async fn a_campaign_split_three_ways_loses_no_dong(backend: Backend) {
    let f = fixture(backend).await;
    f.assign_thirds().await;
    f.assert_by_store(
        [
            (f.sg, 259_994, 209_988),
            (f.dn, 60_013, 120_024),
            (f.hn, 59_994, 119_988),
        ],
        (10_000, 0),
    )
    .await;
    // Each store's report alone: the same spend, its own sales, ROAS of its own.
    let dn = f.report(query(ReportGrouping::Day, Some(f.dn))).await;
    let days: Vec<i64> = dn.rows.iter().map(|r| r.metrics.spend_minor).collect();
    assert_eq!(days, [33_341, 16_670 + 10_002, 0], "ĐN day by day");
    assert_eq!(dn.totals.spend_minor, 60_013);
    assert_eq!(dn.totals.meta_purchase_value_minor, 120_024);
    assert_eq!((dn.totals.revenue_minor, dn.totals.orders), (120_000, 1));
    assert_eq!(dn.totals.roas_pos, Some(120_000.0 / 60_013.0));
    assert_eq!(dn.totals.roas_meta, Some(120_024.0 / 60_013.0));
}

async fn all_stores_add_up_to_the_account(backend: Backend) {
    let f = fixture(backend).await;
    f.assign_thirds().await;
    let account = f.report(query(ReportGrouping::Day, None)).await;
    assert_eq!(account.totals.spend_minor, 390_001);
    assert_eq!(account.totals.meta_purchase_value_minor, 450_000);
    assert_eq!(
        (account.totals.revenue_minor, account.totals.orders),
        (1_170_000, 6)
    );
    assert!(account.warnings.is_empty(), "{:?}", account.warnings);
    let by_store = f.report(query(ReportGrouping::Store, None)).await;
    assert_eq!(by_store.totals, account.totals, "by store, the same totals");
    let sum = |field: fn(&integrations_core::analytics::ReportMetrics) -> i64| -> i64 {
        by_store.rows.iter().map(|r| field(&r.metrics)).sum()
    };
    assert_eq!(sum(|m| m.spend_minor), 390_001);
    assert_eq!(sum(|m| m.meta_purchase_value_minor), 450_000);
    assert_eq!(sum(|m| m.impressions), account.totals.impressions);
    assert_eq!(sum(|m| m.clicks), account.totals.clicks);
    assert_eq!(sum(|m| m.revenue_minor), 1_170_000);
    // Every store alone, by any grouping, with the spend of no store, is the account again.
    let mut spend = 0;
    for store in [f.hn, f.sg, f.dn] {
        let mut totals = Vec::new();
        for by in [
            ReportGrouping::Day,
            ReportGrouping::Campaign,
            ReportGrouping::Ad,
            ReportGrouping::Store,
        ] {
            let report = f.report(query(by, Some(store))).await;
            let rows: i64 = report.rows.iter().map(|r| r.metrics.spend_minor).sum();
            assert_eq!(rows, report.totals.spend_minor, "{by:?}: rows add up");
            totals.push(report.totals);
        }
        assert!(totals.windows(2).all(|w| w[0] == w[1]), "{totals:?}");
        spend += totals[0].spend_minor;
    }
    assert_eq!(spend + 10_000, 390_001);
}

async fn an_ad_set_decides_for_itself(backend: Backend) {
    let f = fixture(backend).await;
    f.assign_thirds().await;
    let campaign = f
        .assign("c1", Some("s2"), shares(&[(f.dn, 10_000)]))
        .await
        .unwrap();
    let s2 = campaign
        .ad_sets
        .iter()
        .find(|s| s.adset_id == "s2")
        .unwrap();
    assert_eq!(s2.assignment.state, AssignmentState::Stores);
    f.assert_by_store(
        [
            (f.sg, 249_995, 99_990 + 90_000),
            (f.dn, 80_011, 100_020 + 60_000),
            (f.hn, 49_995, 99_990),
        ],
        (10_000, 0),
    )
    .await;
    // HN by campaign: its part of c1, and its own orders from c1's ads; its order from no ad.
    let hn = f.report(query(ReportGrouping::Campaign, Some(f.hn))).await;
    assert_eq!(
        kind_key_spend_revenue(&hn),
        [
            (ReportRowKind::Campaign, "c1", 49_995, 600_000),
            (ReportRowKind::NoAd, "", 0, 100_000),
        ]
    );
    // Cleared, the ad set follows its campaign again.
    f.assign("c1", Some("s2"), AssignmentChoice::Unassigned)
        .await
        .unwrap();
    assert_eq!(f.by_store().await[1], f.store_row(f.dn, 60_013, 120_024));
}

async fn a_reassignment_changes_past_reports_and_says_so(backend: Backend) {
    let f = fixture(backend).await;
    f.assign_thirds().await;
    f.assign("c1", Some("s2"), shares(&[(f.dn, 10_000)]))
        .await
        .unwrap();
    let before = f.report(query(ReportGrouping::Day, Some(f.hn))).await;
    assert!(
        reassignments(&before).is_empty(),
        "first decisions are not reassignments: {:?}",
        before.warnings
    );
    let started = chrono::Utc::now();
    // A tie: HN, listed first, takes each row's remainder.
    let campaign = f
        .assign("c1", None, shares(&[(f.hn, 5000), (f.sg, 5000)]))
        .await
        .unwrap();
    let at = campaign
        .assignment
        .reassigned_at
        .expect("a reassignment is recorded");
    assert!(at >= started - chrono::Duration::seconds(1));
    assert_eq!(
        campaign.assignment.changed_by.as_deref(),
        Some("chu@chuoi.vn")
    );
    f.assert_by_store(
        [
            (f.sg, 275_000, 150_000 + 90_000),
            (f.hn, 75_001, 150_000),
            (f.dn, 30_000, 60_000),
        ],
        (10_000, 0),
    )
    .await;
    let after = f.report(query(ReportGrouping::Day, Some(f.hn))).await;
    assert_eq!(after.totals.spend_minor, 75_001, "past days moved too");
    let reassigned = reassignments(&after);
    assert_eq!(
        reassigned,
        [&ReportWarning::Reassigned {
            campaign_id: "c1".into(),
            campaign_name: Some("Khuyến mãi Tết".into()),
            adset_id: None,
            adset_name: None,
            at,
        }]
    );
    // Days after the reassignment never showed anything else: no warning for a range that
    // begins after it (here: made to look a month older).
    let month_ago = "2026-10-15 08:00:00+00";
    let sql = match backend {
        Backend::Postgres => format!(
            "UPDATE spend_assignments SET reassigned_at = '{month_ago}' WHERE campaign_id = 'c1'"
        ),
        Backend::Sqlite => "UPDATE spend_assignments SET reassigned_at = \
             '2026-10-15T08:00:00.000000Z' WHERE campaign_id = 'c1'"
            .to_string(),
    };
    f.env.exec_as_tenant(f.session.tenant_id(), &sql).await;
    let later = f.report(query(ReportGrouping::Day, Some(f.hn))).await;
    assert!(reassignments(&later).is_empty(), "{:?}", later.warnings);
}

async fn spend_of_no_store_is_never_hidden(backend: Backend) {
    let f = fixture(backend).await;
    // Nothing assigned: every đồng is unassigned, one store's report has no spend and says why.
    f.assert_by_store(
        [(f.hn, 0, 0), (f.sg, 0, 0), (f.dn, 0, 0)],
        (390_001, 450_000),
    )
    .await;
    let hn = f.report(query(ReportGrouping::Day, Some(f.hn))).await;
    assert_eq!(hn.totals.spend_minor, 0);
    assert_eq!(hn.totals.roas_pos, None);
    assert_eq!(
        hn.warnings,
        [ReportWarning::UnassignedSpend {
            spend_minor: 390_001,
            campaigns: vec![
                "Bộ sưu tập mới".into(),
                "Khuyến mãi Tết".into(),
                "Nhận diện thương hiệu".into()
            ],
        }]
    );
    f.assign_thirds().await;
    f.assign("c3", None, AssignmentChoice::NoStore)
        .await
        .unwrap();
    let rows = f.by_store().await;
    assert_eq!(
        rows.last(),
        Some(&special(ReportRowKind::NoStore, 10_000, 0))
    );
    assert!(!rows.iter().any(|r| r.0 == ReportRowKind::Unassigned));
    let hn = f.report(query(ReportGrouping::Day, Some(f.hn))).await;
    assert!(hn.warnings.is_empty(), "{:?}", hn.warnings);
    // A store removed: its share is unassigned again, and said so; the others keep theirs.
    f.env
        .core
        .delete_integration(&f.session, f.dn)
        .await
        .unwrap();
    let rows = f.by_store().await;
    assert_eq!(
        rows.iter()
            .find(|r| r.0 == ReportRowKind::Unassigned)
            .map(|r| r.2),
        Some(33_341 + 16_670 + 10_002)
    );
    let spend: i64 = rows.iter().map(|r| r.2).sum();
    assert_eq!(spend, 390_001);
    let campaigns = f.env.core.list_campaigns(&f.session).await.unwrap();
    let c1 = campaigns.iter().find(|c| c.campaign_id == "c1").unwrap();
    assert_eq!(
        c1.assignment.shares[2].store_name, None,
        "the removed store"
    );
}

async fn suggestions_come_from_the_orders(backend: Backend) {
    let f = fixture(backend).await;
    let campaigns = f.env.core.list_campaigns(&f.session).await.unwrap();
    let ids: Vec<&str> = campaigns.iter().map(|c| c.campaign_id.as_str()).collect();
    // Spend of the last 30 days: the fixture's November is long past, so by name.
    assert_eq!(ids, ["c2", "c1", "c3"]);
    let percents =
        |shares: &Option<Vec<integrations_core::analytics::assignment::AssignedShare>>| {
            shares.as_ref().map(|s| {
                s.iter()
                    .map(|s| (s.store, s.basis_points))
                    .collect::<Vec<_>>()
            })
        };
    let c1 = &campaigns[1];
    assert_eq!(c1.name.as_deref(), Some("Khuyến mãi Tết"));
    assert_eq!(c1.assignment.state, AssignmentState::Unassigned);
    assert_eq!(c1.assignment.version, 0);
    assert_eq!(
        percents(&c1.suggestion),
        Some(vec![(f.hn, 6600), (f.sg, 2100), (f.dn, 1300)])
    );
    let orders: Vec<(Uuid, i64, i64)> = c1
        .sales
        .iter()
        .map(|s| (s.store, s.orders, s.revenue_minor))
        .collect();
    assert_eq!(
        orders,
        [(f.hn, 2, 600_000), (f.sg, 1, 200_000), (f.dn, 1, 120_000)],
        "the canceled order is no evidence"
    );
    type Shares = Option<Vec<(Uuid, u32)>>;
    let sets: Vec<(&str, Shares)> = c1
        .ad_sets
        .iter()
        .map(|s| (s.adset_id.as_str(), percents(&s.suggestion)))
        .collect();
    assert_eq!(
        sets,
        [
            ("s1", Some(vec![(f.hn, 7500), (f.sg, 2500)])),
            ("s2", Some(vec![(f.dn, 10_000)])),
        ]
    );
    assert_eq!(
        percents(&campaigns[0].suggestion),
        Some(vec![(f.sg, 10_000)])
    );
    assert_eq!(campaigns[2].suggestion, None);
    assert!(campaigns.iter().all(Campaign::needs_decision));
    // A suggestion is no decision: the reports do not use it until it is confirmed.
    assert_eq!(f.by_store().await.last().unwrap().2, 390_001);
    let confirmed = f
        .assign(
            "c1",
            None,
            AssignmentChoice::Stores {
                shares: c1
                    .suggestion
                    .as_ref()
                    .unwrap()
                    .iter()
                    .map(|s| s.as_share())
                    .collect(),
            },
        )
        .await
        .unwrap();
    assert!(!confirmed.needs_decision());
    assert_eq!(confirmed.assignment.reassigned_at, None);
}

async fn an_edit_on_an_old_version_is_refused(backend: Backend) {
    let f = fixture(backend).await;
    // c2 as decided on a computer that saw `version` (None: whatever is stored).
    let assign = |version: Option<i64>, choice: AssignmentChoice| {
        f.env.core.assign_campaign(
            &f.session,
            CampaignAssignment {
                campaign_id: "c2".into(),
                adset_id: None,
                choice,
                expected_version: version,
            },
        )
    };
    let first = assign(Some(0), shares(&[(f.sg, 10_000)])).await.unwrap();
    let version = first.assignment.version;
    assert!(version > 0);
    // Another computer decided on what it saw before: refused, nothing changed.
    let err = assign(Some(0), shares(&[(f.hn, 10_000)]))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::StaleEdit);
    assert!(err.to_string().contains("campaign"), "{err}");
    let now = f.env.core.list_campaigns(&f.session).await.unwrap();
    assert_eq!(now[0].assignment.shares[0].store, f.sg);
    assert_eq!(now[0].assignment.version, version);
    let second = assign(Some(version), AssignmentChoice::NoStore)
        .await
        .unwrap();
    assert!(second.assignment.version > version);
    assert_eq!(second.assignment.state, AssignmentState::NoStore);
    // The same decision again writes nothing.
    let same = assign(None, AssignmentChoice::NoStore).await.unwrap();
    assert_eq!(same.assignment.version, second.assignment.version);
}

async fn bad_assignments_get_clear_errors_and_change_nothing(backend: Backend) {
    let f = fixture(backend).await;
    let err = f
        .assign("c1", None, shares(&[(f.hn, 6000), (f.sg, 3000)]))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Validation);
    assert!(err.to_string().contains("add up to 90 %"), "{err}");
    let err = f
        .assign("c1", None, shares(&[(Uuid::new_v4(), 10_000)]))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
    let err = f
        .assign("c1", None, shares(&[(f.meta, 10_000)]))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Validation);
    assert!(err.to_string().contains("not a Pancake POS store"), "{err}");
    let err = f
        .assign("c9", None, AssignmentChoice::NoStore)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
    let err = f
        .assign("c1", Some("s3"), AssignmentChoice::NoStore)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound, "s3 is c2's");
    let campaigns = f.env.core.list_campaigns(&f.session).await.unwrap();
    assert!(campaigns.iter().all(|c| c.assignment.version == 0));

    // Another workspace on the same database can assign nothing of this one's.
    let other = f.env.sign_up_other().await;
    assert!(f.env.core.list_campaigns(&other).await.unwrap().is_empty());
    let err = f
        .env
        .core
        .assign_campaign(
            &other,
            CampaignAssignment {
                campaign_id: "c1".into(),
                adset_id: None,
                choice: shares(&[(f.hn, 10_000)]),
                expected_version: None,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
}

/// A client with its own SQL cannot store shares the reports would misread: the database
/// checks the rule too.
async fn the_database_refuses_shares_that_do_not_add_up(backend: Backend) {
    let f = fixture(backend).await;
    let tenant = f.session.tenant_id();
    let bad = [
        format!(
            r#"[{{"store":"{}","share":6000}},{{"store":"{}","share":3000}}]"#,
            f.hn, f.sg
        ),
        format!(
            r#"[{{"store":"{}","share":5000}},{{"store":"{}","share":5000}}]"#,
            f.hn, f.hn
        ),
        format!(r#"[{{"store":"{}","share":10000.5}}]"#, f.hn),
        format!(
            r#"[{{"store":"{}","share":0}},{{"store":"{}","share":10000}}]"#,
            f.hn, f.sg
        ),
        r#"{"store":"x"}"#.to_string(),
    ];
    for shares in bad {
        let result = match backend {
            Backend::Postgres => {
                let mut tx = f.env.pg_tenant_tx(tenant).await;
                sqlx::query(
                    "INSERT INTO spend_assignments (tenant_id, campaign_id, shares) \
                     VALUES ($1, 'c1', $2::jsonb)",
                )
                .bind(tenant)
                .bind(&shares)
                .execute(&mut *tx)
                .await
                .map(|_| ())
            }
            Backend::Sqlite => sqlx::query(
                "INSERT INTO spend_assignments (tenant_id, campaign_id, shares, created_at, \
                 updated_at, row_version) VALUES (?, 'c1', ?, '2026-11-01', '2026-11-01', 1)",
            )
            .bind(tenant.to_string())
            .bind(&shares)
            .execute(f.env.sqlite.as_ref().unwrap().pool())
            .await
            .map(|_| ()),
        };
        let err = result.expect_err(&shares).to_string();
        assert!(
            err.contains("spend_assignments_shares_add_up"),
            "{shares}: {err}"
        );
    }
    let c1 = f.env.core.list_campaigns(&f.session).await.unwrap();
    assert!(c1
        .iter()
        .all(|c| c.assignment.state == AssignmentState::Unassigned));
}

/// What the alerts' ROAS rule reads: each store's spend of each day, as the reports split it.
async fn spend_per_store_per_day_follows_the_split(backend: Backend) {
    let f = fixture(backend).await;
    f.assign_thirds().await;
    let rows = f
        .env
        .core
        .spend_per_store(
            &f.session,
            "2026-11-01".parse().unwrap(),
            "2026-11-02".parse().unwrap(),
        )
        .await
        .unwrap();
    let got: Vec<(String, SpendOwner, i64)> = rows
        .iter()
        .map(|r| (r.day.to_string(), r.owner, r.spend_minor))
        .collect();
    let mut expected = vec![
        ("2026-11-01".to_string(), SpendOwner::Store(f.hn), 33_330),
        ("2026-11-01".to_string(), SpendOwner::Store(f.sg), 33_330),
        ("2026-11-01".to_string(), SpendOwner::Store(f.dn), 33_341),
        ("2026-11-01".to_string(), SpendOwner::Unassigned, 10_000),
        (
            "2026-11-02".to_string(),
            SpendOwner::Store(f.hn),
            16_665 + 9_999,
        ),
        (
            "2026-11-02".to_string(),
            SpendOwner::Store(f.sg),
            16_665 + 9_999,
        ),
        (
            "2026-11-02".to_string(),
            SpendOwner::Store(f.dn),
            16_670 + 10_002,
        ),
    ];
    expected.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    assert_eq!(got, expected);
}

on_both_stores!(
    a_campaign_split_three_ways_loses_no_dong,
    all_stores_add_up_to_the_account,
    an_ad_set_decides_for_itself,
    a_reassignment_changes_past_reports_and_says_so,
    spend_of_no_store_is_never_hidden,
    suggestions_come_from_the_orders,
    an_edit_on_an_old_version_is_refused,
    bad_assignments_get_clear_errors_and_change_nothing,
    the_database_refuses_shares_that_do_not_add_up,
    spend_per_store_per_day_follows_the_split,
);

/// The same data and assignments in PostgreSQL and in SQLite give the same reports, for every
/// grouping, each store and all of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_and_sqlite_split_alike() {
    let pg = fixture(Backend::Postgres).await;
    let lite = fixture(Backend::Sqlite).await;
    for f in [&pg, &lite] {
        f.assign_thirds().await;
        f.assign("c1", Some("s2"), shares(&[(f.dn, 10_000)]))
            .await
            .unwrap();
    }
    for by in [
        ReportGrouping::Day,
        ReportGrouping::Campaign,
        ReportGrouping::Ad,
        ReportGrouping::Store,
    ] {
        for store in [None, Some(0), Some(1), Some(2)] {
            let pick = |f: &Fixture| store.map(|i| [f.hn, f.sg, f.dn][i]);
            let a = pg.report(query(by, pick(&pg))).await;
            let b = lite.report(query(by, pick(&lite))).await;
            let strip = |report: &Report| -> Vec<(ReportRowKind, Option<String>, String)> {
                report
                    .rows
                    .iter()
                    .map(|r| (r.kind, r.name.clone(), format!("{:?}", r.metrics)))
                    .collect()
            };
            assert_eq!(strip(&a), strip(&b), "{by:?} {store:?}");
            assert_eq!(a.totals, b.totals, "{by:?} {store:?}");
            assert!(a.totals.spend_minor > 0, "{by:?} {store:?}");
        }
    }
}
