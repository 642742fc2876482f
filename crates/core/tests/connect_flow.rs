//! The discovery-driven create flow (the seed's two-step wizard) through the real clients and
//! the fake servers, on both stores.

mod common;

use common::{with_fakes, Backend, WithFakes};
use integrations_core::service::META_ADS_EXISTS;
use integrations_core::Provider::{self, MetaAds, PancakePos};
use integrations_core::{
    ConnectOutcome, CoreError, CoreResult, ErrorCode, Integration, IntegrationConfig,
};
use secrecy::SecretString;

fn created(outcome: ConnectOutcome) -> Integration {
    match outcome {
        ConnectOutcome::Created { integration } => integration,
        other => panic!("expected a created integration, got {other:?}"),
    }
}

fn key(text: &str) -> SecretString {
    SecretString::from(text)
}

/// Connects `secret` (a Pancake API key or a Meta token) as the wizard does, with no
/// description; `choice` is the shop or ad account picked, if any.
async fn connect(
    f: &WithFakes,
    provider: Provider,
    secret: &str,
    choice: Option<&str>,
) -> CoreResult<ConnectOutcome> {
    let (core, session) = (&f.env.core, &f.session);
    match provider {
        PancakePos => {
            core.connect_pancake(session, key(secret), None, choice)
                .await
        }
        MetaAds => core.connect_meta(session, key(secret), None, choice).await,
    }
}

/// Connecting `secret` is refused with the provider's answer `provider_code`; answers the error.
async fn assert_refused_as(
    f: &WithFakes,
    provider: Provider,
    secret: &str,
    choice: Option<&str>,
    provider_code: &str,
) -> CoreError {
    let err = connect(f, provider, secret, choice).await.unwrap_err();
    assert_eq!(
        err.payload().provider_code.as_deref(),
        Some(provider_code),
        "{secret}: {err}"
    );
    err
}

async fn integrations(f: &WithFakes) -> Vec<Integration> {
    f.env.core.list_integrations(&f.session).await.unwrap()
}

async fn one_shop_is_created_at_once_and_named_after_the_shop(backend: Backend) {
    let f = with_fakes(backend).await;
    let outcome = f
        .env
        .core
        .connect_pancake(
            &f.session,
            key("one-shop"),
            Some("Cửa hàng chính".into()),
            None,
        )
        .await
        .unwrap();
    let integration = created(outcome);
    assert_eq!(integration.name, "Shop thời trang");
    assert_eq!(
        integration.config,
        IntegrationConfig::PancakePos {
            shop_id: "6036602".into()
        }
    );
    assert_eq!(integration.description.as_deref(), Some("Cửa hàng chính"));
    // The same key again: the only shop is already connected.
    let err = connect(&f, PancakePos, "one-shop", None).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Conflict);
    assert!(err.to_string().contains("already connected"), "{err}");
}

async fn several_shops_are_offered_with_connected_ones_marked(backend: Backend) {
    let f = with_fakes(backend).await;
    connect(&f, PancakePos, "one-shop", None).await.unwrap();
    let outcome = connect(&f, PancakePos, "three-shops", None).await.unwrap();
    let ConnectOutcome::ChooseShop { shops } = outcome else {
        panic!("expected a choice")
    };
    let names: Vec<&str> = shops.iter().map(|shop| shop.name.as_str()).collect();
    assert_eq!(
        names,
        ["Shop thời trang", "Mỹ phẩm Hà Nội", "Giày dép Sài Gòn"]
    );
    let connected: Vec<bool> = shops.iter().map(|shop| shop.already_connected).collect();
    assert_eq!(connected, [true, false, false]);
    assert!(integrations(&f).await.len() == 1, "nothing created yet");

    let chosen = connect(&f, PancakePos, "three-shops", Some("7012345"))
        .await
        .unwrap();
    assert_eq!(created(chosen).name, "Mỹ phẩm Hà Nội");
    let refused = connect(&f, PancakePos, "three-shops", Some("6036602"))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::Conflict);
    let unreachable = "PROVIDER_SHOP_NOT_REACHABLE";
    assert_refused_as(&f, PancakePos, "three-shops", Some("999"), unreachable).await;
    connect(&f, PancakePos, "three-shops", Some("8024680"))
        .await
        .unwrap();
    let all = connect(&f, PancakePos, "three-shops", None)
        .await
        .unwrap_err();
    assert!(all.to_string().contains("All 3 stores"), "{all}");
}

