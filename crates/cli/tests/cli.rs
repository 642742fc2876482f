//! The `integrations` binary end to end: real core, real SQLite file (and PostgreSQL), the real
//! Pancake client against the fake Pancake server. Secrets go in on stdin only and never come
//! back out on stdout or stderr.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::{
    create_workspace_args, drop_shared_database, fresh_shared_database, own_postgres,
    owner_connection, Cli, MASTER, PASSWORD,
};
use integrations_fake_servers::{start_meta, start_pancake, FakeConfig, FakeHandle};

use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use sqlx::Connection;

const SECRET_KEY: &str = "one-shop:SECRET-KEY-DO-NOT-LEAK-1234";
const REJECTED_KEY: &str = "rejected:SECRET-KEY-DO-NOT-LEAK-5678";

impl Cli {
    fn fails(&self, args: &[&str], stdin: Option<&str>, exit: i32, code: &str) -> Value {
        let output = self.run(args, stdin);
        assert_eq!(
            output.status.code(),
            Some(exit),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        // The error is one JSON line; debug logs from database threads may still follow it.
        let line = stderr
            .lines()
            .rfind(|line| line.starts_with("{\"error\""))
            .unwrap_or_else(|| panic!("{args:?}: no JSON error line on stderr:\n{stderr}"));
        let error: Value = serde_json::from_str(line).unwrap();
        assert_eq!(error["error"]["code"], code, "{line}");
        assert!(error["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()));
        error
    }

    /// Creates the test's workspace and signs in; answers the account as JSON.
    fn sign_up(&self) -> Value {
        self.sign_up_as("Shop thời trang", "chu@shop.vn")
    }

    /// Creates workspace `tenant` owned by `email` and signs in; answers the account as JSON.
    fn sign_up_as(&self, tenant: &str, email: &str) -> Value {
        let args = ["--json", "sign-up", "--tenant", tenant, "--email", email];
        self.ok_json(&args, Some(PASSWORD))
    }

    /// Runs `worker --once`, which must succeed; answers the runs it printed, one a line.
    fn worker_once(&self) -> Vec<Value> {
        let output = self.run(&["--json", "worker", "--once"], None);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }

    fn assert_no_secret_leaked(&self) {
        let transcript = self.transcript.borrow();
        for secret in ["SECRET-KEY-DO-NOT-LEAK", PASSWORD] {
            assert!(
                !transcript.contains(secret),
                "a secret reached the CLI's output"
            );
        }
    }
}

/// `create` of a Pancake store.
fn create_pancake<'a>(shop: &'a str, name: &'a str) -> Vec<&'a str> {
    create(["PANCAKE_POS", "--shop-id", shop], Some(name))
}

/// `create` of a Meta ad account, named `name` if one is given.
fn create_meta<'a>(ad_account: &'a str, name: Option<&'a str>) -> Vec<&'a str> {
    create(["META_ADS", "--ad-account-id", ad_account], name)
}

fn create<'a>([provider, id_flag, id]: [&'a str; 3], name: Option<&'a str>) -> Vec<&'a str> {
    let mut args = vec!["--json", "create", "--provider", provider, id_flag, id];
    if let Some(name) = name {
        args.extend(["--name", name]);
    }
    args
}

async fn full_flow(cli: Cli) {
    let account = cli.sign_up();
    assert_eq!(account["tenantName"], "Shop thời trang");
    assert_eq!(
        cli.ok_json(&["--json", "current-account"], None)["email"],
        "chu@shop.vn"
    );

    let created = cli.ok_json(
        &create_pancake("6036602", "Shop thời trang"),
        Some(SECRET_KEY),
    );
    let id = created["id"].as_str().unwrap().to_owned();
    for field in [
        "id",
        "name",
        "provider",
        "description",
        "status",
        "enabled",
        "config",
        "createdAt",
        "updatedAt",
        "lastSyncAt",
        "credentialsHint",
    ] {
        assert!(created.get(field).is_some(), "missing {field}: {created}");
    }
    assert!(created.get("credentials").is_none());
    assert_eq!(created["status"], "PENDING");
    assert_eq!(created["enabled"], false);
    assert_eq!(created["config"]["shopId"], "6036602");
    assert_eq!(created["credentialsHint"], "••••1234");

    let listed = cli.ok_json(&["--json", "list"], None);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["name"], "Shop thời trang");

    let tested = cli.ok_json(&["--json", "test", &id], None);
    assert_eq!(tested["success"], true);
    assert_eq!(tested["integration"]["status"], "ACTIVE");

    let enabled = cli.ok_json(&["--json", "enable", &id], None);
    assert_eq!(enabled["enabled"], true);
    assert_eq!(enabled["status"], "PENDING");
    let disabled = cli.ok_json(&["--json", "disable", &id], None);
    assert_eq!(disabled["status"], "DISABLED");

    let version = disabled["version"].as_i64().unwrap().to_string();
    let updated = cli.ok_json(
        &[
            "--json",
            "update",
            &id,
            "--description",
            "Cửa hàng quận 1",
            "--expected-version",
            &version,
        ],
        None,
    );
    assert_eq!(updated["description"], "Cửa hàng quận 1");
    // The same expected version again is a stale edit.
    cli.fails(
        &["update", &id, "--name", "x", "--expected-version", &version],
        None,
        4,
        "STALE_EDIT",
    );

    // An edit opened before a sync finished still saves: the run's outcome is no edit. An
    // edit made in between still makes it stale.
    cli.ok_json(&["--json", "enable", &id], None);
    let opened = cli.ok_json(&["--json", "show", &id], None);
    let opened_version = opened["version"].as_i64().unwrap().to_string();
    let run = cli.ok_json(&["--json", "sync", &id], None);
    assert_eq!(run["outcome"], "SUCCEEDED", "{run}");
    let synced = cli.ok_json(&["--json", "show", &id], None);
    assert_eq!(synced["status"], "ACTIVE");
    assert!(synced["lastSyncAt"].is_string(), "{synced}");
    assert_eq!(synced["version"], opened["version"]);
    let renamed = cli.ok_json(
        &[
            "--json",
            "update",
            &id,
            "--name",
            "Shop thời trang Quận 1",
            "--expected-version",
            &opened_version,
        ],
        None,
    );
    assert_eq!(renamed["name"], "Shop thời trang Quận 1");
    assert_eq!(renamed["lastSyncAt"], synced["lastSyncAt"]);
    cli.fails(
        &[
            "update",
            &id,
            "--description",
            "Sửa từ màn hình cũ",
            "--expected-version",
            &opened_version,
        ],
        None,
        4,
        "STALE_EDIT",
    );

    // A rejected key: the test fails with the provider's code, the error is stored, no secret.
    let other = cli.ok_json(
        &create_pancake("7012345", "Mỹ phẩm Hà Nội"),
        Some(REJECTED_KEY),
    );
    let other_id = other["id"].as_str().unwrap().to_owned();
    let error = cli.fails(&["test", &other_id], None, 6, "PROVIDER_ERROR");
    assert_eq!(error["error"]["providerCode"], "PROVIDER_AUTH_REJECTED");
    let shown = cli.ok_json(&["--json", "show", &other_id], None);
    assert_eq!(shown["status"], "ERROR");
    assert!(shown["lastError"].as_str().unwrap().contains("rejected"));

    // Replacing the secret via stdin fixes it.
    cli.ok_json(
        &["--json", "update", &other_id, "--credentials-stdin"],
        Some("three-shops"),
    );
    assert_eq!(
        cli.ok_json(&["--json", "test", &other_id], None)["success"],
        true
    );

    // Validation, conflict and not-found have their own exit codes.
    cli.fails(
        &create_pancake("abc", "Bad"),
        Some(SECRET_KEY),
        2,
        "VALIDATION",
    );
    cli.fails(
        &create_pancake("6036602", "Again"),
        Some(SECRET_KEY),
        4,
        "CONFLICT",
    );
    cli.ok_json(
        &create_meta("act_1234567890", None),
        Some("meta-one-account"),
    );
    let meta_again = cli.fails(
        &[
            "create",
            "--provider",
            "META_ADS",
            "--ad-account-id",
            "act_1",
        ],
        Some("meta-one-account"),
        4,
        "CONFLICT",
    );
    assert_eq!(
        meta_again["error"]["message"],
        "Integration with provider META_ADS already exists for this tenant"
    );

    let rotation = cli.ok_json(&["--json", "rotate-keys"], None);
    assert_eq!(rotation["keyVersion"], 2);
    assert_eq!(rotation["reencrypted"], 3);
    // Credentials still work after rotation.
    assert_eq!(cli.ok_json(&["--json", "test", &id], None)["success"], true);

    cli.fails(&["delete", &id], None, 2, "VALIDATION");
    cli.ok_json(&["--json", "delete", &id, "--yes"], None);
    cli.fails(&["show", &id], None, 3, "NOT_FOUND");
    cli.fails(
        &["show", &uuid::Uuid::new_v4().to_string()],
        None,
        3,
        "NOT_FOUND",
    );

    // Wrong password and sign-out.
    cli.fails(
        &["sign-in", "--email", "chu@shop.vn"],
        Some("wrong password"),
        5,
        "UNAUTHENTICATED",
    );
    cli.ok_json(
        &["--json", "sign-in", "--email", "chu@shop.vn"],
        Some(PASSWORD),
    );
    cli.ok_json(&["--json", "sign-out"], None);
    cli.fails(&["list"], None, 5, "UNAUTHENTICATED");

    cli.assert_no_secret_leaked();
}

async fn fake_envs() -> (Vec<(String, String)>, FakeHandle, FakeHandle) {
    let config = FakeConfig {
        orders_per_shop: 10,
        days: 3,
        ..FakeConfig::default()
    };
    let pancake = start_pancake(config.clone()).await.unwrap();
    let meta = start_meta(config).await.unwrap();
    let envs = vec![
        ("PANCAKE_POS_BASE_URL".to_owned(), pancake.base_url.clone()),
        ("META_GRAPH_BASE_URL".to_owned(), meta.base_url.clone()),
    ];
    (envs, pancake.handle, meta.handle)
}

#[test]
fn version_prints_the_workspace_version_and_the_commit_it_was_built_from() {
    let cli = Cli::new(Vec::new());
    let output = cli.run(&["--version"], None);
    assert!(output.status.success());
    let stdout = String::from_utf8(output.stdout).unwrap();
    let commit = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()
        .filter(|out| out.status.success())
        .map(|out| String::from_utf8(out.stdout).unwrap().trim().to_owned());
    let commit = match (std::env::var("INTEGRATIONS_COMMIT"), commit) {
        (Ok(named), _) if !named.is_empty() => named,
        (_, Some(head)) => head,
        _ => "unknown".to_owned(),
    };
    assert_eq!(
        stdout,
        format!(
            "integrations {} (commit {commit})\n",
            env!("CARGO_PKG_VERSION")
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_create_and_test_flow_works_on_the_embedded_database() {
    let (envs, _pancake, _meta) = fake_envs().await;
    let cli = Cli::new(envs);
    full_flow(cli).await;
}

/// Each subcommand is named after its operation (`get` runs `get_integration`); the names it had
/// before stay as aliases, answering exactly the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn renamed_subcommands_answer_to_the_operation_name_and_to_the_old_one() {
    let (envs, _pancake, _meta) = fake_envs().await;
    let cli = Cli::new(envs);
    cli.sign_up();
    // The one shop the key reaches, named after it.
    let created = cli.ok_json(
        &["--json", "create", "--provider", "PANCAKE_POS"],
        Some(SECRET_KEY),
    );
    let id = created["id"].as_str().unwrap().to_owned();
    cli.ok_json(&["--json", "enable", &id], None);

    let tested = cli.ok_json(&["--json", "test-connection", &id], None);
    assert_eq!(tested["success"], true);
    assert_eq!(
        cli.ok_json(&["--json", "test", &id], None)["integration"]["id"],
        tested["integration"]["id"]
    );
    let got = cli.ok_json(&["--json", "get", &id], None);
    assert_eq!(got["id"], created["id"]);
    assert_eq!(cli.ok_json(&["--json", "show", &id], None), got);
    let schedule = cli.ok_json(&["--json", "sync-schedule", &id, "--every", "45"], None);
    assert_eq!(schedule["intervalMinutes"], 45);
    assert_eq!(cli.ok_json(&["--json", "schedule", &id], None), schedule);
    let history = cli.ok_json(&["--json", "sync-history", &id], None);
    assert_eq!(history, serde_json::json!([]));
    assert_eq!(cli.ok_json(&["--json", "history", &id], None), history);
    for name in ["resolve-conflict", "resolve"] {
        cli.fails(&[name, "1", "--keep", "mine"], None, 3, "NOT_FOUND");
    }
    cli.fails(
        &["get", &uuid::Uuid::new_v4().to_string()],
        None,
        3,
        "NOT_FOUND",
    );

    // The account operations under the core's names, and the names scripts know them by.
    let account = cli.ok_json(&["--json", "current-account"], None);
    assert_eq!(account["email"], "chu@shop.vn");
    assert_eq!(cli.ok_json(&["--json", "whoami"], None), account);
    let link = cli.ok_json(&["--json", "connectivity-status"], None);
    assert_eq!(link["signedInAs"], "chu@shop.vn");
    let old = cli.ok_json(&["--json", "status"], None);
    for field in [
        "mode",
        "database",
        "connection",
        "online",
        "dataDir",
        "signedInAs",
    ] {
        assert_eq!(old[field], link[field], "{field}");
    }
    for (sign_out, sign_in) in [("sign-out", "sign-in"), ("logout", "login")] {
        assert_eq!(cli.ok_json(&["--json", sign_out], None)["signedOut"], true);
        cli.fails(&["current-account"], None, 5, "UNAUTHENTICATED");
        let back = cli.ok_json(
            &["--json", sign_in, "--email", "chu@shop.vn"],
            Some(PASSWORD),
        );
        assert_eq!(back["tenantId"], account["tenantId"], "{sign_in}");
    }
    let other = cli.ok_json(
        &[
            "--json",
            "signup",
            "--tenant",
            "Cửa hàng khác",
            "--email",
            "ban@shop.vn",
        ],
        Some(PASSWORD),
    );
    assert_eq!(other["tenantName"], "Cửa hàng khác");
    assert_ne!(other["tenantId"], account["tenantId"]);
    assert_eq!(
        cli.ok_json(&["--json", "whoami"], None)["email"],
        "ban@shop.vn"
    );

    let help = cli.run(&["--help"], None);
    let help = String::from_utf8_lossy(&help.stdout);
    for (name, alias) in [
        ("sign-up", "signup"),
        ("sign-in", "login"),
        ("sign-out", "logout"),
        ("current-account", "whoami"),
        ("connectivity-status", "status"),
        ("get", "show"),
        ("test-connection", "test"),
        ("sync-history", "history"),
        ("sync-schedule", "schedule"),
        ("resolve-conflict", "resolve"),
    ] {
        assert!(
            help.lines().any(|line| {
                line.split_whitespace().next() == Some(name)
                    && line.ends_with(&format!("[alias: {alias}]"))
            }),
            "{name} [alias: {alias}] not in:\n{help}"
        );
    }
    cli.assert_no_secret_leaked();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_create_and_test_flow_works_on_shared_postgresql() {
    let (mut envs, _pancake, _meta) = fake_envs().await;
    let (url, name) = fresh_shared_database().await;
    envs.push(("DATABASE_URL".into(), url));
    envs.push(("INTEGRATIONS_MASTER_KEY".into(), MASTER.into()));
    full_flow(Cli::new(envs)).await;
    drop_shared_database(&name).await;
}

#[test]
fn an_unreachable_database_means_offline_with_its_own_exit_code() {
    let port = own_postgres::free_port();
    let cli = Cli::new(vec![
        (
            "DATABASE_URL".into(),
            format!("postgres://u:SECRET-KEY-DO-NOT-LEAK@127.0.0.1:{port}/db"),
        ),
        ("INTEGRATIONS_MASTER_KEY".into(), MASTER.into()),
    ]);
    let status = cli.ok_json(&["--json", "connectivity-status"], None);
    assert_eq!(status["connection"], "OFFLINE");
    assert_eq!(status["online"], false);
    assert!(status["mirrorAsOf"].is_null(), "nothing was ever mirrored");
    cli.fails(
        &["sign-up", "--tenant", "Shop", "--email", "a@shop.vn"],
        Some(PASSWORD),
        7,
        "OFFLINE",
    );
    cli.assert_no_secret_leaked();
}

/// The CLI shares the mirror and the outbox with the app: a real PostgreSQL of the test's own,
/// stopped and started between commands.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_the_cli_reads_the_mirror_queues_edits_and_applies_them_when_the_server_returns() {
    let pg = own_postgres::OwnPostgres::start().await;
    let (mut envs, _pancake, _meta) = fake_envs().await;
    envs.push(("DATABASE_URL".into(), pg.url()));
    envs.push(("INTEGRATIONS_MASTER_KEY".into(), MASTER.into()));
    let cli = Cli::new(envs);
    cli.sign_up();
    let created = cli.ok_json(
        &create_pancake("6036602", "Shop thời trang"),
        Some(SECRET_KEY),
    );
    let id = created["id"].as_str().unwrap().to_owned();
    let online = cli.ok_json(&["--json", "connectivity-status"], None);
    assert_eq!(online["connection"], "ONLINE");
    assert!(online["mirrorAsOf"].is_string());

    pg.stop();
    let offline = cli.ok_json(&["--json", "connectivity-status"], None);
    assert_eq!(offline["connection"], "OFFLINE");
    assert!(offline["mirrorAgeSeconds"].as_i64().is_some());
    let human = cli.run(&["connectivity-status"], None);
    assert!(String::from_utf8_lossy(&human.stdout).contains("OFFLINE"));
    let listed = cli.ok_json(&["--json", "list"], None);
    assert_eq!(listed[0]["name"], "Shop thời trang");
    let disabled = cli.ok_json(&["--json", "disable", &id], None);
    assert_eq!(disabled["status"], "DISABLED");
    cli.fails(
        &create_pancake("7012345", "Mỹ phẩm Hà Nội"),
        Some(SECRET_KEY),
        7,
        "OFFLINE",
    );
    let queued = cli.ok_json(&["--json", "connectivity-status"], None);
    assert_eq!(queued["pending"].as_array().unwrap().len(), 1);

    pg.start_again();
    let back = cli.ok_json(&["--json", "connectivity-status"], None);
    assert_eq!(back["connection"], "ONLINE");
    assert_eq!(back["pending"].as_array().unwrap().len(), 0);
    // Online again, `show` reads the server: the edit queued offline is there.
    let shown = cli.ok_json(&["--json", "show", &id], None);
    assert_eq!(shown["enabled"], false);
    assert_eq!(shown["status"], "DISABLED");
    cli.assert_no_secret_leaked();
}

/// Under umask 000 (where the defaults would open everything to every user) the data
/// directory, the embedded database, the key file and the session the CLI writes are private.
#[cfg(unix)]
#[test]
fn the_cli_keeps_its_data_directory_and_files_private_under_any_umask() {
    use std::os::unix::fs::PermissionsExt;
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("fresh").join("data");
    let run = |args: &[&str], stdin: &str| {
        let output = Command::new("sh")
            .args(["-c", "umask 000 && exec \"$0\" \"$@\""])
            .arg(env!("CARGO_BIN_EXE_integrations"))
            .args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("INTEGRATIONS_DATA_DIR", &data)
            .env("INTEGRATIONS_NO_KEYCHAIN", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .and_then(|mut child| {
                writeln!(child.stdin.take().unwrap(), "{stdin}")?;
                child.wait_with_output()
            })
            .unwrap();
        assert!(
            output.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    };
    run(
        &[
            "--json",
            "sign-up",
            "--tenant",
            "Shop",
            "--email",
            "a@shop.vn",
        ],
        PASSWORD,
    );
    // A signed-in command takes the session's lock file.
    run(&["--json", "current-account"], "");
    let mode =
        |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&root.path().join("fresh")), 0o700);
    let mut files = Vec::new();
    for entry in std::fs::read_dir(&data).unwrap() {
        let path = entry.unwrap().path();
        files.push(path.file_name().unwrap().to_string_lossy().into_owned());
        assert_eq!(mode(&path), 0o600, "{}", path.display());
    }
    assert_eq!(mode(&data), 0o700);
    for expected in [
        "integrations.db",
        "master.key",
        "cli-session.json",
        "cli-session.lock",
    ] {
        assert!(files.iter().any(|f| f == expected), "{files:?}");
    }
}

#[test]
fn a_bad_master_key_is_a_configuration_error() {
    let cli = Cli::new(vec![("INTEGRATIONS_MASTER_KEY".into(), "too-short".into())]);
    cli.fails(&["list"], None, 8, "CONFIGURATION");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_without_an_id_discovers_names_and_asks_when_there_are_several() {
    let (envs, _pancake, _meta) = fake_envs().await;
    let cli = Cli::new(envs);
    cli.sign_up_as("Shop", "a@shop.vn");

    let one = cli.ok_json(
        &["--json", "create", "--provider", "PANCAKE_POS"],
        Some("one-shop"),
    );
    assert_eq!(one["name"], "Shop thời trang");
    assert_eq!(one["config"]["shopId"], "6036602");

    let shops = cli.ok_json(
        &["--json", "discover", "--provider", "PANCAKE_POS"],
        Some("three-shops"),
    );
    let names: Vec<&str> = shops
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["Shop thời trang", "Mỹ phẩm Hà Nội", "Giày dép Sài Gòn"]
    );
    assert_eq!(shops[0]["alreadyConnected"], true);

    let choice = cli.fails(
        &["create", "--provider", "PANCAKE_POS"],
        Some("three-shops"),
        9,
        "CHOICE_REQUIRED",
    );
    let message = choice["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("7012345") && message.contains("Mỹ phẩm Hà Nội"),
        "{message}"
    );
    assert!(message.contains("(already connected)"), "{message}");

    let chosen = cli.ok_json(
        &[
            "--json",
            "create",
            "--provider",
            "PANCAKE_POS",
            "--shop-id",
            "7012345",
            "--description",
            "Chi nhánh",
        ],
        Some("three-shops"),
    );
    assert_eq!(chosen["name"], "Mỹ phẩm Hà Nội");
    assert_eq!(chosen["description"], "Chi nhánh");
    let id = chosen["id"].as_str().unwrap();
    assert_eq!(
        cli.ok_json(&["--json", "test", id], None)["integration"]["status"],
        "ACTIVE"
    );

    let none = cli.fails(
        &["create", "--provider", "PANCAKE_POS"],
        Some("no-shops"),
        6,
        "PROVIDER_ERROR",
    );
    assert_eq!(none["error"]["providerCode"], "PROVIDER_NO_SHOP_ACCESS");

    let meta = cli.ok_json(
        &["--json", "create", "--provider", "META_ADS"],
        Some("meta-one-account"),
    );
    assert_eq!(meta["config"]["adAccountId"], "act_1234567890");
    let accounts = cli.ok_json(
        &["--json", "discover", "--provider", "META_ADS"],
        Some("meta-many-accounts"),
    );
    assert_eq!(accounts.as_array().unwrap().len(), 57);
    cli.assert_no_secret_leaked();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_pancake_is_a_provider_error_not_a_crash() {
    let port = own_postgres::free_port();
    let cli = Cli::new(vec![(
        "PANCAKE_POS_BASE_URL".into(),
        format!("http://127.0.0.1:{port}/api/v1"),
    )]);
    cli.sign_up_as("Shop", "a@shop.vn");
    let err = cli.fails(
        &["create", "--provider", "PANCAKE_POS"],
        Some(SECRET_KEY),
        6,
        "PROVIDER_ERROR",
    );
    assert_eq!(err["error"]["providerCode"], "PROVIDER_UNREACHABLE");
    cli.assert_no_secret_leaked();
}

/// The core's rule for a refresh it refuses: the session has ended, and the stored one is
/// forgotten, so the next command says to sign in instead of trying the dead token again.
#[test]
fn a_refused_refresh_ends_the_stored_session() {
    let cli = Cli::new(vec![]);
    cli.sign_up();
    let session_file = cli.data_dir.path().join("cli-session.json");
    let saved = std::fs::read_to_string(&session_file).unwrap();
    // Signed out (the refresh token revoked), then the old file put back with an access token
    // that no longer verifies: the next command must refresh, and is refused.
    cli.ok_json(&["--json", "sign-out"], None);
    let mut stored: Value = serde_json::from_str(&saved).unwrap();
    stored["access_token"] = Value::String("expired.or.tampered".into());
    std::fs::write(&session_file, stored.to_string()).unwrap();

    let ended = cli.fails(&["list"], None, 5, "UNAUTHENTICATED");
    assert!(
        ended["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Sign in again"),
        "{ended}"
    );
    assert!(!session_file.exists(), "the ended session is forgotten");
    let next = cli.fails(&["current-account"], None, 5, "UNAUTHENTICATED");
    assert!(next["error"]["message"]
        .as_str()
        .unwrap()
        .contains("integrations sign-in"));
    cli.assert_no_secret_leaked();
}

#[test]
fn commands_run_at_once_after_the_access_token_lapsed_all_keep_the_session() {
    let cli = Cli::new(vec![]);
    cli.sign_up_as("Shop", "a@shop.vn");
    // An access token that no longer verifies: every command must refresh first.
    let session_file = cli.data_dir.path().join("cli-session.json");
    let mut stored: Value =
        serde_json::from_str(&std::fs::read_to_string(&session_file).unwrap()).unwrap();
    stored["access_token"] = Value::String("expired.or.tampered".into());
    std::fs::write(&session_file, stored.to_string()).unwrap();

    let children: Vec<_> = (0..4)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_integrations"))
                .args(["--json", "list"])
                .env_clear()
                .env("PATH", std::env::var("PATH").unwrap_or_default())
                .env("INTEGRATIONS_DATA_DIR", cli.data_dir.path())
                .env("INTEGRATIONS_NO_KEYCHAIN", "1")
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "a parallel command lost the session: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    // And the session is still good afterwards.
    cli.ok_json(&["--json", "current-account"], None);
}

/// `kill -9` of the process running a sync, part-way: the next run (after the dead worker's
/// lease runs out) resumes from the checkpoint and ends with exactly the fake's orders.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_killed_with_sigkill_resumes_with_exact_counts() {
    use std::io::BufRead;
    const ORDERS: u32 = 600;
    let config = FakeConfig {
        orders_per_shop: ORDERS,
        days: 10,
        end_time: chrono::Utc::now() - chrono::Duration::minutes(1),
        ..FakeConfig::default()
    };
    let pancake = start_pancake(config.clone()).await.unwrap();
    let meta = start_meta(config).await.unwrap();
    let (url, _) = fresh_shared_database().await;
    let cli = Cli::new(vec![
        ("PANCAKE_POS_BASE_URL".into(), pancake.base_url.clone()),
        ("META_GRAPH_BASE_URL".into(), meta.base_url.clone()),
        ("DATABASE_URL".into(), url.clone()),
        ("INTEGRATIONS_MASTER_KEY".into(), MASTER.into()),
        ("INTEGRATIONS_SYNC_BACKFILL_DAYS".into(), "14".into()),
    ]);
    let account = cli.sign_up();
    let created = cli.ok_json(
        &create_pancake("6036602", "Shop thời trang"),
        Some("one-shop:SECRET-KEY-DO-NOT-LEAK-kill"),
    );
    let id = created["id"].as_str().unwrap().to_owned();
    cli.ok_json(&["--json", "enable", &id], None);

    // Start a sync and kill it hard once a few pages are stored. The fake answers three order
    // pages and holds back the rest: however fast the sync or slow the kill, it stops mid-way.
    pancake.handle.hold_order_pages_after(3);
    let mut child = cli
        .command(&["sync", &id])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    tokio::task::block_in_place(|| {
        for line in std::io::BufReader::new(stderr).lines() {
            let line = line.unwrap();
            if let Some(rest) = line.strip_prefix("progress orders ") {
                let done: u32 = rest.split('/').next().unwrap().parse().unwrap();
                if done >= 3 {
                    break;
                }
            }
        }
    });
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();

    let tenant = account["tenantId"].as_str().unwrap().to_owned();
    let count = || async {
        let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
        let mut tx = sqlx::Connection::begin(&mut conn).await.unwrap();
        sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
            .bind(&tenant)
            .execute(&mut *tx)
            .await
            .unwrap();
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM pancake_orders")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        n
    };
    let after_kill = count().await;
    let let_through = 3 * i64::from(integrations_core::SyncSettings::default().order_page_size);
    assert!(
        after_kill > 0 && after_kill <= let_through && let_through < i64::from(ORDERS),
        "{after_kill}"
    );

    // The dead process's lease runs out (made to, not waited for); the next run resumes.
    pancake.handle.release_order_pages();
    let mut conn = owner_connection(&url).await;
    sqlx::query("UPDATE sync_jobs SET lease_until = now() - interval '1 hour'")
        .execute(&mut conn)
        .await
        .unwrap();
    let run = cli.ok_json(&["--json", "sync", &id], None);
    assert_eq!(run["outcome"], "SUCCEEDED");
    assert_eq!(count().await, i64::from(ORDERS));
    assert!(run["counts"]["orders"].as_i64().unwrap() < i64::from(ORDERS));
    let history = cli.ok_json(&["--json", "history", &id], None);
    assert_eq!(history[0]["outcome"], "SUCCEEDED");
    assert_eq!(history[1]["outcome"], "INTERRUPTED");
    let schedule = cli.ok_json(&["--json", "schedule", &id, "--every", "30"], None);
    assert_eq!(schedule["intervalMinutes"], 30);
    cli.assert_no_secret_leaked();
}

/// The headless worker syncs what is due in every workspace and exits with `--once`; only
/// enabled integrations sync.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_worker_syncs_due_enabled_integrations() {
    let config = FakeConfig {
        orders_per_shop: 120,
        days: 5,
        end_time: chrono::Utc::now() - chrono::Duration::minutes(1),
        ..FakeConfig::default()
    };
    let pancake = start_pancake(config.clone()).await.unwrap();
    let meta = start_meta(config).await.unwrap();
    let cli = Cli::new(vec![
        ("PANCAKE_POS_BASE_URL".into(), pancake.base_url.clone()),
        ("META_GRAPH_BASE_URL".into(), meta.base_url.clone()),
        ("INTEGRATIONS_SYNC_BACKFILL_DAYS".into(), "7".into()),
    ]);
    cli.sign_up();
    let on = cli.ok_json(
        &create_pancake("6036602", "Shop thời trang"),
        Some("one-shop:SECRET-KEY-DO-NOT-LEAK-w1"),
    );
    let off = cli.ok_json(
        &create_pancake("7012345", "Mỹ phẩm Hà Nội"),
        Some("three-shops:SECRET-KEY-DO-NOT-LEAK-w2"),
    );
    let on_id = on["id"].as_str().unwrap().to_owned();
    cli.ok_json(&["--json", "enable", &on_id], None);

    let runs = cli.worker_once();
    assert_eq!(runs.len(), 1, "only the enabled integration ran");
    assert_eq!(runs[0]["integrationId"], on["id"]);
    assert_eq!(runs[0]["outcome"], "SUCCEEDED");
    assert_eq!(runs[0]["counts"]["orders"], 120);
    let shown = cli.ok_json(&["--json", "show", &on_id], None);
    assert!(shown["lastSyncAt"].is_string());
    assert_eq!(shown["status"], "ACTIVE");
    let history = cli.ok_json(&["--json", "history", off["id"].as_str().unwrap()], None);
    assert_eq!(history, serde_json::json!([]));
    // Nothing is due any more: a second round does nothing.
    let again = cli.run(&["--json", "worker", "--once"], None);
    assert!(again.status.success());
    assert!(String::from_utf8_lossy(&again.stdout).trim().is_empty());
    cli.assert_no_secret_leaked();
}

/// `report` on the embedded database: a text table with Vietnamese names and exact money, the
/// same figures as JSON, and a CSV with a BOM; a reversed range is a clear validation error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_prints_the_table_the_json_and_the_csv() {
    use integrations_core::store::{SyncBatch, SyncStore};
    let (envs, _pancake, _meta) = fake_envs().await;
    let cli = Cli::new(envs);
    let account = cli.sign_up();
    let tenant: uuid::Uuid = account["tenantId"].as_str().unwrap().parse().unwrap();
    let shop = cli.ok_json(&create_pancake("101", "Cửa hàng Hà Nội"), Some(SECRET_KEY));
    let shop_id: uuid::Uuid = shop["id"].as_str().unwrap().parse().unwrap();
    let ads = cli.ok_json(
        &create_meta("act_1234567890", Some("Quảng cáo Meta")),
        Some("EAAB-SECRET-KEY-DO-NOT-LEAK-9"),
    );
    let ads_id: uuid::Uuid = ads["id"].as_str().unwrap().parse().unwrap();

    let store = integrations_core::store::SqliteStore::open(
        &cli.data_dir
            .path()
            .join(integrations_core::config::DATABASE_FILE),
    )
    .await
    .unwrap();
    let orders: Vec<integrations_providers::PancakeOrder> = [
        // 23:30 in Vietnam on the last day: counted on it.
        (1, "2026-11-03T16:30:00", 3, 1_234_567, Some("a1")),
        (2, "2026-11-02T03:00:00", 6, 999_999, Some("a1")), // canceled
        (3, "2026-11-02T04:00:00", 1, 500_000, None),
    ]
    .into_iter()
    .map(
        |(id, created, status, price, ad): (i64, &str, i64, i64, Option<&str>)| {
            integrations_providers::PancakeOrder::from_value(serde_json::json!({
                "id": id, "shop_id": 101, "status": status, "inserted_at": created,
                "updated_at": created, "total_price": price, "total_discount": 0,
                "shipping_fee": 30_000, "cod": price + 30_000, "order_currency": "VND",
                "ad_id": ad, "items": []
            }))
            .unwrap()
        },
    )
    .collect();
    store
        .write_batch(
            tenant,
            shop_id,
            SyncBatch::Orders {
                shop_id: 101,
                orders: &orders,
            },
            None,
        )
        .await
        .unwrap();
    let insight = integrations_providers::AdInsightRow::from_value(
        serde_json::json!({
            "date_start": "2026-11-02", "date_stop": "2026-11-02", "ad_id": "a1",
            "ad_name": "Áo dài lụa – video", "campaign_id": "c1", "campaign_name": "Khuyến mãi Tết",
            "spend": "617284", "impressions": "12000", "clicks": "340",
            "actions": [{"action_type": "purchase", "value": "2"}],
            "action_values": [{"action_type": "purchase", "value": "1500000"}]
        }),
        "VND",
    )
    .unwrap();
    store
        .write_batch(
            tenant,
            ads_id,
            SyncBatch::Insights {
                currency: "VND",
                rows: &[insight],
            },
            None,
        )
        .await
        .unwrap();
    store.pool().close().await;

    let range = ["--from", "2026-11-01", "--to", "2026-11-03"];
    let text = cli.run(
        &[&["report", "--by", "campaign"][..], &range[..]].concat(),
        None,
    );
    assert!(
        text.status.success(),
        "{}",
        String::from_utf8_lossy(&text.stderr)
    );
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.contains("2026-11-01 to 2026-11-03 (Asia/Ho_Chi_Minh), all stores"),
        "{text}"
    );
    let campaign = text
        .lines()
        .find(|l| l.contains("Khuyến mãi Tết"))
        .expect(&text);
    for figure in ["617,284", "1,500,000", "1,234,567", "2.43×", "2.00×"] {
        assert!(campaign.contains(figure), "{figure} in {campaign}");
    }
    assert!(
        text.lines()
            .any(|l| l.contains("Orders without an ad") && l.contains("500,000")),
        "{text}"
    );

