//! Meta Marketing API (Graph API) client: ad-account discovery, test connection and daily
//! insights per ad (synchronous paging or the async report flow).
//!
//! Facts from `shared/reference/meta-marketing-api.md`. The token goes only in the
//! `Authorization: Bearer` header, never in a URL; `paging.next` URLs are followed only on the
//! configured origin and stripped of any `access_token`; usage headers slow the client down.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::NaiveDate;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use url::Url;

use crate::error::{scrubbed_of, Provider, ProviderError, ProviderResult};
use crate::http::{
    off_thread, retry_after, BodyKind, HttpCore, HttpSettings, RawResponse, Resend, Verdict,
};
use crate::values::{as_i64, currency_exponent, decimal_to_minor_units, i64_at, str_at};

/// The production Graph API origin.
pub const META_DEFAULT_BASE_URL: &str = "https://graph.facebook.com";
/// The newest Marketing API version at the time of writing (reference §Versions).
pub const META_DEFAULT_VERSION: &str = "v27.0";
/// Environment variable overriding the origin.
pub const META_BASE_URL_ENV: &str = "META_GRAPH_BASE_URL";
/// Environment variable overriding the version.
pub const META_VERSION_ENV: &str = "META_GRAPH_VERSION";

const M: Provider = Provider::MetaAds;
const ACCOUNT_FIELDS: &str = "id,account_id,name,account_status,currency,timezone_name";
/// Insights fields requested per ad and day.
pub const INSIGHTS_FIELDS: &str = "date_start,date_stop,account_id,campaign_id,campaign_name,\
adset_id,adset_name,ad_id,ad_name,spend,impressions,clicks,reach,actions,action_values";
/// Safety stop for paging: at the default 500 rows a page this is half a million rows; a
/// server that keeps answering past it is treated as broken rather than followed.
const MAX_PAGES: usize = 1_000;

/// An ad account the token reaches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdAccount {
    /// `act_<account_id>`.
    pub id: String,
    /// Numeric id as a string.
    pub account_id: String,
    /// Account name.
    pub name: String,
    /// Meta's `account_status` (1 ACTIVE, 2 DISABLED, …; see [`account_status_name`]).
    pub account_status: i64,
    /// Currency code, e.g. `VND`.
    pub currency: String,
    /// Time zone insights dates are in, e.g. `Asia/Ho_Chi_Minh`.
    pub timezone_name: String,
}

impl AdAccount {
    fn from_value(v: &Value) -> Result<Self, String> {
        let account_id = str_at(v, "account_id")
            .or_else(|| str_at(v, "id").map(|id| id.trim_start_matches("act_").to_owned()))
            .ok_or("an ad account has no id")?;
        Ok(Self {
            id: str_at(v, "id").unwrap_or_else(|| format!("act_{account_id}")),
            account_id,
            name: str_at(v, "name").unwrap_or_default(),
            account_status: i64_at(v, "account_status").ok_or("an ad account has no status")?,
            currency: str_at(v, "currency").unwrap_or_default(),
            timezone_name: str_at(v, "timezone_name").unwrap_or_default(),
        })
    }

    /// Name of [`Self::account_status`].
    pub fn status_name(&self) -> &'static str {
        account_status_name(self.account_status)
    }

    /// True when the status delivers ads: ACTIVE (1), or IN_GRACE_PERIOD (9) which still
    /// delivers while a payment problem is being fixed.
    pub fn delivers_ads(&self) -> bool {
        matches!(self.account_status, 1 | 9)
    }

    /// A warning to show for an account that works but needs attention (grace period).
    pub fn status_warning(&self) -> Option<String> {
        (self.account_status == 9).then(|| {
            format!(
                "The ad account {} is IN_GRACE_PERIOD (account_status 9): ads still run, but a \
                 payment problem must be fixed in Meta Ads Manager soon.",
                self.id
            )
        })
    }
}

/// Name of a Meta `account_status` code (reference §Test connection).
pub fn account_status_name(code: i64) -> &'static str {
    match code {
        1 => "ACTIVE",
        2 => "DISABLED",
        3 => "UNSETTLED",
        7 => "PENDING_RISK_REVIEW",
        8 => "PENDING_SETTLEMENT",
        9 => "IN_GRACE_PERIOD",
        100 => "PENDING_CLOSURE",
        101 => "CLOSED",
        201 => "ANY_ACTIVE",
        202 => "ANY_CLOSED",
        _ => "in an unknown status",
    }
}

/// `act_<id>` for an id given with or without the prefix.
pub fn normalize_ad_account_id(id: &str) -> String {
    let id = id.trim();
    if id.starts_with("act_") {
        id.to_owned()
    } else {
        format!("act_{id}")
    }
}

/// A daily insights request for one ad account at `level=ad`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InsightsQuery {
    /// `act_<id>` (or the bare id).
    pub ad_account_id: String,
    /// First day, in the account's time zone.
    pub since: NaiveDate,
    /// Last day, inclusive.
    pub until: NaiveDate,
    /// The account currency, for converting spend to minor units (from [`AdAccount`]).
    pub currency: String,
    /// `action_attribution_windows`, e.g. `["7d_click", "1d_view"]`; empty = Meta's default.
    /// Store the windows used next to the numbers: they change them.
    pub attribution_windows: Vec<String>,
    /// Rows per page.
    pub limit: u32,
    /// Which of the account's ads: a window's ads can be read in slices side by side.
    pub ads: AdSlice,
}

