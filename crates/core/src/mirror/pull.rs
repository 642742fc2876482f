//! Pulling the followed tenant's changes from the server into the mirror, by row version.

use chrono::{DateTime, Utc};

use super::SharedStore;
use crate::domain::TenantId;
use crate::store::StoreResult;

impl SharedStore {
    /// Brings the tenant's rows in the mirror up to date with the server.
    pub async fn pull(&self, tenant: TenantId) -> StoreResult<usize> {
        let (cursor, _) = self.mirror.mirror_cursor(tenant).await?;
        let server = self.ready().await?;
        let changes = self.probe(server.pull_changes(tenant, cursor)).await?;
        let changed = self.mirror.apply_pull(tenant, &changes, Utc::now()).await?;
        if changed > 0 {
            tracing::debug!(changed, "mirror updated");
            self.bump();
        }
        Ok(changed)
    }

    /// When the mirror last caught up with the server for this tenant.
    pub async fn mirror_as_of(&self, tenant: TenantId) -> StoreResult<Option<DateTime<Utc>>> {
        Ok(self.mirror.mirror_cursor(tenant).await?.1)
    }
}
