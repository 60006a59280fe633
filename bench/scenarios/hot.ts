/** 2. Hot slots: a burst of clients on every slot, one winner each, against the bare-driver floor. */
import { BookSlotRequest } from '../../src/gen/booking/v1/booking_service';
import { ObjectId, slotDocs, wipe } from '../lib/docs';
import { call } from '../lib/grpc';
import { diffCounts, total } from '../lib/stats';
import type { JobResult } from '../jobs/types';
import { hotBurst } from './burst';
import type { Ctx } from './context';
import { counters, opsOf, outcomes, round, startIn, sum, summary } from './measure';
import { createService, insertSlots, refOf, utcMidnight } from './slots';

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
  const { per, rs, cpu, profile, server, before, after, perClient, stats, winsBySlot, ...losing } =
    await hotBurst(ctx, {
      slotIds: hotDocs.map((d) => d._id.toHexString()),
      perSlot,
      prefix: 'w',
      retries,
      backoffMs,
      profileAs: 'hot',
    });
  const ops = diffCounts(after.mongo, before.mongo);
  const redisOps = diffCounts(after.redis, before.redis);
  const out = outcomes(rs);
  const attempts = sum(rs.map((r) => r.latency.n));
  const wallMs = Math.max(...rs.map((r) => r.wallMs));
  const hotIds = hotDocs.map((d) => d._id);
  const storedWinners = await ctx.appDb
    .collection('appointments')
    .countDocuments({ slotId: { $in: hotIds }, status: 'CONFIRMED' });
  const successes = out.OK ?? 0;
  const totalOps = total(ops);
  const loserOpsGlobal = totalOps - successes * winnerOps;
  const logicalClients = slots * perSlot;
  const losers = logicalClients - successes;
  const { losingAttempts, losingAttemptsWithoutOps } = losing;

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
