//! One function per subcommand, grouped by concern. Each takes the [`Ctx`], asks the core, and
//! prints the answer through [`Output`]; a failure is returned for `main` to report.

pub mod account;
pub mod admin;
pub mod alerts;
pub mod campaigns;
pub mod integrations;
pub mod report;
pub mod status;
pub mod sync;

use integrations_core::{Core, CoreConfig, CoreResult, Session};

use crate::print::Output;
use crate::session;

/// What every subcommand works with: the opened core, its configuration and how to print.
pub struct Ctx {
    pub core: Core,
    pub config: CoreConfig,
    pub out: Output,
}

impl Ctx {
    /// The signed-in session (refreshed on the way if it must be); UNAUTHENTICATED if none.
    pub async fn session(&self) -> CoreResult<Session> {
        session::signed_in(&self.core, &self.config).await
    }
}
