/** 1. Spread: closed-loop clients booking their own slots, against the bare-driver floor. */
import { ObjectId, slotDocs, wipe } from '../lib/docs';
import { diffCounts, total } from '../lib/stats';
import type { JobResult } from '../jobs/types';
import type { Ctx } from './context';
import {
  counters,
  opsOf,
  outcomes,
  profileServer,
  round,
  rpcStats,
  split,
  startIn,
  sum,
  summary,
  watchServer,
} from './measure';
import { createService, insertSlots, refOf, utcMidnight } from './slots';

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
