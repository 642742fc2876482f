//! The report's sums.

use async_trait::async_trait;

use super::PostgresStore;
use crate::domain::TenantId;
use crate::store::{
    counted_status_sql, shares_json, split_insights_sql, AdRecord, AggregateKey, Dialect,
    InsightAggregate, OrderAggregate, OrderFilter, OwnedInsightAggregate, ReportStore, SpendShare,
    StoreResult, REVENUE_SQL,
};

#[async_trait]
impl ReportStore for PostgresStore {
    async fn report_orders(
        &self,
        tenant: TenantId,
        filter: &OrderFilter,
        key: AggregateKey,
    ) -> StoreResult<Vec<OrderAggregate>> {
        // Grouped on the date itself and formatted per group, not per row.
        let (group, key_sql) = match key {
            AggregateKey::Day => {
                let day = filter.days.day_sql(Dialect::Postgres, "inserted_at");
                (day.clone(), format!("to_char({day}, 'YYYY-MM-DD')"))
            }
            AggregateKey::Ad => ("ad_id".to_string(), "ad_id".to_string()),
            AggregateKey::Store => (
                "integration_id".to_string(),
                "integration_id::text".to_string(),
            ),
        };
        let sql = format!(
            "SELECT {key_sql} AS key, currency, sum({REVENUE_SQL})::bigint AS revenue_minor, \
                    count(*) AS orders \
             FROM pancake_orders \
             WHERE tenant_id = $1 AND inserted_at >= $2 AND inserted_at < $3 AND {} \
               AND ($4::uuid IS NULL OR integration_id = $4) \
             GROUP BY {group}, currency",
            counted_status_sql()
        );
        let statement = sqlx::query_as(&sql)
            .bind(tenant)
            .bind(filter.days.start)
            .bind(filter.days.end)
            .bind(filter.store);
        self.as_tenant(tenant, async |tx| statement.fetch_all(tx).await)
            .await
    }

    async fn report_insights(
        &self,
        tenant: TenantId,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
        key: AggregateKey,
    ) -> StoreResult<Vec<InsightAggregate>> {
        let (group, key_sql) = match key {
            AggregateKey::Day => ("day", "to_char(day, 'YYYY-MM-DD')"),
            AggregateKey::Ad => ("ad_id", "ad_id"),
            // Insights know no store: the account's sums under one empty key.
            AggregateKey::Store => ("currency", "''"),
        };
        let sql = format!(
            "SELECT {key_sql} AS key, currency, sum(spend_minor)::bigint AS spend_minor, \
                    sum(impressions)::bigint AS impressions, sum(clicks)::bigint AS clicks, \
                    sum(purchases)::bigint AS purchases, \
                    sum(purchase_value_minor)::bigint AS purchase_value_minor \
             FROM meta_ad_insights \
             WHERE tenant_id = $1 AND day BETWEEN $2 AND $3 \
             GROUP BY {group}, currency"
        );
        let statement = sqlx::query_as(&sql).bind(tenant).bind(from).bind(to);
        self.as_tenant(tenant, async |tx| statement.fetch_all(tx).await)
            .await
    }

    async fn report_split_insights(
        &self,
        tenant: TenantId,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
        key: AggregateKey,
        shares: &[SpendShare],
        owner: Option<&str>,
    ) -> StoreResult<Vec<OwnedInsightAggregate>> {
        let sql = split_insights_sql(Dialect::Postgres, key);
        let statement = sqlx::query_as(&sql)
            .bind(tenant)
            .bind(from)
            .bind(to)
            .bind(shares_json(shares))
            .bind(owner);
        self.as_tenant(tenant, async |tx| statement.fetch_all(tx).await)
            .await
    }

    async fn report_ads(&self, tenant: TenantId) -> StoreResult<Vec<AdRecord>> {
        let sql = "SELECT ad_id, ad_name, adset_id, adset_name, campaign_id, campaign_name \
                   FROM meta_ads WHERE tenant_id = $1";
        self.tenant_rows(sql, tenant).await
    }
}
