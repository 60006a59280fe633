/**
 * Slots of several places (issue 16 part 3): capacity on services and slots,
 * party sizes on bookings and holds, places taken and left on every slot
 * read, refusals with clear reasons, places given back by cancelling,
 * releasing and expiring, moved by rescheduling, shown on the watch stream,
 * and repaired by the reconciler after a crash between two writes.
 */
import { status as Code } from '@grpc/grpc-js';
import { Types } from 'mongoose';
import { SlotStatus, type Slot } from '../../src/gen/booking/v1/resources';
import { createService, futureDate, listAllSlots, serviceWithSlots } from '../factories';
import { failure, rpc, startTestApp, violatedFields, type Rpc, type TestApp } from '../support/harness';
import { placesSum, placesViolations, storedPlaces } from '../support/places';
import { openWatch, WatchEventType } from '../support/watch-client';

const {
  SLOT_STATUS_AVAILABLE: AVAILABLE,
  SLOT_STATUS_BOOKED: BOOKED,
  SLOT_STATUS_LOCKED: LOCKED,
} = SlotStatus;

let t: TestApp;
let api: Rpc;
beforeAll(async () => {
  t = await startTestApp({ RECONCILER_ENABLED: 'false', RECONCILER_GRACE_MS: '0' });
  api = rpc(t.client);
});
afterAll(() => t.stop());

async function slotNow(serviceId: string, slotId: string): Promise<Slot> {
  return (await listAllSlots(api, serviceId)).find((s) => s.id === slotId)!;
}

async function consistent(slotId: string): Promise<void> {
  const stored = await storedPlaces(t.db, slotId);
  expect(placesViolations(slotId, stored)).toEqual([]);
  expect(placesSum(stored.members)).toBe(placesSum(stored.active));
}

describe('capacity on services and slots', () => {
  it('defaults to 1; a capacity is copied into slots generated afterwards, and shown with places', async () => {
    const one = await createService(api);
    expect(one.capacity).toBe(1);
    const { service, slotIds } = await serviceWithSlots(api, { capacity: 4 });
    expect(service.capacity).toBe(4);
    const slot = await slotNow(service.id, slotIds[0]!);
    expect(slot).toMatchObject({ status: AVAILABLE, capacity: 4, placesTaken: 0, placesLeft: 4 });

    // A change shapes only slots generated afterwards, like hours.
    const updated = await api.updateService({
      service: { id: service.id, capacity: 6 },
      updateMask: ['capacity'],
    });
    expect(updated.service!.capacity).toBe(6);
    await api.generateSlots({ serviceId: service.id, startDate: futureDate(31), endDate: futureDate(31) });
    const all = await listAllSlots(api, service.id);
    expect(all.filter((s) => s.capacity === 4)).toHaveLength(slotIds.length);
    expect(all.filter((s) => s.capacity === 6)).toHaveLength(slotIds.length);
  });

  it('refuses a capacity outside 1..1000 with a field violation, changing nothing', async () => {
    const e = await failure(
      api.createService({ service: { ...(await createService(api)), id: '', capacity: 1001 } }),
    );
    expect(e.code).toBe(Code.INVALID_ARGUMENT);
    expect(violatedFields(e)).toEqual(['service.capacity']);
    const s = await createService(api, { capacity: 3 });
    const u = await failure(
      api.updateService({ service: { id: s.id, capacity: 0 }, updateMask: ['capacity'] }),
    );
    expect(violatedFields(u)).toEqual(['service.capacity']);
    expect((await api.getService({ serviceId: s.id })).service!.capacity).toBe(3);
  });
});

