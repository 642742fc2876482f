//! The persistence boundary: one trait, two implementations (PostgreSQL for shared mode, SQLite
//! for standalone mode and later the offline mirror), one behavioural test suite for both.
//!
//! Every tenant-scoped method takes the tenant from the caller's verified session (the service
//! passes `session.tenant_id()`); the PostgreSQL implementation additionally sets it per
//! transaction for row-level security, so a forgotten `WHERE tenant_id` cannot leak rows.
//! Records here hold ciphertext only; the service seals and opens.

mod postgres;
mod sqlite;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

use crate::analytics::{AdRecord, AggregateKey, InsightAggregate, OrderAggregate, OrderFilter};
use crate::domain::{
    IntegrationId, IntegrationStatus, Provider, TenantId, UserId, META_ADS_EXISTS,
};
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
            StoreError::Conflict(Constraint::UserEmail) => CoreError::Conflict(
                "An account with this email already exists. Sign in instead.".into(),
            ),
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
            StoreError::Stale => CoreError::StaleEdit,
            StoreError::Offline => CoreError::offline("This"),
            other => CoreError::internal("store", &other),
        }
    }
}

#[derive(Debug, Clone)]
pub struct TenantRecord {
    pub id: TenantId,
    pub name: String,
    pub created_at: DateTime<Utc>,
    /// IANA name; the days of the workspace's reports.
    pub time_zone: String,
}

#[derive(Debug, Clone)]
pub struct UserRecord {
    pub id: UserId,
    pub tenant_id: TenantId,
    pub email: String,
    pub password_hash: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct RefreshTokenRecord {
    pub id: uuid::Uuid,
    pub tenant_id: TenantId,
    pub user_id: UserId,
    /// All tokens descended from one sign-in; a reused token revokes the whole family.
    pub family_id: uuid::Uuid,
    /// SHA-256 of the token; the token itself is never stored.
    pub token_hash: String,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone)]
pub struct TenantKeyRecord {
    pub version: u32,
    pub wrapped_key: String,
}

/// The sign-in throttling rule, stated once in the service: `Ok(failures to store)` or
/// `Err(seconds to wait)`.
pub type LoginPolicy = fn(&LoginThrottle, DateTime<Utc>) -> Result<u32, u64>;

#[derive(Debug, Clone, Default)]
pub struct LoginThrottle {
    pub failures: u32,
    pub last_failure_at: Option<DateTime<Utc>>,
}

/// An integration row as stored: ciphertext, never plaintext credentials.
#[derive(Debug, Clone)]
pub struct IntegrationRecord {
    pub id: IntegrationId,
    pub tenant_id: TenantId,
    pub name: String,
    pub provider: Provider,
    pub description: Option<String>,
    pub credentials: String,
    pub credentials_hint: String,
    /// JSON of [`crate::domain::IntegrationConfig`].
    pub config: String,
    /// The shop id or ad account id: what the uniqueness rules are about.
    pub external_id: String,
    pub status: IntegrationStatus,
    pub enabled: bool,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub last_sync_at: Option<DateTime<Utc>>,
    pub version: i64,
}

/// A credential re-sealed under a new key, applied only if the row still holds `old`.
#[derive(Debug, Clone)]
pub struct Reencryption {
    pub integration_id: IntegrationId,
    pub old: String,
    pub new: String,
}

/// Where a mirror's last pull stopped: the highest row version it saw and the snapshot xmin of
/// that pull (rows written by transactions still running then are read again next time).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PullCursor {
    pub last_version: i64,
    pub horizon: i64,
}

