//! The real Pancake POS client against the fake server, one test per scenario.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use common::{
    assert_fault, assert_retried_once, closed_port, fast_settings, key, pancake, pancake_with,
    small_config,
};
use integrations_fake_servers::{FakeConfig, FakePancake};
use integrations_providers::{
    HttpSettings, OrderTimeField, OrdersQuery, Page, PancakeClient, PancakeOrder, PancakeShop,
    ProviderError, RecordingSleeper,
};

/// A fresh fake Pancake POS and the shops it lets `api_key` discover; the fake and the client's
/// sleeper for what the test checks after.
async fn discovered(api_key: &str) -> (FakePancake, Vec<PancakeShop>, RecordingSleeper) {
    let (fake, client, sleeper) = pancake().await;
    let shops = client.discover_shops(&key(api_key)).await.unwrap();
    (fake, shops, sleeper)
}

/// The orders `query` selects of the one-shop key's shop.
async fn one_shop_orders(client: &PancakeClient, query: &OrdersQuery) -> Page<PancakeOrder> {
    client
        .orders_page(&key("one-shop"), 6036602, query)
        .await
        .unwrap()
}

/// A fresh fake Pancake POS and the shop its connection test of `shop` with `api_key` returns;
/// the fake for what the test checks after.
async fn connected(api_key: &str, shop: i64) -> (FakePancake, PancakeShop) {
    let (fake, client, _) = pancake().await;
    let shop = client.test_connection(&key(api_key), shop).await.unwrap();
    (fake, shop)
}

#[tokio::test]
async fn discovering_one_shop_returns_its_vietnamese_name_exactly() {
    let (fake, shops, _) = discovered("one-shop").await;
    assert_eq!(shops.len(), 1);
    assert_eq!(shops[0].id, 6036602);
    assert_eq!(shops[0].name, "Shop thời trang");
    assert!(shops[0].avatar_url.is_some());
    assert_eq!(fake.handle.request_count(), 1);
}

#[tokio::test]
async fn discovering_three_shops_keeps_every_name() {
    let (_, shops, _) = discovered("three-shops").await;
    let names: Vec<&str> = shops.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        ["Shop thời trang", "Mỹ phẩm Hà Nội", "Giày dép Sài Gòn"]
    );
}

#[tokio::test]
async fn duplicate_shops_are_listed_once_and_a_data_list_is_accepted() {
    let (_fake, client, _) = pancake().await;
    let shops = client
        .discover_shops(&key("duplicate-shops"))
        .await
        .unwrap();
    let ids: Vec<i64> = shops.iter().map(|s| s.id).collect();
    assert_eq!(ids, [6036602, 7012345, 8024680]);
    let shops = client.discover_shops(&key("data-shops")).await.unwrap();
    assert_eq!(shops.len(), 3);
}

#[tokio::test]
async fn a_key_without_shops_is_told_it_has_no_shop_access() {
    let (_fake, client, _) = pancake().await;
    assert!(client
        .discover_shops(&key("no-shops"))
        .await
        .unwrap()
        .is_empty());
    let err = client
        .test_connection(&key("no-shops"), 6036602)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "PROVIDER_NO_SHOP_ACCESS");
    assert!(err.to_string().contains("has no access to any shop"));
}

refused! { pancake;
    rejected_key_gets_a_clear_message:
        test_connection("rejected", 6036602) => "PROVIDER_AUTH_REJECTED",
        |err, fake, _| {
            assert!(err.is_auth_failure());
            assert_eq!(
                err.to_string(),
                "Pancake POS rejected the API key. Check that it was copied in full and has not \
                 been deleted in Pancake POS (Settings → Advanced → Third-party connection)."
            );
            assert_eq!(
                fake.handle.request_count(),
                1,
                "an auth failure is not retried"
            );
            assert_eq!(fake.handle.status_count(403), 1);
        };
    a_shop_missing_from_the_list_is_not_reachable:
        test_connection("one-shop", 999) => "PROVIDER_SHOP_NOT_REACHABLE",
        |err, _, _| assert_eq!(
            err.to_string(),
            "The store 999 is not reachable with this API key."
        );
    persistent_rate_limits_end_in_a_rate_limited_error:
        discover_shops("rate-limited") => "PROVIDER_RATE_LIMITED",
        |_, fake, sleeper| {
            assert_eq!(fake.handle.status_count(429), 3);
            assert_eq!(sleeper.slept(), [Duration::from_secs(1); 2]);
        };
    server_errors_exhaust_the_attempts_and_give_a_typed_error:
        discover_shops("server-error") => "PROVIDER_UPSTREAM_ERROR",
        |err, fake, sleeper| {
            assert!(matches!(
                err,
                ProviderError::Upstream {
                    status: Some(500),
                    ..
                }
            ));
            assert_eq!(fake.handle.status_count(500), 3);
            let waits = sleeper.slept();
            assert_eq!(waits.len(), 2);
            assert!(
                waits.iter().all(|w| *w <= Duration::from_millis(5)),
                "{waits:?}"
            );
        };
    malformed_json_is_a_malformed_response_and_is_not_retried:
        discover_shops("malformed") => "PROVIDER_MALFORMED_RESPONSE",
        |err, fake, _| assert_fault(&err, "invalid JSON", &fake.handle, 1, "not retried");
    a_truncated_body_is_a_malformed_response_after_retries:
        discover_shops("truncated") => "PROVIDER_MALFORMED_RESPONSE",
        |err, fake, _|
            assert_fault(&err, "cut off", &fake.handle, 3, "a cut connection is worth retrying");
    success_false_with_http_200_is_still_a_failure:
        discover_shops("success-false-200") => "PROVIDER_AUTH_REJECTED",
        |_, fake, _| assert_eq!(fake.handle.status_count(200), 1);
    an_unknown_shop_on_a_shop_endpoint_is_not_reachable:
        orders_page("one-shop", 7012345, &OrdersQuery::default()) => "PROVIDER_SHOP_NOT_REACHABLE";
}