describe('booking places', () => {
  it('books parties until full; refuses with ALREADY_BOOKED, NOT_ENOUGH_PLACES, PARTY_TOO_LARGE, SLOT_FULL', async () => {
    const { service, slotIds } = await serviceWithSlots(api, { capacity: 3 });
    const slotId = slotIds[0]!;
    const a = await api.bookSlot({ slotId, userId: 'alice', partySize: 2 });
    expect(a.appointment).toMatchObject({ partySize: 2, slotId });
    expect(a.appointment!.slot).toMatchObject({ status: AVAILABLE, placesTaken: 2, placesLeft: 1 });

    const again = await failure(api.bookSlot({ slotId, userId: 'alice' }));
    expect([again.code, again.reason]).toEqual([Code.FAILED_PRECONDITION, 'ALREADY_BOOKED']);
    const tooMany = await failure(api.bookSlot({ slotId, userId: 'bob', partySize: 2 }));
    expect([tooMany.code, tooMany.reason, tooMany.metadata.placesLeft]).toEqual([
      Code.FAILED_PRECONDITION,
      'NOT_ENOUGH_PLACES',
      '1',
    ]);
    const huge = await failure(api.bookSlot({ slotId, userId: 'bob', partySize: 4 }));
    expect([huge.reason, huge.metadata.capacity]).toEqual(['PARTY_TOO_LARGE', '3']);

    const b = await api.bookSlot({ slotId, userId: 'bob' });
    expect(b.appointment!.partySize).toBe(1);
    expect(b.appointment!.slot).toMatchObject({ status: BOOKED, placesTaken: 3, placesLeft: 0 });
    const full = await failure(api.bookSlot({ slotId, userId: 'carol' }));
    expect([full.code, full.reason]).toEqual([Code.FAILED_PRECONDITION, 'SLOT_FULL']);
    expect(await slotNow(service.id, slotId)).toMatchObject({
      status: BOOKED,
      placesTaken: 3,
      placesLeft: 0,
    });
    await consistent(slotId);

    // Cancelling gives the places back (and clears the "full" marker at once).
    await api.cancelAppointment({ appointmentId: a.appointment!.id, userId: 'alice' });
    expect(await slotNow(service.id, slotId)).toMatchObject({
      status: AVAILABLE,
      placesTaken: 1,
      placesLeft: 2,
    });
    const c = await api.bookSlot({ slotId, userId: 'carol', partySize: 2 });
    expect(c.appointment!.slot).toMatchObject({ placesTaken: 3 });
    await consistent(slotId);
  });

  it('a party of more than one on a slot of one place is PARTY_TOO_LARGE; party 0 or 1 books it as before', async () => {
    const { slotIds } = await serviceWithSlots(api);
    const e = await failure(api.bookSlot({ slotId: slotIds[0]!, userId: 'dan', partySize: 2 }));
    expect([e.code, e.reason]).toEqual([Code.FAILED_PRECONDITION, 'PARTY_TOO_LARGE']);
    const booked = await api.bookSlot({ slotId: slotIds[0]!, userId: 'dan' });
    expect(booked.appointment).toMatchObject({ partySize: 1 });
    expect(booked.appointment!.slot).toMatchObject({
      status: BOOKED,
      capacity: 1,
      placesTaken: 1,
      placesLeft: 0,
    });
  });

  it('refuses bookings of a blocked slot of several places, and a party size outside 0..1000', async () => {
    const { slotIds } = await serviceWithSlots(api, { capacity: 5 });
    await api.bookSlot({ slotId: slotIds[1]!, userId: 'erin' });
    await api.setSlotStatus({ slotId: slotIds[1]!, status: LOCKED });
    const e = await failure(api.bookSlot({ slotId: slotIds[1]!, userId: 'frank' }));
    expect(e.reason).toBe('SLOT_UNAVAILABLE');
    const bad = await failure(api.bookSlot({ slotId: slotIds[0]!, userId: 'frank', partySize: -1 }));
    expect(violatedFields(bad)).toEqual(['party_size']);
    await consistent(slotIds[1]!);
  });
});

