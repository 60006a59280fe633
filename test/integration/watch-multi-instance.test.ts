/**
 * WatchSlotAvailability across instances: two apps on the same database and
 * Redis. A change made through one instance reaches subscribers of the
 * other; a subscriber that resumes (on either instance) from the last
 * revision it saw gets exactly what it missed; and under concurrent changes
 * from both instances no slot ever goes back to an older state, and every
 * subscriber ends with what the database holds.
 */
import { status as Code } from '@grpc/grpc-js';
import { SlotStatus } from '../../src/gen/booking/v1/resources';
import { serviceWithSlots } from '../factories';
import { decodeError, rpc, startTestApp, type Rpc, type TestApp } from '../support/harness';
import {
  changeSummary,
  openWatch,
  statusName,
  strictlyIncreasing,
  WatchEventType,
  type Watch,
  type WatchResponse,
} from '../support/watch-client';

let a: TestApp;
let b: TestApp;
let apiA: Rpc;
let apiB: Rpc;
const opened: Watch[] = [];
const watch = (...args: Parameters<typeof openWatch>): Watch => {
  const w = openWatch(...args);
  opened.push(w);
  return w;
};

beforeAll(async () => {
  const env = { RECONCILER_ENABLED: 'false' };
  a = await startTestApp(env);
  b = await startTestApp(env, { database: a.database });
  apiA = rpc(a.client);
  apiB = rpc(b.client);
});
afterEach(() => {
  for (const w of opened.splice(0)) if (!w.ended) w.cancel();
});
afterAll(async () => {
  await b.stop();
  await a.stop();
});

/** CHANGE messages as comparable rows: service revision, slot, new and previous status. */
const rows = (changes: WatchResponse[]) => changes.map((m) => [m.revision, ...changeSummary(m)]);

it('delivers a change made through one instance to subscribers of the other', async () => {
  const { service, slotIds } = await serviceWithSlots(apiA);
  const onA = watch(a.client, { serviceId: service.id, sendInitialSnapshot: true }, { label: 'on A' });
  const onB = watch(b.client, { serviceId: service.id, sendInitialSnapshot: true }, { label: 'on B' });
  const [syncedA, syncedB] = await Promise.all([onA.synced(), onB.synced()]);
  expect(onB.snapshots().map((m) => m.slot!.id)).toEqual(slotIds);

  const booked = await apiA.bookSlot({ slotId: slotIds[0]!, userId: 'cross-user' });
  const [onBChange] = await onB.waitForChanges(1);
  expect(changeSummary(onBChange!)).toEqual([slotIds[0], 'SLOT_STATUS_BOOKED', 'SLOT_STATUS_AVAILABLE']);
  expect(onBChange!.slot!.revision).toBe(booked.appointment!.slot!.revision);
  expect(onBChange!.revision).toBeGreaterThan(Math.max(syncedA.revision, syncedB.revision));

  await apiB.cancelAppointment({ appointmentId: booked.appointment!.id, userId: 'cross-user', reason: '' });
  await onA.waitForChanges(2);
  await onB.waitForChanges(2);
  // One log: both instances deliver the same changes with the same revisions.
  expect(rows(onA.changes())).toEqual(rows(onB.changes()));
  expect(changeSummary(onA.changes()[1]!)).toEqual([
    slotIds[0],
    'SLOT_STATUS_AVAILABLE',
    'SLOT_STATUS_BOOKED',
  ]);
});

