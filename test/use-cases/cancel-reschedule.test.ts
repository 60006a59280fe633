import { ADMIN, booking, definition, expectRefused, generatedSlots, serviceWithSlots } from './given';

const cancel = (appointmentId: string, userId: string, requestId = '') => ({
  appointmentId,
  userId,
  reason: 'plans changed',
  requestId,
});

describe('CancelAppointment', () => {
  it('cancels the owner’s appointment and frees the slot for someone else', async () => {
    const { uc, slotIds, slot } = await serviceWithSlots();
    const { appointment } = await uc.bookSlot(booking(slotIds[0]!, 'alice'));
    const view = await uc.cancelAppointment(cancel(appointment.id, 'alice'));
    expect(view.appointment).toMatchObject({ status: 'CANCELLED', cancellationReason: 'plans changed' });
    expect(view.slot).toMatchObject({ status: 'AVAILABLE', appointmentId: null });
    expect(await slot(slotIds[0]!)).toMatchObject({ status: 'AVAILABLE', appointmentId: null });
    // The "taken" marker went with it: the slot is bookable at once.
    const next = await uc.bookSlot(booking(slotIds[0]!, 'bob'));
    expect(next.appointment.userId).toBe('bob');
  });

  it('refuses another user (NOT_APPOINTMENT_OWNER) and leaves the appointment as it was', async () => {
    const { uc, world, slotIds } = await serviceWithSlots();
    const { appointment } = await uc.bookSlot(booking(slotIds[0]!, 'alice'));
    await expectRefused(uc.cancelAppointment(cancel(appointment.id, 'mallory')), 'NOT_APPOINTMENT_OWNER', {
      appointmentId: appointment.id,
    });
    expect(await world.claims.findById(appointment.id)).toMatchObject({ status: 'CONFIRMED', revision: 0 });
  });

  it('refuses a second cancellation (APPOINTMENT_ALREADY_CANCELLED) unless it retries the same request_id', async () => {
    const { uc, slotIds } = await serviceWithSlots();
    const { appointment } = await uc.bookSlot(booking(slotIds[0]!, 'alice'));
    const first = await uc.cancelAppointment(cancel(appointment.id, 'alice', 'c-1'));
    const retry = await uc.cancelAppointment(cancel(appointment.id, 'alice', 'c-1'));
    expect(retry.appointment).toMatchObject({ id: first.appointment.id, status: 'CANCELLED' });
    await expectRefused(
      uc.cancelAppointment(cancel(appointment.id, 'alice', 'c-2')),
      'APPOINTMENT_ALREADY_CANCELLED',
    );
    await expectRefused(
      uc.cancelAppointment(cancel(appointment.id, 'alice')),
      'APPOINTMENT_ALREADY_CANCELLED',
    );
  });

  it('answers APPOINTMENT_NOT_FOUND for an id that is no appointment', async () => {
    const { uc } = await serviceWithSlots();
    await expectRefused(
      uc.cancelAppointment(cancel('c1000000000000000000000a', 'alice')),
      'APPOINTMENT_NOT_FOUND',
    );
  });
});

describe('RescheduleAppointment', () => {
  const move = (appointmentId: string, newSlotId: string, userId = 'alice', requestId = '') => ({
    appointmentId,
    userId,
    newSlotId,
    requestId,
  });

  it('moves to a free slot: the new slot BOOKED by it, the old one free again', async () => {
    const { uc, world, slotIds, slot } = await serviceWithSlots();
    const { appointment } = await uc.bookSlot(booking(slotIds[0]!, 'alice'));
    const view = await uc.rescheduleAppointment(move(appointment.id, slotIds[1]!));
    expect(view.appointment).toMatchObject({ id: appointment.id, slotId: slotIds[1], previousSlotId: null });
    expect(await slot(slotIds[1]!)).toMatchObject({ status: 'BOOKED', appointmentId: appointment.id });
    expect(await slot(slotIds[0]!)).toMatchObject({ status: 'AVAILABLE', appointmentId: null });
    expect(await world.claims.findActiveBySlot(slotIds[0]!)).toBeNull();
  });

  it('refuses a taken slot (SLOT_UNAVAILABLE): the appointment stays where it was', async () => {
    const { uc, world, slotIds, slot } = await serviceWithSlots();
    const { appointment } = await uc.bookSlot(booking(slotIds[0]!, 'alice'));
    const other = await uc.bookSlot(booking(slotIds[1]!, 'bob'));
    world.time.advance(60_000); // past the marker: the database refuses
    await expectRefused(uc.rescheduleAppointment(move(appointment.id, slotIds[1]!)), 'SLOT_UNAVAILABLE');
    expect(await world.claims.findById(appointment.id)).toMatchObject({
      slotId: slotIds[0],
      status: 'CONFIRMED',
    });
    expect(await slot(slotIds[0]!)).toMatchObject({ status: 'BOOKED', appointmentId: appointment.id });
    expect(await slot(slotIds[1]!)).toMatchObject({ status: 'BOOKED', appointmentId: other.appointment.id });
  });

  it('refuses the slot it is on (SAME_SLOT), another user (NOT_APPOINTMENT_OWNER), a cancelled one', async () => {
    const { uc, slotIds } = await serviceWithSlots();
    const { appointment } = await uc.bookSlot(booking(slotIds[0]!, 'alice'));
    await expectRefused(uc.rescheduleAppointment(move(appointment.id, slotIds[0]!)), 'SAME_SLOT');
    await expectRefused(
      uc.rescheduleAppointment(move(appointment.id, slotIds[1]!, 'bob')),
      'NOT_APPOINTMENT_OWNER',
    );
    await uc.cancelAppointment({ appointmentId: appointment.id, userId: 'alice', reason: '', requestId: '' });
    await expectRefused(
      uc.rescheduleAppointment(move(appointment.id, slotIds[1]!)),
      'APPOINTMENT_ALREADY_CANCELLED',
    );
  });

  it('refuses a slot of another service (DIFFERENT_SERVICE)', async () => {
    const { uc, slotIds } = await serviceWithSlots();
    const { appointment } = await uc.bookSlot(booking(slotIds[0]!, 'alice'));
    const other = await uc.createService(ADMIN, definition({ name: 'Other' }), null);
    const [elsewhere] = await generatedSlots(uc, other.id);
    await expectRefused(uc.rescheduleAppointment(move(appointment.id, elsewhere!)), 'DIFFERENT_SERVICE');
  });
});
