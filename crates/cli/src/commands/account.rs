//! Signing up, in and out, and the workspace the session belongs to.

use integrations_core::{Account, CoreConfig, CoreResult, DatabaseTarget, SignedIn};

use super::Ctx;
use crate::input::read_secret;
use crate::print::Output;
use crate::session::{load_session, save_session, session_path};

/// Keeps a new sign-in's tokens and prints its account (`text` says it for people).
async fn start_session(
    ctx: &Ctx,
    signed_in: SignedIn,
    text: impl FnOnce(&Account) -> String,
) -> CoreResult<()> {
    save_session(&session_path(&ctx.config), &signed_in.tokens)?;
    let account = ctx.core.current_account(&signed_in.session).await?;
    ctx.out.line(&account, text)
}

pub async fn sign_up(ctx: &Ctx, tenant: &str, email: &str) -> CoreResult<()> {
    let password = read_secret("Password: ")?;
    let signed_in = ctx.core.sign_up(tenant, email, &password).await?;
    start_session(ctx, signed_in, |account| {
        format!(
            "Created workspace \"{}\"; signed in as {}.",
            account.tenant_name, account.email
        )
    })
    .await
}

pub async fn sign_in(ctx: &Ctx, email: &str) -> CoreResult<()> {
    let password = read_secret("Password: ")?;
    let signed_in = ctx.core.sign_in(email, &password).await?;
    start_session(ctx, signed_in, |account| {
        format!(
            "Signed in to \"{}\" as {}.",
            account.tenant_name, account.email
        )
    })
    .await
}

pub async fn sign_out(ctx: &Ctx) -> CoreResult<()> {
    let path = session_path(&ctx.config);
    if let Some((_, refresh)) = load_session(&path) {
        ctx.core.sign_out(&refresh).await?;
    }
    let _ = std::fs::remove_file(&path);
    ctx.out
        .line(&serde_json::json!({ "signedOut": true }), |_| {
            "Signed out.".to_owned()
        })
}

pub async fn current_account(ctx: &Ctx) -> CoreResult<()> {
    let account = ctx.core.current_account(&ctx.session().await?).await?;
    ctx.out.line(&account, |account| {
        format!(
            "{} in workspace \"{}\" ({})",
            account.email, account.tenant_name, account.tenant_id
        )
    })
}

/// Shows the workspace, or sets its time zone first.
pub async fn workspace(ctx: &Ctx, time_zone: Option<&str>) -> CoreResult<()> {
    let session = ctx.session().await?;
    let account = match time_zone {
        Some(zone) => ctx.core.set_time_zone(&session, zone).await?,
        None => ctx.core.current_account(&session).await?,
    };
    ctx.out.line(&account, |account| {
        format!(
            "workspace \"{}\" ({}); time zone {}",
            account.tenant_name, account.tenant_id, account.time_zone
        )
    })
}

/// `join`: the code from stdin, tried against its server, then kept (keychain or private file).
/// A session of another database is forgotten.
pub async fn join(config: &CoreConfig, out: Output) -> CoreResult<()> {
    let code = read_secret("Workspace connection code: ")?;
    // Joining another workspace replaces the one joined here, mirror and all: as leaving it.
    settle_joined(config).await?;
    let joined = config.join(&code).await?;
    let _ = std::fs::remove_file(session_path(config));
    out.line(&joined, |joined| {
        format!(
            "Joined workspace \"{}\" on {}. Sign in with `integrations sign-in --email E`.",
            joined.workspace_name, joined.server
        )
    })
}

/// Before the joined workspace's mirror goes (leaving it, or joining another): its session is
/// signed out and what this computer did offline reaches the server; while the server cannot
/// be reached and something would be lost, this refuses and nothing changes (see
/// `Core::settle_before_leaving`). Nothing to do on a computer that joined nothing.
async fn settle_joined(config: &CoreConfig) -> CoreResult<()> {
    if !matches!(config.database, DatabaseTarget::Workspace) {
        return Ok(());
    }
    // A code that no longer opens (a damaged file) has nothing this computer can deliver.
    match config.open(integrations_core::gateway_from_env()?).await {
        Ok(core) => {
            let refresh = load_session(&session_path(config)).map(|(_, refresh)| refresh);
            core.settle_before_leaving(refresh.as_ref()).await
        }
        Err(err) => {
            tracing::warn!(%err, "the joined workspace does not open; leaving it");
            Ok(())
        }
    }
}

/// `leave`: the session is signed out, then the code, its key, the mirror and the session
/// file go (refused while the server is away and something would be lost).
pub async fn leave(config: &CoreConfig, out: Output) -> CoreResult<()> {
    let path = session_path(config);
    settle_joined(config).await?;
    config.leave()?;
    let _ = std::fs::remove_file(&path);
    out.line(&serde_json::json!({ "left": true }), |_| {
        "Left the workspace; its code and local copy are removed from this computer.".to_owned()
    })
}
