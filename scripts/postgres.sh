#!/usr/bin/env bash
# Installs (Debian package postgresql) and starts a local PostgreSQL cluster bound to 127.0.0.1, with a
# role and a database for TaskFlow's state store (tests, examples). Idempotent: does nothing that is
# already done. Prints the connection string (Npgsql form) as its last line.
#
#   bash scripts/postgres.sh            # -> Host=127.0.0.1;Port=5432;Username=taskflow;Password=taskflow;Database=taskflow
#
# Settings (environment): TASKFLOW_PG_PORT (default 5432), TASKFLOW_PG_USER (default taskflow),
# TASKFLOW_PG_PASSWORD (default taskflow), TASKFLOW_PG_DATABASE (default taskflow).
# There is no systemd here: the cluster is started with pg_ctlcluster (Debian's wrapper around pg_ctl,
# which runs as the postgres user).
set -euo pipefail

PORT="${TASKFLOW_PG_PORT:-5432}"
ROLE="${TASKFLOW_PG_USER:-taskflow}"
PASSWORD="${TASKFLOW_PG_PASSWORD:-taskflow}"
DATABASE="${TASKFLOW_PG_DATABASE:-taskflow}"
log() { printf '[postgres] %s\n' "$*" >&2; }

# shellcheck source=apt.sh
source "$(dirname "${BASH_SOURCE[0]}")/apt.sh"
apt_ensure postgresql >&2

# The newest installed server version, and its cluster "main" (created if the package did not).
VERSION=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
[ -n "$VERSION" ] || { log "no PostgreSQL server found under /usr/lib/postgresql"; exit 1; }
CLUSTER=main
if ! pg_lsclusters -h | awk -v v="$VERSION" -v c="$CLUSTER" '$1 == v && $2 == c { found = 1 } END { exit !found }'; then
  log "creating cluster $VERSION/$CLUSTER"
  pg_createcluster "$VERSION" "$CLUSTER" --port "$PORT" >&2
fi

# Loopback only, on the chosen port; fsync stays on (the kill -9 tests rely on durable commits).
# max_connections: `dotnet test TaskFlow.sln` runs test processes side by side, each with pools of up to 100 connections
# (Npgsql's default), and their worker processes with their own; idle pooled connections stay open for 5 minutes.
# 200 was exhausted once in CI (53300, 2026-12-08); with that burst fixed, `dotnet test TaskFlow.sln` still peaked at
# 156 established connections, sampled every 100 ms during the run with
#   ss -Htn state established '( sport = :5432 )' | wc -l
# 500 leaves room (shared memory 163 MB at 500, `SHOW
# shared_memory_size`, 128 MB of it shared_buffers).
CONF_DIR="/etc/postgresql/$VERSION/$CLUSTER/conf.d"
mkdir -p "$CONF_DIR"
WANTED=$(cat <<CONF
# Written by TaskFlow's scripts/postgres.sh.
listen_addresses = '127.0.0.1'
port = $PORT
max_connections = 500
CONF
)
if [ "$(cat "$CONF_DIR/taskflow.conf" 2>/dev/null || true)" != "$WANTED" ]; then
  printf '%s\n' "$WANTED" > "$CONF_DIR/taskflow.conf"
  CHANGED=yes
else
  CHANGED=no
fi

status() { pg_lsclusters -h | awk -v v="$VERSION" -v c="$CLUSTER" '$1 == v && $2 == c { print $4 }'; }
if [ "$(status)" = online ]; then
  if [ "$CHANGED" = yes ]; then
    log "configuration changed; restarting cluster $VERSION/$CLUSTER"
    pg_ctlcluster "$VERSION" "$CLUSTER" restart >&2
  else
    log "cluster $VERSION/$CLUSTER already running on 127.0.0.1:$PORT"
  fi
else
  log "starting cluster $VERSION/$CLUSTER on 127.0.0.1:$PORT"
  # A stale pid file after a kill leaves "down" with a pid file; pg_ctl copes with it.
  mkdir -p /var/run/postgresql && chown postgres:postgres /var/run/postgresql
  pg_ctlcluster "$VERSION" "$CLUSTER" start >&2
fi

ready=no
for _ in $(seq 1 60); do
  if pg_isready -q -h 127.0.0.1 -p "$PORT"; then ready=yes; break; fi
  sleep 0.5
done
[ "$ready" = yes ] || { log "PostgreSQL did not accept connections on 127.0.0.1:$PORT within 30 s"; tail -n 30 "/var/log/postgresql/postgresql-$VERSION-$CLUSTER.log" >&2 || true; exit 1; }

# Role and database (as the postgres superuser over the local socket).
psql_admin() { (cd / && runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$PORT" "$@"); }
if [ "$(psql_admin -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$ROLE'")" != 1 ]; then
  log "creating role $ROLE"
  psql_admin -c "CREATE ROLE \"$ROLE\" LOGIN PASSWORD '$PASSWORD'"
fi
if [ "$(psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'")" != 1 ]; then
  log "creating database $DATABASE"
  psql_admin -c "CREATE DATABASE \"$DATABASE\" OWNER \"$ROLE\""
fi

CS="Host=127.0.0.1;Port=$PORT;Username=$ROLE;Password=$PASSWORD;Database=$DATABASE"
if ! PGPASSWORD="$PASSWORD" psql -X -q -h 127.0.0.1 -p "$PORT" -U "$ROLE" -d "$DATABASE" -tAc 'SELECT 1' >/dev/null; then
  log "the role $ROLE cannot log in over TCP at 127.0.0.1:$PORT (check pg_hba.conf)"
  exit 1
fi
log "ready: $DATABASE on 127.0.0.1:$PORT"
printf '%s\n' "$CS"
