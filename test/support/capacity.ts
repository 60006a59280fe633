/**
 * Helpers of the capacity tests (test/integration/capacity/), on the app of
 * test/support/file-app.ts: a slot as ListSlots shows it, and the places ledger
 * checked against the claims.
 */
import { SlotStatus, type Slot } from '../../src/gen/booking/v1/resources';
import { listAllSlots } from '../factories';
import { api, t } from './file-app';
import { placesSum, placesViolations, storedPlaces } from './places';

export const {
  SLOT_STATUS_AVAILABLE: AVAILABLE,
  SLOT_STATUS_BOOKED: BOOKED,
  SLOT_STATUS_LOCKED: LOCKED,
} = SlotStatus;

/** The settings every capacity test file runs with. */
export const CAPACITY_ENV = { RECONCILER_ENABLED: 'false', RECONCILER_GRACE_MS: '0' };

export async function slotNow(serviceId: string, slotId: string): Promise<Slot> {
  return (await listAllSlots(api, serviceId)).find((s) => s.id === slotId)!;
}

/** The slot's ledger holds exactly its active claims, and its members' places add up. */
export async function consistent(slotId: string): Promise<void> {
  const stored = await storedPlaces(t.db, slotId);
  expect(placesViolations(slotId, stored)).toEqual([]);
  expect(placesSum(stored.members)).toBe(placesSum(stored.active));
}
