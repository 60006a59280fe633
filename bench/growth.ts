/**
 * `npm run bench -- --growth [--quick] [--sizes=...] [--backends=...] [--reps=...] [--max-minutes=N]`
 *
 * The same operations, through the real gRPC API against the real server
 * (bench/server-with-monitoring.ts, reconciler on with default settings), as
 * the database grows in place from the first size to the last (documents per
 * collection: slots, appointments, request_log), once per FerretDB backend;
 * plus the spread and hot-slot scenarios with their bare-driver floor, and
 * the database's CPU while the service is idle. See bench/README.md.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Redis } from 'ioredis';
import {
  BookSlotRequest,
  CancelAppointmentRequest,
  CreateServiceRequest,
  GetAppointmentRequest,
  HoldSlotRequest,
  ListAppointmentsRequest,
  ListSlotsRequest,
} from '../src/gen/booking/v1/booking_service';
import { obtainBackingServices, type BackingServices } from '../scripts/local-servers';
import { databaseProcesses, treeCpuMs } from './lib/db-cpu';
import { copyIndexes, MongoClient, wipe, type MongoClientT } from './lib/docs';
import { call, failureLabel, failureOf, newClient, type BookingServiceClient } from './lib/grpc';
import { control, cpuMsOf, CpuMeter, passesSince, startupBacklog, workers, type Worker } from './lib/procs';
import { GrowthSeeder, type Counts, type SeedService } from './lib/seed';
import { log, RESULTS, ROOT, sh, startServer, transpileWrapper, type Server } from './lib/server';
import { Histogram, sleep, type Summary } from './lib/stats';
import { hot, spread, waitForServer, type Config, type Ctx } from './scenarios';
import type { MethodStats } from './monitoring/state';

export const BACKENDS = ['sqlite', 'postgresql'] as const;
type Backend = (typeof BACKENDS)[number];

export const OPS = [
  'BookSlot',
  'CancelAppointment',
  'HoldSlot',
  'BookSlot (confirm hold)',
  'GetAppointment',
  'ListSlots (one day)',
  'ListAppointments (page of 50)',
  'reconciler pass',
] as const;
type Op = (typeof OPS)[number];
/** Short names for --reps. */
const OP_KEYS: Record<string, Op> = {
  book: 'BookSlot',
  cancel: 'CancelAppointment',
  hold: 'HoldSlot',
  confirm: 'BookSlot (confirm hold)',
  get: 'GetAppointment',
  listslots: 'ListSlots (one day)',
  history: 'ListAppointments (page of 50)',
  reconcile: 'reconciler pass',
};

interface GrowthOptions {
  quick: boolean;
  sizes: number[];
  backends: Backend[];
  reps: Record<Op, number>;
  maxMinutes: number;
  build: boolean;
  scenarios: boolean;
  idleSeconds: number;
  /** At the largest size: wait this long after the first idle window, then measure idle again (settled). */
  settleSeconds: number;
  services: number;
  historyClaims: number;
}

const HISTORY_USER = 'history-user';
const USAGE = `npm run bench -- --growth [--quick] [--sizes=1000,20000,100000] [--backends=sqlite,postgresql]
    [--reps=30 | --reps=book:30,cancel:30,hold:30,confirm:30,get:30,listslots:30,history:30,reconcile:3]
    [--max-minutes=N] [--idle-seconds=20] [--settle-seconds=0] [--no-scenarios] [--no-build]
`;

