#!/usr/bin/env bash
# `npm run dev`: runs the service from source with tsx. Without MONGODB_URI /
# REDIS_URL it starts local ferretdb (on a private PostgreSQL cluster; or mongod)
# + redis-server, data in .data/ (BOOKING_DEV_DATA_DIR).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[dev] npm ci (node_modules missing or older than package-lock.json)"
  npm ci --no-audit --no-fund
fi
if [ -z "${MONGODB_URI:-}" ] && ! command -v mongod >/dev/null 2>&1; then
  bash scripts/install-ferretdb.sh
  # FerretDB's backend (BOOKING_FERRETDB_BACKEND): postgresql (default) runs on a private cluster
  if [ "${BOOKING_FERRETDB_BACKEND:-postgresql}" != "sqlite" ]; then bash scripts/install-postgresql.sh; fi
fi
if [ -z "${REDIS_URL:-}" ]; then bash scripts/install-redis.sh; fi

# tsx as a loader in this very process, not the `tsx` command: that one runs the
# script in a child and sends it a terminal's SIGINT a second time (then SIGKILL)
# unless the child confirms within 30 ms, which cut the graceful drain short.
exec node --import tsx scripts/dev.ts "$@"
