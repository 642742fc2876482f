//! Configuration from the environment, with the seed's names where it has them.
//!
//! `DATABASE_URL` unset means standalone mode: SQLite in the data directory. Set, it is shared
//! mode on PostgreSQL, where every client must share `INTEGRATIONS_MASTER_KEY` (tenant keys are
//! wrapped by it). JWT secrets default to keys derived from the master key, so a standalone user
//! configures nothing.

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretBox, SecretString};

use crate::auth::{parse_duration, TokenConfig, DEFAULT_ACCESS_TTL, DEFAULT_REFRESH_TTL};
use crate::crypto::MasterKey;
use crate::error::{CoreError, CoreResult};
use crate::master_key::{self, MasterKeySource};
use crate::mirror::SharedStore;
use crate::provider::ProviderGateway;
use crate::service::Core;
use crate::store::{SqliteStore, Store, StoreError};
use crate::workspace::{join, stored, ConnectionCode, JoinedWorkspace};

pub const DATABASE_FILE: &str = "integrations.db";
/// Shared mode's local copy of the signed-in tenant's rows, in the data directory: one file per
/// server and database, so switching servers (or trying a wrong URL) never empties another's
/// mirror or its queued edits.
pub fn mirror_file_name(url: &str) -> CoreResult<String> {
    Ok(format!("mirror-{}.db", &server_fingerprint(url)?[..16]))
}
/// The database chosen in the app (first run or settings), kept next to the data. It can hold a
/// PostgreSQL password and the master key, so it is written readable only by the user.
pub const DATABASE_SETTINGS_FILE: &str = "database.json";

#[derive(serde::Serialize, serde::Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct SavedDatabase {
    postgres_url: Option<String>,
    master_key: Option<String>,
}

impl Drop for SavedDatabase {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        if let Some(url) = self.postgres_url.as_mut() {
            url.zeroize();
        }
        if let Some(key) = self.master_key.as_mut() {
            key.zeroize();
        }
    }
}

#[derive(Clone)]
pub enum DatabaseTarget {
    Sqlite {
        path: PathBuf,
    },
    /// The URL can hold a password: kept secret, never logged. Shared mode's server side (the
    /// worker, the operator), which holds the master key.
    Postgres {
        url: SecretString,
    },
    /// Shared mode as a workspace's client, joined here with a connection code (see
    /// [`CoreConfig::join`]). The code is read from the keychain (or its private file) only when
    /// the core opens, so a locked keychain or a damaged code fails opening, not leaving.
    Workspace,
}

