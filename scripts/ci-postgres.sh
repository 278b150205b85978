#!/usr/bin/env bash
# Install and start a local PostgreSQL for the reference implementation's database tests.
#
# Run as root on a fresh Debian machine:   eval "$(bash scripts/ci-postgres.sh)"
# It prints one line, `export CONFORMANCE_PG_URL=...`, on stdout (everything else goes to stderr),
# so the tests parametrized over SQLite and PostgreSQL run their PostgreSQL half too.
# Idempotent: a second run reuses the installed server, the running cluster and the role; the
# database is made afresh.
set -euo pipefail

PG_USER="${PG_USER:-conformance}"
PG_PASSWORD="${PG_PASSWORD:-conformance}"
PG_DB="${PG_DB:-conformance}"
PG_PORT="${PG_PORT:-5432}"

log() { echo "ci-postgres: $*" >&2; }

if ! command -v pg_lsclusters >/dev/null 2>&1 || [ -z "$(ls /usr/lib/postgresql 2>/dev/null)" ]; then
  log "installing postgresql from Debian packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
fi

version="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$version main"; then
  log "creating cluster $version/main"
  pg_createcluster "$version" main --port "$PG_PORT" >&2
fi
port="$(pg_lsclusters -h | awk -v v="$version" '$1==v && $2=="main" {print $3}')"
if ! pg_lsclusters -h | awk -v v="$version" '$1==v && $2=="main" {print $4}' | grep -q online; then
  # No systemd in containers: policy-rc.d stops the package from starting it, so start it here.
  log "starting cluster $version/main on port $port"
  pg_ctlcluster "$version" main start >&2
fi

for _ in $(seq 1 30); do
  if runuser -u postgres -- pg_isready -q -p "$port"; then break; fi
  sleep 1
done
runuser -u postgres -- pg_isready -p "$port" >&2

psql_admin() { runuser -u postgres -- psql -p "$port" -v ON_ERROR_STOP=1 -qtAX "$@"; }
if [ "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = '$PG_USER'")" != "1" ]; then
  log "creating role $PG_USER"
  psql_admin -c "CREATE ROLE \"$PG_USER\" LOGIN PASSWORD '$PG_PASSWORD'" >&2
fi
# A fresh database every time: tables left by an earlier run of an older schema would be reused
# as they are (the reference creates missing tables only, as it has no migrations).
log "creating database $PG_DB afresh"
psql_admin -c "DROP DATABASE IF EXISTS \"$PG_DB\" WITH (FORCE)" >&2
psql_admin -c "CREATE DATABASE \"$PG_DB\" OWNER \"$PG_USER\"" >&2

echo "export CONFORMANCE_PG_URL=postgresql+psycopg://$PG_USER:$PG_PASSWORD@127.0.0.1:$port/$PG_DB"
