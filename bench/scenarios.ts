/**
 * The six scenarios of the benchmark. Each runs the service's workload from
 * worker processes, then (where the issue asks for it) the same workload with
 * the bare driver against the same database: the floor.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Redis } from 'ioredis';
import {
  BookSlotRequest,
  CreateServiceRequest,
  ListServicesRequest,
} from '../src/gen/booking/v1/booking_service';
import { claimDoc, ObjectId, slotDocs, wipe, type Db, type SlotDoc } from './lib/docs';
import { call, type BookingServiceClient } from './lib/grpc';
import { control, type CpuMeter, type Worker } from './lib/procs';
import { summarizeProfile, type ProfileSummary } from './lib/profile';
import { diffCounts, mergeAll, sleep, total, type HistogramJson, type Summary } from './lib/stats';
import type { JobResult, SlotRef } from './worker';
import type { MethodStats } from './server-with-monitoring';

export interface Config {
  /** `clientPoints`: the client counts the spread scenario runs at (each against its floor). */
  spread: { clients: number; slotsPerClient: number; durationMs: number; clientPoints: number[] };
  hot: { slots: number; perSlot: number; retries: number; backoffMs: number; floorMaxMs: number };
  /** Hot slots of several places (bench/places-scenario.ts). */
  places: { slots: number; capacity: number; perSlot: number; retries: number; backoffMs: number };
  fanout: { subscribers: number; durationMs: number; intervalMs: number }[];
  generation: { days: number };
  history: { appointments: number; pageSize: number; rounds: number };
}

export interface Ctx {
  cfg: Config;
  target: string;
  controlPort: number;
  mongoUri: string;
  appDbName: string;
  floorDbName: string;
  appDb: Db;
  floorDb: Db;
  rpc: BookingServiceClient;
  redis: Redis;
  cpu: CpuMeter;
  load: Worker[];
  outDir: string;
  serverLog: string;
  profile: boolean;
  log(line: string): void;
}

interface Counters {
  mongo: Record<string, number>;
  redis: Record<string, number>;
}

export const counters = (ctx: Ctx): Promise<Counters> => control<Counters>(ctx.controlPort, '/counters');
export const rpcStats = (ctx: Ctx, reset = false): Promise<Record<string, MethodStats>> =>
  control(ctx.controlPort, `/rpc${reset ? '?reset=1' : ''}`);

const summary = (parts: HistogramJson[]): Summary => mergeAll(parts).summary();
const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
export const outcomes = (rs: JobResult[]): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const r of rs) for (const [k, v] of Object.entries(r.outcomes)) out[k] = (out[k] ?? 0) + v;
  return out;
};
const opsOf = (rs: JobResult[]): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const r of rs) for (const [k, v] of Object.entries(r.ops ?? {})) out[k] = (out[k] ?? 0) + v;
  return out;
};
export const round = (x: number, digits = 2): number => Math.round(x * 10 ** digits) / 10 ** digits;

/** Splits `xs` into `n` nearly equal consecutive parts. */
export function split<T>(xs: readonly T[], n: number): T[][] {
  return Array.from({ length: n }, (_, i) =>
    xs.slice(Math.floor((i * xs.length) / n), Math.floor(((i + 1) * xs.length) / n)),
  );
}

/** Midnight UTC, `days` from now. */
export const utcMidnight = (days: number): Date => {
  const d = new Date();
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + days));
};

/** A 24-hour UTC service with `minutes`-long slots, created through the API. */
export async function createService(ctx: Ctx, name: string, minutes: number): Promise<string> {
  const res = await call(
    ctx.rpc,
    ctx.rpc.createService,
    CreateServiceRequest.fromPartial({
      service: {
        name,
        timeZone: 'UTC',
        openingTime: { hours: 0, minutes: 0 },
        closingTime: { hours: 24, minutes: 0 },
        slotDurationMinutes: minutes,
        price: { amountMinor: 2500, currencyCode: 'EUR' },
        active: true,
      },
    }),
  );
  return res.service!.id;
}

export async function insertSlots(db: Db, docs: SlotDoc[]): Promise<void> {
  for (let i = 0; i < docs.length; i += 5_000)
    await db.collection<SlotDoc>('slots').insertMany(docs.slice(i, i + 5_000));
}

const refOf = (d: SlotDoc): SlotRef => ({
  id: d._id.toHexString(),
  serviceId: d.serviceId.toHexString(),
  startTime: d.startTime.getTime(),
  endTime: d.endTime.getTime(),
});

