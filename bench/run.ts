/**
 * `npm run bench [-- --quick] [--no-profile|--profile] [--only=spread,hot,...] [--no-build]`
 *
 * Starts its own database and Redis (scripts/local-servers/backing-services.ts with
 * BOOKING_BACKING=local, or MONGODB_URI/REDIS_URL when both are set), builds
 * the server once (`npm run build`), runs it as a child process through
 * bench/server-with-monitoring.ts, and runs the scenarios of BENCHMARKS.md with
 * the load in separate worker processes (bench/worker.ts). Prints a table, and
 * writes bench/results/<stamp>.json (+ .md, and CPU profiles and the server
 * log under bench/results/<stamp>/). Everything listens on 127.0.0.1; every
 * process it starts stops with it.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Redis } from 'ioredis';
import { ferretdbBackend, obtainBackingServices, type BackingServices } from '../scripts/local-servers';
import { copyIndexes, MongoClient, type MongoClientT } from './lib/docs';
import { newClient, type BookingServiceClient } from './lib/grpc';
import { CpuMeter, findPid, workers, type Worker } from './lib/procs';
import type { ProfileSummary } from './lib/profile';
import { log, RESULTS, ROOT, sh, startServer, transpileWrapper } from './lib/server';
import type { Summary } from './lib/stats';
import { fanoutMain } from './fanout';
import { growthMain } from './growth';
import { fanout, generation, history, hot, places, spread, waitForServer, type Config, type Ctx } from './scenarios';

const FULL: Config = {
  spread: { clients: 64, slotsPerClient: 40, durationMs: 30_000, clientPoints: [1, 16, 64] },
  hot: { slots: 100, perSlot: 500, retries: 3, backoffMs: 50, floorMaxMs: 240_000 },
  places: { slots: 100, capacity: 20, perSlot: 500, retries: 3, backoffMs: 50 },
  fanout: [
    { subscribers: 1_000, durationMs: 10_000, intervalMs: 10 },
    { subscribers: 10_000, durationMs: 5_000, intervalMs: 10 },
  ],
  generation: { days: 365 },
  history: { appointments: 10_000, pageSize: 50, rounds: 1 },
};

const QUICK: Config = {
  spread: { clients: 64, slotsPerClient: 10, durationMs: 5_000, clientPoints: [64] },
  hot: { slots: 10, perSlot: 50, retries: 3, backoffMs: 50, floorMaxMs: 60_000 },
  places: { slots: 10, capacity: 5, perSlot: 50, retries: 3, backoffMs: 50 },
  fanout: [{ subscribers: 100, durationMs: 3_000, intervalMs: 10 }],
  generation: { days: 30 },
  history: { appointments: 1_000, pageSize: 50, rounds: 1 },
};

const SCENARIOS = ['generation', 'spread', 'hot', 'places', 'history', 'fanout'] as const;
type ScenarioName = (typeof SCENARIOS)[number];

interface Options {
  quick: boolean;
  profile: boolean;
  build: boolean;
  only: Set<ScenarioName>;
  fanoutSubscribers: number[] | null;
  spreadClients: number[] | null;
}

/** "1,16,64" -> [1, 16, 64]; refuses anything but positive integers. */
function counts(arg: string, list: string): number[] {
  const xs = list.split(',').map(Number);
  if (xs.length === 0 || xs.some((x) => !Number.isInteger(x) || x < 1))
    throw new Error(`${arg}: expected positive integers separated by commas`);
  return xs;
}

