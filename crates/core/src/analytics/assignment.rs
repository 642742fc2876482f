//! Spend per store: which Pancake store(s) each Meta campaign's spend belongs to.
//!
//! Meta knows campaigns, not stores. The user says where each campaign (or an ad set of it,
//! where one campaign serves several stores) brings its customers; the reports then give every
//! store its own spend. The rules, stated once (the README has them as a table):
//! - **Who decides an ad:** its ad set's assignment when the ad set has one, else its
//!   campaign's; with neither, the ad's spend is *unassigned*. A campaign may belong to one
//!   store, to several with shares, or (the user said so) to none.
//! - **Shares** are whole hundredths of a percent (basis points), each store once, adding up to
//!   100 %.
//! - **Splitting money:** each Meta row (one ad, one day) is split on its own
//!   ([`crate::store::split_insights_sql`]): a store gets its share of the row rounded down to
//!   the minor unit, and the largest share (the first listed among equal ones) also gets what
//!   rounding left, so the parts always add up to the row: not a đồng is lost, and all stores
//!   with the unassigned and no-store spend add up to the account. [`split_minor`] is the same
//!   rule on one amount.
//! - **Spend of no store is never hidden:** unassigned spend and spend the user put under no
//!   store are rows of their own; a share whose store was removed counts as unassigned.
//! - **Suggestions** come from the synced orders: an order names the ad it came from and is
//!   sold in one store, so a campaign's counted orders say which stores it brings customers to.
//!   The suggestion shares the campaign by that revenue, in whole percents. A suggestion is only
//!   that: the reports use what the user confirmed.
//! - **Reassigning changes the past:** a campaign has one assignment for all its days, so a
//!   change today moves its spend in past reports too; those reports say so, naming the
//!   campaign and when it was reassigned.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::store::{
    AdRecord, AdStoreSales, InsightAggregate, OwnedInsightAggregate, SpendAssignmentRecord,
    SpendShare, NO_STORE_OWNER, UNASSIGNED_OWNER, WHOLE_SHARE,
};

/// The most stores one campaign can be shared among.
pub const MAX_SHARES: usize = 50;

/// One store's share of a campaign, as the user gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct StoreShare {
    /// The store's integration id.
    pub store: Uuid,
    /// Hundredths of a percent: 10000 is the whole.
    pub basis_points: u32,
}

/// What a campaign (or ad set) is decided to be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
#[ts(export)]
pub enum AssignmentChoice {
    /// One store (a single share of 10000) or several, in the order given: among equal shares
    /// the first takes the rounding remainder.
    Stores { shares: Vec<StoreShare> },
    /// Its spend belongs to no store (brand awareness, another business).
    NoStore,
    /// Not decided: a new campaign, or one cleared. An ad set that is unassigned follows its
    /// campaign.
    Unassigned,
}

/// An assignment as the user makes it (the Campaigns page, `integrations campaigns assign`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CampaignAssignment {
    pub campaign_id: String,
    /// One ad set of the campaign rather than the whole campaign.
    #[serde(default)]
    #[ts(optional)]
    pub adset_id: Option<String>,
    pub choice: AssignmentChoice,
    /// The assignment's `version` the change was made on (0: never decided); a change made on
    /// another is refused with STALE_EDIT. Absent: made on whatever is there now.
    #[serde(default)]
    #[ts(optional, type = "number")]
    pub expected_version: Option<i64>,
}

/// How the decision is stored (`spend_assignments.shares`).
#[derive(Serialize, Deserialize)]
struct StoredShare {
    store: Uuid,
    share: u32,
}

impl AssignmentChoice {
    /// Reads the stored column. Unreadable shares count as undecided, so the spend shows as
    /// unassigned rather than vanishing.
    pub fn from_stored(shares: Option<&str>) -> Self {
        let Some(text) = shares else {
            return Self::Unassigned;
        };
        match serde_json::from_str::<Vec<StoredShare>>(text) {
            Ok(stored) if stored.is_empty() => Self::NoStore,
            Ok(stored) => Self::Stores {
                shares: stored
                    .into_iter()
                    .map(|s| StoreShare {
                        store: s.store,
                        basis_points: s.share,
                    })
                    .collect(),
            },
            Err(err) => {
                tracing::warn!(error = %err, "unreadable spend shares; taken as unassigned");
                Self::Unassigned
            }
        }
    }

