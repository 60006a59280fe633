/**
 * Redis goes away for a moment during a burst of changes: no subscriber
 * silently misses a change. The app's Redis (its own, with an append-only
 * file so its data survives the restart) is killed and started again on the
 * same port while slots keep changing; with the reconciler off, only the
 * publisher's own retry can announce the changes made meanwhile. Every
 * subscriber, batched or not, either receives every change or its stream
 * ends with a resumable status, and resuming from the last revision it saw
 * delivers exactly what it missed.
 */
import { status as Code } from '@grpc/grpc-js';
import { SlotStatus } from '../../src/gen/booking/v1/resources';
import { serviceWithSlots, timeOfDay } from '../factories';
import { rpc, startTestApp, type Rpc, type TestApp } from '../support/harness';
import { startPrivateRedis, type KillableServer } from '../support/processes';
import {
  openWatch,
  strictlyIncreasing,
  until,
  WatchEventType,
  type Watch,
  type WatchResponse,
} from '../support/watch-client';

let redis: KillableServer;
let t: TestApp;
let api: Rpc;

beforeAll(async () => {
  redis = await startPrivateRedis(['--appendonly', 'yes', '--appendfsync', 'always']);
  t = await startTestApp({
    REDIS_URL: redis.uri,
    RECONCILER_ENABLED: 'false',
    REDIS_COMMAND_TIMEOUT_MS: '300',
  });
  api = rpc(t.client);
});
afterAll(async () => {
  await t?.stop();
  await redis?.dispose();
});

/** Every change a message carries (a batched message's one by one), as [revision, slot id, status]. */
const changesOf = (messages: readonly WatchResponse[]): [number, string, SlotStatus][] =>
  messages.flatMap((m) =>
    m.changes.length > 0
      ? m.changes.map((c): [number, string, SlotStatus] => [c.revision, c.slot!.id, c.slot!.status])
      : m.slot && m.type === WatchEventType.WATCH_EVENT_TYPE_CHANGE
        ? [[m.revision, m.slot.id, m.slot.status] as [number, string, SlotStatus]]
        : [],
  );

it('delivers every change made while Redis was away, or ends the stream resumably (and the resume delivers the rest)', async () => {
  const { service, slotIds } = await serviceWithSlots(api, {
    timeZone: 'UTC',
    openingTime: timeOfDay(0),
    closingTime: timeOfDay(24),
    slotDurationMinutes: 30,
  });
  expect(slotIds).toHaveLength(48);

  const watches: Watch[] = [];
  for (let i = 0; i < 6; i++) {
    watches.push(
      openWatch(
        t.client,
        { serviceId: service.id, sendInitialSnapshot: true, batchChanges: i % 2 === 0 },
        { label: `${i % 2 === 0 ? 'batched' : 'single'} ${i}` },
      ),
    );
  }
  for (const w of watches) await w.synced();

  // The burst: each slot LOCKED once, a few at a time; Redis is killed after the
  // first third and started again (same port, same data) a moment later.
  let outage: Promise<void> | undefined;
  for (let i = 0; i < slotIds.length; i += 4) {
    if (i === 16) {
      await redis.kill();
      outage = new Promise((r) => setTimeout(r, 1_500)).then(() => redis.start());
    }
    await Promise.all(
      slotIds
        .slice(i, i + 4)
        .map((slotId) => api.setSlotStatus({ slotId, status: SlotStatus.SLOT_STATUS_LOCKED })),
    );
    await new Promise((r) => setTimeout(r, 50));
  }
  await outage;

  const expected = [...slotIds].sort();
  const complete = (w: Watch): boolean => changesOf(w.messages).length >= slotIds.length;
  await until(() => watches.every((w) => complete(w) || w.ended), 'every subscriber complete or ended', {
    timeoutMs: 30_000,
    detail: () => watches.map((w) => w.describe()).join('\n'),
  });

  for (const w of watches) {
    let seen = changesOf(w.messages);
    if (!complete(w)) {
      // Ended: with a status that says "resume", never OK or a silent stop.
      expect(w.end).toBeDefined();
      expect([Code.UNAVAILABLE, Code.RESOURCE_EXHAUSTED]).toContain(w.end!.code);
      const last = seen.length > 0 ? seen[seen.length - 1]![0] : w.lastRevision();
      const resumed = openWatch(
        t.client,
        { serviceId: service.id, sinceRevision: last },
        { label: `${w.label} resumed` },
      );
      try {
        await resumed.waitFor(
          (r) => seen.length + changesOf(r.messages).length >= slotIds.length,
          'the missed changes',
        );
        seen = [...seen, ...changesOf(resumed.messages)];
      } finally {
        resumed.cancel();
      }
    }
    // Each slot's change exactly once, as LOCKED, in revision order.
    expect(seen.map((c) => c[1]).sort()).toEqual(expected);
    expect(seen.every((c) => c[2] === SlotStatus.SLOT_STATUS_LOCKED)).toBe(true);
    expect(strictlyIncreasing(seen.map((c) => c[0]))).toBe(true);
  }
  for (const w of watches) if (!w.ended) w.cancel();
});
