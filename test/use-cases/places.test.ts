import { booking, expectRefused, serviceWithSlots, token } from './given';

describe('slots of several places', () => {
  it('books parties until full: ALREADY_BOOKED, NOT_ENOUGH_PLACES, PARTY_TOO_LARGE, then SLOT_FULL', async () => {
    const { uc, world, slotIds, slot } = await serviceWithSlots({ capacity: 3 });
    const slotId = slotIds[0]!;
    const a = await uc.bookSlot(booking(slotId, 'alice', { party: 2 }));
    expect(a.appointment).toMatchObject({ places: 2, status: 'CONFIRMED' });
    expect(await slot(slotId)).toMatchObject({ status: 'AVAILABLE', placesTaken: 2 });

    await expectRefused(uc.bookSlot(booking(slotId, 'alice')), 'ALREADY_BOOKED');
    await expectRefused(uc.bookSlot(booking(slotId, 'bob', { party: 2 })), 'NOT_ENOUGH_PLACES', {
      placesLeft: '1',
    });
    await expectRefused(uc.bookSlot(booking(slotId, 'bob', { party: 4 })), 'PARTY_TOO_LARGE', {
      capacity: '3',
    });

    const b = await uc.bookSlot(booking(slotId, 'bob'));
    expect(b.slot).toMatchObject({ status: 'BOOKED', placesTaken: 3 });
    await expectRefused(uc.bookSlot(booking(slotId, 'carol')), 'SLOT_FULL', { slotId, placesLeft: '0' });
    // The ledger, which decides, lists exactly the two appointments.
    const members = world.ledger.latest(slotId).members;
    expect(members.map((m) => [m.claimId, m.places])).toEqual([
      [a.appointment.id, 2],
      [b.appointment.id, 1],
    ]);
  });

  it('gives places back on cancellation; the slot takes bookings again at once', async () => {
    const { uc, slotIds, slot } = await serviceWithSlots({ capacity: 2 });
    const slotId = slotIds[0]!;
    const a = await uc.bookSlot(booking(slotId, 'alice'));
    await uc.bookSlot(booking(slotId, 'bob'));
    await expectRefused(uc.bookSlot(booking(slotId, 'carol')), 'SLOT_FULL');
    await uc.cancelAppointment({
      appointmentId: a.appointment.id,
      userId: 'alice',
      reason: '',
      requestId: '',
    });
    expect(await slot(slotId)).toMatchObject({ status: 'AVAILABLE', placesTaken: 1 });
    expect((await uc.bookSlot(booking(slotId, 'carol'))).appointment.places).toBe(1);
  });

  it('counts a hold’s places until it expires, then no longer (before any clean-up)', async () => {
    const { uc, world, slotIds } = await serviceWithSlots({ capacity: 2 });
    const slotId = slotIds[0]!;
    const held = await uc.holdSlot({ slotId, userId: 'alice', ttlSeconds: 60, requestId: '', party: 2 });
    await expectRefused(uc.bookSlot(booking(slotId, 'bob')), 'SLOT_FULL');
    world.time.advance(61_000);
    const b = await uc.bookSlot(booking(slotId, 'bob', { party: 2 }));
    expect(b.slot).toMatchObject({ placesTaken: 2 });
    await expectRefused(uc.bookSlot(booking(slotId, 'alice', { hold: token(held.token) })), 'HOLD_EXPIRED');
  });

  it('refuses a party on a slot of one place', async () => {
    const { uc, slotIds, slot } = await serviceWithSlots();
    const err = await expectRefused(
      uc.bookSlot(booking(slotIds[0]!, 'alice', { party: 2 })),
      'PARTY_TOO_LARGE',
    );
    expect(err.metadata).toMatchObject({ capacity: '1' });
    expect(await slot(slotIds[0]!)).toMatchObject({ status: 'AVAILABLE', revision: 1 });
  });
});
