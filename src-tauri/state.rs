//! The one managed object: the core, the configuration it was opened with, and the session.
//!
//! Invariant: the token pair never leaves Rust memory. Commands get a verified [`Session`] from
//! [`AppState::session`], which refreshes the access token when it is about to expire (the
//! core's [`SessionKeeper`]); nothing that holds a token is `Serialize`, so it cannot be
//! returned to the webview by mistake.

use std::path::PathBuf;
use std::sync::Arc;

use integrations_core::runtime::{self, Scheduler, SessionKeeper};
use integrations_core::store::ClaimScope;
use integrations_core::workspace::JoinedWorkspace;
use integrations_core::{
    Core, CoreConfig, CoreError, CoreResult, DatabaseTarget, ErrorCode, ErrorPayload, LinkMode,
    ProviderGateway, Session, SignedIn, TokenPair,
};
use secrecy::ExposeSecret;
use serde::Serialize;
use tokio::sync::{watch, RwLock};
use ts_rs::TS;

/// What the first screen needs to know before anyone signs in.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct AppStatus {
    /// `standalone` (embedded SQLite) or `shared` (PostgreSQL).
    #[ts(type = "\"standalone\" | \"shared\"")]
    pub mode: String,
    /// No database was chosen yet: the UI asks embedded-or-shared first.
    pub first_run: bool,
    pub data_dir: String,
    /// Why the core could not be opened, if it could not.
    pub core_error: Option<ErrorPayload>,
    /// The shared workspace this computer joined with a connection code (nothing secret).
    pub workspace: Option<JoinedWorkspace>,
}

type OpenedCore = Result<Arc<Core>, ErrorPayload>;

pub struct AppState {
    /// The core, or why it could not be opened (bad configuration, database unreachable). The
    /// window still opens on failure, and every command answers with this payload.
    core: RwLock<OpenedCore>,
    config: RwLock<Option<CoreConfig>>,
    /// Whether the first-run question stands (see [`CoreConfig::is_first_run`]); cleared once
    /// a database is chosen.
    first_run: RwLock<bool>,
    /// Kept to open another database; unset for states built around a ready core (tests).
    providers: std::sync::OnceLock<Arc<dyn ProviderGateway>>,
    session: SessionKeeper,
    /// The core's background tasks (shared mode's link; the sync scheduler), replaced with
    /// the core.
    link: std::sync::Mutex<Vec<tauri::async_runtime::JoinHandle<()>>>,
    /// What the scheduler syncs: the signed-in workspace, or nothing.
    scheduled: watch::Sender<Option<ClaimScope>>,
    /// False while the core is still opening (the app opens it beside the web view's start
    /// rather than before the window): every call that needs it waits for this.
    ready: watch::Sender<bool>,
}

/// Starts the core's background work: shared mode's link, and the scheduler that syncs the
/// signed-in workspace's due integrations (every 30 s, and at once on "Sync now").
fn start_link(
    core: &OpenedCore,
    scope: watch::Receiver<Option<ClaimScope>>,
) -> Vec<tauri::async_runtime::JoinHandle<()>> {
    let Ok(core) = core.as_ref() else {
        return Vec::new();
    };
    let mut tasks = Vec::new();
    if let Some(shared) = core.shared_store() {
        tasks.push(tauri::async_runtime::spawn(shared.run()));
    }
    tasks.push(tauri::async_runtime::spawn(scheduler(core.clone(), scope)));
    tasks
}

/// Signing out (or switching workspace) stops claiming at once: the scope follows the session.
async fn scheduler(core: Arc<Core>, scope: watch::Receiver<Option<ClaimScope>>) {
    let mut scheduler = Scheduler::new(&core, runtime::worker_name("app"), scope)
        .parallel(2)
        .pause(std::time::Duration::from_secs(30));
    while let Some(round) = scheduler.next_round().await {
        match round {
            Ok(runs) if !runs.is_empty() => log::info!("synced {} integration(s)", runs.len()),
            Ok(_) => {}
            Err(err) if err.code() == ErrorCode::Offline => {}
            Err(err) => log::warn!("scheduled sync: {err}"),
        }
    }
}

