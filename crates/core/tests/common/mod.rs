//! Test harness: a real PostgreSQL database per test (as an ordinary role, so row-level security
//! applies) and a real SQLite file per test. `TEST_DATABASE_URL` names the server's maintenance
//! database; `scripts/test.sh` sets it up.
#![allow(dead_code)]

pub mod databases;
pub mod own_postgres;
pub mod report_rows;

pub use databases::{drop_database_and_roles, fresh_postgres_url};

use std::sync::Arc;

use async_trait::async_trait;
use integrations_core::analytics::assignment::{
    AssignmentChoice, Campaign, CampaignAssignment, StoreShare,
};
use integrations_core::analytics::{Report, ReportGrouping, ReportQuery, ReportRowKind};
use integrations_core::store::{PostgresStore, SqliteStore, Store, SyncBatch, SyncStore};
use integrations_core::{
    ConnectionCheck, Core, CoreConfig, CoreError, Credentials, DiscoveredAdAccount, DiscoveredShop,
    IntegrationConfig, NewIntegration, ProviderFailure, ProviderGateway, Session, SyncOutcome,
    SyncRun,
};
use integrations_fake_servers::{start_meta, start_pancake, FakeConfig, FakeMeta, FakePancake};
use integrations_providers::{AdInsightRow, HttpSettings, MetaClient, PancakeClient, PancakeOrder};
use secrecy::SecretString;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

/// A provider gateway for tests that must not reach any provider.
pub struct NoProviderCalls;

#[async_trait]
impl ProviderGateway for NoProviderCalls {
    async fn test_connection(
        &self,
        _credentials: &Credentials,
        _config: &IntegrationConfig,
    ) -> Result<ConnectionCheck, ProviderFailure> {
        panic!("this test must not call a provider")
    }

    async fn discover_shops(
        &self,
        _api_key: &SecretString,
    ) -> Result<Vec<DiscoveredShop>, ProviderFailure> {
        panic!("this test must not call a provider")
    }

    async fn discover_ad_accounts(
        &self,
        _access_token: &SecretString,
    ) -> Result<Vec<DiscoveredAdAccount>, ProviderFailure> {
        panic!("this test must not call a provider")
    }
}

/// A test environment whose core talks, through the real clients, to fake Pancake and Graph
/// servers on 127.0.0.1, with a signed-in workspace.
pub struct WithFakes {
    pub env: TestEnv,
    pub pancake: FakePancake,
    pub meta: FakeMeta,
    pub session: Session,
}

/// A number in a request's query string (numbers need no decoding).
pub fn query_number(query: &str, name: &str) -> Option<i64> {
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))?
        .parse()
        .ok()
}

pub fn fast_http() -> HttpSettings {
    HttpSettings {
        base_backoff: std::time::Duration::from_millis(1),
        max_backoff: std::time::Duration::from_millis(5),
        ..HttpSettings::default()
    }
}

/// Ten orders a shop over three days: enough for the tests that only need some data.
pub fn a_little_data() -> FakeConfig {
    FakeConfig {
        orders_per_shop: 10,
        days: 3,
        ..FakeConfig::default()
    }
}

pub async fn with_fakes(backend: Backend) -> WithFakes {
    with_fake_config(backend, a_little_data()).await
}

/// [`with_fakes`] with fakes that serve `config` (their data, latency, failures).
pub async fn with_fake_config(backend: Backend, config: FakeConfig) -> WithFakes {
    let (pancake, meta, providers) = fake_providers(config).await;
    let env = TestEnv::with_providers(backend, providers).await;
    let session = env.sign_up_owner().await;
    WithFakes {
        env,
        pancake,
        meta,
        session,
    }
}

/// A few orders and days of data that end now, so a sync "up to now" covers them.
pub fn data_up_to_now() -> FakeConfig {
    FakeConfig {
        orders_per_shop: 5,
        days: 3,
        end_time: chrono::Utc::now() - chrono::Duration::minutes(1),
        ..FakeConfig::default()
    }
}

