//! Shared mode's client side of the database boundary: the connection code an operator hands
//! out (`code`) and how connections to the server are encrypted (`tls`).

pub mod code;
pub mod tls;

pub use code::{normalize_ca_certificate, ConnectionCode, ServerAddress};
pub use tls::{is_loopback, TlsMode};
