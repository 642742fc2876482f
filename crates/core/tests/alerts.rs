//! The alert rules against hand-computed fixtures, on both stores: each alert fires exactly
//! once per episode, not just under its threshold, and fires again only after its condition
//! has cleared. The workspace is in Asia/Ho_Chi_Minh (UTC+7) and every evaluation happens at
//! `NOW`, 2026-11-20 05:00 UTC (12:00 local, a Friday): today is 11-20, yesterday 11-19.
//!
//! - Spend spike: 11-05…11-11 at 100,000 đ and 11-12…11-18 at 120,000 đ: the median of the 14
//!   days before 11-19 is 110,000, the threshold twice that, 220,000. 11-19 at 220,001 fires;
//!   at 220,000 it does not. For today the 14 days before are 11-06…11-19 (six at 100,000,
//!   seven at 120,000 and 11-19): median 120,000, so today's 240,000 is exactly on the line and
//!   does not fire.
//! - ROAS drop: the week is 11-13…11-19, the week before 11-06…11-12. 1,000,000 đ spent in
//!   each; 3,000,000 đ of sales before (ROAS 3.00). 2,100,000 đ now (2.10, down exactly 30 %)
//!   fires; 2,110,000 đ (2.11, down 29.7 %) does not. With no week before, 990,000 đ (0.99)
//!   is below the 1.00 floor and fires; 1,000,000 đ does not.
//! - ROAS drop of a store (its own orders against the spend its campaigns' assignments give
//!   it): stores Hà Nội (HN) and Đà Nẵng (ĐN). Campaign c1 (ad a1) is all HN; c2 (ad a2) is
//!   half HN, half ĐN, a tie whose remainder goes to HN, listed first. In each week c1 spends
//!   1,000,000 đ (11-06, 11-13) and c2 400,001 đ: HN 200,001, ĐN 200,000. HN's spend is
//!   1,200,001 a week; before, its sales were 3,600,003 (ROAS 3.00); now 2,520,002 (down 30 %:
//!   100 × 2,520,002 ≤ 70 × 3,600,003) fires for HN alone; 2,520,003 does not. ĐN sells
//!   600,000 each week (3.00, steady); the workspace's 1,400,001 a week sold 4,200,003 and now
//!   3,120,002 (down 25.7 %): no workspace alert.
//! - Store gone quiet: the last order was at 02:00 UTC (3 h before `NOW`). The same three hours
//!   (02:00–05:00 UTC on a Friday) had one order in each of the 4 weeks before (11-13, 11-06,
//!   10-30, 10-23, the last at 05:00:00 exactly): it fires. With the 10-23 order one second
//!   later (outside the stretch) only 3 of 4 weeks had orders: it does not.
//! - Sync failing: the last success was at 20:00 UTC on 11-19; failures since 22:59:59 (6 h
//!   and 1 s before `NOW`) fire; failures since 23:00:00 (exactly 6 h) do not.
//! - Token expiring: an expiry exactly 7 days after `NOW` fires; one second later does not.

mod common;

use chrono::{DateTime, Duration, Utc};
use common::{
    meta_ads, new_integration, pancake, store_shares, unused_credentials, write_insights,
    write_orders, Backend, TestEnv,
};
use integrations_core::alerts::{Alert, AlertDetails, AlertRule, AlertSettings};
use integrations_core::analytics::{ReportGrouping, ReportQuery};
use integrations_core::store::SyncRunRecord;
use integrations_core::{CoreError, Credentials, IntegrationConfig, Session};
use integrations_providers::{AdInsightRow, PancakeOrder};
use secrecy::SecretString;
use serde_json::json;
use uuid::Uuid;

fn now() -> DateTime<Utc> {
    "2026-11-20T05:00:00Z".parse().unwrap()
}

fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

struct Fixture {
    env: TestEnv,
    session: Session,
    store: Uuid,
    meta: Uuid,
    next_order: i64,
}

