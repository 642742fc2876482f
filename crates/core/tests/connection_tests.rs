//! Connection tests through the real provider clients against the fake Pancake and Graph
//! servers: what each outcome does to the integration's status, on both stores.

mod common;

use common::{new_meta, new_pancake, with_fakes, Backend, WithFakes};
use integrations_core::{
    ConnectionTestResult, Credentials, IntegrationConfig, IntegrationStatus, IntegrationUpdate,
    NewIntegration,
};
use secrecy::SecretString;
use uuid::Uuid;

fn pancake(key: &str, shop: &str) -> NewIntegration {
    new_pancake("Shop thời trang", shop, key)
}

/// Creates `integration` in the fixture's workspace; answers its id.
async fn create(f: &WithFakes, integration: NewIntegration) -> Uuid {
    f.env
        .core
        .create_integration(&f.session, integration)
        .await
        .unwrap()
        .id
}

async fn test(f: &WithFakes, id: Uuid) -> ConnectionTestResult {
    f.env.core.test_connection(&f.session, id).await.unwrap()
}

/// Creates `integration` and tests its connection at once.
async fn create_and_test(f: &WithFakes, integration: NewIntegration) -> ConnectionTestResult {
    let id = create(f, integration).await;
    test(f, id).await
}

/// Creates `integration` and tests it: the provider answers `provider_code`, and the integration
/// is in error.
async fn create_and_fail(
    f: &WithFakes,
    integration: NewIntegration,
    provider_code: &str,
) -> ConnectionTestResult {
    let result = create_and_test(f, integration).await;
    assert_eq!(result.provider_code.as_deref(), Some(provider_code));
    assert_eq!(result.integration.status, IntegrationStatus::Error);
    result
}

/// The edit that replaces a Pancake store's API key.
fn replace_pancake_key(key: &str) -> IntegrationUpdate {
    IntegrationUpdate {
        credentials: Some(Credentials::pancake(SecretString::from(key))),
        ..Default::default()
    }
}

async fn a_passing_test_sets_active(backend: Backend) {
    let f = with_fakes(backend).await;
    let result = create_and_test(&f, pancake("one-shop", "6036602")).await;
    assert!(result.success, "{}", result.message);
    assert!(
        result.message.contains("Shop thời trang"),
        "{}",
        result.message
    );
    assert_eq!(result.integration.status, IntegrationStatus::Active);
    assert_eq!(result.integration.last_error, None);
    assert!(f.pancake.handle.request_count() >= 1);
}

async fn a_rejected_key_sets_error_with_a_safe_message(backend: Backend) {
    let f = with_fakes(backend).await;
    let key = "rejected:SECRET-KEY-DO-NOT-LEAK-1234";
    let result = create_and_fail(&f, pancake(key, "6036602"), "PROVIDER_AUTH_REJECTED").await;
    assert!(!result.success);
    let last_error = result.integration.last_error.clone().unwrap();
    assert!(last_error.contains("rejected"), "{last_error}");
    let json = serde_json::to_string(&result).unwrap();
    assert!(!json.contains("SECRET-KEY-DO-NOT-LEAK"), "{json}");
    assert!(!f
        .env
        .dump_table("integrations")
        .await
        .contains("SECRET-KEY-DO-NOT-LEAK"));
    // The list shows the error too.
    let listed = f.env.core.list_integrations(&f.session).await.unwrap();
    assert_eq!(listed[0].last_error.as_deref(), Some(last_error.as_str()));
}

async fn a_shop_the_key_cannot_reach_is_named(backend: Backend) {
    let f = with_fakes(backend).await;
    let unreachable = "PROVIDER_SHOP_NOT_REACHABLE";
    let result = create_and_fail(&f, pancake("one-shop", "42"), unreachable).await;
    assert!(result.message.contains("42"), "{}", result.message);
}

async fn fixing_the_key_clears_the_error_after_a_new_test(backend: Backend) {
    let f = with_fakes(backend).await;
    let id = create(&f, pancake("no-shops", "6036602")).await;
    let failed = test(&f, id).await;
    assert_eq!(
        failed.provider_code.as_deref(),
        Some("PROVIDER_NO_SHOP_ACCESS")
    );
    let updated = f
        .env
        .core
        .update_integration(&f.session, id, replace_pancake_key("three-shops"))
        .await
        .unwrap();
    assert_eq!(updated.status, IntegrationStatus::Pending);
    assert_eq!(updated.last_error, None);
    let passed = test(&f, id).await;
    assert_eq!(passed.integration.status, IntegrationStatus::Active);
}

