/**
 * Concurrent holds: the unique slot-claim index admits one hold among many
 * concurrent attempts, with the lock gate on or off.
 */
import type { ClaimDoc } from '../../../src/infra/mongo/models';
import { serviceWithSlots } from '../../factories';
import { rpc } from '../../support/harness';
import { holdIdOf, oid, storeOf } from '../../support/holds';
import { describeWithLockGateOnAndOff, winnersAndLosers } from '../../support/lock-gate-races';

describeWithLockGateOnAndOff(
  '50 concurrent holds of one slot, lock gate %s',
  { RECONCILER_ENABLED: 'false' },
  (gate, app) => {
    it('exactly one succeeds, and the database shows one HELD claim the slot points at', async () => {
      const t = app();
      const api = rpc(t.client);
      const { slotIds } = await serviceWithSlots(api);
      const slotId = slotIds[0]!;

      const results = await Promise.allSettled(
        Array.from({ length: 50 }, (_, i) => api.holdSlot({ slotId, userId: `holder-${i}`, ttlSeconds: 60 })),
      );

      const { winners, losers } = winnersAndLosers(results);
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
  },
);
