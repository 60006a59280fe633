/**
 * Batched CHANGE messages (`batch_changes`): a subscriber that is behind by
 * several changes gets them in one message's `changes`, in revision order,
 * each as a single CHANGE would carry it; a client that did not ask (an
 * old-style client) still gets every change in a message of its own, with
 * `changes` empty.
 */
import { SlotStatus } from '../../src/gen/booking/v1/resources';
import { serviceWithSlots, timeOfDay } from '../factories';
import { rpc, startTestApp, type Rpc, type TestApp } from '../support/harness';
import { openWatch, strictlyIncreasing, type Watch, type WatchResponse } from '../support/watch-client';

let t: TestApp;
let api: Rpc;
const opened: Watch[] = [];
const watch = (...args: Parameters<typeof openWatch>): Watch => {
  const w = openWatch(...args);
  opened.push(w);
  return w;
};

beforeAll(async () => {
  t = await startTestApp({ RECONCILER_ENABLED: 'false' });
  api = rpc(t.client);
});
afterEach(() => {
  for (const w of opened.splice(0)) if (!w.ended) w.cancel();
});
afterAll(() => t.stop());

/** Every change delivered, a batch's one by one: [revision, slot id, status, previous status]. */
const flat = (w: Watch): [number, string, SlotStatus, SlotStatus][] =>
  w
    .changes()
    .flatMap((m: WatchResponse) =>
      m.changes.length > 0
        ? m.changes.map((c): [number, string, SlotStatus, SlotStatus] => [
            c.revision,
            c.slot!.id,
            c.slot!.status,
            c.previousStatus,
          ])
        : [
            [m.revision, m.slot!.id, m.slot!.status, m.previousStatus] as [
              number,
              string,
              SlotStatus,
              SlotStatus,
            ],
          ],
    );

async function allDayService(): Promise<{ serviceId: string; slotIds: string[] }> {
  const { service, slotIds } = await serviceWithSlots(api, {
    timeZone: 'UTC',
    openingTime: timeOfDay(0),
    closingTime: timeOfDay(24),
    slotDurationMinutes: 60,
  });
  return { serviceId: service.id, slotIds };
}

it('a batched subscriber behind by several changes gets them in one message; an old-style one gets one message each', async () => {
  const { serviceId, slotIds } = await allDayService();
  const live = watch(t.client, { serviceId, sendInitialSnapshot: true }, { label: 'live' });
  const r0 = (await live.synced()).revision;
  for (const id of slotIds.slice(0, 5))
    await api.setSlotStatus({ slotId: id, status: SlotStatus.SLOT_STATUS_LOCKED });
  await live.waitForChanges(5);
  const truth = flat(live);
  expect(truth.map((c) => c[1])).toEqual(slotIds.slice(0, 5));

  // Behind by five: resuming from before them.
  const batched = watch(t.client, { serviceId, sinceRevision: r0, batchChanges: true }, { label: 'batched' });
  await batched.waitFor((w) => flat(w).length >= 5, 'five changes');
  const [message, ...rest] = batched.changes();
  expect(rest).toEqual([]);
  expect(message!.changes).toHaveLength(5);
  expect(message!.slot).toBeUndefined();
  expect(message!.previousStatus).toBe(SlotStatus.SLOT_STATUS_UNSPECIFIED);
  expect(message!.revision).toBe(truth[4]![0]);
  expect(flat(batched)).toEqual(truth);
  expect(truth.every((c) => c[2] === SlotStatus.SLOT_STATUS_LOCKED)).toBe(true);
  expect(truth.every((c) => c[3] === SlotStatus.SLOT_STATUS_AVAILABLE)).toBe(true);

  const single = watch(t.client, { serviceId, sinceRevision: r0 }, { label: 'old-style' });
  await single.waitForChanges(5);
  expect(single.changes().every((m) => m.changes.length === 0 && m.slot !== undefined)).toBe(true);
  expect(flat(single)).toEqual(truth);
});

it('during a burst, an old-style subscriber gets every change alone and a batched one the same changes', async () => {
  const { serviceId, slotIds } = await allDayService();
  const single = watch(t.client, { serviceId, sendInitialSnapshot: true }, { label: 'old-style' });
  const batched = watch(
    t.client,
    { serviceId, sendInitialSnapshot: true, batchChanges: true },
    { label: 'batched' },
  );
  await single.synced();
  await batched.synced();
  // A burst: every slot at once (concurrent publishes reach the reader together).
  await Promise.all(
    slotIds.map((id) => api.setSlotStatus({ slotId: id, status: SlotStatus.SLOT_STATUS_LOCKED })),
  );
  await single.waitForChanges(slotIds.length);
  await batched.waitFor((w) => flat(w).length >= slotIds.length, 'every change');

  expect(single.changes()).toHaveLength(slotIds.length);
  expect(single.changes().every((m) => m.changes.length === 0)).toBe(true);
  expect(flat(batched)).toEqual(flat(single));
  expect(new Set(flat(single).map((c) => c[1]))).toEqual(new Set(slotIds));
  expect(strictlyIncreasing(flat(single).map((c) => c[0]))).toBe(true);
  // Nothing more arrives for either.
  await new Promise((r) => setTimeout(r, 300));
  expect(flat(batched)).toHaveLength(slotIds.length);
  expect(single.changes()).toHaveLength(slotIds.length);
});
