//! CPU time a part of the bench took, on both sides of the socket: this process (the engine,
//! the clients, and the fakes, which run in-process on threads of their own, counted apart too)
//! and the PostgreSQL backends serving the bench database; and how long those backends were ready to run but waited for a core. With
//! the wall time it says whether a run waited or computed: CPU seconds near twice the wall
//! seconds on a 2-core machine, or backends waiting for a core about as long as they ran, mean
//! the cores bound it, not the overlap.
//!
//! Read from Linux's `/proc/<pid>/task/<tid>/schedstat` (nanoseconds on a CPU, then
//! nanoseconds waiting on a run queue, per thread), so
//! PostgreSQL must run on this host; a thread or backend that ends within the part is missed
//! (tokio's blocking threads live 10 s idle, the pool's connections for minutes).

use std::collections::HashMap;
use std::time::Duration;

/// Nanoseconds run and nanoseconds waited for a core.
#[derive(Debug, Clone, Copy, Default)]
struct Times {
    ran: u64,
    waited: u64,
}

/// CPU time so far of every live thread of each process watched.
pub struct Snapshot {
    own: Times,
    fakes: Times,
    backends: HashMap<i32, Times>,
}

/// The CPU time spent between two snapshots.
#[derive(Debug, Clone, Copy)]
pub struct CpuUse {
    pub process: Duration,
    /// Of `process`, the fakes' threads (`setup::FAKE_THREAD`): the JSON a real API makes on
    /// its own machines.
    pub fakes: Duration,
    /// `None`: no PostgreSQL backend could be read (another host, or SQLite).
    pub postgres: Option<Duration>,
    /// How long the backends were ready to run but waited for a core.
    pub postgres_waited: Option<Duration>,
}

/// The times of every live thread of `pid` ("self" for this process), summed.
fn process_times(pid: &str) -> Option<Times> {
    threads_times(pid, |_| true)
}

/// The times of the live threads of `pid` whose name `keep` accepts, summed.
fn threads_times(pid: &str, keep: impl Fn(&str) -> bool) -> Option<Times> {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).ok()?;
    let mut total = Times::default();
    for task in tasks.flatten() {
        let name = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if !keep(name.trim_end()) {
            continue;
        }
        let stat = std::fs::read_to_string(task.path().join("schedstat")).unwrap_or_default();
        let mut fields = stat
            .split_whitespace()
            .map(|ns| ns.parse::<u64>().unwrap_or(0));
        total.ran += fields.next().unwrap_or(0);
        total.waited += fields.next().unwrap_or(0);
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
            .filter_map(|pid| Some((pid, process_times(&pid.to_string())?)))
            .collect();
        Self {
            own: process_times("self").unwrap_or_default(),
            fakes: threads_times("self", |name| name == crate::setup::FAKE_THREAD)
                .unwrap_or_default(),
            backends,
        }
    }

    /// What was spent since `self`; backends that started since count from zero.
    pub async fn spent(&self, pool: Option<&sqlx::PgPool>) -> CpuUse {
        let now = Self::take(pool).await;
        let backends = |time: fn(&Times) -> u64| {
            (!now.backends.is_empty()).then(|| {
                let ns = now
                    .backends
                    .iter()
                    .map(|(pid, times)| {
                        let before = self.backends.get(pid).map_or(0, time);
                        time(times).saturating_sub(before)
                    })
                    .sum::<u64>();
                Duration::from_nanos(ns)
            })
        };
        CpuUse {
            process: Duration::from_nanos(now.own.ran.saturating_sub(self.own.ran)),
            fakes: Duration::from_nanos(now.fakes.ran.saturating_sub(self.fakes.ran)),
            postgres: backends(|times| times.ran),
            postgres_waited: backends(|times| times.waited),
        }
    }
}