/// The scheduler's scope while `tenant` is signed in.
fn workspace_scope(tenant: uuid::Uuid) -> ClaimScope {
    ClaimScope {
        tenant: Some(tenant),
        integration: None,
    }
}

impl Drop for AppState {
    fn drop(&mut self) {
        for task in self.link.lock().expect("link lock").drain(..) {
            task.abort();
        }
    }
}

impl AppState {
    pub fn new(core: Core) -> Self {
        Self::from_result(Ok(core))
    }

    /// Keeps the core, or why it could not be opened, which every command will then report.
    pub fn from_result(core: CoreResult<Core>) -> Self {
        let core = core.map(Arc::new).map_err(|err| err.payload());
        let (scheduled, scope) = watch::channel(None);
        Self {
            link: std::sync::Mutex::new(start_link(&core, scope)),
            scheduled,
            core: RwLock::new(core),
            config: RwLock::new(None),
            first_run: RwLock::new(false),
            providers: std::sync::OnceLock::new(),
            session: SessionKeeper::new(),
            ready: watch::Sender::new(true),
        }
    }

    /// Opens the core for `config` (which may fail: the state then reports why) and remembers
    /// the configuration so the database can be switched later.
    pub async fn open(config: CoreConfig, providers: Arc<dyn ProviderGateway>) -> Self {
        let state = Self::opening();
        state.finish_opening(Ok((config, providers))).await;
        state
    }

    /// A state whose core is not open yet: calls wait until [`Self::finish_opening`] is done.
    pub fn opening() -> Self {
        let state = Self::from_result(Err(CoreError::Configuration(
            "The app is still starting.".into(),
        )));
        state.ready.send_replace(false);
        state
    }

    /// Opens the core (or keeps why its configuration failed) and lets the waiting calls in.
    pub async fn finish_opening(&self, inputs: CoreResult<(CoreConfig, Arc<dyn ProviderGateway>)>) {
        match inputs {
            Err(err) => *self.core.write().await = Err(err.payload()),
            Ok((config, providers)) => {
                let first_run = config.is_first_run().await;
                let opened = config
                    .open(providers.clone())
                    .await
                    .map(Arc::new)
                    .map_err(|err| err.payload());
                let link = start_link(&opened, self.scheduled.subscribe());
                *self.link.lock().expect("link lock") = link;
                *self.core.write().await = opened;
                *self.config.write().await = Some(config);
                *self.first_run.write().await = first_run;
                let _ = self.providers.set(providers);
            }
        }
        self.ready.send_replace(true);
    }

    async fn opened(&self) {
        let mut ready = self.ready.subscribe();
        // The sender lives in `self`, so the wait cannot end in an error.
        let _ = ready.wait_for(|ready| *ready).await;
    }

    pub async fn core(&self) -> Result<Arc<Core>, ErrorPayload> {
        self.opened().await;
        self.core.read().await.clone()
    }

    pub async fn status(&self) -> AppStatus {
        self.opened().await;
        let config = self.config.read().await;
        // Only while the core in use is the joined workspace's: a DATABASE_URL from the
        // environment wins over a workspace joined here.
        let workspace = config
            .as_ref()
            .filter(|config| matches!(config.database, DatabaseTarget::Workspace))
            .and_then(|config| config.joined_workspace().ok().flatten());
        AppStatus {
            mode: config
                .as_ref()
                .map_or("standalone", CoreConfig::mode)
                .to_owned(),
            first_run: *self.first_run.read().await,
            data_dir: config
                .as_ref()
                .map(|config| config.data_dir.display().to_string())
                .unwrap_or_default(),
            core_error: self.core.read().await.as_ref().err().cloned(),
            workspace,
        }
    }

