//! What each operation of `operations.rs` does in the app: each function takes the state (and
//! the app, which few need), gets the session, calls one core function and maps the error to an
//! [`ErrorPayload`]. Secrets (passwords, API keys, tokens, a database URL, a master key) arrive
//! as `SecretString`s and nothing returned here holds one.
//!
//! The `#[tauri::command]`s themselves are generated from the list at the end of this file.

use integrations_core::alerts::{Alert, AlertList, AlertSettings};
use integrations_core::analytics::assignment::{Campaign, CampaignAssignment};
use integrations_core::analytics::{Report, ReportQuery};
use integrations_core::store::webhooks::DeliveryRecord;
use integrations_core::{
    Account, ConflictChoice, ConnectOutcome, ConnectionTestResult, Connectivity, Core, CoreError,
    CoreResult, ErrorCode, ErrorPayload, Integration, IntegrationId, IntegrationPatch,
    RealtimeOrders, Session, SignedIn, SyncProgress, SyncRun, SyncSchedule,
};
use secrecy::SecretString;
use tauri::{AppHandle, Runtime};

use crate::first_screen::PageTimings;
use crate::preferences::{self, Preferences};
use crate::state::{AppState, AppStatus};
use crate::system::{self, About};
use crate::updates::{AvailableUpdate, Updates};

type CommandResult<T> = Result<T, ErrorPayload>;

fn payload(err: CoreError) -> ErrorPayload {
    err.payload()
}

/// Runs one core call as the window's signed-in user; its error becomes the window's payload.
async fn as_signed_in<T>(
    state: &AppState,
    call: impl AsyncFnOnce(&Core, &Session) -> CoreResult<T>,
) -> CommandResult<T> {
    let core = state.core().await?;
    let session = state.session().await?;
    call(&core, &session).await.map_err(payload)
}

/// Keeps a new sign-in and answers with its account. A previous session in this window is
/// revoked on the way; failing to revoke it must not fail the new sign-in.
async fn start_session<R: Runtime>(
    app: &AppHandle<R>,
    state: &AppState,
    core: &Core,
    signed_in: SignedIn,
) -> CommandResult<Account> {
    let session = signed_in.session.clone();
    if let Some(previous) = state.replace_session(signed_in).await {
        let _ = core.sign_out(&previous.refresh_token).await;
    }
    preferences::remember_email(app, &state.preferences_file().await, session.email());
    core.current_account(&session).await.map_err(payload)
}

pub async fn app_status(state: &AppState, _: &AppHandle<impl Runtime>) -> CommandResult<AppStatus> {
    Ok(state.status().await)
}

/// The page rendered its first screen (it says so once per load): the window, created hidden,
/// shows now if it was waiting for this, and the page's timings go to the log.
pub async fn first_screen_ready(
    _: &AppState,
    app: &AppHandle<impl Runtime>,
    timings: PageTimings,
) -> CommandResult<()> {
    crate::first_screen::first_screen_ready(app, timings);
    Ok(())
}

/// First run or settings: the embedded database (`postgresUrl: null`) or a shared PostgreSQL.
/// The new database is opened before the choice is saved, so a wrong URL changes nothing.
pub async fn configure_database(
    state: &AppState,
    _: &AppHandle<impl Runtime>,
    postgres_url: Option<SecretString>,
    master_key: Option<SecretString>,
) -> CommandResult<AppStatus> {
    let config = state.config().await.ok_or_else(|| {
        payload(CoreError::Configuration(
            "The database cannot be changed in this window.".into(),
        ))
    })?;
    let next = config
        .with_database_choice(postgres_url, master_key)
        .map_err(payload)?;
    state.switch_database(next).await.map_err(payload)?;
    Ok(state.status().await)
}

/// First run: joins the shared workspace whose connection code the operator gave (pasted, or
/// read from its file by the UI). The code is tried against its server before anything is kept;
/// a damaged code, a revoked or rotated access, or a server that does not answer changes
/// nothing. Nobody is signed in afterwards: users sign in with their email and password.
pub async fn join_workspace(
    state: &AppState,
    _: &AppHandle<impl Runtime>,
    code: SecretString,
) -> CommandResult<AppStatus> {
    state.join_workspace(&code).await.map_err(payload)?;
    Ok(state.status().await)
}

