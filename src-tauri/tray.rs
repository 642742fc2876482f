//! The system tray: an icon for the overall state (all good / syncing / error / offline) with a
//! badge while alerts are open, a tooltip, and a menu: the open alerts' count, each integration
//! with its status and last sync, then "Sync all now", "Open" and "Quit". What the tray shows is computed by [`tray_model`] from the core's
//! state alone, so it is unit-tested without a display; [`install`] only draws it. It speaks
//! as the UI does: in the language the UI shows and in the workspace's time zone ([`Locale`]).

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use integrations_core::{
    Account, Integration, IntegrationStatus, LinkMode, SyncOutcome, SyncProgress,
};

use crate::preferences::{Language, Preferences};

/// The icon's state, worst first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrayState {
    SignedOut,
    Offline,
    Error,
    Syncing,
    AllGood,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrayItem {
    pub integration_id: uuid::Uuid,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrayModel {
    pub state: TrayState,
    pub tooltip: String,
    pub items: Vec<TrayItem>,
    pub sync_all_label: String,
    pub sync_all_enabled: bool,
    pub open_label: String,
    pub quit_label: String,
    /// Open alerts not dismissed: a badge on the icon and a menu line that opens the app on
    /// its Alerts page.
    pub alerts: u32,
    pub alerts_label: Option<String>,
}

/// The language and time zone the tray writes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Locale {
    pub language: Language,
    /// Times are the workspace's, like the days of its reports.
    pub zone: Tz,
}

impl Locale {
    /// From the same sources as the UI: the language it shows (the one chosen in the app's
    /// preferences, else the system's) and the signed-in workspace's time zone; before sign-in,
    /// the zone a new workspace gets.
    pub fn of(preferences: &Preferences, system_locale: &str, account: Option<&Account>) -> Self {
        let default_zone = || {
            integrations_core::analytics::DEFAULT_TIME_ZONE
                .parse()
                .expect("the default time zone is an IANA name")
        };
        Self {
            language: preferences.language_shown(system_locale),
            // The core only stores zones it can parse; the default covers one it later cannot.
            zone: account
                .and_then(|account| account.time_zone.parse().ok())
                .unwrap_or_else(default_zone),
        }
    }
}

fn status_label(status: IntegrationStatus, language: Language) -> &'static str {
    match (status, language) {
        (IntegrationStatus::Active, Language::En) => "Active",
        (IntegrationStatus::Pending, Language::En) => "Pending",
        (IntegrationStatus::Error, Language::En) => "Error",
        (IntegrationStatus::Disabled, Language::En) => "Off",
        (IntegrationStatus::Active, Language::Vi) => "Đang hoạt động",
        (IntegrationStatus::Pending, Language::Vi) => "Chờ kiểm tra",
        (IntegrationStatus::Error, Language::Vi) => "Lỗi",
        (IntegrationStatus::Disabled, Language::Vi) => "Đã tắt",
    }
}

fn last_sync(at: Option<DateTime<Utc>>, now: DateTime<Utc>, locale: Locale) -> String {
    let Some(at) = at else {
        return match locale.language {
            Language::En => "never synced".into(),
            Language::Vi => "chưa đồng bộ".into(),
        };
    };
    let local = at.with_timezone(&locale.zone);
    let today = now.with_timezone(&locale.zone).date_naive() == local.date_naive();
    let when = if today {
        local.format("%H:%M").to_string()
    } else {
        local.format("%d/%m %H:%M").to_string()
    };
    match locale.language {
        Language::En => format!("synced {when}"),
        Language::Vi => format!("đồng bộ {when}"),
    }
}