/// What changed for one tenant on the server since a [`PullCursor`].
#[derive(Debug, Clone, Default)]
pub struct Changes {
    pub tenant: Option<TenantRecord>,
    pub keys: Vec<TenantKeyRecord>,
    pub integrations: Vec<IntegrationRecord>,
    pub deleted_integrations: Vec<IntegrationId>,
    /// Sync history, so it can be reviewed offline.
    pub sync_runs: Vec<SyncRunRecord>,
    pub deleted_sync_runs: Vec<uuid::Uuid>,
    /// Synced rows (orders, variations, stock, ads, insights) as JSON objects of their columns,
    /// per table; see [`MIRRORED_SYNC_TABLES`].
    pub synced: Vec<(&'static str, serde_json::Value)>,
    pub cursor: PullCursor,
}

/// How a mirrored column travels: the server formats it so that the SQLite mirror stores it
/// exactly as the embedded database would.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    Uuid,
    Int,
    Text,
    Bool,
    /// timestamptz → RFC 3339 UTC with microseconds and `Z`.
    Timestamp,
    /// date → `YYYY-MM-DD`.
    Date,
    Json,
}

/// The synced tables the mirror pulls, with their columns (all tenant-scoped, all carrying a
/// row version; deleted only with their integration, which the mirror's cascade follows).
pub const MIRRORED_SYNC_TABLES: &[(&str, &[(&str, ColumnKind)])] = {
    use ColumnKind::*;
    &[
        (
            "pancake_orders",
            &[
                ("tenant_id", Uuid),
                ("integration_id", Uuid),
                ("shop_id", Int),
                ("order_id", Int),
                ("status", Int),
                ("inserted_at", Timestamp),
                ("updated_at", Timestamp),
                ("total_price", Int),
                ("total_discount", Int),
                ("shipping_fee", Int),
                ("cod", Int),
                ("currency", Text),
                ("ad_id", Text),
                ("page_id", Text),
                ("utm_source", Text),
                ("utm_campaign", Text),
                ("received_at_shop", Bool),
                ("items", Json),
                ("row_version", Int),
            ],
        ),
        (
            "pancake_variations",
            &[
                ("tenant_id", Uuid),
                ("integration_id", Uuid),
                ("shop_id", Int),
                ("variation_id", Text),
                ("product_id", Text),
                ("product_name", Text),
                ("sku", Text),
                ("retail_price", Int),
                ("remain_quantity", Int),
                ("is_hidden", Bool),
                ("updated_at", Timestamp),
                ("row_version", Int),
            ],
        ),
        (
            "pancake_stock",
            &[
                ("tenant_id", Uuid),
                ("integration_id", Uuid),
                ("shop_id", Int),
                ("variation_id", Text),
                ("warehouse_id", Text),
                ("remain_quantity", Int),
                ("row_version", Int),
            ],
        ),
        (
            "meta_ads",
            &[
                ("tenant_id", Uuid),
                ("integration_id", Uuid),
                ("ad_id", Text),
                ("ad_name", Text),
                ("adset_id", Text),
                ("adset_name", Text),
                ("campaign_id", Text),
                ("campaign_name", Text),
                ("row_version", Int),
            ],
        ),
        (
            "meta_ad_insights",
            &[
                ("tenant_id", Uuid),
                ("integration_id", Uuid),
                ("ad_id", Text),
                ("day", Date),
                ("currency", Text),
                ("spend_minor", Int),
                ("impressions", Int),
                ("clicks", Int),
                ("reach", Int),
                ("purchases", Int),
                ("purchase_value_minor", Int),
                ("row_version", Int),
            ],
        ),
    ]
};

/// An offline edit in the mirror's outbox. `change` is the JSON of
/// [`crate::mirror::OfflineChange`].
#[derive(Debug, Clone)]
pub struct OutboxEntry {
    pub seq: i64,
    pub tenant_id: TenantId,
    pub integration_id: IntegrationId,
    pub integration_name: String,
    pub change: String,
    pub base_version: i64,
    pub conflict: bool,
    pub queued_at: DateTime<Utc>,
}

/// A job claimed by a worker: this integration is its to sync until `lease_until`.
#[derive(Debug, Clone)]
pub struct ClaimedJob {
    pub tenant_id: TenantId,
    pub integration_id: IntegrationId,
    pub interval_minutes: i32,
    /// Asked for with "Sync now" (rather than due by schedule).
    pub requested: bool,
    /// A run of an earlier claim that ended without releasing (its worker died).
    pub abandoned_run: Option<uuid::Uuid>,
    /// When it was claimed: a "Sync now" asked after this survives the release.
    pub claimed_at: DateTime<Utc>,
}

