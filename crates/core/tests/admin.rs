//! The operator's commands against a real PostgreSQL: workspaces get login roles and codes,
//! rotating and revoking access locks old codes out at once, a database from before keeps every
//! row, and the server role works across workspaces without being able to change who is who.

mod common;

use std::sync::Arc;

use common::{assert_each_refused, new_pancake, sql_state, NoProviderCalls, SharedServer};
use integrations_core::admin::Admin;
use integrations_core::crypto::{MasterKey, TenantKeyring};
use integrations_core::workspace::ConnectionCode;
use integrations_core::{CoreConfig, Credentials, DatabaseTarget, ErrorCode, NewIntegration};
use secrecy::{ExposeSecret, SecretString};
use sqlx::{Connection, PgConnection, Row};

const PASSWORD: &str = "mật khẩu 123";

async fn connect(code: &ConnectionCode) -> Result<PgConnection, sqlx::Error> {
    PgConnection::connect_with(&code.connect_options().unwrap()).await
}

/// A server-side core (the owner's URL and the master key), as the worker runs.
async fn server_core(
    url: &str,
    master: &MasterKey,
) -> (integrations_core::Core, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = CoreConfig::standalone(dir.path().to_path_buf());
    config.database = DatabaseTarget::Postgres {
        url: SecretString::from(url.to_owned()),
    };
    config.master_key = Some(SecretString::from(master.to_base64().to_string()));
    let core = config.open(Arc::new(NoProviderCalls)).await.unwrap();
    assert_eq!(core.check_link().await, integrations_core::LinkMode::Online);
    (core, dir)
}

fn pancake(shop: &str) -> NewIntegration {
    new_pancake("Shop thời trang", shop, &format!("key-{shop}-0123456789"))
}

/// The one value `sql` returns with `$1` bound to `arg`, on a connection of its own to `url`.
async fn scalar_on<T>(url: &str, sql: &str, arg: &str) -> T
where
    T: for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres> + Send + Unpin,
{
    let mut conn = PgConnection::connect(url).await.unwrap();
    sqlx::query_scalar(sql)
        .bind(arg)
        .fetch_one(&mut conn)
        .await
        .unwrap()
}

/// The count `sql` returns on `conn`.
async fn count(conn: &mut PgConnection, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(conn).await.unwrap()
}

async fn role_exists(role: &str) -> bool {
    let sql = "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)";
    scalar_on(&common::databases::test_database_url(), sql, role).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_workspace_gets_a_role_that_sees_it_and_a_code_as_the_last_word() {
    let server = SharedServer::new().await;
    let issued = server.workspace("Shop thời trang", "chu@shop.vn").await;
    assert!(issued.role.starts_with(&format!("{}_w_", server.database)));
    let code = ConnectionCode::parse(&issued.code).unwrap();
    assert_eq!(code.workspace_id, issued.workspace_id);
    assert_eq!(code.role, issued.role);
    let mut conn = connect(&code).await.unwrap();
    let row = sqlx::query("SELECT t.name, a.key_id FROM tenants t, workspace_access a")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(row.get::<String, _>("name"), "Shop thời trang");
    assert_eq!(row.get::<String, _>("key_id"), code.workspace_key.key_id());
    // The data key is there from the start, wrapped for the workspace and for the server.
    let wrapped: (String, String) =
        sqlx::query_as("SELECT wrapped_key, workspace_wrapped_key FROM tenant_keys")
            .fetch_one(&mut conn)
            .await
            .unwrap();
    assert!(code
        .workspace_key
        .unwrap(code.workspace_id, 1, &wrapped.1)
        .is_ok());
    assert!(server
        .master
        .unwrap(code.workspace_id, 1, &wrapped.0)
        .is_ok());
    let listed = server.admin.list_workspaces().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].status, "active");
    assert_eq!(listed[0].users, 1);
    conn.close().await.unwrap();
    server.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_to_create_workspace_saves_nothing() {
    let server = SharedServer::new().await;
    server.workspace("Shop A", "chu@shop.vn").await;
    let roles_before = count_roles(&server).await;
    let password = SecretString::from(PASSWORD);
    for (name, email, password, code) in [
        ("", "x@shop.vn", &password, ErrorCode::Validation),
        ("Shop", "not an email", &password, ErrorCode::Validation),
        (
            "Shop",
            "x@shop.vn",
            &SecretString::from("short"),
            ErrorCode::Validation,
        ),
        ("Shop B", "CHU@shop.vn", &password, ErrorCode::Conflict),
    ] {
        let err = server
            .admin
            .create_workspace(name, email, password)
            .await
            .unwrap_err();
        assert_eq!(err.code(), code, "{name} {email}: {err}");
        assert!(!err.to_string().contains(PASSWORD));
    }
    assert_eq!(server.admin.list_workspaces().await.unwrap().len(), 1);
    assert_eq!(
        count_roles(&server).await,
        roles_before,
        "a role was left behind"
    );
    server.cleanup().await;
}

