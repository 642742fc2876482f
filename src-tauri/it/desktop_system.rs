//! The About, start-at-login and update commands on `MockRuntime`, with the real plugins behind
//! them: the autostart plugin writing its login entry, the updater plugin checking a manifest
//! served from 127.0.0.1 by the fake update server, verifying minisign signatures made here
//! with a throwaway key, and installing (the AppImage way, which is what it does with a binary
//! that was not bundled) into a stand-in file, never into this test binary.
//!
//! A test binary of its own: start at login writes under `$HOME`, so the process gets a
//! temporary one before any app is built; and the app's log plugin installs the process's
//! logger, which the command-layer tests keep for their own capture.

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use base64::Engine as _;
use integration_manager_lib::{
    with_commands, with_logging, with_system_plugins, AppState, UpdateSettings, Updates,
};
use integrations_core::CoreConfig;
use integrations_fake_servers::{start_updates, FakeUpdates};
use serde_json::{json, Value};
use tauri::test::{mock_builder, mock_context, noop_assets, MockRuntime};
use tauri::{App, Listener, Manager, WebviewWindow, WebviewWindowBuilder};
use test_ipc::call;

#[path = "../test_ipc.rs"]
mod test_ipc;

const RUNNING: &str = "0.1.0";
const NEWER: &str = "0.2.0";
const NOTES: &str = "Đồng bộ nhanh hơn.\nSửa lỗi hiển thị VND.";

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

/// A minisign key pair as the updater and `tauri signer` write them: base64 of the key box.
struct ReleaseKey {
    public: minisign::PublicKey,
    secret: minisign::SecretKey,
}

impl ReleaseKey {
    fn generate() -> Self {
        let pair = minisign::KeyPair::generate_unencrypted_keypair().expect("key pair");
        Self {
            public: pair.pk,
            secret: pair.sk,
        }
    }

    /// The `plugins.updater.pubkey` value.
    fn pubkey(&self) -> String {
        let boxed = self.public.to_box().expect("public key box").to_string();
        base64::engine::general_purpose::STANDARD.encode(boxed)
    }

    /// The manifest's `signature`: bound to `version` in the trusted comment, as `tauri build`
    /// signs.
    fn sign(&self, bytes: &[u8], version: &str) -> String {
        let comment =
            format!("timestamp:1767225600\tfile:integration-manager.AppImage\tversion:{version}");
        let signature = minisign::sign(
            Some(&self.public),
            &self.secret,
            Cursor::new(bytes),
            Some(&comment),
            None,
        )
        .expect("signature");
        base64::engine::general_purpose::STANDARD.encode(signature.to_string())
    }
}

/// Bytes the AppImage installer accepts (an ELF header, more than 52 bytes).
fn app_image(label: &str) -> Vec<u8> {
    let mut bytes = b"\x7fELF\x02\x01\x01".to_vec();
    bytes.extend(format!(" Integration Manager {label} ").bytes());
    bytes.resize(4096, b'.');
    bytes
}

fn manifest(fake: &FakeUpdates, version: &str, bundle: &str, signature: String) -> Value {
    let target = tauri_plugin_updater::target().expect("a platform the updater knows");
    json!({
        "version": version,
        "notes": NOTES,
        "pub_date": "2026-01-01T00:00:00Z",
        "platforms": { target: { "url": fake.bundle_url(bundle), "signature": signature } },
    })
}

/// An app with the commands and the system plugins, trusting `key`, checking `endpoints`
/// (`None`: none configured), installing into `installed`.
struct Harness {
    app: App<MockRuntime>,
    window: WebviewWindow<MockRuntime>,
    _data: tempfile::TempDir,
}

