//! `GET /metrics`, in Prometheus' text format: the deliveries this process took (counted here)
//! and what the core reads from the database (syncs per provider and outcome, the records they
//! wrote, each integration's lag since its last success) or counted in its syncs (429s).

use std::fmt::{Display, Write};
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
        for (outcome, count) in DeliveryOutcome::ALL.iter().zip(&self.by_outcome) {
            let result = if outcome.accepted() {
                "accepted"
            } else {
                "refused"
            };
            sample(
                &mut out,
                "integrations_webhook_deliveries_total",
                &[("result", &result), ("outcome", &outcome.as_str())],
                count.load(Ordering::Relaxed),
            );
        }
        sample(
            &mut out,
            "integrations_webhook_deliveries_total",
            &[("result", &"refused"), ("outcome", &"unknown_integration")],
            self.unknown_integration.load(Ordering::Relaxed),
        );
        family(
            &mut out,
            "integrations_sync_runs",
            "gauge",
            "Sync runs recorded in the database, by provider and outcome (SUCCEEDED, FAILED, INTERRUPTED, RUNNING).",
        );
        for row in &server.runs {
            sample(
                &mut out,
                "integrations_sync_runs",
                &[("provider", &row.provider), ("outcome", &row.outcome)],
                row.runs,
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
            sample(
                &mut out,
                "integrations_sync_records",
                &[("provider", &provider)],
                count,
            );
        }
        family(
            &mut out,
            "integrations_provider_throttled_total",
            "counter",
            "Rate-limit answers (HTTP 429 and the like) met by this process's syncs, by provider.",
        );
        for (provider, count) in &server.throttled {
            sample(
                &mut out,
                "integrations_provider_throttled_total",
                &[("provider", provider)],
                count,
            );
        }
        family(
            &mut out,
            "integrations_sync_lag_seconds",
            "gauge",
            "Seconds since each enabled integration's last successful sync.",
        );
        for row in &server.lag {
            sample(
                &mut out,
                "integrations_sync_lag_seconds",
                &[
                    ("integration", &row.integration_id),
                    ("provider", &row.provider),
                ],
                format_args!("{:.0}", row.seconds),
            );
        }
        out
    }
}

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

/// One sample line: `name{label="value",…} value`. The label values here are our own codes and
/// ids, which hold no quote, backslash or line break to escape.
fn sample(out: &mut String, name: &str, labels: &[(&str, &dyn Display)], value: impl Display) {
    let labels: Vec<String> = labels
        .iter()
        .map(|(label, value)| format!("{label}=\"{value}\""))
        .collect();
    let _ = writeln!(out, "{name}{{{}}} {value}", labels.join(","));
}

#[cfg(test)]
mod tests {
    use integrations_core::store::{LagRow, SyncRunTotals};

    use super::*;

    #[test]
    fn every_family_renders_its_samples_in_the_exposition_format() {
        let metrics = Metrics::default();
        metrics.delivery(DeliveryOutcome::ALL[0]);
        metrics.unknown_integration();
        metrics.unknown_integration();
        let integration = uuid::Uuid::from_u128(0x2b);
        let server = ServerMetrics {
            runs: vec![
                SyncRunTotals {
                    provider: "PANCAKE_POS".into(),
                    outcome: "SUCCEEDED".into(),
                    runs: 4,
                    records: 120,
                },
                SyncRunTotals {
                    provider: "PANCAKE_POS".into(),
                    outcome: "FAILED".into(),
                    runs: 1,
                    records: 7,
                },
            ],
            lag: vec![LagRow {
                integration_id: integration,
                provider: "META_ADS".into(),
                seconds: 90.6,
            }],
            throttled: vec![("META_ADS", 3)],
        };
        let text = metrics.render(&server);
        let first = DeliveryOutcome::ALL[0];
        let result = if first.accepted() {
            "accepted"
        } else {
            "refused"
        };
        for line in [
            format!(
                "integrations_webhook_deliveries_total{{result=\"{result}\",outcome=\"{}\"}} 1",
                first.as_str()
            ),
            "integrations_webhook_deliveries_total{result=\"refused\",outcome=\"unknown_integration\"} 2".to_owned(),
            "integrations_sync_runs{provider=\"PANCAKE_POS\",outcome=\"SUCCEEDED\"} 4".to_owned(),
            "integrations_sync_runs{provider=\"PANCAKE_POS\",outcome=\"FAILED\"} 1".to_owned(),
            "integrations_sync_records{provider=\"PANCAKE_POS\"} 127".to_owned(),
            "integrations_provider_throttled_total{provider=\"META_ADS\"} 3".to_owned(),
            format!("integrations_sync_lag_seconds{{integration=\"{integration}\",provider=\"META_ADS\"}} 91"),
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "{line} missing from:\n{text}"
            );
        }
        let samples = text.lines().filter(|l| !l.starts_with('#')).count();
        assert_eq!(
            samples,
            DeliveryOutcome::ALL.len() + 1 + 2 + 1 + 1 + 1,
            "{text}"
        );
    }
}