describe('resuming from the last revision seen', () => {
  it('delivers exactly the changes missed meanwhile (made through both instances), in order, on either instance', async () => {
    const { service, slotIds } = await serviceWithSlots(apiA);
    const serviceId = service.id;
    const s = (i: number) => slotIds[i]!;
    // Stays connected throughout: the changes as they happened.
    const reference = watch(a.client, { serviceId, sendInitialSnapshot: true }, { label: 'reference' });
    const first = watch(b.client, { serviceId, sendInitialSnapshot: true }, { label: 'first' });
    await reference.synced();
    await first.synced();

    const booked = await apiA.bookSlot({ slotId: s(0), userId: 'u-resume' });
    const hold = await apiB.holdSlot({ slotId: s(1), userId: 'u-resume', ttlSeconds: 300 });
    await apiA.setSlotStatus({ slotId: s(2), status: SlotStatus.SLOT_STATUS_LOCKED });
    await first.waitForChanges(3);
    const last = first.lastRevision();
    first.cancel();
    expect((await first.ending()).code).toBe(Code.CANCELLED);

    // Missed by `first`: five changes, through both instances.
    await apiB.cancelAppointment({ appointmentId: booked.appointment!.id, userId: 'u-resume', reason: '' });
    await apiA.releaseHold({ holdToken: hold.holdToken, userId: 'u-resume' });
    await apiB.bookSlot({ slotId: s(3), userId: 'u-resume' });
    await apiB.setSlotStatus({ slotId: s(2), status: SlotStatus.SLOT_STATUS_AVAILABLE });
    await apiA.bookSlot({ slotId: s(4), userId: 'u-resume' });
    await reference.waitForChanges(8);

    const onA = watch(a.client, { serviceId, sinceRevision: last }, { label: 'resumed on A' });
    const onB = watch(b.client, { serviceId, sinceRevision: last }, { label: 'resumed on B' });
    await onA.waitForChanges(5);
    await onB.waitForChanges(5);
    // Then live: one more change, after which nothing else may have arrived.
    await apiB.bookSlot({ slotId: s(5), userId: 'u-resume' });
    await reference.waitForChanges(9);
    await onA.waitForChanges(6);
    await onB.waitForChanges(6);

    const missed = reference.changes().slice(3);
    expect(rows(first.changes())).toEqual(rows(reference.changes().slice(0, 3)));
    expect(rows(onA.changes())).toEqual(rows(missed));
    expect(rows(onB.changes())).toEqual(rows(missed));
    expect(missed.map(changeSummary)).toEqual([
      [s(0), 'SLOT_STATUS_AVAILABLE', 'SLOT_STATUS_BOOKED'],
      [s(1), 'SLOT_STATUS_AVAILABLE', 'SLOT_STATUS_LOCKED'],
      [s(3), 'SLOT_STATUS_BOOKED', 'SLOT_STATUS_AVAILABLE'],
      [s(2), 'SLOT_STATUS_AVAILABLE', 'SLOT_STATUS_LOCKED'],
      [s(4), 'SLOT_STATUS_BOOKED', 'SLOT_STATUS_AVAILABLE'],
      [s(5), 'SLOT_STATUS_BOOKED', 'SLOT_STATUS_AVAILABLE'],
    ]);
    expect(missed[0]!.revision).toBeGreaterThan(last);
    // A resumed stream sends no snapshot.
    for (const w of [onA, onB]) {
      expect(w.ofType(WatchEventType.WATCH_EVENT_TYPE_SNAPSHOT)).toEqual([]);
      expect(w.ofType(WatchEventType.WATCH_EVENT_TYPE_SYNCED)).toEqual([]);
    }
  });

  it('misses nothing and repeats nothing when it resumes while changes keep coming', async () => {
    const { service, slotIds } = await serviceWithSlots(apiA);
    const serviceId = service.id;
    const reference = watch(a.client, { serviceId, sendInitialSnapshot: true }, { label: 'reference' });
    const segments: Watch[] = [
      watch(b.client, { serviceId, sendInitialSnapshot: true }, { label: 'segment 0' }),
    ];
    await reference.synced();
    await segments[0]!.synced();

    // 16 bookings, alternating instances, one after another; meanwhile the
    // subscriber hops between instances, resuming from its last revision
    // without waiting for the changes to settle.
    const traffic = (async () => {
      for (let i = 0; i < slotIds.length; i++) {
        await (i % 2 === 0 ? apiA : apiB).bookSlot({ slotId: slotIds[i]!, userId: `hop-${i}` });
      }
    })();
    for (let hop = 1; hop <= 5; hop++) {
      const current = segments.at(-1)!;
      await current.waitForChanges(2); // some changes per segment
      current.cancel();
      await current.ending();
      const since = current.lastRevision();
      const next = watch(
        hop % 2 === 0 ? b.client : a.client,
        { serviceId, sinceRevision: since },
        {
          label: `segment ${hop}`,
        },
      );
      segments.push(next);
    }
    await traffic;
    await reference.waitForChanges(slotIds.length);
    await segments
      .at(-1)!
      .waitFor((w) => w.lastRevision() === reference.lastRevision(), 'the last segment to catch up');

    // Each segment's changes continue where the previous one's ended.
    const stitched = segments.flatMap((w) => w.changes());
    expect(rows(stitched)).toEqual(rows(reference.changes()));
    expect(new Set(stitched.map((m) => m.slot!.id)).size).toBe(slotIds.length);
  });
});

