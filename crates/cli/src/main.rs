//! `integrations`: the same core as the desktop app, for scripts and headless use.
//!
//! Secrets (passwords, API keys, tokens) are read from standard input, never from argv, where
//! other users and shell histories could see them. The signed-in session's tokens are kept in a
//! user-only file in the data directory. Errors go to stderr as `{"error":{code,message}}` with
//! an exit code per kind (see [`print::exit_code`]).
//!
//! `args` declares the command line, `commands` holds one function per subcommand, `session`
//! the stored sign-in, `input` reads secrets and `print` writes every answer and error.

mod args;
mod commands;
mod input;
mod print;
mod serve;
mod session;

use std::process::ExitCode;

use clap::Parser;
use integrations_core::{CoreConfig, CoreResult};

use args::{AlertsAction, Cli, Command};
use commands::{account, alerts, campaigns, integrations, report, status, sync, Ctx};
use print::Output;

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("INTEGRATIONS_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => print::failure(&err),
    }
}

/// Opens the core, finds the server, and runs the subcommand.
async fn run(cli: Cli) -> CoreResult<()> {
    let out = Output { json: cli.json };
    // The operator's commands work on the server with the owner's connection, not on a
    // workspace: no core, no session.
    let command = match cli.command {
        Command::Admin(admin) => return commands::admin::run(admin, out).await,
        other => other,
    };
    let config = CoreConfig::from_env()?;
    // Joining and leaving change which database the core would open: before opening one.
    match command {
        Command::Join => return account::join(&config, out).await,
        Command::Leave => return account::leave(&config, out).await,
        _ => {}
    }
    let core = config.open(integrations_core::gateway_from_env()?).await?;
    // Shared mode: find the server (applying edits queued offline, refreshing the mirror of the
    // signed-in workspace) or settle for the mirror. A no-op on the embedded database.
    if let Some((access, _)) = session::load_session(&session::session_path(&config)) {
        if let Ok(session) = core.verify(&access) {
            core.follow(Some(&session));
        }
    }
    core.check_link().await;
    let command = match command {
        Command::Serve { listen, parallel } => return serve::serve(core, &listen, parallel).await,
        other => other,
    };
    let ctx = Ctx { core, config, out };
    match command {
        Command::SignUp { tenant, email } => account::sign_up(&ctx, &tenant, &email).await,
        Command::SignIn { email } => account::sign_in(&ctx, &email).await,
        Command::SignOut => account::sign_out(&ctx).await,
        Command::CurrentAccount => account::current_account(&ctx).await,
        Command::Workspace { time_zone } => account::workspace(&ctx, time_zone.as_deref()).await,
        Command::ConnectivityStatus => status::connectivity_status(&ctx).await,
        Command::ResolveConflict { seq, keep } => status::resolve_conflict(&ctx, seq, keep).await,
        Command::List => integrations::list(&ctx).await,
        Command::Get { id } => integrations::get(&ctx, id).await,
        Command::Discover { provider } => integrations::discover(&ctx, provider).await,
        Command::Create(args) => integrations::create(&ctx, args).await,
        Command::Update(args) => integrations::update(&ctx, args).await,
        Command::Delete { id, yes } => integrations::delete(&ctx, id, yes).await,
        Command::Enable { id } => integrations::set_enabled(&ctx, id, true).await,
        Command::Disable { id } => integrations::set_enabled(&ctx, id, false).await,
        Command::TestConnection { id } => integrations::test_connection(&ctx, id).await,
        Command::RotateKeys => integrations::rotate_keys(&ctx).await,
        Command::Sync { id } => sync::sync(&ctx, id).await,
        Command::Worker { parallel, once } => sync::worker(&ctx, parallel, once).await,
        Command::Webhook { id } => integrations::webhook(&ctx, id).await,
        Command::RealtimeOrders { id, on, off } => {
            let change = (on || off).then_some(on);
            integrations::realtime_orders(&ctx, id, change).await
        }
        Command::SyncHistory { id, limit } => sync::sync_history(&ctx, id, limit).await,
        Command::SyncSchedule { id, every } => sync::sync_schedule(&ctx, id, every).await,
        Command::Report(args) => report::report(&ctx, args).await,
        Command::Admin(_) | Command::Join | Command::Leave | Command::Serve { .. } => {
            unreachable!("run above")
        }
        Command::Alerts { action: None } => alerts::alerts(&ctx).await,
        Command::Alerts {
            action: Some(AlertsAction::Dismiss { id }),
        } => alerts::dismiss(&ctx, id).await,
        Command::Campaigns(command) => campaigns::campaigns(&ctx, command).await,
    }
}