/// The fake Pancake and Graph servers, both serving `config`.
pub async fn start_fakes(config: FakeConfig) -> (FakePancake, FakeMeta) {
    let pancake = start_pancake(config.clone()).await.unwrap();
    (pancake, start_meta(config).await.unwrap())
}

/// The fake Pancake and Graph servers serving `config`, and the real clients pointed at them.
pub async fn fake_providers(
    config: FakeConfig,
) -> (
    FakePancake,
    FakeMeta,
    Arc<integrations_core::gateway::HttpProviders>,
) {
    let (pancake, meta) = start_fakes(config).await;
    let providers = providers_for(&pancake, &meta);
    (pancake, meta, providers)
}

/// The real clients, with `http`, pointed at these fake servers.
pub fn clients_for(
    pancake: &FakePancake,
    meta: &FakeMeta,
    http: HttpSettings,
) -> integrations_core::gateway::HttpProviders {
    integrations_core::gateway::HttpProviders {
        pancake: PancakeClient::new(&pancake.base_url, http.clone()).unwrap(),
        meta: MetaClient::new(&meta.base_url, "v27.0", http).unwrap(),
    }
}

/// The real clients pointed at these fake servers, retrying at once.
pub fn providers_for(
    pancake: &FakePancake,
    meta: &FakeMeta,
) -> Arc<integrations_core::gateway::HttpProviders> {
    Arc::new(clients_for(pancake, meta, fast_http()))
}

/// A joined installation's core, reopened as the app does after `join`, online.
pub async fn open_joined(config: &CoreConfig, providers: Arc<dyn ProviderGateway>) -> Core {
    let core = config.reloaded().open(providers).await.unwrap();
    assert_eq!(core.check_link().await, integrations_core::LinkMode::Online);
    core
}

/// Credentials of the config's provider, for tests that never call it.
pub fn unused_credentials(config: &IntegrationConfig) -> Credentials {
    match config {
        IntegrationConfig::PancakePos { .. } => Credentials::pancake(SecretString::from("pk_test")),
        IntegrationConfig::MetaAds { .. } => Credentials::meta(SecretString::from("EAAB_test")),
    }
}

/// The SQLSTATE of a database error.
pub fn sql_state(err: &sqlx::Error) -> Option<String> {
    err.as_database_error()
        .and_then(|db| db.code())
        .map(|code| code.into_owned())
}

/// Each statement is refused on `conn` for want of privilege (SQLSTATE 42501).
pub async fn assert_each_refused(conn: &mut sqlx::PgConnection, statements: &[impl AsRef<str>]) {
    for statement in statements {
        let statement = statement.as_ref();
        let err = sqlx::query(statement)
            .execute(&mut *conn)
            .await
            .unwrap_err();
        assert_no_privilege(&err, statement);
    }
}

/// A sign-in `core` must refuse: its error.
pub async fn refused_sign_in(core: &Core, email: &str, password: &str) -> CoreError {
    core.sign_in(email, &SecretString::from(password))
        .await
        .unwrap_err()
}

/// The error is a refusal for want of privilege (SQLSTATE 42501); `what` was refused.
#[track_caller]
pub fn assert_no_privilege(err: &sqlx::Error, what: &str) {
    assert_eq!(sql_state(err).as_deref(), Some("42501"), "{what}: {err}");
}

/// An integration to create (no description).
pub fn new_integration(
    name: &str,
    credentials: Credentials,
    config: IntegrationConfig,
) -> NewIntegration {
    NewIntegration {
        name: name.into(),
        description: None,
        credentials,
        config,
    }
}

/// A Pancake store to create (no description), with its API key.
pub fn new_pancake(name: &str, shop_id: &str, key: &str) -> NewIntegration {
    new_integration(
        name,
        Credentials::pancake(SecretString::from(key)),
        pancake(shop_id),
    )
}

/// `integration` with a description.
pub fn described(integration: NewIntegration, description: &str) -> NewIntegration {
    NewIntegration {
        description: Some(description.into()),
        ..integration
    }
}

