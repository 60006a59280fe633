/**
 * Idempotent RescheduleAppointment (AIP-155): a retry with the same request_id
 * returns the first result.
 */
import { api } from '../../support/file-app';
import { oid, storedSlot } from '../../support/idempotency';
import { bookedRequest, useIdempotencyApp } from './setup';

useIdempotencyApp();

describe('RescheduleAppointment with a request_id', () => {
  it('a retry returns the same result instead of SAME_SLOT', async () => {
    const { slotIds, user, requestId, a } = await bookedRequest('mover');

    const attempt = async () =>
      (
        await api.rescheduleAppointment({
          appointmentId: a.id,
          userId: user,
          newSlotId: slotIds[1]!,
          requestId,
        })
      ).appointment!;
    const first = await attempt();
    const second = await attempt();

    expect(second).toEqual(first);
    expect(second).toMatchObject({ id: a.id, slotId: slotIds[1] });
    expect(await storedSlot(slotIds[0]!)).toMatchObject({ status: 'AVAILABLE' });
    expect(await storedSlot(slotIds[1]!)).toMatchObject({ status: 'BOOKED', appointmentId: oid(a.id) });
  });
});