/** Starts a CPU profile of the server, if profiling is on; returns the function that stops it. */
async function profileServer(ctx: Ctx, name: string): Promise<() => Promise<ProfileSummary | null>> {
  if (!ctx.profile) return () => Promise.resolve(null);
  await control(ctx.controlPort, '/profile/start');
  return async () => {
    const file = path.join(ctx.outDir, `server-${name}.cpuprofile`);
    await control(ctx.controlPort, `/profile/stop?file=${encodeURIComponent(file)}`, 120_000);
    return summarizeProfile(file);
  };
}

export const startIn = (ms: number): number => Date.now() + ms;

interface ServerWatch {
  /** What the server logged (warn and above) and how its event loop fared since `watchServer`. */
  finish(): Promise<{ serverLog: Record<string, number>; eventLoopDelay: unknown }>;
}

export async function watchServer(ctx: Ctx): Promise<ServerWatch> {
  const offset = fs.statSync(ctx.serverLog).size;
  await control(ctx.controlPort, '/eventloop?reset=1');
  return {
    finish: async () => {
      const eventLoopDelay = await control(ctx.controlPort, '/eventloop');
      const serverLog: Record<string, number> = {};
      const fd = fs.openSync(ctx.serverLog, 'r');
      const size = fs.fstatSync(fd).size;
      const buf = Buffer.alloc(Math.max(0, size - offset));
      fs.readSync(fd, buf, 0, buf.length, offset);
      fs.closeSync(fd);
      for (const line of buf.toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        let key: string;
        try {
          const entry = JSON.parse(line) as { level?: number; msg?: string; err?: unknown };
          const level =
            ({ 40: 'warn', 50: 'error', 60: 'fatal' } as Record<number, string>)[entry.level ?? 0] ??
            String(entry.level);
          const err =
            typeof entry.err === 'string'
              ? entry.err
              : (entry.err as { message?: string } | undefined)?.message;
          key = `${level}: ${entry.msg ?? ''}${err ? ` (${err.slice(0, 120)})` : ''}`;
        } catch {
          key = line.slice(0, 120);
        }
        serverLog[key] = (serverLog[key] ?? 0) + 1;
      }
      return { serverLog, eventLoopDelay };
    },
  };
}

// ---------------------------------------------------------------------------
// 1. Spread

/**
 * `clients` closed-loop clients (default: the configured count); fewer
 * clients get more slots each, so every point books from the same number.
 */
