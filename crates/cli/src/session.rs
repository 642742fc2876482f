//! The signed-in session between commands: its tokens in a user-only file in the data
//! directory, read back and refreshed (under a lock) by each command that needs it.

use std::path::{Path, PathBuf};

use integrations_core::runtime::{self, Renewal};
use integrations_core::{Core, CoreConfig, CoreError, Session, TokenPair};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

const SESSION_FILE: &str = "cli-session.json";

/// The session file: tokens only, in a user-only file.
#[derive(Serialize, Deserialize)]
struct StoredSession {
    access_token: String,
    refresh_token: String,
}

pub fn session_path(config: &CoreConfig) -> PathBuf {
    config.data_dir.join(SESSION_FILE)
}

pub fn save_session(path: &Path, tokens: &TokenPair) -> Result<(), CoreError> {
    let stored = StoredSession {
        access_token: tokens.access_token.expose_secret().to_owned(),
        refresh_token: tokens.refresh_token.expose_secret().to_owned(),
    };
    let text = SecretString::from(serde_json::to_string(&stored).expect("session serializes"));
    if let Some(dir) = path.parent() {
        create_dir(dir)?;
    }
    // Written to a temp file and renamed: a reader never sees half a session.
    integrations_core::master_key::write_private(path, text.expose_secret().as_bytes())
}

fn create_dir(dir: &Path) -> Result<(), CoreError> {
    integrations_core::private_fs::create_dir_all(dir)
        .map_err(|err| CoreError::Configuration(format!("Cannot create {}: {err}", dir.display())))
}

/// Serialises the refresh of the stored session between CLI processes: two commands run at
/// once with an expired access token would otherwise both spend the same refresh token, and
/// the second would look like a stolen token's reuse and end the session.
fn lock_session(path: &Path) -> Result<std::fs::File, CoreError> {
    let lock_path = path.with_extension("lock");
    if let Some(dir) = lock_path.parent() {
        create_dir(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.create(true).truncate(false).write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(integrations_core::private_fs::FILE_MODE);
    }
    let file = options.open(&lock_path).map_err(|err| {
        CoreError::Configuration(format!("Cannot open {}: {err}", lock_path.display()))
    })?;
    file.lock().map_err(|err| {
        CoreError::Configuration(format!("Cannot lock {}: {err}", lock_path.display()))
    })?;
    Ok(file)
}

/// The stored access and refresh tokens, if someone is signed in.
pub fn load_session(path: &Path) -> Option<(SecretString, SecretString)> {
    let text = SecretString::from(std::fs::read_to_string(path).ok()?);
    let stored: StoredSession = serde_json::from_str(text.expose_secret()).ok()?;
    Some((
        SecretString::from(stored.access_token),
        SecretString::from(stored.refresh_token),
    ))
}

/// The verified session, refreshed (and the new tokens saved) by the core's rule
/// ([`runtime::renew`]): when the access token has expired, is about to, or does not verify. A
/// refresh the core refuses ends the session: the file is removed, as signing out does.
pub async fn signed_in(core: &Core, config: &CoreConfig) -> Result<Session, CoreError> {
    let path = session_path(config);
    // Held until the session is verified or refreshed and saved; released on drop.
    let _lock = lock_session(&path)?;
    let (access, refresh) = load_session(&path).ok_or_else(|| {
        CoreError::Unauthenticated(
            "Not signed in. Run `integrations sign-in --email E` (password on stdin).".into(),
        )
    })?;
    match runtime::renew(core, &access, &refresh).await {
        Ok(Renewal::Current(session)) => Ok(session),
        Ok(Renewal::Refreshed(renewed)) => {
            save_session(&path, &renewed.tokens)?;
            Ok(renewed.session)
        }
        Err(err) => {
            if runtime::ends_session(&err) {
                let _ = std::fs::remove_file(&path);
            }
            Err(err)
        }
    }
}
