//! Response bodies are read up to a cap per kind of endpoint: an answer that announces more, or
//! streams on past the cap without announcing anything, is a clear provider error, read no
//! further and not asked for again.

mod common;

use common::{fast_settings, key, pancake_with, small_config};
use integrations_fake_servers::{start_meta, FakeConfig};
use integrations_providers::{
    BodyLimits, HttpSettings, InsightsFlow, InsightsQuery, MetaClient, OrdersQuery, ProviderError,
};

const KIB: u64 = 1024;

fn padded_to(bytes: usize) -> FakeConfig {
    FakeConfig {
        oversized_body_bytes: bytes,
        ..small_config()
    }
}

fn limited(page: u64, small: u64) -> (HttpSettings, integrations_providers::RecordingSleeper) {
    let (settings, sleeper) = fast_settings();
    let settings = HttpSettings {
        body_limits: BodyLimits { page, small },
        ..settings
    };
    (settings, sleeper)
}

fn assert_too_large(err: &ProviderError, provider: &str, cap: &str) {
    assert_eq!(err.code(), "PROVIDER_RESPONSE_TOO_LARGE", "{err}");
    let text = err.to_string();
    assert!(
        text.starts_with(&format!(
            "{provider} sent a response larger than the {cap} the app reads at once"
        )),
        "{text}"
    );
    assert!(!text.contains("http"), "no URL in the message: {text}");
}

#[tokio::test]
async fn a_pancake_answer_announcing_more_than_the_cap_is_refused_and_not_asked_again() {
    let (fake, client, sleeper) =
        pancake_with(padded_to(1024 * 1024), limited(4096 * KIB, 256 * KIB)).await;
    let err = client
        .discover_shops(&key("oversized:announced"))
        .await
        .unwrap_err();
    assert_too_large(&err, "Pancake POS", "256 KiB");
    assert!(!err.is_transient());
    assert_eq!(fake.handle.request_count(), 1);
    assert!(sleeper.slept().is_empty());
}

#[tokio::test]
async fn pages_have_their_own_larger_cap() {
    let (_fake, client, _) =
        pancake_with(padded_to(1024 * 1024), limited(4096 * KIB, 256 * KIB)).await;
    let k = key("oversized:pages");
    // A megabyte is too much for the shop list but fine for a page of orders.
    let page = client
        .orders_page(&k, 6036602, &OrdersQuery::default())
        .await
        .unwrap();
    assert!(!page.data.is_empty());
    let (_tight_fake, tight, _) =
        pancake_with(padded_to(1024 * 1024), limited(512 * KIB, 8192 * KIB)).await;
    let err = tight
        .orders_page(&k, 6036602, &OrdersQuery::default())
        .await
        .unwrap_err();
    assert_too_large(&err, "Pancake POS", "512 KiB");
    // The same megabyte under the small cap of 8 MiB: the shop list is read.
    assert_eq!(tight.discover_shops(&k).await.unwrap().len(), 1);
}

#[tokio::test]
async fn an_endless_pancake_stream_without_a_length_stops_at_the_cap() {
    let (fake, client, _) = pancake_with(small_config(), limited(4096 * KIB, 256 * KIB)).await;
    let err = client.discover_shops(&key("endless")).await.unwrap_err();
    assert_too_large(&err, "Pancake POS", "256 KiB");
    assert_eq!(fake.handle.request_count(), 1);
}

#[tokio::test]
async fn the_default_caps_refuse_a_nine_megabyte_shop_list_and_read_a_nine_megabyte_page() {
    assert_eq!(
        BodyLimits::default(),
        BodyLimits {
            page: 64 * 1024 * KIB,
            small: 8 * 1024 * KIB
        }
    );
    let (fake, client, _) = pancake_with(FakeConfig::default(), fast_settings()).await;
    let k = key("oversized:defaults");
    let err = client.test_connection(&k, 6036602).await.unwrap_err();
    assert_too_large(&err, "Pancake POS", "8 MiB");
    let page = client
        .orders_page(&k, 6036602, &OrdersQuery::default())
        .await
        .unwrap();
    assert!(!page.data.is_empty());
    assert_eq!(fake.handle.request_count(), 2);
}

#[tokio::test]
async fn an_endless_graph_stream_and_an_oversized_graph_answer_are_refused() {
    let fake = start_meta(padded_to(1024 * 1024)).await.unwrap();
    let (settings, _) = limited(4096 * KIB, 256 * KIB);
    let client = MetaClient::new(&fake.base_url, "v27.0", settings).unwrap();
    let err = client
        .discover_ad_accounts(&key("meta-endless"))
        .await
        .unwrap_err();
    assert_too_large(&err, "Meta", "256 KiB");
    assert_eq!(fake.handle.request_count(), 1);

    let t = key("meta-oversized");
    let err = client
        .test_connection(&t, "act_1234567890")
        .await
        .unwrap_err();
    assert_too_large(&err, "Meta", "256 KiB");
    // Insights pages are pages: a megabyte each is read.
    let query = InsightsQuery::new(
        "act_1234567890",
        chrono::NaiveDate::from_ymd_opt(2026, 6, 1).unwrap(),
        chrono::NaiveDate::from_ymd_opt(2026, 6, 3).unwrap(),
        "VND",
    );
    let rows = client
        .insights_with(&t, &query, InsightsFlow::Sync)
        .await
        .unwrap();
    assert!(!rows.is_empty());
}
