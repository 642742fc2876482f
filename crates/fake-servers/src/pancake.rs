//! The fake Pancake POS Open API (see the crate docs for the key scenarios).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{header, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

use crate::churn::Book;
use crate::data::{self, ShopDef, SHOPS};
use crate::{param, Fake, FakeConfig, Request, Stats};

pub(crate) struct State {
    pub config: FakeConfig,
    pub stats: Arc<Stats>,
    /// The `changing-orders` scenario's orders, per key and shop.
    pub books: Mutex<HashMap<(String, i64), Book>>,
    /// Warehouses removed in the shop (ids), for every key.
    pub removed_warehouses: Mutex<HashSet<String>>,
    /// Each shop's webhook settings as last `PUT` (the body's `shop` object).
    pub webhooks: Mutex<HashMap<i64, Value>>,
}

impl State {
    pub(crate) fn new(config: FakeConfig, stats: Arc<Stats>) -> Self {
        Self {
            config,
            stats,
            books: Mutex::new(HashMap::new()),
            removed_warehouses: Mutex::new(HashSet::new()),
            webhooks: Mutex::new(HashMap::new()),
        }
    }

    /// Every order of a shop as `key` sees it now, deleted ones included, by id.
    pub(crate) fn all_orders(&self, key: &str, shop: ShopDef) -> Vec<Value> {
        let cfg = &self.config;
        let mut books = self.books.lock().unwrap_or_else(|e| e.into_inner());
        let book = books
            .entry((key.to_owned(), shop.id))
            .or_insert_with(|| Book::new(cfg, shop));
        book.ids(cfg)
            .map(|id| book.order_json(cfg, shop, id))
            .collect()
    }
}

impl Fake for State {
    fn stats(&self) -> &Stats {
        &self.stats
    }

    async fn respond(&self, request: Request<'_>) -> Response {
        let pairs = &request.pairs;
        let response = answer(self, request.method, request.path, pairs, request.body).await;
        if param(pairs, "api_key").is_some_and(|key| key.split(':').next() == Some("oversized")) {
            return crate::padded(response, self.config.oversized_body_bytes).await;
        }
        response
    }
}

fn json_response(status: StatusCode, body: Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body.to_string(),
    )
        .into_response()
}

fn rate_limited(cfg: &FakeConfig) -> Response {
    let mut r = json_response(
        StatusCode::TOO_MANY_REQUESTS,
        json!({"success": false, "message": "You have reached the limit of requests", "error_code": 106}),
    );
    if let Ok(v) = cfg.retry_after_secs.to_string().parse() {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}

fn server_error() -> Response {
    json_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        json!({"success": false, "message": "Internal server error"}),
    )
}

fn not_found(what: &str) -> Response {
    json_response(
        StatusCode::NOT_FOUND,
        json!({"success": false, "error": what}),
    )
}

fn shops_body(shops: &[ShopDef], under: &str) -> Value {
    let list: Vec<Value> = shops
        .iter()
        .map(|s| {
            json!({
                "id": s.id, "name": s.name,
                "avatar_url": format!("https://statics.pancake.vn/avatars/{}.jpeg", s.id),
                "pages": [{"id": "104438181227821", "name": "Quần áo", "platform": "facebook",
                           "settings": {"auto_create_order": true}, "shop_id": s.id}],
                "link_post_marketer": []
            })
        })
        .collect();
    let mut body = json!({"success": true});
    body[under] = Value::Array(list);
    body
}

