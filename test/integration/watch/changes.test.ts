/**
 * WatchSlotAvailability on one instance: the snapshot and its time range,
 * SYNCED, the changes that follow (bookings, cancellations, holds, blocks) with
 * their previous status and growing revisions, heartbeats, and subscribers
 * handing over.
 */
import { SlotStatus, type Slot } from '../../../src/gen/booking/v1/resources';
import { createService, futureDate, listAllSlots, serviceWithSlots } from '../../factories';
import {
  changeSummary,
  statusName,
  strictlyIncreasing,
  WatchEventType,
  type Watch,
  type WatchResponse,
} from '../../support/watch-client';
import { NOTHING, api, statsReach, t, useWatchApp, watch } from '../../support/watch-app';

const { SLOT_STATUS_AVAILABLE: AVAILABLE, SLOT_STATUS_LOCKED: LOCKED } = SlotStatus;
const isHeartbeat = (m: WatchResponse) => m.type === WatchEventType.WATCH_EVENT_TYPE_HEARTBEAT;

describe('WatchSlotAvailability on one instance', () => {
  useWatchApp({ RECONCILER_ENABLED: 'false', WATCH_HEARTBEAT_MS: '300' });

  it('sends a SNAPSHOT of every slot in the range, one SYNCED, then each later change in revision order', async () => {
    const service = await createService(api); // 9:00-17:00, 30-minute slots: 16 a day
    await api.generateSlots({ serviceId: service.id, startDate: futureDate(30), endDate: futureDate(31) });
    const initial = await listAllSlots(api, service.id);
    expect(initial).toHaveLength(32);
    const slot = (i: number): Slot => initial[i]!;
    // State from before the watch, inside the range: one slot booked, one blocked.
    const early = await api.bookSlot({ slotId: slot(5).id, userId: 'early-user' });
    await api.setSlotStatus({ slotId: slot(6).id, status: LOCKED });

    // [start of slot 4, start of slot 20): slots 4..19, across both days.
    const range = { startTime: slot(4).startTime, endTime: slot(20).startTime };
    const expected = (await listAllSlots(api, service.id)).slice(4, 20);
    const w = watch(t.client, { serviceId: service.id, ...range, sendInitialSnapshot: true });
    const synced = await w.synced();

    const snapshots = w.snapshots();
    expect(snapshots.map((m) => m.slot!.id)).toEqual(expected.map((s) => s.id));
    expect(snapshots.map((m) => [statusName(m.slot!.status), m.slot!.revision])).toEqual(
      expected.map((s) => [statusName(s.status), s.revision]),
    );
    expect(statusName(snapshots[1]!.slot!.status)).toBe('SLOT_STATUS_BOOKED');
    expect(statusName(snapshots[2]!.slot!.status)).toBe('SLOT_STATUS_LOCKED');
    // SNAPSHOTs, then exactly one SYNCED; all at the snapshot's revision.
    expect(w.messages.filter((m) => !isHeartbeat(m)).map((m) => WatchEventType[m.type])).toEqual([
      ...expected.map(() => 'WATCH_EVENT_TYPE_SNAPSHOT'),
      'WATCH_EVENT_TYPE_SYNCED',
    ]);
    expect(synced.revision).toBeGreaterThan(0);
    for (const m of snapshots) expect(m.revision).toBe(synced.revision);

    // Changes, one at a time: each must arrive before the next is made.
    let expectedChanges = 0;
    const step = async <T>(action: () => Promise<T>): Promise<T> => {
      const result = await action();
      expectedChanges += 1;
      await w.waitForChanges(expectedChanges);
      return result;
    };
    const booked = await step(() => api.bookSlot({ slotId: slot(8).id, userId: 'u1' }));
    await step(() =>
      api.cancelAppointment({
        appointmentId: booked.appointment!.id,
        userId: 'u1',
        reason: 'changed my mind',
      }),
    );
    const hold = await step(() => api.holdSlot({ slotId: slot(9).id, userId: 'u2', ttlSeconds: 120 }));
    await step(() => api.bookSlot({ slotId: slot(9).id, userId: 'u2', holdToken: hold.holdToken }));
    const hold2 = await step(() => api.holdSlot({ slotId: slot(10).id, userId: 'u3', ttlSeconds: 120 }));
    await step(() => api.releaseHold({ holdToken: hold2.holdToken, userId: 'u3' }));
    await step(() => api.setSlotStatus({ slotId: slot(6).id, status: AVAILABLE }));
    await step(() => api.setSlotStatus({ slotId: slot(11).id, status: LOCKED }));
    // Outside the range (before its start, at its end): no CHANGE. Their events
    // are published before the next step's, so the next CHANGE proves they were skipped.
    await api.bookSlot({ slotId: slot(0).id, userId: 'u4' });
    await api.bookSlot({ slotId: slot(20).id, userId: 'u4' });
    await step(() =>
      api.cancelAppointment({ appointmentId: early.appointment!.id, userId: 'early-user', reason: '' }),
    );

    const changes = w.changes();
    const id = (i: number) => slot(i).id;
    expect(changes.map(changeSummary)).toEqual([
      [id(8), 'SLOT_STATUS_BOOKED', 'SLOT_STATUS_AVAILABLE'],
      [id(8), 'SLOT_STATUS_AVAILABLE', 'SLOT_STATUS_BOOKED'],
      [id(9), 'SLOT_STATUS_LOCKED', 'SLOT_STATUS_AVAILABLE'],
      [id(9), 'SLOT_STATUS_BOOKED', 'SLOT_STATUS_LOCKED'],
      [id(10), 'SLOT_STATUS_LOCKED', 'SLOT_STATUS_AVAILABLE'],
      [id(10), 'SLOT_STATUS_AVAILABLE', 'SLOT_STATUS_LOCKED'],
      [id(6), 'SLOT_STATUS_AVAILABLE', 'SLOT_STATUS_LOCKED'],
      [id(11), 'SLOT_STATUS_LOCKED', 'SLOT_STATUS_AVAILABLE'],
      [id(5), 'SLOT_STATUS_AVAILABLE', 'SLOT_STATUS_BOOKED'],
    ]);
    // Service revisions grow, after the snapshot's.
    expect(changes[0]!.revision).toBeGreaterThan(synced.revision);
    expect(strictlyIncreasing(changes.map((m) => m.revision))).toBe(true);
    // Each slot's own revision goes up by one per change, from what the snapshot showed.
    const slotRevision = new Map(snapshots.map((m) => [m.slot!.id, m.slot!.revision]));
    for (const m of changes) {
      expect(m.slot!.revision).toBe(slotRevision.get(m.slot!.id)! + 1);
      slotRevision.set(m.slot!.id, m.slot!.revision);
    }
    // A hold's CHANGE carries its expiry.
    expect(changes[2]!.slot!.holdExpireTime).toEqual(hold.expireTime);
    // The final view matches the stored state.
    const now = await listAllSlots(api, service.id);
    const view = w.view();
    for (const s of now.slice(4, 20)) {
      expect([s.id, statusName(view.get(s.id)!.status), view.get(s.id)!.revision]).toEqual([
        s.id,
        statusName(s.status),
        s.revision,
      ]);
    }
  });

  it('sends heartbeats on an idle stream, carrying the latest revision (also of changes out of range)', async () => {
    const { service, slotIds } = await serviceWithSlots(api);
    const all = await listAllSlots(api, service.id);
    const w = watch(t.client, {
      serviceId: service.id,
      startTime: all[8]!.startTime,
      sendInitialSnapshot: true,
    });
    const synced = await w.synced();
    expect(w.snapshots()).toHaveLength(8);

    // Idle after SYNCED: heartbeats carry (at least) the snapshot's revision.
    await w.waitFor((x) => x.heartbeats().length > 0, 'a first heartbeat');
    expect(w.heartbeats()[0]!.revision).toBeGreaterThanOrEqual(synced.revision);

    await api.bookSlot({ slotId: slotIds[10]!, userId: 'hb-user' });
    const [change] = await w.waitForChanges(1);
    const heartbeatAfter = (revision: number) => (x: Watch) =>
      x.messages.slice(x.messages.indexOf(change!)).some((m) => isHeartbeat(m) && m.revision >= revision);
    await w.waitFor(heartbeatAfter(change!.revision), 'a heartbeat after the change');
    const firstAfter = w.messages.slice(w.messages.indexOf(change!)).find(isHeartbeat)!;
    expect(firstAfter.revision).toBe(change!.revision);
    expect(firstAfter.slot).toBeUndefined();

    // A change outside the range is not sent, but moves the resume point on.
    await api.bookSlot({ slotId: slotIds[2]!, userId: 'hb-user' });
    await w.waitFor(heartbeatAfter(change!.revision + 1), 'a heartbeat past the out-of-range change');
    const moved = w.heartbeats().at(-1)!;
    expect(moved.revision).toBeGreaterThan(change!.revision);
    expect(w.changes()).toHaveLength(1);

    // A stream from "now" (no snapshot, since_revision 0) reports the same latest revision.
    const fromNow = watch(t.client, { serviceId: service.id });
    await fromNow.waitFor((x) => x.heartbeats().length > 0, 'a heartbeat');
    for (const m of fromNow.messages)
      expect([m.type, m.revision]).toEqual([WatchEventType.WATCH_EVENT_TYPE_HEARTBEAT, moved.revision]);
    // ...and then every change of the service, in and out of the first watch's range.
    await api.bookSlot({ slotId: slotIds[3]!, userId: 'hb-user' });
    const [later] = await fromNow.waitForChanges(1);
    expect(later!.slot!.id).toBe(slotIds[3]);
    expect(later!.revision).toBeGreaterThan(moved.revision);
    expect(w.changes()).toHaveLength(1);
  });

  it('keeps delivering to a subscriber that joins just as the last one leaves (40 hand-overs)', async () => {
    const { service, slotIds } = await serviceWithSlots(api);
    // One slot booked and cancelled in turn: a change whenever needed.
    let appointment: string | null = null;
    const change = async () => {
      if (appointment) {
        await api.cancelAppointment({ appointmentId: appointment, userId: 'hand-over', reason: '' });
        appointment = null;
      } else {
        const res = await api.bookSlot({ slotId: slotIds[0]!, userId: 'hand-over' });
        appointment = res.appointment!.id;
      }
    };
    let current = watch(t.client, { serviceId: service.id, sendInitialSnapshot: true }, { label: 'first' });
    await current.synced();
    await change();
    await current.waitForChanges(1);
    // Each time, the next subscriber resumes from the current one's last
    // revision and the current one goes while the next is still joining.
    // The instance's shared reader for the service closes when its last
    // subscriber leaves; a subscriber joining at that moment must not be
    // left on the closed reader.
    for (let i = 0; i < 40; i++) {
      const since = current.lastRevision();
      const next = watch(
        t.client,
        { serviceId: service.id, sinceRevision: since },
        { label: `hand-over ${i}` },
      );
      // Jitter (0-5 ms), so that the leave lands at different points of the join.
      await new Promise((resolve) => setTimeout(resolve, i % 6));
      current.cancel();
      await current.ending();
      await change();
      const [got] = await next.waitForChanges(1, 5_000);
      expect(got!.revision).toBeGreaterThan(since);
      current = next;
    }
    current.cancel();
    await statsReach(t, NOTHING);
  });
});
