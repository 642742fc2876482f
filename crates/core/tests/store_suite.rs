//! The behavioural suite: every rule of the core, run against PostgreSQL and SQLite alike.

mod common;

use std::sync::Arc;

use common::{
    assert_stale_edit_loses_nothing, described, new_meta, new_pancake, refused_sign_in, Backend,
    TestEnv,
};
use integrations_core::auth::{login_delay_secs, FREE_LOGIN_FAILURES, MAX_LOGIN_DELAY_SECS};
use integrations_core::clock::ManualClock;
use integrations_core::service::META_ADS_EXISTS;
use integrations_core::{
    Core, CoreError, Credentials, ErrorCode, IntegrationConfig, IntegrationStatus,
    IntegrationUpdate, NewIntegration, Provider, Session,
};
use secrecy::{ExposeSecret, SecretString};
use uuid::Uuid;

const PANCAKE_KEY: &str = "pk-SECRET-0123456789abcdef-a1b2";
const META_TOKEN: &str = "EAAB-SECRET-token-0123456789-z9y8";

async fn workspace(core: &Core, name: &str) -> Session {
    let email = format!("{}@shop.vn", Uuid::new_v4().simple());
    core.sign_up(name, &email, &SecretString::from("mật khẩu 123"))
        .await
        .unwrap()
        .session
}

fn pancake(shop: &str, name: &str) -> NewIntegration {
    described(new_pancake(name, shop, PANCAKE_KEY), "Cửa hàng chính")
}

fn meta(account: &str) -> NewIntegration {
    new_meta("Meta Ads", account, META_TOKEN)
}

async fn create_gives_pending_disabled_and_only_a_hint(backend: Backend) {
    let env = TestEnv::new(backend).await;
    let session = workspace(&env.core, "Shop thời trang").await;
    let created = env
        .core
        .create_integration(&session, pancake("6036602", "  Shop thời trang "))
        .await
        .unwrap();
    assert_eq!(created.name, "Shop thời trang");
    assert_eq!(created.status, IntegrationStatus::Pending);
    assert!(!created.enabled);
    assert_eq!(created.provider, Provider::PancakePos);
    assert_eq!(created.credentials_hint, "••••a1b2");
    assert_eq!(created.tenant_id, session.tenant_id());
    let json = serde_json::to_value(&created).unwrap();
    assert_eq!(json["config"]["shopId"], "6036602");
    assert!(json.get("credentials").is_none());
    assert!(!json.to_string().contains(PANCAKE_KEY));
    let fetched = env
        .core
        .get_integration(&session, created.id)
        .await
        .unwrap();
    assert_eq!(fetched, created);
}

