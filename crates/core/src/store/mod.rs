//! The persistence boundary: a trait per concern, two implementations (PostgreSQL for shared
//! mode, SQLite for standalone mode and the offline mirror), one behavioural test suite for both.
//!
//! The concerns, each a trait with its records in a file of its own: [`AccountStore`]
//! (workspaces, users, sessions, sign-in throttling), [`KeyStore`] (wrapped data keys),
//! [`IntegrationStore`], [`JobStore`] (the sync queue), [`SyncStore`] (runs, checkpoints, synced
//! rows), [`ReportStore`] (the report's sums, sales rules and the split of spend among stores),
//! [`AlertStore`] (alerts, their thresholds and the facts their rules read),
//! [`AssignmentStore`] (which store each campaign's spend belongs to) and the mirror feed ([`Changes`],
//! the outbox). [`Store`] is their union, what the service holds; `prelude` brings them all into
//! scope. Each dialect implements one concern per file under the same names:
//! `postgres/<concern>.rs` and `sqlite/<concern>.rs`.
//!
//! Every tenant-scoped method takes the tenant from the caller's verified session (the service
//! passes `session.tenant_id()`); the PostgreSQL implementation additionally sets it per
//! transaction for row-level security, so a forgotten `WHERE tenant_id` cannot leak rows.
//! Records here hold ciphertext only; the service seals and opens.
//!
//! Dependencies: the store knows `domain` and `error`, nothing above them.

mod accounts;
mod alerts;
mod assignments;
mod days;
mod decode;
mod error;
mod feed;
mod integrations;
mod jobs;
mod keys;
mod postgres;
mod report;
mod sqlite;
mod sync;
pub mod webhooks;

pub use accounts::{
    AccountStore, LoginPolicy, LoginThrottle, RefreshTokenRecord, TenantRecord, UserRecord,
};
pub use alerts::{AlertRecord, AlertStore, TokenExpiryRecord};
pub use assignments::{AdStoreSales, AssignmentStore, SpendAssignmentRecord};
pub use days::{DayPlan, DaySpan, SpanDay};
use error::commit_or_stale;
pub use error::{Constraint, StoreError, StoreResult};
pub use feed::{Changes, ColumnKind, OutboxEntry, PullCursor, MIRRORED_SYNC_TABLES};
pub use integrations::{IntegrationRecord, IntegrationStore, SyncOutcome};
pub use jobs::{ClaimScope, ClaimedJob, JobInfo, JobStore};
pub use keys::{KeyStore, Reencryption, TenantKeyRecord};
pub use postgres::{
    DeliveryLog, DeliveryTx, DeliveryWrite, LagRow, PostgresStore, SyncRunTotals,
    REFUSALS_LOGGED_PER_HOUR,
};
pub use report::{
    counted_status_sql, shares_json, split_insights_sql, AdRecord, AggregateKey, Dialect,
    InsightAggregate, OrderAggregate, OrderFilter, OwnedInsightAggregate, ReportStore, SpendShare,
    COUNTED_STATUSES, NO_STORE_OWNER, REVENUE_SQL, UNASSIGNED_OWNER, WHOLE_SHARE,
};
/// The SQLite write path's plain inserts and their binds: the bench's ceiling writes rows the
/// same way, without the conflict clauses.
#[doc(hidden)]
pub use sqlite::rows as sqlite_rows;
pub use sqlite::SqliteStore;
pub use sync::{order_items_json, SyncBatch, SyncRunRecord, SyncStore, SyncedTable};

/// Every store trait, for callers that use several: `use integrations_core::store::prelude::*`.
pub mod prelude {
    pub use super::{
        AccountStore, AlertStore, AssignmentStore, IntegrationStore, JobStore, KeyStore,
        ReportStore, Store, SyncStore,
    };
}

/// A whole store: what the service holds.
pub trait Store:
    AccountStore
    + KeyStore
    + IntegrationStore
    + JobStore
    + SyncStore
    + ReportStore
    + AlertStore
    + AssignmentStore
    + Send
    + Sync
{
    /// Which backend, for messages and `status`.
    fn kind(&self) -> &'static str;
}
