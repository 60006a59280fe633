/**
 * Chaos test of the booking service (`npm run test:chaos [-- options]`).
 *
 * Starts a private FerretDB and redis-server and three booking instances on
 * 127.0.0.1, drives randomized book / hold / confirm / release / cancel /
 * reschedule / read traffic from many concurrent clients (with retries) for a
 * bounded time, SIGKILLs a random instance at random moments and restarts it,
 * SIGKILLs and restarts Redis once, then lets the reconcilers settle and
 * checks the invariants straight from the database (see invariants/).
 *
 * The kill quota is a floor the run waits for, not a wall-clock bet: kills are
 * paced by the traffic's progress (see killLoop), and the traffic goes on past
 * --duration until the quota and the Redis restart are done, within
 * --max-duration. On a busy machine (an instance taking 20 s to restart) the
 * run just takes longer; only an instance that never comes back, or a quota
 * still unmet at --max-duration, makes it a run error.
 *
 *   --duration <s>      traffic time (default 60; --quick 20; --full 240)
 *   --ops <n>           keep the traffic going past --duration until n operations
 *                       (default 0; --full 20000), but never past --max-duration
 *   --max-duration <s>  hard cap of the traffic time (default: 4 x --duration, or
 *                       max(4 x --duration, 3600) with --ops): past --duration the
 *                       traffic goes on until --ops, --kills and the Redis restart
 *                       are done, never past this
 *   --clients <n>       concurrent virtual clients (default 32; --quick 24)
 *   --kills <n>         at least this many instance SIGKILLs (default: one per ~8 s
 *                       of --duration, at least 10; --quick 3; --full 16), planned
 *                       across --duration and each one only after the traffic made
 *                       progress since the previous one; past --duration they go on
 *   --slots <n>         size of the contended slot pool (default 64)
 *   --instances <n>     booking instances (default 3)
 *   --reconciler-interval <ms>  RECONCILER_INTERVAL_MS of the instances (default
 *                       1000; --full 5000, the service's default: a pass costs what
 *                       changed since the last one, so it holds over a long run)
 *   --seed <n>          seed of the random choices (timing stays nondeterministic)
 *   --log-level <l>     LOG_LEVEL of the instances (default warn; info logs every call,
 *                       with x-request-id = <request_id>.<attempt>)
 *   --keep              keep the run's dirs (logs, database) even on success
 *   --quick             the CI version: ~20 s of traffic (up to 80 s on a busy
 *                       machine), >= 3 kills, 1 Redis restart
 *   --full              the issue's bar: >= 20,000 operations (and a kill every ~15 s)
 *
 * Instances run as `node --import tsx src/main.ts` (one process each: the
 * SIGKILL hits the server itself; no build step, the working tree's src/ is
 * what runs) with RECONCILER_GRACE_MS=3000, HOLD_CONFIRM_MARGIN_MS=200,
 * REQUEST_ID_RETENTION_MS=60000 (clients never retry later than 40 s) and
 * AUTH_DISABLED=true. FerretDB keeps its SQLite files on /dev/shm when it exists.
 * Logs and pid files go to a temp dir, removed on success and kept (and
 * their tails printed) otherwise. Every child process dies with the runner,
 * even on SIGKILL (see cluster.ts). A first SIGINT/SIGTERM ends the traffic
 * early and still checks and reports; a second one aborts.
 *
 * Exit status: 0 all invariants held; 1 a violation (the records are printed);
 * 2 the run itself failed (a process would not start or restart, the kills
 * were not all done by --max-duration, ...).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Cluster } from './cluster';
import { drive, type RunState } from './drive';
import { parseArgs, type Options } from './options';
import { report } from './report';
import { errorText, Rng } from './util';

const log = (line: string): void =>
  void process.stdout.write(`[chaos ${new Date().toISOString().slice(11, 23)}] ${line}\n`);

async function main(): Promise<number> {
  let opts: Options;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`chaos: ${errorText(err)}\n`);
    return 2;
  }
  const rng = new Rng(opts.seed);
  const runTag = opts.seed.toString(36);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'booking-chaos-'));
  const shm = '/dev/shm';
  const onTmpfs = fs.existsSync(shm) && fs.statSync(shm).isDirectory();
  const dataDir = onTmpfs ? fs.mkdtempSync(path.join(shm, 'booking-chaos-')) : dir;
  const cluster = new Cluster(dir, dataDir);
  const state: RunState = {
    started: Date.now(),
    chaos: { kills: [], redis: [], errors: [] },
    samples: [],
    settleMs: 0,
    harnessErrors: [],
  };
  let cleaned = false;
  const cleanUp = async (keep: boolean): Promise<void> => {
    if (cleaned) return;
    cleaned = true;
    await cluster.stopAll();
    if (keep) log(`kept ${dir}${dataDir !== dir ? ` and ${dataDir}` : ''}`);
    else for (const d of new Set([dir, dataDir])) fs.rmSync(d, { recursive: true, force: true });
  };
  // A first SIGINT/SIGTERM during the traffic ends it early (the checks and the
  // report still run); any other signal stops everything at once.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      const control = state.control;
      if (control && !control.stopped) {
        log(`${signal}: ending the traffic now; the checks follow (signal again to abort)`);
        control.stopped = true;
        control.hardStopMs = Date.now() + 5_000;
        return;
      }
      log(`${signal}: stopping everything`);
      void cleanUp(true).finally(() => process.exit(130));
    });
  }

  try {
    await drive(cluster, opts, rng, runTag, dir, state, log);
  } catch (err) {
    state.harnessErrors.push(err instanceof Error ? (err.stack ?? err.message) : String(err));
  } finally {
    state.traffic?.close();
  }

  const { out, verdict } = report(cluster, opts, dir, state);
  process.stdout.write(`${out.join('\n')}\n`);
  await cleanUp(opts.keep || verdict !== 'PASS');
  return verdict === 'PASS' ? 0 : verdict === 'FAIL' ? 1 : 2;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`chaos: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(2);
  },
);
