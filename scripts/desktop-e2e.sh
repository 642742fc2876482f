#!/usr/bin/env bash
# End-to-end test of the BUILT desktop app through WebDriver (tauri-driver + WebKitWebDriver)
# under Xvfb and a private D-Bus session: ui/e2e-desktop/desktop.test.mjs.
# Expects target/debug/integration-manager built with the UI embedded (scripts/test.sh does it):
#   npm --prefix ui run build && npm --prefix ui run tauri -- build --debug --no-bundle --ci
# and rebuilds it that way when it does not embed the current ui/dist.
# Builds the fake servers and the CLI, installs tauri-driver when missing, and starts the test
# PostgreSQL when TEST_DATABASE_URL is not set (the join step makes a shared workspace there).
# Screenshots land in ui/e2e-desktop/screenshots/.
# Overrides: APP_BINARY, FAKE_SERVERS_BIN, TAURI_DRIVER, E2E_CLI, TEST_DATABASE_URL.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/deps.sh"
cd "$ROOT"

# python3-xlib: e2e-desktop/x11-window.py closes the window as a window manager would.
apt_install xvfb xauth dbus-daemon webkit2gtk-driver python3-xlib
ensure_rust

if [ -z "${TAURI_DRIVER:-}" ]; then
  if command -v tauri-driver >/dev/null 2>&1; then
    TAURI_DRIVER=$(command -v tauri-driver)
  elif [ -x "$HOME/.cargo/bin/tauri-driver" ]; then
    TAURI_DRIVER="$HOME/.cargo/bin/tauri-driver"
  else
    echo "Installing tauri-driver..." >&2
    cargo install tauri-driver --locked --version '^2' >&2
    TAURI_DRIVER="$HOME/.cargo/bin/tauri-driver"
  fi
fi
export TAURI_DRIVER

# The binary must embed the built UI (`tauri build` adds the custom-protocol feature). A plain
# `cargo build`/`cargo test` of the workspace relinks target/debug/integration-manager WITHOUT it,
# and that binary loads the dev server (localhost:1420) instead: rebuild it then.
embeds_ui() {
  local asset
  [ -x "$1" ] && [ -d "$ROOT/ui/dist/assets" ] || return 1
  for asset in "$ROOT"/ui/dist/assets/*; do
    grep -a -q -F "$(basename "$asset")" "$1" || return 1
  done
}
if [ -n "${APP_BINARY:-}" ]; then
  [ -x "$APP_BINARY" ] || { echo "APP_BINARY=$APP_BINARY is not an executable." >&2; exit 1; }
else
  APP_BINARY=$ROOT/target/debug/integration-manager
  if ! embeds_ui "$APP_BINARY"; then
    echo "$APP_BINARY is missing or does not embed ui/dist: building it with tauri build." >&2
    npm --prefix ui run tauri -- build --debug --no-bundle --ci
  fi
fi
export APP_BINARY

if [ -z "${FAKE_SERVERS_BIN:-}" ]; then
  cargo build --locked -p integrations-fake-servers --bin fake-servers
  FAKE_SERVERS_BIN=$ROOT/target/debug/fake-servers
fi
export FAKE_SERVERS_BIN
# The About section names the app's own build (its `--version`); the CLI's `--version` must
# carry the same version (its commit may be newer: it can be built after the app).
if [ -z "${E2E_CLI:-}" ]; then
  cargo build --locked -p integrations-cli --bin integrations
  E2E_CLI=$ROOT/target/debug/integrations
fi
export E2E_CLI
# The join step makes a shared workspace on the test PostgreSQL (and drops it afterwards).
if [ -z "${TEST_DATABASE_URL:-}" ]; then
  TEST_DATABASE_URL=$("$ROOT/scripts/ensure-postgres.sh")
fi
export TEST_DATABASE_URL

xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- npm --prefix ui run test:desktop
