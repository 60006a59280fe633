import { idFromKey } from '../../src/use-cases/shared/idempotency';
import { booking, expectRefused, serviceWithSlots } from './given';

describe('BookSlot', () => {
  it('books a free slot: the appointment is CONFIRMED, the slot BOOKED by it and told to watchers', async () => {
    const { uc, world, slotIds, slot } = await serviceWithSlots();
    const view = await uc.bookSlot(booking(slotIds[0]!, 'alice'));
    expect(view.appointment).toMatchObject({ status: 'CONFIRMED', userId: 'alice', slotId: slotIds[0] });
    expect(view.slot).toMatchObject({ status: 'BOOKED', appointmentId: view.appointment.id });
    expect(await slot(slotIds[0]!)).toMatchObject({ status: 'BOOKED', appointmentId: view.appointment.id });
    expect(world.events.changesOf(slotIds[0]!).map((c) => c.after.status)).toEqual(['BOOKED']);
  });

  it('refuses a taken slot with SLOT_UNAVAILABLE, from the marker and then from the database', async () => {
    const { uc, world, slotIds, slot } = await serviceWithSlots();
    const first = await uc.bookSlot(booking(slotIds[0]!, 'alice'));
    // While the "taken" marker lives, the gate refuses before any database work.
    await expectRefused(uc.bookSlot(booking(slotIds[0]!, 'bob')), 'SLOT_UNAVAILABLE', {
      slotId: slotIds[0]!,
      status: 'BOOKED',
    });
    world.time.advance(60_000);
    expect(world.gate.takenBy(slotIds[0]!)).toBeNull();
    await expectRefused(uc.bookSlot(booking(slotIds[0]!, 'bob')), 'SLOT_UNAVAILABLE', {
      slotId: slotIds[0]!,
    });
    expect(await slot(slotIds[0]!)).toMatchObject({ appointmentId: first.appointment.id });
    expect(
      await world.claims.listAppointmentsByUser({ userId: 'bob', status: null, after: null, limit: 10 }),
    ).toEqual([]);
  });

  it('answers a retry with the same request_id with the first result, booking once', async () => {
    const { uc, world, slotIds } = await serviceWithSlots();
    const first = await uc.bookSlot(booking(slotIds[0]!, 'alice', { requestId: 'r-1' }));
    world.time.advance(60_000);
    const retry = await uc.bookSlot(booking(slotIds[0]!, 'alice', { requestId: 'r-1' }));
    expect(retry.appointment.id).toBe(first.appointment.id);
    const mine = await world.claims.listAppointmentsByUser({
      userId: 'alice',
      status: null,
      after: null,
      limit: 10,
    });
    expect(mine.map((a) => a.id)).toEqual([first.appointment.id]);
  });

  it('refuses a request_id reused with other content (REQUEST_ID_REUSED), booking nothing more', async () => {
    const { uc, world, slotIds, slot } = await serviceWithSlots();
    await uc.bookSlot(booking(slotIds[0]!, 'alice', { requestId: 'r-1' }));
    await expectRefused(
      uc.bookSlot(booking(slotIds[1]!, 'alice', { requestId: 'r-1' })),
      'REQUEST_ID_REUSED',
    );
    expect(await slot(slotIds[1]!)).toMatchObject({ status: 'AVAILABLE', appointmentId: null });
    // Another user's request_id is another request.
    world.time.advance(60_000);
    await expectRefused(uc.bookSlot(booking(slotIds[0]!, 'bob', { requestId: 'r-1' })), 'SLOT_UNAVAILABLE');
  });

  it('makes a refusal with a request_id final: its id is voided, and a retry is refused the same way', async () => {
    const { uc, world, slotIds } = await serviceWithSlots({}, {});
    await uc.bookSlot(booking(slotIds[0]!, 'alice'));
    world.time.advance(60_000);
    await expectRefused(uc.bookSlot(booking(slotIds[0]!, 'bob', { requestId: 'late' })), 'SLOT_UNAVAILABLE');
    // The id an earlier attempt of this request would create can no longer become an appointment.
    expect(await world.claims.findById(idFromKey('BookSlot:bob:late'))).toMatchObject({ status: 'VOID' });
    await expectRefused(uc.bookSlot(booking(slotIds[0]!, 'bob', { requestId: 'late' })), 'SLOT_UNAVAILABLE');
    expect(await world.claims.findActiveBySlot(slotIds[0]!)).toMatchObject({ userId: 'alice' });
  });

  it('refuses a slot of an inactive service (SERVICE_INACTIVE); the slot is untouched', async () => {
    const { uc, service, slotIds, slot } = await serviceWithSlots({ active: false });
    const before = await slot(slotIds[0]!);
    expect(before).toMatchObject({ status: 'LOCKED', blockedBy: 'SERVICE' });
    await expectRefused(uc.bookSlot(booking(slotIds[0]!, 'alice')), 'SERVICE_INACTIVE', {
      serviceId: service.id,
    });
    expect(await slot(slotIds[0]!)).toEqual(before);
  });

  it('refuses a slot that has started (the conditional update requires a future slot)', async () => {
    const { uc, world, slotIds, slot } = await serviceWithSlots();
    world.time.set('2030-06-10T09:10:00Z');
    const err = await expectRefused(uc.bookSlot(booking(slotIds[0]!, 'alice')), 'SLOT_IN_PAST');
    expect(err.metadata).toMatchObject({ slotId: slotIds[0] });
    expect(await slot(slotIds[0]!)).toMatchObject({ status: 'AVAILABLE', revision: 1 });
  });

  it('refuses a slot of another service than the one named (SLOT_NOT_FOUND) and an unknown slot', async () => {
    const { uc, slotIds } = await serviceWithSlots();
    const other = 'ffffffffffffffffffffffff';
    await expectRefused(uc.bookSlot(booking(slotIds[0]!, 'alice', { serviceId: other })), 'SLOT_NOT_FOUND');
    await expectRefused(uc.bookSlot(booking(other, 'alice')), 'SLOT_NOT_FOUND', { slotId: other });
  });
});