async fn list_update_and_delete_round_trip(backend: Backend) {
    let env = TestEnv::new(backend).await;
    let session = workspace(&env.core, "Tenant").await;
    let first = env
        .core
        .create_integration(&session, pancake("1", "Mỹ phẩm Hà Nội"))
        .await
        .unwrap();
    let second = env
        .core
        .create_integration(&session, pancake("2", "Giày dép Sài Gòn"))
        .await
        .unwrap();
    let listed = env.core.list_integrations(&session).await.unwrap();
    assert_eq!(
        listed.iter().map(|i| i.id).collect::<Vec<_>>(),
        vec![first.id, second.id]
    );

    let updated = env
        .core
        .update_integration(
            &session,
            first.id,
            IntegrationUpdate {
                name: Some("Mỹ phẩm Hà Nội — chi nhánh 2".into()),
                description: Some(None),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(updated.name, "Mỹ phẩm Hà Nội — chi nhánh 2");
    assert_eq!(updated.description, None);
    assert!(updated.version > first.version);
    assert!(updated.updated_at >= first.updated_at);

    env.core
        .delete_integration(&session, first.id)
        .await
        .unwrap();
    let err = env
        .core
        .get_integration(&session, first.id)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
    let err = env
        .core
        .delete_integration(&session, first.id)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
    assert_eq!(env.core.list_integrations(&session).await.unwrap().len(), 1);
}

async fn invalid_input_gets_clear_messages_and_stores_nothing(backend: Backend) {
    let env = TestEnv::new(backend).await;
    let session = workspace(&env.core, "Tenant").await;
    let cases: Vec<(NewIntegration, &str)> = vec![
        (pancake("1", "   "), "Name is required"),
        (pancake("1", &"x".repeat(201)), "at most 200"),
        (pancake("abc", "Shop"), "not a Pancake POS shop id"),
        (meta("act_xyz"), "not a Meta ad account id"),
        (
            NewIntegration {
                description: Some("d".repeat(1_001)),
                ..pancake("1", "Shop")
            },
            "at most 1000",
        ),
        (
            NewIntegration {
                credentials: Credentials::pancake(SecretString::from("")),
                ..pancake("1", "Shop")
            },
            "API key is required",
        ),
        (
            NewIntegration {
                credentials: Credentials::meta(SecretString::from("token")),
                ..pancake("1", "Shop")
            },
            "different providers",
        ),
    ];
    for (input, expected) in cases {
        let err = env
            .core
            .create_integration(&session, input)
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::Validation, "{err}");
        assert!(err.to_string().contains(expected), "{err} lacks {expected}");
    }
    assert!(env
        .core
        .list_integrations(&session)
        .await
        .unwrap()
        .is_empty());
}

async fn meta_ads_is_limited_to_one_per_tenant(backend: Backend) {
    let env = TestEnv::new(backend).await;
    let session = workspace(&env.core, "Tenant").await;
    let first = env
        .core
        .create_integration(&session, meta("123456"))
        .await
        .unwrap();
    assert_eq!(
        first.config,
        IntegrationConfig::MetaAds {
            ad_account_id: "act_123456".into()
        }
    );
    let err = env
        .core
        .create_integration(&session, meta("act_999"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Conflict);
    assert_eq!(err.to_string(), META_ADS_EXISTS);
    // Another tenant has its own allowance.
    let other = workspace(&env.core, "Other").await;
    env.core
        .create_integration(&other, meta("act_999"))
        .await
        .unwrap();
}

async fn ten_concurrent_meta_creates_leave_exactly_one(backend: Backend) {
    let env = Arc::new(TestEnv::new(backend).await);
    let session = workspace(&env.core, "Tenant").await;
    let attempts = (0..10).map(|i| {
        let env = env.clone();
        let session = session.clone();
        tokio::spawn(async move {
            env.core
                .create_integration(&session, meta(&format!("act_{}", 100 + i)))
                .await
        })
    });
    let results = futures::future::join_all(attempts).await;
    let (ok, failed): (Vec<_>, Vec<_>) = results
        .into_iter()
        .map(|joined| joined.unwrap())
        .partition(Result::is_ok);
    assert_eq!(ok.len(), 1, "exactly one create must succeed");
    for err in failed {
        let err = err.unwrap_err();
        assert_eq!(err.code(), ErrorCode::Conflict, "{err}");
        assert_eq!(err.to_string(), META_ADS_EXISTS);
    }
    let metas = env.core.list_integrations(&session).await.unwrap();
    assert_eq!(
        metas
            .iter()
            .filter(|i| i.provider == Provider::MetaAds)
            .count(),
        1
    );
}

async fn a_pancake_shop_connects_once_per_tenant(backend: Backend) {
    let env = TestEnv::new(backend).await;
    let session = workspace(&env.core, "Tenant").await;
    env.core
        .create_integration(&session, pancake("6036602", "Shop thời trang"))
        .await
        .unwrap();
    let err = env
        .core
        .create_integration(&session, pancake("6036602", "Again"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Conflict);
    assert!(err.to_string().contains("already connected"), "{err}");
    // Leading zeros are the same shop.
    let err = env
        .core
        .create_integration(&session, pancake("06036602", "Again"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Conflict);
    // Several different shops are fine, and so is the same shop in another tenant.
    env.core
        .create_integration(&session, pancake("42", "Mỹ phẩm"))
        .await
        .unwrap();
    let other = workspace(&env.core, "Other").await;
    env.core
        .create_integration(&other, pancake("6036602", "Shop thời trang"))
        .await
        .unwrap();
    // Moving a store onto an already connected shop is refused too.
    let third = env
        .core
        .create_integration(&session, pancake("43", "Giày dép"))
        .await
        .unwrap();
    let err = env
        .core
        .update_integration(
            &session,
            third.id,
            IntegrationUpdate {
                config: Some(IntegrationConfig::PancakePos {
                    shop_id: "42".into(),
                }),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Conflict, "{err}");
}

async fn enable_and_disable_follow_the_status_rules(backend: Backend) {
    let env = TestEnv::new(backend).await;
    let session = workspace(&env.core, "Tenant").await;
    let created = env
        .core
        .create_integration(&session, pancake("7", "Shop"))
        .await
        .unwrap();
    let enabled = env
        .core
        .enable_integration(&session, created.id)
        .await
        .unwrap();
    assert!(enabled.enabled);
    assert_eq!(enabled.status, IntegrationStatus::Pending);
    let disabled = env
        .core
        .disable_integration(&session, created.id)
        .await
        .unwrap();
    assert!(!disabled.enabled);
    assert_eq!(disabled.status, IntegrationStatus::Disabled);
    let again = env
        .core
        .enable_integration(&session, created.id)
        .await
        .unwrap();
    assert_eq!(again.status, IntegrationStatus::Pending);
    assert!(again.version > disabled.version);
}

async fn a_stale_edit_is_refused_and_loses_nothing(backend: Backend) {
    let env = TestEnv::new(backend).await;
    let session = workspace(&env.core, "Tenant").await;
    let created = env
        .core
        .create_integration(&session, pancake("7", "Shop"))
        .await
        .unwrap();
    let first_edit = env
        .core
        .update_integration(
            &session,
            created.id,
            IntegrationUpdate {
                name: Some("Edited first".into()),
                expected_version: Some(created.version),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let stale = IntegrationUpdate {
        name: Some("Edited from a stale screen".into()),
        expected_version: Some(created.version),
        ..Default::default()
    };
    assert_stale_edit_loses_nothing(&env.core, &session, &first_edit, stale).await;
}

async fn changing_credentials_reseals_them_and_asks_for_a_new_test(backend: Backend) {
    let env = TestEnv::new(backend).await;
    let session = workspace(&env.core, "Tenant").await;
    let created = env
        .core
        .create_integration(&session, pancake("7", "Shop"))
        .await
        .unwrap();
    env.core
        .enable_integration(&session, created.id)
        .await
        .unwrap();
    let updated = env
        .core
        .update_integration(
            &session,
            created.id,
            IntegrationUpdate {
                credentials: Some(Credentials::pancake(SecretString::from(
                    "new-key-0000000000000000-c3d4",
                ))),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(updated.credentials_hint, "••••c3d4");
    assert_eq!(updated.status, IntegrationStatus::Pending);
    let credentials = env.core.credentials(&session, created.id).await.unwrap();
    assert_eq!(
        credentials.secret().expose_secret(),
        "new-key-0000000000000000-c3d4"
    );
    let err = env
        .core
        .update_integration(
            &session,
            created.id,
            IntegrationUpdate {
                config: Some(IntegrationConfig::MetaAds {
                    ad_account_id: "act_1".into(),
                }),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("cannot be changed"), "{err}");
}

async fn another_tenant_reaches_nothing_through_any_operation(backend: Backend) {
    let env = TestEnv::new(backend).await;
    let owner = workspace(&env.core, "Owner").await;
    let intruder = workspace(&env.core, "Intruder").await;
    let target = env
        .core
        .create_integration(&owner, pancake("7", "Shop thời trang"))
        .await
        .unwrap();

    assert!(env
        .core
        .list_integrations(&intruder)
        .await
        .unwrap()
        .is_empty());
    let not_found = |result: Result<(), CoreError>| {
        let err = result.expect_err("cross-tenant call must fail");
        assert_eq!(err.code(), ErrorCode::NotFound, "{err}");
    };
    not_found(
        env.core
            .get_integration(&intruder, target.id)
            .await
            .map(|_| ()),
    );
    not_found(
        env.core
            .update_integration(
                &intruder,
                target.id,
                IntegrationUpdate {
                    name: Some("pwned".into()),
                    ..Default::default()
                },
            )
            .await
            .map(|_| ()),
    );
    not_found(
        env.core
            .enable_integration(&intruder, target.id)
            .await
            .map(|_| ()),
    );
    not_found(
        env.core
            .disable_integration(&intruder, target.id)
            .await
            .map(|_| ()),
    );
    not_found(
        env.core
            .test_connection(&intruder, target.id)
            .await
            .map(|_| ()),
    );
    not_found(env.core.credentials(&intruder, target.id).await.map(|_| ()));
    not_found(env.core.delete_integration(&intruder, target.id).await);
    // The intruder's own key rotation touches only its own (empty) set.
    assert_eq!(
        env.core.rotate_keys(&intruder).await.unwrap().reencrypted,
        0
    );

    assert_eq!(
        env.core.get_integration(&owner, target.id).await.unwrap(),
        target
    );
    let secret = env.core.credentials(&owner, target.id).await.unwrap();
    assert_eq!(secret.secret().expose_secret(), PANCAKE_KEY);
}

async fn no_secret_is_stored_in_plaintext(backend: Backend) {
    let env = TestEnv::new(backend).await;
    let session = workspace(&env.core, "Tenant").await;
    env.core
        .create_integration(&session, pancake("7", "Shop"))
        .await
        .unwrap();
    env.core
        .create_integration(&session, meta("act_1"))
        .await
        .unwrap();
    let signed_in = env
        .core
        .sign_in(session.email(), &SecretString::from("mật khẩu 123"))
        .await
        .unwrap();
    let refresh = signed_in.tokens.refresh_token.expose_secret().to_owned();
    let mut everything = String::new();
    for table in [
        "tenants",
        "users",
        "refresh_tokens",
        "tenant_keys",
        "integrations",
    ] {
        everything.push_str(&env.dump_table(table).await);
    }
    assert!(
        everything.contains("ime1."),
        "credentials envelopes are stored"
    );
    for secret in [PANCAKE_KEY, META_TOKEN, "mật khẩu 123", refresh.as_str()] {
        assert!(
            !everything.contains(secret),
            "a secret is stored in plaintext"
        );
    }
    // The data keys are stored wrapped, not raw: no 32-byte base64 key text appears.
    assert!(env.dump_table("tenant_keys").await.contains("imk1."));
}

async fn a_ciphertext_moved_to_another_row_does_not_open(backend: Backend) {
    let env = TestEnv::new(backend).await;
    let session = workspace(&env.core, "Tenant").await;
    let a = env
        .core
        .create_integration(&session, pancake("1", "A"))
        .await
        .unwrap();
    let b = env
        .core
        .create_integration(&session, pancake("2", "B"))
        .await
        .unwrap();
    env.exec_as_tenant(
        session.tenant_id(),
        &format!(
            "UPDATE integrations SET credentials = (SELECT credentials FROM integrations \
             WHERE id = '{}') WHERE id = '{}'",
            a.id, b.id
        ),
    )
    .await;
    let err = env.core.credentials(&session, b.id).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Internal);
    assert!(env.core.credentials(&session, a.id).await.is_ok());
}

async fn key_rotation_reseals_everything_under_a_new_version(backend: Backend) {
    let env = TestEnv::new(backend).await;
    let session = workspace(&env.core, "Tenant").await;
    let a = env
        .core
        .create_integration(&session, pancake("1", "A"))
        .await
        .unwrap();
    let m = env
        .core
        .create_integration(&session, meta("act_5"))
        .await
        .unwrap();
    assert_eq!(
        env.core.credential_key_versions(&session).await.unwrap(),
        vec![1, 1]
    );
    let rotation = env.core.rotate_keys(&session).await.unwrap();
    assert_eq!(rotation.key_version, 2);
    assert_eq!(rotation.reencrypted, 2);
    assert_eq!(
        env.core.credential_key_versions(&session).await.unwrap(),
        vec![2, 2]
    );
    let pancake_secret = env.core.credentials(&session, a.id).await.unwrap();
    assert_eq!(pancake_secret.secret().expose_secret(), PANCAKE_KEY);
    let meta_secret = env.core.credentials(&session, m.id).await.unwrap();
    assert_eq!(meta_secret.secret().expose_secret(), META_TOKEN);
    // New credentials after rotation use the new key.
    env.core
        .create_integration(&session, pancake("3", "C"))
        .await
        .unwrap();
    assert_eq!(
        env.core.credential_key_versions(&session).await.unwrap(),
        vec![2, 2, 2]
    );
    // A second core on the same database (another app instance) reads them too.
    let again = env
        .config
        .open(Arc::new(common::NoProviderCalls))
        .await
        .unwrap();
    assert_eq!(
        again
            .credentials(&session, a.id)
            .await
            .unwrap()
            .secret()
            .expose_secret(),
        PANCAKE_KEY
    );
}

async fn an_interrupted_rotation_changes_nothing(backend: Backend) {
    let env = TestEnv::new(backend).await;
    let session = workspace(&env.core, "Tenant").await;
    let good = env
        .core
        .create_integration(&session, pancake("1", "Good"))
        .await
        .unwrap();
    let broken = env
        .core
        .create_integration(&session, pancake("2", "Broken"))
        .await
        .unwrap();
    // One row cannot be opened (its ciphertext belongs to another row): rotation must stop
    // before writing anything.
    env.exec_as_tenant(
        session.tenant_id(),
        &format!(
            "UPDATE integrations SET credentials = (SELECT credentials FROM integrations \
             WHERE id = '{}') WHERE id = '{}'",
            good.id, broken.id
        ),
    )
    .await;
    assert!(env.core.rotate_keys(&session).await.is_err());
    assert_eq!(
        env.core.credential_key_versions(&session).await.unwrap(),
        vec![1, 1]
    );
    assert_eq!(
        env.store()
            .tenant_keys(session.tenant_id())
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        env.core
            .credentials(&session, good.id)
            .await
            .unwrap()
            .secret()
            .expose_secret(),
        PANCAKE_KEY
    );
}

async fn sign_in_refresh_and_sign_out(backend: Backend) {
    let env = TestEnv::new(backend).await;
    let password = SecretString::from("mật khẩu 123");
    let signed_up = env
        .core
        .sign_up("Shop thời trang", "Chu@Shop.vn", &password)
        .await
        .unwrap();
    let account = env.core.current_account(&signed_up.session).await.unwrap();
    assert_eq!(account.tenant_name, "Shop thời trang");
    assert_eq!(account.email, "chu@shop.vn");

    let duplicate = env
        .core
        .sign_up("Other", "chu@shop.vn", &password)
        .await
        .unwrap_err();
    assert_eq!(duplicate.code(), ErrorCode::Validation);

    let signed_in = env.core.sign_in(" CHU@shop.vn ", &password).await.unwrap();
    assert_eq!(signed_in.session.tenant_id(), signed_up.session.tenant_id());
    let verified = env.core.verify(&signed_in.tokens.access_token).unwrap();
    assert_eq!(verified, signed_in.session);

    // Rotation: the new refresh token works, the old one is spent.
    let refreshed = env
        .core
        .refresh(&signed_in.tokens.refresh_token)
        .await
        .unwrap();
    assert_ne!(
        refreshed.tokens.refresh_token.expose_secret(),
        signed_in.tokens.refresh_token.expose_secret()
    );
    // Reuse of the spent token is refused and ends the whole family, including the new token.
    let reuse = env
        .core
        .refresh(&signed_in.tokens.refresh_token)
        .await
        .unwrap_err();
    assert_eq!(reuse.code(), ErrorCode::Unauthenticated);
    let after_reuse = env
        .core
        .refresh(&refreshed.tokens.refresh_token)
        .await
        .unwrap_err();
    assert_eq!(after_reuse.code(), ErrorCode::Unauthenticated);

    // Sign-out revokes.
    let fresh = env.core.sign_in("chu@shop.vn", &password).await.unwrap();
    env.core
        .sign_out(&fresh.tokens.refresh_token)
        .await
        .unwrap();
    let err = env
        .core
        .refresh(&fresh.tokens.refresh_token)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Unauthenticated);
    // Signing out twice is fine.
    env.core
        .sign_out(&fresh.tokens.refresh_token)
        .await
        .unwrap();
    // Garbage is refused.
    let err = env
        .core
        .refresh(&SecretString::from("not.a.token"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Unauthenticated);
}

async fn unknown_email_and_wrong_password_read_the_same_and_failures_slow_down(backend: Backend) {
    let env = TestEnv::new(backend).await;
    let password = SecretString::from("mật khẩu 123");
    env.core
        .sign_up("Shop", "owner@shop.vn", &password)
        .await
        .unwrap();
    let wrong = env
        .core
        .sign_in("owner@shop.vn", &SecretString::from("wrong password"))
        .await;
    let unknown = env.core.sign_in("nobody@shop.vn", &password).await;
    let (wrong, unknown) = (wrong.unwrap_err(), unknown.unwrap_err());
    assert_eq!(wrong.payload(), unknown.payload());
    assert_eq!(wrong.code(), ErrorCode::Unauthenticated);

    for _ in 1..5 {
        let err = env
            .core
            .sign_in("owner@shop.vn", &SecretString::from("nope"))
            .await;
        assert_eq!(err.unwrap_err().code(), ErrorCode::Unauthenticated);
    }
    // Five failures: now even the right password must wait.
    let err = env
        .core
        .sign_in("owner@shop.vn", &password)
        .await
        .unwrap_err();
    let CoreError::RateLimited { retry_after_secs } = err else {
        panic!("expected a rate limit, got {err}");
    };
    assert!(retry_after_secs >= 1);
    // Unknown emails are slowed the same way, so the limit reveals nothing.
    for _ in 0..5 {
        let _ = env.core.sign_in("ghost@shop.vn", &password).await;
    }
    let err = env
        .core
        .sign_in("ghost@shop.vn", &password)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::RateLimited);
    // Another account is unaffected.
    env.core
        .sign_up("Other", "other@shop.vn", &password)
        .await
        .unwrap();
    env.core.sign_in("other@shop.vn", &password).await.unwrap();
}

async fn parallel_guesses_cannot_share_one_stale_failure_count(backend: Backend) {
    let env = Arc::new(TestEnv::new(backend).await);
    let password = SecretString::from("mật khẩu 123");
    env.core
        .sign_up("Shop", "owner@shop.vn", &password)
        .await
        .unwrap();
    let guesses = (0..20).map(|i| {
        let env = env.clone();
        tokio::spawn(async move {
            env.core
                .sign_in("owner@shop.vn", &SecretString::from(format!("guess {i}")))
                .await
                .unwrap_err()
                .code()
        })
    });
    let codes: Vec<ErrorCode> = futures::future::join_all(guesses)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let checked = codes
        .iter()
        .filter(|code| **code == ErrorCode::Unauthenticated)
        .count();
    let refused = codes
        .iter()
        .filter(|code| **code == ErrorCode::RateLimited)
        .count();
    // Five free attempts, then each must wait 1 s, 2 s, 4 s…: a burst gets a handful checked
    // at most, never all twenty.
    assert!(
        checked <= 7,
        "{checked} of 20 parallel guesses reached the password check"
    );
    assert_eq!(checked + refused, 20);
}

/// Moves the core's throttle clock and expects the next attempt's answer.
async fn attempt(core: &Core, password: &str) -> Result<(), CoreError> {
    core.sign_in("owner@shop.vn", &SecretString::from(password))
        .await
        .map(|_| ())
}

fn wait_of(result: Result<(), CoreError>) -> u64 {
    match result {
        Err(CoreError::RateLimited { retry_after_secs }) => retry_after_secs,
        other => panic!("expected a wait, got {other:?}"),
    }
}

async fn repeated_failures_wait_longer_each_time_and_waiting_never_resets_them(backend: Backend) {
    let mut env = TestEnv::new(backend).await;
    let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
    env.core.set_clock(clock.clone());
    env.core
        .sign_up("Shop", "owner@shop.vn", &SecretString::from("mật khẩu 123"))
        .await
        .unwrap();
    for _ in 0..FREE_LOGIN_FAILURES {
        let err = attempt(&env.core, "sai mật khẩu").await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::Unauthenticated);
    }
    // From here every failure doubles the wait: 1 s, 2 s, 4 s … up to 15 minutes, and serving
    // a wait only buys one more attempt: the count is never reset by waiting.
    let mut waits = Vec::new();
    for failures in FREE_LOGIN_FAILURES..FREE_LOGIN_FAILURES + 20 {
        let wait = wait_of(attempt(&env.core, "sai mật khẩu").await);
        assert_eq!(wait, login_delay_secs(failures));
        // Still limited one second before the wait ends, and with the right password too.
        clock.advance(chrono::Duration::seconds(wait as i64 - 1));
        assert_eq!(wait_of(attempt(&env.core, "mật khẩu 123").await), 1);
        clock.advance(chrono::Duration::seconds(1));
        let err = attempt(&env.core, "sai mật khẩu").await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::Unauthenticated);
        waits.push(wait);
    }
    assert_eq!(&waits[..4], [1, 2, 4, 8]);
    assert!(waits.windows(2).all(|pair| pair[0] <= pair[1]), "{waits:?}");
    assert!(
        waits.iter().filter(|w| **w == MAX_LOGIN_DELAY_SECS).count() >= 5,
        "the longest wait holds, attempt after attempt: {waits:?}"
    );
    assert_eq!(waits.last(), Some(&MAX_LOGIN_DELAY_SECS));
    assert_eq!(
        wait_of(attempt(&env.core, "mật khẩu 123").await),
        MAX_LOGIN_DELAY_SECS
    );
    let err = wait_of(attempt(&env.core, "mật khẩu 123").await);
    assert_eq!(
        err, MAX_LOGIN_DELAY_SECS,
        "a refused attempt costs nothing more"
    );

    // The right password after the wait signs in and forgets the failures.
    clock.advance(chrono::Duration::seconds(MAX_LOGIN_DELAY_SECS as i64));
    attempt(&env.core, "mật khẩu 123").await.unwrap();
    for _ in 0..FREE_LOGIN_FAILURES {
        let err = attempt(&env.core, "sai mật khẩu").await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::Unauthenticated);
    }
    assert_eq!(wait_of(attempt(&env.core, "sai mật khẩu").await), 1);
}

async fn a_quiet_week_forgets_the_failures(backend: Backend) {
    let mut env = TestEnv::new(backend).await;
    let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
    env.core.set_clock(clock.clone());
    env.core
        .sign_up("Shop", "owner@shop.vn", &SecretString::from("mật khẩu 123"))
        .await
        .unwrap();
    for failures in 0..FREE_LOGIN_FAILURES + 6 {
        clock.advance(chrono::Duration::seconds(login_delay_secs(failures) as i64));
        let err = attempt(&env.core, "sai mật khẩu").await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::Unauthenticated);
    }
    assert_eq!(wait_of(attempt(&env.core, "sai mật khẩu").await), 64);
    // Six days of quiet: the count is still there.
    clock.advance(chrono::Duration::days(6));
    attempt(&env.core, "sai mật khẩu").await.unwrap_err();
    assert_eq!(wait_of(attempt(&env.core, "sai mật khẩu").await), 128);
    // A full week without a failure: forgotten, the free attempts are back.
    clock.advance(chrono::Duration::days(7));
    for _ in 0..FREE_LOGIN_FAILURES {
        let err = attempt(&env.core, "sai mật khẩu").await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::Unauthenticated);
    }
    assert_eq!(wait_of(attempt(&env.core, "sai mật khẩu").await), 1);
}

async fn a_taken_email_is_refused_without_saying_that_it_has_an_account(backend: Backend) {
    let env = TestEnv::new(backend).await;
    let password = SecretString::from("mật khẩu 123");
    env.core
        .sign_up("Shop thời trang", "chu@shop.vn", &password)
        .await
        .unwrap();
    let taken = env
        .core
        .sign_up(
            "Another",
            " CHU@shop.vn",
            &SecretString::from("mật khẩu khác 456"),
        )
        .await
        .unwrap_err();
    // The same code as the form's other refusals, and words that confirm nothing.
    let malformed = env
        .core
        .sign_up("Another", "chu-at-shop.vn", &password)
        .await
        .unwrap_err();
    assert_eq!(taken.code(), malformed.code());
    assert_eq!(taken.code(), ErrorCode::Validation);
    let message = taken.to_string();
    assert_eq!(message, integrations_core::domain::SIGN_UP_REFUSED);
    for telling in ["exist", "already has", "registered", "taken", "in use"] {
        assert!(!message.contains(telling), "{message}");
    }
    // Nothing was made: the owner's password still signs in, the newcomer's does not.
    let owner = env.core.sign_in("chu@shop.vn", &password).await.unwrap();
    assert_eq!(
        env.core
            .current_account(&owner.session)
            .await
            .unwrap()
            .tenant_name,
        "Shop thời trang"
    );
    let newcomer = refused_sign_in(&env.core, "chu@shop.vn", "mật khẩu khác 456").await;
    assert_eq!(newcomer.code(), ErrorCode::Unauthenticated);
}

async fn sign_up_checks_its_input(backend: Backend) {
    let env = TestEnv::new(backend).await;
    let short = env
        .core
        .sign_up("Shop", "a@shop.vn", &SecretString::from("short"))
        .await;
    assert_eq!(short.unwrap_err().code(), ErrorCode::Validation);
    let email = env
        .core
        .sign_up("Shop", "not-an-email", &SecretString::from("long enough"))
        .await;
    assert_eq!(email.unwrap_err().code(), ErrorCode::Validation);
    let name = env
        .core
        .sign_up(" ", "a@shop.vn", &SecretString::from("long enough"))
        .await;
    assert_eq!(name.unwrap_err().code(), ErrorCode::Validation);
}

on_both_stores!(
    create_gives_pending_disabled_and_only_a_hint,
    list_update_and_delete_round_trip,
    invalid_input_gets_clear_messages_and_stores_nothing,
    meta_ads_is_limited_to_one_per_tenant,
    ten_concurrent_meta_creates_leave_exactly_one,
    a_pancake_shop_connects_once_per_tenant,
    enable_and_disable_follow_the_status_rules,
    a_stale_edit_is_refused_and_loses_nothing,
    changing_credentials_reseals_them_and_asks_for_a_new_test,
    another_tenant_reaches_nothing_through_any_operation,
    no_secret_is_stored_in_plaintext,
    a_ciphertext_moved_to_another_row_does_not_open,
    key_rotation_reseals_everything_under_a_new_version,
    an_interrupted_rotation_changes_nothing,
    sign_in_refresh_and_sign_out,
    unknown_email_and_wrong_password_read_the_same_and_failures_slow_down,
    sign_up_checks_its_input,
    parallel_guesses_cannot_share_one_stale_failure_count,
    repeated_failures_wait_longer_each_time_and_waiting_never_resets_them,
    a_quiet_week_forgets_the_failures,
    a_taken_email_is_refused_without_saying_that_it_has_an_account,
);
