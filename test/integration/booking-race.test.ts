/**
 * The property that must never break: a slot never has two confirmed
 * appointments. 200 concurrent BookSlot calls for one slot, with the lock gate
 * on and off; the arbiter is the database, so both must end with exactly one
 * appointment and the slot BOOKED by it.
 */
import { status } from '@grpc/grpc-js';
import { Types } from 'mongoose';
import { serviceWithSlots } from '../factories';
import { rpc, type TestApp } from '../support/harness';
import { describeWithLockGateOnAndOff, winnersAndLosers } from '../support/lock-gate-races';

const RACERS = 200;

async function race(t: TestApp, slotId: string) {
  const api = rpc(t.client);
  const results = await Promise.allSettled(
    Array.from({ length: RACERS }, (_, i) => api.bookSlot({ slotId, userId: `racer-${i}`, serviceId: '' })),
  );
  return winnersAndLosers(results);
}

async function storedState(t: TestApp, slotId: string) {
  const confirmed = await t.db
    .collection('appointments')
    .find({ slotId: new Types.ObjectId(slotId), status: 'CONFIRMED' })
    .toArray();
  const slot = await t.db
    .collection<{ status: string; appointmentId: Types.ObjectId | null }>('slots')
    .findOne({ _id: new Types.ObjectId(slotId) });
  return { confirmed, slot };
}

describeWithLockGateOnAndOff('200 concurrent bookings of one slot, lock gate %s', {}, (gate, app) => {
  it('produces exactly one appointment, and the slot is BOOKED by it', async () => {
    const t = app();
    const { slotIds } = await serviceWithSlots(rpc(t.client));
    const slotId = slotIds[0]!;

    const { winners, losers } = await race(t, slotId);

    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(RACERS - 1);
    const allowed = gate === 'on' ? ['SLOT_BUSY', 'SLOT_UNAVAILABLE'] : ['SLOT_UNAVAILABLE'];
    for (const loser of losers) {
      expect(allowed).toContain(loser.reason);
      expect([status.ABORTED, status.FAILED_PRECONDITION]).toContain(loser.code);
    }

    const winner = winners[0]!;
    const { confirmed, slot } = await storedState(t, slotId);
    expect(confirmed).toHaveLength(1);
    expect(confirmed[0]!._id.toHexString()).toBe(winner.appointment!.id);
    expect(slot!.status).toBe('BOOKED');
    expect(slot!.appointmentId?.toHexString()).toBe(winner.appointment!.id);
  });

  it('stays exclusive through rounds of cancel and rebook on the same slot', async () => {
    const t = app();
    const api = rpc(t.client);
    const { slotIds } = await serviceWithSlots(api);
    const slotId = slotIds[0]!;
    for (let round = 0; round < 3; round++) {
      const { winners } = await race(t, slotId);
      expect(winners).toHaveLength(1);
      const won = winners[0]!.appointment!;
      const { confirmed, slot } = await storedState(t, slotId);
      expect(confirmed.map((a) => a._id.toHexString())).toEqual([won.id]);
      expect(slot!.appointmentId?.toHexString()).toBe(won.id);
      await api.cancelAppointment({ appointmentId: won.id, userId: won.userId, reason: '' });
    }
    const all = await t.db.collection('appointments').countDocuments({ slotId: new Types.ObjectId(slotId) });
    expect(all).toBe(3);
  });
});
