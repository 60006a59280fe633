/** The booking invariants, checked on what a database holds. */
import mongoose, { type Connection } from 'mongoose';

/**
 * Breaches of the booking invariants in a database, as readable lines (empty
 * when all hold): at most one active claim (CONFIRMED, or HELD and unexpired)
 * per slot; every BOOKED slot points at a CONFIRMED appointment on that slot;
 * every CONFIRMED appointment's slot is BOOKED by it. `serviceId` limits the
 * check to one service's slots and claims.
 */
export async function invariantViolations(db: Connection, serviceId?: string): Promise<string[]> {
  const now = new Date();
  const filter = serviceId ? { serviceId: new mongoose.Types.ObjectId(serviceId) } : {};
  const slots = await db.collection('slots').find(filter).toArray();
  const claims = await db.collection('appointments').find(filter).toArray();
  const claimById = new Map(claims.map((c) => [String(c._id), c]));
  const slotById = new Map(slots.map((s) => [String(s._id), s]));
  const problems: string[] = [];
  const activeBySlot = new Map<string, string[]>();
  for (const c of claims) {
    const active =
      c.status === 'CONFIRMED' ||
      (c.status === 'HELD' && c.expiresAt instanceof Date && c.expiresAt.getTime() > now.getTime());
    if (!active) continue;
    const key = String(c.slotId);
    activeBySlot.set(key, [...(activeBySlot.get(key) ?? []), String(c._id)]);
  }
  for (const [slotId, ids] of activeBySlot) {
    if (ids.length > 1) problems.push(`slot ${slotId} has ${ids.length} active claims: ${ids.join(', ')}`);
  }
  for (const s of slots) {
    if (s.status !== 'BOOKED') continue;
    const claim = s.appointmentId ? claimById.get(String(s.appointmentId)) : undefined;
    if (!claim || claim.status !== 'CONFIRMED' || String(claim.slotId) !== String(s._id)) {
      problems.push(
        `slot ${String(s._id)} is BOOKED by ${String(s.appointmentId)}, which is ` +
          (claim ? `${claim.status} on slot ${String(claim.slotId)}` : 'missing'),
      );
    }
  }
  for (const c of claims) {
    if (c.status !== 'CONFIRMED') continue;
    const slot = slotById.get(String(c.slotId));
    if (!slot || slot.status !== 'BOOKED' || String(slot.appointmentId) !== String(c._id)) {
      problems.push(
        `appointment ${String(c._id)} is CONFIRMED on slot ${String(c.slotId)}, which is ` +
          (slot ? `${slot.status} (appointmentId ${String(slot.appointmentId)})` : 'missing'),
      );
    }
  }
  return problems;
}