async fn integration(
    env: &TestEnv,
    session: &Session,
    name: &str,
    config: IntegrationConfig,
) -> Uuid {
    create(env, session, name, unused_credentials(&config), config).await
}

async fn integration_with(
    env: &TestEnv,
    session: &Session,
    credentials: Credentials,
    config: IntegrationConfig,
) -> Uuid {
    create(env, session, "Quảng cáo Meta", credentials, config).await
}

async fn create(
    env: &TestEnv,
    session: &Session,
    name: &str,
    credentials: Credentials,
    config: IntegrationConfig,
) -> Uuid {
    // Only enabled integrations sync, and only they are watched.
    let integration = new_integration(name, credentials, config);
    env.create_enabled_integration(session, integration).await
}

async fn fixture(backend: Backend) -> Fixture {
    let env = TestEnv::new(backend).await;
    let session = env.sign_up_owner().await;
    let store = integration(&env, &session, "Cửa hàng Hà Nội", pancake("101")).await;
    let meta = integration(&env, &session, "Quảng cáo Meta", meta_ads("act_1234567890")).await;
    Fixture {
        env,
        session,
        store,
        meta,
        next_order: 1,
    }
}

impl Fixture {
    fn tenant(&self) -> Uuid {
        self.session.tenant_id()
    }

    /// Meta's spend of ad a1 on each day (other figures do not matter here).
    async fn spend(&self, days: &[(&str, i64)]) {
        let rows: Vec<AdInsightRow> = days
            .iter()
            .map(|(day, spend)| {
                AdInsightRow::from_value(
                    json!({
                        "date_start": day, "date_stop": day, "account_id": "1234567890",
                        "campaign_id": "c1", "campaign_name": "Khuyến mãi Tết",
                        "adset_id": "s1", "adset_name": "Người mua ở Hà Nội",
                        "ad_id": "a1", "ad_name": "Quảng cáo a1",
                        "spend": spend.to_string(), "impressions": "100", "clicks": "5",
                        "reach": "100"
                    }),
                    "VND",
                )
                .unwrap()
            })
            .collect();
        write_insights(self.env.store(), self.tenant(), self.meta, &rows).await;
    }

    /// Meta's spend of one more ad (its own campaign and ad set) on one day.
    async fn ad_spend(&self, ad: &str, campaign: &str, day: &str, spend: i64) {
        let row = AdInsightRow::from_value(
            json!({
                "date_start": day, "date_stop": day, "account_id": "1234567890",
                "campaign_id": campaign, "campaign_name": format!("Chiến dịch {campaign}"),
                "adset_id": format!("s-{ad}"), "adset_name": "Khách ở Việt Nam",
                "ad_id": ad, "ad_name": format!("Quảng cáo {ad}"),
                "spend": spend.to_string(), "impressions": "100", "clicks": "5",
                "reach": "100"
            }),
            "VND",
        )
        .unwrap();
        write_insights(self.env.store(), self.tenant(), self.meta, &[row]).await;
    }

    /// `campaign`'s spend to these stores, in basis points.
    async fn assign(&self, campaign: &str, shares: &[(Uuid, u32)]) {
        self.env
            .assign_campaign(&self.session, campaign, None, store_shares(shares))
            .await
            .unwrap();
    }

    /// The alert that fired does not fire again; then these orders (as [`Self::orders`]) end
    /// its episode.
    async fn fired_once_then_ended_by_orders(&mut self, created: &[&str], revenue: i64) {
        assert!(self.evaluate().await.is_empty(), "it fires once");
        self.orders(created, revenue).await;
        assert!(self.evaluate().await.is_empty());
        assert!(
            self.listed().await[0].cleared_at.is_some(),
            "the orders end the episode"
        );
    }

    /// Received orders of the store, created at each instant (UTC), each worth `revenue`.
    async fn orders(&mut self, created: &[&str], revenue: i64) {
        self.orders_of(self.store, 101, created, revenue).await;
    }

