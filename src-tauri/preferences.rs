//! The user's preferences (language, theme, last signed-in email), kept with the store plugin
//! in `settings.json` in the app's data directory. Nothing secret goes here.

use std::path::Path;

use integrations_core::{CoreError, CoreResult};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Runtime};
use tauri_plugin_store::StoreExt;
use ts_rs::TS;

/// Relative paths resolve in the app's data directory; [`crate::AppState::preferences_file`]
/// gives the one next to the data in use.
pub const STORE_FILE: &str = "settings.json";
const KEY: &str = "preferences";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum Language {
    Vi,
    En,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum Theme {
    Light,
    Dark,
    #[default]
    System,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
#[ts(export)]
pub struct Preferences {
    /// `None`: follow the system language.
    pub language: Option<Language>,
    pub theme: Theme,
    /// Prefilled on the sign-in screen.
    pub last_email: Option<String>,
}

impl Preferences {
    /// The language the UI shows: the chosen one, else Vietnamese on a Vietnamese system and
    /// English elsewhere (the rule of `systemLanguage` in `ui/src/i18n`). `system_locale` is a
    /// locale name such as `vi_VN.UTF-8` or `en-US`.
    pub fn language_shown(&self, system_locale: &str) -> Language {
        self.language.unwrap_or_else(|| {
            if system_locale.to_lowercase().starts_with("vi") {
                Language::Vi
            } else {
                Language::En
            }
        })
    }
}

/// The system's locale, for [`Preferences::language_shown`]: the messages locale in POSIX order
/// (`LC_ALL`, `LC_MESSAGES`, `LANG`), where WebKitGTK's `navigator.language` comes from too.
pub fn system_locale() -> String {
    ["LC_ALL", "LC_MESSAGES", "LANG"]
        .into_iter()
        .filter_map(|name| std::env::var(name).ok())
        .find(|value| !value.is_empty())
        .unwrap_or_default()
}

/// The saved preferences; defaults when none were saved or the file cannot be read.
pub fn load<R: Runtime>(app: &AppHandle<R>, file: &Path) -> Preferences {
    app.store(file)
        .ok()
        .and_then(|store| store.get(KEY))
        .and_then(|value| serde_json::from_value(value).ok())
        .unwrap_or_default()
}

pub fn save<R: Runtime>(
    app: &AppHandle<R>,
    file: &Path,
    preferences: &Preferences,
) -> CoreResult<()> {
    let store = app
        .store(file)
        .map_err(|err| CoreError::Configuration(format!("Cannot open the settings: {err}")))?;
    store.set(
        KEY,
        serde_json::to_value(preferences).expect("preferences serialize"),
    );
    store
        .save()
        .map_err(|err| CoreError::Configuration(format!("Cannot save the settings: {err}")))
}

/// Remembers the email of a successful sign-in; a failure to save is only logged.
pub fn remember_email<R: Runtime>(app: &AppHandle<R>, file: &Path, email: &str) {
    let mut preferences = load(app, file);
    preferences.last_email = Some(email.to_owned());
    if let Err(err) = save(app, file, &preferences) {
        tracing::warn!(%err, "could not remember the signed-in email");
    }
}
