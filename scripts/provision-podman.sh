#!/usr/bin/env bash
# Makes testcontainers usable on a machine without a Docker engine, using
# rootful podman's Docker-compatible API socket:
#   1. apt-get install podman + runc (if missing)
#   2. /etc/containers/containers.conf: runc runtime, no default ulimits
#   3. `podman system service` on unix:///run/podman/podman.sock (if not answering)
#   4. local images (no registry is reachable), built from binaries on this machine:
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
find_ferretdb() {
  local c
  for c in "${BOOKING_FERRETDB_BIN:-}" "$(command -v ferretdb 2>/dev/null || true)" \
    "$(go env GOPATH 2>/dev/null || true)/bin/ferretdb" /root/go/bin/ferretdb; do
    if [ -n "$c" ] && [ -x "$c" ] && "$c" --version >/dev/null 2>&1; then echo "$c"; return 0; fi
  done
  return 1
}

build_ferretdb_image() {
  local bin ctx kind
  bin="$(find_ferretdb)" || die "no working ferretdb binary (run scripts/install-ferretdb.sh)"
  kind="$(file -b "$bin" 2>/dev/null || true)"
  [[ "$kind" == *'statically linked'* ]] || log "warning: $bin may not be static"
  ctx="$(mktemp -d)"
  cp "$bin" "$ctx/ferretdb"
  mkdir -m 0777 "$ctx/data" "$ctx/state"
  mkdir -m 1777 "$ctx/tmp"
  cat >"$ctx/Containerfile" <<'CF'
FROM scratch
COPY ferretdb /ferretdb
COPY data/ /data/
COPY state/ /state/
COPY tmp/ /tmp/
ENV TMPDIR=/tmp
EXPOSE 27017
LABEL org.opencontainers.image.title="booking-ferretdb" org.opencontainers.image.version="1.24.2"
ENTRYPOINT ["/ferretdb", "--handler=sqlite", "--sqlite-url=file:/data/", "--state-dir=/state", "--listen-addr=0.0.0.0:27017", "--debug-addr=-", "--telemetry=disable", "--log-level=info"]
CF
  podman build --quiet -t "$FERRETDB_IMAGE" "$ctx" >&2 || { rm -rf "$ctx"; die "podman build $FERRETDB_IMAGE failed"; }
  rm -rf "$ctx"
}

build_redis_image() {
  local bin ctx lib
  bin="$(command -v redis-server)" || die "redis-server not installed (run scripts/install-redis.sh)"
  bin="$(readlink -f "$bin")"
  ctx="$(mktemp -d)"
  mkdir -p "$ctx/root/usr/bin" "$ctx/root/data"
  mkdir -m 1777 "$ctx/root/tmp"
  cp "$bin" "$ctx/root/usr/bin/redis-server"
  # every library ldd resolves (absolute paths), plus the dynamic loader
  for lib in $(ldd "$bin" | grep -o '/[^ ]*'); do
    mkdir -p "$ctx/root$(dirname "$lib")"
    cp -L "$lib" "$ctx/root$lib"
  done
  cat >"$ctx/Containerfile" <<'CF'
FROM scratch
COPY root/ /
WORKDIR /data
EXPOSE 6379
LABEL org.opencontainers.image.title="booking-redis"
ENTRYPOINT ["/usr/bin/redis-server"]
CMD ["--bind", "0.0.0.0", "--protected-mode", "no", "--save", "", "--appendonly", "no"]
CF
  podman build --quiet -t "$REDIS_IMAGE" "$ctx" >&2 || { rm -rf "$ctx"; die "podman build $REDIS_IMAGE failed"; }
  rm -rf "$ctx"
}

