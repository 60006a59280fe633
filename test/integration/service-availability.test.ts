/**
 * What UpdateService's `active` does to slots that exist: deactivating blocks
 * every future free slot (LOCKED by the service, no hold) and announces each
 * change on the watch stream; bookings and holds are then refused with
 * SERVICE_INACTIVE; booked, held, provider-blocked and past slots are left
 * alone. Reactivating frees exactly what the service blocked (slots generated
 * while inactive included), never a provider's block. Hours, length and time
 * zone shape only slots generated afterwards. Concurrent changes converge
 * (test/unit/slot-availability.test.ts interleaves them deterministically).
 */
import { status } from '@grpc/grpc-js';
import { Types } from 'mongoose';
import { SlotStatus, type Service, type Slot } from '../../src/gen/booking/v1/resources';
import { futureDate, listAllSlots, serviceWithSlots, timeOfDay } from '../factories';
import { decodeError, failure, rpc, startTestApp, type Rpc, type TestApp } from '../support/harness';
import { openWatch, type Watch } from '../support/watch-client';

let t: TestApp;
let api: Rpc;
const watches: Watch[] = [];

beforeAll(async () => {
  t = await startTestApp({ RECONCILER_ENABLED: 'false' });
  api = rpc(t.client);
});
afterAll(async () => {
  for (const w of watches) w.cancel();
  await t.stop();
});

const { AVAILABLE, LOCKED, BOOKED } = {
  AVAILABLE: SlotStatus.SLOT_STATUS_AVAILABLE,
  LOCKED: SlotStatus.SLOT_STATUS_LOCKED,
  BOOKED: SlotStatus.SLOT_STATUS_BOOKED,
};

const setActive = (service: Service, active: boolean) =>
  api.updateService({ service: { ...service, active, etag: '' }, updateMask: ['active'] });

async function watching(serviceId: string): Promise<Watch> {
  const w = openWatch(t.client, { serviceId, sendInitialSnapshot: true });
  watches.push(w);
  await w.synced();
  return w;
}

const byId = async (serviceId: string): Promise<Map<string, Slot>> =>
  new Map((await listAllSlots(api, serviceId)).map((s) => [s.id, s]));

const blockedBy = async (slotId: string): Promise<unknown> =>
  (await t.db.collection('slots').findOne({ _id: new Types.ObjectId(slotId) }))?.blockedBy;

const generate = (serviceId: string, days: number) =>
  api.generateSlots({ serviceId, startDate: futureDate(days), endDate: futureDate(days) });

