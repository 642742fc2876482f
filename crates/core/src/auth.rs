//! Tenant login: argon2id passwords, JWT access tokens and rotating refresh tokens.
//!
//! A [`Session`] can only be made here, from a verified access token or a fresh sign-in, so every
//! operation that takes one takes a tenant the caller proved, never one the caller named.

use std::time::Duration;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, SaltString};
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use chrono::{DateTime, SubsecRound, Utc};
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretBox, SecretString};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::domain::{TenantId, UserId};
use crate::error::{CoreError, CoreResult};

pub const DEFAULT_ACCESS_TTL: Duration = Duration::from_secs(60 * 60);
pub const DEFAULT_REFRESH_TTL: Duration = Duration::from_secs(7 * 24 * 60 * 60);
pub const PASSWORD_MIN_CHARS: usize = 8;
/// Failed sign-ins allowed before each further attempt must wait.
pub const FREE_LOGIN_FAILURES: u32 = 5;
/// The longest wait between two attempts, however many failures came before. The count is
/// kept per email, so anyone can make an account wait by failing on it: the cap bounds how long
/// the real owner is kept out once that stops (and `integrations admin unlock-sign-in` ends it
/// at once), while a guesser still gets no more than four tries an hour.
pub const MAX_LOGIN_DELAY_SECS: u64 = 15 * 60;
/// Failures are forgotten after a successful sign-in, or after this long without a failed
/// attempt. Much longer than the longest wait, so waiting out the delays never starts the
/// count over: past the free attempts, a guesser gets one try per [`MAX_LOGIN_DELAY_SECS`].
pub const LOGIN_FAILURE_MEMORY_SECS: i64 = 7 * 24 * 60 * 60;

/// The one message for an unknown email and a wrong password, so neither can be told apart.
pub const BAD_CREDENTIALS: &str = "Incorrect email or password.";
/// The same, offline (shared mode with the server out of reach), where only accounts that
/// signed in on this computer before can sign in: said for both cases, so it tells nothing.
pub const BAD_CREDENTIALS_OFFLINE: &str = "Incorrect email or password. While the shared \
    database cannot be reached, only accounts that have signed in on this computer before can \
    sign in.";

/// Who is calling, proved by a token or a sign-in. Fields are private: only this module makes one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    user_id: UserId,
    tenant_id: TenantId,
    email: String,
    expires_at: DateTime<Utc>,
}

impl Session {
    pub fn user_id(&self) -> UserId {
        self.user_id
    }
    pub fn tenant_id(&self) -> TenantId {
        self.tenant_id
    }
    pub fn email(&self) -> &str {
        &self.email
    }
    pub fn expires_at(&self) -> DateTime<Utc> {
        self.expires_at
    }
}

/// The tokens handed to a client after sign-in or refresh. Secret: no `Serialize`, no `Debug`
/// that shows them. The CLI keeps them in a user-only file; the desktop app keeps them in memory.
#[derive(Debug)]
pub struct TokenPair {
    pub access_token: SecretString,
    pub refresh_token: SecretString,
    pub access_expires_at: DateTime<Utc>,
    pub refresh_expires_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, Deserialize)]
struct AccessClaims {
    sub: UserId,
    tid: TenantId,
    email: String,
    #[serde(flatten)]
    stamp: Stamp,
}

#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct RefreshClaims {
    pub sub: UserId,
    pub tid: TenantId,
    pub fam: Uuid,
    #[serde(flatten)]
    pub stamp: Stamp,
}

/// The claims every token ends with: its kind, when it was issued and expires, and an id of its
/// own. Flattened, so a token's claims read as they always have (`typ`, `iat`, `exp`, `jti`
/// last).
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Stamp {
    pub typ: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: Uuid,
}

impl Stamp {
    fn new(typ: &str, issued_at: DateTime<Utc>, expires_at: DateTime<Utc>) -> Self {
        Self {
            typ: typ.to_owned(),
            iat: issued_at.timestamp(),
            exp: expires_at.timestamp(),
            jti: Uuid::new_v4(),
        }
    }
}

/// Signing keys and lifetimes, from `JWT_SECRET`, `JWT_EXPIRATION`, `REFRESH_TOKEN_SECRET`,
/// `REFRESH_TOKEN_EXPIRATION`.
#[derive(Debug)]
pub struct TokenConfig {
    pub access_secret: SecretBox<Vec<u8>>,
    pub refresh_secret: SecretBox<Vec<u8>>,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
}

