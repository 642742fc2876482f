//! Each workspace's data keys: created on first use, wrapped by the master key, rotated with
//! every credential re-sealed in one transaction.

use serde::Serialize;
use ts_rs::TS;

use super::Core;
use crate::auth::Session;
use crate::crypto::{envelope_key_version, DataKey, TenantKeyring};
use crate::domain::{Credentials, IntegrationId, TenantId};
use crate::error::{CoreError, CoreResult};
use crate::store::{Constraint, IntegrationRecord, Reencryption, StoreError, TenantKeyRecord};

#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct KeyRotation {
    pub key_version: u32,
    pub reencrypted: usize,
}

impl Core {
    /// The tenant's data keys, creating version 1 on first use.
    pub(super) async fn keyring(&self, tenant: TenantId) -> CoreResult<TenantKeyring> {
        let mut records = self.store.tenant_keys(tenant).await?;
        if records.is_empty() {
            let key = DataKey::generate(1);
            let record = TenantKeyRecord {
                version: 1,
                wrapped_key: self.master.wrap(tenant, &key),
            };
            match self.store.insert_tenant_key(tenant, &record).await {
                Ok(()) | Err(StoreError::Conflict(Constraint::TenantKeyVersion)) => {}
                Err(err) => return Err(err.into()),
            }
            records = self.store.tenant_keys(tenant).await?;
        }
        let mut keys = Vec::with_capacity(records.len());
        for record in records {
            let key = self
                .master
                .unwrap(tenant, record.version, &record.wrapped_key)
                .map_err(|_| {
                    CoreError::Configuration(
                        "The master key does not match this database: stored credentials cannot \
                         be opened. Set the INTEGRATIONS_MASTER_KEY this database was created with."
                            .into(),
                    )
                })?;
            keys.push(key);
        }
        Ok(TenantKeyring::new(keys))
    }

    pub(super) fn seal(
        keyring: &TenantKeyring,
        tenant: TenantId,
        id: IntegrationId,
        credentials: &Credentials,
    ) -> CoreResult<String> {
        let key = keyring
            .current()
            .ok_or_else(|| CoreError::internal("sealing credentials", &"no tenant key"))?;
        Ok(key.seal(tenant, id, &credentials.to_plaintext()))
    }

    pub(super) fn open(
        keyring: &TenantKeyring,
        record: &IntegrationRecord,
    ) -> CoreResult<Credentials> {
        let plaintext = keyring
            .open(record.tenant_id, record.id, &record.credentials)
            .map_err(|err| CoreError::internal("opening credentials", &err))?;
        Credentials::from_plaintext(record.provider, &plaintext)
    }

    /// Re-seals every credential of the tenant under a new key version, in one transaction:
    /// interrupted, it leaves everything as it was (old keys are kept, so nothing is stranded).
    pub async fn rotate_keys(&self, session: &Session) -> CoreResult<KeyRotation> {
        self.require_online("Rotating the encryption keys")?;
        let tenant = session.tenant_id();
        let keyring = self.keyring(tenant).await?;
        let new_key = DataKey::generate(keyring.current_version() + 1);
        let records = self.store.list_integrations(tenant).await?;
        let mut reencryptions = Vec::with_capacity(records.len());
        for record in &records {
            let credentials = Self::open(&keyring, record)?;
            reencryptions.push(Reencryption {
                integration_id: record.id,
                old: record.credentials.clone(),
                new: new_key.seal(tenant, record.id, &credentials.to_plaintext()),
            });
        }
        let key_record = TenantKeyRecord {
            version: new_key.version(),
            wrapped_key: self.master.wrap(tenant, &new_key),
        };
        self.store
            .rotate_tenant_key(tenant, &key_record, &reencryptions)
            .await
            .map_err(|err| {
                match err {
                StoreError::Stale => CoreError::Conflict(
                    "An integration changed during key rotation; nothing was changed. Run it again."
                        .into(),
                ),
                other => other.into(),
            }
            })?;
        Ok(KeyRotation {
            key_version: new_key.version(),
            reencrypted: reencryptions.len(),
        })
    }

    /// Which key version each of the tenant's credentials is sealed with (for `status` and
    /// rotation checks).
    pub async fn credential_key_versions(&self, session: &Session) -> CoreResult<Vec<u32>> {
        let records = self.store.list_integrations(session.tenant_id()).await?;
        records
            .iter()
            .map(|record| {
                envelope_key_version(&record.credentials)
                    .map_err(|err| CoreError::internal("reading envelope", &err))
            })
            .collect()
    }
}
