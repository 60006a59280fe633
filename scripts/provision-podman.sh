#!/usr/bin/env bash
# Makes testcontainers usable on a machine without a Docker engine, using
# rootful podman's Docker-compatible API socket:
#   1. apt-get install podman + runc (if missing)
#   2. /etc/containers/containers.conf: runc runtime, no default ulimits
#   3. `podman system service` on unix:///run/podman/podman.sock (if not answering)
#   4. local images (scripts/podman-images.sh; no registry is reachable), built from binaries on this machine:
#        localhost/booking-ferretdb:1.24.2  FROM scratch + static ferretdb (SQLite backend)
#        localhost/booking-ferretdb-pg:1.24.2-pg<ver>-<hash>
#                                           FROM scratch + static ferretdb + Debian's PostgreSQL
#                                           (binaries, ldd libraries, share dir) + busybox-static
#                                           as /bin/sh for an entrypoint that starts a private
#                                           cluster inside and provisions it (scripts/postgres/);
#                                           the tag's hash changes when those files do
#        localhost/booking-redis:7          FROM scratch + Debian redis-server + its ldd libraries
#   5. a smoke `podman run` of the redis image
# Progress goes to stderr; stdout carries only `export ...` lines (also written to
# .tmp/podman.env), so callers can:  eval "$(bash scripts/provision-podman.sh)"
# Exits non-zero if podman cannot run containers, so callers can fall back.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SOCK_PATH="${BOOKING_PODMAN_SOCKET:-/run/podman/podman.sock}"
FERRETDB_IMAGE="localhost/booking-ferretdb:1.24.2"
REDIS_IMAGE="localhost/booking-redis:7"
ENV_FILE="$ROOT/.tmp/podman.env"
SERVICE_LOG="$ROOT/.tmp/podman-service.log"

log() { printf '[provision-podman] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
t0=$(date +%s)

[ "$(id -u)" -eq 0 ] || die "must run as root (rootful podman socket under /run/podman)"
mkdir -p "$ROOT/.tmp"

# 1. packages -----------------------------------------------------------------
if ! command -v podman >/dev/null 2>&1 || ! command -v runc >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  log "apt-get install podman runc"
  if ! apt-get install -y podman runc </dev/null >&2; then
    log "install failed; running apt-get update and retrying"
    apt-get update </dev/null >&2
    apt-get install -y podman runc </dev/null >&2 || die "apt-get install podman runc failed"
  fi
else
  log "podman and runc already installed ($(podman --version 2>&1))"
fi

# 2. engine configuration -------------------------------------------------------
# crun fails here ("cgroups in hybrid mode not supported") and the default
# ulimits fail ("setrlimit RLIMIT_NOFILE: Operation not permitted").
CONF=/etc/containers/containers.conf
WANT_CONF=$'[containers]\ndefault_ulimits = []\n[engine]\nruntime = "runc"\n'
if [ "$(cat "$CONF" 2>/dev/null || true)"$'\n' != "$WANT_CONF" ]; then
  mkdir -p /etc/containers
  if [ -s "$CONF" ] && [ ! -e "$CONF.orig" ]; then cp "$CONF" "$CONF.orig"; log "saved previous $CONF as $CONF.orig"; fi
  printf '%s' "$WANT_CONF" >"$CONF"
  log "wrote $CONF (runtime=runc, default_ulimits=[])"
else
  log "$CONF already configured"
fi

# 3. API service ----------------------------------------------------------------
# Capture, then match (here and below): `cmd | grep -q` under pipefail fails at
# random when grep exits at its match before cmd has finished writing (SIGPIPE).
ping_socket() {
  local out
  out="$(curl -fsS --max-time 2 --unix-socket "$SOCK_PATH" http://d/_ping 2>/dev/null)" || return 1
  [[ "$out" == *OK* ]]
}
if ping_socket; then
  log "podman API already answering on unix://$SOCK_PATH"
else
  mkdir -p "$(dirname "$SOCK_PATH")"
  rm -f "$SOCK_PATH"
  log "starting: podman system service --time=0 unix://$SOCK_PATH (log: $SERVICE_LOG)"
  # Own session, no terminal, stdio detached: it must not hold a caller's pipe open.
  setsid podman system service --time=0 "unix://$SOCK_PATH" </dev/null >"$SERVICE_LOG" 2>&1 &
  service_pid=$!
  echo "$service_pid" >"$ROOT/.tmp/podman-service.pid"
  for _ in $(seq 1 100); do
    ping_socket && break
    kill -0 "$service_pid" 2>/dev/null || break # the service exited: no point waiting
    sleep 0.1
  done
  ping_socket || { tail -n 20 "$SERVICE_LOG" >&2 || true; die "podman API did not answer on $SOCK_PATH"; }
  log "podman API answering (pid $(cat "$ROOT/.tmp/podman-service.pid"))"
fi

# 4. images ---------------------------------------------------------------------
# shellcheck source=podman-images.sh
. "$ROOT/scripts/podman-images.sh"
build_missing_images

# 5. can it actually run a container? -------------------------------------------
if ! out="$(podman run --rm --network=none "$REDIS_IMAGE" --version 2>&1)"; then
  printf '%s\n' "$out" >&2
  die "podman cannot run containers"
fi
log "podman runs containers ($out)"

cat >"$ENV_FILE" <<ENV
export DOCKER_HOST=unix://$SOCK_PATH
export TESTCONTAINERS_RYUK_DISABLED=true
export TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1
export BOOKING_TEST_MONGO_KIND=ferretdb
export BOOKING_TEST_FERRETDB_PG_IMAGE=$FERRETDB_PG_IMAGE
export BOOKING_TEST_FERRETDB_SQLITE_IMAGE=$FERRETDB_IMAGE
export BOOKING_TEST_REDIS_IMAGE=$REDIS_IMAGE
ENV
if [ -s "$ROOT/.tmp/podman-service.pid" ] && kill -0 "$(cat "$ROOT/.tmp/podman-service.pid")" 2>/dev/null; then
  echo "export BOOKING_PODMAN_SERVICE_PID=$(cat "$ROOT/.tmp/podman-service.pid")" >>"$ENV_FILE"
fi
log "ready in $(($(date +%s) - t0))s; env written to $ENV_FILE"
cat "$ENV_FILE"