    let json = cli.ok_json(
        &[
            &["--json", "report", "--store", &shop_id.to_string()][..],
            &range[..],
        ]
        .concat(),
        None,
    );
    assert_eq!(json["totals"]["revenueMinor"], 1_734_567);
    assert_eq!(json["totals"]["orders"], 2);
    assert_eq!(json["rows"].as_array().unwrap().len(), 3, "one row per day");
    // No campaign is assigned to a store yet: the store's spend is none, and the report says whose.
    assert_eq!(json["totals"]["spendMinor"], 0);
    assert_eq!(json["warnings"][0]["kind"], "unassignedSpend");
    assert_eq!(json["warnings"][0]["spendMinor"], 617_284);
    assert_eq!(
        json["warnings"][0]["campaigns"],
        serde_json::json!(["Khuyến mãi Tết"])
    );
    let text = String::from_utf8(
        cli.run(
            &[&["report", "--store", &shop_id.to_string()][..], &range[..]].concat(),
            None,
        )
        .stdout,
    )
    .unwrap();
    assert!(
        text.contains("spend of 1 campaign not assigned to a store"),
        "{text}"
    );

    // The campaign, its suggestion from the order that came from its ad, and deciding it.
    let campaigns = cli.ok_json(&["--json", "campaigns", "list"], None);
    assert_eq!(campaigns[0]["campaignId"], "c1");
    assert_eq!(campaigns[0]["assignment"]["state"], "unassigned");
    assert_eq!(campaigns[0]["assignment"]["version"], 0);
    assert_eq!(
        campaigns[0]["suggestion"],
        serde_json::json!([{"store": shop_id, "storeName": "Cửa hàng Hà Nội", "basisPoints": 10000}])
    );
    let listed = String::from_utf8(cli.run(&["campaigns", "list"], None).stdout).unwrap();
    assert!(
        listed.contains("UNASSIGNED") && listed.contains("Cửa hàng Hà Nội 100 % (1 order)"),
        "{listed}"
    );
    let unassigned = cli.ok_json(&["--json", "campaigns", "list", "--unassigned"], None);
    assert_eq!(unassigned.as_array().unwrap().len(), 1);

