/**
 * Appointments over gRPC: booking, cancelling, reading one, and a user's
 * history (order, filters, pages, and a constant number of queries per page).
 */
import { status } from '@grpc/grpc-js';
import mongoose, { Types } from 'mongoose';
import { AppointmentStatus, SlotStatus, type Appointment } from '../../src/gen/booking/v1/resources';
import { createService, serviceWithSlots } from '../factories';
import { failure, rpc, startTestApp, type Rpc, type TestApp } from '../support/harness';

let t: TestApp;
let api: Rpc;

beforeAll(async () => {
  // No background reconciler: the query-count test below must see only the
  // queries of the call it measures (mongoose's debug hook is process-wide).
  t = await startTestApp({ RECONCILER_ENABLED: 'false' });
  api = rpc(t.client);
});
afterAll(() => t.stop());

let userCounter = 0;
const newUser = (label: string): string => `${label}-${++userCounter}`;
const oid = (hex: string) => new Types.ObjectId(hex);
const storedSlot = (slotId: string) => t.db.collection('slots').findOne({ _id: oid(slotId) });
const storedAppointment = (id: string) => t.db.collection('appointments').findOne({ _id: oid(id) });
const appointmentsOfSlot = (slotId: string) =>
  t.db.collection('appointments').countDocuments({ slotId: oid(slotId) });

async function book(slotId: string, userId: string): Promise<Appointment> {
  const { appointment } = await api.bookSlot({ slotId, userId });
  return appointment!;
}

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