/// A Meta ad account to create (no description), with its token.
pub fn new_meta(name: &str, ad_account_id: &str, token: &str) -> NewIntegration {
    new_integration(
        name,
        Credentials::meta(SecretString::from(token)),
        meta_ads(ad_account_id),
    )
}

/// `update` (made on a version older than `kept`'s) is refused as a stale edit, and `kept`, the
/// integration as last saved, is stored still.
pub async fn assert_stale_edit_loses_nothing(
    core: &Core,
    session: &Session,
    kept: &integrations_core::Integration,
    update: integrations_core::IntegrationUpdate,
) {
    let err = core
        .update_integration(session, kept.id, update)
        .await
        .unwrap_err();
    assert_eq!(err.code(), integrations_core::ErrorCode::StaleEdit);
    assert_eq!(&core.get_integration(session, kept.id).await.unwrap(), kept);
}

/// A Pancake POS store's configuration.
pub fn pancake(shop_id: &str) -> IntegrationConfig {
    IntegrationConfig::PancakePos {
        shop_id: shop_id.into(),
    }
}

/// A Meta ad account's configuration.
pub fn meta_ads(ad_account_id: &str) -> IntegrationConfig {
    IntegrationConfig::MetaAds {
        ad_account_id: ad_account_id.into(),
    }
}

/// Pancake orders of shop `shop_id`, written for `integration` as a sync writes them.
pub async fn write_orders<S: SyncStore + ?Sized>(
    store: &S,
    tenant: uuid::Uuid,
    integration: uuid::Uuid,
    shop_id: i64,
    orders: &[PancakeOrder],
) {
    store
        .write_batch(
            tenant,
            integration,
            SyncBatch::Orders { shop_id, orders },
            None,
        )
        .await
        .unwrap();
}

/// Meta's insights in đồng, written for the ad account `meta` as a sync writes them.
pub async fn write_insights<S: SyncStore + ?Sized>(
    store: &S,
    tenant: uuid::Uuid,
    meta: uuid::Uuid,
    rows: &[AdInsightRow],
) {
    store
        .write_batch(
            tenant,
            meta,
            SyncBatch::Insights {
                currency: "VND",
                rows,
            },
            None,
        )
        .await
        .unwrap();
}

/// A campaign's (or ad set's) spend split among stores, in basis points.
pub fn store_shares(list: &[(uuid::Uuid, u32)]) -> AssignmentChoice {
    AssignmentChoice::Stores {
        shares: list
            .iter()
            .map(|&(store, basis_points)| StoreShare {
                store,
                basis_points,
            })
            .collect(),
    }
}

/// The report fixtures' range, 2026-11-01 … 2026-11-03, of all stores or one.
pub fn report_query(by: ReportGrouping, store: Option<uuid::Uuid>) -> ReportQuery {
    ReportQuery {
        from: "2026-11-01".parse().unwrap(),
        to: "2026-11-03".parse().unwrap(),
        store,
        by,
        time_zone: None,
    }
}

/// A transaction on `pool` as the workspace `tenant`, as the app's own connections choose it:
/// row-level security applies.
pub async fn tenant_tx(
    pool: &sqlx::PgPool,
    tenant: impl ToString,
) -> sqlx::Transaction<'static, sqlx::Postgres> {
    tx_setting(pool, "app.tenant_id", &tenant.to_string()).await
}

/// A transaction on `pool` that sees every workspace's rows: the test role owns the schema, a
/// trusted session, and may ask for them all.
pub async fn all_tenants_tx(pool: &sqlx::PgPool) -> sqlx::Transaction<'static, sqlx::Postgres> {
    tx_setting(pool, "app.all_tenants", "on").await
}

/// A transaction on `pool` with the session variable `name` set for its length only.
async fn tx_setting(
    pool: &sqlx::PgPool,
    name: &str,
    value: &str,
) -> sqlx::Transaction<'static, sqlx::Postgres> {
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("SELECT set_config($1, $2, true)")
        .bind(name)
        .bind(value)
        .execute(&mut *tx)
        .await
        .unwrap();
    tx
}