    let half = format!("{shop_id}:60");
    cli.fails(
        &["campaigns", "assign", "c1", "--store", &half],
        None,
        2,
        "VALIDATION",
    );
    cli.fails(
        &["campaigns", "assign", "c1", "--store", "Hà Nội"],
        None,
        2,
        "VALIDATION",
    );
    cli.fails(
        &["campaigns", "assign", "c9", "--none"],
        None,
        3,
        "NOT_FOUND",
    );
    let confirmed = cli.ok_json(
        &["--json", "campaigns", "assign", "c1", "--suggested"],
        None,
    );
    assert_eq!(confirmed["assignment"]["state"], "stores");
    let version = confirmed["assignment"]["version"].as_i64().unwrap();
    assert!(version > 0);
    // Made on what was read before the confirmation: refused.
    cli.fails(
        &[
            "campaigns",
            "assign",
            "c1",
            "--none",
            "--expected-version",
            "0",
        ],
        None,
        4,
        "STALE_EDIT",
    );
    assert!(cli
        .ok_json(&["--json", "campaigns", "list", "--unassigned"], None)
        .as_array()
        .unwrap()
        .is_empty());

    let json = cli.ok_json(
        &[
            &["--json", "report", "--store", &shop_id.to_string()][..],
            &range[..],
        ]
        .concat(),
        None,
    );
    assert_eq!(
        json["totals"]["spendMinor"], 617_284,
        "the store's spend now"
    );
    assert_eq!(json["warnings"], serde_json::json!([]));
    let csv = String::from_utf8(
        cli.run(
            &[&["report", "--by", "store", "--csv"][..], &range[..]].concat(),
            None,
        )
        .stdout,
    )
    .unwrap();
    assert!(
        csv.starts_with("\u{feff}store_id,name,campaign,spend VND"),
        "{csv}"
    );
    assert!(
        csv.contains(&format!("{shop_id},Cửa hàng Hà Nội,,617284,")),
        "{csv}"
    );
    let done = String::from_utf8(
        cli.run(
            &[
                "campaigns",
                "assign",
                "c1",
                "--none",
                "--expected-version",
                &version.to_string(),
            ],
            None,
        )
        .stdout,
    )
    .unwrap();
    assert!(done.contains("Khuyến mãi Tết: no store."), "{done}");
    let by_store = String::from_utf8(
        cli.run(
            &[&["report", "--by", "store"][..], &range[..]].concat(),
            None,
        )
        .stdout,
    )
    .unwrap();
    assert!(
        by_store
            .lines()
            .any(|l| l.contains("No store") && l.contains("617,284")),
        "{by_store}"
    );
    assert!(
        by_store.contains("Khuyến mãi Tết was reassigned on"),
        "{by_store}"
    );

