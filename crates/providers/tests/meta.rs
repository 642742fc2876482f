//! The real Meta client against the fake Graph API, one test per scenario.

mod common;

use std::time::Duration;

use chrono::NaiveDate;
use common::{assert_fault, assert_retried_once, closed_port, fast_settings, key, meta};
use integrations_fake_servers::{data::ads, start_meta, FakeMeta};
use integrations_providers::{
    AdAccount, InsightsFlow, InsightsQuery, MetaClient, ProviderError, RecordingSleeper,
    ReportPolling,
};

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// The fake's one VND ad account, from one day to another (both `YYYY-MM-DD`, inclusive).
fn vnd_insights(from: &str, to: &str) -> InsightsQuery {
    InsightsQuery::new("act_1234567890", day(from), day(to), "VND")
}

/// A fresh fake Graph API and the ad accounts it lets `token` discover; the fake for what the
/// test checks after.
async fn discovered(token: &str) -> (FakeMeta, Vec<AdAccount>) {
    let (fake, client, _) = meta().await;
    let accounts = client.discover_ad_accounts(&key(token)).await.unwrap();
    (fake, accounts)
}

/// A fresh fake Graph API and the ad account its connection test of `account` with `token`
/// returns; the fake and the client's sleeper for what the test checks after.
async fn connected(token: &str, account: &str) -> (FakeMeta, AdAccount, RecordingSleeper) {
    let (fake, client, sleeper) = meta().await;
    let account = client.test_connection(&key(token), account).await.unwrap();
    (fake, account, sleeper)
}

#[tokio::test]
async fn one_account_is_discovered_with_its_fields_and_the_token_only_in_the_header() {
    let (fake, accounts) = discovered("meta-one-account:tok-81").await;
    assert_eq!(accounts.len(), 1);
    let a = &accounts[0];
    assert_eq!(
        (a.id.as_str(), a.account_id.as_str()),
        ("act_1234567890", "1234567890")
    );
    assert_eq!(a.name, "Shop thời trang - Quảng cáo");
    assert_eq!((a.account_status, a.currency.as_str()), (1, "VND"));
    assert_eq!(a.timezone_name, "Asia/Ho_Chi_Minh");
    assert!(!fake.handle.seen_in_query("tok-81"));
    assert!(fake
        .handle
        .seen_in_headers("Bearer meta-one-account:tok-81"));
    assert!(fake.handle.requests()[0]
        .path
        .starts_with("/v27.0/me/adaccounts"));
}

#[tokio::test]
async fn many_accounts_are_discovered_across_pages() {
    let (fake, accounts) = discovered("meta-many-accounts").await;
    assert_eq!(accounts.len(), 57);
    assert_eq!(
        fake.handle.request_count(),
        3,
        "pages of 25 followed through paging.next"
    );
    let ids: std::collections::HashSet<&str> = accounts.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids.len(), 57);
    assert!(fake
        .handle
        .requests()
        .iter()
        .all(|r| !r.query.contains("access_token")));
    assert!(accounts.iter().any(|a| a.account_status == 2));
}

#[tokio::test]
async fn no_accounts_gives_an_empty_list() {
    assert!(discovered("meta-no-accounts").await.1.is_empty());
}

