import { WHOLE_STRETCH, type RepairDeps } from './deps';
import type { Stretch } from './sweep';

/**
 * Slots of several places whose ledger changed, or with a claim that
 * changed (a cancellation whose request crashed before its ledger entry):
 * members whose claim is not active there are dropped (SlotPlaces.audit),
 * behind the slot's gate.
 */
export async function auditPlaces(deps: RepairDeps, stretch: Stretch): Promise<number> {
  const { placesLedger, claims, core, settings } = deps;
  const from = new Date(stretch.from);
  const to = new Date(stretch.to);
  const slotIds = new Set<string>();
  for (const c of (await placesLedger.findSlotsChangedBetween(from, to, WHOLE_STRETCH)).rows) {
    slotIds.add(c.slotId);
  }
  for (const c of (await claims.findPlacesChangedBetween(from, to, WHOLE_STRETCH)).rows) {
    slotIds.add(c.slotId);
    if (c.previousSlotId && c.previousPlaces !== null) slotIds.add(c.previousSlotId);
  }
  let freed = 0;
  for (const slotId of slotIds) {
    freed += (await core.ifFree(slotId, () => core.places.audit(slotId, settings.graceMs))) ?? 0;
  }
  return freed;
}
