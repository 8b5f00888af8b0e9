#!/usr/bin/env bash
# The daemon integration test (tests/e2e/test_daemon_sensor.py) against the production instance profile,
# deploy/dagster.production.yaml: runs, event logs, schedules and sensor cursors in PostgreSQL.
#
# Installs Debian's postgresql package when missing (root or passwordless sudo), starts a throw-away cluster
# (initdb + pg_ctl in a temp folder, as the postgres user when run as root) on a free port of 127.0.0.1 with
# password authentication, creates a user and a database, runs the test with PII_TEST_INSTANCE=postgres and
# PII_PG_*, then stops the cluster and removes its folder, whatever happened.
#   bash scripts/ci_postgres.sh            (from the repository; uses .venv, as `make test` leaves it)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${VENV:-.venv}/bin/python

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi; }

initdb_path() { ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1; }
if [ -z "$(initdb_path)" ]; then
  echo "ci_postgres: installing Debian's postgresql package" >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null \
    || { as_root apt-get update -q >/dev/null && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null; }
fi
PGBIN=$(dirname "$(initdb_path)")
[ -x "$PGBIN/pg_ctl" ] || { echo "ci_postgres: no PostgreSQL server binaries found" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/pii-ci-pg.XXXXXX")
if [ "$(id -u)" = 0 ]; then  # initdb refuses to run as root: the cluster belongs to the postgres user
  chown postgres: "$WORK"
  chmod 755 "$WORK"
  as_pg() { runuser -u postgres -- "$@"; }
else
  as_pg() { "$@"; }
fi
DATA=$WORK/data
cleanup() {
  as_pg "$PGBIN/pg_ctl" -D "$DATA" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

PORT=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
PASSWORD=$("$PY" -c 'import secrets; print(secrets.token_hex(16))')
as_pg "$PGBIN/initdb" -D "$DATA" -U postgres -E UTF8 --auth-local=trust --auth-host=scram-sha-256 >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$DATA" -l "$WORK/server.log" -w -t 60 \
  -o "-p $PORT -k $WORK -c listen_addresses=127.0.0.1" start >/dev/null
psql_admin() { as_pg psql -X -q -v ON_ERROR_STOP=1 -h "$WORK" -p "$PORT" -U postgres -d postgres -c "$1"; }
psql_admin "CREATE USER pii_dagster PASSWORD '$PASSWORD'"
psql_admin "CREATE DATABASE pii_dagster OWNER pii_dagster"

export PII_TEST_INSTANCE=postgres PII_PG_HOST=127.0.0.1 PII_PG_PORT=$PORT PII_PG_USER=pii_dagster \
       PII_PG_PASSWORD=$PASSWORD PII_PG_DB=pii_dagster
echo "ci_postgres: PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT; running the daemon test" >&2
"$PY" -m pytest -q -p no:xdist tests/e2e/test_daemon_sensor.py "$@"
