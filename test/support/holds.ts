/** Helpers of the hold tests (test/integration/holds/): users, hold ids and the stored slot and claims. */
import type { ClaimDoc, SlotDoc } from '../../src/infra/mongo/models';
import type { TestApp } from './harness';
import { sleep } from './processes';
import { newUser, oid } from './ids';

export { newUser, oid };
export const holdIdOf = (token: string): string => token.split('.')[0]!;

/** The stored slots and claims of the app `app()` returns (read at each call, so it may start later). */
export function storeOf(app: () => TestApp) {
  const slots = () => app().db.collection<SlotDoc>('slots');
  const claims = () => app().db.collection<ClaimDoc>('appointments');
  return {
    slot: async (id: string): Promise<SlotDoc> => (await slots().findOne({ _id: oid(id) }))!,
    claim: (id: string) => claims().findOne({ _id: oid(id) }),
    claimsOfSlot: (slotId: string) =>
      claims()
        .find({ slotId: oid(slotId) })
        .toArray(),
  };
}

/** Waits until `time` has passed (by a margin), without a fixed sleep. */
export async function waitUntilPast(time: Date, marginMs = 50): Promise<void> {
  while (Date.now() < time.getTime() + marginMs)
    await sleep(Math.max(10, time.getTime() + marginMs - Date.now()));
}
