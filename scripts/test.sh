#!/usr/bin/env bash
# The whole test suite: the README's test command, and what CI runs (.ci/run calls it).
# Installs what is missing, starts PostgreSQL with the ordinary test role, then checks format
# and lints (the release workflow too), builds the UI, runs every test (Rust and UI), and builds
# the release packages, installs the .deb and drives the installed app.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/deps.sh"
cd "$ROOT"

# A clean clone builds once: incremental state would only double what target/ holds.
if [ -n "${CI:-}" ]; then export CARGO_INCREMENTAL=0; fi

started=$(date +%s)
step() { printf '\n==> %s (%ss)\n' "$1" "$(( $(date +%s) - started ))" >&2; }

step "Dependencies"
ensure_app_dependencies test

step "PostgreSQL"
TEST_DATABASE_URL=$("$ROOT/scripts/ensure-postgres.sh")
export TEST_DATABASE_URL
if ! [[ "$TEST_DATABASE_URL" =~ ^postgres://[^[:space:]]+$ ]]; then
  echo "ensure-postgres.sh printed something other than one URL: $TEST_DATABASE_URL" >&2
  exit 1
fi
# Databases left by earlier runs (each test makes its own `it_*` database). One still in use
# belongs to a test running elsewhere on this machine (another checkout's suite): PostgreSQL
# refuses to drop it, and it is left alone.
psql "$TEST_DATABASE_URL" -qAt -c "SELECT datname FROM pg_database WHERE datname LIKE 'it\_%'" \
  | while read -r db; do
      psql "$TEST_DATABASE_URL" -qc "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
    done
# Roles are cluster-wide: a test that made workspace roles for its database and then failed
# leaves them. Their names start with the database's (`it_<hex>_…`); those whose database is
# gone are dropped (workspace roles before the group roles they belong to).
psql "$TEST_DATABASE_URL" -qAt -c "SELECT rolname FROM pg_roles r WHERE rolname LIKE 'it\_%' \
    AND NOT EXISTS (SELECT 1 FROM pg_database d WHERE d.datname = left(r.rolname, 35)) \
    ORDER BY rolname LIKE '%\_w\_%' DESC" \
  | while read -r role; do
      psql "$TEST_DATABASE_URL" -qc "DROP ROLE IF EXISTS \"$role\"" >/dev/null 2>&1 || true
    done

step "Format and lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
# The release workflow (and any other) through actionlint, which runs shellcheck on its scripts.
"$(ensure_actionlint)" -color

step "UI: type check, build, unit tests, browser tests (Chromium, IPC mocked)"
npm --prefix ui run build
npm --prefix ui test
npm --prefix ui run test:e2e

step "Rust tests (core on PostgreSQL and SQLite, providers against fake servers, CLI, shell)"
cargo test --workspace --locked

step "Generated TypeScript bindings match the Rust types"
# `cargo test` has just rewritten ui/src/bindings from the Rust types; any difference from the
# committed files means the UI was built against stale shapes.
if [ -n "$(git status --porcelain -- ui/src/bindings)" ]; then
  git status --short -- ui/src/bindings >&2
  echo "ui/src/bindings is out of date: run cargo test and commit the result." >&2
  exit 1
fi

# The desktop app is tested as users get it: the release .deb, installed, driven through
# WebDriver (the whole flow, About, start at login, updates), uninstalled.
step "Release packages: built, installed and driven end to end (WebDriver, Xvfb), uninstalled"
"$ROOT/scripts/installed-e2e.sh"

step "Done in $(( $(date +%s) - started ))s"
