//! Provider clients for Integration Manager: Pancake POS (shops, orders, catalogue, stock) and
//! the Meta Marketing API (ad accounts, daily insights).
//!
//! Both clients take their credential per call as a [`secrecy::SecretString`] and never let it
//! reach an error, a log line or a logged URL; both retry 429, 5xx and network failures with
//! bounded exponential backoff (full jitter) and honour the server's requested waits (the one
//! non-idempotent call, Meta's async report POST, is resent only when the connection could not
//! be opened); both map
//! every failure to one [`ProviderError`] with a stable code and a message a shop owner can act
//! on. No body is read past a cap per kind of endpoint ([`BodyLimits`]), so a huge or endless
//! answer is an error, not an out-of-memory. Base URLs are configurable so tests run against
//! `integrations-fake-servers`.

pub mod error;
pub mod http;
pub mod meta;
pub mod pancake;
pub mod redact;
mod values;

pub use error::{Provider, ProviderError, ProviderResult};
pub use http::{BodyKind, BodyLimits, HttpSettings, RecordingSleeper, Sleeper, TokioSleeper};
pub use meta::{
    account_status_name, normalize_ad_account_id, AdAccount, AdInsightRow, AdSlice, InsightsFlow,
    InsightsQuery, MetaClient, ReportPolling, Usage, META_DEFAULT_BASE_URL, META_DEFAULT_VERSION,
};
pub use pancake::{
    InventoryMovement, OrderTimeField, OrdersQuery, Page, PancakeClient, PancakeOrder,
    PancakeOrderItem, PancakeShop, PancakeVariation, PancakeWarehouse, PancakeWebhook,
    VariationStock, PANCAKE_DEFAULT_BASE_URL,
};
pub use values::{currency_exponent, decimal_to_minor_units, parse_pancake_timestamp};
