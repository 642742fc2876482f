//! Alerts: what needs the owner's attention, found after every sync in the workspace's own data.
//!
//! The rules are stated here once (the README's "Alerts" table repeats them), as pure functions
//! over numbers the service reads; money is compared in integers so a figure exactly on a
//! threshold always falls the same side of it. Days are the workspace's local days, as in the
//! analytics report (and read through it, so the same orders count).
//!
//! - **Spend spike** (subject: the day): a day's Meta spend is more than `spend_spike_percent`
//!   (200 %) of the median spend of the 14 days before it, days without spend counting as 0. A
//!   median of 0 means there is nothing to compare with: no alert. Today and yesterday are
//!   looked at (Meta still revises yesterday); an episode ends when the day's spend falls back
//!   to the threshold or the day is older than yesterday.
//! - **ROAS drop** (subject: the workspace, and each store): over the last 7 complete days
//!   (yesterday and the 6 before), ROAS (POS) is below `roas_floor_percent` (1.00), or it is
//!   down by `roas_drop_percent` (30 %) or more on the 7 days before those. It is decided only
//!   for a week with both spend and counted orders, in one currency (a week of spend without a
//!   single sale says more about the store or its sync, which the rules below watch, than about
//!   the ads; in two currencies the report has no ROAS (POS)). The episode ends at the first
//!   evaluation where neither holds. For the workspace, all of Meta's spend against all orders;
//!   for a store (switched on), its own orders against the spend its campaigns' assignments
//!   give it (the analytics report with that store chosen): a store no campaign is assigned to
//!   has no spend, so no ROAS, and is not decided.
//! - **Store gone quiet** (subject: the store): the store's newest order is at least
//!   `quiet_min_minutes` (60) old, and in each of the `quiet_weeks` (4) weeks before, the same
//!   stretch of the week (the same weekday and local hours, from the time of that last order to
//!   now) had at least one order. "Usual" is thus the store's own history at that hour of that
//!   day of the week, in the workspace's time zone: a store that is always quiet on Sunday
//!   mornings never alerts then. A store whose latest sync failed is not decided (its orders
//!   may simply not have arrived; the sync-failing rule speaks for it). The episode ends when
//!   a new order arrives.
//! - **Sync failing** (subject: the integration): its latest finished run failed, and every run
//!   since the first failure after its last success has failed, for more than
//!   `sync_failing_hours` (6). The episode ends with the next successful run (or when the
//!   integration is turned off or deleted).
//! - **Meta token expiring** (subject: the integration): Graph reported an expiry for the
//!   access token, and it is at most `token_expiry_days` (7) away (or past). The episode ends
//!   when the token is replaced by one expiring later than that, or one that does not expire.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::domain::TenantId;

/// The rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[ts(export)]
pub enum AlertRule {
    SpendSpike,
    RoasDrop,
    StoreQuiet,
    SyncFailing,
    TokenExpiring,
}

impl AlertRule {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SpendSpike => "SPEND_SPIKE",
            Self::RoasDrop => "ROAS_DROP",
            Self::StoreQuiet => "STORE_QUIET",
            Self::SyncFailing => "SYNC_FAILING",
            Self::TokenExpiring => "TOKEN_EXPIRING",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::SpendSpike,
            Self::RoasDrop,
            Self::StoreQuiet,
            Self::SyncFailing,
            Self::TokenExpiring,
        ]
        .into_iter()
        .find(|rule| rule.as_str() == text)
    }
}

/// A workspace's thresholds. Absent fields take the defaults, so settings stored before a new
/// threshold existed keep working.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct AlertSettings {
    /// A day's spend above this percentage of the 14-day median is a spike (200: twice).
    pub spend_spike_percent: u32,
    /// ROAS (POS) below this, in hundredths (100: 1.00), alerts.
    pub roas_floor_percent: u32,
    /// ROAS (POS) down by this percentage or more on the week before alerts.
    pub roas_drop_percent: u32,
    /// How many past weeks must have had orders at this time for a silence to be unusual.
    pub quiet_weeks: u32,
    /// A silence shorter than this never alerts.
    pub quiet_min_minutes: u32,
    /// Failing for longer than this alerts.
    pub sync_failing_hours: u32,
    /// A token expiring within this many days alerts.
    pub token_expiry_days: u32,
}

impl Default for AlertSettings {
    fn default() -> Self {
        Self {
            spend_spike_percent: 200,
            roas_floor_percent: 100,
            roas_drop_percent: 30,
            quiet_weeks: 4,
            quiet_min_minutes: 60,
            sync_failing_hours: 6,
            token_expiry_days: 7,
        }
    }
}

