#!/usr/bin/env bash
# Installs Prometheus (Debian package prometheus) for the telemetry tests and the demo's instructions, WITHOUT running
# the package's own service: the tests start their own server on 127.0.0.1 with a temporary configuration and data
# directory (tests/TaskFlow.Telemetry.Tests). Idempotent. Prints the path of the prometheus binary on its last line.
set -euo pipefail

log() { printf '[prometheus] %s\n' "$*" >&2; }

# shellcheck source=apt.sh
source "$(dirname "${BASH_SOURCE[0]}")/apt.sh"

# No recommends: the node exporter and friends would be more services nobody asked for. apt_ensure installs with
# policy-rc.d refusing every service start, so the package's prometheus service is not started.
APT_INSTALL_OPTIONS=--no-install-recommends apt_ensure prometheus >&2

# Should the package's service ever be started (by hand, or an init system), it listens on loopback only.
if [ -f /etc/default/prometheus ] && ! grep -q '^ARGS=.*web.listen-address' /etc/default/prometheus; then
  sed -i 's/^ARGS=.*/ARGS="--web.listen-address=127.0.0.1:9090"/' /etc/default/prometheus
  grep -q '^ARGS=' /etc/default/prometheus || echo 'ARGS="--web.listen-address=127.0.0.1:9090"' >> /etc/default/prometheus
fi

# And if it runs now (an install from before this script), stop it: the tests need none.
if [ -x /etc/init.d/prometheus ] && /etc/init.d/prometheus status >/dev/null 2>&1; then
  log "stopping the package's own prometheus service"
  /etc/init.d/prometheus stop >/dev/null 2>&1 || true
fi

binary=$(command -v prometheus || true)
[ -n "$binary" ] || { log "the prometheus package is installed but no prometheus binary is on the PATH"; exit 1; }
log "$("$binary" --version 2>&1 | head -n 1)"
echo "$binary"
