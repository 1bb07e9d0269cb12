#!/usr/bin/env bash
# PostgreSQL's own CPU floor for the state store's per-task work, with no TaskFlow code in the way: pgbench,
# prepared statements, 2 clients (a worker's idempotency reader and state writer each hold one connection).
# One transaction of task20.sql = the store's two statements for 20 tasks of a no-op benchmark task: the batched
# primary-key read of 20 ids (none found: new tasks) and the batched upsert of their 20 final rows, in the form the
# store sends by default (with NotifyFinalStates: the pg_notify of the finished ids), into setup.sql's copy of
# today's task_state table (same columns and indexes, 200,000 rows). ids.sql measures generating the 40 ids alone,
# to subtract. Needs scripts/postgres.sh's server.
# Usage: bash tests/TaskFlow.Benchmarks/pgfloor/run.sh [clients]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
clients="${1:-2}"
export PGPASSWORD=taskflow PGOPTIONS="-c client_min_messages=warning"
pg=(-h 127.0.0.1 -U taskflow taskflow)
pgbench=$(ls /usr/lib/postgresql/*/bin/pgbench | tail -1)
psql -q "${pg[@]}" -f "$here/setup.sql" 2>/dev/null
pgcpu() { local t=0 s; for p in $(pgrep -x postgres); do s=$(awk '{print $14+$15}' "/proc/$p/stat" 2>/dev/null || echo 0); t=$((t + ${s:-0})); done; echo "$t"; }
hz=$(getconf CLK_TCK)
for script in ids.sql task20.sql; do
  "$pgbench" "${pg[@]:0:4}" -n -M prepared -c "$clients" -j 1 -T 14 -f "$here/$script" taskflow > /tmp/pgfloor.out 2>&1 &
  sleep 3; c0=$(pgcpu); t0=$(date +%s.%N); sleep 10; c1=$(pgcpu); t1=$(date +%s.%N); wait
  tps=$(grep -oP 'tps = \K[0-9.]+' /tmp/pgfloor.out | head -1)
  awk -v c=$((c1 - c0)) -v hz="$hz" -v t0="$t0" -v t1="$t1" -v tps="$tps" -v s="$script" \
    'BEGIN { us = c * 1e6 / hz / (t1 - t0) / tps; printf "%-11s %9.0f transactions/s  PostgreSQL CPU %6.1f us/transaction = %5.1f us per task (of 20)\n", s, tps, us, us / 20 }'
done
psql -q "${pg[@]}" -c "DROP SCHEMA lb CASCADE"