/// Some of an ad account's ads, by Graph's `filtering` on `ad.id`. Slices `Only(a)`, `Only(b)`
/// … and `AllBut(a ∪ b ∪ …)` cover every ad exactly once, whatever ads the list they were cut
/// from missed (created since, or deleted and so not listed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum AdSlice {
    /// Every ad.
    #[default]
    All,
    /// These ads only.
    Only(Vec<String>),
    /// Every ad but these.
    AllBut(Vec<String>),
}

impl AdSlice {
    fn filtering(&self) -> Option<String> {
        let (operator, ids) = match self {
            AdSlice::All => return None,
            AdSlice::AllBut(ids) if ids.is_empty() => return None,
            AdSlice::Only(ids) => ("IN", ids),
            AdSlice::AllBut(ids) => ("NOT_IN", ids),
        };
        Some(
            serde_json::json!([{"field": "ad.id", "operator": operator, "value": ids}]).to_string(),
        )
    }
}

impl InsightsQuery {
    /// A query with Meta's default attribution and 500 rows per page.
    pub fn new(ad_account_id: &str, since: NaiveDate, until: NaiveDate, currency: &str) -> Self {
        Self {
            ad_account_id: normalize_ad_account_id(ad_account_id),
            since,
            until,
            currency: currency.to_owned(),
            attribution_windows: Vec::new(),
            limit: 500,
            ads: AdSlice::All,
        }
    }

    /// Days in the range, both ends included.
    pub fn days(&self) -> i64 {
        (self.until - self.since).num_days() + 1
    }

    fn params(&self) -> Vec<(String, String)> {
        let mut p = vec![
            ("level".to_owned(), "ad".to_owned()),
            ("time_increment".to_owned(), "1".to_owned()),
            (
                "time_range".to_owned(),
                serde_json::json!({
                    "since": self.since.format("%Y-%m-%d").to_string(),
                    "until": self.until.format("%Y-%m-%d").to_string(),
                })
                .to_string(),
            ),
            ("fields".to_owned(), INSIGHTS_FIELDS.to_owned()),
            ("limit".to_owned(), self.limit.max(1).to_string()),
        ];
        if let Some(filtering) = self.ads.filtering() {
            p.push(("filtering".to_owned(), filtering));
        }
        if !self.attribution_windows.is_empty() {
            p.push((
                "action_attribution_windows".to_owned(),
                serde_json::to_string(&self.attribution_windows).unwrap_or_default(),
            ));
        }
        p
    }
}

/// One ad on one day. Money is exact: the decimal string as Meta sent it plus integer minor
/// units of the account currency (VND has none, so minor units are đồng).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdInsightRow {
    /// Day (account time zone).
    pub date_start: NaiveDate,
    /// Same as `date_start` with `time_increment=1`.
    pub date_stop: NaiveDate,
    /// Account id without `act_`.
    pub account_id: Option<String>,
    /// Campaign id.
    pub campaign_id: Option<String>,
    /// Campaign name.
    pub campaign_name: Option<String>,
    /// Ad set id.
    pub adset_id: Option<String>,
    /// Ad set name.
    pub adset_name: Option<String>,
    /// Ad id.
    pub ad_id: String,
    /// Ad name.
    pub ad_name: Option<String>,
    /// Spend exactly as sent, e.g. `"125430"`.
    pub spend: String,
    /// Spend in minor units of the currency.
    pub spend_minor: i64,
    /// Decimal digits used for the minor units.
    pub currency_exponent: u32,
    /// Impressions.
    pub impressions: i64,
    /// Clicks.
    pub clicks: i64,
    /// Reach.
    pub reach: i64,
    /// The action type the purchase numbers were taken from: `omni_purchase` when present,
    /// else `purchase`; `None` when neither is present. Types are never summed (they overlap).
    pub purchase_action_type: Option<String>,
    /// Purchases (rounded to a whole number if Meta sent a fraction).
    pub purchases: i64,
    /// Purchase value exactly as sent.
    pub purchase_value: Option<String>,
    /// Purchase value in minor units.
    pub purchase_value_minor: i64,
    /// The row exactly as received.
    pub raw: Value,
}

/// Purchase action types in order of preference (reference §Insights).
pub const PURCHASE_ACTION_PREFERENCE: [&str; 2] = ["omni_purchase", "purchase"];

fn action_value<'a>(list: Option<&'a Value>, action_type: &str) -> Option<&'a str> {
    list?
        .as_array()?
        .iter()
        .find(|a| a.get("action_type").and_then(Value::as_str) == Some(action_type))?
        .get("value")?
        .as_str()
}

