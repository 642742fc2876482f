//! How a store fails, and what the user hears of it.

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
    map_err: fn(sqlx::Error) -> StoreError,
) -> StoreResult<T> {
    let Some(row) = row else {
        tx.rollback().await.map_err(map_err)?;
        return Err(StoreError::Stale);
    };
    tx.commit().await.map_err(map_err)?;
    Ok(row)
}
