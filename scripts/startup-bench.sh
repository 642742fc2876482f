#!/usr/bin/env bash
# Startup benchmark: the release desktop app against a bare WebKitGTK 4.1 window, under Xvfb
# and a private D-Bus session (the tray and single-instance need one), each run with fresh data,
# config and cache directories. Prints time to map, time to first paint, idle PSS with the
# window open and closed to the tray (see scripts/startup-bench/startup_bench.py for how each
# is taken). Figures only: nothing is asserted. Take them on a quiet machine (the load is printed).
#   scripts/startup-bench.sh [--runs 5] [--idle 20] [--settle 12] [--no-tray] [--only app|bare]
# APP_BINARY overrides the app (default target/release/integration-manager, built with the UI
# embedded when missing; rebuild it yourself after a change).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/deps.sh"
cd "$ROOT"

apt_install xvfb xauth dbus-daemon python3-gi gir1.2-webkit2-4.1 gir1.2-gtk-3.0 python3-xlib

if [ -z "${APP_BINARY:-}" ]; then
  APP_BINARY=$ROOT/target/release/integration-manager
  if [ ! -x "$APP_BINARY" ]; then
    ensure_rust
    ensure_node
    ensure_ui_packages
    echo "Building the release app (tauri build --no-bundle)..." >&2
    npm --prefix ui run tauri -- build --no-bundle --ci >&2
  fi
fi

# Debian's python3 (python3-gi and python3-xlib are its packages), not another one on PATH.
exec xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" dbus-run-session -- \
  /usr/bin/python3 "$ROOT/scripts/startup-bench/startup_bench.py" --app "$APP_BINARY" "$@"
