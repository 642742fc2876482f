//! Updates through the official updater plugin, driven from Rust: the app checks at start and
//! then daily, tells the window (`update-available`), and installs only when the user chooses
//! *Install and restart*.
//!
//! Trust rests on the signature, not on the address: every bundle is checked against the
//! minisign public key in `tauri.conf.json` (`plugins.updater.pubkey`), and with
//! `requireSignedVersion` the signature must also name the version the manifest announced, so a
//! forged manifest cannot pair a new version number with an older signed release. That is why
//! `INTEGRATIONS_UPDATE_ENDPOINT` may replace the configured endpoints (tests, staging): a
//! manifest from elsewhere still installs nothing the release key did not sign.
//!
//! A background check that fails (offline, no endpoint) stays quiet: one log line, nothing in
//! the window. A check or install the user asked for answers with a clear message.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use integrations_core::{ErrorCode, ErrorPayload};
use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager, Runtime};
use tauri_plugin_updater::{Update, UpdaterExt};
use ts_rs::TS;
use url::Url;

/// Replaces the configured update endpoints: one URL, or several separated by commas; empty
/// turns update checks off.
pub const ENDPOINT_ENV: &str = "INTEGRATIONS_UPDATE_ENDPOINT";

/// How often the running app looks again after the check at start.
pub const CHECK_EVERY: Duration = Duration::from_secs(24 * 60 * 60);

/// A manifest that has not answered by then is treated as unreachable.
const CHECK_TIMEOUT: Duration = Duration::from_secs(30);

/// Event sent to the window when a check finds a newer version.
pub const AVAILABLE_EVENT: &str = "update-available";

/// Event sent while an update downloads: [`DownloadProgress`].
pub const PROGRESS_EVENT: &str = "update-progress";

/// A newer version the update server offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AvailableUpdate {
    pub version: String,
    /// The version running now.
    pub current_version: String,
    /// The release notes, as the manifest has them (plain text).
    pub notes: Option<String>,
    /// When it was published (RFC 3339), if the manifest says.
    pub date: Option<String>,
}

impl AvailableUpdate {
    fn from_update(update: &Update) -> Self {
        Self {
            version: update.version.clone(),
            current_version: update.current_version.clone(),
            notes: update
                .body
                .as_ref()
                .map(|notes| notes.trim().to_owned())
                .filter(|notes| !notes.is_empty()),
            date: update.date.and_then(|date| {
                date.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            }),
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DownloadProgress {
    #[ts(type = "number")]
    pub downloaded: u64,
    /// The size the server announced, if it did.
    #[ts(type = "number | null")]
    pub total: Option<u64>,
}

/// Why a check or an install did not happen. Crosses IPC as an [`ErrorPayload`] with one of
/// the core's codes (see [`UpdateError::code`]) and a message meant for the user.
#[derive(Debug, thiserror::Error)]
pub enum UpdateError {
    #[error("No update address is set, so updates are not checked.")]
    NoEndpoint,
    #[error("The update address is not valid: {0}")]
    BadEndpoint(String),
    #[error("Could not reach the update server: {0}")]
    Unreachable(String),
    #[error("The update server's answer could not be read: {0}")]
    BadManifest(String),
    #[error("No update is waiting to be installed: check for updates first.")]
    NothingToInstall,
    /// The download does not carry the release key's signature for the announced version.
    #[error(
        "The update to version {version} was refused: {reason} Nothing was installed; \
         version {current} keeps running."
    )]
    Refused {
        version: String,
        current: String,
        reason: String,
    },
    #[error(
        "The update to version {version} could not be installed: {reason} \
         Version {current} keeps running."
    )]
    InstallFailed {
        version: String,
        current: String,
        reason: String,
    },
    #[error("Restart the app only after installing an update.")]
    NotInstalled,
}

impl UpdateError {
    /// The core's closed set has no update code: a missing or wrong address is the
    /// configuration's, an unreachable server is the network's, a refused download is bad input,
    /// and a package manager that failed is an internal failure.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::NoEndpoint | Self::BadEndpoint(_) => ErrorCode::Configuration,
            Self::Unreachable(_) => ErrorCode::Offline,
            Self::BadManifest(_) | Self::NothingToInstall | Self::Refused { .. } => {
                ErrorCode::Validation
            }
            Self::NotInstalled => ErrorCode::Validation,
            Self::InstallFailed { .. } => ErrorCode::Internal,
        }
    }

    pub fn payload(&self) -> ErrorPayload {
        ErrorPayload {
            code: self.code(),
            provider_code: None,
            message: self.to_string(),
        }
    }

    /// A failed check's reason, from the plugin's error.
    fn from_check(err: tauri_plugin_updater::Error) -> Self {
        use tauri_plugin_updater::Error as E;
        match err {
            E::EmptyEndpoints => Self::NoEndpoint,
            E::InsecureTransportProtocol => {
                Self::BadEndpoint("it must start with https://.".into())
            }
            E::UrlParse(err) => Self::BadEndpoint(err.to_string()),
            E::Reqwest(err) => Self::Unreachable(describe_request_error(&err)),
            E::Network(reason) => Self::Unreachable(reason),
            E::ReleaseNotFound => {
                Self::Unreachable("it did not answer with a release manifest.".into())
            }
            other => Self::BadManifest(other.to_string()),
        }
    }
}

