//! The command layer on `MockRuntime`: the same command table as the app, a real core on a
//! fresh SQLite database, no display.

use std::path::PathBuf;
use std::time::Duration;

use integrations_core::{CoreConfig, CoreError};
use serde_json::{json, Value};
use tauri::test::{mock_builder, mock_context, noop_assets, MockRuntime};
use tauri::{App, Manager, WebviewWindow, WebviewWindowBuilder};

use crate::{with_commands, AppState};

#[path = "test_ipc.rs"]
mod test_ipc;
use test_ipc::call;

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
    let state = tauri::async_runtime::block_on(AppState::open(config, gateway));
    app_with(state)
}

fn sign_up(window: &WebviewWindow<MockRuntime>) -> Value {
    call(
        window,
        "sign_up",
        json!({ "tenantName": "Shop thời trang", "email": "chu@shop.vn", "password": PASSWORD }),
    )
    .expect("sign up succeeds")
}

/// An app on its own database with the owner signed up.
fn signed_up_app(dir: &TempDir) -> (App<MockRuntime>, WebviewWindow<MockRuntime>) {
    let (app, window) = app_on(dir, None);
    sign_up(&window);
    (app, window)
}

/// An app switched to shared mode on the server at `url` with a new master key; what
/// `configure_database` answered.
fn app_on_server(
    dir: &TempDir,
    url: &str,
) -> (App<MockRuntime>, WebviewWindow<MockRuntime>, Value) {
    let (app, window) = app_on(dir, None);
    let key = integrations_core::crypto::MasterKey::generate().to_base64();
    let args = json!({ "postgresUrl": url, "masterKey": key.as_str() });
    let status = call(&window, "configure_database", args).unwrap();
    (app, window, status)
}

/// The integrations the signed-in workspace lists.
fn integrations(window: &WebviewWindow<MockRuntime>) -> Value {
    call(window, "list_integrations", json!({})).unwrap()
}

/// Connects the Pancake store of the fakes' "one-shop" key; what the command answered.
fn connect_one_shop(window: &WebviewWindow<MockRuntime>) -> Value {
    call(
        window,
        "connect_pancake",
        json!({ "apiKey": "one-shop:SECRET-KEY-1234", "description": null, "shopId": null }),
    )
    .unwrap()
}

/// Turns real-time orders of the store `id` on or off.
fn set_realtime_orders(
    window: &WebviewWindow<MockRuntime>,
    id: &str,
    enabled: bool,
) -> Result<Value, Value> {
    call(
        window,
        "set_realtime_orders",
        json!({ "id": id, "enabled": enabled }),
    )
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
    assert_eq!(integrations(&window), json!([]));
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
    assert_eq!(integrations(&window), json!([]));
}

