/**
 * Slots over gRPC: generation (idempotent, DST-aware, bounded), listing
 * (order, range, status, pages), blocking and unblocking.
 */
import { status } from '@grpc/grpc-js';
import { Types } from 'mongoose';
import { SlotStatus, type Slot } from '../../src/gen/booking/v1/resources';
import {
  createService,
  futureDate,
  listAllSlots,
  localDate,
  serviceWithSlots,
  timeOfDay,
} from '../factories';
import { failure, rpc, startTestApp, violatedFields, type Rpc, type TestApp } from '../support/harness';

let t: TestApp;
let api: Rpc;

beforeAll(async () => {
  t = await startTestApp();
  api = rpc(t.client);
});
afterAll(() => t.stop());

const slotsOf = (serviceId: string) =>
  t.db.collection('slots').find({ serviceId: new Types.ObjectId(serviceId) });
const storedSlot = (slotId: string) => t.db.collection('slots').findOne({ _id: new Types.ObjectId(slotId) });
const MORNING = { openingTime: timeOfDay(9), closingTime: timeOfDay(12), slotDurationMinutes: 30 };

describe('GenerateSlots', () => {
  it('counts created and existing slots on an overlapping re-run, and never duplicates', async () => {
    const service = await createService(api, MORNING); // 6 slots a day
    const [d1, d2, d3] = [futureDate(40), futureDate(41), futureDate(42)];

    const first = await api.generateSlots({ serviceId: service.id, startDate: d1, endDate: d2 });
    expect(first).toEqual({ createdCount: 12, existingCount: 0 });
    const overlap = await api.generateSlots({ serviceId: service.id, startDate: d2, endDate: d3 });
    expect(overlap).toEqual({ createdCount: 6, existingCount: 6 });
    const again = await api.generateSlots({ serviceId: service.id, startDate: d1, endDate: d3 });
    expect(again).toEqual({ createdCount: 0, existingCount: 18 });

    const docs = await slotsOf(service.id).toArray();
    expect(docs).toHaveLength(18);
    expect(new Set(docs.map((d) => (d.startTime as Date).getTime())).size).toBe(18);
    for (const d of docs) {
      expect(d.status).toBe('AVAILABLE');
      expect(d.revision).toBe(1);
      expect((d.endTime as Date).getTime() - (d.startTime as Date).getTime()).toBe(30 * 60_000);
    }
  });

  it('leaves existing slots as they were on a re-run', async () => {
    const { service, slotIds } = await serviceWithSlots(api, MORNING, 43);
    await api.setSlotStatus({ slotId: slotIds[0]!, status: SlotStatus.SLOT_STATUS_LOCKED });
    const date = futureDate(43);
    const res = await api.generateSlots({ serviceId: service.id, startDate: date, endDate: date });
    expect(res).toEqual({ createdCount: 0, existingCount: 6 });
    expect(await storedSlot(slotIds[0]!)).toMatchObject({ status: 'LOCKED', revision: 2 });
  });

  it('keeps local opening hours across the Europe/Berlin spring-forward (2027-03-27..29)', async () => {
    const service = await createService(api, { ...MORNING, timeZone: 'Europe/Berlin' });
    const res = await api.generateSlots({
      serviceId: service.id,
      startDate: localDate(2027, 3, 27),
      endDate: localDate(2027, 3, 29),
    });
    expect(res).toEqual({ createdCount: 18, existingCount: 0 });

    const slots = await listAllSlots(api, service.id);
    expect(slots).toHaveLength(18);
    const byDay = new Map<string, Slot[]>();
    for (const s of slots) {
      const day = s.startTime!.toISOString().slice(0, 10);
      byDay.set(day, [...(byDay.get(day) ?? []), s]);
    }
    expect([...byDay.keys()]).toEqual(['2027-03-27', '2027-03-28', '2027-03-29']);
    for (const daySlots of byDay.values()) expect(daySlots).toHaveLength(6);
    expect([...byDay.values()].map((d) => d[0]!.startTime!.toISOString())).toEqual([
      '2027-03-27T08:00:00.000Z', // 09:00 CET
      '2027-03-28T07:00:00.000Z', // 09:00 CEST
      '2027-03-29T07:00:00.000Z',
    ]);
    expect([...byDay.values()].map((d) => d.at(-1)!.endTime!.toISOString())).toEqual([
      '2027-03-27T11:00:00.000Z', // 12:00 CET
      '2027-03-28T10:00:00.000Z', // 12:00 CEST
      '2027-03-29T10:00:00.000Z',
    ]);
  });

  it('refuses a range that could create too many slots (24h of 5-minute slots over 366 days), storing nothing', async () => {
    const service = await createService(api, {
      openingTime: timeOfDay(0),
      closingTime: timeOfDay(24),
      slotDurationMinutes: 5,
    });
    const e = await failure(
      api.generateSlots({
        serviceId: service.id,
        startDate: localDate(2027, 1, 1),
        endDate: localDate(2028, 1, 1),
      }),
    );
    expect(e.code).toBe(status.INVALID_ARGUMENT);
    expect(e.reason).toBe('INVALID_ARGUMENT');
    expect(violatedFields(e)).toEqual(['end_date']);
    expect(await t.db.collection('slots').countDocuments({ serviceId: new Types.ObjectId(service.id) })).toBe(
      0,
    );
  });

  it('answers NOT_FOUND, reason SERVICE_NOT_FOUND, for an unknown service, storing nothing', async () => {
    const before = await t.db.collection('slots').countDocuments();
    const e = await failure(
      api.generateSlots({
        serviceId: new Types.ObjectId().toHexString(),
        startDate: futureDate(10),
        endDate: futureDate(11),
      }),
    );
    expect(e.code).toBe(status.NOT_FOUND);
    expect(e.reason).toBe('SERVICE_NOT_FOUND');
    expect(await t.db.collection('slots').countDocuments()).toBe(before);
  });
});

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
    const ids: string[] = [];
    const sizes: number[] = [];
    let pageToken = '';
    do {
      const res = await api.listSlots({ serviceId, pageSize: 5, pageToken });
      ids.push(...res.slots.map((s) => s.id));
      sizes.push(res.slots.length);
      pageToken = res.nextPageToken;
    } while (pageToken !== '');
    expect(sizes).toEqual([5, 5, 5, 1]);
    expect(ids).toEqual(slots.map((s) => s.id));
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

