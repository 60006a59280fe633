#!/usr/bin/env bash
# `npm test`: unit + integration tests (extra args go to jest).
# The last line of output is exactly:  tests: N passed, M failed
# Exit status is non-zero if any test failed, a suite failed to run, or jest failed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
log() { printf '[test] %s\n' "$*"; }

# 1. dependencies ----------------------------------------------------------------
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "npm ci (node_modules missing or older than package-lock.json)"
  npm ci --no-audit --no-fund
fi

# 2. database binaries ---------------------------------------------------------------
# ferretdb, PostgreSQL and redis-server, whatever the global setup will use
# (MONGODB_URI/REDIS_URL, else a container engine, else local binaries; see
# scripts/local-servers/backing-services.ts): some tests start private servers of their
# own (the quick chaos run, test/integration/embedded-postgres.test.ts).
# Each script does nothing when its binary is already there; a failed install
# (e.g. no root) is reported and left to the tests that need it to say so.
for what in ferretdb postgresql redis; do
  bash "scripts/install-$what.sh" || log "WARNING: scripts/install-$what.sh failed; tests that need $what will fail"
done

# 3. jest ------------------------------------------------------------------------
mkdir -p .tmp
RESULTS=.tmp/jest-results.json
rm -f "$RESULTS"
set +e
node_modules/.bin/jest --json --outputFile="$RESULTS" "$@"
jest_status=$?
set -e

# 4. totals ----------------------------------------------------------------------
# failed = failed tests + suites that failed to run; skipped/todo never count as passed.
summary="$(node -e '
  const fs = require("fs");
  const [file, status] = [process.argv[1], Number(process.argv[2])];
  let r;
  try { r = JSON.parse(fs.readFileSync(file, "utf8")); } catch { r = undefined; }
  let passed = 0, failed = 0, skipped = 0, note = "";
  if (r) {
    passed = r.numPassedTests;
    failed = r.numFailedTests + r.numRuntimeErrorTestSuites;
    skipped = r.numPendingTests + r.numTodoTests;
    if (r.numRuntimeErrorTestSuites) note += `${r.numRuntimeErrorTestSuites} test suite(s) failed to run (counted as failed)\n`;
  } else {
    note += "jest wrote no results (crashed or failed before running tests)\n";
  }
  if (status !== 0 && failed === 0) {
    failed = 1;
    note += `jest exited with status ${status} without a failing test (counted as 1 failed)\n`;
  }
  if (skipped) note += `${skipped} test(s) skipped/todo (not counted as passed)\n`;
  process.stdout.write(`${note}tests: ${passed} passed, ${failed} failed`);
' "$RESULTS" "$jest_status")"

echo
while IFS= read -r line; do
  case "$line" in
    tests:*) final="$line" ;;
    *) log "$line" ;;
  esac
done <<<"$summary"
echo "$final"

case "$final" in
  *", 0 failed") [ "$jest_status" -eq 0 ] || exit "$jest_status"; exit 0 ;;
  *) [ "$jest_status" -ne 0 ] && exit "$jest_status"; exit 1 ;;
esac
