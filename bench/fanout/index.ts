/**
 * `npm run bench -- --fanout [--quick] [--baseline=<checkout>] [--profile] [--no-build] [--sizes=1000x50,10000x10]
 * [--seconds=20] [--warmup=3] [--window=<ms>] [--full-decode] [--client-window=<bytes>]`: the watch
 * fan-out alone.
 *
 * Changes are published at a fixed rate straight into Redis with the service's own publisher
 * (RedisSlotEventLog.publish, the Lua script every instance runs), so the server under test
 * only reads and fans out, as for changes made through another instance. The first --warmup seconds
 * of changes are delivered and counted like the others, but their latencies are reported apart
 * (`warmupCommitToDeliveryMs`): a freshly started server's first passes run cold code. They go to N
 * WatchSlotAvailability streams spread over four subscriber processes (bench/fanout-subscriber.ts).
 * With --baseline, the same runs go against the server of another checkout (its dist/, built
 * here), back to back in one run, before ours. Every stream asks for batch_changes. --window sets the
 * servers' WATCH_BATCH_WINDOW_MS (a checkout without the setting ignores it); without it each server
 * runs its default. Subscribers read only the type and revisions of each message
 * (fanout/watch-revisions.ts) unless --full-decode; each of their connections (250 streams) has an
 * HTTP/2 flow-control window of --client-window bytes (1 MiB, grpc-java's default; grpc-js's is 64 KiB). Writes bench/results/<stamp>.json.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { obtainBackingServices } from '../../scripts/local-servers';
import { log, RESULTS, ROOT, sh, transpileWrapper } from '../lib/server';
import { parse, type Checkout } from './options';
import { round, table } from './report';
import { PER_CHANNEL, runOne, SUBSCRIBER_PROCESSES } from './run-one';

export async function fanoutMain(argv: string[]): Promise<void> {
  const opts = parse(argv);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const outDir = path.join(RESULTS, stamp);
  fs.mkdirSync(outDir, { recursive: true });
  const command = `npm run bench -- ${argv.join(' ')}`;
  log(`${command} -> ${path.relative(ROOT, outDir)}`);
  const checkouts: Checkout[] = [
    ...(opts.baseline ? [{ label: 'before' as const, root: opts.baseline }] : []),
    { label: 'after', root: ROOT },
  ];
  for (const co of checkouts) {
    if (!opts.build) continue;
    log(`npm run build in ${co.root}`);
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: co.root, stdio: 'inherit' });
  }
  const backing = await obtainBackingServices({
    env: { ...process.env, BOOKING_BACKING: process.env.BOOKING_BACKING || 'local' },
    log,
  });
  const loadAtStart = os.loadavg().map((x) => round(x, 2));
  const runs: Record<string, Record<string, unknown>> = {};
  try {
    const wrapper = transpileWrapper();
    for (const size of opts.sizes) {
      for (const co of checkouts) {
        const key = `${size.subscribers}x${size.perSecond}`;
        runs[key] ??= {};
        try {
          runs[key][co.label] = await runOne(co, size, {
            ...backing,
            wrapper,
            outDir,
            profile: opts.profile,
            windowMs: opts.windowMs,
            fullDecode: opts.fullDecode,
            clientWindow: opts.clientWindow,
          });
        } catch (err) {
          log(`${key} ${co.label} FAILED: ${err instanceof Error ? err.message : String(err)}`);
          runs[key][co.label] = { error: err instanceof Error ? err.message : String(err) };
        }
      }
    }
  } finally {
    await backing.stop();
  }
  const report = {
    command,
    date: new Date().toISOString(),
    machine: {
      cpu: `${os.cpus()[0]?.model ?? '?'} x ${os.cpus().length}`,
      node: process.version,
      loadAverageAtStart: loadAtStart,
      loadAverageAtEnd: os.loadavg().map((x) => round(x, 2)),
    },
    git: {
      commit: sh('git', ['rev-parse', '--short', 'HEAD']),
      dirty: sh('git', ['status', '--porcelain']) !== '',
    },
    serverEnv:
      'LOG_LEVEL=warn AUTH_DISABLED=true RECONCILER_ENABLED=false WATCH_MAX_STREAMS_PER_PRINCIPAL=100000; ' +
      'monitoring wrapper with BENCH_CALL_ATTRIBUTION=off (no AsyncLocalStorage, so no async hooks)' +
      (opts.windowMs === null ? '' : `; WATCH_BATCH_WINDOW_MS=${opts.windowMs}`),
    batchChanges: true,
    subscriberProcesses: SUBSCRIBER_PROCESSES,
    streamsPerConnection: PER_CHANNEL,
    runs,
  };
  const file = path.join(RESULTS, `${stamp}.json`);
  fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`${table(runs)}\nresults: ${path.relative(ROOT, file)}\n`);
  const failed = Object.values(runs).some((r) =>
    Object.values(r).some((x) => (x as { error?: string }).error),
  );
  process.exit(failed ? 1 : 0);
}