async fn answer(
    s: &State,
    method: &Method,
    path: &str,
    pairs: &[(String, String)],
    body: &[u8],
) -> Response {
    let cfg = &s.config;
    let Some(key) = param(pairs, "api_key").map(str::to_owned) else {
        return json_response(
            StatusCode::OK,
            json!({"success": false, "message": "Missing access_token", "error_code": 101}),
        );
    };
    if s.stats.over_limit(cfg.rate_limit_per_sec) {
        return rate_limited(cfg);
    }
    if !cfg.latency.is_zero() {
        tokio::time::sleep(cfg.latency).await;
    }
    if path.ends_with("/orders") {
        s.stats.order_page_turn().await;
    }
    let scenario = key.split(':').next().unwrap_or("");
    let shops: Vec<ShopDef> = match scenario {
        "one-shop"
        | "oversized"
        | "changing-orders"
        | "slow"
        | "rate-limited-then-ok"
        | "storm"
        | "server-error-then-ok"
        | "no-permission"
        | "disabled-mid-sync" => {
            vec![SHOPS[0]]
        }
        "three-shops" | "data-shops" => SHOPS.to_vec(),
        "duplicate-shops" => vec![SHOPS[0], SHOPS[1], SHOPS[0], SHOPS[2]],
        "no-shops" => Vec::new(),
        "rate-limited" => return rate_limited(cfg),
        "server-error" => return server_error(),
        "malformed" => return (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            "{\"success\": true, \"shops\": [{\"id\": 6036602, \"name\": \"Shop thời trang\",,]",
        )
            .into_response(),
        "truncated" => return truncated(shops_body(&SHOPS, "shops").to_string()),
        "endless" => {
            return crate::endless(
                "{\"success\": true, \"shops\": [",
                "{\"id\": 6036602, \"name\": \"Shop thời trang\"}",
            )
        }
        "echo-key" => {
            return json_response(
                StatusCode::BAD_REQUEST,
                json!({"success": false, "message": crate::echo_message(&key), "error_code": 100}),
            )
        }
        "success-false-200" => {
            return json_response(
                StatusCode::OK,
                json!({"success": false, "message": "Missing access_token", "error_code": 101}),
            )
        }
        _ => {
            return json_response(
                StatusCode::FORBIDDEN,
                json!({"success": false, "message": "api_key is invalid", "error_code": 105}),
            )
        }
    };
    match scenario {
        // The key is disabled in Pancake while a sync pages through orders: the third order
        // page and everything after it is refused.
        "disabled-mid-sync" if path.ends_with("/orders") && s.stats.hit(&key) >= 3 => {
            return json_response(
                StatusCode::FORBIDDEN,
                json!({"success": false, "message": "api_key is invalid", "error_code": 105}),
            )
        }
        "slow" => tokio::time::sleep(cfg.slow_delay).await,
        "rate-limited-then-ok" if s.stats.first_time(&key) => return rate_limited(cfg),
        // A storm whatever the client's speed: order requests 3 to 9 of the key are refused
        // with 429, seven in a row (fewer than a sync's attempts at one page).
        "storm" if path.ends_with("/orders") && (3..=9).contains(&s.stats.hit(&key)) => {
            return rate_limited(cfg)
        }
        "server-error-then-ok" if s.stats.first_time(&key) => return server_error(),
        _ => {}
    }
    // Webhook settings: `PUT /shops/{id}` with `{"shop": {webhook_…}}`, echoed back.
    if method == Method::PUT {
        if let Some(id) = path
            .strip_prefix("/api/v1/shops/")
            .and_then(|id| id.parse::<i64>().ok())
            .filter(|id| shops.iter().any(|shop| shop.id == *id))
        {
            let Some(settings) = serde_json::from_slice::<Value>(body)
                .ok()
                .and_then(|body| body.get("shop").cloned())
                .filter(Value::is_object)
            else {
                return json_response(
                    StatusCode::BAD_REQUEST,
                    json!({"success": false, "error": "invalid_parameters"}),
                );
            };
            s.webhooks
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(id, settings.clone());
            return json_response(StatusCode::OK, json!({"shop": settings, "success": true}));
        }
    }
    if method != Method::GET {
        return json_response(
            StatusCode::BAD_REQUEST,
            json!({"success": false, "error": "invalid_parameters"}),
        );
    }
    let Some(rest) = path.strip_prefix("/api/v1/") else {
        return not_found("not_found");
    };
    let segs: Vec<&str> = rest.split('/').filter(|p| !p.is_empty()).collect();
    match segs.as_slice() {
        ["shops"] => {
            let under = if scenario == "data-shops" {
                "data"
            } else {
                "shops"
            };
            json_response(StatusCode::OK, shops_body(&shops, under))
        }
        ["shops", id, tail @ ..] => {
            let Some(shop) = id
                .parse::<i64>()
                .ok()
                .and_then(|id| shops.iter().find(|s| s.id == id))
            else {
                return not_found("shop_not_found");
            };
            if scenario == "no-permission" {
                return json_response(
                    StatusCode::FORBIDDEN,
                    json!({"success": false, "message": "Insufficient permissions", "permission": "ql_donhang"}),
                );
            }
            shop_route(s, &key, scenario == "changing-orders", *shop, tail, pairs)
        }
        _ => not_found("not_found"),
    }
}

