//! The seam between the core's rules and the provider APIs (Pancake POS, Meta Ads).
//!
//! The core decides what a connection test means for an integration's status; a
//! [`ProviderGateway`] only answers whether the provider accepts the credentials for the
//! configured shop or ad account. Implementations must never put a secret into a failure.

use async_trait::async_trait;

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

#[async_trait]
pub trait ProviderGateway: Send + Sync {
    async fn test_connection(
        &self,
        credentials: &Credentials,
        config: &IntegrationConfig,
    ) -> Result<ConnectionCheck, ProviderFailure>;
}
