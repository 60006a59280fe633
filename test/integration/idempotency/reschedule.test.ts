/**
 * Idempotent RescheduleAppointment (AIP-155): a retry with the same request_id
 * returns the first result.
 */
import { randomUUID } from 'node:crypto';
import { serviceWithSlots } from '../../factories';
import { api, useFileApp } from '../../support/file-app';
import { book, newUser, oid, storedSlot } from '../../support/idempotency';

// No background repairs: some tests craft what a crashed request leaves behind.
useFileApp({ RECONCILER_ENABLED: 'false', RECONCILER_GRACE_MS: '0' });

describe('RescheduleAppointment with a request_id', () => {
  it('a retry returns the same result instead of SAME_SLOT', async () => {
    const { slotIds } = await serviceWithSlots(api);
    const user = newUser('mover');
    const a = await book(slotIds[0]!, user);
    const requestId = randomUUID();

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
