#!/usr/bin/env bash
# Installs Debian's redis-server (and redis-cli) if `redis-server` is missing.
# Runs `apt-get update` only when the package cannot be installed without it.
set -euo pipefail

log() { printf '[install-redis] %s\n' "$*" >&2; }
# shellcheck source=apt-get-install.sh
. "$(dirname "${BASH_SOURCE[0]}")/apt-get-install.sh"

if command -v redis-server >/dev/null 2>&1; then
  log "redis-server already installed: $(command -v redis-server) ($(redis-server --version | awk '{print $3}'))"
  exit 0
fi

apt_get_install redis-server
# The package may start a system instance on 6379; this project never uses it.
log "installed $(command -v redis-server) ($(redis-server --version | awk '{print $3}'))"