fn harness(key: &ReleaseKey, endpoints: Option<Vec<String>>, installed: Option<&Path>) -> Harness {
    isolated_home();
    let data = tempfile::tempdir().expect("data dir");
    let mut context = mock_context(noop_assets());
    context.package_info_mut().version = RUNNING.parse().unwrap();
    context.config_mut().plugins.0.insert(
        "updater".into(),
        json!({ "pubkey": key.pubkey(), "endpoints": [], "requireSignedVersion": true }),
    );
    let mut config = CoreConfig::standalone(data.path().to_path_buf());
    config.use_keychain = false;
    let gateway = integrations_core::gateway_from_env().expect("default provider gateway");
    let state = tauri::async_runtime::block_on(AppState::open(config, gateway));
    let settings = UpdateSettings {
        endpoints: Some(
            endpoints
                .unwrap_or_default()
                .iter()
                .map(|url| url.parse().expect("endpoint URL"))
                .collect(),
        ),
        executable_path: installed.map(Path::to_path_buf),
    };
    let app = with_system_plugins(with_commands(mock_builder()))
        .manage(state)
        .manage(Updates::new(settings))
        .build(context)
        .expect("mock app builds");
    let window = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .expect("main window builds");
    Harness {
        app,
        window,
        _data: data,
    }
}

fn fake_updates() -> FakeUpdates {
    tauri::async_runtime::block_on(start_updates()).expect("fake update server")
}

/// The file an install replaces, holding the running version's bytes.
fn installed_app() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("install dir");
    let path = dir.path().join("Integration Manager.AppImage");
    std::fs::write(&path, app_image(RUNNING)).unwrap();
    (dir, path)
}

/// An app trusting `key` that checks `fake` for updates (nothing installed to replace).
fn checking(key: &ReleaseKey, fake: &FakeUpdates) -> Harness {
    harness(key, Some(vec![fake.manifest_url()]), None)
}

/// The server offers `version`: `served` as the bundle, with `signature`.
fn offer(fake: &FakeUpdates, version: &str, served: Vec<u8>, signature: String) {
    fake.serve_bundle("new.AppImage", served);
    fake.serve_manifest(Some(manifest(fake, version, "new.AppImage", signature)));
}

/// The server offers the newer version, signed with `key`; its bundle.
fn offer_signed_newer(key: &ReleaseKey, fake: &FakeUpdates) -> Vec<u8> {
    let bundle = app_image(NEWER);
    offer(fake, NEWER, bundle.clone(), key.sign(&bundle, NEWER));
    bundle
}

/// An app checking a server that offers the newer version, signed with the key it trusts.
fn checking_a_signed_newer_version() -> (FakeUpdates, Harness) {
    let key = ReleaseKey::generate();
    let fake = fake_updates();
    offer_signed_newer(&key, &fake);
    let h = checking(&key, &fake);
    (fake, h)
}

/// An installed app trusting `key` checks `fake` and installs what it offers: the install is
/// refused as invalid and the installed file still holds the running version. The error, and
/// the app for more questions.
#[track_caller]
fn refused_install(key: &ReleaseKey, fake: &FakeUpdates) -> (Value, Harness) {
    let (_dir, installed) = installed_app();
    let h = harness(key, Some(vec![fake.manifest_url()]), Some(&installed));
    call(&h.window, "check_for_update", json!({})).unwrap();
    let err = call(&h.window, "install_update", json!({})).unwrap_err();
    assert_eq!(err["code"], "VALIDATION");
    assert_eq!(std::fs::read(&installed).unwrap(), app_image(RUNNING));
    (err, h)
}