    let csv = cli.run(
        &[&["report", "--by", "ad", "--csv"][..], &range[..]].concat(),
        None,
    );
    assert!(csv.status.success());
    assert!(csv
        .stdout
        .starts_with("\u{feff}ad_id,name,campaign,spend VND".as_bytes()));
    let csv = String::from_utf8(csv.stdout).unwrap();
    assert!(csv.contains("a1,Áo dài lụa – video,Khuyến mãi Tết,617284,12000,340,2,1500000,1234567,1,1234567,2.43,2.00"), "{csv}");

    // In UTC the 23:30 order is still on 3 November, and the canceled one stays out.
    let workspace = cli.ok_json(&["--json", "workspace", "--time-zone", "UTC"], None);
    assert_eq!(workspace["timeZone"], "UTC");
    let utc = cli.ok_json(&[&["--json", "report"][..], &range[..]].concat(), None);
    assert_eq!(utc["timeZone"], "UTC");
    assert_eq!(utc["totals"]["revenueMinor"], 1_734_567);
    let shown = cli.run(&["workspace"], None);
    assert!(String::from_utf8_lossy(&shown.stdout).contains("time zone UTC"));
    cli.fails(
        &["workspace", "--time-zone", "Hà Nội"],
        None,
        2,
        "VALIDATION",
    );

