#!/usr/bin/env bash
# Builds the Linux release packages of the desktop app, a .deb and an .rpm (the release
# workflow builds the other platforms' and the AppImage, which cannot be bundled here), and
# prints the path of each package it wrote, one per line. Everything else goes to stderr, so
#   for package in $(scripts/package.sh); do ...; done
# works. Installs what is missing first, like the other scripts.
#
# Updater signatures: with TAURI_SIGNING_PRIVATE_KEY (and TAURI_SIGNING_PRIVATE_KEY_PASSWORD)
# set, each package gets a .sig beside it for the update manifest; without, the packages are
# built unsigned (and say so on stderr).
# Extra arguments go to `tauri build`, e.g. `--config overlay.json`.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/deps.sh"
cd "$ROOT"

ensure_app_dependencies

bundle_dir=${CARGO_TARGET_DIR:-$ROOT/target}/release/bundle
# Only this run's packages are listed at the end.
rm -rf "$bundle_dir/deb" "$bundle_dir/rpm"

options=(--bundles deb,rpm --ci)
if [ -z "${TAURI_SIGNING_PRIVATE_KEY:-}" ]; then
  echo "TAURI_SIGNING_PRIVATE_KEY is not set: building the packages without updater signatures." >&2
  options+=(--config '{"bundle":{"createUpdaterArtifacts":false}}')
fi
npm --prefix ui run tauri -- build "${options[@]}" "$@" >&2

packages=$(find "$bundle_dir/deb" "$bundle_dir/rpm" -maxdepth 1 -type f \
  \( -name '*.deb' -o -name '*.rpm' \) 2>/dev/null | sort)
if [ -z "$packages" ]; then
  echo "tauri build wrote no package under $bundle_dir." >&2
  exit 1
fi
printf '%s\n' "$packages"