#[test]
fn about_names_the_version_the_commit_and_where_data_and_logs_are() {
    let key = ReleaseKey::generate();
    let h = harness(&key, None, None);
    let about = call(&h.window, "about", json!({})).unwrap();
    assert_eq!(about["version"], RUNNING);
    assert_eq!(about["commit"], integrations_build_info::COMMIT);
    assert_eq!(about["dataDir"], h._data.path().display().to_string());
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
    let key = ReleaseKey::generate();
    let h = harness(&key, None, None);
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

#[test]
fn a_signed_newer_version_is_offered_with_its_release_notes() {
    let (fake, h) = checking_a_signed_newer_version();

    assert_eq!(
        call(&h.window, "available_update", json!({})).unwrap(),
        Value::Null
    );
    let offered = call(&h.window, "check_for_update", json!({})).unwrap();
    assert_eq!(offered["version"], NEWER);
    assert_eq!(offered["currentVersion"], RUNNING);
    assert_eq!(offered["notes"], NOTES);
    assert_eq!(offered["date"], "2026-01-01T00:00:00Z");
    assert_eq!(fake.manifest_requests(), 1);
    // Remembered, without asking the server again.
    assert_eq!(
        call(&h.window, "available_update", json!({})).unwrap(),
        offered
    );
    assert_eq!(fake.manifest_requests(), 1);
}

#[test]
fn nothing_is_offered_when_the_server_has_no_newer_version() {
    let key = ReleaseKey::generate();
    let fake = fake_updates();
    let h = checking(&key, &fake);

    // 204 No Content: no update.
    assert_eq!(
        call(&h.window, "check_for_update", json!({})).unwrap(),
        Value::Null
    );
    // The same version as the running one: no update either.
    let bundle = app_image(RUNNING);
    offer(&fake, RUNNING, bundle.clone(), key.sign(&bundle, RUNNING));
    assert_eq!(
        call(&h.window, "check_for_update", json!({})).unwrap(),
        Value::Null
    );
    assert_eq!(
        call(&h.window, "available_update", json!({})).unwrap(),
        Value::Null
    );
    let err = call(&h.window, "install_update", json!({})).unwrap_err();
    assert_eq!(err["code"], "VALIDATION");
    assert_eq!(
        err["message"],
        "No update is waiting to be installed: check for updates first."
    );
}

#[test]
fn a_correctly_signed_update_is_accepted_and_installed() {
    let key = ReleaseKey::generate();
    let fake = fake_updates();
    let bundle = offer_signed_newer(&key, &fake);
    let (_dir, installed) = installed_app();
    let h = harness(&key, Some(vec![fake.manifest_url()]), Some(&installed));
    let progress = std::sync::Arc::new(std::sync::Mutex::new(Vec::<Value>::new()));
    let seen = progress.clone();
    h.app.listen_any("update-progress", move |event| {
        seen.lock()
            .unwrap()
            .push(serde_json::from_str(event.payload()).unwrap());
    });

    call(&h.window, "check_for_update", json!({})).unwrap();
    assert_eq!(call(&h.window, "install_update", json!({})).unwrap(), NEWER);

    assert_eq!(
        std::fs::read(&installed).unwrap(),
        bundle,
        "the new version is in place"
    );
    let last = progress
        .lock()
        .unwrap()
        .last()
        .cloned()
        .expect("download progress");
    assert_eq!(last["downloaded"], bundle.len());
}

#[test]
fn a_tampered_bundle_is_refused_and_the_running_version_stays() {
    let key = ReleaseKey::generate();
    let fake = fake_updates();
    let genuine = app_image(NEWER);
    let mut tampered = genuine.clone();
    tampered[100] ^= 0x01;
    offer(&fake, NEWER, tampered, key.sign(&genuine, NEWER));

    let (err, h) = refused_install(&key, &fake);
    assert_eq!(
        err["message"],
        "The update to version 0.2.0 was refused: its signature is not the release key's, so \
         the download may have been tampered with. Nothing was installed; version 0.1.0 keeps \
         running."
    );
    assert!(call(&h.window, "restart_app", json!({})).is_err());
}

#[test]
fn an_update_signed_with_another_key_is_refused() {
    let trusted = ReleaseKey::generate();
    let stranger = ReleaseKey::generate();
    let fake = fake_updates();
    offer_signed_newer(&stranger, &fake);

    let (err, _h) = refused_install(&trusted, &fake);
    let message = err["message"].as_str().unwrap();
    assert!(
        message.contains("its signature is not the release key's")
            && message.contains("Nothing was installed"),
        "{message}"
    );
}

#[test]
fn a_signature_that_is_not_a_signature_is_refused() {
    let key = ReleaseKey::generate();
    let fake = fake_updates();
    offer(
        &fake,
        NEWER,
        app_image(NEWER),
        "bm90IGEgc2lnbmF0dXJl".into(),
    );

    let (err, _h) = refused_install(&key, &fake);
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .contains("its signature is not the release key's"),
        "{err}"
    );
}

#[test]
fn an_older_release_announced_under_a_new_version_number_is_refused() {
    // A forged manifest pairing "0.2.0" with a genuine, signed, older bundle: the signature
    // names the version it was made for.
    let key = ReleaseKey::generate();
    let fake = fake_updates();
    let old = app_image("0.0.9");
    offer(&fake, NEWER, old.clone(), key.sign(&old, "0.0.9"));

    let (err, _h) = refused_install(&key, &fake);
    assert_eq!(
        err["message"],
        "The update to version 0.2.0 was refused: it was signed for version 0.0.9, not the \
         version announced. Nothing was installed; version 0.1.0 keeps running."
    );
}

