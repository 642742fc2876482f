//! Shared mode: PostgreSQL, the source of truth, with row-level security.
//!
//! Each tenant-scoped call runs in a transaction that first sets `app.tenant_id` (local to the
//! transaction), so the FORCEd policies in `migrations/postgres` decide what is visible. The
//! explicit `tenant_id` predicates in the SQL are a second fence, not the only one.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::{Postgres, Row, Transaction};
use uuid::Uuid;

use super::{
    Changes, ClaimScope, ClaimedJob, Constraint, IntegrationRecord, JobInfo, LoginPolicy,
    LoginThrottle, PullCursor, Reencryption, RefreshTokenRecord, ReportStore, Store, StoreError,
    StoreResult, SyncBatch, SyncRunRecord, SyncStore, SyncedTable, TenantKeyRecord, TenantRecord,
    UserRecord,
};
use crate::analytics::{
    counted_status_sql, AdRecord, AggregateKey, Dialect, InsightAggregate, OrderAggregate,
    OrderFilter, REVENUE_SQL,
};
use crate::domain::{IntegrationId, TenantId, UserId};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/postgres");

const INTEGRATION_COLUMNS: &str = "tenant_id, id, name, provider, description, credentials, \
     credentials_hint, config::text AS config, external_id, status, enabled, last_error, \
     created_at, updated_at, last_sync_at, row_version";