impl AdInsightRow {
    /// Extract the typed fields from a raw insights row.
    pub fn from_value(raw: Value, currency: &str) -> Result<Self, String> {
        let exp = currency_exponent(currency);
        let date = |k: &str| {
            raw.get(k)
                .and_then(Value::as_str)
                .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
                .ok_or_else(|| format!("an insights row has no valid `{k}`"))
        };
        let date_start = date("date_start")?;
        let date_stop = date("date_stop").unwrap_or(date_start);
        let ad_id = str_at(&raw, "ad_id").ok_or("an insights row has no `ad_id`")?;
        let spend = str_at(&raw, "spend").unwrap_or_else(|| "0".to_owned());
        let spend_minor = decimal_to_minor_units(&spend, exp)
            .ok_or_else(|| "an insights row has a spend that is not a decimal".to_owned())?;
        let count = |k: &str| raw.get(k).and_then(as_i64).unwrap_or(0);
        let actions = raw.get("actions");
        let values = raw.get("action_values");
        let chosen = PURCHASE_ACTION_PREFERENCE
            .iter()
            .find(|t| action_value(actions, t).is_some() || action_value(values, t).is_some());
        let (purchases, purchase_value, purchase_value_minor) = match chosen {
            Some(t) => {
                let n = action_value(actions, t)
                    .and_then(|s| decimal_to_minor_units(s, 0))
                    .unwrap_or(0);
                let v = action_value(values, t).map(str::to_owned);
                let minor = v
                    .as_deref()
                    .and_then(|s| decimal_to_minor_units(s, exp))
                    .unwrap_or(0);
                (n, v, minor)
            }
            None => (0, None, 0),
        };
        Ok(Self {
            date_start,
            date_stop,
            account_id: str_at(&raw, "account_id"),
            campaign_id: str_at(&raw, "campaign_id"),
            campaign_name: str_at(&raw, "campaign_name"),
            adset_id: str_at(&raw, "adset_id"),
            adset_name: str_at(&raw, "adset_name"),
            ad_id,
            ad_name: str_at(&raw, "ad_name"),
            spend,
            spend_minor,
            currency_exponent: exp,
            impressions: count("impressions"),
            clicks: count("clicks"),
            reach: count("reach"),
            purchase_action_type: chosen.map(|t| (*t).to_owned()),
            purchases,
            purchase_value,
            purchase_value_minor,
            raw,
        })
    }
}

/// How the async report flow polls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportPolling {
    /// Ranges longer than this many days use the async report flow (public connectors use it
    /// for everything; 30 days keeps short syncs simple and fast).
    pub async_threshold_days: i64,
    /// Wait between two status polls.
    pub interval: Duration,
    /// Polls before giving up with [`ProviderError::Timeout`].
    pub max_polls: u32,
}

impl Default for ReportPolling {
    fn default() -> Self {
        Self {
            async_threshold_days: 30,
            interval: Duration::from_secs(5),
            max_polls: 360,
        }
    }
}

/// How [`MetaClient::insights_with`] fetches the rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InsightsFlow {
    /// `GET /act_<id>/insights`, following cursors.
    Sync,
    /// The async report flow: `POST /act_<id>/insights` → `report_run_id`, poll `GET /<id>`
    /// until `Job Completed` (`Job Failed` / `Job Skipped` are errors), then page
    /// `GET /<id>/insights`.
    Async,
}

/// What a call is about, to name the right error.
#[derive(Clone, Copy)]
enum Ctx<'a> {
    General,
    Account(&'a str),
}

impl<'a> Ctx<'a> {
    /// The ad account the call is about, if any.
    fn account(self) -> Option<&'a str> {
        match self {
            Ctx::General => None,
            Ctx::Account(id) => Some(id),
        }
    }
}

/// Client for one Graph API origin and version. Holds no token.
pub struct MetaClient {
    base: Url,
    version: String,
    http: HttpCore,
    polling: ReportPolling,
    /// Answers whose usage headers said to slow down (see [`MetaClient::high_usage_answers`]).
    high_usage: HighUsage,
}

/// Answers that said to slow down: for the whole app (`X-App-Usage`, or an answer about no
/// one account), or for one ad account (its `X-Ad-Account-Usage` or business use case usage).
#[derive(Debug, Default)]
struct HighUsage {
    app: AtomicU64,
    accounts: std::sync::Mutex<std::collections::HashMap<String, u64>>,
}

impl std::fmt::Debug for MetaClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetaClient")
            .field("base", &self.base.as_str())
            .field("version", &self.version)
            .field("polling", &self.polling)
            .finish()
    }
}

impl MetaClient {
    /// A client for `base_url` (an origin such as `https://graph.facebook.com`) and `version`
    /// (e.g. `v27.0`; a missing `v` is added).
    pub fn new(
        base_url: impl AsRef<str>,
        version: impl AsRef<str>,
        settings: HttpSettings,
    ) -> ProviderResult<Self> {
        let base =
            Url::parse(base_url.as_ref().trim()).map_err(|e| ProviderError::InvalidConfig {
                detail: format!("the base URL is not valid ({e})"),
            })?;
        if !matches!(base.scheme(), "http" | "https") || base.cannot_be_a_base() {
            return Err(ProviderError::InvalidConfig {
                detail: "the base URL must be an http(s) URL".into(),
            });
        }
        let v = version.as_ref().trim();
        if v.is_empty() {
            return Err(ProviderError::InvalidConfig {
                detail: "the API version is empty".into(),
            });
        }
        let version = if v.starts_with('v') {
            v.to_owned()
        } else {
            format!("v{v}")
        };
        Ok(Self {
            base,
            version,
            http: HttpCore::new(M, settings)?,
            polling: Default::default(),
            high_usage: HighUsage::default(),
        })
    }

