#!/usr/bin/env bash
# Starts Integration Manager on the embedded SQLite database (the default standalone mode):
# the README's start command. Installs what is missing, builds the UI and the app, runs it.
# Set DATABASE_URL (and INTEGRATIONS_MASTER_KEY) first to use a shared PostgreSQL instead.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/deps.sh"
cd "$ROOT"

ensure_app_dependencies

npm --prefix ui run tauri -- build --debug --no-bundle --ci >&2
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "No display found: run this from a desktop session (or under xvfb-run)." >&2
  exit 1
fi
exec "$ROOT/target/debug/integration-manager" "$@"