/// Settings: signs out, removes the workspace's code, key and local copy from this computer,
/// and comes back to this computer's own database (or the first-run choice).
pub async fn leave_workspace(
    state: &AppState,
    _: &AppHandle<impl Runtime>,
) -> CommandResult<AppStatus> {
    state.leave_workspace().await.map_err(payload)?;
    Ok(state.status().await)
}

pub async fn get_preferences(
    state: &AppState,
    app: &AppHandle<impl Runtime>,
) -> CommandResult<Preferences> {
    Ok(preferences::load(app, &state.preferences_file().await))
}

pub async fn set_preferences(
    state: &AppState,
    app: &AppHandle<impl Runtime>,
    preferences: Preferences,
) -> CommandResult<Preferences> {
    let file = state.preferences_file().await;
    preferences::save(app, &file, &preferences).map_err(payload)?;
    Ok(preferences::load(app, &file))
}

/// Creates a workspace and its owner, and signs the owner in.
pub async fn sign_up(
    state: &AppState,
    app: &AppHandle<impl Runtime>,
    tenant_name: String,
    email: String,
    password: SecretString,
) -> CommandResult<Account> {
    let core = state.core().await?;
    let signed_in = core
        .sign_up(&tenant_name, &email, &password)
        .await
        .map_err(payload)?;
    start_session(app, state, &core, signed_in).await
}

pub async fn sign_in(
    state: &AppState,
    app: &AppHandle<impl Runtime>,
    email: String,
    password: SecretString,
) -> CommandResult<Account> {
    let core = state.core().await?;
    let signed_in = core.sign_in(&email, &password).await.map_err(payload)?;
    start_session(app, state, &core, signed_in).await
}

/// Forgets the session and revokes its refresh token. Signing out when signed out is not an error.
pub async fn sign_out(state: &AppState, _: &AppHandle<impl Runtime>) -> CommandResult<()> {
    let core = state.core().await?;
    match state.take_session().await {
        Some(tokens) => core.sign_out(&tokens.refresh_token).await.map_err(payload),
        None => Ok(()),
    }
}

/// Who is signed in, or `None`. Errors only when the core itself is unusable, so the UI can
/// tell "sign in" from "the app is misconfigured".
pub async fn current_account(
    state: &AppState,
    _: &AppHandle<impl Runtime>,
) -> CommandResult<Option<Account>> {
    let core = state.core().await?;
    let session = match state.session().await {
        Ok(session) => session,
        Err(payload) if payload.code == ErrorCode::Unauthenticated => return Ok(None),
        Err(payload) => return Err(payload),
    };
    core.current_account(&session)
        .await
        .map(Some)
        .map_err(payload)
}

pub async fn list_integrations(
    state: &AppState,
    _: &AppHandle<impl Runtime>,
) -> CommandResult<Vec<Integration>> {
    as_signed_in(state, async |core, session| {
        core.list_integrations(session).await
    })
    .await
}

pub async fn get_integration(
    state: &AppState,
    _: &AppHandle<impl Runtime>,
    id: IntegrationId,
) -> CommandResult<Integration> {
    as_signed_in(state, async |core, session| {
        core.get_integration(session, id).await
    })
    .await
}

/// The Pancake wizard: the key goes to Pancake from the core, never from the web UI.
pub async fn connect_pancake(
    state: &AppState,
    _: &AppHandle<impl Runtime>,
    api_key: SecretString,
    description: Option<String>,
    shop_id: Option<String>,
) -> CommandResult<ConnectOutcome> {
    as_signed_in(state, async |core, session| {
        core.connect_pancake(session, api_key, description, shop_id.as_deref())
            .await
    })
    .await
}

pub async fn connect_meta(
    state: &AppState,
    _: &AppHandle<impl Runtime>,
    access_token: SecretString,
    description: Option<String>,
    ad_account_id: Option<String>,
) -> CommandResult<ConnectOutcome> {
    as_signed_in(state, async |core, session| {
        core.connect_meta(session, access_token, description, ad_account_id.as_deref())
            .await
    })
    .await
}

pub async fn update_integration(
    state: &AppState,
    _: &AppHandle<impl Runtime>,
    id: IntegrationId,
    update: IntegrationPatch,
) -> CommandResult<Integration> {
    as_signed_in(state, async |core, session| {
        core.update_from_patch(session, id, update).await
    })
    .await
}

