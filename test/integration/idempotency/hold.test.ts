/**
 * Idempotent HoldSlot (AIP-155): a retry with the same request_id returns the
 * same hold, also after the first result was lost.
 */
import { randomUUID } from 'node:crypto';
import { SlotStatus } from '../../../src/gen/booking/v1/resources';
import { serviceWithSlots } from '../../factories';
import { failure } from '../../support/harness';
import { api, useFileApp } from '../../support/file-app';
import { claims, newUser, oid, requestLog, storedSlot } from '../../support/idempotency';

// No background repairs: some tests craft what a crashed request leaves behind.
useFileApp({ RECONCILER_ENABLED: 'false', RECONCILER_GRACE_MS: '0' });

describe('HoldSlot with a request_id', () => {
  it('a retry returns the same hold token and expiry', async () => {
    const { slotIds } = await serviceWithSlots(api);
    const user = newUser('holder');
    const requestId = randomUUID();

    const first = await api.holdSlot({ slotId: slotIds[0]!, userId: user, ttlSeconds: 60, requestId });
    const second = await api.holdSlot({ slotId: slotIds[0]!, userId: user, ttlSeconds: 60, requestId });

    expect(second.holdToken).toBe(first.holdToken);
    expect(second.expireTime).toEqual(first.expireTime);
    expect(second.slot).toMatchObject({
      status: SlotStatus.SLOT_STATUS_LOCKED,
      holdExpireTime: first.expireTime,
    });
    expect(await claims().countDocuments({ slotId: oid(slotIds[0]!) })).toBe(1);
  });

  it('a retry after the first result was lost resumes the same hold, keeping its expiry', async () => {
    const { slotIds } = await serviceWithSlots(api);
    const user = newUser('holder');
    const requestId = randomUUID();
    const first = await api.holdSlot({ slotId: slotIds[0]!, userId: user, ttlSeconds: 60, requestId });
    // The first attempt died after its hold was written, before its result was recorded.
    await requestLog().deleteOne({ _id: `HoldSlot:${user}:${requestId}` });

    const second = await api.holdSlot({ slotId: slotIds[0]!, userId: user, ttlSeconds: 60, requestId });

    expect(second.holdToken).toBe(first.holdToken);
    expect(second.expireTime).toEqual(first.expireTime);
    expect(await storedSlot(slotIds[0]!)).toMatchObject({
      status: 'LOCKED',
      holdExpiresAt: first.expireTime,
    });
    expect(await claims().countDocuments({ slotId: oid(slotIds[0]!) })).toBe(1);
  });

  it('the same request_id with another ttl is REQUEST_ID_REUSED', async () => {
    const { slotIds } = await serviceWithSlots(api);
    const user = newUser('holder');
    const requestId = randomUUID();
    await api.holdSlot({ slotId: slotIds[0]!, userId: user, ttlSeconds: 60, requestId });

    const e = await failure(api.holdSlot({ slotId: slotIds[0]!, userId: user, ttlSeconds: 120, requestId }));

    expect(e.reason).toBe('REQUEST_ID_REUSED');
  });
});