/// One app (or CLI) installation in shared mode: its own data directory, hence its own mirror.
pub async fn shared_client(url: &str, data_dir: &std::path::Path, master_key: &str) -> Core {
    let mut config = CoreConfig::standalone(data_dir.to_path_buf());
    config.database = integrations_core::DatabaseTarget::Postgres {
        url: SecretString::from(url.to_owned()),
    };
    config.master_key = Some(SecretString::from(master_key.to_owned()));
    config.open(Arc::new(NoProviderCalls)).await.unwrap()
}

pub struct TestEnv {
    pub core: Core,
    pub backend: Backend,
    pub pg: Option<PostgresStore>,
    pub sqlite: Option<SqliteStore>,
    pub config: CoreConfig,
    pub dir: tempfile::TempDir,
}

impl TestEnv {
    pub async fn new(backend: Backend) -> Self {
        Self::with_providers(backend, Arc::new(NoProviderCalls)).await
    }

    pub async fn with_providers(backend: Backend, providers: Arc<dyn ProviderGateway>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut config = CoreConfig::standalone(dir.path().to_path_buf());
        let (pg, sqlite) = match backend {
            Backend::Postgres => {
                let url = fresh_postgres_url().await;
                config.database = integrations_core::DatabaseTarget::Postgres {
                    url: SecretString::from(url.clone()),
                };
                let master = integrations_core::crypto::MasterKey::generate();
                config.master_key = Some(SecretString::from(master.to_base64().to_string()));
                (Some(PostgresStore::connect(&url).await.unwrap()), None)
            }
            Backend::Sqlite => (None, None),
        };
        let core = config.open(providers).await.unwrap();
        if backend == Backend::Postgres {
            // Shared mode starts on its mirror until the server answers; find it now.
            assert_eq!(core.check_link().await, integrations_core::LinkMode::Online);
        }
        // A second handle on the same file, opened after the core made it (and its key).
        let sqlite = match backend {
            Backend::Sqlite => {
                let path = dir.path().join(integrations_core::config::DATABASE_FILE);
                Some(SqliteStore::open(&path).await.unwrap())
            }
            Backend::Postgres => sqlite,
        };
        Self {
            core,
            backend,
            pg,
            sqlite,
            config,
            dir,
        }
    }

    /// Creates an integration as the UI would; returns its id.
    pub async fn create_integration(
        &self,
        session: &Session,
        name: &str,
        credentials: Credentials,
        config: IntegrationConfig,
    ) -> uuid::Uuid {
        self.core
            .create_integration(session, new_integration(name, credentials, config))
            .await
            .unwrap()
            .id
    }

    /// Creates an integration and enables it (only enabled integrations sync); returns its id.
    pub async fn create_enabled_integration(
        &self,
        session: &Session,
        integration: NewIntegration,
    ) -> uuid::Uuid {
        let id = self
            .core
            .create_integration(session, integration)
            .await
            .unwrap()
            .id;
        self.core.enable_integration(session, id).await.unwrap();
        id
    }

    /// Syncs `integration` once as the test worker; the run must succeed.
    pub async fn sync_succeeded(&self, session: &Session, integration: uuid::Uuid) -> SyncRun {
        let run = self
            .core
            .sync_integration(session, integration, "test-worker")
            .await
            .unwrap();
        assert_eq!(run.outcome, SyncOutcome::Succeeded, "{:?}", run.error);
        run
    }

    /// Creates each named integration with credentials no test calls with, in order.
    pub async fn create_integrations<const N: usize>(
        &self,
        session: &Session,
        list: [(&str, IntegrationConfig); N],
    ) -> [uuid::Uuid; N] {
        let mut ids = Vec::with_capacity(N);
        for (name, config) in list {
            let credentials = unused_credentials(&config);
            ids.push(
                self.create_integration(session, name, credentials, config)
                    .await,
            );
        }
        ids.try_into().unwrap()
    }

