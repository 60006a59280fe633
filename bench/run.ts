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
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ferretdbBackend, obtainBackingServices, type BackingServices } from '../scripts/local-servers';
import { beginRun, gitFacts, headerStart, hostFacts, loadAverage, startSystem } from './lib/harness';
import { CpuMeter, findPid, workers, type Worker } from './lib/procs';
import { profileText, type ProfileSummary } from './lib/profile';
import { log, RESULTS, ROOT } from './lib/server';
import { markdownTable, textTable } from './lib/table';
import { fanoutMain } from './fanout';
import { growthMain } from './growth';
import { fanout, generation, history, hot, places, spread, type Ctx } from './scenarios';
import { FULL, parseArgs, QUICK } from './suite/options';
import { asTable, rows, type R } from './suite/rows';

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
  const command = `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`;
  const limitMin = opts.quick ? 10 : 90;
  const { stamp, outDir, startedAt, cleanups, watchdog, buildS, wrapper } = beginRun(
    command,
    { ms: limitMin * 60_000, message: `run exceeded ${limitMin} minutes; stopping` },
    opts.build,
  );

  const env: NodeJS.ProcessEnv = { ...process.env, BOOKING_BACKING: process.env.BOOKING_BACKING || 'local' };
  const backing: BackingServices = await obtainBackingServices({ env, log });
  cleanups.push(() => backing.stop());

  const dbName = `bench_${stamp.replace(/-/g, '').slice(0, 15)}`;
  const system = await startSystem(
    { wrapper, backing, dbName, outDir, serverLog: path.join(outDir, 'server.log') },
    { RECONCILER_ENABLED: 'false' },
    cleanups,
  );
  const { server } = system;
  log(`server pid ${server.child.pid} on ${server.target}`);

  const pool: Worker[] = workers(5, 'load');
  cleanups.push(() => pool.forEach((w) => w.stop()));
  await Promise.all(pool.map((w) => w.run({ kind: 'ping' }, 120_000)));
  const load = pool.slice(0, 4);

  const mongoPort = new URL(backing.mongoUri).port;
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

  const build = (await system.mongo.db('admin').command({ buildInfo: 1 })) as {
    version?: string;
    ferretdbVersion?: string;
  };
  const redisInfo = await system.redis.info('server');
  const machine = {
    ...hostFacts(),
    database: build.ferretdbVersion
      ? `FerretDB ${build.ferretdbVersion} (${ferretdbBackend(process.env)} backend; reports MongoDB ${build.version ?? '?'})`
      : `MongoDB ${build.version ?? '?'}`,
    redis: `Redis ${/redis_version:(\S+)/.exec(redisInfo)?.[1] ?? '?'}`,
    backing: backing.describe,
    loadAverageAtStart: loadAverage(),
  };
  const git = gitFacts(true);
  log(
    `machine: ${machine.cpu}, ${machine.memoryGiB} GiB, ${machine.node}, ${machine.database}, load ${machine.loadAverageAtStart.join(' ')}`,
  );

  const ctx: Ctx = { ...system, cfg, cpu, load, profile: opts.profile, log };

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
    results[name] = { ...(results[name] as R), loadAverageAfter: loadAverage() };
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
    machine: { ...machine, loadAverageAtEnd: loadAverage() },
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
    ...headerStart(report.date, report.durationS, command, git),
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
      .join('\n')}\n\n${markdownTable(asTable(table))}\n\n${profiles ? `\`\`\`\n${profiles}\n\`\`\`\n` : ''}`,
  );
  process.stdout.write(
    `\n${header}\n\n${textTable(asTable(table))}\n\n${profiles}${profiles ? '\n\n' : ''}results: ${path.relative(ROOT, jsonFile)}\n`,
  );

  await cleanups.run();
  clearTimeout(watchdog);
  const failed = Object.values(results).some((r) => (r as R | undefined)?.error);
  process.exit(failed ? 1 : 0);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