/// A body that promises its full length and is cut half-way.
fn truncated(body: String) -> Response {
    let bytes = body.into_bytes();
    let full = bytes.len();
    let half = bytes::Bytes::copy_from_slice(&bytes[..full / 2]);
    // Half the body, then (after giving the server a chance to flush the head and the half)
    // an error, which makes hyper drop the connection mid-body.
    let stream = futures_util::stream::unfold(0u8, move |step| {
        let half = half.clone();
        async move {
            match step {
                0 => Some((Ok::<_, std::io::Error>(half), 1)),
                1 => {
                    for _ in 0..10 {
                        tokio::task::yield_now().await;
                    }
                    Some((
                        Err(std::io::Error::new(
                            std::io::ErrorKind::ConnectionReset,
                            "cut",
                        )),
                        2,
                    ))
                }
                _ => None,
            }
        }
    });
    let mut r = Response::new(Body::from_stream(stream));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        "application/json"
            .parse()
            .unwrap_or_else(|_| unreachable!()),
    );
    if let Ok(v) = full.to_string().parse() {
        r.headers_mut().insert(header::CONTENT_LENGTH, v);
    }
    r
}

fn num(pairs: &[(String, String)], name: &str) -> Option<i64> {
    param(pairs, name).and_then(|v| v.trim().parse().ok())
}

fn page_envelope(rows: Vec<Value>, total: usize, page: usize, size: usize) -> Value {
    json!({
        "data": rows,
        "page_number": page,
        "page_size": size,
        "total_entries": total,
        "total_pages": total.div_ceil(size.max(1)),
        "success": true
    })
}

fn paging(pairs: &[(String, String)], page_param: &str) -> (usize, usize) {
    let page = num(pairs, page_param).unwrap_or(1).max(1) as usize;
    let size = num(pairs, "page_size").unwrap_or(30).clamp(1, 1000) as usize;
    (page, size)
}

fn ts(pairs: &[(String, String)], name: &str) -> Option<DateTime<Utc>> {
    num(pairs, name).and_then(|s| DateTime::from_timestamp(s, 0))
}

fn shop_route(
    s: &State,
    key: &str,
    churning: bool,
    shop: ShopDef,
    tail: &[&str],
    pairs: &[(String, String)],
) -> Response {
    let cfg = &s.config;
    match tail {
        ["orders"] => orders(s, key, churning, shop, pairs),
        ["orders", oid] => {
            let books = s.books.lock().unwrap_or_else(|e| e.into_inner());
            let book = books.get(&(key.to_owned(), shop.id)).filter(|_| churning);
            let order = oid.parse::<u64>().ok().and_then(|id| match book {
                Some(book) => book.exists(cfg, id).then(|| book.order_json(cfg, shop, id)),
                None => (id >= 1 && id <= u64::from(cfg.orders_per_shop))
                    .then(|| data::order_json(cfg, shop, id)),
            });
            match order {
                Some(order) => {
                    json_response(StatusCode::OK, json!({"data": order, "success": true}))
                }
                None => not_found("order_not_found"),
            }
        }
        ["products", "variations"] => {
            let (page, size) = paging(pairs, "page_number");
            let cat = data::catalogue(cfg.seed, shop);
            let rows = cat
                .iter()
                .skip((page - 1) * size)
                .take(size)
                .map(|(p, v)| without_removed(s, data::variation_json(cfg.seed, cfg, shop, *p, *v)))
                .collect();
            json_response(StatusCode::OK, page_envelope(rows, cat.len(), page, size))
        }
        ["warehouses"] => {
            let removed = s
                .removed_warehouses
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            let rows: Vec<Value> = data::warehouses(cfg.seed, shop)
                .into_iter()
                .filter(|(id, _, _)| !removed.contains(id))
                .map(|(id, name, address)| {
                    json!({"id": id, "name": name, "phone_number": "0901234567", "address": address,
                           "full_address": address, "province_id": "701", "shop_id": shop.id,
                           "allow_create_order": true, "custom_id": null})
                })
                .collect();
            json_response(StatusCode::OK, json!({"data": rows, "success": true}))
        }
        ["inventory_histories"] => inventory_histories(cfg, shop, pairs),
        _ => not_found("not_found"),
    }
}

