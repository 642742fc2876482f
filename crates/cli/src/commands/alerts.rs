//! Alerts: the list (open ones first in time order, then their history) and dismissing one.

use integrations_core::CoreResult;
use uuid::Uuid;

use super::Ctx;
use crate::print::{alert_line, print_alerts};

pub async fn alerts(ctx: &Ctx) -> CoreResult<()> {
    let session = ctx.session().await?;
    let list = ctx.core.alerts(&session).await?;
    ctx.out.show(&list, print_alerts)
}

pub async fn dismiss(ctx: &Ctx, id: Uuid) -> CoreResult<()> {
    let session = ctx.session().await?;
    let alert = ctx.core.dismiss_alert(&session, id).await?;
    ctx.out
        .line(&alert, |alert| format!("Dismissed: {}", alert_line(alert)))
}
