//! Standalone mode (the default) and, later, the offline mirror: one SQLite file in the data
//! directory. SQLite has no row-level security, so every statement names the tenant.
//!
//! Writes start with a write (the row-version counter) so the transaction takes SQLite's write
//! lock at once; concurrent writers then queue on `busy_timeout` instead of failing on a lock
//! upgrade.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{Row, Sqlite, Transaction};
use uuid::Uuid;

use super::{
    Changes, ClaimScope, ClaimedJob, Constraint, IntegrationRecord, JobInfo, LoginPolicy,
    LoginThrottle, OutboxEntry, PullCursor, Reencryption, RefreshTokenRecord, ReportStore, Store,
    StoreError, StoreResult, SyncBatch, SyncRunRecord, SyncStore, SyncedTable, TenantKeyRecord,
    TenantRecord, UserRecord,
};
use crate::analytics::{
    counted_status_sql, AdRecord, AggregateKey, Dialect, InsightAggregate, OrderAggregate,
    OrderFilter, REVENUE_SQL,
};
use crate::domain::{IntegrationId, TenantId, UserId};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/sqlite");

const INTEGRATION_COLUMNS: &str = "tenant_id, id, name, provider, description, credentials, \
     credentials_hint, config, external_id, status, enabled, last_error, created_at, updated_at, \
     last_sync_at, row_version";

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

fn parse_uuid(text: &str) -> StoreResult<Uuid> {
    Uuid::parse_str(text)
        .map_err(|_| StoreError::Database(format!("unexpected stored id {text:?}")))
}

fn parse_enum<T: FromStr>(value: &str) -> StoreResult<T> {
    value
        .parse()
        .map_err(|_| StoreError::Database(format!("unexpected stored value {value:?}")))
}

fn map_err(err: sqlx::Error) -> StoreError {
    match &err {
        sqlx::Error::Database(db) => {
            if db.is_unique_violation() {
                // SQLite names the columns, not the index.
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
            // SQLITE_BUSY / SQLITE_LOCKED after the busy timeout: another process holds the
            // file; the user should retry, not read about an internal error.
            if matches!(db.code().as_deref(), Some("5" | "6" | "517" | "262")) {
                return StoreError::Unavailable(db.message().to_owned());
            }
            StoreError::Database(db.message().to_owned())
        }
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed => {
            StoreError::Unavailable(err.to_string())
        }
        _ => StoreError::Database(err.to_string()),
    }
}

fn integration_from_row(row: &SqliteRow) -> StoreResult<IntegrationRecord> {
    let get = |err: sqlx::Error| StoreError::Database(err.to_string());
    let opt_ts = |value: Option<String>| value.as_deref().map(parse_ts).transpose();
    Ok(IntegrationRecord {
        tenant_id: parse_uuid(row.try_get("tenant_id").map_err(get)?)?,
        id: parse_uuid(row.try_get("id").map_err(get)?)?,
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
        created_at: parse_ts(row.try_get("created_at").map_err(get)?)?,
        updated_at: parse_ts(row.try_get("updated_at").map_err(get)?)?,
        last_sync_at: opt_ts(row.try_get("last_sync_at").map_err(get)?)?,
        version: row.try_get("row_version").map_err(get)?,
    })
}

fn user_from_row(row: &SqliteRow) -> StoreResult<UserRecord> {
    let get = |err: sqlx::Error| StoreError::Database(err.to_string());
    Ok(UserRecord {
        id: parse_uuid(row.try_get("id").map_err(get)?)?,
        tenant_id: parse_uuid(row.try_get("tenant_id").map_err(get)?)?,
        email: row.try_get("email").map_err(get)?,
        password_hash: row.try_get("password_hash").map_err(get)?,
        created_at: parse_ts(row.try_get("created_at").map_err(get)?)?,
    })
}

fn refresh_from_row(row: &SqliteRow) -> StoreResult<RefreshTokenRecord> {
    let get = |err: sqlx::Error| StoreError::Database(err.to_string());
    let opt_ts = |value: Option<String>| value.as_deref().map(parse_ts).transpose();
    Ok(RefreshTokenRecord {
        id: parse_uuid(row.try_get("id").map_err(get)?)?,
        tenant_id: parse_uuid(row.try_get("tenant_id").map_err(get)?)?,
        user_id: parse_uuid(row.try_get("user_id").map_err(get)?)?,
        family_id: parse_uuid(row.try_get("family_id").map_err(get)?)?,
        token_hash: row.try_get("token_hash").map_err(get)?,
        expires_at: parse_ts(row.try_get("expires_at").map_err(get)?)?,
        used_at: opt_ts(row.try_get("used_at").map_err(get)?)?,
        revoked_at: opt_ts(row.try_get("revoked_at").map_err(get)?)?,
    })
}

/// Takes the next global row version; as the first statement of a transaction it also takes
/// the write lock.
/// The mirror's copy of its workspace, as the server has it (a pull, or a sign-in).
async fn upsert_tenant_copy(
    tx: &mut Transaction<'static, Sqlite>,
    tenant: &TenantRecord,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO tenants (id, name, created_at, time_zone) VALUES (?, ?, ?, ?) \
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, time_zone = excluded.time_zone",
    )
    .bind(tenant.id.to_string())
    .bind(&tenant.name)
    .bind(ts(tenant.created_at))
    .bind(&tenant.time_zone)
    .execute(&mut **tx)
    .await
    .map_err(map_err)?;
    Ok(())
}

async fn next_row_version(tx: &mut Transaction<'static, Sqlite>) -> StoreResult<i64> {
    sqlx::query_scalar(
        "UPDATE row_version_counter SET value = value + 1 WHERE id = 1 RETURNING value",
    )
    .fetch_one(&mut **tx)
    .await
    .map_err(map_err)
}