function parseArgs(argv: string[]): Options {
  const quick = argv.includes('--quick');
  const opts: Options = {
    quick,
    profile: !quick,
    build: true,
    only: new Set(SCENARIOS),
    fanoutSubscribers: null,
    spreadClients: null,
  };
  for (const a of argv) {
    if (a === '--quick') continue;
    else if (a === '--profile') opts.profile = true;
    else if (a === '--no-profile') opts.profile = false;
    else if (a === '--no-build') opts.build = false;
    else if (a.startsWith('--only=')) {
      const names = a.slice(7).split(',');
      for (const n of names)
        if (!(SCENARIOS as readonly string[]).includes(n))
          throw new Error(`unknown scenario ${n}; one of ${SCENARIOS.join(', ')}`);
      opts.only = new Set(names as ScenarioName[]);
    } else if (a.startsWith('--fanout=')) opts.fanoutSubscribers = a.slice(9).split(',').map(Number);
    else if (a.startsWith('--spread-clients=')) opts.spreadClients = counts(a, a.slice(17));
    else if (a === '--help' || a === '-h') {
      process.stdout.write(
        'npm run bench [-- --quick] [--profile|--no-profile] [--only=generation,spread,hot,places,history,fanout] [--fanout=1000,10000] [--spread-clients=1,16,64] [--no-build]\n' +
          '       npm run bench -- --growth [--quick] [--sizes=1000,20000,100000] [--backends=sqlite,postgresql] ... (--growth --help)\n',
      );
      process.exit(0);
    } else throw new Error(`unknown argument ${a} (try --help)`);
  }
  return opts;
}

// ---------------------------------------------------------------------------
// The table.

interface Row {
  scenario: string;
  metric: string;
  value: string;
  floor: string;
  ratio: string;
  target: string;
  met: string;
}

const f1 = (x: unknown): string =>
  typeof x === 'number' && Number.isFinite(x)
    ? Math.abs(x) >= 100
      ? x.toFixed(0)
      : x.toFixed(1)
    : typeof x === 'string'
      ? x
      : JSON.stringify(x ?? '-');
const f2 = (x: unknown): string =>
  typeof x === 'number' && Number.isFinite(x)
    ? x.toFixed(2)
    : typeof x === 'string'
      ? x
      : JSON.stringify(x ?? '-');
const yes = (b: boolean): string => (b ? 'yes' : 'NO');
type R = Record<string, unknown>;

