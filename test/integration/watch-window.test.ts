/**
 * The fan-out's coalescing window (WATCH_BATCH_WINDOW_MS): changes read
 * within a window of a service's previous fan-out reach a batched subscriber
 * as one message, while an old-style subscriber still gets one message per
 * change; a subscriber joining at the delivered position while changes are
 * held gets each of them exactly once; with 0 every change goes out alone,
 * as before the window existed.
 */
import { SlotStatus } from '../../src/gen/booking/v1/resources';
import { serviceWithSlots } from '../factories';
import { rpc, startTestApp, type Rpc, type TestApp } from '../support/harness';
import { openWatch, strictlyIncreasing, type Watch, type WatchResponse } from '../support/watch-client';

/** Long enough for four changes made 100 ms apart on a loaded machine. */
const WINDOW_MS = 6_000;

/** Every change a stream got, a batch's one by one, as "revision slot-id". */
const flat = (w: Watch): string[] =>
  w.changes().flatMap((m: WatchResponse) => {
    const each = m.changes.length > 0 ? m.changes : [m];
    return each.map((c) => `${c.revision} ${c.slot!.id}`);
  });
/** Changes per message. */
const sizes = (w: Watch): number[] => w.changes().map((m) => Math.max(1, m.changes.length));

/** Locks `slotIds` one by one, 100 ms apart (each change read from the log on its own). */
async function lockOneByOne(api: Rpc, slotIds: readonly string[]): Promise<void> {
  for (const slotId of slotIds) {
    await api.setSlotStatus({ slotId, status: SlotStatus.SLOT_STATUS_LOCKED });
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.each([
  ['a window', String(WINDOW_MS)],
  ['no window', '0'],
])('WATCH_BATCH_WINDOW_MS with %s (%s)', (_, windowMs) => {
  let t: TestApp;
  let api: Rpc;
  const opened: Watch[] = [];
  beforeAll(async () => {
    t = await startTestApp({ RECONCILER_ENABLED: 'false', WATCH_BATCH_WINDOW_MS: windowMs });
    api = rpc(t.client);
  });
  afterAll(async () => {
    for (const w of opened) if (!w.ended) w.cancel();
    await t.stop();
  });

  it('batched subscribers get the changes of one window in one message, old-style ones one message each', async () => {
    const { service, slotIds } = await serviceWithSlots(api);
    const serviceId = service.id;
    const request = { serviceId, sendInitialSnapshot: true };
    const batched = openWatch(t.client, { ...request, batchChanges: true }, { label: 'batched' });
    const single = openWatch(t.client, request, { label: 'old-style' });
    opened.push(batched, single);
    await batched.synced();
    await single.synced();

    // The first change after a quiet spell goes at once.
    await lockOneByOne(api, slotIds.slice(0, 1));
    await batched.waitForChanges(1);
    await single.waitForChanges(1);
    const first = single.changes()[0]!.revision;

    // Four more, each read on its own; a subscriber joins at the first one meanwhile.
    await lockOneByOne(api, slotIds.slice(1, 3));
    const late = openWatch(
      t.client,
      { serviceId, sinceRevision: first, batchChanges: true },
      { label: 'late' },
    );
    opened.push(late);
    await lockOneByOne(api, slotIds.slice(3, 5));
    await single.waitForChanges(5, WINDOW_MS + 20_000);
    await batched.waitFor((w) => flat(w).length >= 5, 'five changes', { timeoutMs: WINDOW_MS + 20_000 });
    await late.waitFor((w) => flat(w).length >= 4, 'four changes', { timeoutMs: WINDOW_MS + 20_000 });

    const truth = flat(single);
    expect(truth.map((c) => c.split(' ')[1])).toEqual(slotIds.slice(0, 5));
    expect(strictlyIncreasing(truth.map((c) => Number(c.split(' ')[0])))).toBe(true);
    expect(single.changes().every((m) => m.changes.length === 0 && m.slot !== undefined)).toBe(true);
    expect(flat(batched)).toEqual(truth);
    expect(flat(late)).toEqual(truth.slice(1));
    if (windowMs === '0') {
      // As before the window: each change alone (the late one reads two as history, together).
      expect(sizes(batched)).toEqual([1, 1, 1, 1, 1]);
    } else {
      expect(sizes(batched)).toEqual([1, 4]);
      expect(sizes(late)).toEqual([4]);
    }
    // Nothing more arrives.
    await new Promise((r) => setTimeout(r, 300));
    expect(flat(batched)).toHaveLength(5);
    expect(flat(late)).toHaveLength(4);
    expect(single.changes()).toHaveLength(5);
  });
});
