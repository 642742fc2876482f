//! Shared HTTP machinery: settings, bounded retries with exponential backoff and full jitter,
//! `Retry-After`, an injectable sleeper (so tests never really wait), bodies read up to a cap
//! per kind of endpoint, and the transport-error mapping that strips URLs out of reqwest
//! errors.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::Rng;
use reqwest::header::HeaderMap;
use reqwest::StatusCode;

use crate::error::{Provider, ProviderError, ProviderResult};

/// Something that waits. Production uses [`TokioSleeper`]; tests inject [`RecordingSleeper`]
/// to assert the requested waits (e.g. that `Retry-After` was honoured) without waiting.
pub trait Sleeper: Send + Sync + 'static {
    /// Wait for `duration`.
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + 'static>>;
}

/// Sleeps with `tokio::time::sleep`.
#[derive(Debug, Default, Clone, Copy)]
pub struct TokioSleeper;

impl Sleeper for TokioSleeper {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + 'static>> {
        Box::pin(tokio::time::sleep(duration))
    }
}

/// Records every requested wait and returns at once. For tests and benchmarks.
#[derive(Debug, Default, Clone)]
pub struct RecordingSleeper {
    slept: Arc<Mutex<Vec<Duration>>>,
}

impl RecordingSleeper {
    /// A new, empty recorder.
    pub fn new() -> Self {
        Self::default()
    }

    /// The waits requested so far, in order.
    pub fn slept(&self) -> Vec<Duration> {
        self.slept.lock().map(|v| v.clone()).unwrap_or_default()
    }
}

impl Sleeper for RecordingSleeper {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Future<Output = ()> + Send + 'static>> {
        if let Ok(mut v) = self.slept.lock() {
            v.push(duration);
        }
        Box::pin(std::future::ready(()))
    }
}

/// What an endpoint answers, which decides how large a body the client reads from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    /// A page of synced rows: orders, variations, stock movements, daily insights.
    Page,
    /// Everything else: shop and ad account lists, one account, a report's status.
    Small,
}

/// The largest body read per [`BodyKind`], in bytes. A larger answer is refused with
/// [`ProviderError::ResponseTooLarge`] as soon as its `Content-Length` says so, or as soon as
/// the bytes read pass the cap when the body is streamed without one: memory stays bounded
/// whatever the server sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyLimits {
    /// Cap of a [`BodyKind::Page`] body.
    pub page: u64,
    /// Cap of a [`BodyKind::Small`] body.
    pub small: u64,
}

impl Default for BodyLimits {
    fn default() -> Self {
        // A Pancake order page of 500 orders with items and histories is a few MiB; the
        // caps leave an order of magnitude of room and still bound what a broken or hostile
        // server can make the app hold.
        Self {
            page: 64 * 1024 * 1024,
            small: 8 * 1024 * 1024,
        }
    }
}

impl BodyLimits {
    /// The cap for `kind`.
    pub fn of(&self, kind: BodyKind) -> u64 {
        match kind {
            BodyKind::Page => self.page,
            BodyKind::Small => self.small,
        }
    }
}

/// Timeouts, retry policy and rate-limit behaviour shared by both clients.
#[derive(Clone)]
pub struct HttpSettings {
    /// Time allowed to open the TCP/TLS connection.
    pub connect_timeout: Duration,
    /// Time allowed for one whole request, body included.
    pub request_timeout: Duration,
    /// Attempts per request, first one included (at least 1).
    pub max_attempts: u32,
    /// Backoff for the first retry; doubles per retry (full jitter: a uniform wait in
    /// `[0, min(max_backoff, base_backoff * 2^(n-1))]`).
    pub base_backoff: Duration,
    /// Ceiling of one backoff wait.
    pub max_backoff: Duration,
    /// Longest wait a server may ask for (`Retry-After`, Meta's
    /// `estimated_time_to_regain_access`) that the client honours in-line; a longer one ends
    /// the call with [`ProviderError::RateLimited`] carrying the wait.
    pub max_retry_wait: Duration,
    /// Meta usage percentage (any of `call_count`, `total_cputime`, `total_time`,
    /// `acc_id_util_pct`) at or above which the client pauses before its next request (its
    /// next for that ad account, when the usage was one account's).
    pub high_usage_percent: f64,
    /// The pause used when usage is high but Meta gave no regain time.
    pub high_usage_pause: Duration,
    /// The largest body read from each kind of endpoint.
    pub body_limits: BodyLimits,
    /// `User-Agent` header.
    pub user_agent: String,
    /// How the client waits between attempts.
    pub sleeper: Arc<dyn Sleeper>,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(30),
            max_attempts: 4,
            base_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(10),
            max_retry_wait: Duration::from_secs(60),
            high_usage_percent: 90.0,
            high_usage_pause: Duration::from_secs(10),
            body_limits: BodyLimits::default(),
            user_agent: concat!("integration-manager/", env!("CARGO_PKG_VERSION")).to_owned(),
            sleeper: Arc::new(TokioSleeper),
        }
    }
}

