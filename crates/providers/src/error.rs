//! The one error type of the provider clients.
//!
//! Every failure a shop owner can meet while talking to Pancake POS or Meta becomes one
//! [`ProviderError`] variant with a stable [`ProviderError::code`] (the UI and the CLI switch on
//! it) and a plain-English message that says what to do next.
//!
//! Invariant: no variant ever holds an API key, an access token or an unredacted URL. Upstream
//! text (messages from Pancake or Meta) is passed through [`crate::redact::scrub`] and the
//! client scrubs the caller's secret out of every error before returning it
//! ([`ProviderError::scrub_secret`]), so `Display` and `Debug` are safe to log.

use std::fmt;
use std::future::Future;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

/// Which upstream service an error comes from; used in messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Provider {
    /// Pancake POS Open API.
    PancakePos,
    /// Meta Marketing API (Graph API).
    MetaAds,
}

impl Provider {
    /// Human name as shop owners know it.
    pub fn display_name(self) -> &'static str {
        match self {
            Provider::PancakePos => "Pancake POS",
            Provider::MetaAds => "Meta",
        }
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.display_name())
    }
}

/// A failure talking to a provider. See the module docs for the no-secret invariant.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProviderError {
    /// The key or token was refused outright (Pancake 403/105, 101; Meta 190 without an
    /// expiry subcode).
    #[error("{}", auth_rejected_message(*.provider))]
    AuthRejected {
        /// Which provider refused.
        provider: Provider,
        /// Upstream explanation, redacted.
        detail: Option<String>,
    },
    /// The Meta token expired or was revoked (code 190 with subcodes 458/460/463/464/467/492,
    /// or code 102): the user must reconnect.
    #[error(
        "The Meta access token has expired or was revoked. Reconnect Meta Ads with a new token."
    )]
    TokenExpired {
        /// Meta's `error_subcode`, when present.
        subcode: Option<i64>,
    },
    /// The Pancake key is valid but lists no shop.
    #[error(
        "This API key is valid but has no access to any shop (Pancake answered \"Invalid API \
         response\" in the old system). Check the key's permissions in Pancake POS settings."
    )]
    NoShopAccess,
    /// The Pancake key works but the requested shop is not among its shops (or the shop
    /// endpoint answered "not found").
    #[error("The store {shop_id} is not reachable with this API key.")]
    ShopNotReachable {
        /// The shop id that was asked for.
        shop_id: i64,
    },
    /// The Meta token works but the ad account does not exist or is not shared with it
    /// (Graph codes 100 / 803 on the account).
    #[error(
        "The ad account {ad_account_id} is not reachable with this access token. Check that the \
         id is right and that the account is shared with the user or system user of the token."
    )]
    AccountNotReachable {
        /// `act_<id>` as asked for.
        ad_account_id: String,
        /// Upstream explanation, redacted.
        detail: Option<String>,
    },
    /// The ad account exists but is not in a status that delivers ads.
    #[error(
        "The ad account {ad_account_id} is {status_name} (account_status {account_status}); \
         only ACTIVE accounts deliver ads."
    )]
    AccountInactive {
        /// `act_<id>`.
        ad_account_id: String,
        /// Meta's numeric `account_status`.
        account_status: i64,
        /// Its name, e.g. `DISABLED`.
        status_name: &'static str,
    },
    /// The key or token lacks a permission (Pancake "Insufficient permissions"; Meta codes 10,
    /// 200–299).
    #[error("{provider} refused the request: the key or token lacks a permission ({detail}).")]
    PermissionDenied {
        /// Which provider refused.
        provider: Provider,
        /// What is missing, as far as the provider said (redacted).
        detail: String,
    },
    /// Too many requests; retries were exhausted or the provider asked for a wait longer than
    /// the configured maximum.
    #[error("{provider} is limiting requests right now.{}", retry_hint(*.retry_after))]
    RateLimited {
        /// Which provider limited us.
        provider: Provider,
        /// How long the provider asked us to wait, when it said.
        retry_after: Option<Duration>,
    },
    /// The connection could not be established.
    #[error("Could not reach {provider}. Check your internet connection and try again.")]
    Unreachable {
        /// Which provider.
        provider: Provider,
    },
    /// The request or the connection timed out.
    #[error("{provider} did not answer in time. Try again in a few minutes.")]
    Timeout {
        /// Which provider.
        provider: Provider,
    },
    /// The provider answered something that is not the documented shape (invalid JSON, a body
    /// cut off mid-way, a missing field).
    #[error(
        "{provider} sent a response the app could not read ({detail}). Try again later; if it \
         keeps happening, the provider may have changed its API."
    )]
    MalformedResponse {
        /// Which provider.
        provider: Provider,
        /// What was wrong (never contains the body itself).
        detail: String,
    },
    /// The answer was larger than the app reads for this kind of request (see
    /// [`crate::BodyLimits`]): refused unread rather than held in memory. Not retried, since
    /// asking again would bring the same body.
    #[error(
        "{provider} sent a response larger than the {} the app reads at once, so it was not \
         read and nothing from it was saved. Try again later; if it keeps happening, the \
         provider may have changed its API.",
        human_bytes(*.limit_bytes)
    )]
    ResponseTooLarge {
        /// Which provider.
        provider: Provider,
        /// The cap that was passed, in bytes.
        limit_bytes: u64,
    },
    /// Any other failure reported by the provider (5xx after retries, `success:false` with an
    /// unknown code, a failed report job…).
    #[error("{provider} reported an error{}: {detail}", status_suffix(*.status))]
    Upstream {
        /// Which provider.
        provider: Provider,
        /// HTTP status, when there was one.
        status: Option<u16>,
        /// Upstream explanation, redacted.
        detail: String,
    },
    /// The configured Graph API version is no longer served.
    #[error(
        "Meta no longer accepts Graph API version {version}. Update the app or the configured \
         version (META_GRAPH_VERSION)."
    )]
    ApiVersionExpired {
        /// The version the client was configured with, e.g. `v18.0`.
        version: String,
    },
    /// The client was configured with something unusable (a base URL that is not a URL…).
    #[error("The connection settings are invalid: {detail}")]
    InvalidConfig {
        /// What is wrong.
        detail: String,
    },
}

