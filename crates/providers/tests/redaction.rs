//! Every error path, provoked with a distinctive secret: the secret must appear in no error's
//! Display or Debug and in no log line.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{closed_port, fast_settings, key, pancake_with, small_config};
use integrations_fake_servers::{start_meta, FakeConfig};
use integrations_providers::{HttpSettings, MetaClient, OrdersQuery, PancakeClient, ProviderError};
use secrecy::SecretString;

const SECRET: &str = "SECRET-KEY-DO-NOT-LEAK-1234";

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn assert_clean(what: &str, err: &ProviderError) {
    let display = err.to_string();
    let debug = format!("{err:?}");
    assert!(
        !display.contains(SECRET),
        "{what}: Display leaks: {display}"
    );
    assert!(!debug.contains(SECRET), "{what}: Debug leaks: {debug}");
    assert!(
        !debug.contains("1234"),
        "{what}: Debug leaks part of the key: {debug}"
    );
}

/// The first run of six or more characters of `secret` found in `text`, if any.
fn secret_fragment(text: &str, secret: &str) -> Option<String> {
    let chars: Vec<char> = secret.chars().collect();
    chars
        .windows(6)
        .map(|w| w.iter().collect::<String>())
        .find(|w| text.contains(w.as_str()))
}

fn assert_no_fragment(what: &str, err: &ProviderError, secret: &str) {
    for text in [err.to_string(), format!("{err:?}")] {
        if let Some(f) = secret_fragment(&text, secret) {
            panic!("{what}: `{f}` of the secret survives in: {text}");
        }
    }
}

/// Provokes each scenario's error with the secret in the scenario's key (`call` gets both) and
/// checks that none shows the secret; the errors' codes.
async fn clean_errors(
    scenarios: &[&str],
    call: impl AsyncFn(&str, &SecretString) -> ProviderError,
) -> Vec<&'static str> {
    let mut codes = Vec::new();
    for scenario in scenarios {
        let err = call(scenario, &key(&format!("{scenario}:{SECRET}"))).await;
        assert_clean(scenario, &err);
        codes.push(err.code());
    }
    codes
}

#[tokio::test]
async fn a_pancake_message_echoing_the_key_across_the_cut_leaks_no_fragment() {
    let secret = "echo-key:Zq8Wv3Lm5Tx1Rp7K";
    let (fake, client, _) = pancake_with(small_config(), fast_settings()).await;
    let err = client.discover_shops(&key(secret)).await.unwrap_err();
    // The fake did echo the key right across the 300-character cut.
    assert_eq!(fake.handle.status_count(400), 1);
    assert_eq!(err.code(), "PROVIDER_UPSTREAM_ERROR");
    assert!(err
        .to_string()
        .contains("Please check the request parameters"));
    assert_no_fragment("pancake echo", &err, secret);
}

#[tokio::test]
async fn a_meta_message_echoing_the_token_across_the_cut_leaks_no_fragment() {
    let secret = "meta-echo-token:Hs4Nd9Qe2Vb6Yc";
    let meta = start_meta(small_config()).await.unwrap();
    let (settings, _) = fast_settings();
    let client = MetaClient::new(&meta.base_url, "v27.0", settings).unwrap();
    let t = key(secret);
    let err = client.discover_ad_accounts(&t).await.unwrap_err();
    assert_eq!(meta.handle.status_count(400), 1);
    assert_eq!(err.code(), "PROVIDER_AUTH_REJECTED");
    assert!(format!("{err:?}").contains("Please check the request parameters"));
    assert_no_fragment("meta echo (discovery)", &err, secret);
    let err = client
        .test_connection(&t, "act_1234567890")
        .await
        .unwrap_err();
    assert_no_fragment("meta echo (account)", &err, secret);
}

#[tokio::test]
async fn no_error_or_log_line_ever_contains_the_key_or_token() {
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let config = FakeConfig {
        // An hour: the client's limit of a fraction of a second ends the wait first, however
        // slowly the machine runs the test.
        slow_delay: Duration::from_secs(3600),
        ..small_config()
    };
    let (settings, sleeper) = fast_settings();
    let (fake, client, _) = pancake_with(config.clone(), (settings.clone(), sleeper)).await;
    let pancake_scenarios = [
        "rejected",
        "no-shops",
        "rate-limited",
        "server-error",
        "malformed",
        "truncated",
        "success-false-200",
        "one-shop",
        "no-permission",
        "oversized",
        "endless",
    ];
    let mut codes = clean_errors(&pancake_scenarios, async |scenario, k| match scenario {
        "one-shop" => client.test_connection(k, 1).await.unwrap_err(),
        "no-permission" => client
            .orders_page(k, 6036602, &OrdersQuery::default())
            .await
            .unwrap_err(),
        _ => client.test_connection(k, 6036602).await.unwrap_err(),
    })
    .await;
    // The fake did receive the key: the test really exercised it.
    assert!(fake.handle.seen_in_query(SECRET));

    let slow = PancakeClient::new(
        &fake.base_url,
        HttpSettings {
            request_timeout: Duration::from_millis(100),
            max_attempts: 1,
            ..settings.clone()
        },
    )
    .unwrap();
    let err = slow
        .discover_shops(&key(&format!("slow:{SECRET}")))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "PROVIDER_TIMEOUT");
    assert_clean("timeout", &err);
    codes.push(err.code());

    let port = closed_port().await;
    let down = PancakeClient::new(format!("http://127.0.0.1:{port}/api/v1"), settings.clone());
    let err = down
        .unwrap()
        .discover_shops(&key(SECRET))
        .await
        .unwrap_err();
    assert_clean("unreachable", &err);
    codes.push(err.code());

    let meta = start_meta(small_config()).await.unwrap();
    let client = MetaClient::new(&meta.base_url, "v27.0", settings.clone()).unwrap();
    let meta_scenarios = [
        "meta-expired",
        "meta-disabled-account",
        "meta-server-error",
        "meta-malformed",
        "meta-report-fails",
        "unknown",
        "meta-one-account",
        "meta-oversized",
        "meta-endless",
    ];
    let meta_codes = clean_errors(&meta_scenarios, async |scenario, t| {
        match scenario {
            "meta-disabled-account" => client.test_connection(t, "2222222222").await,
            "meta-report-fails" => {
                let q = integrations_providers::InsightsQuery::new(
                    "act_1234567890",
                    chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
                    chrono::NaiveDate::from_ymd_opt(2026, 6, 1).unwrap(),
                    "VND",
                );
                client.insights(t, &q).await.map(|_| unreachable!())
            }
            "meta-one-account" => client.test_connection(t, "act_42").await,
            _ => client.test_connection(t, "act_1234567890").await,
        }
        .unwrap_err()
    })
    .await;
    codes.extend(meta_codes);
    let old = MetaClient::new(&meta.base_url, "v18.0", settings).unwrap();
    let err = old.discover_ad_accounts(&key(SECRET)).await.unwrap_err();
    assert_clean("version", &err);
    codes.push(err.code());

    codes.sort_unstable();
    codes.dedup();
    assert!(
        codes.len() >= 12,
        "many distinct error paths exercised: {codes:?}"
    );

    let logs = String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("retrying"), "logs were captured");
    assert!(logs.contains("response body over the cap"), "{logs}");
    assert!(!logs.contains(SECRET), "a log line leaks the secret");
    assert!(
        !logs.contains("api_key="),
        "a URL with its query was logged"
    );
}
