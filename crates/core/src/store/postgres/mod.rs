//! Shared mode: PostgreSQL, the source of truth, with row-level security.
//!
//! Each tenant-scoped call runs in a transaction that first sets `app.tenant_id` (local to the
//! transaction), so the FORCEd policies in `migrations/postgres` decide what is visible. The
//! explicit `tenant_id` predicates in the SQL are a second fence, not the only one.

mod accounts;
mod alerts;
mod assignments;
mod feed;
mod integrations;
mod jobs;
mod keys;
mod report;
mod rows;
mod server;
mod sync;
mod webhooks;

pub use server::{LagRow, SyncRunTotals};
pub use webhooks::{DeliveryLog, DeliveryTx, DeliveryWrite, REFUSALS_LOGGED_PER_HOUR};

use std::str::FromStr;
use std::time::Duration;

use sqlx::error::DatabaseError;
use sqlx::postgres::{PgArguments, PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::{FromRow, PgConnection, Postgres, Transaction};

use super::{Constraint, Store, StoreError, StoreResult};
use crate::domain::TenantId;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/postgres");

type PgQuery<'q> = sqlx::query::Query<'q, Postgres, PgArguments>;
type PgQueryAs<'q, T> = sqlx::query::QueryAs<'q, Postgres, T, PgArguments>;

#[derive(Clone)]
pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// One round trip: does the server answer?
    pub async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Connects and applies pending migrations. `acquire_timeout` is short so that a server
    /// that went away is reported within seconds rather than hanging the UI.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let options = PgConnectOptions::from_str(url)
            .map_err(|_| StoreError::Unavailable("the PostgreSQL URL is not valid".into()))?
            .application_name("integration-manager");
        let pool = PgPoolOptions::new()
            .max_connections(10)
            .acquire_timeout(Duration::from_secs(3))
            .connect_with(options)
            .await?;
        let store = Self { pool };
        store.migrate().await?;
        Ok(store)
    }

    /// A pool that connects on first use and runs no migrations yet: shared mode starts on the
    /// mirror without waiting for the server, and migrates once it answers (see [`Self::migrate`]).
    /// The options come with the TLS rule applied (`workspace::tls`, by the caller).
    pub fn connect_lazy_with(options: PgConnectOptions) -> Self {
        let pool = PgPoolOptions::new()
            .max_connections(10)
            .acquire_timeout(Duration::from_secs(2))
            .connect_lazy_with(options.application_name("integration-manager"));
        Self { pool }
    }

    /// Connects now, without migrating (the admin commands migrate explicitly).
    pub async fn connect_with(options: PgConnectOptions) -> StoreResult<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(3))
            .connect_with(options.application_name("integration-manager"))
            .await?;
        Ok(Self { pool })
    }

    /// The schema version this build needs: its newest migration.
    pub fn expected_schema_version() -> i64 {
        MIGRATOR
            .iter()
            .map(|migration| migration.version)
            .max()
            .unwrap_or_default()
    }

    /// Brings the schema up to date when this connection owns it (the admin, or a server-side
    /// process started with the owner's URL). A workspace's or the server's role may not change
    /// the schema: for them this checks that the operator has, and says what to do if not.
    pub async fn migrate(&self) -> StoreResult<()> {
        let owns_schema: bool =
            sqlx::query_scalar("SELECT has_schema_privilege('public', 'CREATE')")
                .fetch_one(&self.pool)
                .await?;
        if !owns_schema {
            return self.check_schema().await;
        }
        MIGRATOR.run(&self.pool).await.map_err(|err| match err {
            sqlx::migrate::MigrateError::Execute(inner) => match StoreError::from(inner) {
                StoreError::Unavailable(msg) => StoreError::Unavailable(msg),
                other => StoreError::Migration(other.to_string()),
            },
            other => StoreError::Migration(other.to_string()),
        })?;
        // Clients that may not migrate read the version from here (RLS: the owner is trusted).
        sqlx::query("UPDATE server_identity SET schema_version = greatest(schema_version, $1)")
            .bind(Self::expected_schema_version())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn check_schema(&self) -> StoreResult<()> {
        let found: Option<i64> = sqlx::query_scalar("SELECT schema_version FROM server_identity")
            .fetch_optional(&self.pool)
            .await
            .unwrap_or(None);
        let needed = Self::expected_schema_version();
        match found {
            Some(version) if version >= needed => Ok(()),
            _ => Err(StoreError::Migration(format!(
                "the server's database is not up to date for this version of Integration                  Manager (it needs schema {needed}): ask its operator to run `integrations admin                  init`"
            ))),
        }
    }

    /// The pool, for tests that must look under the store (RLS checks, ciphertext checks).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    async fn begin(&self) -> StoreResult<Transaction<'static, Postgres>> {
        Ok(self.pool.begin().await?)
    }

    /// A transaction with one of the settings the row-level policies read (see
    /// `migrations/postgres`) set for it alone.
    async fn tx_with(
        &self,
        setting: &str,
        value: &str,
    ) -> StoreResult<Transaction<'static, Postgres>> {
        let mut tx = self.begin().await?;
        set_local(&mut tx, setting, value).await?;
        Ok(tx)
    }

    async fn tenant_tx(&self, tenant: TenantId) -> StoreResult<Transaction<'static, Postgres>> {
        self.tx_with("app.tenant_id", &tenant.to_string()).await
    }

    /// One unit of work as the tenant, in its own transaction.
    async fn as_tenant<T>(
        &self,
        tenant: TenantId,
        work: impl AsyncFnOnce(&mut PgConnection) -> sqlx::Result<T>,
    ) -> StoreResult<T> {
        commit_after(self.tenant_tx(tenant).await?, work).await
    }

    /// One statement as the tenant, in its own transaction.
    async fn execute_as(&self, tenant: TenantId, statement: PgQuery<'_>) -> StoreResult<()> {
        self.as_tenant(tenant, async |tx| {
            statement.execute(&mut *tx).await.map(drop)
        })
        .await
    }

    /// One statement as the tenant, in its own transaction; whether it changed exactly one row
    /// (the row it names was there).
    async fn changed_one(&self, tenant: TenantId, statement: PgQuery<'_>) -> StoreResult<bool> {
        self.as_tenant(tenant, async |tx| {
            Ok(statement.execute(&mut *tx).await?.rows_affected() == 1)
        })
        .await
    }

    /// Every row a SELECT finds whose one parameter is the tenant.
    async fn tenant_rows<T>(&self, sql: &str, tenant: TenantId) -> StoreResult<Vec<T>>
    where
        T: for<'r> FromRow<'r, PgRow> + Send + Unpin,
    {
        self.as_tenant(tenant, async |tx| {
            sqlx::query_as(sql).bind(tenant).fetch_all(&mut *tx).await
        })
        .await
    }

    /// The one value a SELECT finds whose one parameter is the tenant, if it finds a row.
    async fn tenant_value<T>(&self, sql: &str, tenant: TenantId) -> StoreResult<Option<T>>
    where
        T: Send + Unpin,
        (T,): for<'r> FromRow<'r, PgRow>,
    {
        self.as_tenant(tenant, async |tx| {
            sqlx::query_scalar(sql)
                .bind(tenant)
                .fetch_optional(&mut *tx)
                .await
        })
        .await
    }

    /// One unit of work across every tenant, in its own transaction (see
    /// [`Self::all_tenants_tx`]).
    async fn across_tenants<T>(
        &self,
        work: impl AsyncFnOnce(&mut PgConnection) -> sqlx::Result<T>,
    ) -> StoreResult<T> {
        commit_after(self.all_tenants_tx().await?, work).await
    }

    /// A transaction that sees every tenant: only the schema owner's and the server role's
    /// sessions can (see `app_all_tenants()`); a workspace role still sees its own rows only.
    async fn all_tenants_tx(&self) -> StoreResult<Transaction<'static, Postgres>> {
        self.tx_with("app.all_tenants", "on").await
    }
}

