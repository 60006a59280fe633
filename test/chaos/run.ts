/**
 * Chaos test of the booking service (`npm run test:chaos [-- options]`).
 *
 * Starts a private FerretDB and redis-server and three booking instances on
 * 127.0.0.1, drives randomized book / hold / confirm / release / cancel /
 * reschedule / read traffic from many concurrent clients (with retries) for a
 * bounded time, SIGKILLs a random instance at random moments and restarts it,
 * SIGKILLs and restarts Redis once, then lets the reconcilers settle and
 * checks the invariants straight from the database (see invariants.ts).
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
import { credentials } from '@grpc/grpc-js';
import { BookingServiceClient } from '../../src/gen/booking/v1/booking_service';
import type * as pb from '../../src/gen/booking/v1/booking_service';
import { serviceInput } from '../factories';
import { Cluster, type Instance } from './cluster';
import { checkDatabase, type CheckResult } from './invariants';
import { OP_KINDS, Traffic, type TrafficControl, type Violation } from './traffic';
import { errorText, Rng, sleep, tailOf } from './util';

interface Options {
  durationS: number;
  maxDurationS: number;
  minOps: number;
  reconcilerIntervalMs: number;
  clients: number;
  minKills: number;
  slots: number;
  instances: number;
  seed: number;
  logLevel: string;
  keep: boolean;
  quick: boolean;
}

const SETTINGS = {
  reconcilerGraceMs: 3_000,
  holdConfirmMarginMs: 200,
  callTimeoutMs: 8_000,
  maxAttempts: 10,
  quarantineMs: 60_000,
  maxAppointmentsPerClient: 3,
};

function parseArgs(argv: string[]): Options {
  const quick = argv.includes('--quick');
  const full = argv.includes('--full');
  if (quick && full) throw new Error('--quick and --full exclude each other');
  const opts: Options = {
    durationS: quick ? 20 : full ? 240 : 60,
    maxDurationS: -1,
    minOps: full ? 20_000 : 0,
    reconcilerIntervalMs: full ? 5_000 : 1_000,
    clients: quick ? 24 : 32,
    minKills: -1,
    slots: 64,
    instances: 3,
    seed: Math.floor(Math.random() * 2 ** 31),
    logLevel: 'warn',
    keep: false,
    quick,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    const int = (min: number, max: number): number => {
      const raw = value();
      const n = Number(raw);
      if (!Number.isInteger(n) || n < min || n > max) {
        throw new Error(`${arg} must be an integer from ${min} to ${max}, got ${raw}`);
      }
      return n;
    };
    switch (arg) {
      case '--quick':
      case '--full':
        break;
      case '--duration':
        opts.durationS = int(5, 3_600);
        break;
      case '--ops':
        opts.minOps = int(0, 10_000_000);
        break;
      case '--max-duration':
        opts.maxDurationS = int(5, 7_200);
        break;
      case '--reconciler-interval':
        opts.reconcilerIntervalMs = int(100, 60_000);
        break;
      case '--clients':
        opts.clients = int(1, 1_000);
        break;
      case '--kills':
        opts.minKills = int(0, 1_000);
        break;
      case '--slots':
        opts.slots = int(4, 2_000);
        break;
      case '--instances':
        opts.instances = int(2, 10);
        break;
      case '--seed':
        opts.seed = int(0, 2 ** 31 - 1);
        break;
      case '--log-level':
        opts.logLevel = value();
        break;
      case '--keep':
        opts.keep = true;
        break;
      case '--help':
      case '-h':
        process.stdout.write(`${fs.readFileSync(__filename, 'utf8').split('*/')[0]}*/\n`);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown option ${arg} (see --help)`);
    }
  }
  if (opts.maxDurationS < 0) {
    opts.maxDurationS = opts.minOps > 0 ? Math.max(opts.durationS * 4, 3_600) : opts.durationS * 4;
  }
  if (opts.maxDurationS < opts.durationS) throw new Error('--max-duration is shorter than --duration');
  if (opts.minKills < 0) {
    opts.minKills = quick ? 3 : full ? 16 : Math.max(10, Math.round(opts.durationS / 8));
  }
  return opts;
}

