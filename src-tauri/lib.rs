//! Integration Manager's desktop shell: a thin Tauri layer over `integrations_core`.
//!
//! [`run`] starts the real app; [`with_commands`] is the part a `MockRuntime` test reuses, so the
//! tests exercise the same command table as the app.

// The list of operations (`operations!`); `build.rs` includes the same file.
#[macro_use]
mod operations;

mod alerts;
#[cfg(test)]
mod bindings;
mod commands;
mod first_screen;
mod idle;
mod preferences;
mod redact;
mod state;
mod system;
mod tray;
mod updates;

use integrations_core::CoreError;
use tauri::{Builder, Manager, Runtime};

pub use state::{AppState, AppStatus};
pub use updates::{check_log_line, spawn_checks as spawn_update_checks, UpdateSettings, Updates};

/// Registers the app's commands (one per line of `operations.rs`) and the store plugin they
/// use. Each command also needs its `allow-…` permission in `capabilities/default.json` before
/// the webview may call it.
pub fn with_commands<R: Runtime>(builder: Builder<R>) -> Builder<R> {
    builder
        .plugin(tauri_plugin_store::Builder::new().build())
        .invoke_handler(commands::handler())
}

/// The plugins behind About, start at login and updates. The webview gets none of their own
/// commands (the capability grants only ours); the app's commands call them from Rust. The
/// updater needs `plugins.updater` in the configuration (its public key).
pub fn with_system_plugins<R: Runtime>(builder: Builder<R>) -> Builder<R> {
    builder
        .plugin(
            tauri_plugin_autostart::Builder::new()
                .arg(system::AUTOSTART_ARG)
                .build(),
        )
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_updater::Builder::new().build())
}

/// Makes the log directory private (0700) before the log plugin, registered after this one,
/// finds it missing and creates it with the process umask. The log file itself is made by the
/// plugin; inside a directory only its owner can enter, nobody else can open it.
fn private_log_dir<R: Runtime>() -> tauri::plugin::TauriPlugin<R> {
    tauri::plugin::Builder::new("private-log-dir")
        .setup(|app, _api| {
            let dir = app.path().app_log_dir()?;
            integrations_core::private_fs::create_dir_all(&dir)?;
            Ok(())
        })
        .build()
}

/// The private log directory, then the log plugin that writes into it (in this order: the
/// plugin creates a missing directory with the umask).
pub fn with_logging<R: Runtime>(builder: Builder<R>) -> Builder<R> {
    builder.plugin(private_log_dir()).plugin(log_plugin())
}

/// Logs to the platform log directory and stdout, every line passed through [`redact::redact`].
fn log_plugin<R: Runtime>() -> tauri::plugin::TauriPlugin<R> {
    use tauri_plugin_log::{Target, TargetKind};
    tauri_plugin_log::Builder::new()
        .targets([
            Target::new(TargetKind::LogDir { file_name: None }),
            Target::new(TargetKind::Stdout),
        ])
        .level(log::LevelFilter::Info)
        // The updater logs every failed check itself; `updates` already writes one line per
        // check, with the reason, and a background check must stay at one line.
        .level_for("tauri_plugin_updater", log::LevelFilter::Off)
        .format(|out, message, record| {
            out.finish(format_args!(
                "[{}][{}] {}",
                record.level(),
                record.target(),
                redact::redact(&message.to_string())
            ))
        })
        .build()
}

/// Builds and runs the app on any runtime. The core opens while the window and its page start;
/// if that fails the window works anyway and every command reports why.
pub fn run_app<R: Runtime>(builder: Builder<R>, context: tauri::Context<R>) {
    first_screen::process_started();
    // Single-instance first: a second launch focuses the running window instead.
    let builder = builder.plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
        // Also the way back to a window closed into the tray where no tray is shown.
        tray::show_main_window(app);
    }));
    with_logging(with_system_plugins(with_commands(builder)))
        // Size and place are restored, not visibility: the window shows when its first screen
        // is rendered (`first_screen`), or stays in the tray when started at login.
        .plugin(
            tauri_plugin_window_state::Builder::default()
                .with_state_flags(
                    tauri_plugin_window_state::StateFlags::all()
                        - tauri_plugin_window_state::StateFlags::VISIBLE,
                )
                .build(),
        )
        .plugin(tauri_plugin_notification::init())
        // Closing the window keeps the app (and its scheduled syncs) running in the tray;
        // "Quit" in the tray menu ends it.
        .on_window_event(|window, event| {
            if let tauri::WindowEvent::CloseRequested { api, .. } = event {
                if window.label() == "main" && tray::is_installed() {
                    let _ = window.hide();
                    api.prevent_close();
                    if let Some(window) = window.app_handle().get_webview_window("main") {
                        idle::release_web_content(&window);
                    }
                }
            }
        })
        .setup(|app| {
            // The core (database opened and migrated, keys read) opens beside the web view's
            // start instead of before it: the page loads, and its first call waits for the core.
            app.manage(AppState::opening());
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                let started = std::time::Instant::now();
                let inputs = core_inputs(&handle);
                handle.state::<AppState>().finish_opening(inputs).await;
                log::info!("core ready in {} ms", started.elapsed().as_millis());
            });
            app.manage(Updates::new(UpdateSettings::from_env()));
            forward_sync_progress(app.handle().clone());
            end_sessions_ended_elsewhere(app.handle().clone());
            alerts::forward(app.handle().clone());
            if std::env::var_os("INTEGRATIONS_NO_TRAY").is_none() {
                if let Err(err) = tray::install(app.handle()) {
                    // No tray on this desktop: the app still works, closing ends it.
                    log::warn!("no system tray: {err}");
                }
            }
            // Started by the login entry: syncing in the tray, no window in the user's way
            // (the tray or a second launch shows it). Otherwise the window, created hidden,
            // shows once its page has rendered the first screen.
            if system::started_at_login() && tray::is_installed() {
                if let Some(window) = app.get_webview_window("main") {
                    let _ = window.hide();
                    idle::release_web_content(&window);
                }
            } else {
                first_screen::show_when_rendered(app.handle());
            }
            updates::spawn_checks(app.handle().clone(), updates::CHECK_EVERY);
            Ok(())
        })
        .run(context)
        .expect("error while running Integration Manager");
}

