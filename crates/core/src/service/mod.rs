//! The operations: each declared once here, called alike by the Tauri commands, the CLI and the
//! tests. Every integration operation takes a verified [`Session`](crate::auth::Session) and
//! uses only its tenant.
//!
//! One file per concern, each an `impl Core` block: `link` (shared mode's server), `auth`
//! (accounts and sessions), `keys` (data keys), `connect` (discovery, create flows, connection
//! tests), `integrations`, `sync` (the queue and the engine's runs), `report`, `alerts` and
//! `campaigns` (which store each campaign's spend belongs to). The service
//! uses everything below it (store, mirror, sync engine, analytics, providers) and nothing
//! above (`config` opens it).

mod alerts;
mod auth;
mod campaigns;
mod connect;
mod integrations;
mod keys;
mod link;
mod report;
mod server;
mod sync;
mod webhooks;

use std::sync::Arc;

pub use auth::{Account, SignedIn};
pub use connect::{AdAccountChoice, ConnectOutcome, ConnectionTestResult, ShopChoice};
pub use keys::KeyRotation;
pub use report::StoreDaySpend;
pub use server::{Readiness, ServerMetrics};
pub use webhooks::{PendingDelivery, RealtimeOrders, WebhookRejection, WebhookSetup};

use keys::Keys;

pub use crate::domain::META_ADS_EXISTS;

use crate::auth::{TokenConfig, TokenIssuer};
use crate::clock::{Clock, SystemClock};
use crate::crypto::{MasterKey, WorkspaceKey};
use crate::domain::TenantId;
use crate::mirror::SharedStore;
use crate::provider::ProviderGateway;
use crate::store::Store;
use crate::sync::{ProgressBoard, SyncSettings};

pub struct Core {
    store: Arc<dyn Store>,
    /// The same store as `store` in shared mode, for what only shared mode has (the link to
    /// the server, the mirror, the outbox).
    shared: Option<Arc<SharedStore>>,
    /// What data keys are opened with: the master key (standalone, and shared mode's server
    /// side) or a joined workspace's key.
    keys: Keys,
    tokens: TokenIssuer,
    providers: Arc<dyn ProviderGateway>,
    sync_settings: SyncSettings,
    /// Progress of the syncs this core runs, as events and as the latest state per integration.
    sync_progress: ProgressBoard,
    /// Wakes the in-app scheduler ("Sync now").
    sync_wake: tokio::sync::Notify,
    /// The time the sign-in throttle counts in.
    clock: Arc<dyn Clock>,
    /// Alerts as they fire (notifications, the tray's badge).
    alert_events: tokio::sync::broadcast::Sender<crate::alerts::FiredAlert>,
    /// "Slow down" answers the syncs of this process met, per provider (the server's metrics).
    throttles: server::ThrottleCounts,
}

impl Core {
    pub fn new(
        store: Arc<dyn Store>,
        master: MasterKey,
        token_config: TokenConfig,
        providers: Arc<dyn ProviderGateway>,
    ) -> Self {
        Self::with_keys(store, None, Keys::Master(master), token_config, providers)
    }

    /// Shared mode: PostgreSQL with the local mirror. Start [`SharedStore::run`] (the app) or
    /// call [`Self::check_link`] (a CLI command) so it finds the server.
    pub fn new_shared(
        shared: Arc<SharedStore>,
        master: MasterKey,
        token_config: TokenConfig,
        providers: Arc<dyn ProviderGateway>,
    ) -> Self {
        Self::with_shared(shared, Keys::Master(master), token_config, providers)
    }

    /// Shared mode as a workspace's client, joined with a connection code: the server sees to it
    /// that this core reaches its workspace's rows only, and its key opens that workspace's data
    /// keys only. It holds no master key.
    pub fn new_workspace(
        shared: Arc<SharedStore>,
        key: WorkspaceKey,
        workspace: TenantId,
        token_config: TokenConfig,
        providers: Arc<dyn ProviderGateway>,
    ) -> Self {
        Self::with_shared(
            shared,
            Keys::Workspace { key, workspace },
            token_config,
            providers,
        )
    }

    fn with_shared(
        shared: Arc<SharedStore>,
        keys: Keys,
        token_config: TokenConfig,
        providers: Arc<dyn ProviderGateway>,
    ) -> Self {
        Self::with_keys(shared.clone(), Some(shared), keys, token_config, providers)
    }

    fn with_keys(
        store: Arc<dyn Store>,
        shared: Option<Arc<SharedStore>>,
        keys: Keys,
        token_config: TokenConfig,
        providers: Arc<dyn ProviderGateway>,
    ) -> Self {
        Self {
            store,
            shared,
            keys,
            tokens: TokenIssuer::new(token_config),
            providers,
            sync_settings: SyncSettings::default(),
            sync_progress: ProgressBoard::default(),
            sync_wake: tokio::sync::Notify::new(),
            clock: Arc::new(SystemClock),
            alert_events: tokio::sync::broadcast::channel(64).0,
            throttles: server::ThrottleCounts::default(),
        }
    }

    /// The joined workspace, for a client of a shared server.
    pub fn joined_workspace(&self) -> Option<TenantId> {
        match &self.keys {
            Keys::Workspace { workspace, .. } => Some(*workspace),
            Keys::Master(_) => None,
        }
    }

    /// The sync engine's knobs (tests and the benchmark tighten them).
    pub fn with_sync_settings(mut self, settings: SyncSettings) -> Self {
        self.sync_settings = settings;
        self
    }

    pub fn set_sync_settings(&mut self, settings: SyncSettings) {
        self.sync_settings = settings;
    }

    /// Another clock for the sign-in throttle (tests move a [`crate::clock::ManualClock`]
    /// instead of waiting hours).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    pub fn set_clock(&mut self, clock: Arc<dyn Clock>) {
        self.clock = clock;
    }

    /// The shared-mode store, for the app to run its link in the background.
    pub fn shared_store(&self) -> Option<Arc<SharedStore>> {
        self.shared.clone()
    }

    pub fn store_kind(&self) -> &'static str {
        self.store.kind()
    }
}
