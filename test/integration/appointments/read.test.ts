/**
 * Reading appointments: GetAppointment, and a user's history with
 * ListAppointments (order, filters, pages, and a constant number of queries per page).
 */
import { status } from '@grpc/grpc-js';
import mongoose, { Types } from 'mongoose';
import { AppointmentStatus, SlotStatus, type Appointment } from '../../../src/gen/booking/v1/resources';
import { serviceWithSlots } from '../../factories';
import { failure } from '../../support/harness';
import { api, useFileApp } from '../../support/file-app';
import { newUser } from '../../support/ids';
import { book } from '../../support/appointments';
import { everyPage } from '../../support/every-page';

// No background reconciler: the query-count test below must see only the
// queries of the call it measures (mongoose's debug hook is process-wide).
useFileApp({ RECONCILER_ENABLED: 'false' });

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
    const pages = await everyPage((pageToken) => api.listAppointments({ userId, pageSize: 3, pageToken }));
    for (const a of pages.flatMap((p) => p.appointments)) expect(a.service?.id).toBe(a.serviceId);
    expect(pages.map((p) => p.appointments.length)).toEqual([3, 3, 1]);
    expect(pages.flatMap((p) => p.appointments.map((a) => a.id))).toEqual(newestFirst().map((a) => a.id));
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
