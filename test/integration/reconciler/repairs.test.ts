/**
 * The reconciler converges slot projections on the claim records after a crash
 * between two writes. Each test crafts such leftovers straight in the database,
 * runs one pass (`reconciler.runOnce()`, no background loop) and checks the
 * repaired state. Here: each repair, with no grace period.
 */
import { Types } from 'mongoose';
import { SlotStatus } from '../../../src/gen/booking/v1/resources';
import { serviceWithSlots } from '../../factories';
import { invariantViolations, rpc, startTestApp, type TestApp } from '../../support/harness';
import { oid } from '../../support/ids';
import { RECONCILER_ENV, secondsAgo, storeOf } from '../../support/reconciler';

describe('reconciler repairs (grace 0)', () => {
  let t: TestApp;
  let store: ReturnType<typeof storeOf>;
  let slotIds: string[];
  let serviceId: string;

  beforeAll(async () => {
    t = await startTestApp(RECONCILER_ENV);
    store = storeOf(t);
  });
  afterAll(() => t.stop());

  beforeEach(async () => {
    const created = await serviceWithSlots(rpc(t.client));
    slotIds = created.slotIds;
    serviceId = created.service.id;
  });

  /** Runs a pass and checks that the repaired slot's revision grew by exactly `by`. */
  async function repairs(slotId: string, by = 1) {
    const before = await store.slot(slotId);
    const counts = await t.app.reconciler.runOnce();
    const after = await store.slot(slotId);
    expect(after.revision).toBe(before.revision + by);
    return { counts, after };
  }

  it('frees a slot BOOKED by an appointment that does not exist', async () => {
    await store.setSlot(slotIds[0]!, { status: 'BOOKED', appointmentId: new Types.ObjectId() });

    const { counts, after } = await repairs(slotIds[0]!);

    expect(counts.slotsRepaired).toBeGreaterThanOrEqual(1);
    expect(after).toMatchObject({ status: 'AVAILABLE', appointmentId: null, holdId: null });
    expect(await invariantViolations(t.db, serviceId)).toEqual([]);
  });

  it('frees a slot BOOKED by a CANCELLED appointment', async () => {
    const cancelled = await store.insertClaim(slotIds[0]!, { status: 'CANCELLED' });
    await store.setSlot(slotIds[0]!, { status: 'BOOKED', appointmentId: cancelled._id });

    const { after } = await repairs(slotIds[0]!);

    expect(after).toMatchObject({ status: 'AVAILABLE', appointmentId: null });
    expect(await invariantViolations(t.db, serviceId)).toEqual([]);
  });

  it('points a slot BOOKED by the wrong appointment at the CONFIRMED claim that holds it', async () => {
    // `other` is a real appointment on slot 1; slot 0 wrongly points at it while `holder` holds slot 0.
    const api = rpc(t.client);
    const other = (await api.bookSlot({ slotId: slotIds[1]!, userId: 'other' })).appointment!;
    const holder = await store.insertClaim(slotIds[0]!, { status: 'CONFIRMED', userId: 'holder' });
    await store.setSlot(slotIds[0]!, { status: 'BOOKED', appointmentId: oid(other.id) });
    const otherSlotBefore = await store.slot(slotIds[1]!);

    const { after } = await repairs(slotIds[0]!);

    expect(after).toMatchObject({ status: 'BOOKED', appointmentId: holder._id });
    expect(await store.slot(slotIds[1]!)).toEqual(otherSlotBefore);
    expect(await invariantViolations(t.db, serviceId)).toEqual([]);
  });

  it('books the slot of a CONFIRMED appointment whose slot is AVAILABLE', async () => {
    const a = await store.insertClaim(slotIds[0]!, { status: 'CONFIRMED' });

    const { counts, after } = await repairs(slotIds[0]!);

    expect(counts.slotsRepaired).toBeGreaterThanOrEqual(1);
    expect(after).toMatchObject({ status: 'BOOKED', appointmentId: a._id, holdId: null });
    expect(await invariantViolations(t.db, serviceId)).toEqual([]);
  });

  it('books the slot of a confirmed hold whose slot still shows the hold', async () => {
    const expiresAt = new Date(Date.now() + 60_000);
    const h = await store.insertClaim(slotIds[0]!, {
      status: 'CONFIRMED',
      expiresAt,
      holdSecret: 'x'.repeat(22),
    });
    await store.setSlot(slotIds[0]!, { status: 'LOCKED', holdId: h._id, holdExpiresAt: expiresAt });

    const { after } = await repairs(slotIds[0]!);

    expect(after).toMatchObject({
      status: 'BOOKED',
      appointmentId: h._id,
      holdId: null,
      holdExpiresAt: null,
    });
  });

  it('finishes an interrupted move: frees the old slot and clears previousSlotId', async () => {
    const [from, to] = [slotIds[0]!, slotIds[1]!];
    const a = await store.insertClaim(to, {
      status: 'CONFIRMED',
      previousSlotId: oid(from),
      rescheduledAt: secondsAgo(1),
    });
    await store.setSlot(to, { status: 'BOOKED', appointmentId: a._id });
    await store.setSlot(from, { status: 'BOOKED', appointmentId: a._id });
    const toBefore = await store.slot(to);

    const { counts, after } = await repairs(from);

    expect(counts.movesCompleted).toBeGreaterThanOrEqual(1);
    expect(after).toMatchObject({ status: 'AVAILABLE', appointmentId: null });
    expect(await store.slot(to)).toEqual(toBefore);
    expect(await store.claim(a._id)).toMatchObject({
      status: 'CONFIRMED',
      slotId: oid(to),
      previousSlotId: null,
    });
    expect(await invariantViolations(t.db, serviceId)).toEqual([]);
  });

  it('gives back the new slot of a move that died before the claim moved', async () => {
    const [from, to] = [slotIds[0]!, slotIds[1]!];
    const a = await store.insertClaim(from, { status: 'CONFIRMED' });
    await store.setSlot(from, { status: 'BOOKED', appointmentId: a._id });
    await store.setSlot(to, { status: 'BOOKED', appointmentId: a._id });
    const fromBefore = await store.slot(from);

    const { after } = await repairs(to);

    expect(after).toMatchObject({ status: 'AVAILABLE', appointmentId: null });
    expect(await store.slot(from)).toEqual(fromBefore);
    expect(await store.claim(a._id)).toMatchObject({ slotId: oid(from), previousSlotId: null });
  });

  it('expires a HELD claim past its expiry and frees its slot', async () => {
    const expiresAt = secondsAgo(5);
    const h = await store.insertClaim(slotIds[0]!, { status: 'HELD', expiresAt, holdSecret: 'x'.repeat(22) });
    await store.setSlot(slotIds[0]!, { status: 'LOCKED', holdId: h._id, holdExpiresAt: expiresAt });

    const { counts, after } = await repairs(slotIds[0]!);

    expect(counts.holdsExpired).toBeGreaterThanOrEqual(1);
    expect(await store.claim(h._id)).toMatchObject({
      status: 'EXPIRED',
      slotClaim: `~${h._id.toHexString()}`,
    });
    expect(after).toMatchObject({ status: 'AVAILABLE', holdId: null, holdExpiresAt: null });
  });

  it('leaves a live hold, a provider block and consistent bookings alone', async () => {
    const api = rpc(t.client);
    await api.bookSlot({ slotId: slotIds[0]!, userId: 'booked' });
    await api.holdSlot({ slotId: slotIds[1]!, userId: 'holding', ttlSeconds: 120 });
    await api.setSlotStatus({ slotId: slotIds[2]!, status: SlotStatus.SLOT_STATUS_LOCKED });
    const before = await Promise.all(slotIds.slice(0, 4).map((id) => store.slot(id)));

    await t.app.reconciler.runOnce();

    expect(await Promise.all(slotIds.slice(0, 4).map((id) => store.slot(id)))).toEqual(before);
  });
});
