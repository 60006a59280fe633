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

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { log "ERROR: need root (or sudo) to apt-get install postgresql"; exit 1; }
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive

apt_install() { $SUDO apt-get install -y --no-install-recommends postgresql </dev/null >&2; }
log "apt-get install postgresql"
if ! apt_install; then
  log "install failed; running apt-get update and retrying"
  $SUDO apt-get update </dev/null >&2
  apt_install || { log "ERROR: apt-get install postgresql failed"; exit 1; }
fi

bindir="$(find_bindir)" || { log "ERROR: installed, but no initdb/postgres under /usr/lib/postgresql/*/bin"; exit 1; }
has_user || { log "ERROR: the package did not create the 'postgres' system user"; exit 1; }
log "installed $bindir ($("$bindir/postgres" --version))"
