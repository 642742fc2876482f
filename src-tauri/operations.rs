// The app's operations as the web view calls them: each one's name, arguments and answer,
// written here once. Each line becomes
// - a `#[tauri::command]` that calls the function of the same name in `commands.rs` (a
//   function missing, or taking or answering other types, is a compile error), and its entry
//   in `generate_handler!`;
// - an entry of tauri-build's app manifest (`build.rs`), which makes the command's
//   `allow-…` permission; `capabilities/default.json` must grant it (a test checks);
// - an entry of the TypeScript map `ui/src/bindings/Commands.ts`, written by a test as ts-rs
//   writes the other bindings, through which `ui/src/backend.ts` calls every command.
//
// Arguments are named as in Rust (snake_case); the web view sends them in camelCase. A
// `#[ts(...)]` attribute says how the UI writes an argument whose Rust type has no TypeScript
// form (a secret) or another one (i64 is `bigint` to ts-rs; the UI sends numbers). The name is
// the operation's one name in the core, the commands and the UI (`camelCase` there).
//
// Plain comments only: `build.rs` includes this file with `include!`.

macro_rules! operations {
    ($then:ident) => {
        $then! {
            app_status() -> AppStatus;
            first_screen_ready(timings: PageTimings) -> ();
            configure_database(
                #[ts(type = "string | null")] postgres_url: Option<SecretString>,
                #[ts(type = "string | null")] master_key: Option<SecretString>,
            ) -> AppStatus;
            join_workspace(#[ts(type = "string")] code: SecretString) -> AppStatus;
            leave_workspace() -> AppStatus;
            get_preferences() -> Preferences;
            set_preferences(preferences: Preferences) -> Preferences;

            sign_up(
                tenant_name: String,
                email: String,
                #[ts(type = "string")] password: SecretString,
            ) -> Account;
            sign_in(email: String, #[ts(type = "string")] password: SecretString) -> Account;
            sign_out() -> ();
            current_account() -> Option<Account>;
            set_time_zone(time_zone: String) -> Account;

            list_integrations() -> Vec<Integration>;
            get_integration(id: IntegrationId) -> Integration;
            connect_pancake(
                #[ts(type = "string")] api_key: SecretString,
                description: Option<String>,
                shop_id: Option<String>,
            ) -> ConnectOutcome;
            connect_meta(
                #[ts(type = "string")] access_token: SecretString,
                description: Option<String>,
                ad_account_id: Option<String>,
            ) -> ConnectOutcome;
            update_integration(id: IntegrationId, update: IntegrationPatch) -> Integration;
            delete_integration(id: IntegrationId) -> ();
            enable_integration(id: IntegrationId) -> Integration;
            disable_integration(id: IntegrationId) -> Integration;
            test_connection(id: IntegrationId) -> ConnectionTestResult;

            connectivity_status() -> Connectivity;
            resolve_conflict(#[ts(type = "number")] seq: i64, keep: ConflictChoice) -> Connectivity;

            sync_now(id: IntegrationId) -> SyncSchedule;
            sync_all() -> usize;
            sync_activity() -> Vec<SyncProgress>;
            sync_history(
                id: IntegrationId,
                #[ts(optional, type = "number | null")] limit: Option<i64>,
            ) -> Vec<SyncRun>;
            sync_schedule(id: IntegrationId) -> Option<SyncSchedule>;
            set_sync_interval(id: IntegrationId, minutes: i32) -> SyncSchedule;
            realtime_orders(id: IntegrationId) -> RealtimeOrders;
            set_realtime_orders(id: IntegrationId, enabled: bool) -> RealtimeOrders;
            webhook_deliveries(
                id: IntegrationId,
                #[ts(optional, type = "number | null")] limit: Option<i64>,
            ) -> Vec<DeliveryRecord>;

            report(query: ReportQuery) -> Report;
            export_report(query: ReportQuery) -> String;
            list_campaigns() -> Vec<Campaign>;
            assign_campaign(assignment: CampaignAssignment) -> Campaign;

            about() -> About;
            open_log_folder() -> ();
            get_autostart() -> bool;
            set_autostart(enabled: bool) -> bool;
            available_update() -> Option<AvailableUpdate>;
            check_for_update() -> Option<AvailableUpdate>;
            install_update() -> String;
            restart_app() -> ();

            alerts() -> AlertList;
            dismiss_alert(id: AlertId) -> Alert;
            alert_settings() -> AlertSettings;
            set_alert_settings(settings: AlertSettings) -> AlertSettings;
        }
    };
}
