//! What the analytics report asks of a store: sums of counted orders and of daily insights,
//! by day, by ad or by store, and the synced ads. The sales rules and the split of spend among
//! stores are stated here once, as SQL both dialects run, so SQLite and PostgreSQL count exactly
//! the same orders and the same đồng; [`crate::analytics`] puts the report together from the
//! sums.

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

/// Daily insights split among the stores their spend belongs to, summed by the requested key
/// and owner ([`SpendShare::owner`]).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OwnedInsightAggregate {
    pub owner: String,
    #[sqlx(flatten)]
    pub figures: InsightAggregate,
}

/// A synced Meta ad with its ad set and campaign.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AdRecord {
    pub ad_id: String,
    pub ad_name: Option<String>,
    pub adset_id: Option<String>,
    pub adset_name: Option<String>,
    pub campaign_id: Option<String>,
    pub campaign_name: Option<String>,
}

/// How the store groups the rows it sums.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggregateKey {
    Day,
    Ad,
    /// Orders by the store that sold them. Insights know no store: summed without one they
    /// come under the key `""`, and split among stores they come by owner.
    Store,
}

/// The owner of spend that belongs to no store because nobody decided yet (a campaign not
/// assigned, a share whose store was removed, an ad Meta reported without its campaign).
pub const UNASSIGNED_OWNER: &str = "unassigned";
/// The owner of spend that the user said belongs to no store.
pub const NO_STORE_OWNER: &str = "none";
/// A whole share, in basis points (1/100 of a percent).
pub const WHOLE_SHARE: i64 = 10_000;

/// One ad's part of its spend for one owner: a store's id, [`NO_STORE_OWNER`] or
/// [`UNASSIGNED_OWNER`]. An ad's parts add up to [`WHOLE_SHARE`] and exactly one of them takes
/// the remainder (`rest`); an ad without parts is unassigned. Made by
/// [`crate::analytics::assignment::SpendPlan`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SpendShare {
    pub ad_id: String,
    pub owner: String,
    pub share: i64,
    pub rest: bool,
}

/// Every figure of a Meta row is split alike.
const SPLIT_FIGURES: [&str; 5] = [
    "spend_minor",
    "impressions",
    "clicks",
    "purchases",
    "purchase_value_minor",
];

/// The split of spend among stores, as SQL both dialects run: **each insight row (one ad, one
/// day) is split on its own**, so a store's figures are the same whichever way they are grouped,
/// and all owners together always add up to the row. An owner gets `figure × share ÷ 10000`
/// rounded down, in whole minor units; the owner marked `rest` (the largest share, the first
/// listed among equals) also gets what rounding left over, so not a đồng is lost.
///
/// Parameters: tenant, first day, last day, the ads' [`SpendShare`]s as JSON, and an owner to
/// keep (NULL: all). Rows come as [`OwnedInsightAggregate`], keyed by day, ad id or (for
/// [`AggregateKey::Store`]) the owner.
pub fn split_insights_sql(dialect: Dialect, key: AggregateKey) -> String {
    let (shares, p) = match dialect {
        Dialect::Postgres => (
            "SELECT * FROM jsonb_to_recordset($4::jsonb) \
                 AS s(ad_id text, owner text, share bigint, rest boolean)",
            ["$1", "$2", "$3", "$5::text"],
        ),
        Dialect::Sqlite => (
            "SELECT json_extract(value, '$.ad_id') AS ad_id, \
                    json_extract(value, '$.owner') AS owner, \
                    json_extract(value, '$.share') AS share, \
                    json_extract(value, '$.rest') AS rest \
             FROM json_each(?4)",
            ["?1", "?2", "?3", "?5"],
        ),
    };
    let (group, key_sql) = match (key, dialect) {
        (AggregateKey::Day, Dialect::Postgres) => ("day", "to_char(day, 'YYYY-MM-DD')"),
        (AggregateKey::Day, Dialect::Sqlite) => ("day", "day"),
        (AggregateKey::Ad, _) => ("ad_id", "ad_id"),
        (AggregateKey::Store, _) => ("owner", "owner"),
    };
    let sum = |column: &str| match dialect {
        Dialect::Postgres => format!("sum({column})::bigint AS {column}"),
        Dialect::Sqlite => format!("sum({column}) AS {column}"),
    };
    let whole = |f: &str| format!("i.{f} AS whole_{f}");
    let floor =
        |f: &str| format!("i.{f} * coalesce(s.share, {WHOLE_SHARE}) / {WHOLE_SHARE} AS {f}");
    // PostgreSQL sums bigints as numeric: back to bigint before the arithmetic.
    let row_total = match dialect {
        Dialect::Postgres => "::bigint",
        Dialect::Sqlite => "",
    };
    let fair = |f: &str| {
        format!(
            "{f} + CASE WHEN rest THEN whole_{f} - (sum({f}) OVER same_row){row_total} ELSE 0 END \
             AS {f}"
        )
    };
    let list = |each: &dyn Fn(&str) -> String| {
        SPLIT_FIGURES
            .iter()
            .map(|f| each(f))
            .collect::<Vec<_>>()
            .join(", ")
    };
    format!(
        "WITH shares AS ({shares}), \
         parts AS ( \
             SELECT i.day, i.ad_id, i.currency, coalesce(s.owner, '{UNASSIGNED_OWNER}') AS owner, \
                    coalesce(s.rest, {true_}) AS rest, {wholes}, {floors} \
             FROM meta_ad_insights i LEFT JOIN shares s ON s.ad_id = i.ad_id \
             WHERE i.tenant_id = {tenant} AND i.day BETWEEN {from} AND {to}), \
         fair AS ( \
             SELECT day, ad_id, currency, owner, {fairs} \
             FROM parts WINDOW same_row AS (PARTITION BY ad_id, day)) \
         SELECT {key_sql} AS key, owner, currency, {sums} \
         FROM fair WHERE ({owner} IS NULL OR owner = {owner}) \
         GROUP BY {group}, owner, currency",
        true_ = match dialect {
            Dialect::Postgres => "true",
            Dialect::Sqlite => "1",
        },
        wholes = list(&whole),
        floors = list(&floor),
        fairs = list(&fair),
        sums = list(&sum),
        tenant = p[0],
        from = p[1],
        to = p[2],
        owner = p[3],
    )
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
    /// Daily insights of the days `from..=to`, each row split among the owners of its ad's
    /// `shares` ([`split_insights_sql`]), summed by day, ad id or owner; one owner's only when
    /// `owner` is given.
    async fn report_split_insights(
        &self,
        tenant: TenantId,
        from: NaiveDate,
        to: NaiveDate,
        key: AggregateKey,
        shares: &[SpendShare],
        owner: Option<&str>,
    ) -> StoreResult<Vec<OwnedInsightAggregate>>;
    /// Every synced Meta ad with its ad set and campaign.
    async fn report_ads(&self, tenant: TenantId) -> StoreResult<Vec<AdRecord>>;
}

/// The shares as the split query takes them.
pub fn shares_json(shares: &[SpendShare]) -> String {
    serde_json::to_string(shares).expect("shares serialize")
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
