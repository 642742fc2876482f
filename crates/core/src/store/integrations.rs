//! Integrations as stored: ciphertext, never plaintext credentials.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::decode::DbUuid;
use super::StoreResult;
use crate::domain::{IntegrationId, IntegrationStatus, Provider, TenantId};

/// The fields an insert and an edit both write, `description` to `last_error`, in table order
/// (after `name`, and after `provider` on insert), bound alike in both dialects. A macro, so it
/// serves `query` and each statement's typed `query_as`.
macro_rules! bind_edited_fields {
    ($query:expr, $record:expr) => {
        $query
            .bind(&$record.description)
            .bind(&$record.credentials)
            .bind(&$record.credentials_hint)
            .bind(&$record.config)
            .bind(&$record.external_id)
            .bind($record.status.as_str())
            .bind($record.enabled)
            .bind(&$record.last_error)
    };
}
pub(super) use bind_edited_fields;

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
    /// Moves on with every write (a sync's outcome too): what the mirror pulls by.
    pub row_version: i64,
    /// Moves on only with what a user edits (name, description, credentials, shop or ad
    /// account, on/off) and a connection test's verdict: what an edit is checked against, so a
    /// sync finishing while an edit is open does not make it stale.
    pub edit_version: i64,
}

/// How a sync run ended, as the integration shows it. Written without touching what a user
/// edits or its version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncOutcome {
    /// When the run finished, if it succeeded.
    pub synced_at: Option<DateTime<Utc>>,
    /// The run's error, or `None` after a success.
    pub last_error: Option<String>,
    /// The status it proves (ACTIVE after a success, ERROR for a refused credential); never
    /// written over DISABLED, which only the user changes.
    pub status: Option<IntegrationStatus>,
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
    /// Writes every mutable field of `record` if its edit version is still `expected_version`
    /// (a sync's outcome in between does not count), and moves the edit version on.
    async fn update_integration(
        &self,
        record: &IntegrationRecord,
        expected_version: i64,
    ) -> StoreResult<IntegrationRecord>;
    /// Records a sync run's outcome; `None` if the integration is gone.
    async fn record_sync_outcome(
        &self,
        tenant: TenantId,
        id: IntegrationId,
        outcome: &SyncOutcome,
    ) -> StoreResult<Option<IntegrationRecord>>;
    /// Returns whether a row was deleted.
    async fn delete_integration(&self, tenant: TenantId, id: IntegrationId) -> StoreResult<bool>;
}