    cli.fails(
        &["report", "--from", "2026-11-03", "--to", "2026-11-01"],
        None,
        2,
        "VALIDATION",
    );
    cli.assert_no_secret_leaked();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_operator_makes_workspaces_whose_code_is_the_last_line_and_rotates_them() {
    let (url, name) = fresh_shared_database().await;
    let cli = Cli::operator(Vec::new(), &url);
    // Without the master key: a configuration error, nothing done.
    let keyless = Cli::new(vec![("DATABASE_URL".into(), url.clone())]);
    keyless.fails(&["admin", "init"], None, 8, "CONFIGURATION");

    let init = cli.ok_json(&["--json", "admin", "init"], None);
    let server_url = init["serverUrl"].as_str().unwrap().to_owned();
    assert!(server_url.contains(&format!("{name}_server")), "{init}");

    let output = cli.run(
        &create_workspace_args("Shop thời trang", "chu@shop.vn"),
        Some(PASSWORD),
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let code = stdout.lines().last().unwrap().to_owned();
    assert!(code.starts_with("imc1."), "{stdout}");
    let parsed =
        integrations_core::workspace::ConnectionCode::parse(&SecretString::from(code.clone()))
            .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    for secret in [
        code.as_str(),
        parsed.password.expose_secret(),
        MASTER,
        PASSWORD,
    ] {
        assert!(!stderr.contains(secret), "a secret reached the log");
    }

    // Bad input: a clear error, nothing saved.
    cli.fails(
        &create_workspace_args("B", "b@shop.vn"),
        Some("short"),
        2,
        "VALIDATION",
    );
    cli.fails(
        &["admin", "rotate-workspace-access", "no such workspace"],
        None,
        3,
        "NOT_FOUND",
    );
    let listed = cli.ok_json(&["--json", "admin", "list-workspaces"], None);
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed[0]["status"], "active");

    let code_file = cli.data_dir.path().join("shop.code");
    let rotated = cli.run(
        &[
            "admin",
            "rotate-workspace-access",
            "Shop thời trang",
            "--code-file",
            code_file.to_str().unwrap(),
        ],
        None,
    );
    assert!(rotated.status.success());
    let new_code = String::from_utf8(rotated.stdout)
        .unwrap()
        .lines()
        .last()
        .unwrap()
        .to_owned();
    assert_ne!(new_code, code);
    assert_eq!(
        std::fs::read_to_string(&code_file).unwrap().trim(),
        new_code
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&code_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let revoked = cli.ok_json(
        &["--json", "admin", "revoke-workspace", "Shop thời trang"],
        None,
    );
    assert_eq!(revoked["status"], "revoked");
    drop_shared_database(&name).await;
}

/// A Meta sync learns from Graph that the token expires in 3 days: `alerts` lists the alert with
/// its numbers (text and JSON), `alerts dismiss` keeps it in the list as dismissed, an unknown id
/// is NOT_FOUND, and the token appears nowhere.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_lists_what_a_sync_found_and_dismiss_keeps_it_in_the_history() {
    let (envs, _pancake, _meta) = fake_envs().await;
    let cli = Cli::new(envs);
    cli.sign_up();
    let empty = cli.ok_json(&["--json", "alerts"], None);
    assert_eq!(empty["alerts"], serde_json::json!([]));
    assert_eq!(empty["unread"], 0);
    let ads = cli.ok_json(
        &create_meta("act_1234567890", Some("Quảng cáo Meta")),
        Some("meta-expires-soon:SECRET-KEY-DO-NOT-LEAK-7"),
    );
    let id = ads["id"].as_str().unwrap();
    cli.ok_json(&["--json", "enable", id], None);
    cli.ok_json(&["--json", "sync", id], None);

    let list = cli.ok_json(&["--json", "alerts"], None);
    assert_eq!(list["unread"], 1);
    assert_eq!(list["computedOffline"], false);
    let alert = &list["alerts"][0];
    assert_eq!(alert["rule"], "TOKEN_EXPIRING");
    assert_eq!(alert["integrationId"], id);
    assert_eq!(alert["integrationName"], "Quảng cáo Meta");
    assert_eq!(alert["details"]["rule"], "TOKEN_EXPIRING");
    assert!((2..=3).contains(&alert["details"]["daysLeft"].as_i64().unwrap()));
    let text = cli.run(&["alerts"], None);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("1 open, not dismissed."), "{text}");
    assert!(
        text.contains("Quảng cáo Meta: the Meta access token expires"),
        "{text}"
    );

