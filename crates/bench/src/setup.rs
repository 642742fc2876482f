//! The bench's own database (a PostgreSQL database of its own, or a fresh SQLite file as the
//! standalone app opens it), a core on it whose provider clients talk to in-process fake
//! servers, and the engine's end-of-run figures read from its tracing event.

use std::sync::{Arc, Mutex};

use anyhow::bail;
use integrations_core::config::DATABASE_FILE;
use integrations_core::gateway::HttpProviders;
use integrations_core::store::{PostgresStore, SqliteStore, SyncStore, SyncedTable};
use integrations_core::{
    Core, CoreConfig, Credentials, DatabaseTarget, IntegrationConfig, LinkMode, NewIntegration,
    Session, SyncOutcome, SyncRun, SyncSettings,
};
use integrations_fake_servers::{start_meta, start_pancake, FakeConfig, FakeMeta, FakePancake};
use integrations_providers::{HttpSettings, MetaClient, PancakeClient};
use secrecy::SecretString;
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::Context;
use uuid::Uuid;

/// The fake fashion shop, the one key `one-shop:*` reaches.
pub const SHOP_ID: i64 = 6036602;
pub const PANCAKE_KEY: &str = "one-shop:bench";
pub const META_TOKEN: &str = "meta-one-account:bench";
pub const AD_ACCOUNT: &str = "act_1234567890";

/// The fakes serve from a runtime of their own, on threads named [`FAKE_THREAD`], so that
/// their CPU is told apart from the engine's (`cpu.rs`): a real Pancake or Graph API does this
/// work on machines of its own, here it shares the two cores with the engine and PostgreSQL.
static FAKE_RUNTIME: std::sync::LazyLock<tokio::runtime::Runtime> =
    std::sync::LazyLock::new(|| {
        tokio::runtime::Builder::new_multi_thread()
            .thread_name(FAKE_THREAD)
            .enable_all()
            .build()
            .expect("the fakes' runtime starts")
    });
pub const FAKE_THREAD: &str = "fake-server";

/// Runs `start` (a fake's start-up) on the fakes' runtime, where the server it spawns stays.
async fn on_fake_runtime<T: Send + 'static>(
    start: impl std::future::Future<Output = std::io::Result<T>> + Send + 'static,
) -> anyhow::Result<T> {
    Ok(FAKE_RUNTIME.spawn(start).await??)
}

/// Where a scenario's core keeps its data.
#[derive(Clone, Debug)]
pub enum Target {
    /// Shared mode on this PostgreSQL database.
    Postgres(String),
    /// Standalone mode: a new SQLite file in a directory of its own under `parent`, opened as the
    /// app opens it (WAL, `synchronous=NORMAL`).
    Sqlite { parent: std::path::PathBuf },
}

/// A second handle on the scenario's database, for the writes that bypass the engine.
pub enum BenchStore {
    Postgres(PostgresStore),
    Sqlite(SqliteStore),
}

impl BenchStore {
    pub fn sync_store(&self) -> &dyn SyncStore {
        match self {
            Self::Postgres(store) => store,
            Self::Sqlite(store) => store,
        }
    }

    pub fn postgres(&self) -> anyhow::Result<&PostgresStore> {
        match self {
            Self::Postgres(store) => Ok(store),
            Self::Sqlite(_) => bail!("this part of the bench runs on PostgreSQL only"),
        }
    }
}

/// One scenario's world: fakes with their configuration, a core on the bench database that
/// reaches them, and a signed-in workspace.
pub struct Bench {
    pub core: Core,
    pub session: Session,
    pub pancake: FakePancake,
    pub meta: FakeMeta,
    pub store: BenchStore,
    pub pancake_config: FakeConfig,
    _dir: tempfile::TempDir,
}

impl Bench {
    pub async fn start(
        target: &Target,
        pancake_config: FakeConfig,
        meta_config: FakeConfig,
        settings: SyncSettings,
        label: &str,
    ) -> anyhow::Result<Self> {
        let pancake = on_fake_runtime(start_pancake(pancake_config.clone())).await?;
        let meta = on_fake_runtime(start_meta(meta_config)).await?;
        let providers = HttpProviders {
            pancake: PancakeClient::new(&pancake.base_url, HttpSettings::default())?,
            meta: MetaClient::new(&meta.base_url, "v27.0", HttpSettings::default())?,
        };
        let dir = match target {
            Target::Sqlite { parent } => tempfile::tempdir_in(parent)?,
            Target::Postgres(_) => tempfile::tempdir()?,
        };
        let mut config = CoreConfig::standalone(dir.path().to_path_buf());
        if let Target::Postgres(url) = target {
            config.database = DatabaseTarget::Postgres {
                url: SecretString::from(url.clone()),
            };
        }
        let master = integrations_core::crypto::MasterKey::generate();
        config.master_key = Some(SecretString::from(master.to_base64().to_string()));
        let mut core = config.open(Arc::new(providers)).await?;
        // Shared mode starts on its mirror until the server answers; find it now.
        let expected = match target {
            Target::Postgres(_) => LinkMode::Online,
            Target::Sqlite { .. } => LinkMode::Standalone,
        };
        if core.check_link().await != expected {
            bail!("the core did not open its database ({target:?})");
        }
        core.set_sync_settings(settings);
        let session = sign_up(&core, label).await?;
        let store = match target {
            Target::Postgres(url) => BenchStore::Postgres(PostgresStore::connect(url).await?),
            Target::Sqlite { .. } => {
                BenchStore::Sqlite(SqliteStore::open(&dir.path().join(DATABASE_FILE)).await?)
            }
        };
        Ok(Self {
            core,
            session,
            pancake,
            meta,
            store,
            pancake_config,
            _dir: dir,
        })
    }