pub(crate) struct TokenIssuer {
    config: TokenConfig,
}

/// Signs claims with HS256 and the given secret.
fn sign(claims: &impl Serialize, secret: &SecretBox<Vec<u8>>) -> SecretString {
    let token = encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret.expose_secret()),
    )
    .expect("HS256 signing of plain claims cannot fail");
    SecretString::from(token)
}

/// The claims of a token signed with the given secret; an expired one says so, anything else
/// is an invalid session.
fn verify<C: DeserializeOwned>(token: &SecretString, secret: &SecretBox<Vec<u8>>) -> CoreResult<C> {
    decode::<C>(
        token.expose_secret(),
        &DecodingKey::from_secret(secret.expose_secret()),
        &validation(),
    )
    .map(|data| data.claims)
    .map_err(|err| match err.kind() {
        jsonwebtoken::errors::ErrorKind::ExpiredSignature => session_expired(),
        _ => invalid_session(),
    })
}

fn validation() -> Validation {
    // Only HS256: a token claiming `alg: none` or another algorithm is refused outright.
    let mut validation = Validation::new(Algorithm::HS256);
    validation.leeway = 0;
    validation.set_required_spec_claims(&["exp", "iat", "sub"]);
    validation
}

fn session_expired() -> CoreError {
    CoreError::Unauthenticated("Your session has expired. Sign in again.".into())
}

fn invalid_session() -> CoreError {
    CoreError::Unauthenticated("Your session is not valid. Sign in again.".into())
}

impl TokenIssuer {
    pub(crate) fn new(config: TokenConfig) -> Self {
        Self { config }
    }

    /// A new pair for `user`, its refresh token one of the sign-in `family`.
    pub(crate) fn issue(
        &self,
        user: UserId,
        tenant: TenantId,
        email: &str,
        family: Uuid,
        now: DateTime<Utc>,
    ) -> TokenPair {
        // JWT times are whole seconds; the session must say exactly what the token says.
        let now = now.trunc_subsecs(0);
        let access_expires_at = now + self.config.access_ttl;
        let refresh_expires_at = now + self.config.refresh_ttl;
        let access = AccessClaims {
            sub: user,
            tid: tenant,
            email: email.to_owned(),
            stamp: Stamp::new("access", now, access_expires_at),
        };
        let refresh = RefreshClaims {
            sub: user,
            tid: tenant,
            fam: family,
            stamp: Stamp::new("refresh", now, refresh_expires_at),
        };
        TokenPair {
            access_token: sign(&access, &self.config.access_secret),
            refresh_token: sign(&refresh, &self.config.refresh_secret),
            access_expires_at,
            refresh_expires_at,
        }
    }

    pub(crate) fn verify_access(&self, token: &SecretString) -> CoreResult<Session> {
        let claims: AccessClaims = verify(token, &self.config.access_secret)?;
        if claims.stamp.typ != "access" {
            return Err(invalid_session());
        }
        Ok(Session {
            user_id: claims.sub,
            tenant_id: claims.tid,
            email: claims.email,
            expires_at: DateTime::from_timestamp(claims.stamp.exp, 0)
                .ok_or_else(invalid_session)?,
        })
    }

    pub(crate) fn verify_refresh(&self, token: &SecretString) -> CoreResult<RefreshClaims> {
        let claims: RefreshClaims = verify(token, &self.config.refresh_secret)?;
        if claims.stamp.typ != "refresh" {
            return Err(invalid_session());
        }
        Ok(claims)
    }
}

/// Sessions made at sign-in carry the same fields a verified token would.
pub(crate) fn session_for(
    user: UserId,
    tenant: TenantId,
    email: &str,
    expires_at: DateTime<Utc>,
) -> Session {
    Session {
        user_id: user,
        tenant_id: tenant,
        email: email.to_owned(),
        expires_at,
    }
}

/// SHA-256, hex: how refresh tokens and throttled emails are stored.
pub fn sha256_hex(value: &str) -> String {
    let digest = Sha256::digest(value.as_bytes());
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

pub(crate) async fn hash_password(password: &SecretString) -> CoreResult<String> {
    let password = password.clone();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.expose_secret().as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|err| CoreError::internal("password hashing", &err))
    })
    .await
    .map_err(|err| CoreError::internal("password hashing task", &err))?
}

