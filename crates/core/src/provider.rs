//! The seam between the core's rules and the provider APIs (Pancake POS, Meta Ads).
//!
//! The core decides what a connection test means for an integration's status; a
//! [`ProviderGateway`] only answers whether the provider accepts the credentials for the
//! configured shop or ad account. Implementations must never put a secret into a failure.

use async_trait::async_trait;
use integrations_providers::{MetaClient, PancakeClient};
use secrecy::SecretString;

use crate::domain::{Credentials, IntegrationConfig};

/// A provider said no, or could not be asked. `message` is already safe to show and log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderFailure {
    /// The provider layer's stable code, e.g. `PROVIDER_AUTH_REJECTED`.
    pub code: String,
    pub message: String,
    /// The credentials themselves were refused (expired token, deleted key): the user must
    /// reconnect, not just retry.
    pub auth_failure: bool,
}

/// What a passing test found, for the UI ("Connected to Shop thời trang").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionCheck {
    pub detail: String,
}

/// A Pancake shop an API key reaches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscoveredShop {
    pub id: String,
    pub name: String,
    pub avatar_url: Option<String>,
}

/// A Meta ad account an access token reaches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscoveredAdAccount {
    /// `act_<digits>`.
    pub id: String,
    pub name: String,
    pub account_status: i64,
    pub status_name: String,
    /// Whether the account delivers ads (ACTIVE, or IN_GRACE_PERIOD).
    pub active: bool,
    pub currency: String,
    pub timezone_name: String,
}

/// Provider clients for syncing, without in-client retries: the sync engine paces and retries.
pub struct SyncClients {
    pub pancake: PancakeClient,
    pub meta: MetaClient,
}

#[async_trait]
pub trait ProviderGateway: Send + Sync {
    /// Clients for the sync engine, which paces and retries requests itself (so they must not
    /// retry on their own). `None`: this gateway cannot sync (test doubles).
    fn sync_clients(&self) -> Option<SyncClients> {
        None
    }

    async fn test_connection(
        &self,
        credentials: &Credentials,
        config: &IntegrationConfig,
    ) -> Result<ConnectionCheck, ProviderFailure>;

    /// The shops a Pancake POS API key can see (`GET /shops`), de-duplicated.
    async fn discover_shops(
        &self,
        api_key: &SecretString,
    ) -> Result<Vec<DiscoveredShop>, ProviderFailure>;

    /// The ad accounts a Meta access token reaches (`/me/adaccounts`, all pages).
    async fn discover_ad_accounts(
        &self,
        access_token: &SecretString,
    ) -> Result<Vec<DiscoveredAdAccount>, ProviderFailure>;

    /// Registers (`Some`) or removes (`None`) a shop's webhook with Pancake
    /// (`PUT /shops/{id}`). A gateway that cannot says so.
    async fn set_pancake_webhook(
        &self,
        _api_key: &SecretString,
        _shop_id: i64,
        _webhook: Option<&integrations_providers::PancakeWebhook>,
    ) -> Result<(), ProviderFailure> {
        Err(ProviderFailure {
            code: "PROVIDER_UNSUPPORTED".into(),
            message: "This build cannot register webhooks with Pancake POS.".into(),
            auth_failure: false,
        })
    }
}
