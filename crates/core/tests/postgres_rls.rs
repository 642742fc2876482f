//! Shared mode's isolation, proved under the store: row-level security is forced on every tenant
//! table and the test role is an ordinary one, so the policies really decide what is seen.

mod common;

use common::{fresh_postgres_url, new_pancake, refused_sign_in, Backend, TestEnv};
use integrations_core::store::PostgresStore;
use integrations_core::{CoreConfig, DatabaseTarget, ErrorCode};
use secrecy::SecretString;
use sqlx::Row;

const TENANT_TABLES: [&str; 5] = [
    "tenants",
    "users",
    "refresh_tokens",
    "tenant_keys",
    "integrations",
];

async fn seeded() -> (
    TestEnv,
    integrations_core::Session,
    integrations_core::Session,
) {
    let env = TestEnv::new(Backend::Postgres).await;
    let password = SecretString::from("mật khẩu 123");
    let mut sessions = Vec::new();
    for (name, email) in [("A", "a@shop.vn"), ("B", "b@shop.vn")] {
        sessions.push(
            env.core
                .sign_up(name, email, &password)
                .await
                .unwrap()
                .session,
        );
    }
    let [a, b]: [integrations_core::Session; 2] = sessions.try_into().unwrap();
    for (session, shop) in [(&a, "1"), (&b, "2")] {
        env.core
            .create_integration(
                session,
                new_pancake("Shop thời trang", shop, "key-0123456789abcdef"),
            )
            .await
            .unwrap();
    }
    (env, a, b)
}

#[tokio::test]
async fn the_test_role_is_neither_superuser_nor_bypassrls() {
    let store = PostgresStore::connect(&fresh_postgres_url().await)
        .await
        .unwrap();
    let row =
        sqlx::query("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
            .fetch_one(store.pool())
            .await
            .unwrap();
    assert!(!row.get::<bool, _>("rolsuper"));
    assert!(!row.get::<bool, _>("rolbypassrls"));
}

#[tokio::test]
async fn row_level_security_is_forced_on_every_tenant_table() {
    let store = PostgresStore::connect(&fresh_postgres_url().await)
        .await
        .unwrap();
    // Every table with a tenant_id, found in the catalogue, so a new table cannot be missed;
    // the job queue is the one exception (ids and times only: see 0003_sync.sql).
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.columns \
         WHERE column_name = 'tenant_id' AND table_schema = 'public' \
         AND table_name <> 'sync_jobs' ORDER BY 1",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    assert!(tables.len() >= 10, "found only {tables:?}");
    let mut all: Vec<String> = TENANT_TABLES.iter().map(|t| t.to_string()).collect();
    all.extend(tables);
    all.sort();
    all.dedup();
    for table in &all {
        let row = sqlx::query(
            "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = $1",
        )
        .bind(table)
        .fetch_one(store.pool())
        .await
        .unwrap();
        assert!(
            row.get::<bool, _>("relrowsecurity"),
            "{table} has RLS disabled"
        );
        assert!(
            row.get::<bool, _>("relforcerowsecurity"),
            "{table} does not FORCE RLS"
        );
    }
}

#[tokio::test]
async fn a_query_with_no_tenant_set_sees_no_rows() {
    let (env, _a, _b) = seeded().await;
    let pool = env.pg.as_ref().unwrap().pool();
    for table in TENANT_TABLES {
        let count: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(pool)
            .await
            .unwrap();
        assert_eq!(count, 0, "{table} shows rows with no tenant set");
    }
}

#[tokio::test]
async fn a_tenant_sees_only_its_own_rows_even_when_asking_for_others() {
    let (env, a, b) = seeded().await;
    let mut tx = env.pg_tenant_tx(a.tenant_id()).await;
    let visible: Vec<uuid::Uuid> = sqlx::query_scalar("SELECT tenant_id FROM integrations")
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    assert_eq!(visible, vec![a.tenant_id()]);
    let others: i64 = sqlx::query_scalar("SELECT count(*) FROM integrations WHERE tenant_id = $1")
        .bind(b.tenant_id())
        .fetch_one(&mut *tx)
        .await
        .unwrap();
    assert_eq!(others, 0);
    // Writing a row for another tenant is refused by the policy's WITH CHECK.
    let err = sqlx::query("UPDATE integrations SET tenant_id = $1")
        .bind(b.tenant_id())
        .execute(&mut *tx)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("row-level security"), "{err}");
    tx.rollback().await.unwrap();
    // And deleting "everything" as A leaves B's rows alone.
    let mut tx = env.pg_tenant_tx(a.tenant_id()).await;
    sqlx::query("DELETE FROM integrations")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(env.core.list_integrations(&b).await.unwrap().len(), 1);
    assert!(env.core.list_integrations(&a).await.unwrap().is_empty());
}

#[tokio::test]
async fn an_unreachable_server_means_offline_with_no_secret_in_any_message() {
    // Bind a port, then free it: nothing listens there.
    let port = common::own_postgres::free_port();
    let dir = tempfile::tempdir().unwrap();
    let mut config = CoreConfig::standalone(dir.path().to_path_buf());
    config.database = DatabaseTarget::Postgres {
        url: SecretString::from(format!("postgres://u:SECRET-PW@127.0.0.1:{port}/db")),
    };
    config.master_key = Some(SecretString::from(
        integrations_core::crypto::MasterKey::generate()
            .to_base64()
            .to_string(),
    ));
    // Shared mode opens on its mirror whatever the server does, and finds it gone.
    let core = config
        .open(std::sync::Arc::new(common::NoProviderCalls))
        .await
        .unwrap();
    assert_eq!(
        core.check_link().await,
        integrations_core::LinkMode::Offline
    );
    let err = core
        .sign_up("Shop", "a@shop.vn", &SecretString::from("mật khẩu 123"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Offline);
    assert!(!err.to_string().contains("SECRET-PW"));
    // Offline, an email the mirror has never seen is answered like a wrong password, so the
    // answer does not tell whether the account exists.
    let err = refused_sign_in(&core, "a@shop.vn", "mật khẩu 123").await;
    assert_eq!(err.code(), ErrorCode::Unauthenticated);
    assert_eq!(
        err.to_string(),
        integrations_core::auth::BAD_CREDENTIALS_OFFLINE
    );
    assert!(!err.to_string().contains("SECRET-PW"));
    assert!(!format!("{config:?}").contains("SECRET-PW"));
}

#[tokio::test]
async fn shared_mode_without_a_master_key_says_what_to_set() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = CoreConfig::standalone(dir.path().to_path_buf());
    config.database = DatabaseTarget::Postgres {
        url: SecretString::from(fresh_postgres_url().await),
    };
    let err = config
        .open(std::sync::Arc::new(common::NoProviderCalls))
        .await
        .err()
        .unwrap();
    assert_eq!(err.code(), ErrorCode::Configuration);
    assert!(err.to_string().contains("INTEGRATIONS_MASTER_KEY"));
}