describe('deactivating', () => {
  it('blocks every future free slot, announces each, and leaves booked, held, blocked and past slots alone', async () => {
    const { service, slotIds } = await serviceWithSlots(api, {}, 30);
    await generate(service.id, 31);
    await generate(service.id, -3); // a day in the past: not touched
    const booked = await api.bookSlot({ slotId: slotIds[0]!, userId: 'u1' });
    await api.holdSlot({ slotId: slotIds[1]!, userId: 'u2', ttlSeconds: 300 });
    await api.setSlotStatus({ slotId: slotIds[2]!, status: LOCKED });
    const before = await byId(service.id);
    const free = [...before.values()].filter((s) => s.status === AVAILABLE && s.startTime! > new Date());
    expect(free).toHaveLength(29);
    const watch = await watching(service.id);

    const res = await setActive(service, false);
    expect(res.service!.active).toBe(false);
    expect(res.lockedSlotCount).toBe(29);

    const after = await byId(service.id);
    for (const s of free)
      expect(after.get(s.id)).toMatchObject({ status: LOCKED, holdExpireTime: undefined });
    expect(after.get(slotIds[0]!)!.status).toBe(BOOKED);
    expect(after.get(slotIds[1]!)!.status).toBe(LOCKED);
    expect(after.get(slotIds[1]!)!.holdExpireTime).toBeInstanceOf(Date);
    const past = [...after.values()].filter((s) => s.startTime! < new Date());
    expect(past).toHaveLength(16);
    expect(past.every((s) => s.status === AVAILABLE)).toBe(true);
    expect(await blockedBy(slotIds[2]!)).toBe('PROVIDER');
    expect(await blockedBy(free[0]!.id)).toBe('SERVICE');

    const changes = await watch.waitForChanges(29);
    expect(changes).toHaveLength(29);
    expect(new Set(changes.map((c) => c.slot!.id))).toEqual(new Set(free.map((s) => s.id)));
    expect(changes.every((c) => c.slot!.status === LOCKED && c.previousStatus === AVAILABLE)).toBe(true);

    for (const call of [
      api.bookSlot({ slotId: free[0]!.id, userId: 'u3' }),
      api.holdSlot({ slotId: free[1]!.id, userId: 'u3' }),
    ]) {
      const err = await failure(call);
      expect({ code: err.code, reason: err.reason }).toEqual({
        code: status.FAILED_PRECONDITION,
        reason: 'SERVICE_INACTIVE',
      });
    }
    // Existing appointments keep working: the cancellation frees its slot, which takes no booking.
    const cancelled = await api.cancelAppointment({ appointmentId: booked.appointment!.id, userId: 'u1' });
    expect(cancelled.appointment!.service!.active).toBe(false);
    expect((await failure(api.bookSlot({ slotId: slotIds[0]!, userId: 'u3' }))).reason).toBe(
      'SERVICE_INACTIVE',
    );
    // Naming `active` again blocks what is free again (and finishes a sweep cut short).
    expect((await setActive(service, false)).lockedSlotCount).toBe(1);
  });

  it('moves no appointment onto a slot given back after it (RescheduleAppointment takes a slot like a booking)', async () => {
    const { service, slotIds } = await serviceWithSlots(api);
    const stays = (await api.bookSlot({ slotId: slotIds[0]!, userId: 'mover' })).appointment!;
    const leaves = (await api.bookSlot({ slotId: slotIds[1]!, userId: 'leaver' })).appointment!;
    await setActive(service, false);
    await api.cancelAppointment({ appointmentId: leaves.id, userId: 'leaver' });
    expect((await byId(service.id)).get(slotIds[1]!)!.status).toBe(AVAILABLE);

    const err = await failure(
      api.rescheduleAppointment({ appointmentId: stays.id, userId: 'mover', newSlotId: slotIds[1]! }),
    );
    expect({ code: err.code, reason: err.reason }).toEqual({
      code: status.FAILED_PRECONDITION,
      reason: 'SERVICE_INACTIVE',
    });
    const { appointment } = await api.getAppointment({ appointmentId: stays.id });
    expect(appointment!.slotId).toBe(slotIds[0]);
    const slots = await byId(service.id);
    expect(slots.get(slotIds[0]!)!.status).toBe(BOOKED);
    expect(slots.get(slotIds[1]!)!.status).toBe(AVAILABLE);
  });
});

