/**
 * `npm run bench -- --fanout [--quick] [--baseline=<checkout>] [--profile] [--no-build] [--sizes=1000x50,10000x10]
 * [--seconds=20] [--window=<ms>]`: the watch fan-out alone.
 *
 * Changes are published at a fixed rate straight into Redis with the service's own publisher
 * (RedisSlotEventLog.publish, the Lua script every instance runs), so the server under test
 * only reads and fans out, as for changes made through another instance. They go to N
 * WatchSlotAvailability streams spread over four subscriber processes (bench/fanout-subscriber.ts).
 * With --baseline, the same runs go against the server of another checkout (its dist/, built
 * here), back to back in one run, before ours. Every stream asks for batch_changes. --window sets the
 * servers' WATCH_BATCH_WINDOW_MS (a checkout without the setting ignores it); without it each server
 * runs its default. Writes bench/results/<stamp>.json.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Redis } from 'ioredis';
import type { SlotRecord, SlotStatus } from '../src/domain/types';
import { RedisSlotEventLog } from '../src/infra/redis/event-log';
import { obtainBackingServices } from '../scripts/local-servers';
import type { SubscriberJob, SubscriberResult } from './fanout-subscriber';
import { ObjectId } from './lib/docs';
import { call, newClient } from './lib/grpc';
import { control, cpuMsOf, Worker } from './lib/procs';
import { summarizeProfile } from './lib/profile';
import { log, RESULTS, ROOT, sh, startServer, transpileWrapper } from './lib/server';
import { mergeAll, sleep, wallNow } from './lib/stats';
import { CreateServiceRequest } from '../src/gen/booking/v1/booking_service';
import { waitForServer } from './scenarios';

interface Size {
  subscribers: number;
  perSecond: number;
  seconds: number;
}
interface Checkout {
  label: 'before' | 'after';
  root: string;
}

const SUBSCRIBER_PROCESSES = 4;
const PER_CHANNEL = 250;

interface Options {
  sizes: Size[];
  baseline: string | null;
  profile: boolean;
  build: boolean;
  /** WATCH_BATCH_WINDOW_MS for the servers; null: their default. */
  windowMs: number | null;
}

function parse(argv: string[]): Options {
  const quick = argv.includes('--quick');
  let seconds = quick ? 5 : 20;
  let pairs = quick ? '200x20' : '1000x50,10000x10';
  let baseline: string | null = null;
  let windowMs: number | null = null;
  for (const a of argv) {
    if (a.startsWith('--seconds=')) seconds = Number(a.slice(10));
    else if (a.startsWith('--window=')) windowMs = Number(a.slice(9));
    else if (a.startsWith('--sizes=')) pairs = a.slice(8);
    else if (a.startsWith('--baseline=')) baseline = path.resolve(a.slice(11));
    else if (!['--fanout', '--quick', '--profile', '--no-build'].includes(a))
      throw new Error(`--fanout: unknown argument ${a}`);
  }
  const sizes = pairs.split(',').map((p) => {
    const [n, r] = p.split('x').map(Number);
    if (!Number.isInteger(n) || !Number.isInteger(r) || n! < 1 || r! < 1)
      throw new Error(`--sizes: expected NxR pairs (subscribers x changes/s), got ${p}`);
    return { subscribers: n!, perSecond: r!, seconds };
  });
  if (!(seconds > 0)) throw new Error('--seconds: expected a positive number');
  if (windowMs !== null && !(Number.isInteger(windowMs) && windowMs >= 0))
    throw new Error('--window: expected a whole number of milliseconds, 0 or more');
  if (baseline && !fs.existsSync(path.join(baseline, 'src', 'main.ts')))
    throw new Error(`--baseline=${baseline}: not a checkout of this project`);
  return {
    sizes,
    baseline,
    profile: argv.includes('--profile'),
    build: !argv.includes('--no-build'),
    windowMs,
  };
}

const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d;

