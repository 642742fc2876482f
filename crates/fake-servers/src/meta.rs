//! The fake Graph API (see the crate docs for the token scenarios).

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use chrono::{Duration, NaiveDate};
use serde_json::{json, Value};

use crate::data::{self, AD_ACCOUNT_ID};
use crate::{param, Fake, FakeConfig, Request, Stats};

const SUPPORTED_VERSIONS: [&str; 3] = ["v25.0", "v26.0", "v27.0"];

pub(crate) struct Report {
    account: String,
    since: NaiveDate,
    until: NaiveDate,
    ads: AdFilter,
    polls: u32,
    fails: bool,
}

pub(crate) struct State {
    pub config: FakeConfig,
    pub stats: Arc<Stats>,
    pub origin: String,
    pub reports: Mutex<HashMap<String, Report>>,
}

/// Counts an insights request as out while it is being answered.
struct InFlight<'a>(&'a Stats);

impl<'a> InFlight<'a> {
    fn enter(stats: &'a Stats) -> Self {
        let now = stats.insights_in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        stats
            .insights_most_in_flight
            .fetch_max(now, Ordering::SeqCst);
        Self(stats)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.insights_in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Fake for State {
    fn stats(&self) -> &Stats {
        &self.stats
    }

    async fn respond(&self, mut request: Request<'_>) -> Response {
        if *request.method == Method::POST {
            let form = url::form_urlencoded::parse(request.body).into_owned();
            request.pairs.extend(form);
        }
        let (pairs, headers) = (&request.pairs, request.headers);
        let insights = request.path.ends_with("/insights");
        // Counted out until this returns, padding included: the log records it only after.
        let _in_flight = insights.then(|| InFlight::enter(&self.stats));
        let response = answer(self, request.method, request.path, pairs, headers).await;
        if scenario_of(pairs, headers) == Some("meta-oversized") {
            return crate::padded(response, self.config.oversized_body_bytes).await;
        }
        response
    }
}

/// The scenario part of the request's token, wherever it was sent.
fn scenario_of<'a>(pairs: &'a [(String, String)], headers: &'a HeaderMap) -> Option<&'a str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .or_else(|| param(pairs, "access_token"))
        .and_then(|token| token.split(':').next())
}

fn graph_error(status: StatusCode, code: i64, subcode: Option<i64>, message: &str) -> Response {
    let mut err = json!({
        "message": message, "type": "OAuthException", "code": code, "fbtrace_id": "AxTrAcE1d2e3F4"
    });
    if let Some(sc) = subcode {
        err["error_subcode"] = json!(sc);
    }
    if code == 1 || code == 2 {
        err["is_transient"] = json!(true);
    }
    ok_json(status, json!({ "error": err }))
}

fn ok_json(status: StatusCode, body: Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json; charset=UTF-8")],
        body.to_string(),
    )
        .into_response()
}

fn account(id: &str, name: &str, status: i64) -> Value {
    json!({
        "id": id, "account_id": id.trim_start_matches("act_"), "name": name,
        "account_status": status, "currency": "VND", "timezone_name": "Asia/Ho_Chi_Minh"
    })
}

fn many_accounts() -> Vec<Value> {
    let statuses = [1, 1, 1, 2, 3, 9, 101, 1, 7];
    let mut v = vec![account(AD_ACCOUNT_ID, "Shop thời trang - Quảng cáo", 1)];
    for n in 1..57 {
        v.push(account(
            &format!("act_20000{n:05}"),
            &format!("Tài khoản quảng cáo số {n}"),
            statuses[n % statuses.len()],
        ));
    }
    v
}

/// The three usage headers: the app's at `app_pct`, the ad account's (and its business use
/// case's) at `pct`.
fn usage_headers(r: &mut Response, app_pct: u32, pct: u32, regain_minutes: u32) {
    let h = r.headers_mut();
    let app =
        json!({"call_count": app_pct, "total_cputime": app_pct / 2, "total_time": app_pct / 2});
    let buc = json!({ AD_ACCOUNT_ID.trim_start_matches("act_"): [{
        "type": "ads_insights", "call_count": pct, "total_cputime": pct / 2,
        "total_time": pct / 2, "estimated_time_to_regain_access": regain_minutes
    }]});
    let acc = json!({"acc_id_util_pct": pct, "reset_time_duration": 0,
                     "ads_api_access_tier": "standard_access"});
    for (name, v) in [
        ("x-app-usage", app),
        ("x-business-use-case-usage", buc),
        ("x-ad-account-usage", acc),
    ] {
        if let Ok(v) = HeaderValue::from_str(&v.to_string()) {
            h.insert(name, v);
        }
    }
}