impl std::fmt::Debug for DatabaseTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Sqlite { path } => write!(f, "Sqlite({})", path.display()),
            Self::Postgres { .. } => f.write_str("Postgres([REDACTED])"),
            Self::Workspace => f.write_str("Workspace"),
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
    /// `DATABASE_URL` was set: the environment wins over a database chosen in the app.
    pub database_from_env: bool,
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
            None => local_target(&data_dir),
        };
        Ok(Self {
            database_from_env: matches!(database, DatabaseTarget::Postgres { .. }),
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
            database_from_env: false,
        }
    }

    /// Points the configuration at another data directory (the desktop app's own), keeping an
    /// environment-given database.
    pub fn with_data_dir(mut self, data_dir: PathBuf) -> Self {
        if !self.database_from_env {
            self.database = local_target(&data_dir);
        }
        self.data_dir = data_dir;
        self
    }

    /// True before anyone chose a database here: no `DATABASE_URL`, no saved choice, no joined
    /// workspace and no workspace in the embedded database. The app then asks embedded-or-shared
    /// first. The app opens the embedded database on its first start, before that question is
    /// answered (and the user may quit there), so the file alone is no choice; a workspace in it
    /// is one (made without the question: by the CLI on this data directory, or before the
    /// choice was saved). A database that cannot be read counts as chosen too: whatever it
    /// holds must not be set aside for another database.
    pub async fn is_first_run(&self) -> bool {
        if self.database_from_env
            || stored::is_joined(&self.data_dir)
            || self.data_dir.join(DATABASE_SETTINGS_FILE).exists()
        {
            return false;
        }
        match SqliteStore::holds_workspace(&self.data_dir.join(DATABASE_FILE)).await {
            Ok(holds) => !holds,
            Err(err) => {
                tracing::warn!(error = %err, "the embedded database could not be read: taken as chosen");
                false
            }
        }
    }

    /// Applies the database saved by [`Self::save_database_choice`], unless the environment
    /// named one.
    pub fn apply_saved_database(&mut self) -> CoreResult<()> {
        // A joined workspace wins over a database chosen before; leaving it comes back to that.
        if self.database_from_env || matches!(self.database, DatabaseTarget::Workspace) {
            return Ok(());
        }
        let path = self.data_dir.join(DATABASE_SETTINGS_FILE);
        let Ok(text) = std::fs::read_to_string(&path) else {
            return Ok(());
        };
        let text = zeroize::Zeroizing::new(text);
        let saved: SavedDatabase = serde_json::from_str(&text).map_err(|_| {
            CoreError::Configuration(format!(
                "The database settings in {} are damaged.",
                path.display()
            ))
        })?;
        self.apply_choice(
            saved.postgres_url.clone().map(SecretString::from),
            saved.master_key.clone().map(SecretString::from),
        );
        Ok(())
    }

    fn apply_choice(
        &mut self,
        postgres_url: Option<SecretString>,
        master_key: Option<SecretString>,
    ) {
        match postgres_url {
            Some(url) => {
                self.database = DatabaseTarget::Postgres { url };
                if master_key.is_some() {
                    self.master_key = master_key;
                }
            }
            None => {
                self.database = DatabaseTarget::Sqlite {
                    path: self.data_dir.join(DATABASE_FILE),
                };
                // The embedded database has its own key (environment, keychain or key file),
                // never the shared database's.
                self.master_key = env_secret("INTEGRATIONS_MASTER_KEY");
            }
        }
    }

    /// The configuration with a database chosen in the app: `None` is the embedded database.
    /// Open it (to prove it works) before saving it with [`Self::save_database_choice`].
    pub fn with_database_choice(
        &self,
        postgres_url: Option<SecretString>,
        master_key: Option<SecretString>,
    ) -> CoreResult<Self> {
        if self.database_from_env {
            return Err(CoreError::Configuration(
                "DATABASE_URL is set in the environment, which overrides the choice made here."
                    .into(),
            ));
        }
        if matches!(self.database, DatabaseTarget::Workspace) {
            return Err(CoreError::Configuration(
                "This computer is joined to a shared workspace: leave it first (Settings).".into(),
            ));
        }
        if let Some(url) = &postgres_url {
            let text = url.expose_secret();
            if !(text.starts_with("postgres://") || text.starts_with("postgresql://")) {
                return Err(CoreError::Validation(
                    "A shared database URL starts with postgres:// (e.g. \
                     postgres://user:password@server:5432/integrations)."
                        .into(),
                ));
            }
        }
        let mut next = self.clone();
        next.apply_choice(postgres_url, master_key);
        Ok(next)
    }

    /// Remembers the database in use so the next start opens it again.
    pub fn save_database_choice(&self) -> CoreResult<()> {
        let saved = match &self.database {
            // A joined workspace is kept by `join` (in the keychain), not here.
            DatabaseTarget::Sqlite { .. } | DatabaseTarget::Workspace => SavedDatabase::default(),
            DatabaseTarget::Postgres { url } => SavedDatabase {
                postgres_url: Some(url.expose_secret().to_owned()),
                // A key from the environment stays there; only one typed into the app is kept.
                master_key: self
                    .master_key
                    .as_ref()
                    .map(|key| key.expose_secret().to_owned())
                    .filter(|key| {
                        env_secret("INTEGRATIONS_MASTER_KEY")
                            .is_none_or(|env| env.expose_secret() != key)
                    }),
            },
        };
        crate::private_fs::create_dir_all(&self.data_dir)
            .map_err(CoreError::data_dir(&self.data_dir))?;
        let text = zeroize::Zeroizing::new(serde_json::to_vec(&saved).expect("settings serialize"));
        master_key::write_private(&self.data_dir.join(DATABASE_SETTINGS_FILE), &text)
    }

    pub fn mode(&self) -> &'static str {
        match self.database {
            DatabaseTarget::Sqlite { .. } => "standalone",
            DatabaseTarget::Postgres { .. } | DatabaseTarget::Workspace => "shared",
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
        let loaded = master_key::load_or_create(
            &self.data_dir,
            &self.data_dir.join(DATABASE_FILE),
            self.use_keychain,
        )?;
        Ok((loaded.key, loaded.source))
    }

    /// Token signing secrets: configured, or derived from the key this side holds (the master
    /// key; a joined workspace's key on its clients, whose role already bounds what any of them
    /// can reach, so a token signed with it can claim nothing beyond that workspace).
    fn token_config(&self, derive: impl Fn(&str) -> zeroize::Zeroizing<[u8; 32]>) -> TokenConfig {
        let secret = |configured: &Option<SecretString>, purpose: &str| match configured {
            Some(value) => SecretBox::new(Box::new(value.expose_secret().as_bytes().to_vec())),
            None => SecretBox::new(Box::new(derive(purpose).to_vec())),
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
        if let DatabaseTarget::Workspace = self.database {
            return self.open_workspace(providers).await;
        }
        let (master, source) = self.master_key()?;
        tracing::info!(mode = self.mode(), key_source = ?source, "opening core");
        crate::private_fs::create_dir_all(&self.data_dir)
            .map_err(CoreError::data_dir(&self.data_dir))?;
        let tokens = self.token_config(|purpose| master.derive(purpose));
        match &self.database {
            DatabaseTarget::Sqlite { path } => {
                let store: Arc<dyn Store> =
                    Arc::new(SqliteStore::open(path).await.map_err(open_err)?);
                Ok(Core::new(store, master, tokens, providers)
                    .with_sync_settings(crate::sync::SyncSettings::from_env()))
            }
            DatabaseTarget::Postgres { url } => {
                let shared = SharedStore::open(
                    crate::workspace::tls::options_from_url(url.expose_secret())?,
                    &self.data_dir.join(mirror_file_name(url.expose_secret())?),
                    &server_fingerprint(url.expose_secret())?,
                )
                .await
                .map_err(open_err)?;
                Ok(
                    Core::new_shared(Arc::new(shared), master, tokens, providers)
                        .with_sync_settings(crate::sync::SyncSettings::from_env()),
                )
            }
            DatabaseTarget::Workspace => unreachable!("opened above"),
        }
    }

    /// A workspace's client: its role and key from the code, its own mirror.
    async fn open_workspace(&self, providers: Arc<dyn ProviderGateway>) -> CoreResult<Core> {
        let Some((_, code)) = stored::load(&self.data_dir)? else {
            return Err(CoreError::Configuration(
                "The joined workspace's connection code is missing from this computer: join again."
                    .into(),
            ));
        };
        let code = &code;
        tracing::info!(server = %code.server, "opening core as a workspace's client");
        crate::private_fs::create_dir_all(&self.data_dir)
            .map_err(CoreError::data_dir(&self.data_dir))?;
        let tokens = self.token_config(|purpose| code.workspace_key.derive(purpose));
        let fingerprint = mirror_fingerprint(&code.server.to_string(), code.workspace_id);
        let shared = SharedStore::open(
            code.connect_options()?,
            &self
                .data_dir
                .join(format!("mirror-{}.db", &fingerprint[..16])),
            &fingerprint,
        )
        .await
        .map_err(open_err)?;
        Ok(Core::new_workspace(
            Arc::new(shared),
            code.workspace_key.clone(),
            code.workspace_id,
            tokens,
            providers,
        )
        .with_sync_settings(crate::sync::SyncSettings::from_env()))
    }

    /// Joins a workspace with its connection code: the code is tried against its server first
    /// (nothing is kept if it fails), then kept in the OS keychain (a private file where there is
    /// none). Replaces a workspace joined before only once the new one is kept: then the old
    /// one's code and mirror go (a new code for the same workspace keeps its mirror and queue).
    pub async fn join(&self, code_text: &SecretString) -> CoreResult<JoinedWorkspace> {
        if self.database_from_env {
            return Err(CoreError::Configuration(
                "DATABASE_URL is set in the environment: it is a server-side connection. Unset \
                 it to work as a workspace's client."
                    .into(),
            ));
        }
        let code = ConnectionCode::parse(code_text)?;
        let name = join::verify(&code).await?;
        let previous = stored::joined(&self.data_dir).ok().flatten();
        let joined = stored::save(&self.data_dir, &code, &name, self.use_keychain)?;
        if let Some(previous) = previous {
            // The new workspace is joined: what is left of the old one is tidied up, and a
            // failure to is no reason to undo the join.
            let tidied = (|| {
                if mirror_fingerprint(&previous.server, previous.workspace_id)
                    != mirror_fingerprint(&joined.server, joined.workspace_id)
                {
                    self.remove_mirror(&previous)?;
                }
                if previous.workspace_id != joined.workspace_id {
                    stored::forget_code(&self.data_dir, previous.workspace_id)?;
                }
                Ok::<_, CoreError>(())
            })();
            if let Err(err) = tidied {
                tracing::warn!(error = %err, "joined a new workspace; the previous one's files were not all removed");
            }
        }
        Ok(joined)
    }

    /// Removes a joined workspace's mirror (and its WAL files).
    fn remove_mirror(&self, joined: &JoinedWorkspace) -> CoreResult<()> {
        let fingerprint = mirror_fingerprint(&joined.server, joined.workspace_id);
        for suffix in ["", "-wal", "-shm"] {
            let path = self
                .data_dir
                .join(format!("mirror-{}.db{suffix}", &fingerprint[..16]));
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
                Err(err) => {
                    return Err(CoreError::Configuration(format!(
                        "Cannot remove {}: {err}",
                        path.display()
                    )))
                }
            }
        }
        Ok(())
    }

    /// This configuration as it stands after `join` or `leave` here: the joined workspace, or
    /// this computer's own database again.
    pub fn reloaded(&self) -> Self {
        let mut next = self.clone();
        if !next.database_from_env {
            next.database = local_target(&next.data_dir);
            if matches!(next.database, DatabaseTarget::Sqlite { .. }) {
                next.master_key = env_secret("INTEGRATIONS_MASTER_KEY");
            }
        }
        next
    }

    /// Leaves the joined workspace: its code and key (keychain and file) and its mirror go.
    pub fn leave(&self) -> CoreResult<()> {
        // The mirror is found from what Settings shows, so it goes even when the code cannot be
        // read any more (a damaged file, a locked keychain).
        if let Ok(Some(joined)) = stored::joined(&self.data_dir) {
            self.remove_mirror(&joined)?;
        }
        stored::forget(&self.data_dir)
    }

    /// The joined workspace, as Settings shows it (nothing secret).
    pub fn joined_workspace(&self) -> CoreResult<Option<JoinedWorkspace>> {
        stored::joined(&self.data_dir)
    }
}

