/**
 * One size of `npm run bench -- --fanout` against one checkout's server: a fresh server, service and
 * subscriber processes; changes published at the size's rate straight into Redis; what the streams got.
 */
import * as path from 'node:path';
import { Redis } from 'ioredis';
import { RedisSlotEventLog } from '../../src/infra/redis/event-log';
import type { SubscriberJob, SubscriberResult } from '../fanout-subscriber';
import { call, newClient } from '../lib/grpc';
import { control, CpuMeter, findPid, Worker } from '../lib/procs';
import { summarizeProfile } from '../lib/profile';
import { log, sh, startServer } from '../lib/server';
import { mergeAll, sleep } from '../lib/stats';
import { CreateServiceRequest } from '../../src/gen/booking/v1/booking_service';
import { waitForServer } from '../scenarios';
import type { Checkout, Size } from './options';
import { publishAtRate, syntheticSlots } from './publish';
import { round } from './report';

export const SUBSCRIBER_PROCESSES = 4;
export const PER_CHANNEL = 250;

/** One size against one checkout's server: a fresh server, service and subscriber processes. */
export async function runOne(
  co: Checkout,
  size: Size,
  env: {
    mongoUri: string;
    redisUrl: string;
    wrapper: string;
    outDir: string;
    profile: boolean;
    windowMs: number | null;
    fullDecode: boolean;
    clientWindow: number;
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
    (_, i) => new Worker<SubscriberJob>(`sub${i}`, path.join(__dirname, '..', 'fanout-subscriber.ts')),
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
          {
            kind: 'open',
            target: server.target,
            serviceId,
            count,
            perChannel: PER_CHANNEL,
            batch: true,
            fullDecode: env.fullDecode,
            clientWindow: env.clientWindow,
          },
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

    const slots = syntheticSlots(serviceId);
    const publisher = new RedisSlotEventLog(redis, { maxLength: 10_000, blockMs: 5_000 }, () => undefined);
    if (env.profile) await control(server.controlPort, '/profile/start');
    // Where the machine's CPU goes while changes flow: the server is one process of several here.
    const redisPid = findPid(['redis-server', `:${new URL(env.redisUrl).port}`]);
    const meter = new CpuMeter(() => ({
      server: [pid],
      subscribers: subs.map((w) => w.pid),
      'publisher (this process)': [process.pid],
      ...(redisPid ? { redis: [redisPid] } : {}),
    }));
    const cpuStart = meter.sample();
    const { revisions, publishedAt, failed, pubStart, pubEnd, measuredFrom } = await publishAtRate(
      publisher,
      slots,
      size,
    );
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
    const cpuByRoleS = meter.since(cpuStart);
    const cpuMs = cpuByRoleS.server! * 1000;
    let profile = null;
    if (env.profile) {
      const file = path.join(env.outDir, `server-${name}.cpuprofile`);
      await control(server.controlPort, `/profile/stop?file=${encodeURIComponent(file)}`, 120_000);
      profile = summarizeProfile(file, 15);
    }
    const rs = await Promise.all(
      subs.map((w) =>
        w.run<SubscriberResult>({ kind: 'collect', revisions, publishedAt, measuredFrom }, 120_000),
      ),
    );
    const delivered = rs.reduce((a, r) => a + r.received, 0);
    const delays = mergeAll(rs.map((r) => r.delays));
    const warmup = mergeAll(rs.map((r) => r.warmupDelays));
    const seconds = Math.max(...rs.map((r) => r.delaysBySecond.length));
    const p99BySecondMs = Array.from({ length: seconds }, (_, i) =>
      round(mergeAll(rs.flatMap((r) => r.delaysBySecond[i] ?? [])).quantile(0.99)),
    );
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
      warmupSeconds: size.warmupSeconds,
      batchWindowMs: env.windowMs ?? 'server default',
      subscriberDecode: env.fullDecode ? 'full (generated code)' : 'revisions only',
      subscriberConnectionWindowBytes: env.clientWindow,
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
      warmupCommitToDeliveryMs: {
        p50: round(warmup.quantile(0.5)),
        p99: round(warmup.quantile(0.99)),
        max: round(warmup.max),
      },
      p99BySecondMs,
      deliveriesPerS: round(delivered / Math.max(0.001, (lastAt - pubStart) / 1000), 0),
      serverCpuS: cpuByRoleS.server,
      serverCpuUsPerDelivery: delivered ? round((cpuMs * 1000) / delivered, 2) : null,
      cpuByRoleS,
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