    /// A Pancake integration of `session`'s workspace for the fake shop; enabled ones sync.
    pub async fn pancake_integration(
        &self,
        session: &Session,
        enabled: bool,
    ) -> anyhow::Result<Uuid> {
        let credentials = Credentials::pancake(SecretString::from(PANCAKE_KEY));
        let config = IntegrationConfig::PancakePos {
            shop_id: SHOP_ID.to_string(),
        };
        self.integration(session, "Shop thời trang", credentials, config, enabled)
            .await
    }

    /// A Meta Ads integration of `session`'s workspace for the fake ad account.
    pub async fn meta_integration(&self, session: &Session, enabled: bool) -> anyhow::Result<Uuid> {
        let credentials = Credentials::meta(SecretString::from(META_TOKEN));
        let config = IntegrationConfig::MetaAds {
            ad_account_id: AD_ACCOUNT.into(),
        };
        self.integration(session, "Quảng cáo Meta", credentials, config, enabled)
            .await
    }

    async fn integration(
        &self,
        session: &Session,
        name: &str,
        credentials: Credentials,
        config: IntegrationConfig,
        enabled: bool,
    ) -> anyhow::Result<Uuid> {
        let new = NewIntegration {
            name: name.into(),
            description: None,
            credentials,
            config,
        };
        let created = self.core.create_integration(session, new).await?;
        if enabled {
            self.core.enable_integration(session, created.id).await?;
        }
        Ok(created.id)
    }

    /// A new workspace with one (disabled) integration, for writes that bypass the engine: its
    /// rows collide with nothing already stored.
    pub async fn fresh_tenant(&self, label: &str, meta: bool) -> anyhow::Result<(Uuid, Uuid)> {
        let session = sign_up(&self.core, label).await?;
        let id = if meta {
            self.meta_integration(&session, false).await?
        } else {
            self.pancake_integration(&session, false).await?
        };
        Ok((session.tenant_id(), id))
    }

    /// "Sync now" through the real engine; fails unless the run succeeded.
    pub async fn sync(&self, id: Uuid) -> anyhow::Result<SyncRun> {
        let run = self
            .core
            .sync_integration(&self.session, id, "sync-bench")
            .await?;
        if run.outcome != SyncOutcome::Succeeded {
            bail!(
                "the sync ended {:?}: {}",
                run.outcome,
                run.error.unwrap_or_default()
            );
        }
        Ok(run)
    }

    /// Forgets what an integration's syncs stored and where they stopped, all but the rate limit
    /// they learned: its next sync backfills again, as a first sync does, under that limit.
    pub async fn forget_all_but_the_limit(&self, integration: Uuid) -> anyhow::Result<()> {
        let mut tx = self.store.postgres()?.pool().begin().await?;
        sqlx::query("SELECT set_config('app.tenant_id', $1, true)")
            .bind(self.session.tenant_id().to_string())
            .execute(&mut *tx)
            .await?;
        let forgotten = sqlx::query(
            "DELETE FROM sync_cursors WHERE integration_id = $1 AND stream <> 'pancake.limit'",
        )
        .bind(integration)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if forgotten == 0 {
            bail!("no checkpoint to forget: the bench cannot see the engine's cursors");
        }
        for table in ["pancake_orders", "pancake_stock", "pancake_variations"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE integration_id = $1"))
                .bind(integration)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Rows of `table` stored for one integration.
    pub async fn stored(
        &self,
        tenant: Uuid,
        integration: Uuid,
        table: SyncedTable,
    ) -> anyhow::Result<i64> {
        Ok(self
            .store
            .sync_store()
            .synced_count(tenant, integration, table)
            .await?)
    }
}

async fn sign_up(core: &Core, label: &str) -> anyhow::Result<Session> {
    Ok(core
        .sign_up(
            &format!("Bench {label}"),
            &format!("bench-{label}@example.vn"),
            &SecretString::from("bench mật khẩu 123"),
        )
        .await?
        .session)
}

/// What the engine reports when a run ends (`peak_concurrency`, `throttled` on its
/// "sync finished" event): the highest concurrency limit reached and the slow-down answers seen.
#[derive(Debug, Clone, Copy, Default)]
pub struct EngineFigures {
    pub peak_concurrency: u64,
    pub throttled: u64,
}

/// A tracing layer that keeps the figures of the last finished run.
#[derive(Clone, Default)]
pub struct LastRun(Arc<Mutex<Option<EngineFigures>>>);

impl LastRun {
    /// The figures of the run that finished last, cleared for the next one.
    pub fn take(&self) -> Option<EngineFigures> {
        self.0.lock().ok().and_then(|mut last| last.take())
    }
}

#[derive(Default)]
struct Figures {
    peak: Option<u64>,
    throttled: Option<u64>,
}

impl Visit for Figures {
    fn record_u64(&mut self, field: &Field, value: u64) {
        match field.name() {
            "peak_concurrency" => self.peak = Some(value),
            "throttled" => self.throttled = Some(value),
            _ => {}
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.record_u64(field, value.max(0) as u64);
    }

    fn record_debug(&mut self, _field: &Field, _value: &dyn std::fmt::Debug) {}
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for LastRun {
    fn on_event(&self, event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
        let mut figures = Figures::default();
        event.record(&mut figures);
        if let (Some(peak_concurrency), Some(throttled)) = (figures.peak, figures.throttled) {
            if let Ok(mut last) = self.0.lock() {
                *last = Some(EngineFigures {
                    peak_concurrency,
                    throttled,
                });
            }
        }
    }
}
