//! What the analytics report asks of a store: sums of counted orders and of daily insights,
//! by day or by ad, and the synced ads. The sales rules are stated here once, as SQL both
//! dialects run, so SQLite and PostgreSQL count exactly the same orders; [`crate::analytics`]
//! puts the report together from the sums.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};

use super::{DayPlan, StoreResult};
use crate::domain::TenantId;

/// Pancake order statuses that count as sales: new (0), waiting for confirmation (17),
/// restocking (11), purchased (20), confirmed (1), waiting for printing (12), printed (13),
/// packing (8), waiting for pick-up (9), shipped (2), received (3), money collected (16).
pub const COUNTED_STATUSES: [i64; 12] = [0, 17, 11, 20, 1, 12, 13, 8, 9, 2, 3, 16];

/// An order's revenue in minor units, as SQL both stores understand.
pub const REVENUE_SQL: &str = "CASE WHEN total_price > 0 \
     THEN CASE WHEN total_price > total_discount THEN total_price - total_discount ELSE 0 END \
     ELSE CASE WHEN cod > shipping_fee THEN cod - shipping_fee ELSE 0 END END";

/// The SQL condition selecting counted orders.
pub fn counted_status_sql() -> String {
    let codes: Vec<String> = COUNTED_STATUSES.iter().map(i64::to_string).collect();
    format!("status IN ({})", codes.join(", "))
}

/// Counted orders, summed by the requested key (the local day, or the ad id; `None` for
/// orders without one).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OrderAggregate {
    pub key: Option<String>,
    pub currency: Option<String>,
    pub revenue_minor: i64,
    pub orders: i64,
}

/// Daily insights, summed by the requested key (the day, or the ad id).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct InsightAggregate {
    pub key: String,
    pub currency: String,
    pub spend_minor: i64,
    pub impressions: i64,
    pub clicks: i64,
    pub purchases: i64,
    pub purchase_value_minor: i64,
}

/// A synced Meta ad with its ad set and campaign.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AdRecord {
    pub ad_id: String,
    pub ad_name: Option<String>,
    pub campaign_id: Option<String>,
    pub campaign_name: Option<String>,
}

/// How the store groups the rows it sums.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggregateKey {
    Day,
    Ad,
}

/// The orders one report reads.
#[derive(Debug, Clone)]
pub struct OrderFilter {
    pub days: DayPlan,
    pub store: Option<uuid::Uuid>,
}

/// The two SQL dialects the stores speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Postgres,
    Sqlite,
}

impl Dialect {
    /// An instant literal comparable with the dialect's stored timestamps (SQLite stores the
    /// same RFC 3339 text, so text order is time order).
    pub fn instant(self, at: DateTime<Utc>) -> String {
        let text = at.to_rfc3339_opts(SecondsFormat::Micros, true);
        match self {
            Dialect::Postgres => format!("'{text}'::timestamptz"),
            Dialect::Sqlite => format!("'{text}'"),
        }
    }

    pub(super) fn date(self, date: NaiveDate) -> String {
        match self {
            Dialect::Postgres => format!("DATE '{}'", date.format("%Y-%m-%d")),
            Dialect::Sqlite => format!("'{}'", date.format("%Y-%m-%d")),
        }
    }

    pub(super) fn shifted_date(self, column: &str, seconds: i32) -> String {
        match self {
            Dialect::Postgres => {
                format!("(({column} AT TIME ZONE 'UTC') + make_interval(secs => {seconds}))::date")
            }
            // Whole seconds first: SQLite reads fractions to the millisecond only, and would
            // round 23:59:59.9999 up into the next day.
            Dialect::Sqlite => format!("date(substr({column}, 1, 19), '{seconds:+} seconds')"),
        }
    }
}

/// The sums the analytics report is built from.
#[async_trait]
pub trait ReportStore: Send + Sync {
    /// Counted orders created within the plan's days, summed by local day or by ad id.
    async fn report_orders(
        &self,
        tenant: TenantId,
        filter: &OrderFilter,
        key: AggregateKey,
    ) -> StoreResult<Vec<OrderAggregate>>;
    /// Daily insights of the days `from..=to`, summed by day or by ad id.
    async fn report_insights(
        &self,
        tenant: TenantId,
        from: NaiveDate,
        to: NaiveDate,
        key: AggregateKey,
    ) -> StoreResult<Vec<InsightAggregate>>;
    /// Every synced Meta ad with its campaign.
    async fn report_ads(&self, tenant: TenantId) -> StoreResult<Vec<AdRecord>>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_rule_leaves_out_cancellations_deletions_and_returns() {
        for excluded in [4, 5, 6, 7, 15, 19] {
            assert!(!COUNTED_STATUSES.contains(&excluded), "{excluded}");
        }
        assert_eq!(
            counted_status_sql(),
            "status IN (0, 17, 11, 20, 1, 12, 13, 8, 9, 2, 3, 16)"
        );
    }
}