    /// A client for `META_GRAPH_BASE_URL` and `META_GRAPH_VERSION`, defaulting to the
    /// production origin and [`META_DEFAULT_VERSION`].
    pub fn from_env(settings: HttpSettings) -> ProviderResult<Self> {
        let var = |k: &str, d: &str| {
            std::env::var(k)
                .ok()
                .filter(|s| !s.trim().is_empty())
                .unwrap_or_else(|| d.to_owned())
        };
        Self::new(
            var(META_BASE_URL_ENV, META_DEFAULT_BASE_URL),
            var(META_VERSION_ENV, META_DEFAULT_VERSION),
            settings,
        )
    }

    /// The same origin, version and polling with other HTTP settings (e.g. no in-client
    /// retries, for a caller that paces and retries itself).
    pub fn with_settings(&self, settings: HttpSettings) -> ProviderResult<Self> {
        Ok(Self {
            base: self.base.clone(),
            version: self.version.clone(),
            http: HttpCore::new(M, settings)?,
            polling: self.polling,
            high_usage: HighUsage::default(),
        })
    }

    /// This client without in-client retries, for a caller that paces and retries itself;
    /// every other setting (timeouts, the usage pause, body limits) stays this client's.
    pub fn without_retries(&self) -> ProviderResult<Self> {
        self.with_settings(HttpSettings {
            max_attempts: 1,
            ..self.http.settings.clone()
        })
    }

    /// This client with another report polling policy.
    pub fn with_report_polling(mut self, polling: ReportPolling) -> Self {
        self.polling = polling;
        self
    }

    /// How many good answers so far said usage is near Graph's limit (or asked to wait before
    /// regaining access): a caller running requests side by side reads it before and after a
    /// call to know it should send fewer at once. The client's own pause before its next
    /// request (that account's next, for one account's usage) slows one request, not the others
    /// in flight.
    pub fn high_usage_answers(&self) -> u64 {
        let accounts: u64 = self
            .high_usage
            .accounts
            .lock()
            .map_or(0, |accounts| accounts.values().sum());
        self.high_usage.app.load(Ordering::Relaxed) + accounts
    }

    /// Like [`Self::high_usage_answers`], for the runs of one ad account: the answers that
    /// said the whole app should slow down, and those that said this account should. Another
    /// account's high usage is not this one's business.
    pub fn high_usage_answers_of(&self, ad_account_id: &str) -> u64 {
        let id = normalize_ad_account_id(ad_account_id);
        let account = self
            .high_usage
            .accounts
            .lock()
            .ok()
            .and_then(|accounts| accounts.get(&id).copied())
            .unwrap_or(0);
        self.high_usage.app.load(Ordering::Relaxed) + account
    }

    /// The configured version, e.g. `v27.0`.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The ad accounts the token reaches (`/me/adaccounts`, all pages).
    #[tracing::instrument(skip_all)]
    pub async fn discover_ad_accounts(
        &self,
        token: &SecretString,
    ) -> ProviderResult<Vec<AdAccount>> {
        scrubbed_of(token, async {
            let mut url = self.url(&["me", "adaccounts"])?;
            url.query_pairs_mut()
                .append_pair("fields", ACCOUNT_FIELDS)
                .append_pair("limit", "100");
            let rows = self
                .get_all(token, url, Ctx::General, BodyKind::Small)
                .await?;
            rows.iter()
                .map(|r| AdAccount::from_value(r).map_err(|e| malformed(&e)))
                .collect::<ProviderResult<Vec<_>>>()
        })
        .await
    }

    /// The ad account as Meta describes it, whatever its status.
    #[tracing::instrument(skip_all)]
    pub async fn ad_account(
        &self,
        token: &SecretString,
        ad_account_id: &str,
    ) -> ProviderResult<AdAccount> {
        let id = normalize_ad_account_id(ad_account_id);
        scrubbed_of(token, async {
            let mut url = self.url(&[&id])?;
            url.query_pairs_mut().append_pair("fields", ACCOUNT_FIELDS);
            let body = self
                .get(token, &url, Ctx::Account(&id), BodyKind::Small)
                .await?;
            AdAccount::from_value(&body).map_err(|e| malformed(&e))
        })
        .await
    }

    /// The ids of the account's ads (`GET /act_<id>/ads`, every page), to cut its insights into
    /// slices read side by side (see [`AdSlice`]).
    #[tracing::instrument(skip_all)]
    pub async fn ad_ids(
        &self,
        token: &SecretString,
        ad_account_id: &str,
    ) -> ProviderResult<Vec<String>> {
        let id = normalize_ad_account_id(ad_account_id);
        scrubbed_of(token, async {
            let mut url = self.url(&[&id, "ads"])?;
            url.query_pairs_mut()
                .append_pair("fields", "id")
                .append_pair("limit", "500");
            let rows = self
                .get_all(token, url, Ctx::Account(&id), BodyKind::Page)
                .await?;
            rows.iter()
                .map(|row| str_at(row, "id").ok_or_else(|| malformed("an ad has no `id`")))
                .collect()
        })
        .await
    }