describe('holds, confirmation, release and expiry', () => {
  it('a hold takes its places until released; confirming keeps them', async () => {
    const { service, slotIds } = await serviceWithSlots(api, { capacity: 3 });
    const slotId = slotIds[0]!;
    const held = await api.holdSlot({ slotId, userId: 'gina', ttlSeconds: 120, partySize: 2 });
    expect(held.slot).toMatchObject({ status: AVAILABLE, placesTaken: 2, placesLeft: 1 });
    const other = await api.holdSlot({ slotId, userId: 'hugo', ttlSeconds: 120 });
    expect(other.slot).toMatchObject({ status: BOOKED, placesLeft: 0 });
    expect((await failure(api.bookSlot({ slotId, userId: 'ivy' }))).reason).toBe('SLOT_FULL');

    const released = await api.releaseHold({ holdToken: other.holdToken, userId: 'hugo' });
    expect(released.slot).toMatchObject({ status: AVAILABLE, placesTaken: 2, placesLeft: 1 });

    const confirmed = await api.bookSlot({ slotId, userId: 'gina', holdToken: held.holdToken });
    expect(confirmed.appointment).toMatchObject({ partySize: 2, status: 1 });
    expect(confirmed.appointment!.slot).toMatchObject({ placesTaken: 2, placesLeft: 1 });
    const stored = await storedPlaces(t.db, slotId);
    expect(stored.members.get(confirmed.appointment!.id)).toBe(2);
    const entry = await t.db
      .collection<{ _id: string; members: { claimId: Types.ObjectId; expiresAt: Date | null }[] }>(
        'slot_places',
      )
      .findOne({ _id: `${slotId}:${stored.n}` });
    expect(
      entry!.members.find((m) => m.claimId.toHexString() === confirmed.appointment!.id)!.expiresAt,
    ).toBeNull();
    await consistent(slotId);
    expect((await slotNow(service.id, slotId)).placesTaken).toBe(2);
  });

  it('an expired hold stops counting at once, and the next booking gives its places back for good', async () => {
    const { service, slotIds } = await serviceWithSlots(api, { capacity: 2 });
    const slotId = slotIds[0]!;
    const held = await api.holdSlot({ slotId, userId: 'jack', ttlSeconds: 1, partySize: 2 });
    expect(held.slot).toMatchObject({ status: BOOKED, placesLeft: 0 });
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect(await slotNow(service.id, slotId)).toMatchObject({
      status: AVAILABLE,
      placesTaken: 0,
      placesLeft: 2,
    });
    const booked = await api.bookSlot({ slotId, userId: 'kate', partySize: 2 });
    expect(booked.appointment!.slot).toMatchObject({ placesTaken: 2 });
    const hold = await t.db
      .collection('appointments')
      .findOne({ _id: new Types.ObjectId(held.holdToken.split('.')[0]) });
    expect(hold!.status).toBe('EXPIRED');
    const late = await failure(api.bookSlot({ slotId, userId: 'jack', holdToken: held.holdToken }));
    expect(late.reason).toBe('HOLD_EXPIRED');
    await consistent(slotId);
  });
});

describe('rescheduling moves the places', () => {
  it('between slots of several places, and to and from a slot of one place', async () => {
    const { service, slotIds } = await serviceWithSlots(api, { capacity: 3 });
    const [a, b, c] = slotIds as [string, string, string];
    const appt = (await api.bookSlot({ slotId: a, userId: 'liam', partySize: 2 })).appointment!;
    await api.bookSlot({ slotId: c, userId: 'mia', partySize: 2 });

    const moved = await api.rescheduleAppointment({ appointmentId: appt.id, userId: 'liam', newSlotId: b });
    expect(moved.appointment).toMatchObject({ slotId: b, partySize: 2 });
    expect(await slotNow(service.id, a)).toMatchObject({ placesTaken: 0, placesLeft: 3 });
    expect(await slotNow(service.id, b)).toMatchObject({ placesTaken: 2, placesLeft: 1 });
    // The target must have room for the whole party.
    const noRoom = await failure(
      api.rescheduleAppointment({ appointmentId: appt.id, userId: 'liam', newSlotId: c }),
    );
    expect([noRoom.reason, noRoom.metadata.placesLeft]).toEqual(['NOT_ENOUGH_PLACES', '1']);
    expect(await slotNow(service.id, b)).toMatchObject({ placesTaken: 2 });
    for (const s of [a, b, c]) await consistent(s);

    // Slots of one place of the same service (generated after its capacity became 1).
    await api.updateService({ service: { id: service.id, capacity: 1 }, updateMask: ['capacity'] });
    await api.generateSlots({ serviceId: service.id, startDate: futureDate(32), endDate: futureDate(32) });
    const single = (await listAllSlots(api, service.id)).filter((s) => s.capacity === 1).map((s) => s.id);
    const tooBig = await failure(
      api.rescheduleAppointment({ appointmentId: appt.id, userId: 'liam', newSlotId: single[0]! }),
    );
    expect(tooBig.reason).toBe('PARTY_TOO_LARGE');
    expect(await slotNow(service.id, single[0]!)).toMatchObject({ status: AVAILABLE });

    // A party of one: from several places to one place (the arbiter's path), and back.
    const one = (await api.bookSlot({ slotId: a, userId: 'noah' })).appointment!;
    const toOne = await api.rescheduleAppointment({
      appointmentId: one.id,
      userId: 'noah',
      newSlotId: single[1]!,
    });
    expect(toOne.appointment!.slot).toMatchObject({ status: BOOKED, capacity: 1, placesTaken: 1 });
    expect(await slotNow(service.id, a)).toMatchObject({ placesTaken: 0, placesLeft: 3 });
    const back = await api.rescheduleAppointment({ appointmentId: one.id, userId: 'noah', newSlotId: a });
    expect(back.appointment!.slot).toMatchObject({ capacity: 3, placesTaken: 1, placesLeft: 2 });
    expect(await slotNow(service.id, single[1]!)).toMatchObject({ status: AVAILABLE, placesTaken: 0 });
    for (const s of [a, b, c]) await consistent(s);
  });
});