function rows(results: R): Row[] {
  const out: Row[] = [];
  const add = (
    scenario: string,
    metric: string,
    value: string,
    floor = '',
    ratio = '',
    target = '',
    met = '',
  ): void => void out.push({ scenario, metric, value, floor, ratio, target, met });
  for (const key of Object.keys(results).filter((k) => /^spread(_\d+)?$/.test(k))) {
    const s = results[key] as R;
    if (s.error) {
      add('1 spread', `FAILED (${key})`, JSON.stringify(s.error).slice(0, 100));
      continue;
    }
    const fl = s.floor as R;
    const lat = s.latencyMs as Summary;
    const flat = fl.latencyMs as Summary;
    add(
      '1 spread',
      `bookings/s (${String(s.clients)} clients, ${f1(s.durationS)} s)`,
      f1(s.bookingsPerS),
      f1(fl.bookingsPerS),
      f2(s.ratioToFloor),
      '>= 0.70 x floor',
      yes(Number(s.ratioToFloor) >= 0.7),
    );
    add('1 spread', 'p50 / p99 ms', `${f1(lat.p50)} / ${f1(lat.p99)}`, `${f1(flat.p50)} / ${f1(flat.p99)}`);
    add('1 spread', 'DB ops per booking', f2(s.dbOpsPerBooking), '2');
  }
  const h = results.hot as R | undefined;
  if (h && !h.error) {
    const fl = h.floor as R;
    const lat = h.latencyMs as Summary;
    const flat = fl.latencyMs as Summary;
    add(
      '2 hot slots',
      `successes (${String(h.slots)} slots x ${String(h.clientsPerSlot)})`,
      String(h.successes),
      String(fl.successes),
      '',
      `exactly ${String(h.slots)}`,
      yes(h.exactlyOnePerSlot === true),
    );
    add(
      '2 hot slots',
      'requests/s (all BookSlot calls)',
      f1(h.requestsPerS),
      f1(fl.requestsPerS),
      f2(h.ratioToFloor),
      '>= 5 x floor',
      yes(Number(h.ratioToFloor) >= 5),
    );
    add(
      '2 hot slots',
      'p50 / p99 ms per call',
      `${f1(lat.p50)} / ${f1(lat.p99)}`,
      `${f1(flat.p50)} / ${f1(flat.p99)}`,
    );
    const pc = h.perClientAttribution as R;
    add(
      '2 hot slots',
      'losing calls answered with 0 DB ops',
      `${f1(100 * Number(h.losingAttemptsWithoutDbOps))}% of ${String(h.losingAttempts)}`,
      '0%',
      '',
      '>= 95%',
      yes(Number(h.losingAttemptsWithoutDbOps) >= 0.95),
    );
    add(
      '2 hot slots',
      'losing clients (all retries) with 0 DB ops',
      `${String(pc.losersWithoutOps)} / ${String(pc.losers)} (${f1(100 * Number(h.losersAnsweredWithoutDbOps))}%)`,
      '0%',
      '',
      '>= 95%',
      yes(Number(h.losersAnsweredWithoutDbOps) >= 0.95),
    );
    add(
      '2 hot slots',
      'DB ops caused by losers',
      `${String(h.loserDbOpsGlobal)} (${f2(h.loserDbOpsPerLoser)}/loser)`,
      String(fl.loserDbOps),
    );
  }
  for (const [key, fo] of Object.entries(results).filter(([k]) => k.startsWith('fanout'))) {
    const f = fo as R;
    if (f.error) {
      add(`4 ${key}`, 'failed', JSON.stringify(f.error).slice(0, 60));
      continue;
    }
    const d = f.commitToDeliveryMs as Summary;
    const n = Number(f.subscribers);
    const mem = (f.serverMemory as R).perSubscriberBytes as R;
    add(
      `4 fan-out ${n}`,
      'commit->delivery p50 / p99 ms',
      `${f1(d.p50)} / ${f1(d.p99)}`,
      '',
      '',
      n <= 1000 ? 'p99 < 100 ms' : 'report',
      n <= 1000 ? yes(d.p99 < 100) : '-',
    );
    add(
      `4 fan-out ${n}`,
      'delivered / expected',
      `${String(f.deliveries)} / ${String(f.deliveriesExpected)}`,
    );
    add(`4 fan-out ${n}`, 'commits/s achieved (target 100)', f1(f.commitsPerS));
    add(
      `4 fan-out ${n}`,
      'server bytes per subscriber (heap / rss)',
      `${String(mem.heapUsed)} / ${String(mem.rss)}`,
    );
  }
  const g = results.generation as R | undefined;
  if (g && !g.error) {
    const fl = g.floor as R;
    add(
      '5 generation',
      `seconds (${String(g.created)} slots)`,
      f2(g.seconds),
      f2(fl.seconds),
      f2(g.ratioToFloor),
      '>= 0.80 x floor',
      yes(Number(g.ratioToFloor) >= 0.8),
    );
  }
  const hi = results.history as R | undefined;
  if (hi && !hi.error) {
    const fl = hi.floor as R;
    const lat = hi.latencyMs as Summary;
    const flat = fl.latencyMs as Summary;
    add(
      '6 history',
      `pages/s (${String(hi.appointments)} appts, pages of ${String(hi.pageSize)})`,
      f1(hi.pagesPerS),
      f1(fl.pagesPerS),
      f2(hi.ratioToFloor),
      '>= 0.80 x floor',
      yes(Number(hi.ratioToFloor) >= 0.8),
    );
    add(
      '6 history',
      'p50 / p99 ms',
      `${f1(lat.p50)} / ${f1(lat.p99)}`,
      `${f1(flat.p50)} / ${f1(flat.p99)}`,
      f2(hi.p99RatioToFloor),
    );
    add(
      '6 history',
      'DB queries per call',
      `${f2(hi.queriesPerCall)} ${JSON.stringify(hi.queriesPerCallDistribution)}`,
      f2(fl.queriesPerCall),
      '',
      'constant',
      yes(hi.constantQueriesPerPage === true),
    );
  }
  for (const name of SCENARIOS.filter((n) => n !== 'spread')) {
    const r = results[name] as R | undefined;
    if (r?.error) add(name, 'FAILED', JSON.stringify(r.error).slice(0, 100));
  }
  return out;
}

