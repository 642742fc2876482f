//! Spend per store as stored: which Pancake store(s) each Meta campaign (or ad set) belongs to,
//! versioned like integrations, and the sales the suggestions are made from. The rules that
//! read the decisions are in [`crate::analytics::assignment`].

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::decode::DbUuid;
use super::StoreResult;
use crate::domain::TenantId;

/// One decision as stored (`migrations/postgres/0007_spend_assignments.sql`).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SpendAssignmentRecord {
    #[sqlx(try_from = "DbUuid")]
    pub tenant_id: TenantId,
    pub campaign_id: String,
    /// Empty for the campaign as a whole.
    pub adset_id: String,
    /// JSON: NULL not decided, `[]` no store, else `[{"store": …, "share": …}]` in basis
    /// points ([`crate::analytics::assignment::Decision`] reads and writes it).
    pub shares: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub reassigned_at: Option<DateTime<Utc>>,
    /// Who made the last change (their email).
    pub changed_by: Option<String>,
    pub updated_at: DateTime<Utc>,
    #[sqlx(rename = "row_version")]
    pub version: i64,
}

/// Counted orders naming one ad, sold in one store: the evidence behind a suggestion.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AdStoreSales {
    pub ad_id: String,
    #[sqlx(try_from = "DbUuid")]
    pub store: uuid::Uuid,
    pub orders: i64,
    pub revenue_minor: i64,
}

#[async_trait]
pub trait AssignmentStore: Send + Sync {
    /// Every decision of the workspace (campaigns and ad sets; undecided rows included).
    async fn spend_assignments(&self, tenant: TenantId) -> StoreResult<Vec<SpendAssignmentRecord>>;
    /// Writes `record` (its shares, times and author) if the stored row is still at
    /// `expected_version`, 0 standing for "no row yet". [`super::StoreError::Stale`] otherwise.
    async fn put_spend_assignment(
        &self,
        record: &SpendAssignmentRecord,
        expected_version: i64,
    ) -> StoreResult<SpendAssignmentRecord>;
    /// Counted orders (the report's status rule) that name an ad, summed by ad and store.
    async fn ad_sales_by_store(&self, tenant: TenantId) -> StoreResult<Vec<AdStoreSales>>;
}
