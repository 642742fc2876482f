//! Connection tests through the real provider clients against the fake Pancake and Graph
//! servers: what each outcome does to the integration's status, on both stores.

mod common;

use common::{with_fakes, Backend};
use integrations_core::{
    Credentials, IntegrationConfig, IntegrationStatus, IntegrationUpdate, NewIntegration,
};
use secrecy::SecretString;

fn pancake(key: &str, shop: &str) -> NewIntegration {
    NewIntegration {
        name: "Shop thời trang".into(),
        description: None,
        credentials: Credentials::pancake(SecretString::from(key)),
        config: IntegrationConfig::PancakePos {
            shop_id: shop.into(),
        },
    }
}

async fn a_passing_test_sets_active(backend: Backend) {
    let f = with_fakes(backend).await;
    let created = f
        .env
        .core
        .create(&f.session, pancake("one-shop", "6036602"))
        .await
        .unwrap();
    let result = f
        .env
        .core
        .test_connection(&f.session, created.id)
        .await
        .unwrap();
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
    let created = f
        .env
        .core
        .create(&f.session, pancake(key, "6036602"))
        .await
        .unwrap();
    let result = f
        .env
        .core
        .test_connection(&f.session, created.id)
        .await
        .unwrap();
    assert!(!result.success);
    assert_eq!(
        result.provider_code.as_deref(),
        Some("PROVIDER_AUTH_REJECTED")
    );
    assert_eq!(result.integration.status, IntegrationStatus::Error);
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
    let listed = f.env.core.list(&f.session).await.unwrap();
    assert_eq!(listed[0].last_error.as_deref(), Some(last_error.as_str()));
}

async fn a_shop_the_key_cannot_reach_is_named(backend: Backend) {
    let f = with_fakes(backend).await;
    let created = f
        .env
        .core
        .create(&f.session, pancake("one-shop", "42"))
        .await
        .unwrap();
    let result = f
        .env
        .core
        .test_connection(&f.session, created.id)
        .await
        .unwrap();
    assert_eq!(
        result.provider_code.as_deref(),
        Some("PROVIDER_SHOP_NOT_REACHABLE")
    );
    assert!(result.message.contains("42"), "{}", result.message);
    assert_eq!(result.integration.status, IntegrationStatus::Error);
}

async fn fixing_the_key_clears_the_error_after_a_new_test(backend: Backend) {
    let f = with_fakes(backend).await;
    let created = f
        .env
        .core
        .create(&f.session, pancake("no-shops", "6036602"))
        .await
        .unwrap();
    let failed = f
        .env
        .core
        .test_connection(&f.session, created.id)
        .await
        .unwrap();
    assert_eq!(
        failed.provider_code.as_deref(),
        Some("PROVIDER_NO_SHOP_ACCESS")
    );
    let updated = f
        .env
        .core
        .update(
            &f.session,
            created.id,
            IntegrationUpdate {
                credentials: Some(Credentials::pancake(SecretString::from("three-shops"))),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(updated.status, IntegrationStatus::Pending);
    assert_eq!(updated.last_error, None);
    let passed = f
        .env
        .core
        .test_connection(&f.session, created.id)
        .await
        .unwrap();
    assert_eq!(passed.integration.status, IntegrationStatus::Active);
}

async fn a_disabled_integration_stays_disabled_whatever_the_test_says(backend: Backend) {
    let f = with_fakes(backend).await;
    let created = f
        .env
        .core
        .create(&f.session, pancake("one-shop", "6036602"))
        .await
        .unwrap();
    f.env.core.disable(&f.session, created.id).await.unwrap();
    let result = f
        .env
        .core
        .test_connection(&f.session, created.id)
        .await
        .unwrap();
    assert!(result.success);
    assert_eq!(result.integration.status, IntegrationStatus::Disabled);
}

async fn an_expired_meta_token_asks_to_reconnect(backend: Backend) {
    let f = with_fakes(backend).await;
    let created = f
        .env
        .core
        .create(
            &f.session,
            NewIntegration {
                name: "Meta Ads".into(),
                description: None,
                credentials: Credentials::meta(SecretString::from("meta-expired")),
                config: IntegrationConfig::MetaAds {
                    ad_account_id: "act_1234567890".into(),
                },
            },
        )
        .await
        .unwrap();
    let result = f
        .env
        .core
        .test_connection(&f.session, created.id)
        .await
        .unwrap();
    assert_eq!(
        result.provider_code.as_deref(),
        Some("PROVIDER_TOKEN_EXPIRED")
    );
    assert!(
        result.message.to_lowercase().contains("reconnect"),
        "{}",
        result.message
    );
    assert_eq!(result.integration.status, IntegrationStatus::Error);
}

async fn an_active_meta_account_passes(backend: Backend) {
    let f = with_fakes(backend).await;
    let created = f
        .env
        .core
        .create(
            &f.session,
            NewIntegration {
                name: "Meta Ads".into(),
                description: None,
                credentials: Credentials::meta(SecretString::from("meta-one-account")),
                config: IntegrationConfig::MetaAds {
                    ad_account_id: "1234567890".into(),
                },
            },
        )
        .await
        .unwrap();
    let result = f
        .env
        .core
        .test_connection(&f.session, created.id)
        .await
        .unwrap();
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
