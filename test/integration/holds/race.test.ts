/**
 * Concurrent holds: the unique slot-claim index admits one hold among many
 * concurrent attempts, with the lock gate on or off.
 */
import type { ClaimDoc } from '../../../src/infra/mongo/models';
import { serviceWithSlots } from '../../factories';
import { decodeError, rpc, startTestApp, type TestApp } from '../../support/harness';
import { holdIdOf, oid, storeOf } from '../../support/holds';

describe.each([
  ['on', 'true'],
  ['off', 'false'],
])('50 concurrent holds of one slot, lock gate %s', (gate, enabled) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ BOOKING_LOCK_ENABLED: enabled, RECONCILER_ENABLED: 'false' });
  });
  afterAll(() => t.stop());

  it('exactly one succeeds, and the database shows one HELD claim the slot points at', async () => {
    const api = rpc(t.client);
    const { slotIds } = await serviceWithSlots(api);
    const slotId = slotIds[0]!;

    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) => api.holdSlot({ slotId, userId: `holder-${i}`, ttlSeconds: 60 })),
    );

    const winners = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const losers = results.flatMap((r) => (r.status === 'rejected' ? [decodeError(r.reason)] : []));
    expect(winners).toHaveLength(1);
    const allowed = gate === 'on' ? ['SLOT_BUSY', 'SLOT_UNAVAILABLE'] : ['SLOT_UNAVAILABLE'];
    for (const loser of losers) expect(allowed).toContain(loser.reason);

    const holdId = holdIdOf(winners[0]!.holdToken);
    const held = await t.db
      .collection<ClaimDoc>('appointments')
      .find({ slotId: oid(slotId), status: 'HELD' })
      .toArray();
    expect(held.map((c) => c._id.toHexString())).toEqual([holdId]);
    expect(await storeOf(() => t).slot(slotId)).toMatchObject({
      status: 'LOCKED',
      holdId: oid(holdId),
      holdExpiresAt: winners[0]!.expireTime,
    });
  });
});