/// A real argon2id hash of a random password nobody knows, made once: verifying against it when
/// the email is unknown makes that answer take as long as a wrong password.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(Uuid::new_v4().as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .unwrap_or_default()
    })
}

pub(crate) async fn verify_password(password: &SecretString, hash: Option<&str>) -> bool {
    let password = password.clone();
    let hash = hash.map(str::to_owned);
    tokio::task::spawn_blocking(move || {
        let known = hash.is_some();
        let hash = hash.unwrap_or_else(|| dummy_hash().to_owned());
        let Ok(parsed) = PasswordHash::new(&hash) else {
            return false;
        };
        let matches = Argon2::default()
            .verify_password(password.expose_secret().as_bytes(), &parsed)
            .is_ok();
        matches && known
    })
    .await
    .unwrap_or(false)
}

/// How long the next attempt must wait after `failures` remembered failures: nothing for the
/// first [`FREE_LOGIN_FAILURES`], then 1 s, doubling with each failure up to a day.
pub fn login_delay_secs(failures: u32) -> u64 {
    if failures < FREE_LOGIN_FAILURES {
        return 0;
    }
    let exponent = (failures - FREE_LOGIN_FAILURES).min(20);
    (1u64 << exponent).min(MAX_LOGIN_DELAY_SECS)
}

pub fn validate_email(raw: &str) -> CoreResult<String> {
    let email = raw.trim().to_lowercase();
    let valid = email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
        });
    if valid {
        Ok(email)
    } else {
        Err(CoreError::validation(format!(
            "\"{}\" is not a valid email address.",
            raw.trim()
        )))
    }
}

pub fn validate_new_password(password: &SecretString) -> CoreResult<()> {
    let text = password.expose_secret();
    let chars = text.chars().count();
    if chars < PASSWORD_MIN_CHARS {
        return Err(CoreError::validation(format!(
            "Password is too short: use at least {PASSWORD_MIN_CHARS} characters."
        )));
    }
    if text.len() > 1_024 {
        return Err(CoreError::validation(
            "Password is too long (at most 1,024 bytes).",
        ));
    }
    Ok(())
}

/// Parses `JWT_EXPIRATION`-style durations: `3600`, `45s`, `15m`, `1h`, `7d`.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().ok()?;
    let seconds = match unit.trim() {
        "" | "s" => number,
        "m" => number.checked_mul(60)?,
        "h" => number.checked_mul(3_600)?,
        "d" => number.checked_mul(86_400)?,
        _ => return None,
    };
    (seconds > 0).then(|| Duration::from_secs(seconds))
}

#[cfg(test)]
mod tests {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;

    use super::*;

    fn issuer(secret: &[u8]) -> TokenIssuer {
        TokenIssuer::new(TokenConfig {
            access_secret: SecretBox::new(Box::new(secret.to_vec())),
            refresh_secret: SecretBox::new(Box::new(b"refresh-secret-for-tests".to_vec())),
            access_ttl: DEFAULT_ACCESS_TTL,
            refresh_ttl: DEFAULT_REFRESH_TTL,
        })
    }

    /// Tokens of a new user of a new workspace, issued at `at`.
    fn anyone_tokens(issuer: &TokenIssuer, at: DateTime<Utc>) -> TokenPair {
        issuer.issue(Uuid::new_v4(), Uuid::new_v4(), "a@b.vn", Uuid::new_v4(), at)
    }

    #[test]
    fn debug_shows_no_token_and_no_signing_secret() {
        let issuer = issuer(b"access-secret-for-tests");
        let tokens = anyone_tokens(&issuer, Utc::now());
        let shown = format!("{tokens:?} {:?}", issuer.config);
        for secret in [
            tokens.access_token.expose_secret(),
            tokens.refresh_token.expose_secret(),
            "access-secret-for-tests",
            "refresh-secret-for-tests",
        ] {
            assert!(!shown.contains(secret), "{shown}");
        }
        // Secrets are bytes there: their numbers must not show either.
        assert!(!shown.contains(&format!("{:?}", b"access-secret-for-tests")));
    }

    #[test]
    fn a_fresh_access_token_verifies_to_its_session() {
        let issuer = issuer(b"access-secret-for-tests");
        let (user, tenant) = (Uuid::new_v4(), Uuid::new_v4());
        let token = issuer
            .issue(user, tenant, "chu@shop.vn", Uuid::new_v4(), Utc::now())
            .access_token;
        let session = issuer.verify_access(&token).unwrap();
        assert_eq!(session.tenant_id(), tenant);
        assert_eq!(session.user_id(), user);
    }

