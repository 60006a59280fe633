import { ADMIN, booking, expectRefused, serviceWithSlots, token } from './given';

const hold = (slotId: string, userId: string, ttlSeconds = 60, requestId = '') => ({
  slotId,
  userId,
  ttlSeconds,
  requestId,
  party: 1,
});

describe('HoldSlot and its ends', () => {
  it('holds a slot: LOCKED by the hold until it expires; others are refused meanwhile', async () => {
    const { uc, world, slotIds, slot } = await serviceWithSlots();
    const held = await uc.holdSlot(hold(slotIds[0]!, 'alice'));
    const { holdId } = token(held.token);
    expect(held.expiresAt).toEqual(new Date(world.clock().getTime() + 60_000));
    expect(await slot(slotIds[0]!)).toMatchObject({
      status: 'LOCKED',
      holdId,
      holdExpiresAt: held.expiresAt,
    });
    const taken = { slotId: slotIds[0]!, status: 'LOCKED' };
    await expectRefused(uc.bookSlot(booking(slotIds[0]!, 'bob')), 'SLOT_UNAVAILABLE', taken);
    await expectRefused(uc.holdSlot(hold(slotIds[0]!, 'bob')), 'SLOT_UNAVAILABLE', taken);
    // Nor may the provider block it under the user.
    await expectRefused(uc.setSlotStatus(ADMIN, slotIds[0]!, 'LOCKED'), 'SLOT_HELD');
  });

  it('confirms a hold into the appointment (same id), the slot BOOKED by it', async () => {
    const { uc, slotIds, slot } = await serviceWithSlots();
    const held = await uc.holdSlot(hold(slotIds[0]!, 'alice'));
    const t = token(held.token);
    const view = await uc.bookSlot(booking(slotIds[0]!, 'alice', { hold: t }));
    expect(view.appointment).toMatchObject({ id: t.holdId, status: 'CONFIRMED' });
    expect(await slot(slotIds[0]!)).toMatchObject({
      status: 'BOOKED',
      appointmentId: t.holdId,
      holdId: null,
    });
    // Confirming again is the same request done already; releasing it now is refused.
    expect((await uc.bookSlot(booking(slotIds[0]!, 'alice', { hold: t }))).appointment.id).toBe(t.holdId);
    await expectRefused(uc.releaseHold({ hold: t, userId: 'alice' }), 'HOLD_ALREADY_USED');
  });

  it('refuses a hold token of another user or with a wrong secret (HOLD_NOT_FOUND)', async () => {
    const { uc, slotIds } = await serviceWithSlots();
    const t = token((await uc.holdSlot(hold(slotIds[0]!, 'alice'))).token);
    await expectRefused(uc.bookSlot(booking(slotIds[0]!, 'bob', { hold: t })), 'HOLD_NOT_FOUND');
    const forged = { holdId: t.holdId, secret: 'A'.repeat(22) };
    await expectRefused(uc.bookSlot(booking(slotIds[0]!, 'alice', { hold: forged })), 'HOLD_NOT_FOUND');
  });

  it('releases a hold: the slot is free at once; a release again succeeds, a confirmation is refused', async () => {
    const { uc, slotIds, slot } = await serviceWithSlots();
    const t = token((await uc.holdSlot(hold(slotIds[0]!, 'alice'))).token);
    expect(await uc.releaseHold({ hold: t, userId: 'alice' })).toMatchObject({ status: 'AVAILABLE' });
    expect(await slot(slotIds[0]!)).toMatchObject({ status: 'AVAILABLE', holdId: null });
    expect(await uc.releaseHold({ hold: t, userId: 'alice' })).toMatchObject({ status: 'AVAILABLE' });
    await expectRefused(uc.bookSlot(booking(slotIds[0]!, 'alice', { hold: t })), 'HOLD_NOT_FOUND');
    expect((await uc.bookSlot(booking(slotIds[0]!, 'bob'))).appointment.userId).toBe('bob');
  });

  it('expires with the clock: too late to confirm (HOLD_EXPIRED), and the slot is anyone’s again', async () => {
    const { uc, world, slotIds } = await serviceWithSlots();
    const t = token((await uc.holdSlot(hold(slotIds[0]!, 'alice', 60))).token);
    // Within the confirmation margin of its expiry is too late already.
    world.time.advance(59_800);
    await expectRefused(uc.bookSlot(booking(slotIds[0]!, 'alice', { hold: t })), 'HOLD_EXPIRED');
    world.time.advance(1_000);
    await expectRefused(uc.bookSlot(booking(slotIds[0]!, 'alice', { hold: t })), 'HOLD_EXPIRED');
    // Expired holds stop counting before any clean-up has run.
    expect((await uc.bookSlot(booking(slotIds[0]!, 'bob'))).appointment.userId).toBe('bob');
  });

  it('is expired by the reconciler, which frees the slot', async () => {
    const { uc, world, slotIds, slot } = await serviceWithSlots();
    const t = token((await uc.holdSlot(hold(slotIds[0]!, 'alice', 60))).token);
    world.time.advance(61_000);
    expect(await uc.reconcile()).toMatchObject({ holdsExpired: 1 });
    expect(await world.claims.findById(t.holdId)).toMatchObject({ status: 'EXPIRED' });
    expect(await slot(slotIds[0]!)).toMatchObject({ status: 'AVAILABLE', holdId: null, holdExpiresAt: null });
  });

  it('refuses a ttl over the limit with a field violation, and answers a retry with the same hold', async () => {
    const { uc, slotIds } = await serviceWithSlots();
    // (thrown before any await: the handler's async call turns it into a rejection)
    const tooLong = Promise.resolve().then(() => uc.holdSlot(hold(slotIds[0]!, 'alice', 901)));
    const err = await expectRefused(tooLong, 'INVALID_ARGUMENT');
    expect(err.violations).toEqual([{ field: 'ttl_seconds', description: 'must be at most 900' }]);
    const first = await uc.holdSlot(hold(slotIds[0]!, 'alice', 60, 'h-1'));
    const retry = await uc.holdSlot(hold(slotIds[0]!, 'alice', 60, 'h-1'));
    expect(retry.token).toBe(first.token);
    await expectRefused(uc.holdSlot(hold(slotIds[0]!, 'alice', 120, 'h-1')), 'REQUEST_ID_REUSED');
  });
});
