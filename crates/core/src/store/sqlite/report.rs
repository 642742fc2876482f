//! The report's sums.

use async_trait::async_trait;

use super::{ts, SqliteStore};
use crate::domain::TenantId;
use crate::store::{
    counted_status_sql, shares_json, split_insights_sql, AdRecord, AggregateKey, Dialect,
    InsightAggregate, OrderAggregate, OrderFilter, OwnedInsightAggregate, ReportStore, SpendShare,
    StoreResult, REVENUE_SQL,
};

#[async_trait]
impl ReportStore for SqliteStore {
    async fn report_orders(
        &self,
        tenant: TenantId,
        filter: &OrderFilter,
        key: AggregateKey,
    ) -> StoreResult<Vec<OrderAggregate>> {
        let key_sql = match key {
            AggregateKey::Day => filter.days.day_sql(Dialect::Sqlite, "inserted_at"),
            AggregateKey::Ad => "ad_id".to_string(),
            AggregateKey::Store => "integration_id".to_string(),
        };
        let sql = format!(
            "SELECT {key_sql} AS key, currency, sum({REVENUE_SQL}) AS revenue_minor, \
                    count(*) AS orders \
             FROM pancake_orders \
             WHERE tenant_id = ?1 AND inserted_at >= ?2 AND inserted_at < ?3 AND {} \
               AND (?4 IS NULL OR integration_id = ?4) \
             GROUP BY 1, 2",
            counted_status_sql()
        );
        Ok(sqlx::query_as(&sql)
            .bind(tenant.to_string())
            .bind(ts(filter.days.start))
            .bind(ts(filter.days.end))
            .bind(filter.store.map(|id| id.to_string()))
            .fetch_all(&self.pool)
            .await?)
    }

    async fn report_insights(
        &self,
        tenant: TenantId,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
        key: AggregateKey,
    ) -> StoreResult<Vec<InsightAggregate>> {
        let key_sql = match key {
            AggregateKey::Day => "day",
            AggregateKey::Ad => "ad_id",
            AggregateKey::Store => "''",
        };
        let sql = format!(
            "SELECT {key_sql} AS key, currency, sum(spend_minor) AS spend_minor, \
                    sum(impressions) AS impressions, sum(clicks) AS clicks, \
                    sum(purchases) AS purchases, \
                    sum(purchase_value_minor) AS purchase_value_minor \
             FROM meta_ad_insights \
             WHERE tenant_id = ? AND day BETWEEN ? AND ? \
             GROUP BY 1, 2"
        );
        Ok(sqlx::query_as(&sql)
            .bind(tenant.to_string())
            .bind(from.format("%Y-%m-%d").to_string())
            .bind(to.format("%Y-%m-%d").to_string())
            .fetch_all(&self.pool)
            .await?)
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
        Ok(sqlx::query_as(&split_insights_sql(Dialect::Sqlite, key))
            .bind(tenant.to_string())
            .bind(from.format("%Y-%m-%d").to_string())
            .bind(to.format("%Y-%m-%d").to_string())
            .bind(shares_json(shares))
            .bind(owner)
            .fetch_all(&self.pool)
            .await?)
    }

    async fn report_ads(&self, tenant: TenantId) -> StoreResult<Vec<AdRecord>> {
        let sql = "SELECT ad_id, ad_name, adset_id, adset_name, campaign_id, campaign_name \
                   FROM meta_ads WHERE tenant_id = ?";
        self.tenant_rows(sql, tenant).await
    }
}