function parse(argv: string[]): GrowthOptions {
  const quick = argv.includes('--quick');
  const reps = Object.fromEntries(OPS.map((op) => [op, quick ? 10 : 30])) as Record<Op, number>;
  reps['reconciler pass'] = quick ? 2 : 3;
  const o: GrowthOptions = {
    quick,
    sizes: quick ? [200, 1_000, 2_000] : [1_000, 20_000, 100_000],
    // the backend dev and the tests use (BOOKING_FERRETDB_BACKEND; PostgreSQL unless it says sqlite)
    backends: [
      process.env.BOOKING_FERRETDB_BACKEND?.trim().toLowerCase() === 'sqlite' ? 'sqlite' : 'postgresql',
    ],
    reps,
    maxMinutes: quick ? 8 : 240,
    build: true,
    scenarios: true,
    idleSeconds: quick ? 10 : 20,
    settleSeconds: 0,
    services: 20,
    historyClaims: quick ? 100 : 200,
  };
  const ints = (a: string, v: string, min: number): number[] => {
    const xs = v.split(',').map(Number);
    if (!v || xs.some((x) => !Number.isInteger(x) || x < min))
      throw new Error(`${a}: expected integers >= ${min} separated by commas`);
    return xs;
  };
  for (const a of argv) {
    const [flag, value = ''] = a.split(/=(.*)/s, 2) as [string, string?];
    if (flag === '--growth' || flag === '--quick') continue;
    else if (flag === '--no-build') o.build = false;
    else if (flag === '--no-scenarios') o.scenarios = false;
    else if (flag === '--sizes') o.sizes = ints(a, value, 1);
    else if (flag === '--max-minutes') o.maxMinutes = ints(a, value, 1)[0]!;
    else if (flag === '--idle-seconds') o.idleSeconds = ints(a, value, 1)[0]!;
    else if (flag === '--settle-seconds') o.settleSeconds = ints(a, value, 0)[0]!;
    else if (flag === '--backends') {
      const names = value.split(',');
      for (const n of names)
        if (!(BACKENDS as readonly string[]).includes(n))
          throw new Error(`unknown backend "${n}" in ${a}; known: ${BACKENDS.join(', ')}`);
      o.backends = names as Backend[];
    } else if (flag === '--reps') {
      if (/^\d+$/.test(value)) {
        for (const op of OPS) if (op !== 'reconciler pass') o.reps[op] = ints(a, value, 1)[0]!;
      } else {
        for (const part of value.split(',')) {
          const [k = '', n = ''] = part.split(':');
          const op = OP_KEYS[k.toLowerCase()];
          if (!op)
            throw new Error(`${a}: unknown operation "${k}"; one of ${Object.keys(OP_KEYS).join(', ')}`);
          o.reps[op] = ints(a, n, 1)[0]!;
        }
      }
    } else if (flag === '--help' || flag === '-h') {
      process.stdout.write(USAGE);
      process.exit(0);
    } else throw new Error(`unknown argument ${a} for --growth (try --growth --help)`);
  }
  if (o.sizes.some((s, i) => i > 0 && s <= o.sizes[i - 1]!))
    throw new Error('--sizes must increase (the database grows from one size to the next)');
  if (o.sizes[0]! < o.historyClaims * 2) o.historyClaims = Math.max(1, Math.floor(o.sizes[0]! / 2));
  return o;
}

const SCENARIO_CONFIG = (quick: boolean): Config => ({
  spread: quick
    ? { clients: 64, slotsPerClient: 10, durationMs: 5_000, clientPoints: [1, 16, 64] }
    : { clients: 64, slotsPerClient: 40, durationMs: 30_000, clientPoints: [1, 16, 64] },
  hot: quick
    ? { slots: 10, perSlot: 50, retries: 3, backoffMs: 50, floorMaxMs: 60_000 }
    : { slots: 100, perSlot: 500, retries: 3, backoffMs: 50, floorMaxMs: 240_000 },
  // Not run by --growth (its scenarios are spread, hot and history); required by the type.
  places: { slots: 10, capacity: 5, perSlot: 50, retries: 3, backoffMs: 50 },
  fanout: [],
  generation: { days: 30 },
  history: { appointments: 1_000, pageSize: 50, rounds: 1 },
});

/**
 * Waits until `pids` (process trees) use less than `fraction` of a core over
 * `windowMs`, at most `maxMs`; seconds waited (the cap, if never quiet).
 */
async function quiet(pids: number[], fraction: number, windowMs: number, maxMs: number): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < maxMs) {
    const t0 = Date.now();
    const cpu0 = treeCpuMs(pids);
    await sleep(windowMs);
    if ((treeCpuMs(pids) - cpu0) / (Date.now() - t0) < fraction) break;
  }
  return round((Date.now() - start) / 1000, 0);
}

/** Thrown when the run's time cap is reached; what is measured so far is kept. */
class TimeCap extends Error {}

type R = Record<string, unknown>;

interface OpResult {
  n: number;
  latencyMs: Summary | null;
  /** MongoDB commands per call (per pass for the reconciler), from command monitoring. */
  commandsPerOp: number | null;
  redisPerOp: number | null;
  opsPerCall?: Record<string, number>;
  failures: Record<string, number>;
  note?: string;
}

interface IdleResult {
  seconds: number;
  databaseCpuS: number;
  fractionOfCore: number;
  byProcess: Record<string, number>;
  serverFractionOfCore: number;
  reconcilerPassesDuring: number;
}

interface SizeResult {
  size: number;
  counts: Counts;
  seeded: { added: Counts; seconds: number };
  /** Seconds the database took to be quiet again after the seeding (see quiet()). */
  quietAfterS?: number;
  ops: Partial<Record<Op, OpResult>>;
  idle?: IdleResult;
  /** The largest size only, with --settle-seconds: idle again once the reconciler's start-up backlog is through. */
  idleSettled?: IdleResult & { afterServerStartS: number };
  capped?: string;
}

// ---------------------------------------------------------------------------