    #[test]
    fn an_expired_access_token_is_refused() {
        let issuer = issuer(b"access-secret-for-tests");
        let two_hours_ago = Utc::now() - chrono::Duration::hours(2);
        let token = anyone_tokens(&issuer, two_hours_ago).access_token;
        let err = issuer.verify_access(&token).unwrap_err();
        assert!(err.to_string().contains("expired"), "{err}");
    }

    #[test]
    fn a_token_signed_with_another_key_is_refused() {
        let token = anyone_tokens(&issuer(b"someone-elses-secret"), Utc::now()).access_token;
        assert!(issuer(b"access-secret-for-tests")
            .verify_access(&token)
            .is_err());
    }

    #[test]
    fn a_tampered_token_is_refused() {
        let issuer = issuer(b"access-secret-for-tests");
        let token = anyone_tokens(&issuer, Utc::now()).access_token;
        let parts: Vec<&str> = token.expose_secret().split('.').collect();
        let mut claims: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        claims["tid"] = serde_json::json!(Uuid::new_v4());
        let forged = format!(
            "{}.{}.{}",
            parts[0],
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap()),
            parts[2]
        );
        assert!(issuer.verify_access(&SecretString::from(forged)).is_err());
    }

    #[test]
    fn an_unsigned_alg_none_token_is_refused() {
        let issuer = issuer(b"access-secret-for-tests");
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let now = Utc::now().timestamp();
        let claims = URL_SAFE_NO_PAD.encode(
            serde_json::to_vec(&serde_json::json!({
                "sub": Uuid::new_v4(), "tid": Uuid::new_v4(), "email": "a@b.vn",
                "typ": "access", "iat": now, "exp": now + 3600, "jti": Uuid::new_v4()
            }))
            .unwrap(),
        );
        for token in [format!("{header}.{claims}."), format!("{header}.{claims}")] {
            assert!(issuer.verify_access(&SecretString::from(token)).is_err());
        }
    }

    #[test]
    fn a_refresh_token_is_not_an_access_token() {
        let shared = b"the-same-secret-for-both".to_vec();
        let issuer = TokenIssuer::new(TokenConfig {
            access_secret: SecretBox::new(Box::new(shared.clone())),
            refresh_secret: SecretBox::new(Box::new(shared)),
            access_ttl: DEFAULT_ACCESS_TTL,
            refresh_ttl: DEFAULT_REFRESH_TTL,
        });
        let refresh = anyone_tokens(&issuer, Utc::now()).refresh_token;
        assert!(issuer.verify_access(&refresh).is_err());
    }

    #[test]
    fn durations_parse_like_the_seed_environment() {
        assert_eq!(parse_duration("1h"), Some(Duration::from_secs(3600)));
        assert_eq!(parse_duration("7d"), Some(Duration::from_secs(604_800)));
        assert_eq!(parse_duration("90"), Some(Duration::from_secs(90)));
        assert_eq!(parse_duration("15m"), Some(Duration::from_secs(900)));
        assert_eq!(parse_duration("1w"), None);
        assert_eq!(parse_duration("0"), None);
    }

    #[test]
    fn login_delay_grows_after_the_free_failures_and_is_capped() {
        assert_eq!(login_delay_secs(4), 0);
        assert_eq!(login_delay_secs(5), 1);
        assert_eq!(login_delay_secs(8), 8);
        assert_eq!(login_delay_secs(14), 512);
        assert_eq!(login_delay_secs(15), MAX_LOGIN_DELAY_SECS);
        assert_eq!(MAX_LOGIN_DELAY_SECS, 15 * 60);
        assert_eq!(login_delay_secs(u32::MAX), MAX_LOGIN_DELAY_SECS);
    }

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(validate_email(" Chu@Shop.VN ").unwrap(), "chu@shop.vn");
        for bad in ["", "no-at", "a@b", "a b@c.vn", "@c.vn"] {
            assert!(validate_email(bad).is_err(), "{bad}");
        }
    }

    #[tokio::test]
    async fn passwords_verify_only_against_their_own_hash() {
        let password = SecretString::from("mật khẩu an toàn");
        let hash = hash_password(&password).await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password(&password, Some(&hash)).await);
        assert!(!verify_password(&SecretString::from("wrong"), Some(&hash)).await);
        assert!(!verify_password(&password, None).await);
    }
}
