//! What was built: the workspace version (one for the app, the CLI and the packages) and the
//! commit, shown by the app's About section and by `integrations --version`.

/// The workspace version (`[workspace.package] version` in the root `Cargo.toml`).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The commit built (12 hex digits from git), or what `INTEGRATIONS_COMMIT` said at build time,
/// or `unknown` when built outside a git checkout.
pub const COMMIT: &str = env!("INTEGRATIONS_COMMIT");

/// `0.1.0 (commit 1a2b3c4d5e6f)`: the line after the program name in `--version`.
pub const VERSION_LINE: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("INTEGRATIONS_COMMIT"),
    ")"
);
