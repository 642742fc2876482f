//! Standalone mode (the default) and the offline mirror: one SQLite file in the data
//! directory. SQLite has no row-level security, so every statement names the tenant.
//!
//! Writes start with a write (the row-version counter) so the transaction takes SQLite's write
//! lock at once; concurrent writers then queue on `busy_timeout` instead of failing on a lock
//! upgrade.

#[macro_use]
mod binds;

mod accounts;
mod alerts;
mod assignments;
mod feed;
mod integrations;
mod jobs;
mod keys;
mod outbox;
mod report;
pub mod rows;
mod sync;

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::error::DatabaseError;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{Connection, FromRow, Sqlite, SqliteConnection, Transaction};

use super::{commit_or_stale, Constraint, Store, StoreError, StoreResult};
use crate::domain::TenantId;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/sqlite");

type SqliteQuery<'q> = sqlx::query::Query<'q, Sqlite, sqlx::sqlite::SqliteArguments<'q>>;
type SqliteQueryAs<'q, T> = sqlx::query::QueryAs<'q, Sqlite, T, sqlx::sqlite::SqliteArguments<'q>>;

#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

fn ts(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn parse_ts(text: &str) -> StoreResult<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|at| at.with_timezone(&Utc))
        .map_err(|_| StoreError::Database(format!("unexpected stored time {text:?}")))
}

/// SQLite's rules for a database error (called by `From<sqlx::Error> for StoreError` once it has
/// recognised the error as SQLite's): SQLite names the columns, not the index.
pub(in crate::store) fn database_error(db: &dyn DatabaseError) -> StoreError {
    if db.is_unique_violation() {
        let message = db.message();
        return if message.contains("integrations.external_id") {
            StoreError::Conflict(Constraint::PancakeShopPerTenant)
        } else if message.contains("integrations.tenant_id") {
            StoreError::Conflict(Constraint::OneMetaAdsPerTenant)
        } else if message.contains("users.") || message.contains("index 'users_email") {
            StoreError::Conflict(Constraint::UserEmail)
        } else if message.contains("tenant_keys.") {
            StoreError::Conflict(Constraint::TenantKeyVersion)
        } else {
            StoreError::Database(message.to_owned())
        };
    }
    if db.message().contains("spend_assignments_shares_add_up") {
        return StoreError::Conflict(Constraint::SpendShares);
    }
    // SQLITE_BUSY / SQLITE_LOCKED after the busy timeout: another process holds the file; the
    // user should retry, not read about an internal error.
    if matches!(db.code().as_deref(), Some("5" | "6" | "517" | "262")) {
        return StoreError::Unavailable(db.message().to_owned());
    }
    StoreError::Database(db.message().to_owned())
}

/// Takes the next global row version; as the first statement of a transaction it also takes
/// the write lock.
async fn next_row_version(tx: &mut Transaction<'static, Sqlite>) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(
        "UPDATE row_version_counter SET value = value + 1 WHERE id = 1 RETURNING value",
    )
    .fetch_one(&mut **tx)
    .await?)
}