    /// The stored column: NULL undecided, `[]` no store.
    pub fn to_stored(&self) -> Option<String> {
        let stored: Vec<StoredShare> = match self {
            Self::Unassigned => return None,
            Self::NoStore => Vec::new(),
            Self::Stores { shares } => shares
                .iter()
                .map(|s| StoredShare {
                    store: s.store,
                    share: s.basis_points,
                })
                .collect(),
        };
        Some(serde_json::to_string(&stored).expect("shares serialize"))
    }

    pub fn is_decided(&self) -> bool {
        !matches!(self, Self::Unassigned)
    }

    /// The shares rule: at least one store, each once, each share 0.01 %–100 %, together 100 %.
    pub fn validate(&self) -> Result<(), String> {
        let Self::Stores { shares } = self else {
            return Ok(());
        };
        if shares.is_empty() {
            return Err(
                "Choose at least one store, or say the campaign belongs to no store.".into(),
            );
        }
        if shares.len() > MAX_SHARES {
            return Err(format!(
                "A campaign can be shared among at most {MAX_SHARES} stores."
            ));
        }
        let mut seen = HashSet::new();
        for share in shares {
            if !seen.insert(share.store) {
                return Err("Each store can be listed once.".into());
            }
            if share.basis_points == 0 || i64::from(share.basis_points) > WHOLE_SHARE {
                return Err(format!(
                    "A store's share is between 0.01 % and 100 %; {} % is not.",
                    percent_text(share.basis_points)
                ));
            }
        }
        let total: i64 = shares.iter().map(|s| i64::from(s.basis_points)).sum();
        if total != WHOLE_SHARE {
            return Err(format!(
                "The shares add up to {} %; they must add up to 100 %.",
                percent_text(total.clamp(0, u32::MAX.into()) as u32)
            ));
        }
        Ok(())
    }
}

/// `"60"`, `"33.33"`, `"33,33"` or `"12.5%"` as basis points (6000, 3333, 3333, 1250).
pub fn parse_percent(text: &str) -> Result<u32, String> {
    let clean = text.trim().trim_end_matches('%').trim().replace(',', ".");
    let invalid = || format!("{text:?} is not a percentage such as 60 or 33.33.");
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    let (whole, fraction) = match clean.split_once('.') {
        Some((whole, fraction)) if digits(fraction) => (whole, fraction),
        Some(_) => return Err(invalid()),
        None => (clean.as_str(), ""),
    };
    if !digits(whole) || whole.len() > 3 {
        return Err(invalid());
    }
    if fraction.len() > 2 {
        return Err(format!(
            "{text:?}: shares go to hundredths of a percent (such as 33.33)."
        ));
    }
    let whole: u32 = whole.parse().map_err(|_| invalid())?;
    let fraction: u32 = format!("{fraction:0<2}").parse().map_err(|_| invalid())?;
    Ok(whole * 100 + fraction)
}

/// Basis points as a percentage without trailing zeros: 6000 → `60`, 3333 → `33.33`, 1250 →
/// `12.5`.
pub fn percent_text(basis_points: u32) -> String {
    let whole = basis_points / 100;
    match basis_points % 100 {
        0 => whole.to_string(),
        f if f % 10 == 0 => format!("{whole}.{}", f / 10),
        f => format!("{whole}.{f:02}"),
    }
}

/// Which of `weights` takes the remainder: the largest, the first among equal ones.
pub fn remainder_taker(weights: &[i64]) -> usize {
    let mut best = 0;
    for (i, weight) in weights.iter().enumerate() {
        if *weight > weights[best] {
            best = i;
        }
    }
    best
}

