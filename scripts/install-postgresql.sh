#!/usr/bin/env bash
# Installs Debian's PostgreSQL server (package `postgresql`) when its `initdb`
# and `postgres` binaries (/usr/lib/postgresql/<version>/bin) are missing.
# Idempotent; runs `apt-get update` only when the install fails without it.
#
# The project never uses the system cluster the package may create and start
# (on 127.0.0.1:5432): scripts/local-servers/postgres.ts runs a private cluster
# (initdb into its own data dir, its own port) as the unprivileged `postgres`
# user the package creates, because PostgreSQL refuses to run as root.
set -euo pipefail

log() { printf '[install-postgresql] %s\n' "$*" >&2; }
# shellcheck source=apt-get-install.sh
. "$(dirname "${BASH_SOURCE[0]}")/apt-get-install.sh"

# Prints the bin dir of the newest installed server that has both binaries.
find_bindir() {
  local dir versions="" v
  for dir in /usr/lib/postgresql/*/bin; do
    if [ -x "$dir/initdb" ] && [ -x "$dir/postgres" ]; then
      v="${dir#/usr/lib/postgresql/}"
      versions+="${v%/bin}"$'\n'
    fi
  done
  [ -n "$versions" ] || return 1
  v="$(printf '%s' "$versions" | sort -V)" # captured, then the last line taken
  printf '/usr/lib/postgresql/%s/bin\n' "${v##*$'\n'}"
}

has_user() { id -u postgres >/dev/null 2>&1; }

if bindir="$(find_bindir)" && has_user; then
  log "PostgreSQL already installed: $bindir ($("$bindir/postgres" --version))"
  exit 0
fi

apt_get_install postgresql

bindir="$(find_bindir)" || { log "ERROR: installed, but no initdb/postgres under /usr/lib/postgresql/*/bin"; exit 1; }
has_user || { log "ERROR: the package did not create the 'postgres' system user"; exit 1; }
log "installed $bindir ($("$bindir/postgres" --version))"