    /// Received orders of any store (Pancake shop `shop`), as [`Self::orders`].
    async fn orders_of(&mut self, store: Uuid, shop: i64, created: &[&str], revenue: i64) {
        let orders: Vec<PancakeOrder> = created
            .iter()
            .map(|created| {
                let id = self.next_order;
                self.next_order += 1;
                let created = created.trim_end_matches('Z');
                PancakeOrder::from_value(json!({
                    "id": id, "shop_id": shop, "status": 3,
                    "inserted_at": created, "updated_at": created,
                    "total_price": revenue, "total_discount": 0,
                    "shipping_fee": 0, "cod": revenue, "order_currency": "VND",
                    "ad_id": "a1", "items": []
                }))
                .unwrap()
            })
            .collect();
        write_orders(self.env.store(), self.tenant(), store, shop, &orders).await;
    }

    /// A finished sync run of `integration` that started at `started`.
    async fn run(&self, integration: Uuid, started: &str, succeeded: bool) {
        let started = at(started);
        self.env
            .store()
            .insert_run(&SyncRunRecord {
                id: Uuid::new_v4(),
                tenant_id: self.tenant(),
                integration_id: integration,
                trigger: "SCHEDULE".into(),
                outcome: if succeeded { "SUCCEEDED" } else { "FAILED" }.into(),
                started_at: started,
                finished_at: Some(started + Duration::minutes(1)),
                counts: Default::default(),
                error: (!succeeded).then(|| "Pancake POS did not answer (HTTP 503).".to_owned()),
                error_code: (!succeeded).then(|| "PROVIDER_UPSTREAM_ERROR".to_owned()),
                worker: "test".into(),
            })
            .await
            .unwrap();
    }

    async fn evaluate(&self) -> Vec<Alert> {
        self.evaluate_at(now()).await
    }

    async fn evaluate_at(&self, at: DateTime<Utc>) -> Vec<Alert> {
        self.env
            .core
            .evaluate_alerts(self.tenant(), at)
            .await
            .unwrap()
    }

    async fn listed(&self) -> Vec<Alert> {
        self.env.core.alerts(&self.session).await.unwrap().alerts
    }
}

fn rules(alerts: &[Alert]) -> Vec<AlertRule> {
    alerts.iter().map(|alert| alert.rule).collect()
}

/// One alert fired, of `rule`, about the fixture's store (its id as subject, its name).
#[track_caller]
fn assert_fired_for_the_store(fired: &[Alert], rule: AlertRule, store: Uuid) {
    assert_eq!(rules(fired), [rule]);
    assert_eq!(fired[0].subject, store.to_string());
    assert_eq!(
        fired[0].integration_name.as_deref(),
        Some("Cửa hàng Hà Nội")
    );
}

/// 11-05…11-11 at 100,000, 11-12…11-18 at 120,000, then yesterday and today.
async fn spend_history(f: &Fixture, yesterday: i64, today: i64) {
    let mut days: Vec<(String, i64)> = (5..=18)
        .map(|day| {
            let spend = if day <= 11 { 100_000 } else { 120_000 };
            (format!("2026-11-{day:02}"), spend)
        })
        .collect();
    days.push(("2026-11-19".into(), yesterday));
    days.push(("2026-11-20".into(), today));
    let days: Vec<(&str, i64)> = days.iter().map(|(d, s)| (d.as_str(), *s)).collect();
    f.spend(&days).await;
}

