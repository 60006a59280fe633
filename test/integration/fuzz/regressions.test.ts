/**
 * Refused requests the fuzzer once caught changing state, kept as explicit
 * cases: a hold token naming another slot or service, and holds and
 * bookings on a slot of an inactive service, change nothing (not even the
 * slot's revision, which watchers would see).
 */
import * as grpc from '@grpc/grpc-js';
import { Types } from 'mongoose';
import { serviceWithSlots } from '../../factories';
import { FuzzApp } from '../../support/fuzz/app';
import { failure, invariantViolations } from '../../support/harness';
import { changeSummary, openWatch } from '../../support/watch-client';

const app = new FuzzApp();
beforeAll(() => app.start());
afterAll(() => app.stop());

describe('refused requests the fuzzer caught changing state', () => {
  let serviceId: string;
  let slotIds: string[];
  let inactive: { serviceId: string; slotIds: string[] };

  beforeAll(async () => {
    ({
      service: { id: serviceId },
      slotIds,
    } = await serviceWithSlots(app.api, {}, 60));
    const other = await serviceWithSlots(app.api, { active: false }, 61);
    inactive = { serviceId: other.service.id, slotIds: other.slotIds };
  });

  const claimDoc = (id: string) =>
    app.t.db.collection<{ status: string }>('appointments').findOne({ _id: new Types.ObjectId(id) });
  const slotDoc = (id: string) =>
    app.t.db
      .collection<{ status: string; revision: number }>('slots')
      .findOne({ _id: new Types.ObjectId(id) });

  it.each([
    ['another slot', false],
    ['its slot but another service_id', true],
  ])(
    'BookSlot with a hold token naming %s is HOLD_NOT_FOUND, and the hold stays a hold',
    async (_what, wrongService) => {
      const [heldSlot, otherSlot] = [slotIds.shift()!, slotIds.shift()!];
      const hold = await app.api.holdSlot({ slotId: heldSlot, userId: 'fuzz-bob' });
      const holdId = hold.holdToken.split('.')[0]!;
      const err = await failure(
        app.api.bookSlot({
          slotId: wrongService ? heldSlot : otherSlot,
          serviceId: wrongService ? inactive.serviceId : '',
          userId: 'fuzz-bob',
          holdToken: hold.holdToken,
        }),
      );
      expect(err).toMatchObject({ code: grpc.status.NOT_FOUND, reason: 'HOLD_NOT_FOUND' });
      // Refused: no appointment was made, the hold is still a hold on its slot.
      expect((await claimDoc(holdId))?.status).toBe('HELD');
      const listed = await app.api.listAppointments({ userId: 'fuzz-bob', pageSize: 100 });
      expect(listed.appointments.map((a) => a.id)).not.toContain(holdId);
      expect(await invariantViolations(app.t.db, serviceId)).toEqual([]);
    },
  );

  it.each(['holdSlot', 'bookSlot'] as const)(
    '%s on a slot of an inactive service is SERVICE_INACTIVE and does not touch the slot',
    async (method) => {
      const slotId = inactive.slotIds.shift()!;
      const watch = openWatch(app.t.client, { serviceId: inactive.serviceId, sendInitialSnapshot: true });
      try {
        await watch.synced();
        const before = await slotDoc(slotId);
        const err = await failure(app.api[method]({ slotId, userId: 'fuzz-carol' }));
        expect(err).toMatchObject({ code: grpc.status.FAILED_PRECONDITION, reason: 'SERVICE_INACTIVE' });
        const after = await slotDoc(slotId);
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect({
          revision: after?.revision,
          status: after?.status,
          changesWatchersSaw: watch.changes().map(changeSummary),
        }).toEqual({ revision: before?.revision, status: before?.status, changesWatchersSaw: [] });
      } finally {
        watch.cancel();
      }
    },
  );
});
