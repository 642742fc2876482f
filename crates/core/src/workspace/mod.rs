//! Shared mode's client side of the database boundary: the connection code an operator hands
//! out (`code`), trying it before it is kept (`join`), keeping it in the keychain (`stored`),
//! and how connections to the server are encrypted (`tls`).

pub mod code;
pub mod join;
pub mod stored;
pub mod tls;

pub use code::{normalize_ca_certificate, ConnectionCode, ServerAddress};
pub use stored::JoinedWorkspace;
pub use tls::{is_loopback, TlsMode};
