//! The command layer on `MockRuntime`: the same command table as the app, a real core on a
//! fresh SQLite database, no display.

use std::path::PathBuf;
use std::time::Duration;

use integrations_core::{CoreConfig, CoreError};
use serde_json::{json, Value};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets, MockRuntime};
use tauri::webview::InvokeRequest;
use tauri::{App, Manager, WebviewWindow, WebviewWindowBuilder};

use crate::{with_commands, AppState};

const PASSWORD: &str = "mật khẩu đủ dài 123";

/// A data directory removed when the test ends.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("im-app-test-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn app_with(state: AppState) -> (App<MockRuntime>, WebviewWindow<MockRuntime>) {
    let app = with_commands(mock_builder())
        .manage(state)
        .build(mock_context(noop_assets()))
        .expect("mock app builds");
    let window = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .expect("main window builds");
    (app, window)
}

fn app_on(
    dir: &TempDir,
    access_ttl: Option<Duration>,
) -> (App<MockRuntime>, WebviewWindow<MockRuntime>) {
    let mut config = CoreConfig::standalone(dir.0.clone());
    config.use_keychain = false;
    if let Some(ttl) = access_ttl {
        config.access_ttl = ttl;
    }
    let gateway = integrations_core::gateway_from_env().expect("default provider gateway");
    let core = tauri::async_runtime::block_on(config.open(gateway)).expect("core opens");
    app_with(AppState::new(core))
}

/// Calls a command as the webview would; `Ok` is the JSON answer, `Err` the error payload.
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

fn sign_up(window: &WebviewWindow<MockRuntime>) -> Value {
    call(
        window,
        "sign_up",
        json!({ "tenantName": "Shop thời trang", "email": "chu@shop.vn", "password": PASSWORD }),
    )
    .expect("sign up succeeds")
}

#[test]
fn signing_up_returns_the_account_without_any_secret_and_lists_no_integrations() {
    let dir = TempDir::new();
    let (_app, window) = app_on(&dir, None);

    let account = sign_up(&window);
    assert_eq!(account["tenantName"], "Shop thời trang");
    assert_eq!(account["email"], "chu@shop.vn");
    let text = account.to_string().to_lowercase();
    for secret in ["token", "password", "refresh", "access", PASSWORD] {
        assert!(
            !text.contains(secret),
            "the account JSON holds {secret:?}: {text}"
        );
    }

    assert_eq!(
        call(&window, "current_account", json!({})).unwrap(),
        account
    );
    assert_eq!(
        call(&window, "list_integrations", json!({})).unwrap(),
        json!([])
    );
}

#[test]
fn a_command_without_a_session_answers_unauthenticated() {
    let dir = TempDir::new();
    let (_app, window) = app_on(&dir, None);

    let err = call(&window, "list_integrations", json!({})).unwrap_err();
    assert_eq!(err["code"], "UNAUTHENTICATED");
    assert_eq!(err["message"], "Sign in first.");
    assert_eq!(
        call(&window, "current_account", json!({})).unwrap(),
        Value::Null
    );
}

#[test]
fn signing_out_ends_the_session_and_signing_in_starts_a_new_one() {
    let dir = TempDir::new();
    let (_app, window) = app_on(&dir, None);
    let account = sign_up(&window);

    call(&window, "sign_out", json!({})).unwrap();
    assert_eq!(
        call(&window, "current_account", json!({})).unwrap(),
        Value::Null
    );
    let err = call(&window, "list_integrations", json!({})).unwrap_err();
    assert_eq!(err["code"], "UNAUTHENTICATED");
    // Signing out twice is not an error.
    call(&window, "sign_out", json!({})).unwrap();

    let wrong = json!({ "email": "chu@shop.vn", "password": "not the password" });
    let err = call(&window, "sign_in", wrong).unwrap_err();
    assert_eq!(err["code"], "UNAUTHENTICATED");

    let right = json!({ "email": "chu@shop.vn", "password": PASSWORD });
    assert_eq!(call(&window, "sign_in", right).unwrap(), account);
    assert_eq!(
        call(&window, "list_integrations", json!({})).unwrap(),
        json!([])
    );
}

#[test]
fn an_access_token_about_to_expire_is_refreshed_before_the_command_runs() {
    let dir = TempDir::new();
    // Shorter than the refresh margin: every command must refresh first.
    let (app, window) = app_on(&dir, Some(Duration::from_secs(30)));
    sign_up(&window);

    for _ in 0..3 {
        assert_eq!(
            call(&window, "list_integrations", json!({})).unwrap(),
            json!([])
        );
    }
    let state = app.state::<AppState>();
    let session = tauri::async_runtime::block_on(state.session()).expect("still signed in");
    assert_eq!(session.email(), "chu@shop.vn");
}

#[test]
fn a_core_that_failed_to_open_is_reported_by_every_command() {
    let (_app, window) = app_with(AppState::from_result(Err(CoreError::DatabaseUnavailable)));

    for cmd in ["current_account", "list_integrations", "sign_out"] {
        let err = call(&window, cmd, json!({})).unwrap_err();
        assert_eq!(err["code"], "DATABASE_UNAVAILABLE", "{cmd}");
    }
    let err = call(
        &window,
        "sign_in",
        json!({ "email": "a@b.vn", "password": PASSWORD }),
    )
    .unwrap_err();
    assert_eq!(err["code"], "DATABASE_UNAVAILABLE");
}

#[test]
fn validation_errors_cross_the_boundary_as_code_and_message() {
    let dir = TempDir::new();
    let (_app, window) = app_on(&dir, None);

    let args = json!({ "tenantName": "  ", "email": "chu@shop.vn", "password": PASSWORD });
    let err = call(&window, "sign_up", args).unwrap_err();
    assert_eq!(err["code"], "VALIDATION");
    assert!(
        err["message"].as_str().unwrap().contains("Workspace name"),
        "{err}"
    );
    assert!(err.get("providerCode").is_none());
}
