/** projection: every BOOKED slot of one place has exactly one confirmed appointment, pointing back; no hold or move is left half done. */
import { describeClaim, describeSlot, hex, type BySlot, type Evidence } from './rows';

export function checkProjection(
  { slots, claims, now, cleanupSlackMs, slotById, claimById, isActive, add }: Evidence,
  { confirmedBySlot }: BySlot,
): void {
  for (const s of slots) {
    const id = hex(s._id);
    if ((s.capacity ?? 1) > 1) continue;
    const confirmed = confirmedBySlot.get(id) ?? [];
    if (s.status === 'BOOKED') {
      if (confirmed.length !== 1) {
        add('projection', `BOOKED slot has ${confirmed.length} CONFIRMED appointments: ${describeSlot(s)}`);
      } else if (hex(s.appointmentId) !== hex(confirmed[0]!._id)) {
        add(
          'projection',
          `BOOKED slot points at ${hex(s.appointmentId)}, its appointment is ${describeClaim(confirmed[0]!)}: ${describeSlot(s)}`,
        );
      }
    } else if (s.status === 'LOCKED' && s.holdId) {
      const hold = claimById.get(hex(s.holdId));
      const ended = !s.holdExpiresAt || s.holdExpiresAt.getTime() < now.getTime() - cleanupSlackMs;
      if (!hold || !isActive(hold) || hold.status !== 'HELD') {
        if (ended || !hold) {
          add(
            'projection',
            `slot LOCKED by a hold that does not hold it (${hold ? describeClaim(hold) : 'no such claim'}): ${describeSlot(s)}`,
          );
        }
      }
    } else if (s.status === 'AVAILABLE' && confirmed.length > 0) {
      add(
        'projection',
        `AVAILABLE slot has a CONFIRMED appointment ${describeClaim(confirmed[0]!)}: ${describeSlot(s)}`,
      );
    }
  }
  for (const c of claims) {
    if (c.status === 'CONFIRMED') {
      const s = slotById.get(hex(c.slotId));
      if (!s) add('projection', `CONFIRMED appointment on an unknown slot: ${describeClaim(c)}`);
      else if ((s.capacity ?? 1) > 1) {
        // A member of its slot's ledger: checked under capacity above.
      } else if (s.status !== 'BOOKED' || hex(s.appointmentId) !== hex(c._id)) {
        add(
          'projection',
          `CONFIRMED appointment's slot does not point back: ${describeClaim(c)} vs ${describeSlot(s)}`,
        );
      }
      if (c.previousSlotId) add('projection', `move never completed: ${describeClaim(c)}`);
    }
    if (c.status === 'HELD' && c.expiresAt && c.expiresAt.getTime() < now.getTime() - cleanupSlackMs) {
      add(
        'projection',
        `hold ended ${now.getTime() - c.expiresAt.getTime()} ms ago and is still HELD: ${describeClaim(c)}`,
      );
    }
  }
}
