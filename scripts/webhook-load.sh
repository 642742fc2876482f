#!/usr/bin/env bash
# Webhook load: `integrations serve` on loopback taking Pancake order deliveries from `wrk`
# (Debian's `wrk`: apt-get install wrk), each a new or changed order, stored and logged.
# Prints wrk's figures. Needs TEST_DATABASE_URL (a role with CREATEDB and CREATEROLE, as
# scripts/ensure-postgres.sh prints); makes its own database and drops it with its roles.
#
#   ./scripts/webhook-load.sh [SECONDS] [CONNECTIONS]     (release build: PROFILE=release)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
connections=${2:-32}
profile=${PROFILE:-debug}
: "${TEST_DATABASE_URL:?set TEST_DATABASE_URL (see scripts/ensure-postgres.sh)}"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
export CARGO_INCREMENTAL=0
flag=(); [ "$profile" = release ] && flag=(--release)
cargo build -q "${flag[@]}" -p integrations-cli -p integrations-fake-servers
bin=target/$profile

work=$(mktemp -d)
db="it_load_$(date +%s)_$$"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
    psql -q "$TEST_DATABASE_URL" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null || true
    for role in $(psql -At "$TEST_DATABASE_URL" -c "SELECT rolname FROM pg_roles WHERE rolname LIKE '${db}\_%' ORDER BY rolname LIKE '%\_w\_%' DESC"); do
        psql -q "$TEST_DATABASE_URL" -c "DROP ROLE \"$role\"" >/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT

psql -q "$TEST_DATABASE_URL" -c "CREATE DATABASE $db"
owner_url="${TEST_DATABASE_URL%/*}/$db"
"$bin/fake-servers" >"$work/fakes" & pids+=($!)
until [ -s "$work/fakes" ]; do sleep 0.1; done
export PANCAKE_POS_BASE_URL=$(python3 -c "import sys, json; print(json.load(sys.stdin)['pancake_base_url'])" <"$work/fakes")
export META_GRAPH_BASE_URL=$(python3 -c "import sys, json; print(json.load(sys.stdin)['meta_base_url'])" <"$work/fakes")
export INTEGRATIONS_NO_KEYCHAIN=1 INTEGRATIONS_MASTER_KEY=$(openssl rand -base64 32)
field() { python3 -c "import sys, json; print(json.load(sys.stdin)['$1'])"; }
operator() { INTEGRATIONS_DATA_DIR=$work/operator DATABASE_URL=$owner_url "$bin/integrations" "$@"; }
client() { INTEGRATIONS_DATA_DIR=$work/client "$bin/integrations" "$@"; }
server_url=$(operator --json admin init | field serverUrl)
code=$(echo 'mật khẩu tải' | operator admin create-workspace --name Load --owner-email load@shop.vn | tail -1)
echo "$code" | client join >/dev/null
echo 'mật khẩu tải' | client login --email load@shop.vn >/dev/null
id=$(echo 'one-shop:load' | client --json create --provider PANCAKE_POS --shop-id 6036602 --name Load |
     field id)
secret=$(client --json webhook "$id" | field secret)

INTEGRATIONS_DATA_DIR=$work/server DATABASE_URL=$server_url INTEGRATIONS_LOG=error \
    "$bin/integrations" serve --listen 127.0.0.1:0 >"$work/serve" & pids+=($!)
until [ -s "$work/serve" ]; do sleep 0.1; done
base=$(sed -n 's/^listening on //p' "$work/serve")

# Each request a different order (ids cycle over 20000, so later ones update), like a shop
# whose orders change all day.
cat >"$work/orders.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Integrations-Secret"] = "$secret"
local n = 0
request = function()
  n = n + 1
  local id = (n * 7919 + math.random(0, 6)) % 20000 + 1
  local body = string.format('{"id":%d,"shop_id":6036602,"status":1,"total_price":%d,' ..
    '"inserted_at":"2026-03-01T08:00:00Z","updated_at":"2026-03-01T%02d:%02d:%02dZ",' ..
    '"bill_full_name":"Nguyễn Văn Tải","items":[{"variation_id":"v-%d","quantity":1}]}',
    id, 100000 + n, 8 + math.floor(n / 3600) % 12, math.floor(n / 60) % 60, n % 60, id % 50)
  return wrk.format(nil, nil, nil, body)
end
done = function(summary, latency, requests)
  io.write(string.format("statuses: %d non-2xx/3xx, %d socket errors\n",
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
LUA
echo "== $profile build, $connections connections, ${seconds}s, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
wrk -t2 -c"$connections" -d"${seconds}s" --latency -s "$work/orders.lua" "$base/webhooks/pancake/$id"
psql -At "$owner_url" -c "SELECT set_config('app.all_tenants', 'on', false)" \
    -c "SELECT 'stored orders: ' || count(*) || ', deliveries logged: ' || \
               (SELECT count(*) FROM webhook_deliveries) FROM pancake_orders" | tail -1