it('never shows a slot going back, and ends with the database state, under concurrent changes through both instances', async () => {
  const { service, slotIds } = await serviceWithSlots(apiA);
  const serviceId = service.id;
  const slots = slotIds.slice(0, 5);
  const watchers = [
    watch(a.client, { serviceId, sendInitialSnapshot: true }, { label: 'on A' }),
    watch(b.client, { serviceId, sendInitialSnapshot: true }, { label: 'on B' }),
  ];
  await Promise.all(watchers.map((w) => w.synced()));

  // 50 operations by 10 concurrent workers, each through a random instance:
  // book a slot, cancel an appointment the test made, or block / unblock a
  // slot. SLOT_BUSY (another booking of the slot in progress) is retried.
  const appointments = new Map<string, { id: string; userId: string }>(); // slot id -> appointment
  let seed = 12345;
  const random = (n: number) => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return Math.floor((seed / 2_147_483_648) * n); // the high bits: an LCG's low bits cycle
  };
  const outcomes = new Map<string, number>();
  const count = (what: string) => outcomes.set(what, (outcomes.get(what) ?? 0) + 1);
  const operation = async (api: Rpc, slotId: string, kind: number, userId: string) => {
    const mine = appointments.get(slotId);
    if (kind === 0) {
      const blocked = random(2) === 0;
      await api.setSlotStatus({
        slotId,
        status: blocked ? SlotStatus.SLOT_STATUS_LOCKED : SlotStatus.SLOT_STATUS_AVAILABLE,
      });
      return blocked ? 'blocked' : 'unblocked';
    }
    if (mine && kind > 1) {
      appointments.delete(slotId);
      await api.cancelAppointment({ appointmentId: mine.id, userId: mine.userId, reason: '' });
      return 'cancelled';
    }
    const res = await api.bookSlot({ slotId, userId });
    appointments.set(slotId, { id: res.appointment!.id, userId });
    return 'booked';
  };
  const worker = async (w: number) => {
    for (let op = 0; op < 5; op++) {
      const api = random(2) === 0 ? apiA : apiB;
      const slotId = slots[random(slots.length)]!;
      const kind = random(4);
      for (let attempt = 1; ; attempt++) {
        try {
          count(await operation(api, slotId, kind, `worker-${w}-${op}`));
          break;
        } catch (err) {
          const e = decodeError(err);
          expect(['SLOT_BUSY', 'SLOT_UNAVAILABLE', 'SLOT_BOOKED', 'SLOT_HELD']).toContain(e.reason);
          count(e.reason!);
          if (e.reason !== 'SLOT_BUSY' || attempt === 5) break;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: 10 }, (_, w) => worker(w)));
  expect(outcomes.get('booked') ?? 0).toBeGreaterThan(5);

  // After things settle, each subscriber's view equals the stored state.
  const stored = new Map(
    (await apiA.listSlots({ serviceId, pageSize: 100 })).slots
      .filter((s) => slots.includes(s.id))
      .map((s) => [s.id, s]),
  );
  expect(stored.size).toBe(5);
  for (const w of watchers) {
    await w.waitFor((x) => {
      const view = x.view();
      return slots.every((id) => view.get(id)?.revision === stored.get(id)!.revision);
    }, 'the view to reach the stored revisions');
    const view = w.view();
    for (const id of slots) {
      expect([id, statusName(view.get(id)!.status)]).toEqual([id, statusName(stored.get(id)!.status)]);
    }

    // Never backwards: per slot, its revision only grows across SNAPSHOT and CHANGE.
    const perSlot = new Map<string, WatchResponse[]>();
    for (const m of w.messages) if (m.slot) perSlot.set(m.slot.id, [...(perSlot.get(m.slot.id) ?? []), m]);
    for (const id of slots) {
      const seen = perSlot.get(id)!;
      expect([id, strictlyIncreasing(seen.map((m) => m.slot!.revision))]).toEqual([id, true]);
      // Consecutive CHANGEs of a slot chain up: each one's previous status is the one before's status.
      for (let i = 1; i < seen.length; i++) {
        if (seen[i - 1]!.type !== WatchEventType.WATCH_EVENT_TYPE_CHANGE) continue;
        expect(statusName(seen[i]!.previousStatus)).toBe(statusName(seen[i - 1]!.slot!.status));
      }
    }
    // Service revisions: SNAPSHOTs at SYNCED's, then CHANGEs strictly growing after it.
    const synced = w.ofType(WatchEventType.WATCH_EVENT_TYPE_SYNCED)[0]!;
    const changes = w.changes();
    expect(strictlyIncreasing([synced.revision, ...changes.map((m) => m.revision)])).toBe(true);
  }
  // Both instances delivered the same sequence.
  expect(rows(watchers[0]!.changes())).toEqual(rows(watchers[1]!.changes()));
});