/// "connection refused (127.0.0.1)" rather than reqwest's chain with the full URL.
fn describe_request_error(err: &reqwest::Error) -> String {
    let host = err
        .url()
        .and_then(|url| url.host_str().map(str::to_owned))
        .unwrap_or_else(|| "the update server".into());
    if err.is_timeout() {
        format!("{host} did not answer in time.")
    } else if err.is_connect() {
        format!("{host} could not be reached (offline?).")
    } else if let Some(status) = err.status() {
        format!("{host} answered {status}.")
    } else if err.is_decode() {
        format!("{host} did not answer with a release manifest.")
    } else {
        format!("{host}: {err}")
    }
}

/// Why the plugin refused a download, in words: every failure of `Update::download` after the
/// bytes arrived is a signature or version-binding failure.
fn refusal_reason(err: &tauri_plugin_updater::Error) -> Option<String> {
    use tauri_plugin_updater::Error as E;
    Some(match err {
        E::Minisign(_) | E::Base64(_) | E::SignatureUtf8(_) => {
            "its signature is not the release key's, so the download may have been \
             tampered with."
                .into()
        }
        E::SignedVersionMismatch { signed, .. } => {
            format!("it was signed for version {signed}, not the version announced.")
        }
        E::MissingSignedVersion => "its signature does not name the version it is for.".into(),
        E::InvalidUpdaterFormat => "the download is not a package this installation can \
                                    use."
            .into(),
        _ => return None,
    })
}

/// Where the update checks look and how they install; [`Self::from_env`] in the app.
#[derive(Debug, Clone, Default)]
pub struct UpdateSettings {
    /// `None`: the endpoints in `tauri.conf.json`. `Some(empty)`: no checks.
    pub endpoints: Option<Vec<Url>>,
    /// Tests: the file an AppImage-style install replaces (instead of this executable).
    pub executable_path: Option<PathBuf>,
}

impl UpdateSettings {
    /// [`ENDPOINT_ENV`] over the configuration. A value that is not a URL disables checks (and
    /// says why once in the log) rather than falling back to an address nobody chose.
    pub fn from_env() -> Self {
        let endpoints = match parse_endpoints(std::env::var(ENDPOINT_ENV).ok().as_deref()) {
            Ok(endpoints) => endpoints,
            Err(err) => {
                log::warn!("{ENDPOINT_ENV} ignored, updates are not checked: {err}");
                Some(Vec::new())
            }
        };
        Self {
            endpoints,
            executable_path: None,
        }
    }
}

/// `None` when the variable is unset; an empty list when it is empty.
pub fn parse_endpoints(value: Option<&str>) -> Result<Option<Vec<Url>>, String> {
    let Some(value) = value else { return Ok(None) };
    value
        .split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| Url::parse(part).map_err(|err| format!("{part:?} is not a URL ({err})")))
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// The update state the app manages: the settings, the update the last check offered, and the
/// one installed (waiting for the restart).
pub struct Updates {
    settings: UpdateSettings,
    offered: Mutex<Option<Update>>,
    installed: Mutex<Option<String>>,
}

impl Updates {
    pub fn new(settings: UpdateSettings) -> Self {
        Self {
            settings,
            offered: Mutex::new(None),
            installed: Mutex::new(None),
        }
    }

    fn updater<R: Runtime>(
        &self,
        app: &AppHandle<R>,
    ) -> Result<tauri_plugin_updater::Updater, UpdateError> {
        let mut builder = app.updater_builder();
        if let Some(endpoints) = &self.settings.endpoints {
            if endpoints.is_empty() {
                return Err(UpdateError::NoEndpoint);
            }
            builder = builder
                .endpoints(endpoints.clone())
                .map_err(UpdateError::from_check)?;
        }
        if let Some(path) = &self.settings.executable_path {
            builder = builder.executable_path(path);
        }
        builder.build().map_err(UpdateError::from_check)
    }

    /// Asks the update server; remembers what it offers for [`Self::install`].
    pub async fn check<R: Runtime>(
        &self,
        app: &AppHandle<R>,
    ) -> Result<Option<AvailableUpdate>, UpdateError> {
        let updater = self.updater(app)?;
        let update = tokio::time::timeout(CHECK_TIMEOUT, updater.check())
            .await
            .map_err(|_| UpdateError::Unreachable("it did not answer in time.".into()))?
            .map_err(UpdateError::from_check)?;
        let available = update.as_ref().map(AvailableUpdate::from_update);
        *self.offered.lock().expect("offered lock") = update;
        Ok(available)
    }

