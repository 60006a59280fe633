/** exclusive: no slot of one place has more than one active claim or confirmed appointment; no slotClaim is shared. */
import { describeClaim, hex, type BySlot, type ClaimRow, type Evidence } from './rows';

export function checkExclusive({ claims, slotById, isActive, add }: Evidence): BySlot {
  const confirmedBySlot = new Map<string, ClaimRow[]>();
  const activeBySlot = new Map<string, ClaimRow[]>();
  const bySlotClaim = new Map<string, ClaimRow[]>();
  for (const c of claims) {
    const slot = hex(c.slotId);
    if (c.status === 'CONFIRMED')
      (confirmedBySlot.get(slot) ?? confirmedBySlot.set(slot, []).get(slot)!).push(c);
    if (isActive(c)) (activeBySlot.get(slot) ?? activeBySlot.set(slot, []).get(slot)!).push(c);
    (bySlotClaim.get(c.slotClaim) ?? bySlotClaim.set(c.slotClaim, []).get(c.slotClaim)!).push(c);
    const live = c.status === 'HELD' || c.status === 'CONFIRMED';
    const placed = (c.places ?? null) !== null;
    const expectedClaim = live ? (placed ? `${slot}/${hex(c._id)}` : slot) : `~${hex(c._id)}`;
    if (c.slotClaim !== expectedClaim) {
      add('exclusive', `claim's slotClaim is ${c.slotClaim}, expected ${expectedClaim}: ${describeClaim(c)}`);
    }
  }
  const isMulti = (slotId: string): boolean => (slotById.get(slotId)?.capacity ?? 1) > 1;
  for (const [slot, list] of confirmedBySlot) {
    if (list.length > 1 && !isMulti(slot)) {
      add(
        'exclusive',
        `slot ${slot} has ${list.length} CONFIRMED appointments: ${list.map(describeClaim).join('; ')}`,
      );
    }
  }
  for (const [slot, list] of activeBySlot) {
    if (list.length > 1 && !isMulti(slot)) {
      add(
        'exclusive',
        `slot ${slot} has ${list.length} active claims: ${list.map(describeClaim).join('; ')}`,
      );
    }
  }
  for (const [key, list] of bySlotClaim) {
    if (list.length > 1)
      add('exclusive', `slotClaim ${key} is shared by ${list.map(describeClaim).join('; ')}`);
  }
  return { confirmedBySlot, activeBySlot };
}