    /// Spends `campaign` (or one of its ad sets) on stores as `choice` says.
    pub async fn assign_campaign(
        &self,
        session: &Session,
        campaign: &str,
        adset: Option<&str>,
        choice: AssignmentChoice,
    ) -> integrations_core::CoreResult<Campaign> {
        self.core
            .assign_campaign(
                session,
                CampaignAssignment {
                    campaign_id: campaign.into(),
                    adset_id: adset.map(str::to_string),
                    choice,
                    expected_version: None,
                },
            )
            .await
    }

    /// The shop's owner signs up: the workspace most tests start from.
    pub async fn sign_up_owner(&self) -> Session {
        self.core
            .sign_up(
                "Shop thời trang",
                "chu@shop.vn",
                &SecretString::from("mật khẩu 123"),
            )
            .await
            .unwrap()
            .session
    }

    /// A second workspace on the same database, with no data of its own.
    pub async fn sign_up_other(&self) -> Session {
        self.core
            .sign_up(
                "Cửa hàng khác",
                "khac@shop.vn",
                &SecretString::from("mật khẩu 456"),
            )
            .await
            .unwrap()
            .session
    }

    pub fn store(&self) -> &dyn Store {
        match (&self.pg, &self.sqlite) {
            (Some(pg), _) => pg,
            (_, Some(sqlite)) => sqlite,
            _ => unreachable!(),
        }
    }

    /// Every text value of every row of a table, as one string: for "is the secret anywhere?"
    pub async fn dump_table(&self, table: &str) -> String {
        match self.backend {
            Backend::Postgres => {
                let pool = self.pg.as_ref().unwrap().pool();
                let mut conn = pool.acquire().await.unwrap();
                // Disable RLS for this dump only: the test role owns the tables, and owners may
                // ALTER their tables. This proves what is physically stored, not what RLS shows.
                sqlx::query("BEGIN").execute(&mut *conn).await.unwrap();
                sqlx::query(&format!("ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY"))
                    .execute(&mut *conn)
                    .await
                    .unwrap();
                sqlx::query(&format!("ALTER TABLE {table} DISABLE ROW LEVEL SECURITY"))
                    .execute(&mut *conn)
                    .await
                    .unwrap();
                let rows: Vec<(String,)> =
                    sqlx::query_as(&format!("SELECT t::text FROM {table} t"))
                        .fetch_all(&mut *conn)
                        .await
                        .unwrap();
                sqlx::query("ROLLBACK").execute(&mut *conn).await.unwrap();
                rows.into_iter()
                    .map(|(row,)| row)
                    .collect::<Vec<_>>()
                    .join("\n")
            }
            Backend::Sqlite => {
                let pool = self.sqlite.as_ref().unwrap().pool();
                let columns = sqlite_columns(pool, table).await;
                let concat = columns
                    .iter()
                    .map(|(name,)| format!("coalesce(CAST({name} AS TEXT), '')"))
                    .collect::<Vec<_>>()
                    .join(" || '|' || ");
                let rows: Vec<(String,)> = sqlx::query_as(&format!("SELECT {concat} FROM {table}"))
                    .fetch_all(pool)
                    .await
                    .unwrap();
                rows.into_iter()
                    .map(|(row,)| row)
                    .collect::<Vec<_>>()
                    .join("\n")
            }
        }
    }