    /// What the last check offered, without asking again.
    pub fn offered(&self) -> Option<AvailableUpdate> {
        self.offered
            .lock()
            .expect("offered lock")
            .as_ref()
            .map(AvailableUpdate::from_update)
    }

    /// Downloads the offered update, verifies its signature and installs it (the package
    /// manager on Linux, the installer on Windows, the app bundle on macOS). The running
    /// version is untouched unless all of that succeeded; [`Self::restart`] then starts the
    /// new one.
    pub async fn install<R: Runtime>(&self, app: &AppHandle<R>) -> Result<String, UpdateError> {
        let update = self
            .offered
            .lock()
            .expect("offered lock")
            .clone()
            .ok_or(UpdateError::NothingToInstall)?;
        let version = update.version.clone();
        let current = update.current_version.clone();
        log::info!("downloading the update to version {version}");

        let mut downloaded = 0u64;
        let progress = app.clone();
        let bytes = update
            .download(
                move |chunk, total| {
                    downloaded += chunk as u64;
                    let _ = progress.emit(PROGRESS_EVENT, DownloadProgress { downloaded, total });
                },
                || {},
            )
            .await
            .map_err(|err| match refusal_reason(&err) {
                Some(reason) => UpdateError::Refused {
                    version: version.clone(),
                    current: current.clone(),
                    reason,
                },
                None => match UpdateError::from_check(err) {
                    UpdateError::BadManifest(reason) => UpdateError::InstallFailed {
                        version: version.clone(),
                        current: current.clone(),
                        reason,
                    },
                    other => other,
                },
            })?;

        // The package manager (or the AppImage rewrite) blocks: off the async threads.
        let installing = update.clone();
        tauri::async_runtime::spawn_blocking(move || installing.install(bytes))
            .await
            .map_err(|err| UpdateError::InstallFailed {
                version: version.clone(),
                current: current.clone(),
                reason: err.to_string(),
            })?
            .map_err(|err| match refusal_reason(&err) {
                Some(reason) => UpdateError::Refused {
                    version: version.clone(),
                    current: current.clone(),
                    reason,
                },
                None => UpdateError::InstallFailed {
                    version: version.clone(),
                    current: current.clone(),
                    reason: format!("{err}."),
                },
            })?;
        log::info!("installed version {version}; it starts at the next restart");
        *self.installed.lock().expect("installed lock") = Some(version.clone());
        Ok(version)
    }

    /// Restarts into the version [`Self::install`] put in place.
    pub fn restart<R: Runtime>(&self, app: &AppHandle<R>) -> Result<(), UpdateError> {
        if self.installed.lock().expect("installed lock").is_none() {
            return Err(UpdateError::NotInstalled);
        }
        app.restart()
    }
}

/// The one log line a background check leaves.
pub fn check_log_line(result: &Result<Option<AvailableUpdate>, UpdateError>) -> String {
    match result {
        Ok(Some(update)) => format!(
            "update check: version {} is available (running {})",
            update.version, update.current_version
        ),
        Ok(None) => "update check: this is the latest version".into(),
        Err(err) => format!("update check failed: {err}"),
    }
}

/// Checks at start and then every `every`, for as long as the app runs. Never shows an error:
/// a failed check is one log line, and the next one tries again.
pub fn spawn_checks<R: Runtime>(app: AppHandle<R>, every: Duration) {
    tauri::async_runtime::spawn(async move {
        loop {
            let result = app.state::<Updates>().check(&app).await;
            let line = check_log_line(&result);
            match &result {
                Ok(Some(update)) => {
                    log::info!("{line}");
                    let _ = app.emit(AVAILABLE_EVENT, update);
                }
                Ok(None) => log::info!("{line}"),
                Err(_) => log::warn!("{line}"),
            }
            tokio::time::sleep(every).await;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unset_variable_keeps_the_configured_endpoints_and_an_empty_one_turns_checks_off() {
        assert_eq!(parse_endpoints(None), Ok(None));
        assert_eq!(parse_endpoints(Some("")), Ok(Some(Vec::new())));
        assert_eq!(parse_endpoints(Some(" , ")), Ok(Some(Vec::new())));
    }

    #[test]
    fn the_variable_takes_one_url_or_several_separated_by_commas() {
        let endpoints = parse_endpoints(Some(
            "https://updates.example/latest.json, https://mirror.example/{{target}}/latest.json",
        ))
        .unwrap()
        .unwrap();
        assert_eq!(endpoints.len(), 2);
        assert_eq!(endpoints[0].host_str(), Some("updates.example"));
        assert_eq!(endpoints[1].host_str(), Some("mirror.example"));
    }

    #[test]
    fn a_value_that_is_not_a_url_is_refused_with_its_text() {
        let err = parse_endpoints(Some("updates.example/latest.json")).unwrap_err();
        assert!(
            err.contains("\"updates.example/latest.json\" is not a URL"),
            "{err}"
        );
    }
}