/// `amount` split by `weights` (each ≥ 0, not all 0), in whole units: each part rounded down,
/// the remainder to [`remainder_taker`]. The parts add up to `amount` exactly. The split query
/// applies the same rule to every Meta row.
pub fn split_minor(amount: i64, weights: &[i64]) -> Vec<i64> {
    let total: i128 = weights.iter().map(|w| i128::from(*w)).sum();
    if weights.is_empty() || total <= 0 {
        return vec![0; weights.len()];
    }
    let mut parts: Vec<i64> = weights
        .iter()
        .map(|w| (i128::from(amount) * i128::from(*w) / total) as i64)
        .collect();
    let rest = amount - parts.iter().sum::<i64>();
    parts[remainder_taker(weights)] += rest;
    parts
}

/// The assignment that decides an ad: its ad set's when decided, else its campaign's.
fn deciding<'a>(
    ad: &AdRecord,
    decided: &'a HashMap<(&str, &str), &'a SpendAssignmentRecord>,
) -> Option<&'a SpendAssignmentRecord> {
    let campaign = ad.campaign_id.as_deref()?;
    let adset = ad.adset_id.as_deref().unwrap_or("");
    (!adset.is_empty())
        .then(|| decided.get(&(campaign, adset)))
        .flatten()
        .or_else(|| decided.get(&(campaign, "")))
        .copied()
}

/// What the split query needs (each ad's [`SpendShare`]s) and what the reports' warnings need
/// (which assignment decided each ad), for one workspace.
#[derive(Debug, Clone, Default)]
pub struct SpendPlan {
    pub shares: Vec<SpendShare>,
    /// Ad id → the (campaign, ad set) row that decides it; absent: unassigned.
    deciders: HashMap<String, (String, String)>,
    /// The decided rows, by (campaign, ad set).
    records: HashMap<(String, String), SpendAssignmentRecord>,
}

impl SpendPlan {
    /// `stores`: the workspace's Pancake stores; a share naming another id counts as
    /// unassigned.
    pub fn new(
        ads: &[AdRecord],
        assignments: &[SpendAssignmentRecord],
        stores: &HashSet<Uuid>,
    ) -> Self {
        let decided: HashMap<(&str, &str), &SpendAssignmentRecord> = assignments
            .iter()
            .filter(|a| a.shares.is_some())
            .map(|a| ((a.campaign_id.as_str(), a.adset_id.as_str()), a))
            .collect();
        let mut plan = SpendPlan::default();
        for ad in ads {
            let Some(record) = deciding(ad, &decided) else {
                continue;
            };
            let key = (record.campaign_id.clone(), record.adset_id.clone());
            plan.deciders.insert(ad.ad_id.clone(), key.clone());
            plan.records.entry(key).or_insert_with(|| record.clone());
            match AssignmentChoice::from_stored(record.shares.as_deref()) {
                AssignmentChoice::Unassigned => {}
                AssignmentChoice::NoStore => plan.shares.push(SpendShare {
                    ad_id: ad.ad_id.clone(),
                    owner: NO_STORE_OWNER.into(),
                    share: WHOLE_SHARE,
                    rest: true,
                }),
                AssignmentChoice::Stores { shares } => {
                    let weights: Vec<i64> =
                        shares.iter().map(|s| i64::from(s.basis_points)).collect();
                    let taker = remainder_taker(&weights);
                    for (i, share) in shares.iter().enumerate() {
                        let owner = if stores.contains(&share.store) {
                            share.store.to_string()
                        } else {
                            UNASSIGNED_OWNER.into()
                        };
                        plan.shares.push(SpendShare {
                            ad_id: ad.ad_id.clone(),
                            owner,
                            share: i64::from(share.basis_points),
                            rest: i == taker,
                        });
                    }
                }
            }
        }
        plan
    }

    /// The assignment deciding `ad_id`, if any.
    pub fn decider(&self, ad_id: &str) -> Option<&SpendAssignmentRecord> {
        self.deciders
            .get(ad_id)
            .and_then(|key| self.records.get(key))
    }
}

/// Who a part of the spend belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SpendOwner {
    Store(Uuid),
    /// The user said: no store.
    NoStore,
    /// Nobody decided (or the store was removed).
    Unassigned,
}

