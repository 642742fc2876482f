//! tauri-build for the root-level app package: the capabilities live under `src-tauri/`, and
//! every app command is declared to it, so that each needs an explicit `allow-…` permission.

// The list of operations (`operations!`), shared with the app itself.
include!("operations.rs");

/// The names of the operations: each gets `allow-<name>`/`deny-<name>` permissions generated
/// into `gen/`; the webview can only call the ones a capability grants.
macro_rules! command_names {
    ($($name:ident($($(#[$meta:meta])* $arg:ident: $ty:ty),* $(,)?) -> $answer:ty;)*) => {
        &[$(stringify!($name)),*]
    };
}

const COMMANDS: &[&str] = operations!(command_names);

fn main() {
    // tauri-build only watches tauri.conf.json when a custom pattern is given: without this
    // line, edits to capabilities would not rerun the build script.
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .capabilities_path_pattern("./src-tauri/capabilities/**/*")
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("failed to run tauri-build");
}
