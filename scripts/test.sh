#!/usr/bin/env bash
# Runs every test: installs and starts what the tests need (RabbitMQ, Celery for the interop tests),
# builds the solution warning-free and runs all test projects. Idempotent; needs only the .NET SDK and root.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/apt.sh

apt_ensure python3-celery curl
bash scripts/rabbitmq.sh

mkdir -p .tmp
log=.tmp/test-output.txt
set +e
dotnet test TaskFlow.sln -c Release --nologo 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# One closing line over all test projects, e.g. "57 passed, 0 failed, 0 skipped".
awk '
  /^(Passed|Failed)!/ {
    for (i = 1; i <= NF; i++) {
      gsub(",", "", $(i+1))
      if ($i == "Failed:")  failed  += $(i+1)
      if ($i == "Passed:")  passed  += $(i+1)
      if ($i == "Skipped:") skipped += $(i+1)
    }
  }
  END { printf "tests: %d passed, %d failed, %d skipped\n", passed, failed, skipped }
' "$log"
exit "$status"
