/**
 * Places of a slot of several places taken by holds, given back by releasing
 * and expiring, kept by confirming, and moved by rescheduling.
 */
import { Types } from 'mongoose';
import { futureDate, listAllSlots, serviceWithSlots } from '../../factories';
import { failure } from '../../support/harness';
import { storedPlaces } from '../../support/places';
import { api, t, useFileApp } from '../../support/file-app';
import { AVAILABLE, BOOKED, CAPACITY_ENV, consistent, slotNow } from '../../support/capacity';

useFileApp(CAPACITY_ENV);

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
