#!/usr/bin/env bash
# Re-takes the screenshots in this folder: runs the app (UI embedded) under Xvfb on a fresh data
# directory, creates a workspace with the keyboard, and captures the screen before and after.
#
#   npm --prefix ui run build && cargo build --features tauri/custom-protocol
#   xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- docs/screenshots/capture.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=docs/screenshots
APP=${APP:-target/debug/integration-manager}
SCRATCH=$(mktemp -d)
trap 'kill "$PID" 2>/dev/null || true; rm -rf "$SCRATCH"' EXIT

export INTEGRATIONS_DATA_DIR=$SCRATCH/data INTEGRATIONS_NO_KEYCHAIN=1
export XDG_DATA_HOME=$SCRATCH/xdg-data XDG_CONFIG_HOME=$SCRATCH/xdg-config
"$APP" >"$SCRATCH/app.log" 2>&1 &
PID=$!

xdotool search --sync --name '^Integration Manager$' >/dev/null
sleep 4                                   # first paint of the webview
shot() { import -window root "$SCRATCH/root.png" && /usr/bin/convert "$SCRATCH/root.png" -crop 1200x800+0+0 +repage "$OUT/$1"; }

xdotool mousemove 1190 790 click 1        # focus the page (an empty corner)
xdotool key Tab Right                 # focus the selected tab, move to "Create workspace"
sleep 0.5
shot signup.png

xdotool key Tab; xdotool type --delay 40 'Shop thời trang Hà Nội'
xdotool key Tab; xdotool type --delay 40 'chu@shop.vn'
xdotool key Tab; xdotool type --delay 40 'mat khau that dai 123'
xdotool key Return
sleep 4                                   # password hashing + the list
shot integrations-empty.png
echo "screenshots in $OUT; app log:"; cat "$SCRATCH/app.log"