impl fmt::Debug for HttpSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpSettings")
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("max_attempts", &self.max_attempts)
            .field("base_backoff", &self.base_backoff)
            .field("max_backoff", &self.max_backoff)
            .field("max_retry_wait", &self.max_retry_wait)
            .field("high_usage_percent", &self.high_usage_percent)
            .field("high_usage_pause", &self.high_usage_pause)
            .field("body_limits", &self.body_limits)
            .field("user_agent", &self.user_agent)
            .finish_non_exhaustive()
    }
}

impl HttpSettings {
    /// These settings with another sleeper.
    pub fn with_sleeper(mut self, sleeper: Arc<dyn Sleeper>) -> Self {
        self.sleeper = sleeper;
        self
    }

    /// The full-jitter backoff before retry number `retry` (1-based).
    pub fn backoff(&self, retry: u32) -> Duration {
        let exp = retry.saturating_sub(1).min(30);
        let cap = self
            .base_backoff
            .saturating_mul(1u32 << exp)
            .min(self.max_backoff);
        let cap_ms = u64::try_from(cap.as_millis()).unwrap_or(u64::MAX);
        if cap_ms == 0 {
            return Duration::ZERO;
        }
        Duration::from_millis(rand::thread_rng().gen_range(0..=cap_ms))
    }
}

/// One HTTP answer, fully read.
pub(crate) struct RawResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    /// The body as JSON, already parsed off the async task (pages of rows, see
    /// [`off_thread`]); `None`: parsed when asked for.
    parsed: Option<Result<serde_json::Value, ProviderError>>,
}

impl RawResponse {
    /// The body as JSON; the error detail never quotes the body.
    pub fn json(&mut self, provider: Provider) -> Result<serde_json::Value, ProviderError> {
        match self.parsed.take() {
            Some(parsed) => parsed,
            None => parse_json(provider, &self.body),
        }
    }
}

/// Runs CPU-heavy work (parsing a page of rows) on tokio's blocking pool, so it never holds the
/// task that awaits it: a sync's storing side, polled by the same task, goes on meanwhile, and
/// the parsing gets a core of its own. Runs in place outside a runtime.
pub(crate) async fn off_thread<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    if tokio::runtime::Handle::try_current().is_err() {
        return work();
    }
    match tokio::task::spawn_blocking(work).await {
        Ok(done) => done,
        Err(err) => std::panic::resume_unwind(err.into_panic()),
    }
}

/// What the provider-specific interpreter decides about one answer.
pub(crate) enum Verdict<T> {
    Done(T),
    /// Retry after `wait` (server-requested) or the backoff; `error` is returned when attempts
    /// run out.
    Retry {
        error: ProviderError,
        wait: Option<Duration>,
    },
    Fail(ProviderError),
}

/// When the retry loop may send a request again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Resend {
    /// Whenever the verdict says so (idempotent requests: GET, PUT).
    Always,
    /// Only when the previous attempt surely never reached the server (a connect error): for
    /// a request that must not be repeated once it may have reached the server (a POST that
    /// creates something). Any answer, a timeout or a connection lost mid-way is final, even
    /// when it would otherwise be retried.
    OnlyIfNotSent,
}

/// A transport failure of one attempt.
struct TransportFailure<T> {
    verdict: Verdict<T>,
    /// False only when the connection could not be opened, so nothing was sent.
    maybe_sent: bool,
}

/// A reqwest client plus the retry loop for one provider.
pub(crate) struct HttpCore {
    pub client: reqwest::Client,
    pub settings: HttpSettings,
    pub provider: Provider,
    /// Pauses requested by previous answers (Meta usage headers), see [`PendingPauses`].
    pending_pauses: Mutex<PendingPauses>,
}

/// Pauses requested by previous answers, each taken by the first request it holds back: the
/// one for every request is taken by whichever goes next (Meta's app usage limits every call
/// of the app), a scope's only by the next request in that scope (an ad account's usage limits
/// that account's calls alone, so one busy account must not delay another's).
#[derive(Default)]
struct PendingPauses {
    every: Option<Duration>,
    scoped: HashMap<String, Duration>,
}