    /// When the token expires, as Graph's `debug_token` says: `None` for a token that does not
    /// (a system user's, `expires_at` 0). Graph takes the token to inspect only as the
    /// `input_token` query parameter: this is the one request that carries it in its URL (to
    /// Graph alone, over TLS; the client never logs query strings, and errors are scrubbed of
    /// it like every other answer).
    #[tracing::instrument(skip_all)]
    pub async fn token_expiry(
        &self,
        token: &SecretString,
    ) -> ProviderResult<Option<chrono::DateTime<chrono::Utc>>> {
        scrubbed_of(token, async {
            let mut url = self.url(&["debug_token"])?;
            url.query_pairs_mut()
                .append_pair("input_token", token.expose_secret());
            let body = self.get(token, &url, Ctx::General, BodyKind::Small).await?;
            let expires = body
                .get("data")
                .and_then(|data| data.get("expires_at"))
                .and_then(as_i64)
                .ok_or_else(|| malformed("debug_token without data.expires_at"))?;
            if expires <= 0 {
                return Ok(None);
            }
            chrono::DateTime::from_timestamp(expires, 0)
                .map(Some)
                .ok_or_else(|| malformed("debug_token with an impossible expires_at"))
        })
        .await
    }

    /// Check the token, that the account is reachable and that it delivers ads.
    ///
    /// IN_GRACE_PERIOD (9) is accepted (a warning is logged; see
    /// [`AdAccount::status_warning`]); any other non-ACTIVE status is
    /// [`ProviderError::AccountInactive`] naming the status.
    #[tracing::instrument(skip_all)]
    pub async fn test_connection(
        &self,
        token: &SecretString,
        ad_account_id: &str,
    ) -> ProviderResult<AdAccount> {
        let account = self.ad_account(token, ad_account_id).await?;
        if !account.delivers_ads() {
            return Err(ProviderError::AccountInactive {
                ad_account_id: account.id.clone(),
                account_status: account.account_status,
                status_name: account.status_name(),
            });
        }
        if let Some(w) = account.status_warning() {
            tracing::warn!(warning = %w, "ad account needs attention");
        }
        Ok(account)
    }

    /// Daily insights per ad over the range: the async report flow when the range is longer
    /// than [`ReportPolling::async_threshold_days`], else synchronous cursor paging.
    pub async fn insights(
        &self,
        token: &SecretString,
        query: &InsightsQuery,
    ) -> ProviderResult<Vec<AdInsightRow>> {
        let flow = if query.days() > self.polling.async_threshold_days {
            InsightsFlow::Async
        } else {
            InsightsFlow::Sync
        };
        self.insights_with(token, query, flow).await
    }

    /// Daily insights per ad over the range, by the given flow.
    #[tracing::instrument(skip_all, fields(days = query.days(), ?flow))]
    pub async fn insights_with(
        &self,
        token: &SecretString,
        query: &InsightsQuery,
        flow: InsightsFlow,
    ) -> ProviderResult<Vec<AdInsightRow>> {
        let id = normalize_ad_account_id(&query.ad_account_id);
        scrubbed_of(token, async {
            let mut url = self.url(&[&id, "insights"])?;
            url.query_pairs_mut().extend_pairs(query.params());
            let rows = match flow {
                InsightsFlow::Sync => {
                    self.get_all(token, url, Ctx::Account(&id), BodyKind::Page)
                        .await?
                }
                InsightsFlow::Async => {
                    // Not idempotent: every POST that reaches Meta starts a report job, so it
                    // is resent only when the connection could not even be opened.
                    let started = self
                        .send(
                            reqwest::Method::POST,
                            Resend::OnlyIfNotSent,
                            token,
                            &url,
                            Ctx::Account(&id),
                            BodyKind::Small,
                        )
                        .await?;
                    let run_id = str_at(&started, "report_run_id").ok_or_else(|| {
                        malformed("the report request returned no `report_run_id`")
                    })?;
                    self.wait_for_report(token, &run_id).await?;
                    let mut url = self.url(&[&run_id, "insights"])?;
                    url.query_pairs_mut()
                        .append_pair("limit", &query.limit.max(1).to_string());
                    self.get_all(token, url, Ctx::General, BodyKind::Page)
                        .await?
                }
            };
            let currency = query.currency.clone();
            off_thread(move || parse_rows(rows, &currency)).await
        })
        .await
    }

    async fn wait_for_report(&self, token: &SecretString, run_id: &str) -> ProviderResult<()> {
        let mut url = self.url(&[run_id])?;
        url.query_pairs_mut()
            .append_pair("fields", "id,async_status,async_percent_completion");
        for poll in 0..self.polling.max_polls.max(1) {
            if poll > 0 {
                self.http
                    .settings
                    .sleeper
                    .sleep(self.polling.interval)
                    .await;
            }
            let body = self.get(token, &url, Ctx::General, BodyKind::Small).await?;
            let status = str_at(&body, "async_status").unwrap_or_default();
            tracing::debug!(status = %status, poll, "report status");
            match status.as_str() {
                "Job Completed" => return Ok(()),
                "Job Failed" | "Job Skipped" => {
                    return Err(ProviderError::Upstream {
                        provider: M,
                        status: None,
                        detail: format!(
                            "Meta could not prepare the insights report ({status}); try a \
                             shorter date range"
                        ),
                    })
                }
                _ => {}
            }
        }
        Err(ProviderError::Timeout { provider: M })
    }