pub async fn delete_integration(
    state: &AppState,
    _: &AppHandle<impl Runtime>,
    id: IntegrationId,
) -> CommandResult<()> {
    as_signed_in(state, async |core, session| {
        core.delete_integration(session, id).await
    })
    .await
}

pub async fn enable_integration(
    state: &AppState,
    _: &AppHandle<impl Runtime>,
    id: IntegrationId,
) -> CommandResult<Integration> {
    as_signed_in(state, async |core, session| {
        core.enable_integration(session, id).await
    })
    .await
}

pub async fn disable_integration(
    state: &AppState,
    _: &AppHandle<impl Runtime>,
    id: IntegrationId,
) -> CommandResult<Integration> {
    as_signed_in(state, async |core, session| {
        core.disable_integration(session, id).await
    })
    .await
}

pub async fn test_connection(
    state: &AppState,
    _: &AppHandle<impl Runtime>,
    id: IntegrationId,
) -> CommandResult<ConnectionTestResult> {
    as_signed_in(state, async |core, session| {
        core.test_connection(session, id).await
    })
    .await
}

/// Where the data comes from (standalone, online, offline), the mirror's age and the edits
/// queued offline; polled by the UI. Before sign-in, only the mode.
pub async fn connectivity_status(
    state: &AppState,
    _: &AppHandle<impl Runtime>,
) -> CommandResult<Connectivity> {
    let core = state.core().await?;
    let session = state.session().await.ok();
    core.connectivity_status(session.as_ref())
        .await
        .map_err(payload)
}

/// Settles a conflict between an offline edit and the server's version.
pub async fn resolve_conflict(
    state: &AppState,
    _: &AppHandle<impl Runtime>,
    seq: i64,
    keep: ConflictChoice,
) -> CommandResult<Connectivity> {
    as_signed_in(state, async |core, session| {
        core.resolve_conflict(session, seq, keep).await
    })
    .await
}

/// "Sync now" for one integration: asks the scheduler, which starts it at once (here or on
/// another computer); progress comes through `sync_activity`.
pub async fn sync_now(
    state: &AppState,
    _: &AppHandle<impl Runtime>,
    id: IntegrationId,
) -> CommandResult<SyncSchedule> {
    as_signed_in(state, async |core, session| {
        core.sync_now(session, id).await
    })
    .await
}

/// "Sync all now": every enabled integration. Answers how many were asked.
pub async fn sync_all(state: &AppState, _: &AppHandle<impl Runtime>) -> CommandResult<usize> {
    as_signed_in(state, async |core, session| core.sync_all(session).await).await
}

/// The syncs running now (or just finished) with their progress.
pub async fn sync_activity(
    state: &AppState,
    _: &AppHandle<impl Runtime>,
) -> CommandResult<Vec<SyncProgress>> {
    let core = state.core().await?;
    let session = state.session().await?;
    Ok(core.sync_activity(&session))
}

pub async fn sync_history(
    state: &AppState,
    _: &AppHandle<impl Runtime>,
    id: IntegrationId,
    limit: Option<i64>,
) -> CommandResult<Vec<SyncRun>> {
    as_signed_in(state, async |core, session| {
        core.sync_history(session, id, limit.unwrap_or(50)).await
    })
    .await
}

/// The schedule, or null while the integration is turned off.
pub async fn sync_schedule(
    state: &AppState,
    _: &AppHandle<impl Runtime>,
    id: IntegrationId,
) -> CommandResult<Option<SyncSchedule>> {
    as_signed_in(state, async |core, session| {
        core.sync_schedule(session, id).await
    })
    .await
}

pub async fn set_sync_interval(
    state: &AppState,
    _: &AppHandle<impl Runtime>,
    id: IntegrationId,
    minutes: i32,
) -> CommandResult<SyncSchedule> {
    as_signed_in(state, async |core, session| {
        core.set_sync_interval(session, id, minutes).await
    })
    .await
}

/// The analytics report: ad spend against sales for a range of days.
pub async fn report(
    state: &AppState,
    _: &AppHandle<impl Runtime>,
    query: ReportQuery,
) -> CommandResult<Report> {
    as_signed_in(state, async |core, session| {
        core.report(session, &query).await
    })
    .await
}