const log = (line: string): void =>
  void process.stdout.write(`[chaos ${new Date().toISOString().slice(11, 23)}] ${line}\n`);

/** The service and its slot pool, created through the API of instance 0. */
/** Places of the chaos service's slots on the days after its first: a capacity above 1, with parties of 1 or 2. */
const CHAOS_CAPACITY = 3;

/**
 * The chaos service: its first day of slots has one place each (the
 * slot-claim arbiter's path), the following days CHAOS_CAPACITY places (the
 * places ledger's path), so one run checks both.
 */
async function setUp(
  port: number,
  slotCount: number,
): Promise<{ serviceId: string; slotIds: string[]; multiSlotIds: string[] }> {
  const client = new BookingServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
  const call = <Res>(fn: (cb: (err: Error | null, res: Res) => void) => void): Promise<Res> =>
    new Promise((resolve, reject) => fn((err, res) => (err ? reject(err) : resolve(res))));
  try {
    const created = await call<pb.CreateServiceResponse>((cb) =>
      client.createService(
        {
          // 9:00-17:00 in 15-minute slots: 32 a day.
          service: serviceInput({ name: 'Chaos clinic', timeZone: 'UTC', slotDurationMinutes: 15 }),
        },
        cb,
      ),
    );
    const serviceId = created.service!.id;
    const days = Math.ceil(slotCount / 32);
    const first = new Date(Date.now() + 7 * 86_400_000);
    const last = new Date(first.getTime() + (days - 1) * 86_400_000);
    const date = (d: Date) => ({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() });
    await call<pb.GenerateSlotsResponse>((cb) =>
      client.generateSlots({ serviceId, startDate: date(first), endDate: date(first) }, cb),
    );
    if (days > 1) {
      await call<pb.UpdateServiceResponse>((cb) =>
        client.updateService(
          { service: { ...created.service!, capacity: CHAOS_CAPACITY }, updateMask: ['capacity'] },
          cb,
        ),
      );
      const second = new Date(first.getTime() + 86_400_000);
      await call<pb.GenerateSlotsResponse>((cb) =>
        client.generateSlots({ serviceId, startDate: date(second), endDate: date(last) }, cb),
      );
    }
    const listed = await call<pb.ListSlotsResponse>((cb) =>
      client.listSlots(
        { serviceId, startTime: undefined, endTime: undefined, status: 0, pageSize: 500, pageToken: '' },
        cb,
      ),
    );
    const slots = listed.slots.slice(0, slotCount);
    const slotIds = slots.map((s) => s.id);
    if (slotIds.length < slotCount)
      throw new Error(`only ${slotIds.length} slots generated, wanted ${slotCount}`);
    return { serviceId, slotIds, multiSlotIds: slots.filter((s) => s.capacity > 1).map((s) => s.id) };
  } finally {
    client.close();
  }
}

interface ChaosLog {
  kills: { at: number; instance: number; downMs: number; restartMs: number }[];
  redis: { at: number; downMs: number }[];
  errors: string[];
}

/**
 * SIGKILLs a random running instance and restarts it after a short pause
 * (restarts run in the background, so a slow start-up does not delay the
 * next kill; at least one instance stays up). The first `kills` are planned
 * one in each of `kills` equal parts of `window`, and go on at the same pace
 * after it while the traffic runs. The pace follows the run's progress, not
 * the clock alone: a kill is due at its planned moment, but only once two
 * instances are up and the traffic has started `opsBetween` operations since
 * the previous kill. So on a busy machine, where a restart takes 20 s and
 * operations crawl, kills come later rather than piling onto a stalled
 * cluster, and the traffic waits for them (see main).
 */
