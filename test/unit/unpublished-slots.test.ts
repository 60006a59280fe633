import type { SlotRecord, SlotStatus } from '../../src/domain/types';
import { unclaimedSlotRecord } from '../../bench/lib/slot-record';
import { UnpublishedSlots } from '../../src/infra/redis/unpublished-slots';

const slot = (id: string, revision: number): SlotRecord =>
  unclaimedSlotRecord({
    id,
    serviceId: 's',
    startTime: new Date(0),
    endTime: new Date(1),
    status: 'LOCKED',
    revision,
    updatedAt: new Date(0),
  });

/** A publisher that fails while `down`, recording what it was asked to publish. */
function publisher() {
  const calls: [string, number, SlotStatus | null][] = [];
  const p = {
    down: true,
    calls,
    publish: (s: SlotRecord, before: SlotStatus | null): Promise<number> => {
      calls.push([s.id, s.revision, before]);
      return p.down ? Promise.reject(new Error('Redis down')) : Promise.resolve(1);
    },
  };
  return p;
}

const settle = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

it('retries with a doubling delay until a publish succeeds, then forgets the slot', async () => {
  const p = publisher();
  const republished: number[] = [];
  const u = new UnpublishedSlots(
    p.publish,
    { initialDelayMs: 100, maxDelayMs: 400, maxEntries: 10 },
    { onRepublished: (n) => republished.push(n), onDropped: () => undefined },
  );
  u.add(slot('a', 2), 'AVAILABLE');
  await jest.advanceTimersByTimeAsync(99);
  expect(p.calls).toHaveLength(0);
  await jest.advanceTimersByTimeAsync(1); // 100 ms
  expect(p.calls).toHaveLength(1);
  await jest.advanceTimersByTimeAsync(200); // then 200 ms
  expect(p.calls).toHaveLength(2);
  await jest.advanceTimersByTimeAsync(400); // then 400 ms (the cap)
  await jest.advanceTimersByTimeAsync(400);
  expect(p.calls).toHaveLength(4);
  expect(u.size).toBe(1);
  p.down = false;
  await jest.advanceTimersByTimeAsync(400);
  expect(p.calls).toHaveLength(5);
  expect(p.calls[4]).toEqual(['a', 2, 'AVAILABLE']);
  expect(u.size).toBe(0);
  expect(republished).toEqual([1]);
  await jest.advanceTimersByTimeAsync(10_000);
  expect(p.calls).toHaveLength(5);
  u.close();
});

it('keeps only the newest state of a slot, with the status it had before the oldest kept one', async () => {
  const p = publisher();
  const u = new UnpublishedSlots(
    p.publish,
    { initialDelayMs: 100, maxDelayMs: 100, maxEntries: 10 },
    { onRepublished: () => undefined, onDropped: () => undefined },
  );
  u.add(slot('a', 2), 'AVAILABLE');
  u.add(slot('a', 3), 'LOCKED');
  u.add(slot('a', 1), 'BOOKED'); // older: ignored
  p.down = false;
  u.retryNow();
  await settle();
  expect(p.calls).toEqual([['a', 3, 'AVAILABLE']]);
  expect(u.size).toBe(0);
  u.close();
});

it('retries at once when told the connection is back, and drops the oldest beyond maxEntries', async () => {
  const p = publisher();
  const dropped: number[] = [];
  const u = new UnpublishedSlots(
    p.publish,
    { initialDelayMs: 60_000, maxDelayMs: 60_000, maxEntries: 2 },
    { onRepublished: () => undefined, onDropped: (n) => dropped.push(n) },
  );
  u.add(slot('a', 1), null);
  u.add(slot('b', 1), null);
  u.add(slot('c', 1), null);
  expect(dropped).toEqual([1]);
  expect(u.size).toBe(2);
  p.down = false;
  u.retryNow();
  await settle();
  expect(p.calls.map((c) => c[0]).sort()).toEqual(['b', 'c']);
  expect(u.size).toBe(0);
  u.close();
});