export async function spread(ctx: Ctx, clients = ctx.cfg.spread.clients): Promise<Record<string, unknown>> {
  const { durationMs } = ctx.cfg.spread;
  const slotsPerClient = Math.ceil((ctx.cfg.spread.clients * ctx.cfg.spread.slotsPerClient) / clients);
  const users = Array.from({ length: clients }, (_, i) => `spread-user-${i}`);

  // The service.
  await wipe(ctx.appDb);
  const serviceId = await createService(ctx, 'bench spread', 15);
  const docs = slotDocs(serviceId, utcMidnight(2), clients * slotsPerClient, 15);
  await insertSlots(ctx.appDb, docs);
  const perClient = split(docs, clients);
  const jobsFor = (w: number): { userId: string; slotIds: string[] }[] =>
    perClient
      .map((slots, i) => ({ userId: users[i]!, slotIds: slots.map((s) => s._id.toHexString()) }))
      .filter((_, i) => i % ctx.load.length === w);

  ctx.log(`spread: ${clients} clients, ${docs.length} slots, ${durationMs / 1000} s`);
  await rpcStats(ctx, true);
  const before = await counters(ctx);
  const watch = await watchServer(ctx);
  const stopProfile = await profileServer(ctx, `spread-${clients}`);
  const cpu0 = ctx.cpu.sample();
  const startAt = startIn(1_500);
  const rs = await Promise.all(
    ctx.load.map((w, i) =>
      w.run<JobResult>(
        { kind: 'spread-rpc', target: ctx.target, clients: jobsFor(i), durationMs, startAt },
        durationMs + 180_000,
      ),
    ),
  );
  const cpu = ctx.cpu.since(cpu0);
  const profile = await stopProfile();
  const server = await watch.finish();
  const ops = diffCounts((await counters(ctx)).mongo, before.mongo);
  const redisOps = diffCounts((await counters(ctx)).redis, before.redis);
  const stats = (await rpcStats(ctx)).bookSlot;
  const out = outcomes(rs);
  const wallMs = Math.max(...rs.map((r) => r.wallMs));
  const bookings = out.OK ?? 0;
  const stored = await ctx.appDb.collection('appointments').countDocuments({ status: 'CONFIRMED' });

  // The floor: the same slots and clients, conditional update + insert.
  await wipe(ctx.floorDb);
  const floorDocs = slotDocs(new ObjectId().toHexString(), utcMidnight(2), clients * slotsPerClient, 15);
  await insertSlots(ctx.floorDb, floorDocs);
  const floorPerClient = split(floorDocs, clients);
  ctx.log('spread: floor');
  const fcpu0 = ctx.cpu.sample();
  const floorStart = startIn(1_500);
  const frs = await Promise.all(
    ctx.load.map((w, i) =>
      w.run<JobResult>(
        {
          kind: 'spread-floor',
          mongoUri: ctx.mongoUri,
          db: ctx.floorDbName,
          clients: floorPerClient
            .map((slots, k) => ({ userId: users[k]!, slots: slots.map(refOf) }))
            .filter((_, k) => k % ctx.load.length === i),
          durationMs,
          startAt: floorStart,
        },
        durationMs + 180_000,
      ),
    ),
  );
  const floorCpu = ctx.cpu.since(fcpu0);
  const fout = outcomes(frs);
  const floorWallMs = Math.max(...frs.map((r) => r.wallMs));
  const floorBookings = fout.OK ?? 0;
  const rate = bookings / (wallMs / 1000);
  const floorRate = floorBookings / (floorWallMs / 1000);
  return {
    clients,
    slots: docs.length,
    durationS: wallMs / 1000,
    bookings,
    storedAppointments: stored,
    bookingsPerS: round(rate, 1),
    latencyMs: summary(rs.map((r) => r.latency)),
    outcomes: out,
    clientsOutOfSlots: sum(rs.map((r) => Number(r.extra?.clientsOutOfSlots ?? 0))),
    dbOps: ops,
    dbOpsPerBooking: bookings ? round(total(ops) / bookings) : null,
    redisOpsPerBooking: bookings ? round(total(redisOps) / bookings) : null,
    opsPerCall: stats?.opsPerCall ?? {},
    cpuSeconds: cpu,
    ...server,
    profile,
    floor: {
      durationS: floorWallMs / 1000,
      bookings: floorBookings,
      bookingsPerS: round(floorRate, 1),
      latencyMs: summary(frs.map((r) => r.latency)),
      outcomes: fout,
      dbOps: opsOf(frs),
      cpuSeconds: floorCpu,
    },
    ratioToFloor: floorRate ? round(rate / floorRate, 3) : null,
  };
}

// ---------------------------------------------------------------------------
// 2. Hot slots