impl AlertSettings {
    /// Each threshold within a range that means something; the message names the first one
    /// outside.
    pub fn validate(&self) -> Result<(), String> {
        let checks: [(&str, u32, u32, u32); 7] = [
            (
                "The spend spike threshold (%)",
                self.spend_spike_percent,
                101,
                10_000,
            ),
            (
                "The ROAS floor (hundredths)",
                self.roas_floor_percent,
                0,
                100_000,
            ),
            ("The ROAS drop (%)", self.roas_drop_percent, 1, 100),
            (
                "The weeks compared for a quiet store",
                self.quiet_weeks,
                1,
                12,
            ),
            (
                "The shortest quiet stretch (minutes)",
                self.quiet_min_minutes,
                15,
                10_080,
            ),
            ("The hours a sync may fail", self.sync_failing_hours, 1, 168),
            (
                "The days before a token expires",
                self.token_expiry_days,
                1,
                60,
            ),
        ];
        for (name, value, min, max) in checks {
            if !(min..=max).contains(&value) {
                return Err(format!(
                    "{name} must be between {min} and {max}; {value} is outside."
                ));
            }
        }
        Ok(())
    }
}

/// The figures that report an alert, per rule. Money is in minor units of `currency`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(
    tag = "rule",
    rename_all = "SCREAMING_SNAKE_CASE",
    rename_all_fields = "camelCase"
)]
#[ts(export)]
pub enum AlertDetails {
    SpendSpike {
        #[ts(type = "string")]
        day: NaiveDate,
        currency: String,
        /// Decimal digits of the currency's minor unit (0 for VND).
        exponent: u32,
        #[ts(type = "number")]
        spend_minor: i64,
        /// The median of the 14 days before, rounded half up (the rule compares it exactly).
        #[ts(type = "number")]
        median_minor: i64,
        threshold_percent: u32,
    },
    RoasDrop {
        /// The week: 7 complete days.
        #[ts(type = "string")]
        from: NaiveDate,
        #[ts(type = "string")]
        to: NaiveDate,
        currency: String,
        exponent: u32,
        #[ts(type = "number")]
        spend_minor: i64,
        #[ts(type = "number")]
        revenue_minor: i64,
        roas: f64,
        /// The week before; its ROAS is null without spend.
        #[ts(type = "number")]
        previous_spend_minor: i64,
        #[ts(type = "number")]
        previous_revenue_minor: i64,
        previous_roas: Option<f64>,
        below_floor: bool,
        dropped: bool,
        floor_percent: u32,
        drop_percent: u32,
    },
    StoreQuiet {
        last_order_at: DateTime<Utc>,
        #[ts(type = "number")]
        quiet_minutes: i64,
        /// Orders in the same stretch of each week before, the latest week first.
        #[ts(type = "Array<number>")]
        usual_orders: Vec<i64>,
    },
    SyncFailing {
        failing_since: DateTime<Utc>,
        failed_runs: u32,
        last_error: Option<String>,
        threshold_hours: u32,
    },
    TokenExpiring {
        expires_at: DateTime<Utc>,
        /// Whole days left, rounded down; negative once it has expired.
        #[ts(type = "number")]
        days_left: i64,
    },
}

impl AlertDetails {
    pub fn rule(&self) -> AlertRule {
        match self {
            Self::SpendSpike { .. } => AlertRule::SpendSpike,
            Self::RoasDrop { .. } => AlertRule::RoasDrop,
            Self::StoreQuiet { .. } => AlertRule::StoreQuiet,
            Self::SyncFailing { .. } => AlertRule::SyncFailing,
            Self::TokenExpiring { .. } => AlertRule::TokenExpiring,
        }
    }
}

/// The analytics report behind an alert: open Analytics with this range (and store).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ReportLink {
    #[ts(type = "string")]
    pub from: NaiveDate,
    #[ts(type = "string")]
    pub to: NaiveDate,
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store: Option<uuid::Uuid>,
}

/// One alert: an episode of a rule for one subject.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Alert {
    pub id: uuid::Uuid,
    pub rule: AlertRule,
    /// The day, the store or integration id, or empty for the whole workspace.
    pub subject: String,
    pub integration_id: Option<uuid::Uuid>,
    /// The store's or integration's name when the alert fired.
    pub integration_name: Option<String>,
    pub fired_at: DateTime<Utc>,
    /// When the condition stopped holding; null while it still does.
    pub cleared_at: Option<DateTime<Utc>>,
    pub dismissed_at: Option<DateTime<Utc>>,
    pub details: AlertDetails,
    pub report: Option<ReportLink>,
    /// Computed just now from the local copy while the server is out of reach: not stored,
    /// and it cannot be dismissed until the server is back.
    #[serde(default)]
    pub computed_offline: bool,
}

/// An alert that has just fired, with its workspace: what notifications are made of.
#[derive(Debug, Clone, PartialEq)]
pub struct FiredAlert {
    pub tenant: TenantId,
    pub alert: Alert,
}

/// The workspace's alerts as the app and the CLI show them.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AlertList {
    /// Open and past alerts, newest first.
    pub alerts: Vec<Alert>,
    /// Open, not dismissed: the tray's badge.
    pub unread: u32,
    /// The server is out of reach: the open alerts were computed just now from the local
    /// copy (and are not stored, nor can they be dismissed until it is back).
    pub computed_offline: bool,
}

/// What is kept in the `details` column: the figures, the report behind them and the name of
/// the store or integration (which an alert outlives).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredDetails {
    pub details: AlertDetails,
    pub report: Option<ReportLink>,
    pub integration_name: Option<String>,
}