#[test]
fn an_access_token_about_to_expire_is_refreshed_before_the_command_runs() {
    let dir = TempDir::new();
    // Shorter than the refresh margin: every command must refresh first.
    let (app, window) = app_on(&dir, Some(Duration::from_secs(30)));
    sign_up(&window);

    for _ in 0..3 {
        assert_eq!(integrations(&window), json!([]));
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
fn the_first_calls_made_while_the_core_opens_wait_for_it_and_answer_from_it() {
    let dir = TempDir::new();
    let (app, window) = app_with(AppState::opening());
    let (answers, answered) = std::sync::mpsc::channel();
    let page = std::thread::spawn(move || {
        for cmd in ["app_status", "current_account"] {
            answers.send((cmd, call(&window, cmd, json!({})))).unwrap();
        }
    });
    // Nothing answers before the core is open (an answer now would be a "still starting"
    // error, or a status without the data directory).
    assert!(
        answered.recv_timeout(Duration::from_millis(300)).is_err(),
        "a call answered before the core was open"
    );

    let mut config = CoreConfig::standalone(dir.0.clone());
    config.use_keychain = false;
    let gateway = integrations_core::gateway_from_env().expect("default provider gateway");
    tauri::async_runtime::block_on(
        app.state::<AppState>()
            .finish_opening(Ok((config, gateway))),
    );

    let (cmd, status) = answered.recv().unwrap();
    assert_eq!(cmd, "app_status");
    let status = status.expect("app_status answers once the core is open");
    assert_eq!(status["dataDir"], dir.0.display().to_string());
    assert_eq!(status["coreError"], Value::Null);
    let (cmd, account) = answered.recv().unwrap();
    assert_eq!(cmd, "current_account");
    assert_eq!(account, Ok(Value::Null), "nobody is signed in yet");
    page.join().unwrap();
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

/// An app whose core talks to fake Pancake and Graph servers through the real clients.
fn app_with_fakes(
    dir: &TempDir,
) -> (
    App<MockRuntime>,
    WebviewWindow<MockRuntime>,
    integrations_fake_servers::FakePancake,
    integrations_fake_servers::FakeMeta,
) {
    let (pancake, meta) =
        tauri::async_runtime::block_on(common::start_fakes(common::a_little_data()));
    let providers = common::clients_for(&pancake, &meta, Default::default());
    let mut core_config = CoreConfig::standalone(dir.0.clone());
    core_config.use_keychain = false;
    let state =
        tauri::async_runtime::block_on(AppState::open(core_config, std::sync::Arc::new(providers)));
    let (app, window) = app_with(state);
    (app, window, pancake, meta)
}

#[test]
fn every_integration_operation_runs_through_the_command_layer_without_echoing_secrets() {
    let dir = TempDir::new();
    let (_app, window, _pancake, _meta) = app_with_fakes(&dir);
    let status = call(&window, "app_status", json!({})).unwrap();
    assert_eq!(status["mode"], "standalone");
    assert_eq!(status["coreError"], Value::Null);
    sign_up(&window);
    let mut transcript = String::new();

    let one = connect_one_shop(&window);
    assert_eq!(one["outcome"], "created");
    assert_eq!(one["integration"]["name"], "Shop thời trang");
    let id = one["integration"]["id"].as_str().unwrap().to_owned();
    transcript.push_str(&one.to_string());

    let several = call(
        &window,
        "connect_pancake",
        json!({ "apiKey": "three-shops", "description": "Chi nhánh", "shopId": null }),
    )
    .unwrap();
    assert_eq!(several["outcome"], "chooseShop");
    assert_eq!(several["shops"][0]["alreadyConnected"], true);
    let chosen = call(
        &window,
        "connect_pancake",
        json!({ "apiKey": "three-shops", "description": "Chi nhánh", "shopId": "7012345" }),
    )
    .unwrap();
    assert_eq!(chosen["integration"]["name"], "Mỹ phẩm Hà Nội");

    let tested = call(&window, "test_connection", json!({ "id": id })).unwrap();
    assert_eq!(tested["success"], true);
    assert_eq!(tested["integration"]["status"], "ACTIVE");
    transcript.push_str(&tested.to_string());

    let version = tested["integration"]["version"].as_i64().unwrap();
    let update = json!({ "id": id, "update": {
        "name": "Shop thời trang Q1", "description": null,
        "secret": "one-shop:NEW-SECRET-5678", "expectedVersion": version } });
    let updated = call(&window, "update_integration", update.clone()).unwrap();
    assert_eq!(updated["name"], "Shop thời trang Q1");
    assert_eq!(updated["description"], Value::Null);
    assert_eq!(updated["status"], "PENDING");
    transcript.push_str(&updated.to_string());
    let stale = call(&window, "update_integration", update).unwrap_err();
    assert_eq!(stale["code"], "STALE_EDIT");

    let wrong_config = json!({ "id": id, "update": { "adAccountId": "act_1" } });
    let err = call(&window, "update_integration", wrong_config).unwrap_err();
    assert_eq!(err["code"], "VALIDATION");

    assert_eq!(
        call(&window, "enable_integration", json!({ "id": id })).unwrap()["enabled"],
        true
    );
    assert_eq!(
        call(&window, "disable_integration", json!({ "id": id })).unwrap()["status"],
        "DISABLED"
    );

    let meta = call(
        &window,
        "connect_meta",
        json!({ "accessToken": "meta-one-account", "description": null, "adAccountId": null }),
    )
    .unwrap();
    assert_eq!(
        meta["integration"]["config"]["adAccountId"],
        "act_1234567890"
    );

    call(&window, "delete_integration", json!({ "id": id })).unwrap();
    let gone = call(&window, "get_integration", json!({ "id": id })).unwrap_err();
    assert_eq!(gone["code"], "NOT_FOUND");
    let listed = integrations(&window);
    assert_eq!(listed.as_array().unwrap().len(), 2);
    transcript.push_str(&listed.to_string());

    for secret in ["SECRET-KEY-1234", "NEW-SECRET-5678", PASSWORD] {
        assert!(
            !transcript.contains(secret),
            "{secret} came back to the webview"
        );
    }
}

#[test]
fn preferences_round_trip_and_remember_the_last_email() {
    let dir = TempDir::new();
    let (_app, window) = signed_up_app(&dir);
    let saved = call(
        &window,
        "set_preferences",
        json!({ "preferences": { "language": "vi", "theme": "dark", "lastEmail": "chu@shop.vn" } }),
    )
    .unwrap();
    assert_eq!(saved["language"], "vi");
    assert_eq!(saved["theme"], "dark");
    let loaded = call(&window, "get_preferences", json!({})).unwrap();
    assert_eq!(loaded, saved);
    let bad = call(
        &window,
        "set_preferences",
        json!({ "preferences": { "language": "fr", "theme": "dark" } }),
    );
    assert!(bad.is_err(), "an unknown language is refused");
}

#[test]
fn a_database_that_cannot_be_opened_is_refused_and_changes_nothing() {
    let dir = TempDir::new();
    let (_app, window) = app_on(&dir, None);
    assert_eq!(
        call(&window, "app_status", json!({})).unwrap()["firstRun"],
        true
    );
    sign_up(&window);

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let key = integrations_core::crypto::MasterKey::generate().to_base64();
    let args = json!({
        "postgresUrl": format!("postgres://app:SECRET-PW@127.0.0.1:{port}/integrations"),
        "masterKey": key.as_str(),
    });
    let err = call(&window, "configure_database", args).unwrap_err();
    assert_eq!(err["code"], "DATABASE_UNAVAILABLE");
    assert!(!err.to_string().contains("SECRET-PW"));
    // Still on the embedded database, still signed in.
    let status = call(&window, "app_status", json!({})).unwrap();
    assert_eq!(status["mode"], "standalone");
    assert_eq!(integrations(&window), json!([]));
    let bad = json!({ "postgresUrl": "mysql://x", "masterKey": null });
    assert_eq!(
        call(&window, "configure_database", bad).unwrap_err()["code"],
        "VALIDATION"
    );
    // Choosing the embedded database explicitly keeps the data and saves the choice.
    let embedded = json!({ "postgresUrl": null, "masterKey": null });
    let status = call(&window, "configure_database", embedded).unwrap();
    assert_eq!(status["mode"], "standalone");
    assert_eq!(status["firstRun"], false);
    assert!(dir.0.join("database.json").exists());
}

/// What a start of the app on `dir` shows first: the first-run question or not.
fn first_run_at_start(dir: &TempDir) -> Value {
    let (_app, window) = app_on(dir, None);
    call(&window, "app_status", json!({})).unwrap()["firstRun"].clone()
}

/// The app quit on the first-run screen (not closed to the tray) has answered nothing: the next
/// start asks again, although the first one opened the embedded database. Choosing it ends the
/// question; so does a workspace made in it before any choice was saved.
#[test]
fn quitting_on_the_first_run_screen_asks_again_until_a_database_is_chosen() {
    let dir = TempDir::new();
    assert_eq!(first_run_at_start(&dir), true);
    assert!(dir.0.join("integrations.db").exists());
    assert_eq!(first_run_at_start(&dir), true);
    {
        let (_app, window) = app_on(&dir, None);
        let embedded = json!({ "postgresUrl": null, "masterKey": null });
        let status = call(&window, "configure_database", embedded).unwrap();
        assert_eq!(status["firstRun"], false);
    }
    assert_eq!(first_run_at_start(&dir), false);

    let earlier_install = TempDir::new();
    {
        let (_app, window) = app_on(&earlier_install, None);
        sign_up(&window);
    }
    assert!(!earlier_install.0.join("database.json").exists());
    assert_eq!(first_run_at_start(&earlier_install), false);
}

#[path = "../crates/core/tests/common/mod.rs"]
mod common;
use common::own_postgres;

#[test]
fn standalone_is_never_offline_and_has_no_conflicts() {
    let dir = TempDir::new();
    let (_app, window) = signed_up_app(&dir);
    let status = call(&window, "connectivity_status", json!({})).unwrap();
    assert_eq!(status["mode"], "STANDALONE");
    assert_eq!(status["pending"], json!([]));
    let err = call(
        &window,
        "resolve_conflict",
        json!({ "seq": 1, "keep": "MINE" }),
    )
    .unwrap_err();
    assert_eq!(err["code"], "NOT_FOUND");
}

/// Shared mode through the command layer, on a PostgreSQL the test stops and starts: the
/// background link notices, reads come from the mirror, what needs the server is refused with
/// OFFLINE, an on/off switch is queued and lands when the server returns.
#[test]
fn offline_the_commands_serve_the_mirror_queue_edits_and_refuse_the_rest() {
    use integrations_core::{Credentials, IntegrationConfig, LinkMode, NewIntegration};
    use secrecy::SecretString;

    let pg = tauri::async_runtime::block_on(own_postgres::OwnPostgres::start());
    let dir = TempDir::new();
    let (app, window, status) = app_on_server(&dir, &pg.url());
    assert_eq!(status["mode"], "shared");
    sign_up(&window);

    let core = tauri::async_runtime::block_on(app.state::<AppState>().core()).unwrap();
    let shared = core.shared_store().expect("shared mode");
    let wait_for = |mode: LinkMode| {
        let mut watch = shared.subscribe();
        tauri::async_runtime::block_on(async move {
            tokio::time::timeout(Duration::from_secs(30), watch.wait_for(|s| s.mode == mode))
                .await
                .unwrap_or_else(|_| panic!("never {mode:?}"))
                .map(|_| ())
                .unwrap();
        });
    };
    wait_for(LinkMode::Online);
    let session = tauri::async_runtime::block_on(app.state::<AppState>().session()).unwrap();
    let created = tauri::async_runtime::block_on(core.create_integration(
        &session,
        NewIntegration {
            name: "Shop thời trang".into(),
            description: None,
            credentials: Credentials::pancake(SecretString::from("pk_SECRET-KEY-DO-NOT-LEAK")),
            config: IntegrationConfig::PancakePos {
                shop_id: "6036602".into(),
            },
        },
    ))
    .unwrap();
    let id = created.id.to_string();
    tauri::async_runtime::block_on(core.enable_integration(&session, created.id)).unwrap();
    let online = call(&window, "connectivity_status", json!({})).unwrap();
    assert_eq!(online["mode"], "ONLINE");
    // The link says online before its first pull ends; under load the server could stop before
    // that pull, leaving a mirror that never caught up. The pull the link would run next, run
    // now: what follows is about the commands offline, not the link's timing.
    tauri::async_runtime::block_on(shared.pull(session.tenant_id())).expect("the mirror pulls");

    pg.stop();
    wait_for(LinkMode::Offline);
    let offline = call(&window, "connectivity_status", json!({})).unwrap();
    assert_eq!(offline["mode"], "OFFLINE");
    assert!(offline["mirrorAsOf"].is_string());
    let listed = integrations(&window);
    assert_eq!(listed[0]["name"], "Shop thời trang");
    let refused = call(&window, "delete_integration", json!({ "id": id })).unwrap_err();
    assert_eq!(refused["code"], "OFFLINE");
    let refused = call(&window, "test_connection", json!({ "id": id })).unwrap_err();
    assert_eq!(refused["code"], "OFFLINE");
    let disabled = call(&window, "disable_integration", json!({ "id": id })).unwrap();
    assert_eq!(disabled["enabled"], false);
    let queued = call(&window, "connectivity_status", json!({})).unwrap();
    assert_eq!(queued["pending"][0]["change"], json!({ "enabled": false }));
    assert!(!queued.to_string().contains("SECRET-KEY-DO-NOT-LEAK"));

    pg.start_again();
    wait_for(LinkMode::Online);
    let back = call(&window, "connectivity_status", json!({})).unwrap();
    assert_eq!(back["mode"], "ONLINE");
    assert_eq!(back["pending"], json!([]));
    let on_server = call(&window, "get_integration", json!({ "id": id })).unwrap();
    assert_eq!(on_server["enabled"], false);
    assert_eq!(on_server["status"], "DISABLED");
}

/// The report and its CSV export through the command layer: the query's JSON shape, a clear
/// validation error, and a CSV with a BOM in the export folder, never over an earlier one.
#[test]
fn the_report_and_its_csv_export_run_through_the_command_layer() {
    let dir = TempDir::new();
    let exports = TempDir::new();
    // Only export_report reads it, and only this test calls export_report.
    std::env::set_var("INTEGRATIONS_EXPORT_DIR", &exports.0);
    let (_app, window) = app_on(&dir, None);
    sign_up(&window);
    let query = json!({ "from": "2026-11-01", "to": "2026-11-30", "by": "campaign" });

    let report = call(&window, "report", json!({ "query": query })).unwrap();
    assert_eq!(report["timeZone"], "Asia/Ho_Chi_Minh");
    assert_eq!(report["source"]["kind"], "local");
    assert_eq!(report["totals"]["revenueMinor"], 0);
    assert_eq!(report["rows"], json!([]));

    let first = call(&window, "export_report", json!({ "query": query })).unwrap();
    let second = call(&window, "export_report", json!({ "query": query })).unwrap();
    let first = PathBuf::from(first.as_str().unwrap());
    assert_eq!(first.parent().unwrap(), exports.0);
    assert_ne!(second.as_str().unwrap(), first.to_str().unwrap());
    let csv = std::fs::read_to_string(&first).unwrap();
    assert!(
        csv.starts_with("\u{feff}campaign_id,name,campaign,"),
        "{csv}"
    );

    let account = call(
        &window,
        "set_time_zone",
        json!({ "timeZone": "Asia/Bangkok" }),
    )
    .unwrap();
    assert_eq!(account["timeZone"], "Asia/Bangkok");
    let report = call(&window, "report", json!({ "query": query })).unwrap();
    assert_eq!(
        report["timeZone"], "Asia/Bangkok",
        "the workspace's zone is the default"
    );
    let err = call(&window, "set_time_zone", json!({ "timeZone": "Hà Nội" })).unwrap_err();
    assert_eq!(err["code"], "VALIDATION");

    let reversed = json!({ "from": "2026-11-30", "to": "2026-11-01", "by": "day" });
    let err = call(&window, "report", json!({ "query": reversed })).unwrap_err();
    assert_eq!(err["code"], "VALIDATION");
    assert!(
        err["message"].as_str().unwrap().contains("after it ends"),
        "{err}"
    );
}

/// The Campaigns page's two operations through the command layer: the assignment's JSON shape
/// (camelCase, a tagged choice, shares in basis points) reaches the core, whose rules answer.
#[test]
fn campaign_assignments_run_through_the_command_layer() {
    let dir = TempDir::new();
    let (_app, window) = signed_up_app(&dir);
    assert_eq!(
        call(&window, "list_campaigns", json!({})).unwrap(),
        json!([])
    );

    let store = uuid::Uuid::new_v4();
    let assign = |choice: Value| {
        call(
            &window,
            "assign_campaign",
            json!({ "assignment": { "campaignId": "120210000000100", "choice": choice } }),
        )
    };
    let err = assign(json!({ "kind": "stores", "shares": [
        { "store": store, "basisPoints": 6000 },
        { "store": uuid::Uuid::new_v4(), "basisPoints": 3000 },
    ]}))
    .unwrap_err();
    assert_eq!(err["code"], "VALIDATION");
    assert!(
        err["message"].as_str().unwrap().contains("add up to 90 %"),
        "{err}"
    );
    let err = assign(json!({ "kind": "noStore" })).unwrap_err();
    assert_eq!(err["code"], "NOT_FOUND", "no campaign is synced yet: {err}");
    let err = assign(json!({ "kind": "somewhere" })).unwrap_err();
    assert!(err.to_string().contains("somewhere"), "{err}");
}

/// Every log record of this test binary, kept so a test can prove a secret never reached the
/// log (the core's tracing events become `log` records when no subscriber is installed, as in
/// the app, whose log plugin writes them to disk).
struct CapturedLog(std::sync::Mutex<Vec<String>>);

impl log::Log for CapturedLog {
    fn enabled(&self, _: &log::Metadata) -> bool {
        true
    }
    fn log(&self, record: &log::Record) {
        self.0
            .lock()
            .unwrap()
            .push(format!("{} {}", record.target(), record.args()));
    }
    fn flush(&self) {}
}

fn captured_log() -> &'static CapturedLog {
    static LOG: std::sync::OnceLock<&'static CapturedLog> = std::sync::OnceLock::new();
    LOG.get_or_init(|| {
        let log: &'static CapturedLog =
            Box::leak(Box::new(CapturedLog(std::sync::Mutex::new(Vec::new()))));
        log::set_logger(log).expect("no other logger in the command-layer tests");
        log::set_max_level(log::LevelFilter::Trace);
        log
    })
}

/// The secret parts of a connection code, as they could leak: the code whole, the role's
/// password, the workspace key (base64url, as the code carries it, and standard base64).
fn secrets_of(code: &SecretString) -> Vec<String> {
    use base64::Engine;
    use secrecy::ExposeSecret;
    let parsed = integrations_core::workspace::ConnectionCode::parse(code).unwrap();
    let key = parsed.workspace_key.expose_bytes();
    vec![
        code.expose_secret().to_owned(),
        // The payload alone, should the code be cut at its dots.
        code.expose_secret().split('.').nth(1).unwrap().to_owned(),
        parsed.password.expose_secret().to_owned(),
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key),
        base64::engine::general_purpose::STANDARD.encode(key),
    ]
}

fn files_in(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

use secrecy::SecretString;

/// The desktop's join and leave on a real shared server (`admin init`, a workspace and its
/// code): the window switches to the workspace, its owner signs in with email and password,
/// connects a shop and syncs it as in standalone mode; leaving signs out and takes the code,
/// the key and the mirror off this computer. Neither the code nor its parts reach an answer,
/// an error or the log.
#[test]
fn joining_with_a_code_works_and_syncs_in_the_workspace_and_leaving_leaves_no_trace() {
    let log = captured_log();
    let server = tauri::async_runtime::block_on(common::SharedServer::new());
    let access = tauri::async_runtime::block_on(server.workspace("Shop thời trang", "chu@shop.vn"));
    let secrets = secrets_of(&access.code);
    let dir = TempDir::new();
    let (_app, window, _pancake, _meta) = app_with_fakes(&dir);
    let mut transcript = String::new();
    let before = call(&window, "app_status", json!({})).unwrap();
    assert_eq!(before["firstRun"], true);
    assert_eq!(before["workspace"], Value::Null);

    let joined = call(
        &window,
        "join_workspace",
        json!({ "code": secrecy::ExposeSecret::expose_secret(&access.code) }),
    )
    .unwrap();
    transcript.push_str(&joined.to_string());
    assert_eq!(joined["mode"], "shared");
    assert_eq!(joined["firstRun"], false);
    assert_eq!(joined["coreError"], Value::Null);
    assert_eq!(joined["workspace"]["workspaceName"], "Shop thời trang");
    assert_eq!(
        joined["workspace"]["workspaceId"],
        access.workspace_id.to_string()
    );
    assert_eq!(joined["workspace"]["keyLocation"], "file");
    assert_eq!(
        call(&window, "current_account", json!({})).unwrap(),
        Value::Null
    );

    let account = call(
        &window,
        "sign_in",
        json!({ "email": "chu@shop.vn", "password": "mật khẩu 123" }),
    )
    .unwrap();
    assert_eq!(account["tenantName"], "Shop thời trang");
    assert_eq!(account["tenantId"], access.workspace_id.to_string());
    let connected = connect_one_shop(&window);
    let id = connected["integration"]["id"].as_str().unwrap().to_owned();
    call(&window, "enable_integration", json!({ "id": id })).unwrap();
    call(&window, "sync_now", json!({ "id": id })).unwrap();
    // The in-app scheduler runs it with the workspace's role and key: wait for its run to end.
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    let run = loop {
        let history = call(&window, "sync_history", json!({ "id": id })).unwrap();
        if let Some(run) = history
            .as_array()
            .unwrap()
            .iter()
            .find(|run| run["finishedAt"].is_string())
        {
            break run.clone();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no sync finished: {history}"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    transcript.push_str(&run.to_string());
    assert_eq!(run["outcome"], "SUCCEEDED", "{run}");
    assert!(run["counts"]["orders"].as_i64().unwrap() > 0, "{run}");

    // Joining again while joined is refused: Settings leaves first.
    let again = call(
        &window,
        "join_workspace",
        json!({ "code": secrecy::ExposeSecret::expose_secret(&access.code) }),
    )
    .unwrap_err();
    assert_eq!(again["code"], "VALIDATION");
    transcript.push_str(&again.to_string());
    assert!(files_in(&dir.0)
        .iter()
        .any(|name| name.starts_with("mirror-")));

    let left = call(&window, "leave_workspace", json!({})).unwrap();
    transcript.push_str(&left.to_string());
    assert_eq!(left["mode"], "standalone");
    assert_eq!(left["workspace"], Value::Null);
    // This computer never chose a database of its own: it asks again.
    assert_eq!(left["firstRun"], true);
    assert_eq!(
        call(&window, "current_account", json!({})).unwrap(),
        Value::Null
    );
    let left_behind: Vec<String> = files_in(&dir.0)
        .into_iter()
        .filter(|name| name.starts_with("mirror-") || name.starts_with("workspace"))
        .collect();
    assert_eq!(left_behind, Vec::<String>::new());
    for file in files_in(&dir.0) {
        let bytes = std::fs::read(dir.0.join(&file)).unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes);
        for secret in &secrets {
            assert!(
                !text.contains(secret.as_str()),
                "{file} keeps a secret of the code"
            );
        }
    }
    let not_joined = call(&window, "leave_workspace", json!({})).unwrap_err();
    assert_eq!(not_joined["code"], "VALIDATION");

    let logged = log.0.lock().unwrap().join("\n");
    for secret in &secrets {
        assert!(
            !transcript.contains(secret.as_str()),
            "an answer holds a secret of the code"
        );
        assert!(
            !logged.contains(secret.as_str()),
            "the log holds a secret of the code"
        );
    }
    drop(_app);
    tauri::async_runtime::block_on(server.cleanup());
}

/// Every way a code can be wrong, through the command layer: a clear code for each (VALIDATION
/// for a damaged code, UNAUTHENTICATED for a revoked or rotated access, DATABASE_UNAVAILABLE for
/// a server that does not answer), nothing kept, the window where it was, and no part of the
/// code in the error or the log.
#[test]
fn a_damaged_revoked_rotated_or_unreachable_code_is_refused_and_changes_nothing() {
    let log = captured_log();
    let server = tauri::async_runtime::block_on(common::SharedServer::new());
    let revoked = tauri::async_runtime::block_on(server.workspace("Shop cũ", "cu@shop.vn"));
    let rotated = tauri::async_runtime::block_on(server.workspace("Shop mới", "moi@shop.vn"));
    tauri::async_runtime::block_on(async {
        server
            .admin
            .revoke_workspace(&revoked.workspace_id.to_string())
            .await
            .unwrap();
        server
            .admin
            .rotate_workspace_access(&rotated.workspace_id.to_string())
            .await
            .unwrap();
    });
    let mut unreachable =
        integrations_core::workspace::ConnectionCode::parse(&rotated.code).unwrap();
    unreachable.server.port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let unreachable = unreachable.encode();
    let text = |code: &SecretString| secrecy::ExposeSecret::expose_secret(code).to_owned();
    let truncated = {
        let whole = text(&revoked.code);
        whole[..whole.len() - 12].to_owned()
    };

    let dir = TempDir::new();
    let (_app, window) = app_on(&dir, None);
    let mut secrets = secrets_of(&revoked.code);
    secrets.extend(secrets_of(&rotated.code));
    secrets.push(truncated.clone());
    let cases = [
        ("not a code at all", "xin chào".to_owned(), "VALIDATION"),
        ("a code cut short", truncated, "VALIDATION"),
        ("a revoked access", text(&revoked.code), "UNAUTHENTICATED"),
        ("a rotated access", text(&rotated.code), "UNAUTHENTICATED"),
        (
            "a server that does not answer",
            text(&unreachable),
            "DATABASE_UNAVAILABLE",
        ),
    ];
    for (what, code, expected) in cases {
        let err = call(&window, "join_workspace", json!({ "code": code })).unwrap_err();
        assert_eq!(err["code"], expected, "{what}: {err}");
        assert!(
            err["message"].as_str().is_some_and(|m| m.len() > 20),
            "{what}: {err}"
        );
        for secret in &secrets {
            assert!(
                !err.to_string().contains(secret.as_str()),
                "{what}: the error quotes the code"
            );
        }
        let status = call(&window, "app_status", json!({})).unwrap();
        assert_eq!(status["firstRun"], true, "{what}");
        assert_eq!(status["mode"], "standalone", "{what}");
        assert_eq!(status["workspace"], Value::Null, "{what}");
        assert!(
            !files_in(&dir.0)
                .iter()
                .any(|name| name.starts_with("workspace") || name.starts_with("mirror-")),
            "{what}: something was kept: {:?}",
            files_in(&dir.0)
        );
    }
    let logged = log.0.lock().unwrap().join("\n");
    assert!(
        logged.contains("joining"),
        "the refused connections are logged (so the capture works)"
    );
    for secret in &secrets {
        assert!(
            !logged.contains(secret.as_str()),
            "the log holds a secret of the code"
        );
    }
    drop(_app);
    tauri::async_runtime::block_on(server.cleanup());
}

/// Ends the window's session on the server (its family revoked there, as a sign-out elsewhere
/// or a detected reuse does) and waits until the mirror's pull has brought that down.
fn revoke_on_server_and_wait_for_the_mirror(app: &App<MockRuntime>, url: &str, account: &Value) {
    let core = tauri::async_runtime::block_on(app.state::<AppState>().core()).unwrap();
    tauri::async_runtime::block_on(async {
        let server = integrations_core::store::PostgresStore::connect(url)
            .await
            .unwrap();
        let tenant: uuid::Uuid = account["tenantId"].as_str().unwrap().parse().unwrap();
        // As the app's own connections do: the workspace chosen for the transaction.
        let mut tx = common::tenant_tx(server.pool(), tenant).await;
        let families: Vec<uuid::Uuid> = sqlx::query_scalar(
            "SELECT DISTINCT family_id FROM refresh_tokens WHERE tenant_id = $1",
        )
        .bind(tenant)
        .fetch_all(&mut *tx)
        .await
        .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(families.len(), 1);
        use integrations_core::store::prelude::*;
        server
            .revoke_refresh_family(tenant, families[0])
            .await
            .unwrap();
        // The link pulls every second while online: wait for the revocation to come down.
        let shared = core.shared_store().unwrap();
        let mut watch = shared.subscribe();
        tokio::time::timeout(Duration::from_secs(30), async {
            loop {
                let mirrored: Option<String> = sqlx::query_scalar(
                    "SELECT max(revoked_at) FROM refresh_tokens WHERE family_id = ?",
                )
                .bind(families[0].to_string())
                .fetch_one(shared.mirror().pool())
                .await
                .unwrap();
                if mirrored.is_some() {
                    break;
                }
                watch.changed().await.unwrap();
            }
        })
        .await
        .expect("the revocation never reached the mirror");
    });
}

/// An app in shared mode on a fresh database of the test server (its URL), with the owner
/// signed up there (the account).
fn signed_up_on_a_fresh_server(
    dir: &TempDir,
) -> (String, App<MockRuntime>, WebviewWindow<MockRuntime>, Value) {
    let url = tauri::async_runtime::block_on(common::fresh_postgres_url());
    let (app, window, _) = app_on_server(dir, &url);
    let account = sign_up(&window);
    (url, app, window, account)
}

/// What the window's scheduler syncs now: the signed-in workspace, or nothing.
fn scheduled(app: &App<MockRuntime>) -> Option<uuid::Uuid> {
    let scope = *app.state::<AppState>().signed_in_tenant().borrow();
    scope.and_then(|scope| scope.tenant)
}

/// A session ended on the server comes down with the mirror's pull, and the window is signed
/// out at its next command although its access token is still fresh; its scheduler stops
/// syncing for it.
#[test]
fn a_session_ended_on_the_server_signs_the_window_out_at_its_next_command() {
    let dir = TempDir::new();
    let (url, app, window, account) = signed_up_on_a_fresh_server(&dir);
    assert_eq!(integrations(&window), json!([]));
    assert!(scheduled(&app).is_some());

    revoke_on_server_and_wait_for_the_mirror(&app, &url, &account);
    let err = call(&window, "list_integrations", json!({})).unwrap_err();
    assert_eq!(err["code"], "UNAUTHENTICATED");
    assert_eq!(
        scheduled(&app),
        None,
        "the scheduler stops with the session"
    );
    assert_eq!(
        call(&window, "current_account", json!({})).unwrap(),
        Value::Null
    );
    drop(app);
}

/// The window may be hidden in the tray, with no command to find out: when the pull brings
/// down the end of its session, the scheduler stops syncing for it by itself, and the window's
/// pollers (sync activity) find nobody signed in, which shows the sign-in screen.
#[test]
fn a_session_ended_on_the_server_stops_the_scheduler_without_waiting_for_a_command() {
    let dir = TempDir::new();
    let (url, app, window, account) = signed_up_on_a_fresh_server(&dir);
    let tenant: uuid::Uuid = account["tenantId"].as_str().unwrap().parse().unwrap();
    assert_eq!(scheduled(&app), Some(tenant));
    super::end_sessions_ended_elsewhere(app.handle().clone());

    let mut scope = app.state::<AppState>().signed_in_tenant();
    revoke_on_server_and_wait_for_the_mirror(&app, &url, &account);
    tauri::async_runtime::block_on(async {
        tokio::time::timeout(Duration::from_secs(30), scope.wait_for(Option::is_none))
            .await
            .expect("the scheduler kept syncing for a session the server ended")
            .map(|_| ())
    })
    .unwrap();
    let err = call(&window, "sync_activity", json!({})).unwrap_err();
    assert_eq!(err["code"], "UNAUTHENTICATED");
    drop(app);
}

/// Records what would be shown, and says when it got something.
struct RecordingSink(tokio::sync::mpsc::UnboundedSender<integrations_core::alerts::Alert>);

#[async_trait::async_trait]
impl crate::alerts::AlertSink for RecordingSink {
    async fn deliver(&self, alert: &integrations_core::alerts::Alert) {
        let _ = self.0.send(alert.clone());
    }
}

/// A new, enabled integration of `session`'s workspace (Meta Ads, or Pancake POS where it has
/// Meta already) whose runs failed, the first 7 hours ago.
fn failing_integration(
    core: &integrations_core::Core,
    store: &integrations_core::store::SqliteStore,
    session: &integrations_core::Session,
    name: &str,
) -> uuid::Uuid {
    use integrations_core::store::{SyncRunRecord, SyncStore};
    // A workspace has one Meta ad account: its second integration is a store.
    let meta = !tauri::async_runtime::block_on(core.list_integrations(session))
        .unwrap()
        .iter()
        .any(|i| i.provider == integrations_core::Provider::MetaAds);
    let integration = if meta {
        common::new_meta(name, "act_1234567890", "EAAB_test")
    } else {
        common::new_pancake(name, "6036602", "pk_test")
    };
    tauri::async_runtime::block_on(async {
        let id = core
            .create_integration(session, integration)
            .await
            .unwrap()
            .id;
        // Only enabled integrations are watched.
        core.enable_integration(session, id).await.unwrap();
        for hours in [7, 1] {
            let started = chrono::Utc::now() - chrono::Duration::hours(hours);
            store
                .insert_run(&SyncRunRecord {
                    id: uuid::Uuid::new_v4(),
                    tenant_id: session.tenant_id(),
                    integration_id: id,
                    trigger: "SCHEDULE".into(),
                    outcome: "FAILED".into(),
                    started_at: started,
                    finished_at: Some(started + chrono::Duration::minutes(1)),
                    counts: Default::default(),
                    error: Some("Meta did not answer (HTTP 503).".into()),
                    error_code: Some("PROVIDER_UPSTREAM_ERROR".into()),
                    worker: "test".into(),
                })
                .await
                .unwrap();
        }
        id
    })
}

/// The notification sink gets each alert of the signed-in workspace once: evaluated again and
/// again, the same episode is not sent twice, and another workspace's alert is not sent here.
/// Ordering proves it without waiting on time: the second alert arrives after every
/// evaluation before it, so anything sent twice (or the other workspace's) would have come
/// first. The app's own scheduler may sync the enabled integrations meanwhile and evaluate the
/// rules itself; whichever evaluation fires an alert, the sink must get it once.
#[test]
fn each_alert_reaches_the_notification_sink_once_and_only_the_signed_in_workspace_s() {
    let dir = TempDir::new();
    let (app, window) = signed_up_app(&dir);
    let state = app.state::<AppState>();
    let core = tauri::async_runtime::block_on(state.core()).unwrap();
    let session = tauri::async_runtime::block_on(state.session()).unwrap();
    let store = tauri::async_runtime::block_on(integrations_core::store::SqliteStore::open(
        &dir.0.join(integrations_core::config::DATABASE_FILE),
    ))
    .unwrap();
    let (sent, mut received) = tokio::sync::mpsc::unbounded_channel();
    let events = core.subscribe_alerts();
    let signed_in = state.signed_in_tenant();
    tauri::async_runtime::spawn(async move {
        crate::alerts::deliver(events, signed_in, &RecordingSink(sent)).await;
    });
    let tenant = session.tenant_id();
    let evaluate = |tenant| {
        tauri::async_runtime::block_on(core.evaluate_alerts(tenant, chrono::Utc::now())).unwrap()
    };

    let mut next_delivered = || {
        tauri::async_runtime::block_on(received.recv())
            .expect("the sink is alive")
            .integration_id
    };

    let first = failing_integration(&core, &store, &session, "Quảng cáo Meta");
    evaluate(tenant);
    assert_eq!(next_delivered(), Some(first));
    assert!(evaluate(tenant).is_empty(), "an open episode fired again");
    assert!(evaluate(tenant).is_empty(), "an open episode fired again");
    let other = tauri::async_runtime::block_on(core.sign_up(
        "Cửa hàng khác",
        "khac@shop.vn",
        &secrecy::SecretString::from(PASSWORD),
    ))
    .unwrap()
    .session;
    failing_integration(&core, &store, &other, "Quảng cáo khác");
    assert_eq!(evaluate(other.tenant_id()).len(), 1);
    let second = failing_integration(&core, &store, &session, "Cửa hàng Quận 1");
    evaluate(tenant);
    assert_eq!(
        next_delivered(),
        Some(second),
        "the first alert sent again, or another workspace's sent here"
    );
    assert!(evaluate(tenant).is_empty(), "an open episode fired again");
    assert!(received.try_recv().is_err(), "sent more than once");

    // The command layer: the list with its count, dismissing, an unknown id.
    let list = call(&window, "alerts", json!({})).unwrap();
    assert_eq!(list["unread"], 2);
    assert_eq!(list["computedOffline"], false);
    let id = list["alerts"][0]["id"].as_str().unwrap().to_owned();
    let dismissed = call(&window, "dismiss_alert", json!({ "id": id })).unwrap();
    assert!(dismissed["dismissedAt"].is_string());
    assert_eq!(call(&window, "alerts", json!({})).unwrap()["unread"], 1);
    let unknown = json!({ "id": uuid::Uuid::new_v4() });
    assert_eq!(
        call(&window, "dismiss_alert", unknown).unwrap_err()["code"],
        "NOT_FOUND"
    );
}

/// *Receive orders in real time* through the command layer on a real shared server: the switch
/// registers the webhook with Pancake (the fake records the `PUT`, with the URL below the
/// server's public address and the secret header), a delivery the server takes shows as the
/// last delivery and in the delivery log (kind, outcome, order id), a refused one too, and
/// turning it off unregisters. No answer holds the secret, the customer's name or phone.
#[test]
fn real_time_orders_register_with_pancake_and_their_deliveries_show_without_secrets() {
    let server = tauri::async_runtime::block_on(common::SharedServer::new());
    let access = tauri::async_runtime::block_on(server.workspace("Shop thời trang", "chu@shop.vn"));
    let dir = TempDir::new();
    let (_app, window, pancake, meta) = app_with_fakes(&dir);
    call(
        &window,
        "join_workspace",
        json!({ "code": secrecy::ExposeSecret::expose_secret(&access.code) }),
    )
    .unwrap();
    call(
        &window,
        "sign_in",
        json!({ "email": "chu@shop.vn", "password": "mật khẩu 123" }),
    )
    .unwrap();
    let connected = connect_one_shop(&window);
    let id = connected["integration"]["id"].as_str().unwrap().to_owned();
    let shop: i64 = connected["integration"]["config"]["shopId"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let mut transcript = String::new();

    // Before the operator sets the server's public address, there is nothing to turn on.
    let before = call(&window, "realtime_orders", json!({ "id": id })).unwrap();
    assert_eq!(before["available"], false, "{before}");
    let refused = set_realtime_orders(&window, &id, true).unwrap_err();
    assert_eq!(refused["code"], "CONFIGURATION", "{refused}");
    assert!(pancake.webhook(shop).is_none(), "nothing reached Pancake");

    tauri::async_runtime::block_on(async {
        let owner = sqlx::PgPool::connect(&server.url).await.unwrap();
        sqlx::query("UPDATE server_identity SET webhook_base_url = 'https://hooks.shop.vn'")
            .execute(&owner)
            .await
            .unwrap();
        owner.close().await;
    });
    let off = call(&window, "realtime_orders", json!({ "id": id })).unwrap();
    assert_eq!(off["available"], true, "{off}");
    assert_eq!(off["enabled"], false, "{off}");
    assert_eq!(off["lastDeliveryAt"], Value::Null);
    assert_eq!(
        call(&window, "webhook_deliveries", json!({ "id": id })).unwrap(),
        json!([])
    );

    let on = set_realtime_orders(&window, &id, true).unwrap();
    transcript.push_str(&on.to_string());
    let url = format!("https://hooks.shop.vn/webhooks/pancake/{id}");
    assert_eq!(on["enabled"], true, "{on}");
    assert_eq!(on["url"], url.as_str());
    assert!(on["registeredAt"].is_string(), "{on}");
    let registered = pancake.webhook(shop).expect("the PUT reached Pancake");
    assert_eq!(registered["webhook_enable"], true);
    assert_eq!(registered["webhook_url"], url.as_str());
    let secret = registered["webhook_headers"]["X-Integrations-Secret"]
        .as_str()
        .expect("the secret header is registered")
        .to_owned();
    assert!(secret.len() >= 32, "a real secret: {secret:?}");

    // The server takes one order and refuses a delivery with a wrong secret.
    let integration: uuid::Uuid = id.parse().unwrap();
    let host_dir = TempDir::new();
    tauri::async_runtime::block_on(async {
        let mut config = CoreConfig::standalone(host_dir.0.clone());
        config.use_keychain = false;
        config.database = integrations_core::DatabaseTarget::Postgres {
            url: server.server_url.clone(),
        };
        config.master_key = Some(SecretString::from(server.master.to_base64().to_string()));
        let providers = common::clients_for(&pancake, &meta, Default::default());
        let host = config.open(std::sync::Arc::new(providers)).await.unwrap();
        let order = json!({
            "id": 4242, "shop_id": shop, "status": 1,
            "inserted_at": "2026-03-01T08:00:00Z", "updated_at": "2026-03-01T09:00:00Z",
            "total_price": 350000, "order_currency": "VND",
            "bill_full_name": "Nguyễn Thị Hồng Nhung", "bill_phone_number": "0912345678",
            "items": [{"variation_id": "v-1", "quantity": 1,
                       "variation_info": {"retail_price": 350000}}]
        })
        .to_string();
        let pending = host
            .authenticate_webhook(integration, Some(secret.as_bytes()))
            .await
            .unwrap()
            .expect("the registered secret is the server's");
        let outcome = host
            .take_webhook_delivery(pending, order.as_bytes())
            .await
            .unwrap();
        assert_eq!(outcome.as_str(), "stored");
        let Err(integrations_core::WebhookRejection::Unauthorized(pending)) = host
            .authenticate_webhook(integration, Some(b"not-the-secret"))
            .await
            .unwrap()
        else {
            panic!("a wrong secret is refused");
        };
        host.log_webhook_refusal(
            pending,
            integrations_core::webhook::DeliveryKind::Unknown,
            integrations_core::webhook::DeliveryOutcome::Unauthorized,
            12,
        )
        .await
        .unwrap();
    });

    let status = call(&window, "realtime_orders", json!({ "id": id })).unwrap();
    transcript.push_str(&status.to_string());
    assert!(status["lastDeliveryAt"].is_string(), "{status}");
    let log = call(
        &window,
        "webhook_deliveries",
        json!({ "id": id, "limit": 10 }),
    )
    .unwrap();
    transcript.push_str(&log.to_string());
    let log = log.as_array().unwrap();
    assert_eq!(log.len(), 2, "{log:?}");
    // Newest first: the refusal, then the order.
    assert_eq!(log[0]["outcome"], "unauthorized");
    assert_eq!(log[1]["outcome"], "stored");
    assert_eq!(log[1]["kind"], "order");
    assert_eq!(log[1]["reference"], "4242");
    assert_eq!(log[1]["integrationId"], id.as_str());
    assert_eq!(log[1]["receivedAt"], status["lastDeliveryAt"]);
    let one = call(
        &window,
        "webhook_deliveries",
        json!({ "id": id, "limit": 1 }),
    )
    .unwrap();
    assert_eq!(one.as_array().unwrap().len(), 1);

    let unregistered = set_realtime_orders(&window, &id, false).unwrap();
    transcript.push_str(&unregistered.to_string());
    assert_eq!(unregistered["enabled"], false, "{unregistered}");
    assert_eq!(unregistered["url"], Value::Null);
    assert_eq!(pancake.webhook(shop).unwrap()["webhook_enable"], false);

    for leak in [
        secret.as_str(),
        "SECRET-KEY-1234",
        "Nguyễn",
        "0912345678",
        "X-Integrations-Secret",
    ] {
        assert!(
            !transcript.contains(leak),
            "an answer holds {leak:?}: {transcript}"
        );
    }
    drop(_app);
    tauri::async_runtime::block_on(server.cleanup());
}

#[test]
fn on_a_computer_on_its_own_real_time_orders_are_unavailable_and_the_log_says_why() {
    let dir = TempDir::new();
    let (_app, window, _pancake, _meta) = app_with_fakes(&dir);
    sign_up(&window);
    let connected = connect_one_shop(&window);
    let id = connected["integration"]["id"].as_str().unwrap().to_owned();
    let status = call(&window, "realtime_orders", json!({ "id": id })).unwrap();
    assert_eq!(status["available"], false, "{status}");
    assert_eq!(status["enabled"], false, "{status}");
    let err = set_realtime_orders(&window, &id, true).unwrap_err();
    assert_eq!(err["code"], "CONFIGURATION", "{err}");
    let err = call(&window, "webhook_deliveries", json!({ "id": id })).unwrap_err();
    assert_eq!(err["code"], "CONFIGURATION", "{err}");
}