async fn keys_that_reach_nothing_get_their_own_messages_and_store_nothing(backend: Backend) {
    let f = with_fakes(backend).await;
    let cases = [
        ("no-shops", "PROVIDER_NO_SHOP_ACCESS"),
        ("rejected", "PROVIDER_AUTH_REJECTED"),
        ("malformed", "PROVIDER_MALFORMED_RESPONSE"),
        ("success-false-200", "PROVIDER_AUTH_REJECTED"),
        // A shop list that never ends is cut at the cap, not read into memory.
        ("endless", "PROVIDER_RESPONSE_TOO_LARGE"),
    ];
    for (api_key, expected) in cases {
        let err = assert_refused_as(&f, PancakePos, api_key, None, expected).await;
        assert_eq!(err.code(), ErrorCode::ProviderError, "{api_key}: {err}");
    }
    let invalid = connect(&f, PancakePos, "has space", None).await;
    assert_eq!(invalid.unwrap_err().code(), ErrorCode::Validation);
    assert!(integrations(&f).await.is_empty());
}

async fn meta_discovery_creates_one_and_refuses_a_second_before_calling_meta(backend: Backend) {
    let f = with_fakes(backend).await;
    let integration = created(
        connect(&f, MetaAds, "meta-one-account", None)
            .await
            .unwrap(),
    );
    assert_eq!(
        integration.config,
        IntegrationConfig::MetaAds {
            ad_account_id: "act_1234567890".into()
        }
    );
    let calls = f.meta.handle.request_count();
    let err = connect(&f, MetaAds, "meta-many-accounts", None)
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), META_ADS_EXISTS);
    assert_eq!(
        f.meta.handle.request_count(),
        calls,
        "no call to Meta for a refused create"
    );
}

async fn many_ad_accounts_across_pages_are_offered(backend: Backend) {
    let f = with_fakes(backend).await;
    let outcome = connect(&f, MetaAds, "meta-many-accounts", None)
        .await
        .unwrap();
    let ConnectOutcome::ChooseAdAccount { accounts } = outcome else {
        panic!("expected a choice")
    };
    assert_eq!(accounts.len(), 57);
    let pick = accounts[30].id.clone();
    let chosen = connect(&f, MetaAds, "meta-many-accounts", Some(&pick))
        .await
        .unwrap();
    assert_eq!(
        created(chosen).config,
        IntegrationConfig::MetaAds {
            ad_account_id: pick
        }
    );
}

async fn meta_tokens_that_reach_nothing_say_why(backend: Backend) {
    let f = with_fakes(backend).await;
    for (token, expected) in [
        ("meta-no-accounts", "PROVIDER_NO_AD_ACCOUNTS"),
        ("meta-expired", "PROVIDER_TOKEN_EXPIRED"),
    ] {
        assert_refused_as(&f, MetaAds, token, None, expected).await;
    }
    let other = "PROVIDER_ACCOUNT_NOT_REACHABLE";
    assert_refused_as(&f, MetaAds, "meta-one-account", Some("act_42"), other).await;
    assert!(integrations(&f).await.is_empty());
}

on_both_stores!(
    one_shop_is_created_at_once_and_named_after_the_shop,
    several_shops_are_offered_with_connected_ones_marked,
    keys_that_reach_nothing_get_their_own_messages_and_store_nothing,
    meta_discovery_creates_one_and_refuses_a_second_before_calling_meta,
    many_ad_accounts_across_pages_are_offered,
    meta_tokens_that_reach_nothing_say_why,
);
