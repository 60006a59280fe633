#!/bin/sh
# Provisions the project's private PostgreSQL cluster for FerretDB, at every
# start, before FerretDB starts (idempotent):
#   1. the `ferretdb` database (FerretDB keeps each MongoDB database as a schema in it)
#   2. the GIN expression indexes of ferretdb-gin-indexes.sql (embedded-default tuning)
# POSIX sh (the podman image runs it with busybox). Connection from the usual
# libpq variables: PGHOST, PGPORT, PGUSER (a superuser: event triggers need one).
# Usage: provision.sh [PSQL]   (default: psql on PATH)
set -eu

PSQL="${1:-psql}"
HERE="$(cd "$(dirname "$0")" && pwd)"
DB="${BOOKING_FERRETDB_PG_DATABASE:-ferretdb}"

exists="$("$PSQL" -X -q -At -v ON_ERROR_STOP=1 -d postgres \
  -c "SELECT 1 FROM pg_database WHERE datname = '$DB'")"
if [ "$exists" != "1" ]; then
  "$PSQL" -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE \"$DB\""
fi
"$PSQL" -X -q -v ON_ERROR_STOP=1 -d "$DB" -f "$HERE/ferretdb-gin-indexes.sql" >/dev/null