/// Runs one unit of work in the transaction, then commits it. A failed step rolls back (the
/// transaction is dropped uncommitted).
async fn commit_after<T>(
    mut tx: Transaction<'static, Postgres>,
    work: impl AsyncFnOnce(&mut PgConnection) -> sqlx::Result<T>,
) -> StoreResult<T> {
    let out = work(&mut tx).await?;
    tx.commit().await?;
    Ok(out)
}

async fn set_local(
    tx: &mut Transaction<'static, Postgres>,
    setting: &str,
    value: &str,
) -> StoreResult<()> {
    sqlx::query("SELECT set_config($1, $2, true)")
        .bind(setting)
        .bind(value)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// PostgreSQL's rules for a database error (called by `From<sqlx::Error> for StoreError` once it
/// has recognised the error as PostgreSQL's): unique indexes and checks are told by name.
pub(in crate::store) fn database_error(db: &dyn DatabaseError) -> StoreError {
    if db.is_unique_violation() {
        return match db.constraint() {
            Some("integrations_one_meta_ads_per_tenant") => {
                StoreError::Conflict(Constraint::OneMetaAdsPerTenant)
            }
            Some("integrations_pancake_shop_per_tenant") => {
                StoreError::Conflict(Constraint::PancakeShopPerTenant)
            }
            Some("users_email_unique") => StoreError::Conflict(Constraint::UserEmail),
            Some("tenant_keys_pkey") => StoreError::Conflict(Constraint::TenantKeyVersion),
            _ => StoreError::Database(db.message().to_owned()),
        };
    }
    if db.constraint() == Some("spend_assignments_shares_add_up") {
        return StoreError::Conflict(Constraint::SpendShares);
    }
    let code = db.code().unwrap_or_default();
    // Class 08: connection exceptions; 57P0x: the server is shutting down or starting.
    if code.starts_with("08") || code.starts_with("57P") || code == "53300" {
        StoreError::Unavailable(db.message().to_owned())
    } else {
        StoreError::Database(db.message().to_owned())
    }
}

impl Store for PostgresStore {
    fn kind(&self) -> &'static str {
        "postgres"
    }
}