/// What the core is opened with: the provider gateway and the configuration (environment,
/// saved database choice, the app's data directory).
fn core_inputs<R: Runtime>(
    app: &tauri::AppHandle<R>,
) -> integrations_core::CoreResult<(
    integrations_core::CoreConfig,
    std::sync::Arc<dyn integrations_core::ProviderGateway>,
)> {
    let providers = integrations_core::gateway_from_env()?;
    let config = state::app_config(|| {
        app.path().app_data_dir().map_err(|err| {
            CoreError::Configuration(format!("The app has no data directory: {err}"))
        })
    })?;
    Ok((config, providers))
}

/// Sends the core's sync progress to the web view as `sync-progress` events (the UI also polls
/// `sync_activity`, so a missed event only delays a bar). Follows the core across a database
/// switch.
fn forward_sync_progress<R: Runtime>(app: tauri::AppHandle<R>) {
    use tauri::Emitter;
    tauri::async_runtime::spawn(async move {
        loop {
            let state = app.state::<AppState>();
            let Ok(core) = state.core().await else {
                tokio::time::sleep(std::time::Duration::from_secs(5)).await;
                continue;
            };
            let mut events = core.subscribe_sync();
            drop(core);
            loop {
                match events.recv().await {
                    Ok(progress) => {
                        let _ = app.emit("sync-progress", progress);
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
                }
            }
        }
    });
}

/// A session the server ended (signed out on another computer, a reuse detected there) comes
/// down with the mirror's pull, which moves the link's snapshot. The window may be hidden in the
/// tray with nobody calling a command: at each move the held session is checked, so the
/// scheduler stops syncing for it at once and the window's pollers find the sign-in screen.
/// Follows the core across a database switch.
fn end_sessions_ended_elsewhere<R: Runtime>(app: tauri::AppHandle<R>) {
    tauri::async_runtime::spawn(async move {
        loop {
            let state = app.state::<AppState>();
            let shared = match state.core().await {
                Ok(core) => core.shared_store(),
                Err(_) => None,
            };
            // The embedded database has no server to end sessions; a join brings a new core.
            let Some(mut snapshots) = shared.map(|shared| shared.subscribe()) else {
                tokio::time::sleep(std::time::Duration::from_secs(5)).await;
                continue;
            };
            // Until the shared store is dropped (another database in use).
            while snapshots.changed().await.is_ok() {
                if state.end_session_ended_elsewhere().await {
                    log::info!("the session was ended on the server; signed out here");
                }
            }
        }
    });
}

pub fn run() {
    without_compositing_by_default();
    run_app(tauri::Builder::default(), tauri::generate_context!());
}

/// WebKitGTK's accelerated compositing sets up OpenGL when the window is first shown: without a
/// GPU (virtual machines, remote desktops, Xvfb) that kept the window empty for 2–4 s (first paint
/// 2.5× a bare WebKit window's), and it holds about 90 MB more in the web process. The UI (forms,
/// tables, SVG charts) has nothing for a GPU to speed up, and finding out whether a usable one is
/// there would cost the very OpenGL setup this avoids, so it is off on every Linux machine unless
/// the environment already sets the variable: WebKit reads the user's value, and
/// `WEBKIT_DISABLE_COMPOSITING_MODE=0` turns compositing back on. Figures: the README's start-up
/// benchmark.
fn without_compositing_by_default() {
    #[cfg(target_os = "linux")]
    {
        const VARIABLE: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";
        if std::env::var_os(VARIABLE).is_none() {
            // Before any thread starts and before WebKit reads it.
            std::env::set_var(VARIABLE, "1");
        }
    }
}

#[cfg(test)]
mod tests;