#[tokio::test]
async fn test_connection_returns_the_shop_when_it_is_listed() {
    let (_, shop) = connected("three-shops", 7012345).await;
    assert_eq!(shop.name, "Mỹ phẩm Hà Nội");
}

#[tokio::test]
async fn an_unreachable_server_is_reported_as_unreachable_after_retries() {
    let port = closed_port().await;
    let (settings, sleeper) = fast_settings();
    let client = PancakeClient::new(format!("http://127.0.0.1:{port}/api/v1"), settings).unwrap();
    let err = client.discover_shops(&key("one-shop")).await.unwrap_err();
    assert_eq!(err.code(), "PROVIDER_UNREACHABLE");
    assert_eq!(
        err.to_string(),
        "Could not reach Pancake POS. Check your internet connection and try again."
    );
    assert_eq!(sleeper.slept().len(), 2, "three attempts, two waits");
}

#[tokio::test]
async fn a_slow_server_times_out_with_a_typed_error() {
    let config = FakeConfig {
        // An hour: the client's limit of a fraction of a second ends the wait first, however
        // slowly the machine runs the test.
        slow_delay: Duration::from_secs(3600),
        ..small_config()
    };
    let (settings, sleeper) = fast_settings();
    let settings = HttpSettings {
        request_timeout: Duration::from_millis(150),
        max_attempts: 2,
        ..settings
    };
    let (fake, client, _) = pancake_with(config, (settings, sleeper)).await;
    let err = client.discover_shops(&key("slow")).await.unwrap_err();
    assert_eq!(err.code(), "PROVIDER_TIMEOUT");
    assert!(err.is_transient());
    drop(fake);
}

#[tokio::test]
async fn rate_limited_once_then_ok_retries_after_the_requested_wait() {
    let (fake, shops, sleeper) = discovered("rate-limited-then-ok").await;
    assert_eq!(shops[0].name, "Shop thời trang");
    let retry_after = Duration::from_secs(1);
    assert_retried_once(
        &fake.handle,
        429,
        &sleeper,
        retry_after,
        "Retry-After: 1 honoured",
    );
}

#[tokio::test]
async fn a_rate_limit_that_outlasts_the_allowed_wait_is_returned_with_its_wait() {
    let config = FakeConfig {
        retry_after_secs: 600,
        ..small_config()
    };
    let (fake, client, sleeper) = pancake_with(config, fast_settings()).await;
    let err = client
        .discover_shops(&key("rate-limited"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "PROVIDER_RATE_LIMITED");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(600)));
    assert!(err.to_string().contains("10 minutes"));
    assert_eq!(fake.handle.request_count(), 1);
    assert!(sleeper.slept().is_empty());
}

#[tokio::test]
async fn a_server_error_then_success_recovers() {
    let (fake, shop) = connected("server-error-then-ok", 6036602).await;
    assert_eq!(shop.name, "Shop thời trang");
    assert_eq!(fake.handle.status_count(500), 1);
    assert_eq!(fake.handle.status_count(200), 1);
}

#[tokio::test]
async fn a_missing_permission_on_shop_endpoints_is_permission_denied() {
    let (_fake, client, _) = pancake().await;
    let k = key("no-permission");
    client.test_connection(&k, 6036602).await.unwrap();
    let err = client
        .orders_page(&k, 6036602, &OrdersQuery::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "PROVIDER_PERMISSION_DENIED");
    assert!(err.to_string().contains("ql_donhang"));
}

#[tokio::test]
async fn the_key_travels_only_in_the_query_string() {
    let (fake, _, _) = discovered("one-shop:unique-key-77").await;
    assert!(fake
        .handle
        .seen_in_query("api_key=one-shop%3Aunique-key-77"));
    assert!(!fake.handle.seen_in_headers("unique-key-77"));
}

