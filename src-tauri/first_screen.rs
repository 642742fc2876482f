//! When the main window shows. It is created hidden (`visible: false` in `tauri.conf.json`) and
//! shown when its page says its first screen is rendered ([`first_screen_ready`], which the UI
//! calls once per page load, after the first render that is not the "Starting…" placeholder):
//! the user never sees an empty frame or a half-built page. A page that never says so (a script
//! that failed to load, a UI that throws) still gets its window after [`FALLBACK`]. A window
//! coming back from the tray whose page was reloaded waits for that page the same way.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde::Deserialize;
use tauri::{AppHandle, Manager, Runtime};
use ts_rs::TS;

/// How long a page may take to render its first screen before the window shows anyway. Under
/// load (eight builds on two cores) the first screen has taken up to 12 s; an empty window after
/// 10 s is still better than none.
pub const FALLBACK: Duration = Duration::from_secs(10);

/// Whether the window is waiting for its page before showing.
static PENDING: AtomicBool = AtomicBool::new(false);
/// Which wait a fallback timer belongs to (a timer left from an earlier wait must not show the
/// window early during a later one).
static WAIT: AtomicU64 = AtomicU64::new(0);
static PROCESS_STARTED: OnceLock<Instant> = OnceLock::new();

/// Marks the start of the process (as near as the app gets to it): the log's figures count from
/// here.
pub fn process_started() {
    PROCESS_STARTED.get_or_init(Instant::now);
}

fn since_start() -> u128 {
    PROCESS_STARTED
        .get_or_init(Instant::now)
        .elapsed()
        .as_millis()
}

/// Shows the main window once its page has rendered its first screen, or after [`FALLBACK`].
pub fn show_when_rendered<R: Runtime>(app: &AppHandle<R>) {
    let wait = WAIT.fetch_add(1, Ordering::SeqCst) + 1;
    PENDING.store(true, Ordering::SeqCst);
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(FALLBACK).await;
        if WAIT.load(Ordering::SeqCst) == wait && PENDING.swap(false, Ordering::SeqCst) {
            log::warn!(
                "the page did not render its first screen within {} s: window shown anyway",
                FALLBACK.as_secs()
            );
            show_now(&app);
        }
    });
}

/// Whether the window is waiting for its page (it shows by itself then).
pub fn waiting() -> bool {
    PENDING.load(Ordering::SeqCst)
}

/// Shows, unminimizes and focuses the main window.
pub fn show_now<R: Runtime>(app: &AppHandle<R>) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.show();
        let _ = window.unminimize();
        let _ = window.set_focus();
    }
}

/// The page's own timings, in milliseconds since its navigation started (`performance.now()`).
#[derive(Debug, Clone, Copy, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PageTimings {
    /// The HTML received (the navigation entry's `responseEnd`).
    pub html_loaded: f64,
    /// The app's script started running (its imports fetched and parsed).
    pub script_started: f64,
    /// The core's first answer (`app_status`) arrived.
    pub core_answered: f64,
    /// The first screen was committed to the page.
    pub rendered: f64,
}

/// The page rendered its first screen: logs where its time went, and shows the window if it was
/// waiting for this.
pub fn first_screen_ready<R: Runtime>(app: &AppHandle<R>, timings: PageTimings) {
    let at = since_start();
    log::info!(
        "first screen rendered {at} ms after the process started; the page's own clock: HTML \
         {:.0} ms, script running {:.0} ms, core answered {:.0} ms, rendered {:.0} ms (so the \
         page started about {:.0} ms after the process)",
        timings.html_loaded,
        timings.script_started,
        timings.core_answered,
        timings.rendered,
        at as f64 - timings.rendered
    );
    if PENDING.swap(false, Ordering::SeqCst) {
        show_now(app);
    }
}
