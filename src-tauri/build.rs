//! tauri-build for the root-level app package: the capabilities live under `src-tauri/`, and
//! every app command is declared here so that it needs an explicit `allow-…` permission.

/// The app's own commands. Each gets `allow-<name>`/`deny-<name>` permissions generated into
/// `gen/`; the webview can only call the ones a capability grants.
const COMMANDS: &[&str] = &[
    "app_status",
    "configure_database",
    "get_preferences",
    "set_preferences",
    "sign_up",
    "sign_in",
    "sign_out",
    "current_account",
    "list_integrations",
    "get_integration",
    "connect_pancake",
    "connect_meta",
    "update_integration",
    "delete_integration",
    "enable_integration",
    "disable_integration",
    "test_connection",
    "connectivity_status",
    "resolve_conflict",
    "sync_now",
    "sync_all",
    "sync_activity",
    "sync_history",
    "analytics_report",
    "export_report",
    "set_time_zone",
    "sync_schedule",
    "set_sync_interval",
];

fn main() {
    // tauri-build only watches tauri.conf.json when a custom pattern is given: without this
    // line, edits to capabilities would not rerun the build script.
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .capabilities_path_pattern("./src-tauri/capabilities/**/*")
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("failed to run tauri-build");
}
