//! The fakes on their own: deterministic data, paging, envelopes, the binary.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use chrono::Utc;
use integrations_fake_servers::{
    echo_message, start_meta, start_pancake, FakeConfig, FakeMeta, FakePancake, OrderChurn,
    ECHO_OFFSET,
};
use serde_json::Value;

async fn get(url: &str, bearer: Option<&str>) -> (u16, Value) {
    let mut req = reqwest::Client::new().get(url);
    if let Some(t) = bearer {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

/// A GET of `path` (from `/shops` on) on the fake Pancake POS, as [`get`] answers it.
async fn pancake_get(fake: &FakePancake, path: &str) -> (u16, Value) {
    get(&format!("{}{path}", fake.base_url), None).await
}

#[tokio::test]
async fn two_servers_with_the_same_seed_serve_the_same_orders() {
    let a = start_pancake(FakeConfig::default()).await.unwrap();
    let b = start_pancake(FakeConfig::default()).await.unwrap();
    let path = "/shops/6036602/orders?api_key=one-shop&page_size=40&page_number=3";
    let (sa, pa) = pancake_get(&a, path).await;
    let (_, pb) = pancake_get(&b, path).await;
    assert_eq!(sa, 200);
    assert_eq!(pa, pb);
    assert_eq!(pa["data"].as_array().unwrap().len(), 40);
    assert_eq!(pa["page_number"], 3);
    assert!(
        pa["total_entries"].as_u64().unwrap() > 25_000,
        "tens of thousands per shop"
    );
}

#[tokio::test]
async fn pancake_errors_use_the_documented_envelopes() {
    let f = start_pancake(FakeConfig::default()).await.unwrap();
    let (s, body) = pancake_get(&f, "/shops?api_key=nope").await;
    assert_eq!((s, body["error_code"].as_i64()), (403, Some(105)));
    let (s, body) = pancake_get(&f, "/shops?api_key=rate-limited").await;
    assert_eq!((s, body["error_code"].as_i64()), (429, Some(106)));
    let (s, body) = pancake_get(&f, "/shops?api_key=success-false-200").await;
    assert_eq!((s, body["success"].as_bool()), (200, Some(false)));
    assert_eq!(f.handle.status_count(403), 1);
}

/// A fresh fake Graph's first page of ad accounts (25 a page) in a token's scenario, answered
/// 200; the fake, the page's URL and the page.
async fn first_ad_accounts_page(scenario: &str) -> (FakeMeta, String, Value) {
    let f = start_meta(FakeConfig::default()).await.unwrap();
    let url = format!("{}/v27.0/me/adaccounts?limit=25", f.base_url);
    let (s, body) = get(&url, Some(scenario)).await;
    assert_eq!(s, 200);
    (f, url, body)
}

#[tokio::test]
async fn graph_next_links_point_back_at_the_fake() {
    let (f, url, body) = first_ad_accounts_page("meta-many-accounts").await;
    let next = body["paging"]["next"].as_str().unwrap();
    assert!(next.starts_with(&f.base_url));
    let (_, page2) = get(next, Some("meta-many-accounts")).await;
    assert_eq!(page2["data"].as_array().unwrap().len(), 25);
    let (s, err) = get(&url, Some("meta-expired")).await;
    assert_eq!((s, err["error"]["code"].as_i64()), (400, Some(190)));
    assert_eq!(err["error"]["error_subcode"].as_i64(), Some(463));
}

#[tokio::test]
async fn echo_scenarios_quote_the_credential_from_the_offset() {
    let m = echo_message("echo-key:abc");
    assert_eq!(m.find("echo-key:abc"), Some(ECHO_OFFSET));
    assert!(m.is_ascii());

    let p = start_pancake(FakeConfig::default()).await.unwrap();
    let (s, body) = pancake_get(&p, "/shops?api_key=echo-key:k1").await;
    assert_eq!((s, body["success"].as_bool()), (400, Some(false)));
    let msg = body["message"].as_str().unwrap();
    assert_eq!(msg.find("echo-key:k1"), Some(ECHO_OFFSET));

    let f = start_meta(FakeConfig::default()).await.unwrap();
    let url = format!("{}/v27.0/me/adaccounts", f.base_url);
    let (s, err) = get(&url, Some("meta-echo-token:t1")).await;
    assert_eq!((s, err["error"]["code"].as_i64()), (400, Some(190)));
    let msg = err["error"]["message"].as_str().unwrap();
    assert_eq!(msg.find("meta-echo-token:t1"), Some(ECHO_OFFSET));
}

#[tokio::test]
async fn the_paging_loop_scenario_repeats_its_next_link_without_cursors() {
    let (_f, _, first) = first_ad_accounts_page("meta-paging-loop").await;
    let next = first["paging"]["next"].as_str().unwrap().to_owned();
    assert!(first["paging"].get("cursors").is_none());
    let (_, second) = get(&next, Some("meta-paging-loop")).await;
    assert_eq!(second["paging"]["next"].as_str(), Some(next.as_str()));
}

#[tokio::test]
async fn the_report_post_fails_once_per_token_after_creating_the_job() {
    let f = start_meta(FakeConfig::default()).await.unwrap();
    let url = format!(
        "{}/v27.0/act_1234567890/insights?level=ad&time_increment=1",
        f.base_url
    );
    let post = || {
        reqwest::Client::new()
            .post(&url)
            .bearer_auth("meta-report-500-once:t1")
            .send()
    };
    let first = post().await.unwrap();
    assert_eq!(first.status().as_u16(), 500);
    let second: Value = post().await.unwrap().json().await.unwrap();
    // The failed POST had created job 1 already.
    assert_eq!(second["report_run_id"], "602300000002");
}

#[tokio::test]
async fn a_request_rate_above_the_limit_is_answered_429() {
    let config = FakeConfig {
        rate_limit_per_sec: Some(3),
        ..FakeConfig::default()
    };
    let f = start_pancake(config).await.unwrap();
    for _ in 0..6 {
        pancake_get(&f, "/shops?api_key=one-shop").await;
    }
    assert!(f.handle.status_count(429) >= 2);
}

fn churning(churn: OrderChurn) -> FakeConfig {
    FakeConfig {
        orders_per_shop: 200,
        days: 10,
        end_time: Utc::now() - chrono::Duration::minutes(1),
        churn,
        ..FakeConfig::default()
    }
}

/// The path of page `page` (size 20) of the shop's orders by update time, oldest change first.
fn by_update(key: &str, page: u32, window: Option<(i64, i64)>, removed: bool) -> String {
    let window = window.map_or(String::new(), |(start, end)| {
        format!("&updateStatus=updated_at&startDateTime={start}&endDateTime={end}")
    });
    format!(
        "/shops/6036602/orders?api_key={key}&page_size=20&page_number={page}\
         &option_sort=last_updated_order_asc&include_removed={}{window}",
        u8::from(removed)
    )
}

/// An order's `updated_at` in Unix seconds, whichever of Pancake's shapes it has.
fn updated_at(order: &Value) -> i64 {
    let text = order["updated_at"].as_str().unwrap()[..19].replace(' ', "T");
    let time: chrono::NaiveDateTime = text.parse().unwrap();
    time.and_utc().timestamp()
}

fn ids(page: &Value) -> Vec<i64> {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn an_order_edited_on_a_read_page_lets_the_next_row_slide_onto_that_page() {
    let config = churning(OrderChurn {
        every: 1,
        rounds: 1,
        updates: 1,
        deletes: 0,
        inserts: 1,
        ..OrderChurn::default()
    });
    let end = config.end_time.timestamp();
    let window = Some((config.start().timestamp(), end));
    let f = start_pancake(config).await.unwrap();
    // The list before any change: the same fixture under a key that never changes it.
    let (_, still) = pancake_get(&f, &by_update("one-shop", 1, window, true)).await;
    let (_, still2) = pancake_get(&f, &by_update("one-shop", 2, window, true)).await;
    let key = "changing-orders:moving";

    let (_, first) = pancake_get(&f, &by_update(key, 1, window, true)).await;
    assert_eq!(ids(&first), ids(&still));
    // The first row was edited after that answer: it left the window (its update is "now"), and
    // the row that was first on page 2 is now last on page 1.
    let (_, again) = pancake_get(&f, &by_update(key, 1, window, true)).await;
    let mut expected = ids(&still)[1..].to_vec();
    expected.push(ids(&still2)[0]);
    assert_eq!(ids(&again), expected);
    assert_eq!(
        again["total_entries"].as_i64().unwrap(),
        first["total_entries"].as_i64().unwrap() - 1
    );

    let now = f.orders_now(key, 6036602).unwrap();
    let edited = now.iter().find(|o| o["id"] == ids(&still)[0]).unwrap();
    assert_eq!(edited["note"], "Sửa lần 1");
    assert_eq!(edited["status"], 1);
    assert!(updated_at(edited) > end);
    // One new order; another key's list did not move.
    assert_eq!(now.len(), 201);
    assert_eq!(now[200]["status"], 0);
    let other = f.orders_now("changing-orders:other", 6036602).unwrap();
    assert_eq!(other, f.orders_now("one-shop", 6036602).unwrap());
}

#[tokio::test]
async fn a_deleted_order_leaves_the_default_list_and_shows_as_removed_with_include_removed() {
    let f = start_pancake(churning(OrderChurn {
        every: 2,
        rounds: 1,
        updates: 0,
        deletes: 1,
        inserts: 0,
        ..OrderChurn::default()
    }))
    .await
    .unwrap();
    let key = "changing-orders:deleting";
    let (_, before) = pancake_get(&f, &by_update("one-shop", 1, None, false)).await;
    let (_, page1) = pancake_get(&f, &by_update(key, 1, None, true)).await;
    pancake_get(&f, &by_update(key, 2, None, true)).await;
    // The round after the second answer deleted an order of the first page: it moved to the end
    // (its update is the newest) as status 7, and left the default list.
    let (_, all) = pancake_get(&f, &by_update(key, 10, None, true)).await;
    let (_, default) = pancake_get(&f, &by_update(key, 1, None, false)).await;
    assert_eq!(all["total_entries"], page1["total_entries"]);
    let last = all["data"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["status"], 7);
    assert!(ids(&page1).contains(&last["id"].as_i64().unwrap()));
    assert_eq!(
        default["total_entries"].as_i64().unwrap(),
        before["total_entries"].as_i64().unwrap() - 1
    );
}

#[tokio::test]
async fn a_bulk_edit_puts_many_orders_on_one_second() {
    let config = churning(OrderChurn {
        rounds: 0,
        bulk: 45,
        bulk_age: chrono::Duration::days(2),
        ..OrderChurn::default()
    });
    let at = (config.end_time - chrono::Duration::days(2)).timestamp();
    let f = start_pancake(config).await.unwrap();
    let key = "changing-orders:bulk";
    let (_, page) = pancake_get(&f, &by_update(key, 3, Some((at, at)), true)).await;
    assert_eq!(page["total_entries"], 45);
    assert_eq!(ids(&page).len(), 5);
    let edited: Vec<Value> = f
        .orders_now(key, 6036602)
        .unwrap()
        .into_iter()
        .filter(|o| o["note"] == "Sửa lần 1")
        .collect();
    assert_eq!(edited.len(), 45);
    assert!(edited.iter().all(|o| updated_at(o) == at));
}

#[tokio::test]
async fn a_removed_warehouse_leaves_the_stock_lines_and_the_warehouse_list() {
    let f = start_pancake(FakeConfig::default()).await.unwrap();
    let variations = "/shops/6036602/products/variations?api_key=one-shop&page_size=5";
    let (_, before) = pancake_get(&f, variations).await;
    let stock = before["data"][0]["variations_warehouses"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(stock.len(), 2);
    let gone = stock[1]["warehouse_id"].as_str().unwrap();

    f.remove_warehouse(gone);
    let (_, after) = pancake_get(&f, variations).await;
    for variation in after["data"].as_array().unwrap() {
        let lines = variation["variations_warehouses"].as_array().unwrap();
        assert_eq!(lines.len(), 1);
        assert_ne!(lines[0]["warehouse_id"], gone);
        assert_eq!(variation["remain_quantity"], lines[0]["remain_quantity"]);
    }
    let (_, list) = pancake_get(&f, "/shops/6036602/warehouses?api_key=one-shop").await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
}

#[test]
fn the_binary_prints_both_base_urls_as_one_json_line() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fake-servers"))
        .args(["--seed", "7"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    let v: Value = serde_json::from_str(&line).unwrap();
    assert!(v["pancake_base_url"].as_str().unwrap().ends_with("/api/v1"));
    assert!(v["meta_base_url"]
        .as_str()
        .unwrap()
        .starts_with("http://127.0.0.1:"));
}

#[tokio::test]
async fn the_oversized_scenarios_pad_valid_json_and_announce_its_length() {
    let config = FakeConfig {
        oversized_body_bytes: 300 * 1024,
        ..FakeConfig::default()
    };
    let pancake = start_pancake(config.clone()).await.unwrap();
    let resp = reqwest::get(format!("{}/shops?api_key=oversized:1", pancake.base_url))
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let announced = resp.content_length().expect("a Content-Length");
    let body: Value = resp.json().await.unwrap();
    assert!(announced >= 300 * 1024, "{announced}");
    assert_eq!(body["shops"][0]["name"], "Shop thời trang");
    assert!(body["padding"].as_str().unwrap().len() > 290 * 1024);

    let meta = start_meta(config).await.unwrap();
    let resp = reqwest::Client::new()
        .get(format!(
            "{}/v27.0/act_1234567890?fields=id,name",
            meta.base_url
        ))
        .bearer_auth("meta-oversized")
        .send()
        .await
        .unwrap();
    assert!(resp.content_length().unwrap() >= 300 * 1024);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["id"], "act_1234567890");
}

/// Reads `limit` bytes of an answer (or fewer, if it ends) and says whether it announced a
/// length and whether it ended.
async fn read_up_to(mut resp: reqwest::Response, limit: usize) -> (Option<u64>, usize, bool) {
    let announced = resp.content_length();
    let mut read = 0;
    while read < limit {
        match resp.chunk().await.unwrap() {
            Some(chunk) => read += chunk.len(),
            None => return (announced, read, true),
        }
    }
    (announced, read, false)
}

#[tokio::test]
async fn the_endless_scenarios_stream_without_a_length_and_do_not_end() {
    let pancake = start_pancake(FakeConfig::default()).await.unwrap();
    let resp = reqwest::get(format!("{}/shops?api_key=endless", pancake.base_url))
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let (announced, read, ended) = read_up_to(resp, 4 * 1024 * 1024).await;
    assert_eq!(announced, None);
    assert!(!ended && read >= 4 * 1024 * 1024);

    let meta = start_meta(FakeConfig::default()).await.unwrap();
    let resp = reqwest::Client::new()
        .get(format!("{}/v27.0/me/adaccounts", meta.base_url))
        .bearer_auth("meta-endless")
        .send()
        .await
        .unwrap();
    let (announced, read, ended) = read_up_to(resp, 1024 * 1024).await;
    assert_eq!(announced, None);
    assert!(!ended && read >= 1024 * 1024);
}
