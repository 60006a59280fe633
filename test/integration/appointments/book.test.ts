/**
 * BookSlot over gRPC: the appointment it returns, and each refusal (booked,
 * unknown, other service, inactive service, started slot) storing nothing.
 */
import { status } from '@grpc/grpc-js';
import { Types } from 'mongoose';
import { AppointmentStatus, SlotStatus } from '../../../src/gen/booking/v1/resources';
import { createService, serviceWithSlots } from '../../factories';
import { failure } from '../../support/harness';
import { api, t, useFileApp } from '../../support/file-app';
import { newUser, oid } from '../../support/ids';
import { appointmentsOfSlot, book, storedAppointment, storedSlot } from '../../support/appointments';

useFileApp({ RECONCILER_ENABLED: 'false' });

describe('BookSlot', () => {
  it('returns the appointment with its service and slot filled in', async () => {
    const { service, slotIds } = await serviceWithSlots(api);
    const slotId = slotIds[0]!;
    const userId = newUser('alice');
    const before = Date.now();
    const a = await book(slotId, userId);
    const after = Date.now();

    expect(a.id).toMatch(/^[0-9a-f]{24}$/);
    expect(a).toMatchObject({
      userId,
      serviceId: service.id,
      slotId,
      status: AppointmentStatus.APPOINTMENT_STATUS_CONFIRMED,
      cancellationReason: '',
      cancelTime: undefined,
    });
    expect(a.createTime!.getTime()).toBeGreaterThanOrEqual(before - 1);
    expect(a.createTime!.getTime()).toBeLessThanOrEqual(after + 1);
    expect(a.service).toEqual(service);
    expect(a.slot).toMatchObject({
      id: slotId,
      serviceId: service.id,
      status: SlotStatus.SLOT_STATUS_BOOKED,
      appointmentId: a.id,
      revision: 2,
    });
    expect(a.startTime).toEqual(a.slot!.startTime);
    expect(a.endTime).toEqual(a.slot!.endTime);

    expect(await storedSlot(slotId)).toMatchObject({ status: 'BOOKED', appointmentId: oid(a.id) });
    expect(await storedAppointment(a.id)).toMatchObject({ userId, status: 'CONFIRMED', slotId: oid(slotId) });
  });

  it('books a slot when the service_id given is its service', async () => {
    const { service, slotIds } = await serviceWithSlots(api);
    const { appointment } = await api.bookSlot({
      slotId: slotIds[0]!,
      userId: newUser('u'),
      serviceId: service.id,
    });
    expect(appointment!.serviceId).toBe(service.id);
  });

  it('refuses a booked slot (FAILED_PRECONDITION, SLOT_UNAVAILABLE)', async () => {
    const { slotIds } = await serviceWithSlots(api);
    const first = await book(slotIds[0]!, newUser('first'));
    const e = await failure(api.bookSlot({ slotId: slotIds[0]!, userId: newUser('second') }));
    expect(e.code).toBe(status.FAILED_PRECONDITION);
    expect(e.reason).toBe('SLOT_UNAVAILABLE');
    expect(await appointmentsOfSlot(slotIds[0]!)).toBe(1);
    expect(await storedSlot(slotIds[0]!)).toMatchObject({ appointmentId: oid(first.id) });
  });

  it('answers NOT_FOUND, reason SLOT_NOT_FOUND, for an unknown slot, storing nothing', async () => {
    const before = await t.db.collection('appointments').countDocuments();
    const unknown = new Types.ObjectId().toHexString();
    const e = await failure(api.bookSlot({ slotId: unknown, userId: newUser('u') }));
    expect(e.code).toBe(status.NOT_FOUND);
    expect(e.reason).toBe('SLOT_NOT_FOUND');
    expect(e.metadata).toMatchObject({ slotId: unknown });
    expect(await t.db.collection('appointments').countDocuments()).toBe(before);
  });

  it('answers NOT_FOUND for a slot of another service than the service_id given, leaving it alone', async () => {
    const { slotIds } = await serviceWithSlots(api);
    const other = await createService(api);
    const slotId = slotIds[0]!;
    const e = await failure(api.bookSlot({ slotId, userId: newUser('u'), serviceId: other.id }));
    expect(e.code).toBe(status.NOT_FOUND);
    expect(e.reason).toBe('SLOT_NOT_FOUND');
    expect(await storedSlot(slotId)).toMatchObject({ status: 'AVAILABLE', appointmentId: null, revision: 1 });
    expect(await appointmentsOfSlot(slotId)).toBe(0);
  });

  it('refuses a slot of an inactive service (FAILED_PRECONDITION, SERVICE_INACTIVE); the slot is untouched', async () => {
    // An inactive service's slots are generated blocked (LOCKED by the provider).
    const { service, slotIds } = await serviceWithSlots(api, { active: false });
    const slotId = slotIds[0]!;
    expect(await storedSlot(slotId)).toMatchObject({ status: 'LOCKED', appointmentId: null, revision: 1 });
    const e = await failure(api.bookSlot({ slotId, userId: newUser('u') }));
    expect(e.code).toBe(status.FAILED_PRECONDITION);
    expect(e.reason).toBe('SERVICE_INACTIVE');
    expect(e.metadata).toMatchObject({ serviceId: service.id });
    expect(await storedSlot(slotId)).toMatchObject({ status: 'LOCKED', appointmentId: null, revision: 1 });
    expect(await appointmentsOfSlot(slotId)).toBe(0);
    const listed = await api.listSlots({ serviceId: service.id, status: SlotStatus.SLOT_STATUS_LOCKED });
    expect(listed.slots.map((s) => s.id)).toContain(slotId);
  });

  it('refuses a slot that has started (FAILED_PRECONDITION, SLOT_IN_PAST); the slot stays AVAILABLE', async () => {
    const { slotIds } = await serviceWithSlots(api, {}, -1); // yesterday's slots
    const slotId = slotIds.at(-1)!;
    const e = await failure(api.bookSlot({ slotId, userId: newUser('late') }));
    expect(e.code).toBe(status.FAILED_PRECONDITION);
    expect(e.reason).toBe('SLOT_IN_PAST');
    expect(await storedSlot(slotId)).toMatchObject({ status: 'AVAILABLE', appointmentId: null, revision: 1 });
    expect(await appointmentsOfSlot(slotId)).toBe(0);
  });
});