/// What the tray shows for this state of the app. `integrations` is `None` before sign-in.
pub fn tray_model(
    integrations: Option<&[Integration]>,
    activity: &[SyncProgress],
    mode: LinkMode,
    mirror_as_of: Option<DateTime<Utc>>,
    locale: Locale,
    now: DateTime<Utc>,
) -> TrayModel {
    let language = locale.language;
    let (sync_all_label, open_label, quit_label) = match language {
        Language::En => ("Sync all now", "Open Integration Manager", "Quit"),
        Language::Vi => ("Đồng bộ tất cả ngay", "Mở Integration Manager", "Thoát"),
    };
    let Some(integrations) = integrations else {
        return TrayModel {
            state: TrayState::SignedOut,
            tooltip: match language {
                Language::En => "Integration Manager — not signed in".into(),
                Language::Vi => "Integration Manager — chưa đăng nhập".into(),
            },
            items: Vec::new(),
            sync_all_label: sync_all_label.into(),
            sync_all_enabled: false,
            open_label: open_label.into(),
            quit_label: quit_label.into(),
            alerts: 0,
            alerts_label: None,
        };
    };
    let running: Vec<&SyncProgress> = activity.iter().filter(|p| p.outcome.is_none()).collect();
    let failing: Vec<&Integration> = integrations
        .iter()
        .filter(|i| i.enabled && i.status == IntegrationStatus::Error)
        .collect();
    let state = if mode == LinkMode::Offline {
        TrayState::Offline
    } else if !running.is_empty() {
        TrayState::Syncing
    } else if !failing.is_empty()
        || activity
            .iter()
            .any(|p| p.outcome == Some(SyncOutcome::Failed))
    {
        TrayState::Error
    } else {
        TrayState::AllGood
    };
    let mirror_date = |never: &str| {
        mirror_as_of.map_or_else(
            || never.to_owned(),
            |at| {
                at.with_timezone(&locale.zone)
                    .format("%d/%m %H:%M")
                    .to_string()
            },
        )
    };
    let tooltip = match (state, language) {
        (TrayState::Offline, Language::En) => format!(
            "Integration Manager — offline, data as of {}",
            mirror_date("never")
        ),
        (TrayState::Offline, Language::Vi) => format!(
            "Integration Manager — ngoại tuyến, dữ liệu tính đến {}",
            mirror_date("chưa có")
        ),
        (TrayState::Syncing, language) => {
            let names: Vec<&str> = running
                .iter()
                .map(|p| p.integration_name.as_str())
                .collect();
            match language {
                Language::En => format!("Syncing {}", names.join(", ")),
                Language::Vi => format!("Đang đồng bộ {}", names.join(", ")),
            }
        }
        (TrayState::Error, Language::En) => format!(
            "Integration Manager — {} integration(s) need attention",
            failing.len().max(1)
        ),
        (TrayState::Error, Language::Vi) => format!(
            "Integration Manager — {} tích hợp cần xử lý",
            failing.len().max(1)
        ),
        (_, Language::En) => format!(
            "Integration Manager — all good ({} integrations)",
            integrations.len()
        ),
        (_, Language::Vi) => format!(
            "Integration Manager — mọi thứ ổn ({} tích hợp)",
            integrations.len()
        ),
    };
    let items = integrations
        .iter()
        .map(|integration| {
            let syncing = running.iter().find(|p| p.integration_id == integration.id);
            let detail = match syncing {
                Some(progress) if progress.total > 0 => match language {
                    Language::En => format!("syncing {}%", progress.done * 100 / progress.total),
                    Language::Vi => {
                        format!("đang đồng bộ {}%", progress.done * 100 / progress.total)
                    }
                },
                Some(_) => match language {
                    Language::En => "syncing".to_owned(),
                    Language::Vi => "đang đồng bộ".to_owned(),
                },
                None => last_sync(integration.last_sync_at, now, locale),
            };
            TrayItem {
                integration_id: integration.id,
                label: format!(
                    "{} — {} · {}",
                    integration.name,
                    status_label(integration.status, language),
                    detail
                ),
            }
        })
        .collect();
    TrayModel {
        state,
        tooltip,
        items,
        sync_all_label: sync_all_label.into(),
        sync_all_enabled: mode != LinkMode::Offline && integrations.iter().any(|i| i.enabled),
        open_label: open_label.into(),
        quit_label: quit_label.into(),
        alerts: 0,
        alerts_label: None,
    }
}

