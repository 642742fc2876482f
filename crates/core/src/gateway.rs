//! The real [`ProviderGateway`]: Pancake POS and Meta Ads over their HTTP clients
//! (`integrations-providers`), configured from the environment (`PANCAKE_POS_BASE_URL`,
//! `META_GRAPH_BASE_URL`, `META_GRAPH_VERSION`) so tests and demos can point them at the fake
//! servers.

use std::sync::Arc;

use async_trait::async_trait;
use integrations_providers::{HttpSettings, MetaClient, PancakeClient, ProviderError};

use crate::domain::{Credentials, IntegrationConfig};
use crate::error::{CoreError, CoreResult};
use crate::provider::{
    ConnectionCheck, DiscoveredAdAccount, DiscoveredShop, ProviderFailure, ProviderGateway,
    SyncClients,
};
use secrecy::SecretString;

pub struct HttpProviders {
    pub pancake: PancakeClient,
    pub meta: MetaClient,
}

impl HttpProviders {
    pub fn from_env() -> CoreResult<Self> {
        Self::from_env_with(HttpSettings::default())
    }

    pub fn from_env_with(settings: HttpSettings) -> CoreResult<Self> {
        let configuration = |err: ProviderError| CoreError::Configuration(err.to_string());
        Ok(Self {
            pancake: PancakeClient::from_env(settings.clone()).map_err(configuration)?,
            meta: MetaClient::from_env(settings).map_err(configuration)?,
        })
    }
}

/// The gateway the app and the CLI use.
pub fn gateway_from_env() -> CoreResult<Arc<dyn ProviderGateway>> {
    Ok(Arc::new(HttpProviders::from_env()?))
}

impl From<ProviderError> for ProviderFailure {
    fn from(err: ProviderError) -> Self {
        Self {
            code: err.code().to_owned(),
            auth_failure: err.is_auth_failure(),
            message: err.to_string(),
        }
    }
}

#[async_trait]
impl ProviderGateway for HttpProviders {
    fn sync_clients(&self) -> Option<SyncClients> {
        // The engine paces and retries itself; the rest of each client's settings carry over
        // (they used to be reset to the defaults, so a caller's own pause or timeout was lost).
        match (self.pancake.without_retries(), self.meta.without_retries()) {
            (Ok(pancake), Ok(meta)) => Some(SyncClients { pancake, meta }),
            _ => None,
        }
    }

    async fn test_connection(
        &self,
        credentials: &Credentials,
        config: &IntegrationConfig,
    ) -> Result<ConnectionCheck, ProviderFailure> {
        match (credentials, config) {
            (Credentials::PancakePos { api_key }, IntegrationConfig::PancakePos { shop_id }) => {
                // The id was validated as a positive integer when it was stored.
                let shop_id: i64 = shop_id.parse().map_err(|_| ProviderFailure {
                    code: "PROVIDER_INVALID_CONFIG".into(),
                    message: format!("The shop id {shop_id} is not a number."),
                    auth_failure: false,
                })?;
                let shop = self.pancake.test_connection(api_key, shop_id).await?;
                Ok(ConnectionCheck {
                    detail: format!("Connected to {} (shop {}).", shop.name, shop.id),
                })
            }
            (
                Credentials::MetaAds { access_token },
                IntegrationConfig::MetaAds { ad_account_id },
            ) => {
                let account = self
                    .meta
                    .test_connection(access_token, ad_account_id)
                    .await?;
                let mut detail = format!("Connected to {} ({}).", account.name, account.id);
                if let Some(warning) = account.status_warning() {
                    detail = format!("{detail} {warning}");
                }
                Ok(ConnectionCheck { detail })
            }
            _ => Err(ProviderFailure {
                code: "PROVIDER_INVALID_CONFIG".into(),
                message: "The credentials and the configuration are for different providers."
                    .into(),
                auth_failure: false,
            }),
        }
    }

    async fn discover_shops(
        &self,
        api_key: &SecretString,
    ) -> Result<Vec<DiscoveredShop>, ProviderFailure> {
        let shops = self.pancake.discover_shops(api_key).await?;
        Ok(shops
            .into_iter()
            .map(|shop| DiscoveredShop {
                id: shop.id.to_string(),
                name: shop.name,
                avatar_url: shop.avatar_url,
            })
            .collect())
    }

    async fn set_pancake_webhook(
        &self,
        api_key: &SecretString,
        shop_id: i64,
        webhook: Option<&integrations_providers::PancakeWebhook>,
    ) -> Result<(), ProviderFailure> {
        Ok(self.pancake.set_webhook(api_key, shop_id, webhook).await?)
    }

    async fn discover_ad_accounts(
        &self,
        access_token: &SecretString,
    ) -> Result<Vec<DiscoveredAdAccount>, ProviderFailure> {
        let accounts = self.meta.discover_ad_accounts(access_token).await?;
        Ok(accounts
            .into_iter()
            .map(|account| DiscoveredAdAccount {
                status_name: account.status_name().to_owned(),
                active: account.delivers_ads(),
                id: account.id,
                name: account.name,
                account_status: account.account_status,
                currency: account.currency,
                timezone_name: account.timezone_name,
            })
            .collect())
    }
}
