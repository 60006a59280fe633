import type { RepairDeps } from './deps';

/**
 * Expires holds past their deadline and frees the slots they held. Behind
 * the slot's gate, taken as a repair's: a booking of the slot arriving
 * meanwhile waits for it instead of being told SLOT_BUSY (enterGate, claims/gate-entry.ts).
 */
export async function expireHolds(deps: RepairDeps, now: Date): Promise<number> {
  const { claims, slots, settings, core } = deps;
  let expired = 0;
  for (const hold of await claims.findExpiredHolds(now, settings.batchSize)) {
    await core.ifFree(hold.slotId, async () => {
      if (await claims.expireHold({ holdId: hold.id, now })) expired += 1;
      if (hold.places !== null) await core.places.leave(hold.slotId, hold.id);
      else await core.giveBack(hold.slotId, hold.id);
    });
  }
  // Slots still showing an expired hold (its record expired by a booking that then failed, say).
  for (const slot of await slots.findWithExpiredHolds(now, settings.batchSize)) {
    await core.ifFree(slot.id, () => core.giveBack(slot.id, slot.holdId!));
  }
  return expired;
}