/// The orders list; under `changing-orders`, the key's own book of changes answers it and
/// then moves on (a round of changes may follow this answer).
fn orders(
    s: &State,
    key: &str,
    churning: bool,
    shop: ShopDef,
    pairs: &[(String, String)],
) -> Response {
    let cfg = &s.config;
    if !churning {
        return list_orders(cfg, shop, pairs, None).0;
    }
    let mut books = s.books.lock().unwrap_or_else(|e| e.into_inner());
    let book = books
        .entry((key.to_owned(), shop.id))
        .or_insert_with(|| Book::new(cfg, shop));
    let (response, ids) = list_orders(cfg, shop, pairs, Some(book));
    book.answered(cfg, shop, &ids);
    response
}

/// A variation as the shop lists it once some warehouses are gone: no stock line for them, and
/// the total without theirs.
fn without_removed(s: &State, mut variation: Value) -> Value {
    let removed = s
        .removed_warehouses
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if removed.is_empty() {
        return variation;
    }
    if let Some(stock) = variation["variations_warehouses"].as_array_mut() {
        stock.retain(|line| {
            line["warehouse_id"]
                .as_str()
                .is_none_or(|id| !removed.contains(id))
        });
        let remain: i64 = stock
            .iter()
            .filter_map(|line| line["remain_quantity"].as_i64())
            .sum();
        variation["remain_quantity"] = json!(remain);
    }
    variation
}

