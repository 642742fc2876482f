//! Integration Manager's core: everything with a rule in it, with no Tauri and no GTK.
//!
//! The desktop app (`src-tauri`) and the CLI (`crates/cli`) are thin adapters over [`Core`]: each
//! operation is declared once in [`service`] and takes a verified [`Session`].
//!
//! The modules depend on each other one way, each only on those before it (checked by
//! `tests/module_layers.rs`):
//!
//! 1. [`error`], then [`domain`]: the error type and the integration model with its rules;
//!    [`private_fs`]: files and directories private from their creation; [`clock`]: the time
//!    the rules that count it read.
//! 2. [`crypto`], [`auth`], [`master_key`], [`provider`] and [`gateway`]: sealing, tokens, the
//!    master key's home, the provider seam and its HTTP implementation; [`webhook`]: Pancake's
//!    webhook deliveries read (pure).
//! 3. [`store`]: persistence, a trait per concern, PostgreSQL and SQLite.
//! 4. [`mirror`]: shared mode's store, the server with a local copy and an outbox.
//! 5. [`sync`] (the engine) and [`analytics`] (the report, pure): built on the store's traits;
//!    then [`alerts`] (the rules, pure), which speaks of the report's figures.
//! 6. [`service`]: [`Core`], the operations.
//! 7. [`runtime`]: what a client keeps running over the operations (the session it refreshes,
//!    the sync scheduler), the same for the app and the CLI.
//! 8. [`config`]: the environment and the data directory, opening a [`Core`].

pub mod admin;
pub mod alerts;
pub mod analytics;
pub mod auth;
pub mod clock;
pub mod config;
pub mod crypto;
pub mod domain;
pub mod error;
pub mod gateway;
pub mod master_key;
pub mod mirror;
pub mod private_fs;
pub mod provider;
pub mod runtime;
pub mod service;
pub mod store;
pub mod sync;
pub mod webhook;
pub mod workspace;

pub use auth::{Session, TokenPair};
pub use config::{CoreConfig, DatabaseTarget};
pub use domain::{
    Credentials, Integration, IntegrationConfig, IntegrationId, IntegrationPatch,
    IntegrationStatus, IntegrationUpdate, NewIntegration, Provider,
};
pub use error::{CoreError, CoreResult, ErrorCode, ErrorPayload};
pub use gateway::gateway_from_env;
pub use mirror::{
    ChangeConflict, ConflictChoice, Connectivity, LinkMode, OfflineChange, QueuedChange,
    SharedStore,
};
pub use provider::{
    ConnectionCheck, DiscoveredAdAccount, DiscoveredShop, ProviderFailure, ProviderGateway,
    SyncClients,
};
pub use service::{
    Account, AdAccountChoice, ConnectOutcome, ConnectionTestResult, Core, KeyRotation, Readiness,
    RealtimeOrders, ServerMetrics, ShopChoice, SignedIn, WebhookRejection, WebhookSetup,
};
pub use sync::{SyncOutcome, SyncProgress, SyncRun, SyncSchedule, SyncSettings, SyncTrigger};
