// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    // The build this binary is, without opening a window: what its About section shows, for a
    // script (or a support request) to compare with.
    if std::env::args().nth(1).as_deref() == Some("--version") {
        println!(
            "integration-manager {}",
            integrations_build_info::VERSION_LINE
        );
        return;
    }
    integration_manager_lib::run();
}