fn auth_rejected_message(provider: Provider) -> &'static str {
    match provider {
        Provider::PancakePos => {
            "Pancake POS rejected the API key. Check that it was copied in full and has not been \
             deleted in Pancake POS (Settings → Advanced → Third-party connection)."
        }
        Provider::MetaAds => {
            "Meta rejected the access token. Check that it was copied in full, or reconnect Meta \
             Ads with a new token."
        }
    }
}

fn retry_hint(retry_after: Option<Duration>) -> String {
    match retry_after {
        Some(d) if d.as_secs() >= 60 => {
            format!(" Try again in about {} minutes.", d.as_secs().div_ceil(60))
        }
        Some(d) => format!(" Try again in about {} seconds.", d.as_secs().max(1)),
        None => " Try again in a few minutes.".to_owned(),
    }
}

/// `64 MiB`, `512 KiB`, `900 bytes`: the cap as a person reads it.
fn human_bytes(bytes: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * KIB;
    if bytes >= MIB && bytes.is_multiple_of(MIB) {
        format!("{} MiB", bytes / MIB)
    } else if bytes >= MIB {
        format!("{:.1} MiB", bytes as f64 / MIB as f64)
    } else if bytes >= KIB && bytes.is_multiple_of(KIB) {
        format!("{} KiB", bytes / KIB)
    } else if bytes >= KIB {
        format!("{:.1} KiB", bytes as f64 / KIB as f64)
    } else {
        format!("{bytes} bytes")
    }
}

fn status_suffix(status: Option<u16>) -> String {
    status.map(|s| format!(" (HTTP {s})")).unwrap_or_default()
}

