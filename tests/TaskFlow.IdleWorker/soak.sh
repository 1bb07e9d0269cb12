#!/usr/bin/env bash
# Soak (docs/benchmarks.md, "Soak"): COUNT tasks (default 1,000,000) through one worker with the PostgreSQL state store
# (TaskFlow.IdleWorker store mode, one queue, concurrency 8, default prefetch), its RSS sampled every 10 s while a
# sender process enqueues them and the worker drains the queue. Writes soak.csv (seconds, RSS MB, tasks succeeded so
# far) into OUT (default /tmp/taskflow-soak) and, when python3-matplotlib is installed, soak.png.
#   bash tests/TaskFlow.IdleWorker/soak.sh
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
count="${COUNT:-1000000}"
out="${OUT:-/tmp/taskflow-soak}"
mkdir -p "$out"
dotnet build "$here" -c Release -v q -nologo >/dev/null
dll="$here/bin/Release/net10.0/TaskFlow.IdleWorker.dll"
queue="soak-$$"
schema="soak_$$"
psql_() { PGPASSWORD=taskflow psql -h 127.0.0.1 -U taskflow -d taskflow -tAc "$1"; }
dotnet "$dll" store "$queue" "$schema" > "$out/worker.log" 2>&1 &
worker=$!
for _ in $(seq 1 100); do grep -q '^ready' "$out/worker.log" && break; sleep 0.2; done
dotnet "$dll" send "$queue" "$schema" "$count" > "$out/sender.log" 2>&1 &
sender=$!
echo "seconds,rss_mb,succeeded" > "$out/soak.csv"
start=$(date +%s)
while true; do
  sleep 10
  now=$(( $(date +%s) - start ))
  rss=$(awk '/^VmRSS/ {printf "%.1f", $2/1024}' "/proc/$worker/status")
  done_=$(psql_ "SELECT count(*) FROM $schema.task_state WHERE state = 10" 2>/dev/null || echo 0)
  echo "$now,$rss,$done_" | tee -a "$out/soak.csv"
  if ! kill -0 "$sender" 2>/dev/null && [[ "$done_" -ge "$count" ]]; then break; fi
  if (( now > 3600 )); then echo "soak: not drained after an hour" >&2; break; fi
done
# Idle after the load: three more samples.
for _ in 1 2 3; do sleep 10; now=$(( $(date +%s) - start )); echo "$now,$(awk '/^VmRSS/ {printf "%.1f", $2/1024}' "/proc/$worker/status"),$done_" | tee -a "$out/soak.csv"; done
kill -TERM "$worker"; wait "$worker" 2>/dev/null || true
cat "$out/sender.log"
psql_ "DROP SCHEMA $schema CASCADE" >/dev/null 2>&1
curl -s -u guest:guest -X DELETE "http://127.0.0.1:15672/api/queues/%2F/$queue" >/dev/null || true
py=python3; [[ -x /usr/bin/python3 ]] && py=/usr/bin/python3  # Debian's python3-matplotlib is for the system Python
if "$py" -c 'import matplotlib' 2>/dev/null; then
  "$py" - "$out" "$count" <<'PY'
import csv, sys
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
out, count = sys.argv[1], int(sys.argv[2])
rows = list(csv.DictReader(open(f"{out}/soak.csv")))
t = [int(r["seconds"]) for r in rows]; rss = [float(r["rss_mb"]) for r in rows]; done = [int(r["succeeded"]) / 1000 for r in rows]
fig, ax = plt.subplots(figsize=(8, 4))
ax.plot(t, rss, color="tab:blue", marker=".", label="worker RSS (MB)")
ax.set_xlabel("seconds"); ax.set_ylabel("RSS (MB)", color="tab:blue"); ax.set_ylim(0, max(rss) * 1.2)
ax2 = ax.twinx(); ax2.plot(t, done, color="tab:green", label="tasks succeeded (thousands)"); ax2.set_ylabel("tasks succeeded (thousands)", color="tab:green")
ax.set_title(f"Soak: {count:,} tasks through one worker (state store on), RSS every 10 s")
fig.tight_layout(); fig.savefig(f"{out}/soak.png", dpi=100)
PY
  echo "plot: $out/soak.png"
fi