export async function growthMain(argv: string[]): Promise<void> {
  const opts = parse(argv);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const outDir = path.join(RESULTS, stamp);
  fs.mkdirSync(outDir, { recursive: true });
  const command = `npm run bench -- ${argv.join(' ')}`;
  const startedAt = new Date();
  const deadline = startedAt.getTime() + opts.maxMinutes * 60_000;
  log(`${command} -> ${path.relative(ROOT, outDir)}`);
  log(
    `growth: sizes ${opts.sizes.join(', ')} per collection; backends ${opts.backends.join(', ')}; ` +
      `repetitions ${JSON.stringify(opts.reps)}; time cap ${opts.maxMinutes} min`,
  );
  if (process.env.MONGODB_URI && process.env.REDIS_URL && opts.backends.length > 1)
    throw new Error('with MONGODB_URI and REDIS_URL set there is one database: pass one backend');

  const cleanups: (() => Promise<void> | void)[] = [];
  const cleanup = async (): Promise<void> => {
    for (const c of cleanups.splice(0).reverse()) {
      try {
        await c();
      } catch (err) {
        log(`cleanup: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  };
  // A hard bound past the cap, for anything that hangs.
  const watchdog = setTimeout(
    () => {
      log(`run exceeded its time cap by 15 minutes; stopping`);
      void cleanup().finally(() => process.exit(3));
    },
    (opts.maxMinutes + 15) * 60_000,
  );
  watchdog.unref();
  for (const sig of ['SIGINT', 'SIGTERM'] as const)
    process.once(sig, () => void cleanup().finally(() => process.exit(130)));

  let buildS = 0;
  if (opts.build) {
    log('npm run build');
    const t0 = Date.now();
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
    buildS = (Date.now() - t0) / 1000;
  }
  const wrapper = transpileWrapper();

  const results: Record<string, R> = {};
  for (const backend of opts.backends) {
    if (Date.now() > deadline) {
      results[backend] = { capped: `time cap of ${opts.maxMinutes} min reached before this backend started` };
      continue;
    }
    const mine: (() => Promise<void> | void)[] = [];
    cleanups.push(async () => {
      for (const c of mine.splice(0).reverse()) await c();
    });
    try {
      results[backend] = await runBackend(backend, opts, wrapper, outDir, stamp, deadline, (c) =>
        mine.push(c),
      );
    } catch (err) {
      log(`${backend} FAILED: ${err instanceof Error ? err.message : String(err)}`);
      results[backend] = { error: err instanceof Error ? err.message : String(err) };
    }
    for (const c of mine.splice(0).reverse()) {
      try {
        await c();
      } catch (err) {
        log(`cleanup: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  const finishedAt = new Date();
  const git = {
    commit: sh('git', ['rev-parse', '--short', 'HEAD']),
    srcDirty: sh('git', ['status', '--porcelain', '--', 'src']) !== '',
    distBuiltAt: fs.statSync(path.join(ROOT, 'dist', 'main.js')).mtime.toISOString(),
  };
  const machine = {
    cpu: `${os.cpus()[0]?.model ?? '?'} x ${os.cpus().length}`,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    loadAverageAtEnd: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
  const tables = growthTables(opts, results);
  const report = {
    command,
    mode: 'growth',
    date: startedAt.toISOString(),
    durationS: (finishedAt.getTime() - startedAt.getTime()) / 1000,
    buildS,
    machine,
    git,
    serverEnv:
      'LOG_LEVEL=warn AUTH_DISABLED=true WATCH_MAX_STREAMS_PER_PRINCIPAL=100000 METRICS_HOST=127.0.0.1 METRICS_PORT=0; reconciler and every other setting default; MongoDB command monitoring on',
    options: opts,
    results,
    tables,
  };
  const jsonFile = path.join(RESULTS, `${stamp}.json`);
  fs.writeFileSync(jsonFile, `${JSON.stringify(report, null, 2)}\n`);
  const header = [
    `date: ${report.date}  (run took ${report.durationS.toFixed(0)} s)`,
    `command: ${command}  (git ${git.commit}${git.srcDirty ? ', src modified' : ''}; dist built ${git.distBuiltAt})`,
    `machine: ${machine.cpu}, ${machine.memoryGiB} GiB RAM, ${machine.os}, node ${machine.node}; load average ${machine.loadAverageAtEnd.join(' ')} at end`,
    `server: ${report.serverEnv}`,
  ];
  fs.writeFileSync(
    path.join(RESULTS, `${stamp}.md`),
    `${header.map((l) => `${l}  `).join('\n')}\n\n${tables.map((t) => `${t.title}\n\n${markdown(t)}`).join('\n\n')}\n`,
  );
  process.stdout.write(
    `\n${header.join('\n')}\n\n${tables.map((t) => `${t.title}\n${text(t)}`).join('\n\n')}\n\nresults: ${path.relative(ROOT, jsonFile)}\n`,
  );
  await cleanup();
  clearTimeout(watchdog);
  const failed = Object.values(results).some((r) => r.error);
  const capped = JSON.stringify(results).includes('time cap of');
  if (capped) log(`the time cap of ${opts.maxMinutes} min cut the run short; the tables say where`);
  process.exit(failed ? 1 : capped ? 2 : 0);
}

// ---------------------------------------------------------------------------

/** Which FerretDB handler the process listening on the URI's port runs, from its command line. */
function handlerOf(pid: number): string | undefined {
  try {
    const args = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const flag = args.find((a) => a.startsWith('--handler='));
    if (flag) return flag.slice('--handler='.length);
    if (args.some((a) => a.includes('mongod'))) return 'mongod';
    const env = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    return env.find((kv) => kv.startsWith('FERRETDB_HANDLER='))?.slice('FERRETDB_HANDLER='.length);
  } catch {
    return undefined;
  }
}

async function runBackend(
  backend: Backend,
  opts: GrowthOptions,
  wrapper: string,
  outDir: string,
  stamp: string,
  deadline: number,
  onCleanup: (c: () => Promise<void> | void) => void,
): Promise<R> {
  const checkCap = (where: string): void => {
    if (Date.now() > deadline)
      throw new TimeCap(
        `time cap of ${opts.maxMinutes} min reached (${where}); what follows was skipped. ` +
          'Narrow the run with --sizes, --reps, --backends, --no-scenarios, or raise --max-minutes',
      );
  };
  log(`=== backend ${backend} ===`);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    BOOKING_BACKING: process.env.BOOKING_BACKING || 'local',
    BOOKING_FERRETDB_BACKEND: backend,
  };
  const backing: BackingServices = await obtainBackingServices({ env, log });
  onCleanup(() => backing.stop());

  const external = backing.kind === 'external';
  const dbProcs = external
    ? { roots: {}, missing: ['external database: not measured'] }
    : databaseProcesses(backing.mongoUri);
  const handler = dbProcs.roots.ferretdb !== undefined ? handlerOf(dbProcs.roots.ferretdb) : undefined;
  if (!external && handler !== backend) {
    throw new Error(
      `asked for FerretDB on ${backend} (BOOKING_FERRETDB_BACKEND=${backend}), but the database started by ` +
        `scripts/local-servers/backing-services.ts runs ${handler ?? 'something unknown'} (${backing.describe}); ` +
        'this checkout does not provide that backend',
    );
  }
  log(
    `database processes: ${JSON.stringify(dbProcs.roots)}${dbProcs.missing.length ? `; not found: ${dbProcs.missing.join(', ')}` : ''}`,
  );

  const dbName = `growth_${stamp.replace(/-/g, '').slice(0, 15)}`;
  const uriFor = (db: string): string => {
    const u = new URL(backing.mongoUri);
    u.pathname = `/${db}`;
    return u.toString();
  };
  const serverLog = path.join(outDir, `server-${backend}.log`);
  const server: Server = await startServer(
    wrapper,
    {
      MONGODB_URI: uriFor(dbName),
      REDIS_URL: backing.redisUrl,
      LOG_LEVEL: 'warn',
      AUTH_DISABLED: 'true',
      WATCH_MAX_STREAMS_PER_PRINCIPAL: '100000',
      SHUTDOWN_GRACE_MS: '3000',
      METRICS_HOST: '127.0.0.1',
      METRICS_PORT: '0',
    },
    serverLog,
  );
  onCleanup(() => server.stop());
  const rpc: BookingServiceClient = newClient(server.target, 99);
  onCleanup(() => rpc.close());
  await waitForServer(rpc, Date.now() + 60_000);
  const serverStartedAt = Date.now();
  const hooked = (await control<{ hooked: boolean }>(server.controlPort, '/reconciler')).hooked;
  log(
    `server pid ${server.child.pid} on ${server.target}; reconciler passes ${hooked ? 'timed' : 'NOT visible'}`,
  );
  // Nothing is measured while the reconciler works through its start-up backlog (the lookback
  // window before the server started, passes every 250 ms): that is start-up cost, not steady state.
  const backlogS = hooked
    ? Math.round(((await startupBacklog(server.controlPort, 0)) - serverStartedAt) / 1000)
    : null;
  if (backlogS !== null) log(`reconciler start-up backlog through after ${backlogS} s`);

  const mongo: MongoClientT = new MongoClient(backing.mongoUri, { maxPoolSize: 8 });
  await mongo.connect();
  onCleanup(() => mongo.close());
  const appDb = mongo.db(dbName);
  const floorDbName = `${dbName}_floor`;
  const floorDb = mongo.db(floorDbName);
  await copyIndexes(appDb, floorDb);
  onCleanup(async () => {
    if (external) {
      await appDb.dropDatabase().catch(() => undefined);
      await floorDb.dropDatabase().catch(() => undefined);
    }
  });
  const redis = new Redis(backing.redisUrl, { lazyConnect: false, maxRetriesPerRequest: 2 });
  onCleanup(() => redis.disconnect());

  const out: R = {
    backing: backing.describe,
    handler,
    databaseProcesses: dbProcs,
    reconcilerPassesVisible: hooked,
    reconcilerBacklogS: backlogS,
  };

  // The spread and hot-slot scenarios, on an empty database, against their floor.
  if (opts.scenarios) {
    const pool: Worker[] = workers(4, `load-${backend}-`);
    onCleanup(() => pool.forEach((w) => w.stop()));
    await Promise.all(pool.map((w) => w.run({ kind: 'ping' }, 120_000)));
    const roots = Object.values(dbProcs.roots);
    const cpu = new CpuMeter(() => ({
      server: [server.child.pid ?? 0],
      database: roots,
      'load processes': pool.map((w) => w.pid),
    }));
    const ctx: Ctx = {
      cfg: SCENARIO_CONFIG(opts.quick),
      target: server.target,
      controlPort: server.controlPort,
      mongoUri: backing.mongoUri,
      appDbName: dbName,
      floorDbName,
      appDb,
      floorDb,
      rpc,
      redis,
      cpu,
      load: pool,
      outDir,
      serverLog,
      profile: false,
      log,
    };
    const scenarios: R = {};
    try {
      for (const n of ctx.cfg.spread.clientPoints) {
        checkCap(`spread with ${n} clients`);
        log(`spread: ${n} clients`);
        scenarios[`spread_${n}`] = await spread(ctx, n).catch((err: unknown) => ({ error: String(err) }));
      }
      checkCap('hot slots');
      scenarios.hot = await hot(ctx).catch((err: unknown) => ({ error: String(err) }));
    } catch (err) {
      if (!(err instanceof TimeCap)) throw err;
      scenarios.capped = err.message;
      log(err.message);
    }
    out.scenarios = scenarios;
    pool.forEach((w) => w.stop());
    await wipe(appDb);
    await wipe(floorDb);
    if (scenarios.capped) return out;
  }

  // The growth table.
  const services: SeedService[] = [];
  for (let i = 0; i < opts.services; i++) {
    const res = await call(
      rpc,
      rpc.createService,
      CreateServiceRequest.fromPartial({
        service: {
          name: `growth provider ${i}`,
          timeZone: 'UTC',
          openingTime: { hours: 8, minutes: 0 },
          closingTime: { hours: 16, minutes: 0 },
          slotDurationMinutes: 15,
          price: { amountMinor: 2500, currencyCode: 'EUR' },
          active: true,
        },
      }),
    );
    services.push({
      id: res.service!.id,
      timeZone: 'UTC',
      openingMinute: 8 * 60,
      closingMinute: 16 * 60,
      slotDurationMinutes: 15,
    });
  }
  const measured = services[0]!;
  const seeder = new GrowthSeeder(appDb, {
    services,
    historyUser: HISTORY_USER,
    historyClaims: opts.historyClaims,
    users: 5_000,
    batch: 5_000,
    log,
  });
  const sizes: SizeResult[] = [];
  out.sizes = sizes;
  out.setup = {
    services: opts.services,
    serviceHours: 'UTC 08:00-16:00, 15-minute slots (32 a day)',
    historyUser: `${HISTORY_USER}: ${opts.historyClaims} appointments, fixed, while the collection grows with other users'`,
    otherUsers: 5_000,
    pastSlots:
      'of every 20 past slots: 15 booked, 3 with a cancelled appointment, 2 never booked (some booked again after a cancellation, to reach the appointments count)',
    requestLog: 'request ids of the last 20 hours (REQUEST_ID_RETENTION_MS is a day)',
  };
  const grpcCalls = newClient(server.target, 98);
  onCleanup(() => grpcCalls.close());

  for (const size of opts.sizes) {
    const r: SizeResult = {
      size,
      counts: { slots: 0, appointments: 0, request_log: 0 },
      seeded: { added: { slots: 0, appointments: 0, request_log: 0 }, seconds: 0 },
      ops: {},
    };
    sizes.push(r);
    try {
      checkCap(`seeding to ${size}`);
      const need = opts.reps.BookSlot + opts.reps.HoldSlot;
      const days = await seeder.futureSlots(measured, Math.max(1, Math.ceil(need / 32)));
      const slots = days.flat();
      if (slots.length < need)
        throw new Error(`only ${slots.length} future slots for ${need} bookings and holds`);
      log(`seed: growing to ${size} per collection`);
      r.seeded = await seeder.growTo(size);
      r.counts = await seeder.counts();
      log(`seed: ${JSON.stringify(r.counts)} in ${r.seeded.seconds.toFixed(1)} s`);
      // A bulk load leaves the database busy for a while (PostgreSQL's autovacuum and analyze of
      // what was just written): a database that grew over months is not in that state. Measure
      // once its processes are quiet again (under a tenth of a core over 5 s), within 3 minutes.
      r.quietAfterS = await quiet(Object.values(dbProcs.roots), 0.1, 5_000, 180_000);
      log(`seed: database quiet again after ${r.quietAfterS} s`);
      const seededAt = Date.now();

      const timeOp = async <T>(
        op: Op,
        method: string,
        fn: (i: number) => Promise<T>,
      ): Promise<(T | undefined)[]> => {
        const reps = opts.reps[op];
        const h = new Histogram();
        const failures: Record<string, number> = {};
        const values: (T | undefined)[] = [];
        await control(server.controlPort, '/rpc?reset=1');
        for (let i = 0; i < reps; i++) {
          if (Date.now() > deadline) break;
          const t0 = performance.now();
          try {
            values.push(await fn(i));
          } catch (err) {
            values.push(undefined);
            const label = failureLabel(failureOf(err));
            failures[label] = (failures[label] ?? 0) + 1;
          }
          h.record(performance.now() - t0);
        }
        const stats = (await control<Record<string, MethodStats>>(server.controlPort, '/rpc'))[method];
        r.ops[op] = {
          n: h.n,
          latencyMs: h.n ? h.summary() : null,
          commandsPerOp: stats?.calls ? stats.ops / stats.calls : null,
          redisPerOp: stats?.calls ? stats.redisOps / stats.calls : null,
          opsPerCall: stats?.opsPerCall,
          failures,
        };
        log(
          `${backend} ${size}: ${op} p50 ${h.quantile(0.5).toFixed(1)} ms, ${r.ops[op].commandsPerOp?.toFixed(2) ?? '?'} commands/op` +
            (Object.keys(failures).length ? `, failures ${JSON.stringify(failures)}` : ''),
        );
        checkCap(op);
        return values;
      };

      const user = `growth-user-${size}`;
      const booked = await timeOp('BookSlot', 'bookSlot', async (i) => {
        const res = await call(
          grpcCalls,
          grpcCalls.bookSlot,
          BookSlotRequest.fromPartial({ slotId: slots[i]!.id, userId: user }),
        );
        return res.appointment!.id;
      });
      const ids = booked.filter((x): x is string => x !== undefined);
      await timeOp('CancelAppointment', 'cancelAppointment', async (i) => {
        if (!ids[i]) throw new Error('no appointment to cancel (its booking failed)');
        await call(
          grpcCalls,
          grpcCalls.cancelAppointment,
          CancelAppointmentRequest.fromPartial({ appointmentId: ids[i], userId: user, reason: 'bench' }),
        );
      });
      const holdSlots = slots.slice(opts.reps.BookSlot);
      const tokens = await timeOp('HoldSlot', 'holdSlot', async (i) => {
        const res = await call(
          grpcCalls,
          grpcCalls.holdSlot,
          HoldSlotRequest.fromPartial({ slotId: holdSlots[i]!.id, userId: user, ttlSeconds: 600 }),
        );
        return res.holdToken;
      });
      await timeOp('BookSlot (confirm hold)', 'bookSlot', async (i) => {
        if (!tokens[i]) throw new Error('no hold to confirm (its HoldSlot failed)');
        await call(
          grpcCalls,
          grpcCalls.bookSlot,
          BookSlotRequest.fromPartial({ slotId: holdSlots[i]!.id, userId: user, holdToken: tokens[i] }),
        );
      });
      const sample = seeder.sampleAppointments();
      await timeOp('GetAppointment', 'getAppointment', async () => {
        const id = sample[Math.floor(Math.random() * sample.length)]!;
        await call(
          grpcCalls,
          grpcCalls.getAppointment,
          GetAppointmentRequest.fromPartial({ appointmentId: id }),
        );
      });
      const day = days[0]!;
      await timeOp('ListSlots (one day)', 'listSlots', async () => {
        const res = await call(
          grpcCalls,
          grpcCalls.listSlots,
          ListSlotsRequest.fromPartial({
            serviceId: measured.id,
            startTime: new Date(
              Date.UTC(
                day[0]!.startTime.getUTCFullYear(),
                day[0]!.startTime.getUTCMonth(),
                day[0]!.startTime.getUTCDate(),
              ),
            ),
            endTime: new Date(
              Date.UTC(
                day[0]!.startTime.getUTCFullYear(),
                day[0]!.startTime.getUTCMonth(),
                day[0]!.startTime.getUTCDate() + 1,
              ),
            ),
            pageSize: 100,
          }),
        );
        if (res.slots.length !== day.length)
          throw new Error(`ListSlots returned ${res.slots.length} slots of a day that has ${day.length}`);
      });
      await timeOp('ListAppointments (page of 50)', 'listAppointments', async () => {
        const res = await call(
          grpcCalls,
          grpcCalls.listAppointments,
          ListAppointmentsRequest.fromPartial({ userId: HISTORY_USER, pageSize: 50 }),
        );
        if (res.appointments.length !== Math.min(50, opts.historyClaims))
          throw new Error(`a history page had ${res.appointments.length} appointments`);
      });

      // Idle: no calls; the reconciler runs on its own timer, as configured.
      await sleep(2_000);
      const measureIdle = async (): Promise<IdleResult> => {
        const roots = Object.values(dbProcs.roots);
        const idleFrom = Date.now();
        const db0 = Object.fromEntries(
          Object.entries(dbProcs.roots).map(([k, pid]) => [k, treeCpuMs([pid])]),
        );
        const srv0 = cpuMsOf(server.child.pid ?? 0);
        await sleep(opts.idleSeconds * 1_000);
        const wallS = (Date.now() - idleFrom) / 1000;
        const byProcess = Object.fromEntries(
          Object.entries(dbProcs.roots).map(([k, pid]) => [k, (treeCpuMs([pid]) - db0[k]!) / 1000]),
        );
        const dbS = Object.values(byProcess).reduce((a, b) => a + b, 0);
        const during = await passesSince(server.controlPort, idleFrom);
        return {
          seconds: round(wallS, 1),
          databaseCpuS: round(dbS, 2),
          fractionOfCore: roots.length ? round(dbS / wallS, 3) : NaN,
          byProcess,
          serverFractionOfCore: round((cpuMsOf(server.child.pid ?? 0) - srv0) / 1000 / wallS, 3),
          reconcilerPassesDuring: during.length,
        };
      };
      r.idle = await measureIdle();
      log(`${backend} ${size}: idle database ${r.idle.fractionOfCore} of a core`);
      if (opts.settleSeconds > 0 && size === opts.sizes[opts.sizes.length - 1]) {
        // At start-up the reconciler re-examines its whole lookback window once, 10 minutes of
        // changes per pass (RECONCILER_LOOKBACK_MS 24 h: 144 passes, 12 min at the 5 s default):
        // the settled figure is the steady state once that is through.
        log(`${backend} ${size}: settling ${opts.settleSeconds} s, then idle again`);
        await sleep(opts.settleSeconds * 1_000);
        r.idleSettled = {
          ...(await measureIdle()),
          afterServerStartS: round((Date.now() - serverStartedAt) / 1000, 0),
        };
        log(`${backend} ${size}: idle database, settled, ${r.idleSettled.fractionOfCore} of a core`);
      }

      // Reconciler passes that started once the database had this size.
      const want = opts.reps['reconciler pass'];
      let passes = (await passesSince(server.controlPort, seededAt)).filter((p) => !p.error);
      while (hooked && passes.length < want && Date.now() < deadline) {
        await sleep(1_000);
        passes = (await passesSince(server.controlPort, seededAt)).filter((p) => !p.error);
      }
      const ph = new Histogram();
      for (const p of passes) ph.record(p.ms);
      const failed = (await passesSince(server.controlPort, seededAt)).filter((p) => p.error);
      r.ops['reconciler pass'] = {
        n: passes.length,
        latencyMs: passes.length ? ph.summary() : null,
        commandsPerOp: passes.length ? passes.reduce((a, p) => a + p.ops, 0) / passes.length : null,
        redisPerOp: passes.length ? passes.reduce((a, p) => a + p.redisOps, 0) / passes.length : null,
        failures: failed.length ? { error: failed.length } : {},
        note: hooked
          ? 'passes that started after seeding, run by the server on its own timer'
          : 'not visible',
      };
      log(`${backend} ${size}: ${passes.length} reconciler passes, p50 ${ph.quantile(0.5).toFixed(0)} ms`);
      checkCap('reconciler passes');
    } catch (err) {
      if (!(err instanceof TimeCap)) throw err;
      r.capped = err.message;
      log(err.message);
      break;
    }
  }
  return out;
}

const round = (x: number, d = 2): number => Math.round(x * 10 ** d) / 10 ** d;

// ---------------------------------------------------------------------------
// Tables.

interface Table {
  title: string;
  head: string[];
  rows: string[][];
}

const ms = (x: number | undefined): string =>
  x === undefined || !Number.isFinite(x) ? '-' : x >= 100 ? x.toFixed(0) : x.toFixed(1);
const k = (n: number): string => (n >= 1000 && n % 1000 === 0 ? `${n / 1000}k` : String(n));

function growthTables(opts: GrowthOptions, results: Record<string, R>): Table[] {
  const tables: Table[] = [];
  for (const [backend, res] of Object.entries(results)) {
    if (res.error || res.capped) {
      tables.push({ title: `## ${backend}`, head: ['failed'], rows: [[String(res.error ?? res.capped)]] });
      continue;
    }
    const sc = res.scenarios as R | undefined;
    if (sc) {
      const rows: string[][] = [];
      for (const [key, v] of Object.entries(sc).filter(([x]) => x.startsWith('spread_'))) {
        const s = v as R;
        if (s.error) {
          rows.push([
            `spread, ${key.slice(7)} clients`,
            'FAILED',
            JSON.stringify(s.error).slice(0, 80),
            '',
            '',
            '',
          ]);
          continue;
        }
        const fl = s.floor as R;
        const ratio = Number(s.ratioToFloor);
        rows.push([
          `spread, ${String(s.clients)} clients (bookings/s)`,
          String(s.bookingsPerS),
          String(fl.bookingsPerS),
          ratio.toFixed(2),
          '>= 0.90 x floor',
          ratio >= 0.9 ? 'yes' : 'NO',
        ]);
      }
      const h = sc.hot as R | undefined;
      if (h?.error) rows.push(['hot slots', 'FAILED', JSON.stringify(h.error).slice(0, 80), '', '', '']);
      else if (h) {
        const fl = h.floor as R;
        rows.push([
          `hot slots, ${String(h.slots)} x ${String(h.clientsPerSlot)} (requests/s)`,
          String(h.requestsPerS),
          String(fl.requestsPerS),
          Number(h.ratioToFloor).toFixed(2),
          `exactly ${String(h.slots)} winners`,
          h.exactlyOnePerSlot === true ? 'yes' : 'NO',
        ]);
      }
      if (sc.capped) rows.push(['(time cap)', JSON.stringify(sc.capped), '', '', '', '']);
      tables.push({
        title: `## ${backend}: spread and hot slots against the bare-driver floor (reconciler on)`,
        head: ['scenario', 'ours', 'floor', 'ratio', 'target', 'met'],
        rows,
      });
    }
    const sizes = (res.sizes as SizeResult[] | undefined) ?? [];
    if (sizes.length === 0) continue;
    const first = sizes[0]!;
    const last = sizes[sizes.length - 1]!;
    const head = [
      'operation',
      ...sizes.map((s) => `${k(s.size)}: p50 / p90 ms (cmds)`),
      `p50 ${k(last.size)}/${k(first.size)}`,
      '<= 2x',
    ];
    const rows: string[][] = [];
    for (const op of OPS) {
      const cells = sizes.map((s) => {
        const o = s.ops[op];
        if (!o) return s.capped ? 'skipped (cap)' : '-';
        if (!o.latencyMs) return o.n === 0 ? 'none' : '-';
        const fails = Object.values(o.failures).reduce((a, b) => a + b, 0);
        return `${ms(o.latencyMs.p50)} / ${ms(o.latencyMs.p90)} (${o.commandsPerOp === null ? '?' : o.commandsPerOp.toFixed(1)})${o.n < opts.reps[op] ? ` n=${o.n}` : ''}${fails ? ` ${fails} failed` : ''}`;
      });
      const a = first.ops[op]?.latencyMs?.p50;
      const b = sizes.length > 1 ? last.ops[op]?.latencyMs?.p50 : undefined;
      const ratio = a && b !== undefined ? b / a : undefined;
      rows.push([
        op,
        ...cells,
        ratio === undefined ? '-' : ratio.toFixed(2),
        ratio === undefined ? '-' : ratio <= 2 ? 'yes' : 'NO',
      ]);
    }
    rows.push([
      'idle database CPU (fraction of a core)',
      ...sizes.map((s) =>
        s.idle ? `${s.idle.fractionOfCore} (${s.idle.reconcilerPassesDuring} passes)` : '-',
      ),
      '',
      last.idle ? (last.idle.fractionOfCore < 0.02 ? 'yes (< 0.02)' : 'NO (>= 0.02)') : '-',
    ]);
    if (last.idleSettled) {
      rows.push([
        `idle database CPU, settled (${last.idleSettled.afterServerStartS} s after the server started)`,
        ...sizes.map((s) =>
          s.idleSettled
            ? `${s.idleSettled.fractionOfCore} (${s.idleSettled.reconcilerPassesDuring} passes)`
            : '-',
        ),
        '',
        last.idleSettled.fractionOfCore < 0.02 ? 'yes (< 0.02)' : 'NO (>= 0.02)',
      ]);
    }
    rows.push([
      'documents: slots / appointments / request_log',
      ...sizes.map((s) => `${s.counts.slots} / ${s.counts.appointments} / ${s.counts.request_log}`),
      '',
      '',
    ]);
    rows.push(['seeding s (added this step)', ...sizes.map((s) => s.seeded.seconds.toFixed(0)), '', '']);
    tables.push({
      title:
        `## ${backend}: the same operations as the database grows (per collection), one client, ` +
        `p50 / p90 ms and MongoDB commands per op; ListAppointments lists ${HISTORY_USER}'s fixed ` +
        `${opts.historyClaims} appointments while the collection grows with other users'`,
      head,
      rows,
    });
    const capped = sizes.find((s) => s.capped);
    if (capped) tables[tables.length - 1]!.title += `\n(${capped.capped})`;
  }
  return tables;
}

function text(t: Table): string {
  const width = t.head.map((h, i) => Math.max(h.length, ...t.rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string =>
    r
      .map((c, i) => c.padEnd(width[i]!))
      .join('  ')
      .trimEnd();
  return [line(t.head), width.map((w) => '-'.repeat(w)).join('  '), ...t.rows.map(line)].join('\n');
}

function markdown(t: Table): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  return [
    `| ${t.head.map(esc).join(' | ')} |`,
    `| ${t.head.map(() => '---').join(' | ')} |`,
    ...t.rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}
