//! Spend per store: the decisions and the sales behind the suggestions.

use async_trait::async_trait;

use super::PostgresStore;
use crate::domain::TenantId;
use crate::store::{
    commit_or_stale, counted_status_sql, AdStoreSales, AssignmentStore, SpendAssignmentRecord,
    StoreResult, REVENUE_SQL,
};

pub(super) const ASSIGNMENT_COLUMNS: &str = "tenant_id, campaign_id, adset_id, \
     shares::text AS shares, decided_at, reassigned_at, changed_by, updated_at, row_version";

#[async_trait]
impl AssignmentStore for PostgresStore {
    async fn spend_assignments(&self, tenant: TenantId) -> StoreResult<Vec<SpendAssignmentRecord>> {
        let sql = format!(
            "SELECT {ASSIGNMENT_COLUMNS} FROM spend_assignments WHERE tenant_id = $1 \
             ORDER BY campaign_id, adset_id"
        );
        self.tenant_rows(&sql, tenant).await
    }

    async fn put_spend_assignment(
        &self,
        record: &SpendAssignmentRecord,
        expected_version: i64,
    ) -> StoreResult<SpendAssignmentRecord> {
        let mut tx = self.tenant_tx(record.tenant_id).await?;
        // The row version and updated_at come from the table's touch_row trigger.
        let sql = if expected_version == 0 {
            format!(
                "INSERT INTO spend_assignments (tenant_id, campaign_id, adset_id, shares, \
                 decided_at, reassigned_at, changed_by) \
                 VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7) \
                 ON CONFLICT (tenant_id, campaign_id, adset_id) DO NOTHING \
                 RETURNING {ASSIGNMENT_COLUMNS}"
            )
        } else {
            format!(
                "UPDATE spend_assignments SET shares = $4::jsonb, decided_at = $5, \
                 reassigned_at = $6, changed_by = $7 \
                 WHERE tenant_id = $1 AND campaign_id = $2 AND adset_id = $3 \
                   AND row_version = $8 \
                 RETURNING {ASSIGNMENT_COLUMNS}"
            )
        };
        let mut query = sqlx::query_as(&sql)
            .bind(record.tenant_id)
            .bind(&record.campaign_id)
            .bind(&record.adset_id)
            .bind(&record.shares)
            .bind(record.decided_at)
            .bind(record.reassigned_at)
            .bind(&record.changed_by);
        if expected_version != 0 {
            query = query.bind(expected_version);
        }
        let row = query.fetch_optional(&mut *tx).await?;
        commit_or_stale(tx, row).await
    }

    async fn ad_sales_by_store(&self, tenant: TenantId) -> StoreResult<Vec<AdStoreSales>> {
        let sql = format!(
            "SELECT ad_id, integration_id AS store, count(*) AS orders, \
                    sum({REVENUE_SQL})::bigint AS revenue_minor \
             FROM pancake_orders \
             WHERE tenant_id = $1 AND ad_id IS NOT NULL AND {} \
             GROUP BY ad_id, integration_id",
            counted_status_sql()
        );
        self.tenant_rows(&sql, tenant).await
    }
}
