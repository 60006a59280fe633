/**
 * The coalescing window follows a service's audience on the instance
 * (windowFor): WATCH_BATCH_WINDOW_MS per 1,000 subscribers, 1x to 5x. Real
 * Redis, the real event log and reader; the 5,000 subscribers are handler
 * objects (what a stream registers), so no gRPC stream is needed to count them.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { unclaimedSlotRecord } from '../../bench/lib/slot-record';
import type { SlotRecord } from '../../src/domain/types';
import { RedisSlotEventLog } from '../../src/infra/redis/event-log';
import type { EventSubscription, SlotEvent } from '../../src/use-cases/ports';
import { requireEnv } from '../support/harness';
import { eventually } from '../support/processes';

const BASE_MS = 300;

let redis: Redis;
let log: RedisSlotEventLog;
beforeAll(() => {
  redis = new Redis(requireEnv('REDIS_URL'), { maxRetriesPerRequest: 2 });
  log = new RedisSlotEventLog(
    redis,
    { maxLength: 1_000, blockMs: 1_000, batchWindowMs: BASE_MS },
    () => undefined,
  );
});
afterAll(() => redis.disconnect());

it('a service followed by 5,000 subscribers gets five windows between passes, and one again once they leave', async () => {
  const serviceId = randomBytes(12).toString('hex');
  const slot: SlotRecord = unclaimedSlotRecord({
    id: randomBytes(12).toString('hex'),
    serviceId,
    startTime: new Date(Date.now() + 86_400_000),
    endTime: new Date(Date.now() + 86_400_000 + 900_000),
    status: 'AVAILABLE',
    revision: 1,
    updatedAt: new Date(),
  });
  /** When the first subscriber got each revision (every subscriber gets it in the same pass). */
  const seenAt = new Map<number, number>();
  const subscriptions: EventSubscription[] = [];
  const failures: string[] = [];
  const handlers = (first: boolean) => ({
    onEvent: (e: SlotEvent) => void (first && !seenAt.has(e.revision) && seenAt.set(e.revision, Date.now())),
    onProgress: () => undefined,
    onError: (reason: unknown) => void failures.push(String(reason)),
    room: () => Promise.resolve(),
  });
  const from = await log.latestRevision(serviceId); // "from now", as a stream without since_revision
  for (let i = 0; i < 5_000; i++) subscriptions.push(await log.subscribe(serviceId, from, handlers(i === 0)));

  const change = async (): Promise<number> => {
    const before = slot.status;
    slot.status = before === 'AVAILABLE' ? 'BOOKED' : 'AVAILABLE';
    slot.revision += 1;
    slot.updatedAt = new Date();
    return log.publish({ ...slot }, before);
  };
  /** Two changes back to back: how long after the first the second reached the subscribers. */
  const gap = async (): Promise<number> => {
    await new Promise((r) => setTimeout(r, 5 * BASE_MS + 200)); // quiet: the first goes at once
    const a = await change();
    await eventually(() => Promise.resolve(seenAt.get(a)), { timeoutMs: 10_000, intervalMs: 10 });
    const b = await change();
    await eventually(() => Promise.resolve(seenAt.get(b)), { timeoutMs: 10_000, intervalMs: 10 });
    return seenAt.get(b)! - seenAt.get(a)!;
  };

  // 5,000 subscribers: 5 x 300 ms (without the scaling, 300 ms).
  expect(await gap()).toBeGreaterThanOrEqual(5 * BASE_MS - 100);
  // All but one leave: the window is the base again.
  for (const s of subscriptions.splice(1)) s.close();
  expect(await gap()).toBeLessThan(5 * BASE_MS - 100);
  subscriptions[0]!.close();
  expect(failures).toEqual([]);
}, 120_000);
