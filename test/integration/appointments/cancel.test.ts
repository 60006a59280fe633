/**
 * CancelAppointment over gRPC: the owner cancels and the slot is free at once;
 * another user, a second cancellation and an unknown id are refused.
 */
import { status } from '@grpc/grpc-js';
import { Types } from 'mongoose';
import { AppointmentStatus, SlotStatus } from '../../../src/gen/booking/v1/resources';
import { serviceWithSlots } from '../../factories';
import { failure } from '../../support/harness';
import { api, useFileApp } from '../../support/file-app';
import { newUser, oid } from '../../support/ids';
import { appointmentsOfSlot, book, storedAppointment, storedSlot } from '../../support/appointments';

useFileApp({ RECONCILER_ENABLED: 'false' });

describe('CancelAppointment', () => {
  /** The first slot of a fresh service, booked by a new user named after `role`. */
  async function bookedSlot(role: string) {
    const { service, slotIds } = await serviceWithSlots(api);
    const slotId = slotIds[0]!;
    const userId = newUser(role);
    return { service, slotId, userId, booked: await book(slotId, userId) };
  }

  /** As `bookedSlot('alice')`, and then cancelled by alice. */
  async function cancelledSlot() {
    const { slotId, userId, booked } = await bookedSlot('alice');
    await api.cancelAppointment({ appointmentId: booked.id, userId });
    return { slotId, alice: userId, first: booked };
  }

  it('cancels for the owner: CANCELLED, cancel_time and reason set, slot AVAILABLE at once', async () => {
    const { service, slotId, userId, booked } = await bookedSlot('owner');

    const before = Date.now();
    const { appointment } = await api.cancelAppointment({
      appointmentId: booked.id,
      userId,
      reason: 'Sick – sorry',
    });
    const after = Date.now();
    const a = appointment!;
    expect(a).toMatchObject({
      id: booked.id,
      userId,
      slotId,
      serviceId: service.id,
      status: AppointmentStatus.APPOINTMENT_STATUS_CANCELLED,
      cancellationReason: 'Sick – sorry',
      startTime: booked.startTime,
      endTime: booked.endTime,
      createTime: booked.createTime,
    });
    expect(a.cancelTime!.getTime()).toBeGreaterThanOrEqual(before - 1);
    expect(a.cancelTime!.getTime()).toBeLessThanOrEqual(after + 1);
    expect(a.service).toEqual(service);
    expect(a.slot).toMatchObject({ id: slotId, status: SlotStatus.SLOT_STATUS_AVAILABLE, appointmentId: '' });

    expect(await storedSlot(slotId)).toMatchObject({ status: 'AVAILABLE', appointmentId: null });
    expect(await storedAppointment(booked.id)).toMatchObject({
      status: 'CANCELLED',
      cancellationReason: 'Sick – sorry',
    });
  });

  it('lets another user book the slot after a cancellation', async () => {
    const { slotId, first } = await cancelledSlot();

    const bob = newUser('bob');
    const second = await book(slotId, bob);
    expect(second.id).not.toBe(first.id);
    expect(second.userId).toBe(bob);
    expect(second.slot).toMatchObject({ status: SlotStatus.SLOT_STATUS_BOOKED, appointmentId: second.id });
    expect(await storedSlot(slotId)).toMatchObject({ status: 'BOOKED', appointmentId: oid(second.id) });
    expect(await appointmentsOfSlot(slotId)).toBe(2);

    // The old appointment still reads as cancelled, and does not show the new holder.
    const { appointment: old } = await api.getAppointment({ appointmentId: first.id });
    expect(old!.status).toBe(AppointmentStatus.APPOINTMENT_STATUS_CANCELLED);
    expect(old!.slot).toMatchObject({ status: SlotStatus.SLOT_STATUS_BOOKED, appointmentId: '' });
  });

  it('refuses another user (PERMISSION_DENIED, NOT_APPOINTMENT_OWNER), changing nothing', async () => {
    const { slotId, booked } = await bookedSlot('owner');
    const [appointmentBefore, slotBefore] = [await storedAppointment(booked.id), await storedSlot(slotId)];

    const e = await failure(api.cancelAppointment({ appointmentId: booked.id, userId: newUser('mallory') }));
    expect(e.code).toBe(status.PERMISSION_DENIED);
    expect(e.reason).toBe('NOT_APPOINTMENT_OWNER');
    expect(await storedAppointment(booked.id)).toEqual(appointmentBefore);
    expect(await storedSlot(slotId)).toEqual(slotBefore);
  });

  it('refuses a second cancellation (FAILED_PRECONDITION, APPOINTMENT_ALREADY_CANCELLED)', async () => {
    const { userId, booked } = await bookedSlot('twice');
    await api.cancelAppointment({ appointmentId: booked.id, userId, reason: 'first' });
    const afterFirst = await storedAppointment(booked.id);

    const e = await failure(api.cancelAppointment({ appointmentId: booked.id, userId, reason: 'second' }));
    expect(e.code).toBe(status.FAILED_PRECONDITION);
    expect(e.reason).toBe('APPOINTMENT_ALREADY_CANCELLED');
    expect(await storedAppointment(booked.id)).toEqual(afterFirst);
  });

  it('does not release a slot that was rebooked when an old appointment is cancelled again', async () => {
    const { slotId, alice, first } = await cancelledSlot();
    const second = await book(slotId, newUser('bob'));
    await failure(api.cancelAppointment({ appointmentId: first.id, userId: alice }));
    expect(await storedSlot(slotId)).toMatchObject({ status: 'BOOKED', appointmentId: oid(second.id) });
  });

  it('answers NOT_FOUND, reason APPOINTMENT_NOT_FOUND, for an unknown appointment', async () => {
    const e = await failure(
      api.cancelAppointment({ appointmentId: new Types.ObjectId().toHexString(), userId: newUser('u') }),
    );
    expect(e.code).toBe(status.NOT_FOUND);
    expect(e.reason).toBe('APPOINTMENT_NOT_FOUND');
  });
});