fn encode_cursor(offset: usize) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("offset:{offset}"))
}

fn decode_cursor(c: &str) -> Option<usize> {
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(c)
        .ok()?;
    String::from_utf8(raw)
        .ok()?
        .strip_prefix("offset:")?
        .parse()
        .ok()
}

/// A cursor page with a `paging.next` full URL pointing back at this server.
fn cursor_page(
    s: &State,
    path: &str,
    pairs: &[(String, String)],
    total: usize,
    max_limit: usize,
    row: impl Fn(usize) -> Value,
) -> Value {
    let limit = param(pairs, "limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(25usize)
        .clamp(1, max_limit);
    let offset = param(pairs, "after").and_then(decode_cursor).unwrap_or(0);
    let end = (offset + limit).min(total);
    let rows: Vec<Value> = (offset..end).map(row).collect();
    let mut body = json!({ "data": rows });
    if total > 0 {
        body["paging"] =
            json!({"cursors": {"before": encode_cursor(offset), "after": encode_cursor(end)}});
        if end < total {
            let mut ser = url::form_urlencoded::Serializer::new(String::new());
            for (k, v) in pairs
                .iter()
                .filter(|(k, _)| k != "after" && k != "access_token")
            {
                ser.append_pair(k, v);
            }
            ser.append_pair("after", &encode_cursor(end));
            body["paging"]["next"] = json!(format!("{}{}?{}", s.origin, path, ser.finish()));
        }
    }
    body
}

/// Graph's `filtering` as far as insights use it here: conditions on `ad.id` (`IN`, `NOT_IN`,
/// `EQUAL`, `NOT_EQUAL`), all of which an ad must meet. Anything else is refused the way Graph
/// refuses a filter it does not take.
#[derive(Debug, Clone, Default)]
pub(crate) struct AdFilter(Vec<(bool, std::collections::HashSet<String>)>);

impl AdFilter {
    /// The request's filter, or Graph's message refusing it.
    fn parse(pairs: &[(String, String)]) -> Result<Self, String> {
        let Some(text) = param(pairs, "filtering") else {
            return Ok(Self::default());
        };
        let invalid = |what: &str| format!("(#100) Filtering field {what} is invalid.");
        let Ok(Value::Array(conditions)) = serde_json::from_str::<Value>(text) else {
            return Err(invalid("filtering"));
        };
        let mut filter = Vec::new();
        for condition in conditions {
            if condition.get("field").and_then(Value::as_str) != Some("ad.id") {
                return Err(invalid(&condition["field"].to_string()));
            }
            let ids = |value: &Value| -> Option<std::collections::HashSet<String>> {
                match value {
                    Value::Array(ids) => {
                        ids.iter().map(|id| Some(id.as_str()?.to_owned())).collect()
                    }
                    Value::String(id) => Some([id.clone()].into()),
                    _ => None,
                }
            };
            let keep = match condition.get("operator").and_then(Value::as_str) {
                Some("IN" | "EQUAL") => true,
                Some("NOT_IN" | "NOT_EQUAL") => false,
                _ => return Err(invalid("operator")),
            };
            let Some(ids) = condition.get("value").and_then(ids) else {
                return Err(invalid("value"));
            };
            filter.push((keep, ids));
        }
        Ok(Self(filter))
    }

    fn allows(&self, ad_id: &str) -> bool {
        self.0
            .iter()
            .all(|(keep, ids)| ids.contains(ad_id) == *keep)
    }
}

fn insights_rows(
    cfg: &FakeConfig,
    since: NaiveDate,
    until: NaiveDate,
    filter: &AdFilter,
) -> Vec<(NaiveDate, usize)> {
    let ads = data::ads_for(cfg);
    let mut out = Vec::new();
    let mut day = since;
    while day <= until {
        for (i, ad) in ads.iter().enumerate() {
            if data::ad_active_on(cfg, ad, day) && filter.allows(&ad.id) {
                out.push((day, i));
            }
        }
        day += Duration::days(1);
    }
    out
}

fn time_range(cfg: &FakeConfig, pairs: &[(String, String)]) -> Option<(NaiveDate, NaiveDate)> {
    match param(pairs, "time_range") {
        Some(tr) => {
            let v: Value = serde_json::from_str(tr).ok()?;
            let d = |k: &str| NaiveDate::parse_from_str(v.get(k)?.as_str()?, "%Y-%m-%d").ok();
            Some((d("since")?, d("until")?))
        }
        None => {
            let until = cfg.end_time.date_naive();
            Some((until - Duration::days(6), until))
        }
    }
}

async fn answer(
    s: &State,
    method: &Method,
    path: &str,
    pairs: &[(String, String)],
    headers: &HeaderMap,
) -> Response {
    let cfg = &s.config;
    let segs: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    let Some((version, rest)) = segs.split_first() else {
        return graph_error(
            StatusCode::BAD_REQUEST,
            100,
            None,
            "Unsupported get request.",
        );
    };
    if !SUPPORTED_VERSIONS.contains(version) {
        return graph_error(
            StatusCode::BAD_REQUEST,
            2635,
            None,
            "(#2635) You are calling a deprecated version of the Ads API. Please update to the \
             latest version: v27.0.",
        );
    }
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned);
    let Some(token) = bearer.or_else(|| param(pairs, "access_token").map(str::to_owned)) else {
        return graph_error(
            StatusCode::BAD_REQUEST,
            104,
            None,
            "An access token is required to request this resource.",
        );
    };
    if s.stats.over_limit(cfg.rate_limit_per_sec) {
        let mut r = graph_error(
            StatusCode::BAD_REQUEST,
            4,
            None,
            "(#4) Application request limit reached",
        );
        usage_headers(&mut r, 100, 100, 0);
        return r;
    }
    if !cfg.latency.is_zero() {
        tokio::time::sleep(cfg.latency).await;
    }
    let scenario = token.split(':').next().unwrap_or("");
    let accounts: Vec<Value> = match scenario {
        "meta-one-account"
        | "meta-rate-limited-then-ok"
        | "meta-high-usage"
        | "meta-report-fails"
        | "meta-paging-loop"
        | "meta-report-500-once"
        | "meta-expires-mid-sync"
        | "meta-expires-soon"
        | "meta-oversized" => vec![account(AD_ACCOUNT_ID, "Shop thời trang - Quảng cáo", 1)],
        "meta-many-accounts" => many_accounts(),
        "meta-busy-account" => vec![
            account(AD_ACCOUNT_ID, "Shop thời trang - Quảng cáo", 1),
            account("act_5555555555", "Shop mỹ phẩm - Quảng cáo", 1),
        ],
        "meta-no-accounts" => Vec::new(),
        "meta-disabled-account" => vec![account("act_2222222222", "Tài khoản bị vô hiệu hóa", 2)],
        "meta-grace-period" => vec![account("act_3333333333", "Tài khoản chờ thanh toán", 9)],
        "meta-expired" => {
            return graph_error(
                StatusCode::BAD_REQUEST,
                190,
                Some(463),
                "Error validating access token: Session has expired on Tuesday, 30-Jun-26 \
                 10:00:00 PDT. The current time is Wednesday, 01-Jul-26 01:00:00 PDT.",
            )
        }
        "meta-echo-token" => {
            return graph_error(
                StatusCode::BAD_REQUEST,
                190,
                None,
                &crate::echo_message(&token),
            )
        }
        "meta-server-error" => {
            return graph_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                1,
                None,
                "An unknown error occurred",
            )
        }
        "meta-endless" => {
            return crate::endless(
                "{\"data\": [",
                "{\"id\": \"act_1234567890\", \"name\": \"Shop thời trang - Quảng cáo\"}",
            )
        }
        "meta-malformed" => {
            return (
                StatusCode::OK,
                [(header::CONTENT_TYPE, "application/json")],
                "{\"data\": [{\"id\": ",
            )
                .into_response()
        }
        _ => {
            return graph_error(
                StatusCode::BAD_REQUEST,
                190,
                None,
                "Invalid OAuth access token - Cannot parse access token",
            )
        }
    };
    if scenario == "meta-rate-limited-then-ok" && s.stats.first_time(&token) {
        let mut r = if rest.first() == Some(&"me") {
            graph_error(
                StatusCode::BAD_REQUEST,
                17,
                Some(2446079),
                "(#17) User request limit reached",
            )
        } else {
            graph_error(
                StatusCode::BAD_REQUEST,
                80004,
                Some(2446079),
                "(#80004) There have been too many calls to this ad-account. Wait a bit and try \
                 again.",
            )
        };
        usage_headers(&mut r, 100, 100, 1);
        return r;
    }
    let pct = if scenario == "meta-high-usage" { 95 } else { 3 };
    let find = |id: &str| accounts.iter().find(|a| a["id"] == id).cloned();
    let not_reachable = |id: &str| {
        graph_error(
            StatusCode::BAD_REQUEST,
            100,
            Some(33),
            &format!(
                "Unsupported get request. Object with ID '{id}' does not exist, cannot be loaded \
                 due to missing permissions, or does not support this operation."
            ),
        )
    };
    let mut response = match (method, rest) {
        (&Method::GET, ["me"]) => ok_json(
            StatusCode::OK,
            json!({"id": "10000000001", "name": "Nguyễn Văn Quảng Cáo"}),
        ),
        (&Method::GET, ["debug_token"]) => {
            // A user's long-lived token three days from expiry; every other scenario's token is a
            // system user's, which does not expire (0).
            let input = param(pairs, "input_token").unwrap_or_default();
            let expires_at = if input.split(':').next() == Some("meta-expires-soon") {
                (chrono::Utc::now() + Duration::days(3)).timestamp()
            } else {
                0
            };
            ok_json(
                StatusCode::OK,
                json!({"data": {
                    "app_id": "1000000000001", "type": "USER", "application": "Integration Manager",
                    "expires_at": expires_at, "data_access_expires_at": 0, "is_valid": true,
                    "scopes": ["ads_read"], "user_id": "10000000001"
                }}),
            )
        }
        (&Method::GET, ["me", "adaccounts"]) if scenario == "meta-paging-loop" => {
            // The same `next` on every page and no cursors: a client that only watches the
            // cursors pages forever.
            let next = format!("{}{}?limit=25&page=again", s.origin, path);
            ok_json(
                StatusCode::OK,
                json!({"data": accounts.clone(), "paging": {"next": next}}),
            )
        }
        (&Method::GET, ["me", "adaccounts"]) => {
            let body = // Ad-account lists are served 25 at a time whatever the limit, so discovery pages.
            cursor_page(s, path, pairs, accounts.len(), 25, |i| accounts[i].clone());
            ok_json(StatusCode::OK, body)
        }
        (&Method::GET, [id, "ads"]) if id.starts_with("act_") => {
            if find(id).is_none() {
                return not_reachable(id);
            }
            let ads = if *id == AD_ACCOUNT_ID {
                data::ads_for(cfg).iter().map(|ad| ad.id.clone()).collect()
            } else {
                Vec::new()
            };
            // At most 100 ads a page, so an account of a few hundred pages.
            let body = cursor_page(s, path, pairs, ads.len(), 100, |i| json!({"id": ads[i]}));
            ok_json(StatusCode::OK, body)
        }
        (&Method::GET, [id]) if id.starts_with("act_") => match find(id) {
            Some(a) => ok_json(StatusCode::OK, a),
            None => not_reachable(id),
        },
        (_, [id, "insights"]) if id.starts_with("act_") => {
            if find(id).is_none() {
                return not_reachable(id);
            }
            let Some((since, until)) = time_range(cfg, pairs) else {
                return graph_error(
                    StatusCode::BAD_REQUEST,
                    100,
                    None,
                    "(#100) Invalid time_range",
                );
            };
            // A window refused for good (`refuse_insights_from`), or the token expiring while a
            // sync reads its windows: `meta-expires-mid-sync` answers no window later than the
            // earliest one asked for so far (windows side by side that reach it latest first are
            // each the earliest when they arrive, so a test that needs the token to die reads
            // one window at a time).
            let expired = scenario == "meta-expires-mid-sync";
            if s.stats.insights_refused(since)
                || (expired && since > s.stats.earliest(&token, since))
            {
                return graph_error(
                    StatusCode::BAD_REQUEST,
                    190,
                    Some(463),
                    "Error validating access token: Session has expired on Wednesday, \
                     25-Nov-26 04:00:00 PST.",
                );
            }
            let filter = match AdFilter::parse(pairs) {
                Ok(filter) => filter,
                Err(refused) => return graph_error(StatusCode::BAD_REQUEST, 100, None, &refused),
            };
            s.stats.insights_turn(since, |ad| filter.allows(ad)).await;
            let has_ads = *id == AD_ACCOUNT_ID;
            if method == Method::POST {
                let mut reports = s.reports.lock().unwrap_or_else(|e| e.into_inner());
                let run_id = format!("60230000{:04}", reports.len() + 1);
                reports.insert(
                    run_id.clone(),
                    Report {
                        account: id.to_string(),
                        since,
                        until,
                        ads: filter,
                        polls: 0,
                        fails: scenario == "meta-report-fails" || !has_ads,
                    },
                );
                if scenario == "meta-report-500-once"
                    && s.stats.first_time(&format!("report-post:{token}"))
                {
                    // The job exists now, but the client is told the request failed: posting
                    // again would start a second job.
                    return graph_error(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        2,
                        None,
                        "An unexpected error has occurred. Please retry your request later.",
                    );
                }
                ok_json(StatusCode::OK, json!({ "report_run_id": run_id }))
            } else if (until - since).num_days() > 400 {
                graph_error(
                    StatusCode::BAD_REQUEST,
                    100,
                    Some(1487742),
                    "Please reduce the amount of data you're asking for, then retry your request",
                )
            } else {
                let rows = if has_ads {
                    insights_rows(cfg, since, until, &filter)
                } else {
                    Vec::new()
                };
                let ads = data::ads_for(cfg);
                let body = cursor_page(s, path, pairs, rows.len(), 5000, |i| {
                    data::insights_row(cfg, &ads[rows[i].1], rows[i].0)
                });
                ok_json(StatusCode::OK, body)
            }
        }
        (&Method::GET, [run_id]) => {
            let mut reports = s.reports.lock().unwrap_or_else(|e| e.into_inner());
            match reports.get_mut(*run_id) {
                Some(r) => {
                    r.polls += 1;
                    let (status, pct_done) = match (r.polls, r.fails) {
                        (1, _) => ("Job Running", 40),
                        (_, true) => ("Job Failed", 40),
                        _ => ("Job Completed", 100),
                    };
                    ok_json(
                        StatusCode::OK,
                        json!({"id": run_id, "account_id": r.account.trim_start_matches("act_"),
                               "async_status": status, "async_percent_completion": pct_done}),
                    )
                }
                None => not_reachable(run_id),
            }
        }
        (&Method::GET, [run_id, "insights"]) => {
            let range = {
                let reports = s.reports.lock().unwrap_or_else(|e| e.into_inner());
                reports
                    .get(*run_id)
                    .map(|r| (r.since, r.until, r.ads.clone(), r.polls >= 2 && !r.fails))
            };
            match range {
                Some((since, until, filter, true)) => {
                    let rows = insights_rows(cfg, since, until, &filter);
                    let ads = data::ads_for(cfg);
                    let body = cursor_page(s, path, pairs, rows.len(), 5000, |i| {
                        data::insights_row(cfg, &ads[rows[i].1], rows[i].0)
                    });
                    ok_json(StatusCode::OK, body)
                }
                Some(_) => graph_error(StatusCode::BAD_REQUEST, 100, None, "Report is not ready"),
                None => not_reachable(run_id),
            }
        }
        _ => graph_error(
            StatusCode::BAD_REQUEST,
            100,
            None,
            "(#100) Unsupported request.",
        ),
    };
    // One busy ad account among quiet ones: its own usage is high, the app's is not.
    let account_pct = if scenario == "meta-busy-account" && rest.first() == Some(&AD_ACCOUNT_ID) {
        95
    } else {
        pct
    };
    usage_headers(&mut response, pct, account_pct, 0);
    response
}