impl HttpCore {
    pub fn new(provider: Provider, settings: HttpSettings) -> ProviderResult<Self> {
        let client = reqwest::Client::builder()
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.request_timeout)
            .user_agent(settings.user_agent.clone())
            // Never follow redirects: a redirect to another host would carry the query-string
            // key with it.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ProviderError::InvalidConfig {
                detail: crate::redact::scrub(&e.without_url().to_string()),
            })?;
        Ok(Self {
            client,
            settings,
            provider,
            pending_pauses: Mutex::default(),
        })
    }

    /// Ask for a pause before the next request in `scope`, or before the next request of all
    /// when `scope` is `None` (the longest requested pause wins).
    pub fn request_pause(&self, pause: Duration, scope: Option<&str>) {
        if let Ok(mut pending) = self.pending_pauses.lock() {
            let slot = match scope {
                None => pending.every.get_or_insert(pause),
                Some(scope) => pending.scoped.entry(scope.to_owned()).or_insert(pause),
            };
            *slot = (*slot).max(pause);
        }
    }

    /// The pause a request in `scope` takes: the one for every request and its scope's.
    fn take_pause(&self, scope: Option<&str>) -> Option<Duration> {
        let mut pending = self.pending_pauses.lock().ok()?;
        let own = scope.and_then(|scope| pending.scoped.remove(scope));
        pending.every.take().into_iter().chain(own).max()
    }

    /// Send the request built by `make` until `interpret` accepts or rejects an answer, or the
    /// attempts run out. `label` names the call in logs and must hold no secret (a method and
    /// a path without query); `kind` sets the body cap; `resend` says whether a request that
    /// may have reached the server can be sent again; `scope` is whose pauses it takes (see
    /// [`PendingPauses`]).
    pub async fn execute<T>(
        &self,
        label: &str,
        kind: BodyKind,
        resend: Resend,
        scope: Option<&str>,
        make: impl Fn() -> reqwest::RequestBuilder,
        interpret: impl Fn(RawResponse) -> Verdict<T>,
    ) -> ProviderResult<T> {
        let max = self.settings.max_attempts.max(1);
        let mut attempt = 0;
        loop {
            attempt += 1;
            if let Some(pause) = self.take_pause(scope) {
                let pause = pause.min(self.settings.max_retry_wait);
                tracing::info!(
                    provider = %self.provider, request = label, pause_ms = pause.as_millis() as u64,
                    "usage is high; pausing before the next request"
                );
                self.settings.sleeper.sleep(pause).await;
            }
            tracing::debug!(provider = %self.provider, request = label, attempt, "sending");
            let (verdict, maybe_sent) = match self.send_once(label, kind, make()).await {
                Ok(raw) => (interpret(raw), true),
                Err(failure) => (failure.verdict, failure.maybe_sent),
            };
            let (error, wait) = match verdict {
                Verdict::Done(v) => return Ok(v),
                Verdict::Fail(e) => {
                    tracing::debug!(
                        provider = %self.provider, request = label, code = e.code(),
                        "request failed"
                    );
                    return Err(e);
                }
                Verdict::Retry { error, .. } if maybe_sent && resend == Resend::OnlyIfNotSent => {
                    tracing::warn!(
                        provider = %self.provider, request = label, attempt, code = error.code(),
                        "not resending: the request may have reached the server and is not safe \
                         to repeat"
                    );
                    return Err(error);
                }
                Verdict::Retry { error, wait } => (error, wait),
            };
            if attempt >= max {
                tracing::warn!(
                    provider = %self.provider, request = label, attempt, code = error.code(),
                    "giving up after the last attempt"
                );
                return Err(error);
            }
            let delay = match wait {
                Some(w) if w > self.settings.max_retry_wait => {
                    tracing::warn!(
                        provider = %self.provider, request = label, wait_s = w.as_secs(),
                        "server asked for a longer wait than allowed; giving up"
                    );
                    return Err(error);
                }
                Some(w) => w,
                None => self.settings.backoff(attempt),
            };
            tracing::warn!(
                provider = %self.provider, request = label, attempt, code = error.code(),
                delay_ms = delay.as_millis() as u64, "retrying"
            );
            self.settings.sleeper.sleep(delay).await;
        }
    }

    /// One round trip; transport failures come back as a ready-made verdict, with whether the
    /// request may have reached the server. The body is read chunk by chunk up to the cap for
    /// `kind`; a larger one ends the call at once (sending it again would fetch the same).
    async fn send_once<T>(
        &self,
        label: &str,
        kind: BodyKind,
        request: reqwest::RequestBuilder,
    ) -> Result<RawResponse, TransportFailure<T>> {
        let mut response = request.send().await.map_err(|e| TransportFailure {
            // Only a failure to open the connection proves that nothing was sent.
            maybe_sent: !e.is_connect(),
            verdict: self.transport_verdict(e),
        })?;
        let status = response.status();
        let headers = response.headers().clone();
        let limit = self.settings.body_limits.of(kind);
        let too_large = |read: u64| {
            tracing::warn!(
                provider = %self.provider, request = label, status = status.as_u16(),
                limit_bytes = limit, read_bytes = read, "response body over the cap; not read"
            );
            TransportFailure {
                maybe_sent: true,
                verdict: Verdict::Fail(ProviderError::ResponseTooLarge {
                    provider: self.provider,
                    limit_bytes: limit,
                }),
            }
        };
        let announced = response.content_length();
        if let Some(length) = announced.filter(|length| *length > limit) {
            return Err(too_large(length));
        }
        // Dropping the response on the way out closes the connection: the rest of an
        // oversized body is never read.
        let capacity = announced.unwrap_or(0).min(limit).min(1024 * 1024);
        let mut body = Vec::with_capacity(usize::try_from(capacity).unwrap_or(0));
        while let Some(chunk) = response.chunk().await.map_err(|e| TransportFailure {
            maybe_sent: true,
            verdict: self.transport_verdict(e),
        })? {
            let read = body.len() as u64 + chunk.len() as u64;
            if read > limit {
                return Err(too_large(read));
            }
            body.extend_from_slice(&chunk);
        }
        // A good page of rows is parsed here, off the task (an error answer is small, and read
        // as its interpreter sees fit).
        let (body, parsed) = if kind == BodyKind::Page && status.is_success() {
            let provider = self.provider;
            off_thread(move || {
                let parsed = parse_json(provider, &body);
                (body, Some(parsed))
            })
            .await
        } else {
            (body, None)
        };
        Ok(RawResponse {
            status,
            headers,
            body,
            parsed,
        })
    }

    /// Map a reqwest error to a verdict. The URL (with the query-string key) is dropped first.
    fn transport_verdict<T>(&self, e: reqwest::Error) -> Verdict<T> {
        let provider = self.provider;
        let e = e.without_url();
        let text = crate::redact::scrub(&error_chain(&e));
        tracing::debug!(provider = %provider, error = %text, "transport error");
        let error = if e.is_timeout() {
            ProviderError::Timeout { provider }
        } else if e.is_connect() {
            ProviderError::Unreachable { provider }
        } else if e.is_body() || e.is_decode() {
            ProviderError::MalformedResponse {
                provider,
                detail: "the response was cut off before its end".to_owned(),
            }
        } else if e.is_builder() {
            return Verdict::Fail(ProviderError::InvalidConfig { detail: text });
        } else {
            ProviderError::Unreachable { provider }
        };
        Verdict::Retry { error, wait: None }
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(inner) = src {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        src = inner.source();
    }
    s
}