    let alert_id = alert["id"].as_str().unwrap();
    let dismissed = cli.ok_json(&["--json", "alerts", "dismiss", alert_id], None);
    assert!(dismissed["dismissedAt"].is_string());
    let list = cli.ok_json(&["--json", "alerts"], None);
    assert_eq!(list["unread"], 0);
    assert_eq!(list["alerts"].as_array().unwrap().len(), 1);
    let unknown = uuid::Uuid::new_v4().to_string();
    cli.fails(&["alerts", "dismiss", &unknown], None, 3, "NOT_FOUND");
    cli.assert_no_secret_leaked();
}

/// Anyone with the workspace's code can make its owner wait by failing sign-ins on the
/// owner's email; the operator lets the owner in again at once, in every workspace and on the
/// server, and nothing else is touched.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_operator_unlocks_an_account_someone_else_made_wait_by_failing_its_sign_ins() {
    let (url, name) = fresh_shared_database().await;
    let operator = Cli::operator(Vec::new(), &url);
    operator.admin_init();
    let code = operator.create_workspace("Shop thời trang", "chu@shop.vn");
    let stranger = Cli::new(Vec::new());
    stranger.ok_json(&["--json", "join"], Some(&code));
    let owner = Cli::new(Vec::new());
    owner.ok_json(&["--json", "join"], Some(&code));

    let sign_in = ["sign-in", "--email", "Chu@Shop.vn"];
    for _ in 0..integrations_core::auth::FREE_LOGIN_FAILURES {
        stranger.fails(&sign_in, Some("đoán sai"), 5, "UNAUTHENTICATED");
    }
    // The stranger kept at it for an hour: the count as the server then holds it (each wait
    // served buys one more failure; waiting it out here would take that hour).
    let mut owner_db = owner_connection(&url).await;
    let kept = sqlx::query(
        "UPDATE login_throttle SET failures = 20, last_failure_at = now() \
         WHERE email_hash = $1 AND failures = $2",
    )
    .bind(integrations_core::auth::sha256_hex("chu@shop.vn"))
    .bind(integrations_core::auth::FREE_LOGIN_FAILURES as i32)
    .execute(&mut owner_db)
    .await
    .unwrap()
    .rows_affected();
    assert_eq!(kept, 1, "the stranger's failures are counted on the server");
    // The owner, with the right password, on another computer: made to wait, 15 minutes at most.
    let error = owner.fails(&sign_in, Some(PASSWORD), 5, "RATE_LIMITED");
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .ends_with("Try again in 15 minutes."),
        "{error}"
    );

    let unlocked = operator.ok_json(
        &[
            "--json",
            "admin",
            "unlock-sign-in",
            "--email",
            " CHU@shop.vn ",
        ],
        None,
    );
    assert_eq!(unlocked["email"], "chu@shop.vn");
    assert!(
        unlocked["clearedCounts"].as_u64().unwrap() >= 1,
        "{unlocked}"
    );
    let account = owner.ok_json(&[&["--json"][..], &sign_in[..]].concat(), Some(PASSWORD));
    assert_eq!(account["tenantName"], "Shop thời trang");
    // Nothing left to unlock now; a malformed email is refused.
    let again = operator.ok_json(
        &[
            "--json",
            "admin",
            "unlock-sign-in",
            "--email",
            "chu@shop.vn",
        ],
        None,
    );
    assert_eq!(again["clearedCounts"], 0);
    operator.fails(
        &["admin", "unlock-sign-in", "--email", "not an email"],
        None,
        2,
        "VALIDATION",
    );
    drop_shared_database(&name).await;
}