async fn a_spend_spike_fires_once_and_again_only_after_it_cleared(backend: Backend) {
    let f = fixture(backend).await;
    spend_history(&f, 220_001, 240_000).await;
    let fired = f.evaluate().await;
    assert_eq!(rules(&fired), [AlertRule::SpendSpike], "{fired:?}");
    assert_eq!(fired[0].subject, "2026-11-19");
    match &fired[0].details {
        AlertDetails::SpendSpike {
            day,
            currency,
            spend_minor,
            median_minor,
            threshold_percent,
            ..
        } => {
            assert_eq!(day.to_string(), "2026-11-19");
            assert_eq!(currency, "VND");
            assert_eq!((*spend_minor, *median_minor), (220_001, 110_000));
            assert_eq!(*threshold_percent, 200);
        }
        other => panic!("{other:?}"),
    }
    let link = fired[0].report.as_ref().unwrap();
    assert_eq!(
        (link.from.to_string(), link.to.to_string()),
        ("2026-11-05".into(), "2026-11-19".into())
    );
    // The same data evaluated again, as after the next sync: nothing new.
    assert!(f.evaluate().await.is_empty());
    assert_eq!(f.listed().await.len(), 1);

    // Meta revises yesterday down to the threshold: the episode ends...
    f.spend(&[("2026-11-19", 220_000)]).await;
    assert!(f.evaluate().await.is_empty());
    let listed = f.listed().await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].cleared_at, Some(now()));
    // ...and a new one starts when it is above again.
    f.spend(&[("2026-11-19", 230_000)]).await;
    assert_eq!(rules(&f.evaluate().await), [AlertRule::SpendSpike]);
    let listed = f.listed().await;
    assert_eq!(listed.len(), 2);
    assert_eq!(listed.iter().filter(|a| a.cleared_at.is_none()).count(), 1);

    // Two days on, 11-19 is no longer looked at: its episode ends.
    assert!(f.evaluate_at(now() + Duration::days(2)).await.is_empty());
    assert!(f.listed().await.iter().all(|a| a.cleared_at.is_some()));
}

async fn spend_exactly_on_the_threshold_is_no_spike(backend: Backend) {
    let f = fixture(backend).await;
    spend_history(&f, 220_000, 240_000).await;
    assert!(f.evaluate().await.is_empty());
    assert!(f.listed().await.is_empty());
    // A higher threshold of the workspace's own: 230,001 is then no spike either.
    f.spend(&[("2026-11-19", 230_001)]).await;
    f.env
        .core
        .set_alert_settings(
            &f.session,
            AlertSettings {
                spend_spike_percent: 300,
                ..AlertSettings::default()
            },
        )
        .await
        .unwrap();
    assert!(f.evaluate().await.is_empty());
}

/// The week before (if any) and this week: (spend, revenue), each on one day.
async fn roas_weeks(f: &mut Fixture, before: Option<i64>, revenue: i64) {
    if let Some(before) = before {
        f.spend(&[("2026-11-06", 1_000_000)]).await;
        f.orders(&["2026-11-06T03:00:00Z"], before).await;
    }
    f.spend(&[("2026-11-13", 1_000_000)]).await;
    f.orders(&["2026-11-13T03:00:00Z"], revenue).await;
}

async fn roas_down_thirty_percent_fires_once_and_just_under_does_not(backend: Backend) {
    let mut f = fixture(backend).await;
    roas_weeks(&mut f, Some(3_000_000), 2_110_000).await;
    assert!(f.evaluate().await.is_empty(), "down 29.7 % is not 30 %");

    // Orders only add up: the firing case gets a fixture of its own.
    let mut f = fixture(backend).await;
    roas_weeks(&mut f, Some(3_000_000), 2_100_000).await;
    let fired = f.evaluate().await;
    assert_eq!(rules(&fired), [AlertRule::RoasDrop]);
    match &fired[0].details {
        AlertDetails::RoasDrop {
            from,
            to,
            spend_minor,
            revenue_minor,
            roas,
            previous_roas,
            below_floor,
            dropped,
            ..
        } => {
            assert_eq!(
                (from.to_string(), to.to_string()),
                ("2026-11-13".into(), "2026-11-19".into())
            );
            assert_eq!((*spend_minor, *revenue_minor), (1_000_000, 2_100_000));
            assert_eq!((*roas, *previous_roas), (2.1, Some(3.0)));
            assert_eq!((*below_floor, *dropped), (false, true));
        }
        other => panic!("{other:?}"),
    }
    // Sales come back (another 900,000 đ: ROAS 3.00): the episode ends.
    f.fired_once_then_ended_by_orders(&["2026-11-14T03:00:00Z"], 900_000)
        .await;
}

