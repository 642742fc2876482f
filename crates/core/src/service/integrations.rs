//! The integrations of a workspace: listing, creating, editing, turning on and off, deleting.
//! Every edit is read, change, write-if-unchanged, so concurrent edits never merge silently.

use chrono::Utc;
use uuid::Uuid;

use super::Core;
use crate::auth::Session;
use crate::domain::{
    validate_description, validate_name, Credentials, Integration, IntegrationConfig,
    IntegrationId, IntegrationPatch, IntegrationStatus, IntegrationUpdate, NewIntegration,
    TenantId,
};
use crate::error::{CoreError, CoreResult};
use crate::store::{Constraint, IntegrationRecord, StoreError};

impl Core {
    pub async fn list_integrations(&self, session: &Session) -> CoreResult<Vec<Integration>> {
        let records = self.store.list_integrations(session.tenant_id()).await?;
        records.into_iter().map(to_integration).collect()
    }

    pub async fn get_integration(
        &self,
        session: &Session,
        id: IntegrationId,
    ) -> CoreResult<Integration> {
        to_integration(self.record(session, id).await?)
    }

    pub(super) async fn record(
        &self,
        session: &Session,
        id: IntegrationId,
    ) -> CoreResult<IntegrationRecord> {
        self.store
            .get_integration(session.tenant_id(), id)
            .await?
            .ok_or_else(CoreError::integration_not_found)
    }

    pub async fn create_integration(
        &self,
        session: &Session,
        new: NewIntegration,
    ) -> CoreResult<Integration> {
        self.require_online("Adding an integration")?;
        let name = validate_name(&new.name)?;
        let description = validate_description(new.description.as_deref())?;
        let config = new.config.validated()?;
        new.credentials.validate()?;
        if config.provider() != new.credentials.provider() {
            return Err(CoreError::validation(
                "The credentials and the configuration are for different providers.",
            ));
        }
        let tenant = session.tenant_id();
        let keyring = self.keyring(tenant).await?;
        let id = Uuid::new_v4();
        let now = Utc::now();
        let record = IntegrationRecord {
            id,
            tenant_id: tenant,
            name,
            provider: config.provider(),
            description,
            credentials: Self::seal(&keyring, tenant, id, &new.credentials)?,
            credentials_hint: new.credentials.hint(),
            config: serde_json::to_string(&config).expect("config always serializes"),
            external_id: config.external_id().to_owned(),
            status: IntegrationStatus::Pending,
            enabled: false,
            last_error: None,
            created_at: now,
            updated_at: now,
            last_sync_at: None,
            row_version: 0,
            edit_version: 0,
        };
        let stored = self
            .store
            .insert_integration(&record)
            .await
            .map_err(|err| match err {
                StoreError::Conflict(Constraint::PancakeShopPerTenant) => {
                    CoreError::Conflict(format!(
                        "This store (Pancake POS shop {}) is already connected.",
                        config.external_id()
                    ))
                }
                other => other.into(),
            })?;
        tracing::info!(integration = %stored.id, provider = stored.provider.as_str(), "integration created");
        to_integration(stored)
    }

    /// Read, change, write if unchanged meanwhile. Without an expected version a lost race is
    /// retried on the fresh row; with one, it is the caller's stale edit.
    pub(super) async fn mutate<F>(
        &self,
        session: &Session,
        id: IntegrationId,
        expected_version: Option<i64>,
        change: F,
    ) -> CoreResult<Integration>
    where
        F: FnMut(&mut IntegrationRecord) -> CoreResult<()>,
    {
        self.mutate_in(session.tenant_id(), id, expected_version, change)
            .await
    }

    /// [`Self::mutate`] for the core's own work on a tenant's behalf (a sync run claimed from
    /// the queue has a tenant, not a session).
    pub(super) async fn mutate_in<F>(
        &self,
        tenant: TenantId,
        id: IntegrationId,
        expected_version: Option<i64>,
        mut change: F,
    ) -> CoreResult<Integration>
    where
        F: FnMut(&mut IntegrationRecord) -> CoreResult<()>,
    {
        const ATTEMPTS: usize = 5;
        for _ in 0..ATTEMPTS {
            let current = self
                .store
                .get_integration(tenant, id)
                .await?
                .ok_or_else(CoreError::integration_not_found)?;
            if expected_version.is_some_and(|expected| expected != current.edit_version) {
                return Err(CoreError::StaleEdit);
            }
            let mut next = current.clone();
            change(&mut next)?;
            match self
                .store
                .update_integration(&next, current.edit_version)
                .await
            {
                Ok(stored) => return to_integration(stored),
                Err(StoreError::Stale) if expected_version.is_none() => continue,
                Err(StoreError::Conflict(Constraint::PancakeShopPerTenant)) => {
                    return Err(CoreError::Conflict(format!(
                        "This store (Pancake POS shop {}) is already connected.",
                        next.external_id
                    )))
                }
                Err(err) => return Err(err.into()),
            }
        }
        Err(CoreError::StaleEdit)
    }

