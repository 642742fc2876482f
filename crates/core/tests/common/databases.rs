//! Databases of their own on the test server (`TEST_DATABASE_URL`), made, looked into and
//! dropped: for the core's tests and, included by path, the CLI's.

use sqlx::Connection;

pub fn test_database_url() -> String {
    std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| {
        panic!(
            "TEST_DATABASE_URL is not set. Run the suite with scripts/test.sh, or point it at a \
             PostgreSQL maintenance database reachable by a role with CREATEDB."
        )
    })
}

/// Creates an empty database on the test server and returns its URL.
pub async fn fresh_postgres_url() -> String {
    let admin_url = test_database_url();
    let name = format!("it_{}", uuid::Uuid::new_v4().simple());
    let mut admin = sqlx::PgConnection::connect(&admin_url)
        .await
        .expect("connect to TEST_DATABASE_URL");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .expect("create test database");
    admin.close().await.ok();
    let (base, _) = admin_url.rsplit_once('/').expect("URL has a database name");
    format!("{base}/{name}")
}

/// A connection to `url` as the schema owner (the test role) that sees every workspace's rows:
/// row-level security is forced on the owner too, but the owner is trusted to ask for them all.
pub async fn owner_connection(url: &str) -> sqlx::PgConnection {
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    sqlx::query("SELECT set_config('app.all_tenants', 'on', false)")
        .execute(&mut conn)
        .await
        .unwrap();
    conn
}

/// Drops a test database and every role named after it.
pub async fn drop_database_and_roles(database: &str) {
    let mut admin = sqlx::PgConnection::connect(&test_database_url())
        .await
        .expect("connect to TEST_DATABASE_URL");
    // FORCE ends the sessions still open on it (a pool dropped a moment ago closes in the
    // background), but refuses while one of them is starting or exiting (it has no role yet, or
    // no longer): such a session is gone within moments, so the drop is tried again until then.
    for attempt in 0.. {
        match sqlx::query(&format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)"))
            .execute(&mut admin)
            .await
        {
            Ok(_) => break,
            Err(err)
                if attempt < 100
                    && err
                        .as_database_error()
                        .and_then(|db| db.code())
                        .is_some_and(|code| code == "42501" || code == "55006") =>
            {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            Err(err) => panic!("dropping database {database}: {err}"),
        }
    }
    let roles: Vec<String> = sqlx::query_scalar(
        "SELECT rolname::text FROM pg_roles WHERE rolname LIKE $1 || '\\_%' \
         ORDER BY rolname LIKE '%\\_w\\_%' DESC, rolname",
    )
    .bind(database)
    .fetch_all(&mut admin)
    .await
    .unwrap();
    for role in roles {
        sqlx::query(&format!("DROP ROLE IF EXISTS \"{role}\""))
            .execute(&mut admin)
            .await
            .unwrap_or_else(|err| panic!("dropping role {role}: {err}"));
    }
    admin.close().await.ok();
}
