/** Helpers of the hold tests (test/integration/holds/): users, hold ids and the stored slot and claims. */
import type { ClaimDoc, SlotDoc } from '../../src/infra/mongo/models';
import type { TestApp } from './harness';
import { sleep } from './processes';
import { newUser, oid } from './ids';

export { newUser, oid };
export const holdIdOf = (token: string): string => token.split('.')[0]!;

export function storeOf(t: TestApp) {
  const slots = t.db.collection<SlotDoc>('slots');
  const claims = t.db.collection<ClaimDoc>('appointments');
  return {
    slot: async (id: string): Promise<SlotDoc> => (await slots.findOne({ _id: oid(id) }))!,
    claim: (id: string) => claims.findOne({ _id: oid(id) }),
    claimsOfSlot: (slotId: string) => claims.find({ slotId: oid(slotId) }).toArray(),
  };
}

/** Waits until `time` has passed (by a margin), without a fixed sleep. */
export async function waitUntilPast(time: Date, marginMs = 50): Promise<void> {
  while (Date.now() < time.getTime() + marginMs)
    await sleep(Math.max(10, time.getTime() + marginMs - Date.now()));
}