#[tokio::test]
async fn orders_are_paged_typed_and_filtered_by_the_updated_at_window() {
    let (_fake, client, _) = pancake().await;
    let end = Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap();
    let start = end - chrono::Duration::days(7);
    let mut query = OrdersQuery {
        start: Some(start),
        end: Some(end),
        page_size: 50,
        ..OrdersQuery::default()
    };
    let page = one_shop_orders(&client, &query).await;
    assert_eq!(page.page_number, 1);
    assert_eq!(page.data.len(), 50);
    let total = page.total_entries.unwrap();
    assert!(total > 100, "{total}");
    assert_eq!(page.total_pages.unwrap() as u64, total.div_ceil(50));
    assert!(page.has_more());
    let mut last = None;
    for o in &page.data {
        let updated = o.updated_at.expect("updated_at parses");
        assert!(updated >= start && updated <= end);
        assert!(last.is_none_or(|l| l <= updated), "sorted by last update");
        last = Some(updated);
        assert!(o.inserted_at.unwrap() <= updated);
        assert_ne!(o.status, 7, "deleted orders are not listed by default");
        assert_eq!(o.order_currency.as_deref(), Some("VND"));
        let goods: i64 = o.items.iter().map(|i| i.price.unwrap() * i.quantity).sum();
        assert_eq!(o.total_price, goods);
        assert!(o.items.iter().all(|i| i.variation_id.is_some()));
        assert_eq!(o.raw["id"].as_i64(), Some(o.id));
        assert!(o
            .bill_full_name
            .as_deref()
            .is_some_and(|n| n.split(' ').count() == 3));
    }
    query.page_number = 2;
    let page2 = one_shop_orders(&client, &query).await;
    let ids1: HashSet<i64> = page.data.iter().map(|o| o.id).collect();
    assert!(page2.data.iter().all(|o| !ids1.contains(&o.id)));
}

#[tokio::test]
async fn paging_an_inserted_at_window_returns_each_order_once() {
    let (_fake, client, _) = pancake().await;
    let end = Utc.with_ymd_and_hms(2026, 5, 1, 0, 0, 0).unwrap();
    let mut query = OrdersQuery {
        start: Some(end - chrono::Duration::days(10)),
        end: Some(end),
        time_field: OrderTimeField::InsertedAt,
        option_sort: Some("inserted_at_asc".into()),
        include_removed: true,
        page_size: 100,
        ..OrdersQuery::default()
    };
    let mut seen = HashSet::new();
    let mut statuses = HashSet::new();
    let mut expected = None;
    loop {
        let page = one_shop_orders(&client, &query).await;
        expected = expected.or(page.total_entries);
        for o in &page.data {
            assert!(seen.insert(o.id), "order {} twice", o.id);
            statuses.insert(o.status);
        }
        if !page.has_more() {
            break;
        }
        query.page_number += 1;
    }
    assert_eq!(Some(seen.len() as u64), expected);
    for code in [3, 6, 7] {
        assert!(
            statuses.contains(&code),
            "status {code} present in {statuses:?}"
        );
    }
}

#[tokio::test]
async fn orders_of_the_ads_shop_carry_meta_ad_ids() {
    let (_fake, client, _) = pancake().await;
    let query = OrdersQuery {
        page_size: 200,
        ..OrdersQuery::default()
    };
    let page = one_shop_orders(&client, &query).await;
    let with_ads = page.data.iter().filter(|o| o.ad_id.is_some()).count();
    assert!(with_ads > 20 && with_ads < 150, "{with_ads}");
    assert!(page
        .data
        .iter()
        .filter_map(|o| o.ad_id.as_deref())
        .all(|a| integrations_fake_servers::data::ads()
            .iter()
            .any(|ad| ad.id == a)));
}

#[tokio::test]
async fn variations_warehouses_and_inventory_are_typed() {
    let (_fake, client, _) = pancake().await;
    let k = key("three-shops");
    let warehouses = client.warehouses(&k, 7012345).await.unwrap();
    assert_eq!(warehouses.len(), 2);
    assert_eq!(warehouses[0].name, "Kho chính");
    let page = client.variations_page(&k, 7012345, 1, 10).await.unwrap();
    assert_eq!(page.data.len(), 10);
    let v = &page.data[0];
    assert_eq!(v.product_name.as_deref(), Some("Son kem lì màu đỏ gạch"));
    assert!(v.retail_price > 0 && v.retail_price % 1000 == 0);
    assert_eq!(v.stock.len(), 2);
    assert_eq!(
        v.remain_quantity,
        v.stock.iter().map(|s| s.remain_quantity).sum::<i64>()
    );
    assert!(v
        .stock
        .iter()
        .all(|s| warehouses.iter().any(|w| w.id == s.warehouse_id)));
    let mut all = 0;
    let mut n = 1;
    loop {
        let p = client.variations_page(&k, 7012345, n, 10).await.unwrap();
        all += p.data.len();
        if !p.has_more() {
            break;
        }
        n += 1;
    }
    assert_eq!(Some(all as u64), page.total_entries);
    let moves = client
        .inventory_histories_page(&k, 7012345, 2, 25, None)
        .await
        .unwrap();
    assert_eq!(moves.page_number, 2);
    assert_eq!(moves.data.len(), 25);
    assert!(moves
        .data
        .iter()
        .all(|m| m.variation_id.is_some() && m.inserted_at.is_some()));
}