    fn url(&self, segments: &[&str]) -> ProviderResult<Url> {
        let mut url = self.base.clone();
        url.set_query(None);
        url.path_segments_mut()
            .map_err(|()| ProviderError::InvalidConfig {
                detail: "the Graph API base URL cannot hold a path".into(),
            })?
            .pop_if_empty()
            .push(&self.version)
            .extend(segments);
        Ok(url)
    }

    async fn get(
        &self,
        token: &SecretString,
        url: &Url,
        ctx: Ctx<'_>,
        kind: BodyKind,
    ) -> ProviderResult<Value> {
        self.send(reqwest::Method::GET, Resend::Always, token, url, ctx, kind)
            .await
    }

    async fn send(
        &self,
        method: reqwest::Method,
        resend: Resend,
        token: &SecretString,
        url: &Url,
        ctx: Ctx<'_>,
        kind: BodyKind,
    ) -> ProviderResult<Value> {
        let label = format!("{method} {}", url.path());
        self.http
            .execute(
                &label,
                kind,
                resend,
                ctx.account(),
                // The one place the token is exposed: the Authorization header (reqwest marks
                // it sensitive).
                || {
                    self.http
                        .client
                        .request(method.clone(), url.clone())
                        .bearer_auth(token.expose_secret())
                },
                |raw| self.interpret(raw, ctx, token.expose_secret()),
            )
            .await
    }

    /// All `data` rows of a cursor-paged edge.
    async fn get_all(
        &self,
        token: &SecretString,
        first: Url,
        ctx: Ctx<'_>,
        kind: BodyKind,
    ) -> ProviderResult<Vec<Value>> {
        let mut rows = Vec::new();
        let mut url = first;
        let mut seen_cursors = std::collections::HashSet::new();
        // Every URL fetched so far: a `paging.next` that leads back to one of them (with or
        // without cursors) would loop.
        let mut seen_urls = std::collections::HashSet::new();
        seen_urls.insert(url.as_str().to_owned());
        for _ in 0..MAX_PAGES {
            let mut body = self.get(token, &url, ctx, kind).await?;
            match body.get_mut("data").map(Value::take) {
                Some(Value::Array(page)) => rows.extend(page),
                _ => return Err(malformed("the answer has no `data` list")),
            }
            let paging = body.get("paging");
            let next = paging.and_then(|p| p.get("next")).and_then(Value::as_str);
            let after = paging
                .and_then(|p| p.get("cursors"))
                .and_then(|c| c.get("after"))
                .and_then(Value::as_str);
            let Some(next) = next else { return Ok(rows) };
            if let Some(a) = after {
                if !seen_cursors.insert(a.to_owned()) {
                    return Err(malformed("the paging cursor repeated itself"));
                }
            }
            url = self
                .next_url(next, &url, after)
                .ok_or_else(|| malformed("a `paging.next` link could not be followed"))?;
            if !seen_urls.insert(url.as_str().to_owned()) {
                return Err(malformed("the `paging.next` link repeated itself"));
            }
        }
        Err(malformed("too many pages"))
    }

    /// The URL to fetch for `paging.next`: the link itself when it is on the configured
    /// origin (minus any `access_token`), else the current URL with the `after` cursor.
    fn next_url(&self, next: &str, current: &Url, after: Option<&str>) -> Option<Url> {
        if let Ok(u) = Url::parse(next) {
            if u.origin() == self.base.origin() {
                let pairs: Vec<(String, String)> = u
                    .query_pairs()
                    .filter(|(k, _)| k != "access_token")
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect();
                let mut u = u;
                u.set_fragment(None);
                u.query_pairs_mut().clear().extend_pairs(pairs);
                return Some(u);
            }
            tracing::warn!(
                host = u.host_str().unwrap_or(""),
                "paging.next points to another origin; rebuilding from the cursor"
            );
        }
        let after = after?;
        let pairs: Vec<(String, String)> = current
            .query_pairs()
            .filter(|(k, _)| k != "after" && k != "before" && k != "access_token")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let mut u = current.clone();
        u.query_pairs_mut()
            .clear()
            .extend_pairs(pairs)
            .append_pair("after", after);
        Some(u)
    }