export async function hot(ctx: Ctx): Promise<Record<string, unknown>> {
  const { slots, perSlot, retries, backoffMs } = ctx.cfg.hot;
  await wipe(ctx.appDb);
  const serviceId = await createService(ctx, 'bench hot', 15);
  const docs = slotDocs(serviceId, utcMidnight(2), slots + 1, 15);
  await insertSlots(ctx.appDb, docs);
  const probe = docs[slots]!;
  const hotDocs = docs.slice(0, slots);

  // What one uncontended booking costs: the winners' share of the operations.
  const b0 = await counters(ctx);
  await call(
    ctx.rpc,
    ctx.rpc.bookSlot,
    BookSlotRequest.fromPartial({ slotId: probe._id.toHexString(), userId: 'probe' }),
  );
  const b1 = await counters(ctx);
  const singleBooking = { mongo: diffCounts(b1.mongo, b0.mongo), redis: diffCounts(b1.redis, b0.redis) };
  const winnerOps = total(singleBooking.mongo);

  ctx.log(`hot: ${slots} slots x ${perSlot} clients, SLOT_BUSY retried up to ${retries} times`);
  await control(ctx.controlPort, '/clients?reset=1');
  await rpcStats(ctx, true);
  const before = await counters(ctx);
  const watch = await watchServer(ctx);
  const stopProfile = await profileServer(ctx, 'hot');
  const cpu0 = ctx.cpu.sample();
  const startAt = startIn(3_000);
  const per = split(
    Array.from({ length: perSlot }, (_, i) => i),
    ctx.load.length,
  ).map((p) => p.length);
  const rs = await Promise.all(
    ctx.load.map((w, i) =>
      w.run<JobResult>(
        {
          kind: 'hot-rpc',
          target: ctx.target,
          slotIds: hotDocs.map((d) => d._id.toHexString()),
          perSlot: per[i]!,
          prefix: `w${i}`,
          retries,
          backoffMs,
          channels: 4,
          startAt,
        },
        1_800_000,
      ),
    ),
  );
  const cpu = ctx.cpu.since(cpu0);
  const profile = await stopProfile();
  const server = await watch.finish();
  const after = await counters(ctx);
  const ops = diffCounts(after.mongo, before.mongo);
  const redisOps = diffCounts(after.redis, before.redis);
  const perClient = await control<{
    clients: number;
    winners: number;
    winnerOps: number;
    losers: number;
    loserAttempts: number;
    loserOps: number;
    losersWithoutOps: number;
    loserOpsHistogram: Record<string, number>;
  }>(ctx.controlPort, '/clients?reset=1');
  const stats = (await rpcStats(ctx)).bookSlot;
  const out = outcomes(rs);
  const attempts = sum(rs.map((r) => r.latency.n));
  const wallMs = Math.max(...rs.map((r) => r.wallMs));
  const winsBySlot: Record<string, number> = {};
  for (const r of rs) {
    for (const [k, v] of Object.entries((r.extra?.winsBySlot ?? {}) as Record<string, number>))
      winsBySlot[k] = (winsBySlot[k] ?? 0) + v;
  }
  const hotIds = hotDocs.map((d) => d._id);
  const storedWinners = await ctx.appDb
    .collection('appointments')
    .countDocuments({ slotId: { $in: hotIds }, status: 'CONFIRMED' });
  const successes = out.OK ?? 0;
  const totalOps = total(ops);
  const loserOpsGlobal = totalOps - successes * winnerOps;
  const logicalClients = slots * perSlot;
  const losers = logicalClients - successes;
  const losingCalls = Object.entries(stats?.byCode ?? {}).filter(([code]) => code !== 'OK');
  const losingAttempts = sum(losingCalls.map(([, c]) => c.calls));
  const losingAttemptsWithoutOps = sum(losingCalls.map(([, c]) => c.zeroOpCalls));

  // The floor: the same burst, conditional update + insert, no gate.
  await wipe(ctx.floorDb);
  const floorDocs = slotDocs(new ObjectId().toHexString(), utcMidnight(2), slots, 15);
  await insertSlots(ctx.floorDb, floorDocs);
  ctx.log('hot: floor');
  const fcpu0 = ctx.cpu.sample();
  const floorStart = startIn(1_500);
  const frs = await Promise.all(
    ctx.load.map((w, i) =>
      w.run<JobResult>(
        {
          kind: 'hot-floor',
          mongoUri: ctx.mongoUri,
          db: ctx.floorDbName,
          slots: floorDocs.map(refOf),
          perSlot: per[i]!,
          prefix: `w${i}`,
          poolSize: 32,
          startAt: floorStart,
          maxMs: ctx.cfg.hot.floorMaxMs,
        },
        1_800_000,
      ),
    ),
  );
  const floorCpu = ctx.cpu.since(fcpu0);
  const fout = outcomes(frs);
  const floorWallMs = Math.max(...frs.map((r) => r.wallMs));
  const floorAttempts = sum(frs.map((r) => r.latency.n));
  const floorOps = opsOf(frs);
  const floorSuccesses = fout.OK ?? 0;
  const floorStored = await ctx.floorDb.collection('appointments').countDocuments({});
  const rate = attempts / (wallMs / 1000);
  const floorRate = floorAttempts / (floorWallMs / 1000);
  const logicalRate = logicalClients / (wallMs / 1000);
  return {
    slots,
    clientsPerSlot: perSlot,
    clientRetryPolicy: `retry SLOT_BUSY up to ${retries} times, backoff ${backoffMs} ms x 2^attempt with jitter`,
    successes,
    storedWinners,
    slotsWithOneWinner: Object.values(winsBySlot).filter((v) => v === 1).length,
    exactlyOnePerSlot:
      successes === slots && storedWinners === slots && Object.values(winsBySlot).every((v) => v === 1),
    finalOutcomes: out,
    attempts,
    attemptsByOutcome: (() => {
      const o: Record<string, number> = {};
      for (const r of rs)
        for (const [k, v] of Object.entries((r.extra?.attemptsByOutcome ?? {}) as Record<string, number>))
          o[k] = (o[k] ?? 0) + v;
      return o;
    })(),
    durationS: wallMs / 1000,
    requestsPerS: round(rate, 1),
    clientsPerS: round(logicalRate, 1),
    latencyMs: summary(rs.map((r) => r.latency)),
    endToEndMs: summary(rs.flatMap((r) => (r.endToEnd ? [r.endToEnd] : []))),
    singleBookingOps: singleBooking,
    dbOps: ops,
    redisOps,
    losers,
    loserDbOpsGlobal: loserOpsGlobal,
    loserDbOpsPerLoser: losers ? round(loserOpsGlobal / losers, 3) : null,
    perClientAttribution: perClient,
    losersAnsweredWithoutDbOps: perClient.losers
      ? round(perClient.losersWithoutOps / perClient.losers, 4)
      : null,
    losingAttempts,
    losingAttemptsWithoutDbOps: losingAttempts ? round(losingAttemptsWithoutOps / losingAttempts, 4) : null,
    bookSlotByCode: stats?.byCode ?? {},
    cpuSeconds: cpu,
    ...server,
    profile,
    floor: {
      attempts: floorAttempts,
      successes: floorSuccesses,
      storedWinners: floorStored,
      outcomes: fout,
      durationS: floorWallMs / 1000,
      requestsPerS: round(floorRate, 1),
      latencyMs: summary(frs.map((r) => r.latency)),
      dbOps: floorOps,
      loserDbOps: total(floorOps) - 2 * floorSuccesses,
      cpuSeconds: floorCpu,
    },
    ratioToFloor: floorRate ? round(rate / floorRate, 3) : null,
  };
}

