/**
 * DeleteService as an archive (soft delete): the service stops taking
 * bookings and holds (its future free slots are blocked and announced), gets
 * no new slots and cannot be changed; its appointments keep working (read,
 * cancel, history); GetService still answers it, ListServices only with
 * show_deleted. Archiving again is OK. A service stored before these fields
 * existed is listed, updated and archived like any other.
 */
import { status } from '@grpc/grpc-js';
import { Types } from 'mongoose';
import { SlotStatus } from '../../src/gen/booking/v1/resources';
import { createService, futureDate, listAllSlots, serviceWithSlots } from '../factories';
import { failure } from '../support/harness';
import { api, t, useFileApp } from '../support/file-app';
import { openWatch } from '../support/watch-client';

useFileApp({ RECONCILER_ENABLED: 'false' });

/** Every service ListServices returns, following page tokens. */
async function listedIds(showDeleted: boolean): Promise<string[]> {
  const ids: string[] = [];
  let pageToken = '';
  do {
    const res = await api.listServices({ pageSize: 2, pageToken, showDeleted });
    ids.push(...res.services.map((s) => s.id));
    pageToken = res.nextPageToken;
  } while (pageToken !== '');
  return ids;
}

const refusal = async (call: Promise<unknown>): Promise<string> => {
  const err = await failure(call);
  return `${status[err.code]}/${err.reason}`;
};

describe('an archived service', () => {
  let serviceId: string;
  let slotIds: string[];
  let appointmentId: string;

  beforeAll(async () => {
    const created = await serviceWithSlots(api, {}, 30);
    serviceId = created.service.id;
    slotIds = created.slotIds;
    appointmentId = (await api.bookSlot({ slotId: slotIds[0]!, userId: 'ann' })).appointment!.id;
  });

  it('is archived: delete_time set, inactive, its free future slots blocked and announced', async () => {
    const watch = openWatch(t.client, { serviceId, sendInitialSnapshot: true });
    await watch.synced();
    const before = Date.now();
    const res = await api.deleteService({ serviceId });
    expect(res.service).toMatchObject({ id: serviceId, active: false });
    expect(res.service!.deleteTime!.getTime()).toBeGreaterThanOrEqual(before - 1_000);
    expect(res.lockedSlotCount).toBe(15);
    const slots = await listAllSlots(api, serviceId);
    expect(slots.map((s) => s.status).sort()).toEqual([
      ...Array<SlotStatus>(15).fill(SlotStatus.SLOT_STATUS_LOCKED),
      SlotStatus.SLOT_STATUS_BOOKED,
    ]);
    const changes = await watch.waitForChanges(15);
    watch.cancel();
    expect(changes.every((c) => c.slot!.status === SlotStatus.SLOT_STATUS_LOCKED)).toBe(true);
  });

  it('GetService still answers it, marked archived; ListServices hides it unless show_deleted', async () => {
    const { service } = await api.getService({ serviceId });
    expect(service!.deleteTime).toBeInstanceOf(Date);
    expect(await listedIds(false)).not.toContain(serviceId);
    expect(await listedIds(true)).toContain(serviceId);
    const active = await api.listServices({ pageSize: 100, activeOnly: true, showDeleted: true });
    expect(active.services.map((s) => s.id)).not.toContain(serviceId);
  });

  it('takes no bookings, holds, slots, changes or unblocking', async () => {
    expect(await refusal(api.bookSlot({ slotId: slotIds[1]!, userId: 'bob' }))).toBe(
      'FAILED_PRECONDITION/SERVICE_ARCHIVED',
    );
    expect(await refusal(api.holdSlot({ slotId: slotIds[2]!, userId: 'bob' }))).toBe(
      'FAILED_PRECONDITION/SERVICE_ARCHIVED',
    );
    const day = futureDate(31);
    expect(await refusal(api.generateSlots({ serviceId, startDate: day, endDate: day }))).toBe(
      'FAILED_PRECONDITION/SERVICE_ARCHIVED',
    );
    const { service } = await api.getService({ serviceId });
    expect(
      await refusal(api.updateService({ service: { ...service!, active: true }, updateMask: ['active'] })),
    ).toBe('FAILED_PRECONDITION/SERVICE_ARCHIVED');
    expect(
      await refusal(api.setSlotStatus({ slotId: slotIds[3]!, status: SlotStatus.SLOT_STATUS_AVAILABLE })),
    ).toBe('FAILED_PRECONDITION/SERVICE_ARCHIVED');
  });

  it('keeps its appointments working and in history', async () => {
    const read = await api.getAppointment({ appointmentId });
    expect(read.appointment!.service!.deleteTime).toBeInstanceOf(Date);
    const history = await api.listAppointments({ userId: 'ann' });
    expect(history.appointments.map((a) => a.id)).toContain(appointmentId);
    const cancelled = await api.cancelAppointment({ appointmentId, userId: 'ann', reason: 'closed' });
    expect(cancelled.appointment!.cancelTime).toBeInstanceOf(Date);
    const after = await api.listAppointments({ userId: 'ann' });
    expect(after.appointments.find((a) => a.id === appointmentId)?.cancellationReason).toBe('closed');
  });

  it('archiving again answers it as it is (blocking what was freed since), even with a stale etag', async () => {
    const { service } = await api.getService({ serviceId });
    const again = await api.deleteService({ serviceId, etag: '1' });
    expect(again.service).toMatchObject({ deleteTime: service!.deleteTime, etag: service!.etag });
    // The cancellation above freed its slot; archiving again blocks it.
    expect(again.lockedSlotCount).toBe(1);
  });
});

it('a stale etag refuses an archive (ABORTED, SERVICE_CHANGED); an unknown id is NOT_FOUND', async () => {
  const service = await createService(api);
  await api.updateService({ service: { ...service, name: 'moved on' }, updateMask: ['name'] });
  expect(await refusal(api.deleteService({ serviceId: service.id, etag: service.etag }))).toBe(
    'ABORTED/SERVICE_CHANGED',
  );
  expect((await api.getService({ serviceId: service.id })).service!.deleteTime).toBeUndefined();
  expect(await refusal(api.deleteService({ serviceId: new Types.ObjectId().toHexString() }))).toBe(
    'NOT_FOUND/SERVICE_NOT_FOUND',
  );
});

it('a service stored before providers, revisions and archiving existed is listed, updated and archived', async () => {
  const legacy = await createService(api);
  await t.db
    .collection('services')
    .updateOne(
      { _id: new Types.ObjectId(legacy.id) },
      { $unset: { providerId: '', deletedAt: '', revision: '' } },
    );
  const { service } = await api.getService({ serviceId: legacy.id });
  expect(service).toMatchObject({ providerId: '', etag: '0', deleteTime: undefined });
  expect(await listedIds(false)).toContain(legacy.id);
  const updated = await api.updateService({
    service: { ...service!, name: 'Old, renamed' },
    updateMask: ['name'],
  });
  expect(updated.service).toMatchObject({ name: 'Old, renamed', etag: '1' });
  await api.deleteService({ serviceId: legacy.id, etag: '1' });
  expect(await listedIds(false)).not.toContain(legacy.id);
});
