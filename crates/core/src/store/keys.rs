//! Each workspace's data keys, stored wrapped by the master key and, in shared mode, by the
//! workspace's own key (the service wraps and unwraps; the store never sees a key in the clear).

use async_trait::async_trait;

use super::StoreResult;
use crate::domain::{IntegrationId, TenantId};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TenantKeyRecord {
    #[sqlx(try_from = "i32")]
    pub version: u32,
    /// Wrapped by the master key (`imk1`), or for it with its public half (`imk2`).
    pub wrapped_key: String,
    /// Wrapped by the workspace key (shared mode); `None` in standalone mode and for a workspace
    /// that has no access yet.
    pub workspace_wrapped_key: Option<String>,
}

/// A credential re-sealed under a new key, applied only if the row still holds `old`.
#[derive(Debug, Clone)]
pub struct Reencryption {
    pub integration_id: IntegrationId,
    pub old: String,
    pub new: String,
}

#[async_trait]
pub trait KeyStore: Send + Sync {
    /// Oldest version first.
    async fn tenant_keys(&self, tenant: TenantId) -> StoreResult<Vec<TenantKeyRecord>>;
    async fn insert_tenant_key(&self, tenant: TenantId, key: &TenantKeyRecord) -> StoreResult<()>;
    /// Key rotation in one transaction: the new key and every re-sealed credential, or nothing.
    async fn rotate_tenant_key(
        &self,
        tenant: TenantId,
        key: &TenantKeyRecord,
        reencryptions: &[Reencryption],
    ) -> StoreResult<()>;
    /// The master key's public half, as `admin init` recorded it (shared mode; `None` where
    /// there is no server).
    async fn master_public_key(&self) -> StoreResult<Option<String>> {
        Ok(None)
    }
    /// The workspace key wrapped by the master key (shared mode's server side; `None` for a
    /// workspace without access, and where there is no server).
    async fn workspace_escrow(&self, _tenant: TenantId) -> StoreResult<Option<String>> {
        Ok(None)
    }
}