// ---------------------------------------------------------------------------
// 4. Watch fan-out

export async function fanout(
  ctx: Ctx,
  subscribers: number,
  durationMs: number,
  intervalMs: number,
  subs: Worker[],
  booker: Worker,
): Promise<Record<string, unknown>> {
  await wipe(ctx.appDb);
  const serviceId = await createService(ctx, `bench fanout ${subscribers}`, 15);
  const bookings = Math.floor(durationMs / intervalMs);
  const docs = slotDocs(serviceId, utcMidnight(2), bookings, 15);
  await insertSlots(ctx.appDb, docs);

  const mem0 = await control<NodeJS.MemoryUsage>(ctx.controlPort, '/memory?gc=1');
  ctx.log(`fanout: ${subscribers} subscribers, a booking every ${intervalMs} ms for ${durationMs / 1000} s`);
  const t0 = Date.now();
  const parts = split(
    Array.from({ length: subscribers }, (_, i) => i),
    subs.length,
  ).map((p) => p.length);
  await Promise.all(
    subs.map((w, i) =>
      w.run({ kind: 'subscribe', target: ctx.target, serviceId, count: parts[i]!, perChannel: 250 }, 120_000),
    ),
  );
  let live = 0;
  const connectDeadline = Date.now() + 300_000;
  while (Date.now() < connectDeadline) {
    live = (await control<{ subscribers: number }>(ctx.controlPort, '/watch')).subscribers;
    if (live >= subscribers) break;
    await sleep(250);
  }
  const connectS = (Date.now() - t0) / 1000;
  const mem1 = await control<NodeJS.MemoryUsage>(ctx.controlPort, '/memory?gc=1');
  ctx.log(`fanout: ${live} subscribers live after ${connectS.toFixed(1)} s`);

  await control(ctx.controlPort, '/commits?start=1');
  const watch = await watchServer(ctx);
  const stopProfile = await profileServer(ctx, `fanout-${subscribers}`);
  const cpu0 = ctx.cpu.sample();
  const booked = await booker.run<JobResult>(
    {
      kind: 'book-every',
      target: ctx.target,
      slotIds: docs.map((d) => d._id.toHexString()),
      intervalMs,
      userId: 'fanout-user',
      startAt: startIn(1_000),
    },
    durationMs + 600_000,
  );
  // Every commit was timed before its BookSlot returned: stop recording.
  const commits = await control<Record<string, number>>(ctx.controlPort, '/commits');
  // Let deliveries drain: until every subscriber has every change, or nothing moves for 5 s.
  const expected = Object.keys(commits).length * subscribers;
  let received = -1;
  let still = Date.now();
  const drainDeadline = Date.now() + 180_000;
  while (Date.now() < drainDeadline) {
    const now = sum(await Promise.all(subs.map((w) => w.run<number>({ kind: 'progress' }, 60_000))));
    if (now >= expected) break;
    if (now !== received) {
      received = now;
      still = Date.now();
    } else if (Date.now() - still > 5_000) break;
    await sleep(500);
  }
  const drainS = (Date.now() - t0) / 1000 - connectS;
  const cpu = ctx.cpu.since(cpu0);
  const profile = await stopProfile();
  const server = await watch.finish();
  const rs = await Promise.all(subs.map((w) => w.run<JobResult>({ kind: 'collect', commits }, 120_000)));
  // Wait until the server has let every subscriber go.
  const goneBy = Date.now() + 60_000;
  while (
    Date.now() < goneBy &&
    (await control<{ subscribers: number }>(ctx.controlPort, '/watch')).subscribers > 0
  )
    await sleep(250);

  const delays = mergeAll(rs.map((r) => r.latency));
  const delivered = sum(rs.map((r) => Number(r.extra?.received ?? 0)));
  const commitTimes = Object.values(commits).sort((a, b) => a - b);
  const commitSpanS =
    commitTimes.length > 1 ? (commitTimes[commitTimes.length - 1]! - commitTimes[0]!) / 1000 : 0;
  const perSub = (k: keyof NodeJS.MemoryUsage): number => Math.round((mem1[k] - mem0[k]) / Math.max(1, live));
  return {
    subscribers,
    liveSubscribers: live,
    connectS: round(connectS, 1),
    bookingsAttempted: bookings,
    bookingOutcomes: booked.outcomes,
    bookingLatencyMs: summary([booked.latency]),
    maxBookingsInFlight: booked.extra?.maxInFlight,
    commits: commitTimes.length,
    commitsPerS: commitSpanS ? round(commitTimes.length / commitSpanS, 1) : null,
    deliveriesExpected: Object.keys(commits).length * subscribers,
    deliveries: delivered,
    deliveredFraction: expected ? round(delivered / (Object.keys(commits).length * subscribers), 4) : null,
    deliveriesPerS: drainS > 0 ? Math.round(delivered / drainS) : null,
    commitToDeliveryMs: delays.summary(),
    negativeDelays: delays.negatives,
    streamEnds: outcomes(rs),
    serverMemory: {
      before: mem0,
      after: mem1,
      perSubscriberBytes: { rss: perSub('rss'), heapUsed: perSub('heapUsed'), external: perSub('external') },
    },
    cpuSeconds: cpu,
    ...server,
    profile,
  };
}