/// Twice the median of `values` (exact in integers: the median of an even count may end in .5).
pub fn twice_median(values: &[i64]) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let middle = sorted.len() / 2;
    Some(if sorted.len() % 2 == 1 {
        2 * sorted[middle]
    } else {
        sorted[middle - 1] + sorted[middle]
    })
}

/// Spend spike: `spend` is above `percent` % of the median of `before`. `None` when the median
/// is 0 (nothing to compare with).
pub fn is_spend_spike(spend: i64, before: &[i64], percent: u32) -> Option<bool> {
    let twice = twice_median(before).filter(|twice| *twice > 0)?;
    // spend > percent/100 × twice/2  ⇔  200 × spend > percent × twice
    Some(200 * i128::from(spend) > i128::from(percent) * i128::from(twice))
}

/// ROAS (POS) of a week: revenue and spend in one currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Week {
    pub spend_minor: i64,
    pub revenue_minor: i64,
}

impl Week {
    pub fn roas(self) -> Option<f64> {
        (self.spend_minor > 0).then(|| self.revenue_minor as f64 / self.spend_minor as f64)
    }
}

/// ROAS drop: (below the floor, dropped by the threshold or more). `None` without spend.
pub fn roas_drop(
    week: Week,
    previous: Option<Week>,
    floor_percent: u32,
    drop_percent: u32,
) -> Option<(bool, bool)> {
    if week.spend_minor <= 0 {
        return None;
    }
    let (spend, revenue) = (i128::from(week.spend_minor), i128::from(week.revenue_minor));
    // revenue / spend < floor / 100
    let below_floor = 100 * revenue < i128::from(floor_percent) * spend;
    // (revenue / spend) ≤ (1 − drop/100) × (previous revenue / previous spend)
    let dropped = previous
        .filter(|before| before.spend_minor > 0 && before.revenue_minor > 0)
        .is_some_and(|before| {
            100 * revenue * i128::from(before.spend_minor)
                <= i128::from(100 - drop_percent.min(100))
                    * i128::from(before.revenue_minor)
                    * spend
        });
    Some((below_floor, dropped))
}

/// Store gone quiet: silent for at least the minimum, while each past week had orders in the
/// same stretch (`usual_orders`, one count per week).
pub fn is_store_quiet(quiet_minutes: i64, usual_orders: &[i64], settings: &AlertSettings) -> bool {
    quiet_minutes >= i64::from(settings.quiet_min_minutes)
        && !usual_orders.is_empty()
        && usual_orders.iter().all(|orders| *orders > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_two_middle_values_kept_exact() {
        assert_eq!(twice_median(&[5, 1, 3]), Some(6));
        assert_eq!(twice_median(&[4, 1, 2, 3]), Some(5));
        assert_eq!(twice_median(&[]), None);
    }

    #[test]
    fn a_spend_spike_is_strictly_above_the_threshold_and_needs_a_median_above_zero() {
        // Median 110,000 (7 days at 100,000, 7 at 120,000): twice is 220,000.
        let before: Vec<i64> = [100_000; 7].into_iter().chain([120_000; 7]).collect();
        assert_eq!(is_spend_spike(220_001, &before, 200), Some(true));
        assert_eq!(is_spend_spike(220_000, &before, 200), Some(false));
        assert_eq!(is_spend_spike(165_001, &before, 150), Some(true));
        assert_eq!(is_spend_spike(1_000_000, &[0; 14], 200), None);
    }

    #[test]
    fn roas_below_the_floor_or_down_thirty_percent_counts_exactly_at_the_line() {
        let week = |spend, revenue| Week {
            spend_minor: spend,
            revenue_minor: revenue,
        };
        // ROAS 0.99 < 1.00; 1.00 is not below.
        assert_eq!(roas_drop(week(100, 99), None, 100, 30), Some((true, false)));
        assert_eq!(
            roas_drop(week(100, 100), None, 100, 30),
            Some((false, false))
        );
        // 3.00 → 2.10 is down exactly 30 %; 2.11 is down 29.67 %.
        assert_eq!(
            roas_drop(week(1000, 2100), Some(week(1000, 3000)), 100, 30),
            Some((false, true))
        );
        assert_eq!(
            roas_drop(week(1000, 2110), Some(week(1000, 3000)), 100, 30),
            Some((false, false))
        );
        assert_eq!(roas_drop(week(0, 500), None, 100, 30), None);
    }

    #[test]
    fn settings_stored_before_a_threshold_existed_take_its_default() {
        let settings: AlertSettings = serde_json::from_str(r#"{"spendSpikePercent":300}"#).unwrap();
        assert_eq!(settings.spend_spike_percent, 300);
        assert_eq!(settings.sync_failing_hours, 6);
        assert!(AlertSettings::default().validate().is_ok());
        let bad = AlertSettings {
            roas_drop_percent: 0,
            ..AlertSettings::default()
        };
        assert!(bad.validate().unwrap_err().contains("ROAS drop"));
    }
}