/// `Retry-After` in seconds (the HTTP-date form is not used by these providers and is ignored).
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

/// Parse a body as JSON; the error detail never quotes the body.
pub(crate) fn parse_json(
    provider: Provider,
    body: &[u8],
) -> Result<serde_json::Value, ProviderError> {
    serde_json::from_slice(body).map_err(|e| ProviderError::MalformedResponse {
        provider,
        detail: if e.is_eof() {
            "the response was cut off before its end".to_owned()
        } else {
            format!("invalid JSON at line {} column {}", e.line(), e.column())
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_bounded_by_the_exponential_cap() {
        let s = HttpSettings {
            base_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(250),
            ..HttpSettings::default()
        };
        for _ in 0..50 {
            assert!(s.backoff(1) <= Duration::from_millis(100));
            assert!(s.backoff(2) <= Duration::from_millis(200));
            assert!(s.backoff(10) <= Duration::from_millis(250));
        }
        let zero = HttpSettings {
            base_backoff: Duration::ZERO,
            ..HttpSettings::default()
        };
        assert_eq!(zero.backoff(3), Duration::ZERO);
    }

    #[test]
    fn settings_debug_shows_no_sleeper_internals() {
        let s = format!("{:?}", HttpSettings::default());
        assert!(s.contains("max_attempts: 4"));
    }
}
