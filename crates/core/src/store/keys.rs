//! Each workspace's data keys, stored wrapped by the master key (the service wraps and
//! unwraps; the store never sees a key in the clear).

use async_trait::async_trait;

use super::StoreResult;
use crate::domain::{IntegrationId, TenantId};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TenantKeyRecord {
    #[sqlx(try_from = "i32")]
    pub version: u32,
    pub wrapped_key: String,
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
}