    /// Switches to another database: opens it first, and only then saves the choice, drops the
    /// old core and ends the session (it belonged to the other database).
    pub async fn switch_database(&self, next: CoreConfig) -> CoreResult<()> {
        let core = self.open_reachable(&next).await?;
        next.save_database_choice()?;
        self.install(core, next, false).await;
        Ok(())
    }

    /// Opens `next`'s core. Shared mode would open on an empty mirror whatever the server: one
    /// that does not answer now is more likely a wrong address than an outage, so it is refused.
    async fn open_reachable(&self, next: &CoreConfig) -> CoreResult<Core> {
        self.opened().await;
        let providers = self.providers.get().cloned().ok_or_else(|| {
            CoreError::Configuration("The database cannot be changed in this window.".into())
        })?;
        let core = next.open(providers).await?;
        if core.check_link().await == LinkMode::Offline {
            return Err(CoreError::DatabaseUnavailable);
        }
        Ok(core)
    }

    /// Joins a shared workspace with its connection code: the code is tried against its server
    /// and kept (keychain or private file) by the core, then the window switches to it. If the
    /// workspace's core cannot be opened after all, the code is forgotten again and the window
    /// stays where it was.
    pub async fn join_workspace(&self, code: &secrecy::SecretString) -> CoreResult<()> {
        let config = self.config().await.ok_or_else(|| {
            CoreError::Configuration("This window cannot join a workspace.".into())
        })?;
        if matches!(config.database, DatabaseTarget::Workspace) {
            return Err(CoreError::Validation(
                "This computer is already joined to a shared workspace: leave it first (Settings)."
                    .into(),
            ));
        }
        config.join(code).await?;
        let next = config.reloaded();
        match self.open_reachable(&next).await {
            Ok(core) => {
                self.install(core, next, false).await;
                Ok(())
            }
            Err(err) => {
                if let Err(forget) = next.leave() {
                    log::warn!("joining failed and its code could not be forgotten: {forget}");
                }
                Err(err)
            }
        }
    }

    /// Leaves the joined workspace: the session is signed out on the server, the code, key and
    /// mirror leave this computer, and the window comes back to its own database, or to the
    /// first-run choice if it never had one.
    pub async fn leave_workspace(&self) -> CoreResult<()> {
        let config = self.config().await.ok_or_else(|| {
            CoreError::Configuration("This window cannot leave a workspace.".into())
        })?;
        if !matches!(config.database, DatabaseTarget::Workspace) {
            return Err(CoreError::Validation(
                "This computer is not joined to a shared workspace.".into(),
            ));
        }
        // The session is signed out on the server and what this computer did offline reaches
        // it before the mirror goes; while the server is away and something would be lost, the
        // leave is refused and nothing changes (still joined, still signed in).
        if let Ok(core) = self.core().await {
            let refresh = self.session.refresh_token().await;
            core.settle_before_leaving(refresh.as_ref()).await?;
        }
        self.take_session().await;
        config.leave()?;
        let next = config.reloaded();
        // Unless this computer's own database was chosen (or holds a workspace), the first-run
        // choice comes back (to join another workspace).
        let first_run = next.is_first_run().await;
        let providers = self.providers.get().cloned().ok_or_else(|| {
            CoreError::Configuration("The database cannot be changed in this window.".into())
        })?;
        // The code is gone: whatever happens next, the window must not keep the workspace's core.
        let core = next.open(providers).await.map_err(|err| err.payload());
        self.install_result(core, next, first_run).await;
        Ok(())
    }

    async fn install(&self, core: Core, next: CoreConfig, first_run: bool) {
        self.install_result(Ok(core), next, first_run).await;
    }

    /// Puts `core` in use for `next`. The old workspace's session ends with the old database:
    /// nobody is signed in to the new one yet, so its scheduler starts idle.
    async fn install_result(
        &self,
        core: Result<Core, ErrorPayload>,
        next: CoreConfig,
        first_run: bool,
    ) {
        let core: OpenedCore = core.map(Arc::new);
        self.scheduled.send_replace(None);
        let link = start_link(&core, self.scheduled.subscribe());
        for old in std::mem::replace(&mut *self.link.lock().expect("link lock"), link) {
            old.abort();
        }
        *self.core.write().await = core;
        *self.config.write().await = Some(next);
        *self.first_run.write().await = first_run;
        self.session.take().await;
        self.scheduled.send_replace(None);
    }

