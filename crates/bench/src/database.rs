//! A database `bench_<uuid>` of its own for each run of a bench, next to the maintenance
//! database it is given, dropped at the end.

use anyhow::Context as _;
use sqlx::Connection;
use uuid::Uuid;

/// A database `bench_<uuid>` made for one run and dropped at its end.
pub struct Database {
    admin_url: String,
    name: String,
    pub url: String,
}

impl Database {
    /// Creates an empty database next to `admin_url` (a maintenance database reachable by a
    /// role with CREATEDB).
    pub async fn create(admin_url: &str) -> anyhow::Result<Self> {
        let name = format!("bench_{}", Uuid::new_v4().simple());
        let mut admin = sqlx::PgConnection::connect(admin_url)
            .await
            .context("connecting to the maintenance database")?;
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .context("creating the bench database")?;
        admin.close().await.ok();
        let (path, query) = admin_url.split_once('?').unwrap_or((admin_url, ""));
        let (base, _) = path
            .rsplit_once('/')
            .context("the database URL has no database name")?;
        let query = if query.is_empty() {
            String::new()
        } else {
            format!("?{query}")
        };
        Ok(Self {
            admin_url: admin_url.to_owned(),
            url: format!("{base}/{name}{query}"),
            name,
        })
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Takes the database out of reach as an outage would: no new connections, and the open
    /// ones ended. Returns the connections ended.
    pub async fn cut_off(&self) -> anyhow::Result<u64> {
        let mut admin = sqlx::PgConnection::connect(&self.admin_url).await?;
        self.allow_connections(&mut admin, false)
            .await
            .context("refusing connections to the bench database")?;
        let ended: i64 = sqlx::query_scalar(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity \
             WHERE datname = $1 AND pid <> pg_backend_pid()",
        )
        .bind(&self.name)
        .fetch_one(&mut admin)
        .await
        .context("ending the connections to the bench database")?;
        admin.close().await.ok();
        Ok(ended.max(0) as u64)
    }

    /// Lets connections in again after [`Self::cut_off`].
    pub async fn reopen(&self) -> anyhow::Result<()> {
        let mut admin = sqlx::PgConnection::connect(&self.admin_url).await?;
        self.allow_connections(&mut admin, true)
            .await
            .context("letting connections to the bench database in again")?;
        admin.close().await.ok();
        Ok(())
    }

    async fn allow_connections(
        &self,
        admin: &mut sqlx::PgConnection,
        allow: bool,
    ) -> sqlx::Result<()> {
        sqlx::query(&format!(
            "ALTER DATABASE {} WITH ALLOW_CONNECTIONS {allow}",
            self.name
        ))
        .execute(admin)
        .await?;
        Ok(())
    }

    /// Drops the database, ending any connection still open on it.
    pub async fn drop_now(self) -> anyhow::Result<()> {
        let mut admin = sqlx::PgConnection::connect(&self.admin_url).await?;
        // An autovacuum worker (the server's own role, which FORCE may not end) can be busy in
        // the database right after a big load: try again for a few seconds.
        let mut attempt = 0;
        loop {
            attempt += 1;
            let dropped = sqlx::query(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .execute(&mut admin)
            .await;
            match dropped {
                Ok(_) => break,
                Err(_) if attempt < 10 => {
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                }
                Err(err) => return Err(err).context("dropping the bench database"),
            }
        }
        admin.close().await.ok();
        Ok(())
    }
}
