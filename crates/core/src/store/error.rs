//! How a store fails, and what the user hears of it.

use sqlx::postgres::PgDatabaseError;
use sqlx::sqlite::SqliteError;

use crate::domain::{META_ADS_EXISTS, SIGN_UP_REFUSED};
use crate::error::CoreError;

/// Named database rules whose violation the user should hear about in their own words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Constraint {
    /// `integrations_one_meta_ads_per_tenant`
    OneMetaAdsPerTenant,
    /// `integrations_pancake_shop_per_tenant`
    PancakeShopPerTenant,
    /// `users_email_unique`
    UserEmail,
    /// `tenant_keys` primary key: another process rotated at the same time.
    TenantKeyVersion,
    /// An offline edit's integration was deleted on the server meanwhile.
    DeletedOnServer,
    /// `spend_assignments_shares_add_up`: a campaign's store shares must be distinct stores
    /// whose shares add up to 100 %.
    SpendShares,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    #[error("constraint violated: {0:?}")]
    Conflict(Constraint),
    /// The row's version differs from the expected one (or the row is gone).
    #[error("the row changed since it was read")]
    Stale,
    #[error("database error: {0}")]
    Database(String),
    #[error("migration failed: {0}")]
    Migration(String),
    /// Shared mode with the server out of reach, for a write that cannot be queued.
    #[error("the shared database cannot be reached")]
    Offline,
}

pub type StoreResult<T> = Result<T, StoreError>;

/// One conversion for both dialects, so `?` maps a driver error. A database error is told apart
/// by its driver's type, and each dialect keeps its own rules (PostgreSQL names constraints,
/// SQLite names columns in its messages; their codes differ).
impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        match &err {
            sqlx::Error::Database(db) => {
                if db.try_downcast_ref::<PgDatabaseError>().is_some() {
                    super::postgres::database_error(db.as_ref())
                } else if db.try_downcast_ref::<SqliteError>().is_some() {
                    super::sqlite::database_error(db.as_ref())
                } else {
                    StoreError::Database(db.message().to_owned())
                }
            }
            // The connection is gone or garbled: the user should retry. SQLite raises `Protocol`
            // only for malformed SQL text (a nul byte, a parameter name it cannot read), which our
            // fixed statements never are.
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Protocol(_) => StoreError::Unavailable(err.to_string()),
            // `WorkerCrashed` comes from SQLite's connection thread only: an internal error there.
            _ => StoreError::Database(err.to_string()),
        }
    }
}

/// What the user hears of a store failure. Conflicts on the named rules keep the seed's
/// wording; anything unexpected is logged and reported generically.
impl From<StoreError> for CoreError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Unavailable(detail) => {
                tracing::warn!(%detail, "database unavailable");
                CoreError::DatabaseUnavailable
            }
            StoreError::Conflict(Constraint::OneMetaAdsPerTenant) => {
                CoreError::Conflict(META_ADS_EXISTS.into())
            }
            StoreError::Conflict(Constraint::PancakeShopPerTenant) => CoreError::Conflict(
                "This Pancake POS store is already connected. Each store can be connected once."
                    .into(),
            ),
            // Worded so it never confirms that the email has an account (see `Core::sign_up`).
            StoreError::Conflict(Constraint::UserEmail) => {
                CoreError::Validation(SIGN_UP_REFUSED.into())
            }
            StoreError::Conflict(Constraint::DeletedOnServer) => CoreError::Conflict(
                "This integration was deleted on the server, so your offline change has nothing \
                 to apply to. Keep the server's version to let it go."
                    .into(),
            ),
            StoreError::Conflict(Constraint::TenantKeyVersion) => CoreError::Conflict(
                "Another key rotation finished first; nothing was changed. Run it again if \
                 needed."
                    .into(),
            ),
            StoreError::Conflict(Constraint::SpendShares) => CoreError::Validation(
                "The shares of a campaign's stores must be whole hundredths of a percent, each \
                 store once, adding up to 100 %."
                    .into(),
            ),
            StoreError::Stale => CoreError::StaleEdit,
            StoreError::Offline => CoreError::offline("This"),
            other => CoreError::internal("store", &other),
        }
    }
}

/// Ends an edit made on a version read earlier: the row the write returned is committed; no row
/// means the row changed since it was read, and the transaction is rolled back
/// ([`StoreError::Stale`]).
pub(super) async fn commit_or_stale<DB: sqlx::Database, T>(
    tx: sqlx::Transaction<'static, DB>,
    row: Option<T>,
) -> StoreResult<T> {
    let Some(row) = row else {
        tx.rollback().await?;
        return Err(StoreError::Stale);
    };
    tx.commit().await?;
    Ok(row)
}

#[cfg(test)]
mod tests {
    use sqlx::sqlite::SqlitePoolOptions;

    use super::{Constraint, StoreError};

    /// Real SQLite errors, so the conversion is tried on the driver's own error type: a unique
    /// violation is recognised as SQLite's and read by SQLite's rules (the column in the
    /// message), not PostgreSQL's (the constraint name, which SQLite does not give).
    #[tokio::test]
    async fn sqlite_unique_violations_become_the_named_conflicts() {
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect("sqlite::memory:")
            .await
            .unwrap();
        sqlx::query(
            "CREATE TABLE integrations (tenant_id TEXT UNIQUE, external_id TEXT UNIQUE); \
             CREATE TABLE other (code TEXT UNIQUE)",
        )
        .execute(&pool)
        .await
        .unwrap();
        let insert_twice = |sql: &'static str| {
            let pool = pool.clone();
            async move {
                sqlx::query(sql).execute(&pool).await.unwrap();
                StoreError::from(sqlx::query(sql).execute(&pool).await.unwrap_err())
            }
        };

        let err = insert_twice("INSERT INTO integrations (tenant_id) VALUES ('t')").await;
        assert!(
            matches!(err, StoreError::Conflict(Constraint::OneMetaAdsPerTenant)),
            "{err:?}"
        );
        let err = insert_twice("INSERT INTO integrations (external_id) VALUES ('shop')").await;
        assert!(
            matches!(err, StoreError::Conflict(Constraint::PancakeShopPerTenant)),
            "{err:?}"
        );
        let err = insert_twice("INSERT INTO other (code) VALUES ('x')").await;
        assert!(
            matches!(&err, StoreError::Database(message) if message.contains("other.code")),
            "{err:?}"
        );
    }

    #[tokio::test]
    async fn a_closed_pool_reads_as_unavailable_and_a_missing_column_as_a_database_error() {
        let pool = SqlitePoolOptions::new()
            .connect("sqlite::memory:")
            .await
            .unwrap();
        let row = sqlx::query("SELECT 1 AS one")
            .fetch_one(&pool)
            .await
            .unwrap();
        let missing = sqlx::Row::try_get::<i64, _>(&row, "two").unwrap_err();
        assert!(matches!(StoreError::from(missing), StoreError::Database(_)));
        pool.close().await;
        let closed = sqlx::query("SELECT 1").execute(&pool).await.unwrap_err();
        assert!(
            matches!(StoreError::from(closed), StoreError::Unavailable(_)),
            "a closed pool is a retry, not an internal error"
        );
    }
}