    /// Every stored column of a synced table's rows for one integration, but the tenant, the
    /// integration and the replication stamps: one `|`-joined text per row, keyed by the
    /// `key` column's text. Two integrations' rows compare field by field this way.
    pub async fn synced_rows(
        &self,
        tenant: uuid::Uuid,
        integration: uuid::Uuid,
        table: &str,
        key: &str,
    ) -> std::collections::BTreeMap<String, String> {
        // `changed_at` (PostgreSQL's stock lines) is when a line was written, like the stamps.
        const SKIPPED: [&str; 5] = [
            "tenant_id",
            "integration_id",
            "row_version",
            "write_xid",
            "changed_at",
        ];
        // The compared columns, each as text in the dialect's `cast` ('∅' for NULL), joined.
        let row_text = |columns: Vec<(String,)>, cast: &dyn Fn(&str) -> String| {
            columns
                .into_iter()
                .map(|(name,)| name)
                .filter(|name| !SKIPPED.contains(&name.as_str()))
                .map(|name| format!("coalesce({}, '∅')", cast(&name)))
                .collect::<Vec<_>>()
                .join(" || '|' || ")
        };
        let (columns, cast): (_, &dyn Fn(&str) -> String) = match self.backend {
            Backend::Postgres => (
                pg_columns(self.pg.as_ref().unwrap().pool(), table).await,
                &|name| format!("{name}::text"),
            ),
            Backend::Sqlite => (
                sqlite_columns(self.sqlite.as_ref().unwrap().pool(), table).await,
                &|name| format!("CAST({name} AS TEXT)"),
            ),
        };
        let select = format!(
            "SELECT {}, {} FROM {table}",
            cast(key),
            row_text(columns, cast)
        );
        let rows: Vec<(String, String)> = self
            .integration_rows(
                tenant,
                integration,
                &format!("{select} WHERE integration_id = $1"),
                &format!("{select} WHERE tenant_id = ? AND integration_id = ?"),
            )
            .await;
        rows.into_iter().collect()
    }

    /// Rows about `integration`, read as the workspace `tenant`: `postgres` binds the
    /// integration (in a transaction as the workspace, so row-level security applies),
    /// `sqlite` the tenant and then the integration.
    pub async fn integration_rows<T>(
        &self,
        tenant: uuid::Uuid,
        integration: uuid::Uuid,
        postgres: &str,
        sqlite: &str,
    ) -> Vec<T>
    where
        T: Send
            + Unpin
            + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
            + for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>,
    {
        match self.backend {
            Backend::Postgres => {
                let mut tx = self.pg_tenant_tx(tenant).await;
                let rows = sqlx::query_as(postgres)
                    .bind(integration)
                    .fetch_all(&mut *tx)
                    .await
                    .unwrap();
                tx.rollback().await.unwrap();
                rows
            }
            Backend::Sqlite => sqlx::query_as(sqlite)
                .bind(tenant.to_string())
                .bind(integration.to_string())
                .fetch_all(self.sqlite.as_ref().unwrap().pool())
                .await
                .unwrap(),
        }
    }

    /// A transaction on the PostgreSQL database as `tenant`, so row-level security applies.
    pub async fn pg_tenant_tx(
        &self,
        tenant: uuid::Uuid,
    ) -> sqlx::Transaction<'static, sqlx::Postgres> {
        tenant_tx(self.pg.as_ref().unwrap().pool(), tenant).await
    }

    /// Runs raw SQL as the tenant (for tests that tamper with stored rows).
    pub async fn exec_as_tenant(&self, tenant: uuid::Uuid, sql: &str) {
        match self.backend {
            Backend::Postgres => {
                let mut tx = self.pg_tenant_tx(tenant).await;
                sqlx::query(sql).execute(&mut *tx).await.unwrap();
                tx.commit().await.unwrap();
            }
            Backend::Sqlite => {
                sqlx::query(sql)
                    .execute(self.sqlite.as_ref().unwrap().pool())
                    .await
                    .unwrap();
            }
        }
    }
}

/// The columns of a PostgreSQL table, in their declared order.
async fn pg_columns(pool: &sqlx::PgPool, table: &str) -> Vec<(String,)> {
    sqlx::query_as(
        "SELECT column_name::text FROM information_schema.columns \
         WHERE table_name = $1 AND table_schema = current_schema() \
         ORDER BY ordinal_position",
    )
    .bind(table)
    .fetch_all(pool)
    .await
    .unwrap()
}

/// The columns of a SQLite table, in their declared order.
async fn sqlite_columns(pool: &sqlx::SqlitePool, table: &str) -> Vec<(String,)> {
    sqlx::query_as(&format!("SELECT name FROM pragma_table_info('{table}')"))
        .fetch_all(pool)
        .await
        .unwrap()
}

/// Runs each listed async test function once per backend, as `postgres::name` and
/// `sqlite::name`.
#[macro_export]
macro_rules! on_both_stores {
    ($($name:ident),* $(,)?) => {
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::common::Backend::Postgres).await
                }
            )*
        }
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::common::Backend::Sqlite).await
                }
            )*
        }
    };
}