async fn roas_below_the_floor_fires_and_on_the_floor_does_not(backend: Backend) {
    let mut f = fixture(backend).await;
    roas_weeks(&mut f, None, 1_000_000).await;
    assert!(f.evaluate().await.is_empty(), "ROAS 1.00 is on the floor");
    let mut f = fixture(backend).await;
    roas_weeks(&mut f, None, 990_000).await;
    let fired = f.evaluate().await;
    assert_eq!(rules(&fired), [AlertRule::RoasDrop]);
    assert!(matches!(
        fired[0].details,
        AlertDetails::RoasDrop {
            below_floor: true,
            dropped: false,
            previous_roas: None,
            ..
        }
    ));
}

/// Hà Nội (the fixture's store) and Đà Nẵng, c1 all HN and c2 half each, with the weeks'
/// spend; HN sells `hn_now` this week (see the top of the file).
async fn store_roas_weeks(f: &mut Fixture, hn_now: i64) -> Uuid {
    let dn = integration(&f.env, &f.session, "Cửa hàng Đà Nẵng", pancake("102")).await;
    for day in ["2026-11-06", "2026-11-13"] {
        f.ad_spend("a1", "c1", day, 1_000_000).await;
        f.ad_spend("a2", "c2", day, 400_001).await;
    }
    f.assign("c1", &[(f.store, 10_000)]).await;
    f.assign("c2", &[(f.store, 5_000), (dn, 5_000)]).await;
    f.orders(&["2026-11-06T03:00:00Z"], 3_600_003).await;
    f.orders(&["2026-11-13T03:00:00Z"], hn_now).await;
    f.orders_of(
        dn,
        102,
        &["2026-11-06T03:00:00Z", "2026-11-13T03:00:00Z"],
        600_000,
    )
    .await;
    dn
}

async fn a_store_whose_roas_fell_thirty_percent_alerts_once_by_name_and_just_under_does_not(
    backend: Backend,
) {
    let mut f = fixture(backend).await;
    store_roas_weeks(&mut f, 2_520_003).await;
    assert!(f.evaluate().await.is_empty(), "just under 30 % is no drop");

    let mut f = fixture(backend).await;
    store_roas_weeks(&mut f, 2_520_002).await;
    // What the report with HN chosen shows is what the rule read.
    let week = f
        .env
        .core
        .report(
            &f.session,
            &ReportQuery {
                from: "2026-11-13".parse().unwrap(),
                to: "2026-11-19".parse().unwrap(),
                store: Some(f.store),
                by: ReportGrouping::Day,
                time_zone: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (week.totals.spend_minor, week.totals.revenue_minor),
        (1_200_001, 2_520_002)
    );
    let fired = f.evaluate().await;
    assert_eq!(rules(&fired), [AlertRule::RoasDrop], "{fired:?}");
    let alert = &fired[0];
    assert_eq!(alert.subject, f.store.to_string());
    assert_eq!(alert.integration_id, Some(f.store));
    assert_eq!(alert.integration_name.as_deref(), Some("Cửa hàng Hà Nội"));
    match &alert.details {
        AlertDetails::RoasDrop {
            from,
            to,
            currency,
            spend_minor,
            revenue_minor,
            previous_spend_minor,
            previous_revenue_minor,
            previous_roas,
            below_floor,
            dropped,
            ..
        } => {
            assert_eq!(
                (from.to_string(), to.to_string(), currency.as_str()),
                ("2026-11-13".into(), "2026-11-19".into(), "VND")
            );
            assert_eq!((*spend_minor, *revenue_minor), (1_200_001, 2_520_002));
            assert_eq!(
                (*previous_spend_minor, *previous_revenue_minor),
                (1_200_001, 3_600_003)
            );
            assert_eq!(*previous_roas, Some(3.0));
            assert_eq!((*below_floor, *dropped), (false, true));
        }
        other => panic!("{other:?}"),
    }
    let link = alert.report.as_ref().unwrap();
    assert_eq!(
        (link.from.to_string(), link.to.to_string(), link.store),
        ("2026-11-06".into(), "2026-11-19".into(), Some(f.store))
    );
    assert!(f.evaluate().await.is_empty(), "fired once");

    // Sales come back (100,000 more: 2,620,002, down 27.2 %): the store's episode ends.
    f.orders(&["2026-11-14T03:00:00Z"], 100_000).await;
    assert!(f.evaluate().await.is_empty());
    let listed = f.listed().await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].cleared_at, Some(now()));
}