/// Names the server, database and workspace a joined workspace's mirror belongs to.
fn mirror_fingerprint(server: &str, workspace: uuid::Uuid) -> String {
    crate::auth::sha256_hex(&format!("{server}#{workspace}"))
}

/// This computer's own database: the workspace joined here, or the embedded one.
fn local_target(data_dir: &std::path::Path) -> DatabaseTarget {
    if stored::is_joined(data_dir) {
        DatabaseTarget::Workspace
    } else {
        DatabaseTarget::Sqlite {
            path: data_dir.join(DATABASE_FILE),
        }
    }
}

/// Names the server and database a mirror belongs to, without the user name or password.
fn server_fingerprint(url: &str) -> CoreResult<String> {
    let options = sqlx::postgres::PgConnectOptions::from_str(url)
        .map_err(|_| CoreError::Configuration("The PostgreSQL URL is not valid.".into()))?;
    let identity = format!(
        "{}:{}/{}",
        options.get_host(),
        options.get_port(),
        options.get_database().unwrap_or_default()
    );
    Ok(crate::auth::sha256_hex(&identity))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_database_chosen_in_the_app_is_saved_privately_and_used_next_time() {
        let dir = tempfile::tempdir().unwrap();
        let config = CoreConfig::standalone(dir.path().to_path_buf());
        assert!(config.is_first_run().await);
        let shared = config
            .with_database_choice(
                Some(SecretString::from(
                    "postgres://u:SECRET-PW@db.shop.vn/integrations",
                )),
                Some(SecretString::from("a2V5")),
            )
            .unwrap();
        shared.save_database_choice().unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let meta = std::fs::metadata(dir.path().join(DATABASE_SETTINGS_FILE)).unwrap();
            assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        }
        assert!(!format!("{shared:?}").contains("SECRET-PW"));

        let mut next_start = CoreConfig::standalone(dir.path().to_path_buf());
        assert!(!next_start.is_first_run().await);
        next_start.apply_saved_database().unwrap();
        assert_eq!(next_start.mode(), "shared");
        assert_eq!(
            next_start.master_key.as_ref().unwrap().expose_secret(),
            "a2V5"
        );

        // Back to the embedded database.
        next_start
            .with_database_choice(None, None)
            .unwrap()
            .save_database_choice()
            .unwrap();
        let mut third = CoreConfig::standalone(dir.path().to_path_buf());
        third.apply_saved_database().unwrap();
        assert_eq!(third.mode(), "standalone");
    }

    /// A start of the desktop app on `dir`: whether it asks the first-run question, and the
    /// core it opens on the embedded database meanwhile (it does, chosen or not).
    async fn app_start(dir: &std::path::Path) -> (bool, Core) {
        let config = CoreConfig::standalone(dir.to_path_buf());
        let first_run = config.is_first_run().await;
        let core = config
            .open(crate::gateway_from_env().unwrap())
            .await
            .unwrap();
        (first_run, core)
    }

    #[tokio::test]
    async fn quitting_before_answering_the_first_run_question_asks_it_again() {
        let dir = tempfile::tempdir().unwrap();
        let (first_run, core) = app_start(dir.path()).await;
        assert!(first_run);
        drop(core);
        assert!(dir.path().join(DATABASE_FILE).exists());

        let (first_run, core) = app_start(dir.path()).await;
        assert!(first_run, "quitting on the question is no answer to it");
        // "Continue with the embedded database".
        CoreConfig::standalone(dir.path().to_path_buf())
            .with_database_choice(None, None)
            .unwrap()
            .save_database_choice()
            .unwrap();
        drop(core);

        let (first_run, _core) = app_start(dir.path()).await;
        assert!(!first_run);
    }

    /// A profile from before: a workspace in the embedded database, no saved choice. It keeps
    /// its database, and its key (a database with data never gets a new one).
    #[tokio::test]
    async fn an_embedded_database_holding_a_workspace_counts_as_chosen() {
        let dir = tempfile::tempdir().unwrap();
        let (_, core) = app_start(dir.path()).await;
        core.sign_up(
            "Shop thời trang",
            "chu@shop.vn",
            &SecretString::from("mật khẩu đủ dài 123"),
        )
        .await
        .unwrap();
        drop(core);
        assert!(!dir.path().join(DATABASE_SETTINGS_FILE).exists());

        let (first_run, core) = app_start(dir.path()).await;
        assert!(!first_run);
        drop(core);
        std::fs::remove_file(dir.path().join("master.key")).unwrap();
        std::fs::remove_file(dir.path().join("master-key.location")).unwrap();
        let config = CoreConfig::standalone(dir.path().to_path_buf());
        assert!(!config.is_first_run().await);
        let refused = config
            .open(crate::gateway_from_env().unwrap())
            .await
            .err()
            .unwrap();
        assert!(refused.to_string().contains("missing"), "{refused}");
        assert!(!dir.path().join("master.key").exists());
    }

    #[tokio::test]
    async fn an_embedded_database_that_cannot_be_read_counts_as_chosen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DATABASE_FILE);
        std::fs::write(&path, b"not a database, but someone's file").unwrap();
        let config = CoreConfig::standalone(dir.path().to_path_buf());
        assert!(!config.is_first_run().await);
        assert_eq!(
            std::fs::read(&path).unwrap(),
            b"not a database, but someone's file"
        );
    }

    #[test]
    fn a_url_that_is_not_postgres_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let config = CoreConfig::standalone(dir.path().to_path_buf());
        let err = config
            .with_database_choice(Some(SecretString::from("mysql://x")), None)
            .err()
            .unwrap();
        assert_eq!(err.code(), crate::ErrorCode::Validation);
    }
}
