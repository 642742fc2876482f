//! Alerts reaching the user: each alert the core fires for the signed-in workspace becomes one
//! native notification and an `alert-fired` event for the web view (which reloads its list and
//! the header's count); the tray shows the count of open alerts (see `tray.rs`).
//!
//! The core sends each episode once ([`Core::subscribe_alerts`]); [`deliver`] passes on only the
//! signed-in workspace's, to an [`AlertSink`], so a test can watch what would be shown.

use integrations_core::alerts::{Alert, AlertDetails, FiredAlert};
use integrations_core::analytics::minor_to_decimal;
use tauri::{AppHandle, Emitter, Manager, Runtime};
use tauri_plugin_notification::NotificationExt;
use tokio::sync::broadcast::error::RecvError;

use crate::preferences::Language;
use crate::state::AppState;

/// Where fired alerts go.
#[async_trait::async_trait]
pub trait AlertSink: Send + Sync {
    async fn deliver(&self, alert: &Alert);
}

/// Passes each alert of the signed-in workspace to `sink`, until the core is gone. `signed_in`
/// (the scheduler's scope, set while someone is signed in) says which workspace that is at the
/// moment an alert arrives.
pub async fn deliver(
    mut events: tokio::sync::broadcast::Receiver<FiredAlert>,
    signed_in: tokio::sync::watch::Receiver<Option<integrations_core::store::ClaimScope>>,
    sink: &dyn AlertSink,
) {
    loop {
        match events.recv().await {
            Ok(fired) => {
                let ours = signed_in
                    .borrow()
                    .as_ref()
                    .is_some_and(|scope| scope.tenant == Some(fired.tenant));
                if ours {
                    sink.deliver(&fired.alert).await;
                }
            }
            Err(RecvError::Lagged(missed)) => log::warn!("{missed} alerts not notified"),
            Err(RecvError::Closed) => return,
        }
    }
}

/// The app's sink: a native notification in the UI's language, and the web view told.
pub struct Notifications<R: Runtime> {
    pub app: AppHandle<R>,
}

#[async_trait::async_trait]
impl<R: Runtime> AlertSink for Notifications<R> {
    async fn deliver(&self, alert: &Alert) {
        let app = &self.app;
        let state = app.state::<AppState>();
        let language = crate::preferences::load(app, &state.preferences_file().await)
            .language_shown(&crate::preferences::system_locale());
        let (title, body) = notification_text(alert, language);
        if let Err(err) = app.notification().builder().title(title).body(body).show() {
            log::warn!("notification not shown: {err}");
        }
        badge_changed(app);
    }
}

/// Tells the web view that the alerts changed (fired or dismissed): it reloads its count.
pub fn badge_changed<R: Runtime>(app: &AppHandle<R>) {
    let _ = app.emit("alerts-changed", ());
}

/// Follows the core across a database switch, delivering to native notifications.
pub fn forward<R: Runtime>(app: AppHandle<R>) {
    tauri::async_runtime::spawn(async move {
        let sink = Notifications { app: app.clone() };
        loop {
            let state = app.state::<AppState>();
            let Ok(core) = state.core().await else {
                tokio::time::sleep(std::time::Duration::from_secs(5)).await;
                continue;
            };
            let events = core.subscribe_alerts();
            let signed_in = state.signed_in_tenant();
            drop(core);
            deliver(events, signed_in, &sink).await;
        }
    });
}

fn money(minor: i64, exponent: u32, currency: &str) -> String {
    format!("{} {currency}", minor_to_decimal(minor, exponent))
}

/// The notification's title and body: what happened, with its numbers.
pub fn notification_text(alert: &Alert, language: Language) -> (String, String) {
    let [vi, en] = texts(alert);
    if language == Language::Vi {
        vi
    } else {
        en
    }
}