impl SpendOwner {
    /// From the split query's owner column.
    pub fn from_key(key: &str) -> Self {
        match key {
            NO_STORE_OWNER => Self::NoStore,
            _ => Uuid::parse_str(key)
                .map(Self::Store)
                .unwrap_or(Self::Unassigned),
        }
    }
}

/// One owner's split figures as the report sums them.
pub fn owned_figures(row: &OwnedInsightAggregate) -> (SpendOwner, &InsightAggregate) {
    (SpendOwner::from_key(&row.owner), &row.figures)
}

/// A store as the Campaigns page names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AssignedShare {
    pub store: Uuid,
    /// Null when the store was removed (that share's spend is unassigned).
    pub store_name: Option<String>,
    pub basis_points: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub enum AssignmentState {
    Unassigned,
    NoStore,
    Stores,
}

/// A campaign's (or ad set's) decision as stored, with its history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Assignment {
    pub state: AssignmentState,
    /// In the order given; empty unless `state` is `stores`.
    pub shares: Vec<AssignedShare>,
    /// 0 while never decided: the version an edit is made on (`expectedVersion`).
    #[ts(type = "number")]
    pub version: i64,
    pub decided_at: Option<DateTime<Utc>>,
    /// When a decision last replaced another: reports of the days before show the new one.
    pub reassigned_at: Option<DateTime<Utc>>,
    /// Who changed it last (email).
    pub changed_by: Option<String>,
}

/// Counted orders that came from a campaign's ads and were sold in one store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct StoreSales {
    pub store: Uuid,
    pub store_name: Option<String>,
    #[ts(type = "number")]
    pub orders: i64,
    /// In minor units of the orders' currency.
    #[ts(type = "number")]
    pub revenue_minor: i64,
}

/// An ad set of a campaign: its own decision (unassigned: it follows the campaign).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AdSetEntry {
    pub adset_id: String,
    pub name: Option<String>,
    pub assignment: Assignment,
    pub suggestion: Option<Vec<AssignedShare>>,
    pub sales: Vec<StoreSales>,
    #[ts(type = "number")]
    pub spend_minor: i64,
}

/// A Meta campaign on the Campaigns page.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Campaign {
    pub campaign_id: String,
    pub name: Option<String>,
    pub assignment: Assignment,
    /// What the synced orders suggest (see the module's rules); null without orders from its ads.
    pub suggestion: Option<Vec<AssignedShare>>,
    /// The orders behind the suggestion, by store, most revenue first.
    pub sales: Vec<StoreSales>,
    /// Spend of the last [`CAMPAIGN_SPEND_DAYS`] days (the workspace's today included), in
    /// minor units of `spendCurrency`.
    #[ts(type = "number")]
    pub spend_minor: i64,
    pub spend_currency: Option<String>,
    pub spend_exponent: u32,
    /// Its ad sets, most spend first; only worth showing when it has several.
    pub ad_sets: Vec<AdSetEntry>,
}

impl AssignedShare {
    pub fn as_share(&self) -> StoreShare {
        StoreShare {
            store: self.store,
            basis_points: self.basis_points,
        }
    }
}

impl Campaign {
    /// Whether some of its spend has no decision: the campaign is unassigned and so is one of its
    /// ad sets (an ad set of its own decides for itself).
    pub fn needs_decision(&self) -> bool {
        self.assignment.state == AssignmentState::Unassigned
            && (self.ad_sets.is_empty()
                || self
                    .ad_sets
                    .iter()
                    .any(|s| s.assignment.state == AssignmentState::Unassigned))
    }
}

/// The days a campaign's spend on the Campaigns page covers.
pub const CAMPAIGN_SPEND_DAYS: i64 = 30;

