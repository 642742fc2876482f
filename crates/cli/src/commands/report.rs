//! Ad spend against sales: a table, the CSV (`--csv`) or JSON.

use integrations_core::analytics::{report_csv, ReportQuery};
use integrations_core::CoreResult;

use super::Ctx;
use crate::args::ReportArgs;
use crate::print::print_report;

pub async fn report(ctx: &Ctx, args: ReportArgs) -> CoreResult<()> {
    let session = ctx.session().await?;
    let query = ReportQuery {
        from: args.from,
        to: args.to,
        store: args.store,
        by: args.by.into(),
        time_zone: args.tz,
    };
    let report = ctx.core.report(&session, &query).await?;
    ctx.out.show(&report, |report| {
        if args.csv {
            print!("{}", report_csv(report));
        } else {
            print_report(report);
        }
    })
}
