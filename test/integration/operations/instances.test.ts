/**
 * Operating the service: three instances on one database and Redis behaving
 * as one service.
 */
import { WatchEventType } from '../../../src/gen/booking/v1/booking_service';
import { SlotStatus } from '../../../src/gen/booking/v1/resources';
import { serviceWithSlots } from '../../factories';
import { decodeError, rpc, startTestApp, uniqueDatabaseName, type TestApp } from '../../support/harness';
import { openWatch, until } from '../../support/watch-client';

describe('three instances on one database and Redis', () => {
  const apps: TestApp[] = [];
  beforeAll(async () => {
    const database = uniqueDatabaseName('three');
    for (let i = 0; i < 3; i++) apps.push(await startTestApp({}, { database }));
  });
  afterAll(async () => {
    for (const a of apps) await a.stop();
  });

  it('behave as one service: one winner per slot, cancel anywhere, streams see every instance', async () => {
    const [a, b, c] = apps.map((x) => rpc(x.client)) as [
      ReturnType<typeof rpc>,
      ReturnType<typeof rpc>,
      ReturnType<typeof rpc>,
    ];
    const { service, slotIds } = await serviceWithSlots(a);
    const watch = openWatch(apps[2]!.client, { serviceId: service.id, sendInitialSnapshot: true });
    await until(() => watch.ofType(WatchEventType.WATCH_EVENT_TYPE_SYNCED).length === 1, 'the snapshot');

    // 30 concurrent bookings of one slot spread over the three instances.
    const apis = [a, b, c];
    const results = await Promise.allSettled(
      Array.from({ length: 30 }, (_, i) => apis[i % 3]!.bookSlot({ slotId: slotIds[0]!, userId: `u${i}` })),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const r of results) {
      if (r.status === 'rejected')
        expect(['SLOT_BUSY', 'SLOT_UNAVAILABLE']).toContain(decodeError(r.reason).reason);
    }
    const appointment = (won[0] as PromiseFulfilledResult<{ appointment?: { id: string; userId: string } }>)
      .value.appointment!;

    // Booked through one instance, read and cancelled through the others.
    expect((await b.getAppointment({ appointmentId: appointment.id })).appointment!.userId).toBe(
      appointment.userId,
    );
    await c.cancelAppointment({ appointmentId: appointment.id, userId: appointment.userId });
    const rebooked = await b.bookSlot({ slotId: slotIds[0]!, userId: 'after-cancel' });
    expect(rebooked.appointment!.slot!.status).toBe(SlotStatus.SLOT_STATUS_BOOKED);

    // The watcher on instance C saw booked, freed, booked again, in order.
    await until(
      () => watch.changes().filter((m) => m.slot?.id === slotIds[0]).length >= 3,
      'three changes of the slot on the third instance',
      { detail: () => watch.describe() },
    );
    const statuses = watch
      .changes()
      .filter((m) => m.slot?.id === slotIds[0])
      .map((m) => m.slot!.status);
    expect(statuses).toEqual([
      SlotStatus.SLOT_STATUS_BOOKED,
      SlotStatus.SLOT_STATUS_AVAILABLE,
      SlotStatus.SLOT_STATUS_BOOKED,
    ]);
    watch.cancel();
  });
});
