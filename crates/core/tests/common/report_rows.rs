//! A report's rows as the report tests compare them: for the core's tests and, included by path,
//! the analytics module's unit tests (which name the report's types by another path, hence the
//! `super` import).

use super::{Report, ReportRowKind};

/// Each row of `report` as (kind, key, spend, POS revenue).
pub fn kind_key_spend_revenue(report: &Report) -> Vec<(ReportRowKind, &str, i64, i64)> {
    report
        .rows
        .iter()
        .map(|r| {
            (
                r.kind,
                r.key.as_str(),
                r.metrics.spend_minor,
                r.metrics.revenue_minor,
            )
        })
        .collect()
}