describe('watch', () => {
  it('streams places taken and left with every change', async () => {
    const { service, slotIds } = await serviceWithSlots(api, { capacity: 2 });
    const w = openWatch(t.client, { serviceId: service.id, sendInitialSnapshot: true });
    try {
      await w.synced();
      const snap = w.snapshots().find((m) => m.slot!.id === slotIds[0]);
      expect(snap!.slot).toMatchObject({ capacity: 2, placesTaken: 0, placesLeft: 2 });
      await api.bookSlot({ slotId: slotIds[0]!, userId: 'olga' });
      const [first] = await w.waitForChanges(1);
      expect(first!.type).toBe(WatchEventType.WATCH_EVENT_TYPE_CHANGE);
      expect(first!.slot).toMatchObject({ status: AVAILABLE, placesTaken: 1, placesLeft: 1 });
      await api.bookSlot({ slotId: slotIds[0]!, userId: 'pete' });
      const changes = await w.waitForChanges(2);
      expect(changes[1]!.slot).toMatchObject({ status: BOOKED, placesTaken: 2, placesLeft: 0 });
      expect(changes[1]!.previousStatus).toBe(AVAILABLE);
    } finally {
      w.cancel();
    }
  });
});

describe('crash repair', () => {
  it('the reconciler drops members whose claim left (or never came), through a ledger entry', async () => {
    const { slotIds } = await serviceWithSlots(api, { capacity: 3 });
    const slotId = slotIds[0]!;
    const kept = (await api.bookSlot({ slotId, userId: 'quinn' })).appointment!;
    const gone = (await api.bookSlot({ slotId, userId: 'rita' })).appointment!;
    // A cancellation whose instance crashed after the claim's transition, before its ledger entry.
    await t.db
      .collection('appointments')
      .updateOne(
        { _id: new Types.ObjectId(gone.id) },
        { $set: { status: 'CANCELLED', slotClaim: `~${gone.id}` } },
      );
    // A booking whose instance crashed after its ledger entry, before writing its claim.
    const before = await storedPlaces(t.db, slotId);
    const ghost = new Types.ObjectId();
    const entry = await t.db
      .collection<{ _id: string }>('slot_places')
      .findOne({ _id: `${slotId}:${before.n}` });
    await t.db.collection<{ _id: string } & Record<string, unknown>>('slot_places').insertOne({
      ...(entry as unknown as Record<string, unknown>),
      _id: `${slotId}:${before.n + 1}`,
      n: before.n + 1,
      members: [
        ...(entry as unknown as { members: object[] }).members,
        { claimId: ghost, userId: 'ghost', places: 1, expiresAt: null, since: new Date(Date.now() - 60_000) },
      ],
    });
    expect((await failure(api.bookSlot({ slotId, userId: 'sam' }))).reason).toBe('SLOT_FULL');

    const counts = await t.app.reconciler.runOnce();
    expect(counts.placesFreed).toBe(2);
    const after = await storedPlaces(t.db, slotId);
    expect([...after.members.keys()]).toEqual([kept.id]);
    expect(after.placesTaken).toBe(1);
    // The ghost's id is fenced: its claim can never be written now.
    expect((await t.db.collection('appointments').findOne({ _id: ghost }))!.status).toBe('VOID');
    await api.bookSlot({ slotId, userId: 'sam', partySize: 2 });
    await consistent(slotId);
  });
});