/// Everything the Campaigns page shows, from what the store read: the synced ads, the decisions,
/// the sales by ad and store, the spend by ad (of the last [`CAMPAIGN_SPEND_DAYS`] days), and the
/// workspace's stores (id → name).
pub fn campaign_list(
    ads: &[AdRecord],
    assignments: &[SpendAssignmentRecord],
    sales: &[AdStoreSales],
    spend: &[InsightAggregate],
    stores: &BTreeMap<Uuid, String>,
) -> Vec<Campaign> {
    let records: HashMap<(&str, &str), &SpendAssignmentRecord> = assignments
        .iter()
        .map(|a| ((a.campaign_id.as_str(), a.adset_id.as_str()), a))
        .collect();
    let spend_by_ad: HashMap<&str, i64> = spend.iter().fold(HashMap::new(), |mut acc, row| {
        *acc.entry(row.key.as_str()).or_default() += row.spend_minor;
        acc
    });
    let currency = spend.first().map(|row| row.currency.clone());
    let mut sales_by_ad: HashMap<&str, Vec<&AdStoreSales>> = HashMap::new();
    for row in sales {
        sales_by_ad.entry(row.ad_id.as_str()).or_default().push(row);
    }

    // Campaign → ad set → its ads.
    let mut tree: BTreeMap<&str, BTreeMap<&str, Vec<&AdRecord>>> = BTreeMap::new();
    for ad in ads {
        let Some(campaign) = ad.campaign_id.as_deref() else {
            continue;
        };
        tree.entry(campaign)
            .or_default()
            .entry(ad.adset_id.as_deref().unwrap_or(""))
            .or_default()
            .push(ad);
    }
    let name_of = |store: &Uuid| stores.get(store).cloned();
    let assignment_of = |campaign: &str, adset: &str| -> Assignment {
        let Some(record) = records.get(&(campaign, adset)) else {
            return Assignment {
                state: AssignmentState::Unassigned,
                shares: Vec::new(),
                version: 0,
                decided_at: None,
                reassigned_at: None,
                changed_by: None,
            };
        };
        let (state, shares) = match AssignmentChoice::from_stored(record.shares.as_deref()) {
            AssignmentChoice::Unassigned => (AssignmentState::Unassigned, Vec::new()),
            AssignmentChoice::NoStore => (AssignmentState::NoStore, Vec::new()),
            AssignmentChoice::Stores { shares } => (
                AssignmentState::Stores,
                shares
                    .iter()
                    .map(|s| AssignedShare {
                        store: s.store,
                        store_name: name_of(&s.store),
                        basis_points: s.basis_points,
                    })
                    .collect(),
            ),
        };
        Assignment {
            state,
            shares,
            version: record.version,
            decided_at: record.decided_at,
            reassigned_at: record.reassigned_at,
            changed_by: record.changed_by.clone(),
        }
    };
    let sales_of = |ads: &[&AdRecord]| -> Vec<StoreSales> {
        let mut by_store: BTreeMap<Uuid, (i64, i64)> = BTreeMap::new();
        for ad in ads {
            for row in sales_by_ad.get(ad.ad_id.as_str()).into_iter().flatten() {
                let entry = by_store.entry(row.store).or_default();
                entry.0 += row.orders;
                entry.1 += row.revenue_minor;
            }
        }
        let mut list: Vec<StoreSales> = by_store
            .into_iter()
            .map(|(store, (orders, revenue_minor))| StoreSales {
                store,
                store_name: name_of(&store),
                orders,
                revenue_minor,
            })
            .collect();
        list.sort_by(|a, b| {
            (b.revenue_minor, b.orders)
                .cmp(&(a.revenue_minor, a.orders))
                .then_with(|| a.store_name.cmp(&b.store_name))
                .then_with(|| a.store.cmp(&b.store))
        });
        list
    };
    let spend_of = |ads: &[&AdRecord]| -> i64 {
        ads.iter()
            .map(|ad| spend_by_ad.get(ad.ad_id.as_str()).copied().unwrap_or(0))
            .sum()
    };

    let mut campaigns: Vec<Campaign> = tree
        .into_iter()
        .map(|(campaign_id, adsets)| {
            let all: Vec<&AdRecord> = adsets.values().flatten().copied().collect();
            let name = all.iter().find_map(|ad| ad.campaign_name.clone());
            let sales = sales_of(&all);
            let mut ad_sets: Vec<AdSetEntry> = adsets
                .iter()
                .filter(|(adset_id, _)| !adset_id.is_empty())
                .map(|(adset_id, ads)| {
                    let sales = sales_of(ads);
                    AdSetEntry {
                        adset_id: adset_id.to_string(),
                        name: ads.iter().find_map(|ad| ad.adset_name.clone()),
                        assignment: assignment_of(campaign_id, adset_id),
                        suggestion: suggest(&sales, stores),
                        sales,
                        spend_minor: spend_of(ads),
                    }
                })
                .collect();
            ad_sets.sort_by(|a, b| {
                b.spend_minor
                    .cmp(&a.spend_minor)
                    .then_with(|| a.name.cmp(&b.name))
                    .then_with(|| a.adset_id.cmp(&b.adset_id))
            });
            Campaign {
                campaign_id: campaign_id.to_string(),
                name,
                assignment: assignment_of(campaign_id, ""),
                suggestion: suggest(&sales, stores),
                sales,
                spend_minor: spend_of(&all),
                spend_currency: currency.clone(),
                spend_exponent: currency
                    .as_deref()
                    .map(integrations_providers::currency_exponent)
                    .unwrap_or(0),
                ad_sets,
            }
        })
        .collect();
    campaigns.sort_by(|a, b| {
        b.spend_minor
            .cmp(&a.spend_minor)
            .then_with(|| a.name.cmp(&b.name))
            .then_with(|| a.campaign_id.cmp(&b.campaign_id))
    });
    campaigns
}

