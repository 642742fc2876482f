//! Ad spend against sales: the report behind the dashboard and `integrations report`.
//!
//! The rules are stated once and both stores run them:
//! - **Which orders are revenue**: [`crate::store::COUNTED_STATUSES`], every status on the way
//!   to the customer or delivered. Canceled (6), deleted (7), returning (4), partly returned
//!   (15), returned (5) and codes Pancake has not documented are left out.
//! - **How much**: [`crate::store::REVENUE_SQL`], the goods value after the order's discount,
//!   without shipping.
//!   Shops that leave catalogue prices at 0 have `total_price` 0 and the money only in `cod`;
//!   for those the cash to collect less the shipping fee is used.
//! - **On which day**: the order's creation (`inserted_at`) in the report's time zone: the
//!   workspace's (Asia/Ho_Chi_Minh until its owner changes it) unless the query names one. Meta reports its days in the ad
//!   account's time zone and they are taken as they are.
//! - **Meta purchases**: `omni_purchase` when Meta sends it, else `purchase`, chosen when the
//!   rows are synced (summing the types would count a purchase twice).
//! - **Spend per store**: with one store chosen, or grouped by store, Meta's figures are split
//!   among stores by the campaigns' assignments ([`assignment`] states those rules). All
//!   stores together, with the spend of no store, add up to the account.

pub mod assignment;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::store::{
    AdRecord, AggregateKey, DayPlan, InsightAggregate, OrderAggregate, OrderFilter,
    OwnedInsightAggregate, UNASSIGNED_OWNER,
};
use assignment::{local_day, SpendOwner, SpendPlan};

/// A new workspace's time zone.
pub const DEFAULT_TIME_ZONE: &str = "Asia/Ho_Chi_Minh";

/// The longest range a report covers: Meta keeps 37 months of insights.
pub const MAX_REPORT_DAYS: i64 = 1_130;

/// What the rows of a report are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum ReportGrouping {
    Day,
    Campaign,
    Ad,
    /// Each store with its share of the spend and its own sales, then the spend of no store.
    Store,
}

impl ReportGrouping {
    /// Whether the report's figures depend on which store spend belongs to.
    pub fn is_by_store(self) -> bool {
        self == Self::Store
    }
}

impl std::str::FromStr for ReportGrouping {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "day" => Ok(Self::Day),
            "campaign" => Ok(Self::Campaign),
            "ad" => Ok(Self::Ad),
            "store" => Ok(Self::Store),
            other => Err(format!(
                "unknown grouping {other:?}: use day, campaign, ad or store"
            )),
        }
    }
}

/// What the user asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ReportQuery {
    /// First day, inclusive.
    #[ts(type = "string")]
    pub from: NaiveDate,
    /// Last day, inclusive.
    #[ts(type = "string")]
    pub to: NaiveDate,
    /// One Pancake store (its integration id); all stores when absent.
    #[ts(optional)]
    pub store: Option<uuid::Uuid>,
    pub by: ReportGrouping,
    /// IANA time zone; the workspace's when absent.
    #[ts(optional)]
    pub time_zone: Option<String>,
}

/// The figures of one row (or of the whole range). Money is in minor units of the currency.
#[derive(Debug, Clone, Default, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ReportMetrics {
    #[ts(type = "number")]
    pub spend_minor: i64,
    #[ts(type = "number")]
    pub impressions: i64,
    #[ts(type = "number")]
    pub clicks: i64,
    /// Purchases Meta attributes to the ads.
    #[ts(type = "number")]
    pub meta_purchases: i64,
    /// Purchase value Meta attributes to the ads.
    #[ts(type = "number")]
    pub meta_purchase_value_minor: i64,
    /// Revenue of the counted Pancake orders.
    #[ts(type = "number")]
    pub revenue_minor: i64,
    #[ts(type = "number")]
    pub orders: i64,
    /// Revenue ÷ orders, rounded to the minor unit; null without orders.
    #[ts(type = "number | null")]
    pub average_order_value_minor: Option<i64>,
    /// Meta purchase value ÷ spend; null without spend or with spend in several currencies.
    pub roas_meta: Option<f64>,
    /// POS revenue ÷ spend; null without spend or when the two are in different currencies.
    pub roas_pos: Option<f64>,
}