refused! { meta;
    an_expired_token_asks_to_reconnect_and_is_not_retried:
        test_connection("meta-expired", "act_1234567890") => "PROVIDER_TOKEN_EXPIRED",
        |err, fake, _| {
            assert!(err.is_auth_failure());
            assert_eq!(
                err.to_string(),
                "The Meta access token has expired or was revoked. Reconnect Meta Ads with a new \
                 token."
            );
            assert_eq!(fake.handle.request_count(), 1);
        };
    an_unparseable_token_is_rejected:
        discover_ad_accounts("garbage") => "PROVIDER_AUTH_REJECTED";
    a_disabled_account_is_named_in_the_message:
        test_connection("meta-disabled-account", "2222222222") => "PROVIDER_ACCOUNT_INACTIVE",
        |err, _, _| {
            assert_eq!(
                err.to_string(),
                "The ad account act_2222222222 is DISABLED (account_status 2); only ACTIVE \
                 accounts deliver ads."
            );
        };
    an_unshared_account_is_not_reachable:
        test_connection("meta-one-account", "act_999") => "PROVIDER_ACCOUNT_NOT_REACHABLE",
        |err, _, _| assert!(err.to_string().contains("act_999"));
    server_errors_exhaust_the_attempts:
        discover_ad_accounts("meta-server-error") => "PROVIDER_UPSTREAM_ERROR",
        |_, fake, sleeper| {
            assert_eq!(fake.handle.status_count(500), 3);
            assert_eq!(sleeper.slept().len(), 2);
        };
    a_malformed_graph_answer_is_reported:
        discover_ad_accounts("meta-malformed") => "PROVIDER_MALFORMED_RESPONSE";
    a_failed_report_job_is_an_error:
        insights("meta-report-fails", &vnd_insights("2026-01-01", "2026-06-30"))
            => "PROVIDER_UPSTREAM_ERROR",
        |err, _, _| assert!(err.to_string().contains("Job Failed"));
    a_next_link_that_repeats_without_cursors_stops_with_a_malformed_error:
        discover_ad_accounts("meta-paging-loop") => "PROVIDER_MALFORMED_RESPONSE",
        |err, fake, _| assert_fault(
            &err,
            "repeated",
            &fake.handle,
            2,
            "the first page, then the repeated link once",
        );
    a_report_post_that_fails_with_500_is_not_sent_twice:
        insights_with(
            "meta-report-500-once",
            &vnd_insights("2026-04-02", "2026-06-30"),
            InsightsFlow::Async
        ) => "PROVIDER_UPSTREAM_ERROR",
        |err, fake, sleeper| {
            assert!(
                matches!(
                    err,
                    ProviderError::Upstream {
                        status: Some(500),
                        ..
                    }
                ),
                "{err:?}"
            );
            assert!(
                err.is_transient(),
                "the caller may run the sync again later"
            );
            let posts = fake
                .handle
                .requests()
                .iter()
                .filter(|r| r.method == "POST")
                .count();
            assert_eq!(posts, 1, "a report POST that reached Meta is never resent");
            assert_eq!(fake.handle.request_count(), 1, "no poll without a run id");
            assert!(sleeper.slept().is_empty(), "no retry backoff");
        };
}

#[tokio::test]
async fn a_grace_period_account_connects_with_a_warning() {
    let (_, a, _) = connected("meta-grace-period", "act_3333333333").await;
    assert_eq!(a.status_name(), "IN_GRACE_PERIOD");
    assert!(a.status_warning().unwrap().contains("payment"));
}

#[tokio::test]
async fn test_connection_accepts_an_active_account() {
    let (_, a, _) = connected("meta-one-account", "act_1234567890").await;
    assert_eq!(a.status_name(), "ACTIVE");
    assert!(a.status_warning().is_none());
}

#[tokio::test]
async fn a_rate_limit_waits_for_the_regain_time_then_succeeds() {
    let (fake, a, sleeper) = connected("meta-rate-limited-then-ok", "act_1234567890").await;
    assert_eq!(a.account_status, 1);
    let regain = Duration::from_secs(60);
    assert_retried_once(
        &fake.handle,
        400,
        &sleeper,
        regain,
        "estimated_time_to_regain_access=1",
    );
}

#[tokio::test]
async fn high_usage_makes_the_client_pause_before_the_next_request() {
    let (_fake, client, sleeper) = meta().await;
    let t = key("meta-high-usage");
    client.test_connection(&t, "act_1234567890").await.unwrap();
    assert!(sleeper.slept().is_empty());
    client.test_connection(&t, "act_1234567890").await.unwrap();
    assert_eq!(sleeper.slept(), [Duration::from_secs(10)]);
}

