//! Alerts as stored: episodes of a rule holding for a subject (fired, cleared, dismissed), the
//! workspace's thresholds, and the few facts the rules read that the report's sums do not give
//! (a store's last order and its orders in a stretch of time, the Meta token's expiry). The
//! rules themselves are `crate::alerts`'; the service decides when to fire and clear.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::decode::DbUuid;
use super::StoreResult;
use crate::domain::{IntegrationId, TenantId};

/// One alert (an episode of one rule for one subject).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AlertRecord {
    #[sqlx(try_from = "DbUuid")]
    pub id: uuid::Uuid,
    #[sqlx(try_from = "DbUuid")]
    pub tenant_id: TenantId,
    /// `SPEND_SPIKE`, `ROAS_DROP`, `STORE_QUIET`, `SYNC_FAILING` or `TOKEN_EXPIRING`.
    pub rule: String,
    /// What the episode is about: a day, a store or integration id, or empty for the workspace.
    pub subject: String,
    #[sqlx(try_from = "DbOptionalUuid")]
    pub integration_id: Option<IntegrationId>,
    pub fired_at: DateTime<Utc>,
    pub cleared_at: Option<DateTime<Utc>>,
    pub dismissed_at: Option<DateTime<Utc>>,
    /// JSON: the numbers behind the alert and the report that shows them.
    pub details: String,
}

/// What Graph last said of a Meta token's expiry.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TokenExpiryRecord {
    #[sqlx(try_from = "DbUuid")]
    pub integration_id: IntegrationId,
    /// `None`: the token does not expire.
    pub expires_at: Option<DateTime<Utc>>,
    pub checked_at: DateTime<Utc>,
}

/// A nullable id column.
pub struct DbOptionalUuid(Option<uuid::Uuid>);

impl From<DbOptionalUuid> for Option<uuid::Uuid> {
    fn from(id: DbOptionalUuid) -> Self {
        id.0
    }
}

impl sqlx::Type<sqlx::Postgres> for DbOptionalUuid {
    fn type_info() -> sqlx::postgres::PgTypeInfo {
        <uuid::Uuid as sqlx::Type<sqlx::Postgres>>::type_info()
    }

    fn compatible(ty: &sqlx::postgres::PgTypeInfo) -> bool {
        <uuid::Uuid as sqlx::Type<sqlx::Postgres>>::compatible(ty)
    }
}

impl<'r> sqlx::Decode<'r, sqlx::Postgres> for DbOptionalUuid {
    fn decode(value: sqlx::postgres::PgValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
        Ok(Self(<Option<uuid::Uuid> as sqlx::Decode<
            sqlx::Postgres,
        >>::decode(value)?))
    }
}

impl sqlx::Type<sqlx::Sqlite> for DbOptionalUuid {
    fn type_info() -> sqlx::sqlite::SqliteTypeInfo {
        <&str as sqlx::Type<sqlx::Sqlite>>::type_info()
    }

    fn compatible(ty: &sqlx::sqlite::SqliteTypeInfo) -> bool {
        <&str as sqlx::Type<sqlx::Sqlite>>::compatible(ty)
    }
}

impl<'r> sqlx::Decode<'r, sqlx::Sqlite> for DbOptionalUuid {
    fn decode(value: sqlx::sqlite::SqliteValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
        let text = <Option<&str> as sqlx::Decode<sqlx::Sqlite>>::decode(value)?;
        Ok(Self(
            text.map(|text| {
                uuid::Uuid::parse_str(text).map_err(|_| format!("unexpected stored id {text:?}"))
            })
            .transpose()?,
        ))
    }
}

/// The columns an [`AlertRecord`] is read from, in both dialects.
pub(crate) const ALERT_COLUMNS: &str = "id, tenant_id, rule, subject, integration_id, fired_at, \
     cleared_at, dismissed_at, details";

/// What the alert rules ask of a store.
#[async_trait]
pub trait AlertStore: Send + Sync {
    /// The workspace's alerts, newest first: open ones and their history.
    async fn alerts(&self, tenant: TenantId, limit: i64) -> StoreResult<Vec<AlertRecord>>;
    /// The open episodes (not cleared), dismissed or not.
    async fn open_alerts(&self, tenant: TenantId) -> StoreResult<Vec<AlertRecord>>;
    /// Starts an episode unless one of the same rule and subject is open (then nothing is
    /// written). Returns whether this call started it.
    async fn fire_alert(&self, alert: &AlertRecord) -> StoreResult<bool>;
    /// Ends an open episode. Returns whether it was open.
    async fn clear_alert(
        &self,
        tenant: TenantId,
        id: uuid::Uuid,
        at: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Marks an alert dismissed (kept in the history). `None`: there is no such alert.
    async fn dismiss_alert(
        &self,
        tenant: TenantId,
        id: uuid::Uuid,
        at: DateTime<Utc>,
    ) -> StoreResult<Option<AlertRecord>>;
    /// The workspace's thresholds as stored (JSON), if it ever set any.
    async fn alert_settings(&self, tenant: TenantId) -> StoreResult<Option<String>>;
    async fn set_alert_settings(&self, tenant: TenantId, settings: &str) -> StoreResult<()>;

    /// When the store's newest order was created (any status: a canceled order still shows
    /// the till at work).
    async fn last_order_at(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
    ) -> StoreResult<Option<DateTime<Utc>>>;
    /// The store's orders created after `after` and up to `through` (any status).
    async fn orders_between(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        after: DateTime<Utc>,
        through: DateTime<Utc>,
    ) -> StoreResult<i64>;
    /// When each Meta integration's token expires, as last checked (`None`: never).
    async fn token_expiries(&self, tenant: TenantId) -> StoreResult<Vec<TokenExpiryRecord>>;
    /// Records what Graph said of the token's expiry at a sync.
    async fn record_token_expiry(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        expires_at: Option<DateTime<Utc>>,
        checked_at: DateTime<Utc>,
    ) -> StoreResult<()>;
}
