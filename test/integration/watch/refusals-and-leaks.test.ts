/**
 * WatchSlotAvailability on one instance: refused requests, and streams that end
 * (cancelled, past their deadline) leaving no reader, subscriber or stream
 * behind.
 */
import { status as Code } from '@grpc/grpc-js';
import { Types } from 'mongoose';
import { serviceWithSlots } from '../../factories';
import { violatedFields } from '../../support/harness';
import { NOTHING, api, statsReach, t, useWatchApp, watch } from '../../support/watch-app';

describe('WatchSlotAvailability on one instance', () => {
  useWatchApp({ RECONCILER_ENABLED: 'false', WATCH_HEARTBEAT_MS: '300' });

  describe('refuses a bad request, leaving nothing open', () => {
    it('an unknown service with NOT_FOUND', async () => {
      const w = watch(t.client, { serviceId: new Types.ObjectId().toHexString(), sendInitialSnapshot: true });
      const err = await w.failure();
      expect([Code[err.code], err.reason]).toEqual(['NOT_FOUND', 'SERVICE_NOT_FOUND']);
      expect(w.messages).toEqual([]);
    });

    it('an invalid service_id with INVALID_ARGUMENT naming the field', async () => {
      const err = await watch(t.client, { serviceId: 'not-an-id' }).failure();
      expect(Code[err.code]).toBe('INVALID_ARGUMENT');
      expect(violatedFields(err)).toEqual(['service_id']);
    });

    it.each([
      ['after', 60_000],
      ['equal to', 0],
    ])('a start_time %s end_time with INVALID_ARGUMENT', async (_, gapMs) => {
      const { service } = await serviceWithSlots(api);
      const end = new Date(Date.now() + 86_400_000);
      const err = await watch(t.client, {
        serviceId: service.id,
        startTime: new Date(end.getTime() + gapMs),
        endTime: end,
        sendInitialSnapshot: true,
      }).failure();
      expect(Code[err.code]).toBe('INVALID_ARGUMENT');
      expect(violatedFields(err)).toEqual(['end_time']);
    });

    it('a negative since_revision with INVALID_ARGUMENT', async () => {
      const { service } = await serviceWithSlots(api);
      const err = await watch(t.client, { serviceId: service.id, sinceRevision: -1 }).failure();
      expect(Code[err.code]).toBe('INVALID_ARGUMENT');
      expect(violatedFields(err)).toEqual(['since_revision']);
    });

    afterAll(() => statsReach(t, NOTHING));
  });

  describe('leaves no reader, subscriber or stream behind', () => {
    beforeEach(() => statsReach(t, NOTHING));

    it('when the client cancels', async () => {
      const a = await serviceWithSlots(api);
      const b = await serviceWithSlots(api);
      const watches = [
        watch(t.client, { serviceId: a.service.id, sendInitialSnapshot: true }),
        watch(t.client, { serviceId: a.service.id }),
        watch(t.client, { serviceId: b.service.id, sendInitialSnapshot: true }),
      ];
      await watches[0]!.synced();
      await watches[2]!.synced();
      await statsReach(t, { tails: 2, subscribers: 3, streams: 3 });

      watches[0]!.cancel();
      expect((await watches[0]!.ending()).code).toBe(Code.CANCELLED);
      await statsReach(t, { tails: 2, subscribers: 2, streams: 2 });

      watches[1]!.cancel();
      watches[2]!.cancel();
      await statsReach(t, NOTHING);
      // The service is still watchable afterwards (a fresh reader).
      const again = watch(t.client, { serviceId: a.service.id, sendInitialSnapshot: true });
      await again.synced();
      await api.bookSlot({ slotId: a.slotIds[0]!, userId: 'after-cancel' });
      expect((await again.waitForChanges(1))[0]!.slot!.id).toBe(a.slotIds[0]);
      again.cancel();
      await statsReach(t, NOTHING);
    });

    it('when the deadline passes', async () => {
      const { service } = await serviceWithSlots(api);
      const w = watch(
        t.client,
        { serviceId: service.id, sendInitialSnapshot: true },
        { deadline: new Date(Date.now() + 1_500) },
      );
      await w.synced();
      await statsReach(t, { tails: 1, subscribers: 1, streams: 1 });
      expect((await w.ending()).code).toBe(Code.DEADLINE_EXCEEDED);
      await statsReach(t, NOTHING);
    });
  });
});
