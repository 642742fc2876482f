//! Syncing: one integration now, the headless worker, the runs so far and the schedule.

use std::io::Write;

use integrations_core::store::ClaimScope;
use integrations_core::{CoreError, CoreResult, IntegrationId, SyncOutcome};

use super::Ctx;
use crate::print::{print_run, when};

/// Names this process in the job queue: which machine and process holds a sync.
/// Unique per process even where HOSTNAME is unset or PIDs repeat (containers, cloned VMs).
fn worker_name() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "cli".into());
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    format!("{host}:{}:{}", std::process::id(), &nonce[..8])
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
    let core = &ctx.core;
    let worker = worker_name();
    let scope = ClaimScope::default();
    // One Ctrl-C listener for the whole life of the worker: it also interrupts a round
    // in progress (whose jobs are then taken over when their leases run out).
    let stop = tokio::signal::ctrl_c();
    tokio::pin!(stop);
    loop {
        core.check_link().await;
        let round = tokio::select! {
            round = core.run_due_jobs(&worker, scope, parallel) => round,
            _ = &mut stop => break,
        };
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
        tokio::select! {
            _ = tokio::time::sleep(std::time::Duration::from_secs(15)) => {}
            _ = &mut stop => break,
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
