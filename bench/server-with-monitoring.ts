/**
 * Starts the built server (dist/main.js) unchanged, with instruments added from
 * outside, and a control endpoint on 127.0.0.1:$BENCH_CONTROL_PORT for the
 * orchestrator (bench/run.ts). bench/run.ts transpiles this file (and bench/monitoring/)
 * to plain JavaScript and runs it with `node`, so the server runs as `npm start` does
 * (no tsx loader, no source maps).
 *
 * Instruments:
 *  - MongoDB command monitoring: `monitorCommands: true` is added to every
 *    mongoose connection, and every `commandStarted` is counted by command
 *    name (GET /counters).
 *  - Per-call attribution: each unary gRPC handler runs in an
 *    AsyncLocalStorage context, so every MongoDB command (and Redis command)
 *    is also charged to the call that caused it; per method and status code:
 *    calls, commands, calls with no command; per client (metadata
 *    `x-bench-client`): attempts, commands, whether one succeeded
 *    (GET /rpc, GET /clients).
 *  - Commit times: while enabled, when a findAndModify of a slot succeeds
 *    (the moment the server learns the booking is committed), its wall-clock
 *    time by slot id (GET /commits?start=1, GET /commits).
 *  - Event-loop delay (GET /eventloop?reset=1), memory (GET /memory, after
 *    a full GC: node runs with --expose-gc), watch
 *    subscribers of this instance (GET /watch), CPU profiles on demand
 *    (GET /profile/start, GET /profile/stop?file=...).
 *  - Reconciler passes: each pass the app's Reconciler runs (on its own
 *    timer, as configured) is timed, with the MongoDB and Redis commands it
 *    sent (GET /reconciler?since=<epoch ms>).
 */
import * as path from 'node:path';
// Installed on import, in this order, before the app is loaded.
import './monitoring/instruments';
import { startControl } from './monitoring/control';
import { distDir, load } from './monitoring/state';

export type { MethodStats, PassRecord } from './monitoring/state';

startControl();

// The parent's stdin pipe is our lifeline: if the orchestrator dies, stop.
process.stdin.on('end', () => process.kill(process.pid, 'SIGTERM'));
process.stdin.resume();

load(path.join(distDir, 'main.js'));
