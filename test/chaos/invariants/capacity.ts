/** capacity: on a slot of several places, the active claims and its latest ledger entry take at most its capacity (and the projection of such slots). */
import { describeClaim, describeSlot, hex, type BySlot, type Evidence } from './rows';

export function checkCapacity(
  { slots, ledger, claimById, isActive, add }: Evidence,
  { activeBySlot }: BySlot,
): void {
  for (const s of slots) {
    const id = hex(s._id);
    const capacity = s.capacity ?? 1;
    if (capacity <= 1) continue;
    const entry = ledger.get(id);
    const members = new Map((entry?.members ?? []).map((m) => [hex(m.claimId), m.places]));
    const active = activeBySlot.get(id) ?? [];
    const taken = active.reduce((n, c) => n + (c.places ?? 1), 0);
    const listed = [...members.values()].reduce((n, p) => n + p, 0);
    if (taken > capacity) {
      add(
        'capacity',
        `slot ${id} of ${capacity} places has ${taken} taken: ${active.map(describeClaim).join('; ')}`,
      );
    }
    if (listed > capacity)
      add('capacity', `slot ${id}: ledger entry ${entry?.n} lists ${listed} of ${capacity} places`);
    for (const c of active) {
      if (members.get(hex(c._id)) !== (c.places ?? 1)) {
        add(
          'capacity',
          `active claim is not a member of entry ${entry?.n ?? 0} of its slot: ${describeClaim(c)}`,
        );
      }
    }
    for (const claimId of members.keys()) {
      const c = claimById.get(claimId);
      if (!c || !isActive(c) || hex(c.slotId) !== id) {
        add(
          'projection',
          `slot ${id}: member ${claimId} of entry ${entry?.n} is ${c ? describeClaim(c) : 'missing'}`,
        );
      }
    }
    if ((s.placesRev ?? 0) !== (entry?.n ?? 0) || (s.placesTaken ?? 0) !== listed) {
      add(
        'projection',
        `slot ${id} shows entry ${s.placesRev} (${s.placesTaken} taken); the latest is ${entry?.n ?? 0} (${listed})`,
      );
    }
    if (s.status === 'BOOKED' || s.appointmentId || s.holdId) {
      add('projection', `slot of several places points at a claim: ${describeSlot(s)}`);
    }
  }
}
