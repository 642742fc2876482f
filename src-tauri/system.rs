//! This installation and this computer: what was built (the About section), where its files
//! are, and whether it starts at login. Start at login is the official autostart plugin's: a
//! desktop entry in `~/.config/autostart` on Linux, a launch agent on macOS, the Run key on
//! Windows. It is never turned on by the app itself, only from Settings.

use std::path::PathBuf;

use integrations_core::{CoreError, ErrorPayload};
use serde::Serialize;
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_autostart::ManagerExt;
use tauri_plugin_opener::OpenerExt;
use ts_rs::TS;

/// The argument the login entry starts the app with: it then stays in the tray instead of
/// opening its window.
pub const AUTOSTART_ARG: &str = "--autostart";

/// The About section: the same version and commit as `integrations --version`.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct About {
    /// The app's version (the workspace's, which the updater compares with).
    pub version: String,
    pub commit: String,
    /// Where the database, key file and settings are.
    pub data_dir: String,
    /// Where the app writes its log.
    pub log_dir: String,
}

/// The log directory: the one the log plugin writes to.
pub fn log_dir<R: Runtime>(app: &AppHandle<R>) -> Result<PathBuf, ErrorPayload> {
    app.path().app_log_dir().map_err(|err| {
        CoreError::Configuration(format!("This system has no log directory: {err}")).payload()
    })
}

pub fn about<R: Runtime>(app: &AppHandle<R>, data_dir: String) -> Result<About, ErrorPayload> {
    Ok(About {
        version: app.package_info().version.to_string(),
        commit: integrations_build_info::COMMIT.to_owned(),
        data_dir,
        log_dir: log_dir(app)?.display().to_string(),
    })
}

/// Opens the log directory in the file manager (creating it if nothing was logged yet).
pub fn open_log_folder<R: Runtime>(app: &AppHandle<R>) -> Result<(), ErrorPayload> {
    let dir = log_dir(app)?;
    std::fs::create_dir_all(&dir).map_err(|err| {
        CoreError::Configuration(format!("Cannot create {}: {err}", dir.display())).payload()
    })?;
    app.opener()
        .open_path(dir.display().to_string(), None::<String>)
        .map_err(|err| {
            CoreError::Configuration(format!(
                "Cannot open {} in a file manager: {err}",
                dir.display()
            ))
            .payload()
        })
}

pub fn autostart_enabled<R: Runtime>(app: &AppHandle<R>) -> Result<bool, ErrorPayload> {
    app.autolaunch().is_enabled().map_err(autostart_error)
}

/// Turns start at login on or off; answers with what the system now says.
pub fn set_autostart<R: Runtime>(app: &AppHandle<R>, enabled: bool) -> Result<bool, ErrorPayload> {
    let launcher = app.autolaunch();
    if enabled {
        ensure_autostart_dir(app)?;
    }
    if enabled {
        launcher.enable()
    } else {
        launcher.disable()
    }
    .map_err(autostart_error)?;
    log::info!(
        "start at login turned {}",
        if enabled { "on" } else { "off" }
    );
    launcher.is_enabled().map_err(autostart_error)
}

/// The plugin writes `~/.config/autostart/<name>.desktop` but creates only the last folder:
/// on an account that has no `~/.config` yet, turning start at login on would fail.
#[cfg(target_os = "linux")]
fn ensure_autostart_dir<R: Runtime>(app: &AppHandle<R>) -> Result<(), ErrorPayload> {
    let Ok(home) = app.path().home_dir() else {
        return Ok(());
    };
    let dir = home.join(".config").join("autostart");
    std::fs::create_dir_all(&dir).map_err(|err| {
        CoreError::Configuration(format!(
            "Cannot change start at login: cannot create {}: {err}",
            dir.display()
        ))
        .payload()
    })
}

#[cfg(not(target_os = "linux"))]
fn ensure_autostart_dir<R: Runtime>(_app: &AppHandle<R>) -> Result<(), ErrorPayload> {
    Ok(())
}

fn autostart_error(err: tauri_plugin_autostart::Error) -> ErrorPayload {
    CoreError::Configuration(format!("Cannot change start at login: {err}")).payload()
}

/// Whether this process was started by the login entry.
pub fn started_at_login() -> bool {
    std::env::args().skip(1).any(|arg| arg == AUTOSTART_ARG)
}
