//! Connecting a provider: discovery of the shops or ad accounts a secret reaches, the create
//! flows built on it, and the connection test of a stored integration.

use std::collections::HashSet;
use std::future::Future;

use secrecy::SecretString;
use serde::Serialize;
use ts_rs::TS;

use super::Core;
use crate::auth::Session;
use crate::domain::{
    validate_ad_account_id, validate_description, validate_shop_id, Credentials, Integration,
    IntegrationConfig, IntegrationId, IntegrationStatus, NewIntegration, Provider, META_ADS_EXISTS,
};
use crate::error::{CoreError, CoreResult};
use crate::provider::ProviderFailure;

/// The result of a connection test: the integration as it now is, and what the provider said.
#[derive(Debug, Clone, Serialize, PartialEq, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ConnectionTestResult {
    pub integration: Integration,
    pub success: bool,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub provider_code: Option<String>,
}

/// A shop offered by the Pancake create flow.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ShopChoice {
    pub id: String,
    pub name: String,
    pub avatar_url: Option<String>,
    /// Already connected for this tenant: shown, but refused.
    pub already_connected: bool,
}

/// An ad account offered by the Meta create flow.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AdAccountChoice {
    pub id: String,
    pub name: String,
    #[ts(type = "number")]
    pub account_status: i64,
    pub status_name: String,
    pub active: bool,
    pub currency: String,
    pub timezone_name: String,
    pub already_connected: bool,
}

/// What the discovery-driven create flow did: created the integration, or needs the user to
/// choose among several shops / ad accounts.
#[derive(Debug, Clone, Serialize, PartialEq, TS)]
#[serde(tag = "outcome", rename_all = "camelCase")]
#[ts(export)]
pub enum ConnectOutcome {
    Created { integration: Integration },
    ChooseShop { shops: Vec<ShopChoice> },
    ChooseAdAccount { accounts: Vec<AdAccountChoice> },
}

pub(super) fn provider_err(failure: ProviderFailure) -> CoreError {
    CoreError::Provider {
        provider_code: failure.code,
        message: failure.message,
    }
}

impl Core {
    /// The shops a Pancake API key reaches, each marked if already connected for this tenant.
    /// The key goes from the core to Pancake; the UI never calls Pancake itself.
    pub async fn discover_shops(
        &self,
        session: &Session,
        api_key: &SecretString,
    ) -> CoreResult<Vec<ShopChoice>> {
        self.require_online("Looking up your stores")?;
        Credentials::pancake(api_key.clone()).validate()?;
        let lookup = self.providers.discover_shops(api_key);
        let found = self.mark_connected(session, Provider::PancakePos, lookup, |shop| &shop.id);
        Ok(found
            .await?
            .into_iter()
            .map(|(shop, already_connected)| ShopChoice {
                id: shop.id,
                name: shop.name,
                avatar_url: shop.avatar_url,
                already_connected,
            })
            .collect())
    }

    /// The ad accounts a Meta token reaches, each marked if already connected.
    pub async fn discover_ad_accounts(
        &self,
        session: &Session,
        access_token: &SecretString,
    ) -> CoreResult<Vec<AdAccountChoice>> {
        self.require_online("Looking up your ad accounts")?;
        Credentials::meta(access_token.clone()).validate()?;
        let lookup = self.providers.discover_ad_accounts(access_token);
        let accounts = self
            .mark_connected(session, Provider::MetaAds, lookup, |account| &account.id)
            .await?;
        Ok(accounts
            .into_iter()
            .map(|(account, already_connected)| AdAccountChoice {
                already_connected,
                id: account.id,
                name: account.name,
                account_status: account.account_status,
                status_name: account.status_name,
                active: account.active,
                currency: account.currency,
                timezone_name: account.timezone_name,
            })
            .collect())
    }

    /// What a provider's lookup found, each with whether this tenant already connected it
    /// (by the provider's own id: shop id, ad account id).
    async fn mark_connected<T>(
        &self,
        session: &Session,
        provider: Provider,
        lookup: impl Future<Output = Result<Vec<T>, ProviderFailure>>,
        external_id: impl Fn(&T) -> &String,
    ) -> CoreResult<Vec<(T, bool)>> {
        let found = lookup.await.map_err(provider_err)?;
        let connected = self.connected_ids(session, provider).await?;
        Ok(found
            .into_iter()
            .map(|item| {
                let already_connected = connected.contains(external_id(&item));
                (item, already_connected)
            })
            .collect())
    }

    async fn connected_ids(
        &self,
        session: &Session,
        provider: Provider,
    ) -> CoreResult<HashSet<String>> {
        let records = self.store.list_integrations(session.tenant_id()).await?;
        Ok(records
            .into_iter()
            .filter(|record| record.provider == provider)
            .map(|record| record.external_id)
            .collect())
    }

