/**
 * The reconciler converges slot projections on the claim records after a crash
 * between two writes. Each test crafts such leftovers straight in the database,
 * runs one pass (`reconciler.runOnce()`, no background loop) and checks the
 * repaired state. Here: every repair is a conditional
 * write that bumps the slot's revision, so two instances can run passes at once.
 */
import { Types } from 'mongoose';
import { serviceWithSlots } from '../../factories';
import { invariantViolations, rpc, startTestApp, type TestApp } from '../../support/harness';
import { RECONCILER_ENV, secondsAgo, storeOf } from '../../support/reconciler';

describe('two instances reconciling one database at once', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    a = await startTestApp(RECONCILER_ENV);
    b = await startTestApp(RECONCILER_ENV, { database: a.database });
  });
  afterAll(async () => {
    await b.stop();
    await a.stop();
  });

  it('repairs each leftover once and ends in one consistent state', async () => {
    const store = storeOf(a);
    const { service, slotIds } = await serviceWithSlots(rpc(a.client));
    // 4 slots BOOKED by nothing, 4 confirmed claims without their slot, 4 expired holds.
    const orphaned = slotIds.slice(0, 4);
    const unbooked = slotIds.slice(4, 8);
    const expired = slotIds.slice(8, 12);
    for (const id of orphaned)
      await store.setSlot(id, { status: 'BOOKED', appointmentId: new Types.ObjectId() });
    const claims = new Map<string, Types.ObjectId>();
    for (const id of unbooked) claims.set(id, (await store.insertClaim(id, { status: 'CONFIRMED' }))._id);
    const holds = new Map<string, Types.ObjectId>();
    for (const id of expired) {
      const expiresAt = secondsAgo(5);
      const h = await store.insertClaim(id, { status: 'HELD', expiresAt, holdSecret: 'x'.repeat(22) });
      await store.setSlot(id, { status: 'LOCKED', holdId: h._id, holdExpiresAt: expiresAt });
      holds.set(id, h._id);
    }
    const before = new Map(
      await Promise.all(
        slotIds.slice(0, 12).map(async (id) => [id, (await store.slot(id)).revision] as const),
      ),
    );

    const [ca, cb] = await Promise.all([a.app.reconciler.runOnce(), b.app.reconciler.runOnce()]);

    for (const id of orphaned)
      expect(await store.slot(id)).toMatchObject({ status: 'AVAILABLE', appointmentId: null });
    for (const id of unbooked)
      expect(await store.slot(id)).toMatchObject({ status: 'BOOKED', appointmentId: claims.get(id) });
    for (const id of expired) {
      expect(await store.slot(id)).toMatchObject({ status: 'AVAILABLE', holdId: null });
      expect(await store.claim(holds.get(id)!)).toMatchObject({ status: 'EXPIRED' });
    }
    expect(await invariantViolations(a.db, service.id)).toEqual([]);
    // Each repair happened once: one revision step per slot, and counted by one instance.
    for (const id of slotIds.slice(0, 12)) expect((await store.slot(id)).revision).toBe(before.get(id)! + 1);
    expect(ca.slotsRepaired + cb.slotsRepaired).toBe(8);
    expect(ca.holdsExpired + cb.holdsExpired).toBe(4);
  });
});