/// Which jobs a worker may claim.
#[derive(Debug, Clone, Copy, Default)]
pub struct ClaimScope {
    /// Only this tenant's (the desktop app syncs its signed-in workspace).
    pub tenant: Option<TenantId>,
    /// Only this integration, due or not (`integrations sync ID`, "Sync now").
    pub integration: Option<IntegrationId>,
}

/// An integration's place in the queue, for display.
#[derive(Debug, Clone)]
pub struct JobInfo {
    pub interval_minutes: i32,
    pub next_run_at: DateTime<Utc>,
    pub requested_at: Option<DateTime<Utc>>,
    pub claimed_by: Option<String>,
    pub lease_until: Option<DateTime<Utc>>,
}

/// One sync run as stored.
#[derive(Debug, Clone)]
pub struct SyncRunRecord {
    pub id: uuid::Uuid,
    pub tenant_id: TenantId,
    pub integration_id: IntegrationId,
    /// `SCHEDULE` or `MANUAL`.
    pub trigger: String,
    /// `RUNNING`, `SUCCEEDED`, `FAILED` or `INTERRUPTED`.
    pub outcome: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// Records written per stream.
    pub counts: std::collections::BTreeMap<String, i64>,
    pub error: Option<String>,
    pub error_code: Option<String>,
    pub worker: String,
}

/// Rows fetched from a provider, written together with the stream's checkpoint.
#[derive(Debug, Clone, Copy)]
pub enum SyncBatch<'a> {
    Orders {
        shop_id: i64,
        orders: &'a [integrations_providers::PancakeOrder],
    },
    Variations {
        shop_id: i64,
        variations: &'a [integrations_providers::PancakeVariation],
    },
    Insights {
        currency: &'a str,
        rows: &'a [integrations_providers::AdInsightRow],
    },
}