    /// The seed's Pancake create flow: the key (and optional description) discovers the shops.
    /// One shop, or the one `shop_id` names, is created and named after the shop; several
    /// return the list to choose from; none is a clear error. Connected shops are refused.
    pub async fn connect_pancake(
        &self,
        session: &Session,
        api_key: SecretString,
        description: Option<String>,
        shop_id: Option<&str>,
    ) -> CoreResult<ConnectOutcome> {
        self.require_online("Connecting a store")?;
        let description = validate_description(description.as_deref())?;
        let wanted = shop_id.map(validate_shop_id).transpose()?;
        let shops = self.discover_shops(session, &api_key).await?;
        if shops.is_empty() {
            return Err(provider_err(
                integrations_providers::ProviderError::NoShopAccess.into(),
            ));
        }
        let chosen = match wanted {
            Some(wanted) => shops
                .iter()
                .find(|shop| shop.id == wanted)
                .cloned()
                .ok_or_else(|| {
                    provider_err(
                        integrations_providers::ProviderError::ShopNotReachable {
                            shop_id: wanted.parse().unwrap_or_default(),
                        }
                        .into(),
                    )
                })?,
            None if shops.len() == 1 => shops[0].clone(),
            None => {
                if shops.iter().all(|shop| shop.already_connected) {
                    return Err(CoreError::Conflict(format!(
                        "All {} stores this API key reaches are already connected.",
                        shops.len()
                    )));
                }
                return Ok(ConnectOutcome::ChooseShop { shops });
            }
        };
        if chosen.already_connected {
            return Err(CoreError::Conflict(format!(
                "This store ({}) is already connected.",
                chosen.name
            )));
        }
        let fallback = format!("Pancake POS {}", chosen.id);
        let integration = NewIntegration {
            name: chosen.name,
            description,
            credentials: Credentials::pancake(api_key),
            config: IntegrationConfig::PancakePos { shop_id: chosen.id },
        };
        self.create_connected(session, integration, fallback).await
    }

    /// The same flow for Meta Ads: token → ad accounts; at most one Meta integration per tenant.
    pub async fn connect_meta(
        &self,
        session: &Session,
        access_token: SecretString,
        description: Option<String>,
        ad_account_id: Option<&str>,
    ) -> CoreResult<ConnectOutcome> {
        self.require_online("Connecting Meta Ads")?;
        let description = validate_description(description.as_deref())?;
        let wanted = ad_account_id.map(validate_ad_account_id).transpose()?;
        if !self
            .connected_ids(session, Provider::MetaAds)
            .await?
            .is_empty()
        {
            return Err(CoreError::Conflict(META_ADS_EXISTS.into()));
        }
        let accounts = self.discover_ad_accounts(session, &access_token).await?;
        if accounts.is_empty() {
            return Err(CoreError::Provider {
                provider_code: "PROVIDER_NO_AD_ACCOUNTS".into(),
                message: "This access token is valid but reaches no ad account. Give the user or \
                          system user access to the ad account in Meta Business Manager."
                    .into(),
            });
        }
        let chosen = match wanted {
            Some(wanted) => accounts
                .iter()
                .find(|account| account.id == wanted)
                .cloned()
                .ok_or_else(|| CoreError::Provider {
                    provider_code: "PROVIDER_ACCOUNT_NOT_REACHABLE".into(),
                    message: format!("The ad account {wanted} is not reachable with this token."),
                })?,
            None if accounts.len() == 1 => accounts[0].clone(),
            None => return Ok(ConnectOutcome::ChooseAdAccount { accounts }),
        };
        let integration = NewIntegration {
            name: chosen.name,
            description,
            credentials: Credentials::meta(access_token),
            config: IntegrationConfig::MetaAds {
                ad_account_id: chosen.id,
            },
        };
        self.create_connected(session, integration, "Meta Ads".to_owned())
            .await
    }

    /// Creates the integration of the chosen shop or ad account, named as the provider names it,
    /// or `fallback` where the provider gives it no name.
    async fn create_connected(
        &self,
        session: &Session,
        mut integration: NewIntegration,
        fallback: String,
    ) -> CoreResult<ConnectOutcome> {
        if integration.name.trim().is_empty() {
            integration.name = fallback;
        }
        let integration = self.create_integration(session, integration).await?;
        Ok(ConnectOutcome::Created { integration })
    }

    /// Asks the provider whether the stored credentials reach the configured shop or account.
    /// A pass sets ACTIVE and clears the last error; a failure sets ERROR and stores the
    /// provider's (redacted) message. A disabled integration stays DISABLED either way.
    pub async fn test_connection(
        &self,
        session: &Session,
        id: IntegrationId,
    ) -> CoreResult<ConnectionTestResult> {
        self.require_online("Testing a connection")?;
        let tested = self.record(session, id).await?;
        let keyring = self.keyring(session.tenant_id()).await?;
        let credentials = Self::open(&keyring, &tested)?;
        let config = IntegrationConfig::from_stored(tested.provider, &tested.config)?;
        let outcome = self.providers.test_connection(&credentials, &config).await;
        drop(credentials);
        let integration = self
            .mutate(session, id, None, |record| {
                // Credentials or shop changed while the provider was asked: this result is
                // about what was there before, so it must not mark the new ones ACTIVE/ERROR.
                if record.credentials != tested.credentials
                    || record.external_id != tested.external_id
                {
                    return Ok(());
                }
                let disabled = record.status == IntegrationStatus::Disabled;
                match &outcome {
                    Ok(_) => {
                        record.last_error = None;
                        if !disabled {
                            record.status = IntegrationStatus::Active;
                        }
                    }
                    Err(failure) => {
                        record.last_error = Some(failure.message.clone());
                        if !disabled {
                            record.status = IntegrationStatus::Error;
                        }
                    }
                }
                Ok(())
            })
            .await?;
        Ok(match outcome {
            Ok(check) => ConnectionTestResult {
                integration,
                success: true,
                message: check.detail,
                provider_code: None,
            },
            Err(failure) => ConnectionTestResult {
                integration,
                success: false,
                message: failure.message,
                provider_code: Some(failure.code),
            },
        })
    }
}