/// The model with the workspace's open alerts: counted in the tooltip, a menu line above the
/// integrations, and a badge on the icon ([`badge`]).
pub fn with_alerts(mut model: TrayModel, unread: u32, language: Language) -> TrayModel {
    model.alerts = unread;
    model.alerts_label = (unread > 0).then(|| match language {
        Language::En if unread == 1 => "1 alert needs attention".to_owned(),
        Language::En => format!("{unread} alerts need attention"),
        Language::Vi => format!("{unread} cảnh báo cần chú ý"),
    });
    if let Some(label) = &model.alerts_label {
        model.tooltip = format!("{} · {label}", model.tooltip);
    }
    model
}

/// Paints the alert badge on an icon from [`icon_rgba`]: an amber dot with a white ring in the
/// top-right corner.
pub fn badge(rgba: &mut [u8], size: u32) {
    let centre = size as f32 - 8.0;
    for y in 0..size {
        for x in 0..size {
            let distance = ((x as f32 - centre).powi(2) + (y as f32 - 7.0).powi(2)).sqrt();
            let pixel = ((y * size + x) * 4) as usize;
            let colour = if distance <= 5.5 {
                [0xf5, 0x9e, 0x0b, 0xff]
            } else if distance <= 7.5 {
                [0xff, 0xff, 0xff, 0xff]
            } else {
                continue;
            };
            rgba[pixel..pixel + 4].copy_from_slice(&colour);
        }
    }
}

/// A 32×32 round icon in the state's colour, drawn here so the tray needs no image files.
pub fn icon_rgba(state: TrayState) -> (Vec<u8>, u32, u32) {
    const SIZE: u32 = 32;
    let (r, g, b) = match state {
        TrayState::AllGood => (0x16, 0xa3, 0x4a),
        TrayState::Syncing => (0x4f, 0x46, 0xe5),
        TrayState::Error => (0xdc, 0x26, 0x26),
        TrayState::Offline | TrayState::SignedOut => (0x9c, 0xa3, 0xaf),
    };
    let mut rgba = Vec::with_capacity((SIZE * SIZE * 4) as usize);
    let centre = (SIZE as f32 - 1.0) / 2.0;
    for y in 0..SIZE {
        for x in 0..SIZE {
            let distance = ((x as f32 - centre).powi(2) + (y as f32 - centre).powi(2)).sqrt();
            // Anti-aliased edge over the last pixel of the radius.
            let alpha = (14.5 - distance).clamp(0.0, 1.0);
            rgba.extend_from_slice(&[r, g, b, (alpha * 255.0) as u8]);
        }
    }
    (rgba, SIZE, SIZE)
}

// ------------------------------------------------------------------ drawing (needs a display)

use std::collections::HashSet;

use tauri::image::Image;
use tauri::menu::{Menu, MenuId, MenuItem, PredefinedMenuItem};
use tauri::tray::{TrayIcon, TrayIconBuilder};
use tauri::{AppHandle, Emitter, Manager, Runtime};
use tauri_plugin_notification::NotificationExt;

use crate::state::AppState;

const OPEN: &str = "open";
const SYNC_ALL: &str = "sync-all";
const QUIT: &str = "quit";
const ALERTS: &str = "alerts";
/// Asks the UI to show its Alerts page.
pub const OPEN_ALERTS_EVENT: &str = "open-alerts";

/// What choosing a menu line does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum MenuAction {
    Quit,
    SyncAll,
    /// The alerts line: the window, on its Alerts page.
    OpenAlerts,
    /// "Open", or an integration's line: the window as it was.
    Open,
}

fn menu_action(id: &str) -> MenuAction {
    match id {
        QUIT => MenuAction::Quit,
        SYNC_ALL => MenuAction::SyncAll,
        ALERTS => MenuAction::OpenAlerts,
        _ => MenuAction::Open,
    }
}

