//! Joining a shared server's workspace with the code its operator made: the code is tried
//! against its server before anything is kept, so every way a code can be wrong is a clear
//! error that leaves this computer as it was; a code that works makes a core that holds no
//! master key, reaches its own workspace only, and seals credentials the server's worker opens.

mod common;

use std::sync::Arc;

use common::{
    data_up_to_now, fake_providers, new_pancake, open_joined, refused_sign_in, SharedServer,
};
use integrations_core::crypto::WorkspaceKey;
use integrations_core::workspace::ConnectionCode;
use integrations_core::{CoreConfig, DatabaseTarget, ErrorCode, LinkMode};
use secrecy::{ExposeSecret, SecretString};

const PASSWORD: &str = "mật khẩu 123";

fn files_in(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_code_that_does_not_fit_its_server_is_a_clear_error_and_keeps_nothing() {
    let server = SharedServer::new().await;
    let access = server.workspace("Shop thời trang", "chu@shop.vn").await;
    let other = server.workspace("Bí mật B", "chu.b@bimat.vn").await;
    let good = ConnectionCode::parse(&access.code).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = CoreConfig::standalone(dir.path().to_path_buf());

    let unused_port = common::own_postgres::free_port();
    let mut cases: Vec<(&str, ConnectionCode, ErrorCode)> = Vec::new();
    let mut code = good.clone();
    code.server.database = "postgres".into();
    cases.push((
        "another database on the server",
        code,
        ErrorCode::Validation,
    ));
    let mut code = good.clone();
    code.server.database = format!("{}_gone", server.database);
    cases.push((
        "a database that does not exist",
        code,
        ErrorCode::Validation,
    ));
    let mut code = good.clone();
    code.workspace_key = WorkspaceKey::generate();
    cases.push((
        "a workspace key that is not the server's",
        code,
        ErrorCode::Validation,
    ));
    let mut code = good.clone();
    code.workspace_id = other.workspace_id;
    cases.push(("another workspace's id", code, ErrorCode::Validation));
    let mut code = good.clone();
    code.password = SecretString::from("not the password");
    cases.push(("a wrong password", code, ErrorCode::Unauthenticated));
    let mut code = good.clone();
    code.role = other.role.clone();
    cases.push(("another workspace's role", code, ErrorCode::Unauthenticated));
    let mut code = good.clone();
    code.server.port = unused_port;
    cases.push((
        "a server that does not answer",
        code,
        ErrorCode::DatabaseUnavailable,
    ));

    for (what, code, expected) in cases {
        let err = config.join(&code.encode()).await.unwrap_err();
        assert_eq!(err.code(), expected, "{what}: {err}");
        let message = err.to_string();
        for secret in [
            good.password.expose_secret(),
            access.code.expose_secret(),
            &URL_SAFE(&good),
        ] {
            assert!(
                !message.contains(secret),
                "{what}: the error quotes the code"
            );
        }
        assert_eq!(
            files_in(dir.path()),
            Vec::<String>::new(),
            "{what}: something was kept"
        );
        assert!(config.joined_workspace().unwrap().is_none());
    }
    server.cleanup().await;
}

/// The workspace key as the code carries it (base64url), to look for in messages.
#[allow(non_snake_case)]
fn URL_SAFE(code: &ConnectionCode) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(code.workspace_key.expose_bytes())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_joined_client_works_in_its_workspace_and_the_server_opens_what_it_sealed() {
    let server = SharedServer::new().await;
    let access = server.workspace("Shop thời trang", "chu@shop.vn").await;
    server.workspace("Bí mật B", "chu.b@bimat.vn").await;
    let dir = tempfile::tempdir().unwrap();
    let config = CoreConfig::standalone(dir.path().to_path_buf());
    let joined = config.join(&access.code).await.unwrap();
    assert_eq!(joined.workspace_name, "Shop thời trang");
    assert_eq!(joined.workspace_id, access.workspace_id);
    assert_eq!(joined.key_location, "file");

    let client_config = config.reloaded();
    assert!(matches!(client_config.database, DatabaseTarget::Workspace));
    assert_eq!(client_config.mode(), "shared");
    assert!(!client_config.is_first_run().await);
    let (_pancake, _meta, providers) = fake_providers(data_up_to_now()).await;
    let client = client_config.open(providers.clone()).await.unwrap();
    assert_eq!(client.check_link().await, LinkMode::Online);
    assert_eq!(client.joined_workspace(), Some(access.workspace_id));
    // Workspaces are the operator's to make; another workspace's owner does not exist here.
    let refused = client
        .sign_up("Của tôi", "toi@shop.vn", &SecretString::from(PASSWORD))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::Validation);
    let stranger = refused_sign_in(&client, "chu.b@bimat.vn", PASSWORD).await;
    assert_eq!(stranger.code(), ErrorCode::Unauthenticated);
    let session = client
        .sign_in("chu@shop.vn", &SecretString::from(PASSWORD))
        .await
        .unwrap()
        .session;
    let secret = "one-shop:SECRET-0123456789";
    let created = client
        .create_integration(&session, new_pancake("Shop thời trang", "6036602", secret))
        .await
        .unwrap();
    let id = created.id;
    // Testing the connection opens the sealed key: with version 1, then with the rotated one.
    assert!(client.test_connection(&session, id).await.unwrap().success);
    // The in-app scheduler claims and syncs the workspace's due integrations with its role and
    // key, as the desktop app does for the signed-in workspace.
    client.enable_integration(&session, id).await.unwrap();
    let scope = integrations_core::store::ClaimScope {
        tenant: Some(access.workspace_id),
        integration: None,
    };
    let runs = client.run_due_jobs("app:test", scope, 2).await.unwrap();
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(runs[0].integration_id, id);
    assert_eq!(
        runs[0].outcome,
        integrations_core::SyncOutcome::Succeeded,
        "{runs:?}"
    );
    assert_eq!(runs[0].counts.get("orders"), Some(&5), "{runs:?}");
    let rotation = client.rotate_keys(&session).await.unwrap();
    assert_eq!(rotation.key_version, 2);
    assert_eq!(rotation.reencrypted, 1);
    assert!(client.test_connection(&session, id).await.unwrap().success);
    drop(client);

    // The server side (master key) opens the data keys the client wrapped with its public half.
    let (server_core, _server_dir) = server_side(&server, providers).await;
    let server_session = server_core
        .sign_in("chu@shop.vn", &SecretString::from(PASSWORD))
        .await
        .unwrap()
        .session;
    assert!(
        server_core
            .test_connection(&server_session, id)
            .await
            .unwrap()
            .success
    );
    drop(server_core);

    // Leaving removes the code, its description and the mirror; this computer's own database
    // is back.
    assert!(files_in(dir.path())
        .iter()
        .any(|f| f.starts_with("mirror-")));
    config.leave().unwrap();
    assert_eq!(
        files_in(dir.path())
            .into_iter()
            .filter(|f| f.starts_with("workspace") || f.starts_with("mirror-"))
            .collect::<Vec<_>>(),
        Vec::<String>::new()
    );
    assert!(matches!(
        config.reloaded().database,
        DatabaseTarget::Sqlite { .. }
    ));
    server.cleanup().await;
}

