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
    Changes, Constraint, IntegrationRecord, LoginPolicy, LoginThrottle, PullCursor, Reencryption,
    RefreshTokenRecord, Store, StoreError, StoreResult, TenantKeyRecord, TenantRecord, UserRecord,
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
        let tombstones = sqlx::query(&format!(
            "{} AND table_name = 'integrations'",
            since("tombstones", "row_id, row_version")
        ))
        .bind(tenant)
        .bind(cursor.last_version)
        .bind(cursor.horizon)
        .fetch_all(&mut *tx)
        .await
        .map_err(map_err)?;
        let get = |err: sqlx::Error| StoreError::Database(err.to_string());
        let mut last_version = cursor.last_version;
        let mut deleted_integrations = Vec::with_capacity(tombstones.len());
        for row in &tombstones {
            deleted_integrations.push(row.try_get::<Uuid, _>("row_id").map_err(get)?);
            last_version = last_version.max(row.try_get::<i64, _>("row_version").map_err(get)?);
        }
        for record in &integrations {
            last_version = last_version.max(record.version);
        }
        // Small and rarely changed: sent whole every time.
        let tenant_row = sqlx::query("SELECT id, name, created_at FROM tenants WHERE id = $1")
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
        sqlx::query("INSERT INTO tenants (id, name, created_at) VALUES ($1, $2, $3)")
            .bind(tenant.id)
            .bind(&tenant.name)
            .bind(tenant.created_at)
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
        let row = sqlx::query("SELECT id, name, created_at FROM tenants WHERE id = $1")
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
            })
        })
        .transpose()
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