// ---------------------------------------------------------------------------
// 5. Slot generation

export async function generation(ctx: Ctx): Promise<Record<string, unknown>> {
  const { days } = ctx.cfg.generation;
  await wipe(ctx.appDb);
  await wipe(ctx.floorDb);
  const serviceId = await createService(ctx, 'bench generation', 15);
  const first = utcMidnight(2);
  const last = new Date(first.getTime() + (days - 1) * 86_400_000);
  const date = (d: Date): { year: number; month: number; day: number } => ({
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
  });
  ctx.log(`generation: ${days} days of 15-minute slots`);
  await rpcStats(ctx, true);
  const before = await counters(ctx);
  const cpu0 = ctx.cpu.sample();
  const [worker] = ctx.load;
  const r = await worker!.run<JobResult>(
    { kind: 'generate-rpc', target: ctx.target, serviceId, startDate: date(first), endDate: date(last) },
    900_000,
  );
  const cpu = ctx.cpu.since(cpu0);
  const ops = diffCounts((await counters(ctx)).mongo, before.mongo);
  const created = Number(r.extra?.created ?? 0);

  // Announcing the new slots to watchers goes on after the response: let it finish.
  const t0 = Date.now();
  const key = `booking:events:{${serviceId}}:slots`;
  let seen = -1;
  let still = Date.now();
  while (Date.now() - t0 < 600_000) {
    const n = await ctx.redis.hlen(key);
    if (n >= created) break;
    if (n !== seen) {
      seen = n;
      still = Date.now();
    } else if (Date.now() - still > 10_000) break;
    await sleep(200);
  }
  const announceS = (Date.now() - t0) / 1000;

  ctx.log('generation: floor (bare insertMany)');
  const f = await worker!.run<JobResult>(
    {
      kind: 'generate-floor',
      mongoUri: ctx.mongoUri,
      db: ctx.floorDbName,
      serviceId,
      from: first.getTime(),
      count: created,
      minutes: 15,
    },
    900_000,
  );
  const seconds = r.wallMs / 1000;
  const floorSeconds = f.wallMs / 1000;
  return {
    days,
    created,
    existing: r.extra?.existing,
    seconds: round(seconds, 3),
    slotsPerS: Math.round(created / seconds),
    dbOps: ops,
    announceAfterResponseS: round(announceS, 1),
    cpuSeconds: cpu,
    floor: { seconds: round(floorSeconds, 3), created: f.extra?.created, dbOps: f.ops },
    ratioToFloor: round(floorSeconds / seconds, 3),
  };
}