#[tokio::test]
async fn one_busy_ad_account_says_slow_down_to_its_own_runs_and_not_to_the_others() {
    let (_fake, client, _sleeper) = meta().await;
    // act_1234567890's own usage is at 95 %, the app's at 3 %.
    let t = key("meta-busy-account");
    client.ad_account(&t, "act_5555555555").await.unwrap();
    assert_eq!(client.high_usage_answers(), 0);
    client.ad_account(&t, "act_1234567890").await.unwrap();
    client.ad_account(&t, "1234567890").await.unwrap();
    assert_eq!(client.high_usage_answers_of("act_1234567890"), 2);
    assert_eq!(client.high_usage_answers_of("act_5555555555"), 0);
    assert_eq!(client.high_usage_answers(), 2);
}

/// With `token`, a request for act_1234567890, whose answer asks for a pause, then one for
/// act_5555555555: that second request's outcome, the client and the waits it took before it
/// (and the fake, kept running for the next requests).
async fn another_account_after_a_high_usage_answer(
    token: &str,
) -> (
    Result<AdAccount, ProviderError>,
    MetaClient,
    RecordingSleeper,
    FakeMeta,
) {
    let (fake, client, sleeper) = meta().await;
    client
        .ad_account(&key(token), "act_1234567890")
        .await
        .unwrap();
    let other = client.ad_account(&key(token), "act_5555555555").await;
    (other, client, sleeper, fake)
}

#[tokio::test]
async fn one_busy_ad_accounts_pause_holds_back_its_own_next_request_and_not_the_others() {
    // act_1234567890's own usage is at 95 %, the app's at 3 %.
    let (other, client, sleeper, _fake) =
        another_account_after_a_high_usage_answer("meta-busy-account").await;
    other.unwrap();
    assert!(
        sleeper.slept().is_empty(),
        "the quiet account's request waited for the busy one's pause"
    );
    client
        .ad_account(&key("meta-busy-account"), "1234567890")
        .await
        .unwrap();
    assert_eq!(sleeper.slept(), [Duration::from_secs(10)]);
}

#[tokio::test]
async fn the_apps_high_usage_pauses_the_next_request_whatever_its_ad_account() {
    // Every header at 95 %, the app's included; this token reaches act_1234567890 alone, so
    // the other account's request is refused, after the app's pause.
    let (other, _client, sleeper, _fake) =
        another_account_after_a_high_usage_answer("meta-high-usage").await;
    let err = other.unwrap_err();
    assert!(
        matches!(err, ProviderError::AccountNotReachable { .. }),
        "{err}"
    );
    assert_eq!(sleeper.slept(), [Duration::from_secs(10)]);
}

#[tokio::test]
async fn the_apps_high_usage_says_slow_down_to_every_ad_account() {
    let (_fake, client, _sleeper) = meta().await;
    // Every header at 95 %, the app's included.
    let t = key("meta-high-usage");
    client.ad_account(&t, "act_1234567890").await.unwrap();
    assert_eq!(client.high_usage_answers_of("act_1234567890"), 1);
    assert_eq!(client.high_usage_answers_of("act_5555555555"), 1);
}

#[tokio::test]
async fn an_expired_api_version_says_to_update_the_app() {
    let fake = start_meta(common::small_config()).await.unwrap();
    let (settings, _) = fast_settings();
    let client = MetaClient::new(&fake.base_url, "v18.0", settings).unwrap();
    let err = client
        .test_connection(&key("meta-one-account"), "act_1234567890")
        .await;
    let err = err.unwrap_err();
    assert_eq!(err.code(), "PROVIDER_API_VERSION_EXPIRED");
    assert!(err.to_string().contains("v18.0"));
    assert!(!err.is_auth_failure());
}