async fn a_store_no_campaign_is_assigned_to_has_no_roas_of_its_own(backend: Backend) {
    let mut f = fixture(backend).await;
    // The fixture's one-week drop (3.00 → 2.10), with c1 unassigned: only the workspace alerts.
    roas_weeks(&mut f, Some(3_000_000), 2_100_000).await;
    let fired = f.evaluate().await;
    assert_eq!(rules(&fired), [AlertRule::RoasDrop]);
    assert_eq!(fired[0].subject, "");
    // Assigned to the store, the same figures are the store's too: its own episode fires.
    f.assign("c1", &[(f.store, 10_000)]).await;
    let fired = f.evaluate().await;
    assert_fired_for_the_store(&fired, AlertRule::RoasDrop, f.store);
}

/// One order in each of the four weeks' 02:00–05:00 UTC stretch; the oldest at `oldest`.
async fn quiet_history(f: &mut Fixture, oldest: &str) {
    f.run(f.store, "2026-11-20T04:30:00Z", true).await;
    f.orders(
        &[
            "2026-11-13T03:30:00Z",
            "2026-11-06T02:00:01Z",
            "2026-10-30T04:59:59Z",
            oldest,
            "2026-11-20T02:00:00Z",
        ],
        100_000,
    )
    .await;
}