describe('CancelAppointment', () => {
  it('cancels for the owner: CANCELLED, cancel_time and reason set, slot AVAILABLE at once', async () => {
    const { service, slotIds } = await serviceWithSlots(api);
    const slotId = slotIds[0]!;
    const userId = newUser('owner');
    const booked = await book(slotId, userId);

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
    const { slotIds } = await serviceWithSlots(api);
    const slotId = slotIds[0]!;
    const alice = newUser('alice');
    const first = await book(slotId, alice);
    await api.cancelAppointment({ appointmentId: first.id, userId: alice });

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
    const { slotIds } = await serviceWithSlots(api);
    const slotId = slotIds[0]!;
    const booked = await book(slotId, newUser('owner'));
    const [appointmentBefore, slotBefore] = [await storedAppointment(booked.id), await storedSlot(slotId)];

    const e = await failure(api.cancelAppointment({ appointmentId: booked.id, userId: newUser('mallory') }));
    expect(e.code).toBe(status.PERMISSION_DENIED);
    expect(e.reason).toBe('NOT_APPOINTMENT_OWNER');
    expect(await storedAppointment(booked.id)).toEqual(appointmentBefore);
    expect(await storedSlot(slotId)).toEqual(slotBefore);
  });

  it('refuses a second cancellation (FAILED_PRECONDITION, APPOINTMENT_ALREADY_CANCELLED)', async () => {
    const { slotIds } = await serviceWithSlots(api);
    const userId = newUser('twice');
    const booked = await book(slotIds[0]!, userId);
    await api.cancelAppointment({ appointmentId: booked.id, userId, reason: 'first' });
    const afterFirst = await storedAppointment(booked.id);

    const e = await failure(api.cancelAppointment({ appointmentId: booked.id, userId, reason: 'second' }));
    expect(e.code).toBe(status.FAILED_PRECONDITION);
    expect(e.reason).toBe('APPOINTMENT_ALREADY_CANCELLED');
    expect(await storedAppointment(booked.id)).toEqual(afterFirst);
  });

  it('does not release a slot that was rebooked when an old appointment is cancelled again', async () => {
    const { slotIds } = await serviceWithSlots(api);
    const slotId = slotIds[0]!;
    const alice = newUser('alice');
    const first = await book(slotId, alice);
    await api.cancelAppointment({ appointmentId: first.id, userId: alice });
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

describe('GetAppointment', () => {
  it('returns the appointment with service and slot, as booked', async () => {
    const { slotIds } = await serviceWithSlots(api);
    const booked = await book(slotIds[0]!, newUser('reader'));
    const { appointment } = await api.getAppointment({ appointmentId: booked.id });
    expect(appointment).toEqual(booked);
  });

  it('answers NOT_FOUND, reason APPOINTMENT_NOT_FOUND, for an unknown id', async () => {
    const unknown = new Types.ObjectId().toHexString();
    const e = await failure(api.getAppointment({ appointmentId: unknown }));
    expect(e.code).toBe(status.NOT_FOUND);
    expect(e.reason).toBe('APPOINTMENT_NOT_FOUND');
    expect(e.metadata).toEqual({ appointmentId: unknown });
  });
});

describe('ListAppointments', () => {
  const userId = newUser('history');
  let booked: Appointment[]; // in booking order

  beforeAll(async () => {
    const a = await serviceWithSlots(api, {}, 60);
    const b = await serviceWithSlots(api, { name: 'Second service' }, 61);
    booked = [];
    // 7 appointments alternating between the two services.
    for (let i = 0; i < 7; i++) {
      const slotId = (i % 2 === 0 ? a.slotIds : b.slotIds)[i]!;
      booked.push(await book(slotId, userId));
    }
    // Somebody else's appointment, which must not show up.
    await book(a.slotIds[15]!, newUser('stranger'));
  });

  const newestFirst = () => [...booked].reverse();

  it('lists a user’s appointments newest first, with service and slot filled in', async () => {
    const res = await api.listAppointments({ userId });
    expect(res.nextPageToken).toBe('');
    expect(res.appointments.map((a) => a.id)).toEqual(newestFirst().map((a) => a.id));
    for (const a of res.appointments) {
      const original = booked.find((b) => b.id === a.id)!;
      expect(a.userId).toBe(userId);
      expect(a.service).toEqual(original.service);
      expect(a.slot).toMatchObject({
        id: a.slotId,
        status: SlotStatus.SLOT_STATUS_BOOKED,
        appointmentId: a.id,
      });
    }
  });

  it('pages 3 at a time with no duplicates or gaps', async () => {
    const ids: string[] = [];
    const sizes: number[] = [];
    let pageToken = '';
    do {
      const res = await api.listAppointments({ userId, pageSize: 3, pageToken });
      ids.push(...res.appointments.map((a) => a.id));
      sizes.push(res.appointments.length);
      for (const a of res.appointments) expect(a.service?.id).toBe(a.serviceId);
      pageToken = res.nextPageToken;
    } while (pageToken !== '');
    expect(sizes).toEqual([3, 3, 1]);
    expect(ids).toEqual(newestFirst().map((a) => a.id));
  });

  it('filters by status, and refuses a page token issued for another filter', async () => {
    const other = newUser('filter');
    const { slotIds } = await serviceWithSlots(api, {}, 62);
    const mine: Appointment[] = [];
    for (let i = 0; i < 4; i++) mine.push(await book(slotIds[i]!, other));
    for (const a of [mine[0]!, mine[2]!]) await api.cancelAppointment({ appointmentId: a.id, userId: other });

    const cancelled = await api.listAppointments({
      userId: other,
      status: AppointmentStatus.APPOINTMENT_STATUS_CANCELLED,
    });
    expect(cancelled.appointments.map((a) => a.id)).toEqual([mine[2]!.id, mine[0]!.id]);
    for (const a of cancelled.appointments) {
      expect(a.status).toBe(AppointmentStatus.APPOINTMENT_STATUS_CANCELLED);
      expect(a.slot).toMatchObject({ status: SlotStatus.SLOT_STATUS_AVAILABLE, appointmentId: '' });
    }
    const confirmed = await api.listAppointments({
      userId: other,
      status: AppointmentStatus.APPOINTMENT_STATUS_CONFIRMED,
      pageSize: 1,
    });
    expect(confirmed.appointments.map((a) => a.id)).toEqual([mine[3]!.id]);
    const rest = await api.listAppointments({
      userId: other,
      status: AppointmentStatus.APPOINTMENT_STATUS_CONFIRMED,
      pageSize: 1,
      pageToken: confirmed.nextPageToken,
    });
    expect(rest.appointments.map((a) => a.id)).toEqual([mine[1]!.id]);

    const e = await failure(
      api.listAppointments({ userId: other, pageSize: 1, pageToken: confirmed.nextPageToken }),
    );
    expect(e.code).toBe(status.INVALID_ARGUMENT);
    expect(e.fieldViolations.map((v) => v.field)).toEqual(['page_token']);
    const e2 = await failure(
      api.listAppointments({
        userId: newUser('thief'),
        status: AppointmentStatus.APPOINTMENT_STATUS_CONFIRMED,
        pageSize: 1,
        pageToken: confirmed.nextPageToken,
      }),
    );
    expect(e2.fieldViolations.map((v) => v.field)).toEqual(['page_token']);
  });

  it('returns an empty page for a user without appointments', async () => {
    expect(await api.listAppointments({ userId: newUser('nobody') })).toEqual({
      appointments: [],
      nextPageToken: '',
    });
  });

  it('reads a page with one lookup of the user, point reads of its slots and its services from the cache (no $in)', async () => {
    const heavy = newUser('heavy');
    const services = await Promise.all([70, 71, 72].map((days) => serviceWithSlots(api, {}, days)));
    for (let i = 0; i < 21; i++) {
      const { slotIds } = services[i % 3]!;
      await book(slotIds[Math.floor(i / 3)]!, heavy);
    }

    const queriesFor = async (pageSize: number, pageToken = '') => {
      const ops: string[] = [];
      mongoose.set('debug', (collectionName: string, method: string) => {
        // Not the page's: the batched delete of earlier transitions' entries, once a second.
        if (collectionName === 'claim_transitions') return;
        ops.push(`${collectionName}.${method}`);
      });
      try {
        const res = await api.listAppointments({ userId: heavy, pageSize, pageToken });
        return { ops, res };
      } finally {
        mongoose.set('debug', false);
      }
    };

    const small = await queriesFor(2);
    const large = await queriesFor(20);
    expect(small.res.appointments).toHaveLength(2);
    expect(large.res.appointments).toHaveLength(20);
    // Every appointment of the large page came with its service and slot.
    for (const a of large.res.appointments) {
      expect(a.service?.id).toBe(a.serviceId);
      expect(a.slot?.id).toBe(a.slotId);
    }
    expect(new Set(large.res.appointments.map((a) => a.serviceId)).size).toBe(3);

    // Equality lookups only (what FerretDB on PostgreSQL pushes down to an index): the user's
    // claims, then each distinct slot of the page by id. The services come from the service
    // cache (their bookings, on this instance, read them moments ago).
    const expected = (res: typeof large.res) => [
      'appointments.find',
      ...[...new Set(res.appointments.map((a) => a.slotId))].map(() => 'slots.findOne'),
    ];
    expect(small.ops.sort()).toEqual(expected(small.res).sort());
    expect(large.ops.sort()).toEqual(expected(large.res).sort());

    const next = await queriesFor(20, large.res.nextPageToken);
    expect(next.res.appointments).toHaveLength(1);
    expect(next.ops.sort()).toEqual(expected(next.res).sort());
  });
});
