#!/usr/bin/env bash
# The release packages, installed and driven end to end (scripts/test.sh runs it):
#  1. builds the release .deb and .rpm with scripts/package.sh, trusting a throwaway updater key
#     made for this run (the real public key stays in tauri.conf.json; its private key is only
#     in the release workflow's secrets), and signs them with it;
#  2. builds the next version (patch + 1) the same way: the update the test offers;
#  3. installs the .deb with `apt-get install ./….deb` and checks what it put on the system:
#     the binary on the PATH, the desktop entry and its icon, the declared WebKitGTK and
#     appindicator dependencies;
#  4. drives the INSTALLED app through WebDriver under Xvfb (ui/e2e-desktop/desktop.test.mjs:
#     first run, workspace, Pancake stores from the fake server, analytics, settings, About,
#     start at login, then updates served over HTTPS from 127.0.0.1: a tampered bundle and a
#     foreign signature refused, the signed update installed and restarted into);
#  5. uninstalls (purges) the package and checks the user's data directory is still there.
# Needs root or sudo (apt-get, dpkg). Screenshots land in ui/e2e-desktop/screenshots/.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/deps.sh"
cd "$ROOT"

PACKAGE=integration-manager
BINARY=/usr/bin/$PACKAGE

ensure_app_dependencies test
# The updater installs a .deb with pkexec, a password dialog or sudo; sudo is what a headless
# root session has.
apt_install sudo openssl

work=$(mktemp -d)
cleanup() {
  local status=$?
  if dpkg-query -W -f='${Status}' "$PACKAGE" 2>/dev/null | grep -q "install ok installed"; then
    echo "Removing the test's $PACKAGE package..." >&2
    as_root env DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq "$PACKAGE" >/dev/null || true
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT

if dpkg-query -W -f='${Status}' "$PACKAGE" 2>/dev/null | grep -q "install ok installed"; then
  echo "$PACKAGE is already installed on this machine; the test installs its own build and" \
       "removes it at the end. Remove it first (apt-get remove $PACKAGE)." >&2
  exit 1
fi

# A throwaway updater key pair, and a second one whose signatures the app must refuse.
tauri() { "$ROOT/ui/node_modules/.bin/tauri" "$@"; }
password=$(openssl rand -hex 16)
tauri signer generate --ci -p "$password" -w "$work/updater.key" >/dev/null
tauri signer generate --ci -p "$password" -w "$work/foreign.key" >/dev/null
node -e '
  const [pubkey, file] = process.argv.slice(1);
  require("fs").writeFileSync(file, JSON.stringify({ plugins: { updater: { pubkey } } }));
' "$(cat "$work/updater.key.pub")" "$work/test-key.json"
export TAURI_SIGNING_PRIVATE_KEY="$work/updater.key" TAURI_SIGNING_PRIVATE_KEY_PASSWORD="$password"

version=$(sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"/\1/p' Cargo.toml)
IFS=. read -r major minor patch <<<"${version%%-*}"
next="$major.$minor.$((patch + 1))"

started=$(date +%s)
mapfile -t packages < <("$ROOT/scripts/package.sh" --config "$work/test-key.json")
echo "Built ${packages[*]} in $(( $(date +%s) - started ))s." >&2
deb=$(printf '%s\n' "${packages[@]}" | grep '\.deb$')
rpm=$(printf '%s\n' "${packages[@]}" | grep '\.rpm$')
for package in "$deb" "$rpm"; do
  [ -s "$package" ] && [ -s "$package.sig" ] || { echo "missing $package or its .sig" >&2; exit 1; }
done
mkdir -p "$work/installed" "$work/update"
cp "$deb" "$rpm" "$work/installed/"
deb=$work/installed/$(basename "$deb")

started=$(date +%s)
mapfile -t updates < <("$ROOT/scripts/package.sh" --config "$work/test-key.json" \
  --config "{\"version\":\"$next\"}")
built=$(printf '%s\n' "${updates[@]}" | grep '\.deb$')
echo "Built the update $(basename "$built") in $(( $(date +%s) - started ))s." >&2
update=$work/update/$(basename "$built")
cp "$built" "$update"
cp "$built.sig" "$work/update/genuine.sig"
# The same package signed with a key the app does not trust (`signer sign` writes the .sig
# beside the file).
tauri signer sign -k "$(cat "$work/foreign.key")" -p "$password" --app-version "$next" \
  "$update" >/dev/null
mv "$update.sig" "$work/update/foreign.sig"

echo "Installing $(basename "$deb")..." >&2
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$deb" >/dev/null

fail() { echo "installed package: $*" >&2; exit 1; }
[ "$(command -v "$PACKAGE")" = "$BINARY" ] || fail "$PACKAGE is not on the PATH at $BINARY"
[ "$(dpkg-query -W -f='${Version}' "$PACKAGE")" = "$version" ] || fail "not version $version"
depends=$(dpkg-query -W -f='${Depends}' "$PACKAGE")
for dependency in libwebkit2gtk-4.1-0 libgtk-3-0 libayatana-appindicator3-1; do
  grep -q "\b$dependency\b" <<<"$depends" || fail "Depends ($depends) lacks $dependency"
done
desktop=$(dpkg -L "$PACKAGE" | grep '^/usr/share/applications/.*\.desktop$') \
  || fail "no desktop entry"
grep -q "^Exec=$PACKAGE\b" "$desktop" || fail "$desktop does not start $PACKAGE"
grep -q "^Name=Integration Manager$" "$desktop" || fail "$desktop is not named Integration Manager"
icon=$(sed -n 's/^Icon=//p' "$desktop")
dpkg -L "$PACKAGE" | grep -q "^/usr/share/icons/hicolor/.*/apps/$icon\.png$" \
  || fail "no hicolor icon named $icon"
echo "Installed: $BINARY, $desktop (icon $icon), Depends: $depends" >&2

# The CLI `cargo test` built: its --version must carry the installed app's version.
cargo build --locked -p integrations-cli >&2

home=$work/home
mkdir -p "$home"
E2E_INSTALLED=1 E2E_HOME=$home \
E2E_CLI=$ROOT/target/debug/integrations \
E2E_UPDATE_PACKAGE=$update E2E_UPDATE_VERSION=$next \
E2E_UPDATE_SIGNATURE=$work/update/genuine.sig E2E_UPDATE_FOREIGN_SIGNATURE=$work/update/foreign.sig \
APP_BINARY=$BINARY "$ROOT/scripts/desktop-e2e.sh"

[ "$(dpkg-query -W -f='${Version}' "$PACKAGE")" = "$next" ] \
  || fail "the update to $next is not what is installed after the test"

echo "Uninstalling (purge)..." >&2
as_root env DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq "$PACKAGE" >/dev/null
[ ! -e "$BINARY" ] || fail "$BINARY is still there after the purge"
data=$home/.local/share/vn.integrationmanager.desktop
for kept in "$data" "$data/integrations.db" "$data/logs"; do
  [ -e "$kept" ] || fail "uninstalling removed the user's $kept"
done
echo "Uninstalled; the user's data is still in $data." >&2
