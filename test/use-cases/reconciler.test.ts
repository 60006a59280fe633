import { dyingAt, until, useCases } from '../support/fakes';
import { booking, serviceWithSlots } from './given';

const GRACE_MS = 30_000;

describe('the reconciler repairs what a crash leaves', () => {
  it('a member of a slot’s places whose claim never came: fenced with a VOID claim and dropped', async () => {
    const { uc, world, slotIds, slot } = await serviceWithSlots({ capacity: 3 });
    const slotId = slotIds[0]!;
    // The request joins the ledger, then dies before writing its claim.
    const dying = useCases(world, { ports: { claims: dyingAt(world.claims, 'insert') } });
    void dying.bookSlot(booking(slotId, 'ghost', { party: 2 }));
    await until(() => world.ledger.latest(slotId).members.length === 1);
    const ghostId = world.ledger.latest(slotId).members[0]!.claimId;
    world.gate.expireLeases();
    expect(await slot(slotId)).toMatchObject({ placesTaken: 2 });
    expect(await world.claims.findById(ghostId)).toBeNull();

    // Within the grace time it may be a request in progress: left alone.
    world.time.advance(GRACE_MS / 2);
    expect(await uc.reconcile()).toMatchObject({ placesFreed: 0 });
    expect(world.ledger.latest(slotId).members).toHaveLength(1);

    world.time.advance(GRACE_MS);
    expect(await uc.reconcile()).toMatchObject({ placesFreed: 1 });
    expect(world.ledger.latest(slotId).members).toEqual([]);
    expect(await slot(slotId)).toMatchObject({ status: 'AVAILABLE', placesTaken: 0 });
    // Its id can never become an active claim now: the dead request's insert would fail.
    expect(await world.claims.findById(ghostId)).toMatchObject({ status: 'VOID' });
    // The places are bookable again.
    expect((await uc.bookSlot(booking(slotId, 'alice', { party: 3 }))).slot).toMatchObject({
      placesTaken: 3,
    });
  });

  it('a cancellation that died after its claim transition: the slot still BOOKED is freed', async () => {
    const { uc, world, slotIds, slot } = await serviceWithSlots();
    const slotId = slotIds[0]!;
    const { appointment } = await uc.bookSlot(booking(slotId, 'alice'));
    const dying = useCases(world, { ports: { slots: dyingAt(world.slots, 'reassign') } });
    void dying.cancelAppointment({
      appointmentId: appointment.id,
      userId: 'alice',
      reason: '',
      requestId: '',
    });
    await until(() => world.claims.peek(appointment.id)?.status === 'CANCELLED');
    world.gate.expireLeases();
    expect(await slot(slotId)).toMatchObject({ status: 'BOOKED', appointmentId: appointment.id });

    world.time.advance(GRACE_MS + 1_000);
    expect(await uc.reconcile()).toMatchObject({ slotsRepaired: 1 });
    expect(await slot(slotId)).toMatchObject({ status: 'AVAILABLE', appointmentId: null });
    expect(world.events.changesOf(slotId).at(-1)?.after).toMatchObject({ status: 'AVAILABLE' });
    world.time.advance(60_000); // the "taken" marker of the booking has run out
    expect((await uc.bookSlot(booking(slotId, 'bob'))).appointment.userId).toBe('bob');
  });

  it('a booking that died after taking the slot but before its claim: the slot is given back', async () => {
    const { uc, world, slotIds, slot } = await serviceWithSlots();
    const slotId = slotIds[0]!;
    const dying = useCases(world, { ports: { claims: dyingAt(world.claims, 'insert') } });
    void dying.bookSlot(booking(slotId, 'ghost'));
    await until(() => world.slots.peek(slotId)?.status === 'BOOKED');
    world.gate.expireLeases();

    world.time.advance(GRACE_MS + 1_000);
    expect(await uc.reconcile()).toMatchObject({ slotsRepaired: 1 });
    expect(await slot(slotId)).toMatchObject({ status: 'AVAILABLE', appointmentId: null });
  });
});
