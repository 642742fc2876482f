//! CPU time a part of the bench took, on both sides of the socket: this process (the engine,
//! the clients, and the fakes, which run in-process) and the PostgreSQL backends serving the
//! bench database. With the wall time it says whether a run waited or computed: CPU seconds
//! near twice the wall seconds on a 2-core machine mean the cores, not the overlap, bound it.
//!
//! Read from Linux's `/proc/<pid>/task/<tid>/schedstat` (nanoseconds on a CPU, per thread), so
//! PostgreSQL must run on this host; a thread or backend that ends within the part is missed
//! (tokio's blocking threads live 10 s idle, the pool's connections for minutes).

use std::collections::HashMap;
use std::time::Duration;

/// CPU time so far of every live thread of each process watched.
pub struct Snapshot {
    own: u64,
    backends: HashMap<i32, u64>,
}

/// The CPU time spent between two snapshots.
#[derive(Debug, Clone, Copy)]
pub struct CpuUse {
    pub process: Duration,
    /// `None`: no PostgreSQL backend could be read (another host, or SQLite).
    pub postgres: Option<Duration>,
}

/// Nanoseconds on a CPU of every live thread of `pid` ("self" for this process).
fn process_ns(pid: &str) -> Option<u64> {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).ok()?;
    let mut total = 0;
    for task in tasks.flatten() {
        let stat = std::fs::read_to_string(task.path().join("schedstat")).unwrap_or_default();
        total += stat
            .split_whitespace()
            .next()
            .and_then(|ns| ns.parse::<u64>().ok())
            .unwrap_or(0);
    }
    Some(total)
}

async fn backend_pids(pool: Option<&sqlx::PgPool>) -> Vec<i32> {
    let Some(pool) = pool else {
        return Vec::new();
    };
    sqlx::query_scalar("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        .fetch_all(pool)
        .await
        .unwrap_or_default()
}

impl Snapshot {
    pub async fn take(pool: Option<&sqlx::PgPool>) -> Self {
        let backends = backend_pids(pool)
            .await
            .into_iter()
            .filter_map(|pid| Some((pid, process_ns(&pid.to_string())?)))
            .collect();
        Self {
            own: process_ns("self").unwrap_or(0),
            backends,
        }
    }

    /// What was spent since `self`; backends that started since count from zero.
    pub async fn spent(&self, pool: Option<&sqlx::PgPool>) -> CpuUse {
        let now = Self::take(pool).await;
        let postgres = (!now.backends.is_empty()).then(|| {
            now.backends
                .iter()
                .map(|(pid, ns)| ns.saturating_sub(self.backends.get(pid).copied().unwrap_or(0)))
                .sum::<u64>()
        });
        CpuUse {
            process: Duration::from_nanos(now.own.saturating_sub(self.own)),
            postgres: postgres.map(Duration::from_nanos),
        }
    }
}
