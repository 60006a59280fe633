/**
 * WatchSlotAvailability across instances: two apps on the same database and
 * Redis. A change made through one instance reaches subscribers of the other,
 * and a subscriber that resumes (on either instance) from the last revision it
 * saw gets exactly what it missed.
 */
import { status as Code } from '@grpc/grpc-js';
import { SlotStatus } from '../../../src/gen/booking/v1/resources';
import { serviceWithSlots, timeOfDay } from '../../factories';
import { changeSummary, WatchEventType, type Watch, type WatchResponse } from '../../support/watch-client';
import { a, apiA, apiB, b, useTwoWatchApps, watch } from '../../support/watch-app';

useTwoWatchApps({ RECONCILER_ENABLED: 'false' });

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
    // 96 slots: enough bookings to outlast the hops however fast they go.
    const { service, slotIds } = await serviceWithSlots(apiA, {
      timeZone: 'UTC',
      openingTime: timeOfDay(0),
      closingTime: timeOfDay(24),
      slotDurationMinutes: 15,
    });
    const serviceId = service.id;
    const reference = watch(a.client, { serviceId, sendInitialSnapshot: true }, { label: 'reference' });
    const segments: Watch[] = [
      watch(b.client, { serviceId, sendInitialSnapshot: true }, { label: 'segment 0' }),
    ];
    await reference.synced();
    await segments[0]!.synced();

    // Bookings alternating between instances, one after another, until the
    // subscriber is done hopping between instances, resuming from its last
    // revision without waiting for the changes to settle. (The traffic runs as
    // long as the hops do: a segment opened after the last change would have
    // nothing to receive.)
    let hopping = true;
    const traffic = (async () => {
      let booked = 0;
      while (hopping) {
        if (booked === slotIds.length) throw new Error(`the ${booked} slots ran out before the hops ended`);
        await (booked % 2 === 0 ? apiA : apiB).bookSlot({
          slotId: slotIds[booked]!,
          userId: `hop-${booked}`,
        });
        booked += 1;
      }
      return booked;
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
    await segments.at(-1)!.waitForChanges(2);
    hopping = false;
    const booked = await traffic;
    await reference.waitForChanges(booked);
    await segments
      .at(-1)!
      .waitFor((w) => w.lastRevision() === reference.lastRevision(), 'the last segment to catch up');

    // Each segment's changes continue where the previous one's ended.
    const stitched = segments.flatMap((w) => w.changes());
    expect(rows(stitched)).toEqual(rows(reference.changes()));
    expect(new Set(stitched.map((m) => m.slot!.id)).size).toBe(booked);
  });
});