/// The title and body in Vietnamese, then in English.
fn texts(alert: &Alert) -> [(String, String); 2] {
    let name = alert.integration_name.clone().unwrap_or_default();
    match &alert.details {
        AlertDetails::SpendSpike {
            day,
            currency,
            exponent,
            spend_minor,
            median_minor,
            ..
        } => {
            let (spend, median) = (
                money(*spend_minor, *exponent, currency),
                money(*median_minor, *exponent, currency),
            );
            let day = day.format("%d/%m");
            [
                (
                    format!("Chi tiêu quảng cáo tăng vọt ngày {day}"),
                    format!("Đã chi {spend}, trung vị 14 ngày trước là {median}."),
                ),
                (
                    format!("Ad spend spiked on {day}"),
                    format!("{spend} spent; the median of the 14 days before is {median}."),
                ),
            ]
        }
        AlertDetails::RoasDrop {
            roas,
            previous_roas,
            ..
        } => {
            let before = previous_roas
                .map(|r| format!("{r:.2}"))
                .unwrap_or_else(|| "–".into());
            // A store's own ROAS (its assigned campaigns' spend) is titled with the store.
            let (vi_title, en_title) = match alert.integration_name.as_deref() {
                Some(store) => (
                    format!("ROAS (POS) 7 ngày của {store} giảm"),
                    format!("7-day ROAS (POS) of {store} dropped"),
                ),
                None => (
                    "ROAS (POS) 7 ngày giảm".into(),
                    "7-day ROAS (POS) dropped".into(),
                ),
            };
            [
                (
                    vi_title,
                    format!("ROAS tuần qua {roas:.2}, tuần trước {before}."),
                ),
                (
                    en_title,
                    format!("ROAS {roas:.2} over the last 7 days; {before} the week before."),
                ),
            ]
        }
        AlertDetails::StoreQuiet { quiet_minutes, .. } => {
            let (hours, minutes) = (quiet_minutes / 60, quiet_minutes % 60);
            [
                (
                    format!("{name} vắng đơn bất thường"),
                    format!(
                        "Không có đơn nào trong {hours} giờ {minutes} phút, vào giờ thường có đơn."
                    ),
                ),
                (
                    format!("{name} has gone quiet"),
                    format!(
                        "No order for {hours} h {minutes} min, at a time that usually has orders."
                    ),
                ),
            ]
        }
        AlertDetails::SyncFailing {
            failing_since,
            last_error,
            ..
        } => {
            let since = failing_since.format("%d/%m %H:%M UTC");
            let error = last_error.clone().unwrap_or_default();
            [
                (format!("{name} đồng bộ thất bại từ {since}"), error.clone()),
                (format!("{name}: syncs failing since {since}"), error),
            ]
        }
        AlertDetails::TokenExpiring { days_left, .. } => [
            (
                format!("Mã truy cập Meta của {name} sắp hết hạn"),
                format!("Còn {days_left} ngày. Hãy kết nối lại với mã mới."),
            ),
            (
                format!("The Meta token of {name} expires soon"),
                format!("{days_left} days left. Reconnect with a new token."),
            ),
        ],
    }
}

/// The alert fixtures the CLI's tests use too.
#[cfg(test)]
#[path = "../crates/core/tests/common/alert_fixtures.rs"]
mod alert_fixtures;

#[cfg(test)]
mod tests {
    use super::alert_fixtures::roas_drop;
    use super::*;

    #[test]
    fn a_stores_roas_drop_is_titled_with_the_store_in_both_languages() {
        let store = roas_drop(Some("Cửa hàng Hà Nội"));
        assert_eq!(
            notification_text(&store, Language::Vi).0,
            "ROAS (POS) 7 ngày của Cửa hàng Hà Nội giảm"
        );
        assert_eq!(
            notification_text(&store, Language::En),
            (
                "7-day ROAS (POS) of Cửa hàng Hà Nội dropped".to_owned(),
                "ROAS 2.10 over the last 7 days; 3.00 the week before.".to_owned()
            )
        );
        assert_eq!(
            notification_text(&roas_drop(None), Language::En).0,
            "7-day ROAS (POS) dropped"
        );
    }
}