describe('reactivating', () => {
  it("frees what the service blocked (slots generated meanwhile too), never a provider's block", async () => {
    const { service, slotIds } = await serviceWithSlots(api, {}, 30);
    await api.setSlotStatus({ slotId: slotIds[3]!, status: LOCKED });
    expect((await setActive(service, false)).lockedSlotCount).toBe(15);
    // Blocked by the provider while the service had it blocked already: the provider's now.
    await api.setSlotStatus({ slotId: slotIds[4]!, status: LOCKED });
    // Blocked before `blockedBy` existed (no field): counts as the provider's.
    await t.db
      .collection('slots')
      .updateOne({ _id: new Types.ObjectId(slotIds[5]!) }, { $unset: { blockedBy: '' } });
    await generate(service.id, 32);
    const generated = (await listAllSlots(api, service.id)).filter((s) => !slotIds.includes(s.id));
    expect(generated.every((s) => s.status === LOCKED)).toBe(true);
    const watch = await watching(service.id);

    const res = await setActive(service, true);
    expect(res.unlockedSlotCount).toBe(16 - 3 + 16);

    const after = await byId(service.id);
    for (const id of [slotIds[3]!, slotIds[4]!, slotIds[5]!]) expect(after.get(id)!.status).toBe(LOCKED);
    const freed = [...after.values()].filter((s) => s.status === AVAILABLE);
    expect(freed).toHaveLength(29);
    const changes = await watch.waitForChanges(29);
    expect(changes.every((c) => c.slot!.status === AVAILABLE && c.previousStatus === LOCKED)).toBe(true);
    await expect(api.bookSlot({ slotId: freed[0]!.id, userId: 'u4' })).resolves.toBeDefined();
    await expect(api.bookSlot({ slotId: generated[0]!.id, userId: 'u4' })).resolves.toBeDefined();
  });

  it('a service created inactive can be activated: its slots become bookable', async () => {
    const { service, slotIds } = await serviceWithSlots(api, { active: false }, 33);
    expect((await failure(api.bookSlot({ slotId: slotIds[0]!, userId: 'u5' }))).reason).toBe(
      'SERVICE_INACTIVE',
    );
    expect((await setActive(service, true)).unlockedSlotCount).toBe(16);
    await expect(api.bookSlot({ slotId: slotIds[0]!, userId: 'u5' })).resolves.toBeDefined();
  });
});

it('hours, slot length and time zone shape only the slots generated afterwards', async () => {
  const { service } = await serviceWithSlots(api, {}, 30);
  const before = await listAllSlots(api, service.id);
  const changed = {
    ...service,
    openingTime: timeOfDay(10),
    closingTime: timeOfDay(12),
    slotDurationMinutes: 60,
  };
  const res = await api.updateService({
    service: { ...changed, timeZone: 'UTC' },
    updateMask: ['opening_time', 'closing_time', 'slot_duration_minutes', 'time_zone'],
  });
  expect(res).toMatchObject({ lockedSlotCount: 0, unlockedSlotCount: 0 });
  expect(await listAllSlots(api, service.id)).toEqual(before);
  const day = futureDate(34);
  await api.generateSlots({ serviceId: service.id, startDate: day, endDate: day });
  const added = (await listAllSlots(api, service.id)).filter((s) => !before.some((b) => b.id === s.id));
  expect(added.map((s) => [s.startTime!.toISOString(), s.endTime!.toISOString()])).toEqual(
    [10, 11].map((h) => {
      const start = new Date(Date.UTC(day.year, day.month - 1, day.day, h));
      return [start.toISOString(), new Date(start.getTime() + 3_600_000).toISOString()];
    }),
  );
});

describe('concurrent changes converge', () => {
  /** Future slots that disagree with the service's final state. */
  async function misaligned(serviceId: string): Promise<string[]> {
    const { service } = await api.getService({ serviceId });
    const slots = await t.db
      .collection('slots')
      .find({ serviceId: new Types.ObjectId(serviceId), startTime: { $gt: new Date() } })
      .toArray();
    return slots
      .filter((s) =>
        service!.active ? s.status === 'LOCKED' && s.blockedBy === 'SERVICE' : s.status === 'AVAILABLE',
      )
      .map(
        (s) =>
          `${String(s._id)} ${String(s.status)} on an ${service!.active ? 'active' : 'inactive'} service`,
      );
  }

  it('off and on at once, several times: every slot matches the final state', async () => {
    const { service } = await serviceWithSlots(api, {}, 30);
    await generate(service.id, 31);
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => setActive(service, i % 2 === 1)),
    );
    for (const r of results) {
      if (r.status === 'rejected') expect(decodeError(r.reason).reason).toBe('SERVICE_CHANGED');
    }
    expect(results.some((r) => r.status === 'fulfilled')).toBe(true);
    expect(await misaligned(service.id)).toEqual([]);
  });
});