/// Files `join` keeps in the data directory (the code, what it names), and the mirrors.
fn joined_files(cli: &Cli) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(cli.data_dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("workspace") || name.starts_with("mirror"))
        .collect();
    names.sort();
    names
}

/// A client with no DATABASE_URL and no master key joins a workspace with the code its operator
/// made (on stdin), signs in and works there as on any database; the operator's worker, with the
/// server role and the master key, syncs what the client set up (its credentials sealed under a
/// data key the client wrapped for the server). Damaged, rotated and revoked codes are clear
/// errors that keep nothing; leaving removes the code and the local copy.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_joins_with_a_code_works_in_its_workspace_and_leaves() {
    let (url, name) = fresh_shared_database().await;
    let (fakes, _pancake, _meta) = fake_envs().await;
    let operator = Cli::operator(fakes.clone(), &url);
    let server_url = operator.admin_init();
    let code = operator.create_workspace("Shop thời trang", "chu@shop.vn");
    let other_code = operator.create_workspace("Bí mật B", "chu.b@bimat.vn");
    let rotated_away = operator.create_workspace("Đã đổi mã", "c@doima.vn");
    operator.ok_json(
        &["--json", "admin", "rotate-workspace-access", "Đã đổi mã"],
        None,
    );
    let parsed =
        integrations_core::workspace::ConnectionCode::parse(&SecretString::from(code.clone()))
            .unwrap();

    let client = Cli::new(fakes.clone());
    // Damaged codes are caught before anything connects; a code whose access was rotated is
    // refused by the server. Nothing is kept either way.
    let truncated = &code[..code.len() - 12];
    let altered = {
        let mut bytes = code.clone().into_bytes();
        let middle = bytes.len() / 2;
        bytes[middle] = if bytes[middle] == b'A' { b'B' } else { b'A' };
        String::from_utf8(bytes).unwrap()
    };
    for bad in [truncated, altered.as_str(), "", "imc1.not-a-code"] {
        let error = client.fails(&["join"], Some(bad), 2, "VALIDATION");
        assert!(!error.to_string().contains(&code[10..30]), "{error}");
    }
    client.fails(&["join"], Some(&rotated_away), 5, "UNAUTHENTICATED");
    assert_eq!(joined_files(&client), Vec::<String>::new());

    let joined = client.ok_json(&["--json", "join"], Some(&code));
    assert_eq!(joined["workspaceName"], "Shop thời trang");
    assert_eq!(joined["keyLocation"], "file");
    assert!(joined["server"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/{name}")));
    // Workspaces are the operator's to make; another workspace's owner cannot sign in here.
    client.fails(
        &["sign-up", "--tenant", "Của tôi", "--email", "toi@shop.vn"],
        Some(PASSWORD),
        2,
        "VALIDATION",
    );
    client.fails(
        &["sign-in", "--email", "chu.b@bimat.vn"],
        Some(PASSWORD),
        5,
        "UNAUTHENTICATED",
    );
    let account = client.ok_json(
        &["--json", "sign-in", "--email", "chu@shop.vn"],
        Some(PASSWORD),
    );
    assert_eq!(account["tenantName"], "Shop thời trang");

    let created = client.ok_json(
        &create_pancake("6036602", "Shop thời trang"),
        Some(SECRET_KEY),
    );
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(
        client.ok_json(&["--json", "test", &id], None)["success"],
        true
    );
    client.ok_json(&["--json", "enable", &id], None);
    let listed = client.ok_json(&["--json", "list"], None);
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");

    // The worker, on the server side, opens what the client sealed.
    let worker = Cli::new(vec![
        ("DATABASE_URL".into(), server_url.clone()),
        ("INTEGRATIONS_MASTER_KEY".into(), MASTER.into()),
        fakes[0].clone(),
        fakes[1].clone(),
    ]);
    let runs = worker.worker_once();
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(runs[0]["integrationId"], created["id"]);
    assert_eq!(runs[0]["outcome"], "SUCCEEDED");
    let shown = client.ok_json(&["--json", "show", &id], None);
    assert!(shown["lastSyncAt"].is_string(), "{shown}");

    // The client rotates its data key: wrapped for its workspace and, with the master key's
    // public half, for the server. Both sides open the new key.
    assert_eq!(
        client.ok_json(&["--json", "rotate-keys"], None)["keyVersion"],
        2
    );
    let synced = client.ok_json(&["--json", "sync", &id], None);
    assert_eq!(synced["outcome"], "SUCCEEDED", "{synced}");
    operator.ok_json(
        &["--json", "sign-in", "--email", "chu@shop.vn"],
        Some(PASSWORD),
    );
    assert_eq!(
        operator.ok_json(&["--json", "test", &id], None)["success"],
        true
    );

    // The local copy holds the credentials sealed, and no file the code in the clear but the
    // code's own 0600 file.
    for file in files_under(client.data_dir.path()) {
        let bytes = std::fs::read(&file).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains(SECRET_KEY),
            "{} holds a provider key",
            file.display()
        );
        // The code's own file: `workspace-<id>.code`.
        if file.extension().is_none_or(|extension| extension != "code") {
            assert!(
                !text.contains(&code[5..40]),
                "{} holds the code",
                file.display()
            );
        }
    }

    // Joining another workspace replaces this one; leaving removes everything.
    assert!(joined_files(&client)
        .iter()
        .any(|f| f.starts_with("mirror")));
    client.ok_json(&["--json", "join"], Some(&other_code));
    client.fails(&["list"], None, 5, "UNAUTHENTICATED");
    client.ok_json(&["--json", "leave"], None);
    assert_eq!(joined_files(&client), Vec::<String>::new());
    // Back on this computer's own database, where nobody has signed in.
    client.fails(&["list"], None, 5, "UNAUTHENTICATED");

    // The operator revokes the workspace: its code no longer joins.
    operator.ok_json(
        &["--json", "admin", "revoke-workspace", "Shop thời trang"],
        None,
    );
    client.fails(&["join"], Some(&code), 5, "UNAUTHENTICATED");
    assert_eq!(joined_files(&client), Vec::<String>::new());

    client.assert_no_secret_leaked();
    let transcript = client.transcript.borrow().clone() + &worker.transcript.borrow();
    for secret in [
        &code[5..],
        &other_code[5..],
        parsed.password.expose_secret(),
        MASTER,
    ] {
        assert!(!transcript.contains(secret), "a secret reached the output");
    }
    drop_shared_database(&name).await;
}

fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(files_under(&path));
        } else {
            files.push(path);
        }
    }
    files
}