/** One size against one checkout's server: a fresh server, service and subscriber processes. */
async function runOne(
  co: Checkout,
  size: Size,
  env: {
    mongoUri: string;
    redisUrl: string;
    wrapper: string;
    outDir: string;
    profile: boolean;
    windowMs: number | null;
  },
): Promise<Record<string, unknown>> {
  const name = `${co.label}-${size.subscribers}x${size.perSecond}`;
  const db = new URL(env.mongoUri);
  db.pathname = `/fanout_${Date.now()}`;
  const server = await startServer(
    env.wrapper,
    {
      MONGODB_URI: db.toString(),
      REDIS_URL: env.redisUrl,
      LOG_LEVEL: 'warn',
      AUTH_DISABLED: 'true',
      RECONCILER_ENABLED: 'false',
      WATCH_MAX_STREAMS_PER_PRINCIPAL: '100000',
      SHUTDOWN_GRACE_MS: '3000',
      BENCH_CALL_ATTRIBUTION: 'off',
      ...(env.windowMs === null ? {} : { WATCH_BATCH_WINDOW_MS: String(env.windowMs) }),
    },
    path.join(env.outDir, `server-${name}.log`),
    path.join(co.root, 'dist'),
  );
  const pid = server.child.pid!;
  const rpc = newClient(server.target, 1);
  const redis = new Redis(env.redisUrl, { maxRetriesPerRequest: 2 });
  const subs = Array.from(
    { length: SUBSCRIBER_PROCESSES },
    (_, i) => new Worker<SubscriberJob>(`sub${i}`, path.join(__dirname, 'fanout-subscriber.ts')),
  );
  try {
    await waitForServer(rpc, Date.now() + 60_000);
    const serviceId = (
      await call(
        rpc,
        rpc.createService,
        CreateServiceRequest.fromPartial({
          service: {
            name: `bench fanout ${name}`,
            timeZone: 'UTC',
            openingTime: { hours: 0 },
            closingTime: { hours: 24 },
            slotDurationMinutes: 15,
            price: { amountMinor: 100, currencyCode: 'EUR' },
            active: true,
          },
        }),
      )
    ).service!.id;

    const mem0 = await control<NodeJS.MemoryUsage>(server.controlPort, '/memory?gc=1');
    const t0 = Date.now();
    const n = size.subscribers;
    await Promise.all(
      subs.map((w, i) => {
        const count = Math.floor(n / subs.length) + (i < n % subs.length ? 1 : 0);
        return w.run(
          { kind: 'open', target: server.target, serviceId, count, perChannel: PER_CHANNEL, batch: true },
          120_000,
        );
      }),
    );
    // Open: every stream registered with the server, or ended (refused) at the client.
    const progress = async (): Promise<{ received: number; ended: number }> => {
      const ps = await Promise.all(
        subs.map((w) => w.run<{ received: number; ended: number }>({ kind: 'progress' }, 60_000)),
      );
      return ps.reduce((a, p) => ({ received: a.received + p.received, ended: a.ended + p.ended }));
    };
    let live = 0;
    let refused = 0;
    while (Date.now() - t0 < 300_000) {
      live = (await control<{ subscribers: number }>(server.controlPort, '/watch')).subscribers;
      refused = (await progress()).ended;
      if (live >= n || live + refused >= n) break;
      await sleep(100);
    }
    const opened = Math.max(1, n - refused);
    const openS = (Date.now() - t0) / 1000;
    const mem1 = await control<NodeJS.MemoryUsage>(server.controlPort, '/memory?gc=1');
    log(`${name}: ${live} streams open, ${refused} refused, in ${openS.toFixed(1)} s`);

    // Synthetic slots of the service, changed in turn: AVAILABLE <-> BOOKED, the slot's revision bumped.
    const start = Date.now() + 86_400_000;
    const slots: SlotRecord[] = Array.from({ length: 100 }, (_, i) => ({
      id: new ObjectId().toHexString(),
      serviceId,
      startTime: new Date(start + i * 900_000),
      endTime: new Date(start + (i + 1) * 900_000),
      status: 'AVAILABLE',
      appointmentId: null,
      holdId: null,
      holdExpiresAt: null,
      capacity: 1,
      placesTaken: 0,
      placesRev: 0,
      placesHeld: [],
      revision: 1,
      updatedAt: new Date(),
    }));
    const publisher = new RedisSlotEventLog(redis, { maxLength: 10_000, blockMs: 5_000 }, () => undefined);
    if (env.profile) await control(server.controlPort, '/profile/start');
    const cpu0 = cpuMsOf(pid);
    const total = Math.round(size.perSecond * size.seconds);
    const intervalMs = 1000 / size.perSecond;
    const revisions: number[] = [];
    const publishedAt: number[] = [];
    let failed = 0;
    const pubStart = wallNow() + 200;
    const inFlight: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      await sleep(pubStart + i * intervalMs - wallNow());
      const slot = slots[i % slots.length]!;
      const before: SlotStatus = slot.status;
      slot.status = before === 'AVAILABLE' ? 'BOOKED' : 'AVAILABLE';
      slot.revision += 1;
      const at = wallNow();
      slot.updatedAt = new Date(at);
      inFlight.push(
        publisher.publish({ ...slot }, before).then(
          (rev) => {
            revisions.push(rev);
            publishedAt.push(at);
          },
          () => void (failed += 1),
        ),
      );
    }
    await Promise.all(inFlight);
    const pubEnd = wallNow();
    // Drain: until every stream has every change, or nothing moves for 5 s.
    const expected = revisions.length * n;
    let received = -1;
    let still = Date.now();
    while (Date.now() - still < 5_000) {
      const now = (await progress()).received;
      if (now >= expected) break;
      if (now !== received) [received, still] = [now, Date.now()];
      await sleep(100);
    }
    const cpuMs = cpuMsOf(pid) - cpu0;
    let profile = null;
    if (env.profile) {
      const file = path.join(env.outDir, `server-${name}.cpuprofile`);
      await control(server.controlPort, `/profile/stop?file=${encodeURIComponent(file)}`, 120_000);
      profile = summarizeProfile(file, 15);
    }
    const rs = await Promise.all(
      subs.map((w) => w.run<SubscriberResult>({ kind: 'collect', revisions, publishedAt }, 120_000)),
    );
    const delivered = rs.reduce((a, r) => a + r.received, 0);
    const delays = mergeAll(rs.map((r) => r.delays));
    const lastAt = Math.max(...rs.map((r) => r.lastAt));
    const ended: Record<string, number> = {};
    for (const r of rs) for (const [k, v] of Object.entries(r.ended)) ended[k] = (ended[k] ?? 0) + v;
    const result = {
      checkout: co.root,
      commit: sh('git', ['-C', co.root, 'rev-parse', '--short', 'HEAD']) || 'n/a',
      subscribers: n,
      liveSubscribers: live,
      refusedWhileOpening: refused,
      changesPerSecond: size.perSecond,
      seconds: size.seconds,
      batchWindowMs: env.windowMs ?? 'server default',
      openStreamsS: round(openS, 2),
      published: revisions.length,
      publishFailed: failed,
      publishedPerS: round(revisions.length / ((pubEnd - pubStart) / 1000), 1),
      delivered,
      expected,
      deliveredRatio: expected ? round(delivered / expected, 4) : null,
      unmatched: rs.reduce((a, r) => a + r.unmatched, 0),
      outOfOrder: rs.reduce((a, r) => a + r.outOfOrder, 0),
      messages: rs.reduce((a, r) => a + r.messages, 0),
      batchedMessages: rs.reduce((a, r) => a + r.batched, 0),
      commitToDeliveryMs: {
        p50: round(delays.quantile(0.5)),
        p99: round(delays.quantile(0.99)),
        max: round(delays.max),
      },
      deliveriesPerS: round(delivered / Math.max(0.001, (lastAt - pubStart) / 1000), 0),
      serverCpuS: round(cpuMs / 1000, 2),
      serverCpuUsPerDelivery: delivered ? round((cpuMs * 1000) / delivered, 2) : null,
      rssBytesPerSubscriber: Math.round((mem1.rss - mem0.rss) / opened),
      heapBytesPerSubscriber: Math.round((mem1.heapUsed - mem0.heapUsed) / opened),
      streamsEnded: ended,
      profile,
    };
    const d = result.commitToDeliveryMs;
    log(
      `${name}: p50/p99/max ${d.p50}/${d.p99}/${d.max} ms, ${delivered}/${expected} delivered, ` +
        `${result.serverCpuUsPerDelivery} µs CPU/delivery, ${result.rssBytesPerSubscriber} B RSS/subscriber`,
    );
    return result;
  } finally {
    subs.forEach((w) => w.stop());
    rpc.close();
    redis.disconnect();
    await server.stop();
  }
}

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

function table(runs: Record<string, Record<string, unknown>>): string {
  const lines = [
    'size          checkout  open s  p50 / p99 / max ms         delivered/expected   per msg  µs CPU/deliv  RSS B/sub',
  ];
  for (const [key, byCo] of Object.entries(runs)) {
    for (const [label, r] of Object.entries(byCo) as [string, Record<string, unknown>][]) {
      if ('error' in r) {
        lines.push(`${key.padEnd(14)}${label.padEnd(10)}FAILED ${String(r.error)}`);
        continue;
      }
      const d = r.commitToDeliveryMs as { p50: number; p99: number; max: number };
      const s = (k: string): string => String(r[k]);
      lines.push(
        `${key.padEnd(14)}${label.padEnd(10)}${s('openStreamsS').padEnd(8)}` +
          `${`${d.p50} / ${d.p99} / ${d.max}`.padEnd(27)}${`${s('delivered')}/${s('expected')}`.padEnd(21)}` +
          `${String(round(Number(r.delivered) / Math.max(1, Number(r.messages)), 2)).padEnd(9)}` +
          `${s('serverCpuUsPerDelivery').padEnd(14)}${s('rssBytesPerSubscriber')}`,
      );
    }
  }
  return lines.join('\n');
}
