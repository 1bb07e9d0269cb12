#!/usr/bin/env bash
# PostgreSQL's own CPU floor for the state store's per-task work, with no TaskFlow code in the way:
# pgbench, prepared statements, 4 clients; one transaction of task20.sql = one read of 20 ids by primary key
# plus one upsert of 20 new rows into a copy of taskflow's task_state table (same columns and indexes).
# ids.sql measures generating the 20 ids alone, to subtract. Needs scripts/postgres.sh's server.
# Usage: bash tests/TaskFlow.Benchmarks/pgfloor/run.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
export PGPASSWORD=taskflow
pg=(-h 127.0.0.1 -U taskflow taskflow)
pgbench=$(ls /usr/lib/postgresql/*/bin/pgbench | tail -1)
psql -q "${pg[@]}" -f "$here/setup.sql" 2>/dev/null
pgcpu() { local t=0 s; for p in $(pgrep -x postgres); do s=$(awk '{print $14+$15}' "/proc/$p/stat" 2>/dev/null || echo 0); t=$((t + ${s:-0})); done; echo "$t"; }
hz=$(getconf CLK_TCK)
for script in ids.sql task20.sql; do
  "$pgbench" "${pg[@]:0:4}" -n -M prepared -c 4 -j 1 -T 14 -f "$here/$script" taskflow > /tmp/pgfloor.out 2>&1 &
  sleep 3; c0=$(pgcpu); t0=$(date +%s.%N); sleep 10; c1=$(pgcpu); t1=$(date +%s.%N); wait
  tps=$(grep -oP 'tps = \K[0-9.]+' /tmp/pgfloor.out | head -1)
  awk -v c=$((c1 - c0)) -v hz="$hz" -v t0="$t0" -v t1="$t1" -v tps="$tps" -v s="$script" \
    'BEGIN { us = c * 1e6 / hz / (t1 - t0) / tps; printf "%-11s %9.0f transactions/s  PostgreSQL CPU %6.1f us/transaction = %5.1f us per task (of 20)\n", s, tps, us, us / 20 }'
done
psql -q "${pg[@]}" -c "DROP SCHEMA lb CASCADE"