impl ProviderError {
    /// Stable machine code; the UI switches on it. Never changes for a given variant.
    pub fn code(&self) -> &'static str {
        match self {
            ProviderError::AuthRejected { .. } => "PROVIDER_AUTH_REJECTED",
            ProviderError::TokenExpired { .. } => "PROVIDER_TOKEN_EXPIRED",
            ProviderError::NoShopAccess => "PROVIDER_NO_SHOP_ACCESS",
            ProviderError::ShopNotReachable { .. } => "PROVIDER_SHOP_NOT_REACHABLE",
            ProviderError::AccountNotReachable { .. } => "PROVIDER_ACCOUNT_NOT_REACHABLE",
            ProviderError::AccountInactive { .. } => "PROVIDER_ACCOUNT_INACTIVE",
            ProviderError::PermissionDenied { .. } => "PROVIDER_PERMISSION_DENIED",
            ProviderError::RateLimited { .. } => "PROVIDER_RATE_LIMITED",
            ProviderError::Unreachable { .. } => "PROVIDER_UNREACHABLE",
            ProviderError::Timeout { .. } => "PROVIDER_TIMEOUT",
            ProviderError::MalformedResponse { .. } => "PROVIDER_MALFORMED_RESPONSE",
            ProviderError::ResponseTooLarge { .. } => "PROVIDER_RESPONSE_TOO_LARGE",
            ProviderError::Upstream { .. } => "PROVIDER_UPSTREAM_ERROR",
            ProviderError::ApiVersionExpired { .. } => "PROVIDER_API_VERSION_EXPIRED",
            ProviderError::InvalidConfig { .. } => "PROVIDER_INVALID_CONFIG",
        }
    }

    /// True when the user has to re-enter or reconnect the credential (the integration should
    /// go to an "reconnect needed" state rather than be retried).
    pub fn is_auth_failure(&self) -> bool {
        matches!(
            self,
            ProviderError::AuthRejected { .. } | ProviderError::TokenExpired { .. }
        )
    }

    /// How long the provider asked us to wait, for rate-limit errors.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ProviderError::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// True for failures worth retrying later as they are (rate limits, network, 5xx).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            ProviderError::RateLimited { .. }
                | ProviderError::Unreachable { .. }
                | ProviderError::Timeout { .. }
                | ProviderError::Upstream { .. }
        )
    }

    /// Mask `secret` in the free-text fields with `[REDACTED]`: every whole occurrence, every
    /// run of its first 8+ characters and a cut-off leading part (4+ characters) at the end of
    /// a field (see [`crate::redact::mask_secret`]).
    ///
    /// Defence in depth: upstream messages should never echo a credential, but if one did, no
    /// piece of it may leave the client. The clients also mask upstream text before cutting it
    /// to length, so a cut cannot split an echo.
    pub fn scrub_secret(self, secret: &str) -> Self {
        if secret.is_empty() {
            return self;
        }
        let fix = |s: String| crate::redact::scrub(&crate::redact::mask_secret(&s, secret));
        match self {
            ProviderError::AuthRejected { provider, detail } => ProviderError::AuthRejected {
                provider,
                detail: detail.map(fix),
            },
            ProviderError::AccountNotReachable {
                ad_account_id,
                detail,
            } => ProviderError::AccountNotReachable {
                ad_account_id: fix(ad_account_id),
                detail: detail.map(fix),
            },
            ProviderError::PermissionDenied { provider, detail } => {
                ProviderError::PermissionDenied {
                    provider,
                    detail: fix(detail),
                }
            }
            ProviderError::MalformedResponse { provider, detail } => {
                ProviderError::MalformedResponse {
                    provider,
                    detail: fix(detail),
                }
            }
            ProviderError::Upstream {
                provider,
                status,
                detail,
            } => ProviderError::Upstream {
                provider,
                status,
                detail: fix(detail),
            },
            ProviderError::InvalidConfig { detail } => ProviderError::InvalidConfig {
                detail: fix(detail),
            },
            other => other,
        }
    }
}

