//! Workspaces (tenants), their users, sessions (refresh tokens) and sign-in throttling.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::decode::DbUuid;
use super::StoreResult;
use crate::domain::{TenantId, UserId};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TenantRecord {
    #[sqlx(try_from = "DbUuid")]
    pub id: TenantId,
    pub name: String,
    pub created_at: DateTime<Utc>,
    /// IANA name; the days of the workspace's reports.
    pub time_zone: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRecord {
    #[sqlx(try_from = "DbUuid")]
    pub id: UserId,
    #[sqlx(try_from = "DbUuid")]
    pub tenant_id: TenantId,
    pub email: String,
    pub password_hash: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RefreshTokenRecord {
    #[sqlx(try_from = "DbUuid")]
    pub id: uuid::Uuid,
    #[sqlx(try_from = "DbUuid")]
    pub tenant_id: TenantId,
    #[sqlx(try_from = "DbUuid")]
    pub user_id: UserId,
    /// All tokens descended from one sign-in; a reused token revokes the whole family.
    #[sqlx(try_from = "DbUuid")]
    pub family_id: uuid::Uuid,
    /// SHA-256 of the token; the token itself is never stored.
    pub token_hash: String,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// The sign-in throttling rule, stated once in the service: `Ok(failures to store)` or
/// `Err(seconds to wait)`.
pub type LoginPolicy = fn(&LoginThrottle, DateTime<Utc>) -> Result<u32, u64>;

#[derive(Debug, Clone, Default)]
pub struct LoginThrottle {
    pub failures: u32,
    pub last_failure_at: Option<DateTime<Utc>>,
}

#[async_trait]
pub trait AccountStore: Send + Sync {
    // Tenants and users.
    async fn create_tenant_with_owner(
        &self,
        tenant: &TenantRecord,
        owner: &UserRecord,
    ) -> StoreResult<()>;
    async fn get_tenant(&self, tenant: TenantId) -> StoreResult<Option<TenantRecord>>;
    async fn set_tenant_time_zone(&self, tenant: TenantId, time_zone: &str) -> StoreResult<()>;
    /// The one lookup that crosses tenants: signing in by email (case-insensitive).
    async fn find_user_by_email(&self, email: &str) -> StoreResult<Option<UserRecord>>;
    async fn get_user(&self, tenant: TenantId, user: UserId) -> StoreResult<Option<UserRecord>>;

    // Refresh tokens.
    async fn insert_refresh_token(&self, token: &RefreshTokenRecord) -> StoreResult<()>;
    /// Finds a token by its hash alone: the caller proves possession of the token.
    async fn find_refresh_token(&self, token_hash: &str)
        -> StoreResult<Option<RefreshTokenRecord>>;
    /// Marks the token used and stores its successor, atomically and only if it was still
    /// unused and unrevoked. Returns false if someone used it first (a reuse).
    async fn rotate_refresh_token(
        &self,
        used: &RefreshTokenRecord,
        successor: &RefreshTokenRecord,
    ) -> StoreResult<bool>;
    async fn revoke_refresh_family(&self, tenant: TenantId, family: uuid::Uuid) -> StoreResult<()>;

    // Sign-in throttling, keyed by a hash of the email (not tenant data).
    /// Counts a sign-in attempt as a failure before the password is checked, atomically with the
    /// decision whether it may happen at all: `decide` sees the current state (under a row lock
    /// or SQLite's write lock) and returns the failure count to store, or the seconds to wait.
    /// Concurrent attempts therefore cannot all slip through on the same old count.
    async fn reserve_login_attempt(
        &self,
        email_hash: &str,
        at: DateTime<Utc>,
        decide: LoginPolicy,
    ) -> StoreResult<Result<(), u64>>;
    /// A successful sign-in forgets the failures.
    async fn clear_login_failures(&self, email_hash: &str) -> StoreResult<()>;

    /// Called once a user has proven their password. Shared mode keeps that user (and their
    /// workspace) in the mirror so they can sign in offline; other stores have nothing to do.
    async fn remember_signed_in(&self, _user: &UserRecord) -> StoreResult<()> {
        Ok(())
    }
}

/// Ends a sign-in attempt reserved in `tx` (its throttle row written first, so concurrent
/// attempts queue): a failure the policy lets through is counted by `count` and committed; a
/// refusal rolls back and says how many seconds to wait.
pub(super) async fn settle_login_attempt<DB: sqlx::Database>(
    mut tx: sqlx::Transaction<'static, DB>,
    decision: Result<u32, u64>,
    count: impl AsyncFnOnce(&mut DB::Connection, u32) -> sqlx::Result<()>,
) -> StoreResult<Result<(), u64>> {
    match decision {
        Ok(failures) => {
            count(&mut tx, failures).await?;
            tx.commit().await?;
            Ok(Ok(()))
        }
        Err(wait) => {
            tx.rollback().await?;
            Ok(Err(wait))
        }
    }
}