describe('SetSlotStatus', () => {
  let slotIds: string[];
  beforeAll(async () => {
    ({ slotIds } = await serviceWithSlots(api, MORNING, 52));
  });

  it('locks and unlocks a slot, its revision growing with each change', async () => {
    const slotId = slotIds[0]!;
    const locked = await api.setSlotStatus({ slotId, status: SlotStatus.SLOT_STATUS_LOCKED });
    expect(locked.slot).toMatchObject({ id: slotId, status: SlotStatus.SLOT_STATUS_LOCKED, revision: 2 });
    expect(await storedSlot(slotId)).toMatchObject({ status: 'LOCKED', revision: 2 });

    const unlocked = await api.setSlotStatus({ slotId, status: SlotStatus.SLOT_STATUS_AVAILABLE });
    expect(unlocked.slot).toMatchObject({
      id: slotId,
      status: SlotStatus.SLOT_STATUS_AVAILABLE,
      revision: 3,
    });
    expect(await storedSlot(slotId)).toMatchObject({ status: 'AVAILABLE', revision: 3 });
    expect(unlocked.slot!.startTime).toEqual(locked.slot!.startTime);
  });

  it('treats setting the state a slot is in already as a no-op', async () => {
    const slotId = slotIds[1]!;
    const same = await api.setSlotStatus({ slotId, status: SlotStatus.SLOT_STATUS_AVAILABLE });
    expect(same.slot).toMatchObject({ status: SlotStatus.SLOT_STATUS_AVAILABLE, revision: 1 });
    await api.setSlotStatus({ slotId, status: SlotStatus.SLOT_STATUS_LOCKED });
    const again = await api.setSlotStatus({ slotId, status: SlotStatus.SLOT_STATUS_LOCKED });
    expect(again.slot).toMatchObject({ status: SlotStatus.SLOT_STATUS_LOCKED, revision: 2 });
  });

  it('makes a LOCKED slot unbookable (FAILED_PRECONDITION, SLOT_UNAVAILABLE)', async () => {
    const slotId = slotIds[2]!;
    await api.setSlotStatus({ slotId, status: SlotStatus.SLOT_STATUS_LOCKED });
    const e = await failure(api.bookSlot({ slotId, userId: 'locked-out' }));
    expect(e.code).toBe(status.FAILED_PRECONDITION);
    expect(e.reason).toBe('SLOT_UNAVAILABLE');
    expect(await storedSlot(slotId)).toMatchObject({ status: 'LOCKED', revision: 2, appointmentId: null });
    expect(await t.db.collection('appointments').countDocuments({ slotId: new Types.ObjectId(slotId) })).toBe(
      0,
    );

    // Unlocked again, it can be booked.
    await api.setSlotStatus({ slotId, status: SlotStatus.SLOT_STATUS_AVAILABLE });
    const { appointment } = await api.bookSlot({ slotId, userId: 'locked-out' });
    expect(appointment!.slot!.status).toBe(SlotStatus.SLOT_STATUS_BOOKED);
  });

  it.each([
    ['LOCKED', SlotStatus.SLOT_STATUS_LOCKED],
    ['AVAILABLE', SlotStatus.SLOT_STATUS_AVAILABLE],
  ])(
    'refuses to set a BOOKED slot %s (FAILED_PRECONDITION, SLOT_BOOKED), leaving it unchanged',
    async (_l, to) => {
      const slotId = to === SlotStatus.SLOT_STATUS_LOCKED ? slotIds[3]! : slotIds[4]!;
      await api.bookSlot({ slotId, userId: 'booker' });
      const before = await storedSlot(slotId);
      expect(before).toMatchObject({ status: 'BOOKED' });

      const e = await failure(api.setSlotStatus({ slotId, status: to }));
      expect(e.code).toBe(status.FAILED_PRECONDITION);
      expect(e.reason).toBe('SLOT_BOOKED');
      expect(await storedSlot(slotId)).toEqual(before);
    },
  );

  it.each([
    ['SLOT_STATUS_BOOKED', SlotStatus.SLOT_STATUS_BOOKED],
    ['SLOT_STATUS_UNSPECIFIED', SlotStatus.SLOT_STATUS_UNSPECIFIED],
  ])('refuses the target status %s (INVALID_ARGUMENT, field status)', async (_l, to) => {
    const slotId = slotIds[5]!;
    const before = await storedSlot(slotId);
    const e = await failure(api.setSlotStatus({ slotId, status: to }));
    expect(e.code).toBe(status.INVALID_ARGUMENT);
    expect(e.reason).toBe('INVALID_ARGUMENT');
    expect(violatedFields(e)).toEqual(['status']);
    expect(await storedSlot(slotId)).toEqual(before);
  });

  it('answers NOT_FOUND, reason SLOT_NOT_FOUND, for an unknown slot', async () => {
    const e = await failure(
      api.setSlotStatus({
        slotId: new Types.ObjectId().toHexString(),
        status: SlotStatus.SLOT_STATUS_LOCKED,
      }),
    );
    expect(e.code).toBe(status.NOT_FOUND);
    expect(e.reason).toBe('SLOT_NOT_FOUND');
  });
});
