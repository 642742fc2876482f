//! Configuration from the environment, with the seed's names where it has them.
//!
//! `DATABASE_URL` unset means standalone mode: SQLite in the data directory. Set, it is shared
//! mode on PostgreSQL, where every client must share `INTEGRATIONS_MASTER_KEY` (tenant keys are
//! wrapped by it). JWT secrets default to keys derived from the master key, so a standalone user
//! configures nothing.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretBox, SecretString};

use crate::auth::{parse_duration, TokenConfig, DEFAULT_ACCESS_TTL, DEFAULT_REFRESH_TTL};
use crate::crypto::MasterKey;
use crate::error::{CoreError, CoreResult};
use crate::master_key::{self, MasterKeySource};
use crate::provider::ProviderGateway;
use crate::service::Core;
use crate::store::{PostgresStore, SqliteStore, Store, StoreError};

pub const DATABASE_FILE: &str = "integrations.db";

#[derive(Clone)]
pub enum DatabaseTarget {
    Sqlite {
        path: PathBuf,
    },
    /// The URL can hold a password: kept secret, never logged.
    Postgres {
        url: SecretString,
    },
}

impl std::fmt::Debug for DatabaseTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Sqlite { path } => write!(f, "Sqlite({})", path.display()),
            Self::Postgres { .. } => f.write_str("Postgres([REDACTED])"),
        }
    }
}

#[derive(Clone, Debug)]
pub struct CoreConfig {
    pub data_dir: PathBuf,
    pub database: DatabaseTarget,
    pub master_key: Option<SecretString>,
    pub jwt_secret: Option<SecretString>,
    pub refresh_token_secret: Option<SecretString>,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
    /// Whether the standalone master key may go to the OS keychain.
    pub use_keychain: bool,
}

/// The platform's per-user data directory for the app.
pub fn default_data_dir() -> PathBuf {
    dirs::data_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join("integration-manager")
}

fn env_secret(name: &str) -> Option<SecretString> {
    std::env::var(name)
        .ok()
        .filter(|value| !value.trim().is_empty())
        .map(SecretString::from)
}

fn env_duration(name: &str, default: Duration) -> CoreResult<Duration> {
    match std::env::var(name) {
        Ok(text) if !text.trim().is_empty() => parse_duration(&text).ok_or_else(|| {
            CoreError::Configuration(format!(
                "{name}={text} is not a duration; use e.g. 3600, 15m, 1h or 7d."
            ))
        }),
        _ => Ok(default),
    }
}

impl CoreConfig {
    pub fn from_env() -> CoreResult<Self> {
        let data_dir = std::env::var_os("INTEGRATIONS_DATA_DIR")
            .filter(|dir| !dir.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(default_data_dir);
        let database = match env_secret("DATABASE_URL") {
            Some(url) => DatabaseTarget::Postgres { url },
            None => DatabaseTarget::Sqlite {
                path: data_dir.join(DATABASE_FILE),
            },
        };
        Ok(Self {
            database,
            master_key: env_secret("INTEGRATIONS_MASTER_KEY"),
            jwt_secret: env_secret("JWT_SECRET"),
            refresh_token_secret: env_secret("REFRESH_TOKEN_SECRET"),
            access_ttl: env_duration("JWT_EXPIRATION", DEFAULT_ACCESS_TTL)?,
            refresh_ttl: env_duration("REFRESH_TOKEN_EXPIRATION", DEFAULT_REFRESH_TTL)?,
            use_keychain: std::env::var("INTEGRATIONS_NO_KEYCHAIN").is_err(),
            data_dir,
        })
    }

    /// Standalone defaults for a given data directory (tests, the desktop app's own dir).
    pub fn standalone(data_dir: PathBuf) -> Self {
        Self {
            database: DatabaseTarget::Sqlite {
                path: data_dir.join(DATABASE_FILE),
            },
            data_dir,
            master_key: None,
            jwt_secret: None,
            refresh_token_secret: None,
            access_ttl: DEFAULT_ACCESS_TTL,
            refresh_ttl: DEFAULT_REFRESH_TTL,
            use_keychain: false,
        }
    }

    pub fn mode(&self) -> &'static str {
        match self.database {
            DatabaseTarget::Sqlite { .. } => "standalone",
            DatabaseTarget::Postgres { .. } => "shared",
        }
    }

    fn master_key(&self) -> CoreResult<(MasterKey, MasterKeySource)> {
        if let Some(encoded) = &self.master_key {
            let key = MasterKey::from_base64(encoded.expose_secret()).map_err(|_| {
                CoreError::Configuration(
                    "INTEGRATIONS_MASTER_KEY must be 32 random bytes in base64 \
                     (e.g. the output of `openssl rand -base64 32`)."
                        .into(),
                )
            })?;
            return Ok((key, MasterKeySource::Environment));
        }
        if let DatabaseTarget::Postgres { .. } = self.database {
            return Err(CoreError::Configuration(
                "Shared mode needs INTEGRATIONS_MASTER_KEY: every client of one database must use \
                 the same master key. Ask your administrator for it."
                    .into(),
            ));
        }
        let loaded = master_key::load_or_create(&self.data_dir, self.use_keychain)?;
        Ok((loaded.key, loaded.source))
    }

    fn token_config(&self, master: &MasterKey) -> TokenConfig {
        let secret = |configured: &Option<SecretString>, purpose: &str| match configured {
            Some(value) => SecretBox::new(Box::new(value.expose_secret().as_bytes().to_vec())),
            None => SecretBox::new(Box::new(master.derive(purpose).to_vec())),
        };
        TokenConfig {
            access_secret: secret(&self.jwt_secret, "jwt-access"),
            refresh_secret: secret(&self.refresh_token_secret, "jwt-refresh"),
            access_ttl: self.access_ttl,
            refresh_ttl: self.refresh_ttl,
        }
    }

    /// Opens the store (applying migrations), loads the master key and builds the core.
    pub async fn open(&self, providers: Arc<dyn ProviderGateway>) -> CoreResult<Core> {
        let (master, source) = self.master_key()?;
        tracing::info!(mode = self.mode(), key_source = ?source, "opening core");
        let store: Arc<dyn Store> = match &self.database {
            DatabaseTarget::Sqlite { path } => {
                std::fs::create_dir_all(&self.data_dir).map_err(|err| {
                    CoreError::Configuration(format!(
                        "Cannot create the data directory {}: {err}",
                        self.data_dir.display()
                    ))
                })?;
                Arc::new(SqliteStore::open(path).await.map_err(open_err)?)
            }
            DatabaseTarget::Postgres { url } => Arc::new(
                PostgresStore::connect(url.expose_secret())
                    .await
                    .map_err(open_err)?,
            ),
        };
        let tokens = self.token_config(&master);
        Ok(Core::new(store, master, tokens, providers))
    }
}

fn open_err(err: StoreError) -> CoreError {
    match err {
        StoreError::Unavailable(detail) => {
            tracing::warn!(%detail, "database unavailable at start");
            CoreError::DatabaseUnavailable
        }
        StoreError::Migration(detail) => CoreError::Configuration(format!(
            "The database could not be prepared (migration failed): {detail}"
        )),
        other => CoreError::internal("opening the store", &other),
    }
}
