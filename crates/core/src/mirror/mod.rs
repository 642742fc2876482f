//! Shared mode: PostgreSQL is the source of truth and a local SQLite file mirrors the signed-in
//! tenant, so the app opens at once and keeps working when the server cannot be reached.
//!
//! [`SharedStore`] is the [`Store`](crate::store::Store) the core uses in shared mode. While the server answers, reads
//! and writes go to it (and each write is copied into the mirror). When it stops answering, reads
//! come from the mirror; the edits a user may make offline (name, description, on/off) go into a
//! persistent outbox and appear at once on top of the mirror; everything else is refused with
//! [`StoreError::Offline`]. [`SharedStore::tick`], run by [`SharedStore::run`] in the background
//! (or once per command by the CLI), notices the server coming and going, applies the outbox when
//! it returns (a change that meets another made meanwhile becomes a conflict for the user) and
//! pulls the tenant's changes by row version.
//!
//! Files: `link` (probing the server, the background loop), `pull` (server → mirror), `outbox`
//! (edits made offline and their conflicts), `alert_outbox` (alert dismissals and thresholds
//! set offline), `sessions` (sign-outs and refreshes made offline,
//! sessions ended on the server), `route` (which store call goes where). The mirror
//! builds on the store and knows nothing of the service.

mod alert_outbox;
mod link;
mod outbox;
mod pull;
mod route;
mod sessions;
mod types;

use std::sync::atomic::AtomicU64;
use std::sync::Mutex;

use tokio::sync::{watch, Notify, OnceCell};

pub use link::LinkSnapshot;
pub use types::{
    ChangeConflict, ConflictChoice, Connectivity, LinkMode, OfflineChange, QueuedChange,
};

use crate::domain::TenantId;
use crate::store::{PostgresStore, SqliteStore, StoreError, StoreResult};

pub struct SharedStore {
    server: PostgresStore,
    mirror: SqliteStore,
    /// Migrations run once, the first time the server answers.
    migrated: OnceCell<()>,
    state: watch::Sender<LinkSnapshot>,
    data_version: AtomicU64,
    /// The tenant whose rows are pulled: the one signed in last.
    followed: Mutex<Option<TenantId>>,
    /// Wakes the background loop early (a write just failed, a user asked to retry).
    wake: Notify,
    /// Queuing an edit and applying the outbox never interleave (in this process), so an edit
    /// cannot slip between a flush's read of the outbox and its end.
    outbox_lock: tokio::sync::Mutex<()>,
}

impl SharedStore {
    /// Opens the mirror (creating it if needed) and prepares, without contacting it, the server
    /// connection: the mirror is usable at once, whether the server answers or not.
    pub async fn open(
        server: sqlx::postgres::PgConnectOptions,
        mirror_path: &std::path::Path,
        server_fingerprint: &str,
    ) -> StoreResult<Self> {
        let server = PostgresStore::connect_lazy_with(server);
        // Private from its creation (SqliteStore::open): it holds the signed-in user's password
        // hash and refresh tokens.
        let mirror = SqliteStore::open(mirror_path).await?;
        if mirror.bind_mirror(server_fingerprint).await? {
            tracing::warn!("the mirror held another server's data; it was emptied");
        }
        let (state, _) = watch::channel(LinkSnapshot {
            mode: LinkMode::Connecting,
            data_version: 0,
        });
        Ok(Self {
            server,
            mirror,
            migrated: OnceCell::new(),
            state,
            data_version: AtomicU64::new(0),
            followed: Mutex::new(None),
            wake: Notify::new(),
            outbox_lock: tokio::sync::Mutex::new(()),
        })
    }

    pub fn mirror(&self) -> &SqliteStore {
        &self.mirror
    }

    pub fn server(&self) -> &PostgresStore {
        &self.server
    }

    /// Removes an entry the server has taken from one of the mirror's outboxes
    /// (`session_outbox`, `alert_outbox`).
    async fn drop_outbox_entry(&self, outbox: &'static str, seq: i64) -> StoreResult<()> {
        sqlx::query(&format!("DELETE FROM {outbox} WHERE seq = ?"))
            .bind(seq)
            .execute(self.mirror.pool())
            .await
            .map_err(|err| StoreError::Database(format!("{}: {err}", outbox.replace('_', " "))))?;
        Ok(())
    }
}
