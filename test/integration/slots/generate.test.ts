/**
 * GenerateSlots over gRPC: idempotent re-runs, local opening hours across a DST
 * change, a bounded range, and an unknown service, storing nothing.
 */
import { status } from '@grpc/grpc-js';
import { Types } from 'mongoose';
import { SlotStatus, type Slot } from '../../../src/gen/booking/v1/resources';
import {
  createService,
  futureDate,
  listAllSlots,
  localDate,
  serviceWithSlots,
  timeOfDay,
} from '../../factories';
import { failure, violatedFields } from '../../support/harness';
import { api, t, useFileApp } from '../../support/file-app';
import { storedSlot } from '../../support/appointments';

useFileApp({});

const slotsOf = (serviceId: string) =>
  t.db.collection('slots').find({ serviceId: new Types.ObjectId(serviceId) });
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
