#!/usr/bin/env bash
# What each of pancake_orders' costs takes, server-side only: the same 100,000 orders (made by
# PostgreSQL itself, about 330 bytes of items JSON each) written into the real table and into
# copies of it with one thing taken away (the secondary indexes, the row trigger, row-level
# security, the foreign key, jsonb, the items themselves: every order with `[]`), with `COPY` and with the store's upsert
# (`INSERT ... ON CONFLICT ... DO UPDATE ... WHERE` the newer `updated_at`) from a table already
# on the server, 1,000 rows a statement and transaction. Then the store's own statement shape
# (15 arrays unnested) at 1,000 and at 100 rows a transaction with the checkpoint, as
# `write_batch` runs it. No client encoding, no parameter binding: what is left is the table's.
#
# A database `table_costs_<random>` of its own next to TEST_DATABASE_URL, dropped at the end.
# Rounds alternate the variants so load moves them alike; print seconds, never asserted.
#
#   TEST_DATABASE_URL=postgres://... crates/bench/table-costs.sh [rounds]
set -euo pipefail
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"

rounds=${1:-2}
admin=${TEST_DATABASE_URL:?set TEST_DATABASE_URL to a maintenance database (a role with CREATEDB)}
here=$(cd "$(dirname "$0")" && pwd)
migrations="$here/../../migrations/postgres"
name="table_costs_$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
base=${admin%%\?*}
base=${base%/*}
url="$base/$name"
work=$(mktemp -d)
tenant=11111111-1111-1111-1111-111111111111
integration=22222222-2222-2222-2222-222222222222
cols="tenant_id, integration_id, shop_id, order_id, status, inserted_at, updated_at, total_price, \
total_discount, shipping_fee, cod, currency, ad_id, page_id, utm_source, utm_campaign, \
received_at_shop, items"

cleanup() {
    psql "$admin" -qc "DROP DATABASE IF EXISTS $name" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

q() { psql "$url" -q -v ON_ERROR_STOP=1 "$@"; }

psql "$admin" -qc "CREATE DATABASE $name"
for migration in "$migrations"/*.sql; do
    q -f "$migration" >/dev/null
done

q >/dev/null <<SQL
BEGIN;
SELECT set_config('app.tenant_id', '$tenant', true);
INSERT INTO tenants (id, name) VALUES ('$tenant', 'Cửa hàng thời trang');
INSERT INTO integrations (tenant_id, id, name, provider, credentials, credentials_hint, config,
                          external_id, status)
VALUES ('$tenant', '$integration', 'Shop', 'PANCAKE_POS', 'ime1.x', 'x', '{}', '1', 'ACTIVE');
COMMIT;

CREATE TABLE src AS
SELECT g AS order_id, (g % 7)::int AS status,
       timestamptz '2026-01-01 00:00+07' + g * interval '5 minutes' AS inserted_at,
       timestamptz '2026-01-01 00:00+07' + g * interval '5 minutes'
           + (g % 4000) * interval '1 minute' AS updated_at,
       (g % 97) * 10000::bigint AS total_price, 0::bigint AS total_discount,
       30000::bigint AS shipping_fee, (g % 97) * 10000::bigint + 30000 AS cod,
       'VND'::text AS currency,
       CASE WHEN g % 3 = 0 THEN '2385' || (g % 12)::text END AS ad_id,
       CASE WHEN g % 3 = 0 THEN '1029384756' END AS page_id,
       CASE WHEN g % 3 = 0 THEN 'facebook' END AS utm_source,
       CASE WHEN g % 3 = 0 THEN 'Khuyến mãi Tết' END AS utm_campaign,
       CASE WHEN g % 5 = 0 THEN true END AS received_at_shop,
       (SELECT json_agg(json_build_object('bonus', false, 'name', 'Áo thun cổ tròn nữ – ' || k,
                'price', 150000 + k, 'productId', 'a1b2c3d4-' || (g % 50) || '-' || k,
                'quantity', 1 + k % 3, 'sku', 'SKU-1-0' || k || '-M',
                'variationId', 'v-' || (g % 50) || '-' || k))::text
          FROM generate_series(1, 1 + g % 3) k) AS items
FROM generate_series(1, 100000) g;
-- The store's statement binds one array per column; the same arrays, per transaction's rows.
CREATE TABLE arrays AS
SELECT (order_id - 1) / size AS chunk, size, array_agg(order_id ORDER BY order_id) a_id,
       array_agg(status) a_st, array_agg(inserted_at) a_ins, array_agg(updated_at) a_upd,
       array_agg(total_price) a_tp, array_agg(total_discount) a_td,
       array_agg(shipping_fee) a_sf, array_agg(cod) a_cod, array_agg(currency) a_cur,
       array_agg(ad_id) a_ad, array_agg(page_id) a_pg, array_agg(utm_source) a_us,
       array_agg(utm_campaign) a_uc, array_agg(received_at_shop) a_rs, array_agg(items) a_items
FROM src, (VALUES (100), (1000)) AS sizes(size) GROUP BY 1, 2;
CREATE INDEX ON arrays (size, chunk);
ALTER TABLE src ADD COLUMN chunk int;
UPDATE src SET chunk = (order_id - 1) / 1000;
CREATE INDEX ON src (chunk);
VACUUM ANALYZE src;
VACUUM ANALYZE arrays;

-- Copies of the real table, each without one of its costs.
DO \$\$
DECLARE v text;
BEGIN
  -- empty_items: the real table's every cost, written with items '[]' (the payload's share).
  FOREACH v IN ARRAY ARRAY['no_indexes', 'no_trigger', 'no_rls', 'no_foreign_key', 'json_items',
                           'empty_items']
  LOOP
    EXECUTE format('CREATE TABLE %I (LIKE pancake_orders INCLUDING ALL)', v);
    IF v <> 'no_foreign_key' THEN
      EXECUTE format('ALTER TABLE %I ADD FOREIGN KEY (tenant_id, integration_id)
                      REFERENCES integrations (tenant_id, id) ON DELETE CASCADE', v);
    END IF;
    IF v <> 'no_trigger' THEN
      EXECUTE format('CREATE TRIGGER %I BEFORE INSERT OR UPDATE ON %I
                      FOR EACH ROW EXECUTE FUNCTION touch_synced_row()', v || '_touch', v);
    END IF;
    IF v <> 'no_rls' THEN
      PERFORM app_isolate_tenant_table(v::regclass);
    END IF;
  END LOOP;
  ALTER TABLE json_items ALTER COLUMN items TYPE json;
  FOR v IN SELECT indexrelid::regclass::text FROM pg_index
           WHERE indrelid = 'no_indexes'::regclass AND NOT indisprimary LOOP
    EXECUTE 'DROP INDEX ' || v;
  END LOOP;
  -- Nothing but the key ON CONFLICT needs.
  CREATE TABLE bare (LIKE pancake_orders INCLUDING DEFAULTS);
  ALTER TABLE bare ADD PRIMARY KEY (tenant_id, shop_id, order_id);
END
\$\$;
SQL
psql "$url" -qc "\\copy (SELECT '$tenant', '$integration', 1, order_id, status, inserted_at, \
updated_at, total_price, total_discount, shipping_fee, cod, currency, ad_id, page_id, \
utm_source, utm_campaign, received_at_shop, items FROM src ORDER BY order_id) TO '$work/orders.txt'"
psql "$url" -qc "\\copy (SELECT '$tenant', '$integration', 1, order_id, status, inserted_at, \
updated_at, total_price, total_discount, shipping_fee, cod, currency, ad_id, page_id, \
utm_source, utm_campaign, received_at_shop, '[]' FROM src ORDER BY order_id) \
TO '$work/orders-empty-items.txt'"

begin="BEGIN; SELECT set_config('app.tenant_id', '$tenant', true) \\g /dev/null"
upsert_tail() {
    echo "ON CONFLICT (tenant_id, shop_id, order_id) DO UPDATE SET \
integration_id = excluded.integration_id, status = excluded.status, \
inserted_at = excluded.inserted_at, updated_at = excluded.updated_at, \
total_price = excluded.total_price, total_discount = excluded.total_discount, \
shipping_fee = excluded.shipping_fee, cod = excluded.cod, currency = excluded.currency, \
ad_id = excluded.ad_id, page_id = excluded.page_id, utm_source = excluded.utm_source, \
utm_campaign = excluded.utm_campaign, received_at_shop = excluded.received_at_shop, \
items = excluded.items WHERE $1.updated_at IS NULL OR excluded.updated_at IS NULL \
OR excluded.updated_at >= $1.updated_at"
}

# script TABLE METHOD: the SQL of one run.
script() {
    local table=$1 method=$2 chunks size file=orders.txt items=items
    if [ "$table" = empty_items ]; then
        file=orders-empty-items.txt
        items="'[]'"
    fi
    case $method in
    copy)
        echo "$begin"
        echo "ALTER TABLE $table NO FORCE ROW LEVEL SECURITY;"
        echo "\\copy $table ($cols) FROM '$work/$file'"
        echo "ALTER TABLE $table FORCE ROW LEVEL SECURITY; COMMIT;"
        ;;
    upsert | insert)
        for chunk in $(seq 0 99); do
            echo "$begin"
            echo "INSERT INTO $table ($cols) SELECT '$tenant', '$integration', 1, order_id, \
status, inserted_at, updated_at, total_price, total_discount, shipping_fee, cod, currency, ad_id, \
page_id, utm_source, utm_campaign, received_at_shop, $items::jsonb FROM src WHERE chunk = $chunk"
            if [ "$method" = upsert ]; then upsert_tail "$table"; fi
            echo "; COMMIT;"
        done
        ;;
    arrays-1000 | arrays-100 | arrays-100-async)
        size=${method#arrays-}
        size=${size%-async}
        chunks=$((100000 / size - 1))
        for chunk in $(seq 0 "$chunks"); do
            echo "$begin"
            if [ "$method" = arrays-100-async ]; then echo "SET LOCAL synchronous_commit = off;"; fi
            echo "INSERT INTO $table ($cols) SELECT '$tenant', '$integration', 1, t.order_id, \
t.status, t.inserted_at, t.updated_at, t.total_price, t.total_discount, t.shipping_fee, t.cod, \
t.currency, t.ad_id, t.page_id, t.utm_source, t.utm_campaign, t.received_at_shop, t.items::jsonb \
FROM arrays, UNNEST(a_id, a_st, a_ins, a_upd, a_tp, a_td, a_sf, a_cod, a_cur, a_ad, a_pg, a_us, \
a_uc, a_rs, a_items) AS t(order_id, status, inserted_at, updated_at, total_price, total_discount, \
shipping_fee, cod, currency, ad_id, page_id, utm_source, utm_campaign, received_at_shop, items) \
WHERE arrays.size = $size AND arrays.chunk = $chunk"
            upsert_tail "$table"
            echo ";"
            echo "INSERT INTO sync_cursors (tenant_id, integration_id, stream, cursor, updated_at) \
VALUES ('$tenant', '$integration', 'orders', '{\"window\": {\"nextPage\": $chunk}}', now()) \
ON CONFLICT (tenant_id, integration_id, stream) DO UPDATE SET cursor = excluded.cursor, \
updated_at = now(); COMMIT;"
        done
        ;;
    esac
}

# run TABLE METHOD: seconds for the 100,000 rows into an emptied table.
run() {
    script "$1" "$2" >"$work/run.sql"
    q -c "TRUNCATE $1" >/dev/null
    local started ended stored
    started=$(date +%s.%N)
    q -f "$work/run.sql" >/dev/null
    ended=$(date +%s.%N)
    stored=$(q -Atc "SET app.tenant_id = '$tenant'; SELECT count(*) FROM $1" | tail -1)
    if [ "$stored" != 100000 ]; then
        echo "table-costs: $1 $2 stored $stored rows, not 100000" >&2
        exit 1
    fi
    echo "$ended - $started" | bc
}

tables=(pancake_orders no_indexes no_trigger no_rls no_foreign_key json_items empty_items bare)
declare -A took
echo "uptime before: $(uptime)"
for round in $(seq 1 "$rounds"); do
    for table in "${tables[@]}"; do
        for method in copy upsert insert; do
            took[$table/$method]="${took[$table/$method]:-} $(run "$table" "$method")"
        done
    done
    for method in arrays-1000 arrays-100 arrays-100-async; do
        took[pancake_orders/$method]="${took[pancake_orders/$method]:-} $(run pancake_orders "$method")"
    done
done
echo "uptime after:  $(uptime)"

echo
echo "| table (100,000 orders) | COPY s | upsert s (1,000 a statement) | INSERT s, no ON CONFLICT | upsert of COPY |"
echo "|:--|--:|--:|--:|--:|"
for table in "${tables[@]}"; do
    copy=$(echo "${took[$table/copy]}" | tr ' ' '\n' | sed '/^$/d' | sort -n | head -1)
    upsert=$(echo "${took[$table/upsert]}" | tr ' ' '\n' | sed '/^$/d' | sort -n | head -1)
    insert=$(echo "${took[$table/insert]}" | tr ' ' '\n' | sed '/^$/d' | sort -n | head -1)
    printf "| %s | %.2f | %.2f | %.2f | %.0f %% |\n" "$table" "$copy" "$upsert" "$insert" \
        "$(echo "100 * $copy / $upsert" | bc -l)"
done
echo
echo "| the store's statement into pancake_orders | s | of COPY |"
echo "|:--|--:|--:|"
copy=$(echo "${took[pancake_orders/copy]}" | tr ' ' '\n' | sed '/^$/d' | sort -n | head -1)
for method in arrays-1000 arrays-100 arrays-100-async; do
    best=$(echo "${took[pancake_orders/$method]}" | tr ' ' '\n' | sed '/^$/d' | sort -n | head -1)
    printf "| %s | %.2f | %.0f %% |\n" "$method" "$best" "$(echo "100 * $copy / $best" | bc -l)"
done
echo
echo "(best of $rounds rounds each; every run into an emptied table, 1 transaction for COPY, one per"
echo "statement otherwise; arrays-N: the store's UNNEST upsert plus its checkpoint, N rows a"
echo "transaction; -async: the same with synchronous_commit off, to weigh the commits' flush.)"
