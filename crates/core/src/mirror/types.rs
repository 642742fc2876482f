//! What the UI and the CLI see of shared mode: whether the server is reachable, how old the
//! mirror is, and the edits made offline that wait for the server (or for the user to settle a
//! conflict).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::domain::Integration;

/// Where the data on screen comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[ts(export)]
pub enum LinkMode {
    /// The embedded SQLite database: no server, nothing to be offline from.
    Standalone,
    /// Shared mode, before the first answer from the server: the mirror is shown meanwhile.
    Connecting,
    /// Shared mode, the server answers: reads and writes go to PostgreSQL.
    Online,
    /// Shared mode, the server does not answer: reads come from the mirror, some edits are
    /// queued, the rest are refused until the server is back.
    Offline,
}

/// An edit made offline, as it will be applied on the server: only the fields it changes.
/// `description: null` clears the description; an absent field is left as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct OfflineChange {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub name: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::domain::present_or_null"
    )]
    #[ts(optional, type = "string | null")]
    pub description: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub enabled: Option<bool>,
}

impl OfflineChange {
    pub fn is_empty(&self) -> bool {
        self.name.is_none() && self.description.is_none() && self.enabled.is_none()
    }
}

/// An offline edit waiting in the outbox for the server.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct QueuedChange {
    /// Position in the outbox: changes are applied in this order.
    #[ts(type = "number")]
    pub seq: i64,
    pub integration_id: Uuid,
    /// The integration's name when the change was queued, for display.
    pub integration_name: String,
    pub change: OfflineChange,
    pub queued_at: DateTime<Utc>,
}

/// An offline edit that met a different change made on the server meanwhile. Both are kept
/// until the user picks one.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct ChangeConflict {
    #[ts(type = "number")]
    pub seq: i64,
    pub integration_id: Uuid,
    pub integration_name: String,
    /// What this user changed offline.
    pub mine: OfflineChange,
    /// The integration as it is on the server now; null if it was deleted there.
    pub server: Option<Integration>,
    pub queued_at: DateTime<Utc>,
}

/// The answer to "where is my data coming from?" (`connectivity_status`), polled by the UI
/// and printed by `integrations connectivity-status`.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct Connectivity {
    pub mode: LinkMode,
    /// When the mirror last caught up with the server; null if it never has.
    pub mirror_as_of: Option<DateTime<Utc>>,
    /// Changes whenever the data the UI shows may have changed (a pull brought rows, an edit was
    /// queued or applied, the mode changed): the UI reloads when it differs from the last one.
    #[ts(type = "number")]
    pub data_version: u64,
    pub pending: Vec<QueuedChange>,
    pub conflicts: Vec<ChangeConflict>,
}

/// How the user settles a conflict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[ts(export)]
pub enum ConflictChoice {
    /// Apply my offline change on top of the server's current version.
    Mine,
    /// Drop my offline change; the server's version stands.
    Server,
}
