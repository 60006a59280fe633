/**
 * Idempotent HoldSlot (AIP-155): a retry with the same request_id returns the
 * same hold, also after the first result was lost.
 */
import { SlotStatus } from '../../../src/gen/booking/v1/resources';
import { failure } from '../../support/harness';
import { api } from '../../support/file-app';
import { claims, oid, requestLog, storedSlot } from '../../support/idempotency';
import { freshRequest, useIdempotencyApp } from './setup';

useIdempotencyApp();

describe('HoldSlot with a request_id', () => {
  /** A fresh request, and `attempt`, which sends its HoldSlot for the first slot (60 s unless told). */
  async function holdRequest() {
    const request = await freshRequest('holder');
    const { slotIds, user, requestId } = request;
    const attempt = (ttlSeconds = 60) =>
      api.holdSlot({ slotId: slotIds[0]!, userId: user, ttlSeconds, requestId });
    return { ...request, attempt };
  }

  it('a retry returns the same hold token and expiry', async () => {
    const { slotIds, attempt } = await holdRequest();

    const first = await attempt();
    const second = await attempt();

    expect(second.holdToken).toBe(first.holdToken);
    expect(second.expireTime).toEqual(first.expireTime);
    expect(second.slot).toMatchObject({
      status: SlotStatus.SLOT_STATUS_LOCKED,
      holdExpireTime: first.expireTime,
    });
    expect(await claims().countDocuments({ slotId: oid(slotIds[0]!) })).toBe(1);
  });

  it('a retry after the first result was lost resumes the same hold, keeping its expiry', async () => {
    const { slotIds, user, requestId, attempt } = await holdRequest();
    const first = await attempt();
    // The first attempt died after its hold was written, before its result was recorded.
    await requestLog().deleteOne({ _id: `HoldSlot:${user}:${requestId}` });

    const second = await attempt();

    expect(second.holdToken).toBe(first.holdToken);
    expect(second.expireTime).toEqual(first.expireTime);
    expect(await storedSlot(slotIds[0]!)).toMatchObject({
      status: 'LOCKED',
      holdExpiresAt: first.expireTime,
    });
    expect(await claims().countDocuments({ slotId: oid(slotIds[0]!) })).toBe(1);
  });

  it('the same request_id with another ttl is REQUEST_ID_REUSED', async () => {
    const { attempt } = await holdRequest();
    await attempt(60);

    const e = await failure(attempt(120));

    expect(e.reason).toBe('REQUEST_ID_REUSED');
  });
});