/// Result alias for the provider clients.
pub type ProviderResult<T> = Result<T, ProviderError>;

/// Awaits a call that carried `secret` and scrubs the secret out of its error, if any: every
/// public client call that sends a credential returns through here.
pub(crate) async fn scrubbed_of<T>(
    secret: &SecretString,
    call: impl Future<Output = ProviderResult<T>>,
) -> ProviderResult<T> {
    call.await
        .map_err(|err| err.scrub_secret(secret.expose_secret()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_and_messages_are_plain() {
        let e = ProviderError::AuthRejected {
            provider: Provider::PancakePos,
            detail: None,
        };
        assert_eq!(e.code(), "PROVIDER_AUTH_REJECTED");
        assert!(e
            .to_string()
            .starts_with("Pancake POS rejected the API key."));
        assert!(e.is_auth_failure());
        let e = ProviderError::ShopNotReachable { shop_id: 6036602 };
        assert_eq!(
            e.to_string(),
            "The store 6036602 is not reachable with this API key."
        );
        let e = ProviderError::AccountInactive {
            ad_account_id: "act_123".into(),
            account_status: 2,
            status_name: "DISABLED",
        };
        assert_eq!(
            e.to_string(),
            "The ad account act_123 is DISABLED (account_status 2); only ACTIVE accounts deliver \
             ads."
        );
        let e = ProviderError::RateLimited {
            provider: Provider::MetaAds,
            retry_after: Some(Duration::from_secs(600)),
        };
        assert_eq!(e.retry_after(), Some(Duration::from_secs(600)));
        assert!(e.to_string().contains("10 minutes"));
    }

    #[test]
    fn an_oversized_response_names_the_cap_in_words() {
        let e = ProviderError::ResponseTooLarge {
            provider: Provider::PancakePos,
            limit_bytes: 64 * 1024 * 1024,
        };
        assert_eq!(e.code(), "PROVIDER_RESPONSE_TOO_LARGE");
        assert!(!e.is_transient() && !e.is_auth_failure());
        assert!(
            e.to_string()
                .starts_with("Pancake POS sent a response larger than the 64 MiB the app reads"),
            "{e}"
        );
        assert_eq!(human_bytes(512 * 1024), "512 KiB");
        assert_eq!(human_bytes(1536 * 1024), "1.5 MiB");
        assert_eq!(human_bytes(1000), "1000 bytes");
        assert_eq!(human_bytes(1500), "1.5 KiB");
    }

    #[test]
    fn scrubbing_removes_a_secret_from_upstream_text() {
        let e = ProviderError::Upstream {
            provider: Provider::PancakePos,
            status: Some(500),
            detail: "boom key=abc123secret".into(),
        }
        .scrub_secret("abc123secret");
        assert!(!format!("{e} {e:?}").contains("abc123secret"));
    }

    #[test]
    fn scrubbing_removes_a_cut_off_prefix_of_the_secret() {
        let secret = "meta-echo-token:Hs4Nd9Qe2Vb6Yc";
        let e = ProviderError::AuthRejected {
            provider: Provider::MetaAds,
            detail: Some("Invalid OAuth access token, you sent: meta-echo-".into()),
        }
        .scrub_secret(secret);
        let text = format!("{e} {e:?}");
        assert!(!text.contains("meta-e"), "{text}");
        assert!(text.contains("you sent: [REDACTED]"), "{text}");
        let e = ProviderError::Upstream {
            provider: Provider::PancakePos,
            status: Some(400),
            detail: "seen meta-echo-tok… and meta-echo-token:Hs4 twice".into(),
        }
        .scrub_secret(secret);
        assert_eq!(
            e.to_string(),
            "Pancake POS reported an error (HTTP 400): seen [REDACTED]… and [REDACTED] twice"
        );
    }
}
