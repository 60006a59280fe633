/**
 * Invalid input of HoldSlot, ReleaseHold and RescheduleAppointment, and the fixture itself is valid:
 * refused, naming exactly the invalid fields, changing nothing (fixture: test/support/invalid-input.ts).
 */
import { SlotStatus } from '../../../src/gen/booking/v1/resources';
import { futureDate, localDate } from '../../factories';
import { api } from '../../support/file-app';
import { ID_LIKE, OWNER, refused, useInvalidInputFixture } from '../../support/invalid-input';
import * as fixture from '../../support/invalid-input';

useInvalidInputFixture();

const dateIn = (days: number): ReturnType<typeof localDate> => {
  const { year, month, day } = futureDate(days);
  return localDate(year, month, day);
};

describe('HoldSlot', () => {
  it('names every invalid field at once', async () => {
    await refused(
      () => api.holdSlot({ slotId: 'xyz', userId: 'a b', ttlSeconds: -1, requestId: 'has space' }),
      ['request_id', 'slot_id', 'ttl_seconds', 'user_id'],
    );
  });

  it('refuses a negative ttl_seconds for an existing slot, holding nothing', async () => {
    await refused(
      () => api.holdSlot({ slotId: fixture.slotIds[3]!, userId: 'user-1', ttlSeconds: -5 }),
      ['ttl_seconds'],
    );
  });
});

describe('ReleaseHold', () => {
  it('names a missing hold_token and user_id', async () => {
    await refused(() => api.releaseHold({ holdToken: '', userId: '' }), ['hold_token', 'user_id']);
  });

  it('refuses a hold_token that HoldSlot did not issue', async () => {
    await refused(() => api.releaseHold({ holdToken: `${ID_LIKE}.short`, userId: 'user-1' }), ['hold_token']);
  });
});

describe('RescheduleAppointment', () => {
  it('names every invalid field at once', async () => {
    await refused(
      () =>
        api.rescheduleAppointment({
          appointmentId: 'xyz',
          userId: '',
          newSlotId: `${ID_LIKE}0`,
          requestId: '!',
        }),
      ['appointment_id', 'new_slot_id', 'request_id', 'user_id'],
    );
  });

  it('refuses an uppercase new_slot_id for the owner’s appointment, moving nothing', async () => {
    await refused(
      () =>
        api.rescheduleAppointment({
          appointmentId: fixture.appointmentId,
          userId: OWNER,
          newSlotId: fixture.slotIds[4]!.toUpperCase(),
        }),
      ['new_slot_id'],
    );
  });
});

describe('the fixture', () => {
  it('is valid: the same requests with the bad field fixed succeed', async () => {
    // Guards against refusals for the wrong reason: the baseline is accepted.
    await expect(api.getService({ serviceId: fixture.serviceId })).resolves.toBeDefined();
    await expect(api.listSlots({ serviceId: fixture.serviceId, pageSize: 1 })).resolves.toBeDefined();
    await expect(api.getAppointment({ appointmentId: fixture.appointmentId })).resolves.toBeDefined();
    await expect(api.listAppointments({ userId: OWNER })).resolves.toMatchObject({
      appointments: [expect.objectContaining({ id: fixture.appointmentId })],
    });
    const { appointment } = await api.bookSlot({
      slotId: fixture.slotIds[2]!,
      userId: 'user-1',
      serviceId: fixture.serviceId,
    });
    await expect(
      api.cancelAppointment({ appointmentId: appointment!.id, userId: 'user-1', reason: 'r'.repeat(500) }),
    ).resolves.toBeDefined();
    await expect(
      api.setSlotStatus({ slotId: fixture.slotIds[1]!, status: SlotStatus.SLOT_STATUS_LOCKED }),
    ).resolves.toBeDefined();
    const held = await api.holdSlot({ slotId: fixture.slotIds[3]!, userId: 'user-1', ttlSeconds: 60 });
    await expect(api.releaseHold({ holdToken: held.holdToken, userId: 'user-1' })).resolves.toBeDefined();
    await expect(
      api.rescheduleAppointment({
        appointmentId: fixture.appointmentId,
        userId: OWNER,
        newSlotId: fixture.slotIds[4]!,
      }),
    ).resolves.toMatchObject({ appointment: { slotId: fixture.slotIds[4] } });
    await expect(
      api.generateSlots({
        serviceId: fixture.serviceId,
        // 366 days that cannot hold the fixture's day (30 days from now).
        startDate: dateIn(400),
        endDate: dateIn(765),
      }),
    ).resolves.toMatchObject({ createdCount: 366 * 16 });
  });
});
