//! Workspaces, users, sessions and sign-in throttling.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{Postgres, Row, Transaction};
use uuid::Uuid;

use super::{commit_after, PgQueryAs, PostgresStore};
use crate::domain::{TenantId, UserId};
use crate::store::accounts::settle_login_attempt;
use crate::store::{
    AccountStore, LoginPolicy, LoginThrottle, RefreshTokenRecord, StoreResult, TenantRecord,
    UserRecord,
};

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
    .await?;
    Ok(())
}

/// The tenant's own record (also read by the mirror feed).
pub(super) fn select_tenant(tenant: TenantId) -> PgQueryAs<'static, TenantRecord> {
    sqlx::query_as("SELECT id, name, created_at, time_zone FROM tenants WHERE id = $1").bind(tenant)
}

#[async_trait]
impl AccountStore for PostgresStore {
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
        .await?;
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
        .await?;
        Ok(tx.commit().await?)
    }

    async fn get_tenant(&self, tenant: TenantId) -> StoreResult<Option<TenantRecord>> {
        self.as_tenant(tenant, async |tx| {
            select_tenant(tenant).fetch_optional(tx).await
        })
        .await
    }

    async fn set_tenant_time_zone(&self, tenant: TenantId, time_zone: &str) -> StoreResult<()> {
        let statement = sqlx::query("UPDATE tenants SET time_zone = $2 WHERE id = $1")
            .bind(tenant)
            .bind(time_zone);
        self.execute_as(tenant, statement).await
    }

    async fn find_user_by_email(&self, email: &str) -> StoreResult<Option<UserRecord>> {
        let normalized = email.trim().to_lowercase();
        let statement = sqlx::query_as(
            "SELECT id, tenant_id, email, password_hash, created_at FROM users \
             WHERE lower(email) = $1",
        )
        .bind(&normalized);
        let tx = self.tx_with("app.login_email", &normalized).await?;
        commit_after(tx, async |tx| statement.fetch_optional(tx).await).await
    }

    async fn get_user(&self, tenant: TenantId, user: UserId) -> StoreResult<Option<UserRecord>> {
        let statement = sqlx::query_as(
            "SELECT id, tenant_id, email, password_hash, created_at FROM users \
             WHERE tenant_id = $1 AND id = $2",
        )
        .bind(tenant)
        .bind(user);
        self.as_tenant(tenant, async |tx| statement.fetch_optional(tx).await)
            .await
    }

    async fn insert_refresh_token(&self, token: &RefreshTokenRecord) -> StoreResult<()> {
        let mut tx = self.tenant_tx(token.tenant_id).await?;
        insert_refresh(&mut tx, token).await?;
        Ok(tx.commit().await?)
    }

    async fn find_refresh_token(
        &self,
        token_hash: &str,
    ) -> StoreResult<Option<RefreshTokenRecord>> {
        let statement = sqlx::query_as(
            "SELECT id, tenant_id, user_id, family_id, token_hash, expires_at, used_at, \
             revoked_at FROM refresh_tokens WHERE token_hash = $1",
        )
        .bind(token_hash);
        let tx = self.tx_with("app.refresh_token_hash", token_hash).await?;
        commit_after(tx, async |tx| statement.fetch_optional(tx).await).await
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
        let statement = sqlx::query(
            "UPDATE refresh_tokens SET revoked_at = now() WHERE tenant_id = $1 \
             AND family_id = $2 AND revoked_at IS NULL",
        )
        .bind(tenant)
        .bind(family);
        self.execute_as(tenant, statement).await
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
             VALUES ($1, 0, 'epoch') ON CONFLICT (scope, email_hash) DO NOTHING",
        )
        .bind(email_hash)
        .execute(&mut *tx)
        .await?;
        let row = sqlx::query(
            "SELECT failures, last_failure_at FROM login_throttle WHERE email_hash = $1 \
             FOR UPDATE",
        )
        .bind(email_hash)
        .fetch_one(&mut *tx)
        .await?;
        let current = LoginThrottle {
            failures: row.try_get::<i32, _>("failures")?.max(0) as u32,
            last_failure_at: Some(row.try_get("last_failure_at")?),
        };
        settle_login_attempt(tx, decide(&current, at), async |tx, failures| {
            sqlx::query(
                "UPDATE login_throttle SET failures = $2, last_failure_at = $3 \
                 WHERE email_hash = $1",
            )
            .bind(email_hash)
            .bind(failures as i32)
            .bind(at)
            .execute(&mut *tx)
            .await?;
            Ok(())
        })
        .await
    }

    async fn clear_login_failures(&self, email_hash: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM login_throttle WHERE email_hash = $1")
            .bind(email_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

impl PostgresStore {
    /// Which of these refresh-token families of the tenant the server has revoked (a mirror
    /// asks, to end here the sessions ended elsewhere).
    pub async fn revoked_families(
        &self,
        tenant: TenantId,
        families: &[Uuid],
    ) -> StoreResult<Vec<Uuid>> {
        self.as_tenant(tenant, async |tx| {
            sqlx::query_scalar(
                "SELECT DISTINCT family_id FROM refresh_tokens WHERE tenant_id = $1 \
                 AND family_id = ANY($2) AND revoked_at IS NOT NULL",
            )
            .bind(tenant)
            .bind(families)
            .fetch_all(&mut *tx)
            .await
        })
        .await
    }
}
