/**
 * The changes `npm run bench -- --fanout` publishes: synthetic slots of the service, changed in turn
 * (AVAILABLE <-> BOOKED, the slot's revision bumped) at a fixed rate, straight into Redis with the
 * service's own publisher.
 */
import type { SlotRecord, SlotStatus } from '../../src/domain/types';
import type { RedisSlotEventLog } from '../../src/infra/redis/event-log';
import { ObjectId } from '../lib/docs';
import { unclaimedSlotRecord } from '../lib/slot-record';
import { sleep, wallNow } from '../lib/stats';
import type { Size } from './options';

/** 100 slots of the service, a day from now, 15 minutes each. */
export function syntheticSlots(serviceId: string): SlotRecord[] {
  const start = Date.now() + 86_400_000;
  return Array.from({ length: 100 }, (_, i) =>
    unclaimedSlotRecord({
      id: new ObjectId().toHexString(),
      serviceId,
      startTime: new Date(start + i * 900_000),
      endTime: new Date(start + (i + 1) * 900_000),
      status: 'AVAILABLE',
      revision: 1,
      updatedAt: new Date(),
    }),
  );
}

/**
 * Publishes size.perSecond changes a second for size.warmupSeconds + size.seconds; the revisions and
 * publish times of those that landed, and when the measured seconds began.
 */
export async function publishAtRate(
  publisher: RedisSlotEventLog,
  slots: SlotRecord[],
  size: Size,
): Promise<{
  revisions: number[];
  publishedAt: number[];
  failed: number;
  pubStart: number;
  pubEnd: number;
  measuredFrom: number;
}> {
  const total = Math.round(size.perSecond * (size.warmupSeconds + size.seconds));
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
  return {
    revisions,
    publishedAt,
    failed,
    pubStart,
    pubEnd,
    measuredFrom: pubStart + size.warmupSeconds * 1000,
  };
}
