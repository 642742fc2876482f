//! The one managed object: the core and the signed-in session.
//!
//! Invariant: the token pair never leaves Rust memory. Commands get a verified [`Session`] from
//! [`AppState::session`], which refreshes the access token when it is about to expire; nothing
//! that holds a token is `Serialize`, so it cannot be returned to the webview by mistake.

use std::path::PathBuf;

use chrono::{Duration, Utc};
use integrations_core::config::DATABASE_FILE;
use integrations_core::{
    Core, CoreConfig, CoreError, CoreResult, DatabaseTarget, ErrorCode, ErrorPayload, Session,
    SignedIn, TokenPair,
};
use tokio::sync::RwLock;

/// Refresh the access token when it has less than this left, so a command never starts with a
/// token that expires halfway through.
const REFRESH_MARGIN: Duration = Duration::seconds(60);

pub struct AppState {
    /// The core, or why it could not be opened (bad configuration, database unreachable). The
    /// window still opens on failure, and every command answers with this payload.
    core: Result<Core, ErrorPayload>,
    session: RwLock<Option<(Session, TokenPair)>>,
}

impl AppState {
    pub fn new(core: Core) -> Self {
        Self::from_result(Ok(core))
    }

    /// Keeps the core, or why it could not be opened, which every command will then report.
    pub fn from_result(core: CoreResult<Core>) -> Self {
        Self {
            core: core.map_err(|err| err.payload()),
            session: RwLock::new(None),
        }
    }

    pub fn core(&self) -> Result<&Core, ErrorPayload> {
        self.core.as_ref().map_err(Clone::clone)
    }

    /// Keeps a fresh sign-in, returning the token pair it replaces (to be revoked).
    pub async fn replace_session(&self, signed_in: SignedIn) -> Option<TokenPair> {
        let previous = self
            .session
            .write()
            .await
            .replace((signed_in.session, signed_in.tokens));
        previous.map(|(_, tokens)| tokens)
    }

    /// Forgets the session, returning its tokens (to be revoked).
    pub async fn take_session(&self) -> Option<TokenPair> {
        self.session.write().await.take().map(|(_, tokens)| tokens)
    }

    /// The signed-in session, refreshed first if the access token is expired or about to be.
    /// A refresh the core rejects ends the session here too.
    pub async fn session(&self) -> Result<Session, ErrorPayload> {
        let core = self.core()?;
        if let Some((session, tokens)) = self.session.read().await.as_ref() {
            if is_fresh(tokens) {
                return Ok(session.clone());
            }
        }
        let mut guard = self.session.write().await;
        // Another command may have refreshed or signed out while we waited for the lock.
        let Some((session, tokens)) = guard.as_ref() else {
            return Err(sign_in_first());
        };
        if is_fresh(tokens) {
            return Ok(session.clone());
        }
        match core.refresh(&tokens.refresh_token).await {
            Ok(signed_in) => {
                let session = signed_in.session.clone();
                *guard = Some((signed_in.session, signed_in.tokens));
                Ok(session)
            }
            Err(err) => {
                if err.code() == ErrorCode::Unauthenticated {
                    *guard = None;
                }
                Err(err.payload())
            }
        }
    }
}

fn is_fresh(tokens: &TokenPair) -> bool {
    tokens.access_expires_at - Utc::now() > REFRESH_MARGIN
}

pub fn sign_in_first() -> ErrorPayload {
    CoreError::Unauthenticated("Sign in first.".into()).payload()
}

/// The core's configuration from the environment, except that the data directory defaults to
/// the app's own (`$XDG_DATA_HOME/vn.integrationmanager.desktop` on Linux) rather than the CLI's.
pub fn config_with_data_dir(
    app_data_dir: impl FnOnce() -> CoreResult<PathBuf>,
) -> CoreResult<CoreConfig> {
    let mut config = CoreConfig::from_env()?;
    let dir_from_env = std::env::var_os("INTEGRATIONS_DATA_DIR").is_some_and(|dir| !dir.is_empty());
    if !dir_from_env {
        let data_dir = app_data_dir()?;
        if let DatabaseTarget::Sqlite { path } = &mut config.database {
            *path = data_dir.join(DATABASE_FILE);
        }
        config.data_dir = data_dir;
    }
    Ok(config)
}