fn build_menu<R: Runtime>(app: &AppHandle<R>, model: &TrayModel) -> tauri::Result<Menu<R>> {
    let menu = Menu::new(app)?;
    if let Some(label) = &model.alerts_label {
        menu.append(&item(app, ALERTS, label, true)?)?;
        menu.append(&PredefinedMenuItem::separator(app)?)?;
    }
    for entry in &model.items {
        let id = format!("integration:{}", entry.integration_id);
        menu.append(&item(app, id, &entry.label, true)?)?;
    }
    if !model.items.is_empty() {
        menu.append(&PredefinedMenuItem::separator(app)?)?;
    }
    menu.append(&item(
        app,
        SYNC_ALL,
        &model.sync_all_label,
        model.sync_all_enabled,
    )?)?;
    menu.append(&item(app, OPEN, &model.open_label, true)?)?;
    menu.append(&PredefinedMenuItem::separator(app)?)?;
    menu.append(&item(app, QUIT, &model.quit_label, true)?)?;
    Ok(menu)
}

/// A menu item without an accelerator.
fn item<R: Runtime>(
    app: &AppHandle<R>,
    id: impl Into<MenuId>,
    label: &str,
    enabled: bool,
) -> tauri::Result<MenuItem<R>> {
    MenuItem::with_id(app, id, label, enabled, None::<&str>)
}

fn icon(model: &TrayModel) -> Image<'static> {
    let (mut rgba, width, height) = icon_rgba(model.state);
    if model.alerts > 0 {
        badge(&mut rgba, width);
    }
    Image::new_owned(rgba, width, height)
}

pub fn show_main_window<R: Runtime>(app: &AppHandle<R>) {
    if let Some(window) = app.get_webview_window("main") {
        if crate::idle::restore_web_content(&window) {
            // A new page: shown once it has rendered its first screen, as at start.
            crate::first_screen::show_when_rendered(app);
        } else if !crate::first_screen::waiting() {
            crate::first_screen::show_now(app);
        }
    }
}

static INSTALLED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether a tray exists to reopen the window from (else closing the window quits).
pub fn is_installed() -> bool {
    INSTALLED.load(std::sync::atomic::Ordering::SeqCst)
}

/// Creates the tray and keeps it current: every 2 s it recomputes [`tray_model`] from the core
/// and redraws what changed, and sends a notification for each sync that failed.
pub fn install<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<()> {
    // Drawn at once as signed out (nobody is signed in at start) in the system's language: the
    // core may still be opening, and the first refresh below corrects the language if the user
    // chose another one.
    let initial = tray_model(
        None,
        &[],
        LinkMode::Standalone,
        None,
        Locale::of(
            &Preferences::default(),
            &crate::preferences::system_locale(),
            None,
        ),
        Utc::now(),
    );
    let tray = TrayIconBuilder::with_id("main")
        .icon(icon(&initial))
        .tooltip(&initial.tooltip)
        .menu(&build_menu(app, &initial)?)
        .show_menu_on_left_click(true)
        .on_menu_event(|app, event| match menu_action(event.id().as_ref()) {
            MenuAction::Quit => app.exit(0),
            MenuAction::SyncAll => {
                let app = app.clone();
                tauri::async_runtime::spawn(async move {
                    let state = app.state::<AppState>();
                    if let (Ok(core), Ok(session)) = (state.core().await, state.session().await) {
                        if let Err(err) = core.sync_all(&session).await {
                            log::warn!("sync all from the tray: {err}");
                        }
                    }
                });
            }
            MenuAction::OpenAlerts => {
                show_main_window(app);
                // The UI turns to its Alerts page (App.tsx listens).
                let _ = app.emit(OPEN_ALERTS_EVENT, ());
            }
            MenuAction::Open => show_main_window(app),
        })
        .build(app)?;
    INSTALLED.store(true, std::sync::atomic::Ordering::SeqCst);
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let mut shown = initial;
        let mut notified: HashSet<(uuid::Uuid, Option<String>)> = HashSet::new();
        loop {
            let model = current_model(&app, &mut notified).await;
            if model != shown {
                redraw(&app, &tray, &model);
                shown = model;
            }
            tokio::time::sleep(std::time::Duration::from_secs(2)).await;
        }
    });
    Ok(())
}

