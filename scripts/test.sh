#!/usr/bin/env bash
# Runs every test: installs and starts what the tests need (RabbitMQ, PostgreSQL, Celery for the interop tests,
# Prometheus for the telemetry tests: installed only, each test starts its own server on 127.0.0.1; Chromium for the
# dashboard's browser tests),
# builds the solution warning-free and runs all test projects, then the fault tests (which restart the
# broker, so they run alone, after the rest). Idempotent; needs only the .NET SDK and root.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/apt.sh

apt_ensure python3-celery curl
bash scripts/rabbitmq.sh
bash scripts/postgres.sh >/dev/null
bash scripts/prometheus.sh >/dev/null
bash scripts/chromium.sh >/dev/null   # headless browser for the dashboard's browser tests

mkdir -p .tmp
log=.tmp/test-output.txt
: > "$log"
status=0

run() {
  echo "==> $*"
  set +e
  "$@" 2>&1 | tee -a "$log"
  local rc=${PIPESTATUS[0]}
  set -e
  [ "$rc" -eq 0 ] || status=$rc
}

# 1. Everything in the solution: generator, analyzers, runtime (real broker), state store (real PostgreSQL),
#    interop (real Celery), telemetry (real Prometheus, a worker process), package.
# Built once, before any test runs: the package tests pack the solution's outputs (--no-build), which must not be
# racing the builds that `dotnet test` would otherwise run beside the first test projects.
run dotnet build TaskFlow.sln -c Release --nologo
run dotnet test TaskFlow.sln -c Release --nologo --no-build

# 2. Fault tests: real worker processes killed with kill -9, broker restarts; each prints its counts.
bash scripts/rabbitmq.sh
run dotnet test tests/TaskFlow.FaultTests/TaskFlow.FaultTests.csproj -c Release --nologo --logger "console;verbosity=detailed"

# Every failed test with the first lines of its message, so a red run names what failed at its end.
if grep -qE '^[[:space:]]+Failed [A-Za-z_]' "$log"; then
  echo "==> failed tests"
  grep -A 12 -E '^[[:space:]]+Failed [A-Za-z_]' "$log" | head -200
fi

# One closing line over all test runs, e.g. "tests: 250 passed, 0 failed, 0 skipped".
awk '
  # "Passed!  - Failed: 0, Passed: 57, Skipped: 0, Total: 57" (normal verbosity)
  /^(Passed|Failed)!/ {
    for (i = 1; i <= NF; i++) {
      v = $(i+1); gsub(",", "", v)
      if ($i == "Failed:")  failed  += v
      if ($i == "Passed:")  passed  += v
      if ($i == "Skipped:") skipped += v
    }
  }
  # "Total tests: 4" then "     Passed: 4" lines (detailed verbosity)
  /^Total tests:/ { block = 1; next }
  block && /^[[:space:]]+Passed: [0-9]+$/  { passed  += $2 }
  block && /^[[:space:]]+Failed: [0-9]+$/  { failed  += $2 }
  block && /^[[:space:]]+Skipped: [0-9]+$/ { skipped += $2 }
  /Total time:/ { block = 0 }
  END { printf "tests: %d passed, %d failed, %d skipped\n", passed, failed, skipped }
' "$log"
exit "$status"
