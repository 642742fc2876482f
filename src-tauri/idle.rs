//! What the window holds while it is closed to the tray. WebKit's web process (the page, its
//! JavaScript heap, the rendering caches) is most of the app's memory, and a hidden window needs
//! none of it: closing the window ends that process, and opening the window again starts a new
//! one and reloads the page. The session, the sync scheduler and the tray live in the app
//! process, so the user comes back signed in, on the first page.

use std::sync::atomic::{AtomicBool, Ordering};

use tauri::{Runtime, WebviewWindow};

/// Whether the main window's web process was let go (and the page must be reloaded).
static RELEASED: AtomicBool = AtomicBool::new(false);

/// Ends the window's web process; call it once the window is hidden.
pub fn release_web_content<R: Runtime>(window: &WebviewWindow<R>) {
    #[cfg(target_os = "linux")]
    {
        let asked = window.with_webview(|webview| {
            use webkit2gtk::WebViewExt;
            let webview = webview.inner();
            // WebKit ends a WebDriver session with the web process it drives: a window under
            // automation (the end-to-end test) keeps its process and is only hidden.
            if webview.is_controlled_by_automation() {
                log::info!("window closed to the tray: web process kept (under automation)");
                return;
            }
            if !RELEASED.swap(true, Ordering::SeqCst) {
                webview.terminate_web_process();
                log::info!("window closed to the tray: web process released");
            }
        });
        if let Err(err) = asked {
            log::warn!("could not release the web process: {err}");
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = window;
}

/// Gives the window a page again if [`release_web_content`] took it; call it before showing.
/// True when the page is being reloaded (the window should wait for its first screen).
pub fn restore_web_content<R: Runtime>(window: &WebviewWindow<R>) -> bool {
    if !RELEASED.swap(false, Ordering::SeqCst) {
        return false;
    }
    match window.reload() {
        Ok(()) => true,
        Err(err) => {
            log::warn!("could not reload the window: {err}");
            false
        }
    }
}