// ---------------------------------------------------------------------------
// 6. History

export async function history(ctx: Ctx): Promise<Record<string, unknown>> {
  const { appointments, pageSize, rounds } = ctx.cfg.history;
  await wipe(ctx.appDb);
  await wipe(ctx.floorDb);
  await ctx.floorDb.collection('services').deleteMany({});
  const serviceId = await createService(ctx, 'bench history', 15);
  const userId = 'history-user';
  const slots = slotDocs(serviceId, utcMidnight(2), appointments, 15);
  const created0 = Date.now() - appointments * 60_000;
  const claims = slots.map((s, i) => {
    const id = new ObjectId();
    s.status = 'BOOKED';
    s.appointmentId = id;
    s.revision = 2;
    return claimDoc(s, userId, id, new Date(created0 + i * 60_000));
  });
  for (const db of [ctx.appDb, ctx.floorDb]) {
    await insertSlots(db, slots);
    for (let i = 0; i < claims.length; i += 5_000)
      await db.collection('appointments').insertMany(claims.slice(i, i + 5_000));
  }
  const service = await ctx.appDb.collection('services').findOne({ _id: new ObjectId(serviceId) });
  await ctx.floorDb.collection('services').insertOne(service!);

  ctx.log(`history: ${appointments} appointments, pages of ${pageSize}`);
  const [worker] = ctx.load;
  await rpcStats(ctx, true);
  const before = await counters(ctx);
  const cpu0 = ctx.cpu.sample();
  const r = await worker!.run<JobResult>(
    { kind: 'history-rpc', target: ctx.target, userId, pageSize, rounds },
    1_800_000,
  );
  const cpu = ctx.cpu.since(cpu0);
  const ops = diffCounts((await counters(ctx)).mongo, before.mongo);
  const stats = (await rpcStats(ctx)).listAppointments;
  ctx.log('history: floor');
  const f = await worker!.run<JobResult>(
    { kind: 'history-floor', mongoUri: ctx.mongoUri, db: ctx.floorDbName, userId, pageSize, rounds },
    1_800_000,
  );
  const calls = r.latency.n;
  const lat = summary([r.latency]);
  const flat = summary([f.latency]);
  const pagesPerS = calls / (r.wallMs / 1000);
  const floorPagesPerS = f.latency.n / (f.wallMs / 1000);
  return {
    appointments,
    pageSize,
    pages: calls,
    items: r.extra?.items,
    latencyMs: lat,
    pagesPerS: round(pagesPerS, 1),
    dbOps: ops,
    queriesPerCall: calls ? round(total(ops) / calls, 3) : null,
    queriesPerCallDistribution: stats?.opsPerCall ?? {},
    constantQueriesPerPage: Object.keys(stats?.opsPerCall ?? {}).length === 1,
    cpuSeconds: cpu,
    floor: {
      pages: f.latency.n,
      items: f.extra?.items,
      latencyMs: flat,
      pagesPerS: round(floorPagesPerS, 1),
      dbOps: f.ops,
      queriesPerCall: f.latency.n ? round(total(f.ops ?? {}) / f.latency.n, 3) : null,
    },
    ratioToFloor: round(pagesPerS / floorPagesPerS, 3),
    p99RatioToFloor: round(flat.p99 / lat.p99, 3),
  };
}

/** Waits until the server answers a call. */
export async function waitForServer(rpc: BookingServiceClient, deadline: number): Promise<void> {
  for (;;) {
    try {
      await call(rpc, rpc.listServices, ListServicesRequest.fromPartial({ pageSize: 1 }), {
        deadlineMs: 2_000,
      });
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(200);
    }
  }
}