/// "worker-two" takes over a run whose worker was cut off: its lease is made to run out rather
/// than waited for. A statement of the cut-off run already on its way may still land after the
/// expiry (as with a real crash): then the lease is expired again, up to five times.
pub async fn take_over_the_run(
    env: &TestEnv,
    session: &Session,
    id: uuid::Uuid,
) -> integrations_core::SyncRun {
    let mut attempts = 0;
    loop {
        expire_leases(env).await;
        match env.core.sync_integration(session, id, "worker-two").await {
            Err(err) if err.code() == integrations_core::ErrorCode::Conflict && attempts < 5 => {
                attempts += 1;
            }
            other => break other.unwrap_or_else(|err| panic!("the resumed run failed: {err:?}")),
        }
    }
}

/// Ends every sync lease now, as if the workers holding them had died long ago.
pub async fn expire_leases(env: &TestEnv) {
    let past = chrono::Utc::now() - chrono::Duration::hours(1);
    match env.backend {
        Backend::Postgres => {
            // Every workspace's jobs.
            let mut tx = all_tenants_tx(env.pg.as_ref().unwrap().pool()).await;
            sqlx::query("UPDATE sync_jobs SET lease_until = $1 WHERE lease_until IS NOT NULL")
                .bind(past)
                .execute(&mut *tx)
                .await
                .unwrap();
            tx.commit().await.unwrap();
        }
        Backend::Sqlite => {
            sqlx::query("UPDATE sync_jobs SET lease_until = ? WHERE lease_until IS NOT NULL")
                .bind(past.to_rfc3339_opts(chrono::SecondsFormat::Micros, true))
                .execute(env.sqlite.as_ref().unwrap().pool())
                .await
                .unwrap();
        }
    }
}

/// A shared server as an operator makes it: a fresh database, `admin init` run by the test role
/// (the schema owner, with CREATEROLE) and a master key. Roles are cluster-wide, so
/// [`SharedServer::cleanup`] drops the database and then every role made for it (their names
/// start with the database's name); `scripts/test.sh` sweeps those of a test that panicked.
pub struct SharedServer {
    pub url: String,
    pub database: String,
    pub master: integrations_core::crypto::MasterKey,
    pub admin: integrations_core::admin::Admin,
    pub server_url: SecretString,
}

impl SharedServer {
    /// A worker's core, in a data directory of its own: the server role's URL from
    /// `admin init` and the master key. No migration rights, no sign-in.
    pub async fn worker(&self, providers: Arc<dyn ProviderGateway>) -> (Core, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let mut config = CoreConfig::standalone(dir.path().to_path_buf());
        config.database = integrations_core::DatabaseTarget::Postgres {
            url: self.server_url.clone(),
        };
        config.master_key = Some(SecretString::from(self.master.to_base64().to_string()));
        (config.open(providers).await.unwrap(), dir)
    }

    pub async fn new() -> Self {
        let url = fresh_postgres_url().await;
        let database = url.rsplit('/').next().unwrap().to_owned();
        let master = integrations_core::crypto::MasterKey::generate();
        let admin = integrations_core::admin::Admin::connect(
            &SecretString::from(url.clone()),
            master.clone(),
        )
        .await
        .unwrap();
        let report = admin.init(Default::default()).await.unwrap();
        assert_eq!(report.role_prefix, database);
        Self {
            url,
            database,
            master,
            admin,
            server_url: report
                .server_url
                .expect("a first init makes the server role"),
        }
    }

    /// Creates a workspace and returns its code.
    pub async fn workspace(
        &self,
        name: &str,
        email: &str,
    ) -> integrations_core::admin::IssuedAccess {
        self.admin
            .create_workspace(name, email, &SecretString::from("mật khẩu 123"))
            .await
            .unwrap()
    }

    /// Drops the database and the roles made for it. Every pool on it must be closed first.
    pub async fn cleanup(self) {
        drop(self.admin);
        drop_database_and_roles(&self.database).await;
    }
}
