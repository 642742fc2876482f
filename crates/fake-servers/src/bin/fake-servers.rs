//! Start the fake Pancake POS and Graph API servers and print their base URLs as one JSON line:
//! `{"pancake_base_url":"http://127.0.0.1:P/api/v1","meta_base_url":"http://127.0.0.1:M"}`.
//! Serves until killed.
//!
//! Options: `--pancake-port N`, `--meta-port N` (0 = random, the default), `--seed N`,
//! `--orders-per-shop N`, `--days N`, `--latency-ms N`, `--rate-limit N` (requests/second),
//! `--end now|RFC 3339` (when the history ends; a fixed day in 2026 by default, `now` for data
//! that the app's "last 30 days" shows).

use std::io::Write;
use std::net::SocketAddr;
use std::time::Duration;

use integrations_fake_servers::{start_meta, start_pancake, FakeConfig};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut config = FakeConfig::default();
    let (mut pancake_port, mut meta_port) = (0u16, 0u16);
    let mut i = 0;
    while i < args.len() {
        let value = args
            .get(i + 1)
            .ok_or_else(|| format!("{} needs a value", args[i]))?;
        match args[i].as_str() {
            "--pancake-port" => pancake_port = value.parse()?,
            "--meta-port" => meta_port = value.parse()?,
            "--seed" => config.seed = value.parse()?,
            "--orders-per-shop" => config.orders_per_shop = value.parse()?,
            "--days" => config.days = value.parse()?,
            "--latency-ms" => config.latency = Duration::from_millis(value.parse()?),
            "--rate-limit" => config.rate_limit_per_sec = Some(value.parse()?),
            "--end" => {
                config.end_time = match value.as_str() {
                    "now" => chrono::Utc::now(),
                    text => chrono::DateTime::parse_from_rfc3339(text)?.with_timezone(&chrono::Utc),
                }
            }
            other => return Err(format!("unknown option {other}").into()),
        }
        i += 2;
    }
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async move {
        let pancake = start_pancake(FakeConfig {
            bind: SocketAddr::from(([127, 0, 0, 1], pancake_port)),
            ..config.clone()
        })
        .await?;
        let meta = start_meta(FakeConfig {
            bind: SocketAddr::from(([127, 0, 0, 1], meta_port)),
            ..config
        })
        .await?;
        let line = serde_json::json!({
            "pancake_base_url": pancake.base_url,
            "meta_base_url": meta.base_url,
        });
        let mut out = std::io::stdout().lock();
        writeln!(out, "{line}")?;
        out.flush()?;
        drop(out);
        std::future::pending::<()>().await;
        Ok::<(), Box<dyn std::error::Error>>(())
    })
}
