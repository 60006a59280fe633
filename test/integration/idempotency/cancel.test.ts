/**
 * Idempotent CancelAppointment (AIP-155): a retry with the same request_id
 * succeeds; a new one on a cancelled appointment does not.
 */
import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { AppointmentStatus } from '../../../src/gen/booking/v1/resources';
import { failure } from '../../support/harness';
import { api } from '../../support/file-app';
import { book, claims, oid, storedSlot } from '../../support/idempotency';
import { bookedRequest, useIdempotencyApp } from './setup';

useIdempotencyApp();

describe('CancelAppointment with a request_id', () => {
  it('a retry succeeds and returns the cancelled appointment', async () => {
    const { slotIds, user, requestId, a } = await bookedRequest('canceller');

    const first = (
      await api.cancelAppointment({ appointmentId: a.id, userId: user, reason: 'ill', requestId })
    ).appointment!;
    const second = (
      await api.cancelAppointment({ appointmentId: a.id, userId: user, reason: 'ill', requestId })
    ).appointment!;

    for (const res of [first, second]) {
      expect(res).toMatchObject({
        id: a.id,
        status: AppointmentStatus.APPOINTMENT_STATUS_CANCELLED,
        cancellationReason: 'ill',
      });
    }
    expect(second.cancelTime).toEqual(first.cancelTime);
    expect(await storedSlot(slotIds[0]!)).toMatchObject({ status: 'AVAILABLE', appointmentId: null });
  });

  it('without a request_id, cancelling again is APPOINTMENT_ALREADY_CANCELLED', async () => {
    const { user, a } = await bookedRequest('canceller');
    await api.cancelAppointment({ appointmentId: a.id, userId: user });

    const e = await failure(api.cancelAppointment({ appointmentId: a.id, userId: user }));

    expect(e.code).toBe(status.FAILED_PRECONDITION);
    expect(e.reason).toBe('APPOINTMENT_ALREADY_CANCELLED');
  });

  it('a new request_id on a cancelled appointment is APPOINTMENT_ALREADY_CANCELLED', async () => {
    const { user, a } = await bookedRequest('canceller');
    await api.cancelAppointment({ appointmentId: a.id, userId: user, requestId: randomUUID() });

    const e = await failure(
      api.cancelAppointment({ appointmentId: a.id, userId: user, requestId: randomUUID() }),
    );

    expect(e.reason).toBe('APPOINTMENT_ALREADY_CANCELLED');
  });

  it('the same request_id for another appointment is REQUEST_ID_REUSED, which stays confirmed', async () => {
    const { slotIds, user, requestId, a } = await bookedRequest('canceller');
    const b = await book(slotIds[1]!, user);
    await api.cancelAppointment({ appointmentId: a.id, userId: user, requestId });

    const e = await failure(api.cancelAppointment({ appointmentId: b.id, userId: user, requestId }));

    expect(e.code).toBe(status.INVALID_ARGUMENT);
    expect(e.reason).toBe('REQUEST_ID_REUSED');
    expect(await claims().findOne({ _id: oid(b.id) })).toMatchObject({ status: 'CONFIRMED' });
    expect(await storedSlot(slotIds[1]!)).toMatchObject({ status: 'BOOKED', appointmentId: oid(b.id) });
  });
});
