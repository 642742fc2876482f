//! The About and start-at-login commands on `MockRuntime`, with the real plugins behind them:
//! the autostart plugin writing (and removing) its login entry, the path resolver naming the
//! log directory.
//!
//! A test binary of its own: start at login writes under `$HOME`, so the process gets a
//! temporary one before any app is built.

use std::path::Path;
use std::sync::OnceLock;

use integration_manager_lib::{with_commands, with_system_plugins, AppState};
use integrations_core::CoreConfig;
use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, MockRuntime};
use tauri::webview::InvokeRequest;
use tauri::{App, Manager, WebviewWindow, WebviewWindowBuilder};

const RUNNING: &str = "0.1.0";

/// One temporary `$HOME` (and XDG directories) for the whole process, set before any test
/// builds an app: the login entry and the log directory land there, not in the real home.
fn isolated_home() -> &'static Path {
    static HOME: OnceLock<tempfile::TempDir> = OnceLock::new();
    HOME.get_or_init(|| {
        let home = tempfile::tempdir().expect("temporary home");
        std::env::set_var("HOME", home.path());
        std::env::set_var("XDG_CONFIG_HOME", home.path().join(".config"));
        std::env::set_var("XDG_DATA_HOME", home.path().join(".local/share"));
        std::env::set_var("XDG_CACHE_HOME", home.path().join(".cache"));
        home
    })
    .path()
}

/// An app with the commands and the system plugins, its data in a temporary directory.
struct Harness {
    app: App<MockRuntime>,
    window: WebviewWindow<MockRuntime>,
    data: tempfile::TempDir,
}

fn harness() -> Harness {
    isolated_home();
    let data = tempfile::tempdir().expect("data dir");
    let mut context = mock_context(noop_assets());
    context.package_info_mut().version = RUNNING.parse().unwrap();
    let mut config = CoreConfig::standalone(data.path().to_path_buf());
    config.use_keychain = false;
    let gateway = integrations_core::gateway_from_env().expect("default provider gateway");
    let state = tauri::async_runtime::block_on(AppState::open(config, gateway));
    let app = with_system_plugins(with_commands(mock_builder()))
        .manage(state)
        .build(context)
        .expect("mock app builds");
    let window = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .expect("main window builds");
    Harness { app, window, data }
}

fn call(window: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
    get_ipc_response(
        window,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: tauri::test::INVOKE_KEY.to_string(),
        },
    )
    .map(|body| body.deserialize::<Value>().expect("JSON answer"))
}

#[test]
fn about_names_the_version_the_commit_and_where_data_and_logs_are() {
    let h = harness();
    let about = call(&h.window, "about", json!({})).unwrap();
    assert_eq!(about["version"], RUNNING);
    assert_eq!(about["commit"], integrations_build_info::COMMIT);
    assert_eq!(about["dataDir"], h.data.path().display().to_string());
    let log_dir = h.app.path().app_log_dir().unwrap();
    assert_eq!(about["logDir"], log_dir.display().to_string());
    assert!(
        log_dir.starts_with(isolated_home()),
        "logs go under the user's home: {log_dir:?}"
    );
}

#[test]
fn the_app_takes_its_version_from_the_workspace_like_the_cli() {
    // tauri.conf.json names no version, so Tauri uses the root package's, which is the
    // workspace's: the one `integrations --version` prints.
    let conf: Value = serde_json::from_str(include_str!("../../tauri.conf.json")).unwrap();
    assert!(
        conf.get("version").is_none(),
        "tauri.conf.json must not set its own version: {:?}",
        conf.get("version")
    );
    assert_eq!(env!("CARGO_PKG_VERSION"), integrations_build_info::VERSION);
}

#[test]
fn start_at_login_is_off_by_default_and_follows_the_setting() {
    let h = harness();
    let entry = isolated_home()
        .join(".config/autostart")
        .join(format!("{}.desktop", h.app.package_info().name));

    assert_eq!(call(&h.window, "get_autostart", json!({})).unwrap(), false);
    assert!(!entry.exists());

    assert_eq!(
        call(&h.window, "set_autostart", json!({ "enabled": true })).unwrap(),
        true
    );
    assert_eq!(call(&h.window, "get_autostart", json!({})).unwrap(), true);
    let desktop = std::fs::read_to_string(&entry).expect("a login entry");
    let exe = std::env::current_exe().unwrap();
    assert!(
        desktop.contains(&format!("Exec={} --autostart", exe.display())),
        "the entry starts this program in the tray: {desktop}"
    );

    assert_eq!(
        call(&h.window, "set_autostart", json!({ "enabled": false })).unwrap(),
        false
    );
    assert_eq!(call(&h.window, "get_autostart", json!({})).unwrap(), false);
    assert!(!entry.exists(), "turning it off removes the entry");
}
