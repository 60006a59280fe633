/** 6. History: paging through one user's appointments, against the bare-driver queries. */
import { claimDoc, ObjectId, slotDocs, wipe } from '../lib/docs';
import { diffCounts, total } from '../lib/stats';
import type { JobResult } from '../jobs/types';
import type { Ctx } from './context';
import { counters, round, rpcStats, summary } from './measure';
import { createService, insertSlots, utcMidnight } from './slots';

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
