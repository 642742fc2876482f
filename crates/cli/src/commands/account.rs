//! Signing up, in and out, and the workspace the session belongs to.

use integrations_core::{Account, CoreConfig, CoreResult, SignedIn};

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
    let joined = config.join(&code).await?;
    let _ = std::fs::remove_file(session_path(config));
    out.line(&joined, |joined| {
        format!(
            "Joined workspace \"{}\" on {}. Sign in with `integrations sign-in --email E`.",
            joined.workspace_name, joined.server
        )
    })
}

/// `leave`: the code, its key, the mirror and the session go.
pub async fn leave(config: &CoreConfig, out: Output) -> CoreResult<()> {
    config.leave()?;
    let _ = std::fs::remove_file(session_path(config));
    out.line(&serde_json::json!({ "left": true }), |_| {
        "Left the workspace; its code and local copy are removed from this computer.".to_owned()
    })
}
