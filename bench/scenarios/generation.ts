/** 5. Slot generation: GenerateSlots over many days, against a bare insertMany. */
import { wipe } from '../lib/docs';
import { diffCounts, waitForCount } from '../lib/stats';
import type { JobResult } from '../jobs/types';
import type { Ctx } from './context';
import { counters, round, rpcStats } from './measure';
import { createService, utcMidnight } from './slots';

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
  await waitForCount(() => ctx.redis.hlen(key), created, { pollMs: 200, stallMs: 10_000, maxMs: 600_000 });
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
