//! Each workspace's data keys: created on first use, wrapped by the master key, rotated with
//! every credential re-sealed in one transaction.

use serde::Serialize;
use ts_rs::TS;

use super::Core;
use crate::auth::Session;
use crate::crypto::{
    envelope_key_version, DataKey, MasterKey, MasterPublicKey, TenantKeyring, WorkspaceKey,
};
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

/// What a core opens data keys with.
pub(super) enum Keys {
    /// Standalone mode, and shared mode's server side (the worker, the operator).
    Master(MasterKey),
    /// A client joined to one workspace of a shared server.
    Workspace {
        key: WorkspaceKey,
        workspace: TenantId,
    },
}

fn key_mismatch() -> CoreError {
    CoreError::Configuration(
        "This workspace's data keys do not open with the key this computer holds: its access \
         was rotated. Ask the operator for a new connection code and join again."
            .into(),
    )
}

impl Core {
    /// The tenant's data keys, creating version 1 on first use.
    pub(super) async fn keyring(&self, tenant: TenantId) -> CoreResult<TenantKeyring> {
        let mut records = self.store.tenant_keys(tenant).await?;
        if records.is_empty() {
            let key = DataKey::generate(1);
            let record = self.wrap_new_key(tenant, &key).await?;
            match self.store.insert_tenant_key(tenant, &record).await {
                Ok(()) | Err(StoreError::Conflict(Constraint::TenantKeyVersion)) => {}
                Err(err) => return Err(err.into()),
            }
            records = self.store.tenant_keys(tenant).await?;
        }
        let mut keys = Vec::with_capacity(records.len());
        for record in records {
            let key = match &self.keys {
                Keys::Master(master) => master
                    .unwrap(tenant, record.version, &record.wrapped_key)
                    .map_err(|_| {
                        CoreError::Configuration(
                            "The master key does not match this database: stored credentials \
                             cannot be opened. Set the INTEGRATIONS_MASTER_KEY this database was \
                             created with."
                                .into(),
                        )
                    })?,
                Keys::Workspace { key, workspace } => {
                    if *workspace != tenant {
                        return Err(CoreError::Unauthenticated(
                            "This session belongs to another workspace than the one joined \
                             here. Sign in again."
                                .into(),
                        ));
                    }
                    let wrapped = record
                        .workspace_wrapped_key
                        .as_deref()
                        .ok_or_else(key_mismatch)?;
                    key.unwrap(tenant, record.version, wrapped)
                        .map_err(|_| key_mismatch())?
                }
            };
            keys.push(key);
        }
        Ok(TenantKeyring::new(keys))
    }

    /// A new data key, wrapped twice where there is a shared server: for the master key (by it,
    /// or by its public half on a client) and for the workspace's key (by it, or, on the server
    /// side, by the workspace key opened from its escrow).
    async fn wrap_new_key(&self, tenant: TenantId, key: &DataKey) -> CoreResult<TenantKeyRecord> {
        match &self.keys {
            Keys::Master(master) => {
                let workspace_wrapped_key = match self.store.workspace_escrow(tenant).await? {
                    Some(escrowed) => Some(
                        master
                            .open_escrow(tenant, &escrowed)
                            .map_err(|err| CoreError::internal("opening a workspace key", &err))?
                            .wrap(tenant, key),
                    ),
                    None => None,
                };
                Ok(TenantKeyRecord {
                    version: key.version(),
                    wrapped_key: master.wrap(tenant, key),
                    workspace_wrapped_key,
                })
            }
            Keys::Workspace { key: own, .. } => {
                let public = self.store.master_public_key().await?.ok_or_else(|| {
                    CoreError::Configuration(
                        "The server has not been prepared for shared use (admin init).".into(),
                    )
                })?;
                let public = MasterPublicKey::from_base64(&public)
                    .map_err(|err| CoreError::internal("reading the server's public key", &err))?;
                Ok(TenantKeyRecord {
                    version: key.version(),
                    wrapped_key: public.wrap(tenant, key),
                    workspace_wrapped_key: Some(own.wrap(tenant, key)),
                })
            }
        }
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
        let key_record = self.wrap_new_key(tenant, &new_key).await?;
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