    pub async fn update_integration(
        &self,
        session: &Session,
        id: IntegrationId,
        update: IntegrationUpdate,
    ) -> CoreResult<Integration> {
        let name = update.name.as_deref().map(validate_name).transpose()?;
        let description = update
            .description
            .as_ref()
            .map(|text| validate_description(text.as_deref()))
            .transpose()?;
        let config = update
            .config
            .map(IntegrationConfig::validated)
            .transpose()?;
        if let Some(credentials) = &update.credentials {
            credentials.validate()?;
        }
        if update.credentials.is_some() {
            self.require_online("Changing credentials")?;
        }
        let keyring = match update.credentials {
            Some(_) => Some(self.keyring(session.tenant_id()).await?),
            None => None,
        };
        let credentials = update.credentials;
        self.mutate(session, id, update.expected_version, |record| {
            if let Some(name) = &name {
                record.name = name.clone();
            }
            if let Some(description) = &description {
                record.description = description.clone();
            }
            let mut needs_retest = false;
            if let Some(config) = &config {
                if config.provider() != record.provider {
                    return Err(CoreError::validation(format!(
                        "This is a {} integration; its provider cannot be changed.",
                        record.provider.display_name()
                    )));
                }
                if config.external_id() != record.external_id {
                    needs_retest = true;
                }
                record.config = serde_json::to_string(config).expect("config always serializes");
                record.external_id = config.external_id().to_owned();
            }
            if let (Some(credentials), Some(keyring)) = (&credentials, &keyring) {
                if credentials.provider() != record.provider {
                    return Err(CoreError::validation(format!(
                        "These credentials are not for {}.",
                        record.provider.display_name()
                    )));
                }
                record.credentials = Self::seal(keyring, record.tenant_id, record.id, credentials)?;
                record.credentials_hint = credentials.hint();
                needs_retest = true;
            }
            if needs_retest && record.status != IntegrationStatus::Disabled {
                record.status = IntegrationStatus::Pending;
                record.last_error = None;
            }
            Ok(())
        })
        .await
    }

    /// The integration's decrypted credentials, for the core's own provider calls (tests,
    /// discovery, sync). `Credentials` cannot be serialized, so they cannot reach the UI by
    /// accident; never log them.
    pub async fn credentials(
        &self,
        session: &Session,
        id: IntegrationId,
    ) -> CoreResult<Credentials> {
        let record = self.record(session, id).await?;
        let keyring = self.keyring(session.tenant_id()).await?;
        Self::open(&keyring, &record)
    }

    /// [`Self::update_integration`] from the UI's wire shape: the secret and the id are typed by
    /// the integration's own provider.
    pub async fn update_from_patch(
        &self,
        session: &Session,
        id: IntegrationId,
        patch: IntegrationPatch,
    ) -> CoreResult<Integration> {
        let provider = self.record(session, id).await?.provider;
        let config = IntegrationConfig::from_ids(provider, patch.shop_id, patch.ad_account_id)
            .map_err(|_| {
                CoreError::validation(format!(
                    "A {} integration is configured with {}.",
                    provider.display_name(),
                    provider.id_description()
                ))
            })?;
        let update = IntegrationUpdate {
            name: patch.name,
            description: patch.description,
            credentials: patch
                .secret
                .map(|secret| Credentials::for_provider(provider, secret)),
            config,
            expected_version: patch.expected_version,
        };
        self.update_integration(session, id, update).await
    }

    pub async fn delete_integration(&self, session: &Session, id: IntegrationId) -> CoreResult<()> {
        self.require_online("Deleting an integration")?;
        let deleted = self
            .store
            .delete_integration(session.tenant_id(), id)
            .await?;
        if deleted {
            tracing::info!(integration = %id, "integration deleted");
            Ok(())
        } else {
            Err(CoreError::integration_not_found())
        }
    }

    /// Enabled, and PENDING until the next successful test.
    pub async fn enable_integration(
        &self,
        session: &Session,
        id: IntegrationId,
    ) -> CoreResult<Integration> {
        self.mutate(session, id, None, |record| {
            record.enabled = true;
            record.status = IntegrationStatus::Pending;
            Ok(())
        })
        .await
    }

    pub async fn disable_integration(
        &self,
        session: &Session,
        id: IntegrationId,
    ) -> CoreResult<Integration> {
        self.mutate(session, id, None, |record| {
            record.enabled = false;
            record.status = IntegrationStatus::Disabled;
            Ok(())
        })
        .await
    }
}

pub(super) fn to_integration(record: IntegrationRecord) -> CoreResult<Integration> {
    let config = IntegrationConfig::from_stored(record.provider, &record.config)?;
    Ok(Integration {
        id: record.id,
        tenant_id: record.tenant_id,
        name: record.name,
        provider: record.provider,
        description: record.description,
        status: record.status,
        enabled: record.enabled,
        config,
        credentials_hint: record.credentials_hint,
        last_error: record.last_error,
        created_at: record.created_at,
        updated_at: record.updated_at,
        last_sync_at: record.last_sync_at,
        version: record.edit_version,
    })
}
