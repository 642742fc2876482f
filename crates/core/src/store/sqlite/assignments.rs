//! Spend per store: the decisions and the sales behind the suggestions.

use async_trait::async_trait;
use chrono::Utc;

use super::{ts, SqliteStore};
use crate::domain::TenantId;
use crate::store::{
    counted_status_sql, AdStoreSales, AssignmentStore, SpendAssignmentRecord, StoreResult,
    REVENUE_SQL,
};

pub(super) const ASSIGNMENT_COLUMNS: &str = "tenant_id, campaign_id, adset_id, shares, \
     decided_at, reassigned_at, changed_by, updated_at, row_version";

#[async_trait]
impl AssignmentStore for SqliteStore {
    async fn spend_assignments(&self, tenant: TenantId) -> StoreResult<Vec<SpendAssignmentRecord>> {
        let sql = format!(
            "SELECT {ASSIGNMENT_COLUMNS} FROM spend_assignments WHERE tenant_id = ? \
             ORDER BY campaign_id, adset_id"
        );
        self.tenant_rows(&sql, tenant).await
    }

    async fn put_spend_assignment(
        &self,
        record: &SpendAssignmentRecord,
        expected_version: i64,
    ) -> StoreResult<SpendAssignmentRecord> {
        let sql = if expected_version == 0 {
            format!(
                "INSERT INTO spend_assignments (tenant_id, campaign_id, adset_id, shares, \
                 decided_at, reassigned_at, changed_by, created_at, updated_at, row_version) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9) \
                 ON CONFLICT (tenant_id, campaign_id, adset_id) DO NOTHING \
                 RETURNING {ASSIGNMENT_COLUMNS}"
            )
        } else {
            format!(
                "UPDATE spend_assignments SET shares = ?4, decided_at = ?5, reassigned_at = ?6, \
                 changed_by = ?7, updated_at = ?8, row_version = ?9 \
                 WHERE tenant_id = ?1 AND campaign_id = ?2 AND adset_id = ?3 \
                   AND row_version = ?10 \
                 RETURNING {ASSIGNMENT_COLUMNS}"
            )
        };
        self.write_or_stale(|version| {
            let query = bind_assignment_columns!(sqlx::query_as(&sql), record)
                .bind(ts(Utc::now()))
                .bind(version);
            if expected_version == 0 {
                query
            } else {
                query.bind(expected_version)
            }
        })
        .await
    }

    async fn ad_sales_by_store(&self, tenant: TenantId) -> StoreResult<Vec<AdStoreSales>> {
        let sql = format!(
            "SELECT ad_id, integration_id AS store, count(*) AS orders, \
                    sum({REVENUE_SQL}) AS revenue_minor \
             FROM pancake_orders \
             WHERE tenant_id = ? AND ad_id IS NOT NULL AND {} \
             GROUP BY ad_id, integration_id",
            counted_status_sql()
        );
        self.tenant_rows(&sql, tenant).await
    }
}
