#!/usr/bin/env bash
# Installs Debian's redis-server (and redis-cli) if `redis-server` is missing.
# Runs `apt-get update` only when the package cannot be installed without it.
set -euo pipefail

log() { printf '[install-redis] %s\n' "$*" >&2; }

if command -v redis-server >/dev/null 2>&1; then
  log "redis-server already installed: $(command -v redis-server) ($(redis-server --version | awk '{print $3}'))"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { log "ERROR: need root (or sudo) to apt-get install redis-server"; exit 1; }
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive

apt_install() { $SUDO apt-get install -y --no-install-recommends redis-server </dev/null; }
log "apt-get install redis-server"
if ! apt_install; then
  log "install failed; running apt-get update and retrying"
  $SUDO apt-get update </dev/null
  apt_install
fi
# The package may start a system instance on 6379; this project never uses it.
log "installed $(command -v redis-server) ($(redis-server --version | awk '{print $3}'))"