async fn insert_refresh(
    tx: &mut Transaction<'static, Sqlite>,
    token: &RefreshTokenRecord,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO refresh_tokens (tenant_id, id, user_id, family_id, token_hash, expires_at, \
         created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(token.tenant_id.to_string())
    .bind(token.id.to_string())
    .bind(token.user_id.to_string())
    .bind(token.family_id.to_string())
    .bind(&token.token_hash)
    .bind(ts(token.expires_at))
    .bind(ts(Utc::now()))
    .execute(&mut **tx)
    .await
    .map_err(map_err)?;
    Ok(())
}

impl SqliteStore {
    /// Opens (creating if needed) the database file and applies pending migrations.
    pub async fn open(path: &Path) -> StoreResult<Self> {
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

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    async fn begin(&self) -> StoreResult<Transaction<'static, Sqlite>> {
        self.pool.begin().await.map_err(map_err)
    }
}

#[async_trait]
impl Store for SqliteStore {
    fn kind(&self) -> &'static str {
        "sqlite"
    }

    async fn create_tenant_with_owner(
        &self,
        tenant: &TenantRecord,
        owner: &UserRecord,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        next_row_version(&mut tx).await?;
        sqlx::query("INSERT INTO tenants (id, name, created_at, time_zone) VALUES (?, ?, ?, ?)")
            .bind(tenant.id.to_string())
            .bind(&tenant.name)
            .bind(ts(tenant.created_at))
            .bind(&tenant.time_zone)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        sqlx::query(
            "INSERT INTO users (tenant_id, id, email, password_hash, role, created_at) \
             VALUES (?, ?, ?, ?, 'OWNER', ?)",
        )
        .bind(owner.tenant_id.to_string())
        .bind(owner.id.to_string())
        .bind(&owner.email)
        .bind(&owner.password_hash)
        .bind(ts(owner.created_at))
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)
    }

    async fn get_tenant(&self, tenant: TenantId) -> StoreResult<Option<TenantRecord>> {
        let row = sqlx::query("SELECT id, name, created_at, time_zone FROM tenants WHERE id = ?")
            .bind(tenant.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?;
        row.map(|row| {
            let get = |err: sqlx::Error| StoreError::Database(err.to_string());
            Ok(TenantRecord {
                id: parse_uuid(row.try_get("id").map_err(get)?)?,
                name: row.try_get("name").map_err(get)?,
                created_at: parse_ts(row.try_get("created_at").map_err(get)?)?,
                time_zone: row.try_get("time_zone").map_err(get)?,
            })
        })
        .transpose()
    }

    async fn set_tenant_time_zone(&self, tenant: TenantId, time_zone: &str) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        next_row_version(&mut tx).await?;
        sqlx::query("UPDATE tenants SET time_zone = ? WHERE id = ?")
            .bind(time_zone)
            .bind(tenant.to_string())
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        tx.commit().await.map_err(map_err)
    }

    async fn find_user_by_email(&self, email: &str) -> StoreResult<Option<UserRecord>> {
        let row = sqlx::query(
            "SELECT id, tenant_id, email, password_hash, created_at FROM users \
             WHERE lower(email) = ?",
        )
        .bind(email.trim().to_lowercase())
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn get_user(&self, tenant: TenantId, user: UserId) -> StoreResult<Option<UserRecord>> {
        let row = sqlx::query(
            "SELECT id, tenant_id, email, password_hash, created_at FROM users \
             WHERE tenant_id = ? AND id = ?",
        )
        .bind(tenant.to_string())
        .bind(user.to_string())
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn insert_refresh_token(&self, token: &RefreshTokenRecord) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        insert_refresh(&mut tx, token).await?;
        tx.commit().await.map_err(map_err)
    }

    async fn find_refresh_token(
        &self,
        token_hash: &str,
    ) -> StoreResult<Option<RefreshTokenRecord>> {
        let row = sqlx::query(
            "SELECT id, tenant_id, user_id, family_id, token_hash, expires_at, used_at, \
             revoked_at FROM refresh_tokens WHERE token_hash = ?",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?;
        row.as_ref().map(refresh_from_row).transpose()
    }

    async fn rotate_refresh_token(
        &self,
        used: &RefreshTokenRecord,
        successor: &RefreshTokenRecord,
    ) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        let marked = sqlx::query(
            "UPDATE refresh_tokens SET used_at = ? WHERE tenant_id = ? AND id = ? \
             AND used_at IS NULL AND revoked_at IS NULL",
        )
        .bind(ts(Utc::now()))
        .bind(used.tenant_id.to_string())
        .bind(used.id.to_string())
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
        sqlx::query(
            "UPDATE refresh_tokens SET revoked_at = ? WHERE tenant_id = ? AND family_id = ? \
             AND revoked_at IS NULL",
        )
        .bind(ts(Utc::now()))
        .bind(tenant.to_string())
        .bind(family.to_string())
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn reserve_login_attempt(
        &self,
        email_hash: &str,
        at: DateTime<Utc>,
        decide: LoginPolicy,
    ) -> StoreResult<Result<(), u64>> {
        // The first statement writes, so the transaction holds SQLite's write lock while it
        // reads and decides: concurrent attempts queue behind it.
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO login_throttle (email_hash, failures, last_failure_at) \
             VALUES (?, 0, ?) ON CONFLICT (email_hash) DO UPDATE SET failures = failures",
        )
        .bind(email_hash)
        .bind(ts(DateTime::<Utc>::UNIX_EPOCH))
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        let row = sqlx::query(
            "SELECT failures, last_failure_at FROM login_throttle WHERE email_hash = ?",
        )
        .bind(email_hash)
        .fetch_one(&mut *tx)
        .await
        .map_err(map_err)?;
        let get = |err: sqlx::Error| StoreError::Database(err.to_string());
        let current = LoginThrottle {
            failures: row.try_get::<i64, _>("failures").map_err(get)?.max(0) as u32,
            last_failure_at: Some(parse_ts(row.try_get("last_failure_at").map_err(get)?)?),
        };
        match decide(&current, at) {
            Ok(failures) => {
                sqlx::query(
                    "UPDATE login_throttle SET failures = ?, last_failure_at = ? WHERE email_hash = ?",
                )
                .bind(i64::from(failures))
                .bind(ts(at))
                .bind(email_hash)
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
        sqlx::query("DELETE FROM login_throttle WHERE email_hash = ?")
            .bind(email_hash)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn tenant_keys(&self, tenant: TenantId) -> StoreResult<Vec<TenantKeyRecord>> {
        let rows = sqlx::query(
            "SELECT version, wrapped_key FROM tenant_keys WHERE tenant_id = ? ORDER BY version",
        )
        .bind(tenant.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?;
        rows.iter()
            .map(|row| {
                let get = |err: sqlx::Error| StoreError::Database(err.to_string());
                Ok(TenantKeyRecord {
                    version: row.try_get::<i64, _>("version").map_err(get)? as u32,
                    wrapped_key: row.try_get("wrapped_key").map_err(get)?,
                })
            })
            .collect()
    }

    async fn insert_tenant_key(&self, tenant: TenantId, key: &TenantKeyRecord) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO tenant_keys (tenant_id, version, wrapped_key, created_at) \
             VALUES (?, ?, ?, ?)",
        )
        .bind(tenant.to_string())
        .bind(i64::from(key.version))
        .bind(&key.wrapped_key)
        .bind(ts(Utc::now()))
        .execute(&self.pool)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn rotate_tenant_key(
        &self,
        tenant: TenantId,
        key: &TenantKeyRecord,
        reencryptions: &[Reencryption],
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO tenant_keys (tenant_id, version, wrapped_key, created_at) \
             VALUES (?, ?, ?, ?)",
        )
        .bind(tenant.to_string())
        .bind(i64::from(key.version))
        .bind(&key.wrapped_key)
        .bind(ts(Utc::now()))
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        for change in reencryptions {
            let version = next_row_version(&mut tx).await?;
            let updated = sqlx::query(
                "UPDATE integrations SET credentials = ?, row_version = ?, updated_at = ? \
                 WHERE tenant_id = ? AND id = ? AND credentials = ?",
            )
            .bind(&change.new)
            .bind(version)
            .bind(ts(Utc::now()))
            .bind(tenant.to_string())
            .bind(change.integration_id.to_string())
            .bind(&change.old)
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
        let rows = sqlx::query(&format!(
            "SELECT {INTEGRATION_COLUMNS} FROM integrations WHERE tenant_id = ? \
             ORDER BY created_at, id"
        ))
        .bind(tenant.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?;
        rows.iter().map(integration_from_row).collect()
    }

    async fn get_integration(
        &self,
        tenant: TenantId,
        id: IntegrationId,
    ) -> StoreResult<Option<IntegrationRecord>> {
        let row = sqlx::query(&format!(
            "SELECT {INTEGRATION_COLUMNS} FROM integrations WHERE tenant_id = ? AND id = ?"
        ))
        .bind(tenant.to_string())
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?;
        row.as_ref().map(integration_from_row).transpose()
    }

    async fn insert_integration(
        &self,
        record: &IntegrationRecord,
    ) -> StoreResult<IntegrationRecord> {
        let mut tx = self.begin().await?;
        let version = next_row_version(&mut tx).await?;
        let row = sqlx::query(&format!(
            "INSERT INTO integrations (tenant_id, id, name, provider, description, credentials, \
             credentials_hint, config, external_id, status, enabled, last_error, created_at, \
             updated_at, last_sync_at, row_version) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13, ?14, ?15) \
             RETURNING {INTEGRATION_COLUMNS}"
        ))
        .bind(record.tenant_id.to_string())
        .bind(record.id.to_string())
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
        .bind(ts(record.created_at))
        .bind(record.last_sync_at.map(ts))
        .bind(version)
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
        let mut tx = self.begin().await?;
        let version = next_row_version(&mut tx).await?;
        let row = sqlx::query(&format!(
            "UPDATE integrations SET name = ?1, description = ?2, credentials = ?3, \
             credentials_hint = ?4, config = ?5, external_id = ?6, status = ?7, enabled = ?8, \
             last_error = ?9, last_sync_at = ?10, updated_at = ?11, row_version = ?12 \
             WHERE tenant_id = ?13 AND id = ?14 AND row_version = ?15 \
             RETURNING {INTEGRATION_COLUMNS}"
        ))
        .bind(&record.name)
        .bind(&record.description)
        .bind(&record.credentials)
        .bind(&record.credentials_hint)
        .bind(&record.config)
        .bind(&record.external_id)
        .bind(record.status.as_str())
        .bind(record.enabled)
        .bind(&record.last_error)
        .bind(record.last_sync_at.map(ts))
        .bind(ts(Utc::now()))
        .bind(version)
        .bind(record.tenant_id.to_string())
        .bind(record.id.to_string())
        .bind(expected_version)
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
        let Some(row) = row else {
            tx.rollback().await.map_err(map_err)?;
            return Err(StoreError::Stale);
        };
        let updated = integration_from_row(&row)?;
        tx.commit().await.map_err(map_err)?;
        Ok(updated)
    }

    async fn delete_integration(&self, tenant: TenantId, id: IntegrationId) -> StoreResult<bool> {
        let deleted = sqlx::query("DELETE FROM integrations WHERE tenant_id = ? AND id = ?")
            .bind(tenant.to_string())
            .bind(id.to_string())
            .execute(&self.pool)
            .await
            .map_err(map_err)?
            .rows_affected();
        Ok(deleted == 1)
    }
}

// ------------------------------------------------------------------ the offline mirror
//
// In shared mode this file holds a copy of the signed-in tenant's rows, exactly as the server
// has them (row versions and credential ciphertext included), plus the outbox of edits made
// offline. The methods below are the mirror's own: the `Store` methods above serve its reads.

const MIRRORED_TABLES: &[&str] = &[
    "integrations",
    "tenant_keys",
    "refresh_tokens",
    "users",
    "tenants",
    "mirror_state",
    "login_throttle",
];

fn outbox_from_row(row: &SqliteRow) -> StoreResult<OutboxEntry> {
    let get = |err: sqlx::Error| StoreError::Database(err.to_string());
    Ok(OutboxEntry {
        seq: row.try_get("seq").map_err(get)?,
        tenant_id: parse_uuid(row.try_get("tenant_id").map_err(get)?)?,
        integration_id: parse_uuid(row.try_get("integration_id").map_err(get)?)?,
        integration_name: row.try_get("integration_name").map_err(get)?,
        change: row.try_get("change").map_err(get)?,
        base_version: row.try_get("base_version").map_err(get)?,
        conflict: row.try_get::<&str, _>("state").map_err(get)? == "CONFLICT",
        queued_at: parse_ts(row.try_get("queued_at").map_err(get)?)?,
    })
}

/// Writes the server's copy of a row, replacing the mirror's unless the mirror already holds a
/// newer version. `OR REPLACE` also removes a row that a uniqueness rule says this one replaces
/// (a store reconnected under a new integration): the server is the truth. Rows of a tenant
/// the mirror does not hold (not the signed-in one) are left out.
async fn put_mirrored_integration(
    tx: &mut Transaction<'static, Sqlite>,
    record: &IntegrationRecord,
) -> StoreResult<bool> {
    let newer_here: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM integrations WHERE id = ? AND row_version >= ?")
            .bind(record.id.to_string())
            .bind(record.version)
            .fetch_optional(&mut **tx)
            .await
            .map_err(map_err)?;
    let tenant_known: Option<i64> = sqlx::query_scalar("SELECT 1 FROM tenants WHERE id = ?")
        .bind(record.tenant_id.to_string())
        .fetch_optional(&mut **tx)
        .await
        .map_err(map_err)?;
    if newer_here.is_some() || tenant_known.is_none() {
        return Ok(false);
    }
    // A row the server replaced under a uniqueness rule (the one Meta Ads account, a store
    // reconnected as a new integration) gives way: the server is the truth.
    sqlx::query(
        "DELETE FROM integrations WHERE tenant_id = ?1 AND id <> ?2 AND provider = ?3 \
         AND (?3 = 'META_ADS' OR external_id = ?4)",
    )
    .bind(record.tenant_id.to_string())
    .bind(record.id.to_string())
    .bind(record.provider.as_str())
    .bind(&record.external_id)
    .execute(&mut **tx)
    .await
    .map_err(map_err)?;
    // An upsert, not INSERT OR REPLACE: a replace deletes first, and the delete would take the
    // integration's mirrored sync history with it.
    sqlx::query(
        "INSERT INTO integrations (tenant_id, id, name, provider, description, credentials, \
         credentials_hint, config, external_id, status, enabled, last_error, created_at, \
         updated_at, last_sync_at, row_version) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16) \
         ON CONFLICT (tenant_id, id) DO UPDATE SET name = excluded.name, \
             description = excluded.description, credentials = excluded.credentials, \
             credentials_hint = excluded.credentials_hint, config = excluded.config, \
             external_id = excluded.external_id, status = excluded.status, \
             enabled = excluded.enabled, last_error = excluded.last_error, \
             updated_at = excluded.updated_at, last_sync_at = excluded.last_sync_at, \
             row_version = excluded.row_version",
    )
    .bind(record.tenant_id.to_string())
    .bind(record.id.to_string())
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
    .bind(ts(record.created_at))
    .bind(ts(record.updated_at))
    .bind(record.last_sync_at.map(ts))
    .bind(record.version)
    .execute(&mut **tx)
    .await
    .map_err(map_err)?;
    Ok(true)
}

/// One synced row from the server, upserted whole (only for integrations the mirror holds).
async fn put_mirrored_synced_row(
    tx: &mut Transaction<'static, Sqlite>,
    tenant: TenantId,
    table: &str,
    row: &serde_json::Value,
) -> StoreResult<usize> {
    let Some((_, columns)) = super::MIRRORED_SYNC_TABLES
        .iter()
        .find(|(name, _)| *name == table)
    else {
        return Ok(0);
    };
    if row.get("tenant_id").and_then(|v| v.as_str()) != Some(tenant.to_string().as_str()) {
        return Ok(0);
    }
    let names: Vec<&str> = columns.iter().map(|(name, _)| *name).collect();
    let placeholders: Vec<String> = (1..=names.len()).map(|i| format!("?{i}")).collect();
    let sql = format!(
        "INSERT OR REPLACE INTO {table} ({}) SELECT {} \
         WHERE EXISTS (SELECT 1 FROM integrations WHERE tenant_id = ?1 AND id = ?2)",
        names.join(", "),
        placeholders.join(", ")
    );
    let mut query = sqlx::query(&sql);
    for (name, kind) in columns.iter() {
        let value = row.get(*name).unwrap_or(&serde_json::Value::Null);
        query = match (kind, value) {
            (_, serde_json::Value::Null) => query.bind(None::<String>),
            (super::ColumnKind::Int, value) => query.bind(value.as_i64()),
            (super::ColumnKind::Bool, value) => query.bind(value.as_bool()),
            (_, serde_json::Value::String(text)) => query.bind(text.clone()),
            (_, other) => query.bind(other.to_string()),
        };
    }
    Ok(query
        .execute(&mut **tx)
        .await
        .map_err(map_err)?
        .rows_affected() as usize)
}

impl SqliteStore {
    /// Ties this file to one server. A file that mirrored another server is emptied first (its
    /// outbox too: those edits were for rows this server does not have). Returns whether it was.
    pub async fn bind_mirror(&self, server: &str) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        next_row_version(&mut tx).await?;
        let current: Option<String> =
            sqlx::query_scalar("SELECT server FROM mirror_meta WHERE id = 1")
                .fetch_optional(&mut *tx)
                .await
                .map_err(map_err)?;
        let wiped = match current.as_deref() {
            Some(same) if same == server => false,
            previous => {
                for table in MIRRORED_TABLES.iter().chain(&["outbox"]) {
                    sqlx::query(&format!("DELETE FROM {table}"))
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?;
                }
                sqlx::query("INSERT OR REPLACE INTO mirror_meta (id, server) VALUES (1, ?)")
                    .bind(server)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                previous.is_some()
            }
        };
        tx.commit().await.map_err(map_err)?;
        Ok(wiped)
    }

    pub async fn mirror_cursor(
        &self,
        tenant: TenantId,
    ) -> StoreResult<(PullCursor, Option<DateTime<Utc>>)> {
        let row = sqlx::query(
            "SELECT last_version, horizon, as_of FROM mirror_state WHERE tenant_id = ?",
        )
        .bind(tenant.to_string())
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?;
        let Some(row) = row else {
            return Ok((PullCursor::default(), None));
        };
        let get = |err: sqlx::Error| StoreError::Database(err.to_string());
        let as_of: Option<String> = row.try_get("as_of").map_err(get)?;
        Ok((
            PullCursor {
                last_version: row.try_get("last_version").map_err(get)?,
                horizon: row.try_get("horizon").map_err(get)?,
            },
            as_of.as_deref().map(parse_ts).transpose()?,
        ))
    }

    /// Applies one pull in one transaction and moves the cursor. Returns how many rows
    /// actually changed (a re-read row the mirror already has does not count).
    pub async fn apply_pull(
        &self,
        tenant: TenantId,
        changes: &Changes,
        as_of: DateTime<Utc>,
    ) -> StoreResult<usize> {
        let mut tx = self.begin().await?;
        next_row_version(&mut tx).await?;
        let mut changed = 0;
        if let Some(record) = &changes.tenant {
            upsert_tenant_copy(&mut tx, record).await?;
        }
        for key in &changes.keys {
            sqlx::query(
                "INSERT OR IGNORE INTO tenant_keys (tenant_id, version, wrapped_key, created_at) \
                 VALUES (?, ?, ?, ?)",
            )
            .bind(tenant.to_string())
            .bind(key.version as i64)
            .bind(&key.wrapped_key)
            .bind(ts(as_of))
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        }
        // Deletes first: a row removed on the server may hold a shop id that a row arriving in
        // the same pull now holds.
        for id in &changes.deleted_integrations {
            changed += sqlx::query("DELETE FROM integrations WHERE tenant_id = ? AND id = ?")
                .bind(tenant.to_string())
                .bind(id.to_string())
                .execute(&mut *tx)
                .await
                .map_err(map_err)?
                .rows_affected() as usize;
        }
        for record in &changes.integrations {
            if record.tenant_id == tenant && put_mirrored_integration(&mut tx, record).await? {
                changed += 1;
            }
        }
        for (table, row) in &changes.synced {
            changed += put_mirrored_synced_row(&mut tx, tenant, table, row).await?;
        }
        for id in &changes.deleted_sync_runs {
            changed += sqlx::query("DELETE FROM sync_runs WHERE tenant_id = ? AND id = ?")
                .bind(tenant.to_string())
                .bind(id.to_string())
                .execute(&mut *tx)
                .await
                .map_err(map_err)?
                .rows_affected() as usize;
        }
        for run in changes
            .sync_runs
            .iter()
            .filter(|run| run.tenant_id == tenant)
        {
            // Only runs of integrations the mirror holds (they all are, after the loop above).
            changed += sqlx::query(
                "INSERT INTO sync_runs (tenant_id, id, integration_id, trigger, outcome, \
                 started_at, finished_at, counts, error, error_code, worker) \
                 SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11 \
                 WHERE EXISTS (SELECT 1 FROM integrations WHERE tenant_id = ?1 AND id = ?3) \
                 ON CONFLICT (tenant_id, id) DO UPDATE SET outcome = excluded.outcome, \
                     finished_at = excluded.finished_at, counts = excluded.counts, \
                     error = excluded.error, error_code = excluded.error_code \
                 WHERE sync_runs.outcome IS NOT excluded.outcome \
                    OR sync_runs.finished_at IS NOT excluded.finished_at \
                    OR sync_runs.counts IS NOT excluded.counts",
            )
            .bind(tenant.to_string())
            .bind(run.id.to_string())
            .bind(run.integration_id.to_string())
            .bind(&run.trigger)
            .bind(&run.outcome)
            .bind(ts(run.started_at))
            .bind(run.finished_at.map(ts))
            .bind(serde_json::to_string(&run.counts).unwrap_or_default())
            .bind(&run.error)
            .bind(&run.error_code)
            .bind(&run.worker)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?
            .rows_affected() as usize;
        }
        sqlx::query(
            "INSERT INTO mirror_state (tenant_id, last_version, horizon, as_of) \
             VALUES (?, ?, ?, ?) ON CONFLICT (tenant_id) DO UPDATE SET \
             last_version = excluded.last_version, horizon = excluded.horizon, \
             as_of = excluded.as_of",
        )
        .bind(tenant.to_string())
        .bind(changes.cursor.last_version)
        .bind(changes.cursor.horizon)
        .bind(ts(as_of))
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        Ok(changed)
    }

    /// The server's copy of one row after a write made online, so the mirror need not wait
    /// for the next pull.
    pub async fn put_integration_copy(&self, record: &IntegrationRecord) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        next_row_version(&mut tx).await?;
        put_mirrored_integration(&mut tx, record).await?;
        tx.commit().await.map_err(map_err)
    }

    pub async fn remove_integration_copy(
        &self,
        tenant: TenantId,
        id: IntegrationId,
    ) -> StoreResult<()> {
        self.delete_integration(tenant, id).await.map(|_| ())
    }

    /// Keeps a user who just proved their password (and their workspace) for offline sign-in,
    /// and drops every other workspace's mirrored rows: the file mirrors the signed-in tenant.
    /// Outboxes are kept: they hold edits their authors made and expect to reach the server.
    pub async fn remember_user(&self, tenant: &TenantRecord, user: &UserRecord) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        next_row_version(&mut tx).await?;
        for table in [
            "integrations",
            "tenant_keys",
            "refresh_tokens",
            "users",
            "mirror_state",
        ] {
            sqlx::query(&format!("DELETE FROM {table} WHERE tenant_id <> ?"))
                .bind(tenant.id.to_string())
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
        }
        sqlx::query("DELETE FROM tenants WHERE id <> ?")
            .bind(tenant.id.to_string())
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        upsert_tenant_copy(&mut tx, tenant).await?;
        // Another user of this workspace may have used the same email before it moved.
        sqlx::query("DELETE FROM users WHERE lower(email) = lower(?) AND id <> ?")
            .bind(&user.email)
            .bind(user.id.to_string())
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        sqlx::query(
            "INSERT INTO users (tenant_id, id, email, password_hash, role, created_at) \
             VALUES (?, ?, ?, ?, 'OWNER', ?) ON CONFLICT (tenant_id, id) DO UPDATE SET \
             email = excluded.email, password_hash = excluded.password_hash",
        )
        .bind(user.tenant_id.to_string())
        .bind(user.id.to_string())
        .bind(&user.email)
        .bind(&user.password_hash)
        .bind(ts(user.created_at))
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)
    }

    pub async fn outbox_push(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        integration_name: &str,
        change: &str,
        base_version: i64,
        queued_at: DateTime<Utc>,
    ) -> StoreResult<i64> {
        sqlx::query_scalar(
            "INSERT INTO outbox (tenant_id, integration_id, integration_name, change, \
             base_version, queued_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING seq",
        )
        .bind(tenant.to_string())
        .bind(integration.to_string())
        .bind(integration_name)
        .bind(change)
        .bind(base_version)
        .bind(ts(queued_at))
        .fetch_one(&self.pool)
        .await
        .map_err(map_err)
    }

    /// The outbox in the order it must be applied; all tenants when `tenant` is `None`.
    pub async fn outbox(&self, tenant: Option<TenantId>) -> StoreResult<Vec<OutboxEntry>> {
        let rows = sqlx::query(
            "SELECT seq, tenant_id, integration_id, integration_name, change, base_version, \
             state, queued_at FROM outbox WHERE ?1 IS NULL OR tenant_id = ?1 ORDER BY seq",
        )
        .bind(tenant.map(|t| t.to_string()))
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?;
        rows.iter().map(outbox_from_row).collect()
    }

    pub async fn outbox_mark_conflict(&self, seq: i64) -> StoreResult<()> {
        sqlx::query("UPDATE outbox SET state = 'CONFLICT' WHERE seq = ?")
            .bind(seq)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    /// Removes an entry the server has accepted (or the user has let go). Later entries for the
    /// same integration were queued on top of the same base version; with `applied_as` they
    /// move onto the version the server gave, in the same transaction, so a crash between two
    /// entries cannot turn the second into a false conflict.
    pub async fn outbox_done(
        &self,
        entry: &OutboxEntry,
        applied_as: Option<i64>,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        next_row_version(&mut tx).await?;
        sqlx::query("DELETE FROM outbox WHERE seq = ?")
            .bind(entry.seq)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        if let Some(version) = applied_as {
            sqlx::query(
                "UPDATE outbox SET base_version = ? WHERE tenant_id = ? AND integration_id = ? \
                 AND base_version = ? AND state = 'PENDING' AND seq > ?",
            )
            .bind(version)
            .bind(entry.tenant_id.to_string())
            .bind(entry.integration_id.to_string())
            .bind(entry.base_version)
            .bind(entry.seq)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        }
        tx.commit().await.map_err(map_err)
    }
}

// ------------------------------------------------------------------ sync

fn run_from_row(row: &SqliteRow) -> StoreResult<SyncRunRecord> {
    let get = |err: sqlx::Error| StoreError::Database(err.to_string());
    let opt_ts = |value: Option<String>| value.as_deref().map(parse_ts).transpose();
    let counts: String = row.try_get("counts").map_err(get)?;
    Ok(SyncRunRecord {
        id: parse_uuid(row.try_get("id").map_err(get)?)?,
        tenant_id: parse_uuid(row.try_get("tenant_id").map_err(get)?)?,
        integration_id: parse_uuid(row.try_get("integration_id").map_err(get)?)?,
        trigger: row.try_get("trigger").map_err(get)?,
        outcome: row.try_get("outcome").map_err(get)?,
        started_at: parse_ts(row.try_get("started_at").map_err(get)?)?,
        finished_at: opt_ts(row.try_get("finished_at").map_err(get)?)?,
        counts: serde_json::from_str(&counts).unwrap_or_default(),
        error: row.try_get("error").map_err(get)?,
        error_code: row.try_get("error_code").map_err(get)?,
        worker: row.try_get("worker").map_err(get)?,
    })
}

#[async_trait]
impl SyncStore for SqliteStore {
    async fn claim_job(
        &self,
        worker: &str,
        scope: ClaimScope,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> StoreResult<Option<ClaimedJob>> {
        let mut tx = self.begin().await?;
        next_row_version(&mut tx).await?;
        let row = sqlx::query(
            "UPDATE sync_jobs SET claimed_by = ?1, lease_until = ?5 \
             WHERE rowid = ( \
                SELECT rowid FROM sync_jobs \
                WHERE (lease_until IS NULL OR lease_until < ?2) \
                  AND (?3 IS NULL OR tenant_id = ?3) \
                  AND (?4 IS NULL OR integration_id = ?4) \
                  AND (?4 IS NOT NULL OR next_run_at <= ?2 OR requested_at IS NOT NULL) \
                ORDER BY requested_at IS NULL, requested_at, next_run_at LIMIT 1) \
             RETURNING tenant_id, integration_id, interval_minutes, \
                       requested_at IS NOT NULL AS requested, run_id",
        )
        .bind(worker)
        .bind(ts(now))
        .bind(scope.tenant.map(|t| t.to_string()))
        .bind(scope.integration.map(|i| i.to_string()))
        .bind(ts(lease_until))
        .fetch_optional(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)?;
        let get = |err: sqlx::Error| StoreError::Database(err.to_string());
        row.map(|row| {
            let run: Option<String> = row.try_get("run_id").map_err(get)?;
            Ok(ClaimedJob {
                tenant_id: parse_uuid(row.try_get("tenant_id").map_err(get)?)?,
                integration_id: parse_uuid(row.try_get("integration_id").map_err(get)?)?,
                interval_minutes: row.try_get("interval_minutes").map_err(get)?,
                requested: row.try_get("requested").map_err(get)?,
                abandoned_run: run.as_deref().map(parse_uuid).transpose()?,
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
            "UPDATE sync_jobs SET lease_until = ?4, run_id = ?5 \
             WHERE tenant_id = ?1 AND integration_id = ?2 AND claimed_by = ?3",
        )
        .bind(job.tenant_id.to_string())
        .bind(job.integration_id.to_string())
        .bind(worker)
        .bind(ts(until))
        .bind(run.to_string())
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
             requested_at = CASE WHEN requested_at > ?5 THEN requested_at END, next_run_at = ?4 \
             WHERE tenant_id = ?1 AND integration_id = ?2 AND claimed_by = ?3",
        )
        .bind(job.tenant_id.to_string())
        .bind(job.integration_id.to_string())
        .bind(worker)
        .bind(ts(next_run_at))
        .bind(ts(job.claimed_at))
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
            "UPDATE sync_jobs SET requested_at = ? WHERE tenant_id = ? AND integration_id = ?",
        )
        .bind(ts(Utc::now()))
        .bind(tenant.to_string())
        .bind(integration.to_string())
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
        let Some(info) = self.job_info(tenant, integration).await? else {
            return Ok(false);
        };
        let next = info.next_run_at - chrono::Duration::minutes(info.interval_minutes.into())
            + chrono::Duration::minutes(minutes.into());
        let updated = sqlx::query(
            "UPDATE sync_jobs SET interval_minutes = ?, next_run_at = ? \
             WHERE tenant_id = ? AND integration_id = ?",
        )
        .bind(minutes)
        .bind(ts(next))
        .bind(tenant.to_string())
        .bind(integration.to_string())
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
             FROM sync_jobs WHERE tenant_id = ? AND integration_id = ?",
        )
        .bind(tenant.to_string())
        .bind(integration.to_string())
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)?;
        let get = |err: sqlx::Error| StoreError::Database(err.to_string());
        let opt_ts = |value: Option<String>| value.as_deref().map(parse_ts).transpose();
        row.map(|row| {
            Ok(JobInfo {
                interval_minutes: row.try_get("interval_minutes").map_err(get)?,
                next_run_at: parse_ts(row.try_get("next_run_at").map_err(get)?)?,
                requested_at: opt_ts(row.try_get("requested_at").map_err(get)?)?,
                claimed_by: row.try_get("claimed_by").map_err(get)?,
                lease_until: opt_ts(row.try_get("lease_until").map_err(get)?)?,
            })
        })
        .transpose()
    }

    async fn insert_run(&self, run: &SyncRunRecord) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let version = next_row_version(&mut tx).await?;
        sqlx::query(
            "INSERT INTO sync_runs (tenant_id, id, integration_id, trigger, outcome, started_at, \
             finished_at, counts, error, error_code, worker, row_version) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(run.tenant_id.to_string())
        .bind(run.id.to_string())
        .bind(run.integration_id.to_string())
        .bind(&run.trigger)
        .bind(&run.outcome)
        .bind(ts(run.started_at))
        .bind(run.finished_at.map(ts))
        .bind(serde_json::to_string(&run.counts).unwrap_or_default())
        .bind(&run.error)
        .bind(&run.error_code)
        .bind(&run.worker)
        .bind(version)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)
    }

    async fn update_run(&self, run: &SyncRunRecord) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let version = next_row_version(&mut tx).await?;
        sqlx::query(
            "UPDATE sync_runs SET outcome = ?, finished_at = ?, counts = ?, error = ?, \
             error_code = ?, row_version = ? WHERE tenant_id = ? AND id = ?",
        )
        .bind(&run.outcome)
        .bind(run.finished_at.map(ts))
        .bind(serde_json::to_string(&run.counts).unwrap_or_default())
        .bind(&run.error)
        .bind(&run.error_code)
        .bind(version)
        .bind(run.tenant_id.to_string())
        .bind(run.id.to_string())
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        tx.commit().await.map_err(map_err)
    }

    async fn interrupt_run(&self, tenant: TenantId, run: Uuid) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let version = next_row_version(&mut tx).await?;
        sqlx::query(
            "UPDATE sync_runs SET outcome = 'INTERRUPTED', finished_at = ?, row_version = ?, \
             error = 'The sync stopped before it finished (the app or worker was closed); the \
             next run resumed from the last saved point.' \
             WHERE tenant_id = ? AND id = ? AND outcome = 'RUNNING'",
        )
        .bind(ts(Utc::now()))
        .bind(version)
        .bind(tenant.to_string())
        .bind(run.to_string())
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
        let rows = sqlx::query(
            "SELECT tenant_id, id, integration_id, trigger, outcome, started_at, finished_at, \
             counts, error, error_code, worker FROM sync_runs \
             WHERE tenant_id = ? AND integration_id = ? ORDER BY started_at DESC, id LIMIT ?",
        )
        .bind(tenant.to_string())
        .bind(integration.to_string())
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?;
        rows.iter().map(run_from_row).collect()
    }

    async fn cursor(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        stream: &str,
    ) -> StoreResult<Option<String>> {
        sqlx::query_scalar(
            "SELECT cursor FROM sync_cursors \
             WHERE tenant_id = ? AND integration_id = ? AND stream = ?",
        )
        .bind(tenant.to_string())
        .bind(integration.to_string())
        .bind(stream)
        .fetch_optional(&self.pool)
        .await
        .map_err(map_err)
    }

    async fn write_batch(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        batch: SyncBatch<'_>,
        checkpoint: Option<(&str, &str)>,
    ) -> StoreResult<usize> {
        let mut tx = self.begin().await?;
        let version = next_row_version(&mut tx).await?;
        let tenant_text = tenant.to_string();
        let integration_text = integration.to_string();
        let mut written = 0;
        match batch {
            SyncBatch::Orders { shop_id, orders } => {
                for order in orders {
                    written += sqlx::query(
                        "INSERT INTO pancake_orders (tenant_id, integration_id, shop_id, \
                         order_id, status, inserted_at, updated_at, total_price, total_discount, \
                         shipping_fee, cod, currency, ad_id, page_id, utm_source, utm_campaign, \
                         received_at_shop, items, row_version) \
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, \
                                 ?15, ?16, ?17, ?18, ?19) \
                         ON CONFLICT (tenant_id, shop_id, order_id) DO UPDATE SET \
                             integration_id = excluded.integration_id, status = excluded.status, \
                             inserted_at = excluded.inserted_at, updated_at = excluded.updated_at, \
                             total_price = excluded.total_price, \
                             total_discount = excluded.total_discount, \
                             shipping_fee = excluded.shipping_fee, cod = excluded.cod, \
                             currency = excluded.currency, ad_id = excluded.ad_id, \
                             page_id = excluded.page_id, utm_source = excluded.utm_source, \
                             utm_campaign = excluded.utm_campaign, \
                             received_at_shop = excluded.received_at_shop, \
                             items = excluded.items, row_version = excluded.row_version \
                         WHERE pancake_orders.updated_at IS NULL OR excluded.updated_at IS NULL \
                            OR excluded.updated_at >= pancake_orders.updated_at",
                    )
                    .bind(&tenant_text)
                    .bind(&integration_text)
                    .bind(shop_id)
                    .bind(order.id)
                    .bind(order.status)
                    .bind(order.inserted_at.map(ts))
                    .bind(order.updated_at.map(ts))
                    .bind(order.total_price)
                    .bind(order.total_discount)
                    .bind(order.shipping_fee)
                    .bind(order.cod)
                    .bind(&order.order_currency)
                    .bind(&order.ad_id)
                    .bind(&order.page_id)
                    .bind(&order.utm_source)
                    .bind(&order.utm_campaign)
                    .bind(order.received_at_shop)
                    .bind(super::order_items_json(order))
                    .bind(version)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?
                    .rows_affected() as usize;
                }
            }
            SyncBatch::Variations {
                shop_id,
                variations,
            } => {
                for variation in variations {
                    written += sqlx::query(
                        "INSERT INTO pancake_variations (tenant_id, integration_id, shop_id, \
                         variation_id, product_id, product_name, sku, retail_price, \
                         remain_quantity, is_hidden, updated_at, row_version) \
                         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
                         ON CONFLICT (tenant_id, shop_id, variation_id) DO UPDATE SET \
                             integration_id = excluded.integration_id, \
                             product_id = excluded.product_id, \
                             product_name = excluded.product_name, sku = excluded.sku, \
                             retail_price = excluded.retail_price, \
                             remain_quantity = excluded.remain_quantity, \
                             is_hidden = excluded.is_hidden, updated_at = excluded.updated_at, \
                             row_version = excluded.row_version",
                    )
                    .bind(&tenant_text)
                    .bind(&integration_text)
                    .bind(shop_id)
                    .bind(&variation.id)
                    .bind(&variation.product_id)
                    .bind(&variation.product_name)
                    .bind(&variation.display_id)
                    .bind(variation.retail_price)
                    .bind(variation.remain_quantity)
                    .bind(variation.is_hidden)
                    .bind(variation.updated_at.map(ts))
                    .bind(version)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?
                    .rows_affected() as usize;
                    sqlx::query(
                        "DELETE FROM pancake_stock WHERE tenant_id = ? AND shop_id = ? \
                         AND variation_id = ?",
                    )
                    .bind(&tenant_text)
                    .bind(shop_id)
                    .bind(&variation.id)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                    for stock in &variation.stock {
                        sqlx::query(
                            "INSERT OR REPLACE INTO pancake_stock (tenant_id, integration_id, \
                             shop_id, variation_id, warehouse_id, remain_quantity, row_version) \
                             VALUES (?, ?, ?, ?, ?, ?, ?)",
                        )
                        .bind(&tenant_text)
                        .bind(&integration_text)
                        .bind(shop_id)
                        .bind(&variation.id)
                        .bind(&stock.warehouse_id)
                        .bind(stock.remain_quantity)
                        .bind(version)
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?;
                    }
                }
            }
            SyncBatch::Insights { currency, rows } => {
                for row in rows {
                    sqlx::query(
                        "INSERT INTO meta_ads (tenant_id, integration_id, ad_id, ad_name, \
                         adset_id, adset_name, campaign_id, campaign_name, row_version) \
                         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) \
                         ON CONFLICT (tenant_id, ad_id) DO UPDATE SET \
                             integration_id = excluded.integration_id, \
                             ad_name = excluded.ad_name, adset_id = excluded.adset_id, \
                             adset_name = excluded.adset_name, \
                             campaign_id = excluded.campaign_id, \
                             campaign_name = excluded.campaign_name, \
                             row_version = excluded.row_version",
                    )
                    .bind(&tenant_text)
                    .bind(&integration_text)
                    .bind(&row.ad_id)
                    .bind(&row.ad_name)
                    .bind(&row.adset_id)
                    .bind(&row.adset_name)
                    .bind(&row.campaign_id)
                    .bind(&row.campaign_name)
                    .bind(version)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                    written += sqlx::query(
                        "INSERT INTO meta_ad_insights (tenant_id, integration_id, ad_id, day, \
                         currency, spend_minor, impressions, clicks, reach, purchases, \
                         purchase_value_minor, row_version) \
                         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
                         ON CONFLICT (tenant_id, ad_id, day) DO UPDATE SET \
                             integration_id = excluded.integration_id, \
                             currency = excluded.currency, spend_minor = excluded.spend_minor, \
                             impressions = excluded.impressions, clicks = excluded.clicks, \
                             reach = excluded.reach, purchases = excluded.purchases, \
                             purchase_value_minor = excluded.purchase_value_minor, \
                             row_version = excluded.row_version",
                    )
                    .bind(&tenant_text)
                    .bind(&integration_text)
                    .bind(&row.ad_id)
                    .bind(row.date_start.format("%Y-%m-%d").to_string())
                    .bind(currency)
                    .bind(row.spend_minor)
                    .bind(row.impressions)
                    .bind(row.clicks)
                    .bind(row.reach)
                    .bind(row.purchases)
                    .bind(row.purchase_value_minor)
                    .bind(version)
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?
                    .rows_affected() as usize;
                }
            }
        }
        if let Some((stream, cursor)) = checkpoint {
            sqlx::query(
                "INSERT INTO sync_cursors (tenant_id, integration_id, stream, cursor, updated_at) \
                 VALUES (?, ?, ?, ?, ?) ON CONFLICT (tenant_id, integration_id, stream) \
                 DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at",
            )
            .bind(&tenant_text)
            .bind(&integration_text)
            .bind(stream)
            .bind(cursor)
            .bind(ts(Utc::now()))
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        }
        tx.commit().await.map_err(map_err)?;
        Ok(written)
    }

    async fn synced_count(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        table: SyncedTable,
    ) -> StoreResult<i64> {
        sqlx::query_scalar(&format!(
            "SELECT count(*) FROM {} WHERE tenant_id = ? AND integration_id = ?",
            table.name()
        ))
        .bind(tenant.to_string())
        .bind(integration.to_string())
        .fetch_one(&self.pool)
        .await
        .map_err(map_err)
    }
}

