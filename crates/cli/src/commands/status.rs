//! Where the data comes from (standalone, online, offline), the edits queued offline, and
//! settling their conflicts.

use chrono::Utc;
use integrations_core::{ConflictChoice, Connectivity, CoreResult, LinkMode};

use super::Ctx;
use crate::args::KeepArg;
use crate::print::{ago, describe_change, when};

pub async fn connectivity_status(ctx: &Ctx) -> CoreResult<()> {
    let (core, config) = (&ctx.core, &ctx.config);
    let session = ctx.session().await.ok();
    let link = core.connectivity_status(session.as_ref()).await?;
    let age_secs = link
        .mirror_as_of
        .map(|at| (Utc::now() - at).num_seconds().max(0));
    let signed_in_as = session.as_ref().map(|s| s.email().to_owned());
    let status = serde_json::json!({
        "mode": config.mode(),
        "database": core.store_kind(),
        "connection": link.mode,
        "online": matches!(link.mode, LinkMode::Online | LinkMode::Standalone),
        "mirrorAsOf": link.mirror_as_of,
        "mirrorAgeSeconds": age_secs,
        "pending": link.pending,
        "conflicts": link.conflicts,
        "dataDir": config.data_dir,
        "signedInAs": signed_in_as,
    });
    ctx.out.show(&status, |_| {
        println!("mode        {} ({})", config.mode(), core.store_kind());
        print_link(&link, age_secs);
        println!("data dir    {}", config.data_dir.display());
        println!("signed in   {}", signed_in_as.as_deref().unwrap_or("no"));
    })
}

/// The connection, the mirror's age, and what waits for the server.
fn print_link(link: &Connectivity, age_secs: Option<i64>) {
    let mirror = match (link.mirror_as_of, age_secs) {
        (Some(at), Some(age)) => format!("as of {} ({})", when(Some(at)), ago(age)),
        _ => "never filled".to_owned(),
    };
    match link.mode {
        LinkMode::Standalone => println!("connection  local database, always available"),
        LinkMode::Online | LinkMode::Connecting => println!("connection  online; mirror {mirror}"),
        LinkMode::Offline => println!(
            "connection  OFFLINE: the server cannot be reached; showing the mirror {mirror}"
        ),
    }
    if !link.pending.is_empty() {
        println!(
            "queued      {} change(s) waiting for the server",
            link.pending.len()
        );
    }
    for conflict in &link.conflicts {
        println!(
            "conflict    #{} {}: your offline change {} meets a newer version on the server; \
             settle it with `integrations resolve-conflict {} --keep mine|server`",
            conflict.seq,
            conflict.integration_name,
            describe_change(&conflict.mine),
            conflict.seq
        );
    }
}

pub async fn resolve_conflict(ctx: &Ctx, seq: i64, keep: KeepArg) -> CoreResult<()> {
    let session = ctx.session().await?;
    let choice = ConflictChoice::from(keep);
    let link = ctx.core.resolve_conflict(&session, seq, choice).await?;
    ctx.out.line(&link, |link| {
        format!(
            "Settled: {}. {} conflict(s) left.",
            match choice {
                ConflictChoice::Mine => "your offline change was applied",
                ConflictChoice::Server => "the server's version stands",
            },
            link.conflicts.len()
        )
    })
}
