//! Webhook endpoints and their delivery log, as stored. Shared mode's server only (the table
//! lives in PostgreSQL): a webhook needs an address Pancake can reach, which a desktop has not.
//! Implemented in `postgres/webhooks.rs`.

use chrono::{DateTime, Utc};

use super::decode::DbUuid;
use crate::domain::{IntegrationId, TenantId};

/// An integration's endpoint as its workspace sees it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WebhookEndpointRecord {
    #[sqlx(try_from = "DbUuid")]
    pub tenant_id: TenantId,
    #[sqlx(try_from = "DbUuid")]
    pub integration_id: IntegrationId,
    /// The secret, sealed with the workspace's data key.
    pub secret_sealed: String,
    pub registered_url: Option<String>,
    pub registered_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// What the server needs to take a delivery for an integration, found by its id alone.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WebhookTarget {
    #[sqlx(try_from = "DbUuid")]
    pub tenant_id: TenantId,
    #[sqlx(try_from = "DbUuid")]
    pub integration_id: IntegrationId,
    /// SHA-256 (hex) of the secret.
    pub secret_hash: String,
    /// The integration's shop id (its `external_id`).
    pub external_id: String,
}

/// One logged delivery, as the integration's delivery log shows it: no header, no body.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct DeliveryRecord {
    #[sqlx(try_from = "DbUuid")]
    pub integration_id: IntegrationId,
    pub received_at: DateTime<Utc>,
    /// `order`, `stock`, `customer`, `product`, `auto_call` or `unknown`.
    pub kind: String,
    /// `stored`, `unchanged`, `ignored` (taken) or why it was refused (`unauthorized`, …).
    pub outcome: String,
    pub size_bytes: i32,
    /// The order, variation, customer or product id it was about.
    pub reference: Option<String>,
}