#[test]
fn with_no_endpoint_the_check_fails_quietly_with_one_line() {
    let key = ReleaseKey::generate();
    let h = harness(&key, None, None);
    let updates = h.app.state::<Updates>();
    let result = tauri::async_runtime::block_on(updates.check(h.app.handle()));
    let line = integration_manager_lib::check_log_line(&result);
    assert_eq!(
        line,
        "update check failed: No update address is set, so updates are not checked."
    );
    assert_eq!(line.lines().count(), 1);
    let err = call(&h.window, "check_for_update", json!({})).unwrap_err();
    assert_eq!(err["code"], "CONFIGURATION");
}

#[test]
fn offline_the_check_fails_naming_the_server_it_could_not_reach() {
    let key = ReleaseKey::generate();
    // A port nobody listens on: bound, then closed.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/latest.json", closed.local_addr().unwrap());
    drop(closed);
    let h = harness(&key, Some(vec![url]), None);

    let updates = h.app.state::<Updates>();
    let result = tauri::async_runtime::block_on(updates.check(h.app.handle()));
    let line = integration_manager_lib::check_log_line(&result);
    assert_eq!(
        line,
        "update check failed: Could not reach the update server: 127.0.0.1 could not be \
         reached (offline?)."
    );
    let err = call(&h.window, "check_for_update", json!({})).unwrap_err();
    assert_eq!(err["code"], "OFFLINE");
    assert_eq!(
        call(&h.window, "available_update", json!({})).unwrap(),
        Value::Null
    );
}

#[test]
fn the_app_checks_at_start_and_again_after_each_interval_and_tells_the_window() {
    let (fake, h) = checking_a_signed_newer_version();
    let (told, heard) = std::sync::mpsc::channel::<Value>();
    h.app.listen_any("update-available", move |event| {
        let _ = told.send(serde_json::from_str(event.payload()).unwrap());
    });

    integration_manager_lib::spawn_update_checks(h.app.handle().clone(), Duration::from_millis(50));

    let first = heard
        .recv_timeout(Duration::from_secs(20))
        .expect("the check at start");
    assert_eq!(first["version"], NEWER);
    assert_eq!(first["notes"], NOTES);
    let second = heard
        .recv_timeout(Duration::from_secs(20))
        .expect("the next check");
    assert_eq!(second, first);
    assert!(fake.manifest_requests() >= 2, "each check asked the server");
}

#[test]
fn restarting_is_refused_until_an_update_was_installed() {
    let key = ReleaseKey::generate();
    let h = harness(&key, None, None);
    let err = call(&h.window, "restart_app", json!({})).unwrap_err();
    assert_eq!(err["code"], "VALIDATION");
    assert_eq!(
        err["message"],
        "Restart the app only after installing an update."
    );
}

#[cfg(unix)]
#[test]
fn the_app_log_directory_is_private_although_the_log_plugin_creates_what_is_missing() {
    use std::os::unix::fs::PermissionsExt;
    use tauri::utils::config::AppDirectoriesOverride;
    let dir = tempfile::tempdir().expect("temporary directory");
    let root = dir.path().join("app");
    let mut context = mock_context(noop_assets());
    context.config_mut().app.app_directories_override =
        Some(AppDirectoriesOverride::Root(root.clone()));
    // The app's own logging, as `run_app` registers it: the log plugin alone would create the
    // missing directories with the process umask (0755 under the usual 022).
    let app = with_logging(mock_builder())
        .build(context)
        .expect("mock app builds");
    let logs = app.path().app_log_dir().unwrap();
    assert_eq!(logs, root.join("logs"));
    log::info!("a line for the private log directory");
    assert!(
        std::fs::read_dir(&logs).unwrap().next().is_some(),
        "the log plugin writes its file into {}",
        logs.display()
    );
    for made in [&root, &logs] {
        let mode = std::fs::metadata(made).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700, "{} is {mode:o}", made.display());
    }
}