/// The suggestion from a campaign's sales: the stores that sold through it, shared by revenue
/// (by orders when all revenue is 0) in whole percents, most first. A store whose part rounds to
/// 0 % is left out and the rest shared again. Removed stores are left out. None without sales.
pub fn suggest(
    sales: &[StoreSales],
    stores: &BTreeMap<Uuid, String>,
) -> Option<Vec<AssignedShare>> {
    let mut candidates: Vec<&StoreSales> = sales
        .iter()
        .filter(|s| s.orders > 0 && stores.contains_key(&s.store))
        .collect();
    let by_revenue = candidates.iter().any(|s| s.revenue_minor > 0);
    let weight = |s: &StoreSales| {
        if by_revenue {
            s.revenue_minor
        } else {
            s.orders
        }
    };
    candidates.retain(|s| weight(s) > 0);
    loop {
        if candidates.is_empty() {
            return None;
        }
        // Most first, so the largest share is listed first and takes the remainder.
        candidates.sort_by(|a, b| {
            weight(b)
                .cmp(&weight(a))
                .then_with(|| a.store_name.cmp(&b.store_name))
                .then_with(|| a.store.cmp(&b.store))
        });
        let weights: Vec<i64> = candidates.iter().map(|s| weight(s)).collect();
        let percents = split_minor(100, &weights);
        if percents.iter().all(|p| *p > 0) {
            return Some(
                candidates
                    .iter()
                    .zip(percents)
                    .map(|(s, percent)| AssignedShare {
                        store: s.store,
                        store_name: s.store_name.clone(),
                        basis_points: (percent * 100) as u32,
                    })
                    .collect(),
            );
        }
        let keep: Vec<bool> = percents.iter().map(|p| *p > 0).collect();
        let mut index = 0;
        candidates.retain(|_| {
            let kept = keep[index];
            index += 1;
            kept
        });
    }
}