#[async_trait]
impl ReportStore for SqliteStore {
    async fn report_orders(
        &self,
        tenant: TenantId,
        filter: &OrderFilter,
        key: AggregateKey,
    ) -> StoreResult<Vec<OrderAggregate>> {
        let key_sql = match key {
            AggregateKey::Day => filter.days.day_sql(Dialect::Sqlite, "inserted_at"),
            AggregateKey::Ad => "ad_id".to_string(),
        };
        let sql = format!(
            "SELECT {key_sql} AS key, currency, sum({REVENUE_SQL}) AS revenue_minor, \
                    count(*) AS orders \
             FROM pancake_orders \
             WHERE tenant_id = ?1 AND inserted_at >= ?2 AND inserted_at < ?3 AND {} \
               AND (?4 IS NULL OR integration_id = ?4) \
             GROUP BY 1, 2",
            counted_status_sql()
        );
        sqlx::query_as(&sql)
            .bind(tenant.to_string())
            .bind(ts(filter.days.start))
            .bind(ts(filter.days.end))
            .bind(filter.store.map(|id| id.to_string()))
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)
    }

    async fn report_insights(
        &self,
        tenant: TenantId,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
        key: AggregateKey,
    ) -> StoreResult<Vec<InsightAggregate>> {
        let key_sql = match key {
            AggregateKey::Day => "day",
            AggregateKey::Ad => "ad_id",
        };
        let sql = format!(
            "SELECT {key_sql} AS key, currency, sum(spend_minor) AS spend_minor, \
                    sum(impressions) AS impressions, sum(clicks) AS clicks, \
                    sum(purchases) AS purchases, \
                    sum(purchase_value_minor) AS purchase_value_minor \
             FROM meta_ad_insights \
             WHERE tenant_id = ? AND day BETWEEN ? AND ? \
             GROUP BY 1, 2"
        );
        sqlx::query_as(&sql)
            .bind(tenant.to_string())
            .bind(from.format("%Y-%m-%d").to_string())
            .bind(to.format("%Y-%m-%d").to_string())
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)
    }

    async fn report_ads(&self, tenant: TenantId) -> StoreResult<Vec<AdRecord>> {
        sqlx::query_as(
            "SELECT ad_id, ad_name, campaign_id, campaign_name FROM meta_ads WHERE tenant_id = ?",
        )
        .bind(tenant.to_string())
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)
    }
}
