#!/usr/bin/env bash
# Shared helper: install Debian packages idempotently (root; apt-get update once per machine).
# Usage: source scripts/apt.sh; apt_ensure PACKAGE...
# APT_INSTALL_OPTIONS (e.g. --no-install-recommends) is passed to apt-get install.
apt_ensure() {
  local missing=()
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "[apt] need root to install: ${missing[*]}" >&2
    return 1
  fi
  if [ ! -f /var/lib/apt/periodic/taskflow-apt-updated ]; then
    echo "[apt] apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    mkdir -p /var/lib/apt/periodic && touch /var/lib/apt/periodic/taskflow-apt-updated
  fi
  echo "[apt] installing ${missing[*]}"
  # Packages whose service would start at install (no systemd here): policy-rc.d stops them trying.
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  local rc=0
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${APT_INSTALL_OPTIONS:-} "${missing[@]}" >/dev/null || rc=$?
  rm -f /usr/sbin/policy-rc.d
  return $rc
}
