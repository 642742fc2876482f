#!/usr/bin/env bash
# Makes sure a local PostgreSQL is installed and running, with the ordinary role the tests use
# (LOGIN CREATEDB CREATEROLE, not superuser, no BYPASSRLS, so row-level security is really
# exercised). CREATEROLE is what `integrations admin init` needs: the tests run it to make the
# workspace and server roles of their databases, as an operator's schema owner would.
# Prints nothing but errors; idempotent. Needs root (or sudo) the first time.
set -euo pipefail

ROLE=integrations_test
PASSWORD=integrations_test

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi
}

if ! command -v pg_lsclusters >/dev/null 2>&1; then
  echo "Installing PostgreSQL (Debian package postgresql)..." >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    postgresql postgresql-contrib >/dev/null
fi

# The newest installed cluster; create one if the package left none.
cluster=$(pg_lsclusters --no-header 2>/dev/null | sort -k1,1V | tail -n 1)
if [ -z "$cluster" ]; then
  version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
  as_root pg_createcluster "$version" main >&2
  cluster=$(pg_lsclusters --no-header | sort -k1,1V | tail -n 1)
fi
read -r version name port status _ <<<"$cluster"
if [ "$status" != "online" ]; then
  # Its chatter ("Removed stale pid file." after a killed server) goes to stderr: stdout is
  # reserved for the URL, which callers capture.
  # A server killed a moment ago may still hold its socket lock: try again for a few seconds.
  for attempt in 1 2 3 4 5 6; do
    as_root pg_ctlcluster --skip-systemctl-redirect "$version" "$name" start >&2 && break
    [ "$attempt" = 6 ] && exit 1
    sleep 1
  done
fi

for _ in $(seq 1 50); do
  as_postgres psql -p "$port" -qAtc 'SELECT 1' >/dev/null 2>&1 && break
  sleep 0.2
done

as_postgres psql -p "$port" -v ON_ERROR_STOP=1 -qAt >/dev/null <<SQL
DO \$\$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$ROLE') THEN
    CREATE ROLE $ROLE LOGIN CREATEDB CREATEROLE NOSUPERUSER NOBYPASSRLS PASSWORD '$PASSWORD';
  ELSE
    ALTER ROLE $ROLE LOGIN CREATEDB CREATEROLE NOSUPERUSER NOBYPASSRLS PASSWORD '$PASSWORD';
  END IF;
END
\$\$;
SQL

echo "postgres://$ROLE:$PASSWORD@127.0.0.1:$port/postgres"
