//! `GET /metrics`, in Prometheus' text format: the deliveries this process took (counted here)
//! and what the core reads from the database (syncs per provider and outcome, the records they
//! wrote, each integration's lag since its last success) or counted in its syncs (429s).

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

use integrations_core::webhook::DeliveryOutcome;
use integrations_core::ServerMetrics;

/// Deliveries by outcome, plus those refused before an integration was known.
#[derive(Default)]
pub struct Metrics {
    by_outcome: [AtomicU64; DeliveryOutcome::ALL.len()],
    unknown_integration: AtomicU64,
}

impl Metrics {
    pub fn delivery(&self, outcome: DeliveryOutcome) {
        let index = DeliveryOutcome::ALL
            .iter()
            .position(|known| *known == outcome)
            .expect("every outcome is listed");
        self.by_outcome[index].fetch_add(1, Ordering::Relaxed);
    }

    pub fn unknown_integration(&self) {
        self.unknown_integration.fetch_add(1, Ordering::Relaxed);
    }

    /// The text a scrape gets.
    pub fn render(&self, server: &ServerMetrics) -> String {
        let mut out = String::new();
        family(
            &mut out,
            "integrations_webhook_deliveries_total",
            "counter",
            "Webhook deliveries since this process started, by result (accepted or refused) and outcome.",
        );
        let mut lines = String::new();
        for (outcome, count) in DeliveryOutcome::ALL.iter().zip(&self.by_outcome) {
            let result = if outcome.accepted() {
                "accepted"
            } else {
                "refused"
            };
            let _ = writeln!(
                lines,
                "integrations_webhook_deliveries_total{{result=\"{result}\",outcome=\"{}\"}} {}",
                outcome.as_str(),
                count.load(Ordering::Relaxed)
            );
        }
        let _ = writeln!(
            lines,
            "integrations_webhook_deliveries_total{{result=\"refused\",outcome=\"unknown_integration\"}} {}",
            self.unknown_integration.load(Ordering::Relaxed)
        );
        out.push_str(&lines);
        family(
            &mut out,
            "integrations_sync_runs",
            "gauge",
            "Sync runs recorded in the database, by provider and outcome (SUCCEEDED, FAILED, INTERRUPTED, RUNNING).",
        );
        for row in &server.runs {
            let _ = writeln!(
                out,
                "integrations_sync_runs{{provider=\"{}\",outcome=\"{}\"}} {}",
                row.provider, row.outcome, row.runs
            );
        }
        family(
            &mut out,
            "integrations_sync_records",
            "gauge",
            "Records (orders, variations, stock lines, ads, insight days) written by the recorded sync runs, by provider.",
        );
        let mut records: std::collections::BTreeMap<&str, i64> = Default::default();
        for row in &server.runs {
            *records.entry(row.provider.as_str()).or_default() += row.records;
        }
        for (provider, count) in records {
            let _ = writeln!(
                out,
                "integrations_sync_records{{provider=\"{provider}\"}} {count}"
            );
        }
        family(
            &mut out,
            "integrations_provider_throttled_total",
            "counter",
            "Rate-limit answers (HTTP 429 and the like) met by this process's syncs, by provider.",
        );
        for (provider, count) in &server.throttled {
            let _ = writeln!(
                out,
                "integrations_provider_throttled_total{{provider=\"{provider}\"}} {count}"
            );
        }
        family(
            &mut out,
            "integrations_sync_lag_seconds",
            "gauge",
            "Seconds since each enabled integration's last successful sync.",
        );
        for row in &server.lag {
            let _ = writeln!(
                out,
                "integrations_sync_lag_seconds{{integration=\"{}\",provider=\"{}\"}} {:.0}",
                row.integration_id, row.provider, row.seconds
            );
        }
        out
    }
}

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}
