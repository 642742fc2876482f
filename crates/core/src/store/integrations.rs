//! Integrations as stored: ciphertext, never plaintext credentials.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::decode::DbUuid;
use super::StoreResult;
use crate::domain::{IntegrationId, IntegrationStatus, Provider, TenantId};

/// An integration row as stored: ciphertext, never plaintext credentials.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct IntegrationRecord {
    #[sqlx(try_from = "DbUuid")]
    pub id: IntegrationId,
    #[sqlx(try_from = "DbUuid")]
    pub tenant_id: TenantId,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub provider: Provider,
    pub description: Option<String>,
    pub credentials: String,
    pub credentials_hint: String,
    /// JSON of [`crate::domain::IntegrationConfig`].
    pub config: String,
    /// The shop id or ad account id: what the uniqueness rules are about.
    pub external_id: String,
    #[sqlx(try_from = "String")]
    pub status: IntegrationStatus,
    pub enabled: bool,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_sync_at: Option<DateTime<Utc>>,
    #[sqlx(rename = "row_version")]
    pub version: i64,
}

#[async_trait]
pub trait IntegrationStore: Send + Sync {
    /// Oldest first.
    async fn list_integrations(&self, tenant: TenantId) -> StoreResult<Vec<IntegrationRecord>>;
    async fn get_integration(
        &self,
        tenant: TenantId,
        id: IntegrationId,
    ) -> StoreResult<Option<IntegrationRecord>>;
    async fn insert_integration(
        &self,
        record: &IntegrationRecord,
    ) -> StoreResult<IntegrationRecord>;
    /// Writes every mutable field of `record` if the stored version is still `expected_version`.
    async fn update_integration(
        &self,
        record: &IntegrationRecord,
        expected_version: i64,
    ) -> StoreResult<IntegrationRecord>;
    /// Returns whether a row was deleted.
    async fn delete_integration(&self, tenant: TenantId, id: IntegrationId) -> StoreResult<bool>;
}