/// Saves the report's table as CSV in the Downloads folder (`INTEGRATIONS_EXPORT_DIR` when set)
/// and answers with the file's path.
pub async fn export_report(
    state: &AppState,
    app: &AppHandle<impl Runtime>,
    query: ReportQuery,
) -> CommandResult<String> {
    use tauri::Manager;
    let core = state.core().await?;
    let session = state.session().await?;
    let report = core.report(&session, &query).await.map_err(payload)?;
    let dir = match std::env::var_os("INTEGRATIONS_EXPORT_DIR") {
        Some(dir) => std::path::PathBuf::from(dir),
        None => app
            .path()
            .download_dir()
            .or_else(|_| app.path().home_dir())
            .map_err(|_| {
                payload(CoreError::Configuration(
                    "There is no Downloads folder to save the CSV in.".into(),
                ))
            })?,
    };
    let path = integrations_core::analytics::save_report_csv(&report, &dir).map_err(|err| {
        payload(CoreError::Configuration(format!(
            "The CSV could not be saved in {}: {err}.",
            dir.display()
        )))
    })?;
    Ok(path.display().to_string())
}

/// Every synced Meta campaign with the store(s) its spend belongs to and what the orders suggest.
pub async fn list_campaigns(
    state: &AppState,
    _: &AppHandle<impl Runtime>,
) -> CommandResult<Vec<Campaign>> {
    as_signed_in(state, async |core, session| {
        core.list_campaigns(session).await
    })
    .await
}

/// Decides which store(s) a campaign's (or ad set's) spend belongs to; answers with the campaign.
pub async fn assign_campaign(
    state: &AppState,
    _: &AppHandle<impl Runtime>,
    assignment: CampaignAssignment,
) -> CommandResult<Campaign> {
    as_signed_in(state, async |core, session| {
        core.assign_campaign(session, assignment).await
    })
    .await
}

/// Sets the workspace's time zone (the days of its reports) and answers with the account.
pub async fn set_time_zone(
    state: &AppState,
    _: &AppHandle<impl Runtime>,
    time_zone: String,
) -> CommandResult<Account> {
    as_signed_in(state, async |core, session| {
        core.set_time_zone(session, &time_zone).await
    })
    .await
}

/// Version, commit, data and log directories: the About section.
pub async fn about(state: &AppState, app: &AppHandle<impl Runtime>) -> CommandResult<About> {
    system::about(app, state.status().await.data_dir)
}

/// Opens the log directory in the system's file manager.
pub async fn open_log_folder(_: &AppState, app: &AppHandle<impl Runtime>) -> CommandResult<()> {
    system::open_log_folder(app)
}

/// Whether the app starts at login (off until the user turns it on).
pub async fn get_autostart(_: &AppState, app: &AppHandle<impl Runtime>) -> CommandResult<bool> {
    system::autostart_enabled(app)
}

/// Turns start at login on or off; answers with what the system now says.
pub async fn set_autostart(
    _: &AppState,
    app: &AppHandle<impl Runtime>,
    enabled: bool,
) -> CommandResult<bool> {
    system::set_autostart(app, enabled)
}

/// The update state the app manages next to [`AppState`] (set up with it in `run_app`).
fn updates<R: Runtime>(app: &AppHandle<R>) -> CommandResult<tauri::State<'_, Updates>> {
    use tauri::Manager;
    app.try_state::<Updates>().ok_or_else(|| {
        payload(CoreError::Configuration(
            "Updates are not set up in this window.".into(),
        ))
    })
}

/// The update the last check (at start, daily, or asked) found, without asking again.
pub async fn available_update(
    _: &AppState,
    app: &AppHandle<impl Runtime>,
) -> CommandResult<Option<AvailableUpdate>> {
    Ok(updates(app)?.offered())
}

/// Asks the update server now.
pub async fn check_for_update(
    _: &AppState,
    app: &AppHandle<impl Runtime>,
) -> CommandResult<Option<AvailableUpdate>> {
    updates(app)?.check(app).await.map_err(|err| err.payload())
}

/// Downloads, verifies and installs the offered update; answers with its version. The window
/// then calls `restart_app`.
pub async fn install_update(_: &AppState, app: &AppHandle<impl Runtime>) -> CommandResult<String> {
    updates(app)?
        .install(app)
        .await
        .map_err(|err| err.payload())
}

/// Restarts into the installed update.
pub async fn restart_app(_: &AppState, app: &AppHandle<impl Runtime>) -> CommandResult<()> {
    updates(app)?.restart(app).map_err(|err| err.payload())
}