async fn server_side(
    server: &SharedServer,
    providers: Arc<integrations_core::gateway::HttpProviders>,
) -> (integrations_core::Core, tempfile::TempDir) {
    let (core, dir) = server.worker(providers).await;
    assert_eq!(core.check_link().await, LinkMode::Online);
    (core, dir)
}

/// Signs in as the joined workspace's owner (which makes its mirror) and closes the core.
async fn work_in_joined(config: &CoreConfig, email: &str) -> uuid::Uuid {
    let core = open_joined(config, Arc::new(common::NoProviderCalls)).await;
    let signed_in = core
        .sign_in(email, &SecretString::from(PASSWORD))
        .await
        .unwrap();
    signed_in.session.tenant_id()
}

/// Joining a second workspace keeps the first until the second is saved: a failure in the
/// middle (the switch of `workspace.json` cannot be written, after the new code was kept) leaves
/// the first joined, working, with its mirror, and no trace of the second; once the second is
/// joined, the first's code and mirror are gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn joining_a_second_workspace_loses_nothing_of_the_first_until_the_second_is_saved() {
    let server = SharedServer::new().await;
    let first = server.workspace("Shop thời trang", "chu@shop.vn").await;
    let second = server.workspace("Mỹ phẩm Hà Nội", "chu@mypham.vn").await;
    let dir = tempfile::tempdir().unwrap();
    let config = CoreConfig::standalone(dir.path().to_path_buf());
    config.join(&first.code).await.unwrap();
    assert_eq!(
        work_in_joined(&config, "chu@shop.vn").await,
        first.workspace_id
    );
    // The mirror's WAL files come and go with its connections: not part of what is kept.
    let kept = |dir: &std::path::Path| -> Vec<String> {
        files_in(dir)
            .into_iter()
            .filter(|f| !f.ends_with("-wal") && !f.ends_with("-shm") && f != "workspace.tmp")
            .collect()
    };
    let first_files = kept(dir.path());
    assert!(first_files.iter().any(|f| f.starts_with("mirror-")));
    assert!(first_files.contains(&format!("workspace-{}.code", first.workspace_id)));

    // The pointer's temporary file cannot be made: a directory holds its name.
    std::fs::create_dir_all(dir.path().join("workspace.tmp/blocked")).unwrap();
    let err = config.join(&second.code).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Configuration, "{err}");
    assert!(!err.to_string().contains(second.code.expose_secret()));
    let joined = config.joined_workspace().unwrap().unwrap();
    assert_eq!(joined.workspace_id, first.workspace_id);
    assert_eq!(
        kept(dir.path()),
        first_files,
        "the first is kept whole, nothing of the second"
    );
    assert_eq!(
        work_in_joined(&config, "chu@shop.vn").await,
        first.workspace_id
    );

    std::fs::remove_dir_all(dir.path().join("workspace.tmp")).unwrap();
    let joined = config.join(&second.code).await.unwrap();
    assert_eq!(joined.workspace_id, second.workspace_id);
    let switched = files_in(dir.path());
    assert!(
        !switched.iter().any(|f| f.starts_with("mirror-")),
        "the first's mirror went with it: {switched:?}"
    );
    assert_eq!(
        switched
            .iter()
            .filter(|f| f.ends_with(".code"))
            .collect::<Vec<_>>(),
        vec![&format!("workspace-{}.code", second.workspace_id)]
    );
    assert_eq!(
        work_in_joined(&config, "chu@mypham.vn").await,
        second.workspace_id
    );
    config.leave().unwrap();
    server.cleanup().await;
}