#[tokio::test]
async fn an_unreachable_graph_api_is_reported() {
    let port = closed_port().await;
    let (settings, _) = fast_settings();
    let client = MetaClient::new(format!("http://127.0.0.1:{port}"), "v27.0", settings).unwrap();
    let err = client
        .discover_ad_accounts(&key("meta-one-account"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "PROVIDER_UNREACHABLE");
}

#[tokio::test]
async fn insights_are_paged_and_follow_the_purchase_rule() {
    let (fake, client, _) = meta().await;
    let mut q = vnd_insights("2026-06-01", "2026-06-14");
    q.limit = 25;
    let rows = client.insights(&key("meta-one-account"), &q).await.unwrap();
    assert_eq!(rows.len(), 14 * ads().len());
    assert_eq!(fake.handle.request_count(), rows.len().div_ceil(25));
    assert!(!fake.handle.seen_in_query("access_token"));
    let mut fallback = 0;
    for r in &rows {
        assert_eq!(r.spend_minor, r.spend.parse::<i64>().unwrap());
        assert_eq!(r.currency_exponent, 0);
        let actions = r.raw["actions"].as_array().unwrap();
        let find = |t: &str| {
            actions
                .iter()
                .find(|a| a["action_type"] == t)
                .map(|a| a["value"].as_str().unwrap())
        };
        match find("omni_purchase") {
            Some(v) => assert_eq!(r.purchases.to_string(), v),
            None => {
                fallback += 1;
                assert_eq!(r.purchase_action_type.as_deref(), Some("purchase"));
                assert_eq!(r.purchases.to_string(), find("purchase").unwrap());
            }
        }
        assert!(r.campaign_name.is_some() && r.adset_name.is_some());
    }
    assert!(
        fallback > 0,
        "some rows exercise the fallback to `purchase`"
    );
}

#[tokio::test]
async fn long_ranges_use_the_async_report_flow() {
    let (fake, client, sleeper) = meta().await;
    let client = client.with_report_polling(ReportPolling {
        interval: Duration::from_millis(250),
        ..ReportPolling::default()
    });
    let q = vnd_insights("2026-04-02", "2026-06-30");
    assert!(q.days() > 30);
    let rows = client.insights(&key("meta-one-account"), &q).await.unwrap();
    let reqs = fake.handle.requests();
    assert_eq!(reqs.iter().filter(|r| r.method == "POST").count(), 1);
    let polls = reqs
        .iter()
        .filter(|r| r.path.starts_with("/v27.0/60230000"))
        .count();
    assert!(polls >= 3, "two polls and at least one page, got {polls}");
    assert_eq!(sleeper.slept(), [Duration::from_millis(250)]);
    assert!(rows.len() > 800, "{}", rows.len());
    let first = rows.iter().map(|r| r.date_start).min().unwrap();
    assert!(first >= day("2026-04-02"));
}

#[tokio::test]
async fn next_links_on_another_origin_are_rebuilt_from_the_cursor() {
    let fake = start_meta(common::small_config()).await.unwrap();
    // The fake writes next links with 127.0.0.1; the client is configured with localhost,
    // so every next link looks foreign and must be rebuilt from the `after` cursor.
    let base = fake.base_url.replace("127.0.0.1", "localhost");
    let (settings, _) = fast_settings();
    let client = MetaClient::new(base, "v27.0", settings).unwrap();
    let mut q = vnd_insights("2026-06-01", "2026-06-05");
    q.limit = 7;
    let rows = client
        .insights_with(&key("meta-one-account"), &q, InsightsFlow::Sync)
        .await
        .unwrap();
    assert_eq!(rows.len(), 5 * ads().len());
    assert_eq!(fake.handle.request_count(), rows.len().div_ceil(7));
}

#[tokio::test]
async fn a_report_post_that_cannot_connect_is_retried() {
    let port = closed_port().await;
    let (settings, sleeper) = fast_settings();
    let client = MetaClient::new(format!("http://127.0.0.1:{port}"), "v27.0", settings).unwrap();
    let q = vnd_insights("2026-04-02", "2026-06-30");
    let err = client
        .insights_with(&key("meta-one-account"), &q, InsightsFlow::Async)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "PROVIDER_UNREACHABLE");
    assert_eq!(
        sleeper.slept().len(),
        2,
        "nothing was sent, so all three attempts are made"
    );
}