impl SqliteStore {
    /// Opens (creating if needed) the database file and applies pending migrations. The file
    /// (and so its `-wal` and `-shm`) is made 0600 before SQLite sees it: it holds password
    /// hashes, refresh token hashes and sealed credentials.
    pub async fn open(path: &Path) -> StoreResult<Self> {
        crate::private_fs::prepare_sqlite(path)
            .map_err(|err| StoreError::Unavailable(format!("{}: {err}", path.display())))?;
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(|err| StoreError::Unavailable(format!("{}: {err}", path.display())))?;
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|err| StoreError::Migration(err.to_string()))?;
        Ok(Self { pool })
    }

    /// Whether the database file at `path` holds a workspace, read-only: the file is never
    /// created, migrated or written here (a database in WAL mode gets its empty `-wal` and `-shm`
    /// files beside it, as any open of it does). No file, or one without the schema yet, holds
    /// none.
    pub async fn holds_workspace(path: &Path) -> StoreResult<bool> {
        let unavailable = |err: &dyn std::fmt::Display| {
            StoreError::Unavailable(format!("{}: {err}", path.display()))
        };
        if !path.try_exists().map_err(|err| unavailable(&err))? {
            return Ok(false);
        }
        let options = SqliteConnectOptions::new().filename(path).read_only(true);
        let mut connection = SqliteConnection::connect_with(&options)
            .await
            .map_err(|err| unavailable(&err))?;
        let has_tenants: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'tenants')",
        )
        .fetch_one(&mut connection)
        .await?;
        let holds = has_tenants
            && sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM tenants)")
                .fetch_one(&mut connection)
                .await?;
        // What was read stands; a failure to close a read-only connection changes nothing.
        let _ = connection.close().await;
        Ok(holds)
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    async fn begin(&self) -> StoreResult<Transaction<'static, Sqlite>> {
        Ok(self.pool.begin().await?)
    }

    /// One statement in a write transaction of its own: it first takes the next row version
    /// (and with it the write lock), which the statement is given to stamp its rows with. How
    /// many rows it changed.
    async fn write_one<'q>(
        &self,
        statement: impl FnOnce(i64) -> SqliteQuery<'q> + Send,
    ) -> StoreResult<u64> {
        let mut tx = self.begin().await?;
        let version = next_row_version(&mut tx).await?;
        let changed = statement(version).execute(&mut *tx).await?.rows_affected();
        tx.commit().await?;
        Ok(changed)
    }

    /// [`Self::write_one`] for a statement that returns the row it wrote (`None`: it wrote none).
    async fn write_returning<'q, T>(
        &self,
        statement: impl FnOnce(i64) -> SqliteQueryAs<'q, T> + Send,
    ) -> StoreResult<Option<T>>
    where
        T: for<'r> FromRow<'r, SqliteRow> + Send + Unpin,
    {
        let mut tx = self.begin().await?;
        let version = next_row_version(&mut tx).await?;
        let row = statement(version).fetch_optional(&mut *tx).await?;
        tx.commit().await?;
        Ok(row)
    }

    /// [`Self::write_returning`] for an edit made on a version read earlier: no row means the row
    /// changed since it was read ([`StoreError::Stale`], nothing kept).
    async fn write_or_stale<'q, T>(
        &self,
        statement: impl FnOnce(i64) -> SqliteQueryAs<'q, T> + Send,
    ) -> StoreResult<T>
    where
        T: for<'r> FromRow<'r, SqliteRow> + Send + Unpin,
    {
        let mut tx = self.begin().await?;
        let version = next_row_version(&mut tx).await?;
        let row = statement(version).fetch_optional(&mut *tx).await?;
        commit_or_stale(tx, row).await
    }

    /// Runs one statement on its own; whether it changed exactly one row (the row it names was
    /// there).
    async fn changed_one(&self, statement: SqliteQuery<'_>) -> StoreResult<bool> {
        Ok(statement.execute(&self.pool).await?.rows_affected() == 1)
    }

    /// Every row a SELECT finds whose one parameter is the tenant.
    async fn tenant_rows<T>(&self, sql: &str, tenant: TenantId) -> StoreResult<Vec<T>>
    where
        T: for<'r> FromRow<'r, SqliteRow> + Send + Unpin,
    {
        Ok(sqlx::query_as(sql)
            .bind(tenant.to_string())
            .fetch_all(&self.pool)
            .await?)
    }

    /// The one value a SELECT finds whose one parameter is the tenant, if it finds a row.
    async fn tenant_value<T>(&self, sql: &str, tenant: TenantId) -> StoreResult<Option<T>>
    where
        T: Send + Unpin,
        (T,): for<'r> FromRow<'r, SqliteRow>,
    {
        Ok(sqlx::query_scalar(sql)
            .bind(tenant.to_string())
            .fetch_optional(&self.pool)
            .await?)
    }
}

impl Store for SqliteStore {
    fn kind(&self) -> &'static str {
        "sqlite"
    }
}
