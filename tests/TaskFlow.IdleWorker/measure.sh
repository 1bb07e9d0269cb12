#!/usr/bin/env bash
# Idle memory of a TaskFlow worker (docs/benchmarks.md, "Idle memory"). Starts each mode of TaskFlow.IdleWorker
# (empty generic host; + TaskFlow worker on one queue; + PostgreSQL state store) under each GC setting, samples its RSS
# (VmRSS) every 10 s for IDLE_SECONDS (default 60), and prints the last sample and the largest.
# Needs RabbitMQ and PostgreSQL (bash scripts/rabbitmq.sh && bash scripts/postgres.sh).
#   bash tests/TaskFlow.IdleWorker/measure.sh            # every mode, default GC and the GC settings below
#   IDLE_SETTINGS=default bash tests/TaskFlow.IdleWorker/measure.sh    # every mode, default settings only (3 minutes)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
seconds="${IDLE_SECONDS:-60}"
dotnet build "$here" -c Release -v q -nologo >/dev/null
dll="$here/bin/Release/net10.0/TaskFlow.IdleWorker.dll"
printf '| mode | GC setting | RSS after %s s (MB) | max RSS (MB) |\n|---|---|---:|---:|\n' "$seconds"
read -r -a settings <<< "${IDLE_SETTINGS:-default DOTNET_GCgen0size=0x400000 DOTNET_GCConserveMemory=5 DOTNET_TieredCompilation=0}"
for setting in "${settings[@]}"; do
  for mode in empty worker store; do
    env=()
    [[ "$setting" != default ]] && env=("$setting")
    out="$(mktemp)"
    env "${env[@]}" dotnet "$dll" "$mode" "idle-measure" "idle_measure" >"$out" 2>&1 &
    pid=$!
    for _ in $(seq 1 100); do grep -q '^ready' "$out" && break; sleep 0.2; done
    grep -q '^ready' "$out" || { echo "$mode did not start:"; cat "$out"; kill "$pid" 2>/dev/null; exit 1; }
    max=0; rss=0
    for _ in $(seq 1 $((seconds / 10))); do
      sleep 10
      rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
      (( rss > max )) && max=$rss
    done
    kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
    printf '| %s | %s | %.1f | %.1f |\n' "$mode" "$setting" "$(echo "$rss/1024" | bc -l)" "$(echo "$max/1024" | bc -l)"
    rm -f "$out"
  done
done
