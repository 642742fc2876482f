//! Workspaces, users, sessions and sign-in throttling.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{Row, Sqlite, Transaction};
use uuid::Uuid;

use super::{next_row_version, parse_ts, ts, SqliteQuery, SqliteStore};
use crate::domain::{TenantId, UserId};
use crate::store::accounts::settle_login_attempt;
use crate::store::{
    AccountStore, LoginPolicy, LoginThrottle, RefreshTokenRecord, StoreResult, TenantRecord,
    UserRecord,
};

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
    .await?;
    Ok(())
}

/// Binds a user's `tenant_id`, `id`, `email`, `password_hash` and `created_at` (the statement
/// sets the role): sign-up writes the owner so, the mirror a user who signed in.
pub(super) fn bind_user<'q>(query: SqliteQuery<'q>, user: &'q UserRecord) -> SqliteQuery<'q> {
    query
        .bind(user.tenant_id.to_string())
        .bind(user.id.to_string())
        .bind(&user.email)
        .bind(&user.password_hash)
        .bind(ts(user.created_at))
}

#[async_trait]
impl AccountStore for SqliteStore {
    async fn create_tenant_with_owner(
        &self,
        tenant: &TenantRecord,
        owner: &UserRecord,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        next_row_version(&mut tx).await?;
        const INSERT_TENANT: &str =
            "INSERT INTO tenants (id, name, created_at, time_zone) VALUES (?, ?, ?, ?)";
        bind_tenant_columns!(sqlx::query(INSERT_TENANT), tenant)
            .execute(&mut *tx)
            .await?;
        const INSERT_OWNER: &str = "INSERT INTO users (tenant_id, id, email, password_hash, \
             role, created_at) VALUES (?, ?, ?, ?, 'OWNER', ?)";
        bind_user(sqlx::query(INSERT_OWNER), owner)
            .execute(&mut *tx)
            .await?;
        Ok(tx.commit().await?)
    }

    async fn get_tenant(&self, tenant: TenantId) -> StoreResult<Option<TenantRecord>> {
        Ok(
            sqlx::query_as("SELECT id, name, created_at, time_zone FROM tenants WHERE id = ?")
                .bind(tenant.to_string())
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    async fn set_tenant_time_zone(&self, tenant: TenantId, time_zone: &str) -> StoreResult<()> {
        self.write_one(|_| {
            sqlx::query("UPDATE tenants SET time_zone = ? WHERE id = ?")
                .bind(time_zone)
                .bind(tenant.to_string())
        })
        .await?;
        Ok(())
    }

    async fn find_user_by_email(&self, email: &str) -> StoreResult<Option<UserRecord>> {
        Ok(sqlx::query_as(
            "SELECT id, tenant_id, email, password_hash, created_at FROM users \
             WHERE lower(email) = ?",
        )
        .bind(email.trim().to_lowercase())
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn get_user(&self, tenant: TenantId, user: UserId) -> StoreResult<Option<UserRecord>> {
        Ok(sqlx::query_as(
            "SELECT id, tenant_id, email, password_hash, created_at FROM users \
             WHERE tenant_id = ? AND id = ?",
        )
        .bind(tenant.to_string())
        .bind(user.to_string())
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn insert_refresh_token(&self, token: &RefreshTokenRecord) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        insert_refresh(&mut tx, token).await?;
        Ok(tx.commit().await?)
    }

    async fn find_refresh_token(
        &self,
        token_hash: &str,
    ) -> StoreResult<Option<RefreshTokenRecord>> {
        Ok(sqlx::query_as(
            "SELECT id, tenant_id, user_id, family_id, token_hash, expires_at, used_at, \
             revoked_at FROM refresh_tokens WHERE token_hash = ?",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?)
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
        .await?
        .rows_affected();
        if marked != 1 {
            tx.rollback().await?;
            return Ok(false);
        }
        insert_refresh(&mut tx, successor).await?;
        tx.commit().await?;
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
        .await?;
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
        .await?;
        let row = sqlx::query(
            "SELECT failures, last_failure_at FROM login_throttle WHERE email_hash = ?",
        )
        .bind(email_hash)
        .fetch_one(&mut *tx)
        .await?;
        let current = LoginThrottle {
            failures: row.try_get::<i64, _>("failures")?.max(0) as u32,
            last_failure_at: Some(parse_ts(row.try_get("last_failure_at")?)?),
        };
        settle_login_attempt(tx, decide(&current, at), async |tx, failures| {
            sqlx::query(
                "UPDATE login_throttle SET failures = ?, last_failure_at = ? WHERE email_hash = ?",
            )
            .bind(i64::from(failures))
            .bind(ts(at))
            .bind(email_hash)
            .execute(&mut *tx)
            .await?;
            Ok(())
        })
        .await
    }

    async fn clear_login_failures(&self, email_hash: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM login_throttle WHERE email_hash = ?")
            .bind(email_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
