# Sourced by scripts/provision-podman.sh (uses its ROOT, log, die, FERRETDB_IMAGE
# and REDIS_IMAGE): step 4, the local images, built from binaries on this machine
# when podman does not have them yet (no registry is reachable):
#   localhost/booking-ferretdb:1.24.2     FROM scratch + static ferretdb (SQLite backend)
#   localhost/booking-ferretdb-pg:1.24.2-pg<ver>-<hash>
#                                         FROM scratch + static ferretdb + Debian's PostgreSQL
#                                         (binaries, ldd libraries, share dir) + busybox-static
#                                         as /bin/sh for an entrypoint that starts a private
#                                         cluster inside and provisions it (scripts/postgres/);
#                                         the tag's hash changes when those files, this one or
#                                         provision-podman.sh do
#   localhost/booking-redis:7             FROM scratch + Debian redis-server + its ldd libraries
# build_missing_images builds those missing and sets FERRETDB_PG_IMAGE.

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
pg_bindir() {
  local d found=""
  for d in /usr/lib/postgresql/*/bin; do
    if [ -x "$d/postgres" ] && [ -x "$d/initdb" ] && [ -x "$d/psql" ]; then found+="$d"$'\n'; fi
  done
  [ -n "$found" ] || return 1
  found="$(printf '%s' "$found" | sort -V)" # captured, then the last line taken
  printf '%s\n' "${found##*$'\n'}"
}

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

build_missing_images() {
  bash "$ROOT/scripts/install-postgresql.sh" >&2 || die "scripts/install-postgresql.sh failed"
  PG_BINDIR="$(pg_bindir)" || die "no PostgreSQL under /usr/lib/postgresql/*/bin"
  PG_VERSION="$(basename "$(dirname "$PG_BINDIR")")"
  local pg_inputs_hash
  pg_inputs_hash="$(cat "$ROOT/scripts/postgres/provision.sh" "$ROOT/scripts/postgres/ferretdb-gin-indexes.sql" \
    "$ROOT/scripts/podman-images.sh" "$ROOT/scripts/provision-podman.sh" | sha256sum)"
  FERRETDB_PG_IMAGE="localhost/booking-ferretdb-pg:1.24.2-pg${PG_VERSION}-${pg_inputs_hash:0:12}"

  if podman image exists "$FERRETDB_IMAGE"; then log "image $FERRETDB_IMAGE present"; else
    log "building $FERRETDB_IMAGE"; build_ferretdb_image; fi
  if podman image exists "$FERRETDB_PG_IMAGE"; then log "image $FERRETDB_PG_IMAGE present"; else
    log "building $FERRETDB_PG_IMAGE"; build_ferretdb_pg_image; fi
  if podman image exists "$REDIS_IMAGE"; then log "image $REDIS_IMAGE present"; else
    log "building $REDIS_IMAGE"; build_redis_image; fi
}
