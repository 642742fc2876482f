//! Helpers shared by the provider integration tests.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use integrations_fake_servers::{
    start_meta, start_pancake, FakeConfig, FakeHandle, FakeMeta, FakePancake,
};
use integrations_providers::{
    HttpSettings, MetaClient, PancakeClient, ProviderError, RecordingSleeper,
};
use secrecy::SecretString;

/// Fast settings: three attempts, a recording sleeper (no real waits), short timeouts.
pub fn fast_settings() -> (HttpSettings, RecordingSleeper) {
    let sleeper = RecordingSleeper::new();
    let settings = HttpSettings {
        connect_timeout: Duration::from_secs(2),
        request_timeout: Duration::from_secs(10),
        max_attempts: 3,
        base_backoff: Duration::from_millis(1),
        max_backoff: Duration::from_millis(5),
        ..HttpSettings::default()
    }
    .with_sleeper(Arc::new(sleeper.clone()));
    (settings, sleeper)
}

pub fn small_config() -> FakeConfig {
    FakeConfig {
        orders_per_shop: 3_000,
        days: 90,
        ..FakeConfig::default()
    }
}

pub async fn pancake() -> (FakePancake, PancakeClient, RecordingSleeper) {
    pancake_with(small_config(), fast_settings()).await
}

pub async fn pancake_with(
    config: FakeConfig,
    (settings, sleeper): (HttpSettings, RecordingSleeper),
) -> (FakePancake, PancakeClient, RecordingSleeper) {
    let fake = start_pancake(config).await.expect("fake pancake starts");
    let client = PancakeClient::new(&fake.base_url, settings).expect("client");
    (fake, client, sleeper)
}

pub async fn meta() -> (FakeMeta, MetaClient, RecordingSleeper) {
    let fake = start_meta(small_config()).await.expect("fake meta starts");
    let (settings, sleeper) = fast_settings();
    let client = MetaClient::new(&fake.base_url, "v27.0", settings).expect("client");
    (fake, client, sleeper)
}

pub fn key(s: &str) -> SecretString {
    SecretString::from(s.to_owned())
}

/// The error names what was wrong with the fake's answer (`fault`), and the fake was asked
/// `requests` times: `why` that many.
pub fn assert_fault(
    err: &ProviderError,
    fault: &str,
    handle: &FakeHandle,
    requests: usize,
    why: &str,
) {
    assert!(err.to_string().contains(fault), "{err}");
    assert_eq!(handle.request_count(), requests, "{why}");
}

/// The fake answered `status` once, the client waited as told (`wait`, for `why`) and asked
/// again, and the fake answered 200 once.
pub fn assert_retried_once(
    handle: &FakeHandle,
    status: u16,
    sleeper: &RecordingSleeper,
    wait: Duration,
    why: &str,
) {
    assert_eq!(handle.status_count(status), 1);
    assert_eq!(handle.status_count(200), 1);
    assert_eq!(sleeper.slept(), [wait], "{why}");
}

/// A local port with nothing listening.
pub async fn closed_port() -> u16 {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = l.local_addr().expect("addr").port();
    drop(l);
    port
}

/// One `#[tokio::test]` per row, each on a fresh fake and its client from `fixture` (`meta` or
/// `pancake`): the client's `call`, with the row's scenario token as the key, must fail with the
/// row's error code. A row's closure-like block, if any, then checks the error, the fake and the
/// recording sleeper it names.
#[macro_export]
macro_rules! refused {
    ($fixture:ident; $(
        $name:ident: $call:ident($token:literal $(, $arg:expr)*) => $code:literal
        $(, |$err:tt, $fake:tt, $sleeper:tt| $then:expr)?;
    )+) => {$(
        #[tokio::test]
        async fn $name() {
            let (_fake, client, _sleeper) = $crate::common::$fixture().await;
            let err = client
                .$call(&$crate::common::key($token) $(, $arg)*)
                .await
                .unwrap_err();
            assert_eq!(err.code(), $code);
            $(let ($err, $fake, $sleeper) = (err, _fake, _sleeper); $then;)?
        }
    )+};
}