impl SyncBatch<'_> {
    pub fn len(&self) -> usize {
        match self {
            Self::Orders { orders, .. } => orders.len(),
            Self::Variations { variations, .. } => variations.len(),
            Self::Insights { rows, .. } => rows.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The sync engine's persistence: the job queue, run history, checkpoints and synced rows.
#[async_trait]
pub trait SyncStore: Send + Sync {
    /// Claims one job in scope that is due (or requested, or the one named) and not leased,
    /// skipping jobs another worker holds: PostgreSQL `FOR UPDATE SKIP LOCKED`, SQLite's write
    /// lock. Jobs exist only for enabled integrations.
    async fn claim_job(
        &self,
        worker: &str,
        scope: ClaimScope,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> StoreResult<Option<ClaimedJob>>;
    /// Keeps the lease while the run goes on; false if the job was lost (disabled meanwhile).
    async fn extend_lease(
        &self,
        job: &ClaimedJob,
        worker: &str,
        run: uuid::Uuid,
        until: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Ends the claim and schedules the next run.
    async fn release_job(
        &self,
        job: &ClaimedJob,
        worker: &str,
        next_run_at: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// "Sync now": false if the integration has no job (it is not enabled).
    async fn request_sync(&self, tenant: TenantId, integration: IntegrationId)
        -> StoreResult<bool>;
    async fn set_sync_interval(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        minutes: i32,
    ) -> StoreResult<bool>;
    async fn job_info(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
    ) -> StoreResult<Option<JobInfo>>;

    async fn insert_run(&self, run: &SyncRunRecord) -> StoreResult<()>;
    /// Writes the outcome, end, counts and error of a run.
    async fn update_run(&self, run: &SyncRunRecord) -> StoreResult<()>;
    /// Marks a run that lost its worker as INTERRUPTED (if it still says RUNNING).
    async fn interrupt_run(&self, tenant: TenantId, run: uuid::Uuid) -> StoreResult<()>;
    /// Newest first.
    async fn runs(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        limit: i64,
    ) -> StoreResult<Vec<SyncRunRecord>>;

    async fn cursor(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        stream: &str,
    ) -> StoreResult<Option<String>>;
    /// Upserts the rows on their natural keys and, in the same transaction, moves the stream's
    /// checkpoint (`Some((stream, cursor_json))`). Returns the rows written.
    async fn write_batch(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        batch: SyncBatch<'_>,
        checkpoint: Option<(&str, &str)>,
    ) -> StoreResult<usize>;
    /// Rows of a synced table for one integration (`pancake_orders`, …), for status and tests.
    async fn synced_count(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        table: SyncedTable,
    ) -> StoreResult<i64>;
}

/// The sums the analytics report is built from (see [`crate::analytics`] for the rules).
#[async_trait]
pub trait ReportStore: Send + Sync {
    /// Counted orders created within the plan's days, summed by local day or by ad id.
    async fn report_orders(
        &self,
        tenant: TenantId,
        filter: &OrderFilter,
        key: AggregateKey,
    ) -> StoreResult<Vec<OrderAggregate>>;
    /// Daily insights of the days `from..=to`, summed by day or by ad id.
    async fn report_insights(
        &self,
        tenant: TenantId,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
        key: AggregateKey,
    ) -> StoreResult<Vec<InsightAggregate>>;
    /// Every synced Meta ad with its campaign.
    async fn report_ads(&self, tenant: TenantId) -> StoreResult<Vec<AdRecord>>;
}

/// An order's lines as stored (`items`): the same JSON from both stores and the benchmark.
pub fn order_items_json(order: &integrations_providers::PancakeOrder) -> String {
    serde_json::Value::Array(
        order
            .items
            .iter()
            .map(|item| {
                serde_json::json!({
                    "variationId": item.variation_id,
                    "productId": item.product_id,
                    "name": item.name,
                    "sku": item.sku,
                    "quantity": item.quantity,
                    "price": item.price,
                    "bonus": item.is_bonus_product,
                })
            })
            .collect(),
    )
    .to_string()
}

/// The synced tables, named so no caller builds SQL from a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncedTable {
    PancakeOrders,
    PancakeVariations,
    PancakeStock,
    MetaAds,
    MetaAdInsights,
}

impl SyncedTable {
    pub fn name(self) -> &'static str {
        match self {
            Self::PancakeOrders => "pancake_orders",
            Self::PancakeVariations => "pancake_variations",
            Self::PancakeStock => "pancake_stock",
            Self::MetaAds => "meta_ads",
            Self::MetaAdInsights => "meta_ad_insights",
        }
    }
}

#[async_trait]
pub trait Store: SyncStore + ReportStore + Send + Sync {
    /// Which backend, for messages and `status`.
    fn kind(&self) -> &'static str;

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

    // Tenant data keys.
    async fn tenant_keys(&self, tenant: TenantId) -> StoreResult<Vec<TenantKeyRecord>>;
    async fn insert_tenant_key(&self, tenant: TenantId, key: &TenantKeyRecord) -> StoreResult<()>;
    /// Key rotation in one transaction: the new key and every re-sealed credential, or nothing.
    async fn rotate_tenant_key(
        &self,
        tenant: TenantId,
        key: &TenantKeyRecord,
        reencryptions: &[Reencryption],
    ) -> StoreResult<()>;

    // Integrations.
    async fn list_integrations(&self, tenant: TenantId) -> StoreResult<Vec<IntegrationRecord>>;
    async fn get_integration(
        &self,
        tenant: TenantId,
        id: IntegrationId,
    ) -> StoreResult<Option<IntegrationRecord>>;
    async fn insert_integration(
        &self,
        record: &IntegrationRecord,
    ) -> StoreResult<IntegrationRecord>;
    /// Writes every mutable field of `record` if the stored version is still `expected_version`.
    async fn update_integration(
        &self,
        record: &IntegrationRecord,
        expected_version: i64,
    ) -> StoreResult<IntegrationRecord>;
    /// Returns whether a row was deleted.
    async fn delete_integration(&self, tenant: TenantId, id: IntegrationId) -> StoreResult<bool>;

    /// Called once a user has proven their password. Shared mode keeps that user (and their
    /// workspace) in the mirror so they can sign in offline; other stores have nothing to do.
    async fn remember_signed_in(&self, _user: &UserRecord) -> StoreResult<()> {
        Ok(())
    }
}
