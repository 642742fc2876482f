//! The scheduler loop: rounds of due sync jobs, each started at once, a pause between them that
//! "Sync now" cuts short, until stopped. The desktop app runs it for its signed-in workspace;
//! `integrations worker` for every workspace of a shared database.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use tokio::sync::watch;

use crate::error::CoreResult;
use crate::service::Core;
use crate::store::ClaimScope;
use crate::sync::SyncRun;

/// Names a process in the job queue (`prefix:pid:nonce`): which machine and process holds a
/// sync. Unique per process even where PIDs repeat (containers, cloned machines).
pub fn worker_name(prefix: &str) -> String {
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    format!("{prefix}:{}:{}", std::process::id(), &nonce[..8])
}

type Stop<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// Runs due jobs round after round; the caller reports each round ([`Scheduler::next_round`]).
///
/// What it claims follows a watch channel: `None` claims nothing (nobody signed in), a new
/// scope (signing out, another workspace) abandons the round in progress at once, and the
/// sender's end stops the scheduler. An abandoned round's jobs are taken over by the next
/// claim when their leases run out.
pub struct Scheduler<'a> {
    core: &'a Core,
    worker: String,
    parallel: usize,
    pause: Duration,
    probe_link: bool,
    scope: watch::Receiver<Option<ClaimScope>>,
    /// Keeps a fixed scope's channel open ([`Scheduler::with_fixed_scope`]).
    _fixed_scope: Option<watch::Sender<Option<ClaimScope>>>,
    stop: Stop<'a>,
    /// Whether the next round waits for the pause (not the first, nor a restart on a new scope).
    pause_first: bool,
}

impl<'a> Scheduler<'a> {
    /// Claims in the scope the channel holds. One job at a time, a 30-second pause, never
    /// stopped but by the channel's end: change these with the methods below.
    pub fn new(core: &'a Core, worker: String, scope: watch::Receiver<Option<ClaimScope>>) -> Self {
        Self {
            core,
            worker,
            parallel: 1,
            pause: Duration::from_secs(30),
            probe_link: false,
            scope,
            _fixed_scope: None,
            stop: Box::pin(std::future::pending()),
            pause_first: false,
        }
    }

    /// Always claims in `scope`.
    pub fn with_fixed_scope(core: &'a Core, worker: String, scope: ClaimScope) -> Self {
        let (sender, receiver) = watch::channel(Some(scope));
        Self {
            _fixed_scope: Some(sender),
            ..Self::new(core, worker, receiver)
        }
    }

    /// Jobs run at the same time in a round.
    pub fn parallel(mut self, parallel: usize) -> Self {
        self.parallel = parallel;
        self
    }

    /// The wait between the end of one round and the start of the next.
    pub fn pause(mut self, pause: Duration) -> Self {
        self.pause = pause;
        self
    }

    /// Probes the shared server before each round (applying queued edits, refreshing the
    /// mirror), for a process that runs no link task of its own.
    pub fn probe_link(mut self, probe: bool) -> Self {
        self.probe_link = probe;
        self
    }

    /// Stops once `stop` resolves, also in the middle of a round or a pause.
    pub fn stop_on(mut self, stop: impl Future<Output = ()> + Send + 'a) -> Self {
        self.stop = Box::pin(stop);
        self
    }

    /// Waits until the next round is due (at once the first time, then after the pause or a
    /// "Sync now", whichever comes first) and runs it: its runs, or why it failed. `None` once
    /// the scheduler is stopped.
    pub async fn next_round(&mut self) -> Option<CoreResult<Vec<SyncRun>>> {
        loop {
            if std::mem::replace(&mut self.pause_first, true) {
                tokio::select! {
                    _ = tokio::time::sleep(self.pause) => {}
                    _ = self.core.sync_requested() => {}
                    changed = self.scope.changed() => changed.ok()?,
                    _ = &mut self.stop => return None,
                }
            }
            let Some(scope) = *self.scope.borrow_and_update() else {
                continue;
            };
            if self.probe_link {
                self.core.check_link().await;
            }
            tokio::select! {
                round = self.core.run_due_jobs(&self.worker, scope, self.parallel) => {
                    return Some(round);
                }
                changed = self.scope.changed() => {
                    changed.ok()?;
                    self.pause_first = false;
                }
                _ = &mut self.stop => return None,
            }
        }
    }
}