async fn a_disabled_integration_stays_disabled_whatever_the_test_says(backend: Backend) {
    let f = with_fakes(backend).await;
    let id = create(&f, pancake("one-shop", "6036602")).await;
    f.env
        .core
        .disable_integration(&f.session, id)
        .await
        .unwrap();
    let result = test(&f, id).await;
    assert!(result.success);
    assert_eq!(result.integration.status, IntegrationStatus::Disabled);
}

async fn an_expired_meta_token_asks_to_reconnect(backend: Backend) {
    let f = with_fakes(backend).await;
    let expired = meta("meta-expired", "act_1234567890");
    let result = create_and_fail(&f, expired, "PROVIDER_TOKEN_EXPIRED").await;
    assert!(
        result.message.to_lowercase().contains("reconnect"),
        "{}",
        result.message
    );
}

async fn an_active_meta_account_passes(backend: Backend) {
    let f = with_fakes(backend).await;
    let result = create_and_test(&f, meta("meta-one-account", "1234567890")).await;
    assert!(result.success, "{}", result.message);
    assert_eq!(result.integration.status, IntegrationStatus::Active);
}

on_both_stores!(
    a_passing_test_sets_active,
    a_rejected_key_sets_error_with_a_safe_message,
    a_shop_the_key_cannot_reach_is_named,
    fixing_the_key_clears_the_error_after_a_new_test,
    a_disabled_integration_stays_disabled_whatever_the_test_says,
    an_expired_meta_token_asks_to_reconnect,
    an_active_meta_account_passes,
);

/// Holds a connection test inside the provider call until the test says go, so an edit can
/// land while the provider is being asked.
struct HeldGateway {
    inner: integrations_core::gateway::HttpProviders,
    called: tokio::sync::mpsc::UnboundedSender<()>,
    release: tokio::sync::Mutex<tokio::sync::mpsc::UnboundedReceiver<()>>,
}

#[async_trait::async_trait]
impl integrations_core::ProviderGateway for HeldGateway {
    async fn test_connection(
        &self,
        credentials: &Credentials,
        config: &IntegrationConfig,
    ) -> Result<integrations_core::ConnectionCheck, integrations_core::ProviderFailure> {
        let result = self.inner.test_connection(credentials, config).await;
        self.called.send(()).unwrap();
        self.release.lock().await.recv().await;
        result
    }

    async fn discover_shops(
        &self,
        api_key: &SecretString,
    ) -> Result<Vec<integrations_core::DiscoveredShop>, integrations_core::ProviderFailure> {
        self.inner.discover_shops(api_key).await
    }

    async fn discover_ad_accounts(
        &self,
        token: &SecretString,
    ) -> Result<Vec<integrations_core::DiscoveredAdAccount>, integrations_core::ProviderFailure>
    {
        self.inner.discover_ad_accounts(token).await
    }
}

async fn a_test_result_does_not_judge_credentials_replaced_meanwhile(backend: Backend) {
    let (pancake_server, meta_server) = common::start_fakes(common::a_little_data()).await;
    let (called_tx, mut called_rx) = tokio::sync::mpsc::unbounded_channel();
    let (release_tx, release_rx) = tokio::sync::mpsc::unbounded_channel();
    let gateway = HeldGateway {
        inner: common::clients_for(&pancake_server, &meta_server, common::fast_http()),
        called: called_tx,
        release: tokio::sync::Mutex::new(release_rx),
    };
    let env = std::sync::Arc::new(
        common::TestEnv::with_providers(backend, std::sync::Arc::new(gateway)).await,
    );
    let session = env
        .core
        .sign_up("Shop", "chu@shop.vn", &SecretString::from("mật khẩu 123"))
        .await
        .unwrap()
        .session;
    // The old key is rejected by Pancake; while that answer is in flight, the key is replaced.
    let created = env
        .core
        .create_integration(&session, pancake("rejected", "6036602"))
        .await
        .unwrap();
    let running = {
        let env = env.clone();
        let session = session.clone();
        tokio::spawn(async move { env.core.test_connection(&session, created.id).await })
    };
    called_rx.recv().await.unwrap();
    env.core
        .update_integration(&session, created.id, replace_pancake_key("one-shop"))
        .await
        .unwrap();
    release_tx.send(()).unwrap();
    let result = running.await.unwrap().unwrap();
    assert!(!result.success, "the old key was tested and rejected");
    assert_eq!(
        result.integration.status,
        IntegrationStatus::Pending,
        "the new key is untested"
    );
    assert_eq!(result.integration.last_error, None);
}

fn meta(token: &str, ad_account_id: &str) -> NewIntegration {
    new_meta("Meta Ads", ad_account_id, token)
}

mod held {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn on_postgres() {
        a_test_result_does_not_judge_credentials_replaced_meanwhile(Backend::Postgres).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn on_sqlite() {
        a_test_result_does_not_judge_credentials_replaced_meanwhile(Backend::Sqlite).await
    }
}
