#!/usr/bin/env bash
# Starts `npm run dev` N times in a row (default 20), as a person would: each
# time in its own process group, waits for "listening on", sends one SIGINT to
# the group (a terminal's Ctrl-C), waits for the exit, and checks the drain.
# Prints one line per run and "dev came up K of N times"; exits non-zero unless
# every run came up and drained. Logs: .tmp/dev-start-loop/<i>.log
#   bash scripts/dev-start-loop.sh [N]
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
N="${1:-20}"
LOGS="$ROOT/.tmp/dev-start-loop"
mkdir -p "$LOGS"
ok=0
for i in $(seq 1 "$N"); do
  log="$LOGS/$i.log"
  setsid npm run dev >"$log" 2>&1 </dev/null &
  pid=$!
  up=0
  for _ in $(seq 1 240); do
    if grep -q "listening on" "$log"; then up=1; break; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  kill -INT -- "-$pid" 2>/dev/null
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$pid" 2>/dev/null; then echo "run $i: did not exit after SIGINT; killing"; kill -KILL -- "-$pid"; up=0; fi
  if [ "$up" = 1 ] && grep -q "drained and stopped" "$log" && ! grep -q "exiting now" "$log"; then
    ok=$((ok + 1)); echo "run $i: up, drained"
  else
    echo "run $i: FAILED (log: $log)"; tail -n 5 "$log"
  fi
done
echo "dev came up $ok of $N times"
[ "$ok" -eq "$N" ]
