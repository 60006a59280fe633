/**
 * RescheduleAppointment racing: moves and fresh bookings for one free slot,
 * with the lock gate on and off; exactly one gets it.
 */
import type { Appointment } from '../../../src/gen/booking/v1/resources';
import { serviceWithSlots } from '../../factories';
import { invariantViolations, rpc } from '../../support/harness';
import { newUser, oid, storeOf } from '../../support/holds';
import { describeWithLockGateOnAndOff, winnersAndLosers } from '../../support/lock-gate-races';

type Mover = { kind: 'move'; appointment: Appointment; from: string };
type Attempt = Mover | { kind: 'book'; userId: string };

describeWithLockGateOnAndOff(
  'moves and fresh bookings racing for one free slot, lock gate %s',
  { RECONCILER_ENABLED: 'false' },
  (gate, app) => {
    // 20 attempts: moves of distinct appointments spread among fresh bookings.
    it.each([2, 10, 20])('exactly one of 20 attempts gets it (%i of them moves)', async (moves) => {
      const t = app();
      const api = rpc(t.client);
      const store = storeOf(app);
      // 15-minute slots: 32 in the day, enough for 20 movers and the target.
      const { service, slotIds } = await serviceWithSlots(api, { slotDurationMinutes: 15 });
      const target = slotIds[slotIds.length - 1]!;
      const movers: Mover[] = [];
      for (const from of slotIds.slice(0, moves)) {
        const { appointment } = await api.bookSlot({ slotId: from, userId: newUser('mover') });
        movers.push({ kind: 'move', appointment: appointment!, from });
      }
      const every = 20 / moves;
      const attempts: Attempt[] = Array.from({ length: 20 }, (_, i) =>
        i % every === 0 ? movers[i / every]! : { kind: 'book', userId: newUser('fresh') },
      );

      const results = await Promise.allSettled(
        attempts.map((at) =>
          at.kind === 'move'
            ? api.rescheduleAppointment({
                appointmentId: at.appointment.id,
                userId: at.appointment.userId,
                newSlotId: target,
              })
            : api.bookSlot({ slotId: target, userId: at.userId }),
        ),
      );

      const { winners, losers } = winnersAndLosers(results);
      expect(winners).toHaveLength(1);
      const winner = winners[0]!.appointment!;
      const confirmedOnTarget = (await store.claimsOfSlot(target)).filter((c) => c.status === 'CONFIRMED');
      expect(confirmedOnTarget.map((c) => c._id.toHexString())).toEqual([winner.id]);
      expect(await store.slot(target)).toMatchObject({ status: 'BOOKED', appointmentId: oid(winner.id) });
      // A mover that lost is still on its old slot; the one that won left its old slot free.
      for (const { appointment, from } of movers) {
        if (winner.id === appointment.id) {
          expect(await store.slot(from)).toMatchObject({ status: 'AVAILABLE', appointmentId: null });
        } else {
          expect(await store.claim(appointment.id)).toMatchObject({
            slotId: oid(from),
            previousSlotId: null,
          });
          expect(await store.slot(from)).toMatchObject({
            status: 'BOOKED',
            appointmentId: oid(appointment.id),
          });
        }
      }
      expect(await invariantViolations(t.db, service.id)).toEqual([]);
      // Losers are told why, never INTERNAL.
      const allowed = gate === 'on' ? ['SLOT_BUSY', 'SLOT_UNAVAILABLE'] : ['SLOT_UNAVAILABLE'];
      expect(losers.map((l) => l.reason).filter((r) => !allowed.includes(r!))).toEqual([]);
    });
  },
);