#[derive(Clone)]
pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// A pool that connects on first use and runs no migrations yet: shared mode starts on the
    /// mirror without waiting for the server, and migrates once it answers (see [`Self::migrate`]).
    pub fn connect_lazy(url: &str) -> StoreResult<Self> {
        let options = PgConnectOptions::from_str(url)
            .map_err(|_| StoreError::Unavailable("the PostgreSQL URL is not valid".into()))?
            .application_name("integration-manager");
        let pool = PgPoolOptions::new()
            .max_connections(10)
            .acquire_timeout(Duration::from_secs(2))
            .connect_lazy_with(options);
        Ok(Self { pool })
    }

    /// Everything of `tenant` written since `cursor`, read from one snapshot.
    pub async fn pull_changes(&self, tenant: TenantId, cursor: PullCursor) -> StoreResult<Changes> {
        let mut tx = self.begin().await?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        set_local(&mut tx, "app.tenant_id", &tenant.to_string()).await?;
        let horizon: i64 =
            sqlx::query_scalar("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
                .fetch_one(&mut *tx)
                .await
                .map_err(map_err)?;
        let since = |table: &str, columns: &str| {
            format!(
                "SELECT {columns} FROM {table} WHERE tenant_id = $1 \
                 AND (row_version > $2 OR write_xid >= $3::bigint::text::xid8)"
            )
        };
        let rows = sqlx::query(&since("integrations", INTEGRATION_COLUMNS))
            .bind(tenant)
            .bind(cursor.last_version)
            .bind(cursor.horizon)
            .fetch_all(&mut *tx)
            .await
            .map_err(map_err)?;
        let integrations = rows
            .iter()
            .map(integration_from_row)
            .collect::<StoreResult<Vec<_>>>()?;
        let mut max_synced = cursor.last_version;
        let run_rows = sqlx::query(&since(
            "sync_runs",
            "tenant_id, id, integration_id, trigger, outcome, started_at, finished_at, counts, \
             error, error_code, worker, row_version",
        ))
        .bind(tenant)
        .bind(cursor.last_version)
        .bind(cursor.horizon)
        .fetch_all(&mut *tx)
        .await
        .map_err(map_err)?;
        let mut synced = Vec::new();
        for (table, columns) in super::MIRRORED_SYNC_TABLES {
            let fields: Vec<String> = columns
                .iter()
                .map(|(name, kind)| {
                    let value = match kind {
                        super::ColumnKind::Uuid | super::ColumnKind::Json => format!("{name}::text"),
                        super::ColumnKind::Timestamp => format!(
                            "to_char({name} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
                        ),
                        super::ColumnKind::Date => format!("to_char({name}, 'YYYY-MM-DD')"),
                        _ => (*name).to_owned(),
                    };
                    format!("'{name}', {value}")
                })
                .collect();
            let rows: Vec<(serde_json::Value, i64)> = sqlx::query_as(&since(
                table,
                &format!("jsonb_build_object({}), row_version", fields.join(", ")),
            ))
            .bind(tenant)
            .bind(cursor.last_version)
            .bind(cursor.horizon)
            .fetch_all(&mut *tx)
            .await
            .map_err(map_err)?;
            for (row, version) in rows {
                synced.push((*table, row));
                max_synced = max_synced.max(version);
            }
        }
        let tombstones = sqlx::query(&format!(
            "{} AND table_name IN ('integrations', 'sync_runs')",
            since("tombstones", "table_name, row_id, row_version")
        ))
        .bind(tenant)
        .bind(cursor.last_version)
        .bind(cursor.horizon)
        .fetch_all(&mut *tx)
        .await
        .map_err(map_err)?;
        let get = |err: sqlx::Error| StoreError::Database(err.to_string());
        let mut last_version = max_synced;
        let mut deleted_integrations = Vec::with_capacity(tombstones.len());
        let mut deleted_sync_runs = Vec::new();
        for row in &tombstones {
            let id = row.try_get::<Uuid, _>("row_id").map_err(get)?;
            if row.try_get::<&str, _>("table_name").map_err(get)? == "sync_runs" {
                deleted_sync_runs.push(id);
            } else {
                deleted_integrations.push(id);
            }
            last_version = last_version.max(row.try_get::<i64, _>("row_version").map_err(get)?);
        }
        let mut sync_runs = Vec::with_capacity(run_rows.len());
        for row in &run_rows {
            last_version = last_version.max(row.try_get::<i64, _>("row_version").map_err(get)?);
            sync_runs.push(run_from_row(row)?);
        }
        for record in &integrations {
            last_version = last_version.max(record.version);
        }
        // Small and rarely changed: sent whole every time.
        let tenant_row =
            sqlx::query("SELECT id, name, created_at, time_zone FROM tenants WHERE id = $1")
                .bind(tenant)
                .fetch_optional(&mut *tx)
                .await
                .map_err(map_err)?;
        let tenant_record = tenant_row
            .map(|row| {
                Ok::<_, StoreError>(TenantRecord {
                    id: row.try_get("id").map_err(get)?,
                    name: row.try_get("name").map_err(get)?,
                    created_at: row.try_get("created_at").map_err(get)?,
                    time_zone: row.try_get("time_zone").map_err(get)?,
                })
            })
            .transpose()?;
        let keys = sqlx::query(
            "SELECT version, wrapped_key FROM tenant_keys WHERE tenant_id = $1 ORDER BY version",
        )
        .bind(tenant)
        .fetch_all(&mut *tx)
        .await
        .map_err(map_err)?
        .iter()
        .map(|row| {
            Ok(TenantKeyRecord {
                version: row.try_get::<i32, _>("version").map_err(get)? as u32,
                wrapped_key: row.try_get("wrapped_key").map_err(get)?,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
        tx.commit().await.map_err(map_err)?;
        Ok(Changes {
            tenant: tenant_record,
            keys,
            integrations,
            deleted_integrations,
            sync_runs,
            deleted_sync_runs,
            synced,
            cursor: PullCursor {
                last_version,
                horizon,
            },
        })
    }

    /// One round trip: does the server answer?
    pub async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
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
            .await
            .map_err(map_err)?;
        let store = Self { pool };
        store.migrate().await?;
        Ok(store)
    }

    pub async fn migrate(&self) -> StoreResult<()> {
        MIGRATOR.run(&self.pool).await.map_err(|err| match err {
            sqlx::migrate::MigrateError::Execute(inner) => match map_err(inner) {
                StoreError::Unavailable(msg) => StoreError::Unavailable(msg),
                other => StoreError::Migration(other.to_string()),
            },
            other => StoreError::Migration(other.to_string()),
        })
    }

    /// The pool, for tests that must look under the store (RLS checks, ciphertext checks).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    async fn begin(&self) -> StoreResult<Transaction<'static, Postgres>> {
        self.pool.begin().await.map_err(map_err)
    }

    async fn tenant_tx(&self, tenant: TenantId) -> StoreResult<Transaction<'static, Postgres>> {
        let mut tx = self.begin().await?;
        set_local(&mut tx, "app.tenant_id", &tenant.to_string()).await?;
        Ok(tx)
    }
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
        .await
        .map_err(map_err)?;
    Ok(())
}

fn map_err(err: sqlx::Error) -> StoreError {
    match &err {
        sqlx::Error::Database(db) => {
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
            let code = db.code().unwrap_or_default();
            // Class 08: connection exceptions; 57P0x: the server is shutting down or starting.
            if code.starts_with("08") || code.starts_with("57P") || code == "53300" {
                StoreError::Unavailable(db.message().to_owned())
            } else {
                StoreError::Database(db.message().to_owned())
            }
        }
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::Protocol(_) => StoreError::Unavailable(err.to_string()),
        _ => StoreError::Database(err.to_string()),
    }
}

fn parse_enum<T: FromStr>(value: &str) -> StoreResult<T> {
    value
        .parse()
        .map_err(|_| StoreError::Database(format!("unexpected stored value {value:?}")))
}

fn integration_from_row(row: &PgRow) -> StoreResult<IntegrationRecord> {
    let get = |err: sqlx::Error| StoreError::Database(err.to_string());
    Ok(IntegrationRecord {
        tenant_id: row.try_get("tenant_id").map_err(get)?,
        id: row.try_get("id").map_err(get)?,
        name: row.try_get("name").map_err(get)?,
        provider: parse_enum(row.try_get::<&str, _>("provider").map_err(get)?)?,
        description: row.try_get("description").map_err(get)?,
        credentials: row.try_get("credentials").map_err(get)?,
        credentials_hint: row.try_get("credentials_hint").map_err(get)?,
        config: row.try_get("config").map_err(get)?,
        external_id: row.try_get("external_id").map_err(get)?,
        status: parse_enum(row.try_get::<&str, _>("status").map_err(get)?)?,
        enabled: row.try_get("enabled").map_err(get)?,
        last_error: row.try_get("last_error").map_err(get)?,
        created_at: row.try_get("created_at").map_err(get)?,
        updated_at: row.try_get("updated_at").map_err(get)?,
        last_sync_at: row.try_get("last_sync_at").map_err(get)?,
        version: row.try_get("row_version").map_err(get)?,
    })
}

fn user_from_row(row: &PgRow) -> StoreResult<UserRecord> {
    let get = |err: sqlx::Error| StoreError::Database(err.to_string());
    Ok(UserRecord {
        id: row.try_get("id").map_err(get)?,
        tenant_id: row.try_get("tenant_id").map_err(get)?,
        email: row.try_get("email").map_err(get)?,
        password_hash: row.try_get("password_hash").map_err(get)?,
        created_at: row.try_get("created_at").map_err(get)?,
    })
}

fn refresh_from_row(row: &PgRow) -> StoreResult<RefreshTokenRecord> {
    let get = |err: sqlx::Error| StoreError::Database(err.to_string());
    Ok(RefreshTokenRecord {
        id: row.try_get("id").map_err(get)?,
        tenant_id: row.try_get("tenant_id").map_err(get)?,
        user_id: row.try_get("user_id").map_err(get)?,
        family_id: row.try_get("family_id").map_err(get)?,
        token_hash: row.try_get("token_hash").map_err(get)?,
        expires_at: row.try_get("expires_at").map_err(get)?,
        used_at: row.try_get("used_at").map_err(get)?,
        revoked_at: row.try_get("revoked_at").map_err(get)?,
    })
}

async fn insert_refresh(
    tx: &mut Transaction<'static, Postgres>,
    token: &RefreshTokenRecord,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO refresh_tokens (tenant_id, id, user_id, family_id, token_hash, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(token.tenant_id)
    .bind(token.id)
    .bind(token.user_id)
    .bind(token.family_id)
    .bind(&token.token_hash)
    .bind(token.expires_at)
    .execute(&mut **tx)
    .await
    .map_err(map_err)?;
    Ok(())
}

#[async_trait]
impl Store for PostgresStore {
    fn kind(&self) -> &'static str {
        "postgres"
    }

    async fn create_tenant_with_owner(
        &self,
        tenant: &TenantRecord,
        owner: &UserRecord,
    ) -> StoreResult<()> {
        let mut tx = self.tenant_tx(tenant.id).await?;
        sqlx::query(
            "INSERT INTO tenants (id, name, created_at, time_zone) VALUES ($1, $2, $3, $4)",
        )
        .bind(tenant.id)
        .bind(&tenant.name)
        .bind(tenant.created_at)
        .bind(&tenant.time_zone)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        sqlx::query(
            "INSERT INTO users (tenant_id, id, email, password_hash, role, created_at) \
             VALUES ($1, $2, $3, $4, 'OWNER', $5)",
        )
        .bind(owner.tenant_id)
        .bind(owner.id)
        .bind(&owner.email)
        .bind(&owner.password_hash)
        .bind(owner.created_at)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)
    }

    async fn get_tenant(&self, tenant: TenantId) -> StoreResult<Option<TenantRecord>> {
        let mut tx = self.tenant_tx(tenant).await?;
        let row = sqlx::query("SELECT id, name, created_at, time_zone FROM tenants WHERE id = $1")
            .bind(tenant)
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        row.map(|row| {
            let get = |err: sqlx::Error| StoreError::Database(err.to_string());
            Ok(TenantRecord {
                id: row.try_get("id").map_err(get)?,
                name: row.try_get("name").map_err(get)?,
                created_at: row.try_get("created_at").map_err(get)?,
                time_zone: row.try_get("time_zone").map_err(get)?,
            })
        })
        .transpose()
    }

    async fn set_tenant_time_zone(&self, tenant: TenantId, time_zone: &str) -> StoreResult<()> {
        let mut tx = self.tenant_tx(tenant).await?;
        sqlx::query("UPDATE tenants SET time_zone = $2 WHERE id = $1")
            .bind(tenant)
            .bind(time_zone)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        tx.commit().await.map_err(map_err)
    }

    async fn find_user_by_email(&self, email: &str) -> StoreResult<Option<UserRecord>> {
        let normalized = email.trim().to_lowercase();
        let mut tx = self.begin().await?;
        set_local(&mut tx, "app.login_email", &normalized).await?;
        let row = sqlx::query(
            "SELECT id, tenant_id, email, password_hash, created_at FROM users \
             WHERE lower(email) = $1",
        )
        .bind(&normalized)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn get_user(&self, tenant: TenantId, user: UserId) -> StoreResult<Option<UserRecord>> {
        let mut tx = self.tenant_tx(tenant).await?;
        let row = sqlx::query(
            "SELECT id, tenant_id, email, password_hash, created_at FROM users \
             WHERE tenant_id = $1 AND id = $2",
        )
        .bind(tenant)
        .bind(user)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn insert_refresh_token(&self, token: &RefreshTokenRecord) -> StoreResult<()> {
        let mut tx = self.tenant_tx(token.tenant_id).await?;
        insert_refresh(&mut tx, token).await?;
        tx.commit().await.map_err(map_err)
    }

    async fn find_refresh_token(
        &self,
        token_hash: &str,
    ) -> StoreResult<Option<RefreshTokenRecord>> {
        let mut tx = self.begin().await?;
        set_local(&mut tx, "app.refresh_token_hash", token_hash).await?;
        let row = sqlx::query(
            "SELECT id, tenant_id, user_id, family_id, token_hash, expires_at, used_at, \
             revoked_at FROM refresh_tokens WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        row.as_ref().map(refresh_from_row).transpose()
    }

    async fn rotate_refresh_token(
        &self,
        used: &RefreshTokenRecord,
        successor: &RefreshTokenRecord,
    ) -> StoreResult<bool> {
        let mut tx = self.tenant_tx(used.tenant_id).await?;
        let marked = sqlx::query(
            "UPDATE refresh_tokens SET used_at = now() WHERE tenant_id = $1 AND id = $2 \
             AND used_at IS NULL AND revoked_at IS NULL",
        )
        .bind(used.tenant_id)
        .bind(used.id)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?
        .rows_affected();
        if marked != 1 {
            tx.rollback().await.map_err(map_err)?;
            return Ok(false);
        }
        insert_refresh(&mut tx, successor).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(true)
    }

    async fn revoke_refresh_family(&self, tenant: TenantId, family: Uuid) -> StoreResult<()> {
        let mut tx = self.tenant_tx(tenant).await?;
        sqlx::query(
            "UPDATE refresh_tokens SET revoked_at = now() WHERE tenant_id = $1 \
             AND family_id = $2 AND revoked_at IS NULL",
        )
        .bind(tenant)
        .bind(family)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)
    }

    async fn reserve_login_attempt(
        &self,
        email_hash: &str,
        at: DateTime<Utc>,
        decide: LoginPolicy,
    ) -> StoreResult<Result<(), u64>> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO login_throttle (email_hash, failures, last_failure_at) \
             VALUES ($1, 0, 'epoch') ON CONFLICT (email_hash) DO NOTHING",
        )
        .bind(email_hash)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        let row = sqlx::query(
            "SELECT failures, last_failure_at FROM login_throttle WHERE email_hash = $1 \
             FOR UPDATE",
        )
        .bind(email_hash)
        .fetch_one(&mut *tx)
        .await
        .map_err(map_err)?;
        let get = |err: sqlx::Error| StoreError::Database(err.to_string());
        let current = LoginThrottle {
            failures: row.try_get::<i32, _>("failures").map_err(get)?.max(0) as u32,
            last_failure_at: Some(row.try_get("last_failure_at").map_err(get)?),
        };
        match decide(&current, at) {
            Ok(failures) => {
                sqlx::query(
                    "UPDATE login_throttle SET failures = $2, last_failure_at = $3 \
                     WHERE email_hash = $1",
                )
                .bind(email_hash)
                .bind(failures as i32)
                .bind(at)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
                tx.commit().await.map_err(map_err)?;
                Ok(Ok(()))
            }
            Err(wait) => {
                tx.rollback().await.map_err(map_err)?;
                Ok(Err(wait))
            }
        }
    }

    async fn clear_login_failures(&self, email_hash: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM login_throttle WHERE email_hash = $1")
            .bind(email_hash)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn tenant_keys(&self, tenant: TenantId) -> StoreResult<Vec<TenantKeyRecord>> {
        let mut tx = self.tenant_tx(tenant).await?;
        let rows = sqlx::query(
            "SELECT version, wrapped_key FROM tenant_keys WHERE tenant_id = $1 ORDER BY version",
        )
        .bind(tenant)
        .fetch_all(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        rows.iter()
            .map(|row| {
                let get = |err: sqlx::Error| StoreError::Database(err.to_string());
                Ok(TenantKeyRecord {
                    version: row.try_get::<i32, _>("version").map_err(get)? as u32,
                    wrapped_key: row.try_get("wrapped_key").map_err(get)?,
                })
            })
            .collect()
    }

    async fn insert_tenant_key(&self, tenant: TenantId, key: &TenantKeyRecord) -> StoreResult<()> {
        let mut tx = self.tenant_tx(tenant).await?;
        sqlx::query(
            "INSERT INTO tenant_keys (tenant_id, version, wrapped_key) VALUES ($1, $2, $3)",
        )
        .bind(tenant)
        .bind(key.version as i32)
        .bind(&key.wrapped_key)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)
    }

    async fn rotate_tenant_key(
        &self,
        tenant: TenantId,
        key: &TenantKeyRecord,
        reencryptions: &[Reencryption],
    ) -> StoreResult<()> {
        let mut tx = self.tenant_tx(tenant).await?;
        sqlx::query(
            "INSERT INTO tenant_keys (tenant_id, version, wrapped_key) VALUES ($1, $2, $3)",
        )
        .bind(tenant)
        .bind(key.version as i32)
        .bind(&key.wrapped_key)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        for change in reencryptions {
            let updated = sqlx::query(
                "UPDATE integrations SET credentials = $4 \
                 WHERE tenant_id = $1 AND id = $2 AND credentials = $3",
            )
            .bind(tenant)
            .bind(change.integration_id)
            .bind(&change.old)
            .bind(&change.new)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?
            .rows_affected();
            if updated != 1 {
                return Err(StoreError::Stale);
            }
        }
        tx.commit().await.map_err(map_err)
    }

    async fn list_integrations(&self, tenant: TenantId) -> StoreResult<Vec<IntegrationRecord>> {
        let mut tx = self.tenant_tx(tenant).await?;
        let rows = sqlx::query(&format!(
            "SELECT {INTEGRATION_COLUMNS} FROM integrations WHERE tenant_id = $1 \
             ORDER BY created_at, id"
        ))
        .bind(tenant)
        .fetch_all(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        rows.iter().map(integration_from_row).collect()
    }

    async fn get_integration(
        &self,
        tenant: TenantId,
        id: IntegrationId,
    ) -> StoreResult<Option<IntegrationRecord>> {
        let mut tx = self.tenant_tx(tenant).await?;
        let row = sqlx::query(&format!(
            "SELECT {INTEGRATION_COLUMNS} FROM integrations WHERE tenant_id = $1 AND id = $2"
        ))
        .bind(tenant)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        row.as_ref().map(integration_from_row).transpose()
    }

    async fn insert_integration(
        &self,
        record: &IntegrationRecord,
    ) -> StoreResult<IntegrationRecord> {
        let mut tx = self.tenant_tx(record.tenant_id).await?;
        let row = sqlx::query(&format!(
            "INSERT INTO integrations (tenant_id, id, name, provider, description, credentials, \
             credentials_hint, config, external_id, status, enabled, last_error, created_at, \
             updated_at, last_sync_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11, $12, $13, $13, $14) \
             RETURNING {INTEGRATION_COLUMNS}"
        ))
        .bind(record.tenant_id)
        .bind(record.id)
        .bind(&record.name)
        .bind(record.provider.as_str())
        .bind(&record.description)
        .bind(&record.credentials)
        .bind(&record.credentials_hint)
        .bind(&record.config)
        .bind(&record.external_id)
        .bind(record.status.as_str())
        .bind(record.enabled)
        .bind(&record.last_error)
        .bind(record.created_at)
        .bind(record.last_sync_at)
        .fetch_one(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        integration_from_row(&row)
    }

    async fn update_integration(
        &self,
        record: &IntegrationRecord,
        expected_version: i64,
    ) -> StoreResult<IntegrationRecord> {
        let mut tx = self.tenant_tx(record.tenant_id).await?;
        let row = sqlx::query(&format!(
            "UPDATE integrations SET name = $3, description = $4, credentials = $5, \
             credentials_hint = $6, config = $7::jsonb, external_id = $8, status = $9, \
             enabled = $10, last_error = $11, last_sync_at = $12 \
             WHERE tenant_id = $1 AND id = $2 AND row_version = $13 \
             RETURNING {INTEGRATION_COLUMNS}"
        ))
        .bind(record.tenant_id)
        .bind(record.id)
        .bind(&record.name)
        .bind(&record.description)
        .bind(&record.credentials)
        .bind(&record.credentials_hint)
        .bind(&record.config)
        .bind(&record.external_id)
        .bind(record.status.as_str())
        .bind(record.enabled)
        .bind(&record.last_error)
        .bind(record.last_sync_at)
        .bind(expected_version)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        match row {
            Some(row) => integration_from_row(&row),
            None => Err(StoreError::Stale),
        }
    }

    async fn delete_integration(&self, tenant: TenantId, id: IntegrationId) -> StoreResult<bool> {
        let mut tx = self.tenant_tx(tenant).await?;
        let deleted = sqlx::query("DELETE FROM integrations WHERE tenant_id = $1 AND id = $2")
            .bind(tenant)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?
            .rows_affected();
        tx.commit().await.map_err(map_err)?;
        Ok(deleted == 1)
    }
}

// ------------------------------------------------------------------ sync

fn run_from_row(row: &PgRow) -> StoreResult<SyncRunRecord> {
    let get = |err: sqlx::Error| StoreError::Database(err.to_string());
    let counts: serde_json::Value = row.try_get("counts").map_err(get)?;
    Ok(SyncRunRecord {
        id: row.try_get("id").map_err(get)?,
        tenant_id: row.try_get("tenant_id").map_err(get)?,
        integration_id: row.try_get("integration_id").map_err(get)?,
        trigger: row.try_get("trigger").map_err(get)?,
        outcome: row.try_get("outcome").map_err(get)?,
        started_at: row.try_get("started_at").map_err(get)?,
        finished_at: row.try_get("finished_at").map_err(get)?,
        counts: serde_json::from_value(counts).unwrap_or_default(),
        error: row.try_get("error").map_err(get)?,
        error_code: row.try_get("error_code").map_err(get)?,
        worker: row.try_get("worker").map_err(get)?,
    })
}

async fn write_checkpoint(
    tx: &mut Transaction<'static, Postgres>,
    tenant: TenantId,
    integration: IntegrationId,
    checkpoint: Option<(&str, &str)>,
) -> StoreResult<()> {
    if let Some((stream, cursor)) = checkpoint {
        sqlx::query(
            "INSERT INTO sync_cursors (tenant_id, integration_id, stream, cursor, updated_at) \
             VALUES ($1, $2, $3, $4::jsonb, now()) ON CONFLICT (tenant_id, integration_id, stream) \
             DO UPDATE SET cursor = excluded.cursor, updated_at = now()",
        )
        .bind(tenant)
        .bind(integration)
        .bind(stream)
        .bind(cursor)
        .execute(&mut **tx)
        .await
        .map_err(map_err)?;
    }
    Ok(())
}

#[async_trait]
impl SyncStore for PostgresStore {
    async fn claim_job(
        &self,
        worker: &str,
        scope: ClaimScope,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> StoreResult<Option<ClaimedJob>> {
        let row = sqlx::query(
            "WITH candidate AS ( \
                SELECT tenant_id, integration_id FROM sync_jobs \
                WHERE (lease_until IS NULL OR lease_until < $2) \
                  AND ($3::uuid IS NULL OR tenant_id = $3) \
                  AND ($4::uuid IS NULL OR integration_id = $4) \
                  AND ($4::uuid IS NOT NULL OR next_run_at <= $2 OR requested_at IS NOT NULL) \
                ORDER BY requested_at ASC NULLS LAST, next_run_at \
                LIMIT 1 FOR UPDATE SKIP LOCKED) \
             UPDATE sync_jobs j SET claimed_by = $1, lease_until = $5 FROM candidate c \
             WHERE j.tenant_id = c.tenant_id AND j.integration_id = c.integration_id \
             RETURNING j.tenant_id, j.integration_id, j.interval_minutes, \
                       j.requested_at IS NOT NULL AS requested, j.run_id",
        )
        .bind(worker)
        .bind(now)
        .bind(scope.tenant)
        .bind(scope.integration)
        .bind(lease_until)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?;
        let get = |err: sqlx::Error| StoreError::Database(err.to_string());
        row.map(|row| {
            Ok(ClaimedJob {
                tenant_id: row.try_get("tenant_id").map_err(get)?,
                integration_id: row.try_get("integration_id").map_err(get)?,
                interval_minutes: row.try_get("interval_minutes").map_err(get)?,
                requested: row.try_get("requested").map_err(get)?,
                abandoned_run: row.try_get("run_id").map_err(get)?,
                claimed_at: now,
            })
        })
        .transpose()
    }

    async fn extend_lease(
        &self,
        job: &ClaimedJob,
        worker: &str,
        run: Uuid,
        until: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let updated = sqlx::query(
            "UPDATE sync_jobs SET lease_until = $4, run_id = $5 \
             WHERE tenant_id = $1 AND integration_id = $2 AND claimed_by = $3",
        )
        .bind(job.tenant_id)
        .bind(job.integration_id)
        .bind(worker)
        .bind(until)
        .bind(run)
        .execute(&self.pool)
        .await
        .map_err(map_err)?
        .rows_affected();
        Ok(updated == 1)
    }

    async fn release_job(
        &self,
        job: &ClaimedJob,
        worker: &str,
        next_run_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE sync_jobs SET claimed_by = NULL, lease_until = NULL, run_id = NULL, \
             requested_at = CASE WHEN requested_at > $5 THEN requested_at END, next_run_at = $4 \
             WHERE tenant_id = $1 AND integration_id = $2 AND claimed_by = $3",
        )
        .bind(job.tenant_id)
        .bind(job.integration_id)
        .bind(worker)
        .bind(next_run_at)
        .bind(job.claimed_at)
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn request_sync(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
    ) -> StoreResult<bool> {
        let updated = sqlx::query(
            "UPDATE sync_jobs SET requested_at = now() WHERE tenant_id = $1 AND integration_id = $2",
        )
        .bind(tenant)
        .bind(integration)
        .execute(&self.pool)
        .await
        .map_err(map_err)?
        .rows_affected();
        Ok(updated == 1)
    }

    async fn set_sync_interval(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        minutes: i32,
    ) -> StoreResult<bool> {
        let updated = sqlx::query(
            "UPDATE sync_jobs SET next_run_at = next_run_at - make_interval(mins => interval_minutes) \
             + make_interval(mins => $3), interval_minutes = $3 \
             WHERE tenant_id = $1 AND integration_id = $2",
        )
        .bind(tenant)
        .bind(integration)
        .bind(minutes)
        .execute(&self.pool)
        .await
        .map_err(map_err)?
        .rows_affected();
        Ok(updated == 1)
    }

    async fn job_info(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
    ) -> StoreResult<Option<JobInfo>> {
        let row = sqlx::query(
            "SELECT interval_minutes, next_run_at, requested_at, claimed_by, lease_until \
             FROM sync_jobs WHERE tenant_id = $1 AND integration_id = $2",
        )
        .bind(tenant)
        .bind(integration)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?;
        let get = |err: sqlx::Error| StoreError::Database(err.to_string());
        row.map(|row| {
            Ok(JobInfo {
                interval_minutes: row.try_get("interval_minutes").map_err(get)?,
                next_run_at: row.try_get("next_run_at").map_err(get)?,
                requested_at: row.try_get("requested_at").map_err(get)?,
                claimed_by: row.try_get("claimed_by").map_err(get)?,
                lease_until: row.try_get("lease_until").map_err(get)?,
            })
        })
        .transpose()
    }

    async fn insert_run(&self, run: &SyncRunRecord) -> StoreResult<()> {
        let mut tx = self.tenant_tx(run.tenant_id).await?;
        sqlx::query(
            "INSERT INTO sync_runs (tenant_id, id, integration_id, trigger, outcome, started_at, \
             finished_at, counts, error, error_code, worker) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(run.tenant_id)
        .bind(run.id)
        .bind(run.integration_id)
        .bind(&run.trigger)
        .bind(&run.outcome)
        .bind(run.started_at)
        .bind(run.finished_at)
        .bind(serde_json::to_value(&run.counts).unwrap_or_default())
        .bind(&run.error)
        .bind(&run.error_code)
        .bind(&run.worker)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)
    }

    async fn update_run(&self, run: &SyncRunRecord) -> StoreResult<()> {
        let mut tx = self.tenant_tx(run.tenant_id).await?;
        sqlx::query(
            "UPDATE sync_runs SET outcome = $3, finished_at = $4, counts = $5, error = $6, \
             error_code = $7 WHERE tenant_id = $1 AND id = $2",
        )
        .bind(run.tenant_id)
        .bind(run.id)
        .bind(&run.outcome)
        .bind(run.finished_at)
        .bind(serde_json::to_value(&run.counts).unwrap_or_default())
        .bind(&run.error)
        .bind(&run.error_code)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)
    }

    async fn interrupt_run(&self, tenant: TenantId, run: Uuid) -> StoreResult<()> {
        let mut tx = self.tenant_tx(tenant).await?;
        sqlx::query(
            "UPDATE sync_runs SET outcome = 'INTERRUPTED', finished_at = now(), \
             error = 'The sync stopped before it finished (the app or worker was closed); the \
             next run resumed from the last saved point.' \
             WHERE tenant_id = $1 AND id = $2 AND outcome = 'RUNNING'",
        )
        .bind(tenant)
        .bind(run)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)
    }

    async fn runs(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        limit: i64,
    ) -> StoreResult<Vec<SyncRunRecord>> {
        let mut tx = self.tenant_tx(tenant).await?;
        let rows = sqlx::query(
            "SELECT tenant_id, id, integration_id, trigger, outcome, started_at, finished_at, \
             counts, error, error_code, worker FROM sync_runs \
             WHERE tenant_id = $1 AND integration_id = $2 ORDER BY started_at DESC, id LIMIT $3",
        )
        .bind(tenant)
        .bind(integration)
        .bind(limit)
        .fetch_all(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        rows.iter().map(run_from_row).collect()
    }

    async fn cursor(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        stream: &str,
    ) -> StoreResult<Option<String>> {
        let mut tx = self.tenant_tx(tenant).await?;
        let cursor: Option<String> = sqlx::query_scalar(
            "SELECT cursor::text FROM sync_cursors \
             WHERE tenant_id = $1 AND integration_id = $2 AND stream = $3",
        )
        .bind(tenant)
        .bind(integration)
        .bind(stream)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(cursor)
    }

    async fn write_batch(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        batch: SyncBatch<'_>,
        checkpoint: Option<(&str, &str)>,
    ) -> StoreResult<usize> {
        let mut tx = self.tenant_tx(tenant).await?;
        let written = match batch {
            SyncBatch::Orders { shop_id, orders } => {
                write_orders(&mut tx, tenant, integration, shop_id, orders).await?
            }
            SyncBatch::Variations {
                shop_id,
                variations,
            } => write_variations(&mut tx, tenant, integration, shop_id, variations).await?,
            SyncBatch::Insights { currency, rows } => {
                write_insights(&mut tx, tenant, integration, currency, rows).await?
            }
        };
        write_checkpoint(&mut tx, tenant, integration, checkpoint).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(written)
    }

    async fn synced_count(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        table: SyncedTable,
    ) -> StoreResult<i64> {
        let mut tx = self.tenant_tx(tenant).await?;
        let count: i64 = sqlx::query_scalar(&format!(
            "SELECT count(*) FROM {} WHERE tenant_id = $1 AND integration_id = $2",
            table.name()
        ))
        .bind(tenant)
        .bind(integration)
        .fetch_one(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(count)
    }
}

/// One statement per batch: arrays unnested server-side, upserted on the natural key, keeping
/// the newer version of an order (a late page must not undo a fresher one).
async fn write_orders(
    tx: &mut Transaction<'static, Postgres>,
    tenant: TenantId,
    integration: IntegrationId,
    shop_id: i64,
    orders: &[integrations_providers::PancakeOrder],
) -> StoreResult<usize> {
    if orders.is_empty() {
        return Ok(0);
    }
    // One statement cannot touch a row twice: a page that repeats an order keeps its newest.
    let orders = newest_per_key(orders, |o| o.id, |o| o.updated_at);
    let orders = orders.as_slice();
    let ids: Vec<i64> = orders.iter().map(|o| o.id).collect();
    let statuses: Vec<i32> = orders.iter().map(|o| o.status as i32).collect();
    let inserted: Vec<Option<DateTime<Utc>>> = orders.iter().map(|o| o.inserted_at).collect();
    let updated: Vec<Option<DateTime<Utc>>> = orders.iter().map(|o| o.updated_at).collect();
    let totals: Vec<i64> = orders.iter().map(|o| o.total_price).collect();
    let discounts: Vec<i64> = orders.iter().map(|o| o.total_discount).collect();
    let shipping: Vec<i64> = orders.iter().map(|o| o.shipping_fee).collect();
    let cod: Vec<i64> = orders.iter().map(|o| o.cod).collect();
    let currency: Vec<Option<String>> = orders.iter().map(|o| o.order_currency.clone()).collect();
    let ad_ids: Vec<Option<String>> = orders.iter().map(|o| o.ad_id.clone()).collect();
    let pages: Vec<Option<String>> = orders.iter().map(|o| o.page_id.clone()).collect();
    let utm_source: Vec<Option<String>> = orders.iter().map(|o| o.utm_source.clone()).collect();
    let utm_campaign: Vec<Option<String>> = orders.iter().map(|o| o.utm_campaign.clone()).collect();
    let at_shop: Vec<Option<bool>> = orders.iter().map(|o| o.received_at_shop).collect();
    let items: Vec<String> = orders.iter().map(|o| super::order_items_json(o)).collect();
    let result = sqlx::query(
        "INSERT INTO pancake_orders (tenant_id, integration_id, shop_id, order_id, status, \
         inserted_at, updated_at, total_price, total_discount, shipping_fee, cod, currency, ad_id, \
         page_id, utm_source, utm_campaign, received_at_shop, items) \
         SELECT $1, $2, $3, t.order_id, t.status, t.inserted_at, t.updated_at, t.total_price, \
                t.total_discount, t.shipping_fee, t.cod, t.currency, t.ad_id, t.page_id, \
                t.utm_source, t.utm_campaign, t.received_at_shop, t.items::jsonb \
         FROM UNNEST($4::bigint[], $5::int[], $6::timestamptz[], $7::timestamptz[], \
                     $8::bigint[], $9::bigint[], $10::bigint[], $11::bigint[], $12::text[], \
                     $13::text[], $14::text[], $15::text[], $16::text[], $17::boolean[], \
                     $18::text[]) \
              AS t(order_id, status, inserted_at, updated_at, total_price, total_discount, \
                   shipping_fee, cod, currency, ad_id, page_id, utm_source, utm_campaign, \
                   received_at_shop, items) \
         ON CONFLICT (tenant_id, shop_id, order_id) DO UPDATE SET \
             integration_id = excluded.integration_id, status = excluded.status, \
             inserted_at = excluded.inserted_at, updated_at = excluded.updated_at, \
             total_price = excluded.total_price, total_discount = excluded.total_discount, \
             shipping_fee = excluded.shipping_fee, cod = excluded.cod, \
             currency = excluded.currency, ad_id = excluded.ad_id, page_id = excluded.page_id, \
             utm_source = excluded.utm_source, utm_campaign = excluded.utm_campaign, \
             received_at_shop = excluded.received_at_shop, items = excluded.items \
         WHERE pancake_orders.updated_at IS NULL OR excluded.updated_at IS NULL \
            OR excluded.updated_at >= pancake_orders.updated_at",
    )
    .bind(tenant)
    .bind(integration)
    .bind(shop_id)
    .bind(&ids)
    .bind(&statuses)
    .bind(&inserted)
    .bind(&updated)
    .bind(&totals)
    .bind(&discounts)
    .bind(&shipping)
    .bind(&cod)
    .bind(&currency)
    .bind(&ad_ids)
    .bind(&pages)
    .bind(&utm_source)
    .bind(&utm_campaign)
    .bind(&at_shop)
    .bind(&items)
    .execute(&mut **tx)
    .await
    .map_err(map_err)?;
    Ok(result.rows_affected() as usize)
}

/// The rows with each key once: the one with the newest `at`, else the last seen.
fn newest_per_key<'a, T, K: Ord>(
    rows: &'a [T],
    key: impl Fn(&T) -> K,
    at: impl Fn(&T) -> Option<DateTime<Utc>>,
) -> Vec<&'a T> {
    let mut chosen: std::collections::BTreeMap<K, &'a T> = std::collections::BTreeMap::new();
    for row in rows {
        match chosen.entry(key(row)) {
            std::collections::btree_map::Entry::Vacant(slot) => {
                slot.insert(row);
            }
            std::collections::btree_map::Entry::Occupied(mut slot) => {
                if at(row) >= at(slot.get()) {
                    slot.insert(row);
                }
            }
        }
    }
    chosen.into_values().collect()
}

async fn write_variations(
    tx: &mut Transaction<'static, Postgres>,
    tenant: TenantId,
    integration: IntegrationId,
    shop_id: i64,
    variations: &[integrations_providers::PancakeVariation],
) -> StoreResult<usize> {
    if variations.is_empty() {
        return Ok(0);
    }
    let ids: Vec<String> = variations.iter().map(|v| v.id.clone()).collect();
    let products: Vec<Option<String>> = variations.iter().map(|v| v.product_id.clone()).collect();
    let names: Vec<Option<String>> = variations.iter().map(|v| v.product_name.clone()).collect();
    let skus: Vec<Option<String>> = variations.iter().map(|v| v.display_id.clone()).collect();
    let prices: Vec<i64> = variations.iter().map(|v| v.retail_price).collect();
    let remain: Vec<i64> = variations.iter().map(|v| v.remain_quantity).collect();
    let hidden: Vec<bool> = variations.iter().map(|v| v.is_hidden).collect();
    let updated: Vec<Option<DateTime<Utc>>> = variations.iter().map(|v| v.updated_at).collect();
    let written = sqlx::query(
        "INSERT INTO pancake_variations (tenant_id, integration_id, shop_id, variation_id, \
         product_id, product_name, sku, retail_price, remain_quantity, is_hidden, updated_at) \
         SELECT $1, $2, $3, t.* FROM UNNEST($4::text[], $5::text[], $6::text[], $7::text[], \
         $8::bigint[], $9::bigint[], $10::boolean[], $11::timestamptz[]) AS t \
         ON CONFLICT (tenant_id, shop_id, variation_id) DO UPDATE SET \
             integration_id = excluded.integration_id, product_id = excluded.product_id, \
             product_name = excluded.product_name, sku = excluded.sku, \
             retail_price = excluded.retail_price, remain_quantity = excluded.remain_quantity, \
             is_hidden = excluded.is_hidden, updated_at = excluded.updated_at",
    )
    .bind(tenant)
    .bind(integration)
    .bind(shop_id)
    .bind(&ids)
    .bind(&products)
    .bind(&names)
    .bind(&skus)
    .bind(&prices)
    .bind(&remain)
    .bind(&hidden)
    .bind(&updated)
    .execute(&mut **tx)
    .await
    .map_err(map_err)?
    .rows_affected() as usize;
    // Stock is the variation's current picture: replace it whole.
    sqlx::query(
        "DELETE FROM pancake_stock WHERE tenant_id = $1 AND shop_id = $2 \
         AND variation_id = ANY($3::text[])",
    )
    .bind(tenant)
    .bind(shop_id)
    .bind(&ids)
    .execute(&mut **tx)
    .await
    .map_err(map_err)?;
    let mut stock_variation = Vec::new();
    let mut stock_warehouse = Vec::new();
    let mut stock_remain = Vec::new();
    for variation in variations {
        for stock in &variation.stock {
            stock_variation.push(variation.id.clone());
            stock_warehouse.push(stock.warehouse_id.clone());
            stock_remain.push(stock.remain_quantity);
        }
    }
    sqlx::query(
        "INSERT INTO pancake_stock (tenant_id, integration_id, shop_id, variation_id, \
         warehouse_id, remain_quantity) \
         SELECT $1, $2, $3, t.* FROM UNNEST($4::text[], $5::text[], $6::bigint[]) AS t \
         ON CONFLICT (tenant_id, shop_id, variation_id, warehouse_id) DO UPDATE SET \
             remain_quantity = excluded.remain_quantity",
    )
    .bind(tenant)
    .bind(integration)
    .bind(shop_id)
    .bind(&stock_variation)
    .bind(&stock_warehouse)
    .bind(&stock_remain)
    .execute(&mut **tx)
    .await
    .map_err(map_err)?;
    Ok(written)
}

async fn write_insights(
    tx: &mut Transaction<'static, Postgres>,
    tenant: TenantId,
    integration: IntegrationId,
    currency: &str,
    rows: &[integrations_providers::AdInsightRow],
) -> StoreResult<usize> {
    if rows.is_empty() {
        return Ok(0);
    }
    // The names of each ad, once per batch (the last row wins: the newest day).
    let mut ads: std::collections::BTreeMap<&str, &integrations_providers::AdInsightRow> =
        std::collections::BTreeMap::new();
    for row in rows {
        ads.insert(row.ad_id.as_str(), row);
    }
    let ad_ids: Vec<String> = ads.keys().map(|id| (*id).to_owned()).collect();
    let ad_names: Vec<Option<String>> = ads.values().map(|r| r.ad_name.clone()).collect();
    let adset_ids: Vec<Option<String>> = ads.values().map(|r| r.adset_id.clone()).collect();
    let adset_names: Vec<Option<String>> = ads.values().map(|r| r.adset_name.clone()).collect();
    let campaign_ids: Vec<Option<String>> = ads.values().map(|r| r.campaign_id.clone()).collect();
    let campaign_names: Vec<Option<String>> =
        ads.values().map(|r| r.campaign_name.clone()).collect();
    sqlx::query(
        "INSERT INTO meta_ads (tenant_id, integration_id, ad_id, ad_name, adset_id, adset_name, \
         campaign_id, campaign_name) \
         SELECT $1, $2, t.* FROM UNNEST($3::text[], $4::text[], $5::text[], $6::text[], \
         $7::text[], $8::text[]) AS t \
         ON CONFLICT (tenant_id, ad_id) DO UPDATE SET integration_id = excluded.integration_id, \
             ad_name = excluded.ad_name, adset_id = excluded.adset_id, \
             adset_name = excluded.adset_name, campaign_id = excluded.campaign_id, \
             campaign_name = excluded.campaign_name \
         WHERE (meta_ads.ad_name, meta_ads.adset_id, meta_ads.adset_name, meta_ads.campaign_id, \
                meta_ads.campaign_name) IS DISTINCT FROM (excluded.ad_name, excluded.adset_id, \
                excluded.adset_name, excluded.campaign_id, excluded.campaign_name)",
    )
    .bind(tenant)
    .bind(integration)
    .bind(&ad_ids)
    .bind(&ad_names)
    .bind(&adset_ids)
    .bind(&adset_names)
    .bind(&campaign_ids)
    .bind(&campaign_names)
    .execute(&mut **tx)
    .await
    .map_err(map_err)?;
    let rows = newest_per_key(rows, |r| (r.ad_id.clone(), r.date_start), |_| None);
    let rows = rows.as_slice();
    let ids: Vec<String> = rows.iter().map(|r| r.ad_id.clone()).collect();
    let days: Vec<chrono::NaiveDate> = rows.iter().map(|r| r.date_start).collect();
    let spend: Vec<i64> = rows.iter().map(|r| r.spend_minor).collect();
    let impressions: Vec<i64> = rows.iter().map(|r| r.impressions).collect();
    let clicks: Vec<i64> = rows.iter().map(|r| r.clicks).collect();
    let reach: Vec<i64> = rows.iter().map(|r| r.reach).collect();
    let purchases: Vec<i64> = rows.iter().map(|r| r.purchases).collect();
    let value: Vec<i64> = rows.iter().map(|r| r.purchase_value_minor).collect();
    let written = sqlx::query(
        "INSERT INTO meta_ad_insights (tenant_id, integration_id, currency, ad_id, day, \
         spend_minor, impressions, clicks, reach, purchases, purchase_value_minor) \
         SELECT $1, $2, $3, t.* FROM UNNEST($4::text[], $5::date[], $6::bigint[], $7::bigint[], \
         $8::bigint[], $9::bigint[], $10::bigint[], $11::bigint[]) AS t \
         ON CONFLICT (tenant_id, ad_id, day) DO UPDATE SET \
             integration_id = excluded.integration_id, currency = excluded.currency, \
             spend_minor = excluded.spend_minor, impressions = excluded.impressions, \
             clicks = excluded.clicks, reach = excluded.reach, purchases = excluded.purchases, \
             purchase_value_minor = excluded.purchase_value_minor",
    )
    .bind(tenant)
    .bind(integration)
    .bind(currency)
    .bind(&ids)
    .bind(&days)
    .bind(&spend)
    .bind(&impressions)
    .bind(&clicks)
    .bind(&reach)
    .bind(&purchases)
    .bind(&value)
    .execute(&mut **tx)
    .await
    .map_err(map_err)?
    .rows_affected() as usize;
    Ok(written)
}

#[async_trait]
impl ReportStore for PostgresStore {
    async fn report_orders(
        &self,
        tenant: TenantId,
        filter: &OrderFilter,
        key: AggregateKey,
    ) -> StoreResult<Vec<OrderAggregate>> {
        // Grouped on the date itself and formatted per group, not per row.
        let (group, key_sql) = match key {
            AggregateKey::Day => {
                let day = filter.days.day_sql(Dialect::Postgres, "inserted_at");
                (day.clone(), format!("to_char({day}, 'YYYY-MM-DD')"))
            }
            AggregateKey::Ad => ("ad_id".to_string(), "ad_id".to_string()),
        };
        let sql = format!(
            "SELECT {key_sql} AS key, currency, sum({REVENUE_SQL})::bigint AS revenue_minor, \
                    count(*) AS orders \
             FROM pancake_orders \
             WHERE tenant_id = $1 AND inserted_at >= $2 AND inserted_at < $3 AND {} \
               AND ($4::uuid IS NULL OR integration_id = $4) \
             GROUP BY {group}, currency",
            counted_status_sql()
        );
        let mut tx = self.tenant_tx(tenant).await?;
        let rows = sqlx::query_as(&sql)
            .bind(tenant)
            .bind(filter.days.start)
            .bind(filter.days.end)
            .bind(filter.store)
            .fetch_all(&mut *tx)
            .await
            .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(rows)
    }

    async fn report_insights(
        &self,
        tenant: TenantId,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
        key: AggregateKey,
    ) -> StoreResult<Vec<InsightAggregate>> {
        let (group, key_sql) = match key {
            AggregateKey::Day => ("day", "to_char(day, 'YYYY-MM-DD')"),
            AggregateKey::Ad => ("ad_id", "ad_id"),
        };
        let sql = format!(
            "SELECT {key_sql} AS key, currency, sum(spend_minor)::bigint AS spend_minor, \
                    sum(impressions)::bigint AS impressions, sum(clicks)::bigint AS clicks, \
                    sum(purchases)::bigint AS purchases, \
                    sum(purchase_value_minor)::bigint AS purchase_value_minor \
             FROM meta_ad_insights \
             WHERE tenant_id = $1 AND day BETWEEN $2 AND $3 \
             GROUP BY {group}, currency"
        );
        let mut tx = self.tenant_tx(tenant).await?;
        let rows = sqlx::query_as(&sql)
            .bind(tenant)
            .bind(from)
            .bind(to)
            .fetch_all(&mut *tx)
            .await
            .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(rows)
    }

    async fn report_ads(&self, tenant: TenantId) -> StoreResult<Vec<AdRecord>> {
        let mut tx = self.tenant_tx(tenant).await?;
        let rows = sqlx::query_as(
            "SELECT ad_id, ad_name, campaign_id, campaign_name FROM meta_ads WHERE tenant_id = $1",
        )
        .bind(tenant)
        .fetch_all(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(rows)
    }
}
