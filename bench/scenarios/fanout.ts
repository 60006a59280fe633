/** 4. Watch fan-out: many subscribers, a booking every few ms, commit-to-delivery delays. */
import { slotDocs, wipe } from '../lib/docs';
import { control, type Worker } from '../lib/procs';
import { mergeAll, sleep, waitForCount } from '../lib/stats';
import type { JobResult } from '../jobs/types';
import type { Ctx } from './context';
import { outcomes, profileServer, round, split, startIn, sum, summary, watchServer } from './measure';
import { createService, insertSlots, utcMidnight } from './slots';

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
  await waitForCount(
    async () => sum(await Promise.all(subs.map((w) => w.run<number>({ kind: 'progress' }, 60_000)))),
    expected,
    { pollMs: 500, stallMs: 5_000, maxMs: 180_000 },
  );
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