# FerretDB on PostgreSQL in one container (the default backend). PostgreSQL
# refuses to run as root, so the image runs as the unprivileged uid/gid 70.
bash "$ROOT/scripts/install-postgresql.sh" >&2 || die "scripts/install-postgresql.sh failed"
pg_bindir() {
  local d found=""
  for d in /usr/lib/postgresql/*/bin; do
    if [ -x "$d/postgres" ] && [ -x "$d/initdb" ] && [ -x "$d/psql" ]; then found+="$d"$'\n'; fi
  done
  [ -n "$found" ] || return 1
  found="$(printf '%s' "$found" | sort -V)" # captured, then the last line taken
  printf '%s\n' "${found##*$'\n'}"
}
PG_BINDIR="$(pg_bindir)" || die "no PostgreSQL under /usr/lib/postgresql/*/bin"
PG_VERSION="$(basename "$(dirname "$PG_BINDIR")")"
pg_inputs_hash="$(cat "$ROOT/scripts/postgres/provision.sh" "$ROOT/scripts/postgres/ferretdb-gin-indexes.sql" "${BASH_SOURCE[0]}" | sha256sum)"
FERRETDB_PG_IMAGE="localhost/booking-ferretdb-pg:1.24.2-pg${PG_VERSION}-${pg_inputs_hash:0:12}"

# copy_with_libs CTX FILE...: FILE and every library ldd resolves for it, at the same paths
copy_with_libs() {
  local ctx="$1" f lib libs; shift
  for f in "$@"; do
    mkdir -p "$ctx$(dirname "$f")"
    cp -L "$f" "$ctx$f"
    libs="$(ldd "$f" 2>/dev/null || true)"
    for lib in $(printf '%s\n' "$libs" | grep -o '/[^ ]*' || true); do
      [ -e "$ctx$lib" ] && continue
      mkdir -p "$ctx$(dirname "$lib")"
      cp -L "$lib" "$ctx$lib"
    done
  done
}

build_ferretdb_pg_image() {
  local bin ctx pglib share applet
  bin="$(find_ferretdb)" || die "no working ferretdb binary (run scripts/install-ferretdb.sh)"
  if [ ! -x /bin/busybox ]; then
    export DEBIAN_FRONTEND=noninteractive
    log "apt-get install busybox-static (the image's /bin/sh)"
    if ! apt-get install -y busybox-static </dev/null >&2; then
      apt-get update </dev/null >&2
      apt-get install -y busybox-static </dev/null >&2 || die "apt-get install busybox-static failed"
    fi
  fi
  ctx="$(mktemp -d)"
  mkdir -p "$ctx/root/bin" "$ctx/root/etc" "$ctx/root/booking/postgres"
  mkdir -m 1777 "$ctx/root/tmp"
  cp "$bin" "$ctx/root/bin/ferretdb"
  cp /bin/busybox "$ctx/root/bin/busybox"
  for applet in sh cat dirname mkdir sleep; do ln -s busybox "$ctx/root/bin/$applet"; done
  copy_with_libs "$ctx/root" "$PG_BINDIR/postgres" "$PG_BINDIR/initdb" "$PG_BINDIR/psql"
  # server modules (plpgsql for the GIN trigger, dict_snowball for initdb, ...); not the JIT
  pglib="$(dirname "$PG_BINDIR")/lib"
  for f in "$pglib"/*.so; do
    case "$(basename "$f")" in llvmjit*) continue ;; esac
    copy_with_libs "$ctx/root" "$f"
  done
  share="/usr/share/postgresql/$PG_VERSION"
  mkdir -p "$ctx/root$(dirname "$share")" "$ctx/root/usr/share"
  cp -R "$share" "$ctx/root$share"
  cp -R /usr/share/zoneinfo "$ctx/root/usr/share/zoneinfo"
  printf 'root:x:0:0:root:/:/bin/sh\npostgres:x:70:70:PostgreSQL:/tmp:/bin/sh\n' >"$ctx/root/etc/passwd"
  printf 'root:x:0:\npostgres:x:70:\n' >"$ctx/root/etc/group"
  cp "$ROOT/scripts/postgres/provision.sh" "$ROOT/scripts/postgres/ferretdb-gin-indexes.sql" "$ctx/root/booking/postgres/"
  # Same settings as scripts/local-servers/postgres.ts: a
  # throw-away cluster on 127.0.0.1 inside the container, FerretDB's pool of
  # 400 under max_connections 450 (see FERRETDB_PG_POOL_MAX_CONNS there).
  cat >"$ctx/root/booking/entrypoint.sh" <<ENTRY
#!/bin/sh
set -eu
export PGDATA=/tmp/pgdata PGHOST=127.0.0.1 PGPORT=5432 PGUSER=postgres TZ=UTC
BIN=$PG_BINDIR
"\$BIN/initdb" --pgdata="\$PGDATA" --username=postgres --encoding=UTF8 --no-locale \\
  --auth-local=trust --auth-host=trust --no-sync >/dev/null
"\$BIN/postgres" -D "\$PGDATA" -c listen_addresses=127.0.0.1 -c port=5432 \\
  -c unix_socket_directories="\$PGDATA" -c max_connections=450 -c jit=off \\
  -c fsync=off -c synchronous_commit=off -c full_page_writes=off &
i=0
until "\$BIN/psql" -X -q -At -d postgres -c 'SELECT 1' >/dev/null 2>&1; do
  i=\$((i + 1)); [ "\$i" -lt 600 ] || { echo "postgres did not start" >&2; exit 1; }
  sleep 0.1
done
sh /booking/postgres/provision.sh "\$BIN/psql"
echo "booking: PostgreSQL ready and provisioned; starting FerretDB" >&2
exec /bin/ferretdb --handler=postgresql \\
  --postgresql-url="postgres://postgres@127.0.0.1:5432/ferretdb?pool_max_conns=400" \\
  --state-dir=/tmp --listen-addr=0.0.0.0:27017 --debug-addr=- --telemetry=disable --log-level=info
ENTRY
  chmod 0755 "$ctx/root/booking/entrypoint.sh"
  cat >"$ctx/Containerfile" <<'CF'
FROM scratch
COPY root/ /
ENV TMPDIR=/tmp
USER 70:70
EXPOSE 27017
LABEL org.opencontainers.image.title="booking-ferretdb-pg" org.opencontainers.image.version="1.24.2"
ENTRYPOINT ["/bin/sh", "/booking/entrypoint.sh"]
CF
  podman build --quiet -t "$FERRETDB_PG_IMAGE" "$ctx" >&2 || { rm -rf "$ctx"; die "podman build $FERRETDB_PG_IMAGE failed"; }
  rm -rf "$ctx"
}

if podman image exists "$FERRETDB_IMAGE"; then log "image $FERRETDB_IMAGE present"; else
  log "building $FERRETDB_IMAGE"; build_ferretdb_image; fi
if podman image exists "$FERRETDB_PG_IMAGE"; then log "image $FERRETDB_PG_IMAGE present"; else
  log "building $FERRETDB_PG_IMAGE"; build_ferretdb_pg_image; fi
if podman image exists "$REDIS_IMAGE"; then log "image $REDIS_IMAGE present"; else
  log "building $REDIS_IMAGE"; build_redis_image; fi

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
