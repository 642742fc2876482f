//! What a client of the core keeps running between operations, written once for the desktop
//! app and the CLI: the signed-in session, refreshed before its access token runs out
//! ([`session`]), and the scheduler that syncs due integrations round after round
//! ([`scheduler`]). Built on [`Core`](crate::Core)'s operations only.

pub mod scheduler;
pub mod session;

pub use scheduler::{worker_name, Scheduler};
pub use session::{
    ends_session, is_fresh, renew, sign_in_first, Renewal, SessionKeeper, REFRESH_MARGIN,
};