async fn count_roles(server: &SharedServer) -> i64 {
    let sql = "SELECT count(*) FROM pg_roles WHERE rolname LIKE $1 || '\\_%'";
    scalar_on(&server.url, sql, &server.database).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotating_access_locks_the_old_code_out_and_rewraps_without_touching_credentials() {
    let server = SharedServer::new().await;
    let issued = server.workspace("Shop thời trang", "chu@shop.vn").await;
    let old = ConnectionCode::parse(&issued.code).unwrap();
    let (core, _dir) = server_core(&server.url, &server.master).await;
    let session = core
        .sign_in("chu@shop.vn", &SecretString::from(PASSWORD))
        .await
        .unwrap()
        .session;
    core.create_integration(&session, pancake("1"))
        .await
        .unwrap();
    let mut held = connect(&old).await.unwrap();
    let ciphertext_before: String = sqlx::query_scalar("SELECT credentials FROM integrations")
        .fetch_one(&mut held)
        .await
        .unwrap();

    let rotated = server
        .admin
        .rotate_workspace_access(&issued.workspace_id.to_string())
        .await
        .unwrap();
    assert_eq!(rotated.role, issued.role);
    let new = ConnectionCode::parse(&rotated.code).unwrap();
    assert_ne!(new.workspace_key.key_id(), old.workspace_key.key_id());
    assert_ne!(new.password.expose_secret(), old.password.expose_secret());

    // The session opened with the old code was ended; a new one is refused.
    let err = sqlx::query("SELECT 1")
        .execute(&mut held)
        .await
        .unwrap_err();
    assert!(
        sql_state(&err).is_none_or(|state| state.starts_with("57")),
        "{err}"
    );
    let err = connect(&old).await.unwrap_err();
    assert_eq!(sql_state(&err).as_deref(), Some("28P01"), "{err}");

    let mut conn = connect(&new).await.unwrap();
    let (ciphertext_after, version, wrapped): (String, i32, String) = sqlx::query_as(
        "SELECT i.credentials, k.version, k.workspace_wrapped_key FROM integrations i, tenant_keys k",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    assert_eq!(
        ciphertext_after, ciphertext_before,
        "rotation re-encrypted a credential"
    );
    assert!(old
        .workspace_key
        .unwrap(issued.workspace_id, version as u32, &wrapped)
        .is_err());
    let key = new
        .workspace_key
        .unwrap(issued.workspace_id, version as u32, &wrapped)
        .unwrap();
    let record = core.list_integrations(&session).await.unwrap().remove(0);
    let opened = TenantKeyring::new([key])
        .open(issued.workspace_id, record.id, &ciphertext_after)
        .unwrap();
    assert!(String::from_utf8_lossy(&opened).contains("key-1-0123456789"));
    conn.close().await.unwrap();
    drop(core);
    server.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_workspace_cannot_log_in_and_its_open_sessions_end() {
    let server = SharedServer::new().await;
    let issued = server.workspace("Shop thời trang", "chu@shop.vn").await;
    let code = ConnectionCode::parse(&issued.code).unwrap();
    let mut held = connect(&code).await.unwrap();
    let summary = server.admin.revoke_workspace(&issued.role).await.unwrap();
    assert_eq!(summary.status, "revoked");
    assert!(sqlx::query("SELECT 1").execute(&mut held).await.is_err());
    let err = connect(&code).await.unwrap_err();
    assert_eq!(sql_state(&err).as_deref(), Some("28000"), "{err}");
    // Its data stays; a rotation gives it a new code.
    let back = server
        .admin
        .rotate_workspace_access("Shop thời trang")
        .await
        .unwrap();
    let mut conn = connect(&ConnectionCode::parse(&back.code).unwrap())
        .await
        .unwrap();
    assert_eq!(count(&mut conn, "SELECT count(*) FROM users").await, 1);
    conn.close().await.unwrap();
    server.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn init_on_a_database_from_before_gives_every_workspace_its_role_and_loses_nothing() {
    // A shared database as it was: clients with the owner's URL and the master key signed up.
    let url = common::fresh_postgres_url().await;
    let database = url.rsplit('/').next().unwrap().to_owned();
    let master = MasterKey::generate();
    let (core, _dir) = server_core(&url, &master).await;
    let mut before = Vec::new();
    for (name, email, shop) in [("A", "a@shop.vn", "1"), ("B", "b@shop.vn", "2")] {
        let session = core
            .sign_up(name, email, &SecretString::from(PASSWORD))
            .await
            .unwrap()
            .session;
        let created = core
            .create_integration(&session, pancake(shop))
            .await
            .unwrap();
        before.push((session, created.id, shop));
    }

    let admin = Admin::connect(&SecretString::from(url.clone()), master.clone())
        .await
        .unwrap();
    let report = admin.init(Default::default()).await.unwrap();
    assert_eq!(report.issued.len(), 2);
    for ((session, id, shop), issued) in before.iter().zip(&report.issued) {
        assert_eq!(issued.workspace_id, session.tenant_id());
        let code = ConnectionCode::parse(&issued.code).unwrap();
        let mut conn = connect(&code).await.unwrap();
        let (credentials, version, wrapped): (String, i32, String) = sqlx::query_as(
            "SELECT i.credentials, k.version, k.workspace_wrapped_key \
             FROM integrations i, tenant_keys k WHERE i.id = $1",
        )
        .bind(id)
        .fetch_one(&mut conn)
        .await
        .unwrap();
        let key = code
            .workspace_key
            .unwrap(session.tenant_id(), version as u32, &wrapped)
            .unwrap();
        let opened = TenantKeyring::new([key])
            .open(session.tenant_id(), *id, &credentials)
            .unwrap();
        assert!(String::from_utf8_lossy(&opened).contains(&format!("key-{shop}-")));
        // And the server side still works as before.
        assert_eq!(core.list_integrations(session).await.unwrap().len(), 1);
        conn.close().await.unwrap();
    }
    // Running it again (an upgrade) changes nobody's access.
    let again = admin.init(Default::default()).await.unwrap();
    assert!(again.issued.is_empty());
    assert!(again.server_url.is_none());
    // With another master key, nothing is touched.
    let stranger = Admin::connect(&SecretString::from(url.clone()), MasterKey::generate())
        .await
        .unwrap();
    let err = stranger.init(Default::default()).await.err().unwrap();
    assert_eq!(err.code(), ErrorCode::Configuration);
    let err = stranger
        .create_workspace("C", "c@shop.vn", &SecretString::from(PASSWORD))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Configuration);
    drop((core, admin, stranger));
    common::drop_database_and_roles(&database).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_role_sees_every_workspace_when_it_asks_and_cannot_change_who_is_who() {
    let server = SharedServer::new().await;
    let a = server.workspace("A", "a@shop.vn").await;
    server.workspace("B", "b@shop.vn").await;
    let url = server.server_url.expose_secret().to_owned();
    assert!(url.contains(&format!("{}_server", server.database)));
    let mut conn = PgConnection::connect(&url).await.unwrap();
    // Like every trusted session it sees nothing until it names a tenant or asks for all.
    let tenants = "SELECT count(*) FROM tenants";
    assert_eq!(count(&mut conn, tenants).await, 0);
    sqlx::query("SELECT set_config('app.tenant_id', $1, false)")
        .bind(a.workspace_id.to_string())
        .execute(&mut conn)
        .await
        .unwrap();
    assert_eq!(count(&mut conn, tenants).await, 1);
    sqlx::query("SELECT set_config('app.all_tenants', 'on', false)")
        .execute(&mut conn)
        .await
        .unwrap();
    assert_eq!(count(&mut conn, tenants).await, 2);
    assert_each_refused(
        &mut conn,
        &[
            "UPDATE workspace_access SET revoked_at = now()",
            "DELETE FROM workspace_access",
            "CREATE ROLE intruder",
            "UPDATE server_identity SET master_key_id = 'x'",
            "CREATE TABLE stolen (x int)",
        ],
    )
    .await;
    conn.close().await.unwrap();
    server.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_database_gets_roles_of_its_own_and_cleanup_drops_them() {
    let first = SharedServer::new().await;
    let second = SharedServer::new().await;
    assert_ne!(first.database, second.database);
    let a = first.workspace("A", "a@shop.vn").await;
    let b = second.workspace("A", "a@shop.vn").await;
    assert!(a.role.starts_with(&first.database));
    assert!(b.role.starts_with(&second.database));
    // A code of one database does not open the other.
    let mut code = ConnectionCode::parse(&a.code).unwrap();
    code.server.database = second.database.clone();
    assert!(connect(&code).await.is_err());
    first.cleanup().await;
    assert!(!role_exists(&a.role).await);
    assert!(role_exists(&b.role).await);
    second.cleanup().await;
    assert!(!role_exists(&b.role).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_worker_syncs_every_workspace_with_the_server_role_and_the_master_key() {
    let server = SharedServer::new().await;
    let (owner_core, _owner_dir) = server_core(&server.url, &server.master).await;
    // One integration in each workspace.
    let mut integrations = Vec::new();
    for (name, email) in [("A", "a@shop.vn"), ("B", "b@shop.vn")] {
        let issued = server.workspace(name, email).await;
        let session = owner_core
            .sign_in(email, &SecretString::from(PASSWORD))
            .await
            .unwrap()
            .session;
        let mut shop = pancake("6036602");
        shop.credentials = Credentials::pancake(SecretString::from("one-shop:worker"));
        let created = owner_core.create_integration(&session, shop).await.unwrap();
        owner_core
            .enable_integration(&session, created.id)
            .await
            .unwrap();
        drop(issued);
        integrations.push(created.id);
    }
    drop(owner_core);

    let (_pancake_fake, _meta_fake, providers) =
        common::fake_providers(common::data_up_to_now()).await;
    // The worker: the server role's URL from `admin init`, and the master key. No migration
    // rights, no sign-in.
    let (worker, _worker_dir) = server.worker(providers).await;
    assert_eq!(
        worker.check_link().await,
        integrations_core::LinkMode::Online
    );
    let runs = worker
        .run_due_jobs("test-worker", Default::default(), 2)
        .await
        .unwrap();
    let mut synced: Vec<_> = runs
        .iter()
        .map(|run| {
            assert_eq!(
                run.outcome,
                integrations_core::SyncOutcome::Succeeded,
                "{run:?}"
            );
            run.integration_id
        })
        .collect();
    synced.sort();
    integrations.sort();
    assert_eq!(synced, integrations);
    drop(worker);
    server.cleanup().await;
}
