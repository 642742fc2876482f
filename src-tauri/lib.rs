//! Integration Manager's desktop shell: a thin Tauri layer over `integrations_core`.
//!
//! [`run`] starts the real app; [`with_commands`] is the part a `MockRuntime` test reuses, so the
//! tests exercise the same command table as the app.

mod commands;
mod state;

use integrations_core::CoreError;
use tauri::{Builder, Manager, Runtime};

pub use state::AppState;

/// Registers the app's commands. Each also needs an `allow-…` permission (see `build.rs` and
/// `capabilities/default.json`) before the webview may call it.
pub fn with_commands<R: Runtime>(builder: Builder<R>) -> Builder<R> {
    builder.invoke_handler(tauri::generate_handler![
        commands::sign_up,
        commands::sign_in,
        commands::sign_out,
        commands::current_account,
        commands::list_integrations,
    ])
}

/// Builds and runs the app on any runtime. The core is opened before the window shows; if that
/// fails the window opens anyway and every command reports why.
pub fn run_app<R: Runtime>(builder: Builder<R>, context: tauri::Context<R>) {
    with_commands(builder)
        .setup(|app| {
            let handle = app.handle().clone();
            let opened = tauri::async_runtime::block_on(async move {
                let config = state::config_with_data_dir(|| {
                    handle.path().app_data_dir().map_err(|err| {
                        CoreError::Configuration(format!("The app has no data directory: {err}"))
                    })
                })?;
                config.open(integrations_core::gateway_from_env()?).await
            });
            app.manage(AppState::from_result(opened));
            Ok(())
        })
        .run(context)
        .expect("error while running Integration Manager");
}

pub fn run() {
    run_app(tauri::Builder::default(), tauri::generate_context!());
}

#[cfg(test)]
mod tests;