fn redraw<R: Runtime>(app: &AppHandle<R>, tray: &TrayIcon<R>, model: &TrayModel) {
    if let Ok(menu) = build_menu(app, model) {
        let _ = tray.set_menu(Some(menu));
    }
    let _ = tray.set_tooltip(Some(&model.tooltip));
    let _ = tray.set_icon(Some(icon(model)));
}

async fn current_model<R: Runtime>(
    app: &AppHandle<R>,
    notified: &mut HashSet<(uuid::Uuid, Option<String>)>,
) -> TrayModel {
    let state = app.state::<AppState>();
    let preferences = crate::preferences::load(app, &state.preferences_file().await);
    let system_locale = crate::preferences::system_locale();
    let core = state.core().await.ok();
    let session = match &core {
        Some(_) if state.is_signed_in().await => state.session().await.ok(),
        _ => None,
    };
    let (Some(core), Some(session)) = (core, session) else {
        let locale = Locale::of(&preferences, &system_locale, None);
        return tray_model(None, &[], LinkMode::Standalone, None, locale, Utc::now());
    };
    let locale = Locale::of(
        &preferences,
        &system_locale,
        core.current_account(&session).await.ok().as_ref(),
    );
    let language = locale.language;
    let integrations = core.list_integrations(&session).await.ok();
    let activity = core.sync_activity(&session);
    let (mode, as_of) = match core.connectivity_status(Some(&session)).await {
        Ok(link) => (link.mode, link.mirror_as_of),
        Err(_) => (LinkMode::Standalone, None),
    };
    for progress in &activity {
        match progress.outcome {
            // One notification per integration and kind of failure, until it syncs again: a
            // dead token retried every hour does not ring every hour.
            Some(SyncOutcome::Failed) => {
                let kind = (progress.integration_id, progress.error_code.clone());
                if notified.insert(kind) {
                    notify_failure(app, progress, language);
                }
            }
            Some(SyncOutcome::Succeeded) => {
                notified.retain(|(id, _)| *id != progress.integration_id);
            }
            _ => {}
        }
    }
    let unread = core.unread_alerts(&session).await.unwrap_or(0);
    with_alerts(
        tray_model(
            integrations.as_deref(),
            &activity,
            mode,
            as_of,
            locale,
            Utc::now(),
        ),
        unread,
        language,
    )
}

