//! How a PostgreSQL connection is encrypted. sqlx's default (`prefer`) falls back to plaintext
//! and accepts any certificate, which is no protection against anyone on the path. So every host
//! that is not this machine is reached with `verify-full` (an encrypted connection to a server
//! whose certificate names that host and chains to a trusted authority: the public ones, or the
//! CA certificate a connection code carries), unless the operator says otherwise, explicitly:
//! the code's `tls`, `sslmode=` in a `DATABASE_URL`, or `INTEGRATIONS_DB_TLS`, which wins over
//! both. Loopback connections stay as they were (`prefer`): nothing travels over a network.

use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sqlx::postgres::{PgConnectOptions, PgSslMode};

use crate::error::{CoreError, CoreResult};

/// The environment variable that overrides every other TLS choice.
pub const TLS_ENV: &str = "INTEGRATIONS_DB_TLS";

/// The operator's explicit choice; libpq's names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TlsMode {
    VerifyFull,
    /// Encrypted, the certificate checked against the CA but not the host name.
    VerifyCa,
    /// Encrypted, any certificate: protects against listening, not against impersonation.
    Require,
    /// Plaintext: only for a network the operator trusts entirely.
    Disable,
}

impl TlsMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::VerifyFull => "verify-full",
            Self::VerifyCa => "verify-ca",
            Self::Require => "require",
            Self::Disable => "disable",
        }
    }

    fn ssl_mode(self) -> PgSslMode {
        match self {
            Self::VerifyFull => PgSslMode::VerifyFull,
            Self::VerifyCa => PgSslMode::VerifyCa,
            Self::Require => PgSslMode::Require,
            Self::Disable => PgSslMode::Disable,
        }
    }
}

impl FromStr for TlsMode {
    type Err = CoreError;

    fn from_str(text: &str) -> CoreResult<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "verify-full" => Ok(Self::VerifyFull),
            "verify-ca" => Ok(Self::VerifyCa),
            "require" => Ok(Self::Require),
            "disable" => Ok(Self::Disable),
            other => Err(CoreError::Configuration(format!(
                "Unknown TLS mode \"{other}\": use verify-full, verify-ca, require or disable."
            ))),
        }
    }
}

/// `INTEGRATIONS_DB_TLS`, if set.
pub fn tls_from_env() -> CoreResult<Option<TlsMode>> {
    match std::env::var(TLS_ENV) {
        Ok(text) if !text.trim().is_empty() => text.parse().map(Some).map_err(|_| {
            CoreError::Configuration(format!(
                "{TLS_ENV}={text} is not a TLS mode: use verify-full, verify-ca, require or \
                 disable."
            ))
        }),
        _ => Ok(None),
    }
}

/// This machine: a loopback address, `localhost`, or a Unix socket directory.
pub fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare.starts_with('/')
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The TLS mode a connection to `host` gets: the environment's, else the explicit one, else
/// verify-full off this machine.
pub fn effective_mode(
    host: &str,
    explicit: Option<TlsMode>,
    env: Option<TlsMode>,
) -> Option<TlsMode> {
    env.or(explicit)
        .or_else(|| (!is_loopback(host)).then_some(TlsMode::VerifyFull))
}

/// Applies the rule to connect options; `ca_pem` is trusted besides the public authorities.
pub fn apply(
    options: PgConnectOptions,
    explicit: Option<TlsMode>,
    ca_pem: Option<&str>,
) -> CoreResult<PgConnectOptions> {
    let env = tls_from_env()?;
    let mut options = options;
    if let Some(mode) = effective_mode(options.get_host(), explicit, env) {
        options = options.ssl_mode(mode.ssl_mode());
    }
    if let Some(pem) = ca_pem {
        options = options.ssl_root_cert_from_pem(pem.as_bytes().to_vec());
    }
    Ok(options)
}

/// Connect options for a `DATABASE_URL`: `sslmode=` in it counts as the operator's explicit
/// choice; without it, a non-loopback host is verified in full.
pub fn options_from_url(url: &str) -> CoreResult<PgConnectOptions> {
    let options = PgConnectOptions::from_str(url)
        .map_err(|_| CoreError::Configuration("The PostgreSQL URL is not valid.".into()))?;
    let explicit_in_url = url.split_once('?').is_some_and(|(_, query)| {
        query.split('&').any(|pair| {
            let key = pair.split('=').next().unwrap_or_default();
            key.eq_ignore_ascii_case("sslmode") || key.eq_ignore_ascii_case("ssl-mode")
        })
    });
    let env = tls_from_env()?;
    match (env, explicit_in_url) {
        (Some(mode), _) => Ok(options.ssl_mode(mode.ssl_mode())),
        (None, true) => Ok(options),
        (None, false) => apply(options, None, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_host_off_this_machine_is_verified_in_full_unless_the_operator_says_otherwise() {
        for host in ["db.shop.vn", "10.0.0.5", "2001:db8::1", "[2001:db8::1]"] {
            assert_eq!(
                effective_mode(host, None, None),
                Some(TlsMode::VerifyFull),
                "{host}"
            );
            assert_eq!(
                effective_mode(host, Some(TlsMode::Require), None),
                Some(TlsMode::Require)
            );
            assert_eq!(
                effective_mode(host, Some(TlsMode::Require), Some(TlsMode::Disable)),
                Some(TlsMode::Disable)
            );
        }
        for host in [
            "127.0.0.1",
            "127.8.0.1",
            "localhost",
            "::1",
            "[::1]",
            "/run/postgresql",
        ] {
            assert_eq!(effective_mode(host, None, None), None, "{host}");
        }
    }

    #[test]
    fn a_url_without_sslmode_to_a_remote_host_requires_verified_tls() {
        let remote = options_from_url("postgres://u:p@db.shop.vn/integrations").unwrap();
        assert!(matches!(remote.get_ssl_mode(), PgSslMode::VerifyFull));
        let chosen =
            options_from_url("postgres://u:p@db.shop.vn/integrations?sslmode=require").unwrap();
        assert!(matches!(chosen.get_ssl_mode(), PgSslMode::Require));
        let local = options_from_url("postgres://u:p@127.0.0.1/integrations").unwrap();
        assert!(matches!(local.get_ssl_mode(), PgSslMode::Prefer));
    }
}
