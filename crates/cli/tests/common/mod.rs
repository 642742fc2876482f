//! What the binary's end-to-end suites share: the real `integrations` binary run with a test's
//! own data directory and environment, and a fresh database on the test server that is dropped
//! with the roles `admin init` made for it.
#![allow(dead_code)]

/// Databases on the test server, made and dropped as the core's tests do.
#[path = "../../../core/tests/common/databases.rs"]
mod databases;
/// A private PostgreSQL server of a test's own, as the core's tests start it.
#[path = "../../../core/tests/common/own_postgres.rs"]
pub mod own_postgres;

/// Drops a database [`fresh_shared_database`] made and the roles `admin init` made for it
/// (their names start with the database's name).
pub use databases::drop_database_and_roles as drop_shared_database;
/// A connection as the schema owner that sees every workspace's rows.
pub use databases::owner_connection;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

pub const PASSWORD: &str = "mật khẩu 123";
/// The master key an operator and the server share.
pub const MASTER: &str = "q5Zs0m0gqCq8kq3c4y7k0Zc9X0c1d2e3f4a5b6c7d8E=";

/// One data directory and environment: a shop's CLI, the operator's, a workspace's client or
/// the server. Everything the binary printed is kept, so a test can prove no secret got out.
pub struct Cli {
    pub data_dir: tempfile::TempDir,
    pub envs: Vec<(String, String)>,
    pub transcript: std::cell::RefCell<String>,
}

impl Cli {
    pub fn new(envs: Vec<(String, String)>) -> Self {
        Self {
            data_dir: tempfile::tempdir().unwrap(),
            envs,
            transcript: Default::default(),
        }
    }

    /// The binary with this test's environment only (data dir, no keychain, the envs given).
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_integrations"));
        command
            .args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("INTEGRATIONS_DATA_DIR", self.data_dir.path())
            .env("INTEGRATIONS_NO_KEYCHAIN", "1");
        for (key, value) in &self.envs {
            command.env(key, value);
        }
        command
    }

    /// Runs to the end with `stdin` (then closed), logging at debug into the transcript.
    pub fn run(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let mut command = self.command(args);
        command
            .env("INTEGRATIONS_LOG", "debug")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().unwrap();
        {
            let mut input = child.stdin.take().unwrap();
            if let Some(text) = stdin {
                writeln!(input, "{text}").unwrap();
            }
        }
        let output = child.wait_with_output().unwrap();
        let mut transcript = self.transcript.borrow_mut();
        transcript.push_str(&String::from_utf8_lossy(&output.stdout));
        transcript.push_str(&String::from_utf8_lossy(&output.stderr));
        output
    }

    /// Runs to the end, asserting success; its stdout.
    pub fn ok(&self, args: &[&str], stdin: Option<&str>) -> String {
        let output = self.run(args, stdin);
        assert!(
            output.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    }

    /// Runs to the end, asserting success; its stdout as JSON.
    pub fn ok_json(&self, args: &[&str], stdin: Option<&str>) -> Value {
        serde_json::from_str(&self.ok(args, stdin)).unwrap()
    }

    /// The operator of the shared database at `database_url`: `envs`, that URL and [`MASTER`].
    pub fn operator(mut envs: Vec<(String, String)>, database_url: &str) -> Self {
        envs.push(("DATABASE_URL".into(), database_url.to_owned()));
        envs.push(("INTEGRATIONS_MASTER_KEY".into(), MASTER.into()));
        Self::new(envs)
    }

    /// `admin init`: the URL of the server role it made.
    pub fn admin_init(&self) -> String {
        let init = self.ok_json(&["--json", "admin", "init"], None);
        init["serverUrl"].as_str().unwrap().to_owned()
    }

    /// The operator makes a workspace; the code `admin create-workspace` prints on its last line.
    pub fn create_workspace(&self, name: &str, email: &str) -> String {
        let stdout = self.ok(&create_workspace_args(name, email), Some(PASSWORD));
        stdout.lines().last().unwrap().to_owned()
    }
}

/// `admin create-workspace` for a workspace and its owner, whose password goes on stdin.
pub fn create_workspace_args<'a>(name: &'a str, email: &'a str) -> [&'a str; 6] {
    [
        "admin",
        "create-workspace",
        "--name",
        name,
        "--owner-email",
        email,
    ]
}

/// A fresh database on the test server: its owner URL and its name.
pub async fn fresh_shared_database() -> (String, String) {
    let url = databases::fresh_postgres_url().await;
    let name = url.rsplit('/').next().unwrap().to_owned();
    (url, name)
}
