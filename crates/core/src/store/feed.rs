//! What travels between the shared server and the mirror on this computer: the pull (server →
//! mirror, by row version) and the outbox (edits made offline, mirror → server). PostgreSQL
//! answers the pull (`postgres/feed.rs`); SQLite applies it and keeps the outbox
//! (`sqlite/feed.rs`, `sqlite/outbox.rs`).

use chrono::{DateTime, Utc};

use super::decode::DbUuid;
use super::{
    AlertRecord, IntegrationRecord, SpendAssignmentRecord, SyncRunRecord, TenantKeyRecord,
    TenantRecord,
};
use crate::domain::{IntegrationId, TenantId};

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
    /// Which store each campaign's spend belongs to (never deleted: cleared instead).
    pub spend_assignments: Vec<SpendAssignmentRecord>,
    /// The workspace's alerts (fired, cleared or dismissed since) with their row versions, so
    /// the list and its history read the same offline (never deleted).
    pub alerts: Vec<(AlertRecord, i64)>,
    /// The workspace's alert thresholds (JSON) with their row version, if it ever set them.
    pub alert_settings: Option<(String, i64)>,
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
/// row version; deleted only with their integration, which the mirror's cascade follows, but
/// for stock lines, which go with their variation's rewrite: see `put_mirrored_synced_row`).
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
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutboxEntry {
    pub seq: i64,
    #[sqlx(try_from = "DbUuid")]
    pub tenant_id: TenantId,
    #[sqlx(try_from = "DbUuid")]
    pub integration_id: IntegrationId,
    pub integration_name: String,
    pub change: String,
    pub base_version: i64,
    pub conflict: bool,
    pub queued_at: DateTime<Utc>,
}
