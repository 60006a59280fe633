/**
 * Invalid input of BookSlot, CancelAppointment, GetAppointment and ListAppointments: refused, naming
 * exactly the invalid fields, changing nothing (fixture: test/support/invalid-input.ts).
 */
import { AppointmentStatus } from '../../../src/gen/booking/v1/resources';
import { api } from '../../support/file-app';
import { ID_LIKE, MALFORMED_IDS, OWNER, refused, useInvalidInputFixture } from '../../support/invalid-input';
import * as fixture from '../../support/invalid-input';

useInvalidInputFixture();

describe('BookSlot', () => {
  it.each([
    ['with spaces', 'john doe'],
    ['of 200 characters', 'u'.repeat(200)],
    ['empty', ''],
    ['starting with a dot', '.hidden'],
  ])('refuses a user_id %s, booking nothing', async (_label, userId) => {
    await refused(() => api.bookSlot({ slotId: fixture.slotIds[2]!, userId }), ['user_id']);
  });

  it.each(MALFORMED_IDS)('refuses a slot_id that is %s', async (_label, id) => {
    await refused(() => api.bookSlot({ slotId: id, userId: 'user-1' }), ['slot_id']);
  });

  it('names every invalid field at once', async () => {
    await refused(
      () =>
        api.bookSlot({
          slotId: `${ID_LIKE}0`,
          userId: 'has space',
          serviceId: fixture.serviceId.toUpperCase(),
        }),
      ['service_id', 'slot_id', 'user_id'],
    );
  });

  it('refuses a malformed service_id for an existing slot, booking nothing', async () => {
    await refused(
      () => api.bookSlot({ slotId: fixture.slotIds[2]!, userId: 'user-1', serviceId: 'xyz' }),
      ['service_id'],
    );
  });
});

describe('CancelAppointment', () => {
  it('refuses a reason over 500 characters, even from the owner, cancelling nothing', async () => {
    await refused(
      () =>
        api.cancelAppointment({
          appointmentId: fixture.appointmentId,
          userId: OWNER,
          reason: 'r'.repeat(501),
        }),
      ['reason'],
    );
  });

  it('names every invalid field at once', async () => {
    await refused(
      () => api.cancelAppointment({ appointmentId: 'xyz', userId: 'u'.repeat(200), reason: 'r'.repeat(501) }),
      ['appointment_id', 'reason', 'user_id'],
    );
  });

  it.each(MALFORMED_IDS)('refuses an appointment_id that is %s', async (_label, id) => {
    await refused(() => api.cancelAppointment({ appointmentId: id, userId: OWNER }), ['appointment_id']);
  });

  it('refuses a user_id with spaces', async () => {
    await refused(
      () => api.cancelAppointment({ appointmentId: fixture.appointmentId, userId: 'own er' }),
      ['user_id'],
    );
  });
});

describe('GetAppointment', () => {
  it.each(MALFORMED_IDS)('refuses an appointment_id that is %s', async (_label, id) => {
    await refused(() => api.getAppointment({ appointmentId: id }), ['appointment_id']);
  });
});

describe('ListAppointments', () => {
  it('names every invalid field at once', async () => {
    await refused(
      () => api.listAppointments({ userId: 'has space', status: 9 as AppointmentStatus, pageSize: -1 }),
      ['page_size', 'status', 'user_id'],
    );
  });

  it.each([
    ['of 200 characters', 'u'.repeat(200)],
    ['empty', ''],
  ])('refuses a user_id %s', async (_label, userId) => {
    await refused(() => api.listAppointments({ userId }), ['user_id']);
  });

  it('refuses a negative page_size', async () => {
    await refused(
      () =>
        api.listAppointments({
          userId: OWNER,
          status: AppointmentStatus.APPOINTMENT_STATUS_CONFIRMED,
          pageSize: -3,
        }),
      ['page_size'],
    );
  });
});

describe('BookSlot and CancelAppointment: hold token and request id', () => {
  it('refuses a malformed hold_token and an overlong request_id on BookSlot, booking nothing', async () => {
    await refused(
      () =>
        api.bookSlot({
          slotId: fixture.slotIds[2]!,
          userId: 'user-1',
          holdToken: 'nope',
          requestId: 'r'.repeat(65),
        }),
      ['hold_token', 'request_id'],
    );
  });

  it('refuses a request_id with a slash on CancelAppointment, cancelling nothing', async () => {
    await refused(
      () => api.cancelAppointment({ appointmentId: fixture.appointmentId, userId: OWNER, requestId: 'a/b' }),
      ['request_id'],
    );
  });
});
