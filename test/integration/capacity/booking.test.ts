/**
 * Slots of several places (issue 16 part 3): capacity on services and slots,
 * party sizes on bookings, places taken and left on every slot read, and
 * refusals with clear reasons.
 */
import { status as Code } from '@grpc/grpc-js';
import { createService, futureDate, listAllSlots, serviceWithSlots } from '../../factories';
import { failure, violatedFields } from '../../support/harness';
import { api, useFileApp } from '../../support/file-app';
import { AVAILABLE, BOOKED, CAPACITY_ENV, LOCKED, consistent, slotNow } from '../../support/capacity';

useFileApp(CAPACITY_ENV);

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