function textTable(rs: Row[]): string {
  const head: Row = {
    scenario: 'scenario',
    metric: 'metric',
    value: 'ours',
    floor: 'floor',
    ratio: 'ratio',
    target: 'target',
    met: 'met',
  };
  const cols = Object.keys(head) as (keyof Row)[];
  const width = Object.fromEntries(
    cols.map((c) => [c, Math.max(...[head, ...rs].map((r) => r[c].length))]),
  ) as Record<keyof Row, number>;
  const line = (r: Row): string =>
    cols
      .map((c) => r[c].padEnd(width[c]))
      .join('  ')
      .trimEnd();
  return [line(head), cols.map((c) => '-'.repeat(width[c])).join('  '), ...rs.map(line)].join('\n');
}

function markdownTable(rs: Row[]): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|');
  return [
    '| scenario | metric | ours | floor | ratio | target | met |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rs.map(
      (r) => `| ${[r.scenario, r.metric, r.value, r.floor, r.ratio, r.target, r.met].map(esc).join(' | ')} |`,
    ),
  ].join('\n');
}

function profileText(name: string, p: ProfileSummary | null | undefined): string {
  if (!p) return '';
  const lines = [
    `server CPU profile during ${name}: ${p.file} (busy ${p.busyMs} of ${p.totalMs} ms)`,
    '  by area:',
  ];
  for (const a of p.byArea.slice(0, 10))
    lines.push(`    ${a.percent.toFixed(1).padStart(5)}%  ${a.selfMs.toString().padStart(7)} ms  ${a.area}`);
  lines.push('  top self time:');
  for (const f of p.topFunctions.slice(0, 15)) {
    lines.push(
      `    ${f.percent.toFixed(1).padStart(5)}%  ${f.selfMs.toString().padStart(7)} ms  ${f.name}  ${f.where}`,
    );
    const c = f.callers[0];
    if (c?.path && !f.name.startsWith('('))
      lines.push(`              ${c.percent}% via ${c.path.slice(0, 150)}`);
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--growth')) return growthMain(argv);
  if (argv.includes('--fanout')) return fanoutMain(argv);
  const opts = parseArgs(argv);
  const cfg = structuredClone(opts.quick ? QUICK : FULL);
  if (opts.spreadClients) cfg.spread.clientPoints = opts.spreadClients;
  if (opts.fanoutSubscribers) {
    cfg.fanout = opts.fanoutSubscribers.map((n, i) => ({
      ...cfg.fanout[Math.min(i, cfg.fanout.length - 1)]!,
      subscribers: n,
    }));
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const outDir = path.join(RESULTS, stamp);
  fs.mkdirSync(outDir, { recursive: true });
  const command = `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`;
  const startedAt = new Date();
  log(`${command} -> ${path.relative(ROOT, outDir)}`);

  // A hard bound on the whole run: whatever hangs, everything stops.
  const limitMin = opts.quick ? 10 : 90;
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
  const watchdog = setTimeout(() => {
    log(`run exceeded ${limitMin} minutes; stopping`);
    void cleanup().finally(() => process.exit(3));
  }, limitMin * 60_000);
  watchdog.unref();
  for (const sig of ['SIGINT', 'SIGTERM'] as const)
    process.once(sig, () => void cleanup().finally(() => process.exit(130)));

  const env: NodeJS.ProcessEnv = { ...process.env, BOOKING_BACKING: process.env.BOOKING_BACKING || 'local' };
  const backing: BackingServices = await obtainBackingServices({ env, log });
  cleanups.push(() => backing.stop());

  let buildS = 0;
  if (opts.build) {
    log('npm run build');
    const t0 = Date.now();
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
    buildS = (Date.now() - t0) / 1000;
  }
  const wrapper = transpileWrapper();

  const dbName = `bench_${stamp.replace(/-/g, '').slice(0, 15)}`;
  const base = new URL(backing.mongoUri);
  const uriFor = (db: string): string => {
    const u = new URL(base.toString());
    u.pathname = `/${db}`;
    return u.toString();
  };
  const server = await startServer(
    wrapper,
    {
      MONGODB_URI: uriFor(dbName),
      REDIS_URL: backing.redisUrl,
      LOG_LEVEL: 'warn',
      AUTH_DISABLED: 'true',
      RECONCILER_ENABLED: 'false',
      WATCH_MAX_STREAMS_PER_PRINCIPAL: '100000',
      SHUTDOWN_GRACE_MS: '3000',
      METRICS_HOST: '127.0.0.1',
      METRICS_PORT: '0',
    },
    path.join(outDir, 'server.log'),
  );
  cleanups.push(() => server.stop());
  const rpc: BookingServiceClient = newClient(server.target, 99);
  cleanups.push(() => rpc.close());
  await waitForServer(rpc, Date.now() + 60_000);
  log(`server pid ${server.child.pid} on ${server.target}`);

  const mongo: MongoClientT = new MongoClient(backing.mongoUri, { maxPoolSize: 8 });
  await mongo.connect();
  cleanups.push(() => mongo.close());
  const appDb = mongo.db(dbName);
  const floorDbName = `${dbName}_floor`;
  const floorDb = mongo.db(floorDbName);
  await copyIndexes(appDb, floorDb);
  cleanups.push(async () => {
    if (backing.kind === 'external') {
      await appDb.dropDatabase().catch(() => undefined);
      await floorDb.dropDatabase().catch(() => undefined);
    }
  });
  const redis = new Redis(backing.redisUrl, { lazyConnect: false, maxRetriesPerRequest: 2 });
  cleanups.push(() => redis.disconnect());

  const pool: Worker[] = workers(5, 'load');
  cleanups.push(() => pool.forEach((w) => w.stop()));
  await Promise.all(pool.map((w) => w.run({ kind: 'ping' }, 120_000)));
  const load = pool.slice(0, 4);

  const mongoPort = base.port;
  const redisPort = new URL(backing.redisUrl).port;
  const dbPid =
    backing.kind === 'external'
      ? undefined
      : (findPid([`127.0.0.1:${mongoPort}`, 'ferretdb']) ?? findPid([`--port ${mongoPort}`, 'mongod']));
  const redisPid = backing.kind === 'external' ? undefined : findPid(['redis-server', `:${redisPort}`]);
  const cpu = new CpuMeter(() => ({
    server: [server.child.pid ?? 0],
    database: dbPid ? [dbPid] : [],
    redis: redisPid ? [redisPid] : [],
    'load processes': pool.map((w) => w.pid),
  }));

  const build = (await mongo.db('admin').command({ buildInfo: 1 })) as {
    version?: string;
    ferretdbVersion?: string;
  };
  const redisInfo = await redis.info('server');
  const machine = {
    cpu: `${os.cpus()[0]?.model ?? '?'} x ${os.cpus().length}`,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    database: build.ferretdbVersion
      ? `FerretDB ${build.ferretdbVersion} (${ferretdbBackend(process.env)} backend; reports MongoDB ${build.version ?? '?'})`
      : `MongoDB ${build.version ?? '?'}`,
    redis: `Redis ${/redis_version:(\S+)/.exec(redisInfo)?.[1] ?? '?'}`,
    backing: backing.describe,
    loadAverageAtStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
  const git = {
    commit: sh('git', ['rev-parse', '--short', 'HEAD']),
    srcDirty: sh('git', ['status', '--porcelain', '--', 'src']) !== '',
    srcChanges: sh('git', ['diff', '--stat', 'HEAD', '--', 'src']).split('\n').slice(-12),
    /** With --no-build, dist/ may be older than HEAD: when it was built. */
    distBuiltAt: fs.statSync(path.join(ROOT, 'dist', 'main.js')).mtime.toISOString(),
  };
  log(
    `machine: ${machine.cpu}, ${machine.memoryGiB} GiB, ${machine.node}, ${machine.database}, load ${machine.loadAverageAtStart.join(' ')}`,
  );

  const ctx: Ctx = {
    cfg,
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
    load,
    outDir,
    serverLog: path.join(outDir, 'server.log'),
    profile: opts.profile,
    log,
  };

  const results: R = {};
  const timings: Record<string, number> = {};
  const runOne = async (name: string, fn: () => Promise<R>): Promise<void> => {
    const t0 = Date.now();
    try {
      results[name] = await fn();
    } catch (err) {
      log(`${name} FAILED: ${err instanceof Error ? err.message : String(err)}`);
      results[name] = { error: err instanceof Error ? err.message : String(err) };
    }
    timings[name] = (Date.now() - t0) / 1000;
    results[name] = {
      ...(results[name] as R),
      loadAverageAfter: os.loadavg().map((x) => Math.round(x * 100) / 100),
    };
    log(`${name} done in ${timings[name].toFixed(0)} s`);
  };

  if (opts.only.has('generation')) await runOne('generation', () => generation(ctx));
  if (opts.only.has('spread')) {
    // The configured client count is `spread`; other points are `spread_<clients>`.
    for (const n of cfg.spread.clientPoints)
      await runOne(n === cfg.spread.clients ? 'spread' : `spread_${n}`, () => spread(ctx, n));
  }
  if (opts.only.has('hot')) await runOne('hot', () => hot(ctx));
  if (opts.only.has('places')) await runOne('places', () => places(ctx));
  if (opts.only.has('history')) await runOne('history', () => history(ctx));
  if (opts.only.has('fanout')) {
    for (const f of cfg.fanout) {
      await runOne(`fanout${f.subscribers}`, () =>
        fanout(ctx, f.subscribers, f.durationMs, f.intervalMs, load, pool[4]!),
      );
    }
  }

  const finishedAt = new Date();
  const report = {
    command,
    date: startedAt.toISOString(),
    durationS: (finishedAt.getTime() - startedAt.getTime()) / 1000,
    buildS,
    machine: { ...machine, loadAverageAtEnd: os.loadavg().map((x) => Math.round(x * 100) / 100) },
    git,
    serverEnv:
      'LOG_LEVEL=warn AUTH_DISABLED=true RECONCILER_ENABLED=false WATCH_MAX_STREAMS_PER_PRINCIPAL=100000, other settings default; MongoDB command monitoring on',
    config: cfg,
    profiled: opts.profile,
    timingsS: timings,
    results,
  };
  const table = rows(results);
  report.results.table = table;
  const jsonFile = path.join(RESULTS, `${stamp}.json`);
  fs.writeFileSync(jsonFile, `${JSON.stringify(report, null, 2)}\n`);
  const header = [
    `date: ${report.date}  (run took ${report.durationS.toFixed(0)} s)`,
    `command: ${command}  (git ${git.commit}${git.srcDirty ? ', src modified' : ''}; dist built ${git.distBuiltAt})`,
    `machine: ${machine.cpu}, ${machine.memoryGiB} GiB RAM, ${machine.os}, node ${machine.node}`,
    `backing: ${machine.database}, ${machine.redis}; load average ${machine.loadAverageAtStart.join(' ')} at start, ${report.machine.loadAverageAtEnd.join(' ')} at end`,
  ].join('\n');
  const profiles = [
    ...Object.entries(results)
      .filter(([k]) => /^spread(_\d+)?$/.test(k))
      .map(([k, v]) => profileText(k, (v as R).profile as ProfileSummary | null)),
    profileText('hot slots', (results.hot as R | undefined)?.profile as ProfileSummary | null),
    ...Object.entries(results)
      .filter(([k]) => k.startsWith('fanout'))
      .map(([k, v]) => profileText(k, (v as R).profile as ProfileSummary | null)),
  ]
    .filter(Boolean)
    .join('\n\n');
  fs.writeFileSync(
    path.join(RESULTS, `${stamp}.md`),
    `${header
      .split('\n')
      .map((l) => `${l}  `)
      .join('\n')}\n\n${markdownTable(table)}\n\n${profiles ? `\`\`\`\n${profiles}\n\`\`\`\n` : ''}`,
  );
  process.stdout.write(
    `\n${header}\n\n${textTable(table)}\n\n${profiles}${profiles ? '\n\n' : ''}results: ${path.relative(ROOT, jsonFile)}\n`,
  );

  await cleanup();
  clearTimeout(watchdog);
  const failed = Object.values(results).some((r) => (r as R | undefined)?.error);
  process.exit(failed ? 1 : 0);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