/// One page of the orders list and the ids on it.
fn list_orders(
    cfg: &FakeConfig,
    shop: ShopDef,
    pairs: &[(String, String)],
    book: Option<&Book>,
) -> (Response, Vec<u64>) {
    let (page, size) = paging(pairs, "page_number");
    let n = u64::from(cfg.orders_per_shop);
    let field = param(pairs, "updateStatus").unwrap_or("inserted_at");
    let start = ts(pairs, "startDateTime");
    let end = ts(pairs, "endDateTime");
    let ins = |id: u64| data::order_inserted_at(cfg, shop.id, id);
    let upd = |id: u64| match book {
        Some(book) => book.updated_at(cfg, shop, id),
        None => data::order_updated_at(cfg, shop.id, id),
    };
    let status = |id: u64| match book {
        Some(book) => book.status(cfg, shop, id),
        None => data::order_status(cfg.seed, shop.id, id).0,
    };
    // Creation times are non-decreasing in id: bound the candidates by binary search.
    let first_at_or_after = |t: DateTime<Utc>| -> u64 {
        let (mut lo, mut hi) = (1u64, n + 1);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if ins(mid) < t {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    };
    let (lo_t, hi_t) = match field {
        "updated_at" => (start.map(|t| t - Duration::hours(73)), end),
        _ => (start, end),
    };
    let lo = lo_t.map_or(1, first_at_or_after);
    let hi = hi_t.map_or(n + 1, |t| first_at_or_after(t + Duration::seconds(1)));
    let statuses: Vec<i64> = pairs
        .iter()
        .filter(|(k, _)| k == "filter_status[]" || k == "filter_status")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    let include_removed = param(pairs, "include_removed") == Some("1");
    // Changed orders no longer sit where their creation time puts them: they are weighed on
    // their own, with their times now.
    let changed: Vec<u64> = book.map_or_else(Vec::new, |book| book.changed_ids().collect());
    let in_window = |id: u64| {
        let t = match field {
            "updated_at" => upd(id),
            _ => book.map_or_else(|| ins(id), |book| book.inserted_at(cfg, shop, id)),
        };
        !(start.is_some_and(|s| t < s) || end.is_some_and(|e| t > e))
    };
    let mut ids: Vec<u64> = (lo..hi.max(lo))
        .filter(|id| !book.is_some_and(|book| book.is_changed(*id)))
        .chain(changed)
        .filter(|id| {
            if !in_window(*id) {
                return false;
            }
            let st = status(*id);
            if statuses.is_empty() {
                st != 7 || include_removed
            } else {
                statuses.contains(&st)
            }
        })
        .collect();
    // Ties within a second go by id, a stable order across requests.
    match param(pairs, "option_sort").unwrap_or("inserted_at_desc") {
        // Each key is worked out once per order, not once per comparison: the fake shares the
        // bench's two cores with the engine it measures.
        "last_updated_order_asc" => ids.sort_by_cached_key(|id| (upd(*id), *id)),
        "last_updated_order_desc" => {
            ids.sort_by_cached_key(|id| std::cmp::Reverse((upd(*id), *id)))
        }
        sort => {
            if let Some(book) = book {
                // Changed orders were appended out of their creation order.
                ids.sort_by_cached_key(|id| (book.inserted_at(cfg, shop, *id), *id));
            }
            if sort != "inserted_at_asc" {
                ids.reverse();
            }
        }
    }
    let total = ids.len();
    let page_ids: Vec<u64> = ids.into_iter().skip((page - 1) * size).take(size).collect();
    let rows = page_ids
        .iter()
        .map(|id| match book {
            Some(book) => book.order_json(cfg, shop, *id),
            None => data::order_json(cfg, shop, *id),
        })
        .collect();
    (
        json_response(StatusCode::OK, page_envelope(rows, total, page, size)),
        page_ids,
    )
}

const MOVEMENTS: u64 = 2_000;

fn inventory_histories(cfg: &FakeConfig, shop: ShopDef, pairs: &[(String, String)]) -> Response {
    let (page, size) = paging(pairs, "page");
    let start = ts(pairs, "startDate");
    let end = ts(pairs, "endDate");
    let cat = data::catalogue(cfg.seed, shop);
    let wh = data::warehouses(cfg.seed, shop);
    let at = |j: u64| cfg.start() + Duration::seconds((j * cfg.span_seconds() / MOVEMENTS) as i64);
    let ids: Vec<u64> = (0..MOVEMENTS)
        .rev()
        .filter(|j| start.is_none_or(|s| at(*j) >= s) && end.is_none_or(|e| at(*j) <= e))
        .collect();
    let rows = ids
        .iter()
        .skip((page - 1) * size)
        .take(size)
        .map(|j| {
            let r = data::h(cfg.seed, &[70, shop.id as u64, *j]);
            let (p, v) = cat[(r % cat.len() as u64) as usize];
            let (wid, wname, _) = &wh[(r >> 8) as usize % wh.len()];
            let qty = if r.is_multiple_of(3) {
                10 + (r % 40) as i64
            } else {
                -1 - (r % 3) as i64
            };
            json!({
                "id": data::uuid_like(cfg.seed, &[71, shop.id as u64, *j]),
                "quantity": qty,
                "remain_quantity": 20 + (r % 100) as i64,
                "avg_price": data::retail_price(cfg.seed, shop, p) * 55 / 100,
                "type": if qty > 0 { "Nhập hàng từ nhà cung cấp" } else { "Xuất bán đơn hàng" },
                "table_name": if qty > 0 { "purchases" } else { "orders" },
                "inserted_at": at(*j).format("%Y-%m-%dT%H:%M:%S").to_string(),
                "variation_now": {"id": data::variation_id(cfg.seed, shop, p, v)},
                "warehouse": {"id": wid, "name": wname}
            })
        })
        .collect();
    json_response(StatusCode::OK, page_envelope(rows, ids.len(), page, size))
}