    /// The preferences file: next to the data in use, or the store's default place.
    pub async fn preferences_file(&self) -> PathBuf {
        self.opened().await;
        match self.config.read().await.as_ref() {
            Some(config) => config.data_dir.join(crate::preferences::STORE_FILE),
            None => PathBuf::from(crate::preferences::STORE_FILE),
        }
    }

    pub async fn config(&self) -> Option<CoreConfig> {
        self.opened().await;
        self.config.read().await.clone()
    }

    /// Keeps a fresh sign-in, returning the token pair it replaces (to be revoked).
    pub async fn replace_session(&self, signed_in: SignedIn) -> Option<TokenPair> {
        if let Ok(core) = self.core().await {
            core.follow(Some(&signed_in.session));
        }
        self.scheduled
            .send_replace(Some(workspace_scope(signed_in.session.tenant_id())));
        self.session.replace(signed_in).await
    }

    /// The signed-in workspace, as it changes.
    pub fn signed_in_tenant(&self) -> watch::Receiver<Option<ClaimScope>> {
        self.scheduled.subscribe()
    }

    /// Whether someone is signed in (without refreshing anything).
    pub async fn is_signed_in(&self) -> bool {
        self.session.is_signed_in().await
    }

    /// Forgets the session, returning its tokens (to be revoked).
    pub async fn take_session(&self) -> Option<TokenPair> {
        match self.core().await {
            Ok(core) => self.stop_following(&core),
            Err(_) => {
                self.scheduled.send_replace(None);
            }
        }
        self.session.take().await
    }

    /// The signed-in session, refreshed first if the access token is expired or about to be.
    /// A session the core ends (refused, or ended on the server) stops the scheduler too.
    pub async fn session(&self) -> Result<Session, ErrorPayload> {
        let core = self.core().await?;
        match self.session.session(&core).await {
            Ok(session) => Ok(session),
            Err(err) => {
                if runtime::ends_session(&err) && !self.session.is_signed_in().await {
                    self.stop_following(&core);
                }
                Err(err.payload())
            }
        }
    }

    /// Ends the held session if the server ended it (a sign-out on another computer, a reuse
    /// detected there), as the mirror's last pull says: the scheduler stops syncing for it at
    /// once, and the window's next look at the session finds nobody signed in (the sign-in
    /// screen). Whether it did.
    pub async fn end_session_ended_elsewhere(&self) -> bool {
        let (Ok(core), Some(held)) = (self.core().await, self.session.refresh_token().await) else {
            return false;
        };
        if !core.session_ended(&held).await {
            return false;
        }
        // Only that session: someone may have signed in again meanwhile.
        let still_held = self.session.refresh_token().await;
        if still_held.is_some_and(|token| token.expose_secret() == held.expose_secret()) {
            self.take_session().await;
            return true;
        }
        false
    }

    fn stop_following(&self, core: &Core) {
        core.follow(None);
        self.scheduled.send_replace(None);
    }
}

/// The core's configuration from the environment and the app's saved database choice, with the
/// data directory defaulting to the app's own (`$XDG_DATA_HOME/vn.integrationmanager.desktop` on
/// Linux) rather than the CLI's.
pub fn app_config(app_data_dir: impl FnOnce() -> CoreResult<PathBuf>) -> CoreResult<CoreConfig> {
    let mut config = CoreConfig::from_env()?;
    let dir_from_env = std::env::var_os("INTEGRATIONS_DATA_DIR").is_some_and(|dir| !dir.is_empty());
    if !dir_from_env {
        config = config.with_data_dir(app_data_dir()?);
    }
    config.apply_saved_database()?;
    Ok(config)
}
