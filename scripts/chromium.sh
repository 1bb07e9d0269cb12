#!/usr/bin/env bash
# Installs Debian's chromium (headless browser for the dashboard's browser tests, tests/TaskFlow.Dashboard.Tests,
# driven by Playwright through /usr/bin/chromium: no browser download) and chromium-driver. Idempotent; needs root.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/apt.sh

APT_INSTALL_OPTIONS=--no-install-recommends apt_ensure chromium chromium-driver fonts-dejavu-core
/usr/bin/chromium --version