async fn a_store_quiet_at_a_usually_busy_hour_fires_once(backend: Backend) {
    let mut f = fixture(backend).await;
    quiet_history(&mut f, "2026-10-23T05:00:00Z").await;
    let fired = f.evaluate().await;
    assert_fired_for_the_store(&fired, AlertRule::StoreQuiet, f.store);
    match &fired[0].details {
        AlertDetails::StoreQuiet {
            last_order_at,
            quiet_minutes,
            usual_orders,
        } => {
            assert_eq!(*last_order_at, at("2026-11-20T02:00:00Z"));
            assert_eq!(*quiet_minutes, 180);
            assert_eq!(usual_orders, &[1, 1, 1, 1]);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(fired[0].report.as_ref().unwrap().store, Some(f.store));
    // An order arrives: the episode ends.
    f.fired_once_then_ended_by_orders(&["2026-11-20T04:45:00Z"], 50_000)
        .await;
}

async fn a_silence_one_week_in_four_has_had_too_is_usual(backend: Backend) {
    let mut f = fixture(backend).await;
    quiet_history(&mut f, "2026-10-23T05:00:01Z").await;
    assert!(f.evaluate().await.is_empty());
    // A store whose latest sync failed is not called quiet: its orders may not have arrived.
    let mut f = fixture(backend).await;
    quiet_history(&mut f, "2026-10-23T05:00:00Z").await;
    f.run(f.store, "2026-11-20T04:40:00Z", false).await;
    assert!(f.evaluate().await.is_empty());
}

async fn failing_syncs(f: &Fixture, first_failure: &str) {
    f.run(f.meta, "2026-11-19T20:00:00Z", true).await;
    for started in [
        first_failure,
        "2026-11-20T01:00:00Z",
        "2026-11-20T04:45:00Z",
    ] {
        f.run(f.meta, started, false).await;
    }
}

async fn a_sync_failing_over_six_hours_fires_once(backend: Backend) {
    let f = fixture(backend).await;
    failing_syncs(&f, "2026-11-19T22:59:59Z").await;
    let fired = f.evaluate().await;
    assert_eq!(rules(&fired), [AlertRule::SyncFailing]);
    assert_eq!(fired[0].integration_id, Some(f.meta));
    match &fired[0].details {
        AlertDetails::SyncFailing {
            failing_since,
            failed_runs,
            last_error,
            threshold_hours,
        } => {
            assert_eq!(*failing_since, at("2026-11-19T22:59:59Z"));
            assert_eq!((*failed_runs, *threshold_hours), (3, 6));
            assert_eq!(
                last_error.as_deref(),
                Some("Pancake POS did not answer (HTTP 503).")
            );
        }
        other => panic!("{other:?}"),
    }
    f.run(f.meta, "2026-11-20T04:50:00Z", false).await;
    assert!(f.evaluate().await.is_empty());
    f.run(f.meta, "2026-11-20T04:55:00Z", true).await;
    assert!(f.evaluate().await.is_empty());
    assert!(f.listed().await[0].cleared_at.is_some());
}

async fn a_sync_failing_exactly_six_hours_does_not_fire(backend: Backend) {
    let f = fixture(backend).await;
    failing_syncs(&f, "2026-11-19T23:00:00Z").await;
    assert!(f.evaluate().await.is_empty());
}

async fn a_token_expiring_within_seven_days_fires_once(backend: Backend) {
    let f = fixture(backend).await;
    let store = f.env.store();
    store
        .record_token_expiry(
            f.tenant(),
            f.meta,
            Some(now() + Duration::days(7) + Duration::seconds(1)),
            now(),
        )
        .await
        .unwrap();
    assert!(f.evaluate().await.is_empty());
    store
        .record_token_expiry(f.tenant(), f.meta, Some(now() + Duration::days(7)), now())
        .await
        .unwrap();
    let fired = f.evaluate().await;
    assert_eq!(rules(&fired), [AlertRule::TokenExpiring]);
    assert!(matches!(
        fired[0].details,
        AlertDetails::TokenExpiring { days_left: 7, .. }
    ));
    assert!(f.evaluate().await.is_empty());
    // A new token that does not expire: the episode ends.
    store
        .record_token_expiry(f.tenant(), f.meta, None, now())
        .await
        .unwrap();
    assert!(f.evaluate().await.is_empty());
    assert!(f.listed().await[0].cleared_at.is_some());
}

async fn each_alert_is_sent_to_listeners_once(backend: Backend) {
    let f = fixture(backend).await;
    let mut events = f.env.core.subscribe_alerts();
    spend_history(&f, 220_001, 240_000).await;
    failing_syncs(&f, "2026-11-19T20:30:00Z").await;
    for _ in 0..3 {
        f.evaluate().await;
    }
    let mut sent = Vec::new();
    while let Ok(event) = events.try_recv() {
        assert_eq!(event.tenant, f.tenant());
        sent.push(event.alert.rule);
    }
    sent.sort();
    assert_eq!(sent, [AlertRule::SpendSpike, AlertRule::SyncFailing]);
}

async fn a_dismissed_alert_stays_in_the_history_and_does_not_fire_again(backend: Backend) {
    let f = fixture(backend).await;
    spend_history(&f, 220_001, 240_000).await;
    let fired = f.evaluate().await;
    let list = f.env.core.alerts(&f.session).await.unwrap();
    assert_eq!((list.unread, list.computed_offline), (1, false));
    let dismissed = f
        .env
        .core
        .dismiss_alert(&f.session, fired[0].id)
        .await
        .unwrap();
    assert!(dismissed.dismissed_at.is_some());
    assert!(dismissed.cleared_at.is_none());
    assert!(f.evaluate().await.is_empty());
    let list = f.env.core.alerts(&f.session).await.unwrap();
    assert_eq!(list.unread, 0);
    assert_eq!(list.alerts.len(), 1);
    assert_eq!(list.alerts[0].dismissed_at, dismissed.dismissed_at);

    // Another workspace neither sees it nor can dismiss it.
    let other = f.env.sign_up_other().await;
    assert!(f.env.core.alerts(&other).await.unwrap().alerts.is_empty());
    let err = f
        .env
        .core
        .dismiss_alert(&other, fired[0].id)
        .await
        .unwrap_err();
    assert!(matches!(err, CoreError::NotFound(_)), "{err:?}");
}

async fn thresholds_are_kept_per_workspace_and_bad_ones_refused(backend: Backend) {
    let f = fixture(backend).await;
    assert_eq!(
        f.env.core.alert_settings(&f.session).await.unwrap(),
        AlertSettings::default()
    );
    let bad = AlertSettings {
        sync_failing_hours: 0,
        ..AlertSettings::default()
    };
    let err = f
        .env
        .core
        .set_alert_settings(&f.session, bad)
        .await
        .unwrap_err();
    assert!(
        matches!(&err, CoreError::Validation(m) if m.contains("hours")),
        "{err:?}"
    );
    assert_eq!(
        f.env.core.alert_settings(&f.session).await.unwrap(),
        AlertSettings::default()
    );
    let mine = AlertSettings {
        sync_failing_hours: 12,
        roas_floor_percent: 250,
        ..AlertSettings::default()
    };
    f.env
        .core
        .set_alert_settings(&f.session, mine)
        .await
        .unwrap();
    assert_eq!(f.env.core.alert_settings(&f.session).await.unwrap(), mine);
    // A 6 h 1 s failure is now within the workspace's 12 hours.
    failing_syncs(&f, "2026-11-19T22:59:59Z").await;
    assert!(f.evaluate().await.is_empty());
}

/// Through the real sync: Graph (the fake) says the token expires in 3 days; the sync keeps it,
/// the evaluation at its end fires the alert and sends it once; the next sync sends nothing.
async fn a_sync_that_learns_of_an_expiring_token_sends_its_alert_once(backend: Backend) {
    let f = common::with_fakes(backend).await;
    let mut events = f.env.core.subscribe_alerts();
    let ads = integration_with(
        &f.env,
        &f.session,
        Credentials::meta(SecretString::from("meta-expires-soon:alerts")),
        meta_ads("act_1234567890"),
    )
    .await;
    for _ in 0..2 {
        f.env.sync_succeeded(&f.session, ads).await;
    }
    let first = events.try_recv().expect("the alert was sent");
    assert_eq!(first.alert.rule, AlertRule::TokenExpiring);
    assert_eq!(first.alert.integration_id, Some(ads));
    match first.alert.details {
        AlertDetails::TokenExpiring { days_left, .. } => assert!((2..=3).contains(&days_left)),
        other => panic!("{other:?}"),
    }
    assert!(
        matches!(
            events.try_recv(),
            Err(tokio::sync::broadcast::error::TryRecvError::Empty)
        ),
        "sent twice"
    );
    let list = f.env.core.alerts(&f.session).await.unwrap();
    assert_eq!(rules(&list.alerts), [AlertRule::TokenExpiring]);
    assert!(!f
        .env
        .dump_table("meta_tokens")
        .await
        .contains("meta-expires-soon"));
}

on_both_stores!(
    a_sync_that_learns_of_an_expiring_token_sends_its_alert_once,
    a_spend_spike_fires_once_and_again_only_after_it_cleared,
    spend_exactly_on_the_threshold_is_no_spike,
    roas_down_thirty_percent_fires_once_and_just_under_does_not,
    roas_below_the_floor_fires_and_on_the_floor_does_not,
    a_store_whose_roas_fell_thirty_percent_alerts_once_by_name_and_just_under_does_not,
    a_store_no_campaign_is_assigned_to_has_no_roas_of_its_own,
    a_store_quiet_at_a_usually_busy_hour_fires_once,
    a_silence_one_week_in_four_has_had_too_is_usual,
    a_sync_failing_over_six_hours_fires_once,
    a_sync_failing_exactly_six_hours_does_not_fire,
    a_token_expiring_within_seven_days_fires_once,
    each_alert_is_sent_to_listeners_once,
    a_dismissed_alert_stays_in_the_history_and_does_not_fire_again,
    thresholds_are_kept_per_workspace_and_bad_ones_refused,
);