impl ReportMetrics {
    fn add_insight(&mut self, row: &InsightAggregate) {
        self.spend_minor += row.spend_minor;
        self.impressions += row.impressions;
        self.clicks += row.clicks;
        self.meta_purchases += row.purchases;
        self.meta_purchase_value_minor += row.purchase_value_minor;
    }

    fn add_orders(&mut self, row: &OrderAggregate) {
        self.revenue_minor += row.revenue_minor;
        self.orders += row.orders;
    }

    fn finish(&mut self, ratios: Ratios) {
        self.average_order_value_minor = (self.orders > 0).then(|| {
            // Half up, in integers: money stays exact.
            (2 * self.revenue_minor + self.orders) / (2 * self.orders)
        });
        let ratio = |ok: bool, value: i64| {
            (ok && self.spend_minor > 0).then(|| value as f64 / self.spend_minor as f64)
        };
        self.roas_meta = ratio(ratios.meta, self.meta_purchase_value_minor);
        self.roas_pos = ratio(ratios.pos, self.revenue_minor);
    }
}

/// Which ROAS the money allows: Meta's needs one spend currency, the POS one the same currency
/// on both sides.
#[derive(Debug, Clone, Copy)]
struct Ratios {
    meta: bool,
    pos: bool,
}

/// What a row stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum ReportRowKind {
    Day,
    Campaign,
    Ad,
    /// Orders naming an ad that is not among the synced Meta ads (another account, or not
    /// synced yet).
    UnknownAd,
    /// Orders that name no ad.
    NoAd,
    /// A Pancake store: its share of the spend, its own sales (key: its integration id).
    Store,
    /// Spend the user put under no store.
    NoStore,
    /// Spend of campaigns not assigned to a store yet (or shared with a removed store).
    Unassigned,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ReportRow {
    pub kind: ReportRowKind,
    /// The day (`YYYY-MM-DD`), campaign id or ad id; empty for the rows without one.
    pub key: String,
    /// Campaign or ad name as Meta has it.
    pub name: Option<String>,
    /// For ads: their campaign's name.
    pub campaign_name: Option<String>,
    pub metrics: ReportMetrics,
}

/// Something the reader of the figures must know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
#[ts(export)]
pub enum ReportWarning {
    /// Spend in the range belongs to campaigns not assigned to a store: it counts for no store
    /// (and is the *Unassigned* row by store). `campaigns` names them, most spend first.
    #[serde(rename_all = "camelCase")]
    UnassignedSpend {
        #[ts(type = "number")]
        spend_minor: i64,
        campaigns: Vec<String>,
    },
    /// A campaign (or one of its ad sets) with spend in the range was assigned anew on `at`,
    /// after the range began: its spend on the days before counts by the new assignment, so
    /// earlier copies of this report differ.
    #[serde(rename_all = "camelCase")]
    Reassigned {
        campaign_id: String,
        campaign_name: Option<String>,
        adset_id: Option<String>,
        adset_name: Option<String>,
        at: DateTime<Utc>,
    },
    /// Spend and sales are in different currencies: POS ROAS is not computed.
    CurrenciesDiffer { spend: String, revenue: String },
    /// Orders in several currencies were added together.
    SeveralOrderCurrencies { currencies: Vec<String> },
    /// Spend in several currencies (the ad account was changed): added together, no ROAS.
    SeveralSpendCurrencies { currencies: Vec<String> },
    /// The orders carry no currency: taken to be the ad account's.
    OrderCurrencyAssumed { currency: String },
}

