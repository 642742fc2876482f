//! `integrations serve --listen ADDR`: the shared server's one long-running process. It runs
//! the worker's scheduler (every workspace's due syncs, as `integrations worker` does) and an
//! HTTP listener for Pancake's webhooks, health checks and metrics ([`http`]).
//!
//! Configured from the environment like every command (`DATABASE_URL` the server role's,
//! `INTEGRATIONS_MASTER_KEY`), plus `INTEGRATIONS_PUBLIC_URL`, the address Pancake reaches this
//! listener by (through the operator's TLS proxy), recorded in the database for clients.
//!
//! SIGTERM (or Ctrl-C) stops taking connections, lets requests in flight finish, stops the
//! scheduler and hands its sync leases back, so another server takes the jobs at once.

mod http;
mod metrics;

use std::sync::Arc;
use std::time::Duration;

use integrations_core::runtime::{worker_name, Scheduler};
use integrations_core::store::ClaimScope;
use integrations_core::{Core, CoreError, CoreResult};
use tokio::sync::watch;

pub use metrics::Metrics;

/// Deliveries are kept this many days in the log.
const DELIVERY_LOG_DAYS: i64 = 30;

pub async fn serve(core: Core, listen: &str, parallel: usize) -> CoreResult<()> {
    if core.shared_store().is_none() {
        return Err(CoreError::Configuration(
            "`integrations serve` runs on the shared server: set DATABASE_URL to the server \
             role's URL (printed by `integrations admin init`) and INTEGRATIONS_MASTER_KEY."
                .into(),
        ));
    }
    let core = Arc::new(core);
    if let Ok(url) = std::env::var("INTEGRATIONS_PUBLIC_URL") {
        core.set_webhook_base_url(Some(&url)).await?;
    }
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|err| CoreError::Configuration(format!("Cannot listen on {listen}: {err}")))?;
    let address = listener
        .local_addr()
        .map_err(|err| CoreError::Configuration(format!("Cannot listen on {listen}: {err}")))?;
    // The first line of stdout: scripts and tests read the port from it (`--listen` :0).
    println!("listening on http://{address}");

    let (stop, stopped) = watch::channel(false);
    tokio::spawn(async move {
        wait_for_signal().await;
        tracing::info!("stopping: finishing requests in flight");
        let _ = stop.send(true);
    });
    let when_stopped = |mut stopped: watch::Receiver<bool>| async move {
        let _ = stopped.wait_for(|stop| *stop).await;
    };

    let state = Arc::new(http::State {
        core: core.clone(),
        metrics: Metrics::default(),
    });
    let http_stop = when_stopped(stopped.clone());
    let server = tokio::spawn(async move {
        axum::serve(listener, http::router(state))
            .with_graceful_shutdown(http_stop)
            .await
    });

    let worker = worker_name("serve");
    let mut scheduler = Scheduler::with_fixed_scope(&core, worker.clone(), ClaimScope::default())
        .parallel(parallel)
        .pause(Duration::from_secs(15))
        .probe_link(true)
        .stop_on(when_stopped(stopped.clone()));
    let mut last_prune = None::<tokio::time::Instant>;
    while let Some(round) = scheduler.next_round().await {
        match round {
            Ok(runs) => {
                for run in &runs {
                    tracing::info!(integration = %run.integration_id, outcome = ?run.outcome, "sync finished");
                }
            }
            Err(err) => tracing::warn!(error = %err, "sync round failed"),
        }
        if last_prune.is_none_or(|at| at.elapsed() > Duration::from_secs(3600)) {
            last_prune = Some(tokio::time::Instant::now());
            if let Err(err) = core.prune_webhook_deliveries(DELIVERY_LOG_DAYS).await {
                tracing::warn!(error = %err, "pruning the delivery log failed");
            }
        }
    }
    drop(scheduler);
    match core.release_leases(&worker).await {
        Ok(released) => tracing::info!(released, "sync leases handed back"),
        Err(err) => tracing::warn!(error = %err, "handing back sync leases failed"),
    }
    match server.await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(err)) => Err(CoreError::Configuration(format!(
            "The HTTP listener failed: {err}"
        ))),
        Err(err) => Err(CoreError::Configuration(format!(
            "The HTTP listener failed: {err}"
        ))),
    }
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("a SIGTERM handler");
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
