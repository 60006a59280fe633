/**
 * ListSlots over gRPC: order, time range, status filter, pages and their
 * tokens, and an unknown service.
 */
import { status } from '@grpc/grpc-js';
import { Types } from 'mongoose';
import { SlotStatus, type Slot } from '../../../src/gen/booking/v1/resources';
import { listAllSlots, serviceWithSlots, timeOfDay } from '../../factories';
import { failure, violatedFields } from '../../support/harness';
import { api, useFileApp } from '../../support/file-app';
import { everyPage } from '../../support/every-page';

useFileApp({});

const MORNING = { openingTime: timeOfDay(9), closingTime: timeOfDay(12), slotDurationMinutes: 30 };

describe('ListSlots', () => {
  let serviceId: string;
  let slots: Slot[];

  beforeAll(async () => {
    const made = await serviceWithSlots(api, {}, 50); // 09:00-17:00, 30 minutes: 16 slots
    serviceId = made.service.id;
    slots = await listAllSlots(api, serviceId);
  });

  it('lists a service’s slots by start time, with their fields', () => {
    expect(slots).toHaveLength(16);
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i]!;
      expect(s).toMatchObject({
        serviceId,
        status: SlotStatus.SLOT_STATUS_AVAILABLE,
        appointmentId: '',
        revision: 1,
      });
      expect(s.id).toMatch(/^[0-9a-f]{24}$/);
      expect(s.endTime!.getTime() - s.startTime!.getTime()).toBe(30 * 60_000);
      if (i > 0) expect(s.startTime!.getTime()).toBe(slots[i - 1]!.endTime!.getTime());
    }
  });

  it('lists only slots starting in [start_time, end_time)', async () => {
    const res = await api.listSlots({
      serviceId,
      startTime: slots[2]!.startTime,
      endTime: slots[5]!.startTime,
    });
    expect(res.slots.map((s) => s.id)).toEqual(slots.slice(2, 5).map((s) => s.id));
    expect(res.nextPageToken).toBe('');

    // Only a start bound, or only an end bound.
    const from = await api.listSlots({ serviceId, startTime: new Date(slots[14]!.startTime!.getTime() - 1) });
    expect(from.slots.map((s) => s.id)).toEqual(slots.slice(14).map((s) => s.id));
    const to = await api.listSlots({ serviceId, endTime: new Date(slots[1]!.startTime!.getTime() + 1) });
    expect(to.slots.map((s) => s.id)).toEqual(slots.slice(0, 2).map((s) => s.id));
  });

  it('pages through slots with no duplicates or gaps, in order', async () => {
    const pages = await everyPage((pageToken) => api.listSlots({ serviceId, pageSize: 5, pageToken }));
    expect(pages.map((p) => p.slots.length)).toEqual([5, 5, 5, 1]);
    expect(pages.flatMap((p) => p.slots.map((s) => s.id))).toEqual(slots.map((s) => s.id));
  });

  it('pages within a time range, and refuses a token for another range', async () => {
    const range = { serviceId, startTime: slots[3]!.startTime, endTime: slots[10]!.startTime };
    const first = await api.listSlots({ ...range, pageSize: 4 });
    const second = await api.listSlots({ ...range, pageSize: 4, pageToken: first.nextPageToken });
    expect([...first.slots, ...second.slots].map((s) => s.id)).toEqual(slots.slice(3, 10).map((s) => s.id));
    expect(second.nextPageToken).toBe('');

    const e = await failure(api.listSlots({ serviceId, pageSize: 4, pageToken: first.nextPageToken }));
    expect(e.code).toBe(status.INVALID_ARGUMENT);
    expect(violatedFields(e)).toEqual(['page_token']);
  });

  it('filters by status, without showing who booked a slot', async () => {
    const { service, slotIds } = await serviceWithSlots(api, MORNING, 51);
    await api.setSlotStatus({ slotId: slotIds[1]!, status: SlotStatus.SLOT_STATUS_LOCKED });
    await api.bookSlot({ slotId: slotIds[3]!, userId: 'list-filter-user' });

    const byStatus = async (s: SlotStatus) =>
      (await listAllSlots(api, service.id, { status: s })).map((x) => x.id);
    expect(await byStatus(SlotStatus.SLOT_STATUS_LOCKED)).toEqual([slotIds[1]]);
    expect(await byStatus(SlotStatus.SLOT_STATUS_BOOKED)).toEqual([slotIds[3]]);
    expect(await byStatus(SlotStatus.SLOT_STATUS_AVAILABLE)).toEqual(
      slotIds.filter((_, i) => i !== 1 && i !== 3),
    );
    expect(await byStatus(SlotStatus.SLOT_STATUS_UNSPECIFIED)).toEqual(slotIds);

    const booked = (await listAllSlots(api, service.id, { status: SlotStatus.SLOT_STATUS_BOOKED }))[0]!;
    expect(booked.appointmentId).toBe('');
  });

  it('refuses a page token issued for another status filter', async () => {
    const first = await api.listSlots({ serviceId, pageSize: 2, status: SlotStatus.SLOT_STATUS_AVAILABLE });
    const e = await failure(api.listSlots({ serviceId, pageSize: 2, pageToken: first.nextPageToken }));
    expect(violatedFields(e)).toEqual(['page_token']);
  });

  it('answers NOT_FOUND, reason SERVICE_NOT_FOUND, for an unknown service', async () => {
    const e = await failure(api.listSlots({ serviceId: new Types.ObjectId().toHexString() }));
    expect(e.code).toBe(status.NOT_FOUND);
    expect(e.reason).toBe('SERVICE_NOT_FOUND');
  });
});