/// Where the figures came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
#[ts(export)]
pub enum ReportSource {
    /// The embedded database.
    Local,
    /// The shared server.
    Server,
    /// The local copy of the server, while it is out of reach.
    Mirror {
        #[serde(rename = "asOf")]
        #[ts(rename = "asOf")]
        as_of: Option<DateTime<Utc>>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Report {
    #[ts(type = "string")]
    pub from: NaiveDate,
    #[ts(type = "string")]
    pub to: NaiveDate,
    pub time_zone: String,
    pub by: ReportGrouping,
    pub store: Option<uuid::Uuid>,
    /// The ad account's currency; null without spend.
    pub spend_currency: Option<String>,
    /// The orders' currency; null without orders.
    pub revenue_currency: Option<String>,
    /// Decimal digits of the spend currency's minor unit (0 for VND): money fields are minor
    /// units, and this says where the point goes.
    pub spend_exponent: u32,
    /// The same for the orders' currency.
    pub revenue_exponent: u32,
    pub rows: Vec<ReportRow>,
    pub totals: ReportMetrics,
    pub warnings: Vec<ReportWarning>,
    pub source: ReportSource,
    pub generated_at: DateTime<Utc>,
}

/// What a report is built from: the store's sums for the query (insights already split and
/// kept to the chosen store when there is one, keyed like the orders: by day, ad id, or owner
/// for [`ReportGrouping::Store`]), the synced ads (by campaign or ad), the workspace's stores
/// (by store) and the warnings about assignments.
#[derive(Debug, Clone, Default)]
pub struct ReportInputs<'a> {
    pub orders: &'a [OrderAggregate],
    pub insights: &'a [InsightAggregate],
    pub ads: &'a [AdRecord],
    /// Id and name of each Pancake store, in the workspace's order.
    pub stores: &'a [(uuid::Uuid, String)],
    pub warnings: Vec<ReportWarning>,
    /// The currencies of the whole account's spend in the range, when `insights` are only a part
    /// of it (one store's): a store without spend still reads in the account's currency.
    pub account_currencies: Option<Vec<String>>,
}

/// Puts the report together from what the store summed. Pure, so the rules above are tested
/// without a database and the two stores only have to agree on sums.
pub fn build_report(
    query: &ReportQuery,
    time_zone: &str,
    inputs: ReportInputs<'_>,
    source: ReportSource,
) -> Report {
    let ReportInputs {
        orders,
        insights,
        ads,
        stores,
        warnings: assignment_warnings,
        account_currencies,
    } = inputs;
    let spend_currencies: BTreeSet<&str> = match &account_currencies {
        Some(currencies) => currencies.iter().map(String::as_str).collect(),
        None => insights.iter().map(|r| r.currency.as_str()).collect(),
    };
    let order_currencies: BTreeSet<&str> = orders
        .iter()
        .filter_map(|r| r.currency.as_deref())
        .collect();
    let spend_currency = spend_currencies.first().map(|c| c.to_string());
    let mut warnings = assignment_warnings;
    // Orders without a currency count in the others' currency; when none has one, in the ad
    // account's (Pancake leaves it out for some shops), said as an assumption.
    let revenue_currency = match order_currencies.first() {
        Some(currency) => Some(currency.to_string()),
        None if !orders.is_empty() => {
            if let Some(currency) = &spend_currency {
                warnings.push(ReportWarning::OrderCurrencyAssumed {
                    currency: currency.clone(),
                });
            }
            spend_currency.clone()
        }
        None => None,
    };
    let list = |set: &BTreeSet<&str>| set.iter().map(|c| c.to_string()).collect::<Vec<_>>();
    let spend_consistent = spend_currencies.len() <= 1;
    if !spend_consistent {
        warnings.push(ReportWarning::SeveralSpendCurrencies {
            currencies: list(&spend_currencies),
        });
    }
    if order_currencies.len() > 1 {
        warnings.push(ReportWarning::SeveralOrderCurrencies {
            currencies: list(&order_currencies),
        });
    }
    let comparable = match (&spend_currency, &revenue_currency) {
        (Some(spend), Some(revenue)) if spend != revenue => {
            warnings.push(ReportWarning::CurrenciesDiffer {
                spend: spend.clone(),
                revenue: revenue.clone(),
            });
            false
        }
        _ => spend_consistent && order_currencies.len() <= 1,
    };
    let ratios = Ratios {
        meta: spend_consistent,
        pos: comparable,
    };

    let mut totals = ReportMetrics::default();
    insights.iter().for_each(|row| totals.add_insight(row));
    orders.iter().for_each(|row| totals.add_orders(row));
    totals.finish(ratios);

    let mut rows = match query.by {
        ReportGrouping::Day => day_rows(query, orders, insights),
        ReportGrouping::Ad | ReportGrouping::Campaign => ad_rows(query.by, orders, insights, ads),
        ReportGrouping::Store => store_rows(query, orders, insights, stores),
    };
    rows.iter_mut().for_each(|row| row.metrics.finish(ratios));

    Report {
        from: query.from,
        to: query.to,
        time_zone: time_zone.to_string(),
        by: query.by,
        store: query.store,
        spend_exponent: exponent(spend_currency.as_deref()),
        revenue_exponent: exponent(revenue_currency.as_deref()),
        spend_currency,
        revenue_currency,
        rows,
        totals,
        warnings,
        source,
        generated_at: Utc::now(),
    }
}

/// Every day of the range, in order, empty days included (a chart needs the gaps).
fn day_rows(
    query: &ReportQuery,
    orders: &[OrderAggregate],
    insights: &[InsightAggregate],
) -> Vec<ReportRow> {
    let mut by_day: BTreeMap<String, ReportMetrics> = query
        .from
        .iter_days()
        .take_while(|day| *day <= query.to)
        .map(|day| (day.format("%Y-%m-%d").to_string(), ReportMetrics::default()))
        .collect();
    for row in insights {
        if let Some(metrics) = by_day.get_mut(&row.key) {
            metrics.add_insight(row);
        }
    }
    for row in orders {
        if let Some(metrics) = row.key.as_ref().and_then(|day| by_day.get_mut(day)) {
            metrics.add_orders(row);
        }
    }
    by_day
        .into_iter()
        .map(|(key, metrics)| ReportRow {
            kind: ReportRowKind::Day,
            key,
            name: None,
            campaign_name: None,
            metrics,
        })
        .collect()
}

/// Campaigns or ads with spend or attributed sales, most spend first; then the sales from ads
/// Meta did not report, and the sales no ad brought.
fn ad_rows(
    by: ReportGrouping,
    orders: &[OrderAggregate],
    insights: &[InsightAggregate],
    ads: &[AdRecord],
) -> Vec<ReportRow> {
    let ads: HashMap<&str, &AdRecord> = ads.iter().map(|ad| (ad.ad_id.as_str(), ad)).collect();
    let mut known: BTreeMap<String, ReportRow> = BTreeMap::new();
    let mut unknown: BTreeMap<String, ReportRow> = BTreeMap::new();
    let mut no_ad = ReportRow {
        kind: ReportRowKind::NoAd,
        key: String::new(),
        name: None,
        campaign_name: None,
        metrics: ReportMetrics::default(),
    };
    let row_of = |ad_id: &str| -> (String, ReportRow) {
        let ad = ads.get(ad_id);
        match by {
            ReportGrouping::Campaign => {
                let key = ad.and_then(|a| a.campaign_id.clone()).unwrap_or_default();
                let name = ad.and_then(|a| a.campaign_name.clone());
                let row = ReportRow {
                    kind: ReportRowKind::Campaign,
                    key: key.clone(),
                    name,
                    campaign_name: None,
                    metrics: ReportMetrics::default(),
                };
                (key, row)
            }
            _ => {
                let row = ReportRow {
                    kind: ReportRowKind::Ad,
                    key: ad_id.to_string(),
                    name: ad.and_then(|a| a.ad_name.clone()),
                    campaign_name: ad.and_then(|a| a.campaign_name.clone()),
                    metrics: ReportMetrics::default(),
                };
                (ad_id.to_string(), row)
            }
        }
    };
    for row in insights {
        let (key, fresh) = row_of(&row.key);
        known.entry(key).or_insert(fresh).metrics.add_insight(row);
    }
    for row in orders {
        match row.key.as_deref() {
            None => no_ad.metrics.add_orders(row),
            Some(ad_id) if ads.contains_key(ad_id) => {
                let (key, fresh) = row_of(ad_id);
                known.entry(key).or_insert(fresh).metrics.add_orders(row);
            }
            Some(ad_id) => {
                // One row per unknown ad when listing ads; one row for them all by campaign.
                let key = match by {
                    ReportGrouping::Ad => ad_id.to_string(),
                    _ => String::new(),
                };
                unknown
                    .entry(key.clone())
                    .or_insert_with(|| ReportRow {
                        kind: ReportRowKind::UnknownAd,
                        key,
                        name: None,
                        campaign_name: None,
                        metrics: ReportMetrics::default(),
                    })
                    .metrics
                    .add_orders(row);
            }
        }
    }
    let by_weight = |a: &ReportRow, b: &ReportRow| {
        (b.metrics.spend_minor, b.metrics.revenue_minor)
            .cmp(&(a.metrics.spend_minor, a.metrics.revenue_minor))
            .then_with(|| a.key.cmp(&b.key))
    };
    let mut rows: Vec<ReportRow> = known.into_values().collect();
    rows.sort_by(by_weight);
    let mut unknown: Vec<ReportRow> = unknown.into_values().collect();
    unknown.sort_by(by_weight);
    rows.extend(unknown);
    if no_ad.metrics.orders > 0 {
        rows.push(no_ad);
    }
    rows
}

/// Each store (the chosen one only, when there is one), most spend first, with its share of the
/// spend and its own sales; then the spend of no store: unassigned, and no store by choice.
fn store_rows(
    query: &ReportQuery,
    orders: &[OrderAggregate],
    insights: &[InsightAggregate],
    stores: &[(uuid::Uuid, String)],
) -> Vec<ReportRow> {
    let mut by_owner: BTreeMap<SpendOwner, ReportRow> = BTreeMap::new();
    let row = |owner: SpendOwner, name: Option<String>| ReportRow {
        kind: match owner {
            SpendOwner::Store(_) => ReportRowKind::Store,
            SpendOwner::NoStore => ReportRowKind::NoStore,
            SpendOwner::Unassigned => ReportRowKind::Unassigned,
        },
        key: match owner {
            SpendOwner::Store(id) => id.to_string(),
            _ => String::new(),
        },
        name,
        campaign_name: None,
        metrics: ReportMetrics::default(),
    };
    for (id, name) in stores {
        if query.store.is_none_or(|chosen| chosen == *id) {
            let owner = SpendOwner::Store(*id);
            by_owner.insert(owner, row(owner, Some(name.clone())));
        }
    }
    for insight in insights {
        let owner = SpendOwner::from_key(&insight.key);
        by_owner
            .entry(owner)
            .or_insert_with(|| row(owner, None))
            .metrics
            .add_insight(insight);
    }
    for order in orders {
        let owner = order
            .key
            .as_deref()
            .and_then(|key| uuid::Uuid::parse_str(key).ok())
            .map_or(SpendOwner::Unassigned, SpendOwner::Store);
        by_owner
            .entry(owner)
            .or_insert_with(|| row(owner, None))
            .metrics
            .add_orders(order);
    }
    let (mut rows, others): (Vec<ReportRow>, Vec<ReportRow>) = by_owner
        .into_values()
        .partition(|row| row.kind == ReportRowKind::Store);
    rows.sort_by(|a, b| {
        (b.metrics.spend_minor, b.metrics.revenue_minor)
            .cmp(&(a.metrics.spend_minor, a.metrics.revenue_minor))
            .then_with(|| a.name.cmp(&b.name))
            .then_with(|| a.key.cmp(&b.key))
    });
    // Spend of no store is shown whenever there is any: never hidden, never spread.
    let mut others: Vec<ReportRow> = others
        .into_iter()
        .filter(|row| row.metrics != ReportMetrics::default())
        .collect();
    others.sort_by_key(|row| row.kind != ReportRowKind::Unassigned);
    rows.extend(others);
    rows
}

/// What the reports must say about assignments, from the range's spend split by ad and owner
/// ([`AggregateKey::Ad`], every owner): spend no store has (campaigns not assigned), and
/// campaigns reassigned since the range began (their past days moved).
pub fn assignment_warnings(
    query: &ReportQuery,
    zone: chrono_tz::Tz,
    by_ad: &[OwnedInsightAggregate],
    plan: &SpendPlan,
    ads: &[AdRecord],
) -> Vec<ReportWarning> {
    let ads: HashMap<&str, &AdRecord> = ads.iter().map(|ad| (ad.ad_id.as_str(), ad)).collect();
    let mut warnings = Vec::new();
    // Campaign (name, else id; an ad Meta gave without one, its id) → unassigned spend.
    let mut unassigned: HashMap<String, i64> = HashMap::new();
    let mut spent: BTreeSet<&str> = BTreeSet::new();
    for row in by_ad {
        let ad_id = row.figures.key.as_str();
        if row.figures.spend_minor <= 0 {
            continue;
        }
        spent.insert(ad_id);
        if row.owner == UNASSIGNED_OWNER {
            let ad = ads.get(ad_id);
            let label = ad
                .and_then(|ad| ad.campaign_name.clone().or_else(|| ad.campaign_id.clone()))
                .unwrap_or_else(|| ad_id.to_string());
            *unassigned.entry(label).or_default() += row.figures.spend_minor;
        }
    }
    if !unassigned.is_empty() {
        let mut campaigns: Vec<(String, i64)> = unassigned.into_iter().collect();
        campaigns.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        warnings.push(ReportWarning::UnassignedSpend {
            spend_minor: campaigns.iter().map(|(_, spend)| spend).sum(),
            campaigns: campaigns.into_iter().map(|(name, _)| name).collect(),
        });
    }
    let mut reassigned: BTreeMap<(String, String), ReportWarning> = BTreeMap::new();
    for ad_id in spent {
        let Some(record) = plan.decider(ad_id) else {
            continue;
        };
        let Some(at) = record.reassigned_at else {
            continue;
        };
        if local_day(at, zone) < query.from {
            continue;
        }
        let ad = ads.get(ad_id);
        let adset = (!record.adset_id.is_empty()).then(|| record.adset_id.clone());
        reassigned
            .entry((record.campaign_id.clone(), record.adset_id.clone()))
            .or_insert_with(|| ReportWarning::Reassigned {
                campaign_id: record.campaign_id.clone(),
                campaign_name: ad.and_then(|ad| ad.campaign_name.clone()),
                adset_name: adset
                    .as_ref()
                    .and_then(|_| ad.and_then(|ad| ad.adset_name.clone())),
                adset_id: adset,
                at,
            });
    }
    warnings.extend(reassigned.into_values());
    warnings
}

/// What the store is asked for a (validated) query: the grouping of its sums and the orders.
pub fn plan(query: &ReportQuery, zone: chrono_tz::Tz) -> (AggregateKey, OrderFilter) {
    let key = match query.by {
        ReportGrouping::Day => AggregateKey::Day,
        ReportGrouping::Campaign | ReportGrouping::Ad => AggregateKey::Ad,
        ReportGrouping::Store => AggregateKey::Store,
    };
    let filter = OrderFilter {
        days: DayPlan::new(zone, query.from, query.to),
        store: query.store,
    };
    (key, filter)
}

/// Checks the query and settles its time zone: the query's, else `default` (the workspace's).
pub fn validate(query: &ReportQuery, default: &str) -> Result<chrono_tz::Tz, String> {
    if query.from > query.to {
        return Err(format!(
            "The range starts ({}) after it ends ({}).",
            query.from, query.to
        ));
    }
    let earliest = NaiveDate::from_ymd_opt(2000, 1, 1).expect("a date");
    let latest = NaiveDate::from_ymd_opt(2100, 12, 31).expect("a date");
    if query.from < earliest || query.to > latest {
        return Err(format!(
            "Reports cover days from {earliest} to {latest}; {} to {} is outside.",
            query.from, query.to
        ));
    }
    let days = (query.to - query.from).num_days() + 1;
    if days > MAX_REPORT_DAYS {
        return Err(format!(
            "The range covers {days} days; a report covers at most {MAX_REPORT_DAYS} (Meta keeps 37 months)."
        ));
    }
    let name = query.time_zone.as_deref().unwrap_or(default);
    name.parse::<chrono_tz::Tz>().map_err(|_| {
        format!("Unknown time zone {name:?}; use an IANA name such as Asia/Ho_Chi_Minh.")
    })
}

/// The CSV of a report's table: UTF-8 with a byte-order mark, so spreadsheet apps read
/// Vietnamese names correctly. Money in the currency's units with a dot for decimals, ratios
/// to two places; empty cells where a figure does not exist.
pub fn report_csv(report: &Report) -> String {
    let (spend_exponent, revenue_exponent) = (report.spend_exponent, report.revenue_exponent);
    let mut writer = csv::WriterBuilder::new().from_writer(Vec::new());
    let first = match report.by {
        ReportGrouping::Day => "day",
        ReportGrouping::Campaign => "campaign_id",
        ReportGrouping::Ad => "ad_id",
        ReportGrouping::Store => "store_id",
    };
    let spend_unit = report.spend_currency.clone().unwrap_or_default();
    let revenue_unit = report.revenue_currency.clone().unwrap_or_default();
    let header = [
        first.to_string(),
        "name".into(),
        "campaign".into(),
        format!("spend {spend_unit}").trim().to_string(),
        "impressions".into(),
        "clicks".into(),
        "meta_purchases".into(),
        format!("meta_purchase_value {spend_unit}")
            .trim()
            .to_string(),
        format!("pos_revenue {revenue_unit}").trim().to_string(),
        "pos_orders".into(),
        format!("average_order_value {revenue_unit}")
            .trim()
            .to_string(),
        "roas_meta".into(),
        "roas_pos".into(),
    ];
    writer.write_record(&header).expect("writing to memory");
    let line = |label: String, name: String, campaign: String, m: &ReportMetrics| {
        vec![
            label,
            name,
            campaign,
            minor_to_decimal(m.spend_minor, spend_exponent),
            m.impressions.to_string(),
            m.clicks.to_string(),
            m.meta_purchases.to_string(),
            minor_to_decimal(m.meta_purchase_value_minor, spend_exponent),
            minor_to_decimal(m.revenue_minor, revenue_exponent),
            m.orders.to_string(),
            m.average_order_value_minor
                .map(|v| minor_to_decimal(v, revenue_exponent))
                .unwrap_or_default(),
            m.roas_meta.map(|r| format!("{r:.2}")).unwrap_or_default(),
            m.roas_pos.map(|r| format!("{r:.2}")).unwrap_or_default(),
        ]
    };
    for row in &report.rows {
        let (label, name) = match row.kind {
            ReportRowKind::UnknownAd if row.key.is_empty() => {
                (String::new(), "Ads not in Meta".to_string())
            }
            ReportRowKind::UnknownAd => (row.key.clone(), "Ad not in Meta".to_string()),
            ReportRowKind::NoAd => (String::new(), "No ad".to_string()),
            ReportRowKind::Unassigned => (String::new(), "Not assigned to a store".to_string()),
            ReportRowKind::NoStore => (String::new(), "No store".to_string()),
            _ => (row.key.clone(), row.name.clone().unwrap_or_default()),
        };
        let record = line(
            inert(label),
            inert(name),
            inert(row.campaign_name.clone().unwrap_or_default()),
            &row.metrics,
        );
        writer.write_record(&record).expect("writing to memory");
    }
    let total = line("total".into(), String::new(), String::new(), &report.totals);
    writer.write_record(&total).expect("writing to memory");
    let body = String::from_utf8(writer.into_inner().expect("writing to memory"))
        .expect("CSV of UTF-8 text");
    format!("\u{feff}{body}")
}

/// Saves the report's CSV in `dir` under a name saying what it holds, never over an earlier
/// export (`… (2).csv`). Returns the file written.
pub fn save_report_csv(
    report: &Report,
    dir: &std::path::Path,
) -> std::io::Result<std::path::PathBuf> {
    use std::io::Write;
    std::fs::create_dir_all(dir)?;
    let by = match report.by {
        ReportGrouping::Day => "by-day",
        ReportGrouping::Campaign => "by-campaign",
        ReportGrouping::Ad => "by-ad",
        ReportGrouping::Store => "by-store",
    };
    let stem = format!("ad-spend-vs-sales_{}_{}_{by}", report.from, report.to);
    let content = report_csv(report);
    for attempt in 1..1000 {
        let name = match attempt {
            1 => format!("{stem}.csv"),
            n => format!("{stem} ({n}).csv"),
        };
        let path = dir.join(name);
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(mut file) => {
                file.write_all(content.as_bytes())?;
                return Ok(path);
            }
            Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(err) => return Err(err),
        }
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::AlreadyExists,
        "too many exports of this report in the folder",
    ))
}

/// Text from Meta (ad and campaign names, ids) made inert for spreadsheet apps: a cell that
/// starts like a formula (`=`, `+`, `-`, `@`, tab, carriage return) would be run when the CSV is
/// opened, so it gets a leading apostrophe, which they show as text.
fn inert(text: String) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text
    }
}

fn exponent(currency: Option<&str>) -> u32 {
    currency
        .map(integrations_providers::currency_exponent)
        .unwrap_or(0)
}

/// `1234567` with exponent 2 → `12345.67`; exact, no floating point.
pub fn minor_to_decimal(minor: i64, exponent: u32) -> String {
    if exponent == 0 {
        return minor.to_string();
    }
    let scale = 10_i64.pow(exponent);
    let sign = if minor < 0 { "-" } else { "" };
    let magnitude = minor.unsigned_abs();
    format!(
        "{sign}{}.{:0width$}",
        magnitude / scale as u64,
        magnitude % scale as u64,
        width = exponent as usize
    )
}

#[cfg(test)]
mod tests;
