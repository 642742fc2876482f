//! Integration Manager's core: everything with a rule in it, with no Tauri and no GTK.
//!
//! The desktop app (`src-tauri`) and the CLI (`crates/cli`) are thin adapters over [`Core`]: each
//! operation is declared once in [`service`] and takes a verified [`Session`].

pub mod analytics;
pub mod auth;
pub mod config;
pub mod crypto;
pub mod domain;
pub mod error;
pub mod gateway;
pub mod master_key;
pub mod mirror;
pub mod provider;
pub mod service;
pub mod store;
pub mod sync;

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
};
pub use service::{
    Account, AdAccountChoice, ConnectOutcome, ConnectionTestResult, Core, KeyRotation, ShopChoice,
    SignedIn,
};
pub use sync::{
    SyncClients, SyncOutcome, SyncProgress, SyncRun, SyncSchedule, SyncSettings, SyncTrigger,
};
