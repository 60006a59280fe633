/**
 * Places of a slot of several places shown on the watch stream, and repaired
 * by the reconciler after a crash between two writes.
 */
import { Types } from 'mongoose';
import { serviceWithSlots } from '../../factories';
import { failure } from '../../support/harness';
import { storedPlaces } from '../../support/places';
import { openWatch, WatchEventType } from '../../support/watch-client';
import { api, t, useFileApp } from '../../support/file-app';
import { AVAILABLE, BOOKED, CAPACITY_ENV, consistent } from '../../support/capacity';

useFileApp(CAPACITY_ENV);

describe('watch', () => {
  it('streams places taken and left with every change', async () => {
    const { service, slotIds } = await serviceWithSlots(api, { capacity: 2 });
    const w = openWatch(t.client, { serviceId: service.id, sendInitialSnapshot: true });
    try {
      await w.synced();
      const snap = w.snapshots().find((m) => m.slot!.id === slotIds[0]);
      expect(snap!.slot).toMatchObject({ capacity: 2, placesTaken: 0, placesLeft: 2 });
      await api.bookSlot({ slotId: slotIds[0]!, userId: 'olga' });
      const [first] = await w.waitForChanges(1);
      expect(first!.type).toBe(WatchEventType.WATCH_EVENT_TYPE_CHANGE);
      expect(first!.slot).toMatchObject({ status: AVAILABLE, placesTaken: 1, placesLeft: 1 });
      await api.bookSlot({ slotId: slotIds[0]!, userId: 'pete' });
      const changes = await w.waitForChanges(2);
      expect(changes[1]!.slot).toMatchObject({ status: BOOKED, placesTaken: 2, placesLeft: 0 });
      expect(changes[1]!.previousStatus).toBe(AVAILABLE);
    } finally {
      w.cancel();
    }
  });
});

describe('crash repair', () => {
  it('the reconciler drops members whose claim left (or never came), through a ledger entry', async () => {
    const { slotIds } = await serviceWithSlots(api, { capacity: 3 });
    const slotId = slotIds[0]!;
    const kept = (await api.bookSlot({ slotId, userId: 'quinn' })).appointment!;
    const gone = (await api.bookSlot({ slotId, userId: 'rita' })).appointment!;
    // A cancellation whose instance crashed after the claim's transition, before its ledger entry.
    await t.db
      .collection('appointments')
      .updateOne(
        { _id: new Types.ObjectId(gone.id) },
        { $set: { status: 'CANCELLED', slotClaim: `~${gone.id}` } },
      );
    // A booking whose instance crashed after its ledger entry, before writing its claim.
    const before = await storedPlaces(t.db, slotId);
    const ghost = new Types.ObjectId();
    const entry = await t.db
      .collection<{ _id: string }>('slot_places')
      .findOne({ _id: `${slotId}:${before.n}` });
    await t.db.collection<{ _id: string } & Record<string, unknown>>('slot_places').insertOne({
      ...(entry as unknown as Record<string, unknown>),
      _id: `${slotId}:${before.n + 1}`,
      n: before.n + 1,
      members: [
        ...(entry as unknown as { members: object[] }).members,
        { claimId: ghost, userId: 'ghost', places: 1, expiresAt: null, since: new Date(Date.now() - 60_000) },
      ],
    });
    expect((await failure(api.bookSlot({ slotId, userId: 'sam' }))).reason).toBe('SLOT_FULL');

    const counts = await t.app.reconciler.runOnce();
    expect(counts.placesFreed).toBe(2);
    const after = await storedPlaces(t.db, slotId);
    expect([...after.members.keys()]).toEqual([kept.id]);
    expect(after.placesTaken).toBe(1);
    // The ghost's id is fenced: its claim can never be written now.
    expect((await t.db.collection('appointments').findOne({ _id: ghost }))!.status).toBe('VOID');
    await api.bookSlot({ slotId, userId: 'sam', partySize: 2 });
    await consistent(slotId);
  });
});