/// An alert's id.
type AlertId = uuid::Uuid;

/// The workspace's alerts, newest first, with the count the tray's badge shows.
pub async fn alerts(state: &AppState, _: &AppHandle<impl Runtime>) -> CommandResult<AlertList> {
    as_signed_in(state, async |core, session| core.alerts(session).await).await
}

/// Dismisses an alert (kept in the history).
pub async fn dismiss_alert(
    state: &AppState,
    app: &AppHandle<impl Runtime>,
    id: AlertId,
) -> CommandResult<Alert> {
    let alert = as_signed_in(state, async |core, session| {
        core.dismiss_alert(session, id).await
    })
    .await?;
    crate::alerts::badge_changed(app);
    Ok(alert)
}

/// The workspace's alert thresholds.
pub async fn alert_settings(
    state: &AppState,
    _: &AppHandle<impl Runtime>,
) -> CommandResult<AlertSettings> {
    as_signed_in(state, async |core, session| {
        core.alert_settings(session).await
    })
    .await
}

pub async fn set_alert_settings(
    state: &AppState,
    _: &AppHandle<impl Runtime>,
    settings: AlertSettings,
) -> CommandResult<AlertSettings> {
    as_signed_in(state, async |core, session| {
        core.set_alert_settings(session, settings).await
    })
    .await
}

/// Whether a Pancake store receives its orders in real time (webhooks to the shared server),
/// and when the last delivery came. Nothing secret: the webhook's secret stays in the core.
pub async fn realtime_orders(
    state: &AppState,
    _: &AppHandle<impl Runtime>,
    id: IntegrationId,
) -> CommandResult<RealtimeOrders> {
    as_signed_in(state, async |core, session| {
        core.realtime_orders(session, id).await
    })
    .await
}

/// Turns *Receive orders in real time* on (the core registers the webhook with Pancake) or off
/// (unregisters it). The polling schedule stays on as the reconciler either way.
pub async fn set_realtime_orders(
    state: &AppState,
    _: &AppHandle<impl Runtime>,
    id: IntegrationId,
    enabled: bool,
) -> CommandResult<RealtimeOrders> {
    as_signed_in(state, async |core, session| {
        core.set_realtime_orders(session, id, enabled).await
    })
    .await
}

/// The integration's latest webhook deliveries, newest first (50 unless asked).
pub async fn webhook_deliveries(
    state: &AppState,
    _: &AppHandle<impl Runtime>,
    id: IntegrationId,
    limit: Option<i64>,
) -> CommandResult<Vec<DeliveryRecord>> {
    as_signed_in(state, async |core, session| {
        core.webhook_deliveries(session, id, limit.unwrap_or(50))
            .await
    })
    .await
}

/// The `#[tauri::command]` of each operation: it takes what Tauri hands a command (the state,
/// the app, the arguments by name) and calls the function of the same name above, so a function
/// that is missing, or takes or answers other types than the list says, does not compile.
macro_rules! tauri_commands {
    ($($name:ident($($(#[$meta:meta])* $arg:ident: $ty:ty),* $(,)?) -> $answer:ty;)*) => {
        mod ipc {
            use super::*;
            use tauri::State;

            $(
                #[tauri::command]
                async fn $name<R: Runtime>(
                    state: State<'_, AppState>,
                    app: AppHandle<R>,
                    $($arg: $ty),*
                ) -> CommandResult<$answer> {
                    super::$name(&state, &app, $($arg),*).await
                }
            )*

            /// Every operation, for `Builder::invoke_handler`.
            pub fn handler<R: Runtime>(
            ) -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
                tauri::generate_handler![$($name),*]
            }
        }

        pub use ipc::handler;

        /// The operations as the UI sees them: each one's arguments as a struct that ts-rs
        /// writes out (camelCase, as Tauri reads them), and its answer.
        #[cfg(test)]
        pub(crate) mod typescript {
            use super::*;

            $(
                #[derive(ts_rs::TS)]
                #[ts(rename_all = "camelCase")]
                #[allow(non_camel_case_types, dead_code)]
                struct $name {
                    $($(#[$meta])* $arg: $ty),*
                }
            )*

            pub(crate) fn operations() -> Vec<crate::bindings::Operation> {
                vec![$(crate::bindings::Operation::of::<$name, $answer>(stringify!($name))),*]
            }
        }
    };
}

operations!(tauri_commands);
