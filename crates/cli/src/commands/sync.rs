//! Syncing: one integration now, the headless worker, the runs so far and the schedule.

use std::io::Write;

use integrations_core::runtime::{self, Scheduler};
use integrations_core::store::ClaimScope;
use integrations_core::{CoreError, CoreResult, IntegrationId, SyncOutcome};

use super::Ctx;
use crate::print::{print_run, when};

/// Names this process in the job queue: the machine (where HOSTNAME says it), the process.
fn worker_name() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "cli".into());
    runtime::worker_name(&host)
}

/// Runs one sync here and waits for it, its progress on stderr; a run that did not succeed is
/// a PROVIDER_ERROR exit after the run is printed.
pub async fn sync(ctx: &Ctx, id: IntegrationId) -> CoreResult<()> {
    let session = ctx.session().await?;
    let mut progress = ctx.core.subscribe_sync();
    let printer = tokio::spawn(async move {
        while let Ok(event) = progress.recv().await {
            if event.integration_id != id || event.outcome.is_some() {
                continue;
            }
            let _ = writeln!(
                std::io::stderr(),
                "progress {} {}/{} records={}",
                if event.stream.is_empty() {
                    "start"
                } else {
                    &event.stream
                },
                event.done,
                event.total,
                event.records
            );
        }
    });
    let run = ctx
        .core
        .sync_integration(&session, id, &worker_name())
        .await;
    printer.abort();
    let run = run?;
    ctx.out.show(&run, print_run)?;
    if run.outcome != SyncOutcome::Succeeded {
        return Err(CoreError::Provider {
            provider_code: run
                .error_code
                .clone()
                .unwrap_or_else(|| "PROVIDER_UPSTREAM_ERROR".into()),
            message: run
                .error
                .clone()
                .unwrap_or_else(|| "The sync failed.".into()),
        });
    }
    Ok(())
}

/// The headless scheduler for every workspace, until Ctrl-C (or one round with `--once`). Runs
/// are printed as they finish, one JSON line each with `--json`.
pub async fn worker(ctx: &Ctx, parallel: usize, once: bool) -> CoreResult<()> {
    // Ctrl-C also interrupts a round in progress (whose jobs are then taken over when their
    // leases run out). This process runs no link task, so each round probes the server first.
    let mut scheduler =
        Scheduler::with_fixed_scope(&ctx.core, worker_name(), ClaimScope::default())
            .parallel(parallel)
            .pause(std::time::Duration::from_secs(15))
            .probe_link(true)
            .stop_on(async {
                let _ = tokio::signal::ctrl_c().await;
            });
    while let Some(round) = scheduler.next_round().await {
        match round {
            Ok(runs) => {
                for run in &runs {
                    if ctx.out.json {
                        println!("{}", serde_json::to_string(run).expect("a run serializes"));
                    } else {
                        print_run(run);
                    }
                }
            }
            Err(err) if once => return Err(err),
            Err(err) => tracing::warn!(error = %err, "worker round failed"),
        }
        if once {
            break;
        }
    }
    Ok(())
}

pub async fn sync_history(ctx: &Ctx, id: IntegrationId, limit: i64) -> CoreResult<()> {
    let runs = ctx
        .core
        .sync_history(&ctx.session().await?, id, limit)
        .await?;
    ctx.out.show(&runs, |runs| {
        if runs.is_empty() {
            println!("No sync has run yet. Start one with `integrations sync {id}`.");
        }
        for run in runs {
            print_run(run);
        }
    })
}

/// Shows the schedule, or sets its interval first (`--every MINUTES`).
pub async fn sync_schedule(ctx: &Ctx, id: IntegrationId, every: Option<i32>) -> CoreResult<()> {
    let session = ctx.session().await?;
    let schedule = match every {
        Some(minutes) => Some(ctx.core.set_sync_interval(&session, id, minutes).await?),
        None => ctx.core.sync_schedule(&session, id).await?,
    };
    ctx.out.line(&schedule, |schedule| match schedule {
        Some(s) => format!(
            "every {} min; next run {}{}{}",
            s.interval_minutes,
            when(Some(s.next_run_at)),
            if s.requested { "; sync requested" } else { "" },
            if s.running { "; running now" } else { "" }
        ),
        None => "Not scheduled: the integration is turned off.".to_owned(),
    })
}
