/**
 * The reconciler converges slot projections on the claim records after a crash
 * between two writes. Each test crafts such leftovers straight in the database,
 * runs one pass (`reconciler.runOnce()`, no background loop) and checks the
 * repaired state. Here: a grace period spares fresh
 * leftovers, which may be requests in progress.
 */
import { Types } from 'mongoose';
import { serviceWithSlots } from '../../factories';
import { rpc, startTestApp, type TestApp } from '../../support/harness';
import { RECONCILER_ENV, secondsAgo, storeOf } from '../../support/reconciler';

describe('reconciler grace period (RECONCILER_GRACE_MS 10 min)', () => {
  let t: TestApp;
  let store: ReturnType<typeof storeOf>;
  beforeAll(async () => {
    t = await startTestApp({ ...RECONCILER_ENV, RECONCILER_GRACE_MS: '600000' });
    store = storeOf(t);
  });
  afterAll(() => t.stop());

  it('leaves a fresh leftover alone (it may be a request in progress) and repairs an old one', async () => {
    const { slotIds } = await serviceWithSlots(rpc(t.client));
    const fresh = await store.setSlot(
      slotIds[0]!,
      { status: 'BOOKED', appointmentId: new Types.ObjectId() },
      new Date(),
    );
    const freshClaim = await store.insertClaim(slotIds[1]!, { status: 'CONFIRMED', updatedAt: new Date() });
    await store.setSlot(
      slotIds[2]!,
      { status: 'BOOKED', appointmentId: new Types.ObjectId() },
      secondsAgo(20 * 60),
    );
    const oldClaim = await store.insertClaim(slotIds[3]!, {
      status: 'CONFIRMED',
      updatedAt: secondsAgo(20 * 60),
    });

    await t.app.reconciler.runOnce();

    expect(await store.slot(slotIds[0]!)).toEqual(fresh);
    expect(await store.slot(slotIds[1]!)).toMatchObject({ status: 'AVAILABLE', revision: 1 });
    expect(await store.claim(freshClaim._id)).toMatchObject({ status: 'CONFIRMED' });
    expect(await store.slot(slotIds[2]!)).toMatchObject({ status: 'AVAILABLE', appointmentId: null });
    expect(await store.slot(slotIds[3]!)).toMatchObject({ status: 'BOOKED', appointmentId: oldClaim._id });
  });
});