async function killLoop(
  cluster: Cluster,
  rng: Rng,
  window: { start: number; end: number },
  pace: { kills: number; opsBetween: number; ops: () => number },
  control: TrafficControl,
  record: ChaosLog,
): Promise<void> {
  if (pace.kills === 0) return;
  const gap = (window.end - window.start) / pace.kills;
  const restarts = new Set<Promise<void>>();
  const killAndRestart = async (victim: Instance): Promise<void> => {
    const t0 = Date.now();
    await victim.sigkill();
    await sleep(rng.between(200, 1_500));
    try {
      const restartMs = await victim.start(60_000);
      record.kills.push({ at: t0, instance: victim.index, downMs: Date.now() - t0, restartMs });
    } catch (err) {
      record.errors.push(`restart of ${victim.name} failed: ${errorText(err)}`);
      record.kills.push({ at: t0, instance: victim.index, downMs: Date.now() - t0, restartMs: -1 });
      // Once more; the run reports the failure either way.
      await victim.start(60_000).catch((e: unknown) => void record.errors.push(errorText(e)));
    }
  };
  let opsAtLastKill = pace.ops();
  for (let k = 0; !control.stopped; k++) {
    const at = window.start + gap * (k + rng.between(0.15, 0.85));
    const due = (): boolean =>
      Date.now() >= at &&
      // Never the last one standing, and never before the traffic got going again.
      cluster.instances.filter((i) => i.up).length >= 2 &&
      pace.ops() - opsAtLastKill >= pace.opsBetween;
    while (!control.stopped && !due()) await sleep(Math.min(100, Math.max(10, at - Date.now())));
    if (control.stopped) break;
    opsAtLastKill = pace.ops();
    const victim: Instance = rng.pick(cluster.instances.filter((i) => i.up));
    const restart = killAndRestart(victim);
    restarts.add(restart);
    void restart.finally(() => restarts.delete(restart));
  }
  await Promise.all([...restarts]);
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Warn/error lines of the instances' logs, by message; and the reconciler's slot repairs, by reason. */
function scanLogs(instances: readonly Instance[]): {
  repairs: number;
  repairsByWhy: Record<string, number>;
  warnings: Record<string, number>;
  errors: Record<string, number>;
} {
  const out = {
    repairs: 0,
    repairsByWhy: {} as Record<string, number>,
    warnings: {} as Record<string, number>,
    errors: {} as Record<string, number>,
  };
  for (const i of instances) {
    let text = '';
    try {
      text = fs.readFileSync(i.logFile, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      if (!line.startsWith('{')) continue;
      let entry: { level?: number; msg?: string; reason?: string; code?: string; err?: unknown };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        continue;
      }
      const msg = entry.msg ?? '';
      if (msg.startsWith('reconciler repaired a slot')) {
        out.repairs += 1;
        const why = msg.replace(/^reconciler repaired a slot: /, '');
        out.repairsByWhy[why] = (out.repairsByWhy[why] ?? 0) + 1;
        continue;
      }
      const err =
        typeof entry.err === 'string' ? entry.err : (entry.err as { message?: string } | undefined)?.message;
      const detail = err
        ? ` (${err
            .replace(/[0-9a-f]{24}/g, '<id>')
            .replace(/\d+/g, 'N')
            .slice(0, 100)})`
        : '';
      const key =
        msg === 'call' ? `call ${entry.code ?? ''} ${entry.reason ?? ''}${detail}`.trim() : `${msg}${detail}`;
      if ((entry.level ?? 0) >= 50) out.errors[key] = (out.errors[key] ?? 0) + 1;
      else if ((entry.level ?? 0) >= 40) out.warnings[key] = (out.warnings[key] ?? 0) + 1;
    }
  }
  return out;
}

function table(rows: (string | number)[][], header: string[]): string {
  const all = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, c) => Math.max(...all.map((r) => String(r[c] ?? '').length)));
  return all
    .map((r) =>
      r
        .map((cell, c) => (c === 0 ? String(cell).padEnd(widths[c]!) : String(cell).padStart(widths[c]!)))
        .join('  '),
    )
    .join('\n');
}

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
  let control: TrafficControl | undefined;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
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

  const started = Date.now();
  const chaos: ChaosLog = { kills: [], redis: [], errors: [] };
  let traffic: Traffic | undefined;
  let check: CheckResult | undefined;
  let settleMs = 0;
  /** (ms since the traffic started, operations answered so far), once a second. */
  const samples: [number, number][] = [];
  /** When the traffic was told to stop (its last calls then drain): the end of the rate's window. */
  let trafficStoppedMs: number | undefined;
  let verdict: 'PASS' | 'FAIL' | 'ERROR' = 'ERROR';
  const harnessErrors: string[] = [];
  try {
    log(
      `seed ${opts.seed}; ${opts.durationS} s of traffic from ${opts.clients} clients on ${opts.slots} slots, ` +
        `${opts.instances} instances, >= ${opts.minKills} kills, 1 Redis restart; dir ${dir}`,
    );
    await Promise.all([cluster.startFerret(), cluster.startRedis()]);
    await cluster.addInstances(opts.instances, {
      ...SETTINGS,
      reconcilerIntervalMs: opts.reconcilerIntervalMs,
      logLevel: opts.logLevel,
    });
    for (const line of cluster.describe) log(line);
    const { serviceId, slotIds, multiSlotIds } = await setUp(cluster.instances[0]!.port, opts.slots);
    log(
      `service ${serviceId} with ${slotIds.length} slots (${multiSlotIds.length} of ${CHAOS_CAPACITY} places); ` +
        `setup took ${Date.now() - started} ms`,
    );

    const trafficStart = Date.now();
    const deadlineMs = trafficStart + opts.durationS * 1000;
    const capMs = trafficStart + opts.maxDurationS * 1000;
    const ctl: TrafficControl = { stopped: false, hardStopMs: 0 };
    control = ctl;
    traffic = new Traffic({
      serviceId,
      slotIds,
      multiSlotIds,
      ports: cluster.instances.map((i) => i.port),
      clients: opts.clients,
      control: ctl,
      callTimeoutMs: SETTINGS.callTimeoutMs,
      maxAttempts: SETTINGS.maxAttempts,
      holdConfirmMarginMs: SETTINGS.holdConfirmMarginMs,
      maxAppointmentsPerClient: SETTINGS.maxAppointmentsPerClient,
      quarantineMs: SETTINGS.quarantineMs,
      rng: rng.fork(),
      runTag,
      onViolation: (v) => log(`VIOLATION [${v.invariant}] ${v.detail}`),
    });
    const t = traffic;
    const sampler = setInterval(() => samples.push([Date.now() - trafficStart, t.totalOps]), 1_000);
    const progress = setInterval(() => {
      const s = (Date.now() - trafficStart) / 1000;
      log(
        `${s.toFixed(0)} s: ${t.totalOps} ops (${(t.totalOps / s).toFixed(0)}/s), ` +
          `${cluster.instances.reduce((n, i) => n + i.kills, 0)} kills, ` +
          `${cluster.redisRestarts} redis restarts, ${t.violations.length} violations so far`,
      );
    }, 10_000);
    // Traffic runs for --duration, longer while --ops, the kills or the Redis restart are not
    // done yet (a busy machine), never past --max-duration.
    const killCount = (): number => cluster.instances.reduce((n, i) => n + i.kills, 0);
    let redisDone = false;
    let extended = false;
    const stopper = setInterval(() => {
      const now = Date.now();
      if (ctl.stopped || now < deadlineMs) return;
      const owed: string[] = [];
      if (t.totalOps < opts.minOps) owed.push(`operations (${t.totalOps} of ${opts.minOps})`);
      if (killCount() < opts.minKills) owed.push(`kills (${killCount()} of ${opts.minKills})`);
      if (!redisDone) owed.push('the Redis restart');
      if (owed.length === 0 || now >= capMs) {
        if (owed.length > 0) log(`--max-duration reached still waiting for ${owed.join(', ')}`);
        ctl.stopped = true;
        ctl.hardStopMs = now + 30_000;
        trafficStoppedMs = now - trafficStart;
      } else if (!extended) {
        extended = true;
        log(
          `traffic goes on past --duration, waiting for ${owed.join(', ')} (at most ${opts.maxDurationS} s)`,
        );
      }
    }, 100);
    const window = { start: trafficStart + 1_000, end: deadlineMs - 2_000 };
    const chaosRng = rng.fork();
    const redisAt = window.start + (window.end - window.start) * chaosRng.between(0.35, 0.65);
    const redisDownMs = Math.round(chaosRng.between(800, 1_500));
    const redisRestart = (async () => {
      await sleep(redisAt - Date.now());
      const t0 = Date.now();
      log('SIGKILL redis-server');
      await cluster.restartRedis(redisDownMs);
      chaos.redis.push({ at: t0, downMs: Date.now() - t0 });
      log(`redis-server back after ${Date.now() - t0} ms`);
    })()
      .catch((err: unknown) => void chaos.errors.push(`redis restart: ${errorText(err)}`))
      .finally(() => {
        redisDone = true;
      });
    // Between two kills, every client has had about one operation answered.
    const pace = { kills: opts.minKills, opsBetween: opts.clients, ops: () => t.totalOps };
    const kills = killLoop(cluster, chaosRng, window, pace, ctl, chaos).catch(
      (err: unknown) => void chaos.errors.push(`kill loop: ${errorText(err)}`),
    );
    await Promise.all([traffic.run(), kills, redisRestart]);
    clearInterval(progress);
    clearInterval(sampler);
    samples.push([Date.now() - trafficStart, traffic.totalOps]);
    clearInterval(stopper);
    const trafficEnd = Date.now();
    log(
      `traffic stopped after ${((trafficEnd - trafficStart) / 1000).toFixed(1)} s: ${traffic.totalOps} operations`,
    );

    // Every instance up, then give the reconcilers time: grace + a few passes.
    for (const i of cluster.instances.filter((x) => !x.up)) await i.start(60_000);
    const settleStart = Date.now();
    await sleep(SETTINGS.reconcilerGraceMs + 3 * opts.reconcilerIntervalMs);
    const checkOnce = (): Promise<CheckResult> =>
      checkDatabase({
        mongoUri: cluster.mongoUri,
        serviceId,
        truths: t.truths,
        cleanupSlackMs: 2 * opts.reconcilerIntervalMs + 500,
      });
    check = await checkOnce();
    // `projection` is eventually consistent: look again for a while before calling it a violation.
    const convergeBy = Date.now() + Math.max(20_000, 4 * opts.reconcilerIntervalMs);
    while (check.violations.some((v) => v.invariant === 'projection') && Date.now() < convergeBy) {
      await sleep(2_000);
      check = await checkOnce();
    }
    settleMs = Date.now() - settleStart;

    const killed = killCount();
    if (killed < opts.minKills) {
      harnessErrors.push(
        `only ${killed} kills, wanted ${opts.minKills}, by --max-duration (${opts.maxDurationS} s of traffic)`,
      );
    }
    if (chaos.redis.length < 1) harnessErrors.push('Redis was not restarted');
    harnessErrors.push(...chaos.errors);
  } catch (err) {
    harnessErrors.push(err instanceof Error ? (err.stack ?? err.message) : String(err));
  } finally {
    traffic?.close();
  }

  // ------------------------------------------------------------------ report
  const violations: Violation[] = [...(traffic?.violations ?? []), ...(check?.violations ?? [])];
  verdict = harnessErrors.length > 0 ? 'ERROR' : violations.length > 0 ? 'FAIL' : 'PASS';
  const logs = scanLogs(cluster.instances);
  const s = traffic?.stats;
  const out: string[] = [];
  if (s) {
    const rows: (string | number)[][] = OP_KINDS.map((k) => {
      const failed = Object.entries(s.failures)
        .filter(([key]) => key.startsWith(`${k} `))
        .reduce((a, [, n]) => a + n, 0);
      const lat = s.latencyMs[k] ?? [];
      return [
        k,
        s.ops[k] ?? 0,
        s.successes[k] ?? 0,
        failed,
        s.unknown[k] ?? 0,
        percentile(lat, 50),
        percentile(lat, 99),
      ];
    });
    const sum = (i: number): number => rows.reduce((a, r) => a + Number(r[i]), 0);
    rows.push(['total', sum(1), sum(2), sum(3), sum(4), '', '']);
    out.push('', '=== chaos: operations ===');
    out.push(table(rows, ['kind', 'ops', 'ok', 'failed', 'unknown', 'p50 ms', 'p99 ms']));
    out.push('', '=== failures by reason (definitive answers) ===');
    out.push(
      table(
        Object.entries(s.failures)
          .sort((a, b) => b[1] - a[1])
          .map(([k, n]) => [k, n]),
        ['kind reason', 'count'],
      ),
    );
    const retried = Object.values(s.retries).reduce((a, b) => a + b, 0);
    out.push('', `=== attempts: ${s.attempts} (${retried} retried) ===`);
    out.push(
      table(
        Object.entries(s.retries)
          .sort((a, b) => b[1] - a[1])
          .map(([k, n]) => [k, n]),
        ['retried after', 'count'],
      ),
    );
    out.push(
      '',
      `holds confirmed on purpose after expiry: ${s.lateConfirms.tried} tried, ${s.lateConfirms.refused} refused ` +
        `(${s.lateConfirms.tried - s.lateConfirms.refused} succeeded: allowed only when the first attempt was sent in time)`,
    );
    const unknownTotal = Object.values(s.unknown).reduce((a, b) => a + b, 0);
    if (unknownTotal > 0) {
      out.push('', `=== unknown outcomes: ${unknownTotal} (left out of the strict checks) ===`);
      out.push(
        table(
          Object.entries(s.unknownLast)
            .sort((a, b) => b[1] - a[1])
            .map(([k, n]) => [k, n]),
          ['kind, last answer', 'count'],
        ),
      );
      out.push(
        `resolved later by listing (after ${SETTINGS.quarantineMs / 1000} s): ${s.resolved.adopted} appointments ` +
          `found and adopted, ${s.resolved.absent} found absent`,
      );
    }
  }
  const restarts = chaos.kills.filter((k) => k.restartMs >= 0).map((k) => k.restartMs);
  out.push('', '=== chaos ===');
  out.push(
    `instance kills (SIGKILL): ${cluster.instances.reduce((n, i) => n + i.kills, 0)} [${cluster.instances.map((i) => `${i.name}: ${i.kills}`).join(', ')}]; ` +
      `restart to ready p50 ${percentile(restarts, 50)} ms, max ${Math.max(0, ...restarts)} ms`,
  );
  out.push(
    `redis restarts (SIGKILL, same port): ${chaos.redis.length}${chaos.redis[0] ? `, down ${chaos.redis[0].downMs} ms` : ''}`,
  );
  const tenths = tenthRates(
    samples.filter(([at]) => trafficStoppedMs === undefined || at <= trafficStoppedMs),
  );
  if (tenths) {
    out.push(
      `throughput: first tenth of the traffic ${tenths.first.toFixed(1)} ops/s, last tenth ${tenths.last.toFixed(1)} ops/s ` +
        `(last / first ${(tenths.last / tenths.first).toFixed(2)}); by tenth: ${tenths.all.map((r) => r.toFixed(0)).join(' ')}`,
    );
  }
  out.push(`reconciler slot repairs (log lines): ${logs.repairs}`);
  for (const [why, n] of Object.entries(logs.repairsByWhy)) out.push(`  ${n}  ${why}`);
  if (Object.keys(logs.warnings).length) {
    out.push('instance warnings:');
    for (const [msg, n] of Object.entries(logs.warnings).sort((a, b) => b[1] - a[1]))
      out.push(`  ${n}  ${msg}`);
  }
  if (Object.keys(logs.errors).length) {
    out.push('instance errors:');
    for (const [msg, n] of Object.entries(logs.errors).sort((a, b) => b[1] - a[1]))
      out.push(`  ${n}  ${msg}`);
  }
  if (check) {
    const c = check.counts;
    out.push('', '=== database at the end ===');
    out.push(
      `slots: ${c.slots} ${JSON.stringify(c.slotsByStatus)}; claims: ${c.claims} ${JSON.stringify(c.claimsByStatus)}; request_log: ${c.requestLog}`,
    );
    out.push(
      `checked: ${c.acknowledgedChecked} acknowledged appointments, ${c.cancelledChecked} acknowledged cancellations, ` +
        `${c.confirmedFromHolds} confirmed holds; skipped as unknown: ${c.uncertainSkipped}; settled after ${settleMs} ms`,
    );
  }
  out.push('', '=== invariants ===');
  const invariants = [
    ['exclusive', 'no slot of one place has more than one active appointment'],
    ['capacity', 'no slot of several places has more places taken than its capacity'],
    ['projection', 'every BOOKED slot has exactly one active appointment, pointing back'],
    ['acknowledged', 'every acknowledged booking exists and is active, unless cancelled/moved'],
    ['hold expiry', 'no hold is honoured past its expiry'],
  ] as const;
  const online = violations.filter((v) => !invariants.some(([k]) => k === v.invariant));
  for (const [key, text] of invariants) {
    const n = violations.filter((v) => v.invariant === key).length;
    out.push(
      `${n === 0 && check ? 'ok  ' : 'FAIL'}  ${key.padEnd(12)} ${text}${n ? `: ${n} violations` : ''}`,
    );
  }
  if (online.length) out.push(`FAIL  responses    malformed answers: ${online.length}`);
  if (violations.length) {
    out.push('', '=== violations (first 40) ===');
    for (const v of violations.slice(0, 40)) out.push(`[${v.invariant}] ${v.detail}`);
  }
  if (harnessErrors.length) {
    out.push('', '=== run errors ===', ...harnessErrors);
  }
  if (verdict !== 'PASS') {
    for (const f of [
      ...cluster.instances.map((i) => i.logFile),
      path.join(dir, 'ferretdb.log'),
      path.join(dir, 'redis.log'),
    ]) {
      const tail = tailOf(f, 15)
        .split('\n')
        .map((l) => (l.length > 400 ? `${l.slice(0, 400)}...` : l))
        .join('\n');
      if (tail) out.push('', `--- ${f} (tail) ---`, tail);
    }
  }
  const elapsedS = (Date.now() - started) / 1000;
  const summary = {
    verdict,
    seed: opts.seed,
    durationS: opts.durationS,
    clients: opts.clients,
    instances: opts.instances,
    slots: opts.slots,
    elapsedS: Math.round(elapsedS),
    operations: traffic?.totalOps ?? 0,
    ops: s?.ops ?? {},
    successes: s?.successes ?? {},
    unknown: s?.unknown ?? {},
    unknownResolved: s?.resolved ?? {},
    attempts: s?.attempts ?? 0,
    kills: cluster.instances.reduce((n, i) => n + i.kills, 0),
    redisRestarts: chaos.redis.length,
    repairs: logs.repairs,
    violations: violations.length,
    opsPerSecondByTenth: tenths?.all.map((r) => Math.round(r * 10) / 10) ?? [],
  };
  out.push('', `verdict: ${verdict} (${elapsedS.toFixed(0)} s, seed ${opts.seed})`);
  out.push(`CHAOS_RESULT ${JSON.stringify(summary)}`);
  process.stdout.write(`${out.join('\n')}\n`);
  await cleanUp(opts.keep || verdict !== 'PASS');
  return verdict === 'PASS' ? 0 : verdict === 'FAIL' ? 1 : 2;
}

/**
 * Operations answered per second in each tenth of the traffic time, from the
 * once-a-second samples: whether the service slows down as data piles up
 * (issue 13 asks the last tenth to keep at least half the first one's rate).
 */
function tenthRates(samples: [number, number][]): { first: number; last: number; all: number[] } | null {
  const end = samples[samples.length - 1]?.[0] ?? 0;
  if (samples.length < 20 || end <= 0) return null;
  const opsAt = (ms: number): number => {
    // The latest sample at or before `ms` (samples are in time order).
    let ops = 0;
    for (const [at, n] of samples) {
      if (at > ms) break;
      ops = n;
    }
    return ops;
  };
  const all = Array.from({ length: 10 }, (_, i) => {
    const from = (end * i) / 10;
    const to = (end * (i + 1)) / 10;
    return (opsAt(to) - opsAt(from)) / ((to - from) / 1000);
  });
  return { first: all[0]!, last: all[9]!, all };
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`chaos: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(2);
  },
);