/// A native notification for a failed sync; an expired or refused credential says to reconnect.
fn notify_failure<R: Runtime>(app: &AppHandle<R>, progress: &SyncProgress, language: Language) {
    let reconnect = matches!(
        progress.error_code.as_deref(),
        Some("PROVIDER_AUTH_REJECTED" | "PROVIDER_TOKEN_EXPIRED")
    );
    let title = match (reconnect, language) {
        (true, Language::En) => format!("Reconnect {}", progress.integration_name),
        (true, Language::Vi) => format!("Cần kết nối lại {}", progress.integration_name),
        (false, Language::En) => format!("Sync failed: {}", progress.integration_name),
        (false, Language::Vi) => format!("Đồng bộ thất bại: {}", progress.integration_name),
    };
    let body = progress.error.clone().unwrap_or_default();
    if let Err(err) = app.notification().builder().title(title).body(body).show() {
        log::warn!("notification not shown: {err}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use integrations_core::IntegrationConfig;

    fn integration(name: &str, status: IntegrationStatus, synced: Option<&str>) -> Integration {
        let at = Utc.with_ymd_and_hms(2026, 11, 25, 2, 0, 0).unwrap();
        Integration {
            id: uuid::Uuid::new_v4(),
            tenant_id: uuid::Uuid::nil(),
            name: name.into(),
            provider: integrations_core::Provider::PancakePos,
            description: None,
            status,
            enabled: status != IntegrationStatus::Disabled,
            config: IntegrationConfig::PancakePos {
                shop_id: "6036602".into(),
            },
            credentials_hint: "••••a1b2".into(),
            last_error: None,
            created_at: at,
            updated_at: at,
            last_sync_at: synced.map(|t| DateTime::parse_from_rfc3339(t).unwrap().to_utc()),
            version: 1,
        }
    }

    /// A workspace in Vietnam, the default.
    fn vietnam(language: Language) -> Locale {
        Locale {
            language,
            zone: chrono_tz::Asia::Ho_Chi_Minh,
        }
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 8, 0, 0).unwrap()
    }

    /// The tray of a window online (no mirror date) at [`now`].
    fn online_model(list: &[Integration], activity: &[SyncProgress], locale: Locale) -> TrayModel {
        tray_model(Some(list), activity, LinkMode::Online, None, locale, now())
    }

    /// Offline, with data as of 25/11 01:05 UTC.
    fn offline_model(list: &[Integration], locale: Locale) -> TrayModel {
        let as_of = Utc.with_ymd_and_hms(2026, 11, 25, 1, 5, 0).unwrap();
        tray_model(
            Some(list),
            &[],
            LinkMode::Offline,
            Some(as_of),
            locale,
            now(),
        )
    }

    fn running(integration: &Integration, done: u32, total: u32) -> SyncProgress {
        SyncProgress {
            integration_id: integration.id,
            run_id: uuid::Uuid::new_v4(),
            integration_name: integration.name.clone(),
            stream: "orders".into(),
            records: 100,
            done,
            total,
            outcome: None,
            error: None,
            error_code: None,
        }
    }

    #[test]
    fn each_integration_is_listed_with_status_and_last_sync_in_vietnam_time() {
        let list = vec![
            integration(
                "Shop thời trang",
                IntegrationStatus::Active,
                Some("2026-11-25T03:42:00Z"),
            ),
            integration("Mỹ phẩm Hà Nội", IntegrationStatus::Pending, None),
        ];
        let model = online_model(&list, &[], vietnam(Language::Vi));
        assert_eq!(model.state, TrayState::AllGood);
        assert_eq!(
            model.items[0].label,
            "Shop thời trang — Đang hoạt động · đồng bộ 10:42"
        );
        assert_eq!(
            model.items[1].label,
            "Mỹ phẩm Hà Nội — Chờ kiểm tra · chưa đồng bộ"
        );
        assert_eq!(model.sync_all_label, "Đồng bộ tất cả ngay");
        assert!(model.sync_all_enabled);
        assert!(model.tooltip.contains("2 tích hợp"));
    }

    #[test]
    fn times_are_the_workspace_s_even_when_that_moves_the_day() {
        // 03:42 UTC on the 25th is 19:42 on the 24th in Los Angeles, where "now" (08:00 UTC) is
        // already the 25th: the sync was yesterday there.
        let list = vec![integration(
            "Shop thời trang",
            IntegrationStatus::Active,
            Some("2026-11-25T03:42:00Z"),
        )];
        let los_angeles = Locale {
            language: Language::En,
            zone: chrono_tz::America::Los_Angeles,
        };
        let model = online_model(&list, &[], los_angeles);
        assert_eq!(
            model.items[0].label,
            "Shop thời trang — Active · synced 24/11 19:42"
        );
        let model = online_model(&list, &[], vietnam(Language::En));
        assert_eq!(
            model.items[0].label,
            "Shop thời trang — Active · synced 10:42"
        );

        let model = offline_model(&list, los_angeles);
        assert_eq!(
            model.tooltip,
            "Integration Manager — offline, data as of 24/11 17:05"
        );
    }

    fn account(time_zone: &str) -> Account {
        Account {
            tenant_id: uuid::Uuid::nil(),
            tenant_name: "Shop thời trang".into(),
            time_zone: time_zone.into(),
            user_id: uuid::Uuid::nil(),
            email: "chu@shop.vn".into(),
        }
    }

    #[test]
    fn the_tray_speaks_the_language_chosen_in_the_app_whatever_the_system_s() {
        let chosen = |language| Preferences {
            language: Some(language),
            ..Preferences::default()
        };
        let signed_in = account("Asia/Ho_Chi_Minh");
        let locale = Locale::of(&chosen(Language::En), "vi_VN.UTF-8", Some(&signed_in));
        assert_eq!(locale.language, Language::En);
        let locale = Locale::of(&chosen(Language::Vi), "en_US.UTF-8", Some(&signed_in));
        assert_eq!(locale.language, Language::Vi);
        let model = tray_model(None, &[], LinkMode::Standalone, None, locale, now());
        assert_eq!(model.quit_label, "Thoát");
    }

    #[test]
    fn with_no_language_chosen_the_tray_follows_the_system_as_the_ui_does() {
        let none = Preferences::default();
        for (system, language) in [
            ("vi_VN.UTF-8", Language::Vi),
            ("vi", Language::Vi),
            ("VI-vn", Language::Vi),
            ("en_US.UTF-8", Language::En),
            ("fr_FR.UTF-8", Language::En),
            ("", Language::En),
        ] {
            assert_eq!(
                Locale::of(&none, system, None).language,
                language,
                "{system:?}"
            );
        }
    }

    #[test]
    fn the_time_zone_is_the_signed_in_workspace_s_and_vietnam_s_before_sign_in() {
        let prefs = Preferences::default();
        let zone = |account: Option<&Account>| Locale::of(&prefs, "en_US", account).zone;
        assert_eq!(
            zone(Some(&account("America/Los_Angeles"))),
            chrono_tz::America::Los_Angeles
        );
        assert_eq!(
            zone(Some(&account("Asia/Bangkok"))),
            chrono_tz::Asia::Bangkok
        );
        assert_eq!(zone(None), chrono_tz::Asia::Ho_Chi_Minh);
        assert_eq!(
            zone(Some(&account("Not/A_Zone"))),
            chrono_tz::Asia::Ho_Chi_Minh
        );
    }

    #[test]
    fn a_running_sync_shows_as_syncing_with_its_progress() {
        let list = vec![integration(
            "Shop thời trang",
            IntegrationStatus::Active,
            Some("2026-11-24T03:42:00Z"),
        )];
        let activity = vec![running(&list[0], 3, 12)];
        let model = online_model(&list, &activity, vietnam(Language::En));
        assert_eq!(model.state, TrayState::Syncing);
        assert_eq!(model.tooltip, "Syncing Shop thời trang");
        assert_eq!(
            model.items[0].label,
            "Shop thời trang — Active · syncing 25%"
        );
    }

    #[test]
    fn an_integration_in_error_or_a_failed_sync_turns_the_icon_red() {
        let list = vec![
            integration("Shop thời trang", IntegrationStatus::Active, None),
            integration("Quảng cáo Meta", IntegrationStatus::Error, None),
        ];
        let model = online_model(&list, &[], vietnam(Language::En));
        assert_eq!(model.state, TrayState::Error);
        assert_eq!(
            model.tooltip,
            "Integration Manager — 1 integration(s) need attention"
        );
        let ok = vec![integration(
            "Shop thời trang",
            IntegrationStatus::Active,
            None,
        )];
        let mut failed = running(&ok[0], 1, 1);
        failed.outcome = Some(SyncOutcome::Failed);
        let model = online_model(&ok, &[failed], vietnam(Language::En));
        assert_eq!(model.state, TrayState::Error);
    }

    #[test]
    fn offline_wins_and_says_how_old_the_data_is_and_sync_all_is_disabled() {
        let list = vec![integration(
            "Shop thời trang",
            IntegrationStatus::Error,
            None,
        )];
        let model = offline_model(&list, vietnam(Language::Vi));
        assert_eq!(model.state, TrayState::Offline);
        assert_eq!(
            model.tooltip,
            "Integration Manager — ngoại tuyến, dữ liệu tính đến 25/11 08:05"
        );
        assert!(!model.sync_all_enabled);
    }

    #[test]
    fn before_sign_in_there_is_nothing_to_list() {
        let model = tray_model(
            None,
            &[],
            LinkMode::Standalone,
            None,
            vietnam(Language::En),
            now(),
        );
        assert_eq!(model.state, TrayState::SignedOut);
        assert!(model.items.is_empty());
        assert!(!model.sync_all_enabled);
    }

    #[test]
    fn icons_differ_by_state_and_are_round() {
        let (good, w, h) = icon_rgba(TrayState::AllGood);
        let (bad, _, _) = icon_rgba(TrayState::Error);
        assert_eq!((w, h), (32, 32));
        assert_ne!(good, bad);
        // Corners transparent, centre opaque.
        assert_eq!(good[3], 0);
        let centre = ((16 * 32 + 16) * 4 + 3) as usize;
        assert_eq!(good[centre], 255);
    }

    #[test]
    fn the_alerts_line_opens_the_alerts_page_and_the_other_lines_the_window() {
        assert_eq!(menu_action(ALERTS), MenuAction::OpenAlerts);
        assert_eq!(menu_action(OPEN), MenuAction::Open);
        assert_eq!(
            menu_action(&format!("integration:{}", uuid::Uuid::nil())),
            MenuAction::Open
        );
        assert_eq!(menu_action(SYNC_ALL), MenuAction::SyncAll);
        assert_eq!(menu_action(QUIT), MenuAction::Quit);
        // The event the UI listens for (backend.ts `onOpenAlerts`).
        assert_eq!(OPEN_ALERTS_EVENT, "open-alerts");
    }

    #[test]
    fn open_alerts_put_a_badge_on_the_icon_and_a_line_atop_the_menu() {
        let list = vec![integration(
            "Shop thời trang",
            IntegrationStatus::Active,
            Some("2026-11-25T03:42:00Z"),
        )];
        let plain = online_model(&list, &[], vietnam(Language::Vi));
        let none = with_alerts(plain.clone(), 0, Language::Vi);
        assert_eq!(none, plain.clone());
        let three = with_alerts(plain.clone(), 3, Language::Vi);
        assert_eq!(three.alerts, 3);
        assert_eq!(three.alerts_label.as_deref(), Some("3 cảnh báo cần chú ý"));
        assert_eq!(
            three.tooltip,
            format!("{} · 3 cảnh báo cần chú ý", plain.tooltip)
        );
        let one = with_alerts(plain, 1, Language::En);
        assert_eq!(one.alerts_label.as_deref(), Some("1 alert needs attention"));

        let (mut badged, size, _) = icon_rgba(TrayState::AllGood);
        let (plain_icon, _, _) = icon_rgba(TrayState::AllGood);
        badge(&mut badged, size);
        // The badge's centre is amber and the top-right corner, transparent before, is painted;
        // the icon's centre is untouched.
        let at = |x: u32, y: u32| ((y * size + x) * 4) as usize;
        assert_eq!(&badged[at(24, 7)..at(24, 7) + 4], &[0xf5, 0x9e, 0x0b, 0xff]);
        assert_eq!(plain_icon[at(24, 1) + 3], 0);
        assert_eq!(badged[at(24, 1) + 3], 0xff);
        assert_eq!(
            &badged[at(16, 16)..at(16, 16) + 4],
            &plain_icon[at(16, 16)..at(16, 16) + 4]
        );
    }
}