/// The local day an instant falls on in `zone`.
pub fn local_day(at: DateTime<Utc>, zone: chrono_tz::Tz) -> NaiveDate {
    at.with_timezone(&zone).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_split_loses_no_dong_and_the_largest_share_takes_the_remainder() {
        // 10,001 đồng at 33.33 % / 66.67 %: 3,333.33 and 6,667.67 round down to 3,333 and
        // 6,667; the 1 đồng left goes to the larger share.
        assert_eq!(split_minor(10_001, &[3333, 6667]), [3_333, 6_668]);
        // Three equal thirds of 100: 33 each, the remainder to the first listed.
        assert_eq!(split_minor(100, &[3334, 3333, 3333]), [34, 33, 33]);
        assert_eq!(split_minor(100, &[3333, 3334, 3333]), [33, 34, 33]);
        assert_eq!(
            split_minor(101, &[5000, 5000]),
            [51, 50],
            "ties: the first listed"
        );
        assert_eq!(split_minor(0, &[5000, 5000]), [0, 0]);
        assert_eq!(split_minor(7, &[10_000]), [7]);
        for amount in [1, 2, 3, 99, 12_345, 999_999_999_999] {
            let parts = split_minor(amount, &[1, 2, 3, 9994]);
            assert_eq!(parts.iter().sum::<i64>(), amount, "{amount}");
            assert!(parts.iter().all(|p| *p >= 0));
        }
    }

    #[test]
    fn percentages_read_and_write_in_hundredths() {
        assert_eq!(parse_percent("60"), Ok(6000));
        assert_eq!(parse_percent(" 33.33 "), Ok(3333));
        assert_eq!(parse_percent("33,33"), Ok(3333));
        assert_eq!(parse_percent("12.5%"), Ok(1250));
        assert_eq!(parse_percent("100"), Ok(10_000));
        for bad in ["", "abc", "-5", "1.234", "60.", ".5", "1e2", "12345"] {
            assert!(parse_percent(bad).is_err(), "{bad:?}");
        }
        assert_eq!(percent_text(6000), "60");
        assert_eq!(percent_text(3333), "33.33");
        assert_eq!(percent_text(1250), "12.5");
        assert_eq!(percent_text(5), "0.05");
    }

    fn stores(shares: &[(u128, u32)]) -> AssignmentChoice {
        AssignmentChoice::Stores {
            shares: shares
                .iter()
                .map(|&(id, basis_points)| StoreShare {
                    store: Uuid::from_u128(id),
                    basis_points,
                })
                .collect(),
        }
    }

    #[test]
    fn shares_must_be_distinct_stores_adding_up_to_one_hundred_percent() {
        assert!(stores(&[(1, 10_000)]).validate().is_ok());
        assert!(stores(&[(1, 6000), (2, 4000)]).validate().is_ok());
        let err = stores(&[(1, 6000), (2, 3000)]).validate().unwrap_err();
        assert!(err.contains("add up to 90 %"), "{err}");
        assert!(stores(&[(1, 5000), (1, 5000)]).validate().is_err());
        assert!(stores(&[(1, 0), (2, 10_000)]).validate().is_err());
        assert!(stores(&[]).validate().is_err());
        assert!(AssignmentChoice::NoStore.validate().is_ok());
        assert!(AssignmentChoice::Unassigned.validate().is_ok());
    }

    #[test]
    fn a_decision_is_stored_and_read_back_whatever_it_is() {
        for choice in [
            stores(&[(1, 3333), (2, 6667)]),
            AssignmentChoice::NoStore,
            AssignmentChoice::Unassigned,
        ] {
            let stored = choice.to_stored();
            assert_eq!(AssignmentChoice::from_stored(stored.as_deref()), choice);
        }
        assert_eq!(AssignmentChoice::NoStore.to_stored().as_deref(), Some("[]"));
        assert_eq!(
            AssignmentChoice::from_stored(Some("not json")),
            AssignmentChoice::Unassigned,
            "unreadable shares show as unassigned, never as a store's"
        );
    }

    fn ad(id: &str, campaign: &str, adset: &str) -> AdRecord {
        AdRecord {
            ad_id: id.into(),
            ad_name: None,
            adset_id: Some(adset.into()),
            adset_name: None,
            campaign_id: Some(campaign.into()),
            campaign_name: None,
        }
    }

    fn record(campaign: &str, adset: &str, choice: &AssignmentChoice) -> SpendAssignmentRecord {
        SpendAssignmentRecord {
            tenant_id: Uuid::nil(),
            campaign_id: campaign.into(),
            adset_id: adset.into(),
            shares: choice.to_stored(),
            decided_at: None,
            reassigned_at: None,
            changed_by: None,
            updated_at: Utc::now(),
            version: 1,
        }
    }

    #[test]
    fn an_ad_set_of_its_own_decides_before_its_campaign() {
        let ads = [
            ad("a1", "c1", "s1"),
            ad("a2", "c1", "s2"),
            ad("a3", "c2", "s3"),
        ];
        let known: HashSet<Uuid> = [Uuid::from_u128(1), Uuid::from_u128(2)].into();
        let assignments = [
            record("c1", "", &stores(&[(1, 10_000)])),
            record("c1", "s2", &stores(&[(2, 4000), (1, 6000)])),
            // Cleared: the ad set follows its campaign again.
            record("c1", "s1", &AssignmentChoice::Unassigned),
        ];
        let plan = SpendPlan::new(&ads, &assignments, &known);
        let owners = |ad: &str| -> Vec<(String, i64, bool)> {
            plan.shares
                .iter()
                .filter(|s| s.ad_id == ad)
                .map(|s| (s.owner.clone(), s.share, s.rest))
                .collect()
        };
        let one = Uuid::from_u128(1).to_string();
        let two = Uuid::from_u128(2).to_string();
        assert_eq!(owners("a1"), [(one.clone(), 10_000, true)]);
        assert_eq!(
            owners("a2"),
            [(two, 4000, false), (one, 6000, true)],
            "the larger share takes the remainder wherever it is listed"
        );
        assert!(owners("a3").is_empty(), "c2 is unassigned");
        assert_eq!(plan.decider("a2").unwrap().adset_id, "s2");
        assert_eq!(plan.decider("a1").unwrap().adset_id, "");
        assert!(plan.decider("a3").is_none());
    }

    #[test]
    fn a_share_of_a_removed_store_is_unassigned_and_no_store_is_its_own_owner() {
        let ads = [ad("a1", "c1", "s1"), ad("a2", "c2", "s2")];
        let known: HashSet<Uuid> = [Uuid::from_u128(1)].into();
        let assignments = [
            record("c1", "", &stores(&[(1, 5000), (9, 5000)])),
            record("c2", "", &AssignmentChoice::NoStore),
        ];
        let plan = SpendPlan::new(&ads, &assignments, &known);
        let a1: Vec<&str> = plan
            .shares
            .iter()
            .filter(|s| s.ad_id == "a1")
            .map(|s| s.owner.as_str())
            .collect();
        assert_eq!(
            a1,
            [Uuid::from_u128(1).to_string().as_str(), UNASSIGNED_OWNER]
        );
        let a2: Vec<&str> = plan
            .shares
            .iter()
            .filter(|s| s.ad_id == "a2")
            .map(|s| s.owner.as_str())
            .collect();
        assert_eq!(a2, [NO_STORE_OWNER]);
    }

    fn sale(store: u128, orders: i64, revenue_minor: i64) -> StoreSales {
        StoreSales {
            store: Uuid::from_u128(store),
            store_name: Some(format!("Cửa hàng {store}")),
            orders,
            revenue_minor,
        }
    }

    #[test]
    fn suggestions_share_by_revenue_in_whole_percents() {
        let known: BTreeMap<Uuid, String> = (1..=3)
            .map(|i| (Uuid::from_u128(i), format!("Cửa hàng {i}")))
            .collect();
        let percents = |sales: &[StoreSales]| -> Option<Vec<(u128, u32)>> {
            suggest(sales, &known).map(|shares| {
                shares
                    .iter()
                    .map(|s| (s.store.as_u128(), s.basis_points))
                    .collect()
            })
        };
        assert_eq!(percents(&[sale(1, 3, 900_000)]), Some(vec![(1, 10_000)]));
        // 2/3 and 1/3: 66 and 33, the remainder to the larger.
        assert_eq!(
            percents(&[sale(2, 1, 100_000), sale(1, 2, 200_000)]),
            Some(vec![(1, 6700), (2, 3300)])
        );
        // 0.4 % rounds down to nothing: left out.
        assert_eq!(
            percents(&[sale(1, 500, 99_600_000), sale(2, 1, 400_000)]),
            Some(vec![(1, 10_000)])
        );
        // A removed store (9) is not suggested; no revenue at all: by orders.
        assert_eq!(
            percents(&[sale(9, 5, 500), sale(1, 1, 0), sale(2, 3, 0)]),
            Some(vec![(2, 7500), (1, 2500)])
        );
        assert_eq!(percents(&[]), None);
    }
}