    /// Decide what a Graph answer means (reference §Errors, §Rate-limit headers). `secret` is
    /// the token, masked out of Meta's message before it is cut to length.
    fn interpret(&self, mut raw: RawResponse, ctx: Ctx<'_>, secret: &str) -> Verdict<Value> {
        let usage = Usage::from_headers(&raw.headers);
        let status = raw.status;
        let parsed = raw.json(M);
        let envelope = parsed.as_ref().ok().and_then(|b| b.get("error")).cloned();
        if status.is_success() && envelope.is_none() {
            if let Some(pause) = usage.pause(&self.http.settings) {
                let app_wide = usage.app_percent >= self.http.settings.high_usage_percent;
                // Whose usage it was: one ad account's holds back that account's runs and its
                // next request only; the app's (or an answer about no one account) every run,
                // and whichever request goes next.
                let account = ctx.account().filter(|_| !app_wide);
                match account {
                    Some(id) => {
                        if let Ok(mut accounts) = self.high_usage.accounts.lock() {
                            *accounts.entry(id.to_owned()).or_default() += 1;
                        }
                    }
                    None => {
                        self.high_usage.app.fetch_add(1, Ordering::Relaxed);
                    }
                }
                self.http.request_pause(pause, account);
            }
            return match parsed {
                Ok(body) => Verdict::Done(body),
                Err(e) => Verdict::Fail(e),
            };
        }
        let regain = usage
            .regain
            .filter(|d| !d.is_zero())
            .or_else(|| retry_after(&raw.headers));
        let Some(err) = envelope else {
            let error = ProviderError::Upstream {
                provider: M,
                status: Some(status.as_u16()),
                detail: "an error answer without Meta's error details".into(),
            };
            return match status.as_u16() {
                429 => Verdict::Retry {
                    error: ProviderError::RateLimited {
                        provider: M,
                        retry_after: regain,
                    },
                    wait: regain,
                },
                s if s >= 500 => Verdict::Retry { error, wait: None },
                401 => Verdict::Fail(ProviderError::AuthRejected {
                    provider: M,
                    detail: None,
                }),
                _ => Verdict::Fail(error),
            };
        };
        let code = i64_at(&err, "code").unwrap_or(0);
        let subcode = i64_at(&err, "error_subcode");
        let message =
            str_at(&err, "message").map(|m| crate::redact::clean_upstream_text(&m, secret, 300));
        let is_transient = err.get("is_transient").and_then(Value::as_bool) == Some(true);
        let lower = message.as_deref().unwrap_or("").to_ascii_lowercase();
        // UNCERTAIN: the exact answer to an expired version is not in the reference; Meta's
        // documented code for the Ads API is 2635 ("You are calling a deprecated version of
        // the Ads API"); the message test catches variants of the same wording.
        if code == 2635 || lower.contains("deprecated version") {
            return Verdict::Fail(ProviderError::ApiVersionExpired {
                version: self.version.clone(),
            });
        }
        let error = match code {
            190 | 102 => match subcode {
                // 458 app not authorized, 460 password changed, 463 expired, 464 unconfirmed
                // user, 467 invalid session, 492 invalid session (no longer admin).
                Some(458 | 460 | 463 | 464 | 467 | 492) => ProviderError::TokenExpired { subcode },
                _ if code == 102 => ProviderError::TokenExpired { subcode },
                _ => ProviderError::AuthRejected {
                    provider: M,
                    detail: message,
                },
            },
            4 | 17 | 32 | 613 | 80000..=80014 => {
                return Verdict::Retry {
                    error: ProviderError::RateLimited {
                        provider: M,
                        retry_after: regain,
                    },
                    wait: regain,
                }
            }
            10 | 200..=299 => ProviderError::PermissionDenied {
                provider: M,
                detail: message.unwrap_or_else(|| "ads_read is needed".into()),
            },
            100 | 803 if matches!(ctx, Ctx::Account(_)) && subcode != Some(1487742) => {
                let Ctx::Account(id) = ctx else {
                    unreachable!()
                };
                ProviderError::AccountNotReachable {
                    ad_account_id: id.to_owned(),
                    detail: message,
                }
            }
            // 1 and 2 are Meta's codes for an unknown or temporary failure.
            _ if matches!(code, 1 | 2) || is_transient || status.is_server_error() => {
                return Verdict::Retry {
                    error: ProviderError::Upstream {
                        provider: M,
                        status: Some(status.as_u16()),
                        detail: message.unwrap_or_else(|| "a temporary Meta error".into()),
                    },
                    wait: None,
                }
            }
            _ => ProviderError::Upstream {
                provider: M,
                status: Some(status.as_u16()),
                detail: message.unwrap_or_else(|| format!("error code {code}")),
            },
        };
        Verdict::Fail(error)
    }
}

fn parse_rows(rows: Vec<Value>, currency: &str) -> ProviderResult<Vec<AdInsightRow>> {
    rows.into_iter()
        .map(|r| AdInsightRow::from_value(r, currency).map_err(|e| malformed(&e)))
        .collect()
}

fn malformed(detail: &str) -> ProviderError {
    ProviderError::MalformedResponse {
        provider: M,
        detail: detail.to_owned(),
    }
}

/// What the usage headers say: the highest percentage and any regain time.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Usage {
    /// Highest percentage seen in `x-app-usage`, `x-ad-account-usage`,
    /// `x-business-use-case-usage`.
    pub max_percent: f64,
    /// Highest percentage in `x-app-usage` alone: the app's, shared by every ad account.
    pub app_percent: f64,
    /// Longest `estimated_time_to_regain_access` (minutes, converted), if any.
    pub regain: Option<Duration>,
}

impl Usage {
    /// Read the three usage headers; unreadable headers are ignored.
    pub fn from_headers(headers: &reqwest::header::HeaderMap) -> Self {
        let json = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|s| serde_json::from_str::<Value>(s).ok())
        };
        let mut usage = Usage::default();
        let mut app_percent = 0.0;
        let mut take_pcts = |v: &Value, keys: &[&str]| {
            for k in keys {
                if let Some(p) = v.get(*k).and_then(Value::as_f64) {
                    usage.max_percent = usage.max_percent.max(p);
                }
            }
        };
        let pct_keys = [
            "call_count",
            "total_cputime",
            "total_time",
            "acc_id_util_pct",
        ];
        let mut regain_minutes: Option<i64> = None;
        if let Some(v) = json("x-app-usage") {
            take_pcts(&v, &pct_keys);
            app_percent = pct_keys
                .iter()
                .filter_map(|k| v.get(*k).and_then(Value::as_f64))
                .fold(0.0, f64::max);
        }
        if let Some(v) = json("x-ad-account-usage") {
            take_pcts(&v, &pct_keys);
        }
        if let Some(Value::Object(map)) = json("x-business-use-case-usage") {
            for entries in map.values() {
                for e in entries.as_array().into_iter().flatten() {
                    take_pcts(e, &pct_keys);
                    if let Some(m) = i64_at(e, "estimated_time_to_regain_access") {
                        regain_minutes = Some(regain_minutes.map_or(m, |o| o.max(m)));
                    }
                }
            }
        }
        usage.app_percent = app_percent;
        usage.regain = regain_minutes
            .filter(|m| *m > 0)
            .map(|m| Duration::from_secs(u64::try_from(m).unwrap_or(0) * 60));
        usage
    }

    /// The pause to take before the next request, if usage calls for one.
    fn pause(&self, settings: &HttpSettings) -> Option<Duration> {
        if let Some(r) = self.regain {
            return Some(r);
        }
        (self.max_percent >= settings.high_usage_percent).then_some(settings.high_usage_pause)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_without_retries_keeps_its_other_settings() {
        let own = HttpSettings {
            request_timeout: std::time::Duration::from_secs(7),
            high_usage_pause: std::time::Duration::from_millis(1),
            max_attempts: 5,
            ..HttpSettings::default()
        };
        let client = MetaClient::new("http://127.0.0.1:9", "v21.0", own).unwrap();
        let engines = client.without_retries().unwrap();
        assert_eq!(engines.http.settings.max_attempts, 1);
        assert_eq!(
            engines.http.settings.high_usage_pause,
            std::time::Duration::from_millis(1)
        );
        assert_eq!(
            engines.http.settings.request_timeout,
            std::time::Duration::from_secs(7)
        );
        assert_eq!(engines.base, client.base);
    }

    #[test]
    fn purchases_prefer_omni_purchase_and_never_sum_types() {
        let raw = serde_json::json!({
            "date_start": "2026-03-01", "date_stop": "2026-03-01", "ad_id": "1", "spend": "125430",
            "impressions": "1000", "clicks": "30", "reach": "800",
            "actions": [{"action_type": "purchase", "value": "3"},
                        {"action_type": "omni_purchase", "value": "4"},
                        {"action_type": "offsite_conversion.fb_pixel_purchase", "value": "3"}],
            "action_values": [{"action_type": "purchase", "value": "900000"},
                              {"action_type": "omni_purchase", "value": "1250000"}]
        });
        let row = AdInsightRow::from_value(raw, "VND").unwrap();
        assert_eq!(row.purchase_action_type.as_deref(), Some("omni_purchase"));
        assert_eq!((row.purchases, row.purchase_value_minor), (4, 1_250_000));
        assert_eq!(
            (row.spend_minor, row.impressions, row.clicks, row.reach),
            (125_430, 1000, 30, 800)
        );

        let raw = serde_json::json!({
            "date_start": "2026-03-01", "ad_id": "1", "spend": "10.50",
            "actions": [{"action_type": "purchase", "value": "2"}],
            "action_values": [{"action_type": "purchase", "value": "99.99"}]
        });
        let row = AdInsightRow::from_value(raw, "USD").unwrap();
        assert_eq!(row.purchase_action_type.as_deref(), Some("purchase"));
        assert_eq!(
            (row.spend_minor, row.purchases, row.purchase_value_minor),
            (1050, 2, 9999)
        );
    }

    #[test]
    fn usage_headers_give_the_highest_percent_and_the_regain_time() {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert(
            "x-app-usage",
            r#"{"call_count":12,"total_cputime":3,"total_time":4}"#
                .parse()
                .unwrap(),
        );
        h.insert(
            "x-business-use-case-usage",
            r#"{"123":[{"type":"ads_insights","call_count":95,"total_cputime":20,"total_time":30,"estimated_time_to_regain_access":2}]}"#
                .parse()
                .unwrap(),
        );
        let u = Usage::from_headers(&h);
        assert_eq!(u.max_percent, 95.0);
        assert_eq!(u.app_percent, 12.0);
        assert_eq!(u.regain, Some(Duration::from_secs(120)));
    }
}
